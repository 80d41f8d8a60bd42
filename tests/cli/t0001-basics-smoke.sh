#!/bin/sh
# The main path on SQLite: init, new, status, deploy, verify, log, revert.
. "$RUNWAY_SRC/tests/cli/lib.sh"

expect_exit 0 runway init
[ -f runway.yml ] && [ -d migrations ] || fail "init wrote nothing"
expect_exit 2 runway init
expect_contains err "exists already"
ok "init, and init refuses to overwrite"

write_change 001_menu "CREATE TABLE menu (id integer PRIMARY KEY, name text);
INSERT INTO menu (name) VALUES ('brisket');" "DROP TABLE menu;" "SELECT id, name FROM menu WHERE 0;"
write_change 002_inventory "CREATE TABLE inventory (menu_id integer REFERENCES menu(id), qty integer);" \
	"DROP TABLE inventory;"
expect_exit 0 runway status
expect_contains out "pending     001_menu"
expect_exit 0 runway deploy
[ "$(sq dev.db 'select count(*) from runway_history')" = 2 ] || fail "history rows"
[ "$(sq dev.db 'select name from menu')" = brisket ] || fail "menu not created"
ok "deploy applies both changes"

expect_exit 0 runway verify
expect_exit 0 runway log
expect_contains out "deploy  ok"
expect_exit 0 runway revert --all
[ "$(sq dev.db "select count(*) from sqlite_master where name in ('menu','inventory')")" = 0 ] ||
	fail "revert left tables"
[ "$(sq dev.db 'select count(*) from runway_history')" = 0 ] || fail "history not emptied"
ok "verify, log, revert --all"
done_testing
