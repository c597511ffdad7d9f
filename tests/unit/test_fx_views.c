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

/* Each sim hook has a ctx of its own (so a hook point never has to change
 * what one ctx reads). A ctx kept from another hook is still that hook's:
 * its hook name, and fields that hook has, read without an error. */
TEST(fx_views_each_hook_has_its_own_ctx)
{
	const char *src =
		"local kept\n"
		"return {name='k', hooks={\n"
		"  ['sim.shot.pre']=function(ctx) kept = kept or ctx end,\n"
		"  ['sim.possession.pre']=function(ctx)\n"
		"    if not kept then return end\n"
		"    return {narrative = string.format('%s %s %s %s', ctx.hook, kept.hook,\n"
		"      tostring(rawequal(kept, ctx)), tostring(kept.offense ~= nil))}\n"
		"  end}}";
	fx_script_t *s = fxt_load(src);
	fx_engine_t *e = fx_engine_new(NULL, NULL, 0);
	fxt_game_t t;
	fxt_game_init(&t);
	fx_effect_t eff = {"k", s};
	views_game_t v;
	views_begin(&v, e, &t, &eff, 1);
	pw_hook_ctx_t p = fxt_ctx(&t, PW_HOOK_POSSESSION_PRE);
	p.offense = 0;
	CHECK_STR(views_step(&v, &p), "");
	pw_hook_ctx_t sh = fxt_ctx(&t, PW_HOOK_SHOT_PRE);
	sh.offense = 0;
	CHECK_STR(views_step(&v, &sh), "");
	p.offense = 1;
	CHECK_STR(views_step(&v, &p), "sim.possession.pre sim.shot.pre false true");
	CHECK_STR(views_end(&v), "");
	fx_engine_free(e);
	fx_script_free(s);
}

/* A hooper's fields change between hook points (stamina at every
 * possession); every read, by the first effect or a later one, at the same
 * hook or another, through ctx or a view kept from an earlier call, gives
 * the value of the hook point running. */
TEST(fx_views_hooper_fields_follow_the_game)
{
	const char *reader =
		"local kept\n"
		"local function show(ctx)\n"
		"  local h = ctx.handler\n"
		"  kept = kept or ctx.offense.hoopers[2]\n"
		"  return {narrative = string.format('%s %.3f %d %d %d %s %s', h.name, h.stamina, h.fouls,\n"
		"    h.points, h.scoring, tostring(h.on_floor), ctx.hook == 'sim.shot.pre' and\n"
		"    string.format('%.3f', ctx.shooter.stamina) or '-') .. ' ' ..\n"
		"    string.format('%.3f', kept.stamina)}\n"
		"end\n"
		"return {name='r', hooks={['sim.possession.pre']=show, ['sim.shot.pre']=show}}";
	/* a second effect reads after the first at each hook point: it gets
	 * the same values (the view it reads is already up to date) */
	const char *second =
		"local function show(ctx)\n"
		"  return {narrative = string.format('%.3f', ctx.handler.stamina)}\n"
		"end\n"
		"return {name='s', hooks={['sim.possession.pre']=show, ['sim.shot.pre']=show}}";
	fx_script_t *a = fxt_load(reader), *b = fxt_load(second);
	fx_engine_t *e = fx_engine_new(NULL, NULL, 0);
	for (int game = 0; game < 2; game++) {
		fxt_game_t t;
		fxt_game_init(&t);
		fx_effect_t effs[2] = {{"r", a}, {"s", b}};
		views_game_t v;
		views_begin(&v, e, &t, effs, 2);
		for (int i = 0; i < 10; i++) {
			pw_live_hooper_t *h = &t.g.hooper[0][i % 2], *k = &t.g.hooper[0][1];
			for (int hook = 0; hook < 2; hook++) {
				/* the game moves between any two hook points */
				for (int s = 0; s < PW_ROSTER_SIZE; s++)
					t.g.hooper[0][s].stamina = 1.0 - 0.0625 * ((i * 2 + hook + s + game) % 16);
				h->fouls = i / 2;
				h->points = 2 * i + hook;
				h->attr[PW_ATTR_SCORING] = 40 + i;
				h->on_floor = (i + hook) % 3 != 0;
				pw_hook_ctx_t c = fxt_ctx(&t, hook ? PW_HOOK_SHOT_PRE : PW_HOOK_POSSESSION_PRE);
				c.handler = h;
				c.shooter = hook ? &t.g.hooper[0][(i + 1) % 2] : NULL;
				char shooter[16] = "-", want[256];
				if (hook)
					snprintf(shooter, sizeof shooter, "%.3f", c.shooter->stamina);
				snprintf(want, sizeof want, "Hooper %d %.3f %d %d %d %s %s %.3f %.3f", i % 2 + 1,
					 h->stamina, h->fouls, h->points, h->attr[PW_ATTR_SCORING],
					 h->on_floor ? "true" : "false", shooter, k->stamina, h->stamina);
				CHECK_STR(views_step(&v, &c), want);
			}
		}
		CHECK_STR(views_end(&v), "");
	}
	fx_engine_free(e);
	fx_script_free(a);
	fx_script_free(b);
}

/* Hooper views stay read-only, complete and the same object, whichever
 * way they are reached and however often they were read before. */
TEST(fx_views_hooper_views_are_read_only_and_whole)
{
	static const struct {
		const char *body;
		const char *want; /* NULL: runs clean */
	} cases[] = {
		{"ctx.shooter.stamina = 0", "read-only"},
		{"local s = ctx.shooter.stamina ctx.shooter.stamina = 0", "read-only"},
		{"ctx.offense.hoopers[1].fouls = 0", "read-only"},
		{"ctx.shooter.moves[1] = 'x'", "read-only"},
		{"rawset(ctx.shooter, 'stamina', 0)", "table expected"},
		{"return {narrative = tostring(ctx.shooter.nope)}", "a hooper view has no field 'nope'"},
		{"local s = ctx.shooter.id return {narrative = tostring(ctx.shooter.nope)}",
		 "a hooper view has no field 'nope'"},
		{"return {narrative = tostring(ctx.shooter[1])}", "a hooper view has no field of that kind"},
		{"assert(getmetatable(ctx.shooter) == nil) local s = ctx.shooter.id\n"
		 "assert(getmetatable(ctx.shooter) == nil)", NULL},
		{"assert(tostring(ctx.shooter) == 'ctx view') local s = ctx.shooter.id\n"
		 "assert(tostring(ctx.shooter) == 'ctx view' and type(ctx.shooter) == 'userdata')", NULL},
		{"assert(ctx.shooter == ctx.handler and ctx.shooter == ctx.offense.hoopers[1])\n"
		 "local s = ctx.shooter.stamina\n"
		 "assert(rawequal(ctx.shooter, ctx.offense.hoopers[1]))\n"
		 "assert(ctx.defender == ctx.defense.hoopers[1])",
		 NULL},
		{"assert(#ctx.shooter == 0) local s = ctx.shooter.id assert(#ctx.shooter == 0)", NULL},
		{"local n = 0 for k, v in pairs(ctx.defender) do n = n + 1 end assert(n == 19)\n"
		 "local t = {} for k, v in pairs(ctx.shooter) do t[k] = v end\n"
		 "assert(t.id == 1 and t.name == 'Hooper 1' and t.team_id == 1 and t.stamina == 1)\n"
		 "assert(t.archetype == 'sharpshooter' and t.scoring == 40 and t.is_starter == true)\n"
		 "assert(t.moves == ctx.shooter.moves and t.moves[1] == 'Heat Check')", NULL},
		/* next walks a hooper view as pairs does: its fields, in order */
		{"local k = next(ctx.shooter) assert(k == 'archetype', k)\n"
		 "assert(next(ctx.shooter, 'scoring') == 'speed')", NULL},
	};
	fx_engine_t *e = fx_engine_new(NULL, NULL, 0);
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char src[1024];
		snprintf(src, sizeof src, "return {name='h', hooks={['sim.shot.pre']=function(ctx)\n%s\nend}}",
			 cases[i].body);
		fx_script_t *s = fxt_load(src);
		fxt_game_t t;
		fxt_game_init(&t);
		fx_effect_t eff = {"h", s};
		fxt_run_t r;
		fxt_run_game(e, &t, &eff, 1, PW_HOOK_SHOT_PRE, 2, &r, NULL);
		if (cases[i].want)
			CHECK_MSG(strstr(fxt_err(&r), cases[i].want) != NULL, "case %zu: \"%s\" lacks \"%s\"",
				  i, fxt_err(&r), cases[i].want);
		else
			CHECK_MSG(r.rep.n_errors == 0, "case %zu: %s", i, fxt_err(&r));
		fxt_run_free(&r);
		fx_script_free(s);
	}
	fx_engine_free(e);
}

/* The tables behind the views outlive a game: the next game on the same
 * engine, with other teams, sees its own names and ids. */
TEST(fx_views_per_game_fields_are_read_anew)
{
	fx_script_t *s = fxt_load(
		"return {name='g', hooks={['sim.shot.pre']=function(ctx)\n"
		"  return {narrative = string.format('%d %s %d %s %s %d %s', ctx.game.id, ctx.offense.name,\n"
		"    ctx.shooter.id, ctx.shooter.name, ctx.shooter.archetype, ctx.shooter.team_id,\n"
		"    tostring(ctx.shooter.is_starter))}\n"
		"end}}");
	fx_engine_t *e = fx_engine_new(NULL, NULL, 0);
	for (int game = 0; game < 3; game++) {
		fxt_game_t t;
		fxt_game_init(&t);
		t.g.game_id = 100 + game;
		t.team[0].id = 10 + game;
		snprintf(t.team[0].name, sizeof t.team[0].name, "Side %d", game);
		pw_hooper_t *h = &t.team[0].hoopers[0];
		h->id = 50 + game;
		snprintf(h->name, sizeof h->name, "Guard %d", game);
		h->archetype = (pw_archetype_t)game;
		h->is_starter = game != 1;
		fx_effect_t eff = {"g", s};
		fxt_run_t r;
		fxt_run_game(e, &t, &eff, 1, PW_HOOK_SHOT_PRE, 2, &r, NULL);
		static const char *const arch[] = {"sharpshooter", "floor_general", "lockdown"};
		char want[256];
		snprintf(want, sizeof want, "%d Side %d %d Guard %d %s %d %s", 100 + game, game, 50 + game,
			 game, arch[game], 10 + game, game != 1 ? "true" : "false");
		CHECK_STR(fxt_err(&r), "");
		CHECK_CONTAINS(r.res.narrative, want);
		fxt_run_free(&r);
	}
	fx_engine_free(e);
	fx_script_free(s);
}

/* Lists the fields next() walks on ctx, ctx.game, a team and a hooper,
 * one view per call (a narrative line is short). */
static const char *walker_src =
	"local function keys(t)\n"
	"  local out, k = {}, next(t)\n"
	"  while k ~= nil do out[#out + 1] = tostring(k) k = next(t, k) end\n"
	"  return table.concat(out, ',')\n"
	"end\n"
	"local n = 0\n"
	"return {name = 'Walker', hooks = {['sim.shot.pre'] = function(ctx)\n"
	"  n = n + 1\n"
	"  local view = ({ctx, ctx.game, ctx.offense, ctx.shooter})[n]\n"
	"  return {narrative = keys(view)}\n"
	"end}}";

/* Reads a few fields, so the engine keeps them in its backing tables. */
static const char *reader_src =
	"return {name = 'Reader', hooks = {['sim.shot.pre'] = function(ctx)\n"
	"  local x = ctx.probability, ctx.shooter.stamina, ctx.game.quarter, ctx.offense.score\n"
	"end}}";

/* What next() shows of a view: every field it has, never just those some
 * effect happened to read before (in this game or an earlier one on the
 * same engine), which would make a game depend on the engine's history. */
TEST(fx_views_next_does_not_show_what_was_read_before)
{
	fx_script_t *walker = fxt_load(walker_src), *reader = fxt_load(reader_src);
	if (!walker || !reader)
		return;
	fx_effect_t w[1] = {{.id = "w", .script = walker}};
	fx_effect_t r[1] = {{.id = "r", .script = reader}};
	fxt_game_t t;
	fxt_game_init(&t);
	pw_hook_ctx_t c = fxt_ctx(&t, PW_HOOK_SHOT_PRE);

	/* four calls: ctx, ctx.game, ctx.offense, ctx.shooter */
	char fresh[4][PW_NARRATIVE_MAX + 1], used[4][PW_NARRATIVE_MAX + 1];
	fx_engine_t *a = fx_engine_new(NULL, NULL, 0);
	views_game_t v;
	views_begin(&v, a, &t, w, 1);
	for (int i = 0; i < 4; i++)
		snprintf(fresh[i], sizeof fresh[i], "%s", views_step(&v, &c));
	CHECK_STR(views_end(&v), "");
	fx_engine_free(a);

	fx_engine_t *b = fx_engine_new(NULL, NULL, 0);
	views_begin(&v, b, &t, r, 1);
	views_step(&v, &c);
	CHECK_STR(views_end(&v), "");
	views_begin(&v, b, &t, w, 1);
	for (int i = 0; i < 4; i++)
		snprintf(used[i], sizeof used[i], "%s", views_step(&v, &c));
	CHECK_STR(views_end(&v), "");
	fx_engine_free(b);

	for (int i = 0; i < 4; i++)
		CHECK_STR(fresh[i], used[i]);
	/* and each lists fields nobody read */
	CHECK_CONTAINS(fresh[0], "probability");
	CHECK_CONTAINS(fresh[1], "quarter");
	CHECK_CONTAINS(fresh[2], "score");
	CHECK_CONTAINS(fresh[3], "stamina");
	fx_script_free(walker);
	fx_script_free(reader);
}

/* One game of the effect src (id "p") calling sim.shot.pre once on engine
 * e; returns its peak memory and its error in err. */
static size_t peak_of(fx_engine_t *e, const char *src, char *err, size_t errlen)
{
	fx_script_t *s = fxt_load(src);
	if (!s)
		return 0;
	fx_effect_t eff = {"p", s};
	fxt_game_t t;
	fxt_game_init(&t);
	fxt_run_t r;
	fxt_run_game(e, &t, &eff, 1, PW_HOOK_SHOT_PRE, 1, &r, NULL);
	const fx_usage_t *u = fx_report_usage(&r.rep, "p");
	size_t peak = u ? u->peak_mem : 0;
	snprintf(err, errlen, "%s", fxt_err(&r));
	fxt_run_free(&r);
	fx_script_free(s);
	return peak;
}

/* A read that misses calls into C, and the stack that call needs is the
 * script's to pay for. Whether a read misses must follow from this game
 * alone: on an engine where an earlier game read ctx.shooter, the same
 * game must cost the same, at every stack depth the read can happen at. */
TEST(fx_views_misses_do_not_depend_on_earlier_games)
{
	fx_engine_t *used = fx_engine_new(NULL, NULL, 0);
	char err[FX_ERR_MAX], err2[FX_ERR_MAX];
	const char *reader = "return {name='R', hooks={['sim.shot.pre']=function(ctx) "
			     "local s = ctx.shooter end}}";
	int differ = 0;
	for (int locals = 2; locals <= 30; locals += 4)
		for (int depth = 1; depth <= 40; depth += 3) {
			char src[4096];
			size_t n = (size_t)snprintf(src, sizeof src, "local function f(n, ctx)\n  local a0");
			for (int i = 1; i < locals; i++)
				n += (size_t)snprintf(src + n, sizeof src - n, ",a%d", i);
			snprintf(src + n, sizeof src - n,
				 " = n\n  if n > 0 then return f(n - 1, ctx) + 0 end\n"
				 "  local s = ctx.shooter\n  return 0\nend\n"
				 "return {name='P', hooks={['sim.shot.pre']=function(ctx) f(%d, ctx) end}}",
				 depth);
			fx_engine_t *fresh = fx_engine_new(NULL, NULL, 0);
			size_t pf = peak_of(fresh, src, err, sizeof err);
			fx_engine_free(fresh);
			peak_of(used, reader, err2, sizeof err2);
			size_t pu = peak_of(used, src, err2, sizeof err2);
			CHECK_STR(err, "");
			CHECK_STR(err2, "");
			if (pf != pu && differ++ < 3)
				CHECK_MSG(0, "locals %d depth %d: peak %zu on a fresh engine, %zu on a used one",
					  locals, depth, pf, pu);
		}
	CHECK_EQ(differ, 0);
	fx_engine_free(used);
}
