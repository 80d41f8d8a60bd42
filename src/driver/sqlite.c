/*
 * sqlite.c - the SQLite driver, runway's embedded default.
 *
 * Scripts are split the way SQLite itself does it: sqlite3_prepare_v2 on the
 * text, run the statement, continue at the tail it hands back. That honours
 * strings, quoted identifiers, comments and trigger bodies exactly as the
 * engine does, and statements may refer to tables created just before them.
 *
 * The deploy lock: SQLite's write lock lasts one transaction, while a deploy
 * spans one transaction per change, so the deploy lock is an flock() on a
 * lock file beside the database ("<db>-runway.lock"). The kernel drops it when
 * the process dies, so a killed deploy never leaves a stale lock. Each
 * change's own transaction still takes SQLite's write lock (BEGIN IMMEDIATE),
 * and busy_timeout follows --lock-timeout.
 */
#include "util/common.h"
#include "driver/driver_impl.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <unistd.h>

struct sq_conn {
	struct runway_conn base;
	sqlite3 *db;
	char *path;   /* file path, or NULL for :memory: */
	int lock_fd;  /* deploy lock file, -1 when not held */
};

#define SQ(c) ((struct sq_conn *)(c))

static int sq_fail(struct sq_conn *c, struct runway_error *err)
{
	return runway_error_set(err, RUNWAY_E_SQL, "%s", sqlite3_errmsg(c->db));
}

static int sq_connect(struct runway_conn **out, const struct runway_url *url,
		      struct runway_error *err)
{
	struct sq_conn *c = xcalloc(1, sizeof(*c));
	bool mem = !strcmp(url->path, ":memory:");
	int rc;

	c->lock_fd = -1;
	if (url->no_create && !mem && access(url->path, F_OK) < 0 && errno == ENOENT) {
		/* nothing deployed yet: read an empty database, leave no file behind */
		mem = true;
		rc = sqlite3_open_v2(":memory:", &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
	} else
	rc = sqlite3_open_v2(url->path, &c->db,
			     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		runway_error_set(err, RUNWAY_E_CONN, "cannot open SQLite database '%s': %s",
				 url->path, c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
		sqlite3_close(c->db);
		free(c);
		return -1;
	}
	sqlite3_extended_result_codes(c->db, 0);
	sqlite3_busy_timeout(c->db, 5000);
	/* SQLite reads the file lazily: a file that is no database must fail here (exit 3) */
	if (sqlite3_exec(c->db, "SELECT count(*) FROM sqlite_master", NULL, NULL, NULL) != SQLITE_OK) {
		runway_error_set(err, RUNWAY_E_CONN, "cannot open SQLite database '%s': %s",
				 url->path, sqlite3_errmsg(c->db));
		sqlite3_close(c->db);
		free(c);
		return -1;
	}
	c->path = mem ? NULL : xstrdup(url->path);
	*out = &c->base;
	return 0;
}

static void sq_close(struct runway_conn *base)
{
	struct sq_conn *c = SQ(base);
	if (c->lock_fd >= 0)
		close(c->lock_fd);
	sqlite3_close(c->db);
	free(c->path);
	free(c);
}

/* Run one prepared statement to completion. */
static int sq_step_all(struct sq_conn *c, sqlite3_stmt *st, struct runway_error *err)
{
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		;
	if (rc != SQLITE_DONE)
		return sq_fail(c, err);
	return 0;
}

/*
 * Authorizer while a script runs inside runway's transaction: BEGIN,
 * COMMIT or ROLLBACK in a change would end that transaction early, and the
 * rest of the change and its history row would then commit on their own.
 * SQLite asks at prepare time, so the statement is refused before it runs.
 * Savepoints stay inside the transaction and are allowed.
 */
static int sq_authorize(void *arg, int action, const char *a, const char *b,
			const char *c, const char *d)
{
	(void)b;
	(void)c;
	(void)d;
	if (action != SQLITE_TRANSACTION)
		return SQLITE_OK;
	*(const char **)arg = a; /* "BEGIN", "COMMIT" or "ROLLBACK" */
	return SQLITE_DENY;
}

/*
 * Run sql statement by statement. guard: refuse transaction control when
 * inside a transaction (scripts of changes; runway's own BEGIN and COMMIT
 * go through sq_exec, unguarded).
 */
static int sq_run(struct sq_conn *c, const char *sql, size_t len, size_t *fail_offset,
		  bool guard, struct runway_error *err)
{
	const char *p = sql, *end = sql + len, *tail;
	const char *denied = NULL;
	bool in_txn = guard && !sqlite3_get_autocommit(c->db);
	sqlite3_stmt *st;
	int ret = -1;

	if (in_txn)
		sqlite3_set_authorizer(c->db, sq_authorize, (void *)&denied);
	while (p < end) {
		st = NULL;
		if (sqlite3_prepare_v2(c->db, p, (int)(end - p), &st, &tail) != SQLITE_OK) {
			*fail_offset = (size_t)(p - sql);
			if (denied) {
				runway_error_set(err, RUNWAY_E_CHANGE,
						 "%s inside a change: runway runs each change in a transaction of its own",
						 denied);
				runway_error_hint(err, "remove it, or mark the change '-- runway:no-transaction' "
						  "to manage transactions yourself");
			} else {
				sq_fail(c, err);
			}
			goto out;
		}
		if (!st) { /* whitespace, a comment or a lone ';' */
			if (tail <= p)
				break;
			p = tail;
			continue;
		}
		if (sq_step_all(c, st, err) < 0) {
			*fail_offset = (size_t)(p - sql);
			sqlite3_finalize(st);
			goto out;
		}
		sqlite3_finalize(st);
		p = tail;
	}
	ret = 0;
out:
	if (in_txn)
		sqlite3_set_authorizer(c->db, NULL, NULL);
	return ret;
}

static int sq_exec_script(struct runway_conn *base, const char *sql, size_t len,
			  size_t *fail_offset, struct runway_error *err)
{
	return sq_run(SQ(base), sql, len, fail_offset, true, err);
}

static int sq_exec(struct runway_conn *base, const char *sql, struct runway_error *err)
{
	size_t off;
	return sq_run(SQ(base), sql, strlen(sql), &off, false, err);
}

static int sq_query(struct runway_conn *base, const char *sql,
		    const char *const *params, size_t nparams,
		    struct runway_rows *out, struct runway_error *err)
{
	struct sq_conn *c = SQ(base);
	sqlite3_stmt *st = NULL;
	char **cells = NULL;
	size_t ncols, nrows = 0, alloc = 0, i;
	int rc, ret = -1;

	if (sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) != SQLITE_OK)
		return sq_fail(c, err);
	for (i = 0; i < nparams; i++) {
		char name[24];
		int idx;
		snprintf(name, sizeof(name), "$%zu", i + 1);
		idx = sqlite3_bind_parameter_index(st, name);
		if (!idx)
			continue;
		if (params[i])
			rc = sqlite3_bind_text(st, idx, params[i], -1, SQLITE_STATIC);
		else
			rc = sqlite3_bind_null(st, idx);
		if (rc != SQLITE_OK) {
			sq_fail(c, err);
			goto out;
		}
	}
	ncols = (size_t)sqlite3_column_count(st);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (!out)
			continue;
		cells = xgrow(cells, sizeof(char *), (nrows + 1) * ncols, &alloc);
		for (i = 0; i < ncols; i++) {
			const unsigned char *v = sqlite3_column_text(st, (int)i);
			cells[nrows * ncols + i] = v ? xstrdup((const char *)v) : NULL;
		}
		nrows++;
	}
	if (rc != SQLITE_DONE) {
		sq_fail(c, err);
		goto out;
	}
	if (out) {
		rows_alloc(out, nrows, ncols);
		for (i = 0; i < ncols; i++)
			out->names[i] = xstrdup(sqlite3_column_name(st, (int)i));
		if (nrows)
			memcpy(out->cells, cells, nrows * ncols * sizeof(char *));
		free(cells);
		cells = NULL;
		nrows = 0;
	}
	ret = 0;
out:
	for (i = 0; cells && i < nrows * ncols; i++)
		free(cells[i]);
	free(cells);
	sqlite3_finalize(st);
	return ret;
}

static int sq_begin(struct runway_conn *base, struct runway_error *err)
{
	/* IMMEDIATE: take the write lock now, waiting up to busy_timeout */
	return sq_exec(base, "BEGIN IMMEDIATE", err);
}

static int sq_lock(struct runway_conn *base, int timeout_ms, struct runway_error *err)
{
	struct sq_conn *c = SQ(base);
	char *lockpath;
	int waited = 0;

	sqlite3_busy_timeout(c->db, timeout_ms > 0 ? timeout_ms : 1);
	if (!c->path || c->lock_fd >= 0)
		return 0;
	lockpath = xasprintf("%s-runway.lock", c->path);
	c->lock_fd = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (c->lock_fd < 0) {
		runway_error_set(err, RUNWAY_E_IO, "cannot open lock file '%s': %s",
				 lockpath, strerror(errno));
		free(lockpath);
		return -1;
	}
	while (flock(c->lock_fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK && errno != EINTR) {
			runway_error_set(err, RUNWAY_E_IO, "cannot lock '%s': %s",
					 lockpath, strerror(errno));
			goto fail;
		}
		if (waited >= timeout_ms) {
			runway_error_set(err, RUNWAY_E_LOCK,
					 "deploy lock on '%s' is held by another runway (waited %d.%03d s)",
					 c->path, waited / 1000, waited % 1000);
			runway_error_hint(err, "wait for the other deploy, or raise --lock-timeout");
			goto fail;
		}
		usleep(20 * 1000);
		waited += 20;
	}
	free(lockpath);
	return 0;
fail:
	close(c->lock_fd);
	c->lock_fd = -1;
	free(lockpath);
	return -1;
}

static int sq_unlock(struct runway_conn *base, struct runway_error *err)
{
	struct sq_conn *c = SQ(base);
	if (c->lock_fd >= 0) {
		flock(c->lock_fd, LOCK_UN);
		close(c->lock_fd);
		c->lock_fd = -1;
	}
	return 0;
}

static int sq_table_exists(struct runway_conn *base, const char *name, bool *out,
			   struct runway_error *err)
{
	struct runway_rows r = RUNWAY_ROWS_INIT;
	const char *p[1] = { name };
	if (sq_query(base, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = $1",
		     p, 1, &r, err) < 0)
		return -1;
	*out = r.nrows > 0;
	rows_release(&r);
	return 0;
}

static const char sq_history_ddl[] =
	"CREATE TABLE IF NOT EXISTS runway_meta (\n"
	"  key text PRIMARY KEY,\n"
	"  value text NOT NULL\n"
	");\n"
	"INSERT OR IGNORE INTO runway_meta (key, value) VALUES ('schema_version', '1');\n"
	"CREATE TABLE IF NOT EXISTS runway_history (\n"
	"  change_id text PRIMARY KEY,\n"
	"  position integer NOT NULL,\n"
	"  state text NOT NULL,\n"
	"  checksum text NOT NULL,\n"
	"  deploy_sql text NOT NULL,\n"
	"  revert_sql text,\n"
	"  verify_sql text,\n"
	"  requires text,\n"
	"  labels text,\n"
	"  no_transaction integer NOT NULL DEFAULT 0,\n"
	"  deployed_at text NOT NULL,\n"
	"  deployed_by text,\n"
	"  host text,\n"
	"  git_commit text,\n"
	"  git_ref text,\n"
	"  duration_ms integer\n"
	");\n"
	"CREATE TABLE IF NOT EXISTS runway_events (\n"
	"  id integer PRIMARY KEY AUTOINCREMENT,\n"
	"  at text NOT NULL,\n"
	"  action text NOT NULL,\n"
	"  change_id text,\n"
	"  status text NOT NULL,\n"
	"  actor text,\n"
	"  host text,\n"
	"  git_commit text,\n"
	"  duration_ms integer,\n"
	"  error text\n"
	");\n";

static void sq_interrupt(struct runway_conn *c)
{
	sqlite3_interrupt(SQ(c)->db);
}

const struct runway_driver runway_driver_sqlite = {
	.name = "sqlite",
	.caps = DRV_TXN_DDL,
	.connect = sq_connect,
	.close = sq_close,
	.exec = sq_exec,
	.exec_script = sq_exec_script,
	.query = sq_query,
	.begin = sq_begin,
	.lock = sq_lock,
	.unlock = sq_unlock,
	.table_exists = sq_table_exists,
	.interrupt = sq_interrupt,
	.history_ddl = sq_history_ddl,
	.ts_text_fmt = "%s",
	/* julianday('now') has millisecond precision */
	.elapsed_ms_fmt = "CAST(round((julianday('now') - julianday(%s)) * 86400000.0) AS integer)",
};
