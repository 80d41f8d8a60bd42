#!/bin/sh
# Which database a command works on: --db > RUNWAY_DATABASE_URL > -e >
# default_env; ${VAR} in url from the process environment (an unset one is
# exit 2, only for the environment in use); no runway.yml needed with a URL.
. "$RUNWAY_SRC/tests/cli/lib.sh"

mkdir -p migrations
cat >runway.yml <<'YML'
migrations: migrations
default_env: dev
environments:
  dev:
    url: sqlite:dev.db
  staging:
    url: sqlite:${RW_STAGING_FILE}
  other:
    url: ${RW_OTHER_URL}
YML
write_change 001_t "CREATE TABLE t (id integer);" "DROP TABLE t;"

# has DB: the database file has runway's history with the change applied
has() { [ -f "$1" ] && [ "$(sq "$1" "select count(*) from runway_history")" = 1 ]; }
# only DB: that database got the change, none of the others did
only() {
	for f in dev.db staging.db envurl.db flag.db other.db; do
		if [ "$f" = "$1" ]; then
			has "$f" || fail "$2: $f did not get the change"
		else
			has "$f" && fail "$2: $f got the change"
		fi
	done
	rm -f "$1" "$1-runway.lock"
}

RW_STAGING_FILE=staging.db
export RW_STAGING_FILE
expect_exit 0 runway deploy
only dev.db "default_env"
expect_exit 0 runway -e staging deploy
expect_contains out "sqlite:staging.db (env staging)"
only staging.db "-e staging (url from \${RW_STAGING_FILE})"
RUNWAY_DATABASE_URL=sqlite:envurl.db expect_exit 0 runway -e staging deploy
only envurl.db "RUNWAY_DATABASE_URL over -e"
RUNWAY_DATABASE_URL=sqlite:envurl.db expect_exit 0 runway deploy
only envurl.db "RUNWAY_DATABASE_URL over default_env"
RUNWAY_DATABASE_URL=sqlite:envurl.db expect_exit 0 runway -e staging --db sqlite:flag.db deploy
only flag.db "--db over RUNWAY_DATABASE_URL and -e"
RUNWAY_DATABASE_URL='' expect_exit 0 runway deploy
only dev.db "an empty RUNWAY_DATABASE_URL is unset"
ok "precedence: --db > RUNWAY_DATABASE_URL > -e > default_env"

RW_OTHER_URL=sqlite:other.db expect_exit 0 runway -e other deploy
only other.db "a whole url from \${RW_OTHER_URL}"
unset RW_STAGING_FILE
expect_exit 2 runway -e staging deploy
expect_contains err "runway: environment 'staging': url: unknown placeholder '\${RW_STAGING_FILE}'"
expect_contains err "hint: set the variable in the process environment"
expect_exit 2 runway -e other status
expect_contains err "'\${RW_OTHER_URL}'"
expect_exit 0 runway deploy
only dev.db "default env while another env's variable is unset"
expect_exit 0 runway -e staging --db sqlite:flag.db deploy
only flag.db "--db while the env's variable is unset"
ls ./*.db 2>/dev/null && fail "a failed command created a database"
ok "\${VAR} in url; unset: exit 2 naming it, only for the environment in use"

mkdir bare bare/migrations
cp migrations/001_t.sql bare/migrations/
expect_exit 0 runway -C bare --db sqlite:bare.db deploy
[ "$(sq bare/bare.db "select count(*) from runway_history")" = 1 ] || fail "--db without runway.yml"
RUNWAY_DATABASE_URL=sqlite:bare2.db expect_exit 0 runway -C bare status
expect_contains out "pending     001_t"
expect_exit 2 runway -C bare status
expect_contains err "runway: no database to work on"
expect_exit 2 runway -C bare -e dev status
expect_contains err "runway: unknown environment 'dev'"
ok "without runway.yml: --db or RUNWAY_DATABASE_URL is enough; neither is exit 2"

mkdir two two/migrations
printf 'environments:\n  a:\n    url: sqlite:a.db\n  b:\n    url: sqlite:b.db\n' >two/runway.yml
expect_exit 2 runway -C two status
expect_contains err "runway: runway.yml defines several environments and no default_env"
expect_exit 0 runway -C two -e b deploy
[ -f two/b.db ] || fail "-e b"
expect_exit 0 runway -C two --db sqlite:c.db status
printf 'environments:\n  solo:\n    url: sqlite:solo.db\n' >two/runway.yml
expect_exit 0 runway -C two deploy
[ -f two/solo.db ] || fail "a single environment is the default"
ok "several environments need -e or default_env; a single one is the default"
done_testing
