/*
 * report_text.c - findings the way a compiler prints them: grouped per
 * file, "path:line:col: severity: message [rule]", the source line with a
 * caret under the column, then the fix. Colour only when asked (a terminal).
 */
#include "util/common.h"
#include "report/report.h"

static void detail_lines(FILE *out, const char *detail)
{
	const char *p = detail;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		fprintf(out, "      %.*s\n", (int)n, p);
		p += n + (nl ? 1 : 0);
	}
}

void report_render_text(const struct report *r, FILE *out, const struct report_render_opts *o)
{
	const char *red = o->color ? "\033[1;31m" : "", *yellow = o->color ? "\033[1;33m" : "";
	const char *bold = o->color ? "\033[1m" : "", *dim = o->color ? "\033[2m" : "";
	const char *green = o->color ? "\033[32m" : "", *reset = o->color ? "\033[0m" : "";
	const char *verb;
	size_t i, j, with = 0;

	for (i = 0; i < r->ncases; i++) {
		const struct report_case *c = &r->cases[i];
		if (!c->n)
			continue;
		if (with++)
			fputc('\n', out);
		for (j = 0; j < c->n; j++) {
			const struct report_finding *f = &c->findings[j];
			const char *where = c->path ? c->path : c->name;
			fprintf(out, "%s%s", bold, where);
			if (f->line)
				fprintf(out, ":%u", f->line);
			if (f->line && f->col)
				fprintf(out, ":%u", f->col);
			fprintf(out, ":%s %s%s:%s %s %s[%s]%s\n", reset,
				f->severity == REPORT_ERROR ? red : yellow,
				report_severity_name(f->severity), reset, f->message, dim,
				f->rule->name, reset);
			if (f->excerpt && f->line) {
				unsigned k;
				fprintf(out, "  %5u | %s\n        | ", f->line, f->excerpt);
				/* keep tabs so the caret lines up under the column */
				for (k = 1; f->col && k < f->col && f->excerpt[k - 1]; k++)
					fputc(f->excerpt[k - 1] == '\t' ? '\t' : ' ', out);
				fprintf(out, "%s^%s\n", green, reset);
			}
			if (f->fix)
				fprintf(out, "  %sfix:%s %s\n", bold, reset, f->fix);
			if (f->detail)
				detail_lines(out, f->detail);
		}
	}
	if (o->quiet)
		return;
	if (with)
		fputc('\n', out);
	verb = strcmp(r->command, "test") ? "checked" : "tested";
	if (!r->errors && !r->warnings) {
		fprintf(out, "%s%zu change%s %s: no findings%s\n", green, r->ncases,
			r->ncases == 1 ? "" : "s", verb, reset);
		return;
	}
	fprintf(out, "%zu change%s %s: ", r->ncases, r->ncases == 1 ? "" : "s", verb);
	if (r->errors)
		fprintf(out, "%s%zu error%s%s", red, r->errors, r->errors == 1 ? "" : "s", reset);
	if (r->errors && r->warnings)
		fputs(", ", out);
	if (r->warnings)
		fprintf(out, "%s%zu warning%s%s", yellow, r->warnings, r->warnings == 1 ? "" : "s",
			reset);
	fprintf(out, " in %zu file%s\n", with, with == 1 ? "" : "s");
}
