/*
 * cmd_mask.c - `runway mask`: apply runway.yml's masking rules to the
 * target in place (docs/commands/mask.md; the work is mask_apply in
 * src/mask/mask_apply.c).
 *
 * main.c refuses a protected environment unless --force (CMD_PROTECTED).
 * SIGINT, SIGTERM and SIGHUP stop the run between batches (the batch in
 * flight is cancelled and rolled back): every batch is one transaction with
 * its progress row, so the next `runway mask` goes on where this one
 * stopped. The key's text is wiped as soon as it is prepared; it never
 * reaches any output.
 */
#include "util/common.h"
#include "cli/cli.h"
#include "cli/cli_clone.h"
#include "util/progress.h"

#include <signal.h>
#include <time.h>

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
	mask_apply_interrupt();
}


int cmd_mask(struct runway_ctx *ctx, int argc, char **argv, struct runway_error *err)
{
	bool restart = false;
	long batch = -1; /* not given */
	const struct cli_opt opts[] = {
		{ OPT_BOOL, "restart", 0, &restart, NULL,
		  "mask again from the start after a finished (or interrupted) run" },
		{ OPT_INT, "batch", 0, &batch, "N", "rows per batch and transaction (default 10000)" },
		{ OPT_BOOL, "force", 0, &ctx->force, NULL, "mask a protected environment" },
		{ OPT_END, NULL, 0, NULL, NULL, NULL },
	};
	struct mask_rules rules = MASK_RULES_INIT;
	struct mask_key *key = NULL;
	struct mask_apply_opts o = MASK_APPLY_OPTS_INIT;
	struct mask_apply_result res;
	struct cli_signals sigs;
	struct timespec t0, t1;
	double secs;
	char rows[32];
	int rc, ret = -1;

	memset(&res, 0, sizeof(res));
	memset(&sigs, 0, sizeof(sigs));
	rc = cli_parse(ctx, opts, "[--restart] [--batch N] [--force]", argc, argv, NULL, 0, NULL,
		       err);
	if (rc)
		return rc < 0 ? -1 : 0;
	if (batch != -1 && batch < 1) {
		runway_error_set(err, RUNWAY_E_USAGE, "mask: --batch must be at least 1, not %ld", batch);
		return -1;
	}
	if (cli_mask_load(ctx, "mask", false, &rules, &key, err) < 0)
		goto out;
	o.batch = batch > 0 ? (size_t)batch : 0;
	o.restart = restart;
	o.progress = progress_wanted(ctx->verbosity < 0) && !ctx->json;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	stop_signal = 0;
	cli_signals_catch(&sigs, on_signal);
	rc = mask_apply(ctx->conn, &rules, key, &o, &res, err);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	progress_thousands(rows, sizeof(rows), res.rows);
	if (rc < 0) {
		if (err->klass == RUNWAY_E_INTERRUPTED || stop_signal) {
			runway_error_clear(err);
			runway_error_set(err, RUNWAY_E_INTERRUPTED,
					 "mask: interrupted after %s rows; the batches done are kept", rows);
			runway_error_hint(err, "run 'runway mask' again to go on where it stopped");
		}
		goto out;
	}
	if (ctx->json) {
		json_t *j = json_object();
		json_object_set_new(j, "command", json_string("mask"));
		json_object_set_new(j, "target", json_string(ctx->url.redacted));
		json_object_set_new(j, "tables", json_integer((json_int_t)res.tables));
		json_object_set_new(j, "rows", json_integer((json_int_t)res.rows));
		json_object_set_new(j, "already_done", json_boolean(res.already_done));
		json_object_set_new(j, "seconds", json_real(secs));
		cli_json_print(j);
	} else if (res.already_done) {
		cli_info(ctx, "nothing to do: %s is masked already (--restart masks it again)\n",
			 cli_target(ctx));
	} else {
		cli_info(ctx, "masked %zu table%s, %s row%s of %s in %.1f s\n", res.tables,
			 res.tables == 1 ? "" : "s", rows, res.rows == 1 ? "" : "s", cli_target(ctx),
			 secs);
	}
	ret = 0;
out:
	cli_signals_restore(&sigs);
	mask_key_free(key);
	mask_rules_release(&rules);
	return ret;
}
