/*
 * mask.h - masking personal data: the rules of runway.yml's mask section
 * and the functions that apply them (SPEC §6).
 *
 * Masking is deterministic for a given key: every function derives what it
 * writes from HMAC-SHA-256(key, domain || input), so equal inputs give
 * equal outputs across tables, columns and runs (joins on a masked column
 * still match), and another key gives other outputs. The key is prepared
 * once (struct mask_key holds the HMAC's inner and outer SHA-256 states),
 * is read-only afterwards and may be shared by threads; it is wiped when
 * freed and never printed.
 *
 * Values are handled in their text form (what COPY's text format, COPY
 * binary's text-like types and SQLite give): mask_row() takes one row's
 * values and writes the masked ones into a struct mask_out that is reused
 * from row to row, so a stream allocates nothing per row.
 *
 * Functions (SPEC §6), their argument and what they keep:
 *   email         "<first name>.<16 hex>@example.com", lower case: distinct
 *                 inputs give distinct outputs (64 bits of the HMAC), a
 *                 valid address at a reserved domain; bytes, no case folding
 *   name          "First Last" from built-in word lists (256 x 256)
 *   first_name    a first name from the built-in list
 *   last_name     a last name from the built-in list
 *   phone         each ASCII digit replaced, every other byte kept (format
 *                 kept); the HMAC covers the whole value, separators too
 *   hash          lower-case hex of the HMAC (32 characters: its first 16 bytes)
 *   null          SQL NULL (refused on a NOT NULL column when rules are resolved)
 *   redact N      every character (UTF-8 code point) but the last N
 *                 (default 4) becomes '*'; a value of N characters or fewer
 *                 becomes all '*'; not keyed
 *   set VALUE     the constant VALUE (not empty: use null for SQL NULL)
 *   shift_days N  a date or timestamp moved by a whole number of days in
 *                 [-N, N] (never 0), N from 1 to 36500. Reads 'YYYY-MM-DD'
 *                 (years 1 to 9999) alone or followed by ' ' or 'T' and
 *                 anything, which is kept verbatim (time, zone); 'infinity'
 *                 and '-infinity' are kept; anything else (' BC' too) is
 *                 an error. One offset per row, derived from the row's
 *                 original shift_days values (all of them, in column
 *                 order), so equal rows shift equally and the dates of one
 *                 row keep their order and distance; with several
 *                 shift_days columns the offset stays within the smallest
 *                 N. A row that would leave the years 1 to 9999 moves the
 *                 other way.
 *   noise P       a number moved by up to ±P percent (a whole P from 1 to
 *                 100): x * (1 + u * P / 100) with u in [-1, 1] from the
 *                 HMAC of the value. Integers stay integers, decimals keep
 *                 their number of decimal places; the result never has more
 *                 integer digits than the input (capped at 99...9), so it
 *                 fits the same numeric(p, s); exact on the first 18
 *                 significant digits (later ones are kept). Numbers with
 *                 an exponent ("1.5e+20") are computed in double; NaN and
 *                 infinities are kept; 0 stays 0.
 * SQL NULL in stays NULL out for every function.
 *
 * Threads: a struct mask_key, struct mask_rules and struct mask_plan are
 * read-only once built and may be shared; each thread has its own struct
 * mask_out.
 */
#ifndef RUNWAY_MASK_H
#define RUNWAY_MASK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

struct runway_error;
struct config_mask;
struct schema;

enum mask_fn {
	MASK_EMAIL,
	MASK_NAME,
	MASK_FIRST_NAME,
	MASK_LAST_NAME,
	MASK_PHONE,
	MASK_HASH,
	MASK_NULL,
	MASK_REDACT,
	MASK_SET,
	MASK_SHIFT_DAYS,
	MASK_NOISE,
};

/* One rule: table.column: function (runway.yml mask.rules). */
struct mask_rule {
	char *schema;   /* "sales" of "sales.customers.email", or NULL */
	char *table;
	char *column;
	enum mask_fn fn;
	long n;         /* redact: characters kept; shift_days: days; noise: percent */
	char *value;    /* set: the constant */
};

struct mask_rules {
	struct mask_rule *v;
	size_t n;
};
#define MASK_RULES_INIT { NULL, 0 }

/* "email", ...; and back (-1 when unknown). */
const char *mask_fn_name(enum mask_fn fn);
int mask_fn_parse(const char *name);

/*
 * Build the rules from runway.yml's mask section (names and arguments
 * checked: an unknown function, a missing or bad argument, a name that is
 * not table.column or schema.table.column, the same name twice is a
 * RUNWAY_E_CONFIG error naming the rule: "mask rule 'orders.amount': ...").
 * *out is overwritten (and empty after a failure); cfg NULL gives no rules.
 * Release with mask_rules_release() either way.
 */
int mask_rules_load(struct mask_rules *out, const struct config_mask *cfg,
		    struct runway_error *err);
void mask_rules_release(struct mask_rules *r);

/*
 * Check the rules against a database's schema before any data moves: every
 * rule must name an existing table and column (a PostgreSQL rule without a
 * schema means "public"), `null` is refused on a NOT NULL column, and no
 * rule may name a generated column. Errors are RUNWAY_E_CONFIG and name
 * the rule as written. Also refused: a rule naming a partition (rules name
 * the partitioned table), two rules for one column ("customers.email" and
 * "public.customers.email"), and on SQLite any rule with a schema. Names
 * match byte for byte, as the catalog stores them.
 */
int mask_rules_check(const struct mask_rules *r, const struct schema *s,
		     struct runway_error *err);

/* The prepared key. */
struct mask_key;
/* Prepare key (len bytes, not empty: RUNWAY_E_CONFIG otherwise). */
int mask_key_init(struct mask_key **out, const char *key, size_t len,
		  struct runway_error *err);
/* Wipe and free (NULL is fine). */
void mask_key_free(struct mask_key *k);

/*
 * The rules of one table, placed on the columns of a row in the order the
 * caller streams them. cols are the row's column names; table's rules are
 * matched by schema (NULL matches "public" or no schema) and name.
 * A partition is masked by its parent's rules: pass the parent's names.
 * The plan borrows r (mask_plan_rule returns pointers into it): keep the
 * rules until the plan is freed. cols are only read here.
 */
struct mask_plan;
void mask_plan_new(struct mask_plan **out, const struct mask_rules *r,
		   const char *schema, const char *table,
		   const char *const *cols, size_t ncols);
void mask_plan_free(struct mask_plan *p);
/* Does the plan mask any column? Is column i masked (and by which rule)? */
bool mask_plan_any(const struct mask_plan *p);
const struct mask_rule *mask_plan_rule(const struct mask_plan *p, size_t col);

/* Output of one row: masked columns only (unmasked ones are left alone). */
struct mask_out {
	const char **val;   /* ncols entries: masked value (NUL-terminated), NULL = SQL NULL */
	size_t *len;        /* its length */
	struct runway_buf scratch; /* storage for the values (reused) */
	size_t ncols, alloc;
	size_t *off;        /* internal: offsets into scratch */
};
#define MASK_OUT_INIT { NULL, NULL, RUNWAY_BUF_INIT, 0, 0, NULL }
void mask_out_release(struct mask_out *o);

/*
 * Mask one row. in[i]/inlen[i] are column i's value (in[i] NULL for SQL
 * NULL; values need not be NUL-terminated); only the columns the plan
 * masks are read, the others' entries may hold anything. For every column
 * the plan masks, out->val[i]/out->len[i] receive the masked value (in
 * out->scratch, valid until the next mask_row or mask_out_release with
 * this out); other columns' entries are unspecified. A value a function cannot read (shift_days on
 * text that is not a date, noise on text that is not a number) is an error
 * (RUNWAY_E_CHECK) naming the table and column, never the value.
 */
int mask_row(const struct mask_key *k, const struct mask_plan *p,
	     const char *const *in, const size_t *inlen, struct mask_out *out,
	     struct runway_error *err);

/*
 * Masking in place (`runway mask`, and clones made by template, command or
 * the SQLite backup): for every table with rules, rows are read in keyset
 * order of the primary key (SQLite: rowid when there is none; a PostgreSQL
 * table without a primary key is an error naming it), masked with
 * mask_row() and written back with batched UPDATEs, one transaction per
 * batch. Each batch records its last key in runway_mask_state (table,
 * last_key, done) in the same transaction, so an interrupted run resumes
 * where it stopped and never masks a row twice; a finished run is not
 * repeated unless restart is set (runway_mask_state is then cleared). The
 * rules are checked against the schema first (mask_rules_check).
 */
struct mask_apply_opts {
	size_t batch;      /* rows per batch; 0: 10000 */
	bool restart;      /* mask again after a finished run */
	bool progress;     /* draw progress on stderr */
};
#define MASK_APPLY_OPTS_INIT { 0, false, false }

struct mask_apply_result {
	size_t tables;     /* tables masked by this run */
	uint64_t rows;     /* rows updated by this run */
	bool already_done; /* a finished run was found and restart was not set */
};

struct runway_conn;
int mask_apply(struct runway_conn *c, const struct mask_rules *r, const struct mask_key *k,
	       const struct mask_apply_opts *o, struct mask_apply_result *res,
	       struct runway_error *err);
/*
 * Ask a running mask_apply to stop: async-signal-safe (sets a flag and
 * cancels the statement in flight). The batch in flight rolls back and
 * mask_apply fails with RUNWAY_E_INTERRUPTED; committed batches stay, and a
 * rerun resumes after them.
 */
void mask_apply_interrupt(void);

#endif
