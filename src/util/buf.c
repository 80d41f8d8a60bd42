/* buf.c - see buf.h. */
#include "util/common.h"

char runway_buf_empty[1];

void runway_buf_init(struct runway_buf *b)
{
	b->buf = runway_buf_empty;
	b->len = 0;
	b->alloc = 0;
}

void runway_buf_release(struct runway_buf *b)
{
	if (b->alloc)
		free(b->buf);
	runway_buf_init(b);
}

void runway_buf_reset(struct runway_buf *b)
{
	runway_buf_truncate(b, 0);
}

void runway_buf_grow(struct runway_buf *b, size_t extra)
{
	size_t want = b->len + extra + 1;
	if (want <= b->alloc)
		return;
	if (!b->alloc) {
		b->buf = NULL;
	}
	{
		size_t n = b->alloc ? b->alloc : 64;
		while (n < want)
			n *= 2;
		b->buf = xrealloc(b->buf, n);
		if (!b->alloc)
			b->buf[0] = '\0';
		b->alloc = n;
	}
}

void runway_buf_add(struct runway_buf *b, const void *data, size_t len)
{
	if (!len)
		return;
	runway_buf_grow(b, len);
	memcpy(b->buf + b->len, data, len);
	b->len += len;
	b->buf[b->len] = '\0';
}

void runway_buf_adds(struct runway_buf *b, const char *s)
{
	runway_buf_add(b, s, strlen(s));
}

void runway_buf_addch(struct runway_buf *b, char c)
{
	runway_buf_add(b, &c, 1);
}

void runway_buf_vaddf(struct runway_buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n;
	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n <= 0)
		return;
	runway_buf_grow(b, (size_t)n);
	vsnprintf(b->buf + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

void runway_buf_addf(struct runway_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	runway_buf_vaddf(b, fmt, ap);
	va_end(ap);
}

void runway_buf_truncate(struct runway_buf *b, size_t len)
{
	if (len >= b->len)
		return;
	b->len = len;
	b->buf[len] = '\0';
}

char *runway_buf_detach(struct runway_buf *b)
{
	char *s = b->alloc ? b->buf : xstrdup("");
	runway_buf_init(b);
	return s;
}
