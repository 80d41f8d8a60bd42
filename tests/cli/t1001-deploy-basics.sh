#!/bin/sh
# deploy (--to), status (--json, -v), log (-n, --change, --json), verify
# (pass, fail -> 1), revert (--to, --steps, --all, --dry-run) on SQLite.
. "$RUNWAY_SRC/tests/cli/lib.sh"
. "$RUNWAY_SRC/tests/cli/lib-release.sh"
rel_use_sqlite
rel_test_basics
done_testing
