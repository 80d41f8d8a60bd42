#!/bin/sh
# Database URLs that cannot work, without any server: bad scheme and empty
# path are exit 2, nothing listening / an engine this build lacks are exit 3,
# quickly, with "runway: <what>: <why>" on stderr.
. "$RUNWAY_SRC/tests/cli/lib.sh"
make_project
write_change 001_t "CREATE TABLE t (id integer);" "DROP TABLE t;"

expect_exit 2 runway --db "oracle://scott:tiger@db/orcl" status
expect_contains err "runway: invalid database URL 'oracle://scott:***@db/orcl': unknown scheme"
expect_not_contains err tiger
expect_exit 2 runway --db "sqlite:" status
expect_contains err "runway: invalid database URL 'sqlite:': no file path"
expect_exit 2 runway --db "dev.db" status
expect_contains err "unknown scheme"
ok "an unknown scheme (password redacted) or an empty sqlite path: exit 2"

t0=$(date +%s%3N)
expect_exit 3 runway --db "postgres://nobody:pw-here@127.0.0.1:1/db" deploy
took=$(($(date +%s%3N) - t0))
[ "$took" -lt 3000 ] || fail "nothing listening took $took ms to report"
grep -q "^runway: \(cannot connect to 'postgres://nobody:\*\*\*@127.0.0.1:1/db': \|runway was built without PostgreSQL support\)" err ||
	fail "unreachable server: $(cat err)"
expect_not_contains err pw-here
ok "postgres:// with nothing listening: exit 3 in $took ms"

expect_exit 3 runway --db "mysql://u:pw-here@127.0.0.1:1/db" deploy
grep -q "^runway: " err || fail "mysql: $(cat err)"
expect_not_contains err pw-here
ok "mysql:// (not built in, or nothing listening): exit 3"

expect_exit 0 runway --db "sqlite::memory:" deploy
expect_contains out "1 change deployed"
[ -e ":memory:" ] && fail "sqlite::memory: created a file"
[ -e dev.db ] && fail "--db sqlite::memory: touched the env's database"
ok "sqlite::memory: works and leaves no file"
done_testing
