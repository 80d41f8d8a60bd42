/*
 * test_vars.c - ${name} placeholders (core/vars.h).
 */
#include "util/common.h"
#include "core/vars.h"

#include <setjmp.h>
#include <cmocka.h>

#include "unit.h"

/* Expand s from table v; returns the result (caller frees) or NULL on error. */
static char *expand(const struct vars *v, const char *s, size_t *bad,
		    struct runway_error *err)
{
	struct runway_buf out = RUNWAY_BUF_INIT;
	if (vars_expand(&out, s, strlen(s), vars_lookup_table, (void *)v, bad, err) < 0) {
		runway_buf_release(&out);
		return NULL;
	}
	return runway_buf_detach(&out);
}

static void test_vars__table(void **state)
{
	struct vars v = VARS_INIT;
	size_t i;

	assert_null(vars_get(&v, "a"));
	vars_set(&v, "a", "1");
	vars_set(&v, "b", "2");
	vars_set(&v, "a", "3"); /* replaces */
	assert_int_equal(v.n, 2);
	assert_string_equal(vars_get(&v, "a"), "3");
	assert_string_equal(vars_get(&v, "b"), "2");
	assert_null(vars_get(&v, "c"));
	assert_null(vars_get(NULL, "a"));
	for (i = 0; i < 50; i++) {
		char n[16];
		snprintf(n, sizeof(n), "v%zu", i);
		vars_set(&v, n, n);
	}
	assert_int_equal(v.n, 52);
	assert_string_equal(vars_get(&v, "v49"), "v49");
	assert_string_equal(vars_get(&v, "a"), "3");
	vars_release(&v);
	assert_int_equal(v.n, 0);
}

static void test_vars__expand(void **state)
{
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct vars v = VARS_INIT;
	char *s;

	vars_set(&v, "app_schema", "app");
	vars_set(&v, "n", "42");
	vars_set(&v, "empty", "");
	s = expand(&v, "CREATE SCHEMA ${app_schema}; SELECT ${n}+${n}${empty};", NULL, &err);
	assert_non_null(s);
	assert_string_equal(s, "CREATE SCHEMA app; SELECT 42+42;");
	free(s);

	/* text without placeholders, lone dollars and dollar quotes pass through */
	s = expand(&v, "SELECT $1, $$body$$, $tag$x$tag$, 5$ $", NULL, &err);
	assert_string_equal(s, "SELECT $1, $$body$$, $tag$x$tag$, 5$ $");
	free(s);
	s = expand(&v, "", NULL, &err);
	assert_string_equal(s, "");
	free(s);
	s = expand(&v, "${n}", NULL, &err);
	assert_string_equal(s, "42");
	free(s);

	/* values are not expanded again */
	vars_set(&v, "loop", "${loop}");
	s = expand(&v, "<${loop}>", NULL, &err);
	assert_string_equal(s, "<${loop}>");
	free(s);

	/* len bounds the input: "${n}" cut short is malformed */
	{
		struct runway_buf out = RUNWAY_BUF_INIT;
		must(vars_expand(&out, "ab${n}", 2, vars_lookup_table, &v, NULL, &err), &err);
		assert_string_equal(out.buf, "ab");
		assert_int_equal(vars_expand(&out, "${n}", 3, vars_lookup_table, &v, NULL, &err), -1);
		runway_error_clear(&err);
		runway_buf_release(&out);
	}
	assert_null(err.msg);
	vars_release(&v);
}

static void test_vars__escape(void **state)
{
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct vars v = VARS_INIT;
	char *s;

	vars_set(&v, "x", "X");
	s = expand(&v, "$${x} is ${x}", NULL, &err);
	assert_non_null(s);
	assert_string_equal(s, "${x} is X");
	free(s);
	/* "$${" escapes even an unknown or malformed name */
	s = expand(&v, "$${nope} $${", NULL, &err);
	assert_non_null(s);
	assert_string_equal(s, "${nope} ${");
	free(s);
	/* "$$" not followed by "{" is left alone */
	s = expand(&v, "$$x$$", NULL, &err);
	assert_string_equal(s, "$$x$$");
	free(s);
	/*
	 * Scanning is left to right and "$${" is matched where it stands, so
	 * in "$$${x}" the first dollar is plain text and the rest is an escape
	 * (so "AS $$${body}$$" does not expand: write "AS $$ ${body}$$").
	 */
	s = expand(&v, "$$${x}", NULL, &err);
	assert_string_equal(s, "$${x}");
	free(s);
	vars_release(&v);
}

static void test_vars__unknown(void **state)
{
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct vars v = VARS_INIT;
	size_t bad = 999;
	char *s;

	vars_set(&v, "known", "k");
	s = expand(&v, "SELECT ${known};\nSELECT ${unknown};", &bad, &err);
	assert_null(s);
	assert_int_equal(err.klass, RUNWAY_E_CONFIG);
	assert_string_equal(err.msg, "unknown placeholder '${unknown}'");
	assert_int_equal(bad, 24);
	runway_error_clear(&err);

	/* never an empty string, even with no table */
	bad = 999;
	s = expand(NULL, "${a}", &bad, &err);
	assert_null(s);
	assert_int_equal(bad, 0);
	assert_contains(err.msg, "'${a}'");
	runway_error_clear(&err);
	vars_release(&v);
}

static void test_vars__malformed(void **state)
{
	static const struct {
		const char *in;
		size_t off;
		const char *shown;
	} cases[] = {
		{ "x ${", 2, "'${'" },
		{ "x ${name", 2, "'${name'" },
		{ "${}", 0, "'${}'" },
		{ "a${1abc}", 1, "'${1'" },
		{ "${a b}", 0, "'${a '" },
		{ "${-x}", 0, "'${-'" },
		{ "ok ${a}${", 7, "'${'" },
	};
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct vars v = VARS_INIT;
	size_t i;

	vars_set(&v, "a", "A");
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		size_t bad = 999;
		char *s = expand(&v, cases[i].in, &bad, &err);
		if (s)
			fail_msg("'%s' expanded to '%s'", cases[i].in, s);
		assert_int_equal(err.klass, RUNWAY_E_CONFIG);
		assert_contains(err.msg, "malformed placeholder");
		assert_contains(err.msg, cases[i].shown);
		assert_int_equal(bad, cases[i].off);
		runway_error_clear(&err);
	}
	vars_release(&v);
}

static void test_vars__names_with_dots_dashes(void **state)
{
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct vars v = VARS_INIT;
	char *s;

	vars_set(&v, "db.schema", "app");
	vars_set(&v, "read-only_role2", "ro");
	vars_set(&v, "_x", "u");
	s = expand(&v, "${db.schema}.t TO ${read-only_role2} ${_x}", NULL, &err);
	assert_non_null(s);
	assert_string_equal(s, "app.t TO ro u");
	free(s);
	vars_release(&v);
}

static void test_vars__env_lookup(void **state)
{
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct runway_buf out = RUNWAY_BUF_INIT;
	const char *in = "postgres://${RUNWAY_UNIT_USER}@h/${RUNWAY_UNIT_DB}";
	size_t bad = 0;

	setenv("RUNWAY_UNIT_USER", "alice", 1);
	setenv("RUNWAY_UNIT_DB", "", 1);
	must(vars_expand(&out, in, strlen(in), vars_lookup_env, NULL, NULL, &err), &err);
	assert_string_equal(out.buf, "postgres://alice@h/");
	runway_buf_reset(&out);

	unsetenv("RUNWAY_UNIT_DB");
	assert_int_equal(vars_expand(&out, in, strlen(in), vars_lookup_env, NULL, &bad, &err), -1);
	assert_string_equal(err.msg, "unknown placeholder '${RUNWAY_UNIT_DB}'");
	assert_int_equal(bad, strlen("postgres://${RUNWAY_UNIT_USER}@h/"));
	runway_error_clear(&err);
	unsetenv("RUNWAY_UNIT_USER");
	runway_buf_release(&out);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_vars__table),
	cmocka_unit_test(test_vars__expand),
	cmocka_unit_test(test_vars__escape),
	cmocka_unit_test(test_vars__unknown),
	cmocka_unit_test(test_vars__malformed),
	cmocka_unit_test(test_vars__names_with_dots_dashes),
	cmocka_unit_test(test_vars__env_lookup),
};

UNIT_MAIN("vars", tests)
