/*
 * mask_apply.c - masking in place (mask.h: mask_apply), behind `runway mask`
 * and the clones whose data arrives unmasked (template, command, SQLite
 * backup).
 *
 * Each table with rules is walked in keyset order of its primary key
 * (SQLite: rowid when it has none), one batch per transaction:
 *
 *   BEGIN
 *   SELECT k1, k2, c1, c2 FROM t WHERE (k1, k2) > ($1, $2) ORDER BY k1, k2 LIMIT n
 *     ... mask_row() in C, then the UPDATE (PostgreSQL: one per 65535 parameters)
 *   PostgreSQL: UPDATE ONLY t AS t SET c1 = v.c0::type, ...
 *               FROM (VALUES ($1, $2, ...), ...) AS v(k0, k1, c0, ...)
 *               WHERE t.k1 = v.k0::type AND t.k2 = v.k1::type
 *               AND (t.k1, t.k2) >= ($n, $n+1) AND (t.k1, t.k2) <= ($n+2, $n+3)
 *   SQLite:     WITH runway_v(k0, c0, ...) AS (SELECT json_extract(value, '$[0]'), ...
 *               FROM json_each($1)) UPDATE t SET c1 = runway_v.c0, ... FROM runway_v
 *               WHERE t.k1 = runway_v.k0
 *   INSERT INTO runway_mask_state ... ON CONFLICT (tbl) DO UPDATE ...
 *   COMMIT
 *
 * Values travel as text bound to parameters (on SQLite, the batch's rows as
 * one JSON array), never pasted into SQL; names are quoted ("x", embedded
 * quotes doubled: both engines' quoting).
 *
 * runway_mask_state, in the target (created when missing; the schema model
 * ignores runway_* tables, so it never shows as drift):
 *   tbl         the table, "customers" (SQLite) or "public.customers"
 *               (PostgreSQL: schema and name, raw, joined by '.')
 *   last_key    the key of the last row masked, a JSON array of its
 *               columns' text values (["42"], ["7","2024-01-01"]); NULL
 *               before the first batch
 *   done        1/true once a batch came back short: the table is finished
 *   rules       the table's rules when it was masked, "email=email,
 *               birth_date=shift_days:90" (column=function[:argument]): a
 *               table masked under other rules is refused rather than
 *               called done (a rule added later would be skipped silently)
 *   updated_at  when the row was written
 * The UPDATE and its state row commit together, so a run stopped anywhere
 * leaves every row masked exactly once or not at all, and the next run
 * goes on after last_key. The key is never written here.
 *
 * Surprises:
 *  - PostgreSQL casts masked values to the column's type without its
 *    modifier: an explicit cast to varchar(20) would cut a long value
 *    silently, while the assignment to the column refuses it;
 *  - a column of the key cannot be masked in place: the walk is by that
 *    key (and a rewritten key could be met again further on);
 *  - a table's inheritance children are tables of their own (ONLY); the
 *    partitions of a partitioned table are masked through it;
 *  - SQLite gets a batch's rows as one JSON parameter (sq_update_sql says
 *    why); PostgreSQL as $N parameters, up to the protocol's 65535.
 */
#include "util/common.h"
#include "mask/mask.h"
#include "driver/driver.h"
#include "schema/schema.h"
#include "util/progress.h"
#include "util/vec.h"

#include <jansson.h>
#ifdef RUNWAY_WITH_POSTGRES
#include "driver/postgres.h"
#endif
#include <signal.h>
#include <unistd.h>

#define DEFAULT_BATCH 10000
#define PG_MAX_PARAMS 65535 /* the protocol's limit (an int16 count) */

#define STATE_DDL_SQLITE \
	"CREATE TABLE IF NOT EXISTS runway_mask_state (\n" \
	"  tbl text PRIMARY KEY,\n" \
	"  last_key text,\n" \
	"  done integer NOT NULL DEFAULT 0,\n" \
	"  rules text,\n" \
	"  updated_at text NOT NULL\n" \
	")"
#define STATE_DDL_PG \
	"CREATE TABLE IF NOT EXISTS runway_mask_state (\n" \
	"  tbl text PRIMARY KEY,\n" \
	"  last_key text,\n" \
	"  done boolean NOT NULL DEFAULT false,\n" \
	"  rules text,\n" \
	"  updated_at timestamptz NOT NULL\n" \
	")"
#define STATE_UPSERT \
	"INSERT INTO runway_mask_state (tbl, last_key, done, rules, updated_at)" \
	" VALUES ($1, $2, $3, $4, CURRENT_TIMESTAMP)" \
	" ON CONFLICT (tbl) DO UPDATE SET last_key = excluded.last_key," \
	" done = excluded.done, rules = excluded.rules, updated_at = excluded.updated_at"

static volatile sig_atomic_t stop_requested;
static struct runway_conn *volatile running;

void mask_apply_interrupt(void)
{
	stop_requested = 1;
	if (running)
		driver_interrupt(running);
}

/* One table to mask. */
struct job {
	const struct schema_table *t;
	char *name;              /* state key and messages: "public.customers" */
	struct strvec keys;      /* key columns, raw names ("rowid" on SQLite without a key) */
	struct strvec key_types; /* PostgreSQL: their types for casts; SQLite: empty */
	struct strvec cols;      /* masked columns */
	struct strvec col_types; /* PostgreSQL: their types without modifier */
	bool rowid;              /* SQLite: walked by rowid */
	struct mask_plan *plan;  /* on keys, then cols: the select list */
	char *select_first;      /* the batch query without and with a last key */
	char *select_next;
	char *update;            /* SQLite: the batch's UPDATE (PostgreSQL: per statement) */
	char *trig_off;          /* run around each batch's UPDATE, in its transaction, so */
	char *trig_on;           /* the table's UPDATE triggers do not see it, or NULL */
	char *rules;             /* for runway_mask_state: "email=email,..." */
	bool done;               /* runway_mask_state says finished */
	char *last_key;          /* runway_mask_state's JSON, or NULL */
};

/* What a run shares. */
struct run {
	struct runway_conn *c;
	bool pg;
	const struct mask_key *k;
	size_t batch;
	unsigned long stop_after; /* test hook, see mask_apply; 0: off */
	unsigned long batches;    /* committed by this run */
	struct progress pr;
	bool progress;
	size_t tables_todo, table_no;
	struct mask_apply_result *res;
};

/* "schema"."name", or "name" on SQLite. */
static void add_table(struct runway_buf *b, const struct schema_table *t)
{
	if (t->obj.schema) {
		sql_quote_ident(b, t->obj.schema);
		runway_buf_addch(b, '.');
	}
	sql_quote_ident(b, t->obj.name);
}

/*
 * A PostgreSQL type for casting a masked value: format_type() text without
 * its modifiers ("character varying(100)" -> "character varying",
 * "timestamp(3) with time zone" -> "timestamp with time zone"), so the
 * value is checked by the assignment, not cut by the cast. "character"
 * alone means character(1), so the blank-padded type is named bpchar, and
 * bit(n) becomes bit varying for the same reason.
 */
static char *cast_type(const char *type)
{
	struct runway_buf b = RUNWAY_BUF_INIT;
	const char *p;
	bool quoted = false;
	int depth = 0;

	for (p = type; *p; p++) {
		if (*p == '"')
			quoted = !quoted;
		if (!quoted && *p == '(') {
			depth++;
			continue;
		}
		if (!quoted && *p == ')' && depth) {
			depth--;
			continue;
		}
		if (!depth)
			runway_buf_addch(&b, *p);
	}
	if (!strncmp(b.buf, "character", 9) && (b.buf[9] == '\0' || b.buf[9] == '[')) {
		char *rest = xstrdup(b.buf + 9);
		runway_buf_reset(&b);
		runway_buf_addf(&b, "bpchar%s", rest);
		free(rest);
	} else if (!strncmp(b.buf, "bit", 3) && (b.buf[3] == '\0' || b.buf[3] == '[')) {
		char *rest = xstrdup(b.buf + 3);
		runway_buf_reset(&b);
		runway_buf_addf(&b, "bit varying%s", rest);
		free(rest);
	}
	return runway_buf_detach(&b);
}


static void job_release(struct job *j)
{
	free(j->name);
	strvec_release(&j->keys);
	strvec_release(&j->key_types);
	strvec_release(&j->cols);
	strvec_release(&j->col_types);
	mask_plan_free(j->plan);
	free(j->select_first);
	free(j->select_next);
	free(j->update);
	free(j->trig_off);
	free(j->trig_on);
	free(j->rules);
	free(j->last_key);
	memset(j, 0, sizeof(*j));
}

static const struct schema_column *find_column(const struct schema_table *t, const char *name)
{
	size_t i;
	for (i = 0; i < t->ncolumns; i++)
		if (!strcmp(t->columns[i].name, name))
			return &t->columns[i];
	return NULL;
}

/* "k1, k2": the key columns, quoted (rowid's names stay bare: quoted, they name no column) */
static void add_keys(struct runway_buf *b, const struct job *j)
{
	size_t i;

	for (i = 0; i < j->keys.n; i++) {
		if (i)
			runway_buf_adds(b, ", ");
		if (j->rowid)
			runway_buf_adds(b, j->keys.v[i]);
		else
			sql_quote_ident(b, j->keys.v[i]);
	}
}

/* The batch query; with_last adds the keyset condition on $1.. */
static char *select_sql(const struct job *j, bool pg, size_t batch, bool with_last)
{
	struct runway_buf b = RUNWAY_BUF_INIT;
	size_t i;

	runway_buf_adds(&b, "SELECT ");
	add_keys(&b, j);
	for (i = 0; i < j->cols.n; i++) {
		runway_buf_adds(&b, ", ");
		sql_quote_ident(&b, j->cols.v[i]);
	}
	/* a partitioned table has no rows of its own: ONLY would see none */
	runway_buf_adds(&b, pg && !j->t->partition_key ? " FROM ONLY " : " FROM ");
	add_table(&b, j->t);
	if (with_last) {
		runway_buf_adds(&b, " WHERE (");
		add_keys(&b, j);
		runway_buf_adds(&b, ") > (");
		for (i = 0; i < j->keys.n; i++) {
			if (i)
				runway_buf_adds(&b, ", ");
			if (pg)
				runway_buf_addf(&b, "$%zu::%s", i + 1, j->key_types.v[i]);
			else if (j->rowid)
				runway_buf_addf(&b, "CAST($%zu AS INTEGER)", i + 1);
			else
				runway_buf_addf(&b, "$%zu", i + 1);
		}
		runway_buf_addch(&b, ')');
	}
	runway_buf_adds(&b, " ORDER BY ");
	add_keys(&b, j);
	runway_buf_addf(&b, " LIMIT %zu", batch);
	return runway_buf_detach(&b);
}

/* "k0, k1, c0, c1": the names of a row's values in the UPDATEs */
static void add_value_names(struct runway_buf *b, const struct job *j)
{
	size_t i;
	for (i = 0; i < j->keys.n; i++)
		runway_buf_addf(b, "%sk%zu", i ? ", " : "", i);
	for (i = 0; i < j->cols.n; i++)
		runway_buf_addf(b, ", c%zu", i);
}

/*
 * PostgreSQL: the UPDATE of n rows whose parameters come row by row (keys,
 * then masked values), then the first and the last row's keys.
 */
static void pg_update_sql(struct runway_buf *b, const struct job *j, size_t n)
{
	size_t w = j->keys.n + j->cols.n, i, r, p = 1;

	runway_buf_reset(b);
	runway_buf_adds(b, j->t->partition_key ? "UPDATE " : "UPDATE ONLY ");
	add_table(b, j->t);
	runway_buf_adds(b, " AS t SET ");
	for (i = 0; i < j->cols.n; i++) {
		runway_buf_adds(b, i ? ", " : "");
		sql_quote_ident(b, j->cols.v[i]);
		runway_buf_addf(b, " = v.c%zu::%s", i, j->col_types.v[i]);
	}
	runway_buf_adds(b, " FROM (VALUES ");
	for (r = 0; r < n; r++) {
		runway_buf_adds(b, r ? ", (" : "(");
		for (i = 0; i < w; i++)
			runway_buf_addf(b, "%s$%zu", i ? ", " : "", p++);
		runway_buf_addch(b, ')');
	}
	runway_buf_adds(b, ") AS v(");
	add_value_names(b, j);
	runway_buf_adds(b, ") WHERE ");
	for (i = 0; i < j->keys.n; i++) {
		runway_buf_adds(b, i ? " AND t." : "t.");
		sql_quote_ident(b, j->keys.v[i]);
		runway_buf_addf(b, " = v.k%zu::%s", i, j->key_types.v[i]);
	}
	/*
	 * The rows of a statement are consecutive in key order: naming their
	 * range lets the planner read them by the key's index instead of
	 * hashing the VALUES against the whole table (a scan per batch).
	 */
	for (r = 0; r < 2; r++) {
		runway_buf_adds(b, " AND (");
		for (i = 0; i < j->keys.n; i++) {
			runway_buf_adds(b, i ? ", t." : "t.");
			sql_quote_ident(b, j->keys.v[i]);
		}
		runway_buf_adds(b, r ? ") <= (" : ") >= (");
		for (i = 0; i < j->keys.n; i++)
			runway_buf_addf(b, "%s$%zu::%s", i ? ", " : "", p++, j->key_types.v[i]);
		runway_buf_addch(b, ')');
	}
}

/*
 * SQLite: the UPDATE of a whole batch, its rows in one parameter, a JSON
 * array of arrays of strings (or null): keys, then masked values. SQLite
 * finds "$N" parameters by name, a linear search for each, so a statement
 * of thousands of parameters spends its time there; one parameter does not.
 * The values leave json_extract as text, as bound text would.
 */
static char *sq_update_sql(const struct job *j)
{
	struct runway_buf b = RUNWAY_BUF_INIT;
	size_t i, w = j->keys.n + j->cols.n;

	runway_buf_adds(&b, "WITH runway_v(");
	add_value_names(&b, j);
	runway_buf_adds(&b, ") AS (SELECT ");
	for (i = 0; i < w; i++)
		runway_buf_addf(&b, "%sjson_extract(value, '$[%zu]')", i ? ", " : "", i);
	runway_buf_adds(&b, " FROM json_each($1)) UPDATE ");
	add_table(&b, j->t);
	runway_buf_adds(&b, " SET ");
	for (i = 0; i < j->cols.n; i++) {
		runway_buf_adds(&b, i ? ", " : "");
		sql_quote_ident(&b, j->cols.v[i]);
		runway_buf_addf(&b, " = runway_v.c%zu", i);
	}
	runway_buf_adds(&b, " FROM runway_v WHERE ");
	for (i = 0; i < j->keys.n; i++) {
		runway_buf_adds(&b, i ? " AND " : "");
		add_table(&b, j->t);
		runway_buf_addch(&b, '.');
		if (j->rowid) {
			runway_buf_adds(&b, j->keys.v[i]);
			runway_buf_addf(&b, " = CAST(runway_v.k%zu AS INTEGER)", i);
		} else {
			sql_quote_ident(&b, j->keys.v[i]);
			runway_buf_addf(&b, " = runway_v.k%zu", i);
		}
	}
	return runway_buf_detach(&b);
}

/* s as a JSON string, or null */
static void add_json_string(struct runway_buf *b, const char *s)
{
	size_t n;

	if (!s) {
		runway_buf_adds(b, "null");
		return;
	}
	runway_buf_addch(b, '"');
	while (*s) {
		/* runs of characters that need no escape go in at once */
		for (n = 0; s[n] && s[n] != '"' && s[n] != '\\' && (unsigned char)s[n] >= 0x20; n++)
			;
		runway_buf_add(b, s, n);
		s += n;
		if (!*s)
			break;
		if (*s == '"' || *s == '\\')
			runway_buf_addf(b, "\\%c", *s);
		else
			runway_buf_addf(b, "\\u%04x", (unsigned char)*s);
		s++;
	}
	runway_buf_addch(b, '"');
}

/* ",col=fn[:arg]" of one rule to b (the first without the comma). */
static void add_rule(struct runway_buf *b, const char *col, const struct mask_rule *r)
{
	runway_buf_addf(b, "%s%s=%s", b->len ? "," : "", col, mask_fn_name(r->fn));
	switch (r->fn) {
	case MASK_REDACT:
	case MASK_SHIFT_DAYS:
	case MASK_NOISE:
		runway_buf_addf(b, ":%ld", r->n);
		break;
	case MASK_SET:
		runway_buf_addf(b, ":%s", r->value ? r->value : "");
		break;
	default:
		break;
	}
}

/*
 * The user's triggers that an UPDATE of t would fire must not see the
 * masking: an audit trigger would copy every original value into its log.
 * Each batch switches them off and on again inside its own transaction
 * (PostgreSQL: DISABLE/ENABLE TRIGGER, restoring ALWAYS; SQLite, which
 * cannot disable one: DROP TRIGGER, then its CREATE statement as stored),
 * so an interrupted run leaves them as they were.
 */
static void job_triggers(struct job *j, const struct schema *s, bool pg)
{
	struct runway_buf off = RUNWAY_BUF_INIT, on = RUNWAY_BUF_INIT;
	size_t i;

	for (i = 0; i < s->ntriggers; i++) {
		const struct schema_trigger *tr = &s->triggers[i];
		const char *d = tr->definition ? tr->definition : "";
		bool fires = false;
		const char *p;

		if (strcmp(tr->table, j->t->obj.name) ||
		    (pg && (!tr->obj.schema || !j->t->obj.schema ||
			    strcmp(tr->obj.schema, j->t->obj.schema))))
			continue;
		if (tr->enabled && (!strcmp(tr->enabled, "disabled") || !strcmp(tr->enabled, "replica")))
			continue;
		/* "BEFORE UPDATE OF x ON t", "AFTER INSERT OR UPDATE ON t" */
		for (p = d; (p = strcasestr(p, "update")) != NULL; p += 6)
			if (p > d && isspace((unsigned char)p[-1]) &&
			    (isspace((unsigned char)p[6]) || !p[6]))
				fires = true;
		if (!fires)
			continue;
		if (pg) {
			runway_buf_adds(&off, "ALTER TABLE ");
			add_table(&off, j->t);
			runway_buf_adds(&off, " DISABLE TRIGGER ");
			sql_quote_ident(&off, tr->obj.name);
			runway_buf_adds(&off, ";\n");
			runway_buf_adds(&on, "ALTER TABLE ");
			add_table(&on, j->t);
			runway_buf_adds(&on, tr->enabled && !strcmp(tr->enabled, "always")
						     ? " ENABLE ALWAYS TRIGGER " : " ENABLE TRIGGER ");
			sql_quote_ident(&on, tr->obj.name);
			runway_buf_adds(&on, ";\n");
		} else {
			runway_buf_adds(&off, "DROP TRIGGER ");
			sql_quote_ident(&off, tr->obj.name);
			runway_buf_adds(&off, ";\n");
			runway_buf_adds(&on, d);
			runway_buf_adds(&on, ";\n");
		}
	}
	if (off.len) {
		j->trig_off = runway_buf_detach(&off);
		j->trig_on = runway_buf_detach(&on);
	}
	runway_buf_release(&off);
	runway_buf_release(&on);
}

/*
 * Set up the job of table t: which columns the rules mask, the key to walk
 * by, the queries. Leaves j->plan NULL when t has no rules.
 */
static int job_init(struct job *j, const struct schema *s, const struct schema_table *t,
		    const struct mask_rules *r, bool pg, size_t batch, struct runway_error *err)
{
	struct mask_plan *all = NULL;
	struct runway_buf rules = RUNWAY_BUF_INIT;
	const char **names = NULL, **sel = NULL;
	const struct schema_constraint *pk = NULL;
	size_t i, n;
	int ret = -1;

	memset(j, 0, sizeof(*j));
	j->t = t;
	names = xcalloc(t->ncolumns + 1, sizeof(*names));
	for (i = 0; i < t->ncolumns; i++)
		names[i] = t->columns[i].name;
	mask_plan_new(&all, r, t->obj.schema, t->obj.name, names, t->ncolumns);
	if (!mask_plan_any(all)) {
		ret = 0;
		goto out;
	}
	j->name = t->obj.schema ? xasprintf("%s.%s", t->obj.schema, t->obj.name)
				: xstrdup(t->obj.name);
	for (i = 0; i < t->nconstraints; i++)
		if (t->constraints[i].type == SCHEMA_PRIMARY_KEY)
			pk = &t->constraints[i];
	/*
	 * SQLite walks every rowid table by rowid: keys are bound as text, and
	 * a key column without a declared type (no affinity) would never equal
	 * its text, so no row would be updated.
	 */
	if (pk && pk->columns.n && (pg || strvec_has(&t->options, "without rowid"))) {
		for (i = 0; i < pk->columns.n; i++) {
			const struct schema_column *col = find_column(t, pk->columns.v[i]);
			if (!col) {
				runway_error_set(err, RUNWAY_E_INTERNAL,
						 "mask: key column '%s' of '%s' is not in the schema model",
						 pk->columns.v[i], j->name);
				goto out;
			}
			strvec_push(&j->keys, col->name);
			if (pg)
				strvec_push(&j->key_types, col->type);
		}
	} else if (pg) {
		runway_error_set(err, RUNWAY_E_CONFIG, "mask: table '%s' has no primary key", j->name);
		runway_error_hint(err, "masking in place walks a table by its primary key: add one, "
				       "or make a masked copy with 'runway clone --mask'");
		goto out;
	} else {
		/* the rowid's names, unless a column took them */
		static const char *const alias[] = { "rowid", "_rowid_", "oid" };
		for (i = 0; i < ARRAY_SIZE(alias) && find_column(t, alias[i]); i++)
			;
		if (i == ARRAY_SIZE(alias)) {
			runway_error_set(err, RUNWAY_E_CONFIG,
					 "mask: table '%s' has no primary key and its columns hide the rowid",
					 j->name);
			goto out;
		}
		strvec_push(&j->keys, alias[i]);
		j->rowid = true;
	}
	for (i = 0; i < t->ncolumns; i++) {
		if (!mask_plan_rule(all, i))
			continue;
		if (strvec_has(&j->keys, t->columns[i].name) ||
		    (pk && strvec_has(&pk->columns, t->columns[i].name))) {
			runway_error_set(err, RUNWAY_E_CONFIG,
					 "mask: cannot mask '%s.%s' in place: it is part of the primary key",
					 j->name, t->columns[i].name);
			runway_error_hint(err, "masking in place walks a table by its primary key; "
					       "'runway clone --mask' can mask key columns");
			goto out;
		}
		strvec_push(&j->cols, t->columns[i].name);
		add_rule(&rules, t->columns[i].name, mask_plan_rule(all, i));
		if (pg) {
			char *ct = cast_type(t->columns[i].type);
			strvec_push(&j->col_types, ct);
			free(ct);
		}
	}
	n = j->keys.n + j->cols.n;
	sel = xcalloc(n + 1, sizeof(*sel));
	for (i = 0; i < j->keys.n; i++)
		sel[i] = j->keys.v[i];
	for (i = 0; i < j->cols.n; i++)
		sel[j->keys.n + i] = j->cols.v[i];
	mask_plan_new(&j->plan, r, t->obj.schema, t->obj.name, sel, n);
	j->rules = runway_buf_detach(&rules);
	j->select_first = select_sql(j, pg, batch, false);
	j->select_next = select_sql(j, pg, batch, true);
	if (!pg)
		j->update = sq_update_sql(j);
	job_triggers(j, s, pg);
	ret = 0;
out:
	mask_plan_free(all);
	runway_buf_release(&rules);
	free(names);
	free(sel);
	return ret;
}

/*
 * Create runway_mask_state when missing; clear it on restart; read each
 * job's row. A table begun or masked under other rules is an error.
 */
static int state_load(struct run *rn, struct job *jobs, size_t njobs, bool restart,
		      struct runway_error *err)
{
	struct runway_rows rows = RUNWAY_ROWS_INIT;
	size_t i, k;
	int ret = -1;

	if (driver_exec(rn->c, rn->pg ? STATE_DDL_PG : STATE_DDL_SQLITE, err) < 0 ||
	    (restart && driver_exec(rn->c, "DELETE FROM runway_mask_state", err) < 0) ||
	    driver_query(rn->c, "SELECT tbl, last_key, done, rules FROM runway_mask_state", NULL, 0,
			 &rows, err) < 0) {
		runway_error_prefix(err, "mask: runway_mask_state");
		goto out;
	}
	for (i = 0; i < rows.nrows; i++) {
		const char *tbl = rows_get(&rows, i, 0), *done = rows_get(&rows, i, 2);
		const char *rules = rows_get(&rows, i, 3);
		for (k = 0; tbl && k < njobs; k++) {
			if (strcmp(jobs[k].name, tbl))
				continue;
			if (!rules || strcmp(rules, jobs[k].rules)) {
				runway_error_set(err, RUNWAY_E_CONFIG,
						 "mask: '%s' was masked under other rules (%s), not under "
						 "runway.yml's (%s)", tbl, rules ? rules : "unknown",
						 jobs[k].rules);
				runway_error_hint(err, "'runway mask --restart' masks every table again with "
						       "the rules of runway.yml (masked values are masked again)");
				goto out;
			}
			jobs[k].done = done && (*done == 't' || *done == '1');
			jobs[k].last_key = rows_take(&rows, i, 1);
			break;
		}
	}
	ret = 0;
out:
	rows_release(&rows);
	return ret;
}

/* last (nkeys strings, NULL for SQL NULL) from the state's JSON array. */
static int parse_last_key(char **last, const struct job *j, struct runway_error *err)
{
	json_t *a = json_loads(j->last_key, 0, NULL);
	size_t i;
	int ret = -1;

	if (!a || !json_is_array(a) || json_array_size(a) != j->keys.n)
		goto out;
	for (i = 0; i < j->keys.n; i++) {
		json_t *v = json_array_get(a, i);
		if (json_is_null(v))
			continue;
		if (!json_is_string(v))
			goto out;
		last[i] = xstrdup(json_string_value(v));
	}
	ret = 0;
out:
	if (ret < 0) {
		runway_error_set(err, RUNWAY_E_CONFIG,
				 "mask: runway_mask_state holds a bad last key for '%s'", j->name);
		runway_error_hint(err, "delete that table's row of runway_mask_state to mask it from "
				       "the start (rows masked before are then masked again)");
	}
	json_decref(a);
	return ret;
}

/* The JSON array of row r's key values. */
static char *key_json(const struct runway_rows *rows, size_t r, size_t nkeys)
{
	json_t *a = json_array();
	char *s;
	size_t i;

	for (i = 0; i < nkeys; i++) {
		const char *v = rows_get(rows, r, i);
		json_array_append_new(a, v ? json_string(v) : json_null());
	}
	s = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	if (!s)
		s = xstrdup("[]");
	return s;
}

static bool should_stop(struct run *rn, struct runway_error *err)
{
	if (stop_requested || (rn->stop_after && rn->batches >= rn->stop_after)) {
		runway_error_set(err, RUNWAY_E_INTERRUPTED, "mask: interrupted");
		return true;
	}
	return false;
}

static void draw(struct run *rn, const struct job *j, uint64_t done, uint64_t total, bool force)
{
	char a[32], b[32], c[32];
	double t = progress_elapsed(&rn->pr);

	if (!rn->progress)
		return;
	progress_thousands(a, sizeof(a), done);
	progress_thousands(b, sizeof(b), total);
	progress_thousands(c, sizeof(c), t > 0 ? (uint64_t)((double)rn->res->rows / t) : 0);
	progress_draw(&rn->pr, force, "mask: %s %s/%s rows, %zu/%zu tables, %s rows/s", j->name, a,
		      b, rn->table_no, rn->tables_todo, c);
}

/* Rows of the table (for the progress line only). */
static uint64_t count_rows(struct run *rn, const struct job *j)
{
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct runway_rows rows = RUNWAY_ROWS_INIT;
	struct runway_buf b = RUNWAY_BUF_INIT;
	uint64_t n = 0;

	runway_buf_adds(&b, rn->pg && !j->t->partition_key ? "SELECT count(*) FROM ONLY "
							    : "SELECT count(*) FROM ");
	add_table(&b, j->t);
	if (driver_query(rn->c, b.buf, NULL, 0, &rows, &err) == 0 && rows_get(&rows, 0, 0))
		n = strtoull(rows_get(&rows, 0, 0), NULL, 10);
	runway_error_clear(&err);
	rows_release(&rows);
	runway_buf_release(&b);
	return n;
}

/*
 * One batch in its own transaction: read up to rn->batch rows after last,
 * mask them, write them back with the state row. Sets *n to the rows read,
 * and last to the batch's last key.
 */
static int run_batch(struct run *rn, struct job *j, char **last, bool have_last, size_t *n,
		     struct runway_error *err)
{
	struct runway_rows rows = RUNWAY_ROWS_INIT, changed = RUNWAY_ROWS_INIT;
	struct mask_out mo = MASK_OUT_INIT;
	struct runway_buf vals = RUNWAY_BUF_INIT, sql = RUNWAY_BUF_INIT;
	const char **in = NULL, **params = NULL, **chunk = NULL;
	size_t *inlen = NULL, *off = NULL;
	size_t nk = j->keys.n, nc = j->cols.n, w = nk + nc, ncols, r, i, per, at;
	char *lastkey = NULL;
	const char *state[4];
	bool in_txn = false, from_db = true; /* the error is the database's: name the table */
	int ret = -1;

	*n = 0;
	if (driver_begin(rn->c, err) < 0)
		goto out;
	in_txn = true;
	if (driver_query(rn->c, have_last ? j->select_next : j->select_first,
			 (const char *const *)last, have_last ? nk : 0, &rows, err) < 0)
		goto out;
	ncols = rows.ncols;
	if (ncols != w) {
		runway_error_set(err, RUNWAY_E_INTERNAL, "mask: '%s': %zu columns read, %zu asked for",
				 j->name, ncols, w);
		from_db = false;
		goto out;
	}
	in = xcalloc(w, sizeof(*in));
	inlen = xcalloc(w, sizeof(*inlen));
	off = xcalloc(rows.nrows * nc + 1, sizeof(*off));
	for (r = 0; r < rows.nrows; r++) {
		for (i = 0; i < w; i++) {
			in[i] = rows_get(&rows, r, i);
			inlen[i] = in[i] ? strlen(in[i]) : 0;
		}
		if (mask_row(rn->k, j->plan, in, inlen, &mo, err) < 0) {
			from_db = false;
			goto out;
		}
		for (i = 0; i < nc; i++) {
			const char *v = mo.val[nk + i];
			if (!v) {
				off[r * nc + i] = SIZE_MAX;
				continue;
			}
			off[r * nc + i] = vals.len;
			runway_buf_add(&vals, v, mo.len[nk + i]);
			runway_buf_addch(&vals, '\0');
		}
	}
	/* vals no longer moves: point the parameters into it */
	params = xcalloc(rows.nrows * w + 1, sizeof(*params));
	for (r = 0; r < rows.nrows; r++) {
		for (i = 0; i < nk; i++)
			params[r * w + i] = rows_get(&rows, r, i);
		for (i = 0; i < nc; i++)
			params[r * w + nk + i] =
				off[r * nc + i] == SIZE_MAX ? NULL : vals.buf + off[r * nc + i];
	}
	if (j->trig_off && rows.nrows && driver_exec(rn->c, j->trig_off, err) < 0)
		goto out;
	if (rn->pg) {
		/* as many rows a statement as the protocol's parameter count allows */
		per = (PG_MAX_PARAMS - 2 * nk) / w;
		chunk = xcalloc((per < rows.nrows ? per : rows.nrows) * w + 2 * nk + 1, sizeof(*chunk));
		for (at = 0; at < rows.nrows; at += per) {
			size_t cnt = rows.nrows - at < per ? rows.nrows - at : per, np = cnt * w;
			memcpy(chunk, params + at * w, np * sizeof(*chunk));
			for (i = 0; i < nk; i++) {
				chunk[np + i] = params[at * w + i];
				chunk[np + nk + i] = params[(at + cnt - 1) * w + i];
			}
			pg_update_sql(&sql, j, cnt);
			if (driver_query(rn->c, sql.buf, chunk, np + 2 * nk, NULL, err) < 0)
				goto out;
		}
	} else if (rows.nrows) {
		const char *json;
		runway_buf_addch(&sql, '[');
		for (r = 0; r < rows.nrows; r++) {
			runway_buf_adds(&sql, r ? ",[" : "[");
			for (i = 0; i < w; i++) {
				if (i)
					runway_buf_addch(&sql, ',');
				add_json_string(&sql, params[r * w + i]);
			}
			runway_buf_addch(&sql, ']');
		}
		runway_buf_addch(&sql, ']');
		json = sql.buf;
		if (driver_query(rn->c, j->update, &json, 1, NULL, err) < 0)
			goto out;
		/* every row read must have been written: a key that matched nothing is a bug */
		if (driver_query(rn->c, "SELECT changes()", NULL, 0, &changed, err) < 0)
			goto out;
		if (!rows_get(&changed, 0, 0) ||
		    strtoull(rows_get(&changed, 0, 0), NULL, 10) != rows.nrows) {
			runway_error_set(err, RUNWAY_E_INTERNAL,
					 "mask: '%s': %s of %zu rows were updated", j->name,
					 rows_get(&changed, 0, 0) ? rows_get(&changed, 0, 0) : "?",
					 rows.nrows);
			from_db = false;
			goto out;
		}
	}
	if (j->trig_on && rows.nrows && driver_exec(rn->c, j->trig_on, err) < 0)
		goto out;
	if (rows.nrows)
		lastkey = key_json(&rows, rows.nrows - 1, nk);
	state[0] = j->name;
	state[1] = lastkey ? lastkey : j->last_key;
	state[2] = rows.nrows < rn->batch ? "1" : "0";
	state[3] = j->rules;
	if (driver_query(rn->c, STATE_UPSERT, state, 4, NULL, err) < 0)
		goto out;
	if (driver_commit(rn->c, err) < 0) {
		in_txn = false;
		goto out;
	}
	in_txn = false;
	rn->batches++;
	/* the new last key */
	if (rows.nrows) {
		for (i = 0; i < nk; i++) {
			free(last[i]);
			last[i] = rows_take(&rows, rows.nrows - 1, i);
		}
		free(j->last_key);
		j->last_key = lastkey;
		lastkey = NULL;
	}
	j->done = rows.nrows < rn->batch;
	*n = rows.nrows;
	ret = 0;
out:
	if (ret < 0 && from_db)
		runway_error_prefix(err, "mask: '%s'", j->name);
	if (in_txn) {
		struct runway_error ignored = RUNWAY_ERROR_INIT;
		driver_rollback(rn->c, &ignored);
		runway_error_clear(&ignored);
	}
	free(lastkey);
	free(in);
	free(inlen);
	free(off);
	free(params);
	free(chunk);
	mask_out_release(&mo);
	runway_buf_release(&vals);
	runway_buf_release(&sql);
	rows_release(&rows);
	rows_release(&changed);
	return ret;
}

/*
 * After masking, the original values still sit in the files: PostgreSQL
 * keeps the old row versions (and their index entries and TOAST) until
 * vacuumed, SQLite's journal or WAL may hold old pages. VACUUM FULL
 * rewrites each masked table and its indexes; on SQLite secure_delete
 * (set before masking) zeroes freed space and a checkpoint empties the WAL.
 */
/*
 * VACUUM FULL, then ANALYZE, of table (SQL text, quoted). VACUUM FULL
 * copies the row versions some snapshot might still see ("recently
 * dead"): a session taking a snapshot while the last batch committed is
 * enough, even a connection to another database while it starts up. Its
 * VERBOSE report counts them (read through pg_notice_hook; where that is
 * not possible, reltuples, which counts them too, is compared with the
 * live rows), and while there are any the rewrite is repeated (a few
 * times, a second apart). ANALYZE replaces the
 * statistics, which hold sampled original values.
 */
#ifdef RUNWAY_WITH_POSTGRES
/* VACUUM VERBOSE's DETAIL: "%.0f dead row versions cannot be removed yet." */
static void count_kept(void *arg, const PGresult *res)
{
	double *kept = arg;
	const char *d = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);

	if (d && strstr(d, "dead row versions cannot be removed yet"))
		*kept += strtod(d, NULL);
}
#endif

static int vacuum_clean(struct run *rn, const char *table, struct runway_error *err)
{
	struct runway_buf sql = RUNWAY_BUF_INIT, check = RUNWAY_BUF_INIT;
	const char *param[1] = { table };
	int attempt, ret = -1;

	runway_buf_addf(&sql, "VACUUM (FULL, VERBOSE) %s", table);
	runway_buf_addf(&check, "SELECT (SELECT coalesce(sum(c.reltuples), 0)::bigint FROM "
			"pg_catalog.pg_class c JOIN pg_catalog.pg_partition_tree($1::regclass) p "
			"ON p.relid = c.oid WHERE p.isleaf) - (SELECT count(*) FROM %s)", table);
	for (attempt = 0;; attempt++) {
		struct runway_rows r = RUNWAY_ROWS_INIT;
		const char *v;
		double dead = 0;
		bool kept, hooked = false;
		int rc;

#ifdef RUNWAY_WITH_POSTGRES
		/* the server says how many versions it kept: exact, unlike reltuples */
		hooked = pg_notice_hook(rn->c, count_kept, &dead) == 0;
#endif
		rc = driver_exec(rn->c, sql.buf, err);
#ifdef RUNWAY_WITH_POSTGRES
		if (hooked)
			pg_notice_hook(rn->c, NULL, NULL);
#endif
		if (rc < 0)
			goto out;
		if (hooked) {
			kept = dead > 0;
		} else {
			/* no report to read (a traced connection): count the table once more */
			if (driver_query(rn->c, check.buf, param, 1, &r, err) < 0) {
				rows_release(&r);
				goto out;
			}
			v = rows_get(&r, 0, 0);
			kept = v && strtoll(v, NULL, 10) > 0;
			rows_release(&r);
		}
		if (!kept)
			break;
		if (attempt == 10) {
			fprintf(stderr, "runway: warning: %s: other sessions still see old row versions "
				"with original values; run VACUUM FULL on it once they end\n", table);
			break;
		}
		if (stop_requested) {
			runway_error_set(err, RUNWAY_E_INTERRUPTED, "mask: interrupted");
			goto out;
		}
		usleep(1000 * 1000);
	}
	runway_buf_reset(&sql);
	runway_buf_addf(&sql, "ANALYZE %s", table);
	if (strncmp(table, "pg_catalog.", 11) && driver_exec(rn->c, sql.buf, err) < 0)
		goto out;
	ret = 0;
out:
	runway_buf_release(&sql);
	runway_buf_release(&check);
	return ret;
}

static int scrub(struct run *rn, const struct job *jobs, size_t n, struct runway_error *err)
{
	struct runway_buf sql = RUNWAY_BUF_INIT;
	size_t i;
	int ret = 0;

	if (!rn->pg) {
		/*
		 * secure_delete zeroes what is deleted, but not the slack a page
		 * split leaves in index pages; only VACUUM rebuilds those, and it
		 * may renumber the rowids of tables without an INTEGER PRIMARY
		 * KEY, so it is left to the clone's own copy (clone.c) and to
		 * the user (docs/commands/mask.md)
		 */
		return driver_exec(rn->c, "PRAGMA wal_checkpoint(TRUNCATE)", err);
	}
	/*
	 * VACUUM FULL keeps row versions that a snapshot of another session
	 * may still see (an autovacuum ANALYZE, a report): wait until no
	 * other session of this database holds one
	 */
	for (i = 0; i < 300; i++) {
		struct runway_rows r = RUNWAY_ROWS_INIT;
		const char *v;
		bool others;
		if (driver_query(rn->c, "SELECT count(*) FROM pg_stat_activity WHERE datname = "
				 "current_database() AND pid <> pg_backend_pid() AND backend_xmin IS NOT NULL",
				 NULL, 0, &r, err) < 0)
			return -1;
		v = rows_get(&r, 0, 0);
		others = v && strcmp(v, "0");
		rows_release(&r);
		if (!others)
			break;
		if (stop_requested)
			return runway_error_set(err, RUNWAY_E_INTERRUPTED, "mask: interrupted");
		usleep(100 * 1000);
	}
	if (i == 300)
		fprintf(stderr, "runway: warning: other sessions hold snapshots of the database: old "
			"row versions with original values may survive VACUUM FULL; run it again "
			"once they end\n");
	for (i = 0; i < n && ret == 0; i++) {
		runway_buf_reset(&sql);
		add_table(&sql, jobs[i].t);
		ret = vacuum_clean(rn, sql.buf, err);
		if (ret < 0)
			runway_error_prefix(err, "mask: cannot rewrite '%s' without its original values",
					    jobs[i].name);
	}
	/*
	 * the statistics replaced by ANALYZE are dead rows of pg_statistic
	 * (and its TOAST table): only its owner, a superuser, may rewrite it
	 */
	if (ret == 0) {
		struct runway_rows r = RUNWAY_ROWS_INIT;
		const char *su;
		if (driver_query(rn->c, "SELECT rolsuper FROM pg_roles WHERE rolname = current_user",
				 NULL, 0, &r, err) < 0)
			ret = -1;
		else if ((su = rows_get(&r, 0, 0)) && !strcmp(su, "t"))
			ret = vacuum_clean(rn, "pg_catalog.pg_statistic", err);
		else
			fprintf(stderr, "runway: warning: old statistics of the masked tables stay in "
				"pg_statistic's free space until a superuser runs "
				"VACUUM FULL pg_catalog.pg_statistic\n");
		rows_release(&r);
	}
	runway_buf_release(&sql);
	return ret;
}

/* Mask one table from its last key to the end. */
static int run_job(struct run *rn, struct job *j, struct runway_error *err)
{
	char **last = xcalloc(j->keys.n + 1, sizeof(*last));
	bool have_last = false;
	uint64_t done = 0, total = 0;
	size_t n, i;
	int ret = -1;

	if (j->last_key) {
		if (parse_last_key(last, j, err) < 0)
			goto out;
		have_last = true;
	}
	if (rn->progress)
		total = count_rows(rn, j);
	draw(rn, j, done, total, true);
	while (!j->done) {
		if (should_stop(rn, err))
			goto out;
		if (run_batch(rn, j, last, have_last, &n, err) < 0)
			goto out;
		have_last = have_last || n > 0;
		done += n;
		rn->res->rows += n;
		draw(rn, j, done, total < done ? done : total, false);
	}
	ret = 0;
out:
	for (i = 0; i < j->keys.n; i++)
		free(last[i]);
	free(last);
	return ret;
}

int mask_apply(struct runway_conn *c, const struct mask_rules *r, const struct mask_key *k,
	       const struct mask_apply_opts *o, struct mask_apply_result *res,
	       struct runway_error *err)
{
	struct schema s = SCHEMA_INIT;
	struct job *jobs = NULL;
	struct run rn;
	const char *hook = getenv("RUNWAY_TEST_MASK_STOP_AFTER");
	size_t njobs = 0, i;
	int ret = -1;

	memset(res, 0, sizeof(*res));
	memset(&rn, 0, sizeof(rn));
	rn.c = c;
	rn.k = k;
	rn.res = res;
	rn.batch = o->batch ? o->batch : DEFAULT_BATCH;
	rn.progress = o->progress;
	/*
	 * Test hook: RUNWAY_TEST_MASK_STOP_AFTER=N stops the run after N
	 * committed batches as if interrupted (tests/cli/t4101-mask.sh checks
	 * that the next run resumes and masks each row exactly once).
	 */
	if (hook && *hook)
		rn.stop_after = strtoul(hook, NULL, 10);
	if (!strcmp(driver_name(c), "postgres"))
		rn.pg = true;
	else if (strcmp(driver_name(c), "sqlite"))
		return runway_error_set(err, RUNWAY_E_IO, "mask: masking in place is not supported on %s",
					driver_name(c));
	running = c;

	if (schema_read(&s, c, err) < 0 || mask_rules_check(r, &s, err) < 0)
		goto out;
	/* an UPDATE must not leave the original bytes in freed space of the file */
	if (!rn.pg && driver_exec(c, "PRAGMA secure_delete = ON", err) < 0)
		goto out;
	jobs = xcalloc(s.ntables + 1, sizeof(*jobs));
	for (i = 0; i < s.ntables; i++) {
		if (job_init(&jobs[njobs], &s, &s.tables[i], r, rn.pg, rn.batch, err) < 0) {
			job_release(&jobs[njobs]);
			goto out;
		}
		if (jobs[njobs].plan)
			njobs++;
		else
			job_release(&jobs[njobs]);
	}
	if (state_load(&rn, jobs, njobs, o->restart, err) < 0)
		goto out;
	for (i = 0; i < njobs; i++)
		rn.tables_todo += !jobs[i].done;
	if (njobs && !rn.tables_todo) {
		res->already_done = true;
		ret = 0;
		goto out;
	}
	progress_init(&rn.pr, rn.progress);
	for (i = 0; i < njobs; i++) {
		if (jobs[i].done)
			continue;
		rn.table_no++;
		if (run_job(&rn, &jobs[i], err) < 0)
			goto out;
		res->tables++;
	}
	if (res->tables && scrub(&rn, jobs, njobs, err) < 0)
		goto out;
	ret = 0;
out:
	progress_clear(&rn.pr);
	if (ret < 0 && stop_requested && err->klass != RUNWAY_E_INTERRUPTED) {
		/* the statement the signal cancelled failed: that is the interruption */
		runway_error_clear(err);
		runway_error_set(err, RUNWAY_E_INTERRUPTED, "mask: interrupted");
	}
	running = NULL;
	stop_requested = 0;
	for (i = 0; i < njobs; i++)
		job_release(&jobs[i]);
	free(jobs);
	schema_release(&s);
	return ret;
}
