/*
 * schema_impl.h - for the engine readers (schema_pg.c, schema_sqlite.c) and
 * the renderers of the schema model: adding objects, sorting, names.
 *
 * A reader adds objects in any order; schema_read() sorts the model once
 * the reader is done, so readers need not care about order at all.
 */
#ifndef RUNWAY_SCHEMA_IMPL_H
#define RUNWAY_SCHEMA_IMPL_H

#include "schema/schema.h"

/* Engine readers: fill s (engine already set); on failure s is released by the caller. */
int schema_read_pg(struct schema *s, struct runway_conn *conn, struct runway_error *err);
int schema_read_sqlite(struct schema *s, struct runway_conn *conn, struct runway_error *err);

/*
 * Append a zeroed object with kind, schema (may be NULL) and name copied in.
 * The pointer is valid until the next object of the same kind is added.
 */
struct schema_namespace *schema_add_namespace(struct schema *s, const char *name);
struct schema_extension *schema_add_extension(struct schema *s, const char *schema,
					      const char *name);
struct schema_enum *schema_add_enum(struct schema *s, const char *schema, const char *name);
struct schema_sequence *schema_add_sequence(struct schema *s, const char *schema, const char *name);
struct schema_table *schema_add_table(struct schema *s, const char *schema, const char *name);
struct schema_view *schema_add_view(struct schema *s, const char *schema, const char *name);
struct schema_function *schema_add_function(struct schema *s, const char *schema, const char *name);
struct schema_index *schema_add_index(struct schema *s, const char *schema, const char *name);
struct schema_trigger *schema_add_trigger(struct schema *s, const char *schema, const char *name);
struct schema_column *schema_table_add_column(struct schema_table *t, const char *name);
struct schema_constraint *schema_table_add_constraint(struct schema_table *t, const char *name);
/* A table of s, for readers that fill tables column by column (NULL if absent). */
struct schema_table *schema_table_lookup(struct schema *s, const char *schema, const char *name);

/* Sort every array of s into the canonical order (schema.h). */
void schema_sort(struct schema *s);

/* strdup that keeps NULL. */
char *schema_strdup(const char *s);
/* "schema.name", or "name" when schema is NULL (caller frees). */
char *schema_qualify(const char *schema, const char *name);
/* Compare two possibly-NULL strings, NULL first. */
int schema_strcmp(const char *a, const char *b);
/* The canonical order of objects (qsort comparators; also the merge order of schema_diff). */
int schema_cmp_obj(const void *a, const void *b);
int schema_cmp_function(const void *a, const void *b);
int schema_cmp_trigger(const void *a, const void *b);

/* Append name as SQL shows it: bare when [a-z_][a-z0-9_]*, else in double quotes. */
void schema_buf_ident(struct runway_buf *b, const char *name);
/* Append schema.name (or name when schema is NULL), each part as schema_buf_ident. */
void schema_buf_qname(struct runway_buf *b, const char *schema, const char *name);

/* A column's definition after its name: "text NOT NULL DEFAULT ''::text". */
void schema_column_sql(struct runway_buf *b, const struct schema_column *c);
/* "CONSTRAINT name <definition>[ NOT VALID]" (no CONSTRAINT part when unnamed). */
void schema_constraint_sql(struct runway_buf *b, const struct schema_constraint *c);

#endif
