#!/bin/sh
# The SQLite corpus survives runway test's round trip: every revert undoes
# its deploy exactly. Then one revert broken on purpose is caught.
. "$RUNWAY_SRC/tests/cli/lib.sh"
C=$RUNWAY_SRC/tests/fixtures/check/corpus/sqlite/migrations
cp -r "$C" migrations
printf 'migrations: migrations\ndefault_env: dev\nenvironments:\n  dev:\n    url: sqlite:dev.db\n' >runway.yml
expect_exit 0 runway test
expect_contains out "18 changes tested: no findings"
ok "18 SQLite migrations: deploy, verify, revert, redeploy"
last=$(ls migrations | tail -1)
sed -i '/^-- runway:revert/,$ { /^-- runway:verify/,$ !{ /^-- runway:revert/ !d } }' "migrations/$last"
printf 'SELECT 1;\n' >>"migrations/$last"
expect_exit 1 runway test --format json
expect_contains out '"rule": "revert-does-not-undo"'
ok "a corpus change with its revert emptied is caught"
done_testing
