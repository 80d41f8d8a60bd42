/*
 * config.h - runway.yml.
 *
 * Read with libyaml into struct runway_config. Values may hold ${VAR}
 * placeholders read from the process environment: the migrations path when
 * the file is loaded, an environment's url and vars only when that
 * environment is used (so an unset STAGING_DATABASE_URL does not break
 * `runway deploy -e dev`). Unknown keys are errors, to catch typos.
 */
#ifndef RUNWAY_CONFIG_H
#define RUNWAY_CONFIG_H

#include <stdbool.h>
#include "util/vec.h"
#include "core/vars.h"

struct runway_error;

struct config_env {
	char *name;
	char *url;            /* raw, placeholders not yet expanded */
	char *branch;         /* git ref the environment follows, or NULL */
	struct strvec labels; /* only unlabelled changes or these */
	bool has_labels;      /* labels: given (even empty) */
	bool is_protected;    /* revert, mask, drop need --force */
	bool strict_order;    /* refuse out-of-order changes */
	struct vars vars;     /* raw values for ${name} in change files */
};

/* checks: in runway.yml (rule names are checked by check_settings_init) */
struct config_checks {
	struct strvec enable;         /* opt-in rules to turn on */
	struct strvec disable;        /* rules to turn off */
	struct strvec severity_rule;  /* severity: { rule: level }, as two */
	struct strvec severity_level; /* parallel lists (error|warning|off) */
};

/*
 * mask: in runway.yml (functions and arguments are checked by
 * mask_rules_load). A rule is "table.column: fn" or "table.column: { fn: arg }".
 */
struct config_mask {
	char *key;              /* raw, ${VAR} not yet expanded; NULL when absent */
	struct strvec rule_col; /* "customers.email" or "sales.customers.email" */
	struct strvec rule_fn;  /* "email", "shift_days", ... (parallel lists) */
	struct strvec rule_arg; /* the argument as text, "" when none */
};

/* clone: in runway.yml */
struct config_clone {
	char *command;  /* snapshot command of the `command` strategy (raw), or NULL */
	char *strategy; /* default strategy (auto|template|stream|command), or NULL */
};

struct runway_config {
	char *path;        /* the file read, or NULL when there was none */
	char *migrations;  /* directory of change files, default "migrations" */
	char *default_env; /* or NULL */
	struct config_env *envs;
	size_t nenvs;
	bool git_notes;    /* audit.git_notes */
	struct config_checks checks;
	struct config_mask mask;
	struct config_clone clone;
};

#define CONFIG_FILE "runway.yml"

/*
 * Load path. A missing file is not an error when optional is true: the
 * config then holds defaults only (path NULL).
 */
int config_load(struct runway_config *cfg, const char *path, bool optional,
		struct runway_error *err);
/* Load YAML text (for tests and fuzzing); name is used in messages. */
int config_parse(struct runway_config *cfg, const char *text, size_t len,
		 const char *name, struct runway_error *err);
const struct config_env *config_env(const struct runway_config *cfg, const char *name);
void config_release(struct runway_config *cfg);

/*
 * Expand an environment's vars (their values may use ${VAR} from the
 * process environment) into out.
 */
int config_env_vars(const struct config_env *env, struct vars *out,
		    struct runway_error *err);

#endif
