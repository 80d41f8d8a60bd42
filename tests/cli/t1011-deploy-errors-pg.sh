#!/bin/sh
# Errors exit with the right status (2 request, 3 environment) and leave
# the target untouched. PostgreSQL.
. "$RUNWAY_SRC/tests/cli/lib.sh"
. "$RUNWAY_SRC/tests/cli/lib-release.sh"
rel_use_pg
rel_test_errors
done_testing
