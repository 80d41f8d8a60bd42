/*
 * schema_diff.c - what differs between two schema models (schema.h
 * schema_diff), one line per difference.
 *
 * Both models are in canonical order, so each kind is a merge of two
 * sorted arrays: an object only in `before` is "-", only in `after` "+",
 * in both compared field by field, "~" per field that differs. Inside a
 * table, columns are matched by name and constraints by name (by their
 * definition when SQLite has no name for them). Multi-line text (view,
 * function and trigger definitions, function bodies) is reported at its
 * first differing line, so the line stays short and still says what
 * changed.
 */
#include "util/common.h"
#include "schema/schema_impl.h"

struct dctx {
	struct runway_buf *out; /* or NULL: count only */
	size_t n;
};

static void line(struct dctx *d, const char *fmt, ...) RUNWAY_PRINTF(2, 3);
static void line(struct dctx *d, const char *fmt, ...)
{
	va_list ap;
	d->n++;
	if (!d->out)
		return;
	va_start(ap, fmt);
	runway_buf_vaddf(d->out, fmt, ap);
	va_end(ap);
	runway_buf_addch(d->out, '\n');
}

static const char *or_none(const char *s)
{
	return s ? s : "none";
}

/* Line n (from 1) of s, as a new string, or NULL past the end. */
static char *nth_line(const char *s, size_t n)
{
	while (--n) {
		s = strchr(s, '\n');
		if (!s)
			return NULL;
		s++;
	}
	return xstrndup(s, strcspn(s, "\n"));
}

/* "~ what: label a -> b" when the texts differ; multi-line texts at their first differing line. */
static void diff_text(struct dctx *d, const char *what, const char *label, const char *a,
		      const char *b)
{
	size_t n;

	if (!schema_strcmp(a, b))
		return;
	if (!a || !b || (!strchr(a, '\n') && !strchr(b, '\n'))) {
		line(d, "~ %s: %s %s -> %s", what, label, or_none(a), or_none(b));
		return;
	}
	for (n = 1;; n++) {
		char *x = nth_line(a, n), *y = nth_line(b, n);
		bool same = !schema_strcmp(x, y);
		if (!same)
			line(d, "~ %s: %s line %zu: %s%s%s -> %s%s%s", what, label, n,
			     x ? "\"" : "", x ? x : "(none)", x ? "\"" : "",
			     y ? "\"" : "", y ? y : "(none)", y ? "\"" : "");
		free(x);
		free(y);
		if (!same)
			return;
	}
}

static void diff_bool(struct dctx *d, const char *what, bool a, bool b, const char *yes,
		      const char *no)
{
	if (a != b)
		line(d, "~ %s: %s -> %s", what, a ? yes : no, b ? yes : no);
}

static void diff_list(struct dctx *d, const char *what, const char *label,
		      const struct strvec *a, const struct strvec *b, const char *quote)
{
	struct runway_buf x = RUNWAY_BUF_INIT, y = RUNWAY_BUF_INIT;
	size_t i;
	bool same = a->n == b->n;

	for (i = 0; same && i < a->n; i++)
		same = !strcmp(a->v[i], b->v[i]);
	if (same)
		return;
	for (i = 0; i < a->n; i++)
		runway_buf_addf(&x, "%s%s%s%s", i ? ", " : "", quote, a->v[i], quote);
	for (i = 0; i < b->n; i++)
		runway_buf_addf(&y, "%s%s%s%s", i ? ", " : "", quote, b->v[i], quote);
	line(d, "~ %s: %s (%s) -> (%s)", what, label, x.buf, y.buf);
	runway_buf_release(&x);
	runway_buf_release(&y);
}

/*
 * Walk two arrays sorted by cmp; fn(d, a, b) with b NULL for an object only
 * in the first, a NULL for one only in the second.
 */
static void merge(struct dctx *d, const void *a, size_t na, const void *b, size_t nb,
		  size_t size, int (*cmp)(const void *, const void *),
		  void (*fn)(struct dctx *, const void *, const void *))
{
	size_t i = 0, j = 0;

	while (i < na || j < nb) {
		const void *x = i < na ? (const char *)a + i * size : NULL;
		const void *y = j < nb ? (const char *)b + j * size : NULL;
		int c = !x ? 1 : !y ? -1 : cmp(x, y);
		if (c < 0) {
			fn(d, x, NULL);
			i++;
		} else if (c > 0) {
			fn(d, NULL, y);
			j++;
		} else {
			fn(d, x, y);
			i++;
			j++;
		}
	}
}

/* Prefix "- " / "+ " for an object present on one side only. */
static char sign(const void *a)
{
	return a ? '-' : '+';
}

static void d_namespace(struct dctx *d, const void *pa, const void *pb)
{
	const struct schema_namespace *a = pa, *b = pb;
	if (!a || !b)
		line(d, "%c schema %s", sign(a), (a ? a : b)->obj.name);
}

static void d_extension(struct dctx *d, const void *pa, const void *pb)
{
	const struct schema_extension *a = pa, *b = pb, *o = a ? a : b;
	if (!a || !b)
		line(d, "%c extension %s (schema %s)", sign(a), o->obj.name, or_none(o->obj.schema));
}

static void d_enum(struct dctx *d, const void *pa, const void *pb)
{
	const struct schema_enum *a = pa, *b = pb, *o = a ? a : b;
	char *q = schema_qualify(o->obj.schema, o->obj.name);

	if (!a || !b) {
		struct runway_buf l = RUNWAY_BUF_INIT;
		size_t i;
		for (i = 0; i < o->labels.n; i++)
			runway_buf_addf(&l, "%s'%s'", i ? ", " : "", o->labels.v[i]);
		line(d, "%c enum %s (%s)", sign(a), q, l.buf);
		runway_buf_release(&l);
	} else {
		char *what = xasprintf("enum %s", q);
		diff_list(d, what, "labels", &a->labels, &b->labels, "'");
		free(what);
	}
	free(q);
}

static void d_sequence(struct dctx *d, const void *pa, const void *pb)
{
	const struct schema_sequence *a = pa, *b = pb, *o = a ? a : b;
	char *q = schema_qualify(o->obj.schema, o->obj.name), *what;

	if (!a || !b) {
		line(d, "%c sequence %s", sign(a), q);
		free(q);
		return;
	}
	what = xasprintf("sequence %s", q);
	diff_text(d, what, "type", a->type, b->type);
	diff_text(d, what, "start", a->start, b->start);
	diff_text(d, what, "increment", a->increment, b->increment);
	diff_text(d, what, "min", a->min, b->min);
	diff_text(d, what, "max", a->max, b->max);
	diff_text(d, what, "cache", a->cache, b->cache);
	diff_bool(d, what, a->cycle, b->cycle, "cycle", "no cycle");
	diff_text(d, what, "owned by", a->owned_by, b->owned_by);
	free(what);
	free(q);
}

static const struct schema_column *find_column(const struct schema_table *t, const char *name)
{
	size_t i;
	for (i = 0; i < t->ncolumns; i++)
		if (!strcmp(t->columns[i].name, name))
			return &t->columns[i];
	return NULL;
}

/* A constraint's identity inside its table: its name, or its definition when unnamed. */
static bool same_constraint(const struct schema_constraint *a, const struct schema_constraint *b)
{
	if (a->name || b->name)
		return !schema_strcmp(a->name, b->name);
	return a->type == b->type && !strcmp(a->definition, b->definition);
}

static const struct schema_constraint *find_constraint(const struct schema_table *t,
						       const struct schema_constraint *c)
{
	size_t i;
	for (i = 0; i < t->nconstraints; i++)
		if (same_constraint(&t->constraints[i], c))
			return &t->constraints[i];
	return NULL;
}

static void column_line(struct dctx *d, char sgn, const char *table,
			const struct schema_column *c)
{
	struct runway_buf b = RUNWAY_BUF_INIT;
	schema_column_sql(&b, c);
	line(d, "%c column %s.%s%s%s", sgn, table, c->name, b.len ? " " : "", b.buf);
	runway_buf_release(&b);
}

static void diff_column(struct dctx *d, const char *table, const struct schema_column *a,
			const struct schema_column *b)
{
	char *what = xasprintf("column %s.%s", table, a->name);
	char *ga = a->generated ? xasprintf("(%s) %s", a->generated,
					    a->generated_stored ? "stored" : "virtual") : NULL;
	char *gb = b->generated ? xasprintf("(%s) %s", b->generated,
					    b->generated_stored ? "stored" : "virtual") : NULL;

	diff_text(d, what, "type", a->type, b->type);
	diff_text(d, what, "collation", a->collation, b->collation);
	diff_bool(d, what, a->not_null, b->not_null, "not null", "nullable");
	diff_text(d, what, "default", a->default_expr, b->default_expr);
	diff_text(d, what, "identity", a->identity, b->identity);
	diff_text(d, what, "generated", ga, gb);
	free(ga);
	free(gb);
	free(what);
}

static void constraint_line(struct dctx *d, char sgn, const char *table,
			    const struct schema_constraint *c)
{
	if (c->name)
		line(d, "%c constraint %s on %s: %s%s", sgn, c->name, table, c->definition,
		     c->not_valid ? " NOT VALID" : "");
	else
		line(d, "%c constraint on %s: %s%s", sgn, table, c->definition,
		     c->not_valid ? " NOT VALID" : "");
}

static void diff_columns(struct dctx *d, const char *q, const struct schema_table *a,
			 const struct schema_table *b)
{
	struct strvec oa = STRVEC_INIT, ob = STRVEC_INIT;
	size_t i;

	for (i = 0; i < a->ncolumns; i++) {
		const struct schema_column *c = find_column(b, a->columns[i].name);
		if (!c) {
			column_line(d, '-', q, &a->columns[i]);
			continue;
		}
		diff_column(d, q, &a->columns[i], c);
		strvec_push(&oa, c->name);
	}
	for (i = 0; i < b->ncolumns; i++) {
		if (!find_column(a, b->columns[i].name))
			column_line(d, '+', q, &b->columns[i]);
		else
			strvec_push(&ob, b->columns[i].name);
	}
	/* the columns both have, in each table's order */
	{
		char *what = xasprintf("table %s", q);
		diff_list(d, what, "column order", &oa, &ob, "");
		free(what);
	}
	strvec_release(&oa);
	strvec_release(&ob);
}

static void diff_constraints(struct dctx *d, const char *q, const struct schema_table *a,
			     const struct schema_table *b)
{
	size_t i;

	for (i = 0; i < a->nconstraints; i++) {
		const struct schema_constraint *x = &a->constraints[i];
		const struct schema_constraint *y = find_constraint(b, x);
		char *what;
		if (!y) {
			constraint_line(d, '-', q, x);
			continue;
		}
		what = x->name ? xasprintf("constraint %s on %s", x->name, q)
			       : xasprintf("constraint on %s", q);
		diff_text(d, what, "definition", x->definition, y->definition);
		diff_bool(d, what, x->not_valid, y->not_valid, "not valid", "valid");
		free(what);
	}
	for (i = 0; i < b->nconstraints; i++)
		if (!find_constraint(a, &b->constraints[i]))
			constraint_line(d, '+', q, &b->constraints[i]);
}

static void d_table(struct dctx *d, const void *pa, const void *pb)
{
	const struct schema_table *a = pa, *b = pb, *o = a ? a : b;
	char *q = schema_qualify(o->obj.schema, o->obj.name), *what;

	if (!a || !b) {
		line(d, "%c table %s", sign(a), q);
		free(q);
		return;
	}
	what = xasprintf("table %s", q);
	diff_bool(d, what, a->unlogged, b->unlogged, "unlogged", "logged");
	diff_text(d, what, "partition key", a->partition_key, b->partition_key);
	diff_text(d, what, "partition of", a->partition_of, b->partition_of);
	diff_text(d, what, "partition bound", a->partition_bound, b->partition_bound);
	diff_list(d, what, "inherits", &a->inherits, &b->inherits, "");
	diff_list(d, what, "options", &a->options, &b->options, "");
	diff_text(d, what, "using", a->virtual_using, b->virtual_using);
	diff_columns(d, q, a, b);
	diff_constraints(d, q, a, b);
	free(what);
	free(q);
}

static void d_view(struct dctx *d, const void *pa, const void *pb)
{
	const struct schema_view *a = pa, *b = pb, *o = a ? a : b;
	char *q = schema_qualify(o->obj.schema, o->obj.name), *what;
	const char *kind = o->materialized ? "materialized view" : "view";
	size_t before = d->n;

	if (!a || !b) {
		line(d, "%c %s %s", sign(a), kind, q);
		free(q);
		return;
	}
	what = xasprintf("%s %s", kind, q);
	diff_bool(d, what, a->materialized, b->materialized, "materialized", "not materialized");
	diff_list(d, what, "options", &a->options, &b->options, "");
	/* the statement repeats both: report it only when they agree */
	if (d->n == before)
		diff_text(d, what, "definition", a->definition, b->definition);
	free(what);
	free(q);
}

static void d_function(struct dctx *d, const void *pa, const void *pb)
{
	const struct schema_function *a = pa, *b = pb, *o = a ? a : b;
	char *q = schema_qualify(o->obj.schema, o->obj.name);
	char *what = xasprintf("%s %s(%s)", o->kind && !strcmp(o->kind, "procedure") ?
			       "procedure" : "function", q, o->args ? o->args : "");
	size_t before = d->n;

	if (!a || !b) {
		line(d, "%c %s", sign(a), what);
	} else {
		diff_text(d, what, "kind", a->kind, b->kind);
		diff_text(d, what, "result", a->result, b->result);
		diff_text(d, what, "language", a->language, b->language);
		diff_text(d, what, "volatility", a->volatility, b->volatility);
		diff_bool(d, what, a->strict, b->strict, "strict", "not strict");
		diff_bool(d, what, a->security_definer, b->security_definer, "security definer",
			  "security invoker");
		diff_list(d, what, "config", &a->config, &b->config, "");
		diff_text(d, what, "body", a->body, b->body);
		/* anything else (cost, parallel safety, a BEGIN ATOMIC body...) */
		if (d->n == before)
			diff_text(d, what, "definition", a->definition, b->definition);
	}
	free(what);
	free(q);
}

static void index_line(struct dctx *d, char sgn, const struct schema_index *x)
{
	struct runway_buf b = RUNWAY_BUF_INIT;
	char *q = schema_qualify(x->obj.schema, x->obj.name);
	char *t = schema_qualify(x->obj.schema, x->table);
	size_t i;

	runway_buf_addf(&b, "%c index %s on %s", sgn, q, t);
	if (x->method && strcmp(x->method, "btree"))
		runway_buf_addf(&b, " using %s", x->method);
	runway_buf_adds(&b, " (");
	for (i = 0; i < x->keys.n; i++)
		runway_buf_addf(&b, "%s%s", i ? ", " : "", x->keys.v[i]);
	runway_buf_addch(&b, ')');
	if (x->include.n) {
		char *s = strvec_join(&x->include, ", ");
		runway_buf_addf(&b, " include (%s)", s);
		free(s);
	}
	if (x->predicate)
		runway_buf_addf(&b, " where %s", x->predicate);
	if (x->unique)
		runway_buf_adds(&b, " unique");
	line(d, "%s", b.buf);
	runway_buf_release(&b);
	free(q);
	free(t);
}

static void d_index(struct dctx *d, const void *pa, const void *pb)
{
	const struct schema_index *a = pa, *b = pb;
	char *q, *what;
	size_t before = d->n;

	if (!a || !b) {
		index_line(d, sign(a), a ? a : b);
		return;
	}
	q = schema_qualify(a->obj.schema, a->obj.name);
	what = xasprintf("index %s", q);
	diff_text(d, what, "table", a->table, b->table);
	diff_bool(d, what, a->unique, b->unique, "unique", "not unique");
	diff_text(d, what, "method", a->method, b->method);
	diff_list(d, what, "keys", &a->keys, &b->keys, "");
	diff_list(d, what, "include", &a->include, &b->include, "");
	diff_text(d, what, "predicate", a->predicate, b->predicate);
	/* anything else: storage parameters, NULLS NOT DISTINCT, ONLY ... */
	if (d->n == before)
		diff_text(d, what, "definition", a->definition, b->definition);
	free(what);
	free(q);
}

static void d_trigger(struct dctx *d, const void *pa, const void *pb)
{
	const struct schema_trigger *a = pa, *b = pb, *o = a ? a : b;
	char *t = schema_qualify(o->obj.schema, o->table);
	char *what = xasprintf("trigger %s on %s", o->obj.name, t);

	if (!a || !b) {
		line(d, "%c %s", sign(a), what);
	} else {
		diff_text(d, what, "state", a->enabled ? a->enabled : "enabled",
			  b->enabled ? b->enabled : "enabled");
		diff_text(d, what, "definition", a->definition, b->definition);
	}
	free(what);
	free(t);
}

size_t schema_diff(const struct schema *a, const struct schema *b, struct runway_buf *out)
{
	struct dctx d = { out, 0 };

#define MERGE(field, cmp, fn) \
	merge(&d, a->field, a->n##field, b->field, b->n##field, sizeof(*a->field), cmp, fn)
	MERGE(namespaces, schema_cmp_obj, d_namespace);
	MERGE(extensions, schema_cmp_obj, d_extension);
	MERGE(enums, schema_cmp_obj, d_enum);
	MERGE(sequences, schema_cmp_obj, d_sequence);
	MERGE(tables, schema_cmp_obj, d_table);
	MERGE(views, schema_cmp_obj, d_view);
	MERGE(functions, schema_cmp_function, d_function);
	MERGE(indexes, schema_cmp_obj, d_index);
	MERGE(triggers, schema_cmp_trigger, d_trigger);
#undef MERGE
	return d.n;
}
