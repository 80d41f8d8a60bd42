#!/bin/sh
# The main path on PostgreSQL: deploy (transactional, no-transaction, a
# failing change), status, log, verify, revert; no password in messages.
. "$RUNWAY_SRC/tests/cli/lib.sh"
. "$RUNWAY_SRC/tests/cli/lib-pg.sh"
pg_setup

mkdir migrations
write_change 001_menu "CREATE TABLE menu (id serial PRIMARY KEY, name text);
INSERT INTO menu (name) VALUES ('brisket');" "DROP TABLE menu;" "SELECT id, name FROM menu WHERE false;"
write_change 002_inventory "CREATE TABLE inventory (menu_id integer REFERENCES menu(id), qty integer);
CREATE FUNCTION stock() RETURNS int LANGUAGE plpgsql AS \$\$
BEGIN
  RETURN (SELECT coalesce(sum(qty), 0) FROM inventory);
END;
\$\$;" "DROP FUNCTION stock(); DROP TABLE inventory;"
write_change 003_index "CREATE INDEX CONCURRENTLY inventory_menu ON inventory (menu_id);" \
	"DROP INDEX CONCURRENTLY inventory_menu;" "" "-- runway:no-transaction"
write_change 004_broken "CREATE TABLE broken (a int);
INSERT INTO nope VALUES (1);" "DROP TABLE broken;"

expect_exit 0 runway --db "$PG_URL" status
expect_contains out "pending     001_menu"
expect_exit 1 runway --db "$PG_URL" deploy
expect_contains err "migrations/004_broken.sql:3: relation \"nope\" does not exist"
[ "$(pg_sql 'select count(*) from runway_history')" = 3 ] || fail "history rows"
[ "$(pg_sql "select to_regclass('broken') is null")" = t ] || fail "failed change left a table"
[ "$(pg_sql "select count(*) from pg_indexes where indexname = 'inventory_menu'")" = 1 ] ||
	fail "no-transaction change"
[ "$(pg_sql 'select stock()')" = 0 ] || fail "dollar-quoted function"
ok "deploy applies three changes and rolls back the broken one"

expect_exit 0 runway --db "$PG_URL" log
expect_contains out "deploy  fail  004_broken"
rm migrations/004_broken.sql
expect_exit 0 runway --db "$PG_URL" verify
expect_exit 0 runway --db "$PG_URL" revert --all
[ "$(pg_sql 'select count(*) from runway_history')" = 0 ] || fail "history not emptied"
[ "$(pg_sql "select count(*) from pg_tables where schemaname = 'public' and tablename not like 'runway_%'")" = 0 ] ||
	fail "revert left tables"
ok "log, verify, revert --all"

port=${PG_ADMIN_URL##*:}
port=${port%%/*}
expect_exit 3 runway --db "postgres://runway_pw:wrong-s3cret@127.0.0.1:$port/postgres" status
expect_contains err "cannot connect to 'postgres://runway_pw:***@127.0.0.1:$port/postgres'"
expect_not_contains err "wrong-s3cret"
ok "a failed login exits 3 without showing the password"
done_testing
