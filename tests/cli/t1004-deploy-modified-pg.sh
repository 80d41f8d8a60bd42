#!/bin/sh
# Modified changes (deploy section edited) are refused with exit 2 until
# --accept-modified; deleted files show as missing and still revert with the
# SQL stored at deploy time. PostgreSQL.
. "$RUNWAY_SRC/tests/cli/lib.sh"
. "$RUNWAY_SRC/tests/cli/lib-release.sh"
rel_use_pg
rel_test_modified
done_testing
