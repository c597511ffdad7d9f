/*
 * sandbox.c — the lua_State an engine runs effects in, and its guards.
 *
 * Everything a script can touch is built here from an allow-list; nothing
 * of Lua's own global table is reachable. The guards, each with its own
 * message:
 *   - a counting allocator: a per-session memory cap, a cap on one string's
 *     size, and bytes allocated charged to the instruction budget (so C-side
 *     work that builds big things is paid for);
 *   - a count hook every FX__HOOK_INTERVAL instructions: per-call and
 *     per-game instruction budgets, a recursion limit and a wall-clock
 *     watchdog. Once a script is killed the hook re-arms itself to fire on
 *     every instruction, and every pcall-like wrapper rethrows, so no pcall,
 *     xpcall, coroutine or __close handler can swallow the kill;
 *   - determinism: pairs/next in sorted key order, tostring without
 *     addresses, no __gc/__mode, the garbage collector stopped while scripts
 *     run (collections happen between sessions).
 */
#define _POSIX_C_SOURCE 200809L
#include "effects/fx_int.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Registry keys: their addresses are unique light userdata no script can
 * forge (scripts cannot make light userdata). Read-only data. */
const char fx__key_base, fx__key_envmt, fx__key_frozen, fx__key_viewmt, fx__key_factory,
	fx__key_views, fx__key_strlib, fx__key_tostring;

uint64_t fx__now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ------------------------------------------------------------ allocator */

static bool fx_budget_over(lua_State *L, fx__sbx_t *S, int line);

/* A refused growth: Lua collects (mem_emergency) and retries once. */
static void *fx_alloc_refuse(fx__sbx_t *S)
{
	S->mem_refused = true;
	S->mem_emergency = true;
	return NULL;
}

/*
 * Lua 5.4 calls this for every block. When ptr is NULL, osize is the type
 * of the object being created (LUA_TSTRING for strings), not a size. Limits
 * apply only while an effect runs (mem_enforce), so our own setup never
 * fails for a script's sake. Frees and shrinks never fail.
 *
 * The cap counts what the session's scripts hold (sess_held): bytes that
 * come and go while an effect runs. The engine's own work (compiling a
 * chunk, keeping a view's field) does not count, so whether a chunk was
 * compiled in this game or an earlier one makes no difference; and neither
 * do the frees of an emergency collection (below), so the garbage earlier
 * games left in the engine never makes room for a later effect.
 */
static void *fx_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
	fx__sbx_t *S = ud;
	size_t old = ptr ? osize : 0;

	if (nsize <= old) {
		/* Lua answers a refused allocation with an emergency
		 * collection, which frees whatever is garbage, old games'
		 * included: while it runs (until the retry grows again),
		 * frees are not counted */
		if (S->mem_enforce && !S->mem_emergency)
			S->sess_held -= old - nsize < S->sess_held ? old - nsize : S->sess_held;
		S->mem_used -= old - nsize;
		if (nsize == 0) {
			free(ptr);
			return NULL;
		}
		void *p = realloc(ptr, nsize);
		return p ? p : ptr; /* a shrink that fails keeps the block */
	}
	size_t grow = nsize - old;
	S->mem_emergency = false;
	if (S->mem_enforce) {
		if (!ptr && osize == LUA_TSTRING && nsize > S->lim.max_string + 64) {
			char msg[96];
			snprintf(msg, sizeof msg, "string longer than %zu bytes", S->lim.max_string);
			fx__mark_killed(S, NULL, msg);
			return fx_alloc_refuse(S);
		}
		/* A refusal is final: what the emergency collection frees of
		 * this session depends on when the script let go of things,
		 * so the effect is killed at the first refusal and every later
		 * growth in the call is refused too. */
		if (S->mem_over || S->sess_held + grow > S->lim.mem_per_game) {
			if (!S->mem_over) {
				char msg[96];
				snprintf(msg, sizeof msg, "memory limit exceeded (%zu bytes)",
					 S->lim.mem_per_game);
				fx__mark_killed(S, NULL, msg);
				S->mem_over = true;
			}
			return fx_alloc_refuse(S);
		}
		if (S->in_call) {
			S->units += grow / FX__BYTES_PER_UNIT;
			if (fx_budget_over(NULL, S, 0))
				return fx_alloc_refuse(S);
		}
	}
	void *p = realloc(ptr, nsize);
	if (!p) {
		S->mem_refused = true;
		return NULL;
	}
	S->mem_used += grow;
	S->since_collect += grow;
	S->mem_refused = false;
	if (S->mem_enforce) {
		S->sess_held += grow;
		if (S->sess_held > S->mem_peak)
			S->mem_peak = S->sess_held;
	}
	return p;
}

void fx__sbx_session_start(fx__sbx_t *S)
{
	S->sess_held = 0;
	S->mem_emergency = false;
}

static int fx_panic(lua_State *L)
{
	/* Only reachable if our own code calls Lua unprotected: a bug. */
	const char *m = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "?";
	fprintf(stderr, "effects: unprotected Lua error: %s\n", m);
	abort();
}

/* ------------------------------------------------------------ kill switch */

static void fx_hook(lua_State *L, lua_Debug *ar);

void fx__mark_killed(fx__sbx_t *S, lua_State *L, const char *msg)
{
	if (!S->killed) {
		S->killed = true;
		snprintf(S->kill_msg, sizeof S->kill_msg, "%s", msg);
	}
	if (L)
		lua_sethook(L, fx_hook, LUA_MASKCOUNT, 1);
}

/* Raises the stored kill message (a fresh string; if even that cannot be
 * allocated Lua raises its memory error instead, which is as good). */
static int fx_raise_kill(lua_State *L)
{
	fx__sbx_t *S = fx__sbx_of(L);
	lua_sethook(L, fx_hook, LUA_MASKCOUNT, 1);
	lua_pushstring(L, S->kill_msg);
	return lua_error(L);
}

static int fx_line_at(lua_State *L, int level)
{
	lua_Debug d;
	if (lua_getstack(L, level, &d) && lua_getinfo(L, "l", &d))
		return d.currentline;
	return 0;
}

int fx__kill(lua_State *L, const char *fmt, ...)
{
	fx__sbx_t *S = fx__sbx_of(L);
	char msg[FX_ERR_MAX - 24], full[FX_ERR_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	int line = fx_line_at(L, 1);
	if (line > 0)
		snprintf(full, sizeof full, "line %d: %s", line, msg);
	else
		snprintf(full, sizeof full, "%s", msg);
	fx__mark_killed(S, L, full);
	return fx_raise_kill(L);
}

void fx__check_killed(lua_State *L, int status)
{
	fx__sbx_t *S = fx__sbx_of(L);
	if (!S->in_call)
		return;
	if (!S->killed && (status == LUA_ERRMEM || S->mem_refused)) {
		char msg[96];
		snprintf(msg, sizeof msg, "memory limit exceeded (%zu bytes)", S->lim.mem_per_game);
		fx__mark_killed(S, L, msg);
	}
	if (S->killed)
		fx_raise_kill(L);
}

/* Marks the running effect killed when its units are over a budget (L
 * NULL from the allocator, where nothing may be raised); true if so. */
static bool fx_budget_over(lua_State *L, fx__sbx_t *S, int line)
{
	uint64_t call = S->units - S->call_start;
	const char *what = NULL;
	unsigned long long lim = 0;
	if (call > S->lim.instr_per_call) {
		what = "instruction limit exceeded (%llu per call)";
		lim = S->lim.instr_per_call;
	} else if (S->eff_base + call > S->lim.instr_per_game) {
		what = "instruction limit exceeded (%llu per game)";
		lim = S->lim.instr_per_game;
	}
	if (!what)
		return false;
	char msg[128], full[FX_ERR_MAX];
	snprintf(msg, sizeof msg, what, lim);
	if (line > 0)
		snprintf(full, sizeof full, "line %d: %s", line, msg);
	else
		snprintf(full, sizeof full, "%s", msg);
	fx__mark_killed(S, L, full);
	return true;
}

static void fx_budget_check(lua_State *L, fx__sbx_t *S, int line)
{
	if (fx_budget_over(L, S, line))
		fx_raise_kill(L);
}

void fx__charge(lua_State *L, uint64_t units)
{
	fx__sbx_t *S = fx__sbx_of(L);
	if (!S->in_call)
		return;
	S->units += units;
	fx_budget_check(L, S, fx_line_at(L, 1));
}

/*
 * The count hook. Per thread in Lua, but lua_newthread copies it, so every
 * coroutine a script makes is counted too. Also records the line of the
 * main chunk's return while a script is being validated.
 */
static void fx_hook(lua_State *L, lua_Debug *ar)
{
	fx__sbx_t *S = fx__sbx_of(L);
	if (ar->event == LUA_HOOKRET) {
		if (S->track_return && lua_getinfo(L, "Sl", ar) && strcmp(ar->what, "main") == 0)
			S->return_line = ar->currentline;
		return;
	}
	if (!S->in_call)
		return;
	if (S->killed)
		fx_raise_kill(L);
	S->units += FX__HOOK_INTERVAL;
	/* the common fire: count, and look no further unless a budget is
	 * spent or it is time for the checks that cost more */
	uint64_t call = S->units - S->call_start;
	if (++S->fires % FX__HOOK_CHECKS != 0 && !S->mem_refused &&
	    call <= S->lim.instr_per_call && S->eff_base + call <= S->lim.instr_per_game)
		return;
	lua_getinfo(L, "l", ar);
	int line = ar->currentline;
	char msg[160];
	if (S->mem_refused) {
		snprintf(msg, sizeof msg, "line %d: memory limit exceeded (%zu bytes)", line,
			 S->lim.mem_per_game);
		fx__mark_killed(S, L, msg);
		fx_raise_kill(L);
	}
	fx_budget_check(L, S, line);
	lua_Debug d;
	if (lua_getstack(L, S->lim.max_depth, &d)) {
		snprintf(msg, sizeof msg, "line %d: recursion limit exceeded (depth %d)", line,
			 S->lim.max_depth);
		fx__mark_killed(S, L, msg);
		fx_raise_kill(L);
	}
	/* The watchdog: time starts at the first check of a call, so calls
	 * too short to reach it never read the clock. */
	uint64_t now = fx__now_ns();
	if (S->call_t0 == 0) {
		S->call_t0 = now;
		return;
	}
	uint64_t spent = now - S->call_t0;
	if (spent > (uint64_t)S->lim.ms_per_call * 1000000u ||
	    S->eff_ns + spent > (uint64_t)S->lim.ms_per_game * 1000000u) {
		snprintf(msg, sizeof msg, "line %d: time limit exceeded (%u ms %s)", line,
			 spent > (uint64_t)S->lim.ms_per_call * 1000000u ? S->lim.ms_per_call
									 : S->lim.ms_per_game,
			 spent > (uint64_t)S->lim.ms_per_call * 1000000u ? "per call" : "per game");
		fx__mark_killed(S, L, msg);
		fx_raise_kill(L);
	}
}

void fx__sbx_call_begin(fx__sbx_t *S, uint64_t eff_units, uint64_t eff_ns)
{
	S->in_call = true;
	S->call_start = S->units;
	S->fires = 0;
	/* each call counts from zero, so what one effect ran never moves where
	 * the hook fires (and what is charged) in the next one's call */
	lua_sethook(S->L, fx_hook, LUA_MASKCOUNT | (S->track_return ? LUA_MASKRET : 0),
		    FX__HOOK_INTERVAL);
	S->eff_base = eff_units;
	S->eff_ns = eff_ns;
	S->call_t0 = 0;
	S->killed = false;
	S->mem_refused = false;
	S->mem_over = false;
	S->mem_emergency = false;
	/* the peak is per call: what this call saw, not what earlier
	 * effects of the session reached */
	S->mem_peak = S->sess_held;
	S->mem_enforce = true;
}

void fx__sbx_call_end(fx__sbx_t *S, uint64_t *units, uint64_t *ns)
{
	*units = S->units - S->call_start;
	*ns = S->call_t0 ? fx__now_ns() - S->call_t0 : 0;
	S->in_call = false;
	S->mem_enforce = false;
	S->mem_refused = false;
	S->mem_over = false;
	if (S->killed) {
		/* back to the normal interval on the session's thread; a killed
		 * effect's coroutines are never resumed again */
		lua_sethook(S->L, fx_hook, LUA_MASKCOUNT | (S->track_return ? LUA_MASKRET : 0),
			    FX__HOOK_INTERVAL);
		S->killed = false;
	}
}

/* ------------------------------------------------------------ error text */

void fx__error_text(lua_State *L, int idx, char *buf, size_t len)
{
	switch (lua_type(L, idx)) {
	case LUA_TSTRING: {
		size_t n;
		const char *s = lua_tolstring(L, idx, &n);
		if (n >= len)
			n = len - 1;
		memcpy(buf, s, n);
		buf[n] = 0;
		/* a message is one line of printable text */
		for (size_t i = 0; i < n; i++)
			if ((unsigned char)buf[i] < 0x20)
				buf[i] = ' ';
		break;
	}
	case LUA_TNUMBER:
		if (lua_isinteger(L, idx))
			snprintf(buf, len, "%lld", (long long)lua_tointeger(L, idx));
		else
			snprintf(buf, len, "%.14g", lua_tonumber(L, idx));
		break;
	case LUA_TNIL:
		snprintf(buf, len, "error with no message (nil)");
		break;
	default:
		/* never call __tostring or __index on an error object: it is
		 * the script's, and it may loop or raise */
		snprintf(buf, len, "error object is a %s value", lua_typename(L, lua_type(L, idx)));
		break;
	}
	fx__error_lines(buf);
}

void fx__error_lines(char *msg)
{
	/* Chunks are named "=fx", so Lua writes "fx:12: ..." */
	if (strncmp(msg, "fx:", 3) != 0)
		return;
	char *p = msg + 3, *q = p;
	while (*q >= '0' && *q <= '9')
		q++;
	if (q == p || *q != ':')
		return;
	char tmp[FX_ERR_MAX];
	snprintf(tmp, sizeof tmp, "line %.*s%s", (int)(q - p), p, q);
	snprintf(msg, FX_ERR_MAX, "%s", tmp);
}

/* ------------------------------------------------------------ base library */

/* A stable text for any value: numbers as Lua prints them, tables through
 * __tostring or "table", never an address. Pushes the result. */
const char *fx__tostring(lua_State *L, int idx, size_t *len)
{
	idx = lua_absindex(L, idx);
	switch (lua_type(L, idx)) {
	case LUA_TNIL:
		lua_pushliteral(L, "nil");
		break;
	case LUA_TBOOLEAN:
		lua_pushstring(L, lua_toboolean(L, idx) ? "true" : "false");
		break;
	case LUA_TNUMBER:
	case LUA_TSTRING:
		lua_pushvalue(L, idx);
		lua_tolstring(L, -1, NULL);
		break;
	case LUA_TTABLE:
		if (luaL_callmeta(L, idx, "__tostring")) {
			if (!lua_isstring(L, -1) || lua_type(L, -1) != LUA_TSTRING)
				luaL_error(L, "'__tostring' must return a string");
		} else {
			lua_pushliteral(L, "table");
		}
		break;
	case LUA_TFUNCTION:
		lua_pushliteral(L, "function");
		break;
	case LUA_TTHREAD:
		lua_pushliteral(L, "thread");
		break;
	default: {
		int t = luaL_getmetafield(L, idx, "__name");
		if (t == LUA_TSTRING)
			break;
		if (t != LUA_TNIL)
			lua_pop(L, 1);
		lua_pushliteral(L, "userdata");
		break;
	}
	}
	return lua_tolstring(L, -1, len);
}

static int b_tostring(lua_State *L)
{
	luaL_checkany(L, 1);
	lua_settop(L, 1);
	fx__tostring(L, 1, NULL);
	return 1;
}

bool fx__is_frozen(lua_State *L, int idx)
{
	if (lua_type(L, idx) != LUA_TTABLE || !lua_getmetatable(L, idx))
		return false;
	lua_pushlightuserdata(L, (void *)&fx__key_frozen);
	bool f = lua_rawget(L, -2) != LUA_TNIL;
	lua_pop(L, 2);
	return f;
}

/* The backing table of a frozen proxy at idx (pushed). */
static void fx_push_backing(lua_State *L, int idx)
{
	lua_getmetatable(L, idx);
	lua_getfield(L, -1, "__index");
	lua_remove(L, -2);
}

static int b_setmetatable(lua_State *L)
{
	int t = lua_type(L, 2);
	luaL_checktype(L, 1, LUA_TTABLE);
	luaL_argexpected(L, t == LUA_TNIL || t == LUA_TTABLE, 2, "nil or table");
	if (luaL_getmetafield(L, 1, "__metatable") != LUA_TNIL)
		return luaL_error(L, "cannot change a protected metatable");
	if (t == LUA_TTABLE) {
		static const char *const banned[] = {"__gc", "__mode"};
		for (size_t i = 0; i < sizeof banned / sizeof *banned; i++) {
			lua_pushstring(L, banned[i]);
			if (lua_rawget(L, 2) != LUA_TNIL)
				return luaL_error(L, "%s is not allowed in effects: garbage "
						  "collection must not be observable", banned[i]);
			lua_pop(L, 1);
		}
	}
	lua_settop(L, 2);
	lua_setmetatable(L, 1);
	return 1;
}

static int b_getmetatable(lua_State *L)
{
	luaL_checkany(L, 1);
	/* only tables: the string metatable and our views stay out of reach;
	 * read-only tables we made (ctx, libraries) have none as far as a
	 * script can tell */
	if (lua_type(L, 1) != LUA_TTABLE || fx__is_frozen(L, 1) || !lua_getmetatable(L, 1)) {
		lua_pushnil(L);
		return 1;
	}
	luaL_getmetafield(L, 1, "__metatable");
	return 1;
}

static int b_rawset(lua_State *L)
{
	luaL_checktype(L, 1, LUA_TTABLE);
	luaL_checkany(L, 2);
	luaL_checkany(L, 3);
	if (fx__is_frozen(L, 1))
		return luaL_error(L, "attempt to modify a read-only table");
	lua_settop(L, 3);
	lua_rawset(L, 1);
	return 1;
}

/* pcall and xpcall: as Lua's, except that a killed script's error goes on
 * up instead of being returned (fx__check_killed raises it again). */
static int finish_pcall(lua_State *L, int status, lua_KContext extra)
{
	if (status != LUA_OK && status != LUA_YIELD) {
		fx__check_killed(L, status);
		/* unwinding an error is C work the count hook does not see */
		fx__charge(L, 128);
		lua_pushboolean(L, 0);
		lua_pushvalue(L, -2);
		return 2;
	}
	return lua_gettop(L) - (int)extra;
}

static int b_pcall(lua_State *L)
{
	luaL_checkany(L, 1);
	lua_pushboolean(L, 1);
	lua_insert(L, 1);
	int status = lua_pcallk(L, lua_gettop(L) - 2, LUA_MULTRET, 0, 0, finish_pcall);
	return finish_pcall(L, status, 0);
}

static int b_xpcall(lua_State *L)
{
	int n = lua_gettop(L);
	luaL_checktype(L, 2, LUA_TFUNCTION);
	lua_pushboolean(L, 1);   /* f, h, args..., true */
	lua_pushvalue(L, 1);     /* f, h, args..., true, f */
	lua_rotate(L, 3, 2);     /* f, h, true, f, args... */
	int status = lua_pcallk(L, n - 2, LUA_MULTRET, 2, 2, finish_pcall);
	return finish_pcall(L, status, 2);
}

/* --- deterministic iteration -------------------------------------------- */

typedef struct fx_keyref {
	int rank;        /* 0 number, 1 string, 2 boolean */
	bool isint;
	lua_Integer i;
	lua_Number n;
	const char *s;
	size_t len;
	int pos;         /* index in the unsorted key list */
} fx_keyref_t;

static int key_rank(lua_State *L, int idx)
{
	switch (lua_type(L, idx)) {
	case LUA_TNUMBER:
		return 0;
	case LUA_TSTRING:
		return 1;
	case LUA_TBOOLEAN:
		return 2;
	default:
		return luaL_error(L, "pairs/next: keys of type %s have no defined order; "
				  "use string or number keys", luaL_typename(L, idx));
	}
}

static void key_read(lua_State *L, int idx, fx_keyref_t *k)
{
	k->rank = key_rank(L, idx);
	k->isint = false;
	k->s = NULL;
	k->len = 0;
	k->i = 0;
	k->n = 0;
	if (k->rank == 0) {
		k->isint = lua_isinteger(L, idx);
		if (k->isint)
			k->i = lua_tointeger(L, idx);
		k->n = lua_tonumber(L, idx);
	} else if (k->rank == 1) {
		k->s = lua_tolstring(L, idx, &k->len);
	} else {
		k->i = lua_toboolean(L, idx);
	}
}

/* A total order: numbers (numerically; an integer before a float equal to
 * it), then strings (bytewise), then false, true. */
static int key_cmp(const fx_keyref_t *a, const fx_keyref_t *b)
{
	if (a->rank != b->rank)
		return a->rank < b->rank ? -1 : 1;
	if (a->rank == 0) {
		if (a->isint && b->isint)
			return a->i < b->i ? -1 : a->i > b->i;
		if (a->n != b->n)
			return a->n < b->n ? -1 : 1;
		if (a->isint != b->isint)
			return a->isint ? -1 : 1;
		return 0;
	}
	if (a->rank == 1) {
		size_t m = a->len < b->len ? a->len : b->len;
		int c = memcmp(a->s, b->s, m);
		if (c)
			return c < 0 ? -1 : 1;
		return a->len < b->len ? -1 : a->len > b->len;
	}
	return a->i < b->i ? -1 : a->i > b->i;
}

static int key_qcmp(const void *x, const void *y)
{
	return key_cmp(x, y);
}

static uint64_t log2ceil(uint64_t n)
{
	uint64_t r = 1;
	while (n > 1) {
		n >>= 1;
		r++;
	}
	return r;
}

static int pairs_iter(lua_State *L)
{
	lua_Integer i = lua_tointeger(L, lua_upvalueindex(3));
	lua_Integer n = (lua_Integer)lua_rawlen(L, lua_upvalueindex(2));
	while (++i <= n) {
		lua_rawgeti(L, lua_upvalueindex(2), i);
		lua_pushvalue(L, -1);
		if (lua_rawget(L, lua_upvalueindex(1)) != LUA_TNIL) {
			lua_pushinteger(L, i);
			lua_replace(L, lua_upvalueindex(3));
			return 2;
		}
		lua_pop(L, 2); /* removed while iterating: skip */
	}
	lua_pushinteger(L, n);
	lua_replace(L, lua_upvalueindex(3));
	lua_pushnil(L);
	return 1;
}

/*
 * pairs over a plain table in sorted key order: a snapshot of the keys is
 * taken and sorted once, values are read as the loop reaches them (keys set
 * to nil meanwhile are skipped). Lua's own order follows string hashes,
 * which are seeded per state, so it would differ between processes.
 */
int fx__pairs_table(lua_State *L, int idx)
{
	idx = lua_absindex(L, idx);
	lua_Integer n = 0;
	lua_pushnil(L);
	while (lua_next(L, idx)) {
		lua_pop(L, 1);
		key_rank(L, -1);
		n++;
	}
	fx__charge(L, (uint64_t)n * log2ceil((uint64_t)n + 1) / 4 + 1);
	lua_createtable(L, (int)n, 0); /* keys, unsorted */
	int ks = lua_gettop(L);
	lua_Integer i = 0;
	lua_pushnil(L);
	while (lua_next(L, idx)) {
		lua_pop(L, 1);
		lua_pushvalue(L, -1);
		lua_rawseti(L, ks, ++i);
	}
	fx_keyref_t *a = n ? lua_newuserdatauv(L, (size_t)n * sizeof *a, 0) : NULL;
	for (i = 0; i < n; i++) {
		lua_rawgeti(L, ks, i + 1);
		key_read(L, -1, &a[i]); /* strings stay alive: ks holds them */
		a[i].pos = (int)i + 1;
		lua_pop(L, 1);
	}
	if (n > 1)
		qsort(a, (size_t)n, sizeof *a, key_qcmp);
	lua_pushvalue(L, idx);
	lua_createtable(L, (int)n, 0); /* keys, sorted */
	for (i = 0; i < n; i++) {
		lua_rawgeti(L, ks, a[i].pos);
		lua_rawseti(L, -2, i + 1);
	}
	lua_pushinteger(L, 0);
	lua_pushcclosure(L, pairs_iter, 3);
	lua_pushvalue(L, idx);
	lua_pushnil(L);
	return 3;
}

static int b_pairs(lua_State *L)
{
	luaL_checkany(L, 1);
	if (lua_type(L, 1) == LUA_TUSERDATA) {
		if (!fx__api_view_snapshot(L, 1))
			return luaL_typeerror(L, 1, "table");
		lua_replace(L, 1);
	} else if (lua_type(L, 1) == LUA_TTABLE && fx__api_view_snapshot(L, 1)) {
		lua_replace(L, 1); /* a game's ctx view: all its fields, not just those read */
	}
	luaL_checktype(L, 1, LUA_TTABLE);
	lua_settop(L, 1);
	if (fx__is_frozen(L, 1)) {
		/* the iterator keeps the backing table in an upvalue; the state
		 * value handed back is the proxy, so the writable backing table
		 * never reaches the script */
		fx_push_backing(L, 1);
		int r = fx__pairs_table(L, 2);
		lua_pushvalue(L, 1);
		lua_replace(L, -3);
		return r;
	}
	if (luaL_getmetafield(L, 1, "__pairs") != LUA_TNIL) {
		lua_pushvalue(L, 1);
		lua_call(L, 1, 3);
		return 3;
	}
	return fx__pairs_table(L, 1);
}

/* next in the same order as pairs: the smallest key greater than the one
 * given. O(n) per call (charged); pairs is the fast way to loop. */
static int b_next(lua_State *L)
{
	luaL_checkany(L, 1);
	lua_settop(L, 2);
	int t = 1;
	if ((lua_type(L, 1) == LUA_TTABLE || lua_type(L, 1) == LUA_TUSERDATA) &&
	    fx__api_view_snapshot(L, 1)) {
		/* a game's view: all its fields, as pairs gives them; its backing
		 * table holds the fields read so far, by any effect in any
		 * earlier game, which no script may observe */
		t = 3;
	} else {
		luaL_checktype(L, 1, LUA_TTABLE);
		if (fx__is_frozen(L, 1)) {
			fx_push_backing(L, 1);
			t = 3;
		}
	}
	bool has_k = !lua_isnil(L, 2);
	fx_keyref_t k = {0}, best = {0}, cur;
	if (has_k)
		key_read(L, 2, &k);
	int bslot = lua_gettop(L) + 1;
	lua_pushnil(L); /* best key */
	bool have = false;
	uint64_t n = 0;
	lua_pushnil(L);
	while (lua_next(L, t)) {
		lua_pop(L, 1);
		n++;
		key_read(L, -1, &cur);
		if (has_k && key_cmp(&cur, &k) <= 0)
			continue;
		if (!have || key_cmp(&cur, &best) < 0) {
			lua_pushvalue(L, -1);
			lua_replace(L, bslot);
			key_read(L, bslot, &best);
			have = true;
		}
	}
	fx__charge(L, n / 4 + 1);
	if (!have) {
		lua_pushnil(L);
		return 1;
	}
	lua_pushvalue(L, bslot);
	lua_pushvalue(L, bslot);
	lua_rawget(L, t);
	return 2;
}

/* Globals an author may reach for out of habit, with the reason they are
 * not there, so the error says what to use instead. */
static const char *absent_reason(const char *name)
{
	static const char *const tab[][2] = {
		{"print", "use ctx.log"},
		{"os", "effects have no clock or system access"},
		{"io", "effects have no file access"},
		{"debug", "not available to effects"},
		{"package", "effects cannot load modules"},
		{"require", "effects cannot load modules"},
		{"load", "effects cannot compile code"},
		{"loadstring", "effects cannot compile code"},
		{"loadfile", "effects cannot compile code"},
		{"dofile", "effects cannot compile code"},
		{"collectgarbage", "garbage collection is not observable in effects"},
		{"_G", "each effect has its own environment; use _ENV"},
	};
	for (size_t i = 0; i < sizeof tab / sizeof *tab; i++)
		if (strcmp(tab[i][0], name) == 0)
			return tab[i][1];
	return NULL;
}

/* __index of every effect's environment: the allow-listed base, and an
 * error for anything else (a typo should fail loudly, not read nil). */
static int env_index(lua_State *L)
{
	lua_pushvalue(L, 2);
	if (lua_rawget(L, lua_upvalueindex(1)) != LUA_TNIL)
		return 1;
	if (lua_type(L, 2) == LUA_TSTRING) {
		const char *name = lua_tostring(L, 2);
		const char *why = absent_reason(name);
		if (why)
			return luaL_error(L, "'%s' is not available in effects (%s)", name, why);
		return luaL_error(L, "undefined global '%s'", name);
	}
	return luaL_error(L, "undefined global");
}

void fx__push_env(lua_State *L)
{
	lua_createtable(L, 0, 4);
	lua_rawgetp(L, LUA_REGISTRYINDEX, &fx__key_envmt);
	lua_setmetatable(L, -2);
}

/* Builds everything scripts can see. Runs protected (lua_pcall). */
static int fx_setup_protected(lua_State *L)
{
	/* Lua's own libraries, only as a source of functions to copy */
	luaL_requiref(L, "_G", luaopen_base, 0);
	int G = lua_gettop(L);

	lua_newtable(L); /* the base every environment reads through */
	int base = lua_gettop(L);
	static const char *const keep[] = {"assert", "error", "ipairs", "rawequal", "rawlen",
					   "rawget", "select", "tonumber", "type"};
	for (size_t i = 0; i < sizeof keep / sizeof *keep; i++) {
		lua_getfield(L, G, keep[i]);
		if (!lua_iscfunction(L, -1))
			return luaL_error(L, "base function %s missing", keep[i]);
		lua_setfield(L, base, keep[i]);
	}
	static const luaL_Reg own[] = {
		{"next", b_next},         {"pairs", b_pairs},
		{"pcall", b_pcall},       {"xpcall", b_xpcall},
		{"tostring", b_tostring}, {"rawset", b_rawset},
		{"setmetatable", b_setmetatable}, {"getmetatable", b_getmetatable},
		{NULL, NULL},
	};
	lua_pushvalue(L, base);
	luaL_setfuncs(L, own, 0);
	lua_pop(L, 1);

	lua_pushvalue(L, base);
	fx__safelib_open(L); /* string, table, math, utf8, coroutine */
	lua_pop(L, 1);

	lua_pushvalue(L, base);
	lua_rawsetp(L, LUA_REGISTRYINDEX, &fx__key_base);

	/* the environment metatable, shared and hidden */
	lua_createtable(L, 0, 2);
	lua_pushvalue(L, base);
	lua_pushcclosure(L, env_index, 1);
	lua_setfield(L, -2, "__index");
	lua_pushboolean(L, 0);
	lua_setfield(L, -2, "__metatable");
	lua_rawsetp(L, LUA_REGISTRYINDEX, &fx__key_envmt);

	/* A trusted two-liner whose every call makes a closure with a fresh
	 * upvalue: lua_upvaluejoin moves a cached chunk's _ENV onto it, so
	 * each instantiation of a script gets its own _ENV cell. */
	static const char factory[] = "local e = ... return function() return e end";
	if (luaL_loadbufferx(L, factory, sizeof factory - 1, "=factory", "t") != LUA_OK)
		return lua_error(L);
	lua_rawsetp(L, LUA_REGISTRYINDEX, &fx__key_factory);

	fx__api_open(L);
	lua_settop(L, 0);
	return 0;
}

int fx__sbx_setup(lua_State *L)
{
	lua_pushcfunction(L, fx_setup_protected);
	return lua_pcall(L, 0, 0, 0);
}

int fx__sbx_open(fx__sbx_t *S, const fx_limits_t *lim, char *err, size_t errlen)
{
	memset(S, 0, sizeof *S);
	S->lim = *lim;
	lua_State *L = lua_newstate(fx_alloc, S);
	if (!L) {
		snprintf(err, errlen, "out of memory creating the Lua state");
		return -1;
	}
	S->L = S->main = L;
	*(fx__sbx_t **)lua_getextraspace(L) = S;
	lua_atpanic(L, fx_panic);
	/* No collection while scripts run: weak tables and finalizers could
	 * otherwise observe GC timing. Sessions collect in between. */
	lua_gc(L, LUA_GCSTOP);
	if (fx__sbx_setup(L) != LUA_OK) {
		fx__error_text(L, -1, err, errlen);
		lua_close(L);
		S->L = S->main = NULL;
		return -1;
	}
	lua_sethook(L, fx_hook, LUA_MASKCOUNT, FX__HOOK_INTERVAL);
	return 0;
}

void fx__sbx_close(fx__sbx_t *S)
{
	if (S->main)
		lua_close(S->main);
	S->L = S->main = NULL;
}

/* Makes a thread (protected: lua_newthread raises when out of memory). */
static int new_thread(lua_State *L)
{
	lua_newthread(L);
	return 1;
}

/*
 * Each session runs on a thread of its own. The memory cap and the budget
 * count the growth of the stack and call list a script's calls need; on
 * one long-lived thread, that growth (or a shrink after a caught error,
 * freeing what an earlier game grew) would depend on what earlier games
 * left, so the same game could be stopped in one process and not in
 * another. A new thread starts the same every time. It is anchored on the
 * main thread's stack and left to the collector when the session ends.
 */
int fx__sbx_thread_begin(fx__sbx_t *S)
{
	lua_settop(S->main, 0);
	lua_pushcfunction(S->main, new_thread);
	if (lua_pcall(S->main, 0, 1, 0) != LUA_OK) {
		lua_settop(S->main, 0);
		return -1;
	}
	S->L = lua_tothread(S->main, 1);
	lua_sethook(S->L, fx_hook, LUA_MASKCOUNT, FX__HOOK_INTERVAL);
	return 0;
}

void fx__sbx_thread_end(fx__sbx_t *S)
{
	if (S->L != S->main)
		lua_settop(S->L, 0);
	S->L = S->main;
	lua_settop(S->main, 0);
}
