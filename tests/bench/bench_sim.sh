#!/bin/sh
# The simulation (spec 10-simulation, "Speed": <= 25 us per default game
# with no effects, a default season in under 50 ms). Three figures:
#   instructions per game  callgrind over `bench --games 2000` minus
#                 `bench --games 1`, divided by the games between them:
#                 start-up, league generation and the bench's closing
#                 season cancel out. Instruction counts repeat exactly, so
#                 they compare two versions of the engine where timings
#                 cannot (docs/SIMULATION.md, "Speed").
#   us per game   `bench --games 20000`, 3 runs (a range: wall time here
#                 is noisy).
#   season        `pinwheel season` wall time, 5 runs: the whole league
#                 around the games (an in-memory store, every tick, the
#                 playoffs).
#
# Before any figure, the binary must play the games the golden test pins
# (tests/integration/test_golden_hashes.c, read from there so the two
# cannot drift): the seed-1 game's hash, and the default season's
# champion and number of games, in every season run. Each bench run must
# print the games it was asked for. Prints figures; never pass/fail on
# time.
set -u
here=$(dirname "$0")
. "$here/lib.sh"
bin=${1:-build/pinwheel}
golden=$here/../integration/test_golden_hashes.c

# The pins, as the golden test writes them.
[ -r "$golden" ] || bench_fail "cannot read $golden"
hash1=$(sed -n 's/.*check_hash("--seed 1", "\([0-9a-f]\{64\}\)".*/\1/p' "$golden")
[ -n "$hash1" ] || bench_fail "no seed-1 hash in $golden"
season_pin=$(grep '\\"champion\\":' "$golden" | sed -n 's/.*CHECK_CONTAINS(out, "\(.*\)");.*/\1/p' |
	sed 's/\\"/"/g')
[ -n "$season_pin" ] || bench_fail "no season champion in $golden"

out=$("$bin" sim --seed 1 --format json 2>&1) || bench_fail "sim --seed 1: $out"
echo "$out" | grep -q "$hash1" || bench_fail "sim --seed 1 is not the pinned game (hash $hash1)"
echo "golden: the seed-1 game has its pinned hash"

# bench_line N: one `pinwheel bench --games N` line, checked.
bench_line() {
	out=$("$bin" bench --games "$1" 2>&1) || bench_fail "bench --games $1: $out"
	line=$(echo "$out" | grep "^games=$1 ") || bench_fail "bench --games $1 printed no games=$1 line: $out"
	season=$(echo "$out" | grep '^season_games=84 ') || bench_fail "bench --games $1: no 84-game season: $out"
	echo "$line $season"
}

# Instructions per game.
if command -v valgrind >/dev/null 2>&1; then
	cg=$(mktemp)
	total() {
		valgrind --tool=callgrind --callgrind-out-file="$cg" "$bin" bench --games "$1" >"$cg.out" 2>&1 ||
			bench_fail "callgrind bench --games $1: $(cat "$cg.out")"
		grep -q "^games=$1 " "$cg.out" || bench_fail "callgrind bench --games $1: $(cat "$cg.out")"
		grep -E '^(summary|totals):' "$cg" | head -n 1 | awk '{print $2}'
	}
	big=$(total 2000) || exit 1
	small=$(total 1) || exit 1
	rm -f "$cg" "$cg.out"
	if [ -z "$big" ] || [ -z "$small" ]; then
		bench_fail "callgrind wrote no totals"
	fi
	# `pinwheel bench --games N` warms up with min(N, 200) games, plays N,
	# then an 84-game season (server/cli/cli_bench.c): 2,200 + 84 games
	# against 1 + 1 + 84.
	between=$((2000 + 200 - 1 - 1))
	echo "instructions_per_game=$(((big - small) / between)) (callgrind: bench --games 2000 minus --games 1, $between games)"
else
	echo "instructions per game: not measured (valgrind is not installed)"
fi

# Microseconds per game, and the bench's closing season: its 84
# regular-season games alone, without the league around them.
us=""
sms=""
for _ in 1 2 3; do
	line=$(bench_line 20000) || exit 1
	echo "$line"
	us="$us $(echo "$line" | sed -n 's/.* us_per_game=\([0-9.]*\).*/\1/p')"
	sms="$sms $(echo "$line" | sed -n 's/.* season_ms=\([0-9.]*\).*/\1/p')"
done
# shellcheck disable=SC2086 # one word per run
echo "us_per_game=$(range $us) (bench --games 20000, 3 runs)"
# shellcheck disable=SC2086 # one word per run
echo "season_games_ms=$(range $sms) (the 84 regular-season games alone, in the same runs)"

# A default season, end to end.
ms=""
for _ in 1 2 3 4 5; do
	t0=$(date +%s%N)
	out=$("$bin" season --format json 2>&1) || bench_fail "season: $out"
	t1=$(date +%s%N)
	case "$out" in
	*"$season_pin"*) ;;
	*) bench_fail "season is not the pinned one ($season_pin)" ;;
	esac
	case "$t0$t1" in
	*[!0-9]*) ms="" ; break ;; # no nanoseconds from date here
	esac
	ms="$ms $(((t1 - t0) / 1000000))"
done
what=$(echo "$season_pin" | sed 's/.*"name":"\([^"]*\)"},"games":\([0-9]*\).*/champion \1, \2 games/')
if [ -n "$ms" ]; then
	# shellcheck disable=SC2086 # one word per run
	echo "season_ms=$(range $ms) (pinwheel season, 5 runs; $what as pinned)"
else
	echo "season: $what as pinned; not timed (date gives no nanoseconds here)"
fi
