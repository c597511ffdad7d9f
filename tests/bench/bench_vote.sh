#!/bin/sh
# Vote latency while a round is being simulated: p50/p99 of
# POST /api/governance/votes while POST /api/pace/advance runs a tick.
# Prints figures; never pass/fail.
#   sh tests/bench/bench_vote.sh [build/pinwheel]
set -u
cd "$(dirname "$0")/../.."
. tests/bench/lib.sh
BIN=${1:-build/pinwheel}
tmp=$(mktemp -d)
trap 'stop_server; rm -rf "$tmp"' EXIT
start_server "$BIN" "$tmp/bench.db" PINWHEEL_PRESENTATION_MODE=instant || exit 1
base="http://127.0.0.1:$PORT"
C() { curl --noproxy '*' -s "$@"; }
code=$(C -o "$tmp/join" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
	-d '{"name":"bench","team_id":1}' "$base/api/governors")
if [ "$code" != 201 ]; then
	echo "skipped: POST /api/governors answered $code on this build"
	exit 0
fi
token=$(sed -n 's/.*"token":"\([^"]*\)".*/\1/p' "$tmp/join")
prop=$(C -X POST -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
	-d '{"text":"three pointers worth 4"}' "$base/api/governance/proposals" | sed -n 's/.*"id":\([0-9]*\).*/\1/p')
C -X POST -H "Authorization: Bearer $token" "$base/api/governance/proposals/$prop/confirm" >/dev/null
# Each round: start a tick (the advance answers at once; the tick runs on
# the thread pool for tens of milliseconds), then cast a burst of votes
# straight away, so every measured vote lands while a round is being
# simulated and stored. Twenty regular-season ticks, ten votes each.
: >"$tmp/lat"
t=0
while [ $t -lt 20 ]; do
	C -o /dev/null -X POST "$base/api/pace/advance"
	i=0
	while [ $i -lt 10 ]; do
		C -o /dev/null -w '%{time_total}\n' -X POST -H "Authorization: Bearer $token" \
			-H 'Content-Type: application/json' \
			-d "{\"proposal_id\":$prop,\"vote\":\"yes\",\"boost\":false}" "$base/api/governance/votes" >>"$tmp/lat"
		i=$((i + 1))
	done
	# let the tick finish before the next one is asked for
	while C "$base/api/pace/status" | grep -q '"tick_in_progress":true'; do sleep 0.01; done
	t=$((t + 1))
done
sort -n "$tmp/lat" | awk '{ v[NR] = $1 * 1000 } END { printf "votes=%d p50=%.2fms p99=%.2fms max=%.2fms (curl per request, includes connect)\n", NR, v[int(NR/2)], v[int(NR*0.99)], v[NR] }'
