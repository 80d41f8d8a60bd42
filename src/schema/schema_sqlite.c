/*
 * schema_sqlite.c - the schema model read from SQLite: sqlite_schema for
 * the objects, pragmas for their structure (table_xinfo, index_list,
 * index_xinfo, foreign_key_list), through the public driver API only.
 *
 * The pragmas know columns, keys and foreign keys, but not everything: the
 * names of constraints, CHECK expressions, generated-column expressions,
 * collations, AUTOINCREMENT, deferrable foreign keys, and the keys and WHERE
 * of an index exist only in the CREATE statement SQLite stores. So this
 * file has a small tokenizer for SQLite's SQL (strings, quoted identifiers,
 * comments, operators) and reads those parts from the tokens. Expressions
 * are re-spaced token by token ("lower( email )" and "lower(email)" are the
 * same key), so the model does not depend on how a statement was laid out;
 * views and triggers keep their CREATE statement exactly as stored.
 *
 * Left out: sqlite_* (SQLite's own), runway_* (runway's tables, with their
 * indexes and triggers), shadow tables of virtual tables, and the indexes
 * SQLite creates for PRIMARY KEY and UNIQUE (sqlite_autoindex_*: the
 * constraints stand for them).
 */
#include "util/common.h"
#include "schema/schema_impl.h"
#include "driver/driver.h"

/* ---- tokens -------------------------------------------------------------- */

enum tok_type { TK_WORD, TK_QUOTED, TK_STRING, TK_NUMBER, TK_PUNCT };

struct tok {
	enum tok_type type;
	const char *p;
	size_t len;
};

struct toks {
	struct tok *v;
	size_t n, alloc;
};

static bool word_char(unsigned char c)
{
	return isalnum(c) || c == '_' || c == '$' || c >= 0x80;
}

static void push_tok(struct toks *t, enum tok_type type, const char *p, size_t len)
{
	t->v = xgrow(t->v, sizeof(*t->v), t->n + 1, &t->alloc);
	t->v[t->n].type = type;
	t->v[t->n].p = p;
	t->v[t->n].len = len;
	t->n++;
}

/* Split sql into tokens, dropping white space and comments. */
static void lex(struct toks *t, const char *sql)
{
	static const char *const ops[] = { "->>", "->", "||", "<=", ">=", "<>", "!=", "==",
					   "<<", ">>" };
	const char *p = sql;

	while (*p) {
		const char *s = p;
		unsigned char c = (unsigned char)*p;
		size_t i;

		if (isspace(c)) {
			p++;
		} else if (p[0] == '-' && p[1] == '-') {
			while (*p && *p != '\n')
				p++;
		} else if (p[0] == '/' && p[1] == '*') {
			const char *e = strstr(p + 2, "*/");
			p = e ? e + 2 : p + strlen(p);
		} else if (c == '\'' || c == '"' || c == '`' || c == '[' ||
			   ((c == 'x' || c == 'X') && p[1] == '\'')) {
			char close = c == '[' ? ']' : c == 'x' || c == 'X' ? '\'' : (char)c;
			if (c == 'x' || c == 'X')
				p++;
			for (p++; *p; p++) {
				if (*p == close) {
					if (close != ']' && p[1] == close) {
						p++;
						continue;
					}
					p++;
					break;
				}
			}
			push_tok(t, c == '\'' || c == 'x' || c == 'X' ? TK_STRING : TK_QUOTED, s,
				 (size_t)(p - s));
		} else if (isdigit(c) || (c == '.' && isdigit((unsigned char)p[1]))) {
			if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
				for (p += 2; isxdigit((unsigned char)*p); p++)
					;
			} else {
				while (isdigit((unsigned char)*p) || *p == '.' || *p == '_')
					p++;
				if ((*p == 'e' || *p == 'E') &&
				    (isdigit((unsigned char)p[1]) ||
				     ((p[1] == '+' || p[1] == '-') && isdigit((unsigned char)p[2])))) {
					for (p += 2; isdigit((unsigned char)*p); p++)
						;
				}
			}
			push_tok(t, TK_NUMBER, s, (size_t)(p - s));
		} else if (word_char(c)) {
			while (word_char((unsigned char)*p))
				p++;
			push_tok(t, TK_WORD, s, (size_t)(p - s));
		} else {
			size_t n = 1;
			for (i = 0; i < ARRAY_SIZE(ops); i++)
				if (!strncmp(p, ops[i], strlen(ops[i]))) {
					n = strlen(ops[i]);
					break;
				}
			p += n;
			push_tok(t, TK_PUNCT, s, n);
		}
	}
}

static bool is_kw(const struct toks *t, size_t i, const char *kw)
{
	return i < t->n && t->v[i].type == TK_WORD && t->v[i].len == strlen(kw) &&
	       !strncasecmp(t->v[i].p, kw, t->v[i].len);
}

static bool is_punct(const struct toks *t, size_t i, char c)
{
	return i < t->n && t->v[i].type == TK_PUNCT && t->v[i].len == 1 && t->v[i].p[0] == c;
}

/* Index just past the parenthesised group that starts at i (an "("). */
static size_t skip_group(const struct toks *t, size_t i)
{
	int depth = 0;
	for (; i < t->n; i++) {
		if (is_punct(t, i, '('))
			depth++;
		else if (is_punct(t, i, ')') && --depth == 0)
			return i + 1;
	}
	return t->n;
}

/* The name a token stands for: quotes removed, doubled quotes undone. */
static char *unquote(const struct tok *k)
{
	struct runway_buf b = RUNWAY_BUF_INIT;
	size_t i;
	char close;

	if (k->type != TK_QUOTED || k->len < 2)
		return xstrndup(k->p, k->len);
	close = k->p[0] == '[' ? ']' : k->p[0];
	for (i = 1; i + 1 < k->len; i++) {
		runway_buf_addch(&b, k->p[i]);
		if (k->p[i] == close && close != ']' && i + 2 < k->len && k->p[i + 1] == close)
			i++;
	}
	return runway_buf_detach(&b);
}

/*
 * Tokens [a, b) as canonical text: one space between tokens, none inside
 * parentheses' edges, before "," or around ".", none between a name and
 * its "(" and none after a unary sign.
 */
static char *canon(const struct toks *t, size_t a, size_t b)
{
	struct runway_buf out = RUNWAY_BUF_INIT;
	bool unary = false;
	size_t i;

	for (i = a; i < b && i < t->n; i++) {
		const struct tok *k = &t->v[i], *prev = i > a ? &t->v[i - 1] : NULL;
		bool space = prev != NULL;

		if (prev && prev->type == TK_PUNCT && prev->len == 1 &&
		    (prev->p[0] == '(' || prev->p[0] == '.'))
			space = false;
		if (k->type == TK_PUNCT && k->len == 1 &&
		    (k->p[0] == ')' || k->p[0] == ',' || k->p[0] == '.'))
			space = false;
		if (prev && k->type == TK_PUNCT && k->len == 1 && k->p[0] == '(' &&
		    (prev->type == TK_WORD || prev->type == TK_QUOTED))
			space = false;
		if (unary)
			space = false;
		unary = k->type == TK_PUNCT && k->len == 1 && (k->p[0] == '-' || k->p[0] == '+') &&
			(!prev || (prev->type == TK_PUNCT && !(prev->len == 1 && prev->p[0] == ')')));
		if (space)
			runway_buf_addch(&out, ' ');
		runway_buf_add(&out, k->p, k->len);
	}
	return runway_buf_detach(&out);
}

static char *canon_sql(const char *sql)
{
	struct toks t = { NULL, 0, 0 };
	char *s;
	lex(&t, sql);
	s = canon(&t, 0, t.n);
	free(t.v);
	return s;
}

static char *lower(const char *s)
{
	char *r = xstrdup(s), *p;
	for (p = r; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return r;
}

static char *upper_dup(const char *s)
{
	char *r = xstrdup(s), *p;
	for (p = r; *p; p++)
		*p = (char)toupper((unsigned char)*p);
	return r;
}

/* ---- what CREATE TABLE says that the pragmas do not -------------------- */

struct parsed_con {
	enum schema_constraint_type type;
	char *name;           /* CONSTRAINT name, or NULL */
	struct strvec columns;
	char *expr;           /* CHECK */
	char *deferrable;     /* foreign key: "DEFERRABLE [INITIALLY DEFERRED]" */
};

struct parsed_col {
	char *name;
	char *generated; /* expression */
	char *collation;
};

struct parsed_table {
	struct parsed_con *cons;
	size_t ncons, cons_alloc;
	struct parsed_col *cols;
	size_t ncols, cols_alloc;
	bool autoincrement;
	bool without_rowid;
	bool strict;
	char *virtual_using;
};

static void parsed_release(struct parsed_table *p)
{
	size_t i;
	for (i = 0; i < p->ncons; i++) {
		free(p->cons[i].name);
		strvec_release(&p->cons[i].columns);
		free(p->cons[i].expr);
		free(p->cons[i].deferrable);
	}
	free(p->cons);
	for (i = 0; i < p->ncols; i++) {
		free(p->cols[i].name);
		free(p->cols[i].generated);
		free(p->cols[i].collation);
	}
	free(p->cols);
	free(p->virtual_using);
}

static struct parsed_con *add_con(struct parsed_table *p, enum schema_constraint_type type,
				  char **name)
{
	struct parsed_con *c;
	p->cons = xgrow(p->cons, sizeof(*p->cons), p->ncons + 1, &p->cons_alloc);
	c = &p->cons[p->ncons++];
	memset(c, 0, sizeof(*c));
	c->type = type;
	c->name = *name;
	*name = NULL;
	return c;
}

/* Column names of the list "(a, b COLLATE x DESC)" at i; returns the index after it. */
static size_t name_list(const struct toks *t, size_t i, struct strvec *out)
{
	size_t end = skip_group(t, i);
	bool first = true;
	for (i++; i < end - 1; i++) {
		if (is_punct(t, i, ',')) {
			first = true;
		} else if (first) {
			char *n = unquote(&t->v[i]);
			strvec_push(out, n);
			free(n);
			first = false;
		} else if (is_punct(t, i, '(')) {
			i = skip_group(t, i) - 1;
		}
	}
	return end;
}

/* "DEFERRABLE [INITIALLY DEFERRED|IMMEDIATE]" in [i, end), unless NOT DEFERRABLE. */
static char *deferrable(const struct toks *t, size_t i, size_t end)
{
	for (; i < end; i++) {
		if (!is_kw(t, i, "DEFERRABLE") || (i > 0 && is_kw(t, i - 1, "NOT")))
			continue;
		if (is_kw(t, i + 1, "INITIALLY") && is_kw(t, i + 2, "DEFERRED"))
			return xstrdup("DEFERRABLE INITIALLY DEFERRED");
		return xstrdup("DEFERRABLE");
	}
	return NULL;
}

/* Read one item of the definition list: a table constraint or a column. */
static void parse_item(struct parsed_table *p, const struct toks *t, size_t a, size_t b)
{
	char *pending = NULL; /* CONSTRAINT name waiting for its constraint */
	struct parsed_col *col = NULL;
	struct parsed_con *c;
	size_t i = a;

	if (is_kw(t, a, "CONSTRAINT") || is_kw(t, a, "PRIMARY") || is_kw(t, a, "UNIQUE") ||
	    is_kw(t, a, "CHECK") || is_kw(t, a, "FOREIGN")) {
		/* a table constraint */
		if (is_kw(t, i, "CONSTRAINT") && i + 1 < b) {
			pending = unquote(&t->v[i + 1]);
			i += 2;
		}
		if (is_kw(t, i, "PRIMARY") && is_kw(t, i + 1, "KEY") && is_punct(t, i + 2, '(')) {
			c = add_con(p, SCHEMA_PRIMARY_KEY, &pending);
			name_list(t, i + 2, &c->columns);
		} else if (is_kw(t, i, "UNIQUE") && is_punct(t, i + 1, '(')) {
			c = add_con(p, SCHEMA_UNIQUE, &pending);
			name_list(t, i + 1, &c->columns);
		} else if (is_kw(t, i, "CHECK") && is_punct(t, i + 1, '(')) {
			c = add_con(p, SCHEMA_CHECK, &pending);
			c->expr = canon(t, i + 2, skip_group(t, i + 1) - 1);
		} else if (is_kw(t, i, "FOREIGN") && is_kw(t, i + 1, "KEY") && is_punct(t, i + 2, '(')) {
			c = add_con(p, SCHEMA_FOREIGN_KEY, &pending);
			name_list(t, i + 2, &c->columns);
			c->deferrable = deferrable(t, i, b);
		}
		free(pending);
		return;
	}

	/* a column: its name, its type, then column constraints */
	p->cols = xgrow(p->cols, sizeof(*p->cols), p->ncols + 1, &p->cols_alloc);
	col = &p->cols[p->ncols++];
	memset(col, 0, sizeof(*col));
	col->name = unquote(&t->v[a]);
	for (i = a + 1; i < b; i++) {
		if (is_punct(t, i, '(')) {
			i = skip_group(t, i) - 1;
		} else if (is_kw(t, i, "CONSTRAINT") && i + 1 < b) {
			free(pending);
			pending = unquote(&t->v[++i]);
		} else if (is_kw(t, i, "PRIMARY")) {
			c = add_con(p, SCHEMA_PRIMARY_KEY, &pending);
			strvec_push(&c->columns, col->name);
		} else if (is_kw(t, i, "UNIQUE")) {
			c = add_con(p, SCHEMA_UNIQUE, &pending);
			strvec_push(&c->columns, col->name);
		} else if (is_kw(t, i, "CHECK") && is_punct(t, i + 1, '(')) {
			c = add_con(p, SCHEMA_CHECK, &pending);
			c->expr = canon(t, i + 2, skip_group(t, i + 1) - 1);
			i = skip_group(t, i + 1) - 1;
		} else if (is_kw(t, i, "REFERENCES")) {
			c = add_con(p, SCHEMA_FOREIGN_KEY, &pending);
			strvec_push(&c->columns, col->name);
			c->deferrable = deferrable(t, i, b);
		} else if (is_kw(t, i, "AS") && is_punct(t, i + 1, '(')) {
			free(col->generated);
			col->generated = canon(t, i + 2, skip_group(t, i + 1) - 1);
			i = skip_group(t, i + 1) - 1;
		} else if (is_kw(t, i, "COLLATE") && i + 1 < b) {
			char *n = unquote(&t->v[++i]);
			free(col->collation);
			col->collation = upper_dup(n);
			free(n);
		} else if (is_kw(t, i, "DEFAULT") && i + 1 < b) {
			i++; /* the value (a group is skipped above on the next turn) */
			if (is_punct(t, i, '('))
				i = skip_group(t, i) - 1;
			else if (t->v[i].type == TK_PUNCT && i + 1 < b)
				i++; /* a sign, then the number */
		}
	}
	free(pending);
}

/* Parse the CREATE [VIRTUAL] TABLE statement sql into p (best effort: odd SQL yields less). */
static void parse_table(struct parsed_table *p, const char *sql)
{
	struct toks t = { NULL, 0, 0 };
	size_t i = 0, end, start;

	lex(&t, sql);
	while (i < t.n && !is_kw(&t, i, "TABLE"))
		i++;
	i++;
	if (is_kw(&t, i, "IF") && is_kw(&t, i + 1, "NOT") && is_kw(&t, i + 2, "EXISTS"))
		i += 3;
	i++; /* the name */
	if (is_punct(&t, i, '.'))
		i += 2;
	if (is_kw(&t, i, "USING")) {
		p->virtual_using = canon(&t, i + 1, t.n);
		goto out;
	}
	if (!is_punct(&t, i, '('))
		goto out; /* CREATE TABLE ... AS SELECT: no constraints */
	end = skip_group(&t, i);
	for (start = ++i; i < end; i++) {
		if (is_punct(&t, i, '(')) {
			i = skip_group(&t, i) - 1;
		} else if (is_punct(&t, i, ',') || i == end - 1) {
			if (i > start)
				parse_item(p, &t, start, i);
			start = i + 1;
		}
	}
	for (i = 0; i < t.n; i++)
		if (is_kw(&t, i, "AUTOINCREMENT"))
			p->autoincrement = true;
	for (i = end; i < t.n; i++) {
		if (is_kw(&t, i, "WITHOUT") && is_kw(&t, i + 1, "ROWID"))
			p->without_rowid = true;
		if (is_kw(&t, i, "STRICT"))
			p->strict = true;
	}
out:
	free(t.v);
}

/* ---- reading ------------------------------------------------------------- */

#define CELL(r, i, k) rows_get((r), (i), (k))

/* driver_query into rows that may hold an earlier result (released first). */
static int query(struct runway_conn *c, const char *sql, const char *const *params,
		 size_t nparams, struct runway_rows *r, struct runway_error *err)
{
	rows_release(r);
	return driver_query(c, sql, params, nparams, r, err);
}

/* Same column lists, names compared as SQLite does (ASCII case-insensitive). */
static bool same_names(const struct strvec *a, const struct strvec *b)
{
	size_t i;
	if (a->n != b->n)
		return false;
	for (i = 0; i < a->n; i++)
		if (strcasecmp(a->v[i], b->v[i]))
			return false;
	return true;
}

/* The parsed constraint of this type over these columns, or NULL. */
static const struct parsed_con *find_con(const struct parsed_table *p,
					 enum schema_constraint_type type,
					 const struct strvec *cols)
{
	size_t i;
	for (i = 0; i < p->ncons; i++)
		if (p->cons[i].type == type && same_names(&p->cons[i].columns, cols))
			return &p->cons[i];
	return NULL;
}

static const struct parsed_col *find_col(const struct parsed_table *p, const char *name)
{
	size_t i;
	for (i = 0; i < p->ncols; i++)
		if (!strcasecmp(p->cols[i].name, name))
			return &p->cols[i];
	return NULL;
}

static void add_name_list(struct runway_buf *b, const struct strvec *names)
{
	size_t i;
	runway_buf_addch(b, '(');
	for (i = 0; i < names->n; i++) {
		if (i)
			runway_buf_adds(b, ", ");
		schema_buf_ident(b, names->v[i]);
	}
	runway_buf_addch(b, ')');
}

static int read_columns(struct schema_table *t, const struct parsed_table *p,
			struct runway_conn *c, struct runway_rows *r, struct runway_error *err)
{
	const char *params[1] = { t->obj.name };
	struct strvec pk = STRVEC_INIT;
	size_t i;

	/* pragma rows come in column order; pk is the position in the primary key */
	if (query(c, "SELECT name, type, \"notnull\", dflt_value, pk, hidden"
		  " FROM pragma_table_xinfo($1, 'main') ORDER BY cid", params, 1, r, err) < 0)
		return -1;
	for (i = 0; i < r->nrows; i++) {
		const char *hidden = CELL(r, i, 5) ? CELL(r, i, 5) : "0";
		const struct parsed_col *pc = find_col(p, CELL(r, i, 0));
		struct schema_column *col;
		char *type;

		if (!strcmp(hidden, "1"))
			continue; /* a hidden column of a virtual table */
		col = schema_table_add_column(t, CELL(r, i, 0));
		type = canon_sql(CELL(r, i, 1) ? CELL(r, i, 1) : "");
		col->type = lower(type);
		free(type);
		col->not_null = CELL(r, i, 2) && strcmp(CELL(r, i, 2), "0");
		col->default_expr = CELL(r, i, 3) ? canon_sql(CELL(r, i, 3)) : NULL;
		if (!strcmp(hidden, "2") || !strcmp(hidden, "3")) {
			col->generated = xstrdup(pc && pc->generated ? pc->generated : "?");
			col->generated_stored = !strcmp(hidden, "3");
		}
		col->collation = schema_strdup(pc ? pc->collation : NULL);
	}
	/* the primary key, in key order */
	for (;;) {
		size_t best = SIZE_MAX;
		long want = (long)pk.n + 1;
		for (i = 0; i < r->nrows; i++)
			if (CELL(r, i, 4) && strtol(CELL(r, i, 4), NULL, 10) == want)
				best = i;
		if (best == SIZE_MAX)
			break;
		strvec_push(&pk, CELL(r, best, 0));
	}
	if (pk.n) {
		const struct parsed_con *pc = find_con(p, SCHEMA_PRIMARY_KEY, &pk);
		struct schema_constraint *con = schema_table_add_constraint(t, pc ? pc->name : NULL);
		struct runway_buf b = RUNWAY_BUF_INIT;
		con->type = SCHEMA_PRIMARY_KEY;
		runway_buf_adds(&b, "PRIMARY KEY ");
		add_name_list(&b, &pk);
		if (p->autoincrement) {
			/* SQLite takes it inside the list too: PRIMARY KEY (id AUTOINCREMENT) */
			runway_buf_truncate(&b, b.len - 1);
			runway_buf_adds(&b, " AUTOINCREMENT)");
		}
		con->definition = runway_buf_detach(&b);
		con->columns = pk;
		memset(&pk, 0, sizeof(pk));
	}
	strvec_release(&pk);
	return 0;
}

/* UNIQUE constraints: the indexes SQLite made for them (origin 'u'). */
static int read_unique(struct schema_table *t, const struct parsed_table *p,
		       struct runway_conn *c, struct runway_rows *r, struct runway_error *err)
{
	struct runway_rows cols = RUNWAY_ROWS_INIT;
	const char *params[1] = { t->obj.name };
	size_t i, k;
	int ret = -1;

	if (query(c, "SELECT name FROM pragma_index_list($1, 'main') WHERE origin = 'u'",
		  params, 1, r, err) < 0)
		goto out;
	for (i = 0; i < r->nrows; i++) {
		const char *iparams[1] = { CELL(r, i, 0) };
		const struct parsed_con *pc;
		struct schema_constraint *con;
		struct strvec names = STRVEC_INIT;
		struct runway_buf b = RUNWAY_BUF_INIT;

		if (query(c, "SELECT name FROM pragma_index_xinfo($1, 'main')"
			  " WHERE key = 1 ORDER BY seqno", iparams, 1, &cols, err) < 0)
			goto out;
		for (k = 0; k < cols.nrows; k++)
			strvec_push(&names, CELL(&cols, k, 0) ? CELL(&cols, k, 0) : "?");
		rows_release(&cols);
		pc = find_con(p, SCHEMA_UNIQUE, &names);
		con = schema_table_add_constraint(t, pc ? pc->name : NULL);
		con->type = SCHEMA_UNIQUE;
		runway_buf_adds(&b, "UNIQUE ");
		add_name_list(&b, &names);
		con->definition = runway_buf_detach(&b);
		con->columns = names;
	}
	ret = 0;
out:
	rows_release(&cols);
	return ret;
}

/* Foreign keys from the pragma, one constraint per id, names and DEFERRABLE from p. */
static int read_foreign_keys(struct schema_table *t, const struct parsed_table *p,
			     struct runway_conn *c, struct runway_rows *r, struct runway_error *err)
{
	const char *params[1] = { t->obj.name };
	size_t i = 0, j;

	if (query(c, "SELECT id, \"table\", \"from\", \"to\", on_update, on_delete, \"match\""
		  " FROM pragma_foreign_key_list($1, 'main') ORDER BY id, seq",
		  params, 1, r, err) < 0)
		return -1;
	while (i < r->nrows) {
		struct strvec from = STRVEC_INIT, to = STRVEC_INIT;
		struct runway_buf b = RUNWAY_BUF_INIT;
		const struct parsed_con *pc;
		struct schema_constraint *con;
		const char *id = CELL(r, i, 0), *v;

		for (j = i; j < r->nrows && !schema_strcmp(CELL(r, j, 0), id); j++) {
			strvec_push(&from, CELL(r, j, 2) ? CELL(r, j, 2) : "?");
			if (CELL(r, j, 3))
				strvec_push(&to, CELL(r, j, 3));
		}
		pc = find_con(p, SCHEMA_FOREIGN_KEY, &from);
		con = schema_table_add_constraint(t, pc ? pc->name : NULL);
		con->type = SCHEMA_FOREIGN_KEY;
		con->ref_table = xstrdup(CELL(r, i, 1) ? CELL(r, i, 1) : "?");
		runway_buf_adds(&b, "FOREIGN KEY ");
		add_name_list(&b, &from);
		runway_buf_adds(&b, " REFERENCES ");
		schema_buf_ident(&b, con->ref_table);
		if (to.n == from.n) {
			runway_buf_addch(&b, ' ');
			add_name_list(&b, &to);
		} else {
			strvec_release(&to); /* the parent's primary key */
		}
		if ((v = CELL(r, i, 4)) && strcmp(v, "NO ACTION"))
			runway_buf_addf(&b, " ON UPDATE %s", v);
		if ((v = CELL(r, i, 5)) && strcmp(v, "NO ACTION"))
			runway_buf_addf(&b, " ON DELETE %s", v);
		if ((v = CELL(r, i, 6)) && strcmp(v, "NONE"))
			runway_buf_addf(&b, " MATCH %s", v);
		if (pc && pc->deferrable)
			runway_buf_addf(&b, " %s", pc->deferrable);
		con->definition = runway_buf_detach(&b);
		con->columns = from;
		con->ref_columns = to;
		i = j;
	}
	return 0;
}

static int read_table(struct schema_table *t, const char *sql, struct runway_conn *c,
		      struct runway_rows *r, struct runway_error *err)
{
	struct parsed_table p;
	size_t i;
	int ret = -1;

	memset(&p, 0, sizeof(p));
	parse_table(&p, sql ? sql : "");
	if (p.without_rowid)
		strvec_push(&t->options, "without rowid");
	if (p.strict)
		strvec_push(&t->options, "strict");
	t->virtual_using = p.virtual_using;
	p.virtual_using = NULL;
	if (read_columns(t, &p, c, r, err) < 0 || read_unique(t, &p, c, r, err) < 0)
		goto out;
	for (i = 0; i < p.ncons; i++) {
		struct schema_constraint *con;
		if (p.cons[i].type != SCHEMA_CHECK)
			continue;
		con = schema_table_add_constraint(t, p.cons[i].name);
		con->type = SCHEMA_CHECK;
		con->definition = xasprintf("CHECK (%s)", p.cons[i].expr ? p.cons[i].expr : "");
	}
	if (read_foreign_keys(t, &p, c, r, err) < 0)
		goto out;
	ret = 0;
out:
	parsed_release(&p);
	return ret;
}

/*
 * An index from its CREATE INDEX statement:
 * CREATE [UNIQUE] INDEX [IF NOT EXISTS] [schema.]name ON table (keys) [WHERE expr]
 */
static void read_index(struct schema_index *x, const char *sql)
{
	struct toks t = { NULL, 0, 0 };
	struct runway_buf b = RUNWAY_BUF_INIT;
	size_t i = 0, end, start;

	lex(&t, sql);
	x->unique = is_kw(&t, 1, "UNIQUE");
	while (i < t.n && !is_kw(&t, i, "ON"))
		i++;
	while (i < t.n && !is_punct(&t, i, '('))
		i++;
	end = skip_group(&t, i);
	for (start = ++i; i < end; i++) {
		if (is_punct(&t, i, '(')) {
			i = skip_group(&t, i) - 1;
		} else if (is_punct(&t, i, ',') || i == end - 1) {
			if (i > start) {
				char *k = canon(&t, start, i);
				strvec_push(&x->keys, k);
				free(k);
			}
			start = i + 1;
		}
	}
	if (is_kw(&t, end, "WHERE"))
		x->predicate = canon(&t, end + 1, t.n);
	free(t.v);

	runway_buf_addf(&b, "CREATE %sINDEX ", x->unique ? "UNIQUE " : "");
	schema_buf_ident(&b, x->obj.name);
	runway_buf_adds(&b, " ON ");
	schema_buf_ident(&b, x->table);
	runway_buf_adds(&b, " (");
	for (i = 0; i < x->keys.n; i++)
		runway_buf_addf(&b, "%s%s", i ? ", " : "", x->keys.v[i]);
	runway_buf_addch(&b, ')');
	if (x->predicate)
		runway_buf_addf(&b, " WHERE %s", x->predicate);
	x->definition = runway_buf_detach(&b);
}

/* Names of shadow tables (of virtual tables such as fts5), which the model leaves out. */
static int read_shadow(struct strvec *out, struct runway_conn *c, struct runway_rows *r,
		       struct runway_error *err)
{
	long major = 0, minor = 0;
	size_t i;

	if (query(c, "SELECT sqlite_version()", NULL, 0, r, err) < 0)
		return -1;
	if (r->nrows && CELL(r, 0, 0) && sscanf(CELL(r, 0, 0), "%ld.%ld", &major, &minor) != 2)
		major = minor = 0;
	if (major < 3 || (major == 3 && minor < 37))
		return 0; /* no pragma table_list before 3.37 */
	if (query(c, "SELECT name FROM pragma_table_list WHERE schema = 'main'"
		  " AND type = 'shadow'", NULL, 0, r, err) < 0)
		return -1;
	for (i = 0; i < r->nrows; i++)
		strvec_push(out, CELL(r, i, 0));
	return 0;
}

static int read_all(struct schema *s, struct runway_conn *c, struct runway_error *err)
{
	struct runway_rows objs = RUNWAY_ROWS_INIT, r = RUNWAY_ROWS_INIT;
	struct strvec shadow = STRVEC_INIT;
	size_t i, ntables = 0;
	int ret = -1;

	if (read_shadow(&shadow, c, &r, err) < 0)
		goto out;
	/* LIKE is case-insensitive, as SQLite's names are */
	if (query(c, "SELECT type, name, tbl_name, sql FROM sqlite_schema"
		  " WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
		  " AND name NOT LIKE 'runway\\_%' ESCAPE '\\'"
		  " AND tbl_name NOT LIKE 'runway\\_%' ESCAPE '\\'"
		  " AND type IN ('table', 'view', 'index', 'trigger')",
		  NULL, 0, &objs, err) < 0)
		goto out;
	for (i = 0; i < objs.nrows; i++) {
		const char *type = CELL(&objs, i, 0), *name = CELL(&objs, i, 1);
		const char *tbl = CELL(&objs, i, 2), *sql = CELL(&objs, i, 3);

		if (!type || !name || strvec_has(&shadow, name))
			continue;
		if (!strcmp(type, "table")) {
			schema_add_table(s, NULL, name);
		} else if (!strcmp(type, "view")) {
			struct schema_view *v = schema_add_view(s, NULL, name);
			v->definition = xstrdup(sql ? sql : "");
		} else if (!strcmp(type, "trigger")) {
			struct schema_trigger *t = schema_add_trigger(s, NULL, name);
			t->table = xstrdup(tbl ? tbl : "");
			t->definition = xstrdup(sql ? sql : "");
		} else if (sql && !strvec_has(&shadow, tbl ? tbl : "")) {
			/* an index; sql is NULL for the automatic ones of PRIMARY KEY and UNIQUE */
			struct schema_index *x = schema_add_index(s, NULL, name);
			x->table = xstrdup(tbl ? tbl : "");
			read_index(x, sql);
		}
	}
	/* the tables were added in row order: walk the rows again to fill them */
	for (i = 0; i < objs.nrows; i++) {
		const char *type = CELL(&objs, i, 0), *name = CELL(&objs, i, 1);
		if (!type || !name || strvec_has(&shadow, name) || strcmp(type, "table"))
			continue;
		if (read_table(&s->tables[ntables++], CELL(&objs, i, 3), c, &r, err) < 0)
			goto out;
	}
	ret = 0;
out:
	rows_release(&r);
	rows_release(&objs);
	strvec_release(&shadow);
	return ret;
}

int schema_read_sqlite(struct schema *s, struct runway_conn *c, struct runway_error *err)
{
	struct runway_error ignore = RUNWAY_ERROR_INIT;
	int ret;

	/* a plain (deferred) BEGIN: one snapshot, no write lock */
	if (driver_exec(c, "BEGIN", err) < 0) {
		runway_error_prefix(err, "cannot read the schema of '%s'", driver_url(c));
		return -1;
	}
	ret = read_all(s, c, err);
	if (ret < 0)
		runway_error_prefix(err, "cannot read the schema of '%s'", driver_url(c));
	if (driver_exec(c, "ROLLBACK", ret < 0 ? &ignore : err) < 0)
		ret = -1;
	runway_error_clear(&ignore);
	return ret;
}
