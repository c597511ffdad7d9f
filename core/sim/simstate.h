/*
 * simstate.h — the game in progress, shared by the engine's own files
 * (sim.c runs the game, possession.c plays one possession). Not a public
 * API: nothing outside the simulation includes this.
 *
 * Everything a game needs lives in one pw_sim_t on the caller's stack, so
 * games are re-entrant and allocate nothing but the result's buffers.
 */
#ifndef PW_SIMSTATE_H
#define PW_SIMSTATE_H

#include <stdbool.h>

#include "core/sim/defense.h"
#include "core/sim/hooks.h"
#include "core/sim/rng.h"
#include "core/sim/sim.h"

/*
 * The hot path draws several hundred numbers per game; these inline
 * versions of rng.h's functions save a call each. sim_next is rng.h's own
 * inline step, and sim_uniform gives exactly the same sequence as
 * rng_uniform (a test checks it), so the game's stream is rng.h's stream.
 *
 * They take the generator by pointer so that the hottest stretches of a
 * possession can draw from a local copy of g->rng and write it back
 * before anything else draws (possession.c, poss_run()): the copy stays in
 * registers, g->rng is loaded and stored at every draw.
 */
static inline uint64_t sim_next(pw_rng_t *r)
{
	return rng_step(r);
}

static inline double sim_uniform(pw_rng_t *r)
{
	return (double)(sim_next(r) >> 11) * 0x1.0p-53;
}

static inline bool sim_chance(pw_rng_t *r, double p)
{
	return sim_uniform(r) < p;
}

/*
 * A draw among n ≤ 4 choices with weights w[i] (every one ≥ 0 and finite;
 * callers clamp), as the cumulative sums the draw compares against.
 * sim_pick builds one per call; choices whose weights are lineup
 * constants (handler, receiver, rebounder, zone defender) keep theirs in
 * the lineup cache, built by the same sums, so they draw the same.
 *
 * The engine's loops over three or four (here and in possession.c) carry
 * `#pragma GCC unroll` (clang reads it too): GCC -O2 unrolls none of them,
 * and unrolled, their small arrays stay in registers instead of memory.
 */
typedef struct pw_pick {
	double c[4];                     /* c[i] = w[0] + ... + w[i], left to right */
} pw_pick_t;

static inline void sim_pick_init(pw_pick_t *p, const double *w, int n)
{
	double total = 0;
#pragma GCC unroll 4
	for (int i = 0; i < n; i++) {
		total += w[i];
		p->c[i] = total;
	}
}

/* The index drawn from p (built for n choices); no draw at all when every
 * weight is zero (the last index). Counting the cumulative sums below x
 * instead of walking a loop keeps it free of unpredictable branches. */
static inline int sim_pick_from(pw_rng_t *r, const pw_pick_t *p, int n)
{
	double total = p->c[n - 1];
	if (!(total > 0))
		return n - 1;
	double x = sim_uniform(r) * total;
	int k = 0;
#pragma GCC unroll 4
	for (int i = 0; i < n - 1; i++)
		k += x >= p->c[i];
	return k;
}

/* An index drawn with probability proportional to w[i], for the engine's
 * small choices (n ≤ 4). */
static inline int sim_pick(pw_rng_t *r, const double *w, int n)
{
	pw_pick_t p;
	sim_pick_init(&p, w, n);
	return sim_pick_from(r, &p, n);
}

/* Hoopers off the floor: always the same number, since a team never
 * plays short-handed (a fouled-out hooper with nobody to replace them
 * stays on, sim_foul_out). */
#define PW_BENCH_SIZE (PW_ROSTER_SIZE - PW_ON_FLOOR)

/* Per-hooper numbers derived from attributes, recomputed only when the
 * attributes change (game start and attribute effects), so the hot path
 * does no exp(). */
typedef struct pw_hooper_cache {
	double shot_base[PW_SHOT_TYPES]; /* logistic base on scoring, per class */
	double ft;                       /* free-throw base */
	double iq_factor;                /* 0.9..1.1 */
	double sel[PW_SHOT_TYPES];       /* shot-selection weights before context */
	double sel_w[PW_SHOT_TYPES];     /* ...with the surface, the three-point line and strategy */
	double to_base;                  /* poss_turnover_base as handler */
	double pass_chance;              /* poss_pass_chance */
	double pass_steal;               /* poss_pass_steal_base */
	double contest_def;              /* poss_contest_defense as defender */
	double foul_low_iq;              /* poss_foul_low_iq as defender */
	double handler_w;                /* passing + iq */
	double receiver_w;               /* scoring + speed × k */
	double reb_w;                    /* defense×0.2 + speed×0.1 (surface) */
	double chaos;                    /* chaotic/100 × spread */
	double drain_own;                /* 1 + (1 − stamina/100) × k: low stamina tires faster */
	double threat, contain;          /* matchup inputs (defense.h) */
	double zone_w;                   /* defense + speed: who rotates over in a zone */
	unsigned moves;                  /* bit per move held and gated open */
} pw_hooper_cache_t;

/* Sums over the three on the floor, and what each of them loses per
 * possession, recomputed when the lineup or an attribute changes
 * (sim_lineup_changed). */
typedef struct pw_lineup_cache {
	double reb_sum;                  /* Σ reb_w */
	double fate_sum;                 /* Σ fate */
	double iq_mean, speed_mean;
	/* Stamina drained per possession per floor slot: poss_drain_team ×
	 * drain_own, on offense and on defense by scheme (the team's
	 * intensity and the rules are fixed for the game). */
	double drain_off[PW_ON_FLOOR];
	double drain_def[PW_SCHEME_COUNT][PW_ON_FLOOR];
	pw_live_hooper_t *bench[PW_BENCH_SIZE]; /* not on the floor (fouled out included) */
	/* Draws among the three whose weights are lineup constants: the
	 * handler (outside the clutch, without max_shot_share), the receiver
	 * of a pass from each floor slot (the same), the rebounder and the
	 * defender a zone or press rotates over. */
	pw_pick_t handler, receiver[PW_ON_FLOOR], rebounder, zone;
} pw_lineup_cache_t;

typedef struct pw_sim {
	pw_game_state_t st;              /* what hooks see as ctx->game */
	pw_rng_t rng;
	const pw_hooks_t *hooks;
	uint32_t hook_mask;              /* hooks->mask, 0 without hooks: one load to test */
	pw_game_result_t *out;
	bool oom;                        /* a buffer could not grow */
	bool over;                       /* the game has a winner */
	bool sudden_death;               /* safety cap hit while tied */

	pw_hooper_cache_t cache[2][PW_ROSTER_SIZE];
	pw_lineup_cache_t lineup[2];
	pw_defense_lineup_t defense[2];  /* by defending team: its lineup against the other's */
	double oreb_share[2];            /* by team on offense: its share of rebounds */
	pw_live_hooper_t *fl[2][PW_ON_FLOOR];  /* &st.hooper[t][on_floor[t][i]] */
	pw_hooper_cache_t *fc[2][PW_ON_FLOOR]; /* &cache[t][on_floor[t][i]] */
	double drain_mult[2];            /* team drain: away travel/altitude */
	double crowd[2];                 /* make-probability bonus per team */
	double pace[2];                  /* 1 − strategy pace × k: the clock share's factor */
	double foul_base[PW_SCHEME_COUNT]; /* poss_foul_base by scheme */
	double ego_nudge[2];             /* crowd pressure on ego checks */
	double surface_drive;            /* at_rim weight multiplier */
	double surface_speed;            /* speed's weight in rebounds */
	double three_weight;             /* three_point_distance and value pull */
	double three_mid_shift;          /* scoring points added to the three midpoint */

	bool made_three[2][PW_ROSTER_SIZE]; /* last own possession (Heat Check) */
	bool transition[2];              /* next possession is a fast break */
	int team_fga[2];
	int last_leader;                 /* 0, 1, or -1 never led yet */
	int period_start[2];             /* score at the start of this period */
	pw_play_t scratch;               /* written instead of a play when out of memory */
	bool damp_shots;                 /* max_shot_share < 1: track shot shares */
	double elapsed;                  /* seconds played, for minutes */
	double entered[2][PW_ROSTER_SIZE]; /* elapsed when the hooper last checked in */
	/* The team's margin when the hooper last checked in: plus/minus is
	 * settled on check-out like minutes, not on every basket. */
	int margin_in[2][PW_ROSTER_SIZE];
} pw_sim_t;

/* Fills play p as the game's play number n, stamped with the quarter,
 * clock and score; narrative none. */
static inline void sim_play_stamp(const pw_sim_t *g, pw_play_t *p, int n, int offense, pw_action_t a,
				  pw_outcome_t o, int scheme, int move)
{
	const pw_game_state_t *st = &g->st;
	*p = (pw_play_t){
		.n = n,
		.quarter = (int16_t)st->quarter,
		.clock_tenths = st->elam ? -1 : (int16_t)(st->clock * 10.0 + 0.5),
		.offense = (int8_t)offense,
		.action = (int8_t)a,
		.result = (int8_t)o,
		.scheme = (int8_t)scheme,
		.move = (int8_t)move,
		.home_score = (int16_t)st->score[0],
		.away_score = (int16_t)st->score[1],
		.narrative = -1,
	};
}

/* sim_emit_as when the play buffer is full: grows it (the scratch play
 * when out of memory, g->oom set) and stamps the play. Out of line, and
 * the whole rare path, so that the common path calls nothing and saves no
 * registers. */
pw_play_t *sim_emit_grow(pw_sim_t *g, int offense, pw_action_t a, pw_outcome_t o, int scheme,
			 int move);

/* Appends a play stamped with quarter/clock/score, the defense's scheme
 * and the move shown (-1: none); returns it (a scratch play when out of
 * memory, with g->oom set). Inline: a game writes ~220 plays. */
static inline pw_play_t *sim_emit_as(pw_sim_t *g, int offense, pw_action_t a, pw_outcome_t o,
				     int scheme, int move)
{
	pw_game_result_t *r = g->out;
	if (r->n_plays >= r->cap_plays)
		return sim_emit_grow(g, offense, a, o, scheme, move);
	pw_play_t *p = &r->plays[r->n_plays++];
	sim_play_stamp(g, p, (int)r->n_plays, offense, a, o, scheme, move);
	return p;
}

/* A play outside a possession: no scheme, no move. */
static inline pw_play_t *sim_emit(pw_sim_t *g, int offense, pw_action_t a, pw_outcome_t o)
{
	return sim_emit_as(g, offense, a, o, -1, -1);
}

/* Whether an effect listens at hook h (hooks_wants without the NULL
 * test and the pointer chase: a possession asks up to six times). */
static inline bool sim_wants(const pw_sim_t *g, pw_sim_hook_t h)
{
	return g->hook_mask & PW_HOOK_BIT(h);
}

/* One play carries at most this many points (pw_play_t.points is an
 * int8_t), and a score stops at PW_SCORE_MAX (plays store int16 scores):
 * only a runaway effect ever reaches either. */
#define PW_PLAY_POINTS_MAX 127
#define PW_SCORE_MAX       32000

/* The game ends: the higher score wins. */
static inline void sim_decide(pw_sim_t *g)
{
	g->over = true;
	g->st.winner = g->st.score[0] >= g->st.score[1] ? 0 : 1;
}

/*
 * Adds pts to team t, credited to roster slot `scorer` (the box line and
 * the live hooper), with lead tracking and the Elam finish (plus/minus is
 * settled on check-out). Scores never fall: pts ≤ 0, or no scorer, adds
 * nothing. Returns the points added (pts, capped as above). Inline: every
 * made shot and free throw scores through it.
 */
static inline int sim_add_points(pw_sim_t *g, int t, int pts, int scorer)
{
	pw_game_state_t *st = &g->st;
	if (pts <= 0 || scorer < 0 || scorer >= PW_ROSTER_SIZE)
		return 0; /* scores never fall, and every point has a scorer */
	if (pts > PW_PLAY_POINTS_MAX)
		pts = PW_PLAY_POINTS_MAX;
	if (pts > PW_SCORE_MAX - st->score[t])
		pts = PW_SCORE_MAX - st->score[t];
	if (pts <= 0)
		return 0;
	st->score[t] += pts;
	g->out->box[t][scorer].points += pts;
	st->hooper[t][scorer].points += pts;
	int diff = st->score[0] - st->score[1];
	int leader = diff > 0 ? 0 : diff < 0 ? 1 : -1;
	if (leader >= 0) {
		if (g->last_leader >= 0 && leader != g->last_leader)
			g->out->lead_changes++;
		g->last_leader = leader;
	}
	int lead = diff < 0 ? -diff : diff;
	if (lead > g->out->largest_lead)
		g->out->largest_lead = lead;
	if (g->over || diff == 0)
		return pts;
	if (st->elam && (st->score[0] >= st->elam_target || st->score[1] >= st->elam_target))
		sim_decide(g);
	else if (g->sudden_death)
		sim_decide(g);
	return pts;
}


/* Sets play p's narrative (joined with " " if it already has one). */
void sim_set_narrative(pw_sim_t *g, pw_play_t *p, const char *text);

/* A ctx with the base fields set; offense −1 when none. */
void sim_ctx_init(pw_sim_t *g, pw_hook_ctx_t *c, pw_sim_hook_t h, int offense);

/* Calls the hooks for c into r (zeroed first). */
void sim_hook_call(pw_sim_t *g, const pw_hook_ctx_t *c, pw_hook_result_t *r);

/*
 * Applies the fields valid at every sim.* hook: stamina on ctx->subject,
 * score, and the narrative. The narrative goes to play index `attach` when
 * given (≥ 0) and no score play took it, else to an effect play.
 */
void sim_hook_apply_common(pw_sim_t *g, const pw_hook_ctx_t *c, const pw_hook_result_t *r,
			   long attach);

/* Recomputes lineup[t] after a substitution or an attribute change. */
void sim_lineup_changed(pw_sim_t *g, int t);

/* The Elam target: the leading score (or the tied score) plus the margin. */
int sim_elam_target(int home, int away, int margin);

/* Replaces a fouled-out hooper in floor slot `slot` of team t at once. */
void sim_foul_out(pw_sim_t *g, int t, int slot);

#endif
