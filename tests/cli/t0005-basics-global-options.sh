#!/bin/sh
# Global options, before and after the command and in their =/attached
# forms: -C DIR, -e ENV, --db URL, --json, -q, -v, --no-color (and colour
# on a terminal, NO_COLOR).
. "$RUNWAY_SRC/tests/cli/lib.sh"

mkdir proj
cd proj || fail "cd"
make_project
cat >>runway.yml <<'YML'
  qa:
    url: sqlite:qa.db
YML
write_change 001_menu "CREATE TABLE menu (id integer);" "DROP TABLE menu;" "SELECT id FROM menu WHERE 0;"
cd "$TEST_DIR" || fail "cd"

expect_exit 0 runway -C proj deploy
[ -f proj/dev.db ] || fail "-C proj: the database is not in proj/"
[ -e dev.db ] && fail "-C proj created dev.db outside proj/"
expect_exit 0 runway -Cproj status
expect_contains out "applied     001_menu"
expect_exit 0 runway status -C proj
expect_contains out "applied     001_menu"
expect_exit 2 runway -C no-such-dir status
expect_contains err "runway: cannot change to 'no-such-dir'"
ok "-C DIR (also -CDIR and after the command): runway.yml, migrations and sqlite paths relative to DIR"

expect_exit 0 runway -C proj -e qa deploy
[ "$(sq proj/qa.db "select count(*) from runway_history")" = 1 ] || fail "-e qa did not deploy to qa.db"
expect_contains out "sqlite:qa.db (env qa)"
expect_exit 0 runway -C proj --env=qa revert --all
[ "$(sq proj/qa.db "select count(*) from runway_history")" = 0 ] || fail "--env=qa did not revert qa.db"
expect_exit 0 runway -C proj status -eqa
expect_contains out "(env qa)"
expect_exit 0 runway -C proj --db=sqlite:flag.db deploy
[ "$(sq proj/flag.db "select count(*) from runway_history")" = 1 ] || fail "--db= did not deploy to flag.db"
expect_exit 0 runway -C proj deploy --db sqlite:flag2.db
[ "$(sq proj/flag2.db "select count(*) from runway_history")" = 1 ] || fail "--db after the command"
expect_contains out "deploying to sqlite:flag2.db"
expect_not_contains out "(env"
ok "-e ENV / --env=ENV / -eENV and --db URL / --db=URL, before or after the command"

for c in status "deploy" "deploy --dry-run" "revert --steps 1 --dry-run" verify log; do
	# shellcheck disable=SC2086 # c is split on purpose
	expect_exit 0 runway -C proj --json $c
	python3 -m json.tool out >/dev/null || fail "--json $c: not one JSON document: $(cat out)"
	# shellcheck disable=SC2086
	expect_exit 0 runway -C proj $c --json
	python3 -m json.tool out >/dev/null || fail "$c --json: not JSON"
done
expect_exit 2 runway -C proj --json deploy --to nope
python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["ok"] is False and "nope" in d["error"], d' <out ||
	fail "--json deploy with an error: $(cat out)"
expect_contains err "runway: --to 'nope': no such change"
ok "--json: one JSON document on stdout for every command, also on failure"

(cd proj && write_change 002_more "CREATE TABLE more (id integer);" "DROP TABLE more;")
expect_exit 0 runway -C proj -q deploy
[ -s out ] && fail "-q deploy printed: $(cat out)"
expect_exit 0 runway -C proj --quiet status
[ -s out ] && fail "--quiet status printed"
expect_exit 0 runway -C proj log -q
[ -s out ] && fail "log -q printed"
expect_exit 2 runway -C proj -q deploy --to nope
expect_contains err "runway: --to 'nope'"
expect_exit 0 runway -C proj -v status
expect_contains out " by "
expect_exit 0 runway -C proj status
expect_not_contains out " by "
expect_exit 0 runway -C proj --verbose revert --steps 1
expect_contains out "- 002_more"
ok "-q prints nothing but errors; -v prints more"

esc=$(printf '\033')
tty_run() { script -qec "$1" /dev/null >tty.out 2>&1 </dev/null; }
if command -v script >/dev/null 2>&1 && tty_run "true"; then
	tty_run "'$RUNWAY_BIN' -C proj status"
	grep -q "$esc\[" tty.out || fail "no colour on a terminal"
	tty_run "'$RUNWAY_BIN' -C proj --no-color status"
	grep -q "$esc" tty.out && fail "--no-color still colours"
	tty_run "'$RUNWAY_BIN' -C proj status --no-color"
	grep -q "$esc" tty.out && fail "status --no-color still colours"
	tty_run "NO_COLOR=1 '$RUNWAY_BIN' -C proj status"
	grep -q "$esc" tty.out && fail "NO_COLOR=1 still colours"
	expect_contains tty.out "applied"
	ok "colour on a terminal; none with --no-color (before or after the command) or NO_COLOR"
fi
expect_exit 0 runway -C proj status
grep -q "$esc" out && fail "colour when stdout is not a terminal"
ok "no colour when stdout is not a terminal"
done_testing
