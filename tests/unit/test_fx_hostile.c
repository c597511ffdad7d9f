/*
 * test_fx_hostile.c — scripts that try to escape, exhaust, confuse or
 * de-determinise the sandbox. Each must be contained: stopped with a clear
 * error (or made harmless), in bounded time, and the engine must be as good
 * as new for the next effect. Runs under ASan/UBSan too.
 */
#include "tests/unit/fx_helpers.h"

static const fxt_attack_t attacks[] = {
	/* --- escape ---------------------------------------------------------- */
	{"os", "os.exit(1)", "'os' is not available"},
	{"io", "io.open('/etc/passwd')", "'io' is not available"},
	{"require", "require('os')", "'require' is not available"},
	{"load", "load('return 1')()", "'load' is not available"},
	{"dofile", "dofile('/etc/passwd')", "'dofile' is not available"},
	{"loadfile", "loadfile('/etc/passwd')", "'loadfile' is not available"},
	{"debug", "debug.getregistry()", "'debug' is not available"},
	{"package", "return package.loaded", "'package' is not available"},
	{"print", "print('hi')", "'print' is not available"},
	{"collectgarbage", "collectgarbage('collect')", "'collectgarbage' is not available"},
	{"_G", "return _G.os", "'_G' is not available"},
	{"string_dump", "string.dump(function() end)", "attempt to call a nil value"},
	{"string_metatable", "getmetatable('').__index.rep = nil", "attempt to index a nil value"},
	{"string_metatable_method", "local mt = ('').__index; return {narrative = tostring(mt)}", NULL},
	{"rawget_env_os", "assert(rawget(_ENV, 'os') == nil); assert(rawget(string, 'rep') == nil)", NULL},
	{"env_metatable", "assert(getmetatable(_ENV) == false); setmetatable(_ENV, nil)",
	 "protected metatable"},
	{"ctx_metatable", "assert(getmetatable(ctx) == nil); return {narrative = tostring(ctx)}", NULL},
	{"ctx_write", "ctx.game.home_score = 99", "read-only"},
	{"ctx_write_top", "ctx.shooter = nil", "read-only"},
	{"ctx_rawset", "rawset(ctx.game, 'home_score', 99)", "read-only"},
	{"ctx_rawset_top", "rawset(ctx, 'shooter', 1)", "read-only"},
	{"hooper_write", "local s = ctx.shooter.stamina; ctx.shooter.stamina = 1", "read-only"},
	{"hooper_rawset", "rawset(ctx.shooter, 'stamina', 1)", "table expected"},
	{"ctx_rawget_backing", "assert(rawget(ctx, 'game') == nil and rawget(ctx.game, 'id') == nil)", NULL},
	{"format_p", "return {narrative = string.format('%p', {})}", "%p is not available"},
	{"randomseed", "math.randomseed(1)", "math.randomseed is not available"},
	{"undefined_global", "return {narrative = undefined_thing}", "undefined global 'undefined_thing'"},
	{"gc_metamethod", "setmetatable({}, {__gc = function() end})", "__gc is not allowed"},
	{"mode_metamethod", "setmetatable({}, {__mode = 'k'})", "__mode is not allowed"},
	{"lib_write", "string.rep = function() return 'hacked' end", "read-only"},
	{"lib_rawset", "rawset(string, 'rep', function() end)", "read-only"},
	{"lib_setmetatable", "setmetatable(table, {__index = function() end})", "protected metatable"},
	{"lib_table_insert", "table.insert(math, 1)", "read-only"},
	{"meta_proxy_write", "ctx.meta.get = function() return 99 end", "read-only"},
	/* --- exhaustion ----------------------------------------------------- */
	{"infinite_loop", "while true do end", "instruction limit exceeded"},
	{"loop_in_pcall", "while true do pcall(function() while true do end end) end",
	 "instruction limit exceeded"},
	{"pcall_error_loop", "for i = 1, 1e12 do pcall(error, 'x') end", "instruction limit exceeded"},
	{"memory_bomb", "local t, s = {}, string.rep('x', 1000)\n"
			"for i = 1, 1e6 do t[i] = s .. i end", "memory limit exceeded"},
	{"table_bomb", "local t = {} for i = 1, 1e9 do t[i] = i end", "limit exceeded"},
	{"rep_huge", "return {narrative = string.rep('x', 1e9)}", "string limit"},
	{"rep_method_huge", "return {narrative = ('x'):rep(2^40)}", "string limit"},
	{"rep_empty_forever", "assert(string.rep('', 2^60) == ''); assert(('x'):rep(0) == '')", NULL},
	{"rep_sep_huge", "return {narrative = string.rep('x', 100, string.rep('y', 1000))}", "string limit"},
	{"concat_doubling", "local s = 'x' while true do s = s .. s end", "string longer than"},
	{"table_concat_bomb", "local t = {} for i = 1, 5 do t[i] = string.rep('x', 1000) end\n"
			      "return {narrative = table.concat(t)}", "string longer than"},
	{"format_width", "return {narrative = string.format('%0999999d', 1)}", "invalid conversion"},
	{"format_many", "local s = string.rep('%99d', 200)\n"
			"return {narrative = string.format(s, table.unpack({}, 1, 200))}", "bad argument"},
	{"recursion", "local function f(n) return 1 + f(n + 1) end f(1)", "limit exceeded"},
	{"vararg_growth", "local function f(...) return f(1, ...) end f()", "limit exceeded"},
	{"stack_overflow", "local function f(...) return 1 + f(1, ...) end f()", "limit exceeded"},
	{"index_recursion", "local t = setmetatable({}, {}) getmetatable(t).__index = function(s, k) "
			    "return s[k] end return {narrative = t.x}", NULL},
	{"index_recursion_set", "local t = setmetatable({}, {__index = function(s, k) "
				"return s[k] end}) return {narrative = t.x}", "stack overflow"},
	/* getmetatable gives the script's own table back, but the table has
	 * a snapshot taken by setmetatable: changing it afterwards changes
	 * nothing (so this recursion never starts) */
	{"tostring_recursion", "local t = setmetatable({}, {}) getmetatable(t).__tostring = "
			       "function(s) return tostring(s) end assert(tostring(t) == 'table')", NULL},
	{"tostring_recursion_set", "local t = setmetatable({}, {__tostring = function(s) return "
				   "tostring(s) end}) tostring(t)", "stack overflow"},
	{"pattern_backtrack", "string.find(string.rep('a', 1000), '.-.-.-.-.-b')",
	 "instruction limit exceeded"},
	{"pattern_gmatch", "for w in string.gmatch(string.rep('a', 1000), '(a*)*b') do end",
	 "instruction limit exceeded"},
	{"pattern_gsub_small_ok", "assert(('hello world'):gsub('o', '0') == 'hell0 w0rld')", NULL},
	{"coroutine_loop", "local co = coroutine.wrap(function() while true do end end) co()",
	 "instruction limit exceeded"},
	{"coroutine_swallow", "local co = coroutine.create(function() while true do end end)\n"
			      "while true do coroutine.resume(co) co = coroutine.create(function() "
			      "while true do end end) end", "instruction limit exceeded"},
	{"coroutine_spawn", "while true do coroutine.create(function() end) end", "limit exceeded"},
	{"xpcall_handler_loop", "xpcall(function() while true do end end, function() while true do "
				"end end)", "instruction limit exceeded"},
	{"close_swallow", "do local x <close> = setmetatable({}, {__close = function() while true "
			  "do end end}) while true do end end", "instruction limit exceeded"},
	{"table_move_bomb", "table.move({}, 1, 2^40, 1, {})", "instruction limit exceeded"},
	{"table_insert_len", "local t = setmetatable({}, {__len = function() return 2^40 end})\n"
			     "table.insert(t, 1, 'x')", "instruction limit exceeded"},
	{"table_unpack_bomb", "table.unpack({}, 1, 1e8)", "limit exceeded"},
	{"next_quadratic", "local t = {} for i = 1, 3000 do t[i] = i end\n"
			   "local k = next(t) while k do k = next(t, k) end", "instruction limit exceeded"},
	{"next_view_loop", "for i = 1, 300 do next(ctx) end", "instruction limit exceeded"},
	{"pairs_view_loop", "for i = 1, 300 do for k in pairs(ctx.game) do end end",
	 "instruction limit exceeded"},
	{"meta_write_bomb", "for i = 1, 1e6 do ctx.meta.set('team', 1, 'k', i) end",
	 "metadata write limit exceeded"},
	{"meta_key_bomb", "for i = 1, 1e6 do ctx.meta.set('team', 1, 'k' .. i, i) end",
	 "already has 256 keys"},
	{"log_flood", "local s = string.rep('x', 1000) for i = 1, 1000 do ctx.log(s) end", NULL},
	/* --- confusion ------------------------------------------------------ */
	{"error_tostring_loops", "error(setmetatable({}, {__tostring = function() while true do end "
				 "end}))", "error object is a table value"},
	{"error_tostring_errors", "error(setmetatable({}, {__tostring = function() error('no') end, "
				  "__index = function() error('no') end}))", "error object is a table value"},
	{"error_nil", "error()", "error with no message"},
	{"result_function", "return function() end", "not a function"},
	{"result_metatable", "return setmetatable({}, {__index = function() while true do end end, "
			     "__pairs = function() while true do end end})", NULL},
	{"result_huge_narrative", "return {narrative = string.rep('y', 1000)}", NULL},
	{"result_nan", "return {shot_probability = 0/0}", "must be a number"},
	{"result_inf", "return {shot_probability = math.huge}", "must be a number"},
	{"result_deep", "local t = {} local c = t for i = 1, 100 do c.a = {} c = c.a end\n"
			"return {attributes = t}", "not valid at sim.shot.pre"},
	{"result_many_attrs", "local a = {} for i = 1, 9 do a[i] = {scoring = 1, passing = 1, defense = 1} end\n"
			      "return {attributes = a}", "not valid at sim.shot.pre"},
	/* --- nondeterminism --------------------------------------------------- */
	{"pairs_sorted", "local t = {} for _, k in ipairs({'zeta', 'alpha', 'mid', 'beta'}) do t[k] = true end\n"
			 "t[3] = 1; t[1] = 1; t[2.5] = 1; t[true] = 1\n"
			 "local out = {} for k in pairs(t) do out[#out + 1] = tostring(k) end\n"
			 "assert(table.concat(out, ',') == '1,2.5,3,alpha,beta,mid,zeta,true', table.concat(out, ','))",
	 NULL},
	{"next_sorted", "local t = {b = 1, a = 2, c = 3} local k1 = next(t) local k2 = next(t, k1)\n"
			"assert(k1 == 'a' and k2 == 'b')", NULL},
	{"pairs_table_keys", "local t = {[{}] = 1} for k in pairs(t) do end", "no defined order"},
	{"tostring_no_address", "assert(tostring({}) == 'table'); assert(tostring(tostring) == "
				"'function'); assert(tostring(coroutine.create(function() end)) == 'thread')",
	 NULL},
	{"format_s_no_address", "assert(string.format('%s', {}) == 'table')", NULL},
	{"math_random_stream", "local a = math.random(1, 1000000) assert(type(a) == 'number')", NULL},
};

TEST(fx_hostile_scripts_are_contained)
{
	/* The default limits: every one of them is deterministic, so a loaded
	 * machine changes nothing here, and the CPU-time backstop (an engine
	 * fault) must never be what stops an attack. */
	fx_engine_t *e = fx_engine_new(NULL, NULL, 0);
	CHECK(e != NULL);
	if (!e)
		return;
	int n = (int)(sizeof attacks / sizeof *attacks);
	CHECK(n >= 30);
	const char *slowest;
	fxt_run_attacks(e, attacks, n, 2, test_sanitized() ? 8.0 : 2.0, &slowest);
	fx_engine_free(e);
}

TEST(fx_hostile_at_load_time)
{
	static const struct {
		const char *src;
		const char *want;
	} cases[] = {
		{"while true do end", "instruction limit exceeded"},
		{"local s = 'x' while true do s = s .. s end", "string longer than"},
		{"os.execute('rm -rf /')", "'os' is not available"},
		{"return setmetatable({}, {__index = function() while true do end end})", "hooks must be"},
		{"\x1bLuaT\x00\x19\x93\r\n\x1a\n", "binary"},
		{NULL, "stack overflow"}, /* deeply nested source: filled below */
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		const char *src = cases[i].src;
		char *deep = NULL;
		if (!src) {
			/* "return " then 10000 opening parentheses */
			enum { PREFIX = sizeof "return " - 1, PARENS = 10000 };
			deep = malloc(PREFIX + PARENS + 1);
			CHECK(deep != NULL);
			if (!deep)
				continue;
			memcpy(deep, "return ", PREFIX);
			memset(deep + PREFIX, '(', PARENS);
			deep[PREFIX + PARENS] = '\0';
			src = deep;
		}
		double t0 = fxt_cpu_s();
		const char *m = fxt_load_err(src);
		CHECK_MSG(strstr(m, cases[i].want) != NULL, "load case %zu: \"%s\" lacks \"%s\"", i, m,
			  cases[i].want);
		CHECK(fxt_cpu_s() - t0 < (test_sanitized() ? 8.0 : 2.0));
		free(deep);
	}
}

TEST(fx_effects_cannot_reach_each_other)
{
	/* A tries to change shared libraries and globals; B must not notice. */
	fx_script_t *a = fxt_load(
		"return {name='A', hooks={['sim.shot.pre']=function(ctx)\n"
		"  pcall(function() string.rep = function() return 'hacked' end end)\n"
		"  pcall(rawset, string, 'upper', function() return 'hacked' end)\n"
		"  pcall(setmetatable, math, {})\n"
		"  shared = 'from A'\n"
		"  ctx_seen = ctx\n"
		"  return {narrative = 'A'}\n"
		"end}}");
	fx_script_t *b = fxt_load(
		"return {name='B', hooks={['sim.shot.pre']=function(ctx)\n"
		"  assert(string.rep('x', 3) == 'xxx')\n"
		"  assert(('a'):upper() == 'A')\n"
		"  assert(rawget(_ENV, 'shared') == nil)\n"
		"  return {narrative = 'B'}\n"
		"end}}");
	fx_engine_t *e = fx_engine_new(NULL, NULL, 0);
	fxt_game_t t;
	fxt_game_init(&t);
	fx_effect_t effs[2] = {{"a", a}, {"b", b}};
	fxt_run_t r;
	fxt_run_game(e, &t, effs, 2, PW_HOOK_SHOT_PRE, 3, &r, NULL);
	CHECK_STR(fxt_err(&r), "");
	CHECK_CONTAINS(r.res.narrative, "A B");
	fxt_run_free(&r);
	fx_engine_free(e);
	fx_script_free(a);
	fx_script_free(b);
}

TEST(fx_nothing_survives_between_games)
{
	fx_script_t *s = fxt_load(
		"local calls = 0\n"
		"return {name='S', hooks={['sim.shot.pre']=function(ctx)\n"
		"  calls = calls + 1\n"
		"  local g = rawget(_ENV, 'games') or 0\n"
		"  games = g + 1\n"
		"  return {shot_value = calls * 10 + games}\n"
		"end}}");
	fx_engine_t *e = fx_engine_new(NULL, NULL, 0);
	for (int game = 0; game < 3; game++) {
		fxt_game_t t;
		fxt_game_init(&t);
		fx_effect_t eff = {"s", s};
		fxt_run_t r;
		fxt_run_game(e, &t, &eff, 1, PW_HOOK_SHOT_PRE, 1, &r, NULL);
		CHECK_EQ(r.res.shot_value, 11); /* fresh locals and globals every game */
		fxt_run_free(&r);
	}
	fx_engine_free(e);
	fx_script_free(s);
}

TEST(fx_same_script_twice_is_isolated)
{
	/* two instances of one compiled chunk in one game get separate _ENV */
	fx_script_t *s = fxt_load(
		"return {name='T', hooks={['sim.shot.pre']=function(ctx)\n"
		"  local n = (rawget(_ENV, 'n') or 0) + 1\n"
		"  n_ = n; rawset(_ENV, 'n', n)\n"
		"  return {shot_value = n}\n"
		"end}}");
	fx_engine_t *e = fx_engine_new(NULL, NULL, 0);
	fxt_game_t t;
	fxt_game_init(&t);
	fx_effect_t effs[2] = {{"one", s}, {"two", s}};
	fxt_run_t r;
	fxt_run_game(e, &t, effs, 2, PW_HOOK_SHOT_PRE, 2, &r, NULL);
	/* each instance counts 1 then 2: (1+1) + (2+2) */
	CHECK_EQ(r.res.shot_value, 6);
	CHECK_STR(fxt_err(&r), "");
	fxt_run_free(&r);
	fx_engine_free(e);
	fx_script_free(s);
}

TEST(fx_budgets_are_per_effect)
{
	/* a looping effect is stopped; a good one beside it keeps working */
	fx_script_t *bad = fxt_load("return {name='bad', hooks={['sim.shot.pre']=function() while true do end end}}");
	fx_script_t *good = fxt_load("return {name='good', hooks={['sim.shot.pre']=function() return {shot_value = 1} end}}");
	fx_engine_t *e = fx_engine_new(NULL, NULL, 0);
	fxt_game_t t;
	fxt_game_init(&t);
	fx_effect_t effs[2] = {{"bad", bad}, {"good", good}};
	fxt_run_t r;
	fxt_run_game(e, &t, effs, 2, PW_HOOK_SHOT_PRE, 5, &r, NULL);
	CHECK_EQ(r.res.shot_value, 5);
	CHECK_EQ(r.rep.n_errors, 1);
	CHECK_CONTAINS(fxt_err(&r), "line 1: instruction limit exceeded (200000 per call)");
	const fx_usage_t *u = fx_report_usage(&r.rep, "bad");
	CHECK(u && u->stopped == 1 && u->fired[PW_HOOK_SHOT_PRE] == 1);
	fxt_run_free(&r);

	/* per game: 20 calls of 150k instructions pass the per-call budget but
	 * not the per-game one */
	fx_script_t *slow = fxt_load("return {name='slow', hooks={['sim.shot.pre']=function() "
				     "local x = 0 for i = 1, 50000 do x = x + i end end}}");
	fx_effect_t eff = {"slow", slow};
	fxt_run_game(e, &t, &eff, 1, PW_HOOK_SHOT_PRE, 40, &r, NULL);
	CHECK_EQ(r.rep.n_errors, 1);
	CHECK_CONTAINS(fxt_err(&r), "per game");
	u = fx_report_usage(&r.rep, "slow");
	CHECK(u && u->fired[PW_HOOK_SHOT_PRE] > 5 && u->fired[PW_HOOK_SHOT_PRE] < 40);
	fxt_run_free(&r);
	fx_engine_free(e);
	fx_script_free(bad);
	fx_script_free(good);
	fx_script_free(slow);
}

TEST(fx_backstop_is_an_engine_fault_not_a_budget)
{
	/* With budgets too large to stop anything, only the CPU-time backstop
	 * can: it does, and says it is an engine fault (in a correct engine
	 * the budgets always stop a script long before). */
	fx_limits_t lim;
	fx_limits_default(&lim);
	lim.instr_per_call = lim.instr_per_game = 1ull << 60;
	lim.backstop_ms = 50;
	fx_engine_t *e = fx_engine_new(&lim, NULL, 0);
	fx_script_t *s = fxt_load("return {name='w', hooks={['sim.shot.pre']=function() while true do end end}}");
	fxt_game_t t;
	fxt_game_init(&t);
	fx_effect_t eff = {"w", s};
	fxt_run_t r;
	double t0 = fxt_cpu_s();
	fxt_run_game(e, &t, &eff, 1, PW_HOOK_SHOT_PRE, 3, &r, NULL);
	CHECK_CONTAINS(fxt_err(&r), "engine fault");
	CHECK_EQ(r.rep.n_engine_faults, 1);
	CHECK(fxt_cpu_s() - t0 < 5.0);
	fxt_run_free(&r);
	fx_script_free(s);
	fx_engine_free(e);
}
