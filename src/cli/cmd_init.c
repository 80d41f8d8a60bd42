/*
 * cmd_init.c - `runway init`: write runway.yml and migrations/ in the
 * project directory; never overwrite anything (docs/commands/init.md).
 */
#include "util/common.h"
#include "cli/cli.h"
#include "util/fs.h"

#include <sys/stat.h>

static const char config_template[] =
	"# runway.yml - runway's project file: environments, and later masking\n"
	"# rules and check settings (see docs/config.md in runway's sources)\n"
	"migrations: migrations\n"
	"default_env: dev\n"
	"environments:\n"
	"  dev:\n"
	"    url: %s\n"
	"  # staging:\n"
	"  #   url: ${STAGING_DATABASE_URL}\n"
	"  #   labels: [eu]\n"
	"  # prod:\n"
	"  #   url: postgres://app@db.internal:5432/app\n"
	"  #   protected: true\n"
	"  #   vars: { app_schema: app }\n";

int cmd_init(struct runway_ctx *ctx, int argc, char **argv, struct runway_error *err)
{
	const struct cli_opt opts[] = { { OPT_END, NULL, 0, NULL, NULL, NULL } };
	char *text = NULL;
	int rc, ret = -1;

	rc = cli_parse(ctx, opts, "", argc, argv, NULL, 0, NULL, err);
	if (rc)
		return rc < 0 ? -1 : 0;
	if (fs_exists(CONFIG_FILE)) {
		runway_error_set(err, RUNWAY_E_USAGE, "'%s' exists already; not overwriting it", CONFIG_FILE);
		return -1;
	}
	if (ctx->db_url) {
		struct runway_url u = RUNWAY_URL_INIT;
		bool secret;
		if (url_parse(&u, ctx->db_url, err) < 0)
			return -1;
		secret = strcmp(u.raw, u.redacted) != 0;
		url_release(&u);
		if (secret) {
			/* a password belongs in PGPASSWORD, ~/.pgpass or ${VAR}, not in git */
			runway_error_set(err, RUNWAY_E_USAGE,
					 "init: the URL holds a password, which runway.yml would keep in plain text");
			runway_error_hint(err, "leave it out and use PGPASSWORD or ~/.pgpass, or write "
					  "url: ${DATABASE_URL} in runway.yml");
			return -1;
		}
	}
	text = xasprintf(config_template, ctx->db_url ? ctx->db_url : "sqlite:dev.db");
	if (!fs_is_dir("migrations") && mkdir("migrations", 0755) < 0) {
		runway_error_set(err, RUNWAY_E_IO, "cannot create 'migrations': %s", strerror(errno));
		goto out;
	}
	if (fs_write_new(CONFIG_FILE, text, strlen(text), err) < 0)
		goto out;
	if (ctx->json) {
		json_t *j = json_object();
		json_object_set_new(j, "command", json_string("init"));
		json_object_set_new(j, "config", json_string(CONFIG_FILE));
		json_object_set_new(j, "migrations", json_string("migrations"));
		cli_json_print(j);
	} else {
		cli_info(ctx, "created %s and migrations/\nnext: runway new create_first_table\n",
			 CONFIG_FILE);
	}
	ret = 0;
out:
	free(text);
	return ret;
}
