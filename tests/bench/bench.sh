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

for b in "$here"/bench_*.sh; do
	[ -e "$b" ] || continue
	echo "== $(basename "$b" .sh) =="
	sh "$b" "$bin" || failed="$failed $(basename "$b" .sh)"
done
if [ -n "$failed" ]; then
	echo "BENCH FAILED:$failed (their figures are missing or not to be trusted; see above)"
	exit 1
fi
