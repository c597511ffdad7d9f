/*
 * cron.h — five-field cron expressions (PINWHEEL_GAME_CRON).
 *
 *   minute hour day-of-month month day-of-week
 *
 * Each field is a comma list of `*`, `N`, `N-M`, each optionally `/STEP`
 * (`N/STEP` runs from N to the field's end). Months and weekdays also take
 * three-letter English names (jan, mon); weekday 0 and 7 are Sunday. As in
 * classic cron, when both day fields are restricted a day matching either
 * one qualifies; when one is `*` only the other counts. Times are the
 * process's local time (TZ); the Docker image runs in UTC.
 */
#ifndef PW_CRON_H
#define PW_CRON_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

typedef struct pw_cron {
	uint64_t minute; /* bit m for minute m, 0..59 */
	uint32_t hour;   /* 0..23 */
	uint32_t dom;    /* 1..31 */
	uint32_t month;  /* 1..12 */
	uint32_t dow;    /* 0..6, Sunday = 0 */
	bool dom_star, dow_star;
} pw_cron_t;

/* Returns 0, or -1 with a sentence naming the bad field in err. */
int cron_parse(const char *expr, pw_cron_t *out, char *err, size_t errlen);

/* Whether the minute holding local time tm matches. */
bool cron_matches(const pw_cron_t *c, const struct tm *tm);

/* The first matching minute strictly after `after` (seconds since the
 * epoch). Returns 0, or -1 if none within five years (e.g. "0 0 31 2 *"). */
int cron_next(const pw_cron_t *c, time_t after, time_t *next);

#endif
