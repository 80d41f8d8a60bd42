/*
 * fuzz_vars.c - ${name} expansion (core/vars.h) on any bytes.
 *
 * Input without '$' comes out unchanged; an error points bad_offset at the
 * "${" that caused it; a success leaves no "${" unless the input escaped
 * one ("$${") or a value holds one.
 */
#include "util/common.h"
#include "core/vars.h"

#define CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "fuzz_vars: check failed: %s (line %d)\n", #cond, __LINE__); \
		abort(); \
	} \
} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct runway_buf out = RUNWAY_BUF_INIT;
	struct vars v = VARS_INIT;
	const char *s = (const char *)data;
	size_t bad = (size_t)-1;

	vars_set(&v, "a", "A");
	vars_set(&v, "app_schema", "app");
	vars_set(&v, "db.name", "");
	vars_set(&v, "read-only", "ro");
	vars_set(&v, "self", "${self}"); /* values are not expanded again */

	runway_buf_addch(&out, '>'); /* expansion appends */
	if (vars_expand(&out, s, size, vars_lookup_table, &v, &bad, &err) < 0) {
		CHECK(err.msg && err.klass == RUNWAY_E_CONFIG);
		CHECK(bad + 1 < size);
		CHECK(s[bad] == '$' && s[bad + 1] == '{');
		CHECK(strstr(err.msg, "placeholder '${") != NULL);
	} else {
		CHECK(!err.msg);
		CHECK(bad == (size_t)-1);
		CHECK(out.buf[0] == '>');
		CHECK(strlen(out.buf) <= out.len);
		if (!memchr(s, '$', size))
			CHECK(out.len == size + 1 && !memcmp(out.buf + 1, s, size));
		/* without "$${" or "${self}", no "${" survives expansion */
		if (!memmem(s, size, "$${", 3) && !memmem(s, size, "${self}", 7) &&
		    !memchr(s, '\0', size))
			CHECK(!strstr(out.buf, "${"));
	}
	runway_buf_release(&out);
	runway_error_clear(&err);
	vars_release(&v);
	return 0;
}
