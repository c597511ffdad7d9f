/*
 * cli_sim.c — `pinwheel sim`: one game, printed as a box score with
 * play-by-play (text) or as the GameResult JSON contract (json).
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sim/teams.h"
#include "core/sim/result.h"
#include "core/sim/rules.h"
#include "core/sim/sim.h"
#include "server/cli/cli.h"
#include "server/cli/cli_fx.h"

#define MAX_SETS 64

static void sim_usage(FILE *out)
{
	fprintf(out,
		"usage: pinwheel sim [--seed N] [--league-seed N] [--home TEAM] [--away TEAM]\n"
		"                    [--set PARAM=VALUE]... [--effect FILE.lua]... [--format text|json]\n\n"
		"Simulates one game between two teams of a generated league.\n\n"
		"  --seed N          the game's random seed (default 1; env PINWHEEL_SEED)\n"
		"  --league-seed N   the league to generate (default 1; env PINWHEEL_LEAGUE_SEED)\n"
		"  --home TEAM       home team, by id, name or nickname (default team 1)\n"
		"  --away TEAM       away team (default team 2)\n"
		"  --set P=V         change a rule parameter for this game (repeatable)\n"
		"  --effect FILE     run a Lua effect in this game (repeatable)\n"
		"  --format F        text (default) or json (the GameResult contract)\n\n"
		"rule parameters:\n");
	for (size_t i = 0; i < rules_count; i++) {
		const pw_rule_def_t *d = &rules_defs[i];
		char def[32], range[96];
		rules_format(d, d->def, def, sizeof def);
		rules_describe_range(d, range, sizeof range);
		fprintf(out, "  %-32s default %-6s %s\n", d->name, def, range);
	}
}

int cmd_sim(int argc, char **argv)
{
	const char *seed_s = NULL, *league_s = NULL, *home_s = NULL, *away_s = NULL;
	const char *format = NULL;
	const char *sets[MAX_SETS];
	int nsets = 0;
	const char *effect_files[FX_MAX_EFFECTS];
	int neffects = 0;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v;
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			sim_usage(stdout);
			return 0;
		}
		if (!strcmp(a, "--seed") || !strcmp(a, "--league-seed") || !strcmp(a, "--home") ||
		    !strcmp(a, "--away") || !strcmp(a, "--set") || !strcmp(a, "--format") ||
		    !strcmp(a, "--effect")) {
			if (!(v = cli_need_value("sim", argc, argv, &i)))
				return 2;
		} else {
			cli_error("sim", "unknown option \"%s\" (see pinwheel sim --help)", a);
			return 2;
		}
		if (!strcmp(a, "--seed"))
			seed_s = v;
		else if (!strcmp(a, "--league-seed"))
			league_s = v;
		else if (!strcmp(a, "--home"))
			home_s = v;
		else if (!strcmp(a, "--away"))
			away_s = v;
		else if (!strcmp(a, "--format"))
			format = v;
		else if (!strcmp(a, "--set")) {
			if (nsets == MAX_SETS) {
				cli_error("sim", "too many --set options (at most %d)", MAX_SETS);
				return 2;
			}
			sets[nsets++] = v;
		} else {
			if (neffects == FX_MAX_EFFECTS) {
				cli_error("sim", "too many --effect options (at most %d)", FX_MAX_EFFECTS);
				return 2;
			}
			effect_files[neffects++] = v;
		}
	}

	uint64_t seed, league_seed;
	if (cli_parse_u64("sim", "--seed", cli_value(seed_s, "PINWHEEL_SEED", "1"), &seed) < 0 ||
	    cli_parse_u64("sim", "--league-seed", cli_value(league_s, "PINWHEEL_LEAGUE_SEED", "1"),
			  &league_seed) < 0)
		return 2;
	format = cli_value(format, "PINWHEEL_FORMAT", "text");
	if (strcmp(format, "text") && strcmp(format, "json")) {
		cli_error("sim", "--format must be text or json, got \"%s\"", format);
		return 2;
	}

	pw_rules_t rules;
	rules_default(&rules);
	for (int i = 0; i < nsets; i++) {
		char err[256];
		if (rules_apply_assignment(&rules, sets[i], err, sizeof err) < 0) {
			cli_error("sim", "--set %s", err);
			return 2;
		}
	}

	static pw_league_t league;
	if (teams_generate(&league, league_seed, rules.teams_count) < 0) {
		cli_error("sim", "could not generate a league of %d teams", rules.teams_count);
		return 1;
	}
	const pw_team_t *home = home_s ? teams_team_lookup(&league, home_s) : NULL;
	const pw_team_t *away = away_s ? teams_team_lookup(&league, away_s) : NULL;
	if ((home_s && !home) || (away_s && !away)) {
		cli_error("sim", "no team \"%s\" in league %llu (ids are 1 to %d)",
			  !home ? home_s : away_s, (unsigned long long)league_seed, league.n_teams);
		return 2;
	}
	/* A side not given is the first team that is not the other side. */
	if (!home)
		home = &league.teams[away == &league.teams[0] ? 1 : 0];
	if (!away)
		away = &league.teams[home == &league.teams[1] ? 0 : 1];
	if (home == away) {
		cli_error("sim", "--home and --away name the same team (%s)", home->name);
		return 2;
	}

	cli_fx_t fx = {0};
	const pw_hooks_t *hooks = NULL;
	char err[FX_ERR_MAX + 128];
	for (int i = 0; i < neffects; i++)
		if (cli_fx_add(&fx, effect_files[i], err, sizeof err) < 0) {
			cli_error("sim", "%s", err);
			cli_fx_free(&fx);
			return 1;
		}
	if (cli_fx_begin(&fx, 1, 1, seed, NULL, true, &hooks, err, sizeof err) < 0) {
		cli_error("sim", "%s", err);
		cli_fx_free(&fx);
		return 1;
	}
	pw_game_input_t in = {.game_id = 1, .round = 1, .seed = seed, .home = home,
			      .away = away, .rules = &rules, .hooks = hooks};
	pw_game_result_t res;
	sim_result_init(&res);
	int rc = 0;
	int simrc = sim_game(&in, &res);
	fx_report_t rep;
	fx_report_init(&rep);
	cli_fx_end(&fx, &res, &rep);
	/* effect errors and ctx.log output go to stderr: stdout stays the game */
	for (size_t i = 0; i < rep.n_errors; i++)
		fprintf(stderr, "effect %s %s: %s\n", rep.errors[i].effect_id, rep.errors[i].hook,
			rep.errors[i].message);
	if (rep.log_len)
		fputs(rep.log, stderr);
	fx_report_free(&rep);
	cli_fx_free(&fx);
	if (simrc < 0) {
		cli_error("sim", "the simulation ran out of memory");
		rc = 1;
	} else if (!strcmp(format, "json")) {
		cJSON *j = result_to_json(&res);
		char *text = j ? cJSON_Print(j) : NULL;
		if (text) {
			printf("%s\n", text);
		} else {
			cli_error("sim", "out of memory while printing the result");
			rc = 1;
		}
		free(text);
		cJSON_Delete(j);
	} else {
		char *text = result_to_text(&res);
		if (text) {
			fputs(text, stdout);
		} else {
			cli_error("sim", "out of memory while printing the result");
			rc = 1;
		}
		free(text);
	}
	sim_result_free(&res);
	return rc;
}
