/*
 * clone.c - clone_run: the strategy names, dispatch by engine, the
 * interruption machinery, child processes, the SQLite strategy and the
 * command strategy. PostgreSQL's template and stream live in pg_clone.c
 * and pg_copy.c (built only with PostgreSQL support).
 *
 * SQLite: the online backup API copies the source page by page into
 * "DST.runway-tmp-<pid>" next to dst, which is renamed to dst only when
 * complete, masked and synced, so dst never holds a partial or unmasked
 * copy. Consistency with writers in other processes: before the first
 * backup step the source connection opens a read transaction (BEGIN, then
 * a read), and sqlite3_backup_step() reuses an open read transaction
 * instead of taking a new one per step. Every step thus reads the same
 * snapshot (in WAL mode writers carry on; in rollback mode they wait, as
 * they would for step(-1)), while the copy still goes in steps that can
 * show progress and be interrupted, and never restarts under a busy
 * writer (the backup API's own restart-on-change can starve).
 *
 * --tables on SQLite keeps the matching tables, the tables they reference
 * by foreign key (so the copy stays consistent, as on PostgreSQL) and
 * runway's own runway_* tables; the others are dropped from the copy
 * (foreign_keys off), and views that no longer compile go with them.
 *
 * Mask rules are checked against the source's schema before anything is
 * made (every strategy), so bad rules never leave a copy to clean up.
 *
 * Command: `/bin/sh -c COMMAND` with the URLs in the environment as
 * $source and $target (so ${source} in runway.yml works as written) and
 * RUNWAY_SOURCE_URL/RUNWAY_TARGET_URL, plus their parts. The command runs
 * in a process group of its own (clone_interrupt kills the group) with
 * its output on runway's stderr.
 */
#include "util/common.h"
#include "clone/clone_impl.h"
#include "driver/driver.h"
#include "mask/mask.h"
#include "schema/schema.h"
#include "util/fs.h"

#include <fcntl.h>
#include <fnmatch.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

extern char **environ;

static const char *const strategy_names[] = { "auto", "template", "stream", "command" };

const char *clone_strategy_name(enum clone_strategy s)
{
	return (size_t)s < ARRAY_SIZE(strategy_names) ? strategy_names[s] : "?";
}

int clone_strategy_parse(const char *name)
{
	size_t i;

	for (i = 0; name && i < ARRAY_SIZE(strategy_names); i++)
		if (!strcmp(name, strategy_names[i]))
			return (int)i;
	return -1;
}

/* --- interruption --- */

#define WATCH_SLOTS 256

static volatile sig_atomic_t interrupted;
static volatile sig_atomic_t child_pid;   /* running child: > 0 pid, < 0 -(process group) */
static _Atomic(struct runway_conn *) watched[WATCH_SLOTS];
static atomic_int readers;                 /* clone_interrupt()s walking watched[] */
static volatile sig_atomic_t masking;      /* clone_mask_target is in mask_apply */

static void cancel_watched(void)
{
	size_t i;

	atomic_fetch_add(&readers, 1);
	for (i = 0; i < WATCH_SLOTS; i++) {
		struct runway_conn *c = atomic_load(&watched[i]);
		if (c)
			driver_interrupt(c);
	}
	atomic_fetch_sub(&readers, 1);
}

void clone_interrupt(void)
{
	int saved = errno;
	int pid = child_pid;

	interrupted = 1;
	if (masking)
		mask_apply_interrupt(); /* stops between batches, too */
	cancel_watched();
	if (pid)
		kill(pid, SIGTERM);
	errno = saved;
}

bool clone_interrupted(void)
{
	return interrupted != 0;
}

void clone_cancel_all(void)
{
	cancel_watched();
}

void clone_watch(struct runway_conn *c)
{
	size_t i;

	for (i = 0; c && i < WATCH_SLOTS; i++) {
		struct runway_conn *expect = NULL;
		if (atomic_compare_exchange_strong(&watched[i], &expect, c))
			return;
	}
	/* table full: the connection is still stopped by the flag, between rows */
}

void clone_unwatch(struct runway_conn *c)
{
	size_t i;

	for (i = 0; c && i < WATCH_SLOTS; i++) {
		struct runway_conn *expect = c;
		if (atomic_compare_exchange_strong(&watched[i], &expect, NULL))
			break;
	}
	/* a clone_interrupt() that loaded c before it was removed is done with it */
	while (atomic_load(&readers))
		sched_yield();
}

void clone_close(struct runway_conn *c)
{
	if (!c)
		return;
	clone_unwatch(c);
	driver_close(c);
}

int clone_fail_interrupted(struct runway_error *err)
{
	return runway_error_set(err, RUNWAY_E_INTERRUPTED, "clone: interrupted");
}

/* --- child processes --- */

#define CHILD_CAPTURE_MAX (64 * 1024)

static bool env_named(const char *entry, const char *name)
{
	size_t n = strlen(name);
	return !strncmp(entry, name, n) && entry[n] == '=';
}

static bool env_dropped(const char *entry, const struct clone_child *c)
{
	const char *const *p;

	for (p = c->env_unset; p && *p; p++)
		if (env_named(entry, *p))
			return true;
	for (p = c->env_set; p && *p; p++) {
		const char *eq = strchr(*p, '=');
		if (eq && !strncmp(entry, *p, (size_t)(eq - *p) + 1))
			return true;
	}
	return false;
}

/* The child's environment: ours minus what is unset or replaced, plus env_set. */
static char **child_env(const struct clone_child *c)
{
	size_t n = 0, k = 0;
	const char *const *p;
	char **env, **e;

	for (e = environ; e && *e; e++)
		n++;
	for (p = c->env_set; p && *p; p++)
		n++;
	env = xcalloc(n + 1, sizeof(*env));
	for (e = environ; e && *e; e++)
		if (!env_dropped(*e, c))
			env[k++] = *e;
	for (p = c->env_set; p && *p; p++)
		env[k++] = (char *)*p;
	env[k] = NULL;
	return env;
}

int clone_child_run(const struct clone_child *c, int *status, struct runway_buf *out,
		    struct runway_error *err)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, dfl;
	char **env = child_env(c);
	int pipefd[2] = { -1, -1 };
	bool fa_made = false, attr_made = false, killed = false;
	pid_t pid = -1;
	int rc, wst = 0, ret = -1;

	*status = -1;
	if (c->capture && pipe2(pipefd, O_CLOEXEC) < 0) {
		runway_error_set(err, RUNWAY_E_IO, "clone: cannot create a pipe: %s", strerror(errno));
		goto out;
	}
	posix_spawn_file_actions_init(&fa);
	fa_made = true;
	if (c->capture) {
		posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDOUT_FILENO);
		posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDERR_FILENO);
	} else {
		/* our stdout is the command's result: the child talks on stderr */
		posix_spawn_file_actions_adddup2(&fa, STDERR_FILENO, STDOUT_FILENO);
	}
	posix_spawnattr_init(&attr);
	attr_made = true;
	sigemptyset(&none);
	sigemptyset(&dfl);
	sigaddset(&dfl, SIGINT);
	sigaddset(&dfl, SIGTERM);
	sigaddset(&dfl, SIGHUP);
	sigaddset(&dfl, SIGQUIT);
	sigaddset(&dfl, SIGPIPE); /* main.c ignores it; the child must not inherit that */
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &dfl);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF |
					(c->own_group ? POSIX_SPAWN_SETPGROUP : 0));
	posix_spawnattr_setpgroup(&attr, 0);
	if (c->search)
		rc = posix_spawnp(&pid, c->argv[0], &fa, &attr, (char *const *)c->argv, env);
	else
		rc = posix_spawn(&pid, c->argv[0], &fa, &attr, (char *const *)c->argv, env);
	if (rc != 0) {
		runway_error_set(err, RUNWAY_E_IO, "clone: cannot run '%s': %s", c->argv[0],
				 strerror(rc));
		pid = -1;
		goto out;
	}
	child_pid = c->own_group ? -pid : pid;
	if (interrupted) {
		kill(child_pid, SIGTERM);
		killed = true;
	}
	if (c->capture) {
		char chunk[4096];
		struct pollfd pfd;

		close(pipefd[1]);
		pipefd[1] = -1;
		pfd.fd = pipefd[0];
		pfd.events = POLLIN;
		for (;;) {
			ssize_t n;

			if (interrupted && !killed) {
				kill(child_pid, SIGTERM);
				killed = true;
			}
			rc = poll(&pfd, 1, 100);
			if (rc < 0 && errno != EINTR)
				break;
			if (rc <= 0)
				continue;
			n = read(pipefd[0], chunk, sizeof(chunk));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			if (out && out->len < CHILD_CAPTURE_MAX)
				runway_buf_add(out, chunk, (size_t)n);
		}
	}
	for (;;) {
		/* until EOF above the child cannot have been reaped: its pid is not reused */
		pid_t w = waitpid(pid, &wst, c->capture ? 0 : WNOHANG);
		if (w == pid)
			break;
		if (w < 0 && errno != EINTR) {
			runway_error_set(err, RUNWAY_E_IO, "clone: lost child '%s': %s", c->argv[0],
					 strerror(errno));
			child_pid = 0;
			pid = -1;
			goto out;
		}
		if (w == 0) {
			if (interrupted && !killed) {
				kill(child_pid, SIGTERM);
				killed = true;
			}
			usleep(20 * 1000);
		}
	}
	child_pid = 0;
	pid = -1;
	if (WIFEXITED(wst))
		*status = WEXITSTATUS(wst);
	else if (WIFSIGNALED(wst))
		*status = 128 + WTERMSIG(wst);
	if (interrupted) {
		clone_fail_interrupted(err);
		goto out;
	}
	ret = 0;
out:
	if (pipefd[0] >= 0)
		close(pipefd[0]);
	if (pipefd[1] >= 0)
		close(pipefd[1]);
	if (fa_made)
		posix_spawn_file_actions_destroy(&fa);
	if (attr_made)
		posix_spawnattr_destroy(&attr);
	free(env);
	return ret;
}

/* --- helpers --- */

double clone_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

bool clone_table_match(const struct strvec *patterns, const char *schema, const char *table)
{
	size_t i;

	if (!patterns || !patterns->n)
		return true;
	if (!strncmp(table, "runway_", 7))
		return true;
	for (i = 0; i < patterns->n; i++) {
		const char *p = patterns->v[i], *dot = strchr(p, '.');

		if (dot) {
			char *sp = xstrndup(p, (size_t)(dot - p));
			bool hit = schema && !fnmatch(sp, schema, 0) && !fnmatch(dot + 1, table, 0);
			free(sp);
			if (hit)
				return true;
		} else if ((!schema || !strcmp(schema, "public")) && !fnmatch(p, table, 0)) {
			return true;
		}
	}
	return false;
}

bool clone_has_rules(const struct clone_opts *o)
{
	return o->rules && o->rules->n > 0;
}

void clone_unlink_sqlite(const char *path)
{
	static const char *const ext[] = { "", "-wal", "-shm", "-journal", "-runway.lock" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(ext); i++) {
		char *p = xasprintf("%s%s", path, ext[i]);
		unlink(p);
		free(p);
	}
}

/* --- SQLite --- */

#define SQ_STEP_PAGES 1024

static int sq_err(struct runway_error *err, sqlite3 *db, const char *what, const char *path)
{
	return runway_error_set(err, RUNWAY_E_IO, "clone: %s '%s': %s", what, path,
				db ? sqlite3_errmsg(db) : "out of memory");
}

/* Run SQL on db; on failure set err naming path. */
static int sq_exec(sqlite3 *db, const char *sql, const char *path, struct runway_error *err)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK)
		return 0;
	runway_error_set(err, RUNWAY_E_IO, "clone: '%s': %s", path, msg ? msg : sqlite3_errmsg(db));
	sqlite3_free(msg);
	return -1;
}

static char *sq_quote(const char *name)
{
	struct runway_buf b = RUNWAY_BUF_INIT;

	sql_quote_ident(&b, name);
	return runway_buf_detach(&b);
}

/* Tables of the copy (no shadow tables, no sqlite_*) and their types ('table', 'virtual'). */
static int sq_tables(sqlite3 *db, struct strvec *names, struct strvec *types, const char *path,
		     struct runway_error *err)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(db, "SELECT name, type FROM pragma_table_list WHERE schema = 'main'"
			       " AND type IN ('table', 'virtual') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
			       " ORDER BY name", -1, &st, NULL) != SQLITE_OK)
		return sq_err(err, db, "cannot list the tables of", path);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		strvec_push(names, (const char *)sqlite3_column_text(st, 0));
		strvec_push(types, (const char *)sqlite3_column_text(st, 1));
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return sq_err(err, db, "cannot list the tables of", path);
	return 0;
}

/* Keep the tables --tables selects (and what they reference); drop the rest. */
static int sq_filter_tables(sqlite3 *db, const struct strvec *patterns, const char *path,
			    struct runway_error *err)
{
	struct strvec names = STRVEC_INIT, types = STRVEC_INIT;
	bool *keep = NULL, changed = true;
	sqlite3_stmt *st = NULL;
	size_t i, j;
	int ret = -1;

	if (sq_tables(db, &names, &types, path, err) < 0)
		goto out;
	keep = xcalloc(names.n + 1, sizeof(*keep));
	for (i = 0; i < names.n; i++)
		keep[i] = clone_table_match(patterns, NULL, names.v[i]);
	/* foreign keys pull the tables they reference in */
	while (changed) {
		changed = false;
		for (i = 0; i < names.n; i++) {
			if (!keep[i])
				continue;
			if (sqlite3_prepare_v2(db, "SELECT DISTINCT \"table\" FROM pragma_foreign_key_list(?)",
					       -1, &st, NULL) != SQLITE_OK) {
				sq_err(err, db, "cannot read the foreign keys of", path);
				goto out;
			}
			sqlite3_bind_text(st, 1, names.v[i], -1, SQLITE_STATIC);
			while (sqlite3_step(st) == SQLITE_ROW) {
				const char *ref = (const char *)sqlite3_column_text(st, 0);
				for (j = 0; ref && j < names.n; j++) {
					if (!keep[j] && !sqlite3_stricmp(names.v[j], ref)) {
						keep[j] = true;
						changed = true;
					}
				}
			}
			sqlite3_finalize(st);
			st = NULL;
		}
	}
	if (sq_exec(db, "PRAGMA foreign_keys = OFF; BEGIN", path, err) < 0)
		goto out;
	for (i = 0; i < names.n; i++) {
		char *q, *sql;
		int rc;

		if (keep[i])
			continue;
		q = sq_quote(names.v[i]);
		sql = xasprintf("DROP TABLE %s", q);
		rc = sq_exec(db, sql, path, err);
		free(sql);
		free(q);
		if (rc < 0) {
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
			goto out;
		}
	}
	if (sq_exec(db, "COMMIT", path, err) < 0)
		goto out;
	/* views over a dropped table no longer compile: drop them too (views on views: again) */
	for (changed = true; changed;) {
		struct strvec views = STRVEC_INIT;

		changed = false;
		if (sqlite3_prepare_v2(db, "SELECT name FROM sqlite_master WHERE type = 'view'", -1,
				       &st, NULL) != SQLITE_OK) {
			sq_err(err, db, "cannot list the views of", path);
			goto out;
		}
		while (sqlite3_step(st) == SQLITE_ROW)
			strvec_push(&views, (const char *)sqlite3_column_text(st, 0));
		sqlite3_finalize(st);
		st = NULL;
		for (i = 0; i < views.n; i++) {
			char *q = sq_quote(views.v[i]);
			char *sql = xasprintf("SELECT * FROM %s", q);
			sqlite3_stmt *probe = NULL;

			if (sqlite3_prepare_v2(db, sql, -1, &probe, NULL) != SQLITE_OK) {
				char *drop = xasprintf("DROP VIEW %s", q);
				sqlite3_exec(db, drop, NULL, NULL, NULL);
				free(drop);
				changed = true;
			}
			sqlite3_finalize(probe);
			free(sql);
			free(q);
		}
		strvec_release(&views);
	}
	ret = 0;
out:
	sqlite3_finalize(st);
	free(keep);
	strvec_release(&names);
	strvec_release(&types);
	return ret;
}

/* Count the tables and rows of the finished copy. */
static int sq_count(sqlite3 *db, struct clone_result *res, const char *path,
		    struct runway_error *err)
{
	struct strvec names = STRVEC_INIT, types = STRVEC_INIT;
	size_t i;
	int ret = -1;

	if (sq_tables(db, &names, &types, path, err) < 0)
		goto out;
	for (i = 0; i < names.n; i++) {
		sqlite3_stmt *st = NULL;
		char *q, *sql;

		/* the user's tables: runway's own bookkeeping is not counted */
		if (!strcmp(types.v[i], "virtual") || !strncmp(names.v[i], "runway_", 7))
			continue;
		res->tables++;
		q = sq_quote(names.v[i]);
		sql = xasprintf("SELECT count(*) FROM %s", q);
		if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
		    sqlite3_step(st) == SQLITE_ROW)
			res->rows += (uint64_t)sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
		free(sql);
		free(q);
	}
	ret = 0;
out:
	strvec_release(&names);
	strvec_release(&types);
	return ret;
}

static int fsync_path(const char *path, bool dir, struct runway_error *err)
{
	int fd = open(path, (dir ? O_RDONLY | O_DIRECTORY : O_RDWR) | O_CLOEXEC);

	if (fd < 0 || fsync(fd) < 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		/* some file systems cannot sync a directory: the data itself was synced */
		if (dir && (e == EINVAL || e == EBADF || e == EACCES))
			return 0;
		return runway_error_set(err, RUNWAY_E_IO, "clone: cannot sync '%s': %s", path,
					strerror(e));
	}
	close(fd);
	return 0;
}

/* rename(tmp, dst) that never replaces a dst that appeared meanwhile. */
static int rename_new(const char *tmp, const char *dst, struct runway_error *err)
{
	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, dst, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno == EINVAL || errno == ENOSYS) {
		/* no RENAME_NOREPLACE here: link() refuses an existing name just as well */
		if (link(tmp, dst) == 0) {
			unlink(tmp);
			return 0;
		}
	}
	if (errno == EEXIST)
		return runway_error_set(err, RUNWAY_E_USAGE, "clone: database '%s' already exists",
					dst);
	return runway_error_set(err, RUNWAY_E_IO, "clone: cannot rename '%s' to '%s': %s", tmp,
				dst, strerror(errno));
}

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

/*
 * Check the rules against the source's schema before anything is made
 * (mask_apply would check them too, but only on the finished copy).
 */
static int precheck_rules(const struct runway_url *src, const struct clone_opts *o,
			  struct runway_error *err)
{
	struct runway_url u = RUNWAY_URL_INIT;
	struct runway_conn *c = NULL;
	struct schema s = SCHEMA_INIT;
	int ret = -1;

	if (!clone_has_rules(o))
		return 0;
	if (url_parse(&u, src->raw, err) < 0)
		goto out;
	u.no_create = true;
	if (src->database)
		u.database = xstrdup(src->database);
	if (driver_connect(&c, &u, err) < 0)
		goto out;
	clone_watch(c);
	if (schema_read(&s, c, err) < 0 || mask_rules_check(o->rules, &s, err) < 0)
		goto out;
	ret = 0;
out:
	schema_release(&s);
	clone_close(c);
	url_release(&u);
	return ret;
}

int clone_mask_target(const struct runway_url *url, const struct clone_opts *o,
		       struct clone_result *res, struct runway_error *err)
{
	struct mask_apply_opts mo = MASK_APPLY_OPTS_INIT;
	struct mask_apply_result mr;
	struct runway_conn *c = NULL;
	struct mask_rules kept = MASK_RULES_INIT;
	const struct mask_rules *rules = o->rules;
	int rc, ret = -1;

	memset(&mr, 0, sizeof(mr));
	mo.progress = o->progress;
	mo.restart = true;
	if (driver_connect(&c, url, err) < 0)
		goto out;
	clone_watch(c);
	masking = 1;
	if (interrupted) {
		masking = 0;
		clone_fail_interrupted(err);
		goto out;
	}
	/*
	 * --tables left some tables out of the copy: their rules have nothing
	 * to mask (the rules were checked against the source already)
	 */
	if (o->tables && o->tables->n) {
		struct schema s = SCHEMA_INIT;
		size_t i;
		if (schema_read(&s, c, err) < 0) {
			masking = 0;
			goto out;
		}
		kept.v = xcalloc(o->rules->n + 1, sizeof(*kept.v));
		for (i = 0; i < o->rules->n; i++) {
			const struct mask_rule *r = &o->rules->v[i];
			if (schema_find_table(&s, r->schema, r->table) ||
			    (!r->schema && schema_find_table(&s, "public", r->table)))
				kept.v[kept.n++] = *r; /* borrowed: only kept.v is freed */
		}
		schema_release(&s);
		rules = &kept;
	}
	rc = rules->n ? mask_apply(c, rules, o->key, &mo, &mr, err) : 0;
	masking = 0;
	if (rc < 0)
		goto out;
	res->masked += mr.rows;
	ret = 0;
out:
	free(kept.v);
	clone_close(c);
	if (ret < 0 && clone_interrupted())
		clone_fail_interrupted(err);
	return ret;
}

static int sq_clone(const struct runway_url *src, const struct runway_url *dst,
		    const struct clone_opts *o, struct clone_result *res,
		    struct runway_error *err)
{
	struct runway_url tmp_url = RUNWAY_URL_INIT;
	struct progress pr;
	sqlite3 *s = NULL, *d = NULL;
	sqlite3_backup *b = NULL;
	char *tmp = NULL, *dir = NULL, *u = NULL;
	bool made = false, in_txn = false;
	uint64_t psize = 4096;
	int rc, ret = -1;

	progress_init(&pr, o->progress);
	if (!src->path || !strcmp(src->path, ":memory:") || !dst->path ||
	    !strcmp(dst->path, ":memory:"))
		return runway_error_set(err, RUNWAY_E_USAGE,
					"clone: cannot clone to or from an in-memory SQLite database");
	if (!fs_exists(src->path))
		return runway_error_set(err, RUNWAY_E_CONN,
					"cannot open SQLite database '%s': no such file", src->path);
	if (fs_exists(dst->path)) {
		runway_error_set(err, RUNWAY_E_USAGE, "clone: database '%s' already exists",
				 dst->path);
		runway_error_hint(err, "remove it first, or clone to another name");
		return -1;
	}
	if (precheck_rules(src, o, err) < 0)
		return -1;
	tmp = xasprintf("%s.runway-tmp-%ld", dst->path, (long)getpid());
	clone_unlink_sqlite(tmp);

	if (sqlite3_open_v2(src->path, &s, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK) {
		runway_error_set(err, RUNWAY_E_CONN, "cannot open SQLite database '%s': %s",
				 src->path, s ? sqlite3_errmsg(s) : "out of memory");
		goto out;
	}
	sqlite3_busy_timeout(s, 5000);
	/* one read transaction over every step: see the top of the file */
	if (sq_exec(s, "BEGIN; SELECT count(*) FROM sqlite_master", src->path, err) < 0)
		goto out;
	in_txn = true;

	made = true;
	if (sqlite3_open_v2(tmp, &d, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
			    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		sq_err(err, d, "cannot create", tmp);
		goto out;
	}
	/* the temporary file is thrown away on failure: no journal, synced once at the end */
	if (sq_exec(d, "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF", tmp, err) < 0)
		goto out;
	{
		sqlite3_stmt *st = NULL;
		if (sqlite3_prepare_v2(s, "PRAGMA page_size", -1, &st, NULL) == SQLITE_OK &&
		    sqlite3_step(st) == SQLITE_ROW)
			psize = (uint64_t)sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	b = sqlite3_backup_init(d, "main", s, "main");
	if (!b) {
		sq_err(err, d, "cannot start the backup into", tmp);
		goto out;
	}
	for (;;) {
		int total, left;

		rc = sqlite3_backup_step(b, SQ_STEP_PAGES);
		total = sqlite3_backup_pagecount(b);
		left = sqlite3_backup_remaining(b);
		if (rc == SQLITE_OK || rc == SQLITE_DONE) {
			char done_s[32], total_s[32], size_s[32], rate_s[64];

			res->bytes = (uint64_t)(total - left) * psize;
			progress_thousands(done_s, sizeof(done_s), (uint64_t)(total - left));
			progress_thousands(total_s, sizeof(total_s), (uint64_t)total);
			progress_size(size_s, sizeof(size_s), res->bytes);
			progress_rate_eta(&pr, rate_s, sizeof(rate_s), res->bytes,
					  (uint64_t)total * psize);
			progress_draw(&pr, rc == SQLITE_DONE, "clone: %s/%s pages, %s, %s", done_s,
				      total_s, size_s, rate_s);
		}
		if (rc == SQLITE_DONE)
			break;
		if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
			sqlite3_sleep(20);
		} else if (rc != SQLITE_OK) {
			runway_error_set(err, RUNWAY_E_IO, "clone: cannot copy '%s': %s", src->path,
					 sqlite3_errstr(rc));
			goto out;
		}
		if (clone_interrupted()) {
			clone_fail_interrupted(err);
			goto out;
		}
	}
	rc = sqlite3_backup_finish(b);
	b = NULL;
	if (rc != SQLITE_OK) {
		sq_err(err, d, "cannot copy into", tmp);
		goto out;
	}
	sqlite3_exec(s, "COMMIT", NULL, NULL, NULL);
	in_txn = false;
	sqlite3_close(s);
	s = NULL;

	if (o->tables && o->tables->n && sq_filter_tables(d, o->tables, tmp, err) < 0)
		goto out;
	if (sq_count(d, res, tmp, err) < 0)
		goto out;
	if (sqlite3_close(d) != SQLITE_OK) {
		sq_err(err, d, "cannot close", tmp);
		goto out;
	}
	d = NULL;
	if (clone_interrupted()) {
		clone_fail_interrupted(err);
		goto out;
	}

	if (clone_has_rules(o)) {
		progress_clear(&pr);
		u = xasprintf("sqlite:%s", tmp);
		if (url_parse(&tmp_url, u, err) < 0 || clone_mask_target(&tmp_url, o, res, err) < 0)
			goto out;
		/*
		 * UPDATEs leave fragments of the originals in the slack of index
		 * pages (secure_delete covers only what is deleted): rebuild the
		 * copy's file before anyone sees it
		 */
		if (sqlite3_open_v2(tmp, &d, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
		    sqlite3_exec(d, "VACUUM", NULL, NULL, NULL) != SQLITE_OK) {
			sq_err(err, d, "cannot rebuild", tmp);
			goto out;
		}
		if (sqlite3_close(d) != SQLITE_OK) {
			sq_err(err, d, "cannot close", tmp);
			goto out;
		}
		d = NULL;
	}
	dir = dir_of(dst->path);
	if (fsync_path(tmp, false, err) < 0 || rename_new(tmp, dst->path, err) < 0)
		goto out;
	made = false;
	/* the copy is complete at dst; a failed directory sync only risks the name */
	fsync_path(dir, true, NULL);
	/* what mask_apply may have left beside the temporary file */
	clone_unlink_sqlite(tmp);
	res->used = CLONE_STREAM;
	ret = 0;
out:
	progress_clear(&pr);
	if (b)
		sqlite3_backup_finish(b);
	if (in_txn)
		sqlite3_exec(s, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(s);
	sqlite3_close(d);
	if (made)
		clone_unlink_sqlite(tmp);
	url_release(&tmp_url);
	free(u);
	free(dir);
	free(tmp);
	return ret;
}

/* --- command --- */

/* Does the target exist (SQLite file, PostgreSQL database)? */
static int target_exists(const struct runway_url *dst, void *pgt, bool *exists,
			 struct runway_error *err)
{
	if (!strcmp(dst->scheme, "sqlite")) {
		*exists = dst->path && fs_exists(dst->path);
		return 0;
	}
#ifdef RUNWAY_WITH_POSTGRES
	return pg_target_exists(pgt, exists, err);
#else
	(void)pgt;
	return runway_error_set(err, RUNWAY_E_IO, "runway was built without PostgreSQL support");
#endif
}

static void push_env(struct strvec *env, const char *name, const char *value)
{
	char *e = xasprintf("%s=%s", name, value ? value : "");
	strvec_push(env, e);
	secure_wipe(e, strlen(e));
	free(e);
}

static int cmd_clone(const struct runway_url *src, const struct runway_url *dst,
		     const struct clone_opts *o, struct clone_result *res,
		     struct runway_error *err)
{
	struct strvec env = STRVEC_INIT;
	const char *argv[4];
	bool sqlite = !strcmp(dst->scheme, "sqlite"), exists = false, remove = false;
	int status = -1, ret = -1;
	size_t i;
#ifdef RUNWAY_WITH_POSTGRES
	struct pg_target pgt = PG_TARGET_INIT;
	void *tp = &pgt;
#else
	void *tp = NULL;
#endif

	if (!o->command || !*o->command) {
		runway_error_set(err, RUNWAY_E_USAGE, "clone: the command strategy needs a command");
		runway_error_hint(err, "set clone.command in runway.yml");
		return -1;
	}
	if (o->tables && o->tables->n)
		return runway_error_set(err, RUNWAY_E_USAGE,
					"clone: the command strategy copies whole databases, not --tables");
	if (sqlite && (!dst->path || !strcmp(dst->path, ":memory:")))
		return runway_error_set(err, RUNWAY_E_USAGE,
					"clone: cannot clone to an in-memory SQLite database");
#ifdef RUNWAY_WITH_POSTGRES
	if (!sqlite && pg_target_open(&pgt, dst, err) < 0)
		goto out;
#else
	if (!sqlite) {
		runway_error_set(err, RUNWAY_E_IO, "runway was built without PostgreSQL support");
		goto out;
	}
#endif
	if (target_exists(dst, tp, &exists, err) < 0)
		goto out;
	if (exists) {
#ifdef RUNWAY_WITH_POSTGRES
		runway_error_set(err, RUNWAY_E_USAGE, "clone: database '%s' already exists",
				 sqlite ? dst->path : pgt.name);
#else
		runway_error_set(err, RUNWAY_E_USAGE, "clone: database '%s' already exists",
				 dst->path);
#endif
		runway_error_hint(err, "remove it first, or clone to another name");
		goto out;
	}

	if (precheck_rules(src, o, err) < 0)
		goto out;
	/* the child needs the real URLs; they go in its environment only */
	push_env(&env, "source", src->raw);
	push_env(&env, "target", dst->raw);
	push_env(&env, "RUNWAY_SOURCE_URL", src->raw);
	push_env(&env, "RUNWAY_TARGET_URL", dst->raw);
	if (sqlite) {
		push_env(&env, "RUNWAY_SOURCE_PATH", src->path);
		push_env(&env, "RUNWAY_TARGET_PATH", dst->path);
	}
#ifdef RUNWAY_WITH_POSTGRES
	else {
		pg_url_env(&env, "RUNWAY_SOURCE_", src);
		pg_url_env(&env, "RUNWAY_TARGET_", dst);
	}
#endif
	argv[0] = "/bin/sh";
	argv[1] = "-c";
	argv[2] = o->command;
	argv[3] = NULL;
	{
		struct clone_child ch;

		memset(&ch, 0, sizeof(ch));
		ch.argv = argv;
		ch.env_set = (const char *const *)env.v;
		ch.own_group = true;
		remove = true; /* from here on, whatever the command made is removed on failure */
		if (clone_child_run(&ch, &status, NULL, err) < 0)
			goto out;
	}
	if (status != 0) {
		runway_error_set(err, RUNWAY_E_IO, "clone: the clone command failed (exit status %d)",
				 status);
		goto out;
	}
	if (target_exists(dst, tp, &exists, err) < 0)
		goto out;
	if (!exists) {
#ifdef RUNWAY_WITH_POSTGRES
		runway_error_set(err, RUNWAY_E_IO, "clone: the clone command did not create '%s'",
				 sqlite ? dst->path : pgt.name);
#else
		runway_error_set(err, RUNWAY_E_IO, "clone: the clone command did not create '%s'",
				 dst->path);
#endif
		goto out;
	}
	if (clone_has_rules(o) && clone_mask_target(dst, o, res, err) < 0)
		goto out;
	res->used = CLONE_COMMAND;
	remove = false;
	ret = 0;
out:
	if (remove) {
		bool now = false;
		struct runway_error ignore = RUNWAY_ERROR_INIT;

		if (target_exists(dst, tp, &now, &ignore) == 0 && now) {
			if (sqlite)
				clone_unlink_sqlite(dst->path);
#ifdef RUNWAY_WITH_POSTGRES
			else
				pgt.created = true;
#endif
		}
		runway_error_clear(&ignore);
	}
#ifdef RUNWAY_WITH_POSTGRES
	pg_target_release(&pgt);
#endif
	for (i = 0; i < env.n; i++)
		secure_wipe(env.v[i], strlen(env.v[i]));
	strvec_release(&env);
	if (ret < 0 && clone_interrupted() && err->klass != RUNWAY_E_INTERRUPTED)
		clone_fail_interrupted(err);
	return ret;
}

/* --- dispatch --- */

int clone_run(const struct runway_url *src, const struct runway_url *dst,
	      const struct clone_opts *o, struct clone_result *res,
	      struct runway_error *err)
{
	double t0 = clone_now();
	int ret = -1;

	memset(res, 0, sizeof(*res));
	interrupted = 0;
	if (strcmp(src->scheme, dst->scheme))
		return runway_error_set(err, RUNWAY_E_USAGE,
					"clone: source and target are different engines (%s, %s)",
					src->scheme, dst->scheme);
	if (clone_has_rules(o) && !o->key)
		return runway_error_set(err, RUNWAY_E_CONFIG, "clone: masking needs a key");
	if (o->strategy == CLONE_COMMAND) {
		ret = cmd_clone(src, dst, o, res, err);
	} else if (!strcmp(src->scheme, "sqlite")) {
		if (o->strategy == CLONE_TEMPLATE) {
			runway_error_set(err, RUNWAY_E_USAGE,
					 "clone: the template strategy is for PostgreSQL only");
			runway_error_hint(err, "SQLite clones use the online backup (--strategy stream)");
			return -1;
		}
		ret = sq_clone(src, dst, o, res, err);
	} else if (!strcmp(src->scheme, "postgres")) {
#ifdef RUNWAY_WITH_POSTGRES
		ret = pg_clone_run(src, dst, o, res, err);
#else
		runway_error_set(err, RUNWAY_E_IO, "runway was built without PostgreSQL support");
		runway_error_hint(err, "rebuild runway with the PostgreSQL client library installed");
#endif
	} else {
		runway_error_set(err, RUNWAY_E_USAGE, "clone: %s databases cannot be cloned yet",
				 src->scheme);
	}
	res->seconds = clone_now() - t0;
	return ret;
}
