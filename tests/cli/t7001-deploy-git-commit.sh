#!/bin/sh
# The history and the events record the git commit (and branch) of the
# project checkout; log and status show it; outside git they stay NULL.
. "$RUNWAY_SRC/tests/cli/lib.sh"
command -v git >/dev/null 2>&1 || skip "git not installed"
GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.com GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.com
export GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL GIT_COMMITTER_NAME GIT_COMMITTER_EMAIL

make_project
write_change 001_a "CREATE TABLE a (id integer);" "DROP TABLE a;"
expect_exit 0 runway deploy
[ "$(sq dev.db "select count(*) from runway_history where git_commit is null and git_ref is null")" = 1 ] ||
	fail "outside git, git_commit/git_ref are not NULL"
ok "outside a git repository: no commit recorded"

git init -q -b release-1 . || fail "git init"
echo dev.db >.gitignore
{ git add -A && git commit -q -m one; } || fail "git commit"
write_change 002_b "CREATE TABLE b (id integer);" "DROP TABLE b;"
{ git add -A && git commit -q -m two; } || fail "git commit"
head=$(git rev-parse HEAD)
expect_exit 0 runway deploy
[ "$(sq dev.db "select git_commit, git_ref from runway_history where change_id = '002_b'")" = "$head|release-1" ] ||
	fail "history git_commit/git_ref: $(sq dev.db "select git_commit, git_ref from runway_history")"
[ "$(sq dev.db "select git_commit from runway_events where change_id = '002_b' and action = 'deploy'")" = "$head" ] ||
	fail "event git_commit"
expect_exit 0 runway log -n 1
expect_contains out "git $(echo "$head" | cut -c1-12)"
expect_exit 0 runway status --json
python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["changes"][1]["git_commit"] == sys.argv[1], d' "$head" <out ||
	fail "status --json git_commit"
ok "in git: history and events record HEAD and the branch; log and status show it"

mkdir sub sub/migrations
expect_exit 0 runway -C sub --db sqlite:../dev.db revert --steps 1
[ "$(sq dev.db "select git_commit from runway_events where action = 'revert'")" = "$head" ] ||
	fail "revert from a subdirectory does not record the commit"
git checkout -q --detach HEAD
expect_exit 0 runway deploy
[ "$(sq dev.db "select git_commit, coalesce(git_ref, 'NULL') from runway_history where change_id = '002_b'")" = "$head|NULL" ] ||
	fail "detached HEAD: $(sq dev.db "select git_commit, git_ref from runway_history where change_id = '002_b'")"
ok "a subdirectory finds the repository; a detached HEAD records the commit, no ref"
done_testing
