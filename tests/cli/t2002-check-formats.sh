#!/bin/sh
# The report formats parse with real parsers: JUnit against the JUnit XSD
# (xmllint), SARIF against the SARIF 2.1.0 JSON schema, JSON with a JSON
# parser, GitHub annotations against the workflow command syntax. Names
# with markup, quotes, commas, colons, newlines and invalid UTF-8 must not
# break them.
. "$RUNWAY_SRC/tests/cli/lib.sh"
validate() { /usr/bin/python3 "$RUNWAY_SRC/tests/validate-report.py" "$@"; }

make_project
write_change 001_users "CREATE TABLE users (id bigint PRIMARY KEY, \"a<b>&'c\" text);" "DROP TABLE users;"
write_change 002_bad "SET lock_timeout = '1s';
ALTER TABLE orders DROP COLUMN \"we, ird: name\";
DELETE FROM orders;
CREATE INDEX i ON orders (x);" "SELECT 1;"
printf -- '-- runway:deploy\nSELECT 1 FROM;\n' >migrations/003_broken.sql
printf -- '-- runway:deploy\nUPDATE orders SET note = '"'"'\377\376'"'"';\n-- runway:revert\nSELECT 1;\n' >migrations/004_latin1.sql

for f in text json junit sarif github; do
	expect_exit 1 runway check --all --engine postgres --format "$f"
	cp out "report.$f"
	[ -s "report.$f" ] || fail "empty $f report"
done
validate json report.json || fail "json does not parse"
validate junit report.junit || fail "junit does not validate"
validate sarif report.sarif || fail "sarif does not validate"
validate github report.github || fail "github lines are malformed"
ok "json, junit, sarif and github validate"

/usr/bin/python3 - report.json report.sarif report.junit <<'PY' || fail "report contents"
import json, sys, xml.etree.ElementTree as ET
j = json.load(open(sys.argv[1]))
rules = sorted(f['rule'] for c in j['changes'] for f in c['findings'])
assert rules == ['create-index-non-concurrently', 'delete-without-where', 'drop-column',
                 'missing-revert', 'parse-error', 'update-without-where'], rules
assert j['errors'] == 5 and j['warnings'] == 1 and j['ok'] is False, j
s = json.load(open(sys.argv[2]))
res = s['runs'][0]['results']
assert len(res) == 6
ids = [r['id'] for r in s['runs'][0]['tool']['driver']['rules']]
for r in res:
    assert ids[r['ruleIndex']] == r['ruleId']
    assert r['locations'][0]['physicalLocation']['artifactLocation']['uri'].startswith('migrations/')
x = ET.parse(sys.argv[3]).getroot()
cases = x.findall('.//testcase')
assert len(cases) == 4, len(cases)
fails = {c.get('name'): len(c.findall('failure')) for c in cases}
assert fails == {'001_users': 0, '002_bad': 2, '003_broken': 2, '004_latin1': 1}, fails
assert 'create-index-non-concurrently' in x.find(".//testcase[@name='002_bad']/system-out").text
PY
ok "one testcase per change, a failure per error, warnings in system-out; SARIF rule indexes agree"

expect_exit 0 runway check --all --engine postgres --format json --disable drop-column,delete-without-where,missing-revert,parse-error,update-without-where
validate json out || fail "json"
expect_contains out '"ok": true'
ok "warnings only: exit 0"

# the text format: compiler style, no colour in a pipe, a summary
expect_exit 1 runway check --all --engine postgres
expect_contains out "migrations/002_bad.sql:3:1: error: dropping column \"we, ird: name\" of orders"
expect_contains out "      3 | ALTER TABLE orders DROP COLUMN"
expect_contains out "  fix: "
expect_contains out "4 changes checked: 5 errors, 1 warning in 3 files"
expect_contains err "runway: check found 5 errors"
if grep -q "$(printf '\033')" out; then fail "colour codes in a pipe"; fi
ok "text: file:line:col, the line, the fix, a summary; no colour in a pipe"
expect_exit 1 runway --json check --all --engine postgres
validate json out || fail "--json is json"
ok "--json is --format json"
done_testing
