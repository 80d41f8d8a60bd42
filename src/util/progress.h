/*
 * progress.h - one status line for long work (clone, mask), redrawn in
 * place on a terminal, silent otherwise (SPEC §3: "shows progress on a
 * terminal and stays quiet when stdout is not one").
 *
 * The line goes to stderr so stdout stays the command's result. Drawing is
 * rate-limited (at most 10 times a second) and thread-safe, so workers may
 * call progress_draw() as often as they like; the caller formats the line.
 * progress_rate_eta() formats the usual "12.3 MB/s, ETA 0:42" tail.
 */
#ifndef RUNWAY_PROGRESS_H
#define RUNWAY_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

struct progress {
	bool enabled;      /* stdout and stderr are terminals and not quiet */
	double started;    /* monotonic seconds */
	double last_draw;
	size_t last_len;   /* width of the line drawn, to clear it */
};

/* enabled is the caller's decision (use progress_wanted() for the usual one). */
void progress_init(struct progress *p, bool enabled);
/* stdout and stderr are terminals (and quiet is false). */
bool progress_wanted(bool quiet);
/* Seconds since progress_init. */
double progress_elapsed(const struct progress *p);
/* Redraw the line (printf format) unless drawn < 100 ms ago; force draws anyway. */
void progress_draw(struct progress *p, bool force, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Clear the line (call before printing anything else, and at the end). */
void progress_clear(struct progress *p);
/*
 * "1.2 GB" style size into buf; and "12.3 MB/s, ETA 0:42" from done/total
 * bytes (total 0: no ETA) since progress_init.
 */
void progress_size(char *buf, size_t len, uint64_t bytes);
/* 1234567 -> "1,234,567" into buf. */
void progress_thousands(char *buf, size_t len, uint64_t n);
void progress_rate_eta(const struct progress *p, char *buf, size_t len, uint64_t done,
		       uint64_t total);

#endif
