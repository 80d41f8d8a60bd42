/*
 * fuzz_change.c - the change-file parser (core/change.h) on any bytes.
 *
 * Besides not crashing, a parsed change must satisfy the grammar's
 * promises: a deploy section, a revert unless irreversible, a 64-digit hex
 * checksum of the deploy text, section lines that grow in file order, and
 * line lookups and placeholder expansion that stay inside the section.
 * A failure must carry a message that names the file.
 */
#include "util/common.h"
#include "core/change.h"
#include "core/vars.h"

#define FUZZ_PATH "migrations/fuzz.sql"

#define CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "fuzz_change: check failed: %s (line %d)\n", #cond, __LINE__); \
		abort(); \
	} \
} while (0)

static void check_section(const struct change *c, const struct change_section *s,
			  const struct vars *v)
{
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct runway_buf out = RUNWAY_BUF_INIT;
	size_t nl = 0, i;

	if (!s->text)
		return;
	CHECK(strlen(s->text) == s->len);
	CHECK(s->line >= 1);
	for (i = 0; i < s->len; i++)
		nl += s->text[i] == '\n';
	CHECK(change_line_at(s, 0) >= s->line);
	CHECK(change_line_at(s, s->len / 2) >= s->line);
	CHECK(change_line_at(s, s->len) == s->line + nl);
	CHECK(change_line_at(s, (size_t)-1) == s->line);
	CHECK(change_line_at(s, s->len / 2) <= s->line + nl);

	if (change_expand(c, s, v, &out, &err) < 0) {
		CHECK(err.msg && !strncmp(err.msg, FUZZ_PATH ":", strlen(FUZZ_PATH ":")));
		CHECK(err.klass == RUNWAY_E_CONFIG);
	} else {
		CHECK(!err.msg);
		CHECK(strlen(out.buf) == out.len);
	}
	runway_buf_release(&out);
	runway_error_clear(&err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct vars v = VARS_INIT;
	struct strvec labels = STRVEC_INIT;
	struct change c;
	size_t i;

	if (change_parse(&c, "fuzz", FUZZ_PATH, (const char *)data, size, &err) < 0) {
		CHECK(err.msg && !strncmp(err.msg, FUZZ_PATH, strlen(FUZZ_PATH)));
		CHECK(err.klass == RUNWAY_E_CHANGE);
		change_release(&c);
		runway_error_clear(&err);
		return 0;
	}
	CHECK(!err.msg);
	CHECK(!strcmp(c.id, "fuzz"));
	CHECK(c.deploy.text);
	CHECK(c.irreversible ? !c.revert.text : c.revert.text != NULL);
	CHECK(strlen(c.checksum) == 64 && strspn(c.checksum, "0123456789abcdef") == 64);
	{
		char sum[65];
		change_checksum(sum, c.deploy.text, c.deploy.len);
		CHECK(!strcmp(sum, c.checksum));
	}
	if (c.revert.text)
		CHECK(c.revert.line > c.deploy.line);
	if (c.verify.text)
		CHECK(c.verify.line > (c.revert.text ? c.revert.line : c.deploy.line));
	for (i = 0; i < c.requires.n; i++)
		CHECK(change_id_valid(c.requires.v[i]));
	for (i = 0; i < c.labels.n; i++)
		CHECK(*c.labels.v[i] && !strpbrk(c.labels.v[i], " \t\r\n,"));

	vars_set(&v, "app_schema", "app");
	vars_set(&v, "db.name", "d");
	vars_set(&v, "x", "");
	check_section(&c, &c.deploy, &v);
	check_section(&c, &c.revert, &v);
	check_section(&c, &c.verify, &v);

	CHECK(change_matches_labels(&c, NULL));
	strvec_push(&labels, "eu");
	CHECK(change_matches_labels(&c, &labels) == (!c.labels.n || strvec_has(&c.labels, "eu")));

	strvec_release(&labels);
	vars_release(&v);
	change_release(&c);
	return 0;
}
