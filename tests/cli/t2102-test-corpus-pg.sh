#!/bin/sh
# The PostgreSQL corpus (43 migrations: partitions, enums, functions,
# triggers, NOT VALID constraints, no-transaction index builds) survives
# runway test's round trip on a real server.
. "$RUNWAY_SRC/tests/cli/lib.sh"
. "$RUNWAY_SRC/tests/cli/lib-pg.sh"
pg_setup
cp -r "$RUNWAY_SRC/tests/fixtures/check/corpus/pg/migrations" migrations
expect_eq() { [ "$1" = "$2" ] || fail "$3: got '$1', want '$2'"; }
"$RUNWAY_BIN" --db "$PG_URL" test >out 2>err &
pid=$!
wait "$pid"
expect_eq "$?" 0 "runway test exit status"
expect_contains out "43 changes tested: no findings"
# by PID: other tests make scratch databases on the same server
expect_eq "$(pg_admin_sql "select count(*) from pg_database where datname like 'runway\_test\_${pid}\_%'")" 0 "scratch left"
expect_eq "$(pg_sql "select count(*) from pg_tables where schemaname = 'public'")" 0 "target touched"
ok "43 PostgreSQL migrations: deploy, verify, revert, redeploy; nothing left"
pg_teardown
done_testing
