/*
 * fuzz_effect_load.c — libFuzzer target for loading and running effect
 * scripts, the most hostile input the server takes (spec 20-effects).
 *
 * Each input is an effect script's source. It goes through fx_script_load
 * exactly as a proposal's script would; when it loads, it runs in one
 * short game (fx_game_begin / sim_game / fx_game_end) under small budgets,
 * then round hooks run in a session of their own. Checked on every input:
 *  - no crash, out-of-bounds access or undefined behaviour (ASan, UBSan),
 *    no leak (LeakSanitizer), no hang (libFuzzer's -timeout);
 *  - a refused script always gets a message, a loaded one a name and a
 *    64-digit sha-256;
 *  - the game finishes with a winner whatever the script did, and every
 *    error names the effect and a hook.
 * The engine is made per input: what one script leaves behind must not
 * decide whether the next one crashes, or a crash would not reproduce.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sim/teams.h"
#include "core/sim/rules.h"
#include "core/sim/sim.h"
#include "effects/fx.h"

/* Small budgets: enough for any sensible effect, small enough that a
 * runaway script costs the fuzzer milliseconds, not seconds. */
static void small_limits(fx_limits_t *l)
{
	fx_limits_default(l);
	l->instr_per_call = 20000;
	l->instr_per_game = 200000;
	l->mem_per_effect = 1u << 20;
}

static void check_report(const fx_report_t *rep)
{
	for (size_t i = 0; i < rep->n_errors; i++) {
		const fx_error_t *e = &rep->errors[i];
		if (strcmp(e->effect_id, "fuzz") != 0 || !e->hook[0] || !e->message[0])
			abort();
	}
}

static void run_game(const fx_script_t *s, pw_league_t *lg)
{
	fx_limits_t lim;
	small_limits(&lim);
	char err[FX_ERR_MAX];
	fx_engine_t *e = fx_engine_new(&lim, err, sizeof err);
	if (!e)
		abort();
	fx_effect_t eff = {"fuzz", s};
	fx_session_setup_t setup = {.game_id = 1, .round = 1, .seed = 42, .effects = &eff,
				    .n_effects = 1, .capture_log = true};
	pw_rules_t rules;
	rules_default(&rules);
	rules.quarter_minutes = 3; /* a short game: the fuzzer's time is for scripts */
	pw_game_input_t in = {.game_id = 1, .seed = 42, .home = &lg->teams[0],
			      .away = &lg->teams[1], .rules = &rules};
	pw_game_result_t res;
	sim_result_init(&res);
	fx_report_t rep;
	fx_report_init(&rep);
	if (fx_game_begin(e, &setup, &in.hooks, err, sizeof err) != 0)
		abort(); /* a valid setup never fails (out of memory aside) */
	int rc = sim_game(&in, &res);
	fx_game_end(e, &res, &rep);
	if (rc != 0 || (res.winner != 0 && res.winner != 1))
		abort();
	check_report(&rep);

	/* round hooks, with no context beyond the basics */
	if (fx_round_begin(e, &setup, err, sizeof err) != 0)
		abort();
	char narrative[512];
	for (int h = FX_HOOK_ROUND_PRE; h < FX_HOOK_COUNT; h++)
		if (fx_script_hooks(s) & (1u << h))
			fx_round_hook(e, fx_hook_name(h), NULL, &rules, narrative, sizeof narrative);
	fx_round_end(e, &rep);
	check_report(&rep);

	fx_report_free(&rep);
	sim_result_free(&res);
	fx_engine_free(e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fx_script_t *s = NULL;
	char err[FX_ERR_MAX];
	err[0] = 0;
	if (fx_script_load((const char *)data, size, &s, err, sizeof err) != 0) {
		if (s || !err[0])
			abort();
		return 0;
	}
	if (!s || !fx_script_name(s) || strlen(fx_script_sha256(s)) != 64)
		abort();
	pw_league_t *lg = malloc(sizeof *lg);
	if (!lg || teams_generate(lg, 7, 4) != 0)
		abort();
	run_game(s, lg);
	free(lg);
	fx_script_free(s);
	return 0;
}
