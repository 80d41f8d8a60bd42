#!/bin/sh
# A change that fails (in deploy or verify) leaves nothing of itself behind:
# exit 1, file:line and the database's message, a fail event; the changes
# before it stay; fixing the file and deploying again goes on. SQLite.
. "$RUNWAY_SRC/tests/cli/lib.sh"
. "$RUNWAY_SRC/tests/cli/lib-release.sh"
rel_use_sqlite
rel_test_failure
done_testing
