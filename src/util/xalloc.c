/* xalloc.c - see xalloc.h. */
#include "util/common.h"

static void RUNWAY_NORETURN oom(void)
{
	fputs("runway: out of memory\n", stderr);
	exit(3);
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom();
	return p;
}

void *xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);
	if (!p)
		oom();
	return p;
}

void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		oom();
	return q;
}

char *xstrdup(const char *s)
{
	char *p = strdup(s ? s : "");
	if (!p)
		oom();
	return p;
}

char *xstrndup(const char *s, size_t n)
{
	char *p = strndup(s, n);
	if (!p)
		oom();
	return p;
}

char *xvasprintf(const char *fmt, va_list ap)
{
	char *p = NULL;
	if (vasprintf(&p, fmt, ap) < 0)
		oom();
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;
	va_start(ap, fmt);
	p = xvasprintf(fmt, ap);
	va_end(ap);
	return p;
}

void *xgrow(void *arr, size_t elem, size_t want, size_t *alloc)
{
	size_t n;
	if (want <= *alloc)
		return arr;
	n = *alloc ? *alloc : 8;
	while (n < want)
		n *= 2;
	arr = xrealloc(arr, n * elem);
	*alloc = n;
	return arr;
}

void secure_wipe(void *p, size_t n)
{
	volatile unsigned char *v = p;
	while (p && n--)
		*v++ = 0;
}
