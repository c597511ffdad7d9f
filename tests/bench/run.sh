#!/bin/sh
# Every server benchmark in turn; each prints its own figures.
set -u
cd "$(dirname "$0")/../.."
BIN=${1:-build/pinwheel}
echo "== HTTP: cached JSON read vs nginx =="; sh tests/bench/bench_http.sh "$BIN"
echo "== SSE: 10,000 subscribers ==";        sh tests/bench/bench_sse.sh "$BIN"
echo "== votes during a tick ==";            sh tests/bench/bench_vote.sh "$BIN"
