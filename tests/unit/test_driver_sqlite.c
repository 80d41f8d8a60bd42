/*
 * test_driver_sqlite.c - the SQLite driver through the public driver API
 * (driver/driver.h): script splitting, failure offsets, parameters,
 * batches, the history DDL and the deploy lock.
 */
#include "util/common.h"
#include "driver/driver.h"

#include <setjmp.h>
#include <cmocka.h>
#include <sys/time.h>

#include "unit.h"

struct fx {
	struct runway_url url;
	struct runway_conn *c;
	char *dir; /* for file databases */
};

static int connect_to(struct runway_url *u, struct runway_conn **c, const char *url,
		      struct runway_error *err)
{
	if (url_parse(u, url, err) < 0)
		return -1;
	return driver_connect(c, u, err);
}

static int setup(void **state)
{
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct fx *fx = xcalloc(1, sizeof(*fx));

	unsetenv("RUNWAY_TRACE_SQL");
	if (connect_to(&fx->url, &fx->c, "sqlite::memory:", &err) < 0) {
		fprintf(stderr, "cannot connect: %s\n", err.msg);
		runway_error_clear(&err);
		url_release(&fx->url);
		free(fx);
		return -1;
	}
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;
	driver_close(fx->c);
	url_release(&fx->url);
	if (fx->dir) {
		rm_rf(fx->dir);
		free(fx->dir);
	}
	free(fx);
	return 0;
}


static void test_driver_sqlite__connect(void **state)
{
	struct fx *fx = *state;
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct runway_url u = RUNWAY_URL_INIT;
	struct runway_conn *c = NULL;

	assert_string_equal(driver_name(fx->c), "sqlite");
	assert_true(driver_caps(fx->c) & DRV_TXN_DDL);
	assert_false(driver_caps(fx->c) & DRV_ADVISORY_LOCK);
	assert_string_equal(driver_url(fx->c), "sqlite::memory:");

	/* a file in a directory that does not exist */
	assert_int_equal(connect_to(&u, &c, "sqlite:/nonexistent-runway-dir/x/y.db", &err), -1);
	assert_null(c);
	assert_int_equal(err.klass, RUNWAY_E_CONN);
	assert_contains(err.msg, "cannot open SQLite database '/nonexistent-runway-dir/x/y.db'");
	runway_error_clear(&err);
	url_release(&u);
	driver_close(NULL);
}

static void test_driver_sqlite__exec_script(void **state)
{
	static const char script[] =
		"CREATE TABLE t (id integer PRIMARY KEY, s text);\n"
		";\n"
		"-- a comment; with a semicolon\n"
		"INSERT INTO t (s) VALUES ('a;b');  ;  ;\n"
		"/* block; comment */ INSERT INTO t (s) VALUES ('it''s; --not a comment');\n"
		"INSERT INTO \"t\" (\"s\") VALUES ('x');\n"
		"CREATE TABLE log (msg text);\n"
		"CREATE TRIGGER t_ins AFTER INSERT ON t BEGIN\n"
		"  INSERT INTO log VALUES ('one;');\n"
		"  INSERT INTO log VALUES ('two');\n"
		"END;\n"
		"INSERT INTO t (s) VALUES ('after trigger');\n"
		"-- trailing comment without newline";
	struct fx *fx = *state;
	struct runway_error err = RUNWAY_ERROR_INIT;
	size_t off = 0;

	must(driver_exec_script(fx->c, script, strlen(script), &off, &err), &err);
	assert_int_equal(off, DRIVER_NO_OFFSET);
	assert_scalar(fx->c, "SELECT count(*) FROM t", "4");
	assert_scalar(fx->c, "SELECT group_concat(s, '|') FROM (SELECT s FROM t ORDER BY id)",
		      "a;b|it's; --not a comment|x|after trigger");
	/* the trigger body ran both of its statements once */
	assert_scalar(fx->c, "SELECT group_concat(msg, '|') FROM log", "one;|two");

	/* empty and blank scripts are fine */
	must(driver_exec_script(fx->c, "", 0, NULL, &err), &err);
	must(driver_exec_script(fx->c, " \n-- only a comment\n;;", 21, NULL, &err), &err);
	/* len bounds the script: the second statement is not run */
	must(driver_exec_script(fx->c, "INSERT INTO log VALUES ('len');DROP TABLE log;", 31, NULL, &err),
	     &err);
	assert_scalar(fx->c, "SELECT count(*) FROM log WHERE msg = 'len'", "1");
}

static void test_driver_sqlite__script_fail_offset(void **state)
{
	static const char script[] =
		"CREATE TABLE a (x int);\n"
		"INSERT INTO missing VALUES (1);\n"
		"CREATE TABLE b (x int);\n";
	static const char syntax[] =
		"CREATE TABLE c (x int);\n"
		"-- comment\n"
		"CREATE TABLEE d (x int);\n";
	static const char runtime[] =
		"CREATE TABLE u (x int UNIQUE);\n"
		"INSERT INTO u VALUES (1);\n"
		"INSERT INTO u VALUES (1);\n";
	struct fx *fx = *state;
	struct runway_error err = RUNWAY_ERROR_INIT;
	bool exists = true;
	size_t off = 0;

	/* a prepare error: the offset is where the 2nd statement's text starts */
	assert_int_equal(driver_exec_script(fx->c, script, strlen(script), &off, &err), -1);
	assert_int_equal(err.klass, RUNWAY_E_SQL);
	assert_string_equal(err.msg, "no such table: missing");
	assert_int_equal(off, strlen("CREATE TABLE a (x int);"));
	assert_int_equal(strncmp(script + off + strspn(script + off, " \n"), "INSERT INTO missing", 19), 0);
	/* the first statement ran, the third did not (no transaction here) */
	must(driver_table_exists(fx->c, "a", &exists, &err), &err);
	assert_true(exists);
	must(driver_table_exists(fx->c, "b", &exists, &err), &err);
	assert_false(exists);
	runway_error_clear(&err);

	off = 0;
	assert_int_equal(driver_exec_script(fx->c, syntax, strlen(syntax), &off, &err), -1);
	assert_contains(err.msg, "syntax error");
	assert_int_equal(off, strlen("CREATE TABLE c (x int);"));
	runway_error_clear(&err);

	/* a step error (constraint) reports the third statement */
	off = 0;
	assert_int_equal(driver_exec_script(fx->c, runtime, strlen(runtime), &off, &err), -1);
	assert_int_equal(err.klass, RUNWAY_E_SQL);
	assert_contains(err.msg, "UNIQUE constraint failed");
	assert_int_equal(off, strlen("CREATE TABLE u (x int UNIQUE);\nINSERT INTO u VALUES (1);"));
	runway_error_clear(&err);

	/* the first statement failing reports offset 0 */
	off = 99;
	assert_int_equal(driver_exec_script(fx->c, "SELEC 1;", 8, &off, &err), -1);
	assert_int_equal(off, 0);
	runway_error_clear(&err);

	/* driver_exec gives the same error without an offset */
	assert_int_equal(driver_exec(fx->c, "SELECT * FROM nowhere", &err), -1);
	assert_string_equal(err.msg, "no such table: nowhere");
	runway_error_clear(&err);
}

static void test_driver_sqlite__query_params(void **state)
{
	struct fx *fx = *state;
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct runway_rows r = RUNWAY_ROWS_INIT;
	const char *p[3] = { "hello", NULL, "it's" };
	const char *ins[2] = { "2", "two" };

	must(driver_query(fx->c, "SELECT $1 AS a, $2 AS b, $1 || '!' AS c, $3, 7, NULL",
			  p, 3, &r, &err), &err);
	assert_int_equal(r.nrows, 1);
	assert_int_equal(r.ncols, 6);
	assert_string_equal(r.names[0], "a");
	assert_string_equal(r.names[1], "b");
	assert_string_equal(r.names[2], "c");
	assert_string_equal(rows_get(&r, 0, 0), "hello");
	assert_null(rows_get(&r, 0, 1));
	assert_string_equal(rows_get(&r, 0, 2), "hello!");
	assert_string_equal(rows_get(&r, 0, 3), "it's");
	assert_string_equal(rows_get(&r, 0, 4), "7");
	assert_null(rows_get(&r, 0, 5));
	/* out of range */
	assert_null(rows_get(&r, 1, 0));
	assert_null(rows_get(&r, 0, 6));
	assert_null(rows_get(NULL, 0, 0));
	rows_release(&r);
	assert_int_equal(r.nrows, 0);
	rows_release(&r);

	must(driver_exec(fx->c, "CREATE TABLE kv (k integer, v text); INSERT INTO kv VALUES (1, 'one')",
			 &err), &err);
	/* parameters are text; $2 before $1 in the text is fine */
	must(driver_query(fx->c, "INSERT INTO kv (v, k) VALUES ($2, $1)", ins, 2, NULL, &err), &err);
	must(driver_query(fx->c, "SELECT k, v FROM kv WHERE k >= $1 ORDER BY k", ins, 1, &r, &err),
	     &err);
	assert_int_equal(r.nrows, 1);
	assert_string_equal(rows_get(&r, 0, 1), "two");
	rows_release(&r);

	/* many rows */
	must(driver_query(fx->c, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
			  "WHERE i < 1000) SELECT i, 'row' || i FROM n", NULL, 0, &r, &err), &err);
	assert_int_equal(r.nrows, 1000);
	assert_int_equal(r.ncols, 2);
	assert_string_equal(rows_get(&r, 999, 0), "1000");
	assert_string_equal(rows_get(&r, 500, 1), "row501");
	rows_release(&r);

	/* no rows: names are still there */
	must(driver_query(fx->c, "SELECT k AS key FROM kv WHERE 0", NULL, 0, &r, &err), &err);
	assert_int_equal(r.nrows, 0);
	assert_int_equal(r.ncols, 1);
	assert_string_equal(r.names[0], "key");
	rows_release(&r);

	/* errors, and the output stays empty */
	assert_int_equal(driver_query(fx->c, "SELECT nope FROM kv", NULL, 0, &r, &err), -1);
	assert_int_equal(err.klass, RUNWAY_E_SQL);
	assert_string_equal(err.msg, "no such column: nope");
	assert_int_equal(r.nrows, 0);
	assert_null(r.cells);
	runway_error_clear(&err);
	assert_int_equal(driver_query(fx->c, "SELECT abs(-9223372036854775807 - 1)", NULL, 0, &r, &err),
			 -1);
	assert_contains(err.msg, "integer overflow");
	assert_null(r.cells);
	runway_error_clear(&err);
	rows_release(&r);
}

static void test_driver_sqlite__transactions(void **state)
{
	struct fx *fx = *state;
	struct runway_error err = RUNWAY_ERROR_INIT;

	must(driver_exec(fx->c, "CREATE TABLE t (a int)", &err), &err);
	must(driver_begin(fx->c, &err), &err);
	must(driver_exec(fx->c, "INSERT INTO t VALUES (1)", &err), &err);
	must(driver_rollback(fx->c, &err), &err);
	assert_scalar(fx->c, "SELECT count(*) FROM t", "0");
	must(driver_begin(fx->c, &err), &err);
	must(driver_exec(fx->c, "INSERT INTO t VALUES (2)", &err), &err);
	must(driver_commit(fx->c, &err), &err);
	assert_scalar(fx->c, "SELECT count(*) FROM t", "1");
	/* commit without a transaction is an error */
	assert_int_equal(driver_commit(fx->c, &err), -1);
	assert_int_equal(err.klass, RUNWAY_E_SQL);
	runway_error_clear(&err);
}

static void test_driver_sqlite__batch_ok(void **state)
{
	static const char script[] = "CREATE TABLE w (id int);\nINSERT INTO w VALUES (1);\n";
	struct fx *fx = *state;
	struct runway_error err = RUNWAY_ERROR_INIT;
	const char *p1[2] = { "c1", "done" };
	struct runway_stmt after[2] = {
		{ "CREATE TABLE IF NOT EXISTS book (id text, state text)", NULL, 0 },
		{ "INSERT INTO book VALUES ($1, $2)", p1, 2 },
	};
	struct runway_batch b = { script, strlen(script), after, 2, true };
	size_t off = 0;

	must(driver_run_batch(fx->c, &b, &off, &err), &err);
	assert_int_equal(off, DRIVER_NO_OFFSET);
	assert_scalar(fx->c, "SELECT count(*) FROM w", "1");
	assert_scalar(fx->c, "SELECT id || ':' || state FROM book", "c1:done");
	/* no transaction left open */
	must(driver_begin(fx->c, &err), &err);
	must(driver_rollback(fx->c, &err), &err);
}

static void test_driver_sqlite__batch_fails_leaves_nothing(void **state)
{
	static const char script[] =
		"CREATE TABLE w (id int);\n"
		"INSERT INTO w VALUES (1);\n"
		"INSERT INTO nowhere VALUES (2);\n";
	static const char good[] = "CREATE TABLE w (id int);\nINSERT INTO w VALUES (1);\n";
	struct fx *fx = *state;
	struct runway_error err = RUNWAY_ERROR_INIT;
	const char *p1[1] = { "c1" };
	struct runway_stmt after[2] = {
		{ "INSERT INTO book VALUES ($1)", p1, 1 },
		{ "INSERT INTO missing_table VALUES ($1)", p1, 1 },
	};
	struct runway_batch b = { script, strlen(script), after, 1, true };
	bool exists = true;
	size_t off = 0;

	must(driver_exec(fx->c, "CREATE TABLE book (id text)", &err), &err);

	/* the script fails: offset of its third statement, nothing remains */
	assert_int_equal(driver_run_batch(fx->c, &b, &off, &err), -1);
	assert_int_equal(err.klass, RUNWAY_E_SQL);
	assert_string_equal(err.msg, "no such table: nowhere");
	assert_int_equal(off, strlen("CREATE TABLE w (id int);\nINSERT INTO w VALUES (1);"));
	must(driver_table_exists(fx->c, "w", &exists, &err), &err);
	assert_false(exists);
	assert_scalar(fx->c, "SELECT count(*) FROM book", "0");
	runway_error_clear(&err);

	/* the bookkeeping fails: no offset, the script's work is rolled back too */
	b.script = good;
	b.script_len = strlen(good);
	b.nafter = 2;
	off = 0;
	assert_int_equal(driver_run_batch(fx->c, &b, &off, &err), -1);
	assert_int_equal(off, DRIVER_NO_OFFSET);
	assert_string_equal(err.msg, "no such table: missing_table");
	must(driver_table_exists(fx->c, "w", &exists, &err), &err);
	assert_false(exists);
	assert_scalar(fx->c, "SELECT count(*) FROM book", "0");
	runway_error_clear(&err);

	/* not transactional: what ran before the failure stays */
	b.script = script;
	b.script_len = strlen(script);
	b.nafter = 1;
	b.transactional = false;
	assert_int_equal(driver_run_batch(fx->c, &b, NULL, &err), -1);
	must(driver_table_exists(fx->c, "w", &exists, &err), &err);
	assert_true(exists);
	assert_scalar(fx->c, "SELECT count(*) FROM w", "1");
	runway_error_clear(&err);
}

static void test_driver_sqlite__history_ddl_twice(void **state)
{
	struct fx *fx = *state;
	struct runway_error err = RUNWAY_ERROR_INIT;
	const char *ddl = driver_history_ddl(fx->c);
	bool exists = false;
	char *ts, *el, *sql;
	const char *p[1] = { "2020-11-21T09:30:00.123Z" };
	struct runway_rows r = RUNWAY_ROWS_INIT;

	assert_non_null(ddl);
	must(driver_exec_script(fx->c, ddl, strlen(ddl), NULL, &err), &err);
	must(driver_exec_script(fx->c, ddl, strlen(ddl), NULL, &err), &err);
	must(driver_table_exists(fx->c, "runway_history", &exists, &err), &err);
	assert_true(exists);
	must(driver_table_exists(fx->c, "runway_events", &exists, &err), &err);
	assert_true(exists);
	must(driver_table_exists(fx->c, "runway_meta", &exists, &err), &err);
	assert_true(exists);
	assert_scalar(fx->c, "SELECT group_concat(key || '=' || value) FROM runway_meta",
		      "schema_version=1");
	assert_scalar(fx->c, "SELECT count(*) FROM pragma_table_info('runway_history')", "16");

	ts = driver_ts_text(fx->c, "$1");
	el = driver_elapsed_ms(fx->c, "$1");
	sql = xasprintf("SELECT %s, %s > 0", ts, el);
	must(driver_query(fx->c, sql, p, 1, &r, &err), &err);
	assert_string_equal(rows_get(&r, 0, 0), "2020-11-21T09:30:00.123Z");
	assert_string_equal(rows_get(&r, 0, 1), "1");
	rows_release(&r);
	free(sql);
	free(ts);
	free(el);
}

static void test_driver_sqlite__table_exists(void **state)
{
	struct fx *fx = *state;
	struct runway_error err = RUNWAY_ERROR_INIT;
	bool exists = true;

	must(driver_table_exists(fx->c, "t", &exists, &err), &err);
	assert_false(exists);
	must(driver_exec(fx->c, "CREATE TABLE t (a int); CREATE VIEW v AS SELECT 1", &err), &err);
	must(driver_table_exists(fx->c, "t", &exists, &err), &err);
	assert_true(exists);
	/* views and injection attempts are not tables */
	must(driver_table_exists(fx->c, "v", &exists, &err), &err);
	assert_false(exists);
	must(driver_table_exists(fx->c, "t' OR '1'='1", &exists, &err), &err);
	assert_false(exists);
}

static long now_ms(void)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	return tv.tv_sec * 1000L + tv.tv_usec / 1000;
}

static void test_driver_sqlite__lock(void **state)
{
	struct fx *fx = *state;
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct runway_url u1 = RUNWAY_URL_INIT, u2 = RUNWAY_URL_INIT;
	struct runway_conn *c1 = NULL, *c2 = NULL;
	char *url, *lockfile;
	long t0, waited;

	fx->dir = make_tmpdir();
	url = xasprintf("sqlite:%s/app.db", fx->dir);
	lockfile = xasprintf("%s/app.db-runway.lock", fx->dir);
	must(connect_to(&u1, &c1, url, &err), &err);
	must(connect_to(&u2, &c2, url, &err), &err);

	must(driver_lock(c1, 1000, &err), &err);
	assert_true(fs_exists(lockfile));
	/* taking it again on the same connection is fine */
	must(driver_lock(c1, 1000, &err), &err);

	t0 = now_ms();
	assert_int_equal(driver_lock(c2, 300, &err), -1);
	waited = now_ms() - t0;
	assert_int_equal(err.klass, RUNWAY_E_LOCK);
	assert_int_equal(runway_error_exit_code(&err), 3);
	assert_contains(err.msg, "held by another runway");
	assert_non_null(err.hint);
	if (waited < 250 || waited > 3000)
		fail_msg("waited %ld ms for a 300 ms timeout", waited);
	runway_error_clear(&err);

	/* once released, the other connection gets it at once */
	must(driver_unlock(c1, &err), &err);
	t0 = now_ms();
	must(driver_lock(c2, 300, &err), &err);
	assert_true(now_ms() - t0 < 250);
	assert_int_equal(driver_lock(c1, 0, &err), -1);
	assert_int_equal(err.klass, RUNWAY_E_LOCK);
	runway_error_clear(&err);
	must(driver_unlock(c2, &err), &err);
	must(driver_unlock(c2, &err), &err); /* twice is fine */

	/* closing a connection drops its lock */
	must(driver_lock(c1, 300, &err), &err);
	driver_close(c1);
	c1 = NULL;
	must(driver_lock(c2, 300, &err), &err);

	/* :memory: needs no lock file */
	must(driver_lock(fx->c, 0, &err), &err);
	must(driver_unlock(fx->c, &err), &err);

	driver_close(c2);
	url_release(&u1);
	url_release(&u2);
	free(lockfile);
	free(url);
}

static void test_driver_sqlite__file_db(void **state)
{
	struct fx *fx = *state;
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct runway_url u = RUNWAY_URL_INIT;
	struct runway_conn *c = NULL;
	char *url;

	fx->dir = make_tmpdir();
	url = xasprintf("sqlite://%s/data.db", fx->dir);
	must(connect_to(&u, &c, url, &err), &err);
	assert_string_equal(driver_url(c), url);
	must(driver_exec(c, "CREATE TABLE t (a text); INSERT INTO t VALUES ('kept')", &err), &err);
	driver_close(c);
	url_release(&u);

	/* a second connection sees the data */
	must(connect_to(&u, &c, url, &err), &err);
	assert_scalar(c, "SELECT a FROM t", "kept");
	driver_close(c);
	url_release(&u);
	free(url);
}

static const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(test_driver_sqlite__##name, setup, teardown)
	T(connect),
	T(exec_script),
	T(script_fail_offset),
	T(query_params),
	T(transactions),
	T(batch_ok),
	T(batch_fails_leaves_nothing),
	T(history_ddl_twice),
	T(table_exists),
	T(lock),
	T(file_db),
#undef T
};

UNIT_MAIN("driver_sqlite", tests)
