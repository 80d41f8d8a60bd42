/*
 * report.h - one result tree for the commands that judge changes (check,
 * test), and the renderers that print it: text, json, junit, sarif, github.
 *
 * The tree: a report holds cases, one per change file (a JUnit testcase);
 * a case holds findings. A finding names its rule, a severity, where
 * (path:line:column, 1-based; 0 when unknown), what was found and why it
 * is dangerous (message), the safe recipe (fix) and, optionally, a
 * multi-line detail (the schema differences a revert left behind).
 * Renderers only walk the tree (kristapsdz/lowdown: one tree, many
 * front-ends), so every format says the same thing.
 */
#ifndef RUNWAY_REPORT_H
#define RUNWAY_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum report_severity { REPORT_ERROR, REPORT_WARNING };

struct report_rule {
	const char *name;    /* kebab-case, e.g. "drop-column" */
	const char *summary; /* one line: what the rule flags */
};

struct report_finding {
	const struct report_rule *rule; /* borrowed: rules live in static tables */
	enum report_severity severity;
	unsigned line, col;
	char *message; /* what and why */
	char *fix;     /* the safe recipe, or NULL */
	char *detail;  /* multi-line detail, or NULL */
	char *excerpt; /* the source line, for the text renderer, or NULL */
};

struct report_case {
	char *name;   /* change id */
	char *path;   /* file as shown to the user, or NULL */
	char *skipped; /* reason the case did not run, or NULL */
	double seconds;
	struct report_finding *findings;
	size_t n, alloc;
};

struct report {
	const char *command; /* "check", "test" */
	struct report_case *cases;
	size_t ncases, alloc;
	size_t errors, warnings;
	double seconds;
	/* rules the run could report (for SARIF's rule list), borrowed */
	const struct report_rule *const *rules;
	size_t nrules;
};

#define REPORT_INIT(cmd) { (cmd), NULL, 0, 0, 0, 0, 0.0, NULL, 0 }

/* Add a case; the pointer stays valid until the next report_case_add. */
struct report_case *report_case_add(struct report *r, const char *name, const char *path);
/*
 * Add a finding to case c of r; message, fix and detail are copied (fix and
 * detail may be NULL). Returns the finding so the caller can set excerpt.
 */
struct report_finding *report_add(struct report *r, struct report_case *c,
				  const struct report_rule *rule, enum report_severity sev,
				  unsigned line, unsigned col, const char *message,
				  const char *fix, const char *detail);
void report_release(struct report *r);
/* A copy of s with invalid UTF-8 replaced by U+FFFD (caller frees). */
char *report_utf8(const char *s);

const char *report_severity_name(enum report_severity s);

enum report_format { REPORT_TEXT, REPORT_JSON, REPORT_JUNIT, REPORT_SARIF, REPORT_GITHUB };
/* "text", "json", "junit", "sarif", "github"; -1 when unknown. */
int report_format_parse(const char *name, enum report_format *out);

struct report_render_opts {
	bool color;     /* text: ANSI colours */
	bool quiet;     /* text: findings only, no summary line */
	const char *version;
};

void report_render(const struct report *r, enum report_format f, FILE *out,
		   const struct report_render_opts *o);

/* Print a JSON document (indented, keys in order) and drop the reference. */
struct json_t;
void report_json_write(struct json_t *root, FILE *out);

/* Renderers (one file each). */
void report_render_text(const struct report *r, FILE *out, const struct report_render_opts *o);
void report_render_json(const struct report *r, FILE *out, const struct report_render_opts *o);
void report_render_junit(const struct report *r, FILE *out, const struct report_render_opts *o);
void report_render_sarif(const struct report *r, FILE *out, const struct report_render_opts *o);
void report_render_github(const struct report *r, FILE *out, const struct report_render_opts *o);

#endif
