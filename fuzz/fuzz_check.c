/*
 * fuzz_check.c - the pre-checks (check/check.h) on any bytes, with every
 * rule on: the PostgreSQL walker over libpg_query's raw tree (first byte
 * even) or the SQLite walker over SQLite's parser (odd). Besides not
 * crashing, every finding must point inside the file (line within it,
 * column >= 1 when a line is given) and name a rule of the table.
 */
#include "util/common.h"
#include "check/check.h"

#define CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "fuzz_check: check failed: %s (line %d)\n", #cond, __LINE__); \
		abort(); \
	} \
} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct check_file f;
	struct check_settings settings;
	struct check_opts o;
	struct report r = REPORT_INIT("check");
	struct runway_error err = RUNWAY_ERROR_INIT;
	unsigned lines = 1;
	size_t i, j;

	if (!size || size > 1 << 16)
		return 0;
	for (i = 1; i < size; i++)
		lines += data[i] == '\n';
	memset(&f, 0, sizeof(f));
	memset(&o, 0, sizeof(o));
	if (change_parse_flags(&f.change, "fuzz", "fuzz.sql", (const char *)data + 1, size - 1,
			       CHANGE_NO_REVERT_OK, &err) < 0) {
		change_release(&f.change);
		runway_error_clear(&err);
		return 0;
	}
	CHECK(check_settings_init(&settings, NULL, "all", NULL, &err) == 0);
	o.engine = data[0] & 1 ? CHECK_SQLITE : CHECK_POSTGRES;
	o.settings = &settings;
	CHECK(check_run(&r, &f, 1, &o, &err) == 0);
	for (i = 0; i < r.ncases; i++)
		for (j = 0; j < r.cases[i].n; j++) {
			const struct report_finding *x = &r.cases[i].findings[j];
			CHECK(check_rule_find(x->rule->name) != NULL);
			CHECK(x->line <= lines);
			CHECK(!x->line || x->col >= 1);
			CHECK(x->message && *x->message);
		}
	report_release(&r);
	check_file_release(&f);
	runway_error_clear(&err);
	return 0;
}
