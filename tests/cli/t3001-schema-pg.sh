#!/bin/sh
# `runway schema` on PostgreSQL: the three formats, what is left out
# (runway's tables, extension objects, OIDs, the database's name), the
# schema after deploy + revert equal to the one before, errors.
. "$RUNWAY_SRC/tests/cli/lib.sh"
. "$RUNWAY_SRC/tests/cli/lib-pg.sh"
pg_setup

mkdir migrations
write_change 001_shop "CREATE TYPE mood AS ENUM ('sad', 'ok');
CREATE TABLE customers (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email text NOT NULL UNIQUE,
  m mood DEFAULT 'ok');
CREATE TABLE orders (id bigserial, customer_id int NOT NULL, qty int,
  created_at date NOT NULL) PARTITION BY RANGE (created_at);
CREATE TABLE orders_2024 PARTITION OF orders FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id);
CREATE INDEX customers_lower_email ON customers (lower(email)) WHERE email <> '';
CREATE FUNCTION n_orders() RETURNS bigint LANGUAGE sql STABLE AS 'SELECT count(*) FROM orders';
CREATE VIEW v AS SELECT id FROM customers;" \
	"DROP VIEW v; DROP FUNCTION n_orders(); DROP TABLE orders; DROP TABLE customers; DROP TYPE mood;"

expect_exit 0 runway --db "$PG_URL" schema
cp out empty.sql
expect_contains out "CREATE SCHEMA public;"
expect_not_contains out "CREATE TABLE"
ok "a fresh database: only the public schema (and plpgsql)"

expect_exit 0 runway --db "$PG_URL" deploy
expect_exit 0 runway --db "$PG_URL" schema
cp out deployed.sql
expect_contains out "CREATE TYPE public.mood AS ENUM ('sad', 'ok');"
expect_contains out "    id integer GENERATED ALWAYS AS IDENTITY NOT NULL,"
expect_contains out "    CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES public.customers(id)"
expect_contains out "PARTITION OF public.orders FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');"
expect_contains out "CREATE INDEX customers_lower_email ON public.customers USING btree (lower(email)) WHERE (email <> ''::text);"
expect_contains out "CREATE OR REPLACE FUNCTION public.n_orders()"
expect_not_contains out runway_
expect_not_contains out "$PG_DB"
ok "--format sql: enum, identity, partitions, foreign key, expression index, function, view"

expect_exit 0 runway --db "$PG_URL" schema --format json
python3 -m json.tool out >/dev/null || fail "--format json is not JSON"
python3 - out <<'PY' || fail "json document"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["engine"] == "postgres"
names = [(t["schema"], t["name"]) for t in d["tables"]]
assert names == [("public", "customers"), ("public", "orders"), ("public", "orders_2024")], names
assert d["tables"][1]["partition_key"] == "RANGE (created_at)"
assert d["enums"][0]["labels"] == ["sad", "ok"]
assert [s["name"] for s in d["sequences"]] == ["orders_id_seq"]
PY
expect_exit 0 runway --db "$PG_URL" --json schema
python3 -m json.tool out >/dev/null || fail "--json is not JSON"
expect_exit 0 runway --db "$PG_URL" schema --format dot
expect_contains out '"public.orders":c2 -> "public.customers":c1 [label="orders_customer_fk"];'
ok "--format json and dot"

# the same database built again elsewhere prints the same
pg_admin_sql "DROP DATABASE IF EXISTS \"${PG_DB}_2\" WITH (FORCE)" >/dev/null
pg_admin_sql "CREATE DATABASE \"${PG_DB}_2\"" >/dev/null || fail "create ${PG_DB}_2"
at_exit "pg_admin_sql 'DROP DATABASE IF EXISTS \"${PG_DB}_2\" WITH (FORCE)' >/dev/null"
URL2=$(pg_url_with_db "$PG_ADMIN_URL" "${PG_DB}_2")
expect_exit 0 runway --db "$URL2" deploy
expect_exit 0 runway --db "$URL2" schema
cmp -s out deployed.sql || fail "two databases deployed alike differ: $(diff deployed.sql out)"
"$PG_PSQL" -X -q -d "$URL2" -c "DROP INDEX customers_lower_email" || fail "drop index"
expect_exit 0 runway --db "$URL2" schema
cmp -s out deployed.sql && fail "a dropped index did not change the schema"
ok "equal databases print identical schemas; a dropped index shows"

expect_exit 0 runway --db "$PG_URL" revert --all
expect_exit 0 runway --db "$PG_URL" schema
cmp -s out empty.sql || fail "after revert: $(diff empty.sql out)"
ok "after revert --all the schema is the one before the deploy"

expect_exit 2 runway --db "$PG_URL" schema --format png
expect_contains err "runway: schema: unknown format 'png'"
expect_exit 3 runway --db "postgres://nobody:pw-here@127.0.0.1:1/x" schema
expect_contains err "runway: cannot connect to 'postgres://nobody:***@127.0.0.1:1/x'"
expect_not_contains err pw-here
ok "bad --format exits 2; no server exits 3"
done_testing
