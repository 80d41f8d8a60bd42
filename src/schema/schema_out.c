/*
 * schema_out.c - the schema model rendered as JSON, as readable DDL-like
 * SQL and as a graphviz digraph (schema.h). All three walk the model in its
 * canonical order and print nothing else (no time, no URL, no database
 * name), so equal models give byte-identical output.
 */
#include "util/common.h"
#include "schema/schema_impl.h"

/* ---- JSON ---------------------------------------------------------------- */

static void set_str(json_t *o, const char *key, const char *v)
{
	if (v)
		json_object_set_new(o, key, json_string(v));
}

static json_t *str_array(const struct strvec *v)
{
	json_t *a = json_array();
	size_t i;
	for (i = 0; i < v->n; i++)
		json_array_append_new(a, json_string(v->v[i]));
	return a;
}

static json_t *obj_json(const struct schema_obj *o)
{
	json_t *j = json_object();
	json_object_set_new(j, "kind", json_string(schema_kind_name(o->kind)));
	set_str(j, "schema", o->schema);
	json_object_set_new(j, "name", json_string(o->name));
	return j;
}

static json_t *column_json(const struct schema_column *c)
{
	json_t *j = json_object();
	json_object_set_new(j, "name", json_string(c->name));
	json_object_set_new(j, "type", json_string(c->type));
	json_object_set_new(j, "not_null", json_boolean(c->not_null));
	set_str(j, "default", c->default_expr);
	set_str(j, "identity", c->identity);
	if (c->generated) {
		json_t *g = json_object();
		json_object_set_new(g, "expression", json_string(c->generated));
		json_object_set_new(g, "stored", json_boolean(c->generated_stored));
		json_object_set_new(j, "generated", g);
	}
	set_str(j, "collation", c->collation);
	return j;
}

static json_t *constraint_json(const struct schema_constraint *c)
{
	json_t *j = json_object();
	json_object_set_new(j, "name", c->name ? json_string(c->name) : json_null());
	json_object_set_new(j, "type", json_string(schema_constraint_type_name(c->type)));
	json_object_set_new(j, "definition", json_string(c->definition));
	json_object_set_new(j, "not_valid", json_boolean(c->not_valid));
	if (c->type != SCHEMA_CHECK)
		json_object_set_new(j, "columns", str_array(&c->columns));
	if (c->type == SCHEMA_FOREIGN_KEY) {
		json_t *r = json_object();
		set_str(r, "schema", c->ref_schema);
		set_str(r, "table", c->ref_table);
		json_object_set_new(r, "columns", str_array(&c->ref_columns));
		json_object_set_new(j, "references", r);
	}
	return j;
}

static json_t *table_json(const struct schema_table *t)
{
	json_t *j = obj_json(&t->obj), *a;
	size_t i;

	if (t->unlogged)
		json_object_set_new(j, "unlogged", json_true());
	set_str(j, "partition_key", t->partition_key);
	set_str(j, "partition_of", t->partition_of);
	set_str(j, "partition_bound", t->partition_bound);
	if (t->inherits.n)
		json_object_set_new(j, "inherits", str_array(&t->inherits));
	if (t->options.n)
		json_object_set_new(j, "options", str_array(&t->options));
	set_str(j, "virtual_using", t->virtual_using);
	a = json_array();
	for (i = 0; i < t->ncolumns; i++)
		json_array_append_new(a, column_json(&t->columns[i]));
	json_object_set_new(j, "columns", a);
	a = json_array();
	for (i = 0; i < t->nconstraints; i++)
		json_array_append_new(a, constraint_json(&t->constraints[i]));
	json_object_set_new(j, "constraints", a);
	return j;
}

void schema_to_json(const struct schema *s, json_t **out)
{
	json_t *root = json_object(), *a;
	size_t i;

	json_object_set_new(root, "engine", json_string(s->engine ? s->engine : ""));

	a = json_array();
	for (i = 0; i < s->nnamespaces; i++)
		json_array_append_new(a, obj_json(&s->namespaces[i].obj));
	json_object_set_new(root, "schemas", a);

	a = json_array();
	for (i = 0; i < s->nextensions; i++)
		json_array_append_new(a, obj_json(&s->extensions[i].obj));
	json_object_set_new(root, "extensions", a);

	a = json_array();
	for (i = 0; i < s->nenums; i++) {
		json_t *j = obj_json(&s->enums[i].obj);
		json_object_set_new(j, "labels", str_array(&s->enums[i].labels));
		json_array_append_new(a, j);
	}
	json_object_set_new(root, "enums", a);

	a = json_array();
	for (i = 0; i < s->nsequences; i++) {
		const struct schema_sequence *q = &s->sequences[i];
		json_t *j = obj_json(&q->obj);
		set_str(j, "type", q->type);
		set_str(j, "start", q->start);
		set_str(j, "increment", q->increment);
		set_str(j, "min", q->min);
		set_str(j, "max", q->max);
		set_str(j, "cache", q->cache);
		json_object_set_new(j, "cycle", json_boolean(q->cycle));
		set_str(j, "owned_by", q->owned_by);
		json_array_append_new(a, j);
	}
	json_object_set_new(root, "sequences", a);

	a = json_array();
	for (i = 0; i < s->ntables; i++)
		json_array_append_new(a, table_json(&s->tables[i]));
	json_object_set_new(root, "tables", a);

	a = json_array();
	for (i = 0; i < s->nviews; i++) {
		const struct schema_view *v = &s->views[i];
		json_t *j = obj_json(&v->obj);
		json_object_set_new(j, "materialized", json_boolean(v->materialized));
		if (v->options.n)
			json_object_set_new(j, "options", str_array(&v->options));
		json_object_set_new(j, "definition", json_string(v->definition));
		json_array_append_new(a, j);
	}
	json_object_set_new(root, "views", a);

	a = json_array();
	for (i = 0; i < s->nfunctions; i++) {
		const struct schema_function *f = &s->functions[i];
		json_t *j = obj_json(&f->obj);
		json_object_set_new(j, "arguments", json_string(f->args));
		set_str(j, "result", f->result);
		set_str(j, "type", f->kind);
		set_str(j, "language", f->language);
		set_str(j, "volatility", f->volatility);
		json_object_set_new(j, "strict", json_boolean(f->strict));
		json_object_set_new(j, "security_definer", json_boolean(f->security_definer));
		if (f->config.n)
			json_object_set_new(j, "config", str_array(&f->config));
		json_object_set_new(j, "body", json_string(f->body));
		json_object_set_new(j, "definition", json_string(f->definition));
		json_array_append_new(a, j);
	}
	json_object_set_new(root, "functions", a);

	a = json_array();
	for (i = 0; i < s->nindexes; i++) {
		const struct schema_index *x = &s->indexes[i];
		json_t *j = obj_json(&x->obj);
		json_object_set_new(j, "table", json_string(x->table));
		json_object_set_new(j, "unique", json_boolean(x->unique));
		set_str(j, "method", x->method);
		json_object_set_new(j, "keys", str_array(&x->keys));
		if (x->include.n)
			json_object_set_new(j, "include", str_array(&x->include));
		set_str(j, "predicate", x->predicate);
		json_object_set_new(j, "definition", json_string(x->definition));
		json_array_append_new(a, j);
	}
	json_object_set_new(root, "indexes", a);

	a = json_array();
	for (i = 0; i < s->ntriggers; i++) {
		const struct schema_trigger *t = &s->triggers[i];
		json_t *j = obj_json(&t->obj);
		json_object_set_new(j, "table", json_string(t->table));
		set_str(j, "enabled", t->enabled);
		json_object_set_new(j, "definition", json_string(t->definition));
		json_array_append_new(a, j);
	}
	json_object_set_new(root, "triggers", a);
	*out = root;
}

/* ---- SQL ----------------------------------------------------------------- */

static void add_literal(struct runway_buf *b, const char *s)
{
	runway_buf_addch(b, '\'');
	for (; *s; s++) {
		if (*s == '\'')
			runway_buf_addch(b, '\'');
		runway_buf_addch(b, *s);
	}
	runway_buf_addch(b, '\'');
}

/* A statement as the catalog gave it, ending in exactly one ";" and a newline. */
static void add_statement(struct runway_buf *b, const char *sql)
{
	size_t n = strlen(sql);
	while (n && (sql[n - 1] == '\n' || sql[n - 1] == ' ' || sql[n - 1] == '\t'))
		n--;
	runway_buf_add(b, sql, n);
	if (!n || sql[n - 1] != ';')
		runway_buf_addch(b, ';');
	runway_buf_addch(b, '\n');
}

void schema_column_sql(struct runway_buf *b, const struct schema_column *c)
{
	size_t start = b->len;

	runway_buf_adds(b, c->type);
	if (c->collation)
		runway_buf_addf(b, " COLLATE %s", c->collation);
	if (c->generated)
		runway_buf_addf(b, " GENERATED ALWAYS AS (%s) %s", c->generated,
				c->generated_stored ? "STORED" : "VIRTUAL");
	if (c->identity)
		runway_buf_addf(b, " GENERATED %s AS IDENTITY",
				!strcmp(c->identity, "always") ? "ALWAYS" : "BY DEFAULT");
	if (c->default_expr)
		runway_buf_addf(b, " DEFAULT %s", c->default_expr);
	if (c->not_null)
		runway_buf_adds(b, " NOT NULL");
	/* SQLite allows no type at all: no leading blank then */
	if (!*c->type && b->len > start) {
		memmove(b->buf + start, b->buf + start + 1, b->len - start);
		b->len--;
	}
}

void schema_constraint_sql(struct runway_buf *b, const struct schema_constraint *c)
{
	if (c->name) {
		runway_buf_adds(b, "CONSTRAINT ");
		schema_buf_ident(b, c->name);
		runway_buf_addch(b, ' ');
	}
	runway_buf_adds(b, c->definition);
	if (c->not_valid)
		runway_buf_adds(b, " NOT VALID");
}

static void table_sql(struct runway_buf *b, const struct schema_table *t)
{
	struct runway_buf col = RUNWAY_BUF_INIT;
	size_t i, n = t->ncolumns + t->nconstraints, k = 0;

	if (t->virtual_using) {
		runway_buf_adds(b, "CREATE VIRTUAL TABLE ");
		schema_buf_qname(b, t->obj.schema, t->obj.name);
		runway_buf_addf(b, " USING %s;\n", t->virtual_using);
		return;
	}
	runway_buf_addf(b, "CREATE %sTABLE ", t->unlogged ? "UNLOGGED " : "");
	schema_buf_qname(b, t->obj.schema, t->obj.name);
	runway_buf_adds(b, " (");
	for (i = 0; i < t->ncolumns; i++, k++) {
		runway_buf_adds(b, "\n    ");
		schema_buf_ident(b, t->columns[i].name);
		runway_buf_reset(&col);
		schema_column_sql(&col, &t->columns[i]);
		if (col.len)
			runway_buf_addf(b, " %s", col.buf);
		if (k + 1 < n)
			runway_buf_addch(b, ',');
	}
	for (i = 0; i < t->nconstraints; i++, k++) {
		runway_buf_adds(b, "\n    ");
		schema_constraint_sql(b, &t->constraints[i]);
		if (k + 1 < n)
			runway_buf_addch(b, ',');
	}
	runway_buf_release(&col);
	runway_buf_adds(b, n ? "\n)" : ")");
	if (t->inherits.n) {
		char *s = strvec_join(&t->inherits, ", ");
		runway_buf_addf(b, "\nINHERITS (%s)", s);
		free(s);
	}
	if (t->partition_of)
		runway_buf_addf(b, "\nPARTITION OF %s %s", t->partition_of,
				t->partition_bound ? t->partition_bound : "");
	if (t->partition_key)
		runway_buf_addf(b, "\nPARTITION BY %s", t->partition_key);
	if (t->options.n && t->obj.schema) {
		char *s = strvec_join(&t->options, ", ");
		runway_buf_addf(b, "\nWITH (%s)", s);
		free(s);
	} else if (t->options.n) {
		/* SQLite: "without rowid", "strict" */
		for (i = 0; i < t->options.n; i++) {
			char *u = xstrdup(t->options.v[i]), *p;
			for (p = u; *p; p++)
				*p = (char)toupper((unsigned char)*p);
			runway_buf_addf(b, "%s %s", i ? "," : "", u);
			free(u);
		}
	}
	runway_buf_adds(b, ";\n");
}

static void sequence_sql(struct runway_buf *b, const struct schema_sequence *q)
{
	runway_buf_adds(b, "CREATE SEQUENCE ");
	schema_buf_qname(b, q->obj.schema, q->obj.name);
	if (q->type)
		runway_buf_addf(b, " AS %s", q->type);
	if (q->start)
		runway_buf_addf(b, " START WITH %s", q->start);
	if (q->increment)
		runway_buf_addf(b, " INCREMENT BY %s", q->increment);
	if (q->min)
		runway_buf_addf(b, " MINVALUE %s", q->min);
	if (q->max)
		runway_buf_addf(b, " MAXVALUE %s", q->max);
	if (q->cache)
		runway_buf_addf(b, " CACHE %s", q->cache);
	runway_buf_adds(b, q->cycle ? " CYCLE;\n" : " NO CYCLE;\n");
	if (q->owned_by) {
		runway_buf_adds(b, "ALTER SEQUENCE ");
		schema_buf_qname(b, q->obj.schema, q->obj.name);
		runway_buf_addf(b, " OWNED BY %s;\n", q->owned_by);
	}
}

static void trigger_sql(struct runway_buf *b, const struct schema_trigger *t)
{
	add_statement(b, t->definition);
	if (t->enabled) {
		const char *what = !strcmp(t->enabled, "disabled") ? "DISABLE" :
				   !strcmp(t->enabled, "replica") ? "ENABLE REPLICA" : "ENABLE ALWAYS";
		runway_buf_adds(b, "ALTER TABLE ");
		schema_buf_qname(b, t->obj.schema, t->table);
		runway_buf_addf(b, " %s TRIGGER ", what);
		schema_buf_ident(b, t->obj.name);
		runway_buf_adds(b, ";\n");
	}
}

void schema_to_sql(const struct schema *s, struct runway_buf *out)
{
	size_t i, k, blocks = 0;

#define BLOCK() do { if (blocks++) runway_buf_addch(out, '\n'); } while (0)
	for (i = 0; i < s->nnamespaces; i++) {
		BLOCK();
		runway_buf_adds(out, "CREATE SCHEMA ");
		schema_buf_ident(out, s->namespaces[i].obj.name);
		runway_buf_adds(out, ";\n");
	}
	for (i = 0; i < s->nextensions; i++) {
		BLOCK();
		runway_buf_adds(out, "CREATE EXTENSION ");
		schema_buf_ident(out, s->extensions[i].obj.name);
		if (s->extensions[i].obj.schema) {
			runway_buf_adds(out, " SCHEMA ");
			schema_buf_ident(out, s->extensions[i].obj.schema);
		}
		runway_buf_adds(out, ";\n");
	}
	for (i = 0; i < s->nenums; i++) {
		const struct schema_enum *e = &s->enums[i];
		BLOCK();
		runway_buf_adds(out, "CREATE TYPE ");
		schema_buf_qname(out, e->obj.schema, e->obj.name);
		runway_buf_adds(out, " AS ENUM (");
		for (k = 0; k < e->labels.n; k++) {
			if (k)
				runway_buf_adds(out, ", ");
			add_literal(out, e->labels.v[k]);
		}
		runway_buf_adds(out, ");\n");
	}
	for (i = 0; i < s->nsequences; i++) {
		BLOCK();
		sequence_sql(out, &s->sequences[i]);
	}
	for (i = 0; i < s->ntables; i++) {
		BLOCK();
		table_sql(out, &s->tables[i]);
	}
	for (i = 0; i < s->nviews; i++) {
		BLOCK();
		add_statement(out, s->views[i].definition);
	}
	for (i = 0; i < s->nfunctions; i++) {
		BLOCK();
		add_statement(out, s->functions[i].definition);
	}
	for (i = 0; i < s->nindexes; i++) {
		BLOCK();
		add_statement(out, s->indexes[i].definition);
	}
	for (i = 0; i < s->ntriggers; i++) {
		BLOCK();
		trigger_sql(out, &s->triggers[i]);
	}
#undef BLOCK
	if (!blocks)
		runway_buf_adds(out, "-- no objects\n");
}

/* ---- graphviz ------------------------------------------------------------ */

/* Text inside an HTML-like label. */
static void add_html(struct runway_buf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&':
			runway_buf_adds(b, "&amp;");
			break;
		case '<':
			runway_buf_adds(b, "&lt;");
			break;
		case '>':
			runway_buf_adds(b, "&gt;");
			break;
		case '"':
			runway_buf_adds(b, "&quot;");
			break;
		case '\n':
			runway_buf_addch(b, ' ');
			break;
		default:
			runway_buf_addch(b, *s);
		}
	}
}

/* A node ID: the qualified name in double quotes. */
static void add_node_id(struct runway_buf *b, const char *schema, const char *name)
{
	char *q = schema_qualify(schema, name), *p;
	runway_buf_addch(b, '"');
	for (p = q; *p; p++) {
		if (*p == '"' || *p == '\\')
			runway_buf_addch(b, '\\');
		runway_buf_addch(b, *p == '\n' ? ' ' : *p);
	}
	runway_buf_addch(b, '"');
	free(q);
}

static size_t column_index(const struct schema_table *t, const char *name)
{
	size_t i;
	for (i = 0; name && i < t->ncolumns; i++)
		if (!strcmp(t->columns[i].name, name))
			return i;
	return SIZE_MAX;
}

static bool in_primary_key(const struct schema_table *t, const char *col)
{
	size_t i;
	for (i = 0; i < t->nconstraints; i++)
		if (t->constraints[i].type == SCHEMA_PRIMARY_KEY &&
		    strvec_has(&t->constraints[i].columns, col))
			return true;
	return false;
}

void schema_to_dot(const struct schema *s, struct runway_buf *out)
{
	size_t i, k;

	runway_buf_adds(out, "digraph schema {\n"
			"\tgraph [rankdir=LR, fontname=\"Helvetica\"];\n"
			"\tnode [shape=plaintext, fontname=\"Helvetica\"];\n"
			"\tedge [fontname=\"Helvetica\", fontsize=10];\n");
	for (i = 0; i < s->ntables; i++) {
		const struct schema_table *t = &s->tables[i];
		char *q = schema_qualify(t->obj.schema, t->obj.name);

		runway_buf_adds(out, "\n\t");
		add_node_id(out, t->obj.schema, t->obj.name);
		runway_buf_adds(out, " [label=<<table border=\"0\" cellborder=\"1\" cellspacing=\"0\""
				" cellpadding=\"4\">\n\t\t<tr><td bgcolor=\"lightgrey\"><b>");
		add_html(out, q);
		runway_buf_adds(out, "</b></td></tr>\n");
		for (k = 0; k < t->ncolumns; k++) {
			const struct schema_column *c = &t->columns[k];
			bool pk = in_primary_key(t, c->name);
			runway_buf_addf(out, "\t\t<tr><td port=\"c%zu\" align=\"left\">%s", k + 1,
					pk ? "<u>" : "");
			add_html(out, c->name);
			runway_buf_adds(out, pk ? "</u>" : "");
			if (*c->type) {
				runway_buf_addch(out, ' ');
				add_html(out, c->type);
			}
			if (c->not_null && !pk)
				runway_buf_adds(out, " not null");
			runway_buf_adds(out, "</td></tr>\n");
		}
		runway_buf_adds(out, "\t</table>>];\n");
		free(q);
	}
	for (i = 0; i < s->ntables; i++) {
		const struct schema_table *t = &s->tables[i];
		for (k = 0; k < t->nconstraints; k++) {
			const struct schema_constraint *c = &t->constraints[k];
			const struct schema_table *ref;
			size_t from, to;

			if (c->type != SCHEMA_FOREIGN_KEY || !c->ref_table)
				continue;
			ref = schema_find_table(s, c->ref_schema, c->ref_table);
			from = column_index(t, c->columns.n ? c->columns.v[0] : NULL);
			to = ref ? column_index(ref, c->ref_columns.n ? c->ref_columns.v[0] : NULL)
				 : SIZE_MAX;
			runway_buf_addch(out, '\t');
			add_node_id(out, t->obj.schema, t->obj.name);
			if (from != SIZE_MAX)
				runway_buf_addf(out, ":c%zu", from + 1);
			runway_buf_adds(out, " -> ");
			add_node_id(out, c->ref_schema, c->ref_table);
			if (to != SIZE_MAX)
				runway_buf_addf(out, ":c%zu", to + 1);
			if (c->name) {
				runway_buf_adds(out, " [label=");
				add_node_id(out, NULL, c->name);
				runway_buf_addch(out, ']');
			}
			runway_buf_adds(out, ";\n");
		}
	}
	runway_buf_adds(out, "}\n");
}
