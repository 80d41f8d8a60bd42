#!/bin/sh
# pg-cluster.sh start|stop - a throwaway PostgreSQL server for the pg tests.
#
# CTest runs "start" as the setup of the "pg" fixture and "stop" as its
# cleanup (tests/CMakeLists.txt). Tests find the server through
# $RUNWAY_TEST_STATE/pg-url (postgres://runway@127.0.0.1:PORT/postgres,
# superuser "runway", trust auth); a missing file means "no PostgreSQL
# here", and tests skip unless RUNWAY_TEST_PG=required.
#
#   RUNWAY_TEST_PG_URL=URL   use that server instead of starting one
#   RUNWAY_TEST_PG=required  fail, rather than skip, when the binaries are missing
#
# The cluster is tuned for tests only (fsync=off ...). Besides "runway",
# it has a role runway_pw with password s3cret-pw, the only role that must
# authenticate (scram-sha-256 over TCP), so tests can check that passwords
# never leak into messages.
#
# initdb refuses to run as root: as root the server runs as "postgres"
# (created by Debian's postgresql package), in a directory it owns. When
# that user cannot reach the build tree, or its path is too long for a
# unix socket, the cluster goes to a mktemp directory under /tmp;
# $RUNWAY_TEST_STATE/pg-dir always records where it is.

set -u

die() {
	echo "pg-cluster.sh: $*" >&2
	exit 1
}

: "${RUNWAY_TEST_STATE:?RUNWAY_TEST_STATE must be set (see tests/CMakeLists.txt)}"
mkdir -p "$RUNWAY_TEST_STATE" || die "cannot create '$RUNWAY_TEST_STATE'"
STATE=$(cd "$RUNWAY_TEST_STATE" && pwd) || die "cannot enter '$RUNWAY_TEST_STATE'"
# the caller's libpq settings must not leak into the cluster or the tests
unset PGHOST PGHOSTADDR PGPORT PGUSER PGDATABASE PGPASSWORD PGPASSFILE \
	PGSERVICE PGSERVICEFILE PGOPTIONS PGSSLMODE PGDATA PGTZ PGCLIENTENCODING

find_bin() {
	for d in /usr/lib/postgresql/15/bin /usr/lib/postgresql/*/bin; do
		if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then
			echo "$d"
			return 0
		fi
	done
	d=$(command -v initdb 2>/dev/null) || return 1
	d=$(dirname "$d")
	[ -x "$d/pg_ctl" ] || return 1
	echo "$d"
}

# Run a command as the server's owner ("postgres" when we are root).
as_owner() {
	if [ "$RUN_AS" ]; then
		runuser -u "$RUN_AS" -- "$@"
	else
		"$@"
	fi
}

# Stop the server in $1 (if one runs there) and remove the directory.
stop_dir() {
	if [ -n "$bin" ] && [ -f "$1/data/postmaster.pid" ]; then
		as_owner "$bin/pg_ctl" -D "$1/data" -m immediate -w stop >/dev/null 2>&1
	fi
	case $1 in
	"$STATE"/pg | /tmp/runway-pg.*) rm -rf "$1" ;;
	esac
}

# Stop what the last start left: the recorded cluster and $STATE/pg.
stop_cluster() {
	bin=$(find_bin) || bin=
	RUN_AS=
	if [ "$(id -u)" = 0 ] && id postgres >/dev/null 2>&1; then
		RUN_AS=postgres
	fi
	if [ -f "$STATE/pg-dir" ]; then
		stop_dir "$(cat "$STATE/pg-dir")"
		rm -f "$STATE/pg-dir"
	fi
	stop_dir "$STATE/pg"
}

# Is anything listening on 127.0.0.1:$1? (pg_isready answers 0 or 1 if so)
port_busy() {
	"$BIN/pg_isready" -q -h 127.0.0.1 -p "$1" -t 1 >/dev/null 2>&1
	[ $? -ne 2 ]
}

start() {
	rm -f "$STATE/pg-url"
	stop_cluster

	if [ -n "${RUNWAY_TEST_PG_URL:-}" ]; then
		printf '%s\n' "$RUNWAY_TEST_PG_URL" >"$STATE/pg-url"
		exit 0
	fi

	if ! BIN=$(find_bin); then
		if [ "${RUNWAY_TEST_PG:-}" = required ]; then
			die "initdb/pg_ctl not found and RUNWAY_TEST_PG=required (install postgresql)"
		fi
		echo "pg-cluster.sh: initdb/pg_ctl not found: PostgreSQL tests will be skipped" >&2
		exit 0
	fi

	RUN_AS=
	if [ "$(id -u)" = 0 ]; then
		id postgres >/dev/null 2>&1 || {
			[ "${RUNWAY_TEST_PG:-}" = required ] &&
				die "running as root and there is no 'postgres' user to run the server"
			echo "pg-cluster.sh: root without a 'postgres' user: PostgreSQL tests will be skipped" >&2
			exit 0
		}
		RUN_AS=postgres
	fi

	# Where: under the build tree if the owner can reach it and the socket
	# path (DIR/data/.s.PGSQL.NNNNN) fits in sun_path (107 bytes).
	dir=$STATE/pg
	# shellcheck disable=SC2016 # $1 is expanded by the inner sh
	if [ ${#dir} -gt 80 ] ||
		{ [ "$RUN_AS" ] && ! runuser -u "$RUN_AS" -- sh -c 'cd "$1"' sh "$STATE" 2>/dev/null; }; then
		dir=$(mktemp -d /tmp/runway-pg.XXXXXX) || die "mktemp failed"
	else
		mkdir -p "$dir" || die "cannot create '$dir'"
	fi
	printf '%s\n' "$dir" >"$STATE/pg-dir"
	if [ "$RUN_AS" ]; then
		chown "$RUN_AS" "$dir" || die "cannot chown '$dir' to $RUN_AS"
	fi
	chmod 700 "$dir"

	as_owner "$BIN/initdb" -D "$dir/data" -U runway -A trust -E UTF8 --locale=C \
		--no-sync --no-instructions >"$dir/initdb.log" 2>&1 ||
		{ cat "$dir/initdb.log" >&2; die "initdb failed"; }

	cat >"$dir/data/pg_hba.conf" <<-EOF
		# runway tests: everyone is trusted but runway_pw, which must log in
		# with its password (checks that passwords never leak)
		host  all runway_pw 127.0.0.1/32 scram-sha-256
		local all all trust
		host  all all 127.0.0.1/32 trust
	EOF

	cat >>"$dir/data/postgresql.conf" <<-EOF

		# runway tests (pg-cluster.sh): fast and unsafe
		listen_addresses = '127.0.0.1'
		unix_socket_directories = '$dir/data'
		fsync = off
		synchronous_commit = off
		full_page_writes = off
		max_connections = 100
		password_encryption = 'scram-sha-256'
		log_min_messages = warning
	EOF

	port=54320
	tries=0
	while :; do
		tries=$((tries + 1))
		[ $tries -le 40 ] || die "no free port found for PostgreSQL (tried 54320-$port)"
		if port_busy "$port"; then
			port=$((port + 1))
			continue
		fi
		if as_owner "$BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
			-o "-p $port" start >/dev/null 2>&1; then
			break
		fi
		# lost a race for the port with another build tree? try the next one
		if grep -q "could not bind\|could not create any TCP/IP sockets\|Address already in use" \
			"$dir/server.log" 2>/dev/null; then
			: >"$dir/server.log"
			port=$((port + 1))
			continue
		fi
		cat "$dir/server.log" >&2
		die "pg_ctl start failed"
	done
	echo "port = $port" >>"$dir/data/postgresql.conf"

	url="postgres://runway@127.0.0.1:$port/postgres"
	"$BIN/psql" -X -q -v ON_ERROR_STOP=1 -d "$url" \
		-c "CREATE ROLE runway_pw LOGIN PASSWORD 's3cret-pw'" >/dev/null ||
		die "cannot create role runway_pw"
	printf '%s\n' "$url" >"$STATE/pg-url"
	echo "pg-cluster.sh: PostgreSQL running at $url (data in $dir/data)"
}

case ${1:-} in
start)
	start
	;;
stop)
	stop_cluster
	rm -f "$STATE/pg-url"
	;;
*)
	echo "usage: pg-cluster.sh start|stop" >&2
	exit 2
	;;
esac
