/*
 * test_schema_pg.c - the schema model (schema/schema.h) on a real
 * PostgreSQL server.
 *
 * The server is the CTest fixture "pg" (tests/pg-cluster.sh), found
 * through $RUNWAY_TEST_STATE/pg-url. Without it every test is skipped,
 * unless RUNWAY_TEST_PG=required. Each test builds the databases it needs
 * (rw_unit_schema_a, rw_unit_schema_b), created afresh; the group
 * teardown drops them.
 */
#include "util/common.h"
#include "driver/driver.h"
#include "schema/schema.h"

#include <setjmp.h>
#include <cmocka.h>

#include "unit.h"

#define DB_A "rw_unit_schema_a"
#define DB_B "rw_unit_schema_b"

static char *admin_url; /* the server's URL from pg-url; NULL: no server */

struct db {
	struct runway_url url;
	struct runway_conn *c;
};

/* url with its database replaced by db. */
static char *url_with_db(const char *url, const char *db)
{
	const char *auth = strstr(url, "://"), *end;

	if (!auth)
		return xstrdup(url);
	auth += 3;
	end = auth + strcspn(auth, "/?#");
	return xasprintf("%.*s/%s%s", (int)(end - url), url, db, end + strcspn(end, "?#"));
}

static int connect_to(struct db *d, const char *url, struct runway_error *err)
{
	memset(d, 0, sizeof(*d));
	if (url_parse(&d->url, url, err) < 0)
		return -1;
	return driver_connect(&d->c, &d->url, err);
}

static void db_close(struct db *d)
{
	driver_close(d->c);
	url_release(&d->url);
	memset(d, 0, sizeof(*d));
}

static void admin_exec(const char *sql)
{
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct db d;
	must(connect_to(&d, admin_url, &err), &err);
	must(driver_exec(d.c, sql, &err), &err);
	db_close(&d);
}

/* A new, empty database name, connected to d. */
static void fresh_db(struct db *d, const char *name)
{
	struct runway_error err = RUNWAY_ERROR_INIT;
	char *sql = xasprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", name), *url;

	admin_exec(sql);
	free(sql);
	sql = xasprintf("CREATE DATABASE %s", name);
	admin_exec(sql);
	free(sql);
	url = url_with_db(admin_url, name);
	must(connect_to(d, url, &err), &err);
	free(url);
}

static void run(struct db *d, const char *sql)
{
	struct runway_error err = RUNWAY_ERROR_INIT;
	must(driver_exec_script(d->c, sql, strlen(sql), NULL, &err), &err);
}

static void read_schema(struct schema *s, struct db *d)
{
	struct runway_error err = RUNWAY_ERROR_INIT;
	must(schema_read(s, d->c, &err), &err);
	assert_string_equal(s->engine, "postgres");
}

static char *to_sql(const struct schema *s)
{
	struct runway_buf b = RUNWAY_BUF_INIT;
	schema_to_sql(s, &b);
	return runway_buf_detach(&b);
}

static char *to_json(const struct schema *s)
{
	json_t *j = NULL;
	char *text;
	schema_to_json(s, &j);
	text = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(j);
	return text;
}

static int group_setup(void **state)
{
	(void)state;
	return unit_pg_url(&admin_url) < 0 ? -1 : 0;
}

static int group_teardown(void **state)
{
	(void)state;
	if (admin_url) {
		admin_exec("DROP DATABASE IF EXISTS " DB_A " WITH (FORCE)");
		admin_exec("DROP DATABASE IF EXISTS " DB_B " WITH (FORCE)");
	}
	free(admin_url);
	return 0;
}

#define NEED_PG()                \
	do {                     \
		if (!admin_url)  \
			skip();  \
	} while (0)

/* Every kind of object, in dependency order. */
static const char *const shop[] = {
	"CREATE SCHEMA app",
	"CREATE TYPE app.mood AS ENUM ('sad', 'ok', 'happy')",
	"CREATE SEQUENCE app.ticket_no AS integer START 100 INCREMENT 5 CYCLE",
	"CREATE TABLE customers (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
	" email varchar(100) NOT NULL UNIQUE, first text, last text,"
	" full_name text GENERATED ALWAYS AS (first || ' ' || last) STORED,"
	" mood app.mood DEFAULT 'ok', code text COLLATE \"C\")",
	"CREATE TABLE orders (id bigserial PRIMARY KEY, customer_id int NOT NULL,"
	" total numeric(10,2) CHECK (total >= 0), note text,"
	" created_at timestamptz NOT NULL DEFAULT now())",
	"ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id)"
	" REFERENCES customers (id) NOT VALID",
	"ALTER TABLE orders ADD CONSTRAINT orders_total_cap CHECK (total < 1000000) NOT VALID",
	"CREATE INDEX orders_customer_idx ON orders (customer_id)",
	"CREATE UNIQUE INDEX orders_note_idx ON orders (lower(note) DESC) INCLUDE (total)"
	" WHERE note IS NOT NULL",
	"CREATE TABLE events (id int, at date NOT NULL, payload jsonb) PARTITION BY RANGE (at)",
	"CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')",
	"CREATE INDEX events_at_idx ON events (at)",
	"CREATE FUNCTION app.touch() RETURNS trigger LANGUAGE plpgsql AS"
	" $$BEGIN NEW.note := coalesce(NEW.note, ''); RETURN NEW; END$$",
	"CREATE FUNCTION add(a int, b int) RETURNS int LANGUAGE sql IMMUTABLE STRICT"
	" AS 'SELECT a + b'",
	"CREATE FUNCTION add(a numeric, b numeric) RETURNS numeric LANGUAGE sql"
	" AS 'SELECT a + b'",
	"CREATE TRIGGER orders_touch BEFORE INSERT ON orders FOR EACH ROW"
	" EXECUTE FUNCTION app.touch()",
	"CREATE VIEW big_orders AS SELECT o.id, c.email FROM orders o"
	" JOIN customers c ON c.id = o.customer_id WHERE o.total > 100",
	"CREATE MATERIALIZED VIEW app.order_counts AS SELECT customer_id, count(*) AS n"
	" FROM orders GROUP BY customer_id",
	"CREATE UNLOGGED TABLE scratch (x int) WITH (fillfactor = 70)",
	NULL,
};

/* The same, in another order: a reader that depended on creation order would differ. */
static const char *const shop_reordered[] = {
	"CREATE SCHEMA app",
	"CREATE UNLOGGED TABLE scratch (x int) WITH (fillfactor = 70)",
	"CREATE TABLE events (id int, at date NOT NULL, payload jsonb) PARTITION BY RANGE (at)",
	"CREATE INDEX events_at_idx ON events (at)",
	"CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')",
	"CREATE FUNCTION add(a numeric, b numeric) RETURNS numeric LANGUAGE sql"
	" AS 'SELECT a + b'",
	"CREATE FUNCTION app.touch() RETURNS trigger LANGUAGE plpgsql AS"
	" $$BEGIN NEW.note := coalesce(NEW.note, ''); RETURN NEW; END$$",
	"CREATE TYPE app.mood AS ENUM ('sad', 'ok', 'happy')",
	"CREATE TABLE customers (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
	" email varchar(100) NOT NULL UNIQUE, first text, last text,"
	" full_name text GENERATED ALWAYS AS (first || ' ' || last) STORED,"
	" mood app.mood DEFAULT 'ok', code text COLLATE \"C\")",
	"CREATE TABLE orders (id bigserial PRIMARY KEY, customer_id int NOT NULL,"
	" total numeric(10,2) CHECK (total >= 0), note text,"
	" created_at timestamptz NOT NULL DEFAULT now())",
	"CREATE UNIQUE INDEX orders_note_idx ON orders (lower(note) DESC) INCLUDE (total)"
	" WHERE note IS NOT NULL",
	"CREATE TRIGGER orders_touch BEFORE INSERT ON orders FOR EACH ROW"
	" EXECUTE FUNCTION app.touch()",
	"CREATE MATERIALIZED VIEW app.order_counts AS SELECT customer_id, count(*) AS n"
	" FROM orders GROUP BY customer_id",
	"ALTER TABLE orders ADD CONSTRAINT orders_total_cap CHECK (total < 1000000) NOT VALID",
	"CREATE INDEX orders_customer_idx ON orders (customer_id)",
	"CREATE VIEW big_orders AS SELECT o.id, c.email FROM orders o"
	" JOIN customers c ON c.id = o.customer_id WHERE o.total > 100",
	"ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id)"
	" REFERENCES customers (id) NOT VALID",
	"CREATE SEQUENCE app.ticket_no AS integer START 100 INCREMENT 5 CYCLE",
	"CREATE FUNCTION add(a int, b int) RETURNS int LANGUAGE sql IMMUTABLE STRICT"
	" AS 'SELECT a + b'",
	NULL,
};

static void build(struct db *d, const char *name, const char *const *stmts)
{
	fresh_db(d, name);
	for (; *stmts; stmts++)
		run(d, *stmts);
}

static const struct schema_table *table(const struct schema *s, const char *schema,
					const char *name)
{
	const struct schema_table *t = schema_find_table(s, schema, name);
	if (!t)
		fail_msg("no table %s.%s in the model", schema, name);
	return t;
}

static const struct schema_column *column(const struct schema_table *t, const char *name)
{
	size_t i;
	for (i = 0; i < t->ncolumns; i++)
		if (!strcmp(t->columns[i].name, name))
			return &t->columns[i];
	fail_msg("no column '%s' in table '%s'", name, t->obj.name);
	return NULL;
}

static const struct schema_constraint *constraint(const struct schema_table *t,
						  const char *name)
{
	size_t i;
	for (i = 0; i < t->nconstraints; i++)
		if (t->constraints[i].name && !strcmp(t->constraints[i].name, name))
			return &t->constraints[i];
	fail_msg("no constraint '%s' on table '%s'", name, t->obj.name);
	return NULL;
}

static const struct schema_index *index_named(const struct schema *s, const char *name)
{
	size_t i;
	for (i = 0; i < s->nindexes; i++)
		if (!strcmp(s->indexes[i].obj.name, name))
			return &s->indexes[i];
	fail_msg("no index '%s' in the model", name);
	return NULL;
}

static void assert_diff(const struct schema *a, const struct schema *b, size_t n,
			const char *want)
{
	struct runway_buf out = RUNWAY_BUF_INIT;
	size_t got = schema_diff(a, b, &out);
	if (got != n || strcmp(out.buf, want))
		fail_msg("diff found %zu difference(s), want %zu:\n%s--- want:\n%s", got, n, out.buf,
			 want);
	runway_buf_release(&out);
}

static void test_schema_pg__every_kind(void **state)
{
	struct db d;
	struct schema s;
	const struct schema_table *t;
	const struct schema_column *c;
	const struct schema_constraint *k;
	const struct schema_index *x;
	char *sql, *json;
	size_t i;

	(void)state;
	NEED_PG();
	build(&d, DB_A, shop);
	/* runway's tables, and things named like them, are left out */
	run(&d, driver_history_ddl(d.c));
	run(&d, "CREATE TABLE runway_custom (id serial PRIMARY KEY);"
		"CREATE FUNCTION runway_fn() RETURNS int LANGUAGE sql AS 'SELECT 1';"
		"CREATE INDEX runway_on_orders ON orders (note)");
	read_schema(&s, &d);

	assert_int_equal(s.nnamespaces, 2);
	assert_string_equal(s.namespaces[0].obj.name, "app");
	assert_string_equal(s.namespaces[1].obj.name, "public");
	assert_int_equal(s.nenums, 1);
	assert_string_equal(s.enums[0].obj.schema, "app");
	assert_int_equal(s.enums[0].labels.n, 3);
	assert_string_equal(s.enums[0].labels.v[2], "happy");

	/* sequences: the serial one with its owner, not the identity one */
	assert_int_equal(s.nsequences, 2);
	assert_string_equal(s.sequences[0].obj.name, "ticket_no");
	assert_string_equal(s.sequences[0].type, "integer");
	assert_string_equal(s.sequences[0].start, "100");
	assert_string_equal(s.sequences[0].increment, "5");
	assert_string_equal(s.sequences[0].max, "2147483647");
	assert_true(s.sequences[0].cycle);
	assert_null(s.sequences[0].owned_by);
	assert_string_equal(s.sequences[1].obj.name, "orders_id_seq");
	assert_string_equal(s.sequences[1].owned_by, "public.orders.id");

	t = table(&s, "public", "customers");
	c = column(t, "id");
	assert_string_equal(c->type, "integer");
	assert_string_equal(c->identity, "always");
	assert_true(c->not_null);
	assert_null(c->default_expr);
	c = column(t, "email");
	assert_string_equal(c->type, "character varying(100)");
	c = column(t, "full_name");
	assert_string_equal(c->generated, "((first || ' '::text) || last)");
	assert_true(c->generated_stored);
	assert_null(c->default_expr);
	c = column(t, "mood");
	assert_string_equal(c->type, "app.mood");
	assert_string_equal(c->default_expr, "'ok'::app.mood");
	assert_string_equal(column(t, "code")->collation, "\"C\"");
	assert_null(column(t, "first")->collation);
	k = constraint(t, "customers_pkey");
	assert_int_equal(k->type, SCHEMA_PRIMARY_KEY);
	assert_string_equal(k->definition, "PRIMARY KEY (id)");
	assert_int_equal(constraint(t, "customers_email_key")->type, SCHEMA_UNIQUE);

	t = table(&s, "public", "orders");
	assert_string_equal(column(t, "id")->default_expr, "nextval('public.orders_id_seq'::regclass)");
	k = constraint(t, "orders_customer_fk");
	assert_int_equal(k->type, SCHEMA_FOREIGN_KEY);
	assert_true(k->not_valid);
	assert_string_equal(k->definition,
			    "FOREIGN KEY (customer_id) REFERENCES public.customers(id)");
	assert_string_equal(k->ref_schema, "public");
	assert_string_equal(k->ref_table, "customers");
	assert_string_equal(k->columns.v[0], "customer_id");
	assert_string_equal(k->ref_columns.v[0], "id");
	k = constraint(t, "orders_total_cap");
	assert_int_equal(k->type, SCHEMA_CHECK);
	assert_true(k->not_valid);
	assert_string_equal(k->definition, "CHECK ((total < (1000000)::numeric))");
	assert_false(constraint(t, "orders_total_check")->not_valid);

	t = table(&s, "public", "events");
	assert_string_equal(t->partition_key, "RANGE (at)");
	assert_null(t->partition_of);
	t = table(&s, "public", "events_2024");
	assert_string_equal(t->partition_of, "public.events");
	assert_string_equal(t->partition_bound, "FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')");
	t = table(&s, "public", "scratch");
	assert_true(t->unlogged);
	assert_string_equal(t->options.v[0], "fillfactor=70");

	/* indexes: not the ones behind constraints; the partition's own is there */
	x = index_named(&s, "orders_note_idx");
	assert_true(x->unique);
	assert_string_equal(x->method, "btree");
	assert_int_equal(x->keys.n, 1);
	assert_string_equal(x->keys.v[0], "lower(note) DESC");
	assert_string_equal(x->include.v[0], "total");
	assert_string_equal(x->predicate, "(note IS NOT NULL)");
	x = index_named(&s, "orders_customer_idx");
	assert_false(x->unique);
	assert_string_equal(x->table, "orders");
	assert_string_equal(x->definition,
			    "CREATE INDEX orders_customer_idx ON public.orders USING btree (customer_id)");
	index_named(&s, "events_at_idx");
	index_named(&s, "events_2024_at_idx");
	for (i = 0; i < s.nindexes; i++)
		assert_null(strstr(s.indexes[i].obj.name, "pkey"));

	assert_int_equal(s.nviews, 2);
	assert_string_equal(s.views[0].obj.name, "order_counts");
	assert_true(s.views[0].materialized);
	assert_string_equal(s.views[1].obj.name, "big_orders");
	assert_contains(s.views[1].definition, "CREATE VIEW public.big_orders AS\n SELECT o.id,");
	assert_contains(s.views[1].definition, "FROM public.orders o");

	/* functions: overloads sorted by their arguments */
	assert_int_equal(s.nfunctions, 3);
	assert_string_equal(s.functions[0].obj.name, "touch");
	assert_string_equal(s.functions[0].language, "plpgsql");
	assert_string_equal(s.functions[0].result, "trigger");
	assert_string_equal(s.functions[1].args, "a integer, b integer");
	assert_string_equal(s.functions[1].volatility, "immutable");
	assert_true(s.functions[1].strict);
	assert_string_equal(s.functions[1].body, "SELECT a + b");
	assert_string_equal(s.functions[2].args, "a numeric, b numeric");
	assert_false(s.functions[2].strict);
	assert_contains(s.functions[1].definition,
			"CREATE OR REPLACE FUNCTION public.add(a integer, b integer)");

	assert_int_equal(s.ntriggers, 1);
	assert_string_equal(s.triggers[0].obj.name, "orders_touch");
	assert_string_equal(s.triggers[0].table, "orders");
	assert_string_equal(s.triggers[0].definition,
			    "CREATE TRIGGER orders_touch BEFORE INSERT ON public.orders FOR EACH ROW"
			    " EXECUTE FUNCTION app.touch()");

	sql = to_sql(&s);
	json = to_json(&s);
	assert_not_contains(sql, "runway_");
	assert_not_contains(json, "runway_");
	assert_not_contains(sql, DB_A); /* nothing names the database */
	assert_not_contains(json, DB_A);
	assert_contains(sql, "    CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id)"
			     " REFERENCES public.customers(id) NOT VALID\n");
	assert_contains(sql, "CREATE UNLOGGED TABLE public.scratch (\n    x integer\n)\n"
			     "WITH (fillfactor=70);\n");
	free(sql);
	free(json);
	schema_release(&s);
	db_close(&d);
}

static void test_schema_pg__order_independent(void **state)
{
	struct db a, b;
	struct schema sa, sb;
	char *qa, *qb, *ja, *jb;

	(void)state;
	NEED_PG();
	build(&a, DB_A, shop);
	build(&b, DB_B, shop_reordered);
	read_schema(&sa, &a);
	read_schema(&sb, &b);
	assert_diff(&sa, &sb, 0, "");
	qa = to_sql(&sa);
	qb = to_sql(&sb);
	ja = to_json(&sa);
	jb = to_json(&sb);
	assert_string_equal(qa, qb);
	assert_string_equal(ja, jb);
	free(qa);
	free(qb);
	free(ja);
	free(jb);
	schema_release(&sa);
	schema_release(&sb);
	db_close(&a);
	db_close(&b);
}

static void test_schema_pg__dropped_index_is_the_difference(void **state)
{
	struct db a, b;
	struct schema sa, sb;

	(void)state;
	NEED_PG();
	build(&a, DB_A, shop);
	build(&b, DB_B, shop);
	run(&b, "DROP INDEX orders_customer_idx");
	read_schema(&sa, &a);
	read_schema(&sb, &b);
	assert_diff(&sa, &sb, 1, "- index public.orders_customer_idx on public.orders (customer_id)\n");
	schema_release(&sb);

	/* each kind of change says what it is, and only that */
	run(&b, "CREATE INDEX orders_customer_idx ON orders (customer_id);"
		"ALTER TABLE orders ALTER COLUMN created_at TYPE timestamp;"
		"ALTER TABLE customers ADD COLUMN nickname text;"
		"ALTER TABLE orders VALIDATE CONSTRAINT orders_customer_fk;"
		"ALTER TYPE app.mood ADD VALUE 'ecstatic';"
		"ALTER SEQUENCE app.ticket_no INCREMENT 10;"
		"CREATE OR REPLACE FUNCTION add(a int, b int) RETURNS int LANGUAGE sql"
		" IMMUTABLE STRICT AS 'SELECT a + b + 0';"
		"ALTER TABLE orders DISABLE TRIGGER orders_touch;"
		"DROP INDEX events_at_idx;");
	read_schema(&sb, &b);
	assert_diff(&sa, &sb, 9,
		    "~ enum app.mood: labels ('sad', 'ok', 'happy') -> ('sad', 'ok', 'happy', 'ecstatic')\n"
		    "~ sequence app.ticket_no: increment 5 -> 10\n"
		    "+ column public.customers.nickname text\n"
		    "~ column public.orders.created_at: type timestamp with time zone"
		    " -> timestamp without time zone\n"
		    "~ constraint orders_customer_fk on public.orders: not valid -> valid\n"
		    "~ function public.add(a integer, b integer): body SELECT a + b -> SELECT a + b + 0\n"
		    /* the partition's index goes with its parent's */
		    "- index public.events_2024_at_idx on public.events_2024 (at)\n"
		    "- index public.events_at_idx on public.events (at)\n"
		    "~ trigger orders_touch on public.orders: state enabled -> disabled\n");
	schema_release(&sa);
	schema_release(&sb);
	db_close(&a);
	db_close(&b);
}

static void test_schema_pg__caller_settings_do_not_matter(void **state)
{
	struct db a;
	struct schema s1, s2;
	char *q1, *q2;

	(void)state;
	NEED_PG();
	build(&a, DB_A, shop);
	read_schema(&s1, &a);
	run(&a, "SET search_path = app, public; SET TimeZone = 'Pacific/Auckland';"
		" SET DateStyle = 'SQL, DMY'");
	read_schema(&s2, &a);
	q1 = to_sql(&s1);
	q2 = to_sql(&s2);
	assert_string_equal(q1, q2);
	/* the reader's transaction is gone and search_path is the caller's again */
	assert_scalar(a.c, "SELECT current_setting('search_path')", "app, public");
	assert_scalar(a.c, "SELECT count(*) FROM pg_stat_activity WHERE pid = pg_backend_pid()"
		      " AND state = 'idle in transaction'", "0");
	free(q1);
	free(q2);
	schema_release(&s1);
	schema_release(&s2);
	db_close(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_schema_pg__every_kind),
		cmocka_unit_test(test_schema_pg__order_independent),
		cmocka_unit_test(test_schema_pg__dropped_index_is_the_difference),
		cmocka_unit_test(test_schema_pg__caller_settings_do_not_matter),
	};

	return cmocka_run_group_tests_name("schema_pg", tests, group_setup, group_teardown);
}
