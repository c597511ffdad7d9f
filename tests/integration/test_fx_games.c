/*
 * test_fx_games.c — effects in real games: determinism across processes,
 * observer neutrality, and the direction of each library effect's impact
 * over fixed seeds.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/sim/teams.h"
#include "core/sim/result.h"
#include "core/sim/sim.h"
#include "effects/fx.h"
#include "tests/test.h"

static char *sim_json(const char *args)
{
	char cmd[1024], *out = NULL;
	snprintf(cmd, sizeof cmd, "%s sim --seed 11 --league-seed 4 --format json %s", test_bin(), args);
	if (test_run(cmd, &out, false) != 0) {
		free(out);
		return NULL;
	}
	return out;
}

static void hash_of(const char *json, char hash[65])
{
	hash[0] = 0;
	cJSON *j = json ? cJSON_Parse(json) : NULL;
	const cJSON *h = cJSON_GetObjectItemCaseSensitive(j, "hash");
	if (cJSON_IsString(h))
		snprintf(hash, 65, "%s", h->valuestring);
	cJSON_Delete(j);
}

TEST(fx_game_with_effects_is_identical_across_processes)
{
	const char *fx = "--effect scripts/effects/hot_hand.lua --effect scripts/effects/lava_floor.lua "
			 "--effect scripts/effects/crowd_favourite.lua";
	char *a = sim_json(fx), *b = sim_json(fx), *c = sim_json("");
	CHECK(a && b && c);
	CHECK_STR(a, b);
	char ha[65], hc[65];
	hash_of(a, ha);
	hash_of(c, hc);
	CHECK(ha[0] && hc[0]);
	CHECK(strcmp(ha, hc) != 0); /* the effects did change the game */
	CHECK_CONTAINS(a, "\"effect_id\":\t\"hot_hand\"");
	free(a);
	free(b);
	free(c);
}

TEST(fx_observer_effect_leaves_the_game_identical)
{
	/* subscribes to every hook, reads everything, draws random numbers,
	 * writes metadata — and never returns a change */
	char path[512];
	snprintf(path, sizeof path, "%s/observer.lua", test_tmpdir());
	FILE *f = fopen(path, "w");
	CHECK(f != NULL);
	if (!f)
		return;
	fputs("local function look(ctx)\n"
	      "  local g = ctx.game\n"
	      "  local x = g.home_score + g.away_score + ctx.random() + math.random(10)\n"
	      "  for k, v in pairs(g) do x = tostring(v) end\n"
	      "  if ctx.offense then for _, h in ipairs(ctx.offense.hoopers) do x = h.stamina end end\n"
	      "  ctx.meta.incr('game', g.id, 'seen')\n"
	      "end\n"
	      "local hooks = {}\n"
	      "for _, h in ipairs({'sim.game.pre','sim.quarter.pre','sim.possession.pre','sim.shot.pre',\n"
	      "  'sim.shot.post','sim.turnover.post','sim.foul.post','sim.rebound.post','sim.quarter.end',\n"
	      "  'sim.halftime','sim.elam.start','sim.game.end'}) do hooks[h] = look end\n"
	      "return {name = 'Observer', hooks = hooks}\n", f);
	fclose(f);
	char args[600];
	snprintf(args, sizeof args, "--effect %s", path);
	char *with = sim_json(args), *without = sim_json("");
	char hw[65], ho[65];
	hash_of(with, hw);
	hash_of(without, ho);
	CHECK(hw[0] != 0);
	CHECK_STR(hw, ho);
	free(with);
	free(without);

	/* the same over many seeds in process, against result_hash */
	fx_script_t *s = NULL;
	char err[FX_ERR_MAX];
	CHECK_EQ(fx_script_load_file(path, &s, err, sizeof err), 0);
	fx_engine_t *e = fx_engine_new(NULL, NULL, 0);
	pw_league_t *lg = malloc(sizeof *lg);
	teams_generate(lg, 9, 8);
	pw_rules_t rules;
	rules_default(&rules);
	pw_game_result_t r;
	sim_result_init(&r);
	int n = test_iters(60, 8);
	for (int g = 0; g < n; g++) {
		pw_game_input_t in = {.game_id = g + 1, .seed = 1000 + (uint64_t)g, .home = &lg->teams[g % 8],
				      .away = &lg->teams[(g + 3) % 8], .rules = &rules};
		CHECK_EQ(sim_game(&in, &r), 0);
		char h0[65], h1[65];
		result_hash(&r, h0);
		fx_effect_t eff = {"observer", s};
		fx_session_setup_t ss = {.game_id = in.game_id, .seed = in.seed, .effects = &eff, .n_effects = 1};
		CHECK_EQ(fx_game_begin(e, &ss, &in.hooks, err, sizeof err), 0);
		CHECK_EQ(sim_game(&in, &r), 0);
		fx_report_t rep;
		fx_report_init(&rep);
		fx_game_end(e, &r, &rep);
		result_hash(&r, h1);
		CHECK_STR(h0, h1);
		CHECK_EQ(rep.n_errors, 0);
		fx_report_free(&rep);
	}
	sim_result_free(&r);
	free(lg);
	fx_engine_free(e);
	fx_script_free(s);
}

/* --- impact directions ---------------------------------------------------- */

typedef struct stats {
	int games, home_wins, team1_wins, team1_games, elam_games;
	double points, fgm, fga, elam_poss, margin;
} stats_t;

static void play(const char *path, int games, stats_t *st)
{
	memset(st, 0, sizeof *st);
	fx_script_t *s = NULL;
	char err[FX_ERR_MAX];
	if (path && fx_script_load_file(path, &s, err, sizeof err) < 0) {
		test_fail(__FILE__, __LINE__, "%s: %s", path, err);
		return;
	}
	fx_engine_t *e = fx_engine_new(NULL, NULL, 0);
	pw_league_t *lg = malloc(sizeof *lg);
	teams_generate(lg, 21, 8);
	pw_rules_t rules;
	rules_default(&rules);
	pw_game_result_t r;
	sim_result_init(&r);
	for (int g = 0; g < games; g++) {
		int h = g % 8, a = (h + 1 + (g / 8) % 7) % 8;
		pw_game_input_t in = {.game_id = g + 1, .round = 1 + g / 4, .seed = 5000 + (uint64_t)g,
				      .home = &lg->teams[h], .away = &lg->teams[a], .rules = &rules};
		fx_effect_t eff = {"lib", s};
		fx_session_setup_t ss = {.game_id = in.game_id, .seed = in.seed, .effects = &eff,
					 .n_effects = s ? 1 : 0};
		if (fx_game_begin(e, &ss, &in.hooks, err, sizeof err) < 0) {
			test_fail(__FILE__, __LINE__, "%s: game %d: fx_game_begin: %s",
				  path ? path : "(no effect)", g + 1, err);
			break;
		}
		int rc = sim_game(&in, &r);
		fx_report_t rep;
		fx_report_init(&rep);
		fx_game_end(e, &r, &rep);
		if (rep.n_errors)
			test_fail(__FILE__, __LINE__, "%s: %s", path, rep.errors[0].message);
		fx_report_free(&rep);
		if (rc != 0) {
			test_fail(__FILE__, __LINE__, "%s: game %d: sim_game returned %d",
				  path ? path : "(no effect)", g + 1, rc);
			continue;
		}
		st->games++;
		st->home_wins += r.winner == 0;
		st->points += (r.home_score + r.away_score) / 2.0;
		st->margin += abs(r.home_score - r.away_score);
		for (int t = 0; t < 2; t++) {
			if (in.home->id == 1 || in.away->id == 1) {
				bool home1 = in.home->id == 1;
				if (t == 0) {
					st->team1_games++;
					st->team1_wins += (r.winner == 0) == home1;
				}
			}
			for (int i = 0; i < PW_ROSTER_SIZE; i++) {
				st->fgm += r.box[t][i].fgm;
				st->fga += r.box[t][i].fga;
			}
		}
		if (r.elam_target) {
			st->elam_games++;
			st->elam_poss += r.elam_possessions;
		}
	}
	sim_result_free(&r);
	free(lg);
	fx_engine_free(e);
	fx_script_free(s);
	/* The stats are totals: a short run would pass "fewer than baseline" checks
	 * by itself, so every run must play every game it was asked to. */
	CHECK_MSG(st->games == games, "%s: played %d of %d games", path ? path : "(no effect)",
		  st->games, games);
}

#define PCT(a, b) ((b) ? (double)(a) / (double)(b) : 0)

TEST(fx_library_impact_directions)
{
	int n = 400; /* directions need this many games even under sanitizers */
	stats_t base, st;
	play(NULL, n, &base);

	play("scripts/effects/hot_hand.lua", n, &st);
	CHECK_MSG(PCT(st.fgm, st.fga) > PCT(base.fgm, base.fga), "hot hand: FG%% %.3f vs %.3f",
		  PCT(st.fgm, st.fga), PCT(base.fgm, base.fga));

	play("scripts/effects/lava_floor.lua", n, &st);
	CHECK_MSG(st.points < base.points, "lava floor: points %.1f vs %.1f", st.points, base.points);

	play("scripts/effects/elam_five_point_threes.lua", n, &st);
	CHECK_MSG(PCT(st.elam_poss, st.elam_games) < PCT(base.elam_poss, base.elam_games),
		  "elam fives: Elam length %.2f vs %.2f", PCT(st.elam_poss, st.elam_games),
		  PCT(base.elam_poss, base.elam_games));

	play("scripts/effects/crowd_favourite.lua", n, &st);
	CHECK_MSG(st.home_wins > base.home_wins, "crowd favourite: home wins %d vs %d", st.home_wins,
		  base.home_wins);

	play("scripts/effects/underdog_comeback.lua", n, &st);
	CHECK_MSG(st.margin < base.margin, "underdog: margin %.0f vs %.0f", st.margin, base.margin);

	play("scripts/effects/fatigue_free_first_quarter.lua", n, &st);
	CHECK_MSG(st.points > base.points, "fresh legs: points %.1f vs %.1f", st.points, base.points);

	play("scripts/effects/suspension.lua", n, &st);
	CHECK_MSG(st.team1_wins < base.team1_wins, "suspension: team 1 wins %d vs %d", st.team1_wins,
		  base.team1_wins);
}

TEST(fx_effect_check_reports_swagger_impact)
{
	char cmd[512], *out = NULL;
	snprintf(cmd, sizeof cmd, "%s effect check scripts/effects/swagger.lua --games %d --format json",
		 test_bin(), test_iters(200, 48));
	CHECK_EQ(test_run(cmd, &out, false), 0);
	cJSON *j = out ? cJSON_Parse(out) : NULL;
	CHECK(j != NULL);
	CHECK(cJSON_IsTrue(cJSON_GetObjectItem(j, "ok")));
	const cJSON *fg = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "impact"), "fg_pct");
	double w = cJSON_GetObjectItem(fg, "with") ? cJSON_GetObjectItem(fg, "with")->valuedouble : 0;
	double o = cJSON_GetObjectItem(fg, "without") ? cJSON_GetObjectItem(fg, "without")->valuedouble : 1;
	CHECK_MSG(w > o, "swagger: FG%% %.3f vs %.3f", w, o);
	const cJSON *fired = cJSON_GetObjectItem(j, "fired");
	CHECK(cJSON_GetObjectItem(fired, "round.game.post") &&
	      cJSON_GetObjectItem(fired, "round.game.post")->valuedouble > 0);
	cJSON_Delete(j);
	free(out);
}

TEST(fx_effect_check_rejects_bad_scripts)
{
	char path[512], cmd[700], *out = NULL;
	snprintf(path, sizeof path, "%s/bad.lua", test_tmpdir());
	FILE *f = fopen(path, "w");
	fputs("return {\n  name = 'Bad',\n  hooks = {\n    ['sim.shot.pre'] = function(ctx)\n"
	      "      return { shot_prob = 0.1 }\n    end,\n  },\n}\n", f);
	fclose(f);
	snprintf(cmd, sizeof cmd, "%s effect check %s --games 4", test_bin(), path);
	CHECK_EQ(test_run(cmd, &out, true), 1);
	CHECK_CONTAINS(out, "ok: no");
	CHECK_CONTAINS(out, "unknown result field 'shot_prob'");
	free(out);
	f = fopen(path, "w");
	fputs("return {\n  name = 'Bad',\n  hooks = {\n    ['sim.shot.pree'] = function() end\n  }\n}\n", f);
	fclose(f);
	snprintf(cmd, sizeof cmd, "%s effect check %s --format json", test_bin(), path);
	CHECK_EQ(test_run(cmd, &out, false), 1);
	CHECK_CONTAINS(out, "line 4: unknown hook 'sim.shot.pree'");
	CHECK_CONTAINS(out, "\"ok\":\tfalse");
	free(out);
}
