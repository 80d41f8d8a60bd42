/* change.c - the change-file parser (grammar in change.h). */
#include "util/common.h"
#include "core/change.h"
#include "core/vars.h"
#include "util/fs.h"

#include <openssl/evp.h>

enum section_id { SEC_HEADER, SEC_DEPLOY, SEC_REVERT, SEC_VERIFY };

bool change_id_valid(const char *id)
{
	const char *p = id;
	if (!isalnum((unsigned char)*p))
		return false;
	for (; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("_.-", *p))
			return false;
	return true;
}

void change_checksum(char out[65], const char *data, size_t len)
{
	/*
	 * Fetch the algorithm once: with OpenSSL 3, EVP_sha256() in
	 * EVP_Digest() looks the implementation up again on every call, which
	 * cost more than hashing a small change file.
	 */
	static EVP_MD *sha256;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;
	static const char hex[] = "0123456789abcdef";

	if (!sha256)
		sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	EVP_Digest(data, len, md, &mdlen, sha256 ? sha256 : EVP_sha256(), NULL);
	for (i = 0; i < mdlen && i < 32; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[64] = '\0';
}

/*
 * If line is a directive, return a pointer to its word ("deploy ...") and
 * set *wlen to the word's length; else NULL.
 */
static const char *directive(const char *line, size_t len, size_t *wlen)
{
	const char *p = line, *end = line + len;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (end - p < 2 || p[0] != '-' || p[1] != '-')
		return NULL;
	p += 2;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if ((size_t)(end - p) < 7 || strncmp(p, "runway:", 7))
		return NULL;
	p += 7;
	*wlen = 0;
	while (p + *wlen < end && !isspace((unsigned char)p[*wlen]))
		(*wlen)++;
	return p;
}

static bool word_is(const char *w, size_t wlen, const char *s)
{
	return wlen == strlen(s) && !strncmp(w, s, wlen);
}

static bool only_comment_or_blank(const char *line, size_t len)
{
	size_t i = 0;
	while (i < len && isspace((unsigned char)line[i]))
		i++;
	return i == len || (len - i >= 2 && line[i] == '-' && line[i + 1] == '-');
}

static int cfail(struct runway_error *err, const char *path, unsigned line,
		 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int cfail(struct runway_error *err, const char *path, unsigned line,
		 const char *fmt, ...)
{
	va_list ap;
	char *m;
	va_start(ap, fmt);
	m = xvasprintf(fmt, ap);
	va_end(ap);
	if (line)
		runway_error_set(err, RUNWAY_E_CHANGE, "%s:%u: %s", path, line, m);
	else
		runway_error_set(err, RUNWAY_E_CHANGE, "%s: %s", path, m);
	free(m);
	return -1;
}

static void section_finish(struct change_section *s, const char *text, size_t start, size_t end)
{
	s->text = xstrndup(text + start, end - start);
	s->len = end - start;
}

int change_parse(struct change *c, const char *id, const char *path,
		 const char *raw, size_t rawlen, struct runway_error *err)
{
	return change_parse_flags(c, id, path, raw, rawlen, 0, err);
}

int change_parse_flags(struct change *c, const char *id, const char *path,
		       const char *raw, size_t rawlen, unsigned flags, struct runway_error *err)
{
	struct runway_buf norm = RUNWAY_BUF_INIT;
	enum section_id cur = SEC_HEADER;
	struct change_section *open_sec = NULL;
	size_t pos = 0, sec_start = 0;
	unsigned lineno = 0;
	const char *text;
	size_t len, i;

	memset(c, 0, sizeof(*c));
	c->id = xstrdup(id);
	c->path = xstrdup(path);

	if (memchr(raw, '\0', rawlen))
		return cfail(err, path, 0, "contains a NUL byte (binary file?)");
	/* fold CRLF to LF (a file without CR is copied at once) */
	if (!memchr(raw, '\r', rawlen)) {
		runway_buf_add(&norm, raw, rawlen);
	} else {
		runway_buf_grow(&norm, rawlen);
		for (i = 0; i < rawlen; i++) {
			if (raw[i] == '\r' && i + 1 < rawlen && raw[i + 1] == '\n')
				continue;
			runway_buf_addch(&norm, raw[i]);
		}
	}
	text = norm.buf;
	len = norm.len;

	while (pos < len || (pos == len && open_sec)) {
		const char *line = text + pos;
		const char *nl = memchr(line, '\n', len - pos);
		size_t llen = nl ? (size_t)(nl - line) : len - pos;
		size_t next = nl ? pos + llen + 1 : len;
		const char *w;
		size_t wlen = 0;

		if (pos == len)
			break;
		lineno++;
		w = directive(line, llen, &wlen);
		if (!w) {
			if (cur == SEC_HEADER && !only_comment_or_blank(line, llen)) {
				cfail(err, path, lineno, "SQL before '-- runway:deploy'");
				runway_error_hint(err, "put the change's SQL after a '-- runway:deploy' line");
				goto fail;
			}
			pos = next;
			continue;
		}
		{
			const char *args = w + wlen;
			size_t alen = llen - (size_t)(args - line);
			char *argstr = xstrndup(args, alen);
			int bad = 0;

			if (word_is(w, wlen, "deploy") || word_is(w, wlen, "revert") ||
			    word_is(w, wlen, "verify")) {
				enum section_id want = word_is(w, wlen, "deploy") ? SEC_DEPLOY :
						       word_is(w, wlen, "revert") ? SEC_REVERT : SEC_VERIFY;
				struct change_section *s = want == SEC_DEPLOY ? &c->deploy :
							   want == SEC_REVERT ? &c->revert : &c->verify;
				if (s->text || (s == open_sec)) {
					bad = cfail(err, path, lineno, "second '-- runway:%.*s' section",
						    (int)wlen, w);
				} else if (want != SEC_DEPLOY && cur == SEC_HEADER) {
					bad = cfail(err, path, lineno,
						    "'-- runway:%.*s' before '-- runway:deploy'", (int)wlen, w);
				} else if (want < cur) {
					bad = cfail(err, path, lineno,
						    "'-- runway:%.*s' out of order: the sections are deploy, revert, verify",
						    (int)wlen, w);
				} else {
					if (open_sec)
						section_finish(open_sec, text, sec_start, pos);
					open_sec = s;
					cur = want;
					sec_start = next;
					s->line = lineno + 1;
				}
			} else if (word_is(w, wlen, "irreversible")) {
				c->irreversible = true;
			} else if (cur != SEC_HEADER && word_is(w, wlen, "allow")) {
				/* statement-level: the checks read it from the section's text */
			} else if (cur != SEC_HEADER &&
				   (word_is(w, wlen, "requires") || word_is(w, wlen, "labels") ||
				    word_is(w, wlen, "no-transaction"))) {
				bad = cfail(err, path, lineno,
					    "'-- runway:%.*s' must stand before '-- runway:deploy'", (int)wlen, w);
			} else if (word_is(w, wlen, "requires")) {
				strvec_split_words(&c->requires, argstr);
			} else if (word_is(w, wlen, "labels")) {
				strvec_split_words(&c->labels, argstr);
			} else if (word_is(w, wlen, "allow")) {
				strvec_split_words(&c->allow, argstr);
			} else if (word_is(w, wlen, "no-transaction")) {
				c->no_transaction = true;
			} else {
				bad = cfail(err, path, lineno, "unknown directive 'runway:%.*s'", (int)wlen, w);
				runway_error_hint(err, "directives are deploy, revert, verify, requires, labels, "
						  "no-transaction, allow and irreversible");
			}
			if (!bad && (word_is(w, wlen, "deploy") || word_is(w, wlen, "revert") ||
				     word_is(w, wlen, "verify") || word_is(w, wlen, "irreversible") ||
				     word_is(w, wlen, "no-transaction"))) {
				const char *p = argstr;
				while (*p && isspace((unsigned char)*p))
					p++;
				if (*p)
					bad = cfail(err, path, lineno, "'-- runway:%.*s' takes no arguments",
						    (int)wlen, w);
			}
			if (!bad && (word_is(w, wlen, "requires") || word_is(w, wlen, "labels") ||
				     word_is(w, wlen, "allow")) &&
			    !argstr[strspn(argstr, " \t")])
				bad = cfail(err, path, lineno, "'-- runway:%.*s' needs at least one word",
					    (int)wlen, w);
			free(argstr);
			if (bad)
				goto fail;
		}
		pos = next;
	}
	if (open_sec)
		section_finish(open_sec, text, sec_start, len);

	for (i = 0; i < c->requires.n; i++)
		if (!change_id_valid(c->requires.v[i])) {
			cfail(err, path, 0, "invalid id '%s' in requires", c->requires.v[i]);
			goto fail;
		}
	if (!c->deploy.text) {
		cfail(err, path, 0, "no '-- runway:deploy' section");
		runway_error_hint(err, "a change file has '-- runway:deploy', then '-- runway:revert' "
				  "(or '-- runway:irreversible'), then optionally '-- runway:verify'");
		goto fail;
	}
	if (!c->revert.text && !c->irreversible && !(flags & CHANGE_NO_REVERT_OK)) {
		cfail(err, path, 0, "no '-- runway:revert' section");
		runway_error_hint(err, "add one, or mark the change '-- runway:irreversible'");
		goto fail;
	}
	if (c->revert.text && c->irreversible) {
		cfail(err, path, 0, "marked irreversible but has a '-- runway:revert' section");
		goto fail;
	}
	change_checksum(c->checksum, c->deploy.text, c->deploy.len);
	runway_buf_release(&norm);
	return 0;
fail:
	runway_buf_release(&norm);
	return -1;
}

int change_load(struct change *c, const char *dir, const char *filename,
		struct runway_error *err)
{
	struct runway_buf text = RUNWAY_BUF_INIT;
	char *path = xasprintf("%s/%s", dir, filename);
	size_t n = strlen(filename);
	char *id = xstrndup(filename, n > 4 ? n - 4 : n);
	int ret = -1;

	memset(c, 0, sizeof(*c));
	if (!change_id_valid(id)) {
		runway_error_set(err, RUNWAY_E_CHANGE,
				 "%s: invalid change id '%s': use letters, digits, '_', '.' and '-'",
				 path, id);
		goto out;
	}
	if (fs_read_file(&text, path, CHANGE_MAX_FILE, err) < 0) {
		if (err->klass == RUNWAY_E_IO && errno == ENOENT)
			err->klass = RUNWAY_E_CHANGE;
		goto out;
	}
	ret = change_parse(c, id, path, text.buf, text.len, err);
out:
	runway_buf_release(&text);
	free(path);
	free(id);
	return ret;
}

void change_release(struct change *c)
{
	if (!c)
		return;
	free(c->id);
	free(c->path);
	strvec_release(&c->requires);
	strvec_release(&c->labels);
	strvec_release(&c->allow);
	free(c->deploy.text);
	free(c->revert.text);
	free(c->verify.text);
	memset(c, 0, sizeof(*c));
}

unsigned change_line_at(const struct change_section *s, size_t offset)
{
	const char *t = s->text;
	size_t i, len = s->len;
	unsigned line = s->line;

	if (!t || offset == (size_t)-1)
		return s->line;
	if (offset > len)
		offset = len;
	for (i = 0; i < offset; i++)
		if (t[i] == '\n')
			line++;
	/* skip blank space and comments to the statement's first token */
	while (i < len) {
		if (t[i] == '\n') {
			line++;
			i++;
		} else if (isspace((unsigned char)t[i])) {
			i++;
		} else if (t[i] == '-' && i + 1 < len && t[i + 1] == '-') {
			while (i < len && t[i] != '\n')
				i++;
		} else if (t[i] == '/' && i + 1 < len && t[i + 1] == '*') {
			i += 2;
			while (i + 1 < len && !(t[i] == '*' && t[i + 1] == '/')) {
				if (t[i] == '\n')
					line++;
				i++;
			}
			i += 2;
		} else {
			break;
		}
	}
	return line;
}

int change_expand(const struct change *c, const struct change_section *s,
		  const struct vars *vars, struct runway_buf *out, struct runway_error *err)
{
	size_t bad = 0;
	if (!s->text)
		return 0;
	if (vars_expand(out, s->text, s->len, vars_lookup_table, (void *)vars, &bad, err) < 0) {
		unsigned line = s->line;
		size_t i;
		for (i = 0; i < bad; i++)
			if (s->text[i] == '\n')
				line++;
		err->klass = RUNWAY_E_CONFIG;
		runway_error_prefix(err, "%s:%u", c->path, line);
		if (!err->hint)
			runway_error_hint(err, "define it under the environment's 'vars' in runway.yml");
		return -1;
	}
	return 0;
}

bool change_matches_labels(const struct change *c, const struct strvec *labels)
{
	size_t i;
	if (!labels || !c->labels.n)
		return true;
	for (i = 0; i < c->labels.n; i++)
		if (strvec_has(labels, c->labels.v[i]))
			return true;
	return false;
}
