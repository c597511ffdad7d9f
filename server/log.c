/*
 * log.c — event lines (see log.h).
 */
#include "server/log.h"

#include <stdarg.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>

#include "server/http/rcbuf.h"

static const char *level_names[] = {"debug", "info", "warn", "error"};

int log_level_parse(const char *s)
{
	if (!s)
		return -1;
	for (int i = 0; i < 4; i++)
		if (!strcasecmp(s, level_names[i]))
			return i;
	if (!strcasecmp(s, "warning"))
		return PW_LOG_WARN;
	return -1;
}

/* JSON string escaping for the JSON-lines form; the message may hold any
 * bytes a client sent, so control characters are escaped, never copied. */
static void json_str(pw_buf_t *b, const char *s)
{
	buf_puts(b, "\"");
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			buf_printf(b, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			buf_printf(b, "\\u%04x", *p);
		else
			buf_append(b, p, 1);
	}
	buf_puts(b, "\"");
}

void log_event(const pw_log_t *l, pw_log_level_t level, const char *event, const char *fmt, ...)
{
	if (!l || level < l->level)
		return;
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);

	struct timeval tv;
	gettimeofday(&tv, NULL);
	struct tm tm;
	gmtime_r(&tv.tv_sec, &tm);
	char ts[96];
	snprintf(ts, sizeof ts, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (int)(tv.tv_usec / 1000));

	pw_buf_t b = {0};
	if (l->json) {
		buf_printf(&b, "{\"ts\":\"%s\",\"level\":\"%s\",\"event\":", ts, level_names[level]);
		json_str(&b, event);
		buf_puts(&b, ",\"msg\":");
		json_str(&b, msg);
		buf_puts(&b, "}\n");
	} else {
		buf_printf(&b, "%s %-5s %s", ts, level_names[level], event);
		if (msg[0]) {
			buf_puts(&b, " ");
			/* Keep one event on one line whatever the message holds. */
			for (char *p = msg; *p; p++)
				if (*p == '\n' || *p == '\r')
					*p = ' ';
			buf_puts(&b, msg);
		}
		buf_puts(&b, "\n");
	}
	if (!b.oom) {
		FILE *out = l->out ? l->out : stderr;
		fwrite(b.data, 1, b.len, out);
		fflush(out);
	}
	buf_free(&b);
}
