#!/bin/sh
# Every rule fires on its fixtures and stays quiet on the non-firing ones
# (tests/fixtures/check/<engine>/<rule>/{fire,ok}-N.sql, expectations
# written in the files; see tests/check-fixtures.py). PostgreSQL files are
# parsed by libpg_query, no server needed.
. "$RUNWAY_SRC/tests/cli/lib.sh"

for engine in pg sqlite; do
	/usr/bin/python3 "$RUNWAY_SRC/tests/check-fixtures.py" "$RUNWAY_BIN" \
		"$RUNWAY_SRC/tests/fixtures/check" "$engine" >out 2>err ||
		fail "fixtures of $engine"
	cat out | tail -1
	ok "every $engine rule fires on its fixtures and only there"
done

# the runner itself can fail: a fixture whose expectation is wrong
mkdir -p bad/pg/drop-table
printf -- '-- runway:deploy\n-- expect: drop-table\nSELECT 1;\n-- runway:revert\nSELECT 1;\n' >bad/pg/drop-table/fire-1.sql
printf -- '-- runway:deploy\nDROP TABLE t;\n-- runway:revert\nSELECT 1;\n' >bad/pg/drop-table/ok-1.sql
if /usr/bin/python3 "$RUNWAY_SRC/tests/check-fixtures.py" "$RUNWAY_BIN" "$PWD/bad" pg >out 2>&1; then
	fail "the fixture runner passed wrong expectations"
fi
expect_contains out "fire-1.sql: expected [('drop-table', 3)], got []"
expect_contains out "ok-1.sql: expected [], got"
ok "the runner fails on a wrong expectation"
done_testing
