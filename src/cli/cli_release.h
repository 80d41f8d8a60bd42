/*
 * cli_release.h - glue between the release engine and the commands that
 * drive it (status, deploy, revert, verify): loading the plan, the audit
 * identity and the label filter, and printing the engine's notes.
 */
#ifndef RUNWAY_CLI_RELEASE_H
#define RUNWAY_CLI_RELEASE_H

#include "cli/cli.h"
#include "core/release.h"

struct cli_release {
	struct plan plan;
	struct audit audit;
	struct strvec labels;     /* the filter, when has_labels */
	bool has_labels;
	struct release rel;
	struct runway_ctx *ctx;
	json_t *items;            /* --json: one object per note */
	const char *verb;         /* for the summary line */
};

enum cli_release_flags {
	/* revert runs the SQL stored at deploy time: no migrations dir is fine */
	CLI_PLAN_OPTIONAL = 1 << 0,
};

/*
 * The label filter into out: --labels (comma or space separated) if given,
 * else the environment's labels. Returns false when there is no filter.
 */
bool cli_labels(const struct runway_ctx *ctx, const char *labels_opt, struct strvec *out);

/*
 * Load the plan and fill rel. labels_opt: a --labels value overriding the
 * environment's labels (comma or space separated), or NULL.
 */
int cli_release_init(struct cli_release *cr, struct runway_ctx *ctx, const char *labels_opt,
		     unsigned flags, struct runway_error *err);
void cli_release_release(struct cli_release *cr);

/*
 * The --json report of a release command: cli_release_report() starts it
 * with command, target, environment and the notes ("changes"); the command
 * adds its counts; cli_release_report_print() adds ok and error and prints.
 */
json_t *cli_release_report(const struct cli_release *cr, const char *command);
void cli_release_report_print(json_t *report, int rc, const struct runway_error *err);

#endif
