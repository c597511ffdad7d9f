/*
 * test_fx_views.c — what a game's ctx views show as the game moves: the
 * engine keeps the fields an effect read and rewrites them between hook
 * points, so these tests change the game between calls, alternate hooks,
 * and check that every read gives the value of the hook point running.
 */
#include "tests/unit/fx_helpers.h"

/* One game session driven call by call: step() runs hook h with ctx c and
 * hands back the narrative of that call alone. */
typedef struct views_game {
	fx_engine_t *e;
	const pw_hooks_t *hooks;
	fx_report_t rep;
	pw_game_result_t gr;
	pw_hook_result_t res;
} views_game_t;

static void views_begin(views_game_t *v, fx_engine_t *e, fxt_game_t *t, const fx_effect_t *effs,
			int n)
{
	memset(v, 0, sizeof *v);
	v->e = e;
	fx_report_init(&v->rep);
	fx_session_setup_t s = {.game_id = t->g.game_id, .round = 1, .seed = t->g.seed,
				.effects = effs, .n_effects = n, .capture_log = true};
	char err[FX_ERR_MAX];
	if (fx_game_begin(e, &s, &v->hooks, err, sizeof err) < 0)
		test_fail(__FILE__, __LINE__, "game_begin: %s", err);
}

static const char *views_step(views_game_t *v, const pw_hook_ctx_t *c)
{
	memset(&v->res, 0, sizeof v->res);
	if (v->hooks && hooks_wants(v->hooks, c->hook))
		v->hooks->call(v->hooks->ud, c, &v->res);
	return v->res.narrative;
}

/* Ends the game; returns the first error message, or "". */
static const char *views_end(views_game_t *v)
{
	static char msg[FX_ERR_MAX];
	fx_game_end(v->e, &v->gr, &v->rep);
	snprintf(msg, sizeof msg, "%s", v->rep.n_errors ? v->rep.errors[0].message : "");
	fx_report_free(&v->rep);
	free(v->gr.effects);
	return msg;
}

/* Fields that exist at one hook and not at the other, read at both as the
 * hooks alternate: each read gives this hook point's value, nil included. */
TEST(fx_views_fields_come_and_go_with_the_hook)
{
	const char *src =
		"local function show(ctx)\n"
		"  return {narrative = string.format('%s %s %s %s %s', ctx.hook, tostring(ctx.shot_type),\n"
		"    ctx.shooter and ctx.shooter.name or 'none', tostring(ctx.probability),\n"
		"    ctx.offense and ctx.offense.team_id or 'none')}\n"
		"end\n"
		"return {name='v', hooks={['sim.possession.pre']=show, ['sim.shot.pre']=show,\n"
		"  ['sim.quarter.pre']=show}}";
	fx_script_t *s = fxt_load(src);
	fx_engine_t *e = fx_engine_new(NULL, NULL, 0);
	static const char *const type_name[] = {"at_rim", "mid_range", "three_point"};
	for (int game = 0; game < 2; game++) { /* the second game reuses the tables */
		fxt_game_t t;
		fxt_game_init(&t);
		fx_effect_t eff = {"v", s};
		views_game_t v;
		views_begin(&v, e, &t, &eff, 1);
		for (int i = 0; i < 12; i++) {
			char want[256];
			int off = (i + game) % 2, who = i % PW_ON_FLOOR;
			if (i % 5 == 4) { /* now and then a hook with neither */
				pw_hook_ctx_t q = fxt_ctx(&t, PW_HOOK_QUARTER_PRE);
				CHECK_STR(views_step(&v, &q), "sim.quarter.pre nil none nil none");
			}
			pw_hook_ctx_t p = fxt_ctx(&t, PW_HOOK_POSSESSION_PRE);
			p.offense = off;
			p.shooter = NULL;
			p.handler = &t.g.hooper[off][who];
			snprintf(want, sizeof want, "sim.possession.pre nil none nil %d", off + 1);
			CHECK_STR(views_step(&v, &p), want);

			pw_hook_ctx_t c = fxt_ctx(&t, PW_HOOK_SHOT_PRE);
			c.offense = off;
			c.shooter = c.handler = &t.g.hooper[off][who];
			c.shot_type = (pw_shot_type_t)(i % PW_SHOT_TYPES);
			c.probability = 0.25 + 0.125 * (i % 3);
			snprintf(want, sizeof want, "sim.shot.pre %s Hooper %d %s %d", type_name[i % 3],
				 off * PW_ROSTER_SIZE + who + 1, i % 3 == 0 ? "0.25" : i % 3 == 1 ? "0.375" : "0.5",
				 off + 1);
			CHECK_STR(views_step(&v, &c), want);
		}
		CHECK_STR(views_end(&v), "");
	}
	fx_engine_free(e);
	fx_script_free(s);
}
