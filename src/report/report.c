/* report.c - the result tree (see report.h). */
#include "util/common.h"
#include "report/report.h"

#include <jansson.h>

/*
 * Messages quote identifiers and lines from the user's files, which need
 * not be UTF-8; JSON, XML and SARIF must be. Invalid bytes become U+FFFD
 * here, once, so no renderer has to care.
 */
char *report_utf8(const char *s)
{
	struct runway_buf b = RUNWAY_BUF_INIT;
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		size_t n = 0, i;
		unsigned cp = 0;
		if (*p < 0x80)
			n = 1;
		else if ((*p & 0xe0) == 0xc0 && *p >= 0xc2)
			n = 2, cp = *p & 0x1f;
		else if ((*p & 0xf0) == 0xe0)
			n = 3, cp = *p & 0x0f;
		else if ((*p & 0xf8) == 0xf0 && *p <= 0xf4)
			n = 4, cp = *p & 0x07;
		for (i = 1; i < n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				break;
			cp = (cp << 6) | (p[i] & 0x3f);
		}
		if (!n || i < n || (n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
		    (n == 4 && (cp < 0x10000 || cp > 0x10ffff))) {
			runway_buf_adds(&b, "\xef\xbf\xbd");
			p++;
			continue;
		}
		runway_buf_add(&b, (const char *)p, n);
		p += n;
	}
	return runway_buf_detach(&b);
}

struct report_case *report_case_add(struct report *r, const char *name, const char *path)
{
	struct report_case *c;
	r->cases = xgrow(r->cases, sizeof(*r->cases), r->ncases + 1, &r->alloc);
	c = &r->cases[r->ncases++];
	memset(c, 0, sizeof(*c));
	c->name = report_utf8(name ? name : "");
	c->path = path ? report_utf8(path) : NULL;
	return c;
}

struct report_finding *report_add(struct report *r, struct report_case *c,
				  const struct report_rule *rule, enum report_severity sev,
				  unsigned line, unsigned col, const char *message,
				  const char *fix, const char *detail)
{
	struct report_finding *f;
	c->findings = xgrow(c->findings, sizeof(*c->findings), c->n + 1, &c->alloc);
	f = &c->findings[c->n++];
	memset(f, 0, sizeof(*f));
	f->rule = rule;
	f->severity = sev;
	f->line = line;
	f->col = col;
	f->message = report_utf8(message);
	f->fix = fix ? report_utf8(fix) : NULL;
	f->detail = detail ? report_utf8(detail) : NULL;
	if (sev == REPORT_ERROR)
		r->errors++;
	else
		r->warnings++;
	return f;
}

void report_release(struct report *r)
{
	size_t i, j;
	for (i = 0; i < r->ncases; i++) {
		struct report_case *c = &r->cases[i];
		for (j = 0; j < c->n; j++) {
			free(c->findings[j].message);
			free(c->findings[j].fix);
			free(c->findings[j].detail);
			free(c->findings[j].excerpt);
		}
		free(c->findings);
		free(c->name);
		free(c->path);
		free(c->skipped);
	}
	free(r->cases);
	r->cases = NULL;
	r->ncases = r->alloc = 0;
	r->errors = r->warnings = 0;
}

const char *report_severity_name(enum report_severity s)
{
	return s == REPORT_ERROR ? "error" : "warning";
}

int report_format_parse(const char *name, enum report_format *out)
{
	static const struct { const char *name; enum report_format f; } formats[] = {
		{ "text", REPORT_TEXT }, { "json", REPORT_JSON }, { "junit", REPORT_JUNIT },
		{ "sarif", REPORT_SARIF }, { "github", REPORT_GITHUB },
	};
	size_t i;
	for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (!strcmp(name, formats[i].name)) {
			*out = formats[i].f;
			return 0;
		}
	return -1;
}

void report_json_write(json_t *root, FILE *out)
{
	char *s = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (s) {
		fputs(s, out);
		fputc('\n', out);
		free(s);
	}
	json_decref(root);
}

void report_render(const struct report *r, enum report_format f, FILE *out,
		   const struct report_render_opts *o)
{
	static void (*const renderers[])(const struct report *, FILE *,
					 const struct report_render_opts *) = {
		[REPORT_TEXT] = report_render_text,
		[REPORT_JSON] = report_render_json,
		[REPORT_JUNIT] = report_render_junit,
		[REPORT_SARIF] = report_render_sarif,
		[REPORT_GITHUB] = report_render_github,
	};
	renderers[f](r, out, o);
}
