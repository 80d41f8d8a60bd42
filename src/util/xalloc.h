/*
 * xalloc.h - allocation that never returns NULL: on failure it prints
 * "runway: out of memory" and exits 3 (tmux/tmux: xmalloc.c).
 */
#ifndef RUNWAY_XALLOC_H
#define RUNWAY_XALLOC_H

#include <stddef.h>
#include <stdarg.h>

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap);
/* Grow *arr (of element size elem) so that it holds at least want elements. */
void *xgrow(void *arr, size_t elem, size_t want, size_t *alloc);
/* Overwrite a secret with zeroes before it is freed (passwords, mask key). */
void secure_wipe(void *p, size_t n);

#endif
