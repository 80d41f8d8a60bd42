/*
 * vec.h - a growable vector of owned strings.
 */
#ifndef RUNWAY_VEC_H
#define RUNWAY_VEC_H

#include <stdbool.h>
#include <stddef.h>

struct strvec {
	char **v; /* NULL-terminated once anything was pushed */
	size_t n;
	size_t alloc;
};
#define STRVEC_INIT { NULL, 0, 0 }

void strvec_push(struct strvec *sv, const char *s);
void strvec_pushn(struct strvec *sv, const char *s, size_t len);
bool strvec_has(const struct strvec *sv, const char *s);
/* Split s on spaces and tabs and push each word. */
void strvec_split_words(struct strvec *sv, const char *s);
/* Words joined by sep (caller frees); "" when empty. */
char *strvec_join(const struct strvec *sv, const char *sep);
void strvec_release(struct strvec *sv);

#endif
