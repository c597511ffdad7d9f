#!/bin/sh
# Instructions the effects engine adds to a game, against the Lua floor
# (issue 15: engine/floor at most 1.25), counted by callgrind:
#
#   sh tests/bench/fx/callgrind.sh [build/pinwheel [build/lua_floor]]
#
# Engine: `pinwheel bench --games 300` (584 games: 200 warm-up, 300 timed,
# the 84-game season) with three copies of an effect, minus the same run
# without effects, over 584. Floor: lua_floor making the calls the timed
# games made (their effect_calls line), --games 2000 minus --games 200,
# over 1800 (so its start-up cancels out). Both run with time() fixed
# (fixed_time.c, preloaded), once for each of $SEEDS clocks (3 unless
# given): Lua seeds its string hashes from the clock and a few addresses,
# which moves a count by some 0.3%, so each figure is a range over the
# seeds. Each effect must run without an error, and the floor must make the
# engine's calls (per game, within 1%: spreading them rounds). Takes some minutes;
# prints figures only.
set -u
here=$(dirname "$0")
. "$here/../lib.sh"
bin=${1:-build/pinwheel}
floor=${2:-$(dirname "$bin")/lua_floor}
command -v valgrind >/dev/null 2>&1 || bench_fail "valgrind is not installed"
[ -x "$floor" ] || bench_fail "no $floor (make build/lua_floor)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cc -O2 -shared -fPIC -o "$tmp/fixed_time.so" "$here/fixed_time.c" ||
	bench_fail "cannot build fixed_time.so"

seeds=""
i=0
while [ $i -lt "${SEEDS:-3}" ]; do
	seeds="$seeds $((1700000000 + i * 7919))"
	i=$((i + 1))
done

# count OUT CMD...: callgrind's instruction total of CMD (its output in OUT),
# with the clock at $seed.
count() {
	out=$1
	shift
	PW_FIXED_TIME=$seed LD_PRELOAD="$tmp/fixed_time.so" valgrind --tool=callgrind \
		--callgrind-out-file="$tmp/cg.out" "$@" >"$out" 2>/dev/null ||
		bench_fail "$* failed: $(cat "$out")"
	grep -E '^(summary|totals):' "$tmp/cg.out" | head -n 1 | awk '{print $2}'
}

# field NAME LINE: the number after NAME= in LINE (0 when absent).
field() {
	v=$(echo "$2" | tr ' ' '\n' | sed -n "s/^$1=//p")
	echo "${v:-0}"
}

for seed in $seeds; do
	none=$(count "$tmp/none.txt" "$bin" bench --games 300)
	echo "seed $seed: no effects $none instructions (bench --games 300)"
	poss=0
	for script in "$here/typical.lua" "$here/subscribed_only.lua" \
		"$here/../../../scripts/effects/hot_hand.lua"; do
		name=$(basename "$script" .lua)
		fx=$(count "$tmp/fx.txt" "$bin" bench --games 300 --effect "$script" --effect "$script" \
			--effect "$script")
		calls=$(grep '^effect_calls ' "$tmp/fx.txt") || bench_fail "$name: no effect_calls line"
		echo "$calls" | grep -q ' errors=0$' || bench_fail "$name: effects failed: $calls"
		engine=$(( (fx - none) / 584 ))
		pc=$(( $(field sim.possession.pre "$calls") / 3 ))
		sc=$(( $(field sim.shot.pre "$calls") / 3 ))
		tc=$(( $(field sim.shot.post "$calls") / 3 ))
		total=$(field total "$calls")
		if [ "$name" = subscribed_only ]; then
			echo "seed $seed: $name x3 $engine instructions a game over no effects," \
				"$((engine * 300 / total)) a call"
			echo "$name $engine" >>"$tmp/figs"
			continue
		fi
		[ "$pc" -gt 0 ] && poss=$pc
		f2000=$(count "$tmp/floor.txt" "$floor" --games 2000 --possessions $((poss * 2000 / 300)) \
			--shots $((sc * 2000 / 300)) --shot-posts $((tc * 2000 / 300)) --script "$script" \
			--mode hook)
		c2000=$(field calls "$(grep '^games=' "$tmp/floor.txt")")
		f200=$(count "$tmp/floor.txt" "$floor" --games 200 --possessions $((poss * 200 / 300)) \
			--shots $((sc * 200 / 300)) --shot-posts $((tc * 200 / 300)) --script "$script" \
			--mode hook)
		c200=$(field calls "$(grep '^games=' "$tmp/floor.txt")")
		# The floor's games must make the engine's calls (per game, to the
		# rounding of spreading them): otherwise the ratio compares
		# different work.
		awk -v f="$(( c2000 - c200 ))" -v e="$total" 'BEGIN {
			fg = f / 1800; eg = e / 300; d = fg - eg; if (d < 0) d = -d
			exit !(eg > 0 && d <= eg / 100) }' ||
			bench_fail "$name: lua_floor made $(( c2000 - c200 )) calls in 1800 games," \
				"the engine $total in 300"
		fgame=$(( (f2000 - f200) / 1800 ))
		ratio=$(awk -v e="$engine" -v f="$fgame" 'BEGIN { printf "%.3f", e / f }')
		echo "seed $seed: $name x3 $engine instructions a game over no effects ($total calls in" \
			"the 300 timed games); lua_floor $fgame; engine/floor $ratio"
		echo "$name $engine $fgame $ratio" >>"$tmp/figs"
	done
done
for name in typical subscribed_only hot_hand; do
	# shellcheck disable=SC2046 # one word per figure
	e=$(range $(awk -v n="$name" '$1 == n { print $2 }' "$tmp/figs"))
	if [ "$name" = subscribed_only ]; then
		echo "$name x3: $e instructions a game over no effects"
		continue
	fi
	# shellcheck disable=SC2046
	echo "$name x3: $e instructions a game over no effects; lua_floor" \
		"$(range $(awk -v n="$name" '$1 == n { print $3 }' "$tmp/figs"));" \
		"engine/floor $(range $(awk -v n="$name" '$1 == n { print $4 }' "$tmp/figs"))"
done
