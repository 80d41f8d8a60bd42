/*
 * mask.c - the prepared key, the plan of one table and mask_row() (see
 * mask.h; the functions themselves are in mask_fn.c).
 *
 * The key: HMAC-SHA-256's two padded key blocks are hashed once, here, and
 * every value then starts from a copy of those SHA-256 states, so one HMAC
 * of a short value costs two SHA-256 block compressions and no allocation.
 *
 * shift_days: one offset per row, so that the dates of a row keep their
 * order. It is derived from the HMAC of the row's original shift_days
 * values (in column order, each as 0x00 for NULL or 0x01, its length as 8
 * bytes and its bytes), bounded by the smallest N of the row's shift_days
 * rules, and never 0. Should it push one of the row's dates outside the
 * years 1 to 9999, the row moves the other way.
 */
#include "util/common.h"
#include "mask/mask_impl.h"

/* ---- the key ---------------------------------------------------------------- */

int mask_key_init(struct mask_key **out, const char *key, size_t len,
		  struct runway_error *err)
{
	unsigned char block[SHA256_CBLOCK], pad[SHA256_CBLOCK];
	struct mask_key *k;
	size_t i;

	*out = NULL;
	if (!key || !len) {
		runway_error_set(err, RUNWAY_E_CONFIG, "the mask key is empty");
		runway_error_hint(err, "set mask.key in runway.yml, e.g. key: ${RUNWAY_MASK_KEY}");
		return -1;
	}
	memset(block, 0, sizeof(block));
	if (len > sizeof(block))
		SHA256((const unsigned char *)key, len, block); /* RFC 2104: long keys are hashed */
	else
		memcpy(block, key, len);

	k = xmalloc(sizeof(*k));
	for (i = 0; i < sizeof(pad); i++)
		pad[i] = block[i] ^ 0x36;
	SHA256_Init(&k->inner);
	SHA256_Update(&k->inner, pad, sizeof(pad));
	for (i = 0; i < sizeof(pad); i++)
		pad[i] = block[i] ^ 0x5c;
	SHA256_Init(&k->outer);
	SHA256_Update(&k->outer, pad, sizeof(pad));
	secure_wipe(block, sizeof(block));
	secure_wipe(pad, sizeof(pad));
	*out = k;
	return 0;
}

void mask_key_free(struct mask_key *k)
{
	if (!k)
		return;
	secure_wipe(k, sizeof(*k));
	free(k);
}

/* ---- the plan ----------------------------------------------------------------- */

struct mask_plan {
	char *table;                   /* "sales.customers" or "customers", for messages */
	size_t ncols;
	const struct mask_rule **rule; /* per column: its rule (borrowed), or NULL */
	size_t *masked;                /* the masked columns, in column order */
	size_t nmasked;
	size_t *shift;                 /* the shift_days columns among them */
	size_t nshift;
	long shift_max;                /* smallest N of those: bound of the row's offset */
};

/* No schema and "public" are the same (PostgreSQL's default; SQLite has none). */
static bool same_schema(const char *a, const char *b)
{
	bool da = !a || !strcmp(a, "public"), db = !b || !strcmp(b, "public");
	if (da || db)
		return da && db;
	return !strcmp(a, b);
}

void mask_plan_new(struct mask_plan **out, const struct mask_rules *r,
		   const char *schema, const char *table,
		   const char *const *cols, size_t ncols)
{
	struct mask_plan *p = xcalloc(1, sizeof(*p));
	size_t i, j;

	p->table = schema ? xasprintf("%s.%s", schema, table) : xstrdup(table);
	p->ncols = ncols;
	p->rule = xcalloc(ncols ? ncols : 1, sizeof(*p->rule));
	p->masked = xcalloc(ncols ? ncols : 1, sizeof(*p->masked));
	p->shift = xcalloc(ncols ? ncols : 1, sizeof(*p->shift));
	for (i = 0; i < ncols; i++) {
		for (j = 0; r && j < r->n; j++) {
			const struct mask_rule *rule = &r->v[j];
			if (!strcmp(rule->column, cols[i]) && !strcmp(rule->table, table) &&
			    same_schema(rule->schema, schema))
				break;
		}
		if (!r || j == r->n)
			continue;
		p->rule[i] = &r->v[j];
		p->masked[p->nmasked++] = i;
		if (r->v[j].fn == MASK_SHIFT_DAYS) {
			if (!p->nshift || r->v[j].n < p->shift_max)
				p->shift_max = r->v[j].n;
			p->shift[p->nshift++] = i;
		}
	}
	*out = p;
}

void mask_plan_free(struct mask_plan *p)
{
	if (!p)
		return;
	free(p->table);
	free(p->rule);
	free(p->masked);
	free(p->shift);
	free(p);
}

bool mask_plan_any(const struct mask_plan *p)
{
	return p && p->nmasked > 0;
}

const struct mask_rule *mask_plan_rule(const struct mask_plan *p, size_t col)
{
	return p && col < p->ncols ? p->rule[col] : NULL;
}

/* ---- rows ------------------------------------------------------------------------ */

void mask_out_release(struct mask_out *o)
{
	free(o->val);
	free(o->len);
	free(o->off);
	runway_buf_release(&o->scratch);
	o->val = NULL;
	o->len = NULL;
	o->off = NULL;
	o->ncols = o->alloc = 0;
}

static void out_prepare(struct mask_out *o, size_t ncols)
{
	if (ncols > o->alloc) {
		size_t a = o->alloc;
		o->val = xgrow(o->val, sizeof(*o->val), ncols, &a);
		a = o->alloc;
		o->len = xgrow(o->len, sizeof(*o->len), ncols, &a);
		o->off = xgrow(o->off, sizeof(*o->off), ncols, &o->alloc);
	}
	o->ncols = ncols;
	runway_buf_reset(&o->scratch);
}

static int cannot(struct runway_error *err, const struct mask_plan *p, size_t col,
		  const char *why)
{
	return runway_error_set(err, RUNWAY_E_CHECK, "cannot mask '%s.%s' with %s: %s", p->table,
				p->rule[col]->column, mask_fn_name(p->rule[col]->fn), why);
}

/* The row's shift_days offset (see the top of this file). */
static int row_offset(const struct mask_key *k, const struct mask_plan *p,
		      const char *const *in, const size_t *inlen, long *offset,
		      struct runway_error *err)
{
	unsigned char mac[MASK_MAC_LEN];
	long lo = MASK_DAY_MAX, hi = MASK_DAY_MIN, day, n = p->shift_max;
	uint64_t u;
	struct mask_mac m;
	size_t i;

	mask_mac_begin(k, &m);
	mask_mac_tag(&m, "shift_days");
	for (i = 0; i < p->nshift; i++) {
		size_t col = p->shift[i];
		unsigned char hdr[9] = { 0 };
		int b, rc;

		if (!in[col]) {
			mask_mac_update(&m, hdr, 1);
			continue;
		}
		hdr[0] = 1;
		for (b = 0; b < 8; b++)
			hdr[1 + b] = (unsigned char)((uint64_t)inlen[col] >> (56 - 8 * b));
		mask_mac_update(&m, hdr, sizeof(hdr));
		mask_mac_update(&m, in[col], inlen[col]);
		rc = mask_date_read(in[col], inlen[col], &day);
		if (rc < 0)
			return cannot(err, p, col,
				      "a value is not a date (YYYY-MM-DD and an optional time)");
		if (rc > 0) {
			lo = day < lo ? day : lo;
			hi = day > hi ? day : hi;
		}
	}
	mask_mac_end(k, &m, mac);
	u = mask_be64(mac) % (uint64_t)(2 * n);
	*offset = u < (uint64_t)n ? -(long)u - 1 : (long)(u - (uint64_t)n) + 1;
	if (lo <= hi && (lo + *offset < MASK_DAY_MIN || hi + *offset > MASK_DAY_MAX))
		*offset = -*offset;
	if (lo <= hi && (lo + *offset < MASK_DAY_MIN || hi + *offset > MASK_DAY_MAX))
		return cannot(err, p, p->shift[0],
			      "a shifted date falls outside the years 1 to 9999");
	return 0;
}

int mask_row(const struct mask_key *k, const struct mask_plan *p,
	     const char *const *in, const size_t *inlen, struct mask_out *out,
	     struct runway_error *err)
{
	struct runway_buf *b = &out->scratch;
	long offset = 0;
	size_t i;

	out_prepare(out, p->ncols);
	if (p->nshift && row_offset(k, p, in, inlen, &offset, err) < 0)
		return -1;
	for (i = 0; i < p->nmasked; i++) {
		size_t col = p->masked[i], start = b->len;
		const struct mask_rule *r = p->rule[col];
		const char *v = in[col];
		size_t n = inlen[col];

		out->off[col] = SIZE_MAX;
		if (!v || r->fn == MASK_NULL)
			continue;
		switch (r->fn) {
		case MASK_EMAIL:
			mask_email(k, v, n, b);
			break;
		case MASK_NAME:
		case MASK_FIRST_NAME:
		case MASK_LAST_NAME:
			mask_name(k, r->fn, v, n, b);
			break;
		case MASK_PHONE:
			mask_phone(k, v, n, b);
			break;
		case MASK_HASH:
			mask_hash(k, v, n, b);
			break;
		case MASK_REDACT:
			mask_redact(r->n, v, n, b);
			break;
		case MASK_SET:
			runway_buf_adds(b, r->value);
			break;
		case MASK_SHIFT_DAYS:
			mask_date_shift(offset, v, n, b);
			break;
		case MASK_NOISE:
			if (mask_noise(k, r->n, v, n, b) < 0)
				return cannot(err, p, col, "a value is not a number");
			break;
		case MASK_NULL:
			break;
		}
		out->off[col] = start;
		out->len[col] = b->len - start;
		/* each value keeps its NUL: grow() left room for it */
		runway_buf_addch(b, '\0');
	}
	/* the buffer may have moved while it grew: pointers only now */
	for (i = 0; i < p->nmasked; i++) {
		size_t col = p->masked[i];
		out->val[col] = out->off[col] == SIZE_MAX ? NULL : b->buf + out->off[col];
		if (!out->val[col])
			out->len[col] = 0;
	}
	return 0;
}
