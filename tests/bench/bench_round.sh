#!/bin/sh
# The round data path and what a season stores (issue 15, "Round data
# path" and "Storage"). Figures, each beside its anchor when one is given:
#   instructions per season and per tick   callgrind over `pinwheel season`
#                 (the ticks: inclusive round_tick over its calls)
#   season_s      `pinwheel season` wall time, 5 runs (a range)
#   db_bytes      the file `pinwheel season --db` leaves
#   game reads    GET /api/games/{id} and GET /games/{id} for every game of
#                 that season, from a server on that file: cold (the first
#                 read of each game, the cache holding none of it) and warm
#                 (the same game again at once), p50 and p99 in ms (curl
#                 on one keep-alive connection)
# The anchor is another build of pinwheel, e.g. the one before a change:
#   PW_BENCH_BASE=/path/to/old/pinwheel sh tests/bench/bench_round.sh build/pinwheel
# Before printing anything the script checks what it measures: every
# season is the pinned one (tests/integration/test_golden_hashes.c), every
# read answered 200, and with an anchor both builds served every game and
# game page byte for byte alike. Prints figures; never pass/fail on time.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
newbin=${1:-build/pinwheel}
base=${PW_BENCH_BASE:-}
golden=$here/../integration/test_golden_hashes.c
need_pkgs curl || bench_fail "could not install curl"
tmp=$(mktemp -d)
trap 'stop_server; rm -rf "$tmp"' EXIT

season_pin=$(grep '\\"champion\\":' "$golden" | sed -n 's/.*CHECK_CONTAINS(out, "\(.*\)");.*/\1/p' |
	sed 's/\\"/"/g')
[ -n "$season_pin" ] || bench_fail "no season champion in $golden"

# sides: "new" always, "anchor" with PW_BENCH_BASE.
sides="new"
[ -n "$base" ] && sides="new anchor"
side_bin() { if [ "$1" = anchor ]; then echo "$base"; else echo "$newbin"; fi; }

# The season each side stores, checked against the pin.
for side in $sides; do
	b=$(side_bin "$side")
	out=$("$b" season --db "$tmp/$side.db" --format json 2>&1) || bench_fail "$side: season --db: $out"
	case "$out" in *"$season_pin"*) ;; *) bench_fail "$side: the stored season is not the pinned one" ;; esac
done

# Instructions.
if command -v valgrind >/dev/null 2>&1; then
	for side in $sides; do
		b=$(side_bin "$side")
		cg=$tmp/cg.$side
		valgrind --tool=callgrind --compress-strings=no --callgrind-out-file="$cg" "$b" season --format json \
			>"$cg.out" 2>"$cg.err" || bench_fail "$side: callgrind season: $(tail -n 3 "$cg.err")"
		case "$(cat "$cg.out")" in *"$season_pin"*) ;; *) bench_fail "$side: callgrind's season is not the pinned one" ;; esac
		total=$(grep -E '^(summary|totals):' "$cg" | head -n 1 | awk '{print $2}')
		# round_tick's inclusive cost and calls, summed over its callers.
		ticks=$(awk '/^cfn=.*round_tick$/ { getline; if ($1 ~ /^calls=/) { split($1, a, "="); n += a[2]; getline; c += $2 } }
			END { printf "%d %d", n, c }' "$cg")
		calls=${ticks% *}
		incl=${ticks#* }
		[ -n "$total" ] && [ "${calls:-0}" -gt 0 ] || bench_fail "$side: callgrind gave no totals or no ticks"
		echo "$side: instructions_per_season=$total instructions_per_tick=$((incl / calls)) ($calls ticks; callgrind, pinwheel season)"
	done
else
	echo "instructions: not measured (valgrind is not installed)"
fi

# Wall time of a season.
for side in $sides; do
	b=$(side_bin "$side")
	ms=""
	for _ in 1 2 3 4 5; do
		t0=$(date +%s%N)
		out=$("$b" season --format json 2>&1) || bench_fail "$side: season: $out"
		t1=$(date +%s%N)
		case "$out" in *"$season_pin"*) ;; *) bench_fail "$side: season is not the pinned one" ;; esac
		ms="$ms $(((t1 - t0) / 1000000))"
	done
	# shellcheck disable=SC2086 # one word per run
	echo "$side: season_ms=$(range $ms) (pinwheel season, 5 runs)"
done

# Bytes stored.
for side in $sides; do
	echo "$side: db_bytes_per_season=$(wc -c <"$tmp/$side.db") (pinwheel season --db)"
done

# Game reads: for each game, one request that finds it cold, then the same
# again warm, all on one connection; per-request times from curl.
reads() { # side path-prefix → lines "cold|warm SECONDS" in $tmp/$side.times, bodies in $tmp/$side.body.*
	side=$1
	prefix=$2
	set --
	for id in $ids; do
		set -- "$@" -o "$tmp/$side.body.cold.$id" "$base_url$prefix$id" -o "$tmp/$side.body.warm.$id" "$base_url$prefix$id"
	done
	curl --noproxy '*' -s -w '%{http_code} %{time_total}\n' "$@" >"$tmp/$side.codes" ||
		bench_fail "$side: curl failed reading games"
	awk '$1 != 200 { bad = 1 } END { exit !bad }' "$tmp/$side.codes" &&
		bench_fail "$side: a read of $prefix answered $(awk '$1 != 200 { print $1; exit }' "$tmp/$side.codes")"
	awk 'NR % 2 == 1 { print "cold", $2 } NR % 2 == 0 { print "warm", $2 }' "$tmp/$side.codes" >"$tmp/$side.times"
}
pct() { # kind file → "p50=..ms p99=..ms"
	grep "^$1 " "$2" | awk '{ print $2 * 1000 }' | sort -g | awk '{ v[NR] = $1 } END {
		p99 = int(NR * 0.99 + 0.5); if (p99 < 1) p99 = 1; if (p99 > NR) p99 = NR
		printf "p50=%.2fms p99=%.2fms", v[int((NR + 1) / 2)], v[p99] }'
}
for what in "/api/games/" "/games/"; do
	for side in $sides; do
		start_server "$(side_bin "$side")" "$tmp/$side.db" || bench_fail "$side: the server did not start"
		base_url="http://127.0.0.1:$PORT"
		http "$base_url/api/games" "$tmp/list" >/dev/null
		ids=$(grep -o '"id":[0-9]*' "$tmp/list" | sed 's/"id"://')
		[ -n "$ids" ] || bench_fail "$side: /api/games listed no games"
		reads "$side" "$what"
		stop_server
		SERVER_PID=""
		echo "$side: GET ${what}{id} over $(echo "$ids" | wc -w) games: cold $(pct cold "$tmp/$side.times"), warm $(pct warm "$tmp/$side.times")"
	done
	if [ -n "$base" ]; then
		for id in $ids; do
			for k in cold warm; do
				# a page's session and form tokens differ by design; the game does not
				grep -v 'csrf\|pw_session' "$tmp/new.body.$k.$id" >"$tmp/a"
				grep -v 'csrf\|pw_session' "$tmp/anchor.body.$k.$id" >"$tmp/b"
				cmp -s "$tmp/a" "$tmp/b" || bench_fail "GET $what$id ($k) differs between the builds"
			done
		done
		echo "GET ${what}{id}: both builds served every game byte for byte alike"
	fi
done
