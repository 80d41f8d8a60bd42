/*
 * rules.c - the table of pre-check rules: name, default severity, where
 * it applies, one line on what it flags and the safe recipe. The walkers
 * (pg_rules.c, sqlite_rules.c, check.c) say what they found and why it is
 * dangerous in the message; docs/checks.md tells the whole story per rule.
 */
#include "util/common.h"
#include "check/check.h"

#define PG RULE_PG
#define LITE RULE_SQLITE
#define ANY (RULE_PG | RULE_SQLITE)
#define E REPORT_ERROR
#define W REPORT_WARNING

const struct check_rule check_rules[R__COUNT] = {
	[R_PARSE_ERROR] = { { "parse-error", "a statement or the change file does not parse" }, E, ANY,
		"fix the syntax; the message is the parser's own" },
	[R_MISSING_REVERT] = { { "missing-revert", "a change has no revert section" }, E, ANY,
		"add a '-- runway:revert' section that undoes the deploy, or mark the change '-- runway:irreversible'" },
	[R_MODIFIED_CHANGE] = { { "modified-change", "an applied change's file was edited" }, E, ANY,
		"restore the file as it was deployed and put the new SQL in a new change (runway new NAME)" },
	[R_DUPLICATE_ID] = { { "duplicate-id", "two change files have the same id (or ids that differ only in case)" }, E, ANY,
		"rename one of the files (runway new makes unique, timestamped ids)" },
	[R_UNKNOWN_REQUIREMENT] = { { "unknown-requirement", "a change requires a change that does not exist" }, E, ANY,
		"fix the id in '-- runway:requires', or add the missing change" },
	[R_REQUIRES_CYCLE] = { { "requires-cycle", "changes require each other in a cycle" }, E, ANY,
		"remove one '-- runway:requires' so the changes have an order" },
	[R_DROP_TABLE] = { { "drop-table", "DROP TABLE of an existing table" }, E, ANY,
		"make sure no deployed code reads the table, keep a backup, then silence with '-- runway:allow drop-table'" },
	[R_DROP_COLUMN] = { { "drop-column", "ALTER TABLE ... DROP COLUMN on an existing table" }, E, ANY,
		"stop reading and writing the column in a release first (ignore it in the ORM), then drop it with '-- runway:allow drop-column'" },
	[R_TRUNCATE] = { { "truncate", "TRUNCATE of an existing table" }, E, PG,
		"delete in batches with a WHERE clause, or silence with '-- runway:allow truncate' if emptying the table is the point" },
	[R_DELETE_WITHOUT_WHERE] = { { "delete-without-where", "DELETE without WHERE on an existing table" }, E, ANY,
		"add a WHERE clause (in batches for big tables)" },
	[R_UPDATE_WITHOUT_WHERE] = { { "update-without-where", "UPDATE without WHERE on an existing table" }, E, ANY,
		"add a WHERE clause and backfill in batches (WHERE id BETWEEN ...), each batch its own transaction" },
	[R_RENAME_TABLE] = { { "rename-table", "renaming an existing table" }, W, ANY,
		"create the new table or a view with the new name, move the code over, then drop the old name in a later change" },
	[R_RENAME_COLUMN] = { { "rename-column", "renaming a column of an existing table" }, W, ANY,
		"add the new column, write to both and backfill, move readers, then drop the old column in a later change" },
	[R_COLUMN_TYPE_CHANGE] = { { "column-type-change", "ALTER COLUMN ... TYPE on an existing table" }, E, PG,
		"add a column of the new type, backfill it in batches, switch the code, then drop the old column" },
	[R_ADD_NOT_NULL_COLUMN] = { { "add-not-null-column", "ADD COLUMN ... NOT NULL without a default on an existing table" }, E, ANY,
		"give the column a DEFAULT (a constant is instant since PostgreSQL 11), or add it nullable, backfill, then set NOT NULL safely" },
	[R_SET_NOT_NULL] = { { "set-not-null", "ALTER COLUMN ... SET NOT NULL on an existing table" }, E, PG,
		"ADD CONSTRAINT c CHECK (col IS NOT NULL) NOT VALID; VALIDATE CONSTRAINT c (in a later statement or change); then SET NOT NULL uses the check and does not scan" },
	[R_CREATE_INDEX_NON_CONCURRENTLY] = { { "create-index-non-concurrently", "CREATE INDEX without CONCURRENTLY on an existing table" }, W, PG,
		"CREATE INDEX CONCURRENTLY in a change marked '-- runway:no-transaction'" },
	[R_DROP_INDEX_NON_CONCURRENTLY] = { { "drop-index-non-concurrently", "DROP INDEX without CONCURRENTLY" }, W, PG,
		"DROP INDEX CONCURRENTLY in a change marked '-- runway:no-transaction'" },
	[R_CONCURRENTLY_IN_TRANSACTION] = { { "concurrently-in-transaction", "a CONCURRENTLY statement in a transactional change" }, E, PG,
		"mark the change '-- runway:no-transaction' (PostgreSQL refuses CONCURRENTLY inside a transaction block)" },
	[R_CONSTRAINT_WITHOUT_NOT_VALID] = { { "constraint-without-not-valid", "a foreign key or check added to an existing table, validated under lock" }, E, PG,
		"add the constraint NOT VALID, then VALIDATE CONSTRAINT in a later statement or change (it takes a weaker lock and lets writes go on)" },
	[R_UNIQUE_WITHOUT_INDEX] = { { "unique-without-index", "a UNIQUE or PRIMARY KEY constraint added to an existing table builds its index under lock" }, E, PG,
		"CREATE UNIQUE INDEX CONCURRENTLY (no-transaction change), then ADD CONSTRAINT ... UNIQUE USING INDEX" },
	[R_FOREIGN_KEY_WITHOUT_INDEX] = { { "foreign-key-without-index", "a foreign key whose columns no index leads with" }, W, ANY,
		"create an index on the referencing columns (deletes and updates of the referenced rows, and joins, need it)" },
	[R_TRANSACTION_CONTROL] = { { "transaction-control", "BEGIN, COMMIT or ROLLBACK inside a transactional change" }, E, ANY,
		"remove them: runway runs each change in its own transaction (mark the change '-- runway:no-transaction' to manage transactions yourself)" },
	[R_REQUIRE_LOCK_TIMEOUT] = { { "require-lock-timeout", "DDL on an existing table without a lock_timeout" }, W, PG,
		"start the change with SET lock_timeout = '5s' (or SET LOCAL) so a blocked ALTER fails fast instead of queueing every query behind it" },
	[R_BAN_DROP_DATABASE] = { { "ban-drop-database", "DROP DATABASE in a change" }, E, PG,
		"databases are not dropped by migrations; do it by hand, deliberately" },
	[R_ADD_COLUMN_VOLATILE_DEFAULT] = { { "add-column-volatile-default", "ADD COLUMN whose default rewrites the table" }, E, PG,
		"add the column without a default (or with a constant one), backfill in batches, then SET DEFAULT for new rows" },
	[R_PREFER_BIGINT_PRIMARY_KEY] = { { "prefer-bigint-primary-key", "a 16/32-bit primary key (runs out at 2^31)" }, W, PG | RULE_OPT_IN,
		"use bigint (bigint GENERATED ALWAYS AS IDENTITY, or bigserial)" },
	[R_PREFER_TIMESTAMPTZ] = { { "prefer-timestamptz", "timestamp without time zone" }, W, PG | RULE_OPT_IN,
		"use timestamptz (timestamp with time zone): it stores an instant, not a wall-clock reading" },
	[R_PREFER_TEXT] = { { "prefer-text", "varchar(n) column" }, W, PG | RULE_OPT_IN,
		"use text, with a CHECK (char_length(col) <= n) if the limit matters: changing it later then needs no rewrite" },
	[R_REVERT_DOES_NOT_UNDO] = { { "revert-does-not-undo", "deploy then revert does not give back the schema before" }, E, ANY | RULE_TEST,
		"make the revert section drop exactly what the deploy section creates (and recreate what it drops)" },
};

const struct check_rule *check_rule_find(const char *name)
{
	size_t i;
	for (i = 0; i < R__COUNT; i++)
		if (!strcmp(check_rules[i].r.name, name))
			return &check_rules[i];
	return NULL;
}

const struct report_rule *const *check_report_rules(size_t *n)
{
	static const struct report_rule *list[R__COUNT];
	size_t i;
	for (i = 0; i < R__COUNT; i++)
		list[i] = &check_rules[i].r;
	*n = R__COUNT;
	return list;
}

/* Turn the rules of a list (comma or space separated) on or off. */
static int each_rule(const char *list, const char *what, enum runway_eclass klass,
		     struct check_settings *s, bool on, struct runway_error *err)
{
	struct strvec words = STRVEC_INIT;
	size_t i;
	int ret = 0;

	strvec_split_words(&words, list); /* commas and blanks */
	for (i = 0; i < words.n && !ret; i++) {
		const struct check_rule *r;
		if (on && !strcmp(words.v[i], "all")) {
			size_t k;
			for (k = 0; k < R__COUNT; k++)
				s->enabled[k] = true;
			continue;
		}
		r = check_rule_find(words.v[i]);
		if (!r) {
			ret = runway_error_set(err, klass, "%s: unknown rule '%s'", what, words.v[i]);
			runway_error_hint(err, "the rules are listed in docs/checks.md");
			break;
		}
		s->enabled[r - check_rules] = on;
	}
	strvec_release(&words);
	return ret;
}

int check_settings_init(struct check_settings *s, const struct runway_config *cfg,
			const char *enable, const char *disable, struct runway_error *err)
{
	const char *where = cfg && cfg->path ? cfg->path : CONFIG_FILE;
	char *label = xasprintf("%s: checks", where);
	size_t i;
	int ret = -1;

	for (i = 0; i < R__COUNT; i++) {
		s->enabled[i] = !(check_rules[i].flags & RULE_OPT_IN);
		s->severity[i] = check_rules[i].severity;
	}
	if (cfg) {
		char *list;
		for (i = 0; i < cfg->checks.severity_rule.n; i++) {
			const struct check_rule *r = check_rule_find(cfg->checks.severity_rule.v[i]);
			const char *lvl = cfg->checks.severity_level.v[i];
			if (!r) {
				runway_error_set(err, RUNWAY_E_CONFIG, "%s: severity: unknown rule '%s'",
						 label, cfg->checks.severity_rule.v[i]);
				runway_error_hint(err, "the rules are listed in docs/checks.md");
				goto out;
			}
			if (!strcmp(lvl, "error"))
				s->severity[r - check_rules] = REPORT_ERROR;
			else if (!strcmp(lvl, "warning"))
				s->severity[r - check_rules] = REPORT_WARNING;
			else if (!strcmp(lvl, "off"))
				s->enabled[r - check_rules] = false;
			else {
				runway_error_set(err, RUNWAY_E_CONFIG,
						 "%s: severity of '%s' must be error, warning or off", label,
						 r->r.name);
				goto out;
			}
		}
		list = strvec_join(&cfg->checks.enable, " ");
		i = each_rule(list, label, RUNWAY_E_CONFIG, s, true, err) < 0;
		free(list);
		if (i)
			goto out;
		list = strvec_join(&cfg->checks.disable, " ");
		i = each_rule(list, label, RUNWAY_E_CONFIG, s, false, err) < 0;
		free(list);
		if (i)
			goto out;
	}
	if (enable && each_rule(enable, "--enable", RUNWAY_E_USAGE, s, true, err) < 0)
		goto out;
	if (disable && each_rule(disable, "--disable", RUNWAY_E_USAGE, s, false, err) < 0)
		goto out;
	ret = 0;
out:
	free(label);
	return ret;
}
