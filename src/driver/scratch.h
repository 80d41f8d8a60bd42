/*
 * scratch.h - a throwaway database of the target's engine, for runway test.
 *
 *   SQLite      a new file in $TMPDIR (or the path a sqlite: URL names,
 *               which must not exist yet); dropped = the file (and its
 *               -wal, -shm and -runway.lock companions) removed.
 *   PostgreSQL  CREATE DATABASE runway_test_<pid>_<random> on the server
 *               the URL points at (the user needs CREATEDB); dropped with
 *               DROP DATABASE ... WITH (FORCE), so sessions left behind by a
 *               killed run do not keep it alive.
 *
 * The name is made by runway, never taken from input, and quoted.
 */
#ifndef RUNWAY_SCRATCH_H
#define RUNWAY_SCRATCH_H

#include <stdbool.h>
#include "driver/driver.h"

struct scratch {
	struct runway_url url;     /* of the scratch database; url.redacted to show */
	char *name;                /* database name or file path */
	struct runway_conn *admin; /* PostgreSQL: the server connection that made it */
	bool created;
};
#define SCRATCH_INIT { RUNWAY_URL_INIT, NULL, NULL, false }

/*
 * Make a scratch database like base (its engine, its server). given: base
 * is the user's --scratch URL, so a sqlite: path there is the file to use.
 */
int scratch_create(struct scratch *s, const struct runway_url *base, bool given,
		   struct runway_error *err);
/* Drop it (best effort; never fails) and release s. */
void scratch_drop(struct scratch *s);

#endif
