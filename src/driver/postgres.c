/*
 * postgres.c - the PostgreSQL driver, over libpq.
 *
 * Scripts are split into statements with libpg_query's scanner (the real
 * PostgreSQL lexer: strings, quoted identifiers, dollar quotes, comments),
 * so a failure can be traced back to the statement that caused it.
 *
 * A change is deployed by run_batch in one round trip: libpq's pipeline
 * mode sends BEGIN, every statement of the script, the bookkeeping
 * statements and COMMIT, then a single Sync, and reads the results back.
 * The first result that is an error names the failing statement; the
 * server skips everything after it up to the Sync, and we send ROLLBACK
 * if the transaction is left open. Statements sent this way use the
 * extended protocol, one command each, which is why the script is split
 * first. What cannot run like that falls back to one PQexec per statement:
 * no-transaction changes (CREATE INDEX CONCURRENTLY, VACUUM refuse to run
 * in a transaction block, and a pipeline is one implicitly), COPY (the
 * server ignores Sync during COPY FROM STDIN, so a pipeline would hang)
 * and scripts the scanner cannot split (sent whole, the server's error
 * position then gives the offset).
 *
 * Surprising parts:
 *  - libpq echoes parts of a malformed URI, password included, in its
 *    connection errors ("invalid percent-encoded token: ..."): every
 *    connection message goes through pg_scrub before it is shown;
 *  - PQexec of a COPY statement stops in the middle of the protocol; we
 *    end COPY FROM STDIN with an error and drain COPY TO STDOUT
 *    (pg_finish), so the connection is never left busy.
 */
#include "util/common.h"
#include "driver/driver_impl.h"
#include "driver/postgres.h"

#include <limits.h>
#include <strings.h>

#include <libpq-fe.h>
#include <pg_query.h>

/*
 * Key of the deploy lock (pg_advisory_lock(bigint)): the 64-bit FNV-1a
 * hash of the string "runway", 0x9e9133e9a27f8b31, as a signed bigint.
 * In pg_locks it shows as classid 2660376692, objid 3569328049,
 * objsubid 1. Every runway release must keep this value.
 */
#define PG_LOCK_KEY "-7020513182959558735"
#define PG_LOCK_CLASSID "2660376692"
#define PG_LOCK_OBJID "3569328049"
#define PG_LOCK_POLL_MS 50

/* Protocol limit on the number of parameters of one statement. */
#define PG_MAX_PARAMS 65535

struct pg_conn {
	struct runway_conn base; /* first: see driver_impl.h */
	PGconn *pg;
	PGcancel *cancel;        /* for driver_interrupt, made at connect */
	char *where;             /* the URL, password redacted, for messages */
	bool verbose;            /* RUNWAY_VERBOSE=1: show NOTICEs */
	void (*hook)(void *, const PGresult *); /* pg_notice_hook */
	void *hook_arg;
};

/* One statement of a split script. */
struct pg_stmt {
	const char *sql; /* NUL-terminated; points into pg_script.text or owned */
	size_t off;      /* byte offset of the statement in the script */
	bool owned;      /* sql was allocated for this statement */
};

/* A script copied (NUL-terminated, as libpg_query and libpq want) and split. */
struct pg_script {
	char *text;
	size_t len;
	bool split;            /* false: the scanner failed, run text whole */
	struct pg_stmt *stmts;
	size_t nstmts;
};
#define PG_SCRIPT_INIT { NULL, 0, false, NULL, 0 }

static struct pg_conn *pg_of(struct runway_conn *c)
{
	return (struct pg_conn *)c;
}

/* The first line of a libpq message, without trailing blanks (caller frees). */
static char *pg_first_line(const char *msg)
{
	size_t n;

	if (!msg)
		msg = "";
	n = strcspn(msg, "\n");
	while (n && (msg[n - 1] == ' ' || msg[n - 1] == '\t' || msg[n - 1] == '\r'))
		n--;
	return xstrndup(msg, n);
}

/* Replace every occurrence of secret in *s with repl. */
static void pg_replace(char **s, const char *secret, const char *repl)
{
	struct runway_buf b = RUNWAY_BUF_INIT;
	size_t n = secret ? strlen(secret) : 0;
	const char *p, *hit;

	if (!n || !strstr(*s, secret))
		return;
	for (p = *s; (hit = strstr(p, secret)); p = hit + n) {
		runway_buf_add(&b, p, (size_t)(hit - p));
		runway_buf_adds(&b, repl);
	}
	runway_buf_adds(&b, p);
	secure_wipe(*s, strlen(*s));
	free(*s);
	*s = runway_buf_detach(&b);
}

/*
 * Remove the URL and its password from a libpq connection message. The
 * password is the raw text between ':' and '@' of the URI's authority or
 * of a password= parameter, which is how libpq quotes it.
 */
static void pg_scrub(char **msg, const struct runway_url *url)
{
	const char *auth, *end, *at = NULL, *colon, *p;
	char *pw;

	if (!url->raw)
		return;
	pg_replace(msg, url->raw, url->redacted ? url->redacted : "***");
	auth = strstr(url->raw, "://");
	if (!auth)
		goto query;
	auth += 3;
	end = auth + strcspn(auth, "/?#");
	for (p = auth; p < end; p++)
		if (*p == '@')
			at = p;
	if (!at)
		goto query;
	colon = memchr(auth, ':', (size_t)(at - auth));
	if (!colon || colon + 1 == at)
		goto query;
	pw = xstrndup(colon + 1, (size_t)(at - colon - 1));
	pg_replace(msg, pw, "***");
	secure_wipe(pw, strlen(pw));
	free(pw);
query:
	/* and a ?password=... parameter */
	for (p = strchr(url->raw, '?'); p && (p = strstr(p, "password=")); p += 9) {
		if (p[-1] != '?' && p[-1] != '&')
			continue;
		pw = xstrndup(p + 9, strcspn(p + 9, "&#"));
		pg_replace(msg, pw, "***");
		secure_wipe(pw, strlen(pw));
		free(pw);
	}
}

/*
 * Turn libpq's connection failure into our style: drop the
 * "connection to server at ... failed: " and "FATAL:  " prefixes, lower
 * the first letter of an OS message ("Connection refused").
 */
static char *pg_conn_reason(const char *libpq_msg)
{
	char *line = pg_first_line(libpq_msg), *p = line, *q, *out;

	if (!strncmp(p, "connection to server ", 21) && (q = strstr(p, " failed: ")))
		p = q + 9;
	if (!strncmp(p, "FATAL:  ", 8))
		p += 8;
	if (p[0] >= 'A' && p[0] <= 'Z' && p[1] >= 'a' && p[1] <= 'z')
		p[0] = (char)(p[0] - 'A' + 'a');
	out = xstrdup(*p ? p : "unknown error");
	free(line);
	return out;
}

/*
 * Set err from a failed result (res may be NULL): the server's primary
 * message, then its DETAIL and HINT on their own lines. A broken
 * connection, a terminated session and missing privileges are
 * RUNWAY_E_CONN (exit 3), anything else RUNWAY_E_SQL. Returns -1.
 */
static int pg_fail(struct pg_conn *pc, const PGresult *res, struct runway_error *err)
{
	struct runway_buf b = RUNWAY_BUF_INIT;
	const char *primary = NULL, *detail = NULL, *hint = NULL, *sqlstate;
	char *line = NULL;

	if (res) {
		primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
		detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
		hint = PQresultErrorField(res, PG_DIAG_MESSAGE_HINT);
	}
	if (!primary) {
		/* errors made by libpq itself carry no fields */
		const char *m = res ? PQresultErrorMessage(res) : "";
		line = pg_conn_reason(*m ? m : PQerrorMessage(pc->pg));
		primary = line;
	}
	sqlstate = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	/* 57P0x: the server shut the session down (admin, crash, starting up) */
	if (PQstatus(pc->pg) != CONNECTION_OK ||
	    (sqlstate && (!strncmp(sqlstate, "08", 2) || !strncmp(sqlstate, "57P0", 4)))) {
		runway_error_set(err, RUNWAY_E_CONN, "lost connection to '%s': %s",
				 pc->where, primary);
		goto out;
	}
	runway_buf_adds(&b, primary);
	if (detail)
		runway_buf_addf(&b, "\n  DETAIL: %s", detail);
	if (hint)
		runway_buf_addf(&b, "\n  HINT: %s", hint);
	/*
	 * Missing privileges are the environment's problem (exit 3), like a
	 * failed login: the same change deploys under the right role.
	 */
	runway_error_set(err, sqlstate && (!strcmp(sqlstate, "42501") || !strncmp(sqlstate, "28", 2))
			 ? RUNWAY_E_CONN : RUNWAY_E_SQL, "%s", b.buf);
out:
	runway_buf_release(&b);
	free(line);
	return -1;
}

static bool pg_result_ok(const PGresult *res)
{
	switch (PQresultStatus(res)) {
	case PGRES_COMMAND_OK:
	case PGRES_TUPLES_OK:
	case PGRES_EMPTY_QUERY:
		return true;
	default:
		return false;
	}
}

/*
 * Finish what PQexec/PQexecParams started: get COPY out of the way (see
 * the top of the file) and read every remaining result. Returns the first
 * failed result, else the last one; NULL only if there was none at all.
 */
static PGresult *pg_finish(PGconn *pg, PGresult *res)
{
	PGresult *keep = NULL;
	char *data;

	while (res) {
		switch (PQresultStatus(res)) {
		case PGRES_COPY_IN:
			PQputCopyEnd(pg, "runway cannot feed COPY FROM STDIN: "
					 "load data with INSERT, or COPY from a server file");
			PQclear(res);
			break;
		case PGRES_COPY_OUT:
			while (PQgetCopyData(pg, &data, 0) > 0)
				PQfreemem(data);
			PQclear(res);
			break;
		default:
			if (keep && !pg_result_ok(keep)) {
				PQclear(res);
			} else {
				PQclear(keep);
				keep = res;
			}
			break;
		}
		if (PQstatus(pg) != CONNECTION_OK && keep)
			break;
		res = PQgetResult(pg);
	}
	return keep;
}

/*
 * Check a finished result: on success hand it to *out (or clear it when
 * out is NULL), on failure set err and clear it.
 */
static int pg_take(struct pg_conn *pc, PGresult *res, PGresult **out,
		   struct runway_error *err)
{
	if (!res || !pg_result_ok(res)) {
		pg_fail(pc, res, err);
		PQclear(res);
		return -1;
	}
	if (out)
		*out = res;
	else
		PQclear(res);
	return 0;
}

/* PQexec and check; for several statements the first failure wins. */
static int pg_exec1(struct pg_conn *pc, const char *sql, PGresult **out,
		    struct runway_error *err)
{
	return pg_take(pc, pg_finish(pc->pg, PQexec(pc->pg, sql)), out, err);
}

static int pg_params1(struct pg_conn *pc, const char *sql,
		      const char *const *params, size_t nparams,
		      PGresult **out, struct runway_error *err)
{
	if (nparams > PG_MAX_PARAMS)
		return runway_error_set(err, RUNWAY_E_INTERNAL,
					"too many parameters (%zu) for one statement", nparams);
	return pg_take(pc, pg_finish(pc->pg, PQexecParams(pc->pg, sql, (int)nparams, NULL,
							      params, NULL, NULL, 0)),
		       out, err);
}

/* Leave the session idle: roll back a transaction a failure left open. */
static void pg_settle(struct pg_conn *pc)
{
	PGTransactionStatusType ts = PQtransactionStatus(pc->pg);

	if (ts == PQTRANS_INTRANS || ts == PQTRANS_INERROR)
		PQclear(pg_finish(pc->pg, PQexec(pc->pg, "ROLLBACK")));
}

/* Show NOTICEs only with RUNWAY_VERBOSE=1; WARNINGs always. */
static void pg_notice(void *arg, const PGresult *res)
{
	struct pg_conn *pc = arg;
	const char *sev = PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED);
	const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	bool warning = sev && !strcmp(sev, "WARNING");

	if (pc->hook)
		pc->hook(pc->hook_arg, res);
	if (!msg || (!warning && !pc->verbose))
		return;
	fprintf(stderr, "runway: %s: %s\n", warning ? "warning" : "notice", msg);
}

static int pg_connect(struct runway_conn **out, const struct runway_url *url,
		      struct runway_error *err)
{
	/*
	 * client_encoding comes before dbname so that a URL parameter can
	 * override it; change files are UTF-8, and error positions are then
	 * counted in UTF-8 characters (pg_pos_to_offset).
	 */
	const char *keys[5], *vals[5];
	const char *v = getenv("RUNWAY_VERBOSE");
	struct pg_conn *pc = NULL;
	char *reason = NULL;
	int n = 0, ret = -1;

	if (!getenv("PGCLIENTENCODING")) {
		keys[n] = "client_encoding";
		vals[n++] = "UTF8";
	}
	keys[n] = "dbname";
	vals[n++] = url->raw;
	if (url->database) {
		/* a later dbname overrides the one the URL (the first dbname) names */
		keys[n] = "dbname";
		vals[n++] = url->database;
	}
	keys[n] = "fallback_application_name";
	vals[n++] = "runway";
	keys[n] = NULL;
	vals[n] = NULL;

	pc = xcalloc(1, sizeof(*pc));
	pc->base.drv = &runway_driver_postgres;
	pc->where = xstrdup(url->redacted ? url->redacted : "postgres://");
	pc->verbose = v && *v && strcmp(v, "0");
	pc->pg = PQconnectdbParams(keys, vals, 1);
	if (!pc->pg || PQstatus(pc->pg) != CONNECTION_OK) {
		const char *m = pc->pg ? PQerrorMessage(pc->pg) : "out of memory";
		const char *hint = strchr(m, '\n');

		reason = pg_conn_reason(m);
		pg_scrub(&reason, url);
		runway_error_set(err, RUNWAY_E_CONN, "cannot connect to '%s': %s",
				 pc->where, reason);
		/* libpq's advice ("Is the server running ...?") follows a tab */
		if (hint && hint[1] == '\t' && hint[2]) {
			char *h = pg_first_line(hint + 2);

			if (h[0] >= 'A' && h[0] <= 'Z' && h[1] >= 'a' && h[1] <= 'z')
				h[0] = (char)(h[0] - 'A' + 'a');
			pg_scrub(&h, url);
			runway_error_hint(err, "%s", h);
			free(h);
		}
		goto out;
	}
	PQsetNoticeReceiver(pc->pg, pg_notice, pc);
	pc->cancel = PQgetCancel(pc->pg);
	*out = &pc->base;
	pc = NULL;
	ret = 0;
out:
	if (pc) {
		PQfinish(pc->pg);
		free(pc->where);
		free(pc);
	}
	free(reason);
	return ret;
}

static void pg_close(struct runway_conn *c)
{
	struct pg_conn *pc = pg_of(c);

	if (!pc)
		return;
	if (pc->cancel)
		PQfreeCancel(pc->cancel);
	PQfinish(pc->pg);
	free(pc->where);
	free(pc);
}

static void pg_interrupt(struct runway_conn *c)
{
	struct pg_conn *pc = pg_of(c);
	char buf[256];
	if (pc && pc->cancel)
		PQcancel(pc->cancel, buf, (int)sizeof(buf));
}

static int pg_exec(struct runway_conn *c, const char *sql, struct runway_error *err)
{
	return pg_exec1(pg_of(c), sql, NULL, err);
}

/* Skip white space and comments (which nest in PostgreSQL) up to end. */
static const char *pg_skip_blank(const char *p, const char *end)
{
	while (p < end) {
		if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f' ||
		    *p == '\v') {
			p++;
		} else if (p + 1 < end && p[0] == '-' && p[1] == '-') {
			while (p < end && *p != '\n')
				p++;
		} else if (p + 1 < end && p[0] == '/' && p[1] == '*') {
			int depth = 1;

			for (p += 2; p < end && depth; p++) {
				if (p + 1 < end && p[0] == '/' && p[1] == '*') {
					depth++;
					p++;
				} else if (p + 1 < end && p[0] == '*' && p[1] == '/') {
					depth--;
					p++;
				}
			}
		} else {
			break;
		}
	}
	return p;
}

/* Is text[from, to) only blanks, comments and ';'? */
static bool pg_gap_empty(const char *text, size_t from, size_t to)
{
	const char *p = text + from, *end = text + to;

	for (;;) {
		p = pg_skip_blank(p, end);
		if (p >= end)
			return true;
		if (*p != ';')
			return false;
		p++;
	}
}

static void pg_script_release(struct pg_script *s)
{
	size_t i;

	for (i = 0; i < s->nstmts; i++)
		if (s->stmts[i].owned)
			free((char *)s->stmts[i].sql);
	free(s->stmts);
	free(s->text);
	s->text = NULL;
	s->stmts = NULL;
	s->nstmts = 0;
	s->split = false;
}

/*
 * Copy and split a script. The scanner's statements are separated by ';'
 * (or end at the end of the text), so each one is NUL-terminated in place.
 * When the scanner fails, split stays false and the text is left whole.
 *
 * The scanner silently drops a piece between two ';' that holds no
 * keyword ("SELEC 1;"): never valid SQL, but skipping it would deploy a
 * typo as a success. So the text between statements must be blank; if not,
 * the script is also left whole, and the server reports the syntax error
 * with its position.
 */
static int pg_script_load(struct pg_script *s, const char *sql, size_t len,
			  struct runway_error *err)
{
	PgQuerySplitResult r;
	size_t prev = 0;
	int i;

	if (len > INT_MAX)
		return runway_error_set(err, RUNWAY_E_INTERNAL,
					"script too long (%zu bytes)", len);
	s->text = xstrndup(sql, len);
	s->len = strlen(s->text);
	r = pg_query_split_with_scanner(s->text);
	if (r.error) /* n_stmts and stmts are not valid then */
		goto out;
	for (i = 0; i < r.n_stmts; i++) {
		size_t off = (size_t)r.stmts[i]->stmt_location;

		if (off < prev || off > s->len || !pg_gap_empty(s->text, prev, off))
			goto out;
		prev = off + (size_t)r.stmts[i]->stmt_len;
		if (prev > s->len)
			prev = s->len;
	}
	if (!pg_gap_empty(s->text, prev, s->len))
		goto out;
	s->split = true;
	s->stmts = xcalloc(r.n_stmts ? (size_t)r.n_stmts : 1, sizeof(*s->stmts));
	for (i = 0; i < r.n_stmts; i++) {
		size_t off = (size_t)r.stmts[i]->stmt_location;
		size_t n = (size_t)r.stmts[i]->stmt_len;
		struct pg_stmt *st = &s->stmts[s->nstmts++];

		if (off + n > s->len)
			n = s->len - off;
		st->off = off;
		if (s->text[off + n] == ';' || s->text[off + n] == '\0') {
			s->text[off + n] = '\0';
			st->sql = s->text + off;
		} else {
			st->sql = xstrndup(s->text + off, n);
			st->owned = true;
		}
	}
out:
	pg_query_free_split_result(r);
	return 0;
}

/*
 * Byte offset of a 1-based character position of the server's
 * PG_DIAG_STATEMENT_POSITION in text, or DRIVER_NO_OFFSET.
 */
static size_t pg_pos_to_offset(struct pg_conn *pc, const PGresult *res,
			       const char *text)
{
	const char *pos = res ? PQresultErrorField(res, PG_DIAG_STATEMENT_POSITION) : NULL;
	bool utf8 = !strcmp(pg_encoding_to_char(PQclientEncoding(pc->pg)), "UTF8");
	char *end;
	long chars;
	size_t i = 0;

	if (!pos)
		return DRIVER_NO_OFFSET;
	errno = 0;
	chars = strtol(pos, &end, 10);
	if (errno || *end || chars < 1)
		return DRIVER_NO_OFFSET;
	while (text[i]) {
		if (!utf8 || ((unsigned char)text[i] & 0xC0) != 0x80) {
			if (--chars == 0)
				return i;
		}
		i++;
	}
	return DRIVER_NO_OFFSET;
}

/* Run a loaded script statement by statement (or whole, unsplit). */
static int pg_script_run(struct pg_conn *pc, const struct pg_script *s,
			 size_t *fail_offset, struct runway_error *err)
{
	PGresult *res = NULL;
	size_t i;
	int ret = -1;

	*fail_offset = DRIVER_NO_OFFSET;
	if (!s->split) {
		res = pg_finish(pc->pg, PQexec(pc->pg, s->text));
		if (!res || !pg_result_ok(res)) {
			*fail_offset = pg_pos_to_offset(pc, res, s->text);
			pg_fail(pc, res, err);
			goto out;
		}
		ret = 0;
		goto out;
	}
	for (i = 0; i < s->nstmts; i++) {
		if (pg_exec1(pc, s->stmts[i].sql, NULL, err) < 0) {
			*fail_offset = s->stmts[i].off;
			goto out;
		}
	}
	ret = 0;
out:
	PQclear(res);
	return ret;
}

static int pg_exec_script(struct runway_conn *c, const char *sql, size_t len,
			  size_t *fail_offset, struct runway_error *err)
{
	struct pg_script s = PG_SCRIPT_INIT;
	int ret = -1;

	*fail_offset = DRIVER_NO_OFFSET;
	if (pg_script_load(&s, sql, len, err) < 0)
		goto out;
	ret = pg_script_run(pg_of(c), &s, fail_offset, err);
out:
	pg_script_release(&s);
	return ret;
}

static int pg_query(struct runway_conn *c, const char *sql,
		    const char *const *params, size_t nparams,
		    struct runway_rows *out, struct runway_error *err)
{
	PGresult *res = NULL;
	size_t nrows, ncols, r, k;
	int ret = -1;

	if (pg_params1(pg_of(c), sql, params, nparams, &res, err) < 0)
		goto out;
	if (out) {
		nrows = (size_t)PQntuples(res);
		ncols = (size_t)PQnfields(res);
		rows_alloc(out, nrows, ncols);
		for (k = 0; k < ncols; k++)
			out->names[k] = xstrdup(PQfname(res, (int)k));
		for (r = 0; r < nrows; r++)
			for (k = 0; k < ncols; k++)
				if (!PQgetisnull(res, (int)r, (int)k))
					out->cells[r * ncols + k] =
						xstrdup(PQgetvalue(res, (int)r, (int)k));
	}
	ret = 0;
out:
	PQclear(res);
	return ret;
}

/* Does p start with the keyword kw (case-insensitive, then no identifier character)? */
static bool pg_keyword(const char *p, const char *kw)
{
	size_t n = strlen(kw);
	return !strncasecmp(p, kw, n) &&
	       !((p[n] >= 'a' && p[n] <= 'z') || (p[n] >= 'A' && p[n] <= 'Z') ||
		 (p[n] >= '0' && p[n] <= '9') || p[n] == '_' || p[n] == '$' ||
		 (unsigned char)p[n] >= 0x80);
}

/* Is the statement a COPY (after blanks and comments)? */
static bool pg_is_copy(const char *p)
{
	return pg_keyword(pg_skip_blank(p, p + strlen(p)), "copy");
}

/*
 * The statement's keyword if it begins, ends or abandons a transaction
 * (after blanks and comments), else NULL. Inside a change, such a
 * statement would end runway's own transaction early, and the rest of the
 * change and its history row would then commit on their own. ROLLBACK TO
 * (a savepoint) stays inside the transaction and is fine.
 */
static const char *pg_txn_control(const char *p)
{
	static const char *const words[] = { "begin", "commit", "end", "abort" };
	static const char *const shown[] = { "BEGIN", "COMMIT", "END", "ABORT" };
	const char *end = p + strlen(p);
	size_t i;

	p = pg_skip_blank(p, end);
	for (i = 0; i < ARRAY_SIZE(words); i++)
		if (pg_keyword(p, words[i]))
			return shown[i];
	if (pg_keyword(p, "start") && pg_keyword(pg_skip_blank(p + 5, end), "transaction"))
		return "START TRANSACTION";
	if (pg_keyword(p, "rollback") && !pg_keyword(pg_skip_blank(p + 8, end), "to"))
		return "ROLLBACK";
	if (pg_keyword(p, "prepare") && pg_keyword(pg_skip_blank(p + 7, end), "transaction"))
		return "PREPARE TRANSACTION";
	return NULL;
}

/*
 * One PQexec/PQexecParams after another: no-transaction changes, COPY,
 * scripts the scanner could not split.
 */
static int pg_batch_seq(struct pg_conn *pc, const struct runway_batch *b,
			const struct pg_script *s, size_t *fail_offset,
			struct runway_error *err)
{
	size_t i;
	int ret = -1;

	*fail_offset = DRIVER_NO_OFFSET;
	if (b->transactional && pg_exec1(pc, "BEGIN", NULL, err) < 0)
		goto out;
	if (pg_script_run(pc, s, fail_offset, err) < 0)
		goto out;
	for (i = 0; i < b->nafter; i++)
		if (pg_params1(pc, b->after[i].sql, b->after[i].params,
			       b->after[i].nparams, NULL, err) < 0)
			goto out;
	if (b->transactional && pg_exec1(pc, "COMMIT", NULL, err) < 0)
		goto out;
	ret = 0;
out:
	if (ret < 0)
		pg_settle(pc);
	return ret;
}

/* The send side of pg_batch_pipe: returns how many queries went out. */
static size_t pg_pipe_send(struct pg_conn *pc, const struct runway_batch *b,
			   const struct pg_script *s)
{
	PGconn *pg = pc->pg;
	size_t n = 0, i;

	if (!PQsendQueryParams(pg, "BEGIN", 0, NULL, NULL, NULL, NULL, 0))
		return n;
	n++;
	for (i = 0; i < s->nstmts; i++, n++)
		if (!PQsendQueryParams(pg, s->stmts[i].sql, 0, NULL, NULL, NULL, NULL, 0))
			return n;
	for (i = 0; i < b->nafter; i++, n++)
		if (b->after[i].nparams > PG_MAX_PARAMS ||
		    !PQsendQueryParams(pg, b->after[i].sql, (int)b->after[i].nparams,
				       NULL, b->after[i].params, NULL, NULL, 0))
			return n;
	if (!PQsendQueryParams(pg, "COMMIT", 0, NULL, NULL, NULL, NULL, 0))
		return n;
	return n + 1;
}

/* Script offset of pipeline query q (see pg_batch_pipe). */
static size_t pg_pipe_offset(const struct pg_script *s, size_t q)
{
	return q >= 1 && q <= s->nstmts ? s->stmts[q - 1].off : DRIVER_NO_OFFSET;
}

/*
 * A transactional change in one round trip (see the top of the file).
 * Query q of the pipeline is BEGIN (0), statement q-1 of the script
 * (1..nstmts), an `after` statement, or COMMIT (last).
 */
static int pg_batch_pipe(struct pg_conn *pc, const struct runway_batch *b,
			 const struct pg_script *s, size_t *fail_offset,
			 struct runway_error *err)
{
	PGconn *pg = pc->pg;
	size_t want = s->nstmts + b->nafter + 2, nq, q = 0, failq = SIZE_MAX;
	bool synced = false;
	PGresult *res;
	int ret = -1;

	*fail_offset = DRIVER_NO_OFFSET;
	if (!PQenterPipelineMode(pg)) {
		pg_fail(pc, NULL, err);
		goto out;
	}
	nq = pg_pipe_send(pc, b, s);
	if (nq < want) {
		/* query nq could not be queued; the ones before it still run */
		failq = nq;
		*fail_offset = pg_pipe_offset(s, nq);
		if (nq > s->nstmts && nq - s->nstmts - 1 < b->nafter &&
		    b->after[nq - s->nstmts - 1].nparams > PG_MAX_PARAMS)
			runway_error_set(err, RUNWAY_E_INTERNAL,
					 "too many parameters for one statement");
		else
			pg_fail(pc, NULL, err);
	}
	if (!PQpipelineSync(pg)) {
		if (failq == SIZE_MAX)
			pg_fail(pc, NULL, err);
		failq = 0;
		goto exit_pipe;
	}
	for (;;) {
		res = PQgetResult(pg);
		if (!res) {
			/* end of query q's results; a NULL too many: nothing more comes */
			if (PQstatus(pg) != CONNECTION_OK || ++q > nq)
				break;
			continue;
		}
		if (PQresultStatus(res) == PGRES_PIPELINE_SYNC) {
			PQclear(res);
			synced = true;
			break;
		}
		if (!pg_result_ok(res) && PQresultStatus(res) != PGRES_PIPELINE_ABORTED &&
		    failq == SIZE_MAX) {
			failq = q;
			*fail_offset = pg_pipe_offset(s, q);
			pg_fail(pc, res, err);
		}
		PQclear(res);
	}
	if (!synced && failq == SIZE_MAX) {
		failq = q;
		pg_fail(pc, NULL, err);
	}
exit_pipe:
	if (!PQexitPipelineMode(pg) && failq == SIZE_MAX) {
		failq = q;
		pg_fail(pc, NULL, err);
	}
	if (failq != SIZE_MAX)
		goto out;
	ret = 0;
out:
	if (ret < 0 && PQpipelineStatus(pg) == PQ_PIPELINE_OFF)
		pg_settle(pc);
	return ret;
}

static int pg_run_batch(struct runway_conn *c, const struct runway_batch *b,
			size_t *fail_offset, struct runway_error *err)
{
	struct pg_conn *pc = pg_of(c);
	struct pg_script s = PG_SCRIPT_INIT;
	bool pipe;
	size_t i;
	int ret = -1;

	*fail_offset = DRIVER_NO_OFFSET;
	if (pg_script_load(&s, b->script ? b->script : "", b->script ? b->script_len : 0,
			   err) < 0)
		goto out;
	for (i = 0; b->transactional && s.split && i < s.nstmts; i++) {
		const char *kw = pg_txn_control(s.stmts[i].sql);
		if (!kw)
			continue;
		/* refuse before sending anything: the change must stay one transaction */
		*fail_offset = s.stmts[i].off;
		runway_error_set(err, RUNWAY_E_CHANGE,
				 "%s inside a change: runway runs each change in a transaction of its own",
				 kw);
		runway_error_hint(err, "remove it, or mark the change '-- runway:no-transaction' "
				  "to manage transactions yourself");
		goto out;
	}
	pipe = b->transactional && s.split;
	for (i = 0; pipe && i < s.nstmts; i++)
		if (pg_is_copy(s.stmts[i].sql))
			pipe = false;
	if (pipe)
		ret = pg_batch_pipe(pc, b, &s, fail_offset, err);
	else
		ret = pg_batch_seq(pc, b, &s, fail_offset, err);
out:
	pg_script_release(&s);
	return ret;
}

/* Milliseconds on a clock that does not jump. */
static long long pg_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void pg_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/*
 * The deploy lock: a session-level advisory lock, polled every
 * PG_LOCK_POLL_MS until timeout_ms (negative: wait for ever). It goes away
 * with the session, so a killed runway never leaves it behind.
 */
static int pg_lock(struct runway_conn *c, int timeout_ms, struct runway_error *err)
{
	struct pg_conn *pc = pg_of(c);
	PGresult *res = NULL;
	long long start = pg_now_ms(), waited;
	char *holder = NULL;
	int ret = -1;

	for (;;) {
		if (pg_exec1(pc, "SELECT pg_try_advisory_lock(" PG_LOCK_KEY ")", &res, err) < 0)
			goto out;
		if (PQntuples(res) == 1 && !strcmp(PQgetvalue(res, 0, 0), "t"))
			break;
		PQclear(res);
		res = NULL;
		waited = pg_now_ms() - start;
		if (timeout_ms >= 0 && waited >= timeout_ms)
			goto busy;
		if (timeout_ms >= 0 && timeout_ms - waited < PG_LOCK_POLL_MS)
			pg_sleep_ms((long)(timeout_ms - waited));
		else
			pg_sleep_ms(PG_LOCK_POLL_MS);
	}
	ret = 0;
	goto out;
busy:
	/* who holds it, if the server tells us (best effort) */
	if (pg_exec1(pc, "SELECT l.pid, a.client_addr FROM pg_locks l"
			 " LEFT JOIN pg_stat_activity a ON a.pid = l.pid"
			 " WHERE l.locktype = 'advisory' AND l.granted"
			 " AND l.classid = " PG_LOCK_CLASSID " AND l.objid = " PG_LOCK_OBJID
			 " AND l.objsubid = 1 LIMIT 1", &res, NULL) == 0 &&
	    PQntuples(res) == 1) {
		if (PQgetisnull(res, 0, 1))
			holder = xasprintf(", server pid %s", PQgetvalue(res, 0, 0));
		else
			holder = xasprintf(", server pid %s, client %s",
					   PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1));
	}
	waited = pg_now_ms() - start;
	if (waited % 1000 == 0 || waited >= 10000)
		runway_error_set(err, RUNWAY_E_LOCK,
				 "deploy lock on '%s' is held by another runway (waited %lld s%s)",
				 pc->where, (waited + 500) / 1000, holder ? holder : "");
	else
		runway_error_set(err, RUNWAY_E_LOCK,
				 "deploy lock on '%s' is held by another runway (waited %.1f s%s)",
				 pc->where, (double)waited / 1000.0, holder ? holder : "");
	runway_error_hint(err, "wait for the other deploy to finish, or give it more "
			  "time with --lock-timeout");
out:
	PQclear(res);
	free(holder);
	return ret;
}

static int pg_unlock(struct runway_conn *c, struct runway_error *err)
{
	return pg_exec1(pg_of(c), "SELECT pg_advisory_unlock(" PG_LOCK_KEY ")", NULL, err);
}

static int pg_table_exists(struct runway_conn *c, const char *name, bool *out,
			   struct runway_error *err)
{
	const char *params[1] = { name };
	PGresult *res = NULL;
	int ret = -1;

	/*
	 * An exact name, like SQLite's sqlite_master lookup: quote_ident keeps
	 * case and dots, and to_regclass follows search_path without failing
	 * on a missing table. Tables only, partitioned ones included.
	 */
	if (pg_params1(pg_of(c), "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_class"
		       " WHERE oid = pg_catalog.to_regclass(pg_catalog.quote_ident($1))"
		       " AND relkind IN ('r', 'p'))", params, 1, &res, err) < 0)
		goto out;
	*out = PQntuples(res) == 1 && !strcmp(PQgetvalue(res, 0, 0), "t");
	ret = 0;
out:
	PQclear(res);
	return ret;
}

/* runway's tables (format: core/history.h), run with exec_script. */
static const char pg_history_ddl[] =
	"CREATE TABLE IF NOT EXISTS runway_meta (\n"
	"    key text PRIMARY KEY,\n"
	"    value text NOT NULL\n"
	");\n"
	"INSERT INTO runway_meta (key, value) VALUES ('schema_version', '1')\n"
	"    ON CONFLICT DO NOTHING;\n"
	"CREATE TABLE IF NOT EXISTS runway_history (\n"
	"    change_id text PRIMARY KEY,\n"
	"    position integer NOT NULL,\n"
	"    state text NOT NULL,\n"
	"    checksum text NOT NULL,\n"
	"    deploy_sql text NOT NULL,\n"
	"    revert_sql text,\n"
	"    verify_sql text,\n"
	"    requires text,\n"
	"    labels text,\n"
	"    no_transaction integer NOT NULL DEFAULT 0,\n"
	"    deployed_at timestamptz NOT NULL,\n"
	"    deployed_by text,\n"
	"    host text,\n"
	"    git_commit text,\n"
	"    git_ref text,\n"
	"    duration_ms bigint\n"
	");\n"
	"CREATE TABLE IF NOT EXISTS runway_events (\n"
	"    id bigserial PRIMARY KEY,\n"
	"    at timestamptz NOT NULL,\n"
	"    action text NOT NULL,\n"
	"    change_id text,\n"
	"    status text NOT NULL,\n"
	"    actor text,\n"
	"    host text,\n"
	"    git_commit text,\n"
	"    duration_ms bigint,\n"
	"    error text\n"
	");\n";

const struct runway_driver runway_driver_postgres = {
	.name = "postgres",
	.caps = DRV_TXN_DDL | DRV_ADVISORY_LOCK | DRV_PIPELINE,
	.connect = pg_connect,
	.close = pg_close,
	.exec = pg_exec,
	.exec_script = pg_exec_script,
	.query = pg_query,
	.run_batch = pg_run_batch,
	.lock = pg_lock,
	.unlock = pg_unlock,
	.table_exists = pg_table_exists,
	.interrupt = pg_interrupt,
	.history_ddl = pg_history_ddl,
	/* timestamptz as ISO-8601 UTC with milliseconds, whatever the session's TimeZone */
	.ts_text_fmt = "to_char((%s) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')",
	/* clock_timestamp(), not now(): the batch's transaction began before the change ran */
	.elapsed_ms_fmt = "CAST(round(EXTRACT(epoch FROM clock_timestamp() - CAST(%s AS timestamptz))"
			  " * 1000) AS bigint)",
};

PGconn *pg_handle(struct runway_conn *c)
{
	return c && c->drv->close == pg_close ? pg_of(c)->pg : NULL;
}

int pg_notice_hook(struct runway_conn *c, void (*fn)(void *arg, const PGresult *res), void *arg)
{
	if (!pg_handle(c))
		return -1;
	pg_of(c)->hook = fn;
	pg_of(c)->hook_arg = arg;
	return 0;
}
