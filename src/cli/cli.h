/*
 * cli.h - what every command file shares: the context main.c prepares, the
 * option table that drives parsing and --help, and output helpers.
 *
 * A command is one entry of main.c's table. Its flags say what
 * cli_parse() prepares once the command's options are read:
 *   CMD_CONFIG     load runway.yml (optional when a URL comes from --db or
 *                  RUNWAY_DATABASE_URL) and select the environment
 *   CMD_DB         resolve the URL (--db > RUNWAY_DATABASE_URL > -e > default_env)
 *                  and connect
 *   CMD_PROTECTED  refuse a protected environment unless --force was given
 *   CMD_CREATES    the command may create the target (SQLite file); others
 *                  read a missing SQLite file as an empty database
 *
 * An environment applies (vars, labels, protected) when -e names it, or
 * when no URL came from --db / RUNWAY_DATABASE_URL and it is the default:
 * a URL given on its own does not borrow the default environment's settings.
 */
#ifndef RUNWAY_CLI_H
#define RUNWAY_CLI_H

#include <stdbool.h>
#include <jansson.h>
#include <signal.h>

#include "core/config.h"
#include "core/vars.h"
#include "driver/driver.h"

struct runway_error;

enum cmd_flags {
	CMD_CONFIG = 1 << 0,
	CMD_DB = 1 << 1,
	CMD_PROTECTED = 1 << 2,
	CMD_CREATES = 1 << 3, /* may create the database (a new SQLite file) */
	CMD_NO_ENV = 1 << 4,  /* with CMD_CONFIG: the command names its databases
				 itself (clone SRC DST, env --from): no environment
				 is selected, so no default_env is needed */
};

struct runway_ctx;

struct runway_cmd {
	const char *name;
	int (*fn)(struct runway_ctx *ctx, int argc, char **argv, struct runway_error *err);
	unsigned flags;
	const char *summary;
};

struct runway_ctx {
	/* global options */
	const char *dir;      /* -C */
	const char *env_name; /* -e */
	const char *db_url;   /* --db */
	bool json;
	int verbosity;        /* -1 quiet, 0 normal, 1 verbose */
	bool no_color;
	bool color;           /* decided by cli_parse: a terminal, no --no-color, no NO_COLOR */
	bool force;           /* --force, for commands with CMD_PROTECTED */

	const struct runway_cmd *cmd;
	/* prepared by cli_parse according to cmd->flags */
	struct runway_config cfg;
	const struct config_env *env; /* selected environment, or NULL */
	struct runway_url url;
	struct runway_conn *conn;
	struct vars vars;             /* the environment's placeholders, expanded */
};

enum opt_type { OPT_END = 0, OPT_BOOL, OPT_STRING, OPT_INT };

struct cli_opt {
	enum opt_type type;
	const char *name;   /* long name without "--" */
	char short_name;    /* or 0 */
	void *value;        /* bool *, const char **, long * */
	const char *arg;    /* argument name for help, e.g. "ID" */
	const char *help;
};

/*
 * Parse argv (argv[0] is the command name) against opts and the global
 * options, collect positional arguments (up to max_pos, usage names them),
 * then prepare the context. Returns 1 after printing --help (the command
 * returns 0 then), 0 to go on, -1 on error.
 */
int cli_parse(struct runway_ctx *ctx, const struct cli_opt *opts, const char *usage,
	      int argc, char **argv, const char **pos, size_t max_pos, size_t *npos,
	      struct runway_error *err);
/* Print the help of a command from its option table. */
void cli_help(const struct runway_ctx *ctx, const struct cli_opt *opts, const char *usage,
	      FILE *out);
void cli_ctx_release(struct runway_ctx *ctx);
/*
 * For commands that decide themselves whether they need the database
 * (check): resolve the URL into ctx->url (SPEC §2 precedence), and
 * connect as CMD_DB would.
 */
int cli_resolve_url(struct runway_ctx *ctx, struct runway_error *err);
int cli_connect(struct runway_ctx *ctx, struct runway_error *err);

/*
 * SIGINT, SIGTERM and SIGHUP to handler (commands that clean up after
 * themselves when stopped: test, clone, mask, env); and back.
 */
struct cli_signals {
	struct sigaction old[3];
	bool caught;
};
void cli_signals_catch(struct cli_signals *s, void (*handler)(int));
void cli_signals_restore(struct cli_signals *s);

/* Parse global options at the front of argv; returns the index of the command. */
int cli_parse_globals(struct runway_ctx *ctx, int argc, char **argv, struct runway_error *err);
void cli_global_help(FILE *out);

/* Print a JSON document on stdout (takes the reference). */
void cli_json_print(json_t *root);
/* A command printed its JSON document itself (a report renderer). */
void cli_json_mark_printed(void);
/* Has a JSON document been printed (main.c prints one for early errors)? */
bool cli_json_printed(void);
/* Informational text on stdout unless -q. */
void cli_info(const struct runway_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* ANSI colour around s when colour is on ("green", "red", "yellow", "dim", "bold"). */
const char *cli_color(const struct runway_ctx *ctx, const char *name);
const char *cli_reset(const struct runway_ctx *ctx);
/* Where the command works: "sqlite:dev.db (env dev)" (borrowed, static storage). */
const char *cli_target(const struct runway_ctx *ctx);

/* Commands. */
int cmd_init(struct runway_ctx *ctx, int argc, char **argv, struct runway_error *err);
int cmd_new(struct runway_ctx *ctx, int argc, char **argv, struct runway_error *err);
int cmd_status(struct runway_ctx *ctx, int argc, char **argv, struct runway_error *err);
int cmd_deploy(struct runway_ctx *ctx, int argc, char **argv, struct runway_error *err);
int cmd_revert(struct runway_ctx *ctx, int argc, char **argv, struct runway_error *err);
int cmd_verify(struct runway_ctx *ctx, int argc, char **argv, struct runway_error *err);
int cmd_log(struct runway_ctx *ctx, int argc, char **argv, struct runway_error *err);
int cmd_check(struct runway_ctx *ctx, int argc, char **argv, struct runway_error *err);
int cmd_test(struct runway_ctx *ctx, int argc, char **argv, struct runway_error *err);
int cmd_schema(struct runway_ctx *ctx, int argc, char **argv, struct runway_error *err);
int cmd_mask(struct runway_ctx *ctx, int argc, char **argv, struct runway_error *err);
int cmd_clone(struct runway_ctx *ctx, int argc, char **argv, struct runway_error *err);
int cmd_env(struct runway_ctx *ctx, int argc, char **argv, struct runway_error *err);

/* The command table (main.c), for help and the help test. */
extern const struct runway_cmd runway_commands[];

#endif
