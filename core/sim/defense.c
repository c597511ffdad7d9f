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

static bool preferred_applies(const pw_strategy_t *st, const pw_defense_situation_t *s)
{
	if (!st || st->preferred_scheme < 0 || st->preferred_scheme >= PW_SCHEME_COUNT)
		return false;
	switch (st->scheme_when) {
	case PW_WHEN_ALWAYS: return true;
	case PW_WHEN_LEADING: return s->margin > 0;
	case PW_WHEN_TRAILING: return s->margin < 0;
	case PW_WHEN_ELAM: return s->elam;
	}
	return false;
}

/*
 * Each situational term moves weight between schemes the way a coach would:
 * brains → man, fresh legs → tight and press, tired → zone, behind → press,
 * ahead → zone, fast opponents → zone (no driving lanes), Elam → tight.
 */
void defense_scheme_weights(const pw_defense_situation_t *s, double w[PW_SCHEME_COUNT])
{
	double iq = (s->iq - 50.0) * TUNE_SCH_IQ_MAN;
	double fresh = (s->stamina - TUNE_SCH_STAMINA_PIVOT) * 10.0 * TUNE_SCH_STAMINA;
	int m = s->margin;
	if (m > TUNE_SCH_SCORE_CAP)
		m = TUNE_SCH_SCORE_CAP;
	if (m < -TUNE_SCH_SCORE_CAP)
		m = -TUNE_SCH_SCORE_CAP;
	double trail = m < 0 ? -m * TUNE_SCH_TRAIL_PRESS : 0;
	double lead = m > 0 ? m * TUNE_SCH_LEAD_ZONE : 0;
	double fast = (s->offense_speed - TUNE_SCH_SPEED_PIVOT) * TUNE_SCH_SPEED_ZONE;
	double elam = s->elam ? TUNE_SCH_ELAM_TIGHT : 0;
	double intensity = s->strategy ? s->strategy->defensive_intensity * TUNE_SCH_INTENSITY : 0;

	w[PW_SCHEME_MAN_TIGHT] = TUNE_SCH_BASE_TIGHT + iq + fresh + elam + intensity;
	w[PW_SCHEME_MAN_SWITCH] = TUNE_SCH_BASE_SWITCH + iq;
	w[PW_SCHEME_ZONE] = TUNE_SCH_BASE_ZONE - fresh + lead + fast - intensity;
	w[PW_SCHEME_PRESS] = TUNE_SCH_BASE_PRESS + fresh * 0.5 + trail + intensity * 0.5;
	for (int i = 0; i < PW_SCHEME_COUNT; i++)
		w[i] = tune_clamp(w[i], 0.05, 1e9);
	if (preferred_applies(s->strategy, s))
		w[s->strategy->preferred_scheme] += TUNE_SCH_PREFERRED;
}

double defense_threat(const int attr[PW_ATTR_COUNT])
{
	return attr[PW_ATTR_SCORING] + attr[PW_ATTR_SPEED] * TUNE_MATCH_THREAT_SPEED;
}

double defense_containment(const int attr[PW_ATTR_COUNT])
{
	return attr[PW_ATTR_DEFENSE] / 100.0 + attr[PW_ATTR_SPEED] / 100.0 * TUNE_MATCH_CONTAIN_SPEED;
}

/* The six ways to put three defenders on three attackers: perms[p][attacker]. */
static const int perms[6][PW_ON_FLOOR] = {
	{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0},
};

void defense_assign(const pw_matchup_input_t *in, pw_rng_t *rng, int match[PW_ON_FLOOR])
{
	/* One 64-bit draw gives nine 7-bit noise values: cheap, and a fixed
	 * number of draws whatever the defense's iq. */
	uint64_t bits = rng_next(rng);
	double mean_threat = (in->threat[0] + in->threat[1] + in->threat[2]) / 3.0;
	double amp = (1.0 - tune_clamp(in->iq, 0, 100) / 100.0) * TUNE_MATCH_NOISE * mean_threat / 128.0;
	double leak[PW_ON_FLOOR]; /* what a defender lets through per unit of threat */
	for (int d = 0; d < PW_ON_FLOOR; d++)
		leak[d] = 1.0 - in->contain[d] + (1.0 - in->stamina[d]) * TUNE_MATCH_STAMINA_COST;
	/* c[a*3 + d]; noise k = a*3 + d comes from bits 7k..7k+6. Two nested
	 * loops of constant length unroll fully (one flat loop over k paid a
	 * division and a modulo per cell). */
	double c[PW_ON_FLOOR * PW_ON_FLOOR];
	for (int a = 0; a < PW_ON_FLOOR; a++)
		for (int d = 0; d < PW_ON_FLOOR; d++) {
			int k = a * PW_ON_FLOOR + d;
			int noise = (int)((bits >> (7 * k)) & 0x7f) - 64;
			c[k] = in->threat[a] * leak[d] + noise * amp;
		}
	/* The six ways to put three defenders on three attackers, as perms[]. */
	double sum[6] = {
		c[0] + c[4] + c[8], c[0] + c[5] + c[7], c[1] + c[3] + c[8],
		c[1] + c[5] + c[6], c[2] + c[3] + c[7], c[2] + c[4] + c[6],
	};
	int best = 0;
	for (int p = 1; p < 6; p++)
		best = sum[p] < sum[best] ? p : best;
	for (int a = 0; a < PW_ON_FLOOR; a++)
		match[a] = perms[best][a];
}
