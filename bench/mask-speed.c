/*
 * bench/mask-speed.c - how fast mask_row() masks rows on one core.
 *
 *   mask-speed [-n ROWS] [-r ROUNDS] [-c email,name,phone]
 *
 * Generates ROWS rows (default 1,000,000) of a customers table as text,
 * the way COPY's text format gives them to the clone:
 *
 *   id          1000001
 *   email       olivia.martinez.1987@mailbox.example.org
 *   name        Olivia Martinez
 *   phone       +1 (555) 010-2030
 *   created_at  2024-02-29 13:45:00.123456+00
 *
 * (not timed), then masks every row with mask_row() under the rules
 * email: email, name: name, phone: phone (or the columns given with -c),
 * ROUNDS times (default 5), and prints the best round: rows per second,
 * MB/s of row data (10^6 bytes; a row counts its values plus one separator
 * each, the size of its COPY text line) and HMACs per second, one line:
 *
 *   rows=1000000 row_bytes=103.2 masked=3 best_s=0.412 rows_s=2427184 mb_s=250.5 hmac_s=7281553
 *
 * Exit 2 on a usage error, 1 if masking fails. Built and run by bench/mask.
 */
#include "util/common.h"
#include "core/config.h"
#include "mask/mask.h"

#include <time.h>
#include <unistd.h>

#define NCOLS 5

static const char *const firsts[] = {
	"olivia", "liam", "emma", "noah", "ava", "oliver", "sophia", "elijah", "mia", "james",
	"amelia", "william", "harper", "benjamin", "evelyn", "lucas", "chloe", "henry",
};
static const char *const lasts[] = {
	"smith", "johnson", "williams", "brown", "jones", "garcia", "miller", "davis",
	"rodriguez", "martinez", "hernandez", "lopez", "gonzalez", "wilson", "anderson",
};
static const char *const domains[] = {
	"mailbox.example.org", "example.com", "post.example.net", "inbox.example.io",
};

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A small deterministic generator (xorshift64*), so every run masks the same data. */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ull;
}

static void cap(struct runway_buf *b, const char *w)
{
	runway_buf_addch(b, (char)toupper((unsigned char)w[0]));
	runway_buf_adds(b, w + 1);
}

int main(int argc, char **argv)
{
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct config_mask cfg = { NULL, STRVEC_INIT, STRVEC_INIT, STRVEC_INIT };
	struct mask_rules rules = MASK_RULES_INIT;
	struct mask_key *key = NULL;
	struct mask_plan *plan = NULL;
	struct mask_out out = MASK_OUT_INIT;
	struct runway_buf data = RUNWAY_BUF_INIT;
	static const char *const cols[NCOLS] = { "id", "email", "name", "phone", "created_at" };
	const char *masked = "email,name,phone";
	size_t nrows = 1000000, rounds = 5, i, r, *offs = NULL, nmasked = 0;
	size_t *lens = NULL;
	const char **vals = NULL;
	uint64_t seed = 0x9e3779b97f4a7c15ull, bytes = 0, check = 0;
	double best = 1e30;
	int opt, ret = 1;

	while ((opt = getopt(argc, argv, "n:r:c:")) != -1) {
		switch (opt) {
		case 'n':
			nrows = (size_t)strtoul(optarg, NULL, 10);
			break;
		case 'r':
			rounds = (size_t)strtoul(optarg, NULL, 10);
			break;
		case 'c':
			masked = optarg;
			break;
		default:
			fprintf(stderr, "usage: mask-speed [-n ROWS] [-r ROUNDS] [-c COLUMNS]\n");
			return 2;
		}
	}
	if (!nrows || !rounds) {
		fprintf(stderr, "mask-speed: -n and -r must be positive\n");
		return 2;
	}

	/* the rules, through the same path as runway.yml's */
	for (i = 1; i < 4; i++) {
		char *col;
		if (!strstr(masked, cols[i]))
			continue;
		col = xasprintf("customers.%s", cols[i]);
		strvec_push(&cfg.rule_col, col);
		strvec_push(&cfg.rule_fn, cols[i]);
		strvec_push(&cfg.rule_arg, "");
		free(col);
		nmasked++;
	}
	if (mask_rules_load(&rules, &cfg, &err) < 0 ||
	    mask_key_init(&key, "bench-key-0123456789", 20, &err) < 0)
		goto out;
	mask_plan_new(&plan, &rules, NULL, "customers", cols, NCOLS);

	/* the rows: one arena of NUL-separated values, offsets per value */
	offs = xmalloc(nrows * NCOLS * sizeof(*offs));
	lens = xmalloc(nrows * NCOLS * sizeof(*lens));
	for (i = 0; i < nrows; i++) {
		uint64_t x = rnd(&seed);
		const char *f = firsts[x % ARRAY_SIZE(firsts)];
		const char *l = lasts[(x >> 8) % ARRAY_SIZE(lasts)];
		size_t c, start;

		for (c = 0; c < NCOLS; c++) {
			start = data.len;
			switch (c) {
			case 0:
				runway_buf_addf(&data, "%zu", 1000001 + i);
				break;
			case 1:
				runway_buf_addf(&data, "%s.%s.%u@%s", f, l,
						(unsigned)(1940 + (x >> 16) % 70),
						domains[(x >> 24) % ARRAY_SIZE(domains)]);
				break;
			case 2:
				cap(&data, f);
				runway_buf_addch(&data, ' ');
				cap(&data, l);
				break;
			case 3:
				runway_buf_addf(&data, "+1 (%03u) %03u-%04u",
						(unsigned)(200 + (x >> 28) % 800),
						(unsigned)((x >> 38) % 1000), (unsigned)((x >> 48) % 10000));
				break;
			default:
				runway_buf_addf(&data, "20%02u-%02u-%02u %02u:%02u:%02u.%06u+00",
						(unsigned)(10 + (x >> 20) % 15), (unsigned)(1 + (x >> 30) % 12),
						(unsigned)(1 + (x >> 34) % 28), (unsigned)((x >> 40) % 24),
						(unsigned)((x >> 45) % 60), (unsigned)((x >> 51) % 60),
						(unsigned)(x % 1000000));
				break;
			}
			offs[i * NCOLS + c] = start;
			lens[i * NCOLS + c] = data.len - start;
			bytes += data.len - start + 1; /* and its tab or newline */
			runway_buf_addch(&data, '\0');
		}
	}
	vals = xmalloc(nrows * NCOLS * sizeof(*vals));
	for (i = 0; i < nrows * NCOLS; i++)
		vals[i] = data.buf + offs[i];

	for (r = 0; r < rounds; r++) {
		double t0 = now(), t;
		for (i = 0; i < nrows; i++) {
			if (mask_row(key, plan, vals + i * NCOLS, lens + i * NCOLS, &out, &err) < 0)
				goto out;
			check += out.scratch.len;
		}
		t = now() - t0;
		if (t < best)
			best = t;
	}
	printf("rows=%zu row_bytes=%.1f masked=%zu best_s=%.3f rows_s=%.0f mb_s=%.1f hmac_s=%.0f\n",
	       nrows, (double)bytes / (double)nrows, nmasked, best, (double)nrows / best,
	       (double)bytes / best / 1e6, (double)(nrows * nmasked) / best);
	if (!check)
		fprintf(stderr, "mask-speed: nothing masked\n");
	ret = 0;
out:
	if (ret)
		fprintf(stderr, "mask-speed: %s\n", err.msg ? err.msg : "failed");
	free(vals);
	free(offs);
	free(lens);
	runway_buf_release(&data);
	mask_out_release(&out);
	mask_plan_free(plan);
	mask_key_free(key);
	mask_rules_release(&rules);
	strvec_release(&cfg.rule_col);
	strvec_release(&cfg.rule_fn);
	strvec_release(&cfg.rule_arg);
	runway_error_clear(&err);
	return ret;
}
