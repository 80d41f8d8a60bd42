#!/bin/sh
# runway clone on PostgreSQL (SPEC §6), checked on the databases it makes:
# the source of tests/fixtures/clone/source-pg.sql (128,103 rows: identity,
# serial and free sequences, a generated column, a partitioned table, a
# second schema, a statement trigger, a view, large objects) cloned with the
# stream, template (auto on an idle source) and command strategies, as is and
# with --mask (tests/fixtures/clone/runway.yml plus audit.log.actor: hash):
#   - every table has the source's rows; the schema (pg_dump --schema-only)
#     is the source's; sequences continue; the generated column is computed;
#     partitions hold the same rows; the trigger did not fire while loading;
#     large objects have the same bytes; unmasked columns are identical
#   - no original value of a masked column anywhere in a pg_dump of the copy,
#     in its statistics (pg_stats), nor in its files (dead rows, indexes)
#   - what each function promises (as in t4001), joins on masked e-mails hold
#   - the same key gives the same values whatever the strategy and --jobs,
#     another key other values; the key is never printed nor stored
#   - template is refused (exit 2) when the source is in use, and auto then
#     streams; refusals (exit 2) create nothing; an unreachable server is
#     exit 3 without the password; a failing snapshot command leaves nothing
. "$RUNWAY_SRC/tests/cli/lib.sh"
. "$RUNWAY_SRC/tests/cli/lib-pg.sh"
pg_setup

FIX=$RUNWAY_SRC/tests/fixtures/clone
KEY1='k1-Runway-Clone-Test-Key-7f3a9c'
KEY2='k2-Another-Key-For-Clone-Tests-d41e'
TABLES="customers orders payments newsletter events audit.log documents"
NROWS=128103
case $PG_PSQL in
*/*) PG_BIN=$(dirname "$PG_PSQL")/ ;;
*) PG_BIN= ;;
esac
"$RUNWAY_BIN" clone --help >/dev/null 2>&1 || fail "runway clone does not exist"

# every database this script makes is ${PG_DB}_<suffix>; all dropped at exit
drop_clones() {
	for _d in $(pg_admin_sql "SELECT datname FROM pg_database WHERE left(datname, ${#PG_DB} + 1) = '${PG_DB}_'"); do
		pg_admin_sql "DROP DATABASE IF EXISTS \"$_d\" WITH (FORCE)" >/dev/null
	done
}
at_exit drop_clones
drop_clones

url() { pg_url_with_db "$PG_ADMIN_URL" "$1"; }
# pq DB ARGS...: psql on database DB, bare rows
pq() {
	_db=$1
	shift
	PGOPTIONS="-c client_min_messages=warning" "$PG_PSQL" -X -q -t -A -v ON_ERROR_STOP=1 -d "$(url "$_db")" "$@"
}
# how many databases have NAME in their name (a target under a temporary name counts)
dbs_named() { pg_admin_sql "SELECT count(*) FROM pg_database WHERE strpos(datname, '$1') > 0"; }
# zero DB WHAT SQL: the count SQL returns must be 0
zero() {
	_n=$(pq "$1" -c "$3") || fail "$2: query failed on $1: $3"
	[ "$_n" = 0 ] || fail "$2: $_n rows on $1 (expected 0): $3"
}
# vs_src DB TABLE SQL: SQL on DB with the source's TABLE as temporary table o
vs_src() {
	pq "$PG_DB" -c "COPY (SELECT * FROM $2) TO STDOUT" |
		pq "$1" -c "CREATE TEMP TABLE o (LIKE $2)" -c "COPY o FROM STDIN" -c "$3"
}
# zero_vs_src DB TABLE WHAT SQL
zero_vs_src() {
	_n=$(vs_src "$1" "$2" "$4") || fail "$3: query failed on $1: $4"
	[ "$_n" = 0 ] || fail "$3: $_n rows on $1 (expected 0): $4"
}
# same WHAT SQL DB1 DB2: the queries print the same on both
same() {
	pq "$3" -c "$2" >same.1 || fail "$1: query failed on $3"
	pq "$4" -c "$2" >same.2 || fail "$1: query failed on $4"
	[ -s same.1 ] || fail "$1: no rows on $3"
	cmp -s same.1 same.2 || fail "$1: $3 and $4 differ: $(diff same.1 same.2 | head -6)"
}
counts() {
	for _t in $TABLES; do printf '%s %s\n' "$_t" "$(pq "$1" -c "SELECT count(*) FROM $_t")"; done
}
no_secret() {
	for _f in out err; do
		for _k in "$KEY1" "$KEY2"; do expect_not_contains "$_f" "$_k"; done
	done
}
# ran_clean DB: exit 0 was checked; no key, quiet stderr, DB exists
ran_clean() {
	no_secret
	[ ! -s err ] || fail "stderr of a successful clone is not empty: $(head -c 300 err)"
	[ "$(dbs_named "$1")" = 1 ] || fail "database $1: $(dbs_named "$1") databases so named"
}
summary() { # DB STRATEGY [masked]: the one line of output (template, command: no rows, bytes)
	_re="^cloned .* into .*$1: [0-9]+ tables(, [0-9,]+ rows)?(, [0-9][0-9.,]* [A-Za-z]+)? in [0-9][0-9.,]* s \\($2"
	if [ -n "${3:-}" ]; then _re="$_re, ([0-9,]+ columns? )?masked\\)\$"; else _re="$_re\\)\$"; fi
	if [ "$(wc -l <out)" != 1 ] || ! grep -Eq "$_re" out; then
		fail "summary line, expected /$_re/: $(cat out)"
	fi
}
# pg_dump of DB without the random \restrict lines of pg_dump >= 15.14
dump() { "${PG_BIN}pg_dump" --no-owner -d "$(url "$1")" | grep -v '^\\\(un\)\{0,1\}restrict '; }
schema() { "${PG_BIN}pg_dump" --schema-only -d "$(url "$1")" | grep -v -e '^--' -e '^\\\(un\)\{0,1\}restrict '; }

# leaks DB: where originals of masked columns survive outside the live rows
# pg_dump shows: in the planner's statistics (pg_stats: anyone who may read
# the table sees them), and - as a superuser, after a CHECKPOINT - in the
# bytes of any relation's files (dead row versions, index entries, TOAST of
# pg_statistic). Prints what it finds; nothing when clean.
MARKERS="ARRAY['origmail.test', 'x Customer', 'Zq note ', '4929-', 'Zq-admin-']"
SUPER=$(pg_admin_sql "SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
leaks() {
	pq "$1" -c "SELECT 'pg_stats ' || schemaname || '.' || tablename || '.' || attname FROM pg_stats
		WHERE schemaname NOT IN ('pg_catalog', 'information_schema') AND EXISTS (
			SELECT FROM unnest($MARKERS) AS m
			WHERE strpos(coalesce(most_common_vals::text, '') || coalesce(histogram_bounds::text, ''), m) > 0)"
	[ "$SUPER" = t ] || return 0
	pq "$1" -c "CHECKPOINT" -c "SELECT 'file of ' || c.oid::regclass FROM pg_class c
		CROSS JOIN LATERAL (SELECT pg_read_binary_file(pg_relation_filepath(c.oid)) AS f) x
		WHERE c.relkind IN ('r', 'i', 't', 'm') AND pg_relation_size(c.oid) > 0 AND EXISTS (
			SELECT FROM unnest($MARKERS) AS m WHERE position(convert_to(m, 'UTF8') IN x.f) > 0)
		ORDER BY 1"
}

# ---- the source --------------------------------------------------------------------

pq "$PG_DB" -f "$FIX/source-pg.sql" >/dev/null || fail "loading source-pg.sql"
counts "$PG_DB" >src.counts
[ "$(awk '{ n += $2 } END { print n }' src.counts)" = $NROWS ] || fail "source: $(cat src.counts)"
pq "$PG_DB" -c "SELECT email FROM customers UNION ALL SELECT full_name FROM customers
	UNION ALL SELECT phone FROM customers WHERE phone IS NOT NULL UNION ALL SELECT card FROM payments
	UNION ALL SELECT note FROM orders WHERE note IS NOT NULL UNION ALL SELECT email FROM newsletter
	UNION ALL SELECT actor FROM audit.log" >originals.txt
"${PG_BIN}pg_dump" -d "$PG_URL" >src.dump || fail "pg_dump of the source"
leaks "$PG_DB" >src.leaks
grep -q '^file of customers$' src.leaks || [ "$SUPER" != t ] ||
	fail "leaks finds nothing in the source's files: the check would prove nothing ($(cat src.leaks))"
[ "$(grep -c -F -f originals.txt src.dump)" -ge 90000 ] ||
	fail "the originals are not found in the source's own dump: the check would prove nothing"
schema "$PG_DB" >src.schema
SRC_SUM=$(pq "$PG_DB" -c "SELECT md5(string_agg(t::text, '' ORDER BY t::text)) FROM (
	SELECT c::text AS t FROM customers c UNION ALL SELECT o::text FROM orders o
	UNION ALL SELECT p::text FROM payments p UNION ALL SELECT n::text FROM newsletter n
	UNION ALL SELECT e::text FROM events e UNION ALL SELECT l::text FROM audit.log l) x")

SRC_URL=$PG_URL
{
	printf 'default_env: prod\nenvironments:\n  prod:\n    url: %s\n  stage:\n    url: %s\n' "$SRC_URL" "$(url "${PG_DB}_stage")"
	printf 'clone:\n  command: sh %s/snapshot.sh\n' "$TEST_DIR"
	cat "$FIX/runway.yml"
	printf '    audit.log.actor: hash\n'
} >runway.yml
ok "source: $NROWS rows, $(wc -l <originals.txt) original values of masked columns"

# ---- a plain copy by stream ------------------------------------------------------

expect_exit 0 runway clone "$SRC_URL" "$(url "${PG_DB}_plain")" --strategy stream
ran_clean "${PG_DB}_plain"
summary "${PG_DB}_plain" stream
P=${PG_DB}_plain
counts "$P" >plain.counts
cmp -s src.counts plain.counts || fail "row counts: $(diff src.counts plain.counts)"
schema "$P" >plain.schema
cmp -s src.schema plain.schema || fail "schema of the copy: $(diff src.schema plain.schema | head -20)"
# the dumps' lines sorted: rows may come in another physical order
dump "$P" | sort >plain.dump
dump "$PG_DB" | sort >src.noowner.dump
cmp -s src.noowner.dump plain.dump || fail "pg_dump of the plain copy differs: $(diff src.noowner.dump plain.dump | head -10)"
ok "stream, unmasked: pg_dump of the copy (schema, data, sequences, large objects) has the source's lines"

CHECKS="SELECT tableoid::regclass, count(*), min(created_at), max(created_at) FROM events GROUP BY 1 ORDER BY 1;
	SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_class c WHERE c.relispartition ORDER BY 1;
	SELECT schemaname, sequencename, last_value FROM pg_sequences ORDER BY 1, 2;
	SELECT d.id, d.content, md5(lo_get(d.content)) FROM documents d ORDER BY 1;
	SELECT count(*) FROM pg_largeobject_metadata;
	SELECT count(*) FROM audit.log;
	SELECT tgname, tgenabled FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1;
	SELECT attname, attgenerated FROM pg_attribute WHERE attrelid = 'orders'::regclass AND attnum > 0 ORDER BY attnum;
	SELECT count(*), sum(n) FROM order_totals"
same "structure" "$CHECKS" "$PG_DB" "$P"
[ "$(pq "$P" -c "SELECT count(*) FROM audit.log")" = 101 ] || fail "the trigger fired while loading orders"
zero "$P" "generated column" "SELECT count(*) FROM orders WHERE amount_cents IS DISTINCT FROM (amount * 100)::bigint"
zero "$P" "partitions" "SELECT count(*) FROM events WHERE tableoid::regclass::text <> 'events_' || extract(year FROM created_at AT TIME ZONE 'UTC')"
[ "$(pq "$P" -c "SELECT nextval(pg_get_serial_sequence('customers', 'id')) > (SELECT max(id) FROM customers)
	AND nextval(pg_get_serial_sequence('orders', 'id')) > (SELECT max(id) FROM orders)
	AND nextval('events_id_seq') > (SELECT max(id) FROM events)
	AND nextval(pg_get_serial_sequence('audit.log', 'id')) > (SELECT max(id) FROM audit.log)")" = t ] ||
	fail "the copy's sequences do not continue after the copied ids"
pq "$P" -c "INSERT INTO customers (email, full_name, country, created_at) VALUES ('new@x.test', 'N', 'US', now())" \
	-c "INSERT INTO orders (customer_id, amount, created_at) VALUES (1, 1.50, now())" >/dev/null ||
	fail "inserting into the copy with default ids"
[ "$(pq "$P" -c "SELECT amount_cents FROM orders ORDER BY id DESC LIMIT 1; SELECT count(*) FROM audit.log")" = "150
102" ] || fail "generated column or trigger of the copy do not work on new rows"
ok "partitions, sequences continue, generated column, trigger (did not fire while loading, fires now), large objects"

# ---- masked by stream ----------------------------------------------------------

RUNWAY_MASK_KEY=$KEY1
export RUNWAY_MASK_KEY
A=${PG_DB}_a
expect_exit 0 runway clone prod "$(url "$A")" --mask --jobs 1
ran_clean "$A"
summary "$A" stream masked
counts "$A" >a.counts
cmp -s src.counts a.counts || fail "row counts: $(diff src.counts a.counts)"
dump "$A" >a.dump || fail "pg_dump of the masked copy"
if grep -F -f originals.txt a.dump >leak.txt; then
	fail "$(wc -l <leak.txt) lines of pg_dump of the masked copy hold original values, e.g.: $(head -c 300 leak.txt)"
fi
grep -q -F "$KEY1" a.dump && fail "the key is stored in the copy"
schema "$A" >a.schema
cmp -s src.schema a.schema || fail "schema of the masked copy: $(diff src.schema a.schema | head -20)"
same "structure" "$CHECKS" "$PG_DB" "$A"
leaks "$A" >leak.txt
[ ! -s leak.txt ] || fail "stream --mask: originals survive in $(tr '\n' ' ' <leak.txt)"
ok "--mask (auto -> stream, SRC an environment): same rows and schema, no original value in pg_dump, statistics or files, no key"

zero_vs_src "$A" customers "customers masked" "SELECT count(*) FROM customers c JOIN o USING (id)
	WHERE c.email = o.email OR c.full_name = o.full_name OR c.phone = o.phone
	OR c.email !~ '^[^@ ]+@[^@ ]+\.[a-z]+\$' OR c.email LIKE '%origmail%'
	OR c.full_name LIKE '%Zq%' OR c.full_name !~ '^\S+ \S'
	OR (c.phone IS NULL) <> (o.phone IS NULL)
	OR translate(c.phone, '0123456789', 'DDDDDDDDDD') <> translate(o.phone, '0123456789', 'DDDDDDDDDD')
	OR (c.birth_date IS NULL) <> (o.birth_date IS NULL) OR c.birth_date = o.birth_date
	OR abs(c.birth_date - o.birth_date) > 30
	OR (c.country, c.created_at) IS DISTINCT FROM (o.country, o.created_at)"
[ "$(vs_src "$A" customers "SELECT count(*) FROM customers JOIN o USING (id)")" = 20000 ] || fail "customers' ids changed"
n=$(vs_src "$A" customers "SELECT count(DISTINCT c.birth_date - o.birth_date) FROM customers c JOIN o USING (id)")
[ "$n" -ge 20 ] || fail "shift_days: only $n distinct offsets"
[ "$(pq "$A" -c "SELECT count(DISTINCT email) = count(*) FROM customers")" = t ] || fail "masked e-mails not unique"
[ "$(pq "$A" -c "SELECT count(DISTINCT full_name) > 100 FROM customers")" = t ] || fail "too few distinct masked names"
ok "customers: e-mails valid and unique, names from the lists, phones keep their format, dates moved 1..30 days ($n offsets)"

zero_vs_src "$A" orders "orders masked" "SELECT count(*) FROM orders c JOIN o USING (id)
	WHERE c.note IS NOT NULL OR abs(c.amount - o.amount) > o.amount * 0.10 + 0.005
	OR c.amount_cents IS DISTINCT FROM (c.amount * 100)::bigint
	OR (c.customer_id, c.created_at) IS DISTINCT FROM (o.customer_id, o.created_at)"
n=$(vs_src "$A" orders "SELECT count(*) FROM orders c JOIN o USING (id) WHERE c.amount <> o.amount")
[ "$n" -gt 30000 ] || fail "noise 10: only $n of 40000 amounts changed"
zero_vs_src "$A" payments "payments.card redact 4" "SELECT count(*) FROM payments c JOIN o USING (id)
	WHERE length(c.card) <> length(o.card) OR right(c.card, 4) <> right(o.card, 4)
	OR ltrim(left(c.card, -4), '*') <> '' OR (c.order_id, c.\"Method\", c.paid_at) IS DISTINCT FROM (o.order_id, o.\"Method\", o.paid_at)"
zero_vs_src "$A" newsletter "newsletter" "SELECT count(*) FROM newsletter c JOIN o USING (id)
	WHERE c.email = o.email OR c.email !~ '^[^@ ]+@[^@ ]+\.[a-z]+\$' OR (c.topic, c.subscribed_at) IS DISTINCT FROM (o.topic, o.subscribed_at)"
zero_vs_src "$A" audit.log "audit.log.actor hash" "SELECT count(*) FROM audit.log c JOIN o USING (id)
	WHERE c.actor = o.actor OR c.actor !~ '^[0-9a-f]{32}\$' OR (c.action, c.at) IS DISTINCT FROM (o.action, o.at)"
[ "$(pq "$A" -c "SELECT count(DISTINCT actor) FROM audit.log")" = 101 ] || fail "hash: distinct actors do not stay distinct"
ok "notes NULL, amounts within 10 % ($n changed) with amount_cents recomputed, cards keep 4, actors hashed (schema.table.column rule)"

UNMASKED="SELECT md5(string_agg(concat_ws('|', id, country, created_at), ',' ORDER BY id)) FROM customers;
	SELECT md5(string_agg(concat_ws('|', id, customer_id, created_at), ',' ORDER BY id)) FROM orders;
	SELECT md5(string_agg(concat_ws('|', id, order_id, \"Method\", paid_at), ',' ORDER BY id)) FROM payments;
	SELECT md5(string_agg(concat_ws('|', id, topic, subscribed_at), ',' ORDER BY id)) FROM newsletter;
	SELECT md5(string_agg(e::text, ',' ORDER BY id)) FROM events e;
	SELECT md5(string_agg(concat_ws('|', id, action, at), ',' ORDER BY id)) FROM audit.log;
	SELECT md5(string_agg(d::text, ',' ORDER BY id)) FROM documents d"
same "unmasked columns" "$UNMASKED" "$PG_DB" "$A"
JOINS="SELECT count(*), md5(string_agg(n.id || '=' || c.id, ',' ORDER BY n.id)) FROM newsletter n JOIN customers c ON c.email = n.email;
	SELECT count(*) FROM orders o JOIN customers c ON c.id = o.customer_id;
	SELECT count(*) FROM payments p JOIN orders o ON o.id = p.order_id;
	SELECT count(*) FROM events e JOIN customers c ON c.id = e.customer_id"
same "joins" "$JOINS" "$PG_DB" "$A"
[ "$(pq "$A" -c "SELECT count(*) FROM newsletter n JOIN customers c ON c.email = n.email")" = 6000 ] ||
	fail "the newsletter does not join 6000 customers"
ok "unmasked columns identical (md5 per table); newsletter joins the same 6000 customers; FK joins unchanged"

# ---- determinism across runs, --jobs and strategies ---------------------------------

MASKED="SELECT id, email, full_name, phone, birth_date FROM customers ORDER BY id;
	SELECT id, email FROM newsletter ORDER BY id;
	SELECT id, amount, amount_cents, note FROM orders ORDER BY id;
	SELECT id, card FROM payments ORDER BY id;
	SELECT id, actor FROM audit.log ORDER BY id"
expect_exit 0 runway clone prod stage --mask --jobs 4
ran_clean "${PG_DB}_stage"
summary "" stream masked
same "same key, --jobs 4" "$MASKED" "$A" "${PG_DB}_stage"
ok "same key, another run (DST an environment, --jobs 4): identical masked values"

expect_exit 0 runway clone prod "$(url "${PG_DB}_tplmask")" --mask --strategy template
ran_clean "${PG_DB}_tplmask"
summary "${PG_DB}_tplmask" template masked
dump "${PG_DB}_tplmask" >tm.dump
grep -F -f originals.txt tm.dump >leak.txt && fail "template + mask in place: pg_dump holds originals: $(head -c 300 leak.txt)"
grep -q -F "$KEY1" tm.dump && fail "template + mask: the key is stored in the copy"
same "template + mask in place vs stream" "$MASKED" "$A" "${PG_DB}_tplmask"
same "template + mask: unmasked" "$UNMASKED" "$PG_DB" "${PG_DB}_tplmask"
ok "--strategy template --mask (in place): no originals in pg_dump; the same values as the stream"

RUNWAY_MASK_KEY=$KEY2
C=${PG_DB}_c
expect_exit 0 runway clone "$SRC_URL" "$(url "$C")" --mask
ran_clean "$C"
pq "$A" -c "COPY (SELECT id, email, full_name, phone, birth_date FROM customers ORDER BY id) TO STDOUT" >a.cust
pq "$C" -c "COPY (SELECT id, email, full_name, phone, birth_date FROM customers ORDER BY id) TO STDOUT" >c.cust
paste a.cust c.cust | awk -F '\t' '
	$2 == $7 { e++ } $3 == $8 { n++ } $4 == $9 { p++ } $5 == $10 && $5 != "\\N" { d++ }
	END { if (NR != 20000 || e > 0 || n >= 2000 || p >= 200 || d >= 2000) {
		printf "rows %d, equal e-mails %d, names %d, phones %d, dates %d\n", NR, e, n, p, d; exit 1 } }' >cmp.txt ||
	fail "another key gives the same values: $(cat cmp.txt)"
same "another key: joins" "$JOINS" "$PG_DB" "$C"
ok "another key: other e-mails, names, phones and dates; the joins still hold"

# ---- strategies -----------------------------------------------------------------

RUNWAY_MASK_KEY=$KEY1
expect_exit 0 runway clone prod "$(url "${PG_DB}_auto")"
ran_clean "${PG_DB}_auto"
summary "${PG_DB}_auto" template
dump "${PG_DB}_auto" | sort >auto.dump
cmp -s src.noowner.dump auto.dump || fail "the template copy differs: $(diff src.noowner.dump auto.dump | head)"
ok "auto on an idle source, nothing masked: template, an exact copy"

# someone connected to the source: template refused, auto streams
"$PG_PSQL" -X -q -d "$SRC_URL?application_name=rw_t4002_busy" -c "SELECT pg_sleep(120)" >/dev/null 2>&1 &
busy=$!
at_exit "kill $busy"
i=0
until [ "$(pq "$PG_DB" -c "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'rw_t4002_busy'")" = 1 ]; do
	i=$((i + 1))
	[ $i -lt 100 ] || fail "the busy session did not start"
	sleep 0.1
done
expect_exit 2 runway clone prod "$(url "${PG_DB}_busy")" --strategy template
[ "$(dbs_named "${PG_DB}_busy")" = 0 ] || fail "a refused template clone created a database"
expect_exit 0 runway --json clone prod "$(url "${PG_DB}_busy")"
python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); assert d["strategy"] == "stream", d' out ||
	fail "auto on a busy source: $(cat out)"
pq "$PG_DB" -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'rw_t4002_busy'" >/dev/null
wait $busy 2>/dev/null
same "busy source: data" "$UNMASKED" "$PG_DB" "${PG_DB}_busy"
ok "a session on the source: --strategy template -> exit 2, nothing created; auto -> stream"

# the snapshot command of runway.yml (clone.command): a dump and restore
# through the URLs runway hands over; with snapshot.fail present it fails
# after creating the target
cat >snapshot.sh <<EOF
env | grep '^RUNWAY_[A-Z_]*=' | grep -v '^RUNWAY_MASK_KEY=' | sort >"$TEST_DIR/snapshot.env"
"$PG_PSQL" -X -q -v ON_ERROR_STOP=1 -d "$PG_ADMIN_URL" -c "CREATE DATABASE \"\$RUNWAY_TARGET_DB\"" || exit 1
[ -f "$TEST_DIR/snapshot.fail" ] && exit 1
"${PG_BIN}pg_dump" -d "\$RUNWAY_SOURCE_URL" | "$PG_PSQL" -X -q -v ON_ERROR_STOP=1 -d "\$RUNWAY_TARGET_URL" >/dev/null
EOF
expect_exit 0 runway clone prod "$(url "${PG_DB}_cmd")" --mask --strategy command
ran_clean "${PG_DB}_cmd"
summary "${PG_DB}_cmd" command masked
expect_contains snapshot.env "RUNWAY_SOURCE_DB=$PG_DB"
expect_contains snapshot.env "RUNWAY_TARGET_DB=${PG_DB}_cmd"
expect_contains snapshot.env "RUNWAY_SOURCE_URL=postgres://"
expect_contains snapshot.env "RUNWAY_TARGET_URL=postgres://"
expect_contains snapshot.env "/${PG_DB}_cmd"
dump "${PG_DB}_cmd" >cmd.dump
grep -F -f originals.txt cmd.dump >leak.txt && fail "command + mask: pg_dump holds originals: $(head -c 300 leak.txt)"
same "command + mask in place vs stream" "$MASKED" "$A" "${PG_DB}_cmd"
ok "--strategy command: the snapshot command ran with RUNWAY_SOURCE_/TARGET_ variables, then masked in place like the stream"

touch snapshot.fail
runway clone prod "$(url "${PG_DB}_cmdfail")" --mask --strategy command >out 2>err
rc=$?
[ $rc = 3 ] || fail "a failing snapshot command: exit $rc, expected 3 (docs/commands/clone.md)"
[ -s err ] || fail "a failing snapshot command: no message"
[ "$(dbs_named "${PG_DB}_cmdfail")" = 0 ] || fail "a failing snapshot command left its half-made database"
rm snapshot.fail
ok "a snapshot command failing after creating the target: exit 3, the target dropped"

# ---- --json, --tables --------------------------------------------------------------

expect_exit 0 runway --json clone prod "$(url "${PG_DB}_json")" --mask
no_secret
python3 - out "$NROWS" <<-'PY' || fail "--json document: $(cat out)"
	import json, sys
	d = json.load(open(sys.argv[1]))
	for k in ("command", "source", "target", "strategy", "tables", "rows", "bytes", "masked", "seconds"):
	    assert k in d, k
	assert d["command"] == "clone" and d["strategy"] == "stream", d
	assert "_json" in d["target"], d
	assert d["tables"] in (7, 9), d   # events counted once or as its 3 partitions
	assert d["rows"] == int(sys.argv[2]), d
	assert d["bytes"] > 1000000 and d["masked"] > 0 and d["seconds"] >= 0, d
PY
same "--json copy" "$MASKED" "$A" "${PG_DB}_json"
ok "--json: one document with the counts"

expect_exit 0 runway clone prod "$(url "${PG_DB}_tables")" --tables 'customers,newsletter,audit.*'
T=${PG_DB}_tables
for tb in customers newsletter audit.log; do
	[ "$(pq "$T" -c "SELECT count(*) FROM $tb")" = "$(awk -v t=$tb '$1 == t { print $2 }' src.counts)" ] ||
		fail "--tables: $tb not copied whole"
done
for tb in orders payments events documents; do
	n=$(pq "$T" -c "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename = '$tb'")
	[ "$n" = 0 ] || [ "$(pq "$T" -c "SELECT count(*) FROM $tb")" = 0 ] || fail "--tables: $tb has rows"
done
ok "--tables customers,newsletter,audit.*: those tables whole, no rows in the others"

# ---- refusals ---------------------------------------------------------------------

# refuse CODE WHAT ARGS...: exit CODE, no ${PG_DB}_n, the key not shown
refuse() {
	_code=$1 _what=$2
	shift 2
	expect_exit "$_code" runway "$@"
	[ "$(dbs_named "${PG_DB}_n")" = 0 ] || fail "$_what: a database was created"
	[ -s err ] || fail "$_what: no message"
	no_secret
}
N=$(url "${PG_DB}_n")
pg_admin_sql "CREATE DATABASE \"${PG_DB}_exists\"" >/dev/null
pq "${PG_DB}_exists" -c "CREATE TABLE marker (x int); INSERT INTO marker VALUES (42)"
expect_exit 2 runway clone prod "$(url "${PG_DB}_exists")" --mask
[ "$(pq "${PG_DB}_exists" -c "SELECT x FROM marker; SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")" = "42
1" ] || fail "an existing DST was changed"
ok "DST exists -> exit 2, untouched"

unset RUNWAY_MASK_KEY
refuse 2 "no key" clone prod "$N" --mask
RUNWAY_MASK_KEY=$KEY1
export RUNWAY_MASK_KEY
mkdir norules
printf 'environments:\n  prod:\n    url: %s\n' "$SRC_URL" >norules/runway.yml
refuse 2 "no rules" -C norules clone prod "$N" --mask
refuse 2 "--strategy command without clone.command" -C norules clone prod "$N" --strategy command
# shellcheck disable=SC2016 # ${RUNWAY_MASK_KEY} is for runway
bad_rule() { # WHAT RULE-LINE
	mkdir -p bad
	printf 'mask:\n  key: ${RUNWAY_MASK_KEY}\n  rules:\n    customers.email: email\n    %s\n' "$2" >bad/runway.yml
	refuse 2 "$1" -C bad clone "$SRC_URL" "$N" --mask
}
bad_rule "unknown table" "nosuch.email: email"
expect_contains err nosuch
bad_rule "unknown column" "customers.nosuch: email"
expect_contains err nosuch
bad_rule "a table of another schema without its schema" "log.actor: hash"
bad_rule "unknown schema" "nosuch.log.actor: hash"
bad_rule "null on NOT NULL" "customers.full_name: null"
expect_contains err full_name
bad_rule "generated column" "orders.amount_cents: { noise: 5 }"
expect_contains err amount_cents
ok "--mask without key or rules, rules naming unknown schemas/tables/columns, null on NOT NULL, a generated column: exit 2, nothing created"

refuse 3 "unreachable server" clone "postgres://runway:pw-Secret-9@127.0.0.1:1/x" "postgres://runway:pw-Secret-9@127.0.0.1:1/y"
expect_not_contains err "pw-Secret-9"
ok "an unreachable server: exit 3, the password not shown"

[ "$(pq "$PG_DB" -c "SELECT md5(string_agg(t::text, '' ORDER BY t::text)) FROM (
	SELECT c::text AS t FROM customers c UNION ALL SELECT o::text FROM orders o
	UNION ALL SELECT p::text FROM payments p UNION ALL SELECT n::text FROM newsletter n
	UNION ALL SELECT e::text FROM events e UNION ALL SELECT l::text FROM audit.log l) x")" = "$SRC_SUM" ] ||
	fail "the source changed"
ok "the source is unchanged"

# ---- last, what failed before (so that it hides nothing else) -------------------

# several environments and no default_env: clone needs none of them
mkdir multi
{
	printf 'environments:\n  prod:\n    url: %s\n  stage:\n    url: %s\n' "$SRC_URL" "$(url "${PG_DB}_multi")"
	cat "$FIX/runway.yml"
	printf '    audit.log.actor: hash\n'
} >multi/runway.yml
expect_exit 0 runway -C multi clone "$SRC_URL" "$(url "${PG_DB}_multiurl")"
expect_exit 0 runway -C multi clone prod stage --mask
same "several environments, no default_env" "$MASKED" "$A" "${PG_DB}_multi"
ok "runway.yml with several environments and no default_env: clone URL -> URL and prod -> stage"

# masking in place (template, command) must not leave originals in the
# planner's statistics or in dead row versions and index entries
for d in tplmask cmd; do
	leaks "${PG_DB}_$d" >leak.txt
	[ ! -s leak.txt ] || fail "$d + --mask (in place): originals survive in $(tr '\n' ' ' <leak.txt)"
done
ok "template and command + --mask: no originals in pg_stats nor in the files"
done_testing
