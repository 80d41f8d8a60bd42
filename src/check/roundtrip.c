/* roundtrip.c - see roundtrip.h. */
#include "util/common.h"
#include "check/roundtrip.h"
#include "check/check.h"
#include "core/release.h"
#include "schema/schema.h"

#include <time.h>

static const struct report_rule rule_deploy = { "deploy-fails", "the change fails to deploy on an empty database" };
static const struct report_rule rule_verify = { "verify-fails", "the change's verify section fails after it deployed" };
static const struct report_rule rule_revert = { "revert-fails", "the change's revert section fails" };
static const struct report_rule rule_redeploy = { "redeploy-fails", "deploying again after reverting fails" };

const struct report_rule *const *roundtrip_rules(size_t *n)
{
	static const struct report_rule *list[5];
	list[0] = &check_rules[R_REVERT_DOES_NOT_UNDO].r;
	list[1] = &rule_deploy;
	list[2] = &rule_verify;
	list[3] = &rule_revert;
	list[4] = &rule_redeploy;
	*n = 5;
	return list;
}

struct rt {
	const struct roundtrip_opts *o;
	struct report *r;
	const struct change **todo; /* in deploy order */
	size_t n;
	char *failed_id;            /* the change a NOTE_FAIL named */
	char *failed_msg;
};

static void on_note(void *data, const struct release_note *n)
{
	struct rt *t = data;
	if (n->kind != NOTE_FAIL)
		return;
	free(t->failed_id);
	free(t->failed_msg);
	t->failed_id = xstrdup(n->id);
	t->failed_msg = xstrdup(n->error ? n->error : "failed");
}

static struct report_case *case_of(struct rt *t, const char *id)
{
	size_t i;
	for (i = 0; i < t->n; i++)
		if (id && !strcmp(t->todo[i]->id, id))
			return &t->r->cases[i];
	return &t->r->cases[t->n ? t->n - 1 : 0];
}

/* A failed step: a finding when the change failed, -1 when the run did. */
static int step_failed(struct rt *t, const struct report_rule *rule, const char *fallback_id,
		       const char *fix, struct runway_error *err)
{
	enum runway_eclass k = err->klass;
	if (k != RUNWAY_E_SQL && k != RUNWAY_E_VERIFY && k != RUNWAY_E_CHANGE)
		return -1;
	report_add(t->r, case_of(t, t->failed_id ? t->failed_id : fallback_id), rule, REPORT_ERROR,
		   0, 0, t->failed_msg ? t->failed_msg : err->msg, fix, NULL);
	runway_error_clear(err);
	return 0;
}

static bool stopped(const struct rt *t, struct runway_error *err)
{
	if (t->o->stop && *t->o->stop) {
		runway_error_set(err, RUNWAY_E_INTERRUPTED, "test: interrupted");
		return true;
	}
	return false;
}

static void progress(struct rt *t, const char *step, const char *id, size_t i)
{
	if (t->o->progress)
		t->o->progress(t->o->data, step, id, i, t->n);
}

int roundtrip_run(struct report *r, const struct roundtrip_opts *o, struct runway_error *err)
{
	struct rt t;
	struct release rel;
	struct audit audit;
	struct schema *snaps = NULL, after = SCHEMA_INIT;
	struct runway_buf diff = RUNWAY_BUF_INIT;
	size_t i, deployed = 0;
	bool failed = false;
	int ret = -1;

	memset(&t, 0, sizeof(t));
	memset(&rel, 0, sizeof(rel));
	t.o = o;
	t.r = r;
	t.todo = xcalloc(o->plan->n + 1, sizeof(*t.todo));
	for (i = 0; i < o->plan->n; i++)
		if (!o->labels || change_matches_labels(&o->plan->changes[i], o->labels))
			t.todo[t.n++] = &o->plan->changes[i];
	for (i = 0; i < t.n; i++)
		report_case_add(r, t.todo[i]->id, t.todo[i]->path);
	snaps = xcalloc(t.n + 1, sizeof(*snaps));
	audit_init(&audit, ".");
	rel.conn = o->conn;
	rel.plan = o->plan;
	rel.vars = o->vars;
	rel.labels = o->labels;
	rel.audit = &audit;
	rel.note = on_note;
	rel.data = &t;

	/* deploy one change at a time, the schema taken before each */
	for (i = 0; i < t.n && !failed; i++) {
		struct deploy_opts dop = { 0 };
		struct release_result res = { 0 };
		if (stopped(&t, err) || schema_read(&snaps[i], o->conn, err) < 0)
			goto out;
		progress(&t, "deploy", t.todo[i]->id, i);
		dop.to = t.todo[i]->id;
		dop.lock_timeout_ms = 60000;
		if (release_deploy(&rel, &dop, &res, err) < 0) {
			if (step_failed(&t, &rule_deploy, t.todo[i]->id,
					"make the deploy section run on a database that has only the changes before it",
					err) < 0)
				goto out;
			failed = true;
			break;
		}
		deployed = i + 1;
	}
	if (!failed && deployed) {
		struct release_result res = { 0 };
		if (stopped(&t, err))
			goto out;
		progress(&t, "verify", NULL, 0);
		if (release_verify(&rel, &res, err) < 0) {
			if (step_failed(&t, &rule_verify, NULL,
					"make the verify section succeed right after the deploy", err) < 0)
				goto out;
			failed = true;
		}
	}
	/* revert newest first: each must give back the schema before its deploy */
	for (i = deployed; i-- > 0;) {
		struct revert_opts rop = { 0 };
		struct release_result res = { 0 };
		size_t nd;
		if (stopped(&t, err))
			goto out;
		progress(&t, "revert", t.todo[i]->id, deployed - 1 - i);
		rop.steps = 1;
		rop.lock_timeout_ms = 60000;
		if (release_revert(&rel, &rop, &res, err) < 0) {
			if (step_failed(&t, &rule_revert, t.todo[i]->id,
					"make the revert section run right after the deploy section", err) < 0)
				goto out;
			failed = true;
			break;
		}
		schema_release(&after);
		if (schema_read(&after, o->conn, err) < 0)
			goto out;
		runway_buf_reset(&diff);
		nd = schema_diff(&snaps[i], &after, &diff);
		if (nd) {
			char *msg = xasprintf("after deploy and revert the schema differs from the one "
					      "before the deploy in %zu place%s ('-' was there before, "
					      "'+' is there now)", nd, nd == 1 ? "" : "s");
			report_add(r, &r->cases[i], &check_rules[R_REVERT_DOES_NOT_UNDO].r, REPORT_ERROR,
				   t.todo[i]->revert.line, t.todo[i]->revert.line ? 1 : 0, msg,
				   check_rules[R_REVERT_DOES_NOT_UNDO].fix, diff.buf);
			free(msg);
			failed = true;
			break;
		}
	}
	if (!failed && deployed) {
		struct deploy_opts dop = { 0 };
		struct release_result res = { 0 };
		if (stopped(&t, err))
			goto out;
		progress(&t, "redeploy", NULL, 0);
		dop.lock_timeout_ms = 60000;
		free(t.failed_id);
		t.failed_id = NULL;
		if (release_deploy(&rel, &dop, &res, err) < 0 &&
		    step_failed(&t, &rule_redeploy, NULL,
				"make the revert leave nothing the deploy trips over (a sequence, a type)",
				err) < 0)
			goto out;
	}
	ret = 0;
out:
	for (i = 0; i < t.n; i++)
		schema_release(&snaps[i]);
	free(snaps);
	schema_release(&after);
	runway_buf_release(&diff);
	audit_release(&audit);
	free(t.failed_id);
	free(t.failed_msg);
	free(t.todo);
	return ret;
}
