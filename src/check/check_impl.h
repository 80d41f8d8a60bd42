/*
 * check_impl.h - what check.c shares with the engine walkers
 * (pg_rules.c, sqlite_rules.c): the state of a run, and how a walker
 * reports a finding.
 *
 * A walker gets one section's text at a time (placeholders already
 * replaced), finds its statements, calls check_stmt_begin() for each (so
 * statement-level "-- runway:allow" lines are read) and check_emit() for
 * what it finds, with byte offsets into the section text.
 */
#ifndef RUNWAY_CHECK_IMPL_H
#define RUNWAY_CHECK_IMPL_H

#include "check/check.h"
#include "util/strset.h"

/* A foreign key on a table created in this run, judged at the end. */
struct check_fk {
	char *table;   /* table key (see check_table_key) */
	char *cols;    /* referencing columns, "a,b" */
	char *shown;   /* "orders (customer_id)" for the message */
	size_t case_idx;
	unsigned line, col;
	bool allowed;  /* silenced where it was declared */
	char *excerpt;
};

/* An index's leading columns, "a,b", per table key. */
struct check_index {
	char *table;
	char *cols;
};

/* CHECK (col IS NOT NULL) NOT VALID constraints, for set-not-null. */
struct check_notnull {
	char *table, *name, *col;
	bool validated;
};

struct check_cx {
	struct report *r;
	const struct check_opts *o;
	struct check_file *file;   /* being checked */
	struct report_case *rc;    /* its case (index rc_idx) */
	size_t rc_idx;

	/* the section being walked */
	const char *text;          /* placeholders replaced, NUL-terminated */
	size_t len;
	unsigned first_line;       /* file line of text[0] */
	size_t *line_start;        /* offsets where lines start */
	size_t nlines;
	bool lint;                 /* deploy: every rule; revert/verify: parse-error only */

	struct strvec stmt_allow;  /* rules silenced for the current statement */
	bool lock_timeout;         /* SET lock_timeout seen in this change */
	bool lock_reported;        /* require-lock-timeout reported for this change */

	/* what the run knows so far (across changes, in order) */
	struct strset new_tables;  /* tables created in this run */
	struct strset new_indexes; /* indexes created in this run */
	struct check_fk *fks;
	size_t nfks, afks;
	struct check_index *indexes;
	size_t nindexes, aindexes;
	struct check_notnull *notnull;
	size_t nnotnull, anotnull;

	size_t node_base;          /* PostgreSQL: node locations are relative to it */
	void *engine;              /* the walker's own state */
};

/* Read "-- runway:allow" lines in text[gap_start, first token) and
 * return the offset of the statement's first token. */
size_t check_stmt_begin(struct check_cx *cx, size_t gap_start);

/* Is rule id on for this statement (enabled, not allowed)? Walkers may
 * skip work for rules that cannot fire. */
bool check_on(const struct check_cx *cx, enum check_rule_id id);

/* Report rule id at offset of the current section. */
void check_emit(struct check_cx *cx, enum check_rule_id id, size_t offset,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Line and column (1-based) of offset in the current section. */
void check_pos(const struct check_cx *cx, size_t offset, unsigned *line, unsigned *col);
/* The text of the line holding offset (caller frees). */
char *check_excerpt(const struct check_cx *cx, size_t offset);

/* "schema.table" lower-cased as the engine folds it ("public." dropped). */
char *check_table_key(const char *schema, const char *name);

bool check_is_new_table(const struct check_cx *cx, const char *key);
void check_record_fk(struct check_cx *cx, const char *table, const char *cols,
		     const char *shown, size_t offset);
void check_record_index(struct check_cx *cx, const char *table, const char *cols);

/* Engine walkers: 0, or -1 when the checks cannot go on. */
int pg_check_section(struct check_cx *cx, struct runway_error *err);
void pg_check_end(struct check_cx *cx);
int sqlite_check_begin(struct check_cx *cx, struct runway_error *err);
int sqlite_check_section(struct check_cx *cx, struct runway_error *err);
void sqlite_check_end(struct check_cx *cx);

#endif
