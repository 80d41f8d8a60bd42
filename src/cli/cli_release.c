/* cli_release.c - see cli_release.h. */
#include "util/common.h"
#include "cli/cli_release.h"
#include "util/fs.h"

#include <unistd.h>

static void print_note(void *data, const struct release_note *n)
{
	struct cli_release *cr = data;
	struct runway_ctx *ctx = cr->ctx;

	if (ctx->json) {
		json_t *o = json_object();
		json_object_set_new(o, "action", json_string(n->action));
		json_object_set_new(o, "change", json_string(n->id));
		if (n->kind == NOTE_SQL) {
			json_object_set_new(o, "sql", json_string(n->sql ? n->sql : ""));
		} else {
			json_object_set_new(o, "status", json_string(n->kind == NOTE_DONE ? "ok" : "fail"));
			json_object_set_new(o, "duration_ms", json_integer(n->ms));
		}
		if (n->out_of_order)
			json_object_set_new(o, "out_of_order", json_true());
		if (n->error)
			json_object_set_new(o, "error", json_string(n->error));
		json_array_append_new(cr->items, o);
		return;
	}
	if (n->kind == NOTE_SQL) {
		/* the dry run's SQL is the output itself, also under -q */
		printf("-- %s %s%s%s\n%s", n->action, n->id, n->path ? " " : "",
		       n->path ? n->path : "", n->sql ? n->sql : "");
		if (n->sql && *n->sql && n->sql[strlen(n->sql) - 1] != '\n')
			putchar('\n');
		return;
	}
	if (ctx->verbosity < 0)
		return;
	if (n->kind == NOTE_DONE) {
		const char *sign = !strcmp(n->action, "revert") ? "-" :
				   !strcmp(n->action, "verify") ? "ok" : "+";
		printf("  %s%s%s %s %s(%ld ms)%s%s\n", cli_color(ctx, "green"), sign, cli_reset(ctx),
		       n->id, cli_color(ctx, "dim"), n->ms, cli_reset(ctx),
		       n->out_of_order ? " out of order" : "");
	} else {
		printf("  %s%s%s %s (%s failed)\n", cli_color(ctx, "red"), "x", cli_reset(ctx), n->id,
		       n->action);
		/* a failed deploy ends the run and main prints its error; verify goes on */
		if (!strcmp(n->action, "verify") && n->error)
			printf("      %s\n", n->error);
	}
	if (ctx->verbosity > 0 || isatty(STDOUT_FILENO))
		fflush(stdout);
}

bool cli_labels(const struct runway_ctx *ctx, const char *labels_opt, struct strvec *out)
{
	size_t i;
	if (labels_opt) {
		strvec_split_words(out, labels_opt);
		return true;
	}
	if (!ctx->env || !ctx->env->has_labels)
		return false;
	for (i = 0; i < ctx->env->labels.n; i++)
		strvec_push(out, ctx->env->labels.v[i]);
	return true;
}

int cli_release_init(struct cli_release *cr, struct runway_ctx *ctx, const char *labels_opt,
		     unsigned flags, struct runway_error *err)
{
	memset(cr, 0, sizeof(*cr));
	cr->ctx = ctx;
	if (plan_load(&cr->plan, ctx->cfg.migrations, err) < 0) {
		if (!(flags & CLI_PLAN_OPTIONAL) || fs_is_dir(ctx->cfg.migrations))
			return -1;
		runway_error_clear(err);
		plan_release(&cr->plan);
	}
	audit_init(&cr->audit, ".");
	cr->has_labels = cli_labels(ctx, labels_opt, &cr->labels);
	cr->items = json_array();
	cr->rel.conn = ctx->conn;
	cr->rel.plan = &cr->plan;
	cr->rel.vars = &ctx->vars;
	cr->rel.labels = cr->has_labels ? &cr->labels : NULL;
	cr->rel.audit = &cr->audit;
	cr->rel.strict_order = ctx->env && ctx->env->strict_order;
	cr->rel.note = print_note;
	cr->rel.data = cr;
	return 0;
}

void cli_release_release(struct cli_release *cr)
{
	plan_release(&cr->plan);
	audit_release(&cr->audit);
	strvec_release(&cr->labels);
	json_decref(cr->items);
	cr->items = NULL;
}

json_t *cli_release_report(const struct cli_release *cr, const char *command)
{
	json_t *j = json_object();
	json_object_set_new(j, "command", json_string(command));
	json_object_set_new(j, "target", json_string(cr->ctx->url.redacted));
	if (cr->ctx->env)
		json_object_set_new(j, "environment", json_string(cr->ctx->env->name));
	json_object_set_new(j, "changes", json_incref(cr->items));
	return j;
}

void cli_release_report_print(json_t *report, int rc, const struct runway_error *err)
{
	json_object_set_new(report, "ok", json_boolean(rc == 0));
	if (rc < 0)
		json_object_set_new(report, "error", json_string(err->msg));
	cli_json_print(report);
}
