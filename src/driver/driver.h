/*
 * driver.h - what the rest of runway uses to talk to a database.
 *
 * Callers go through these thin wrappers (driver_exec calls conn->drv->exec);
 * the wrappers are the one place for tracing and for defaults of optional
 * driver methods. Engines implement struct runway_driver (driver_impl.h).
 *
 * SQL conventions shared by every driver:
 *  - parameters are written $1, $2, ... in the SQL text and always passed as
 *    text (NULL pointer = SQL NULL); each driver binds them its own way;
 *  - results come back as text (struct runway_rows);
 *  - a "script" is a change section: several statements that the driver
 *    splits by its engine's own rules (libpg_query's scanner for PostgreSQL,
 *    sqlite3_prepare's tail for SQLite) and runs in order. On failure the
 *    driver reports the byte offset where the failing statement starts, so
 *    the caller can name file:line.
 */
#ifndef RUNWAY_DRIVER_H
#define RUNWAY_DRIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct runway_error;
struct runway_conn;

/* Capability bits of a driver (runway_driver.caps). */
enum runway_driver_caps {
	DRV_TXN_DDL = 1 << 0,        /* DDL is transactional: a failed change leaves nothing */
	DRV_ADVISORY_LOCK = 1 << 1,  /* server-side deploy lock (pg advisory, mysql GET_LOCK) */
	DRV_PIPELINE = 1 << 2,       /* run_batch sends a change in one round trip */
};

/* Offset reported when a failure is not inside the script itself. */
#define DRIVER_NO_OFFSET SIZE_MAX

/* Rows of a query, all values as text. */
struct runway_rows {
	size_t nrows;
	size_t ncols;
	char **names; /* ncols column names */
	char **cells; /* nrows * ncols values, row-major; NULL for SQL NULL */
};
#define RUNWAY_ROWS_INIT { 0, 0, NULL, NULL }

/* The value at (row, col), borrowed from rows; NULL for SQL NULL. */
const char *rows_get(const struct runway_rows *r, size_t row, size_t col);
/* The value at (row, col), handed to the caller (free it); the cell becomes NULL. */
char *rows_take(struct runway_rows *r, size_t row, size_t col);
void rows_release(struct runway_rows *r);

/* One bookkeeping statement with its parameters. */
struct runway_stmt {
	const char *sql;
	const char *const *params;
	size_t nparams;
};

/*
 * A change's unit of work: the script, then the bookkeeping statements
 * (history row, event) in the same transaction. With transactional = false
 * no BEGIN/COMMIT is sent (statements such as CREATE INDEX CONCURRENTLY).
 */
struct runway_batch {
	const char *script;
	size_t script_len;
	const struct runway_stmt *after;
	size_t nafter;
	bool transactional;
};

/* Parsed database URL. */
struct runway_url {
	char *raw;      /* as given; may contain a password: never print it */
	char *redacted; /* password replaced by "***": the only form to show */
	char *scheme;   /* canonical driver name: "sqlite", "postgres", "mysql" */
	char *path;     /* sqlite: file path or ":memory:"; NULL for servers */
	bool no_create; /* set by the caller: a command that only reads must not
			   create a SQLite file (a missing one reads as empty) */
	char *database; /* servers: connect to this database instead of the URL's
			   (runway test's scratch database), or NULL */
};
#define RUNWAY_URL_INIT { NULL, NULL, NULL, NULL, false, NULL }

int url_parse(struct runway_url *out, const char *s, struct runway_error *err);
void url_release(struct runway_url *u);
/* A copy of url with any password replaced by "***" (caller frees). */
char *url_redact(const char *url);
/*
 * A server URL (scheme://authority/db?params) naming database db instead
 * (percent-encoded), parameters kept (caller frees).
 */
char *url_with_database(const char *url, const char *db);
/* The database a server URL names (percent-decoded; caller frees), or NULL. */
char *url_database(const char *url);

/*
 * Append name as an SQL identifier in double quotes, embedded quotes
 * doubled: the quoting SQLite and PostgreSQL share.
 */
void sql_quote_ident(struct runway_buf *b, const char *name);

/*
 * Connect to url. Unknown schemes and engines this build lacks are errors
 * ("runway was built without MySQL support", exit 3).
 */
int driver_connect(struct runway_conn **out, const struct runway_url *url,
		   struct runway_error *err);
void driver_close(struct runway_conn *c);
/*
 * Ask the engine to stop the statement running on c. Safe to call from a
 * signal handler (PQcancel, sqlite3_interrupt): Ctrl-C during runway test
 * stops the work, so the scratch database can be dropped.
 */
void driver_interrupt(struct runway_conn *c);

const char *driver_name(const struct runway_conn *c);
unsigned driver_caps(const struct runway_conn *c);
/* The URL of the connection with the password redacted (borrowed). */
const char *driver_url(const struct runway_conn *c);

/* Run one or more statements that return nothing of interest. */
int driver_exec(struct runway_conn *c, const char *sql, struct runway_error *err);
/* Run a script statement by statement; *fail_offset as described above. */
int driver_exec_script(struct runway_conn *c, const char *sql, size_t len,
		       size_t *fail_offset, struct runway_error *err);
/* Run one statement with text parameters; out may be NULL. */
int driver_query(struct runway_conn *c, const char *sql,
		 const char *const *params, size_t nparams,
		 struct runway_rows *out, struct runway_error *err);
int driver_begin(struct runway_conn *c, struct runway_error *err);
int driver_commit(struct runway_conn *c, struct runway_error *err);
int driver_rollback(struct runway_conn *c, struct runway_error *err);
/*
 * Run a batch. A transactional batch that fails is rolled back; nothing of
 * it remains. *fail_offset is the script offset of the failing statement or
 * DRIVER_NO_OFFSET.
 */
int driver_run_batch(struct runway_conn *c, const struct runway_batch *b,
		     size_t *fail_offset, struct runway_error *err);

/*
 * The deploy lock: one deploy at a time per database. Waits up to
 * timeout_ms, then fails with RUNWAY_E_LOCK.
 */
int driver_lock(struct runway_conn *c, int timeout_ms, struct runway_error *err);
int driver_unlock(struct runway_conn *c, struct runway_error *err);

/*
 * DROP DATABASE IF EXISTS name WITH (FORCE) on a server connection,
 * retried for about tries/10 seconds: a session of the database may still
 * be closing, or a late cancel request may hit the first attempt.
 */
int driver_drop_database(struct runway_conn *admin, const char *name, int tries,
			 struct runway_error *err);

/* Does table name exist in the connection's default schema? */
int driver_table_exists(struct runway_conn *c, const char *name, bool *out,
			struct runway_error *err);
/* DDL creating runway's own tables for this engine (see history.h). */
const char *driver_history_ddl(const struct runway_conn *c);
/* An SQL expression rendering timestamp column col as ISO-8601 UTC text (caller frees). */
char *driver_ts_text(const struct runway_conn *c, const char *col);
/*
 * An SQL expression for the milliseconds elapsed since the timestamp in
 * parameter param ("$11"), or "NULL" when the engine has none (caller frees).
 */
char *driver_elapsed_ms(const struct runway_conn *c, const char *param);

#endif
