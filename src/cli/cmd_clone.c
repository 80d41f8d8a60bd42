/*
 * cmd_clone.c - `runway clone SRC DST [--mask] [--jobs N] [--tables P,...]
 * [--strategy S]`: copy a database into a new one, masking personal data on
 * the way (docs/commands/clone.md; the engine is clone/clone.h).
 *
 * SRC and DST are environment names of runway.yml or URLs. The source is
 * only read, so a protected environment may be cloned; the target must not
 * exist, and on failure or Ctrl-C it is removed again.
 */
#include "util/common.h"
#include "cli/cli_clone.h"
#include "util/progress.h"

int cmd_clone(struct runway_ctx *ctx, int argc, char **argv, struct runway_error *err)
{
	bool mask = false;
	long jobs = 0;
	const char *tables_opt = NULL, *strategy = NULL;
	const struct cli_opt opts[] = {
		{ OPT_BOOL, "mask", 0, &mask, NULL, "apply runway.yml's mask rules to the copy" },
		{ OPT_INT, "jobs", 'j', &jobs, "N", "tables copied in parallel (default: CPUs, at most 4)" },
		{ OPT_STRING, "tables", 0, &tables_opt, "PATTERN,...",
		  "clone only these tables ('orders', 'sales.*')" },
		{ OPT_STRING, "strategy", 0, &strategy, "S",
		  "auto (default), template, stream or command" },
		{ OPT_END, NULL, 0, NULL, NULL, NULL },
	};
	const char *pos[2];
	size_t npos = 0;
	struct runway_url src = RUNWAY_URL_INIT, dst = RUNWAY_URL_INIT;
	struct mask_rules rules = MASK_RULES_INIT;
	struct mask_key *key = NULL;
	struct strvec tables = STRVEC_INIT;
	struct clone_opts o = CLONE_OPTS_INIT;
	struct clone_result res;
	char summary[128];
	enum clone_strategy how;
	int rc, ret = -1;

	memset(&res, 0, sizeof(res));
	rc = cli_parse(ctx, opts, "SRC DST [--mask] [--jobs N] [--tables PATTERN,...] "
		       "[--strategy auto|template|stream|command]",
		       argc, argv, pos, 2, &npos, err);
	if (rc)
		return rc < 0 ? -1 : 0;
	if (npos != 2) {
		runway_error_set(err, RUNWAY_E_USAGE, "clone: expected SRC and DST");
		runway_error_hint(err, "runway clone SRC DST (environment names or URLs)");
		return -1;
	}
	if (jobs < 0 || jobs > 64) {
		runway_error_set(err, RUNWAY_E_USAGE, "--jobs: expected 1 to 64, not %ld", jobs);
		return -1;
	}
	if (cli_clone_strategy(ctx, strategy, &how, err) < 0)
		return -1;
	if (cli_url_arg(ctx, pos[0], &src, NULL, err) < 0 ||
	    cli_url_arg(ctx, pos[1], &dst, NULL, err) < 0)
		goto out;
	if (mask && cli_mask_load(ctx, "clone --mask", false, &rules, &key, err) < 0)
		goto out;
	if (tables_opt)
		strvec_split_words(&tables, tables_opt);

	o.strategy = how;
	o.rules = mask ? &rules : NULL;
	o.key = key;
	o.jobs = (int)jobs;
	o.tables = &tables;
	o.command = ctx->cfg.clone.command;
	o.progress = progress_wanted(ctx->verbosity < 0 || ctx->json);
	if (cli_clone_run(&src, &dst, &o, &res, err) < 0)
		goto out;

	cli_clone_summary(summary, sizeof(summary), &res);
	if (ctx->json) {
		json_t *j = json_object();
		json_object_set_new(j, "command", json_string("clone"));
		json_object_set_new(j, "source", json_string(src.redacted));
		json_object_set_new(j, "target", json_string(dst.redacted));
		json_object_set_new(j, "strategy", json_string(clone_strategy_name(res.used)));
		json_object_set_new(j, "mask", json_boolean(mask));
		json_object_set_new(j, "tables", json_integer((json_int_t)res.tables));
		json_object_set_new(j, "rows", json_integer((json_int_t)res.rows));
		json_object_set_new(j, "bytes", json_integer((json_int_t)res.bytes));
		json_object_set_new(j, "masked", json_integer((json_int_t)res.masked));
		json_object_set_new(j, "seconds", json_real(res.seconds));
		cli_json_print(j);
	} else {
		cli_info(ctx, "cloned %s into %s: %s in %.1f s (%s%s)\n", src.redacted, dst.redacted,
			 summary, res.seconds, clone_strategy_name(res.used),
			 mask ? ", masked" : "");
	}
	ret = 0;
out:
	strvec_release(&tables);
	mask_key_free(key);
	mask_rules_release(&rules);
	url_release(&src);
	url_release(&dst);
	return ret;
}
