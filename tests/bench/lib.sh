# shellcheck shell=sh
# Shared helpers for the benchmark scripts (POSIX sh).
#
# A benchmark prints figures and never passes or fails on time, but it
# does check that what it measured was the right thing (each server
# answered, with the right bytes; each effect ran without errors): a figure
# of error pages is not a figure. bench_fail says so loudly and stops.

# bench_fail MESSAGE...: the benchmark measured nothing trustworthy.
bench_fail() {
	echo "BENCH FAILED ($(basename "$0" .sh)): $*" >&2
	exit 1
}

# Installs Debian packages that are missing (benchmarks only; needs root or sudo).
need_pkgs() {
	missing=""
	for p in "$@"; do
		dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	echo "installing:$missing"
	SUDO=""
	[ "$(id -u)" -ne 0 ] && SUDO=sudo
	# shellcheck disable=SC2086 # one word per package
	$SUDO apt-get update -qq >/dev/null && $SUDO apt-get install -y -qq $missing >/dev/null
}

# http URL OUT [CURL ARGS...]: the body into OUT; prints the status code
# (000 when nothing answered).
http() {
	url=$1
	out=$2
	shift 2
	curl --noproxy '*' -s -o "$out" -w '%{http_code}' "$@" "$url"
}

# start_server BIN DB [ENV...] → sets SERVER_PID and PORT
start_server() {
	bin=$1; db=$2; shift 2
	SERVER_LOG=$(mktemp)
	env PINWHEEL_PRESENTATION_PACE=manual PINWHEEL_LOG_LEVEL=warn "$@" \
		"$bin" serve --host 127.0.0.1 --port 0 --db "$db" >"$SERVER_LOG" 2>&1 &
	SERVER_PID=$!
	i=0
	while [ $i -lt 200 ]; do
		PORT=$(sed -n 's/.*serving on http:\/\/127\.0\.0\.1:\([0-9]*\)\/.*/\1/p' "$SERVER_LOG")
		[ -n "$PORT" ] && return 0
		sleep 0.05
		i=$((i + 1))
	done
	echo "server did not start:"; cat "$SERVER_LOG"
	return 1
}

stop_server() {
	[ -n "${SERVER_PID:-}" ] || return 0
	kill -TERM "$SERVER_PID" 2>/dev/null
	wait "$SERVER_PID" 2>/dev/null
	rm -f "${SERVER_LOG:-}"
}

# cpu_ticks PID: user + system CPU time of a process, in clock ticks.
cpu_ticks() {
	awk '{ print $14 + $15 }' "/proc/$1/stat"
}

rss_mb() {
	awk '/VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"
}

# range V1 V2 ...: "min-max" of the numbers.
range() {
	printf '%s\n' "$@" | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%s-%s", lo, hi }'
}
