/*
 * cli_bench.c — `pinwheel bench` (how fast is a game) and `pinwheel
 * calibrate` (does a game feel like basketball). Spec 10-simulation,
 * "Speed" and "Calibration".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/sim/calib.h"
#include "core/sim/hooks.h"
#include "core/sim/teams.h"
#include "core/sim/rng.h"
#include "core/sim/rules.h"
#include "core/sim/sim.h"
#include "server/cli/cli.h"
#include "server/cli/cli_fx.h"

#define BENCH_DEFAULT_GAMES  20000
#define BENCH_LEAGUES        16
#define BENCH_SEASON_GAMES   84
#define CALIB_DEFAULT_GAMES  2000
#define CALIB_DEFAULT_SEED   20240601u

static double clock_seconds(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static double now_seconds(void)
{
	return clock_seconds(CLOCK_MONOTONIC);
}

/* What the effects did in the timed games: hook calls by hook, and errors
 * (tests/bench/bench_effects.sh checks them against tests/bench/lua_floor.c,
 * which makes the same calls in bare Lua); and the CPU time the games
 * took, which other work on a shared machine slows less than wall time. */
typedef struct bench_fx_count {
	long long fired[PW_SIM_HOOK_COUNT];
	long long errors;
	double cpu_secs;
} bench_fx_count_t;

/* Plays `games` games between teams of the pre-generated leagues; returns
 * elapsed seconds, or a negative number on failure with err saying why.
 * count, when not NULL, adds up the effects' calls. */
static double bench_run(const pw_league_t *leagues, int n_leagues, const pw_rules_t *rules,
			long games, pw_game_result_t *r, cli_fx_t *fx, bench_fx_count_t *count,
			char *err, size_t errlen)
{
	uint64_t mix = 0x5eedULL;
	double t0 = now_seconds(), c0 = clock_seconds(CLOCK_PROCESS_CPUTIME_ID);
	for (long g = 0; g < games; g++) {
		const pw_league_t *l = &leagues[g % n_leagues];
		int h = (int)((g / n_leagues) % l->n_teams);
		int a = (h + 1 + (int)((g / n_leagues / l->n_teams) % (l->n_teams - 1))) % l->n_teams;
		pw_game_input_t in = {
			.game_id = g + 1, .seed = rng_mix64(&mix),
			.home = &l->teams[h], .away = &l->teams[a], .rules = rules,
		};
		if (cli_fx_begin(fx, in.game_id, 1, in.seed, NULL, false, &in.hooks, err, errlen))
			return -1;
		int rc = sim_game(&in, r);
		cli_fx_end(fx, r, NULL);
		if (rc != 0) {
			snprintf(err, errlen, "a game ran out of memory");
			return -1;
		}
		for (size_t i = 0; count && i < r->n_effects; i++) {
			count->fired[r->effects[i].hook] += r->effects[i].fired;
			count->errors += r->effects[i].errors;
		}
	}
	if (count)
		count->cpu_secs = clock_seconds(CLOCK_PROCESS_CPUTIME_ID) - c0;
	return now_seconds() - t0;
}

int cmd_bench(int argc, char **argv)
{
	int games = BENCH_DEFAULT_GAMES;
	cli_fx_t fx = {0};
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			printf("usage: pinwheel bench [--games N] [--effect FILE.lua]...\n\n"
			       "Simulates N default games (default %d) single-threaded between teams\n"
			       "of generated leagues and prints the time per game, then the time of a\n"
			       "default %d-game regular season. Each --effect runs in every game.\n",
			       BENCH_DEFAULT_GAMES, BENCH_SEASON_GAMES);
			return 0;
		} else if (!strcmp(argv[i], "--games")) {
			const char *v = cli_need_value(argv[0], argc, argv, &i);
			if (!v || cli_parse_int(argv[0], "--games", v, 1, 100000000, &games)) {
				cli_fx_free(&fx);
				return 2;
			}
		} else if (!strcmp(argv[i], "--effect")) {
			char err[FX_ERR_MAX + 128];
			const char *v = cli_need_value(argv[0], argc, argv, &i);
			if (!v || cli_fx_add(&fx, v, err, sizeof err) < 0) {
				if (v)
					cli_error(argv[0], "%s", err);
				cli_fx_free(&fx);
				return 2; /* as calibrate: a script that does not load is bad input */
			}
		} else {
			cli_fx_free(&fx);
			cli_error(argv[0], "unknown option \"%s\" (try --help)", argv[i]);
			return 2;
		}
	}
	pw_league_t *leagues = malloc(BENCH_LEAGUES * sizeof *leagues);
	if (!leagues) {
		cli_error(argv[0], "out of memory");
		cli_fx_free(&fx);
		return 1;
	}
	for (int i = 0; i < BENCH_LEAGUES; i++)
		teams_generate(&leagues[i], 1000 + (uint64_t)i, 8);
	pw_rules_t rules;
	rules_default(&rules);
	pw_game_result_t r;
	sim_result_init(&r);
	/* Warm the caches and the result buffers first. */
	char err[FX_ERR_MAX + 64] = "";
	bench_fx_count_t count = {0};
	double secs = bench_run(leagues, BENCH_LEAGUES, &rules, games < 200 ? games : 200, &r, &fx,
				NULL, err, sizeof err);
	if (secs >= 0)
		secs = bench_run(leagues, BENCH_LEAGUES, &rules, games, &r, &fx, &count, err,
				 sizeof err);
	double season = secs >= 0 ? bench_run(leagues, 1, &rules, BENCH_SEASON_GAMES, &r, &fx,
					      NULL, err, sizeof err) : -1;
	int n_fx = fx.n;
	sim_result_free(&r);
	free(leagues);
	cli_fx_free(&fx);
	if (secs < 0 || season < 0) {
		cli_error(argv[0], "%s", err[0] ? err : "a game failed");
		return 1;
	}
	printf("games=%d us_per_game=%.2f games_per_sec=%.0f cpu_us_per_game=%.2f\n", games,
	       secs * 1e6 / games, games / secs, count.cpu_secs * 1e6 / games);
	if (n_fx) {
		/* the timed games' hook calls, all effects together */
		long long calls = 0;
		printf("effect_calls");
		for (int h = 0; h < PW_SIM_HOOK_COUNT; h++) {
			calls += count.fired[h];
			if (count.fired[h])
				printf(" %s=%lld", hooks_name((pw_sim_hook_t)h), count.fired[h]);
		}
		printf(" total=%lld errors=%lld\n", calls, count.errors);
	}
	printf("season_games=%d season_ms=%.3f\n", BENCH_SEASON_GAMES, season * 1e3);
	return 0;
}

static void calibrate_usage(void)
{
	printf("usage: pinwheel calibrate [--games N] [--seed S] [--set PARAM=VALUE]...\n"
	       "                          [--effect FILE.lua]...\n\n"
	       "Simulates N games (default %d) of generated leagues and prints each\n"
	       "calibration figure beside its range. Exits 1 when a figure is outside.\n"
	       "--set changes a rule parameter (repeatable), e.g. --set three_point_value=5.\n"
	       "--effect runs a Lua effect in every game (repeatable); a script that does\n"
	       "not load is an error (exit 2), and errors while running are counted.\n",
	       CALIB_DEFAULT_GAMES);
}

/* Effects around each calibration game: calib_run_each's callbacks. */
typedef struct calib_fx {
	cli_fx_t fx;
	fx_report_t rep;
	char err[FX_ERR_MAX];
} calib_fx_t;

static int calib_fx_begin(void *ud, int64_t game_id, uint64_t seed, const pw_hooks_t **hooks)
{
	calib_fx_t *c = ud;
	return cli_fx_begin(&c->fx, game_id, 1, seed, NULL, false, hooks, c->err, sizeof c->err);
}

static void calib_fx_end(void *ud, pw_game_result_t *r)
{
	calib_fx_t *c = ud;
	cli_fx_end(&c->fx, r, &c->rep);
}

int cmd_calibrate(int argc, char **argv)
{
	int games = CALIB_DEFAULT_GAMES;
	uint64_t seed = CALIB_DEFAULT_SEED;
	pw_rules_t rules;
	rules_default(&rules);
	/* Effects need a session per game (fx_game_begin/_end), hence
	 * calib_run_each's per-game callbacks rather than one pw_hooks_t. */
	calib_fx_t cf = {0};
	fx_report_init(&cf.rep);
	int rc = 0;
	for (int i = 1; i < argc && !rc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			calibrate_usage();
			cli_fx_free(&cf.fx);
			return 0;
		} else if (!strcmp(argv[i], "--games")) {
			const char *v = cli_need_value(argv[0], argc, argv, &i);
			if (!v || cli_parse_int(argv[0], "--games", v, 1, 10000000, &games))
				rc = 2;
		} else if (!strcmp(argv[i], "--seed")) {
			const char *v = cli_need_value(argv[0], argc, argv, &i);
			if (!v || cli_parse_u64(argv[0], "--seed", v, &seed))
				rc = 2;
		} else if (!strcmp(argv[i], "--set")) {
			char err[256];
			const char *v = cli_need_value(argv[0], argc, argv, &i);
			if (!v) {
				rc = 2;
			} else if (rules_apply_assignment(&rules, v, err, sizeof err)) {
				cli_error(argv[0], "%s", err);
				rc = 2;
			}
		} else if (!strcmp(argv[i], "--effect")) {
			char err[FX_ERR_MAX + 128];
			const char *v = cli_need_value(argv[0], argc, argv, &i);
			if (!v) {
				rc = 2;
			} else if (cli_fx_add(&cf.fx, v, err, sizeof err) < 0) {
				cli_error(argv[0], "%s", err);
				rc = 2;
			}
		} else {
			cli_error(argv[0], "unknown option \"%s\" (try --help)", argv[i]);
			rc = 2;
		}
	}
	if (rc) {
		cli_fx_free(&cf.fx);
		return rc;
	}
	pw_calib_t c = {0};
	pw_calib_per_game_t pg = {.begin = calib_fx_begin, .end = calib_fx_end, .ud = &cf};
	if (calib_run_each(&rules, games, seed, &pg, &c)) {
		if (cf.err[0])
			cli_error(argv[0], "effects: %s", cf.err);
		else
			cli_error(argv[0], "a game failed (out of memory)");
		fx_report_free(&cf.rep);
		cli_fx_free(&cf.fx);
		return 1;
	}
	if (cf.rep.n_errors_total && cf.rep.n_errors) {
		/* a script that loads but fails while running is switched off for
		 * the rest of that game: the figures are then partly without it */
		fprintf(stderr, "%s: effects: %zu errors while running (first: %s %s: %s)\n", argv[0],
			cf.rep.n_errors_total, cf.rep.errors[0].effect_id, cf.rep.errors[0].hook,
			cf.rep.errors[0].message);
	}
	fx_report_free(&cf.rep);
	if (cf.fx.n) {
		printf("effects:");
		for (int i = 0; i < cf.fx.n; i++)
			printf(" %s", cf.fx.ids[i]);
		printf("\n");
	}
	cli_fx_free(&cf.fx);
	pw_calib_figure_t f[PW_CAL_COUNT];
	calib_figures(&c, rules.home_court_enabled, f);
	int bad = 0;
	printf("games=%ld seed=%llu\n", c.games, (unsigned long long)seed);
	for (int i = 0; i < PW_CAL_COUNT; i++) {
		bool ok = calib_in_range(&f[i]);
		bad += !ok;
		printf("%-32s %8.3f   [%g, %g]  %s\n", f[i].name, f[i].value, f[i].lo, f[i].hi,
		       ok ? "ok" : "OUT");
	}
	printf("%s\n", bad ? "calibration: some figures are out of range" : "calibration: ok");
	return bad ? 1 : 0;
}
