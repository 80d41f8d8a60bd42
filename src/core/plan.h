/*
 * plan.h - the change files of a project, in deploy order.
 *
 * Order: by id, except that a change comes after every change it requires
 * (a topological order that picks the smallest id among the ready ones).
 * An unknown requirement or a cycle is an error.
 */
#ifndef RUNWAY_PLAN_H
#define RUNWAY_PLAN_H

#include "core/change.h"

struct runway_error;

struct plan {
	struct change *changes; /* in deploy order */
	size_t n;
	size_t *by_id;          /* indexes into changes, sorted by id, for plan_find */
};
#define PLAN_INIT { NULL, 0, NULL }

/* Read every *.sql file of dir. */
int plan_load(struct plan *p, const char *dir, struct runway_error *err);
/* Order an already filled plan (used by plan_load; exposed for tests). */
int plan_order(struct plan *p, struct runway_error *err);
/* The change with that id (borrowed), or NULL. */
const struct change *plan_find(const struct plan *p, const char *id);
/* Its position in deploy order, or -1. */
long plan_index(const struct plan *p, const char *id);
void plan_release(struct plan *p);

#endif
