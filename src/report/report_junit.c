/*
 * report_junit.c - JUnit XML (the Ant/Jenkins schema every CI reads): one
 * testsuite per run, one testcase per change, one <failure> per
 * error-level finding. Warnings do not fail a testcase (they do not fail
 * the exit status either); they are listed in its <system-out>.
 */
#include "util/common.h"
#include "report/report.h"

/* XML 1.0 text: escape markup, drop the control characters it forbids. */
static void xml(FILE *out, const char *s)
{
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		switch (ch) {
		case '&': fputs("&amp;", out); break;
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '"': fputs("&quot;", out); break;
		case '\'': fputs("&apos;", out); break;
		default:
			if (ch < 0x20 && ch != '\n' && ch != '\t' && ch != '\r')
				fputc('?', out);
			else
				fputc(ch, out);
		}
	}
}

static void where(FILE *out, const struct report_case *c, const struct report_finding *f)
{
	xml(out, c->path ? c->path : c->name);
	if (f->line)
		fprintf(out, ":%u", f->line);
	if (f->line && f->col)
		fprintf(out, ":%u", f->col);
}

void report_render_junit(const struct report *r, FILE *out, const struct report_render_opts *o)
{
	size_t i, j, failing = 0, skipped = 0;

	for (i = 0; i < r->ncases; i++) {
		for (j = 0; j < r->cases[i].n; j++)
			if (r->cases[i].findings[j].severity == REPORT_ERROR)
				break;
		failing += j < r->cases[i].n;
		skipped += r->cases[i].skipped != NULL;
	}
	fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	fprintf(out, "<testsuites name=\"runway %s\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" time=\"%.3f\">\n",
		r->command, r->ncases, failing, r->seconds);
	fprintf(out, "  <testsuite name=\"runway %s\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"%zu\" time=\"%.3f\">\n",
		r->command, r->ncases, failing, skipped, r->seconds);
	for (i = 0; i < r->ncases; i++) {
		const struct report_case *c = &r->cases[i];
		size_t warn = 0;
		fprintf(out, "    <testcase classname=\"runway.%s\" name=\"", r->command);
		xml(out, c->name);
		fprintf(out, "\" time=\"%.3f\">\n", c->seconds);
		if (c->skipped) {
			fputs("      <skipped message=\"", out);
			xml(out, c->skipped);
			fputs("\"/>\n", out);
		}
		for (j = 0; j < c->n; j++) {
			const struct report_finding *f = &c->findings[j];
			if (f->severity != REPORT_ERROR) {
				warn++;
				continue;
			}
			fputs("      <failure type=\"", out);
			xml(out, f->rule->name);
			fputs("\" message=\"", out);
			xml(out, f->message);
			fputs("\">", out);
			where(out, c, f);
			fputs(": ", out);
			xml(out, f->message);
			if (f->fix) {
				fputs("\nfix: ", out);
				xml(out, f->fix);
			}
			if (f->detail) {
				fputs("\n", out);
				xml(out, f->detail);
			}
			fputs("</failure>\n", out);
		}
		if (warn) {
			fputs("      <system-out>", out);
			for (j = 0; j < c->n; j++) {
				const struct report_finding *f = &c->findings[j];
				if (f->severity == REPORT_ERROR)
					continue;
				where(out, c, f);
				fputs(": warning: ", out);
				xml(out, f->message);
				fputs(" [", out);
				xml(out, f->rule->name);
				fputs("]\n", out);
			}
			fputs("</system-out>\n", out);
		}
		fputs("    </testcase>\n", out);
	}
	fputs("  </testsuite>\n</testsuites>\n", out);
}
