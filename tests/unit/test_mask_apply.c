/*
 * test_mask_apply.c - masking in place (mask.h: mask_apply) on SQLite:
 * batch boundaries, the keys it walks by (primary key, composite key of a
 * WITHOUT ROWID table, rowid), runway_mask_state (already done, restart,
 * resuming after a stop gives the same values as one run), NULLs, and what
 * it refuses (a masked key column). The command and PostgreSQL are covered
 * by tests/cli/t4101-mask.sh and t4102-mask-pg.sh.
 */
#include "util/common.h"
#include "driver/driver.h"
#include "mask/mask.h"

#include <setjmp.h>
#include <cmocka.h>
#include <unistd.h>

#include "unit.h"

#define KEY "unit-test-key"

struct fx {
	char *dir;
	struct runway_url url;
	struct runway_conn *c;
	struct mask_key *k;
};

static void fx_open(struct fx *f, const char *name)
{
	struct runway_error err = RUNWAY_ERROR_INIT;
	char *u;

	memset(f, 0, sizeof(*f));
	f->dir = make_tmpdir();
	u = xasprintf("sqlite:%s/%s", f->dir, name);
	must(url_parse(&f->url, u, &err), &err);
	must(driver_connect(&f->c, &f->url, &err), &err);
	must(mask_key_init(&f->k, KEY, strlen(KEY), &err), &err);
	free(u);
}

static void fx_close(struct fx *f)
{
	driver_close(f->c);
	url_release(&f->url);
	mask_key_free(f->k);
	rm_rf(f->dir);
	free(f->dir);
}

static void run(struct fx *f, const char *sql)
{
	struct runway_error err = RUNWAY_ERROR_INIT;
	must(driver_exec_script(f->c, sql, strlen(sql), NULL, &err), &err);
}

/* rules[i] = "table.column:fn" */
static void rules_make(struct mask_rules *r, const char *const *spec, size_t n)
{
	size_t i;
	r->v = xcalloc(n, sizeof(*r->v));
	r->n = n;
	for (i = 0; i < n; i++) {
		const char *dot = strchr(spec[i], '.'), *colon = strchr(spec[i], ':');
		r->v[i].table = xstrndup(spec[i], (size_t)(dot - spec[i]));
		r->v[i].column = xstrndup(dot + 1, (size_t)(colon - dot - 1));
		r->v[i].fn = (enum mask_fn)mask_fn_parse(colon + 1);
		r->v[i].n = 4;
	}
}

static void rules_free(struct mask_rules *r)
{
	size_t i;
	for (i = 0; i < r->n; i++) {
		free(r->v[i].table);
		free(r->v[i].column);
	}
	free(r->v);
}

static int apply(struct fx *f, const struct mask_rules *r, size_t batch, bool restart,
		 struct mask_apply_result *res, struct runway_error *err)
{
	struct mask_apply_opts o = MASK_APPLY_OPTS_INIT;
	o.batch = batch;
	o.restart = restart;
	return mask_apply(f->c, r, f->k, &o, res, err);
}

#define PEOPLE \
	"CREATE TABLE people (id integer PRIMARY KEY, email text UNIQUE, name text NOT NULL, note text);" \
	"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 250)" \
	" INSERT INTO people SELECT i, 'p' || i || '@corp.example', 'Person ' || i," \
	" CASE WHEN i % 7 = 0 THEN NULL ELSE 'note ' || i END FROM n;"

static const char *const people_rules[] = { "people.email:email", "people.name:name",
					    "people.note:hash" };

static void test_mask_apply__batches_and_state(void **state)
{
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct mask_rules r = MASK_RULES_INIT;
	struct mask_apply_result res;
	struct fx f;
	/* 250 rows: one row a batch, an exact multiple, a short last batch, one batch */
	static const size_t batches[] = { 1, 50, 100, 250, 251 };
	size_t b;

	(void)state;
	rules_make(&r, people_rules, 3);
	for (b = 0; b < ARRAY_SIZE(batches); b++) {
		size_t batch = batches[b];
		fx_open(&f, "people.db");
		run(&f, PEOPLE);
		must(apply(&f, &r, batch, false, &res, &err), &err);
		assert_int_equal(res.rows, 250);
		assert_int_equal(res.tables, 1);
		assert_false(res.already_done);
		assert_scalar(f.c, "SELECT count(*) FROM people", "250");
		assert_scalar(f.c, "SELECT count(*) FROM people WHERE email LIKE 'p%@corp.example'"
				   " OR name LIKE 'Person %' OR note LIKE 'note %'", "0");
		assert_scalar(f.c, "SELECT count(DISTINCT email) FROM people", "250");
		assert_scalar(f.c, "SELECT count(*) FROM people WHERE note IS NULL", "35");
		assert_scalar(f.c, "SELECT tbl || ' ' || last_key || ' ' || done FROM runway_mask_state",
			      "people [\"250\"] 1");
		fx_close(&f);
	}
	rules_free(&r);
}

static void test_mask_apply__already_done_and_restart(void **state)
{
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct mask_rules r = MASK_RULES_INIT;
	struct mask_apply_result res;
	char *once, *again;
	struct fx f;

	(void)state;
	rules_make(&r, people_rules, 3);
	fx_open(&f, "people.db");
	run(&f, PEOPLE);
	must(apply(&f, &r, 100, false, &res, &err), &err);
	once = scalar(f.c, "SELECT group_concat(email || name, ',') FROM people");
	must(apply(&f, &r, 100, false, &res, &err), &err);
	assert_true(res.already_done);
	assert_int_equal(res.rows, 0);
	assert_int_equal(res.tables, 0);
	assert_scalar(f.c, "SELECT group_concat(email || name, ',') FROM people", once);
	must(apply(&f, &r, 100, true, &res, &err), &err);
	assert_false(res.already_done);
	assert_int_equal(res.rows, 250);
	again = scalar(f.c, "SELECT group_concat(email || name, ',') FROM people");
	assert_string_not_equal(once, again);
	free(once);
	free(again);
	fx_close(&f);
	rules_free(&r);
}

/* A run stopped after each batch in turn, resumed, equals one run. */
static void test_mask_apply__resume_equals_one_run(void **state)
{
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct mask_rules r = MASK_RULES_INIT;
	struct mask_apply_result res;
	char *want, *got;
	struct fx f;
	int n;

	(void)state;
	rules_make(&r, people_rules, 3);
	fx_open(&f, "people.db");
	run(&f, PEOPLE);
	must(apply(&f, &r, 0, false, &res, &err), &err);
	want = scalar(f.c, "SELECT group_concat(id || email || name || ifnull(note, '-'), ',') FROM people");
	fx_close(&f);
	for (n = 1; n <= 3; n++) {
		char num[16];
		fx_open(&f, "people.db");
		run(&f, PEOPLE);
		snprintf(num, sizeof(num), "%d", n);
		setenv("RUNWAY_TEST_MASK_STOP_AFTER", num, 1);
		assert_int_equal(apply(&f, &r, 60, false, &res, &err), -1);
		assert_int_equal(err.klass, RUNWAY_E_INTERRUPTED);
		assert_int_equal(res.rows, 60 * n);
		runway_error_clear(&err);
		unsetenv("RUNWAY_TEST_MASK_STOP_AFTER");
		assert_scalar(f.c, "SELECT done FROM runway_mask_state", "0");
		must(apply(&f, &r, 60, false, &res, &err), &err);
		assert_int_equal(res.rows, 250 - 60 * n);
		got = scalar(f.c, "SELECT group_concat(id || email || name || ifnull(note, '-'), ',') FROM people");
		assert_string_equal(got, want);
		free(got);
		fx_close(&f);
	}
	free(want);
	rules_free(&r);
}

/* Composite keys (WITHOUT ROWID, text and integer), rowid tables, odd names. */
static void test_mask_apply__keys(void **state)
{
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct mask_rules r = MASK_RULES_INIT;
	struct mask_apply_result res;
	static const char *const spec[] = { "pairs.email:email", "log.phone:phone",
					    "we\"ird.e mail:hash", "codes.secret:redact" };
	struct fx f;

	(void)state;
	rules_make(&r, spec, 4);
	fx_open(&f, "keys.db");
	run(&f, "CREATE TABLE pairs (a text, b integer, email text, PRIMARY KEY (a, b)) WITHOUT ROWID;"
		"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300)"
		" INSERT INTO pairs SELECT 'g' || (i % 4), i, 'x' || i || '@a.example' FROM n;"
		"CREATE TABLE log (at text, phone text);"
		"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 120)"
		" INSERT INTO log SELECT 'd' || i, '+1 555 ' || (1000 + i) FROM n;"
		"DELETE FROM log WHERE rowid % 10 = 3;"
		"CREATE TABLE \"we\"\"ird\" (id integer PRIMARY KEY, \"e mail\" text);"
		"INSERT INTO \"we\"\"ird\" VALUES (1, 'a'), (2, 'b'), (3, NULL);"
		/* text keys JSON must escape, and a masked value with a quote in it */
		"CREATE TABLE codes (code text PRIMARY KEY, secret text);"
		"INSERT INTO codes VALUES ('a\"b', 'x\"y\\z' || char(10) || 'secret'),"
		" ('back\\slash', 'abcdefgh'), ('new' || char(10) || 'line' || char(9), '12345678'),"
		" ('gr\u00fc\u00dfe \u2603', '\u00e4\u00f6\u00fc1234'), ('', 'empty key');");
	must(apply(&f, &r, 7, false, &res, &err), &err);
	assert_int_equal(res.tables, 4);
	assert_int_equal(res.rows, 300 + 108 + 3 + 5);
	assert_scalar(f.c, "SELECT group_concat(secret, '|') FROM (SELECT secret FROM codes ORDER BY code)",
		      "***** key|********cret|****efgh|***1234|****5678");
	assert_scalar(f.c, "SELECT count(*) FROM pairs WHERE email LIKE '%@a.example'", "0");
	assert_scalar(f.c, "SELECT count(DISTINCT email) FROM pairs", "300");
	assert_scalar(f.c, "SELECT count(*) FROM log WHERE phone LIKE '+1 555 1%'", "0");
	assert_scalar(f.c, "SELECT count(*) FROM log WHERE phone GLOB '+[0-9] [0-9][0-9][0-9] [0-9][0-9][0-9][0-9]'", "108");
	assert_scalar(f.c, "SELECT count(*) FROM \"we\"\"ird\" WHERE length(\"e mail\") = 32", "2");
	assert_scalar(f.c, "SELECT count(*) FROM \"we\"\"ird\" WHERE \"e mail\" IS NULL", "1");
	assert_scalar(f.c, "SELECT group_concat(last_key, ' ') FROM"
			   " (SELECT last_key FROM runway_mask_state ORDER BY tbl)",
		      /* codes is a rowid table: walked by rowid, whatever its key */
		      "[\"5\"] [\"120\"] [\"g3\",\"299\"] [\"3\"]");
	fx_close(&f);
	rules_free(&r);
}

#define CODES \
	"CREATE TABLE codes (code text PRIMARY KEY, secret text);" \
	"INSERT INTO codes VALUES ('a\"b', 'one'), ('back\\slash', 'two'), ('tab' || char(9), 'three')," \
	" ('new' || char(10) || 'line', 'four'), ('gr\u00fc\u00dfe \u2603', 'five'), ('', 'six')," \
	" ('[\"x\", null]', 'seven');"

/* Text keys that JSON must escape survive runway_mask_state between runs. */
static void test_mask_apply__resume_text_keys(void **state)
{
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct mask_rules r = MASK_RULES_INIT;
	struct mask_apply_result res;
	static const char *const spec[] = { "codes.secret:hash" };
	char *want, *got;
	struct fx f;
	int runs = 0, rc;

	(void)state;
	rules_make(&r, spec, 1);
	fx_open(&f, "codes.db");
	run(&f, CODES);
	must(apply(&f, &r, 0, false, &res, &err), &err);
	want = scalar(f.c, "SELECT group_concat(code || '=' || secret, ',') FROM codes");
	fx_close(&f);

	fx_open(&f, "codes.db");
	run(&f, CODES);
	setenv("RUNWAY_TEST_MASK_STOP_AFTER", "1", 1);
	do {
		rc = apply(&f, &r, 1, false, &res, &err);
		if (rc < 0) {
			assert_int_equal(err.klass, RUNWAY_E_INTERRUPTED);
			runway_error_clear(&err);
		}
		runs++;
	} while (rc < 0 && runs < 20);
	unsetenv("RUNWAY_TEST_MASK_STOP_AFTER");
	assert_int_equal(rc, 0);
	assert_int_equal(runs, 8); /* 7 rows, one a run, and the run that finds none left */
	got = scalar(f.c, "SELECT group_concat(code || '=' || secret, ',') FROM codes");
	assert_string_equal(got, want);
	free(got);
	free(want);
	fx_close(&f);
	rules_free(&r);
}

static void test_mask_apply__refuses_key_column(void **state)
{
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct mask_rules r = MASK_RULES_INIT;
	struct mask_apply_result res;
	static const char *const spec[] = { "people.email:email", "people.id:hash" };
	struct fx f;

	(void)state;
	rules_make(&r, spec, 2);
	fx_open(&f, "people.db");
	run(&f, PEOPLE);
	assert_int_equal(apply(&f, &r, 0, false, &res, &err), -1);
	assert_int_equal(err.klass, RUNWAY_E_CONFIG);
	assert_contains(err.msg, "'people.id'");
	assert_scalar(f.c, "SELECT count(*) FROM people WHERE email LIKE 'p%@corp.example'", "250");
	assert_scalar(f.c, "SELECT count(*) FROM sqlite_master WHERE name = 'runway_mask_state'", "0");
	runway_error_clear(&err);
	fx_close(&f);
	rules_free(&r);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_mask_apply__batches_and_state),
	cmocka_unit_test(test_mask_apply__already_done_and_restart),
	cmocka_unit_test(test_mask_apply__resume_equals_one_run),
	cmocka_unit_test(test_mask_apply__keys),
	cmocka_unit_test(test_mask_apply__resume_text_keys),
	cmocka_unit_test(test_mask_apply__refuses_key_column),
};

UNIT_MAIN("mask_apply", tests)
