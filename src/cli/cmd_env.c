/*
 * cmd_env.c - `runway env create|list|destroy|gc`: runways, short-lived
 * masked clones of an environment with the pending changes deployed
 * (docs/commands/env.md; the registry is core/envreg.h).
 *
 * create: register (state "creating"), clone, mark the copy as runway's
 * (a runway_env table holding its name), deploy, register as "ready".
 * Any failure on the way drops what was made and the registry entry, so a
 * runway is either ready or gone; a creator killed with SIGKILL leaves a
 * "failed" entry that `env gc` cleans up.
 *
 * destroy drops only what runway made: the target must hold runway_env
 * with the runway's name, or be gone already.
 */
#include "util/common.h"
#include "cli/cli_clone.h"
#include "core/envreg.h"
#include "core/release.h"
#include "util/fs.h"
#include "util/progress.h"

#include <unistd.h>

/* The target of an entry: its template with ${VAR} expanded, or the source's server. */
static int entry_url(struct runway_ctx *ctx, const struct envreg_entry *e,
		     struct runway_url *out, struct runway_error *err)
{
	struct runway_url from = RUNWAY_URL_INIT;
	struct runway_buf b = RUNWAY_BUF_INIT;
	int ret = -1;

	if (e->target) {
		if (vars_expand(&b, e->target, strlen(e->target), vars_lookup_env, NULL, NULL,
				err) < 0) {
			runway_error_prefix(err, "runway '%s': target", e->name);
			goto out;
		}
		ret = url_parse(out, b.buf, err);
		goto out;
	}
	if (!e->from || !config_env(&ctx->cfg, e->from)) {
		runway_error_set(err, RUNWAY_E_CONFIG,
				 "runway '%s': its source environment '%s' is not in runway.yml",
				 e->name, e->from ? e->from : "");
		goto out;
	}
	if (cli_url_arg(ctx, e->from, &from, NULL, err) < 0)
		goto out;
	if (!strcmp(from.scheme, "sqlite")) {
		char *u = xasprintf("sqlite:%s", e->database);
		ret = url_parse(out, u, err);
		free(u);
	} else {
		char *u = url_with_database(from.raw, e->database);
		ret = url_parse(out, u, err);
		secure_wipe(u, strlen(u));
		free(u);
	}
out:
	if (b.alloc)
		secure_wipe(b.buf, b.len);
	runway_buf_release(&b);
	url_release(&from);
	return ret;
}

/*
 * Is the database at url the runway `name`? 1 yes, 0 it does not exist,
 * -1 with err set when it exists but is not (or cannot be read). With
 * unmarked_ok, a database without runway's mark counts as ours: a creator
 * killed before it could mark its copy left it (env create refuses a
 * target that exists, so nobody else made it).
 */
static int is_ours(const struct runway_url *url, const char *name, bool unmarked_ok,
		   struct runway_error *err)
{
	struct runway_url u = RUNWAY_URL_INIT;
	struct runway_conn *c = NULL;
	struct runway_rows rows = RUNWAY_ROWS_INIT;
	bool has = false;
	int ret = -1;

	if (!strcmp(url->scheme, "sqlite") && !fs_exists(url->path))
		return 0;
	if (url_parse(&u, url->raw, err) < 0)
		return -1;
	u.no_create = true;
	if (driver_connect(&c, &u, err) < 0) {
		/* a database that is gone already is fine to forget */
		if (strcmp(url->scheme, "sqlite") && err->msg && strstr(err->msg, "does not exist")) {
			runway_error_clear(err);
			ret = 0;
		}
		goto out;
	}
	if (driver_table_exists(c, "runway_env", &has, err) < 0)
		goto out;
	if (!has && unmarked_ok) {
		ret = 1;
		goto out;
	}
	if (has && driver_query(c, "SELECT name FROM runway_env", NULL, 0, &rows, err) < 0)
		goto out;
	if (!has || rows.nrows != 1 || !rows_get(&rows, 0, 0) || strcmp(rows_get(&rows, 0, 0), name)) {
		runway_error_set(err, RUNWAY_E_USAGE,
				 "'%s' was not created by runway as runway '%s'; not dropping it",
				 url->redacted, name);
		runway_error_hint(err, "runway drops only the databases it made (they hold a "
				  "runway_env table with their name)");
		goto out;
	}
	ret = 1;
out:
	rows_release(&rows);
	driver_close(c);
	url_release(&u);
	return ret;
}

/* Drop the database or file at url (it must be runway's: see is_ours). */
static int drop_target(const struct runway_url *url, struct runway_error *err)
{
	struct runway_url admin = RUNWAY_URL_INIT;
	struct runway_conn *c = NULL;
	char *db = NULL, *admin_raw = NULL;
	int ret = -1;

	if (!strcmp(url->scheme, "sqlite")) {
		static const char *const ext[] = { "", "-wal", "-shm", "-journal", "-runway.lock" };
		size_t i;
		for (i = 0; i < ARRAY_SIZE(ext); i++) {
			char *p = xasprintf("%s%s", url->path, ext[i]);
			if (unlink(p) < 0 && errno != ENOENT && !i) {
				runway_error_set(err, RUNWAY_E_IO, "cannot remove '%s': %s", p,
						 strerror(errno));
				free(p);
				return -1;
			}
			free(p);
		}
		return 0;
	}
	db = url_database(url->raw);
	if (!db)
		return runway_error_set(err, RUNWAY_E_USAGE, "'%s' names no database", url->redacted);
	admin_raw = url_with_database(url->raw, "postgres");
	if (url_parse(&admin, admin_raw, err) < 0 || driver_connect(&c, &admin, err) < 0)
		goto out;
	/* a session of the clone may still be closing */
	if (driver_drop_database(c, db, 20, err) < 0)
		goto out;
	ret = 0;
out:
	driver_close(c);
	url_release(&admin);
	if (admin_raw)
		secure_wipe(admin_raw, strlen(admin_raw));
	free(admin_raw);
	free(db);
	return ret;
}

/* Mark the new database as runway `name` (is_ours reads it back). */
static int mark(struct runway_conn *c, const char *name, struct runway_error *err)
{
	const char *params[1] = { name };

	if (driver_exec(c, "CREATE TABLE runway_env (name text NOT NULL, "
			   "created_at text NOT NULL)", err) < 0)
		return -1;
	return driver_query(c, "INSERT INTO runway_env (name, created_at) VALUES "
			       "($1, CURRENT_TIMESTAMP)", params, 1, NULL, err);
}

static void deploy_note(void *data, const struct release_note *n)
{
	struct runway_ctx *ctx = data;

	if (n->kind == NOTE_DONE && ctx->verbosity > 0 && !ctx->json)
		fprintf(stdout, "  %s %s\n", n->action, n->id);
	else if (n->kind == NOTE_FAIL && !ctx->json)
		fprintf(stderr, "runway: %s %s failed: %s\n", n->action, n->id,
			n->error ? n->error : "");
}

/* Deploy the work tree's pending changes to the new runway. */
static int deploy(struct runway_ctx *ctx, struct runway_conn *c, const struct config_env *from,
		  size_t *done, struct runway_error *err)
{
	struct plan plan = PLAN_INIT;
	struct audit audit;
	struct vars vars;
	struct release rel;
	struct deploy_opts o;
	struct release_result res;
	int ret = -1;

	memset(&vars, 0, sizeof(vars));
	memset(&rel, 0, sizeof(rel));
	memset(&o, 0, sizeof(o));
	memset(&res, 0, sizeof(res));
	audit_init(&audit, ".");
	*done = 0;
	if (!fs_is_dir(ctx->cfg.migrations)) {
		ret = 0; /* nothing to deploy */
		goto out;
	}
	if (plan_load(&plan, ctx->cfg.migrations, err) < 0 ||
	    config_env_vars(from, &vars, err) < 0)
		goto out;
	rel.conn = c;
	rel.plan = &plan;
	rel.vars = &vars;
	rel.audit = &audit;
	rel.note = deploy_note;
	rel.data = ctx;
	o.lock_timeout_ms = 60 * 1000;
	if (release_deploy(&rel, &o, &res, err) < 0)
		goto out;
	*done = res.done;
	ret = 0;
out:
	vars_release(&vars);
	audit_release(&audit);
	plan_release(&plan);
	return ret;
}

/*
 * Does the URL template hold a password that is not a ${VAR}? (One in a
 * variable is expanded only when used, so the registry never holds it.)
 */
static bool literal_password(const char *tmpl)
{
	struct runway_buf b = RUNWAY_BUF_INIT;
	const char *p = tmpl, *end;
	char *r;
	bool found;

	/* ${VAR} placeholders become "x"; a password left as "x" alone was one */
	while ((end = strstr(p, "${")) != NULL) {
		const char *close = strchr(end, '}');
		if (!close)
			break;
		runway_buf_add(&b, p, (size_t)(end - p));
		runway_buf_adds(&b, "\x01");
		p = close + 1;
	}
	runway_buf_adds(&b, p);
	r = url_redact(b.buf);
	/* what redaction replaced must have been placeholders only */
	found = false;
	{
		const char *x = b.buf, *y = r;
		while (*x && *y) {
			if (*x == *y) {
				x++;
				y++;
				continue;
			}
			/* y is at "***": x's replaced run must be only placeholders */
			if (strncmp(y, "***", 3)) {
				found = true;
				break;
			}
			y += 3;
			while (*x && *x != *y) {
				if (*x != '\x01')
					found = true;
				x++;
			}
		}
	}
	free(r);
	runway_buf_release(&b);
	return found;
}

static int env_create(struct runway_ctx *ctx, int argc, char **argv, struct runway_error *err)
{
	const char *from_name = NULL, *ref = NULL, *ttl = NULL, *target = NULL, *strategy = NULL;
	bool no_mask = false;
	long jobs = 0, ttl_s = 0;
	const struct cli_opt opts[] = {
		{ OPT_STRING, "from", 0, &from_name, "ENV", "the environment to clone (required)" },
		{ OPT_STRING, "ref", 0, &ref, "REF", "deploy the changes of this git ref (not yet supported)" },
		{ OPT_STRING, "ttl", 0, &ttl, "DURATION", "expire after 90s, 30m, 4h, 2d or 1w (default: never)" },
		{ OPT_BOOL, "no-mask", 0, &no_mask, NULL, "copy without masking, even when runway.yml has rules" },
		{ OPT_STRING, "target", 0, &target, "URL_TEMPLATE",
		  "where to make it; {name} is the runway's name (default: next to the source)" },
		{ OPT_INT, "jobs", 'j', &jobs, "N", "tables copied in parallel" },
		{ OPT_STRING, "strategy", 0, &strategy, "S", "clone strategy: auto, template, stream, command" },
		{ OPT_END, NULL, 0, NULL, NULL, NULL },
	};
	const char *pos[1];
	size_t npos = 0, deployed = 0;
	const struct config_env *from = NULL;
	struct runway_url src = RUNWAY_URL_INIT, dst = RUNWAY_URL_INIT;
	struct mask_rules rules = MASK_RULES_INIT;
	struct mask_key *key = NULL;
	struct clone_opts o = CLONE_OPTS_INIT;
	struct clone_result res;
	struct envreg_entry e;
	struct runway_conn *c = NULL;
	struct runway_buf b = RUNWAY_BUF_INIT;
	struct strvec no_tables = STRVEC_INIT;
	char *tmpl = NULL, *p;
	bool registered = false, cloned = false;
	enum clone_strategy how;
	int rc, ret = -1;

	memset(&e, 0, sizeof(e));
	memset(&res, 0, sizeof(res));
	rc = cli_parse(ctx, opts, "create NAME --from ENV [--ttl 4h] [--no-mask] "
		       "[--target URL_TEMPLATE] [--jobs N] [--strategy S]",
		       argc, argv, pos, 1, &npos, err);
	if (rc)
		return rc < 0 ? -1 : 0;
	if (npos != 1 || !from_name) {
		runway_error_set(err, RUNWAY_E_USAGE, "env create: expected NAME and --from ENV");
		runway_error_hint(err, "runway env create NAME --from ENV");
		return -1;
	}
	if (envreg_name_check(pos[0], err) < 0)
		return -1;
	if (ref) {
		runway_error_set(err, RUNWAY_E_USAGE, "env create: --ref is not supported yet");
		runway_error_hint(err, "leave it out: the work tree's changes are deployed");
		return -1;
	}
	if (ttl && envreg_parse_ttl(ttl, &ttl_s, err) < 0)
		return -1;
	if (cli_clone_strategy(ctx, strategy, &how, err) < 0)
		return -1;
	if (envreg_exists(pos[0])) {
		runway_error_set(err, RUNWAY_E_USAGE, "a runway named '%s' exists", pos[0]);
		runway_error_hint(err, "'runway env destroy %s' first, or pick another name", pos[0]);
		return -1;
	}
	from = config_env(&ctx->cfg, from_name);
	if (!from) {
		runway_error_set(err, RUNWAY_E_CONFIG, "--from: unknown environment '%s'", from_name);
		runway_error_hint(err, "environments are defined in runway.yml");
		return -1;
	}
	if (cli_url_arg(ctx, from_name, &src, NULL, err) < 0)
		goto out;

	/* where: the template as given ({name} applied), or next to the source */
	e.name = xstrdup(pos[0]);
	e.from = xstrdup(from_name);
	e.engine = xstrdup(src.scheme);
	if (target) {
		if (literal_password(target)) {
			runway_error_set(err, RUNWAY_E_USAGE,
					 "--target: the URL holds a password; runway would have to store it");
			runway_error_hint(err, "write ${VAR} for it (expanded from the environment), "
					  "or use PGPASSWORD / ~/.pgpass");
			goto out;
		}
		for (p = (char *)target; *p; p++) {
			if (!strncmp(p, "{name}", 6)) {
				runway_buf_adds(&b, e.name);
				p += 5;
			} else {
				runway_buf_addch(&b, *p);
			}
		}
		tmpl = runway_buf_detach(&b);
		if (vars_expand(&b, tmpl, strlen(tmpl), vars_lookup_env, NULL, NULL, err) < 0) {
			runway_error_prefix(err, "--target");
			goto out;
		}
		if (url_parse(&dst, b.buf, err) < 0)
			goto out;
		e.target = tmpl;
		tmpl = NULL;
	} else if (!strcmp(src.scheme, "sqlite")) {
		tmpl = xasprintf("sqlite:%s/%s.db", ENVREG_DIR, e.name);
		if (url_parse(&dst, tmpl, err) < 0)
			goto out;
	} else {
		char *db = xasprintf("runway_env_%s", e.name), *u;
		for (p = db; *p; p++)
			if (*p == '-')
				*p = '_';
		u = url_with_database(src.raw, db);
		rc = url_parse(&dst, u, err);
		secure_wipe(u, strlen(u));
		free(u);
		free(db);
		if (rc < 0)
			goto out;
	}
	if (strcmp(dst.scheme, src.scheme)) {
		runway_error_set(err, RUNWAY_E_USAGE, "--target: a %s runway of a %s environment",
				 dst.scheme, src.scheme);
		goto out;
	}
	e.database = !strcmp(dst.scheme, "sqlite") ? xstrdup(dst.path) : url_database(dst.raw);
	if (!e.database) {
		runway_error_set(err, RUNWAY_E_USAGE, "--target: '%s' names no database", dst.redacted);
		goto out;
	}
	e.url = xstrdup(dst.redacted);

	if (!no_mask && cli_mask_load(ctx, "env create", true, &rules, &key, err) < 0)
		goto out;
	e.masked = rules.n > 0;
	e.state = xstrdup("creating");
	e.pid = (long)getpid();
	e.created = time(NULL);
	e.expires = ttl_s ? e.created + ttl_s : 0;
	if (envreg_create(&e, err) < 0)
		goto out;
	registered = true;

	o.strategy = how;
	o.rules = e.masked ? &rules : NULL;
	o.key = key;
	o.jobs = (int)jobs;
	o.tables = &no_tables;
	o.command = ctx->cfg.clone.command;
	o.progress = progress_wanted(ctx->verbosity < 0 || ctx->json);
	if (cli_clone_run(&src, &dst, &o, &res, err) < 0)
		goto out;
	cloned = true;
	if (driver_connect(&c, &dst, err) < 0 || mark(c, e.name, err) < 0 ||
	    deploy(ctx, c, from, &deployed, err) < 0)
		goto out;
	driver_close(c);
	c = NULL;

	free(e.state);
	e.state = xstrdup("ready");
	if (envreg_save(&e, err) < 0)
		goto out;
	registered = false;

	if (ctx->json) {
		char t[32];
		json_t *j = json_object();
		json_object_set_new(j, "command", json_string("env create"));
		json_object_set_new(j, "name", json_string(e.name));
		json_object_set_new(j, "from", json_string(e.from));
		json_object_set_new(j, "url", json_string(e.url));
		json_object_set_new(j, "masked", json_boolean(e.masked));
		json_object_set_new(j, "strategy", json_string(clone_strategy_name(res.used)));
		json_object_set_new(j, "deployed", json_integer((json_int_t)deployed));
		envreg_time_format(t, sizeof(t), e.expires);
		json_object_set_new(j, "expires", e.expires ? json_string(t) : json_null());
		cli_json_print(j);
	} else if (ctx->verbosity >= 0) {
		char summary[128];
		cli_clone_summary(summary, sizeof(summary), &res);
		fprintf(stderr, "runway '%s': cloned %s (%s, %s%s), %zu change%s deployed\n", e.name,
			e.from, summary, clone_strategy_name(res.used), e.masked ? ", masked" : "",
			deployed, deployed == 1 ? "" : "s");
		/* the URL alone on stdout, for $(runway env create ...) */
		printf("%s\n", e.url);
	}
	ret = 0;
out:
	driver_close(c);
	if (ret < 0 && cloned) {
		struct runway_error e2 = RUNWAY_ERROR_INIT;
		if (drop_target(&dst, &e2) < 0)
			fprintf(stderr, "runway: warning: cannot drop '%s': %s\n", dst.redacted, e2.msg);
		runway_error_clear(&e2);
	}
	if (ret < 0 && registered) {
		struct runway_error e2 = RUNWAY_ERROR_INIT;
		envreg_remove(e.name, &e2);
		runway_error_clear(&e2);
	}
	if (b.alloc)
		secure_wipe(b.buf, b.len);
	runway_buf_release(&b);
	free(tmpl);
	strvec_release(&no_tables);
	envreg_release(&e);
	mask_key_free(key);
	mask_rules_release(&rules);
	url_release(&src);
	url_release(&dst);
	return ret;
}

static json_t *entry_json(const struct envreg_entry *e, const char *state)
{
	char t[32];
	json_t *j = json_object();

	json_object_set_new(j, "name", json_string(e->name));
	json_object_set_new(j, "state", json_string(state));
	json_object_set_new(j, "from", e->from ? json_string(e->from) : json_null());
	json_object_set_new(j, "url", e->url ? json_string(e->url) : json_null());
	json_object_set_new(j, "masked", json_boolean(e->masked));
	envreg_time_format(t, sizeof(t), e->created);
	json_object_set_new(j, "created", json_string(t));
	envreg_time_format(t, sizeof(t), e->expires);
	json_object_set_new(j, "expires", e->expires ? json_string(t) : json_null());
	return j;
}

static int env_list(struct runway_ctx *ctx, int argc, char **argv, struct runway_error *err)
{
	const struct cli_opt opts[] = { { OPT_END, NULL, 0, NULL, NULL, NULL } };
	struct strvec names = STRVEC_INIT;
	json_t *arr = json_array();
	time_t now = time(NULL);
	size_t i;
	int rc, ret = -1;

	rc = cli_parse(ctx, opts, "list", argc, argv, NULL, 0, NULL, err);
	if (rc) {
		json_decref(arr);
		return rc < 0 ? -1 : 0;
	}
	if (envreg_list(&names, err) < 0)
		goto out;
	if (!ctx->json && names.n)
		printf("%-24s %-9s %-12s %-20s %s\n", "NAME", "STATE", "FROM", "EXPIRES", "URL");
	for (i = 0; i < names.n; i++) {
		struct envreg_entry e;
		const char *state;
		char t[32];

		if (envreg_load(&e, names.v[i], err) < 0) {
			/* one bad record must not hide the others */
			fprintf(stderr, "runway: warning: %s\n", err->msg);
			runway_error_clear(err);
			continue;
		}
		state = envreg_state(&e, now);
		if (ctx->json) {
			json_array_append_new(arr, entry_json(&e, state));
		} else {
			if (e.expires)
				envreg_time_format(t, sizeof(t), e.expires);
			else
				snprintf(t, sizeof(t), "never");
			printf("%-24s %s%-9s%s %-12s %-20s %s\n", e.name,
			       cli_color(ctx, !strcmp(state, "ready") ? "green" : "red"), state,
			       cli_reset(ctx), e.from ? e.from : "-", t, e.url ? e.url : "-");
		}
		envreg_release(&e);
	}
	if (ctx->json) {
		json_t *j = json_object();
		json_object_set_new(j, "command", json_string("env list"));
		json_object_set(j, "runways", arr);
		cli_json_print(j);
	} else if (!names.n) {
		cli_info(ctx, "no runways (runway env create NAME --from ENV makes one)\n");
	}
	ret = 0;
out:
	json_decref(arr);
	strvec_release(&names);
	return ret;
}

/* Drop a registered runway and forget it. */
static int destroy(struct runway_ctx *ctx, const struct envreg_entry *e, struct runway_error *err)
{
	struct runway_url url = RUNWAY_URL_INIT;
	int ours, ret = -1;

	if (!strcmp(envreg_state(e, time(NULL)), "creating")) {
		runway_error_set(err, RUNWAY_E_USAGE, "runway '%s' is being created (pid %ld)",
				 e->name, e->pid);
		return -1;
	}
	if (entry_url(ctx, e, &url, err) < 0)
		goto out;
	ours = is_ours(&url, e->name, !strcmp(envreg_state(e, time(NULL)), "failed"), err);
	if (ours < 0)
		goto out;
	if (ours && drop_target(&url, err) < 0)
		goto out;
	if (envreg_remove(e->name, err) < 0)
		goto out;
	ret = 0;
out:
	url_release(&url);
	return ret;
}

static int env_destroy(struct runway_ctx *ctx, int argc, char **argv, struct runway_error *err)
{
	const struct cli_opt opts[] = { { OPT_END, NULL, 0, NULL, NULL, NULL } };
	const char *pos[1];
	size_t npos = 0;
	struct envreg_entry e;
	int rc;

	rc = cli_parse(ctx, opts, "destroy NAME", argc, argv, pos, 1, &npos, err);
	if (rc)
		return rc < 0 ? -1 : 0;
	if (npos != 1) {
		runway_error_set(err, RUNWAY_E_USAGE, "env destroy: expected the runway's NAME");
		return -1;
	}
	if (envreg_load(&e, pos[0], err) < 0)
		return -1;
	rc = destroy(ctx, &e, err);
	if (rc == 0) {
		if (ctx->json) {
			json_t *j = json_object();
			json_object_set_new(j, "command", json_string("env destroy"));
			json_object_set_new(j, "name", json_string(e.name));
			cli_json_print(j);
		} else {
			cli_info(ctx, "destroyed runway '%s' (%s)\n", e.name, e.url ? e.url : "");
		}
	}
	envreg_release(&e);
	return rc;
}

static int env_gc(struct runway_ctx *ctx, int argc, char **argv, struct runway_error *err)
{
	const struct cli_opt opts[] = { { OPT_END, NULL, 0, NULL, NULL, NULL } };
	struct strvec names = STRVEC_INIT;
	json_t *gone = json_array();
	time_t now = time(NULL);
	size_t i, failed = 0;
	int rc, ret = -1;

	rc = cli_parse(ctx, opts, "gc", argc, argv, NULL, 0, NULL, err);
	if (rc) {
		json_decref(gone);
		return rc < 0 ? -1 : 0;
	}
	if (envreg_list(&names, err) < 0)
		goto out;
	for (i = 0; i < names.n; i++) {
		struct envreg_entry e;
		const char *state;

		if (envreg_load(&e, names.v[i], err) < 0) {
			fprintf(stderr, "runway: warning: %s\n", err->msg);
			runway_error_clear(err);
			continue;
		}
		state = envreg_state(&e, now);
		if (!strcmp(state, "expired") || !strcmp(state, "failed")) {
			if (destroy(ctx, &e, err) < 0) {
				fprintf(stderr, "runway: cannot destroy runway '%s': %s\n", e.name,
					err->msg);
				runway_error_clear(err);
				failed++;
			} else {
				json_array_append_new(gone, json_string(e.name));
				if (!ctx->json)
					cli_info(ctx, "destroyed runway '%s' (%s)\n", e.name, state);
			}
		}
		envreg_release(&e);
	}
	if (ctx->json) {
		json_t *j = json_object();
		json_object_set_new(j, "command", json_string("env gc"));
		json_object_set(j, "destroyed", gone);
		json_object_set_new(j, "failed", json_integer((json_int_t)failed));
		cli_json_print(j);
	} else if (!json_array_size(gone) && !failed) {
		cli_info(ctx, "nothing to collect\n");
	}
	if (failed) {
		runway_error_set(err, RUNWAY_E_CHECK, "env gc: %zu runway%s could not be destroyed",
				 failed, failed == 1 ? "" : "s");
		goto out;
	}
	ret = 0;
out:
	json_decref(gone);
	strvec_release(&names);
	return ret;
}

static const struct {
	const char *name;
	int (*fn)(struct runway_ctx *, int, char **, struct runway_error *);
	const char *summary;
} subcommands[] = {
	{ "create", env_create, "clone an environment (masked), deploy the pending changes" },
	{ "list", env_list, "list the runways with their state" },
	{ "destroy", env_destroy, "drop a runway's database and forget it" },
	{ "gc", env_gc, "destroy the expired and failed runways" },
};

int cmd_env(struct runway_ctx *ctx, int argc, char **argv, struct runway_error *err)
{
	size_t i;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		FILE *out = argc < 2 ? stderr : stdout;
		fprintf(out, "usage: runway env create|list|destroy|gc ...\n\n");
		for (i = 0; i < ARRAY_SIZE(subcommands); i++)
			fprintf(out, "  %-8s %s\n", subcommands[i].name, subcommands[i].summary);
		fprintf(out, "\n'runway env SUBCOMMAND --help' tells more.\n\nglobal options:\n");
		cli_global_help(out);
		if (argc < 2)
			return runway_error_set(err, RUNWAY_E_USAGE, "env: expected a subcommand");
		return 0;
	}
	for (i = 0; i < ARRAY_SIZE(subcommands); i++)
		if (!strcmp(argv[1], subcommands[i].name))
			return subcommands[i].fn(ctx, argc - 1, argv + 1, err);
	runway_error_set(err, RUNWAY_E_USAGE, "env: unknown subcommand '%s'", argv[1]);
	runway_error_hint(err, "subcommands: create, list, destroy, gc");
	return -1;
}
