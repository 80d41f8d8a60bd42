/*
 * driver.c - the wrappers every caller uses, the scheme table, and the
 * defaults of optional driver methods (sqlite/sqlite: src/os.c).
 *
 * The scheme table lists every engine runway knows, built in or not, so a
 * URL for a missing engine says "built without" (exit 3) instead of
 * "unknown URL" (curl/curl: lib/protocol.c).
 */
#include "util/common.h"
#include <unistd.h>
#include "driver/driver_impl.h"
#include "driver/trace.h"

struct scheme {
	const char *name; /* canonical name from url_parse */
	const char *label;
	const struct runway_driver *drv; /* NULL: not built in */
};

static const struct scheme schemes[] = {
	{ "sqlite", "SQLite", &runway_driver_sqlite },
#ifdef RUNWAY_WITH_POSTGRES
	{ "postgres", "PostgreSQL", &runway_driver_postgres },
#else
	{ "postgres", "PostgreSQL", NULL },
#endif
#ifdef RUNWAY_WITH_MYSQL
	{ "mysql", "MySQL", &runway_driver_mysql },
#else
	{ "mysql", "MySQL", NULL },
#endif
};

const char *rows_get(const struct runway_rows *r, size_t row, size_t col)
{
	if (!r || row >= r->nrows || col >= r->ncols)
		return NULL;
	return r->cells[row * r->ncols + col];
}

char *rows_take(struct runway_rows *r, size_t row, size_t col)
{
	char *v;
	if (!r || row >= r->nrows || col >= r->ncols)
		return NULL;
	v = r->cells[row * r->ncols + col];
	r->cells[row * r->ncols + col] = NULL;
	return v;
}

void rows_alloc(struct runway_rows *r, size_t nrows, size_t ncols)
{
	r->nrows = nrows;
	r->ncols = ncols;
	r->names = xcalloc(ncols ? ncols : 1, sizeof(char *));
	r->cells = xcalloc(nrows * ncols + 1, sizeof(char *));
}

void rows_release(struct runway_rows *r)
{
	size_t i;
	if (!r)
		return;
	for (i = 0; r->names && i < r->ncols; i++)
		free(r->names[i]);
	for (i = 0; r->cells && i < r->nrows * r->ncols; i++)
		free(r->cells[i]);
	free(r->names);
	free(r->cells);
	memset(r, 0, sizeof(*r));
}

int driver_connect(struct runway_conn **out, const struct runway_url *url,
		   struct runway_error *err)
{
	size_t i;
	*out = NULL;
	for (i = 0; i < ARRAY_SIZE(schemes); i++) {
		if (strcmp(schemes[i].name, url->scheme))
			continue;
		if (!schemes[i].drv) {
			runway_error_set(err, RUNWAY_E_IO,
					 "runway was built without %s support", schemes[i].label);
			runway_error_hint(err, "rebuild runway with the %s client library installed",
					  schemes[i].label);
			return -1;
		}
		if (schemes[i].drv->connect(out, url, err) < 0)
			return -1;
		(*out)->drv = schemes[i].drv;
		(*out)->url_redacted = xstrdup(url->redacted);
		trace_wrap(out);
		return 0;
	}
	return runway_error_set(err, RUNWAY_E_CONFIG, "unknown database scheme '%s'", url->scheme);
}

void driver_interrupt(struct runway_conn *c)
{
	if (c && c->drv->interrupt)
		c->drv->interrupt(c);
}

void driver_close(struct runway_conn *c)
{
	char *u;
	if (!c)
		return;
	u = c->url_redacted;
	c->drv->close(c);
	free(u);
}

const char *driver_name(const struct runway_conn *c)
{
	return c->drv->name;
}

unsigned driver_caps(const struct runway_conn *c)
{
	return c->drv->caps;
}

const char *driver_url(const struct runway_conn *c)
{
	return c->url_redacted ? c->url_redacted : "";
}

int driver_exec(struct runway_conn *c, const char *sql, struct runway_error *err)
{
	return c->drv->exec(c, sql, err);
}

int driver_exec_script(struct runway_conn *c, const char *sql, size_t len,
		       size_t *fail_offset, struct runway_error *err)
{
	size_t dummy;
	if (!fail_offset)
		fail_offset = &dummy;
	*fail_offset = DRIVER_NO_OFFSET;
	return c->drv->exec_script(c, sql, len, fail_offset, err);
}

int driver_query(struct runway_conn *c, const char *sql,
		 const char *const *params, size_t nparams,
		 struct runway_rows *out, struct runway_error *err)
{
	if (out)
		memset(out, 0, sizeof(*out));
	return c->drv->query(c, sql, params, nparams, out, err);
}

int driver_begin(struct runway_conn *c, struct runway_error *err)
{
	return c->drv->begin ? c->drv->begin(c, err) : c->drv->exec(c, "BEGIN", err);
}

int driver_commit(struct runway_conn *c, struct runway_error *err)
{
	return c->drv->commit ? c->drv->commit(c, err) : c->drv->exec(c, "COMMIT", err);
}

int driver_rollback(struct runway_conn *c, struct runway_error *err)
{
	return c->drv->rollback ? c->drv->rollback(c, err) : c->drv->exec(c, "ROLLBACK", err);
}

/* Default run_batch: begin, script, bookkeeping, commit; rollback on failure. */
static int default_run_batch(struct runway_conn *c, const struct runway_batch *b,
			     size_t *fail_offset, struct runway_error *err)
{
	struct runway_error ignore = RUNWAY_ERROR_INIT;
	size_t i;

	if (b->transactional && driver_begin(c, err) < 0)
		return -1;
	if (c->drv->exec_script(c, b->script, b->script_len, fail_offset, err) < 0)
		goto fail;
	*fail_offset = DRIVER_NO_OFFSET;
	for (i = 0; i < b->nafter; i++)
		if (c->drv->query(c, b->after[i].sql, b->after[i].params,
				  b->after[i].nparams, NULL, err) < 0)
			goto fail;
	if (b->transactional && driver_commit(c, err) < 0)
		goto fail;
	return 0;
fail:
	if (b->transactional)
		driver_rollback(c, &ignore);
	runway_error_clear(&ignore);
	return -1;
}

int driver_run_batch(struct runway_conn *c, const struct runway_batch *b,
		     size_t *fail_offset, struct runway_error *err)
{
	size_t dummy;
	if (!fail_offset)
		fail_offset = &dummy;
	*fail_offset = DRIVER_NO_OFFSET;
	if (c->drv->run_batch)
		return c->drv->run_batch(c, b, fail_offset, err);
	return default_run_batch(c, b, fail_offset, err);
}

int driver_lock(struct runway_conn *c, int timeout_ms, struct runway_error *err)
{
	return c->drv->lock(c, timeout_ms, err);
}

int driver_unlock(struct runway_conn *c, struct runway_error *err)
{
	return c->drv->unlock(c, err);
}

int driver_table_exists(struct runway_conn *c, const char *name, bool *out,
			struct runway_error *err)
{
	return c->drv->table_exists(c, name, out, err);
}

const char *driver_history_ddl(const struct runway_conn *c)
{
	return c->drv->history_ddl;
}

char *driver_ts_text(const struct runway_conn *c, const char *col)
{
	const char *fmt = c->drv->ts_text_fmt ? c->drv->ts_text_fmt : "%s";
	struct runway_buf b = RUNWAY_BUF_INIT;
	const char *p = strstr(fmt, "%s");
	/* the format comes from the driver, but stay off printf with it */
	runway_buf_add(&b, fmt, (size_t)(p - fmt));
	runway_buf_adds(&b, col);
	runway_buf_adds(&b, p + 2);
	return runway_buf_detach(&b);
}

char *driver_elapsed_ms(const struct runway_conn *c, const char *param)
{
	const char *fmt = c->drv->elapsed_ms_fmt, *p;
	struct runway_buf b = RUNWAY_BUF_INIT;
	if (!fmt)
		return xstrdup("NULL");
	while ((p = strstr(fmt, "%s")) != NULL) {
		runway_buf_add(&b, fmt, (size_t)(p - fmt));
		runway_buf_adds(&b, param);
		fmt = p + 2;
	}
	runway_buf_adds(&b, fmt);
	return runway_buf_detach(&b);
}

int driver_drop_database(struct runway_conn *admin, const char *name, int tries,
			 struct runway_error *err)
{
	struct runway_buf sql = RUNWAY_BUF_INIT;
	int i, ret;

	runway_buf_adds(&sql, "DROP DATABASE IF EXISTS ");
	sql_quote_ident(&sql, name);
	runway_buf_adds(&sql, " WITH (FORCE)");
	for (i = 0; (ret = driver_exec(admin, sql.buf, err)) < 0 && i < tries; i++) {
		runway_error_clear(err);
		usleep(100 * 1000);
	}
	runway_buf_release(&sql);
	return ret;
}
