#!/bin/sh
# Change files: requires ordering, unknown requirement and cycle, missing
# revert, SQL before the deploy marker, irreversible, CRLF checksums.
# PostgreSQL.
. "$RUNWAY_SRC/tests/cli/lib.sh"
. "$RUNWAY_SRC/tests/cli/lib-release.sh"
rel_use_pg
rel_test_change_files
done_testing
