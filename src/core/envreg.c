/* envreg.c - see envreg.h. */
#include "util/common.h"
#include "core/envreg.h"
#include "util/fs.h"

#include <jansson.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

int envreg_name_check(const char *name, struct runway_error *err)
{
	size_t i, n = strlen(name);

	for (i = 0; i < n; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (i && (c == '-' || c == '_'))))
			break;
	}
	if (n == 0 || n > 40 || i < n) {
		runway_error_set(err, RUNWAY_E_USAGE, "invalid runway name '%s'", name);
		runway_error_hint(err, "use 1 to 40 lower-case letters, digits, '-' or '_', "
				  "starting with a letter or digit");
		return -1;
	}
	return 0;
}

int envreg_parse_ttl(const char *s, long *seconds, struct runway_error *err)
{
	char *end = NULL;
	long v, unit;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || v <= 0)
		goto bad;
	switch (*end) {
	case 's': unit = 1; break;
	case 'm': unit = 60; break;
	case 'h': unit = 3600; break;
	case 'd': unit = 86400; break;
	case 'w': unit = 7 * 86400; break;
	default: goto bad;
	}
	if (end[1] || v > 3650L * 86400 / unit)
		goto bad;
	*seconds = v * unit;
	return 0;
bad:
	runway_error_set(err, RUNWAY_E_USAGE, "--ttl: invalid duration '%s'", s);
	runway_error_hint(err, "write a number and a unit: 90s, 30m, 4h, 2d or 1w");
	return -1;
}

void envreg_time_format(char *buf, size_t len, time_t t)
{
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int envreg_time_parse(const char *s, time_t *out)
{
	struct tm tm;
	char *end;

	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (!end || *end)
		return -1;
	*out = timegm(&tm);
	return 0;
}

static char *entry_path(const char *name)
{
	return xasprintf("%s/%s.json", ENVREG_DIR, name);
}

bool envreg_exists(const char *name)
{
	char *p = entry_path(name);
	bool r = fs_exists(p);
	free(p);
	return r;
}

static char *get_str(json_t *o, const char *k)
{
	const char *v = json_string_value(json_object_get(o, k));
	return v ? xstrdup(v) : NULL;
}

int envreg_load(struct envreg_entry *e, const char *name, struct runway_error *err)
{
	char *path = entry_path(name);
	struct runway_buf b = RUNWAY_BUF_INIT;
	json_error_t je;
	json_t *j = NULL;
	const char *t;
	int ret = -1;

	memset(e, 0, sizeof(*e));
	if (envreg_name_check(name, err) < 0)
		goto out;
	if (fs_read_file(&b, path, 1 << 20, err) < 0) {
		if (errno == ENOENT) {
			runway_error_set(err, RUNWAY_E_USAGE, "no runway named '%s'", name);
			runway_error_hint(err, "'runway env list' shows the runways of this project");
		}
		goto out;
	}
	j = json_loadb(b.buf, b.len, 0, &je);
	if (!json_is_object(j)) {
		runway_error_set(err, RUNWAY_E_CONFIG, "%s: not a runway record: %s", path, je.text);
		goto out;
	}
	e->name = get_str(j, "name");
	e->from = get_str(j, "from");
	e->ref = get_str(j, "ref");
	e->engine = get_str(j, "engine");
	e->url = get_str(j, "url");
	e->target = get_str(j, "target");
	e->database = get_str(j, "database");
	e->state = get_str(j, "state");
	e->pid = (long)json_integer_value(json_object_get(j, "pid"));
	e->masked = json_is_true(json_object_get(j, "masked"));
	if ((t = json_string_value(json_object_get(j, "created"))))
		envreg_time_parse(t, &e->created);
	if ((t = json_string_value(json_object_get(j, "expires"))))
		envreg_time_parse(t, &e->expires);
	if (!e->name || strcmp(e->name, name) || !e->engine || !e->database || !e->state) {
		runway_error_set(err, RUNWAY_E_CONFIG, "%s: not a runway record (fields missing)", path);
		goto out;
	}
	ret = 0;
out:
	if (ret < 0)
		envreg_release(e);
	json_decref(j);
	runway_buf_release(&b);
	free(path);
	return ret;
}

static int save(const struct envreg_entry *e, bool exclusive, struct runway_error *err);

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static int mkdirs(struct runway_error *err)
{
	if (mkdir(".runway", 0755) < 0 && errno != EEXIST)
		return runway_error_set(err, RUNWAY_E_IO, "cannot create '.runway': %s", strerror(errno));
	if (mkdir(ENVREG_DIR, 0755) < 0 && errno != EEXIST)
		return runway_error_set(err, RUNWAY_E_IO, "cannot create '%s': %s", ENVREG_DIR,
					strerror(errno));
	return 0;
}

int envreg_save(const struct envreg_entry *e, struct runway_error *err)
{
	return save(e, false, err);
}

int envreg_create(const struct envreg_entry *e, struct runway_error *err)
{
	return save(e, true, err);
}

static int save(const struct envreg_entry *e, bool exclusive, struct runway_error *err)
{
	char *path = entry_path(e->name), *tmp = NULL, *text = NULL;
	char created[32], expires[32];
	json_t *j = json_object();
	FILE *f = NULL;
	int ret = -1;

	if (mkdirs(err) < 0)
		goto out;
	envreg_time_format(created, sizeof(created), e->created);
	envreg_time_format(expires, sizeof(expires), e->expires);
	json_object_set_new(j, "name", json_string(e->name));
	json_object_set_new(j, "from", str_or_null(e->from));
	json_object_set_new(j, "ref", str_or_null(e->ref));
	json_object_set_new(j, "engine", json_string(e->engine));
	json_object_set_new(j, "url", str_or_null(e->url));
	json_object_set_new(j, "target", str_or_null(e->target));
	json_object_set_new(j, "database", json_string(e->database));
	json_object_set_new(j, "state", json_string(e->state));
	json_object_set_new(j, "pid", json_integer(e->pid));
	json_object_set_new(j, "masked", json_boolean(e->masked));
	json_object_set_new(j, "created", json_string(created));
	json_object_set_new(j, "expires", e->expires ? json_string(expires) : json_null());
	text = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	f = fopen(tmp, "w");
	if (!f || fputs(text, f) == EOF || fputc('\n', f) == EOF || fflush(f) ||
	    fsync(fileno(f)) < 0) {
		runway_error_set(err, RUNWAY_E_IO, "cannot write '%s': %s", tmp, strerror(errno));
		goto out;
	}
	if (fclose(f)) {
		f = NULL;
		runway_error_set(err, RUNWAY_E_IO, "cannot write '%s': %s", tmp, strerror(errno));
		goto out;
	}
	f = NULL;
	if (exclusive) {
		/* link() fails if the name exists: of two creators, one wins */
		if (link(tmp, path) < 0) {
			if (errno == EEXIST) {
				runway_error_set(err, RUNWAY_E_USAGE, "a runway named '%s' exists",
						 e->name);
				runway_error_hint(err, "'runway env destroy %s' first, or pick another name",
						  e->name);
			} else {
				runway_error_set(err, RUNWAY_E_IO, "cannot write '%s': %s", path,
						 strerror(errno));
			}
			goto out;
		}
		unlink(tmp);
	} else if (rename(tmp, path) < 0) {
		runway_error_set(err, RUNWAY_E_IO, "cannot write '%s': %s", path, strerror(errno));
		goto out;
	}
	ret = 0;
out:
	if (f)
		fclose(f);
	if (ret < 0 && tmp)
		unlink(tmp);
	free(text);
	free(tmp);
	free(path);
	json_decref(j);
	return ret;
}

int envreg_remove(const char *name, struct runway_error *err)
{
	char *path = entry_path(name);
	int ret = 0;

	if (unlink(path) < 0 && errno != ENOENT)
		ret = runway_error_set(err, RUNWAY_E_IO, "cannot remove '%s': %s", path,
				       strerror(errno));
	free(path);
	return ret;
}

int envreg_list(struct strvec *names, struct runway_error *err)
{
	struct strvec files = STRVEC_INIT;
	size_t i;

	if (!fs_is_dir(ENVREG_DIR))
		return 0;
	if (fs_list_dir(&files, ENVREG_DIR, ".json", err) < 0)
		return -1;
	for (i = 0; i < files.n; i++)
		strvec_pushn(names, files.v[i], strlen(files.v[i]) - strlen(".json"));
	strvec_release(&files);
	return 0;
}

void envreg_release(struct envreg_entry *e)
{
	free(e->name);
	free(e->from);
	free(e->ref);
	free(e->engine);
	free(e->url);
	free(e->target);
	free(e->database);
	free(e->state);
	memset(e, 0, sizeof(*e));
}

const char *envreg_state(const struct envreg_entry *e, time_t now)
{
	if (!strcmp(e->state, "creating")) {
		/* kill(pid, 0): does the creator still run? (EPERM: it does, as another user) */
		if (e->pid > 0 && (kill((pid_t)e->pid, 0) == 0 || errno == EPERM))
			return "creating";
		return "failed";
	}
	if (strcmp(e->state, "ready"))
		return "failed";
	if (e->expires && now >= e->expires)
		return "expired";
	return "ready";
}
