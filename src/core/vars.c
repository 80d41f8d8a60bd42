/* vars.c - see vars.h. */
#include "util/common.h"
#include "core/vars.h"

void vars_set(struct vars *v, const char *name, const char *value)
{
	size_t i, a;
	for (i = 0; i < v->n; i++) {
		if (!strcmp(v->names[i], name)) {
			free(v->values[i]);
			v->values[i] = xstrdup(value);
			return;
		}
	}
	a = v->alloc;
	v->names = xgrow(v->names, sizeof(char *), v->n + 1, &a);
	v->values = xgrow(v->values, sizeof(char *), v->n + 1, &v->alloc);
	v->names[v->n] = xstrdup(name);
	v->values[v->n] = xstrdup(value);
	v->n++;
}

const char *vars_get(const struct vars *v, const char *name)
{
	size_t i;
	for (i = 0; v && i < v->n; i++)
		if (!strcmp(v->names[i], name))
			return v->values[i];
	return NULL;
}

void vars_release(struct vars *v)
{
	size_t i;
	for (i = 0; i < v->n; i++) {
		free(v->names[i]);
		free(v->values[i]);
	}
	free(v->names);
	free(v->values);
	memset(v, 0, sizeof(*v));
}

const char *vars_lookup_env(const char *name, void *data)
{
	(void)data;
	return getenv(name);
}

const char *vars_lookup_table(const char *name, void *data)
{
	return vars_get(data, name);
}

static bool name_char(char c, bool first)
{
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (!first && ((c >= '0' && c <= '9') || c == '.' || c == '-'));
}

int vars_expand(struct runway_buf *out, const char *s, size_t len,
		vars_lookup_fn lookup, void *data, size_t *bad_offset,
		struct runway_error *err)
{
	size_t i = 0, start;
	while (i < len) {
		if (s[i] == '$' && i + 2 < len && s[i + 1] == '$' && s[i + 2] == '{') {
			runway_buf_adds(out, "${");
			i += 3;
			continue;
		}
		if (s[i] != '$' || i + 1 >= len || s[i + 1] != '{') {
			start = i;
			while (i < len && s[i] != '$')
				i++;
			if (i == start)
				i++;
			runway_buf_add(out, s + start, i - start);
			continue;
		}
		/* ${name} */
		{
			size_t j = i + 2;
			const char *v;
			char *name;
			while (j < len && name_char(s[j], j == i + 2))
				j++;
			if (j >= len || s[j] != '}' || j == i + 2) {
				/* quote up to the offending character, never past the line */
				size_t end = j < len && s[j] != '\n' ? j + 1 : j;
				if (bad_offset)
					*bad_offset = i;
				runway_error_set(err, RUNWAY_E_CONFIG, "malformed placeholder '%.*s'",
						 (int)(end - i), s + i);
				runway_error_hint(err, "write ${name} with letters, digits, '_', '.' or '-', "
						  "or $${ for a literal ${");
				return -1;
			}
			name = xstrndup(s + i + 2, j - i - 2);
			v = lookup(name, data);
			if (!v) {
				if (bad_offset)
					*bad_offset = i;
				runway_error_set(err, RUNWAY_E_CONFIG, "unknown placeholder '${%s}'", name);
				free(name);
				return -1;
			}
			free(name);
			runway_buf_adds(out, v);
			i = j + 1;
		}
	}
	return 0;
}
