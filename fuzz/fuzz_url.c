/*
 * fuzz_url.c - database URLs (driver/url.c) on any bytes.
 *
 * The first byte picks a mode; the rest is the payload.
 *  0: the payload is a URL: url_parse and url_redact must not crash, a
 *     parsed URL has a known scheme, and an error never shows more than
 *     the redacted form.
 *  1: the payload is a password in the userinfo of a postgres:// URL,
 *  2: in a query string's password=, 3: in a conninfo string's password=.
 *     The redacted URL must be exactly the URL with "***" for the password:
 *     a password never survives redaction.
 */
#include "util/common.h"
#include "driver/driver.h"

#define CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "fuzz_url: check failed: %s (line %d)\n", #cond, __LINE__); \
		abort(); \
	} \
} while (0)

static void redacts_to(const char *url, const char *want)
{
	char *r = url_redact(url);
	if (strcmp(r, want)) {
		fprintf(stderr, "fuzz_url: url_redact('%s') = '%s', want '%s'\n", url, r, want);
		abort();
	}
	free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct runway_url u = RUNWAY_URL_INIT;
	char *pw, *url, *r;
	int mode;

	if (!size)
		return 0;
	mode = data[0] % 4;
	/* a C string: up to the first NUL */
	pw = xstrndup((const char *)data + 1, size - 1);

	switch (mode) {
	case 0:
		if (url_parse(&u, pw, &err) == 0) {
			CHECK(!strcmp(u.scheme, "sqlite") || !strcmp(u.scheme, "postgres") ||
			      !strcmp(u.scheme, "mysql"));
			CHECK(!strcmp(u.scheme, "sqlite") == (u.path != NULL));
			CHECK(!strcmp(u.raw, pw));
			r = url_redact(pw);
			CHECK(!strcmp(r, u.redacted));
			free(r);
		} else {
			CHECK(err.msg && err.klass == RUNWAY_E_CONFIG);
			CHECK(!u.raw && !u.scheme && !u.path && !u.redacted);
			/* where the message quotes the URL, it quotes the redacted form */
			if (strlen(pw) > 3 && strstr(err.msg, pw)) {
				r = url_redact(pw);
				CHECK(strstr(err.msg, r) != NULL);
				free(r);
			}
		}
		break;
	case 1:
		/* userinfo: only '/' ends the authority */
		if (strchr(pw, '/'))
			break;
		url = xasprintf("postgres://user:%s@db.example:5432/app?sslmode=require", pw);
		redacts_to(url, "postgres://user:***@db.example:5432/app?sslmode=require");
		free(url);
		break;
	case 2:
		if (strpbrk(pw, "&#"))
			break;
		url = xasprintf("postgres://db.example/app?sslmode=require&password=%s", pw);
		redacts_to(url, "postgres://db.example/app?sslmode=require&password=***");
		free(url);
		break;
	case 3:
		/* (like libpq, "password= dbname=x" means the password "dbname=x") */
		if (!*pw || strpbrk(pw, " \t\r\n") || *pw == '\'')
			break;
		url = xasprintf("host=db.example password=%s dbname=app", pw);
		redacts_to(url, "host=db.example password=*** dbname=app");
		free(url);
		break;
	}
	url_release(&u);
	runway_error_clear(&err);
	free(pw);
	return 0;
}
