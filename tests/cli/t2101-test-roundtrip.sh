#!/bin/sh
# runway test on SQLite: reverts that forget a column or an index, or drop
# too much, are caught with the change named; the scratch file always goes.
. "$RUNWAY_SRC/tests/cli/lib.sh"
. "$RUNWAY_SRC/tests/cli/lib-release.sh"
. "$RUNWAY_SRC/tests/cli/lib-roundtrip.sh"
rel_use_sqlite
rt_test_roundtrip
done_testing
