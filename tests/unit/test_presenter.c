/*
 * test_presenter.c — replay timing, instant mode, resuming a saved
 * presentation without showing a play twice or skipping one, no spoilers
 * (a game marked presented before its final event, held events told only
 * after what they reveal, the arena's view of a game mid-replay), and
 * replays fitted before the next tick.
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
	char *state, *held;
	int saves;
	/* the order of what happened, one letter each: S start, P play,
	 * M marked presented, F game finished, R round finished, G held
	 * game.completed, H another held event */
	char trail[512];
	int64_t marked[8];
	int n_marked;
	/* events seen */
	int starts, finishes, rounds, possessions;
	int seen[3][64]; /* per game id 1..2: times play n was shown */
	int stop_after;  /* stop the loop after this many possessions (0: never) */
	int bare;        /* possessions without the game's card */
	int loads;       /* games loaded through ops.load_game */
};

/* Games 1 and 2, each with the card the server gives it. */
static cJSON *game_with_card(int64_t id)
{
	if (id < 1 || id > 2)
		return NULL;
	cJSON *g = fake_game(id, 5);
	cJSON *card = cJSON_AddObjectToObject(g, "presentation");
	cJSON_AddStringToObject(card, "home_team_name", id == 1 ? "Alpha" : "Gamma");
	cJSON_AddStringToObject(card, "away_team_name", id == 1 ? "Beta" : "Delta");
	cJSON_AddStringToObject(card, "label", "Final, game 2");
	return g;
}

static cJSON *load_game(void *ud, int64_t id)
{
	struct world *w = ud;
	w->loads++;
	return game_with_card(id);
}

static char **slot(struct world *w, const char *key)
{
	return !strcmp(key, PRESENTER_HELD_KEY) ? &w->held : &w->state;
}

static char *state_load(void *ud, const char *key)
{
	char **v = slot(ud, key);
	return *v ? strdup(*v) : NULL;
}

static int state_save(void *ud, const char *key, const char *value)
{
	struct world *w = ud;
	char **v = slot(w, key);
	free(*v);
	*v = value ? strdup(value) : NULL;
	w->saves++;
	return 0;
}

static void trail(struct world *w, char c)
{
	size_t n = strlen(w->trail);
	if (n + 1 < sizeof w->trail)
		w->trail[n] = c;
}

static void mark(void *ud, int64_t id)
{
	struct world *w = ud;
	if (w->n_marked < 8)
		w->marked[w->n_marked++] = id;
	trail(w, 'M');
}

static void publish(void *ud, const char *type, const char *json)
{
	struct world *w = ud;
	cJSON *o = cJSON_Parse(json);
	int gid = (int)cJSON_GetNumberValue(cJSON_GetObjectItem(o, "game_id"));
	if (!strcmp(type, "presentation.game_starting")) {
		w->starts++;
		trail(w, 'S');
	} else if (!strcmp(type, "presentation.game_finished")) {
		w->finishes++;
		trail(w, 'F');
	} else if (!strcmp(type, "presentation.round_finished")) {
		w->rounds++;
		trail(w, 'R');
		uv_stop(&w->loop);
	} else if (!strcmp(type, "game.completed")) {
		trail(w, 'G');
	} else if (strncmp(type, "presentation.", 13) != 0) {
		trail(w, 'H');
	} else if (!strcmp(type, "presentation.possession")) {
		trail(w, 'P');
		/* Every live event names its game for a viewer arriving late. */
		if (!cJSON_GetStringValue(cJSON_GetObjectItem(o, "home_team_name")) ||
		    !cJSON_GetStringValue(cJSON_GetObjectItem(o, "label")) ||
		    !cJSON_IsNumber(cJSON_GetObjectItem(o, "away_team_id")) ||
		    !cJSON_IsNumber(cJSON_GetObjectItem(o, "round")))
			w->bare++;
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
				    .state_save = state_save, .publish = publish, .mark_presented = mark};
}

static int start(pw_presenter_t *p, int round, const int64_t *ids, size_t n, int qs)
{
	pw_present_tick_t t = {.round = round, .game_ids = ids, .n = n, .quarter_seconds = qs};
	return presenter_start(p, &t);
}

/* The tick's held events: each game's game.completed and a report. */
static cJSON *held_events(void)
{
	cJSON *h = cJSON_CreateArray();
	for (int id = 1; id <= 2; id++) {
		cJSON *e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "type", "game.completed");
		cJSON_AddNumberToObject(e, "game_id", id);
		cJSON *d = cJSON_AddObjectToObject(e, "data");
		cJSON_AddNumberToObject(d, "game_id", id);
		cJSON_AddItemToArray(h, e);
	}
	cJSON *e = cJSON_CreateObject();
	cJSON_AddStringToObject(e, "type", "report.generated");
	cJSON_AddObjectToObject(e, "data");
	cJSON_AddItemToArray(h, e);
	return h;
}

/* A presenter in mode over the world's loop (again, as a restarted server
 * makes it: the saved state stays in the world). */
static pw_presenter_t *world_restart(struct world *w, pw_present_mode_t mode)
{
	pw_presenter_config_t cfg = {.mode = mode, .quarter_seconds = 300};
	pw_presenter_ops_t ops = ops_for(w);
	pw_presenter_t *p = NULL;
	CHECK_EQ(presenter_new(&p, &w->loop, &cfg, &ops), 0);
	return p;
}

/* A loop and a presenter over it, with every callback recorded. */
static struct world *world_new(pw_present_mode_t mode, pw_presenter_t **p)
{
	struct world *w = calloc(1, sizeof *w);
	uv_loop_init(&w->loop);
	*p = world_restart(w, mode);
	return w;
}

/* Closes the presenter, lets the loop end, frees everything. */
static void world_end(struct world *w, pw_presenter_t *p)
{
	presenter_close(p);
	uv_run(&w->loop, UV_RUN_DEFAULT);
	uv_run(&w->loop, UV_RUN_DEFAULT);
	CHECK_EQ(uv_loop_close(&w->loop), 0);
	free(w->state);
	free(w->held);
	free(w);
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
	pw_presenter_t *p;
	struct world *w = world_new(PW_PRESENT_INSTANT, &p);
	int64_t ids[2] = {1, 2};
	CHECK_EQ(start(p, 3, ids, 2, 0), 0);
	CHECK_EQ(w->starts, 2);
	CHECK_EQ(w->finishes, 2);
	CHECK_EQ(w->rounds, 1);
	CHECK_EQ(w->possessions, 0);
	CHECK(!presenter_running(p));
	CHECK(w->state == NULL);
	int64_t bad[1] = {99};
	CHECK(start(p, 4, bad, 1, 0) < 0);
	world_end(w, p);
}

/* The server makes a tick's games on the tick's thread (each costs it
 * about a millisecond) and hands them over: the presenter takes those it
 * is given, loads only the others itself, and on failure leaves the
 * caller what it did not take. */
TEST(presenter_takes_the_games_it_is_given)
{
	pw_presenter_t *p;
	struct world *w = world_new(PW_PRESENT_INSTANT, &p);
	int64_t ids[2] = {1, 2};
	cJSON *made[2] = {game_with_card(1), NULL};
	pw_present_tick_t t = {.round = 3, .game_ids = ids, .n = 2, .games = made};
	CHECK_EQ(presenter_start(p, &t), 0);
	CHECK(made[0] == NULL); /* taken */
	CHECK_EQ(w->loads, 1);  /* game 2 only */
	CHECK_EQ(w->starts, 2);
	CHECK_EQ(w->finishes, 2);
	CHECK_EQ(w->rounds, 1);

	/* Game 99 cannot be loaded: nothing is published, game 2 stays ours. */
	int64_t bad[2] = {99, 2};
	cJSON *left[2] = {NULL, game_with_card(2)};
	pw_present_tick_t t2 = {.round = 4, .game_ids = bad, .n = 2, .games = left};
	CHECK(presenter_start(p, &t2) < 0);
	CHECK(left[1] != NULL);
	CHECK_EQ(w->starts, 2);
	CHECK(!presenter_running(p));
	cJSON_Delete(left[1]);
	world_end(w, p);
}

TEST(presenter_replay_and_resume_no_dup_no_skip)
{
	pw_presenter_t *p;
	struct world *w = world_new(PW_PRESENT_REPLAY, &p);
	int64_t ids[2] = {1, 2};
	/* A real replay with a short quarter, interrupted part way. */
	w->stop_after = 13;
	CHECK_EQ(start(p, 5, ids, 2, 1), 0);
	CHECK(presenter_running(p));
	CHECK_EQ(start(p, 6, ids, 2, 1), -16 /* EBUSY */);
	uv_run(&w->loop, UV_RUN_DEFAULT); /* stops after 13 possessions */
	CHECK(w->possessions >= 13);
	CHECK_EQ(w->rounds, 0);
	presenter_close(p); /* checkpoints, like SIGTERM */
	uv_run(&w->loop, UV_RUN_NOWAIT);
	CHECK(w->state != NULL);

	/* A new process: resumes from the saved state. */
	w->stop_after = 0;
	p = world_restart(w, PW_PRESENT_REPLAY);
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
	world_end(w, p);
}

TEST(presenter_checkpoints_milestones_and_about_once_a_second)
{
	/* Each checkpoint is a database write on the loop thread: a replay
	 * takes one when a game starts or finishes, otherwise at most one a
	 * second, not one per play shown. */
	pw_presenter_t *p;
	struct world *w = world_new(PW_PRESENT_REPLAY, &p);
	int64_t ids[2] = {1, 2};
	uv_update_time(&w->loop);
	uint64_t t0 = uv_now(&w->loop);
	CHECK_EQ(start(p, 5, ids, 2, 1), 0);
	uv_run(&w->loop, UV_RUN_DEFAULT);
	uint64_t secs = (uv_now(&w->loop) - t0) / 1000 + 1;
	CHECK_EQ(w->rounds, 1);
	CHECK_EQ(w->possessions, 34);
	/* the start, 2 starts + 2 finishes, the round's end, one a second */
	CHECK_MSG(w->saves <= 6 + (int)secs, "%d checkpoints in %llu s", w->saves,
		  (unsigned long long)secs);
	CHECK(w->saves < w->possessions);
	world_end(w, p);
}

/* The trail without plays: what a viewer could learn, in order. */
static void milestones(const struct world *w, char *out, size_t len)
{
	size_t k = 0;
	for (const char *c = w->trail; *c && k + 1 < len; c++)
		if (*c != 'P')
			out[k++] = *c;
	out[k] = '\0';
}

TEST(presenter_marks_each_game_before_its_final_and_holds_what_reveals_it)
{
	pw_presenter_t *p;
	struct world *w = world_new(PW_PRESENT_INSTANT, &p);
	int64_t ids[2] = {1, 2};
	pw_present_tick_t t = {.round = 3, .game_ids = ids, .n = 2, .held = held_events()};
	CHECK_EQ(presenter_start(p, &t), 0);
	CHECK(t.held == NULL); /* taken */
	char m[64];
	milestones(w, m, sizeof m);
	/* Each game: shown, marked, its final, its game.completed; then the
	 * round's end and the round's report. */
	CHECK_STR(m, "SMFGSMFGRH");
	CHECK_EQ(w->n_marked, 2);
	CHECK_EQ(w->marked[0], 1);
	CHECK_EQ(w->marked[1], 2);
	/* A start that fails leaves the held events to the caller. */
	int64_t bad[1] = {99};
	pw_present_tick_t t2 = {.round = 4, .game_ids = bad, .n = 1, .held = held_events()};
	CHECK(presenter_start(p, &t2) < 0);
	CHECK(t2.held != NULL);
	cJSON_Delete(t2.held);
	world_end(w, p);
}

TEST(presenter_replay_holds_results_across_a_restart)
{
	pw_presenter_t *p;
	struct world *w = world_new(PW_PRESENT_REPLAY, &p);
	int64_t ids[2] = {1, 2};
	w->stop_after = 20;
	pw_present_tick_t t = {.round = 5, .game_ids = ids, .n = 2, .quarter_seconds = 1,
			       .held = held_events()};
	CHECK_EQ(presenter_start(p, &t), 0);
	CHECK(w->held != NULL); /* saved once, apart from the progress */
	uv_run(&w->loop, UV_RUN_DEFAULT);
	CHECK_EQ(w->n_marked, 0);
	char m[64];
	milestones(w, m, sizeof m);
	CHECK_STR(m, "SS");
	presenter_close(p);
	uv_run(&w->loop, UV_RUN_NOWAIT);
	w->stop_after = 0;
	p = world_restart(w, PW_PRESENT_REPLAY);
	CHECK_EQ(presenter_resume(p), 1);
	uv_run(&w->loop, UV_RUN_DEFAULT);
	milestones(w, m, sizeof m);
	/* Both games end at the same moment; each is marked before its final
	 * and its game.completed follows it; the report after the round. */
	CHECK_STR(m, "SSMFGMFGRH");
	CHECK_EQ(w->bare, 0);
	CHECK(w->held == NULL); /* removed at the end */
	CHECK(w->state == NULL);
	world_end(w, p);
}

TEST(presenter_arena_view_shows_only_what_was_played)
{
	pw_presenter_t *p;
	struct world *w = world_new(PW_PRESENT_REPLAY, &p);
	CHECK(presenter_arena_json(p, 8) == NULL); /* nothing presented */
	int64_t ids[2] = {1, 2};
	w->stop_after = 6; /* three plays of each game */
	CHECK_EQ(start(p, 5, ids, 2, 1), 0);
	uv_run(&w->loop, UV_RUN_DEFAULT);
	cJSON *a = presenter_arena_json(p, 2);
	CHECK_EQ(cJSON_GetNumberValue(cJSON_GetObjectItem(a, "round")), 5);
	const cJSON *games = cJSON_GetObjectItem(a, "games");
	CHECK_EQ(cJSON_GetArraySize(games), 2);
	const cJSON *g = cJSON_GetArrayItem(games, 0);
	int shown = (int)cJSON_GetNumberValue(cJSON_GetObjectItem(g, "plays_shown"));
	CHECK(shown >= 3 && shown < 17);
	/* The fake's home score after play n is n: never the final 10. */
	CHECK_EQ(cJSON_GetNumberValue(cJSON_GetObjectItem(g, "home_score")), shown);
	CHECK(cJSON_IsFalse(cJSON_GetObjectItem(g, "finished")));
	CHECK(cJSON_GetObjectItem(g, "winner_team_id") == NULL);
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(g, "home_team_name")), "Alpha");
	const cJSON *latest = cJSON_GetObjectItem(g, "latest");
	CHECK_EQ(cJSON_GetArraySize(latest), 2);
	CHECK_EQ(cJSON_GetNumberValue(cJSON_GetObjectItem(cJSON_GetArrayItem(latest, 0), "n")), shown);
	cJSON_Delete(a);
	cJSON *one = presenter_game_json(p, 2, 8);
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(one, "away_team_name")), "Delta");
	cJSON_Delete(one);
	CHECK(presenter_game_json(p, 7, 8) == NULL);
	world_end(w, p);
}

/* A replay fits before the next tick: the fast pace's 60 s less its gap
 * can never wait for 20 minutes of 300-second quarters. */
TEST(presenter_fits_the_replay_before_the_next_tick)
{
	CHECK_EQ(presenter_fit_quarter(300, 4, 0), 300);      /* no next tick: as configured */
	CHECK_EQ(presenter_fit_quarter(300, 4, 40000), 10);   /* fast: 40 s for 4 periods */
	CHECK_EQ(presenter_fit_quarter(300, 4, 120000), 30);  /* demo: 30-second quarters */
	CHECK_EQ(presenter_fit_quarter(20, 4, 120000), 20);   /* never lengthened */
	CHECK_EQ(presenter_fit_quarter(300, 5, 40000), 8);    /* an Elam period after Q4 */
	CHECK_EQ(presenter_fit_quarter(300, 4, 500), 1);      /* at least a second */
	/* And the presentation uses it: the fake game's 4 periods in 8 s. */
	pw_presenter_t *p;
	struct world *w = world_new(PW_PRESENT_REPLAY, &p);
	int64_t ids[1] = {1};
	pw_present_tick_t t = {.round = 1, .game_ids = ids, .n = 1, .fit_ms = 8000};
	CHECK_EQ(presenter_start(p, &t), 0);
	cJSON *st = cJSON_CreateObject();
	presenter_status(p, st);
	CHECK_EQ(cJSON_GetNumberValue(cJSON_GetObjectItem(st, "quarter_seconds")), 2);
	cJSON_Delete(st);
	/* An asked-for length is kept. */
	world_end(w, p);
}

static void stop_loop(uv_timer_t *t)
{
	uv_stop(t->loop);
}

/* Another server took the ticks over (server/live/leader.h): the
 * presentation stops where it stands, publishing and saving nothing more,
 * and the successor resumes it from the progress saved last. */
TEST(presenter_abandoned_stops_at_once_and_is_resumed_elsewhere)
{
	pw_presenter_t *p;
	struct world *w = world_new(PW_PRESENT_REPLAY, &p);
	int64_t ids[2] = {1, 2};
	w->stop_after = 7;
	CHECK_EQ(start(p, 5, ids, 2, 1), 0);
	uv_run(&w->loop, UV_RUN_DEFAULT); /* stops after 7 possessions */
	presenter_abandon(p);
	CHECK(!presenter_running(p));
	CHECK(presenter_arena_json(p, 5) == NULL);
	int shown = w->possessions, saves = w->saves;
	CHECK(w->state != NULL); /* what the successor resumes from */
	/* A second and a half later nothing more was published or saved:
	 * the replay would have shown several plays a second. */
	w->stop_after = 0;
	uv_timer_t t;
	uv_timer_init(&w->loop, &t);
	uv_timer_start(&t, stop_loop, 1500, 0);
	uv_run(&w->loop, UV_RUN_DEFAULT);
	uv_close((uv_handle_t *)&t, NULL);
	CHECK_EQ(w->possessions, shown);
	CHECK_EQ(w->saves, saves);
	CHECK_EQ(w->rounds, 0);
	/* The successor (a presenter of its own over the saved state). */
	pw_presenter_t *heir = world_restart(w, PW_PRESENT_REPLAY);
	CHECK_EQ(presenter_resume(heir), 1);
	uv_run(&w->loop, UV_RUN_DEFAULT);
	CHECK_EQ(w->rounds, 1);
	CHECK_EQ(w->finishes, 2);
	for (int g = 1; g <= 2; g++)
		for (int n = 1; n <= 17; n++)
			CHECK_MSG(w->seen[g][n] >= 1, "game %d play %d never shown", g, n);
	presenter_close(p);
	world_end(w, heir);
}
