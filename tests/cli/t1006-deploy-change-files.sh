#!/bin/sh
# Change files: requires ordering, unknown requirement and cycle, missing
# revert, SQL before the deploy marker, irreversible, CRLF checksums.
# SQLite.
. "$RUNWAY_SRC/tests/cli/lib.sh"
. "$RUNWAY_SRC/tests/cli/lib-release.sh"
rel_use_sqlite
rel_test_change_files
done_testing
