#!/bin/sh
# runway.yml mistakes are exit 2 with runway.yml:LINE: unknown keys (top
# level, environment, audit), wrong types, bad YAML, default_env naming no
# environment, duplicate environments; the target stays untouched.
. "$RUNWAY_SRC/tests/cli/lib.sh"
make_project
write_change 001_t "CREATE TABLE t (id integer);" "DROP TABLE t;"
cp runway.yml good.yml

# bad_yml MESSAGE: with the runway.yml on stdin, deploy and status exit 2
# with "runway: MESSAGE" and no database appears
bad_yml() {
	cat >runway.yml
	for c in deploy status; do
		expect_exit 2 runway $c
		expect_contains err "runway: $1"
	done
	[ -e dev.db ] && fail "a bad runway.yml let runway open the database ($1)"
	cp good.yml runway.yml
}

bad_yml "runway.yml:4: unknown key 'urll' in environment 'dev'" <<'YML'
migrations: migrations
environments:
  dev:
    urll: sqlite:dev.db
YML
bad_yml "runway.yml:2: unknown key 'migration'" <<'YML'
default_env: dev
migration: migrations
environments:
  dev:
    url: sqlite:dev.db
YML
bad_yml "runway.yml:6: unknown key 'notes' in 'audit'" <<'YML'
environments:
  dev:
    url: sqlite:dev.db
audit:
  git_notes: false
  notes: true
YML
ok "unknown keys: exit 2 with runway.yml:LINE"

bad_yml "runway.yml:4: 'protected' must be true or false" <<'YML'
environments:
  dev:
    url: sqlite:dev.db
    protected: maybe
YML
bad_yml "runway.yml:4: 'vars' must be a mapping of name: value" <<'YML'
environments:
  dev:
    url: sqlite:dev.db
    vars: [a, b]
YML
bad_yml "runway.yml:1: default_env 'prod' is not an environment" <<'YML'
default_env: prod
environments:
  dev:
    url: sqlite:dev.db
YML
bad_yml "runway.yml:4: environment 'dev' is defined twice" <<'YML'
environments:
  dev:
    url: sqlite:dev.db
  dev:
    url: sqlite:other.db
YML
bad_yml "runway.yml:4: did not find expected" <<'YML'
environments:
  dev:
    url: [unclosed
YML
bad_yml "runway.yml:1: the top level must be a mapping" <<'YML'
- just
- a list
YML
ok "wrong types, default_env naming nothing, duplicate environment, broken YAML: exit 2 with file:line"

expect_exit 0 runway deploy
expect_exit 0 runway -e dev status
expect_exit 2 runway -e prod status
expect_contains err "runway: unknown environment 'prod'"
expect_contains err "hint: environments are defined in runway.yml"
ok "a good runway.yml works; an unknown -e is exit 2 with a hint"
done_testing
