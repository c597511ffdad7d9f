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
 *   - the real script (tests/bench/fx/typical.lua, or --script FILE),
 *     loaded once per effect; each effect's hooks in its own closure;
 *   - ctx, ctx.game, ctx.offense and ctx.shooter as read-only views in
 *     their cheapest form (an empty proxy whose __index is a plain table),
 *     the driver setting what the hooks read: ctx.game.elam, ctx.shot_type
 *     and ctx.shooter.stamina for typical.lua; for a script with
 *     sim.shot.post (scripts/effects/hot_hand.lua), ctx.shooter.id and
 *     name, one of six hoopers, and ctx.made instead;
 *   - one lua_pcall per effect call (an effect's error must not stop the
 *     others), and the per-game mix of hook points of `pinwheel bench`
 *     (by default 107 sim.possession.pre and 122 sim.shot.pre a game, ~25%
 *     of possessions in the Elam, ~34% of shots threes; --possessions and
 *     --shots give the exact totals a bench run made, spread over --games);
 *   - with Lua's count hook set (how budgets are enforced), and without
 *     any hook (no budget at all: not a safe engine, only the VM's floor).
 *
 * No result is read, no field is refreshed, nothing is accounted: real
 * engines cost more. Prints microseconds per game for the calls alone (wall
 * and CPU time), and the calls it made (calls=), so that a comparison can
 * check that both sides made the same ones.
 *
 *   lua_floor [--games N] [--possessions P] [--shots S] [--shot-posts T]
 *             [--script FILE] [--mode both|hook|bare] [DIR]
 *
 * P and S are hook points over all N games (each calls every effect that
 * has that hook once); --shot-posts T the sim.shot.post points (as many as
 * shots when not given), each after a shot. Built and run by
 * tests/bench/bench_effects.sh (make bench), and counted by
 * tests/bench/fx/callgrind.sh.
 */
#define _POSIX_C_SOURCE 200809L
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define GAMES 20000
#define POSSESSIONS 107 /* hook points a game, when not given */
#define SHOTS 122
#define EFFECTS 3

/* What one run plays: games, and hook points over all of them. */
typedef struct plan {
	long games;
	long long possessions, shots, posts;
	long long calls; /* made, counted as they are */
	double cpu_us;   /* CPU time a game, as pinwheel bench's cpu_us_per_game */
} plan_t;

static double clock_seconds(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
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
	"B_shooter.id, B_shooter.name = 100, 'Hooper 0'\n"
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

/* The hooks the floor can call, and their names in a script. */
enum { H_POSS, H_SHOT, H_POST, H_COUNT };
static const char *const hook_names[H_COUNT] = {"sim.possession.pre", "sim.shot.pre",
						"sim.shot.post"};

/* One hook point: each effect's hook h called with ctx, one lua_pcall each,
 * as an engine must (stack index 0: the effect lacks that hook). */
static int hook_point(lua_State *L, int ctx, int fn[EFFECTS][H_COUNT], int h, plan_t *pl)
{
	for (int e = 0; e < EFFECTS; e++) {
		if (!fn[e][h])
			continue;
		pl->calls++;
		lua_pushvalue(L, fn[e][h]);
		lua_pushvalue(L, ctx);
		if (lua_pcall(L, 1, 1, 0) != LUA_OK)
			return -1;
		lua_pop(L, 1);
	}
	return 0;
}

/* Share g of n games of a total: game g gets the difference of two
 * rounded-down prefixes, so the games add up to the total exactly. */
static long long share(long long total, long g, long n)
{
	return total * (g + 1) / n - total * g / n;
}

/* A shot: ctx as sim.shot.pre sees it, each effect's call, and, when the
 * shot has one, sim.shot.post. who: whether the hooks read who shoots. */
static int shot(lua_State *L, int ctx, int fn[EFFECTS][H_COUNT], bool post, bool who,
		plan_t *pl)
{
	static const char *const names[] = {"Hooper 0", "Hooper 1", "Hooper 2",
					    "Hooper 3", "Hooper 4", "Hooper 5"};
	if (who) {
		unsigned w = roll(6);
		lua_pushinteger(L, 100 + w);
		set_field(L, "B_shooter", "id");
		lua_pushstring(L, names[w]);
		set_field(L, "B_shooter", "name");
	}
	if (hook_point(L, ctx, fn, H_SHOT, pl) < 0)
		return -1;
	if (!post)
		return 0;
	lua_pushboolean(L, roll(100) < 46);
	set_field(L, "B_ctx", "made");
	return hook_point(L, ctx, fn, H_POST, pl);
}

/* Runs pl's games of hook calls; returns microseconds per game. */
static double run(lua_State *L, int ctx, int fn[EFFECTS][H_COUNT], plan_t *pl)
{
	double t0 = clock_seconds(CLOCK_MONOTONIC), c0 = clock_seconds(CLOCK_PROCESS_CPUTIME_ID);
	bool who = false;
	for (int e = 0; e < EFFECTS; e++)
		who = who || fn[e][H_POST];
	pl->calls = 0;
	for (long g = 0; g < pl->games; g++) {
		long long poss = share(pl->possessions, g, pl->games);
		long long shot_points = share(pl->shots, g, pl->games), shots = 0;
		long long posts = share(pl->posts, g, pl->games);
		for (long long p = 0; p < poss || shots < shot_points; p++) {
			if (p < poss) {
				if (!who) {
					lua_pushboolean(L, roll(4) == 0);
					set_field(L, "B_game", "elam");
				}
				if (hook_point(L, ctx, fn, H_POSS, pl) < 0)
					return -1;
			}
			/* the shots of this possession, spread evenly; the first
			 * `posts` of the game's shots have a sim.shot.post */
			long long want = poss ? (p + 1) * shot_points / poss : shot_points;
			if (!who) {
				lua_pushstring(L, roll(100) < 34 ? "three_point" : "mid_range");
				set_field(L, "B_ctx", "shot_type");
				lua_pushnumber(L, (double)roll(100) / 100.0);
				set_field(L, "B_shooter", "stamina");
			}
			for (; shots < want; shots++)
				if (shot(L, ctx, fn, shots < posts, who, pl) < 0)
					return -1;
			if (!who) {
				lua_pushnil(L);
				set_field(L, "B_ctx", "shot_type");
			}
		}
		if (g % 100 == 99) /* the engine collects between games, too */
			lua_gc(L, LUA_GCCOLLECT);
	}
	pl->cpu_us = (clock_seconds(CLOCK_PROCESS_CPUTIME_ID) - c0) * 1e6 / (double)pl->games;
	return (clock_seconds(CLOCK_MONOTONIC) - t0) * 1e6 / (double)pl->games;
}

static int usage(void)
{
	fprintf(stderr, "usage: lua_floor [--games N] [--possessions P] [--shots S] "
		"[--shot-posts T] [--script FILE] [--mode both|hook|bare] [DIR]\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *dir = "tests/bench/fx", *mode = "both", *script = NULL;
	plan_t pl = {.games = GAMES, .possessions = -1, .shots = -1, .posts = -1};
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		char *end;
		if (!strcmp(a, "--mode") && i + 1 < argc) {
			mode = argv[++i];
			if (strcmp(mode, "both") && strcmp(mode, "hook") && strcmp(mode, "bare"))
				return usage();
		} else if (!strcmp(a, "--script") && i + 1 < argc) {
			script = argv[++i];
		} else if ((!strcmp(a, "--games") || !strcmp(a, "--possessions") ||
			    !strcmp(a, "--shots") || !strcmp(a, "--shot-posts")) && i + 1 < argc) {
			long long v = strtoll(argv[++i], &end, 10);
			if (*end || v < 0 || (a[2] == 'g' && v < 1))
				return usage();
			if (a[2] == 'g')
				pl.games = (long)v;
			else if (a[2] == 'p')
				pl.possessions = v;
			else if (!strcmp(a, "--shots"))
				pl.shots = v;
			else
				pl.posts = v;
		} else if (a[0] == '-') {
			return usage();
		} else {
			dir = a;
		}
	}
	if (pl.possessions < 0)
		pl.possessions = (long long)POSSESSIONS * pl.games;
	if (pl.shots < 0)
		pl.shots = (long long)SHOTS * pl.games;
	if (pl.posts < 0 || pl.posts > pl.shots)
		pl.posts = pl.shots;
	lua_State *L = luaL_newstate();
	if (!L)
		return 1;
	luaL_openlibs(L);
	if (luaL_loadstring(L, views) != LUA_OK || lua_pcall(L, 0, 1, 0) != LUA_OK) {
		fprintf(stderr, "lua_floor: %s\n", lua_tostring(L, -1));
		return 1;
	}
	int ctx = lua_gettop(L);

	int fn[EFFECTS][H_COUNT];
	char path[512];
	if (script)
		snprintf(path, sizeof path, "%s", script);
	else
		snprintf(path, sizeof path, "%s/typical.lua", dir);
	for (int e = 0; e < EFFECTS; e++) {
		if (luaL_loadfilex(L, path, "t") != LUA_OK || lua_pcall(L, 0, 1, 0) != LUA_OK) {
			fprintf(stderr, "lua_floor: %s\n", lua_tostring(L, -1));
			return 1;
		}
		lua_getfield(L, -1, "hooks");
		int hooks = lua_gettop(L), any = 0;
		for (int h = 0; h < H_COUNT; h++) {
			lua_getfield(L, hooks, hook_names[h]);
			fn[e][h] = lua_isfunction(L, -1) ? lua_gettop(L) : 0;
			any += fn[e][h] != 0;
		}
		if (!any) {
			fprintf(stderr, "lua_floor: %s has none of sim.possession.pre, sim.shot.pre, "
				"sim.shot.post\n", path);
			return 1;
		}
	}
	lua_gc(L, LUA_GCSTOP); /* as the engine: no collection while scripts run */

	bool bare = strcmp(mode, "hook") != 0, hooked = strcmp(mode, "bare") != 0;
	double us_bare = 0, us_hooked = 0, cpu_bare = 0, cpu_hooked = 0;
	long long calls_bare = 0, calls_hooked = 0;
	if (bare) {
		us_bare = run(L, ctx, fn, &pl);
		calls_bare = pl.calls;
		cpu_bare = pl.cpu_us;
	}
	if (hooked && us_bare >= 0) {
		lua_sethook(L, count_hook, LUA_MASKCOUNT, 1000);
		us_hooked = run(L, ctx, fn, &pl);
		calls_hooked = pl.calls;
		cpu_hooked = pl.cpu_us;
	}
	if (us_bare < 0 || us_hooked < 0) {
		fprintf(stderr, "lua_floor: %s\n", lua_tostring(L, -1));
		return 1;
	}
	if (hooked)
		printf("games=%ld calls=%lld us_per_game_count_hook=%.1f ns_per_call=%.1f "
		       "cpu_us_per_game=%.1f\n", pl.games, calls_hooked, us_hooked,
		       us_hooked * 1000 * (double)pl.games / (double)(calls_hooked ? calls_hooked : 1),
		       cpu_hooked);
	if (bare)
		printf("games=%ld calls=%lld us_per_game_no_hook=%.1f ns_per_call=%.1f "
		       "cpu_us_per_game=%.1f\n", pl.games, calls_bare, us_bare,
		       us_bare * 1000 * (double)pl.games / (double)(calls_bare ? calls_bare : 1),
		       cpu_bare);
	lua_close(L);
	return 0;
}
