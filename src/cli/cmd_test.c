/*
 * cmd_test.c - `runway test`: the revert round trip of every change on a
 * scratch database of the target's engine (docs/commands/test.md; the
 * steps are in check/roundtrip.h).
 *
 * The scratch database is dropped on every way out: success, a finding,
 * an error, and SIGINT/SIGTERM/SIGHUP, whose handler interrupts the
 * running statement (driver_interrupt is async-signal-safe) so the run
 * unwinds to the cleanup instead of dying with the database left behind.
 */
#include "util/common.h"
#include "cli/cli_release.h"
#include "check/roundtrip.h"
#include "driver/scratch.h"

#include <signal.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop_signal;
static struct runway_conn *volatile running;

static void on_signal(int sig)
{
	stop_signal = sig;
	if (running)
		driver_interrupt(running);
}

struct progress {
	bool on;
};

static void show_progress(void *data, const char *step, const char *id, size_t i, size_t n)
{
	struct progress *p = data;
	if (!p->on)
		return;
	if (id)
		fprintf(stderr, "\r\033[K%s %zu/%zu %s", step, i + 1, n, id);
	else
		fprintf(stderr, "\r\033[K%s", step);
	fflush(stderr);
}

int cmd_test(struct runway_ctx *ctx, int argc, char **argv, struct runway_error *err)
{
	const char *format = NULL, *scratch_url = NULL, *labels_opt = NULL;
	const struct cli_opt opts[] = {
		{ OPT_STRING, "scratch", 0, &scratch_url, "URL",
		  "where to make the scratch database (default: the target's server, or a temporary SQLite file)" },
		{ OPT_STRING, "format", 0, &format, "FORMAT", "text (default), json or junit" },
		{ OPT_STRING, "labels", 0, &labels_opt, "L,...",
		  "test the changes of this label filter (default: the environment's)" },
		{ OPT_END, NULL, 0, NULL, NULL, NULL },
	};
	struct plan plan = PLAN_INIT;
	struct strvec labels = STRVEC_INIT;
	struct runway_url given = RUNWAY_URL_INIT;
	struct scratch sc = SCRATCH_INIT;
	struct runway_conn *conn = NULL;
	struct report r = REPORT_INIT("test");
	struct report_render_opts ro;
	struct roundtrip_opts rto;
	struct progress pg = { false };
	struct cli_signals sigs;
	enum report_format fmt = REPORT_TEXT;
	bool has_labels = false;
	struct timespec t0, t1;
	int rc, ret = -1;

	memset(&ro, 0, sizeof(ro));
	memset(&sigs, 0, sizeof(sigs));
	memset(&rto, 0, sizeof(rto));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = cli_parse(ctx, opts, "[--scratch URL] [--format FORMAT] [--labels L,...]", argc, argv,
		       NULL, 0, NULL, err);
	if (rc)
		return rc < 0 ? -1 : 0;
	if (format && (report_format_parse(format, &fmt) < 0 || fmt == REPORT_SARIF ||
		       fmt == REPORT_GITHUB)) {
		runway_error_set(err, RUNWAY_E_USAGE, "--format: unknown format '%s'", format);
		runway_error_hint(err, "formats: text, json, junit");
		return -1;
	}
	if (ctx->json && !format)
		fmt = REPORT_JSON;
	if (plan_load(&plan, ctx->cfg.migrations, err) < 0)
		goto out;
	has_labels = cli_labels(ctx, labels_opt, &labels);
	if (scratch_url) {
		if (url_parse(&given, scratch_url, err) < 0) {
			runway_error_prefix(err, "--scratch");
			goto out;
		}
	} else if (cli_resolve_url(ctx, err) < 0) {
		goto out;
	}

	cli_signals_catch(&sigs, on_signal);

	if (scratch_create(&sc, scratch_url ? &given : &ctx->url, scratch_url != NULL, err) < 0)
		goto out;
	if (stop_signal || driver_connect(&conn, &sc.url, err) < 0) {
		if (stop_signal)
			runway_error_set(err, RUNWAY_E_INTERRUPTED, "test: interrupted");
		goto out;
	}
	running = conn;
	pg.on = isatty(STDERR_FILENO) && ctx->verbosity >= 0 && fmt == REPORT_TEXT;
	rto.conn = conn;
	rto.plan = &plan;
	rto.vars = &ctx->vars;
	rto.labels = has_labels ? &labels : NULL;
	rto.stop = &stop_signal;
	rto.progress = show_progress;
	rto.data = &pg;
	rc = roundtrip_run(&r, &rto, err);
	if (pg.on)
		fputs("\r\033[K", stderr);
	if (rc < 0) {
		if (stop_signal) {
			runway_error_clear(err);
			runway_error_set(err, RUNWAY_E_INTERRUPTED, "test: interrupted; the scratch database was dropped");
		}
		goto out;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	r.seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	r.rules = roundtrip_rules(&r.nrules);
	ro.color = ctx->color && fmt == REPORT_TEXT;
	ro.quiet = ctx->verbosity < 0;
	ro.version = RUNWAY_VERSION;
	if (fmt == REPORT_TEXT && ctx->verbosity >= 0)
		printf("round trip on %s: deploy, verify, revert (schema compared), deploy again\n",
		       sc.url.redacted);
	report_render(&r, fmt, stdout, &ro);
	if (fmt == REPORT_JSON)
		cli_json_mark_printed();
	if (r.errors) {
		runway_error_set(err, RUNWAY_E_CHECK, "test found %zu problem%s", r.errors,
				 r.errors == 1 ? "" : "s");
		goto out;
	}
	ret = 0;
out:
	running = NULL;
	driver_close(conn);
	scratch_drop(&sc);
	cli_signals_restore(&sigs);
	report_release(&r);
	url_release(&given);
	strvec_release(&labels);
	plan_release(&plan);
	return ret;
}
