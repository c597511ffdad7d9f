/*
 * round.h — the round runner: one tick of the league (spec
 * 30-league-governance, "The round runner").
 *
 * A tick runs as stages, each one short transaction that also records the
 * stage reached in round_progress:
 *   1 begin     phase setup→active (or championship→offseason after the
 *               window); the tick's games (regular schedule, or the next
 *               playoff games from the bracket as drawn) and a snapshot of
 *               rules, the season's teams, active effects and their
 *               metadata, so a rerun (and rebuild) plays exactly the same
 *               games
 *   2 games     the round's hooks and games (round_play.h, which the
 *               effect-trial harness shares: outside any transaction,
 *               optionally on several threads), then store results, box
 *               scores and effect metadata writes in schedule order; an
 *               effect failing in PW_FX_DISABLE_AFTER consecutive games
 *               gets effect.disabled
 *   3 govern    effect lifetimes (effect.expired); tally when due — and
 *               always on the season's last tick, so no proposal is left
 *               open when it ends — enact, regenerate tokens
 *   4 reports   simulation, governance, private and commentary reports
 *   5 advance   season phase: the bracket drawn and stored at the end of
 *               the regular season (season.bracket_drawn), the champion
 *               and its report, the archive; the season's current round
 * Each stage commits whole or not at all: a failure rolls its transaction
 * back (and drops governance's cache), says why in err, and the next tick
 * runs that stage again from its start. A crash anywhere leaves a
 * consistent database; the next round_tick resumes at the first
 * unfinished stage. UNIQUE keys make every insert idempotent, so no game is
 * stored twice. Nothing a stage reads depends on the rules in force where
 * it must not (the bracket is read as drawn), so a resumed stage cannot
 * keep failing on a change passed meanwhile. One runner at a time: the
 * store's tick lock (store.h), with a lease renewed between stages; each
 * stage commits only while the lease names its runner (fencing), so a
 * runner taken over after stalling cannot write over its successor.
 */
#ifndef PW_ROUND_H
#define PW_ROUND_H

#include <stdbool.h>
#include <stdint.h>

#include "core/league/bus.h"
#include "core/league/governance.h"
#include "core/sim/hooks.h"
#include "core/sim/sim.h"

struct cJSON;

enum {
	PW_STAGE_BEGIN = 1,
	PW_STAGE_GAMES = 2,
	PW_STAGE_GOVERN = 3,
	PW_STAGE_REPORTS = 4,
	PW_STAGE_DONE = 5,
};

#define PW_CHAMPIONSHIP_SECONDS_DEFAULT 1800 /* 30 minutes (spec) */

/* An active effect as the runner hands it to the effects engine. */
typedef struct pw_fx_active {
	const char *id;
	const char *name;
	const char *source;
} pw_fx_active_t;

/*
 * The effects engine, as the runner sees it (effects/ implements it; NULL
 * means no effects run). Metadata writes are appended to meta_writes as
 * {kind, id, key, op: "set"|"incr"|"toggle", value} and applied by the
 * runner after the round, in schedule order.
 *
 * Every ctx the runner hands a round, gov or report hook carries "rules":
 * the season's ruleset in force, as rules_to_json writes it (spec: ctx.rules
 * is part of every hook's base context). Round hooks get the tick's snapshot
 * (the rules its games play under); gov.pre the ruleset before the tally,
 * gov.post the one after it (enacted changes included); report hooks the
 * ruleset when the reports are written.
 */
typedef struct pw_fx_provider {
	void *ud;
	/* Prepares one game's sandbox; *hooks NULL when nothing subscribes. */
	int (*game_begin)(void *ud, const pw_fx_active_t *fx, int n, const pw_game_input_t *in,
			  const pw_hooks_t **hooks);
	/* After sim_game: effect stats into res, metadata writes out. */
	void (*game_end)(void *ud, pw_game_result_t *res, struct cJSON *meta_writes);
	/* round.pre / round.game.pre / round.game.post / round.post / gov.pre / gov.post. */
	void (*round_hook)(void *ud, const pw_fx_active_t *fx, int n, const char *hook,
			   const struct cJSON *ctx, struct cJSON *meta_writes);
} pw_fx_provider_t;

/*
 * Optional extensions of a provider (called with the provider's ud; kept
 * apart so that providers written against the four fields above still
 * build). NULL fields: not offered; the runner copes.
 */
typedef struct pw_fx_extra {
	/* The effect metadata the next hooks read:
	 * {"team": {"<id>": {"key": value, ...}}, "hooper": {...}, "season": {...}}
	 * (meta may be NULL: nothing stored). Called before the tick's first
	 * hook and by rebuild before each round with the tick's start snapshot
	 * (so a resumed or rebuilt game reads exactly what the first run read);
	 * before governance with the metadata after the tick's game writes, and
	 * before the reports with the metadata after governance's writes (plus
	 * "game" entries for the round's stored games). Those two are read from
	 * the store inside the stage's transaction: only the runner writes
	 * metadata, under the tick lock, and each stage commits its writes with
	 * its progress mark, so a resumed stage reads exactly the tick-start
	 * snapshot plus the writes of the stages already committed. */
	void (*round_begin)(void *ud, const struct cJSON *meta);
	/* After a round_hook call: 1 when effect_id raised an error or ran out of
	 * budget in it, 0 when it ran cleanly, -1 when it did not run. Feeds the
	 * 3-consecutive-failures rule together with the games' effect stats. */
	int (*round_hook_failed)(void *ud, const char *effect_id);
	/* Parallel games: `workers` sandboxes, worker w (0 <= w < workers) used
	 * by one thread at a time. Same contract as game_begin / game_end. */
	int workers;
	int (*game_begin_on)(void *ud, int worker, const pw_fx_active_t *fx, int n,
			     const pw_game_input_t *in, const pw_hooks_t **hooks);
	void (*game_end_on)(void *ud, int worker, pw_game_result_t *res, struct cJSON *meta_writes);
	/* report.simulation.pre / report.commentary.pre, called while the
	 * report is being written (see report.h's pw_report_fx_t for ctx).
	 * These hooks may only add narrative: returns the effects' narrative
	 * lines joined by spaces in registration order (malloc'd; NULL when
	 * there are none). A call that returns any other result field or
	 * writes metadata contributes nothing; the provider records the error
	 * for that effect. */
	char *(*report_hook)(void *ud, const pw_fx_active_t *fx, int n, const char *hook,
			     const struct cJSON *ctx);
} pw_fx_extra_t;

/* The bot_state key holding each effect's current run of failing games. */
#define PW_FX_STREAKS_KEY "fx_failure_streaks"
#define PW_FX_DISABLE_AFTER 3

typedef struct pw_round_cfg {
	pw_gov_t *gov;                   /* required; its store is used */
	const pw_bus_t *bus;             /* may be NULL */
	const pw_fx_provider_t *fx;      /* may be NULL */
	const pw_fx_extra_t *fx_extra;   /* may be NULL; only used with fx */
	/* The simulation; NULL means sim_game. Tests pass doubles. */
	int (*sim)(const pw_game_input_t *in, pw_game_result_t *out);
	int64_t (*now)(void *ud);        /* unix seconds; NULL: time() */
	void *now_ud;
	int governance_interval;         /* tally every N ticks; 0 → 1 */
	/* The championship window after the final, in seconds (< 0: the
	 * default, PW_CHAMPIONSHIP_SECONDS_DEFAULT; 0: it ends with the
	 * final's round). A tick inside it plays nothing and writes nothing
	 * (out->round 0, out->window_ends set); the first tick after it moves
	 * the season to its offseason. */
	int championship_seconds;
	int offseason_ticks;             /* governance-only ticks before complete; 0 → 1 */
	/* Threads for a tick's games (0 or 1: sequential). With effects the
	 * provider must offer fx_extra->game_begin_on with enough workers,
	 * else games run sequentially. Results are identical either way:
	 * stored and metadata-applied in schedule order. */
	int parallel_games;
	/* The tick lock's holder: a name unique to the process (store.h);
	 * NULL → "runner". */
	const char *holder;
	int lease_seconds;               /* the lock's lease; 0 → STORE_TICK_LEASE_DEFAULT */
	/* The caller holds the lock for holder (the server keeps it through
	 * its ticks and their presentation): the runner neither takes nor
	 * releases it, and still fences every stage. */
	bool lock_held;
	/* Store the tick's games unpresented (store.h, "what viewers may see"):
	 * a presenter replays them and marks each presented when its replay
	 * ends. false (headless seasons, tests): viewers see them at once. */
	bool hold_results;
	/* Test hooks: _exit(77) right after stage crash_after commits, or
	 * inside stage crash_inside's transaction just before it commits. */
	int crash_after;
	int crash_inside;
} pw_round_cfg_t;

typedef struct pw_round_out {
	int64_t season_id;
	int round;                       /* the tick run (0 when nothing to do) */
	int games;                       /* games stored by this tick */
	bool resumed;                    /* finished a tick a crash interrupted */
	char phase[24];                  /* the season phase after the tick */
	bool tallied;                    /* the govern stage ran a governance tally */
	int64_t window_ends;             /* in the championship window: when it ends
					  * (unix seconds; nothing was played) */
	/* Wall time of each stage this call ran, in ms (0 when skipped or done
	 * before a crash); for operators' logs, never for results. Indexed by
	 * PW_STAGE_BEGIN..PW_STAGE_DONE. */
	double stage_ms[PW_STAGE_DONE + 1];
} pw_round_out_t;

/*
 * Runs (or finishes) the next tick of the current season. Returns 0 (out
 * filled; out->round 0 when the season is complete), PW_E_CONFLICT when
 * another runner holds the lock, or another negative code with err set.
 */
int round_tick(const pw_round_cfg_t *cfg, pw_round_out_t *out, pw_err_t *err);

/* Whether a round of the current season has begun and not finished (a
 * runner stopped part-way; the next round_tick finishes it): 1 yes, 0 no,
 * -1 on failure. */
int round_in_progress(pw_store_t *s);

/*
 * Re-simulates every stored game from its stored teams, rules, effects and
 * seed, and compares hashes. Returns the number of mismatches (0: whole),
 * or negative on error; *checked (may be NULL) gets how many games ran.
 * Each mismatch is described on stderr-like text via the optional log.
 */
int round_rebuild(const pw_round_cfg_t *cfg, int *checked,
		  void (*log)(void *ud, const char *line), void *log_ud, pw_err_t *err);

#endif
