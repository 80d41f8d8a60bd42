/* progress.c - see progress.h. */
#include "util/common.h"
#include "util/progress.h"

#include <pthread.h>
#include <stdarg.h>
#include <time.h>
#include <unistd.h>

/* one line at a time, whichever worker draws it */
static pthread_mutex_t draw_lock = PTHREAD_MUTEX_INITIALIZER;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void progress_init(struct progress *p, bool enabled)
{
	p->enabled = enabled;
	p->started = now();
	p->last_draw = 0;
	p->last_len = 0;
}

bool progress_wanted(bool quiet)
{
	return !quiet && isatty(STDOUT_FILENO) && isatty(STDERR_FILENO);
}

double progress_elapsed(const struct progress *p)
{
	return now() - p->started;
}

void progress_draw(struct progress *p, bool force, const char *fmt, ...)
{
	char line[256];
	va_list ap;
	double t;
	size_t n;

	if (!p->enabled)
		return;
	pthread_mutex_lock(&draw_lock);
	t = now();
	if (!force && t - p->last_draw < 0.1) {
		pthread_mutex_unlock(&draw_lock);
		return;
	}
	p->last_draw = t;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	n = strlen(line);
	/* \r and "erase to end of line": a shorter line leaves nothing behind */
	fprintf(stderr, "\r%s\033[K", line);
	fflush(stderr);
	p->last_len = n;
	pthread_mutex_unlock(&draw_lock);
}

void progress_clear(struct progress *p)
{
	if (!p->enabled)
		return;
	pthread_mutex_lock(&draw_lock);
	if (p->last_len) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
		p->last_len = 0;
	}
	pthread_mutex_unlock(&draw_lock);
}

void progress_size(char *buf, size_t len, uint64_t bytes)
{
	static const char *const unit[] = { "B", "kB", "MB", "GB", "TB" };
	double v = (double)bytes;
	size_t u = 0;

	while (v >= 1000 && u + 1 < ARRAY_SIZE(unit)) {
		v /= 1000;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%llu B", (unsigned long long)bytes);
	else
		snprintf(buf, len, "%.1f %s", v, unit[u]);
}

void progress_rate_eta(const struct progress *p, char *buf, size_t len, uint64_t done,
		       uint64_t total)
{
	char rate[32];
	double secs = progress_elapsed(p);
	double bps = secs > 0 ? (double)done / secs : 0;

	progress_size(rate, sizeof(rate), (uint64_t)bps);
	if (total > done && bps > 0) {
		unsigned long eta = (unsigned long)((double)(total - done) / bps);
		snprintf(buf, len, "%s/s, ETA %lu:%02lu", rate, eta / 60, eta % 60);
	} else {
		snprintf(buf, len, "%s/s", rate);
	}
}

void progress_thousands(char *buf, size_t len, uint64_t n)
{
	char tmp[32];
	size_t i, j = 0, digits;

	snprintf(tmp, sizeof(tmp), "%llu", (unsigned long long)n);
	digits = strlen(tmp);
	for (i = 0; i < digits && j + 2 < len; i++) {
		if (i && (digits - i) % 3 == 0)
			buf[j++] = ',';
		buf[j++] = tmp[i];
	}
	buf[j] = '\0';
}
