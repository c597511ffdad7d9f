#!/bin/sh
# Installs the Debian packages listed in vendor/packages.txt that are missing.
#
#   vendor/install.sh [build|test|all]     (default: build)
#
# Idempotent: a package that is already installed is never touched, so running
# this on a provisioned machine is a no-op that costs one dpkg query per line.
# Needs root (or sudo) only when something is actually missing.
set -eu

group=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
manifest="$here/packages.txt"

missing=""
while read -r name grp _why; do
	case "$name" in ''|'#'*) continue ;; esac
	if [ "$group" != all ] && [ "$grp" != build ] && [ "$grp" != "$group" ]; then
		continue
	fi
	if ! dpkg-query -W -f='${Status}' "$name" 2>/dev/null | grep -q 'install ok installed'; then
		missing="$missing $name"
	fi
done < "$manifest"

[ -z "$missing" ] && exit 0

echo "vendor/install.sh: installing:$missing" >&2
if [ "$(id -u)" -eq 0 ]; then
	sudo=""
elif command -v sudo >/dev/null 2>&1; then
	sudo="sudo"
else
	echo "vendor/install.sh: these packages are missing and I am not root:$missing" >&2
	echo "vendor/install.sh: install them with apt-get, or rerun as root." >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# shellcheck disable=SC2086
$sudo apt-get install -y -qq --no-install-recommends $missing >&2
