#!/bin/sh
# SSE subscribers at the server's limit: for each N (10,000 and 19,900
# unless given), a server whose subscriber limit is exactly N holds N
# subscribers, spread over reader processes (sse_clients.c); events are
# published one at a time, 100 ms apart, and it prints the delivery latency
# (p50/p99 over every subscriber and event), the server's peak RSS, its CPU
# time per delivery and the readers', then the floor under them: what the
# kernel alone charges for a loopback write and read (tcp_floor.c).
# Each delivery is timed twice: when a reader read it (latency_ms) and when
# it arrived in the reader's socket, by the kernel's receive stamp
# (arrival_ms, SO_TIMESTAMPNS; on loopback that is inside the server's
# write): the second leaves out how long the readers, on the server's own
# cores, took to get to it.
# Prints figures; never pass/fail on time. Fails (no latency figures)
# unless every subscriber connected, every published event was accepted,
# every subscriber got every event exactly once, /health answered 200 "ok"
# with N subscribers after each event, and one subscriber beyond the limit
# got 503 too_many_subscribers (sse_clients checks all of it).
#   sh tests/bench/bench_sse.sh [build/pinwheel] [subscribers] [events]
# SSE_PROCS: reader processes of the client (default 2). 19,900 subscribers
# need a descriptor limit of 20,000 (the server keeps 96 back).
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/bench/lib.sh
BIN=${1:-build/pinwheel}
SIZES=${2:-10000 19900}
EVENTS=${3:-20}
PROCS=${SSE_PROCS:-2}
tmp=$(mktemp -d)
trap 'stop_server; rm -rf "$tmp"' EXIT
cc -O2 -Wall -o "$tmp/sse_clients" tests/bench/sse_clients.c || bench_fail "sse_clients did not build"
cc -O2 -Wall -o "$tmp/tcp_floor" tests/bench/tcp_floor.c || bench_fail "tcp_floor did not build"
# The server and the readers each take what the hard limit allows.
ulimit -n "$(ulimit -Hn)" 2>/dev/null
echo "descriptor limit $(ulimit -n); $(nproc) cores; load before: $(cut -d' ' -f1-3 /proc/loadavg)"

# health_field NAME: a number from /health's JSON.
health_field() {
	http "http://127.0.0.1:$PORT/health" "$tmp/health" >/dev/null
	sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p" "$tmp/health"
}

# at_limit N: starts a server whose subscriber limit is exactly N, finding
# the PINWHEEL_MAX_CONNECTIONS that gives it (the server says, in /health,
# what its limits came to), or fails saying what the machine allows.
at_limit() {
	want=$1
	cap=$((want + want / 9 + 1))
	tries=0
	while [ $tries -lt 6 ]; do
		start_server "$BIN" "$tmp/bench.db" PINWHEEL_MAX_CONNECTIONS=$cap \
			PINWHEEL_MAX_CONNECTIONS_PER_ADDRESS=0 || bench_fail "the server did not start"
		got=$(health_field stream_limit)
		conns=$(health_field limit)
		[ -n "$got" ] || bench_fail "/health did not say the stream limit: $(cat "$tmp/health")"
		[ "$got" -eq "$want" ] && return 0
		stop_server
		if [ "$got" -lt "$want" ] && [ "$conns" -lt "$cap" ]; then
			bench_fail "$want subscribers need more descriptors: with a limit of $(ulimit -n)" \
				"the server holds $conns connections, $got of them streams"
		fi
		cap=$((conns + want - got))
		tries=$((tries + 1))
	done
	bench_fail "no PINWHEEL_MAX_CONNECTIONS gave a stream limit of $want"
}

# Each size with readers that sleep until a subscriber has something (each
# write then wakes a reader process: on loopback the server's write pays for
# it), then the largest again with readers that look every 2 ms instead
# (SSE_POLL_US): no wake-ups, as when the subscribers are other machines
# (whose wake-ups are theirs). The arrival stamps time both the same way.
largest=$(echo "$SIZES" | tr ' ' '\n' | sort -n | tail -n 1)
runs=""
for n in $SIZES; do runs="$runs $n:sleeping"; done
runs="$runs $largest:polling"
for run in $runs; do
	n=${run%%:*}
	readers=${run#*:}
	poll=""
	[ "$readers" = polling ] && poll=2000
	at_limit "$n"
	echo "== $n subscribers (the server's limit), $EVENTS events, $PROCS reader processes, $readers readers"
	echo "server RSS before: $(rss_mb "$SERVER_PID") MB"
	SSE_POLL_US=$poll "$tmp/sse_clients" "$PORT" "$n" "$EVENTS" 100 "$PROCS" --at-limit >"$tmp/out" &
	client=$!
	# Sample RSS while the subscribers are held, and the server's CPU time
	# from when they are all connected to the end (the events' fan-outs:
	# less noisy than wall-clock time on a shared machine).
	peak=0
	cpu0=""
	while kill -0 "$client" 2>/dev/null; do
		r=$(rss_mb "$SERVER_PID")
		peak=$(awk -v a="$peak" -v b="$r" 'BEGIN { print (b > a) ? b : a }')
		[ -z "$cpu0" ] && grep -q '^subscribers connected' "$tmp/out" && cpu0=$(cpu_ticks "$SERVER_PID")
		cpu1=$(cpu_ticks "$SERVER_PID")
		sleep 0.1
	done
	wait "$client" || { cat "$tmp/out"; bench_fail "not every subscriber got every event (see above)"; }
	cat "$tmp/out"
	us=$(awk -v a="${cpu0:-0}" -v b="$cpu1" -v n="$n" -v e="$EVENTS" -v hz="$(getconf CLK_TCK)" \
		'BEGIN { printf "%.1f", (b - a) * 1e6 / hz / (n * e) }')
	echo "server RSS peak with $n subscribers: $peak MB; server CPU per delivery: $us us"
	echo "$n subscribers ($readers readers): $(sed -n 's/^latency_ms //p' "$tmp/out"), RSS $peak MB, CPU $us us a delivery;" \
		"arrived in the socket: $(sed -n 's/^arrival_ms //p' "$tmp/out")" >>"$tmp/summary"
	stop_server
	SERVER_PID=""
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
cat "$tmp/summary"
# The floor under those figures: the kernel's own cost of one write of a
# ping's frame (96 bytes) to a loopback connection and of reading it, with
# no server at all (9,000 connections in one process).
floor=$("$tmp/tcp_floor" 9000 96) || bench_fail "tcp_floor failed"
w=$(echo "$floor" | sed -n 's/.*write_us=\([0-9.]*\).*/\1/p')
r=$(echo "$floor" | sed -n 's/.*read_us=\([0-9.]*\).*/\1/p')
echo "kernel alone (tcp_floor): $w us a write, $r us a read; one event to N subscribers needs at least"
for n in $SIZES; do
	echo "  $n: $(awk -v n="$n" -v w="$w" -v r="$r" -v c="$(nproc)" 'BEGIN { printf "%.0f ms of CPU, %.0f ms on %d cores", n * (w + r) / 1000, n * (w + r) / 1000 / c, c }')"
done
