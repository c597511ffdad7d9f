/*
 * api.c — what a script sees as ctx: read-only views of the game, and the
 * three services (ctx.random, ctx.meta, ctx.log).
 *
 * Views are made once per engine and reused by every game. A C __index call
 * costs a few hundred instructions, several times a table hit, so what
 * effects read most is served from backing tables instead: tables that keep
 * the fields read so far, in the game's current state, where a read is a
 * lookup inside the VM. A read that misses falls through to the backing
 * table's own __index (backing_miss), which computes the field, keeps it
 * unless nil, and raises for names the view does not have.
 *
 *   - ctx, ctx.game and the two team views of a game are frozen tables (an
 *     empty proxy whose __index is a backing table), brought up to date
 *     once per hook point, not per effect: each kept field is compared
 *     with the game in C and rewritten only if it changed. Each sim hook
 *     has a ctx of its own with its own backing table, so a field that
 *     exists at some hooks only (ctx.shooter) stays kept from one of them
 *     to the next, and no hook point changes which table a ctx reads.
 *   - hooper views are userdata whose __index is a backing table as well,
 *     kept field by field. What stays the same for a game (id, name, ...)
 *     is kept once read; a live field (stamina, fouls, ...) is kept once
 *     read, and at a later hook point forgotten only if its value changed,
 *     so the next read of it computes it again. A hooper's live fields
 *     change at nearly every possession and most are read seldom: a hook
 *     point costs each one read since its last change, never the whole
 *     view.
 *   - rosters on the floor, moves and rules are userdata whose __index
 *     reads the live game state of the current call; they are read less
 *     often.
 *
 * None can be written (__newindex raises, rawset refuses frozen tables and
 * userdata, the metatables and backing tables are out of reach), so no
 * effect can change what another one sees. Every game starts with empty
 * backing tables, so which reads miss (and which call pays for the C call
 * a miss makes) follows from this game's effects alone; what a miss keeps
 * is the engine's and charged to nobody. Round hooks see their context as
 * views over the caller's cJSON that expire when the call ends.
 */
#include "effects/fx_int.h"

#include <assert.h>
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/sim/hooks.h"
#include "core/sim/moves.h"
#include "core/sim/teams.h"

enum {
	V_CTX,    /* round sessions; games use a frozen table (see below) */
	V_RULES,
	V_HOOPER, /* a = team, b = roster slot; reads go to a backing table */
	V_FLOOR,  /* a = team */
	V_MOVES,  /* a = team, b = slot */
	V_JSON,
};

typedef struct fx_view {
	int kind;
	int a, b;
	uint32_t gen;
	const cJSON *json;
} fx_view_t;

/* Slots of the persistent views in the views table (upvalue 1 of __index).
 * S_GAME and S_TEAM hold the frozen tables of game sessions. */
enum {
	S_CTX = 1,
	S_GAME,
	S_RULES,
	S_TEAM,                              /* 2 */
	S_HOOPER = S_TEAM + 2,               /* 2 × roster */
	S_FLOOR = S_HOOPER + 2 * PW_ROSTER_SIZE,
	S_MOVES = S_FLOOR + 2,               /* 2 × roster */
	S_META = S_MOVES + 2 * PW_ROSTER_SIZE,
	S_COUNT = S_META
};

/* The registry slot of the table that holds a game session's objects
 * (GS_* below); in the metatable of a game's frozen table or hooper view,
 * the VK_* kind of the view. */
static const char gs_key;

static void push_view(lua_State *L, int slot)
{
	lua_rawgeti(L, lua_upvalueindex(1), slot);
}

static int no_field(lua_State *L, const char *what)
{
	const char *k = lua_type(L, 2) == LUA_TSTRING ? lua_tostring(L, 2) : NULL;
	if (k)
		return luaL_error(L, "%s has no field '%s'", what, k);
	return luaL_error(L, "%s has no field of that kind (%s key)", what, luaL_typename(L, 2));
}

static const pw_game_state_t *cur_game(lua_State *L)
{
	const pw_hook_ctx_t *c = fx__rt_sim_ctx(L);
	if (!c || !c->game)
		luaL_error(L, "the game is not available here");
	return c->game;
}

/* The views-table slot of a live hooper of game g, or -1. Pointer
 * arithmetic over the contiguous [2][roster] array instead of a search:
 * this runs for seven fields at every hook point. */
static int hooper_view_slot(const pw_game_state_t *g, const pw_live_hooper_t *p)
{
	uintptr_t base = (uintptr_t)&g->hooper[0][0], x = (uintptr_t)p;
	uintptr_t size = sizeof g->hooper[0][0];
	if (!p || x < base || x >= base + 2 * PW_ROSTER_SIZE * size || (x - base) % size)
		return -1;
	return S_HOOPER + (int)((x - base) / size);
}

static int push_json(lua_State *L, const cJSON *j, uint32_t gen)
{
	if (!j || cJSON_IsNull(j)) {
		lua_pushnil(L);
	} else if (cJSON_IsBool(j)) {
		lua_pushboolean(L, cJSON_IsTrue(j));
	} else if (cJSON_IsNumber(j)) {
		double d = j->valuedouble;
		if (d == floor(d) && fabs(d) < 9007199254740992.0)
			lua_pushinteger(L, (lua_Integer)d);
		else
			lua_pushnumber(L, d);
	} else if (cJSON_IsString(j)) {
		lua_pushstring(L, j->valuestring ? j->valuestring : "");
	} else if (cJSON_IsArray(j) || cJSON_IsObject(j)) {
		fx_view_t *v = lua_newuserdatauv(L, sizeof *v, 0);
		*v = (fx_view_t){.kind = V_JSON, .gen = gen, .json = j};
		lua_rawgetp(L, LUA_REGISTRYINDEX, &fx__key_viewmt);
		lua_setmetatable(L, -2);
	} else {
		lua_pushnil(L);
	}
	return 1;
}

/* --- field names ----------------------------------------------------------- */

/*
 * Every field name a view knows, as a small integer: __index looks the key
 * up once in a table (a hash of an interned string) instead of comparing
 * strings, which is most of what a field read would otherwise cost.
 */
#define FX_KEYS(X) \
	X(HOOK, "hook") X(GAME, "game") X(RULES, "rules") X(OFFENSE, "offense") \
	X(DEFENSE, "defense") X(HANDLER, "handler") X(SHOOTER, "shooter") \
	X(DEFENDER, "defender") X(STEALER, "stealer") X(FOULER, "fouler") X(FOULED, "fouled") \
	X(REBOUNDER, "rebounder") X(SHOT_TYPE, "shot_type") X(PROBABILITY, "probability") \
	X(MADE, "made") X(POINTS, "points") X(FREE_THROWS, "free_throws") \
	X(OFFENSIVE, "offensive") X(RANDOM, "random") X(META, "meta") X(LOG, "log") \
	X(ID, "id") X(ROUND, "round") X(QUARTER, "quarter") X(CLOCK, "clock") \
	X(POSSESSION, "possession") X(HOME_TEAM_ID, "home_team_id") \
	X(AWAY_TEAM_ID, "away_team_id") X(HOME_SCORE, "home_score") X(AWAY_SCORE, "away_score") \
	X(ELAM, "elam") X(ELAM_TARGET, "elam_target") X(WINNER_TEAM_ID, "winner_team_id") \
	X(MARGIN, "margin") X(TEAM_ID, "team_id") X(NAME, "name") X(HOOPERS, "hoopers") \
	X(SCORE, "score") X(HOME, "home") X(AWAY, "away") X(ARCHETYPE, "archetype") X(STAMINA_NOW, "stamina") \
	X(FOULS, "fouls") X(MOVES, "moves") X(ON_FLOOR, "on_floor") X(FOULED_OUT, "fouled_out") \
	X(IS_STARTER, "is_starter")

enum {
	K_NONE,
#define FX_KEY_ENUM(id, name) K_##id,
	FX_KEYS(FX_KEY_ENUM)
#undef FX_KEY_ENUM
	K_ATTR, /* K_ATTR + attribute index (stamina is K_STAMINA_NOW: live, 0..1) */
};

static const char *const key_names[] = {
	"",
#define FX_KEY_NAME(id, name) name,
	FX_KEYS(FX_KEY_NAME)
#undef FX_KEY_NAME
};

static size_t key_slot(const char *s)
{
	return (size_t)(((uintptr_t)s >> 4) * 2654435761u) % FX__KEYHASH;
}

/* The id of the key at index 2 (0 when unknown). Field names are short
 * strings, which Lua keeps one copy of, so a key equal to a name is that
 * very string: it is found by its address (key_hash_fill), without a
 * table lookup through the API. */
static int key_id(lua_State *L)
{
	if (lua_type(L, 2) != LUA_TSTRING)
		return K_NONE;
	const char *s = lua_tostring(L, 2);
	const fx__sbx_t *S = fx__sbx_of(L);
	for (size_t i = key_slot(s);; i = (i + 1) % FX__KEYHASH) {
		if (S->keyhash[i].s == s)
			return S->keyhash[i].id;
		if (!S->keyhash[i].s)
			return K_NONE;
	}
}

/* Fills the sandbox's key_id table from the table of ids at idx (which
 * keeps the names alive for the engine's life). */
static void key_hash_fill(lua_State *L, int idx)
{
	fx__sbx_t *S = fx__sbx_of(L);
	lua_pushnil(L);
	while (lua_next(L, idx)) {
		const char *s = lua_tostring(L, -2);
		size_t i = key_slot(s);
		while (S->keyhash[i].s)
			i = (i + 1) % FX__KEYHASH;
		S->keyhash[i].s = s;
		S->keyhash[i].id = (int)lua_tointeger(L, -1);
		lua_pop(L, 1);
	}
}

/* --- ctx ---------------------------------------------------------------- */

static int ctx_common(lua_State *L, int k)
{
	switch (k) {
	case K_HOOK:
		lua_pushstring(L, fx_hook_name(fx__rt_hook(L)));
		return 1;
	case K_RANDOM:
		lua_pushcfunction(L, fx__api_random);
		return 1;
	case K_META:
		push_view(L, S_META);
		return 1;
	case K_LOG:
		lua_rawgetp(L, LUA_REGISTRYINDEX, &fx__key_tostring); /* the log function */
		return 1;
	}
	return 0;
}

static int push_if(lua_State *L, bool cond)
{
	if (!cond)
		lua_pushnil(L);
	return cond;
}

static int ctx_round(lua_State *L, int k)
{
	if (ctx_common(L, k))
		return 1;
	if (k == K_RULES) {
		if (push_if(L, fx__rt_rules(L) != NULL))
			push_view(L, S_RULES);
		return 1;
	}
	uint32_t gen;
	const cJSON *j = fx__rt_json_ctx(L, &gen);
	const cJSON *it = j && lua_type(L, 2) == LUA_TSTRING
				  ? cJSON_GetObjectItemCaseSensitive(j, lua_tostring(L, 2)) : NULL;
	if (it)
		return push_json(L, it, gen);
	/* fields a round hook may or may not get are nil, not errors */
	static const char *const optional[] = {"round", "standings", "game", "winner_team_id",
					       "margin", "proposals", "tallies", "report"};
	for (size_t i = 0; i < sizeof optional / sizeof *optional; i++)
		if (lua_type(L, 2) == LUA_TSTRING && strcmp(lua_tostring(L, 2), optional[i]) == 0) {
			lua_pushnil(L);
			return 1;
		}
	return no_field(L, "ctx");
}

/* --- game, rules, team, hooper ------------------------------------------ */

static int rules_index(lua_State *L)
{
	const pw_rules_t *r = fx__rt_rules(L);
	const pw_rule_def_t *d = lua_type(L, 2) == LUA_TSTRING ? rules_find(lua_tostring(L, 2)) : NULL;
	if (!r)
		return luaL_error(L, "ctx.rules is not available here");
	if (!d)
		return no_field(L, "ctx.rules");
	double v = rules_get(r, d);
	if (d->type == PW_RULE_BOOL)
		lua_pushboolean(L, v != 0);
	else if (d->type == PW_RULE_INT)
		lua_pushinteger(L, (lua_Integer)v);
	else
		lua_pushnumber(L, v);
	return 1;
}

static int json_index(lua_State *L, const fx_view_t *v)
{
	uint32_t gen;
	fx__rt_json_ctx(L, &gen);
	if (v->gen != gen)
		return luaL_error(L, "this context view has expired (it belonged to an "
				  "earlier hook call)");
	const cJSON *it = NULL;
	if (cJSON_IsArray(v->json)) {
		if (!lua_isinteger(L, 2))
			return push_json(L, NULL, gen);
		lua_Integer i = lua_tointeger(L, 2);
		if (i >= 1 && i <= cJSON_GetArraySize(v->json))
			it = cJSON_GetArrayItem(v->json, (int)(i - 1));
	} else if (lua_type(L, 2) == LUA_TSTRING) {
		it = cJSON_GetObjectItemCaseSensitive(v->json, lua_tostring(L, 2));
	}
	return push_json(L, it, gen);
}

static int view_index(lua_State *L)
{
	const fx_view_t *v = lua_touserdata(L, 1);
	if (v->kind == V_JSON)
		return json_index(L, v);
	if (v->kind == V_FLOOR || v->kind == V_MOVES) {
		const pw_game_state_t *g = cur_game(L);
		lua_Integer i = lua_isinteger(L, 2) ? lua_tointeger(L, 2) : 0;
		if (v->kind == V_FLOOR) {
			if (i < 1 || i > PW_ON_FLOOR)
				return lua_pushnil(L), 1;
			int s = g->on_floor[v->a][i - 1];
			if (s < 0 || s >= PW_ROSTER_SIZE)
				return lua_pushnil(L), 1;
			push_view(L, S_HOOPER + v->a * PW_ROSTER_SIZE + s);
			return 1;
		}
		const pw_live_hooper_t *lh = &g->hooper[v->a][v->b];
		if (i < 1 || i > lh->n_moves || lh->moves[i - 1] < 0 || lh->moves[i - 1] >= PW_MOVE_COUNT)
			return lua_pushnil(L), 1;
		lua_pushstring(L, moves_def(lh->moves[i - 1])->name);
		return 1;
	}
	int k = key_id(L);
	switch (v->kind) {
	case V_CTX: /* only round sessions use the userdata ctx */
		return ctx_round(L, k);
	case V_RULES:
		return rules_index(L);
	}
	return no_field(L, "ctx");
}

static int view_newindex(lua_State *L)
{
	return luaL_error(L, "ctx is read-only: effects change the game by returning a result");
}

static int view_len(lua_State *L)
{
	const fx_view_t *v = lua_touserdata(L, 1);
	lua_Integer n = 0;
	if (v->kind == V_FLOOR)
		n = PW_ON_FLOOR;
	else if (v->kind == V_MOVES)
		n = cur_game(L)->hooper[v->a][v->b].n_moves;
	else if (v->kind == V_JSON && cJSON_IsArray(v->json))
		n = cJSON_GetArraySize(v->json);
	lua_pushinteger(L, n);
	return 1;
}

static int table_view_snapshot(lua_State *L, int idx);

/* What listing a view's fields (pairs, next) costs a script, in instruction
 * units: some 20 to 40 reads, many of them C calls of a few hundred
 * machine instructions each. next() lists them anew at every step. */
#define SNAPSHOT_UNITS 1000

bool fx__api_view_snapshot(lua_State *L, int idx)
{
	idx = lua_absindex(L, idx);
	if (lua_type(L, idx) == LUA_TTABLE)
		return table_view_snapshot(L, idx);
	/* a view: the view metatable, or a hooper view's own (marked) */
	int top = lua_gettop(L);
	lua_rawgetp(L, LUA_REGISTRYINDEX, &fx__key_viewmt);
	bool view = lua_getmetatable(L, idx) &&
		    (lua_rawequal(L, -1, -2) || lua_rawgetp(L, -1, &gs_key) != LUA_TNIL);
	lua_settop(L, top);
	if (!view)
		return false;
	fx__charge(L, SNAPSHOT_UNITS);
	const fx_view_t *v = lua_touserdata(L, idx);
	lua_newtable(L);
	int out = lua_gettop(L);
	if (v->kind == V_FLOOR || v->kind == V_MOVES ||
	    (v->kind == V_JSON && cJSON_IsArray(v->json))) {
		lua_len(L, idx);
		lua_Integer n = lua_tointeger(L, -1);
		lua_pop(L, 1);
		for (lua_Integer i = 1; i <= n; i++) {
			lua_geti(L, idx, i);
			lua_rawseti(L, out, i);
		}
		return true;
	}
	static const char *const hooper_keys[] = {
		"id", "name", "team_id", "archetype", "scoring", "passing", "defense", "speed",
		"stamina", "iq", "ego", "chaotic_alignment", "fate", "fouls", "points", "moves",
		"on_floor", "fouled_out", "is_starter", NULL};
	const char *const *keys = v->kind == V_HOOPER ? hooper_keys : NULL;
	if (keys) {
		for (; *keys; keys++) {
			lua_getfield(L, idx, *keys);
			lua_setfield(L, out, *keys);
		}
	} else if (v->kind == V_RULES) {
		for (size_t i = 0; i < rules_count; i++) {
			lua_getfield(L, idx, rules_defs[i].name);
			lua_setfield(L, out, rules_defs[i].name);
		}
	} else if (v->kind == V_JSON) {
		uint32_t gen;
		fx__rt_json_ctx(L, &gen);
		if (v->gen != gen)
			luaL_error(L, "this context view has expired");
		for (const cJSON *it = v->json->child; it; it = it->next)
			if (it->string) {
				push_json(L, it, gen);
				lua_setfield(L, out, it->string);
			}
	}
	/* ctx itself: iterate nothing (its fields depend on the hook) */
	return true;
}

/* --- services ------------------------------------------------------------ */

int fx__api_random(lua_State *L)
{
	pw_rng_t *r = fx__rt_rng(L);
	if (!r)
		return luaL_error(L, "random numbers are not available here");
	int n = lua_gettop(L);
	lua_Integer lo, hi;
	if (n == 0) {
		lua_pushnumber(L, rng_uniform(r));
		return 1;
	}
	if (n == 1) {
		lo = 1;
		hi = luaL_checkinteger(L, 1);
		if (hi == 0) { /* as math.random(0): a whole random integer */
			lua_pushinteger(L, (lua_Integer)rng_next(r));
			return 1;
		}
	} else if (n == 2) {
		lo = luaL_checkinteger(L, 1);
		hi = luaL_checkinteger(L, 2);
	} else {
		return luaL_error(L, "wrong number of arguments to random");
	}
	luaL_argcheck(L, lo <= hi, n, "interval is empty");
	uint64_t span = (uint64_t)hi - (uint64_t)lo;
	luaL_argcheck(L, span < 0xffffffffu, n, "interval too large (at most 2^32 - 1 values)");
	lua_pushinteger(L, (lua_Integer)((uint64_t)lo + rng_below(r, (uint32_t)(span + 1))));
	return 1;
}

static void push_value(lua_State *L, const fx_value_t *v)
{
	switch (v->type) {
	case FX_VAL_INT: lua_pushinteger(L, v->i); break;
	case FX_VAL_NUM: lua_pushnumber(L, v->n); break;
	case FX_VAL_BOOL: lua_pushboolean(L, v->b); break;
	case FX_VAL_STR: lua_pushstring(L, v->s); break;
	default: lua_pushnil(L); break;
	}
}

static void meta_key(lua_State *L, fx_meta_key_t *k, const char *fn)
{
	const char *kind = luaL_checkstring(L, 1);
	int kd = fx_meta_kind_find(kind);
	if (kd < 0)
		luaL_error(L, "meta.%s: kind must be \"team\", \"hooper\", \"game\" or \"season\", "
			   "not \"%s\"", fn, kind);
	k->kind = (fx_meta_kind_t)kd;
	if (!lua_isinteger(L, 2)) {
		lua_Number d = lua_type(L, 2) == LUA_TNUMBER ? lua_tonumber(L, 2) : NAN;
		if (!(d == floor(d) && fabs(d) < 9e15))
			luaL_error(L, "meta.%s: id must be an integer (got %s)", fn, luaL_typename(L, 2));
		k->id = (int64_t)d;
	} else {
		k->id = lua_tointeger(L, 2);
	}
	size_t kl;
	const char *key = luaL_checklstring(L, 3, &kl);
	if (kl == 0 || kl > FX_META_KEY_MAX)
		luaL_error(L, "meta.%s: key must be 1 to %d bytes", fn, FX_META_KEY_MAX);
	memcpy(k->key, key, kl);
	k->key[kl] = 0;
}

static int meta_get(lua_State *L)
{
	fx_meta_key_t k;
	fx_value_t v;
	meta_key(L, &k, "get");
	if (fx__rt_meta_get(L, &k, &v))
		push_value(L, &v);
	else
		lua_pushnil(L);
	return 1;
}

static void read_number(lua_State *L, int idx, fx_value_t *v, const char *fn)
{
	if (lua_isinteger(L, idx)) {
		v->type = FX_VAL_INT;
		v->i = lua_tointeger(L, idx);
	} else if (lua_type(L, idx) == LUA_TNUMBER) {
		v->type = FX_VAL_NUM;
		v->n = lua_tonumber(L, idx);
		if (!isfinite(v->n))
			luaL_error(L, "meta.%s: numbers must be finite", fn);
	} else {
		luaL_error(L, "meta.%s: expected a number, got %s", fn, luaL_typename(L, idx));
	}
}

static int meta_write(lua_State *L, fx_meta_opcode_t opc, const char *fn)
{
	fx_meta_op_t op;
	memset(&op, 0, sizeof op);
	meta_key(L, &op.k, fn);
	op.op = opc;
	if (opc == FX_META_SET) {
		switch (lua_type(L, 4)) {
		case LUA_TNIL:
		case LUA_TNONE:
			op.v.type = FX_VAL_NIL;
			break;
		case LUA_TBOOLEAN:
			op.v.type = FX_VAL_BOOL;
			op.v.b = lua_toboolean(L, 4);
			break;
		case LUA_TNUMBER:
			read_number(L, 4, &op.v, fn);
			break;
		case LUA_TSTRING: {
			size_t l;
			const char *s = lua_tolstring(L, 4, &l);
			if (l > FX_META_STR_MAX)
				return luaL_error(L, "meta.set: strings are at most %d bytes", FX_META_STR_MAX);
			op.v.type = FX_VAL_STR;
			memcpy(op.v.s, s, l);
			op.v.s[l] = 0;
			if (strlen(op.v.s) != l)
				return luaL_error(L, "meta.set: strings may not contain NUL bytes");
			break;
		}
		default:
			return luaL_error(L, "meta.set: values are numbers, strings or booleans, not %s",
					  luaL_typename(L, 4));
		}
	} else if (opc == FX_META_INCR) {
		if (lua_isnoneornil(L, 4)) {
			op.v.type = FX_VAL_INT;
			op.v.i = 1;
		} else {
			read_number(L, 4, &op.v, fn);
		}
	}
	fx_value_t after;
	fx__rt_meta_write(L, &op, &after);
	push_value(L, &after);
	return 1;
}

static int meta_set(lua_State *L) { return meta_write(L, FX_META_SET, "set"); }
static int meta_incr(lua_State *L) { return meta_write(L, FX_META_INCR, "incr"); }
static int meta_toggle(lua_State *L) { return meta_write(L, FX_META_TOGGLE, "toggle"); }

static int api_log(lua_State *L)
{
	int n = lua_gettop(L);
	luaL_Buffer b;
	luaL_buffinit(L, &b);
	for (int i = 1; i <= n; i++) {
		size_t l;
		const char *s = fx__tostring(L, i, &l);
		if (i > 1)
			luaL_addchar(&b, ' ');
		luaL_addlstring(&b, s, l > 1024 ? 1024 : l);
		lua_pop(L, 1);
	}
	luaL_pushresult(&b);
	size_t l;
	const char *s = lua_tolstring(L, -1, &l);
	fx__rt_log(L, s, l);
	return 0;
}

static void new_view(lua_State *L, int views, int slot, int kind, int a, int b)
{
	fx_view_t *v = lua_newuserdatauv(L, sizeof *v, 0);
	*v = (fx_view_t){.kind = kind, .a = a, .b = b};
	lua_rawgetp(L, LUA_REGISTRYINDEX, &fx__key_viewmt);
	lua_setmetatable(L, -2);
	lua_rawseti(L, views, slot);
}

/* --- game sessions: backing tables for ctx, game, teams and hoopers ------- */

/*
 * Rows: each is one backing table and the bookkeeping of what it keeps.
 * ctx has a row per sim hook, read by that hook's own ctx proxy: a field
 * that exists at some hooks only (ctx.shooter at sim.shot.pre, not at
 * sim.possession.pre) then stays kept from one shot.pre to the next
 * instead of being forgotten at every possession.pre in between and
 * missed again. Each hooper view has a row of its own.
 */
enum {
	ROW_CTX,                                 /* + hook */
	ROW_GAME = ROW_CTX + PW_SIM_HOOK_COUNT,
	ROW_TEAM,                                /* + team */
	ROW_HOOPER = ROW_TEAM + 2,               /* + team × roster + slot */
	ROW_COUNT = ROW_HOOPER + 2 * PW_ROSTER_SIZE
};
_Static_assert(ROW_COUNT == FX__GCTX_ROWS, "fx_int.h counts the rows");

/* What a proxy's metatable says it is (pairs lists the fields by kind). */
enum { VK_CTX, VK_GAME, VK_TEAM, VK_HOOPER };

/* Stack slots of a game session, on its thread (fx__api_push_game_ctx), where
 * fx__api_refresh finds the tables it rewrites; the hook functions go above. */
enum {
	GS_CTX = 1,  /* + hook: the ctx proxy of each sim hook (FX__CTX_SLOT) */
	GS_KEYS = GS_CTX + PW_SIM_HOOK_COUNT, /* interned strings by key id: field
					       * names, shot types */
	GS_VIEWS,    /* the views table */
	GS_ROWS,     /* the backing tables, by row + 1 */
	GS_BACKING,  /* + row: where a refresh reaches them */
	GS_COUNT = GS_BACKING + ROW_COUNT - 1
};
_Static_assert(GS_COUNT == FX__GCTX_SLOTS, "fx_int.h counts the slots");
_Static_assert(GS_CTX == FX__CTX_SLOT(0), "fx_int.h knows where ctx is");

/* GS_KEYS beyond the field ids: strings a refresh writes, made once so
 * that writing them never allocates. */
#define KEY_SHOT0 (K_ATTR + PW_ATTR_COUNT)       /* + shot type: its name */
#define KEY_COUNT (KEY_SHOT0 + PW_SHOT_TYPES)

_Static_assert(K_ATTR + PW_ATTR_COUNT <= FX__GCTX_KEYS, "FX__GCTX_KEYS must cover every field id");

static int row_kind(int row)
{
	if (row < ROW_GAME)
		return VK_CTX;
	if (row == ROW_GAME)
		return VK_GAME;
	return row < ROW_HOOPER ? VK_TEAM : VK_HOOPER;
}

/* Fields that stay the same for a whole game; the others are checked at
 * every hook point (a hooper's at the first read of it there). */
static bool per_game(int row, int k)
{
	switch (row_kind(row)) {
	case VK_GAME:
		return k == K_ID || k == K_ROUND || k == K_HOME_TEAM_ID || k == K_AWAY_TEAM_ID;
	case VK_TEAM:
		return k == K_TEAM_ID || k == K_ID || k == K_NAME;
	case VK_HOOPER:
		return k == K_ID || k == K_NAME || k == K_TEAM_ID || k == K_ARCHETYPE || k == K_IS_STARTER;
	}
	return false;
}

/* Kinds of fx__fval_t. Strings that can change within a game are interned
 * key strings (FX_FV_KEY: an index into GS_KEYS), so comparing two values
 * never reads memory a past game may have freed, and rewriting one at a
 * hook point never allocates. FX_FV_STR is for per-game fields only. */
enum { FX_FV_NIL, FX_FV_BOOL, FX_FV_INT, FX_FV_NUM, FX_FV_VIEW, FX_FV_KEY, FX_FV_STR };

static bool fval_same(const fx__fval_t *a, const fx__fval_t *b)
{
	if (a->type != b->type)
		return false;
	switch (a->type) {
	case FX_FV_NIL:
		return true;
	case FX_FV_NUM: /* bitwise: 0.0 and -0.0 print differently */
		return memcmp(&a->u.n, &b->u.n, sizeof a->u.n) == 0;
	case FX_FV_STR:
		return a->u.s == b->u.s;
	default:
		return a->u.i == b->u.i;
	}
}

#define FV_SET(v, t, field, x) ((v)->type = (t), (v)->u.field = (x))

static void fv_view(fx__fval_t *v, int slot)
{
	if (slot < 0)
		v->type = FX_FV_NIL;
	else
		FV_SET(v, FX_FV_VIEW, i, slot);
}

/* Field k of ctx at hook point c (the hook name is set once per row). */
static bool ctx_value(const pw_hook_ctx_t *c, int k, fx__fval_t *v)
{
	const pw_game_state_t *g = c->game;
	int h = (int)c->hook;
	switch (k) {
	case K_OFFENSE: fv_view(v, c->offense >= 0 ? S_TEAM + c->offense : -1); break;
	case K_DEFENSE:
	case K_ATTR + PW_ATTR_DEFENSE: /* one name, two meanings: ctx.defense is the team */
		fv_view(v, c->offense >= 0 ? S_TEAM + 1 - c->offense : -1);
		break;
	case K_HANDLER: fv_view(v, hooper_view_slot(g, c->handler)); break;
	case K_SHOOTER: fv_view(v, hooper_view_slot(g, c->shooter)); break;
	case K_DEFENDER: fv_view(v, hooper_view_slot(g, c->defender)); break;
	case K_STEALER: fv_view(v, hooper_view_slot(g, c->stealer)); break;
	case K_FOULER: fv_view(v, hooper_view_slot(g, c->fouler)); break;
	case K_FOULED: fv_view(v, hooper_view_slot(g, c->fouled)); break;
	case K_REBOUNDER: fv_view(v, hooper_view_slot(g, c->rebounder)); break;
	case K_SHOT_TYPE:
		if ((h == PW_HOOK_SHOT_PRE || h == PW_HOOK_SHOT_POST) && c->shot_type >= 0 &&
		    c->shot_type < PW_SHOT_TYPES)
			FV_SET(v, FX_FV_KEY, i, KEY_SHOT0 + c->shot_type);
		break;
	case K_PROBABILITY:
		if (h == PW_HOOK_SHOT_PRE)
			FV_SET(v, FX_FV_NUM, n, c->probability);
		break;
	case K_MADE:
		if (h == PW_HOOK_SHOT_POST)
			FV_SET(v, FX_FV_BOOL, i, c->made);
		break;
	case K_POINTS:
		if (h == PW_HOOK_SHOT_POST)
			FV_SET(v, FX_FV_INT, i, c->points);
		break;
	case K_FREE_THROWS:
		if (h == PW_HOOK_FOUL_POST)
			FV_SET(v, FX_FV_INT, i, c->free_throws);
		break;
	case K_OFFENSIVE:
		if (h == PW_HOOK_REBOUND_POST)
			FV_SET(v, FX_FV_BOOL, i, c->offensive);
		break;
	default:
		/* hook, game, rules, home, away, random, meta, log are set once */
		return false;
	}
	return true;
}

static bool game_value(const pw_game_state_t *g, int k, fx__fval_t *v)
{
	bool over = g->winner == 0 || g->winner == 1;
	switch (k) {
	case K_ID: FV_SET(v, FX_FV_INT, i, g->game_id); break;
	case K_ROUND: FV_SET(v, FX_FV_INT, i, g->round); break;
	case K_QUARTER: FV_SET(v, FX_FV_INT, i, g->quarter); break;
	case K_CLOCK:
		if (!g->elam && g->clock >= 0)
			FV_SET(v, FX_FV_NUM, n, g->clock);
		break;
	case K_POSSESSION: FV_SET(v, FX_FV_INT, i, g->possession); break;
	case K_HOME_TEAM_ID: FV_SET(v, FX_FV_INT, i, g->team[0] ? g->team[0]->id : 0); break;
	case K_AWAY_TEAM_ID: FV_SET(v, FX_FV_INT, i, g->team[1] ? g->team[1]->id : 0); break;
	case K_HOME_SCORE: FV_SET(v, FX_FV_INT, i, g->score[0]); break;
	case K_AWAY_SCORE: FV_SET(v, FX_FV_INT, i, g->score[1]); break;
	case K_ELAM: FV_SET(v, FX_FV_BOOL, i, g->elam); break;
	case K_ELAM_TARGET:
		if (g->elam_target > 0)
			FV_SET(v, FX_FV_INT, i, g->elam_target);
		break;
	case K_WINNER_TEAM_ID:
		if (over)
			FV_SET(v, FX_FV_INT, i, g->team[g->winner] ? g->team[g->winner]->id : 0);
		break;
	case K_MARGIN:
		if (over)
			FV_SET(v, FX_FV_INT, i, g->score[g->winner] - g->score[1 - g->winner]);
		break;
	default:
		return false;
	}
	return true;
}

static bool team_value(const pw_game_state_t *g, int t, int k, fx__fval_t *v)
{
	const pw_team_t *team = g->team[t];
	switch (k) {
	case K_TEAM_ID:
	case K_ID: FV_SET(v, FX_FV_INT, i, team ? team->id : 0); break;
	case K_NAME: FV_SET(v, FX_FV_STR, s, team ? team->name : ""); break;
	case K_SCORE: FV_SET(v, FX_FV_INT, i, g->score[t]); break;
	default: return false; /* hoopers and home are set once */
	}
	return true;
}

static bool hooper_value(const pw_game_state_t *g, int t, int s, int k, fx__fval_t *v)
{
	const pw_live_hooper_t *lh = &g->hooper[t][s];
	const pw_hooper_t *h = lh->h;
	if (k >= K_ATTR && k < K_ATTR + PW_ATTR_COUNT) {
		FV_SET(v, FX_FV_INT, i, lh->attr[k - K_ATTR]);
		return true;
	}
	switch (k) {
	case K_ID: FV_SET(v, FX_FV_INT, i, h ? h->id : 0); break;
	case K_NAME: FV_SET(v, FX_FV_STR, s, h ? h->name : ""); break;
	case K_TEAM_ID: FV_SET(v, FX_FV_INT, i, g->team[t] ? g->team[t]->id : (h ? h->team_id : 0)); break;
	case K_ARCHETYPE: {
		const char *arch = h ? teams_archetype_name(h->archetype) : NULL;
		FV_SET(v, FX_FV_STR, s, arch ? arch : "");
		break;
	}
	case K_STAMINA_NOW: FV_SET(v, FX_FV_NUM, n, lh->stamina); break;
	case K_FOULS: FV_SET(v, FX_FV_INT, i, lh->fouls); break;
	case K_POINTS: FV_SET(v, FX_FV_INT, i, lh->points); break;
	case K_ON_FLOOR: FV_SET(v, FX_FV_BOOL, i, lh->on_floor); break;
	case K_FOULED_OUT: FV_SET(v, FX_FV_BOOL, i, lh->fouled_out); break;
	case K_IS_STARTER: FV_SET(v, FX_FV_BOOL, i, h && h->is_starter); break;
	default: return false; /* moves is set once */
	}
	return true;
}

/* Field k of row at hook point c into v (FX_FV_NIL when it has no value
 * here). Pure: reads the game state only. Returns false when row has no
 * such field. */
static bool field_value(const pw_hook_ctx_t *c, int row, int k, fx__fval_t *v)
{
	v->type = FX_FV_NIL;
	switch (row_kind(row)) {
	case VK_CTX: return ctx_value(c, k, v);
	case VK_GAME: return game_value(c->game, k, v);
	case VK_TEAM: return team_value(c->game, row - ROW_TEAM, k, v);
	}
	int i = row - ROW_HOOPER;
	return hooper_value(c->game, i / PW_ROSTER_SIZE, i % PW_ROSTER_SIZE, k, v);
}

/* Pushes v; views and keys are the indices of the views and GS_KEYS
 * tables. Allocates only for FX_FV_STR. */
static void push_fval(lua_State *L, int views, int keys, const fx__fval_t *v)
{
	switch (v->type) {
	case FX_FV_BOOL: lua_pushboolean(L, (int)v->u.i); break;
	case FX_FV_INT: lua_pushinteger(L, v->u.i); break;
	case FX_FV_NUM: lua_pushnumber(L, v->u.n); break;
	case FX_FV_VIEW: lua_rawgeti(L, views, v->u.i); break;
	case FX_FV_KEY: lua_rawgeti(L, keys, v->u.i); break;
	case FX_FV_STR: lua_pushstring(L, v->u.s); break;
	default: lua_pushnil(L); break;
	}
}

/* keep_field(backing, key, fval, views, keys, keep): pushes the value,
 * stores it under key when keep, returns it (backing_miss, protected). */
static int keep_field(lua_State *L)
{
	const fx__fval_t *v = lua_touserdata(L, 3);
	push_fval(L, 4, 5, v);
	if (lua_toboolean(L, 6)) {
		lua_pushvalue(L, 2);
		lua_pushvalue(L, -2);
		lua_rawset(L, 1);
	}
	return 1;
}

/*
 * __index of a backing table, reached when a read misses: the field is
 * computed from the live game state and, unless nil, kept in the backing
 * table (fx__api_refresh keeps it true at later hook points), so the next
 * read of it is a plain table hit. The game does not move while one hook
 * point's effects run, so the kept value stays true meanwhile.
 * Upvalues as view_index (1: the views, 2: the key ids), 3: the row and
 * 4: the GS_KEYS strings.
 */
static int backing_miss(lua_State *L)
{
	int row = (int)lua_tointeger(L, lua_upvalueindex(3));
	int k = key_id(L);
	const pw_hook_ctx_t *c = fx__rt_sim_ctx(L);
	if (!c || !c->game)
		return luaL_error(L, "ctx is only available inside a hook call");
	fx__fval_t v;
	if (!field_value(c, row, k, &v)) {
		static const char *const what[] = {"ctx", "ctx.game", "a team view", "a hooper view"};
		return no_field(L, what[row_kind(row)]);
	}
	/* Strings that can change within a game are interned keys: a string
	 * made here is a per-game field, compared by pointer only while its
	 * game lasts (fval_same) and never rewritten by a refresh. */
	assert(v.type != FX_FV_STR || per_game(row, k));
	/* the engine's own bookkeeping: a string made for the value or the
	 * table growing to keep it is not charged to the effect that happened
	 * to read first (it would depend on what earlier games left behind).
	 * Protected, so that the guards are back on even if it fails. */
	bool keep = v.type != FX_FV_NIL && k < FX__GCTX_KEYS;
	if (!keep && v.type != FX_FV_STR) { /* nothing to make or store: no allocation */
		push_fval(L, lua_upvalueindex(1), lua_upvalueindex(4), &v);
		return 1;
	}
	fx__sbx_t *S = fx__sbx_of(L);
	bool enforce = S->mem_enforce, in_call = S->in_call;
	lua_pushcfunction(L, keep_field);
	lua_pushvalue(L, 1);
	lua_pushvalue(L, 2);
	lua_pushlightuserdata(L, &v);
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_pushvalue(L, lua_upvalueindex(4));
	lua_pushboolean(L, keep);
	S->mem_enforce = false;
	S->in_call = false;
	int st = lua_pcall(L, 6, 1, 0);
	S->mem_enforce = enforce;
	S->in_call = in_call;
	if (st != LUA_OK)
		return lua_error(L);
	if (keep) {
		fx__gctx_t *x = fx__rt_gctx(L);
		if (per_game(row, k)) {
			x->game_fields[row] |= 1ull << k;
		} else {
			x->point_fields[row] |= 1ull << k;
			x->held[row][k] = v;
			if (row >= ROW_HOOPER)
				x->hooper_rows |= 1u << (row - ROW_HOOPER);
		}
	}
	return 1;
}

/*
 * Brings the point fields the backing table of row (at stack index b)
 * keeps up to date with hook point c; views and keys are the indices of
 * the views and GS_KEYS tables. A field whose value changed is rewritten
 * in place (its key is there: no allocation), or forgotten when it became
 * nil or when `forget` is set, so that its next read computes it again
 * (backing_miss).
 *
 * ctx, the game and the teams are rewritten: most of their fields hold
 * the same value from one hook point to the next (the quarter, elam, often
 * the offense), and comparing in C is a few instructions where forgetting
 * and missing again cost a C __index call at the next read. Hoopers
 * forget: their live fields change at nearly every possession and most
 * are read seldom, so rewriting would cost as much now and again at every
 * hook point after, for fields no effect may read again this game.
 */
static void row_refresh(lua_State *L, fx__gctx_t *x, const pw_hook_ctx_t *c, int row, int b,
			int views, int keys, bool forget)
{
	for (uint64_t m = x->point_fields[row]; m; m &= m - 1) {
		int k = __builtin_ctzll(m);
		fx__fval_t v;
		if (!field_value(c, row, k, &v))
			v.type = FX_FV_NIL; /* not reached: only fields that exist are kept */
		if (fval_same(&v, &x->held[row][k]))
			continue;
		if (forget)
			v.type = FX_FV_NIL;
		lua_rawgeti(L, keys, k);
		push_fval(L, views, keys, &v);
		lua_rawset(L, b);
		x->held[row][k] = v;
		if (v.type == FX_FV_NIL)
			x->point_fields[row] &= ~(1ull << k);
	}
}

void fx__api_refresh(lua_State *L, fx__gctx_t *x)
{
	if (x->fresh) {
		/* Another game: every field is read anew, so which reads miss
		 * (a C call, whose stack the script is charged for) depends on
		 * this game alone, never on what effects read in earlier ones. */
		for (int row = 0; row < FX__GCTX_ROWS; row++) {
			uint64_t kept = x->game_fields[row] | x->point_fields[row];
			if (!kept)
				continue;
			lua_rawgeti(L, GS_ROWS, row + 1);
			for (uint64_t m = kept; m; m &= m - 1) {
				lua_rawgeti(L, GS_KEYS, __builtin_ctzll(m));
				lua_pushnil(L);
				lua_rawset(L, -3);
			}
			lua_pop(L, 1);
			x->game_fields[row] = x->point_fields[row] = 0;
		}
		x->hooper_rows = 0;
	}
	const pw_hook_ctx_t *c = fx__rt_sim_ctx(L);
	int h = (int)c->hook;
	/* the rows a script reaches now: this hook's ctx, the game, the teams */
	const int now[] = {ROW_CTX + h, ROW_GAME, ROW_TEAM, ROW_TEAM + 1};
	for (size_t i = 0; i < sizeof now / sizeof *now; i++)
		if (x->point_fields[now[i]])
			row_refresh(L, x, c, now[i], GS_BACKING + now[i], GS_VIEWS, GS_KEYS, false);
	/* hoopers: each live field kept, if it changed, is read anew */
	for (uint32_t m = x->hooper_rows; m; m &= m - 1) {
		int row = ROW_HOOPER + __builtin_ctz(m);
		row_refresh(L, x, c, row, GS_BACKING + row, GS_VIEWS, GS_KEYS, true);
		if (!x->point_fields[row])
			x->hooper_rows &= ~(1u << (row - ROW_HOOPER));
	}
	x->fresh = false;
}

void fx__api_push_game_ctx(lua_State *L, fx__gctx_t *x)
{
	lua_rawgetp(L, LUA_REGISTRYINDEX, &gs_key);
	int gs = lua_gettop(L);
	for (int i = 1; i <= GS_COUNT; i++)
		lua_rawgeti(L, gs, i);
	lua_remove(L, gs);
	/* the tables outlive the game: the first hook point forgets what
	 * the last game left in them */
	x->fresh = true;
}

/* pairs over a game's ctx, ctx.game or team view: a snapshot of every
 * field that has a value (the backing table holds only those read so far).
 * Returns 0 (nothing pushed) for any other table. */
static int table_view_snapshot(lua_State *L, int idx)
{
	if (!lua_getmetatable(L, idx))
		return 0;
	if (lua_rawgetp(L, -1, &gs_key) != LUA_TNUMBER) {
		lua_pop(L, 2);
		return 0;
	}
	int kind = (int)lua_tointeger(L, -1);
	lua_pop(L, 2);
	fx__charge(L, SNAPSHOT_UNITS);
	static const int team_keys[] = {K_TEAM_ID, K_NAME, K_HOOPERS, K_SCORE, K_HOME};
	int keys[K_ATTR], n = 0;
	if (kind == VK_CTX) {
		for (int k = K_HOOK; k <= K_LOG; k++)
			keys[n++] = k;
		keys[n++] = K_HOME;
		keys[n++] = K_AWAY;
	} else if (kind == VK_GAME) {
		for (int k = K_ID; k <= K_MARGIN; k++)
			keys[n++] = k;
	} else {
		for (size_t i = 0; i < sizeof team_keys / sizeof *team_keys; i++)
			keys[n++] = team_keys[i];
	}
	lua_createtable(L, 0, n);
	for (int i = 0; i < n; i++) {
		lua_getfield(L, idx, key_names[keys[i]]);
		lua_setfield(L, -2, key_names[keys[i]]);
	}
	return 1;
}

/* Pushes a backing table for row: a read that misses it calls
 * backing_miss. views, keyids and keys are stack indices. */
static void new_backing(lua_State *L, int row, int nrec, int views, int keyids, int keys)
{
	lua_createtable(L, 0, nrec);
	lua_createtable(L, 0, 1);
	lua_pushvalue(L, views);
	lua_pushvalue(L, keyids);
	lua_pushinteger(L, row);
	lua_pushvalue(L, keys);
	lua_pushcclosure(L, backing_miss, 4);
	lua_setfield(L, -2, "__index");
	lua_setmetatable(L, -2);
}

/* Replaces the table on top with the metatable of a frozen view of the
 * given kind whose reads go to that table. */
static void new_frozen_mt(lua_State *L, int kind)
{
	lua_createtable(L, 0, 4);
	lua_rotate(L, -2, 1);
	lua_setfield(L, -2, "__index");
	lua_pushcfunction(L, view_newindex);
	lua_setfield(L, -2, "__newindex");
	lua_pushboolean(L, 0);
	lua_setfield(L, -2, "__metatable");
	lua_pushboolean(L, 1);
	lua_rawsetp(L, -2, &fx__key_frozen); /* rawset refuses it */
	lua_pushinteger(L, kind);
	lua_rawsetp(L, -2, &gs_key); /* pairs asks fx__api_view_snapshot */
}

/* Replaces the metatable on top with an empty proxy that has it. */
static void new_proxy(lua_State *L)
{
	lua_newtable(L);
	lua_rotate(L, -2, 1);
	lua_setmetatable(L, -2);
}

/* Replaces the __index on top with a metatable for hooper views that
 * reads through it: everything else as the view metatable. */
static void new_hooper_mt(lua_State *L)
{
	lua_createtable(L, 0, 7);
	lua_rotate(L, -2, 1);
	lua_setfield(L, -2, "__index");
	lua_pushcfunction(L, view_newindex);
	lua_setfield(L, -2, "__newindex");
	lua_pushcfunction(L, view_len);
	lua_setfield(L, -2, "__len");
	lua_pushboolean(L, 0);
	lua_setfield(L, -2, "__metatable");
	lua_pushliteral(L, "ctx view");
	lua_setfield(L, -2, "__name");
	lua_pushinteger(L, VK_HOOPER);
	lua_rawsetp(L, -2, &gs_key); /* pairs asks fx__api_view_snapshot */
}

/* Builds the game-session tables (once per engine): the keys, the backing
 * tables with their frozen proxies, the hooper views' metatables, and the
 * fields that never change. views and keyids are stack indices. */
static void game_tables_open(lua_State *L, int views, int keyids)
{
	lua_createtable(L, GS_COUNT, 0);
	int gs = lua_gettop(L);

	lua_createtable(L, KEY_COUNT, 0);
	int keys = lua_gettop(L);
	for (int k = 1; k < K_ATTR; k++) {
		lua_pushstring(L, key_names[k]);
		lua_rawseti(L, keys, k);
	}
	for (int a = 0; a < PW_ATTR_COUNT; a++) {
		lua_pushstring(L, teams_attr_name(a));
		lua_rawseti(L, keys, K_ATTR + a);
	}
	for (int t = 0; t < PW_SHOT_TYPES; t++) {
		lua_pushstring(L, hooks_shot_type_name((pw_shot_type_t)t));
		lua_rawseti(L, keys, KEY_SHOT0 + t);
	}
	lua_pushvalue(L, keys);
	lua_rawseti(L, gs, GS_KEYS);
	lua_pushvalue(L, views);
	lua_rawseti(L, gs, GS_VIEWS);

	lua_createtable(L, ROW_COUNT, 0);
	int rows = lua_gettop(L);
	lua_pushvalue(L, rows);
	lua_rawseti(L, gs, GS_ROWS);
	for (int row = 0; row < ROW_COUNT; row++) {
		new_backing(L, row, 16, views, keyids, keys);
		lua_pushvalue(L, -1);
		lua_rawseti(L, gs, GS_BACKING + row);
		lua_rawseti(L, rows, row + 1);
	}

	/* a ctx proxy per hook, each reading that hook's row */
	for (int h = 0; h < PW_SIM_HOOK_COUNT; h++) {
		lua_rawgeti(L, rows, ROW_CTX + h + 1);
		new_frozen_mt(L, VK_CTX);
		new_proxy(L);
		lua_rawseti(L, gs, GS_CTX + h);
	}
	lua_rawgeti(L, rows, ROW_GAME + 1);
	new_frozen_mt(L, VK_GAME);
	new_proxy(L);
	lua_rawseti(L, views, S_GAME);
	for (int t = 0; t < 2; t++) {
		lua_rawgeti(L, rows, ROW_TEAM + t + 1);
		new_frozen_mt(L, VK_TEAM);
		new_proxy(L);
		lua_rawseti(L, views, S_TEAM + t);
	}

	/* fields that are the same in every game */
	static const struct { int key, slot; } fixed[] = {
		{K_GAME, S_GAME}, {K_RULES, S_RULES}, {K_HOME, S_TEAM}, {K_AWAY, S_TEAM + 1},
		{K_META, S_META},
	};
	for (int h = 0; h < PW_SIM_HOOK_COUNT; h++) {
		lua_rawgeti(L, rows, ROW_CTX + h + 1);
		int b = lua_gettop(L);
		for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++) {
			lua_rawgeti(L, keys, fixed[i].key);
			lua_rawgeti(L, views, fixed[i].slot);
			lua_rawset(L, b);
		}
		lua_pushcfunction(L, fx__api_random);
		lua_setfield(L, b, "random");
		lua_rawgetp(L, LUA_REGISTRYINDEX, &fx__key_tostring); /* the log function */
		lua_setfield(L, b, "log");
		lua_pushstring(L, fx_hook_name(h));
		lua_setfield(L, b, "hook");
		lua_pop(L, 1);
	}
	for (int t = 0; t < 2; t++) {
		lua_rawgeti(L, rows, ROW_TEAM + t + 1);
		lua_rawgeti(L, views, S_FLOOR + t);
		lua_setfield(L, -2, "hoopers");
		lua_pushboolean(L, t == 0);
		lua_setfield(L, -2, "home");
		lua_pop(L, 1);
	}

	/* hooper views stay userdata, as scripts know them (rawget, rawset
	 * and next refuse them), each with a metatable of its own whose
	 * __index is its backing table. moves is the same view in every
	 * game. */
	for (int i = 0; i < 2 * PW_ROSTER_SIZE; i++) {
		lua_rawgeti(L, views, S_HOOPER + i);
		lua_rawgeti(L, rows, ROW_HOOPER + i + 1);
		lua_rawgeti(L, views, S_MOVES + i);
		lua_setfield(L, -2, "moves");
		new_hooper_mt(L);
		lua_setmetatable(L, -2);
		lua_pop(L, 1);
	}
	lua_pop(L, 2); /* rows, keys */
	lua_rawsetp(L, LUA_REGISTRYINDEX, &gs_key);
}

void fx__api_open(lua_State *L)
{
	lua_createtable(L, S_COUNT, 0);
	int views = lua_gettop(L);

	lua_createtable(L, 0, 6);
	lua_pushvalue(L, views);
	lua_createtable(L, 0, K_ATTR + PW_ATTR_COUNT);
	lua_pushvalue(L, -1);
	lua_insert(L, views + 1); /* keep the key ids for the game tables */
	int keyids = views + 1;
	for (int i = 1; i < K_ATTR; i++) {
		lua_pushinteger(L, i);
		lua_setfield(L, -2, key_names[i]);
	}
	for (int a = 0; a < PW_ATTR_COUNT; a++)
		if (a != PW_ATTR_STAMINA) { /* "stamina" is the live 0..1 value */
			lua_pushinteger(L, K_ATTR + a);
			lua_setfield(L, -2, teams_attr_name(a));
		}
	key_hash_fill(L, lua_gettop(L));
	lua_pushcclosure(L, view_index, 2);
	lua_setfield(L, -2, "__index");
	lua_pushcfunction(L, view_newindex);
	lua_setfield(L, -2, "__newindex");
	lua_pushcfunction(L, view_len);
	lua_setfield(L, -2, "__len");
	lua_pushboolean(L, 0);
	lua_setfield(L, -2, "__metatable");
	lua_pushliteral(L, "ctx view");
	lua_setfield(L, -2, "__name");
	lua_rawsetp(L, LUA_REGISTRYINDEX, &fx__key_viewmt);

	new_view(L, views, S_CTX, V_CTX, 0, 0);
	new_view(L, views, S_RULES, V_RULES, 0, 0);
	for (int t = 0; t < 2; t++) {
		new_view(L, views, S_FLOOR + t, V_FLOOR, t, 0);
		for (int s = 0; s < PW_ROSTER_SIZE; s++) {
			new_view(L, views, S_HOOPER + t * PW_ROSTER_SIZE + s, V_HOOPER, t, s);
			new_view(L, views, S_MOVES + t * PW_ROSTER_SIZE + s, V_MOVES, t, s);
		}
	}
	static const luaL_Reg meta[] = {
		{"get", meta_get}, {"set", meta_set}, {"incr", meta_incr}, {"toggle", meta_toggle},
		{NULL, NULL},
	};
	luaL_newlib(L, meta);
	fx__push_frozen(L, -1);
	lua_rawseti(L, views, S_META);
	lua_pop(L, 1);

	lua_pushcfunction(L, api_log);
	lua_rawsetp(L, LUA_REGISTRYINDEX, &fx__key_tostring);

	game_tables_open(L, views, keyids);

	lua_pushvalue(L, views);
	lua_rawsetp(L, LUA_REGISTRYINDEX, &fx__key_views);
	lua_pop(L, 2);
}

void fx__api_push_ctx(lua_State *L)
{
	lua_rawgetp(L, LUA_REGISTRYINDEX, &fx__key_views);
	lua_rawgeti(L, -1, S_CTX);
	lua_remove(L, -2);
}
