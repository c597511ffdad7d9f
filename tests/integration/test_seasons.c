/*
 * test_seasons.c — seasons under real play: a playoff format passed during
 * the playoffs, best-of values, past seasons, the season's end.
 */
#include "tests/test.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/integration/league_helpers.h"

/* A league of n teams (the stand-in sim) with one governor per team (ids
 * into gids) and a runner config for it. */
static pw_gov_t *league_governed(pw_store_t *s, int n, int64_t *gids, pw_round_cfg_t *c)
{
	pw_gov_t *g = lt_league(s, n);
	for (int i = 0; i < n; i++) {
		char name[32];
		snprintf(name, sizeof name, "G%d", i + 1);
		gids[i] = lt_join(g, name, i + 1, NULL);
	}
	lt_cfg(c, g);
	return g;
}

/* Proposes text as gids[0], everybody votes yes; the proposal id. */
static int64_t pass_soon(pw_gov_t *g, const int64_t *gids, int n, const char *text)
{
	int64_t pid = lt_propose(g, gids[0], text);
	pw_err_t e;
	for (int i = 0; pid && i < n; i++)
		CHECK_MSG(gov_vote(g, gids[i], pid, true, false, NULL, &e) == 0, "vote: %s", e.msg);
	return pid;
}

/* Ticks until the season's bracket has a series `series` with at least
 * `games` games played (or the season ends); 0 when reached. */
static int tick_until_series(pw_round_cfg_t *c, const char *series, int games)
{
	for (int t = 0; t < 200; t++) {
		pw_round_out_t out;
		pw_err_t e = {0};
		if (round_tick(c, &out, &e) < 0) {
			test_fail(__FILE__, __LINE__, "tick: %s", e.msg);
			return -1;
		}
		if (!strcmp(out.phase, "complete"))
			return -1;
		cJSON *br = lt_bracket_json(c->gov, out.season_id);
		const cJSON *s;
		int have = -1;
		cJSON_ArrayForEach(s, cJSON_GetObjectItem(br, "series"))
			if (!strcmp(cJSON_GetObjectItem(s, "id")->valuestring, series))
				have = cJSON_GetArraySize(cJSON_GetObjectItem(s, "games"));
		cJSON_Delete(br);
		if (have >= games)
			return 0;
	}
	return -1;
}

static const cJSON *series_of(const cJSON *br, const char *id)
{
	const cJSON *s;
	cJSON_ArrayForEach(s, cJSON_GetObjectItem(br, "series"))
		if (!strcmp(cJSON_GetObjectItem(s, "id")->valuestring, id))
			return s;
	return NULL;
}

static int wins_of(const cJSON *series, const char *side)
{
	return cJSON_GetObjectItem(cJSON_GetObjectItem(series, side), "wins")->valueint;
}

TEST(seasons_playoff_teams_passed_during_the_playoffs_waits_for_next_season)
{
	pw_store_t *s = lt_open("po.db");
	int64_t gids[8];
	pw_round_cfg_t c;
	pw_gov_t *g = league_governed(s, 8, gids, &c);
	/* The semifinals have begun: the bracket is drawn with 4 teams. */
	CHECK_EQ(tick_until_series(&c, "SF1", 1), 0);
	pw_season_row_t r1;
	CHECK_EQ(season_current(s, &r1), 1);
	char *drawn = lt_brackets(g);
	pass_soon(g, gids, 8, "playoff teams 8");
	/* The league never freezes: the season finishes with its drawn
	 * bracket, whatever passed since. */
	lt_run_season(&c);
	CHECK_EQ(season_current(s, &r1), 1);
	CHECK_STR(r1.phase, "complete");
	pw_rules_t now;
	gov_rules(g, &now);
	CHECK_EQ(now.playoff_teams, 8);
	char *after = lt_brackets(g);
	char why[256] = "";
	CHECK_MSG(lt_brackets_kept(drawn, after, why, sizeof why), "%s", why);
	cJSON *br = lt_bracket_json(g, r1.id);
	CHECK_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(br, "series")), 3);
	CHECK(cJSON_IsObject(cJSON_GetObjectItem(br, "champion")));
	char *champ1 = cJSON_PrintUnformatted(cJSON_GetObjectItem(br, "champion"));
	cJSON_Delete(br);
	/* The change applies to the next season's bracket. */
	pw_err_t e;
	int64_t sid2;
	CHECK_EQ(season_create(g, NULL, true, NULL, 0, &sid2, &e), 0);
	lt_run_season(&c);
	br = lt_bracket_json(g, sid2);
	CHECK_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(br, "series")), 7);
	CHECK(series_of(br, "QF1") != NULL);
	cJSON_Delete(br);
	/* A past season reads as it was played. */
	br = lt_bracket_json(g, r1.id);
	CHECK_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(br, "series")), 3);
	char *champ1_again = cJSON_PrintUnformatted(cJSON_GetObjectItem(br, "champion"));
	CHECK_STR(champ1_again, champ1);
	cJSON_Delete(br);
	char *after2 = lt_brackets(g);
	CHECK_MSG(lt_brackets_kept(after, after2, why, sizeof why), "%s", why);
	free(champ1);
	free(champ1_again);
	free(drawn);
	free(after);
	free(after2);
	gov_close(g);
	store_close(s);
}

TEST(seasons_finals_best_of_passed_mid_final_keeps_the_drawn_length)
{
	pw_store_t *s = lt_open("bo.db");
	int64_t gids[8];
	pw_round_cfg_t c;
	pw_gov_t *g = league_governed(s, 8, gids, &c);
	CHECK_EQ(tick_until_series(&c, "F", 1), 0);
	pw_season_row_t r1;
	CHECK_EQ(season_current(s, &r1), 1);
	pass_soon(g, gids, 8, "set playoff finals best of to 7");
	lt_run_season(&c);
	pw_rules_t now;
	gov_rules(g, &now);
	CHECK_EQ(now.playoff_finals_best_of, 7);
	/* The final was drawn as best of 5: its winner stopped at 3 wins. */
	cJSON *br = lt_bracket_json(g, r1.id);
	const cJSON *f = series_of(br, "F");
	CHECK(f != NULL);
	CHECK_EQ(cJSON_GetObjectItem(f, "best_of")->valueint, 5);
	int hw = wins_of(f, "high"), lw = wins_of(f, "low");
	CHECK_EQ(hw > lw ? hw : lw, 3);
	CHECK(hw < 3 || lw < 3);
	cJSON_Delete(br);
	gov_close(g);
	store_close(s);
}
