#!/bin/sh
# --help on every command (walking `runway --help`'s list and each command's
# own options), help CMD, --version, and usage errors: unknown command,
# unknown option, missing value, extra argument -> exit 2 "runway: ...".
. "$RUNWAY_SRC/tests/cli/lib.sh"

expect_exit 0 runway --help
expect_contains out "usage: runway "
cmds=$(sed -n '/^commands:$/,/^$/p' out | sed -n 's/^  \([a-z][a-z-]*\) .*/\1/p')
[ "$(echo "$cmds" | wc -l)" -ge 7 ] || fail "runway --help lists too few commands: $cmds"
for c in init new status deploy revert verify log; do
	echo "$cmds" | grep -qx "$c" || fail "runway --help does not list '$c'"
done
expect_exit 0 runway -h
expect_exit 0 runway help
expect_contains out "commands:"
ok "runway --help, -h, help list the commands"

# without runway.yml or a database: help must not need either
for c in $cmds; do
	for h in --help -h; do
		expect_exit 0 runway "$c" "$h"
		head -n 1 out | grep -q "^usage: runway $c" || fail "runway $c $h: no usage line"
		expect_contains out "global options:"
		[ -s err ] && fail "runway $c $h wrote to stderr"
	done
	expect_exit 0 runway help "$c"
	head -n 1 out | grep -q "^usage: runway $c" || fail "runway help $c: no usage line"
	expect_exit 0 runway --json -C . "$c" --help
	# every option the help lists is accepted (value-taking ones get a value)
	runway "$c" --help | sed -n '/^options:$/,/^$/p' |
		sed -n 's/^ *\(-[a-zA-Z], \)\{0,1\}--\([a-z][a-z-]*\)\( [A-Z][^ ]*\)\{0,1\} .*/\2 \3/p' >opts
	[ "$c" = deploy ] && { grep -qx 'lock-timeout  *SECONDS' opts || fail "option walk missed --lock-timeout: $(cat opts)"; }
	while read -r name arg; do
		if [ -n "$arg" ]; then o="--$name=1"; else o="--$name"; fi
		expect_exit 0 runway "$c" "$o" --help
		head -n 1 out | grep -q "^usage: runway $c" || fail "runway $c $o --help: no usage"
	done <opts
done
[ -e runway.yml ] || [ -e migrations ] && fail "--help created files"
ok "every command: --help, -h and 'help CMD' print usage and exit 0; every listed option is known"

expect_exit 0 runway --version
grep -Eq '^runway [0-9]+\.[0-9]+' out || fail "--version prints '$(cat out)'"
version=$(cut -d' ' -f2 out)
expect_exit 0 runway --json --version
expect_eq() { [ "$1" = "$2" ] || fail "$3: got '$1', want '$2'"; }
expect_eq "$(python3 -c 'import json,sys; print(json.load(sys.stdin)["version"])' <out)" "$version" "--json --version"
ok "--version and --json --version ($version)"

expect_exit 2 runway
expect_contains err "usage: runway"
expect_exit 2 runway frobnicate
expect_contains err "runway: unknown command 'frobnicate'"
expect_exit 2 runway --frobnicate status
expect_contains err "runway: unknown option '--frobnicate'"
expect_exit 2 runway status --frobnicate
expect_contains err "runway: status: unknown option '--frobnicate'"
expect_exit 2 runway deploy -Z
expect_contains err "runway: deploy: unknown option '-Z'"
expect_exit 2 runway deploy --to
expect_contains err "runway: option '--to' needs a value"
expect_exit 2 runway deploy --lock-timeout soon
expect_contains err "runway: option '--lock-timeout' needs a whole number, not 'soon'"
expect_exit 2 runway revert --steps -1
expect_exit 2 runway deploy --dry-run=yes
expect_contains err "runway: option '--dry-run' takes no value"
expect_exit 2 runway status extra
expect_contains err "runway: status: unexpected argument 'extra'"
expect_exit 2 runway --db
expect_contains err "runway: option '--db' needs a value"
expect_exit 2 runway new
expect_contains err "runway: new: "
[ -e runway.yml ] || [ -e migrations ] || [ -e dev.db ] && fail "usage errors created files"
ok "usage errors exit 2 with 'runway: ...' and create nothing"
done_testing
