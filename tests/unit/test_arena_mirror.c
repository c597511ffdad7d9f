/*
 * test_arena_mirror.c — the arena of a replay another instance presents
 * (server/live/arena_mirror.h): built from presentation.* events alone, in
 * the presenter's shape; a game first seen mid-replay; the final score
 * only once a game finished; round_finished ends it, or arena_mirror_end
 * when it never came; hostile events change nothing and crash nothing.
 */
#include "tests/test.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>

#include "server/live/arena_mirror.h"

static const char start7[] =
	"{\"game_id\":7,\"round\":3,\"home_team_id\":1,\"away_team_id\":2,\"quarter_seconds\":30,"
	"\"plays\":90,\"stage\":\"regular\",\"label\":\"Round 3\",\"home_team_name\":\"Rose\","
	"\"away_team_name\":\"Thistle\"}";

static void play(pw_arena_mirror_t *m, int game, int n, int home, int away)
{
	char j[400];
	snprintf(j, sizeof j,
		 "{\"game_id\":%d,\"n\":%d,\"quarter\":2,\"clock\":\"4:%02d\",\"offense_team_id\":1,"
		 "\"action\":\"three\",\"result\":\"made\",\"points\":3,\"home_score\":%d,\"away_score\":%d,"
		 "\"narrative\":\"Play %d\",\"home_team_id\":%d,\"away_team_id\":%d,\"round\":3,"
		 "\"home_team_name\":\"H%d\",\"away_team_name\":\"A%d\"}",
		 game, n, n % 60, home, away, n, game * 10, game * 10 + 1, game, game);
	arena_mirror_follow(m, "presentation.possession", j);
}

static double num(const cJSON *o, const char *k)
{
	return cJSON_GetNumberValue(cJSON_GetObjectItem(o, k));
}

TEST(arena_mirror_follows_another_instances_replay)
{
	pw_arena_mirror_t *m = arena_mirror_new();
	CHECK(m != NULL);
	CHECK(arena_mirror_arena_json(m, 5) == NULL); /* nothing followed */
	arena_mirror_follow(m, "presentation.game_starting", start7);
	for (int n = 1; n <= 25; n++)
		play(m, 7, n, 2 * n, n);
	/* Game 9 is first seen mid-replay, at its 40th play. */
	play(m, 9, 40, 50, 52);

	cJSON *a = arena_mirror_arena_json(m, 5);
	CHECK(a != NULL);
	CHECK_EQ(num(a, "round"), 3);
	CHECK_EQ(num(a, "quarter_seconds"), 30);
	const cJSON *games = cJSON_GetObjectItem(a, "games");
	CHECK_EQ(cJSON_GetArraySize(games), 2);
	const cJSON *g = cJSON_GetArrayItem(games, 0);
	CHECK_EQ(num(g, "game_id"), 7);
	CHECK_EQ(num(g, "home_team_id"), 1);
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(g, "home_team_name")), "Rose");
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(g, "label")), "Round 3");
	CHECK_EQ(num(g, "home_score"), 50);
	CHECK_EQ(num(g, "away_score"), 25);
	CHECK_EQ(num(g, "plays_shown"), 25);
	CHECK_EQ(num(g, "plays"), 90);
	CHECK_EQ(num(g, "quarter"), 2);
	CHECK(cJSON_IsTrue(cJSON_GetObjectItem(g, "started")));
	CHECK(cJSON_IsFalse(cJSON_GetObjectItem(g, "finished")));
	CHECK(cJSON_GetObjectItem(g, "winner_team_id") == NULL); /* no spoiler */
	CHECK(cJSON_GetObjectItem(g, "narrative") == NULL);      /* state is not card */
	const cJSON *latest = cJSON_GetObjectItem(g, "latest");
	CHECK_EQ(cJSON_GetArraySize(latest), 5);
	CHECK_EQ(num(cJSON_GetArrayItem(latest, 0), "n"), 25); /* newest first */
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetArrayItem(latest, 0), "narrative")), "Play 25");
	const cJSON *late = cJSON_GetArrayItem(games, 1);
	CHECK_EQ(num(late, "game_id"), 9);
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(late, "away_team_name")), "A9");
	CHECK_EQ(num(late, "plays_shown"), 40);
	CHECK_EQ(num(late, "away_score"), 52);
	cJSON_Delete(a);

	/* Game 7 ends: its final score and winner; game 9 still running. */
	arena_mirror_follow(m, "presentation.game_finished",
			    "{\"game_id\":7,\"home_score\":81,\"away_score\":77,\"winner_team_id\":1,"
			    "\"home_team_id\":1,\"away_team_id\":2,\"round\":3}");
	cJSON *one = arena_mirror_game_json(m, 7, 0);
	CHECK(one != NULL);
	CHECK(cJSON_IsTrue(cJSON_GetObjectItem(one, "finished")));
	CHECK_EQ(num(one, "home_score"), 81);
	CHECK_EQ(num(one, "winner_team_id"), 1);
	CHECK_EQ(num(one, "plays_shown"), 90);
	CHECK_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(one, "latest")), 0);
	cJSON_Delete(one);
	CHECK(arena_mirror_game_json(m, 8, 5) == NULL);

	/* The round ends: nothing live. */
	arena_mirror_follow(m, "presentation.round_finished", "{\"round\":3,\"game_ids\":[7,9]}");
	CHECK(arena_mirror_arena_json(m, 5) == NULL);
	CHECK(arena_mirror_game_json(m, 9, 5) == NULL);

	/* A new round starts afresh. */
	arena_mirror_follow(m, "presentation.game_starting",
			    "{\"game_id\":11,\"round\":4,\"home_team_id\":3,\"away_team_id\":4,\"plays\":80}");
	a = arena_mirror_arena_json(m, 5);
	CHECK_EQ(num(a, "round"), 4);
	CHECK_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(a, "games")), 1);
	CHECK(cJSON_IsFalse(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(a, "games"), 0), "started")));
	cJSON_Delete(a);
	arena_mirror_free(m);
}

/* Ended by hand (its presenter gone without round_finished): what that
 * event would have said, and the mirror as after it; nothing the second
 * time. */
TEST(arena_mirror_end_says_what_round_finished_would_have)
{
	pw_arena_mirror_t *m = arena_mirror_new();
	CHECK(arena_mirror_end(m) == NULL); /* nothing followed */
	arena_mirror_follow(m, "presentation.game_starting", start7);
	play(m, 9, 40, 50, 52);
	CHECK(arena_mirror_live(m));
	cJSON *end = arena_mirror_end(m);
	CHECK(end != NULL);
	CHECK_EQ(num(end, "round"), 3);
	const cJSON *ids = cJSON_GetObjectItem(end, "game_ids");
	CHECK_EQ(cJSON_GetArraySize(ids), 2);
	CHECK_EQ(cJSON_GetNumberValue(cJSON_GetArrayItem(ids, 0)), 7);
	CHECK_EQ(cJSON_GetNumberValue(cJSON_GetArrayItem(ids, 1)), 9);
	cJSON_Delete(end);
	CHECK(!arena_mirror_live(m));
	CHECK(arena_mirror_arena_json(m, 5) == NULL);
	CHECK(arena_mirror_game_json(m, 7, 5) == NULL);
	CHECK(arena_mirror_end(m) == NULL);
	CHECK(arena_mirror_end(NULL) == NULL);
	arena_mirror_free(m);
}

TEST(arena_mirror_hostile_events_change_nothing)
{
	pw_arena_mirror_t *m = arena_mirror_new();
	arena_mirror_follow(m, "presentation.possession", "not json");
	arena_mirror_follow(m, "presentation.possession", "[1,2]");
	arena_mirror_follow(m, "presentation.possession", "{\"game_id\":\"7\"}");
	arena_mirror_follow(m, "presentation.possession", "{\"game_id\":-3}");
	arena_mirror_follow(m, "presentation.game_starting", "{}");
	arena_mirror_follow(m, "vote.cast", "{\"game_id\":5}");
	arena_mirror_follow(m, NULL, "{\"game_id\":5}");
	arena_mirror_follow(NULL, "presentation.possession", "{\"game_id\":5}");
	/* Events that name no game start nothing to show. */
	CHECK(arena_mirror_arena_json(m, 5) == NULL);
	cJSON *a;
	/* Wrong types read as zero/null; more games than a round can have are
	 * not followed. */
	arena_mirror_follow(m, "presentation.possession",
			    "{\"game_id\":5,\"round\":1,\"n\":\"x\",\"home_score\":\"lots\",\"clock\":{}}");
	for (int i = 100; i < 100 + ARENA_MIRROR_GAMES + 10; i++) {
		char j[64];
		snprintf(j, sizeof j, "{\"game_id\":%d,\"round\":1}", i);
		arena_mirror_follow(m, "presentation.game_starting", j);
	}
	a = arena_mirror_arena_json(m, 5);
	CHECK(a != NULL);
	CHECK_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(a, "games")), ARENA_MIRROR_GAMES);
	const cJSON *g = cJSON_GetArrayItem(cJSON_GetObjectItem(a, "games"), 0);
	CHECK_EQ(num(g, "game_id"), 5);
	CHECK_EQ(num(g, "home_score"), 0);
	cJSON_Delete(a);
	arena_mirror_free(m);
	arena_mirror_free(NULL);
}
