/*
 * trace.h - RUNWAY_TRACE_SQL=1 wraps every connection in a driver that logs
 * each call to stderr and forwards it (git/git: refs/debug.c).
 */
#ifndef RUNWAY_TRACE_H
#define RUNWAY_TRACE_H

struct runway_conn;

/* Replace *conn by a tracing wrapper when RUNWAY_TRACE_SQL is set. */
void trace_wrap(struct runway_conn **conn);

#endif
