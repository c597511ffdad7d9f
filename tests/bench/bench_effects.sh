#!/bin/sh
# The Lua effects sandbox: what effects add to a game (spec 10-simulation,
# "Speed": <= 75 us per game with three effects subscribed to
# sim.possession.pre and sim.shot.pre). Per run:
#   none           no effects
#   setup x3       three effects that only set up (one call per game)
#   subscribed x3  three effects subscribed to both hooks that do nothing
#                  there: the engine's own cost per hook call
#   hooks x3       three effects that read 2-4 ctx fields per call and act
#                  now and then (tests/bench/fx/typical.lua, three times)
# then lua_floor: the hooks x3 calls in stock Lua with no engine around
# them, the floor no engine on this Lua goes below.
#
# Before any figure, each script must pass `pinwheel effect check` (it
# loads, runs 200 games without an error) with every hook it subscribes
# firing: an effect that errors is switched off for the rest of its game,
# and timing that would time less than the figure claims. Each bench run
# must succeed and print its games= line. Prints figures; never pass/fail
# on time.
set -u
here=$(dirname "$0")
. "$here/lib.sh"
bin=${1:-build/pinwheel}
fx=$here/fx

for f in setup_only subscribed_only typical; do
	out=$("$bin" effect check "$fx/$f.lua" 2>&1) || bench_fail "$f.lua does not pass effect check:" "$out"
	echo "$out" | grep -q '^  errors: 0$' || bench_fail "$f.lua: effect check reports errors:" "$out"
	echo "$out" | grep -q 'fired [0-9]* times' || bench_fail "$f.lua: no hook fired:" "$out"
	if echo "$out" | grep -q 'fired 0 times'; then
		bench_fail "$f.lua: a hook it subscribes never fired:" "$out"
	fi
done
echo "effect check: setup_only, subscribed_only, typical valid, no errors, every hook fired"

# run LABEL [--effect FILE]...: one bench line, or fail.
run() {
	label=$1
	shift
	out=$("$bin" bench --games 10000 "$@" 2>&1) || bench_fail "bench $*: $out"
	line=$(echo "$out" | grep '^games=') || bench_fail "bench $* printed no games= line: $out"
	printf '%-14s %s\n' "$label" "$line"
}

for _ in 1 2 3; do
	run none
	run "setup x3" --effect "$fx/setup_only.lua" --effect "$fx/setup_only.lua" --effect "$fx/setup_only.lua"
	run "subscribed x3" --effect "$fx/subscribed_only.lua" --effect "$fx/subscribed_only.lua" \
		--effect "$fx/subscribed_only.lua"
	run "hooks x3" --effect "$fx/typical.lua" --effect "$fx/typical.lua" --effect "$fx/typical.lua"
done
floor=$(dirname "$bin")/lua_floor
if [ -x "$floor" ]; then
	echo "lua_floor (hooks x3 calls in bare Lua, no game):"
	"$floor" "$fx" || bench_fail "lua_floor failed"
fi
