/*
 * postgres.h - what runway's PostgreSQL clone needs beyond driver.h: the
 * libpq handle of a connection made by driver_connect, so there is one
 * connect path (and one place that scrubs passwords from its errors)
 * while COPY and binary parameters go through libpq directly.
 */
#ifndef RUNWAY_POSTGRES_H
#define RUNWAY_POSTGRES_H

#include <libpq-fe.h>

struct runway_conn;

/*
 * The libpq handle of c (borrowed: it lives as long as c), or NULL when c
 * is not a PostgreSQL connection of this driver (another engine, or one
 * wrapped by RUNWAY_TRACE_SQL / RUNWAY_FAULT_AT, see driver/trace.h).
 */
PGconn *pg_handle(struct runway_conn *c);

/*
 * Also hand every notice and INFO message (VACUUM VERBOSE's) of c to fn,
 * or stop with fn NULL. Returns -1 when c is not one of this driver's
 * connections (see pg_handle).
 */
int pg_notice_hook(struct runway_conn *c, void (*fn)(void *arg, const PGresult *res),
		   void *arg);

#endif
