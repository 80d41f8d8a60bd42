/*
 * cmd_verify.c - `runway verify`: run the verify sections of the applied
 * changes, each in a transaction that is rolled back (docs/commands/verify.md).
 */
#include "util/common.h"
#include "cli/cli_release.h"

int cmd_verify(struct runway_ctx *ctx, int argc, char **argv, struct runway_error *err)
{
	const struct cli_opt opts[] = { { OPT_END, NULL, 0, NULL, NULL, NULL } };
	struct cli_release cr;
	struct release_result res;
	int rc, ret = -1;

	memset(&cr, 0, sizeof(cr));
	rc = cli_parse(ctx, opts, "", argc, argv, NULL, 0, NULL, err);
	if (rc)
		return rc < 0 ? -1 : 0;
	if (cli_release_init(&cr, ctx, NULL, 0, err) < 0)
		goto out;
	cli_info(ctx, "verifying %s\n", cli_target(ctx));
	rc = release_verify(&cr.rel, &res, err);
	if (ctx->json) {
		json_t *j = cli_release_report(&cr, "verify");
		json_object_set_new(j, "passed", json_integer((json_int_t)res.done));
		json_object_set_new(j, "failed", json_integer((json_int_t)res.failed));
		cli_release_report_print(j, rc, err);
	} else if (rc == 0) {
		cli_info(ctx, "%zu verified, 0 failed\n", res.done);
	}
	if (rc < 0)
		goto out;
	ret = 0;
out:
	cli_release_release(&cr);
	return ret;
}
