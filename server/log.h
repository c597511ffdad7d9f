/*
 * log.h — one line per event on stderr: readable text in development, JSON
 * lines when PINWHEEL_ENV=production (so a log shipper can parse them).
 *
 * A pw_log_t is plain configuration owned by main's wiring and passed to the
 * modules that log; a NULL logger logs nothing (tests). Safe from any thread:
 * each line is formatted first and written with one call.
 */
#ifndef PW_SRV_LOG_H
#define PW_SRV_LOG_H

#include <stdbool.h>
#include <stdio.h>

typedef enum pw_log_level {
	PW_LOG_DEBUG,
	PW_LOG_INFO,
	PW_LOG_WARN,
	PW_LOG_ERROR,
} pw_log_level_t;

typedef struct pw_log {
	pw_log_level_t level;
	bool json;
	FILE *out; /* NULL: stderr */
} pw_log_t;

/* "debug", "info", "warn"/"warning", "error" → level; -1 if unknown. */
int log_level_parse(const char *s);

/* Logs `event` (a short dotted name such as "tick.done") with a message. */
void log_event(const pw_log_t *l, pw_log_level_t level, const char *event, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
