/*
 * main.c - global options, the command table, and the one place where an
 * error becomes an exit status (git/git: git.c run_builtin()).
 *
 * Exit status (SPEC §3): 0 success; 1 the work ran and found a problem;
 * 2 invalid request; 3 environment (connection, lock, missing tool).
 */
#include "util/common.h"
#include "cli/cli.h"

#include <signal.h>
#include <unistd.h>

const struct runway_cmd runway_commands[] = {
	{ "init", cmd_init, 0, "create runway.yml and the migrations directory" },
	{ "new", cmd_new, CMD_CONFIG, "create a change file with deploy, revert and verify sections" },
	{ "status", cmd_status, CMD_CONFIG | CMD_DB, "show applied, pending, modified and missing changes" },
	{ "deploy", cmd_deploy, CMD_CONFIG | CMD_DB | CMD_CREATES, "apply pending changes in order" },
	{ "revert", cmd_revert, CMD_CONFIG | CMD_DB | CMD_PROTECTED, "revert applied changes, newest first" },
	{ "verify", cmd_verify, CMD_CONFIG | CMD_DB, "run the verify sections of applied changes" },
	{ "log", cmd_log, CMD_CONFIG | CMD_DB, "show the audit trail of deploys, reverts and failures" },
	{ "check", cmd_check, CMD_CONFIG, "pre-check changes: unsafe locks, destructive operations, missing reverts" },
	{ "test", cmd_test, CMD_CONFIG, "deploy, verify, revert and redeploy every change on a scratch database" },
	{ "schema", cmd_schema, CMD_CONFIG | CMD_DB, "print the canonical schema of the target (sql, json or dot)" },
	{ "clone", cmd_clone, CMD_CONFIG | CMD_NO_ENV, "copy a database into a new one, masking personal data on the way" },
	{ "env", cmd_env, CMD_CONFIG | CMD_NO_ENV, "runways: create, list, destroy and collect masked clones" },
	{ "mask", cmd_mask, CMD_CONFIG | CMD_DB | CMD_PROTECTED, "mask personal data in place with the rules of runway.yml" },
	{ NULL, NULL, 0, NULL },
};

static void usage(FILE *out)
{
	const struct runway_cmd *c;
	fprintf(out, "usage: runway [-C DIR] [-e ENV] [--db URL] [--json] [-q|-v] [--no-color] COMMAND [ARGS]\n\n"
		     "runway brings databases into CI/CD: every change a file in git, released\n"
		     "forward and back, exactly once, with an audit trail.\n\ncommands:\n");
	for (c = runway_commands; c->name; c++)
		fprintf(out, "  %-8s %s\n", c->name, c->summary);
	fprintf(out, "\nglobal options:\n");
	cli_global_help(out);
	fprintf(out, "      --version     print the version\n\n"
		     "'runway COMMAND --help' tells more about a command.\n");
}

int main(int argc, char **argv)
{
	struct runway_ctx ctx;
	struct runway_error err = RUNWAY_ERROR_INIT;
	const struct runway_cmd *c;
	int i, ret = 0;

	memset(&ctx, 0, sizeof(ctx));
	/* a closed pipe shows up as a write error below, not as a signal */
	signal(SIGPIPE, SIG_IGN);

	i = cli_parse_globals(&ctx, argc, argv, &err);
	if (i < 0)
		goto fail;
	if (i >= argc) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[i], "--version") || !strcmp(argv[i], "version")) {
		if (ctx.json)
			printf("{\"version\": \"%s\"}\n", RUNWAY_VERSION);
		else
			printf("runway %s\n", RUNWAY_VERSION);
		return 0;
	}
	if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h") || !strcmp(argv[i], "help")) {
		if (!strcmp(argv[i], "help") && i + 1 < argc) {
			char *hargv[3] = { argv[i + 1], (char *)"--help", NULL };
			for (c = runway_commands; c->name; c++)
				if (!strcmp(c->name, argv[i + 1])) {
					ctx.cmd = c;
					ret = c->fn(&ctx, 2, hargv, &err) < 0 ? -1 : 0;
					goto done;
				}
		}
		usage(stdout);
		return 0;
	}
	if (argv[i][0] == '-') {
		runway_error_set(&err, RUNWAY_E_USAGE, "unknown option '%s'", argv[i]);
		runway_error_hint(&err, "see 'runway --help'");
		goto fail;
	}
	for (c = runway_commands; c->name; c++)
		if (!strcmp(c->name, argv[i]))
			break;
	if (!c->name) {
		runway_error_set(&err, RUNWAY_E_USAGE, "unknown command '%s'", argv[i]);
		runway_error_hint(&err, "see 'runway --help' for the commands");
		goto fail;
	}
	ctx.cmd = c;
	ret = c->fn(&ctx, argc - i, argv + i, &err);
done:
	cli_ctx_release(&ctx);
	/* a report cut short must not look like success (git: run_builtin) */
	if (fflush(stdout) != 0 || ferror(stdout)) {
		if (ret == 0 && errno != EPIPE) {
			runway_error_set(&err, RUNWAY_E_IO, "cannot write to stdout: %s", strerror(errno));
			ret = -1;
		}
	}
	if (ret == 0)
		return 0;
fail:
	if (!err.klass)
		runway_error_set(&err, RUNWAY_E_INTERNAL, "failed without saying why");
	runway_error_print(&err);
	ret = runway_error_exit_code(&err);
	if (ctx.json && !cli_json_printed()) {
		/* --json promises one document, also when the command stopped early */
		json_t *j = json_object();
		json_object_set_new(j, "command", json_string(ctx.cmd ? ctx.cmd->name : ""));
		json_object_set_new(j, "ok", json_false());
		json_object_set_new(j, "error", json_string(err.msg));
		if (err.hint)
			json_object_set_new(j, "hint", json_string(err.hint));
		json_object_set_new(j, "exit_code", json_integer(ret));
		cli_json_print(j);
		fflush(stdout);
	}
	runway_error_clear(&err);
	cli_ctx_release(&ctx);
	return ret;
}
