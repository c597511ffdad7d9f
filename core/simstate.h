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

#include "core/hooks.h"
#include "core/rng.h"
#include "core/sim.h"

/* Per-hooper numbers derived from attributes, recomputed only when the
 * attributes change (game start and attribute effects), so the hot path
 * does no exp(). */
typedef struct pw_hooper_cache {
	double shot_base[PW_SHOT_TYPES]; /* logistic base on scoring, per class */
	double ft;                       /* free-throw base */
	double iq_factor;                /* 0.9..1.1 */
	double sel[PW_SHOT_TYPES];       /* shot-selection weights before context */
	double handler_w;                /* passing + iq */
	double receiver_w;               /* scoring + speed × k */
	double reb_w;                    /* defense×0.2 + speed×0.1 (surface) */
	double chaos;                    /* chaotic/100 × spread */
	unsigned moves;                  /* bit per move held and gated open */
} pw_hooper_cache_t;

typedef struct pw_sim {
	pw_game_state_t st;              /* what hooks see as ctx->game */
	pw_rng_t rng;
	const pw_hooks_t *hooks;
	pw_game_result_t *out;
	bool oom;                        /* a buffer could not grow */
	bool over;                       /* the game has a winner */
	bool sudden_death;               /* safety cap hit while tied */

	pw_hooper_cache_t cache[2][PW_ROSTER_SIZE];
	double drain_mult[2];            /* team drain: away travel/altitude */
	double crowd[2];                 /* make-probability bonus per team */
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
} pw_sim_t;

/* Appends a play stamped with quarter/clock/score; returns it (a scratch
 * play when out of memory, with g->oom set). */
pw_play_t *sim_emit(pw_sim_t *g, int offense, pw_action_t a, pw_outcome_t o);

/* Adds pts (may be negative; the score never drops below 0) to team t,
 * credited to hooper slot `scorer` (-1: nobody), with plus/minus, lead
 * tracking and the Elam finish. */
void sim_add_points(pw_sim_t *g, int t, int pts, int scorer);

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

/* Replaces a fouled-out hooper in floor slot `slot` of team t at once. */
void sim_foul_out(pw_sim_t *g, int t, int slot);

/* The slot in hooper[t] of a live hooper pointer. */
static inline int sim_slot(const pw_sim_t *g, int t, const pw_live_hooper_t *h)
{
	return (int)(h - g->st.hooper[t]);
}

#endif
