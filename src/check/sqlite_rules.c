/*
 * sqlite_rules.c - the SQLite rules, with SQLite's own parser.
 *
 * Each deploy statement is prepared (sqlite3_prepare_v3) against a scratch
 * in-memory database that holds the schema so far: the target's schema when
 * there is one, then every statement checked before. Preparing reports
 * syntax errors exactly as a deploy would; the authorizer callback says
 * what the statement does (drops table t, alters table t, deletes from t,
 * begins a transaction) with the names resolved by SQLite. Then the
 * statement runs on the scratch copy (its tables are empty, so that is
 * instant) and the catalog before and after tells an ALTER TABLE's kind:
 * a column gone (drop-column), renamed (rename-column), a table renamed, a
 * NOT NULL column added without a default.
 *
 * SQLite's API does not expose the parse tree, so whether a DELETE or
 * UPDATE has a WHERE clause is read from the statement's tokens: a WHERE
 * keyword outside parentheses, strings, identifiers and comments.
 */
#include "util/common.h"
#include "check/check_impl.h"

#include <sqlite3.h>
#include <unistd.h>

struct action {
	int code;
	char *a, *b;
};

struct lite {
	sqlite3 *db;
	bool schema_complete;   /* the scratch holds everything before (not guessed) */
	struct action *acts;
	size_t nacts, aacts;
	struct strvec stubs;    /* tables made up for statements about unknown ones */
	struct strset fks_seen; /* foreign keys recorded already */
};

static int authorizer(void *data, int code, const char *a, const char *b, const char *db,
		      const char *trigger)
{
	struct lite *l = data;
	struct action *x;
	if (trigger) /* statements of a trigger body, not this statement */
		return SQLITE_OK;
	/* the scratch copy must not reach files: no ATTACH */
	if (code == SQLITE_ATTACH || code == SQLITE_DETACH)
		return SQLITE_DENY;
	l->acts = xgrow(l->acts, sizeof(*l->acts), l->nacts + 1, &l->aacts);
	x = &l->acts[l->nacts++];
	x->code = code;
	x->a = a ? xstrdup(a) : NULL;
	x->b = b ? xstrdup(b) : NULL;
	return SQLITE_OK;
}

static void clear_actions(struct lite *l)
{
	size_t i;
	for (i = 0; i < l->nacts; i++) {
		free(l->acts[i].a);
		free(l->acts[i].b);
	}
	l->nacts = 0;
}

static int exec_all(sqlite3 *db, const char *sql)
{
	return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

/* Copy the schema of the target file into the scratch database. */
static int seed(struct lite *l, const char *path, struct runway_error *err)
{
	sqlite3 *src = NULL;
	sqlite3_stmt *st = NULL;
	char *uri = xasprintf("file:%s?mode=ro", path);
	int ret = -1;

	if (access(path, F_OK) != 0) {
		ret = 0; /* a target not created yet: its schema is empty */
		goto out;
	}
	if (sqlite3_open_v2(uri, &src, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(src,
			       "SELECT sql FROM sqlite_schema WHERE sql IS NOT NULL AND "
			       "name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY rowid",
			       -1, &st, NULL) != SQLITE_OK) {
		runway_error_set(err, RUNWAY_E_IO, "cannot read the schema of '%s': %s", path,
				 sqlite3_errmsg(src));
		goto out;
	}
	while (sqlite3_step(st) == SQLITE_ROW)
		exec_all(l->db, (const char *)sqlite3_column_text(st, 0));
	ret = 0;
out:
	sqlite3_finalize(st);
	sqlite3_close(src);
	free(uri);
	return ret;
}

int sqlite_check_begin(struct check_cx *cx, struct runway_error *err)
{
	struct lite *l = xcalloc(1, sizeof(*l));
	size_t i;
	cx->engine = l;
	if (sqlite3_open(":memory:", &l->db) != SQLITE_OK)
		return runway_error_set(err, RUNWAY_E_INTERNAL, "cannot open a scratch database");
	l->schema_complete = cx->o->schema_complete;
	if (cx->o->sqlite_schema_from && seed(l, cx->o->sqlite_schema_from, err) < 0)
		return -1;
	/* earlier changes, not checked: they make the tables the checked ones find */
	for (i = 0; i < cx->o->nreplay; i++) {
		const struct change *c = &cx->o->replay[i].change;
		if (!cx->o->replay[i].broken && c->deploy.text)
			exec_all(l->db, c->deploy.text);
	}
	return 0;
}

void sqlite_check_end(struct check_cx *cx)
{
	struct lite *l = cx->engine;
	if (!l)
		return;
	clear_actions(l);
	free(l->acts);
	strvec_release(&l->stubs);
	strset_release(&l->fks_seen);
	sqlite3_close(l->db);
	free(l);
	cx->engine = NULL;
}

/* ---- the catalog of the scratch database ------------------------------- */

struct col {
	char *name;
	bool notnull, has_default;
};

static void columns(sqlite3 *db, const char *table, struct col **out, size_t *n)
{
	sqlite3_stmt *st = NULL;
	size_t alloc = 0;
	*out = NULL;
	*n = 0;
	if (sqlite3_prepare_v2(db, "SELECT name, \"notnull\", dflt_value IS NOT NULL FROM pragma_table_info(?1)",
			       -1, &st, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_text(st, 1, table, -1, SQLITE_TRANSIENT);
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct col *c;
		*out = xgrow(*out, sizeof(**out), *n + 1, &alloc);
		c = &(*out)[(*n)++];
		c->name = xstrdup((const char *)sqlite3_column_text(st, 0));
		c->notnull = sqlite3_column_int(st, 1);
		c->has_default = sqlite3_column_int(st, 2);
	}
	sqlite3_finalize(st);
}

static void columns_free(struct col *c, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++)
		free(c[i].name);
	free(c);
}

static bool has_col(const struct col *c, size_t n, const char *name)
{
	size_t i;
	for (i = 0; i < n; i++)
		if (!sqlite3_stricmp(c[i].name, name))
			return true;
	return false;
}

static void tables(sqlite3 *db, struct strvec *out)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name",
			       -1, &st, NULL) != SQLITE_OK)
		return;
	while (sqlite3_step(st) == SQLITE_ROW)
		strvec_push(out, (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
}

/* Foreign keys of a table created in this run, each recorded once. */
static void learn_fks(struct check_cx *cx, struct lite *l, const char *table, size_t off)
{
	sqlite3_stmt *st = NULL;
	char *key = check_table_key(NULL, table);
	if (sqlite3_prepare_v2(l->db,
			       "SELECT group_concat(\"from\", ','), \"table\" FROM "
			       "(SELECT * FROM pragma_foreign_key_list(?1) ORDER BY id, seq) GROUP BY id",
			       -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, table, -1, SQLITE_TRANSIENT);
		while (sqlite3_step(st) == SQLITE_ROW) {
			const char *cols = (const char *)sqlite3_column_text(st, 0);
			char *seen = xasprintf("%s|%s|%s", key, cols ? cols : "",
					       (const char *)sqlite3_column_text(st, 1));
			if (strset_add(&l->fks_seen, seen)) {
				char *shown = xasprintf("%s (%s)", table, cols ? cols : "");
				check_record_fk(cx, key, cols ? cols : "", shown, off);
				free(shown);
			}
			free(seen);
		}
	}
	sqlite3_finalize(st);
	free(key);
}

/* Indexes and foreign keys of a table just created, for foreign-key-without-index. */
static void learn_table(struct check_cx *cx, struct lite *l, const char *table, size_t off)
{
	sqlite3_stmt *st = NULL;
	char *key = check_table_key(NULL, table);

	/* the rowid alias (INTEGER PRIMARY KEY) is an index of its own */
	if (sqlite3_prepare_v2(l->db,
			       "SELECT group_concat(name, ',') FROM (SELECT name FROM pragma_table_info(?1) WHERE pk > 0 ORDER BY pk)",
			       -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, table, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
			check_record_index(cx, key, (const char *)sqlite3_column_text(st, 0));
	}
	sqlite3_finalize(st);
	if (sqlite3_prepare_v2(l->db,
			       "SELECT (SELECT group_concat(name, ',') FROM (SELECT name FROM pragma_index_info(il.name) ORDER BY seqno)) "
			       "FROM pragma_index_list(?1) AS il WHERE il.partial = 0",
			       -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, table, -1, SQLITE_TRANSIENT);
		while (sqlite3_step(st) == SQLITE_ROW)
			if (sqlite3_column_text(st, 0))
				check_record_index(cx, key, (const char *)sqlite3_column_text(st, 0));
	}
	sqlite3_finalize(st);
	learn_fks(cx, l, table, off);
	free(key);
}

static void learn_index(struct check_cx *cx, struct lite *l, const char *index, const char *table)
{
	sqlite3_stmt *st = NULL;
	char *key = check_table_key(NULL, table);
	strset_add(&cx->new_indexes, index);
	if (sqlite3_prepare_v2(l->db,
			       "SELECT group_concat(name, ',') FROM (SELECT name FROM pragma_index_info(?1) ORDER BY seqno) "
			       "WHERE NOT EXISTS (SELECT 1 FROM sqlite_schema WHERE name = ?1 AND sql LIKE '% WHERE %')",
			       -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, index, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
			check_record_index(cx, key, (const char *)sqlite3_column_text(st, 0));
	}
	sqlite3_finalize(st);
	free(key);
}

/* ---- tokens ------------------------------------------------------------- */

/* Is there a WHERE keyword at parenthesis depth 0 in sql[0, len)? */
static bool top_level_where(const char *s, size_t len)
{
	size_t i = 0;
	int depth = 0;
	while (i < len) {
		char c = s[i];
		if (c == '\'' || c == '"' || c == '`' || c == '[') {
			char close = c == '[' ? ']' : c;
			for (i++; i < len; i++)
				if (s[i] == close) {
					if (close != ']' && i + 1 < len && s[i + 1] == close) {
						i++;
						continue;
					}
					break;
				}
			i++;
		} else if (c == '-' && i + 1 < len && s[i + 1] == '-') {
			while (i < len && s[i] != '\n')
				i++;
		} else if (c == '/' && i + 1 < len && s[i + 1] == '*') {
			for (i += 2; i + 1 < len && !(s[i] == '*' && s[i + 1] == '/'); i++)
				;
			i += 2;
		} else if (c == '(') {
			depth++, i++;
		} else if (c == ')') {
			depth--, i++;
		} else if (isalpha((unsigned char)c) || c == '_') {
			size_t j = i;
			while (j < len && (isalnum((unsigned char)s[j]) || s[j] == '_' || s[j] == '$'))
				j++;
			if (!depth && j - i == 5 && !strncasecmp(s + i, "where", 5))
				return true;
			i = j;
		} else {
			i++;
		}
	}
	return false;
}

/*
 * The next word of s from *i (a keyword, a name, or a quoted name without
 * its quotes), skipping blanks and comments; NULL at other tokens.
 */
static char *next_word(const char *s, size_t len, size_t *i)
{
	size_t j;
	while (*i < len) {
		if (isspace((unsigned char)s[*i]))
			(*i)++;
		else if (s[*i] == '-' && *i + 1 < len && s[*i + 1] == '-')
			while (*i < len && s[*i] != '\n')
				(*i)++;
		else
			break;
	}
	if (*i >= len)
		return NULL;
	if (s[*i] == '"' || s[*i] == '`' || s[*i] == '[') {
		char close = s[*i] == '[' ? ']' : s[*i];
		j = *i + 1;
		while (j < len && s[j] != close)
			j++;
		{
			char *w = xstrndup(s + *i + 1, j - *i - 1);
			*i = j < len ? j + 1 : len;
			return w;
		}
	}
	j = *i;
	while (j < len && (isalnum((unsigned char)s[j]) || s[j] == '_'))
		j++;
	if (j == *i)
		return NULL;
	{
		char *w = xstrndup(s + *i, j - *i);
		*i = j;
		return w;
	}
}

/*
 * DROP TABLE IF EXISTS of a table the scratch copy lacks asks the
 * authorizer nothing; the name is read from the tokens to stub it.
 */
static char *drop_if_exists_name(const char *s, size_t len)
{
	static const char *const kw[] = { "drop", "table", "if", "exists" };
	size_t i = 0, k;
	char *w = NULL;
	for (k = 0; k < 4; k++) {
		w = next_word(s, len, &i);
		if (!w || strcasecmp(w, kw[k])) {
			free(w);
			return NULL;
		}
		free(w);
	}
	w = next_word(s, len, &i);
	while (w && i < len && s[i] == '.') {
		i++;
		free(w);
		w = next_word(s, len, &i);
	}
	return w;
}

/*
 * Where the statement at s ends when prepare failed (its tail is then not
 * reliable): the first ';' after which sqlite3_complete() says the text
 * so far is complete - SQLite's own tokenizer, also for trigger bodies.
 */
static const char *statement_end(const char *s, const char *end)
{
	const char *p;
	for (p = s; p < end; p++) {
		if (*p == ';') {
			char *head = xstrndup(s, (size_t)(p - s) + 1);
			int done = sqlite3_complete(head);
			free(head);
			if (done)
				return p + 1;
		}
	}
	return end;
}

static bool syntax_error(const char *msg)
{
	return strstr(msg, "syntax error") || strstr(msg, "incomplete input") ||
	       strstr(msg, "unrecognized token") || !strncmp(msg, "near ", 5);
}

/* ---- one statement ----------------------------------------------------- */

static void alter_table(struct check_cx *cx, struct lite *l, sqlite3_stmt *st, const char *table,
			size_t off)
{
	struct col *before = NULL, *after = NULL;
	size_t nb = 0, na = 0, i;
	struct strvec tb = STRVEC_INIT, ta = STRVEC_INIT;
	char *key = check_table_key(NULL, table);
	bool old = !check_is_new_table(cx, key);

	columns(l->db, table, &before, &nb);
	tables(l->db, &tb);
	while (sqlite3_step(st) == SQLITE_ROW)
		;
	columns(l->db, table, &after, &na);
	tables(l->db, &ta);
	if (!na) {
		/* the table is gone: renamed to the table that appeared */
		const char *to = NULL;
		for (i = 0; i < ta.n; i++)
			if (!strvec_has(&tb, ta.v[i]))
				to = ta.v[i];
		if (!old && to) {
			char *nk = check_table_key(NULL, to);
			strset_remove(&cx->new_tables, key);
			strset_add(&cx->new_tables, nk);
			free(nk);
		} else if (old)
			check_emit(cx, R_RENAME_TABLE, off,
				   "renaming table %s%s%s breaks the application code still deployed, "
				   "which uses the old name", table, to ? " to " : "", to ? to : "");
	} else if (old && na < nb) {
		for (i = 0; i < nb; i++)
			if (!has_col(after, na, before[i].name))
				check_emit(cx, R_DROP_COLUMN, off,
					   "dropping column \"%s\" of %s deletes its data, and application "
					   "code still deployed that reads or writes it fails",
					   before[i].name, table);
	} else if (old && na == nb) {
		for (i = 0; i < nb; i++)
			if (!has_col(after, na, before[i].name))
				check_emit(cx, R_RENAME_COLUMN, off,
					   "renaming column \"%s\" of %s to \"%s\" breaks the application "
					   "code still deployed, which uses the old name", before[i].name,
					   table, after[i].name);
	} else if (old && na > nb) {
		for (i = 0; i < na; i++)
			if (!has_col(before, nb, after[i].name) && after[i].notnull &&
			    !after[i].has_default)
				check_emit(cx, R_ADD_NOT_NULL_COLUMN, off,
					   "adding NOT NULL column \"%s\" without a default to %s fails "
					   "as soon as the table has a row", after[i].name, table);
	}
	columns_free(before, nb);
	columns_free(after, na);
	strvec_release(&tb);
	strvec_release(&ta);
	free(key);
}

static void analyse(struct check_cx *cx, struct lite *l, sqlite3_stmt *st, size_t off,
		    const char *sql, size_t len)
{
	size_t i;
	const char *created = NULL, *indexed = NULL, *index_table = NULL, *altered = NULL;
	bool ran = false;

	size_t first = 0;

	/* SQLite's own bookkeeping (sqlite_schema, sqlite_sequence) is not the user's */
	while (first < l->nacts && l->acts[first].a && !strncmp(l->acts[first].a, "sqlite_", 7))
		first++;
	for (i = first; i < l->nacts; i++) {
		struct action *a = &l->acts[i];
		char *key = a->a ? check_table_key(NULL, a->a) : NULL;
		if (a->a && !strncmp(a->a, "sqlite_", 7)) {
			free(key);
			continue;
		}
		switch (a->code) {
		case SQLITE_CREATE_TABLE:
			created = a->a;
			break;
		case SQLITE_CREATE_INDEX:
			indexed = a->a;
			index_table = a->b;
			break;
		case SQLITE_DROP_TABLE:
			if (!strset_remove(&cx->new_tables, key))
				check_emit(cx, R_DROP_TABLE, off,
					   "dropping table %s deletes its data, and application code "
					   "still deployed that uses it fails", a->a);
			break;
		case SQLITE_ALTER_TABLE:
			altered = a->b;
			break;
		case SQLITE_DELETE:
			if (i == first && !check_is_new_table(cx, key) && !top_level_where(sql, len))
				check_emit(cx, R_DELETE_WITHOUT_WHERE, off,
					   "DELETE FROM %s without WHERE deletes every row", a->a);
			break;
		case SQLITE_UPDATE:
			if (i == first && !check_is_new_table(cx, key) && !top_level_where(sql, len))
				check_emit(cx, R_UPDATE_WITHOUT_WHERE, off,
					   "UPDATE %s without WHERE rewrites every row in one transaction",
					   a->a);
			break;
		case SQLITE_TRANSACTION:
			if (!cx->file->change.no_transaction)
				check_emit(cx, R_TRANSACTION_CONTROL, off,
					   "runway runs this change in its own transaction: a %s here "
					   "would end it early (runway refuses to deploy it)", a->a);
			break;
		default:
			break;
		}
		free(key);
	}
	if (altered) {
		char *key = check_table_key(NULL, altered);
		alter_table(cx, l, st, altered, off);
		ran = true;
		if (check_is_new_table(cx, key))
			learn_fks(cx, l, altered, off);
		free(key);
	}
	/* VACUUM INTO writes a file: the scratch copy runs nothing that does */
	if (!ran && strncasecmp(sql, "vacuum", 6))
		while (sqlite3_step(st) == SQLITE_ROW)
			;
	if (created) {
		char *key = check_table_key(NULL, created);
		strset_add(&cx->new_tables, key);
		free(key);
		learn_table(cx, l, created, off);
	}
	if (indexed && index_table)
		learn_index(cx, l, indexed, index_table);
}

/*
 * With the schema unknown (files checked on their own), a statement about a
 * table the scratch copy lacks gets a stub of it: "no such table: t" makes
 * t, "no such column: c" adds c to the stubs, and the statement is
 * prepared again. Stubs are existing tables, as they would be on the target.
 */
static bool stub_missing(struct lite *l, const char *msg, struct strvec *stubs)
{
	char *name, *sql;
	size_t n;
	bool ok;
	if (!strncmp(msg, "no such table: ", 15)) {
		const char *t = msg + 15;
		if (!strncmp(t, "main.", 5))
			t += 5;
		name = xstrdup(t);
		sql = sqlite3_mprintf("CREATE TABLE \"%w\" (_runway_stub)", name);
		ok = !exec_all(l->db, sql);
		if (ok)
			strvec_push(stubs, name);
	} else if (!strncmp(msg, "no such column: ", 16) && stubs->n) {
		const char *c = msg + 16;
		size_t i;
		name = xstrdup(c);
		n = strlen(name);
		if (n >= 2 && name[0] == '"' && name[n - 1] == '"') {
			memmove(name, name + 1, n - 2);
			name[n - 2] = '\0';
		}
		if (strchr(name, '.'))
			memmove(name, strrchr(name, '.') + 1, strlen(strrchr(name, '.')));
		ok = false;
		sql = NULL;
		for (i = 0; i < stubs->n; i++) {
			char *add = sqlite3_mprintf("ALTER TABLE \"%w\" ADD COLUMN \"%w\"", stubs->v[i], name);
			ok |= !exec_all(l->db, add);
			sqlite3_free(add);
		}
	} else {
		return false;
	}
	sqlite3_free(sql);
	free(name);
	return ok;
}

int sqlite_check_section(struct check_cx *cx, struct runway_error *err)
{
	struct lite *l = cx->engine;
	const char *sql = cx->text, *tail = sql, *end = sql + cx->len;

	while (tail < end) {
		sqlite3_stmt *st = NULL;
		const char *next = NULL;
		size_t gap = (size_t)(tail - sql), start;
		int rc, tries;

		start = check_stmt_begin(cx, gap);
		for (tries = 0;; tries++) {
			clear_actions(l);
			sqlite3_set_authorizer(l->db, authorizer, l);
			rc = sqlite3_prepare_v3(l->db, tail, (int)(end - tail), 0, &st, &next);
			sqlite3_set_authorizer(l->db, NULL, NULL);
			if (rc == SQLITE_OK && st && !l->nacts && !l->schema_complete && cx->lint &&
			    tries < 32) {
				char *name = drop_if_exists_name(sql + start, (size_t)(end - (sql + start)));
				char *mk = name ? sqlite3_mprintf("CREATE TABLE \"%w\" (_runway_stub)", name) : NULL;
				bool again = mk && !exec_all(l->db, mk);
				sqlite3_free(mk);
				free(name);
				if (again) {
					sqlite3_finalize(st);
					st = NULL;
					continue;
				}
			}
			if (rc == SQLITE_OK || l->schema_complete || !cx->lint || tries > 32 ||
			    !stub_missing(l, sqlite3_errmsg(l->db), &l->stubs))
				break;
		}
		if (!next || next <= tail)
			next = end;
		if (rc != SQLITE_OK) {
			const char *msg = sqlite3_errmsg(l->db);
			int at = sqlite3_error_offset(l->db);
			if (strstr(msg, "not authorized"))
				; /* ATTACH/DETACH: fine in a deploy, not on the scratch copy */
			else if (syntax_error(msg) || (cx->lint && l->schema_complete))
				check_emit(cx, R_PARSE_ERROR, at >= 0 ? gap + (size_t)at : start,
					   "%s", msg);
			next = statement_end(tail, end);
		} else if (st && cx->lint) {
			analyse(cx, l, st, start, sql + start, (size_t)(next - (sql + start)));
		}
		sqlite3_finalize(st);
		tail = next;
	}
	clear_actions(l);
	return 0;
}
