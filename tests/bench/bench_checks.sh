#!/bin/sh
# Proposal checks never hold up the loop (issue 10: "no proposal check
# delays /health by more than 50 ms"): for SECONDS, PROPOSERS governors
# send proposals whose effect spends most of its budget (each check plays
# its impact games for about a second), while /health is polled every
# 10 ms and a vote is cast every 100 ms. Prints /health's and the votes'
# p50/p99/max; never pass/fail on time. Fails (no figures) unless every
# /health and vote was answered 200 and checks did finish (check_load
# checks).
#   sh tests/bench/bench_checks.sh [build/pinwheel] [seconds] [proposers]
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/bench/lib.sh
BIN=${1:-build/pinwheel}
SECONDS_=${2:-20}
PROPOSERS=${3:-3}
tmp=$(mktemp -d)
trap 'stop_server; rm -rf "$tmp"' EXIT
cc -O2 -Wall -o "$tmp/check_load" tests/bench/check_load.c -lpthread || bench_fail "check_load did not build"
# Every check the proposers can send: no per-governor rate, a queue for all.
start_server "$BIN" "$tmp/bench.db" PINWHEEL_CHECKS_PER_MINUTE=0 PINWHEEL_CHECK_QUEUE=64 ||
	bench_fail "the server did not start"
base="http://127.0.0.1:$PORT"
json='Content-Type: application/json'

# join NAME TEAM: prints the new governor's token.
join() {
	code=$(http "$base/api/governors" "$tmp/join" -X POST -H "$json" -d "{\"name\":\"$1\",\"team_id\":$2}")
	[ "$code" = 201 ] || bench_fail "joining answered $code: $(head -c 300 "$tmp/join")"
	grep -o '"token":"[0-9a-f]*' "$tmp/join" | sed 's/.*"//'
}

voter=$(join voter 1)
code=$(http "$base/api/governance/proposals" "$tmp/prop" -X POST -H "Authorization: Bearer $voter" -H "$json" \
	-d '{"text":"three pointers worth 4"}')
[ "$code" = 201 ] || bench_fail "proposing answered $code: $(head -c 300 "$tmp/prop")"
prop=$(grep -o '"id":[0-9]*' "$tmp/prop" | head -n 1 | sed 's/.*://')
code=$(http "$base/api/governance/proposals/$prop/confirm" "$tmp/conf" -X POST -H "Authorization: Bearer $voter" \
	-H "$json")
[ "$code" = 200 ] || bench_fail "confirming answered $code: $(head -c 300 "$tmp/conf")"
tokens=""
i=1
while [ $i -le "$PROPOSERS" ]; do
	tokens="$tokens $(join "proposer$i" $((i % 8 + 1)))"
	i=$((i + 1))
done
echo "$PROPOSERS proposers for ${SECONDS_} s; checks at once: 1 (PINWHEEL_CHECK_WORKERS)"
# shellcheck disable=SC2086 # one word per token
"$tmp/check_load" "$PORT" "$SECONDS_" "$prop" "$voter" $tokens || bench_fail "see above"
