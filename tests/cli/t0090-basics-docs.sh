#!/bin/sh
# Every command that `runway --help` lists has docs/commands/<name>.md, and
# that page mentions every option `runway <name> --help` lists (STYLE §2),
# so the documentation cannot silently fall behind the option tables.
. "$RUNWAY_SRC/tests/cli/lib.sh"

expect_exit 0 runway --help
cmds=$(sed -n '/^commands:$/,/^$/p' out | sed -n 's/^  \([a-z][a-z-]*\) .*/\1/p')
[ -n "$cmds" ] || fail "runway --help lists no commands"
for c in $cmds; do
	doc="$RUNWAY_SRC/docs/commands/$c.md"
	[ -f "$doc" ] || fail "no docs/commands/$c.md for command '$c'"
	grep -q "^# runway $c\$" "$doc" || fail "docs/commands/$c.md does not start with '# runway $c'"
	expect_exit 0 runway "$c" --help
	sed -n '/^options:$/,/^$/p' out | sed -n 's/^ *\(-[a-zA-Z], \)\{0,1\}\(--[a-z][a-z-]*\).*/\2/p' >opts
	while read -r o; do
		grep -q -- "\`$o[\` =]" "$doc" || grep -q -- "\`-[a-zA-Z]\`, \`$o" "$doc" ||
			fail "docs/commands/$c.md does not document $o"
	done <opts
done
ok "docs/commands/<name>.md exists for every command and covers its options"

# the README links every command page
for c in $cmds; do
	grep -q "(docs/commands/$c.md)" "$RUNWAY_SRC/README.md" || fail "README.md does not link docs/commands/$c.md"
done
ok "README.md links every command page"
done_testing
