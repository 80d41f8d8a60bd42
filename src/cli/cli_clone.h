/*
 * cli_clone.h - what `clone`, `mask` and `env create` share: naming a
 * database by environment or URL, loading the masking rules and key of
 * runway.yml, and running a clone that Ctrl-C stops cleanly.
 */
#ifndef RUNWAY_CLI_CLONE_H
#define RUNWAY_CLI_CLONE_H

#include "cli/cli.h"
#include "clone/clone.h"
#include "mask/mask.h"

/*
 * arg names an environment of runway.yml (its url, ${VAR} expanded) or is
 * a URL; parsed into out. *env (may be NULL) receives the environment.
 */
int cli_url_arg(struct runway_ctx *ctx, const char *arg, struct runway_url *out,
		const struct config_env **env, struct runway_error *err);

/*
 * The rules of runway.yml's mask section and the prepared key (${VAR}
 * expanded from the process environment, wiped after use). No rules:
 * RUNWAY_E_CONFIG "<what>: runway.yml has no mask rules" unless
 * rules_optional (then *key stays NULL and rules empty). Rules without a
 * key: RUNWAY_E_CONFIG with a hint about RUNWAY_MASK_KEY.
 */
int cli_mask_load(struct runway_ctx *ctx, const char *what, bool rules_optional,
		  struct mask_rules *rules, struct mask_key **key, struct runway_error *err);

/* --strategy (or runway.yml's clone.strategy, else auto) into *out. */
int cli_clone_strategy(const struct runway_ctx *ctx, const char *opt,
		       enum clone_strategy *out, struct runway_error *err);

/*
 * clone_run with SIGINT, SIGTERM and SIGHUP turned into clone_interrupt()
 * for its duration (the target is then removed and the run fails with
 * RUNWAY_E_INTERRUPTED, exit 130).
 */
int cli_clone_run(const struct runway_url *src, const struct runway_url *dst,
		  const struct clone_opts *o, struct clone_result *res, struct runway_error *err);

/* "cloned ... in 1.2 s (stream, 3 columns masked)" tail: "7 tables, 100,000 rows, 12.3 MB". */
void cli_clone_summary(char *buf, size_t len, const struct clone_result *res);

#endif
