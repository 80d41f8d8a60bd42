/*
 * mask_rules.c - runway.yml's mask rules: from the config's text to struct
 * mask_rules (names and arguments checked), and checked against a
 * database's schema before any data moves (see mask.h).
 *
 * Names are matched byte for byte, as the catalog stores them (PostgreSQL
 * folds unquoted names to lower case; SQLite keeps them as declared), and
 * a name cannot hold a dot. On PostgreSQL a rule without a schema means
 * "public", so "customers.email" and "public.customers.email" are the same
 * column (and naming it twice is an error).
 */
#include "util/common.h"
#include "mask/mask.h"
#include "core/config.h"
#include "schema/schema.h"

static const char *const fn_names[] = {
	[MASK_EMAIL] = "email",
	[MASK_NAME] = "name",
	[MASK_FIRST_NAME] = "first_name",
	[MASK_LAST_NAME] = "last_name",
	[MASK_PHONE] = "phone",
	[MASK_HASH] = "hash",
	[MASK_NULL] = "null",
	[MASK_REDACT] = "redact",
	[MASK_SET] = "set",
	[MASK_SHIFT_DAYS] = "shift_days",
	[MASK_NOISE] = "noise",
};

const char *mask_fn_name(enum mask_fn fn)
{
	return (size_t)fn < ARRAY_SIZE(fn_names) ? fn_names[fn] : "?";
}

int mask_fn_parse(const char *name)
{
	size_t i;
	for (i = 0; name && i < ARRAY_SIZE(fn_names); i++)
		if (!strcmp(fn_names[i], name))
			return (int)i;
	return -1;
}

void mask_rules_release(struct mask_rules *r)
{
	size_t i;
	for (i = 0; i < r->n; i++) {
		free(r->v[i].schema);
		free(r->v[i].table);
		free(r->v[i].column);
		free(r->v[i].value);
	}
	free(r->v);
	r->v = NULL;
	r->n = 0;
}

/* The rule as written: "sales.customers.email" or "customers.email". */
static char *rule_name(const struct mask_rule *r)
{
	return r->schema ? xasprintf("%s.%s.%s", r->schema, r->table, r->column)
			 : xasprintf("%s.%s", r->table, r->column);
}

/* A whole decimal number in [min, max]. */
static bool get_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;
	if (!s || !isdigit((unsigned char)*s))
		return false;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return false;
	*out = v;
	return true;
}

/* "a.b" or "a.b.c", no part empty. */
static bool split_name(struct mask_rule *r, const char *name)
{
	const char *d1 = strchr(name, '.'), *d2, *d3;
	if (!d1)
		return false;
	d2 = strchr(d1 + 1, '.');
	d3 = d2 ? strchr(d2 + 1, '.') : NULL;
	if (d3 || d1 == name || !d1[1] || (d2 && (d2 == d1 + 1 || !d2[1])))
		return false;
	if (d2) {
		r->schema = xstrndup(name, (size_t)(d1 - name));
		r->table = xstrndup(d1 + 1, (size_t)(d2 - d1 - 1));
		r->column = xstrdup(d2 + 1);
	} else {
		r->table = xstrndup(name, (size_t)(d1 - name));
		r->column = xstrdup(d1 + 1);
	}
	return true;
}

static bool same_name(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

/* Check one rule's function and argument; sets r->fn, r->n, r->value. */
static int load_fn(struct mask_rule *r, const char *name, const char *fn, const char *arg,
		   struct runway_error *err)
{
	int f = mask_fn_parse(fn);

	if (f < 0) {
		runway_error_set(err, RUNWAY_E_CONFIG, "mask rule '%s': unknown function '%s'",
				 name, fn);
		runway_error_hint(err, "functions: email, name, first_name, last_name, phone, "
				  "hash, null, redact, set, shift_days, noise");
		return -1;
	}
	r->fn = (enum mask_fn)f;
	switch (r->fn) {
	case MASK_REDACT:
		if (!*arg)
			r->n = 4;
		else if (!get_long(arg, 0, 1000000, &r->n))
			return runway_error_set(err, RUNWAY_E_CONFIG, "mask rule '%s': redact needs "
						"a number of characters to keep (0 or more)", name);
		break;
	case MASK_SHIFT_DAYS:
		if (!get_long(arg, 1, 36500, &r->n))
			return runway_error_set(err, RUNWAY_E_CONFIG, "mask rule '%s': shift_days "
						"needs a number of days between 1 and 36500", name);
		break;
	case MASK_NOISE:
		if (!get_long(arg, 1, 100, &r->n))
			return runway_error_set(err, RUNWAY_E_CONFIG, "mask rule '%s': noise needs "
						"a percent between 0 and 100 (a whole number, "
						"1 to 100)", name);
		break;
	case MASK_SET:
		if (!*arg)
			return runway_error_set(err, RUNWAY_E_CONFIG, "mask rule '%s': set needs a "
						"value (null masks with SQL NULL)", name);
		r->value = xstrdup(arg);
		break;
	default:
		if (*arg)
			return runway_error_set(err, RUNWAY_E_CONFIG, "mask rule '%s': %s takes "
						"no argument", name, fn);
		break;
	}
	return 0;
}

int mask_rules_load(struct mask_rules *out, const struct config_mask *cfg,
		    struct runway_error *err)
{
	size_t i, j, n = cfg ? cfg->rule_col.n : 0;
	int ret = -1;

	out->v = xcalloc(n ? n : 1, sizeof(*out->v));
	out->n = 0;
	for (i = 0; i < n; i++) {
		const char *name = cfg->rule_col.v[i];
		const char *fn = i < cfg->rule_fn.n ? cfg->rule_fn.v[i] : "";
		const char *arg = i < cfg->rule_arg.n ? cfg->rule_arg.v[i] : "";
		struct mask_rule *r = &out->v[out->n++];

		if (!split_name(r, name)) {
			runway_error_set(err, RUNWAY_E_CONFIG, "mask rule '%s': name a column as "
					 "table.column or schema.table.column", name);
			goto out;
		}
		if (load_fn(r, name, fn, arg, err) < 0)
			goto out;
		for (j = 0; j + 1 < out->n; j++) {
			const struct mask_rule *o = &out->v[j];
			if (same_name(o->schema, r->schema) && !strcmp(o->table, r->table) &&
			    !strcmp(o->column, r->column)) {
				runway_error_set(err, RUNWAY_E_CONFIG, "mask rule '%s' is given twice",
						 name);
				goto out;
			}
		}
	}
	ret = 0;
out:
	if (ret < 0)
		mask_rules_release(out);
	return ret;
}

/* ---- against a schema -------------------------------------------------------- */

static const struct schema_column *find_column(const struct schema_table *t, const char *name)
{
	size_t i;
	for (i = 0; i < t->ncolumns; i++)
		if (!strcmp(t->columns[i].name, name))
			return &t->columns[i];
	return NULL;
}

/* The table a rule names (PostgreSQL: no schema is "public"), or NULL. */
static const struct schema_table *rule_table(const struct mask_rule *r, const struct schema *s)
{
	const struct schema_table *t = schema_find_table(s, r->schema, r->table);
	if (!t && !r->schema)
		t = schema_find_table(s, "public", r->table);
	return t;
}

static int check_rule(const struct mask_rules *rs, size_t i, const struct schema *s,
		      const struct schema_table **tables, struct runway_error *err)
{
	const struct mask_rule *r = &rs->v[i];
	const struct schema_table *t = rule_table(r, s);
	const struct schema_column *c;
	char *name = rule_name(r);
	size_t j;
	int ret = -1;

	tables[i] = t;
	if (!t) {
		runway_error_set(err, RUNWAY_E_CONFIG, "mask rule '%s': no table '%s%s%s'", name,
				 r->schema ? r->schema : "", r->schema ? "." : "", r->table);
		goto out;
	}
	if (t->partition_of) {
		runway_error_set(err, RUNWAY_E_CONFIG, "mask rule '%s': '%s' is a partition of %s",
				 name, r->table, t->partition_of);
		runway_error_hint(err, "rules name the partitioned table; its partitions follow it");
		goto out;
	}
	c = find_column(t, r->column);
	if (!c) {
		runway_error_set(err, RUNWAY_E_CONFIG, "mask rule '%s': table '%s' has no column '%s'",
				 name, r->table, r->column);
		goto out;
	}
	if (c->generated) {
		runway_error_set(err, RUNWAY_E_CONFIG, "mask rule '%s': column '%s' is generated",
				 name, r->column);
		runway_error_hint(err, "mask the columns it is computed from");
		goto out;
	}
	if (r->fn == MASK_NULL && c->not_null) {
		runway_error_set(err, RUNWAY_E_CONFIG, "mask rule '%s': null cannot mask NOT NULL "
				 "column '%s'", name, r->column);
		runway_error_hint(err, "use set, hash or another function for it");
		goto out;
	}
	for (j = 0; j < i; j++) {
		if (tables[j] == t && !strcmp(rs->v[j].column, r->column)) {
			char *other = rule_name(&rs->v[j]);
			runway_error_set(err, RUNWAY_E_CONFIG, "mask rule '%s' names the same column "
					 "as '%s'", name, other);
			free(other);
			goto out;
		}
	}
	ret = 0;
out:
	free(name);
	return ret;
}

/*
 * A table that inherits (INHERITS, not a partition) from a table with rules
 * holds rows that SELECT on the parent returns, yet it is copied and
 * updated on its own: each child needs its own rule for the column, or its
 * originals would survive.
 */
static int check_children(const struct mask_rules *rs, size_t i, const struct schema *s,
			  const struct schema_table **tables, struct runway_error *err)
{
	const struct schema_table *t = tables[i];
	char *parent = t->obj.schema ? xasprintf("%s.%s", t->obj.schema, t->obj.name)
				     : xstrdup(t->obj.name);
	size_t k, j;
	int ret = 0;

	for (k = 0; k < s->ntables && !ret; k++) {
		const struct schema_table *u = &s->tables[k];
		bool covered = false;

		if (!strvec_has(&u->inherits, parent))
			continue;
		for (j = 0; j < rs->n; j++)
			if (tables[j] == u && !strcmp(rs->v[j].column, rs->v[i].column))
				covered = true;
		if (!covered) {
			char *name = rule_name(&rs->v[i]);
			runway_error_set(err, RUNWAY_E_CONFIG, "mask rule '%s': table '%s' inherits "
					 "from '%s' and has no rule for '%s'", name, u->obj.name,
					 t->obj.name, rs->v[i].column);
			runway_error_hint(err, "add a rule '%s%s%s.%s: ...' so its rows are masked too",
					  u->obj.schema ? u->obj.schema : "", u->obj.schema ? "." : "",
					  u->obj.name, rs->v[i].column);
			free(name);
			ret = -1;
		}
	}
	free(parent);
	return ret;
}

int mask_rules_check(const struct mask_rules *r, const struct schema *s,
		     struct runway_error *err)
{
	const struct schema_table **tables;
	size_t i;
	int ret = 0;

	if (!r || !r->n)
		return 0;
	tables = xcalloc(r->n, sizeof(*tables));
	for (i = 0; i < r->n && !ret; i++)
		ret = check_rule(r, i, s, tables, err);
	for (i = 0; i < r->n && !ret; i++)
		ret = check_children(r, i, s, tables, err);
	free(tables);
	return ret;
}
