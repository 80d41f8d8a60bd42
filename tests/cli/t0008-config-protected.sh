#!/bin/sh
# protected: true lets deploy through but refuses revert (exit 2, nothing
# reverted, also --dry-run) unless --force.
. "$RUNWAY_SRC/tests/cli/lib.sh"
mkdir -p migrations
cat >runway.yml <<'YML'
default_env: dev
environments:
  dev:
    url: sqlite:dev.db
  prod:
    url: sqlite:prod.db
    protected: true
YML
write_change 001_a "CREATE TABLE a (id integer);" "DROP TABLE a;"
write_change 002_b "CREATE TABLE b (id integer);" "DROP TABLE b;"

expect_exit 0 runway -e prod deploy
[ "$(sq prod.db "select count(*) from runway_history")" = 2 ] || fail "deploy on a protected environment"
expect_exit 0 runway -e prod status
expect_exit 0 runway -e prod verify
expect_exit 0 runway -e prod log
ok "deploy, status, verify, log work on a protected environment"

for args in "--steps 1" "--all" "--to 001_a" "--all --dry-run"; do
	# shellcheck disable=SC2086 # args is split on purpose
	expect_exit 2 runway -e prod revert $args
	expect_contains err "runway: environment 'prod' is protected"
	expect_contains err "hint: pass --force to revert it anyway"
done
[ "$(sq prod.db "select count(*) from runway_history")" = 2 ] || fail "a refused revert reverted"
[ "$(sq prod.db "select count(*) from sqlite_master where name in ('a', 'b')")" = 2 ] || fail "a refused revert dropped tables"
[ "$(sq prod.db "select count(*) from runway_events where action = 'revert'")" = 0 ] || fail "a refused revert left events"
ok "revert on a protected environment without --force: exit 2, nothing reverted"

expect_exit 0 runway -e prod revert --steps 1 --force
[ "$(sq prod.db "select change_id from runway_history")" = 001_a ] || fail "revert --force"
expect_exit 0 runway -e prod revert --all --force
[ "$(sq prod.db "select count(*) from runway_history")" = 0 ] || fail "revert --all --force"
ok "revert --force on a protected environment"

expect_exit 0 runway deploy
expect_exit 0 runway revert --all
[ "$(sq dev.db "select count(*) from runway_history")" = 0 ] || fail "revert on dev"
ok "an unprotected environment reverts without --force"
done_testing
