/*
 * report_github.c - GitHub Actions workflow commands: one
 * "::error file=F,line=L,col=C,title=T::message" line per finding, which
 * the runner shows as an annotation on the pull request's diff.
 * Escaping follows the runner: data escapes % CR LF; properties also : and ,.
 */
#include "util/common.h"
#include "report/report.h"

static void esc(FILE *out, const char *s, bool property)
{
	for (; *s; s++) {
		if (*s == '%')
			fputs("%25", out);
		else if (*s == '\r')
			fputs("%0D", out);
		else if (*s == '\n')
			fputs("%0A", out);
		else if (property && *s == ':')
			fputs("%3A", out);
		else if (property && *s == ',')
			fputs("%2C", out);
		else
			fputc(*s, out);
	}
}

void report_render_github(const struct report *r, FILE *out, const struct report_render_opts *o)
{
	size_t i, j;
	for (i = 0; i < r->ncases; i++) {
		const struct report_case *c = &r->cases[i];
		for (j = 0; j < c->n; j++) {
			const struct report_finding *f = &c->findings[j];
			char *title;
			fprintf(out, "::%s ", f->severity == REPORT_ERROR ? "error" : "warning");
			if (c->path) {
				fputs("file=", out);
				esc(out, c->path, true);
				fputc(',', out);
			}
			if (f->line)
				fprintf(out, "line=%u,", f->line);
			if (f->line && f->col)
				fprintf(out, "col=%u,", f->col);
			title = xasprintf("runway %s: %s", r->command, f->rule->name);
			fputs("title=", out);
			esc(out, title, true);
			free(title);
			fputs("::", out);
			esc(out, f->message, false);
			if (f->fix) {
				esc(out, "\nfix: ", false);
				esc(out, f->fix, false);
			}
			if (f->detail) {
				esc(out, "\n", false);
				esc(out, f->detail, false);
			}
			fputc('\n', out);
		}
	}
}
