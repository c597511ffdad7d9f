/*
 * possession.c — one possession, step by step (spec 10-simulation, "One
 * possession"). See possession.h.
 *
 * Every decision draws from the game's one RNG stream. The number of draws
 * may depend on the game (a miss draws a rebound, a make does not) but never
 * on whether an effect is listening: hooks are called only after the draws
 * of their step, so an effect that returns nothing leaves the game
 * bit-identical.
 */
#include "core/sim/possession.h"

#include <math.h>
#include <string.h>
#include <strings.h>

#include "core/sim/defense.h"
#include "core/sim/moves.h"
#include "core/sim/simstate.h"
#include "core/sim/tuning.h"

/* ---- Pure formulas --------------------------------------------------------- */

double poss_logistic(double x, double mid, double k)
{
	return 1.0 / (1.0 + exp(-k * (x - mid)));
}

double poss_shot_base(int scoring, pw_shot_type_t t, double mid_shift)
{
	double l, floor;
	switch (t) {
	case PW_SHOT_AT_RIM:
		l = poss_logistic(scoring, TUNE_RIM_MID, TUNE_RIM_K);
		floor = TUNE_RIM_FLOOR;
		break;
	case PW_SHOT_MID_RANGE:
		l = poss_logistic(scoring, TUNE_MIDR_MID, TUNE_MIDR_K);
		floor = TUNE_MIDR_FLOOR;
		break;
	default:
		l = poss_logistic(scoring, TUNE_THREE_MID + mid_shift, TUNE_THREE_K);
		floor = TUNE_THREE_FLOOR;
		break;
	}
	return floor + (TUNE_SHOT_CEIL - floor) * l;
}

double poss_ft_base(int scoring)
{
	double l = poss_logistic(scoring, TUNE_FT_MID, TUNE_FT_K);
	return TUNE_FT_FLOOR + (TUNE_FT_CEIL - TUNE_FT_FLOOR) * l;
}

double poss_iq_factor(int iq)
{
	return TUNE_IQ_FACTOR_MIN + TUNE_IQ_FACTOR_SPAN * tune_clamp(iq, 0, 100) / 100.0;
}

/*
 * The possession's own versions of the formulas below (the *_in
 * functions) take a stamina already in [0, 1], which every stamina of
 * the game is: every write to pw_live_hooper_t.stamina clamps or only
 * lowers it to a floor of 0 (drain, recovery, moves, effects). The public
 * functions clamp first, so for such a stamina both give the same bits.
 */
static inline double stamina_factor_in(double stamina, bool iron_legs)
{
	double penalty = (1.0 - TUNE_STAMINA_FACTOR_MIN) * (1.0 - stamina);
	if (iron_legs)
		penalty *= 0.5;
	return 1.0 - penalty;
}

double poss_stamina_factor(double stamina, bool iron_legs)
{
	return stamina_factor_in(tune_clamp(stamina, 0, 1), iron_legs);
}

double poss_contest_defense(int defense)
{
	return defense / 100.0 * TUNE_CONTEST_DEF;
}

/* poss_contest from the defender's poss_contest_defense, which the game
 * keeps per hooper. */
static inline double contest_in(pw_scheme_t s, double defense_part, double def_stamina,
				double intensity)
{
	double legs = TUNE_CONTEST_STAMINA_MIN + (1.0 - TUNE_CONTEST_STAMINA_MIN) * def_stamina;
	double c = defense_contest_add(s) + defense_part * legs + intensity * TUNE_INTENSITY_CONTEST;
	return tune_clamp(c, 0, TUNE_CONTEST_MAX);
}

double poss_contest(pw_scheme_t s, int defense, double def_stamina, double intensity)
{
	return contest_in(s, poss_contest_defense(defense), tune_clamp(def_stamina, 0, 1), intensity);
}

double poss_turnover_base(double modifier, int handler_iq)
{
	return TUNE_TO_BASE * modifier - handler_iq / TUNE_TO_IQ_DIVISOR;
}

/* poss_turnover_chance from the handler's poss_turnover_base, which the
 * game keeps per hooper. */
static inline double turnover_in(double base, pw_scheme_t s, double handler_stamina, double extra)
{
	double p = base + defense_forced_turnover(s) + TUNE_TO_FATIGUE_MAX * (1.0 - handler_stamina) + extra;
	return tune_clamp(p, TUNE_TO_MIN, TUNE_TO_MAX);
}

double poss_turnover_chance(double modifier, int handler_iq, pw_scheme_t s,
			    double handler_stamina, double extra)
{
	return turnover_in(poss_turnover_base(modifier, handler_iq), s, tune_clamp(handler_stamina, 0, 1),
			   extra);
}

double poss_pass_chance(int passing)
{
	return TUNE_PASS_BASE + (passing - 50) * TUNE_PASS_PER_PASSING;
}

double poss_pass_steal_base(double modifier, int passing)
{
	return TUNE_PASS_STEAL_BASE * modifier - (passing - 50) * TUNE_PASS_STEAL_PASSING;
}

double poss_foul_base(double modifier, pw_scheme_t s)
{
	return TUNE_FOUL_BASE * modifier + defense_foul_add(s);
}

double poss_foul_low_iq(int defender_iq)
{
	if (defender_iq < TUNE_FOUL_LOW_IQ_BELOW)
		return (TUNE_FOUL_LOW_IQ_BELOW - defender_iq) * TUNE_FOUL_LOW_IQ_PER_POINT;
	return 0;
}

/* poss_foul_chance from its parts, which the game keeps per scheme and per
 * hooper. Adding a zero low-iq part changes nothing: the sum is never −0
 * after the clamp. */
static inline double foul_in(double base, double low_iq, double extra)
{
	return tune_clamp(base + extra + low_iq, 0, TUNE_FOUL_MAX);
}

double poss_foul_chance(double modifier, pw_scheme_t s, int defender_iq, double extra)
{
	return foul_in(poss_foul_base(modifier, s), poss_foul_low_iq(defender_iq), extra);
}

double poss_offense_rebound_share(double oreb_weight, double off_attr_sum, double def_attr_sum,
				  double off_fate_sum)
{
	double o = oreb_weight + off_attr_sum * TUNE_REB_ATTR_SCALE +
		   off_fate_sum / 100.0 * TUNE_REB_FATE;
	double d = TUNE_REB_DEFENSE_WEIGHT + def_attr_sum * TUNE_REB_ATTR_SCALE;
	return o / (o + d);
}

double poss_drain_own(int stamina_attr)
{
	return 1.0 + (1.0 - stamina_attr / 100.0) * TUNE_DRAIN_LOW_STAMINA;
}

double poss_drain_team(const pw_rules_t *r, double team_mult, double scheme_cost)
{
	return (r->stamina_drain_rate + scheme_cost * TUNE_DEF_COST_SCALE) * team_mult;
}

void poss_surface(const char *surface, double *drive, double *speed)
{
	/* Grippy floors favour drives; soft or slick ones blunt them. */
	static const struct { const char *name; double drive, speed; } table[] = {
		{"hardwood", 1.00, 1.00}, {"concrete", 1.05, 1.00}, {"asphalt", 1.05, 1.00},
		{"rubber", 1.00, 1.05},   {"clay", 0.90, 0.90},     {"grass", 0.80, 0.85},
		{"sand", 0.70, 0.75},     {"ice", 0.75, 1.15},      {"glass", 0.90, 1.10},
	};
	*drive = 1.0;
	*speed = 1.0;
	if (!surface)
		return;
	for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
		if (strcasecmp(surface, table[i].name) == 0) {
			*drive = table[i].drive;
			*speed = table[i].speed;
			return;
		}
}

void poss_selection_base(const int attr[PW_ATTR_COUNT], double w[PW_SHOT_TYPES])
{
	w[PW_SHOT_AT_RIM] = attr[PW_ATTR_SPEED] * TUNE_SEL_RIM_SPEED + TUNE_SEL_RIM_BASE;
	w[PW_SHOT_MID_RANGE] = attr[PW_ATTR_SCORING] * TUNE_SEL_MID_SCORING +
			       attr[PW_ATTR_IQ] * TUNE_SEL_MID_IQ + TUNE_SEL_MID_BASE;
	w[PW_SHOT_THREE] = attr[PW_ATTR_SCORING] * TUNE_SEL_THREE_SCORING + TUNE_SEL_THREE_BASE;
	for (int i = 0; i < PW_SHOT_TYPES; i++)
		if (w[i] < TUNE_SEL_FLOOR)
			w[i] = TUNE_SEL_FLOOR;
}

/* ---- The possession -------------------------------------------------------- */

/* One possession's working state. Floor slots (0..2) index on_floor; roster
 * slots (0..3) index hooper[] and cache[]. */
typedef struct poss {
	pw_sim_t *g;
	int off, def;
	pw_scheme_t scheme;
	int match[PW_ON_FLOOR];      /* attacker floor slot → defender floor slot */
	bool transition;
	double intensity;            /* the defense's strategy intensity */
	double to_extra, foul_extra; /* from effects at sim.possession.pre */
	double bias[PW_SHOT_TYPES];
	bool biased;                 /* some bias is not zero */
	int move;                    /* the move shown on the current play, -1 */
	int holder;                  /* who has the ball after an offensive rebound */
	bool clutch;                 /* close and late (or Elam): fate and ego checks */
	bool made_three[PW_ROSTER_SIZE];
} poss_t;

static inline int roster_slot(const pw_sim_t *g, int t, int floor_slot)
{
	return g->st.on_floor[t][floor_slot];
}

static inline pw_live_hooper_t *floor_hooper(pw_sim_t *g, int t, int floor_slot)
{
	return g->fl[t][floor_slot];
}

static inline pw_hooper_cache_t *floor_cache(pw_sim_t *g, int t, int floor_slot)
{
	return g->fc[t][floor_slot];
}

static bool holds(pw_sim_t *g, int t, int floor_slot, pw_move_id_t m)
{
	return (floor_cache(g, t, floor_slot)->moves >> m) & 1u;
}

/* A move fires: pay its stamina cost and show it on the play. */
static void fire(poss_t *p, int t, int floor_slot, pw_move_id_t m)
{
	const pw_move_def_t *d = moves_def(m);
	pw_live_hooper_t *h = floor_hooper(p->g, t, floor_slot);
	if (d && d->stamina_cost > 0)
		h->stamina = tune_clamp(h->stamina - d->stamina_cost, 0, 1);
	p->move = (int)m;
}

/* Seconds pass: the clock runs (timed quarters) and minutes accrue. */
static void advance(pw_sim_t *g, double secs)
{
	pw_game_state_t *st = &g->st;
	if (!st->elam) {
		if (secs > st->clock)
			secs = st->clock;
		st->clock -= secs;
	}
	g->elapsed += secs; /* minutes are settled when a hooper checks out */
}

static bool clock_out(const pw_sim_t *g)
{
	return !g->st.elam && g->st.clock <= 0;
}

static pw_box_t *box_of(pw_sim_t *g, int t, int floor_slot)
{
	return &g->out->box[t][roster_slot(g, t, floor_slot)];
}

static bool is_close_late(const pw_sim_t *g, int margin_limit)
{
	const pw_game_state_t *st = &g->st;
	int m = st->score[0] - st->score[1];
	if (m < 0)
		m = -m;
	if (m > margin_limit)
		return false;
	return st->elam ||
	       (st->quarter == st->rules->elam_trigger_quarter && st->clock <= TUNE_LATE_SECONDS);
}

/* max_shot_share: a hooper hogging the team's shots is asked less. */
static double share_damp_slow(const pw_sim_t *g, int t, int rslot)
{
	double cap = g->st.rules->max_shot_share;
	int team = g->team_fga[t];
	if (team < TUNE_SHOT_SHARE_MIN_FGA)
		return 1.0;
	double share = (double)g->out->box[t][rslot].fga / team;
	if (share <= cap)
		return 1.0;
	return pow(cap / share, TUNE_SHOT_SHARE_DAMP_POWER);
}

static int choose_handler(pw_sim_t *g, pw_rng_t *rng, int off, bool clutch)
{
	if (!g->damp_shots && !clutch) /* the weights are the lineup's */
		return sim_pick_from(rng, &g->lineup[off].handler, PW_ON_FLOOR);
	double w[PW_ON_FLOOR];
	for (int i = 0; i < PW_ON_FLOOR; i++) {
		int rs = roster_slot(g, off, i);
		w[i] = floor_cache(g, off, i)->handler_w;
		if (g->damp_shots) /* × 1.0 otherwise: skip it */
			w[i] *= share_damp_slow(g, off, rs);
		if (clutch)
			w[i] += g->st.hooper[off][rs].attr[PW_ATTR_EGO] * TUNE_HANDLER_CLUTCH_EGO;
	}
	return sim_pick(rng, w, PW_ON_FLOOR);
}

/* The defender on an attacker: the matchup in man schemes, else whoever
 * the zone or press rotates over, drawn by defense and speed. */
static int defender_of(poss_t *p, pw_rng_t *rng, int attacker)
{
	if (defense_is_man(p->scheme))
		return p->match[attacker];
	return sim_pick_from(rng, &p->g->lineup[p->def].zone, PW_ON_FLOOR);
}

/* Step 1: the scheme, then the matchups in man schemes. What the defense
 * takes from the lineups is in g->defense (defense.h). */
static void choose_scheme(poss_t *p, pw_rng_t *rng)
{
	pw_sim_t *g = p->g;
	const pw_defense_lineup_t *l = &g->defense[p->def];
	double stamina[PW_ON_FLOOR], mean = 0;
#pragma GCC unroll 3
	for (int i = 0; i < PW_ON_FLOOR; i++) {
		stamina[i] = floor_hooper(g, p->def, i)->stamina;
		mean += stamina[i];
	}
	mean /= PW_ON_FLOOR;
	double w[PW_SCHEME_COUNT];
	defense_lineup_weights(l, mean, g->st.score[p->def] - g->st.score[p->off], g->st.elam, w);
	p->scheme = (pw_scheme_t)sim_pick(rng, w, PW_SCHEME_COUNT);
	if (defense_is_man(p->scheme)) {
		defense_lineup_assign(l, stamina, sim_next(rng), p->match);
	} else {
#pragma GCC unroll 3
		for (int i = 0; i < PW_ON_FLOOR; i++)
			p->match[i] = i;
	}
}

static inline pw_play_t *emit(poss_t *p, pw_action_t a, pw_outcome_t o)
{
	int move = p->move;
	p->move = -1;
	return sim_emit_as(p->g, p->off, a, o, (int)p->scheme, move);
}

static long last_play(const pw_sim_t *g)
{
	return (long)g->out->n_plays - 1;
}

/* sim.possession.pre: the handler is known; effects may tilt the whole
 * possession. */
static void hook_possession_pre(poss_t *p, int handler)
{
	pw_sim_t *g = p->g;
	pw_hook_ctx_t c;
	pw_hook_result_t r;
	sim_ctx_init(g, &c, PW_HOOK_POSSESSION_PRE, p->off);
	c.handler = c.subject = floor_hooper(g, p->off, handler);
	sim_hook_call(g, &c, &r);
	p->to_extra = r.turnover_probability;
	p->foul_extra = r.foul_probability;
	for (int i = 0; i < PW_SHOT_TYPES; i++)
		p->bias[i] = r.action_bias[i];
	p->biased = p->bias[0] != 0 || p->bias[1] != 0 || p->bias[2] != 0;
	sim_hook_apply_common(g, &c, &r, -1);
}

static void hook_turnover_post(poss_t *p, int handler, int stealer)
{
	pw_sim_t *g = p->g;
	pw_hook_ctx_t c;
	pw_hook_result_t r;
	sim_ctx_init(g, &c, PW_HOOK_TURNOVER_POST, p->off);
	c.handler = c.subject = floor_hooper(g, p->off, handler);
	c.stealer = stealer >= 0 ? floor_hooper(g, p->def, stealer) : NULL;
	sim_hook_call(g, &c, &r);
	sim_hook_apply_common(g, &c, &r, last_play(g));
}

/* A turnover by attacker `loser`; a steal if `stealer` ≥ 0. */
static void turnover(poss_t *p, int loser, int stealer)
{
	pw_sim_t *g = p->g;
	pw_play_t *pl = emit(p, PW_ACT_TURNOVER, stealer >= 0 ? PW_RES_STEAL : PW_RES_LOST_BALL);
	pl->handler_id = floor_hooper(g, p->off, loser)->h->id;
	box_of(g, p->off, loser)->turnovers++;
	if (stealer >= 0) {
		pl->defender_id = floor_hooper(g, p->def, stealer)->h->id;
		box_of(g, p->def, stealer)->steals++;
		g->transition[p->def] = true;
	}
	if (sim_wants(g, PW_HOOK_TURNOVER_POST))
		hook_turnover_post(p, loser, stealer);
}

/* Step 3: the turnover / steal check at the start of a possession. */
static bool turnover_check(poss_t *p, pw_rng_t *rng, int handler)
{
	pw_sim_t *g = p->g;
	const pw_live_hooper_t *h = floor_hooper(g, p->off, handler);
	double pr = turnover_in(floor_cache(g, p->off, handler)->to_base, p->scheme, h->stamina,
				  p->to_extra + p->intensity * TUNE_INTENSITY_TO);
	if (!sim_chance(rng, pr))
		return false;
	int d = defender_of(p, rng, handler);
	double steal = TUNE_STEAL_SHARE +
		       (floor_hooper(g, p->def, d)->attr[PW_ATTR_DEFENSE] - 50) / TUNE_STEAL_DEF_DIVISOR;
	turnover(p, handler, sim_chance(rng, steal) ? d : -1);
	return true;
}

static const double help_chance[PW_SCHEME_COUNT] = {
	TUNE_HELP_MAN_TIGHT, TUNE_HELP_MAN_SWITCH, TUNE_HELP_ZONE, TUNE_HELP_PRESS,
};

/* The receiver of a pass from floor slot `holder` under max_shot_share:
 * hoopers hogging the shots are looked for less. */
static int damped_receiver(pw_sim_t *g, pw_rng_t *rng, int off, int holder)
{
	double w[PW_ON_FLOOR];
	for (int i = 0; i < PW_ON_FLOOR; i++)
		w[i] = floor_cache(g, off, i)->receiver_w * share_damp_slow(g, off, roster_slot(g, off, i));
	w[holder] = 0;
	return sim_pick(rng, w, PW_ON_FLOOR);
}

/*
 * Passes before the shot. Returns the shooter's floor slot, or -1 when a
 * pass was picked off. *passer is the last passer (-1: none); *open is
 * set when a No-Look Pass beat the help defense.
 */
static int pass_around(poss_t *p, pw_rng_t *rng, int holder, int *passer, bool *open)
{
	pw_sim_t *g = p->g;
	const pw_rules_t *R = g->st.rules;
	int forced = R->min_pass_per_possession;
	int limit = forced > TUNE_PASS_MAX ? forced : TUNE_PASS_MAX;
	*passer = -1;
	*open = false;
	for (int n = 0; n < limit; n++) {
		const pw_hooper_cache_t *hc = floor_cache(g, p->off, holder);
		if (n >= forced && !sim_chance(rng, hc->pass_chance))
			break;
		bool help = sim_chance(rng, help_chance[p->scheme]);
		double steal = hc->pass_steal + (help ? TUNE_PASS_STEAL_HELP : 0);
		bool nolook = help && holds(g, p->off, holder, PW_MOVE_NO_LOOK_PASS);
		if (nolook)
			steal = 0; /* the no-look pass threads the help */
		if (sim_chance(rng, steal)) {
			int d = defender_of(p, rng, holder);
			turnover(p, holder, d);
			return -1;
		}
		int to = g->damp_shots ? damped_receiver(g, rng, p->off, holder)
				       : sim_pick_from(rng, &g->lineup[p->off].receiver[holder], PW_ON_FLOOR);
		if (p->scheme == PW_SCHEME_MAN_SWITCH && sim_chance(rng, TUNE_SWITCH_CHANCE)) {
			int tmp = p->match[to];
			p->match[to] = p->match[holder];
			p->match[holder] = tmp;
		}
		if (nolook)
			fire(p, p->off, holder, PW_MOVE_NO_LOOK_PASS);
		*open = nolook;
		*passer = holder;
		holder = to;
	}
	return holder;
}

/* Step 4: at_rim, mid_range or three_point. */
static pw_shot_type_t select_shot(poss_t *p, pw_rng_t *rng, int shooter)
{
	pw_sim_t *g = p->g;
	const pw_game_state_t *st = &g->st;
	const pw_hooper_cache_t *c = floor_cache(g, p->off, shooter);
	double w[PW_SHOT_TYPES] = {c->sel_w[0], c->sel_w[1], c->sel_w[2]};
	if (p->transition)
		w[PW_SHOT_AT_RIM] *= TUNE_TRANSITION_RIM;
	if (p->scheme == PW_SCHEME_ZONE) {
		w[PW_SHOT_THREE] *= TUNE_ZONE_THREE;
		w[PW_SHOT_AT_RIM] *= TUNE_ZONE_RIM;
	}
	if (st->elam) {
		int need = st->elam_target - st->score[p->off];
		if (need > TUNE_ELAM_FAR_NEED)
			w[PW_SHOT_THREE] *= 1.0 + tune_clamp((need - TUNE_ELAM_FAR_NEED) * TUNE_ELAM_THREE_PER_POINT,
							 0, TUNE_ELAM_THREE_MAX);
	}
	/* Effect biases are shares of the whole: add them to normalised
	 * weights (scaled by the sum here, which draws the same). */
	if (p->biased) {
		double sum = w[0] + w[1] + w[2];
#pragma GCC unroll 3
		for (int i = 0; i < PW_SHOT_TYPES; i++)
			w[i] = tune_clamp(w[i] + p->bias[i] * sum, 0, 1e300);
	}
	return (pw_shot_type_t)sim_pick(rng, w, PW_SHOT_TYPES);
}

/* Free throws by attacker `shooter`. Returns true if the last one missed
 * (a live rebound). Stops as soon as the game is won. */
static bool free_throws(poss_t *p, int shooter, int n)
{
	pw_sim_t *g = p->g;
	pw_live_hooper_t *h = floor_hooper(g, p->off, shooter);
	const pw_hooper_cache_t *c = floor_cache(g, p->off, shooter);
	pw_box_t *b = box_of(g, p->off, shooter);
	int rs = roster_slot(g, p->off, shooter);
	bool missed = false;
	for (int i = 0; i < n && !g->over; i++) {
		double pr = c->ft * (TUNE_FT_STAMINA_MIN + (1.0 - TUNE_FT_STAMINA_MIN) * h->stamina);
		if (p->clutch)
			pr += g->ego_nudge[p->off];
		pr += (sim_uniform(&g->rng) - 0.5) * c->chaos;
		bool made = sim_chance(&g->rng, tune_clamp(pr, TUNE_PROB_MIN, TUNE_PROB_MAX));
		b->fta++;
		missed = !made;
		int v = 0;
		if (made) {
			b->ftm++;
			v = sim_add_points(g, p->off, g->st.rules->free_throw_value, rs);
		}
		pw_play_t *pl = emit(p, PW_ACT_FREE_THROW, made ? PW_RES_MADE : PW_RES_MISSED);
		pl->handler_id = h->h->id;
		pl->points = (int8_t)v;
	}
	return missed && !g->over;
}

/* A defensive foul by defender `fouler` on attacker `fouled`; emits the
 * play, calls sim.foul.post and handles a foul-out. */
/* Records a foul and its consequences (foul.post, a foul-out); returns the
 * index of the foul's own play, which later plays may already follow. */
static long foul(poss_t *p, int fouler, int fouled, bool shooting, int fts)
{
	pw_sim_t *g = p->g;
	pw_live_hooper_t *d = floor_hooper(g, p->def, fouler);
	pw_play_t *pl = emit(p, PW_ACT_FOUL, shooting ? PW_RES_SHOOTING : PW_RES_NON_SHOOTING);
	pl->handler_id = floor_hooper(g, p->off, fouled)->h->id;
	pl->defender_id = d->h->id;
	long idx = last_play(g);
	d->fouls++;
	box_of(g, p->def, fouler)->fouls++;
	g->st.team_fouls[p->def]++;
	if (sim_wants(g, PW_HOOK_FOUL_POST)) {
		pw_hook_ctx_t c;
		pw_hook_result_t r;
		sim_ctx_init(g, &c, PW_HOOK_FOUL_POST, p->off);
		c.fouler = d;
		c.fouled = c.subject = floor_hooper(g, p->off, fouled);
		c.free_throws = fts;
		sim_hook_call(g, &c, &r);
		sim_hook_apply_common(g, &c, &r, idx);
	}
	if (d->fouls >= g->st.rules->personal_foul_limit && !d->fouled_out)
		sim_foul_out(g, p->def, fouler);
	return idx;
}

/* Step 7: who gets a missed ball. Returns true for the offense. */
static bool rebound(poss_t *p)
{
	pw_sim_t *g = p->g;
	pw_rng_t rng = g->rng; /* in registers for the two draws: see poss_run() */
	bool offensive = sim_chance(&rng, g->oreb_share[p->off]);
	int t = offensive ? p->off : p->def;
	int who = sim_pick_from(&rng, &g->lineup[t].rebounder, PW_ON_FLOOR);
	g->rng = rng;
	pw_live_hooper_t *rb = floor_hooper(g, t, who);
	pw_play_t *pl = emit(p, PW_ACT_REBOUND, offensive ? PW_RES_OFFENSIVE : PW_RES_DEFENSIVE);
	pl->rebound_id = rb->h->id;
	box_of(g, t, who)->rebounds++;
	if (offensive)
		p->holder = who;
	if (sim_wants(g, PW_HOOK_REBOUND_POST)) {
		pw_hook_ctx_t c;
		pw_hook_result_t r;
		sim_ctx_init(g, &c, PW_HOOK_REBOUND_POST, p->off);
		c.rebounder = c.subject = rb;
		c.offensive = offensive;
		sim_hook_call(g, &c, &r);
		sim_hook_apply_common(g, &c, &r, last_play(g));
	}
	return offensive;
}

/* The make probability of a shot before effects (step 5). Draws the
 * clutch checks and the chaos spread. */
static double shot_probability(poss_t *p, pw_rng_t *rng, int shooter, int defender, pw_shot_type_t t,
			       bool open)
{
	pw_sim_t *g = p->g;
	const pw_game_state_t *st = &g->st;
	pw_live_hooper_t *s = floor_hooper(g, p->off, shooter);
	const pw_hooper_cache_t *c = floor_cache(g, p->off, shooter);
	const pw_live_hooper_t *d = floor_hooper(g, p->def, defender);
	unsigned om = c->moves, dm = floor_cache(g, p->def, defender)->moves;

	double contest = contest_in(p->scheme, floor_cache(g, p->def, defender)->contest_def, d->stamina,
				      p->intensity);
	if ((dm >> PW_MOVE_LOCKDOWN_STANCE & 1u) && !open) {
		contest = tune_clamp(contest * TUNE_LOCKDOWN_CONTEST_MULT, 0, TUNE_CONTEST_MAX);
		fire(p, p->def, defender, PW_MOVE_LOCKDOWN_STANCE);
	}
	if (p->transition)
		contest *= TUNE_CONTEST_TRANSITION;
	if (open)
		contest = 0;

	double iqf = c->iq_factor;
	double mult = 1.0;
	double spread = c->chaos;
	bool iron = false;
	if (om) {
		int rs = roster_slot(g, p->off, shooter);
		if (t == PW_SHOT_THREE && g->made_three[p->off][rs] && (om >> PW_MOVE_HEAT_CHECK & 1u)) {
			iqf = 1.0;
			mult *= TUNE_HEAT_CHECK_MULT;
			fire(p, p->off, shooter, PW_MOVE_HEAT_CHECK);
		}
		if ((om >> PW_MOVE_IRON_LEGS & 1u) && (st->elam || st->quarter > 2) &&
		    s->stamina < TUNE_IRON_LEGS_STAMINA) {
			iron = true;
			fire(p, p->off, shooter, PW_MOVE_IRON_LEGS);
		}
		if (t == PW_SHOT_AT_RIM && (om >> PW_MOVE_KILLER_CROSSOVER & 1u)) {
			mult *= TUNE_CROSSOVER_MULT;
			fire(p, p->off, shooter, PW_MOVE_KILLER_CROSSOVER);
		}
		if (t == PW_SHOT_AT_RIM && (om >> PW_MOVE_CHAOS_DUNK & 1u)) {
			spread *= TUNE_CHAOS_DUNK_SPREAD_MULT;
			fire(p, p->off, shooter, PW_MOVE_CHAOS_DUNK);
		}
		if ((om >> PW_MOVE_CLUTCH_GENE & 1u) &&
		    (st->elam || is_close_late(g, TUNE_CLUTCH_GENE_MARGIN))) {
			mult *= TUNE_CLUTCH_GENE_MULT;
			fire(p, p->off, shooter, PW_MOVE_CLUTCH_GENE);
		}
	}
	double pr = c->shot_base[t] * (1.0 - contest) * iqf * stamina_factor_in(s->stamina, iron);
	pr = pr * mult + g->crowd[p->off];

	if (p->clutch) {
		/* Fate's lucky swing, and the ego check the crowd leans on. */
		if (sim_chance(rng, s->attr[PW_ATTR_FATE] / 100.0 * TUNE_FATE_CLUTCH_CHANCE))
			pr += TUNE_FATE_CLUTCH_BONUS;
		double ego = s->attr[PW_ATTR_EGO] / 100.0;
		double check = ego + g->ego_nudge[p->off] * (1.0 - ego) * TUNE_CROWD_PRESSURE_SCALE;
		pr += sim_chance(rng, check) ? TUNE_EGO_SUCCESS_BONUS : -TUNE_EGO_FAILURE_PENALTY;
	}
	pr += (sim_uniform(rng) - 0.5) * 2.0 * spread;
	return pr;
}

/* What became of one trip down the floor. */
typedef enum trip_end { TRIP_DONE, TRIP_OREB, TRIP_SIDEOUT } trip_end_t;

/* One shot on its way: who takes it against whom, and what sim.shot.pre
 * made of it. The helpers below are the steps of trip(), each called
 * once, so the compiler folds them back into it. */
typedef struct shot {
	int shooter, defender;      /* floor slots */
	int passer;                 /* the last passer's floor slot, -1: none */
	int rs;                     /* the shooter's roster slot */
	bool open;                  /* a No-Look Pass beat the help */
	pw_shot_type_t t;
	pw_live_hooper_t *s, *d;
	double pr;                  /* make probability */
	int value;                  /* points if it goes in */
	double foul_extra;          /* the possession's, plus sim.shot.pre's */
	bool blocked;               /* sim.shot.pre blocked it */
	bool shooting;              /* the defender fouled on the shot */
	bool made;
	/* sim.shot.pre's line, PW_NARRATIVE_MAX + 1 bytes in trip()'s frame:
	 * an array in here would send the whole struct to memory (its
	 * address passes to sim_set_narrative), a pointer keeps the fields
	 * in registers. */
	char *narrative;
} shot_t;

/* Steps 4 and 5: the shot type, the defender on it and the make
 * probability before effects. */
static inline void shot_setup(poss_t *p, pw_rng_t *rng, shot_t *sh)
{
	pw_sim_t *g = p->g;
	const pw_rules_t *R = g->st.rules;
	sh->t = select_shot(p, rng, sh->shooter);
	sh->defender = defender_of(p, rng, sh->shooter);
	sh->s = floor_hooper(g, p->off, sh->shooter);
	sh->d = floor_hooper(g, p->def, sh->defender);
	sh->rs = roster_slot(g, p->off, sh->shooter);
	sh->pr = shot_probability(p, rng, sh->shooter, sh->defender, sh->t, sh->open);
	sh->value = sh->t == PW_SHOT_THREE ? R->three_point_value : R->two_point_value;
	sh->foul_extra = p->foul_extra;
	sh->blocked = false;
	sh->narrative[0] = 0;
}

/* The context of a shot hook: who shoots, against whom, what shot. */
static inline void shot_ctx(poss_t *p, const shot_t *sh, pw_sim_hook_t hook, pw_hook_ctx_t *c)
{
	sim_ctx_init(p->g, c, hook, p->off);
	c->shooter = c->subject = sh->s;
	c->defender = sh->d;
	c->shot_type = sh->t;
}

/* sim.shot.pre: effects see the probability (clamped) and may move it, the
 * shot's value and the foul chance, block the shot or narrate it. */
static inline void hook_shot_pre(poss_t *p, shot_t *sh)
{
	pw_sim_t *g = p->g;
	pw_hook_ctx_t c;
	pw_hook_result_t r;
	shot_ctx(p, sh, PW_HOOK_SHOT_PRE, &c);
	c.probability = tune_clamp(sh->pr, TUNE_PROB_MIN, TUNE_PROB_MAX);
	sim_hook_call(g, &c, &r);
	sh->pr += r.shot_probability;
	sh->value += r.shot_value;
	sh->foul_extra += r.foul_probability;
	sh->blocked = r.block;
	memcpy(sh->narrative, r.narrative, sizeof r.narrative);
	sim_hook_apply_common(g, &c, &r, -2);
}

/* Sets the effects' narrative on play idx, if they wrote one. */
static inline void shot_narrate(poss_t *p, const shot_t *sh, long idx)
{
	if (sh->narrative[0])
		sim_set_narrative(p->g, &p->g->out->plays[idx], sh->narrative);
}

/* An effect blocked the shot: the play, and the ball is dead. */
static inline void shot_blocked(poss_t *p, const shot_t *sh)
{
	pw_play_t *pl = emit(p, (pw_action_t)sh->t, PW_RES_BLOCKED);
	pl->handler_id = sh->s->h->id;
	pl->defender_id = sh->d->h->id;
	shot_narrate(p, sh, last_play(p->g));
}

/* Step 6: the foul check, before the ball is released. Returns whether the
 * defender fouled; *shooting says whether on the shot. */
static inline bool foul_check(poss_t *p, pw_rng_t *rng, const shot_t *sh, bool *shooting)
{
	static const double shooting_share[PW_SHOT_TYPES] = {
		TUNE_SHOOTING_FOUL_RIM, TUNE_SHOOTING_FOUL_MID, TUNE_SHOOTING_FOUL_THREE,
	};
	pw_sim_t *g = p->g;
	double fp = foul_in(g->foul_base[p->scheme], floor_cache(g, p->def, sh->defender)->foul_low_iq,
			    sh->foul_extra + p->intensity * TUNE_INTENSITY_FOUL);
	if (sh->t == PW_SHOT_AT_RIM && holds(g, p->off, sh->shooter, PW_MOVE_KILLER_CROSSOVER))
		fp = tune_clamp(fp * TUNE_CROSSOVER_FOUL_MULT, 0, TUNE_FOUL_MAX);
	bool fouled = sim_chance(rng, fp);
	*shooting = fouled && sim_chance(rng, shooting_share[sh->t]);
	return fouled;
}

/* A foul away from the shot: two shots in the bonus, else the ball is
 * inbounded again. */
static inline trip_end_t foul_off_the_ball(poss_t *p, const shot_t *sh)
{
	pw_sim_t *g = p->g;
	bool bonus = g->st.team_fouls[p->def] + 1 > g->st.rules->team_foul_bonus_threshold;
	shot_narrate(p, sh, foul(p, sh->defender, sh->shooter, false, bonus ? 2 : 0));
	if (!bonus)
		return TRIP_SIDEOUT;
	return free_throws(p, sh->shooter, 2) ? (rebound(p) ? TRIP_OREB : TRIP_DONE) : TRIP_DONE;
}

/* A made shot after a pass: the assist check (Court Vision doubles it and
 * shows on the shot's play). */
static inline void assist_check(poss_t *p, const shot_t *sh, long shot_idx)
{
	pw_sim_t *g = p->g;
	double ac = TUNE_ASSIST_BASE +
		    (floor_hooper(g, p->off, sh->passer)->attr[PW_ATTR_PASSING] - 50) * TUNE_ASSIST_PER_PASSING;
	if (!p->transition && holds(g, p->off, sh->passer, PW_MOVE_COURT_VISION)) {
		ac *= TUNE_COURT_VISION_MULT;
		fire(p, p->off, sh->passer, PW_MOVE_COURT_VISION);
		g->out->plays[shot_idx].move = PW_MOVE_COURT_VISION;
		p->move = -1;
	}
	if (sim_chance(&g->rng, ac)) {
		g->out->plays[shot_idx].assist_id = floor_hooper(g, p->off, sh->passer)->h->id;
		box_of(g, p->off, sh->passer)->assists++;
	}
}

/* The shot's play and box score (a missed shot on which the shooter was
 * fouled is no field-goal attempt and has no play). Returns the play's
 * index; *pts the points it scored. */
static inline long shot_play(poss_t *p, shot_t *sh, bool made, int *pts)
{
	pw_sim_t *g = p->g;
	pw_box_t *b = box_of(g, p->off, sh->shooter);
	pw_play_t *pl = emit(p, (pw_action_t)sh->t, made ? PW_RES_MADE : PW_RES_MISSED);
	pl->handler_id = sh->s->h->id;
	pl->defender_id = sh->d->h->id;
	long shot_idx = last_play(g);
	b->fga++;
	g->team_fga[p->off]++;
	if (sh->t == PW_SHOT_THREE)
		b->tpa++;
	*pts = 0;
	if (made) {
		b->fgm++;
		if (sh->t == PW_SHOT_THREE) {
			b->tpm++;
			p->made_three[sh->rs] = true;
		}
		if (sh->passer >= 0)
			assist_check(p, sh, shot_idx);
		*pts = sim_add_points(g, p->off, sh->value, sh->rs);
		pw_play_t *sp = &g->out->plays[shot_idx];
		sp->points = (int8_t)*pts;
		sp->home_score = (int16_t)g->st.score[0];
		sp->away_score = (int16_t)g->st.score[1];
	}
	shot_narrate(p, sh, shot_idx);
	return shot_idx;
}

/* sim.shot.post: effects see how the shot went. */
static inline void hook_shot_post(poss_t *p, const shot_t *sh, bool made, int pts, long shot_idx)
{
	pw_sim_t *g = p->g;
	pw_hook_ctx_t c;
	pw_hook_result_t r;
	shot_ctx(p, sh, PW_HOOK_SHOT_POST, &c);
	c.made = made;
	c.points = pts;
	sim_hook_call(g, &c, &r);
	sim_hook_apply_common(g, &c, &r, shot_idx);
}

/* Fouled on the shot: one free throw after a make (and one), else as many
 * as the shot was worth in attempts. Returns true when the last one missed
 * (a live rebound). */
static inline bool shooting_foul(poss_t *p, const shot_t *sh, bool made, long shot_idx)
{
	int n = made ? 1 : (sh->t == PW_SHOT_THREE ? 3 : 2);
	long fidx = foul(p, sh->defender, sh->shooter, true, n);
	if (shot_idx < 0) /* no shot play: the narrative goes on the foul */
		shot_narrate(p, sh, fidx);
	return free_throws(p, sh->shooter, n);
}

/* How a trip up to the release ended. */
typedef enum release { REL_DEAD, REL_BLOCKED, REL_OFF_BALL_FOUL, REL_SHOT } release_t;

/* Steps 4–6 up to the ball leaving the shooter's hands: the passes, the
 * shot and its probability, sim.shot.pre, the foul check and whether it
 * goes in (sh->made, after a foul on the shot sh->shooting). Every draw
 * here is from rng, the possession's copy of the game's generator. */
static inline release_t release(poss_t *p, pw_rng_t *rng, int holder, shot_t *sh)
{
	pw_sim_t *g = p->g;
	sh->shooter = pass_around(p, rng, holder, &sh->passer, &sh->open);
	if (sh->shooter < 0 || g->over)
		return REL_DEAD;
	shot_setup(p, rng, sh);
	if (sim_wants(g, PW_HOOK_SHOT_PRE)) {
		hook_shot_pre(p, sh);
		if (g->over)
			return REL_DEAD;
	}
	if (sh->value < 0)
		sh->value = 0;
	sh->pr = tune_clamp(sh->pr, TUNE_PROB_MIN, TUNE_PROB_MAX);
	if (sh->blocked)
		return REL_BLOCKED;
	if (foul_check(p, rng, sh, &sh->shooting) && !sh->shooting)
		return REL_OFF_BALL_FOUL;
	if (sh->shooting)
		sh->pr *= TUNE_FOULED_SHOT_FACTOR;
	sh->made = sim_chance(rng, sh->pr);
	return REL_SHOT;
}

/* The share of the shot clock a trip uses. */
static double clock_share(pw_sim_t *g, pw_rng_t *rng, int off, trip_end_t kind, bool transition)
{
	double u = sim_uniform(rng);
	double share;
	if (kind == TRIP_OREB)
		share = TUNE_CLOCK_OREB_SHARE_MIN + TUNE_CLOCK_OREB_SHARE_SPAN * u;
	else if (kind == TRIP_SIDEOUT)
		share = TUNE_CLOCK_SIDEOUT_SHARE * (0.5 + u);
	else if (transition)
		share = TUNE_CLOCK_TRANSITION_SHARE * (0.5 + u);
	else
		share = TUNE_CLOCK_SHARE_MIN + TUNE_CLOCK_SHARE_SPAN * u;
	return share * g->pace[off];
}

/* Steps 5–7 after the release: the shot's play, sim.shot.post, free
 * throws and the rebound. These draw from g->rng (see trip()). */
static inline trip_end_t after_release(poss_t *p, shot_t *sh, release_t rel)
{
	pw_sim_t *g = p->g;
	switch (rel) {
	case REL_DEAD:
		return TRIP_DONE;
	case REL_BLOCKED:
		shot_blocked(p, sh);
		return TRIP_DONE;
	case REL_OFF_BALL_FOUL:
		return foul_off_the_ball(p, sh);
	case REL_SHOT:
		break;
	}
	bool made = sh->made, shooting = sh->shooting;
	int pts = 0;
	long shot_idx = made || !shooting ? shot_play(p, sh, made, &pts) : -1;

	if (sim_wants(g, PW_HOOK_SHOT_POST) && !g->over)
		hook_shot_post(p, sh, made, pts, shot_idx);
	if (g->over)
		return TRIP_DONE;
	if (shooting) {
		if (!shooting_foul(p, sh, made, shot_idx))
			return TRIP_DONE;
	} else if (made) {
		return TRIP_DONE;
	}
	return rebound(p) ? TRIP_OREB : TRIP_DONE;
}

/*
 * One trip down the floor with the ball in the hands of attacker
 * `holder`: the clock, the turnover check, then steps 4–7. `kind` is how
 * the last trip ended (TRIP_DONE for the first), `first` whether this is
 * the first. The steps are the helpers above, each called once and
 * inlined.
 *
 * rng is poss_run's copy of the game's generator (see there). It is
 * written back to g->rng around what draws out of line (free throws,
 * rebounds, in after_release), so the stream is the game's one stream,
 * draw for draw.
 */
static inline trip_end_t trip(poss_t *p, pw_rng_t *rng, int holder, trip_end_t kind, bool first)
{
	pw_sim_t *g = p->g;
	char narrative[PW_NARRATIVE_MAX + 1];
	shot_t sh = {.narrative = narrative};
	advance(g, g->st.rules->shot_clock_seconds *
			   clock_share(g, rng, p->off, kind, p->transition && first));
	release_t rel = turnover_check(p, rng, holder) ? REL_DEAD : release(p, rng, holder, &sh);
	g->rng = *rng;
	trip_end_t end = after_release(p, &sh, rel);
	*rng = g->rng;
	return end;
}

/* A hooper on the floor loses d of stamina. */
static inline void tire(pw_live_hooper_t *h, double d)
{
	h->stamina = h->stamina > d ? h->stamina - d : 0;
}

/* Team t's legs after a possession: d[i] lost by floor slot i, the bench
 * recovering. */
static inline void drain_team(pw_sim_t *g, int t, const double d[PW_ON_FLOOR])
{
	pw_live_hooper_t *const *fl = g->fl[t];
	const pw_lineup_cache_t *l = &g->lineup[t];
	tire(fl[0], d[0]);
	tire(fl[1], d[1]);
	tire(fl[2], d[2]);
	for (int i = 0; i < PW_BENCH_SIZE; i++) {
		pw_live_hooper_t *h = l->bench[i];
		if (h->stamina < 1.0)
			h->stamina = tune_clamp(h->stamina + TUNE_BENCH_RECOVERY, 0, 1);
	}
}

/* Step 8: legs tire on the floor and rest on the bench. What each hooper
 * on the floor loses is a lineup constant (sim_lineup_changed): this runs
 * every possession. */
static void drain(poss_t *p)
{
	pw_sim_t *g = p->g;
	drain_team(g, p->off, g->lineup[p->off].drain_off);
	drain_team(g, p->def, g->lineup[p->def].drain_def[p->scheme]);
}


/*
 * The game's generator lives in g->rng, where every draw would load and
 * store its four words: stores through the play buffer and calls may
 * alias it, so the compiler cannot keep it in registers. A possession
 * draws from a local copy instead, whose address only inline helpers
 * see; it goes back to g->rng around anything out of line that draws
 * (trip()) and at the end.
 */
void poss_run(pw_sim_t *g, int off)
{
	/* Field by field: zeroing the whole struct costs more than the
	 * possession's short stretches. The rest are set before they are read
	 * (scheme and match by choose_scheme, bias only when biased, holder on
	 * an offensive rebound). */
	poss_t p;
	p.g = g;
	p.off = off;
	p.def = 1 - off;
	p.move = -1;
	p.to_extra = p.foul_extra = 0;
	p.biased = false;
	memset(p.made_three, 0, sizeof p.made_three);
	const pw_rules_t *R = g->st.rules;
	g->st.possession++;
	p.transition = g->transition[off];
	g->transition[off] = false;
	p.intensity = g->st.team[p.def]->strategy.defensive_intensity;

	p.clutch = is_close_late(g, TUNE_CLOSE_MARGIN);
	pw_rng_t rng = g->rng;
	choose_scheme(&p, &rng);
	int handler = choose_handler(g, &rng, off, p.clutch);
	if (sim_wants(g, PW_HOOK_POSSESSION_PRE))
		hook_possession_pre(&p, handler);
	if (!g->over) {
		trip_end_t kind = TRIP_DONE; /* the first trip is a fresh possession */
		for (int n = 0; n < TUNE_MAX_TRIPS; n++) {
			if (n > 0 && clock_out(g))
				break;
			kind = trip(&p, &rng, handler, kind, n == 0);
			if (kind == TRIP_DONE || g->over)
				break;
			if (kind == TRIP_OREB)
				handler = p.holder;
			p.transition = false;
		}
		memcpy(g->made_three[off], p.made_three, sizeof p.made_three);
		if (!g->over) {
			drain(&p);
			advance(g, R->dead_ball_time_seconds * (0.5 + sim_uniform(&rng)));
		}
	}
	g->rng = rng;
}
