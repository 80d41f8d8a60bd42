/*
 * clone.h - copy a database into a new one, masking on the way (SPEC §6).
 *
 * Strategies:
 *   template  PostgreSQL: CREATE DATABASE dst TEMPLATE src STRATEGY FILE_COPY;
 *             only when both are on the same server and nobody else is
 *             connected to the source. Masking then runs in place on dst.
 *   stream    PostgreSQL: schema with pg_dump (pre-data), the data of every
 *             table with COPY TO STDOUT -> mask in C -> COPY FROM STDIN over
 *             two connections per worker, `jobs` workers in parallel, all
 *             reading one exported snapshot of the source; then post-data
 *             (indexes, constraints, triggers) and the sequences' values.
 *             SQLite: the online backup API into a temporary file next to
 *             dst, masked in place there, renamed to dst when complete.
 *   command   the user's snapshot command (runway.yml clone.command) with
 *             ${source} and ${target} (and the URL parts) set, then masking
 *             in place on dst.
 *   auto      template when it is safe and nothing is to be masked, else stream.
 *
 * dst must not exist. On any failure or interruption the target is removed
 * again (the database dropped, the file deleted): a clone either completes
 * or leaves nothing behind.
 */
#ifndef RUNWAY_CLONE_H
#define RUNWAY_CLONE_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#include "util/vec.h"

struct runway_url;
struct runway_error;
struct mask_rules;
struct mask_key;

enum clone_strategy { CLONE_AUTO, CLONE_TEMPLATE, CLONE_STREAM, CLONE_COMMAND };

/* "auto", ...; and back (-1 when unknown). */
const char *clone_strategy_name(enum clone_strategy s);
int clone_strategy_parse(const char *name);

struct clone_opts {
	enum clone_strategy strategy;
	const struct mask_rules *rules; /* NULL or empty: copy as is */
	const struct mask_key *key;     /* required when rules has rules */
	int jobs;                       /* parallel workers (stream); <= 0: default */
	const struct strvec *tables;    /* glob patterns ("orders", "sales.*"); empty: all */
	const char *command;            /* command strategy: the raw command */
	bool progress;                  /* draw progress on stderr (a terminal) */
};
#define CLONE_OPTS_INIT { CLONE_AUTO, NULL, NULL, 0, NULL, NULL, false }

struct clone_result {
	enum clone_strategy used;
	size_t tables;       /* tables whose data was copied */
	uint64_t rows;
	uint64_t bytes;      /* bytes of COPY data streamed (0 for template/command) */
	uint64_t masked;     /* values masked */
	double seconds;
};

/*
 * Clone src into dst (same engine). RUNWAY_E_USAGE for a bad pair (dst
 * exists, engines differ, strategy not possible), RUNWAY_E_CONFIG for bad
 * mask rules (checked against the source's schema before any data moves),
 * RUNWAY_E_IO when a server tool (pg_dump, pg_restore) is missing,
 * RUNWAY_E_INTERRUPTED after clone_interrupt().
 */
int clone_run(const struct runway_url *src, const struct runway_url *dst,
	      const struct clone_opts *o, struct clone_result *res,
	      struct runway_error *err);

/*
 * Ask a running clone_run to stop: async-signal-safe (sets a flag and
 * cancels the statements in flight). clone_run then removes the target and
 * fails with RUNWAY_E_INTERRUPTED.
 */
void clone_interrupt(void);

#endif
