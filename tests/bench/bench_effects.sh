#!/bin/sh
# The Lua effects sandbox: what effects add to a game (spec 10-simulation,
# "Speed": <= 75 us per game with three effects on sim.possession.pre and
# sim.shot.pre). Three lines each: no effects, three effects that only set
# up (one call per game), three effects on possession.pre + shot.pre.
set -u
bin=${1:-build/pinwheel}
fx=$(dirname "$0")/fx
for i in 1 2 3; do
	echo "none      $("$bin" bench --games 10000 | head -n 1)"
	echo "setup x3  $("$bin" bench --games 10000 --effect "$fx/setup_only.lua" \
		--effect "$fx/setup_only.lua" --effect "$fx/setup_only.lua" | head -n 1)"
	echo "hooks x3  $("$bin" bench --games 10000 --effect "$fx/bench_1.lua" \
		--effect "$fx/bench_2.lua" --effect "$fx/bench_3.lua" | head -n 1)"
done
