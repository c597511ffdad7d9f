/*
 * lua_floor.c — what the effects benchmark costs in stock Lua 5.4 alone,
 * with an engine that does nothing but the calls.
 *
 * The goal of spec 10-simulation ("three effects on sim.possession.pre and
 * sim.shot.pre: <= 75 us per game") includes the game itself (~24 us).
 * This program measures the part no engine can avoid: the hook calls of
 * three tests/bench/fx/typical.lua effects, made from C the way an
 * engine has to make them, with nothing else around them:
 *
 *   - the real script, loaded once per effect; each effect's hooks in its
 *     own closure;
 *   - ctx, ctx.game, ctx.offense and ctx.shooter as read-only views in
 *     their cheapest form (an empty proxy whose __index is a plain table);
 *   - one lua_pcall per effect call (an effect's error must not stop the
 *     others), and the per-game mix of hook points of `pinwheel bench`
 *     (107 sim.possession.pre and 122 sim.shot.pre, ~25% of possessions in
 *     the Elam, ~34% of shots threes);
 *   - with Lua's count hook set (how budgets are enforced), and without
 *     any hook (no budget at all: not a safe engine, only the VM's floor).
 *
 * No result is read, no field is refreshed, nothing is accounted: real
 * engines cost more. Prints microseconds per game for the calls alone.
 * Built and run by tests/bench/bench_effects.sh (make bench).
 */
#define _POSIX_C_SOURCE 200809L
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define GAMES 20000
#define POSSESSIONS 107
#define SHOTS 122
#define EFFECTS 3

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void count_hook(lua_State *L, lua_Debug *ar)
{
	(void)L;
	(void)ar;
}

/* The views: a proxy per table, its backing table kept as a global so the
 * driver can change field values between hook points. */
static const char views[] =
	"local function view(name)\n"
	"  local b = {}\n"
	"  _G[name] = b\n"
	"  return setmetatable({}, {__index = b, __metatable = false,\n"
	"    __newindex = function() error('ctx is read-only') end})\n"
	"end\n"
	"local game, off, shooter = view('B_game'), view('B_off'), view('B_shooter')\n"
	"B_game.home_team_id = 1\n"
	"B_off.team_id = 1\n"
	"local ctx = view('B_ctx')\n"
	"B_ctx.game, B_ctx.offense, B_ctx.shooter = game, off, shooter\n"
	"return ctx\n";

static uint64_t rng = 0x9e3779b97f4a7c15u;
static unsigned roll(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

/* Sets field k of the backing table named b to the value on top. */
static void set_field(lua_State *L, const char *b, const char *k)
{
	lua_getglobal(L, b);
	lua_insert(L, -2);
	lua_setfield(L, -2, k);
	lua_pop(L, 1);
}

/* One hook point: each effect's hook h (0 possession.pre, 1 shot.pre)
 * called with ctx, one lua_pcall each, as an engine must. */
static int hook_point(lua_State *L, int ctx, int fn[EFFECTS][2], int h)
{
	for (int e = 0; e < EFFECTS; e++) {
		lua_pushvalue(L, fn[e][h]);
		lua_pushvalue(L, ctx);
		if (lua_pcall(L, 1, 1, 0) != LUA_OK)
			return -1;
		lua_pop(L, 1);
	}
	return 0;
}

/* Runs GAMES games of hook calls; returns microseconds per game. */
static double run(lua_State *L, int ctx, int fn[EFFECTS][2])
{
	double t0 = now();
	for (int g = 0; g < GAMES; g++) {
		int shots = 0;
		for (int p = 0; p < POSSESSIONS; p++) {
			lua_pushboolean(L, roll(4) == 0);
			set_field(L, "B_game", "elam");
			if (hook_point(L, ctx, fn, 0) < 0)
				return -1;
			/* the shots of this possession, spread evenly */
			int want = (p + 1) * SHOTS / POSSESSIONS;
			lua_pushstring(L, roll(100) < 34 ? "three_point" : "mid_range");
			set_field(L, "B_ctx", "shot_type");
			lua_pushnumber(L, (double)roll(100) / 100.0);
			set_field(L, "B_shooter", "stamina");
			for (; shots < want; shots++)
				if (hook_point(L, ctx, fn, 1) < 0)
					return -1;
			lua_pushnil(L);
			set_field(L, "B_ctx", "shot_type");
		}
		if (g % 100 == 99) /* the engine collects between games, too */
			lua_gc(L, LUA_GCCOLLECT);
	}
	return (now() - t0) * 1e6 / GAMES;
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "tests/bench/fx";
	lua_State *L = luaL_newstate();
	if (!L)
		return 1;
	luaL_openlibs(L);
	if (luaL_loadstring(L, views) != LUA_OK || lua_pcall(L, 0, 1, 0) != LUA_OK) {
		fprintf(stderr, "lua_floor: %s\n", lua_tostring(L, -1));
		return 1;
	}
	int ctx = lua_gettop(L);

	int fn[EFFECTS][2];
	for (int e = 0; e < EFFECTS; e++) {
		char path[512];
		snprintf(path, sizeof path, "%s/typical.lua", dir);
		if (luaL_loadfilex(L, path, "t") != LUA_OK || lua_pcall(L, 0, 1, 0) != LUA_OK) {
			fprintf(stderr, "lua_floor: %s\n", lua_tostring(L, -1));
			return 1;
		}
		lua_getfield(L, -1, "hooks");
		lua_getfield(L, -1, "sim.possession.pre");
		fn[e][0] = lua_gettop(L);
		lua_getfield(L, -2, "sim.shot.pre");
		fn[e][1] = lua_gettop(L);
		if (!lua_isfunction(L, fn[e][0]) || !lua_isfunction(L, fn[e][1])) {
			fprintf(stderr, "lua_floor: %s lacks the two hooks\n", path);
			return 1;
		}
	}
	lua_gc(L, LUA_GCSTOP); /* as the engine: no collection while scripts run */

	double bare = run(L, ctx, fn);
	lua_sethook(L, count_hook, LUA_MASKCOUNT, 1000);
	double hooked = run(L, ctx, fn);
	if (bare < 0 || hooked < 0) {
		fprintf(stderr, "lua_floor: %s\n", lua_tostring(L, -1));
		return 1;
	}
	int calls = (POSSESSIONS + SHOTS) * EFFECTS;
	printf("calls_per_game=%d us_per_game_count_hook=%.1f ns_per_call=%.1f\n", calls, hooked,
	       hooked * 1000 / calls);
	printf("calls_per_game=%d us_per_game_no_hook=%.1f ns_per_call=%.1f\n", calls, bare,
	       bare * 1000 / calls);
	lua_close(L);
	return 0;
}
