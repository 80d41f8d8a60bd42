/*
 * clone_impl.h - for the files of src/clone only: what clone.c (dispatch,
 * SQLite, command strategy) shares with the PostgreSQL strategies
 * (pg_clone.c: template, stream orchestration, server tools; pg_copy.c:
 * the COPY workers and the row codec).
 *
 * Interruption: clone_interrupt() may run in a signal handler, so all it
 * touches is a sig_atomic_t flag, a table of watched connections (atomic
 * pointers; driver_interrupt is async-signal-safe) and the pid of the
 * running child process (kill). A connection is watched from connect to
 * close; clone_unwatch() waits until no clone_interrupt() is reading the
 * table before the caller may free the connection. Worker threads block
 * SIGINT/SIGTERM/SIGHUP, so a handler only ever runs on the thread that
 * called clone_run. The state is per process: one clone_run at a time.
 */
#ifndef RUNWAY_CLONE_IMPL_H
#define RUNWAY_CLONE_IMPL_H

#include "clone/clone.h"
#include "util/progress.h"

#include <stdatomic.h>

struct runway_conn;
struct runway_url;
struct runway_buf;

/* --- interruption (clone.c) --- */

/* Has clone_interrupt() been called since clone_run began? */
bool clone_interrupted(void);
/* Cancel what every watched connection runs (how a failing worker stops the others). */
void clone_cancel_all(void);
/* Make c reachable by clone_interrupt (c may be NULL); and again not. */
void clone_watch(struct runway_conn *c);
void clone_unwatch(struct runway_conn *c);
/* clone_unwatch, then driver_close. */
void clone_close(struct runway_conn *c);
/* Fail with RUNWAY_E_INTERRUPTED ("clone: interrupted"); returns -1. */
int clone_fail_interrupted(struct runway_error *err);

/* --- child processes (clone.c) --- */

struct clone_child {
	const char *const *argv;     /* argv[0] is run: a path, or looked up in PATH when search */
	bool search;
	const char *const *env_set;  /* "NAME=value" entries to add or replace, NULL-terminated */
	const char *const *env_unset; /* names to remove from the environment, NULL-terminated */
	bool capture;                /* stdout and stderr into *out (first 64 kB); else stdout
					goes to stderr and stderr is inherited */
	bool own_group;              /* a process group of its own, killed as a whole on interrupt */
};

/*
 * Run a child to completion. *status is its exit status (128 + signal when
 * killed). -1 with err when it cannot be started (ENOENT: RUNWAY_E_IO) or
 * when clone_interrupt() stopped it (RUNWAY_E_INTERRUPTED).
 */
int clone_child_run(const struct clone_child *c, int *status, struct runway_buf *out,
		    struct runway_error *err);

/* --- small helpers (clone.c) --- */

/* Monotonic seconds. */
double clone_now(void);
/*
 * Does the table match one of the --tables glob patterns? A pattern with a
 * dot is "schema.table", each part a glob (fnmatch); without one it names
 * tables of schema "public" (PostgreSQL; like a mask rule without a
 * schema) or any table (SQLite, schema NULL). runway's own tables
 * (runway_*) always match, so a partial clone keeps its history.
 */
bool clone_table_match(const struct strvec *patterns, const char *schema, const char *table);
/* Are there rules to apply? */
bool clone_has_rules(const struct clone_opts *o);
/*
 * mask_apply() on the database url points at (restart: a fresh copy has no
 * state); res->masked += the rows it updated. Watched for interruption.
 */
int clone_mask_target(const struct runway_url *url, const struct clone_opts *o,
		      struct clone_result *res, struct runway_error *err);
/* Remove a SQLite database file and its companions (-wal, -shm, -journal, -runway.lock). */
void clone_unlink_sqlite(const char *path);

#ifdef RUNWAY_WITH_POSTGRES
/* --- PostgreSQL (pg_clone.c) --- */

/* template, stream or auto between two postgres:// URLs. */
int pg_clone_run(const struct runway_url *src, const struct runway_url *dst,
		 const struct clone_opts *o, struct clone_result *res,
		 struct runway_error *err);

/*
 * The command strategy's PostgreSQL side: an admin connection to dst's
 * server (its "postgres" database, else "template1") and the database
 * name dst points at.
 */
struct pg_target {
	struct runway_conn *admin;
	char *name;
	bool created; /* ours to drop on failure */
};
#define PG_TARGET_INIT { NULL, NULL, false }
int pg_target_open(struct pg_target *t, const struct runway_url *dst, struct runway_error *err);
int pg_target_exists(struct pg_target *t, bool *exists, struct runway_error *err);
/* DROP DATABASE ... WITH (FORCE), retried for 5 s (if t->created); then close. */
void pg_target_release(struct pg_target *t);
/*
 * Database name a URL connects to (url->database, else the URL's dbname,
 * else PGDATABASE, else the user name, as libpq decides); caller frees.
 */
char *pg_url_dbname(const struct runway_url *u);
/* Push PREFIXHOST, PREFIXPORT, PREFIXUSER and PREFIXDB ("NAME=value") of u onto out. */
void pg_url_env(struct strvec *out, const char *prefix, const struct runway_url *u);

/* --- the data of the stream strategy (pg_copy.c) --- */

/* One table whose rows are copied. */
struct pg_table {
	char *schema, *name;     /* raw names */
	char *qname;             /* "schema"."name", quoted */
	char *mschema, *mname;   /* whose mask rules apply: the partition root, else itself */
	struct strvec cols;      /* columns copied, in table order (generated ones left out) */
	bool *textlike;          /* per column: text, varchar, char, name, citext or a domain over one */
	bool binary_ok;          /* every column survives binary COPY into another database */
	uint64_t blocks;         /* heap pages (pg_relation_size / 8192) */
	uint64_t bytes;          /* pg_table_size, for the ETA */
	struct mask_plan *plan;  /* NULL: copied as is */
	bool binary;             /* COPY format (set by pg_copy_run) */
	atomic_int parts_left;   /* ranges still to copy (a table may be split) */
};
void pg_table_release(struct pg_table *t);

struct pg_copy {
	const struct runway_url *src;  /* the source (its database) */
	const struct runway_url *dst;  /* the new database (url->database set) */
	const char *snapshot;          /* exported by the caller's open transaction */
	struct pg_table *tables;
	size_t ntables;
	const struct mask_key *key;
	int jobs;                      /* workers, >= 1 */
	bool split;                    /* big tables in ctid ranges (TID range scans: 14+) */
	uint64_t split_bytes;          /* split tables bigger than this (jobs > 1); 0: the
					  default, see pg_copy.c */
	struct progress *progress;
	uint64_t total_bytes;          /* estimate of what is to copy, for the ETA */
	uint64_t rows, bytes, masked;  /* results */
};

/*
 * Copy every table's rows from src to dst: `jobs` workers, each with a
 * source connection in the snapshot and a destination connection, take
 * tables (or ctid ranges of big ones) biggest first. Masks on the way.
 */
int pg_copy_run(struct pg_copy *c, struct runway_error *err);

/*
 * The row codec on its own (tests): COPY data of table t (t->binary says
 * which format, t->plan what to mask) fed in pieces of any size, masked
 * COPY data out.
 */
struct pg_codec;
void pg_codec_new(struct pg_codec **out, const struct pg_table *t, const struct mask_key *k);
/* Parse and mask every row complete so far. */
int pg_codec_feed(struct pg_codec *c, const void *data, size_t n, struct runway_error *err);
/* The data has ended: no row may be left half-read (binary: trailer seen). */
int pg_codec_end(struct pg_codec *c, struct runway_error *err);
/* The output so far (caller frees), and the rows and masked values seen. */
char *pg_codec_take(struct pg_codec *c, size_t *len, uint64_t *rows, uint64_t *masked);
void pg_codec_free(struct pg_codec *c);
#endif

#endif
