/*
 * test_vec.c - struct strvec (util/vec.h) and the directory listing of
 * util/fs.h that returns one.
 */
#include "util/common.h"

#include <setjmp.h>
#include <cmocka.h>

#include "unit.h"

static void test_vec__push_and_has(void **state)
{
	struct strvec sv = STRVEC_INIT;
	size_t i;

	assert_false(strvec_has(&sv, "a"));
	strvec_push(&sv, "alpha");
	strvec_pushn(&sv, "betamax", 4);
	assert_int_equal(sv.n, 2);
	assert_string_equal(sv.v[0], "alpha");
	assert_string_equal(sv.v[1], "beta");
	assert_null(sv.v[2]); /* NULL-terminated */
	assert_true(strvec_has(&sv, "beta"));
	assert_false(strvec_has(&sv, "betamax"));
	for (i = 0; i < 100; i++) {
		char w[16];
		snprintf(w, sizeof(w), "w%zu", i);
		strvec_push(&sv, w);
	}
	assert_int_equal(sv.n, 102);
	assert_string_equal(sv.v[101], "w99");
	assert_null(sv.v[102]);
	strvec_release(&sv);
	assert_int_equal(sv.n, 0);
	assert_null(sv.v);
	strvec_release(&sv); /* twice is fine */
}

static void test_vec__split_words(void **state)
{
	struct strvec sv = STRVEC_INIT;

	strvec_split_words(&sv, "  eu \tbilling,us\r\n");
	assert_int_equal(sv.n, 3);
	assert_string_equal(sv.v[0], "eu");
	assert_string_equal(sv.v[1], "billing");
	assert_string_equal(sv.v[2], "us");
	strvec_split_words(&sv, "");
	strvec_split_words(&sv, "   ");
	strvec_split_words(&sv, NULL);
	assert_int_equal(sv.n, 3);
	strvec_release(&sv);
}

static void test_vec__join(void **state)
{
	struct strvec sv = STRVEC_INIT;
	char *s;

	s = strvec_join(&sv, ", ");
	assert_string_equal(s, "");
	free(s);
	strvec_push(&sv, "a");
	s = strvec_join(&sv, ", ");
	assert_string_equal(s, "a");
	free(s);
	strvec_push(&sv, "b");
	strvec_push(&sv, "c");
	s = strvec_join(&sv, ", ");
	assert_string_equal(s, "a, b, c");
	free(s);
	strvec_release(&sv);
}

static void test_vec__list_dir(void **state)
{
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct strvec sv = STRVEC_INIT;
	char *dir = make_tmpdir();
	char *missing = xasprintf("%s/nope", dir);

	write_file(dir, "b.sql", "");
	write_file(dir, "a.sql", "");
	write_file(dir, "c.txt", "");
	write_file(dir, ".hidden.sql", "");
	write_file(dir, "sql", "");
	must(fs_list_dir(&sv, dir, ".sql", &err), &err);
	assert_int_equal(sv.n, 2);
	assert_string_equal(sv.v[0], "a.sql");
	assert_string_equal(sv.v[1], "b.sql");
	strvec_release(&sv);

	assert_int_equal(fs_list_dir(&sv, missing, ".sql", &err), -1);
	assert_int_equal(err.klass, RUNWAY_E_CONFIG);
	assert_contains(err.msg, "no such directory");
	assert_int_equal(sv.n, 0);
	runway_error_clear(&err);
	rm_rf(dir);
	free(missing);
	free(dir);
}

static void test_vec__fs_read_write(void **state)
{
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct runway_buf b = RUNWAY_BUF_INIT;
	char *dir = make_tmpdir();
	char *path = xasprintf("%s/f.txt", dir);

	must(fs_write_new(path, "hello\n", 6, &err), &err);
	assert_true(fs_exists(path));
	assert_false(fs_is_dir(path));
	assert_true(fs_is_dir(dir));
	/* never overwrites */
	assert_int_equal(fs_write_new(path, "x", 1, &err), -1);
	assert_int_equal(err.klass, RUNWAY_E_IO);
	runway_error_clear(&err);

	must(fs_read_file(&b, path, 100, &err), &err);
	assert_string_equal(b.buf, "hello\n");
	runway_buf_reset(&b);
	assert_int_equal(fs_read_file(&b, path, 3, &err), -1);
	assert_int_equal(err.klass, RUNWAY_E_CONFIG);
	assert_contains(err.msg, "larger than 3 bytes");
	runway_error_clear(&err);
	runway_buf_reset(&b);
	assert_int_equal(fs_read_file(&b, dir, 100, &err), -1);
	assert_contains(err.msg, "is a directory");
	runway_error_clear(&err);

	runway_buf_release(&b);
	rm_rf(dir);
	assert_false(fs_exists(dir));
	free(path);
	free(dir);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_vec__push_and_has),
	cmocka_unit_test(test_vec__split_words),
	cmocka_unit_test(test_vec__join),
	cmocka_unit_test(test_vec__list_dir),
	cmocka_unit_test(test_vec__fs_read_write),
};

UNIT_MAIN("vec", tests)
