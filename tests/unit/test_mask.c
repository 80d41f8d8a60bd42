/*
 * test_mask.c - the masking core (mask/mask.h): the HMAC against OpenSSL's,
 * determinism per key, what each function keeps (email form and
 * uniqueness, phone format, UTF-8 redaction, shift_days' one offset per row
 * and calendar, noise bounds and decimals), NULL in NULL out, the rules
 * from runway.yml's text and against a schema, and the plan.
 */
#include "util/common.h"
#include "mask/mask_impl.h"
#include "core/config.h"
#include "schema/schema.h"
#include "util/strset.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <regex.h>

#include <setjmp.h>
#include <cmocka.h>

#include "unit.h"

static struct mask_key *key(const char *secret)
{
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct mask_key *k = NULL;
	must(mask_key_init(&k, secret, strlen(secret), &err), &err);
	return k;
}

/*
 * Mask one value of column t.c with one rule; returns the output (caller
 * frees; NULL for SQL NULL), or fails the test on an error.
 */
static char *mask1(const struct mask_key *k, enum mask_fn fn, long n, const char *value,
		   const char *in)
{
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct mask_rule r = { NULL, (char *)"t", (char *)"c", fn, n, (char *)value };
	struct mask_rules rs = { &r, 1 };
	static const char *const cols[] = { "c" };
	struct mask_plan *p = NULL;
	struct mask_out out = MASK_OUT_INIT;
	size_t len = in ? strlen(in) : 0;
	char *ret;

	mask_plan_new(&p, &rs, NULL, "t", cols, 1);
	must(mask_row(k, p, &in, &len, &out, &err), &err);
	ret = out.val[0] ? xstrdup(out.val[0]) : NULL;
	if (ret)
		assert_int_equal(strlen(ret), out.len[0]);
	mask_out_release(&out);
	mask_plan_free(p);
	return ret;
}

/*
 * The same, expecting the error want: a fixed text, so it cannot hold the
 * value.
 */
static void mask1_fails(const struct mask_key *k, enum mask_fn fn, long n, const char *in,
			const char *want)
{
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct mask_rule r = { NULL, (char *)"t", (char *)"c", fn, n, NULL };
	struct mask_rules rs = { &r, 1 };
	static const char *const cols[] = { "c" };
	struct mask_plan *p = NULL;
	struct mask_out out = MASK_OUT_INIT;
	size_t len = strlen(in);

	mask_plan_new(&p, &rs, NULL, "t", cols, 1);
	if (mask_row(k, p, &in, &len, &out, &err) == 0)
		fail_msg("'%s' was masked with %s", in, mask_fn_name(fn));
	assert_int_equal(err.klass, RUNWAY_E_CHECK);
	assert_string_equal(err.msg, want);
	runway_error_clear(&err);
	mask_out_release(&out);
	mask_plan_free(p);
}

static void expect(const struct mask_key *k, enum mask_fn fn, long n, const char *in,
		   const char *want)
{
	char *got = mask1(k, fn, n, NULL, in);
	if (!got || strcmp(got, want))
		fail_msg("%s %ld '%s' -> '%s', want '%s'", mask_fn_name(fn), n, in,
			 got ? got : "(null)", want);
	free(got);
}

static bool matches(const char *re, const char *s)
{
	regex_t rx;
	bool ok;
	if (regcomp(&rx, re, REG_EXTENDED | REG_NOSUB))
		fail_msg("bad regex %s", re);
	ok = !regexec(&rx, s, 0, NULL, 0);
	regfree(&rx);
	return ok;
}

/* ---- the HMAC ------------------------------------------------------------------ */

static void openssl_hmac(const char *secret, size_t slen, const char *tag, const void *data,
			 size_t len, unsigned char out[32])
{
	unsigned char *msg = xmalloc(strlen(tag) + 1 + len + 1);
	unsigned int olen = 0;
	memcpy(msg, tag, strlen(tag) + 1);
	if (len)
		memcpy(msg + strlen(tag) + 1, data, len);
	assert_non_null(HMAC(EVP_sha256(), secret, (int)slen, msg, strlen(tag) + 1 + len, out, &olen));
	assert_int_equal(olen, 32);
	free(msg);
}

static void test_mask__hmac_matches_openssl(void **state)
{
	static const size_t keylens[] = { 1, 20, 32, 63, 64, 65, 200 };
	static const size_t lens[] = { 0, 1, 20, 48, 49, 50, 55, 56, 57, 63, 64, 65, 119, 120, 1000 };
	struct runway_error err = RUNWAY_ERROR_INIT;
	char secret[256], data[1000];
	size_t i, j;

	for (i = 0; i < sizeof(secret); i++)
		secret[i] = (char)(i * 7 + 3);
	for (i = 0; i < sizeof(data); i++)
		data[i] = (char)(i * 13 + 1);
	for (i = 0; i < ARRAY_SIZE(keylens); i++) {
		struct mask_key *k = NULL;
		must(mask_key_init(&k, secret, keylens[i], &err), &err);
		for (j = 0; j < ARRAY_SIZE(lens); j++) {
			unsigned char want[32], got[32];
			struct mask_mac m;
			openssl_hmac(secret, keylens[i], "email", data, lens[j], want);
			mask_hmac(k, "email", data, lens[j], got);
			if (memcmp(want, got, 32))
				fail_msg("HMAC differs: key %zu bytes, data %zu bytes", keylens[i], lens[j]);
			/* in pieces, split anywhere */
			mask_mac_begin(k, &m);
			mask_mac_tag(&m, "email");
			mask_mac_update(&m, data, lens[j] / 3);
			mask_mac_update(&m, data + lens[j] / 3, lens[j] - lens[j] / 3);
			mask_mac_end(k, &m, got);
			assert_memory_equal(want, got, 32);
		}
		mask_key_free(k);
	}
}

/* hash is the first 16 bytes of HMAC(key, "hash\0" || value), in hex: the public contract. */
static void test_mask__hash_is_hmac(void **state)
{
	static const char *const in[] = { "", "alice@example.org", "Zoë", "1234567890" };
	struct mask_key *k = key("s3cret");
	size_t i, j;

	for (i = 0; i < ARRAY_SIZE(in); i++) {
		unsigned char mac[32];
		char want[33], *got;
		openssl_hmac("s3cret", 6, "hash", in[i], strlen(in[i]), mac);
		for (j = 0; j < 16; j++)
			snprintf(want + 2 * j, 3, "%02x", mac[j]);
		got = mask1(k, MASK_HASH, 0, NULL, in[i]);
		assert_string_equal(got, want);
		assert_true(matches("^[0-9a-f]{32}$", got));
		free(got);
	}
	mask_key_free(k);
}

static void test_mask__key_empty(void **state)
{
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct mask_key *k = (struct mask_key *)&err;

	assert_int_equal(mask_key_init(&k, "", 0, &err), -1);
	assert_null(k);
	assert_int_equal(err.klass, RUNWAY_E_CONFIG);
	assert_contains(err.msg, "mask key is empty");
	runway_error_clear(&err);
	assert_int_equal(mask_key_init(&k, NULL, 3, &err), -1);
	runway_error_clear(&err);
	mask_key_free(NULL);
}

/* ---- determinism ------------------------------------------------------------ */

static void test_mask__deterministic(void **state)
{
	static const enum mask_fn keyed[] = { MASK_EMAIL, MASK_NAME, MASK_FIRST_NAME,
					      MASK_LAST_NAME, MASK_PHONE, MASK_HASH, MASK_NOISE,
					      MASK_SHIFT_DAYS };
	static const char *const in[] = { "alice@example.org", "Bob Stone", "+44 20 7946 0958",
					  "1234.56", "2024-02-29", "42", "2001-09-09 01:46:40+00" };
	struct mask_key *a = key("first key"), *a2 = key("first key"), *b = key("other key");
	size_t f, i;

	for (f = 0; f < ARRAY_SIZE(keyed); f++) {
		size_t differ = 0, tried = 0;
		for (i = 0; i < ARRAY_SIZE(in); i++) {
			long n = keyed[f] == MASK_NOISE ? 50 : 36500;
			char *x, *y, *z, *w;
			bool numeric = keyed[f] == MASK_NOISE, date = keyed[f] == MASK_SHIFT_DAYS;
			if ((numeric && !isdigit((unsigned char)in[i][0])) ||
			    (date && !strchr(in[i], '-')) || (numeric && strchr(in[i], '-')) ||
			    (keyed[f] == MASK_PHONE && !strpbrk(in[i], "0123456789")))
				continue;
			x = mask1(a, keyed[f], n, NULL, in[i]);
			y = mask1(a, keyed[f], n, NULL, in[i]);
			z = mask1(a2, keyed[f], n, NULL, in[i]);
			w = mask1(b, keyed[f], n, NULL, in[i]);
			assert_string_equal(x, y);
			assert_string_equal(x, z);
			if (keyed[f] != MASK_NOISE)
				assert_string_not_equal(x, in[i]);
			differ += strcmp(x, w) != 0;
			tried++;
			free(x);
			free(y);
			free(z);
			free(w);
		}
		/* a name is one of 256 words, noise may round to the same number:
		 * another key can give the same output now and then */
		if (keyed[f] == MASK_FIRST_NAME || keyed[f] == MASK_LAST_NAME || keyed[f] == MASK_NOISE)
			assert_true(differ >= tried - 1);
		else
			assert_int_equal(differ, tried);
	}
	mask_key_free(a);
	mask_key_free(a2);
	mask_key_free(b);
}

/* Each function has its own domain: email's 64 bits are not hash's first 64. */
static void test_mask__functions_unrelated(void **state)
{
	struct mask_key *k = key("k");
	char *e = mask1(k, MASK_EMAIL, 0, NULL, "x"), *h = mask1(k, MASK_HASH, 0, NULL, "x");

	assert_int_not_equal(strncmp(strchr(e, '.') + 1, h, 16), 0);
	free(e);
	free(h);
	mask_key_free(k);
}

/* ---- email, names, phone, hash ------------------------------------------------ */

static void test_mask__email_form(void **state)
{
	static const char *const in[] = { "alice@example.org", "", "Zoë@exämple.de",
					  "no-at-sign", "A@X.COM" };
	struct mask_key *k = key("k");
	char big[2001], *a, *b;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(in); i++) {
		char *e = mask1(k, MASK_EMAIL, 0, NULL, in[i]);
		if (!matches("^[a-z]+\\.[0-9a-f]{16}@example\\.com$", e))
			fail_msg("'%s' is not a masked address", e);
		free(e);
	}
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	a = mask1(k, MASK_EMAIL, 0, NULL, big);
	assert_true(matches("^[a-z]+\\.[0-9a-f]{16}@example\\.com$", a));
	free(a);
	/* bytes, not case-folded */
	a = mask1(k, MASK_EMAIL, 0, NULL, "A@x.com");
	b = mask1(k, MASK_EMAIL, 0, NULL, "a@x.com");
	assert_string_not_equal(a, b);
	free(a);
	free(b);
	mask_key_free(k);
}

static void test_mask__email_unique(void **state)
{
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct mask_rule r = { NULL, (char *)"users", (char *)"email", MASK_EMAIL, 0, NULL };
	struct mask_rules rs = { &r, 1 };
	static const char *const cols[] = { "email" };
	struct mask_key *k = key("unique");
	struct mask_plan *p = NULL;
	struct mask_out out = MASK_OUT_INIT;
	struct strset seen = STRSET_INIT;
	char buf[64];
	unsigned i;

	mask_plan_new(&p, &rs, NULL, "users", cols, 1);
	for (i = 0; i < 200000; i++) {
		const char *in = buf;
		size_t len = (size_t)snprintf(buf, sizeof(buf), "user%u@example.org", i);
		must(mask_row(k, p, &in, &len, &out, &err), &err);
		/* only the 64-bit part: the word adds nothing to uniqueness */
		if (!strset_add(&seen, strchr(out.val[0], '.') + 1))
			fail_msg("collision at %u: %s", i, out.val[0]);
	}
	assert_int_equal(seen.n, 200000);
	strset_release(&seen);
	mask_out_release(&out);
	mask_plan_free(p);
	mask_key_free(k);
}

static bool in_list(const char *const *list, const char *w, size_t n)
{
	size_t i;
	for (i = 0; i < MASK_WORDS; i++)
		if (strlen(list[i]) == n && !strncmp(list[i], w, n))
			return true;
	return false;
}

static void test_mask__word_lists(void **state)
{
	const char *const *lists[] = { mask_first_names, mask_last_names };
	size_t l, i, j;

	for (l = 0; l < 2; l++) {
		for (i = 0; i < MASK_WORDS; i++) {
			assert_non_null(lists[l][i]);
			if (!matches("^[A-Z][a-z]+$", lists[l][i]))
				fail_msg("word '%s' is not a plain capitalised name", lists[l][i]);
			for (j = 0; j < i; j++)
				if (!strcmp(lists[l][i], lists[l][j]))
					fail_msg("'%s' is listed twice", lists[l][i]);
		}
	}
}

static void test_mask__names(void **state)
{
	struct mask_key *k = key("names");
	struct strset firsts = STRSET_INIT;
	char in[32];
	unsigned i;

	for (i = 0; i < 2000; i++) {
		char *n, *f, *l;
		const char *sp;
		snprintf(in, sizeof(in), "Person %u", i);
		n = mask1(k, MASK_NAME, 0, NULL, in);
		f = mask1(k, MASK_FIRST_NAME, 0, NULL, in);
		l = mask1(k, MASK_LAST_NAME, 0, NULL, in);
		sp = strchr(n, ' ');
		assert_non_null(sp);
		assert_null(strchr(sp + 1, ' '));
		assert_true(in_list(mask_first_names, n, (size_t)(sp - n)));
		assert_true(in_list(mask_last_names, sp + 1, strlen(sp + 1)));
		assert_true(in_list(mask_first_names, f, strlen(f)));
		assert_true(in_list(mask_last_names, l, strlen(l)));
		strset_add(&firsts, f);
		free(n);
		free(f);
		free(l);
	}
	/* spread over the list, not stuck on a few words */
	assert_true(firsts.n > 200);
	strset_release(&firsts);
	mask_key_free(k);
}

static void test_mask__phone_format(void **state)
{
	static const char *const in[] = { "+1 (555) 010-2030", "0044 20 7946 0958", "555.0100",
					  "+49-(0)30-1234567 ext. 12", "" };
	struct mask_key *k = key("phone");
	unsigned counts[10] = { 0 };
	char longnum[301], buf[32], *p;
	size_t i, j, total = 0;

	for (i = 0; i < ARRAY_SIZE(in); i++) {
		p = mask1(k, MASK_PHONE, 0, NULL, in[i]);
		assert_int_equal(strlen(p), strlen(in[i]));
		for (j = 0; in[i][j]; j++) {
			if (isdigit((unsigned char)in[i][j]))
				assert_true(isdigit((unsigned char)p[j]));
			else
				assert_int_equal(p[j], in[i][j]);
		}
		if (*in[i])
			assert_string_not_equal(p, in[i]);
		free(p);
	}
	p = mask1(k, MASK_PHONE, 0, NULL, "+1 (555) 010-2030");
	assert_true(matches("^\\+[0-9] \\([0-9]{3}\\) [0-9]{3}-[0-9]{4}$", p));
	free(p);
	p = mask1(k, MASK_PHONE, 0, NULL, "n/a");
	assert_string_equal(p, "n/a");
	free(p);

	/* long numbers take more HMAC blocks: every digit still replaced */
	memset(longnum, '7', sizeof(longnum) - 1);
	longnum[sizeof(longnum) - 1] = '\0';
	p = mask1(k, MASK_PHONE, 0, NULL, longnum);
	assert_int_equal(strspn(p, "0123456789"), 300);
	for (i = 0; i < 300; i++)
		counts[p[i] - '0']++;
	for (i = 0; i < 10; i++)
		assert_true(counts[i] > 10); /* about 30 each */
	assert_int_not_equal(strspn(p + 64, "7"), 300 - 64);
	free(p);

	/* digits are uniform */
	memset(counts, 0, sizeof(counts));
	for (i = 0; i < 5000; i++) {
		snprintf(buf, sizeof(buf), "555-%06zu", i);
		p = mask1(k, MASK_PHONE, 0, NULL, buf);
		for (j = 0; p[j]; j++)
			if (isdigit((unsigned char)p[j])) {
				counts[p[j] - '0']++;
				total++;
			}
		free(p);
	}
	for (i = 0; i < 10; i++)
		if (counts[i] * 100 < total * 9 || counts[i] * 100 > total * 11)
			fail_msg("digit %zu: %u of %zu", i, counts[i], total);
	mask_key_free(k);
}

/* ---- redact, set, null ----------------------------------------------------------- */

static void test_mask__redact_utf8(void **state)
{
	struct mask_key *k = key("k");

	expect(k, MASK_REDACT, 4, "4111 1111 1111 1234", "***************1234");
	expect(k, MASK_REDACT, 4, "Zo\xc3\xab \xc3\x9cnal", "****\xc3\x9cnal");       /* Zoë Ünal */
	expect(k, MASK_REDACT, 4, "\xc3\xa4\xc3\xb6\xc3\xbc", "***");                 /* äöü */
	expect(k, MASK_REDACT, 2, "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x83\x86",  /* 日本語テ */
	       "**\xe8\xaa\x9e\xe3\x83\x86");
	expect(k, MASK_REDACT, 1, "a\xf0\x9f\x98\x80" "b", "**b");                   /* a😀b */
	expect(k, MASK_REDACT, 2, "a\xf0\x9f\x98\x80" "b", "*\xf0\x9f\x98\x80" "b");
	expect(k, MASK_REDACT, 4, "abcd", "****");
	expect(k, MASK_REDACT, 4, "abcde", "*bcde");
	expect(k, MASK_REDACT, 0, "abc", "***");
	expect(k, MASK_REDACT, 4, "", "");
	/* stray continuation bytes never survive at the front */
	expect(k, MASK_REDACT, 1, "\x80\x80xyz", "**z");
	mask_key_free(k);
}

static void test_mask__set_and_null(void **state)
{
	struct mask_key *k = key("k");
	char *v = mask1(k, MASK_SET, 0, "XX", "France");
	assert_string_equal(v, "XX");
	free(v);
	assert_null(mask1(k, MASK_NULL, 0, NULL, "secret"));
	mask_key_free(k);
}

static void test_mask__null_stays_null(void **state)
{
	struct mask_key *k = key("k");
	int f;
	for (f = MASK_EMAIL; f <= MASK_NOISE; f++)
		assert_null(mask1(k, (enum mask_fn)f, f == MASK_SHIFT_DAYS || f == MASK_NOISE ? 10 : 4,
				  "XX", NULL));
	mask_key_free(k);
}

/* ---- shift_days ------------------------------------------------------------------ */

/* Days between two 'YYYY-MM-DD...' texts, by the C library's calendar. */
static long days_between(const char *a, const char *b)
{
	struct tm ta = { 0 }, tb = { 0 };
	if (sscanf(a, "%d-%d-%d", &ta.tm_year, &ta.tm_mon, &ta.tm_mday) != 3 ||
	    sscanf(b, "%d-%d-%d", &tb.tm_year, &tb.tm_mon, &tb.tm_mday) != 3)
		fail_msg("not dates: '%s', '%s'", a, b);
	ta.tm_year -= 1900;
	tb.tm_year -= 1900;
	ta.tm_mon--;
	tb.tm_mon--;
	return (long)((timegm(&tb) - timegm(&ta)) / 86400);
}

static bool valid_date(const char *s)
{
	struct tm t = { 0 };
	char back[16];
	if (sscanf(s, "%d-%d-%d", &t.tm_year, &t.tm_mon, &t.tm_mday) != 3)
		return false;
	t.tm_year -= 1900;
	t.tm_mon--;
	timegm(&t);
	strftime(back, sizeof(back), "%Y-%m-%d", &t);
	return !strncmp(back, s, 10);
}

static void test_mask__shift_days_bounds(void **state)
{
	struct mask_key *k = key("dates");
	bool seen[7] = { false };
	long day0 = mask_days_from_civil(2020, 1, 1);
	size_t i;

	for (i = 0; i < 3000; i++) {
		long y, off;
		unsigned m, d;
		char in[16], *out;
		mask_civil_from_days(day0 + (long)i, &y, &m, &d);
		snprintf(in, sizeof(in), "%04ld-%02u-%02u", y, m, d);
		out = mask1(k, MASK_SHIFT_DAYS, 3, NULL, in);
		assert_int_equal(strlen(out), 10);
		assert_true(valid_date(out));
		off = days_between(in, out);
		assert_true(off >= -3 && off <= 3 && off != 0);
		seen[off + 3] = true;
		free(out);
	}
	for (i = 0; i < 7; i++)
		assert_int_equal(seen[i], i != 3);
	mask_key_free(k);
}

/* Mask rows of (created, updated, id) with created/updated shifted by N each. */
static void test_mask__shift_days_row(void **state)
{
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct mask_rule r[3] = {
		{ NULL, (char *)"t", (char *)"created", MASK_SHIFT_DAYS, 1000, NULL },
		{ NULL, (char *)"t", (char *)"updated", MASK_SHIFT_DAYS, 10, NULL },
		{ NULL, (char *)"u", (char *)"born", MASK_SHIFT_DAYS, 1000, NULL },
	};
	struct mask_rules rs = { r, 3 };
	static const char *const cols[] = { "created", "id", "updated" };
	static const char *const ucols[] = { "born" };
	struct mask_key *k = key("rows");
	struct mask_plan *p = NULL, *pu = NULL;
	struct mask_out out = MASK_OUT_INIT, out2 = MASK_OUT_INIT;
	size_t i;

	mask_plan_new(&p, &rs, NULL, "t", cols, 3);
	mask_plan_new(&pu, &rs, NULL, "u", ucols, 1);
	assert_null(mask_plan_rule(p, 1));
	for (i = 0; i < 500; i++) {
		char a[32], b[32], id[16], *ma, *mb;
		const char *in[3] = { a, id, b };
		size_t len[3];
		long off;
		snprintf(a, sizeof(a), "20%02zu-%02zu-%02zu 08:00:00", i % 30, 1 + i % 12, 1 + i % 28);
		snprintf(b, sizeof(b), "20%02zu-%02zu-%02zu", i % 30 + 1, 1 + i % 12, 1 + i % 28);
		snprintf(id, sizeof(id), "%zu", i);
		len[0] = strlen(a);
		len[1] = strlen(id);
		len[2] = strlen(b);
		must(mask_row(k, p, in, len, &out, &err), &err);
		ma = xstrdup(out.val[0]);
		mb = xstrdup(out.val[2]);
		/* one offset for the row, bounded by the smallest N (10) */
		off = days_between(a, ma);
		assert_int_equal(days_between(b, mb), off);
		assert_true(off >= -10 && off <= 10 && off != 0);
		assert_string_equal(ma + 10, " 08:00:00");
		assert_true(strcmp(ma, mb) < 0); /* order kept */
		/* equal rows shift equally (the out buffers are reused) */
		must(mask_row(k, p, in, len, &out2, &err), &err);
		assert_string_equal(out2.val[0], ma);
		assert_string_equal(out2.val[2], mb);
		/* a NULL in the row still masks the others, and changes the offset's input */
		in[0] = NULL;
		must(mask_row(k, p, in, len, &out, &err), &err);
		assert_null(out.val[0]);
		assert_true(valid_date(out.val[2]));
		free(ma);
		free(mb);
	}
	/* a lone date shifts the same in any table (joins on dates still match) */
	{
		const char *in1[1] = { "1990-05-17" }, *in3[3] = { "1990-05-17", "1", NULL };
		size_t l1[1] = { 10 }, l3[3] = { 10, 1, 0 };
		char *x;
		struct mask_rule r2[2] = {
			{ NULL, (char *)"t", (char *)"created", MASK_SHIFT_DAYS, 1000, NULL },
			{ NULL, (char *)"u", (char *)"born", MASK_SHIFT_DAYS, 1000, NULL },
		};
		struct mask_rules rs2 = { r2, 2 };
		struct mask_plan *p2 = NULL;
		static const char *const c2[] = { "created", "id" };
		mask_plan_new(&p2, &rs2, NULL, "t", c2, 2);
		must(mask_row(k, pu, in1, l1, &out, &err), &err);
		x = xstrdup(out.val[0]);
		must(mask_row(k, p2, in3, l3, &out, &err), &err);
		assert_string_equal(out.val[0], x);
		free(x);
		mask_plan_free(p2);
	}
	mask_out_release(&out);
	mask_out_release(&out2);
	mask_plan_free(p);
	mask_plan_free(pu);
	mask_key_free(k);
}

static void shift_is(long off, const char *in, const char *want)
{
	struct runway_buf b = RUNWAY_BUF_INIT;
	mask_date_shift(off, in, strlen(in), &b);
	if (strcmp(b.buf, want))
		fail_msg("'%s' %+ld -> '%s', want '%s'", in, off, b.buf, want);
	runway_buf_release(&b);
}

static void test_mask__shift_days_calendar(void **state)
{
	long day, y;
	unsigned m, d;

	shift_is(1, "2024-02-28", "2024-02-29");
	shift_is(1, "2024-02-29", "2024-03-01");
	shift_is(-1, "2024-03-01", "2024-02-29");
	shift_is(1, "2023-02-28", "2023-03-01");
	shift_is(1, "1900-02-28", "1900-03-01");
	shift_is(1, "2000-02-28", "2000-02-29");
	shift_is(1, "2024-12-31", "2025-01-01");
	shift_is(366, "2024-01-01", "2025-01-01");
	shift_is(-36500, "2024-02-29 13:45:00+00", "1924-03-25 13:45:00+00");
	shift_is(1, "0001-01-01", "0001-01-02");
	shift_is(-1, "9999-12-31T23:59:59Z", "9999-12-30T23:59:59Z");
	shift_is(5, "infinity", "infinity");

	assert_int_equal(mask_days_from_civil(1970, 1, 1), 0);
	assert_int_equal(mask_days_from_civil(1, 1, 1), MASK_DAY_MIN);
	assert_int_equal(mask_days_from_civil(9999, 12, 31), MASK_DAY_MAX);
	/* every day of the range goes there and back, in order */
	for (day = MASK_DAY_MIN; day <= MASK_DAY_MAX; day++) {
		mask_civil_from_days(day, &y, &m, &d);
		if (mask_days_from_civil(y, m, d) != day || m < 1 || m > 12 || d < 1 || d > 31)
			fail_msg("day %ld -> %ld-%u-%u", day, y, m, d);
	}
	assert_int_equal(mask_date_read("2024-02-29", 10, &day), 1);
	assert_int_equal(day, days_between("1970-01-01", "2024-02-29"));
	assert_int_equal(mask_date_read("-infinity", 9, &day), 0);
	/* leap years: every 4th, not every 100th, every 400th */
	assert_int_equal(mask_date_read("2000-02-29", 10, &day), 1);
	assert_int_equal(mask_date_read("1600-02-29", 10, &day), 1);
	assert_int_equal(mask_date_read("1996-02-29", 10, &day), 1);
	assert_int_equal(mask_date_read("1900-02-29", 10, &day), -1);
	assert_int_equal(mask_date_read("2100-02-29", 10, &day), -1);
	assert_int_equal(mask_date_read("2023-02-29", 10, &day), -1);
	assert_int_equal(mask_date_read("2023-04-31", 10, &day), -1);
	assert_int_equal(mask_date_read("2023-12-31", 10, &day), 1);
}

static void test_mask__shift_days_keeps_time(void **state)
{
	static const char *const in[] = { "2024-02-29 13:45:00+00", "2024-02-29T13:45:00Z",
					   "2024-02-29 13:45:00.123456-07:30", "2024-02-29 " };
	struct mask_key *k = key("time");
	size_t i;
	char *v;

	for (i = 0; i < ARRAY_SIZE(in); i++) {
		long off;
		v = mask1(k, MASK_SHIFT_DAYS, 90, NULL, in[i]);
		assert_int_equal(strlen(v), strlen(in[i]));
		assert_string_equal(v + 10, in[i] + 10);
		assert_true(valid_date(v));
		off = days_between(in[i], v);
		assert_true(off >= -90 && off <= 90 && off != 0);
		free(v);
	}
	v = mask1(k, MASK_SHIFT_DAYS, 90, NULL, "infinity");
	assert_string_equal(v, "infinity");
	free(v);
	v = mask1(k, MASK_SHIFT_DAYS, 90, NULL, "-infinity");
	assert_string_equal(v, "-infinity");
	free(v);
	mask_key_free(k);
}

static void test_mask__shift_days_errors(void **state)
{
	static const char *const bad[] = { "not a date", "2023-02-29", "2024-13-01", "2024-00-10",
					   "2024-01-32", "24-01-01", "2024-01-01x", "2024/01/01",
					   "0000-01-01", "2024-01-01 BC", "", "20240101", "1900-02-29",
					   "12345-01-01", "2024-1-1" };
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct mask_key *k = key("k");
	size_t i;
	char *v;

	for (i = 0; i < ARRAY_SIZE(bad); i++)
		mask1_fails(k, MASK_SHIFT_DAYS, 30, bad[i], "cannot mask 't.c' with shift_days: a value "
			    "is not a date (YYYY-MM-DD and an optional time)");
	/* past 9999-12-31: the row moves the other way */
	for (i = 0; i < 50; i++) {
		char in[40];
		snprintf(in, sizeof(in), "9999-12-31 00:00:%02zu", i);
		v = mask1(k, MASK_SHIFT_DAYS, 90, NULL, in);
		assert_true(strcmp(v, in) < 0);
		assert_true(valid_date(v));
		free(v);
		snprintf(in, sizeof(in), "0001-01-01 00:00:%02zu", i);
		v = mask1(k, MASK_SHIFT_DAYS, 90, NULL, in);
		assert_true(strcmp(v, in) > 0);
		free(v);
	}
	/* a row spanning the whole range cannot move */
	{
		struct mask_rule r[2] = {
			{ NULL, (char *)"t", (char *)"a", MASK_SHIFT_DAYS, 36500, NULL },
			{ NULL, (char *)"t", (char *)"b", MASK_SHIFT_DAYS, 36500, NULL },
		};
		struct mask_rules rs = { r, 2 };
		static const char *const cols[] = { "a", "b" };
		const char *in[2] = { "0001-01-01", "9999-12-31" };
		size_t len[2] = { 10, 10 };
		struct mask_plan *p = NULL;
		struct mask_out out = MASK_OUT_INIT;
		mask_plan_new(&p, &rs, "public", "t", cols, 2);
		assert_int_equal(mask_row(k, p, in, len, &out, &err), -1);
		assert_int_equal(err.klass, RUNWAY_E_CHECK);
		assert_contains(err.msg, "'public.t.a'");
		assert_contains(err.msg, "outside the years 1 to 9999");
		runway_error_clear(&err);
		mask_out_release(&out);
		mask_plan_free(p);
	}
	mask_key_free(k);
}

/* ---- noise ------------------------------------------------------------------------ */

static size_t decimals(const char *s)
{
	const char *dot = strchr(s, '.');
	return dot ? strlen(dot + 1) : 0;
}

static void test_mask__noise_bounds(void **state)
{
	struct mask_key *k = key("noise");
	size_t i, moved = 0;
	char in[64], *v;

	for (i = 0; i < 3000; i++) {
		long x = 1000 + (long)i, y;
		snprintf(in, sizeof(in), "%ld", x);
		v = mask1(k, MASK_NOISE, 10, NULL, in);
		assert_true(matches("^[0-9]+$", v)); /* integers stay integers */
		y = strtol(v, NULL, 10);
		assert_true(y >= x - x / 10 - 1 && y <= x + x / 10 + 1);
		moved += y != x;
		free(v);

		/* negative decimals: two places, within 25%, still negative */
		snprintf(in, sizeof(in), "-%ld.%02zu", x, i % 100);
		v = mask1(k, MASK_NOISE, 25, NULL, in);
		assert_true(matches("^-[0-9]+\\.[0-9]{2}$", v));
		{
			double xd = strtod(in, NULL), yd = strtod(v, NULL);
			assert_true(yd <= xd * 0.75 + 0.006 && yd >= xd * 1.25 - 0.006);
		}
		free(v);
	}
	assert_true(moved > 2900);
	mask_key_free(k);
}

static void test_mask__noise_forms(void **state)
{
	static const char *const kept[] = { "NaN", "Infinity", "-Infinity", "inf", "-Inf" };
	struct mask_key *k = key("noise");
	size_t i;
	char *v;

	/* zero stays zero, with its places */
	v = mask1(k, MASK_NOISE, 50, NULL, "0");
	assert_string_equal(v, "0");
	free(v);
	v = mask1(k, MASK_NOISE, 50, NULL, "-0.00");
	assert_string_equal(v, "0.00");
	free(v);
	v = mask1(k, MASK_NOISE, 50, NULL, "3.50");
	assert_int_equal(decimals(v), 2);
	assert_true(strtod(v, NULL) >= 1.75 && strtod(v, NULL) <= 5.25);
	free(v);
	v = mask1(k, MASK_NOISE, 50, NULL, "+12");
	assert_true(matches("^[0-9]+$", v));
	free(v);
	v = mask1(k, MASK_NOISE, 50, NULL, ".5");
	assert_true(matches("^[01]\\.[0-9]$", v));
	free(v);
	/* pure fractions keep their places */
	for (i = 1; i < 200; i++) {
		char in[32];
		snprintf(in, sizeof(in), "0.%04zu", i);
		v = mask1(k, MASK_NOISE, 50, NULL, in);
		assert_true(matches("^0\\.[0-9]{4}$", v));
		assert_true(strtod(v, NULL) <= strtod(in, NULL) * 1.5 + 0.00006);
		assert_true(strtod(v, NULL) >= strtod(in, NULL) * 0.5 - 0.00006);
		free(v);
	}
	/* exponents: handled as floating point */
	v = mask1(k, MASK_NOISE, 10, NULL, "1e3");
	assert_true(strtod(v, NULL) >= 900 && strtod(v, NULL) <= 1100);
	free(v);
	v = mask1(k, MASK_NOISE, 10, NULL, "-1.5E-07");
	assert_true(strtod(v, NULL) <= -1.35e-7 && strtod(v, NULL) >= -1.65e-7);
	free(v);
	for (i = 0; i < ARRAY_SIZE(kept); i++) {
		v = mask1(k, MASK_NOISE, 10, NULL, kept[i]);
		assert_string_equal(v, kept[i]);
		free(v);
	}
	mask_key_free(k);
}

/* The result never gains an integer digit: it still fits numeric(5,2). */
static void test_mask__noise_keeps_width(void **state)
{
	struct mask_key *k = key("width");
	size_t i, capped = 0;

	for (i = 0; i < 10000; i++) {
		char in[16], *v;
		snprintf(in, sizeof(in), "%zu.%02zu", 900 + i / 100, i % 100);
		v = mask1(k, MASK_NOISE, 100, NULL, in);
		assert_true(matches("^[0-9]{1,3}\\.[0-9]{2}$", v));
		capped += !strcmp(v, "999.99");
		free(v);
	}
	assert_true(capped > 1000); /* about half would have grown */
	mask_key_free(k);
}

/* Beyond 18 significant digits: the top 18 move, the rest are kept. */
static void test_mask__noise_long_numbers(void **state)
{
	static const char in[] = "123456789012345678901234567890.12";
	struct mask_key *k = key("long");
	char *v = mask1(k, MASK_NOISE, 10, NULL, in);
	long double x = strtold(in, NULL), y = strtold(v, NULL);

	assert_true(matches("^[0-9]{30}\\.[0-9]{2}$", v));
	assert_string_equal(v + 18, in + 18);
	assert_true(y >= x * 0.9L && y <= x * 1.1L);
	assert_string_not_equal(v, in);
	free(v);
	v = mask1(k, MASK_NOISE, 10, NULL, "9223372036854775807");
	assert_true(matches("^[0-9]{18,19}$", v));
	assert_true(strcmp(v, "9999999999999999999") <= 0);
	free(v);
	mask_key_free(k);
}

static void test_mask__noise_errors(void **state)
{
	static const char *const bad[] = { "abc", "", "1.2.3", "--1", "1e", " 12", "12 ", "0x10",
					   "1,5", ".", "-", "1e+", "12abc" };
	struct mask_key *k = key("k");
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++)
		mask1_fails(k, MASK_NOISE, 10, bad[i],
			    "cannot mask 't.c' with noise: a value is not a number");
	mask_key_free(k);
}

/* ---- rules ------------------------------------------------------------------------ */

static void cfg_add(struct config_mask *c, const char *col, const char *fn, const char *arg)
{
	strvec_push(&c->rule_col, col);
	strvec_push(&c->rule_fn, fn);
	strvec_push(&c->rule_arg, arg);
}

static void cfg_release(struct config_mask *c)
{
	strvec_release(&c->rule_col);
	strvec_release(&c->rule_fn);
	strvec_release(&c->rule_arg);
}

static void test_mask__rules_load(void **state)
{
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct config_mask c = { NULL, STRVEC_INIT, STRVEC_INIT, STRVEC_INIT };
	struct mask_rules r = MASK_RULES_INIT;
	int f;

	for (f = MASK_EMAIL; f <= MASK_NOISE; f++) {
		assert_int_equal(mask_fn_parse(mask_fn_name((enum mask_fn)f)), f);
	}
	assert_int_equal(mask_fn_parse("mail"), -1);

	cfg_add(&c, "customers.email", "email", "");
	cfg_add(&c, "sales.customers.phone", "phone", "");
	cfg_add(&c, "customers.card", "redact", "");
	cfg_add(&c, "customers.iban", "redact", "0");
	cfg_add(&c, "customers.born", "shift_days", "90");
	cfg_add(&c, "orders.amount", "noise", "10");
	cfg_add(&c, "customers.country", "set", "XX");
	cfg_add(&c, "orders.note", "null", "");
	must(mask_rules_load(&r, &c, &err), &err);
	assert_int_equal(r.n, 8);
	assert_null(r.v[0].schema);
	assert_string_equal(r.v[0].table, "customers");
	assert_string_equal(r.v[0].column, "email");
	assert_int_equal(r.v[0].fn, MASK_EMAIL);
	assert_string_equal(r.v[1].schema, "sales");
	assert_string_equal(r.v[1].table, "customers");
	assert_string_equal(r.v[1].column, "phone");
	assert_int_equal(r.v[2].n, 4);
	assert_int_equal(r.v[3].n, 0);
	assert_int_equal(r.v[4].fn, MASK_SHIFT_DAYS);
	assert_int_equal(r.v[4].n, 90);
	assert_int_equal(r.v[5].n, 10);
	assert_string_equal(r.v[6].value, "XX");
	assert_int_equal(r.v[7].fn, MASK_NULL);
	mask_rules_release(&r);
	assert_int_equal(r.n, 0);
	cfg_release(&c);

	/* no section: no rules */
	must(mask_rules_load(&r, NULL, &err), &err);
	assert_int_equal(r.n, 0);
	mask_rules_release(&r);
}

static void load_fails(const char *col, const char *fn, const char *arg, const char *want)
{
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct config_mask c = { NULL, STRVEC_INIT, STRVEC_INIT, STRVEC_INIT };
	struct mask_rules r = MASK_RULES_INIT;
	char *named = xasprintf("mask rule '%s'", col);

	cfg_add(&c, "ok.col", "hash", "");
	cfg_add(&c, col, fn, arg);
	if (mask_rules_load(&r, &c, &err) == 0)
		fail_msg("'%s: { %s: %s }' was accepted", col, fn, arg);
	assert_int_equal(err.klass, RUNWAY_E_CONFIG);
	assert_contains(err.msg, named);
	assert_contains(err.msg, want);
	assert_int_equal(r.n, 0);
	assert_null(r.v);
	runway_error_clear(&err);
	cfg_release(&c);
	free(named);
}

static void test_mask__rules_load_errors(void **state)
{
	static const char *const names[] = { "email", "a.", ".b", "a..b", "a.b.c.d", "a.b.",
					     "s..c", "" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names); i++)
		load_fails(names[i], "email", "", "table.column or schema.table.column");
	load_fails("t.c", "mail", "", "unknown function 'mail'");
	load_fails("t.c", "redact", "-1", "redact needs a number of characters to keep");
	load_fails("t.c", "redact", "x", "redact needs a number of characters to keep");
	load_fails("t.c", "shift_days", "", "shift_days needs a number of days between 1 and 36500");
	load_fails("t.c", "shift_days", "0", "between 1 and 36500");
	load_fails("t.c", "shift_days", "36501", "between 1 and 36500");
	load_fails("t.c", "shift_days", "1.5", "between 1 and 36500");
	load_fails("t.c", "shift_days", " 5", "between 1 and 36500");
	load_fails("t.c", "noise", "", "noise needs a percent between 0 and 100");
	load_fails("t.c", "noise", "0", "noise needs a percent between 0 and 100");
	load_fails("t.c", "noise", "101", "noise needs a percent between 0 and 100");
	load_fails("t.c", "noise", "2.5", "noise needs a percent between 0 and 100");
	load_fails("t.c", "set", "", "set needs a value");
	load_fails("t.c", "email", "x", "email takes no argument");
	load_fails("t.c", "null", "1", "null takes no argument");
	load_fails("ok.col", "email", "", "mask rule 'ok.col' is given twice");
}

/* A PostgreSQL-like model: public.customers, sales.customers, a partitioned table. */
static void add_table(struct schema *s, const char *schema, const char *name,
		      const char *partition_of)
{
	struct schema_table *t;
	s->tables = xgrow(s->tables, sizeof(*s->tables), s->ntables + 1, &s->tables_alloc);
	t = &s->tables[s->ntables++];
	memset(t, 0, sizeof(*t));
	t->obj.kind = SCHEMA_TABLE;
	t->obj.schema = schema ? xstrdup(schema) : NULL;
	t->obj.name = xstrdup(name);
	t->partition_of = partition_of ? xstrdup(partition_of) : NULL;
}

static void add_column(struct schema *s, const char *name, bool not_null, const char *generated)
{
	struct schema_table *t = &s->tables[s->ntables - 1];
	struct schema_column *c;
	t->columns = xgrow(t->columns, sizeof(*t->columns), t->ncolumns + 1, &t->columns_alloc);
	c = &t->columns[t->ncolumns++];
	memset(c, 0, sizeof(*c));
	c->name = xstrdup(name);
	c->type = xstrdup("text");
	c->not_null = not_null;
	c->generated = generated ? xstrdup(generated) : NULL;
}

static int check(const struct schema *s, const char *const *rules, size_t n,
		 struct runway_error *err)
{
	struct config_mask c = { NULL, STRVEC_INIT, STRVEC_INIT, STRVEC_INIT };
	struct mask_rules r = MASK_RULES_INIT;
	size_t i;
	int rc;

	for (i = 0; i < n; i += 2)
		cfg_add(&c, rules[i], rules[i + 1], !strcmp(rules[i + 1], "set") ? "X" :
			!strcmp(rules[i + 1], "noise") || !strcmp(rules[i + 1], "shift_days") ? "10" : "");
	must(mask_rules_load(&r, &c, err), err);
	rc = mask_rules_check(&r, s, err);
	mask_rules_release(&r);
	cfg_release(&c);
	return rc;
}

static void check_fails(const struct schema *s, const char *col, const char *fn,
			const char *want)
{
	struct runway_error err = RUNWAY_ERROR_INIT;
	const char *rules[] = { col, fn };
	char *named = xasprintf("mask rule '%s'", col);
	if (check(s, rules, 2, &err) == 0)
		fail_msg("'%s: %s' passed the schema check", col, fn);
	assert_int_equal(err.klass, RUNWAY_E_CONFIG);
	assert_contains(err.msg, named);
	assert_contains(err.msg, want);
	runway_error_clear(&err);
	free(named);
}

static void test_mask__rules_check_pg(void **state)
{
	static const char *const good[] = { "customers.email", "email", "customers.note", "null",
					    "sales.customers.email", "hash", "events.payload", "set",
					    "public.orders.note", "null" };
	static const char *const twice[] = { "customers.email", "email",
					     "public.customers.email", "hash" };
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct schema s = SCHEMA_INIT;

	s.engine = xstrdup("postgres");
	add_table(&s, "public", "customers", NULL);
	add_column(&s, "id", true, NULL);
	add_column(&s, "email", true, NULL);
	add_column(&s, "note", false, NULL);
	add_column(&s, "email_lower", false, "lower(email)");
	add_table(&s, "sales", "customers", NULL);
	add_column(&s, "email", false, NULL);
	add_table(&s, "public", "events", NULL);
	add_column(&s, "payload", false, NULL);
	add_table(&s, "public", "events_2024", "public.events");
	add_column(&s, "payload", false, NULL);
	add_table(&s, "public", "orders", NULL);
	add_column(&s, "note", false, NULL);

	must(check(&s, good, ARRAY_SIZE(good), &err), &err);
	check_fails(&s, "custmers.email", "email", "no table 'custmers'");
	check_fails(&s, "other.customers.email", "email", "no table 'other.customers'");
	check_fails(&s, "customers.emial", "email", "table 'customers' has no column 'emial'");
	check_fails(&s, "sales.customers.note", "hash", "has no column 'note'");
	check_fails(&s, "customers.email", "null", "null cannot mask NOT NULL column 'email'");
	check_fails(&s, "customers.email_lower", "hash", "column 'email_lower' is generated");
	check_fails(&s, "events_2024.payload", "hash",
		    "'events_2024' is a partition of public.events");
	assert_int_equal(check(&s, twice, ARRAY_SIZE(twice), &err), -1);
	assert_contains(err.msg, "mask rule 'public.customers.email' names the same column as "
			"'customers.email'");
	runway_error_clear(&err);
	schema_release(&s);
}

static void test_mask__rules_check_sqlite(void **state)
{
	static const char sql[] =
		"CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT NOT NULL, note TEXT,\n"
		"  tag TEXT GENERATED ALWAYS AS (lower(email)) VIRTUAL);\n"
		"CREATE TABLE orders (id INTEGER PRIMARY KEY, amount NUMERIC, note TEXT);\n";
	static const char *const good[] = { "customers.email", "email", "customers.note", "null",
					    "orders.amount", "noise", "orders.note", "redact" };
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct runway_url url;
	struct runway_conn *c = NULL;
	struct schema s = SCHEMA_INIT;

	must(url_parse(&url, "sqlite::memory:", &err), &err);
	must(driver_connect(&c, &url, &err), &err);
	must(driver_exec_script(c, sql, strlen(sql), NULL, &err), &err);
	must(schema_read(&s, c, &err), &err);
	driver_close(c);
	url_release(&url);

	assert_int_equal(check(&s, good, 2, &err), 0);
	must(check(&s, good, ARRAY_SIZE(good), &err), &err);
	check_fails(&s, "customer.email", "email", "no table 'customer'");
	check_fails(&s, "customers.mail", "email", "has no column 'mail'");
	check_fails(&s, "customers.email", "null", "NOT NULL");
	check_fails(&s, "customers.tag", "hash", "is generated");
	check_fails(&s, "main.customers.email", "email", "no table 'main.customers'");
	schema_release(&s);
}

/* ---- the plan and the output ----------------------------------------------------- */

static void test_mask__plan(void **state)
{
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct config_mask c = { NULL, STRVEC_INIT, STRVEC_INIT, STRVEC_INIT };
	struct mask_rules r = MASK_RULES_INIT;
	static const char *const cols[] = { "id", "email", "phone", "name" };
	struct mask_plan *p = NULL;

	cfg_add(&c, "customers.email", "email", "");
	cfg_add(&c, "sales.customers.phone", "phone", "");
	cfg_add(&c, "public.customers.name", "name", "");
	cfg_add(&c, "orders.note", "null", "");
	must(mask_rules_load(&r, &c, &err), &err);

	/* no schema and "public" match each other, in both directions */
	mask_plan_new(&p, &r, NULL, "customers", cols, 4);
	assert_true(mask_plan_any(p));
	assert_null(mask_plan_rule(p, 0));
	assert_ptr_equal(mask_plan_rule(p, 1), &r.v[0]);
	assert_null(mask_plan_rule(p, 2));
	assert_ptr_equal(mask_plan_rule(p, 3), &r.v[2]);
	assert_null(mask_plan_rule(p, 4)); /* out of range */
	mask_plan_free(p);

	mask_plan_new(&p, &r, "public", "customers", cols, 4);
	assert_ptr_equal(mask_plan_rule(p, 1), &r.v[0]);
	assert_null(mask_plan_rule(p, 2));
	assert_ptr_equal(mask_plan_rule(p, 3), &r.v[2]);
	mask_plan_free(p);

	/* another schema: only its own rules */
	mask_plan_new(&p, &r, "sales", "customers", cols, 4);
	assert_null(mask_plan_rule(p, 1));
	assert_ptr_equal(mask_plan_rule(p, 2), &r.v[1]);
	assert_null(mask_plan_rule(p, 3));
	mask_plan_free(p);

	mask_plan_new(&p, &r, NULL, "orders", cols, 4);
	assert_false(mask_plan_any(p));
	mask_plan_free(p);
	mask_plan_new(&p, &r, NULL, "customers", NULL, 0);
	assert_false(mask_plan_any(p));
	mask_plan_free(p);
	assert_false(mask_plan_any(NULL));

	mask_rules_release(&r);
	cfg_release(&c);
}

/* A row of several columns; the output buffer stops growing once it is big enough. */
static void test_mask__row_reuses_output(void **state)
{
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct mask_rule r[4] = {
		{ NULL, (char *)"c", (char *)"email", MASK_EMAIL, 0, NULL },
		{ NULL, (char *)"c", (char *)"name", MASK_NAME, 0, NULL },
		{ NULL, (char *)"c", (char *)"phone", MASK_PHONE, 0, NULL },
		{ NULL, (char *)"c", (char *)"country", MASK_SET, 0, (char *)"XX" },
	};
	struct mask_rules rs = { r, 4 };
	static const char *const cols[] = { "id", "email", "name", "phone", "country" };
	struct mask_key *k = key("rows");
	struct mask_plan *p = NULL;
	struct mask_out out = MASK_OUT_INIT;
	size_t i, alloc = 0, scratch = 0;

	mask_plan_new(&p, &rs, NULL, "c", cols, 5);
	for (i = 0; i < 1000; i++) {
		char id[16], email[40], name[40];
		const char *in[5] = { id, email, name, "+1 555 0100", NULL };
		size_t len[5];
		snprintf(id, sizeof(id), "%zu", i);
		snprintf(email, sizeof(email), "user%zu@example.org", i);
		snprintf(name, sizeof(name), "Some Body %zu", i);
		len[0] = strlen(id);
		len[1] = strlen(email);
		len[2] = strlen(name);
		len[3] = strlen(in[3]);
		len[4] = 0;
		must(mask_row(k, p, in, len, &out, &err), &err);
		assert_true(matches("^[a-z]+\\.[0-9a-f]{16}@example\\.com$", out.val[1]));
		assert_non_null(strchr(out.val[2], ' '));
		assert_int_equal(out.len[3], 11);
		assert_null(out.val[4]); /* NULL in, NULL out, even for set */
		if (i == 0) {
			alloc = out.alloc;
			scratch = out.scratch.alloc;
		}
		assert_int_equal(out.alloc, alloc);
		assert_int_equal(out.scratch.alloc, scratch);
	}
	mask_out_release(&out);
	mask_out_release(&out);
	mask_plan_free(p);
	mask_plan_free(NULL);
	mask_key_free(k);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_mask__hmac_matches_openssl),
	cmocka_unit_test(test_mask__hash_is_hmac),
	cmocka_unit_test(test_mask__key_empty),
	cmocka_unit_test(test_mask__deterministic),
	cmocka_unit_test(test_mask__functions_unrelated),
	cmocka_unit_test(test_mask__email_form),
	cmocka_unit_test(test_mask__email_unique),
	cmocka_unit_test(test_mask__word_lists),
	cmocka_unit_test(test_mask__names),
	cmocka_unit_test(test_mask__phone_format),
	cmocka_unit_test(test_mask__redact_utf8),
	cmocka_unit_test(test_mask__set_and_null),
	cmocka_unit_test(test_mask__null_stays_null),
	cmocka_unit_test(test_mask__shift_days_bounds),
	cmocka_unit_test(test_mask__shift_days_row),
	cmocka_unit_test(test_mask__shift_days_calendar),
	cmocka_unit_test(test_mask__shift_days_keeps_time),
	cmocka_unit_test(test_mask__shift_days_errors),
	cmocka_unit_test(test_mask__noise_bounds),
	cmocka_unit_test(test_mask__noise_forms),
	cmocka_unit_test(test_mask__noise_keeps_width),
	cmocka_unit_test(test_mask__noise_long_numbers),
	cmocka_unit_test(test_mask__noise_errors),
	cmocka_unit_test(test_mask__rules_load),
	cmocka_unit_test(test_mask__rules_load_errors),
	cmocka_unit_test(test_mask__rules_check_pg),
	cmocka_unit_test(test_mask__rules_check_sqlite),
	cmocka_unit_test(test_mask__plan),
	cmocka_unit_test(test_mask__row_reuses_output),
};

UNIT_MAIN("mask", tests)
