#!/bin/sh
# No password in any output: every command, text, --json, -v, failures,
# a wrong password, RUNWAY_TRACE_SQL=1, --db, RUNWAY_DATABASE_URL and
# runway.yml URLs, ?password= parameters, a malformed URL; nor in
# runway_history / runway_events. The role runway_pw (password s3cret-pw,
# scram auth) comes from tests/pg-cluster.sh.
. "$RUNWAY_SRC/tests/cli/lib.sh"
. "$RUNWAY_SRC/tests/cli/lib-release.sh"
rel_use_pg

pg_use_password_role
PW_URL="postgres://runway_pw:$SECRET@$hostport/$PG_DB"
SHOWN="postgres://runway_pw:***@$hostport/$PG_DB"

# pw EXIT ARGS...: run runway, check the exit status and that neither the
# password nor (for a wrong one) the wrong password shows anywhere
pw() {
	_want=$1
	shift
	expect_exit "$_want" runway "$@"
	for f in out err; do
		# "s3cret" also catches the percent-encoded form
		if grep -qF -e s3cret -e wr0ng "$f"; then
			fail "the password shows in $f of: runway $*"
		fi
	done
	cat out err >>all-output
}

mkdir init-here
# init would keep the password in runway.yml: it refuses
pw 2 -C init-here --db "$PW_URL" init
expect_contains err "runway: init: the URL holds a password"
[ -e init-here/runway.yml ] && fail "init wrote a password into runway.yml"
pw 0 -C init-here --db "$PW_URL" --json init --help
ok "init --db with a password: refused (exit 2), not echoed"

rel_project
mk_change 001_menu menu
mk_change 002_stock stock
for how in db env yml; do
	# shellcheck disable=SC2016 # runway expands ${RW_PW_URL}
	case $how in
	db) set -- --db "$PW_URL" ;;
	env) RUNWAY_DATABASE_URL=$PW_URL && export RUNWAY_DATABASE_URL && set -- ;;
	yml) unset RUNWAY_DATABASE_URL && RW_PW_URL=$PW_URL && export RW_PW_URL &&
		printf 'migrations: migrations\nenvironments:\n  dev:\n    url: ${RW_PW_URL}\n' >runway.yml && set -- ;;
	esac
	pw 0 "$@" status
	expect_contains out "$SHOWN"
	pw 0 "$@" status --json
	pw 0 "$@" -v status
	pw 0 "$@" deploy --dry-run
	pw 0 "$@" -v deploy
	expect_contains out "$SHOWN"
	pw 0 "$@" verify
	pw 0 "$@" verify --json
	pw 0 "$@" log
	pw 0 "$@" log --json
	pw 0 "$@" revert --steps 1 --json
	pw 0 "$@" --json deploy
	expect_contains out "$SHOWN"
	pw 0 "$@" -v revert --all
	pw 0 "$@" deploy --to 001_menu
	RUNWAY_TRACE_SQL=1 pw 0 "$@" deploy
	expect_contains err "runway: trace: "
	RUNWAY_TRACE_SQL=1 pw 0 "$@" revert --all -v
	RUNWAY_TRACE_SQL=1 pw 0 "$@" status --json
	pw 0 "$@" new "a change for $how"
	rm migrations/*_a_change_for_*.sql
	ok "$how: every command, text, --json, -v, RUNWAY_TRACE_SQL=1"
done
unset RW_PW_URL
set --
rel_project

write_change 003_broken "CREATE TABLE broken (id integer);
INSERT INTO broken (id) VALUES (no_such_column);" "DROP TABLE broken;"
pw 1 --db "$PW_URL" deploy
expect_contains err "runway: deploy of '003_broken' failed at migrations/003_broken.sql:3: "
pw 1 --db "$PW_URL" --json deploy
pw 1 --db "$PW_URL" -v deploy
RUNWAY_TRACE_SQL=1 pw 1 --db "$PW_URL" deploy
rm migrations/003_broken.sql
ok "a failing deploy (text, --json, -v, trace)"

BAD_URL="postgres://runway_pw:wr0ng-pw@$hostport/$PG_DB"
for args in "status" "deploy" "--json deploy" "-v revert --all" "log"; do
	# shellcheck disable=SC2086 # args is split on purpose
	pw 3 --db "$BAD_URL" $args
	expect_contains err "runway: cannot connect to 'postgres://runway_pw:***@$hostport/$PG_DB': "
	expect_contains err "password authentication failed"
done
RUNWAY_TRACE_SQL=1 pw 3 --db "$BAD_URL" deploy
ok "a wrong password: exit 3, neither password shown"

pw 0 --db "postgres://runway_pw@$hostport/$PG_DB?password=$SECRET" status
expect_contains out "password=***"
pw 0 --db "postgres://runway_pw:s3cret%2Dpw@$hostport/$PG_DB" -v deploy
pw 0 --db "postgres://runway_pw:s3cret%2Dpw@$hostport/$PG_DB" --json revert --all
pw 3 --db "postgres://runway_pw:wr0ng%2Dpw@$hostport/$PG_DB" status
pw 3 --db "postgres://runway_pw@$hostport/$PG_DB?password=wr0ng-pw&application_name=x" deploy
pw 3 --db "postgres://runway_pw:$SECRET@$hostport/$PG_DB?sslmode=bogus" status
pw 3 --db "postgres://runway_pw:$SECRET%zz@$hostport/$PG_DB" status
pw 3 --db "postgres://runway_pw:$SECRET@127.0.0.1:1/$PG_DB" deploy
pw 2 --db "postgresx://runway_pw:$SECRET@$hostport/$PG_DB" status
ok "?password=, percent-encoded passwords, malformed URLs, unreachable server, bad scheme: nothing shown"

# the lock message names the target too
pg_lock_key
"$PG_PSQL" -X -q -d "$PG_URL" -c "SELECT pg_advisory_lock($PG_LOCK_KEY)" -c "SELECT pg_sleep(30)" \
	>/dev/null 2>&1 &
holder=$!
at_exit "kill $holder"
n=0
until [ "$(pg_sql "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted
	AND classid = $PG_LOCK_CLASSID AND objid = $PG_LOCK_OBJID AND database = (SELECT oid FROM pg_database WHERE datname = current_database())")" = 1 ]; do
	n=$((n + 1))
	[ $n -le 250 ] || fail "psql did not take the lock"
	sleep 0.02
done
pw 3 --db "$PW_URL" deploy --lock-timeout 1
expect_contains err "runway: deploy lock on '$SHOWN' is held by another runway"
kill "$holder"
pg_sql "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory'
	AND classid = $PG_LOCK_CLASSID AND objid = $PG_LOCK_OBJID AND database = (SELECT oid FROM pg_database WHERE datname = current_database())" >/dev/null
ok "a lock timeout names the target without the password"

[ -s all-output ] || fail "nothing collected"
expect_eq "$(pg_sql "SELECT count(*) FROM runway_history h WHERE h::text LIKE '%s3cret%'")" 0 \
	"runway_history rows with the password"
expect_eq "$(pg_sql "SELECT count(*) FROM runway_events e WHERE e::text LIKE '%s3cret%'")" 0 \
	"runway_events rows with the password"
[ "$(pg_sql "SELECT count(*) FROM runway_events")" -gt 10 ] || fail "too few events recorded to check"
ok "no password in runway_history or runway_events"
done_testing
