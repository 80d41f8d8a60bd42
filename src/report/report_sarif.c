/*
 * report_sarif.c - SARIF 2.1.0, the format code-scanning UIs (GitHub,
 * GitLab, Azure DevOps) show inline on a diff: one run, the rules the run
 * could report in tool.driver.rules, one result per finding with its
 * physical location (the file path as given, relative to the project).
 */
#include "util/common.h"
#include "report/report.h"

#include <jansson.h>

#define SARIF_SCHEMA "https://json.schemastore.org/sarif-2.1.0.json"
#define DOCS_URI "https://github.com/runway-db/runway/blob/main/docs/checks.md#"

static long rule_index(const struct report *r, const struct report_rule *rule)
{
	size_t i;
	for (i = 0; i < r->nrules; i++)
		if (r->rules[i] == rule)
			return (long)i;
	return -1;
}

void report_render_sarif(const struct report *r, FILE *out, const struct report_render_opts *o)
{
	json_t *root = json_object(), *run = json_object(), *driver = json_object();
	json_t *rules = json_array(), *results = json_array(), *tool = json_object();
	size_t i, j;

	for (i = 0; i < r->nrules; i++) {
		json_t *jr = json_object(), *sd = json_object();
		char *uri = xasprintf(DOCS_URI "%s", r->rules[i]->name);
		json_object_set_new(jr, "id", json_string(r->rules[i]->name));
		json_object_set_new(sd, "text", json_string(r->rules[i]->summary));
		json_object_set_new(jr, "shortDescription", sd);
		json_object_set_new(jr, "helpUri", json_string(uri));
		free(uri);
		json_array_append_new(rules, jr);
	}
	json_object_set_new(driver, "name", json_string("runway"));
	json_object_set_new(driver, "informationUri",
			    json_string("https://github.com/runway-db/runway"));
	if (o->version)
		json_object_set_new(driver, "version", json_string(o->version));
	json_object_set_new(driver, "rules", rules);
	json_object_set_new(tool, "driver", driver);
	json_object_set_new(run, "tool", tool);

	for (i = 0; i < r->ncases; i++) {
		const struct report_case *c = &r->cases[i];
		for (j = 0; j < c->n; j++) {
			const struct report_finding *f = &c->findings[j];
			json_t *res = json_object(), *msg = json_object();
			json_t *loc = json_object(), *phys = json_object(), *art = json_object();
			struct runway_buf text = RUNWAY_BUF_INIT;
			long idx = rule_index(r, f->rule);

			json_object_set_new(res, "ruleId", json_string(f->rule->name));
			if (idx >= 0)
				json_object_set_new(res, "ruleIndex", json_integer(idx));
			json_object_set_new(res, "level", json_string(report_severity_name(f->severity)));
			runway_buf_adds(&text, f->message);
			if (f->fix)
				runway_buf_addf(&text, "\nfix: %s", f->fix);
			if (f->detail)
				runway_buf_addf(&text, "\n%s", f->detail);
			json_object_set_new(msg, "text", json_string(text.buf));
			runway_buf_release(&text);
			json_object_set_new(res, "message", msg);
			json_object_set_new(art, "uri", json_string(c->path ? c->path : c->name));
			json_object_set_new(phys, "artifactLocation", art);
			if (f->line) {
				json_t *region = json_object();
				json_object_set_new(region, "startLine", json_integer(f->line));
				if (f->col)
					json_object_set_new(region, "startColumn", json_integer(f->col));
				json_object_set_new(phys, "region", region);
			}
			json_object_set_new(loc, "physicalLocation", phys);
			json_object_set_new(res, "locations", json_pack("[o]", loc));
			json_array_append_new(results, res);
		}
	}
	json_object_set_new(run, "results", results);
	json_object_set_new(root, "$schema", json_string(SARIF_SCHEMA));
	json_object_set_new(root, "version", json_string("2.1.0"));
	json_object_set_new(root, "runs", json_pack("[o]", run));
	report_json_write(root, out);
}
