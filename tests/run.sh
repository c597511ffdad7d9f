#!/bin/sh
# Runs the whole suite twice — a plain optimised build, then one built with
# AddressSanitizer and UndefinedBehaviorSanitizer — and ends with one line
# "N passed, N failed" that adds both up. Exits non-zero if anything failed
# or a build broke.
set -u
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)
total_pass=0
total_fail=0
status=0

suite() {
	name=$1; shift
	log=build/test-$name.log
	mkdir -p build
	echo "== $name =="
	if ! make -s -j"$jobs" "$@" test-run 2>&1 | tee "$log"; then
		status=1
	fi
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
	if [ -z "$line" ]; then
		echo "$name: the suite did not report a summary (build failure?)"
		total_fail=$((total_fail + 1))
		status=1
		return
	fi
	p=$(echo "$line" | sed -E 's/^([0-9]+) passed.*/\1/')
	f=$(echo "$line" | sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/')
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
	[ "$f" -eq 0 ] || status=1
}

suite plain
suite sanitizers BUILD=build/san SAN=address,undefined PW_TEST_SANITIZED=1

echo "$total_pass passed, $total_fail failed"
exit $status
