/*
 * mask_impl.h - what the files of src/mask share: the prepared key and the
 * HMAC computed from it, the word lists, and the functions on one value.
 * Not for callers outside src/mask (and its unit tests).
 *
 * Every function derives its output from HMAC-SHA-256(key, tag || input)
 * where tag is the function's name with its NUL ("email\0"): different
 * functions give unrelated outputs for one input, while the table and the
 * column stay out of it so that a value masks the same everywhere (joins
 * across tables still match). Bytes of the HMAC are read big-endian, so
 * outputs are the same on every machine.
 */
#ifndef RUNWAY_MASK_IMPL_H
#define RUNWAY_MASK_IMPL_H

/*
 * OpenSSL 3.0 deprecates the low-level SHA256_Init/Update/Final in favour
 * of EVP, but masking runs millions of HMACs a second over short values
 * and EVP_MAC costs more per call than the two SHA-256 blocks such an HMAC
 * hashes. So the key's padded blocks are hashed once (mask_key_init) and
 * each HMAC starts from a copy of those SHA256_CTX states: about 100 ns
 * with SHA-NI. (Feeding SHA256_Transform blocks padded here was measured
 * slower: the block loads stall on the bytes just stored.) The calls
 * still exist in 3.x; this only silences the warning.
 */
#ifndef OPENSSL_SUPPRESS_DEPRECATED
#define OPENSSL_SUPPRESS_DEPRECATED 1
#endif
#include <openssl/sha.h>

#include "mask/mask.h"

#define MASK_MAC_LEN 32

struct mask_key {
	SHA256_CTX inner; /* SHA-256 state after the block key ^ ipad */
	SHA256_CTX outer; /* SHA-256 state after the block key ^ opad */
};

/*
 * An HMAC in pieces: begin, update as often as needed, end. The tag of a
 * function goes in first with its NUL: mask_mac_tag(&m, "email").
 */
struct mask_mac {
	SHA256_CTX c;
};

static inline void mask_mac_begin(const struct mask_key *k, struct mask_mac *m)
{
	m->c = k->inner;
}

static inline void mask_mac_update(struct mask_mac *m, const void *data, size_t len)
{
	SHA256_Update(&m->c, data, len);
}

#define mask_mac_tag(m, tag) mask_mac_update((m), tag, sizeof(tag))
void mask_mac_end(const struct mask_key *k, struct mask_mac *m, unsigned char out[MASK_MAC_LEN]);

/* HMAC(key, tag || '\0' || data) in one call. */
void mask_hmac(const struct mask_key *k, const char *tag, const void *data, size_t len,
	       unsigned char out[MASK_MAC_LEN]);

/* Bytes p[0..7] as a big-endian number. */
static inline uint64_t mask_be64(const unsigned char *p)
{
	return (uint64_t)p[0] << 56 | (uint64_t)p[1] << 48 | (uint64_t)p[2] << 40 |
	       (uint64_t)p[3] << 32 | (uint64_t)p[4] << 24 | (uint64_t)p[5] << 16 |
	       (uint64_t)p[6] << 8 | (uint64_t)p[7];
}

/* mask_words.c: invented-looking but common names, plain ASCII, "Olivia". */
#define MASK_WORDS 256 /* so that one HMAC byte picks a word without bias */
extern const char *const mask_first_names[MASK_WORDS];
extern const char *const mask_last_names[MASK_WORDS];

/*
 * mask_fn.c: the functions on one non-NULL value. Each appends its output
 * to out (the caller NUL-terminates and records where it went). The ones
 * returning int return -1 when they cannot read the value (the caller
 * names the column; the value is never printed).
 */
void mask_email(const struct mask_key *k, const char *in, size_t len, struct runway_buf *out);
/* fn is MASK_NAME, MASK_FIRST_NAME or MASK_LAST_NAME */
void mask_name(const struct mask_key *k, enum mask_fn fn, const char *in, size_t len,
	       struct runway_buf *out);
void mask_phone(const struct mask_key *k, const char *in, size_t len, struct runway_buf *out);
void mask_hash(const struct mask_key *k, const char *in, size_t len, struct runway_buf *out);
void mask_redact(long keep, const char *in, size_t len, struct runway_buf *out);
int mask_noise(const struct mask_key *k, long percent, const char *in, size_t len,
	       struct runway_buf *out);

/*
 * Dates of shift_days: "YYYY-MM-DD" (years 1 to 9999), alone or followed
 * by ' ' or 'T' and anything (a time and zone, kept verbatim); PostgreSQL's
 * "infinity" and "-infinity" are kept as they are. A trailing " BC" is
 * refused. mask_date_read returns 1 for a date (*day: days since
 * 1970-01-01), 0 for an infinity, -1 for anything else.
 */
int mask_date_read(const char *in, size_t len, long *day);
#define MASK_DAY_MIN (-719162L) /* 0001-01-01 */
#define MASK_DAY_MAX 2932896L   /* 9999-12-31 */
/* Append in moved by offset days; the caller checked it stays in range. */
void mask_date_shift(long offset, const char *in, size_t len, struct runway_buf *out);
/* The day number of a calendar date, and back (proleptic Gregorian). */
long mask_days_from_civil(long y, unsigned m, unsigned d);
void mask_civil_from_days(long day, long *y, unsigned *m, unsigned *d);

#endif
