#!/bin/sh
# Labels (environment labels, status skipped, deploy --labels) and
# out-of-order changes (reported; refused under strict_order).
# PostgreSQL.
. "$RUNWAY_SRC/tests/cli/lib.sh"
. "$RUNWAY_SRC/tests/cli/lib-release.sh"
rel_use_pg
rel_test_labels_order
done_testing
