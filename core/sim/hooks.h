/*
 * hooks.h — the interface through which the simulation lets effects act.
 *
 * The core knows nothing of Lua. At every sim.* hook point of spec
 * 20-effects it fills a pw_hook_ctx_t (a read-only view of the game at that
 * moment), calls hooks->call, and applies the combined pw_hook_result_t.
 * effects/ implements pw_hooks_t with Lua; tests implement it in C.
 *
 * Cost when nothing is registered: the simulation tests one bit of
 * hooks->mask (or a NULL hooks pointer) before building any context, so a
 * game without effects pays one predictable branch per hook point.
 */
#ifndef PW_HOOKS_H
#define PW_HOOKS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/sim/teams.h"
#include "core/sim/rules.h"

typedef enum pw_sim_hook {
	PW_HOOK_GAME_PRE,       /* sim.game.pre */
	PW_HOOK_QUARTER_PRE,    /* sim.quarter.pre */
	PW_HOOK_POSSESSION_PRE, /* sim.possession.pre */
	PW_HOOK_SHOT_PRE,       /* sim.shot.pre */
	PW_HOOK_SHOT_POST,      /* sim.shot.post */
	PW_HOOK_TURNOVER_POST,  /* sim.turnover.post */
	PW_HOOK_FOUL_POST,      /* sim.foul.post */
	PW_HOOK_REBOUND_POST,   /* sim.rebound.post */
	PW_HOOK_QUARTER_END,    /* sim.quarter.end */
	PW_HOOK_HALFTIME,       /* sim.halftime */
	PW_HOOK_ELAM_START,     /* sim.elam.start */
	PW_HOOK_GAME_END,       /* sim.game.end */
	PW_SIM_HOOK_COUNT
} pw_sim_hook_t;

#define PW_HOOK_BIT(h) (1u << (h))

/* "sim.shot.pre", ...; NULL out of range. */
const char *hooks_name(pw_sim_hook_t h);

typedef enum pw_shot_type {
	PW_SHOT_AT_RIM,
	PW_SHOT_MID_RANGE,
	PW_SHOT_THREE,
	PW_SHOT_TYPES
} pw_shot_type_t;

/* "at_rim", "mid_range", "three_point" (the keys of action_bias and
 * ctx.shot_type); NULL out of range. */
const char *hooks_shot_type_name(pw_shot_type_t t);

typedef enum pw_scheme {
	PW_SCHEME_MAN_TIGHT,
	PW_SCHEME_MAN_SWITCH,
	PW_SCHEME_ZONE,
	PW_SCHEME_PRESS,
	PW_SCHEME_COUNT
} pw_scheme_t;

/* "man_tight", ...; NULL out of range. */
const char *hooks_scheme_name(pw_scheme_t s);

/* One hooper as the game sees them right now. */
typedef struct pw_live_hooper {
	const pw_hooper_t *h;        /* identity, base attributes, moves */
	int attr[PW_ATTR_COUNT];     /* in force this game: base + effect changes, 1..100 */
	double stamina;              /* 0..1 */
	int team;                    /* 0 home, 1 away */
	int fouls;
	int points;
	bool on_floor;
	bool fouled_out;
	int n_moves;                 /* base moves plus any granted this game */
	pw_move_id_t moves[PW_MAX_MOVES];
} pw_live_hooper_t;

/* The game in progress. Index 0 is home, 1 is away, everywhere. */
typedef struct pw_game_state {
	int64_t game_id;
	int round;
	uint64_t seed;
	const pw_rules_t *rules;
	const pw_team_t *team[2];
	pw_live_hooper_t hooper[2][PW_ROSTER_SIZE];
	int on_floor[2][PW_ON_FLOOR];   /* indices into hooper[t] */
	int score[2];
	int team_fouls[2];              /* this half */
	int quarter;                    /* 1.. ; elam_trigger_quarter+1 is the Elam period */
	double clock;                   /* seconds left in the quarter; < 0 in the Elam period */
	int possession;                 /* possessions played so far */
	bool elam;
	int elam_target;                /* 0 until set */
	int winner;                     /* -1 until the game ends, then 0 or 1 */
} pw_game_state_t;

/*
 * What a hook sees. Pointers not meaningful at a hook are NULL; numbers not
 * meaningful are 0. `subject` is "the current hooper" that a `stamina`
 * result changes: the handler (possession, turnover), shooter (shot), fouled
 * hooper (foul) or rebounder (rebound); NULL at game/quarter hooks.
 */
typedef struct pw_hook_ctx {
	pw_sim_hook_t hook;
	const pw_game_state_t *game;
	int offense;                    /* 0 or 1; -1 when no possession is under way */
	const pw_live_hooper_t *subject;
	const pw_live_hooper_t *handler;
	const pw_live_hooper_t *shooter;
	const pw_live_hooper_t *defender;
	const pw_live_hooper_t *stealer;
	const pw_live_hooper_t *fouler;
	const pw_live_hooper_t *fouled;
	const pw_live_hooper_t *rebounder;
	pw_shot_type_t shot_type;
	double probability;             /* sim.shot.pre: the make probability so far */
	bool made;                      /* sim.shot.post */
	int points;                     /* sim.shot.post */
	int free_throws;                /* sim.foul.post */
	bool offensive;                 /* sim.rebound.post */
} pw_hook_ctx_t;

#define PW_NARRATIVE_MAX   280 /* bytes of one narrative line (spec) */
#define PW_HOOK_MAX_ATTRS  24  /* attribute changes one call may return */

typedef struct pw_attr_change {
	int hooper_id;
	int attr;  /* PW_ATTR_* */
	int delta;
} pw_attr_change_t;

/*
 * The combined result of every effect at one hook point. Numbers from
 * several effects add up; block is true if any effect blocked; narratives
 * are joined with " " and cut at PW_NARRATIVE_MAX. The simulation zeroes
 * it before the call and ignores fields not valid at the hook.
 */
typedef struct pw_hook_result {
	double shot_probability;
	int shot_value;
	/*
	 * `score = n` (for the offense) and `score = {home=, away=}`, valid at
	 * every sim.* hook but sim.game.end (after the final whistle the score
	 * is final: ignored there). Each team's total becomes an `effect` play
	 * credited to one hooper, so box scores still sum to the score: the
	 * hook's subject if on that team, else the first of the ctx hoopers
	 * on it (handler, shooter, rebounder, stealer, fouled, fouler,
	 * defender), else that team's first hooper on the floor. A score
	 * never decreases: a total ≤ 0 is ignored. At most 127 points a play.
	 * Home's points land before away's; points that reach the Elam target
	 * end the game at once (later points of the same call are dropped).
	 */
	int score_offense;
	int score_home, score_away;
	double stamina;
	double turnover_probability;
	double foul_probability;
	double action_bias[PW_SHOT_TYPES];
	bool block;
	int n_attrs;
	pw_attr_change_t attrs[PW_HOOK_MAX_ATTRS];
	char narrative[PW_NARRATIVE_MAX + 1];
} pw_hook_result_t;

typedef struct pw_hooks {
	uint32_t mask; /* PW_HOOK_BIT(h) set for every hook with a subscriber; read
			* once when sim_game starts, so fixed for the game */
	void *ud;
	/* Runs every subscribed effect for ctx->hook and fills res. Must not
	 * fail: an effect's error is its own business (recorded, the effect
	 * switched off), and the game goes on. res arrives with every field
	 * before attrs zero and an empty narrative; only attrs[0..n_attrs)
	 * and the narrative up to its NUL are read back (the whole struct,
	 * mostly those two arrays, is not cleared at every hook point). */
	void (*call)(void *ud, const pw_hook_ctx_t *ctx, pw_hook_result_t *res);
} pw_hooks_t;

static inline bool hooks_wants(const pw_hooks_t *h, pw_sim_hook_t k)
{
	return h && (h->mask & PW_HOOK_BIT(k));
}

#endif
