/* fs.c - see fs.h. */
#include "util/common.h"
#include "util/fs.h"
#include "util/vec.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

int fs_read_file(struct runway_buf *buf, const char *path, size_t max,
		 struct runway_error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t start = buf->len;
	bool regular = false;
	struct stat st;
	ssize_t n;
	int saved;

	if (fd < 0) {
		saved = errno;
		runway_error_set(err, RUNWAY_E_IO, "cannot read '%s': %s", path, strerror(errno));
		errno = saved;
		return -1;
	}
	if (fstat(fd, &st) == 0) {
		if (S_ISDIR(st.st_mode)) {
			close(fd);
			runway_error_set(err, RUNWAY_E_IO, "cannot read '%s': is a directory", path);
			errno = EISDIR;
			return -1;
		}
		regular = S_ISREG(st.st_mode) && st.st_size > 0;
	}
	for (;;) {
		size_t got = buf->len - start;
		/*
		 * A regular file is read in one read() of the size fstat gave:
		 * plans read thousands of small files, and the extra read() that
		 * would only see EOF is a sixth of the system calls.
		 */
		if (regular && got >= (size_t)st.st_size)
			break;
		if (got > max || (regular && (size_t)st.st_size > max)) {
			close(fd);
			buf->len = start;
			buf->buf[start] = '\0';
			runway_error_set(err, RUNWAY_E_CONFIG, "cannot read '%s': larger than %zu bytes",
					 path, max);
			errno = EFBIG;
			return -1;
		}
		runway_buf_grow(buf, regular ? (size_t)st.st_size - got : 65536);
		n = read(fd, buf->buf + buf->len, buf->alloc - buf->len - 1);
		if (n == 0)
			break;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			saved = errno;
			runway_error_set(err, RUNWAY_E_IO, "cannot read '%s': %s", path, strerror(errno));
			close(fd);
			errno = saved;
			return -1;
		}
		buf->len += (size_t)n;
		buf->buf[buf->len] = '\0';
	}
	close(fd);
	if (buf->len - start > max) {
		buf->len = start;
		buf->buf[start] = '\0';
		runway_error_set(err, RUNWAY_E_CONFIG, "cannot read '%s': larger than %zu bytes", path, max);
		errno = EFBIG;
		return -1;
	}
	return 0;
}

int fs_write_new(const char *path, const char *data, size_t len, struct runway_error *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	size_t off = 0;
	if (fd < 0)
		return runway_error_set(err, RUNWAY_E_IO, "cannot create '%s': %s", path,
					strerror(errno));
	while (off < len) {
		ssize_t n = write(fd, data + off, len - off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			runway_error_set(err, RUNWAY_E_IO, "cannot write '%s': %s", path, strerror(errno));
			close(fd);
			unlink(path);
			return -1;
		}
		off += (size_t)n;
	}
	if (close(fd) < 0)
		return runway_error_set(err, RUNWAY_E_IO, "cannot write '%s': %s", path,
					strerror(errno));
	return 0;
}

bool fs_exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

bool fs_is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int fs_list_dir(struct strvec *out, const char *dir, const char *suffix,
		struct runway_error *err)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t sl = strlen(suffix);

	if (!d)
		return runway_error_set(err, errno == ENOENT || errno == ENOTDIR ? RUNWAY_E_CONFIG : RUNWAY_E_IO,
					"cannot open '%s': %s", dir,
					errno == ENOENT ? "no such directory" : strerror(errno));
	while ((de = readdir(d)) != NULL) {
		size_t n = strlen(de->d_name);
		if (de->d_name[0] == '.' || n < sl || strcmp(de->d_name + n - sl, suffix))
			continue;
		strvec_push(out, de->d_name);
	}
	closedir(d);
	if (out->n)
		qsort(out->v, out->n, sizeof(char *), cmp_str);
	return 0;
}
