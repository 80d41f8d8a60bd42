/*
 * cmd_check.c - `runway check [FILE...]`: pre-checks (docs/commands/check.md,
 * rules in docs/checks.md).
 *
 * What is checked: the given files; else with --all every change of the
 * migrations directory; else the changes pending on the target (which
 * needs the database, to know what is applied). Files and --all never
 * connect. The engine's rules apply: --engine, else the target URL's
 * scheme, else SQLite (the default target).
 */
#include "util/common.h"
#include "cli/cli.h"
#include "check/check.h"
#include "core/history.h"
#include "util/fs.h"

#include <time.h>

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The engine from --engine, or the scheme of the target's URL. */
static int pick_engine(struct runway_ctx *ctx, const char *name, enum check_engine *out,
		       struct runway_error *err)
{
	const char *scheme;
	if (name) {
		if (!strcmp(name, "sqlite"))
			*out = CHECK_SQLITE;
		else if (!strcmp(name, "postgres") || !strcmp(name, "postgresql") || !strcmp(name, "pg"))
			*out = CHECK_POSTGRES;
		else
			return runway_error_set(err, RUNWAY_E_USAGE,
						"--engine: unknown engine '%s' (sqlite or postgres)", name);
		return 0;
	}
	if (!ctx->url.raw) {
		bool any = ctx->db_url || (getenv("RUNWAY_DATABASE_URL") && *getenv("RUNWAY_DATABASE_URL")) ||
			   (ctx->env && ctx->env->url);
		if (!any) {
			*out = CHECK_SQLITE; /* the default target */
			return 0;
		}
		if (cli_resolve_url(ctx, err) < 0) {
			runway_error_hint(err, "or name the engine with --engine sqlite|postgres");
			return -1;
		}
	}
	scheme = ctx->url.scheme;
	if (!strcmp(scheme, "postgres"))
		*out = CHECK_POSTGRES;
	else if (!strcmp(scheme, "sqlite"))
		*out = CHECK_SQLITE;
	else {
		runway_error_set(err, RUNWAY_E_USAGE, "check has no rules for %s yet", scheme);
		runway_error_hint(err, "pass --engine postgres to check the SQL with PostgreSQL's grammar");
		return -1;
	}
	return 0;
}

static void files_release(struct check_file *files, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++)
		check_file_release(&files[i]);
	free(files);
}

static int cmp_file_id(const void *a, const void *b)
{
	return strcmp(((const struct check_file *)a)->change.id,
		      ((const struct check_file *)b)->change.id);
}

/* Load every .sql file of the migrations directory (ids into known). */
static int load_dir(const char *dir, struct check_file **out, size_t *n, struct strvec *known,
		    bool optional, struct runway_error *err)
{
	struct strvec names = STRVEC_INIT;
	size_t i;
	int ret = -1;

	*out = NULL;
	*n = 0;
	if (optional && !fs_is_dir(dir))
		return 0;
	if (fs_list_dir(&names, dir, ".sql", err) < 0) {
		runway_error_hint(err, "run 'runway init', or set 'migrations:' in runway.yml");
		goto out;
	}
	*out = xcalloc(names.n + 1, sizeof(**out));
	for (i = 0; i < names.n; i++) {
		char *path = xasprintf("%s/%s", dir, names.v[i]);
		int rc = check_file_load(&(*out)[*n], path, path, err);
		free(path);
		if (rc < 0)
			goto out;
		strvec_push(known, (*out)[*n].change.id);
		(*n)++;
	}
	ret = 0;
out:
	strvec_release(&names);
	return ret;
}

/* Keep the pending changes (and the modified ones, marked applied). */
static int keep_pending(struct runway_ctx *ctx, struct check_file *files, size_t *n,
			struct runway_error *err)
{
	struct history h = HISTORY_INIT;
	size_t i, kept = 0;

	if (history_load(ctx->conn, &h, 0, err) < 0)
		return -1;
	for (i = 0; i < *n; i++) {
		struct check_file *f = &files[i];
		const struct history_row *row = f->broken ? NULL : history_find(&h, f->change.id);
		bool keep;
		if (row)
			keep = row->checksum && strcmp(row->checksum, f->change.checksum);
		else
			keep = f->broken || !ctx->env || !ctx->env->has_labels ||
			       change_matches_labels(&f->change, &ctx->env->labels);
		if (!keep) {
			check_file_release(f);
			continue;
		}
		f->applied = row != NULL;
		if (kept != i)
			files[kept] = *f;
		kept++;
	}
	*n = kept;
	history_release(&h);
	return 0;
}

int cmd_check(struct runway_ctx *ctx, int argc, char **argv, struct runway_error *err)
{
	const char *format = NULL, *engine = NULL, *enable = NULL, *disable = NULL;
	bool all = false;
	const struct cli_opt opts[] = {
		{ OPT_STRING, "format", 0, &format, "FORMAT",
		  "text (default), json, junit, sarif or github" },
		{ OPT_STRING, "engine", 0, &engine, "ENGINE",
		  "sqlite or postgres (default: the target's)" },
		{ OPT_STRING, "enable", 0, &enable, "RULE,...",
		  "turn rules on (\"all\": every opt-in rule too)" },
		{ OPT_STRING, "disable", 0, &disable, "RULE,...", "turn rules off" },
		{ OPT_BOOL, "all", 0, &all, NULL,
		  "check every change of the migrations directory, not only the pending ones" },
		{ OPT_END, NULL, 0, NULL, NULL, NULL },
	};
	const char **pos = xcalloc((size_t)argc + 1, sizeof(char *));
	size_t npos = 0, n = 0, i;
	struct check_file *files = NULL, *dir_files = NULL;
	size_t ndir = 0;
	struct check_settings settings;
	struct check_opts co;
	struct strvec known = STRVEC_INIT;
	struct report r = REPORT_INIT("check");
	struct report_render_opts ro;
	enum report_format fmt = REPORT_TEXT;
	double t0 = now_s();
	int rc, ret = -1;

	memset(&co, 0, sizeof(co));
	memset(&ro, 0, sizeof(ro));
	rc = cli_parse(ctx, opts, "[FILE...] [--format FORMAT] [--engine ENGINE] [--all]", argc,
		       argv, pos, (size_t)argc, &npos, err);
	if (rc) {
		free(pos);
		return rc < 0 ? -1 : 0;
	}
	if (format && report_format_parse(format, &fmt) < 0) {
		runway_error_set(err, RUNWAY_E_USAGE, "--format: unknown format '%s'", format);
		runway_error_hint(err, "formats: text, json, junit, sarif, github");
		goto out;
	}
	if (ctx->json && !format)
		fmt = REPORT_JSON;
	if (npos && all) {
		runway_error_set(err, RUNWAY_E_USAGE, "--all and FILE arguments exclude each other");
		goto out;
	}
	if (check_settings_init(&settings, &ctx->cfg, enable, disable, err) < 0 ||
	    pick_engine(ctx, engine, &co.engine, err) < 0)
		goto out;

	if (npos) {
		/* ids of the project's changes satisfy requires of the given files */
		if (load_dir(ctx->cfg.migrations, &dir_files, &ndir, &known, true, err) < 0)
			goto out;
		files = xcalloc(npos + 1, sizeof(*files));
		for (i = 0; i < npos; i++) {
			if (check_file_load(&files[n], pos[i], pos[i], err) < 0) {
				runway_error_hint(err, "check reads change files and plain .sql files");
				goto out;
			}
			n++;
		}
		qsort(files, n, sizeof(*files), cmp_file_id);
		/* SQLite needs the tables the given files use: the earlier changes make them */
		for (i = 0; n && i < ndir && strcmp(dir_files[i].change.id, files[0].change.id) < 0; i++)
			;
		co.replay = dir_files;
		co.nreplay = i;
	} else {
		if (load_dir(ctx->cfg.migrations, &files, &n, &known, false, err) < 0)
			goto out;
		co.schema_complete = true;
		if (!all) {
			if (cli_connect(ctx, err) < 0) {
				runway_error_hint(err, "to check without a database, name the files or pass --all");
				goto out;
			}
			if (keep_pending(ctx, files, &n, err) < 0)
				goto out;
			if (co.engine == CHECK_SQLITE && ctx->url.path && strcmp(ctx->url.path, ":memory:"))
				co.sqlite_schema_from = ctx->url.path;
		}
	}
	co.settings = &settings;
	co.vars = &ctx->vars;
	co.known_ids = &known;
	r.rules = check_report_rules(&r.nrules);
	if (check_run(&r, files, n, &co, err) < 0)
		goto out;
	r.seconds = now_s() - t0;

	ro.color = ctx->color && fmt == REPORT_TEXT;
	ro.quiet = ctx->verbosity < 0;
	ro.version = RUNWAY_VERSION;
	report_render(&r, fmt, stdout, &ro);
	if (fmt == REPORT_JSON)
		cli_json_mark_printed();
	if (r.errors) {
		runway_error_set(err, RUNWAY_E_CHECK, "check found %zu error%s", r.errors,
				 r.errors == 1 ? "" : "s");
		goto out;
	}
	ret = 0;
out:
	files_release(files, n);
	files_release(dir_files, ndir);
	strvec_release(&known);
	report_release(&r);
	free(pos);
	return ret;
}
