#!/bin/sh
# make bench: prints every benchmark's figures. Never pass/fail on time —
# wall-clock on shared machines is noisy; figures are for people to read
# and for closing notes. Each tests/bench/bench_*.sh gets the binary's path.
# A benchmark that could not check what it measured (a server answered
# wrongly, an effect failed) fails, and then so does make bench, naming it.
set -u
bin=${1:-build/pinwheel}
here=$(dirname "$0")
failed=""

echo "== simulation (3 runs; wall clock, one thread) =="
for _ in 1 2 3; do "$bin" bench --games 20000 || failed="$failed simulation"; done

if command -v valgrind >/dev/null 2>&1; then
	# Instruction counts repeat exactly, so they compare versions of hot
	# code where timings cannot.
	echo "== simulation instructions per game (callgrind, 2000 games) =="
	out=$(mktemp)
	valgrind --tool=callgrind --callgrind-out-file="$out" "$bin" bench --games 2000 >/dev/null 2>&1
	total=$(grep -E '^(summary|totals):' "$out" | head -n 1 | awk '{print $2}')
	rm -f "$out"
	[ -n "$total" ] && echo "instructions_per_game=$((total / 2000)) (includes start-up)"
fi

for b in "$here"/bench_*.sh; do
	[ -e "$b" ] || continue
	echo "== $(basename "$b" .sh) =="
	sh "$b" "$bin" || failed="$failed $(basename "$b" .sh)"
done
if [ -n "$failed" ]; then
	echo "BENCH FAILED:$failed (their figures are missing or not to be trusted; see above)"
	exit 1
fi
