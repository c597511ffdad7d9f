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
# then, in the same round, lua_floor: the very calls that hooks x3 made
# (its effect_calls line, by hook), in stock Lua with no engine around
# them, the floor no engine on this Lua goes below; and the ratio
#   engine/floor = (hooks x3 - none) / lua_floor with the count hook,
# per game, both from that round (issue 15's target: at most 1.25), in
# wall time and in CPU time (which other work on a shared machine slows
# less: time it waits for a core is not counted).
#
# Before any figure, each script must pass `pinwheel effect check` (it
# loads, runs 200 games without an error) with every hook it subscribes
# firing: an effect that errors is switched off for the rest of its game,
# and timing that would time less than the figure claims. Each bench run
# must succeed and print its games= line; a run with effects must report
# its calls with no error, and the floor must make exactly as many calls
# as the engine did. Prints figures; never pass/fail on time.
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

games=10000
floor=$(dirname "$bin")/lua_floor
[ -x "$floor" ] || bench_fail "no $floor (make build/lua_floor)"

# run LABEL [--effect FILE]...: one bench line, or fail; sets us (per game)
# and calls (the effect_calls line, empty without effects).
run() {
	label=$1
	shift
	out=$("$bin" bench --games $games "$@" 2>&1) || bench_fail "bench $*: $out"
	line=$(echo "$out" | grep '^games=') || bench_fail "bench $* printed no games= line: $out"
	echo "$line" | grep -q "^games=$games " || bench_fail "bench $* did not play $games games: $line"
	us=$(field us_per_game "$line")
	cpu=$(field cpu_us_per_game "$line")
	calls=$(echo "$out" | grep '^effect_calls ' || true)
	if [ $# -gt 0 ]; then
		[ -n "$calls" ] || bench_fail "bench $* printed no effect_calls line: $out"
		echo "$calls" | grep -q ' errors=0$' || bench_fail "bench $*: effects failed: $calls"
	fi
	printf '%-14s %s\n' "$label" "$line"
}

# field NAME LINE: the number after NAME= in LINE (0 when absent).
field() {
	v=$(echo "$2" | tr ' ' '\n' | sed -n "s/^$1=//p")
	echo "${v:-0}"
}

# ratio HOOKS NONE FLOOR: (HOOKS - NONE) / FLOOR, two decimals.
ratio() {
	awk -v h="$1" -v n="$2" -v f="$3" 'BEGIN { printf "%.2f", (h - n) / f }'
}

ratios=""
cratios=""
floors=""
cfloors=""
nones=""
cnones=""
hookss=""
chookss=""
for _ in 1 2 3; do
	run none
	none=$us
	cnone=$cpu
	run "setup x3" --effect "$fx/setup_only.lua" --effect "$fx/setup_only.lua" --effect "$fx/setup_only.lua"
	run "subscribed x3" --effect "$fx/subscribed_only.lua" --effect "$fx/subscribed_only.lua" \
		--effect "$fx/subscribed_only.lua"
	run "hooks x3" --effect "$fx/typical.lua" --effect "$fx/typical.lua" --effect "$fx/typical.lua"
	hooks=$us
	chooks=$cpu
	# the floor makes the calls hooks x3 just made: the same hook points
	# (each calls the three effects), over the same number of games
	pc=$(field sim.possession.pre "$calls")
	sc=$(field sim.shot.pre "$calls")
	total=$(field total "$calls")
	[ $((pc + sc)) -eq "$total" ] && [ $((pc % 3)) -eq 0 ] && [ $((sc % 3)) -eq 0 ] ||
		bench_fail "hooks x3 made calls the floor cannot repeat: $calls"
	fl=$("$floor" --games $games --possessions $((pc / 3)) --shots $((sc / 3)) --mode hook "$fx") ||
		bench_fail "lua_floor failed: $fl"
	[ "$(field calls "$fl")" -eq "$total" ] ||
		bench_fail "lua_floor made $(field calls "$fl") calls, the engine $total"
	fus=$(field us_per_game_count_hook "$fl")
	fcpu=$(field cpu_us_per_game "$fl")
	r=$(ratio "$hooks" "$none" "$fus")
	cr=$(ratio "$chooks" "$cnone" "$fcpu")
	printf '%-14s %s\n' "lua_floor" "$fl"
	printf '%-14s engine/floor=%s wall (hooks x3 %s - none %s over %s us a game), %s CPU (%s - %s over %s), %s calls each\n' \
		"ratio" "$r" "$hooks" "$none" "$fus" "$cr" "$chooks" "$cnone" "$fcpu" "$total"
	ratios="$ratios $r"
	cratios="$cratios $cr"
	floors="$floors $fus"
	cfloors="$cfloors $fcpu"
	nones="$nones $none"
	cnones="$cnones $cnone"
	hookss="$hookss $hooks"
	chookss="$chookss $chooks"
done
# Wall time here is shared with other work: a round's figures can be
# slowed at random, never sped up, so the fastest of each is the steadiest.
# lo LIST: the smallest number of the list.
lo() {
	printf '%s\n' "$@" | sort -g | head -n 1
}
# shellcheck disable=SC2086 # one word per figure
echo "engine/floor over the 3 rounds: wall $(range $ratios), of the fastest figures" \
	"$(ratio "$(lo $hookss)" "$(lo $nones)" "$(lo $floors)");" \
	"CPU $(range $cratios), of the fastest $(ratio "$(lo $chookss)" "$(lo $cnones)" "$(lo $cfloors)")" \
	"(floor $(range $floors) us a game wall, $(range $cfloors) CPU)"
