/* error.c - see error.h. */
#include "util/common.h"

int runway_error_set(struct runway_error *err, enum runway_eclass klass,
		     const char *fmt, ...)
{
	va_list ap;
	if (!err)
		return -1;
	runway_error_clear(err);
	err->klass = klass;
	va_start(ap, fmt);
	err->msg = xvasprintf(fmt, ap);
	va_end(ap);
	return -1;
}

void runway_error_hint(struct runway_error *err, const char *fmt, ...)
{
	va_list ap;
	if (!err)
		return;
	free(err->hint);
	va_start(ap, fmt);
	err->hint = xvasprintf(fmt, ap);
	va_end(ap);
}

void runway_error_prefix(struct runway_error *err, const char *fmt, ...)
{
	va_list ap;
	char *pre, *msg;
	if (!err)
		return;
	va_start(ap, fmt);
	pre = xvasprintf(fmt, ap);
	va_end(ap);
	msg = xasprintf("%s: %s", pre, err->msg ? err->msg : "unknown error");
	free(pre);
	free(err->msg);
	err->msg = msg;
}

void runway_error_clear(struct runway_error *err)
{
	if (!err)
		return;
	free(err->msg);
	free(err->hint);
	err->msg = NULL;
	err->hint = NULL;
	err->klass = RUNWAY_E_NONE;
}

int runway_error_exit_code(const struct runway_error *err)
{
	switch (err->klass) {
	case RUNWAY_E_NONE:
		return 0;
	case RUNWAY_E_SQL:
	case RUNWAY_E_VERIFY:
	case RUNWAY_E_CHECK:
		return 1;
	case RUNWAY_E_INTERRUPTED:
		return 130; /* 128 + SIGINT, what shells report for Ctrl-C */
	case RUNWAY_E_USAGE:
	case RUNWAY_E_CONFIG:
	case RUNWAY_E_CHANGE:
	case RUNWAY_E_MODIFIED:
		return 2;
	case RUNWAY_E_CONN:
	case RUNWAY_E_LOCK:
	case RUNWAY_E_IO:
	case RUNWAY_E_INTERNAL:
		return 3;
	}
	return 3;
}

void runway_error_print(const struct runway_error *err)
{
	fprintf(stderr, "runway: %s\n", err->msg ? err->msg : "unknown error");
	if (err->hint)
		fprintf(stderr, "hint: %s\n", err->hint);
}
