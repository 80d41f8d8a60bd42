/*
 * driver_impl.h - for implementers of a database driver only.
 *
 * A driver exports one `const struct runway_driver runway_driver_<name>`
 * and allocates connections whose first member is struct runway_conn, so
 * the generic part can be reached from the driver's own struct and back
 * (libgit2: refdb_fs.c `parent`):
 *
 *	struct pg_conn { struct runway_conn base; PGconn *pg; };
 *
 * Every method reports failure by returning -1 with err set. Messages carry
 * the database's own text ("relation \"menu\" does not exist") without
 * runway's context; callers add file:line.
 */
#ifndef RUNWAY_DRIVER_IMPL_H
#define RUNWAY_DRIVER_IMPL_H

#include "driver/driver.h"

struct runway_driver;

struct runway_conn {
	const struct runway_driver *drv;
	char *url_redacted; /* set by driver.c after connect; freed by driver_close */
};

struct runway_driver {
	const char *name; /* "sqlite", "postgres", "mysql" */
	unsigned caps;    /* enum runway_driver_caps */

	/* required: open a connection; fill *out with a struct whose first member is runway_conn */
	int (*connect)(struct runway_conn **out, const struct runway_url *url,
		       struct runway_error *err);
	/* required: close and free the connection (url_redacted is freed by the caller) */
	void (*close)(struct runway_conn *c);
	/* required: run SQL without parameters and without results */
	int (*exec)(struct runway_conn *c, const char *sql, struct runway_error *err);
	/* required: split sql by the engine's rules and run each statement */
	int (*exec_script)(struct runway_conn *c, const char *sql, size_t len,
			   size_t *fail_offset, struct runway_error *err);
	/* required: one statement, text parameters $1..$n, text results */
	int (*query)(struct runway_conn *c, const char *sql,
		     const char *const *params, size_t nparams,
		     struct runway_rows *out, struct runway_error *err);
	/* optional: default exec("BEGIN") / exec("COMMIT") / exec("ROLLBACK") */
	int (*begin)(struct runway_conn *c, struct runway_error *err);
	int (*commit)(struct runway_conn *c, struct runway_error *err);
	int (*rollback)(struct runway_conn *c, struct runway_error *err);
	/* optional: default begin + exec_script + query each `after` + commit */
	int (*run_batch)(struct runway_conn *c, const struct runway_batch *b,
			 size_t *fail_offset, struct runway_error *err);
	/* required: deploy lock with timeout (RUNWAY_E_LOCK when it runs out) */
	int (*lock)(struct runway_conn *c, int timeout_ms, struct runway_error *err);
	int (*unlock)(struct runway_conn *c, struct runway_error *err);
	/* optional, async-signal-safe: cancel the running statement */
	void (*interrupt)(struct runway_conn *c);
	/* required: does a table of that name exist in the default schema */
	int (*table_exists)(struct runway_conn *c, const char *name, bool *out,
			    struct runway_error *err);
	/* required: CREATE TABLE statements for runway_meta/_history/_events */
	const char *history_ddl;
	/*
	 * optional: printf formats (one %s) for SQL expressions that render a
	 * stored timestamp column as ISO-8601 UTC text ("2026-11-21T09:30:00.000Z"),
	 * default "%s"; and that give the milliseconds elapsed since the
	 * timestamp parameter %s, so a change's duration is written in its own
	 * batch (default: NULL, written as NULL).
	 */
	const char *ts_text_fmt;
	const char *elapsed_ms_fmt;
};

extern const struct runway_driver runway_driver_sqlite;
#ifdef RUNWAY_WITH_POSTGRES
extern const struct runway_driver runway_driver_postgres;
#endif
#ifdef RUNWAY_WITH_MYSQL
extern const struct runway_driver runway_driver_mysql;
#endif

/* Helpers for drivers building struct runway_rows. */
void rows_alloc(struct runway_rows *r, size_t nrows, size_t ncols);

#endif
