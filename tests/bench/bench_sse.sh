#!/bin/sh
# 10,000 concurrent SSE subscribers: event delivery latency (p50/p99) and
# the server's RSS. Prints figures; never pass/fail on time. Fails (no
# latency figures) unless every subscriber connected, every published event
# was accepted and every subscriber got every event (sse_clients checks).
#   sh tests/bench/bench_sse.sh [build/pinwheel] [subscribers] [events]
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/bench/lib.sh
BIN=${1:-build/pinwheel}
N=${2:-10000}
EVENTS=${3:-20}
tmp=$(mktemp -d)
trap 'stop_server; rm -rf "$tmp"' EXIT
cc -O2 -Wall -o "$tmp/sse_clients" tests/bench/sse_clients.c || bench_fail "sse_clients did not build"
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
start_server "$BIN" "$tmp/bench.db" PINWHEEL_MAX_CONNECTIONS=30000 PINWHEEL_MAX_CONNECTIONS_PER_ADDRESS=0 || bench_fail "the server did not start"
echo "server RSS before: $(rss_mb "$SERVER_PID") MB"
"$tmp/sse_clients" "$PORT" "$N" "$EVENTS" 100 &
client=$!
# Sample RSS while the subscribers are held.
peak=0
while kill -0 "$client" 2>/dev/null; do
	r=$(rss_mb "$SERVER_PID")
	peak=$(awk -v a="$peak" -v b="$r" 'BEGIN { print (b > a) ? b : a }')
	sleep 0.2
done
wait "$client" || bench_fail "not every subscriber got every event (see above)"
echo "server RSS peak with $N subscribers: $peak MB"
