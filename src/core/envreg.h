/*
 * envreg.h - the registry of runways: one JSON file per runway in
 * .runway/envs/NAME.json of the project (SPEC §6).
 *
 *	{ "name": "feature-x", "from": "prod", "ref": null,
 *	  "engine": "postgres", "url": "postgres://app:***@db/runway_env_feature_x",
 *	  "target": null, "database": "runway_env_feature_x",
 *	  "state": "ready", "pid": 4242, "masked": true,
 *	  "created": "2026-11-21T09:30:00Z", "expires": "2026-11-21T13:30:00Z" }
 *
 * url is for people (password redacted). target is the URL template the
 * runway was made with, {name} applied and ${VAR} left unexpanded, so no
 * secret is ever written here; null means "the server of environment
 * `from`, database `database`". database is the PostgreSQL database or the
 * SQLite file.
 *
 * An entry is written with state "creating" and the pid of the process
 * before anything is made, so a run killed half-way leaves a trace that
 * `env list` shows as failed and `env gc` cleans up; it becomes "ready"
 * once the clone and the deploy are done. Files are replaced atomically
 * (write a temporary file, rename).
 */
#ifndef RUNWAY_ENVREG_H
#define RUNWAY_ENVREG_H

#include <stdbool.h>
#include <time.h>

#include "util/vec.h"

struct runway_error;

#define ENVREG_DIR ".runway/envs"

struct envreg_entry {
	char *name;
	char *from;     /* source environment */
	char *ref;      /* git ref whose changes were deployed, or NULL (work tree) */
	char *engine;   /* "sqlite", "postgres" */
	char *url;      /* redacted */
	char *target;   /* URL template, ${VAR} unexpanded; NULL: derived from `from` */
	char *database; /* database name or SQLite path */
	char *state;    /* "creating", "ready" */
	long pid;       /* the process that created it */
	bool masked;
	time_t created;
	time_t expires; /* 0: never */
};

/* Names: 1-40 of [a-z0-9_-], starting with a letter or digit. */
int envreg_name_check(const char *name, struct runway_error *err);
/* "30m", "4h", "2d", "1w", "90s" -> seconds (RUNWAY_E_USAGE otherwise). */
int envreg_parse_ttl(const char *s, long *seconds, struct runway_error *err);

/* Load NAME; a missing entry is RUNWAY_E_USAGE "no runway named 'x'". */
int envreg_load(struct envreg_entry *e, const char *name, struct runway_error *err);
bool envreg_exists(const char *name);
int envreg_save(const struct envreg_entry *e, struct runway_error *err);
/* Save a new entry; RUNWAY_E_USAGE when one of that name exists (atomic). */
int envreg_create(const struct envreg_entry *e, struct runway_error *err);
int envreg_remove(const char *name, struct runway_error *err);
/* Names of the registered runways, sorted. */
int envreg_list(struct strvec *names, struct runway_error *err);
void envreg_release(struct envreg_entry *e);

/*
 * What a runway is now: "ready", "expired" (ready, past its expiry),
 * "creating" (its creator still runs), "failed" (its creator is gone).
 */
const char *envreg_state(const struct envreg_entry *e, time_t now);

/* ISO-8601 UTC ("2026-11-21T09:30:00Z") into buf; and back (-1 when bad). */
void envreg_time_format(char *buf, size_t len, time_t t);
int envreg_time_parse(const char *s, time_t *out);

#endif
