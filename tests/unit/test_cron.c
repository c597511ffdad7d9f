/*
 * test_cron.c — cron parsing (every syntax, every error) and next times,
 * in UTC so the expectations are exact.
 */
#include "tests/test.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "server/live/cron.h"

static void utc(void)
{
	setenv("TZ", "UTC", 1);
	tzset();
}

/* Seconds since the epoch for a UTC date. */
static time_t at(int y, int mo, int d, int h, int mi)
{
	struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi};
	return timegm(&tm);
}

static time_t next_of(const char *expr, time_t after)
{
	pw_cron_t c;
	char err[200];
	if (cron_parse(expr, &c, err, sizeof err) < 0)
		return -2;
	time_t n;
	if (cron_next(&c, after, &n) < 0)
		return -1;
	return n;
}

TEST(cron_parses_fields)
{
	pw_cron_t c;
	char err[200];
	CHECK_EQ(cron_parse("* * * * *", &c, err, sizeof err), 0);
	CHECK_EQ(c.minute, (1ull << 60) - 1);
	CHECK_EQ(c.hour, (1u << 24) - 1);
	CHECK(c.dom_star && c.dow_star);
	CHECK_EQ(cron_parse("*/15 9-17 1,15 jan-mar mon-fri", &c, err, sizeof err), 0);
	CHECK_EQ(c.minute, (1ull << 0) | (1ull << 15) | (1ull << 30) | (1ull << 45));
	CHECK_EQ(c.hour, 0x3fe00u);
	CHECK_EQ(c.dom, (1u << 1) | (1u << 15));
	CHECK_EQ(c.month, (1u << 1) | (1u << 2) | (1u << 3));
	CHECK_EQ(c.dow, 0x3eu);
	CHECK(!c.dom_star && !c.dow_star);
	CHECK_EQ(cron_parse("5/20 0 * * 7", &c, err, sizeof err), 0);
	CHECK_EQ(c.minute, (1ull << 5) | (1ull << 25) | (1ull << 45));
	CHECK_EQ(c.dow, 1u); /* 7 is Sunday */
	CHECK_EQ(cron_parse("0-10/5,30 * * * SUN,sat", &c, err, sizeof err), 0);
	CHECK_EQ(c.minute, (1ull << 0) | (1ull << 5) | (1ull << 10) | (1ull << 30));
	CHECK_EQ(c.dow, (1u << 0) | (1u << 6));
	CHECK_EQ(cron_parse("  0   12  *  *  *  ", &c, err, sizeof err), 0);
}

TEST(cron_rejects_bad_expressions)
{
	const char *bad[] = {
		"", "* * * *", "* * * * * *", "60 * * * *", "* 24 * * *", "* * 0 * *",
		"* * 32 * *", "* * * 13 *", "* * * 0 *", "* * * * 8", "5-1 * * * *",
		"*/0 * * * *", "*/ * * * *", "a * * * *", "1,,2 * * * *", "1, * * * *",
		"-1 * * * *", "1-2-3 * * * *", "* * * foo *", "* * * * mond", "00000 * * * *",
		"*/61 * * * *", "1/2/3 * * * *", "* * * * * extra",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		pw_cron_t c;
		char err[200] = "";
		CHECK_MSG(cron_parse(bad[i], &c, err, sizeof err) == -1, "accepted \"%s\"", bad[i]);
		CHECK_MSG(err[0] != '\0', "no message for \"%s\"", bad[i]);
	}
	pw_cron_t c;
	char err[200];
	CHECK_EQ(cron_parse("61 * * * *", &c, err, sizeof err), -1);
	CHECK_CONTAINS(err, "minute");
	CHECK_EQ(cron_parse(NULL, &c, err, sizeof err), -1);
}

TEST(cron_next_times)
{
	utc();
	time_t base = at(2024, 1, 15, 10, 7); /* a Monday */
	CHECK_EQ(next_of("* * * * *", base), at(2024, 1, 15, 10, 8));
	CHECK_EQ(next_of("* * * * *", base + 59), at(2024, 1, 15, 10, 8));
	CHECK_EQ(next_of("*/15 * * * *", base), at(2024, 1, 15, 10, 15));
	CHECK_EQ(next_of("0 * * * *", base), at(2024, 1, 15, 11, 0));
	CHECK_EQ(next_of("7 10 * * *", base), at(2024, 1, 16, 10, 7)); /* strictly after */
	CHECK_EQ(next_of("30 9 * * *", base), at(2024, 1, 16, 9, 30));
	CHECK_EQ(next_of("0 0 1 * *", base), at(2024, 2, 1, 0, 0));
	CHECK_EQ(next_of("0 0 * * 0", base), at(2024, 1, 21, 0, 0));  /* Sunday */
	CHECK_EQ(next_of("0 0 * * fri", base), at(2024, 1, 19, 0, 0));
	CHECK_EQ(next_of("0 0 29 2 *", base), at(2024, 2, 29, 0, 0)); /* leap day */
	CHECK_EQ(next_of("0 0 29 2 *", at(2024, 3, 1, 0, 0)), at(2028, 2, 29, 0, 0));
	CHECK_EQ(next_of("0 0 31 2 *", base), -1);                    /* never */
	CHECK_EQ(next_of("0 0 31 * *", at(2024, 4, 1, 0, 0)), at(2024, 5, 31, 0, 0));
	CHECK_EQ(next_of("59 23 31 12 *", base), at(2024, 12, 31, 23, 59));
	CHECK_EQ(next_of("0 0 1 1 *", at(2024, 12, 31, 23, 59)), at(2025, 1, 1, 0, 0));
	/* Both day fields restricted: either matches (the 20th, or a Wednesday). */
	CHECK_EQ(next_of("0 12 20 * wed", base), at(2024, 1, 17, 12, 0));
	CHECK_EQ(next_of("0 12 16 * wed", base), at(2024, 1, 16, 12, 0));
	/* Only day-of-week restricted. */
	CHECK_EQ(next_of("0 12 * * 1", at(2024, 1, 15, 12, 0)), at(2024, 1, 22, 12, 0));
	/* Every 5 minutes from a time between. */
	CHECK_EQ(next_of("*/5 * * * *", at(2024, 1, 15, 23, 58)), at(2024, 1, 16, 0, 0));
	/* Ranges with steps. */
	CHECK_EQ(next_of("10-20/5 8 * * *", at(2024, 1, 15, 8, 15)), at(2024, 1, 15, 8, 20));
	CHECK_EQ(next_of("10-20/5 8 * * *", at(2024, 1, 15, 8, 20)), at(2024, 1, 16, 8, 10));
}

TEST(cron_matches_agrees_with_next)
{
	utc();
	pw_cron_t c;
	char err[200];
	CHECK_EQ(cron_parse("*/7 1-23/3 */2 * mon,thu", &c, err, sizeof err), 0);
	time_t t = at(2024, 1, 1, 0, 0);
	for (int i = 0; i < 50; i++) {
		time_t n;
		CHECK_EQ(cron_next(&c, t, &n), 0);
		struct tm tm;
		gmtime_r(&n, &tm);
		CHECK(cron_matches(&c, &tm));
		/* No matching minute was skipped between t and n. */
		for (time_t m = t - t % 60 + 60; m < n; m += 60) {
			gmtime_r(&m, &tm);
			CHECK(!cron_matches(&c, &tm));
		}
		t = n;
	}
}
