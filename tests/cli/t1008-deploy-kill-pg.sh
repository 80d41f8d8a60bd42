#!/bin/sh
# kill -9 a deploy of 30 changes at random points (RUNWAY_TEST_KILL_RUNS,
# default 20 runs): no change is ever half-applied or recorded without its
# table, none twice, and a re-run completes the rest. PostgreSQL.
. "$RUNWAY_SRC/tests/cli/lib.sh"
. "$RUNWAY_SRC/tests/cli/lib-release.sh"
rel_use_pg
rel_test_kill
done_testing
