/*
 * pg_clone.c - PostgreSQL clones: the template strategy, the stream
 * strategy's steps around the data (snapshot, plan, pg_dump/pg_restore,
 * sequences, large objects, materialized views) and the server tools.
 * The rows themselves are pg_copy.c's.
 *
 * Stream, in order (clone.h has the overview):
 *  1. the source connection opens REPEATABLE READ READ ONLY and exports
 *     its snapshot; it stays open to the end, and everything that reads
 *     the source (the plan, pg_dump --snapshot, the workers, sequences,
 *     large objects) sees that one snapshot. The plan's tables are locked
 *     ACCESS SHARE, like pg_dump does, so no TRUNCATE or DDL can change
 *     them under the copy;
 *  2. the plan comes from the catalog in the snapshot, not from
 *     schema_read: the model leaves runway's own tables out (a clone must
 *     keep its history) and has neither sizes nor the types' binary
 *     details. schema_read still runs first when there are rules, for
 *     mask_rules_check, so bad rules fail before anything is created;
 *  3. one `pg_dump -Fc --schema-only` to a temporary file; CREATE
 *     DATABASE with the source's encoding and locale (template0); then
 *     `pg_restore --section=pre-data` before the data and
 *     `--section=post-data -j JOBS` after it, so indexes, constraints and
 *     triggers are built once, in parallel, over loaded tables;
 *  4. sequences are set from the source (a sequence read after the
 *     snapshot is at least as far as any value the snapshot's rows hold),
 *     large objects copied in 1 MB pieces with their OIDs, populated
 *     materialized views refreshed (they come WITH NO DATA from a schema
 *     dump). Statistics are left to autovacuum.
 *
 * --tables: the matching tables, their partitions and parents, the
 * tables they reference by foreign key (transitively) and runway_* are
 * kept; everything else of the schema is dumped too (types, functions,
 * sequences), minus the other tables and the views over them, which go to
 * pg_dump as exact --exclude-table names. `pg_dump -t` would leave out
 * the types and functions the tables need, so the restore would fail.
 * Large objects belong to no table and are copied only without --tables.
 *
 * Owners and privileges are restored when the target's role is a superuser
 * on the same server; otherwise the clone belongs to the role that makes
 * it (--no-owner --no-privileges, and --no-tablespaces across servers).
 * Subscriptions are never cloned.
 *
 * Tuning: RUNWAY_CLONE_SPLIT_MB=N copies every table bigger than N MB in
 * ctid ranges shared by the workers (default: pg_copy.c decides; tests
 * use 1 to exercise the ranges on small tables).
 *
 * Server tools: RUNWAY_PG_BINDIR, /usr/lib/postgresql/<server major>/bin,
 * newer /usr/lib/postgresql/N/bin, `pg_config --bindir`, then PATH; the
 * first pg_dump whose major version is at least the server's wins.
 * Debian's /usr/bin ones are a Perl wrapper, so its real binaries come
 * first. The password is never in their argv: the conninfo is rebuilt
 * without it and PGPASSWORD is set in the child's environment only.
 */
#include "util/common.h"
#include "clone/clone_impl.h"
#include "driver/driver.h"
#include "driver/postgres.h"
#include "mask/mask.h"
#include "schema/schema.h"

#include <dirent.h>
#include <pwd.h>
#include <unistd.h>

#include <libpq-fe.h>

#define LO_CHUNK (1024 * 1024)
#define LOCK_BATCH 500
#define DROP_TRIES 50

static char *qi(const char *s)
{
	struct runway_buf b = RUNWAY_BUF_INIT;

	sql_quote_ident(&b, s);
	return runway_buf_detach(&b);
}

static char *qname(const char *schema, const char *name)
{
	char *a = qi(schema), *b = qi(name), *r = xasprintf("%s.%s", a, b);

	free(a);
	free(b);
	return r;
}

/* A string literal that reads the same whatever standard_conforming_strings says. */
static char *ql(const char *s)
{
	struct runway_buf b = RUNWAY_BUF_INIT;

	runway_buf_adds(&b, strchr(s, '\\') ? "E'" : "'");
	for (; *s; s++) {
		if (*s == '\'' || *s == '\\')
			runway_buf_addch(&b, *s);
		runway_buf_addch(&b, *s);
	}
	runway_buf_addch(&b, '\'');
	return runway_buf_detach(&b);
}

/* --- URLs --- */

/* Non-empty value of key in opts, or NULL. */
static const char *opt_val(const PQconninfoOption *opts, const char *key)
{
	const PQconninfoOption *o;

	for (o = opts; o && o->keyword; o++)
		if (!strcmp(o->keyword, key))
			return o->val && *o->val ? o->val : NULL;
	return NULL;
}

static PQconninfoOption *url_opts(const struct runway_url *u, struct runway_error *err)
{
	char *msg = NULL;
	PQconninfoOption *o = PQconninfoParse(u->raw, &msg);

	if (!o)
		/* libpq's message may quote the URL, password and all: not shown */
		runway_error_set(err, RUNWAY_E_CONFIG, "invalid database URL '%s'", u->redacted);
	PQfreemem(msg);
	return o;
}

static const char *env_val(const char *name)
{
	const char *v = getenv(name);
	return v && *v ? v : NULL;
}

char *pg_url_dbname(const struct runway_url *u)
{
	PQconninfoOption *o;
	const char *v;
	char *r;

	if (u->database)
		return xstrdup(u->database);
	o = PQconninfoParse(u->raw, NULL);
	v = opt_val(o, "dbname");
	if (!v)
		v = env_val("PGDATABASE");
	if (!v)
		v = opt_val(o, "user");
	if (!v)
		v = env_val("PGUSER");
	if (!v) {
		struct passwd *pw = getpwuid(geteuid());
		v = pw ? pw->pw_name : "postgres";
	}
	r = xstrdup(v);
	PQconninfoFree(o);
	return r;
}

void pg_url_env(struct strvec *out, const char *prefix, const struct runway_url *u)
{
	static const char *const keys[] = { "host", "port", "user" };
	static const char *const envs[] = { "PGHOST", "PGPORT", "PGUSER" };
	static const char *const names[] = { "HOST", "PORT", "USER" };
	PQconninfoOption *o = PQconninfoParse(u->raw, NULL);
	char *db = pg_url_dbname(u), *e;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(keys); i++) {
		const char *v = opt_val(o, keys[i]);
		if (!v)
			v = env_val(envs[i]);
		e = xasprintf("%s%s=%s", prefix, names[i], v ? v : "");
		strvec_push(out, e);
		free(e);
	}
	e = xasprintf("%sDB=%s", prefix, db);
	strvec_push(out, e);
	free(e);
	free(db);
	PQconninfoFree(o);
}

/* host, hostaddr or port of a URL, with libpq's environment and compiled defaults. */
static char *resolved(const PQconninfoOption *o, const PQconninfoOption *defs, const char *key)
{
	const char *v = opt_val(o, key);

	if (!v)
		v = opt_val(defs, key);
	return xstrdup(v ? v : "");
}

/* Do both URLs reach the same server (same host, hostaddr and port as written)? */
static bool same_server(const struct runway_url *a, const struct runway_url *b)
{
	static const char *const keys[] = { "host", "hostaddr", "port" };
	PQconninfoOption *oa = PQconninfoParse(a->raw, NULL), *ob = PQconninfoParse(b->raw, NULL);
	PQconninfoOption *defs = PQconndefaults();
	bool same = oa && ob;
	size_t i;

	for (i = 0; same && i < ARRAY_SIZE(keys); i++) {
		char *va = resolved(oa, defs, keys[i]), *vb = resolved(ob, defs, keys[i]);
		same = !strcmp(va, vb);
		free(va);
		free(vb);
	}
	PQconninfoFree(oa);
	PQconninfoFree(ob);
	PQconninfoFree(defs);
	return same;
}

static void free_secret(char *s)
{
	if (s) {
		secure_wipe(s, strlen(s));
		free(s);
	}
}

/*
 * A conninfo string for a server tool: every setting of the URL but the
 * password (into *password, or NULL), with dbname replaced.
 */
static int tool_conninfo(char **out, char **password, const struct runway_url *u,
			 const char *dbname, struct runway_error *err)
{
	struct runway_buf b = RUNWAY_BUF_INIT;
	PQconninfoOption *opts = url_opts(u, err), *o;

	*out = NULL;
	*password = NULL;
	if (!opts)
		return -1;
	for (o = opts; o->keyword; o++) {
		const char *p;

		if (!o->val || !*o->val || !strcmp(o->keyword, "dbname"))
			continue;
		if (!strcmp(o->keyword, "password")) {
			*password = xstrdup(o->val);
			continue;
		}
		/*
		 * libpq reads sslpassword from no environment variable, and a
		 * child's argv is readable by every user of the machine
		 */
		if (!strcmp(o->keyword, "sslpassword")) {
			runway_buf_release(&b);
			PQconninfoFree(opts);
			free_secret(*password);
			*password = NULL;
			runway_error_set(err, RUNWAY_E_USAGE,
					 "clone: '%s' has an sslpassword, which pg_dump would get on its "
					 "command line", u->redacted);
			runway_error_hint(err, "use a client key without a passphrase for the clone, or "
					       "a service file (PGSERVICEFILE) that holds it");
			return -1;
		}
		runway_buf_addf(&b, "%s='", o->keyword);
		for (p = o->val; *p; p++) {
			if (*p == '\'' || *p == '\\')
				runway_buf_addch(&b, '\\');
			runway_buf_addch(&b, *p);
		}
		runway_buf_adds(&b, "' ");
	}
	runway_buf_adds(&b, "dbname='");
	for (; *dbname; dbname++) {
		if (*dbname == '\'' || *dbname == '\\')
			runway_buf_addch(&b, '\\');
		runway_buf_addch(&b, *dbname);
	}
	runway_buf_addch(&b, '\'');
	PQconninfoFree(opts);
	*out = runway_buf_detach(&b);
	return 0;
}


/* A copy of u that connects to database db. */
static int url_for_db(struct runway_url *out, const struct runway_url *u, const char *db,
		      struct runway_error *err)
{
	if (url_parse(out, u->raw, err) < 0)
		return -1;
	out->database = xstrdup(db);
	free(out->redacted);
	out->redacted = xasprintf("%s (database %s)", u->redacted, db);
	return 0;
}

/* --- the target server --- */

int pg_target_open(struct pg_target *t, const struct runway_url *dst, struct runway_error *err)
{
	static const char *const admin_dbs[] = { "postgres", "template1" };
	struct runway_error first = RUNWAY_ERROR_INIT;
	size_t i;
	int ret = -1;

	t->name = pg_url_dbname(dst);
	for (i = 0; i < ARRAY_SIZE(admin_dbs) && !t->admin; i++) {
		struct runway_url a = RUNWAY_URL_INIT;
		struct runway_error e = RUNWAY_ERROR_INIT;

		if (url_parse(&a, dst->raw, err) < 0)
			goto out;
		free(a.database);
		a.database = xstrdup(admin_dbs[i]);
		if (driver_connect(&t->admin, &a, &e) < 0) {
			if (!first.msg) {
				first = e;
				memset(&e, 0, sizeof(e));
			}
			runway_error_clear(&e);
		}
		url_release(&a);
	}
	if (!t->admin) {
		*err = first;
		memset(&first, 0, sizeof(first));
		goto out;
	}
	clone_watch(t->admin);
	ret = 0;
out:
	runway_error_clear(&first);
	return ret;
}

int pg_target_exists(struct pg_target *t, bool *exists, struct runway_error *err)
{
	struct runway_rows r = RUNWAY_ROWS_INIT;
	const char *p[1] = { t->name };

	if (driver_query(t->admin, "SELECT 1 FROM pg_catalog.pg_database WHERE datname = $1", p, 1,
			 &r, err) < 0)
		return -1;
	*exists = r.nrows > 0;
	rows_release(&r);
	return 0;
}

void pg_target_release(struct pg_target *t)
{
	if (t->created && t->admin) {
		struct runway_error e = RUNWAY_ERROR_INIT;

		/* a late cancel (clone_interrupt) may hit the first DROP: retried */
		if (driver_drop_database(t->admin, t->name, DROP_TRIES, &e) < 0)
			fprintf(stderr, "runway: warning: cannot drop the unfinished clone '%s': %s\n",
				t->name, e.msg);
		runway_error_clear(&e);
	}
	clone_close(t->admin);
	free(t->name);
	memset(t, 0, sizeof(*t));
}

/* The first value of a one-row query (caller frees; NULL on error or SQL NULL). */
static int query1(struct runway_conn *c, const char *sql, const char *const *params,
		  size_t n, char **out, struct runway_error *err)
{
	struct runway_rows r = RUNWAY_ROWS_INIT;

	*out = NULL;
	if (driver_query(c, sql, params, n, &r, err) < 0)
		return -1;
	if (r.nrows && r.ncols)
		*out = rows_take(&r, 0, 0);
	rows_release(&r);
	return 0;
}

/* server_version_num of c (0 when unknown). */
static long server_version(struct runway_conn *c)
{
	PGconn *pg = pg_handle(c);
	char *v = NULL;
	long n;

	if (pg)
		return PQserverVersion(pg);
	if (query1(c, "SELECT pg_catalog.current_setting('server_version_num')", NULL, 0, &v,
		   NULL) < 0 || !v)
		return 0;
	n = strtol(v, NULL, 10);
	free(v);
	return n;
}

/* --- server tools --- */

struct pg_tools {
	char *dump, *restore;
};

static void tools_release(struct pg_tools *t)
{
	free(t->dump);
	free(t->restore);
	memset(t, 0, sizeof(*t));
}

/* Major version of a tool from its --version ("pg_dump (PostgreSQL) 15.20 ..."), or 0. */
static int tool_major(const char *path)
{
	struct runway_buf out = RUNWAY_BUF_INIT;
	struct runway_error e = RUNWAY_ERROR_INIT;
	const char *argv[3] = { path, "--version", NULL };
	struct clone_child ch;
	const char *p;
	int status, major = 0;

	memset(&ch, 0, sizeof(ch));
	ch.argv = argv;
	ch.capture = true;
	if (clone_child_run(&ch, &status, &out, &e) == 0 && status == 0 &&
	    (p = strstr(out.buf, ") ")) != NULL)
		major = (int)strtol(p + 2, NULL, 10);
	runway_error_clear(&e);
	runway_buf_release(&out);
	return major;
}

static bool is_exec(const char *dir, const char *name)
{
	char *p = xasprintf("%s/%s", dir, name);
	bool ok = access(p, X_OK) == 0;

	free(p);
	return ok;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

/*
 * Where pg_dump may be, best first: stage 0 the explicit and Debian
 * directories; stage 1 (only when stage 0 has none good enough: it costs
 * a process) pg_config's and PATH's.
 */
static void tool_dirs(struct strvec *dirs, int server_major, int stage)
{
	const char *v = env_val("RUNWAY_PG_BINDIR"), *path;
	int majors[64];
	size_t n = 0, i;
	DIR *d;
	char *s;

	if (stage == 0) {
		if (v)
			strvec_push(dirs, v);
		s = xasprintf("/usr/lib/postgresql/%d/bin", server_major);
		strvec_push(dirs, s);
		free(s);
		if ((d = opendir("/usr/lib/postgresql")) != NULL) {
			struct dirent *de;
			while ((de = readdir(d)) != NULL && n < ARRAY_SIZE(majors)) {
				char *end;
				long m = strtol(de->d_name, &end, 10);
				if (*de->d_name && !*end && m > server_major && m < 1000)
					majors[n++] = (int)m;
			}
			closedir(d);
		}
		qsort(majors, n, sizeof(majors[0]), cmp_int);
		for (i = 0; i < n; i++) {
			s = xasprintf("/usr/lib/postgresql/%d/bin", majors[i]);
			strvec_push(dirs, s);
			free(s);
		}
		return;
	}
	{
		struct runway_buf out = RUNWAY_BUF_INIT;
		struct runway_error e = RUNWAY_ERROR_INIT;
		const char *argv[3] = { "pg_config", "--bindir", NULL };
		struct clone_child ch;
		int status;

		memset(&ch, 0, sizeof(ch));
		ch.argv = argv;
		ch.search = true;
		ch.capture = true;
		if (clone_child_run(&ch, &status, &out, &e) == 0 && status == 0) {
			out.buf[strcspn(out.buf, "\r\n")] = '\0';
			if (*out.buf)
				strvec_push(dirs, out.buf);
		}
		runway_error_clear(&e);
		runway_buf_release(&out);
	}
	path = getenv("PATH");
	while (path && *path) {
		size_t len = strcspn(path, ":");
		if (len)
			strvec_pushn(dirs, path, len);
		path += len;
		if (*path == ':')
			path++;
	}
}

static int find_tools(struct pg_tools *t, int server_major, struct runway_error *err)
{
	struct strvec dirs = STRVEC_INIT;
	int best = 0, stage;
	size_t i;
	int ret = -1;

	for (stage = 0; stage < 2; stage++) {
		strvec_release(&dirs);
		tool_dirs(&dirs, server_major, stage);
		for (i = 0; i < dirs.n; i++) {
			int major;

			if (!is_exec(dirs.v[i], "pg_dump") || !is_exec(dirs.v[i], "pg_restore"))
				continue;
			t->dump = xasprintf("%s/pg_dump", dirs.v[i]);
			major = tool_major(t->dump);
			if (clone_interrupted()) {
				clone_fail_interrupted(err);
				goto out;
			}
			if (major >= server_major) {
				t->restore = xasprintf("%s/pg_restore", dirs.v[i]);
				ret = 0;
				goto out;
			}
			if (major > best)
				best = major;
			free(t->dump);
			t->dump = NULL;
		}
	}
	if (best)
		runway_error_set(err, RUNWAY_E_IO, "clone: missing server tool: pg_dump %d cannot "
				 "dump a PostgreSQL %d server", best, server_major);
	else
		runway_error_set(err, RUNWAY_E_IO, "clone: missing server tool: pg_dump and "
				 "pg_restore not found");
	runway_error_hint(err, "install the PostgreSQL %d client tools (Debian: "
			  "postgresql-client-%d), or set RUNWAY_PG_BINDIR to their directory",
			  server_major, server_major);
out:
	strvec_release(&dirs);
	return ret;
}

/* The line of a tool's output that says what failed, without "pg_dump: error: ". */
static char *tool_reason(const char *out)
{
	const char *p = out, *hit = NULL, *last = NULL;

	while (*p) {
		size_t n = strcspn(p, "\n");
		const char *e = memmem(p, n, "error: ", 7);
		if (e && !hit)
			hit = e + 7;
		if (n)
			last = p;
		p += n;
		if (*p)
			p++;
	}
	if (!hit)
		hit = last;
	if (!hit)
		return xstrdup("no message");
	return xstrndup(hit, strcspn(hit, "\n"));
}

/* Replace every occurrence of secret in buf with "***". */
static void scrub(struct runway_buf *buf, const char *secret)
{
	struct runway_buf b = RUNWAY_BUF_INIT;
	size_t n = secret ? strlen(secret) : 0;
	const char *p, *hit;

	if (!n || !strstr(buf->buf, secret))
		return;
	for (p = buf->buf; (hit = strstr(p, secret)); p = hit + n) {
		runway_buf_add(&b, p, (size_t)(hit - p));
		runway_buf_adds(&b, "***");
	}
	runway_buf_adds(&b, p);
	secure_wipe(buf->buf, buf->len);
	runway_buf_release(buf);
	*buf = b;
}

static int run_tool(const char *const *argv, const char *password, struct runway_error *err)
{
	struct runway_buf out = RUNWAY_BUF_INIT;
	const char *env[2] = { NULL, NULL };
	char *pwenv = password ? xasprintf("PGPASSWORD=%s", password) : NULL;
	const char *name = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	struct clone_child ch;
	int status = -1, ret = -1;

	memset(&ch, 0, sizeof(ch));
	ch.argv = argv;
	ch.capture = true;
	env[0] = pwenv;
	ch.env_set = pwenv ? env : NULL;
	if (clone_child_run(&ch, &status, &out, err) < 0)
		goto out;
	if (status != 0) {
		char *why;

		scrub(&out, password);
		why = tool_reason(out.buf);
		runway_error_set(err, strstr(out.buf, "connection to server") ? RUNWAY_E_CONN :
				 RUNWAY_E_SQL, "clone: %s failed: %s", name, why);
		free(why);
		goto out;
	}
	ret = 0;
out:
	free_secret(pwenv);
	runway_buf_release(&out);
	return ret;
}

/* --- template --- */

/* Run sql on the admin connection; *sqlstate gets the error's SQLSTATE when libpq is at hand. */
static int admin_exec(struct runway_conn *c, const char *sql, char sqlstate[6],
		      struct runway_error *err)
{
	PGconn *pg = pg_handle(c);
	PGresult *res;
	int ret = -1;

	sqlstate[0] = '\0';
	if (!pg)
		return driver_exec(c, sql, err);
	res = PQexec(pg, sql);
	if (PQresultStatus(res) == PGRES_COMMAND_OK) {
		ret = 0;
	} else {
		const char *st = PQresultErrorField(res, PG_DIAG_SQLSTATE);
		const char *m = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
		char *line = NULL;

		if (st)
			snprintf(sqlstate, 6, "%s", st);
		if (!m) {
			const char *e = PQerrorMessage(pg);
			line = xstrndup(e, strcspn(e, "\n"));
			m = line;
		}
		runway_error_set(err, RUNWAY_E_SQL, "%s", m);
		free(line);
	}
	PQclear(res);
	return ret;
}

struct pgc {
	const struct runway_url *src, *dst;
	const struct clone_opts *o;
	struct clone_result *res;
	struct pg_target t;
	struct runway_url data_url; /* dst, connecting to the new database */
	char *src_name;
	bool same;                  /* same server */
	struct progress pr;
};

/* Check the rules against the source's schema; *pid gets that session's backend pid. */
static int check_rules(struct pgc *g, char **pid, struct runway_error *err)
{
	struct schema s = SCHEMA_INIT;
	struct runway_conn *c = NULL;
	int ret = -1;

	if (driver_connect(&c, g->src, err) < 0)
		goto out;
	clone_watch(c);
	if (pid && query1(c, "SELECT pg_catalog.pg_backend_pid()", NULL, 0, pid, err) < 0)
		goto out;
	if (schema_read(&s, c, err) < 0 || mask_rules_check(g->o->rules, &s, err) < 0)
		goto out;
	ret = 0;
out:
	schema_release(&s);
	clone_close(c);
	return ret;
}

/* Is a TEMPLATE copy safe? *reason says why not (caller frees); NULL: it is. */
static int template_safe(struct pgc *g, const char *skip_pid, char **reason,
			 struct runway_error *err)
{
	struct runway_rows r = RUNWAY_ROWS_INIT;
	const char *p[2] = { g->src_name, skip_pid ? skip_pid : "0" };
	long others;
	int ret = -1;

	*reason = NULL;
	if (g->o->tables && g->o->tables->n) {
		*reason = xstrdup("it copies whole databases, not --tables");
		return 0;
	}
	if (!g->same) {
		*reason = xstrdup("the source and the target are on different servers");
		return 0;
	}
	if (driver_query(g->t.admin,
			 "SELECT d.datistemplate OR pg_catalog.pg_has_role(d.datdba, 'MEMBER'),"
			 " (SELECT count(*) FROM pg_catalog.pg_stat_activity a WHERE a.datid = d.oid"
			 "  AND a.pid <> pg_catalog.pg_backend_pid() AND a.pid <> $2::int"
			 "  AND a.backend_type IS DISTINCT FROM 'autovacuum worker')"
			 " FROM pg_catalog.pg_database d WHERE d.datname = $1", p, 2, &r, err) < 0)
		goto out;
	if (!r.nrows) {
		runway_error_set(err, RUNWAY_E_CONN, "clone: database '%s' does not exist",
				 g->src_name);
		goto out;
	}
	others = strtol(rows_get(&r, 0, 1) ? rows_get(&r, 0, 1) : "0", NULL, 10);
	if (strcmp(rows_get(&r, 0, 0) ? rows_get(&r, 0, 0) : "f", "t"))
		*reason = xasprintf("only the owner of '%s' or a superuser may copy it", g->src_name);
	else if (others)
		*reason = xasprintf("%ld other session%s connected to '%s'", others,
				    others == 1 ? " is" : "s are", g->src_name);
	ret = 0;
out:
	rows_release(&r);
	return ret;
}

/* Tables of the clone (for the result). */
static void count_tables(struct pgc *g)
{
	struct runway_error e = RUNWAY_ERROR_INIT;
	struct runway_conn *c = NULL;
	char *v = NULL;

	if (driver_connect(&c, &g->data_url, &e) == 0 &&
	    query1(c, "SELECT count(*) FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n"
		   " ON n.oid = c.relnamespace WHERE c.relkind = 'r' AND n.nspname !~ '^pg_'"
		   " AND n.nspname <> 'information_schema' AND c.relname !~ '^runway_'",
		   NULL, 0, &v, &e) == 0 && v)
		g->res->tables = (size_t)strtoul(v, NULL, 10);
	free(v);
	driver_close(c);
	runway_error_clear(&e);
}

/* CREATE DATABASE ... TEMPLATE; *busy when someone connected to the source meanwhile. */
static int do_template(struct pgc *g, bool *busy, struct runway_error *err)
{
	char *qd = qi(g->t.name), *qs = qi(g->src_name), *sql;
	char state[6];
	int ret = -1;

	*busy = false;
	sql = xasprintf("CREATE DATABASE %s TEMPLATE %s%s", qd, qs,
			server_version(g->t.admin) >= 150000 ? " STRATEGY FILE_COPY" : "");
	progress_draw(&g->pr, true, "clone: copying '%s' (template)", g->src_name);
	if (admin_exec(g->t.admin, sql, state, err) < 0) {
		*busy = !strcmp(state, "55006");
		if (clone_interrupted())
			clone_fail_interrupted(err);
		else
			runway_error_prefix(err, "clone: cannot copy '%s'", g->src_name);
		goto out;
	}
	g->t.created = true;
	progress_clear(&g->pr);
	if (clone_interrupted()) {
		clone_fail_interrupted(err);
		goto out;
	}
	if (clone_has_rules(g->o) && clone_mask_target(&g->data_url, g->o, g->res, err) < 0)
		goto out;
	count_tables(g);
	g->res->used = CLONE_TEMPLATE;
	ret = 0;
out:
	free(sql);
	free(qd);
	free(qs);
	return ret;
}

/* --- stream --- */

struct rel {
	unsigned long oid;
	char *schema, *name;
	char kind;          /* r, p, v, m */
	unsigned long parent; /* first inheritance or partition parent, 0 */
	size_t up;          /* index of parent, or SIZE_MAX */
	uint64_t blocks, bytes;
	bool partition, populated;
	bool keep;          /* dumped and (tables) copied */
	struct strvec cols;
	struct runway_buf textlike; /* '1'/'0' per column */
	bool binary_ok;
};

struct plan {
	struct rel *v;
	size_t n;
	struct strvec seqs;    /* schema, name pairs */
	struct strvec los;     /* large object OIDs */
	bool filtered;         /* --tables given */
};

static void plan_release(struct plan *p)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		free(p->v[i].schema);
		free(p->v[i].name);
		strvec_release(&p->v[i].cols);
		runway_buf_release(&p->v[i].textlike);
	}
	free(p->v);
	strvec_release(&p->seqs);
	strvec_release(&p->los);
	memset(p, 0, sizeof(*p));
}

static size_t rel_find(const struct plan *p, unsigned long oid)
{
	size_t lo = 0, hi = p->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (p->v[mid].oid == oid)
			return mid;
		if (p->v[mid].oid < oid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return SIZE_MAX;
}

#define USER_REL \
	" n.nspname <> 'information_schema' AND n.nspname !~ '^pg_'" \
	" AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d" \
	"  WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = c.oid" \
	"  AND d.deptype = 'e')"

static const char q_rels[] =
	"SELECT c.oid, n.nspname, c.relname, c.relkind,"
	" COALESCE((SELECT i.inhparent FROM pg_catalog.pg_inherits i WHERE i.inhrelid = c.oid"
	"  ORDER BY i.inhseqno LIMIT 1), 0),"
	" CASE WHEN c.relkind = 'r' THEN pg_catalog.pg_relation_size(c.oid)"
	"  / pg_catalog.current_setting('block_size')::int ELSE 0 END,"
	" CASE WHEN c.relkind = 'r' THEN pg_catalog.pg_table_size(c.oid) ELSE 0 END,"
	" c.relispartition, c.relkind = 'm' AND c.relispopulated"
	" FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
	" WHERE c.relkind IN ('r', 'p', 'v', 'm') AND" USER_REL
	" ORDER BY c.oid";

/*
 * Columns of every table, generated ones left out; per column: is it
 * text-like (masked in binary COPY), and does binary COPY carry it into
 * another database? Not: types without send/receive, composites (their
 * binary form holds column type OIDs), arrays of composites, domains or
 * user types (element type OID, checked on receive).
 */
static const char q_cols[] =
	"WITH RECURSIVE dom(oid, base) AS ("
	" SELECT t.oid, t.typbasetype FROM pg_catalog.pg_type t WHERE t.typtype = 'd'"
	" UNION ALL SELECT dom.oid, t.typbasetype FROM dom JOIN pg_catalog.pg_type t"
	" ON t.oid = dom.base AND t.typtype = 'd')"
	" SELECT a.attrelid, a.attname,"
	" e.oid IN (19, 25, 1042, 1043) OR e.typname = 'citext',"
	" e.typsend::pg_catalog.oid <> 0 AND e.typreceive::pg_catalog.oid <> 0"
	"  AND e.typtype NOT IN ('c', 'p')"
	"  AND (el.oid IS NULL OR (el.oid < 16384 AND el.typtype NOT IN ('c', 'd')))"
	" FROM pg_catalog.pg_attribute a"
	" JOIN pg_catalog.pg_class c ON c.oid = a.attrelid AND c.relkind = 'r'"
	" JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
	" LEFT JOIN dom ON dom.oid = a.atttypid AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_type x"
	"  WHERE x.oid = dom.base AND x.typtype = 'd')"
	" JOIN pg_catalog.pg_type e ON e.oid = COALESCE(dom.base, a.atttypid)"
	" LEFT JOIN pg_catalog.pg_type el ON el.oid = e.typelem AND e.typcategory = 'A'"
	" WHERE a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '' AND" USER_REL
	" ORDER BY a.attrelid, a.attnum";

static const char q_seqs[] =
	"SELECT n.nspname, c.relname FROM pg_catalog.pg_class c"
	" JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
	" WHERE c.relkind = 'S' AND" USER_REL " ORDER BY 1, 2";

static bool is_t(const char *v)
{
	return v && !strcmp(v, "t");
}

static int read_plan(struct plan *p, struct runway_conn *c, struct runway_error *err)
{
	struct runway_rows r = RUNWAY_ROWS_INIT;
	size_t i, k = SIZE_MAX;
	int ret = -1;

	if (driver_query(c, q_rels, NULL, 0, &r, err) < 0)
		goto out;
	p->v = xcalloc(r.nrows + 1, sizeof(*p->v));
	for (i = 0; i < r.nrows; i++) {
		struct rel *x = &p->v[p->n++];

		x->oid = strtoul(rows_get(&r, i, 0), NULL, 10);
		x->schema = rows_take(&r, i, 1);
		x->name = rows_take(&r, i, 2);
		x->kind = rows_get(&r, i, 3)[0];
		x->parent = strtoul(rows_get(&r, i, 4), NULL, 10);
		x->blocks = strtoull(rows_get(&r, i, 5), NULL, 10);
		x->bytes = strtoull(rows_get(&r, i, 6), NULL, 10);
		x->partition = is_t(rows_get(&r, i, 7));
		x->populated = is_t(rows_get(&r, i, 8));
		x->keep = true;
		x->binary_ok = true;
	}
	for (i = 0; i < p->n; i++)
		p->v[i].up = p->v[i].parent ? rel_find(p, p->v[i].parent) : SIZE_MAX;
	rows_release(&r);

	if (driver_query(c, q_cols, NULL, 0, &r, err) < 0)
		goto out;
	for (i = 0; i < r.nrows; i++) {
		unsigned long oid = strtoul(rows_get(&r, i, 0), NULL, 10);
		struct rel *x;

		if (k == SIZE_MAX || p->v[k].oid != oid)
			k = rel_find(p, oid);
		if (k == SIZE_MAX)
			continue;
		x = &p->v[k];
		strvec_push(&x->cols, rows_get(&r, i, 1));
		runway_buf_addch(&x->textlike, is_t(rows_get(&r, i, 2)) ? '1' : '0');
		if (!is_t(rows_get(&r, i, 3)))
			x->binary_ok = false;
	}
	rows_release(&r);

	if (driver_query(c, q_seqs, NULL, 0, &r, err) < 0)
		goto out;
	for (i = 0; i < r.nrows; i++) {
		strvec_push(&p->seqs, rows_get(&r, i, 0));
		strvec_push(&p->seqs, rows_get(&r, i, 1));
	}
	ret = 0;
out:
	rows_release(&r);
	return ret;
}

/* Pairs (a, b) of OIDs from a two-column query, as plan indexes; unknown OIDs dropped. */
static int read_edges(const struct plan *p, struct runway_conn *c, const char *sql,
		      size_t **out, size_t *n, struct runway_error *err)
{
	struct runway_rows r = RUNWAY_ROWS_INIT;
	size_t i;

	*out = NULL;
	*n = 0;
	if (driver_query(c, sql, NULL, 0, &r, err) < 0)
		return -1;
	*out = xcalloc(2 * r.nrows + 2, sizeof(**out));
	for (i = 0; i < r.nrows; i++) {
		size_t a = rel_find(p, strtoul(rows_get(&r, i, 0), NULL, 10));
		size_t b = rel_find(p, strtoul(rows_get(&r, i, 1), NULL, 10));
		if (a == SIZE_MAX || b == SIZE_MAX)
			continue;
		(*out)[2 * *n] = a;
		(*out)[2 * *n + 1] = b;
		(*n)++;
	}
	rows_release(&r);
	return 0;
}

/* --tables: decide p->v[].keep (see the top of the file). */
static int select_tables(struct plan *p, struct runway_conn *c, const struct strvec *pats,
			 struct runway_error *err)
{
	size_t *fk = NULL, nfk = 0, *dep = NULL, ndep = 0, i;
	bool changed = true;
	int ret = -1;

	if (read_edges(p, c, "SELECT conrelid, confrelid FROM pg_catalog.pg_constraint"
		       " WHERE contype = 'f'", &fk, &nfk, err) < 0 ||
	    read_edges(p, c, "SELECT DISTINCT r.ev_class, d.refobjid FROM pg_catalog.pg_rewrite r"
		       " JOIN pg_catalog.pg_depend d"
		       " ON d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass"
		       " AND d.objid = r.oid"
		       " AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass"
		       " AND d.refobjid <> r.ev_class", &dep, &ndep, err) < 0)
		goto out;
	for (i = 0; i < p->n; i++) {
		struct rel *x = &p->v[i];
		x->keep = (x->kind == 'r' || x->kind == 'p') &&
			  clone_table_match(pats, x->schema, x->name);
	}
	while (changed) {
		changed = false;
		for (i = 0; i < p->n; i++) {
			struct rel *x = &p->v[i];
			if (x->kind != 'r' && x->kind != 'p')
				continue;
			/* partitions and children of a kept table; parents of a kept one */
			if (!x->keep && x->up != SIZE_MAX && p->v[x->up].keep) {
				x->keep = true;
				changed = true;
			}
			if (x->keep && x->up != SIZE_MAX && !p->v[x->up].keep) {
				p->v[x->up].keep = true;
				changed = true;
			}
		}
		for (i = 0; i < nfk; i++) {
			if (p->v[fk[2 * i]].keep && !p->v[fk[2 * i + 1]].keep) {
				p->v[fk[2 * i + 1]].keep = true;
				changed = true;
			}
		}
	}
	/* views stay unless they read a table (or view) that goes */
	for (i = 0; i < p->n; i++)
		if (p->v[i].kind == 'v' || p->v[i].kind == 'm')
			p->v[i].keep = true;
	for (changed = true; changed;) {
		changed = false;
		for (i = 0; i < ndep; i++) {
			struct rel *v = &p->v[dep[2 * i]];
			if (v->keep && (v->kind == 'v' || v->kind == 'm') && !p->v[dep[2 * i + 1]].keep) {
				v->keep = false;
				changed = true;
			}
		}
	}
	ret = 0;
out:
	free(fk);
	free(dep);
	return ret;
}

/* LOCK the kept tables ACCESS SHARE in the snapshot's transaction, like pg_dump. */
static int lock_tables(const struct plan *p, struct runway_conn *c, struct runway_error *err)
{
	struct runway_buf b = RUNWAY_BUF_INIT;
	size_t i, n = 0;
	int ret = -1;

	for (i = 0; i <= p->n; i++) {
		if (i < p->n && p->v[i].keep && (p->v[i].kind == 'r' || p->v[i].kind == 'p')) {
			char *q = qname(p->v[i].schema, p->v[i].name);
			runway_buf_adds(&b, n ? ", " : "LOCK TABLE ONLY ");
			runway_buf_adds(&b, q);
			free(q);
			n++;
		}
		if (n && (n == LOCK_BATCH || i == p->n)) {
			runway_buf_adds(&b, " IN ACCESS SHARE MODE");
			if (driver_exec(c, b.buf, err) < 0)
				goto out;
			runway_buf_reset(&b);
			n = 0;
		}
	}
	ret = 0;
out:
	runway_buf_release(&b);
	return ret;
}

/* The tables whose rows are copied, masked by their partition root's rules. */
static void build_tables(const struct plan *p, const struct clone_opts *o,
			 struct pg_table **out, size_t *n)
{
	size_t i, k = 0;

	*out = xcalloc(p->n + 1, sizeof(**out));
	for (i = 0; i < p->n; i++) {
		const struct rel *x = &p->v[i], *root = x;
		struct pg_table *t;
		size_t c;

		if (x->kind != 'r' || !x->keep)
			continue;
		while (root->partition && root->up != SIZE_MAX)
			root = &p->v[root->up];
		t = &(*out)[k++];
		t->schema = xstrdup(x->schema);
		t->name = xstrdup(x->name);
		t->qname = qname(x->schema, x->name);
		t->mschema = xstrdup(root->schema);
		t->mname = xstrdup(root->name);
		for (c = 0; c < x->cols.n; c++)
			strvec_push(&t->cols, x->cols.v[c]);
		t->textlike = xcalloc(x->cols.n + 1, sizeof(bool));
		for (c = 0; c < x->cols.n; c++)
			t->textlike[c] = x->textlike.buf[c] == '1';
		t->binary_ok = x->binary_ok;
		t->blocks = x->blocks;
		t->bytes = x->bytes;
		if (clone_has_rules(o)) {
			mask_plan_new(&t->plan, o->rules, t->mschema, t->mname,
				      (const char *const *)t->cols.v, t->cols.n);
			if (!mask_plan_any(t->plan)) {
				mask_plan_free(t->plan);
				t->plan = NULL;
			}
		}
	}
	*n = k;
}

/*
 * CREATE DATABASE for the stream: empty (template0), with the source's
 * encoding and locale (an ICU source's provider when the target has them: 15+).
 */
static int create_db(struct pgc *g, struct runway_conn *sc, long src_version,
		     long dst_version, struct runway_error *err)
{
	struct runway_rows r = RUNWAY_ROWS_INIT;
	struct runway_buf sql = RUNWAY_BUF_INIT;
	char *q = qi(g->t.name), *l, *query;
	char state[6];
	size_t i;
	int ret = -1;

	query = xasprintf("SELECT pg_catalog.pg_encoding_to_char(encoding), datcollate, datctype%s"
			  " FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database()",
			  src_version >= 170000 ? ", datlocprovider::text, datlocale" :
			  src_version >= 150000 ? ", datlocprovider::text, daticulocale" : "");
	if (driver_query(sc, query, NULL, 0, &r, err) < 0)
		goto out;
	runway_buf_addf(&sql, "CREATE DATABASE %s TEMPLATE template0", q);
	if (r.nrows) {
		static const char *const kw[] = { " ENCODING ", " LC_COLLATE ", " LC_CTYPE " };
		for (i = 0; i < ARRAY_SIZE(kw); i++) {
			if (!rows_get(&r, 0, i))
				continue;
			l = ql(rows_get(&r, 0, i));
			runway_buf_addf(&sql, "%s%s", kw[i], l);
			free(l);
		}
		if (dst_version >= 150000 && r.ncols > 4 && rows_get(&r, 0, 3) &&
		    !strcmp(rows_get(&r, 0, 3), "i") && rows_get(&r, 0, 4)) {
			l = ql(rows_get(&r, 0, 4));
			runway_buf_addf(&sql, " LOCALE_PROVIDER icu ICU_LOCALE %s", l);
			free(l);
		}
	}
	if (admin_exec(g->t.admin, sql.buf, state, err) < 0) {
		if (!strcmp(state, "42P04")) {
			runway_error_set(err, RUNWAY_E_USAGE, "clone: database '%s' already exists",
					 g->t.name);
		} else {
			runway_error_prefix(err, "clone: cannot create database '%s'", g->t.name);
			if (!strcmp(state, "42501"))
				err->klass = RUNWAY_E_CONN;
		}
		goto out;
	}
	g->t.created = true;
	ret = 0;
out:
	runway_buf_release(&sql);
	rows_release(&r);
	free(query);
	free(q);
	return ret;
}

/* Sequences of the source (in the snapshot) onto the clone. */
static int copy_sequences(const struct plan *p, struct runway_conn *sc, struct runway_conn *dc,
			  struct runway_error *err)
{
	size_t i;
	int ret = -1;

	for (i = 0; i + 1 < p->seqs.n; i += 2) {
		struct runway_rows r = RUNWAY_ROWS_INIT;
		char *q = qname(p->seqs.v[i], p->seqs.v[i + 1]);
		char *sql = xasprintf("SELECT last_value, is_called FROM %s", q);
		const char *params[4];
		int rc;

		rc = driver_query(sc, sql, NULL, 0, &r, err);
		if (rc == 0 && r.nrows == 1) {
			params[0] = p->seqs.v[i];
			params[1] = p->seqs.v[i + 1];
			params[2] = rows_get(&r, 0, 0);
			params[3] = rows_get(&r, 0, 1);
			/* a sequence --tables left out is not in the clone: nothing to set */
			rc = driver_query(dc, "SELECT pg_catalog.setval(c.oid, $3::bigint, $4::boolean)"
					  " FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n"
					  " ON n.oid = c.relnamespace WHERE n.nspname = $1"
					  " AND c.relname = $2 AND c.relkind = 'S'", params, 4, NULL, err);
		}
		if (rc < 0)
			runway_error_prefix(err, "clone: cannot copy sequence %s", q);
		rows_release(&r);
		free(sql);
		free(q);
		if (rc < 0)
			goto out;
	}
	ret = 0;
out:
	return ret;
}

static int list_los(struct plan *p, struct runway_conn *sc, struct runway_error *err)
{
	struct runway_rows r = RUNWAY_ROWS_INIT;
	size_t i;

	if (driver_query(sc, "SELECT oid FROM pg_catalog.pg_largeobject_metadata ORDER BY oid",
			 NULL, 0, &r, err) < 0)
		return -1;
	for (i = 0; i < r.nrows; i++)
		strvec_push(&p->los, rows_get(&r, i, 0));
	rows_release(&r);
	return 0;
}

/* Large objects with their OIDs, LO_CHUNK bytes at a time (hex text both ways). */
static int copy_los(const struct plan *p, struct runway_conn *sc, struct runway_conn *dc,
		    struct runway_error *err)
{
	size_t i;

	for (i = 0; i < p->los.n; i++) {
		const char *oid = p->los.v[i];
		uint64_t off = 0;

		if (driver_query(dc, "SELECT pg_catalog.lo_create($1::oid)", &oid, 1, NULL, err) < 0)
			goto fail;
		for (;;) {
			struct runway_rows r = RUNWAY_ROWS_INIT;
			char offs[32], lens[32];
			const char *params[3] = { oid, offs, lens };
			const char *hex;
			size_t n;
			int rc;

			snprintf(offs, sizeof(offs), "%llu", (unsigned long long)off);
			snprintf(lens, sizeof(lens), "%d", LO_CHUNK);
			if (driver_query(sc, "SELECT pg_catalog.lo_get($1::oid, $2::bigint, $3::int)",
					 params, 3, &r, err) < 0)
				goto fail;
			hex = rows_get(&r, 0, 0);
			n = hex && strlen(hex) > 2 ? (strlen(hex) - 2) / 2 : 0;
			rc = 0;
			if (n) {
				const char *put[3] = { oid, offs, hex };
				rc = driver_query(dc, "SELECT pg_catalog.lo_put($1::oid, $2::bigint,"
						  " $3::bytea)", put, 3, NULL, err);
			}
			rows_release(&r);
			if (rc < 0)
				goto fail;
			if (n < LO_CHUNK)
				break;
			off += n;
			if (clone_interrupted())
				return clone_fail_interrupted(err);
		}
		continue;
fail:
		runway_error_prefix(err, "clone: cannot copy large object %s", oid);
		return -1;
	}
	return 0;
}

/* Populated materialized views come empty from a schema dump: refresh them (retry for order). */
static int refresh_matviews(const struct plan *p, struct runway_conn *dc,
			    struct runway_error *err)
{
	struct strvec todo = STRVEC_INIT;
	size_t i;
	int ret = -1;

	for (i = 0; i < p->n; i++)
		if (p->v[i].kind == 'm' && p->v[i].keep && p->v[i].populated) {
			char *q = qname(p->v[i].schema, p->v[i].name);
			strvec_push(&todo, q);
			free(q);
		}
	while (todo.n) {
		struct strvec left = STRVEC_INIT;
		struct runway_error last = RUNWAY_ERROR_INIT;
		char *failed = NULL;

		for (i = 0; i < todo.n; i++) {
			char *sql = xasprintf("REFRESH MATERIALIZED VIEW %s", todo.v[i]);
			runway_error_clear(&last);
			if (driver_exec(dc, sql, &last) < 0) {
				strvec_push(&left, todo.v[i]);
				free(failed);
				failed = xstrdup(todo.v[i]);
			}
			free(sql);
		}
		if (left.n == todo.n) {
			/* no progress: report the last failure */
			*err = last;
			runway_error_prefix(err, "clone: cannot refresh materialized view %s", failed);
			free(failed);
			strvec_release(&left);
			goto out;
		}
		runway_error_clear(&last);
		free(failed);
		strvec_release(&todo);
		todo = left;
	}
	ret = 0;
out:
	strvec_release(&todo);
	return ret;
}

static int default_jobs(const struct clone_opts *o)
{
	long n;

	if (o->jobs > 0)
		return o->jobs > 64 ? 64 : o->jobs;
	n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > 4 ? 4 : (int)n;
}

static int do_stream(struct pgc *g, struct runway_error *err)
{
	const struct clone_opts *o = g->o;
	struct plan p;
	struct pg_tools tools = { NULL, NULL };
	struct pg_copy cp;
	struct pg_table *tables = NULL;
	struct runway_conn *sc = NULL, *dc = NULL;
	struct strvec argv = STRVEC_INIT;
	struct runway_rows r = RUNWAY_ROWS_INIT;
	char *snapshot = NULL, *dump = NULL, *src_ci = NULL, *src_pw = NULL;
	char *dst_ci = NULL, *dst_pw = NULL, *jobs_s = NULL;
	bool keep_owner = false, in_txn = false;
	size_t ntables = 0, i;
	long version;
	int jobs = default_jobs(o), fd, ret = -1;

	memset(&p, 0, sizeof(p));
	memset(&cp, 0, sizeof(cp));
	progress_draw(&g->pr, true, "clone: reading '%s'", g->src_name);
	if (driver_connect(&sc, g->src, err) < 0)
		goto out;
	clone_watch(sc);
	/* bad rules fail here, before anything is created */
	if (clone_has_rules(o)) {
		struct schema s = SCHEMA_INIT;
		int rc = schema_read(&s, sc, err);
		if (rc == 0)
			rc = mask_rules_check(o->rules, &s, err);
		schema_release(&s);
		if (rc < 0)
			goto out;
	}
	if (driver_exec(sc, "SET statement_timeout = 0; SET lock_timeout = 0;"
			" SET idle_in_transaction_session_timeout = 0; SET bytea_output = 'hex';"
			" BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", err) < 0)
		goto out;
	in_txn = true;
	if (driver_query(sc, "SELECT pg_catalog.pg_export_snapshot(),"
			 " pg_catalog.current_setting('server_version_num')", NULL, 0, &r, err) < 0)
		goto out;
	snapshot = rows_take(&r, 0, 0);
	version = strtol(rows_get(&r, 0, 1) ? rows_get(&r, 0, 1) : "0", NULL, 10);
	rows_release(&r);
	if (version < 120000) {
		runway_error_set(err, RUNWAY_E_IO, "clone: PostgreSQL %ld.%ld is too old to clone "
				 "(12 or newer)", version / 10000, version % 10000);
		goto out;
	}
	p.filtered = o->tables && o->tables->n;
	if (read_plan(&p, sc, err) < 0 ||
	    (p.filtered && select_tables(&p, sc, o->tables, err) < 0) ||
	    (!p.filtered && list_los(&p, sc, err) < 0) || lock_tables(&p, sc, err) < 0)
		goto out;
	build_tables(&p, o, &tables, &ntables);

	if (find_tools(&tools, (int)(version / 10000), err) < 0)
		goto out;
	if (tool_conninfo(&src_ci, &src_pw, g->src, g->src_name, err) < 0 ||
	    tool_conninfo(&dst_ci, &dst_pw, g->dst, g->t.name, err) < 0)
		goto out;
	{
		const char *tmp = env_val("TMPDIR");
		dump = xasprintf("%s/runway-clone-XXXXXX", tmp ? tmp : "/tmp");
		fd = mkstemp(dump);
		if (fd < 0) {
			runway_error_set(err, RUNWAY_E_IO, "clone: cannot create a temporary file in "
					 "'%s': %s", tmp ? tmp : "/tmp", strerror(errno));
			free(dump);
			dump = NULL;
			goto out;
		}
		close(fd);
	}

	/* the schema, before anything exists on the target */
	progress_draw(&g->pr, true, "clone: schema of '%s' (pg_dump)", g->src_name);
	strvec_push(&argv, tools.dump);
	strvec_push(&argv, "--format=custom");
	strvec_push(&argv, "--schema-only");
	strvec_push(&argv, "--no-subscriptions");
	{
		char *a = xasprintf("--snapshot=%s", snapshot);
		strvec_push(&argv, a);
		free(a);
		a = xasprintf("--file=%s", dump);
		strvec_push(&argv, a);
		free(a);
		a = xasprintf("--dbname=%s", src_ci);
		strvec_push(&argv, a);
		free(a);
	}
	for (i = 0; p.filtered && i < p.n; i++) {
		if (!p.v[i].keep) {
			char *q = qname(p.v[i].schema, p.v[i].name), *a = xasprintf("--exclude-table=%s", q);
			strvec_push(&argv, a);
			free(a);
			free(q);
		}
	}
	if (run_tool((const char *const *)argv.v, src_pw, err) < 0)
		goto out;
	strvec_release(&argv);

	if (create_db(g, sc, version, server_version(g->t.admin), err) < 0)
		goto out;
	if (g->same) {
		char *v = NULL;
		if (query1(g->t.admin, "SELECT rolsuper FROM pg_catalog.pg_roles"
			   " WHERE rolname = current_user", NULL, 0, &v, err) < 0)
			goto out;
		keep_owner = is_t(v);
		free(v);
	}
	progress_draw(&g->pr, true, "clone: creating the tables");
	strvec_push(&argv, tools.restore);
	strvec_push(&argv, "--section=pre-data");
	strvec_push(&argv, "--exit-on-error");
	if (!keep_owner) {
		strvec_push(&argv, "--no-owner");
		strvec_push(&argv, "--no-privileges");
	}
	if (!g->same)
		strvec_push(&argv, "--no-tablespaces");
	{
		char *a = xasprintf("--dbname=%s", dst_ci);
		strvec_push(&argv, a);
		free(a);
	}
	strvec_push(&argv, dump);
	if (run_tool((const char *const *)argv.v, dst_pw, err) < 0)
		goto out;

	/* the rows */
	cp.src = g->src;
	cp.dst = &g->data_url;
	cp.snapshot = snapshot;
	cp.tables = tables;
	cp.ntables = ntables;
	cp.key = o->key;
	cp.jobs = jobs;
	cp.split = version >= 140000;
	{
		const char *sb = env_val("RUNWAY_CLONE_SPLIT_MB");
		if (sb)
			cp.split_bytes = strtoull(sb, NULL, 10) * 1024 * 1024;
	}
	cp.progress = &g->pr;
	for (i = 0; i < ntables; i++)
		cp.total_bytes += tables[i].bytes;
	if (pg_copy_run(&cp, err) < 0)
		goto out;
	g->res->tables = ntables;
	g->res->rows = cp.rows;
	g->res->bytes = cp.bytes;
	g->res->masked = cp.masked;

	/* indexes, constraints, triggers: post-data, in parallel (the same argv but the section) */
	progress_draw(&g->pr, true, "clone: indexes and constraints (pg_restore -j %d)", jobs);
	free(argv.v[1]);
	argv.v[1] = xstrdup("--section=post-data");
	jobs_s = xasprintf("--jobs=%d", jobs);
	strvec_push(&argv, jobs_s);
	if (run_tool((const char *const *)argv.v, dst_pw, err) < 0)
		goto out;

	progress_draw(&g->pr, true, "clone: sequences, large objects, materialized views");
	if (driver_connect(&dc, &g->data_url, err) < 0)
		goto out;
	clone_watch(dc);
	if (copy_sequences(&p, sc, dc, err) < 0 || copy_los(&p, sc, dc, err) < 0 ||
	    refresh_matviews(&p, dc, err) < 0)
		goto out;
	if (clone_interrupted()) {
		clone_fail_interrupted(err);
		goto out;
	}
	g->res->used = CLONE_STREAM;
	ret = 0;
out:
	if (ret < 0 && clone_interrupted() && err->klass != RUNWAY_E_INTERRUPTED)
		clone_fail_interrupted(err);
	if (in_txn)
		driver_exec(sc, "ROLLBACK", NULL);
	clone_close(dc);
	clone_close(sc);
	for (i = 0; i < ntables; i++)
		pg_table_release(&tables[i]);
	free(tables);
	plan_release(&p);
	tools_release(&tools);
	if (dump) {
		unlink(dump);
		free(dump);
	}
	strvec_release(&argv);
	rows_release(&r);
	free(snapshot);
	free(jobs_s);
	free(src_ci);
	free(dst_ci);
	free_secret(src_pw);
	free_secret(dst_pw);
	return ret;
}

int pg_clone_run(const struct runway_url *src, const struct runway_url *dst,
		 const struct clone_opts *o, struct clone_result *res,
		 struct runway_error *err)
{
	struct pgc g;
	enum clone_strategy s = o->strategy;
	char *reason = NULL, *pid = NULL;
	bool exists = false, busy = false;
	int ret = -1;

	memset(&g, 0, sizeof(g));
	g.src = src;
	g.dst = dst;
	g.o = o;
	g.res = res;
	progress_init(&g.pr, o->progress);
	g.src_name = pg_url_dbname(src);
	if (pg_target_open(&g.t, dst, err) < 0)
		goto out;
	if (url_for_db(&g.data_url, dst, g.t.name, err) < 0)
		goto out;
	if (pg_target_exists(&g.t, &exists, err) < 0)
		goto out;
	if (exists) {
		runway_error_set(err, RUNWAY_E_USAGE, "clone: database '%s' already exists", g.t.name);
		runway_error_hint(err, "drop it first, or clone to another name");
		goto out;
	}
	g.same = same_server(src, dst);
	if (s == CLONE_TEMPLATE || (s == CLONE_AUTO && !clone_has_rules(o))) {
		if (clone_has_rules(o) && check_rules(&g, &pid, err) < 0)
			goto out;
		if (template_safe(&g, pid, &reason, err) < 0)
			goto out;
		if (reason && s == CLONE_TEMPLATE) {
			runway_error_set(err, RUNWAY_E_USAGE,
					 "clone: cannot use the template strategy: %s", reason);
			runway_error_hint(err, "--strategy stream copies a database in use, or "
					  "across servers");
			goto out;
		}
		if (!reason) {
			if (do_template(&g, &busy, err) == 0) {
				ret = 0;
				goto out;
			}
			/* someone connected to the source in between: auto streams instead */
			if (!(busy && s == CLONE_AUTO) || clone_interrupted())
				goto out;
			runway_error_clear(err);
		}
	}
	ret = do_stream(&g, err);
out:
	progress_clear(&g.pr);
	if (ret == 0)
		g.t.created = false;
	pg_target_release(&g.t);
	url_release(&g.data_url);
	free(g.src_name);
	free(reason);
	free(pid);
	return ret;
}
