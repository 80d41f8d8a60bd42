#!/bin/sh
# Labels (environment labels, status skipped, deploy --labels) and
# out-of-order changes (reported; refused under strict_order).
# SQLite.
. "$RUNWAY_SRC/tests/cli/lib.sh"
. "$RUNWAY_SRC/tests/cli/lib-release.sh"
rel_use_sqlite
rel_test_labels_order
done_testing
