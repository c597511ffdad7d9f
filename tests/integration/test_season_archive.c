/*
 * test_season_archive.c — the archive a completed season leaves
 * (season_archive_build): its exact bytes for a fixed league, so a
 * refactor that changes a figure fails, and the figures checked against
 * the store they come from, so a wrong figure fails even where the pinned
 * bytes are updated on purpose.
 */
#include "tests/test.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/sim/sha256.h"
#include "tests/integration/league_helpers.h"

/* A season of 6 teams (the stand-in sim) in which governor A's proposal
 * passed, played to the end; returns the stored archive (caller frees). */
static char *played_season(pw_store_t *s, pw_gov_t *g, int64_t *season_id, int64_t *proposal)
{
	int64_t a = lt_join(g, "A", 1, NULL), b = lt_join(g, "B", 2, NULL);
	*proposal = lt_propose(g, a, "three pointers worth 4");
	pw_err_t e;
	CHECK_EQ(gov_vote(g, a, *proposal, true, false, NULL, &e), 0);
	CHECK_EQ(gov_vote(g, b, *proposal, true, false, NULL, &e), 0);
	pw_round_cfg_t c;
	lt_cfg(&c, g);
	CHECK(lt_run_season(&c) > 0);
	pw_season_row_t r;
	CHECK_EQ(season_current(s, &r), 1);
	CHECK_STR(r.phase, "complete");
	*season_id = r.id;
	return store_archive_get(s, r.id);
}

static double num(const cJSON *o, const char *k)
{
	const cJSON *x = cJSON_GetObjectItem(o, k);
	return cJSON_IsNumber(x) ? x->valuedouble : NAN;
}

/* Per-game averages of one box-score stat, per hooper, from the store. */
typedef struct avg {
	int64_t hooper;
	double total, games;
} avg_t;

static int averages(pw_store_t *s, int64_t sid, const char *stat, avg_t *out, int max)
{
	cJSON *box = store_season_box_json(s, sid);
	int n = 0;
	const cJSON *row;
	cJSON_ArrayForEach(row, box) {
		int64_t id = (int64_t)num(row, "hooper_id");
		int i = 0;
		while (i < n && out[i].hooper != id)
			i++;
		if (i == n) {
			if (n == max)
				continue;
			out[n++] = (avg_t){id, 0, 0};
		}
		out[i].total += num(row, stat);
		out[i].games++;
	}
	cJSON_Delete(box);
	return n;
}

TEST(season_archive_keeps_its_bytes)
{
	pw_store_t *s = lt_open("a.db");
	pw_gov_t *g = lt_league(s, 6);
	int64_t sid, prop;
	char *arch = played_season(s, g, &sid, &prop);
	CHECK(arch != NULL);
	char hex[65] = "";
	if (arch)
		sha256_hex(arch, strlen(arch), hex);
	/* Updated on purpose once: the bracket now records how it was drawn
	 * ("drawn" and "format" under "playoffs"); nothing else moved. */
	CHECK_STR(hex, "c51309dfed2dfd7e36cbb2345081debb184593299190cb2eb8119a80659a03f1");
	free(arch);
	gov_close(g);
	store_close(s);
}

TEST(season_archive_figures_come_from_the_season)
{
	pw_store_t *s = lt_open("a.db");
	pw_gov_t *g = lt_league(s, 6);
	int64_t sid, prop;
	char *arch = played_season(s, g, &sid, &prop);
	cJSON *aj = arch ? cJSON_Parse(arch) : NULL;
	CHECK(aj != NULL);
	if (!aj) {
		free(arch);
		gov_close(g);
		store_close(s);
		return;
	}

	/* The rule timeline holds the passed proposal's change. */
	const cJSON *tl = cJSON_GetObjectItem(aj, "rule_timeline");
	CHECK_EQ(cJSON_GetArraySize(tl), 1);
	const cJSON *ch = cJSON_GetArrayItem(tl, 0);
	CHECK_STR(cJSON_GetObjectItem(ch, "kind")->valuestring, "parameter");
	CHECK_STR(cJSON_GetObjectItem(ch, "name")->valuestring, "three_point_value");
	CHECK_EQ(num(ch, "old"), 3);
	CHECK_EQ(num(ch, "new"), 4);
	CHECK_EQ((int64_t)num(ch, "proposal_id"), prop);

	/* Awards: the MVP has the best points per game, the defensive award
	 * the best steals per game; the rule architect passed all they
	 * proposed; nobody traded. */
	avg_t pts[64], stl[64];
	int np = averages(s, sid, "points", pts, 64), ns = averages(s, sid, "steals", stl, 64);
	CHECK(np == 6 * PW_ROSTER_SIZE && ns == np);
	double best_pts = 0, best_stl = 0;
	for (int i = 0; i < np; i++)
		best_pts = fmax(best_pts, pts[i].total / pts[i].games);
	for (int i = 0; i < ns; i++)
		best_stl = fmax(best_stl, stl[i].total / stl[i].games);
	const cJSON *aw = cJSON_GetObjectItem(aj, "awards");
	CHECK_NEAR(num(cJSON_GetObjectItem(aw, "mvp"), "points_per_game"), best_pts, 0.0005);
	CHECK_NEAR(num(cJSON_GetObjectItem(aw, "defensive"), "steals_per_game"), best_stl, 0.0005);
	CHECK(cJSON_IsString(cJSON_GetObjectItem(cJSON_GetObjectItem(aw, "mvp"), "name")));
	const cJSON *arch_aw = cJSON_GetObjectItem(aw, "rule_architect");
	CHECK_STR(cJSON_GetObjectItem(arch_aw, "name")->valuestring, "A");
	CHECK_EQ(num(arch_aw, "pass_rate"), 1);
	CHECK_EQ(num(cJSON_GetObjectItem(aw, "most_active_governor"), "proposals_and_votes"), 2);
	CHECK(cJSON_IsNull(cJSON_GetObjectItem(cJSON_GetObjectItem(aw, "coalition_builder"), "governor_id")));

	/* Leaders: five per stat, best first, the first one the best. */
	const cJSON *pl = cJSON_GetObjectItem(cJSON_GetObjectItem(aj, "leaders"), "points");
	CHECK_EQ(cJSON_GetArraySize(pl), 5);
	CHECK_NEAR(num(cJSON_GetArrayItem(pl, 0), "per_game"), best_pts, 0.005);
	for (int i = 1; i < cJSON_GetArraySize(pl); i++)
		CHECK(num(cJSON_GetArrayItem(pl, i - 1), "per_game") >= num(cJSON_GetArrayItem(pl, i), "per_game"));

	/* Key games: the closest are no wider than the blowouts; every
	 * playoff game is listed. */
	int ng = 0;
	pw_game_row_t *games = store_games(s, sid, 0, &ng);
	const cJSON *kg = cJSON_GetObjectItem(aj, "key_games");
	const cJSON *cl = cJSON_GetObjectItem(kg, "closest"), *bl = cJSON_GetObjectItem(kg, "blowouts");
	CHECK_EQ(cJSON_GetArraySize(cl), 3);
	CHECK_EQ(cJSON_GetArraySize(bl), 3);
	CHECK(num(cJSON_GetArrayItem(cl, 2), "margin") <= num(cJSON_GetArrayItem(bl, 2), "margin"));
	int playoff = 0, min_margin = 1000, max_margin = 0;
	for (int i = 0; i < ng; i++) {
		int m = abs(games[i].home_score - games[i].away_score);
		min_margin = m < min_margin ? m : min_margin;
		max_margin = m > max_margin ? m : max_margin;
		playoff += !strcmp(games[i].stage, "playoff");
	}
	CHECK(playoff > 0);
	CHECK_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(kg, "playoffs")), playoff);
	CHECK_EQ(num(cJSON_GetArrayItem(cl, 0), "margin"), min_margin);
	CHECK_EQ(num(cJSON_GetArrayItem(bl, 0), "margin"), max_margin);

	/* Head to head: every pair once, its wins adding up to its games. */
	const cJSON *h2h = cJSON_GetObjectItem(aj, "head_to_head");
	CHECK_EQ(cJSON_GetArraySize(h2h), 6 * 5 / 2);
	const cJSON *x;
	cJSON_ArrayForEach(x, h2h) {
		int64_t ta = (int64_t)num(x, "team_a"), tb = (int64_t)num(x, "team_b");
		int met = 0, a_wins = 0;
		for (int i = 0; i < ng; i++)
			if ((games[i].home_team_id == ta && games[i].away_team_id == tb) ||
			    (games[i].home_team_id == tb && games[i].away_team_id == ta)) {
				met++;
				a_wins += games[i].winner_team_id == ta;
			}
		CHECK(ta < tb);
		CHECK(met > 0);
		CHECK_EQ(num(x, "a_wins"), a_wins);
		CHECK_EQ(num(x, "b_wins"), met - a_wins);
	}
	free(games);
	cJSON_Delete(aj);
	free(arch);
	gov_close(g);
	store_close(s);
}

TEST(season_archive_of_a_season_without_games_has_empty_awards)
{
	pw_store_t *s = lt_open("a.db");
	pw_gov_t *g = lt_league(s, 4);
	pw_season_row_t r;
	CHECK_EQ(season_current(s, &r), 1);
	cJSON *aj = season_archive_build(g, r.id);
	CHECK(aj != NULL);
	const cJSON *aw = cJSON_GetObjectItem(aj, "awards");
	static const char *const keys[] = {"mvp", "defensive", "most_efficient"};
	for (int i = 0; i < 3; i++)
		CHECK(cJSON_IsNull(cJSON_GetObjectItem(cJSON_GetObjectItem(aw, keys[i]), "hooper_id")));
	CHECK(cJSON_IsNull(cJSON_GetObjectItem(cJSON_GetObjectItem(aw, "rule_architect"), "governor_id")));
	CHECK_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(aj, "rule_timeline")), 0);
	CHECK_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(cJSON_GetObjectItem(aj, "leaders"), "points")), 0);
	const cJSON *kg = cJSON_GetObjectItem(aj, "key_games");
	CHECK_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(kg, "playoffs")), 0);
	CHECK(cJSON_GetObjectItem(kg, "closest") == NULL);
	const cJSON *h2h = cJSON_GetObjectItem(aj, "head_to_head");
	CHECK_EQ(cJSON_GetArraySize(h2h), 4 * 3 / 2);
	CHECK_EQ(num(cJSON_GetArrayItem(h2h, 0), "a_wins") + num(cJSON_GetArrayItem(h2h, 0), "b_wins"), 0);
	CHECK(season_archive_build(g, r.id + 100) == NULL);
	cJSON_Delete(aj);
	gov_close(g);
	store_close(s);
}

/* Every test above again on PostgreSQL (docs/POSTGRES.md). */
LT_ON_POSTGRES(season_archive_keeps_its_bytes)
LT_ON_POSTGRES(season_archive_figures_come_from_the_season)
LT_ON_POSTGRES(season_archive_of_a_season_without_games_has_empty_awards)
