#!/bin/sh
# ${name} placeholders in change files come from the environment's vars;
# an unknown one is exit 2 and nothing is applied. PostgreSQL.
. "$RUNWAY_SRC/tests/cli/lib.sh"
. "$RUNWAY_SRC/tests/cli/lib-release.sh"
rel_use_pg
rel_test_vars
done_testing
