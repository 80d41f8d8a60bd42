/*
 * test_envreg.c - the registry of runways (core/envreg.c): names, TTLs,
 * records written and read back, states.
 */
#include "util/common.h"
#include "core/envreg.h"

#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <unistd.h>

#include "unit.h"

static void test_envreg__names(void **state)
{
	static const char *const good[] = { "a", "feature-x", "pr_123", "9lives",
					    "abcdefghijabcdefghijabcdefghijabcdefghij" };
	static const char *const bad[] = { "", "-x", "_x", "Feature", "a b", "a;drop", "x\"",
					   "a/b", "../x", "abcdefghijabcdefghijabcdefghijabcdefghijk",
					   "é" };
	struct runway_error err = RUNWAY_ERROR_INIT;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(good); i++)
		must(envreg_name_check(good[i], &err), &err);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		assert_int_equal(envreg_name_check(bad[i], &err), -1);
		assert_int_equal(err.klass, RUNWAY_E_USAGE);
		runway_error_clear(&err);
	}
}

static void test_envreg__ttl(void **state)
{
	struct runway_error err = RUNWAY_ERROR_INIT;
	static const char *const bad[] = { "", "4", "h", "-1h", "0h", "4x", "4hh", "99999999w" };
	long s = 0;
	size_t i;

	must(envreg_parse_ttl("90s", &s, &err), &err);
	assert_int_equal(s, 90);
	must(envreg_parse_ttl("30m", &s, &err), &err);
	assert_int_equal(s, 1800);
	must(envreg_parse_ttl("4h", &s, &err), &err);
	assert_int_equal(s, 4 * 3600);
	must(envreg_parse_ttl("2d", &s, &err), &err);
	assert_int_equal(s, 2 * 86400);
	must(envreg_parse_ttl("1w", &s, &err), &err);
	assert_int_equal(s, 7 * 86400);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		assert_int_equal(envreg_parse_ttl(bad[i], &s, &err), -1);
		runway_error_clear(&err);
	}
}

static void test_envreg__round_trip(void **state)
{
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct envreg_entry e, r;
	struct strvec names = STRVEC_INIT;
	char dir[] = "/tmp/runway-envreg-XXXXXX", cwd[4096];
	time_t now = time(NULL);

	assert_non_null(mkdtemp(dir));
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(dir), 0);

	must(envreg_list(&names, &err), &err);
	assert_int_equal(names.n, 0);
	memset(&e, 0, sizeof(e));
	e.name = "pr-7";
	e.from = "prod";
	e.engine = "postgres";
	e.url = "postgres://app:***@db/runway_env_pr_7";
	e.database = "runway_env_pr_7";
	e.state = "ready";
	e.pid = 1;
	e.masked = true;
	e.created = now - 10;
	e.expires = now + 3600;
	must(envreg_save(&e, &err), &err);
	assert_true(envreg_exists("pr-7"));
	must(envreg_load(&r, "pr-7", &err), &err);
	assert_string_equal(r.from, "prod");
	assert_null(r.target);
	assert_null(r.ref);
	assert_string_equal(r.database, "runway_env_pr_7");
	assert_true(r.masked);
	assert_int_equal(r.created, now - 10);
	assert_int_equal(r.expires, now + 3600);
	assert_string_equal(envreg_state(&r, now), "ready");
	assert_string_equal(envreg_state(&r, now + 3600), "expired");
	envreg_release(&r);

	/* a creator that is gone: failed; one that runs (this process): creating */
	e.state = "creating";
	e.pid = (long)getpid();
	must(envreg_save(&e, &err), &err);
	must(envreg_load(&r, "pr-7", &err), &err);
	assert_string_equal(envreg_state(&r, now), "creating");
	r.pid = 999999999;
	assert_string_equal(envreg_state(&r, now), "failed");
	envreg_release(&r);

	must(envreg_list(&names, &err), &err);
	assert_int_equal(names.n, 1);
	assert_string_equal(names.v[0], "pr-7");
	must(envreg_remove("pr-7", &err), &err);
	assert_false(envreg_exists("pr-7"));
	assert_int_equal(envreg_load(&r, "pr-7", &err), -1);
	assert_int_equal(err.klass, RUNWAY_E_USAGE);
	runway_error_clear(&err);
	/* a name that is not a name never reaches the file system */
	assert_int_equal(envreg_load(&r, "../../etc/passwd", &err), -1);
	runway_error_clear(&err);

	strvec_release(&names);
	assert_int_equal(chdir(cwd), 0);
	{
		char *p = xasprintf("%s/.runway/envs", dir);
		rmdir(p);
		free(p);
		p = xasprintf("%s/.runway", dir);
		rmdir(p);
		free(p);
		rmdir(dir);
	}
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_envreg__names),
	cmocka_unit_test(test_envreg__ttl),
	cmocka_unit_test(test_envreg__round_trip),
};

UNIT_MAIN("envreg", tests)
