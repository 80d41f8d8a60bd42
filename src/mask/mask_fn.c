/*
 * mask_fn.c - the masking functions on one non-NULL value (mask.h says
 * what each keeps; mask_impl.h how the HMAC is used).
 *
 * Each function appends to the caller's buffer and allocates nothing once
 * the buffer is big enough: mask_row() runs them millions of times a
 * second. noise computes exactly, in integers, on the first 18 significant
 * digits (the rest are kept), so its output is the same on every machine.
 */
#include "util/common.h"
#include "mask/mask_impl.h"

#include <math.h>
#include <strings.h>

static const char hexdigits[] = "0123456789abcdef";

void mask_mac_end(const struct mask_key *k, struct mask_mac *m, unsigned char out[MASK_MAC_LEN])
{
	unsigned char inner[SHA256_DIGEST_LENGTH];
	SHA256_CTX o = k->outer;

	SHA256_Final(inner, &m->c);
	SHA256_Update(&o, inner, sizeof(inner));
	SHA256_Final(out, &o);
}

void mask_hmac(const struct mask_key *k, const char *tag, const void *data, size_t len,
	       unsigned char out[MASK_MAC_LEN])
{
	struct mask_mac m;
	mask_mac_begin(k, &m);
	mask_mac_update(&m, tag, strlen(tag) + 1);
	mask_mac_update(&m, data, len);
	mask_mac_end(k, &m, out);
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Room for n more bytes (and the NUL) at the end of out. */
static char *room(struct runway_buf *out, size_t n)
{
	runway_buf_grow(out, n);
	return out->buf + out->len;
}

static void added(struct runway_buf *out, size_t n)
{
	out->len += n;
	out->buf[out->len] = '\0';
}

static void add_hex(struct runway_buf *out, const unsigned char *p, size_t n)
{
	char *w = room(out, 2 * n);
	size_t i;
	for (i = 0; i < n; i++) {
		w[2 * i] = hexdigits[p[i] >> 4];
		w[2 * i + 1] = hexdigits[p[i] & 15];
	}
	added(out, 2 * n);
}

/* ---- email, names, hash ------------------------------------------------- */

/*
 * "<first name>.<16 hex>@example.com": the 16 hex digits are 64 bits of
 * the HMAC, so distinct inputs collide with probability about n^2 / 2^65
 * (1e-9 for 200,000 addresses); the word only makes it look like an
 * address. example.com is reserved (RFC 2606): no mail can go anywhere.
 */
void mask_email(const struct mask_key *k, const char *in, size_t len, struct runway_buf *out)
{
	static const char domain[] = "@example.com";
	unsigned char mac[MASK_MAC_LEN];
	const char *word;
	size_t wl, i;
	char *w;

	mask_hmac(k, "email", in, len, mac);
	word = mask_first_names[mac[8]];
	wl = strlen(word);
	w = room(out, wl + 1 + 16 + sizeof(domain) - 1);
	for (i = 0; i < wl; i++)
		w[i] = (char)(word[i] | 0x20); /* ASCII letters: lower case */
	w[wl] = '.';
	for (i = 0; i < 8; i++) {
		w[wl + 1 + 2 * i] = hexdigits[mac[i] >> 4];
		w[wl + 2 + 2 * i] = hexdigits[mac[i] & 15];
	}
	memcpy(w + wl + 17, domain, sizeof(domain) - 1);
	added(out, wl + 17 + sizeof(domain) - 1);
}

void mask_name(const struct mask_key *k, enum mask_fn fn, const char *in, size_t len,
	       struct runway_buf *out)
{
	unsigned char mac[MASK_MAC_LEN];

	switch (fn) {
	case MASK_FIRST_NAME:
		mask_hmac(k, "first_name", in, len, mac);
		runway_buf_adds(out, mask_first_names[mac[0]]);
		break;
	case MASK_LAST_NAME:
		mask_hmac(k, "last_name", in, len, mac);
		runway_buf_adds(out, mask_last_names[mac[0]]);
		break;
	default:
		mask_hmac(k, "name", in, len, mac);
		runway_buf_adds(out, mask_first_names[mac[0]]);
		runway_buf_addch(out, ' ');
		runway_buf_adds(out, mask_last_names[mac[1]]);
		break;
	}
}

void mask_hash(const struct mask_key *k, const char *in, size_t len, struct runway_buf *out)
{
	unsigned char mac[MASK_MAC_LEN];
	mask_hmac(k, "hash", in, len, mac);
	add_hex(out, mac, 16);
}

/* ---- phone ---------------------------------------------------------------- */

/* Block n of a phone number's digits: HMAC(key, "phone\0" || n (4 bytes) || input). */
static void phone_block(const struct mask_key *k, uint32_t n, const char *in, size_t len,
			unsigned char mac[MASK_MAC_LEN])
{
	unsigned char ctr[4] = { (unsigned char)(n >> 24), (unsigned char)(n >> 16),
				 (unsigned char)(n >> 8), (unsigned char)n };
	struct mask_mac m;

	mask_mac_begin(k, &m);
	mask_mac_tag(&m, "phone");
	mask_mac_update(&m, ctr, sizeof(ctr));
	mask_mac_update(&m, in, len);
	mask_mac_end(k, &m, mac);
}

/*
 * Every ASCII digit is replaced, everything else kept. One HMAC gives four
 * 64-bit words of 16 decimal digits each (v mod 10^16 is uniform to within
 * 10^16 / 2^64, about 0.05%); longer numbers take further blocks.
 */
void mask_phone(const struct mask_key *k, const char *in, size_t len, struct runway_buf *out)
{
	unsigned char mac[MASK_MAC_LEN];
	uint64_t v = 0;
	uint32_t block = 0;
	size_t i, left = 0, word = 4;
	char *w = room(out, len);

	for (i = 0; i < len; i++) {
		char c = in[i];
		if (is_digit(c)) {
			if (!left) {
				if (word == 4) {
					phone_block(k, block++, in, len, mac);
					word = 0;
				}
				v = mask_be64(mac + 8 * word++);
				left = 16;
			}
			c = (char)('0' + v % 10);
			v /= 10;
			left--;
		}
		w[i] = c;
	}
	added(out, len);
}

/* ---- redact --------------------------------------------------------------- */

static bool utf8_start(char c)
{
	return ((unsigned char)c & 0xC0) != 0x80;
}

/*
 * Characters are code points: every byte that is not a UTF-8 continuation
 * byte starts one (so invalid UTF-8 still counts sensibly, never splits
 * what it keeps and never grows past the input's characters).
 */
void mask_redact(long keep, const char *in, size_t len, struct runway_buf *out)
{
	size_t chars = 0, stars, seen = 0, i;
	char *w;

	for (i = 0; i < len; i++)
		chars += utf8_start(in[i]);
	stars = chars > (size_t)keep ? chars - (size_t)keep : chars;
	for (i = 0; i < len && stars < chars; i++) {
		if (utf8_start(in[i]) && seen++ == stars)
			break;
	}
	w = room(out, stars);
	memset(w, '*', stars);
	added(out, stars);
	if (stars < chars)
		runway_buf_add(out, in + i, len - i);
}

/* ---- noise ---------------------------------------------------------------- */

#define NOISE_ONE (1L << 20) /* u in [-1, 1] is r / NOISE_ONE */
#define NOISE_DIGITS 18      /* significant digits computed on (fit in 63 bits twice) */

/* NaN and infinities (PostgreSQL, SQLite spellings) carry nothing to hide. */
static bool noise_special(const char *s, size_t n)
{
	if (n && (*s == '+' || *s == '-')) {
		s++;
		n--;
	}
	return (n == 3 && !strncasecmp(s, "nan", 3)) || (n == 3 && !strncasecmp(s, "inf", 3)) ||
	       (n == 8 && !strncasecmp(s, "infinity", 8));
}

/* Digit j of the digits ip[0..ni) followed by fp. */
static char digit_at(const char *ip, size_t ni, const char *fp, size_t j)
{
	return j < ni ? ip[j] : fp[j - ni];
}

/* A number with an exponent ("1.5e+20", real and double columns): in double. */
static int noise_float(long r, long percent, const char *in, size_t len, struct runway_buf *out)
{
	char tmp[64], *end;
	double x, y;
	int n;

	if (len >= sizeof(tmp))
		return -1;
	memcpy(tmp, in, len);
	tmp[len] = '\0';
	x = strtod(tmp, &end);
	if (end != tmp + len || !isfinite(x))
		return -1;
	y = x * (1.0 + (double)r * (double)percent / (100.0 * (double)NOISE_ONE));
	n = snprintf(tmp, sizeof(tmp), "%.15g", y);
	runway_buf_add(out, tmp, (size_t)n);
	return 0;
}

/*
 * x * (1 + u * percent / 100) for x = [-]ip.fp, with as many decimals as
 * the input. Exact: on the top NOISE_DIGITS significant digits T as an
 * integer, delta = round(T * r * percent / (100 * NOISE_ONE)); the digits
 * below are kept. The result never has more integer digits than the input
 * (it is capped at 99...9 with the input's width), so it still fits the
 * column's numeric(p, s) or integer type.
 */
static void noise_decimal(long r, long percent, bool neg, const char *ip, size_t ni,
			  const char *fp, size_t nf, struct runway_buf *out)
{
	size_t nd = ni + nf, z = 0, sig, top, tail, tskip = 0, ny = 0, lg, point, i, j;
	size_t int_sig, width;
	uint64_t t = 0, y;
	__int128 num, den = (__int128)100 * NOISE_ONE, delta;
	char ydig[24], *w;

	while (z < nd && digit_at(ip, ni, fp, z) == '0')
		z++;
	sig = nd - z;
	top = sig < NOISE_DIGITS ? sig : NOISE_DIGITS;
	tail = sig - top;
	for (i = 0; i < top; i++)
		t = t * 10 + (uint64_t)(digit_at(ip, ni, fp, z + i) - '0');
	num = (__int128)t * r * percent;
	/* toward zero, so the change never passes the percent (418 +10 % is 459, not 460) */
	delta = num / den;
	y = (uint64_t)((__int128)t + delta); /* 0 <= y <= 2t */

	/* digits allowed for the top part: the input's width minus the kept tail */
	int_sig = z < ni ? ni - z : 0;
	width = nf + (int_sig ? int_sig : 1) - tail;
	if (width < 19) {
		uint64_t limit = 1;
		for (i = 0; i < width; i++)
			limit *= 10;
		if (y > limit - 1)
			y = limit - 1;
	}
	if (y) {
		char rev[24];
		size_t n = 0;
		for (; y; y /= 10)
			rev[n++] = (char)('0' + y % 10);
		while (n)
			ydig[ny++] = rev[--n];
	} else {
		/* the top digits vanished: the tail's leading zeros go too */
		while (tskip < tail && digit_at(ip, ni, fp, z + top + tskip) == '0')
			tskip++;
	}
	lg = ny + tail - tskip;
	if (!lg) {
		/* zero, written with the input's decimals and no sign */
		w = room(out, nf + 2);
		w[0] = '0';
		if (nf) {
			w[1] = '.';
			memset(w + 2, '0', nf);
		}
		added(out, nf ? nf + 2 : 1);
		return;
	}
	w = room(out, lg + nf + 4);
	i = 0;
	if (neg)
		w[i++] = '-';
	point = SIZE_MAX;
	if (nf && lg <= nf) {
		w[i++] = '0';
		w[i++] = '.';
		memset(w + i, '0', nf - lg);
		i += nf - lg;
	} else if (nf) {
		point = lg - nf;
	}
	for (j = 0; j < lg; j++) {
		if (j == point)
			w[i++] = '.';
		w[i++] = j < ny ? ydig[j] : digit_at(ip, ni, fp, z + top + tskip + (j - ny));
	}
	added(out, i);
}

int mask_noise(const struct mask_key *k, long percent, const char *in, size_t len,
	       struct runway_buf *out)
{
	unsigned char mac[MASK_MAC_LEN];
	const char *s = in, *end = in + len, *ip, *fp;
	size_t ni, nf = 0;
	bool neg = false, expo = false;
	long r;

	if (s < end && (*s == '+' || *s == '-'))
		neg = *s++ == '-';
	ip = s;
	while (s < end && is_digit(*s))
		s++;
	ni = (size_t)(s - ip);
	fp = s;
	if (s < end && *s == '.') {
		fp = ++s;
		while (s < end && is_digit(*s))
			s++;
		nf = (size_t)(s - fp);
	}
	if (!ni && !nf) {
		if (!noise_special(in, len))
			return -1;
		runway_buf_add(out, in, len);
		return 0;
	}
	if (s < end && (*s == 'e' || *s == 'E')) {
		s++;
		if (s < end && (*s == '+' || *s == '-'))
			s++;
		if (s == end || !is_digit(*s))
			return -1;
		while (s < end && is_digit(*s))
			s++;
		expo = true;
	}
	if (s != end)
		return -1;

	mask_hmac(k, "noise", in, len, mac);
	r = (long)(mask_be64(mac) % (uint64_t)(2 * NOISE_ONE + 1)) - NOISE_ONE;
	if (expo)
		return noise_float(r, percent, in, len, out);
	noise_decimal(r, percent, neg, ip, ni, fp, nf, out);
	return 0;
}

/* ---- dates ---------------------------------------------------------------- */

/* Howard Hinnant's days_from_civil / civil_from_days (public domain). */
long mask_days_from_civil(long y, unsigned m, unsigned d)
{
	long era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long)doe - 719468;
}

void mask_civil_from_days(long day, long *y, unsigned *m, unsigned *d)
{
	long z = day + 719468, era;
	unsigned doe, yoe, doy, mp;

	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (long)yoe + era * 400 + (*m <= 2);
}

static unsigned days_in_month(long y, unsigned m)
{
	static const unsigned char dim[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 && leap ? 29 : dim[m - 1];
}

static unsigned two(const char *s)
{
	return (unsigned)(s[0] - '0') * 10 + (unsigned)(s[1] - '0');
}

int mask_date_read(const char *in, size_t len, long *day)
{
	const char *s = in;
	size_t n = len;
	long y;
	unsigned m, d;

	if (n && (*s == '+' || *s == '-')) {
		s++;
		n--;
	}
	if (n == 8 && !strncasecmp(s, "infinity", 8))
		return 0;
	s = in;
	if (len < 10 || !is_digit(s[0]) || !is_digit(s[1]) || !is_digit(s[2]) || !is_digit(s[3]) ||
	    s[4] != '-' || !is_digit(s[5]) || !is_digit(s[6]) || s[7] != '-' ||
	    !is_digit(s[8]) || !is_digit(s[9]))
		return -1;
	if (len > 10 && s[10] != ' ' && s[10] != 'T')
		return -1;
	if (len >= 13 && !memcmp(s + len - 3, " BC", 3))
		return -1;
	y = (long)two(s) * 100 + (long)two(s + 2);
	m = two(s + 5);
	d = two(s + 8);
	if (y < 1 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
		return -1;
	*day = mask_days_from_civil(y, m, d);
	return 1;
}

void mask_date_shift(long offset, const char *in, size_t len, struct runway_buf *out)
{
	long day, y;
	unsigned m, d;
	char *w;

	if (mask_date_read(in, len, &day) <= 0) {
		runway_buf_add(out, in, len); /* an infinity */
		return;
	}
	mask_civil_from_days(day + offset, &y, &m, &d);
	w = room(out, len);
	w[0] = (char)('0' + y / 1000);
	w[1] = (char)('0' + y / 100 % 10);
	w[2] = (char)('0' + y / 10 % 10);
	w[3] = (char)('0' + y % 10);
	w[4] = '-';
	w[5] = (char)('0' + m / 10);
	w[6] = (char)('0' + m % 10);
	w[7] = '-';
	w[8] = (char)('0' + d / 10);
	w[9] = (char)('0' + d % 10);
	memcpy(w + 10, in + 10, len - 10);
	added(out, len);
}
