/*
 * history.c - reading and writing runway's tables (format in history.h).
 *
 * Writing a change's row happens inside the change's batch (release.c builds
 * the statements with the SQL text below), so this file holds the SQL and
 * the reading side.
 */
#include "util/common.h"
#include "core/history.h"
#include "driver/driver.h"
#include "gitx/gitx.h"

#include <pwd.h>
#include <sys/time.h>
#include <unistd.h>

void history_now(char out[32])
{
	struct timespec ts;
	struct tm tm;
	char base[24];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, 32, "%.19s.%03dZ", base, (int)(ts.tv_nsec / 1000000) % 1000);
}

void audit_init(struct audit *a, const char *project_dir)
{
	memset(a, 0, sizeof(*a));
	a->dir = xstrdup(project_dir);
}

void audit_load(struct audit *a)
{
	const char *u = getenv("RUNWAY_USER");
	char host[256];

	if (a->loaded)
		return;
	a->loaded = true;
	if (!u || !*u) {
		struct passwd *pw = getpwuid(getuid());
		u = pw ? pw->pw_name : getenv("USER");
	}
	a->actor = xstrdup(u ? u : "unknown");
	if (gethostname(host, sizeof(host)) < 0)
		host[0] = '\0';
	host[sizeof(host) - 1] = '\0';
	a->host = xstrdup(host);
	gitx_head(a->dir, &a->git_commit, &a->git_ref);
}

void audit_release(struct audit *a)
{
	free(a->dir);
	free(a->actor);
	free(a->host);
	free(a->git_commit);
	free(a->git_ref);
	memset(a, 0, sizeof(*a));
}

int history_ensure(struct runway_conn *c, struct runway_error *err)
{
	struct runway_rows r = RUNWAY_ROWS_INIT;
	bool exists = false;
	long v;
	int ret = -1;

	if (driver_table_exists(c, "runway_history", &exists, err) < 0)
		return -1;
	if (!exists) {
		size_t off;
		if (driver_begin(c, err) < 0)
			return -1;
		if (driver_exec_script(c, driver_history_ddl(c), strlen(driver_history_ddl(c)),
				       &off, err) < 0 || driver_commit(c, err) < 0) {
			struct runway_error ign = RUNWAY_ERROR_INIT;
			driver_rollback(c, &ign);
			runway_error_clear(&ign);
			runway_error_prefix(err, "cannot create runway's history tables");
			return -1;
		}
		return 0;
	}
	if (driver_query(c, "SELECT value FROM runway_meta WHERE key = 'schema_version'",
			 NULL, 0, &r, err) < 0) {
		runway_error_prefix(err, "cannot read runway's history in '%s'", driver_url(c));
		goto out;
	}
	v = r.nrows && rows_get(&r, 0, 0) ? strtol(rows_get(&r, 0, 0), NULL, 10) : 0;
	if (v > HISTORY_SCHEMA_VERSION) {
		runway_error_set(err, RUNWAY_E_CONFIG,
				 "the history in '%s' was written by a newer runway (schema version %ld, this runway knows %d)",
				 driver_url(c), v, HISTORY_SCHEMA_VERSION);
		runway_error_hint(err, "upgrade runway");
		goto out;
	}
	ret = 0;
out:
	rows_release(&r);
	return ret;
}

static const struct history *sort_hist;

static int cmp_row_id(const void *a, const void *b)
{
	return strcmp(sort_hist->rows[*(const size_t *)a].change_id,
		      sort_hist->rows[*(const size_t *)b].change_id);
}

int history_load(struct runway_conn *c, struct history *h, unsigned flags,
		 struct runway_error *err)
{
	struct runway_rows r = RUNWAY_ROWS_INIT;
	char *ts = NULL, *sql = NULL;
	size_t i;
	int ret = -1;

	memset(h, 0, sizeof(*h));
	h->exists = flags & HISTORY_EXISTS;
	if (!h->exists && driver_table_exists(c, "runway_history", &h->exists, err) < 0)
		return -1;
	if (!h->exists)
		return 0;
	ts = driver_ts_text(c, "deployed_at");
	sql = xasprintf("SELECT change_id, position, state, checksum, %s, deployed_by, host, "
			"git_commit, duration_ms, no_transaction, "
			"CASE WHEN revert_sql IS NULL THEN 0 ELSE 1 END%s "
			"FROM runway_history ORDER BY position",
			ts, flags & HISTORY_WITH_SQL ? ", revert_sql, verify_sql" : "");
	if (driver_query(c, sql, NULL, 0, &r, err) < 0) {
		runway_error_prefix(err, "cannot read runway's history in '%s'", driver_url(c));
		goto out;
	}
	h->rows = xcalloc(r.nrows + 1, sizeof(*h->rows));
	for (i = 0; i < r.nrows; i++) {
		struct history_row *row = &h->rows[i];
		const char *pos = rows_get(&r, i, 1), *nt = rows_get(&r, i, 9);
		/* take the strings over: a copy of every cell would double the memory */
		row->change_id = rows_take(&r, i, 0);
		if (!row->change_id)
			row->change_id = xstrdup("");
		row->position = pos ? strtol(pos, NULL, 10) : 0;
		row->started = rows_get(&r, i, 2) && !strcmp(rows_get(&r, i, 2), "started");
		row->checksum = rows_take(&r, i, 3);
		row->deployed_at = rows_take(&r, i, 4);
		row->deployed_by = rows_take(&r, i, 5);
		row->host = rows_take(&r, i, 6);
		row->git_commit = rows_take(&r, i, 7);
		row->duration_ms = rows_take(&r, i, 8);
		row->no_transaction = nt && strcmp(nt, "0");
		row->has_revert = rows_get(&r, i, 10) && !strcmp(rows_get(&r, i, 10), "1");
		if (flags & HISTORY_WITH_SQL) {
			row->revert_sql = rows_take(&r, i, 11);
			row->verify_sql = rows_take(&r, i, 12);
		}
		if (row->position > h->max_position)
			h->max_position = row->position;
		h->n++;
	}
	h->by_id = xmalloc((h->n + 1) * sizeof(size_t));
	for (i = 0; i < h->n; i++)
		h->by_id[i] = i;
	sort_hist = h;
	qsort(h->by_id, h->n, sizeof(size_t), cmp_row_id);
	sort_hist = NULL;
	ret = 0;
out:
	rows_release(&r);
	free(ts);
	free(sql);
	return ret;
}

const struct history_row *history_find(const struct history *h, const char *id)
{
	size_t lo = 0, hi = h->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int cmp = strcmp(h->rows[h->by_id[mid]].change_id, id);
		if (!cmp)
			return &h->rows[h->by_id[mid]];
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

void history_release(struct history *h)
{
	size_t i;
	for (i = 0; i < h->n; i++) {
		struct history_row *r = &h->rows[i];
		free(r->change_id);
		free(r->checksum);
		free(r->deployed_at);
		free(r->deployed_by);
		free(r->host);
		free(r->git_commit);
		free(r->duration_ms);
		free(r->revert_sql);
		free(r->verify_sql);
	}
	free(h->rows);
	free(h->by_id);
	memset(h, 0, sizeof(*h));
}

int history_event(struct runway_conn *c, const struct audit *a, const char *action,
		  const char *change_id, const char *status, long duration_ms,
		  const char *error, struct runway_error *err)
{
	char now[32], dur[32];
	const char *p[9];

	history_now(now);
	snprintf(dur, sizeof(dur), "%ld", duration_ms);
	p[0] = now;
	p[1] = action;
	p[2] = change_id;
	p[3] = status;
	p[4] = a->actor;
	p[5] = a->host;
	p[6] = a->git_commit;
	p[7] = duration_ms >= 0 ? dur : NULL;
	p[8] = error;
	return driver_query(c, HISTORY_SQL_EVENT, p, 9, NULL, err);
}
