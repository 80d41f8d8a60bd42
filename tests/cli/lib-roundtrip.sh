# lib-roundtrip.sh - the `runway test` round trip, written once and run on
# SQLite (t2101-test-roundtrip.sh) and PostgreSQL (t2101-test-roundtrip-pg.sh).
# Source lib.sh and lib-release.sh, pick the engine with rel_use_*, then
# call rt_test_roundtrip.

# scratch databases the runway process PID made and did not drop (must
# print nothing); by PID, because other tests share the server
rt_leftovers() {
	case $ENGINE in
	sqlite) ls "$TMPDIR" | grep "^runway-test-$1-" || true ;;
	pg) pg_admin_sql "select datname from pg_database where datname like 'runway\_test\_$1\_%'" ;;
	esac
}

# runway test in the background, so its PID names its scratch database
rt_run() {
	"$RUNWAY_BIN" test "$@" >out 2>err &
	pid=$!
	wait "$pid"
}

rt_test_roundtrip() {
	case $ENGINE in
	sqlite) S= ;;
	pg) S=public. ;; # the schema model names PostgreSQL objects with their schema
	esac
	TMPDIR=$TEST_DIR/tmp
	export TMPDIR
	mkdir -p "$TMPDIR"
	rel_project
	db_reset
	write_change 001_users "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT, nick TEXT);" \
		"DROP TABLE users;" "SELECT id, email FROM users WHERE 1 = 0;"

	# a revert that forgets a column
	write_change 002_city "ALTER TABLE users ADD COLUMN city TEXT;
CREATE INDEX users_email ON users (email);" "DROP INDEX users_email;"
	expect_exit 1 runway test --format json
	json_eval out "[(c['id'], f['rule'], f['line']) for c in d['changes'] for f in c['findings']]" >got
	expect_eq "$(cat got)" "[('002_city', 'revert-does-not-undo', 5)]" "the finding names the change and its revert"
	json_eval out "d['changes'][1]['findings'][0]['detail']" >detail
	expect_contains detail "+ column ${S}users.city"
	[ "$(grep -c . detail)" -eq 1 ] || fail "the difference is more than the column: $(cat detail)"
	ok "a revert that forgets a column: revert-does-not-undo on 002_city, the column shown"

	# a revert that forgets an index
	write_change 002_city "ALTER TABLE users ADD COLUMN city TEXT;
CREATE INDEX users_email ON users (email);" "ALTER TABLE users DROP COLUMN city;"
	expect_exit 1 runway test
	expect_contains out "migrations/002_city.sql:5:1: error: after deploy and revert the schema differs"
	expect_contains out "+ index ${S}users_email"
	expect_contains err "runway: test found 1 problem"
	ok "a revert that forgets an index: shown in text"

	# a revert that removes too much (a column the deploy did not add)
	write_change 002_city "ALTER TABLE users ADD COLUMN city TEXT;" \
		"ALTER TABLE users DROP COLUMN city;
ALTER TABLE users DROP COLUMN nick;"
	expect_exit 1 runway test --format junit
	/usr/bin/python3 "$RUNWAY_SRC/tests/validate-report.py" junit out || fail "junit"
	expect_contains out "- column ${S}users.nick"
	ok "a revert that removes too much: '-' line; the JUnit report validates"

	# a change that does not deploy
	write_change 002_city "ALTER TABLE nowhere ADD COLUMN city TEXT;" "SELECT 1;"
	expect_exit 1 runway test --format json
	json_eval out "[(c['id'], f['rule']) for c in d['changes'] for f in c['findings']]" >got
	expect_eq "$(cat got)" "[('002_city', 'deploy-fails')]" "a failing deploy"
	ok "a change that fails to deploy is deploy-fails, and 001 is still reverted"

	# all good: exit 0, nothing left anywhere
	write_change 002_city "ALTER TABLE users ADD COLUMN city TEXT;
CREATE INDEX users_email ON users (email);" "DROP INDEX users_email;
ALTER TABLE users DROP COLUMN city;"
	rt_run
	expect_eq "$?" 0 "runway test exit status"
	expect_contains out "2 changes tested: no findings"
	expect_eq "$(rt_leftovers "$pid")" "" "scratch databases left behind"
	expect_eq "$(db_tables)" "" "runway test touched the target"
	ok "a correct revert passes; the scratch databases are gone; the target untouched"

	# Ctrl-C in the middle: interrupted, cleaned up
	case $ENGINE in
	sqlite) slow="WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300000000) SELECT count(*) FROM n;" ;;
	pg) slow="SELECT pg_sleep(60);" ;;
	esac
	write_change 003_slow "$slow" "SELECT 1;"
	t0=$(now_ms)
	"$RUNWAY_BIN" test >out 2>err &
	pid=$!
	sleep 1.5
	kill -INT "$pid"
	wait "$pid"
	rc=$?
	expect_eq "$rc" 130 "exit status after SIGINT"
	[ $(($(now_ms) - t0)) -lt 20000 ] || fail "SIGINT did not stop the running statement"
	expect_contains err "runway: test: interrupted"
	expect_eq "$(rt_leftovers "$pid")" "" "scratch database left after SIGINT"
	ok "SIGINT stops the running statement, drops the scratch database, exits 130"
	rm migrations/003_slow.sql

	# --scratch
	case $ENGINE in
	sqlite)
		expect_exit 0 runway test --scratch "sqlite:$TEST_DIR/mine.db"
		[ ! -e mine.db ] || fail "--scratch file left"
		touch exists.db
		expect_exit 2 runway test --scratch sqlite:exists.db
		expect_contains err "runway: --scratch: 'exists.db' exists"
		;;
	pg)
		expect_exit 0 runway test --scratch "$PG_URL"
		;;
	esac
	expect_exit 2 runway test --format sarif
	ok "--scratch names where the scratch database goes; bad formats exit 2"
}
