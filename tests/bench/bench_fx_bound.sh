#!/bin/sh
# How long one effect can keep one game running (docs/EFFECTS.md, "How long
# a script can hold a game"). Each tests/bench/fx/worst/*.lua spends its
# whole budget (1,000,000 units a game) on the costliest work per unit we
# know of; this prints what a game with it costs, in CPU time (the game's
# own cost included), against a game without effects.
#
# Before any figure, each script must be stopped by the per-game budget in
# `pinwheel effect check` (so it really spent a game's budget), never by
# the CPU-time backstop. Prints figures; never pass/fail on time.
set -u
here=$(dirname "$0")
. "$here/lib.sh"
bin=${1:-build/pinwheel}
games=${BOUND_GAMES:-10}

for f in "$here"/fx/worst/*.lua; do
	out=$("$bin" effect check "$f" --games 4 2>&1)
	echo "$out" | grep -q 'instruction limit exceeded (1000000 per game)' ||
		bench_fail "$(basename "$f") is not stopped by the per-game budget:" "$out"
	if echo "$out" | grep -q 'engine fault'; then
		bench_fail "$(basename "$f") hit the CPU-time backstop:" "$out"
	fi
done
echo "each worst case spends its 1,000,000 units a game; none hit the backstop"

# cpu_ms_per_game [--effect FILE]: CPU milliseconds (user + system) a game
# costs, over $games single games (`pinwheel sim`, a process each: its
# start-up is in the figure, and is what "none" shows).
cpu_ms_per_game() {
	t=$(mktemp)
	total=0
	seed=1
	while [ "$seed" -le "$games" ]; do
		/usr/bin/time -f '%U %S' -o "$t" "$bin" sim --seed "$seed" --format json "$@" \
			>/dev/null 2>&1 || bench_fail "sim --seed $seed $* failed"
		total=$(awk -v t="$total" '{ printf "%.3f", t + $1 + $2 }' "$t")
		seed=$((seed + 1))
	done
	rm -f "$t"
	awk -v t="$total" -v g="$games" 'BEGIN { printf "%.1f", t * 1000 / g }'
}

[ -x /usr/bin/time ] || need_pkgs time
for label in none $(cd "$here/fx/worst" && ls -- *.lua); do
	runs=""
	for _ in 1 2 3; do
		if [ "$label" = none ]; then
			runs="$runs $(cpu_ms_per_game)"
		else
			runs="$runs $(cpu_ms_per_game --effect "$here/fx/worst/$label")"
		fi
	done
	# shellcheck disable=SC2086 # one word per run
	printf '%-20s cpu_ms_per_game=%s\n' "$label" "$(range $runs)"
done
