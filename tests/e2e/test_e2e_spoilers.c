/*
 * test_e2e_spoilers.c — no spoilers through the real server: while a
 * tick's games are being replayed, no API read and no page shows a final
 * score or moves the standings, records, stats or reports; the arena's
 * state shows the games as far as they have been played; on the stream a
 * game's game.completed comes only after its presentation.game_finished,
 * and the round's announcements after presentation.round_finished; once
 * the replay ends everything shows, with the URL's id as game_id.
 */
#include "tests/test.h"

#include <cjson/cJSON.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "tests/e2e/e2e.h"

static cJSON *get(e2e_server_t *s, const char *path, long *status)
{
	return e2e_call(s, "GET", path, NULL, NULL, status);
}

static const cJSON *data(const cJSON *j)
{
	return cJSON_GetObjectItem(j, "data");
}

static int sum_wins(e2e_server_t *s)
{
	long st;
	cJSON *j = get(s, "/api/standings", &st);
	int wins = 0;
	const cJSON *r;
	cJSON_ArrayForEach(r, cJSON_GetObjectItem(data(j), "regular"))
		wins += (int)cJSON_GetNumberValue(cJSON_GetObjectItem(r, "wins"));
	cJSON_Delete(j);
	return wins;
}

static bool presenting(e2e_server_t *s)
{
	long st;
	cJSON *j = get(s, "/api/pace/status", &st);
	bool on = cJSON_IsTrue(cJSON_GetObjectItem(data(j), "presenting"));
	cJSON_Delete(j);
	return on;
}

/* The page at path, which must answer 200 and show none of the scores. */
static void page_without(e2e_server_t *s, const char *path, char scores[][32], int n)
{
	e2e_resp_t r;
	CHECK_EQ(e2e_http(s, "GET", path, NULL, NULL, &r), 0);
	CHECK_MSG(r.status == 200, "%s answered %ld", path, r.status);
	for (int i = 0; i < n; i++)
		CHECK_MSG(r.body && !strstr(r.body, scores[i]), "%s shows the final score %s", path, scores[i]);
	e2e_resp_free(&r);
}

TEST(e2e_no_spoilers_while_a_tick_is_replayed)
{
	const char *env[] = {"PINWHEEL_PRESENTATION_MODE=replay", NULL};
	e2e_server_t s;
	CHECK_EQ(e2e_start(&s, env, NULL), 0);
	int fd = e2e_connect(&s);
	const char *sub = "GET /api/events/stream?event_type=presentation.game_finished,"
			  "presentation.round_finished,game.completed,round.completed,report.generated "
			  "HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
	e2e_send(fd, sub, strlen(sub));
	free(e2e_recv(fd, ": connected\n\n", 3000, NULL));
	long st;
	cJSON_Delete(e2e_call(&s, "POST", "/api/pace/advance?quarter_seconds=6", NULL, NULL, &st));
	CHECK_EQ(st, 202);
	for (int i = 0; i < 200 && !presenting(&s); i++)
		usleep(50000);
	CHECK(presenting(&s));
	char scores[8][32];
	int64_t ids[8];
	int n = e2e_round_finals(&s, 1, scores, ids, 8);
	CHECK_EQ(n, 4);
	char path[96];

	/* The API: nothing of round 1's results. */
	cJSON *j = get(&s, "/api/games?round=1", &st);
	CHECK_EQ(st, 200);
	CHECK_EQ(cJSON_GetArraySize(data(j)), 0);
	cJSON_Delete(j);
	snprintf(path, sizeof path, "/api/games/%lld", (long long)ids[0]);
	j = get(&s, path, &st);
	CHECK_EQ(st, 409);
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "error"), "code")),
		  "game_in_progress");
	cJSON_Delete(j);
	snprintf(path, sizeof path, "/api/games/%lld/boxscore", (long long)ids[1]);
	cJSON_Delete(get(&s, path, &st));
	CHECK_EQ(st, 409);
	snprintf(path, sizeof path, "/api/games/%lld/plays", (long long)ids[2]);
	cJSON_Delete(get(&s, path, &st));
	CHECK_EQ(st, 409);
	CHECK_EQ(sum_wins(&s), 0);
	CHECK_EQ(sum_wins(&s), 0); /* and from the cache */
	j = get(&s, "/api/schedule", &st);
	const cJSON *x;
	cJSON_ArrayForEach(x, data(j))
		CHECK(!cJSON_IsNumber(cJSON_GetObjectItem(x, "game_id")));
	cJSON_Delete(j);
	j = get(&s, "/api/teams/1", &st);
	const cJSON *rec = cJSON_GetObjectItem(data(j), "record");
	CHECK_EQ(cJSON_GetNumberValue(cJSON_GetObjectItem(rec, "wins")) +
		 cJSON_GetNumberValue(cJSON_GetObjectItem(rec, "losses")), 0);
	cJSON_Delete(j);
	j = get(&s, "/api/hoopers/1", &st);
	CHECK_EQ(cJSON_GetNumberValue(cJSON_GetObjectItem(cJSON_GetObjectItem(data(j), "season_stats"), "games")), 0);
	cJSON_Delete(j);
	j = get(&s, "/api/reports/latest", &st);
	CHECK_EQ(cJSON_GetArraySize(data(j)), 0);
	cJSON_Delete(j);
	j = get(&s, "/api/seasons/current", &st);
	CHECK_EQ(cJSON_GetNumberValue(cJSON_GetObjectItem(data(j), "round")), 0);
	CHECK_EQ(cJSON_GetNumberValue(cJSON_GetObjectItem(data(j), "games_played")), 0);
	cJSON_Delete(j);
	j = get(&s, "/api/games/playoffs/bracket", &st);
	CHECK(cJSON_IsFalse(cJSON_GetObjectItem(data(j), "drawn")));
	cJSON_Delete(j);

	/* The arena's state: every game with both names, live, no winner. */
	j = get(&s, "/api/arena", &st);
	CHECK_EQ(st, 200);
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(data(j), "status")), "live");
	const cJSON *games = cJSON_GetObjectItem(data(j), "games");
	CHECK_EQ(cJSON_GetArraySize(games), 4);
	cJSON_ArrayForEach(x, games)
	{
		CHECK(cJSON_GetStringValue(cJSON_GetObjectItem(x, "home_team_name")) != NULL);
		CHECK(cJSON_GetStringValue(cJSON_GetObjectItem(x, "away_team_name")) != NULL);
		CHECK(cJSON_IsFalse(cJSON_GetObjectItem(x, "finished")));
		CHECK(cJSON_GetObjectItem(x, "winner_team_id") == NULL);
	}
	cJSON_Delete(j);

	/* The pages: no final score anywhere a visitor looks. */
	page_without(&s, "/", scores, n);
	page_without(&s, "/standings", scores, n);
	page_without(&s, "/schedule", scores, n);
	page_without(&s, "/reports", scores, n);
	page_without(&s, "/teams/1", scores, n);
	page_without(&s, "/arena", scores, n);
	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof path, "/games/%lld", (long long)ids[i]);
		page_without(&s, path, scores, n);
	}
	/* All of that was read during the replay. */
	CHECK(presenting(&s));

	/* The stream: each game.completed after its game's final, the
	 * round's announcements after the round's end. */
	char *ev = e2e_recv(fd, "event: round.completed", 120000, NULL);
	CHECK_CONTAINS(ev, "event: round.completed");
	for (int i = 0; i < n && ev; i++) {
		char fin[96], done[96];
		snprintf(fin, sizeof fin, "event: presentation.game_finished\ndata: {\"game_id\":%lld,",
			 (long long)ids[i]);
		snprintf(done, sizeof done, "event: game.completed\ndata: {\"game_id\":%lld,", (long long)ids[i]);
		const char *f = strstr(ev, fin), *d = strstr(ev, done);
		CHECK_MSG(f && d && f < d, "game %lld: game.completed before its final", (long long)ids[i]);
	}
	const char *rf = ev ? strstr(ev, "event: presentation.round_finished") : NULL;
	const char *rc = ev ? strstr(ev, "event: round.completed") : NULL;
	const char *rep = ev ? strstr(ev, "event: report.generated") : NULL;
	CHECK(rf && rc && rf < rc);
	CHECK(rf && rep && rf < rep);
	free(ev);
	close(fd);

	/* Shown: everything is there, the game's id is the URL's. */
	j = get(&s, "/api/games?round=1", &st);
	CHECK_EQ(cJSON_GetArraySize(data(j)), 4);
	cJSON_Delete(j);
	snprintf(path, sizeof path, "/api/games/%lld", (long long)ids[3]);
	j = get(&s, path, &st);
	CHECK_EQ(st, 200);
	CHECK_EQ(cJSON_GetNumberValue(cJSON_GetObjectItem(data(j), "game_id")), ids[3]);
	CHECK_EQ(cJSON_GetNumberValue(cJSON_GetObjectItem(data(j), "round")), 1);
	cJSON_Delete(j);
	CHECK_EQ(sum_wins(&s), 4);
	j = get(&s, "/api/hoopers/1", &st);
	const cJSON *ss = cJSON_GetObjectItem(data(j), "season_stats");
	CHECK_EQ(cJSON_GetNumberValue(cJSON_GetObjectItem(ss, "games")), 1);
	CHECK_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(ss, "log")), 1);
	CHECK(cJSON_IsNumber(cJSON_GetObjectItem(cJSON_GetObjectItem(ss, "per_game"), "points")));
	cJSON_Delete(j);
	e2e_resp_t r;
	snprintf(path, sizeof path, "/games/%lld", (long long)ids[0]);
	CHECK_EQ(e2e_http(&s, "GET", path, NULL, NULL, &r), 0);
	CHECK_CONTAINS(r.body, scores[0]);
	e2e_resp_free(&r);
	j = get(&s, "/api/arena", &st);
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(data(j), "status")), "manual");
	CHECK_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(data(j), "games")), 4); /* last round's results */
	cJSON_Delete(j);
	CHECK_EQ(e2e_stop(&s, SIGTERM, 20000), 0);
}

/* The viewers' connection of a server on PostgreSQL (docs/POSTGRES.md). */
E2E_ON_POSTGRES(e2e_no_spoilers_while_a_tick_is_replayed)
