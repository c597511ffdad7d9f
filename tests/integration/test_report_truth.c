/*
 * test_report_truth.c — the offline simulation report over a whole season
 * with two rule changes: it never uses a stock verb twice in one report,
 * every streak it tells is the team's streak over all the season's games
 * (playoffs too), it never says who leads the standings in a round of the
 * playoffs, it names the champion in the round the final ends, and it
 * credits no single rule with scoring while several changed.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/league/report.h"
#include "tests/integration/league_helpers.h"
#include "tests/test.h"


static int occurrences(const char *text, const char *word)
{
	char pat[64];
	snprintf(pat, sizeof pat, " %s ", word);
	int n = 0;
	for (const char *p = text; (p = strstr(p, pat)); p++)
		n++;
	return n;
}

/* The streak of team name over the season's games up to round. */
static int streak_of(pw_store_t *s, int64_t sid, int round, const cJSON *teams, const char *name)
{
	int64_t id = 0;
	const cJSON *t;
	cJSON_ArrayForEach(t, teams)
		if (!strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(t, "name")), name))
			id = (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(t, "id"));
	int ng = 0, st = 0;
	pw_game_row_t *g = store_games(s, sid, 0, &ng);
	for (int i = 0; i < ng; i++) {
		if (g[i].round > round || (g[i].home_team_id != id && g[i].away_team_id != id))
			continue;
		bool won = g[i].winner_team_id == id;
		st = won ? (st > 0 ? st + 1 : 1) : (st < 0 ? st - 1 : -1);
	}
	free(g);
	return st;
}

/* Checks every streak claim of text ("X have won N straight", ...). */
static void check_streaks(pw_store_t *s, int64_t sid, int round, const cJSON *teams, const char *text)
{
	static const struct {
		const char *before, *after;
	} forms[] = {
		{"", " have won "}, {"", "'s winning streak is at "}, {"", "' winning streak is at "},
		{"Nobody has caught ", " lately: "},
		{"", " have dropped "}, {"", " have lost "}, {"The skid for ", " is at "},
	};
	const cJSON *t;
	cJSON_ArrayForEach(t, teams) {
		const char *name = cJSON_GetStringValue(cJSON_GetObjectItem(t, "name"));
		for (size_t f = 0; f < sizeof forms / sizeof forms[0]; f++) {
			char pat[200];
			snprintf(pat, sizeof pat, "%s%s%s", forms[f].before, name, forms[f].after);
			const char *at = strstr(text, pat);
			if (!at)
				continue;
			int n = atoi(at + strlen(pat));
			int want = f < 4 ? n : -n;
			int got = streak_of(s, sid, round, teams, name);
			CHECK_MSG(got == want, "round %d says \"%.60s\" but the streak is %d", round, at, got);
		}
	}
}

TEST(report_simulation_is_varied_and_true_over_a_season)
{
	pw_store_t *s = lt_open("truth.db");
	pw_gov_t *g = lt_league(s, 8);
	int64_t ada = lt_join(g, "Ada", 1, NULL), bo = lt_join(g, "Bo", 2, NULL);
	int64_t p1 = lt_propose(g, ada, "three pointers worth 4");
	lt_vote(g, ada, p1, true, false);
	lt_vote(g, bo, p1, true, false);
	pw_round_cfg_t rc;
	lt_cfg(&rc, g);
	pw_round_out_t out;
	pw_err_t err = {0};
	CHECK_EQ(round_tick(&rc, &out, &err), 0);
	int64_t p2 = lt_propose(g, bo, "longer quarters");
	lt_vote(g, ada, p2, true, false);
	lt_vote(g, bo, p2, true, false);
	int64_t sid = out.season_id;
	int rounds = 0, playoff_rounds = 0, champion_named = 0, both_changes = 0;
	pw_season_row_t season;
	store_season_get(s, sid, &season);
	cJSON *teams = store_teams_json(s, season.league_id);
	for (int guard = 0; guard < 60; guard++) {
		if (guard > 0 && round_tick(&rc, &out, &err) < 0)
			break;
		if (out.round == 0 || out.games == 0) {
			if (!strcmp(out.phase, "complete"))
				break;
			continue;
		}
		rounds++;
		char *sim = lt_report_text(s, sid, out.round, "simulation");
		CHECK(sim != NULL);
		if (!sim)
			continue;
		const char *const *lists[] = {report_close_verbs, report_rout_verbs, report_win_verbs};
		for (int l = 0; l < 3; l++)
			for (int k = 0; lists[l][k]; k++)
				CHECK_MSG(occurrences(sim, lists[l][k]) <= 1, "round %d uses \"%s\" twice: %s", out.round,
					  lists[l][k], sim);
		check_streaks(s, sid, out.round, teams, sim);
		int ng = 0;
		pw_game_row_t *games = store_games(s, sid, out.round, &ng);
		bool playoff = ng > 0 && strcmp(games[0].stage, "regular") != 0;
		free(games);
		if (playoff) {
			playoff_rounds++;
			CHECK_MSG(!strstr(sim, "the standings"), "round %d of the playoffs speaks of the standings: %s",
				  out.round, sim);
		}
		champion_named += strstr(sim, "are the champions") != NULL;
		if ((strstr(sim, "changes so far") || strstr(sim, "no one change can be credited")) &&
		    strstr(sim, "Three point value to 4") &&
		    strstr(sim, "Quarter minutes to 12"))
			both_changes++;
		CHECK_MSG(!strstr(sim, "Since three_point_value"), "a raw rule name in round %d", out.round);
		free(sim);
		if (!strcmp(out.phase, "complete") || !strcmp(out.phase, "championship"))
			break;
	}
	CHECK(rounds >= 21);
	CHECK(playoff_rounds >= 2);
	CHECK_EQ(champion_named, 1);
	CHECK(both_changes >= 10);
	cJSON_Delete(teams);
	gov_close(g);
	store_close(s);
}

/* The same on PostgreSQL (docs/POSTGRES.md). */
LT_ON_POSTGRES(report_simulation_is_varied_and_true_over_a_season)
