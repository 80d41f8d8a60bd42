#!/bin/sh
# init writes runway.yml and migrations/, never overwrites either, takes
# --db for the dev URL (checked first), and the result works as it is.
. "$RUNWAY_SRC/tests/cli/lib.sh"

expect_exit 0 runway init
expect_contains out "created runway.yml"
[ -d migrations ] || fail "init made no migrations/"
expect_contains runway.yml "default_env: dev"
expect_contains runway.yml "url: sqlite:dev.db"
[ -e dev.db ] && fail "init created the database"
ok "init writes runway.yml (dev -> sqlite:dev.db) and migrations/"

echo "# mine" >>runway.yml
cp runway.yml mine.yml
echo "-- keep" >migrations/keep.txt
expect_exit 2 runway init
expect_contains err "runway: 'runway.yml' exists already; not overwriting it"
cmp -s runway.yml mine.yml || fail "init changed an existing runway.yml"
expect_contains migrations/keep.txt "-- keep"
expect_exit 2 runway --db sqlite:other.db init
cmp -s runway.yml mine.yml || fail "init --db changed an existing runway.yml"
ok "init again: exit 2, runway.yml and migrations/ untouched"

mkdir p2 && mkdir p2/migrations && echo "-- runway:deploy" >p2/migrations/001_x.sql
expect_exit 0 runway -C p2 --db sqlite:p2.db --json init
python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["command"] == "init" and d["config"] == "runway.yml", d' <out ||
	fail "init --json"
expect_contains p2/runway.yml "url: sqlite:p2.db"
expect_contains p2/migrations/001_x.sql "-- runway:deploy"
ok "init -C DIR --db URL --json into a directory with migrations/ keeps them"

mkdir p3
expect_exit 2 runway -C p3 --db "nosuch://x" init
expect_contains err "runway: invalid database URL 'nosuch://x': unknown scheme"
[ -e p3/runway.yml ] && fail "init with a bad URL wrote runway.yml"
ok "init --db with a bad URL: exit 2, nothing written"

mkdir p4
expect_exit 0 runway -C p4 init
cat >p4/migrations/001_menu.sql <<'SQL'
-- runway:deploy
CREATE TABLE menu (id integer);
-- runway:revert
DROP TABLE menu;
SQL
expect_exit 0 runway -C p4 deploy
[ "$(sq p4/dev.db "select count(*) from runway_history")" = 1 ] || fail "the fresh project does not deploy"
ok "the project init wrote deploys as it is"
done_testing
