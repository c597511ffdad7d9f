/*
 * test_fx_review.c — regressions for problems found in review of the
 * effects sandbox: the read-only library tables, determinism of memory
 * refusals and table.sort, per-effect peak memory, oversized sources.
 */
#define _POSIX_C_SOURCE 200809L
#include "tests/unit/fx_helpers.h"

/* One game with the given sources as effects, hook sim.shot.pre called
 * `calls` times; returns the summed shot_value, first error in err. */
static double review_run(fx_engine_t *e, const char *const *srcs, int n, int calls, char *err,
			 size_t errlen)
{
	fx_script_t *s[4] = {0};
	fx_effect_t effs[4];
	static const char *const ids[] = {"e1", "e2", "e3", "e4"};
	for (int i = 0; i < n; i++) {
		s[i] = fxt_load(srcs[i]);
		effs[i].id = ids[i];
		effs[i].script = s[i];
	}
	fxt_game_t t;
	fxt_game_init(&t);
	fxt_run_t r;
	fxt_run_game(e, &t, effs, n, PW_HOOK_SHOT_PRE, calls, &r, NULL);
	double v = r.res.shot_value;
	if (err)
		snprintf(err, errlen, "%s", fxt_err(&r));
	fxt_run_free(&r);
	for (int i = 0; i < n; i++)
		fx_script_free(s[i]);
	return v;
}

/* shot_value 1 when string.upper, string methods and math look untouched. */
static const char *victim_src =
	"return {name='V', hooks={['sim.shot.pre']=function(ctx)\n"
	"  local ok = ('abc'):upper() == 'ABC' and string.upper('x') == 'X'\n"
	"    and rawequal(rawget(math, 'x'), nil) and math.x == nil and string.pwn == nil\n"
	"  return {shot_value = ok and 1 or 9}\n"
	"end}}";

TEST(fx_pairs_does_not_leak_library_backing_tables)
{
	const char *attacker =
		"return {name='A', hooks={['sim.shot.pre']=function(ctx)\n"
		"  local f, st = pairs(string)\n"
		"  pcall(function() st.upper = function() return 'PWNED' end end)\n"
		"  pcall(function() st.pwn = 1 end)\n"
		"  pcall(function() rawset(st, 'upper', function() return 'PWNED' end) end)\n"
		"  local _, m = pairs(math)\n"
		"  pcall(function() m.x = 1 end)\n"
		"  pcall(function() rawset(m, 'x', 1) end)\n"
		"  for _, lib in ipairs({table, utf8, coroutine, ctx.meta}) do\n"
		"    local _, b = pairs(lib)\n"
		"    pcall(function() b.insert = 1; b.char = 1; b.wrap = 1; b.x = 1 end)\n"
		"  end\n"
		"  local k, v = next(string)\n"
		"  local ok = ('abc'):upper() == 'ABC' and string.upper('x') == 'X'\n"
		"    and math.x == nil and type(k) == 'string' and type(v) == 'function'\n"
		"    and rawequal(st, string)\n"
		"  return {shot_value = ok and 1 or 9}\n"
		"end}}";
	fx_engine_t *e = fx_engine_new(NULL, NULL, 0);
	CHECK(e != NULL);
	if (!e)
		return;
	const char *both[2] = {attacker, victim_src};
	char err[FX_ERR_MAX];
	CHECK_EQ(review_run(e, both, 2, 1, err, sizeof err), 2.0);
	CHECK_STR(err, "");
	const char *one[1] = {victim_src};
	CHECK_EQ(review_run(e, one, 1, 1, err, sizeof err), 1.0); /* the next game */
	CHECK_STR(err, "");
	fx_engine_free(e);
}

/* Fills memory near the cap without finishing: the outcome must not depend
 * on garbage earlier sessions left in the engine. */
static const char *hungry_src =
	"return {name='H', hooks={['sim.shot.pre']=function(ctx)\n"
	"  local t = {}\n"
	"  for i = 1, 7000 do t[i] = string.rep('x', 1000 + i % 7) end\n"
	"  return {shot_value = 1}\n"
	"end}}";

/* Leaves about 150 KB of garbage behind (under the engine's collect
 * threshold, so it is still there in the next game). */
static const char *litter_src =
	"return {name='L', hooks={['sim.shot.pre']=function(ctx)\n"
	"  for i = 1, 150 do local s = string.rep('y', 1000) end\n"
	"  return {shot_value = 1}\n"
	"end}}";

/* A 6 MB cap, and instructions enough that memory is the limit. */
static void memory_limits(fx_limits_t *lim)
{
	fx_limits_default(lim);
	lim->mem_per_effect = 6u << 20;
	lim->instr_per_call = lim->instr_per_game = 100000000;
}

/*
 * Runs the game of srcs (n effects) on a fresh engine and on one that ran
 * the game of `before` first, and checks both end the same: the same
 * shot_value and the same first error, which must contain want.
 */
static void same_on_fresh_and_used(const fx_limits_t *lim, const char *before,
				   const char *const *srcs, int n, const char *want)
{
	char err_fresh[FX_ERR_MAX], err_used[FX_ERR_MAX], err[FX_ERR_MAX];
	fx_engine_t *a = fx_engine_new(lim, NULL, 0);
	double v_fresh = review_run(a, srcs, n, 1, err_fresh, sizeof err_fresh);
	fx_engine_free(a);
	fx_engine_t *b = fx_engine_new(lim, NULL, 0);
	const char *first[1] = {before};
	review_run(b, first, 1, 1, err, sizeof err);
	CHECK_STR(err, "");
	double v_used = review_run(b, srcs, n, 1, err_used, sizeof err_used);
	fx_engine_free(b);
	CHECK_MSG(v_fresh == v_used && strcmp(err_fresh, err_used) == 0,
		  "fresh engine %.0f \"%s\", used engine %.0f \"%s\"", v_fresh, err_fresh, v_used,
		  err_used);
	CHECK_CONTAINS(err_fresh, want);
}

TEST(fx_memory_refusal_does_not_depend_on_old_garbage)
{
	fx_limits_t lim;
	memory_limits(&lim);
	const char *hungry[1] = {hungry_src};
	same_on_fresh_and_used(&lim, litter_src, hungry, 1, "memory limit exceeded");
}

/* Runs into the memory cap and is stopped there; while it is, Lua's
 * emergency collection frees whatever garbage the engine holds. */
static const char *hog_src =
	"return {name='Hog', hooks={['sim.shot.pre']=function(ctx)\n"
	"  local t = {}\n"
	"  for i = 1, 1e6 do t[i] = string.rep('h', 1000 + i % 7) end\n"
	"end}}";

/* Runs after the hog in the same game: allocates about 100 KB and says
 * whether it could. */
static const char *probe_src =
	"return {name='Probe', hooks={['sim.shot.pre']=function(ctx)\n"
	"  local t = {}\n"
	"  for i = 1, 100 do t[i] = string.rep('p', 1000 + i % 5) end\n"
	"  return {shot_value = 1}\n"
	"end}}";

TEST(fx_memory_room_after_a_kill_does_not_depend_on_old_garbage)
{
	/* The hog's kill sets off an emergency collection. If that freed
	 * garbage from earlier games counted toward the later effect's room,
	 * whether the probe fits would depend on what the engine ran before. */
	fx_limits_t lim;
	memory_limits(&lim);
	const char *pair[2] = {hog_src, probe_src};
	same_on_fresh_and_used(&lim, litter_src, pair, 2, "memory limit exceeded");
}

/* A function with 180 locals recursing: about 190 stack slots a level, so
 * 150 levels need some 450 KB of stack. tail follows it in the script. */
static void deep_fn(char *buf, size_t len, const char *tail)
{
	size_t n = (size_t)snprintf(buf, len, "local function f(n)\n  local a0");
	for (int i = 1; i < 180 && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, ",a%d", i);
	if (n < len)
		snprintf(buf + n, len - n, " = n\n  if n > 0 then f(n - 1) end\n  return a0\nend\n%s", tail);
}

TEST(fx_memory_use_of_the_stack_does_not_depend_on_earlier_games)
{
	/* The stack and call list a script's calls grow are charged to it.
	 * On an engine whose earlier game grew them already, the same script
	 * would find them grown (nothing charged), or, after a caught error
	 * shrinks them, be credited with memory an earlier game paid for:
	 * each session runs on a fresh thread so neither happens. */
	fx_limits_t lim;
	memory_limits(&lim);
	lim.mem_per_effect = 2u << 20;
	static char deep[8192], grow[8192];
	deep_fn(deep, sizeof deep,
		"return {name='D', hooks={['sim.shot.pre']=function(ctx) f(150) end}}");
	/* about 1.5 MB of strings: with the stack its calls grow, G passes
	 * the 2 MB cap; if a stack grown earlier came free, it would fit */
	deep_fn(grow, sizeof grow,
		"return {name='G', hooks={['sim.shot.pre']=function(ctx)\n"
		"  local t = {}\n"
		"  for i = 1, 1500 do t[i] = string.rep('x', 1000 + i % 7) end\n"
		"  f(150)\n"
		"  return {shot_value = 1}\n"
		"end}}");
	static const char *shrink =
		"return {name='S', hooks={['sim.shot.pre']=function(ctx)\n"
		"  local t = {}\n"
		"  for i = 1, 1700 do t[i] = string.rep('x', 1000 + i % 7) end\n"
		"  pcall(error, 'x')\n"
		"  local u = {}\n"
		"  for i = 1, 500 do u[i] = string.rep('y', 1000 + i % 5) end\n"
		"  return {shot_value = 1}\n"
		"end}}";
	const char *probes[2] = {grow, shrink};
	for (int i = 0; i < 2; i++)
		same_on_fresh_and_used(&lim, deep, &probes[i], 1, "memory limit exceeded");
}

TEST(fx_table_sort_is_deterministic_and_correct)
{
	/* shot_value: the comparator call count when the result is right, -1 if not */
	const char *src =
		"return {name='S', hooks={['sim.shot.pre']=function(ctx)\n"
		"  local a, x = {}, 12345\n"
		"  for i = 1, 3000 do x = (x * 1103515245 + 12345) % 2147483648; a[i] = x % 50 end\n"
		"  local n = 0\n"
		"  table.sort(a, function(p, q) n = n + 1; return p < q end)\n"
		"  for i = 2, #a do if a[i-1] > a[i] then return {narrative = 'unsorted'} end end\n"
		"  local b = {5, 3, 'x'}\n"
		"  if pcall(table.sort, b) then return {narrative = 'mixed types sorted'} end\n"
		"  local ok, e = pcall(table.sort, {3, 2, 1}, function(p, q) error('cmp boom') end)\n"
		"  if ok or not tostring(e):find('cmp boom') then return {narrative = 'no error'} end\n"
		"  ok, e = pcall(table.sort, {1, 1, 2, 1}, function(p, q) return true end)\n"
		"  if ok or not tostring(e):find('invalid order function') then return {narrative = 'bad order'} end\n"
		"  local c = {'b', 'c', 'a'}; table.sort(c)\n"
		"  local d = {{k=1,v='a'},{k=0,v='b'},{k=1,v='c'},{k=0,v='d'}}\n"
		"  table.sort(d, function(p, q) return p.k < q.k end)\n"
		"  local s = table.concat(c) .. d[1].v .. d[2].v .. d[3].v .. d[4].v\n"
		"  ctx.log(s .. ' ' .. n)\n"
		"  return {narrative = s .. ' ' .. n}\n"
		"end}}";
	char log1[256] = "", log2[256] = "";
	for (int round = 0; round < 2; round++) {
		fx_limits_t lim;
		fx_limits_default(&lim);
		lim.instr_per_call = lim.instr_per_game = 100000000;
		fx_engine_t *e = fx_engine_new(&lim, NULL, 0);
		fx_script_t *s = fxt_load(src);
		if (!e || !s)
			return;
		fxt_game_t t;
		fxt_game_init(&t);
		fx_effect_t eff = {"s", s};
		fxt_run_t r;
		fxt_run_game(e, &t, &eff, 1, PW_HOOK_SHOT_PRE, 1, &r, NULL);
		CHECK_STR(fxt_err(&r), "");
		snprintf(round ? log2 : log1, sizeof log1, "%s", r.rep.log ? r.rep.log : "");
		fxt_run_free(&r);
		fx_engine_free(e);
		fx_script_free(s);
	}
	CHECK_CONTAINS(log1, "abcbdac ");
	CHECK_STR(log1, log2);
}

TEST(fx_table_sort_charges_the_budget)
{
	/* a big sort with a cheap comparator is stopped by the budget */
	const char *src =
		"return {name='S', hooks={['sim.shot.pre']=function(ctx)\n"
		"  local a = {}\n"
		"  for i = 1, 20000 do a[i] = -i end\n"
		"  table.sort(a)\n"
		"  return {shot_value = 1}\n"
		"end}}";
	fx_engine_t *e = fx_engine_new(NULL, NULL, 0);
	const char *one[1] = {src};
	char err[FX_ERR_MAX];
	review_run(e, one, 1, 1, err, sizeof err);
	CHECK_CONTAINS(err, "instruction limit exceeded");
	fx_engine_free(e);
}

TEST(fx_peak_memory_is_per_effect)
{
	/* a game where one effect builds ~1 MB, then a game on the same engine
	 * with only a small effect: the small one's peak is its own */
	const char *big =
		"return {name='B', hooks={['sim.shot.pre']=function(ctx)\n"
		"  local z = string.rep('z', 1000)\n"
		"  local t = {} for i = 1, 1000 do t[i] = z .. i end\n"
		"end}}";
	const char *small =
		"return {name='S', hooks={['sim.shot.pre']=function(ctx) local x = {} end}}";
	fx_script_t *sb = fxt_load(big), *ss = fxt_load(small);
	fx_engine_t *e = fx_engine_new(NULL, NULL, 0);
	if (!sb || !ss || !e)
		return;
	fxt_game_t t;
	fxt_game_init(&t);
	fx_effect_t eb = {"big", sb}, es = {"small", ss};
	fxt_run_t r;
	fxt_run_game(e, &t, &eb, 1, PW_HOOK_SHOT_PRE, 1, &r, NULL);
	const fx_usage_t *u = fx_report_usage(&r.rep, "big");
	CHECK(u && u->peak_mem > 1000000);
	fxt_run_free(&r);
	fxt_run_game(e, &t, &es, 1, PW_HOOK_SHOT_PRE, 1, &r, NULL);
	u = fx_report_usage(&r.rep, "small");
	CHECK(u && u->peak_mem < 65536);
	fxt_run_free(&r);
	fx_engine_free(e);
	fx_script_free(sb);
	fx_script_free(ss);
}

TEST(fx_oversized_file_says_larger_than_the_limit)
{
	char path[] = "/tmp/pw_fx_review_XXXXXX";
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	if (fd < 0)
		return;
	FILE *f = fdopen(fd, "wb");
	for (int i = 0; i < FX_SOURCE_MAX + 5000; i++)
		fputc(i % 64 ? ' ' : '\n', f);
	fclose(f);
	fx_script_t *s = NULL;
	char err[FX_ERR_MAX];
	CHECK_EQ(fx_script_load_file(path, &s, err, sizeof err), -1);
	CHECK_CONTAINS(err, "larger than 65536 bytes");
	remove(path);
	fx_script_free(s);
}

/* The peak instructions per call charged to effect "e2", run after an
 * effect that loops `before` times, in one game. */
static uint64_t second_effect_units(int before)
{
	char first[256];
	snprintf(first, sizeof first,
		 "return {name='A', hooks={['sim.shot.pre']=function(ctx)\n"
		 "  local x = 0 for i = 1, %d do x = x + i end\nend}}", before);
	const char *second = "return {name='B', hooks={['sim.shot.pre']=function(ctx)\n"
			     "  local x = 0 for i = 1, 300 do x = x + i end\nend}}";
	fx_script_t *a = fxt_load(first), *b = fxt_load(second);
	if (!a || !b)
		return 0;
	fx_effect_t effs[2] = {{"e1", a}, {"e2", b}};
	fx_engine_t *e = fx_engine_new(NULL, NULL, 0);
	fxt_game_t t;
	fxt_game_init(&t);
	fxt_run_t r;
	fxt_run_game(e, &t, effs, 2, PW_HOOK_SHOT_PRE, 1, &r, NULL);
	const fx_usage_t *u = fx_report_usage(&r.rep, "e2");
	uint64_t units = u ? u->peak_instr : 0;
	fxt_run_free(&r);
	fx_engine_free(e);
	fx_script_free(a);
	fx_script_free(b);
	return units;
}

TEST(fx_budget_of_one_effect_does_not_depend_on_another)
{
	/* Instructions are counted in steps; if the count ran on from one
	 * effect's call into the next, what B is charged would depend on how
	 * much A ran before it. */
	uint64_t alone = second_effect_units(0);
	for (int before = 10; before <= 400; before += 30)
		CHECK_MSG(second_effect_units(before) == alone,
			  "after %d iterations of A, B is charged %llu, alone %llu", before,
			  (unsigned long long)second_effect_units(before), (unsigned long long)alone);
}
