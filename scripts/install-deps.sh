#!/bin/sh
# install-deps.sh - every Debian 12 package that runway's build, tests and
# demo need, on a fresh machine, as root (or with sudo).
set -eu

if [ "$(id -u)" -ne 0 ]; then
	exec sudo "$0" "$@"
fi

PACKAGES="
build-essential cmake pkg-config git ca-certificates
libsqlite3-dev sqlite3
libpq-dev libpg-query-dev libprotobuf-c-dev postgresql postgresql-server-dev-15
libyaml-dev libjansson-dev libssl-dev libgit2-dev
libcmocka-dev python3 python3-jsonschema libxml2-utils util-linux
"

missing=""
for p in $PACKAGES; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
if [ -z "$missing" ]; then
	echo "install-deps: everything is installed"
	exit 0
fi
echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
echo "install-deps: done"
