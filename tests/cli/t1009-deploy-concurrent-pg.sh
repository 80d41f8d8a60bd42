#!/bin/sh
# 8 concurrent deploys of 100 changes apply each exactly once; with the
# deploy lock held elsewhere (pg_advisory_lock), --lock-timeout 1 exits 3 in time.
# PostgreSQL.
. "$RUNWAY_SRC/tests/cli/lib.sh"
. "$RUNWAY_SRC/tests/cli/lib-release.sh"
rel_use_pg
rel_test_concurrent
done_testing
