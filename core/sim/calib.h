/*
 * calib.h — the calibration figures of spec 10-simulation ("what feels like
 * basketball"), accumulated over many games.
 *
 * `pinwheel calibrate`, the calibration tests and effect impact reports all
 * add games to a pw_calib_t and read the same figures back.
 */
#ifndef PW_CALIB_H
#define PW_CALIB_H

#include <stdbool.h>
#include <stdint.h>

#include "core/sim/rules.h"
#include "core/sim/sim.h"

typedef struct pw_calib {
	long games;
	long points, possessions;
	long fgm, fga, tpm, tpa, ftm, fta, turnovers;
	long home_wins, elam_games, elam_possessions, close_games;
	long lead_changes;
} pw_calib_t;

/* Adds one finished game. */
void calib_add(pw_calib_t *c, const pw_game_result_t *r);

typedef enum pw_calib_id {
	PW_CAL_POINTS,          /* per team per game */
	PW_CAL_POSSESSIONS,     /* per game, both teams */
	PW_CAL_FG_PCT,
	PW_CAL_THREE_PCT,
	PW_CAL_THREE_SHARE,     /* of field-goal attempts */
	PW_CAL_FT_PCT,
	PW_CAL_TURNOVERS,       /* per team per game */
	PW_CAL_HOME_WIN,
	PW_CAL_ELAM_REACHED,
	PW_CAL_ELAM_POSSESSIONS,/* mean, games that reached it */
	PW_CAL_CLOSE_GAMES,     /* share decided by ≤ 5 points */
	PW_CAL_COUNT
} pw_calib_id_t;

typedef struct pw_calib_figure {
	const char *name;
	double value;
	double lo, hi; /* the spec's range */
} pw_calib_figure_t;

/* Fills every figure with its spec range. The home-win range depends on
 * whether home court was on. */
void calib_figures(const pw_calib_t *c, bool home_court, pw_calib_figure_t out[PW_CAL_COUNT]);

/* True when value lies inside [lo, hi]. */
bool calib_in_range(const pw_calib_figure_t *f);

/*
 * Per-game set-up around each calibration game, for hooks that must be
 * started and finished game by game (Lua effects: fx_game_begin/_end).
 * begin gets the game's id and seed and sets *hooks (NULL: none); it
 * returns 0, or -1 to stop the run (calib_run_each then returns -1 and
 * does not call end for that game). end runs after each game that began,
 * with its result (also when the game failed).
 */
typedef struct pw_calib_per_game {
	int (*begin)(void *ud, int64_t game_id, uint64_t seed, const pw_hooks_t **hooks);
	void (*end)(void *ud, pw_game_result_t *r);
	void *ud;
} pw_calib_per_game_t;

/*
 * Simulates `games` games under rules: teams of generated 8-team leagues
 * (a new league every 56 games, so the figures cover many leagues), every
 * ordered pairing of each league once, seeds derived from `seed`, with pg
 * (may be NULL: no hooks) called around each game. Adds them to c.
 * Returns 0, or -1 on out of memory or when pg stopped the run.
 * (Effect impact is measured by core/league/trial.h, on a league's real
 * schedule with round hooks; this is the engine's calibration.)
 */
int calib_run_each(const pw_rules_t *rules, long games, uint64_t seed,
		   const pw_calib_per_game_t *pg, pw_calib_t *c);

#endif
