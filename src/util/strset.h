/*
 * strset.h - a set of strings (open addressing, FNV-1a), for the checks'
 * "tables created so far" where a 5 MB migration creates thousands.
 */
#ifndef RUNWAY_STRSET_H
#define RUNWAY_STRSET_H

#include <stdbool.h>
#include <stddef.h>

struct strset {
	char **slots;
	size_t n, cap;
};
#define STRSET_INIT { NULL, 0, 0 }

/* Add s (copied); returns true when it was not there yet. */
bool strset_add(struct strset *s, const char *str);
bool strset_has(const struct strset *s, const char *str);
/* Remove s; returns true when it was there. */
bool strset_remove(struct strset *s, const char *str);
void strset_release(struct strset *s);

#endif
