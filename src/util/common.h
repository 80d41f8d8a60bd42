/*
 * common.h - included first by every .c file of runway.
 *
 * Pulls in the system headers nearly every file needs, the small helpers
 * (xalloc, buf, error) and, last, banned.h so that unsafe libc calls are
 * compile errors everywhere (see git's git-compat-util.h).
 */
#ifndef RUNWAY_COMMON_H
#define RUNWAY_COMMON_H

#define _GNU_SOURCE 1

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <ctype.h>

#define RUNWAY_VERSION "0.1.0"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#if defined(__GNUC__)
#define RUNWAY_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define RUNWAY_NORETURN __attribute__((noreturn))
#else
#define RUNWAY_PRINTF(f, a)
#define RUNWAY_NORETURN
#endif

#include "util/xalloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/banned.h"

#endif
