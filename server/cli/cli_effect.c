/*
 * cli_effect.c — `pinwheel effect check FILE.lua`: what an effect author
 * runs before proposing an effect (spec 20-effects, "Authoring tools").
 *
 * Validates the script, then plays the same generated league twice through
 * the trial harness (core/league/trial.h), once with the effect and once
 * without: the league's real schedule, round by round, with the round hooks,
 * metadata and lifetime the league would give it, on the league's own
 * sandbox provider (core/league/league_fx.h). Every game has the same seed
 * in both runs, so the with/without difference is the effect's, not luck's.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/league/league_fx.h"
#include "core/league/trial.h"
#include "effects/fx.h"
#include "server/cli/cli.h"
#include "server/cli/cli_fx.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: pinwheel effect check FILE.lua [--games N] [--seed S] [--format text|json]\n\n"
		"Validates a Lua effect, runs N games (default 200) of a generated league with and\n"
		"without it, played as consecutive rounds of its schedule so round hooks fire and\n"
		"metadata accumulates, and reports errors, hooks, times fired, budget use and impact.\n"
		"Exits 0 when the effect is valid and ran without errors, 1 otherwise.\n");
}

typedef struct check_opts {
	const char *file;
	bool json;
	int games;
	uint64_t seed;
} check_opts_t;

/* 0: run the check; 1: help was asked for (exit 0); 2: a usage error. */
static int parse_args(int argc, char **argv, check_opts_t *o)
{
	*o = (check_opts_t){.games = 200, .seed = 1};
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			return 1;
		} else if (!strcmp(a, "--games") && i + 1 < argc) {
			if (cli_parse_int("effect check", "--games", argv[++i], 1, 100000, &o->games) < 0)
				return 2;
		} else if (!strcmp(a, "--seed") && i + 1 < argc) {
			if (cli_parse_u64("effect check", "--seed", argv[++i], &o->seed) < 0)
				return 2;
		} else if (!strcmp(a, "--format") && i + 1 < argc) {
			const char *f = argv[++i];
			if (strcmp(f, "text") && strcmp(f, "json")) {
				cli_error("effect check", "--format must be text or json, got \"%s\"", f);
				return 2;
			}
			o->json = !strcmp(f, "json");
		} else if (a[0] == '-' && a[1]) {
			cli_error("effect check", "unknown option \"%s\" (see pinwheel effect --help)", a);
			return 2;
		} else if (!o->file) {
			o->file = a;
		} else {
			cli_error("effect check", "one FILE.lua at a time (got \"%s\" too)", a);
			return 2;
		}
	}
	if (!o->file) {
		usage(stderr);
		return 2;
	}
	return 0;
}

/* What the check found. */
typedef struct check {
	fx_script_t *script;        /* validated once */
	char id[PW_EFFECT_ID_MAX];  /* cli_fx_id: the name `sim --effect` gives it too */
	bool valid, ran;
	char err[FX_ERR_MAX + 512]; /* why it is not valid or did not run */
	trial_out_t with, without;
	const fx_usage_t *u;        /* the effect's usage in the run with it (NULL: never ran) */
	fx_limits_t lim;
} check_t;

/* Validates, then plays the trial with the effect (on a sandbox provider
 * that keeps ctx.log) and without. */
static void run(const check_opts_t *o, check_t *k)
{
	fx_limits_default(&k->lim);
	k->valid = fx_script_load_file(o->file, &k->script, k->err, sizeof k->err) == 0;
	if (!k->valid)
		return;
	cli_fx_id(o->file, k->id);
	fx_league_t *lf = fx_league_new(&(fx_league_opts_t){.workers = 1, .capture_log = true}, k->err,
					sizeof k->err);
	if (!lf)
		return;
	pw_fx_active_t a = {k->id, fx_script_name(k->script), fx_script_source(k->script, NULL)};
	int life = trial_lifetime_rounds(fx_script_lifetime(k->script));
	trial_cfg_t tc = {.league_seed = o->seed, .games = o->games};
	trial_cfg_t with = tc;
	fx_league_trial_cfg(lf, &with);
	with.effects = &a;
	with.lifetimes = &life;
	with.n_effects = 1;
	with.take_report = (void (*)(void *, fx_report_t *))fx_league_take_report;
	k->ran = trial_run(&with, &k->with, k->err, sizeof k->err) == 0 &&
		 trial_run(&tc, &k->without, k->err, sizeof k->err) == 0;
	k->u = fx_report_usage(&k->with.report, a.id);
	fx_league_free(lf);
}

static bool check_ok(const check_t *k)
{
	return k->valid && k->ran && k->with.errors == 0;
}

/* "permanent", "one game", "3 rounds" (text) or the JSON form. */
static void lifetime_text(const fx_script_t *s, char *out, size_t cap)
{
	fx_lifetime_t lt = fx_script_lifetime(s);
	if (lt.kind == FX_LIFE_ROUNDS)
		snprintf(out, cap, "%d rounds", lt.rounds);
	else
		snprintf(out, cap, "%s", lt.kind == FX_LIFE_ONE_GAME ? "one game" : "permanent");
}

static void lifetime_json(cJSON *o, const fx_script_t *s)
{
	fx_lifetime_t lt = fx_script_lifetime(s);
	if (lt.kind == FX_LIFE_ROUNDS)
		cJSON_AddNumberToObject(cJSON_AddObjectToObject(o, "lifetime"), "rounds", lt.rounds);
	else
		cJSON_AddStringToObject(o, "lifetime", lt.kind == FX_LIFE_ONE_GAME ? "one_game" : "permanent");
}

/* ---- JSON ---- */

static void json_errors(cJSON *o, const check_t *k)
{
	cJSON *errs = cJSON_AddArrayToObject(o, "errors");
	if (!k->valid || !k->ran) {
		cJSON *e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "message", k->err);
		cJSON_AddItemToArray(errs, e);
	}
	const fx_report_t *r = &k->with.report;
	for (size_t i = 0; i < r->n_errors; i++) {
		cJSON *e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "effect_id", r->errors[i].effect_id);
		cJSON_AddStringToObject(e, "hook", r->errors[i].hook);
		cJSON_AddStringToObject(e, "message", r->errors[i].message);
		cJSON_AddItemToArray(errs, e);
	}
}

static void json_hooks(cJSON *o, const check_t *k)
{
	cJSON *hooks = cJSON_AddArrayToObject(o, "hooks");
	cJSON *fired = cJSON_AddObjectToObject(o, "fired");
	for (int h = 0; h < FX_HOOK_COUNT; h++)
		if (fx_script_hooks(k->script) & (1u << h)) {
			cJSON_AddItemToArray(hooks, cJSON_CreateString(fx_hook_name(h)));
			cJSON_AddNumberToObject(fired, fx_hook_name(h), k->u ? (double)k->u->fired[h] : 0);
		}
	cJSON_AddNumberToObject(o, "acted", k->u ? (double)k->u->acted : 0);
}

static void json_budget(cJSON *o, const check_t *k)
{
	cJSON *b = cJSON_AddObjectToObject(o, "budget");
	cJSON_AddNumberToObject(b, "peak_instructions_per_call", k->u ? (double)k->u->peak_instr : 0);
	cJSON_AddNumberToObject(b, "peak_instructions_per_game", k->u ? (double)k->u->peak_session_instr : 0);
	cJSON_AddNumberToObject(b, "peak_memory_bytes", k->u ? (double)k->u->peak_mem : 0);
	cJSON_AddNumberToObject(b, "limit_instructions_per_call", (double)k->lim.instr_per_call);
	cJSON_AddNumberToObject(b, "limit_instructions_per_game", (double)k->lim.instr_per_game);
	cJSON_AddNumberToObject(b, "limit_memory_bytes", (double)k->lim.mem_per_effect);
}

static void json_log(cJSON *o, const char *log)
{
	cJSON *logs = cJSON_AddArrayToObject(o, "log");
	for (const char *p = log; p && *p;) {
		size_t n = strcspn(p, "\n");
		char *line = strndup(p, n);
		if (line)
			cJSON_AddItemToArray(logs, cJSON_CreateString(line));
		free(line);
		p += n + (p[n] == '\n');
	}
}

static void print_json(const check_opts_t *o, const check_t *k)
{
	cJSON *j = cJSON_CreateObject();
	cJSON_AddBoolToObject(j, "ok", check_ok(k));
	cJSON_AddStringToObject(j, "file", o->file);
	json_errors(j, k);
	if (k->valid) {
		const fx_script_t *s = k->script;
		cJSON_AddStringToObject(j, "name", fx_script_name(s));
		cJSON_AddStringToObject(j, "description", fx_script_description(s));
		cJSON_AddStringToObject(j, "sha256", fx_script_sha256(s));
		lifetime_json(j, s);
		json_hooks(j, k);
		json_budget(j, k);
		cJSON_AddItemToObject(j, "impact", trial_impact_json(&k->with, &k->without, "with", "without", o->seed));
		json_log(j, k->with.report.log);
	}
	char *text = cJSON_Print(j);
	if (text)
		printf("%s\n", text);
	free(text);
	cJSON_Delete(j);
}

/* ---- text ---- */

static void text_hooks(const check_t *k)
{
	printf("  hooks:\n");
	for (int h = 0; h < FX_HOOK_COUNT; h++)
		if (fx_script_hooks(k->script) & (1u << h))
			printf("    %-24s fired %llu times, %llu errors\n", fx_hook_name(h),
			       k->u ? (unsigned long long)k->u->fired[h] : 0ull,
			       k->u ? (unsigned long long)k->u->errors[h] : 0ull);
	printf("  acted: %llu calls returned a change\n", k->u ? (unsigned long long)k->u->acted : 0ull);
}

static void text_budget(const check_t *k)
{
	printf("  budget: peak %llu instructions per call (limit %llu), %llu per game (limit %llu),\n"
	       "          peak memory %zu bytes (limit %zu)\n",
	       k->u ? (unsigned long long)k->u->peak_instr : 0ull, (unsigned long long)k->lim.instr_per_call,
	       k->u ? (unsigned long long)k->u->peak_session_instr : 0ull,
	       (unsigned long long)k->lim.instr_per_game, k->u ? k->u->peak_mem : 0, k->lim.mem_per_effect);
}

static void text_errors(const fx_report_t *r)
{
	printf("  errors: %zu\n", r->n_errors_total);
	for (size_t i = 0; i < r->n_errors && i < 20; i++)
		printf("    %s %s: %s\n", r->errors[i].effect_id, r->errors[i].hook, r->errors[i].message);
}

static void text_impact(const check_t *k)
{
	printf("  impact over %d games:%24s %10s\n", k->with.games, "with", "without");
	for (int i = 0; i < TRIAL_FIGURES; i++) {
		const trial_figure_t *f = trial_figure(i);
		printf("    %-32s %10.*f %10.*f\n", f->label, f->digits, k->with.figure[i], f->digits,
		       k->without.figure[i]);
	}
	if (k->with.effect_rounds < k->with.rounds) /* as the league would: its lifetime ended */
		printf("    (the effect played the first %d of the %d rounds: its lifetime)\n",
		       k->with.effect_rounds, k->with.rounds);
}

static void text_log(const fx_report_t *r)
{
	if (!r->log_len)
		return;
	printf("  log:\n");
	for (const char *p = r->log; *p;) {
		size_t n = strcspn(p, "\n");
		printf("    %.*s\n", (int)n, p);
		p += n + (p[n] == '\n');
	}
}

static void print_text(const check_opts_t *o, const check_t *k)
{
	printf("effect check: %s\n", o->file);
	if (!k->valid) {
		printf("  ok: no\n  error: %s\n", k->err);
		return;
	}
	char life[32];
	lifetime_text(k->script, life, sizeof life);
	printf("  name: %s (%s)\n  ok: %s\n", fx_script_name(k->script), life, check_ok(k) ? "yes" : "no");
	if (!k->ran)
		printf("  error: %s\n", k->err);
	text_hooks(k);
	text_budget(k);
	text_errors(&k->with.report);
	text_impact(k);
	text_log(&k->with.report);
}

static int check(int argc, char **argv)
{
	check_opts_t o;
	int rc = parse_args(argc, argv, &o);
	if (rc)
		return rc == 1 ? 0 : rc;
	check_t k;
	memset(&k, 0, sizeof k);
	run(&o, &k);
	if (o.json)
		print_json(&o, &k);
	else
		print_text(&o, &k);
	bool ok = check_ok(&k);
	trial_out_free(&k.with);
	trial_out_free(&k.without);
	fx_script_free(k.script);
	return ok ? 0 : 1;
}

int cmd_effect(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (strcmp(argv[1], "check") != 0) {
		cli_error("effect", "unknown subcommand \"%s\" (the one there is: check)", argv[1]);
		return 2;
	}
	return check(argc, argv);
}
