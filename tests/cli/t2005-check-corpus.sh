#!/bin/sh
# The clean corpora (tests/fixtures/check/corpus/<engine>/migrations: 43
# realistic PostgreSQL and 18 SQLite migrations written the safe way) give
# zero findings, all at once and file by file.
. "$RUNWAY_SRC/tests/cli/lib.sh"
C=$RUNWAY_SRC/tests/fixtures/check/corpus

n=$(ls "$C/pg/migrations" | wc -l)
[ "$n" -ge 30 ] || fail "the PostgreSQL corpus has $n migrations, fewer than 30"
for engine in pg sqlite; do
	mkdir -p "$engine"
	printf 'migrations: %s/%s/migrations\n' "$C" "$engine" >"$engine/runway.yml"
	expect_exit 0 runway -C "$engine" check --all --engine "$engine" --format json
	expect_contains out '"errors": 0'
	expect_contains out '"warnings": 0'
	for f in "$C/$engine/migrations"/*.sql; do
		expect_exit 0 runway -C "$engine" check --engine "$engine" "$f"
		expect_contains out "1 change checked: no findings"
	done
	ok "$engine corpus: no findings, together and file by file"
done
done_testing
