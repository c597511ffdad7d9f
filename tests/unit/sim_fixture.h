/*
 * sim_fixture.h — helpers shared by the simulation tests: generated
 * leagues, one-call games, and small C hook doubles.
 */
#ifndef PW_SIM_FIXTURE_H
#define PW_SIM_FIXTURE_H

#include <stdlib.h>
#include <string.h>

#include "core/sim/teams.h"
#include "core/sim/result.h"
#include "core/sim/rules.h"
#include "core/sim/sim.h"

/* A generated 8-team league (malloc'd; free it). */
static inline pw_league_t *fx_league(uint64_t seed)
{
	pw_league_t *l = malloc(sizeof *l);
	if (l && teams_generate(l, seed, 8) != 0) {
		free(l);
		return NULL;
	}
	return l;
}

/* Plays home vs away of league l with seed into r. */
static inline int fx_game(const pw_league_t *l, int home, int away, const pw_rules_t *rules,
			  uint64_t seed, const pw_hooks_t *hooks, pw_game_result_t *r)
{
	pw_game_input_t in = {
		.game_id = 1, .seed = seed, .home = &l->teams[home], .away = &l->teams[away],
		.rules = rules, .hooks = hooks,
	};
	return sim_game(&in, r);
}

/* Team totals from the box score of side t. */
typedef struct fx_totals {
	int points, fgm, fga, tpm, tpa, ftm, fta, rebounds, assists, steals, turnovers, fouls;
} fx_totals_t;

static inline fx_totals_t fx_team(const pw_game_result_t *r, int t)
{
	fx_totals_t x = {0};
	for (int i = 0; i < PW_ROSTER_SIZE; i++) {
		const pw_box_t *b = &r->box[t][i];
		x.points += b->points;
		x.fgm += b->fgm;
		x.fga += b->fga;
		x.tpm += b->tpm;
		x.tpa += b->tpa;
		x.ftm += b->ftm;
		x.fta += b->fta;
		x.rebounds += b->rebounds;
		x.assists += b->assists;
		x.steals += b->steals;
		x.turnovers += b->turnovers;
		x.fouls += b->fouls;
	}
	return x;
}

/* Whether two results hold the same game, play for play. */
static inline bool fx_same_game(const pw_game_result_t *a, const pw_game_result_t *b)
{
	if (a->n_plays != b->n_plays || a->home_score != b->home_score ||
	    a->away_score != b->away_score || a->winner != b->winner)
		return false;
	for (size_t i = 0; i < a->n_plays; i++) {
		const char *na = sim_play_narrative(a, &a->plays[i]);
		const char *nb = sim_play_narrative(b, &b->plays[i]);
		const pw_play_t *pa = &a->plays[i], *pb = &b->plays[i];
		/* Field by field: the struct has padding. */
		if (pa->n != pb->n || pa->quarter != pb->quarter ||
		    pa->clock_tenths != pb->clock_tenths || pa->offense != pb->offense ||
		    pa->action != pb->action || pa->result != pb->result ||
		    pa->scheme != pb->scheme || pa->move != pb->move || pa->points != pb->points ||
		    pa->home_score != pb->home_score || pa->away_score != pb->away_score ||
		    pa->handler_id != pb->handler_id || pa->defender_id != pb->defender_id ||
		    pa->assist_id != pb->assist_id || pa->rebound_id != pb->rebound_id ||
		    pa->other_id != pb->other_id)
			return false;
		if ((na == NULL) != (nb == NULL) || (na && strcmp(na, nb) != 0))
			return false;
	}
	return memcmp(a->box, b->box, sizeof a->box) == 0;
}

#endif
