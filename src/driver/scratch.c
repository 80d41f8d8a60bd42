/* scratch.c - see scratch.h. */
#include "util/common.h"
#include "driver/scratch.h"
#include "util/fs.h"

#include <fcntl.h>
#include <unistd.h>

static void random_hex(char out[9])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char b[4] = { 0, 0, 0, 0 };
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	size_t i;
	if (fd >= 0) {
		if (read(fd, b, sizeof(b)) != (ssize_t)sizeof(b))
			memset(b, 0, sizeof(b));
		close(fd);
	}
	b[0] ^= (unsigned char)getpid();
	for (i = 0; i < 4; i++) {
		out[2 * i] = hex[b[i] >> 4];
		out[2 * i + 1] = hex[b[i] & 15];
	}
	out[8] = '\0';
}

static int sqlite_create(struct scratch *s, const struct runway_url *base, bool given,
			 struct runway_error *err)
{
	char rnd[9];
	char *url;
	int ret;

	if (given && base->path && strcmp(base->path, ":memory:")) {
		if (fs_exists(base->path))
			return runway_error_set(err, RUNWAY_E_USAGE,
						"--scratch: '%s' exists; the scratch database must be new",
						base->path);
		s->name = xstrdup(base->path);
	} else {
		const char *tmp = getenv("TMPDIR");
		random_hex(rnd);
		s->name = xasprintf("%s/runway-test-%ld-%s.db", tmp && *tmp ? tmp : "/tmp",
				    (long)getpid(), rnd);
	}
	url = xasprintf("sqlite:%s", s->name);
	ret = url_parse(&s->url, url, err);
	free(url);
	s->created = ret == 0;
	return ret;
}

static int pg_create(struct scratch *s, const struct runway_url *base, struct runway_error *err)
{
	struct runway_url admin = RUNWAY_URL_INIT;
	char rnd[9];
	char *sql = NULL;
	int ret = -1;

	if (url_parse(&admin, base->raw, err) < 0 || driver_connect(&s->admin, &admin, err) < 0)
		goto out;
	random_hex(rnd);
	s->name = xasprintf("runway_test_%ld_%s", (long)getpid(), rnd);
	sql = xasprintf("CREATE DATABASE \"%s\"", s->name);
	if (driver_exec(s->admin, sql, err) < 0) {
		runway_error_prefix(err, "cannot create the scratch database");
		runway_error_hint(err, "runway test needs CREATEDB on that server, or --scratch URL "
				  "of a server where it may create databases");
		err->klass = RUNWAY_E_CONN;
		goto out;
	}
	s->created = true;
	if (url_parse(&s->url, base->raw, err) < 0)
		goto out;
	s->url.database = xstrdup(s->name);
	free(s->url.redacted);
	s->url.redacted = xasprintf("%s (database %s)", base->redacted, s->name);
	ret = 0;
out:
	free(sql);
	url_release(&admin);
	return ret;
}

int scratch_create(struct scratch *s, const struct runway_url *base, bool given,
		   struct runway_error *err)
{
	memset(s, 0, sizeof(*s));
	if (!strcmp(base->scheme, "sqlite"))
		return sqlite_create(s, base, given, err);
	if (!strcmp(base->scheme, "postgres"))
		return pg_create(s, base, err);
	return runway_error_set(err, RUNWAY_E_USAGE, "runway test does not support %s yet",
				base->scheme);
}

void scratch_drop(struct scratch *s)
{
	if (s->created && !strcmp(s->url.scheme ? s->url.scheme : "", "sqlite")) {
		static const char *const ext[] = { "", "-wal", "-shm", "-journal", "-runway.lock" };
		size_t i;
		for (i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
			char *p = xasprintf("%s%s", s->name, ext[i]);
			unlink(p);
			free(p);
		}
	} else if (s->created && s->admin) {
		struct runway_error err = RUNWAY_ERROR_INIT;
		if (driver_drop_database(s->admin, s->name, 50, &err) < 0)
			fprintf(stderr, "runway: warning: cannot drop the scratch database '%s': %s\n",
				s->name, err.msg);
		runway_error_clear(&err);
	}
	driver_close(s->admin);
	url_release(&s->url);
	free(s->name);
	memset(s, 0, sizeof(*s));
}
