/*
 * test_schema.c - the schema model (schema/schema.h) on real SQLite
 * databases: what it reads of every kind of object, that equal databases
 * give identical output whatever order they were built in, what
 * schema_diff reports, and what it leaves out (runway_*, sqlite_*).
 */
#include "util/common.h"
#include "driver/driver.h"
#include "schema/schema.h"

#include <setjmp.h>
#include <cmocka.h>
#include <unistd.h>

#include "unit.h"

struct db {
	struct runway_url url;
	struct runway_conn *c;
};

static void db_open(struct db *d, const char *url)
{
	struct runway_error err = RUNWAY_ERROR_INIT;
	memset(d, 0, sizeof(*d));
	must(url_parse(&d->url, url, &err), &err);
	must(driver_connect(&d->c, &d->url, &err), &err);
}

static void db_close(struct db *d)
{
	driver_close(d->c);
	url_release(&d->url);
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
	assert_string_equal(s->engine, "sqlite");
}

/* A fresh in-memory database built by sql, and its schema. */
static void build(struct schema *s, const char *sql)
{
	struct db d;
	db_open(&d, "sqlite::memory:");
	run(&d, sql);
	read_schema(s, &d);
	db_close(&d);
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

static const struct schema_table *table(const struct schema *s, const char *name)
{
	const struct schema_table *t = schema_find_table(s, NULL, name);
	if (!t)
		fail_msg("no table '%s' in the model", name);
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
						  enum schema_constraint_type type, size_t nth)
{
	size_t i;
	for (i = 0; i < t->nconstraints; i++)
		if (t->constraints[i].type == type && !nth--)
			return &t->constraints[i];
	fail_msg("table '%s' lacks a %s constraint", t->obj.name,
		 schema_constraint_type_name(type));
	return NULL;
}

/* schema_diff(a, b) must find exactly `want` (lines joined by "\n", each ending in one). */
static void assert_diff(const struct schema *a, const struct schema *b, size_t n,
			const char *want)
{
	struct runway_buf out = RUNWAY_BUF_INIT;
	size_t got = schema_diff(a, b, &out);
	if (got != n || strcmp(out.buf, want))
		fail_msg("diff found %zu difference(s), want %zu:\n%s--- want:\n%s", got, n, out.buf,
			 want);
	assert_int_equal(schema_diff(a, b, NULL), n);
	runway_buf_release(&out);
}

static const char shop_ddl[] =
	"CREATE TABLE customers (\n"
	"  id integer PRIMARY KEY AUTOINCREMENT,\n"
	"  email TEXT NOT NULL COLLATE nocase CONSTRAINT customers_email_uq UNIQUE,\n"
	"  name varchar( 100 ) DEFAULT 'anon',\n"
	"  CONSTRAINT email_has_at CHECK (email LIKE '%@%')\n"
	");\n"
	"CREATE TABLE orders (\n"
	"  id integer PRIMARY KEY,\n"
	"  customer_id integer NOT NULL REFERENCES customers (id) ON DELETE CASCADE,\n"
	"  qty int NOT NULL DEFAULT -1 CHECK (qty <> 0),\n"
	"  price real,\n"
	"  total real GENERATED ALWAYS AS (qty * price) STORED,\n"
	"  half real AS (price / 2),\n"
	"  note text,\n"
	"  CONSTRAINT orders_pair UNIQUE (customer_id, note),\n"
	"  CONSTRAINT orders_parent FOREIGN KEY (customer_id, note)"
	" REFERENCES pairs (a, b) DEFERRABLE INITIALLY DEFERRED\n"
	");\n"
	"CREATE TABLE pairs (a integer, b text, PRIMARY KEY (a, b)) WITHOUT ROWID;\n"
	"CREATE TABLE kv (k text PRIMARY KEY, v any) STRICT;\n"
	"CREATE INDEX orders_customer_idx ON orders (customer_id);\n"
	"CREATE UNIQUE INDEX orders_note_idx ON orders (lower(note) DESC, qty) WHERE note IS NOT NULL;\n"
	"CREATE VIEW big_orders AS SELECT id, total FROM orders WHERE total > 100;\n"
	"CREATE TRIGGER orders_note AFTER INSERT ON orders BEGIN\n"
	"  UPDATE orders SET note = 'new' WHERE id = NEW.id AND note IS NULL;\n"
	"END;\n";

static void test_schema__sqlite_every_kind(void **state)
{
	struct schema s;
	const struct schema_table *t;
	const struct schema_column *c;
	const struct schema_constraint *k;
	char *sql;

	(void)state;
	build(&s, shop_ddl);
	assert_int_equal(s.ntables, 4);
	assert_int_equal(s.nviews, 1);
	assert_int_equal(s.nindexes, 2);
	assert_int_equal(s.ntriggers, 1);
	assert_int_equal(s.nsequences + s.nfunctions + s.nenums + s.nnamespaces, 0);
	/* sorted by name */
	assert_string_equal(s.tables[0].obj.name, "customers");
	assert_string_equal(s.tables[1].obj.name, "kv");
	assert_string_equal(s.tables[2].obj.name, "orders");
	assert_string_equal(s.tables[3].obj.name, "pairs");
	assert_null(s.tables[0].obj.schema);

	t = table(&s, "customers");
	c = column(t, "email");
	assert_string_equal(c->type, "text");
	assert_true(c->not_null);
	assert_string_equal(c->collation, "NOCASE");
	c = column(t, "name");
	assert_string_equal(c->type, "varchar(100)");
	assert_false(c->not_null);
	assert_string_equal(c->default_expr, "'anon'");
	k = constraint(t, SCHEMA_PRIMARY_KEY, 0);
	assert_null(k->name);
	assert_string_equal(k->definition, "PRIMARY KEY (id AUTOINCREMENT)");
	k = constraint(t, SCHEMA_UNIQUE, 0);
	assert_string_equal(k->name, "customers_email_uq");
	assert_string_equal(k->definition, "UNIQUE (email)");
	k = constraint(t, SCHEMA_CHECK, 0);
	assert_string_equal(k->name, "email_has_at");
	assert_string_equal(k->definition, "CHECK (email LIKE '%@%')");

	t = table(&s, "orders");
	assert_int_equal(t->ncolumns, 7);
	assert_string_equal(t->columns[4].name, "total"); /* table order, not by name */
	c = column(t, "qty");
	assert_string_equal(c->default_expr, "-1");
	c = column(t, "total");
	assert_string_equal(c->generated, "qty * price");
	assert_true(c->generated_stored);
	c = column(t, "half");
	assert_string_equal(c->generated, "price / 2");
	assert_false(c->generated_stored);
	k = constraint(t, SCHEMA_CHECK, 0);
	assert_null(k->name);
	assert_string_equal(k->definition, "CHECK (qty <> 0)");
	k = constraint(t, SCHEMA_UNIQUE, 0);
	assert_string_equal(k->name, "orders_pair");
	assert_int_equal(k->columns.n, 2);
	/* foreign keys: unnamed one first (NULL sorts first), then orders_parent */
	k = constraint(t, SCHEMA_FOREIGN_KEY, 0);
	assert_null(k->name);
	assert_string_equal(k->definition,
			    "FOREIGN KEY (customer_id) REFERENCES customers (id) ON DELETE CASCADE");
	assert_string_equal(k->ref_table, "customers");
	assert_string_equal(k->ref_columns.v[0], "id");
	k = constraint(t, SCHEMA_FOREIGN_KEY, 1);
	assert_string_equal(k->name, "orders_parent");
	assert_string_equal(k->definition, "FOREIGN KEY (customer_id, note) REFERENCES pairs (a, b)"
			    " DEFERRABLE INITIALLY DEFERRED");

	t = table(&s, "pairs");
	assert_int_equal(t->options.n, 1);
	assert_string_equal(t->options.v[0], "without rowid");
	assert_string_equal(constraint(t, SCHEMA_PRIMARY_KEY, 0)->definition, "PRIMARY KEY (a, b)");
	t = table(&s, "kv");
	assert_string_equal(t->options.v[0], "strict");
	assert_string_equal(column(t, "v")->type, "any");

	/* indexes: only the two created ones (autoindexes stand for constraints) */
	assert_string_equal(s.indexes[0].obj.name, "orders_customer_idx");
	assert_string_equal(s.indexes[0].table, "orders");
	assert_false(s.indexes[0].unique);
	assert_null(s.indexes[0].method);
	assert_string_equal(s.indexes[0].keys.v[0], "customer_id");
	assert_string_equal(s.indexes[1].obj.name, "orders_note_idx");
	assert_true(s.indexes[1].unique);
	assert_int_equal(s.indexes[1].keys.n, 2);
	assert_string_equal(s.indexes[1].keys.v[0], "lower(note) DESC");
	assert_string_equal(s.indexes[1].keys.v[1], "qty");
	assert_string_equal(s.indexes[1].predicate, "note IS NOT NULL");
	assert_string_equal(s.indexes[1].definition,
			    "CREATE UNIQUE INDEX orders_note_idx ON orders (lower(note) DESC, qty)"
			    " WHERE note IS NOT NULL");

	/* views and triggers keep the statement as stored */
	assert_string_equal(s.views[0].definition,
			    "CREATE VIEW big_orders AS SELECT id, total FROM orders WHERE total > 100");
	assert_string_equal(s.triggers[0].obj.name, "orders_note");
	assert_string_equal(s.triggers[0].table, "orders");
	assert_contains(s.triggers[0].definition, "UPDATE orders SET note = 'new'");

	sql = to_sql(&s);
	assert_contains(sql, "CREATE TABLE customers (\n    id integer,\n"
			     "    email text COLLATE NOCASE NOT NULL,\n");
	assert_contains(sql, "    CONSTRAINT email_has_at CHECK (email LIKE '%@%')\n);\n");
	assert_contains(sql, "    total real GENERATED ALWAYS AS (qty * price) STORED,\n");
	assert_contains(sql, ") WITHOUT ROWID;\n");
	assert_contains(sql, ") STRICT;\n");
	assert_contains(sql, "\nCREATE INDEX orders_customer_idx ON orders (customer_id);\n");
	free(sql);
	schema_release(&s);
	schema_release(&s); /* twice is harmless */
}

/* The same statements, in another order and laid out differently. */
static const char shop_ddl_reordered[] =
	"CREATE TABLE kv (k text PRIMARY KEY, v any) STRICT;\n"
	"CREATE TABLE pairs (a integer, b text, PRIMARY KEY (a, b)) WITHOUT ROWID;\n"
	"CREATE TABLE orders (\n"
	"  id integer PRIMARY KEY,\n"
	"  customer_id integer NOT NULL REFERENCES customers (id) ON DELETE CASCADE,\n"
	"  qty int NOT NULL DEFAULT -1 CHECK (qty <> 0),\n"
	"  price real,\n"
	"  total real GENERATED ALWAYS AS (qty * price) STORED,\n"
	"  half real AS (price / 2),\n"
	"  note text,\n"
	"  CONSTRAINT orders_pair UNIQUE (customer_id, note),\n"
	"  CONSTRAINT orders_parent FOREIGN KEY (customer_id, note)"
	" REFERENCES pairs (a, b) DEFERRABLE INITIALLY DEFERRED\n"
	");\n"
	"CREATE TRIGGER orders_note AFTER INSERT ON orders BEGIN\n"
	"  UPDATE orders SET note = 'new' WHERE id = NEW.id AND note IS NULL;\n"
	"END;\n"
	"CREATE UNIQUE INDEX IF NOT EXISTS orders_note_idx ON orders (\n"
	"  lower( note )  DESC,\n  qty\n) WHERE note IS NOT NULL;\n"
	"CREATE VIEW big_orders AS SELECT id, total FROM orders WHERE total > 100;\n"
	"CREATE TABLE customers (\n"
	"  id integer PRIMARY KEY AUTOINCREMENT,\n"
	"  email TEXT NOT NULL COLLATE nocase CONSTRAINT customers_email_uq UNIQUE,\n"
	"  name varchar(100) DEFAULT 'anon',\n"
	"  CONSTRAINT email_has_at CHECK (email LIKE '%@%')\n"
	");\n"
	"CREATE INDEX orders_customer_idx ON orders(customer_id);\n";

static void test_schema__sqlite_deterministic(void **state)
{
	struct schema a, b;
	char *sa, *sb, *ja, *jb;

	(void)state;
	build(&a, shop_ddl);
	build(&b, shop_ddl_reordered);
	sa = to_sql(&a);
	sb = to_sql(&b);
	ja = to_json(&a);
	jb = to_json(&b);
	assert_string_equal(sa, sb);
	assert_string_equal(ja, jb);
	assert_diff(&a, &b, 0, "");
	/* and reading the same database twice gives the same too */
	free(sb);
	schema_release(&b);
	build(&b, shop_ddl);
	sb = to_sql(&b);
	assert_string_equal(sa, sb);
	free(sa);
	free(sb);
	free(ja);
	free(jb);
	schema_release(&a);
	schema_release(&b);
}

static void test_schema__diff_missing_column(void **state)
{
	struct schema a, b;

	(void)state;
	build(&a, "CREATE TABLE users (id integer PRIMARY KEY, email text, nickname text NOT NULL"
		  " DEFAULT '');");
	build(&b, "CREATE TABLE users (id integer PRIMARY KEY, email text);");
	assert_diff(&a, &b, 1, "- column users.nickname text DEFAULT '' NOT NULL\n");
	assert_diff(&b, &a, 1, "+ column users.nickname text DEFAULT '' NOT NULL\n");
	schema_release(&a);
	schema_release(&b);
}

static void test_schema__diff_missing_index(void **state)
{
	struct schema a, b;
	const char *ddl = "CREATE TABLE orders (id integer PRIMARY KEY, customer_id integer);";

	(void)state;
	build(&a, "CREATE TABLE orders (id integer PRIMARY KEY, customer_id integer);"
		  "CREATE INDEX orders_customer_idx ON orders (customer_id);");
	build(&b, ddl);
	assert_diff(&a, &b, 1, "- index orders_customer_idx on orders (customer_id)\n");
	schema_release(&b);
	/* the same name on other keys, or partial, or unique, is a change */
	build(&b, "CREATE TABLE orders (id integer PRIMARY KEY, customer_id integer);"
		  "CREATE UNIQUE INDEX orders_customer_idx ON orders (customer_id, id)"
		  " WHERE id > 0;");
	assert_diff(&a, &b, 3,
		    "~ index orders_customer_idx: not unique -> unique\n"
		    "~ index orders_customer_idx: keys (customer_id) -> (customer_id, id)\n"
		    "~ index orders_customer_idx: predicate none -> id > 0\n");
	schema_release(&a);
	schema_release(&b);
}

static void test_schema__diff_changed_type(void **state)
{
	struct schema a, b;

	(void)state;
	build(&a, "CREATE TABLE users (id integer PRIMARY KEY, email varchar(100) NOT NULL);");
	build(&b, "CREATE TABLE users (id integer PRIMARY KEY, email text);");
	assert_diff(&a, &b, 2,
		    "~ column users.email: type varchar(100) -> text\n"
		    "~ column users.email: not null -> nullable\n");
	schema_release(&a);
	schema_release(&b);
}

static void test_schema__diff_extra_table(void **state)
{
	struct schema a, b;

	(void)state;
	build(&a, "CREATE TABLE users (id integer PRIMARY KEY);");
	build(&b, "CREATE TABLE users (id integer PRIMARY KEY);"
		  "CREATE TABLE audit (id integer, what text);"
		  "CREATE INDEX audit_what ON audit (what);");
	/* the table counts once; its index is an object of its own */
	assert_diff(&a, &b, 2, "+ table audit\n+ index audit_what on audit (what)\n");
	schema_release(&a);
	schema_release(&b);
}

static void test_schema__diff_equal_is_zero(void **state)
{
	struct schema a, b, empty = SCHEMA_INIT;

	(void)state;
	build(&a, shop_ddl);
	build(&b, shop_ddl);
	assert_diff(&a, &b, 0, "");
	assert_diff(&a, &a, 0, "");
	assert_diff(&empty, &empty, 0, "");
	/* everything is new against nothing: 4 tables, 1 view, 2 indexes, 1 trigger */
	assert_int_equal(schema_diff(&empty, &a, NULL), 8);
	schema_release(&a);
	schema_release(&b);
}

static void test_schema__diff_constraints_views_order(void **state)
{
	struct schema a, b;

	(void)state;
	build(&a, "CREATE TABLE t (a int, b int, c int CHECK (c > 0),"
		  " CONSTRAINT t_pos CHECK (a > 0));"
		  "CREATE VIEW v AS\nSELECT a\nFROM t;");
	build(&b, "CREATE TABLE t (a int, c int CHECK (c > 1), b int,"
		  " CONSTRAINT t_pos CHECK (a >= 0));"
		  "CREATE VIEW v AS\nSELECT a\nFROM t WHERE a > 1;");
	assert_diff(&a, &b, 5,
		    "~ table t: column order (a, b, c) -> (a, c, b)\n"
		    "- constraint on t: CHECK (c > 0)\n"
		    "~ constraint t_pos on t: definition CHECK (a > 0) -> CHECK (a >= 0)\n"
		    "+ constraint on t: CHECK (c > 1)\n"
		    "~ view v: definition line 3: \"FROM t\" -> \"FROM t WHERE a > 1\"\n");
	schema_release(&a);
	schema_release(&b);
}

static void test_schema__runway_tables_left_out(void **state)
{
	struct db d;
	struct schema s;
	char *sql, *json;

	(void)state;
	db_open(&d, "sqlite::memory:");
	run(&d, driver_history_ddl(d.c));
	run(&d, "CREATE TABLE runway_meta_extra (x int);"
		"CREATE TABLE Runway_Upper (x int);"
		"CREATE INDEX runway_events_at ON runway_events (at);"
		"CREATE INDEX on_runway ON runway_history (state);"
		"CREATE TRIGGER runway_trg AFTER INSERT ON runway_events BEGIN SELECT 1; END;"
		"CREATE TRIGGER user_trg_on_runway AFTER INSERT ON runway_history BEGIN SELECT 1; END;"
		"CREATE TABLE kept (id integer PRIMARY KEY AUTOINCREMENT);"
		"INSERT INTO kept DEFAULT VALUES;"
		"ANALYZE;");
	read_schema(&s, &d);
	/* sqlite_sequence and sqlite_stat1 exist now, and are SQLite's */
	assert_scalar(d.c, "SELECT count(*) FROM sqlite_schema"
		      " WHERE name IN ('sqlite_sequence', 'sqlite_stat1')", "2");
	assert_int_equal(s.ntables, 1);
	assert_string_equal(s.tables[0].obj.name, "kept");
	assert_int_equal(s.nindexes + s.ntriggers + s.nviews, 0);
	sql = to_sql(&s);
	json = to_json(&s);
	assert_not_contains(sql, "runway_");
	assert_not_contains(json, "runway_");
	assert_not_contains(json, "sqlite_");
	free(sql);
	free(json);
	schema_release(&s);
	db_close(&d);
}

static void test_schema__sqlite_missing_file_not_created(void **state)
{
	struct schema s;
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct runway_url u = RUNWAY_URL_INIT;
	struct runway_conn *c = NULL;
	char *dir = make_tmpdir(), *url = xasprintf("sqlite:%s/none.db", dir);
	char *path = xasprintf("%s/none.db", dir), *sql;

	(void)state;
	must(url_parse(&u, url, &err), &err);
	u.no_create = true;
	must(driver_connect(&c, &u, &err), &err);
	must(schema_read(&s, c, &err), &err);
	assert_int_equal(s.ntables + s.nviews + s.nindexes + s.ntriggers, 0);
	sql = to_sql(&s);
	assert_string_equal(sql, "-- no objects\n");
	assert_int_equal(access(path, F_OK), -1);
	free(sql);
	schema_release(&s);
	driver_close(c);
	url_release(&u);
	rm_rf(dir);
	free(dir);
	free(url);
	free(path);
}

static void test_schema__read_leaves_no_transaction(void **state)
{
	struct db d;
	struct schema s;
	struct runway_error err = RUNWAY_ERROR_INIT;

	(void)state;
	db_open(&d, "sqlite::memory:");
	run(&d, "CREATE TABLE t (a int);");
	read_schema(&s, &d);
	schema_release(&s);
	/* a transaction can start: schema_read closed its own */
	must(driver_begin(d.c, &err), &err);
	run(&d, "INSERT INTO t VALUES (1);");
	must(driver_commit(d.c, &err), &err);
	/* inside a transaction it fails cleanly, and the caller's transaction goes on */
	must(driver_begin(d.c, &err), &err);
	assert_int_equal(schema_read(&s, d.c, &err), -1);
	assert_contains(err.msg, "cannot read the schema of 'sqlite::memory:'");
	assert_int_equal(s.ntables, 0);
	runway_error_clear(&err);
	db_close(&d);
}

static void test_schema__dot(void **state)
{
	struct schema s;
	struct runway_buf b = RUNWAY_BUF_INIT;

	(void)state;
	build(&s, shop_ddl);
	schema_to_dot(&s, &b);
	assert_true(!strncmp(b.buf, "digraph schema {\n", 17));
	assert_contains(b.buf, "\t\"customers\" [label=<<table");
	assert_contains(b.buf, "<tr><td port=\"c1\" align=\"left\"><u>id</u> integer</td></tr>");
	/* orders.customer_id (2nd column) -> customers.id (1st) */
	assert_contains(b.buf, "\t\"orders\":c2 -> \"customers\":c1;\n");
	assert_contains(b.buf, "\t\"orders\":c2 -> \"pairs\":c1 [label=\"orders_parent\"];\n");
	assert_not_contains(b.buf, "big_orders"); /* tables only */
	assert_string_equal(b.buf + b.len - 2, "}\n");
	runway_buf_release(&b);
	schema_release(&s);
}

static void test_schema__json_shape(void **state)
{
	struct schema s;
	json_t *j = NULL, *t, *c;

	(void)state;
	build(&s, shop_ddl);
	schema_to_json(&s, &j);
	assert_string_equal(json_string_value(json_object_get(j, "engine")), "sqlite");
	assert_int_equal(json_array_size(json_object_get(j, "tables")), 4);
	assert_int_equal(json_array_size(json_object_get(j, "sequences")), 0);
	t = json_array_get(json_object_get(j, "tables"), 2);
	assert_string_equal(json_string_value(json_object_get(t, "name")), "orders");
	assert_null(json_object_get(t, "schema"));
	c = json_array_get(json_object_get(t, "columns"), 4);
	assert_string_equal(json_string_value(json_object_get(c, "name")), "total");
	assert_string_equal(json_string_value(json_object_get(json_object_get(c, "generated"),
							       "expression")), "qty * price");
	json_decref(j);
	schema_release(&s);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_schema__sqlite_every_kind),
	cmocka_unit_test(test_schema__sqlite_deterministic),
	cmocka_unit_test(test_schema__diff_missing_column),
	cmocka_unit_test(test_schema__diff_missing_index),
	cmocka_unit_test(test_schema__diff_changed_type),
	cmocka_unit_test(test_schema__diff_extra_table),
	cmocka_unit_test(test_schema__diff_equal_is_zero),
	cmocka_unit_test(test_schema__diff_constraints_views_order),
	cmocka_unit_test(test_schema__runway_tables_left_out),
	cmocka_unit_test(test_schema__sqlite_missing_file_not_created),
	cmocka_unit_test(test_schema__read_leaves_no_transaction),
	cmocka_unit_test(test_schema__dot),
	cmocka_unit_test(test_schema__json_shape),
};

UNIT_MAIN("schema", tests)
