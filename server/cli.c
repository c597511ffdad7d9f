/*
 * cli.c — helpers shared by the command implementations.
 */
#include "server/cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

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

const char *cli_value(const char *given, const char *env, const char *def)
{
	if (given)
		return given;
	const char *e = env ? getenv(env) : NULL;
	return e && *e ? e : def;
}
