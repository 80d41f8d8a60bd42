#!/bin/sh
# deploy (--to), status (--json, -v), log (-n, --change, --json), verify
# (pass, fail -> 1), revert (--to, --steps, --all, --dry-run) on PostgreSQL.
. "$RUNWAY_SRC/tests/cli/lib.sh"
. "$RUNWAY_SRC/tests/cli/lib-release.sh"
rel_use_pg
rel_test_basics
done_testing
