/*
 * bench/parse-floor.c - what parsing PostgreSQL SQL costs with libpg_query,
 * the floor under `runway check --engine postgres`.
 *
 *   parse-floor [-m raw|protobuf|both] [-n REPEAT] FILE...
 *
 * Reads every FILE into memory first (not timed), then parses each file whole:
 *
 *   raw       libpg_query's bare grammar parse: pg_query_raw_parse() inside
 *             pg_query_enter_memory_context()/pg_query_exit_memory_context(),
 *             one memory context per file (what a linter walking the raw tree
 *             pays before its own work);
 *   protobuf  pg_query_parse_protobuf() (the parse plus serialising the whole
 *             tree to protobuf) and pg_query_free_protobuf_parse_result().
 *
 * With -n REPEAT each mode is timed REPEAT times over all files; it prints,
 * per mode, the median and minimum seconds, bytes, statements and MB/s
 * (MB = 10^6 bytes), one line each:
 *
 *   raw files=1000 bytes=1412345 statements=5321 errors=0 median_s=0.041 min_s=0.040 mb_s=34.4
 *
 * Exit 1 if a file does not parse (the first error is printed), 2 on a usage
 * or I/O error. Built by bench/check:
 *
 *   cc -O2 -I$(pg_config --includedir-server) bench/parse-floor.c -lpg_query
 */
#define _POSIX_C_SOURCE 200809L

#include <pg_query.h>
/* pg_query.h defines these too; postgres.h (pg_config.h) redefines them */
#ifdef PG_VERSION
#undef PG_VERSION
#endif
#ifdef PG_VERSION_NUM
#undef PG_VERSION_NUM
#endif
#ifdef PG_MAJORVERSION
#undef PG_MAJORVERSION
#endif
#include "postgres.h"
#include <pg_query/pg_query_internal.h>
/*
 * postgres.h (port.h) redirects printf, fprintf, strerror ... to PostgreSQL's
 * own pg_printf, pg_fprintf, pg_strerror; libpg_query does not export
 * pg_strerror, so the link fails. Use the C library's.
 */
#undef printf
#undef fprintf
#undef vfprintf
#undef snprintf
#undef strerror

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct input {
	const char *path;
	char *text; /* NUL-terminated */
	size_t len;
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int read_file(const char *path, struct input *in)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap);
	for (;;) {
		if (!buf) {
			fclose(f);
			errno = ENOMEM;
			return -1;
		}
		size_t n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
		if (n == 0)
			break;
		if (len + 1 == cap) {
			cap *= 2;
			char *nb = realloc(buf, cap);
			if (!nb)
				free(buf);
			buf = nb;
		}
	}
	int err = ferror(f);
	fclose(f);
	if (err) {
		free(buf);
		errno = EIO;
		return -1;
	}
	buf[len] = '\0';
	in->path = path;
	in->text = buf;
	in->len = len;
	return 0;
}

/* One pass over all inputs; returns seconds, counts statements and errors. */
static double pass_raw(const struct input *in, int n, long *stmts, long *errors)
{
	double t0 = now_s();
	for (int i = 0; i < n; i++) {
		MemoryContext ctx = pg_query_enter_memory_context();
		PgQueryInternalParsetreeAndError r = pg_query_raw_parse(in[i].text);
		if (r.error) {
			if (*errors == 0)
				fprintf(stderr, "parse-floor: %s: offset %d: %s\n", in[i].path,
					r.error->cursorpos, r.error->message);
			(*errors)++;
			pg_query_free_error(r.error);
		} else {
			*stmts += list_length(r.tree);
		}
		free(r.stderr_buffer);
		pg_query_exit_memory_context(ctx);
	}
	return now_s() - t0;
}

static double pass_protobuf(const struct input *in, int n, long *stmts, long *errors)
{
	double t0 = now_s();
	for (int i = 0; i < n; i++) {
		PgQueryProtobufParseResult r = pg_query_parse_protobuf(in[i].text);
		if (r.error) {
			if (*errors == 0)
				fprintf(stderr, "parse-floor: %s: offset %d: %s\n", in[i].path,
					r.error->cursorpos, r.error->message);
			(*errors)++;
		} else {
			(*stmts)++; /* not unpacked: count files */
		}
		pg_query_free_protobuf_parse_result(r);
	}
	return now_s() - t0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static int run(const char *mode, const struct input *in, int n, size_t bytes, int repeat)
{
	int raw = strcmp(mode, "raw") == 0;
	double *t = calloc((size_t)repeat, sizeof *t);
	long stmts = 0, errors = 0;
	if (!t)
		return 2;
	for (int k = 0; k < repeat; k++) {
		long s = 0, e = 0;
		t[k] = raw ? pass_raw(in, n, &s, &e) : pass_protobuf(in, n, &s, &e);
		stmts = s;
		errors = e;
		if (e)
			break;
	}
	qsort(t, (size_t)repeat, sizeof *t, cmp_double);
	double med = repeat % 2 ? t[repeat / 2] : (t[repeat / 2 - 1] + t[repeat / 2]) / 2;
	if (errors)
		med = t[repeat - 1];
	printf("%s files=%d bytes=%zu %s=%ld errors=%ld median_s=%.6f min_s=%.6f mb_s=%.2f\n", mode, n,
		bytes, raw ? "statements" : "trees", stmts, errors, med, t[0],
		med > 0 ? (double)bytes / 1e6 / med : 0.0);
	free(t);
	return errors ? 1 : 0;
}

int main(int argc, char **argv)
{
	const char *mode = "both";
	int repeat = 1, i = 1;
	for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		} else if (strcmp(argv[i], "-m") == 0 && i + 1 < argc) {
			mode = argv[++i];
		} else if (strcmp(argv[i], "-n") == 0 && i + 1 < argc) {
			repeat = atoi(argv[++i]);
		} else {
			goto usage;
		}
	}
	if (i >= argc || repeat < 1 ||
	    (strcmp(mode, "raw") && strcmp(mode, "protobuf") && strcmp(mode, "both")))
		goto usage;

	int n = argc - i;
	struct input *in = calloc((size_t)n, sizeof *in);
	size_t bytes = 0;
	if (!in)
		return 2;
	for (int k = 0; k < n; k++) {
		if (read_file(argv[i + k], &in[k]) != 0) {
			fprintf(stderr, "parse-floor: %s: %s\n", argv[i + k], strerror(errno));
			return 2;
		}
		bytes += in[k].len;
	}

	int rc = 0;
	if (strcmp(mode, "protobuf") != 0)
		rc |= run("raw", in, n, bytes, repeat);
	if (strcmp(mode, "raw") != 0)
		rc |= run("protobuf", in, n, bytes, repeat);
	for (int k = 0; k < n; k++)
		free(in[k].text);
	free(in);
	return rc;

usage:
	fprintf(stderr, "usage: parse-floor [-m raw|protobuf|both] [-n REPEAT] FILE...\n");
	return 2;
}
