/*
 * check.h - pre-checks of change files (SPEC §5, docs/checks.md).
 *
 * check_run() walks changes in deploy order and reports findings into a
 * report tree (report/report.h). File-level rules (parse errors of the
 * change file, missing reverts, requirements) are engine-neutral; SQL
 * rules run per engine:
 *   PostgreSQL  pg_rules.c walks libpg_query's raw parse tree (the real
 *               PostgreSQL grammar; no pattern matching of SQL text);
 *   SQLite      sqlite_rules.c prepares each statement with SQLite's own
 *               parser against a scratch in-memory copy of the schema and
 *               reads what it does from the authorizer and the schema.
 *
 * "Existing table": a table not created by the same change or an earlier
 * change of the same run. Rules about locks and rewrites only fire on
 * existing tables, because a table created in the same deploy is empty and
 * nobody else uses it yet.
 */
#ifndef RUNWAY_CHECK_H
#define RUNWAY_CHECK_H

#include <stdbool.h>
#include "core/change.h"
#include "core/config.h"
#include "report/report.h"

struct runway_error;
struct vars;

enum check_engine { CHECK_SQLITE, CHECK_POSTGRES };

enum check_rule_id {
	R_PARSE_ERROR,
	R_MISSING_REVERT,
	R_MODIFIED_CHANGE,
	R_DUPLICATE_ID,
	R_UNKNOWN_REQUIREMENT,
	R_REQUIRES_CYCLE,
	R_DROP_TABLE,
	R_DROP_COLUMN,
	R_TRUNCATE,
	R_DELETE_WITHOUT_WHERE,
	R_UPDATE_WITHOUT_WHERE,
	R_RENAME_TABLE,
	R_RENAME_COLUMN,
	R_COLUMN_TYPE_CHANGE,
	R_ADD_NOT_NULL_COLUMN,
	R_SET_NOT_NULL,
	R_CREATE_INDEX_NON_CONCURRENTLY,
	R_DROP_INDEX_NON_CONCURRENTLY,
	R_CONCURRENTLY_IN_TRANSACTION,
	R_CONSTRAINT_WITHOUT_NOT_VALID,
	R_UNIQUE_WITHOUT_INDEX,
	R_FOREIGN_KEY_WITHOUT_INDEX,
	R_TRANSACTION_CONTROL,
	R_REQUIRE_LOCK_TIMEOUT,
	R_BAN_DROP_DATABASE,
	R_ADD_COLUMN_VOLATILE_DEFAULT,
	R_PREFER_BIGINT_PRIMARY_KEY,
	R_PREFER_TIMESTAMPTZ,
	R_PREFER_TEXT,
	R_REVERT_DOES_NOT_UNDO,
	R__COUNT
};

enum check_rule_flags {
	RULE_PG = 1 << 0,      /* fires on PostgreSQL changes */
	RULE_SQLITE = 1 << 1,  /* fires on SQLite changes */
	RULE_OPT_IN = 1 << 2,  /* off unless enabled (style rules) */
	RULE_TEST = 1 << 3,    /* reported by `runway test`, not `check` */
};

struct check_rule {
	struct report_rule r;          /* name, summary */
	enum report_severity severity; /* default */
	unsigned flags;
	const char *fix;               /* the safe recipe */
};

extern const struct check_rule check_rules[R__COUNT];
/* The rule named name, or NULL. */
const struct check_rule *check_rule_find(const char *name);

/* Which rules run and how severe they are, after runway.yml and options. */
struct check_settings {
	bool enabled[R__COUNT];
	enum report_severity severity[R__COUNT];
};

/*
 * Defaults, then cfg's checks: section, then the --enable / --disable
 * lists (comma or space separated; "all" enables every opt-in rule).
 * Unknown rule names are errors (RUNWAY_E_CONFIG / RUNWAY_E_USAGE).
 */
int check_settings_init(struct check_settings *s, const struct runway_config *cfg,
			const char *enable, const char *disable, struct runway_error *err);

/* One file to check. */
struct check_file {
	struct change change;  /* parsed; valid only when !broken */
	bool broken;           /* the change file itself did not parse */
	char *broken_msg;      /* its error, "path:line: what" */
	unsigned broken_line;
	bool plain;            /* a plain SQL file without runway directives */
	bool applied;          /* already in the target's history (modified-change) */
};

struct check_opts {
	enum check_engine engine;
	const struct check_settings *settings;
	const struct vars *vars;        /* placeholders; unknown ones become "___" */
	const struct strvec *known_ids; /* ids that exist besides the files (requires) */
	/* SQLite: the schema to start from (a target database file), or NULL */
	const char *sqlite_schema_from;
	/* the files are every change since an empty database (or since the
	 * target's schema): SQLite then also reports "no such table" errors */
	bool schema_complete;
	/* SQLite: earlier changes whose deploy sections build the scratch
	 * schema before the files are checked (not checked themselves) */
	const struct check_file *replay;
	size_t nreplay;
};

/*
 * Load one file for checking. A file without any "-- runway:" directive
 * is plain SQL: its whole text is the deploy section. A change file that
 * does not parse is kept as broken (reported as parse-error), not an
 * error; only an unreadable file fails (RUNWAY_E_IO, exit 2).
 */
int check_file_load(struct check_file *f, const char *path, const char *shown,
		    struct runway_error *err);
void check_file_release(struct check_file *f);

/*
 * Check files (in deploy order) into r; each file becomes one report case.
 * Fails only when the checks could not run (not for findings).
 */
int check_run(struct report *r, struct check_file *files, size_t n,
	      const struct check_opts *o, struct runway_error *err);

/* The rules of the table as report rules, for SARIF (static storage). */
const struct report_rule *const *check_report_rules(size_t *n);

#endif
