/*
 * buf.h - growable strings (git/git: strbuf.h).
 *
 * buf is never NULL and always NUL-terminated; a buffer starts from
 * RUNWAY_BUF_INIT, is emptied with runway_buf_clear() and given up with
 * runway_buf_detach(), which hands the string to the caller.
 */
#ifndef RUNWAY_BUF_H
#define RUNWAY_BUF_H

#include <stddef.h>
#include <stdarg.h>

struct runway_buf {
	char *buf;    /* contents, always NUL-terminated */
	size_t len;   /* bytes used, without the NUL */
	size_t alloc; /* bytes allocated; 0 while buf points at the empty string */
};

extern char runway_buf_empty[];
#define RUNWAY_BUF_INIT { runway_buf_empty, 0, 0 }

void runway_buf_init(struct runway_buf *b);
void runway_buf_release(struct runway_buf *b);
void runway_buf_reset(struct runway_buf *b); /* len = 0, keeps the memory */
void runway_buf_grow(struct runway_buf *b, size_t extra);
void runway_buf_add(struct runway_buf *b, const void *data, size_t len);
void runway_buf_adds(struct runway_buf *b, const char *s);
void runway_buf_addch(struct runway_buf *b, char c);
void runway_buf_addf(struct runway_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void runway_buf_vaddf(struct runway_buf *b, const char *fmt, va_list ap);
void runway_buf_truncate(struct runway_buf *b, size_t len);
/* Hand the string to the caller (free() it); b is left empty. */
char *runway_buf_detach(struct runway_buf *b);

#endif
