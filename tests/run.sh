#!/bin/sh
# Checks the walls between the layers (`make layers`), then runs the whole
# suite twice — a plain optimised build, then one built with
# AddressSanitizer and UndefinedBehaviorSanitizer — and, between the two,
# the integration and end-to-end tests again on PostgreSQL, with the AI
# client's unit tests (its spend cap is read from the database): the plain
# build with PW_TEST_BACKEND=postgres, where every database a test opens
# is a PostgreSQL one; the few tests about SQLite itself say SKIP and why;
# the store's own unit tests already run on both. It ends with one line
# "N passed, N failed" that adds both up (skipped tests are counted on
# the line before it). Exits non-zero if
# anything failed, the layers check failed or a build broke.
set -u
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)
total_pass=0
total_fail=0
total_skip=0
status=0
mkdir -p build

echo "== layers =="
if make -s -j"$jobs" layers; then
	total_pass=$((total_pass + 1))
else
	echo "layers: the walls between the layers do not hold (see above)"
	total_fail=$((total_fail + 1))
	status=1
fi

suite() {
	name=$1; shift
	log=build/test-$name.log
	rcfile=build/test-$name.rc
	echo "== $name =="
	# tee's status is not make's: make's own goes through a file.
	{ make -s -j"$jobs" "$@" test-run; echo $? > "$rcfile"; } 2>&1 | tee "$log"
	rc=$(cat "$rcfile" 2>/dev/null || echo 1)
	if [ "$rc" -ne 0 ]; then
		echo "$name: make exited with status $rc"
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
	k=0
	case "$line" in
	*skipped*) k=$(echo "$line" | sed -E 's/.*, ([0-9]+) skipped.*/\1/') ;;
	esac
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
	total_skip=$((total_skip + k))
	[ "$f" -eq 0 ] || status=1
	# A suite that reported no failures but whose make failed (the
	# runner crashed after its summary, a later step broke) still fails.
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		total_fail=$((total_fail + 1))
	fi
}

suite plain
suite postgres PW_TEST_BACKEND=postgres "T=tests/integration/ tests/e2e/ tests/unit/test_ai_client.c"
suite sanitizers BUILD=build/san SAN=address,undefined PW_TEST_SANITIZED=1

# Skipped tests are neither passed nor failed; the last line stays the
# contract's "N passed, N failed".
[ "$total_skip" -eq 0 ] || echo "$total_skip skipped (see SKIP lines above)"
echo "$total_pass passed, $total_fail failed"
exit $status
