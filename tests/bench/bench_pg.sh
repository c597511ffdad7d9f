#!/bin/sh
# SQLite beside PostgreSQL, one and two instances (issue 16): for each side
#   - ticks: each tick's duration (and, with valgrind, a season's
#     instructions in the pinwheel process under callgrind — the database
#     server's own work is not in it);
#   - votes: p50/p99 latency of bursts of votes racing back-to-back ticks,
#     on keep-alive connections and with curl (tests/bench/bench_vote.sh,
#     which checks every vote was accepted and every tick completed);
#   - SSE fan-out: N subscribers each getting every one of EVENTS pings
#     (tests/bench/sse_clients.c, which checks every subscriber got every
#     event exactly once and /health answered ok).
# Sides: SQLite, one `pinwheel serve`; PostgreSQL, one; PostgreSQL, two on
# one database (votes on the second while the first plays the ticks; the
# subscribers on the second, the pings published on the first). Two
# instances deliver each other's events only once the event bus over
# LISTEN/NOTIFY is in; until then that line says
# "not measured: instance B saw N of M events" instead of a figure.
#
# The PostgreSQL server is Debian's (the highest /usr/lib/postgresql/*/bin,
# or PW_PG_BINDIR), in a cluster made here in a temporary folder, listening
# on a unix socket in it only (no TCP port), as "nobody" when run as root;
# synchronous_commit=off, as close as PostgreSQL comes to SQLite's WAL with
# synchronous=NORMAL (no flush per commit, never corrupt). Stopped and
# removed at the end.
#   sh tests/bench/bench_pg.sh [build/pinwheel]
# SSE_N subscribers (default 500), SSE_EVENTS pings (20); bench_vote.sh's TICKS (14),
# CURL_TICKS (6) and VOTES (10).
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/bench/lib.sh
BIN=${1:-build/pinwheel}
SSE_N=${SSE_N:-500}
SSE_EVENTS=${SSE_EVENTS:-20}
need_pkgs curl || bench_fail "could not install curl"
tmp=$(mktemp -d)
chmod 755 "$tmp"
SERVER_B=""
bindir=${PW_PG_BINDIR:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
[ -n "$bindir" ] && [ -x "$bindir/initdb" ] ||
	bench_fail "no PostgreSQL server here (Debian's postgresql package, or PW_PG_BINDIR)"

# as_pg CMD...: PostgreSQL refuses to run as root; as root its cluster
# belongs to nobody (PW_PGTEST_USER to choose another).
pg_user=${PW_PGTEST_USER:-nobody}
as_pg() {
	if [ "$(id -u)" -eq 0 ]; then runuser -u "$pg_user" -- "$@"; else "$@"; fi
}
pg_stop() {
	[ -f "$tmp/pg/data/postmaster.pid" ] && as_pg "$bindir/pg_ctl" -D "$tmp/pg/data" -m fast -w stop >/dev/null 2>&1
	return 0
}
stop_b() {
	[ -n "$SERVER_B" ] && kill -TERM "$SERVER_B" 2>/dev/null && wait "$SERVER_B" 2>/dev/null
	SERVER_B=""
}
trap 'stop_server; stop_b; pg_stop; rm -rf "$tmp"' EXIT

mkdir "$tmp/pg"
[ "$(id -u)" -eq 0 ] && chown "$pg_user" "$tmp/pg"
as_pg "$bindir/initdb" -D "$tmp/pg/data" -U postgres -A trust -E UTF8 >"$tmp/initdb.log" 2>&1 ||
	bench_fail "initdb failed: $(tail -n 5 "$tmp/initdb.log")"
as_pg "$bindir/pg_ctl" -D "$tmp/pg/data" -l "$tmp/pg/server.log" -w \
	-o "-c listen_addresses='' -c unix_socket_directories='$tmp/pg' -c synchronous_commit=off" \
	start >/dev/null 2>&1 || bench_fail "PostgreSQL did not start: $(tail -n 5 "$tmp/pg/server.log")"
echo "PostgreSQL $("$bindir/postgres" --version | awk '{ print $3 }') on a unix socket; $(nproc) cores;" \
	"load before: $(cut -d' ' -f1-3 /proc/loadavg)"
# newdb NAME: a new database; prints its URL.
newdb() {
	as_pg "$bindir/createdb" -h "$tmp/pg" -U postgres "$1" || bench_fail "createdb $1 failed"
	echo "postgres:///$1?host=$tmp/pg&user=postgres"
}

cc -O2 -Wall -o "$tmp/sse_clients" tests/bench/sse_clients.c || bench_fail "sse_clients did not build"
ulimit -n "$(ulimit -Hn)" 2>/dev/null

# ---- ticks' instructions: a whole season in the pinwheel process --------
if command -v valgrind >/dev/null 2>&1; then
	for side in sqlite pg; do
		if [ $side = sqlite ]; then db="$tmp/season.db"; else db=$(newdb season); fi
		valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.$side" "$BIN" season --teams 8 \
			--db "$db" --format json >"$tmp/season.$side" 2>"$tmp/cg.$side.log" ||
			bench_fail "pinwheel season on $side failed under callgrind: $(tail -n 3 "$tmp/cg.$side.log")"
		grep -q '"champion' "$tmp/season.$side" || bench_fail "the $side season has no champion"
		ir=$(sed -n 's/^summary: //p' "$tmp/cg.$side")
		echo "$side: a season (8 teams) under callgrind: $(awk -v i="$ir" 'BEGIN { printf "%.0f", i / 1e6 }') M instructions in pinwheel"
	done
	cmp -s "$tmp/season.sqlite" "$tmp/season.pg" || bench_fail "the season differs between SQLite and PostgreSQL"
	echo "(the same season, byte for byte, on both)"
else
	echo "ticks' instructions: not measured (no valgrind)"
fi

# ---- ticks and votes -----------------------------------------------------
# vote_side LABEL [ENV...]: bench_vote.sh's figures, prefixed.
vote_side() {
	label=$1
	shift
	env -u PW_BENCH_BASE "$@" sh tests/bench/bench_vote.sh "$BIN" >"$tmp/vote.out" 2>&1 ||
		bench_fail "$label: $(cat "$tmp/vote.out")"
	sed "s/^/$label: /" "$tmp/vote.out"
}
vote_side "sqlite, one instance"
vote_side "pg, one instance" PW_BENCH_DB="$(newdb votes1)"
vote_side "pg, two instances" PW_BENCH_DB="$(newdb votes2)" PW_BENCH_TWO=1

# ---- SSE fan-out ---------------------------------------------------------
# sse_side LABEL: the subscribers on $PORT_B (or $PORT), pings on $PORT.
sse_side() {
	label=$1
	sub=${PORT_B:-$PORT}
	# Both instances answer /health "ok" before anything is timed.
	for p in $PORT $sub; do
		i=0
		until [ "$(http "http://127.0.0.1:$p/health" "$tmp/health")" = 200 ] &&
			grep -q '"status":"ok"' "$tmp/health"; do
			i=$((i + 1))
			[ $i -lt 100 ] || bench_fail "$label: /health on port $p: $(cat "$tmp/health")"
			sleep 0.05
		done
	done
	if SSE_PUBLISH_PORT=$PORT "$tmp/sse_clients" "$sub" "$SSE_N" "$SSE_EVENTS" 100 2 >"$tmp/sse.out" 2>&1; then
		echo "$label: $SSE_N subscribers x $SSE_EVENTS events, every one delivered once:" \
			"$(sed -n 's/^latency_ms //p' "$tmp/sse.out")"
		return 0
	fi
	[ -n "${PORT_B:-}" ] || bench_fail "$label: $(cat "$tmp/sse.out")"
	got=$(sed -n 's/^deliveries=\([0-9]*\) .*/\1/p' "$tmp/sse.out")
	echo "$label: not measured: instance B saw $(( ${got:-0} / SSE_N )) of $SSE_EVENTS events" \
		"(${got:-0} of $((SSE_N * SSE_EVENTS)) deliveries to its $SSE_N subscribers)"
}
start_server "$BIN" "$tmp/sse.db" PINWHEEL_MAX_CONNECTIONS_PER_ADDRESS=0 ||
	bench_fail "the SQLite server did not start"
sse_side "sqlite, one instance"
stop_server
SERVER_PID=""
url=$(newdb sse)
start_server "$BIN" "$url" PINWHEEL_MAX_CONNECTIONS_PER_ADDRESS=0 ||
	bench_fail "the PostgreSQL server did not start"
sse_side "pg, one instance"
# The second instance on the same database: subscribers there.
a_pid=$SERVER_PID a_port=$PORT a_log=$SERVER_LOG
start_server "$BIN" "$url" PINWHEEL_MAX_CONNECTIONS_PER_ADDRESS=0 ||
	bench_fail "the second PostgreSQL server did not start"
SERVER_B=$SERVER_PID PORT_B=$PORT b_log=$SERVER_LOG
SERVER_PID=$a_pid PORT=$a_port SERVER_LOG=$a_log
sse_side "pg, two instances (subscribers on B, events published on A)"
stop_b
rm -f "$b_log"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
