#!/bin/sh
# Requests per second of a cached JSON read (/api/standings) against nginx
# serving a static file of the same bytes, with the same wrk settings, side
# by side, RUNS times each, then the server's instructions per request
# under callgrind. Prints figures; never pass/fail on time.
#
# The two servers get the same core: on a machine of two or more, each
# server's every thread is pinned to the first CPU and wrk to the others
# (one wrk thread per CPU), so the load generator never takes the
# server's core, as it did when all three shared both cores and whichever
# server needed less CPU per request left wrk more of it. nginx runs one
# worker, as pinwheel serves from one loop. PIN=0 leaves placement to the
# kernel (the figures before this was done).
#
# It fails (loudly, with no ratio) unless both servers answer 200 with
# exactly the expected bytes, before the runs and after them, and wrk saw
# no answer other than 2xx: a ratio against an error page (as when nginx's
# worker could not read its files and answered 403) is no figure.
#   sh tests/bench/bench_http.sh [build/pinwheel]
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/bench/lib.sh
BIN=${1:-build/pinwheel}
DUR=${DUR:-10}
CONNS=${CONNS:-64}
RUNS=${RUNS:-3}
PIN=${PIN:-1}
ncpu=$(nproc)
[ "$ncpu" -ge 2 ] || PIN=0
# wrk's placement: the CPUs other than the servers' one when pinned.
client=""
if [ "$PIN" = 1 ]; then
	client="taskset -c 1-$((ncpu - 1))"
	THREADS=${THREADS:-$((ncpu - 1))}
else
	THREADS=${THREADS:-2}
fi
need_pkgs curl wrk || bench_fail "could not install curl and wrk"
need_pkgs nginx-light || need_pkgs nginx || bench_fail "could not install nginx"
tmp=$(mktemp -d)
# nginx's worker drops to an unprivileged user (nobody) when the master
# runs as root, and cannot enter our private temporary folder: what it
# serves lives in a folder of its own that anyone may read.
www=$(mktemp -d)
chmod 755 "$www"
trap 'stop_server; [ -f "$tmp/nginx.pid" ] && kill "$(cat "$tmp/nginx.pid")" 2>/dev/null; rm -rf "$tmp" "$www"' EXIT
# Every wrk connection comes from one address: no cap per address.
start_server "$BIN" "$tmp/bench.db" PINWHEEL_MAX_CONNECTIONS_PER_ADDRESS=0 || bench_fail "the server did not start"

path=/api/standings
purl="http://127.0.0.1:$PORT$path"
code=$(http "$purl" "$tmp/expected")
[ "$code" = 200 ] || bench_fail "pinwheel answered $code to $path"
[ -s "$tmp/expected" ] || bench_fail "pinwheel answered $path with an empty body"
size=$(wc -c <"$tmp/expected")
cp "$tmp/expected" "$www/standings.json"
chmod 644 "$www/standings.json"

nport=$((PORT + 1))
nurl="http://127.0.0.1:$nport/standings.json"
cat >"$tmp/nginx.conf" <<NGX
worker_processes 1;
pid $tmp/nginx.pid;
error_log $tmp/nginx.err;
events { worker_connections 4096; }
http {
  access_log off;
  default_type application/json;
  server { listen 127.0.0.1:$nport; root $www; keepalive_requests 1000000; }
}
NGX
nginx -c "$tmp/nginx.conf" -p "$tmp" 2>"$tmp/nginx.start" ||
	bench_fail "nginx did not start: $(cat "$tmp/nginx.start")"
i=0
while [ ! -s "$tmp/nginx.pid" ] && [ $i -lt 50 ]; do sleep 0.05; i=$((i + 1)); done

# verify NAME URL: 200 and exactly the expected bytes, else fail.
verify() {
	code=$(http "$2" "$tmp/got")
	[ "$code" = 200 ] || bench_fail "$1 answered $code to $2; nginx's error log:" \
		"$(tail -n 3 "$tmp/nginx.err" 2>/dev/null)"
	cmp -s "$tmp/got" "$tmp/expected" ||
		bench_fail "$1 answered $2 with other bytes than pinwheel's $path ($(wc -c <"$tmp/got") of $size)"
}
verify pinwheel "$purl"
verify nginx "$nurl"

# pin PID...: every thread of the processes onto CPU 0 (PIN=1), checked.
pin() {
	[ "$PIN" = 1 ] || return 0
	for p in "$@"; do
		taskset -a -c -p 0 "$p" >/dev/null || bench_fail "could not pin process $p to CPU 0"
		for t in /proc/"$p"/task/*; do
			taskset -c -p "${t##*/}" | grep -q ': 0$' ||
				bench_fail "thread ${t##*/} of process $p is not on CPU 0 only"
		done
	done
}

# ticks PID...: the processes' CPU time together, in clock ticks.
ticks() {
	t=0
	for p in "$@"; do t=$((t + $(cpu_ticks "$p"))); done
	echo "$t"
}

# rps URL PID...: "REQ/S US": wrk's requests per second and the CPU time
# the server's processes spent per request, in microseconds (on a shared
# machine the second moves less than the first); fails if any answer was
# not 2xx.
rps() {
	url=$1
	shift
	t0=$(ticks "$@")
	# shellcheck disable=SC2086 # the placement is a command and its arguments
	$client wrk -t"$THREADS" -c"$CONNS" -d"${DUR}s" "$url" >"$tmp/wrk" 2>&1 || bench_fail "wrk: $(cat "$tmp/wrk")"
	t1=$(ticks "$@")
	if grep -q 'Non-2xx' "$tmp/wrk"; then
		bench_fail "$url gave error answers under load: $(grep 'Non-2xx' "$tmp/wrk")"
	fi
	grep 'Socket errors' "$tmp/wrk" >&2
	awk -v a="$t0" -v b="$t1" -v hz="$(getconf CLK_TCK)" '
		/requests in/ { n = $1 }
		/Requests\/sec/ { r = $2 }
		END { if (r && n) printf "%s %.1f\n", r, (b - a) * 1e6 / hz / n }' "$tmp/wrk"
}

nginx_master=$(cat "$tmp/nginx.pid")
# shellcheck disable=SC2046 # one word per process
nginx_pids="$nginx_master $(ps -o pid= --ppid "$nginx_master" | tr '\n' ' ')"
echo "body: $size bytes, the same from both (checked); wrk -t$THREADS -c$CONNS -d${DUR}s, $RUNS runs each;"
# shellcheck disable=SC2086
pin "$SERVER_PID" $nginx_pids
if [ "$PIN" = 1 ]; then
	where="both servers on CPU 0 (every thread, checked), wrk on CPUs 1-$((ncpu - 1))"
else
	where="no pinning (PIN=0): servers and wrk share all $ncpu CPUs"
fi
echo "nginx with 1 worker serving a static file, pinwheel's single-threaded loop; $where;" \
	"load $(cut -d' ' -f1-3 /proc/loadavg)"
ps="" ns="" rs="" pus="" nus=""
run=1
while [ $run -le "$RUNS" ]; do
	# shellcheck disable=SC2086
	set -- $(rps "$purl" "$SERVER_PID") $(rps "$nurl" $nginx_pids)
	[ $# -eq 4 ] || bench_fail "wrk printed no Requests/sec"
	p=$1 pu=$2 n=$3 nu=$4
	r=$(awk -v p="$p" -v n="$n" 'BEGIN { printf "%.0f", 100 * p / n }')
	echo "run $run: pinwheel $path $p req/s ($pu us of CPU a request), nginx $n req/s ($nu us), ratio $r%"
	ps="$ps $p" ns="$ns $n" rs="$rs $r" pus="$pus $pu" nus="$nus $nu"
	run=$((run + 1))
done
# Still the same bytes after the load.
verify pinwheel "$purl"
verify nginx "$nurl"
# shellcheck disable=SC2086
echo "pinwheel $path: $(range $ps) req/s, $(range $pus) us of CPU a request"
# shellcheck disable=SC2086
echo "nginx static file: $(range $ns) req/s, $(range $nus) us of CPU a request"
# shellcheck disable=SC2086
echo "ratio: $(range $rs)% of nginx"
# The same comparison by the servers' own CPU time per request, which
# other work on a shared machine disturbs far less than requests per
# second (a pinned server waits whenever anything else runs on its CPU).
cpu_ratios() {
	# shellcheck disable=SC2086 # one word per figure
	set -- $nus
	for p in $pus; do
		awk -v a="$1" -v b="$p" 'BEGIN { printf "%.2f\n", a / b }'
		shift
	done
}
# shellcheck disable=SC2046 # one word per figure
echo "ratio by CPU a request (nginx's over pinwheel's): $(range $(cpu_ratios))x"

# Instructions the server spends on one keep-alive request, counted by
# callgrind (they repeat exactly, where requests per second do not): the
# server run under callgrind for 200 and for 2,200 requests, the
# difference over 2,000. CALLGRIND=0 skips it.
[ "${CALLGRIND:-1}" = 0 ] && exit 0
command -v valgrind >/dev/null 2>&1 || need_pkgs valgrind || bench_fail "could not install valgrind"
stop_server
SERVER_PID=""
cc -O2 -Wall -o "$tmp/http_requests" tests/bench/http_requests.c || bench_fail "http_requests did not build"
# instructions N: the server's total under callgrind, serving N requests.
instructions() {
	env PINWHEEL_PRESENTATION_PACE=manual PINWHEEL_LOG_LEVEL=warn PINWHEEL_MAX_CONNECTIONS_PER_ADDRESS=0 \
		valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.$1" \
		"$BIN" serve --host 127.0.0.1 --port 0 --db "$tmp/bench.db" >"$tmp/cg.log.$1" 2>&1 &
	vg=$!
	i=0
	cport=""
	while [ -z "$cport" ] && [ $i -lt 600 ]; do
		sleep 0.1
		cport=$(sed -n 's/.*serving on http:\/\/127\.0\.0\.1:\([0-9]*\)\/.*/\1/p' "$tmp/cg.log.$1")
		i=$((i + 1))
	done
	[ -n "$cport" ] || bench_fail "the server did not start under callgrind: $(tail -n 3 "$tmp/cg.log.$1")"
	"$tmp/http_requests" "$cport" "$1" "$path" || bench_fail "the server under callgrind did not answer 200"
	kill -TERM "$vg"
	wait "$vg"
	awk '/^summary:/ { print $2 }' "$tmp/cg.$1"
}
few=$(instructions 200)
many=$(instructions 2200)
[ -n "$few" ] && [ -n "$many" ] || bench_fail "callgrind printed no totals"
echo "instructions per keep-alive GET $path (callgrind): $(((many - few) / 2000))"
