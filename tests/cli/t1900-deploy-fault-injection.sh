#!/bin/sh
# Fault injection (STYLE §7): fail the Nth driver call of a deploy, and of a
# revert, for N = 1, 2, ... until the run gets through. After every run the
# target must be consistent: a change's table exists exactly when its history
# row does, and every history row has its 'deploy ok' event. A clean re-run
# must then complete.
. "$RUNWAY_SRC/tests/cli/lib.sh"
make_project
for i in 1 2 3; do
	write_change "00${i}_t$i" "CREATE TABLE t$i (id integer PRIMARY KEY);
INSERT INTO t$i VALUES (1);
INSERT INTO t$i VALUES (2);" "DROP TABLE t$i;" "SELECT id FROM t$i WHERE 0;"
done

consistent() {
	for i in 1 2 3; do
		tab=$(sq dev.db "select count(*) from sqlite_master where type='table' and name='t$i'")
		row=$(sq dev.db "select count(*) from runway_history where change_id='00${i}_t$i'" 2>/dev/null || echo 0)
		[ "$tab" = "$row" ] || fail "$1: t$i table=$tab history=$row"
		if [ "$tab" = 1 ]; then
			[ "$(sq dev.db "select count(*) from t$i")" = 2 ] || fail "$1: t$i half filled"
		fi
	done
	rows=$(sq dev.db "select count(*) from runway_history" 2>/dev/null || echo 0)
	oks=$(sq dev.db "select count(*) - (select count(*) from runway_events where action='revert' and status='ok') from runway_events where action='deploy' and status='ok'" 2>/dev/null || echo 0)
	[ "$rows" = "$oks" ] || fail "$1: $rows history rows but $oks net deploy events"
}

n=1
while :; do
	rm -f dev.db
	RUNWAY_FAULT_AT=$n runway deploy >out 2>err
	rc=$?
	case $rc in
	0) break ;;
	1|3) expect_contains err "runway: " ;;
	*) fail "deploy with fault at $n exited $rc" ;;
	esac
	[ -f dev.db ] && consistent "deploy fault $n"
	expect_exit 0 runway deploy
	consistent "re-run after fault $n"
	[ "$(sq dev.db 'select count(*) from runway_history')" = 3 ] || fail "re-run after fault $n incomplete"
	n=$((n + 1))
	[ $n -lt 200 ] || fail "deploy never got through"
done
[ $n -gt 5 ] || fail "only $n calls: the fault injection is not reaching the driver"
ok "deploy: $((n - 1)) injected faults, each left a consistent target"

n=1
while :; do
	rm -f dev.db
	expect_exit 0 runway deploy
	RUNWAY_FAULT_AT=$n runway revert --all >out 2>err
	rc=$?
	case $rc in
	0) break ;;
	1|3) ;;
	*) fail "revert with fault at $n exited $rc" ;;
	esac
	consistent "revert fault $n"
	expect_exit 0 runway revert --all
	[ "$(sq dev.db 'select count(*) from runway_history')" = 0 ] || fail "revert re-run after fault $n incomplete"
	n=$((n + 1))
	[ $n -lt 200 ] || fail "revert never got through"
done
consistent "final revert"
ok "revert: $((n - 1)) injected faults, each left a consistent target"
done_testing
