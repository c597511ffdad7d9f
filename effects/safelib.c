/*
 * safelib.c — the string, table, math, utf8 and coroutine libraries as
 * effects see them.
 *
 * Lua's own functions are reused where they are safe, and wrapped where C
 * does work the count hook cannot see: a wrapper charges that work to the
 * instruction budget before calling the original (string.rep of an empty
 * string a trillion times, table.move over 2^40 indices, a pattern whose
 * backtracking explodes, sorting a big table). Removed or replaced:
 * string.dump (bytecode), string.format's %p (addresses), math.random and
 * math.randomseed (per-effect seeded stream instead).
 *
 * Every library table reaches scripts as a frozen proxy, shared by all
 * effects: writes raise, rawset refuses, setmetatable refuses, so no effect
 * can change string.rep for another.
 */
#include "effects/fx_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

enum {
	W_REP,
	W_FIND,
	W_MATCH,
	W_GMATCH,
	W_GSUB,
	W_FORMAT,
	W_LINEAR, /* one pass over argument 1 */
	W_CONCAT,
	W_INSERT,
	W_REMOVE,
	W_MOVE,
	W_UNPACK,
	W_RESUME,
	W_CLOSE,
};

static uint64_t sat_units(double d)
{
	return d >= 1e18 ? (uint64_t)1e18 : d <= 0 ? 0 : (uint64_t)d;
}

/*
 * Lua patterns backtrack: with k unbounded repetitions (* + -) a match from
 * one position can try ~n^k splits, and find/gmatch/gsub try n positions.
 * Charge that worst case (in 256 steps per unit), and refuse outright what
 * could not fit a call's budget, with a message that says why.
 */
static void pattern_charge(lua_State *L, size_t n, const char *p, size_t plen)
{
	int k = 0, q = 0;
	for (size_t i = 0; i < plen;) {
		char c = p[i];
		if (c == '%') {
			i += (i + 1 < plen && p[i + 1] == 'b') ? 4 : 2;
			continue;
		}
		if (c == '[') {
			i++;
			if (i < plen && p[i] == '^')
				i++;
			if (i < plen && p[i] == ']')
				i++;
			while (i < plen && p[i] != ']')
				i += p[i] == '%' ? 2 : 1;
			i++;
			continue;
		}
		if (c == '*' || c == '+' || c == '-')
			k++;
		else if (c == '?')
			q++;
		i++;
	}
	double est = pow((double)n + 1, k + 1) * ((double)plen + 1) * pow(2, q > 60 ? 60 : q);
	fx__sbx_t *S = fx__sbx_of(L);
	double units = est / 256 + (double)n / 64 + 1;
	if (S->in_call && units > (double)S->lim.instr_per_call) {
		char msg[160];
		snprintf(msg, sizeof msg, "pattern too complex for a %zu-byte subject (%d "
			 "repetitions; worst case %.3g steps)", n, k, est);
		luaL_error(L, "%s", msg);
	}
	fx__charge(L, sat_units(units));
}

/* string.format: refuse %p, print non-strings for %s with fx__tostring. */
static void format_prepare(lua_State *L)
{
	size_t fl;
	const char *f = luaL_checklstring(L, 1, &fl);
	int arg = 1, top = lua_gettop(L);
	uint64_t bytes = fl;
	for (size_t i = 0; i < fl; i++) {
		if (f[i] != '%')
			continue;
		if (++i >= fl)
			break;
		if (f[i] == '%')
			continue;
		while (i < fl && strchr("-+ #0123456789.", f[i]))
			i++;
		if (i >= fl)
			break;
		arg++;
		if (f[i] == 'p')
			luaL_error(L, "string.format: %%p is not available in effects "
				   "(addresses differ between processes)");
		if (arg <= top) {
			int t = lua_type(L, arg);
			if (f[i] == 's' && t != LUA_TSTRING && t != LUA_TNUMBER) {
				fx__tostring(L, arg, NULL);
				lua_replace(L, arg);
			}
			if (lua_type(L, arg) == LUA_TSTRING)
				bytes += lua_rawlen(L, arg);
		}
	}
	fx__charge(L, bytes / 64 + (uint64_t)top);
}

static lua_Integer len_of(lua_State *L, int idx)
{
	return luaL_len(L, idx);
}

/* The one wrapper: upvalue 1 the original function, 2 the kind. */
static int wrap_call(lua_State *L)
{
	int kind = (int)lua_tointeger(L, lua_upvalueindex(2));
	switch (kind) {
	case W_REP: {
		size_t l, ls = 0;
		luaL_checklstring(L, 1, &l);
		lua_Integer n = luaL_checkinteger(L, 2);
		luaL_optlstring(L, 3, "", &ls);
		if (n <= 0 || (l == 0 && ls == 0)) {
			/* Lua would loop n times copying nothing */
			lua_pushliteral(L, "");
			return 1;
		}
		double total = (double)n * (double)l + (double)(n - 1) * (double)ls;
		fx__sbx_t *S = fx__sbx_of(L);
		if (total > (double)S->lim.max_string) {
			char msg[160];
			snprintf(msg, sizeof msg, "string.rep: a %.0f-byte result is longer than "
				 "the %zu-byte string limit", total, S->lim.max_string);
			return luaL_error(L, "%s", msg);
		}
		fx__charge(L, sat_units((double)n / 64 + total / 64));
		break;
	}
	case W_FIND:
	case W_MATCH:
	case W_GMATCH:
	case W_GSUB: {
		size_t n, pl;
		luaL_checklstring(L, 1, &n);
		const char *p = luaL_checklstring(L, 2, &pl);
		if (kind == W_FIND && lua_toboolean(L, 4))
			fx__charge(L, sat_units((double)n * (double)(pl + 1) / 256 + 1));
		else
			pattern_charge(L, n, p, pl);
		break;
	}
	case W_FORMAT:
		format_prepare(L);
		break;
	case W_LINEAR:
		if (lua_type(L, 1) == LUA_TSTRING)
			fx__charge(L, lua_rawlen(L, 1) / 64 + 1);
		break;
	case W_CONCAT: {
		luaL_checktype(L, 1, LUA_TTABLE);
		lua_Integer i = luaL_optinteger(L, 3, 1);
		lua_Integer j = lua_isnoneornil(L, 4) ? len_of(L, 1) : luaL_checkinteger(L, 4);
		if (j >= i)
			fx__charge(L, sat_units((double)j - (double)i + 1));
		break;
	}
	case W_INSERT:
	case W_REMOVE: {
		luaL_checktype(L, 1, LUA_TTABLE);
		lua_Integer e = len_of(L, 1);
		lua_Integer pos = (kind == W_INSERT) ? (lua_gettop(L) >= 3 ? luaL_checkinteger(L, 2) : e + 1)
						     : luaL_optinteger(L, 2, e);
		double shift = (double)e - (double)pos + 1;
		fx__charge(L, sat_units(shift > 0 ? shift : 1));
		break;
	}
	case W_MOVE: {
		lua_Integer f = luaL_checkinteger(L, 2), e = luaL_checkinteger(L, 3);
		if (e >= f)
			fx__charge(L, sat_units((double)e - (double)f + 1));
		break;
	}
	case W_UNPACK: {
		lua_Integer i = luaL_optinteger(L, 2, 1);
		lua_Integer j = lua_isnoneornil(L, 3) ? len_of(L, 1) : luaL_checkinteger(L, 3);
		if (j >= i)
			fx__charge(L, sat_units((double)j - (double)i + 1));
		break;
	}
	default:
		break;
	}

	int nargs = lua_gettop(L);
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	if (kind == W_RESUME || kind == W_CLOSE) {
		/* resume and close report a coroutine's error as (false, msg):
		 * a kill inside must not be reported, it must go on up */
		lua_State *co = lua_tothread(L, 2);
		lua_call(L, nargs, LUA_MULTRET);
		fx__check_killed(L, co ? lua_status(co) : LUA_OK);
	} else {
		lua_call(L, nargs, LUA_MULTRET);
	}
	return lua_gettop(L);
}

/*
 * table.sort, our own: a bottom-up merge sort. Lua 5.4's sort picks a
 * random pivot (from clock() and time()) when a partition is unbalanced, so
 * how often it calls the comparator, the budget that costs and the order of
 * equal elements could differ between processes. This one does the same
 * comparisons in the same order everywhere, and is stable.
 *
 * The interface is Lua's: sort(list [, comp]) over list[1..#list], comp a
 * strict "less than" (lua_lessthan semantics without it). The C work is
 * charged per comparison and per element moved. A comparator that is not a
 * consistent order cannot send a merge sort out of bounds; it is reported as
 * Lua reports it, "invalid order function for sorting", when the final check
 * finds two neighbours out of order.
 */
typedef struct sort_st {
	lua_State *L;
	bool has_cmp;
	uint64_t owed; /* units not charged yet */
} sort_st_t;

static void sort_owe(sort_st_t *st, uint64_t u)
{
	st->owed += u;
	if (st->owed >= 256) {
		fx__charge(st->L, st->owed);
		st->owed = 0;
	}
}

/* a < b for the two values on top of the stack (both popped). */
static bool sort_less(sort_st_t *st)
{
	lua_State *L = st->L;
	sort_owe(st, 1);
	if (!st->has_cmp) {
		bool r = lua_compare(L, -2, -1, LUA_OPLT);
		lua_pop(L, 2);
		return r;
	}
	lua_pushvalue(L, 2);
	lua_rotate(L, -3, 1); /* comp, a, b */
	lua_call(L, 2, 1);
	bool r = lua_toboolean(L, -1);
	lua_pop(L, 1);
	return r;
}

static int fx_table_sort(lua_State *L)
{
	luaL_checktype(L, 1, LUA_TTABLE);
	lua_Integer n = luaL_len(L, 1);
	sort_st_t st = {L, false, 0};
	if (!lua_isnoneornil(L, 2)) {
		luaL_checktype(L, 2, LUA_TFUNCTION);
		st.has_cmp = true;
	}
	lua_settop(L, 2);
	if (n < 2)
		return 0;
	luaL_argcheck(L, n < (lua_Integer)1 << 30, 1, "array too big");
	luaL_checkstack(L, 8, "table.sort");
	/* budget for the copies before they are made */
	fx__charge(L, (uint64_t)n * 2);
	lua_createtable(L, (int)n, 0); /* 3: run source */
	lua_createtable(L, (int)n, 0); /* 4: run destination */
	for (lua_Integer i = 1; i <= n; i++) {
		lua_geti(L, 1, i);
		lua_rawseti(L, 3, i);
	}
	int src = 3, dst = 4;
	for (lua_Integer w = 1; w < n; w *= 2) {
		for (lua_Integer lo = 1; lo <= n; lo += 2 * w) {
			lua_Integer mid = lo + w, hi = lo + 2 * w; /* [lo,mid) [mid,hi) */
			if (mid > n + 1)
				mid = n + 1;
			if (hi > n + 1)
				hi = n + 1;
			lua_Integer i = lo, j = mid, k = lo;
			while (i < mid && j < hi) {
				lua_rawgeti(L, src, j);
				lua_rawgeti(L, src, i);
				/* take the right one only if strictly less: stable */
				if (sort_less(&st)) {
					lua_rawgeti(L, src, j++);
				} else {
					lua_rawgeti(L, src, i++);
				}
				lua_rawseti(L, dst, k++);
			}
			while (i < mid) {
				lua_rawgeti(L, src, i++);
				lua_rawseti(L, dst, k++);
			}
			while (j < hi) {
				lua_rawgeti(L, src, j++);
				lua_rawseti(L, dst, k++);
			}
			sort_owe(&st, (uint64_t)(hi - lo) / 8);
		}
		int t = src;
		src = dst;
		dst = t;
	}
	for (lua_Integer i = 1; i < n; i++) {
		lua_rawgeti(L, src, i + 1);
		lua_rawgeti(L, src, i);
		if (sort_less(&st))
			return luaL_error(L, "invalid order function for sorting");
	}
	for (lua_Integer i = 1; i <= n; i++) {
		lua_rawgeti(L, src, i);
		lua_seti(L, 1, i);
	}
	if (st.owed)
		fx__charge(L, st.owed);
	return 0;
}

static int math_randomseed(lua_State *L)
{
	return luaL_error(L, "math.randomseed is not available: each effect draws from its "
			  "own seeded stream (ctx.random)");
}

static int frozen_newindex(lua_State *L)
{
	return luaL_error(L, "attempt to modify a read-only table");
}

void fx__push_frozen(lua_State *L, int idx)
{
	idx = lua_absindex(L, idx);
	lua_newtable(L); /* the proxy stays empty */
	lua_createtable(L, 0, 4);
	lua_pushvalue(L, idx);
	lua_setfield(L, -2, "__index");
	lua_pushcfunction(L, frozen_newindex);
	lua_setfield(L, -2, "__newindex");
	lua_pushboolean(L, 0);
	lua_setfield(L, -2, "__metatable");
	lua_pushlightuserdata(L, (void *)&fx__key_frozen);
	lua_pushboolean(L, 1);
	lua_rawset(L, -3);
	lua_setmetatable(L, -2);
}

typedef struct lib_entry {
	const char *name;
	int kind; /* -1: copy the original as it is */
} lib_entry_t;

/* Copies (kind -1) or wraps each named function of the library at lib into
 * the table at dst. */
static void lib_fill(lua_State *L, int lib, int dst, const lib_entry_t *e)
{
	for (; e->name; e++) {
		if (lua_getfield(L, lib, e->name) == LUA_TNIL)
			luaL_error(L, "library function %s missing", e->name);
		if (e->kind >= 0) {
			lua_pushinteger(L, e->kind);
			lua_pushcclosure(L, wrap_call, 2);
		}
		lua_setfield(L, dst, e->name);
	}
}

/* Opens a library, fills a new backing table, and stores its frozen proxy
 * in base[name]. Leaves the backing table on the stack. */
static int lib_build(lua_State *L, int base, const char *name, lua_CFunction open,
		     const lib_entry_t *e)
{
	luaL_requiref(L, name, open, 0);
	int lib = lua_gettop(L);
	lua_newtable(L);
	int dst = lua_gettop(L);
	lib_fill(L, lib, dst, e);
	lua_remove(L, lib);
	dst = lua_gettop(L);
	fx__push_frozen(L, dst);
	lua_setfield(L, base, name);
	return dst;
}

void fx__safelib_open(lua_State *L)
{
	int base = lua_gettop(L);

	static const lib_entry_t str[] = {
		{"byte", W_LINEAR},   {"char", -1},         {"find", W_FIND},
		{"format", W_FORMAT}, {"gmatch", W_GMATCH}, {"gsub", W_GSUB},
		{"len", -1},          {"lower", W_LINEAR},  {"match", W_MATCH},
		{"rep", W_REP},       {"reverse", W_LINEAR}, {"sub", W_LINEAR},
		{"upper", W_LINEAR},  {"pack", -1},         {"packsize", -1},
		{"unpack", W_LINEAR}, {NULL, 0},
	};
	int s = lib_build(L, base, "string", luaopen_string, str);
	/* Method calls on strings ("x"):rep(3) go through the string
	 * metatable, which no script can reach: point it at the safe table. */
	lua_pushliteral(L, "");
	if (!lua_getmetatable(L, -1))
		luaL_error(L, "string metatable missing");
	lua_pushvalue(L, s);
	lua_setfield(L, -2, "__index");
	lua_pop(L, 2);
	lua_pushvalue(L, s);
	lua_rawsetp(L, LUA_REGISTRYINDEX, &fx__key_strlib);
	lua_pop(L, 1);

	static const lib_entry_t tab[] = {
		{"concat", W_CONCAT}, {"insert", W_INSERT}, {"move", W_MOVE},
		{"pack", -1},         {"remove", W_REMOVE}, {"unpack", W_UNPACK},
		{NULL, 0},
	};
	lib_build(L, base, "table", luaopen_table, tab);
	lua_pushcfunction(L, fx_table_sort); /* not Lua's: see fx_table_sort */
	lua_setfield(L, -2, "sort");
	lua_pop(L, 1);

	static const lib_entry_t mth[] = {
		{"abs", -1},  {"ceil", -1},       {"cos", -1},        {"deg", -1},
		{"exp", -1},  {"floor", -1},      {"fmod", -1},       {"huge", -1},
		{"log", -1},  {"max", -1},        {"maxinteger", -1}, {"min", -1},
		{"mininteger", -1}, {"modf", -1}, {"pi", -1},         {"rad", -1},
		{"sin", -1},  {"sqrt", -1},       {"tan", -1},        {"tointeger", -1},
		{"type", -1}, {"ult", -1},        {"asin", -1},       {"acos", -1},
		{"atan", -1}, {NULL, 0},
	};
	int m = lib_build(L, base, "math", luaopen_math, mth);
	lua_pushcfunction(L, fx__api_random);
	lua_setfield(L, m, "random");
	lua_pushcfunction(L, math_randomseed);
	lua_setfield(L, m, "randomseed");
	lua_pop(L, 1);

	static const lib_entry_t u8[] = {
		{"char", -1},          {"charpattern", -1}, {"codes", -1},
		{"codepoint", W_LINEAR}, {"len", W_LINEAR}, {"offset", -1},
		{NULL, 0},
	};
	lib_build(L, base, "utf8", luaopen_utf8, u8);
	lua_pop(L, 1);

	static const lib_entry_t co[] = {
		{"create", -1}, {"isyieldable", -1}, {"running", -1}, {"status", -1},
		{"wrap", -1},   {"yield", -1},       {"resume", W_RESUME},
		{"close", W_CLOSE}, {NULL, 0},
	};
	lib_build(L, base, "coroutine", luaopen_coroutine, co);
	lua_pop(L, 1);
}
