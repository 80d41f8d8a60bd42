/*
 * cmd_schema.c - `runway schema [--format sql|json|dot]`: the canonical,
 * deterministic schema of the target (docs/commands/schema.md), from the
 * schema model (schema/schema.h). Read-only: a missing SQLite file reads
 * as an empty database and is not created.
 *
 * The output names no URL, time or host, so two equal databases print
 * byte-identical documents and the output can be diffed or committed.
 */
#include "util/common.h"
#include "cli/cli.h"
#include "schema/schema.h"

static const char *const formats[] = { "sql", "json", "dot" };

int cmd_schema(struct runway_ctx *ctx, int argc, char **argv, struct runway_error *err)
{
	const char *format = NULL;
	const struct cli_opt opts[] = {
		{ OPT_STRING, "format", 0, &format, "FORMAT",
		  "sql (default), json, or dot (graphviz: tables and foreign keys)" },
		{ OPT_END, NULL, 0, NULL, NULL, NULL },
	};
	struct schema s = SCHEMA_INIT;
	struct runway_buf out = RUNWAY_BUF_INIT;
	size_t i;
	int rc, ret = -1;

	rc = cli_parse(ctx, opts, "[--format sql|json|dot]", argc, argv, NULL, 0, NULL, err);
	if (rc)
		return rc < 0 ? -1 : 0;
	if (!format)
		format = ctx->json ? "json" : "sql";
	for (i = 0; i < ARRAY_SIZE(formats); i++)
		if (!strcmp(format, formats[i]))
			break;
	if (i == ARRAY_SIZE(formats)) {
		runway_error_set(err, RUNWAY_E_USAGE, "schema: unknown format '%s'", format);
		runway_error_hint(err, "use --format sql, json or dot");
		goto out;
	}
	if (ctx->json && strcmp(format, "json")) {
		runway_error_set(err, RUNWAY_E_USAGE, "schema: --json cannot print --format %s",
				 format);
		runway_error_hint(err, "drop --json, or use --format json");
		goto out;
	}
	if (schema_read(&s, ctx->conn, err) < 0)
		goto out;

	if (!strcmp(format, "json")) {
		json_t *j = json_object(), *model = NULL;
		json_object_set_new(j, "command", json_string("schema"));
		schema_to_json(&s, &model);
		json_object_update(j, model);
		json_decref(model);
		cli_json_print(j);
	} else if (ctx->verbosity >= 0) {
		if (!strcmp(format, "dot"))
			schema_to_dot(&s, &out);
		else
			schema_to_sql(&s, &out);
		fwrite(out.buf, 1, out.len, stdout);
	}
	ret = 0;
out:
	runway_buf_release(&out);
	schema_release(&s);
	return ret;
}
