#!/usr/bin/env bash
# demo.sh - a guided tour of runway on the BBQ inventory example.
#
# Builds runway if needed (into ../../build, or uses $RUNWAY), copies this
# example into a temporary directory so the repository stays clean, and runs
# status, deploy, verify, log and revert on a SQLite database, showing the
# data with the sqlite3 shell between the steps. Any failing step stops the
# demo with a non-zero exit status.
#
#   examples/bbq/demo.sh            run the tour, remove the copy afterwards
#   examples/bbq/demo.sh --keep     keep the copy to play with
#   RUNWAY=/path/to/runway examples/bbq/demo.sh   use that binary
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
keep=false
case "${1:-}" in
--keep) keep=true ;;
"") ;;
-h | --help)
	sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
	exit 0
	;;
*)
	echo "demo.sh: unknown argument '$1' (try --help)" >&2
	exit 2
	;;
esac

if [ -t 1 ]; then
	bold=$'\033[1m' dim=$'\033[2m' off=$'\033[0m'
else
	bold='' dim='' off=''
fi
step=0
# say TITLE [EXPLANATION]: announce the next step
say() {
	step=$((step + 1))
	printf '\n%s== %d. %s%s\n' "$bold" "$step" "$1" "$off"
	if [ -n "${2:-}" ]; then
		printf '%s%s%s\n' "$dim" "$2" "$off"
	fi
}
# run CMD...: show the command, then run it (set -e stops the demo on failure)
run() {
	printf '%s$ %s%s\n' "$bold" "$*" "$off"
	"$@"
}
# show SQL: print a query and its result from the demo database
show() {
	printf '%ssqlite> %s%s\n' "$dim" "$1" "$off"
	sqlite3 -header -column bbq.db "$1"
}

command -v sqlite3 >/dev/null || {
	echo "demo.sh: the sqlite3 shell is missing (run: sudo scripts/install-deps.sh)" >&2
	exit 3
}

# ---- runway itself ---------------------------------------------------------
if [ -z "${RUNWAY:-}" ]; then
	build="$root/build"
	log=$(mktemp)
	echo "building runway in $build (output in $log) ..."
	if ! { [ -f "$build/CMakeCache.txt" ] || cmake -S "$root" -B "$build"; } >"$log" 2>&1 ||
		! cmake --build "$build" --target runway -j"$(nproc 2>/dev/null || echo 2)" >>"$log" 2>&1; then
		tail -n 30 "$log" >&2
		echo "demo.sh: building runway failed (missing packages? run: sudo scripts/install-deps.sh)" >&2
		exit 3
	fi
	rm -f "$log"
	RUNWAY="$build/runway"
fi
[ -x "$RUNWAY" ] || {
	echo "demo.sh: '$RUNWAY' is not an executable" >&2
	exit 3
}
# a function, so that the commands read as a user types them
runway() { "$RUNWAY" "$@"; }

# ---- a scratch copy of the project ------------------------------------------
work=$(mktemp -d "${TMPDIR:-/tmp}/runway-bbq.XXXXXX")
cleanup() {
	if $keep; then
		echo "the demo project stays in $work"
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT
cp -R "$here/runway.yml" "$here/migrations" "$work/"
cd "$work"
# a git repository, so that the audit trail can name the commit deployed
if command -v git >/dev/null; then
	git init -q .
	git add runway.yml migrations
	git -c user.name=demo -c user.email=demo@example.com commit -q -m "BBQ inventory"
fi

printf '%sThe BBQ inventory project, copied to %s:%s\n' "$bold" "$work" "$off"
run cat runway.yml
run ls migrations
echo
echo "Each change file has a deploy, a revert and a verify section, e.g.:"
run cat migrations/20261122101500_add_city_state_to_warehouses.sql

# ---- the tour -----------------------------------------------------------------
say "status: what the database has, change by change" \
	"runway has not touched bbq.db yet, so all five changes are pending."
run runway status

say "deploy --to 20261121093300_seed: the first four changes" \
	"Each change runs in its own transaction with its history row; the last one stays pending."
run runway deploy --to 20261121093300_seed
show "SELECT name, category, unit, price FROM menu ORDER BY id LIMIT 5"
show "SELECT * FROM warehouses"

say "status: four applied, one pending"
run runway status

say "deploy: the pending change adds city and state to warehouses"
run runway deploy
show "SELECT * FROM warehouses"
show "UPDATE warehouses SET city = 'Lockhart', state = 'TX' WHERE id < 3;
UPDATE warehouses SET city = 'Austin', state = 'TX' WHERE id = 3; SELECT * FROM warehouses"

say "verify: run every applied change's verify section again" \
	"Each verify runs in a transaction that is rolled back; a failing one exits 1."
run runway verify

say "log: the audit trail, newest first (also in the runway_events table)"
run runway log
show "SELECT change_id, position, state, deployed_by FROM runway_history ORDER BY position"

say "revert --steps 1: undo the newest change with the revert SQL stored at deploy time" \
	"The city and state columns go away again (SQLite 3.35+ has ALTER TABLE DROP COLUMN)."
run runway revert --steps 1
show "SELECT * FROM warehouses"

say "status: the city/state change is pending again"
run runway status

say "deploy again: forward once more"
run runway deploy
show "SELECT * FROM warehouses"

say "final status: everything applied"
run runway status

printf '\n%sDone.%s Next: docs/commands/ for every command, docs/change-files.md for the format.\n' \
	"$bold" "$off"
