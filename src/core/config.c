/*
 * config.c - runway.yml through libyaml's document API (see config.h).
 *
 * The loader resolves anchors and aliases; we walk the node tree and check
 * every key against the ones we know, reporting "runway.yml:LINE: ...".
 * The mask section is only shaped here (rule -> function and argument as
 * text); mask_rules_load checks the functions and their arguments.
 */
#include "util/common.h"
#include "core/config.h"
#include "util/fs.h"

#include <yaml.h>

struct ycx {
	yaml_document_t *doc;
	const char *name;
	struct runway_error *err;
};

static int yfail(struct ycx *y, yaml_node_t *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int yfail(struct ycx *y, yaml_node_t *n, const char *fmt, ...)
{
	va_list ap;
	char *m;
	va_start(ap, fmt);
	m = xvasprintf(fmt, ap);
	va_end(ap);
	runway_error_set(y->err, RUNWAY_E_CONFIG, "%s:%zu: %s", y->name,
			 n ? (size_t)n->start_mark.line + 1 : (size_t)0, m);
	free(m);
	return -1;
}

static yaml_node_t *ynode(struct ycx *y, int id)
{
	return yaml_document_get_node(y->doc, id);
}

static const char *yscalar(yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static int get_string(struct ycx *y, yaml_node_t *n, const char *key, char **out)
{
	const char *s = yscalar(n);
	if (!s)
		return yfail(y, n, "'%s' must be a string", key);
	free(*out);
	*out = xstrdup(s);
	return 0;
}

static int get_bool(struct ycx *y, yaml_node_t *n, const char *key, bool *out)
{
	const char *s = yscalar(n);
	if (s && (!strcmp(s, "true") || !strcmp(s, "yes") || !strcmp(s, "on"))) {
		*out = true;
		return 0;
	}
	if (s && (!strcmp(s, "false") || !strcmp(s, "no") || !strcmp(s, "off"))) {
		*out = false;
		return 0;
	}
	return yfail(y, n, "'%s' must be true or false", key);
}

/* A list of words: [a, b] or "a b". */
static int get_words(struct ycx *y, yaml_node_t *n, const char *key, struct strvec *out)
{
	yaml_node_item_t *it;
	if (yscalar(n)) {
		strvec_split_words(out, yscalar(n));
		return 0;
	}
	if (!n || n->type != YAML_SEQUENCE_NODE)
		return yfail(y, n, "'%s' must be a list", key);
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
		const char *s = yscalar(ynode(y, *it));
		if (!s)
			return yfail(y, ynode(y, *it), "'%s' must be a list of strings", key);
		strvec_push(out, s);
	}
	return 0;
}

static int parse_env(struct ycx *y, struct config_env *e, yaml_node_t *map)
{
	yaml_node_pair_t *p;
	if (!map || map->type != YAML_MAPPING_NODE)
		return yfail(y, map, "environment '%s' must be a mapping", e->name);
	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = ynode(y, p->key), *v = ynode(y, p->value);
		const char *key = yscalar(k);
		int rc;
		if (!key)
			return yfail(y, k, "keys must be strings");
		if (!strcmp(key, "url"))
			rc = get_string(y, v, key, &e->url);
		else if (!strcmp(key, "branch"))
			rc = get_string(y, v, key, &e->branch);
		else if (!strcmp(key, "labels")) {
			e->has_labels = true;
			rc = get_words(y, v, key, &e->labels);
		} else if (!strcmp(key, "protected"))
			rc = get_bool(y, v, key, &e->is_protected);
		else if (!strcmp(key, "strict_order"))
			rc = get_bool(y, v, key, &e->strict_order);
		else if (!strcmp(key, "vars")) {
			yaml_node_pair_t *q;
			if (!v || v->type != YAML_MAPPING_NODE)
				return yfail(y, v, "'vars' must be a mapping of name: value");
			for (q = v->data.mapping.pairs.start; q < v->data.mapping.pairs.top; q++) {
				const char *vn = yscalar(ynode(y, q->key));
				const char *vv = yscalar(ynode(y, q->value));
				if (!vn || !vv)
					return yfail(y, ynode(y, q->key), "'vars' values must be strings");
				vars_set(&e->vars, vn, vv);
			}
			rc = 0;
		} else
			return yfail(y, k, "unknown key '%s' in environment '%s'", key, e->name);
		if (rc < 0)
			return -1;
	}
	return 0;
}

static int parse_envs(struct ycx *y, struct runway_config *cfg, yaml_node_t *map)
{
	yaml_node_pair_t *p;
	size_t alloc = 0;
	if (!map || map->type != YAML_MAPPING_NODE)
		return yfail(y, map, "'environments' must be a mapping of name: settings");
	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		const char *name = yscalar(ynode(y, p->key));
		struct config_env *e;
		if (!name || !*name)
			return yfail(y, ynode(y, p->key), "environment names must be strings");
		if (config_env(cfg, name))
			return yfail(y, ynode(y, p->key), "environment '%s' is defined twice", name);
		cfg->envs = xgrow(cfg->envs, sizeof(*cfg->envs), cfg->nenvs + 1, &alloc);
		e = &cfg->envs[cfg->nenvs++];
		memset(e, 0, sizeof(*e));
		e->name = xstrdup(name);
		if (parse_env(y, e, ynode(y, p->value)) < 0)
			return -1;
	}
	return 0;
}

static int parse_audit(struct ycx *y, struct runway_config *cfg, yaml_node_t *map)
{
	yaml_node_pair_t *p;
	if (!map || map->type != YAML_MAPPING_NODE)
		return yfail(y, map, "'audit' must be a mapping");
	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		const char *key = yscalar(ynode(y, p->key));
		if (key && !strcmp(key, "git_notes")) {
			if (get_bool(y, ynode(y, p->value), key, &cfg->git_notes) < 0)
				return -1;
		} else
			return yfail(y, ynode(y, p->key), "unknown key '%s' in 'audit'", key ? key : "?");
	}
	return 0;
}

static int parse_checks(struct ycx *y, struct runway_config *cfg, yaml_node_t *map)
{
	yaml_node_pair_t *p;
	if (!map || map->type != YAML_MAPPING_NODE)
		return yfail(y, map, "'checks' must be a mapping (enable, disable, severity)");
	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = ynode(y, p->key), *v = ynode(y, p->value);
		const char *key = yscalar(k);
		int rc;
		if (!key)
			return yfail(y, k, "keys must be strings");
		if (!strcmp(key, "enable"))
			rc = get_words(y, v, "checks.enable", &cfg->checks.enable);
		else if (!strcmp(key, "disable"))
			rc = get_words(y, v, "checks.disable", &cfg->checks.disable);
		else if (!strcmp(key, "severity")) {
			yaml_node_pair_t *q;
			if (!v || v->type != YAML_MAPPING_NODE)
				return yfail(y, v, "'checks.severity' must be a mapping of rule: error|warning|off");
			for (q = v->data.mapping.pairs.start; q < v->data.mapping.pairs.top; q++) {
				const char *rn = yscalar(ynode(y, q->key));
				const char *lv = yscalar(ynode(y, q->value));
				if (!rn || !lv)
					return yfail(y, ynode(y, q->key),
						     "'checks.severity' values must be error, warning or off");
				strvec_push(&cfg->checks.severity_rule, rn);
				strvec_push(&cfg->checks.severity_level, lv);
			}
			rc = 0;
		} else
			return yfail(y, k, "unknown key '%s' in 'checks'", key);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* A YAML null: ~, null, Null, NULL or nothing, unquoted. */
static bool ynull(yaml_node_t *n)
{
	const char *s = yscalar(n);
	return s && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	       (!*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") ||
		!strcmp(s, "NULL"));
}

/*
 * mask.rules: "table.column: fn" or "table.column: { fn: arg }". A YAML
 * null as the function is the function null; as an argument, no argument.
 */
static int parse_mask_rules(struct ycx *y, struct config_mask *m, yaml_node_t *map)
{
	yaml_node_pair_t *p;
	if (!map || map->type != YAML_MAPPING_NODE)
		return yfail(y, map, "'mask.rules' must be a mapping of table.column: function");
	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = ynode(y, p->key), *v = ynode(y, p->value);
		const char *col = yscalar(k), *fn = NULL, *arg = "";
		if (!col || !*col)
			return yfail(y, k, "mask rules must be named table.column");
		if (yscalar(v)) {
			fn = ynull(v) ? "null" : yscalar(v);
		} else if (v && v->type == YAML_MAPPING_NODE &&
			   v->data.mapping.pairs.top - v->data.mapping.pairs.start == 1) {
			yaml_node_t *fk = ynode(y, v->data.mapping.pairs.start->key);
			yaml_node_t *fv = ynode(y, v->data.mapping.pairs.start->value);
			fn = yscalar(fk);
			if (fn && yscalar(fv))
				arg = ynull(fv) ? "" : yscalar(fv);
			else
				fn = NULL;
		}
		if (!fn)
			return yfail(y, v, "mask rule '%s' must be a function or { function: argument }",
				     col);
		strvec_push(&m->rule_col, col);
		strvec_push(&m->rule_fn, fn);
		strvec_push(&m->rule_arg, arg);
	}
	return 0;
}

static int parse_mask(struct ycx *y, struct config_mask *m, yaml_node_t *map)
{
	yaml_node_pair_t *p;
	if (!map || map->type != YAML_MAPPING_NODE)
		return yfail(y, map, "'mask' must be a mapping (key, rules)");
	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = ynode(y, p->key), *v = ynode(y, p->value);
		const char *key = yscalar(k);
		int rc;
		if (!key)
			return yfail(y, k, "keys must be strings");
		if (!strcmp(key, "key")) {
			/* a secret (or its ${VAR}): wipe what it replaces */
			if (m->key)
				secure_wipe(m->key, strlen(m->key));
			if (ynull(v)) {
				free(m->key);
				m->key = NULL;
				rc = 0;
			} else
				rc = get_string(y, v, "mask.key", &m->key);
		} else if (!strcmp(key, "rules"))
			rc = parse_mask_rules(y, m, v);
		else
			return yfail(y, k, "unknown key '%s' in 'mask'", key);
		if (rc < 0)
			return -1;
	}
	return 0;
}

static int parse_clone(struct ycx *y, struct config_clone *c, yaml_node_t *map)
{
	yaml_node_pair_t *p;
	if (!map || map->type != YAML_MAPPING_NODE)
		return yfail(y, map, "'clone' must be a mapping (command, strategy)");
	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = ynode(y, p->key), *v = ynode(y, p->value);
		const char *key = yscalar(k);
		int rc;
		if (!key)
			return yfail(y, k, "keys must be strings");
		if (!strcmp(key, "command"))
			rc = get_string(y, v, "clone.command", &c->command);
		else if (!strcmp(key, "strategy")) {
			const char *s = yscalar(v);
			if (!s || (strcmp(s, "auto") && strcmp(s, "template") && strcmp(s, "stream") &&
				   strcmp(s, "command")))
				return yfail(y, v, "'clone.strategy' must be auto, template, stream "
					     "or command");
			rc = get_string(y, v, "clone.strategy", &c->strategy);
		} else
			return yfail(y, k, "unknown key '%s' in 'clone'", key);
		if (rc < 0)
			return -1;
	}
	return 0;
}

static int parse_root(struct ycx *y, struct runway_config *cfg, yaml_node_t *root)
{
	yaml_node_pair_t *p;
	if (!root) /* empty file */
		return 0;
	if (root->type == YAML_SCALAR_NODE && !root->data.scalar.length &&
	    root->data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
		return 0; /* "---" and nothing else */
	if (root->type != YAML_MAPPING_NODE)
		return yfail(y, root, "the top level must be a mapping");
	for (p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++) {
		yaml_node_t *k = ynode(y, p->key), *v = ynode(y, p->value);
		const char *key = yscalar(k);
		int rc = 0;
		if (!key)
			return yfail(y, k, "keys must be strings");
		if (!strcmp(key, "migrations")) {
			struct runway_buf b = RUNWAY_BUF_INIT;
			if (get_string(y, v, key, &cfg->migrations) < 0)
				return -1;
			if (vars_expand(&b, cfg->migrations, strlen(cfg->migrations),
					vars_lookup_env, NULL, NULL, y->err) < 0) {
				runway_buf_release(&b);
				runway_error_prefix(y->err, "%s:%zu", y->name, (size_t)v->start_mark.line + 1);
				return -1;
			}
			free(cfg->migrations);
			cfg->migrations = runway_buf_detach(&b);
		} else if (!strcmp(key, "default_env"))
			rc = get_string(y, v, key, &cfg->default_env);
		else if (!strcmp(key, "environments"))
			rc = parse_envs(y, cfg, v);
		else if (!strcmp(key, "audit"))
			rc = parse_audit(y, cfg, v);
		else if (!strcmp(key, "checks"))
			rc = parse_checks(y, cfg, v);
		else if (!strcmp(key, "mask"))
			rc = parse_mask(y, &cfg->mask, v);
		else if (!strcmp(key, "clone"))
			rc = parse_clone(y, &cfg->clone, v);
		else
			return yfail(y, k, "unknown key '%s'", key);
		if (rc < 0)
			return -1;
	}
	if (cfg->default_env && !config_env(cfg, cfg->default_env))
		return yfail(y, root, "default_env '%s' is not an environment", cfg->default_env);
	return 0;
}

int config_parse(struct runway_config *cfg, const char *text, size_t len,
		 const char *name, struct runway_error *err)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	struct ycx y = { &doc, name, err };
	int ret;

	memset(cfg, 0, sizeof(*cfg));
	cfg->migrations = xstrdup("migrations");
	if (!yaml_parser_initialize(&parser))
		return runway_error_set(err, RUNWAY_E_INTERNAL, "cannot initialise the YAML parser");
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &doc)) {
		runway_error_set(err, RUNWAY_E_CONFIG, "%s:%zu: %s", name,
				 (size_t)parser.problem_mark.line + 1,
				 parser.problem ? parser.problem : "invalid YAML");
		yaml_parser_delete(&parser);
		return -1;
	}
	ret = parse_root(&y, cfg, yaml_document_get_root_node(&doc));
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	return ret;
}

int config_load(struct runway_config *cfg, const char *path, bool optional,
		struct runway_error *err)
{
	struct runway_buf text = RUNWAY_BUF_INIT;
	int ret;

	memset(cfg, 0, sizeof(*cfg));
	if (fs_read_file(&text, path, 1 << 20, err) < 0) {
		if (optional && errno == ENOENT) {
			runway_error_clear(err);
			cfg->migrations = xstrdup("migrations");
			return 0;
		}
		if (errno == ENOENT) {
			runway_error_set(err, RUNWAY_E_CONFIG, "cannot read '%s': no such file", path);
			runway_error_hint(err, "run 'runway init' to create one, or pass --db URL");
		}
		return -1;
	}
	ret = config_parse(cfg, text.buf, text.len, path, err);
	runway_buf_release(&text);
	if (ret == 0)
		cfg->path = xstrdup(path);
	return ret;
}

const struct config_env *config_env(const struct runway_config *cfg, const char *name)
{
	size_t i;
	for (i = 0; i < cfg->nenvs; i++)
		if (!strcmp(cfg->envs[i].name, name))
			return &cfg->envs[i];
	return NULL;
}

int config_env_vars(const struct config_env *env, struct vars *out,
		    struct runway_error *err)
{
	size_t i;
	for (i = 0; env && i < env->vars.n; i++) {
		struct runway_buf b = RUNWAY_BUF_INIT;
		if (vars_expand(&b, env->vars.values[i], strlen(env->vars.values[i]),
				vars_lookup_env, NULL, NULL, err) < 0) {
			runway_buf_release(&b);
			runway_error_prefix(err, "environment '%s', var '%s'", env->name,
					    env->vars.names[i]);
			return -1;
		}
		vars_set(out, env->vars.names[i], b.buf);
		runway_buf_release(&b);
	}
	return 0;
}

void config_release(struct runway_config *cfg)
{
	size_t i;
	for (i = 0; i < cfg->nenvs; i++) {
		struct config_env *e = &cfg->envs[i];
		free(e->name);
		if (e->url)
			secure_wipe(e->url, strlen(e->url));
		free(e->url);
		free(e->branch);
		strvec_release(&e->labels);
		vars_release(&e->vars);
	}
	free(cfg->envs);
	free(cfg->path);
	free(cfg->migrations);
	free(cfg->default_env);
	strvec_release(&cfg->checks.enable);
	strvec_release(&cfg->checks.disable);
	strvec_release(&cfg->checks.severity_rule);
	strvec_release(&cfg->checks.severity_level);
	if (cfg->mask.key)
		secure_wipe(cfg->mask.key, strlen(cfg->mask.key));
	free(cfg->mask.key);
	strvec_release(&cfg->mask.rule_col);
	strvec_release(&cfg->mask.rule_fn);
	strvec_release(&cfg->mask.rule_arg);
	free(cfg->clone.command);
	free(cfg->clone.strategy);
	memset(cfg, 0, sizeof(*cfg));
}
