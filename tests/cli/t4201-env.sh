#!/bin/sh
# env create/list/destroy/gc on SQLite: a masked runway of prod with the
# pending change deployed; the registry; TTL and gc; names and targets
# refused; a failed deploy leaves nothing; destroy refuses what runway did
# not make.
. "$RUNWAY_SRC/tests/cli/lib.sh"

mkdir -p migrations
cat >runway.yml <<'YML'
migrations: migrations
default_env: prod
environments:
  prod:
    url: sqlite:prod.db
    protected: true
mask:
  key: ${RUNWAY_MASK_KEY}
  rules:
    customers.email: email
YML
write_change 20260101000000_customers \
	"CREATE TABLE customers (id integer PRIMARY KEY, email text NOT NULL UNIQUE, plan text);" \
	"DROP TABLE customers;"
runway deploy -q || fail "deploy to prod"
sq prod.db "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)
	INSERT INTO customers SELECT i, 'person' || i || '@corp.test', 'p' || (i % 3) FROM n;"
write_change 20260102000000_add_city "ALTER TABLE customers ADD COLUMN city text;" \
	"ALTER TABLE customers DROP COLUMN city;"
RUNWAY_MASK_KEY=s3cr3t-mask-key
export RUNWAY_MASK_KEY

# create: masked clone, pending change deployed, URL on stdout
expect_exit 0 runway env create pr-1 --from prod --ttl 4h
test "$(cat "$TEST_DIR/out")" = "sqlite:.runway/envs/pr-1.db" || fail "stdout is not the URL"
db=.runway/envs/pr-1.db
test -f "$db" || fail "no runway file"
test "$(sq "$db" 'select count(*) from customers')" = 2000 || fail "row count"
test "$(sq "$db" "select count(*) from customers where email like '%@corp.test'")" = 0 || fail "emails not masked"
test "$(sq "$db" 'select count(distinct email) from customers')" = 2000 || fail "emails not unique"
test "$(sq "$db" "select count(*) from runway_history")" = 2 || fail "pending change not deployed on the runway"
sq "$db" "select city from customers limit 1" >/dev/null || fail "no city column"
test "$(sq prod.db "select count(*) from runway_history")" = 1 || fail "prod changed"
test "$(sq prod.db "select count(*) from customers where email like '%@corp.test'")" = 2000 || fail "prod masked"
expect_contains .runway/envs/pr-1.json '"state": "ready"'
expect_contains .runway/envs/pr-1.json '"masked": true'
expect_not_contains .runway/envs/pr-1.json s3cr3t
ok "env create: masked clone of a protected env, pending change deployed, prod untouched"

expect_exit 2 runway env create pr-1 --from prod
expect_contains "$TEST_DIR/err" "exists"
for bad in "x;drop" "../x" "A" "" "-x"; do
	expect_exit 2 runway env create "$bad" --from prod
done
expect_exit 2 runway env create pr-2 --from nowhere
expect_exit 2 runway env create pr-2 --from prod --ttl 4x
expect_exit 2 runway env create pr-2 --from prod --target 'postgres://u:pw@h/{name}'
expect_contains "$TEST_DIR/err" "password"
test ! -e .runway/envs/pr-2.json || fail "refused create registered something"
ok "bad names, environments, TTLs and password targets refused"

# unmasked, at a target of our choosing, short TTL
expect_exit 0 runway env create pr-3 --from prod --no-mask --ttl 1s --target 'sqlite:{name}-copy.db'
test "$(sq pr-3-copy.db "select count(*) from customers where email like '%@corp.test'")" = 2000 \
	|| fail "--no-mask masked"
ok "--no-mask and --target"

expect_exit 0 runway env list
expect_contains "$TEST_DIR/out" "pr-1"
expect_exit 0 runway --json env list
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); s={r["name"]: r["state"] for r in d["runways"]}; assert s["pr-1"]=="ready", s' "$TEST_DIR/out" \
	|| fail "env list --json"
sleep 2
expect_exit 0 runway --json env list
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); s={r["name"]: r["state"] for r in d["runways"]}; assert s["pr-3"]=="expired", s' "$TEST_DIR/out" \
	|| fail "pr-3 not expired"
expect_exit 0 runway env gc
expect_contains "$TEST_DIR/out" "pr-3"
test ! -e pr-3-copy.db || fail "gc left the expired database"
test ! -e .runway/envs/pr-3.json || fail "gc left the record"
test -f "$db" || fail "gc dropped a live runway"
ok "list, expiry, gc"

# a creator killed half-way: "failed", collected by gc
cat >.runway/envs/dead.json <<'JSON'
{ "name": "dead", "from": "prod", "engine": "sqlite", "url": "sqlite:.runway/envs/dead.db",
  "target": null, "database": ".runway/envs/dead.db", "state": "creating", "pid": 999999999,
  "masked": true, "created": "2026-01-01T00:00:00Z", "expires": null }
JSON
expect_exit 0 runway env list
expect_contains "$TEST_DIR/out" "failed"
expect_exit 0 runway env gc
test ! -e .runway/envs/dead.json || fail "gc kept a failed runway"
ok "a failed creation is collected"

# a failing change: nothing is left behind
write_change 20260103000000_broken "CREATE TABLE customers (id integer);" "SELECT 1;"
expect_exit 1 runway env create pr-4 --from prod
test ! -e .runway/envs/pr-4.json || fail "failed create registered"
test ! -e .runway/envs/pr-4.db || fail "failed create left its database"
rm migrations/20260103000000_broken.sql
ok "a failed deploy drops the runway"

# destroy refuses a database runway did not make
cp prod.db .runway/envs/pr-1.db
expect_exit 2 runway env destroy pr-1
expect_contains "$TEST_DIR/err" "not created by runway"
test -f .runway/envs/pr-1.db || fail "destroy dropped a foreign database"
rm .runway/envs/pr-1.db
expect_exit 0 runway env destroy pr-1
test ! -e .runway/envs/pr-1.json || fail "destroy kept the record"
expect_exit 2 runway env destroy pr-1
expect_contains "$TEST_DIR/err" "no runway named"
ok "destroy: refuses foreign databases, forgets missing ones"

# the key never shows
expect_exit 0 runway -v env create pr-5 --from prod
expect_not_contains "$TEST_DIR/out" s3cr3t
expect_not_contains "$TEST_DIR/err" s3cr3t
expect_exit 0 runway env destroy pr-5
test ! -e .runway/envs/pr-5.db || fail "destroy left the file"
unset RUNWAY_MASK_KEY
expect_exit 2 runway env create pr-6 --from prod
expect_contains "$TEST_DIR/err" "RUNWAY_MASK_KEY"
test ! -e .runway/envs/pr-6.json || fail "keyless create registered"
ok "key never printed; missing key refused"
done_testing
