/*
 * defense.c — scheme choice and matchups. See defense.h.
 */
#include "core/sim/defense.h"

#include "core/sim/tuning.h"

const pw_scheme_consts_t defense_scheme_consts[PW_SCHEME_COUNT] = {
	[PW_SCHEME_MAN_TIGHT] = {TUNE_CONTEST_MAN_TIGHT, TUNE_DCOST_MAN_TIGHT,
				 TUNE_FORCED_TO_MAN_TIGHT, TUNE_FOUL_ADD_MAN_TIGHT},
	[PW_SCHEME_MAN_SWITCH] = {TUNE_CONTEST_MAN_SWITCH, TUNE_DCOST_MAN_SWITCH,
				  TUNE_FORCED_TO_MAN_SWITCH, TUNE_FOUL_ADD_MAN_SWITCH},
	[PW_SCHEME_ZONE] = {TUNE_CONTEST_ZONE, TUNE_DCOST_ZONE, TUNE_FORCED_TO_ZONE,
			    TUNE_FOUL_ADD_ZONE},
	[PW_SCHEME_PRESS] = {TUNE_CONTEST_PRESS, TUNE_DCOST_PRESS, TUNE_FORCED_TO_PRESS,
			     TUNE_FOUL_ADD_PRESS},
};

/* The lineup terms of the scheme weights (see defense_lineup_weights). */
static void lineup_scheme(pw_defense_lineup_t *l, const pw_defense_situation_t *s)
{
	const pw_strategy_t *st = s->strategy;
	l->iq = (s->iq - 50.0) * TUNE_SCH_IQ_MAN;
	l->tight_base = TUNE_SCH_BASE_TIGHT + l->iq;
	l->switch_w = tune_clamp(TUNE_SCH_BASE_SWITCH + l->iq, 0.05, 1e9);
	l->fast = (s->offense_speed - TUNE_SCH_SPEED_PIVOT) * TUNE_SCH_SPEED_ZONE;
	l->intensity = st ? st->defensive_intensity * TUNE_SCH_INTENSITY : 0;
	l->intensity_half = l->intensity * 0.5;
	l->preferred = -1;
	l->preferred_when = PW_WHEN_ALWAYS;
	if (st && st->preferred_scheme >= 0 && st->preferred_scheme < PW_SCHEME_COUNT) {
		l->preferred = st->preferred_scheme;
		l->preferred_when = st->scheme_when;
	}
}

/* The lineup terms of the matchups (see defense_lineup_assign). */
static void lineup_matchups(pw_defense_lineup_t *l, const pw_matchup_input_t *in)
{
	double mean_threat = (in->threat[0] + in->threat[1] + in->threat[2]) / 3.0;
	l->amp = (1.0 - tune_clamp(in->iq, 0, 100) / 100.0) * TUNE_MATCH_NOISE * mean_threat / 128.0;
	for (int i = 0; i < PW_ON_FLOOR; i++) {
		l->threat[i] = in->threat[i];
		l->open[i] = 1.0 - in->contain[i];
	}
}

void defense_lineup_init(pw_defense_lineup_t *l, const pw_defense_situation_t *s,
			 const pw_matchup_input_t *in)
{
	lineup_scheme(l, s);
	lineup_matchups(l, in);
}

void defense_scheme_weights(const pw_defense_situation_t *s, double w[PW_SCHEME_COUNT])
{
	pw_defense_lineup_t l;
	lineup_scheme(&l, s);
	defense_lineup_weights(&l, s->stamina, s->margin, s->elam, w);
}

double defense_threat(const int attr[PW_ATTR_COUNT])
{
	return attr[PW_ATTR_SCORING] + attr[PW_ATTR_SPEED] * TUNE_MATCH_THREAT_SPEED;
}

double defense_containment(const int attr[PW_ATTR_COUNT])
{
	return attr[PW_ATTR_DEFENSE] / 100.0 + attr[PW_ATTR_SPEED] / 100.0 * TUNE_MATCH_CONTAIN_SPEED;
}

void defense_assign(const pw_matchup_input_t *in, pw_rng_t *rng, int match[PW_ON_FLOOR])
{
	pw_defense_lineup_t l;
	lineup_matchups(&l, in);
	defense_lineup_assign(&l, in->stamina, rng_next(rng), match);
}
