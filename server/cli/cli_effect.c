/*
 * cli_effect.c — `pinwheel effect check FILE.lua`: what an effect author
 * runs before proposing an effect (spec 20-effects, "Authoring tools").
 *
 * Validates the script, then plays the same generated league twice, as
 * consecutive rounds of a round-robin, once with the effect and once
 * without: round hooks fire around the games and metadata writes are
 * applied after each round as the league does, so effects that build up
 * (swagger) show their real impact. Every game has the same seed in both
 * runs, so the with/without difference is the effect's, not luck's.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sim/teams.h"
#include "core/sim/rng.h"
#include "core/sim/rules.h"
#include "core/sim/sim.h"
#include "core/league/standings.h"
#include "effects/fx.h"
#include "server/cli/cli.h"

#define CHECK_TEAMS 8

typedef struct impact {
	int games, home_wins, elam_games;
	double points, fgm, fga, tpa, turnovers, elam_poss;
} impact_t;

static void usage(FILE *out)
{
	fprintf(out,
		"usage: pinwheel effect check FILE.lua [--games N] [--seed S] [--format text|json]\n\n"
		"Validates a Lua effect, runs N games (default 200) of a generated league with and\n"
		"without it, played as consecutive rounds so round hooks fire and metadata\n"
		"accumulates, and reports errors, hooks, times fired, budget use and impact.\n"
		"Exits 0 when the effect is valid and ran without errors, 1 otherwise.\n");
}

/* ctx fields of a round hook: {"round": r, "standings": [...], "game": {...}},
 * with standings in the shape the live league gives (stand_league_json). */
static cJSON *round_ctx(int round, const pw_league_t *l, const pw_stand_game_t *played, int n_played,
			const pw_game_result_t *g, int64_t game_id, int home_id, int away_id)
{
	cJSON *c = cJSON_CreateObject();
	cJSON_AddNumberToObject(c, "round", round);
	cJSON_AddItemToObject(c, "standings", stand_league_json(l, played, n_played));
	if (game_id) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "id", (double)game_id);
		cJSON_AddNumberToObject(o, "home_team_id", home_id);
		cJSON_AddNumberToObject(o, "away_team_id", away_id);
		if (g) {
			cJSON_AddNumberToObject(o, "home_score", g->home_score);
			cJSON_AddNumberToObject(o, "away_score", g->away_score);
			int w = g->winner == 0 ? home_id : away_id;
			cJSON_AddNumberToObject(o, "winner_team_id", w);
			int m = g->home_score - g->away_score;
			cJSON_AddNumberToObject(o, "margin", m < 0 ? -m : m);
		}
		cJSON_AddItemToObject(c, "game", o);
	}
	return c;
}

/*
 * Runs one round hook in a session of its own, as the live league does
 * (core/league/league_fx.h): script locals do not carry from one round hook to
 * the next, so what passes here behaves the same in the league. Frees ctx.
 */
static int round_hook(fx_engine_t *re, const fx_session_setup_t *ss, const char *hook, cJSON *ctx,
		      const pw_rules_t *rules, fx_report_t *rep, char *err, size_t errlen)
{
	int rc = 0;
	if (re) {
		rc = fx_round_begin(re, ss, err, errlen);
		if (rc == 0) {
			fx_round_hook(re, hook, ctx, rules, NULL, 0);
			fx_round_end(re, rep);
		}
	}
	cJSON_Delete(ctx);
	return rc;
}

static void add_impact(impact_t *im, const pw_game_result_t *g)
{
	im->games++;
	im->home_wins += g->winner == 0;
	im->points += (g->home_score + g->away_score) / 2.0;
	for (int t = 0; t < 2; t++)
		for (int i = 0; i < PW_ROSTER_SIZE; i++) {
			const pw_box_t *b = &g->box[t][i];
			im->fgm += b->fgm;
			im->fga += b->fga;
			im->tpa += b->tpa;
			im->turnovers += b->turnovers / 2.0;
		}
	if (g->elam_target > 0) {
		im->elam_games++;
		im->elam_poss += g->elam_possessions;
	}
}

/*
 * Plays `games` games of a league from seed as consecutive round-robin
 * rounds (the circle method: every team plays once a round). With effects
 * NULL it is the baseline. Returns 0, or -1 with err.
 */
static int play(const fx_effect_t *effects, int n_effects, int games, uint64_t seed,
		impact_t *im, fx_report_t *rep, bool log, char *err, size_t errlen)
{
	static pw_league_t league;
	if (teams_generate(&league, seed, CHECK_TEAMS) < 0) {
		snprintf(err, errlen, "could not generate a league");
		return -1;
	}
	pw_rules_t rules;
	rules_default(&rules);
	fx_engine_t *ge = NULL, *re = NULL;
	fx_meta_store_t *store = fx_meta_store_new();
	int rc = -1;
	if (!store)
		goto out;
	if (n_effects) {
		ge = fx_engine_new(NULL, err, errlen);
		re = ge ? fx_engine_new(NULL, err, errlen) : NULL;
		if (!re)
			goto out;
	}
	pw_stand_game_t *played_games = calloc((size_t)games + 1, sizeof *played_games);
	if (!played_games) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	pw_game_result_t res;
	sim_result_init(&res);
	int played = 0;
	for (int round = 1; played < games; round++) {
		int r = (round - 1) % (CHECK_TEAMS - 1);
		fx_session_setup_t ss = {.round = round, .seed = rng_hash_str("round") ^ (uint64_t)round,
					 .effects = effects, .n_effects = n_effects,
					 .meta = fx_meta_store_reader(store), .capture_log = log};
		size_t mark = rep->meta.n;
		if (round_hook(re, &ss, "round.pre", round_ctx(round, &league, played_games, played, NULL, 0, 0, 0),
			       &rules, rep, err, errlen) < 0)
			goto out_res;
		for (int k = 0; k < CHECK_TEAMS / 2 && played < games; k++) {
			/* circle method: team 0 fixed, the others rotate */
			int a = k == 0 ? 0 : 1 + (r + k - 1) % (CHECK_TEAMS - 1);
			int b = 1 + (r + CHECK_TEAMS - 2 - k) % (CHECK_TEAMS - 1);
			if ((round + k) % 2) {
				int tmp = a;
				a = b;
				b = tmp;
			}
			const pw_team_t *home = &league.teams[a], *away = &league.teams[b];
			int64_t gid = ++played;
			uint64_t mix = seed ^ (uint64_t)gid * 0x9e3779b97f4a7c15ull;
			uint64_t gseed = rng_mix64(&mix);
			if (round_hook(re, &ss, "round.game.pre",
				       round_ctx(round, &league, played_games, (int)gid - 1, NULL, gid, home->id, away->id),
				       &rules, rep, err, errlen) < 0)
				goto out_res;
			pw_game_input_t in = {.game_id = gid, .round = round, .seed = gseed,
					      .home = home, .away = away, .rules = &rules};
			fx_session_setup_t gs = ss;
			gs.game_id = gid;
			gs.seed = gseed;
			if (ge && fx_game_begin(ge, &gs, &in.hooks, err, errlen) < 0)
				goto out_res;
			int simrc = sim_game(&in, &res);
			if (ge)
				fx_game_end(ge, &res, rep);
			if (simrc < 0) {
				snprintf(err, errlen, "a game ran out of memory");
				goto out_res;
			}
			add_impact(im, &res);
			played_games[gid - 1] = (pw_stand_game_t){home->id, away->id, res.home_score,
								  res.away_score};
			if (round_hook(re, &ss, "round.game.post",
				       round_ctx(round, &league, played_games, (int)gid, &res, gid, home->id, away->id),
				       &rules, rep, err, errlen) < 0)
				goto out_res;
		}
		if (round_hook(re, &ss, "round.post", round_ctx(round, &league, played_games, played, NULL, 0, 0, 0),
			       &rules, rep, err, errlen) < 0)
			goto out_res;
		/* the round's writes, games in schedule order then round hooks */
		fx_meta_ops_t slice = {rep->meta.ops + mark, rep->meta.n - mark, 0};
		if (fx_meta_apply(store, &slice) < 0) {
			snprintf(err, errlen, "out of memory");
			goto out_res;
		}
	}
	rc = 0;
out_res:
	sim_result_free(&res);
	free(played_games);
out:
	fx_engine_free(ge);
	fx_engine_free(re);
	fx_meta_store_free(store);
	return rc;
}

typedef struct figure {
	const char *key, *label;
	double with, without;
	int digits;
} figure_t;

static int figures(const impact_t *w, const impact_t *o, figure_t *f)
{
#define DIV(a, b) ((b) ? (double)(a) / (double)(b) : 0.0)
	f[0] = (figure_t){"points_per_game", "points per team per game", DIV(w->points, w->games),
			  DIV(o->points, o->games), 2};
	f[1] = (figure_t){"fg_pct", "field-goal %", DIV(w->fgm, w->fga), DIV(o->fgm, o->fga), 3};
	f[2] = (figure_t){"three_point_share", "three-point attempt share", DIV(w->tpa, w->fga),
			  DIV(o->tpa, o->fga), 3};
	f[3] = (figure_t){"turnovers", "turnovers per team per game", DIV(w->turnovers, w->games),
			  DIV(o->turnovers, o->games), 2};
	f[4] = (figure_t){"home_win_pct", "home win %", DIV(w->home_wins, w->games),
			  DIV(o->home_wins, o->games), 3};
	f[5] = (figure_t){"elam_length", "Elam possessions per game", DIV(w->elam_poss, w->elam_games),
			  DIV(o->elam_poss, o->elam_games), 2};
#undef DIV
	return 6;
}

static int check(int argc, char **argv)
{
	const char *file = NULL, *format = "text";
	int games = 200;
	uint64_t seed = 1;
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(a, "--games") && i + 1 < argc) {
			if (cli_parse_int("effect check", "--games", argv[++i], 1, 100000, &games) < 0)
				return 2;
		} else if (!strcmp(a, "--seed") && i + 1 < argc) {
			if (cli_parse_u64("effect check", "--seed", argv[++i], &seed) < 0)
				return 2;
		} else if (!strcmp(a, "--format") && i + 1 < argc) {
			format = argv[++i];
			if (strcmp(format, "text") && strcmp(format, "json")) {
				cli_error("effect check", "--format must be text or json, got \"%s\"", format);
				return 2;
			}
		} else if (a[0] == '-' && a[1]) {
			cli_error("effect check", "unknown option \"%s\" (see pinwheel effect --help)", a);
			return 2;
		} else if (!file) {
			file = a;
		} else {
			cli_error("effect check", "one FILE.lua at a time (got \"%s\" too)", a);
			return 2;
		}
	}
	if (!file) {
		usage(stderr);
		return 2;
	}
	bool json = !strcmp(format, "json");
	char err[FX_ERR_MAX + 64];
	fx_script_t *sc = NULL;
	bool valid = fx_script_load_file(file, &sc, err, sizeof err) == 0;

	impact_t with = {0}, without = {0};
	fx_report_t rep;
	fx_report_init(&rep);
	const char *base = strrchr(file, '/');
	base = base ? base + 1 : file;
	char id[PW_EFFECT_ID_MAX];
	snprintf(id, sizeof id, "%.*s", (int)(strcspn(base, ".") ? strcspn(base, ".") : strlen(base)), base);
	fx_effect_t eff = {id, sc};
	bool ran = valid && play(&eff, 1, games, seed, &with, &rep, true, err, sizeof err) == 0 &&
		   play(NULL, 0, games, seed, &without, &rep, false, err, sizeof err) == 0;
	bool ok = valid && ran && rep.n_errors_total == 0;
	const fx_usage_t *u = valid ? fx_report_usage(&rep, id) : NULL;
	figure_t fig[8];
	int nfig = figures(&with, &without, fig);
	fx_limits_t lim;
	fx_limits_default(&lim);

	if (json) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddBoolToObject(o, "ok", ok);
		cJSON_AddStringToObject(o, "file", file);
		cJSON *errs = cJSON_AddArrayToObject(o, "errors");
		if (!valid || !ran) {
			cJSON *e = cJSON_CreateObject();
			cJSON_AddStringToObject(e, "message", err);
			cJSON_AddItemToArray(errs, e);
		}
		for (size_t i = 0; i < rep.n_errors; i++) {
			cJSON *e = cJSON_CreateObject();
			cJSON_AddStringToObject(e, "effect_id", rep.errors[i].effect_id);
			cJSON_AddStringToObject(e, "hook", rep.errors[i].hook);
			cJSON_AddStringToObject(e, "message", rep.errors[i].message);
			cJSON_AddItemToArray(errs, e);
		}
		if (valid) {
			cJSON_AddStringToObject(o, "name", fx_script_name(sc));
			cJSON_AddStringToObject(o, "description", fx_script_description(sc));
			cJSON_AddStringToObject(o, "sha256", fx_script_sha256(sc));
			fx_lifetime_t lt = fx_script_lifetime(sc);
			if (lt.kind == FX_LIFE_ROUNDS) {
				cJSON *l = cJSON_AddObjectToObject(o, "lifetime");
				cJSON_AddNumberToObject(l, "rounds", lt.rounds);
			} else {
				cJSON_AddStringToObject(o, "lifetime", lt.kind == FX_LIFE_ONE_GAME ? "one_game" : "permanent");
			}
			cJSON *hooks = cJSON_AddArrayToObject(o, "hooks");
			cJSON *fired = cJSON_AddObjectToObject(o, "fired");
			for (int h = 0; h < FX_HOOK_COUNT; h++)
				if (fx_script_hooks(sc) & (1u << h)) {
					cJSON_AddItemToArray(hooks, cJSON_CreateString(fx_hook_name(h)));
					cJSON_AddNumberToObject(fired, fx_hook_name(h), u ? (double)u->fired[h] : 0);
				}
			cJSON_AddNumberToObject(o, "acted", u ? (double)u->acted : 0);
			cJSON *b = cJSON_AddObjectToObject(o, "budget");
			cJSON_AddNumberToObject(b, "peak_instructions_per_call", u ? (double)u->peak_instr : 0);
			cJSON_AddNumberToObject(b, "peak_instructions_per_game", u ? (double)u->peak_session_instr : 0);
			cJSON_AddNumberToObject(b, "peak_memory_bytes", u ? (double)u->peak_mem : 0);
			cJSON_AddNumberToObject(b, "limit_instructions_per_call", (double)lim.instr_per_call);
			cJSON_AddNumberToObject(b, "limit_instructions_per_game", (double)lim.instr_per_game);
			cJSON_AddNumberToObject(b, "limit_memory_bytes", (double)lim.mem_per_game);
			cJSON *imp = cJSON_AddObjectToObject(o, "impact");
			cJSON_AddNumberToObject(imp, "games", with.games);
			for (int i = 0; i < nfig; i++) {
				cJSON *f = cJSON_AddObjectToObject(imp, fig[i].key);
				cJSON_AddNumberToObject(f, "with", fig[i].with);
				cJSON_AddNumberToObject(f, "without", fig[i].without);
			}
			cJSON *logs = cJSON_AddArrayToObject(o, "log");
			for (const char *p = rep.log; p && *p;) {
				const char *nl = strchr(p, '\n');
				size_t n = nl ? (size_t)(nl - p) : strlen(p);
				char *line = strndup(p, n);
				if (line)
					cJSON_AddItemToArray(logs, cJSON_CreateString(line));
				free(line);
				p += n + (nl != NULL);
			}
		}
		char *text = cJSON_Print(o);
		if (text)
			printf("%s\n", text);
		free(text);
		cJSON_Delete(o);
	} else {
		printf("effect check: %s\n", file);
		if (!valid) {
			printf("  ok: no\n  error: %s\n", err);
		} else {
			fx_lifetime_t lt = fx_script_lifetime(sc);
			char life[32];
			if (lt.kind == FX_LIFE_ROUNDS)
				snprintf(life, sizeof life, "%d rounds", lt.rounds);
			else
				snprintf(life, sizeof life, "%s", lt.kind == FX_LIFE_ONE_GAME ? "one game" : "permanent");
			printf("  name: %s (%s)\n  ok: %s\n", fx_script_name(sc), life, ok ? "yes" : "no");
			if (!ran)
				printf("  error: %s\n", err);
			printf("  hooks:\n");
			for (int h = 0; h < FX_HOOK_COUNT; h++)
				if (fx_script_hooks(sc) & (1u << h))
					printf("    %-24s fired %llu times, %llu errors\n", fx_hook_name(h),
					       u ? (unsigned long long)u->fired[h] : 0ull,
					       u ? (unsigned long long)u->errors[h] : 0ull);
			printf("  acted: %llu calls returned a change\n", u ? (unsigned long long)u->acted : 0ull);
			printf("  budget: peak %llu instructions per call (limit %llu), %llu per game (limit %llu),\n"
			       "          peak memory %zu bytes (limit %zu)\n",
			       u ? (unsigned long long)u->peak_instr : 0ull, (unsigned long long)lim.instr_per_call,
			       u ? (unsigned long long)u->peak_session_instr : 0ull,
			       (unsigned long long)lim.instr_per_game, u ? u->peak_mem : 0, lim.mem_per_game);
			printf("  errors: %zu\n", rep.n_errors_total);
			for (size_t i = 0; i < rep.n_errors && i < 20; i++)
				printf("    %s %s: %s\n", rep.errors[i].effect_id, rep.errors[i].hook,
				       rep.errors[i].message);
			printf("  impact over %d games:%24s %10s\n", with.games, "with", "without");
			for (int i = 0; i < nfig; i++)
				printf("    %-32s %10.*f %10.*f\n", fig[i].label, fig[i].digits, fig[i].with,
				       fig[i].digits, fig[i].without);
			if (rep.log_len) {
				printf("  log:\n");
				for (const char *p = rep.log; *p;) {
					const char *nl = strchr(p, '\n');
					size_t n = nl ? (size_t)(nl - p) : strlen(p);
					printf("    %.*s\n", (int)n, p);
					p += n + (nl != NULL);
				}
			}
		}
	}
	fx_report_free(&rep);
	fx_script_free(sc);
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
