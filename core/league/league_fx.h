/*
 * league_fx.h — the Lua effects sandbox wired into the league: the round
 * runner's pw_fx_provider_t and governance's check_effect / rules_impact,
 * both over fx.h.
 *
 * The server and the CLI build one fx_league_t per round runner and call
 * two functions to fill their configs:
 *
 *   fx_league_opts_t o = {.workers = 4};            // zeroes: defaults
 *   fx_league_t *fx = fx_league_new(&o, err, sizeof err);
 *   pw_gov_cfg_t gcfg = {...};   fx_league_gov_cfg(fx, &gcfg);   // before gov_open
 *   pw_round_cfg_t rcfg = {...}; fx_league_round_cfg(fx, &rcfg); // fx + parallel_games
 *   ... gov_open(store, &gcfg); round_tick(&rcfg, ...); round_rebuild(&rcfg, ...) ...
 *   fx_league_free(fx);                              // after gov_close
 *
 * Threads. The provider half (games, round hooks, metadata) is driven by
 * the round runner: one thread at a time, plus the runner's game workers,
 * each of which gets a sandbox of its own. The governance half
 * (fx_league_check, fx_league_rules_impact) plays its test games through
 * the trial harness (trial.h) on a provider of its own made for the call,
 * and touches nothing shared, so it may run on any thread at any time,
 * including while a tick is being played.
 *
 * Games: every game runs in a fresh sandbox session of its worker's engine;
 * round.*, gov.* and report.* hooks run in a separate engine, each call its
 * own session (script locals do not carry from round.pre to round.post:
 * effects keep such state in ctx.meta). Hooks read the metadata the runner
 * last handed to round_begin (the tick-start snapshot for games and round
 * hooks, later states for gov and report hooks: see round.h); writes go
 * back to the runner as {"kind", "id", "key", "op", "value"}. ctx.rules of
 * round, gov and report hooks comes from the "rules" object of the ctx the
 * runner passes. Report hooks (report_hook) run one session per effect so
 * that an effect breaking "narrative only" loses its own line alone.
 * Each distinct script source is validated once and cached by sha-256.
 */
#ifndef PW_FX_LEAGUE_H
#define PW_FX_LEAGUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/league/governance.h"
#include "core/league/round.h"
#include "core/league/trial.h"
#include "effects/fx.h"

struct cJSON;

#define FX_LEAGUE_MAX_WORKERS  8
#define FX_LEAGUE_IMPACT_GAMES 112  /* per side; four round-robins of the trial's 8 teams */
#define FX_LEAGUE_IMPACT_SEED  20240601u
#define FX_LEAGUE_LOG_MAX      (256 * 1024) /* bytes of ctx.log kept between takes */

typedef struct fx_league_opts {
	int workers;                /* game sandboxes (parallel games); 0 → 1, max FX_LEAGUE_MAX_WORKERS */
	const fx_limits_t *limits;  /* NULL: fx_limits_default */
	int impact_games;           /* games with and without, for projected impact; 0 → default */
	uint64_t impact_seed;       /* the trial's league seed for a ruleset's impact; 0 →
				     * FX_LEAGUE_IMPACT_SEED. Set, it is also the league every
				     * script is checked in; 0: each script gets a league of its
				     * own that no author can predict (fx_league_check) */
	bool capture_log;           /* keep ctx.log lines for fx_league_take_report (effect check) */
} fx_league_opts_t;

typedef struct fx_league fx_league_t;

/* o may be NULL (defaults). NULL on failure with err set. */
fx_league_t *fx_league_new(const fx_league_opts_t *o, char *err, size_t errlen);
void fx_league_free(fx_league_t *p);

/* The round runner's interface; valid while p lives. */
const pw_fx_provider_t *fx_league_provider(fx_league_t *p);
const pw_fx_extra_t *fx_league_provider_extra(fx_league_t *p);

/* Sets cfg->fx, cfg->fx_extra and cfg->parallel_games (= workers); leaves
 * the rest alone. */
void fx_league_round_cfg(fx_league_t *p, pw_round_cfg_t *cfg);
/* Sets cfg->check_effect, cfg->rules_impact and cfg->ud; leaves the rest. */
void fx_league_gov_cfg(fx_league_t *p, pw_gov_cfg_t *cfg);
/* Sets tc->fx, tc->fx_extra and tc->take_report: a trial played on p's
 * sandboxes (p must not be driving a round runner at the same time). */
void fx_league_trial_cfg(fx_league_t *p, trial_cfg_t *tc);

/*
 * Governance's check of a proposed script: validates it (errors name the
 * line: "line 7: unknown hook 'sim.shott.pre'"), then test-runs it as the
 * effect "proposed" through the trial harness (trial.h: impact_games games
 * of a generated league on its real schedule, round by round, with the
 * round hooks, metadata and lifetime the league would give it) in the
 * league as it is now — in a generated league of its own, seeded from its
 * sha-256 and a secret drawn when p was made (unless impact_seed was set),
 * so a script cannot know in advance which league checks it — now's active effects run too (each for the rounds
 * it has left), under with_rules (the rules in force with the proposal's
 * parameter changes; NULL: now's rules; a NULL now: the defaults and no
 * effects). An error or exhausted budget of the proposed script in the test
 * run rejects it too ("test run: sim.shot.pre: line 4: ..."); the league's
 * own effects failing is not the script's fault. On success *hooks =
 * ["sim.shot.pre", ...] and *impact = trial_impact_json's {games, seed,
 * figure: {with, without, delta}...} where "without" is the league as it is
 * now (now's rules and effects), plus fired (calls per hook of the script),
 * peak_instructions, peak_memory and effects_in_force (caller owns both;
 * impact may be NULL: the run without is then skipped). Returns 0 or -1.
 * Thread-safe.
 */
int fx_league_check(fx_league_t *p, const pw_gov_league_t *now, const pw_rules_t *with_rules,
		    const char *source, struct cJSON **hooks, struct cJSON **impact, char *err,
		    size_t errlen);

/* Projected impact of a ruleset change: the trial harness's figures over
 * impact_games games under now's rules and under after (the same league,
 * schedule and seeds, now's active effects running in both), as
 * trial_impact_json {games, seed, figure: {after, before, delta}...,
 * effects_in_force}. now NULL: the defaults, no effects. Caller owns; NULL
 * on out of memory. Thread-safe. */
struct cJSON *fx_league_rules_impact(fx_league_t *p, const pw_gov_league_t *now,
				     const pw_rules_t *after);

/* Moves what the provider collected from games, round and report hooks
 * since the last take into out (caller fx_report_init'ed it; caller frees):
 * the errors (scripts that no longer validate included), each effect's
 * usage (calls and errors per hook, peaks) and, with capture_log, the
 * ctx.log lines. For logs, the admin and the trial harness. Metadata writes
 * are not in it: they went to the runner. */
void fx_league_take_report(fx_league_t *p, fx_report_t *out);

#endif
