#!/bin/sh
# test.sh - configure, build (warnings are errors) and run the whole test
# suite: unit, CLI, fuzz corpora, and PostgreSQL tests against a cluster the
# harness starts itself.
#
#   BUILD_DIR=build            where to build
#   RUNWAY_SANITIZE=address,undefined   build with sanitizers
#   RUNWAY_TEST_PG=optional    skip (instead of fail) the PostgreSQL tests without a server
#   CTEST_ARGS="-L unit"       extra ctest arguments
set -eu
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
# install-deps.sh installs PostgreSQL: its tests fail rather than skip
RUNWAY_TEST_PG=${RUNWAY_TEST_PG:-required}
export RUNWAY_TEST_PG
JOBS=$(nproc 2>/dev/null || echo 2)

cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRUNWAY_WERROR=ON \
	-DRUNWAY_SANITIZE="${RUNWAY_SANITIZE:-}" >/dev/null
cmake --build "$BUILD_DIR" -j "$JOBS"

if [ -n "${RUNWAY_SANITIZE:-}" ]; then
	ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1:exitcode=86}
	UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:exitcode=86}
	export ASAN_OPTIONS UBSAN_OPTIONS
fi
cd "$BUILD_DIR"
# shellcheck disable=SC2086
ctest --output-on-failure -j "$JOBS" ${CTEST_ARGS:-}
