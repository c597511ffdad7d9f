/*
 * cron.c — parsing and next-time search for five-field cron (see cron.h).
 */
#include "server/live/cron.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *month_names[] = {"jan", "feb", "mar", "apr", "may", "jun",
				    "jul", "aug", "sep", "oct", "nov", "dec"};
static const char *dow_names[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

struct field {
	const char *name;
	int lo, hi;
	const char **names; /* value lo + i */
	int n_names;
};

static const struct field fields[5] = {
	{"minute", 0, 59, NULL, 0},
	{"hour", 0, 23, NULL, 0},
	{"day of month", 1, 31, NULL, 0},
	{"month", 1, 12, month_names, 12},
	{"day of week", 0, 7, dow_names, 7},
};

/* Reads a number or a name at *p; -1 if neither. */
static int read_value(const char **p, const struct field *f)
{
	const char *s = *p;
	if (isdigit((unsigned char)*s)) {
		int v = 0, digits = 0;
		while (isdigit((unsigned char)*s) && digits < 4) {
			v = v * 10 + (*s - '0');
			s++;
			digits++;
		}
		if (isdigit((unsigned char)*s))
			return -1;
		*p = s;
		return v;
	}
	for (int i = 0; i < f->n_names; i++) {
		if (!strncasecmp(s, f->names[i], 3) && !isalpha((unsigned char)s[3])) {
			*p = s + 3;
			return f->lo + i;
		}
	}
	return -1;
}

static int parse_field(const char *text, const struct field *f, uint64_t *bits, bool *star,
		       char *err, size_t errlen)
{
	*bits = 0;
	*star = text[0] == '*';
	const char *p = text;
	for (;;) {
		int a, b, step = 1;
		if (*p == '*') {
			a = f->lo;
			b = f->hi;
			p++;
		} else {
			a = read_value(&p, f);
			if (a < 0)
				goto bad;
			b = a;
			if (*p == '-') {
				p++;
				b = read_value(&p, f);
				if (b < 0)
					goto bad;
			} else if (*p == '/') {
				b = f->hi;
			}
		}
		if (*p == '/') {
			p++;
			if (!isdigit((unsigned char)*p))
				goto bad;
			step = read_value(&p, f);
			if (step <= 0 || step > f->hi)
				goto bad;
		}
		if (a < f->lo || b > f->hi || a > b) {
			snprintf(err, errlen, "cron %s field \"%s\" is out of range %d-%d", f->name, text,
				 f->lo, f->hi);
			return -1;
		}
		for (int v = a; v <= b; v += step)
			*bits |= 1ull << v;
		if (*p == '\0')
			return 0;
		if (*p != ',')
			goto bad;
		p++;
	}
bad:
	snprintf(err, errlen, "cron %s field \"%s\" is not valid (use *, N, N-M, lists and /step)",
		 f->name, text);
	return -1;
}

int cron_parse(const char *expr, pw_cron_t *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	if (!expr || strlen(expr) > 256) {
		snprintf(err, errlen, "cron expression is missing or too long");
		return -1;
	}
	char copy[257];
	snprintf(copy, sizeof copy, "%s", expr);
	char *tok[6];
	int n = 0;
	char *save = NULL;
	for (char *t = strtok_r(copy, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
		if (n == 6)
			break;
		tok[n++] = t;
	}
	if (n != 5) {
		snprintf(err, errlen, "cron expression \"%s\" needs exactly 5 fields "
			 "(minute hour day-of-month month day-of-week)", expr);
		return -1;
	}
	uint64_t bits[5];
	bool star[5];
	for (int i = 0; i < 5; i++)
		if (parse_field(tok[i], &fields[i], &bits[i], &star[i], err, errlen) < 0)
			return -1;
	out->minute = bits[0];
	out->hour = (uint32_t)bits[1];
	out->dom = (uint32_t)bits[2];
	out->month = (uint32_t)bits[3];
	out->dow = (uint32_t)((bits[4] | (bits[4] >> 7)) & 0x7f); /* 7 is Sunday too */
	out->dom_star = star[2];
	out->dow_star = star[4];
	return 0;
}

static bool day_matches(const pw_cron_t *c, const struct tm *tm)
{
	bool dom = (c->dom >> tm->tm_mday) & 1;
	bool dow = (c->dow >> tm->tm_wday) & 1;
	if (c->dom_star && c->dow_star)
		return true;
	if (c->dom_star)
		return dow;
	if (c->dow_star)
		return dom;
	return dom || dow;
}

bool cron_matches(const pw_cron_t *c, const struct tm *tm)
{
	return ((c->month >> (tm->tm_mon + 1)) & 1) && day_matches(c, tm) &&
	       ((c->hour >> tm->tm_hour) & 1) && ((c->minute >> tm->tm_min) & 1);
}

int cron_next(const pw_cron_t *c, time_t after, time_t *next)
{
	struct tm tm;
	time_t t = after - (after % 60 + 60) % 60 + 60; /* the next whole minute */
	localtime_r(&t, &tm);
	/* Skip whole months, days and hours that cannot match; each step
	 * renormalises through mktime so month lengths and DST are right. */
	for (int guard = 0; guard < 200000; guard++) {
		if (tm.tm_year > 0 && t - after > (time_t)5 * 366 * 86400)
			return -1;
		if (!((c->month >> (tm.tm_mon + 1)) & 1)) {
			tm.tm_mon++;
			tm.tm_mday = 1;
			tm.tm_hour = 0;
			tm.tm_min = 0;
		} else if (!day_matches(c, &tm)) {
			tm.tm_mday++;
			tm.tm_hour = 0;
			tm.tm_min = 0;
		} else if (!((c->hour >> tm.tm_hour) & 1)) {
			tm.tm_hour++;
			tm.tm_min = 0;
		} else if (!((c->minute >> tm.tm_min) & 1)) {
			tm.tm_min++;
		} else {
			*next = t;
			return 0;
		}
		tm.tm_sec = 0;
		tm.tm_isdst = -1;
		t = mktime(&tm);
		if (t == (time_t)-1)
			return -1;
		localtime_r(&t, &tm);
	}
	return -1;
}
