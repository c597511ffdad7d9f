#!/bin/sh
# Requests per second of a cached JSON read (/api/standings) against nginx
# serving a static file of the same size, with the same wrk settings, side
# by side. Prints figures; never pass/fail.
#   sh tests/bench/bench_http.sh [build/pinwheel]
set -u
cd "$(dirname "$0")/../.."
. tests/bench/lib.sh
BIN=${1:-build/pinwheel}
DUR=${DUR:-10}
CONNS=${CONNS:-64}
THREADS=${THREADS:-2}
need_pkgs wrk nginx-light || need_pkgs wrk nginx
tmp=$(mktemp -d)
trap 'stop_server; [ -f "$tmp/nginx.pid" ] && kill "$(cat "$tmp/nginx.pid")" 2>/dev/null; rm -rf "$tmp"' EXIT
start_server "$BIN" "$tmp/bench.db" || exit 1
path=/api/standings
code=$(curl --noproxy '*' -s -o "$tmp/body" -w '%{http_code}' "http://127.0.0.1:$PORT$path")
if [ "$code" != 200 ]; then
	echo "note: $path answered $code on this build; measuring /api/pace/status instead"
	path=/api/pace/status
	curl --noproxy '*' -s -o "$tmp/body" "http://127.0.0.1:$PORT$path"
fi
size=$(wc -c <"$tmp/body")
mkdir -p "$tmp/www"
cp "$tmp/body" "$tmp/www/standings.json"
nport=$((PORT + 1))
cat >"$tmp/nginx.conf" <<NGX
worker_processes 1;
pid $tmp/nginx.pid;
error_log $tmp/nginx.err;
events { worker_connections 4096; }
http {
  access_log off;
  default_type application/json;
  server { listen 127.0.0.1:$nport; root $tmp/www; keepalive_requests 1000000; }
}
NGX
nginx -c "$tmp/nginx.conf" -p "$tmp" || { echo "nginx did not start"; exit 1; }
sleep 0.3
echo "body: $size bytes; wrk -t$THREADS -c$CONNS -d${DUR}s; nginx with 1 worker, pinwheel single-threaded loop"
rps() { wrk -t"$THREADS" -c"$CONNS" -d"${DUR}s" "$1" | awk '/Requests\/sec/ { print $2 }'; }
p=$(rps "http://127.0.0.1:$PORT$path")
n=$(rps "http://127.0.0.1:$nport/standings.json")
echo "pinwheel $path: $p req/s"
echo "nginx static file:  $n req/s"
awk -v p="$p" -v n="$n" 'BEGIN { if (n > 0) printf "ratio: %.0f%% of nginx\n", 100 * p / n }'
