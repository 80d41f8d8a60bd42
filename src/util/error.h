/*
 * error.h - the one error type of runway.
 *
 * Functions below the CLI return 0 on success and -1 on failure, and describe
 * the failure in a struct runway_error passed as their last argument. Only
 * main.c turns an error into an exit status (runway_error_exit_code) and
 * prints it as "runway: <msg>" followed by the optional hint.
 *
 * Messages are lower case without a full stop, say what failed first and
 * quote their subject: "cannot open 'migrations': no such directory".
 */
#ifndef RUNWAY_ERROR_H
#define RUNWAY_ERROR_H

enum runway_eclass {
	RUNWAY_E_NONE = 0,
	RUNWAY_E_USAGE,    /* bad command line                          -> 2 */
	RUNWAY_E_CONFIG,   /* runway.yml, URL, environment, variables   -> 2 */
	RUNWAY_E_CHANGE,   /* malformed change file, plan errors        -> 2 */
	RUNWAY_E_MODIFIED, /* edited history, interrupted change        -> 2 */
	RUNWAY_E_CONN,     /* cannot connect or authenticate            -> 3 */
	RUNWAY_E_LOCK,     /* deploy lock held past the timeout         -> 3 */
	RUNWAY_E_IO,       /* file system, missing server tool          -> 3 */
	RUNWAY_E_INTERNAL, /* should not happen                         -> 3 */
	RUNWAY_E_SQL,      /* a change failed and was rolled back       -> 1 */
	RUNWAY_E_VERIFY,   /* verify failed                             -> 1 */
	RUNWAY_E_CHECK,    /* a check or comparison found a problem     -> 1 */
	RUNWAY_E_INTERRUPTED, /* stopped by SIGINT/SIGTERM (cleaned up) -> 130 */
};

struct runway_error {
	enum runway_eclass klass;
	char *msg;  /* what failed and why; NULL while no error is set */
	char *hint; /* optional: what the user can do next */
};

#define RUNWAY_ERROR_INIT { RUNWAY_E_NONE, NULL, NULL }

/* Set the error (replacing any earlier one); always returns -1. */
int runway_error_set(struct runway_error *err, enum runway_eclass klass,
		     const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Attach a hint to the error already set. */
void runway_error_hint(struct runway_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Prefix the message with context: "<prefix>: <old message>". */
void runway_error_prefix(struct runway_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void runway_error_clear(struct runway_error *err);
int runway_error_exit_code(const struct runway_error *err);
/* Print "runway: msg" and "hint: ..." to stderr. */
void runway_error_print(const struct runway_error *err);

#endif
