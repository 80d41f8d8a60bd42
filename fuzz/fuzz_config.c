/*
 * fuzz_config.c - runway.yml (core/config.h) on any bytes.
 *
 * A parsed config must be usable: a migrations path, default_env naming a
 * defined environment, unique environment names, and every environment's
 * vars expandable or failing cleanly. A failure must carry a message that
 * starts with the file name (libyaml's and ours alike).
 */
#include "util/common.h"
#include "core/config.h"

#define FUZZ_NAME "runway.yml"

#define CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "fuzz_config: check failed: %s (line %d)\n", #cond, __LINE__); \
		abort(); \
	} \
} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct runway_config cfg;
	size_t i, j;

	/* what ${VAR} may read: one defined variable, the rest unset */
	setenv("RUNWAY_FUZZ_VAR", "value", 1);

	if (config_parse(&cfg, (const char *)data, size, FUZZ_NAME, &err) < 0) {
		CHECK(err.msg && !strncmp(err.msg, FUZZ_NAME ":", strlen(FUZZ_NAME ":")));
		CHECK(err.klass == RUNWAY_E_CONFIG || err.klass == RUNWAY_E_INTERNAL);
		config_release(&cfg);
		runway_error_clear(&err);
		return 0;
	}
	CHECK(!err.msg);
	CHECK(cfg.migrations);
	CHECK(!cfg.default_env || config_env(&cfg, cfg.default_env));
	for (i = 0; i < cfg.nenvs; i++) {
		const struct config_env *e = &cfg.envs[i];
		struct vars out = VARS_INIT;

		CHECK(e->name && *e->name);
		CHECK(config_env(&cfg, e->name) == e);
		for (j = 0; j < i; j++)
			CHECK(strcmp(cfg.envs[j].name, e->name));
		CHECK(e->has_labels || !e->labels.n);
		if (config_env_vars(e, &out, &err) < 0) {
			CHECK(err.msg && !strncmp(err.msg, "environment '", 13));
			runway_error_clear(&err);
		} else {
			CHECK(out.n == e->vars.n);
		}
		vars_release(&out);
	}
	config_release(&cfg);
	return 0;
}
