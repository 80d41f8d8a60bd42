/*
 * test_url.c - database URLs (url_parse, url_redact in driver/url.c):
 * every scheme, errors, and that a password never shows in the redacted
 * form or in an error message.
 */
#include "util/common.h"
#include "driver/driver.h"

#include <setjmp.h>
#include <cmocka.h>

#include "unit.h"

static void parse_ok(const char *in, const char *scheme, const char *path)
{
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct runway_url u = RUNWAY_URL_INIT;

	must(url_parse(&u, in, &err), &err);
	assert_string_equal(u.scheme, scheme);
	if (path)
		assert_string_equal(u.path, path);
	else
		assert_null(u.path);
	assert_string_equal(u.raw, in);
	assert_non_null(u.redacted);
	url_release(&u);
	assert_null(u.raw);
}

static void test_url__sqlite(void **state)
{
	parse_ok("sqlite:dev.db", "sqlite", "dev.db");
	parse_ok("sqlite:/var/lib/app/app.db", "sqlite", "/var/lib/app/app.db");
	parse_ok("sqlite::memory:", "sqlite", ":memory:");
	parse_ok("sqlite://rel/dir.db", "sqlite", "rel/dir.db");
	parse_ok("sqlite:///abs/dir.db", "sqlite", "/abs/dir.db");
	parse_ok("sqlite3:x.db", "sqlite", "x.db");
	parse_ok("sqlite3://y.db", "sqlite", "y.db");
}

static void test_url__servers(void **state)
{
	parse_ok("postgres://app@db.internal:5432/app", "postgres", NULL);
	parse_ok("postgresql://u:pw@localhost/db?sslmode=require", "postgres", NULL);
	parse_ok("postgres://", "postgres", NULL);
	parse_ok("mysql://root:pw@127.0.0.1:3306/app", "mysql", NULL);
	parse_ok("mariadb://u@h/db", "mysql", NULL);
}

static void test_url__redacted_field(void **state)
{
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct runway_url u = RUNWAY_URL_INIT;

	must(url_parse(&u, "postgresql://u:topsecret@h:5432/db?sslmode=require", &err), &err);
	assert_string_equal(u.redacted, "postgresql://u:***@h:5432/db?sslmode=require");
	assert_string_equal(u.raw, "postgresql://u:topsecret@h:5432/db?sslmode=require");
	url_release(&u);
	must(url_parse(&u, "sqlite::memory:", &err), &err);
	assert_string_equal(u.redacted, "sqlite::memory:");
	url_release(&u);
	url_release(NULL);
}

static void test_url__errors(void **state)
{
	static const char *const unknown[] = {
		"oracle://scott:tiger@h/orcl",
		"dev.db",
		"Postgres://u:tiger@h/db",
		"http://u:tiger@h/",
		"host=h password=tiger",
		"sqlite",
	};
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct runway_url u = RUNWAY_URL_INIT;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(unknown); i++) {
		assert_int_equal(url_parse(&u, unknown[i], &err), -1);
		assert_int_equal(err.klass, RUNWAY_E_CONFIG);
		assert_contains(err.msg, "unknown scheme");
		assert_not_contains(err.msg, "tiger");
		assert_non_null(err.hint);
		assert_null(u.raw);
		assert_null(u.scheme);
		runway_error_clear(&err);
	}
	assert_int_equal(url_parse(&u, "oracle://scott:tiger@h/orcl", &err), -1);
	assert_string_equal(err.msg, "invalid database URL 'oracle://scott:***@h/orcl': unknown scheme");
	runway_error_clear(&err);

	assert_int_equal(url_parse(&u, "", &err), -1);
	assert_int_equal(err.klass, RUNWAY_E_CONFIG);
	assert_contains(err.msg, "empty database URL");
	runway_error_clear(&err);
	assert_int_equal(url_parse(&u, NULL, &err), -1);
	assert_int_equal(err.klass, RUNWAY_E_CONFIG);
	runway_error_clear(&err);

	assert_int_equal(url_parse(&u, "sqlite:", &err), -1);
	assert_int_equal(err.klass, RUNWAY_E_CONFIG);
	assert_contains(err.msg, "no file path");
	runway_error_clear(&err);
	assert_int_equal(url_parse(&u, "sqlite://", &err), -1);
	assert_contains(err.msg, "no file path");
	runway_error_clear(&err);
	url_release(&u);
}

static void redacts(const char *in, const char *want)
{
	char *r = url_redact(in);
	if (strcmp(r, want))
		fail_msg("url_redact('%s') = '%s', want '%s'", in, r, want);
	free(r);
}

static void test_url__redact(void **state)
{
	redacts("postgres://u:secret@h/db", "postgres://u:***@h/db");
	redacts("postgresql://u:secret@h:5432/db?sslmode=require",
		"postgresql://u:***@h:5432/db?sslmode=require");
	redacts("mysql://root:secret@127.0.0.1:3306/app", "mysql://root:***@127.0.0.1:3306/app");
	redacts("mariadb://root:secret@h", "mariadb://root:***@h");
	/* the last '@' before the path separates the password from the host */
	redacts("postgres://u:p@ss@h/db", "postgres://u:***@h/db");
	redacts("postgres://u:p@s@s@h:1/db@x", "postgres://u:***@h:1/db@x");
	/* ':' inside the password */
	redacts("postgres://u:a:b:c@h/db", "postgres://u:***@h/db");
	/* percent-encoded password */
	redacts("postgres://u:p%40ss%2F@h/db", "postgres://u:***@h/db");
	/* empty password */
	redacts("postgres://u:@h/db", "postgres://u:***@h/db");
	/* query-string passwords */
	redacts("postgres://h/db?password=x&sslmode=require",
		"postgres://h/db?password=***&sslmode=require");
	redacts("postgres://h/db?sslmode=require&password=x",
		"postgres://h/db?sslmode=require&password=***");
	redacts("postgres://u:s@h/db?password=x&password=y#frag",
		"postgres://u:***@h/db?password=***&password=***#frag");
	redacts("postgres://h/db?password=***", "postgres://h/db?password=***");
	/* libpq's sslpassword is a secret too */
	redacts("postgres://h/db?sslpassword=keypw&sslmode=verify-full",
		"postgres://h/db?sslpassword=***&sslmode=verify-full");
	/* in a URL, quotes and spaces are part of the value */
	redacts("postgres://h/db?password='a'secret&x=1", "postgres://h/db?password=***&x=1");
	redacts("postgres://h/db?password= x&y=1", "postgres://h/db?password=***&y=1");
	/* conninfo strings */
	redacts("host=h password=x", "host=h password=***");
	redacts("password=x host=h", "password=*** host=h");
	redacts("host=h password=x dbname=d", "host=h password=*** dbname=d");
	redacts("host=h password = x dbname=d", "host=h password = *** dbname=d");
	redacts("host=h password='a b\\' c' dbname=d", "host=h password=*** dbname=d");
	/* libpq skips blanks after '=': the password here is "dbname=d" */
	redacts("host=h password= dbname=d", "host=h password= ***");
	/* "://" inside a conninfo value does not make it a URL */
	redacts("host=h password=a://b&c dbname=d", "host=h password=*** dbname=d");
	/* without a password: unchanged */
	redacts("postgres://app@db.internal:5432/app", "postgres://app@db.internal:5432/app");
	redacts("postgres://db.internal/app?user=a@b.example", "postgres://db.internal/app?user=a@b.example");
	redacts("postgres://h/db?mode=passwordless", "postgres://h/db?mode=passwordless");
	redacts("sqlite:dev.db", "sqlite:dev.db");
	redacts("sqlite::memory:", "sqlite::memory:");
	redacts("host=h dbname=d", "host=h dbname=d");
	redacts("", "");
	{
		char *r = url_redact(NULL);
		assert_string_equal(r, "");
		free(r);
	}
}

/* Passwords with characters that end a URL's authority elsewhere. */
static void test_url__redact_odd_passwords(void **state)
{
	static const char *const in[] = {
		"postgres://u:pa?ss@h/db",
		"postgres://u:pa#ss@h/db",
		"postgres://u:pa?ss@h",
		"mysql://u:pa#ss@h:3306/db",
		"postgres://u:p&w=1@h/db?sslmode=require",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(in); i++) {
		char *r = url_redact(in[i]);
		assert_not_contains(r, "ss@");
		assert_not_contains(r, "w=1");
		assert_contains(r, ":***@h");
		free(r);
	}
}

static void test_url__never_leaks(void **state)
{
	static const char *const in[] = {
		"postgres://u:SeCrEt@h/db",
		"postgresql://u:SeCrEt@h:5432/db?sslmode=require",
		"mysql://u:SeCrEt@h/db",
		"mariadb://u:SeCrEt@h/db",
		"postgres://u:p@SeCrEt@h/db",
		"postgres://h/db?password=SeCrEt",
		"postgres://h/db?sslmode=disable&password=SeCrEt&x=1",
		"host=h password=SeCrEt",
		"oracle://u:SeCrEt@h/db",
		"ftp://h/db?password=SeCrEt",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(in); i++) {
		struct runway_error err = RUNWAY_ERROR_INIT;
		struct runway_url u = RUNWAY_URL_INIT;
		char *r = url_redact(in[i]);

		assert_not_contains(r, "SeCrEt");
		assert_contains(r, "***");
		free(r);
		if (url_parse(&u, in[i], &err) == 0) {
			assert_not_contains(u.redacted, "SeCrEt");
			assert_contains(u.raw, "SeCrEt");
		} else {
			assert_not_contains(err.msg, "SeCrEt");
			assert_not_contains(err.hint, "SeCrEt");
		}
		url_release(&u);
		runway_error_clear(&err);
	}
}

static void with_db(const char *in, const char *db, const char *want)
{
	char *got = url_with_database(in, db);
	char *back = url_database(got);

	assert_string_equal(got, want);
	assert_string_equal(back, db);
	free(got);
	free(back);
}

static void test_url__with_database(void **state)
{
	char *db;

	with_db("postgres://app@db:5432/app", "runway_env_x", "postgres://app@db:5432/runway_env_x");
	with_db("postgres://app:pw@db/app?sslmode=require", "other",
		"postgres://app:pw@db/other?sslmode=require");
	with_db("postgresql://db", "x", "postgresql://db/x");
	with_db("postgres://db?host=/tmp", "a b\"c", "postgres://db/a%20b%22c?host=/tmp");
	with_db("postgres://u:TOP?SECRET@db:5432/app?sslmode=require", "x",
		"postgres://u:TOP?SECRET@db:5432/x?sslmode=require");
	with_db("postgres://u:a@b?c@db/app", "y", "postgres://u:a@b?c@db/y");
	db = url_database("postgres://db:5432/");
	assert_null(db);
	db = url_database("postgres://db/s%2Fx");
	assert_string_equal(db, "s/x");
	free(db);
}

static void test_url__quote_ident(void **state)
{
	struct runway_buf b = RUNWAY_BUF_INIT;

	sql_quote_ident(&b, "plain");
	runway_buf_addch(&b, ' ');
	sql_quote_ident(&b, "we\"ird; DROP");
	assert_string_equal(b.buf, "\"plain\" \"we\"\"ird; DROP\"");
	runway_buf_release(&b);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_url__with_database),
	cmocka_unit_test(test_url__quote_ident),
	cmocka_unit_test(test_url__sqlite),
	cmocka_unit_test(test_url__servers),
	cmocka_unit_test(test_url__redacted_field),
	cmocka_unit_test(test_url__errors),
	cmocka_unit_test(test_url__redact),
	cmocka_unit_test(test_url__redact_odd_passwords),
	cmocka_unit_test(test_url__never_leaks),
};

UNIT_MAIN("url", tests)
