# lib.sh - sourced by every tests/cli/tNNNN-*.sh script (git/git: t/test-lib.sh).
#
# Gives each script a scratch directory (cwd, $TEST_DIR) with its own HOME,
# TZ=UTC, no RUNWAY_* variables from the caller, and helpers:
#   runway ARGS...               the binary under test ($RUNWAY_BIN)
#   expect_exit CODE CMD...      run CMD, fail unless it exits CODE; its
#                                stdout/stderr are in $TEST_DIR/out, $TEST_DIR/err
#   expect_contains FILE TEXT    fail unless FILE contains TEXT (fixed string)
#   expect_not_contains FILE TEXT
#   sq DB SQL                    run SQL with sqlite3 on DB, print the result
#   fail MSG / skip MSG          end the script (skip exits 77, CTest's skip code)
#   ok MSG                       print a passed step
# A script ends with `done_testing`.
set -u

: "${RUNWAY_BIN:?RUNWAY_BIN must point at the runway binary}"
: "${RUNWAY_SRC:?RUNWAY_SRC must point at the source tree}"

for v in $(env | sed -n 's/^\(RUNWAY_[A-Z_]*\)=.*/\1/p'); do
	case "$v" in
	RUNWAY_BIN|RUNWAY_SRC|RUNWAY_TEST_*) ;;
	*) unset "$v" ;;
	esac
done
unset PGPASSWORD PGUSER PGHOST PGPORT PGDATABASE NO_COLOR

TEST_NAME=$(basename "$0" .sh)
TEST_DIR=$(mktemp -d "${TMPDIR:-/tmp}/runway-$TEST_NAME.XXXXXX")
HOME="$TEST_DIR/home"
TZ=UTC
LC_ALL=C
export HOME TZ LC_ALL
mkdir -p "$HOME"
cd "$TEST_DIR" || exit 1

_cleanup_hooks=""
at_exit() { _cleanup_hooks="$_cleanup_hooks
$*"; }
_cleanup() {
	_rc=$?
	eval "$_cleanup_hooks" 2>/dev/null
	if [ "$_rc" -eq 0 ] || [ -z "${RUNWAY_TEST_KEEP:-}" ]; then
		cd / && rm -rf "$TEST_DIR"
	else
		echo "# kept $TEST_DIR" >&2
	fi
	exit "$_rc"
}
trap _cleanup EXIT
trap 'exit 130' INT TERM

_steps=0
runway() { "$RUNWAY_BIN" "$@"; }
fail() {
	echo "FAIL: $TEST_NAME: $*" >&2
	for f in "$TEST_DIR/out" "$TEST_DIR/err"; do
		[ -s "$f" ] && { echo "--- $(basename "$f"):" >&2; head -c 4000 "$f" >&2; }
	done
	exit 1
}
skip() { echo "SKIP: $TEST_NAME: $*"; exit 77; }
ok() { _steps=$((_steps + 1)); echo "ok $_steps - $*"; }

expect_exit() {
	_want=$1
	shift
	"$@" >"$TEST_DIR/out" 2>"$TEST_DIR/err"
	_got=$?
	[ "$_got" -eq "$_want" ] || fail "expected exit $_want, got $_got: $*"
}
expect_contains() {
	grep -qF -- "$2" "$1" || fail "'$1' does not contain '$2'"
}
expect_not_contains() {
	if grep -qF -- "$2" "$1"; then fail "'$1' contains '$2'"; fi
}
sq() { sqlite3 -batch -noheader "$1" "$2"; }

# A project with runway.yml pointing dev at sqlite:dev.db and an empty migrations/.
make_project() {
	mkdir -p migrations
	cat >runway.yml <<'YML'
migrations: migrations
default_env: dev
environments:
  dev:
    url: sqlite:dev.db
YML
}

# write_change ID DEPLOY REVERT [VERIFY] [HEADER]
write_change() {
	{
		[ -n "${5:-}" ] && printf '%s\n' "$5"
		printf -- '-- runway:deploy\n%s\n' "$2"
		printf -- '-- runway:revert\n%s\n' "$3"
		[ -n "${4:-}" ] && printf -- '-- runway:verify\n%s\n' "$4"
	} >"migrations/$1.sql"
}

done_testing() { echo "# $TEST_NAME: $_steps steps passed"; exit 0; }
