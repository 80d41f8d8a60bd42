/*
 * schema_pg.c - the schema model read from PostgreSQL's catalog
 * (pg_catalog), through the public driver API only.
 *
 * One catalog query per kind of object, all in one REPEATABLE READ, READ
 * ONLY transaction (one snapshot) that is rolled back at the end. Inside
 * it, search_path is set to '' (set_config(..., true): for this transaction
 * only): the deparsers (pg_get_expr, pg_get_indexdef, pg_get_viewdef,
 * format_type, regclass::text, ...) then qualify every name outside
 * pg_catalog, so their output depends neither on the caller's search_path
 * nor on anything but the definitions themselves. DateStyle, TimeZone,
 * extra_float_digits and the like, which change how constants print
 * (partition bounds, defaults), are pinned the same way. No OID leaves the
 * queries; arrays come back as JSON (json_agg, to_json) so names with
 * commas or quotes survive.
 *
 * Left out (schema.h): the system schemas (pg_*, information_schema),
 * objects that belong to an extension (pg_depend deptype 'e'), sequences
 * of identity columns (deptype 'i': the column's identity stands for
 * them), indexes that implement a constraint, internal triggers (those of
 * foreign keys), and anything named runway_*. PostgreSQL 12 or later
 * (generated columns).
 */
#include "util/common.h"
#include "schema/schema_impl.h"
#include "driver/driver.h"

/* A schema the model covers (n is pg_namespace). */
#define NS_OK " n.nspname !~ '^pg_' AND n.nspname <> 'information_schema' "
/* Not a member of an extension. */
#define NOT_EXT(catalog, oid) \
	" NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = '" catalog "'::regclass" \
	" AND e.objid = " oid " AND e.deptype = 'e') "
/* A relation c in namespace n that the model covers. */
#define REL_OK NS_OK " AND c.relname !~ '^runway_' AND " NOT_EXT("pg_class", "c.oid")

/* Names of key columns of attrelid, in the order of the int2 array keys, as JSON. */
#define KEY_NAMES(keys, rel) \
	"(SELECT json_agg(a.attname ORDER BY k.ord) FROM unnest(" keys ") WITH ORDINALITY" \
	" k(num, ord) JOIN pg_attribute a ON a.attrelid = " rel " AND a.attnum = k.num)"

static const char q_namespaces[] =
	"SELECT n.nspname FROM pg_namespace n WHERE" NS_OK
	"AND" NOT_EXT("pg_namespace", "n.oid");

static const char q_extensions[] =
	"SELECT n.nspname, x.extname FROM pg_extension x"
	" JOIN pg_namespace n ON n.oid = x.extnamespace";

static const char q_enums[] =
	"SELECT n.nspname, t.typname,"
	" (SELECT json_agg(l.enumlabel ORDER BY l.enumsortorder) FROM pg_enum l"
	"  WHERE l.enumtypid = t.oid)"
	" FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace"
	" WHERE t.typtype = 'e' AND" NS_OK "AND t.typname !~ '^runway_' AND"
	NOT_EXT("pg_type", "t.oid");

static const char q_sequences[] =
	"SELECT n.nspname, c.relname, format_type(s.seqtypid, NULL), s.seqstart,"
	" s.seqincrement, s.seqmin, s.seqmax, s.seqcache, s.seqcycle,"
	" (SELECT quote_ident(tn.nspname) || '.' || quote_ident(tc.relname) || '.'"
	"  || quote_ident(a.attname) FROM pg_depend d"
	"  JOIN pg_class tc ON tc.oid = d.refobjid"
	"  JOIN pg_namespace tn ON tn.oid = tc.relnamespace"
	"  JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid"
	"  WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid"
	"  AND d.refclassid = 'pg_class'::regclass AND d.deptype = 'a' AND d.refobjsubid > 0"
	"  LIMIT 1)"
	" FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid"
	" JOIN pg_namespace n ON n.oid = c.relnamespace"
	" WHERE" REL_OK
	" AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass"
	"  AND d.objid = c.oid AND d.deptype = 'i')";

static const char q_tables[] =
	"SELECT n.nspname, c.relname, c.relpersistence = 'u',"
	" CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END,"
	" CASE WHEN c.relispartition THEN (SELECT i.inhparent::regclass::text"
	"  FROM pg_inherits i WHERE i.inhrelid = c.oid) END,"
	" CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, c.oid) END,"
	" CASE WHEN NOT c.relispartition THEN (SELECT json_agg(i.inhparent::regclass::text"
	"  ORDER BY i.inhseqno) FROM pg_inherits i WHERE i.inhrelid = c.oid) END,"
	" to_json(c.reloptions)"
	" FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
	" WHERE c.relkind IN ('r', 'p') AND" REL_OK;

static const char q_columns[] =
	"SELECT n.nspname, c.relname, a.attname, format_type(a.atttypid, a.atttypmod),"
	" a.attnotnull,"
	" CASE WHEN a.attgenerated = '' THEN pg_get_expr(ad.adbin, ad.adrelid) END,"
	" CASE a.attidentity WHEN 'a' THEN 'always' WHEN 'd' THEN 'by default' END,"
	" CASE WHEN a.attgenerated <> '' THEN pg_get_expr(ad.adbin, ad.adrelid) END,"
	" CASE WHEN a.attcollation <> t.typcollation THEN"
	"  (SELECT CASE WHEN cn.nspname = 'pg_catalog' THEN quote_ident(co.collname)"
	"   ELSE quote_ident(cn.nspname) || '.' || quote_ident(co.collname) END"
	"   FROM pg_collation co JOIN pg_namespace cn ON cn.oid = co.collnamespace"
	"   WHERE co.oid = a.attcollation) END"
	" FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid"
	" JOIN pg_namespace n ON n.oid = c.relnamespace"
	" JOIN pg_type t ON t.oid = a.atttypid"
	" LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum"
	" WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p') AND" REL_OK
	" ORDER BY n.nspname, c.relname, a.attnum";

/*
 * A foreign key that references a partitioned table has one row per
 * referenced partition besides its own, same name, same table: those
 * (a parent constraint on the same table) are internal.
 */
static const char q_constraints[] =
	"SELECT n.nspname, c.relname, con.conname, con.contype,"
	" pg_get_constraintdef(con.oid), con.convalidated,"
	" " KEY_NAMES("con.conkey", "con.conrelid") ","
	" fn.nspname, fc.relname,"
	" " KEY_NAMES("con.confkey", "con.confrelid")
	" FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid"
	" JOIN pg_namespace n ON n.oid = c.relnamespace"
	" LEFT JOIN pg_class fc ON fc.oid = con.confrelid"
	" LEFT JOIN pg_namespace fn ON fn.oid = fc.relnamespace"
	" WHERE con.contype IN ('p', 'u', 'c', 'f', 'x') AND c.relkind IN ('r', 'p') AND" REL_OK
	" AND NOT EXISTS (SELECT 1 FROM pg_constraint pc WHERE pc.oid = con.conparentid"
	"  AND pc.conrelid = con.conrelid)"
	" ORDER BY n.nspname, c.relname";

static const char q_indexes[] =
	"SELECT n.nspname, ic.relname, c.relname, x.indisunique, am.amname,"
	" pg_get_indexdef(x.indexrelid), pg_get_expr(x.indpred, x.indrelid),"
	" (SELECT json_agg(a.attname ORDER BY k.ord) FROM unnest(x.indkey::int2[])"
	"  WITH ORDINALITY k(num, ord) JOIN pg_attribute a ON a.attrelid = x.indrelid"
	"  AND a.attnum = k.num WHERE k.ord > x.indnkeyatts)"
	" FROM pg_index x JOIN pg_class ic ON ic.oid = x.indexrelid"
	" JOIN pg_class c ON c.oid = x.indrelid"
	" JOIN pg_namespace n ON n.oid = c.relnamespace"
	" JOIN pg_am am ON am.oid = ic.relam"
	" WHERE c.relkind IN ('r', 'p', 'm') AND" REL_OK "AND ic.relname !~ '^runway_'"
	" AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = x.indexrelid"
	"  AND con.conrelid = x.indrelid AND con.contype IN ('p', 'u', 'x'))";

static const char q_views[] =
	"SELECT n.nspname, c.relname, c.relkind = 'm', to_json(c.reloptions),"
	" quote_ident(n.nspname) || '.' || quote_ident(c.relname), pg_get_viewdef(c.oid, true)"
	" FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
	" WHERE c.relkind IN ('v', 'm') AND" REL_OK;

static const char q_functions[] =
	"SELECT n.nspname, p.proname, pg_get_function_identity_arguments(p.oid),"
	" CASE WHEN p.prokind <> 'p' THEN pg_get_function_result(p.oid) END,"
	" CASE p.prokind WHEN 'f' THEN 'function' WHEN 'p' THEN 'procedure'"
	"  ELSE 'window' END,"
	" l.lanname,"
	" CASE p.provolatile WHEN 'i' THEN 'immutable' WHEN 's' THEN 'stable'"
	"  ELSE 'volatile' END,"
	" p.proisstrict, p.prosecdef, to_json(p.proconfig), p.prosrc, pg_get_functiondef(p.oid)"
	" FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
	" JOIN pg_language l ON l.oid = p.prolang"
	" WHERE p.prokind IN ('f', 'p', 'w') AND" NS_OK "AND p.proname !~ '^runway_' AND"
	NOT_EXT("pg_proc", "p.oid");

static const char q_triggers[] =
	"SELECT n.nspname, c.relname, t.tgname, pg_get_triggerdef(t.oid),"
	" CASE t.tgenabled WHEN 'D' THEN 'disabled' WHEN 'R' THEN 'replica'"
	"  WHEN 'A' THEN 'always' END"
	" FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
	" JOIN pg_namespace n ON n.oid = c.relnamespace"
	" WHERE NOT t.tgisinternal AND" REL_OK;

static bool is_true(const char *v)
{
	return v && !strcmp(v, "t");
}

/* Push the strings of a JSON array (text from json_agg/to_json; NULL: none). */
static int json_strings(struct strvec *out, const char *text, struct runway_error *err)
{
	json_error_t jerr;
	json_t *a, *v;
	size_t i;

	if (!text)
		return 0;
	a = json_loads(text, JSON_DECODE_ANY, &jerr);
	if (!a || (!json_is_array(a) && !json_is_null(a))) {
		json_decref(a);
		return runway_error_set(err, RUNWAY_E_INTERNAL,
					"unexpected catalog value '%s': not a JSON array", text);
	}
	json_array_foreach(a, i, v)
		if (json_is_string(v))
			strvec_push(out, json_string_value(v));
	json_decref(a);
	return 0;
}

/* Run one catalog query without parameters. */
static int query(struct runway_conn *c, const char *sql, struct runway_rows *r,
		 struct runway_error *err)
{
	rows_release(r);
	return driver_query(c, sql, NULL, 0, r, err);
}

#define CELL(r, i, k) rows_get((r), (i), (k))

/*
 * The key list of a pg_get_indexdef() text: what is between the parentheses
 * after "USING <method>", split at top-level commas, options kept
 * ("lower(email) DESC"). Quoted identifiers and string literals may hold
 * anything, so they are skipped as units.
 */
static void index_keys(struct strvec *keys, const char *def, const char *method)
{
	const char *p = def, *start = NULL;
	size_t mlen = strlen(method);
	int depth = 0;

	for (; *p; p++) {
		if (*p == '"') {
			for (p++; *p && !(*p == '"' && p[1] != '"'); p++)
				if (*p == '"')
					p++;
			if (!*p)
				return;
		} else if (!strncmp(p, " USING ", 7) && !strncmp(p + 7, method, mlen) &&
			   !strncmp(p + 7 + mlen, " (", 2)) {
			p += 7 + mlen + 1;
			break;
		}
	}
	if (*p != '(')
		return;
	for (start = ++p, depth = 1; *p && depth; p++) {
		char q = *p;
		if (q == '"' || q == '\'') {
			for (p++; *p && !(*p == q && p[1] != q); p++)
				if (*p == q)
					p++;
			if (!*p)
				return;
		} else if (q == '(') {
			depth++;
		} else if (q == ')' || (q == ',' && depth == 1)) {
			if (q == ')' && --depth)
				continue;
			while (*start == ' ')
				start++;
			strvec_pushn(keys, start, (size_t)(p - start));
			start = p + 1;
			if (!depth)
				break;
		}
	}
}

/* Remove a trailing " NOT VALID" (the model has not_valid for it). */
static char *strip_not_valid(const char *def)
{
	size_t n = strlen(def);
	if (n >= 10 && !strcmp(def + n - 10, " NOT VALID"))
		n -= 10;
	return xstrndup(def, n);
}

static int read_tables(struct schema *s, struct runway_conn *c, struct runway_rows *r,
		       struct runway_error *err)
{
	struct schema_table *t = NULL;
	size_t i;

	if (query(c, q_tables, r, err) < 0)
		return -1;
	for (i = 0; i < r->nrows; i++) {
		t = schema_add_table(s, CELL(r, i, 0), CELL(r, i, 1));
		t->unlogged = is_true(CELL(r, i, 2));
		t->partition_key = schema_strdup(CELL(r, i, 3));
		t->partition_of = schema_strdup(CELL(r, i, 4));
		t->partition_bound = schema_strdup(CELL(r, i, 5));
		if (json_strings(&t->inherits, CELL(r, i, 6), err) < 0 ||
		    json_strings(&t->options, CELL(r, i, 7), err) < 0)
			return -1;
	}

	/* the table array is complete: pointers into it stay valid from here */
	if (query(c, q_columns, r, err) < 0)
		return -1;
	for (i = 0, t = NULL; i < r->nrows; i++) {
		struct schema_column *col;
		if (!t || strcmp(t->obj.schema, CELL(r, i, 0)) || strcmp(t->obj.name, CELL(r, i, 1)))
			t = schema_table_lookup(s, CELL(r, i, 0), CELL(r, i, 1));
		if (!t)
			continue; /* created after the tables were read: not in this snapshot */
		col = schema_table_add_column(t, CELL(r, i, 2));
		col->type = xstrdup(CELL(r, i, 3) ? CELL(r, i, 3) : "");
		col->not_null = is_true(CELL(r, i, 4));
		col->default_expr = schema_strdup(CELL(r, i, 5));
		col->identity = schema_strdup(CELL(r, i, 6));
		col->generated = schema_strdup(CELL(r, i, 7));
		col->generated_stored = col->generated != NULL;
		col->collation = schema_strdup(CELL(r, i, 8));
	}

	if (query(c, q_constraints, r, err) < 0)
		return -1;
	for (i = 0, t = NULL; i < r->nrows; i++) {
		struct schema_constraint *con;
		const char *type = CELL(r, i, 3);
		if (!t || strcmp(t->obj.schema, CELL(r, i, 0)) || strcmp(t->obj.name, CELL(r, i, 1)))
			t = schema_table_lookup(s, CELL(r, i, 0), CELL(r, i, 1));
		if (!t)
			continue;
		con = schema_table_add_constraint(t, CELL(r, i, 2));
		switch (type ? *type : 'c') {
		case 'p':
			con->type = SCHEMA_PRIMARY_KEY;
			break;
		case 'u':
			con->type = SCHEMA_UNIQUE;
			break;
		case 'f':
			con->type = SCHEMA_FOREIGN_KEY;
			break;
		case 'x':
			con->type = SCHEMA_EXCLUDE;
			break;
		default:
			con->type = SCHEMA_CHECK;
			break;
		}
		con->not_valid = !is_true(CELL(r, i, 5));
		con->definition = strip_not_valid(CELL(r, i, 4) ? CELL(r, i, 4) : "");
		if (con->type != SCHEMA_CHECK && json_strings(&con->columns, CELL(r, i, 6), err) < 0)
			return -1;
		if (con->type == SCHEMA_FOREIGN_KEY) {
			con->ref_schema = schema_strdup(CELL(r, i, 7));
			con->ref_table = schema_strdup(CELL(r, i, 8));
			if (json_strings(&con->ref_columns, CELL(r, i, 9), err) < 0)
				return -1;
		}
	}
	return 0;
}

static int read_all(struct schema *s, struct runway_conn *c, struct runway_error *err)
{
	struct runway_rows r = RUNWAY_ROWS_INIT;
	long version;
	size_t i;
	int ret = -1;

	/* settings that change how the deparsers print, for this transaction only */
	if (query(c, "SELECT pg_catalog.set_config('search_path', '', true),"
		     " pg_catalog.current_setting('server_version_num'),"
		     " pg_catalog.set_config('DateStyle', 'ISO, YMD', true),"
		     " pg_catalog.set_config('IntervalStyle', 'postgres', true),"
		     " pg_catalog.set_config('TimeZone', 'UTC', true),"
		     " pg_catalog.set_config('extra_float_digits', '1', true),"
		     " pg_catalog.set_config('bytea_output', 'hex', true),"
		     " pg_catalog.set_config('lc_monetary', 'C', true),"
		     " pg_catalog.set_config('standard_conforming_strings', 'on', true),"
		     " pg_catalog.set_config('quote_all_identifiers', 'off', true)", &r, err) < 0)
		goto out;
	version = r.nrows ? strtol(CELL(&r, 0, 1) ? CELL(&r, 0, 1) : "0", NULL, 10) : 0;
	if (version < 120000) {
		runway_error_set(err, RUNWAY_E_IO,
				 "PostgreSQL %ld is too old: runway needs 12 or later", version / 10000);
		goto out;
	}

	if (query(c, q_namespaces, &r, err) < 0)
		goto out;
	for (i = 0; i < r.nrows; i++)
		schema_add_namespace(s, CELL(&r, i, 0));

	if (query(c, q_extensions, &r, err) < 0)
		goto out;
	for (i = 0; i < r.nrows; i++)
		schema_add_extension(s, CELL(&r, i, 0), CELL(&r, i, 1));

	if (query(c, q_enums, &r, err) < 0)
		goto out;
	for (i = 0; i < r.nrows; i++) {
		struct schema_enum *e = schema_add_enum(s, CELL(&r, i, 0), CELL(&r, i, 1));
		if (json_strings(&e->labels, CELL(&r, i, 2), err) < 0)
			goto out;
	}

	if (query(c, q_sequences, &r, err) < 0)
		goto out;
	for (i = 0; i < r.nrows; i++) {
		struct schema_sequence *q = schema_add_sequence(s, CELL(&r, i, 0), CELL(&r, i, 1));
		q->type = schema_strdup(CELL(&r, i, 2));
		q->start = schema_strdup(CELL(&r, i, 3));
		q->increment = schema_strdup(CELL(&r, i, 4));
		q->min = schema_strdup(CELL(&r, i, 5));
		q->max = schema_strdup(CELL(&r, i, 6));
		q->cache = schema_strdup(CELL(&r, i, 7));
		q->cycle = is_true(CELL(&r, i, 8));
		q->owned_by = schema_strdup(CELL(&r, i, 9));
	}

	if (read_tables(s, c, &r, err) < 0)
		goto out;

	if (query(c, q_views, &r, err) < 0)
		goto out;
	for (i = 0; i < r.nrows; i++) {
		struct schema_view *v = schema_add_view(s, CELL(&r, i, 0), CELL(&r, i, 1));
		struct runway_buf b = RUNWAY_BUF_INIT;
		v->materialized = is_true(CELL(&r, i, 2));
		if (json_strings(&v->options, CELL(&r, i, 3), err) < 0)
			goto out;
		runway_buf_addf(&b, "CREATE %sVIEW %s", v->materialized ? "MATERIALIZED " : "",
				CELL(&r, i, 4));
		if (v->options.n) {
			char *o = strvec_join(&v->options, ", ");
			runway_buf_addf(&b, " WITH (%s)", o);
			free(o);
		}
		runway_buf_addf(&b, " AS\n%s", CELL(&r, i, 5) ? CELL(&r, i, 5) : "");
		v->definition = runway_buf_detach(&b);
	}

	if (query(c, q_functions, &r, err) < 0)
		goto out;
	for (i = 0; i < r.nrows; i++) {
		struct schema_function *f = schema_add_function(s, CELL(&r, i, 0), CELL(&r, i, 1));
		f->args = xstrdup(CELL(&r, i, 2) ? CELL(&r, i, 2) : "");
		f->result = schema_strdup(CELL(&r, i, 3));
		f->kind = schema_strdup(CELL(&r, i, 4));
		f->language = schema_strdup(CELL(&r, i, 5));
		f->volatility = schema_strdup(CELL(&r, i, 6));
		f->strict = is_true(CELL(&r, i, 7));
		f->security_definer = is_true(CELL(&r, i, 8));
		if (json_strings(&f->config, CELL(&r, i, 9), err) < 0)
			goto out;
		f->body = xstrdup(CELL(&r, i, 10) ? CELL(&r, i, 10) : "");
		f->definition = xstrdup(CELL(&r, i, 11) ? CELL(&r, i, 11) : "");
	}

	if (query(c, q_indexes, &r, err) < 0)
		goto out;
	for (i = 0; i < r.nrows; i++) {
		struct schema_index *x = schema_add_index(s, CELL(&r, i, 0), CELL(&r, i, 1));
		x->table = xstrdup(CELL(&r, i, 2));
		x->unique = is_true(CELL(&r, i, 3));
		x->method = xstrdup(CELL(&r, i, 4));
		x->definition = xstrdup(CELL(&r, i, 5) ? CELL(&r, i, 5) : "");
		x->predicate = schema_strdup(CELL(&r, i, 6));
		index_keys(&x->keys, x->definition, x->method);
		if (json_strings(&x->include, CELL(&r, i, 7), err) < 0)
			goto out;
	}

	if (query(c, q_triggers, &r, err) < 0)
		goto out;
	for (i = 0; i < r.nrows; i++) {
		struct schema_trigger *t = schema_add_trigger(s, CELL(&r, i, 0), CELL(&r, i, 2));
		t->table = xstrdup(CELL(&r, i, 1));
		t->definition = xstrdup(CELL(&r, i, 3) ? CELL(&r, i, 3) : "");
		t->enabled = schema_strdup(CELL(&r, i, 4));
	}
	ret = 0;
out:
	rows_release(&r);
	return ret;
}

int schema_read_pg(struct schema *s, struct runway_conn *c, struct runway_error *err)
{
	struct runway_error ignore = RUNWAY_ERROR_INIT;
	int ret;

	if (driver_exec(c, "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY", err) < 0) {
		runway_error_prefix(err, "cannot read the schema of '%s'", driver_url(c));
		return -1;
	}
	ret = read_all(s, c, err);
	if (ret < 0)
		runway_error_prefix(err, "cannot read the schema of '%s'", driver_url(c));
	/* read only: nothing to keep, and search_path goes back with the transaction */
	if (driver_rollback(c, ret < 0 ? &ignore : err) < 0)
		ret = -1;
	runway_error_clear(&ignore);
	return ret;
}
