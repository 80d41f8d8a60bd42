/*
 * release.c - the release engine (see release.h).
 *
 * A transactional change is one batch: BEGIN, its deploy statements, its
 * verify statements, its history row and its event, COMMIT. Drivers that
 * pipeline send that in one round trip. A failure rolls the batch back and
 * then records a 'fail' event on its own.
 *
 * A change that cannot run in a transaction (no-transaction, or an engine
 * without transactional DDL) first commits its row as 'started', then runs,
 * then marks the row 'applied' with its event. If the process dies in
 * between, the 'started' row blocks later deploys until `deploy --resume`
 * or `revert` settles it.
 */
#include "util/common.h"
#include "core/release.h"
#include "driver/driver.h"

#include <sys/time.h>

static const char *const state_names[] = {
	[ST_APPLIED] = "applied",
	[ST_PENDING] = "pending",
	[ST_MODIFIED] = "modified",
	[ST_MISSING] = "missing",
	[ST_INTERRUPTED] = "interrupted",
	[ST_SKIPPED] = "skipped",
};

const char *change_state_name(enum change_state s)
{
	return state_names[s];
}

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- status ------------------------------------------------------------ */

void status_compute(struct status *st, const struct plan *p, const struct history *h,
		    const struct strvec *labels)
{
	const char *newest = NULL;
	size_t i;

	memset(st, 0, sizeof(*st));
	st->items = xcalloc(p->n + h->n + 1, sizeof(*st->items));
	for (i = 0; i < h->n; i++) {
		const struct history_row *row = &h->rows[i];
		struct status_item *it = &st->items[st->n++];
		it->row = row;
		it->id = row->change_id;
		it->change = plan_find(p, row->change_id);
		if (row->started)
			it->state = ST_INTERRUPTED;
		else if (!it->change)
			it->state = ST_MISSING;
		else if (strcmp(it->change->checksum, row->checksum ? row->checksum : ""))
			it->state = ST_MODIFIED;
		else
			it->state = ST_APPLIED;
		st->count[it->state]++;
		if (!newest || strcmp(row->change_id, newest) > 0)
			newest = row->change_id;
	}
	for (i = 0; i < p->n; i++) {
		const struct change *c = &p->changes[i];
		struct status_item *it;
		if (history_find(h, c->id))
			continue;
		it = &st->items[st->n++];
		it->id = c->id;
		it->change = c;
		it->state = change_matches_labels(c, labels) ? ST_PENDING : ST_SKIPPED;
		it->out_of_order = it->state == ST_PENDING && newest && strcmp(c->id, newest) < 0;
		st->count[it->state]++;
		if (it->out_of_order)
			st->out_of_order++;
	}
}

void status_release(struct status *st)
{
	free(st->items);
	memset(st, 0, sizeof(*st));
}

/* ---- shared pieces ----------------------------------------------------- */

static void note(struct release *r, enum note_kind kind, const char *action,
		 const struct change *c, const char *id, long ms, const char *error,
		 const char *sql, size_t index, size_t total, bool ooo)
{
	struct release_note n;
	if (!r->note)
		return;
	memset(&n, 0, sizeof(n));
	n.kind = kind;
	n.action = action;
	n.id = id;
	n.path = c ? c->path : NULL;
	n.ms = ms;
	n.error = error;
	n.sql = sql;
	n.index = index;
	n.total = total;
	n.out_of_order = ooo;
	r->note(r->data, &n);
}

/*
 * Give the deploy lock back. A failure here is not reported: the work is
 * done or already failed, and the lock ends with the session anyway.
 */
static void unlock_quietly(struct release *r)
{
	struct runway_error ign = RUNWAY_ERROR_INIT;
	driver_unlock(r->conn, &ign);
	runway_error_clear(&ign);
}

/* Record a failure on its own, after the change was rolled back. */
static void record_failure(struct release *r, const char *action, const char *id,
			   long ms, const char *msg)
{
	struct runway_error ign = RUNWAY_ERROR_INIT;
	history_event(r->conn, r->audit, action, id, "fail", ms, msg, &ign);
	runway_error_clear(&ign);
}

/*
 * The offset of the first token at or after offset: drivers report where
 * their splitter started, which may be blank space, comments or an empty
 * ';' statement before the statement itself.
 */
static size_t first_token(const char *s, size_t len, size_t offset)
{
	size_t i = offset;
	while (i < len) {
		if (isspace((unsigned char)s[i]) || s[i] == ';') {
			i++;
		} else if (s[i] == '-' && i + 1 < len && s[i + 1] == '-') {
			while (i < len && s[i] != '\n')
				i++;
		} else if (s[i] == '/' && i + 1 < len && s[i + 1] == '*') {
			for (i += 2; i + 1 < len && !(s[i] == '*' && s[i + 1] == '/'); i++)
				;
			i += 2;
		} else {
			break;
		}
	}
	return i < len ? i : offset;
}

/* "path:line: message" for a failure at offset of a script made of sections. */
static void locate_failure(struct runway_error *err, const struct change *c,
			   const char *action, const struct runway_buf *script,
			   const struct change_section *first, size_t first_len,
			   const struct change_section *second, size_t offset)
{
	if (offset != DRIVER_NO_OFFSET && offset < script->len)
		offset = first_token(script->buf, script->len, offset);
	if (!c) {
		runway_error_prefix(err, "%s of '%s' failed", action, "?");
		return;
	}
	if (offset == DRIVER_NO_OFFSET) {
		runway_error_prefix(err, "%s of '%s' failed (%s)", action, c->id, c->path);
		return;
	}
	if (second && offset >= first_len)
		runway_error_prefix(err, "%s of '%s' failed at %s:%u", action, c->id, c->path,
				    change_line_at(second, offset - first_len));
	else
		runway_error_prefix(err, "%s of '%s' failed at %s:%u", action, c->id, c->path,
				    change_line_at(first, offset));
}

/* The SQL of a change's sections with placeholders expanded. */
struct expanded {
	struct runway_buf deploy, revert, verify;
};

static int expand_change(struct release *r, const struct change *c, struct expanded *x,
			 struct runway_error *err)
{
	runway_buf_init(&x->deploy);
	runway_buf_init(&x->revert);
	runway_buf_init(&x->verify);
	if (change_expand(c, &c->deploy, r->vars, &x->deploy, err) < 0 ||
	    change_expand(c, &c->revert, r->vars, &x->revert, err) < 0 ||
	    change_expand(c, &c->verify, r->vars, &x->verify, err) < 0)
		return -1;
	return 0;
}

static void expanded_release(struct expanded *x)
{
	runway_buf_release(&x->deploy);
	runway_buf_release(&x->revert);
	runway_buf_release(&x->verify);
}

static bool has_sql(const struct runway_buf *b)
{
	const char *s = b->buf;
	/* a section of only blank space and comments runs nothing */
	while (*s) {
		if (isspace((unsigned char)*s))
			s++;
		else if (s[0] == '-' && s[1] == '-')
			s += strcspn(s, "\n");
		else
			return true;
	}
	return false;
}

static bool txn_change(struct release *r, const struct change *c)
{
	return (driver_caps(r->conn) & DRV_TXN_DDL) && !c->no_transaction;
}

/* ---- deploy ------------------------------------------------------------ */

struct deploy_sql {
	char *insert_row;    /* the history row, state from $16 */
	char *insert_event;  /* the deploy event, duration since $1 */
	char *finish_row;    /* started -> applied, with the SQL that ran */
};

static void deploy_sql_init(struct deploy_sql *s, struct runway_conn *c)
{
	char *e11 = driver_elapsed_ms(c, "$11"), *e1 = driver_elapsed_ms(c, "$1");
	char *e2 = driver_elapsed_ms(c, "$2");
	s->insert_row = xasprintf(
		"INSERT INTO runway_history (change_id, position, checksum, deploy_sql, revert_sql, "
		"verify_sql, requires, labels, no_transaction, git_ref, deployed_at, deployed_by, "
		"host, git_commit, state, duration_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, "
		"$10, $11, $12, $13, $14, $15, %s)", e11);
	s->insert_event = xasprintf(
		"INSERT INTO runway_events (at, action, change_id, status, actor, host, git_commit, "
		"duration_ms, error) VALUES ($1, $2, $3, $4, $5, $6, $7, %s, NULL)", e1);
	s->finish_row = xasprintf(
		"UPDATE runway_history SET state = 'applied', duration_ms = %s, checksum = $3, "
		"deploy_sql = $4, revert_sql = $5, verify_sql = $6 WHERE change_id = $1", e2);
	free(e11);
	free(e1);
	free(e2);
}

static void deploy_sql_release(struct deploy_sql *s)
{
	free(s->insert_row);
	free(s->insert_event);
	free(s->finish_row);
}

/*
 * Deploy one change. resume: the row exists as 'started'; only run and
 * finish it.
 */
static int deploy_one(struct release *r, const struct deploy_sql *q, const struct change *c,
		      long position, bool resume, size_t index, size_t total, bool ooo,
		      struct runway_error *err)
{
	struct expanded x;
	struct runway_buf script = RUNWAY_BUF_INIT;
	char now[32], pos[32], *req = NULL, *lab = NULL;
	const char *rowp[15], *evp[7], *finp[6];
	struct runway_stmt after[2];
	struct runway_batch b;
	size_t off = DRIVER_NO_OFFSET, deploy_len;
	bool txn = txn_change(r, c);
	const char *action = resume ? "resume" : "deploy";
	long t0 = now_ms();
	int ret = -1;

	if (expand_change(r, c, &x, err) < 0)
		goto out;
	/* verify runs after deploy inside the same batch, so a failing verify fails the change */
	runway_buf_add(&script, x.deploy.buf, x.deploy.len);
	deploy_len = script.len;
	if (has_sql(&x.verify)) {
		/*
		 * ';' closes the deploy's last statement; the verify section
		 * starts right after it, where both engines' splitters put the
		 * start of the next statement, so offsets >= deploy_len are verify.
		 */
		runway_buf_adds(&script, "\n;");
		deploy_len = script.len;
		runway_buf_add(&script, x.verify.buf, x.verify.len);
	}

	history_now(now);
	snprintf(pos, sizeof(pos), "%ld", position);
	req = strvec_join(&c->requires, " ");
	lab = strvec_join(&c->labels, " ");
	rowp[0] = c->id;
	rowp[1] = pos;
	rowp[2] = c->checksum;
	rowp[3] = x.deploy.buf;
	rowp[4] = c->irreversible ? NULL : x.revert.buf;
	rowp[5] = c->verify.text ? x.verify.buf : NULL;
	rowp[6] = req;
	rowp[7] = lab;
	rowp[8] = c->no_transaction ? "1" : "0";
	rowp[9] = r->audit->git_ref;
	rowp[10] = now;
	rowp[11] = r->audit->actor;
	rowp[12] = r->audit->host;
	rowp[13] = r->audit->git_commit;
	rowp[14] = txn ? "applied" : "started";
	evp[0] = now;
	evp[1] = action;
	evp[2] = c->id;
	evp[3] = "ok";
	evp[4] = r->audit->actor;
	evp[5] = r->audit->host;
	evp[6] = r->audit->git_commit;
	/* a resumed change may have been fixed: record the SQL that runs now */
	finp[0] = c->id;
	finp[1] = now;
	finp[2] = rowp[2];
	finp[3] = rowp[3];
	finp[4] = rowp[4];
	finp[5] = rowp[5];

	if (txn) {
		after[0] = (struct runway_stmt){ q->insert_row, rowp, 15 };
	} else {
		/* commit the 'started' row first: an interruption stays visible */
		if (!resume && driver_query(r->conn, q->insert_row, rowp, 15, NULL, err) < 0) {
			runway_error_prefix(err, "cannot record the start of '%s'", c->id);
			goto out;
		}
		after[0] = (struct runway_stmt){ q->finish_row, finp, 6 };
	}
	after[1] = (struct runway_stmt){ q->insert_event, evp, 7 };
	b.script = script.buf;
	b.script_len = script.len;
	b.after = after;
	b.nafter = 2;
	b.transactional = txn;
	if (driver_run_batch(r->conn, &b, &off, err) < 0) {
		long ms = now_ms() - t0;
		struct change_section verify_sec = c->verify;
		record_failure(r, action, c->id, ms, err->msg);
		/* offsets are in the expanded text; lines match the file unless a value has newlines */
		verify_sec.text = x.verify.buf;
		verify_sec.len = x.verify.len;
		{
			struct change_section dep = c->deploy;
			dep.text = x.deploy.buf;
			dep.len = x.deploy.len;
			locate_failure(err, c, action, &script, &dep, deploy_len,
				       has_sql(&x.verify) ? &verify_sec : NULL, off);
		}
		if (txn && err->hint) {
			/* keep what the driver advised, after what the user most needs to know */
			char *h = err->hint;
			err->hint = NULL;
			runway_error_hint(err, "nothing of '%s' was applied; %s", c->id, h);
			free(h);
		} else if (txn)
			runway_error_hint(err, "nothing of '%s' was applied; changes before it stay deployed",
					  c->id);
		else
			runway_error_hint(err, "'%s' ran without a transaction and may be partly applied: "
					  "fix it, then run 'runway deploy --resume' or 'runway revert --steps 1'",
					  c->id);
		note(r, NOTE_FAIL, action, c, c->id, ms, err->msg, NULL, index, total, ooo);
		goto out;
	}
	note(r, NOTE_DONE, action, c, c->id, now_ms() - t0, NULL, NULL, index, total, ooo);
	ret = 0;
out:
	expanded_release(&x);
	runway_buf_release(&script);
	free(req);
	free(lab);
	return ret;
}

static int check_modified(const struct status *st, bool accept, struct runway_error *err)
{
	size_t i;
	for (i = 0; i < st->n; i++) {
		const struct status_item *it = &st->items[i];
		if (it->state == ST_MODIFIED && !accept) {
			runway_error_set(err, RUNWAY_E_MODIFIED,
					 "change '%s' was modified after it was deployed (%s)", it->id,
					 it->change->path);
			runway_error_hint(err, "restore the file, revert the change first, or pass "
					  "--accept-modified to deploy past it");
			return -1;
		}
	}
	return 0;
}

int release_deploy(struct release *r, const struct deploy_opts *o,
		   struct release_result *res, struct runway_error *err)
{
	struct history h = HISTORY_INIT;
	struct status st = STATUS_INIT;
	struct deploy_sql q = { NULL, NULL, NULL };
	const struct change **todo = NULL;
	bool *ooo = NULL;
	const struct history_row *interrupted = NULL;
	size_t i, ntodo = 0;
	long to_index = -1;
	bool locked = false;
	int ret = -1;

	memset(res, 0, sizeof(*res));
	if (o->to) {
		to_index = plan_index(r->plan, o->to);
		if (to_index < 0) {
			runway_error_set(err, RUNWAY_E_USAGE, "--to '%s': no such change", o->to);
			return -1;
		}
	}
	if (!o->dry_run) {
		if (driver_lock(r->conn, o->lock_timeout_ms, err) < 0)
			return -1;
		locked = true;
		if (history_ensure(r->conn, err) < 0)
			goto out;
	}
	/* after history_ensure the tables are known to exist: skip asking again */
	if (history_load(r->conn, &h, o->dry_run ? 0 : HISTORY_EXISTS, err) < 0)
		goto out;
	status_compute(&st, r->plan, &h, r->labels);
	if (check_modified(&st, o->accept_modified, err) < 0)
		goto out;
	for (i = 0; i < st.n; i++) {
		if (st.items[i].state != ST_INTERRUPTED)
			continue;
		interrupted = st.items[i].row;
		if (!o->resume || !st.items[i].change) {
			runway_error_set(err, RUNWAY_E_MODIFIED,
					 "change '%s' was interrupted: it ran without a transaction and did not finish",
					 interrupted->change_id);
			runway_error_hint(err, "check the database, then run 'runway deploy --resume' "
					  "to run it again, or 'runway revert --steps 1'");
			goto out;
		}
	}

	todo = xcalloc(r->plan->n + 1, sizeof(*todo));
	ooo = xcalloc(r->plan->n + 1, sizeof(*ooo));
	for (i = 0; i < st.n; i++) {
		const struct status_item *it = &st.items[i];
		long idx;
		if (it->state != ST_PENDING)
			continue;
		idx = plan_index(r->plan, it->id);
		if (to_index >= 0 && idx > to_index)
			continue;
		if (it->out_of_order && r->strict_order) {
			runway_error_set(err, RUNWAY_E_MODIFIED,
					 "change '%s' is older than the newest applied change, and the environment sets strict_order",
					 it->id);
			runway_error_hint(err, "rename the change so that it sorts last, or drop strict_order");
			goto out;
		}
		ooo[ntodo] = it->out_of_order;
		todo[ntodo++] = it->change;
	}
	/* every requirement must be applied or come earlier in this run */
	for (i = 0; i < ntodo; i++) {
		size_t j, k;
		for (j = 0; j < todo[i]->requires.n; j++) {
			const char *need = todo[i]->requires.v[j];
			bool ok = history_find(&h, need) != NULL;
			for (k = 0; !ok && k < i; k++)
				ok = !strcmp(todo[k]->id, need);
			if (!ok) {
				runway_error_set(err, RUNWAY_E_CHANGE,
						 "change '%s' requires '%s', which is neither applied nor part of this deploy",
						 todo[i]->id, need);
				runway_error_hint(err, "the label filter or --to leaves '%s' out", need);
				goto out;
			}
		}
	}
	/* expand every placeholder before running anything */
	for (i = 0; i < ntodo; i++) {
		struct expanded x;
		int rc = expand_change(r, todo[i], &x, err);
		if (rc == 0 && o->dry_run) {
			struct runway_buf sql = RUNWAY_BUF_INIT;
			runway_buf_add(&sql, x.deploy.buf, x.deploy.len);
			if (has_sql(&x.verify)) {
				runway_buf_adds(&sql, "\n-- verify\n");
				runway_buf_add(&sql, x.verify.buf, x.verify.len);
			}
			note(r, NOTE_SQL, "deploy", todo[i], todo[i]->id, 0, NULL, sql.buf, i + 1,
			     ntodo, ooo[i]);
			runway_buf_release(&sql);
		}
		expanded_release(&x);
		if (rc < 0)
			goto out;
	}
	if (o->dry_run) {
		res->done = 0;
		ret = 0;
		goto out;
	}

	if (ntodo || interrupted)
		audit_load(r->audit);
	deploy_sql_init(&q, r->conn);
	if (interrupted) {
		const struct change *c = plan_find(r->plan, interrupted->change_id);
		if (deploy_one(r, &q, c, interrupted->position, true, 0, ntodo, false, err) < 0) {
			res->failed++;
			goto out;
		}
		res->done++;
	}
	for (i = 0; i < ntodo; i++) {
		if (deploy_one(r, &q, todo[i], h.max_position + (long)i + 1, false, i + 1, ntodo,
			       ooo[i], err) < 0) {
			res->failed++;
			goto out;
		}
		res->done++;
		if (ooo[i])
			res->out_of_order++;
	}
	ret = 0;
out:
	if (locked)
		unlock_quietly(r);
	deploy_sql_release(&q);
	free(todo);
	free(ooo);
	status_release(&st);
	history_release(&h);
	return ret;
}

/* ---- revert ------------------------------------------------------------ */

static int revert_one(struct release *r, const struct history_row *row, size_t index,
		      size_t total, struct runway_error *err)
{
	const struct change *c = plan_find(r->plan, row->change_id);
	char now[32];
	const char *delp[1] = { row->change_id };
	const char *evp[7];
	struct runway_stmt after[2];
	struct runway_batch b;
	size_t off = DRIVER_NO_OFFSET;
	char *ev = NULL, *e1 = driver_elapsed_ms(r->conn, "$1");
	long t0 = now_ms();
	int ret = -1;

	history_now(now);
	ev = xasprintf("INSERT INTO runway_events (at, action, change_id, status, actor, host, "
		       "git_commit, duration_ms, error) VALUES ($1, $2, $3, $4, $5, $6, $7, %s, NULL)",
		       e1);
	evp[0] = now;
	evp[1] = "revert";
	evp[2] = row->change_id;
	evp[3] = "ok";
	evp[4] = r->audit->actor;
	evp[5] = r->audit->host;
	evp[6] = r->audit->git_commit;
	after[0] = (struct runway_stmt){ "DELETE FROM runway_history WHERE change_id = $1", delp, 1 };
	after[1] = (struct runway_stmt){ ev, evp, 7 };
	b.script = row->revert_sql ? row->revert_sql : "";
	b.script_len = strlen(b.script);
	b.after = after;
	b.nafter = 2;
	b.transactional = (driver_caps(r->conn) & DRV_TXN_DDL) && !row->no_transaction;
	if (driver_run_batch(r->conn, &b, &off, err) < 0) {
		long ms = now_ms() - t0;
		record_failure(r, "revert", row->change_id, ms, err->msg);
		if (off != DRIVER_NO_OFFSET) {
			/*
			 * the stored revert SQL: count lines within it, up to the
			 * failing statement's first token (the offset may point at
			 * the blank space or comments before it)
			 */
			struct change_section s = { (char *)b.script, b.script_len, 1 };
			runway_error_prefix(err, "revert of '%s' failed at line %u of its revert section",
					    row->change_id, change_line_at(&s, off));
		} else {
			runway_error_prefix(err, "revert of '%s' failed", row->change_id);
		}
		if (b.transactional)
			runway_error_hint(err, "the revert was rolled back: '%s' stays deployed",
					  row->change_id);
		note(r, NOTE_FAIL, "revert", c, row->change_id, ms, err->msg, NULL, index, total, false);
		goto out;
	}
	note(r, NOTE_DONE, "revert", c, row->change_id, now_ms() - t0, NULL, NULL, index, total,
	     false);
	ret = 0;
out:
	free(ev);
	free(e1);
	return ret;
}

int release_revert(struct release *r, const struct revert_opts *o,
		   struct release_result *res, struct runway_error *err)
{
	struct history h = HISTORY_INIT;
	size_t first = 0, i, total;
	bool locked = false;
	int ret = -1;

	memset(res, 0, sizeof(*res));
	if (!o->dry_run) {
		if (driver_lock(r->conn, o->lock_timeout_ms, err) < 0)
			return -1;
		locked = true;
	}
	if (history_load(r->conn, &h, HISTORY_WITH_SQL, err) < 0)
		goto out;
	if (o->all) {
		first = 0;
	} else if (o->steps > 0) {
		first = (size_t)o->steps >= h.n ? 0 : h.n - (size_t)o->steps;
	} else if (o->to) {
		const struct history_row *row = history_find(&h, o->to);
		if (!row) {
			runway_error_set(err, RUNWAY_E_USAGE, "--to '%s': the change is not applied", o->to);
			goto out;
		}
		first = (size_t)(row - h.rows) + 1;
	}
	total = h.n - first;
	if (total && !o->dry_run)
		audit_load(r->audit);
	/* refuse before touching anything */
	for (i = first; i < h.n; i++) {
		if (!h.rows[i].has_revert) {
			runway_error_set(err, RUNWAY_E_CHANGE, "change '%s' is irreversible",
					 h.rows[i].change_id);
			runway_error_hint(err, "revert to a point after it, e.g. --to %s",
					  h.rows[i].change_id);
			goto out;
		}
	}
	for (i = h.n; i > first; i--) {
		const struct history_row *row = &h.rows[i - 1];
		size_t index = h.n - i + 1;
		if (o->dry_run) {
			note(r, NOTE_SQL, "revert", plan_find(r->plan, row->change_id), row->change_id,
			     0, NULL, row->revert_sql, index, total, false);
			continue;
		}
		if (revert_one(r, row, index, total, err) < 0) {
			res->failed++;
			goto out;
		}
		res->done++;
	}
	ret = 0;
out:
	if (locked)
		unlock_quietly(r);
	history_release(&h);
	return ret;
}

/* ---- verify ------------------------------------------------------------ */

int release_verify(struct release *r, struct release_result *res, struct runway_error *err)
{
	struct history h = HISTORY_INIT;
	size_t i, total = 0, index = 0;
	int ret = -1;

	memset(res, 0, sizeof(*res));
	if (history_load(r->conn, &h, HISTORY_WITH_SQL, err) < 0)
		goto out;
	total = h.n;
	if (total)
		audit_load(r->audit);
	for (i = 0; i < h.n; i++) {
		const struct history_row *row = &h.rows[i];
		const struct change *c = plan_find(r->plan, row->change_id);
		struct runway_buf sql = RUNWAY_BUF_INIT;
		struct runway_error e = RUNWAY_ERROR_INIT;
		struct runway_error ign = RUNWAY_ERROR_INIT;
		size_t off = DRIVER_NO_OFFSET;
		long t0 = now_ms();
		int rc = 0;

		index++;
		/* the file's verify section when the file is there, else the one deployed */
		if (c && c->verify.text) {
			if (change_expand(c, &c->verify, r->vars, &sql, err) < 0) {
				runway_buf_release(&sql);
				goto out;
			}
		} else if (row->verify_sql) {
			runway_buf_adds(&sql, row->verify_sql);
		}
		if (!has_sql(&sql)) {
			runway_buf_release(&sql);
			continue;
		}
		if (driver_begin(r->conn, &e) < 0 ||
		    driver_exec_script(r->conn, sql.buf, sql.len, &off, &e) < 0)
			rc = -1;
		driver_rollback(r->conn, &ign);
		runway_error_clear(&ign);
		if (rc < 0) {
			if (c && c->verify.text && off != DRIVER_NO_OFFSET)
				runway_error_prefix(&e, "%s:%u", c->path, change_line_at(&c->verify, off));
			history_event(r->conn, r->audit, "verify", row->change_id, "fail",
				      now_ms() - t0, e.msg, &ign);
			note(r, NOTE_FAIL, "verify", c, row->change_id, now_ms() - t0, e.msg, NULL,
			     index, total, false);
			res->failed++;
		} else {
			history_event(r->conn, r->audit, "verify", row->change_id, "ok",
				      now_ms() - t0, NULL, &ign);
			note(r, NOTE_DONE, "verify", c, row->change_id, now_ms() - t0, NULL, NULL,
			     index, total, false);
			res->done++;
		}
		runway_error_clear(&ign);
		runway_error_clear(&e);
		runway_buf_release(&sql);
	}
	if (res->failed) {
		runway_error_set(err, RUNWAY_E_VERIFY, "verify failed for %zu of %zu changes",
				 res->failed, res->failed + res->done);
		goto out;
	}
	ret = 0;
out:
	history_release(&h);
	return ret;
}
