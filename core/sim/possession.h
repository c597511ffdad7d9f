/*
 * possession.h — one possession: handler, turnover check, passes, shot
 * selection, shot, fouls and free throws, rebound, stamina (spec
 * 10-simulation, "One possession", steps 2–8).
 *
 * poss_run plays a possession inside a game (simstate.h). The formulas are
 * also exported as pure functions so tests can check each curve alone.
 */
#ifndef PW_POSSESSION_H
#define PW_POSSESSION_H

#include <stdbool.h>

#include "core/sim/hooks.h"
#include "core/sim/teams.h"
#include "core/sim/rules.h"

struct pw_sim;

/* Plays one possession of team `off` (0 home, 1 away). */
void poss_run(struct pw_sim *g, int off);

/* 1 / (1 + e^(−k (x − mid))). */
double poss_logistic(double x, double mid, double k);

/* The make-probability base of a shot class on scoring, before contest and
 * the rest; mid_shift moves the midpoint (a deeper three-point line). */
double poss_shot_base(int scoring, pw_shot_type_t t, double mid_shift);

/* The free-throw base on scoring (about 0.75 for an average shooter). */
double poss_ft_base(int scoring);

/* 0.9..1.1 from iq. */
double poss_iq_factor(int iq);

/* 0.7..1.0 from stamina 0..1; Iron Legs halves the penalty. */
double poss_stamina_factor(double stamina, bool iron_legs);

/* Contest taken off the make probability: scheme add + defender defense
 * scaled by the defender's stamina; clamped. */
double poss_contest(pw_scheme_t s, int defense, double def_stamina, double intensity);
/* Its defender's part before stamina (the game keeps it per hooper). */
double poss_contest_defense(int defense);

/* The turnover chance of a possession, clamped to [0.01, 0.25]. */
double poss_turnover_chance(double modifier, int handler_iq, pw_scheme_t s,
			    double handler_stamina, double extra);
/* Its handler's part: base × modifier − iq (the game keeps it per hooper). */
double poss_turnover_base(double modifier, int handler_iq);

/* The chance that the holder makes another (unforced) pass. */
double poss_pass_chance(int passing);
/* The interception chance of a pass before help defense. */
double poss_pass_steal_base(double modifier, int passing);

/* The foul chance of a trip, capped at 0.25. */
double poss_foul_chance(double modifier, pw_scheme_t s, int defender_iq, double extra);
/* Its parts: base × modifier + scheme (the game keeps one per scheme), and
 * the low-iq defender's (0 from 50 up; the game keeps it per hooper). */
double poss_foul_base(double modifier, pw_scheme_t s);
double poss_foul_low_iq(int defender_iq);

/* Share of rebounds the offense gets: (w + a_off + luck) / (that + 10 + a_def),
 * where a_* are the sides' attribute sums Σ(def×0.2 + spd×0.1) and luck
 * comes from the offense's fate sum. */
double poss_offense_rebound_share(double oreb_weight, double off_attr_sum, double def_attr_sum,
				  double off_fate_sum);

/* How much faster than the base a hooper of this stamina attribute tires. */
double poss_drain_own(int stamina_attr);

/* The team part of the drain: base rate plus the defense's scheme cost,
 * times the team's multiplier (away fatigue, altitude, travel). The
 * stamina one hooper loses in a possession is poss_drain_team ×
 * poss_drain_own (the lineup cache of simstate.h keeps the product per
 * floor slot). */
double poss_drain_team(const pw_rules_t *r, double team_mult, double scheme_cost);

/* Drive (at_rim weight) and speed multipliers of a court surface; unknown
 * surfaces play like hardwood. */
void poss_surface(const char *surface, double *drive, double *speed);

/* Shot-selection weights from a hooper's attributes alone (before the
 * game's context), floored so every class stays possible. */
void poss_selection_base(const int attr[PW_ATTR_COUNT], double w[PW_SHOT_TYPES]);

#endif
