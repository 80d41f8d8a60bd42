/*
 * test_buf.c - struct runway_buf (util/buf.h): growth, formatting, detach,
 * truncate, and the rule that buf is never NULL and always NUL-terminated.
 */
#include "util/common.h"

#include <setjmp.h>
#include <cmocka.h>

#include "unit.h"

static void test_buf__empty_never_null(void **state)
{
	struct runway_buf b = RUNWAY_BUF_INIT;
	struct runway_buf c;
	char *s;

	assert_non_null(b.buf);
	assert_string_equal(b.buf, "");
	assert_int_equal(b.len, 0);
	assert_int_equal(b.alloc, 0);

	runway_buf_init(&c);
	assert_non_null(c.buf);
	assert_int_equal(c.buf[0], '\0');

	/* adding nothing keeps the shared empty string */
	runway_buf_add(&b, "x", 0);
	runway_buf_adds(&b, "");
	assert_int_equal(b.alloc, 0);
	assert_string_equal(b.buf, "");

	/* detach of an empty buffer is still a string the caller may free */
	s = runway_buf_detach(&b);
	assert_non_null(s);
	assert_string_equal(s, "");
	assert_ptr_not_equal(s, runway_buf_empty);
	free(s);
	assert_non_null(b.buf);
	assert_int_equal(b.len, 0);

	runway_buf_release(&b);
	runway_buf_release(&c);
	assert_non_null(b.buf);
	assert_string_equal(b.buf, "");
}

static void test_buf__append(void **state)
{
	struct runway_buf b = RUNWAY_BUF_INIT;

	runway_buf_adds(&b, "hello");
	runway_buf_addch(&b, ',');
	runway_buf_addch(&b, ' ');
	runway_buf_add(&b, "world!!!", 5);
	assert_string_equal(b.buf, "hello, world");
	assert_int_equal(b.len, 12);
	assert_true(b.alloc > b.len);
	assert_int_equal(b.buf[b.len], '\0');

	/* embedded NUL bytes are kept and counted */
	runway_buf_add(&b, "a\0b", 3);
	assert_int_equal(b.len, 15);
	assert_memory_equal(b.buf + 12, "a\0b", 4);
	runway_buf_release(&b);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.alloc, 0);
}

static void test_buf__grow_large(void **state)
{
	struct runway_buf b = RUNWAY_BUF_INIT;
	size_t i;

	for (i = 0; i < 10000; i++)
		runway_buf_addch(&b, (char)('a' + i % 26));
	assert_int_equal(b.len, 10000);
	assert_true(b.alloc >= 10001);
	for (i = 0; i < 10000; i++)
		if (b.buf[i] != (char)('a' + i % 26))
			fail_msg("byte %zu is '%c'", i, b.buf[i]);
	assert_int_equal(b.buf[10000], '\0');

	/* grow reserves room without changing the contents */
	runway_buf_reset(&b);
	runway_buf_grow(&b, 100000);
	assert_true(b.alloc >= 100001);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.buf, "");
	runway_buf_release(&b);
}

static void test_buf__addf_growth(void **state)
{
	struct runway_buf b = RUNWAY_BUF_INIT;
	char big[1000];
	size_t i;

	runway_buf_addf(&b, "%s=%d", "n", 42);
	assert_string_equal(b.buf, "n=42");
	assert_int_equal(b.len, 4);

	/* a formatted string larger than the first allocation */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	runway_buf_addf(&b, "[%s]%05d", big, 7);
	assert_int_equal(b.len, 4 + 1 + 999 + 1 + 5);
	assert_int_equal(strlen(b.buf), b.len);
	assert_memory_equal(b.buf, "n=42[x", 6);
	assert_string_equal(b.buf + b.len - 6, "]00007");

	/* an empty result adds nothing */
	runway_buf_addf(&b, "%s", "");
	assert_int_equal(b.len, 4 + 1 + 999 + 1 + 5);

	/* many small ones */
	runway_buf_reset(&b);
	for (i = 0; i < 500; i++)
		runway_buf_addf(&b, "%zu,", i);
	assert_int_equal(strncmp(b.buf, "0,1,2,3,", 8), 0);
	assert_string_equal(b.buf + b.len - 4, "499,");
	runway_buf_release(&b);
}

static void test_buf__detach(void **state)
{
	struct runway_buf b = RUNWAY_BUF_INIT;
	char *s;

	runway_buf_adds(&b, "owned string");
	s = runway_buf_detach(&b);
	assert_string_equal(s, "owned string");
	/* the buffer is empty again and reusable */
	assert_ptr_equal(b.buf, runway_buf_empty);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.alloc, 0);
	runway_buf_adds(&b, "again");
	assert_string_equal(b.buf, "again");
	assert_string_equal(s, "owned string");
	free(s);
	runway_buf_release(&b);
}

static void test_buf__truncate(void **state)
{
	struct runway_buf b = RUNWAY_BUF_INIT;

	runway_buf_adds(&b, "abcdef");
	runway_buf_truncate(&b, 3);
	assert_string_equal(b.buf, "abc");
	assert_int_equal(b.len, 3);
	/* truncating to more than len changes nothing */
	runway_buf_truncate(&b, 10);
	assert_string_equal(b.buf, "abc");
	assert_int_equal(b.len, 3);
	runway_buf_adds(&b, "XYZ");
	assert_string_equal(b.buf, "abcXYZ");
	runway_buf_reset(&b);
	assert_string_equal(b.buf, "");
	assert_int_equal(b.len, 0);
	assert_true(b.alloc > 0); /* reset keeps the memory */
	runway_buf_release(&b);

	/* truncating a never-allocated buffer is a no-op */
	runway_buf_truncate(&b, 0);
	assert_string_equal(b.buf, "");
	runway_buf_release(&b);
}

static void test_buf__error_object(void **state)
{
	struct runway_error err = RUNWAY_ERROR_INIT;

	assert_int_equal(runway_error_set(&err, RUNWAY_E_CONFIG, "cannot open '%s'", "x"), -1);
	assert_int_equal(err.klass, RUNWAY_E_CONFIG);
	assert_string_equal(err.msg, "cannot open 'x'");
	runway_error_prefix(&err, "runway.yml:%d", 3);
	assert_string_equal(err.msg, "runway.yml:3: cannot open 'x'");
	runway_error_hint(&err, "try %s", "again");
	assert_string_equal(err.hint, "try again");
	assert_int_equal(runway_error_exit_code(&err), 2);
	runway_error_set(&err, RUNWAY_E_LOCK, "held");
	assert_null(err.hint); /* set replaces the whole error */
	assert_int_equal(runway_error_exit_code(&err), 3);
	runway_error_set(&err, RUNWAY_E_SQL, "failed");
	assert_int_equal(runway_error_exit_code(&err), 1);
	runway_error_clear(&err);
	assert_null(err.msg);
	assert_int_equal(err.klass, RUNWAY_E_NONE);
	assert_int_equal(runway_error_exit_code(&err), 0);
	/* NULL error objects are accepted */
	assert_int_equal(runway_error_set(NULL, RUNWAY_E_IO, "ignored"), -1);
}

static void test_buf__xalloc(void **state)
{
	char *s = xasprintf("%s-%d", "a", 1);
	char *t = xstrndup("abcdef", 3);
	char *u = xstrdup(NULL);
	size_t alloc = 0;
	int *arr = NULL;
	char secret[8] = "hunter2";

	assert_string_equal(s, "a-1");
	assert_string_equal(t, "abc");
	assert_string_equal(u, "");
	arr = xgrow(arr, sizeof(int), 3, &alloc);
	assert_true(alloc >= 3);
	arr = xgrow(arr, sizeof(int), 100, &alloc);
	assert_true(alloc >= 100);
	arr[99] = 7;
	assert_int_equal(arr[99], 7);
	secure_wipe(secret, strlen(secret));
	assert_memory_equal(secret, "\0\0\0\0\0\0\0", 8);
	free(arr);
	free(s);
	free(t);
	free(u);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_buf__empty_never_null),
	cmocka_unit_test(test_buf__append),
	cmocka_unit_test(test_buf__grow_large),
	cmocka_unit_test(test_buf__addf_growth),
	cmocka_unit_test(test_buf__detach),
	cmocka_unit_test(test_buf__truncate),
	cmocka_unit_test(test_buf__error_object),
	cmocka_unit_test(test_buf__xalloc),
};

UNIT_MAIN("buf", tests)
