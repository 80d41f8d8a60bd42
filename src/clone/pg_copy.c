/*
 * pg_copy.c - the rows of a stream clone: a work queue, `jobs` workers,
 * and the COPY codec that masks rows in flight.
 *
 * Each worker has two connections: one to the source, in a REPEATABLE
 * READ READ ONLY transaction that imports the clone's exported snapshot,
 * and one to the new database. It takes the biggest item left: a table,
 * or a ctid range of a big table (on PostgreSQL 14+, where
 * `ctid >= '(a,0)' AND ctid < '(b,0)'` is a TID range scan), so several
 * workers share a table that would otherwise be the critical path.
 * Measured on 2 shared cores (1M rows, 89 MB): one table split in two
 * ranges over 2 workers ran as fast as unsplit (1.09 s vs 1.16 s, within
 * noise), and with three more tables it was 6% slower (1.115 s vs
 * 1.056 s): a single COPY pipeline already keeps two cores busy (the
 * COPY TO and COPY FROM backends), and two sessions loading one table
 * contend for its extension lock. So by default a table is split only
 * with 3 or more workers.
 *
 * Formats: binary COPY unless a column's binary form would not survive
 * the trip to another database (pg_clone.c's q_cols says which), then
 * text. A masked table stays binary when every masked column is text-like
 * (text, varchar, char, name, citext: their binary form is their text in
 * the client encoding, UTF8 here) or masked with `null`; otherwise it
 * goes as text. An unmasked table is forwarded chunk by chunk, unparsed.
 *
 * The codec parses the stream whatever the chunk boundaries (libpq hands
 * out one CopyData message per call; nothing here relies on messages
 * being rows): input accumulates in a buffer until a whole row is there,
 * the row is masked and written to an output buffer, which goes to the
 * target in ~64 kB puts. Memory per worker is one row plus 64 kB,
 * whatever the table's size.
 *
 *   binary: "PGCOPY\n\377\r\n\0", int32 flags, int32 extension length and
 *           the extension; per row an int16 field count, then per field an
 *           int32 length (-1: NULL) and the bytes; an int16 -1 ends it.
 *   text:   a row per line, fields split by tab, NULL as \N, and in a
 *           value backslash escapes (\\ \b \f \n \r \t \v, \digits octal,
 *           \xhex). Only masked fields are unescaped and escaped again;
 *           the server's bytes for every other field go through as sent.
 *
 * Masked values are the masked columns' non-NULL values.
 */
#include "util/common.h"
#include "clone/clone_impl.h"
#include "driver/driver.h"
#include "driver/postgres.h"
#include "mask/mask.h"

#include <pthread.h>
#include <signal.h>

#include <libpq-fe.h>

#define FLUSH_AT (64 * 1024)
#define SPLIT_DEFAULT (64ULL * 1024 * 1024)
#define MAX_PARTS 256
#define BLOCK_SIZE 8192ULL

static const char bin_sig[11] = { 'P', 'G', 'C', 'O', 'P', 'Y', '\n', '\377', '\r', '\n', '\0' };

struct item {
	struct pg_table *t;
	uint64_t from, to;  /* block range; to 0: to the end */
	bool range;
	uint64_t weight;    /* bytes estimate, biggest first */
};

struct shared {
	struct pg_copy *c;
	struct item *items;
	size_t nitems, next;
	pthread_mutex_t lock;
	pthread_cond_t done;
	int running;
	atomic_bool stop;
	struct runway_error first;   /* the first worker failure */
	_Atomic uint64_t rows, bytes, masked;
	atomic_size_t tables_done;
};

/* The row codec's state, reused from item to item (see the top of the file). */
struct pg_codec {
	const struct pg_table *t;
	const struct mask_key *key;
	struct runway_buf in, out, unesc;
	size_t in_off;                /* parsed up to here */
	bool header_done, trailer_seen;
	bool *masked;                 /* per column: masked by the plan */
	const char **vals;            /* mask_row's input: masked values only */
	size_t *lens;
	size_t *offs, *raw;           /* field positions in the row (binary: value; text: field) */
	size_t *uoff;                 /* text: where a masked value starts in unesc */
	size_t ncols_alloc;
	struct mask_out mo;
	uint64_t rows, nmasked;       /* this item's */
};

struct worker {
	struct shared *sh;
	pthread_t th;
	bool started;
	struct runway_conn *src, *dst;
	struct runway_error err;
	struct pg_codec cd;
};

void pg_table_release(struct pg_table *t)
{
	if (!t)
		return;
	free(t->schema);
	free(t->name);
	free(t->qname);
	free(t->mschema);
	free(t->mname);
	strvec_release(&t->cols);
	free(t->textlike);
	if (t->plan)
		mask_plan_free(t->plan);
	memset(t, 0, sizeof(*t));
}

static bool stopping(struct worker *w)
{
	return atomic_load(&w->sh->stop) || clone_interrupted();
}

/* err from a failed libpq call about table t. Returns -1. */
static int pq_fail(struct runway_error *err, PGconn *pg, const PGresult *res,
		   const struct pg_table *t)
{
	const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	const char *detail = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL) : NULL;
	char *line = NULL;

	if (!primary) {
		const char *m = res && *PQresultErrorMessage(res) ? PQresultErrorMessage(res) :
				PQerrorMessage(pg);
		line = xstrndup(m, strcspn(m, "\n"));
		primary = *line ? line : "unknown error";
	}
	runway_error_set(err, PQstatus(pg) == CONNECTION_OK ? RUNWAY_E_SQL : RUNWAY_E_CONN,
			 "clone: cannot copy table '%s.%s': %s%s%s", t->schema, t->name, primary,
			 detail ? "\n  DETAIL: " : "", detail ? detail : "");
	free(line);
	return -1;
}

static void put_be16(struct runway_buf *b, int v)
{
	unsigned char x[2] = { (unsigned char)((v >> 8) & 0xff), (unsigned char)(v & 0xff) };
	runway_buf_add(b, x, 2);
}

static void put_be32(struct runway_buf *b, int32_t v)
{
	uint32_t u = (uint32_t)v;
	unsigned char x[4] = { (unsigned char)(u >> 24), (unsigned char)(u >> 16),
			       (unsigned char)(u >> 8), (unsigned char)u };
	runway_buf_add(b, x, 4);
}

static int32_t get_be32(const unsigned char *p)
{
	return (int32_t)(((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) |
			 (uint32_t)p[3]);
}

static int16_t get_be16(const unsigned char *p)
{
	return (int16_t)(((unsigned)p[0] << 8) | (unsigned)p[1]);
}

static int flush_out(struct runway_buf *out, PGconn *d, const struct pg_table *t,
		     struct runway_error *err)
{
	if (!out->len)
		return 0;
	if (PQputCopyData(d, out->buf, (int)out->len) != 1)
		return pq_fail(err, d, NULL, t);
	runway_buf_reset(out);
	return 0;
}

/* Drop what the parser consumed from the input buffer. */
static void compact_in(struct pg_codec *w)
{
	if (w->in_off == w->in.len) {
		runway_buf_reset(&w->in);
		w->in_off = 0;
	} else if (w->in_off > FLUSH_AT && w->in_off > w->in.len / 2) {
		memmove(w->in.buf, w->in.buf + w->in_off, w->in.len - w->in_off);
		runway_buf_truncate(&w->in, w->in.len - w->in_off);
		w->in_off = 0;
	}
}

static void codec_begin(struct pg_codec *w, const struct pg_table *t, const struct mask_key *k)
{
	size_t n = t->cols.n, i;

	w->t = t;
	w->key = k;
	runway_buf_reset(&w->in);
	runway_buf_reset(&w->out);
	w->in_off = 0;
	w->header_done = w->trailer_seen = false;
	w->rows = w->nmasked = 0;
	if (n + 1 > w->ncols_alloc) {
		w->ncols_alloc = n + 1;
		free(w->masked);
		free(w->vals);
		free(w->lens);
		free(w->offs);
		free(w->raw);
		free(w->uoff);
		w->masked = xcalloc(w->ncols_alloc, sizeof(*w->masked));
		w->raw = xcalloc(w->ncols_alloc, sizeof(*w->raw));
		w->uoff = xcalloc(w->ncols_alloc, sizeof(*w->uoff));
		w->vals = xcalloc(w->ncols_alloc, sizeof(*w->vals));
		w->lens = xcalloc(w->ncols_alloc, sizeof(*w->lens));
		w->offs = xcalloc(w->ncols_alloc, sizeof(*w->offs));
	}
	for (i = 0; i < n; i++)
		w->masked[i] = t->plan && mask_plan_rule(t->plan, i) != NULL;
}

static int mask_one(struct pg_codec *w, const struct pg_table *t, struct runway_error *err)
{
	size_t i;

	if (mask_row(w->key, t->plan, w->vals, w->lens, &w->mo, err) < 0)
		return -1;
	for (i = 0; i < t->cols.n; i++)
		if (w->masked[i] && w->vals[i])
			w->nmasked++;
	w->rows++;
	return 0;
}

/* Parse, mask and re-encode the binary rows that are complete in w->in. */
static int bin_rows(struct pg_codec *w, const struct pg_table *t, struct runway_error *err)
{
	size_t ncols = t->cols.n, i;

	for (;;) {
		const unsigned char *p = (const unsigned char *)w->in.buf + w->in_off;
		size_t avail = w->in.len - w->in_off, pos = 2;
		bool complete = true;
		int nf;

		if (!w->header_done) {
			int32_t ext;
			if (avail < 19)
				break;
			if (memcmp(p, bin_sig, sizeof(bin_sig)))
				goto bad;
			ext = get_be32(p + 15);
			if (ext < 0)
				goto bad;
			if (avail < 19 + (size_t)ext)
				break;
			runway_buf_add(&w->out, p, 19 + (size_t)ext);
			w->in_off += 19 + (size_t)ext;
			w->header_done = true;
			continue;
		}
		if (w->trailer_seen) {
			if (avail)
				goto bad;
			break;
		}
		if (avail < 2)
			break;
		nf = get_be16(p);
		if (nf == -1) {
			put_be16(&w->out, -1);
			w->in_off += 2;
			w->trailer_seen = true;
			continue;
		}
		if (nf < 0 || (size_t)nf != ncols)
			goto bad;
		for (i = 0; i < ncols; i++) {
			int32_t len;
			if (avail < pos + 4) {
				complete = false;
				break;
			}
			len = get_be32(p + pos);
			pos += 4;
			if (len < 0) {
				w->offs[i] = SIZE_MAX;
				w->lens[i] = 0;
				continue;
			}
			if (avail < pos + (size_t)len) {
				complete = false;
				break;
			}
			w->offs[i] = pos;
			w->lens[i] = (size_t)len;
			pos += (size_t)len;
		}
		if (!complete)
			break;
		/* unmasked values are not text here: the plan sees only the masked ones */
		for (i = 0; i < ncols; i++)
			w->vals[i] = w->masked[i] && w->offs[i] != SIZE_MAX ?
				     (const char *)p + w->offs[i] : NULL;
		if (mask_one(w, t, err) < 0)
			return -1;
		put_be16(&w->out, nf);
		for (i = 0; i < ncols; i++) {
			if (w->masked[i]) {
				if (!w->mo.val[i]) {
					put_be32(&w->out, -1);
				} else {
					put_be32(&w->out, (int32_t)w->mo.len[i]);
					runway_buf_add(&w->out, w->mo.val[i], w->mo.len[i]);
				}
			} else if (w->offs[i] == SIZE_MAX) {
				put_be32(&w->out, -1);
			} else {
				runway_buf_add(&w->out, p + w->offs[i] - 4, w->lens[i] + 4);
			}
		}
		w->in_off += pos;
	}
	compact_in(w);
	return 0;
bad:
	return runway_error_set(err, RUNWAY_E_INTERNAL,
				"clone: cannot copy table '%s.%s': unexpected binary COPY data",
				t->schema, t->name);
}

static int unhex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* COPY text de-escaping of s[0, n) appended to b. */
static void text_unescape(struct runway_buf *b, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char c = s[i];

		if (c != '\\' || i + 1 >= n) {
			runway_buf_addch(b, c);
			continue;
		}
		c = s[++i];
		switch (c) {
		case 'b': runway_buf_addch(b, '\b'); break;
		case 'f': runway_buf_addch(b, '\f'); break;
		case 'n': runway_buf_addch(b, '\n'); break;
		case 'r': runway_buf_addch(b, '\r'); break;
		case 't': runway_buf_addch(b, '\t'); break;
		case 'v': runway_buf_addch(b, '\v'); break;
		case 'x':
			if (i + 1 < n && unhex(s[i + 1]) >= 0) {
				int v = unhex(s[++i]);
				if (i + 1 < n && unhex(s[i + 1]) >= 0)
					v = v * 16 + unhex(s[++i]);
				runway_buf_addch(b, (char)v);
			} else {
				runway_buf_addch(b, 'x');
			}
			break;
		default:
			if (c >= '0' && c <= '7') {
				int v = c - '0', k;
				for (k = 0; k < 2 && i + 1 < n && s[i + 1] >= '0' && s[i + 1] <= '7'; k++)
					v = v * 8 + (s[++i] - '0');
				runway_buf_addch(b, (char)v);
			} else {
				runway_buf_addch(b, c);
			}
			break;
		}
	}
}

static void text_escape(struct runway_buf *b, const char *s, size_t n)
{
	size_t i, run = 0;

	for (i = 0; i < n; i++) {
		const char *e = NULL;
		switch (s[i]) {
		case '\\': e = "\\\\"; break;
		case '\n': e = "\\n"; break;
		case '\r': e = "\\r"; break;
		case '\t': e = "\\t"; break;
		case '\b': e = "\\b"; break;
		case '\f': e = "\\f"; break;
		case '\v': e = "\\v"; break;
		default: break;
		}
		if (!e)
			continue;
		runway_buf_add(b, s + run, i - run);
		runway_buf_adds(b, e);
		run = i + 1;
	}
	runway_buf_add(b, s + run, n - run);
}

/* Parse, mask and re-encode the text rows (lines) complete in w->in. */
static int text_rows(struct pg_codec *w, const struct pg_table *t, struct runway_error *err)
{
	size_t ncols = t->cols.n, i;

	for (;;) {
		const char *line = w->in.buf + w->in_off, *nl, *f;

		nl = memchr(line, '\n', w->in.len - w->in_off);
		if (!nl)
			break;
		/* fields: offs[i] start and raw[i] length within the line */
		f = line;
		for (i = 0; i < ncols; i++) {
			const char *tab = memchr(f, '\t', (size_t)(nl - f));
			const char *end = tab ? tab : nl;
			if ((i + 1 < ncols) != (tab != NULL))
				goto bad;
			w->offs[i] = (size_t)(f - line);
			w->raw[i] = (size_t)(end - f);
			f = end + 1;
		}
		if (!ncols && nl != line)
			goto bad;
		/* unescape the masked values into unesc; pointers once it stops growing */
		runway_buf_reset(&w->unesc);
		for (i = 0; i < ncols; i++) {
			const char *v = line + w->offs[i];
			w->uoff[i] = SIZE_MAX;
			if (!w->masked[i] || (w->raw[i] == 2 && v[0] == '\\' && v[1] == 'N'))
				continue;
			w->uoff[i] = w->unesc.len;
			text_unescape(&w->unesc, v, w->raw[i]);
			w->lens[i] = w->unesc.len - w->uoff[i];
		}
		for (i = 0; i < ncols; i++) {
			w->vals[i] = w->uoff[i] == SIZE_MAX ? NULL : w->unesc.buf + w->uoff[i];
			if (w->uoff[i] == SIZE_MAX)
				w->lens[i] = 0;
		}
		if (mask_one(w, t, err) < 0)
			return -1;
		for (i = 0; i < ncols; i++) {
			if (i)
				runway_buf_addch(&w->out, '\t');
			if (!w->masked[i])
				runway_buf_add(&w->out, line + w->offs[i], w->raw[i]);
			else if (!w->mo.val[i])
				runway_buf_adds(&w->out, "\\N");
			else
				text_escape(&w->out, w->mo.val[i], w->mo.len[i]);
		}
		runway_buf_addch(&w->out, '\n');
		w->in_off = (size_t)(nl + 1 - w->in.buf);
	}
	compact_in(w);
	return 0;
bad:
	return runway_error_set(err, RUNWAY_E_INTERNAL,
				"clone: cannot copy table '%s.%s': unexpected text COPY data",
				t->schema, t->name);
}

int pg_codec_feed(struct pg_codec *c, const void *data, size_t n, struct runway_error *err)
{
	runway_buf_add(&c->in, data, n);
	return c->t->binary ? bin_rows(c, c->t, err) : text_rows(c, c->t, err);
}

int pg_codec_end(struct pg_codec *c, struct runway_error *err)
{
	if (c->in.len != c->in_off || (c->t->binary && !c->trailer_seen))
		return runway_error_set(err, RUNWAY_E_INTERNAL,
					"clone: cannot copy table '%s.%s': the COPY data ended in a row",
					c->t->schema, c->t->name);
	return 0;
}

static void codec_init(struct pg_codec *c)
{
	memset(c, 0, sizeof(*c));
	runway_buf_init(&c->in);
	runway_buf_init(&c->out);
	runway_buf_init(&c->unesc);
	c->mo = (struct mask_out)MASK_OUT_INIT;
}

static void codec_release(struct pg_codec *c)
{
	runway_buf_release(&c->in);
	runway_buf_release(&c->out);
	runway_buf_release(&c->unesc);
	mask_out_release(&c->mo);
	free(c->masked);
	free(c->vals);
	free(c->lens);
	free(c->offs);
	free(c->raw);
	free(c->uoff);
	memset(c, 0, sizeof(*c));
}

void pg_codec_new(struct pg_codec **out, const struct pg_table *t, const struct mask_key *k)
{
	*out = xmalloc(sizeof(**out));
	codec_init(*out);
	codec_begin(*out, t, k);
}

char *pg_codec_take(struct pg_codec *c, size_t *len, uint64_t *rows, uint64_t *masked)
{
	*len = c->out.len;
	*rows = c->rows;
	*masked = c->nmasked;
	return runway_buf_detach(&c->out);
}

void pg_codec_free(struct pg_codec *c)
{
	if (c) {
		codec_release(c);
		free(c);
	}
}

/* "a", "b" quoted and joined; "" for a table without columns. */
static char *col_list(const struct pg_table *t)
{
	struct runway_buf b = RUNWAY_BUF_INIT;
	size_t i;

	for (i = 0; i < t->cols.n; i++) {
		if (i)
			runway_buf_adds(&b, ", ");
		sql_quote_ident(&b, t->cols.v[i]);
	}
	return runway_buf_detach(&b);
}

/* End a COPY that is still open on either side, after a failure. */
static void abandon(struct worker *w, PGconn *s, PGconn *d, bool src_open, bool dst_open)
{
	PGresult *res;
	char *buf;

	if (dst_open) {
		PQputCopyEnd(d, "runway: clone stopped");
		while ((res = PQgetResult(d)) != NULL)
			PQclear(res);
	}
	if (src_open) {
		driver_interrupt(w->src);
		while (PQgetCopyData(s, &buf, 0) > 0)
			PQfreemem(buf);
		while ((res = PQgetResult(s)) != NULL)
			PQclear(res);
	}
}

/* Read the results left after a COPY; the first one must be COMMAND_OK. *rows from its tag. */
static int copy_done(PGconn *pg, const struct pg_table *t, uint64_t *rows,
		     struct runway_error *err)
{
	PGresult *res = PQgetResult(pg), *more;
	int ret = 0;

	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		ret = pq_fail(err, pg, res, t);
	else if (rows)
		*rows = strtoull(PQcmdTuples(res), NULL, 10);
	PQclear(res);
	while ((more = PQgetResult(pg)) != NULL)
		PQclear(more);
	return ret;
}

static int copy_item(struct worker *w, const struct item *it, struct runway_error *err)
{
	struct shared *sh = w->sh;
	const struct pg_table *t = it->t;
	PGconn *s = pg_handle(w->src), *d = pg_handle(w->dst);
	const char *fmt = t->binary ? "binary" : "text";
	char *cols = col_list(t), *ssql, *dsql, *buf;
	bool src_open = false, dst_open = false;
	uint64_t counted = 0, got = 0, put = 0;
	PGresult *res = NULL;
	int n, ret = -1;

	if (it->range) {
		char upper[64] = "";
		if (it->to)
			snprintf(upper, sizeof(upper), " AND ctid < '(%llu,0)'::pg_catalog.tid",
				 (unsigned long long)it->to);
		ssql = xasprintf("COPY (SELECT %s FROM ONLY %s WHERE ctid >= '(%llu,0)'::pg_catalog.tid%s)"
				 " TO STDOUT (FORMAT %s)", cols, t->qname,
				 (unsigned long long)it->from, upper, fmt);
	} else {
		ssql = xasprintf("COPY %s%s%s%s TO STDOUT (FORMAT %s)", t->qname, *cols ? " (" : "",
				 cols, *cols ? ")" : "", fmt);
	}
	dsql = xasprintf("COPY %s%s%s%s FROM STDIN (FORMAT %s)", t->qname, *cols ? " (" : "", cols,
			 *cols ? ")" : "", fmt);

	res = PQexec(s, ssql);
	if (PQresultStatus(res) != PGRES_COPY_OUT) {
		pq_fail(err, s, res, t);
		goto out;
	}
	src_open = true;
	PQclear(res);
	res = PQexec(d, dsql);
	if (PQresultStatus(res) != PGRES_COPY_IN) {
		pq_fail(err, d, res, t);
		goto out;
	}
	dst_open = true;
	PQclear(res);
	res = NULL;

	codec_begin(&w->cd, t, sh->c->key);
	for (;;) {
		n = PQgetCopyData(s, &buf, 0);
		if (n == -1)
			break;
		if (n < 0) {
			pq_fail(err, s, NULL, t);
			src_open = false;
			goto out;
		}
		atomic_fetch_add(&sh->bytes, (uint64_t)n);
		if (!t->plan) {
			/* as is: whole chunks, batched to ~64 kB puts */
			if (w->cd.out.len + (size_t)n > FLUSH_AT &&
			    flush_out(&w->cd.out, d, t, err) < 0) {
				PQfreemem(buf);
				goto out;
			}
			if ((size_t)n >= FLUSH_AT) {
				if (PQputCopyData(d, buf, n) != 1) {
					PQfreemem(buf);
					pq_fail(err, d, NULL, t);
					goto out;
				}
			} else {
				runway_buf_add(&w->cd.out, buf, (size_t)n);
			}
			/* a CopyData message is a row: good enough for the progress line */
			counted++;
			atomic_fetch_add(&sh->rows, 1);
		} else {
			uint64_t before = w->cd.rows;
			int rc = pg_codec_feed(&w->cd, buf, (size_t)n, err);

			counted += w->cd.rows - before;
			atomic_fetch_add(&sh->rows, w->cd.rows - before);
			if (rc < 0 || (w->cd.out.len >= FLUSH_AT &&
				       flush_out(&w->cd.out, d, t, err) < 0)) {
				PQfreemem(buf);
				goto out;
			}
		}
		PQfreemem(buf);
		if (stopping(w)) {
			runway_error_set(err, RUNWAY_E_INTERRUPTED, "clone: interrupted");
			goto out;
		}
	}
	src_open = false;
	if (copy_done(s, t, &got, err) < 0 || (t->plan && pg_codec_end(&w->cd, err) < 0) ||
	    flush_out(&w->cd.out, d, t, err) < 0)
		goto out;
	dst_open = false;
	if (PQputCopyEnd(d, NULL) != 1) {
		pq_fail(err, d, NULL, t);
		goto out;
	}
	if (copy_done(d, t, &put, err) < 0)
		goto out;
	if (got != put) {
		runway_error_set(err, RUNWAY_E_INTERNAL, "clone: cannot copy table '%s.%s': %llu rows "
				 "read, %llu written", t->schema, t->name, (unsigned long long)got,
				 (unsigned long long)put);
		goto out;
	}
	/* the exact count replaces the estimate */
	atomic_fetch_add(&sh->rows, put - counted);
	atomic_fetch_add(&sh->masked, w->cd.nmasked);
	ret = 0;
out:
	PQclear(res);
	if (ret < 0)
		abandon(w, s, d, src_open, dst_open);
	free(cols);
	free(ssql);
	free(dsql);
	return ret;
}

static const char src_setup[] =
	"SET statement_timeout = 0; SET lock_timeout = 0;"
	" SET idle_in_transaction_session_timeout = 0; SET row_security = off;"
	" SET DateStyle = ISO; SET IntervalStyle = postgres; SET extra_float_digits = 3;"
	" SET TimeZone = 'UTC';"
	" BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";

static const char dst_setup[] =
	"SET statement_timeout = 0; SET lock_timeout = 0; SET synchronous_commit = off;"
	" SET DateStyle = ISO; SET IntervalStyle = postgres; SET extra_float_digits = 3;"
	" SET TimeZone = 'UTC'";

static int worker_connect(struct worker *w, struct runway_error *err)
{
	const struct pg_copy *c = w->sh->c;
	char *sql;
	int rc;

	if (driver_connect(&w->src, c->src, err) < 0)
		return -1;
	clone_watch(w->src);
	if (driver_connect(&w->dst, c->dst, err) < 0)
		return -1;
	clone_watch(w->dst);
	if (!pg_handle(w->src) || !pg_handle(w->dst))
		return runway_error_set(err, RUNWAY_E_USAGE, "clone: the stream strategy cannot "
					"run with RUNWAY_TRACE_SQL or RUNWAY_FAULT_AT set");
	if (driver_exec(w->src, src_setup, err) < 0 || driver_exec(w->dst, dst_setup, err) < 0)
		return -1;
	sql = xasprintf("SET TRANSACTION SNAPSHOT '%s'", c->snapshot);
	rc = driver_exec(w->src, sql, err);
	free(sql);
	return rc;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct shared *sh = w->sh;
	struct pg_table *t;
	int rc = worker_connect(w, &w->err);

	while (rc == 0 && !stopping(w)) {
		struct item *it = NULL;

		pthread_mutex_lock(&sh->lock);
		if (sh->next < sh->nitems)
			it = &sh->items[sh->next++];
		pthread_mutex_unlock(&sh->lock);
		if (!it)
			break;
		t = it->t;
		rc = copy_item(w, it, &w->err);
		if (rc == 0 && atomic_fetch_sub(&t->parts_left, 1) == 1)
			atomic_fetch_add(&sh->tables_done, 1);
	}
	if (rc < 0) {
		pthread_mutex_lock(&sh->lock);
		if (!sh->first.msg && w->err.klass != RUNWAY_E_INTERRUPTED) {
			sh->first = w->err;
			memset(&w->err, 0, sizeof(w->err));
		}
		pthread_mutex_unlock(&sh->lock);
		if (!atomic_exchange(&sh->stop, true))
			clone_cancel_all(); /* the others stop at their next chunk */
	}
	pthread_mutex_lock(&sh->lock);
	sh->running--;
	pthread_cond_signal(&sh->done);
	pthread_mutex_unlock(&sh->lock);
	return NULL;
}

static int cmp_items(const void *a, const void *b)
{
	const struct item *x = a, *y = b;
	return (x->weight < y->weight) - (x->weight > y->weight);
}

static void plan_items(struct pg_copy *c, struct item **out, size_t *n)
{
	uint64_t split = c->split_bytes ? c->split_bytes : SPLIT_DEFAULT, total = 0;
	size_t i, k = 0, cap = 0;
	struct item *v = NULL;

	for (i = 0; i < c->ntables; i++)
		total += c->tables[i].blocks * BLOCK_SIZE;
	for (i = 0; i < c->ntables; i++) {
		struct pg_table *t = &c->tables[i];
		uint64_t heap = t->blocks * BLOCK_SIZE, parts = 1, per, p;
		/*
		 * By default only with 3+ workers, and only a table that would
		 * be the critical path (more than a worker's share): measured on
		 * 2 cores, one table's COPY pipeline already keeps both busy and
		 * two sessions loading one table contend for its extension lock
		 * (see the top of the file). split_bytes set: whenever bigger.
		 */
		bool want = c->split_bytes ? c->jobs > 1 :
			    c->jobs > 2 && heap > total / (uint64_t)c->jobs;

		if (c->split && want && heap > split && t->blocks > 1) {
			parts = (heap + split - 1) / split;
			if (parts > MAX_PARTS)
				parts = MAX_PARTS;
			if (parts > t->blocks)
				parts = t->blocks;
		}
		per = (t->blocks + parts - 1) / parts;
		atomic_store(&t->parts_left, (int)parts);
		for (p = 0; p < parts; p++) {
			struct item *it;

			v = xgrow(v, sizeof(*v), k + 1, &cap);
			it = &v[k++];
			it->t = t;
			it->range = parts > 1;
			it->from = p * per;
			it->to = p + 1 < parts ? (p + 1) * per : 0; /* the last reaches past the end */
			it->weight = t->bytes / parts + 1;
		}
	}
	if (k)
		qsort(v, k, sizeof(*v), cmp_items);
	*out = v;
	*n = k;
}

/* Binary COPY for the table? See the top of the file. */
static bool use_binary(const struct pg_table *t)
{
	size_t i;

	if (!t->binary_ok)
		return false;
	for (i = 0; t->plan && i < t->cols.n; i++) {
		const struct mask_rule *r = mask_plan_rule(t->plan, i);
		if (r && r->fn != MASK_NULL && !t->textlike[i])
			return false;
	}
	return true;
}

static void draw(struct shared *sh, bool force)
{
	struct pg_copy *c = sh->c;
	char rows[32], size[32], rate[64];
	uint64_t bytes = atomic_load(&sh->bytes);

	if (!c->progress || !c->progress->enabled)
		return;
	progress_thousands(rows, sizeof(rows), atomic_load(&sh->rows));
	progress_size(size, sizeof(size), bytes);
	progress_rate_eta(c->progress, rate, sizeof(rate), bytes, c->total_bytes);
	progress_draw(c->progress, force, "clone: %zu/%zu tables, %s rows, %s, %s",
		      atomic_load(&sh->tables_done), c->ntables, rows, size, rate);
}

int pg_copy_run(struct pg_copy *c, struct runway_error *err)
{
	struct shared sh;
	struct worker *w = NULL;
	sigset_t block, old;
	size_t i, nw;
	int ret = -1;

	memset(&sh, 0, sizeof(sh));
	sh.c = c;
	pthread_mutex_init(&sh.lock, NULL);
	pthread_cond_init(&sh.done, NULL);
	for (i = 0; i < c->ntables; i++)
		c->tables[i].binary = use_binary(&c->tables[i]);
	plan_items(c, &sh.items, &sh.nitems);
	nw = c->jobs < 1 ? 1 : (size_t)c->jobs;
	if (nw > sh.nitems)
		nw = sh.nitems;
	w = xcalloc(nw + 1, sizeof(*w));

	/* workers never run a signal handler: see clone_impl.h */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGQUIT);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	for (i = 0; i < nw; i++) {
		w[i].sh = &sh;
		codec_init(&w[i].cd);
		pthread_mutex_lock(&sh.lock);
		sh.running++;
		pthread_mutex_unlock(&sh.lock);
		if (pthread_create(&w[i].th, NULL, worker_main, &w[i]) != 0) {
			pthread_mutex_lock(&sh.lock);
			sh.running--;
			pthread_mutex_unlock(&sh.lock);
			break;
		}
		w[i].started = true;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);

	pthread_mutex_lock(&sh.lock);
	while (sh.running > 0) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 100 * 1000 * 1000;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&sh.done, &sh.lock, &ts);
		pthread_mutex_unlock(&sh.lock);
		draw(&sh, false);
		pthread_mutex_lock(&sh.lock);
	}
	pthread_mutex_unlock(&sh.lock);
	for (i = 0; i < nw; i++)
		if (w[i].started)
			pthread_join(w[i].th, NULL);
	draw(&sh, true);

	c->rows = atomic_load(&sh.rows);
	c->bytes = atomic_load(&sh.bytes);
	c->masked = atomic_load(&sh.masked);
	if (clone_interrupted()) {
		clone_fail_interrupted(err);
		goto out;
	}
	if (sh.first.msg) {
		*err = sh.first;
		memset(&sh.first, 0, sizeof(sh.first));
		goto out;
	}
	if (sh.next < sh.nitems) {
		runway_error_set(err, RUNWAY_E_INTERNAL, "clone: cannot start the copy workers");
		goto out;
	}
	ret = 0;
out:
	for (i = 0; i < nw; i++) {
		clone_close(w[i].src);
		clone_close(w[i].dst);
		runway_error_clear(&w[i].err);
		codec_release(&w[i].cd);
	}
	free(w);
	free(sh.items);
	runway_error_clear(&sh.first);
	pthread_mutex_destroy(&sh.lock);
	pthread_cond_destroy(&sh.done);
	return ret;
}
