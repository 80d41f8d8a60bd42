#!/bin/sh
# runway check against a PostgreSQL target: the engine comes from the URL,
# only pending changes are checked, tables of applied changes are existing
# ones (with data), modified applied changes are reported, and check
# changes nothing on the server.
. "$RUNWAY_SRC/tests/cli/lib.sh"
. "$RUNWAY_SRC/tests/cli/lib-pg.sh"
pg_setup

mkdir migrations
write_change 001_orders "CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint);
CREATE INDEX orders_customer ON orders (customer_id);" "DROP TABLE orders;"
write_change 002_note "SET lock_timeout = '2s';
ALTER TABLE orders ADD COLUMN note text NOT NULL;
CREATE INDEX orders_note ON orders (note);" "DROP INDEX orders_note; ALTER TABLE orders DROP COLUMN note;"

expect_exit 0 runway --db "$PG_URL" check --format json
expect_contains out '"errors": 0'
expect_contains out '"warnings": 0'
ok "nothing applied: 002 works on a table 001 creates in the same run"
[ "$(pg_sql "select count(*) from pg_tables where tablename like 'runway%'")" = 0 ] ||
	fail "check created runway's tables"
ok "check creates nothing on the target"

expect_exit 0 runway --db "$PG_URL" deploy --to 001_orders
expect_exit 1 runway --db "$PG_URL" check
expect_contains out "migrations/002_note.sql:3:"
expect_contains out "[add-not-null-column]"
expect_contains out "[create-index-non-concurrently]"
expect_not_contains out "001_orders"
ok "001 applied: its table has rows now, so 002's NOT NULL column and index are findings"

printf '\n-- a comment that changes the checksum\n' >>migrations/001_orders.sql
sed -i 's/customer_id bigint)/customer_id bigint NOT NULL)/' migrations/001_orders.sql
expect_exit 1 runway --db "$PG_URL" check --format json
expect_contains out '"rule": "modified-change"'
ok "an edited applied change is modified-change"

# the PostgreSQL grammar, not SQLite's, judged the files (engine from the URL)
write_change 003_pg_only "SET lock_timeout = '2s';
ALTER TABLE orders ALTER COLUMN note TYPE varchar(20) USING note::varchar(20);" "SELECT 1;"
expect_exit 1 runway --db "$PG_URL" check migrations/003_pg_only.sql
expect_contains out "[column-type-change]"
ok "the engine comes from the target URL"
pg_teardown
done_testing
