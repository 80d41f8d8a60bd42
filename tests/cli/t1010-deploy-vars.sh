#!/bin/sh
# ${name} placeholders in change files come from the environment's vars;
# an unknown one is exit 2 and nothing is applied. SQLite.
. "$RUNWAY_SRC/tests/cli/lib.sh"
. "$RUNWAY_SRC/tests/cli/lib-release.sh"
rel_use_sqlite
rel_test_vars
done_testing
