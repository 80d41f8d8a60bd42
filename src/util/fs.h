/*
 * fs.h - small file-system helpers.
 */
#ifndef RUNWAY_FS_H
#define RUNWAY_FS_H

#include <stdbool.h>
#include <stddef.h>

struct runway_buf;
struct runway_error;
struct strvec;

/*
 * Read a whole file into buf (appending), refusing files over max bytes.
 * On failure errno is left as the system set it (ENOENT for a missing file)
 * and err says "cannot read 'path': why" (class IO; CONFIG for too big).
 */
int fs_read_file(struct runway_buf *buf, const char *path, size_t max,
		 struct runway_error *err);
/* Create path with contents; fails if it exists (O_EXCL). */
int fs_write_new(const char *path, const char *data, size_t len, struct runway_error *err);
bool fs_exists(const char *path);
bool fs_is_dir(const char *path);
/* Names in dir ending with suffix, sorted bytewise. */
int fs_list_dir(struct strvec *out, const char *dir, const char *suffix,
		struct runway_error *err);

#endif
