/*
 * test_driver_pg.c - the PostgreSQL driver against a real server.
 *
 * The server is the CTest fixture "pg" (tests/pg-cluster.sh), found
 * through $RUNWAY_TEST_STATE/pg-url. Without it every test is skipped,
 * unless RUNWAY_TEST_PG=required. The tests work in their own database,
 * rw_unit_driver, created afresh by the group setup and dropped at the end;
 * each test gets a new connection to it.
 */
#include "util/common.h"
#include "driver/driver.h"

#include <setjmp.h>
#include <cmocka.h>

#include "unit.h"

#define TEST_DB "rw_unit_driver"

static char *admin_url; /* the server's URL from pg-url; NULL: no server */
static char *db_url;    /* admin_url with database TEST_DB */

struct fx {
	struct runway_url url;
	struct runway_conn *c;
};

/*
 * url with its database replaced by db (which may carry "?params") and,
 * unless user is NULL, its userinfo by user ("name" or "name:password").
 */
static char *url_with(const char *url, const char *user, const char *db)
{
	const char *auth = strstr(url, "://"), *end, *at = NULL, *p, *host;

	if (!auth)
		return xstrdup(url);
	auth += 3;
	end = auth + strcspn(auth, "/?#");
	for (p = auth; p < end; p++)
		if (*p == '@')
			at = p;
	host = at ? at + 1 : auth;
	if (!user)
		return xasprintf("%.*s/%s%s", (int)(end - url), url, db, end + strcspn(end, "?#"));
	return xasprintf("%.*s%s@%.*s/%s%s", (int)(auth - url), url, user,
			 (int)(end - host), host, db, end + strcspn(end, "?#"));
}

static int connect_to(struct runway_url *u, struct runway_conn **c, const char *url,
		      struct runway_error *err)
{
	if (url_parse(u, url, err) < 0)
		return -1;
	return driver_connect(c, u, err);
}

static bool table_exists(struct runway_conn *c, const char *name)
{
	struct runway_error err = RUNWAY_ERROR_INIT;
	bool yes = false;

	must(driver_table_exists(c, name, &yes, &err), &err);
	return yes;
}

static int group_setup(void **state)
{
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct runway_url u = RUNWAY_URL_INIT;
	struct runway_conn *c = NULL;
	char *url = NULL;
	int found = unit_pg_url(&url), ret = found < 0 ? -1 : 0;

	if (found <= 0)
		goto out;
	ret = -1;
	if (connect_to(&u, &c, url, &err) < 0 ||
	    driver_exec(c, "DROP DATABASE IF EXISTS " TEST_DB " WITH (FORCE)", &err) < 0 ||
	    driver_exec(c, "CREATE DATABASE " TEST_DB, &err) < 0) {
		fprintf(stderr, "cannot prepare " TEST_DB ": %s\n", err.msg);
		goto out;
	}
	admin_url = url;
	url = NULL;
	db_url = url_with(admin_url, NULL, TEST_DB);
	ret = 0;
out:
	free(url);
	driver_close(c);
	url_release(&u);
	runway_error_clear(&err);
	(void)state;
	return ret;
}

static int group_teardown(void **state)
{
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct runway_url u = RUNWAY_URL_INIT;
	struct runway_conn *c = NULL;

	if (admin_url && connect_to(&u, &c, admin_url, &err) == 0)
		driver_exec(c, "DROP DATABASE IF EXISTS " TEST_DB " WITH (FORCE)", &err);
	driver_close(c);
	url_release(&u);
	runway_error_clear(&err);
	free(admin_url);
	free(db_url);
	(void)state;
	return 0;
}

static int setup(void **state)
{
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct fx *fx = xcalloc(1, sizeof(*fx));

	*state = fx;
	if (!db_url)
		return 0;
	if (connect_to(&fx->url, &fx->c, db_url, &err) < 0) {
		fprintf(stderr, "cannot connect to " TEST_DB ": %s\n", err.msg);
		runway_error_clear(&err);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	driver_close(fx->c);
	url_release(&fx->url);
	free(fx);
	return 0;
}

/* Start of every test: skip without a server. */
#define NEED_PG(fx)                    \
	do {                           \
		if (!(fx)->c)          \
			skip();        \
	} while (0)

static void test_driver_pg__connect_fails_without_password(void **state)
{
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct runway_url u = RUNWAY_URL_INIT;
	struct runway_conn *c = NULL;
	char *url;

	NEED_PG((struct fx *)*state);
	url = url_with(admin_url, "runway_pw:wrongpass", "postgres");
	assert_int_equal(connect_to(&u, &c, url, &err), -1);
	assert_null(c);
	assert_int_equal(err.klass, RUNWAY_E_CONN);
	assert_non_null(strstr(err.msg, "cannot connect to '"));
	assert_non_null(strstr(err.msg, "***"));
	assert_null(strstr(err.msg, "wrongpass"));
	assert_true(!err.hint || !strstr(err.hint, "wrongpass"));
	url_release(&u);
	free(url);

	/* libpq quotes a malformed URI, password and all: it must not show */
	url = url_with(admin_url, "runway_pw:bad%zzsecret", "postgres");
	assert_int_equal(connect_to(&u, &c, url, &err), -1);
	assert_int_equal(err.klass, RUNWAY_E_CONN);
	assert_null(strstr(err.msg, "bad%zzsecret"));
	assert_null(strstr(err.msg, "zzsecret"));
	url_release(&u);
	free(url);

	url = url_with(admin_url, "runway_pw", "postgres?password=q%zzsecret");
	assert_int_equal(connect_to(&u, &c, url, &err), -1);
	assert_int_equal(err.klass, RUNWAY_E_CONN);
	assert_null(strstr(err.msg, "zzsecret"));
	url_release(&u);
	free(url);

	/* nobody listening */
	assert_int_equal(connect_to(&u, &c, "postgres://runway:pw@127.0.0.1:1/x", &err), -1);
	assert_int_equal(err.klass, RUNWAY_E_CONN);
	assert_non_null(strstr(err.msg, "cannot connect to 'postgres://runway:***@127.0.0.1:1/x': "));
	url_release(&u);
	runway_error_clear(&err);
}

static void test_driver_pg__connect_with_password(void **state)
{
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct runway_url u = RUNWAY_URL_INIT;
	struct runway_conn *c = NULL;
	char *url;
	int rc;

	NEED_PG((struct fx *)*state);
	if (getenv("RUNWAY_TEST_PG_URL"))
		skip(); /* runway_pw exists only on the cluster of pg-cluster.sh */
	url = url_with(admin_url, "runway_pw:s3cret-pw", "postgres");
	rc = connect_to(&u, &c, url, &err);
	if (rc < 0)
		fail_msg("%s", err.msg);
	assert_string_equal(driver_name(c), "postgres");
	assert_true(driver_caps(c) & DRV_PIPELINE);
	assert_scalar(c, "SELECT current_user", "runway_pw");
	assert_scalar(c, "SELECT current_setting('application_name')", "runway");
	driver_close(c);
	url_release(&u);
	free(url);
}

static void test_driver_pg__exec_error_has_detail(void **state)
{
	struct fx *fx = *state;
	struct runway_error err = RUNWAY_ERROR_INIT;

	NEED_PG(fx);
	must(driver_exec(fx->c, "CREATE TABLE ed(id int PRIMARY KEY); INSERT INTO ed VALUES (1)",
			 &err), &err);
	assert_int_equal(driver_exec(fx->c, "INSERT INTO ed VALUES (1)", &err), -1);
	assert_int_equal(err.klass, RUNWAY_E_SQL);
	assert_string_equal(err.msg, "duplicate key value violates unique constraint \"ed_pkey\"\n"
			    "  DETAIL: Key (id)=(1) already exists.");
	assert_int_equal(driver_exec(fx->c, "SELECT nosuchcolumn FROM ed", &err), -1);
	assert_non_null(strstr(err.msg, "column \"nosuchcolumn\" does not exist"));
	must(driver_exec(fx->c, "DROP TABLE ed", &err), &err);
	runway_error_clear(&err);
}

static void test_driver_pg__exec_script_offsets(void **state)
{
	struct fx *fx = *state;
	struct runway_error err = RUNWAY_ERROR_INIT;
	const char *ok = "CREATE TABLE s1(a int);\n"
			 "INSERT INTO s1 VALUES (1), (2);\n"
			 "-- a comment; with a semicolon\n"
			 "INSERT INTO s1 VALUES (3);\n";
	const char *bad = "CREATE TABLE s2(a int);\n"
			  "INSERT INTO nope VALUES (1);\n"
			  "CREATE TABLE s3(a int);\n";
	size_t off = 0;

	NEED_PG(fx);
	must(driver_exec_script(fx->c, ok, strlen(ok), &off, &err), &err);
	assert_scalar(fx->c, "SELECT sum(a) FROM s1", "6");

	assert_int_equal(driver_exec_script(fx->c, bad, strlen(bad), &off, &err), -1);
	assert_int_equal(err.klass, RUNWAY_E_SQL);
	assert_string_equal(err.msg, "relation \"nope\" does not exist");
	/* the statement starts right after the first ';' */
	assert_int_equal(off, strchr(bad, ';') + 1 - bad);
	assert_true(table_exists(fx->c, "s2"));  /* no transaction: the first stays */
	assert_false(table_exists(fx->c, "s3")); /* and the third never ran */

	/* only len bytes count, the rest is not even read */
	must(driver_exec_script(fx->c, "DROP TABLE s2; garbage", 14, &off, &err), &err);
	assert_false(table_exists(fx->c, "s2"));
	runway_error_clear(&err);
}

static void test_driver_pg__exec_script_empty(void **state)
{
	struct fx *fx = *state;
	struct runway_error err = RUNWAY_ERROR_INIT;
	const char *s = "  -- nothing here\n/* nor /* nested */ here */\n ;; \n";
	size_t off = 0;

	NEED_PG(fx);
	must(driver_exec_script(fx->c, s, strlen(s), &off, &err), &err);
	must(driver_exec_script(fx->c, "", 0, &off, &err), &err);
}

static void test_driver_pg__exec_script_dollar_quotes(void **state)
{
	struct fx *fx = *state;
	struct runway_error err = RUNWAY_ERROR_INIT;
	const char *s = "CREATE FUNCTION semi() RETURNS text LANGUAGE plpgsql AS $body$\n"
			"DECLARE x text := 'a;b';\n"
			"BEGIN\n"
			"  x := x || $$;c$$;\n"
			"  RETURN x;\n"
			"END;\n"
			"$body$;\n"
			"CREATE TABLE \"we;ird\"(\"a;b\" text DEFAULT E'\\';');\n";
	size_t off = 0;

	NEED_PG(fx);
	must(driver_exec_script(fx->c, s, strlen(s), &off, &err), &err);
	assert_scalar(fx->c, "SELECT semi()", "a;b;c");
	assert_true(table_exists(fx->c, "we;ird"));
	must(driver_exec(fx->c, "DROP FUNCTION semi(); DROP TABLE \"we;ird\"", &err), &err);
}

static void test_driver_pg__exec_script_scanner_error(void **state)
{
	struct fx *fx = *state;
	struct runway_error err = RUNWAY_ERROR_INIT;
	/* the scanner cannot split this: sent whole, the server's position counts */
	const char *s = "SELECT 1;\nSELECT 'é', 'unterminated;\n";
	size_t off = 0;

	NEED_PG(fx);
	assert_int_equal(driver_exec_script(fx->c, s, strlen(s), &off, &err), -1);
	assert_int_equal(err.klass, RUNWAY_E_SQL);
	assert_non_null(strstr(err.msg, "unterminated quoted string"));
	/* byte offset of the opening quote, after a two-byte 'é' */
	assert_int_equal(off, strstr(s, "'unterminated") - s);
	assert_scalar(fx->c, "SELECT 2", "2");

	/*
	 * The scanner drops a piece without keywords ("frob 2"): it must
	 * fail, not be skipped; nothing of the script runs then.
	 */
	s = "CREATE TABLE kw(a int);\nfrob 2;\nCREATE TABLE kw2(a int)";
	assert_int_equal(driver_exec_script(fx->c, s, strlen(s), &off, &err), -1);
	assert_non_null(strstr(err.msg, "syntax error at or near \"frob\""));
	assert_int_equal(off, strstr(s, "frob") - s);
	assert_false(table_exists(fx->c, "kw"));
	s = "SELECT 1; frob";
	assert_int_equal(driver_exec_script(fx->c, s, strlen(s), &off, &err), -1);
	assert_int_equal(off, 10);
	runway_error_clear(&err);
}

static void test_driver_pg__query_params_and_nulls(void **state)
{
	struct fx *fx = *state;
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct runway_rows r = RUNWAY_ROWS_INIT;
	const char *p[3] = { "it's; \"x\"", NULL, "41" };

	NEED_PG(fx);
	must(driver_query(fx->c, "SELECT $1::text AS a, $2::text IS NULL AS b, $3::int + 1 AS c,"
			  " NULL::text AS d", p, 3, &r, &err), &err);
	assert_int_equal(r.nrows, 1);
	assert_int_equal(r.ncols, 4);
	assert_string_equal(r.names[0], "a");
	assert_string_equal(r.names[3], "d");
	assert_string_equal(rows_get(&r, 0, 0), "it's; \"x\"");
	assert_string_equal(rows_get(&r, 0, 1), "t");
	assert_string_equal(rows_get(&r, 0, 2), "42");
	assert_null(rows_get(&r, 0, 3));
	rows_release(&r);

	must(driver_query(fx->c, "SELECT g, CASE WHEN g % 2 = 0 THEN NULL ELSE g::text END"
			  " FROM generate_series(1, 4) g", NULL, 0, &r, &err), &err);
	assert_int_equal(r.nrows, 4);
	assert_string_equal(rows_get(&r, 2, 0), "3");
	assert_string_equal(rows_get(&r, 2, 1), "3");
	assert_null(rows_get(&r, 3, 1));
	rows_release(&r);

	/* no rows, and out may be NULL */
	must(driver_query(fx->c, "SELECT 1 WHERE false", NULL, 0, &r, &err), &err);
	assert_int_equal(r.nrows, 0);
	assert_int_equal(r.ncols, 1);
	rows_release(&r);
	must(driver_query(fx->c, "SELECT $1", p, 1, NULL, &err), &err);

	assert_int_equal(driver_query(fx->c, "SELECT $1::int", p, 1, &r, &err), -1);
	assert_int_equal(err.klass, RUNWAY_E_SQL);
	assert_non_null(strstr(err.msg, "invalid input syntax for type integer"));
	rows_release(&r);
	runway_error_clear(&err);
}

/* A change's bookkeeping: its history row, as deploy writes it. */
static const char history_sql[] =
	"INSERT INTO runway_history (change_id, position, state, checksum, deploy_sql,"
	" deployed_at) VALUES ($1, $2, 'applied', 'x', $3, now())";

static void ensure_history(struct runway_conn *c)
{
	struct runway_error err = RUNWAY_ERROR_INIT;
	const char *ddl = driver_history_ddl(c);
	size_t off;

	must(driver_exec_script(c, ddl, strlen(ddl), &off, &err), &err);
}

static int run_change(struct runway_conn *c, const char *id, const char *script,
		      bool transactional, size_t *off, struct runway_error *err)
{
	const char *params[3] = { id, "1", script };
	struct runway_stmt after[2] = {
		{ history_sql, params, 3 },
		{ "INSERT INTO runway_events (at, action, change_id, status)"
		  " VALUES (now(), 'deploy', $1, 'ok')", params, 1 },
	};
	struct runway_batch b = { script, strlen(script), after, 2, transactional };

	return driver_run_batch(c, &b, off, err);
}

static char *history_count(struct runway_conn *c, const char *id)
{
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct runway_rows r = RUNWAY_ROWS_INIT;
	const char *p[1] = { id };
	char *v;

	must(driver_query(c, "SELECT count(*) FROM runway_history WHERE change_id = $1",
			  p, 1, &r, &err), &err);
	v = xstrdup(rows_get(&r, 0, 0));
	rows_release(&r);
	return v;
}

static void assert_history(struct runway_conn *c, const char *id, const char *n)
{
	char *v = history_count(c, id);

	assert_string_equal(v, n);
	free(v);
}

/* The session is outside any transaction (not open, not aborted). */
static void assert_idle(struct runway_conn *c)
{
	struct runway_error err = RUNWAY_ERROR_INIT;

	/* a transaction would take it; an aborted one would refuse otherwise */
	assert_int_equal(driver_exec(c, "SAVEPOINT idle_check", &err), -1);
	assert_non_null(strstr(err.msg, "can only be used in transaction blocks"));
	runway_error_clear(&err);
}

static void test_driver_pg__batch_ok(void **state)
{
	struct fx *fx = *state;
	struct runway_error err = RUNWAY_ERROR_INIT;
	const char *s = "CREATE TABLE b_ok(id bigint PRIMARY KEY, name text);\n"
			"INSERT INTO b_ok SELECT g, 'n' || g FROM generate_series(1, 10) g;\n"
			"SELECT count(*) FROM b_ok;\n";
	size_t off = 0;

	NEED_PG(fx);
	ensure_history(fx->c);
	must(run_change(fx->c, "b_ok", s, true, &off, &err), &err);
	assert_scalar(fx->c, "SELECT count(*) FROM b_ok", "10");
	assert_history(fx->c, "b_ok", "1");
	assert_scalar(fx->c, "SELECT count(*) FROM runway_events WHERE change_id = 'b_ok'", "1");
	assert_idle(fx->c);

	/* a script the scanner cannot split still runs (whole, in the transaction) */
	assert_int_equal(run_change(fx->c, "b_bad", "SELECT 'x", true, &off, &err), -1);
	assert_int_equal(off, 7);
	assert_history(fx->c, "b_bad", "0");
	assert_idle(fx->c);
	runway_error_clear(&err);
}

static void test_driver_pg__batch_script_fails(void **state)
{
	struct fx *fx = *state;
	struct runway_error err = RUNWAY_ERROR_INIT;
	const char *s = "CREATE TABLE b_fail(id int);\n"
			"INSERT INTO b_fail VALUES (1);\n"
			"INSERT INTO b_fail VALUES ('not a number');\n"
			"CREATE TABLE b_fail2(id int);\n";
	size_t off = 0;

	NEED_PG(fx);
	ensure_history(fx->c);
	assert_int_equal(run_change(fx->c, "b_fail", s, true, &off, &err), -1);
	assert_int_equal(err.klass, RUNWAY_E_SQL);
	assert_non_null(strstr(err.msg, "invalid input syntax for type integer"));
	assert_int_equal(off, strstr(s, "\nINSERT INTO b_fail VALUES ('not") - s);
	assert_false(table_exists(fx->c, "b_fail"));
	assert_false(table_exists(fx->c, "b_fail2"));
	assert_history(fx->c, "b_fail", "0");
	assert_idle(fx->c);

	/* the connection goes on working */
	must(run_change(fx->c, "b_after_fail", "CREATE TABLE b_fail(id int)", true, &off, &err),
	     &err);
	assert_true(table_exists(fx->c, "b_fail"));
	assert_history(fx->c, "b_after_fail", "1");

	/* the first statement failing; and a failing COMMIT (deferred constraint) */
	assert_int_equal(run_change(fx->c, "b_first", "SELEC 1; SELECT 2", true, &off, &err), -1);
	assert_int_equal(off, 0);
	assert_non_null(strstr(err.msg, "syntax error at or near \"SELEC\""));
	assert_idle(fx->c);
	must(driver_exec(fx->c, "CREATE TABLE b_def(id int, CONSTRAINT u UNIQUE (id)"
			 " DEFERRABLE INITIALLY DEFERRED)", &err), &err);
	assert_int_equal(run_change(fx->c, "b_commit", "INSERT INTO b_def VALUES (1), (1)",
				    true, &off, &err), -1);
	assert_int_equal(off, DRIVER_NO_OFFSET);
	assert_non_null(strstr(err.msg, "duplicate key value"));
	assert_history(fx->c, "b_commit", "0");
	assert_idle(fx->c);
	runway_error_clear(&err);
}

static void test_driver_pg__batch_after_fails(void **state)
{
	struct fx *fx = *state;
	struct runway_error err = RUNWAY_ERROR_INIT;
	size_t off = 0;

	NEED_PG(fx);
	ensure_history(fx->c);
	must(run_change(fx->c, "dup", "CREATE TABLE dup1(id int)", true, &off, &err), &err);
	/* same change id again: the history row's primary key fails */
	assert_int_equal(run_change(fx->c, "dup", "CREATE TABLE dup2(id int); SELECT 1",
				    true, &off, &err), -1);
	assert_int_equal(err.klass, RUNWAY_E_SQL);
	assert_non_null(strstr(err.msg, "runway_history_pkey"));
	assert_non_null(strstr(err.msg, "\n  DETAIL: Key (change_id)=(dup) already exists."));
	assert_int_equal(off, DRIVER_NO_OFFSET);
	assert_false(table_exists(fx->c, "dup2"));
	assert_scalar(fx->c, "SELECT count(*) FROM runway_events WHERE change_id = 'dup'", "1");
	assert_idle(fx->c);
	runway_error_clear(&err);
}

static void test_driver_pg__batch_no_transaction(void **state)
{
	struct fx *fx = *state;
	struct runway_error err = RUNWAY_ERROR_INIT;
	const char *s = "CREATE INDEX CONCURRENTLY nt_a ON nt(a);\n"
			"CREATE INDEX CONCURRENTLY nt_b ON nt(b);\n"
			"VACUUM nt;\n";
	size_t off = 0;

	NEED_PG(fx);
	ensure_history(fx->c);
	must(driver_exec(fx->c, "CREATE TABLE nt(a int, b int)", &err), &err);
	must(run_change(fx->c, "nt", s, false, &off, &err), &err);
	assert_scalar(fx->c, "SELECT count(*) FROM pg_indexes WHERE tablename = 'nt'", "2");
	assert_history(fx->c, "nt", "1");
	assert_idle(fx->c);

	/* in a transaction it is refused, and the offset names the statement */
	assert_int_equal(run_change(fx->c, "nt2", "CREATE INDEX CONCURRENTLY nt_c ON nt(a, b)",
				    true, &off, &err), -1);
	assert_non_null(strstr(err.msg, "cannot run inside a transaction block"));
	assert_int_equal(off, 0);
	assert_idle(fx->c);

	/* without a transaction, what ran before the failure stays */
	s = "CREATE INDEX CONCURRENTLY nt_d ON nt(b, a); SELECT 1/0";
	assert_int_equal(run_change(fx->c, "nt3", s, false, &off, &err), -1);
	assert_non_null(strstr(err.msg, "division by zero"));
	assert_int_equal(off, strchr(s, ';') + 1 - s);
	assert_scalar(fx->c, "SELECT count(*) FROM pg_indexes WHERE tablename = 'nt'", "3");
	assert_history(fx->c, "nt3", "0");
	assert_idle(fx->c);

	/* a script that opens a transaction and fails leaves the session idle */
	assert_int_equal(run_change(fx->c, "nt4", "BEGIN; SELECT 1/0", false, &off, &err), -1);
	assert_idle(fx->c);
	runway_error_clear(&err);
}

static void test_driver_pg__batch_copy(void **state)
{
	struct fx *fx = *state;
	struct runway_error err = RUNWAY_ERROR_INIT;
	const char *out = "CREATE TABLE cp(a int); COPY (SELECT 1) TO STDOUT;"
			  " INSERT INTO cp VALUES (1)";
	const char *in = "INSERT INTO cp VALUES (2); COPY cp FROM STDIN; INSERT INTO cp VALUES (3)";
	size_t off = 0;

	NEED_PG(fx);
	ensure_history(fx->c);
	/* COPY cannot go through a pipeline; it must neither hang nor break the session */
	must(run_change(fx->c, "cp_out", out, true, &off, &err), &err);
	assert_scalar(fx->c, "SELECT count(*) FROM cp", "1");
	assert_int_equal(run_change(fx->c, "cp_in", in, true, &off, &err), -1);
	assert_int_equal(err.klass, RUNWAY_E_SQL);
	assert_non_null(strstr(err.msg, "COPY FROM STDIN"));
	assert_int_equal(off, strchr(in, ';') + 1 - in);
	assert_scalar(fx->c, "SELECT count(*) FROM cp", "1");
	assert_idle(fx->c);
	runway_error_clear(&err);
}

static void test_driver_pg__lock(void **state)
{
	struct fx *fx = *state;
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct runway_url u = RUNWAY_URL_INIT;
	struct runway_conn *c2 = NULL;
	struct timespec t0, t1;
	long ms;

	NEED_PG(fx);
	must(connect_to(&u, &c2, db_url, &err), &err);
	must(driver_lock(fx->c, 1000, &err), &err);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(driver_lock(c2, 200, &err), -1);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	assert_true(ms >= 190);
	assert_true(ms < 1500);
	assert_int_equal(err.klass, RUNWAY_E_LOCK);
	assert_non_null(strstr(err.msg, "deploy lock on '"));
	assert_non_null(strstr(err.msg, "is held by another runway (waited 0."));
	assert_non_null(strstr(err.msg, " s, server pid "));
	assert_non_null(err.hint);
	assert_non_null(strstr(err.hint, "--lock-timeout"));

	/* no wait at all */
	assert_int_equal(driver_lock(c2, 0, &err), -1);
	assert_int_equal(err.klass, RUNWAY_E_LOCK);

	must(driver_unlock(fx->c, &err), &err);
	must(driver_lock(c2, 200, &err), &err);
	must(driver_unlock(c2, &err), &err);

	/* the lock goes with the session */
	must(driver_lock(c2, 0, &err), &err);
	driver_close(c2);
	c2 = NULL;
	must(driver_lock(fx->c, 2000, &err), &err);
	must(driver_unlock(fx->c, &err), &err);
	url_release(&u);
	runway_error_clear(&err);
}

static void test_driver_pg__lost_connection(void **state)
{
	struct fx *fx = *state;
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct runway_url u = RUNWAY_URL_INIT;
	struct runway_conn *killer = NULL;
	struct runway_rows r = RUNWAY_ROWS_INIT;
	const char *p[1];
	char *pid;
	size_t off = 0;

	NEED_PG(fx);
	pid = scalar(fx->c, "SELECT pg_backend_pid()");
	must(connect_to(&u, &killer, db_url, &err), &err);
	p[0] = pid;
	must(driver_query(killer, "SELECT pg_terminate_backend($1::int, 5000)", p, 1, &r, &err),
	     &err);
	assert_string_equal(rows_get(&r, 0, 0), "t");
	rows_release(&r);

	assert_int_equal(driver_exec(fx->c, "SELECT 1", &err), -1);
	assert_int_equal(err.klass, RUNWAY_E_CONN);
	assert_non_null(strstr(err.msg, "lost connection to '"));
	/* and nothing hangs or crashes on a dead connection */
	assert_int_equal(run_change(fx->c, "dead", "SELECT 1; SELECT 2", true, &off, &err), -1);
	assert_int_equal(err.klass, RUNWAY_E_CONN);
	assert_int_equal(run_change(fx->c, "dead", "SELECT 1", false, &off, &err), -1);
	assert_int_equal(err.klass, RUNWAY_E_CONN);
	assert_int_equal(driver_lock(fx->c, 100, &err), -1);
	assert_int_equal(err.klass, RUNWAY_E_CONN);
	driver_close(killer);
	url_release(&u);
	free(pid);
	runway_error_clear(&err);
}

static void test_driver_pg__table_exists(void **state)
{
	struct fx *fx = *state;
	struct runway_error err = RUNWAY_ERROR_INIT;

	NEED_PG(fx);
	must(driver_exec(fx->c, "CREATE TABLE te(a int)", &err), &err);
	assert_true(table_exists(fx->c, "te"));
	assert_false(table_exists(fx->c, "te_missing"));
	assert_false(table_exists(fx->c, "te'; DROP TABLE te; --"));
	assert_false(table_exists(fx->c, "\"te\""));
	assert_false(table_exists(fx->c, "TE"));
	assert_true(table_exists(fx->c, "te"));
	must(driver_exec(fx->c, "CREATE TABLE \"Te.X\"(a int); CREATE VIEW te_v AS SELECT 1",
			 &err), &err);
	assert_true(table_exists(fx->c, "Te.X"));
	assert_false(table_exists(fx->c, "te_v"));
	must(driver_exec(fx->c, "DROP TABLE te", &err), &err);
	assert_false(table_exists(fx->c, "te"));
}

static void test_driver_pg__history_ddl_idempotent(void **state)
{
	struct fx *fx = *state;
	struct runway_error err = RUNWAY_ERROR_INIT;
	const char *ddl;
	size_t off = 0;

	NEED_PG(fx);
	must(driver_exec(fx->c, "DROP TABLE IF EXISTS runway_meta, runway_history, runway_events",
			 &err), &err);
	assert_false(table_exists(fx->c, "runway_history"));
	ddl = driver_history_ddl(fx->c);
	assert_non_null(ddl);
	must(driver_exec_script(fx->c, ddl, strlen(ddl), &off, &err), &err);
	must(driver_exec_script(fx->c, ddl, strlen(ddl), &off, &err), &err);
	assert_true(table_exists(fx->c, "runway_meta"));
	assert_true(table_exists(fx->c, "runway_history"));
	assert_true(table_exists(fx->c, "runway_events"));
	assert_scalar(fx->c, "SELECT string_agg(key || '=' || value, ',') FROM runway_meta",
		      "schema_version=1");
	assert_scalar(fx->c, "SELECT string_agg(column_name || ':' || data_type, ','"
		      " ORDER BY ordinal_position) FROM information_schema.columns"
		      " WHERE table_name = 'runway_events'",
		      "id:bigint,at:timestamp with time zone,action:text,change_id:text,"
		      "status:text,actor:text,host:text,git_commit:text,duration_ms:bigint,"
		      "error:text");
	assert_scalar(fx->c, "SELECT count(*) FROM information_schema.columns"
		      " WHERE table_name = 'runway_history'", "16");
}

static void test_driver_pg__time_formats(void **state)
{
	struct fx *fx = *state;
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct runway_rows r = RUNWAY_ROWS_INIT;
	const char *p[1] = { "2020-11-21T09:30:00.123Z" };
	char *ts, *el, *sql;

	NEED_PG(fx);
	ts = driver_ts_text(fx->c, "$1::timestamptz");
	el = driver_elapsed_ms(fx->c, "$1");
	must(driver_exec(fx->c, "SET TimeZone = 'America/New_York'", &err), &err);
	sql = xasprintf("SELECT %s, %s > 0", ts, el);
	must(driver_query(fx->c, sql, p, 1, &r, &err), &err);
	assert_string_equal(rows_get(&r, 0, 0), "2020-11-21T09:30:00.123Z");
	assert_string_equal(rows_get(&r, 0, 1), "t");
	rows_release(&r);
	free(sql);
	free(ts);
	free(el);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(test_driver_pg__##name, setup, teardown)
		T(connect_fails_without_password),
		T(connect_with_password),
		T(exec_error_has_detail),
		T(exec_script_offsets),
		T(exec_script_empty),
		T(exec_script_dollar_quotes),
		T(exec_script_scanner_error),
		T(query_params_and_nulls),
		T(batch_ok),
		T(batch_script_fails),
		T(batch_after_fails),
		T(batch_no_transaction),
		T(batch_copy),
		T(lock),
		T(lost_connection),
		T(table_exists),
		T(history_ddl_idempotent),
		T(time_formats),
#undef T
	};

	return cmocka_run_group_tests_name("driver_pg", tests, group_setup, group_teardown);
}
