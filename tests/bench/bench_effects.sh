#!/bin/sh
# The Lua effects sandbox: what effects add to a game (spec 10-simulation,
# "Speed": <= 75 us per game with three effects subscribed to
# sim.possession.pre and sim.shot.pre). Per run:
#   none           no effects
#   setup x3       three effects that only set up (one call per game)
#   subscribed x3  three effects subscribed to both hooks that do nothing
#                  there: the engine's own cost per hook call
#   hooks x3       three effects that read 2-4 ctx fields per call and act
#                  now and then (tests/bench/fx/bench_*.lua)
# then lua_floor: the hooks x3 calls in stock Lua with no engine around
# them, the floor no engine on this Lua goes below.
set -u
bin=${1:-build/pinwheel}
fx=$(dirname "$0")/fx
for i in 1 2 3; do
	echo "none           $("$bin" bench --games 10000 | head -n 1)"
	echo "setup x3       $("$bin" bench --games 10000 --effect "$fx/setup_only.lua" \
		--effect "$fx/setup_only.lua" --effect "$fx/setup_only.lua" | head -n 1)"
	echo "subscribed x3  $("$bin" bench --games 10000 --effect "$fx/subscribed_only.lua" \
		--effect "$fx/subscribed_only.lua" --effect "$fx/subscribed_only.lua" | head -n 1)"
	echo "hooks x3       $("$bin" bench --games 10000 --effect "$fx/bench_1.lua" \
		--effect "$fx/bench_2.lua" --effect "$fx/bench_3.lua" | head -n 1)"
done
floor=$(dirname "$bin")/lua_floor
if [ -x "$floor" ]; then
	echo "lua_floor (hooks x3 calls in bare Lua, no game):"
	"$floor" "$fx"
fi
