/*
 * schema.h - the canonical schema model: what a database defines, read from
 * the engine's own catalog, in a form that two equal databases share byte
 * for byte.
 *
 * `runway schema` prints it, `runway test` compares the model before a
 * deploy with the one after the revert, and drift and diff build on it.
 * So the model holds what a change can create, alter or drop, and nothing
 * that differs between two databases built by the same changes:
 *
 *  - in: schemas, extensions, enums, sequences, tables (partitioned ones,
 *    partitions, inheritance), their columns (type, nullability, default,
 *    identity, generated expression, collation, in table order) and
 *    constraints (primary key, unique, check, foreign key, exclusion; name,
 *    definition, NOT VALID), indexes (method, keys or expressions,
 *    INCLUDE columns, predicate, uniqueness), views and materialized views,
 *    functions and procedures (signature, attributes, body), triggers;
 *  - out: OIDs, the database's name, owners and privileges, comments,
 *    statistics, current values of sequences, the catalogs themselves
 *    (pg_catalog, information_schema, pg_toast*, pg_temp*, sqlite_*),
 *    objects that belong to an extension (they come with CREATE EXTENSION),
 *    indexes that only implement a primary key, unique or exclusion
 *    constraint (the constraint stands for them), the sequence of an
 *    identity column, internal triggers, and runway's own tables with
 *    everything on them: any object named runway_*;
 *  - not modelled yet: aggregates, domains, composite types, foreign
 *    tables, row-level security policies, publications.
 *
 * Ordering: every array is sorted by (schema, name) in byte order (C
 * collation), then by the second key each kind notes below; columns stay
 * in table order; constraints are sorted by kind, then name, then
 * definition. Strings are canonical text: PostgreSQL's deparsers
 * (pg_get_expr, pg_get_indexdef, format_type, ...) run with an empty
 * search_path so every name they print is schema-qualified and none
 * depends on the caller's settings; SQLite's raw SQL fragments (defaults,
 * checks, index keys) are re-spaced token by token, while views and
 * triggers keep the CREATE statement exactly as SQLite stored it. Name
 * fields (name, schema, column names) are raw; fields that point at
 * another object in text (partition_of, inherits, owned_by) are SQL,
 * quoted where needed.
 *
 * On SQLite, `schema` is NULL everywhere (one namespace) and names print
 * unqualified; PostgreSQL-only fields stay NULL/false/empty.
 *
 * Ownership: every string and array belongs to the struct schema and is
 * freed by schema_release().
 */
#ifndef RUNWAY_SCHEMA_H
#define RUNWAY_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#include "util/vec.h"

struct runway_conn;
struct runway_error;
struct runway_buf;

/* Kinds, in the order schema_to_sql and schema_diff walk them. */
enum schema_kind {
	SCHEMA_NAMESPACE, /* a PostgreSQL schema (CREATE SCHEMA) */
	SCHEMA_EXTENSION,
	SCHEMA_ENUM,
	SCHEMA_SEQUENCE,
	SCHEMA_TABLE,
	SCHEMA_VIEW,
	SCHEMA_FUNCTION,
	SCHEMA_INDEX,
	SCHEMA_TRIGGER,
	SCHEMA_KIND_COUNT
};

/* What every object starts with. */
struct schema_obj {
	enum schema_kind kind;
	char *schema; /* PostgreSQL schema; NULL for a namespace itself and on SQLite */
	char *name;
};

struct schema_namespace {
	struct schema_obj obj; /* name = the schema's name */
};

struct schema_extension {
	struct schema_obj obj; /* schema = where its objects live */
};

struct schema_enum {
	struct schema_obj obj;
	struct strvec labels; /* in sort order */
};

struct schema_sequence {
	struct schema_obj obj;
	char *type;      /* "bigint" */
	char *start;     /* numbers as the catalog prints them */
	char *increment;
	char *min;
	char *max;
	char *cache;
	bool cycle;
	char *owned_by;  /* "public.orders.id" (OWNED BY), or NULL */
};

struct schema_column {
	char *name;
	char *type;       /* PostgreSQL: format_type(); SQLite: declared type, lower case, "" if none */
	bool not_null;
	char *default_expr; /* or NULL */
	char *identity;     /* "always", "by default", or NULL */
	char *generated;    /* expression of a generated column, or NULL */
	bool generated_stored; /* stored (PostgreSQL always), else virtual (SQLite) */
	char *collation;    /* a collation other than the type's default, or NULL */
};

enum schema_constraint_type {
	SCHEMA_PRIMARY_KEY,
	SCHEMA_UNIQUE,
	SCHEMA_CHECK,
	SCHEMA_FOREIGN_KEY,
	SCHEMA_EXCLUDE,
};

struct schema_constraint {
	char *name;       /* NULL for an unnamed SQLite constraint */
	enum schema_constraint_type type;
	char *definition; /* "FOREIGN KEY (customer_id) REFERENCES public.customers(id)",
			     without NOT VALID (see not_valid) */
	bool not_valid;   /* added NOT VALID and not validated since */
	struct strvec columns;     /* key columns (primary key, unique, foreign key); check: none */
	char *ref_schema;          /* foreign key: the referenced table (schema NULL on SQLite) */
	char *ref_table;
	struct strvec ref_columns; /* empty when SQLite's REFERENCES names none (the primary key) */
};

struct schema_table {
	struct schema_obj obj;
	struct schema_column *columns; /* in table order */
	size_t ncolumns, columns_alloc;
	struct schema_constraint *constraints;
	size_t nconstraints, constraints_alloc;
	bool unlogged;          /* PostgreSQL UNLOGGED */
	char *partition_key;    /* partitioned table: "RANGE (created_at)", or NULL */
	char *partition_of;     /* a partition: its parent, "public.events", or NULL */
	char *partition_bound;  /* "FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')" */
	struct strvec inherits; /* INHERITS parents in order, "public.base" */
	struct strvec options;  /* sorted; PostgreSQL storage parameters ("fillfactor=70"),
				   SQLite "strict", "without rowid" */
	char *virtual_using;    /* SQLite virtual table: "fts5(title, body)", or NULL */
};

struct schema_view {
	struct schema_obj obj;
	bool materialized;
	struct strvec options; /* sorted reloptions ("security_barrier=true") */
	char *definition;      /* PostgreSQL: the CREATE [MATERIALIZED] VIEW statement, query
				  from pg_get_viewdef(); SQLite: the CREATE VIEW statement as stored */
};

struct schema_function {
	struct schema_obj obj; /* sorted by (schema, name, args): overloads */
	char *args;       /* identity arguments, "a integer, b text" */
	char *result;     /* "integer", "TABLE(...)", or NULL for a procedure */
	char *kind;       /* "function", "procedure", "window" */
	char *language;
	char *volatility; /* "immutable", "stable", "volatile" */
	bool strict;
	bool security_definer;
	struct strvec config; /* SET clauses, "search_path=public" */
	char *body;       /* prosrc: the source text ("" for a BEGIN ATOMIC body) */
	char *definition; /* pg_get_functiondef(): the whole CREATE statement */
};

struct schema_index {
	struct schema_obj obj; /* schema of the index = schema of its table */
	char *table;           /* the table (or materialized view) it is on */
	bool unique;
	char *method;          /* "btree", "gin", ...; NULL on SQLite */
	struct strvec keys;    /* key columns or expressions with their options:
				  "customer_id", "lower(email)", "created_at DESC" */
	struct strvec include; /* INCLUDE columns */
	char *predicate;       /* WHERE of a partial index, or NULL */
	char *definition;      /* the CREATE INDEX statement (pg_get_indexdef; rebuilt on SQLite) */
};

struct schema_trigger {
	struct schema_obj obj; /* sorted by (schema, name, table) */
	char *table;
	char *enabled;         /* NULL (the default), "disabled", "replica", "always" */
	char *definition;      /* the CREATE TRIGGER statement (pg_get_triggerdef; SQLite as stored) */
};

struct schema {
	char *engine; /* driver name: "sqlite", "postgres" */
	struct schema_namespace *namespaces;
	size_t nnamespaces, namespaces_alloc;
	struct schema_extension *extensions;
	size_t nextensions, extensions_alloc;
	struct schema_enum *enums;
	size_t nenums, enums_alloc;
	struct schema_sequence *sequences;
	size_t nsequences, sequences_alloc;
	struct schema_table *tables;
	size_t ntables, tables_alloc;
	struct schema_view *views;
	size_t nviews, views_alloc;
	struct schema_function *functions;
	size_t nfunctions, functions_alloc;
	struct schema_index *indexes;
	size_t nindexes, indexes_alloc;
	struct schema_trigger *triggers;
	size_t ntriggers, triggers_alloc;
};
#define SCHEMA_INIT { 0 }

/*
 * Read the schema of the database conn is connected to into *out (which
 * need not be initialised; on failure it is left empty). Dispatches on
 * driver_name(conn). Runs its catalog queries in one read-only transaction
 * of its own (a consistent snapshot) and rolls it back, so it must not be
 * called inside a transaction: SQLite refuses the nested BEGIN (an error,
 * the caller's transaction goes on), but PostgreSQL only warns, and the
 * final ROLLBACK would end the caller's transaction.
 * An engine without a reader, or a PostgreSQL server older than 12, fails
 * with RUNWAY_E_IO (exit 3, like an engine this build lacks).
 */
int schema_read(struct schema *out, struct runway_conn *conn, struct runway_error *err);
void schema_release(struct schema *s);

/* "table", "index", ... */
const char *schema_kind_name(enum schema_kind k);
/* "primary key", "unique", "check", "foreign key", "exclude" */
const char *schema_constraint_type_name(enum schema_constraint_type t);
/* A table of s by schema (NULL on SQLite) and name, or NULL (borrowed). */
const struct schema_table *schema_find_table(const struct schema *s, const char *schema,
					     const char *name);

/*
 * The model as a JSON object (a new reference for the caller):
 * { "engine": ..., "schemas": [...], "extensions": [...], "enums": [...],
 *   "sequences": [...], "tables": [...], "views": [...], "functions": [...],
 *   "indexes": [...], "triggers": [...] }, each object with "kind",
 * "schema" (PostgreSQL), "name" and the fields above; empty arrays kept.
 */
void schema_to_json(const struct schema *s, json_t **out);
/*
 * Readable DDL-like text, appended to out: one block per object, separated
 * by blank lines, in kind order then model order. Not meant to be run
 * (partitions, for one, print their columns); meant to be read and
 * compared.
 */
void schema_to_sql(const struct schema *s, struct runway_buf *out);
/* A graphviz digraph of the tables (with their columns) and foreign keys. */
void schema_to_dot(const struct schema *s, struct runway_buf *out);

/*
 * Compare two models; append one line per difference to out (may be NULL
 * to count only) and return how many. Lines start with "- " (in before,
 * gone from after), "+ " (new in after) or "~ " (changed), then the kind
 * and the qualified name, and say what differs:
 *
 *   - index public.orders_customer_idx on public.orders (customer_id)
 *   + column public.users.nickname text
 *   ~ column public.users.email: type character varying(100) -> text
 *   ~ constraint orders_customer_fk on public.orders: not valid -> valid
 *   ~ view public.active_users: definition line 3: "WHERE a" -> "WHERE b"
 *
 * A removed table counts once (its columns and constraints go with it);
 * its indexes and triggers are objects of their own and count too.
 */
size_t schema_diff(const struct schema *before, const struct schema *after,
		   struct runway_buf *out);

#endif
