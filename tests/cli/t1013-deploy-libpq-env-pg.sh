#!/bin/sh
# PostgreSQL URLs follow libpq: a URL without a password authenticates with
# PGPASSWORD or ~/.pgpass (scram role runway_pw from tests/pg-cluster.sh),
# and ?sslmode= is honoured (the test server has no SSL: require fails,
# exit 3, disable works). The password never shows.
. "$RUNWAY_SRC/tests/cli/lib.sh"
. "$RUNWAY_SRC/tests/cli/lib-release.sh"
rel_use_pg

pg_use_password_role
URL="postgres://runway_pw@$hostport/$PG_DB"
rel_project
mk_change 001_one one
mk_change 002_two two

no_secret() {
	if grep -qF "$SECRET" out err; then fail "the password shows in the output"; fi
}

expect_exit 3 runway --db "$URL" status
no_secret
ok "without a password the scram role is refused (exit 3)"

PGPASSWORD=$SECRET expect_exit 0 runway --db "$URL" deploy --to 001_one
no_secret
expect_eq "$(hist_ids)" "001_one" "history after a PGPASSWORD deploy"
expect_eq "$(pg_sql "SELECT deployed_by IS NOT NULL FROM runway_history")" t "deployed_by"
ok "PGPASSWORD authenticates a URL without a password"

printf '%s:%s:%s:runway_pw:%s\n' "$host" "$port" "$PG_DB" "$SECRET" >"$HOME/.pgpass"
chmod 600 "$HOME/.pgpass"
expect_exit 0 runway --db "$URL" deploy
no_secret
expect_eq "$(hist_ids | tr "\n" " ")" "001_one 002_two " "history after a ~/.pgpass deploy"
ok "~/.pgpass authenticates a URL without a password"

expect_exit 0 runway --db "$URL?sslmode=disable" status
expect_exit 3 runway --db "$URL?sslmode=require" status
expect_contains err "SSL"
no_secret
ok "?sslmode= reaches libpq: disable connects, require fails on a server without SSL (exit 3)"
done_testing
