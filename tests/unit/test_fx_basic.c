/*
 * test_fx_basic.c — loading scripts, running hooks, combining results.
 */
#include "tests/unit/fx_helpers.h"

static const char *swagger_src =
	"return {\n"
	"  name = 'Swagger',\n"
	"  description = 'Winning builds swagger.',\n"
	"  lifetime = 'permanent',\n"
	"  hooks = {\n"
	"    ['sim.shot.pre'] = function(ctx)\n"
	"      return { shot_probability = 0.05, narrative = 'Swagger!' }\n"
	"    end,\n"
	"  },\n"
	"}\n";

TEST(fx_load_valid_script)
{
	fx_script_t *s = fxt_load(swagger_src);
	CHECK(s != NULL);
	if (!s)
		return;
	CHECK_STR(fx_script_name(s), "Swagger");
	CHECK_STR(fx_script_description(s), "Winning builds swagger.");
	CHECK_EQ(fx_script_lifetime(s).kind, FX_LIFE_PERMANENT);
	CHECK_EQ(fx_script_hooks(s), 1u << PW_HOOK_SHOT_PRE);
	CHECK_EQ(strlen(fx_script_sha256(s)), 64);
	fx_script_free(s);
}

TEST(fx_load_lifetimes)
{
	fx_script_t *s = fxt_load("return {name='x', lifetime={rounds=3}, hooks={['round.post']=function() end}}");
	CHECK(s && fx_script_lifetime(s).kind == FX_LIFE_ROUNDS && fx_script_lifetime(s).rounds == 3);
	fx_script_free(s);
	s = fxt_load("return {name='x', lifetime='one_game', hooks={['sim.game.end']=function() end}}");
	CHECK(s && fx_script_lifetime(s).kind == FX_LIFE_ONE_GAME);
	fx_script_free(s);
}

TEST(fx_load_errors_name_line_and_problem)
{
	CHECK_CONTAINS(fxt_load_err("return {\n name = 'x',\n hooks = {\n  ['sim.shot.pre'] = function(ctx)\n   return 1 +\n  end }}"),
		       "line 6");
	const char *m = fxt_load_err("return {\n name = 'x',\n hooks = {\n  ['sim.shott.pre'] = function() end,\n }\n}");
	CHECK_CONTAINS(m, "line 4");
	CHECK_CONTAINS(m, "unknown hook 'sim.shott.pre'");
	m = fxt_load_err("local x = 1\n\nreturn 42\n");
	CHECK_CONTAINS(m, "line 3");
	CHECK_CONTAINS(m, "must return a table");
	m = fxt_load_err("return {\n name = 'x',\n lifetime = 'forever',\n hooks = {['sim.game.pre'] = function() end}}");
	CHECK_CONTAINS(m, "line 3");
	CHECK_CONTAINS(m, "lifetime");
	m = fxt_load_err("return {\n name = 'x',\n colour = 'red',\n hooks = {['sim.game.pre'] = function() end}}");
	CHECK_CONTAINS(m, "line 3");
	CHECK_CONTAINS(m, "unknown field 'colour'");
	m = fxt_load_err("return {name = 'x', hooks = {['sim.game.pre'] = 3}}");
	CHECK_CONTAINS(m, "must be a function");
	m = fxt_load_err("return {name = 'x', hooks = {}}");
	CHECK_CONTAINS(m, "at least one hook");
	m = fxt_load_err("return {hooks = {['sim.game.pre'] = function() end}}");
	CHECK_CONTAINS(m, "name must be");
	m = fxt_load_err("\n\nerror('boom')\n");
	CHECK_CONTAINS(m, "line 3: boom");
	m = fxt_load_err("\x1bLua\x54\x00");
	CHECK_CONTAINS(m, "binary");
}

TEST(fx_hook_result_applies)
{
	fx_script_t *s = fxt_load(swagger_src);
	fx_engine_t *e = fx_engine_new(NULL, NULL, 0);
	CHECK(s && e);
	if (!s || !e)
		return;
	fxt_game_t t;
	fxt_game_init(&t);
	fx_effect_t eff = {"e-1", s};
	fxt_run_t r;
	fxt_run_game(e, &t, &eff, 1, PW_HOOK_SHOT_PRE, 1, &r, NULL);
	CHECK(r.had_hooks);
	CHECK_NEAR(r.res.shot_probability, 0.05, 1e-12);
	CHECK_STR(r.res.narrative, "Swagger!");
	CHECK_EQ(r.rep.n_errors, 0);
	CHECK_EQ(r.gr.n_effects, 1);
	if (r.gr.n_effects == 1) {
		CHECK_STR(r.gr.effects[0].effect_id, "e-1");
		CHECK_EQ(r.gr.effects[0].hook, PW_HOOK_SHOT_PRE);
		CHECK_EQ(r.gr.effects[0].fired, 1);
		CHECK_EQ(r.gr.effects[0].errors, 0);
	}
	fxt_run_free(&r);
	fx_engine_free(e);
	fx_script_free(s);
}

TEST(fx_no_subscriber_gives_null_hooks)
{
	fx_script_t *s = fxt_load("return {name='r', hooks={['round.post']=function() end}}");
	fx_engine_t *e = fx_engine_new(NULL, NULL, 0);
	fxt_game_t t;
	fxt_game_init(&t);
	fx_effect_t eff = {"e-1", s};
	fxt_run_t r;
	fxt_run_game(e, &t, &eff, 1, PW_HOOK_SHOT_PRE, 1, &r, NULL);
	CHECK(!r.had_hooks);
	fxt_run_free(&r);
	fx_engine_free(e);
	fx_script_free(s);
}

TEST(fx_results_add_up_across_effects)
{
	fx_script_t *a = fxt_load(swagger_src);
	fx_script_t *b = fxt_load("return {name='B', hooks={['sim.shot.pre']=function(ctx) "
				  "return {shot_probability=-0.02, shot_value=2, block=false, narrative='Bee.'} end}}");
	fx_engine_t *e = fx_engine_new(NULL, NULL, 0);
	fxt_game_t t;
	fxt_game_init(&t);
	fx_effect_t effs[2] = {{"a", a}, {"b", b}};
	fxt_run_t r;
	fxt_run_game(e, &t, effs, 2, PW_HOOK_SHOT_PRE, 1, &r, NULL);
	CHECK_NEAR(r.res.shot_probability, 0.03, 1e-12);
	CHECK_EQ(r.res.shot_value, 2);
	CHECK_STR(r.res.narrative, "Swagger! Bee.");
	fxt_run_free(&r);
	fx_engine_free(e);
	fx_script_free(a);
	fx_script_free(b);
}

TEST(fx_ctx_views_read_the_game)
{
	fx_script_t *s = fxt_load(
		"return {name='v', hooks={['sim.shot.pre']=function(ctx)\n"
		"  assert(ctx.hook == 'sim.shot.pre')\n"
		"  assert(ctx.game.id == 7 and ctx.game.home_score == 0 and ctx.game.quarter == 1)\n"
		"  assert(ctx.game.elam_target == nil and ctx.game.winner_team_id == nil)\n"
		"  assert(ctx.offense.team_id == 1 and ctx.defense.team_id == 2)\n"
		"  assert(ctx.shooter.id == 1 and ctx.shooter.name == 'Hooper 1')\n"
		"  assert(ctx.shooter.scoring == 40 and ctx.shooter.archetype == 'sharpshooter')\n"
		"  assert(ctx.shooter.moves[1] == 'Heat Check' and #ctx.shooter.moves == 1)\n"
		"  assert(#ctx.offense.hoopers == 3 and ctx.offense.hoopers[2].id == 2)\n"
		"  assert(ctx.shot_type == 'three_point' and ctx.probability == 0.4)\n"
		"  assert(ctx.rules.three_point_value == 3 and ctx.rules.home_court_enabled == true)\n"
		"  assert(ctx.made == nil and ctx.stealer == nil)\n"
		"  local n = 0 for k, v in pairs(ctx.shooter) do n = n + 1 end\n"
		"  assert(n >= 18)\n"
		"  return {narrative = ctx.shooter.name .. ' rises'}\n"
		"end}}");
	fx_engine_t *e = fx_engine_new(NULL, NULL, 0);
	fxt_game_t t;
	fxt_game_init(&t);
	fx_effect_t eff = {"v", s};
	fxt_run_t r;
	fxt_run_game(e, &t, &eff, 1, PW_HOOK_SHOT_PRE, 1, &r, NULL);
	CHECK_STR(fxt_err(&r), "");
	CHECK_STR(r.res.narrative, "Hooper 1 rises");
	fxt_run_free(&r);
	fx_engine_free(e);
	fx_script_free(s);
}

TEST(fx_bad_results_are_errors_naming_the_effect)
{
	static const struct {
		const char *ret;
		const char *want;
	} cases[] = {
		{"{shot_prob = 0.1}", "unknown result field 'shot_prob'"},
		{"{shot_probability = 'lots'}", "shot_probability must be a number"},
		{"{turnover_probability = 0.1}", "not valid at sim.shot.pre"},
		{"{shot_value = 1.5}", "shot_value must be a whole number"},
		{"{block = 1}", "block must be true or false"},
		{"42", "not a number"},
		{"{[1] = 2}", "field names"},
		{"{narrative = {}}", "narrative must be a string"},
		{"{score = {home = 1, visitors = 2}}", "home and away"},
		{"{shot_probability = 0/0}", "shot_probability must be a number"},
	};
	fx_engine_t *e = fx_engine_new(NULL, NULL, 0);
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char src[512];
		snprintf(src, sizeof src, "return {name='bad', hooks={['sim.shot.pre']=function(ctx)\n return %s\n end}}",
			 cases[i].ret);
		fx_script_t *s = fxt_load(src);
		fxt_game_t t;
		fxt_game_init(&t);
		fx_effect_t eff = {"bad-1", s};
		fxt_run_t r;
		fxt_run_game(e, &t, &eff, 1, PW_HOOK_SHOT_PRE, 3, &r, NULL);
		CHECK_EQ(r.rep.n_errors, 1);
		CHECK_CONTAINS(fxt_err(&r), cases[i].want);
		if (r.rep.n_errors) {
			CHECK_STR(r.rep.errors[0].effect_id, "bad-1");
			CHECK_STR(r.rep.errors[0].hook, "sim.shot.pre");
		}
		/* switched off after the first error: fired once, not three times */
		CHECK_EQ(r.gr.n_effects, 1);
		if (r.gr.n_effects) {
			CHECK_EQ(r.gr.effects[0].fired, 1);
			CHECK_EQ(r.gr.effects[0].errors, 1);
		}
		CHECK_NEAR(r.res.shot_probability, 0, 0);
		fxt_run_free(&r);
		fx_script_free(s);
	}
	fx_engine_free(e);
}

/* A report gathered over many games keeps the first FX_REPORT_ERRORS
 * errors and counts every one; one game's errors all reach it. */
TEST(fx_report_keeps_the_first_errors_and_counts_all)
{
	fx_script_t *s = fxt_load("return {name='E', hooks={['sim.shot.pre']=function(ctx)\n"
				  " error('boom ' .. ctx.game.id)\n end}}");
	fx_engine_t *e = fx_engine_new(NULL, NULL, 0);
	fx_effect_t effs[3] = {{"e-1", s}, {"e-2", s}, {"e-3", s}};
	fxt_game_t t;
	fxt_game_init(&t);
	fx_report_t rep;
	fx_report_init(&rep);
	const int games = FX_REPORT_ERRORS / 3 + 10; /* 3 errors a game: past the cap */
	for (int g = 1; g <= games; g++) {
		t.g.game_id = g;
		fx_session_setup_t setup = {.game_id = g, .round = 1, .seed = (uint64_t)g, .effects = effs,
					    .n_effects = 3};
		const pw_hooks_t *hooks = NULL;
		char err[FX_ERR_MAX];
		CHECK_EQ(fx_game_begin(e, &setup, &hooks, err, sizeof err), 0);
		pw_hook_ctx_t c = fxt_ctx(&t, PW_HOOK_SHOT_PRE);
		pw_hook_result_t res;
		if (hooks)
			hooks->call(hooks->ud, &c, &res);
		pw_game_result_t gr;
		memset(&gr, 0, sizeof gr);
		fx_game_end(e, &gr, &rep);
		free(gr.effects);
	}
	CHECK_EQ(rep.n_errors, FX_REPORT_ERRORS);
	CHECK_EQ(rep.n_errors_total, (size_t)games * 3);
	if (rep.n_errors == FX_REPORT_ERRORS) {
		CHECK_STR(rep.errors[0].effect_id, "e-1");
		CHECK_CONTAINS(rep.errors[0].message, "boom 1");
		CHECK_STR(rep.errors[2].effect_id, "e-3");
		CHECK_CONTAINS(rep.errors[FX_REPORT_ERRORS - 1].message, "boom");
	}
	fx_report_free(&rep);
	fx_engine_free(e);
	fx_script_free(s);
}
