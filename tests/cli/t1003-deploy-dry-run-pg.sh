#!/bin/sh
# deploy --dry-run and revert --dry-run print the SQL and change nothing:
# the full dump is the same before and after, no history tables appear.
# PostgreSQL.
. "$RUNWAY_SRC/tests/cli/lib.sh"
. "$RUNWAY_SRC/tests/cli/lib-release.sh"
rel_use_pg
rel_test_dry_run
done_testing
