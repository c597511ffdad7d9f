/*
 * cli.c — helpers shared by the command implementations.
 */
#include "server/cli/cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void cli_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "pinwheel %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int cli_parse_u64(const char *cmd, const char *opt, const char *text, uint64_t *out)
{
	char *end;
	if (!text || !*text || *text == '-') {
		cli_error(cmd, "%s needs a non-negative integer, got \"%s\"", opt,
			  text ? text : "");
		return -1;
	}
	errno = 0;
	unsigned long long v = strtoull(text, &end, 10);
	if (*end || errno == ERANGE) {
		cli_error(cmd, "%s needs a non-negative integer, got \"%s\"", opt, text);
		return -1;
	}
	*out = (uint64_t)v;
	return 0;
}

int cli_parse_int(const char *cmd, const char *opt, const char *text, int lo, int hi, int *out)
{
	char *end;
	errno = 0;
	long v = text ? strtol(text, &end, 10) : 0;
	if (!text || !*text || *end || errno == ERANGE || v < lo || v > hi) {
		cli_error(cmd, "%s needs an integer from %d to %d, got \"%s\"", opt, lo,
			  hi, text ? text : "");
		return -1;
	}
	*out = (int)v;
	return 0;
}

const char *cli_need_value(const char *cmd, int argc, char **argv, int *i)
{
	if (*i + 1 >= argc) {
		cli_error(cmd, "%s needs a value", argv[*i]);
		return NULL;
	}
	return argv[++*i];
}

const char *cli_value(const char *given, const char *env, const char *def)
{
	if (given)
		return given;
	const char *e = env ? getenv(env) : NULL;
	return e && *e ? e : def;
}

static bool is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

bool cli_asset_dir(const char *rel, char *out, size_t cap)
{
	snprintf(out, cap, "%s", rel);
	if (is_dir(rel))
		return true;
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n <= 0)
		return false;
	exe[n] = '\0';
	char *slash = strrchr(exe, '/');
	if (!slash)
		return false;
	*slash = '\0';
	char guess[PATH_MAX];
	if ((size_t)snprintf(guess, sizeof guess, "%s/../%s", exe, rel) >= sizeof guess ||
	    !is_dir(guess))
		return false;
	snprintf(out, cap, "%s", guess);
	return true;
}
