/*
 * cmd_deploy.c - `runway deploy`: apply pending changes in order, each in
 * its own transaction with its history row (docs/commands/deploy.md).
 */
#include "util/common.h"
#include "cli/cli_release.h"

struct deploy_args {
	const char *to;
	bool dry_run;
	bool accept_modified;
	bool resume;
	long lock_timeout;
	const char *labels;
};

int cmd_deploy(struct runway_ctx *ctx, int argc, char **argv, struct runway_error *err)
{
	struct deploy_args a = { NULL, false, false, false, 60, NULL };
	const struct cli_opt opts[] = {
		{ OPT_STRING, "to", 0, &a.to, "ID", "deploy up to and including this change" },
		{ OPT_BOOL, "dry-run", 'n', &a.dry_run, NULL, "print the SQL that would run; change nothing" },
		{ OPT_BOOL, "accept-modified", 0, &a.accept_modified, NULL,
		  "deploy even though applied changes were edited since" },
		{ OPT_BOOL, "resume", 0, &a.resume, NULL,
		  "run an interrupted no-transaction change again, then go on" },
		{ OPT_INT, "lock-timeout", 0, &a.lock_timeout, "SECONDS",
		  "wait this long for another deploy to finish (default 60)" },
		{ OPT_STRING, "labels", 0, &a.labels, "L,...",
		  "only unlabelled changes or these labels (overrides the environment's)" },
		{ OPT_END, NULL, 0, NULL, NULL, NULL },
	};
	struct cli_release cr;
	struct deploy_opts o;
	struct release_result res;
	int rc, ret = -1;

	memset(&cr, 0, sizeof(cr));
	rc = cli_parse(ctx, opts, "[--to ID] [--dry-run] [--accept-modified] [--resume] "
		       "[--lock-timeout S] [--labels L,...]",
		       argc, argv, NULL, 0, NULL, err);
	if (rc)
		return rc < 0 ? -1 : 0;
	if (cli_release_init(&cr, ctx, a.labels, 0, err) < 0)
		goto out;
	o.to = a.to;
	o.dry_run = a.dry_run;
	o.accept_modified = a.accept_modified;
	o.resume = a.resume;
	o.lock_timeout_ms = a.lock_timeout > 86400 ? 86400 * 1000 : (int)a.lock_timeout * 1000;

	if (!a.dry_run)
		cli_info(ctx, "deploying to %s\n", cli_target(ctx));
	rc = release_deploy(&cr.rel, &o, &res, err);
	if (ctx->json) {
		json_t *j = cli_release_report(&cr, "deploy");
		json_object_set_new(j, "dry_run", json_boolean(a.dry_run));
		json_object_set_new(j, "deployed", json_integer((json_int_t)res.done));
		json_object_set_new(j, "out_of_order", json_integer((json_int_t)res.out_of_order));
		cli_release_report_print(j, rc, err);
	} else if (rc == 0 && !a.dry_run) {
		if (res.done)
			cli_info(ctx, "%zu change%s deployed%s\n", res.done, res.done == 1 ? "" : "s",
				 res.out_of_order ? " (some out of order)" : "");
		else
			cli_info(ctx, "nothing to deploy: %s is up to date\n", cli_target(ctx));
	}
	if (rc < 0)
		goto out;
	ret = 0;
out:
	cli_release_release(&cr);
	return ret;
}
