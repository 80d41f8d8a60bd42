#!/bin/sh
# runway mask on SQLite (SPEC §6), checked on the database itself against a
# copy of the originals:
#   - no original email, name, phone, birth date or note survives; unmasked
#     columns and row counts are unchanged; unique emails stay unique; equal
#     emails in customers and newsletter mask alike (the join still matches);
#     tables walked by primary key, composite key and rowid
#   - a second run says "nothing to do" and changes nothing; --restart masks
#     again; --json parses; a rule added since is refused, not skipped
#   - refused with exit 2 and the database untouched: a protected
#     environment (--force runs), no key, an empty key, a rule on an unknown
#     column, null on a NOT NULL column, --batch 0; the key is never printed
#   - resumable: runs stopped after N batches (the RUNWAY_TEST_MASK_STOP_AFTER
#     hook) and a run stopped by SIGINT (exit 130) finish with exactly the
#     values of one uninterrupted run
. "$RUNWAY_SRC/tests/cli/lib.sh"

KEY='Mask-Key-t4101-never-print-9c1f'
OTHER_KEY='Other-Key-t4101-never-print-3b7e'
NCUST=3000

# zero WHAT DB SQL: the count must be 0
zero() {
	_n=$(sq "$2" "$3") || fail "$1: query failed: $3"
	[ "$_n" = 0 ] || fail "$1: $_n (expected 0): $3"
}
# eq WHAT GOT WANT
eq() { [ "$2" = "$3" ] || fail "$1: got '$2', want '$3'"; }
# the key is in no output of the last command
no_secret() {
	expect_not_contains out "$KEY"
	expect_not_contains err "$KEY"
	expect_not_contains out "$OTHER_KEY"
	expect_not_contains err "$OTHER_KEY"
}
# the data of the tables, as text
data() { sq "$1" ".dump customers newsletter order_lines contacts"; }

mkdir -p migrations
# write_yml [RULE...]: runway.yml with the rules below and RULEs added
write_yml() {
	cat >runway.yml <<-'YML'
	default_env: dev
	environments:
	  dev:
	    url: sqlite:dev.db
	  prod:
	    url: sqlite:prod.db
	    protected: true
	mask:
	  key: ${RUNWAY_MASK_KEY}
	  rules:
	    customers.email: email
	    customers.full_name: name
	    customers.phone: phone
	    customers.birth_date: { shift_days: 90 }
	    newsletter.email: email
	    order_lines.note: hash
	    contacts.phone: phone
	YML
	for _r in "$@"; do printf '    %s\n' "$_r" >>runway.yml; done
}
write_yml

cat >schema.sql <<'SQL'
CREATE TABLE customers (
  id integer PRIMARY KEY,
  email text NOT NULL UNIQUE,
  full_name text NOT NULL,
  phone text,
  birth_date text,
  notes text
);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)
INSERT INTO customers
SELECT i, 'customer' || i || '@shop.example', 'Original Name ' || i,
       CASE WHEN i % 10 = 0 THEN NULL ELSE printf('+44 20 %04d %04d', i, i * 7 % 10000) END,
       date('1950-01-01', '+' || (i * 13 % 20000) || ' days'),
       'note ' || i
FROM n;
CREATE TABLE newsletter (id integer PRIMARY KEY, email text, since text);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1500)
INSERT INTO newsletter
SELECT i, CASE WHEN i % 3 = 0 THEN 'reader' || i || '@news.example'
               ELSE 'customer' || (i * 2) || '@shop.example' END,
       date('2020-01-01', '+' || i || ' days')
FROM n;
CREATE TABLE order_lines (
  order_id integer, line integer, note text, qty integer,
  PRIMARY KEY (order_id, line)
);
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 2499)
INSERT INTO order_lines SELECT i / 5 + 1, i % 5 + 1, 'gift wrap ' || i, i % 9 + 1 FROM n;
CREATE TABLE contacts (label text, phone text);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 700)
INSERT INTO contacts SELECT 'contact ' || i, printf('(555) %03d-%04d', i % 1000, i) FROM n;
DELETE FROM contacts WHERE rowid % 9 = 4;
SQL
sq orig.db ".read schema.sql" || fail "cannot build the database"
[ "$(sq orig.db "SELECT count(*) FROM customers")" = $NCUST ] || fail "fixture: customers"
joins=$(sq orig.db "SELECT count(*) FROM customers c JOIN newsletter n ON n.email = c.email")
[ "$joins" -gt 500 ] || fail "fixture: only $joins newsletter emails are customers'"
cp orig.db dev.db
cp orig.db prod.db

# --- refusals: exit 2, untouched ---------------------------------------------

RUNWAY_MASK_KEY=$KEY
export RUNWAY_MASK_KEY

expect_exit 2 runway -e prod mask
expect_contains err "runway: environment 'prod' is protected"
expect_contains err "--force"
cmp -s orig.db prod.db || fail "a refused mask changed prod.db"
ok "a protected environment is refused (exit 2) and left untouched"

unset RUNWAY_MASK_KEY
expect_exit 2 runway mask
expect_contains err "RUNWAY_MASK_KEY"
no_secret
expect_exit 2 env RUNWAY_MASK_KEY= "$RUNWAY_BIN" mask
expect_contains err "RUNWAY_MASK_KEY"
cmp -s orig.db dev.db || fail "mask without a key changed dev.db"
ok "no key or an empty key: exit 2 with a hint about RUNWAY_MASK_KEY, untouched"

RUNWAY_MASK_KEY=$KEY
export RUNWAY_MASK_KEY
write_yml "customers.shoe_size: hash"
expect_exit 2 runway mask
expect_contains err "shoe_size"
no_secret
cmp -s orig.db dev.db || fail "a rule on an unknown column changed dev.db"
write_yml "order_lines.qty: null" "customers.full_name: null"
expect_exit 2 runway mask
expect_contains err "full_name"
cmp -s orig.db dev.db || fail "null on a NOT NULL column changed dev.db"
write_yml
expect_exit 2 runway mask --batch 0
cmp -s orig.db dev.db || fail "--batch 0 changed dev.db"
ok "a rule on an unknown column, null on a NOT NULL column, --batch 0: exit 2, untouched"

mv runway.yml runway.full
cat >runway.yml <<'YML'
default_env: dev
environments:
  dev:
    url: sqlite:dev.db
mask:
  key: ${RUNWAY_MASK_KEY}
YML
expect_exit 2 runway mask
expect_contains err "runway: mask: runway.yml has no mask rules"
cmp -s orig.db dev.db || fail "mask without rules changed dev.db"
mv runway.full runway.yml
expect_exit 3 runway --db 'postgres://nobody@127.0.0.1:1/none?connect_timeout=2' mask
no_secret
ok "no rules: exit 2; a server that cannot be reached: exit 3"

# --- one run ----------------------------------------------------------------

expect_exit 0 runway mask
no_secret
expect_contains out "masked 4 tables, 7,622 rows of sqlite:dev.db"
[ ! -s err ] || fail "stderr of a successful mask: $(cat err)"
cp dev.db once.db

q() { sq dev.db "ATTACH 'orig.db' AS o; $1"; }
eq "customers" "$(q "SELECT count(*) FROM customers")" $NCUST
eq "newsletter" "$(q "SELECT count(*) FROM newsletter")" 1500
eq "order_lines" "$(q "SELECT count(*) FROM order_lines")" 2500
eq "contacts" "$(q "SELECT count(*) FROM contacts")" "$(sq orig.db "SELECT count(*) FROM contacts")"
zero "original emails" dev.db "ATTACH 'orig.db' AS o; SELECT count(*) FROM customers WHERE email IN
	(SELECT email FROM o.customers UNION SELECT email FROM o.newsletter)"
zero "original newsletter emails" dev.db "ATTACH 'orig.db' AS o; SELECT count(*) FROM newsletter WHERE email IN
	(SELECT email FROM o.customers UNION SELECT email FROM o.newsletter)"
zero "original names" dev.db "ATTACH 'orig.db' AS o; SELECT count(*) FROM customers WHERE full_name IN
	(SELECT full_name FROM o.customers)"
zero "original phones" dev.db "ATTACH 'orig.db' AS o; SELECT count(*) FROM customers c JOIN o.customers x USING (id)
	WHERE c.phone = x.phone OR (c.phone IS NULL) <> (x.phone IS NULL)"
zero "original birth dates" dev.db "ATTACH 'orig.db' AS o; SELECT count(*) FROM customers c JOIN o.customers x USING (id)
	WHERE c.birth_date = x.birth_date OR date(c.birth_date) IS NOT c.birth_date
	   OR abs(julianday(c.birth_date) - julianday(x.birth_date)) > 90"
zero "original notes of order lines" dev.db "ATTACH 'orig.db' AS o; SELECT count(*) FROM order_lines l
	JOIN o.order_lines x USING (order_id, line) WHERE l.note = x.note OR length(l.note) <> 32 OR l.qty <> x.qty"
zero "original contact phones" dev.db "ATTACH 'orig.db' AS o; SELECT count(*) FROM contacts c
	JOIN o.contacts x ON x.rowid = c.rowid WHERE c.phone = x.phone OR c.label <> x.label"
zero "phone formats" dev.db "ATTACH 'orig.db' AS o; SELECT count(*) FROM customers c JOIN o.customers x USING (id)
	WHERE length(c.phone) <> length(x.phone) OR c.phone NOT GLOB '+[0-9][0-9] [0-9][0-9] [0-9][0-9][0-9][0-9] [0-9][0-9][0-9][0-9]'"
zero "unmasked columns" dev.db "ATTACH 'orig.db' AS o; SELECT count(*) FROM customers c JOIN o.customers x USING (id)
	WHERE c.notes IS NOT x.notes"
zero "newsletter dates" dev.db "ATTACH 'orig.db' AS o; SELECT count(*) FROM newsletter n JOIN o.newsletter x USING (id)
	WHERE n.since IS NOT x.since"
eq "unique emails" "$(sq dev.db "SELECT count(DISTINCT email) FROM customers")" $NCUST
eq "join on email" "$(sq dev.db "SELECT count(*) FROM customers c JOIN newsletter n ON n.email = c.email")" "$joins"
eq "state" "$(sq dev.db "SELECT group_concat(tbl || '=' || done, ' ') FROM (SELECT * FROM runway_mask_state ORDER BY tbl)")" \
	"contacts=1 customers=1 newsletter=1 order_lines=1"
ok "masked in place: no original value left, counts and unmasked columns kept, emails unique, joins kept"

# --- runs after it ----------------------------------------------------------

expect_exit 0 runway mask
expect_contains out "nothing to do: sqlite:dev.db"
no_secret
cmp -s dev.db once.db || fail "a second run changed the database"
expect_exit 0 runway --json mask
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["command"] == "mask" and d["already_done"] is True and d["rows"] == 0, d
assert d["target"] == "sqlite:dev.db" and isinstance(d["seconds"], float), d
' out || fail "--json of a finished run: $(cat out)"
ok "a second run: nothing to do, nothing changed"

expect_exit 0 runway --json mask --restart
no_secret
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["command"] == "mask" and d["already_done"] is False, d
assert d["tables"] == 4 and d["rows"] == 7622, d
' out || fail "--json of --restart: $(cat out)"
zero "--restart masks again" dev.db "ATTACH 'once.db' AS o; SELECT count(*) FROM customers c JOIN o.customers x USING (id)
	WHERE c.email = x.email OR c.full_name = x.full_name"
eq "unique emails after --restart" "$(sq dev.db "SELECT count(DISTINCT email) FROM customers")" $NCUST
ok "--restart masks again; --json"

# a rule added after a run: refused, not skipped as "nothing to do"
cp dev.db before.db
write_yml "customers.notes: hash"
expect_exit 2 runway mask
expect_contains err "runway: mask: 'customers' was masked under other rules"
expect_contains err "--restart"
no_secret
cmp -s dev.db before.db || fail "a refused run under changed rules changed dev.db"
write_yml
ok "rules changed since a table was masked: exit 2, untouched"

expect_exit 0 runway -e prod mask --force
no_secret
[ "$(data prod.db)" = "$(data once.db)" ] ||
	fail "mask --force on prod differs from the one run on dev"
ok "a protected environment is masked with --force"

# --- resuming ---------------------------------------------------------------

# the test hook stops the run after N batches, as an interruption would
cp orig.db dev.db
expect_exit 130 env RUNWAY_TEST_MASK_STOP_AFTER=3 "$RUNWAY_BIN" mask --batch 100
expect_contains err "interrupted"
expect_contains err "runway mask"
no_secret
# contacts (the first table in name order) is walked by rowid: 300 rows done
last=$(sq orig.db "SELECT rowid FROM contacts ORDER BY rowid LIMIT 1 OFFSET 299")
eq "last key after 3 batches" "$(sq dev.db "SELECT last_key || ' ' || done FROM runway_mask_state")" "[\"$last\"] 0"
zero "rows masked by the stopped run" dev.db "ATTACH 'orig.db' AS o;
	SELECT count(*) FROM contacts c JOIN o.contacts x ON x.rowid = c.rowid WHERE (c.phone = x.phone) <> (c.rowid > $last)"
[ "$(data dev.db | grep -v '^INSERT INTO contacts')" = "$(data orig.db | grep -v '^INSERT INTO contacts')" ] ||
	fail "the stopped run touched other tables"
runs=1
while :; do
	env RUNWAY_TEST_MASK_STOP_AFTER=7 "$RUNWAY_BIN" mask --batch 100 >out 2>err
	rc=$?
	no_secret
	runs=$((runs + 1))
	[ $rc = 0 ] && break
	[ $rc = 130 ] || fail "resumed run exited $rc"
	[ $runs -lt 30 ] || fail "no end after $runs runs"
done
[ $runs -ge 5 ] || fail "only $runs runs: the stops did not happen"
[ "$(data dev.db)" = "$(data once.db)" ] ||
	fail "resumed runs differ from one run"
ok "stopped after batches and resumed $runs times: every row masked exactly once"

# a real SIGINT: a run of one-row batches, stopped once it has begun
cp orig.db dev.db
"$RUNWAY_BIN" mask --batch 1 >out 2>err &
pid=$!
i=0
# (a loaded machine, a sanitizer build: allow it 30 s to commit its first batch)
until [ "$(sqlite3 -cmd '.timeout 2000' dev.db "SELECT count(*) FROM runway_mask_state" 2>/dev/null || echo 0)" -ge 1 ]; do
	i=$((i + 1))
	[ $i -lt 3000 ] || { kill $pid; fail "SIGINT: the run did not start"; }
	sleep 0.01
done
kill -INT $pid
wait $pid
rc=$?
[ $rc = 130 ] || fail "SIGINT: exit $rc, want 130"
expect_contains err "interrupted"
no_secret
done_rows=$(sq dev.db "SELECT count(*) FROM runway_mask_state")
[ "$done_rows" -ge 1 ] || fail "SIGINT: no batch was recorded"
expect_exit 0 runway mask --batch 500
[ "$(data dev.db)" = "$(data once.db)" ] ||
	fail "a run resumed after SIGINT differs from one run"
ok "SIGINT stops the run (exit 130); the next run finishes it exactly once"

# a value a function cannot read: exit 1, the column named, not the value;
# the batches before it are kept, the failing one is rolled back
sq bad.db "CREATE TABLE visits (id integer PRIMARY KEY, day text);
	WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 250)
	INSERT INTO visits SELECT i, CASE i WHEN 150 THEN 'Sekr3t-not-a-date' ELSE date('2024-01-01', '+' || i || ' days') END FROM n;"
cp bad.db bad-orig.db
mkdir bad
cat >bad/runway.yml <<'YML'
mask:
  key: ${RUNWAY_MASK_KEY}
  rules:
    visits.day: { shift_days: 5 }
YML
expect_exit 1 runway -C bad --db "sqlite:$TEST_DIR/bad.db" mask --batch 100
expect_contains err "visits"
expect_contains err "day"
expect_not_contains err "Sekr3t"
zero "first batch kept, later ones untouched" bad.db "ATTACH 'bad-orig.db' AS o; SELECT count(*) FROM visits v
	JOIN o.visits x USING (id) WHERE (v.day = x.day) <> (v.id > 100)"
eq "state after the failure" "$(sq bad.db "SELECT last_key || done FROM runway_mask_state")" '["100"]0'
ok "a value shift_days cannot read: exit 1, column named, value not printed; earlier batches kept"

# another key masks differently; tracing SQL never shows the key
cp orig.db other.db
expect_exit 0 env RUNWAY_MASK_KEY="$OTHER_KEY" RUNWAY_TRACE_SQL=1 "$RUNWAY_BIN" -v --db sqlite:other.db mask
no_secret
zero "another key" other.db "ATTACH 'once.db' AS o; SELECT count(*) FROM customers c JOIN o.customers x USING (id)
	WHERE c.email = x.email"
ok "another key masks differently; the key is not in traced SQL"

# a key without a declared type, and an UPDATE trigger that logs old values
mkdir odd
cat >odd/runway.yml <<'YML'
mask:
  key: ${RUNWAY_MASK_KEY}
  rules:
    t.email: email
YML
sq odd/odd.db "CREATE TABLE t (id PRIMARY KEY, email text); CREATE TABLE t_log (old text);
	CREATE TRIGGER t_keep AFTER UPDATE OF email ON t BEGIN INSERT INTO t_log VALUES (old.email); END;
	WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 25)
	INSERT INTO t SELECT i, 'origsecret' || i || '@corp.test' FROM n;"
expect_exit 0 runway -C odd --db sqlite:odd.db mask --batch 10
zero "typeless key: originals left" odd/odd.db "SELECT count(*) FROM t WHERE email LIKE 'origsecret%'"
zero "the trigger saw the masking" odd/odd.db "SELECT count(*) FROM t_log"
eq "trigger kept" "$(sq odd/odd.db "SELECT count(*) FROM sqlite_schema WHERE type = 'trigger' AND name = 't_keep'")" 1
if grep -q origsecret odd/odd.db; then fail "an original value is still in the file"; fi
ok "a key without a type is walked by rowid; UPDATE triggers do not see the masking; no original left in the file"
done_testing
