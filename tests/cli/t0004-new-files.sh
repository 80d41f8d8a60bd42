#!/bin/sh
# new NAME: migrations/<UTC YYYYMMDDHHMMSS>_<slug>.sql with the three
# sections, --requires, --labels, --no-transaction; prints the path; the
# files it writes parse and deploy.
. "$RUNWAY_SRC/tests/cli/lib.sh"
make_project

# local time UTC+14 (a POSIX TZ, no tzdata needed): the id must still be UTC
before=$(date -u +%Y%m%d%H%M%S)
TZ=XYZ-14 expect_exit 0 runway new "Create menu & prices!"
after=$(date -u +%Y%m%d%H%M%S)
path=$(cat out)
echo "$path" | grep -Eqx 'migrations/[0-9]{14}_create_menu_prices\.sql' || fail "new printed '$path'"
[ -f "$path" ] || fail "new did not create '$path'"
stamp=$(basename "$path" | cut -c1-14)
{ [ "$stamp" -ge "$before" ] && [ "$stamp" -le "$after" ]; } || fail "id $stamp is not UTC time ($before..$after)"
expect_contains "$path" "-- runway:deploy"
expect_contains "$path" "-- runway:revert"
expect_contains "$path" "-- runway:verify"
[ "$(grep -c 'runway:' "$path")" = 3 ] || fail "a plain new has header directives"
first=$(basename "$path" .sql)
ok "new NAME: migrations/<UTC stamp>_<slug>.sql with deploy, revert, verify; prints the path"

expect_exit 0 runway new add_price --requires "$first" --labels eu,billing --no-transaction
second=$(cat out)
expect_contains "$second" "-- runway:requires $first"
expect_contains "$second" "-- runway:labels eu billing"
expect_contains "$second" "-- runway:no-transaction"
awk '/runway:deploy/ { exit } /runway:(requires|labels|no-transaction)/ { n++ } END { exit n != 3 }' "$second" ||
	fail "the directives are not in the header"
expect_exit 0 runway --json new third_one --labels us
python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["command"] == "new" and d["path"] == "migrations/" + d["id"] + ".sql" and d["id"].endswith("_third_one"), d' <out ||
	fail "new --json: $(cat out)"
third=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["path"])' <out)
expect_contains "$third" "-- runway:labels us"
ok "new --requires, --labels, --no-transaction, --json"

# fill in the sections and deploy what new wrote
sed -i 's/^-- runway:deploy$/&\nCREATE TABLE menu (id integer PRIMARY KEY, name text);/; s/^-- runway:revert$/&\nDROP TABLE menu;/' "$path"
sed -i 's/^-- runway:deploy$/&\nALTER TABLE menu ADD COLUMN price integer;/; s/^-- runway:revert$/&\nALTER TABLE menu DROP COLUMN price;/' "$second"
expect_exit 0 runway status
expect_contains out "pending     $first"
expect_exit 0 runway deploy
[ "$(sq dev.db "select count(*) from runway_history")" = 3 ] || fail "new's files did not all deploy"
[ "$(sq dev.db "select no_transaction, labels, requires from runway_history where change_id = '$(basename "$second" .sql)'")" = "1|eu billing|$first" ] ||
	fail "history of the second change"
sq dev.db "select price from menu" >/dev/null || fail "the second change did not run"
ok "the files new writes parse and deploy (requires, labels, no-transaction recorded)"

expect_exit 2 runway new
expect_contains err "runway: new: say what the change does"
expect_exit 2 runway new "!!!"
expect_contains err "runway: new: '!!!' has no letters or digits"
expect_exit 2 runway new x --requires "ok_id,bad!"
expect_contains err "runway: new: invalid change id 'bad!' in --requires"
expect_exit 2 runway new a b
[ "$(ls migrations | wc -l)" = 3 ] || fail "a refused new created a file"
ok "new without a usable name or with a bad --requires: exit 2, no file"

# the same name twice within one second: the second is refused, exit 2
n=0
while :; do
	n=$((n + 1))
	s0=$(date -u +%s)
	runway new twice >/dev/null 2>&1 || fail "new twice"
	runway new twice >out 2>err
	rc=$?
	[ "$(date -u +%s)" = "$s0" ] && break
	rm -f migrations/*_twice.sql
	[ $n -lt 5 ] || fail "could not run new twice within one second"
done
[ "$rc" -eq 2 ] || fail "new with an existing id exited $rc"
[ "$(ls migrations/*_twice.sql | wc -l)" = 1 ] || fail "new twice made two files"
expect_contains err "runway: cannot create 'migrations/"
expect_contains err "hint: a change with that id exists"
rm -f migrations/*_twice.sql
ok "new with an id that exists: exit 2, the file is left alone"

mkdir bare
expect_exit 0 runway -C bare new first
[ -f "bare/$(cat out)" ] || fail "new without runway.yml did not create migrations/"
ok "new without runway.yml creates migrations/"
done_testing
