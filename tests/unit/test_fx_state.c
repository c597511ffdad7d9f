/*
 * test_fx_state.c — metadata semantics, round hooks, and determinism of
 * what effects write. (Lifetimes and the active set are the league's:
 * tests/integration/test_league_effects.c.)
 */
#include <cjson/cJSON.h>

#include "core/sim/teams.h"
#include "core/sim/result.h"
#include "core/sim/sim.h"
#include "tests/unit/fx_helpers.h"

TEST(fx_meta_read_your_writes_and_replay)
{
	fx_script_t *s = fxt_load(
		"return {name='M', hooks={['sim.shot.pre']=function(ctx)\n"
		"  local n = ctx.meta.incr('hooper', ctx.shooter.id, 'shots')\n"
		"  ctx.meta.toggle('team', 1, 'flag')\n"
		"  ctx.meta.set('season', 0, 'label', 'hello')\n"
		"  assert(ctx.meta.get('hooper', ctx.shooter.id, 'shots') == n)\n"
		"  return {shot_value = n}\n"
		"end}}");
	fx_engine_t *e = fx_engine_new(NULL, NULL, 0);
	fx_meta_store_t *m = fx_meta_store_new();
	fx_meta_key_t k = {FX_META_HOOPER, 1, "shots"};
	fx_value_t v = {.type = FX_VAL_INT, .i = 10};
	fx_meta_store_put(m, &k, &v);
	fx_meta_reader_t rd = fx_meta_store_reader(m);
	fxt_game_t t;
	fxt_game_init(&t);
	fx_effect_t eff = {"m", s};
	fxt_run_t r1, r2;
	fxt_run_game(e, &t, &eff, 1, PW_HOOK_SHOT_PRE, 3, &r1, &rd);
	fxt_run_game(e, &t, &eff, 1, PW_HOOK_SHOT_PRE, 3, &r2, &rd);
	/* both games start from the stored 10: 11 + 12 + 13 */
	CHECK_EQ(r1.res.shot_value, 36);
	CHECK_EQ(r2.res.shot_value, 36);
	CHECK_EQ(r1.rep.meta.n, 9);
	/* replaying both games' writes: the increments add up, toggles cancel */
	CHECK_EQ(fx_meta_apply(m, &r1.rep.meta), 0);
	CHECK_EQ(fx_meta_apply(m, &r2.rep.meta), 0);
	CHECK_EQ(fx_meta_store_get(m, &k, &v), 1);
	CHECK_EQ(v.i, 16);
	fx_meta_key_t kf = {FX_META_TEAM, 1, "flag"};
	CHECK_EQ(fx_meta_store_get(m, &kf, &v), 1);
	CHECK(v.type == FX_VAL_BOOL && v.b == false);
	fx_meta_key_t kl = {FX_META_SEASON, 0, "label"};
	CHECK_EQ(fx_meta_store_get(m, &kl, &v), 1);
	CHECK(v.type == FX_VAL_STR && !strcmp(v.s, "hello"));
	fxt_run_free(&r1);
	fxt_run_free(&r2);
	fx_meta_store_free(m);
	fx_engine_free(e);
	fx_script_free(s);
}

TEST(fx_meta_writes_of_a_failed_call_are_undone)
{
	fx_script_t *s = fxt_load(
		"return {name='F', hooks={['sim.shot.pre']=function(ctx)\n"
		"  ctx.meta.incr('team', 1, 'n')\n"
		"  if ctx.meta.get('team', 1, 'n') >= 2 then error('stop') end\n"
		"end}}");
	fx_engine_t *e = fx_engine_new(NULL, NULL, 0);
	fxt_game_t t;
	fxt_game_init(&t);
	fx_effect_t eff = {"f", s};
	fxt_run_t r;
	fxt_run_game(e, &t, &eff, 1, PW_HOOK_SHOT_PRE, 5, &r, NULL);
	CHECK_EQ(r.rep.n_errors, 1);
	CHECK_CONTAINS(fxt_err(&r), "line 3: stop");
	CHECK_EQ(r.rep.meta.n, 1); /* the second call's write went with it */
	fxt_run_free(&r);
	fx_engine_free(e);
	fx_script_free(s);
}

TEST(fx_meta_writes_do_not_depend_on_game_order)
{
	/* the same two games on one engine in either order write the same */
	fx_script_t *s = fxt_load(
		"return {name='W', hooks={['sim.shot.post']=function(ctx)\n"
		"  if ctx.made then ctx.meta.incr('hooper', ctx.shooter.id, 'makes', ctx.points) end\n"
		"  if ctx.random() < 0.1 then ctx.meta.set('game', ctx.game.id, 'r', ctx.random(100)) end\n"
		"end}}");
	pw_league_t *lg = malloc(sizeof *lg);
	teams_generate(lg, 3, 8);
	pw_rules_t rules;
	rules_default(&rules);
	char dump[2][2][4096];
	for (int order = 0; order < 2; order++) {
		fx_engine_t *e = fx_engine_new(NULL, NULL, 0);
		for (int k = 0; k < 2; k++) {
			int g = order ? 1 - k : k;
			fx_effect_t eff = {"w", s};
			fx_session_setup_t ss = {.game_id = g + 1, .round = 1, .seed = 100 + (uint64_t)g,
						 .effects = &eff, .n_effects = 1};
			pw_game_input_t in = {.game_id = g + 1, .round = 1, .seed = 100 + (uint64_t)g,
					      .home = &lg->teams[2 * g], .away = &lg->teams[2 * g + 1],
					      .rules = &rules};
			char err[256];
			CHECK_EQ(fx_game_begin(e, &ss, &in.hooks, err, sizeof err), 0);
			pw_game_result_t res;
			sim_result_init(&res);
			CHECK_EQ(sim_game(&in, &res), 0);
			fx_report_t rep;
			fx_report_init(&rep);
			fx_game_end(e, &res, &rep);
			size_t o = 0;
			for (size_t i = 0; i < rep.meta.n && o < 4000; i++)
				o += (size_t)snprintf(dump[order][g] + o, 4096 - o, "%d:%lld:%s:%d:%lld;",
						      rep.meta.ops[i].k.kind, (long long)rep.meta.ops[i].k.id,
						      rep.meta.ops[i].k.key, rep.meta.ops[i].op,
						      (long long)rep.meta.ops[i].v.i);
			dump[order][g][o] = 0;
			CHECK(rep.meta.n > 10);
			fx_report_free(&rep);
			sim_result_free(&res);
		}
		fx_engine_free(e);
	}
	CHECK_STR(dump[0][0], dump[1][0]);
	CHECK_STR(dump[0][1], dump[1][1]);
	free(lg);
	fx_script_free(s);
}

TEST(fx_round_hooks_see_json_context)
{
	fx_script_t *s = fxt_load(
		"local seen\n"
		"return {name='R', hooks={\n"
		"  ['round.pre'] = function(ctx) seen = ctx.standings end,\n"
		"  ['round.game.post']=function(ctx)\n"
		"    assert(ctx.round == 4 and ctx.game.winner_team_id == 2)\n"
		"    assert(#ctx.standings == 2 and ctx.standings[2].wins == 3)\n"
		"    ctx.meta.incr('team', ctx.game.winner_team_id, 'swagger', 1)\n"
		"    return {narrative = 'Team ' .. ctx.game.winner_team_id .. ' struts.'}\n"
		"  end,\n"
		"  ['round.post'] = function(ctx) return {narrative = tostring(seen[1])} end,\n"
		"}}");
	fx_engine_t *e = fx_engine_new(NULL, NULL, 0);
	fx_effect_t eff = {"r", s};
	fx_session_setup_t ss = {.round = 4, .seed = 1, .effects = &eff, .n_effects = 1};
	char err[256], narr[PW_NARRATIVE_MAX + 1];
	CHECK_EQ(fx_round_begin(e, &ss, err, sizeof err), 0);
	cJSON *c = cJSON_Parse("{\"round\":4,\"standings\":[{\"team_id\":1,\"wins\":1},{\"team_id\":2,\"wins\":3}],"
			       "\"game\":{\"id\":9,\"winner_team_id\":2,\"margin\":4}}");
	CHECK_EQ(fx_round_hook(e, "round.pre", c, NULL, narr, sizeof narr), 1);
	CHECK_EQ(fx_round_hook(e, "round.game.post", c, NULL, narr, sizeof narr), 1);
	CHECK_STR(narr, "Team 2 struts.");
	CHECK_EQ(fx_round_hook(e, "round.post", c, NULL, narr, sizeof narr), 1);
	CHECK_STR(narr, "");
	CHECK_EQ(fx_round_hook(e, "sim.shot.pre", c, NULL, narr, sizeof narr), -1);
	fx_report_t rep;
	fx_report_init(&rep);
	fx_round_end(e, &rep);
	/* the view kept from round.pre expired with its call */
	CHECK_EQ(rep.n_errors, 1);
	CHECK_CONTAINS(rep.n_errors ? rep.errors[0].message : "", "expired");
	CHECK_EQ(rep.meta.n, 1);
	fx_report_free(&rep);
	cJSON_Delete(c);
	fx_engine_free(e);
	fx_script_free(s);
}


