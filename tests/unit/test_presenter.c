/*
 * test_presenter.c — replay timing, instant mode, and resuming a saved
 * presentation without showing a play twice or skipping one.
 */
#include "tests/test.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <uv.h>

#include "server/live/presenter.h"

/* A fake GameResult: 4 quarters, `per_q` plays per quarter evenly spread,
 * plus two untimed Elam plays. */
static cJSON *fake_game(int64_t id, int per_q)
{
	cJSON *g = cJSON_CreateObject();
	cJSON_AddNumberToObject(g, "game_id", (double)id);
	cJSON_AddNumberToObject(g, "home_team_id", 1);
	cJSON_AddNumberToObject(g, "away_team_id", 2);
	cJSON_AddNumberToObject(g, "home_score", 10);
	cJSON_AddNumberToObject(g, "away_score", 8);
	cJSON_AddNumberToObject(g, "winner_team_id", 1);
	cJSON *rules = cJSON_AddObjectToObject(g, "rules");
	cJSON_AddNumberToObject(rules, "quarter_minutes", 10);
	cJSON *plays = cJSON_AddArrayToObject(g, "plays");
	int n = 0;
	for (int q = 1; q <= 3; q++)
		for (int i = 0; i < per_q; i++) {
			cJSON *p = cJSON_CreateObject();
			cJSON_AddNumberToObject(p, "n", ++n);
			cJSON_AddNumberToObject(p, "quarter", q);
			cJSON_AddNumberToObject(p, "clock", 600.0 - 600.0 * (i + 1) / per_q);
			cJSON_AddNumberToObject(p, "home_score", n);
			cJSON_AddNumberToObject(p, "away_score", 0);
			cJSON_AddStringToObject(p, "narrative", "a play");
			cJSON_AddItemToArray(plays, p);
		}
	for (int i = 0; i < 2; i++) {
		cJSON *p = cJSON_CreateObject();
		cJSON_AddNumberToObject(p, "n", ++n);
		cJSON_AddNumberToObject(p, "quarter", 4);
		cJSON_AddNullToObject(p, "clock");
		cJSON_AddItemToArray(plays, p);
	}
	return g;
}

struct world {
	uv_loop_t loop;
	char *state;
	int saves;
	/* events seen */
	int starts, finishes, rounds, possessions;
	int seen[3][64]; /* per game id 1..2: times play n was shown */
	int stop_after;  /* stop the loop after this many possessions (0: never) */
};

static cJSON *load_game(void *ud, int64_t id)
{
	(void)ud;
	return id >= 1 && id <= 2 ? fake_game(id, 5) : NULL;
}

static char *state_load(void *ud, const char *key)
{
	struct world *w = ud;
	(void)key;
	return w->state ? strdup(w->state) : NULL;
}

static int state_save(void *ud, const char *key, const char *value)
{
	struct world *w = ud;
	(void)key;
	free(w->state);
	w->state = value ? strdup(value) : NULL;
	w->saves++;
	return 0;
}

static void publish(void *ud, const char *type, const char *json)
{
	struct world *w = ud;
	cJSON *o = cJSON_Parse(json);
	int gid = (int)cJSON_GetNumberValue(cJSON_GetObjectItem(o, "game_id"));
	if (!strcmp(type, "presentation.game_starting"))
		w->starts++;
	else if (!strcmp(type, "presentation.game_finished"))
		w->finishes++;
	else if (!strcmp(type, "presentation.round_finished")) {
		w->rounds++;
		uv_stop(&w->loop);
	} else if (!strcmp(type, "presentation.possession")) {
		int n = (int)cJSON_GetNumberValue(cJSON_GetObjectItem(o, "n"));
		if (gid >= 1 && gid <= 2 && n >= 1 && n < 64)
			w->seen[gid][n]++;
		w->possessions++;
		if (w->stop_after && w->possessions == w->stop_after)
			uv_stop(&w->loop);
	}
	cJSON_Delete(o);
}

static pw_presenter_ops_t ops_for(struct world *w)
{
	return (pw_presenter_ops_t){.ud = w, .load_game = load_game, .state_load = state_load,
				    .state_save = state_save, .publish = publish};
}

TEST(presenter_offsets_follow_the_clock)
{
	cJSON *g = fake_game(1, 5);
	uint64_t off[32];
	long n = presenter_play_offsets(g, 100, off, 32);
	CHECK_EQ(n, 17);
	CHECK_EQ(off[0], 20000);   /* 1/5 into quarter 1 of 100 s */
	CHECK_EQ(off[4], 100000);  /* end of quarter 1 */
	CHECK_EQ(off[5], 120000);
	CHECK_EQ(off[14], 300000); /* end of quarter 3 */
	CHECK_EQ(off[15], 350000); /* Elam plays spread over quarter 4 */
	CHECK_EQ(off[16], 400000);
	for (long i = 1; i < n; i++)
		CHECK(off[i] >= off[i - 1]);
	cJSON_Delete(g);
}

TEST(presenter_instant_mode)
{
	struct world *w = calloc(1, sizeof *w);
	uv_loop_init(&w->loop);
	pw_presenter_t *p;
	pw_presenter_config_t cfg = {.mode = PW_PRESENT_INSTANT, .quarter_seconds = 300};
	pw_presenter_ops_t ops = ops_for(w);
	CHECK_EQ(presenter_new(&p, &w->loop, &cfg, &ops), 0);
	int64_t ids[2] = {1, 2};
	CHECK_EQ(presenter_start(p, 3, ids, 2, 0), 0);
	CHECK_EQ(w->starts, 2);
	CHECK_EQ(w->finishes, 2);
	CHECK_EQ(w->rounds, 1);
	CHECK_EQ(w->possessions, 0);
	CHECK(!presenter_running(p));
	CHECK(w->state == NULL);
	int64_t bad[1] = {99};
	CHECK(presenter_start(p, 4, bad, 1, 0) < 0);
	presenter_close(p);
	uv_run(&w->loop, UV_RUN_DEFAULT); /* the publish callback stopped the loop once */
	uv_run(&w->loop, UV_RUN_DEFAULT);
	CHECK_EQ(uv_loop_close(&w->loop), 0);
	free(w);
}

TEST(presenter_replay_and_resume_no_dup_no_skip)
{
	struct world *w = calloc(1, sizeof *w);
	uv_loop_init(&w->loop);
	pw_presenter_config_t cfg = {.mode = PW_PRESENT_REPLAY, .quarter_seconds = 300};
	pw_presenter_ops_t ops = ops_for(w);
	pw_presenter_t *p;
	CHECK_EQ(presenter_new(&p, &w->loop, &cfg, &ops), 0);
	int64_t ids[2] = {1, 2};
	/* A real replay with a short quarter, interrupted part way. */
	w->stop_after = 13;
	CHECK_EQ(presenter_start(p, 5, ids, 2, 1), 0);
	CHECK(presenter_running(p));
	CHECK_EQ(presenter_start(p, 6, ids, 2, 1), -16 /* EBUSY */);
	uv_run(&w->loop, UV_RUN_DEFAULT); /* stops after 13 possessions */
	CHECK(w->possessions >= 13);
	CHECK_EQ(w->rounds, 0);
	presenter_close(p); /* checkpoints, like SIGTERM */
	uv_run(&w->loop, UV_RUN_NOWAIT);
	CHECK(w->state != NULL);

	/* A new process: resumes from the saved state. */
	w->stop_after = 0;
	CHECK_EQ(presenter_new(&p, &w->loop, &cfg, &ops), 0);
	CHECK_EQ(presenter_resume(p), 1);
	uv_run(&w->loop, UV_RUN_DEFAULT);
	CHECK_EQ(w->rounds, 1);
	CHECK_EQ(w->starts, 2);
	CHECK_EQ(w->finishes, 2);
	for (int g = 1; g <= 2; g++)
		for (int n = 1; n <= 17; n++)
			CHECK_MSG(w->seen[g][n] == 1, "game %d play %d shown %d times", g, n, w->seen[g][n]);
	CHECK(w->state == NULL); /* cleared when the round finished */
	CHECK_EQ(presenter_resume(p), 0);
	presenter_close(p);
	uv_run(&w->loop, UV_RUN_DEFAULT);
	CHECK_EQ(uv_loop_close(&w->loop), 0);
	free(w->state);
	free(w);
}

TEST(presenter_checkpoints_milestones_and_about_once_a_second)
{
	/* Each checkpoint is a database write on the loop thread: a replay
	 * takes one when a game starts or finishes, otherwise at most one a
	 * second, not one per play shown. */
	struct world *w = calloc(1, sizeof *w);
	uv_loop_init(&w->loop);
	pw_presenter_config_t cfg = {.mode = PW_PRESENT_REPLAY, .quarter_seconds = 300};
	pw_presenter_ops_t ops = ops_for(w);
	pw_presenter_t *p;
	CHECK_EQ(presenter_new(&p, &w->loop, &cfg, &ops), 0);
	int64_t ids[2] = {1, 2};
	uv_update_time(&w->loop);
	uint64_t t0 = uv_now(&w->loop);
	CHECK_EQ(presenter_start(p, 5, ids, 2, 1), 0);
	uv_run(&w->loop, UV_RUN_DEFAULT);
	uint64_t secs = (uv_now(&w->loop) - t0) / 1000 + 1;
	CHECK_EQ(w->rounds, 1);
	CHECK_EQ(w->possessions, 34);
	/* the start, 2 starts + 2 finishes, the round's end, one a second */
	CHECK_MSG(w->saves <= 6 + (int)secs, "%d checkpoints in %llu s", w->saves,
		  (unsigned long long)secs);
	CHECK(w->saves < w->possessions);
	presenter_close(p);
	uv_run(&w->loop, UV_RUN_DEFAULT);
	CHECK_EQ(uv_loop_close(&w->loop), 0);
	free(w->state);
	free(w);
}
