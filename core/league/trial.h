/*
 * trial.h — the effect-trial harness: plays a small generated league with
 * (and without) effects, the way the league would, and measures it.
 *
 * One harness serves every "what would this do" question: `pinwheel effect
 * check` (spec 20-effects, "Authoring tools"), governance's check of a
 * proposed effect and the projected impact of a proposal (league_fx.h).
 * It plays the league's own way, so what passes here behaves the same once
 * enacted:
 *
 *   teams      teams_generate(league_seed, n_teams): ids 1..n as in a
 *              league the store generated from that seed
 *   schedule   schedule_round_robin over those ids, as many round-robins
 *              as the games need; the games are its first `games` fixtures,
 *              played tick by tick (the last tick may be cut short)
 *   seeds      season_game_seed(season_seed, 1, round, index), and game ids
 *              round_play_game_id(season_id, round, index), as the runner
 *   rounds     round_play.h: round.pre, round.game.pre, the games (on the
 *              provider's workers), round.game.post, round.post, with the
 *              runner's ctx fields; ctx.standings from the games played
 *   metadata   every hook of a round reads the metadata as of its start
 *              (the teams', their hoopers' and the season's, as the runner's
 *              snapshot); the writes are applied after the round in schedule
 *              order with round_play_meta_apply, as the store applies them;
 *              a write to an entity the league would not have (another team,
 *              season or game) is dropped, as the store's UPDATE drops it
 *   lifetimes  an effect with a lifetime of N rounds (one_game: 1) plays
 *              rounds 1..N only, as if registered for round 1
 * Not modelled: governance (gov.* hooks, tallies), reports, playoffs, and
 * the 3-consecutive-failures rule (any error is reported instead).
 *
 * Never touches the store and keeps no state between calls: any thread may
 * run a trial at any time, given a provider no one else is using (governance
 * builds a fresh one per check while ticks run on the league's).
 */
#ifndef PW_TRIAL_H
#define PW_TRIAL_H

#include <stdbool.h>
#include <stdint.h>

#include "core/league/round.h"
#include "core/league/round_play.h"
#include "core/sim/calib.h"
#include "core/sim/rules.h"
#include "effects/fx.h"

struct cJSON;

#define TRIAL_TEAMS 8

typedef struct trial_cfg {
	uint64_t league_seed;        /* the generated league */
	uint64_t season_seed;        /* seeds every game; 0: derived from league_seed as season_create does */
	int n_teams;                 /* 0 → TRIAL_TEAMS; 4..PW_MAX_TEAMS */
	int64_t season_id;           /* ctx.game.id and the "season" metadata entity; 0 → 1 */
	int games;                   /* how many games to play (> 0) */
	const pw_rules_t *rules;     /* NULL: the defaults, teams_count n_teams */
	/* Effects: none when fx is NULL or n_effects is 0. */
	const pw_fx_provider_t *fx;
	const pw_fx_extra_t *fx_extra;
	const pw_fx_active_t *effects;
	const int *lifetimes;        /* rounds each effect lives (0: permanent); NULL: all permanent */
	int n_effects;
	/* Moves what the provider collected (errors, usage, log) into out:
	 * fx_league_take_report's shape, called with fx->ud before and after
	 * the run. NULL: the run's effect stats stay empty. */
	void (*take_report)(void *ud, fx_report_t *out);
	int parallel_games;          /* threads for a round's games (see round_play_cfg_t) */
	/* Called after each round for each of its games, in schedule order
	 * (tests, and anyone who wants the games themselves). May be NULL. */
	void (*on_game)(void *ud, int round, const round_play_game_t *g);
	void *on_game_ud;
} trial_cfg_t;

/* The impact figures: the calib figures effect check and proposals show. */
enum {
	TRIAL_POINTS,        /* points per team per game */
	TRIAL_FG_PCT,
	TRIAL_THREE_SHARE,   /* three-point share of field-goal attempts */
	TRIAL_TURNOVERS,     /* per team per game */
	TRIAL_HOME_WIN,
	TRIAL_ELAM_LENGTH,   /* Elam possessions per game that reached it */
	TRIAL_FIGURES
};

typedef struct trial_figure {
	const char *key;     /* "points_per_game", ... (JSON keys: contract) */
	const char *label;   /* "points per team per game", ... */
	int digits;          /* for text output */
} trial_figure_t;

/* The figure's key, label and digits; NULL out of range. */
const trial_figure_t *trial_figure(int figure);

typedef struct trial_out {
	int games, rounds;
	int effect_rounds;               /* rounds in which an effect was active (lifetimes) */
	pw_calib_t cal;                  /* every game, calib_add'ed */
	double figure[TRIAL_FIGURES];    /* from cal */
	/* What the effects did over the run (zero without effects). */
	uint64_t fired[FX_HOOK_COUNT];   /* calls per hook, every effect */
	uint64_t errors;                 /* errors and exhausted budgets */
	fx_error_t first_error;          /* the first of them, when errors > 0 */
	uint64_t peak_instr;             /* most instructions one call used */
	size_t peak_mem;                 /* most bytes one effect's sandbox held */
	fx_report_t report;              /* the provider's report, in full */
	/* The metadata after the last round:
	 * {"team": {"1": {...}}, "hooper": {...}, "season": {...}, "game": {...}}
	 * (kinds and entities only when written). Owned. */
	struct cJSON *meta;
} trial_out_t;

/*
 * Plays the trial (see the top of this file) into out, which it
 * initialises: free it with trial_out_free whatever the result. Returns 0,
 * or -1 with err set (bad configuration, a game that could not be
 * simulated, out of memory). An effect's errors are not a failure: they
 * are counted in out.
 */
int trial_run(const trial_cfg_t *c, trial_out_t *out, char *err, size_t errlen);

void trial_out_free(trial_out_t *o);

/* Rounds an effect with this lifetime plays (0: permanent), as governance
 * registers it. */
int trial_lifetime_rounds(fx_lifetime_t lt);

/*
 * The impact as JSON: {"games": n, "rounds": r, "effect_rounds": e (when
 * a run had effects), "seed": "<league seed>", "<figure key>": {"<a_name>":
 * x, "<b_name>": y, "delta": x - y}, ...}, values rounded to 4 decimals.
 * Caller owns; NULL on out of memory.
 */
struct cJSON *trial_impact_json(const trial_out_t *a, const trial_out_t *b, const char *a_name,
				const char *b_name, uint64_t seed);

#endif
