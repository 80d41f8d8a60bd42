/*
 * cmd_revert.c - `runway revert`: undo applied changes newest first with the
 * revert SQL stored at deploy time (docs/commands/revert.md).
 */
#include "util/common.h"
#include "cli/cli_release.h"

int cmd_revert(struct runway_ctx *ctx, int argc, char **argv, struct runway_error *err)
{
	const char *to = NULL;
	long steps = 0, lock_timeout = 60;
	bool all = false, dry_run = false;
	const struct cli_opt opts[] = {
		{ OPT_STRING, "to", 0, &to, "ID", "revert every change applied after this one" },
		{ OPT_INT, "steps", 0, &steps, "N", "revert the last N changes" },
		{ OPT_BOOL, "all", 0, &all, NULL, "revert every applied change" },
		{ OPT_BOOL, "dry-run", 'n', &dry_run, NULL, "print the SQL that would run; change nothing" },
		{ OPT_BOOL, "force", 0, &ctx->force, NULL, "revert on a protected environment" },
		{ OPT_INT, "lock-timeout", 0, &lock_timeout, "SECONDS",
		  "wait this long for another deploy to finish (default 60)" },
		{ OPT_END, NULL, 0, NULL, NULL, NULL },
	};
	const char *usage = "(--to ID | --steps N | --all) [--dry-run] [--force]";
	struct cli_release cr;
	struct revert_opts o;
	struct release_result res;
	int rc, ret = -1, given;

	memset(&cr, 0, sizeof(cr));
	/* the mode must be known before connecting, so check argv first */
	rc = cli_parse(ctx, opts, usage, argc, argv, NULL, 0, NULL, err);
	if (rc)
		return rc < 0 ? -1 : 0;
	given = (to != NULL) + (steps > 0) + all;
	if (given != 1) {
		runway_error_set(err, RUNWAY_E_USAGE, given ? "revert: give only one of --to, --steps and --all"
							  : "revert: say what to revert: --to ID, --steps N or --all");
		return -1;
	}
	if (cli_release_init(&cr, ctx, NULL, CLI_PLAN_OPTIONAL, err) < 0)
		goto out;
	o.to = to;
	o.steps = steps;
	o.all = all;
	o.dry_run = dry_run;
	o.lock_timeout_ms = lock_timeout > 86400 ? 86400 * 1000 : (int)lock_timeout * 1000;
	if (!dry_run)
		cli_info(ctx, "reverting on %s\n", cli_target(ctx));
	rc = release_revert(&cr.rel, &o, &res, err);
	if (ctx->json) {
		json_t *j = cli_release_report(&cr, "revert");
		json_object_set_new(j, "dry_run", json_boolean(dry_run));
		json_object_set_new(j, "reverted", json_integer((json_int_t)res.done));
		cli_release_report_print(j, rc, err);
	} else if (rc == 0 && !dry_run) {
		if (res.done)
			cli_info(ctx, "%zu change%s reverted\n", res.done, res.done == 1 ? "" : "s");
		else
			cli_info(ctx, "nothing to revert\n");
	}
	if (rc < 0)
		goto out;
	ret = 0;
out:
	cli_release_release(&cr);
	return ret;
}
