/*
 * sim.c — one game: setup, timed quarters, breaks and substitutions, the
 * Elam ending, the safety cap, and the bookkeeping every play shares
 * (scores, leads, box scores, plays, narratives, hook glue). A possession
 * itself is possession.c's business.
 */
#include "core/sim/sim.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sim/defense.h"
#include "core/sim/moves.h"
#include "core/sim/possession.h"
#include "core/sim/simstate.h"
#include "core/sim/tuning.h"

#define PLAYS_INITIAL      512
#define NARRATIVE_INITIAL  1024
/* Sudden death after the safety cap cannot run for ever (an effect could
 * block every shot): after this many more possessions a coin decides. */
#define SUDDEN_DEATH_MAX   200

/* ---- Result buffers -------------------------------------------------------- */

void sim_result_init(pw_game_result_t *r)
{
	memset(r, 0, sizeof *r);
}

void sim_result_free(pw_game_result_t *r)
{
	if (!r)
		return;
	free(r->plays);
	free(r->narratives);
	free(r->effects);
	memset(r, 0, sizeof *r);
}

const char *sim_play_narrative(const pw_game_result_t *r, const pw_play_t *p)
{
	if (!r || !p || p->narrative < 0 || (size_t)p->narrative >= r->len_narratives)
		return NULL;
	return r->narratives + p->narrative;
}

int sim_result_add_effect_stat(pw_game_result_t *r, const pw_effect_stat_t *s)
{
	if (r->n_effects == r->cap_effects) {
		size_t cap = r->cap_effects ? r->cap_effects * 2 : 8;
		pw_effect_stat_t *e = realloc(r->effects, cap * sizeof *e);
		if (!e)
			return -1;
		r->effects = e;
		r->cap_effects = cap;
	}
	r->effects[r->n_effects++] = *s;
	return 0;
}

/* Clears a result for a new game, keeping its buffers. */
static void result_reset(pw_game_result_t *r)
{
	pw_play_t *plays = r->plays;
	char *narr = r->narratives;
	pw_effect_stat_t *fx = r->effects;
	size_t cp = r->cap_plays, cn = r->cap_narratives, ce = r->cap_effects;
	memset(r, 0, sizeof *r);
	r->plays = plays;
	r->cap_plays = cp;
	r->narratives = narr;
	r->cap_narratives = cn;
	r->effects = fx;
	r->cap_effects = ce;
}

/* ---- Plays and narratives -------------------------------------------------- */

pw_play_t *sim_emit_grow(pw_sim_t *g, int offense, pw_action_t a, pw_outcome_t o, int scheme,
			 int move)
{
	pw_game_result_t *r = g->out;
	size_t cap = r->cap_plays ? r->cap_plays * 2 : PLAYS_INITIAL;
	pw_play_t *p = realloc(r->plays, cap * sizeof *p);
	if (!p) {
		/* The game is void (sim_game returns -1); keep playing into a
		 * scratch play rather than test every caller. */
		g->oom = true;
		sim_play_stamp(g, &g->scratch, (int)r->n_plays, offense, a, o, scheme, move);
		return &g->scratch;
	}
	r->plays = p;
	r->cap_plays = cap;
	p = &r->plays[r->n_plays++];
	sim_play_stamp(g, p, (int)r->n_plays, offense, a, o, scheme, move);
	return p;
}

/* The byte at i of a (la bytes), a space and b joined. */
static unsigned char joined_at(const char *a, size_t la, const char *b, size_t i)
{
	return (unsigned char)(i < la ? a[i] : i == la ? ' ' : b[i - la - 1]);
}

/*
 * Stores a, or a and b joined by a space when b is not empty, as one
 * narrative of at most PW_NARRATIVE_MAX bytes cut on a UTF-8 character
 * boundary; its offset, or -1 when out of memory. Written with memcpy into
 * place: a printf here cost more than a thousand instructions per
 * narrative, as much as a dozen possessions.
 */
static int narrative_append(pw_sim_t *g, const char *a, const char *b)
{
	pw_game_result_t *r = g->out;
	size_t la = strlen(a), lb = b ? strlen(b) : 0;
	size_t full = la + (lb ? lb + 1 : 0);
	size_t len = full < PW_NARRATIVE_MAX ? full : PW_NARRATIVE_MAX;
	while (len > 0 && len < full && (joined_at(a, la, b, len) & 0xC0) == 0x80)
		len--;
	if (r->len_narratives + len + 1 > r->cap_narratives) {
		size_t cap = r->cap_narratives ? r->cap_narratives : NARRATIVE_INITIAL;
		while (r->len_narratives + len + 1 > cap)
			cap *= 2;
		char *n = realloc(r->narratives, cap);
		if (!n) {
			g->oom = true;
			return -1;
		}
		r->narratives = n;
		r->cap_narratives = cap;
	}
	char *dst = r->narratives + r->len_narratives;
	memcpy(dst, a, len < la ? len : la);
	if (len > la) {
		dst[la] = ' ';
		memcpy(dst + la + 1, b, len - la - 1);
	}
	dst[len] = 0;
	int off = (int)r->len_narratives;
	r->len_narratives += len + 1;
	return off;
}

void sim_set_narrative(pw_sim_t *g, pw_play_t *p, const char *text)
{
	if (!text || !*text)
		return;
	int off;
	if (p->narrative >= 0) {
		/* a copy: storing the joined text may move the narratives */
		char old[PW_NARRATIVE_MAX + 1];
		const char *cur = g->out->narratives + p->narrative;
		size_t n = strnlen(cur, PW_NARRATIVE_MAX);
		memcpy(old, cur, n);
		old[n] = 0;
		off = narrative_append(g, old, text);
	} else {
		off = narrative_append(g, text, NULL);
	}
	if (off >= 0)
		p->narrative = off;
}

/* ---- Scores ---------------------------------------------------------------- */

/* ---- Per-hooper caches ----------------------------------------------------- */

static void cache_hooper(pw_sim_t *g, int t, int i)
{
	const pw_live_hooper_t *h = &g->st.hooper[t][i];
	pw_hooper_cache_t *c = &g->cache[t][i];
	const int *a = h->attr;
	for (int k = 0; k < PW_SHOT_TYPES; k++)
		c->shot_base[k] = poss_shot_base(a[PW_ATTR_SCORING], (pw_shot_type_t)k,
						 k == PW_SHOT_THREE ? g->three_mid_shift : 0);
	c->ft = poss_ft_base(a[PW_ATTR_SCORING]);
	c->iq_factor = poss_iq_factor(a[PW_ATTR_IQ]);
	poss_selection_base(a, c->sel);
	/* The selection weights before the possession's context (possession.c
	 * multiplies these by transition, zone and Elam terms). */
	const pw_strategy_t *strat = &g->st.team[t]->strategy;
	c->sel_w[PW_SHOT_AT_RIM] = c->sel[PW_SHOT_AT_RIM] * g->surface_drive *
				   (1.0 + strat->rim_bias * TUNE_STRATEGY_BIAS);
	c->sel_w[PW_SHOT_MID_RANGE] = c->sel[PW_SHOT_MID_RANGE] * (1.0 + strat->mid_bias * TUNE_STRATEGY_BIAS);
	c->sel_w[PW_SHOT_THREE] = c->sel[PW_SHOT_THREE] * g->three_weight *
				  (1.0 + strat->three_bias * TUNE_STRATEGY_BIAS);
	const pw_rules_t *R = g->st.rules;
	c->to_base = poss_turnover_base(R->turnover_rate_modifier, a[PW_ATTR_IQ]);
	c->pass_chance = poss_pass_chance(a[PW_ATTR_PASSING]);
	c->pass_steal = poss_pass_steal_base(R->turnover_rate_modifier, a[PW_ATTR_PASSING]);
	c->contest_def = poss_contest_defense(a[PW_ATTR_DEFENSE]);
	c->foul_low_iq = poss_foul_low_iq(a[PW_ATTR_IQ]);
	c->handler_w = a[PW_ATTR_PASSING] + a[PW_ATTR_IQ];
	c->receiver_w = a[PW_ATTR_SCORING] + a[PW_ATTR_SPEED] * TUNE_RECEIVER_SPEED;
	c->reb_w = a[PW_ATTR_DEFENSE] * TUNE_REB_DEF_ATTR +
		   a[PW_ATTR_SPEED] * TUNE_REB_SPD_ATTR * g->surface_speed;
	c->chaos = a[PW_ATTR_CHAOTIC] / 100.0 * TUNE_CHAOS_SPREAD;
	c->drain_own = poss_drain_own(a[PW_ATTR_STAMINA]);
	c->threat = defense_threat(a);
	c->contain = defense_containment(a);
	c->zone_w = a[PW_ATTR_DEFENSE] + a[PW_ATTR_SPEED];
	c->moves = 0;
	for (int m = 0; m < h->n_moves && m < PW_MAX_MOVES; m++) {
		const pw_move_def_t *d = moves_def(h->moves[m]);
		if (d && moves_gate_open(d, a))
			c->moves |= 1u << h->moves[m];
	}
}

/* What a possession takes from the two lineups, for either team on
 * offense: the defense's terms (defense.h) and the offense's share of
 * rebounds. A change on one side changes both. */
static void lineup_pairs(pw_sim_t *g)
{
	for (int d = 0; d < 2; d++) {
		int o = 1 - d;
		g->oreb_share[o] = poss_offense_rebound_share(g->st.rules->offensive_rebound_weight,
							      g->lineup[o].reb_sum, g->lineup[d].reb_sum,
							      g->lineup[o].fate_sum);
		pw_defense_situation_t s = {
			.iq = g->lineup[d].iq_mean,
			.offense_speed = g->lineup[o].speed_mean,
			.strategy = &g->st.team[d]->strategy,
		};
		pw_matchup_input_t in = {.iq = s.iq};
		for (int i = 0; i < PW_ON_FLOOR; i++) {
			in.threat[i] = g->cache[o][g->st.on_floor[o][i]].threat;
			in.contain[i] = g->cache[d][g->st.on_floor[d][i]].contain;
		}
		defense_lineup_init(&g->defense[d], &s, &in);
	}
}

/* The draws among team t's three whose weights are lineup constants,
 * weighted as possession.c weighs them. */
static void lineup_picks(pw_sim_t *g, int t)
{
	pw_lineup_cache_t *l = &g->lineup[t];
	double hw[PW_ON_FLOOR], rw[PW_ON_FLOOR], bw[PW_ON_FLOOR], zw[PW_ON_FLOOR];
	for (int i = 0; i < PW_ON_FLOOR; i++) {
		const pw_hooper_cache_t *c = g->fc[t][i];
		hw[i] = c->handler_w;
		rw[i] = c->receiver_w;
		bw[i] = c->reb_w + TUNE_REB_PICK_BASE;
		zw[i] = c->zone_w;
	}
	sim_pick_init(&l->handler, hw, PW_ON_FLOOR);
	sim_pick_init(&l->rebounder, bw, PW_ON_FLOOR);
	sim_pick_init(&l->zone, zw, PW_ON_FLOOR);
	for (int holder = 0; holder < PW_ON_FLOOR; holder++) {
		double w[PW_ON_FLOOR] = {rw[0], rw[1], rw[2]};
		w[holder] = 0; /* nobody passes to themselves */
		sim_pick_init(&l->receiver[holder], w, PW_ON_FLOOR);
	}
}

/* Team t's own part of the lineup cache. */
static void lineup_team(pw_sim_t *g, int t)
{
	pw_lineup_cache_t *l = &g->lineup[t];
	const pw_rules_t *R = g->st.rules;
	memset(l, 0, sizeof *l);
	int n_bench = 0;
	for (int i = 0; i < PW_ROSTER_SIZE; i++)
		if (!g->st.hooper[t][i].on_floor && n_bench < PW_BENCH_SIZE)
			l->bench[n_bench++] = &g->st.hooper[t][i];
	/* The drain as possession.c computed it every possession, from the
	 * same expressions, so the stamina it leaves is bit for bit the same. */
	double off_base = poss_drain_team(R, g->drain_mult[t], 0);
	double def_base[PW_SCHEME_COUNT];
	double intensity = g->st.team[t]->strategy.defensive_intensity;
	for (int s = 0; s < PW_SCHEME_COUNT; s++) {
		double dcost = defense_stamina_cost((pw_scheme_t)s) * (1.0 + intensity * TUNE_INTENSITY_DRAIN);
		def_base[s] = poss_drain_team(R, g->drain_mult[t], dcost);
	}
	for (int i = 0; i < PW_ON_FLOOR; i++) {
		int k = g->st.on_floor[t][i];
		const int *a = g->st.hooper[t][k].attr;
		g->fl[t][i] = &g->st.hooper[t][k];
		g->fc[t][i] = &g->cache[t][k];
		l->drain_off[i] = off_base * g->cache[t][k].drain_own;
		for (int s = 0; s < PW_SCHEME_COUNT; s++)
			l->drain_def[s][i] = def_base[s] * g->cache[t][k].drain_own;
		l->reb_sum += g->cache[t][k].reb_w;
		l->fate_sum += a[PW_ATTR_FATE];
		l->iq_mean += a[PW_ATTR_IQ];
		l->speed_mean += a[PW_ATTR_SPEED];
	}
	l->iq_mean /= PW_ON_FLOOR;
	l->speed_mean /= PW_ON_FLOOR;
	lineup_picks(g, t);
}

void sim_lineup_changed(pw_sim_t *g, int t)
{
	lineup_team(g, t);
	lineup_pairs(g);
}

/* ---- Hook glue ------------------------------------------------------------- */

void sim_ctx_init(pw_sim_t *g, pw_hook_ctx_t *c, pw_sim_hook_t h, int offense)
{
	memset(c, 0, sizeof *c);
	c->hook = h;
	c->game = &g->st;
	c->offense = offense;
}

void sim_hook_call(pw_sim_t *g, const pw_hook_ctx_t *c, pw_hook_result_t *r)
{
	/* What the provider adds to starts at zero; the attribute list and
	 * the narrative are read only as far as n_attrs and their NUL go, so
	 * clearing them whole (most of the struct) at every hook point would
	 * be most of what a hook point costs the simulation. */
	memset(r, 0, offsetof(pw_hook_result_t, attrs));
	r->narrative[0] = 0;
	g->hooks->call(g->hooks->ud, c, r);
	r->narrative[PW_NARRATIVE_MAX] = 0;
}

/* The team and slot of a hooper the ctx points at (it points into g->st). */
static pw_live_hooper_t *mutable_hooper(pw_sim_t *g, const pw_live_hooper_t *h, int *t, int *slot)
{
	for (int k = 0; k < 2; k++)
		if (h >= g->st.hooper[k] && h < g->st.hooper[k] + PW_ROSTER_SIZE) {
			*t = k;
			*slot = (int)(h - g->st.hooper[k]);
			return &g->st.hooper[k][*slot];
		}
	return NULL;
}

/*
 * Who is credited with an effect's points for team t, so that every point
 * lands in a box line (box scores sum to the score) and plus/minus follows:
 * the hook's subject when on team t; else the first of the play's other
 * hoopers who is on team t (handler, shooter, rebounder, stealer, fouled,
 * fouler, defender: at sim.shot.post, points for the defense go to the
 * defender); else, at hooks without a play, team t's first hooper on the
 * floor. Deterministic, and costs nothing when no effect scores.
 */
static int effect_scorer(pw_sim_t *g, const pw_hook_ctx_t *c, int t)
{
	const pw_live_hooper_t *cand[] = {
		c->subject, c->handler, c->shooter, c->rebounder,
		c->stealer, c->fouled,  c->fouler,  c->defender,
	};
	for (size_t i = 0; i < sizeof cand / sizeof cand[0]; i++) {
		int ht, slot;
		if (cand[i] && mutable_hooper(g, cand[i], &ht, &slot) && ht == t)
			return slot;
	}
	return g->st.on_floor[t][0];
}

void sim_hook_apply_common(pw_sim_t *g, const pw_hook_ctx_t *c, const pw_hook_result_t *r,
			   long attach)
{
	/* Most hook points return nothing these fields hold: done before
	 * looking for the subject's hooper. */
	if (r->stamina == 0 && !r->score_home && !r->score_away && !r->score_offense && !r->narrative[0])
		return;
	int st = -1, sslot = -1;
	pw_live_hooper_t *subject = c->subject ? mutable_hooper(g, c->subject, &st, &sslot) : NULL;
	if (subject && r->stamina != 0)
		subject->stamina = tune_clamp(subject->stamina + r->stamina, 0, 1);

	/* Points: home first, then away; negative totals are ignored (a score
	 * never falls), and none count once the game is over (an Elam target
	 * reached by the home points ends the game before the away points). */
	bool told = false;
	int delta[2] = {r->score_home, r->score_away};
	if (c->offense == 0 || c->offense == 1)
		delta[c->offense] += r->score_offense;
	for (int t = 0; t < 2; t++) {
		if (delta[t] <= 0 || g->over)
			continue;
		int scorer = effect_scorer(g, c, t);
		int added = sim_add_points(g, t, delta[t], scorer);
		pw_play_t *p = sim_emit(g, t, PW_ACT_EFFECT, PW_RES_NONE);
		p->points = (int8_t)added;
		p->handler_id = g->st.hooper[t][scorer].h->id;
		if (!told && r->narrative[0] && attach != -2) {
			sim_set_narrative(g, p, r->narrative);
			told = true;
		}
	}
	if (told || !r->narrative[0] || attach == -2)
		return;
	if (attach >= 0 && (size_t)attach < g->out->n_plays) {
		sim_set_narrative(g, &g->out->plays[attach], r->narrative);
	} else {
		pw_play_t *p = sim_emit(g, c->offense >= 0 ? c->offense : 0, PW_ACT_EFFECT, PW_RES_NONE);
		sim_set_narrative(g, p, r->narrative);
	}
}

/* attributes (sim.game.pre, sim.quarter.pre): temporary for this game. */
static void apply_attributes(pw_sim_t *g, const pw_hook_result_t *r)
{
	for (int k = 0; k < r->n_attrs && k < PW_HOOK_MAX_ATTRS; k++) {
		const pw_attr_change_t *ch = &r->attrs[k];
		if (ch->attr < 0 || ch->attr >= PW_ATTR_COUNT)
			continue;
		for (int t = 0; t < 2; t++)
			for (int i = 0; i < PW_ROSTER_SIZE; i++) {
				pw_live_hooper_t *h = &g->st.hooper[t][i];
				if (h->h->id != ch->hooper_id)
					continue;
				int v = h->attr[ch->attr] + ch->delta;
				h->attr[ch->attr] = v < 1 ? 1 : v > 100 ? 100 : v;
				cache_hooper(g, t, i);
				sim_lineup_changed(g, t);
			}
	}
}

/* A hook with no hooper and no possession: game, quarter, halftime, Elam. */
static void period_hook(pw_sim_t *g, pw_sim_hook_t h, bool attributes)
{
	if (!sim_wants(g, h))
		return;
	pw_hook_ctx_t c;
	pw_hook_result_t r;
	sim_ctx_init(g, &c, h, -1);
	sim_hook_call(g, &c, &r);
	if (attributes)
		apply_attributes(g, &r);
	sim_hook_apply_common(g, &c, &r, -1);
}

/* ---- Lineups --------------------------------------------------------------- */

static int margin_of(const pw_sim_t *g, int t)
{
	return g->st.score[t] - g->st.score[1 - t];
}

/* A hooper leaves the floor (or the game ends): settle the minutes and
 * plus/minus of the stint that began at entered/margin_in. */
static void check_out(pw_sim_t *g, int t, int slot)
{
	pw_box_t *b = &g->out->box[t][slot];
	b->seconds += g->elapsed - g->entered[t][slot];
	b->plus_minus += margin_of(g, t) - g->margin_in[t][slot];
}

static void swap_in(pw_sim_t *g, int t, int floor_slot, int bench, pw_outcome_t why)
{
	pw_game_state_t *st = &g->st;
	int out = st->on_floor[t][floor_slot];
	check_out(g, t, out);
	g->entered[t][bench] = g->elapsed;
	g->margin_in[t][bench] = margin_of(g, t);
	st->hooper[t][out].on_floor = false;
	st->hooper[t][bench].on_floor = true;
	st->on_floor[t][floor_slot] = bench;
	sim_lineup_changed(g, t);
	pw_play_t *p = sim_emit(g, t, PW_ACT_SUBSTITUTION, why);
	p->handler_id = st->hooper[t][bench].h->id;
	p->other_id = st->hooper[t][out].h->id;
}

/* The freshest hooper on the bench who may still play, or -1. */
static int best_bench(const pw_sim_t *g, int t)
{
	int best = -1;
	for (int i = 0; i < PW_ROSTER_SIZE; i++) {
		const pw_live_hooper_t *h = &g->st.hooper[t][i];
		if (h->on_floor || h->fouled_out)
			continue;
		if (best < 0 || h->stamina > g->st.hooper[t][best].stamina)
			best = i;
	}
	return best;
}

/* A hooper at the foul limit leaves at once. With nobody left on the bench
 * they stay on (a team never plays short-handed). */
void sim_foul_out(pw_sim_t *g, int t, int floor_slot)
{
	int who = g->st.on_floor[t][floor_slot];
	g->st.hooper[t][who].fouled_out = true;
	int b = best_bench(g, t);
	if (b >= 0)
		swap_in(g, t, floor_slot, b, PW_RES_FOUL_OUT);
}

/* At a quarter break, the most tired hooper below the threshold sits for a
 * fresher one. */
static void fatigue_subs(pw_sim_t *g)
{
	double threshold = g->st.rules->substitution_stamina_threshold;
	for (int t = 0; t < 2; t++) {
		int tired = -1;
		for (int i = 0; i < PW_ON_FLOOR; i++) {
			const pw_live_hooper_t *h = &g->st.hooper[t][g->st.on_floor[t][i]];
			if (h->stamina < threshold &&
			    (tired < 0 || h->stamina < g->st.hooper[t][g->st.on_floor[t][tired]].stamina))
				tired = i;
		}
		if (tired < 0)
			continue;
		int b = best_bench(g, t);
		if (b >= 0 && g->st.hooper[t][b].stamina > g->st.hooper[t][g->st.on_floor[t][tired]].stamina)
			swap_in(g, t, tired, b, PW_RES_IN);
	}
}

static void recover(pw_sim_t *g, double amount)
{
	for (int t = 0; t < 2; t++)
		for (int i = 0; i < PW_ROSTER_SIZE; i++) {
			pw_live_hooper_t *h = &g->st.hooper[t][i];
			h->stamina = tune_clamp(h->stamina + amount, 0, 1);
		}
}

/* ---- Setup ----------------------------------------------------------------- */

static void setup_team(pw_sim_t *g, int t, const pw_team_t *team)
{
	pw_game_state_t *st = &g->st;
	st->team[t] = team;
	int n = 0;
	for (int i = 0; i < PW_ROSTER_SIZE; i++) {
		const pw_hooper_t *src = &team->hoopers[i];
		pw_live_hooper_t *h = &st->hooper[t][i];
		h->h = src;
		memcpy(h->attr, src->attr, sizeof h->attr);
		for (int a = 0; a < PW_ATTR_COUNT; a++)
			h->attr[a] = h->attr[a] < 1 ? 1 : h->attr[a] > 100 ? 100 : h->attr[a];
		h->stamina = 1.0;
		h->team = t;
		h->n_moves = src->n_moves < 0 ? 0 : src->n_moves > PW_MAX_MOVES ? PW_MAX_MOVES : src->n_moves;
		memcpy(h->moves, src->moves, sizeof h->moves);
		g->out->box[t][i].hooper_id = src->id;
		g->out->box[t][i].team_id = team->id;
	}
	/* Starters by flag in roster order, then anyone to fill three. */
	for (int pass = 0; pass < 2 && n < PW_ON_FLOOR; pass++)
		for (int i = 0; i < PW_ROSTER_SIZE && n < PW_ON_FLOOR; i++) {
			pw_live_hooper_t *h = &st->hooper[t][i];
			if (!h->on_floor && (pass == 1 || h->h->is_starter)) {
				h->on_floor = true;
				st->on_floor[t][n++] = i;
			}
		}
}

static void setup_venue(pw_sim_t *g)
{
	const pw_rules_t *R = g->st.rules;
	const pw_venue_t *home = &g->st.team[0]->venue, *away = &g->st.team[1]->venue;
	g->drain_mult[0] = g->drain_mult[1] = 1.0;
	if (R->home_court_enabled) {
		g->crowd[0] = R->home_crowd_boost * tune_clamp(home->capacity / TUNE_FULL_CAPACITY, 0, 1) *
			     TUNE_CROWD_REACH;
		g->ego_nudge[0] = R->crowd_pressure;
		g->ego_nudge[1] = -R->crowd_pressure;
		double extra = R->away_fatigue_factor;
		int climb = home->altitude_ft - away->altitude_ft;
		if (climb > 0)
			extra += climb / 1000.0 * R->altitude_stamina_penalty;
		if (R->travel_fatigue_enabled)
			extra += R->travel_fatigue_per_mile * teams_travel_miles(away, home) /
				 TUNE_TRAVEL_MILES_DIVISOR;
		g->drain_mult[1] += extra;
	}
	poss_surface(home->surface, &g->surface_drive, &g->surface_speed);
	for (int t = 0; t < 2; t++)
		g->pace[t] = 1.0 - g->st.team[t]->strategy.pace * TUNE_PACE_EFFECT;
	for (int s = 0; s < PW_SCHEME_COUNT; s++)
		g->foul_base[s] = poss_foul_base(R->foul_rate_modifier, (pw_scheme_t)s);

	double feet = R->three_point_distance - TUNE_THREE_DEFAULT_FT;
	double w = 1.0 - feet * TUNE_THREE_WEIGHT_PER_FT;
	double pull = 1.0 + (R->three_point_value - R->two_point_value - 1) * TUNE_THREE_VALUE_PULL;
	g->three_weight = (w < TUNE_THREE_WEIGHT_MIN ? TUNE_THREE_WEIGHT_MIN : w) * tune_clamp(pull, 0.1, 4.0);
	g->three_mid_shift = feet * TUNE_THREE_MID_PER_FT;
}

int sim_elam_target(int home, int away, int margin)
{
	/* Tied scores need no special case: the "leading" score is the tie. */
	return (home > away ? home : away) + margin;
}

/* ---- The game -------------------------------------------------------------- */

/* A period marker play: quarter end, halftime, Elam start, game end. */
static void marker(pw_sim_t *g, pw_outcome_t what)
{
	sim_emit(g, 0, PW_ACT_PERIOD, what);
}

static void end_period(pw_sim_t *g)
{
	pw_game_result_t *r = g->out;
	if (r->n_quarters >= PW_MAX_QUARTERS)
		return;
	pw_quarter_score_t *q = &r->quarters[r->n_quarters++];
	q->quarter = g->st.quarter;
	q->home = g->st.score[0] - g->period_start[0];
	q->away = g->st.score[1] - g->period_start[1];
	g->period_start[0] = g->st.score[0];
	g->period_start[1] = g->st.score[1];
}

/* check_cap's rare half: the cap is reached. */
static void cap_reached(pw_sim_t *g)
{
	const pw_game_state_t *st = &g->st;
	if (!g->out->safety_capped) {
		g->out->safety_capped = true;
		if (st->score[0] != st->score[1])
			sim_decide(g);
		else
			g->sudden_death = true;
		return;
	}
	if (st->possession >= st->rules->safety_cap_possessions + SUDDEN_DEATH_MAX) {
		/* Still level: a coin from the game's own stream settles it. */
		g->over = true;
		g->st.winner = (int)rng_below(&g->rng, 2);
	}
}

/* After a possession: the safety cap stops a runaway game. Inline: it
 * runs after every possession and almost never acts. */
static inline void check_cap(pw_sim_t *g)
{
	if (!g->over && g->st.possession >= g->st.rules->safety_cap_possessions)
		cap_reached(g);
}

static void play_timed(pw_sim_t *g, int *off)
{
	pw_game_state_t *st = &g->st;
	const pw_rules_t *R = st->rules;
	for (int q = 1; q <= R->elam_trigger_quarter && !g->over; q++) {
		st->quarter = q;
		st->clock = R->quarter_minutes * 60.0;
		period_hook(g, PW_HOOK_QUARTER_PRE, true);
		while (st->clock > 0 && !g->over) {
			poss_run(g, *off);
			*off ^= 1;
			check_cap(g);
		}
		st->clock = 0;
		end_period(g);
		marker(g, PW_RES_QUARTER_END);
		period_hook(g, PW_HOOK_QUARTER_END, false);
		if (g->over)
			return;
		if (q == 2) {
			marker(g, PW_RES_HALFTIME);
			period_hook(g, PW_HOOK_HALFTIME, false);
			recover(g, R->halftime_stamina_recovery);
			st->team_fouls[0] = st->team_fouls[1] = 0;
		} else {
			recover(g, R->quarter_break_stamina_recovery);
		}
		fatigue_subs(g);
	}
}

static void play_elam(pw_sim_t *g, int *off)
{
	pw_game_state_t *st = &g->st;
	st->quarter = st->rules->elam_trigger_quarter + 1;
	st->elam = true;
	st->clock = -1;
	st->elam_target = sim_elam_target(st->score[0], st->score[1], st->rules->elam_margin);
	g->out->elam_target = st->elam_target;
	marker(g, PW_RES_ELAM_START);
	period_hook(g, PW_HOOK_ELAM_START, false);
	int start = st->possession;
	while (!g->over) {
		poss_run(g, *off);
		*off ^= 1;
		check_cap(g);
	}
	g->out->elam_possessions = st->possession - start;
	end_period(g);
}

int sim_game(const pw_game_input_t *in, pw_game_result_t *out)
{
	if (!in || !out || !in->home || !in->away || !in->rules)
		return -1;
	if (in->hooks && in->hooks->mask && !in->hooks->call)
		return -1;
	result_reset(out);
	out->game_id = in->game_id;
	out->round = in->round;
	out->seed = in->seed;
	out->home = in->home;
	out->away = in->away;
	out->rules = *in->rules;

	pw_sim_t g;
	memset(&g, 0, sizeof g);
	g.out = out;
	g.hooks = in->hooks;
	g.hook_mask = in->hooks ? in->hooks->mask : 0;
	g.last_leader = -1;
	rng_seed(&g.rng, in->seed);
	pw_game_state_t *st = &g.st;
	st->game_id = in->game_id;
	st->round = in->round;
	st->seed = in->seed;
	st->rules = &out->rules;
	st->winner = -1;
	setup_team(&g, 0, in->home);
	setup_team(&g, 1, in->away);
	setup_venue(&g);
	g.damp_shots = in->rules->max_shot_share < 1.0;
	for (int t = 0; t < 2; t++)
		for (int i = 0; i < PW_ROSTER_SIZE; i++)
			cache_hooper(&g, t, i);
	lineup_team(&g, 0);
	lineup_team(&g, 1);
	lineup_pairs(&g);

	period_hook(&g, PW_HOOK_GAME_PRE, true);
	int off = (int)rng_below(&g.rng, 2); /* the opening tip */
	play_timed(&g, &off);
	if (!g.over)
		play_elam(&g, &off);
	else
		out->elam_possessions = 0;
	marker(&g, PW_RES_GAME_END);
	/* sim.game.end comes after the final whistle: effects see the result
	 * and may add a narrative, but `score` is ignored there (g->over), so
	 * the game still ends on its winning basket and the last scoring play
	 * is the winner's. */
	period_hook(&g, PW_HOOK_GAME_END, false);

	for (int t = 0; t < 2; t++)
		for (int i = 0; i < PW_ON_FLOOR; i++) {
			check_out(&g, t, st->on_floor[t][i]);
		}
	out->home_score = st->score[0];
	out->away_score = st->score[1];
	out->winner = st->winner;
	out->total_possessions = st->possession;
	return g.oom ? -1 : 0;
}
