/*
 * test_clone.c - the clone engine (clone/clone.h) on SQLite: the online
 * backup into a temporary file renamed at the end, a target that exists,
 * failures and interruption that leave nothing behind, masking before the
 * copy becomes visible, --tables, a consistent copy of a source that
 * another process writes to, and the command strategy.
 */
#include "util/common.h"
#include "clone/clone.h"
#include "driver/driver.h"
#include "mask/mask.h"

#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>

#include <setjmp.h>
#include <cmocka.h>

#include "unit.h"

struct fx {
	char *dir, *src, *dst;       /* paths */
	struct runway_url su, du;    /* sqlite:src, sqlite:dst */
};

static void url_of(struct runway_url *u, const char *path)
{
	struct runway_error err = RUNWAY_ERROR_INIT;
	char *s = xasprintf("sqlite:%s", path);
	must(url_parse(u, s, &err), &err);
	free(s);
}

static struct runway_conn *open_db(const char *path)
{
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct runway_url u = RUNWAY_URL_INIT;
	struct runway_conn *c = NULL;

	url_of(&u, path);
	must(driver_connect(&c, &u, &err), &err);
	url_release(&u);
	return c;
}

static void run(const char *path, const char *sql)
{
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct runway_conn *c = open_db(path);
	must(driver_exec_script(c, sql, strlen(sql), NULL, &err), &err);
	driver_close(c);
}

static char *q1(const char *path, const char *sql)
{
	struct runway_conn *c = open_db(path);
	char *v = scalar(c, sql);
	driver_close(c);
	return v;
}

static const char shop[] =
	"CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, name TEXT);\n"
	"CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL"
	" REFERENCES customers (id), total REAL, note TEXT, photo BLOB);\n"
	"CREATE INDEX orders_customer ON orders (customer_id);\n"
	"CREATE TABLE logs (at TEXT, line TEXT);\n"
	"CREATE TABLE runway_history (change_id TEXT PRIMARY KEY);\n"
	"INSERT INTO runway_history VALUES ('001-init');\n"
	"CREATE VIEW big_orders AS SELECT * FROM orders WHERE total > 100;\n"
	"CREATE VIEW recent_logs AS SELECT * FROM logs ORDER BY at DESC LIMIT 10;\n"
	"CREATE TRIGGER orders_note AFTER INSERT ON orders BEGIN"
	" UPDATE orders SET note = coalesce(note, '') WHERE id = NEW.id; END;\n"
	"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500)"
	" INSERT INTO customers SELECT i, 'user' || i || '@shop.test', 'Name ' || i FROM n;\n"
	"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)"
	" INSERT INTO orders SELECT i, 1 + i % 500, i * 1.5, 'note\ttab ' || i, randomblob(16) FROM n;\n"
	"INSERT INTO logs VALUES ('2024-01-01', 'hello');\n";

/* A canonical dump of a database's contents and schema, to compare two. */
static const char dump_sql[] =
	"SELECT (SELECT group_concat(type || ':' || name || ':' || coalesce(sql, ''), '|')"
	" FROM (SELECT * FROM sqlite_master ORDER BY type, name))"
	" || (SELECT group_concat(id || email || name, ',') FROM (SELECT * FROM customers ORDER BY id))"
	" || (SELECT group_concat(id || customer_id || total || note || hex(photo), ',')"
	"     FROM (SELECT * FROM orders ORDER BY id))";

static int setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof(*f));

	f->dir = make_tmpdir();
	f->src = xasprintf("%s/src.db", f->dir);
	f->dst = xasprintf("%s/sub/dst.db", f->dir);
	{
		char *sub = xasprintf("%s/sub", f->dir);
		mkdir(sub, 0700);
		free(sub);
	}
	run(f->src, shop);
	url_of(&f->su, f->src);
	url_of(&f->du, f->dst);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	rm_rf(f->dir);
	url_release(&f->su);
	url_release(&f->du);
	free(f->dir);
	free(f->src);
	free(f->dst);
	free(f);
	return 0;
}

/* No "*.runway-tmp-*" left in dst's directory. */
static void assert_no_temp(const struct fx *f)
{
	char *sub = xasprintf("%s/sub", f->dir);
	DIR *d = opendir(sub);
	struct dirent *de;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		if (strstr(de->d_name, "runway-tmp"))
			fail_msg("temporary file left behind: %s", de->d_name);
	closedir(d);
	free(sub);
}

static struct mask_key *make_key(const char *secret)
{
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct mask_key *k = NULL;
	must(mask_key_init(&k, secret, strlen(secret), &err), &err);
	return k;
}

static void test_clone__strategy_names(void **state)
{
	int s;
	(void)state;
	for (s = CLONE_AUTO; s <= CLONE_COMMAND; s++)
		assert_int_equal(clone_strategy_parse(clone_strategy_name((enum clone_strategy)s)), s);
	assert_int_equal(clone_strategy_parse("rsync"), -1);
	assert_string_equal(clone_strategy_name(CLONE_TEMPLATE), "template");
}

static void test_clone__sqlite_copy_equal(void **state)
{
	struct fx *f = *state;
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct clone_opts o = CLONE_OPTS_INIT;
	struct clone_result res;
	char *a, *b;

	must(clone_run(&f->su, &f->du, &o, &res, &err), &err);
	assert_int_equal(res.used, CLONE_STREAM);
	assert_int_equal(res.tables, 3); /* runway_history is not counted */
	assert_int_equal(res.rows, 500 + 2000 + 1);
	assert_true(res.bytes > 0);
	a = q1(f->src, dump_sql);
	b = q1(f->dst, dump_sql);
	assert_non_null(a);
	assert_string_equal(a, b);
	free(a);
	free(b);
	assert_no_temp(f);
	/* the copy is a working database: the trigger fires, the FK is there */
	run(f->dst, "INSERT INTO orders (id, customer_id) VALUES (99999, 1)");
	a = q1(f->dst, "SELECT note FROM orders WHERE id = 99999");
	assert_string_equal(a, "");
	free(a);
}

static void test_clone__sqlite_dst_exists(void **state)
{
	struct fx *f = *state;
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct clone_opts o = CLONE_OPTS_INIT;
	struct clone_result res;
	char *v;

	run(f->dst, "CREATE TABLE mine (x); INSERT INTO mine VALUES (42)");
	assert_int_equal(clone_run(&f->su, &f->du, &o, &res, &err), -1);
	assert_int_equal(err.klass, RUNWAY_E_USAGE);
	assert_contains(err.msg, "clone: database '");
	assert_contains(err.msg, "' already exists");
	runway_error_clear(&err);
	/* untouched */
	v = q1(f->dst, "SELECT group_concat(name) FROM sqlite_master");
	assert_string_equal(v, "mine");
	free(v);
	v = q1(f->dst, "SELECT x FROM mine");
	assert_string_equal(v, "42");
	free(v);
	assert_no_temp(f);
}

static void test_clone__sqlite_engines_and_strategies(void **state)
{
	struct fx *f = *state;
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct runway_url pg = RUNWAY_URL_INIT;
	struct clone_opts o = CLONE_OPTS_INIT;
	struct clone_result res;

	must(url_parse(&pg, "postgres://u:secret@127.0.0.1:1/x", &err), &err);
	assert_int_equal(clone_run(&f->su, &pg, &o, &res, &err), -1);
	assert_int_equal(err.klass, RUNWAY_E_USAGE);
	assert_contains(err.msg, "different engines");
	assert_not_contains(err.msg, "secret");
	runway_error_clear(&err);
	url_release(&pg);

	o.strategy = CLONE_TEMPLATE;
	assert_int_equal(clone_run(&f->su, &f->du, &o, &res, &err), -1);
	assert_int_equal(err.klass, RUNWAY_E_USAGE);
	assert_contains(err.msg, "template");
	runway_error_clear(&err);
	assert_false(fs_exists(f->dst));

	o.strategy = CLONE_COMMAND;
	assert_int_equal(clone_run(&f->su, &f->du, &o, &res, &err), -1);
	assert_int_equal(err.klass, RUNWAY_E_USAGE);
	runway_error_clear(&err);
	assert_false(fs_exists(f->dst));
}

/*
 * Bad rules fail before anything is made; a failure after the copy (noise
 * on text that is no number, found while masking the temporary file)
 * leaves neither dst nor the temporary file.
 */
static void test_clone__sqlite_failure_leaves_nothing(void **state)
{
	struct fx *f = *state;
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct clone_opts o = CLONE_OPTS_INIT;
	struct clone_result res;
	struct mask_rule r = { NULL, (char *)"customers", (char *)"no_such_column", MASK_EMAIL, 0,
			       NULL };
	struct mask_rules rs = { &r, 1 };
	struct mask_key *k = make_key("k1");
	static const enum clone_strategy strategies[] = { CLONE_AUTO, CLONE_STREAM, CLONE_COMMAND };
	size_t i;

	o.rules = &rs;
	o.key = k;
	o.command = "touch \"$RUNWAY_TARGET_PATH\"";
	for (i = 0; i < ARRAY_SIZE(strategies); i++) {
		o.strategy = strategies[i];
		assert_int_equal(clone_run(&f->su, &f->du, &o, &res, &err), -1);
		assert_int_equal(err.klass, RUNWAY_E_CONFIG);
		assert_contains(err.msg, "no_such_column");
		runway_error_clear(&err);
		assert_false(fs_exists(f->dst));
		assert_no_temp(f);
	}

	r.column = (char *)"note";
	r.table = (char *)"orders";
	r.fn = MASK_NOISE;
	r.n = 10;
	o.strategy = CLONE_AUTO;
	assert_int_equal(clone_run(&f->su, &f->du, &o, &res, &err), -1);
	assert_int_equal(err.klass, RUNWAY_E_CHECK);
	assert_contains(err.msg, "note");
	assert_not_contains(err.msg, "tab");
	runway_error_clear(&err);
	assert_false(fs_exists(f->dst));
	assert_no_temp(f);
	mask_key_free(k);
}

static void test_clone__sqlite_masked(void **state)
{
	struct fx *f = *state;
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct clone_opts o = CLONE_OPTS_INIT;
	struct clone_result res;
	struct mask_rule r[2] = {
		{ NULL, (char *)"customers", (char *)"email", MASK_EMAIL, 0, NULL },
		{ NULL, (char *)"orders", (char *)"note", MASK_REDACT, 2, NULL },
	};
	struct mask_rules rs = { r, 2 };
	struct mask_key *k = make_key("k1");
	char *dst2 = xasprintf("%s/sub/dst2.db", f->dir), *v, *w;
	struct runway_url du2 = RUNWAY_URL_INIT;
	struct runway_conn *c;

	o.rules = &rs;
	o.key = k;
	must(clone_run(&f->su, &f->du, &o, &res, &err), &err);
	assert_true(res.masked >= 500);
	/* every email is masked, the names are not */
	{
		char *sql = xasprintf("ATTACH DATABASE '%s' AS s", f->src);
		c = open_db(f->dst);
		must(driver_exec(c, sql, &err), &err);
		assert_scalar(c, "SELECT count(*) FROM customers d JOIN s.customers o USING (id)"
			      " WHERE d.email = o.email", "0");
		assert_scalar(c, "SELECT count(*) FROM customers d JOIN s.customers o USING (id)"
			      " WHERE d.name = o.name", "500");
		assert_scalar(c, "SELECT count(*) FROM orders d JOIN s.orders o USING (id)"
			      " WHERE d.note = o.note", "0");
		assert_scalar(c, "SELECT count(*) FROM orders d JOIN s.orders o USING (id)"
			      " WHERE d.photo = o.photo AND d.total = o.total", "2000");
		assert_scalar(c, "SELECT count(DISTINCT email) FROM customers", "500");
		driver_close(c);
		free(sql);
	}
	/* the same key gives the same copy */
	url_of(&du2, dst2);
	must(clone_run(&f->su, &du2, &o, &res, &err), &err);
	v = q1(f->dst, "SELECT group_concat(email, ',') FROM (SELECT email FROM customers ORDER BY id)");
	w = q1(dst2, "SELECT group_concat(email, ',') FROM (SELECT email FROM customers ORDER BY id)");
	assert_string_equal(v, w);
	free(v);
	free(w);
	assert_no_temp(f);
	url_release(&du2);
	free(dst2);
	mask_key_free(k);
}

static void test_clone__sqlite_tables(void **state)
{
	struct fx *f = *state;
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct clone_opts o = CLONE_OPTS_INIT;
	struct strvec pats = STRVEC_INIT;
	struct clone_result res;
	char *v;

	strvec_push(&pats, "ord*");
	o.tables = &pats;
	must(clone_run(&f->su, &f->du, &o, &res, &err), &err);
	/* orders, customers (referenced), runway_history (always); logs and its view go */
	v = q1(f->dst, "SELECT group_concat(name, ',') FROM (SELECT name FROM sqlite_master"
	       " WHERE type IN ('table', 'view') ORDER BY name)");
	assert_string_equal(v, "big_orders,customers,orders,runway_history");
	free(v);
	assert_int_equal(res.tables, 2); /* runway_history is not counted */
	v = q1(f->dst, "SELECT count(*) FROM orders");
	assert_string_equal(v, "2000");
	free(v);
	strvec_release(&pats);
}

/*
 * A source written by another process all along: the copy is one
 * snapshot, so both tables of every committed pair are there or neither.
 */
static void test_clone__sqlite_consistent_with_writer(void **state)
{
	struct fx *f = *state;
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct clone_opts o = CLONE_OPTS_INIT;
	struct clone_result res;
	pid_t pid;
	int st, round;
	char *a, *b;

	run(f->src, "PRAGMA journal_mode = WAL; CREATE TABLE a (id INTEGER PRIMARY KEY, pad TEXT);"
	    " CREATE TABLE b (id INTEGER PRIMARY KEY, pad TEXT);"
	    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)"
	    " INSERT INTO a SELECT i, hex(randomblob(100)) FROM n; INSERT INTO b SELECT * FROM a");
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct runway_conn *c = open_db(f->src);
		struct runway_error e = RUNWAY_ERROR_INIT;
		int i;
		for (i = 0; i < 100000; i++) {
			char *sql = xasprintf("BEGIN IMMEDIATE; INSERT INTO a VALUES (NULL, hex(randomblob(100)));"
					      " INSERT INTO b VALUES (last_insert_rowid(), 'x'); COMMIT");
			if (driver_exec_script(c, sql, strlen(sql), NULL, &e) < 0) {
				runway_error_clear(&e);
				driver_exec(c, "ROLLBACK", &e);
				runway_error_clear(&e);
			}
			free(sql);
			if (getppid() == 1)
				break;
		}
		_exit(0);
	}
	for (round = 0; round < 3; round++) {
		char *path = xasprintf("%s/sub/w%d.db", f->dir, round);
		struct runway_url u = RUNWAY_URL_INIT;

		usleep(50 * 1000);
		url_of(&u, path);
		must(clone_run(&f->su, &u, &o, &res, &err), &err);
		a = q1(path, "SELECT count(*) || ':' || max(id) FROM a");
		b = q1(path, "SELECT count(*) || ':' || max(id) FROM b");
		assert_string_equal(a, b);
		if (round == 2 && !strncmp(a, "20000:", 6))
			fail_msg("the writer never wrote during the clones: %s", a);
		free(a);
		free(b);
		url_release(&u);
		free(path);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	assert_no_temp(f);
}

static void test_clone__sqlite_command(void **state)
{
	struct fx *f = *state;
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct clone_opts o = CLONE_OPTS_INIT;
	struct clone_result res;
	char *a, *b;

	o.strategy = CLONE_COMMAND;
	/* ${source} and ${target} as runway.yml would write them */
	o.command = "test \"$RUNWAY_SOURCE_PATH\" = \"${source#sqlite:}\" && "
		    "cp \"${source#sqlite:}\" \"$RUNWAY_TARGET_PATH\"";
	must(clone_run(&f->su, &f->du, &o, &res, &err), &err);
	assert_int_equal(res.used, CLONE_COMMAND);
	a = q1(f->src, dump_sql);
	b = q1(f->dst, dump_sql);
	assert_string_equal(a, b);
	free(a);
	free(b);
	/* exists now */
	assert_int_equal(clone_run(&f->su, &f->du, &o, &res, &err), -1);
	assert_int_equal(err.klass, RUNWAY_E_USAGE);
	runway_error_clear(&err);
	unlink(f->dst);

	/* a failing command: error, and what it made is removed */
	o.command = "cp \"$RUNWAY_SOURCE_PATH\" \"$RUNWAY_TARGET_PATH\" && exit 7";
	assert_int_equal(clone_run(&f->su, &f->du, &o, &res, &err), -1);
	assert_int_equal(err.klass, RUNWAY_E_IO);
	assert_contains(err.msg, "exit status 7");
	runway_error_clear(&err);
	assert_false(fs_exists(f->dst));

	/* a command that makes nothing */
	o.command = "true";
	assert_int_equal(clone_run(&f->su, &f->du, &o, &res, &err), -1);
	assert_int_equal(err.klass, RUNWAY_E_IO);
	assert_contains(err.msg, "did not create");
	runway_error_clear(&err);
}

static void *interrupt_later(void *arg)
{
	const char *flag = arg;
	int i;

	/* wait for the command to have made its target, then stop the clone */
	for (i = 0; i < 500 && !fs_exists(flag); i++)
		usleep(10 * 1000);
	usleep(20 * 1000);
	clone_interrupt();
	return NULL;
}

static void test_clone__sqlite_command_interrupted(void **state)
{
	struct fx *f = *state;
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct clone_opts o = CLONE_OPTS_INIT;
	struct clone_result res;
	pthread_t th;
	double t0;
	struct timespec ts;

	o.strategy = CLONE_COMMAND;
	o.command = "cp \"$RUNWAY_SOURCE_PATH\" \"$RUNWAY_TARGET_PATH\"; sleep 30";
	pthread_create(&th, NULL, interrupt_later, f->dst);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	t0 = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	assert_int_equal(clone_run(&f->su, &f->du, &o, &res, &err), -1);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	pthread_join(th, NULL);
	assert_int_equal(err.klass, RUNWAY_E_INTERRUPTED);
	runway_error_clear(&err);
	/* the sleep was killed with its shell, and the half-made target removed */
	assert_true((double)ts.tv_sec + (double)ts.tv_nsec / 1e9 - t0 < 10);
	assert_false(fs_exists(f->dst));
	/* and the next clone is not interrupted by the last one's flag */
	o.strategy = CLONE_AUTO;
	must(clone_run(&f->su, &f->du, &o, &res, &err), &err);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_clone__strategy_names),
	cmocka_unit_test_setup_teardown(test_clone__sqlite_copy_equal, setup, teardown),
	cmocka_unit_test_setup_teardown(test_clone__sqlite_dst_exists, setup, teardown),
	cmocka_unit_test_setup_teardown(test_clone__sqlite_engines_and_strategies, setup, teardown),
	cmocka_unit_test_setup_teardown(test_clone__sqlite_failure_leaves_nothing, setup, teardown),
	cmocka_unit_test_setup_teardown(test_clone__sqlite_masked, setup, teardown),
	cmocka_unit_test_setup_teardown(test_clone__sqlite_tables, setup, teardown),
	cmocka_unit_test_setup_teardown(test_clone__sqlite_consistent_with_writer, setup, teardown),
	cmocka_unit_test_setup_teardown(test_clone__sqlite_command, setup, teardown),
	cmocka_unit_test_setup_teardown(test_clone__sqlite_command_interrupted, setup, teardown),
};

UNIT_MAIN("clone", tests)
