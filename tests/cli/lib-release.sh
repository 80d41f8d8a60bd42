# lib-release.sh - one target, two engines: the release tests (family 1)
# are written once here and run on SQLite (tNNNN-*.sh) and on PostgreSQL
# (tNNNN-*-pg.sh). Source it after lib.sh, pick the engine, then call the
# shared body (rel_test_* below):
#
#	. "$RUNWAY_SRC/tests/cli/lib.sh"
#	. "$RUNWAY_SRC/tests/cli/lib-release.sh"
#	rel_use_sqlite                # or rel_use_pg (sources lib-pg.sh)
#	rel_test_failure
#	done_testing
#
# After rel_use_*:
#   ENGINE          sqlite | pg
#   DB_URL          the target, as written into runway.yml
#   CONCURRENTLY    "CONCURRENTLY" on PostgreSQL, empty on SQLite
#   db_sql SQL      run SQL on the target; rows '|'-separated, no header
#   db_tables       every table of the target, one a line, sorted
#   db_user_tables  the same without runway's own tables
#   db_has_table T  succeeds when table T exists
#   db_dump         schema and data of the target, deterministic
#   expect_dump_unchanged FILE MSG   fail unless db_dump still prints FILE
#   db_reset        drop everything: an empty target
#   db_wait_idle    wait until no other session uses the target (PostgreSQL:
#                   a killed client's backend may still be finishing)
# and helpers for every engine:
#   rel_project [YAML]      runway.yml (env dev -> DB_URL, default) + migrations/;
#                           YAML is appended under environments:
#   expect_eq GOT WANT MSG  fail unless GOT = WANT
#   hist_ids                change ids in runway_history by position, one a line
#   hist_count / ev_count WHERE   rows of runway_history / runway_events
#   json_eval FILE EXPR     print python3's EXPR over the JSON document d in FILE
#   now_ms                  wall clock in milliseconds
#   sha256_deploy FILE      SHA-256 of a change file's deploy section (CRLF -> LF)
#   mk_change ID TABLE [HEADER]   a change creating TABLE with one row
#   lock_hold / lock_release      hold the deploy lock from outside runway
#                                 (flock on <db>-runway.lock; pg_advisory_lock)
#
# The bodies, one per test number: rel_test_basics (t1001), _failure (t1002),
# _dry_run (t1003), _modified (t1004), _no_transaction (t1005),
# _change_files (t1006), _labels_order (t1007), _kill (t1008),
# _concurrent (t1009), _vars (t1010), _errors (t1011). Engine differences
# stay inside the helpers above, or in a `case $ENGINE` where the engines
# really differ (CREATE INDEX CONCURRENTLY, connection errors).

ENGINE=
DB_URL=
DB_FILE=
CONCURRENTLY=
PG_DUMP=

rel_use_sqlite() {
	ENGINE=sqlite
	DB_FILE=$TEST_DIR/dev.db
	DB_URL=sqlite:dev.db # relative: runway runs in the project, $TEST_DIR
	CONCURRENTLY=
}

rel_use_pg() {
	. "$RUNWAY_SRC/tests/cli/lib-pg.sh"
	pg_setup
	at_exit pg_teardown
	ENGINE=pg
	DB_URL=$PG_URL
	CONCURRENTLY=CONCURRENTLY
	PG_DUMP=$(dirname "$PG_PSQL")/pg_dump
	[ -x "$PG_DUMP" ] || PG_DUMP=pg_dump
}

db_sql() {
	case $ENGINE in
	sqlite) sq "$DB_FILE" "$1" ;;
	pg) pg_sql "$1" ;;
	*) fail "db_sql: no engine (call rel_use_sqlite or rel_use_pg)" ;;
	esac
}

db_tables() {
	case $ENGINE in
	sqlite)
		[ -f "$DB_FILE" ] || return 0
		db_sql "SELECT name FROM sqlite_master WHERE type = 'table'
			AND name NOT LIKE 'sqlite_%' ORDER BY name"
		;;
	pg)
		db_sql "SELECT table_name FROM information_schema.tables
			WHERE table_schema = 'public' ORDER BY table_name"
		;;
	esac
}

db_user_tables() { db_tables | grep -v '^runway_'; }

db_has_table() { db_tables | grep -qx "$1"; }

db_dump() {
	case $ENGINE in
	sqlite)
		# a missing file dumps like an empty one: whether a command that
		# changes nothing leaves an empty file behind is not this check's business
		if [ -f "$DB_FILE" ]; then sqlite3 "$DB_FILE" .dump; else sqlite3 :memory: .dump; fi
		;;
	pg)
		# \restrict lines carry a random key (PostgreSQL 15.14+)
		"$PG_DUMP" --no-owner --no-privileges -d "$PG_URL" | grep -v '^\\\(un\)\{0,1\}restrict '
		;;
	esac
}

db_reset() {
	case $ENGINE in
	sqlite)
		rm -f "$DB_FILE" "$DB_FILE-journal" "$DB_FILE-wal" "$DB_FILE-shm"
		;;
	pg)
		db_wait_idle
		db_sql "SET client_min_messages = warning; DROP SCHEMA public CASCADE; CREATE SCHEMA public" >/dev/null ||
			fail "cannot reset $PG_DB"
		;;
	esac
}

db_wait_idle() {
	[ "$ENGINE" = pg ] || return 0
	_n=0
	while [ "$(pg_sql "SELECT count(*) FROM pg_stat_activity
		WHERE datname = current_database() AND pid <> pg_backend_pid()")" != 0 ]; do
		_n=$((_n + 1))
		[ $_n -le 250 ] || fail "other sessions still use $PG_DB after 5 s"
		sleep 0.02
	done
}

rel_project() {
	mkdir -p migrations
	{
		printf 'migrations: migrations\ndefault_env: dev\nenvironments:\n'
		printf "  dev:\n    url: '%s'\n" "$DB_URL"
		[ -n "${1:-}" ] && printf '%s\n' "$1"
	} >runway.yml
}

expect_dump_unchanged() {
	db_dump >"$TEST_DIR/dump.now" || fail "cannot dump the target"
	if ! cmp -s "$1" "$TEST_DIR/dump.now"; then
		diff "$1" "$TEST_DIR/dump.now" | head -40 >&2
		fail "$2"
	fi
}

expect_eq() {
	[ "$1" = "$2" ] || fail "$3: got '$1', want '$2'"
}

hist_ids() {
	db_sql "SELECT change_id FROM runway_history ORDER BY position"
}

hist_count() {
	if db_has_table runway_history; then
		db_sql "SELECT count(*) FROM runway_history ${1:-}"
	else
		echo 0
	fi
}

ev_count() {
	if db_has_table runway_events; then
		db_sql "SELECT count(*) FROM runway_events ${1:-}"
	else
		echo 0
	fi
}

json_eval() {
	python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
print(eval(sys.argv[2]))' "$1" "$2" || fail "not JSON, or '$2' fails on it: $1"
}

now_ms() { date +%s%3N; }

# The deploy section: the lines between "-- runway:deploy" and the next
# section directive, CRLF folded to LF first (SPEC §2).
sha256_deploy() {
	tr -d '\r' <"$1" |
		awk '/^-- runway:(revert|verify)/ { on = 0 } on { print } /^-- runway:deploy/ { on = 1 }' |
		sha256sum | cut -d' ' -f1
}

# The engine's message for a missing table T.
db_no_table_msg() {
	case $ENGINE in
	sqlite) echo "no such table: $1" ;;
	pg) echo "relation \"$1\" does not exist" ;;
	esac
}

# mk_change ID TABLE [HEADER]: create TABLE with one row; revert drops it.
mk_change() {
	write_change "$1" "CREATE TABLE $2 (id integer PRIMARY KEY, note text);
INSERT INTO $2 (id, note) VALUES (1, '$1');" "DROP TABLE $2;" "SELECT id, note FROM $2 WHERE 1 = 0;" "${3:-}"
}

# ---- t1001: deploy, status, log, verify, revert and their flags ------------

rel_test_basics() {
	RUNWAY_USER=tester
	export RUNWAY_USER
	rel_project
	mk_change 001_menu menu
	mk_change 002_inventory inventory
	mk_change 003_orders orders
	mk_change 004_staff staff

	expect_exit 0 runway status
	expect_contains out "pending     001_menu"
	expect_contains out "0 applied, 4 pending"
	expect_eq "$(db_tables)" "" "status created tables"
	ok "status on an empty target: all pending, creates nothing"

	expect_exit 0 runway deploy --to 002_inventory
	expect_contains out "+ 001_menu"
	expect_contains out "2 changes deployed"
	expect_eq "$(db_user_tables | tr '\n' ' ')" "inventory menu " "tables after --to"
	expect_eq "$(db_sql "SELECT change_id, position, state FROM runway_history ORDER BY position" | tr '\n' ' ')" \
		"001_menu|1|applied 002_inventory|2|applied " "history after --to"
	expect_exit 2 runway deploy --to 009_nope
	expect_contains err "runway: --to '009_nope': no such change"
	expect_eq "$(hist_count)" 2 "deploy --to of an unknown change touched history"
	ok "deploy --to stops at the change; an unknown --to exits 2"

	expect_exit 0 runway status
	expect_contains out "applied     002_inventory"
	expect_contains out "pending     003_orders"
	expect_contains out "2 applied, 2 pending"
	expect_exit 0 runway deploy
	expect_eq "$(db_user_tables | tr '\n' ' ')" "inventory menu orders staff " "tables after deploy"
	expect_eq "$(db_sql "SELECT note FROM staff")" 004_staff "row of 004_staff"
	expect_eq "$(db_sql "SELECT deployed_by, revert_sql, position FROM runway_history WHERE change_id = '004_staff'")" \
		"tester|DROP TABLE staff;
|4" "history row of 004_staff"
	expect_eq "$(db_sql "SELECT checksum FROM runway_history WHERE change_id = '003_orders'")" \
		"$(sha256_deploy migrations/003_orders.sql)" "checksum of 003_orders"
	expect_eq "$(ev_count "WHERE action = 'deploy' AND status = 'ok'")" 4 "deploy events"
	expect_exit 0 runway deploy
	expect_contains out "nothing to deploy"
	expect_eq "$(ev_count)" 4 "a deploy with nothing to do wrote events"
	ok "deploy applies the rest in order, records who and what; a second deploy does nothing"

	expect_exit 0 runway status --json
	expect_eq "$(json_eval out '[c["state"] for c in d["changes"]] == ["applied"] * 4 and d["summary"]["applied"] == 4 and d["summary"]["pending"] == 0')" \
		True "status --json"
	expect_eq "$(json_eval out 'd["changes"][3]["id"] + " " + d["changes"][3]["deployed_by"] + " " + d["changes"][3]["file"]')" \
		"004_staff tester migrations/004_staff.sql" "status --json item"
	expect_exit 0 runway status -v
	expect_contains out "by tester"
	ok "status --json and -v"

	expect_exit 0 runway log
	expect_contains out "deploy  ok    004_staff  tester@"
	expect_eq "$(grep -c ' ok ' out)" 4 "log lines"
	expect_exit 0 runway log -n 2
	expect_eq "$(grep -c 'deploy' out)" 2 "log -n 2 lines"
	expect_contains out 004_staff
	expect_not_contains out 001_menu
	expect_exit 0 runway log --limit=1
	expect_eq "$(wc -l <out | tr -d ' ')" 1 "log --limit=1 lines"
	expect_exit 0 runway log --change 002_inventory
	expect_eq "$(wc -l <out | tr -d ' ')" 1 "log --change lines"
	expect_contains out 002_inventory
	expect_exit 0 runway log --json
	expect_eq "$(json_eval out 'len(d["events"])')" 4 "log --json events"
	expect_eq "$(json_eval out '[(e["action"], e["status"], e["change"], e["actor"]) for e in d["events"]][0]')" \
		"('deploy', 'ok', '004_staff', 'tester')" "log --json newest event"
	expect_eq "$(json_eval out 'all(isinstance(e["id"], int) and isinstance(e["duration_ms"], int) and e["at"] and e["host"] for e in d["events"])')" \
		True "log --json fields"
	expect_exit 0 runway log --json -n 1 --change 001_menu
	expect_eq "$(json_eval out '[e["change"] for e in d["events"]]')" "['001_menu']" "log --json -n --change"
	ok "log, -n, --change, --json"

	expect_exit 0 runway verify
	expect_contains out "4 verified, 0 failed"
	expect_eq "$(ev_count "WHERE action = 'verify' AND status = 'ok'")" 4 "verify events"
	expect_exit 0 runway verify --json
	expect_eq "$(json_eval out '(d["passed"], d["failed"], d["ok"])')" "(4, 0, True)" "verify --json"
	db_sql "ALTER TABLE inventory RENAME TO inventory_gone" || fail "rename"
	expect_exit 1 runway verify
	expect_contains out "x 002_inventory (verify failed)"
	expect_contains out "migrations/002_inventory.sql:7: $(db_no_table_msg inventory)"
	expect_contains err "runway: verify failed for 1 of 4 changes"
	expect_eq "$(db_sql "SELECT error FROM runway_events WHERE action = 'verify' AND status = 'fail' AND change_id = '002_inventory'")" \
		"migrations/002_inventory.sql:7: $(db_no_table_msg inventory)" "verify fail event with the error"
	expect_exit 1 runway verify --json
	expect_eq "$(json_eval out '(d["passed"], d["failed"], d["ok"])')" "(3, 1, False)" "failing verify --json"
	db_sql "ALTER TABLE inventory_gone RENAME TO inventory" || fail "rename back"
	expect_exit 0 runway verify
	ok "verify passes, fails with exit 1 when the schema broke, passes again"

	db_dump >before.dump
	expect_exit 0 runway revert --steps 2 --dry-run
	expect_contains out "-- revert 004_staff"
	expect_contains out "DROP TABLE staff;"
	expect_contains out "-- revert 003_orders"
	expect_not_contains out "002_inventory"
	expect_dump_unchanged before.dump "revert --dry-run changed the target"
	ok "revert --dry-run prints the revert SQL and changes nothing"

	expect_exit 0 runway revert --steps 1
	expect_contains out "- 004_staff"
	expect_contains out "1 change reverted"
	db_has_table staff && fail "revert --steps 1 left staff"
	expect_eq "$(hist_ids | tr '\n' ' ')" "001_menu 002_inventory 003_orders " "history after --steps 1"
	expect_exit 0 runway revert --to 001_menu
	expect_eq "$(db_user_tables | tr '\n' ' ')" "menu " "tables after revert --to"
	expect_eq "$(db_sql "SELECT change_id FROM runway_events WHERE action = 'revert' AND status = 'ok' ORDER BY id" | tr '\n' ' ')" \
		"004_staff 003_orders 002_inventory " "revert events, newest first"
	expect_exit 0 runway status
	expect_contains out "1 applied, 3 pending"
	ok "revert --steps and --to, newest first"

	expect_exit 2 runway revert
	expect_contains err "runway: revert: say what to revert"
	expect_exit 2 runway revert --steps 1 --all
	expect_contains err "only one of"
	expect_exit 2 runway revert --to 003_orders
	expect_contains err "runway: --to '003_orders': the change is not applied"
	expect_exit 2 runway revert --steps x
	expect_eq "$(hist_count)" 1 "bad revert requests touched history"
	ok "revert without a mode, with two modes, --to a pending change: exit 2"

	expect_exit 0 runway deploy --json
	expect_eq "$(json_eval out '(d["command"], d["deployed"], d["ok"], [c["change"] for c in d["changes"]])')" \
		"('deploy', 3, True, ['002_inventory', '003_orders', '004_staff'])" "deploy --json"
	expect_exit 0 runway revert --all --json
	expect_eq "$(json_eval out '(d["reverted"], d["ok"], d["changes"][0]["change"])')" "(4, True, '004_staff')" "revert --all --json"
	expect_eq "$(db_user_tables)" "" "tables after revert --all"
	expect_eq "$(hist_count)" 0 "history after revert --all"
	expect_exit 0 runway revert --all
	expect_contains out "nothing to revert"
	ok "deploy --json, revert --all (--json), and again with nothing to revert"

	expect_exit 0 runway -q deploy
	[ -s out ] && fail "deploy -q printed something"
	expect_eq "$(hist_count)" 4 "deploy -q applied"
	expect_exit 0 runway revert --all -q
	[ -s out ] && fail "revert -q printed something"
	expect_eq "$(hist_count)" 0 "revert -q reverted"
	ok "-q: silent deploy and revert"
}

# ---- t1002: a failing change leaves nothing behind ---------------------------

rel_test_failure() {
	rel_project
	mk_change 001_first first
	# the bad statement stands on line 5 of the file
	cat >migrations/002_second.sql <<-'SQL'
		-- runway:deploy
		CREATE TABLE second (id integer PRIMARY KEY);
		INSERT INTO second (id) VALUES (1);

		INSERT INTO no_such_table (id) VALUES (2);
		-- runway:revert
		DROP TABLE second;
	SQL
	mk_change 003_third third

	expect_exit 1 runway deploy
	expect_contains out "+ 001_first"
	expect_contains out "x 002_second (deploy failed)"
	expect_not_contains out "003_third"
	expect_contains err "runway: deploy of '002_second' failed at migrations/002_second.sql:5: $(db_no_table_msg no_such_table)"
	head -n 1 err | grep -q '^runway: ' || fail "the error does not start with 'runway: '"
	expect_eq "$(db_user_tables | tr '\n' ' ')" "first " "tables after the failure"
	expect_eq "$(hist_ids | tr '\n' ' ')" "001_first " "history after the failure"
	expect_eq "$(db_sql "SELECT action, change_id, status FROM runway_events ORDER BY id" | tr '\n' ' ')" \
		"deploy|001_first|ok deploy|002_second|fail " "events after the failure"
	expect_eq "$(ev_count "WHERE status = 'fail' AND error LIKE '%$(db_no_table_msg no_such_table)%'")" 1 \
		"the fail event does not carry the database's error"
	expect_exit 0 runway status
	expect_contains out "1 applied, 2 pending"
	ok "a failing second change of three: exit 1, file:line, only the first applied, a fail event"

	sed 's/INSERT INTO no_such_table (id) VALUES (2);/INSERT INTO second (id) VALUES (2);/' \
		migrations/002_second.sql >fixed && mv fixed migrations/002_second.sql
	expect_exit 0 runway deploy
	expect_contains out "2 changes deployed"
	expect_eq "$(db_user_tables | tr '\n' ' ')" "first second third " "tables after the fix"
	expect_eq "$(db_sql "SELECT count(*) FROM second")" 2 "rows of second"
	expect_eq "$(hist_ids | tr '\n' ' ')" "001_first 002_second 003_third " "history after the fix"
	ok "after fixing the file, deploy applies the rest"

	# a failing verify section fails the change: nothing of it stays
	write_change 004_fourth "CREATE TABLE fourth (id integer);" "DROP TABLE fourth;" \
		"SELECT id FROM fourth WHERE 1 = 0;
SELECT no_such_column FROM fourth;"
	expect_exit 1 runway deploy
	expect_contains err "runway: deploy of '004_fourth' failed at migrations/004_fourth.sql:7: "
	expect_contains err "no_such_column"
	db_has_table fourth && fail "a change whose verify failed left its table"
	expect_eq "$(hist_count)" 3 "history after a failed verify"
	expect_eq "$(ev_count "WHERE change_id = '004_fourth' AND status = 'fail'")" 1 "fail event of 004"
	ok "a failing verify during deploy fails the change and leaves nothing"

	expect_exit 1 runway deploy --json
	expect_eq "$(json_eval out '(d["ok"], d["deployed"], d["changes"][0]["status"], "004_fourth.sql:7" in d["error"])')" \
		"(False, 0, 'fail', True)" "failing deploy --json"
	expect_contains err "runway: deploy of '004_fourth' failed"
	write_change 004_fourth "CREATE TABLE fourth (id integer);" "DROP TABLE fourth;" "SELECT id FROM fourth WHERE 1 = 0;"
	expect_exit 0 runway deploy
	expect_eq "$(hist_count)" 4 "history after fixing 004"
	ok "deploy --json reports the failure; fixed, it deploys"

	# a failing revert is rolled back too: the change stays deployed
	write_change 005_fifth "CREATE TABLE fifth (id integer);" "DROP TABLE fifth;
DROP TABLE no_such_table;"
	expect_exit 0 runway deploy
	expect_exit 1 runway revert --steps 1
	expect_contains err "runway: revert of '005_fifth' failed at line 2 of its revert section: "
	db_has_table fifth || fail "a failed revert dropped the table"
	expect_eq "$(hist_count "WHERE change_id = '005_fifth'")" 1 "history after a failed revert"
	expect_eq "$(ev_count "WHERE action = 'revert' AND status = 'fail' AND change_id = '005_fifth'")" 1 \
		"fail event of the revert"
	ok "a failing revert: exit 1, rolled back, the change stays deployed"
}

# ---- t1003: --dry-run changes nothing ---------------------------------------

rel_test_dry_run() {
	rel_project
	mk_change 001_alpha alpha
	mk_change 002_beta beta
	write_change 003_gamma "CREATE TABLE gamma (id integer);
INSERT INTO gamma (id) VALUES (42);" "DROP TABLE gamma;"

	db_dump >before.dump
	expect_exit 0 runway deploy --dry-run
	expect_contains out "-- deploy 001_alpha migrations/001_alpha.sql"
	expect_contains out "CREATE TABLE alpha (id integer PRIMARY KEY, note text);"
	expect_contains out "-- verify"
	expect_contains out "-- deploy 003_gamma"
	expect_contains out "INSERT INTO gamma (id) VALUES (42);"
	expect_not_contains out "deployed"
	expect_eq "$(db_tables)" "" "deploy --dry-run on an empty target created tables"
	expect_dump_unchanged before.dump "deploy --dry-run changed an empty target"
	expect_exit 0 runway -q deploy -n
	expect_contains out "CREATE TABLE beta"
	expect_eq "$(db_tables)" "" "deploy -q -n created tables"
	ok "deploy --dry-run on an empty target prints the SQL, creates no tables (also -n -q)"

	expect_exit 0 runway deploy --to 001_alpha
	db_dump >before.dump
	expect_exit 0 runway deploy --dry-run
	expect_not_contains out "001_alpha"
	expect_contains out "-- deploy 002_beta"
	expect_contains out "-- deploy 003_gamma"
	expect_dump_unchanged before.dump "deploy --dry-run changed the target"
	expect_exit 0 runway deploy --dry-run --to 002_beta
	expect_contains out "-- deploy 002_beta"
	expect_not_contains out "003_gamma"
	expect_exit 0 runway deploy --dry-run --json
	expect_eq "$(json_eval out '(d["dry_run"], d["deployed"], [c["change"] for c in d["changes"]], "INSERT INTO gamma" in d["changes"][1]["sql"])')" \
		"(True, 0, ['002_beta', '003_gamma'], True)" "deploy --dry-run --json"
	expect_dump_unchanged before.dump "deploy --dry-run --json changed the target"
	ok "deploy --dry-run after a partial deploy: only the pending SQL (--to, --json), nothing changes"

	expect_exit 0 runway deploy
	db_dump >before.dump
	expect_exit 0 runway revert --all --dry-run
	expect_contains out "-- revert 003_gamma"
	expect_contains out "DROP TABLE gamma;"
	expect_contains out "-- revert 001_alpha"
	[ "$(grep -n 'revert 003_gamma' out | cut -d: -f1)" -lt "$(grep -n 'revert 001_alpha' out | cut -d: -f1)" ] ||
		fail "revert --dry-run is not newest first"
	expect_exit 0 runway revert --to 001_alpha --dry-run --json
	expect_eq "$(json_eval out '(d["dry_run"], d["reverted"], [c["change"] for c in d["changes"]])')" \
		"(True, 0, ['003_gamma', '002_beta'])" "revert --dry-run --json"
	expect_dump_unchanged before.dump "revert --dry-run changed the target"
	expect_eq "$(hist_count)" 3 "history after the dry runs"
	ok "revert --dry-run (--all, --to, --json) prints the revert SQL newest first, changes nothing"
}

# ---- t1004: modified and missing changes ------------------------------------

rel_test_modified() {
	rel_project
	mk_change 001_one one
	mk_change 002_two two
	expect_exit 0 runway deploy
	cp migrations/001_one.sql one.orig

	# only the deploy section counts: an edited revert section is no modification
	sed 's/DROP TABLE one;/DROP TABLE IF EXISTS one;/' one.orig >migrations/001_one.sql
	expect_exit 0 runway status
	expect_contains out "applied     001_one"
	expect_not_contains out "modified    "
	ok "editing the revert section does not modify a change"

	sed 's/note text/note varchar(200)/' one.orig >migrations/001_one.sql
	mk_change 003_three three
	expect_exit 0 runway status
	expect_contains out "modified    001_one"
	expect_contains out "1 modified"
	expect_exit 0 runway status --json
	expect_eq "$(json_eval out '[c["state"] for c in d["changes"]]')" "['modified', 'applied', 'pending']" "status --json"
	expect_exit 2 runway deploy
	expect_contains err "runway: change '001_one' was modified after it was deployed (migrations/001_one.sql)"
	expect_contains err "--accept-modified"
	db_has_table three && fail "deploy past a modified change applied 003_three"
	expect_eq "$(hist_count)" 2 "history after the refused deploy"
	expect_exit 2 runway deploy --dry-run
	expect_contains err "was modified"
	ok "a modified change: status says so, deploy (and --dry-run) refuses with exit 2"

	expect_exit 0 runway deploy --accept-modified
	expect_contains out "+ 003_three"
	db_has_table three || fail "deploy --accept-modified did not apply 003_three"
	expect_eq "$(db_sql "SELECT checksum FROM runway_history WHERE change_id = '001_one'")" \
		"$(sha256_deploy one.orig)" "--accept-modified rewrote the recorded checksum"
	cp one.orig migrations/001_one.sql
	expect_exit 0 runway status
	expect_not_contains out "modified    "
	ok "deploy --accept-modified goes past it; restoring the file clears the state"

	# the revert SQL stored at deploy time is what runs, even with the file gone or edited
	sed 's/DROP TABLE three;/DROP TABLE no_such_table;/' migrations/003_three.sql >t && mv t migrations/003_three.sql
	rm migrations/002_two.sql
	expect_exit 0 runway status
	expect_contains out "missing     002_two"
	expect_contains out "1 missing"
	expect_exit 0 runway status --json
	expect_eq "$(json_eval out '[c["state"] for c in d["changes"]]')" "['applied', 'missing', 'applied']" "status --json with a missing file"
	expect_exit 0 runway deploy
	expect_contains out "nothing to deploy"
	expect_exit 0 runway verify
	expect_exit 0 runway revert --steps 2
	expect_contains out "- 003_three"
	expect_contains out "- 002_two"
	db_has_table three && fail "revert did not run the stored revert SQL of 003_three"
	db_has_table two && fail "revert of the missing 002_two left its table"
	expect_eq "$(hist_ids)" "001_one" "history after reverting a missing change"
	ok "a deleted file shows as missing; revert runs the SQL stored at deploy time"
}

# ---- t1005: no-transaction changes and interruptions ------------------------

# db_has_index NAME
db_has_index() {
	case $ENGINE in
	sqlite) [ "$(db_sql "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = '$1'")" = 1 ] ;;
	pg) [ "$(db_sql "SELECT count(*) FROM pg_indexes WHERE indexname = '$1'")" = 1 ] ;;
	esac
}

rel_test_no_transaction() {
	rel_project
	write_change 001_items "CREATE TABLE items (id integer PRIMARY KEY, name text);
INSERT INTO items (id, name) VALUES (1, 'a'), (2, 'b');" "DROP TABLE items;"
	write_change 002_items_name "CREATE INDEX $CONCURRENTLY items_name ON items (name);" \
		"DROP INDEX $CONCURRENTLY items_name;" "" "-- runway:no-transaction"
	expect_exit 0 runway deploy
	db_has_index items_name || fail "the no-transaction change did not create its index"
	expect_eq "$(db_sql "SELECT state, no_transaction FROM runway_history WHERE change_id = '002_items_name'")" \
		"applied|1" "history row of the no-transaction change"
	expect_exit 0 runway revert --steps 1
	db_has_index items_name && fail "revert left the index"
	expect_exit 0 runway deploy
	db_has_index items_name || fail "redeploy did not create the index"
	ok "a no-transaction change ($ENGINE${CONCURRENTLY:+: CREATE INDEX CONCURRENTLY}) deploys and reverts"

	if [ "$ENGINE" = pg ]; then
		write_change 003_in_txn "CREATE INDEX CONCURRENTLY items_id ON items (id);" "DROP INDEX items_id;"
		expect_exit 1 runway deploy
		expect_contains err "migrations/003_in_txn.sql:2: "
		expect_contains err "CREATE INDEX CONCURRENTLY cannot run inside a transaction block"
		db_has_index items_id && fail "a failed CONCURRENTLY change left an index"
		rm migrations/003_in_txn.sql
		ok "without the directive, CREATE INDEX CONCURRENTLY fails cleanly (exit 1)"
	fi

	# first statement succeeds, the second (line 4) fails: interrupted
	cat >migrations/004_half.sql <<-'SQL'
		-- runway:no-transaction
		-- runway:deploy
		CREATE TABLE half (id integer);
		INSERT INTO no_such_table (id) VALUES (1);
		-- runway:revert
		DROP TABLE IF EXISTS half;
	SQL
	mk_change 005_after after
	expect_exit 1 runway deploy
	expect_contains err "runway: deploy of '004_half' failed at migrations/004_half.sql:4: "
	expect_contains err "deploy --resume"
	db_has_table half || fail "the first statement of the no-transaction change did not stay"
	db_has_table after && fail "deploy went on after an interruption"
	expect_eq "$(db_sql "SELECT state FROM runway_history WHERE change_id = '004_half'")" started "state of 004_half"
	expect_eq "$(ev_count "WHERE change_id = '004_half' AND status = 'fail' AND error LIKE '%no_such_table%'")" 1 "fail event of 004_half"
	expect_exit 0 runway status
	expect_contains out "interrupted 004_half"
	expect_contains out "1 interrupted"
	expect_exit 0 runway status --json
	expect_eq "$(json_eval out '[c["state"] for c in d["changes"] if c["id"] == "004_half"]')" "['interrupted']" "status --json"
	expect_exit 2 runway deploy
	expect_contains err "runway: change '004_half' was interrupted"
	db_has_table after && fail "deploy after an interruption applied 005_after"
	ok "a no-transaction change failing half-way is interrupted; deploy then exits 2 naming it"

	cat >migrations/004_half.sql <<-'SQL'
		-- runway:no-transaction
		-- runway:deploy
		CREATE TABLE IF NOT EXISTS half (id integer);
		INSERT INTO half (id) VALUES (1);
		-- runway:revert
		DROP TABLE half;
	SQL
	expect_exit 0 runway deploy --resume
	expect_contains out "+ 004_half"
	expect_contains out "+ 005_after"
	expect_eq "$(db_sql "SELECT state FROM runway_history WHERE change_id = '004_half'")" applied "state after --resume"
	expect_eq "$(db_sql "SELECT count(*) FROM half")" 1 "rows of half"
	db_has_table after || fail "deploy --resume did not go on"
	expect_eq "$(ev_count "WHERE change_id = '004_half' AND action = 'resume' AND status = 'ok'")" 1 "resume event"
	expect_eq "$(db_sql "SELECT revert_sql FROM runway_history WHERE change_id = '004_half'")" "DROP TABLE half;" \
		"the revert SQL recorded for the resumed change is not the fixed file's"
	expect_exit 0 runway status
	expect_contains out "applied     004_half"
	expect_contains out "4 applied, 0 pending"
	ok "fixed, deploy --resume completes it (recording the fixed SQL) and goes on"

	# again, and settle it with revert --steps 1 instead
	expect_exit 0 runway revert --to 002_items_name
	sed 's/INSERT INTO half (id) VALUES (1);/INSERT INTO no_such_table (id) VALUES (1);/' \
		migrations/004_half.sql >t && mv t migrations/004_half.sql
	expect_exit 1 runway deploy
	expect_eq "$(db_sql "SELECT state FROM runway_history WHERE change_id = '004_half'")" started "state of 004_half"
	expect_exit 0 runway revert --steps 1
	expect_contains out "- 004_half"
	db_has_table half && fail "revert of the interrupted change left its table"
	expect_eq "$(hist_ids | tr '\n' ' ')" "001_items 002_items_name " "history after settling"
	expect_exit 0 runway status
	expect_contains out "pending     004_half"
	expect_not_contains out "interrupted"
	ok "revert --steps 1 settles an interrupted change"
}

# ---- t1006: change files ----------------------------------------------------

# bad_file ID MESSAGE: with this malformed file next to the good ones,
# status and deploy exit 2 with MESSAGE and the target is not touched.
bad_file() {
	db_dump >bad.before
	expect_exit 2 runway deploy
	expect_contains err "runway: $2"
	expect_exit 2 runway status
	expect_contains err "runway: $2"
	expect_dump_unchanged bad.before "a malformed change file ($1) let deploy touch the target"
	rm -f "migrations/$1.sql"
}

rel_test_change_files() {
	rel_project
	# 001_orders sorts first, but requires 002_customers (its foreign key needs it)
	write_change 001_orders "CREATE TABLE orders (id integer PRIMARY KEY,
  customer_id integer REFERENCES customers (id));
INSERT INTO customers (id) VALUES (7);
INSERT INTO orders (id, customer_id) VALUES (1, 7);" "DROP TABLE orders;
DELETE FROM customers WHERE id = 7;" "" "-- runway:requires 002_customers"
	write_change 002_customers "CREATE TABLE customers (id integer PRIMARY KEY);" "DROP TABLE customers;"
	expect_exit 0 runway status
	[ "$(grep -n 002_customers out | cut -d: -f1)" -lt "$(grep -n 001_orders out | cut -d: -f1)" ] ||
		fail "status does not list the required change first"
	expect_exit 0 runway deploy
	expect_eq "$(db_sql "SELECT change_id, position, requires FROM runway_history ORDER BY position" | tr '\n' ' ')" \
		"002_customers|1| 001_orders|2|002_customers " "deploy order with requires"
	expect_exit 0 runway revert --all
	expect_eq "$(db_user_tables)" "" "revert --all after requires"
	ok "a change requiring a later id deploys after it (and reverts before it)"

	write_change 003_ghost "SELECT 1;" "SELECT 1;" "" "-- runway:requires 009_nowhere"
	bad_file 003_ghost "migrations/003_ghost.sql: requires unknown change '009_nowhere'"
	write_change 003_chicken "SELECT 1;" "SELECT 1;" "" "-- runway:requires 004_egg"
	write_change 004_egg "SELECT 1;" "SELECT 1;" "" "-- runway:requires 003_chicken"
	bad_file 003_chicken "requires cycle among changes: 003_chicken, 004_egg"
	rm migrations/004_egg.sql
	ok "unknown requirement and requires cycle: exit 2, nothing applied"

	printf -- '-- runway:deploy\nCREATE TABLE nothing_back (id integer);\n' >migrations/005_oneway.sql
	bad_file 005_oneway "migrations/005_oneway.sql: no '-- runway:revert' section"
	printf -- '-- a comment is fine\n\nCREATE TABLE early (id integer);\n-- runway:deploy\nSELECT 1;\n-- runway:revert\nSELECT 1;\n' \
		>migrations/006_early.sql
	bad_file 006_early "migrations/006_early.sql:3: SQL before '-- runway:deploy'"
	printf -- '-- runway:deploy\nSELECT 1;\n-- runway:revret\nSELECT 1;\n' >migrations/007_typo.sql
	bad_file 007_typo "migrations/007_typo.sql:3: unknown directive 'runway:revret'"
	printf -- 'SELECT 1;\n' >migrations/008_bare.sql
	bad_file 008_bare "migrations/008_bare.sql:1: SQL before '-- runway:deploy'"
	printf -- '-- runway:deploy\nSELECT 1;\n-- runway:revert\nSELECT 1;\n' >'migrations/bad id!.sql'
	bad_file 'bad id!' "migrations/bad id!.sql: invalid change id 'bad id!'"
	ok "missing revert, SQL before the deploy marker (file:line), unknown directive, bad id: exit 2"

	printf -- '-- runway:irreversible\n-- runway:deploy\nCREATE TABLE ledger (id integer);\n' >migrations/010_ledger.sql
	mk_change 011_after_ledger after_ledger
	expect_exit 0 runway deploy
	db_has_table ledger || fail "the irreversible change was not deployed"
	expect_eq "$(db_sql "SELECT count(*) FROM runway_history WHERE change_id = '010_ledger' AND revert_sql IS NULL")" 1 \
		"revert_sql of an irreversible change"
	expect_exit 2 runway revert --all
	expect_contains err "runway: change '010_ledger' is irreversible"
	db_has_table after_ledger || fail "a refused revert reverted 011_after_ledger"
	expect_eq "$(hist_count)" 4 "history after the refused revert"
	expect_exit 0 runway revert --to 010_ledger
	db_has_table after_ledger && fail "revert --to the irreversible change did not revert the one after"
	db_has_table ledger || fail "revert --to dropped the irreversible change's table"
	ok "irreversible: deploys, revert across it is refused with exit 2 before touching anything"

	# CRLF and LF give the same checksum: SHA-256 of the deploy section
	printf -- '-- runway:deploy\r\nCREATE TABLE crlf (id integer);\r\nINSERT INTO crlf (id) VALUES (1);\r\n-- runway:revert\r\nDROP TABLE crlf;\r\n' \
		>migrations/012_crlf.sql
	expect_exit 0 runway deploy
	sum=$(sha256_deploy migrations/012_crlf.sql)
	expect_eq "$(printf 'CREATE TABLE crlf (id integer);\nINSERT INTO crlf (id) VALUES (1);\n' | sha256sum | cut -d' ' -f1)" \
		"$sum" "the test's own extraction of the deploy section"
	expect_eq "$(db_sql "SELECT checksum FROM runway_history WHERE change_id = '012_crlf'")" "$sum" "checksum of a CRLF file"
	tr -d '\r' <migrations/012_crlf.sql >t && mv t migrations/012_crlf.sql
	expect_exit 0 runway status
	expect_contains out "applied     012_crlf"
	expect_exit 0 runway deploy
	expect_eq "$(db_sql "SELECT checksum FROM runway_history WHERE change_id = '011_after_ledger'")" \
		"$(sha256_deploy migrations/011_after_ledger.sql)" "checksum of an LF file"
	ok "a CRLF file's checksum is the SHA-256 of its LF deploy section; converted to LF it is not modified"
}

# ---- t1007: labels and out-of-order changes ---------------------------------

rel_test_labels_order() {
	rel_project "  eu:
    url: '$DB_URL'
    labels: [eu]
  strict:
    url: '$DB_URL'
    strict_order: true"
	mk_change 001_base base
	mk_change 002_eu_only eu_only "-- runway:labels eu"
	mk_change 003_us_only us_only "-- runway:labels us"
	mk_change 004_billing billing "-- runway:labels eu billing"

	expect_exit 0 runway -e eu status
	expect_contains out "pending     002_eu_only"
	expect_contains out "skipped     003_us_only  (labels: us)"
	expect_contains out "1 skipped by labels"
	expect_exit 0 runway -e eu status --json
	expect_eq "$(json_eval out '[c["state"] for c in d["changes"]]')" "['pending', 'pending', 'skipped', 'pending']" "status --json -e eu"
	expect_eq "$(json_eval out '(d["changes"][2]["labels"], d["summary"]["skipped"])')" "(['us'], 1)" "status --json labels"
	expect_exit 0 runway -e eu deploy
	expect_eq "$(db_user_tables | tr '\n' ' ')" "base billing eu_only " "tables after deploy -e eu"
	expect_eq "$(db_sql "SELECT labels FROM runway_history WHERE change_id = '004_billing'")" "eu billing" "labels in history"
	expect_exit 0 runway -e eu status
	expect_contains out "skipped     003_us_only"
	expect_exit 0 runway -e eu status --labels us
	expect_contains out "pending     003_us_only"
	expect_exit 0 runway -e eu deploy --labels us
	expect_eq "$(db_user_tables | tr '\n' ' ')" "base billing eu_only us_only " "tables after deploy --labels us"
	ok "env labels: [eu] deploys unlabelled and eu changes; status shows the skipped; --labels overrides"

	db_reset
	expect_exit 0 runway deploy --labels billing,nothing
	expect_eq "$(db_user_tables | tr '\n' ' ')" "base billing " "tables after deploy --labels billing,nothing"
	expect_exit 0 runway status
	expect_contains out "out of order"
	expect_exit 0 runway deploy
	expect_contains out "out of order"
	expect_eq "$(db_user_tables | tr '\n' ' ')" "base billing eu_only us_only " "an environment without labels deploys all"
	ok "deploy --labels on an environment without labels; without a filter everything goes"

	db_reset
	rm migrations/00[234]_*.sql
	mk_change 003_newer newer
	expect_exit 0 runway deploy
	mk_change 002_merged merged
	expect_exit 0 runway status
	expect_contains out "pending     002_merged  (out of order)"
	expect_contains out "1 out of order"
	expect_exit 0 runway status --json
	expect_eq "$(json_eval out '(d["changes"][2]["id"], d["changes"][2]["out_of_order"], d["summary"]["out_of_order"])')" \
		"('002_merged', True, 1)" "status --json out of order"
	expect_exit 2 runway -e strict deploy
	expect_contains err "runway: change '002_merged' is older than the newest applied change, and the environment sets strict_order"
	db_has_table merged && fail "strict_order applied an out-of-order change"
	expect_exit 2 runway -e strict deploy --dry-run
	expect_exit 0 runway deploy
	expect_contains out "+ 002_merged"
	expect_contains out "out of order"
	db_has_table merged || fail "the out-of-order change was not applied"
	expect_eq "$(hist_ids | tr '\n' ' ')" "001_base 003_newer 002_merged " "positions after an out-of-order deploy"
	mk_change 002_also also
	expect_exit 0 runway deploy --json
	expect_eq "$(json_eval out '(d["out_of_order"], d["changes"][0]["out_of_order"])')" "(1, True)" "deploy --json out of order"
	ok "out-of-order: applied and reported by default, refused (exit 2) under strict_order"
}

# ---- t1008: kill -9 during deploy -------------------------------------------

# kill_assert_consistent WANT_ALL: every change in runway_history has its
# table with all its rows, every table has its history row, once; the
# deploy events match the history. WANT_ALL: all 30 must be there.
kill_assert_consistent() {
	db_wait_idle
	if db_has_table runway_history; then
		want=$(db_sql "SELECT change_id FROM runway_history ORDER BY change_id" | sed 's/^\([0-9]*\)_k$/k_\1/')
		expect_eq "$(db_sql "SELECT count(*) FROM runway_history WHERE state <> 'applied'")" 0 \
			"$2: history rows not applied"
		expect_eq "$(db_sql "SELECT count(*) FROM (SELECT change_id FROM runway_events
			WHERE action = 'deploy' AND status = 'ok' GROUP BY change_id HAVING count(*) > 1) d")" 0 \
			"$2: a change was deployed twice"
		expect_eq "$(ev_count "WHERE action = 'deploy' AND status = 'ok'")" "$(hist_count)" \
			"$2: deploy events and history rows differ"
	else
		want=
	fi
	got=$(db_user_tables)
	expect_eq "$got" "$want" "$2: tables and history rows differ"
	if [ -n "$got" ]; then
		q=$(echo "$got" | sed 's/.*/SELECT count(*) AS n FROM &/' | sed '$!s/$/ UNION ALL/')
		expect_eq "$(db_sql "SELECT count(*) FROM ($q) c WHERE n <> $KILL_ROWS")" 0 \
			"$2: a table lacks rows (half-applied change)"
	fi
	if [ "$1" = all ]; then
		expect_eq "$(echo "$got" | wc -l | tr -d ' ')" 30 "$2: tables after the re-run"
	fi
}

rel_test_kill() {
	runs=${RUNWAY_TEST_KILL_RUNS:-20}
	# big enough that a deploy of the 30 takes a few hundred ms
	case $ENGINE in
	sqlite) KILL_ROWS=20000 ;;
	pg) KILL_ROWS=5000 ;;
	esac
	rel_project
	i=1
	while [ $i -le 30 ]; do
		n=$(printf %02d $i)
		write_change "${n}_k" "CREATE TABLE k_$n (id integer PRIMARY KEY, v text);
INSERT INTO k_$n (id, v)
  WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < $KILL_ROWS)
  SELECT x, 'row ' || x FROM c;" "DROP TABLE k_$n;"
		i=$((i + 1))
	done
	t0=$(now_ms)
	expect_exit 0 runway deploy
	full=$(($(now_ms) - t0))
	kill_assert_consistent all "uninterrupted deploy"
	echo "# an uninterrupted deploy of 30 changes takes $full ms"

	run=1
	partial=0
	killed=0
	while [ $run -le "$runs" ]; do
		db_reset
		delay=$(awk -v s="$run" 'BEGIN { srand(s * 7919); printf "%.3f", rand() * 0.2 }')
		"$RUNWAY_BIN" deploy --lock-timeout 30 >/dev/null 2>&1 &
		pid=$!
		sleep "$delay"
		kill -9 "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null # no "Killed" from the shell
		rc=$?
		[ $rc -eq 137 ] && killed=$((killed + 1))
		kill_assert_consistent some "run $run (killed after ${delay}s, exit $rc)"
		n=$(hist_count)
		[ "$n" -gt 0 ] && [ "$n" -lt 30 ] && partial=$((partial + 1))
		expect_exit 0 runway deploy --lock-timeout 30
		kill_assert_consistent all "run $run, re-run"
		run=$((run + 1))
	done
	echo "# $runs runs: $killed killed, $partial of them half-way through the 30 changes"
	[ $partial -ge $((runs / 5 + 1)) ] ||
		fail "only $partial of $runs kills hit the middle of a deploy: make the changes slower"
	ok "kill -9 at random points of $runs deploys: never half-applied, a re-run completes all 30"
}

# ---- t1009: concurrent deploys and the deploy lock ----------------------------

# The deploy lock's key (and how pg_locks shows it) from src/driver/postgres.c.
pg_lock_key() {
	for _v in PG_LOCK_KEY PG_LOCK_CLASSID PG_LOCK_OBJID; do
		_x=$(sed -n "s/^#define $_v \"\(-\{0,1\}[0-9]*\)\"$/\1/p" "$RUNWAY_SRC/src/driver/postgres.c")
		[ -n "$_x" ] || fail "no '#define $_v \"NUMBER\"' in src/driver/postgres.c"
		eval "$_v=\$_x"
	done
}

# Hold the deploy lock from outside runway until lock_release; sets LOCK_PID.
lock_hold() {
	case $ENGINE in
	sqlite)
		# -o: the sleep does not inherit the lock; killing it ends flock
		rm -f "$TEST_DIR/lock.pid"
		# shellcheck disable=SC2016 # $$ and $1 are the inner shell's
		flock -o "$DB_FILE-runway.lock" sh -c 'echo $$ >"$1"; exec sleep 30' sh \
			"$TEST_DIR/lock.pid" >/dev/null 2>&1 &
		_n=0
		while [ ! -s "$TEST_DIR/lock.pid" ] || flock -n "$DB_FILE-runway.lock" true; do
			_n=$((_n + 1))
			[ $_n -le 250 ] || fail "flock did not take the lock"
			sleep 0.02
		done
		LOCK_PID=$(cat "$TEST_DIR/lock.pid")
		;;
	pg)
		pg_lock_key
		"$PG_PSQL" -X -q -d "$PG_URL" -c "SELECT pg_advisory_lock($PG_LOCK_KEY)" \
			-c "SELECT pg_sleep(30)" >/dev/null 2>&1 &
		LOCK_PID=$!
		_n=0
		while [ "$(pg_sql "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted
			AND classid = $PG_LOCK_CLASSID AND objid = $PG_LOCK_OBJID AND database = (SELECT oid FROM pg_database WHERE datname = current_database())")" != 1 ]; do
			_n=$((_n + 1))
			[ $_n -le 250 ] || fail "psql did not take the advisory lock"
			sleep 0.02
		done
		;;
	esac
	at_exit "kill $LOCK_PID"
}

lock_release() {
	kill "$LOCK_PID" 2>/dev/null
	wait "$LOCK_PID" 2>/dev/null
	if [ "$ENGINE" = pg ]; then
		pg_sql "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory'
			AND classid = $PG_LOCK_CLASSID AND objid = $PG_LOCK_OBJID AND database = (SELECT oid FROM pg_database WHERE datname = current_database())" >/dev/null
		db_wait_idle
	fi
}

rel_test_concurrent() {
	rel_project
	i=1
	while [ $i -le 100 ]; do
		n=$(printf %03d $i)
		write_change "${n}_c" "CREATE TABLE c_$n (id integer PRIMARY KEY);
INSERT INTO c_$n (id) VALUES ($i);" "DROP TABLE c_$n;"
		i=$((i + 1))
	done

	pids=
	i=1
	while [ $i -le 8 ]; do
		"$RUNWAY_BIN" deploy --lock-timeout 120 >"out.$i" 2>"err.$i" &
		pids="$pids $!"
		i=$((i + 1))
	done
	i=1
	for pid in $pids; do
		wait "$pid"
		rc=$?
		[ $rc -eq 0 ] || { cat "err.$i" >&2; fail "concurrent deploy $i exited $rc"; }
		i=$((i + 1))
	done
	expect_eq "$(hist_count)" 100 "history rows after 8 concurrent deploys"
	expect_eq "$(db_sql "SELECT count(DISTINCT change_id) FROM runway_history")" 100 "distinct history rows"
	expect_eq "$(ev_count "WHERE action = 'deploy' AND status = 'ok'")" 100 "deploy ok events"
	expect_eq "$(ev_count "WHERE status <> 'ok'")" 0 "failure events"
	expect_eq "$(db_user_tables | grep -c '^c_[0-9][0-9][0-9]$')" 100 "tables"
	expect_eq "$(db_sql "SELECT count(DISTINCT position) FROM runway_history")" 100 "distinct positions"
	total=$(cat out.* | sed -n 's/^\([0-9]*\) changes\{0,1\} deployed.*/\1/p' | awk '{ s += $1 } END { print s + 0 }')
	expect_eq "$total" 100 "changes the 8 deploys say they deployed"
	expect_eq "$(grep -l 'nothing to deploy' out.* | wc -l | tr -d ' ')" 7 "deploys that found nothing to do"
	ok "8 concurrent deploys of 100 changes: each change applied exactly once"

	mk_change 101_late late
	lock_hold
	t0=$(now_ms)
	expect_exit 3 runway deploy --lock-timeout 1
	took=$(($(now_ms) - t0))
	expect_contains err "runway: deploy lock on '"
	expect_contains err "is held by another runway"
	{ [ $took -ge 900 ] && [ $took -le 3500 ]; } || fail "deploy --lock-timeout 1 gave up after $took ms"
	db_has_table late && fail "a deploy that did not get the lock applied a change"
	expect_exit 3 runway revert --steps 1 --lock-timeout 1
	db_has_table c_100 || fail "a revert that did not get the lock reverted a change"
	expect_exit 0 runway deploy --dry-run
	expect_contains out "-- deploy 101_late"
	expect_exit 0 runway status
	ok "deploy and revert --lock-timeout 1 exit 3 after ~1 s ($took ms) while the lock is held"

	"$RUNWAY_BIN" deploy --lock-timeout 20 >out.w 2>err.w &
	waiter=$!
	sleep 0.5
	db_has_table late && fail "deploy did not wait for the lock"
	lock_release
	wait "$waiter" || { cat err.w >&2; fail "the waiting deploy failed"; }
	db_has_table late || fail "the waiting deploy did not apply 101_late"
	expect_eq "$(hist_count)" 101 "history after the waiting deploy"
	ok "a deploy waits for the lock and goes on once it is free"
}

# ---- t1010: ${name} placeholders from the environment's vars ----------------

# shellcheck disable=SC2016 # ${name} is runway's placeholder, not the shell's
rel_test_vars() {
	RW_TEST_SUFFIX=from_env
	export RW_TEST_SUFFIX
	rel_project "    vars: { table: menu_eu, greeting: 'hello world', suffix: '\${RW_TEST_SUFFIX}' }
  other:
    url: '$DB_URL'
    vars: { table: menu_us, greeting: hi, suffix: there }"
	write_change 001_menu 'CREATE TABLE ${table} (id integer PRIMARY KEY, note text);
INSERT INTO ${table} (id, note) VALUES (1, '"'"'${greeting} ${suffix}'"'"');
INSERT INTO ${table} (id, note) VALUES (2, '"'"'$${literal}'"'"');' 'DROP TABLE ${table};' \
		'SELECT id FROM ${table} WHERE 1 = 0;'

	expect_exit 0 runway deploy --dry-run
	expect_contains out "CREATE TABLE menu_eu (id integer PRIMARY KEY, note text);"
	expect_contains out "'hello world from_env'"
	expect_not_contains out '${table}'
	expect_exit 0 runway deploy
	expect_eq "$(db_user_tables)" menu_eu "tables after deploy with vars"
	expect_eq "$(db_sql "SELECT note FROM menu_eu ORDER BY id" | tr '\n' '|')" 'hello world from_env|${literal}|' \
		"values from vars, \$\${ for a literal"
	expect_eq "$(db_sql "SELECT revert_sql FROM runway_history")" "DROP TABLE menu_eu;" "stored revert SQL is expanded"
	expect_exit 0 runway verify
	expect_exit 0 runway revert --all
	expect_eq "$(db_user_tables)" "" "revert with the stored, expanded SQL"
	expect_exit 0 runway -e other deploy
	expect_eq "$(db_user_tables)" menu_us "-e other uses its own vars"
	expect_eq "$(db_sql "SELECT note FROM menu_us WHERE id = 1")" "hi there" "-e other's values"
	expect_exit 0 runway -e other revert --all
	ok "vars fill \${name} in deploy, revert and verify (values may use \${ENV}); each environment its own"

	mk_change 000_first first
	write_change 002_typo 'CREATE TABLE x_${tabel} (id integer);' 'DROP TABLE x_${table};'
	mk_change 003_last last
	db_dump >vars.before
	expect_exit 2 runway deploy
	expect_contains err "runway: migrations/002_typo.sql:2: unknown placeholder '\${tabel}'"
	expect_dump_unchanged vars.before "a deploy with an unknown placeholder changed the target"
	expect_eq "$(db_user_tables)" "" "a deploy with an unknown placeholder applied changes"
	expect_exit 2 runway deploy --dry-run
	expect_contains err "unknown placeholder '\${tabel}'"
	ok "an unknown placeholder: exit 2 with file:line, nothing applied (not even the changes before it)"

	unset RW_TEST_SUFFIX
	expect_exit 2 runway deploy
	expect_contains err "runway: environment 'dev', var 'suffix': unknown placeholder '\${RW_TEST_SUFFIX}'"
	expect_exit 0 runway -e other status
	ok "a var whose \${ENV} is unset: exit 2 naming it; other environments still work"
}

# ---- t1011: errors leave the target untouched ---------------------------------

rel_test_errors() {
	rel_project
	mk_change 001_one one
	expect_exit 0 runway deploy
	mk_change 002_two two
	db_dump >err.before

	sed 's/^migrations: migrations$/migrations: nope/' runway.yml >t && mv t runway.yml
	for cmd in deploy status verify; do
		# shellcheck disable=SC2086 # cmd is split on purpose
		expect_exit 2 runway $cmd
		expect_contains err "runway: cannot open 'nope': no such directory"
	done
	expect_dump_unchanged err.before "a missing migrations directory let a command touch the target"
	# revert runs the SQL stored at deploy time: it needs no change files
	expect_exit 0 runway revert --all
	expect_eq "$(hist_count)" 0 "history after revert without a migrations directory"
	db_has_table one && fail "revert without a migrations directory left table one"
	sed 's/^migrations: nope$/migrations: runway.yml/' runway.yml >t && mv t runway.yml
	expect_exit 2 runway deploy
	expect_contains err "runway: cannot open 'runway.yml': "
	sed 's/^migrations: runway.yml$/migrations: migrations/' runway.yml >t && mv t runway.yml
	expect_exit 0 runway deploy --to 001_one
	db_dump >err.before
	ok "a missing (or not a) migrations directory: exit 2, target untouched; revert still works"

	expect_exit 2 runway --db "ftp://$DB_URL" deploy
	expect_contains err "runway: invalid database URL 'ftp://"
	expect_contains err "unknown scheme"
	expect_exit 2 runway --db "" deploy
	expect_contains err "runway: empty database URL"
	expect_exit 2 runway -e nowhere deploy
	expect_contains err "runway: unknown environment 'nowhere'"
	expect_dump_unchanged err.before "a bad URL or environment let deploy touch the target"
	ok "bad URL scheme, empty URL, unknown environment: exit 2, target untouched"

	case $ENGINE in
	sqlite)
		expect_exit 3 runway --db sqlite:no/such/dir/dev.db deploy
		expect_contains err "runway: cannot open SQLite database 'no/such/dir/dev.db': "
		head -c 4096 /dev/urandom >garbage.db
		printf 'SQLite format 2\n' | dd of=garbage.db conv=notrunc 2>/dev/null
		cp garbage.db garbage.orig
		expect_exit 3 runway --db sqlite:garbage.db deploy
		expect_contains err "runway: cannot open SQLite database 'garbage.db': file is not a database"
		cmp -s garbage.db garbage.orig || fail "deploy wrote into a file that is no database"
		expect_exit 3 runway --db sqlite:garbage.db status
		ok "SQLite: a file that cannot be opened or is no database: exit 3, left alone"
		;;
	pg)
		port=${PG_URL#*://*:}
		port=${port%%/*}
		host_url=${PG_URL%%/"$PG_DB"*}
		expect_exit 3 runway --db "$host_url/rw_no_such_database" deploy
		expect_contains err "runway: cannot connect to '$host_url/rw_no_such_database': database \"rw_no_such_database\" does not exist"
		expect_exit 3 runway --db "postgres://rw_no_such_role@127.0.0.1:$port/$PG_DB" deploy
		expect_contains err "role \"rw_no_such_role\" does not exist"
		t0=$(now_ms)
		expect_exit 3 runway --db "postgres://runway@127.0.0.1:1/$PG_DB" deploy
		took=$(($(now_ms) - t0))
		[ $took -lt 3000 ] || fail "an unreachable server took $took ms to report"
		expect_contains err "runway: cannot connect to 'postgres://runway@127.0.0.1:1/$PG_DB': connection refused"
		expect_exit 3 runway --db "postgres://runway@127.0.0.1:1/$PG_DB?connect_timeout=1" status
		expect_dump_unchanged err.before "a failed connection touched the target"
		ok "PostgreSQL: no such database, no such role, nothing listening ($took ms): exit 3"
		;;
	esac
	expect_exit 0 runway deploy
	db_has_table two || fail "the project does not work after the error cases"
}

# ---- t1014: transaction control inside a change ------------------------------

rel_test_txn_control() {
	rel_project
	mk_change 001_one one
	write_change 002_commit "CREATE TABLE two (id integer);

COMMIT;
CREATE TABLE three (id integer);" "DROP TABLE three;
DROP TABLE two;"
	expect_exit 2 runway deploy
	expect_contains err "runway: deploy of '002_commit' failed at migrations/002_commit.sql:4: COMMIT inside a change"
	expect_contains err "no-transaction"
	expect_eq "$(hist_ids)" "001_one" "history after a change with COMMIT"
	db_has_table two && fail "a change with COMMIT left table two"
	db_has_table three && fail "a change with COMMIT left table three"
	ok "COMMIT inside a change: refused (exit 2), nothing of it applied"

	write_change 002_commit "BEGIN;
CREATE TABLE two (id integer);" "DROP TABLE two;"
	expect_exit 2 runway deploy
	expect_contains err "BEGIN inside a change"
	db_has_table two && fail "a change with BEGIN left table two"
	write_change 002_commit "CREATE TABLE two (id integer);
ROLLBACK;" "DROP TABLE two;"
	expect_exit 2 runway deploy
	expect_contains err "ROLLBACK inside a change"
	db_has_table two && fail "a change with ROLLBACK left table two"
	ok "BEGIN and ROLLBACK inside a change: refused"

	write_change 002_commit "SAVEPOINT s;
CREATE TABLE four (id integer);
ROLLBACK TO SAVEPOINT s;
CREATE TABLE five (id integer);
RELEASE SAVEPOINT s;" "DROP TABLE five;"
	expect_exit 0 runway deploy
	db_has_table five || fail "the savepoint change did not create five"
	db_has_table four && fail "ROLLBACK TO SAVEPOINT did not undo four"
	ok "savepoints stay inside the change's transaction and are allowed"

	write_change 003_own "BEGIN;
CREATE TABLE six (id integer);
COMMIT;" "DROP TABLE six;" "" "-- runway:no-transaction"
	expect_exit 0 runway deploy
	db_has_table six || fail "the no-transaction change did not create six"
	expect_eq "$(hist_count)" 3 "history after the no-transaction change"
	ok "a no-transaction change may manage its own transaction"
}
