/*
 * vars.h - ${name} placeholders.
 *
 * Used for runway.yml values (names looked up in the process environment)
 * and for change files (names looked up in the environment's `vars`). An
 * unknown name is an error, never an empty string. "$${" writes a literal
 * "${".
 */
#ifndef RUNWAY_VARS_H
#define RUNWAY_VARS_H

#include <stddef.h>

struct runway_buf;
struct runway_error;

/* A name -> value list (borrowed strings are copied in). */
struct vars {
	char **names;
	char **values;
	size_t n, alloc;
};
#define VARS_INIT { NULL, NULL, 0, 0 }

void vars_set(struct vars *v, const char *name, const char *value);
/* The value of name (borrowed), or NULL. */
const char *vars_get(const struct vars *v, const char *name);
void vars_release(struct vars *v);

/* Returns the value for name (borrowed) or NULL when unknown. */
typedef const char *(*vars_lookup_fn)(const char *name, void *data);

/* Lookup functions for vars_expand. */
const char *vars_lookup_env(const char *name, void *data);   /* data unused */
const char *vars_lookup_table(const char *name, void *data); /* data: struct vars * */

/*
 * Append s with placeholders expanded to out. On an unknown name, fails
 * with RUNWAY_E_CONFIG "unknown placeholder '${x}'"; *bad_offset (if not
 * NULL) is the offset of the placeholder in s, so callers can name a line.
 */
int vars_expand(struct runway_buf *out, const char *s, size_t len,
		vars_lookup_fn lookup, void *data, size_t *bad_offset,
		struct runway_error *err);

#endif
