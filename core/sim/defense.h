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
#include <stdint.h>

#include "core/sim/hooks.h"
#include "core/sim/teams.h"
#include "core/sim/rng.h"
#include "core/sim/tuning.h"

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

/*
 * The same two decisions for a game in progress. Everything they take from
 * the two lineups alone (iq, speed, threat, containment, the noise's
 * amplitude) and from the defense's strategy is worked out once per lineup
 * change into a pw_defense_lineup_t, so a possession pays only for what
 * its situation (stamina, score, Elam) changes. Each value is computed by
 * the very expression defense_scheme_weights and defense_assign use, and
 * those two are built from the functions below: both give bit-identical
 * results.
 */
typedef struct pw_defense_lineup {
	/* Scheme weights: the terms that do not change within a lineup. */
	double iq;             /* (mean defender iq − 50) × TUNE_SCH_IQ_MAN */
	double tight_base;     /* TUNE_SCH_BASE_TIGHT + iq */
	double switch_w;       /* man_switch's whole (clamped) weight */
	double fast;           /* the attackers' speed term */
	double intensity;      /* strategy intensity × TUNE_SCH_INTENSITY (0: none) */
	double intensity_half; /* intensity × 0.5 (press) */
	int preferred;         /* the strategy's preferred scheme, or -1 */
	pw_scheme_when_t preferred_when;
	/* Matchups. */
	double threat[PW_ON_FLOOR]; /* attackers */
	double open[PW_ON_FLOOR];   /* 1 − containment, per defender */
	double amp;                 /* noise per unit of a 7-bit draw */
} pw_defense_lineup_t;

/* Fills l from the lineup parts of a situation (iq, offense_speed,
 * strategy; the rest is ignored) and the matchup inputs (threat, contain,
 * iq; stamina is ignored). */
void defense_lineup_init(pw_defense_lineup_t *l, const pw_defense_situation_t *s,
			 const pw_matchup_input_t *in);

/* Inline below: they run every possession. */
static inline bool defense_preferred_applies(const pw_defense_lineup_t *l, int margin, bool elam)
{
	switch (l->preferred_when) {
	case PW_WHEN_ALWAYS: return true;
	case PW_WHEN_LEADING: return margin > 0;
	case PW_WHEN_TRAILING: return margin < 0;
	case PW_WHEN_ELAM: return elam;
	}
	return false;
}

/*
 * The scheme weights of a lineup in a situation: the defenders' mean
 * stamina, the margin (defense − offense) and the Elam period. Each
 * situational term moves weight between schemes the way a coach would:
 * brains → man, fresh legs → tight and press, tired → zone, behind →
 * press, ahead → zone, fast opponents → zone (no driving lanes), Elam →
 * tight.
 */
static inline void defense_lineup_weights(const pw_defense_lineup_t *l, double stamina, int margin,
					  bool elam, double w[PW_SCHEME_COUNT])
{
	double fresh = (stamina - TUNE_SCH_STAMINA_PIVOT) * 10.0 * TUNE_SCH_STAMINA;
	int m = margin;
	if (m > TUNE_SCH_SCORE_CAP)
		m = TUNE_SCH_SCORE_CAP;
	if (m < -TUNE_SCH_SCORE_CAP)
		m = -TUNE_SCH_SCORE_CAP;
	double trail = m < 0 ? -m * TUNE_SCH_TRAIL_PRESS : 0;
	double lead = m > 0 ? m * TUNE_SCH_LEAD_ZONE : 0;
	double e = elam ? TUNE_SCH_ELAM_TIGHT : 0;

	/* Sums in the order TUNE_SCH_BASE_TIGHT + iq + fresh + elam + intensity
	 * and so on: the order is part of the result. */
	w[PW_SCHEME_MAN_TIGHT] = tune_clamp(l->tight_base + fresh + e + l->intensity, 0.05, 1e9);
	w[PW_SCHEME_MAN_SWITCH] = l->switch_w;
	w[PW_SCHEME_ZONE] = tune_clamp(TUNE_SCH_BASE_ZONE - fresh + lead + l->fast - l->intensity, 0.05, 1e9);
	w[PW_SCHEME_PRESS] = tune_clamp(TUNE_SCH_BASE_PRESS + fresh * 0.5 + trail + l->intensity_half,
					0.05, 1e9);
	if (l->preferred >= 0 && defense_preferred_applies(l, margin, elam)) {
		/* By constant indices, so that w can stay in registers. */
#pragma GCC unroll 4
		for (int i = 0; i < PW_SCHEME_COUNT; i++)
			if (i == l->preferred)
				w[i] += TUNE_SCH_PREFERRED;
	}
}

/* The cost of defender d on attacker a: threat × leak plus the noise in
 * bits 7k..7k+6 of the assignment's draw, k = a × 3 + d. */
static inline double defense_pair_cost(double threat, double leak, uint64_t bits, int k, double amp)
{
	int noise = (int)((bits >> (7 * k)) & 0x7f) - 64;
	return threat * leak + noise * amp;
}

/* The argmin step of defense_lineup_assign: permutation p if its sum is
 * strictly lower. */
static inline void defense_keep_lower(double sum, int p, double *low, int *best)
{
	*best = sum < *low ? p : *best;
	*low = sum < *low ? sum : *low;
}

/*
 * defense_assign for a lineup: stamina[d] of each defender, bits the one
 * 64-bit draw (nine 7-bit noise values: cheap, and a fixed number of draws
 * whatever the defense's iq). Written out cell by cell so that the nine
 * costs stay in registers.
 */
static inline void defense_lineup_assign(const pw_defense_lineup_t *l, const double stamina[PW_ON_FLOOR],
					 uint64_t bits, int match[PW_ON_FLOOR])
{
	/* What a defender lets through per unit of threat. */
	double l0 = l->open[0] + (1.0 - stamina[0]) * TUNE_MATCH_STAMINA_COST;
	double l1 = l->open[1] + (1.0 - stamina[1]) * TUNE_MATCH_STAMINA_COST;
	double l2 = l->open[2] + (1.0 - stamina[2]) * TUNE_MATCH_STAMINA_COST;
	double t0 = l->threat[0], t1 = l->threat[1], t2 = l->threat[2], amp = l->amp;
	double c0 = defense_pair_cost(t0, l0, bits, 0, amp), c1 = defense_pair_cost(t0, l1, bits, 1, amp),
	       c2 = defense_pair_cost(t0, l2, bits, 2, amp), c3 = defense_pair_cost(t1, l0, bits, 3, amp),
	       c4 = defense_pair_cost(t1, l1, bits, 4, amp), c5 = defense_pair_cost(t1, l2, bits, 5, amp),
	       c6 = defense_pair_cost(t2, l0, bits, 6, amp), c7 = defense_pair_cost(t2, l1, bits, 7, amp),
	       c8 = defense_pair_cost(t2, l2, bits, 8, amp);
	/* The six ways to put three defenders on three attackers, in the
	 * order of perms[] below; the first of equal sums wins. */
	int best = 0;
	double low = c0 + c4 + c8;
	defense_keep_lower(c0 + c5 + c7, 1, &low, &best);
	defense_keep_lower(c1 + c3 + c8, 2, &low, &best);
	defense_keep_lower(c1 + c5 + c6, 3, &low, &best);
	defense_keep_lower(c2 + c3 + c7, 4, &low, &best);
	defense_keep_lower(c2 + c4 + c6, 5, &low, &best);
	static const int8_t perms[6][PW_ON_FLOOR] = {
		{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0},
	};
#pragma GCC unroll 3
	for (int a = 0; a < PW_ON_FLOOR; a++)
		match[a] = perms[best][a];
}

#endif
