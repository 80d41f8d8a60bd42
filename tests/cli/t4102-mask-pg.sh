#!/bin/sh
# runway mask on PostgreSQL (SPEC §6), checked on the database itself against
# copies of the originals (schema orig of the same database, which the rules
# do not name and which must stay as it is):
#   - no original email, name, phone or birth date survives; unmasked columns
#     and row counts are unchanged; unique emails stay unique; equal emails in
#     customers, newsletter and the partitioned events mask alike; values go
#     back with their types (varchar(60), an enum, numeric(10,2), date);
#     tables walked by bigint, composite and uuid keys, a table of another
#     schema, a partitioned table through its parent
#   - a second run: "nothing to do", nothing changed; --restart masks again
#   - refused with exit 2 and untouched: a protected environment (--force
#     runs), no key, a rule on an unknown column, null on a NOT NULL column,
#     a table without a primary key (named); the key is never printed
#   - a masked value too long for its column fails (exit 1), is not cut short
#   - resumable: runs stopped after N batches (RUNWAY_TEST_MASK_STOP_AFTER)
#     and a run stopped by SIGINT mid-statement (exit 130) end with exactly
#     the values of one uninterrupted run
. "$RUNWAY_SRC/tests/cli/lib.sh"
. "$RUNWAY_SRC/tests/cli/lib-pg.sh"
pg_setup

KEY='Mask-Key-t4102-never-print-51d0'
TOTAL=10500 # rows under rules: 3000 + 1500 + 2500 + 1500 + 2000

# every other database of this script is ${PG_DB}_<suffix>; dropped at exit
drop_dbs() {
	for _d in $(pg_admin_sql "SELECT datname FROM pg_database WHERE left(datname, ${#PG_DB} + 1) = '${PG_DB}_'"); do
		pg_admin_sql "DROP DATABASE IF EXISTS \"$_d\" WITH (FORCE)" >/dev/null
	done
}
at_exit drop_dbs
drop_dbs

url() { pg_url_with_db "$PG_ADMIN_URL" "$1"; }
# pq DB SQL: psql on database DB, bare rows
pq() {
	PGOPTIONS="-c client_min_messages=warning" "$PG_PSQL" -X -q -t -A -v ON_ERROR_STOP=1 \
		-d "$(url "$1")" -c "$2"
}
# zero WHAT DB SQL: the count must be 0
zero() {
	_n=$(pq "$2" "$3") || fail "$1: query failed on $2: $3"
	[ "$_n" = 0 ] || fail "$1: $_n on $2 (expected 0): $3"
}
eq() { [ "$2" = "$3" ] || fail "$1: got '$2', want '$3'"; }
no_secret() {
	expect_not_contains out "$KEY"
	expect_not_contains err "$KEY"
}
# copy DB: a fresh ${PG_DB}_DB from the unmasked template
copy() {
	pg_admin_sql "DROP DATABASE IF EXISTS \"${PG_DB}_$1\" WITH (FORCE)" >/dev/null
	pg_admin_sql "CREATE DATABASE \"${PG_DB}_$1\" TEMPLATE \"${PG_DB}_fresh\"" >/dev/null ||
		fail "cannot copy the fixture into ${PG_DB}_$1"
}
# the rows of the tables under rules, in key order
data() {
	pq "$1" "SELECT c::text FROM customers c ORDER BY id" >data.out &&
		pq "$1" "SELECT n::text FROM newsletter n ORDER BY id" >>data.out &&
		pq "$1" "SELECT l::text FROM order_lines l ORDER BY order_id, line" >>data.out &&
		pq "$1" "SELECT l::text FROM sales.leads l ORDER BY id" >>data.out &&
		pq "$1" "SELECT e::text FROM events e ORDER BY id, at" >>data.out || fail "cannot read $1"
	cat data.out
}
# unchanged DB: the data of DB is the originals'
unchanged() {
	zero "$2" "$1" "SELECT count(*) FROM (SELECT * FROM customers EXCEPT SELECT * FROM orig.customers) d"
	zero "$2" "$1" "SELECT count(*) FROM (SELECT * FROM events EXCEPT SELECT * FROM orig.events) d"
	zero "$2" "$1" "SELECT count(*) FROM pg_tables WHERE tablename = 'runway_mask_state'"
}

pq "$PG_DB" "
CREATE TYPE tier AS ENUM ('basic', 'gold', 'platinum');
CREATE TABLE customers (
  id bigint PRIMARY KEY,
  email varchar(60) NOT NULL UNIQUE,
  full_name text NOT NULL,
  phone text,
  birth_date date,
  notes text,
  level tier NOT NULL DEFAULT 'gold',
  balance numeric(10,2)
);
INSERT INTO customers
SELECT i, 'customer' || i || '@shop.example', 'Original Name ' || i,
       CASE WHEN i % 10 = 0 THEN NULL
            ELSE format('+44 20 %s %s', lpad(i::text, 4, '0'), lpad((i * 7 % 10000)::text, 4, '0')) END,
       date '1950-01-01' + i * 13 % 20000, 'note ' || i,
       (ARRAY['basic', 'gold', 'platinum'])[i % 3 + 1]::tier, round(i * 1.37, 2)
FROM generate_series(1, 3000) i;
CREATE TABLE newsletter (id int PRIMARY KEY, email text, since date);
INSERT INTO newsletter
SELECT i, CASE WHEN i % 3 = 0 THEN 'reader' || i || '@news.example'
               ELSE 'customer' || i * 2 || '@shop.example' END,
       date '2020-01-01' + i
FROM generate_series(1, 1500) i;
CREATE TABLE order_lines (order_id int, line int, note text, qty int NOT NULL,
                          PRIMARY KEY (order_id, line));
INSERT INTO order_lines SELECT i / 5 + 1, i % 5 + 1, 'gift wrap ' || i, i % 9 + 1
FROM generate_series(0, 2499) i;
CREATE SCHEMA sales;
CREATE TABLE sales.leads (id uuid PRIMARY KEY, email text, source text);
INSERT INTO sales.leads
SELECT md5(i::text)::uuid, 'lead' || i || '@corp.example', 'fair ' || i % 4
FROM generate_series(1, 1500) i;
CREATE TABLE events (id bigint, at date, email text, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
CREATE TABLE events_2023 PARTITION OF events FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');
CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
INSERT INTO events SELECT i, date '2023-01-01' + i % 700, 'customer' || i % 3000 + 1 || '@shop.example'
FROM generate_series(1, 2000) i;
CREATE TABLE audit (at timestamptz, email text);
INSERT INTO audit VALUES (now(), 'customer1@shop.example');
CREATE SCHEMA orig;
CREATE TABLE orig.customers AS SELECT * FROM customers;
CREATE TABLE orig.newsletter AS SELECT * FROM newsletter;
CREATE TABLE orig.order_lines AS SELECT * FROM order_lines;
CREATE TABLE orig.leads AS SELECT * FROM sales.leads;
CREATE TABLE orig.events AS SELECT * FROM events;
" || fail "cannot build the fixture"
p2024=$(pq "$PG_DB" "SELECT count(*) FROM events_2024")
[ "$p2024" -gt 0 ] && [ "$p2024" -lt 2000 ] || fail "fixture: $p2024 rows in 2024's partition"
joins=$(pq "$PG_DB" "SELECT count(*) FROM customers c JOIN newsletter n ON n.email = c.email")
ejoins=$(pq "$PG_DB" "SELECT count(*) FROM customers c JOIN events e ON e.email = c.email")
[ "$joins" -gt 500 ] && [ "$ejoins" = 2000 ] || fail "fixture joins: $joins, $ejoins"
pg_admin_sql "CREATE DATABASE \"${PG_DB}_fresh\" TEMPLATE \"$PG_DB\"" >/dev/null || fail "cannot copy the fixture"
copy prod

# write_yml [RULE...]
write_yml() {
	cat >runway.yml <<-YML
	default_env: dev
	environments:
	  dev:
	    url: $PG_URL
	  prod:
	    url: $(url "${PG_DB}_prod")
	    protected: true
	mask:
	  key: \${RUNWAY_MASK_KEY}
	  rules:
	    customers.email: email
	    customers.full_name: name
	    customers.phone: phone
	    customers.birth_date: { shift_days: 90 }
	    customers.level: { set: platinum }
	    customers.balance: { noise: 10 }
	    newsletter.email: email
	    order_lines.note: hash
	    sales.leads.email: email
	    events.email: email
	YML
	for _r in "$@"; do printf '    %s\n' "$_r" >>runway.yml; done
}
mkdir -p migrations
write_yml
RUNWAY_MASK_KEY=$KEY
export RUNWAY_MASK_KEY

# --- refusals ---------------------------------------------------------------

expect_exit 2 runway -e prod mask
expect_contains err "runway: environment 'prod' is protected"
unchanged "${PG_DB}_prod" "a refused mask on prod"
expect_exit 2 env -u RUNWAY_MASK_KEY "$RUNWAY_BIN" mask
expect_contains err "RUNWAY_MASK_KEY"
write_yml "customers.shoe_size: hash"
expect_exit 2 runway mask
expect_contains err "shoe_size"
write_yml "customers.full_name: null"
expect_exit 2 runway mask
expect_contains err "full_name"
write_yml "audit.email: email"
expect_exit 2 runway mask
expect_contains err "'public.audit' has no primary key"
no_secret
unchanged "$PG_DB" "refused runs"
write_yml
ok "refused with exit 2, untouched: protected environment, no key, unknown column, null on NOT NULL, no primary key"

# --- one run ----------------------------------------------------------------

expect_exit 0 runway mask
no_secret
expect_contains out "masked 5 tables, 10,500 rows of $PG_URL"
[ ! -s err ] || fail "stderr of a successful mask: $(cat err)"
data "$PG_DB" >once.txt

for t in customers newsletter order_lines events; do
	eq "rows of $t" "$(pq "$PG_DB" "SELECT count(*) FROM $t")" "$(pq "$PG_DB" "SELECT count(*) FROM orig.$t")"
done
eq "rows of 2024's partition" "$(pq "$PG_DB" "SELECT count(*) FROM events_2024")" "$p2024"
zero "original emails" "$PG_DB" "SELECT count(*) FROM (
	SELECT email FROM customers UNION ALL SELECT email FROM newsletter UNION ALL
	SELECT email FROM events UNION ALL SELECT email FROM sales.leads) m
	WHERE email IN (SELECT email FROM orig.customers UNION SELECT email FROM orig.newsletter
	                UNION SELECT email FROM orig.leads)"
zero "original names" "$PG_DB" "SELECT count(*) FROM customers WHERE full_name IN (SELECT full_name FROM orig.customers)"
zero "customers row by row" "$PG_DB" "SELECT count(*) FROM customers c JOIN orig.customers x USING (id)
	WHERE c.phone = x.phone OR (c.phone IS NULL) <> (x.phone IS NULL)
	   OR length(c.phone) <> length(x.phone) OR c.phone !~ '^\+[0-9]{2} [0-9]{2} [0-9]{4} [0-9]{4}$'
	   OR c.birth_date = x.birth_date OR abs(c.birth_date - x.birth_date) > 90
	   OR c.level <> 'platinum' OR c.notes IS DISTINCT FROM x.notes
	   OR abs(c.balance - x.balance) > x.balance * 0.1 + 0.01"
zero "order lines" "$PG_DB" "SELECT count(*) FROM order_lines l JOIN orig.order_lines x USING (order_id, line)
	WHERE l.note = x.note OR l.note !~ '^[0-9a-f]{32}$' OR l.qty <> x.qty"
zero "leads" "$PG_DB" "SELECT count(*) FROM sales.leads l JOIN orig.leads x USING (id) WHERE l.source <> x.source"
zero "unmasked schema orig" "$PG_DB" "SELECT count(*) FROM orig.customers WHERE email NOT LIKE 'customer%@shop.example'"
eq "unique emails" "$(pq "$PG_DB" "SELECT count(DISTINCT email) FROM customers")" 3000
eq "join on email" "$(pq "$PG_DB" "SELECT count(*) FROM customers c JOIN newsletter n ON n.email = c.email")" "$joins"
eq "join on email (partitions)" "$(pq "$PG_DB" "SELECT count(*) FROM customers c JOIN events e ON e.email = c.email")" "$ejoins"
eq "state" "$(pq "$PG_DB" "SELECT string_agg(tbl || '=' || done, ' ' ORDER BY tbl) FROM runway_mask_state")" \
	"public.customers=true public.events=true public.newsletter=true public.order_lines=true sales.leads=true"
ok "masked in place: originals gone, types kept, counts and unmasked columns kept, emails unique, joins kept"

expect_exit 0 runway mask
expect_contains out "nothing to do"
data "$PG_DB" >again.txt
cmp -s once.txt again.txt || fail "a second run changed the data"
pq "$PG_DB" "CREATE TABLE orig.once AS SELECT id, email, full_name FROM customers" || fail "cannot save"
expect_exit 0 runway --json mask --restart
no_secret
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["command"] == "mask" and d["already_done"] is False and d["tables"] == 5 and d["rows"] == 10500, d
' out || fail "--json of --restart: $(cat out)"
zero "--restart masks again" "$PG_DB" "SELECT count(*) FROM customers c JOIN orig.once x USING (id)
	WHERE c.email = x.email OR c.full_name = x.full_name"
eq "unique emails after --restart" "$(pq "$PG_DB" "SELECT count(DISTINCT email) FROM customers")" 3000
ok "a second run: nothing to do; --restart masks again"

expect_exit 0 runway -e prod mask --force
no_secret
data "${PG_DB}_prod" >prod.txt
cmp -s once.txt prod.txt || fail "mask --force on prod differs from the run on dev"
ok "a protected environment is masked with --force, with the same values"

# --- resuming ---------------------------------------------------------------

copy resume
runs=0
while :; do
	env RUNWAY_TEST_MASK_STOP_AFTER=4 "$RUNWAY_BIN" --db "$(url "${PG_DB}_resume")" mask --batch 333 >out 2>err
	rc=$?
	no_secret
	runs=$((runs + 1))
	[ $rc = 0 ] && break
	[ $rc = 130 ] || fail "resumed run exited $rc"
	expect_contains err "interrupted"
	[ $runs -lt 40 ] || fail "no end after $runs runs"
done
[ $runs -ge 8 ] || fail "only $runs runs: the stops did not happen"
data "${PG_DB}_resume" >resume.txt
cmp -s once.txt resume.txt || fail "runs stopped and resumed differ from one run: $(diff once.txt resume.txt | head -4)"
ok "stopped every 4 batches and resumed ($runs runs): every row masked exactly once"

copy sig
"$RUNWAY_BIN" --db "$(url "${PG_DB}_sig")" mask --batch 1 >out 2>err &
pid=$!
i=0
until [ "$(pq "${PG_DB}_sig" "SELECT count(*) FROM pg_tables WHERE tablename = 'runway_mask_state'")" = 1 ] &&
	[ "$(pq "${PG_DB}_sig" "SELECT count(*) FROM runway_mask_state")" -ge 1 ]; do
	i=$((i + 1))
	[ $i -lt 3000 ] || { kill $pid; fail "SIGINT: the run did not start"; }
	sleep 0.01
done
kill -INT $pid
wait $pid
rc=$?
[ $rc = 130 ] || fail "SIGINT: exit $rc, want 130"
expect_contains err "interrupted"
[ "$(pq "${PG_DB}_sig" "SELECT count(*) FROM pg_stat_activity WHERE datname = '${PG_DB}_sig' AND state <> 'idle' AND pid <> pg_backend_pid()")" = 0 ] ||
	fail "SIGINT left a statement running"
expect_exit 0 "$RUNWAY_BIN" --db "$(url "${PG_DB}_sig")" mask
data "${PG_DB}_sig" >sig.txt
cmp -s once.txt sig.txt || fail "a run resumed after SIGINT differs from one run"
ok "SIGINT stops the run (exit 130); the next run finishes it exactly once"

# a masked value longer than its column is an error, never cut short
copy tiny
pq "${PG_DB}_tiny" "CREATE TABLE tiny (id int PRIMARY KEY, email varchar(12), code char(3));
	INSERT INTO tiny VALUES (1, 'a@b.example', 'abc'), (2, NULL, 'xyz')" || fail "cannot make tiny"
mkdir tiny
cat >tiny/runway.yml <<'YML'
mask:
  key: ${RUNWAY_MASK_KEY}
  rules:
    tiny.code: hash
YML
expect_exit 1 runway -C tiny --db "$(url "${PG_DB}_tiny")" mask
expect_contains err "too long"
sed -i 's/tiny.code: hash/tiny.email: email/' tiny/runway.yml
expect_exit 1 runway -C tiny --db "$(url "${PG_DB}_tiny")" mask
expect_contains err "too long"
eq "tiny after the failures" "$(pq "${PG_DB}_tiny" "SELECT string_agg(id || ' ' || coalesce(email, '-') || ' ' || code, ',' ORDER BY id) FROM tiny")" \
	"1 a@b.example abc,2 - xyz"
zero "tiny's state" "${PG_DB}_tiny" "SELECT count(*) FROM runway_mask_state"
sed -i 's/tiny.email: email/tiny.code: { set: "XY" }/' tiny/runway.yml
expect_exit 0 runway -C tiny --db "$(url "${PG_DB}_tiny")" mask
eq "tiny after set" "$(pq "${PG_DB}_tiny" "SELECT string_agg(code || octet_length(code), ',' ORDER BY id) FROM tiny")" "XY3,XY3"
ok "masked values too long for varchar(12) or char(3): exit 1, nothing changed; a shorter one is padded"

# triggers do not see the masking; no original survives in the table's files
copy trig
pq "${PG_DB}_trig" "CREATE TABLE tr_log (old text);
	CREATE TABLE tr (id int PRIMARY KEY, email text);
	CREATE FUNCTION keep_old() RETURNS trigger LANGUAGE plpgsql AS
	  \$\$BEGIN INSERT INTO tr_log VALUES (OLD.email); RETURN NEW; END\$\$;
	CREATE TRIGGER tr_audit AFTER UPDATE ON tr FOR EACH ROW EXECUTE FUNCTION keep_old();
	CREATE TRIGGER tr_always BEFORE INSERT OR UPDATE ON tr FOR EACH ROW EXECUTE FUNCTION keep_old();
	ALTER TABLE tr ENABLE ALWAYS TRIGGER tr_always;
	INSERT INTO tr SELECT i, 'origsecret' || i || '@corp.test' FROM generate_series(1, 300) i;
	DELETE FROM tr_log" || fail "cannot make tr"
mkdir trig
cat >trig/runway.yml <<'YML'
mask:
  key: ${RUNWAY_MASK_KEY}
  rules:
    tr.email: email
YML
expect_exit 0 runway -C trig --db "$(url "${PG_DB}_trig")" mask --batch 100
zero "originals in tr" "${PG_DB}_trig" "SELECT count(*) FROM tr WHERE email LIKE 'origsecret%'"
zero "the audit trigger fired" "${PG_DB}_trig" "SELECT count(*) FROM tr_log"
eq "triggers after masking" "$(pq "${PG_DB}_trig" "SELECT string_agg(tgname || ':' || tgenabled::text, ',' ORDER BY tgname) FROM pg_trigger WHERE tgrelid = 'tr'::regclass")" \
	"tr_always:A,tr_audit:O"
pq "${PG_DB}_trig" "CHECKPOINT" >/dev/null
zero "originals in tr's file" "${PG_DB}_trig" \
	"SELECT position('origsecret1@' in pg_read_binary_file(pg_relation_filepath('tr'))::text)"
zero "originals in tr's file (hex)" "${PG_DB}_trig" \
	"SELECT position(convert_to('origsecret1@', 'UTF8') in pg_read_binary_file(pg_relation_filepath('tr')))"
ok "UPDATE triggers (ALWAYS too) do not see the masking and are restored; VACUUM FULL leaves no original in the table's file"

# a table inheriting from a ruled table needs its own rule
copy inh
pq "${PG_DB}_inh" "CREATE TABLE person (id int PRIMARY KEY, email text);
	CREATE TABLE staff (badge int) INHERITS (person);
	INSERT INTO staff VALUES (1, 'childsecret@corp.test', 7)" || fail "cannot make person/staff"
mkdir inh
printf 'mask:\n  key: ${RUNWAY_MASK_KEY}\n  rules:\n    person.email: email\n' >inh/runway.yml
expect_exit 2 runway -C inh --db "$(url "${PG_DB}_inh")" mask
expect_contains err "'staff' inherits"
printf '    staff.email: email\n' >>inh/runway.yml
pq "${PG_DB}_inh" "ALTER TABLE staff ADD PRIMARY KEY (id)" >/dev/null
expect_exit 0 runway -C inh --db "$(url "${PG_DB}_inh")" mask
zero "child originals" "${PG_DB}_inh" "SELECT count(*) FROM person WHERE email LIKE 'childsecret%'"
ok "rules on a parent table require rules on its inheritance children, which are then masked"
done_testing
