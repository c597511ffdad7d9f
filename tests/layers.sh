#!/bin/sh
# The include half of `make layers` (the Makefile links each layer with only
# its own libraries; this checks what each file includes, so a header that
# is included before anything from it is called fails as well).
#
#   core/sim     the pure game: its own headers, the C library, cJSON (and
#                in sha256.c the SHA instructions' intrinsics)
#   effects/     core/sim, its own headers, Lua
#   core/league  core/sim, effects/fx.h (the sandbox's public header only),
#                its own headers, POSIX threads and time; SQLite in the
#                store's files (store*), libpq only in the PostgreSQL
#                backend's .c files (store_pg*.c: its headers name libpq's
#                types as structs, so <libpq-fe.h> spreads nowhere); never
#                libuv, libcurl, Lua or server/
#   server/http  HTTP/1.1 on libuv: its own headers, the log, core/sim/buf.h
#                and cJSON (JSON envelopes) only, so the protocol layer
#                knows nothing of the league
#   server/      anything above, but never SQLite, libpq or Lua: it reaches
#                the store through core/league/store.h (whichever backend
#                runs) and effects through their headers
#   server/ai    the one module that talks to the Messages API: the only
#                files that may include libcurl
#   server/discord  the same as server/, plus libcurl and OpenSSL (the only
#                files that talk to Discord)
#
# Internal headers (simstate.h, fx_int.h, store_internal.h,
# pages_internal.h, discord_int.h) are included only by their own module's files.
#
# Also: no two files in the tree share a name, so a name says which file.
# Prints every violation; exits 1 if there was one.
set -u
cd "$(dirname "$0")/.."
bad=0

std='assert|ctype|errno|float|inttypes|limits|math|stdarg|stdbool|stddef|stdint|stdio|stdlib|string|strings'
posix='time|unistd|fcntl|pthread|signal|libgen|sys/[a-z_]+|netinet/[a-z_]+|arpa/inet|netdb|dirent|poll|spawn|sched|stdatomic'

# check LAYER FILES... -- ALLOWED_REGEX: every #include line of the files
# must match the regex (an extended regex over the include's target, e.g.
# "core/sim/rng.h" or <math.h>).
check() {
	layer=$1
	allowed=$2
	shift 2
	for f in "$@"; do
		[ -f "$f" ] || continue
		grep -n '^[[:space:]]*#[[:space:]]*include' "$f" |
			sed -E 's/^([0-9]+):[[:space:]]*#[[:space:]]*include[[:space:]]*/\1 /' |
			while read -r line target; do
				if ! echo "$target" | grep -Eq "^($allowed)\$"; then
					echo "layers: $f:$line: $layer may not include $target"
					echo x
				fi
			done
	done | { n=0; while read -r l; do
		if [ "$l" = x ]; then n=$((n + 1)); else echo "$l"; fi
	done; [ "$n" -eq 0 ]; } || bad=1
}

check core/sim "\"core/sim/[a-z_0-9]+\\.h\"|<($std)\\.h>|<cjson/cJSON\\.h>" \
	$(ls core/sim/*.c core/sim/*.h | grep -v '^core/sim/sha256\.c$')
# The hash's block function may use the processor's SHA instructions
# (compiler intrinsics and CPUID; no library).
check core/sim "\"core/sim/[a-z_0-9]+\\.h\"|<($std)\\.h>|<cpuid\\.h>|<immintrin\\.h>" core/sim/sha256.c

check effects "\"(core/sim|effects)/[a-z_0-9]+\\.h\"|<($std)\\.h>|<time\\.h>|<lua\\.h>|<lauxlib\\.h>|<lualib\\.h>|<cjson/cJSON\\.h>" \
	effects/*.c effects/*.h

for f in core/league/*.c core/league/*.h; do
	case "$f" in
	core/league/store_pg*.c) sql='|<libpq-fe\.h>' ;;
	core/league/store_pg*) sql='' ;;
	core/league/store*) sql='|<sqlite3\.h>' ;;
	*) sql='' ;;
	esac
	check core/league "\"core/(sim|league)/[a-z_0-9]+\\.h\"|\"effects/fx\\.h\"|<($std|$posix)\\.h>|<cjson/cJSON\\.h>$sql" "$f"
done

check server/http "\"server/http/[a-z_0-9]+\\.h\"|\"server/log\\.h\"|\"core/sim/buf\\.h\"|<($std|$posix)\\.h>|<uv\\.h>|<cjson/cJSON\\.h>" \
	server/http/*.c server/http/*.h

server_files=$(ls server/*.c server/*.h server/*/*.c server/*/*.h 2>/dev/null | grep -v '^server/http/' |
	grep -v '^server/ai/' | grep -v '^server/discord/')
server_allowed="\"(core/sim|core/league|effects|server(/[a-z]+)?)/[a-z_0-9]+\\.h\"|<($std|$posix)\\.h>|<uv\\.h>|<cjson/cJSON\\.h>"
# shellcheck disable=SC2086
check server "$server_allowed" $server_files
# The AI client alone talks to the Messages API: libcurl.
# shellcheck disable=SC2086
check server/ai "$server_allowed|<curl/curl\\.h>" server/ai/*.c server/ai/*.h
# The Discord client alone talks to Discord: libcurl and OpenSSL's Ed25519.
# shellcheck disable=SC2086
check server/discord "$server_allowed|<curl/curl\\.h>|<openssl/(crypto|evp)\\.h>" server/discord/*.c server/discord/*.h

# A module's internal header is for that module's own files (and tests):
# internal HEADER FILE-PATTERN (a shell case pattern of who may include it).
internal() {
	for f in $(grep -rlE "#[[:space:]]*include[[:space:]]*\"$1\"" core effects server 2>/dev/null); do
		# shellcheck disable=SC2254
		case "$f" in
		$2) ;;
		*) echo "layers: $f includes $1, internal to its module"; bad=1 ;;
		esac
	done
}
internal core/sim/simstate.h 'core/sim/*'
internal effects/fx_int.h 'effects/*'
internal core/league/store_internal.h 'core/league/store*'
internal server/pages/pages_internal.h 'server/pages/*'
internal server/discord/discord_int.h 'server/discord/*'

dups=$(find core effects server scripts tests docs vendor -type f ! -path 'tests/fuzz/corpus/*' \
	-printf '%f\n' | sort | uniq -d)
if [ -n "$dups" ]; then
	for d in $dups; do
		echo "layers: more than one file is named $d:" $(find core effects server scripts tests docs vendor -type f -name "$d")
	done
	bad=1
fi

exit $bad
