#!/bin/sh
# BEGIN, COMMIT or ROLLBACK inside a change would end runway's transaction
# early: refused before anything of the change commits; savepoints and
# no-transaction changes are fine. PostgreSQL.
. "$RUNWAY_SRC/tests/cli/lib.sh"
. "$RUNWAY_SRC/tests/cli/lib-release.sh"
rel_use_pg
rel_test_txn_control
done_testing
