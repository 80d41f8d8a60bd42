/* vec.c - see vec.h. */
#include "util/common.h"
#include "util/vec.h"

void strvec_pushn(struct strvec *sv, const char *s, size_t len)
{
	sv->v = xgrow(sv->v, sizeof(char *), sv->n + 2, &sv->alloc);
	sv->v[sv->n++] = xstrndup(s, len);
	sv->v[sv->n] = NULL;
}

void strvec_push(struct strvec *sv, const char *s)
{
	strvec_pushn(sv, s, strlen(s));
}

bool strvec_has(const struct strvec *sv, const char *s)
{
	size_t i;
	for (i = 0; i < sv->n; i++)
		if (!strcmp(sv->v[i], s))
			return true;
	return false;
}

void strvec_split_words(struct strvec *sv, const char *s)
{
	while (s && *s) {
		size_t n;
		s += strspn(s, " \t\r\n,");
		n = strcspn(s, " \t\r\n,");
		if (n)
			strvec_pushn(sv, s, n);
		s += n;
	}
}

char *strvec_join(const struct strvec *sv, const char *sep)
{
	struct runway_buf b = RUNWAY_BUF_INIT;
	size_t i;
	for (i = 0; i < sv->n; i++) {
		if (i)
			runway_buf_adds(&b, sep);
		runway_buf_adds(&b, sv->v[i]);
	}
	return runway_buf_detach(&b);
}

void strvec_release(struct strvec *sv)
{
	size_t i;
	for (i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	memset(sv, 0, sizeof(*sv));
}
