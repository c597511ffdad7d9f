#!/bin/sh
# The scale of a league (issue 15): seasons of 4, 8, 12 and 16 teams, and
# whether a tick's cost is linear in its games. For each size:
#   games, ticks          the season as played (its JSON and callgrind's calls)
#   instructions_per_tick round_tick's inclusive instructions / its calls
#   instructions_per_game all of round_tick's instructions / the season's games
#   season_ms             `pinwheel season --teams N` wall time, 3 runs (a range)
# then the per-game cost at 16 teams against 4 (1.00 is linear). Each
# season is checked before its figures count: valid JSON, N teams in the
# standings, a champion, games played.
#
# usage: sh tests/bench/bench_scale.sh [build/pinwheel]
set -u
bin=${1:-build/pinwheel}
here=$(dirname "$0")
. "$here/lib.sh"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

# check N FILE: the season in FILE is whole (N teams in its standings, a
# champion, games played); prints its number of games.
check() {
	teams=$(sed 's/"playoffs".*//' "$2" | grep -o '"points_against":' | wc -l)
	[ "$teams" -eq "$1" ] || bench_fail "the season of $1 teams has $teams in its standings"
	grep -q '"champion":{"team_id":[0-9]' "$2" || bench_fail "the season of $1 teams has no champion"
	g=$(grep -o '"games":[0-9]*,"rule_changes"' "$2" | grep -o '[0-9][0-9]*')
	[ "${g:-0}" -gt 0 ] || bench_fail "the season of $1 teams played no games"
	echo "$g"
}

if ! command -v valgrind >/dev/null 2>&1; then
	echo "instructions: not measured (valgrind is not installed)"
fi
base=""
for n in 4 8 12 16; do
	"$bin" season --teams "$n" --format json >"$tmp/s$n.json" 2>"$tmp/err" ||
		bench_fail "season --teams $n: $(cat "$tmp/err")"
	games=$(check "$n" "$tmp/s$n.json") || exit 1
	ms=""
	for run in 1 2 3; do
		t0=$(date +%s%N)
		"$bin" season --teams "$n" --format json >"$tmp/w.json" 2>&1 || bench_fail "season --teams $n failed"
		t1=$(date +%s%N)
		cmp -s "$tmp/w.json" "$tmp/s$n.json" || bench_fail "season --teams $n played differently on run $run"
		ms="$ms $(((t1 - t0) / 1000000))"
	done
	line="teams=$n games=$games"
	if command -v valgrind >/dev/null 2>&1; then
		cg=$tmp/cg.$n
		valgrind --tool=callgrind --compress-strings=no --callgrind-out-file="$cg" "$bin" season --teams "$n" \
			--format json >"$cg.out" 2>"$cg.err" || bench_fail "callgrind season --teams $n: $(tail -n 3 "$cg.err")"
		cmp -s "$cg.out" "$tmp/s$n.json" || bench_fail "season --teams $n played differently under callgrind"
		ticks=$(awk '/^cfn=.*round_tick$/ { getline; if ($1 ~ /^calls=/) { split($1, a, "="); k += a[2]; getline; c += $2 } }
			END { printf "%d %d", k, c }' "$cg")
		calls=${ticks% *}
		incl=${ticks#* }
		[ "${calls:-0}" -gt 0 ] || bench_fail "callgrind saw no ticks for $n teams"
		per_game=$((incl / games))
		[ -n "$base" ] || base=$per_game
		line="$line ticks=$calls instructions_per_tick=$((incl / calls)) instructions_per_game=$per_game"
		last=$per_game
	fi
	# shellcheck disable=SC2086
	echo "$line season_ms=$(range $ms)"
done
if [ -n "$base" ]; then
	awk -v a="$last" -v b="$base" 'BEGIN { printf "per-game cost of a tick, 16 teams against 4: %.2fx (1.00 is linear in games)\n", a / b }'
fi
