/*
 * test_clone_pg.c - the clone engine (clone/clone.h) on a real PostgreSQL
 * server: stream and template copies compared with their source row for
 * row (md5 of every table's rows), sequences, large objects, indexes,
 * partitions, generated columns, masking in flight (binary and text COPY),
 * --tables, refusals that leave the target untouched or never created,
 * a source written to during the copy, interruption, and a password that
 * must reach pg_dump without showing up anywhere.
 *
 * The server is the CTest fixture "pg" (tests/pg-cluster.sh). The source
 * databases are built once by the group setup; each test drops the
 * targets it uses first, and the group teardown drops everything.
 */
#include "util/common.h"
#include "clone/clone.h"
#include "clone/clone_impl.h"
#include "driver/postgres.h"
#include "driver/driver.h"
#include "mask/mask.h"

#include <pthread.h>
#include <stdatomic.h>

#include <setjmp.h>
#include <cmocka.h>

#include "unit.h"

#define SRC "rw_unit_clone_src"
#define BIG "rw_unit_clone_big"
#define DST "rw_unit_clone_dst"
#define DST2 "rw_unit_clone_dst2"
#define PWDB "rw_unit_clone_pw"
#define REAL_BIN "/usr/lib/postgresql/15/bin"

static char *admin_url; /* the server's URL from pg-url; NULL: no server */

#define NEED_PG()                \
	do {                     \
		if (!admin_url)  \
			skip();  \
	} while (0)

/* admin_url with its database replaced by db (and user:password@ when given). */
static char *url_for(const char *db, const char *userinfo)
{
	const char *auth = strstr(admin_url, "://"), *end, *at;

	auth += 3;
	end = auth + strcspn(auth, "/?#");
	at = memchr(auth, '@', (size_t)(end - auth));
	if (userinfo)
		return xasprintf("%.*s%s@%.*s/%s", (int)(auth - admin_url), admin_url, userinfo,
				 (int)(end - (at ? at + 1 : auth)), at ? at + 1 : auth, db);
	return xasprintf("%.*s/%s", (int)(end - admin_url), admin_url, db);
}

static struct runway_conn *connect_db(const char *db)
{
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct runway_url u = RUNWAY_URL_INIT;
	struct runway_conn *c = NULL;
	char *url = url_for(db, NULL);

	must(url_parse(&u, url, &err), &err);
	must(driver_connect(&c, &u, &err), &err);
	url_release(&u);
	free(url);
	return c;
}

static void exec_db(const char *db, const char *sql)
{
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct runway_conn *c = connect_db(db);

	must(driver_exec_script(c, sql, strlen(sql), NULL, &err), &err);
	driver_close(c);
}

static char *q1(const char *db, const char *sql)
{
	struct runway_conn *c = connect_db(db);
	char *v = scalar(c, sql);

	driver_close(c);
	return v;
}

static void drop_db(const char *db)
{
	char *sql = xasprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", db);
	exec_db("postgres", sql);
	free(sql);
}

static bool db_exists(const char *db)
{
	char *sql = xasprintf("SELECT count(*) FROM pg_database WHERE datname = '%s'", db);
	char *v = q1("postgres", sql);
	bool yes = !strcmp(v, "1");

	free(v);
	free(sql);
	return yes;
}

/* sql gives the same value on both databases. */
static void assert_same(const char *a, const char *b, const char *sql)
{
	char *va = q1(a, sql), *vb = q1(b, sql);

	if (!va || !vb || strcmp(va, vb))
		fail_msg("%s:\n  %s: %s\n  %s: %s", sql, a, va ? va : "(null)", b, vb ? vb : "(null)");
	free(va);
	free(vb);
}

struct urls {
	struct runway_url src, dst;
};

static void urls_init(struct urls *u, const char *src, const char *dst)
{
	struct runway_error err = RUNWAY_ERROR_INIT;
	char *s = url_for(src, NULL), *d = url_for(dst, NULL);

	must(url_parse(&u->src, s, &err), &err);
	must(url_parse(&u->dst, d, &err), &err);
	free(s);
	free(d);
}

static void urls_release(struct urls *u)
{
	url_release(&u->src);
	url_release(&u->dst);
}

static int clone_dbs(const char *src, const char *dst, const struct clone_opts *o,
		     struct clone_result *res, struct runway_error *err)
{
	struct urls u;
	int rc;

	urls_init(&u, src, dst);
	rc = clone_run(&u.src, &u.dst, o, res, err);
	urls_release(&u);
	return rc;
}

static const char shop[] =
	"CREATE SCHEMA app;\n"
	"CREATE TYPE app.mood AS ENUM ('sad', 'ok', 'happy');\n"
	"CREATE SEQUENCE app.ticket_no START 100;\n"
	"CREATE TABLE customers (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
	" email text NOT NULL UNIQUE, first text, last text,"
	" full_name text GENERATED ALWAYS AS (first || ' ' || last) STORED,"
	" mood app.mood DEFAULT 'ok', moods app.mood[], note varchar(200));\n"
	"CREATE TABLE orders (id bigserial PRIMARY KEY,"
	" customer_id int NOT NULL REFERENCES customers (id), total numeric(10,2),"
	" created_at timestamptz NOT NULL DEFAULT now(), note text, doc oid);\n"
	"CREATE INDEX orders_customer_idx ON orders (customer_id);\n"
	"CREATE TABLE events (id int, at date NOT NULL, payload jsonb) PARTITION BY RANGE (at);\n"
	"CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');\n"
	"CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');\n"
	"CREATE INDEX events_at_idx ON events (at);\n"
	"CREATE TABLE app.tickets (no int PRIMARY KEY DEFAULT nextval('app.ticket_no'),"
	" title text, tags text[], \"Weird \"\"Name\"\"\" text);\n"
	"CREATE TABLE logs (line text);\n"
	"CREATE VIEW log_view AS SELECT * FROM logs;\n"
	"CREATE TABLE runway_history (change_id text PRIMARY KEY);\n"
	"INSERT INTO runway_history VALUES ('001-init'), ('002-orders');\n"
	"INSERT INTO customers (email, first, last, mood, moods, note)"
	" SELECT 'user' || i || '@shop.test', 'First' || i, 'Last' || i,"
	" (ARRAY['sad', 'ok', 'happy'])[1 + i % 3]::app.mood, ARRAY['ok', 'sad']::app.mood[],"
	" E'tab\\there\\nnew line \\\\ back ' || i FROM generate_series(1, 1000) i;\n"
	"INSERT INTO orders (customer_id, total, note, created_at)"
	" SELECT 1 + i % 1000, i * 1.25, CASE WHEN i % 10 <> 0 THEN 'note ' || i END,"
	" '2024-01-01'::timestamptz + i * interval '1 hour' FROM generate_series(1, 5000) i;\n"
	"INSERT INTO events SELECT i, '2024-06-01'::date + (i % 400), jsonb_build_object('i', i)"
	" FROM generate_series(1, 3000) i;\n"
	"INSERT INTO app.tickets (title, tags, \"Weird \"\"Name\"\"\")"
	" SELECT 'T' || i, ARRAY['a', 'b'], NULL FROM generate_series(1, 3) i;\n"
	"INSERT INTO logs VALUES ('hello');\n"
	"SELECT lo_from_bytea(424242, decode(repeat('ab', 1500000), 'hex'));\n"
	"UPDATE orders SET doc = 424242 WHERE id = 1;\n"
	"CREATE MATERIALIZED VIEW app.order_totals AS"
	" SELECT customer_id, sum(total) AS total FROM orders GROUP BY customer_id;\n"
	"CREATE TABLE big (id bigint PRIMARY KEY, pad text);\n"
	"INSERT INTO big SELECT i, repeat(md5(i::text), 3) FROM generate_series(1, 40000) i;\n"
	"CREATE TABLE accounts (id int PRIMARY KEY, balance bigint NOT NULL);\n"
	"INSERT INTO accounts SELECT i, 1000 FROM generate_series(1, 200) i;\n"
	"ANALYZE;\n";

/* Tables and what identifies their rows, for the content comparisons. */
static const char *const content[] = {
	"SELECT md5(string_agg(t::text, ',' ORDER BY id)) FROM customers t",
	"SELECT md5(string_agg(t::text, ',' ORDER BY id)) FROM orders t",
	"SELECT md5(string_agg(t::text, ',' ORDER BY id)) FROM events t",
	"SELECT md5(string_agg(t::text, ',' ORDER BY id)) FROM events_2025 t",
	"SELECT md5(string_agg(t::text, ',' ORDER BY no)) FROM app.tickets t",
	"SELECT md5(string_agg(t::text, ',' ORDER BY id)) FROM big t",
	"SELECT string_agg(change_id, ',' ORDER BY change_id) FROM runway_history",
	"SELECT count(*) FROM customers",
	"SELECT count(*) FROM events_2024",
	"SELECT md5(string_agg(t::text, ',' ORDER BY customer_id)) FROM app.order_totals t",
	"SELECT md5(lo_get(424242))",
	"SELECT last_value || ' ' || is_called FROM app.ticket_no",
	"SELECT last_value || ' ' || is_called FROM orders_id_seq",
	"SELECT last_value || ' ' || is_called FROM customers_id_seq",
	"SELECT string_agg(schemaname || '.' || indexname, ',' ORDER BY schemaname, indexname)"
	" FROM pg_indexes WHERE schemaname IN ('public', 'app')",
	"SELECT string_agg(conname || ':' || pg_get_constraintdef(oid), ',' ORDER BY conname)"
	" FROM pg_constraint WHERE connamespace IN ('public'::regnamespace, 'app'::regnamespace)",
	"SELECT string_agg(typname, ',' ORDER BY typname) FROM pg_type"
	" WHERE typnamespace = 'app'::regnamespace",
	NULL,
};

static void assert_clone_equal(const char *src, const char *dst)
{
	size_t i;

	for (i = 0; content[i]; i++)
		assert_same(src, dst, content[i]);
}

static int group_setup(void **state)
{
	(void)state;
	if (unit_pg_url(&admin_url) < 0)
		return -1;
	if (!admin_url)
		return 0;
	drop_db(SRC);
	drop_db(BIG);
	exec_db("postgres", "CREATE DATABASE " SRC);
	exec_db(SRC, shop);
	exec_db("postgres", "CREATE DATABASE " BIG);
	exec_db(BIG, "CREATE TABLE slow (id bigint, name text, at timestamptz, email text);"
		"INSERT INTO slow SELECT i, 'name ' || i, '2024-01-01'::timestamptz + i * interval '1 s',"
		" 'u' || i || '@x.test' FROM generate_series(1, 400000) i");
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	if (admin_url) {
		drop_db(SRC);
		drop_db(BIG);
		drop_db(DST);
		drop_db(DST2);
		drop_db(PWDB);
		exec_db("postgres", "DROP DATABASE IF EXISTS rw_unit_clone_pwdst WITH (FORCE)");
	}
	free(admin_url);
	return 0;
}

static int fresh(void **state)
{
	(void)state;
	if (admin_url) {
		drop_db(DST);
		drop_db(DST2);
	}
	return 0;
}

static struct mask_key *make_key(const char *secret)
{
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct mask_key *k = NULL;
	must(mask_key_init(&k, secret, strlen(secret), &err), &err);
	return k;
}

static void test_clone_pg__stream(void **state)
{
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct clone_opts o = CLONE_OPTS_INIT;
	struct clone_result res;
	char *v, *w;

	(void)state;
	NEED_PG();
	o.strategy = CLONE_STREAM;
	o.jobs = 2;
	must(clone_dbs(SRC, DST, &o, &res, &err), &err);
	assert_int_equal(res.used, CLONE_STREAM);
	/* customers orders events_2024 events_2025 tickets logs runway_history big accounts */
	assert_int_equal(res.tables, 9);
	assert_int_equal(res.rows, 1000 + 5000 + 3000 + 3 + 1 + 2 + 40000 + 200);
	assert_true(res.bytes > 1000000);
	assert_int_equal(res.masked, 0);
	assert_clone_equal(SRC, DST);
	/* the sequences go on where the source's are */
	v = q1(SRC, "SELECT last_value + 1 FROM app.ticket_no");
	w = q1(DST, "SELECT nextval('app.ticket_no')");
	assert_string_equal(v, w);
	free(v);
	free(w);
	v = q1(DST, "INSERT INTO customers (email) VALUES ('new@shop.test') RETURNING id");
	assert_string_equal(v, "1001");
	free(v);
	/* generated column computed, constraints enforced */
	v = q1(DST, "SELECT full_name FROM customers WHERE id = 7");
	assert_string_equal(v, "First7 Last7");
	free(v);
	v = q1(DST, "SELECT count(*) FROM pg_constraint WHERE contype = 'f'");
	assert_string_equal(v, "1");
	free(v);
	v = q1(DST, "SELECT relispopulated FROM pg_class WHERE relname = 'order_totals'");
	assert_string_equal(v, "t");
	free(v);
}

/* Big tables in ctid ranges shared by two workers give the same rows. */
static void test_clone_pg__stream_split(void **state)
{
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct clone_opts o = CLONE_OPTS_INIT;
	struct clone_result res;

	(void)state;
	NEED_PG();
	setenv("RUNWAY_CLONE_SPLIT_MB", "1", 1);
	o.strategy = CLONE_STREAM;
	o.jobs = 2;
	must(clone_dbs(SRC, DST, &o, &res, &err), &err);
	unsetenv("RUNWAY_CLONE_SPLIT_MB");
	assert_clone_equal(SRC, DST);
	assert_same(SRC, DST, "SELECT count(*) FROM big");
}

static void test_clone_pg__template_idle(void **state)
{
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct clone_opts o = CLONE_OPTS_INIT;
	struct clone_result res;

	(void)state;
	NEED_PG();
	/* auto: same server, nobody on the source, no rules */
	must(clone_dbs(SRC, DST, &o, &res, &err), &err);
	assert_int_equal(res.used, CLONE_TEMPLATE);
	assert_int_equal(res.tables, 8); /* tables with rows of their own: not events, not runway_* */
	assert_clone_equal(SRC, DST);
	o.strategy = CLONE_TEMPLATE;
	must(clone_dbs(SRC, DST2, &o, &res, &err), &err);
	assert_int_equal(res.used, CLONE_TEMPLATE);
	assert_clone_equal(SRC, DST2);
}

static void test_clone_pg__template_busy(void **state)
{
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct clone_opts o = CLONE_OPTS_INIT;
	struct clone_result res;
	struct runway_conn *busy;

	(void)state;
	NEED_PG();
	busy = connect_db(SRC);
	o.strategy = CLONE_TEMPLATE;
	assert_int_equal(clone_dbs(SRC, DST, &o, &res, &err), -1);
	assert_int_equal(err.klass, RUNWAY_E_USAGE);
	assert_contains(err.msg, "clone: cannot use the template strategy: 1 other session is "
			"connected to '" SRC "'");
	assert_non_null(err.hint);
	runway_error_clear(&err);
	assert_false(db_exists(DST));
	/* auto streams instead */
	o.strategy = CLONE_AUTO;
	must(clone_dbs(SRC, DST, &o, &res, &err), &err);
	assert_int_equal(res.used, CLONE_STREAM);
	assert_clone_equal(SRC, DST);
	driver_close(busy);
}

static void test_clone_pg__dst_exists(void **state)
{
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct clone_opts o = CLONE_OPTS_INIT;
	struct clone_result res;
	enum clone_strategy s;

	(void)state;
	NEED_PG();
	exec_db("postgres", "CREATE DATABASE " DST);
	exec_db(DST, "CREATE TABLE mine (x int); INSERT INTO mine VALUES (42)");
	for (s = CLONE_AUTO; s <= CLONE_COMMAND; s++) {
		o.strategy = s;
		o.command = "exit 0";
		assert_int_equal(clone_dbs(SRC, DST, &o, &res, &err), -1);
		assert_int_equal(err.klass, RUNWAY_E_USAGE);
		assert_string_equal(err.msg, "clone: database '" DST "' already exists");
		runway_error_clear(&err);
		{
			char *v = q1(DST, "SELECT string_agg(relname || ':' || x, ',') FROM mine,"
				     " pg_class WHERE relname = 'mine'");
			assert_string_equal(v, "mine:42");
			free(v);
		}
	}
}

static void test_clone_pg__bad_rule(void **state)
{
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct clone_opts o = CLONE_OPTS_INIT;
	struct clone_result res;
	struct mask_rule r = { NULL, (char *)"customers", (char *)"e_mail", MASK_EMAIL, 0, NULL };
	struct mask_rules rs = { &r, 1 };
	struct mask_key *k = make_key("k1");
	enum clone_strategy s;

	(void)state;
	NEED_PG();
	o.rules = &rs;
	o.key = k;
	for (s = CLONE_AUTO; s <= CLONE_STREAM; s++) {
		o.strategy = s;
		assert_int_equal(clone_dbs(SRC, DST, &o, &res, &err), -1);
		assert_int_equal(err.klass, RUNWAY_E_CONFIG);
		assert_contains(err.msg, "e_mail");
		runway_error_clear(&err);
		assert_false(db_exists(DST));
	}
	mask_key_free(k);
}

static const struct mask_rule shop_rules[] = {
	/* customers goes as text (an enum array), orders as binary (note is text) */
	{ NULL, (char *)"customers", (char *)"email", MASK_EMAIL, 0, NULL },
	{ NULL, (char *)"customers", (char *)"note", MASK_REDACT, 3, NULL },
	{ NULL, (char *)"orders", (char *)"note", MASK_HASH, 0, NULL },
	/* a partitioned table: its partitions are masked by its rules */
	{ (char *)"public", (char *)"events", (char *)"payload", MASK_SET, 0, (char *)"{}" },
	{ (char *)"app", (char *)"tickets", (char *)"title", MASK_NULL, 0, NULL },
};

static void test_clone_pg__masked(void **state)
{
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct clone_opts o = CLONE_OPTS_INIT;
	struct clone_result res;
	struct mask_rules rs = { (struct mask_rule *)shop_rules, ARRAY_SIZE(shop_rules) };
	struct mask_key *k = make_key("k1");
	struct runway_rows a = RUNWAY_ROWS_INIT, b = RUNWAY_ROWS_INIT;
	struct runway_conn *cs, *cd;
	size_t i;

	(void)state;
	NEED_PG();
	o.rules = &rs;
	o.key = k;
	o.jobs = 3;
	must(clone_dbs(SRC, DST, &o, &res, &err), &err);
	assert_int_equal(res.used, CLONE_STREAM);
	/* non-NULL masked values: emails and notes 2 x 1000, order notes 4500, payloads 3000, titles 3 */
	assert_int_equal(res.masked, 2000 + 4500 + 3000 + 3);
	cs = connect_db(SRC);
	cd = connect_db(DST);
	must(driver_query(cs, "SELECT id, email, note, first, moods::text, full_name FROM customers"
			  " ORDER BY id", NULL, 0, &a, &err), &err);
	must(driver_query(cd, "SELECT id, email, note, first, moods::text, full_name FROM customers"
			  " ORDER BY id", NULL, 0, &b, &err), &err);
	assert_int_equal(a.nrows, 1000);
	assert_int_equal(b.nrows, 1000);
	for (i = 0; i < a.nrows; i++) {
		assert_string_equal(rows_get(&a, i, 0), rows_get(&b, i, 0));
		if (!strcmp(rows_get(&a, i, 1), rows_get(&b, i, 1)))
			fail_msg("email of customer %s not masked", rows_get(&a, i, 0));
		assert_contains(rows_get(&b, i, 1), "@");
		if (!strcmp(rows_get(&a, i, 2), rows_get(&b, i, 2)))
			fail_msg("note of customer %s not masked", rows_get(&a, i, 0));
		/* redact keeps the last 3 characters, through the text format's escapes */
		assert_string_equal(rows_get(&b, i, 2) + strlen(rows_get(&b, i, 2)) - 3,
				    rows_get(&a, i, 2) + strlen(rows_get(&a, i, 2)) - 3);
		assert_string_equal(rows_get(&a, i, 3), rows_get(&b, i, 3));
		assert_string_equal(rows_get(&a, i, 4), rows_get(&b, i, 4));
		assert_string_equal(rows_get(&a, i, 5), rows_get(&b, i, 5));
	}
	rows_release(&a);
	rows_release(&b);
	assert_scalar(cd, "SELECT count(DISTINCT email) FROM customers", "1000");
	/* binary path: every note hashed, NULLs kept, the rest intact */
	must(driver_query(cs, "SELECT id, note, total, created_at FROM orders ORDER BY id", NULL, 0,
			  &a, &err), &err);
	must(driver_query(cd, "SELECT id, note, total, created_at FROM orders ORDER BY id", NULL, 0,
			  &b, &err), &err);
	assert_int_equal(a.nrows, b.nrows);
	for (i = 0; i < a.nrows; i++) {
		const char *x = rows_get(&a, i, 1), *y = rows_get(&b, i, 1);
		if (!x != !y || (x && !strcmp(x, y)))
			fail_msg("note of order %s: '%s' -> '%s'", rows_get(&a, i, 0), x ? x : "NULL",
				 y ? y : "NULL");
		assert_string_equal(rows_get(&a, i, 2), rows_get(&b, i, 2));
		assert_string_equal(rows_get(&a, i, 3), rows_get(&b, i, 3));
	}
	rows_release(&a);
	rows_release(&b);
	assert_scalar(cd, "SELECT count(*) FROM events WHERE payload = '{}'", "3000");
	assert_same(SRC, DST, "SELECT count(*) FROM events_2025");
	assert_scalar(cd, "SELECT count(*) FROM app.tickets WHERE title IS NULL", "3");
	driver_close(cs);
	driver_close(cd);

	/* deterministic: the same key gives the same clone */
	must(clone_dbs(SRC, DST2, &o, &res, &err), &err);
	assert_same(DST, DST2, "SELECT md5(string_agg(t::text, ',' ORDER BY id)) FROM customers t");
	assert_same(DST, DST2, "SELECT md5(string_agg(t::text, ',' ORDER BY id)) FROM orders t");
	mask_key_free(k);
}

static void test_clone_pg__tables(void **state)
{
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct clone_opts o = CLONE_OPTS_INIT;
	struct strvec pats = STRVEC_INIT;
	struct clone_result res;
	char *v;

	(void)state;
	NEED_PG();
	strvec_push(&pats, "ord*");
	strvec_push(&pats, "app.tick*");
	o.tables = &pats;
	must(clone_dbs(SRC, DST, &o, &res, &err), &err);
	assert_int_equal(res.used, CLONE_STREAM);
	/* orders; customers, which it references; tickets; runway_history, always */
	v = q1(DST, "SELECT string_agg(relname, ',' ORDER BY relname) FROM pg_class"
	       " WHERE relkind IN ('r', 'p', 'v', 'm')"
	       " AND relnamespace IN ('public'::regnamespace, 'app'::regnamespace)");
	assert_string_equal(v, "customers,order_totals,orders,runway_history,tickets");
	free(v);
	assert_int_equal(res.tables, 4);
	assert_same(SRC, DST, content[0]);
	assert_same(SRC, DST, content[1]);
	assert_same(SRC, DST, content[4]);
	assert_same(SRC, DST, content[9]);
	assert_same(SRC, DST, "SELECT last_value FROM app.ticket_no");
	strvec_release(&pats);
}

/* template, then mask_apply on the copy; --tables is not for template. */
static void test_clone_pg__template_masked(void **state)
{
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct clone_opts o = CLONE_OPTS_INIT;
	struct clone_result res;
	struct mask_rule r = { NULL, (char *)"customers", (char *)"email", MASK_EMAIL, 0, NULL };
	struct mask_rules rs = { &r, 1 };
	struct mask_key *k = make_key("k1");
	struct strvec pats = STRVEC_INIT;
	char *v;

	(void)state;
	NEED_PG();
	o.strategy = CLONE_TEMPLATE;
	o.rules = &rs;
	o.key = k;
	must(clone_dbs(SRC, DST, &o, &res, &err), &err);
	assert_int_equal(res.used, CLONE_TEMPLATE);
	assert_int_equal(res.masked, 1000);
	v = q1(DST, "SELECT count(*) FROM customers WHERE email LIKE 'user%@shop.test'");
	assert_string_equal(v, "0");
	free(v);
	assert_same(SRC, DST, content[1]);

	strvec_push(&pats, "orders");
	o.tables = &pats;
	o.rules = NULL;
	assert_int_equal(clone_dbs(SRC, DST2, &o, &res, &err), -1);
	assert_int_equal(err.klass, RUNWAY_E_USAGE);
	assert_contains(err.msg, "--tables");
	runway_error_clear(&err);
	assert_false(db_exists(DST2));
	strvec_release(&pats);
	mask_key_free(k);
}

/* The command strategy: URL parts in its environment, masking after it, cleanup on failure. */
static void test_clone_pg__command(void **state)
{
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct clone_opts o = CLONE_OPTS_INIT;
	struct clone_result res;
	struct mask_rule r = { NULL, (char *)"customers", (char *)"email", MASK_EMAIL, 0, NULL };
	struct mask_rules rs = { &r, 1 };
	struct mask_key *k = make_key("k1");
	char *v;

	(void)state;
	NEED_PG();
	o.strategy = CLONE_COMMAND;
	o.command = "test \"$RUNWAY_SOURCE_URL\" = \"$source\" && "
		    "psql -X -q -h \"$RUNWAY_TARGET_HOST\" -p \"$RUNWAY_TARGET_PORT\""
		    " -U \"$RUNWAY_TARGET_USER\" -d postgres -c"
		    " \"CREATE DATABASE $RUNWAY_TARGET_DB TEMPLATE $RUNWAY_SOURCE_DB\"";
	o.rules = &rs;
	o.key = k;
	must(clone_dbs(SRC, DST, &o, &res, &err), &err);
	assert_int_equal(res.used, CLONE_COMMAND);
	v = q1(DST, "SELECT count(*) FROM customers WHERE email LIKE 'user%@shop.test'");
	assert_string_equal(v, "0");
	free(v);
	assert_same(SRC, DST, content[1]);

	o.rules = NULL;
	o.command = "psql -X -q -h \"$RUNWAY_TARGET_HOST\" -p \"$RUNWAY_TARGET_PORT\""
		    " -U \"$RUNWAY_TARGET_USER\" -d postgres -c \"CREATE DATABASE $RUNWAY_TARGET_DB\""
		    " && exit 5";
	assert_int_equal(clone_dbs(SRC, DST2, &o, &res, &err), -1);
	assert_int_equal(err.klass, RUNWAY_E_IO);
	assert_contains(err.msg, "exit status 5");
	runway_error_clear(&err);
	assert_false(db_exists(DST2));
	mask_key_free(k);
}

/* All of `COPY ... TO STDOUT` as one buffer. */
static char *copy_out(const char *db, const char *sql, size_t *len)
{
	struct runway_conn *c = connect_db(db);
	PGconn *pg = pg_handle(c);
	struct runway_buf b = RUNWAY_BUF_INIT;
	PGresult *res;
	char *buf;
	int n;

	assert_non_null(pg);
	res = PQexec(pg, sql);
	assert_int_equal(PQresultStatus(res), PGRES_COPY_OUT);
	PQclear(res);
	while ((n = PQgetCopyData(pg, &buf, 0)) > 0) {
		runway_buf_add(&b, buf, (size_t)n);
		PQfreemem(buf);
	}
	res = PQgetResult(pg);
	assert_int_equal(PQresultStatus(res), PGRES_COMMAND_OK);
	PQclear(res);
	while ((res = PQgetResult(pg)) != NULL)
		PQclear(res);
	driver_close(c);
	*len = b.len;
	return runway_buf_detach(&b);
}

static void codec_table(struct pg_table *t, const char *name, const char *const *cols,
			const char *textlike, bool binary, const struct mask_rules *rs)
{
	size_t i;

	memset(t, 0, sizeof(*t));
	t->schema = xstrdup("public");
	t->name = xstrdup(name);
	t->mschema = xstrdup("public");
	t->mname = xstrdup(name);
	for (i = 0; cols[i]; i++)
		strvec_push(&t->cols, cols[i]);
	t->textlike = xcalloc(t->cols.n + 1, sizeof(bool));
	for (i = 0; i < t->cols.n; i++)
		t->textlike[i] = textlike[i] == '1';
	t->binary = binary;
	mask_plan_new(&t->plan, rs, "public", name, (const char *const *)t->cols.v, t->cols.n);
}

/* Masked through the codec in pieces of n bytes: (caller frees). */
static char *codec_run(const struct pg_table *t, const struct mask_key *k, const char *data,
		       size_t len, size_t piece, size_t *outlen, uint64_t *rows, uint64_t *masked)
{
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct pg_codec *c = NULL;
	size_t off;
	char *out;

	pg_codec_new(&c, t, k);
	for (off = 0; off < len; off += piece)
		must(pg_codec_feed(c, data + off, len - off < piece ? len - off : piece, &err), &err);
	must(pg_codec_end(c, &err), &err);
	out = pg_codec_take(c, outlen, rows, masked);
	pg_codec_free(c);
	return out;
}

/* The codec gives the same bytes however its input is cut; a cut-off stream is an error. */
static void test_clone_pg__codec_pieces(void **state)
{
	static const char *const ccols[] = { "id", "email", "first", "last", "mood", "moods", "note",
					     NULL };
	static const char *const ocols[] = { "id", "customer_id", "total", "created_at", "note",
					     "doc", NULL };
	static const size_t pieces[] = { 1, 2, 3, 5, 7, 13, 64, 4096 };
	struct mask_rules rs = { (struct mask_rule *)shop_rules, ARRAY_SIZE(shop_rules) };
	struct mask_key *k = make_key("k1");
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct pg_table tt, tb;
	size_t tlen, blen, wlen, plen, i, j;
	char *text, *bin, *whole, *part;
	uint64_t rows, masked, prows, pmasked;
	struct pg_codec *c = NULL;

	(void)state;
	NEED_PG();
	text = copy_out(SRC, "COPY customers (id, email, first, last, mood, moods, note) TO STDOUT",
			&tlen);
	bin = copy_out(SRC, "COPY orders (id, customer_id, total, created_at, note, doc) TO STDOUT"
		       " (FORMAT binary)", &blen);
	codec_table(&tt, "customers", ccols, "0111101", false, &rs);
	codec_table(&tb, "orders", ocols, "000010", true, &rs);
	for (j = 0; j < 2; j++) {
		const struct pg_table *t = j ? &tb : &tt;
		const char *in = j ? bin : text;
		size_t len = j ? blen : tlen;

		whole = codec_run(t, k, in, len, len, &wlen, &rows, &masked);
		assert_int_equal(rows, j ? 5000 : 1000);
		assert_int_equal(masked, j ? 4500 : 2000);
		for (i = 0; i < ARRAY_SIZE(pieces); i++) {
			part = codec_run(t, k, in, len, pieces[i], &plen, &prows, &pmasked);
			assert_int_equal(plen, wlen);
			assert_memory_equal(part, whole, wlen);
			assert_int_equal(prows, rows);
			assert_int_equal(pmasked, masked);
			free(part);
		}
		free(whole);
		/* cut off in the middle of the last row */
		pg_codec_new(&c, t, k);
		must(pg_codec_feed(c, in, len - 3, &err), &err);
		assert_int_equal(pg_codec_end(c, &err), -1);
		assert_contains(err.msg, "ended in a row");
		runway_error_clear(&err);
		pg_codec_free(c);
	}
	/* text: a line per row, 7 fields, what the masked note ends with kept */
	whole = codec_run(&tt, k, text, tlen, tlen, &wlen, &rows, &masked);
	{
		size_t tabs = 0, lines = 0;
		for (i = 0; i < wlen; i++) {
			tabs += whole[i] == '\t';
			lines += whole[i] == '\n';
		}
		assert_int_equal(lines, 1000);
		assert_int_equal(tabs, 6 * 1000);
		assert_contains(whole, "\t{ok,sad}\t*");
		assert_contains(whole, "*999\n1000\t");
	}
	free(whole);
	pg_table_release(&tt);
	pg_table_release(&tb);
	free(text);
	free(bin);
	mask_key_free(k);
}

/* A transfer between two accounts per transaction while the clone runs: the clone's sum holds. */
struct writer {
	atomic_bool stop;
	atomic_long transfers;
};

static void *write_loop(void *arg)
{
	struct writer *wr = arg;
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct runway_conn *c = connect_db(SRC);
	unsigned seed = 1;

	while (!atomic_load(&wr->stop)) {
		int a = 1 + (int)(rand_r(&seed) % 200), b = 1 + (int)(rand_r(&seed) % 200);
		char *sql = xasprintf("BEGIN; UPDATE accounts SET balance = balance - 7 WHERE id = %d;"
				      " UPDATE accounts SET balance = balance + 7 WHERE id = %d;"
				      " INSERT INTO big SELECT max(id) + 1, 'w' FROM big; COMMIT", a, b);
		if (driver_exec(c, sql, &err) < 0) {
			runway_error_clear(&err);
			driver_exec(c, "ROLLBACK", &err);
			runway_error_clear(&err);
		} else {
			wr->transfers++;
		}
		free(sql);
	}
	driver_close(c);
	return NULL;
}

static void test_clone_pg__consistent_under_writes(void **state)
{
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct clone_opts o = CLONE_OPTS_INIT;
	struct clone_result res;
	struct writer wr;
	pthread_t th;
	char *v, *w;

	(void)state;
	NEED_PG();
	memset(&wr, 0, sizeof(wr));
	pthread_create(&th, NULL, write_loop, &wr);
	while (wr.transfers < 20)
		usleep(1000);
	o.strategy = CLONE_STREAM;
	o.jobs = 2;
	setenv("RUNWAY_CLONE_SPLIT_MB", "1", 1);
	must(clone_dbs(SRC, DST, &o, &res, &err), &err);
	unsetenv("RUNWAY_CLONE_SPLIT_MB");
	atomic_store(&wr.stop, true);
	pthread_join(th, NULL);
	assert_true(wr.transfers > 20);
	v = q1(DST, "SELECT sum(balance) || ' ' || count(*) FROM accounts");
	assert_string_equal(v, "200000 200");
	free(v);
	/* big and its max id moved together: every writer transaction is all in or all out */
	v = q1(DST, "SELECT count(*) = max(id) FROM big");
	assert_string_equal(v, "t");
	free(v);
	w = q1(DST, "SELECT count(*) FROM big");
	assert_true(strtol(w, NULL, 10) >= 40000);
	free(w);
	/* put the source back as the other tests expect it */
	exec_db(SRC, "DELETE FROM big WHERE id > 40000; UPDATE accounts SET balance = 1000");
}

struct stopper {
	const char *db;
	bool seen;
};

static void *interrupt_on_copy(void *arg)
{
	struct stopper *s = arg;
	struct runway_conn *c = connect_db("postgres");
	char *sql = xasprintf("SELECT count(*) FROM pg_stat_activity WHERE datname = '%s'"
			      " AND query LIKE 'COPY%%'", s->db);
	int i;

	for (i = 0; i < 5000; i++) {
		char *v = scalar(c, sql);
		bool copying = strcmp(v, "0") != 0;
		free(v);
		if (copying) {
			s->seen = true;
			break;
		}
		usleep(2000);
	}
	clone_interrupt();
	free(sql);
	driver_close(c);
	return NULL;
}

static void test_clone_pg__interrupted(void **state)
{
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct clone_opts o = CLONE_OPTS_INIT;
	struct clone_result res;
	struct stopper s = { BIG, false };
	struct mask_rule r = { NULL, (char *)"slow", (char *)"email", MASK_EMAIL, 0, NULL };
	struct mask_rules rs = { &r, 1 };
	struct mask_key *k = make_key("k1");
	pthread_t th;

	(void)state;
	NEED_PG();
	o.rules = &rs;
	o.key = k;
	pthread_create(&th, NULL, interrupt_on_copy, &s);
	assert_int_equal(clone_dbs(BIG, DST, &o, &res, &err), -1);
	pthread_join(th, NULL);
	assert_true(s.seen);
	assert_int_equal(err.klass, RUNWAY_E_INTERRUPTED);
	assert_string_equal(err.msg, "clone: interrupted");
	runway_error_clear(&err);
	assert_false(db_exists(DST));
	/* nothing of the clone is left connected to the source */
	{
		char *v = q1("postgres", "SELECT count(*) FROM pg_stat_activity WHERE datname = '" BIG "'");
		assert_string_equal(v, "0");
		free(v);
	}
	mask_key_free(k);
}

/* The password reaches pg_dump and pg_restore (PGPASSWORD) but no message. */
static void test_clone_pg__password(void **state)
{
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct clone_opts o = CLONE_OPTS_INIT;
	struct clone_result res;
	struct runway_url su = RUNWAY_URL_INIT, du = RUNWAY_URL_INIT;
	char *s, *d, *tmp = NULL, *log = NULL, *script = NULL, *wrapper = NULL;

	(void)state;
	NEED_PG();
	drop_db(PWDB);
	drop_db("rw_unit_clone_pwdst");
	exec_db("postgres", "ALTER ROLE runway_pw CREATEDB");
	exec_db("postgres", "CREATE DATABASE " PWDB " OWNER runway_pw");
	exec_db(PWDB, "SET ROLE runway_pw; CREATE TABLE t (id int PRIMARY KEY, v text);"
		" INSERT INTO t SELECT i, 'v' || i FROM generate_series(1, 100) i");
	s = url_for(PWDB, "runway_pw:s3cret-pw");
	d = url_for("rw_unit_clone_pwdst", "runway_pw:s3cret-pw");
	must(url_parse(&su, s, &err), &err);
	must(url_parse(&du, d, &err), &err);
	o.strategy = CLONE_STREAM;
	/* the tools run through wrappers that log their argv and whether PGPASSWORD is set */
	if (access(REAL_BIN "/pg_dump", X_OK) == 0) {
		tmp = make_tmpdir();
		log = xasprintf("%s/argv.log", tmp);
		script = xasprintf("#!/bin/sh\necho \"$0 $*\" >>'%s'\n"
				   "[ -n \"$PGPASSWORD\" ] && echo has-password >>'%s'\n"
				   "exec " REAL_BIN "/$(basename \"$0\") \"$@\"\n", log, log);
		write_file(tmp, "pg_dump", script);
		write_file(tmp, "pg_restore", script);
		wrapper = xasprintf("%s/pg_dump", tmp);
		chmod(wrapper, 0755);
		free(wrapper);
		wrapper = xasprintf("%s/pg_restore", tmp);
		chmod(wrapper, 0755);
		setenv("RUNWAY_PG_BINDIR", tmp, 1);
	}
	must(clone_run(&su, &du, &o, &res, &err), &err);
	if (tmp) {
		struct runway_buf b = RUNWAY_BUF_INIT;
		unsetenv("RUNWAY_PG_BINDIR");
		must(fs_read_file(&b, log, 1 << 20, &err), &err);
		assert_contains(b.buf, "pg_dump --format=custom");
		assert_contains(b.buf, "pg_restore --section=post-data");
		assert_contains(b.buf, "has-password");
		assert_contains(b.buf, "user='runway_pw'");
		assert_not_contains(b.buf, "s3cret-pw");
		runway_buf_release(&b);
		rm_rf(tmp);
	}
	assert_same(PWDB, "rw_unit_clone_pwdst", "SELECT md5(string_agg(t::text, ',' ORDER BY id))"
		    " FROM t");
	assert_same(PWDB, "rw_unit_clone_pwdst", "SELECT tableowner FROM pg_tables WHERE tablename = 't'");
	url_release(&su);
	url_release(&du);
	free(s);
	free(d);
	drop_db("rw_unit_clone_pwdst");

	/* a wrong one: the error names neither */
	s = url_for(PWDB, "runway_pw:wr0ng-pw");
	d = url_for("rw_unit_clone_pwdst", "runway_pw:wr0ng-pw");
	must(url_parse(&su, s, &err), &err);
	must(url_parse(&du, d, &err), &err);
	assert_int_equal(clone_run(&su, &du, &o, &res, &err), -1);
	assert_not_contains(err.msg, "wr0ng-pw");
	assert_not_contains(err.hint, "wr0ng-pw");
	assert_int_equal(err.klass, RUNWAY_E_CONN);
	runway_error_clear(&err);
	url_release(&su);
	url_release(&du);
	free(s);
	free(d);
	assert_false(db_exists("rw_unit_clone_pwdst"));
	free(tmp);
	free(log);
	free(script);
	free(wrapper);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_clone_pg__stream, fresh),
		cmocka_unit_test_setup(test_clone_pg__stream_split, fresh),
		cmocka_unit_test_setup(test_clone_pg__template_idle, fresh),
		cmocka_unit_test_setup(test_clone_pg__template_busy, fresh),
		cmocka_unit_test_setup(test_clone_pg__dst_exists, fresh),
		cmocka_unit_test_setup(test_clone_pg__bad_rule, fresh),
		cmocka_unit_test_setup(test_clone_pg__masked, fresh),
		cmocka_unit_test_setup(test_clone_pg__codec_pieces, fresh),
		cmocka_unit_test_setup(test_clone_pg__tables, fresh),
		cmocka_unit_test_setup(test_clone_pg__template_masked, fresh),
		cmocka_unit_test_setup(test_clone_pg__command, fresh),
		cmocka_unit_test_setup(test_clone_pg__consistent_under_writes, fresh),
		cmocka_unit_test_setup(test_clone_pg__interrupted, fresh),
		cmocka_unit_test_setup(test_clone_pg__password, fresh),
	};
	char *pattern;
	int rc;

	unit_filter(argc, argv, &pattern);
	rc = cmocka_run_group_tests_name("clone_pg", tests, group_setup, group_teardown);
	free(pattern);
	return rc;
}
