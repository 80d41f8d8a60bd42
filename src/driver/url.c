/*
 * url.c - database URLs: which engine, and a form safe to print.
 *
 *   sqlite:PATH  sqlite://PATH  sqlite::memory:   -> "sqlite"
 *   postgres://...  postgresql://...               -> "postgres" (libpq URI)
 *   mysql://...  mariadb://...                     -> "mysql"
 *
 * Redaction replaces the password of the userinfo and any password=
 * parameter by "***"; url_redact() is the only way runway prints a URL.
 */
#include "util/common.h"
#include "driver/driver.h"

static bool has_prefix(const char *s, const char *p)
{
	return !strncmp(s, p, strlen(p));
}

char *url_redact(const char *url)
{
	struct runway_buf b = RUNWAY_BUF_INIT;
	const char *p, *auth, *at, *end, *colon;

	if (!url)
		return xstrdup("");
	p = strstr(url, "://");
	if (!p) {
		runway_buf_adds(&b, url);
		goto params;
	}
	auth = p + 3;
	/* like libpq, only '/' ends the userinfo: a password may hold '?' or '#' */
	end = auth + strcspn(auth, "/");
	at = NULL;
	for (p = auth; p < end; p++)
		if (*p == '@')
			at = p;
	runway_buf_add(&b, url, (size_t)(auth - url));
	if (at) {
		colon = memchr(auth, ':', (size_t)(at - auth));
		if (colon) {
			runway_buf_add(&b, auth, (size_t)(colon - auth));
			runway_buf_adds(&b, ":***");
		} else {
			runway_buf_add(&b, auth, (size_t)(at - auth));
		}
		runway_buf_adds(&b, at);
	} else {
		runway_buf_adds(&b, auth);
	}
params:
	/*
	 * password=... (or libpq's sslpassword=) in a query string, or in a
	 * conninfo string, where spaces may surround '=' and a value may be
	 * quoted: password = 'a b\' c'.
	 */
	{
		struct runway_buf n = RUNWAY_BUF_INIT;
		size_t sl = strspn(url, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.");
		bool is_url = sl && !strncmp(url + sl, "://", 3);
		const char *stop = is_url ? "&#" : " \t\r\n";
		const char *blank = is_url ? "" : " \t";
		const char *s = b.buf, *q, *v;
		while ((q = strstr(s, "password")) != NULL) {
			bool boundary = q == b.buf || strchr("?&; \t", q[-1]) ||
					(q - b.buf >= 3 && !strncmp(q - 3, "ssl", 3));
			v = q + strlen("password");
			v += strspn(v, blank);
			if (!boundary || *v != '=') {
				runway_buf_add(&n, s, (size_t)(q + 1 - s));
				s = q + 1;
				continue;
			}
			v++;
			v += strspn(v, blank);
			runway_buf_add(&n, s, (size_t)(v - s));
			runway_buf_adds(&n, "***");
			if (!is_url && *v == '\'') {
				for (v++; *v && *v != '\''; v++)
					if (*v == '\\' && v[1])
						v++;
				if (*v)
					v++;
			} else {
				v += strcspn(v, stop);
			}
			s = v;
		}
		runway_buf_adds(&n, s);
		runway_buf_release(&b);
		b = n;
	}
	return runway_buf_detach(&b);
}

int url_parse(struct runway_url *out, const char *s, struct runway_error *err)
{
	struct runway_url u = RUNWAY_URL_INIT;
	const char *path = NULL;

	*out = u;
	if (!s || !*s)
		return runway_error_set(err, RUNWAY_E_CONFIG, "empty database URL");
	if (has_prefix(s, "sqlite://"))
		path = s + strlen("sqlite://");
	else if (has_prefix(s, "sqlite3://"))
		path = s + strlen("sqlite3://");
	else if (has_prefix(s, "sqlite:"))
		path = s + strlen("sqlite:");
	else if (has_prefix(s, "sqlite3:"))
		path = s + strlen("sqlite3:");

	if (path) {
		if (!*path) {
			runway_error_set(err, RUNWAY_E_CONFIG, "invalid database URL '%s': no file path", s);
			runway_error_hint(err, "write sqlite:PATH, e.g. sqlite:dev.db, or sqlite::memory:");
			return -1;
		}
		u.scheme = xstrdup("sqlite");
		u.path = xstrdup(path);
	} else if (has_prefix(s, "postgres://") || has_prefix(s, "postgresql://")) {
		u.scheme = xstrdup("postgres");
	} else if (has_prefix(s, "mysql://") || has_prefix(s, "mariadb://")) {
		u.scheme = xstrdup("mysql");
	} else {
		char *r = url_redact(s);
		runway_error_set(err, RUNWAY_E_CONFIG, "invalid database URL '%s': unknown scheme", r);
		runway_error_hint(err, "use sqlite:PATH, postgres://... or mysql://...");
		free(r);
		return -1;
	}
	u.raw = xstrdup(s);
	u.redacted = url_redact(s);
	*out = u;
	return 0;
}

void url_release(struct runway_url *u)
{
	if (!u)
		return;
	if (u->raw)
		secure_wipe(u->raw, strlen(u->raw));
	free(u->raw);
	free(u->database);
	free(u->redacted);
	free(u->scheme);
	free(u->path);
	memset(u, 0, sizeof(*u));
}

/*
 * Where the host part of a URL's authority ends ('/', '?' or the end). As
 * in libpq and url_redact, only '/' ends the userinfo, so a password may
 * hold '?': the host starts after the last '@' before the first '/'.
 */
static const char *host_end(const char *auth)
{
	const char *slash = auth + strcspn(auth, "/"), *p, *host = auth;

	for (p = auth; p < slash; p++)
		if (*p == '@')
			host = p + 1;
	return host + strcspn(host, "/?");
}

char *url_with_database(const char *url, const char *db)
{
	struct runway_buf b = RUNWAY_BUF_INIT;
	const char *auth = strstr(url, "://"), *path, *query;
	const char *p;

	if (!auth)
		return xstrdup(url);
	path = host_end(auth + 3);
	query = path + strcspn(path, "?");
	runway_buf_add(&b, url, (size_t)(path - url));
	runway_buf_addch(&b, '/');
	/* percent-encode all but RFC 3986's unreserved characters */
	for (p = db; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (isalnum(c) || strchr("-._~", c))
			runway_buf_addch(&b, (char)c);
		else
			runway_buf_addf(&b, "%%%02X", c);
	}
	runway_buf_adds(&b, query);
	return runway_buf_detach(&b);
}

char *url_database(const char *url)
{
	struct runway_buf b = RUNWAY_BUF_INIT;
	const char *auth = strstr(url, "://"), *p, *end;

	if (!auth)
		return NULL;
	p = host_end(auth + 3);
	if (*p != '/')
		return NULL;
	p++;
	end = p + strcspn(p, "?");
	for (; p < end; p++) {
		if (*p == '%' && isxdigit((unsigned char)p[1]) && isxdigit((unsigned char)p[2])) {
			char hex[3] = { p[1], p[2], 0 };
			runway_buf_addch(&b, (char)strtol(hex, NULL, 16));
			p += 2;
		} else {
			runway_buf_addch(&b, *p);
		}
	}
	if (!b.len) {
		runway_buf_release(&b);
		return NULL;
	}
	return runway_buf_detach(&b);
}

void sql_quote_ident(struct runway_buf *b, const char *name)
{
	runway_buf_addch(b, '"');
	for (; *name; name++) {
		if (*name == '"')
			runway_buf_addch(b, '"');
		runway_buf_addch(b, *name);
	}
	runway_buf_addch(b, '"');
}
