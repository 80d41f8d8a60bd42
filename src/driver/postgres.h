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

#endif
