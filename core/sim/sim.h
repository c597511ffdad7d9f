/*
 * sim.h — simulate one game: the pure function at the heart of the league.
 *
 *   sim_game(input, result)
 *
 * is deterministic: the same (home, away, rules, hooks' behaviour, seed) give
 * a byte-identical result in any process. It does no I/O, reads no clock,
 * touches no global state, and so many games may run at once on threads.
 * The GameResult JSON contract (spec 10-simulation) is produced from the
 * result by result.h.
 */
#ifndef PW_SIM_H
#define PW_SIM_H

#include <stddef.h>
#include <stdint.h>

#include "core/sim/hooks.h"
#include "core/sim/teams.h"
#include "core/sim/rules.h"

typedef struct pw_game_input {
	int64_t game_id;
	int round;
	uint64_t seed;
	const pw_team_t *home;
	const pw_team_t *away;
	const pw_rules_t *rules;
	const pw_hooks_t *hooks; /* NULL: no effects */
} pw_game_input_t;

/* What happened on one play. */
typedef enum pw_action {
	PW_ACT_AT_RIM,      /* a shot; shot classes first so they map to pw_shot_type_t */
	PW_ACT_MID_RANGE,
	PW_ACT_THREE,
	PW_ACT_FREE_THROW,
	PW_ACT_TURNOVER,
	PW_ACT_FOUL,
	PW_ACT_REBOUND,
	PW_ACT_SUBSTITUTION,
	PW_ACT_EFFECT,      /* points or a narrative from an effect */
	PW_ACT_PERIOD,      /* quarter end, halftime, Elam start, game end markers */
	PW_ACT_COUNT
} pw_action_t;

typedef enum pw_outcome {
	PW_RES_MADE,
	PW_RES_MISSED,
	PW_RES_BLOCKED,     /* waved off by an effect */
	PW_RES_STEAL,
	PW_RES_LOST_BALL,
	PW_RES_SHOOTING,    /* foul kinds */
	PW_RES_NON_SHOOTING,
	PW_RES_OFFENSIVE,   /* rebound kinds */
	PW_RES_DEFENSIVE,
	PW_RES_IN,          /* substitution: hooper_id in, other_id out */
	PW_RES_FOUL_OUT,
	PW_RES_NONE,
	PW_RES_QUARTER_END, /* PW_ACT_PERIOD markers: what the marker marks */
	PW_RES_HALFTIME,
	PW_RES_ELAM_START,
	PW_RES_GAME_END,
	PW_RES_COUNT
} pw_outcome_t;

typedef struct pw_play {
	int n;               /* 1-based position in the stream */
	int16_t quarter;
	int16_t clock_tenths;/* tenths of a second left; -1 in the Elam period */
	int8_t offense;      /* 0 home, 1 away */
	int8_t action;       /* pw_action_t */
	int8_t result;       /* pw_outcome_t */
	int8_t scheme;       /* pw_scheme_t or -1 */
	int8_t move;         /* pw_move_id_t or -1 */
	int8_t points;
	int16_t home_score, away_score;
	int handler_id;      /* hooper ids; 0 when none */
	int defender_id;
	int assist_id;
	int rebound_id;
	int other_id;        /* substitution: the hooper going out */
	int narrative;       /* offset into result->narratives, -1 for none */
} pw_play_t;

typedef struct pw_box {
	int hooper_id;
	int team_id;
	double seconds;      /* on the floor */
	int points, fgm, fga, tpm, tpa, ftm, fta;
	int rebounds, assists, steals, turnovers, fouls, plus_minus;
} pw_box_t;

typedef struct pw_quarter_score {
	int quarter;
	int home, away;
} pw_quarter_score_t;

#define PW_EFFECT_ID_MAX 64

/* Per-effect, per-hook activity, filled by effects/ after the game. */
typedef struct pw_effect_stat {
	char effect_id[PW_EFFECT_ID_MAX];
	pw_sim_hook_t hook;
	int fired;
	int errors;
} pw_effect_stat_t;

#define PW_MAX_QUARTERS 8

typedef struct pw_game_result {
	int64_t game_id;
	int round;
	uint64_t seed;
	const pw_team_t *home, *away; /* borrowed from the input */
	pw_rules_t rules;             /* the ruleset in force */
	int home_score, away_score;
	int winner;                   /* 0 home, 1 away */
	int total_possessions;
	int elam_target;              /* 0 if the Elam period was never reached */
	int elam_possessions;
	int lead_changes;
	int largest_lead;             /* the biggest margin either way */
	bool safety_capped;
	int n_quarters;
	pw_quarter_score_t quarters[PW_MAX_QUARTERS]; /* last: the Elam period */
	pw_box_t box[2][PW_ROSTER_SIZE];

	/* Growable buffers, reused when the same result is passed to sim_game
	 * again, so a bench or a season allocates once. */
	pw_play_t *plays;
	size_t n_plays, cap_plays;
	char *narratives;             /* NUL-separated narrative strings */
	size_t len_narratives, cap_narratives;

	pw_effect_stat_t *effects;
	size_t n_effects, cap_effects;
} pw_game_result_t;

/* Zeroes r; call once before the first sim_game on it. */
void sim_result_init(pw_game_result_t *r);
/* Frees r's buffers; r can be initialised again. Accepts NULL. */
void sim_result_free(pw_game_result_t *r);

/*
 * Plays the game described by in into out (whose buffers are reused).
 * Returns 0, or -1 if out of memory or the input is invalid (NULL team or
 * rules); out is then unspecified but still safe to free.
 */
int sim_game(const pw_game_input_t *in, pw_game_result_t *out);

/* The narrative text of a play, or NULL. */
const char *sim_play_narrative(const pw_game_result_t *r, const pw_play_t *p);

/* Appends one effect activity row to r (effects/ calls this after a game).
 * Returns 0 or -1 when out of memory. */
int sim_result_add_effect_stat(pw_game_result_t *r, const pw_effect_stat_t *s);

#endif
