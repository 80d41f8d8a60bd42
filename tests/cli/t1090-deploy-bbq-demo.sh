#!/bin/sh
# examples/bbq/demo.sh runs to the end against the binary under test, and
# the BBQ example's changes deploy, verify and revert on SQLite.
. "$RUNWAY_SRC/tests/cli/lib.sh"

command -v bash >/dev/null || skip "no bash"
command -v sqlite3 >/dev/null || skip "no sqlite3 shell"
TMPDIR="$TEST_DIR" RUNWAY="$RUNWAY_BIN" expect_exit 0 bash "$RUNWAY_SRC/examples/bbq/demo.sh"
expect_contains out "== 10. final status"
expect_contains out "5 applied, 0 pending"
expect_contains out "5 verified, 0 failed"
expect_contains out "  - 20261122101500_add_city_state_to_warehouses"
for f in bbq.db bbq.db-runway.lock .git; do
	[ -e "$RUNWAY_SRC/examples/bbq/$f" ] && fail "the demo wrote examples/bbq/$f into the source tree"
done
ls "$TEST_DIR"/runway-bbq.* >/dev/null 2>&1 && fail "the demo left its temporary copy behind"
ok "demo.sh runs every step and cleans up"

# the seed change's verify section catches a lost row
cp -R "$RUNWAY_SRC/examples/bbq/runway.yml" "$RUNWAY_SRC/examples/bbq/migrations" .
expect_exit 0 runway deploy
sq bbq.db "DELETE FROM inventory WHERE menu_id = 1 AND warehouse_id = 1"
expect_exit 1 runway verify
expect_contains out "x 20261121093300_seed (verify failed)"
expect_contains out "migrations/20261121093300_seed.sql:48: integer overflow"
expect_exit 0 runway revert --all
[ "$(sq bbq.db "SELECT count(*) FROM sqlite_master WHERE name IN ('menu', 'warehouses', 'inventory')")" = 0 ] ||
	fail "revert --all left tables"
ok "the seed's verify fails on a missing row; revert --all removes everything"
done_testing
