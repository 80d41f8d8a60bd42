/* strset.c - see strset.h. Removal re-inserts the rest of the cluster. */
#include "util/common.h"
#include "util/strset.h"

static size_t hash(const char *s)
{
	size_t h = 1469598103934665603u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211u;
	return h;
}

static size_t find(const struct strset *s, const char *str)
{
	size_t i = hash(str) & (s->cap - 1);
	while (s->slots[i] && strcmp(s->slots[i], str))
		i = (i + 1) & (s->cap - 1);
	return i;
}

static void grow(struct strset *s)
{
	char **old = s->slots;
	size_t oldcap = s->cap, i;
	s->cap = s->cap ? s->cap * 2 : 64;
	s->slots = xcalloc(s->cap, sizeof(char *));
	for (i = 0; i < oldcap; i++)
		if (old[i])
			s->slots[find(s, old[i])] = old[i];
	free(old);
}

bool strset_add(struct strset *s, const char *str)
{
	size_t i;
	if ((s->n + 1) * 2 > s->cap)
		grow(s);
	i = find(s, str);
	if (s->slots[i])
		return false;
	s->slots[i] = xstrdup(str);
	s->n++;
	return true;
}

bool strset_has(const struct strset *s, const char *str)
{
	return s->cap && s->slots[find(s, str)];
}

bool strset_remove(struct strset *s, const char *str)
{
	size_t i, j;
	if (!s->cap)
		return false;
	i = find(s, str);
	if (!s->slots[i])
		return false;
	free(s->slots[i]);
	s->slots[i] = NULL;
	s->n--;
	for (j = (i + 1) & (s->cap - 1); s->slots[j]; j = (j + 1) & (s->cap - 1)) {
		char *x = s->slots[j];
		s->slots[j] = NULL;
		s->slots[find(s, x)] = x;
	}
	return true;
}

void strset_release(struct strset *s)
{
	size_t i;
	for (i = 0; i < s->cap; i++)
		free(s->slots[i]);
	free(s->slots);
	s->slots = NULL;
	s->n = s->cap = 0;
}
