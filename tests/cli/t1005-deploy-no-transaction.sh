#!/bin/sh
# -- runway:no-transaction changes; one failing half-way is
# interrupted, blocks deploy (exit 2), and deploy --resume or revert settles
# it. SQLite.
. "$RUNWAY_SRC/tests/cli/lib.sh"
. "$RUNWAY_SRC/tests/cli/lib-release.sh"
rel_use_sqlite
rel_test_no_transaction
done_testing
