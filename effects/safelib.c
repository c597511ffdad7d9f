/*
 * safelib.c — the string, table, math, utf8 and coroutine libraries as
 * effects see them.
 *
 * Lua's own functions are reused where they are safe, and wrapped where C
 * does work the count hook cannot see: a wrapper charges that work to the
 * instruction budget before calling the original, in proportion to what
 * the call will do (bytes it reads or writes, elements it moves, arguments
 * it walks), at about one unit per VM instruction's worth of machine work
 * (FX__BYTES_PER_UNIT's scale). An argument given as text where a number is
 * expected is converted in C too, so every string argument is charged by
 * its length. The pattern functions are our own (pattern.c), charged as
 * they match. Removed or replaced: string.dump (bytecode), string.format's
 * %p (addresses), math.random and math.randomseed (per-effect seeded stream
 * instead), table.sort (below).
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
	W_PLAIN,   /* only the arguments' charge */
	W_REP,
	W_FORMAT,
	W_BYTES,   /* a pass over argument 1 (lower, upper, reverse, sub) */
	W_RANGE,   /* a value per byte of argument 1's range i..j (byte, codepoint) */
	W_UTF8,    /* decodes argument 1 (utf8.len, utf8.offset) */
	W_PACK,    /* a format (argument 1) walked item by item */
	W_UNPACK_S,/* string.unpack: a format and the data */
	W_ARGS,    /* walks its arguments (char, utf8.char, max, min, pack, select);
		    * never yield: a wrapper is a C call, which cannot be yielded across */
	W_CONCAT,
	W_INSERT,
	W_REMOVE,
	W_MOVE,
	W_UNPACK,
	W_CREATE,  /* coroutine.create / wrap */
	W_RESUME,
	W_CLOSE,
};

/* Units per element a table function moves or reads through lua_geti /
 * lua_seti (a C API call each, which may run a metamethod besides). */
#define ELEM_UNITS 6

static uint64_t sat_units(double d)
{
	return d >= 1e18 ? (uint64_t)1e18 : d <= 0 ? 0 : (uint64_t)d;
}

/* The units of converting the string at idx to a number, should a
 * function want one there: in proportion to its length when it looks like
 * a number (a conversion that fails fails at its first character). */
static uint64_t text_units(lua_State *L, int idx)
{
	size_t len;
	const char *s = lua_tolstring(L, idx, &len);
	size_t i = 0;
	while (i < len && (s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r')))
		i++;
	if (i < len && ((s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '+' || s[i] == '.'))
		return len / 8;
	return 0;
}

/* The arguments' share: a unit per eight of them, and the conversion of
 * any given as text. */
static uint64_t args_units(lua_State *L, int n)
{
	uint64_t u = 1 + (uint64_t)n / 8;
	for (int i = 1; i <= n; i++)
		if (lua_type(L, i) == LUA_TSTRING)
			u += text_units(L, i);
	return u;
}


/* The units of a byte range i..j of a string of len bytes, as string.byte
 * takes it (defaults d_i, d_j). */
static uint64_t range_len(lua_State *L, size_t len, lua_Integer d_i, int arg_j)
{
	lua_Integer i = luaL_optinteger(L, 2, d_i);
	lua_Integer j = luaL_optinteger(L, arg_j, arg_j == 3 ? i : -1);
	lua_Integer l = (lua_Integer)len;
	if (i <= 0)
		i = i < -l || i == 0 ? 1 : l + i + 1;
	if (j < 0)
		j = j < -l ? 0 : l + j + 1;
	if (j > l)
		j = l;
	return j >= i && i >= 1 ? (uint64_t)(j - i + 1) : 0;
}

/* string.format: refuse %p, print non-strings for %s with fx__tostring (and
 * NaN as "nan" for every conversion), charge each conversion by what it
 * may print. */
static void format_prepare(lua_State *L)
{
	size_t fl;
	const char *f = luaL_checklstring(L, 1, &fl);
	int arg = 1, top = lua_gettop(L);
	uint64_t units = fl / 16 + 1;
	for (size_t i = 0; i < fl; i++) {
		if (f[i] != '%')
			continue;
		if (++i >= fl)
			break;
		if (f[i] == '%')
			continue;
		long prec = -1;
		while (i < fl && strchr("-+ #0123456789.", f[i])) {
			if (f[i] == '.')
				prec = 0;
			else if (prec >= 0 && f[i] >= '0' && f[i] <= '9')
				prec = prec * 10 + (f[i] - '0');
			i++;
		}
		if (i >= fl)
			break;
		arg++;
		if (f[i] == 'p')
			luaL_error(L, "string.format: %%p is not available in effects "
				   "(addresses differ between processes)");
		/* A conversion is a snprintf, a float's costing about a unit per
		 * digit it writes: %f of 1e308 writes over three hundred. */
		units += 16;
		if (strchr("fFeEgGaA", f[i])) {
			double x = arg <= top && lua_type(L, arg) == LUA_TNUMBER ? fabs(lua_tonumber(L, arg)) : 0;
			double digits = (prec >= 0 ? (double)prec : 6) +
					(strchr("fF", f[i]) && x > 1 ? log10(x) + 1 : 1);
			units += sat_units(digits * 8);
		}
		if (arg <= top) {
			int t = lua_type(L, arg);
			if (f[i] == 's' && t != LUA_TSTRING) {
				fx__tostring(L, arg, NULL);
				lua_replace(L, arg);
			} else if (t == LUA_TNUMBER && !lua_isinteger(L, arg) &&
				   isnan(lua_tonumber(L, arg))) {
				/* the C library writes NaN's sign: one spelling */
				lua_pushnumber(L, fabs(lua_tonumber(L, arg)));
				lua_replace(L, arg);
			}
			if (lua_type(L, arg) == LUA_TSTRING)
				units += lua_rawlen(L, arg) / 8;
		}
	}
	fx__charge(L, units + (uint64_t)top);
}

static lua_Integer len_of(lua_State *L, int idx)
{
	return luaL_len(L, idx);
}

/* The one wrapper: upvalue 1 the original function, 2 the kind. */
static int wrap_call(lua_State *L)
{
	int kind = (int)lua_tointeger(L, lua_upvalueindex(2));
	int nargs = lua_gettop(L);
	fx__sbx_t *S = fx__sbx_of(L);
	uint64_t units = kind == W_FORMAT ? 0 : args_units(L, nargs);
	switch (kind) {
	case W_REP: {
		size_t l, ls = 0;
		luaL_checklstring(L, 1, &l);
		lua_Integer n = luaL_checkinteger(L, 2);
		luaL_optlstring(L, 3, "", &ls);
		if (n <= 0 || (l == 0 && ls == 0)) {
			/* Lua would loop n times copying nothing */
			fx__charge(L, units);
			lua_pushliteral(L, "");
			return 1;
		}
		double total = (double)n * (double)l + (double)(n - 1) * (double)ls;
		if (total > (double)S->lim.max_string) {
			char msg[160];
			snprintf(msg, sizeof msg, "string.rep: a %.0f-byte result is longer than "
				 "the %zu-byte string limit", total, S->lim.max_string);
			return luaL_error(L, "%s", msg);
		}
		/* a copy per repetition, and the bytes */
		units += sat_units((double)n + total / 16);
		break;
	}
	case W_FORMAT:
		format_prepare(L);
		break;
	case W_BYTES:
		if (lua_type(L, 1) == LUA_TSTRING)
			units += lua_rawlen(L, 1) / 4; /* a table lookup per byte */
		break;
	case W_RANGE:
		if (lua_type(L, 1) == LUA_TSTRING)
			units += 2 * range_len(L, lua_rawlen(L, 1), 1, 3);
		break;
	case W_UTF8:
		if (lua_type(L, 1) == LUA_TSTRING)
			units += lua_rawlen(L, 1) / 2;
		break;
	case W_PACK:
	case W_UNPACK_S:
		/* each format item is a step (and may pad or fill bytes) */
		if (lua_type(L, 1) == LUA_TSTRING)
			units += lua_rawlen(L, 1) * 4;
		break;
	case W_ARGS:
		units += (uint64_t)nargs;
		break;
	case W_RESUME:
		/* a switch to the coroutine and back, and the values moved */
		units += 16 + (uint64_t)nargs;
		break;
	case W_CONCAT: {
		luaL_checktype(L, 1, LUA_TTABLE);
		lua_Integer i = luaL_optinteger(L, 3, 1);
		lua_Integer j = lua_isnoneornil(L, 4) ? len_of(L, 1) : luaL_checkinteger(L, 4);
		if (j >= i)
			units += sat_units(((double)j - (double)i + 1) * ELEM_UNITS);
		break;
	}
	case W_INSERT:
	case W_REMOVE: {
		luaL_checktype(L, 1, LUA_TTABLE);
		lua_Integer e = len_of(L, 1);
		lua_Integer pos = (kind == W_INSERT) ? (lua_gettop(L) >= 3 ? luaL_checkinteger(L, 2) : e + 1)
						     : luaL_optinteger(L, 2, e);
		double shift = (double)e - (double)pos + 1;
		units += sat_units((shift > 0 ? shift : 1) * ELEM_UNITS);
		break;
	}
	case W_MOVE: {
		lua_Integer f = luaL_checkinteger(L, 2), e = luaL_checkinteger(L, 3);
		if (e >= f)
			units += sat_units(((double)e - (double)f + 1) * ELEM_UNITS);
		break;
	}
	case W_UNPACK: {
		lua_Integer i = luaL_optinteger(L, 2, 1);
		lua_Integer j = lua_isnoneornil(L, 3) ? len_of(L, 1) : luaL_checkinteger(L, 3);
		if (j >= i)
			units += sat_units(((double)j - (double)i + 1) * 2);
		break;
	}
	case W_CREATE:
		/* a new coroutine starts its own count: up to an interval of
		 * instructions it runs before its first count-hook fire is
		 * charged here instead */
		units += FX__HOOK_INTERVAL;
		break;
	default:
		break;
	}
	if (kind != W_FORMAT)
		fx__charge(L, units);

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

/* a < b for the two values on top of the stack (both popped). A
 * comparison is a C API call (a Lua call with a comparator, whose own
 * instructions are counted besides). */
static bool sort_less(sort_st_t *st)
{
	lua_State *L = st->L;
	sort_owe(st, st->has_cmp ? 8 : 3);
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
	fx__charge(L, (uint64_t)n * ELEM_UNITS);
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
			sort_owe(&st, (uint64_t)(hi - lo) * 2);
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

/* Replaces each named function of the table at t with a wrapper of the
 * given kind (the base's tonumber, select and assert; the string
 * metatable's arithmetic, which converts strings to numbers). */
static void wrap_fields(lua_State *L, int t, const char *const *names, size_t n, int kind)
{
	for (size_t i = 0; i < n; i++) {
		if (lua_getfield(L, t, names[i]) != LUA_TFUNCTION) {
			lua_pop(L, 1);
			continue;
		}
		lua_pushinteger(L, kind);
		lua_pushcclosure(L, wrap_call, 2);
		lua_setfield(L, t, names[i]);
	}
}

void fx__safelib_open(lua_State *L)
{
	int base = lua_gettop(L);

	static const lib_entry_t str[] = {
		{"byte", W_RANGE},    {"char", W_ARGS},     {"format", W_FORMAT},
		{"len", -1},          {"lower", W_BYTES},   {"rep", W_REP},
		{"reverse", W_BYTES}, {"sub", W_BYTES},     {"upper", W_BYTES},
		{"pack", W_PACK},     {"packsize", W_PACK}, {"unpack", W_UNPACK_S},
		{NULL, 0},
	};
	int s = lib_build(L, base, "string", luaopen_string, str);
	/* the pattern functions are our own, charged as they match */
	static const luaL_Reg pat[] = {
		{"find", fx__str_find},     {"match", fx__str_match},
		{"gmatch", fx__str_gmatch}, {"gsub", fx__str_gsub},
		{NULL, NULL},
	};
	luaL_setfuncs(L, pat, 0);
	/* Method calls on strings ("x"):rep(3) go through the string
	 * metatable, which no script can reach: point it at the safe table.
	 * Its arithmetic metamethods turn strings into numbers ("10" + 1):
	 * charged by the strings' length. */
	lua_pushliteral(L, "");
	if (!lua_getmetatable(L, -1))
		luaL_error(L, "string metatable missing");
	lua_pushvalue(L, s);
	lua_setfield(L, -2, "__index");
	static const char *const arith[] = {"__add", "__sub", "__mul", "__div", "__mod",
					    "__pow", "__unm", "__idiv"};
	wrap_fields(L, lua_gettop(L), arith, sizeof arith / sizeof *arith, W_PLAIN);
	lua_pop(L, 2);
	lua_pushvalue(L, s);
	lua_rawsetp(L, LUA_REGISTRYINDEX, &fx__key_strlib);
	lua_pop(L, 1);

	static const lib_entry_t tab[] = {
		{"concat", W_CONCAT}, {"insert", W_INSERT}, {"move", W_MOVE},
		{"pack", W_ARGS},     {"remove", W_REMOVE}, {"unpack", W_UNPACK},
		{NULL, 0},
	};
	lib_build(L, base, "table", luaopen_table, tab);
	lua_pushcfunction(L, fx_table_sort); /* not Lua's: see fx_table_sort */
	lua_setfield(L, -2, "sort");
	lua_pop(L, 1);

	/* Numbers may come as text ("3.5"), converted in C: every function
	 * that takes numbers is wrapped for that, and max and min walk all
	 * their arguments. */
	static const lib_entry_t mth[] = {
		{"abs", W_PLAIN},  {"ceil", W_PLAIN},      {"cos", W_PLAIN},   {"deg", W_PLAIN},
		{"exp", W_PLAIN},  {"floor", W_PLAIN},     {"fmod", W_PLAIN},  {"huge", -1},
		{"log", W_PLAIN},  {"max", W_ARGS},        {"maxinteger", -1}, {"min", W_ARGS},
		{"mininteger", -1}, {"modf", W_PLAIN},     {"pi", -1},         {"rad", W_PLAIN},
		{"sin", W_PLAIN},  {"sqrt", W_PLAIN},      {"tan", W_PLAIN},   {"tointeger", W_PLAIN},
		{"type", -1},      {"ult", W_PLAIN},       {"asin", W_PLAIN},  {"acos", W_PLAIN},
		{"atan", W_PLAIN}, {NULL, 0},
	};
	int m = lib_build(L, base, "math", luaopen_math, mth);
	lua_pushcfunction(L, fx__api_random);
	lua_setfield(L, m, "random");
	lua_pushcfunction(L, math_randomseed);
	lua_setfield(L, m, "randomseed");
	lua_pop(L, 1);

	static const lib_entry_t u8[] = {
		{"char", W_ARGS},        {"charpattern", -1}, {"codes", W_PLAIN},
		{"codepoint", W_RANGE},  {"len", W_UTF8},     {"offset", W_UTF8},
		{NULL, 0},
	};
	lib_build(L, base, "utf8", luaopen_utf8, u8);
	lua_pop(L, 1);

	static const lib_entry_t co[] = {
		{"create", W_CREATE}, {"isyieldable", -1}, {"running", -1}, {"status", -1},
		{"wrap", W_CREATE},   {"yield", -1},       {"resume", W_RESUME},
		{"close", W_CLOSE},   {NULL, 0},
	};
	lib_build(L, base, "coroutine", luaopen_coroutine, co);
	lua_pop(L, 1);

	/* the base functions that convert text or walk their arguments */
	static const char *const base_wrapped[] = {"tonumber", "select", "assert"};
	wrap_fields(L, base, base_wrapped, sizeof base_wrapped / sizeof *base_wrapped, W_ARGS);
}
