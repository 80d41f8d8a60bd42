#!/bin/sh
# runway check: what it checks (files, --all, pending), configuration,
# -- runway:allow per file and per statement, the file-level rules, exit
# codes, and bad input (exit 2, nothing touched). SQLite target.
. "$RUNWAY_SRC/tests/cli/lib.sh"
rules_of() { /usr/bin/python3 -c 'import json,sys; print(" ".join(sorted(f["rule"] for c in json.load(open(sys.argv[1]))["changes"] for f in c["findings"])))' "$1"; }
expect_rules() { got=$(rules_of out); [ "$got" = "$1" ] || fail "expected rules '$1', got '$got'"; }

make_project
write_change 001_users "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT, nick TEXT);" "DROP TABLE users;"
write_change 002_drop_nick "ALTER TABLE users DROP COLUMN nick;" "ALTER TABLE users ADD COLUMN nick TEXT;"

# --all: 001 creates users in the same run, so dropping its column is fine
expect_exit 0 runway check --all --format json
expect_rules ""
[ ! -e dev.db ] || fail "check created the database"
ok "--all: a table created by an earlier change of the run is new"

# pending: 001 applied, so users is an existing table with data
expect_exit 0 runway deploy --to 001_users
expect_exit 1 runway check --format json
expect_rules "drop-column"
expect_contains out '"id": "002_drop_nick"'
expect_not_contains out '"id": "001_users"'
ok "pending: only the pending changes, against the target's schema"

# a named file: the changes before it build the scratch schema
expect_exit 1 runway check migrations/002_drop_nick.sql
expect_contains out 'migrations/002_drop_nick.sql:2:1: error: dropping column "nick" of users'
ok "files: the earlier changes make the tables a file uses"

# modified-change: an applied file edited
sed -i 's/email TEXT/email TEXT NOT NULL/' migrations/001_users.sql
expect_exit 1 runway check --format json
expect_rules "drop-column modified-change"
git_restore() { sed -i 's/email TEXT NOT NULL/email TEXT/' migrations/001_users.sql; }
git_restore
ok "modified-change: an applied change whose file changed"

# configuration: disable, severity, enable (unknown names are errors)
cat >>runway.yml <<'YML'
checks:
  disable: [drop-column]
YML
expect_exit 0 runway check
expect_contains out "1 change checked: no findings"
sed -i 's/  disable: \[drop-column\]/  severity: { drop-column: warning }/' runway.yml
expect_exit 0 runway check
expect_contains out "warning: dropping column"
sed -i 's/  severity: { drop-column: warning }/  severity: { drop-column: loud }/' runway.yml
expect_exit 2 runway check
expect_contains err "runway: runway.yml: checks: severity of 'drop-column' must be error, warning or off"
sed -i 's/  severity: { drop-column: loud }/  disable: [drop-colum]/' runway.yml
expect_exit 2 runway check
expect_contains err "runway: runway.yml: checks: unknown rule 'drop-colum'"
sed -i '/^checks:/,$d' runway.yml
expect_exit 0 runway check --disable drop-column
expect_exit 2 runway check --enable nonsense
expect_contains err "runway: --enable: unknown rule 'nonsense'"
ok "checks.disable / severity in runway.yml, --enable / --disable; unknown rules exit 2"

# -- runway:allow: header = whole file, in a section = the next statement only
write_change 003_two "ALTER TABLE users DROP COLUMN email;
-- runway:allow drop-table
DROP TABLE users;
DROP TABLE IF EXISTS other;" "SELECT 1;"
expect_exit 1 runway check migrations/003_two.sql --format json
expect_rules "drop-column drop-table"
expect_exit 1 runway check migrations/003_two.sql
expect_contains out "003_two.sql:5:1: error: dropping table other"
write_change 003_two "ALTER TABLE users DROP COLUMN email;" "SELECT 1;" "" "-- runway:allow drop-column drop-table"
expect_exit 0 runway check migrations/003_two.sql
ok "allow in the header silences the file; before a statement, that statement"
rm migrations/003_two.sql

# file-level rules
mkdir -p a b
printf -- '-- runway:deploy\nSELECT 1;\n-- runway:revert\nSELECT 1;\n' >a/010_x.sql
cp a/010_x.sql b/010_x.sql
cp a/010_x.sql b/010_X.sql
printf -- '-- runway:requires 999_nope\n-- runway:deploy\nSELECT 1;\n-- runway:revert\nSELECT 1;\n' >a/011_req.sql
printf -- '-- runway:requires 013_b\n-- runway:deploy\nSELECT 1;\n-- runway:revert\nSELECT 1;\n' >a/012_a.sql
printf -- '-- runway:requires 012_a\n-- runway:deploy\nSELECT 1;\n-- runway:revert\nSELECT 1;\n' >a/013_b.sql
printf -- '-- runway:deploy\nSELECT 1;\n' >a/014_norevert.sql
printf -- '-- runway:irreversible\n-- runway:deploy\nSELECT 1;\n' >a/015_irrev.sql
printf -- '-- runway:deploy\nSELECT 1;\n-- runway:revert\n-- nothing\n' >a/016_empty.sql
printf -- '-- runway:deploy\nSELECT 1;\n-- runway:bogus\n' >a/017_bad.sql
printf 'DELETE FROM users;\n' >a/018_plain.sql
expect_exit 1 runway check a/*.sql b/*.sql --format json
expect_rules "delete-without-where duplicate-id duplicate-id missing-revert missing-revert parse-error requires-cycle requires-cycle unknown-requirement"
expect_exit 1 runway check a/*.sql b/*.sql
expect_contains out "change id '010_x' is also the id of"
expect_contains out "differ only in case"
expect_contains out "requires '999_nope', which is no change"
expect_contains out "a/017_bad.sql:3:1: error: unknown directive 'runway:bogus' [parse-error]"
expect_contains out "the revert section is empty"
ok "duplicate-id, unknown-requirement, requires-cycle, missing-revert, a broken file, a plain SQL file"

# bad requests: exit 2, nothing written
expect_exit 2 runway check --format xml
expect_contains err "runway: --format: unknown format 'xml'"
expect_exit 2 runway check --engine oracle
expect_exit 2 runway check --all a/010_x.sql
expect_exit 2 runway check nothere.sql
expect_contains err "runway: cannot"
expect_exit 2 runway check --bogus
ok "unknown format, engine, option, missing file, --all with files: exit 2"

# the default mode needs the target; a broken URL says what to do
expect_exit 3 runway --db postgres://127.0.0.1:1/none check
expect_contains err "hint: to check without a database, name the files or pass --all"
ok "the default mode without a reachable target: exit 3 with a hint"
done_testing
