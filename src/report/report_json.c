/* report_json.c - the report as one JSON document (jansson). */
#include "util/common.h"
#include "report/report.h"

#include <jansson.h>

static json_t *finding_json(const struct report_finding *f)
{
	json_t *o = json_object();
	json_object_set_new(o, "rule", json_string(f->rule->name));
	json_object_set_new(o, "severity", json_string(report_severity_name(f->severity)));
	if (f->line)
		json_object_set_new(o, "line", json_integer(f->line));
	if (f->col)
		json_object_set_new(o, "column", json_integer(f->col));
	json_object_set_new(o, "message", json_string(f->message));
	if (f->fix)
		json_object_set_new(o, "fix", json_string(f->fix));
	if (f->detail)
		json_object_set_new(o, "detail", json_string(f->detail));
	return o;
}

void report_render_json(const struct report *r, FILE *out, const struct report_render_opts *o)
{
	json_t *root = json_object(), *cases = json_array();
	size_t i, j;

	json_object_set_new(root, "command", json_string(r->command));
	json_object_set_new(root, "ok", json_boolean(r->errors == 0));
	json_object_set_new(root, "errors", json_integer((json_int_t)r->errors));
	json_object_set_new(root, "warnings", json_integer((json_int_t)r->warnings));
	for (i = 0; i < r->ncases; i++) {
		const struct report_case *c = &r->cases[i];
		json_t *jc = json_object(), *fs = json_array();
		json_object_set_new(jc, "id", json_string(c->name));
		if (c->path)
			json_object_set_new(jc, "file", json_string(c->path));
		if (c->skipped)
			json_object_set_new(jc, "skipped", json_string(c->skipped));
		for (j = 0; j < c->n; j++)
			json_array_append_new(fs, finding_json(&c->findings[j]));
		json_object_set_new(jc, "findings", fs);
		json_array_append_new(cases, jc);
	}
	json_object_set_new(root, "changes", cases);
	report_json_write(root, out);
}
