/*
 * test_e2e_first_minute.c — how people meet the league: `make run` plays
 * the demo pace, whose first round starts within seconds of the server,
 * replayed at 30 seconds a quarter so a visitor can watch it to the end,
 * the next round three minutes after the first; and a replay always fits
 * before the next tick (the fast pace does not wait for 20 minutes of
 * 300-second quarters).
 */
#include "tests/test.h"

#include <cjson/cJSON.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "tests/e2e/e2e.h"

static cJSON *pace(e2e_server_t *s)
{
	long st = 0;
	cJSON *j = e2e_call(s, "GET", "/api/pace/status", NULL, NULL, &st);
	cJSON *d = cJSON_DetachItemFromObject(j, "data");
	cJSON_Delete(j);
	return d;
}

static double num(const cJSON *o, const char *k)
{
	return cJSON_GetNumberValue(cJSON_GetObjectItem(o, k));
}

TEST(make_run_plays_the_demo_pace)
{
	FILE *f = fopen("Makefile", "r");
	CHECK(f != NULL);
	char line[512];
	bool in_run = false, demo = false;
	while (f && fgets(line, sizeof line, f)) {
		if (!strncmp(line, "run:", 4))
			in_run = true;
		else if (in_run && line[0] != '\t')
			in_run = false;
		else if (in_run && strstr(line, "PINWHEEL_PRESENTATION_PACE") && strstr(line, "demo") &&
			 strstr(line, "pinwheel serve"))
			demo = true;
	}
	if (f)
		fclose(f);
	CHECK_MSG(demo, "the run target does not start the demo pace");
}

TEST(e2e_demo_pace_is_alive_at_once)
{
	const char *env[] = {"PINWHEEL_PRESENTATION_PACE=demo", "PINWHEEL_PRESENTATION_MODE=replay", NULL};
	e2e_server_t s;
	time_t t0 = time(NULL);
	CHECK_EQ(e2e_start(&s, env, NULL), 0);
	cJSON *p = pace(&s);
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(p, "pace")), "demo");
	CHECK_EQ(num(p, "pace_seconds"), 180);
	cJSON_Delete(p);
	/* The first round starts within seconds, not a pace's interval. */
	bool live = false;
	for (int i = 0; i < 300 && !live; i++) {
		usleep(100000);
		p = pace(&s);
		live = cJSON_IsTrue(cJSON_GetObjectItem(p, "presenting"));
		if (live) {
			/* A visitor watches quarters of 30 s, the next round
			 * three minutes after this one. */
			CHECK_EQ(num(p, "quarter_seconds"), 30);
			CHECK_EQ(num(p, "presentation_round"), 1);
		}
		cJSON_Delete(p);
	}
	CHECK(live);
	CHECK_MSG(time(NULL) - t0 <= 20, "the first round took %ld s", (long)(time(NULL) - t0));
	long st;
	cJSON *a = e2e_call(&s, "GET", "/api/arena", NULL, NULL, &st);
	const cJSON *d = cJSON_GetObjectItem(a, "data");
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(d, "status")), "live");
	CHECK_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(d, "games")), 4);
	cJSON_Delete(a);
	CHECK_EQ(e2e_stop(&s, SIGTERM, 20000), 0);
}

TEST(e2e_fast_pace_replays_fit_before_the_next_tick)
{
	/* 300-second quarters configured (the default): a fast tick's replay
	 * is shortened to end before the next, a minute later. */
	const char *env[] = {"PINWHEEL_PRESENTATION_PACE=fast", "PINWHEEL_PRESENTATION_MODE=replay",
			     "PINWHEEL_QUARTER_REPLAY_SECONDS=300", NULL};
	e2e_server_t s;
	CHECK_EQ(e2e_start(&s, env, NULL), 0);
	long st;
	cJSON_Delete(e2e_call(&s, "POST", "/api/pace/advance", NULL, NULL, &st));
	CHECK_EQ(st, 202);
	bool live = false;
	for (int i = 0; i < 200 && !live; i++) {
		usleep(50000);
		cJSON *p = pace(&s);
		live = cJSON_IsTrue(cJSON_GetObjectItem(p, "presenting"));
		if (live)
			CHECK_MSG(num(p, "quarter_seconds") <= 10, "quarters of %.0f s in a 60 s pace",
				  num(p, "quarter_seconds"));
		cJSON_Delete(p);
	}
	CHECK(live);
	CHECK_EQ(e2e_stop(&s, SIGTERM, 20000), 0);
}
