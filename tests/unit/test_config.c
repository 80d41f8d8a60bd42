/*
 * test_config.c - runway.yml (core/config.h): the SPEC §2 example, unknown
 * keys and bad values with their line, ${VAR} expansion, the mask and
 * clone sections.
 */
#include "util/common.h"
#include "core/config.h"
#include "mask/mask.h"

#include <setjmp.h>
#include <cmocka.h>

#include "unit.h"

/* The example of SPEC §2, plus branch/strict_order/labels on other envs. */
static const char spec_example[] =
	"migrations: migrations\n"
	"default_env: dev\n"
	"environments:\n"
	"  dev:\n"
	"    url: sqlite:dev.db\n"
	"  staging:\n"
	"    url: ${STAGING_DATABASE_URL}\n"
	"    branch: develop          # changes of this git ref (selective rollout)\n"
	"    labels: [eu]             # only unlabelled changes or these labels\n"
	"    strict_order: yes\n"
	"  prod:\n"
	"    url: postgres://app@db.internal:5432/app\n"
	"    protected: true          # revert, mask, drop need --force\n"
	"    vars: { app_schema: app }\n"
	"    labels: eu us\n"
	"mask:\n"
	"  key: ${RUNWAY_MASK_KEY}    # secret for deterministic masking\n"
	"  rules:\n"
	"    customers.email: email\n"
	"    customers.full_name: name\n"
	"    customers.phone: phone\n"
	"    customers.birth_date: { shift_days: 90 }\n"
	"    orders.note: null\n"
	"checks:\n"
	"  disable: [drop-column]\n"
	"  severity: { create-index-non-concurrently: error }\n"
	"audit:\n"
	"  git_notes: true\n";

static int parse(struct runway_config *cfg, const char *text, struct runway_error *err)
{
	return config_parse(cfg, text, strlen(text), "runway.yml", err);
}

static void test_config__spec_example(void **state)
{
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct runway_config cfg;
	const struct config_env *e;

	unsetenv("STAGING_DATABASE_URL");
	unsetenv("RUNWAY_MASK_KEY");
	must(parse(&cfg, spec_example, &err), &err);
	assert_null(err.msg);
	assert_string_equal(cfg.migrations, "migrations");
	assert_string_equal(cfg.default_env, "dev");
	assert_int_equal(cfg.nenvs, 3);
	assert_true(cfg.git_notes);
	assert_null(cfg.path); /* only config_load sets it */

	e = config_env(&cfg, "dev");
	assert_non_null(e);
	assert_string_equal(e->name, "dev");
	assert_string_equal(e->url, "sqlite:dev.db");
	assert_null(e->branch);
	assert_false(e->has_labels);
	assert_int_equal(e->labels.n, 0);
	assert_false(e->is_protected);
	assert_false(e->strict_order);
	assert_int_equal(e->vars.n, 0);

	e = config_env(&cfg, "staging");
	assert_non_null(e);
	/* url placeholders stay raw until the environment is used */
	assert_string_equal(e->url, "${STAGING_DATABASE_URL}");
	assert_string_equal(e->branch, "develop");
	assert_true(e->has_labels);
	assert_int_equal(e->labels.n, 1);
	assert_string_equal(e->labels.v[0], "eu");
	assert_true(e->strict_order);
	assert_false(e->is_protected);

	e = config_env(&cfg, "prod");
	assert_non_null(e);
	assert_string_equal(e->url, "postgres://app@db.internal:5432/app");
	assert_true(e->is_protected);
	assert_int_equal(e->vars.n, 1);
	assert_string_equal(vars_get(&e->vars, "app_schema"), "app");
	assert_int_equal(e->labels.n, 2);
	assert_string_equal(e->labels.v[1], "us");

	assert_null(config_env(&cfg, "qa"));

	/* the mask key stays raw: the command expands it */
	assert_string_equal(cfg.mask.key, "${RUNWAY_MASK_KEY}");
	assert_int_equal(cfg.mask.rule_col.n, 5);
	assert_int_equal(cfg.mask.rule_fn.n, 5);
	assert_int_equal(cfg.mask.rule_arg.n, 5);
	assert_string_equal(cfg.mask.rule_col.v[0], "customers.email");
	assert_string_equal(cfg.mask.rule_fn.v[0], "email");
	assert_string_equal(cfg.mask.rule_arg.v[0], "");
	assert_string_equal(cfg.mask.rule_col.v[3], "customers.birth_date");
	assert_string_equal(cfg.mask.rule_fn.v[3], "shift_days");
	assert_string_equal(cfg.mask.rule_arg.v[3], "90");
	assert_string_equal(cfg.mask.rule_col.v[4], "orders.note");
	assert_string_equal(cfg.mask.rule_fn.v[4], "null");
	assert_null(cfg.clone.command);
	assert_null(cfg.clone.strategy);
	config_release(&cfg);
	assert_int_equal(cfg.nenvs, 0);
	assert_null(cfg.mask.key);
	assert_int_equal(cfg.mask.rule_col.n, 0);
}

static void test_config__empty_file(void **state)
{
	static const char *const empty[] = { "", "\n\n", "# only a comment\n", "---\n" };
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct runway_config cfg;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(empty); i++) {
		must(parse(&cfg, empty[i], &err), &err);
		assert_string_equal(cfg.migrations, "migrations");
		assert_null(cfg.default_env);
		assert_int_equal(cfg.nenvs, 0);
		assert_false(cfg.git_notes);
		config_release(&cfg);
	}
}

/* Each bad file fails with class CONFIG and a message holding want. */
static void parse_fails(const char *text, const char *want)
{
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct runway_config cfg;

	if (parse(&cfg, text, &err) == 0)
		fail_msg("parsed without error:\n%s", text);
	assert_int_equal(err.klass, RUNWAY_E_CONFIG);
	assert_contains(err.msg, want);
	config_release(&cfg);
	runway_error_clear(&err);
}

static void test_config__unknown_top_key(void **state)
{
	parse_fails("migrations: m\n\nenvironment:\n  dev: {url: 'sqlite:x'}\n",
		    "runway.yml:3: unknown key 'environment'");
	parse_fails("default: dev\n", "runway.yml:1: unknown key 'default'");
}

static void test_config__unknown_env_key(void **state)
{
	parse_fails("environments:\n  dev:\n    url: sqlite:x\n    protect: true\n",
		    "runway.yml:4: unknown key 'protect' in environment 'dev'");
	parse_fails("audit:\n  git_note: true\n", "runway.yml:2: unknown key 'git_note' in 'audit'");
	parse_fails("environments:\n  dev: sqlite:x\n",
		    "runway.yml:2: environment 'dev' must be a mapping");
	parse_fails("environments: [dev]\n", "runway.yml:1: 'environments' must be a mapping");
	parse_fails("environments:\n  dev: {url: 'sqlite:a'}\n  dev: {url: 'sqlite:b'}\n",
		    "runway.yml:3: environment 'dev' is defined twice");
}

static void test_config__bad_values(void **state)
{
	parse_fails("environments:\n  prod:\n    url: sqlite:x\n    protected: maybe\n",
		    "runway.yml:4: 'protected' must be true or false");
	parse_fails("environments:\n  prod:\n    strict_order: [true]\n",
		    "runway.yml:3: 'strict_order' must be true or false");
	parse_fails("audit:\n  git_notes: 1\n", "runway.yml:2: 'git_notes' must be true or false");
	parse_fails("environments:\n  dev:\n    url: [a, b]\n", "runway.yml:3: 'url' must be a string");
	parse_fails("environments:\n  dev:\n    labels: {a: b}\n", "runway.yml:3: 'labels' must be a list");
	parse_fails("environments:\n  dev:\n    labels: [a, [b]]\n",
		    "'labels' must be a list of strings");
	parse_fails("environments:\n  dev:\n    vars: [a]\n", "'vars' must be a mapping");
	parse_fails("environments:\n  dev:\n    vars: {a: [1]}\n", "'vars' values must be strings");
	parse_fails("- a\n- b\n", "runway.yml:1: the top level must be a mapping");
	parse_fails("migrations: {a: b}\n", "'migrations' must be a string");
}

static void test_config__bools(void **state)
{
	static const char *const yes[] = { "true", "yes", "on" };
	static const char *const no[] = { "false", "no", "off" };
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct runway_config cfg;
	size_t i;

	for (i = 0; i < 3; i++) {
		char *t = xasprintf("environments:\n  p:\n    protected: %s\n    strict_order: %s\n"
				    "audit: {git_notes: %s}\n", yes[i], no[i], yes[i]);
		must(parse(&cfg, t, &err), &err);
		assert_true(cfg.envs[0].is_protected);
		assert_false(cfg.envs[0].strict_order);
		assert_true(cfg.git_notes);
		config_release(&cfg);
		free(t);
	}
}

static void test_config__default_env_undefined(void **state)
{
	parse_fails("default_env: prod\nenvironments:\n  dev: {url: 'sqlite:x'}\n",
		    "default_env 'prod' is not an environment");
	parse_fails("default_env: dev\n", "default_env 'dev' is not an environment");
}

static void test_config__invalid_yaml(void **state)
{
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct runway_config cfg;

	assert_int_equal(parse(&cfg, "migrations: m\nenvironments:\n  dev: [unclosed\n"
			       "default_env: dev\n", &err), -1);
	assert_int_equal(err.klass, RUNWAY_E_CONFIG);
	assert_non_null(strstr(err.msg, "runway.yml:"));
	/* libyaml notices the missing ']' when the file ends */
	assert_true(strstr(err.msg, "runway.yml:4:") || strstr(err.msg, "runway.yml:5:"));
	config_release(&cfg);
	runway_error_clear(&err);

	assert_int_equal(parse(&cfg, "a: b\n\tc: d\n", &err), -1);
	assert_contains(err.msg, "runway.yml:2:");
	config_release(&cfg);
	runway_error_clear(&err);

	parse_fails("a: b\n  c: d\n", "runway.yml:2:");
	parse_fails("migrations: 'm\n", "runway.yml:");
}

static void test_config__migrations_expanded(void **state)
{
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct runway_config cfg;

	setenv("RUNWAY_UNIT_MIG", "db/changes", 1);
	must(parse(&cfg, "migrations: ${RUNWAY_UNIT_MIG}/sql\n", &err), &err);
	assert_string_equal(cfg.migrations, "db/changes/sql");
	config_release(&cfg);

	unsetenv("RUNWAY_UNIT_MIG");
	assert_int_equal(parse(&cfg, "\nmigrations: ${RUNWAY_UNIT_MIG}/sql\n", &err), -1);
	assert_int_equal(err.klass, RUNWAY_E_CONFIG);
	assert_string_equal(err.msg, "runway.yml:2: unknown placeholder '${RUNWAY_UNIT_MIG}'");
	config_release(&cfg);
	runway_error_clear(&err);
}

static void test_config__env_vars(void **state)
{
	static const char text[] =
		"environments:\n"
		"  prod:\n"
		"    url: postgres://h/db\n"
		"    vars:\n"
		"      app_schema: app\n"
		"      owner: ${RUNWAY_UNIT_OWNER}\n"
		"      literal: $${x}\n";
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct runway_config cfg;
	struct vars out = VARS_INIT;

	must(parse(&cfg, text, &err), &err);
	/* raw until expanded */
	assert_string_equal(vars_get(&cfg.envs[0].vars, "owner"), "${RUNWAY_UNIT_OWNER}");

	setenv("RUNWAY_UNIT_OWNER", "alice", 1);
	must(config_env_vars(config_env(&cfg, "prod"), &out, &err), &err);
	assert_int_equal(out.n, 3);
	assert_string_equal(vars_get(&out, "app_schema"), "app");
	assert_string_equal(vars_get(&out, "owner"), "alice");
	assert_string_equal(vars_get(&out, "literal"), "${x}");
	vars_release(&out);

	unsetenv("RUNWAY_UNIT_OWNER");
	assert_int_equal(config_env_vars(config_env(&cfg, "prod"), &out, &err), -1);
	assert_int_equal(err.klass, RUNWAY_E_CONFIG);
	assert_string_equal(err.msg, "environment 'prod', var 'owner': "
			    "unknown placeholder '${RUNWAY_UNIT_OWNER}'");
	vars_release(&out);
	runway_error_clear(&err);

	/* no environment: nothing to expand */
	must(config_env_vars(NULL, &out, &err), &err);
	assert_int_equal(out.n, 0);
	config_release(&cfg);
}

static void test_config__anchors(void **state)
{
	static const char text[] =
		"environments:\n"
		"  base: &b\n"
		"    url: sqlite:a.db\n"
		"    protected: true\n"
		"  copy: *b\n";
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct runway_config cfg;

	must(parse(&cfg, text, &err), &err);
	assert_int_equal(cfg.nenvs, 2);
	assert_string_equal(config_env(&cfg, "copy")->url, "sqlite:a.db");
	assert_true(config_env(&cfg, "copy")->is_protected);
	config_release(&cfg);
}

static void test_config__load(void **state)
{
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct runway_config cfg;
	char *dir = make_tmpdir();
	char *path = xasprintf("%s/runway.yml", dir);

	/* missing and optional: defaults */
	must(config_load(&cfg, path, true, &err), &err);
	assert_null(cfg.path);
	assert_string_equal(cfg.migrations, "migrations");
	config_release(&cfg);

	/* missing and required */
	assert_int_equal(config_load(&cfg, path, false, &err), -1);
	assert_int_equal(err.klass, RUNWAY_E_CONFIG);
	assert_contains(err.msg, "no such file");
	assert_non_null(err.hint);
	config_release(&cfg);
	runway_error_clear(&err);

	write_file(dir, "runway.yml", "default_env: dev\nenvironments:\n  dev: {url: 'sqlite:d.db'}\n");
	must(config_load(&cfg, path, false, &err), &err);
	assert_string_equal(cfg.path, path);
	assert_string_equal(cfg.default_env, "dev");
	config_release(&cfg);

	/* errors name the file as given */
	write_file(dir, "runway.yml", "bogus: 1\n");
	assert_int_equal(config_load(&cfg, path, true, &err), -1);
	assert_contains(err.msg, "runway.yml:1: unknown key 'bogus'");
	assert_int_equal(strncmp(err.msg, path, strlen(path)), 0);
	config_release(&cfg);
	runway_error_clear(&err);

	rm_rf(dir);
	free(path);
	free(dir);
}

/* Every form a rule can take, and the clone section. */
static void test_config__mask_section(void **state)
{
	static const char text[] =
		"mask:\n"
		"  key: ${RUNWAY_MASK_KEY}\n"
		"  rules:\n"
		"    customers.email: email\n"
		"    customers.full_name: name\n"
		"    sales.customers.phone: phone\n"
		"    customers.birth_date: { shift_days: 90 }\n"
		"    customers.card: { redact: 4 }\n"
		"    customers.iban: { redact: }\n"
		"    customers.country: { set: \"XX\" }\n"
		"    customers.city: { set: 'null' }\n"
		"    customers.zip: { set: null }\n"
		"    orders.amount: { noise: 10 }\n"
		"    orders.note: null\n"
		"    orders.memo: 'null'\n"
		"    orders.tag: ~\n"
		"    orders.extra:\n"
		"clone:\n"
		"  command: \"zfs clone tank/pg@snap tank/${target}\"\n"
		"  strategy: auto\n";
	static const char *const want[][3] = {
		{ "customers.email", "email", "" },
		{ "customers.full_name", "name", "" },
		{ "sales.customers.phone", "phone", "" },
		{ "customers.birth_date", "shift_days", "90" },
		{ "customers.card", "redact", "4" },
		{ "customers.iban", "redact", "" },
		{ "customers.country", "set", "XX" },
		{ "customers.city", "set", "null" },  /* quoted: the text "null" */
		{ "customers.zip", "set", "" },       /* a YAML null: no argument */
		{ "orders.amount", "noise", "10" },
		{ "orders.note", "null", "" },
		{ "orders.memo", "null", "" },
		{ "orders.tag", "null", "" },
		{ "orders.extra", "null", "" },
	};
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct runway_config cfg;
	size_t i;

	must(parse(&cfg, text, &err), &err);
	assert_string_equal(cfg.mask.key, "${RUNWAY_MASK_KEY}");
	assert_int_equal(cfg.mask.rule_col.n, ARRAY_SIZE(want));
	for (i = 0; i < ARRAY_SIZE(want); i++) {
		assert_string_equal(cfg.mask.rule_col.v[i], want[i][0]);
		assert_string_equal(cfg.mask.rule_fn.v[i], want[i][1]);
		assert_string_equal(cfg.mask.rule_arg.v[i], want[i][2]);
	}
	/* raw: ${target} is the command's to fill in */
	assert_string_equal(cfg.clone.command, "zfs clone tank/pg@snap tank/${target}");
	assert_string_equal(cfg.clone.strategy, "auto");
	config_release(&cfg);

	must(parse(&cfg, "mask:\n  key: ~\nclone: {strategy: command}\n", &err), &err);
	assert_null(cfg.mask.key);
	assert_int_equal(cfg.mask.rule_col.n, 0);
	assert_string_equal(cfg.clone.strategy, "command");
	config_release(&cfg);
}

/* The section through mask_rules_load: what the commands do with it. */
static void test_config__mask_rules_load(void **state)
{
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct runway_config cfg;
	struct mask_rules r = MASK_RULES_INIT;

	must(parse(&cfg, spec_example, &err), &err);
	must(mask_rules_load(&r, &cfg.mask, &err), &err);
	assert_int_equal(r.n, 5);
	assert_int_equal(r.v[3].fn, MASK_SHIFT_DAYS);
	assert_int_equal(r.v[3].n, 90);
	assert_int_equal(r.v[4].fn, MASK_NULL);
	mask_rules_release(&r);
	config_release(&cfg);

	must(parse(&cfg, "mask:\n  rules:\n    orders.amount: { noise: 0 }\n", &err), &err);
	assert_int_equal(mask_rules_load(&r, &cfg.mask, &err), -1);
	assert_int_equal(err.klass, RUNWAY_E_CONFIG);
	assert_contains(err.msg, "mask rule 'orders.amount': noise needs a percent between 0 and 100");
	runway_error_clear(&err);
	config_release(&cfg);

	must(parse(&cfg, "mask:\n  rules:\n    orders.note: { set: ~ }\n", &err), &err);
	assert_int_equal(mask_rules_load(&r, &cfg.mask, &err), -1);
	assert_contains(err.msg, "mask rule 'orders.note': set needs a value");
	runway_error_clear(&err);
	config_release(&cfg);
}

static void test_config__mask_errors(void **state)
{
	parse_fails("mask:\n  key: k\n  rule:\n    a.b: email\n",
		    "runway.yml:3: unknown key 'rule' in 'mask'");
	parse_fails("mask: [a]\n", "runway.yml:1: 'mask' must be a mapping");
	parse_fails("mask:\n", "runway.yml:1: 'mask' must be a mapping");
	parse_fails("mask:\n  key: [a, b]\n", "runway.yml:2: 'mask.key' must be a string");
	parse_fails("mask:\n  rules: [a.b]\n", "runway.yml:2: 'mask.rules' must be a mapping");
	parse_fails("mask:\n  rules:\n    a.b: [email]\n",
		    "runway.yml:3: mask rule 'a.b' must be a function or { function: argument }");
	parse_fails("mask:\n  rules:\n    a.b: { redact: 4, set: x }\n",
		    "runway.yml:3: mask rule 'a.b' must be a function");
	parse_fails("mask:\n  rules:\n    a.b: { set: [x] }\n",
		    "runway.yml:3: mask rule 'a.b' must be a function");
	parse_fails("mask:\n  rules:\n    a.b: {}\n", "runway.yml:3: mask rule 'a.b' must be a function");
	parse_fails("mask:\n  rules:\n    [a]: email\n", "runway.yml:3: mask rules must be named");
	parse_fails("clone:\n  comand: zfs\n", "runway.yml:2: unknown key 'comand' in 'clone'");
	parse_fails("clone:\n  strategy: fast\n",
		    "runway.yml:2: 'clone.strategy' must be auto, template, stream or command");
	parse_fails("clone:\n  command: [zfs]\n", "runway.yml:2: 'clone.command' must be a string");
	parse_fails("clone: zfs\n", "runway.yml:1: 'clone' must be a mapping");
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_config__spec_example),
	cmocka_unit_test(test_config__empty_file),
	cmocka_unit_test(test_config__unknown_top_key),
	cmocka_unit_test(test_config__unknown_env_key),
	cmocka_unit_test(test_config__bad_values),
	cmocka_unit_test(test_config__bools),
	cmocka_unit_test(test_config__default_env_undefined),
	cmocka_unit_test(test_config__invalid_yaml),
	cmocka_unit_test(test_config__migrations_expanded),
	cmocka_unit_test(test_config__env_vars),
	cmocka_unit_test(test_config__anchors),
	cmocka_unit_test(test_config__load),
	cmocka_unit_test(test_config__mask_section),
	cmocka_unit_test(test_config__mask_rules_load),
	cmocka_unit_test(test_config__mask_errors),
};

UNIT_MAIN("config", tests)
