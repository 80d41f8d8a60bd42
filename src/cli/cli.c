/*
 * cli.c - option parsing, help, context preparation and output helpers
 * shared by the command files (see cli.h).
 */
#include "util/common.h"
#include "cli/cli.h"

#include <unistd.h>

/* The global options, accepted before and after the command name. */
static const char *const global_help =
	"  -C DIR            run as if started in DIR\n"
	"  -e, --env ENV     environment of runway.yml to work on\n"
	"      --db URL      database URL (overrides RUNWAY_DATABASE_URL and -e)\n"
	"      --json        print one JSON document on stdout\n"
	"  -q, --quiet       print only errors\n"
	"  -v, --verbose     print more\n"
	"      --no-color    no colours, also when stdout is a terminal\n"
	"  -h, --help        show help\n";

void cli_global_help(FILE *out)
{
	fputs(global_help, out);
}

/* Match one global option at argv[*i]; 1 matched, 0 not a global, -1 error. */
static int match_global(struct runway_ctx *ctx, int argc, char **argv, int *i,
			struct runway_error *err)
{
	const char *a = argv[*i];
	const char **target = NULL;
	const char *inl = NULL;
	const char *name = a;

	if (!strcmp(a, "--json")) {
		ctx->json = true;
		return 1;
	}
	if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
		ctx->verbosity = -1;
		return 1;
	}
	if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
		ctx->verbosity = 1;
		return 1;
	}
	if (!strcmp(a, "--no-color") || !strcmp(a, "--no-colour")) {
		ctx->no_color = true;
		return 1;
	}
	if (!strcmp(a, "-C"))
		target = &ctx->dir;
	else if (!strcmp(a, "-e") || !strcmp(a, "--env"))
		target = &ctx->env_name;
	else if (!strcmp(a, "--db"))
		target = &ctx->db_url;
	else if (!strncmp(a, "--env=", 6)) {
		target = &ctx->env_name;
		inl = a + 6;
	} else if (!strncmp(a, "--db=", 5)) {
		target = &ctx->db_url;
		inl = a + 5;
	} else if (!strncmp(a, "-C", 2) && a[2]) {
		target = &ctx->dir;
		inl = a + 2;
	} else if (!strncmp(a, "-e", 2) && a[2] && a[1] != '-') {
		target = &ctx->env_name;
		inl = a + 2;
	}
	if (!target)
		return 0;
	if (inl) {
		*target = inl;
		return 1;
	}
	if (*i + 1 >= argc)
		return runway_error_set(err, RUNWAY_E_USAGE, "option '%s' needs a value", name);
	*target = argv[++*i];
	return 1;
}

int cli_parse_globals(struct runway_ctx *ctx, int argc, char **argv, struct runway_error *err)
{
	int i;
	for (i = 1; i < argc; i++) {
		int m;
		if (argv[i][0] != '-')
			return i;
		m = match_global(ctx, argc, argv, &i, err);
		if (m < 0)
			return -1;
		if (!m)
			return i; /* --help, --version, or unknown: main.c decides */
	}
	return i;
}

void cli_help(const struct runway_ctx *ctx, const struct cli_opt *opts, const char *usage,
	      FILE *out)
{
	const struct cli_opt *o;
	fprintf(out, "usage: runway %s %s\n\n%s\n", ctx->cmd->name, usage ? usage : "",
		ctx->cmd->summary);
	if (opts && opts->type != OPT_END)
		fprintf(out, "\noptions:\n");
	for (o = opts; o && o->type != OPT_END; o++) {
		char left[64];
		if (o->short_name)
			snprintf(left, sizeof(left), "-%c, --%s%s%s", o->short_name, o->name,
				 o->arg ? " " : "", o->arg ? o->arg : "");
		else
			snprintf(left, sizeof(left), "    --%s%s%s", o->name, o->arg ? " " : "",
				 o->arg ? o->arg : "");
		fprintf(out, "  %-30s %s\n", left, o->help);
	}
	fprintf(out, "\nglobal options:\n");
	cli_global_help(out);
	fprintf(out, "\nsee docs/commands/%s.md\n", ctx->cmd->name);
}

static int parse_long(const char *name, const char *v, long *out, struct runway_error *err)
{
	char *end;
	long n;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || end == v || *end || n < 0)
		return runway_error_set(err, RUNWAY_E_USAGE,
					"option '--%s' needs a whole number, not '%s'", name, v);
	*out = n;
	return 0;
}

static int set_opt(const struct cli_opt *o, const char *v, struct runway_error *err)
{
	switch (o->type) {
	case OPT_BOOL:
		*(bool *)o->value = true;
		return 0;
	case OPT_STRING:
		*(const char **)o->value = v;
		return 0;
	case OPT_INT:
		return parse_long(o->name, v, o->value, err);
	case OPT_END:
		break;
	}
	return 0;
}

static int prepare(struct runway_ctx *ctx, struct runway_error *err);

int cli_parse(struct runway_ctx *ctx, const struct cli_opt *opts, const char *usage,
	      int argc, char **argv, const char **pos, size_t max_pos, size_t *npos,
	      struct runway_error *err)
{
	bool only_pos = false;
	size_t np = 0;
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const struct cli_opt *o, *found = NULL;
		const char *inl = NULL;
		int m;

		if (only_pos || a[0] != '-' || !a[1]) {
			if (np >= max_pos) {
				runway_error_set(err, RUNWAY_E_USAGE, "%s: unexpected argument '%s'",
						 ctx->cmd->name, a);
				runway_error_hint(err, "usage: runway %s %s", ctx->cmd->name,
						  usage ? usage : "");
				return -1;
			}
			pos[np++] = a;
			continue;
		}
		if (!strcmp(a, "--")) {
			only_pos = true;
			continue;
		}
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			cli_help(ctx, opts, usage, stdout);
			return 1;
		}
		m = match_global(ctx, argc, argv, &i, err);
		if (m < 0)
			return -1;
		if (m)
			continue;
		for (o = opts; o && o->type != OPT_END; o++) {
			size_t n = strlen(o->name);
			if (a[1] == '-' && !strncmp(a + 2, o->name, n) &&
			    (a[2 + n] == '\0' || a[2 + n] == '=')) {
				found = o;
				inl = a[2 + n] == '=' ? a + 3 + n : NULL;
				break;
			}
			if (a[1] != '-' && o->short_name && a[1] == o->short_name) {
				found = o;
				inl = a[2] ? a + 2 : NULL;
				break;
			}
		}
		if (!found) {
			runway_error_set(err, RUNWAY_E_USAGE, "%s: unknown option '%s'",
					 ctx->cmd->name, a);
			runway_error_hint(err, "see 'runway %s --help'", ctx->cmd->name);
			return -1;
		}
		if (found->type == OPT_BOOL) {
			if (inl)
				return runway_error_set(err, RUNWAY_E_USAGE,
							"option '--%s' takes no value", found->name);
			set_opt(found, NULL, err);
			continue;
		}
		if (!inl) {
			if (i + 1 >= argc)
				return runway_error_set(err, RUNWAY_E_USAGE,
							"option '--%s' needs a value", found->name);
			inl = argv[++i];
		}
		if (set_opt(found, inl, err) < 0)
			return -1;
	}
	if (npos)
		*npos = np;
	return prepare(ctx, err);
}

/* ---- preparing the context -------------------------------------------- */

static int select_env(struct runway_ctx *ctx, bool url_given, struct runway_error *err)
{
	const char *name = ctx->env_name;

	if (name) {
		ctx->env = config_env(&ctx->cfg, name);
		if (!ctx->env) {
			runway_error_set(err, RUNWAY_E_CONFIG, "unknown environment '%s'", name);
			if (!ctx->cfg.path)
				runway_error_hint(err, "there is no runway.yml here (run 'runway init')");
			else
				runway_error_hint(err, "environments are defined in %s", ctx->cfg.path);
			return -1;
		}
		return 0;
	}
	if (url_given)
		return 0; /* a URL on its own: no environment's settings */
	if (ctx->cfg.default_env)
		ctx->env = config_env(&ctx->cfg, ctx->cfg.default_env);
	else if (ctx->cfg.nenvs == 1)
		ctx->env = &ctx->cfg.envs[0];
	else if (ctx->cfg.nenvs > 1) {
		runway_error_set(err, RUNWAY_E_CONFIG, "%s defines several environments and no default_env",
				 ctx->cfg.path);
		runway_error_hint(err, "pick one with -e ENV, or set default_env");
		return -1;
	}
	return 0;
}

int cli_resolve_url(struct runway_ctx *ctx, struct runway_error *err)
{
	struct runway_buf b = RUNWAY_BUF_INIT;
	const char *env_url = getenv("RUNWAY_DATABASE_URL");
	const char *raw;
	int ret;

	if (ctx->db_url)
		raw = ctx->db_url;
	else if (env_url && *env_url)
		raw = env_url;
	else if (ctx->env && ctx->env->url)
		raw = ctx->env->url;
	else if (ctx->env) {
		runway_error_set(err, RUNWAY_E_CONFIG, "environment '%s' has no url", ctx->env->name);
		return -1;
	} else {
		runway_error_set(err, RUNWAY_E_CONFIG, "no database to work on");
		runway_error_hint(err, "pass --db URL, set RUNWAY_DATABASE_URL, or run 'runway init'");
		return -1;
	}
	if (raw == (ctx->env ? ctx->env->url : NULL)) {
		if (vars_expand(&b, raw, strlen(raw), vars_lookup_env, NULL, NULL, err) < 0) {
			runway_error_prefix(err, "environment '%s': url", ctx->env->name);
			runway_error_hint(err, "set the variable in the process environment");
			runway_buf_release(&b);
			return -1;
		}
		raw = b.buf;
	}
	ret = url_parse(&ctx->url, raw, err);
	if (b.alloc)
		secure_wipe(b.buf, b.len);
	runway_buf_release(&b);
	return ret;
}

static int prepare(struct runway_ctx *ctx, struct runway_error *err)
{
	unsigned f = ctx->cmd->flags;
	bool url_given = ctx->db_url || (getenv("RUNWAY_DATABASE_URL") && *getenv("RUNWAY_DATABASE_URL"));

	ctx->color = !ctx->no_color && !ctx->json && isatty(STDOUT_FILENO) &&
		     !getenv("NO_COLOR") && !(getenv("TERM") && !strcmp(getenv("TERM"), "dumb"));
	if (ctx->dir && chdir(ctx->dir) < 0)
		return runway_error_set(err, RUNWAY_E_USAGE, "cannot change to '%s': %s", ctx->dir,
					strerror(errno));
	if (!(f & (CMD_CONFIG | CMD_DB)))
		return 0;
	if (config_load(&ctx->cfg, CONFIG_FILE, true, err) < 0)
		return -1;
	if (f & CMD_NO_ENV)
		return 0;
	if (select_env(ctx, url_given, err) < 0)
		return -1;
	if (config_env_vars(ctx->env, &ctx->vars, err) < 0)
		return -1;
	if (!(f & CMD_DB))
		return 0;
	return cli_connect(ctx, err);
}

int cli_connect(struct runway_ctx *ctx, struct runway_error *err)
{
	unsigned f = ctx->cmd->flags;
	if (!ctx->url.raw && cli_resolve_url(ctx, err) < 0)
		return -1;
	ctx->url.no_create = !(f & CMD_CREATES);
	if ((f & CMD_PROTECTED) && ctx->env && ctx->env->is_protected && !ctx->force) {
		runway_error_set(err, RUNWAY_E_USAGE, "environment '%s' is protected", ctx->env->name);
		runway_error_hint(err, "pass --force to %s it anyway", ctx->cmd->name);
		return -1;
	}
	return driver_connect(&ctx->conn, &ctx->url, err);
}

void cli_ctx_release(struct runway_ctx *ctx)
{
	driver_close(ctx->conn);
	ctx->conn = NULL;
	url_release(&ctx->url);
	vars_release(&ctx->vars);
	config_release(&ctx->cfg);
}

/* ---- output ------------------------------------------------------------ */

static bool json_printed;

bool cli_json_printed(void)
{
	return json_printed;
}

void cli_json_mark_printed(void)
{
	json_printed = true;
}

void cli_json_print(json_t *root)
{
	char *s = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_printed = true;
	if (s) {
		fputs(s, stdout);
		fputc('\n', stdout);
		free(s);
	}
	json_decref(root);
}

void cli_info(const struct runway_ctx *ctx, const char *fmt, ...)
{
	va_list ap;
	if (ctx->verbosity < 0 || ctx->json)
		return;
	va_start(ap, fmt);
	vfprintf(stdout, fmt, ap);
	va_end(ap);
}

const char *cli_color(const struct runway_ctx *ctx, const char *name)
{
	if (!ctx->color)
		return "";
	if (!strcmp(name, "green"))
		return "\033[32m";
	if (!strcmp(name, "red"))
		return "\033[31m";
	if (!strcmp(name, "yellow"))
		return "\033[33m";
	if (!strcmp(name, "dim"))
		return "\033[2m";
	if (!strcmp(name, "bold"))
		return "\033[1m";
	return "";
}

const char *cli_reset(const struct runway_ctx *ctx)
{
	return ctx->color ? "\033[0m" : "";
}

const char *cli_target(const struct runway_ctx *ctx)
{
	static char buf[1024];
	if (ctx->env && !ctx->db_url)
		snprintf(buf, sizeof(buf), "%s (env %s)", ctx->url.redacted ? ctx->url.redacted : "?",
			 ctx->env->name);
	else
		snprintf(buf, sizeof(buf), "%s", ctx->url.redacted ? ctx->url.redacted : "?");
	return buf;
}

static const int caught_signals[3] = { SIGINT, SIGTERM, SIGHUP };

void cli_signals_catch(struct cli_signals *s, void (*handler)(int))
{
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < ARRAY_SIZE(caught_signals); i++)
		sigaction(caught_signals[i], &sa, &s->old[i]);
	s->caught = true;
}

void cli_signals_restore(struct cli_signals *s)
{
	size_t i;

	if (!s->caught)
		return;
	for (i = 0; i < ARRAY_SIZE(caught_signals); i++)
		sigaction(caught_signals[i], &s->old[i], NULL);
	s->caught = false;
}
