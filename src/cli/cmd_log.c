/*
 * cmd_log.c - `runway log`: the audit trail from runway_events, newest
 * first (docs/commands/log.md).
 */
#include "util/common.h"
#include "cli/cli.h"
#include "core/history.h"

int cmd_log(struct runway_ctx *ctx, int argc, char **argv, struct runway_error *err)
{
	long limit = 0;
	const char *change = NULL;
	const struct cli_opt opts[] = {
		{ OPT_INT, "limit", 'n', &limit, "N", "show only the newest N events" },
		{ OPT_STRING, "change", 0, &change, "ID", "only the events of this change" },
		{ OPT_END, NULL, 0, NULL, NULL, NULL },
	};
	struct runway_rows r = RUNWAY_ROWS_INIT;
	struct runway_buf sql = RUNWAY_BUF_INIT;
	const char *params[1];
	char *ts = NULL;
	bool exists = false;
	size_t i;
	int rc, ret = -1;

	rc = cli_parse(ctx, opts, "[-n N] [--change ID]", argc, argv, NULL, 0, NULL, err);
	if (rc)
		return rc < 0 ? -1 : 0;
	if (driver_table_exists(ctx->conn, "runway_events", &exists, err) < 0)
		goto out;
	if (exists) {
		ts = driver_ts_text(ctx->conn, "at");
		runway_buf_addf(&sql, "SELECT id, %s, action, change_id, status, actor, host, git_commit, "
				"duration_ms, error FROM runway_events", ts);
		if (change) {
			runway_buf_adds(&sql, " WHERE change_id = $1");
			params[0] = change;
		}
		runway_buf_adds(&sql, " ORDER BY id DESC");
		if (limit > 0)
			runway_buf_addf(&sql, " LIMIT %ld", limit);
		if (driver_query(ctx->conn, sql.buf, params, change ? 1 : 0, &r, err) < 0)
			goto out;
	}
	if (ctx->json) {
		json_t *j = json_object(), *arr = json_array();
		json_object_set_new(j, "command", json_string("log"));
		json_object_set_new(j, "target", json_string(ctx->url.redacted));
		for (i = 0; i < r.nrows; i++) {
			json_t *o = json_object();
			const char *keys[] = { "id", "at", "action", "change", "status", "actor", "host",
					       "git_commit", "duration_ms", "error" };
			size_t k;
			for (k = 0; k < ARRAY_SIZE(keys); k++) {
				const char *v = rows_get(&r, i, k);
				if (!v)
					json_object_set_new(o, keys[k], json_null());
				else if (k == 0 || k == 8)
					json_object_set_new(o, keys[k], json_integer(strtoll(v, NULL, 10)));
				else
					json_object_set_new(o, keys[k], json_string(v));
			}
			json_array_append_new(arr, o);
		}
		json_object_set_new(j, "events", arr);
		cli_json_print(j);
	} else if (ctx->verbosity >= 0) {
		if (!r.nrows)
			printf("no events on %s\n", cli_target(ctx));
		for (i = 0; i < r.nrows; i++) {
			const char *status = rows_get(&r, i, 4);
			const char *commit = rows_get(&r, i, 7);
			const char *dur = rows_get(&r, i, 8);
			const char *e = rows_get(&r, i, 9);
			bool ok = status && !strcmp(status, "ok");
			printf("%s  %s%-7s %-4s%s  %s  %s@%s", rows_get(&r, i, 1),
			       cli_color(ctx, ok ? "green" : "red"), rows_get(&r, i, 2), status,
			       cli_reset(ctx), rows_get(&r, i, 3) ? rows_get(&r, i, 3) : "-",
			       rows_get(&r, i, 5) ? rows_get(&r, i, 5) : "?",
			       rows_get(&r, i, 6) ? rows_get(&r, i, 6) : "?");
			if (commit)
				printf("  git %.12s", commit);
			if (dur)
				printf("  %s ms", dur);
			putchar('\n');
			if (e)
				printf("    %s%s%s\n", cli_color(ctx, "red"), e, cli_reset(ctx));
		}
	}
	ret = 0;
out:
	free(ts);
	runway_buf_release(&sql);
	rows_release(&r);
	return ret;
}
