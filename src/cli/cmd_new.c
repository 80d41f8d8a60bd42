/*
 * cmd_new.c - `runway new NAME`: create migrations/<UTC timestamp>_<slug>.sql
 * with the three sections, so two branches never pick the same id
 * (docs/commands/new.md).
 */
#include "util/common.h"
#include "cli/cli.h"
#include "core/change.h"
#include "util/fs.h"

#include <sys/stat.h>

/* "Add city & state" -> "add_city_state" */
static char *slugify(const char *name)
{
	struct runway_buf b = RUNWAY_BUF_INIT;
	const char *p;
	for (p = name; *p; p++) {
		unsigned char ch = (unsigned char)*p;
		if (isalnum(ch) && ch < 128)
			runway_buf_addch(&b, (char)tolower(ch));
		else if (b.len && b.buf[b.len - 1] != '_')
			runway_buf_addch(&b, '_');
	}
	while (b.len && b.buf[b.len - 1] == '_')
		runway_buf_truncate(&b, b.len - 1);
	return runway_buf_detach(&b);
}

int cmd_new(struct runway_ctx *ctx, int argc, char **argv, struct runway_error *err)
{
	const char *requires = NULL, *labels = NULL;
	bool no_txn = false;
	const struct cli_opt opts[] = {
		{ OPT_STRING, "requires", 0, &requires, "ID,...", "changes this one needs first" },
		{ OPT_STRING, "labels", 0, &labels, "L,...", "labels selecting the environments it goes to" },
		{ OPT_BOOL, "no-transaction", 0, &no_txn, NULL,
		  "run outside a transaction (CREATE INDEX CONCURRENTLY)" },
		{ OPT_END, NULL, 0, NULL, NULL, NULL },
	};
	const char *pos[1];
	size_t npos = 0;
	struct runway_buf text = RUNWAY_BUF_INIT;
	struct strvec words = STRVEC_INIT;
	char stamp[32], *slug = NULL, *id = NULL, *path = NULL, *w = NULL;
	struct tm tm;
	time_t now;
	size_t i;
	int rc, ret = -1;

	rc = cli_parse(ctx, opts, "NAME [--requires ID,...] [--labels L,...] [--no-transaction]",
		       argc, argv, pos, 1, &npos, err);
	if (rc)
		return rc < 0 ? -1 : 0;
	if (!npos) {
		runway_error_set(err, RUNWAY_E_USAGE, "new: say what the change does, e.g. 'runway new add_city_to_warehouses'");
		return -1;
	}
	slug = slugify(pos[0]);
	if (!*slug) {
		runway_error_set(err, RUNWAY_E_USAGE, "new: '%s' has no letters or digits to name a file", pos[0]);
		goto out;
	}
	if (requires) {
		strvec_split_words(&words, requires);
		for (i = 0; i < words.n; i++) {
			/* accept a file name: "20261121093000_create_menu.sql" */
			size_t n = strlen(words.v[i]);
			const char *slash = strrchr(words.v[i], '/');
			if (n > 4 && !strcmp(words.v[i] + n - 4, ".sql"))
				words.v[i][n - 4] = '\0';
			if (slash)
				memmove(words.v[i], slash + 1, strlen(slash + 1) + 1);
			if (!change_id_valid(words.v[i])) {
				runway_error_set(err, RUNWAY_E_USAGE, "new: invalid change id '%s' in --requires",
						 words.v[i]);
				goto out;
			}
		}
	}
	now = time(NULL);
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d%H%M%S", &tm);
	id = xasprintf("%s_%s", stamp, slug);
	if (!fs_is_dir(ctx->cfg.migrations) && mkdir(ctx->cfg.migrations, 0755) < 0) {
		runway_error_set(err, RUNWAY_E_IO, "cannot create '%s': %s", ctx->cfg.migrations,
				 strerror(errno));
		goto out;
	}
	path = xasprintf("%s/%s.sql", ctx->cfg.migrations, id);

	runway_buf_addf(&text, "-- %s\n", pos[0]);
	if (words.n) {
		w = strvec_join(&words, " ");
		runway_buf_addf(&text, "-- runway:requires %s\n", w);
		free(w);
		w = NULL;
	}
	if (labels) {
		struct strvec lv = STRVEC_INIT;
		strvec_split_words(&lv, labels);
		w = strvec_join(&lv, " ");
		if (*w)
			runway_buf_addf(&text, "-- runway:labels %s\n", w);
		strvec_release(&lv);
	}
	if (no_txn)
		runway_buf_adds(&text, "-- runway:no-transaction\n");
	runway_buf_adds(&text, "-- runway:deploy\n\n-- runway:revert\n\n-- runway:verify\n\n");
	if (fs_write_new(path, text.buf, text.len, err) < 0) {
		if (fs_exists(path)) {
			/* a name clash is the request's problem (2), not the environment's (3) */
			err->klass = RUNWAY_E_USAGE;
			runway_error_hint(err, "a change with that id exists; wait a second or pick another name");
		}
		goto out;
	}
	if (ctx->json) {
		json_t *j = json_object();
		json_object_set_new(j, "command", json_string("new"));
		json_object_set_new(j, "id", json_string(id));
		json_object_set_new(j, "path", json_string(path));
		cli_json_print(j);
	} else {
		printf("%s\n", path);
	}
	ret = 0;
out:
	strvec_release(&words);
	runway_buf_release(&text);
	free(slug);
	free(id);
	free(path);
	free(w);
	return ret;
}
