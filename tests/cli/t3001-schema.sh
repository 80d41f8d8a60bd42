#!/bin/sh
# `runway schema` on SQLite: the three formats, --json, the same output for
# databases built in different orders, the schema before a deploy equal to
# the schema after its revert, errors (bad --format: exit 2), and a missing
# SQLite file read as empty without being created.
. "$RUNWAY_SRC/tests/cli/lib.sh"
make_project
write_change 001_shop "CREATE TABLE customers (id integer PRIMARY KEY, email text NOT NULL UNIQUE);
CREATE TABLE orders (id integer PRIMARY KEY,
  customer_id integer NOT NULL REFERENCES customers (id),
  qty int CHECK (qty > 0));
CREATE INDEX orders_customer_idx ON orders (customer_id);
CREATE VIEW big AS SELECT * FROM orders WHERE qty > 10;" \
	"DROP VIEW big; DROP TABLE orders; DROP TABLE customers;"

expect_exit 0 runway schema
expect_contains out "-- no objects"
[ -e dev.db ] && fail "schema created the missing dev.db"
expect_exit 0 runway --db sqlite:elsewhere/none.db schema
expect_contains out "-- no objects"
[ -e elsewhere ] && fail "schema created a directory"
ok "a missing SQLite file reads as an empty schema and is not created"

expect_exit 0 runway deploy
expect_exit 0 runway schema
cp out before-revert.sql
expect_contains out "CREATE TABLE customers (
    id integer,
    email text NOT NULL,
    PRIMARY KEY (id),
    UNIQUE (email)
);"
expect_contains out "    FOREIGN KEY (customer_id) REFERENCES customers (id)
);"
expect_contains out "CREATE INDEX orders_customer_idx ON orders (customer_id);"
expect_contains out "CREATE VIEW big AS SELECT * FROM orders WHERE qty > 10;"
expect_not_contains out runway_
expect_not_contains out sqlite_
[ -s err ] && fail "stderr not empty: $(cat err)"
ok "--format sql (the default) shows tables, constraints, indexes, views; not runway's tables"

expect_exit 0 runway schema --format json
python3 -m json.tool out >/dev/null || fail "--format json is not JSON"
python3 - out <<'PY' || fail "json document"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["command"] == "schema" and d["engine"] == "sqlite", d
assert [t["name"] for t in d["tables"]] == ["customers", "orders"], d["tables"]
fk = [c for c in d["tables"][1]["constraints"] if c["type"] == "foreign key"][0]
assert fk["references"] == {"table": "customers", "columns": ["id"]}, fk
assert d["indexes"][0]["keys"] == ["customer_id"]
assert "target" not in d  # nothing that differs between two equal databases
PY
cp out format.json
expect_exit 0 runway --json schema
cmp -s out format.json || fail "--json differs from --format json"
ok "--format json (= --json) is one JSON document"

expect_exit 0 runway schema --format dot
head -n 1 out | grep -qx "digraph schema {" || fail "dot: $(head -n 1 out)"
expect_contains out '"orders":c2 -> "customers":c1;'
tail -n 1 out | grep -qx "}" || fail "dot does not end with }"
if command -v dot >/dev/null 2>&1; then
	dot -Tsvg out >graph.svg || fail "graphviz rejects the dot output"
fi
ok "--format dot draws tables and foreign keys"

expect_exit 2 runway schema --format xml
expect_contains err "runway: schema: unknown format 'xml'"
expect_exit 2 runway --json schema --format sql
expect_contains err "runway: schema: --json cannot print --format sql"
expect_exit 2 runway schema --format
expect_contains err "runway: option '--format' needs a value"
expect_exit 2 runway schema extra
expect_contains err "runway: schema: unexpected argument 'extra'"
printf 'not a database' >junk.db
expect_exit 3 runway --db sqlite:junk.db schema
expect_contains err "runway: cannot open SQLite database 'junk.db'"
ok "usage errors exit 2, an unreadable database 3"

expect_exit 0 runway revert --all
expect_exit 0 runway schema
expect_contains out "-- no objects"
expect_exit 0 runway deploy
expect_exit 0 runway schema
cmp -s out before-revert.sql || fail "schema after revert and deploy differs: $(diff before-revert.sql out)"
ok "deploy, revert, deploy: the schema comes back the same"

# the same objects created in another order, with other white space
sqlite3 a.db "CREATE TABLE b (id integer PRIMARY KEY, a_id int REFERENCES a (id));
CREATE TABLE a (id integer PRIMARY KEY, n text DEFAULT 'x' CHECK (length(n) < 10));
CREATE INDEX b_a ON b (a_id, id);
CREATE TRIGGER t AFTER INSERT ON a BEGIN SELECT 1; END;" || fail "sqlite3 a.db"
sqlite3 b.db "CREATE TABLE a (id integer PRIMARY KEY, n text DEFAULT 'x' CHECK (length( n ) < 10));
CREATE TRIGGER t AFTER INSERT ON a BEGIN SELECT 1; END;
CREATE TABLE b (id integer PRIMARY KEY, a_id int REFERENCES a (id));
CREATE INDEX b_a ON b (a_id,id);" || fail "sqlite3 b.db"
for f in sql json dot; do
	expect_exit 0 runway --db sqlite:a.db schema --format $f
	mv out a.$f
	expect_exit 0 runway --db sqlite:b.db schema --format $f
	cmp -s out a.$f || fail "--format $f differs between a.db and b.db: $(diff a.$f out)"
done
sqlite3 b.db "DROP INDEX b_a;"
expect_exit 0 runway --db sqlite:b.db schema
cmp -s out a.sql && fail "dropping an index did not change the schema"
ok "equal databases built in different orders print identical sql, json and dot"
done_testing
