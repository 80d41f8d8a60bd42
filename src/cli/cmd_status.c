/*
 * cmd_status.c - `runway status`: every change and its state on the target
 * (docs/commands/status.md). Read-only: it creates no tables.
 */
#include "util/common.h"
#include "cli/cli_release.h"

static const char *state_color(enum change_state s)
{
	switch (s) {
	case ST_APPLIED:
		return "green";
	case ST_PENDING:
		return "yellow";
	case ST_SKIPPED:
		return "dim";
	default:
		return "red";
	}
}

int cmd_status(struct runway_ctx *ctx, int argc, char **argv, struct runway_error *err)
{
	const char *labels = NULL;
	const struct cli_opt opts[] = {
		{ OPT_STRING, "labels", 0, &labels, "L,...",
		  "show what this label filter would deploy (overrides the environment's)" },
		{ OPT_END, NULL, 0, NULL, NULL, NULL },
	};
	struct cli_release cr;
	struct history h = HISTORY_INIT;
	struct status st = STATUS_INIT;
	size_t i;
	int rc, ret = -1;

	memset(&cr, 0, sizeof(cr));
	rc = cli_parse(ctx, opts, "[--labels L,...]", argc, argv, NULL, 0, NULL, err);
	if (rc)
		return rc < 0 ? -1 : 0;
	if (cli_release_init(&cr, ctx, labels, 0, err) < 0)
		goto out;
	if (history_load(ctx->conn, &h, 0, err) < 0)
		goto out;
	status_compute(&st, &cr.plan, &h, cr.rel.labels);

	if (ctx->json) {
		json_t *j = json_object(), *arr = json_array(), *sum = json_object();
		json_object_set_new(j, "command", json_string("status"));
		json_object_set_new(j, "target", json_string(ctx->url.redacted));
		if (ctx->env)
			json_object_set_new(j, "environment", json_string(ctx->env->name));
		for (i = 0; i < st.n; i++) {
			const struct status_item *it = &st.items[i];
			json_t *o = json_object();
			json_object_set_new(o, "id", json_string(it->id));
			json_object_set_new(o, "state", json_string(change_state_name(it->state)));
			if (it->out_of_order)
				json_object_set_new(o, "out_of_order", json_true());
			if (it->change)
				json_object_set_new(o, "file", json_string(it->change->path));
			if (it->change && it->change->labels.n) {
				json_t *l = json_array();
				size_t k;
				for (k = 0; k < it->change->labels.n; k++)
					json_array_append_new(l, json_string(it->change->labels.v[k]));
				json_object_set_new(o, "labels", l);
			}
			if (it->row) {
				json_object_set_new(o, "deployed_at", json_string(it->row->deployed_at));
				json_object_set_new(o, "deployed_by", json_string(it->row->deployed_by));
				if (it->row->git_commit)
					json_object_set_new(o, "git_commit", json_string(it->row->git_commit));
			}
			json_array_append_new(arr, o);
		}
		json_object_set_new(j, "changes", arr);
		for (i = 0; i <= ST_SKIPPED; i++)
			json_object_set_new(sum, change_state_name((enum change_state)i),
					    json_integer((json_int_t)st.count[i]));
		json_object_set_new(sum, "out_of_order", json_integer((json_int_t)st.out_of_order));
		json_object_set_new(j, "summary", sum);
		cli_json_print(j);
	} else if (ctx->verbosity >= 0) {
		printf("%s%s%s\n", cli_color(ctx, "bold"), cli_target(ctx), cli_reset(ctx));
		if (!st.n)
			printf("  no changes in '%s'\n", ctx->cfg.migrations);
		for (i = 0; i < st.n; i++) {
			const struct status_item *it = &st.items[i];
			printf("  %s%-11s%s %s", cli_color(ctx, state_color(it->state)),
			       change_state_name(it->state), cli_reset(ctx), it->id);
			if (it->row && ctx->verbosity > 0)
				printf("  %s%s by %s%s", cli_color(ctx, "dim"), it->row->deployed_at,
				       it->row->deployed_by ? it->row->deployed_by : "?", cli_reset(ctx));
			if (it->out_of_order)
				printf("  (out of order)");
			if (it->state == ST_SKIPPED) {
				char *l = strvec_join(&it->change->labels, ",");
				printf("  (labels: %s)", l);
				free(l);
			}
			putchar('\n');
		}
		/* "applied" counts every history row; the states after it say which are odd */
		printf("%zu applied, %zu pending", h.n, st.count[ST_PENDING]);
		if (st.count[ST_MODIFIED])
			printf(", %zu modified", st.count[ST_MODIFIED]);
		if (st.count[ST_MISSING])
			printf(", %zu missing", st.count[ST_MISSING]);
		if (st.count[ST_INTERRUPTED])
			printf(", %zu interrupted", st.count[ST_INTERRUPTED]);
		if (st.count[ST_SKIPPED])
			printf(", %zu skipped by labels", st.count[ST_SKIPPED]);
		if (st.out_of_order)
			printf(", %zu out of order", st.out_of_order);
		putchar('\n');
	}
	ret = 0;
out:
	status_release(&st);
	history_release(&h);
	cli_release_release(&cr);
	return ret;
}
