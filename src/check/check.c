/*
 * check.c - the engine-neutral part of the pre-checks (see check.h):
 * loading files leniently, the file-level rules (parse errors of the change
 * file, missing-revert, modified-change, duplicate-id, unknown-requirement,
 * requires-cycle), statement-level "-- runway:allow", and reporting.
 */
#include "util/common.h"
#include "check/check_impl.h"
#include "core/vars.h"
#include "util/fs.h"

/* ---- loading ----------------------------------------------------------- */

/* Does text hold any "-- runway:" directive line? */
static bool has_directive(const char *text, size_t len)
{
	const char *p = text, *end = text + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *q = p, *le = nl ? nl : end;
		while (q < le && (*q == ' ' || *q == '\t'))
			q++;
		if (le - q >= 2 && q[0] == '-' && q[1] == '-') {
			q += 2;
			while (q < le && (*q == ' ' || *q == '\t'))
				q++;
			if (le - q >= 7 && !strncmp(q, "runway:", 7))
				return true;
		}
		p = nl ? nl + 1 : end;
	}
	return false;
}

static char *id_of(const char *path)
{
	const char *base = strrchr(path, '/');
	size_t n;
	base = base ? base + 1 : path;
	n = strlen(base);
	if (n > 4 && !strcmp(base + n - 4, ".sql"))
		n -= 4;
	return xstrndup(base, n);
}

int check_file_load(struct check_file *f, const char *path, const char *shown,
		    struct runway_error *err)
{
	struct runway_buf text = RUNWAY_BUF_INIT;
	struct runway_error perr = RUNWAY_ERROR_INIT;
	char *id = NULL;
	int ret = -1;

	memset(f, 0, sizeof(*f));
	if (fs_read_file(&text, path, CHANGE_MAX_FILE, err) < 0) {
		err->klass = RUNWAY_E_CHANGE; /* unreadable input is a bad request: exit 2 */
		goto out;
	}
	id = id_of(shown);
	if (!has_directive(text.buf, text.len)) {
		/* plain SQL: the whole file is what deploys */
		static const char marker[] = "-- runway:deploy\n";
		struct runway_buf wrapped = RUNWAY_BUF_INIT;
		runway_buf_adds(&wrapped, marker);
		runway_buf_add(&wrapped, text.buf, text.len);
		ret = change_parse_flags(&f->change, id, shown, wrapped.buf, wrapped.len,
					 CHANGE_NO_REVERT_OK, &perr);
		runway_buf_release(&wrapped);
		f->plain = true;
		f->change.irreversible = true;
		f->change.deploy.line = 1;
	} else {
		ret = change_parse_flags(&f->change, id, shown, text.buf, text.len,
					 CHANGE_NO_REVERT_OK, &perr);
	}
	if (ret < 0) {
		const char *m = perr.msg ? perr.msg : "does not parse";
		size_t sl = strlen(shown);
		/* "path:LINE: what" -> line and what */
		f->broken = true;
		if (!strncmp(m, shown, sl) && m[sl] == ':') {
			m += sl + 1;
			if (isdigit((unsigned char)*m)) {
				f->broken_line = (unsigned)strtoul(m, (char **)&m, 10);
				if (*m == ':')
					m++;
			}
			while (*m == ' ')
				m++;
		}
		f->broken_msg = xstrdup(m);
		if (!f->change.id)
			f->change.id = xstrdup(id);
		if (!f->change.path)
			f->change.path = xstrdup(shown);
	}
	ret = 0;
out:
	free(id);
	runway_error_clear(&perr);
	runway_buf_release(&text);
	return ret;
}

void check_file_release(struct check_file *f)
{
	change_release(&f->change);
	free(f->broken_msg);
	memset(f, 0, sizeof(*f));
}

/* ---- positions and reporting ------------------------------------------- */

void check_pos(const struct check_cx *cx, size_t offset, unsigned *line, unsigned *col)
{
	size_t lo = 0, hi = cx->nlines;
	/* the last line start <= offset */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (cx->line_start[mid] <= offset)
			lo = mid;
		else
			hi = mid;
	}
	*line = cx->first_line + (unsigned)lo;
	*col = (unsigned)(offset - cx->line_start[lo]) + 1;
}

char *check_excerpt(const struct check_cx *cx, size_t offset)
{
	unsigned line, col;
	size_t start, end;
	check_pos(cx, offset, &line, &col);
	start = cx->line_start[line - cx->first_line];
	end = start;
	while (end < cx->len && cx->text[end] != '\n')
		end++;
	if (end - start > 200)
		end = start + 200;
	return xstrndup(cx->text + start, end - start);
}

bool check_on(const struct check_cx *cx, enum check_rule_id id)
{
	const char *name = check_rules[id].r.name;
	if (!cx->o->settings->enabled[id])
		return false;
	if (cx->file && strvec_has(&cx->file->change.allow, name))
		return false;
	return !strvec_has(&cx->stmt_allow, name);
}

static void add_finding(struct check_cx *cx, enum check_rule_id id, unsigned line,
			unsigned col, const char *msg, char *excerpt)
{
	struct report_finding *f;
	f = report_add(cx->r, cx->rc, &check_rules[id].r, cx->o->settings->severity[id], line,
		       col, msg, check_rules[id].fix, NULL);
	f->excerpt = excerpt ? report_utf8(excerpt) : NULL;
	free(excerpt);
}

void check_emit(struct check_cx *cx, enum check_rule_id id, size_t offset, const char *fmt, ...)
{
	va_list ap;
	char *msg;
	unsigned line, col;

	if (!check_on(cx, id))
		return;
	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	check_pos(cx, offset, &line, &col);
	add_finding(cx, id, line, col, msg, check_excerpt(cx, offset));
	free(msg);
}

/* A finding of the file itself (no section walked). */
static void emit_file(struct check_cx *cx, enum check_rule_id id, unsigned line,
		      const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void emit_file(struct check_cx *cx, enum check_rule_id id, unsigned line,
		      const char *fmt, ...)
{
	va_list ap;
	char *msg;
	if (!check_on(cx, id))
		return;
	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	add_finding(cx, id, line, line ? 1 : 0, msg, NULL);
	free(msg);
}

/* ---- statements -------------------------------------------------------- */

/* "-- runway:allow a b" at p (a line start, after blanks)? Push the words. */
static void read_allow(struct strvec *out, const char *p, const char *end)
{
	const char *q = p;
	if (end - q < 2 || q[0] != '-' || q[1] != '-')
		return;
	q += 2;
	while (q < end && (*q == ' ' || *q == '\t'))
		q++;
	if (end - q < 12 || strncmp(q, "runway:allow", 12) ||
	    (end - q > 12 && q[12] != ' ' && q[12] != '\t'))
		return;
	{
		char *words = xstrndup(q + 12, (size_t)(end - q - 12));
		strvec_split_words(out, words);
		free(words);
	}
}

size_t check_stmt_begin(struct check_cx *cx, size_t gap_start)
{
	const char *t = cx->text;
	size_t i = gap_start, n = cx->len;

	strvec_release(&cx->stmt_allow);
	while (i < n) {
		if (isspace((unsigned char)t[i])) {
			i++;
		} else if (t[i] == '-' && i + 1 < n && t[i + 1] == '-') {
			size_t e = i;
			while (e < n && t[e] != '\n')
				e++;
			read_allow(&cx->stmt_allow, t + i, t + e);
			i = e;
		} else if (t[i] == '/' && i + 1 < n && t[i + 1] == '*') {
			const char *close = strstr(t + i + 2, "*/");
			i = close ? (size_t)(close - t) + 2 : n;
		} else {
			break;
		}
	}
	return i < n ? i : (gap_start < n ? gap_start : n ? n - 1 : 0);
}

/* ---- what the run knows ------------------------------------------------ */

char *check_table_key(const char *schema, const char *name)
{
	if (!schema || !*schema || !strcmp(schema, "public") || !strcmp(schema, "main"))
		return xstrdup(name);
	return xasprintf("%s.%s", schema, name);
}

bool check_is_new_table(const struct check_cx *cx, const char *key)
{
	return strset_has(&cx->new_tables, key);
}

void check_record_fk(struct check_cx *cx, const char *table, const char *cols,
		     const char *shown, size_t offset)
{
	struct check_fk *fk;
	cx->fks = xgrow(cx->fks, sizeof(*cx->fks), cx->nfks + 1, &cx->afks);
	fk = &cx->fks[cx->nfks++];
	fk->table = xstrdup(table);
	fk->cols = xstrdup(cols);
	fk->shown = xstrdup(shown);
	fk->case_idx = cx->rc_idx;
	check_pos(cx, offset, &fk->line, &fk->col);
	fk->allowed = !check_on(cx, R_FOREIGN_KEY_WITHOUT_INDEX);
	fk->excerpt = check_excerpt(cx, offset);
}

void check_record_index(struct check_cx *cx, const char *table, const char *cols)
{
	struct check_index *ix;
	cx->indexes = xgrow(cx->indexes, sizeof(*cx->indexes), cx->nindexes + 1, &cx->aindexes);
	ix = &cx->indexes[cx->nindexes++];
	ix->table = xstrdup(table);
	ix->cols = xstrdup(cols);
}

static int cmp_index(const void *a, const void *b)
{
	return strcmp(((const struct check_index *)a)->table, ((const struct check_index *)b)->table);
}

/*
 * Does an index of table lead with exactly the columns of fk (any order)?
 * cx->indexes is sorted by table (judge_fks): a big file has thousands of
 * both, so each lookup starts at its table's first index.
 */
static bool fk_covered(const struct check_cx *cx, const struct check_fk *fk)
{
	struct strvec want = STRVEC_INIT, have = STRVEC_INIT;
	size_t i, k, lo = 0, hi = cx->nindexes;
	bool ok = false;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(cx->indexes[mid].table, fk->table) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}

	strvec_split_words(&want, fk->cols); /* "a,b" */
	for (i = lo; i < cx->nindexes && !ok && !strcmp(cx->indexes[i].table, fk->table); i++) {
		strvec_split_words(&have, cx->indexes[i].cols);
		if (have.n >= want.n) {
			ok = true;
			for (k = 0; k < want.n && ok; k++) {
				size_t j;
				bool found = false;
				for (j = 0; j < want.n; j++)
					found |= !strcmp(have.v[k], want.v[j]);
				ok = found;
			}
		}
		strvec_release(&have);
	}
	strvec_release(&want);
	return ok;
}

static void judge_fks(struct check_cx *cx)
{
	size_t i;
	if (cx->nindexes > 1)
		qsort(cx->indexes, cx->nindexes, sizeof(*cx->indexes), cmp_index);
	for (i = 0; i < cx->nfks; i++) {
		struct check_fk *fk = &cx->fks[i];
		if (!fk->allowed && !fk_covered(cx, fk)) {
			char *msg = xasprintf("foreign key on %s has no index: deleting or updating a "
					      "referenced row scans the whole table, and joins on it "
					      "cannot use an index", fk->shown);
			struct report_case *saved = cx->rc;
			cx->rc = &cx->r->cases[fk->case_idx];
			add_finding(cx, R_FOREIGN_KEY_WITHOUT_INDEX, fk->line, fk->col, msg, fk->excerpt);
			fk->excerpt = NULL;
			cx->rc = saved;
			free(msg);
		}
	}
}

/* ---- file-level rules -------------------------------------------------- */

static int cmp_case_insensitive(const void *a, const void *b)
{
	const struct check_file *x = *(const struct check_file *const *)a;
	const struct check_file *y = *(const struct check_file *const *)b;
	return strcasecmp(x->change.id, y->change.id);
}

static const struct check_file *find_file(struct check_file *files, size_t n, const char *id)
{
	size_t i;
	for (i = 0; i < n; i++)
		if (!files[i].broken && !strcmp(files[i].change.id, id))
			return &files[i];
	return NULL;
}

/* Which files take part in a requires cycle (DFS colours). */
static bool on_cycle(struct check_file *files, size_t n, size_t at, unsigned char *colour)
{
	size_t k;
	const struct change *c = &files[at].change;
	if (colour[at] == 1)
		return true;
	if (colour[at] == 2)
		return false;
	colour[at] = 1;
	for (k = 0; k < c->requires.n; k++) {
		const struct check_file *d = find_file(files, n, c->requires.v[k]);
		if (d && on_cycle(files, n, (size_t)(d - files), colour))
			return true;
	}
	colour[at] = 2;
	return false;
}

/* Does text hold nothing but blanks and comments? */
static bool no_statement(const char *t)
{
	while (*t) {
		if (isspace((unsigned char)*t)) {
			t++;
		} else if (t[0] == '-' && t[1] == '-') {
			t += strcspn(t, "\n");
		} else if (t[0] == '/' && t[1] == '*') {
			const char *e = strstr(t + 2, "*/");
			if (!e)
				return true;
			t = e + 2;
		} else {
			return false;
		}
	}
	return true;
}

static void file_rules(struct check_cx *cx, struct check_file *files, size_t n,
		       struct check_file **sorted, size_t i)
{
	struct check_file *f = &files[i];
	const struct change *c = &f->change;
	size_t k;

	if (f->broken) {
		emit_file(cx, R_PARSE_ERROR, f->broken_line, "%s", f->broken_msg);
		return;
	}
	/* duplicate-id: report on each later file of an equal (case-folded) run */
	for (k = 0; k < n; k++) {
		if (sorted[k] != f)
			continue;
		if (k > 0 && !strcasecmp(sorted[k - 1]->change.id, c->id))
			emit_file(cx, R_DUPLICATE_ID, 0, "change id '%s' is also the id of %s%s", c->id,
				  sorted[k - 1]->change.path,
				  strcmp(sorted[k - 1]->change.id, c->id)
					  ? " (they differ only in case, so they collide on macOS and Windows)"
					  : "");
		break;
	}
	if (!c->irreversible && (!c->revert.text || no_statement(c->revert.text)))
		emit_file(cx, R_MISSING_REVERT, 0,
			  "%s: it cannot be reverted, so a failed release cannot be rolled back",
			  c->revert.text ? "the revert section is empty" : "no '-- runway:revert' section");
	for (k = 0; k < c->requires.n; k++) {
		const char *id = c->requires.v[k];
		if (!find_file(files, n, id) && !(cx->o->known_ids && strvec_has(cx->o->known_ids, id)))
			emit_file(cx, R_UNKNOWN_REQUIREMENT, 0, "requires '%s', which is no change", id);
	}
	if (c->requires.n) {
		unsigned char *colour = xcalloc(n + 1, 1);
		if (on_cycle(files, n, i, colour))
			emit_file(cx, R_REQUIRES_CYCLE, 0,
				  "'-- runway:requires' makes a cycle through this change: no order can deploy it");
		free(colour);
	}
	if (f->applied)
		emit_file(cx, R_MODIFIED_CHANGE, 0,
			  "the deploy section changed since it was deployed: environments that have it "
			  "run different SQL than new ones will");
}

#ifndef RUNWAY_WITH_POSTGRES
int pg_check_section(struct check_cx *cx, struct runway_error *err)
{
	return runway_error_set(err, RUNWAY_E_IO,
				"runway was built without PostgreSQL support (libpg_query)");
}

void pg_check_end(struct check_cx *cx)
{
}
#endif

/* ---- sections ---------------------------------------------------------- */

struct placeholder_data {
	const struct vars *vars;
	char fill[256];
};

/* Unknown placeholders become underscores of the same length, so every
 * column after them stays where the user sees it. */
static const char *lookup_or_fill(const char *name, void *data)
{
	struct placeholder_data *d = data;
	const char *v = d->vars ? vars_get(d->vars, name) : NULL;
	size_t n = strlen(name) + 3;
	if (v)
		return v;
	if (n >= sizeof(d->fill))
		n = sizeof(d->fill) - 1;
	memset(d->fill, '_', n);
	d->fill[n] = '\0';
	return d->fill;
}

static int walk_section(struct check_cx *cx, const struct change_section *s, bool lint,
			struct runway_error *err)
{
	struct runway_buf b = RUNWAY_BUF_INIT;
	struct placeholder_data pd;
	size_t i, alloc = 0;
	int ret;

	if (!s->text)
		return 0;
	pd.vars = cx->o->vars;
	if (memchr(s->text, '$', s->len) && strstr(s->text, "${")) {
		if (vars_expand(&b, s->text, s->len, lookup_or_fill, &pd, NULL, err) < 0)
			return -1;
	} else {
		runway_buf_add(&b, s->text, s->len);
	}
	cx->text = b.buf;
	cx->len = b.len;
	cx->first_line = s->line;
	cx->lint = lint;
	cx->nlines = 0;
	cx->line_start = xgrow(NULL, sizeof(size_t), 1, &alloc);
	cx->line_start[cx->nlines++] = 0;
	for (i = 0; i < b.len; i++)
		if (b.buf[i] == '\n') {
			cx->line_start = xgrow(cx->line_start, sizeof(size_t), cx->nlines + 1, &alloc);
			cx->line_start[cx->nlines++] = i + 1;
		}
	if (cx->o->engine == CHECK_POSTGRES)
		ret = pg_check_section(cx, err);
	else
		ret = sqlite_check_section(cx, err);
	strvec_release(&cx->stmt_allow);
	free(cx->line_start);
	cx->line_start = NULL;
	cx->text = NULL;
	runway_buf_release(&b);
	return ret;
}

static int cmp_finding(const void *a, const void *b)
{
	const struct report_finding *x = a, *y = b;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	if (x->col != y->col)
		return x->col < y->col ? -1 : 1;
	return strcmp(x->rule->name, y->rule->name);
}

static void cx_release(struct check_cx *cx)
{
	size_t i;
	strset_release(&cx->new_tables);
	strset_release(&cx->new_indexes);
	for (i = 0; i < cx->nfks; i++) {
		free(cx->fks[i].table);
		free(cx->fks[i].cols);
		free(cx->fks[i].shown);
		free(cx->fks[i].excerpt);
	}
	free(cx->fks);
	for (i = 0; i < cx->nindexes; i++) {
		free(cx->indexes[i].table);
		free(cx->indexes[i].cols);
	}
	free(cx->indexes);
	for (i = 0; i < cx->nnotnull; i++) {
		free(cx->notnull[i].table);
		free(cx->notnull[i].name);
		free(cx->notnull[i].col);
	}
	free(cx->notnull);
	strvec_release(&cx->stmt_allow);
}

int check_run(struct report *r, struct check_file *files, size_t n,
	      const struct check_opts *o, struct runway_error *err)
{
	struct check_cx cx;
	struct check_file **sorted = xcalloc(n + 1, sizeof(*sorted));
	size_t i;
	int ret = -1;

	memset(&cx, 0, sizeof(cx));
	cx.r = r;
	cx.o = o;
	for (i = 0; i < n; i++)
		sorted[i] = &files[i];
	qsort(sorted, n, sizeof(*sorted), cmp_case_insensitive);
	if (o->engine == CHECK_SQLITE && sqlite_check_begin(&cx, err) < 0)
		goto out;

	for (i = 0; i < n; i++) {
		struct check_file *f = &files[i];
		cx.file = f;
		cx.rc = report_case_add(r, f->change.id, f->change.path);
		cx.rc_idx = r->ncases - 1;
		cx.lock_timeout = cx.lock_reported = false;
		file_rules(&cx, files, n, sorted, i);
		if (f->broken || f->applied) /* applied: its SQL ran already */
			continue;
		if (walk_section(&cx, &f->change.deploy, true, err) < 0 ||
		    walk_section(&cx, &f->change.revert, false, err) < 0 ||
		    walk_section(&cx, &f->change.verify, false, err) < 0)
			goto out;
	}
	cx.file = NULL;
	strvec_release(&cx.stmt_allow);
	judge_fks(&cx);
	for (i = 0; i < r->ncases; i++)
		if (r->cases[i].n > 1)
			qsort(r->cases[i].findings, r->cases[i].n, sizeof(struct report_finding),
			      cmp_finding);
	ret = 0;
out:
	if (o->engine == CHECK_SQLITE)
		sqlite_check_end(&cx);
	else
		pg_check_end(&cx);
	cx_release(&cx);
	free(sorted);
	return ret;
}
