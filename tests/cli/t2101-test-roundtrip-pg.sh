#!/bin/sh
# runway test on PostgreSQL: the same round trip in a temporary database
# on the target's server, dropped also on SIGINT.
. "$RUNWAY_SRC/tests/cli/lib.sh"
. "$RUNWAY_SRC/tests/cli/lib-release.sh"
. "$RUNWAY_SRC/tests/cli/lib-roundtrip.sh"
rel_use_pg
rt_test_roundtrip
pg_teardown
done_testing
