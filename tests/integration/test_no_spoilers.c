/*
 * test_no_spoilers.c — the viewers' connection (store_open_viewer): while a
 * tick's games are unpresented, everything the public reads looks exactly
 * as it did before the tick (standings, schedule, games, bracket, team
 * records, box scores, reports, the archive, the season's round and
 * phase), through a whole season — the last regular round (the bracket
 * drawn from it), the final (the champion), the archive written with it;
 * once the games are marked presented it looks exactly like the league.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/integration/league_helpers.h"
#include "tests/test.h"

/* Everything a public read shows of season sid through store s, as text. */
static char *public_snapshot(pw_store_t *s, int64_t sid)
{
	cJSON *o = cJSON_CreateObject();
	pw_season_row_t cur;
	if (season_current(s, &cur) == 1) {
		cJSON_AddNumberToObject(o, "current", (double)cur.id);
		cJSON_AddStringToObject(o, "phase", cur.phase);
		cJSON_AddNumberToObject(o, "round", cur.current_round);
	}
	/* A playoff tick adds its games to the schedule as it starts: who
	 * plays now is no spoiler (the arena shows it), so the schedule is
	 * compared by its results and the bracket without "started". */
	cJSON *st = season_standings_json(s, sid);
	cJSON_DeleteItemFromObject(cJSON_GetObjectItem(st, "playoffs"), "started");
	cJSON_AddItemToObject(o, "standings", st);
	cJSON *sched = store_schedule_json(s, sid), *played = cJSON_AddArrayToObject(o, "schedule"), *x;
	cJSON_ArrayForEach(x, sched)
		if (cJSON_IsNumber(cJSON_GetObjectItem(x, "game_id")))
			cJSON_AddItemToArray(played, cJSON_Duplicate(x, 1));
	cJSON_Delete(sched);
	cJSON_AddItemToObject(o, "games", season_games_json(s, sid, 0));
	cJSON *br = season_bracket_json(s, sid);
	cJSON_DeleteItemFromObject(br, "started");
	cJSON_AddItemToObject(o, "bracket", br);
	cJSON_AddItemToObject(o, "box", store_season_box_json(s, sid));
	cJSON_AddItemToObject(o, "reports", store_reports_json(s, sid, -1, 0, false));
	cJSON *teams = cJSON_AddArrayToObject(o, "teams");
	int64_t ids[16];
	int n = store_season_team_ids(s, sid, ids, 16);
	for (int i = 0; i < n; i++)
		cJSON_AddItemToArray(teams, season_team_json(s, sid, ids[i]));
	char *archive = store_archive_get(s, sid);
	cJSON_AddStringToObject(o, "archive", archive ? archive : "none");
	free(archive);
	pw_bracket_format_t f;
	cJSON_AddNumberToObject(o, "drawn", season_bracket_format(s, sid, &f, NULL));
	char *text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return text;
}

TEST(viewer_sees_no_unpresented_tick_through_a_whole_season)
{
	pw_store_t *s = lt_open("spoilers.db");
	pw_gov_t *g = lt_league(s, 4);
	pw_store_t *v = lt_viewer("spoilers.db");
	pw_round_cfg_t rc;
	lt_cfg(&rc, g);
	pw_round_out_t out;
	pw_err_t err = {0};
	/* Round 1 unheld: the season leaves "setup", which a viewer of the
	 * first tick sees as "active" (the phase its games are played in). */
	CHECK_EQ(round_tick(&rc, &out, &err), 0);
	int64_t sid = out.season_id;
	rc.hold_results = true;
	int held_ticks = 0, champion_hidden = 0, bracket_hidden = 0, archive_hidden = 0;
	for (int guard = 0; guard < 80; guard++) {
		pw_season_row_t cur;
		CHECK_EQ(season_current(s, &cur), 1);
		if (!strcmp(cur.phase, "complete"))
			break;
		char *before = public_snapshot(v, sid);
		CHECK_EQ(round_tick(&rc, &out, &err), 0);
		int n = 0;
		pw_game_row_t *un = store_games_unpresented(s, &n);
		CHECK_EQ(n, out.games);
		char *during = public_snapshot(v, sid);
		/* A tick without games (the offseason's) holds nothing back. */
		CHECK_MSG(n == 0 || !strcmp(before, during), "round %d shows through the viewers' connection", out.round);
		char *full = public_snapshot(s, sid);
		if (n > 0) {
			held_ticks++;
			CHECK_MSG(strcmp(full, during) != 0, "round %d changed nothing", out.round);
			cJSON *fj = cJSON_Parse(full), *dj = cJSON_Parse(during);
			const cJSON *fb = cJSON_GetObjectItem(fj, "bracket"), *db = cJSON_GetObjectItem(dj, "bracket");
			champion_hidden += cJSON_IsObject(cJSON_GetObjectItem(fb, "champion")) &&
					   !cJSON_IsObject(cJSON_GetObjectItem(db, "champion"));
			bracket_hidden += cJSON_IsTrue(cJSON_GetObjectItem(fb, "drawn")) &&
					  !cJSON_IsTrue(cJSON_GetObjectItem(db, "drawn"));
			archive_hidden += strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(fj, "archive")), "none") &&
					  !strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(dj, "archive")), "none");
			cJSON_Delete(fj);
			cJSON_Delete(dj);
		}
		/* The presenter's mark, game by game: a half-presented round
		 * shows the games presented and nothing of the round's reports. */
		for (int i = 0; i < n; i++) {
			CHECK(un[i].unpresented);
			CHECK_EQ(store_game_set_presented(s, un[i].id), 0);
			if (i == 0 && n > 1) {
				cJSON *games = season_games_json(v, sid, out.round);
				CHECK_EQ(cJSON_GetArraySize(games), 1);
				cJSON_Delete(games);
				cJSON *rep = store_reports_json(v, sid, out.round, 0, false);
				CHECK_EQ(cJSON_GetArraySize(rep), 0);
				cJSON_Delete(rep);
			}
		}
		free(un);
		char *after = public_snapshot(v, sid);
		CHECK_MSG(!strcmp(after, full), "round %d presented differs from the league", out.round);
		free(before);
		free(during);
		free(full);
		free(after);
	}
	CHECK(held_ticks >= 10);
	CHECK_EQ(champion_hidden, 1);
	CHECK_EQ(bracket_hidden, 1);
	/* The archive is written by the offseason's tick, after the final is
	 * shown (the next tick waits for the replay); the view of it matters
	 * when the admin starts a new season during the final's replay. */
	CHECK_EQ(archive_hidden, 0);
	/* Nothing is written through the viewers' connection. */
	CHECK(store_kv_set(v, "x", "y") < 0);
	store_close(v);
	gov_close(g);
	store_close(s);
}

/* Games stored by an unheld tick (headless seasons, older databases) are
 * presented at once; the mark survives reopening the database. */
TEST(presented_mark_is_stored_with_the_game)
{
	pw_store_t *s = lt_open("mark.db");
	pw_gov_t *g = lt_league(s, 4);
	pw_round_cfg_t rc;
	lt_cfg(&rc, g);
	pw_round_out_t out;
	pw_err_t err = {0};
	CHECK_EQ(round_tick(&rc, &out, &err), 0);
	int n = 5;
	CHECK(store_games_unpresented(s, &n) == NULL);
	CHECK_EQ(n, 0);
	rc.hold_results = true;
	CHECK_EQ(round_tick(&rc, &out, &err), 0);
	pw_game_row_t *un = store_games_unpresented(s, &n);
	CHECK_EQ(n, 2);
	CHECK(un && un[0].round == 2 && un[1].round == 2);
	CHECK_EQ(store_game_set_presented(s, un[0].id), 0);
	gov_close(g);
	store_close(s);
	pw_store_t *v = lt_viewer("mark.db");
	pw_game_row_t row;
	CHECK_EQ(store_game_get(v, un[0].id, &row), 1);
	CHECK(!row.unpresented);
	CHECK_EQ(store_game_get(v, un[1].id, &row), 0);
	char *snap = NULL;
	CHECK_EQ(store_game_snapshots(v, un[1].id, NULL, NULL, NULL, NULL, &snap), 0);
	CHECK(snap == NULL);
	free(un);
	store_close(v);
}

/* The admin may start the next season while the final is still being
 * replayed: the old season is archived then, and the archive (champion,
 * awards) stays hidden from viewers until the final has been shown. */
TEST(viewer_hides_an_archive_written_during_the_final_replay)
{
	pw_store_t *s = lt_open("archive.db");
	pw_gov_t *g = lt_league(s, 4);
	pw_store_t *v = lt_viewer("archive.db");
	pw_round_cfg_t rc;
	lt_cfg(&rc, g);
	rc.hold_results = true;
	pw_round_out_t out;
	pw_err_t err = {0};
	int64_t sid = 0;
	pw_game_row_t *un = NULL;
	int n = 0;
	for (int guard = 0; guard < 60; guard++) {
		CHECK_EQ(round_tick(&rc, &out, &err), 0);
		sid = out.season_id;
		free(un);
		un = store_games_unpresented(s, &n);
		if (strcmp(out.phase, "active") && strcmp(out.phase, "playoffs"))
			break; /* the final was played: leave it unpresented */
		for (int i = 0; i < n; i++)
			store_game_set_presented(s, un[i].id);
	}
	CHECK(n > 0);
	int64_t next = 0;
	CHECK_EQ(season_create(g, NULL, true, NULL, 0, &next, &err), 0);
	char *a = store_archive_get(s, sid);
	CHECK(a != NULL);
	free(a);
	a = store_archive_get(v, sid);
	CHECK(a == NULL);
	free(a);
	for (int i = 0; i < n; i++)
		CHECK_EQ(store_game_set_presented(s, un[i].id), 0);
	a = store_archive_get(v, sid);
	CHECK(a != NULL);
	free(a);
	free(un);
	store_close(v);
	gov_close(g);
	store_close(s);
}

/* Every test above again on PostgreSQL (docs/POSTGRES.md). */
LT_ON_POSTGRES(viewer_sees_no_unpresented_tick_through_a_whole_season)
LT_ON_POSTGRES(presented_mark_is_stored_with_the_game)
LT_ON_POSTGRES(viewer_hides_an_archive_written_during_the_final_replay)
