/*
 * trace.c - a driver that logs and forwards (see trace.h).
 *
 * Each traced connection carries its own copy of the driver struct, so
 * name, caps and history_ddl stay those of the real engine while every
 * method points here.
 *
 * The same wrapper injects faults for tests: RUNWAY_FAULT_AT=N makes the
 * Nth call through it fail as a lost connection would, before it reaches
 * the database (sqlite/sqlite: test/alterfault.test). Tests run a deploy
 * for N = 1, 2, ... and check that each run either completes or leaves the
 * target exactly as it was between two changes.
 */
#include "util/common.h"
#include "driver/driver_impl.h"
#include "driver/trace.h"

struct trace_conn {
	struct runway_conn base;
	struct runway_driver drv; /* copy of the inner driver with our methods */
	struct runway_conn *inner;
};

#define INNER(c) (((struct trace_conn *)(c))->inner)

static bool tracing;   /* RUNWAY_TRACE_SQL */
static long fault_at;  /* RUNWAY_FAULT_AT, 0 = off */
static long ncalls;    /* calls seen, for fault_at */

/* Log a call; returns -1 when this call is the one to fail. */
static int tlog_err(const char *what, const char *sql, size_t len, struct runway_error *err)
{
	if (tracing) {
		if (len == (size_t)-1)
			len = sql ? strlen(sql) : 0;
		fprintf(stderr, "runway: trace: %s: %.*s\n", what, (int)len, sql ? sql : "");
	}
	if (fault_at && ++ncalls == fault_at)
		return runway_error_set(err, RUNWAY_E_CONN, "injected fault at call %ld (%s)",
					ncalls, what);
	return 0;
}

#define tlog(what, sql, len) \
	do { \
		if (tlog_err(what, sql, len, err) < 0) \
			return -1; \
	} while (0)

static int tr_result(int rc, struct runway_error *err)
{
	if (rc < 0 && tracing)
		fprintf(stderr, "runway: trace: -> error: %s\n", err && err->msg ? err->msg : "?");
	return rc;
}

static void tr_close(struct runway_conn *c)
{
	struct runway_conn *in = INNER(c);
	in->drv->close(in);
	free(c);
}

static int tr_exec(struct runway_conn *c, const char *sql, struct runway_error *err)
{
	tlog("exec", sql, (size_t)-1);
	return tr_result(INNER(c)->drv->exec(INNER(c), sql, err), err);
}

static int tr_exec_script(struct runway_conn *c, const char *sql, size_t len,
			  size_t *off, struct runway_error *err)
{
	tlog("script", sql, len);
	return tr_result(INNER(c)->drv->exec_script(INNER(c), sql, len, off, err), err);
}

static int tr_query(struct runway_conn *c, const char *sql, const char *const *params,
		    size_t n, struct runway_rows *out, struct runway_error *err)
{
	tlog("query", sql, (size_t)-1);
	return tr_result(INNER(c)->drv->query(INNER(c), sql, params, n, out, err), err);
}

static int tr_begin(struct runway_conn *c, struct runway_error *err)
{
	tlog("begin", NULL, 0);
	return tr_result(driver_begin(INNER(c), err), err);
}

static int tr_commit(struct runway_conn *c, struct runway_error *err)
{
	tlog("commit", NULL, 0);
	return tr_result(driver_commit(INNER(c), err), err);
}

static int tr_rollback(struct runway_conn *c, struct runway_error *err)
{
	tlog("rollback", NULL, 0);
	return tr_result(driver_rollback(INNER(c), err), err);
}

static int tr_run_batch(struct runway_conn *c, const struct runway_batch *b,
			size_t *off, struct runway_error *err)
{
	size_t i;
	tlog(b->transactional ? "batch" : "batch (no transaction)", b->script, b->script_len);
	for (i = 0; i < b->nafter; i++)
		tlog("batch after", b->after[i].sql, (size_t)-1);
	return tr_result(driver_run_batch(INNER(c), b, off, err), err);
}

static int tr_lock(struct runway_conn *c, int timeout_ms, struct runway_error *err)
{
	tlog("lock", NULL, 0);
	return tr_result(INNER(c)->drv->lock(INNER(c), timeout_ms, err), err);
}

static int tr_unlock(struct runway_conn *c, struct runway_error *err)
{
	tlog("unlock", NULL, 0);
	return tr_result(INNER(c)->drv->unlock(INNER(c), err), err);
}

/* from a signal handler: no logging, only forward */
static void tr_interrupt(struct runway_conn *c)
{
	INNER(c)->drv->interrupt(INNER(c));
}

static int tr_table_exists(struct runway_conn *c, const char *name, bool *out,
			   struct runway_error *err)
{
	tlog("table_exists", name, (size_t)-1);
	return tr_result(INNER(c)->drv->table_exists(INNER(c), name, out, err), err);
}

void trace_wrap(struct runway_conn **conn)
{
	const char *v = getenv("RUNWAY_TRACE_SQL");
	const char *f = getenv("RUNWAY_FAULT_AT");
	struct trace_conn *t;

	tracing = v && *v && strcmp(v, "0");
	fault_at = f ? strtol(f, NULL, 10) : 0;
	if (!tracing && fault_at <= 0)
		return;
	t = xcalloc(1, sizeof(*t));
	t->inner = *conn;
	t->drv = *(*conn)->drv;
	t->drv.close = tr_close;
	t->drv.exec = tr_exec;
	t->drv.exec_script = tr_exec_script;
	t->drv.query = tr_query;
	t->drv.begin = tr_begin;
	t->drv.commit = tr_commit;
	t->drv.rollback = tr_rollback;
	t->drv.run_batch = tr_run_batch;
	t->drv.lock = tr_lock;
	t->drv.unlock = tr_unlock;
	t->drv.table_exists = tr_table_exists;
	if (t->drv.interrupt)
		t->drv.interrupt = tr_interrupt;
	t->base.drv = &t->drv;
	t->base.url_redacted = (*conn)->url_redacted;
	(*conn)->url_redacted = NULL;
	*conn = &t->base;
}
