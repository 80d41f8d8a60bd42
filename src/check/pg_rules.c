/*
 * pg_rules.c - the PostgreSQL rules: libpg_query's raw parse tree, walked.
 *
 * Why the raw tree: pg_query_parse_protobuf serialises every node of every
 * statement (about 7x the parse itself, see docs/benchmarks.md), while
 * the rules look at a handful of fields of a few statement kinds. So this
 * file calls pg_query_raw_parse (libpg_query's export of the bare grammar)
 * and reads PostgreSQL 15's node structs, which come from the server
 * headers (postgresql-server-dev-15) of the same major version as the
 * library's grammar. This is the one file that knows those internals.
 *
 * Big sections are parsed in chunks of about CHUNK bytes, cut after a
 * line that ends in ';', so memory stays bounded. A cut inside a string or
 * comment makes the chunk fail to parse; then the rest of the section is
 * split with libpg_query's scanner and parsed statement by statement,
 * which is also how parse errors get their exact statement and position.
 */
#include "util/common.h"

#include <pg_query.h>
/* pg_query.h and the server headers both define these */
#undef PG_VERSION
#undef PG_VERSION_NUM
#undef PG_MAJORVERSION
#undef PG_MAJORVERSION_NUM
#ifdef __clang__
/* the server headers were configured for gcc: format(gnu_printf, ...) */
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wignored-attributes"
#endif
#include "postgres.h"
#include "nodes/parsenodes.h"
#include "nodes/nodeFuncs.h"
#include <pg_query/pg_query_internal.h>
#ifdef __clang__
#pragma clang diagnostic pop
#endif

#include "check/check_impl.h"

#if PG_VERSION_NUM / 10000 != 15
#error "pg_rules.c reads PostgreSQL 15 parse nodes (libpg_query 15-4.x)"
#endif

#define CHUNK (256u << 10)

/* ---- names and types --------------------------------------------------- */

static char *rv_key(const RangeVar *rv)
{
	return check_table_key(rv->schemaname, rv->relname);
}

static bool existing(const struct check_cx *cx, const RangeVar *rv)
{
	char *k = rv_key(rv);
	bool ret = !check_is_new_table(cx, k);
	free(k);
	return ret;
}

/* Last name of a qualified name list ("pg_catalog.int4" -> "int4"). */
static const char *last_name(List *names)
{
	Node *n = names ? llast(names) : NULL;
	return n && IsA(n, String) ? strVal(n) : "";
}

/* "a.b.c" of a name list, for messages (caller frees). */
static char *names_str(List *names)
{
	struct runway_buf b = RUNWAY_BUF_INIT;
	ListCell *lc;
	foreach (lc, names) {
		Node *n = lfirst(lc);
		if (b.len)
			runway_buf_addch(&b, '.');
		runway_buf_adds(&b, IsA(n, String) ? strVal(n) : "?");
	}
	return runway_buf_detach(&b);
}

static char *rv_str(const RangeVar *rv)
{
	return rv->schemaname ? xasprintf("%s.%s", rv->schemaname, rv->relname)
			      : xstrdup(rv->relname);
}

/* Column names of a list of String nodes, "a,b". */
static char *cols_str(List *cols)
{
	struct runway_buf b = RUNWAY_BUF_INIT;
	ListCell *lc;
	foreach (lc, cols) {
		Node *n = lfirst(lc);
		if (b.len)
			runway_buf_addch(&b, ',');
		runway_buf_adds(&b, n && IsA(n, String) ? strVal(n) : "(expression)");
	}
	return runway_buf_detach(&b);
}

static bool type_is(const TypeName *t, const char *const *names)
{
	const char *n = t ? last_name(t->names) : "";
	for (; *names; names++)
		if (!strcmp(n, *names))
			return true;
	return false;
}

static const char *const small_int_types[] = { "int4", "int2", "serial", "serial4", "smallserial",
					       "serial2", NULL };
static const char *const serial_types[] = { "serial", "serial4", "bigserial", "serial8",
					    "smallserial", "serial2", NULL };

/* ---- volatile defaults ------------------------------------------------- */

static const char *const volatile_funcs[] = {
	"random", "clock_timestamp", "timeofday", "gen_random_uuid", "uuid_generate_v1",
	"uuid_generate_v1mc", "uuid_generate_v4", "nextval", "random_normal", "txid_current",
	NULL,
};

struct vol_ctx {
	const char *found;
};

static bool vol_walker(Node *node, void *data)
{
	struct vol_ctx *v = data;
	if (!node)
		return false;
	if (IsA(node, FuncCall)) {
		const char *fn = last_name(((FuncCall *)node)->funcname);
		const char *const *p;
		for (p = volatile_funcs; *p; p++)
			if (!strcmp(fn, *p)) {
				v->found = *p;
				return true;
			}
	}
	return raw_expression_tree_walker(node, vol_walker, data);
}

static const char *volatile_call(Node *expr)
{
	struct vol_ctx v = { NULL };
	vol_walker(expr, &v);
	return v.found;
}

/* ---- style rules on column types --------------------------------------- */

/* Offset of a node's location, or the statement's when it has none. */
static size_t at(const struct check_cx *cx, int location, size_t stmt_off)
{
	size_t o = cx->node_base + (size_t)location;
	return location >= 0 && o >= stmt_off && o < cx->len ? o : stmt_off;
}

static void type_rules(struct check_cx *cx, size_t off, const char *col, const TypeName *t)
{
	static const char *const ts[] = { "timestamp", NULL };
	static const char *const vc[] = { "varchar", NULL };
	if (!t)
		return;
	if (type_is(t, ts))
		check_emit(cx, R_PREFER_TIMESTAMPTZ, off,
			   "column \"%s\" is timestamp without time zone: it stores a wall-clock "
			   "reading whose meaning depends on the session's TimeZone", col);
	if (type_is(t, vc) && t->typmods)
		check_emit(cx, R_PREFER_TEXT, off,
			   "column \"%s\" is varchar(n): raising the limit later needs an ALTER "
			   "TYPE under an ACCESS EXCLUSIVE lock, and text is as fast", col);
}

/* ---- CREATE TABLE ------------------------------------------------------ */

/* prefer-bigint-primary-key for primary key column cd of table shown */
static void small_primary_key(struct check_cx *cx, size_t off, const ColumnDef *cd,
			      const char *shown)
{
	if (type_is(cd->typeName, small_int_types))
		check_emit(cx, R_PREFER_BIGINT_PRIMARY_KEY, off,
			   "primary key \"%s\" of %s is %s: it runs out at 2^31 rows (or 2^15), "
			   "and widening it later rewrites the table and every referencing one",
			   cd->colname, shown, last_name(cd->typeName->names));
}

/* A table-level constraint of CREATE TABLE (PRIMARY KEY (a, b), FOREIGN KEY ...). */
static void table_constraint(struct check_cx *cx, CreateStmt *cs, Constraint *c,
			     const char *key, const char *shown, size_t off)
{
	ListCell *k, *lc;
	char *cols;

	if (c->contype == CONSTR_PRIMARY || c->contype == CONSTR_UNIQUE) {
		cols = cols_str(c->keys);
		check_record_index(cx, key, cols);
		free(cols);
		if (c->contype != CONSTR_PRIMARY)
			return;
		foreach (k, c->keys) {
			const char *kn = strVal(lfirst(k));
			foreach (lc, cs->tableElts) {
				ColumnDef *cd = lfirst(lc);
				if (IsA(cd, ColumnDef) && !strcmp(cd->colname, kn))
					small_primary_key(cx, off, cd, shown);
			}
		}
	} else if (c->contype == CONSTR_FOREIGN) {
		char *s;
		cols = cols_str(c->fk_attrs);
		s = xasprintf("%s (%s)", shown, cols);
		check_record_fk(cx, key, cols, s, off);
		free(s);
		free(cols);
	}
}

static void create_table(struct check_cx *cx, CreateStmt *cs, size_t off)
{
	char *key = rv_key(cs->relation), *shown = rv_str(cs->relation);
	ListCell *lc, *lc2;

	strset_add(&cx->new_tables, key);
	foreach (lc, cs->tableElts) {
		Node *e = lfirst(lc);
		ColumnDef *cd;
		if (!IsA(e, ColumnDef))
			continue;
		cd = (ColumnDef *)e;
		type_rules(cx, at(cx, cd->location, off), cd->colname, cd->typeName);
		foreach (lc2, cd->constraints) {
			Constraint *c = lfirst(lc2);
			if (c->contype == CONSTR_PRIMARY || c->contype == CONSTR_UNIQUE)
				check_record_index(cx, key, cd->colname);
			if (c->contype == CONSTR_PRIMARY)
				small_primary_key(cx, at(cx, cd->location, off), cd, shown);
			if (c->contype == CONSTR_FOREIGN) {
				char *s = xasprintf("%s (%s)", shown, cd->colname);
				check_record_fk(cx, key, cd->colname, s, off);
				free(s);
			}
		}
	}
	foreach (lc, cs->tableElts)
		if (IsA(lfirst(lc), Constraint))
			table_constraint(cx, cs, lfirst(lc), key, shown, off);
	foreach (lc, cs->constraints)
		if (IsA(lfirst(lc), Constraint))
			table_constraint(cx, cs, lfirst(lc), key, shown, off);
	free(key);
	free(shown);
}

/* ---- ALTER TABLE ------------------------------------------------------- */

/* "col IS NOT NULL" of a CHECK expression, or NULL. */
static const char *is_not_null_check(Node *expr)
{
	NullTest *nt;
	if (!expr || !IsA(expr, NullTest))
		return NULL;
	nt = (NullTest *)expr;
	if (nt->nulltesttype != IS_NOT_NULL || !nt->arg || !IsA(nt->arg, ColumnRef))
		return NULL;
	return last_name(((ColumnRef *)nt->arg)->fields);
}

static bool proven_not_null(const struct check_cx *cx, const char *table, const char *col)
{
	size_t i;
	for (i = 0; i < cx->nnotnull; i++)
		if (cx->notnull[i].validated && !strcmp(cx->notnull[i].table, table) &&
		    !strcmp(cx->notnull[i].col, col))
			return true;
	return false;
}

static void add_constraint(struct check_cx *cx, const char *key, const char *shown, bool old,
			   Constraint *c, const char *colname, size_t off)
{
	switch (c->contype) {
	case CONSTR_FOREIGN:
		if (old && !c->skip_validation)
			check_emit(cx, R_CONSTRAINT_WITHOUT_NOT_VALID, off,
				   "adding a foreign key to %s validates every row while holding a "
				   "SHARE ROW EXCLUSIVE lock on it and on %s: writes to both wait",
				   shown, c->pktable ? c->pktable->relname : "the referenced table");
		if (!old) {
			char *cols = colname ? xstrdup(colname) : cols_str(c->fk_attrs);
			char *s = xasprintf("%s (%s)", shown, cols);
			check_record_fk(cx, key, cols, s, off);
			free(s);
			free(cols);
		}
		break;
	case CONSTR_CHECK:
		if (old && !c->skip_validation)
			check_emit(cx, R_CONSTRAINT_WITHOUT_NOT_VALID, off,
				   "adding a CHECK constraint to %s scans every row under an ACCESS "
				   "EXCLUSIVE lock: reads and writes wait", shown);
		if (c->skip_validation && c->conname && is_not_null_check(c->raw_expr)) {
			struct check_notnull *nn;
			cx->notnull = xgrow(cx->notnull, sizeof(*cx->notnull), cx->nnotnull + 1,
					    &cx->anotnull);
			nn = &cx->notnull[cx->nnotnull++];
			nn->table = xstrdup(key);
			nn->name = xstrdup(c->conname);
			nn->col = xstrdup(is_not_null_check(c->raw_expr));
			nn->validated = false;
		}
		break;
	case CONSTR_PRIMARY:
	case CONSTR_UNIQUE: {
		char *cols = colname ? xstrdup(colname) : cols_str(c->keys);
		if (old && !c->indexname)
			check_emit(cx, R_UNIQUE_WITHOUT_INDEX, off,
				   "adding a %s constraint to %s builds its index under an ACCESS "
				   "EXCLUSIVE lock: reads and writes wait for the whole build",
				   c->contype == CONSTR_PRIMARY ? "PRIMARY KEY" : "UNIQUE", shown);
		if (!c->indexname)
			check_record_index(cx, key, cols);
		free(cols);
		break;
	}
	default:
		break;
	}
}

static void add_column(struct check_cx *cx, const char *key, const char *shown, bool old,
		       ColumnDef *cd, size_t off)
{
	bool not_null = cd->is_not_null, has_default = cd->raw_default != NULL;
	bool generated = false, identity = cd->identity != 0;
	const char *vol = cd->raw_default ? volatile_call(cd->raw_default) : NULL;
	ListCell *lc;

	off = at(cx, cd->location, off);
	type_rules(cx, off, cd->colname, cd->typeName);
	foreach (lc, cd->constraints) {
		Constraint *c = lfirst(lc);
		switch (c->contype) {
		case CONSTR_NOTNULL:
			not_null = true;
			break;
		case CONSTR_DEFAULT:
			has_default = true;
			if (!vol)
				vol = volatile_call(c->raw_expr);
			break;
		case CONSTR_IDENTITY:
			identity = true;
			break;
		case CONSTR_GENERATED:
			generated = true;
			break;
		default:
			add_constraint(cx, key, shown, old, c, cd->colname, off);
		}
	}
	if (!old)
		return;
	if (not_null && !has_default && !identity && !generated &&
	    !type_is(cd->typeName, serial_types))
		check_emit(cx, R_ADD_NOT_NULL_COLUMN, off,
			   "adding NOT NULL column \"%s\" without a default to %s fails as soon as "
			   "the table has a row", cd->colname, shown);
	if (vol)
		check_emit(cx, R_ADD_COLUMN_VOLATILE_DEFAULT, off,
			   "column \"%s\" defaults to %s(), which is volatile: PostgreSQL rewrites "
			   "all of %s under an ACCESS EXCLUSIVE lock to fill it",
			   cd->colname, vol, shown);
	else if (type_is(cd->typeName, serial_types))
		check_emit(cx, R_ADD_COLUMN_VOLATILE_DEFAULT, off,
			   "adding %s column \"%s\" fills it from a sequence: PostgreSQL rewrites all "
			   "of %s under an ACCESS EXCLUSIVE lock", last_name(cd->typeName->names),
			   cd->colname, shown);
	else if (identity || generated)
		check_emit(cx, R_ADD_COLUMN_VOLATILE_DEFAULT, off,
			   "adding %s column \"%s\" rewrites all of %s under an ACCESS EXCLUSIVE lock",
			   identity ? "an identity" : "a stored generated", cd->colname, shown);
}

static void need_lock_timeout(struct check_cx *cx, size_t off, const char *what)
{
	if (cx->lock_timeout || cx->lock_reported || !check_on(cx, R_REQUIRE_LOCK_TIMEOUT))
		return;
	cx->lock_reported = true;
	check_emit(cx, R_REQUIRE_LOCK_TIMEOUT, off,
		   "%s waits for its lock behind any running query, and every query on the table "
		   "then queues behind it; no lock_timeout is set in this change", what);
}

static void alter_table(struct check_cx *cx, AlterTableStmt *as, size_t off)
{
	char *key = rv_key(as->relation), *shown = rv_str(as->relation);
	bool old = !check_is_new_table(cx, key);
	ListCell *lc;
	size_t i;

	if (as->objtype != OBJECT_TABLE) {
		free(key);
		free(shown);
		return;
	}
	if (old)
		need_lock_timeout(cx, off, "ALTER TABLE");
	foreach (lc, as->cmds) {
		AlterTableCmd *cmd = lfirst(lc);
		switch (cmd->subtype) {
		case AT_AddColumn:
			add_column(cx, key, shown, old, (ColumnDef *)cmd->def, off);
			break;
		case AT_DropColumn:
			if (old)
				check_emit(cx, R_DROP_COLUMN, off,
					   "dropping column \"%s\" of %s deletes its data, and application "
					   "code still deployed that reads or writes it fails",
					   cmd->name, shown);
			break;
		case AT_AlterColumnType: {
			ColumnDef *cd = (ColumnDef *)cmd->def;
			type_rules(cx, off, cmd->name, cd ? cd->typeName : NULL);
			if (old)
				check_emit(cx, R_COLUMN_TYPE_CHANGE, off,
					   "changing the type of \"%s\" rewrites %s and its indexes under "
					   "an ACCESS EXCLUSIVE lock (only a few changes, like varchar(n) "
					   "to text, are free)", cmd->name, shown);
			break;
		}
		case AT_SetNotNull:
			if (old && !proven_not_null(cx, key, cmd->name))
				check_emit(cx, R_SET_NOT_NULL, off,
					   "SET NOT NULL on \"%s\" scans all of %s under an ACCESS "
					   "EXCLUSIVE lock to prove no row is NULL", cmd->name, shown);
			break;
		case AT_AddConstraint:
			add_constraint(cx, key, shown, old, (Constraint *)cmd->def, NULL, off);
			break;
		case AT_ValidateConstraint:
			for (i = 0; i < cx->nnotnull; i++)
				if (!strcmp(cx->notnull[i].table, key) &&
				    !strcmp(cx->notnull[i].name, cmd->name))
					cx->notnull[i].validated = true;
			break;
		case AT_DetachPartition: {
			PartitionCmd *pc = (PartitionCmd *)cmd->def;
			if (pc && pc->concurrent && !cx->file->change.no_transaction)
				check_emit(cx, R_CONCURRENTLY_IN_TRANSACTION, off,
					   "DETACH PARTITION CONCURRENTLY cannot run inside a transaction "
					   "block: this change runs in one");
			break;
		}
		default:
			break;
		}
	}
	free(key);
	free(shown);
}

/* ---- other statements -------------------------------------------------- */

static void create_index(struct check_cx *cx, IndexStmt *is, size_t off)
{
	char *key = rv_key(is->relation), *shown = rv_str(is->relation);
	bool old = !check_is_new_table(cx, key);
	struct runway_buf cols = RUNWAY_BUF_INIT;
	ListCell *lc;

	foreach (lc, is->indexParams) {
		IndexElem *ie = lfirst(lc);
		if (cols.len)
			runway_buf_addch(&cols, ',');
		runway_buf_adds(&cols, ie->name ? ie->name : "(expression)");
	}
	/* a partial index WHERE col IS NOT NULL still serves lookups by col */
	if (!is->whereClause || is_not_null_check(is->whereClause))
		check_record_index(cx, key, cols.buf);
	if (is->idxname)
		strset_add(&cx->new_indexes, is->idxname);
	if (is->concurrent && !cx->file->change.no_transaction)
		check_emit(cx, R_CONCURRENTLY_IN_TRANSACTION, off,
			   "CREATE INDEX CONCURRENTLY cannot run inside a transaction block: this "
			   "change runs in one, so PostgreSQL refuses it");
	if (!is->concurrent && old) {
		need_lock_timeout(cx, off, "CREATE INDEX");
		check_emit(cx, R_CREATE_INDEX_NON_CONCURRENTLY, off,
			   "CREATE INDEX on %s holds a SHARE lock for the whole build: every INSERT, "
			   "UPDATE and DELETE on it waits", shown);
	}
	runway_buf_release(&cols);
	free(key);
	free(shown);
}

static void drop(struct check_cx *cx, DropStmt *ds, size_t off)
{
	ListCell *lc;
	if (ds->removeType == OBJECT_INDEX && ds->concurrent && !cx->file->change.no_transaction)
		check_emit(cx, R_CONCURRENTLY_IN_TRANSACTION, off,
			   "DROP INDEX CONCURRENTLY cannot run inside a transaction block: this "
			   "change runs in one, so PostgreSQL refuses it");
	foreach (lc, ds->objects) {
		List *names = lfirst(lc);
		const char *name = last_name(names);
		char *schema = list_length(names) > 1
				       ? xstrdup(strVal(list_nth(names, list_length(names) - 2)))
				       : NULL;
		char *key = check_table_key(schema, name), *shown = names_str(names);
		if (ds->removeType == OBJECT_TABLE) {
			if (!strset_remove(&cx->new_tables, key)) {
				need_lock_timeout(cx, off, "DROP TABLE");
				check_emit(cx, R_DROP_TABLE, off,
					   "dropping table %s deletes its data, and application code "
					   "still deployed that uses it fails", shown);
			}
		} else if (ds->removeType == OBJECT_INDEX && !ds->concurrent) {
			if (!strset_remove(&cx->new_indexes, name)) {
				need_lock_timeout(cx, off, "DROP INDEX");
				check_emit(cx, R_DROP_INDEX_NON_CONCURRENTLY, off,
					   "DROP INDEX %s takes an ACCESS EXCLUSIVE lock on its table: "
					   "reads and writes wait until it is done", shown);
			}
		}
		free(key);
		free(shown);
		free(schema);
	}
}

static void rename_stmt(struct check_cx *cx, RenameStmt *rs, size_t off)
{
	char *key, *shown;
	if (!rs->relation || (rs->renameType != OBJECT_TABLE && rs->renameType != OBJECT_COLUMN))
		return;
	if (rs->renameType == OBJECT_COLUMN && rs->relationType != OBJECT_TABLE)
		return;
	key = rv_key(rs->relation);
	shown = rv_str(rs->relation);
	if (check_is_new_table(cx, key)) {
		if (rs->renameType == OBJECT_TABLE) {
			char *nk = check_table_key(rs->relation->schemaname, rs->newname);
			strset_remove(&cx->new_tables, key);
			strset_add(&cx->new_tables, nk);
			free(nk);
		}
	} else {
		need_lock_timeout(cx, off, "ALTER TABLE ... RENAME");
		if (rs->renameType == OBJECT_TABLE)
			check_emit(cx, R_RENAME_TABLE, off,
				   "renaming %s to \"%s\" breaks the application code still deployed, "
				   "which uses the old name", shown, rs->newname);
		else
			check_emit(cx, R_RENAME_COLUMN, off,
				   "renaming column \"%s\" of %s to \"%s\" breaks the application code "
				   "still deployed, which uses the old name", rs->subname, shown,
				   rs->newname);
	}
	free(key);
	free(shown);
}

static void set_stmt(struct check_cx *cx, VariableSetStmt *vs)
{
	if (!vs->name || strcmp(vs->name, "lock_timeout"))
		return;
	if (vs->kind == VAR_SET_VALUE && vs->args) {
		A_Const *c = linitial(vs->args);
		bool zero = false;
		if (IsA(c, A_Const) && !c->isnull) {
			if (IsA(&c->val, Integer))
				zero = intVal(&c->val) == 0;
			else if (IsA(&c->val, String))
				zero = !strcmp(strVal(&c->val), "0") || !strcmp(strVal(&c->val), "0s") ||
				       !strcmp(strVal(&c->val), "0ms");
		}
		cx->lock_timeout = !zero;
	} else {
		cx->lock_timeout = false; /* RESET, DEFAULT: back to no timeout */
	}
}

static bool has_concurrently(List *params)
{
	ListCell *lc;
	foreach (lc, params) {
		DefElem *d = lfirst(lc);
		if (IsA(d, DefElem) && d->defname && !strcmp(d->defname, "concurrently"))
			return true;
	}
	return false;
}

static void statement(struct check_cx *cx, Node *stmt, size_t off)
{
	switch (nodeTag(stmt)) {
	case T_CreateStmt:
		create_table(cx, (CreateStmt *)stmt, off);
		break;
	case T_CreateTableAsStmt: {
		IntoClause *into = ((CreateTableAsStmt *)stmt)->into;
		if (into && into->rel && ((CreateTableAsStmt *)stmt)->objtype == OBJECT_TABLE) {
			char *k = rv_key(into->rel);
			strset_add(&cx->new_tables, k);
			free(k);
		}
		break;
	}
	case T_AlterTableStmt:
		alter_table(cx, (AlterTableStmt *)stmt, off);
		break;
	case T_IndexStmt:
		create_index(cx, (IndexStmt *)stmt, off);
		break;
	case T_DropStmt:
		drop(cx, (DropStmt *)stmt, off);
		break;
	case T_RenameStmt:
		rename_stmt(cx, (RenameStmt *)stmt, off);
		break;
	case T_DropdbStmt:
		check_emit(cx, R_BAN_DROP_DATABASE, off,
			   "DROP DATABASE %s destroys every table in it and cannot be reverted",
			   ((DropdbStmt *)stmt)->dbname);
		break;
	case T_TruncateStmt: {
		ListCell *lc;
		foreach (lc, ((TruncateStmt *)stmt)->relations) {
			RangeVar *rv = lfirst(lc);
			if (existing(cx, rv)) {
				char *s = rv_str(rv);
				need_lock_timeout(cx, off, "TRUNCATE");
				check_emit(cx, R_TRUNCATE, off,
					   "TRUNCATE %s deletes every row (no WHERE, no undo once "
					   "committed) under an ACCESS EXCLUSIVE lock", s);
				free(s);
			}
		}
		break;
	}
	case T_DeleteStmt: {
		DeleteStmt *d = (DeleteStmt *)stmt;
		if (!d->whereClause && existing(cx, d->relation)) {
			char *s = rv_str(d->relation);
			check_emit(cx, R_DELETE_WITHOUT_WHERE, off,
				   "DELETE FROM %s without WHERE deletes every row", s);
			free(s);
		}
		break;
	}
	case T_UpdateStmt: {
		UpdateStmt *u = (UpdateStmt *)stmt;
		if (!u->whereClause && existing(cx, u->relation)) {
			char *s = rv_str(u->relation);
			check_emit(cx, R_UPDATE_WITHOUT_WHERE, off,
				   "UPDATE %s without WHERE rewrites every row in one transaction, "
				   "locking them all until it commits", s);
			free(s);
		}
		break;
	}
	case T_ReindexStmt:
		if (has_concurrently(((ReindexStmt *)stmt)->params) &&
		    !cx->file->change.no_transaction)
			check_emit(cx, R_CONCURRENTLY_IN_TRANSACTION, off,
				   "REINDEX CONCURRENTLY cannot run inside a transaction block: this "
				   "change runs in one, so PostgreSQL refuses it");
		break;
	case T_CreateTrigStmt: {
		RangeVar *rv = ((CreateTrigStmt *)stmt)->relation;
		if (rv && existing(cx, rv))
			need_lock_timeout(cx, off, "CREATE TRIGGER");
		break;
	}
	case T_TransactionStmt: {
		TransactionStmt *t = (TransactionStmt *)stmt;
		if (cx->file->change.no_transaction)
			break;
		switch (t->kind) {
		case TRANS_STMT_BEGIN:
		case TRANS_STMT_START:
		case TRANS_STMT_COMMIT:
		case TRANS_STMT_ROLLBACK:
		case TRANS_STMT_PREPARE:
		case TRANS_STMT_COMMIT_PREPARED:
		case TRANS_STMT_ROLLBACK_PREPARED:
			check_emit(cx, R_TRANSACTION_CONTROL, off,
				   "runway runs this change in its own transaction: a %s here would "
				   "end it early and leave the change half-recorded (runway refuses to "
				   "deploy it)",
				   t->kind == TRANS_STMT_BEGIN || t->kind == TRANS_STMT_START ? "BEGIN"
				   : t->kind == TRANS_STMT_ROLLBACK				? "ROLLBACK"
												: "COMMIT");
			break;
		default:
			break;
		}
		break;
	}
	case T_VariableSetStmt:
		set_stmt(cx, (VariableSetStmt *)stmt);
		break;
	default:
		break;
	}
}

/* ---- parsing ----------------------------------------------------------- */

/* PostgreSQL reports error positions in characters; we need bytes. */
static size_t char_to_byte(const char *s, size_t len, int chars)
{
	size_t i = 0;
	while (i < len && chars > 0) {
		i++;
		while (i < len && ((unsigned char)s[i] & 0xc0) == 0x80)
			i++;
		chars--;
	}
	return i;
}

static void parse_error(struct check_cx *cx, size_t base, size_t len, const PgQueryError *e)
{
	size_t at = base;
	char *msg;
	if (e->cursorpos > 0)
		at = base + char_to_byte(cx->text + base, len, e->cursorpos - 1);
	else
		at = check_stmt_begin(cx, base);
	if (at >= cx->len && cx->len)
		at = cx->len - 1;
	msg = xasprintf("%s", e->message);
	check_emit(cx, R_PARSE_ERROR, at, "%s", msg);
	free(msg);
}

/* Walk the statements of a parse of text[base...]. */
static void walk(struct check_cx *cx, List *tree, size_t base)
{
	ListCell *lc;
	foreach (lc, tree) {
		RawStmt *rs = lfirst(lc);
		size_t start = check_stmt_begin(cx, base + (size_t)rs->stmt_location);
		cx->node_base = base;
		if (cx->lint)
			statement(cx, rs->stmt, start);
	}
}

/* Where to end a chunk starting at pos: after a line ending in ';' (and
 * holding no "--" before it) at least CHUNK bytes on; else the end. */
static size_t pick_cut(const char *t, size_t pos, size_t len)
{
	size_t i;
	if (len - pos <= CHUNK + CHUNK / 2)
		return len;
	for (i = pos + CHUNK; i < len; i++) {
		size_t ls, k;
		bool comment = false;
		if (t[i] != '\n' || t[i - 1] != ';')
			continue;
		for (ls = i - 1; ls > pos && t[ls - 1] != '\n'; ls--)
			;
		for (k = ls; k + 1 < i; k++)
			if (t[k] == '-' && t[k + 1] == '-')
				comment = true;
		if (!comment)
			return i + 1;
	}
	return len;
}

/*
 * Statement by statement from pos to the end of the section. Each parse
 * gets its own memory context: libpg_query's entry points switch back to
 * its top context when they return, so contexts cannot be nested, and its
 * CurrentMemoryContext is thread-local in the library, which the server
 * headers do not know - so this file never switches contexts itself.
 */
static void per_statement(struct check_cx *cx, size_t pos, const PgQueryError *chunk_err)
{
	char *t = (char *)cx->text;
	PgQuerySplitResult sp = pg_query_split_with_scanner(t + pos);
	int i;

	if (sp.error) {
		/* the scanner fails where the parser did: say what the parser said */
		parse_error(cx, pos, cx->len - pos, chunk_err);
		pg_query_free_split_result(sp);
		return;
	}
	for (i = 0; i < sp.n_stmts; i++) {
		size_t s = pos + (size_t)sp.stmts[i]->stmt_location;
		size_t e = s + (size_t)sp.stmts[i]->stmt_len;
		char save = t[e];
		MemoryContext mcx = pg_query_enter_memory_context();
		PgQueryInternalParsetreeAndError r;

		t[e] = '\0';
		r = pg_query_raw_parse(t + s);
		t[e] = save;
		if (r.error)
			parse_error(cx, s, e - s, r.error);
		else
			walk(cx, r.tree, s);
		if (r.error)
			pg_query_free_error(r.error);
		free(r.stderr_buffer);
		pg_query_exit_memory_context(mcx);
	}
	pg_query_free_split_result(sp);
}

int pg_check_section(struct check_cx *cx, struct runway_error *err)
{
	char *t = (char *)cx->text;
	size_t pos = 0;

	while (pos < cx->len) {
		size_t end = pick_cut(t, pos, cx->len);
		char save = t[end];
		MemoryContext mcx = pg_query_enter_memory_context();
		PgQueryInternalParsetreeAndError r;

		t[end] = '\0';
		r = pg_query_raw_parse(t + pos);
		t[end] = save;
		if (!r.error)
			walk(cx, r.tree, pos);
		free(r.stderr_buffer);
		pg_query_exit_memory_context(mcx);
		if (r.error) {
			per_statement(cx, pos, r.error);
			pg_query_free_error(r.error);
			break;
		}
		pos = end;
	}
	return 0;
}

void pg_check_end(struct check_cx *cx)
{
}
