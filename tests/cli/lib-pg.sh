# lib-pg.sh - PostgreSQL for CLI tests; source it after lib.sh.
#
#	. "$RUNWAY_SRC/tests/cli/lib.sh"
#	. "$RUNWAY_SRC/tests/cli/lib-pg.sh"
#	pg_setup
#	test "$(pg_sql 'select 1')" = 1 || fail "select 1"
#
# The server is the one tests/pg-cluster.sh started (the CTest fixture
# "pg"), found through $RUNWAY_TEST_STATE/pg-url. pg_setup skips the test
# (exit 77) when there is none, or fails under RUNWAY_TEST_PG=required.
# Each script gets its own database, rw_<script name>, created afresh:
#
#	PG_URL        postgres://runway@127.0.0.1:PORT/rw_<script>  (superuser, trust)
#	PG_ADMIN_URL  the server's URL (database "postgres") for CREATE/DROP DATABASE
#	PG_DB         the database name
#	PG_PSQL       the psql binary (the real one, not Debian's Perl wrapper)
#
# pg_teardown drops the database; pg_setup registers it with lib.sh's
# at_exit, and it is safe to call twice.

# libpq settings of the caller must not redirect the tests
unset PGHOST PGHOSTADDR PGPORT PGUSER PGDATABASE PGPASSWORD PGPASSFILE \
	PGSERVICE PGSERVICEFILE PGOPTIONS PGSSLMODE PGTZ PGCLIENTENCODING

if [ -x /usr/lib/postgresql/15/bin/psql ]; then
	PG_PSQL=/usr/lib/postgresql/15/bin/psql
else
	PG_PSQL=psql
fi

PG_URL=
PG_ADMIN_URL=
PG_DB=

# Skip, or fail under RUNWAY_TEST_PG=required.
pg_unavailable() {
	if [ "${RUNWAY_TEST_PG:-}" = required ]; then
		fail "PostgreSQL required (RUNWAY_TEST_PG=required): $*"
	fi
	skip "no PostgreSQL: $*"
}

# The URL $1 with its database replaced by $2 (query parameters kept).
pg_url_with_db() {
	_base=${1%%\?*}
	_query=${1#"$_base"}
	_rest=${_base#*://}
	_scheme=${_base%%://*}
	_auth=${_rest%%/*}
	printf '%s://%s/%s%s\n' "$_scheme" "$_auth" "$2" "$_query"
}

# Run SQL on the server's admin database.
pg_admin_sql() {
	PGOPTIONS="-c client_min_messages=warning" \
		"$PG_PSQL" -X -q -t -A -v ON_ERROR_STOP=1 -d "$PG_ADMIN_URL" -c "$1"
}

pg_setup() {
	_state=${RUNWAY_TEST_STATE:-}
	if [ -z "$_state" ] || [ ! -s "$_state/pg-url" ]; then
		pg_unavailable "no server URL in \$RUNWAY_TEST_STATE/pg-url (run via ctest -L pg, or set RUNWAY_TEST_PG_URL)"
	fi
	PG_ADMIN_URL=$(cat "$_state/pg-url")
	command -v "$PG_PSQL" >/dev/null 2>&1 || pg_unavailable "psql not found"

	# rw_<script name>, lower case, [a-z0-9_] only, within NAMEDATALEN
	# shellcheck disable=SC2018,SC2019 # ASCII on purpose
	_name=$(basename "$0" .sh | tr 'A-Z' 'a-z' | tr -c 'a-z0-9_\n' '_')
	PG_DB=$(printf 'rw_%s' "$_name" | cut -c1-63)

	pg_admin_sql "DROP DATABASE IF EXISTS \"$PG_DB\" WITH (FORCE)" >/dev/null ||
		pg_unavailable "cannot reach PostgreSQL at $PG_ADMIN_URL"
	pg_admin_sql "CREATE DATABASE \"$PG_DB\"" >/dev/null ||
		fail "cannot create database $PG_DB"
	PG_URL=$(pg_url_with_db "$PG_ADMIN_URL" "$PG_DB")
	export PG_URL PG_ADMIN_URL PG_DB PG_PSQL
	# lib.sh's exit hooks, when it has them
	if command -v at_exit >/dev/null 2>&1; then
		at_exit pg_teardown
	fi
}

# Run SQL on the test's database; prints bare, unaligned rows.
pg_sql() {
	"$PG_PSQL" -X -q -t -A -v ON_ERROR_STOP=1 -d "$PG_URL" -c "$1"
}

pg_teardown() {
	if [ -n "$PG_DB" ] && [ -n "$PG_ADMIN_URL" ]; then
		pg_admin_sql "DROP DATABASE IF EXISTS \"$PG_DB\" WITH (FORCE)" >/dev/null 2>&1
	fi
	PG_DB=
	return 0
}

# pg_use_password_role: hand the test database to the scram role runway_pw
# (password s3cret-pw, from tests/pg-cluster.sh) and set SECRET, hostport
# (HOST:PORT of the cluster), host and port for building its URLs.
pg_use_password_role() {
	SECRET=s3cret-pw
	pg_admin_sql "ALTER DATABASE \"$PG_DB\" OWNER TO runway_pw" >/dev/null ||
		fail "cannot give $PG_DB to runway_pw"
	hostport=${PG_URL#*@}
	hostport=${hostport%%/*}
	host=${hostport%:*}
	port=${hostport##*:}
}
