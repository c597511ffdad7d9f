/*
 * defense.h — the defense's two decisions each possession: which scheme to
 * play, and (in man schemes) who guards whom (spec 10-simulation, "One
 * possession", step 1).
 *
 * Pure functions of a small situation struct and the game's RNG, so tests
 * can drive them without a game.
 */
#ifndef PW_DEFENSE_H
#define PW_DEFENSE_H

#include <stdbool.h>

#include "core/sim/hooks.h"
#include "core/sim/teams.h"
#include "core/sim/rng.h"

/* What the defense looks at when it picks a scheme. */
typedef struct pw_defense_situation {
	double iq;            /* mean iq of the defenders on the floor, 1..100 */
	double stamina;       /* mean stamina of the defenders, 0..1 */
	double offense_speed; /* mean speed of the attackers, 1..100 */
	int margin;           /* defense score − offense score */
	bool elam;
	const pw_strategy_t *strategy; /* the defense's; NULL for none */
} pw_defense_situation_t;

/* Per-scheme constants of the spec (indexed by pw_scheme_t). */
typedef struct pw_scheme_consts {
	double contest_add;   /* added to every contest */
	double stamina_cost;  /* defenders' extra drain per possession */
	double forced_to;     /* added to the turnover chance */
	double foul_add;      /* added to the foul chance */
} pw_scheme_consts_t;

extern const pw_scheme_consts_t defense_scheme_consts[PW_SCHEME_COUNT];

/* Inline: a possession reads these a dozen times, and a call apiece cost
 * about 2% of a game. s must be a valid pw_scheme_t. */
static inline double defense_contest_add(pw_scheme_t s)
{
	return defense_scheme_consts[s].contest_add;
}
static inline double defense_stamina_cost(pw_scheme_t s)
{
	return defense_scheme_consts[s].stamina_cost;
}
static inline double defense_forced_turnover(pw_scheme_t s)
{
	return defense_scheme_consts[s].forced_to;
}
static inline double defense_foul_add(pw_scheme_t s)
{
	return defense_scheme_consts[s].foul_add;
}
/* man_tight and man_switch assign matchups; zone and press do not. */
static inline bool defense_is_man(pw_scheme_t s)
{
	return s == PW_SCHEME_MAN_TIGHT || s == PW_SCHEME_MAN_SWITCH;
}

/* The unnormalised weight of every scheme in situation s. */
void defense_scheme_weights(const pw_defense_situation_t *s, double w[PW_SCHEME_COUNT]);

/* Inputs of the matchup assignment, one entry per hooper on the floor. */
typedef struct pw_matchup_input {
	double threat[PW_ON_FLOOR];  /* attackers: scoring + speed × k */
	double contain[PW_ON_FLOOR]; /* defenders: 0..~1.3 */
	double stamina[PW_ON_FLOOR]; /* defenders: 0..1 */
	double iq;                   /* mean defender iq: 1..100 */
} pw_matchup_input_t;

/* Threat of an attacker and containment of a defender from attributes. */
double defense_threat(const int attr[PW_ATTR_COUNT]);
double defense_containment(const int attr[PW_ATTR_COUNT]);

/*
 * Assigns defenders to attackers minimising Σ threat − containment +
 * stamina cost, with noise that shrinks as the defense gets smarter (a
 * 100-iq defense is exact). Writes match[attacker] = defender slot. Always
 * draws the same number of random numbers (one), whatever the inputs.
 */
void defense_assign(const pw_matchup_input_t *in, pw_rng_t *rng, int match[PW_ON_FLOOR]);

#endif
