/*
 * test_change.c - the change-file parser (core/change.h).
 */
#include "util/common.h"
#include "core/change.h"
#include "core/vars.h"

#include <openssl/evp.h>

#include <setjmp.h>
#include <cmocka.h>

#include "unit.h"

#define PATH "migrations/20261122101500_add_city.sql"
#define ID "20261122101500_add_city"

static const char full[] =
	"-- runway:requires 20261121093000_create_warehouses base.v1\n"   /* 1 */
	"-- runway:labels eu billing\n"                                    /* 2 */
	"-- runway:allow drop-column add-not-null-column\n"               /* 3 */
	"  --  runway:no-transaction\n"                                    /* 4 */
	"-- a plain comment\n"                                             /* 5 */
	"\n"                                                               /* 6 */
	"-- runway:deploy\n"                                               /* 7 */
	"ALTER TABLE warehouses ADD COLUMN city text;\n"                   /* 8 */
	"ALTER TABLE warehouses ADD COLUMN state text;\n"                  /* 9 */
	"-- runway:revert\n"                                               /* 10 */
	"ALTER TABLE warehouses DROP COLUMN state;\n"                      /* 11 */
	"ALTER TABLE warehouses DROP COLUMN city;\n"                       /* 12 */
	"--runway:verify\n"                                                /* 13 */
	"SELECT city, state FROM warehouses WHERE false;\n";               /* 14 */

static int parse(struct change *c, const char *text, struct runway_error *err)
{
	return change_parse(c, ID, PATH, text, strlen(text), err);
}

/* SHA-256 hex computed here, independently of change_checksum. */
static void sha256_hex(char out[65], const char *data, size_t len)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0, i;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	assert_non_null(ctx);
	assert_int_equal(EVP_DigestInit_ex(ctx, EVP_sha256(), NULL), 1);
	assert_int_equal(EVP_DigestUpdate(ctx, data, len), 1);
	assert_int_equal(EVP_DigestFinal_ex(ctx, md, &n), 1);
	EVP_MD_CTX_free(ctx);
	assert_int_equal(n, 32);
	for (i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static void test_change__full(void **state)
{
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct change c;
	char want[65];

	must(parse(&c, full, &err), &err);
	assert_string_equal(c.id, ID);
	assert_string_equal(c.path, PATH);
	assert_int_equal(c.requires.n, 2);
	assert_string_equal(c.requires.v[0], "20261121093000_create_warehouses");
	assert_string_equal(c.requires.v[1], "base.v1");
	assert_int_equal(c.labels.n, 2);
	assert_string_equal(c.labels.v[0], "eu");
	assert_string_equal(c.labels.v[1], "billing");
	assert_int_equal(c.allow.n, 2);
	assert_string_equal(c.allow.v[1], "add-not-null-column");
	assert_true(c.no_transaction);
	assert_false(c.irreversible);

	assert_string_equal(c.deploy.text, "ALTER TABLE warehouses ADD COLUMN city text;\n"
			    "ALTER TABLE warehouses ADD COLUMN state text;\n");
	assert_int_equal(c.deploy.len, strlen(c.deploy.text));
	assert_int_equal(c.deploy.line, 8);
	assert_string_equal(c.revert.text, "ALTER TABLE warehouses DROP COLUMN state;\n"
			    "ALTER TABLE warehouses DROP COLUMN city;\n");
	assert_int_equal(c.revert.line, 11);
	assert_string_equal(c.verify.text, "SELECT city, state FROM warehouses WHERE false;\n");
	assert_int_equal(c.verify.line, 14);

	sha256_hex(want, c.deploy.text, c.deploy.len);
	assert_string_equal(c.checksum, want);
	assert_int_equal(strlen(c.checksum), 64);
	change_release(&c);
	assert_null(c.id);
	change_release(NULL);
}

static void test_change__minimal(void **state)
{
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct change c;

	/* no verify; last line without a newline */
	must(parse(&c, "-- runway:deploy\nCREATE TABLE t (a int);\n-- runway:revert\nDROP TABLE t;", &err),
	     &err);
	assert_string_equal(c.deploy.text, "CREATE TABLE t (a int);\n");
	assert_string_equal(c.revert.text, "DROP TABLE t;");
	assert_int_equal(c.revert.line, 4);
	assert_null(c.verify.text);
	assert_int_equal(c.requires.n, 0);
	assert_false(c.no_transaction);
	change_release(&c);

	/* empty sections are allowed and present */
	must(parse(&c, "-- runway:deploy\n-- runway:revert\n", &err), &err);
	assert_non_null(c.deploy.text);
	assert_string_equal(c.deploy.text, "");
	assert_non_null(c.revert.text);
	assert_string_equal(c.revert.text, "");
	change_release(&c);
}

static void test_change__checksum_vector(void **state)
{
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct change c;
	char out[65];

	/* FIPS 180-2 test vector: SHA-256("abc") */
	change_checksum(out, "abc", 3);
	assert_string_equal(out, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	change_checksum(out, "", 0);
	assert_string_equal(out, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");

	/* the checksum covers the deploy section only */
	must(parse(&c, "-- runway:irreversible\n-- runway:deploy\nabc", &err), &err);
	assert_string_equal(c.checksum, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	change_release(&c);
}

static void test_change__crlf(void **state)
{
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct runway_buf crlf = RUNWAY_BUF_INIT;
	struct change lf, cr;
	const char *p;

	for (p = full; *p; p++) {
		if (*p == '\n')
			runway_buf_addch(&crlf, '\r');
		runway_buf_addch(&crlf, *p);
	}
	must(parse(&lf, full, &err), &err);
	must(change_parse(&cr, ID, PATH, crlf.buf, crlf.len, &err), &err);
	assert_string_equal(cr.checksum, lf.checksum);
	assert_string_equal(cr.deploy.text, lf.deploy.text);
	assert_null(strchr(cr.deploy.text, '\r'));
	assert_string_equal(cr.revert.text, lf.revert.text);
	assert_int_equal(cr.verify.line, lf.verify.line);
	assert_true(cr.no_transaction);
	assert_int_equal(cr.labels.n, 2);
	assert_string_equal(cr.labels.v[1], "billing"); /* no '\r' left on words */

	/* a lone CR is content, and changes the checksum */
	change_release(&cr);
	must(parse(&cr, "-- runway:irreversible\n-- runway:deploy\nSELECT 1;\r", &err), &err);
	assert_string_equal(cr.deploy.text, "SELECT 1;\r");
	assert_string_not_equal(cr.checksum, lf.checksum);
	change_release(&cr);
	change_release(&lf);
	runway_buf_release(&crlf);
}

/* text must fail with class CHANGE and a message holding want. */
static void parse_fails(const char *text, const char *want)
{
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct change c;

	if (parse(&c, text, &err) == 0)
		fail_msg("parsed without error:\n%s", text);
	assert_int_equal(err.klass, RUNWAY_E_CHANGE);
	assert_contains(err.msg, want);
	change_release(&c);
	runway_error_clear(&err);
}

static void test_change__missing_sections(void **state)
{
	parse_fails("", PATH ": no '-- runway:deploy' section");
	parse_fails("-- just a comment\n", PATH ": no '-- runway:deploy' section");
	parse_fails("-- runway:deploy\nCREATE TABLE t (a int);\n", PATH ": no '-- runway:revert' section");
	parse_fails("-- runway:deploy\nCREATE TABLE t (a int);\n-- runway:verify\nSELECT 1;\n",
		    "no '-- runway:revert' section");
}

static void test_change__irreversible(void **state)
{
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct change c;

	must(parse(&c, "-- runway:irreversible\n-- runway:deploy\nDROP TABLE t;\n"
		   "-- runway:verify\nSELECT 1;\n", &err), &err);
	assert_true(c.irreversible);
	assert_null(c.revert.text);
	assert_string_equal(c.verify.text, "SELECT 1;\n");
	change_release(&c);

	parse_fails("-- runway:irreversible\n-- runway:deploy\nDROP TABLE t;\n-- runway:revert\n"
		    "CREATE TABLE t (a int);\n",
		    PATH ": marked irreversible but has a '-- runway:revert' section");
	parse_fails("-- runway:irreversible now\n-- runway:deploy\nSELECT 1;\n",
		    PATH ":1: '-- runway:irreversible' takes no arguments");
}

static void test_change__section_order(void **state)
{
	parse_fails("-- runway:deploy\nSELECT 1;\n-- runway:deploy\nSELECT 2;\n",
		    PATH ":3: second '-- runway:deploy' section");
	parse_fails("-- runway:deploy\nSELECT 1;\n-- runway:revert\nSELECT 2;\n-- runway:revert\n",
		    PATH ":5: second '-- runway:revert' section");
	parse_fails("-- runway:deploy\nSELECT 1;\n-- runway:verify\nSELECT 2;\n-- runway:revert\nSELECT 3;\n",
		    PATH ":5: '-- runway:revert' out of order");
	parse_fails("-- runway:revert\nSELECT 1;\n-- runway:deploy\nSELECT 2;\n",
		    PATH ":1: '-- runway:revert' before '-- runway:deploy'");
	parse_fails("-- runway:verify\n", PATH ":1: '-- runway:verify' before '-- runway:deploy'");
	parse_fails("-- runway:deploy now\nSELECT 1;\n",
		    PATH ":1: '-- runway:deploy' takes no arguments");
}

static void test_change__header_after_deploy(void **state)
{
	parse_fails("-- runway:deploy\nSELECT 1;\n-- runway:requires x\n-- runway:revert\n",
		    PATH ":3: '-- runway:requires' must stand before '-- runway:deploy'");
	parse_fails("-- runway:deploy\n-- runway:revert\n-- runway:labels eu\n",
		    PATH ":3: '-- runway:labels' must stand before");
	parse_fails("-- runway:deploy\n-- runway:no-transaction\n-- runway:revert\n",
		    PATH ":2: '-- runway:no-transaction' must stand before");
}

/* inside a section, allow silences a check for the next statement only */
static void test_change__allow_in_section(void **state)
{
	struct change c;
	struct runway_error err = RUNWAY_ERROR_INIT;
	const char *t = "-- runway:allow drop-table\n-- runway:deploy\n-- runway:allow truncate\n"
			"TRUNCATE t;\n-- runway:revert\nSELECT 1;\n";
	assert_int_equal(change_parse(&c, "a", PATH, t, strlen(t), &err), 0);
	assert_int_equal(c.allow.n, 1);
	assert_string_equal(c.allow.v[0], "drop-table");
	assert_non_null(strstr(c.deploy.text, "-- runway:allow truncate"));
	change_release(&c);
}

static void test_change__sql_before_deploy(void **state)
{
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct change c;

	assert_int_equal(parse(&c, "-- runway:labels eu\n\n-- comment\nCREATE TABLE t (a int);\n"
			       "-- runway:deploy\n-- runway:revert\n", &err), -1);
	assert_int_equal(err.klass, RUNWAY_E_CHANGE);
	assert_string_equal(err.msg, PATH ":4: SQL before '-- runway:deploy'");
	assert_non_null(err.hint);
	change_release(&c);
	runway_error_clear(&err);
}

static void test_change__bad_directives(void **state)
{
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct change c;

	assert_int_equal(parse(&c, "-- runway:deploy\nSELECT 1;\n-- runway:rollback\nSELECT 2;\n", &err),
			 -1);
	assert_string_equal(err.msg, PATH ":3: unknown directive 'runway:rollback'");
	assert_non_null(err.hint);
	change_release(&c);
	runway_error_clear(&err);

	parse_fails("-- runway:Deploy\n", PATH ":1: unknown directive 'runway:Deploy'");
	parse_fails("-- runway:\n", PATH ":1: unknown directive 'runway:'");
	parse_fails("-- runway:requires\n-- runway:deploy\n-- runway:revert\n",
		    PATH ":1: '-- runway:requires' needs at least one word");
	parse_fails("-- runway:labels   \n-- runway:deploy\n-- runway:revert\n",
		    PATH ":1: '-- runway:labels' needs at least one word");
	parse_fails("-- runway:requires ../etc/passwd\n-- runway:deploy\n-- runway:revert\n",
		    PATH ": invalid id '../etc/passwd' in requires");
	/* "runway:" inside a comment's text or a string is not a directive */
	must(parse(&c, "-- see runway:deploy below\n-- runway:deploy\nSELECT '-- runway:revert';\n"
		   "-- runway:revert\n", &err), &err);
	assert_string_equal(c.deploy.text, "SELECT '-- runway:revert';\n");
	change_release(&c);
}

static void test_change__nul_byte(void **state)
{
	static const char text[] = "-- runway:deploy\nSELECT 1;\0\n-- runway:revert\n";
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct change c;

	assert_int_equal(change_parse(&c, ID, PATH, text, sizeof(text) - 1, &err), -1);
	assert_int_equal(err.klass, RUNWAY_E_CHANGE);
	assert_string_equal(err.msg, PATH ": contains a NUL byte (binary file?)");
	change_release(&c);
	runway_error_clear(&err);
}

static void test_change__line_at(void **state)
{
	static const char text[] =
		"\n"                   /* 10 */
		"-- comment; here\n"   /* 11 */
		"/* block\n"           /* 12 */
		"   comment */\n"      /* 13 */
		"  SELECT 1;\n"        /* 14 */
		"\n"                   /* 15 */
		"SELECT\n"             /* 16 */
		"  2;\n";              /* 17 */
	struct change_section s = { (char *)text, sizeof(text) - 1, 10 };
	const char *second = strstr(text, "SELECT 1;") + strlen("SELECT 1;");
	struct change_section none = { NULL, 0, 7 };

	assert_int_equal(change_line_at(&s, 0), 14);
	assert_int_equal(change_line_at(&s, (size_t)(strstr(text, "SELECT 1") - text)), 14);
	/* a driver reports the offset just after the previous ';' */
	assert_int_equal(change_line_at(&s, (size_t)(second - text)), 16);
	assert_int_equal(change_line_at(&s, (size_t)(strstr(text, "  2;") - text)), 17);
	assert_int_equal(change_line_at(&s, (size_t)-1), 10);
	/* past the end: clamped */
	assert_int_equal(change_line_at(&s, 100000), 18);
	assert_int_equal(change_line_at(&none, 5), 7);
}

static void test_change__id_valid(void **state)
{
	static const char *const good[] = {
		"20261121093000_create_warehouses", "a", "A1", "1.2.3", "x-y_z", "0_",
	};
	static const char *const bad[] = {
		"", "_x", "-x", ".x", "a b", "a/b", "../x", "x;y", "é", "a\tb", "x.sql\n",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(good); i++)
		if (!change_id_valid(good[i]))
			fail_msg("'%s' should be valid", good[i]);
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		if (change_id_valid(bad[i]))
			fail_msg("'%s' should be invalid", bad[i]);
}

static void test_change__expand(void **state)
{
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct runway_buf out = RUNWAY_BUF_INIT;
	struct vars v = VARS_INIT;
	struct change c;

	must(parse(&c, "-- runway:deploy\n"                  /* 1 */
		   "CREATE SCHEMA ${app_schema};\n"            /* 2 */
		   "\n"                                        /* 3 */
		   "CREATE TABLE ${app_schema}.t (a int);\n"   /* 4 */
		   "-- runway:revert\n"                        /* 5 */
		   "DROP SCHEMA ${app_schema};\n"              /* 6 */
		   "\n"                                        /* 7 */
		   "SELECT '${missing}';\n", &err), &err);     /* 8 */
	vars_set(&v, "app_schema", "app");
	must(change_expand(&c, &c.deploy, &v, &out, &err), &err);
	assert_string_equal(out.buf, "CREATE SCHEMA app;\n\nCREATE TABLE app.t (a int);\n");
	runway_buf_reset(&out);

	assert_int_equal(change_expand(&c, &c.revert, &v, &out, &err), -1);
	assert_int_equal(err.klass, RUNWAY_E_CONFIG);
	assert_string_equal(err.msg, PATH ":8: unknown placeholder '${missing}'");
	assert_non_null(err.hint);
	runway_error_clear(&err);
	runway_buf_reset(&out);

	/* an absent section expands to nothing */
	must(change_expand(&c, &c.verify, &v, &out, &err), &err);
	assert_string_equal(out.buf, "");
	/* without vars every placeholder is unknown */
	assert_int_equal(change_expand(&c, &c.deploy, NULL, &out, &err), -1);
	assert_contains(err.msg, PATH ":2: unknown placeholder '${app_schema}'");
	runway_error_clear(&err);

	runway_buf_release(&out);
	vars_release(&v);
	change_release(&c);
}

static void test_change__matches_labels(void **state)
{
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct strvec eu = STRVEC_INIT, us = STRVEC_INIT, none = STRVEC_INIT;
	struct change plain, labelled;

	must(parse(&plain, "-- runway:deploy\n-- runway:revert\n", &err), &err);
	must(parse(&labelled, "-- runway:labels eu billing\n-- runway:deploy\n-- runway:revert\n", &err),
	     &err);
	strvec_push(&eu, "eu");
	strvec_push(&us, "us");
	strvec_push(&us, "asia");

	/* unlabelled changes go everywhere */
	assert_true(change_matches_labels(&plain, &eu));
	assert_true(change_matches_labels(&plain, &none));
	assert_true(change_matches_labels(&plain, NULL));
	/* labelled: only where a label matches, or where the env selects none */
	assert_true(change_matches_labels(&labelled, &eu));
	assert_false(change_matches_labels(&labelled, &us));
	assert_false(change_matches_labels(&labelled, &none));
	assert_true(change_matches_labels(&labelled, NULL));
	strvec_push(&us, "billing");
	assert_true(change_matches_labels(&labelled, &us));

	strvec_release(&eu);
	strvec_release(&us);
	change_release(&plain);
	change_release(&labelled);
}

static void test_change__load(void **state)
{
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct change c;
	char *dir = make_tmpdir();
	char *want_path;

	write_file(dir, "20260101000000_a.sql", "-- runway:deploy\nSELECT 1;\n-- runway:revert\n");
	write_file(dir, "bad id.sql", "-- runway:deploy\n-- runway:revert\n");
	must(change_load(&c, dir, "20260101000000_a.sql", &err), &err);
	assert_string_equal(c.id, "20260101000000_a");
	want_path = xasprintf("%s/20260101000000_a.sql", dir);
	assert_string_equal(c.path, want_path);
	assert_string_equal(c.deploy.text, "SELECT 1;\n");
	change_release(&c);

	assert_int_equal(change_load(&c, dir, "bad id.sql", &err), -1);
	assert_int_equal(err.klass, RUNWAY_E_CHANGE);
	assert_contains(err.msg, "invalid change id 'bad id'");
	change_release(&c);
	runway_error_clear(&err);

	assert_int_equal(change_load(&c, dir, "20260101000000_missing.sql", &err), -1);
	assert_int_equal(err.klass, RUNWAY_E_CHANGE);
	assert_contains(err.msg, "cannot read");
	change_release(&c);
	runway_error_clear(&err);

	rm_rf(dir);
	free(want_path);
	free(dir);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_change__full),
	cmocka_unit_test(test_change__minimal),
	cmocka_unit_test(test_change__checksum_vector),
	cmocka_unit_test(test_change__crlf),
	cmocka_unit_test(test_change__missing_sections),
	cmocka_unit_test(test_change__irreversible),
	cmocka_unit_test(test_change__section_order),
	cmocka_unit_test(test_change__header_after_deploy),
	cmocka_unit_test(test_change__sql_before_deploy),
	cmocka_unit_test(test_change__bad_directives),
	cmocka_unit_test(test_change__nul_byte),
	cmocka_unit_test(test_change__line_at),
	cmocka_unit_test(test_change__id_valid),
	cmocka_unit_test(test_change__expand),
	cmocka_unit_test(test_change__matches_labels),
	cmocka_unit_test(test_change__load),
	cmocka_unit_test(test_change__allow_in_section),
};

UNIT_MAIN("change", tests)
