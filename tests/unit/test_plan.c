/*
 * test_plan.c - deploy order and the requires graph (core/plan.h).
 */
#include "util/common.h"
#include "core/plan.h"

#include <setjmp.h>
#include <cmocka.h>

#include "unit.h"

/* A change file with the given requires ("" for none). */
static char *change_text(const char *requires)
{
	if (!*requires)
		return xstrdup("-- runway:deploy\nSELECT 1;\n-- runway:revert\nSELECT 2;\n");
	return xasprintf("-- runway:requires %s\n-- runway:deploy\nSELECT 1;\n"
			 "-- runway:revert\nSELECT 2;\n", requires);
}

/*
 * Build a plan from pairs { id, requires } (in the given order, not
 * sorted) without ordering it.
 */
static void plan_fill(struct plan *p, const char *const (*spec)[2], size_t n)
{
	struct runway_error err = RUNWAY_ERROR_INIT;
	size_t i;

	memset(p, 0, sizeof(*p));
	p->changes = xcalloc(n + 1, sizeof(*p->changes));
	for (i = 0; i < n; i++) {
		char *text = change_text(spec[i][1]);
		char *path = xasprintf("migrations/%s.sql", spec[i][0]);
		must(change_parse(&p->changes[i], spec[i][0], path, text, strlen(text), &err), &err);
		p->n++;
		free(text);
		free(path);
	}
}

/* The ids in deploy order, joined by spaces (caller frees). */
static char *order_of(const struct plan *p)
{
	struct runway_buf b = RUNWAY_BUF_INIT;
	size_t i;
	for (i = 0; i < p->n; i++) {
		if (i)
			runway_buf_addch(&b, ' ');
		runway_buf_adds(&b, p->changes[i].id);
	}
	return runway_buf_detach(&b);
}

static void ordered(const char *const (*spec)[2], size_t n, const char *want)
{
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct plan p;
	char *got;

	plan_fill(&p, spec, n);
	must(plan_order(&p, &err), &err);
	got = order_of(&p);
	if (strcmp(got, want))
		fail_msg("order '%s', want '%s'", got, want);
	free(got);
	plan_release(&p);
}

static void test_plan__by_id(void **state)
{
	static const char *const spec[][2] = {
		{ "003_c", "" }, { "001_a", "" }, { "010_j", "" }, { "002_b", "" },
	};
	ordered(spec, ARRAY_SIZE(spec), "001_a 002_b 003_c 010_j");
	ordered(spec, 0, "");
}

static void test_plan__requires_later_id(void **state)
{
	/* 001 requires 003: 003 moves before it, the rest stays in id order */
	static const char *const spec[][2] = {
		{ "001_a", "003_c" }, { "002_b", "" }, { "003_c", "" }, { "004_d", "" },
	};
	ordered(spec, ARRAY_SIZE(spec), "002_b 003_c 001_a 004_d");
}

static void test_plan__smallest_ready_first(void **state)
{
	/*
	 * 001 waits for 005 and 002 waits for 001; among the ready ones the
	 * smallest id always goes next, so 003 and 004 come before 005.
	 */
	static const char *const spec[][2] = {
		{ "005_e", "" }, { "004_d", "" }, { "002_b", "001_a" },
		{ "003_c", "" }, { "001_a", "005_e" }, { "006_f", "002_b 003_c" },
	};
	ordered(spec, ARRAY_SIZE(spec), "003_c 004_d 005_e 001_a 002_b 006_f");
}

static void test_plan__diamond(void **state)
{
	static const char *const spec[][2] = {
		{ "d", "b c" }, { "c", "a" }, { "b", "a" }, { "a", "" }, { "0", "d" },
	};
	ordered(spec, ARRAY_SIZE(spec), "a b c d 0");
}

static void plan_fails(const char *const (*spec)[2], size_t n, const char *want)
{
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct plan p;

	plan_fill(&p, spec, n);
	assert_int_equal(plan_order(&p, &err), -1);
	assert_int_equal(err.klass, RUNWAY_E_CHANGE);
	assert_contains(err.msg, want);
	plan_release(&p);
	runway_error_clear(&err);
}

static void test_plan__unknown_requirement(void **state)
{
	static const char *const spec[][2] = {
		{ "001_a", "" }, { "002_b", "001_a 000_gone" },
	};
	plan_fails(spec, ARRAY_SIZE(spec), "migrations/002_b.sql: requires unknown change '000_gone'");
}

static void test_plan__self_requirement(void **state)
{
	static const char *const spec[][2] = {
		{ "001_a", "" }, { "002_b", "002_b" },
	};
	plan_fails(spec, ARRAY_SIZE(spec), "migrations/002_b.sql: requires itself");
}

static void test_plan__cycle(void **state)
{
	static const char *const two[][2] = {
		{ "001_a", "002_b" }, { "002_b", "001_a" }, { "003_c", "" },
	};
	/* 004 waits behind the cycle but is not part of it: not listed */
	static const char *const three[][2] = {
		{ "009_z", "" }, { "003_c", "001_a" }, { "001_a", "002_b" }, { "002_b", "003_c" },
		{ "004_d", "003_c" },
	};
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct plan p;

	plan_fails(two, ARRAY_SIZE(two), "requires cycle among changes: 001_a, 002_b");
	plan_fill(&p, two, ARRAY_SIZE(two));
	assert_int_equal(plan_order(&p, &err), -1);
	assert_not_contains(err.msg, "003_c");
	plan_release(&p);
	runway_error_clear(&err);

	plan_fill(&p, three, ARRAY_SIZE(three));
	assert_int_equal(plan_order(&p, &err), -1);
	assert_int_equal(err.klass, RUNWAY_E_CHANGE);
	assert_string_equal(err.msg, "requires cycle among changes: 001_a, 002_b, 003_c");
	plan_release(&p);
	runway_error_clear(&err);
}

static void test_plan__duplicate_id(void **state)
{
	static const char *const spec[][2] = {
		{ "001_a", "" }, { "002_b", "" }, { "001_a", "" },
	};
	plan_fails(spec, ARRAY_SIZE(spec), "duplicate change id '001_a'");
}

static void test_plan__find_and_index(void **state)
{
	static const char *const spec[][2] = {
		{ "001_a", "003_c" }, { "002_b", "" }, { "003_c", "" },
	};
	struct runway_error err = RUNWAY_ERROR_INIT;
	const struct change *c;
	struct plan p;

	plan_fill(&p, spec, ARRAY_SIZE(spec));
	must(plan_order(&p, &err), &err);
	/* deploy order: 002_b 003_c 001_a */
	assert_int_equal(plan_index(&p, "002_b"), 0);
	assert_int_equal(plan_index(&p, "003_c"), 1);
	assert_int_equal(plan_index(&p, "001_a"), 2);
	assert_int_equal(plan_index(&p, "004_d"), -1);
	assert_int_equal(plan_index(&p, ""), -1);
	assert_int_equal(plan_index(&p, "001"), -1);
	c = plan_find(&p, "001_a");
	assert_non_null(c);
	assert_string_equal(c->id, "001_a");
	assert_int_equal(c->requires.n, 1);
	assert_ptr_equal(c, &p.changes[2]);
	assert_null(plan_find(&p, "zzz"));
	plan_release(&p);

	/* an empty plan */
	memset(&p, 0, sizeof(p));
	must(plan_order(&p, &err), &err);
	assert_int_equal(plan_index(&p, "x"), -1);
	assert_null(plan_find(&p, "x"));
	plan_release(&p);
}

static void test_plan__load(void **state)
{
	struct runway_error err = RUNWAY_ERROR_INIT;
	char *dir = make_tmpdir();
	char *sub = xasprintf("%s/sub.sql", dir);
	struct plan p;
	char *got;

	write_file(dir, "20261122101500_add_city.sql",
		   "-- runway:requires 20261121093000_create_warehouses\n"
		   "-- runway:deploy\nALTER TABLE warehouses ADD COLUMN city text;\n"
		   "-- runway:revert\nALTER TABLE warehouses DROP COLUMN city;\n");
	write_file(dir, "20261121093000_create_warehouses.sql",
		   "-- runway:deploy\nCREATE TABLE warehouses (id int);\n"
		   "-- runway:revert\nDROP TABLE warehouses;\n");
	write_file(dir, "20261120000000_first.sql",
		   "-- runway:requires 20261122101500_add_city\n"
		   "-- runway:irreversible\n-- runway:deploy\nSELECT 1;\n");
	/* ignored: other suffixes, hidden files */
	write_file(dir, "README.md", "not a change\n");
	write_file(dir, "20261123000000_draft.sql.bak", "garbage\n");
	write_file(dir, "notes.txt", "-- runway:deploy\n");
	write_file(dir, ".20261124000000_hidden.sql", "garbage\n");

	must(plan_load(&p, dir, &err), &err);
	assert_int_equal(p.n, 3);
	got = order_of(&p);
	assert_string_equal(got, "20261121093000_create_warehouses 20261122101500_add_city "
			    "20261120000000_first");
	free(got);
	assert_true(p.changes[2].irreversible);
	assert_non_null(plan_find(&p, "20261122101500_add_city"));
	plan_release(&p);

	/* an invalid id in a file name */
	write_file(dir, "2026 bad name.sql", "-- runway:deploy\n-- runway:revert\n");
	assert_int_equal(plan_load(&p, dir, &err), -1);
	assert_int_equal(err.klass, RUNWAY_E_CHANGE);
	assert_contains(err.msg, "invalid change id '2026 bad name'");
	plan_release(&p);
	runway_error_clear(&err);
	rm_rf(dir);

	/* a malformed file names itself */
	must(mkdir(dir, 0700) == 0 ? 0 : -1, &err);
	write_file(dir, "001_ok.sql", "-- runway:deploy\n-- runway:revert\n");
	write_file(dir, "002_broken.sql", "SELECT 1;\n-- runway:deploy\n-- runway:revert\n");
	assert_int_equal(plan_load(&p, dir, &err), -1);
	assert_contains(err.msg, "002_broken.sql:1: SQL before '-- runway:deploy'");
	plan_release(&p);
	runway_error_clear(&err);

	/* a directory that happens to end in .sql is not readable as a change */
	rm_rf(dir);
	must(mkdir(dir, 0700) == 0 ? 0 : -1, &err);
	must(mkdir(sub, 0700) == 0 ? 0 : -1, &err);
	assert_int_equal(plan_load(&p, dir, &err), -1);
	assert_contains(err.msg, "is a directory");
	plan_release(&p);
	runway_error_clear(&err);
	rm_rf(dir);

	/* a missing directory */
	assert_int_equal(plan_load(&p, dir, &err), -1);
	assert_int_equal(err.klass, RUNWAY_E_CONFIG);
	assert_contains(err.msg, "no such directory");
	assert_non_null(err.hint);
	plan_release(&p);
	runway_error_clear(&err);

	free(sub);
	free(dir);
}

static void test_plan__load_empty_dir(void **state)
{
	struct runway_error err = RUNWAY_ERROR_INIT;
	char *dir = make_tmpdir();
	struct plan p;

	must(plan_load(&p, dir, &err), &err);
	assert_int_equal(p.n, 0);
	assert_null(plan_find(&p, "x"));
	plan_release(&p);
	rm_rf(dir);
	free(dir);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_plan__by_id),
	cmocka_unit_test(test_plan__requires_later_id),
	cmocka_unit_test(test_plan__smallest_ready_first),
	cmocka_unit_test(test_plan__diamond),
	cmocka_unit_test(test_plan__unknown_requirement),
	cmocka_unit_test(test_plan__self_requirement),
	cmocka_unit_test(test_plan__cycle),
	cmocka_unit_test(test_plan__duplicate_id),
	cmocka_unit_test(test_plan__find_and_index),
	cmocka_unit_test(test_plan__load),
	cmocka_unit_test(test_plan__load_empty_dir),
};

UNIT_MAIN("plan", tests)
