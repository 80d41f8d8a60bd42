/*
 * schema.c - the schema model (schema.h): reading through the engine's
 * reader, canonical order, release. Renderers are in schema_out.c, the
 * comparison in schema_diff.c.
 */
#include "util/common.h"
#include "schema/schema_impl.h"
#include "driver/driver.h"

static const char *const kind_names[SCHEMA_KIND_COUNT] = {
	[SCHEMA_NAMESPACE] = "schema",
	[SCHEMA_EXTENSION] = "extension",
	[SCHEMA_ENUM] = "enum",
	[SCHEMA_SEQUENCE] = "sequence",
	[SCHEMA_TABLE] = "table",
	[SCHEMA_VIEW] = "view",
	[SCHEMA_FUNCTION] = "function",
	[SCHEMA_INDEX] = "index",
	[SCHEMA_TRIGGER] = "trigger",
};

const char *schema_kind_name(enum schema_kind k)
{
	return k < SCHEMA_KIND_COUNT ? kind_names[k] : "object";
}

const char *schema_constraint_type_name(enum schema_constraint_type t)
{
	switch (t) {
	case SCHEMA_PRIMARY_KEY:
		return "primary key";
	case SCHEMA_UNIQUE:
		return "unique";
	case SCHEMA_CHECK:
		return "check";
	case SCHEMA_FOREIGN_KEY:
		return "foreign key";
	case SCHEMA_EXCLUDE:
		return "exclude";
	}
	return "constraint";
}

char *schema_strdup(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

char *schema_qualify(const char *schema, const char *name)
{
	return schema ? xasprintf("%s.%s", schema, name) : xstrdup(name);
}

int schema_strcmp(const char *a, const char *b)
{
	if (!a || !b)
		return a ? 1 : b ? -1 : 0;
	return strcmp(a, b);
}

void schema_buf_ident(struct runway_buf *b, const char *name)
{
	const char *p;
	bool plain = *name && !isdigit((unsigned char)*name);

	for (p = name; *p && plain; p++)
		plain = (*p >= 'a' && *p <= 'z') || isdigit((unsigned char)*p) || *p == '_';
	if (plain) {
		runway_buf_adds(b, name);
		return;
	}
	runway_buf_addch(b, '"');
	for (p = name; *p; p++) {
		if (*p == '"')
			runway_buf_addch(b, '"');
		runway_buf_addch(b, *p);
	}
	runway_buf_addch(b, '"');
}

void schema_buf_qname(struct runway_buf *b, const char *schema, const char *name)
{
	if (schema) {
		schema_buf_ident(b, schema);
		runway_buf_addch(b, '.');
	}
	schema_buf_ident(b, name);
}

/* ---- adding objects ------------------------------------------------------ */

static void obj_init(struct schema_obj *o, enum schema_kind kind, const char *schema,
		     const char *name)
{
	o->kind = kind;
	o->schema = schema_strdup(schema);
	o->name = xstrdup(name);
}

/* Append a zeroed element to (*arr, *n, *alloc) and return it. */
static void *append(void *arrp, size_t elem, size_t *n, size_t *alloc)
{
	void **arr = arrp;
	char *p;
	*arr = xgrow(*arr, elem, *n + 1, alloc);
	p = (char *)*arr + elem * (*n)++;
	memset(p, 0, elem);
	return p;
}

struct schema_namespace *schema_add_namespace(struct schema *s, const char *name)
{
	struct schema_namespace *o = append(&s->namespaces, sizeof(*s->namespaces),
				&s->nnamespaces, &s->namespaces_alloc);
	obj_init(&o->obj, SCHEMA_NAMESPACE, NULL, name);
	return o;
}

struct schema_extension *schema_add_extension(struct schema *s, const char *schema,
					      const char *name)
{
	struct schema_extension *o = append(&s->extensions, sizeof(*s->extensions),
				&s->nextensions, &s->extensions_alloc);
	obj_init(&o->obj, SCHEMA_EXTENSION, schema, name);
	return o;
}

struct schema_enum *schema_add_enum(struct schema *s, const char *schema, const char *name)
{
	struct schema_enum *o = append(&s->enums, sizeof(*s->enums),
				&s->nenums, &s->enums_alloc);
	obj_init(&o->obj, SCHEMA_ENUM, schema, name);
	return o;
}

struct schema_sequence *schema_add_sequence(struct schema *s, const char *schema, const char *name)
{
	struct schema_sequence *o = append(&s->sequences, sizeof(*s->sequences),
				&s->nsequences, &s->sequences_alloc);
	obj_init(&o->obj, SCHEMA_SEQUENCE, schema, name);
	return o;
}

struct schema_table *schema_add_table(struct schema *s, const char *schema, const char *name)
{
	struct schema_table *o = append(&s->tables, sizeof(*s->tables),
				&s->ntables, &s->tables_alloc);
	obj_init(&o->obj, SCHEMA_TABLE, schema, name);
	return o;
}

struct schema_view *schema_add_view(struct schema *s, const char *schema, const char *name)
{
	struct schema_view *o = append(&s->views, sizeof(*s->views),
				&s->nviews, &s->views_alloc);
	obj_init(&o->obj, SCHEMA_VIEW, schema, name);
	return o;
}

struct schema_function *schema_add_function(struct schema *s, const char *schema, const char *name)
{
	struct schema_function *o = append(&s->functions, sizeof(*s->functions),
				&s->nfunctions, &s->functions_alloc);
	obj_init(&o->obj, SCHEMA_FUNCTION, schema, name);
	return o;
}

struct schema_index *schema_add_index(struct schema *s, const char *schema, const char *name)
{
	struct schema_index *o = append(&s->indexes, sizeof(*s->indexes),
				&s->nindexes, &s->indexes_alloc);
	obj_init(&o->obj, SCHEMA_INDEX, schema, name);
	return o;
}

struct schema_trigger *schema_add_trigger(struct schema *s, const char *schema, const char *name)
{
	struct schema_trigger *o = append(&s->triggers, sizeof(*s->triggers),
				&s->ntriggers, &s->triggers_alloc);
	obj_init(&o->obj, SCHEMA_TRIGGER, schema, name);
	return o;
}

struct schema_column *schema_table_add_column(struct schema_table *t, const char *name)
{
	struct schema_column *c = append(&t->columns, sizeof(*t->columns), &t->ncolumns,
					 &t->columns_alloc);
	c->name = xstrdup(name);
	return c;
}

struct schema_constraint *schema_table_add_constraint(struct schema_table *t, const char *name)
{
	struct schema_constraint *c = append(&t->constraints, sizeof(*t->constraints),
					     &t->nconstraints, &t->constraints_alloc);
	c->name = schema_strdup(name);
	return c;
}

struct schema_table *schema_table_lookup(struct schema *s, const char *schema, const char *name)
{
	size_t i;
	for (i = 0; i < s->ntables; i++)
		if (!schema_strcmp(s->tables[i].obj.schema, schema) &&
		    !strcmp(s->tables[i].obj.name, name))
			return &s->tables[i];
	return NULL;
}

const struct schema_table *schema_find_table(const struct schema *s, const char *schema,
					     const char *name)
{
	return schema_table_lookup((struct schema *)s, schema, name);
}

/* ---- canonical order ----------------------------------------------------- */

static int obj_cmp(const struct schema_obj *a, const struct schema_obj *b)
{
	int c = schema_strcmp(a->schema, b->schema);
	return c ? c : strcmp(a->name, b->name);
}

int schema_cmp_obj(const void *a, const void *b)
{
	/* every object struct starts with its struct schema_obj */
	return obj_cmp(a, b);
}

int schema_cmp_function(const void *a, const void *b)
{
	const struct schema_function *x = a, *y = b;
	int c = obj_cmp(&x->obj, &y->obj);
	return c ? c : schema_strcmp(x->args, y->args);
}

int schema_cmp_trigger(const void *a, const void *b)
{
	const struct schema_trigger *x = a, *y = b;
	int c = obj_cmp(&x->obj, &y->obj);
	return c ? c : schema_strcmp(x->table, y->table);
}

static int cmp_constraint(const void *a, const void *b)
{
	const struct schema_constraint *x = a, *y = b;
	int c;
	if (x->type != y->type)
		return x->type < y->type ? -1 : 1;
	c = schema_strcmp(x->name, y->name);
	return c ? c : schema_strcmp(x->definition, y->definition);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* qsort, minus its undefined behaviour for a NULL array of nothing. */
static void sort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	if (n > 1)
		qsort(base, n, size, cmp);
}

void schema_sort(struct schema *s)
{
	size_t i;

	sort(s->namespaces, s->nnamespaces, sizeof(*s->namespaces), schema_cmp_obj);
	sort(s->extensions, s->nextensions, sizeof(*s->extensions), schema_cmp_obj);
	sort(s->enums, s->nenums, sizeof(*s->enums), schema_cmp_obj);
	sort(s->sequences, s->nsequences, sizeof(*s->sequences), schema_cmp_obj);
	sort(s->tables, s->ntables, sizeof(*s->tables), schema_cmp_obj);
	sort(s->views, s->nviews, sizeof(*s->views), schema_cmp_obj);
	sort(s->functions, s->nfunctions, sizeof(*s->functions), schema_cmp_function);
	sort(s->indexes, s->nindexes, sizeof(*s->indexes), schema_cmp_obj);
	sort(s->triggers, s->ntriggers, sizeof(*s->triggers), schema_cmp_trigger);
	for (i = 0; i < s->ntables; i++) {
		struct schema_table *t = &s->tables[i];
		sort(t->constraints, t->nconstraints, sizeof(*t->constraints), cmp_constraint);
		sort(t->options.v, t->options.n, sizeof(char *), cmp_str);
	}
	for (i = 0; i < s->nviews; i++)
		sort(s->views[i].options.v, s->views[i].options.n, sizeof(char *), cmp_str);
	for (i = 0; i < s->nfunctions; i++)
		sort(s->functions[i].config.v, s->functions[i].config.n, sizeof(char *), cmp_str);
}

/* ---- reading and releasing ----------------------------------------------- */

int schema_read(struct schema *out, struct runway_conn *conn, struct runway_error *err)
{
	const char *engine = driver_name(conn);
	int rc;

	memset(out, 0, sizeof(*out));
	out->engine = xstrdup(engine);
	if (!strcmp(engine, "sqlite"))
		rc = schema_read_sqlite(out, conn, err);
	else if (!strcmp(engine, "postgres"))
		rc = schema_read_pg(out, conn, err);
	else
		rc = runway_error_set(err, RUNWAY_E_IO,
				      "cannot read the schema of '%s': not supported for %s yet",
				      driver_url(conn), engine);
	if (rc < 0) {
		schema_release(out);
		return -1;
	}
	schema_sort(out);
	return 0;
}

static void obj_release(struct schema_obj *o)
{
	free(o->schema);
	free(o->name);
}

static void table_release(struct schema_table *t)
{
	size_t i;
	for (i = 0; i < t->ncolumns; i++) {
		struct schema_column *c = &t->columns[i];
		free(c->name);
		free(c->type);
		free(c->default_expr);
		free(c->identity);
		free(c->generated);
		free(c->collation);
	}
	free(t->columns);
	for (i = 0; i < t->nconstraints; i++) {
		struct schema_constraint *c = &t->constraints[i];
		free(c->name);
		free(c->definition);
		strvec_release(&c->columns);
		free(c->ref_schema);
		free(c->ref_table);
		strvec_release(&c->ref_columns);
	}
	free(t->constraints);
	free(t->partition_key);
	free(t->partition_of);
	free(t->partition_bound);
	strvec_release(&t->inherits);
	strvec_release(&t->options);
	free(t->virtual_using);
	obj_release(&t->obj);
}

void schema_release(struct schema *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->nnamespaces; i++)
		obj_release(&s->namespaces[i].obj);
	for (i = 0; i < s->nextensions; i++)
		obj_release(&s->extensions[i].obj);
	for (i = 0; i < s->nenums; i++) {
		strvec_release(&s->enums[i].labels);
		obj_release(&s->enums[i].obj);
	}
	for (i = 0; i < s->nsequences; i++) {
		struct schema_sequence *q = &s->sequences[i];
		free(q->type);
		free(q->start);
		free(q->increment);
		free(q->min);
		free(q->max);
		free(q->cache);
		free(q->owned_by);
		obj_release(&q->obj);
	}
	for (i = 0; i < s->ntables; i++)
		table_release(&s->tables[i]);
	for (i = 0; i < s->nviews; i++) {
		strvec_release(&s->views[i].options);
		free(s->views[i].definition);
		obj_release(&s->views[i].obj);
	}
	for (i = 0; i < s->nfunctions; i++) {
		struct schema_function *f = &s->functions[i];
		free(f->args);
		free(f->result);
		free(f->kind);
		free(f->language);
		free(f->volatility);
		strvec_release(&f->config);
		free(f->body);
		free(f->definition);
		obj_release(&f->obj);
	}
	for (i = 0; i < s->nindexes; i++) {
		struct schema_index *x = &s->indexes[i];
		free(x->table);
		free(x->method);
		strvec_release(&x->keys);
		strvec_release(&x->include);
		free(x->predicate);
		free(x->definition);
		obj_release(&x->obj);
	}
	for (i = 0; i < s->ntriggers; i++) {
		struct schema_trigger *t = &s->triggers[i];
		free(t->table);
		free(t->enabled);
		free(t->definition);
		obj_release(&t->obj);
	}
	free(s->namespaces);
	free(s->extensions);
	free(s->enums);
	free(s->sequences);
	free(s->tables);
	free(s->views);
	free(s->functions);
	free(s->indexes);
	free(s->triggers);
	free(s->engine);
	memset(s, 0, sizeof(*s));
}
