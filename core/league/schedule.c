/*
 * schedule.c — circle-method round-robins and the playoff bracket.
 */
#include "core/league/schedule.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int schedule_rounds_per_rr(int n)
{
	return n % 2 ? n : n - 1;
}

int schedule_round_robin(const int64_t *ids, int n, int round_robins, pw_fixture_t **out)
{
	*out = NULL;
	if (n < 2 || n > 64 || round_robins < 1)
		return -1;
	/* An odd league gets a bye slot (id 0) in the fixed position:
	 * whoever meets it rests. Fixed, so that every team rotates through
	 * every other position once per round-robin, resting exactly once,
	 * and is home exactly as often as away (a rotating bye rested teams
	 * unevenly: one of 5 teams was home once and away three times). */
	int m = n % 2 ? n + 1 : n;
	int first = m - n; /* 1 with the bye in position 0 */
	int rounds = schedule_rounds_per_rr(n);
	int64_t *pos = malloc((size_t)m * sizeof *pos);
	pw_fixture_t *f = malloc((size_t)round_robins * rounds * (m / 2) * sizeof *f);
	if (!pos || !f) {
		free(pos);
		free(f);
		return -1;
	}
	int count = 0;
	for (int rr = 0; rr < round_robins; rr++) {
		for (int i = 0; i < m; i++)
			pos[i] = i < first ? 0 : ids[i - first];
		for (int r = 0; r < rounds; r++) {
			int idx = 0;
			for (int i = 0; i < m / 2; i++) {
				int64_t a = pos[i], b = pos[m - 1 - i];
				if (!a || !b)
					continue;
				/* Venues: a rotating team moves one position per
				 * tick and is home at odd positions, so it
				 * alternates; the fixed team alternates by tick.
				 * Every team ends within one game of even. */
				int a_home = i == 0 ? (r % 2 == 0) : (i % 2 == 1);
				if (rr % 2)
					a_home = !a_home;
				f[count].round = rr * rounds + r + 1;
				f[count].index = idx++;
				f[count].home = a_home ? a : b;
				f[count].away = a_home ? b : a;
				count++;
			}
			/* Rotate every position but the first one step. */
			int64_t last = pos[m - 1];
			memmove(&pos[2], &pos[1], (size_t)(m - 2) * sizeof *pos);
			pos[1] = last;
		}
	}
	free(pos);
	*out = f;
	return count;
}

int schedule_bracket_size(int playoff_teams, int n_teams)
{
	int p = playoff_teams < n_teams ? playoff_teams : n_teams;
	if (p >= 8)
		return 8;
	if (p >= 4)
		return 4;
	return 2;
}

int schedule_high_hosts(int g)
{
	return g == 1 || g == 2 || g == 5 || g == 7;
}

static void seat(pw_series_t *s, const char *id, int stage, int best_of)
{
	memset(s, 0, sizeof *s);
	snprintf(s->id, sizeof s->id, "%s", id);
	s->stage = stage;
	s->best_of = best_of;
}

static void teams(pw_series_t *s, int64_t a, int sa, int64_t b, int sb)
{
	if (sa <= sb) {
		s->high = a, s->high_seed = sa, s->low = b, s->low_seed = sb;
	} else {
		s->high = b, s->high_seed = sb, s->low = a, s->low_seed = sa;
	}
}

static int seed_of(const pw_series_t *s, int64_t team)
{
	return team == s->high ? s->high_seed : s->low_seed;
}

/* Fills the teams of later series from winners so far. */
static void advance(pw_bracket_t *b)
{
	for (int i = 0; i < b->n_series; i++) {
		pw_series_t *s = &b->series[i];
		if (s->high)
			continue;
		/* The two feeder series of s are the pair before its stage's block. */
		const pw_series_t *f1 = NULL, *f2 = NULL;
		if (!strcmp(s->id, "F")) {
			f1 = b->n_teams == 8 || b->n_teams == 4 ? &b->series[b->n_series - 3] : NULL;
			f2 = f1 ? &b->series[b->n_series - 2] : NULL;
		} else if (!strcmp(s->id, "SF1") && b->n_teams == 8) {
			f1 = &b->series[0], f2 = &b->series[1];
		} else if (!strcmp(s->id, "SF2") && b->n_teams == 8) {
			f1 = &b->series[2], f2 = &b->series[3];
		}
		if (f1 && f2 && f1->winner && f2->winner)
			teams(s, f1->winner, seed_of(f1, f1->winner), f2->winner,
			      seed_of(f2, f2->winner));
	}
}

int schedule_bracket(pw_bracket_t *b, const int64_t *seeds, int n_seeds, int playoff_teams,
		  int semis_best_of, int finals_best_of, const pw_playoff_game_t *games, int n_games)
{
	memset(b, 0, sizeof *b);
	int p = schedule_bracket_size(playoff_teams, n_seeds);
	if (n_seeds < p || p < 2)
		return -1;
	b->n_teams = p;
	if (p == 8) {
		static const int pairs[4][2] = {{1, 8}, {4, 5}, {2, 7}, {3, 6}};
		for (int i = 0; i < 4; i++) {
			char id[8];
			snprintf(id, sizeof id, "QF%d", i + 1);
			seat(&b->series[i], id, 0, semis_best_of);
			teams(&b->series[i], seeds[pairs[i][0] - 1], pairs[i][0],
			      seeds[pairs[i][1] - 1], pairs[i][1]);
		}
		seat(&b->series[4], "SF1", 1, semis_best_of);
		seat(&b->series[5], "SF2", 1, semis_best_of);
		b->n_series = 6;
	} else if (p == 4) {
		seat(&b->series[0], "SF1", 1, semis_best_of);
		teams(&b->series[0], seeds[0], 1, seeds[3], 4);
		seat(&b->series[1], "SF2", 1, semis_best_of);
		teams(&b->series[1], seeds[1], 2, seeds[2], 3);
		b->n_series = 2;
	}
	seat(&b->series[b->n_series], "F", 2, finals_best_of);
	if (p == 2)
		teams(&b->series[b->n_series], seeds[0], 1, seeds[1], 2);
	b->n_series++;

	for (int g = 0; g < n_games; g++) {
		advance(b);
		pw_series_t *s = NULL;
		for (int i = 0; i < b->n_series; i++)
			if (!strcmp(b->series[i].id, games[g].series))
				s = &b->series[i];
		if (!s || !s->high || s->winner ||
		    (games[g].winner != s->high && games[g].winner != s->low))
			return -1;
		s->games++;
		if (games[g].winner == s->high)
			s->high_wins++;
		else
			s->low_wins++;
		int need = s->best_of / 2 + 1;
		if (s->high_wins >= need)
			s->winner = s->high;
		else if (s->low_wins >= need)
			s->winner = s->low;
	}
	advance(b);
	b->champion = b->series[b->n_series - 1].winner;
	return 0;
}

int schedule_playoff_next(const pw_bracket_t *b, int round, pw_fixture_t *out,
		       char (*series_ids)[8], int *game_nos, int max)
{
	if (b->champion)
		return 0;
	/* The earliest stage that still has an undecided series. */
	int stage = 3;
	for (int i = 0; i < b->n_series; i++)
		if (!b->series[i].winner && b->series[i].stage < stage)
			stage = b->series[i].stage;
	int n = 0;
	for (int i = 0; i < b->n_series && n < max; i++) {
		const pw_series_t *s = &b->series[i];
		if (s->stage != stage || s->winner || !s->high)
			continue;
		int g = s->games + 1;
		int hi = schedule_high_hosts(g);
		out[n].round = round;
		out[n].index = n;
		out[n].home = hi ? s->high : s->low;
		out[n].away = hi ? s->low : s->high;
		snprintf(series_ids[n], 8, "%s", s->id);
		game_nos[n] = g;
		n++;
	}
	return n;
}
