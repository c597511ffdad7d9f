#include "tests/test.h"

#include <stdlib.h>

#include "core/league/schedule.h"
#include "core/league/standings.h"

static void check_rr(int n, int rrs)
{
	int64_t ids[16];
	for (int i = 0; i < n; i++)
		ids[i] = 10 + i;
	pw_fixture_t *f = NULL;
	int cnt = schedule_round_robin(ids, n, rrs, &f);
	CHECK_EQ(cnt, rrs * n * (n - 1) / 2);
	int per = schedule_rounds_per_rr(n);
	int pair[16][16] = {{0}}, home[16] = {0}, rr_home[5][16] = {{0}};
	for (int i = 0; i < cnt; i++) {
		int h = (int)f[i].home - 10, a = (int)f[i].away - 10;
		CHECK(h != a);
		pair[h < a ? h : a][h < a ? a : h]++;
		home[h]++;
		rr_home[(f[i].round - 1) / per][h]++;
		/* No team twice in one tick. */
		for (int j = 0; j < cnt; j++)
			if (j != i && f[j].round == f[i].round) {
				CHECK(f[j].home != f[i].home && f[j].home != f[i].away);
				CHECK(f[j].away != f[i].home && f[j].away != f[i].away);
			}
		CHECK(f[i].round >= 1 && f[i].round <= rrs * per);
	}
	for (int a = 0; a < n; a++)
		for (int b = a + 1; b < n; b++)
			CHECK_EQ(pair[a][b], rrs);
	for (int r = 0; r < rrs; r++)
		for (int t = 0; t < n; t++) {
			int games = n - 1, h = rr_home[r][t];
			CHECK_MSG(abs(2 * h - games) <= 1, "n=%d rr=%d team %d: %d home of %d", n, r, t, h,
				  games);
		}
	/* Over two round-robins every team is home exactly half the time. */
	if (rrs == 2)
		for (int t = 0; t < n; t++)
			CHECK_EQ(home[t], n - 1);
	free(f);
}

TEST(schedule_round_robin_properties)
{
	check_rr(8, 3);
	check_rr(8, 2);
	check_rr(4, 2);
	check_rr(6, 1);
	check_rr(16, 1);
	/* Odd leagues rest one team a tick; the rest stay as fair. */
	check_rr(5, 2);
	check_rr(7, 3);
	check_rr(9, 1);
	check_rr(15, 2);
}

TEST(schedule_eight_teams_four_games_per_tick_seven_ticks)
{
	int64_t ids[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	pw_fixture_t *f = NULL;
	int cnt = schedule_round_robin(ids, 8, 3, &f);
	CHECK_EQ(cnt, 84);
	int per_round[22] = {0};
	for (int i = 0; i < cnt; i++)
		per_round[f[i].round]++;
	for (int r = 1; r <= 21; r++)
		CHECK_EQ(per_round[r], 4);
	free(f);
}

TEST(schedule_odd_league_has_byes)
{
	int64_t ids[5] = {1, 2, 3, 4, 5};
	pw_fixture_t *f = NULL;
	int cnt = schedule_round_robin(ids, 5, 1, &f);
	CHECK_EQ(cnt, 10);
	free(f);
}

TEST(playoffs_bracket_progression_and_hosting)
{
	int64_t seeds[4] = {7, 3, 5, 1};
	pw_bracket_t b;
	CHECK_EQ(schedule_bracket(&b, seeds, 4, 4, 3, 5, NULL, 0), 0);
	CHECK_EQ(b.n_series, 3);
	CHECK_EQ(b.series[0].high, 7);
	CHECK_EQ(b.series[0].low, 1);
	CHECK_EQ(b.series[1].high, 3);
	CHECK_EQ(b.series[1].low, 5);
	pw_fixture_t fx[4];
	char ids[4][8];
	int gn[4];
	int n = schedule_playoff_next(&b, 22, fx, ids, gn, 4);
	CHECK_EQ(n, 2);
	CHECK_EQ(fx[0].home, 7); /* seed 1 hosts game 1 */
	CHECK_EQ(gn[0], 1);
	/* SF1: seed 4 wins two straight (game 2 at seed 1, game 3 would be at seed 4). */
	pw_playoff_game_t g[16] = {{"SF1", 1}, {"SF2", 3}, {"SF1", 1}, {"SF2", 5}};
	CHECK_EQ(schedule_bracket(&b, seeds, 4, 4, 3, 5, g, 4), 0);
	CHECK_EQ(b.series[0].winner, 1);
	CHECK_EQ(b.series[1].winner, 0);
	n = schedule_playoff_next(&b, 24, fx, ids, gn, 4);
	CHECK_EQ(n, 1);
	CHECK_STR(ids[0], "SF2");
	CHECK_EQ(gn[0], 3);
	CHECK_EQ(fx[0].home, 5); /* the lower seed hosts game 3 */
	g[4] = (pw_playoff_game_t){"SF2", 5};
	CHECK_EQ(schedule_bracket(&b, seeds, 4, 4, 3, 5, g, 5), 0);
	CHECK_EQ(b.series[2].high, 5); /* seed 3 beats seed 4 for home court */
	CHECK_EQ(b.series[2].low, 1);
	n = schedule_playoff_next(&b, 25, fx, ids, gn, 4);
	CHECK_EQ(n, 1);
	CHECK_STR(ids[0], "F");
	for (int i = 0; i < 3; i++)
		g[5 + i] = (pw_playoff_game_t){"F", 1};
	CHECK_EQ(schedule_bracket(&b, seeds, 4, 4, 3, 5, g, 8), 0);
	CHECK_EQ(b.champion, 1);
	CHECK_EQ(schedule_playoff_next(&b, 28, fx, ids, gn, 4), 0);
	/* A game for a decided series is an error. */
	g[8] = (pw_playoff_game_t){"F", 1};
	CHECK_EQ(schedule_bracket(&b, seeds, 4, 4, 3, 5, g, 9), -1);
	CHECK(schedule_high_hosts(1) && schedule_high_hosts(2) && !schedule_high_hosts(3) &&
	      !schedule_high_hosts(4) && schedule_high_hosts(5) && !schedule_high_hosts(6) && schedule_high_hosts(7));
}

TEST(playoffs_eight_and_two_team_brackets)
{
	int64_t seeds[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	pw_bracket_t b;
	CHECK_EQ(schedule_bracket(&b, seeds, 8, 8, 1, 1, NULL, 0), 0);
	CHECK_EQ(b.n_series, 7);
	CHECK_EQ(b.series[1].high, 4);
	CHECK_EQ(b.series[1].low, 5);
	pw_playoff_game_t g[] = {{"QF1", 1}, {"QF2", 5}, {"QF3", 7}, {"QF4", 3},
				 {"SF1", 5}, {"SF2", 3}, {"F", 3}};
	CHECK_EQ(schedule_bracket(&b, seeds, 8, 8, 1, 1, g, 7), 0);
	CHECK_EQ(b.series[4].high, 1);
	CHECK_EQ(b.series[4].low, 5);
	CHECK_EQ(b.champion, 3);
	CHECK_EQ(schedule_bracket(&b, seeds, 8, 2, 3, 3, NULL, 0), 0);
	CHECK_EQ(b.n_series, 1);
	CHECK_EQ(schedule_bracket_size(6, 8), 4);
	CHECK_EQ(schedule_bracket_size(3, 8), 2);
}

TEST(standings_tiebreakers)
{
	int64_t ids[4] = {1, 2, 3, 4};
	/* 1,2,3 all 2-1 after a three-way cycle plus wins over 4; 1 beat 2 once more. */
	pw_stand_game_t g[] = {
		{1, 2, 60, 50}, {2, 3, 60, 50}, {3, 1, 60, 50}, /* cycle: h2h 1-1 each */
		{1, 4, 70, 40}, {2, 4, 55, 54}, {3, 4, 65, 50},
	};
	pw_standing_t s[4];
	CHECK_EQ(stand_compute(ids, 4, g, 6, s), 0);
	/* All tied at 2-1 and 1-1 head to head: point differential decides:
	 * 1: +10-10+30 = +30, 2: -10+10+1 = +1, 3: -10+10+15 = +15. */
	CHECK_EQ(s[0].team_id, 1);
	CHECK_EQ(s[1].team_id, 3);
	CHECK_EQ(s[2].team_id, 2);
	CHECK_EQ(s[3].team_id, 4);
	CHECK_STR(s[0].tiebreak, "point_differential");
	CHECK_EQ(s[3].streak, -3);
	CHECK_EQ(s[0].wins, 2);

	/* Head-to-head first: 5 and 6 both 1-1, 6 beat 5. */
	int64_t ids2[3] = {5, 6, 7};
	pw_stand_game_t g2[] = {{6, 5, 50, 49}, {5, 7, 90, 40}, {7, 6, 60, 50}};
	CHECK_EQ(stand_compute(ids2, 3, g2, 3, s), 0);
	/* all 1-1: three-way tie, h2h each 1: differential: 5: -1+50 = 49, 6: +1-10, 7: -50+10 */
	CHECK_EQ(s[0].team_id, 5);
	pw_stand_game_t g3[] = {{6, 5, 50, 49}, {5, 7, 90, 40}, {6, 7, 40, 60}, {5, 7, 40, 60}};
	/* 5: 1-2, 6: 1-1, 7: 2-1 → by record. */
	CHECK_EQ(stand_compute(ids2, 3, g3, 4, s), 0);
	CHECK_EQ(s[0].team_id, 7);
	CHECK_EQ(s[1].team_id, 6);
	pw_stand_game_t g4[] = {{6, 5, 50, 49}, {5, 7, 90, 40}, {7, 6, 20, 60}, {5, 6, 70, 20},
				{7, 5, 60, 10}, {6, 7, 10, 20}};
	/* 5: W(7) W(6) L(6) L(7) = 2-2; 6: W W L L = 2-2; 7: 2-2: pure cycle. */
	CHECK_EQ(stand_compute(ids2, 3, g4, 6, s), 0);
	CHECK_EQ(s[0].wins, 2);
	CHECK_EQ(s[1].wins, 2);
	/* differential: 5: -1+50+50-50 = 49; 6: 1+40-50-10 = -19; 7: -50-40+50+10 = -30 */
	CHECK_EQ(s[0].team_id, 5);
	CHECK_EQ(s[2].team_id, 7);
	/* Two-team tie separated by head to head even with worse differential. */
	int64_t ids3[4] = {1, 2, 3, 4};
	pw_stand_game_t g5[] = {{1, 2, 51, 50}, {2, 3, 90, 30}, {3, 1, 52, 50}, {4, 1, 50, 40},
				{2, 4, 60, 50}, {3, 4, 40, 60}};
	/* 1: W(2) L(3) L(4) = 1-2; 2: L W W = 2-1; 3: W(1) L(2) L(4) = 1-2; 4: W(1) L(2) W(3) = 2-1 */
	CHECK_EQ(stand_compute(ids3, 4, g5, 6, s), 0);
	/* 2 vs 4 tied 2-1, 2 beat 4 → 2 first despite 4's... */
	CHECK_EQ(s[0].team_id, 2);
	CHECK_STR(s[0].tiebreak, "head_to_head");
	CHECK_EQ(s[1].team_id, 4);
	/* 1 vs 3 tied 1-2, 3 beat 1 → 3 ahead. */
	CHECK_EQ(s[2].team_id, 3);
}
