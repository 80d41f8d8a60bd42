/* cli_clone.c - see cli_clone.h. */
#include "util/common.h"
#include "cli/cli_clone.h"
#include "util/progress.h"

#include <signal.h>

int cli_url_arg(struct runway_ctx *ctx, const char *arg, struct runway_url *out,
		const struct config_env **env, struct runway_error *err)
{
	const struct config_env *e = config_env(&ctx->cfg, arg);
	struct runway_buf b = RUNWAY_BUF_INIT;
	int ret;

	if (env)
		*env = e;
	if (!e)
		return url_parse(out, arg, err);
	if (!e->url)
		return runway_error_set(err, RUNWAY_E_CONFIG, "environment '%s' has no url", arg);
	if (vars_expand(&b, e->url, strlen(e->url), vars_lookup_env, NULL, NULL, err) < 0) {
		runway_error_prefix(err, "environment '%s': url", arg);
		runway_error_hint(err, "set the variable in the process environment");
		runway_buf_release(&b);
		return -1;
	}
	ret = url_parse(out, b.buf, err);
	if (b.alloc)
		secure_wipe(b.buf, b.len);
	runway_buf_release(&b);
	return ret;
}

/*
 * The key is prepared: take the variables mask.key names out of the
 * environment, so that no child (pg_dump, pg_restore, the user's snapshot
 * command) inherits the secret.
 */
static void forget_key_vars(const char *key)
{
	const char *p = key, *end;

	while ((p = strstr(p, "${")) != NULL && (end = strchr(p, '}')) != NULL) {
		char *name = xstrndup(p + 2, (size_t)(end - p - 2));
		unsetenv(name);
		free(name);
		p = end + 1;
	}
}

int cli_mask_load(struct runway_ctx *ctx, const char *what, bool rules_optional,
		  struct mask_rules *rules, struct mask_key **key, struct runway_error *err)
{
	const struct config_mask *m = &ctx->cfg.mask;
	struct runway_buf b = RUNWAY_BUF_INIT;
	int ret = -1;

	*key = NULL;
	if (mask_rules_load(rules, m, err) < 0)
		return -1;
	if (!rules->n) {
		if (rules_optional)
			return 0;
		runway_error_set(err, RUNWAY_E_CONFIG, "%s: runway.yml has no mask rules", what);
		runway_error_hint(err, "add rules under mask.rules, e.g. 'customers.email: email'");
		return -1;
	}
	if (!m->key || !*m->key) {
		runway_error_set(err, RUNWAY_E_CONFIG, "%s: runway.yml has mask rules but no mask.key",
				 what);
		runway_error_hint(err, "add 'key: ${RUNWAY_MASK_KEY}' under mask and set RUNWAY_MASK_KEY");
		goto out;
	}
	if (vars_expand(&b, m->key, strlen(m->key), vars_lookup_env, NULL, NULL, err) < 0) {
		runway_error_prefix(err, "%s: mask.key", what);
		runway_error_hint(err, "set the variable (RUNWAY_MASK_KEY) in the process environment");
		goto out;
	}
	if (!b.len) {
		runway_error_set(err, RUNWAY_E_CONFIG, "%s: the mask key is empty", what);
		runway_error_hint(err, "set RUNWAY_MASK_KEY (or the variable mask.key names) to a secret");
		goto out;
	}
	if (mask_key_init(key, b.buf, b.len, err) < 0)
		goto out;
	forget_key_vars(m->key);
	ret = 0;
out:
	if (b.alloc)
		secure_wipe(b.buf, b.len);
	runway_buf_release(&b);
	if (ret < 0)
		mask_rules_release(rules);
	return ret;
}

int cli_clone_strategy(const struct runway_ctx *ctx, const char *opt,
		       enum clone_strategy *out, struct runway_error *err)
{
	const char *name = opt ? opt : ctx->cfg.clone.strategy ? ctx->cfg.clone.strategy : "auto";
	int s = clone_strategy_parse(name);

	if (s < 0) {
		runway_error_set(err, RUNWAY_E_USAGE, "--strategy: unknown strategy '%s'", name);
		runway_error_hint(err, "strategies: auto, template, stream, command");
		return -1;
	}
	*out = (enum clone_strategy)s;
	return 0;
}

static void on_signal(int sig)
{
	(void)sig;
	clone_interrupt();
}

int cli_clone_run(const struct runway_url *src, const struct runway_url *dst,
		  const struct clone_opts *o, struct clone_result *res, struct runway_error *err)
{
	struct cli_signals sigs;
	int ret;

	cli_signals_catch(&sigs, on_signal);
	ret = clone_run(src, dst, o, res, err);
	cli_signals_restore(&sigs);
	return ret;
}

void cli_clone_summary(char *buf, size_t len, const struct clone_result *res)
{
	char rows[32], size[32];

	progress_thousands(rows, sizeof(rows), res->rows);
	if (res->used == CLONE_TEMPLATE || res->used == CLONE_COMMAND) {
		/* a file-level copy: runway did not see the rows */
		snprintf(buf, len, "%zu table%s", res->tables, res->tables == 1 ? "" : "s");
	} else if (res->bytes) {
		progress_size(size, sizeof(size), res->bytes);
		snprintf(buf, len, "%zu table%s, %s row%s, %s", res->tables,
			 res->tables == 1 ? "" : "s", rows, res->rows == 1 ? "" : "s", size);
	} else {
		snprintf(buf, len, "%zu table%s, %s row%s", res->tables, res->tables == 1 ? "" : "s",
			 rows, res->rows == 1 ? "" : "s");
	}
}
