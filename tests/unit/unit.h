/*
 * unit.h - helpers shared by the unit tests (tests/unit/test_<module>.c).
 *
 * Include after util/common.h and <cmocka.h>. Everything here is static so
 * each test binary stays one translation unit.
 *
 * Every binary accepts "-s module::case" (or "-s module" for a whole file,
 * shell-style wildcards allowed) to run only the matching tests, mapped to
 * cmocka's test filter on the function names test_<module>__<case>.
 */
#ifndef RUNWAY_TEST_UNIT_H
#define RUNWAY_TEST_UNIT_H

#include <fnmatch.h>

#include "driver/driver.h"
#include "util/fs.h"
#include "util/vec.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

/* Fail the test with the error's message when rc < 0. */
static inline void must(int rc, struct runway_error *err)
{
	if (rc < 0)
		fail_msg("unexpected error: %s", err->msg ? err->msg : "(no message)");
}

/* Assert that s contains sub (with a readable failure). */
#define assert_contains(s, sub) do { \
	const char *s_ = (s), *sub_ = (sub); \
	if (!s_ || !strstr(s_, sub_)) \
		fail_msg("'%s' does not contain '%s'", s_ ? s_ : "(null)", sub_); \
} while (0)

#define assert_not_contains(s, sub) do { \
	const char *s_ = (s), *sub_ = (sub); \
	if (s_ && strstr(s_, sub_)) \
		fail_msg("'%s' contains '%s'", s_, sub_); \
} while (0)

/* A fresh directory under $TMPDIR (caller frees and removes with rm_rf). */
static inline char *make_tmpdir(void)
{
	const char *base = getenv("TMPDIR");
	char *tmpl = xasprintf("%s/runway-unit-XXXXXX", base && *base ? base : "/tmp");
	if (!mkdtemp(tmpl))
		fail_msg("mkdtemp: %s", strerror(errno));
	return tmpl;
}

/* Write dir/name with text (creating or replacing it). */
static inline void write_file(const char *dir, const char *name, const char *text)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	if (!f)
		fail_msg("cannot create '%s': %s", path, strerror(errno));
	fputs(text, f);
	fclose(f);
	free(path);
}

/* Remove path and everything below it. */
static inline void rm_rf(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	if (d) {
		while ((de = readdir(d)) != NULL) {
			char *sub;
			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			sub = xasprintf("%s/%s", path, de->d_name);
			rm_rf(sub);
			free(sub);
		}
		closedir(d);
		rmdir(path);
	} else {
		unlink(path);
	}
}

/* The value of a one-row, one-column query (caller frees; NULL for SQL NULL). */
static inline char *scalar(struct runway_conn *c, const char *sql)
{
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct runway_rows r = RUNWAY_ROWS_INIT;
	char *v;

	must(driver_query(c, sql, NULL, 0, &r, &err), &err);
	assert_int_equal(r.nrows, 1);
	assert_int_equal(r.ncols, 1);
	v = rows_get(&r, 0, 0) ? xstrdup(rows_get(&r, 0, 0)) : NULL;
	rows_release(&r);
	return v;
}

static inline void assert_scalar(struct runway_conn *c, const char *sql, const char *want)
{
	char *v = scalar(c, sql);
	if (!v || strcmp(v, want))
		fail_msg("%s -> '%s', want '%s'", sql, v ? v : "(null)", want);
	free(v);
}

/* Apply "-s module::case" from the command line to cmocka's filter. */
/*
 * The PostgreSQL server of the pg fixture (tests/pg-cluster.sh writes its
 * URL to $RUNWAY_TEST_STATE/pg-url). Returns 1 and sets *url (caller
 * frees); 0 with *url NULL when there is none (the tests skip); -1 when
 * there is none but RUNWAY_TEST_PG=required.
 */
static inline int unit_pg_url(char **url)
{
	const char *dir = getenv("RUNWAY_TEST_STATE");
	const char *req = getenv("RUNWAY_TEST_PG");
	char line[1024];
	FILE *f = NULL;
	int ret;

	*url = NULL;
	if (dir) {
		char *path = xasprintf("%s/pg-url", dir);
		f = fopen(path, "r");
		free(path);
	}
	if (f && fgets(line, sizeof(line), f) && *line) {
		line[strcspn(line, "\r\n")] = '\0';
		*url = xstrdup(line);
		ret = 1;
	} else if (req && !strcmp(req, "required")) {
		fprintf(stderr, "no PostgreSQL server (RUNWAY_TEST_PG=required)\n");
		ret = -1;
	} else {
		fprintf(stderr, "no PostgreSQL server: skipping (see tests/pg-cluster.sh)\n");
		ret = 0;
	}
	if (f)
		fclose(f);
	return ret;
}

static inline void unit_filter(int argc, char **argv, char **pattern)
{
	const char *sel, *sep;
	*pattern = NULL;
	if (argc < 3 || strcmp(argv[1], "-s"))
		return;
	sel = argv[2];
	sep = strstr(sel, "::");
	if (sep)
		*pattern = xasprintf("test_%.*s__%s", (int)(sep - sel), sel, sep + 2);
	else
		*pattern = xasprintf("test_%s__*", sel);
	cmocka_set_test_filter(*pattern);
}

/* A selection that matches no test is an error, so a renamed case cannot vanish. */
#define UNIT_MAIN(group, tests) \
	int main(int argc, char **argv) \
	{ \
		char *pattern; \
		size_t i_, matched_ = 0; \
		int rc; \
		unit_filter(argc, argv, &pattern); \
		for (i_ = 0; i_ < sizeof(tests) / sizeof(tests[0]); i_++) \
			matched_ += !pattern || !fnmatch(pattern, tests[i_].name, 0); \
		if (!matched_) { \
			fprintf(stderr, "no test matches '%s'\n", pattern); \
			free(pattern); \
			return 1; \
		} \
		rc = cmocka_run_group_tests_name(group, tests, NULL, NULL); \
		free(pattern); \
		return rc; \
	}

#endif
