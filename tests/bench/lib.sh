# Shared helpers for the benchmark scripts (POSIX sh).

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
	$SUDO apt-get update -qq >/dev/null && $SUDO apt-get install -y -qq $missing >/dev/null
}

# start_server BIN DB [ENV...] → sets SERVER_PID and PORT
start_server() {
	bin=$1; db=$2; shift 2
	log=$(mktemp)
	env PINWHEEL_PRESENTATION_PACE=manual PINWHEEL_LOG_LEVEL=warn "$@" \
		"$bin" serve --host 127.0.0.1 --port 0 --db "$db" >"$log" 2>&1 &
	SERVER_PID=$!
	i=0
	while [ $i -lt 200 ]; do
		PORT=$(sed -n 's/.*serving on http:\/\/127\.0\.0\.1:\([0-9]*\)\/.*/\1/p' "$log")
		[ -n "$PORT" ] && return 0
		sleep 0.05
		i=$((i + 1))
	done
	echo "server did not start:"; cat "$log"
	return 1
}

stop_server() {
	kill -TERM "$SERVER_PID" 2>/dev/null
	wait "$SERVER_PID" 2>/dev/null
}

rss_mb() {
	awk '/VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"
}
