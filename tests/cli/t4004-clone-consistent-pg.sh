#!/bin/sh
# runway clone of a PostgreSQL source that receives writes during the copy
# (SPEC §6: "rows as of one snapshot"). A writer session commits, as fast as
# it can, transactions that each
#     UPDATE counter SET v = v + 1                        -> v
#     INSERT INTO ledger (seq = v, account = a, amount = x)
#     UPDATE accounts SET total = total + x, n = n + 1 WHERE id = a
# while ledger is large (1M rows before the writer starts), so copying it
# takes a while and the small tables are copied long before or after it.
# In any one snapshot, and so in the clone:
#     counter.v = max(ledger.seq) = count(ledger rows with a seq)
#     every account's total and n = sum and count of its ledger rows
#     the ledger's sequence is past max(ledger.id)
# Tables copied at different moments (no shared snapshot among the parallel
# workers, or the small tables read in another transaction) break these.
# Also: the clone's snapshot lies inside the run (counter between its values
# before and after), writes really happened during the copy, the auto
# strategy streams (the source is in use), and masking in flight keeps it.
. "$RUNWAY_SRC/tests/cli/lib.sh"
. "$RUNWAY_SRC/tests/cli/lib-pg.sh"
pg_setup

ROWS=${RUNWAY_TEST_CLONE_ROWS:-1000000}
"$RUNWAY_BIN" clone --help >/dev/null 2>&1 || fail "runway clone does not exist"
command -v python3 >/dev/null 2>&1 || skip "python3 missing"

drop_clones() {
	for _d in $(pg_admin_sql "SELECT datname FROM pg_database WHERE left(datname, ${#PG_DB} + 1) = '${PG_DB}_'"); do
		pg_admin_sql "DROP DATABASE IF EXISTS \"$_d\" WITH (FORCE)" >/dev/null
	done
}
url() { pg_url_with_db "$PG_ADMIN_URL" "$1"; }
pq() {
	_db=$1
	shift
	PGOPTIONS="-c client_min_messages=warning" "$PG_PSQL" -X -q -t -A -v ON_ERROR_STOP=1 -d "$(url "$_db")" "$@"
}
stop_writer() {
	pg_admin_sql "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'rw_t4004_writer'" >/dev/null
	[ -n "${writer:-}" ] && wait "$writer" 2>/dev/null
	writer=
}
at_exit drop_clones
at_exit stop_writer
drop_clones

pq "$PG_DB" >/dev/null <<-SQL || fail "building the source"
	CREATE TABLE accounts (id int PRIMARY KEY, total bigint NOT NULL, n bigint NOT NULL);
	CREATE TABLE counter (id int PRIMARY KEY, v bigint NOT NULL);
	CREATE TABLE ledger (
		id bigserial PRIMARY KEY,
		seq bigint UNIQUE,
		account int NOT NULL REFERENCES accounts (id),
		amount int NOT NULL,
		memo text NOT NULL
	);
	INSERT INTO accounts SELECT a, 0, 0 FROM generate_series(1, 100) AS a;
	INSERT INTO counter VALUES (1, 0);
	INSERT INTO ledger (account, amount, memo)
	SELECT n % 100 + 1, n % 1000, 'Zq memo ' || n || 'x' FROM generate_series(1, $ROWS) AS n;
	UPDATE accounts a SET total = s.t, n = s.c
	FROM (SELECT account, sum(amount) AS t, count(*) AS c FROM ledger GROUP BY 1) s WHERE a.id = s.account;
	CREATE INDEX ledger_account ON ledger (account);
	CREATE PROCEDURE write_for(secs int) LANGUAGE plpgsql AS \$\$
	DECLARE
		x bigint;
		a int;
		stop timestamptz := clock_timestamp() + make_interval(secs => secs);
	BEGIN
		LOOP
			UPDATE counter SET v = v + 1 WHERE id = 1 RETURNING v INTO x;
			a := x % 100 + 1;
			INSERT INTO ledger (seq, account, amount, memo) VALUES (x, a, x % 997, 'Zq write ' || x || 'x');
			UPDATE accounts SET total = total + x % 997, n = n + 1 WHERE id = a;
			COMMIT;
			EXIT WHEN clock_timestamp() > stop;
		END LOOP;
	END \$\$;
	ANALYZE;
SQL
cat >runway.yml <<-'YML'
	mask:
	  key: ${RUNWAY_MASK_KEY}
	  rules:
	    ledger.memo: hash
YML
RUNWAY_MASK_KEY=k-Consistency-Test-Key-0c2d
export RUNWAY_MASK_KEY

# INVARIANTS on a database: prints nothing when they hold
INVARIANTS="
SELECT 'counter ' || c.v || ' <> max(seq) ' || coalesce(max(l.seq), 0) || ' or count(seq) ' || count(l.seq)
	FROM counter c LEFT JOIN ledger l ON l.seq IS NOT NULL GROUP BY c.v
	HAVING c.v <> coalesce(max(l.seq), 0) OR c.v <> count(l.seq);
SELECT 'account ' || a.id || ': total ' || a.total || ' n ' || a.n || ' but the ledger has ' || coalesce(s.t, 0) || ' in ' || coalesce(s.c, 0)
	FROM accounts a LEFT JOIN (SELECT account, sum(amount) AS t, count(*) AS c FROM ledger GROUP BY 1) s ON s.account = a.id
	WHERE (a.total, a.n) IS DISTINCT FROM (coalesce(s.t, 0), coalesce(s.c, 0));
SELECT 'sequence ledger_id_seq at ' || last_value || ' behind max(id) ' || (SELECT max(id) FROM ledger)
	FROM ledger_id_seq WHERE last_value < (SELECT max(id) FROM ledger);"
[ -z "$(pq "$PG_DB" -c "$INVARIANTS")" ] || fail "the invariants do not hold on the idle source: $(pq "$PG_DB" -c "$INVARIANTS")"

v() { pq "$PG_DB" -c "SELECT v FROM counter"; }
start_writer() {
	"$PG_PSQL" -X -q -d "$PG_URL?application_name=rw_t4004_writer" -c "CALL write_for(300)" >/dev/null 2>&1 &
	writer=$!
	_i=0
	_v0=$(v)
	until [ "$(v)" -gt "$((_v0 + 100))" ]; do
		_i=$((_i + 1))
		[ $_i -lt 100 ] || fail "the writer does not write"
		sleep 0.1
	done
}
ok "source: $ROWS ledger rows; the invariants hold"

# clone_under_writes NAME ARGS...: clone while the writer runs, check the invariants
clone_under_writes() {
	_name=${PG_DB}_$1
	shift
	start_writer
	_before=$(v)
	expect_exit 0 runway --json clone "$PG_URL" "$(url "$_name")" "$@"
	_after=$(v)
	stop_writer
	python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); assert d["strategy"] == "stream", d' out ||
		fail "$*: expected the stream strategy on a source in use: $(cat out)"
	_bad=$(pq "$_name" -c "$INVARIANTS") || fail "$*: querying the clone"
	[ -z "$_bad" ] || fail "$*: the clone is not one snapshot: $(echo "$_bad" | head -5)"
	_v=$(pq "$_name" -c "SELECT v FROM counter")
	if [ "$_v" -lt "$_before" ] || [ "$_v" -gt "$_after" ]; then
		fail "$*: the clone's counter $_v is outside the run's [$_before, $_after]"
	fi
	[ "$((_after - _before))" -ge 200 ] ||
		fail "$*: only $((_after - _before)) writes during the clone: the test proves little (raise RUNWAY_TEST_CLONE_ROWS)"
	_r=$(pq "$_name" -c "SELECT count(*) FROM ledger")
	[ "$_r" = "$((ROWS + _v))" ] || fail "$*: $_r ledger rows, expected $ROWS + $_v"
	echo "# clone ${*:-(no options)}: snapshot at counter $_v; $((_after - _before)) transactions committed during the clone"
}

clone_under_writes plain
ok "auto on a source in use: stream, one snapshot (counter, sums per account, sequence)"
clone_under_writes jobs4 --jobs 4 --strategy stream
ok "--jobs 4: one snapshot across the workers"
clone_under_writes masked --mask --jobs 3
[ "$(pq "${PG_DB}_masked" -c "SELECT count(*) FROM ledger WHERE memo LIKE 'Zq%' OR memo !~ '^[0-9a-f]{32}\$'")" = 0 ] ||
	fail "--mask: memos not hashed"
ok "--mask --jobs 3: one snapshot, memos hashed in flight"

[ -z "$(pq "$PG_DB" -c "$INVARIANTS")" ] || fail "the invariants do not hold on the source after the writes"
done_testing
