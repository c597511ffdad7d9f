/*
 * calib.c — calibration figures. See calib.h.
 */
#include "core/sim/calib.h"

#include <stdlib.h>

#include "core/sim/teams.h"
#include "core/sim/rng.h"

void calib_add(pw_calib_t *c, const pw_game_result_t *r)
{
	c->games++;
	c->points += r->home_score + r->away_score;
	c->possessions += r->total_possessions;
	for (int t = 0; t < 2; t++)
		for (int i = 0; i < PW_ROSTER_SIZE; i++) {
			const pw_box_t *b = &r->box[t][i];
			c->fgm += b->fgm;
			c->fga += b->fga;
			c->tpm += b->tpm;
			c->tpa += b->tpa;
			c->ftm += b->ftm;
			c->fta += b->fta;
			c->turnovers += b->turnovers;
		}
	if (r->winner == 0)
		c->home_wins++;
	if (r->elam_target > 0) {
		c->elam_games++;
		c->elam_possessions += r->elam_possessions;
	}
	int margin = r->home_score - r->away_score;
	if (margin < 0)
		margin = -margin;
	if (margin <= 5)
		c->close_games++;
	c->lead_changes += r->lead_changes;
}

static double ratio(double a, double b)
{
	return b > 0 ? a / b : 0;
}

void calib_figures(const pw_calib_t *c, bool home_court, pw_calib_figure_t f[PW_CAL_COUNT])
{
	double g = (double)c->games;
	f[PW_CAL_POINTS] = (pw_calib_figure_t){"points per team per game",
					       ratio(c->points, 2 * g), 45, 75};
	f[PW_CAL_POSSESSIONS] = (pw_calib_figure_t){"possessions per game",
						    ratio(c->possessions, g), 85, 130};
	f[PW_CAL_FG_PCT] = (pw_calib_figure_t){"field-goal %", ratio(c->fgm, c->fga), 0.40, 0.52};
	f[PW_CAL_THREE_PCT] = (pw_calib_figure_t){"three-point %", ratio(c->tpm, c->tpa), 0.30, 0.40};
	f[PW_CAL_THREE_SHARE] = (pw_calib_figure_t){"three-point attempt share",
						    ratio(c->tpa, c->fga), 0.25, 0.45};
	f[PW_CAL_FT_PCT] = (pw_calib_figure_t){"free-throw %", ratio(c->ftm, c->fta), 0.68, 0.82};
	f[PW_CAL_TURNOVERS] = (pw_calib_figure_t){"turnovers per team per game",
						  ratio(c->turnovers, 2 * g), 4, 12};
	f[PW_CAL_HOME_WIN] = home_court
		? (pw_calib_figure_t){"home win %", ratio(c->home_wins, g), 0.52, 0.65}
		: (pw_calib_figure_t){"home win % (home court off)", ratio(c->home_wins, g), 0.45, 0.55};
	f[PW_CAL_ELAM_REACHED] = (pw_calib_figure_t){"Elam period reached",
						     ratio(c->elam_games, g), 1.0, 1.0};
	f[PW_CAL_ELAM_POSSESSIONS] = (pw_calib_figure_t){"mean Elam possessions",
							 ratio(c->elam_possessions, c->elam_games),
							 15, 45};
	f[PW_CAL_CLOSE_GAMES] = (pw_calib_figure_t){"games decided by <= 5 points",
						    ratio(c->close_games, g), 0.20, 1.0};
}

bool calib_in_range(const pw_calib_figure_t *f)
{
	return f->value >= f->lo && f->value <= f->hi;
}

#define CALIB_LEAGUE_TEAMS 8
#define CALIB_PAIRINGS     (CALIB_LEAGUE_TEAMS * (CALIB_LEAGUE_TEAMS - 1))

int calib_run_each(const pw_rules_t *rules, long games, uint64_t seed,
		   const pw_calib_per_game_t *pg, pw_calib_t *c)
{
	pw_league_t *league = malloc(sizeof *league);
	if (!league)
		return -1;
	pw_game_result_t r;
	sim_result_init(&r);
	int rc = 0;
	uint64_t mix = seed;
	for (long g = 0; g < games && rc == 0; g++) {
		int k = (int)(g % CALIB_PAIRINGS);
		if (k == 0 && teams_generate(league, rng_mix64(&mix), CALIB_LEAGUE_TEAMS) != 0) {
			rc = -1;
			break;
		}
		int home = k / (CALIB_LEAGUE_TEAMS - 1);
		int away = k % (CALIB_LEAGUE_TEAMS - 1);
		if (away >= home)
			away++;
		pw_game_input_t in = {
			.game_id = g + 1,
			.seed = rng_mix64(&mix),
			.home = &league->teams[home],
			.away = &league->teams[away],
			.rules = rules,
		};
		if (pg && pg->begin && pg->begin(pg->ud, in.game_id, in.seed, &in.hooks) != 0) {
			rc = -1;
			break;
		}
		if (sim_game(&in, &r) != 0)
			rc = -1;
		if (pg && pg->end)
			pg->end(pg->ud, &r);
		if (rc == 0)
			calib_add(c, &r);
	}
	sim_result_free(&r);
	free(league);
	return rc;
}
