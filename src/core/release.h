/*
 * release.h - status, deploy, revert and verify: the release engine.
 *
 * It joins the plan (change files) with the history (what the target has)
 * and moves the target forward or back, one change per transaction. The
 * command files only parse options, call these and print what they report
 * through the note callback.
 */
#ifndef RUNWAY_RELEASE_H
#define RUNWAY_RELEASE_H

#include "core/plan.h"
#include "core/history.h"
#include "core/vars.h"

struct runway_conn;
struct runway_error;

enum change_state {
	ST_APPLIED,
	ST_PENDING,
	ST_MODIFIED,    /* applied, but the file's deploy section changed since */
	ST_MISSING,     /* applied, but no file */
	ST_INTERRUPTED, /* a no-transaction change that did not finish */
	ST_SKIPPED,     /* pending, excluded by the label filter */
};

const char *change_state_name(enum change_state s);

struct status_item {
	const char *id;                /* borrowed from the change or the row */
	const struct change *change;   /* NULL when missing */
	const struct history_row *row; /* NULL when not applied */
	enum change_state state;
	bool out_of_order;             /* pending, older than the newest applied change */
};

struct status {
	struct status_item *items; /* applied by position, then the rest in plan order */
	size_t n;
	size_t count[ST_SKIPPED + 1];
	size_t out_of_order;
};
#define STATUS_INIT { NULL, 0, { 0 }, 0 }

/* labels NULL: every change goes to the target. */
void status_compute(struct status *st, const struct plan *p, const struct history *h,
		    const struct strvec *labels);
void status_release(struct status *st);

/* What the engine reports while it works. */
enum note_kind { NOTE_DONE, NOTE_FAIL, NOTE_SQL };
struct release_note {
	enum note_kind kind;
	const char *action;       /* "deploy", "revert", "verify", "resume" */
	const char *id;
	const char *path;         /* change file, or NULL */
	long ms;
	bool out_of_order;
	const char *error;        /* NOTE_FAIL */
	const char *sql;          /* NOTE_SQL (dry run) */
	size_t index, total;      /* 1-based position in this run */
};

struct release {
	struct runway_conn *conn;
	const struct plan *plan;
	const struct vars *vars;        /* placeholders of the environment */
	const struct strvec *labels;    /* NULL: no filter */
	struct audit *audit;            /* loaded when a run first writes */
	bool strict_order;
	void (*note)(void *data, const struct release_note *n);
	void *data;
};

struct deploy_opts {
	const char *to;       /* last change to deploy, or NULL for all */
	bool dry_run;
	bool accept_modified;
	bool resume;          /* re-run an interrupted no-transaction change */
	int lock_timeout_ms;
};

struct revert_opts {
	const char *to;      /* keep this change and everything before it */
	long steps;          /* revert the last N (0: not given) */
	bool all;
	bool dry_run;
	int lock_timeout_ms;
};

/* Results of a run, for the caller's summary. */
struct release_result {
	size_t done;
	size_t out_of_order;
	size_t failed;
};

int release_deploy(struct release *r, const struct deploy_opts *o,
		   struct release_result *res, struct runway_error *err);
int release_revert(struct release *r, const struct revert_opts *o,
		   struct release_result *res, struct runway_error *err);
/* Verify applied changes inside a transaction that is rolled back. */
int release_verify(struct release *r, struct release_result *res, struct runway_error *err);

#endif
