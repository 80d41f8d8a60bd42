/*
 * roundtrip.h - the revert round trip behind `runway test`.
 *
 * On an empty scratch database every change (of the label filter) is
 * deployed one at a time, the canonical schema (schema/schema.h) taken
 * before each; then the verify sections run; then the changes are reverted
 * newest first, and after each revert the schema must equal the one taken
 * before that change was deployed - or the change's revert left something
 * behind or removed too much (revert-does-not-undo, with the differences).
 * Last, everything is deployed again (a revert must leave a state the
 * deploy can run on). The first failure ends the steps after it.
 */
#ifndef RUNWAY_ROUNDTRIP_H
#define RUNWAY_ROUNDTRIP_H

#include <signal.h>
#include "core/plan.h"
#include "core/vars.h"
#include "report/report.h"
#include "util/vec.h"

struct runway_conn;
struct runway_error;

struct roundtrip_opts {
	struct runway_conn *conn;         /* the scratch database */
	const struct plan *plan;
	const struct vars *vars;
	const struct strvec *labels;      /* NULL: every change */
	volatile sig_atomic_t *stop;      /* set by a signal handler: give up */
	/* progress (may be NULL): step is "deploy", "verify", "revert", "redeploy" */
	void (*progress)(void *data, const char *step, const char *id, size_t i, size_t n);
	void *data;
};

/*
 * Run the round trip; findings go to r, one case per change. Fails only
 * when the steps could not run (connection lost, interrupted: the error
 * says which).
 */
int roundtrip_run(struct report *r, const struct roundtrip_opts *o, struct runway_error *err);

/* The rules a round trip reports (for SARIF's list). */
const struct report_rule *const *roundtrip_rules(size_t *n);

#endif
