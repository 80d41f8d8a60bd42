#!/bin/sh
# runway clone on SQLite (SPEC §6), checked on the files it makes: the source
# of tests/fixtures/clone/source-sqlite.sql (128,000 rows) cloned as is and
# with --mask (the rules of tests/fixtures/clone/runway.yml):
#   - every table has the source's rows; the schema, views, indexes and
#     AUTOINCREMENT counters are the source's; unmasked columns are identical
#   - no original value of a masked column is in a .dump of the copy, nor
#     anywhere in the file's bytes (free pages included)
#   - what each function promises: e-mails unique and valid, names from the
#     word lists, phones keep their format, dates moved by 1-30 days, amounts
#     within 10 % and the generated column recomputed, cards keep their last
#     4, notes NULL; the newsletter still joins the customers on e-mail
#   - the same key gives the same copy (also with --jobs), another key another
#   - the key is never printed nor stored; --json parses
#   - refusals (exit 2, nothing created): DST exists, --mask without rules or
#     key, rules naming unknown tables or columns, null on NOT NULL, a
#     generated column, an unknown function or strategy, engines differ;
#     a value a function cannot read fails and leaves nothing
. "$RUNWAY_SRC/tests/cli/lib.sh"

FIX=$RUNWAY_SRC/tests/fixtures/clone
KEY1='k1-Runway-Clone-Test-Key-7f3a9c'
KEY2='k2-Another-Key-For-Clone-Tests-d41e'
TABLES="customers orders payments newsletter events"
NROWS=128000

# q DB SQL: rows as "a|b|c" lines (the sqlite3 CLI, else Python's sqlite3);
# dump DB: a text dump (.dump, else Python's iterdump).
if command -v sqlite3 >/dev/null 2>&1; then
	q() { sqlite3 -batch -noheader "$1" "$2"; }
	dump() { sqlite3 -batch "$1" .dump; }
	load() { sqlite3 -batch "$1" <"$2"; }
else
	command -v python3 >/dev/null 2>&1 || skip "neither sqlite3 nor python3"
	q() {
		python3 - "$1" "$2" <<-'PY'
			import sqlite3, sys
			con = sqlite3.connect(sys.argv[1], isolation_level=None)
			for stmt in sys.argv[2].split(";"):
			    if stmt.strip():
			        for row in con.execute(stmt):
			            print("|".join("" if v is None else str(v) for v in row))
		PY
	}
	dump() { python3 -c 'import sqlite3, sys; [print(l) for l in sqlite3.connect(sys.argv[1]).iterdump()]' "$1"; }
	load() { python3 -c 'import sqlite3, sys; sqlite3.connect(sys.argv[1]).executescript(open(sys.argv[2]).read())' "$1" "$2"; }
fi
"$RUNWAY_BIN" clone --help >/dev/null 2>&1 || fail "runway clone does not exist"

# zero DB WHAT SQL: the count SQL returns must be 0
zero() {
	_n=$(q "$1" "$3") || fail "$2: query failed: $3"
	[ "$_n" = 0 ] || fail "$2: $_n rows (expected 0): $3"
}
# same WHAT SQL DB1 DB2: the query prints the same on both
same() {
	q "$3" "$2" >same.1 || fail "$1: query failed on $3"
	q "$4" "$2" >same.2 || fail "$1: query failed on $4"
	[ -s same.1 ] || fail "$1: no rows on $3"
	cmp -s same.1 same.2 || fail "$1: $3 and $4 differ: $(diff same.1 same.2 | head -5)"
}
counts() { for _t in $TABLES; do printf '%s %s\n' "$_t" "$(q "$1" "SELECT count(*) FROM $_t")"; done; }
# digits of a phone replaced by D: its format
fmt() {
	_e=$1
	for _d in 0 1 2 3 4 5 6 7 8 9; do _e="replace($_e, '$_d', 'D')"; done
	printf '%s' "$_e"
}
# no_secret: the key is in no output of the last command
no_secret() {
	expect_not_contains out "$KEY1"
	expect_not_contains err "$KEY1"
	expect_not_contains out "$KEY2"
	expect_not_contains err "$KEY2"
}
# ran_clean DST: the command succeeded quietly (no terminal: no progress)
ran_clean() {
	no_secret
	[ -f "$1" ] || fail "$1 was not created"
	[ ! -s err ] || fail "stderr of a successful clone is not empty: $(head -c 300 err)"
}

load src.db "$FIX/source-sqlite.sql" || fail "building src.db from source-sqlite.sql"
counts src.db >src.counts
[ "$(awk '{ n += $2 } END { print n }' src.counts)" = $NROWS ] || fail "source: $(cat src.counts)"
q src.db "SELECT email FROM customers; SELECT full_name FROM customers;
	SELECT phone FROM customers WHERE phone IS NOT NULL; SELECT card FROM payments;
	SELECT note FROM orders WHERE note IS NOT NULL; SELECT email FROM newsletter" >originals.txt
dump src.db >src.dump
[ "$(grep -c -F -f originals.txt src.dump)" -ge 90000 ] ||
	fail "the originals are not found in the source's own dump: the check would prove nothing"
SRC_SUM=$(cksum <src.db)

{
	cat <<-'YML'
		default_env: prod
		environments:
		  prod:
		    url: sqlite:src.db
		  stage:
		    url: sqlite:stage.db
	YML
	cat "$FIX/runway.yml"
} >runway.yml
ok "source: $NROWS rows in 5 tables, $(wc -l <originals.txt) original values of masked columns"

# ---- a plain copy -----------------------------------------------------------

expect_exit 0 runway clone sqlite:src.db sqlite:plain.db
ran_clean plain.db
grep -Eq '^cloned sqlite:src\.db into sqlite:plain\.db: 5 tables, 128,000 rows, [0-9][0-9.,]* [A-Za-z]+ in [0-9][0-9.,]* s \([a-z]+\)$' out ||
	fail "summary line: $(cat out)"
counts plain.db >plain.counts
cmp -s src.counts plain.counts || fail "row counts: $(diff src.counts plain.counts)"
dump plain.db >plain.dump
cmp -s src.dump plain.dump || fail "the plain copy's dump differs: $(diff src.dump plain.dump | head -5)"
[ "$(q plain.db 'PRAGMA integrity_check')" = ok ] || fail "plain.db: integrity_check"
[ "$(cksum <src.db)" = "$SRC_SUM" ] || fail "the source changed"
ok "plain copy: same rows, same dump (schema, view, indexes, sqlite_sequence), source untouched"

expect_exit 2 runway clone sqlite:src.db sqlite:plain.db
expect_contains err "plain.db"
dump plain.db >plain.dump2
cmp -s plain.dump plain.dump2 || fail "an existing DST was changed"
expect_exit 2 runway clone sqlite:src.db sqlite:plain.db --mask
ok "DST exists -> exit 2, DST untouched"

# ---- masked copies ------------------------------------------------------------

RUNWAY_MASK_KEY=$KEY1
export RUNWAY_MASK_KEY
expect_exit 0 runway clone prod sqlite:a.db --mask --jobs 1
ran_clean a.db
grep -Eq '^cloned .* into .*a\.db: 5 tables, 128,000 rows, [0-9][0-9.,]* [A-Za-z]+ in [0-9][0-9.,]* s \([a-z]+, ([0-9,]+ columns? )?masked\)$' out ||
	fail "summary line with --mask: $(cat out)"
counts a.db >a.counts
cmp -s src.counts a.counts || fail "row counts: $(diff src.counts a.counts)"
[ "$(q a.db 'PRAGMA integrity_check')" = ok ] || fail "a.db: integrity_check"
[ -z "$(q a.db 'PRAGMA foreign_key_check')" ] || fail "a.db: foreign_key_check: $(q a.db 'PRAGMA foreign_key_check' | head -3)"
[ "$(cksum <src.db)" = "$SRC_SUM" ] || fail "the source changed"
ok "--mask (SRC an environment name): exit 0, same row counts, integrity and foreign keys hold"

dump a.db >a.dump
if grep -F -f originals.txt a.dump >leak.txt; then
	fail "$(wc -l <leak.txt) lines of the masked copy's dump hold original values, e.g.: $(head -c 300 leak.txt)"
fi
grep -a -q -F "$KEY1" a.db && fail "the key is stored in the copy"
grep -q -F "$KEY1" a.dump && fail "the key is in the copy's dump"
ok "no original value of a masked column in the dump; the key is not stored"

# column by column, against the source
A="ATTACH 'src.db' AS s;"
zero a.db "customers masked" "$A SELECT count(*) FROM customers c JOIN s.customers o USING (id)
	WHERE c.email = o.email OR c.full_name = o.full_name OR c.phone = o.phone
	OR c.email NOT LIKE '_%@_%._%' OR c.email LIKE '%origmail%' OR c.email LIKE '% %'
	OR c.full_name GLOB '*Zq*' OR c.full_name NOT LIKE '_% _%'
	OR (c.phone IS NULL) <> (o.phone IS NULL) OR $(fmt c.phone) <> $(fmt o.phone)"
[ "$(q a.db "$A SELECT count(*) FROM customers c JOIN s.customers o USING (id)")" = 20000 ] || fail "customers' ids changed"
[ "$(q a.db "SELECT count(DISTINCT email) FROM customers")" = 20000 ] || fail "masked customer e-mails not unique"
[ "$(q a.db "SELECT count(DISTINCT email) FROM newsletter")" = 8000 ] || fail "masked newsletter e-mails not unique"
[ "$(q a.db "SELECT count(DISTINCT full_name) FROM customers")" -gt 100 ] || fail "masked names: too few distinct names"
ok "e-mails, names, phones: all changed, e-mails valid and unique, phones keep their format"

zero a.db "birth_date shift_days 30" "$A SELECT count(*) FROM customers c JOIN s.customers o USING (id)
	WHERE (c.birth_date IS NULL) <> (o.birth_date IS NULL) OR c.birth_date = o.birth_date
	OR abs(julianday(c.birth_date) - julianday(o.birth_date)) > 30
	OR c.birth_date NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'"
n=$(q a.db "$A SELECT count(DISTINCT julianday(c.birth_date) - julianday(o.birth_date))
	FROM customers c JOIN s.customers o USING (id)")
[ "$n" -ge 20 ] || fail "shift_days: only $n distinct offsets"
ok "birth_date: moved by 1..30 days either way ($n distinct offsets), NULL stays NULL"

zero a.db "orders masked" "$A SELECT count(*) FROM orders c JOIN s.orders o USING (id)
	WHERE c.note IS NOT NULL
	OR abs(c.amount - o.amount) > o.amount * 0.10 + CASE typeof(o.amount) WHEN 'integer' THEN 0.5 ELSE 0.05 END
	OR abs(c.amount * 100 - round(c.amount * 100)) > 1e-6
	OR c.amount_cents IS NOT CAST(round(c.amount * 100) AS INTEGER)"
n=$(q a.db "$A SELECT count(*) FROM orders c JOIN s.orders o USING (id) WHERE c.amount <> o.amount")
[ "$n" -gt 30000 ] || fail "noise 10: only $n of 40000 amounts changed"
zero a.db "payments.card redact 4" "$A SELECT count(*) FROM payments c JOIN s.payments o USING (id)
	WHERE length(c.card) <> length(o.card) OR substr(c.card, -4) <> substr(o.card, -4)
	OR replace(substr(c.card, 1, length(c.card) - 4), '*', '') <> ''"
zero a.db "newsletter e-mails" "$A SELECT count(*) FROM newsletter c JOIN s.newsletter o USING (id)
	WHERE c.email = o.email OR c.email NOT LIKE '_%@_%._%'"
ok "notes NULL; amounts within 10 % ($n changed), 2 decimals, amount_cents recomputed; cards keep their last 4"

JOINS="SELECT n.id, c.id FROM newsletter n JOIN customers c ON c.email = n.email ORDER BY n.id;
	SELECT count(*) FROM orders o JOIN customers c ON c.id = o.customer_id;
	SELECT count(*) FROM payments p JOIN orders o ON o.id = p.order_id;
	SELECT count(*) FROM events e JOIN customers c ON c.id = e.customer_id;
	SELECT customer_id, n FROM order_totals ORDER BY customer_id LIMIT 10"
same "joins" "SELECT count(*) FROM newsletter n JOIN customers c ON c.email = n.email" src.db a.db
[ "$(cat same.1)" = 6000 ] || fail "the source's newsletter joins $(cat same.1) customers, not 6000"
same "joins" "$JOINS" src.db a.db
ok "newsletter joins the same 6000 customers on the masked e-mails; foreign-key joins unchanged"

UNMASKED="SELECT id, quote(country), quote(created_at) FROM customers ORDER BY id;
	SELECT id, customer_id, quote(created_at) FROM orders ORDER BY id;
	SELECT id, order_id, quote(paid_at) FROM payments ORDER BY id;
	SELECT id, quote(topic), quote(subscribed_at) FROM newsletter ORDER BY id;
	SELECT id, customer_id, quote(kind), quote(created_at) FROM events ORDER BY id"
same "unmasked columns" "$UNMASKED" src.db a.db
SCHEMA="SELECT type, name, tbl_name, sql FROM sqlite_master WHERE tbl_name NOT LIKE 'runway%' ORDER BY name;
	SELECT * FROM sqlite_sequence ORDER BY name"
same "schema" "$SCHEMA" src.db a.db
ok "unmasked columns identical; schema, view, indexes and AUTOINCREMENT counters are the source's"

# ---- determinism --------------------------------------------------------------

MASKED="SELECT id, email, full_name, phone, birth_date FROM customers ORDER BY id;
	SELECT id, email FROM newsletter ORDER BY id;
	SELECT id, amount, amount_cents, note FROM orders ORDER BY id;
	SELECT id, card FROM payments ORDER BY id"
expect_exit 0 runway clone prod stage --mask --jobs 3
ran_clean stage.db
same "same key, another run" "$MASKED" a.db stage.db
ok "same key (DST an environment name, --jobs 3): the same masked values"

RUNWAY_MASK_KEY=$KEY2
expect_exit 0 runway clone sqlite:src.db sqlite:c.db --mask
ran_clean c.db
B="ATTACH 'a.db' AS a;"
zero c.db "another key, equal e-mails" "$B SELECT count(*) FROM customers x JOIN a.customers y USING (id) WHERE x.email = y.email"
zero c.db "another key, equal newsletter e-mails" "$B SELECT count(*) FROM newsletter x JOIN a.newsletter y USING (id) WHERE x.email = y.email"
for col in full_name phone birth_date; do
	n=$(q c.db "$B SELECT count(*) FROM customers x JOIN a.customers y USING (id) WHERE x.$col = y.$col")
	[ "$n" -lt 2000 ] || fail "another key: $n of 20000 $col equal to the first key's"
done
same "another key, joins" "SELECT n.id, c.id FROM newsletter n JOIN customers c ON c.email = n.email ORDER BY n.id" src.db c.db
ok "another key: other e-mails, names, phones and dates; joins still hold"

# ---- --json, --tables ----------------------------------------------------------

RUNWAY_MASK_KEY=$KEY1
expect_exit 0 runway --json clone sqlite:src.db sqlite:j.db --mask
ran_clean j.db
python3 - out <<-'PY' || fail "--json document: $(cat out)"
	import json, sys
	d = json.load(open(sys.argv[1]))
	for k in ("command", "source", "target", "strategy", "tables", "rows", "bytes", "masked", "seconds"):
	    assert k in d, k
	assert d["command"] == "clone", d
	assert "src.db" in d["source"] and "j.db" in d["target"], d
	assert isinstance(d["strategy"], str) and d["strategy"], d
	assert d["tables"] == 5 and d["rows"] == 128000, d
	assert isinstance(d["bytes"], int) and d["masked"] > 0, d
	assert isinstance(d["seconds"], (int, float)) and d["seconds"] >= 0, d
PY
same "--json copy" "$MASKED" a.db j.db
expect_exit 0 runway --json clone sqlite:src.db sqlite:j2.db
python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); assert d["masked"] == 0 and d["rows"] == 128000, d' out ||
	fail "--json without --mask: $(cat out)"
ok "--json: one document with the counts; masked 0 without --mask"

expect_exit 0 runway clone sqlite:src.db sqlite:t.db --tables 'cust*,newsletter'
for tb in customers newsletter; do
	[ "$(q t.db "SELECT count(*) FROM $tb")" = "$(awk -v t=$tb '$1 == t { print $2 }' src.counts)" ] ||
		fail "--tables: $tb not copied whole"
done
for tb in orders payments events; do
	n=$(q t.db "SELECT count(*) FROM sqlite_master WHERE name = '$tb'")
	[ "$n" = 0 ] || [ "$(q t.db "SELECT count(*) FROM $tb")" = 0 ] || fail "--tables: $tb has rows"
done
ok "--tables cust*,newsletter: those tables whole, no rows in the others"

# ---- refusals: exit 2, nothing created -------------------------------------------

# leftovers NAME: is there a file NAME*, or *NAME* hidden (a temporary copy)? ($_left)
leftovers() {
	_left=
	for _f in "$1"* .*"$1"*; do
		[ -e "$_f" ] && _left="$_left $_f"
	done
	[ -n "$_left" ]
}
# refuse WHAT ARGS...: exit 2 and no refused.db
refuse() {
	_what=$1
	shift
	rm -f refused.db
	expect_exit 2 runway "$@"
	leftovers refused.db && fail "$_what: created $_left"
	[ -s err ] || fail "$_what: no message"
	no_secret
}
unset RUNWAY_MASK_KEY
refuse "no key" clone sqlite:src.db sqlite:refused.db --mask
RUNWAY_MASK_KEY=
export RUNWAY_MASK_KEY
refuse "empty key" clone sqlite:src.db sqlite:refused.db --mask
RUNWAY_MASK_KEY=$KEY1
mkdir norules
printf 'environments:\n  dev:\n    url: sqlite:%s/src.db\n' "$TEST_DIR" >norules/runway.yml
refuse "no rules" -C norules clone sqlite:"$TEST_DIR"/src.db sqlite:"$TEST_DIR"/refused.db --mask
refuse "unknown strategy" clone sqlite:src.db sqlite:refused.db --strategy bogus
refuse "engines differ" clone sqlite:src.db postgres://nobody@127.0.0.1:1/n
ok "refused with exit 2, nothing created: no key, empty key, no rules, bad strategy, engines differ"

rm -f refused.db
runway clone sqlite:nosuch.db sqlite:refused.db >out 2>err
rc=$?
[ $rc = 2 ] || [ $rc = 3 ] || fail "a missing SRC: exit $rc, expected 2 or 3"
[ ! -e nosuch.db ] || fail "a missing SRC was created"
[ ! -e refused.db ] || fail "a missing SRC: refused.db was created"
expect_contains err nosuch.db
ok "a missing SRC: exit $rc naming it, nothing created"

# shellcheck disable=SC2016 # ${RUNWAY_MASK_KEY} is for runway
bad_rule() { # WHAT RULE-LINE
	mkdir -p bad
	{
		printf 'mask:\n  key: ${RUNWAY_MASK_KEY}\n  rules:\n'
		printf '    customers.email: email\n'
		printf '    %s\n' "$2"
	} >bad/runway.yml
	refuse "$1" -C bad clone sqlite:"$TEST_DIR"/src.db sqlite:"$TEST_DIR"/refused.db --mask
}
bad_rule "unknown table" "nosuch.email: email"
expect_contains err nosuch
bad_rule "unknown column" "customers.nosuch: email"
expect_contains err nosuch
bad_rule "null on NOT NULL" "customers.full_name: null"
expect_contains err full_name
bad_rule "generated column" "orders.amount_cents: { noise: 5 }"
expect_contains err amount_cents
bad_rule "unknown function" "customers.phone: scramble"
expect_contains err scramble
bad_rule "redact without a number" "payments.card: { redact: many }"
ok "bad rules -> exit 2 naming the rule, nothing created"

# a value a function cannot read: exit 1, the half-made copy removed, the value not shown
mkdir -p unreadable
# shellcheck disable=SC2016 # ${RUNWAY_MASK_KEY} is for runway
printf 'mask:\n  key: ${RUNWAY_MASK_KEY}\n  rules:\n    customers.full_name: { shift_days: 3 }\n' >unreadable/runway.yml
rm -f refused.db
runway -C unreadable clone sqlite:"$TEST_DIR"/src.db sqlite:"$TEST_DIR"/refused.db --mask >out 2>err
rc=$?
[ $rc = 1 ] || [ $rc = 2 ] || fail "shift_days on a name: exit $rc, expected 1 (or 2)"
[ ! -e refused.db ] || fail "a failed masked clone left refused.db"
leftovers refused.db && fail "a failed masked clone left $_left"
expect_contains err full_name
expect_not_contains err "Zq"
no_secret
ok "shift_days on a name: exit $rc, nothing left behind, the value not in the message"

[ "$(cksum <src.db)" = "$SRC_SUM" ] || fail "the source changed"

# ---- last, what failed before (so that it hides nothing else) -------------------

# several environments and no default_env: clone needs none of them
mkdir multi
{
	printf 'environments:\n  prod:\n    url: sqlite:%s/src.db\n  stage:\n    url: sqlite:%s/multi.db\n' "$TEST_DIR" "$TEST_DIR"
	cat "$FIX/runway.yml"
} >multi/runway.yml
expect_exit 0 runway -C multi clone sqlite:"$TEST_DIR"/src.db sqlite:"$TEST_DIR"/multi-url.db
expect_exit 0 runway -C multi clone prod stage --mask
same "several environments, no default_env" "$MASKED" a.db multi.db
ok "runway.yml with several environments and no default_env: clone URL -> URL and prod -> stage"

# the masked file's bytes (free space of pages, freelist pages, slack), not
# only what a dump shows: no original value left anywhere in it
if grep -a -o -F -f originals.txt a.db >leak.txt; then
	fail "the masked file a.db still holds $(wc -l <leak.txt) original values in its bytes (unused space of b-tree pages, free pages?), e.g.: $(head -3 leak.txt | tr '\n' ' ')"
fi
ok "no original value in the bytes of the masked file"
done_testing
