/*
 * history.h - runway's bookkeeping tables inside the target database.
 *
 * Format (schema_version 1). Each driver provides the DDL in its engine's
 * types (driver_history_ddl); the columns and their meaning are the same:
 *
 *   runway_meta     key text primary key, value text
 *                   ('schema_version', '1'): later releases upgrade from it
 *   runway_history  one row per applied (or started) change
 *       change_id     text primary key   file name without .sql
 *       position      integer            deploy order, 1, 2, ...; revert goes newest first
 *       state         text               'applied', or 'started' while a no-transaction
 *                                        change runs (left behind if it was interrupted)
 *       checksum      text               SHA-256 hex of the deploy section (CRLF -> LF)
 *       deploy_sql    text               the deploy section as run (placeholders expanded)
 *       revert_sql    text               the revert section as it will run; NULL if irreversible
 *       verify_sql    text               the verify section; NULL if none
 *       requires      text               space-separated ids
 *       labels        text               space-separated labels
 *       no_transaction integer           1 for no-transaction changes
 *       deployed_at   timestamp (UTC)
 *       deployed_by   text               $RUNWAY_USER, else the login name
 *       host          text
 *       git_commit    text               commit of the project checkout, if any
 *       git_ref       text               branch or tag name, if any
 *       duration_ms   integer
 *   runway_events   append-only audit trail
 *       id            integer, increasing
 *       at            timestamp (UTC)
 *       action        text               deploy, revert, verify, resume
 *       change_id     text
 *       status        text               ok, fail (a failure is its own event,
 *                                        committed after the rollback)
 *       actor, host, git_commit text, duration_ms integer
 *       error         text               the database's message for a failure
 *
 * A change's history row and its 'deploy' event are written in the change's
 * own transaction; a 'fail' event is committed separately after rollback.
 */
#ifndef RUNWAY_HISTORY_H
#define RUNWAY_HISTORY_H

#define HISTORY_SCHEMA_VERSION 1

#include <stdbool.h>
#include <stddef.h>

struct runway_conn;
struct runway_error;
struct runway_stmt;

/* One row of runway_history. */
struct history_row {
	char *change_id;
	long position;
	bool started;      /* state 'started': a no-transaction change did not finish */
	bool no_transaction;
	char *checksum;
	char *deployed_at; /* ISO-8601 UTC text */
	char *deployed_by;
	char *host;
	char *git_commit;
	char *duration_ms; /* text, may be NULL */
	char *revert_sql;  /* only loaded with HISTORY_WITH_SQL; NULL if irreversible */
	char *verify_sql;  /* only loaded with HISTORY_WITH_SQL */
	bool has_revert;
};

struct history {
	struct history_row *rows; /* by position, oldest first */
	size_t n;
	bool exists;              /* the tables are there */
	long max_position;
	size_t *by_id;            /* indexes of rows sorted by change_id */
};
#define HISTORY_INIT { NULL, 0, false, 0, NULL }

/* Bookkeeping SQL, parameters as text (see history_event for the order). */
#define HISTORY_SQL_EVENT \
	"INSERT INTO runway_events (at, action, change_id, status, actor, host, git_commit, " \
	"duration_ms, error) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"

enum history_flags {
	HISTORY_WITH_SQL = 1 << 0,
	HISTORY_EXISTS = 1 << 1, /* the caller knows the tables exist (history_ensure ran) */
};

/*
 * Who and where, recorded with every row and event. Filled on first use by
 * audit_load(): asking git (libgit2 starts by loading the system's CA
 * certificates, a few milliseconds) is wasted on runs that write nothing,
 * such as status or a deploy with nothing pending.
 */
struct audit {
	char *dir;        /* project directory, to find the git repository */
	bool loaded;
	char *actor;      /* $RUNWAY_USER, else the login name */
	char *host;
	char *git_commit; /* or NULL */
	char *git_ref;    /* or NULL */
};
#define AUDIT_INIT { NULL, false, NULL, NULL, NULL, NULL }

void audit_init(struct audit *a, const char *project_dir);
/* Fill actor, host and git fields unless done already. */
void audit_load(struct audit *a);
void audit_release(struct audit *a);

/* Current time as ISO-8601 UTC text with milliseconds, into out[32]. */
void history_now(char out[32]);

/* Create the tables when missing; refuse a history newer than this runway. */
int history_ensure(struct runway_conn *c, struct runway_error *err);
/* Read the rows (none, exists = false, when the tables are missing). */
int history_load(struct runway_conn *c, struct history *h, unsigned flags,
		 struct runway_error *err);
const struct history_row *history_find(const struct history *h, const char *id);
void history_release(struct history *h);

/* Insert an event in autocommit (used after a failure was rolled back). */
int history_event(struct runway_conn *c, const struct audit *a, const char *action,
		  const char *change_id, const char *status, long duration_ms,
		  const char *error, struct runway_error *err);

#endif
