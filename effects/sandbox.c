/*
 * sandbox.c — the lua_State an engine runs effects in, and its guards.
 *
 * Everything a script can touch is built here from an allow-list; nothing
 * of Lua's own global table is reachable. The guards, each with its own
 * message, all deterministic (where a script stops depends on what it did,
 * never on the machine or its load):
 *   - an allocator that tags every block with its owner (the effect of
 *     the session that allocated it, or the engine): each effect is
 *     charged for what it holds, up to its own cap; an allocation that
 *     would pass the cap is refused only after Lua's emergency collection
 *     has freed the garbage (and the collection's work is charged). A cap
 *     on one string's size, and bytes allocated charged to the instruction
 *     budget, so C-side work that builds big things is paid for;
 *   - a count hook every FX__HOOK_INTERVAL instructions: per-call and
 *     per-game instruction budgets, a recursion limit and a limit on the
 *     extra arguments a vararg function holds (each copy of them is one
 *     instruction doing work in proportion to their number). Once a
 *     script is killed the hook re-arms itself to fire on every
 *     instruction, and every pcall-like wrapper rethrows, so no pcall,
 *     xpcall, coroutine or __close handler can swallow the kill;
 *   - work the VM does inside one instruction that the count hook cannot
 *     see is bounded or charged: string comparisons (strcoll, below),
 *     metatable chains (setmetatable takes a snapshot: __index tables are
 *     reached through a charged step, __call and operators must be
 *     functions), strings at most max_string bytes;
 *   - determinism: pairs/next in sorted key order, tostring without
 *     addresses and with one spelling of NaN, no __gc/__mode, the garbage
 *     collector stopped while scripts run (it collects between sessions,
 *     and in an emergency before refusing memory, which scripts cannot
 *     observe: nothing of theirs is weak or finalized).
 * And one clock: a backstop on the thread's CPU time, far above what the
 * budgets allow, which catches an engine bug (work nothing charges) and
 * says so ("engine fault").
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
	fx__key_views, fx__key_strlib, fx__key_tostring, fx__key_mtcache;

/* The thread's CPU time: the backstop only; never reaches a script or a
 * budget. */
static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ------------------------------------------------------------ allocator */

static bool fx_budget_over(lua_State *L, fx__sbx_t *S, int line);

/* Each block starts with its owner; 16 bytes keep Lua's alignment. */
typedef struct fx_blk {
	_Alignas(16) uint32_t gen; /* the session that allocated it */
	uint32_t owner;            /* 0: the engine; i + 1: effect i of that session */
	uint64_t pad;
} fx_blk_t;

/* What a full collection costs, in units: it marks and sweeps every block. */
static uint64_t gc_units(const fx__sbx_t *S)
{
	return (uint64_t)S->n_blocks * FX__GC_UNITS_PER_BLOCK + S->mem_used / FX__GC_BYTES_PER_UNIT;
}

static size_t *held_of(fx__sbx_t *S, uint32_t owner, uint32_t gen)
{
	if (owner == 0 || gen != S->gen || owner > (uint32_t)S->n_owners)
		return NULL;
	return &S->held[owner - 1];
}

static void credit(fx__sbx_t *S, uint32_t owner, uint32_t gen, size_t n)
{
	size_t *h = held_of(S, owner, gen);
	if (h)
		*h -= n < *h ? n : *h;
}

/*
 * Whether the running effect's request, adding `add` bytes to what it
 * holds, must be refused. A string over the limit is refused outright. Over
 * the cap, the first refusal lets Lua run its emergency collection (the
 * garbage of every effect is freed, and credited to its owner) and ask
 * again with the same arguments; the retry is refused only if the effect
 * still holds too much: then it is killed. What decides is what the effect
 * holds, not when it let go of things, so the outcome is the same in every
 * process. A request Lua does not retry (a string buffer's growth raises
 * at once) is left pending, and the pcall wrappers and the call's end
 * count it as the kill it is.
 */
static bool refuse(fx__sbx_t *S, const void *ptr, size_t osize, size_t nsize, size_t add)
{
	if (S->killed)
		return true; /* the call is over; its error is on its way */
	if (!ptr && osize == LUA_TSTRING && nsize > S->lim.max_string + 64) {
		char msg[96];
		snprintf(msg, sizeof msg, "string longer than %zu bytes", S->lim.max_string);
		fx__mark_killed(S, NULL, msg);
		return true;
	}
	size_t held = S->held[S->owner - 1];
	/* a Lua object (ptr NULL, osize its type) gets the cap; a growing
	 * vector, buffer or stack the slack above it */
	bool object = !ptr && osize != 0;
	size_t cap = S->lim.mem_per_effect + (object ? 0 : FX__MEM_SLACK);
	if (held + add <= cap) {
		S->ref_pending = false;
		return false;
	}
	bool retry = S->ref_pending && S->ref_ptr == ptr && S->ref_osize == osize &&
		     S->ref_nsize == nsize;
	if (!retry) {
		S->ref_pending = true;
		S->ref_ptr = ptr;
		S->ref_osize = osize;
		S->ref_nsize = nsize;
		/* the collection visits the whole engine: charged */
		if (S->in_call) {
			S->units += gc_units(S);
			fx_budget_over(NULL, S, 0);
		}
		return true;
	}
	S->ref_pending = false;
	char msg[96];
	snprintf(msg, sizeof msg, "memory limit exceeded (%zu bytes per effect)", S->lim.mem_per_effect);
	fx__mark_killed(S, NULL, msg);
	return true;
}

/*
 * Where blocks come from. Lua makes and frees small blocks all the time (a
 * game's closures, tables, strings, call frames; a result table per hook
 * call that returns one), and the C library's malloc, realloc and free cost
 * a few hundred instructions each and much of the instruction cache between
 * two hook points. So small blocks are kept on free lists by size class
 * and reused; a block of total size t (header included, t at most
 * FX__POOL_CLASSES * FX__POOL_GRAIN) is always at least pool_cap(t) bytes,
 * so any block of class c on list c will do. Larger blocks are the C
 * library's. Only where memory comes from changes: what a block counts
 * for, and who is charged, is fx_alloc's, as before. Under AddressSanitizer
 * every block is the C library's, so it still sees each use after free.
 */
#if defined(__SANITIZE_ADDRESS__)
#define POOL_ON 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define POOL_ON 0
#endif
#endif
#ifndef POOL_ON
#define POOL_ON 1
#endif
#define POOL_MAX ((size_t)FX__POOL_CLASSES * FX__POOL_GRAIN)

typedef struct pool_blk {
	struct pool_blk *next;
} pool_blk_t;

static size_t pool_class(size_t total)
{
	return (total - 1) / FX__POOL_GRAIN;
}

static size_t pool_cap(size_t total)
{
	return (pool_class(total) + 1) * FX__POOL_GRAIN;
}

static void *blk_get(fx__sbx_t *S, size_t total)
{
	if (!POOL_ON || total > POOL_MAX)
		return malloc(total);
	size_t c = pool_class(total);
	pool_blk_t *p = S->pool[c];
	if (!p)
		return malloc(pool_cap(total));
	S->pool[c] = p->next;
	S->pool_bytes -= pool_cap(total);
	return p;
}

/* b is at least pool_cap(total) bytes when total is at most POOL_MAX. */
static void blk_put(fx__sbx_t *S, void *b, size_t total)
{
	if (!POOL_ON || total > POOL_MAX || S->pool_bytes + pool_cap(total) > FX__POOL_BYTES) {
		free(b);
		return;
	}
	pool_blk_t *p = b;
	size_t c = pool_class(total);
	p->next = S->pool[c];
	S->pool[c] = p;
	S->pool_bytes += pool_cap(total);
}

/* b (of old bytes) resized to nsz bytes, its contents kept; NULL when out
 * of memory (b unchanged). A shrink never fails. */
static void *blk_resize(fx__sbx_t *S, void *b, size_t old, size_t nsz)
{
	if (!POOL_ON || (old > POOL_MAX && nsz > POOL_MAX)) {
		void *nb = realloc(b, nsz);
		return nb ? nb : nsz <= old ? b : NULL;
	}
	if (old > POOL_MAX) { /* a large block shrinks into the pool's sizes */
		void *nb = realloc(b, pool_cap(nsz));
		return nb ? nb : b;
	}
	if (nsz <= pool_cap(old))
		return b; /* it fits where it is */
	void *nb = blk_get(S, nsz);
	if (!nb)
		return NULL;
	memcpy(nb, b, old);
	blk_put(S, b, old);
	return nb;
}

static void pool_free(fx__sbx_t *S)
{
	for (int c = 0; c < FX__POOL_CLASSES; c++)
		while (S->pool[c]) {
			pool_blk_t *p = S->pool[c];
			S->pool[c] = p->next;
			free(p);
		}
	S->pool_bytes = 0;
}

/*
 * Lua 5.4 calls this for every block. When ptr is NULL, osize is the type
 * of the object being created (LUA_TSTRING for strings; 0 for vectors and
 * buffers), not a size. Limits apply only while an effect runs
 * (mem_enforce), so the engine's own work never fails for a script's sake
 * and is never charged to one (compiling a chunk, keeping a view's field).
 * Frees and shrinks never fail.
 */
static void *fx_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
	fx__sbx_t *S = ud;
	fx_blk_t *b = ptr ? (fx_blk_t *)ptr - 1 : NULL;
	size_t old = ptr ? osize : 0;
	uint32_t b_owner = b ? b->owner : 0, b_gen = b ? b->gen : 0;
	if (nsize == 0) {
		if (b) {
			credit(S, b_owner, b_gen, old);
			S->mem_used -= old;
			S->n_blocks--;
			blk_put(S, b, sizeof *b + old);
		}
		return NULL;
	}
	uint32_t who = S->mem_enforce ? (uint32_t)S->owner : 0;
	/* a block changing hands (a stack an earlier effect grew) is freed by
	 * its old owner and allocated by the new one */
	bool same = b && b_owner == who && b_gen == S->gen;
	size_t add = same ? (nsize > old ? nsize - old : 0) : nsize;
	if (who && add && nsize > old) { /* a shrink is never refused */
		if (refuse(S, ptr, osize, nsize, add))
			return NULL;
		if (S->in_call) {
			S->units += add / FX__BYTES_PER_UNIT;
			if (!fx__sbx_within(S) && fx_budget_over(NULL, S, 0))
				return NULL;
		}
	}
	fx_blk_t *nb = b ? blk_resize(S, b, sizeof *b + old, sizeof *b + nsize)
			 : blk_get(S, sizeof *b + nsize);
	if (!nb)
		return NULL;
	if (b && !same)
		credit(S, b_owner, b_gen, old);
	if (!b)
		S->n_blocks++;
	if (who) {
		size_t *h = &S->held[who - 1];
		if (same && nsize < old)
			*h -= old - nsize < *h ? old - nsize : *h;
		else
			*h += add;
		if (*h > S->mem_peak)
			S->mem_peak = *h;
	}
	if (nsize > old) {
		S->mem_used += nsize - old;
		S->since_collect += nsize - old;
	} else {
		S->mem_used -= old - nsize;
	}
	nb->gen = S->gen;
	nb->owner = who;
	return nb + 1;
}

void fx__sbx_session_start(fx__sbx_t *S, size_t *held, int n, int n_subscribed)
{
	S->gen++;
	S->held = held;
	S->n_owners = n;
	for (int i = 0; i < n; i++)
		held[i] = 0;
	S->owner = 0;
	S->ref_pending = false;
	S->cpu0 = 0;
	S->engine_faults = 0;
	S->backstop_ns = (uint64_t)S->lim.backstop_ms * 1000000u * (uint64_t)(n_subscribed > 0 ? n_subscribed : 1);
}

static int fx_panic(lua_State *L)
{
	/* Only reachable if our own code calls Lua unprotected: a bug. */
	const char *m = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "?";
	fprintf(stderr, "effects: unprotected Lua error: %s\n", m);
	abort();
}

/* ------------------------------------------------------------ string order */

/*
 * Lua orders strings with strcoll, one call per NUL-separated piece of
 * them: `a < b` on two 2 KB strings of NUL bytes is two thousand calls in
 * one VM instruction, which the count hook cannot see. So the program
 * defines strcoll itself (the dynamic linker binds Lua's calls to it) and
 * charges each call to the call running on this thread. It compares as the
 * "C" locale does, bytewise: the program never sets another locale, and
 * this way no locale could make string order differ between machines.
 *
 * The running call is found through a thread-local pointer, the one piece
 * of state here that is not reached through a lua_State (strcoll gets two
 * strings and nothing else); call_begin and call_end set and restore it.
 */
_Thread_local fx__sbx_t *fx__running;

int strcoll(const char *a, const char *b)
{
	const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;
	size_t i = 0;
	while (x[i] && x[i] == y[i])
		i++;
	fx__sbx_t *S = fx__running;
	if (S && S->in_call) {
		/* one unit per call (Lua scans both pieces again with strlen)
		 * and per 16 bytes; over a budget, the next count-hook fire
		 * raises the kill */
		S->units += 1 + i / 16;
		fx_budget_over(NULL, S, 0);
	}
	return (int)x[i] - (int)y[i];
}

/* ------------------------------------------------------------ kill switch */


void fx__mark_killed(fx__sbx_t *S, lua_State *L, const char *msg)
{
	if (!S->killed) {
		S->killed = true;
		snprintf(S->kill_msg, sizeof S->kill_msg, "%s", msg);
	}
	if (L)
		lua_sethook(L, fx__hook, LUA_MASKCOUNT, 1);
}

/* Raises the stored kill message (a fresh string; if even that cannot be
 * allocated Lua raises its memory error instead, which is as good). */
static int fx_raise_kill(lua_State *L)
{
	fx__sbx_t *S = fx__sbx_of(L);
	lua_sethook(L, fx__hook, LUA_MASKCOUNT, 1);
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
	/* a memory error, or a refusal Lua did not retry (a buffer's growth
	 * raises "not enough memory" as an ordinary error) */
	if (!S->killed && (status == LUA_ERRMEM || S->ref_pending)) {
		char msg[96];
		snprintf(msg, sizeof msg, "memory limit exceeded (%zu bytes per effect)",
			 S->lim.mem_per_effect);
		S->ref_pending = false;
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
	if (S->killed)
		return true;
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
	if (S->killed)
		fx_raise_kill(L);
	fx_budget_check(L, S, fx_line_at(L, 1));
}

/*
 * The call stack, every FX__HOOK_CHECKS fires: the recursion limit, and
 * the extra arguments of every vararg function on it. `...` copies them
 * all in one instruction, so a frame holding a hundred thousand would make
 * each of its instructions cost as much as a hundred thousand; it is
 * refused at the first check that finds it, wherever it is on the stack
 * (a loop cannot hide it by being elsewhere when the check comes). The walk
 * costs O(depth²) pointer steps in Lua (lua_getstack counts from the top),
 * at most some 20,000 for the deepest stack allowed.
 */
static void stack_check(lua_State *L, fx__sbx_t *S, int line)
{
	lua_Debug d;
	char msg[160];
	for (int level = 0; lua_getstack(L, level, &d); level++) {
		if (level >= S->lim.max_depth) {
			snprintf(msg, sizeof msg, "line %d: recursion limit exceeded (depth %d)", line,
				 S->lim.max_depth);
			fx__mark_killed(S, L, msg);
			fx_raise_kill(L);
		}
		if (lua_getlocal(L, &d, -(S->lim.max_args + 1))) {
			lua_pop(L, 1);
			snprintf(msg, sizeof msg, "line %d: argument limit exceeded (a function holds "
				 "more than %d extra arguments)", line, S->lim.max_args);
			fx__mark_killed(S, L, msg);
			fx_raise_kill(L);
		}
	}
}

/*
 * The backstop. The budgets bound what a script costs; if a session still
 * spends more CPU time than they can explain, something the units do not
 * cover is being done (an engine bug), and the effect running is stopped
 * with a message that says so. It reads the clock only every
 * FX__BACKSTOP_FIRES fires, from the first of them in the session.
 */
static void backstop_check(lua_State *L, fx__sbx_t *S, int line)
{
	uint64_t now = thread_cpu_ns();
	if (S->cpu0 == 0) {
		S->cpu0 = now;
		return;
	}
	if (now - S->cpu0 <= S->backstop_ns)
		return;
	S->engine_faults++;
	char msg[FX_ERR_MAX];
	snprintf(msg, sizeof msg, "line %d: engine fault: the session used more than %llu ms of "
		 "CPU time, which its budgets should have prevented (the CPU-time backstop); "
		 "please report this script", line,
		 (unsigned long long)(S->backstop_ns / 1000000u));
	fx__mark_killed(S, L, msg);
	fx_raise_kill(L);
}

/*
 * The count hook. Per thread in Lua, but lua_newthread copies it, so every
 * coroutine a script makes is counted too. Also records the line of the
 * main chunk's return while a script is being validated.
 */
void fx__hook(lua_State *L, lua_Debug *ar)
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
	if (++S->fires % FX__HOOK_CHECKS != 0 && fx__sbx_within(S))
		return;
	lua_getinfo(L, "l", ar);
	int line = ar->currentline;
	fx_budget_check(L, S, line);
	stack_check(L, S, line);
	if (S->fires % FX__BACKSTOP_FIRES == 0)
		backstop_check(L, S, line);
}

/* After a kill: back to the normal interval on the session's thread (a
 * killed effect's coroutines are never resumed again). */
void fx__sbx_call_end_killed(fx__sbx_t *S)
{
	lua_sethook(S->L, fx__hook, LUA_MASKCOUNT | (S->track_return ? LUA_MASKRET : 0),
		    FX__HOOK_INTERVAL);
	S->killed = false;
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
		else if (isnan(lua_tonumber(L, idx)))
			snprintf(buf, len, "nan");
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

const char *fx__number_text(lua_State *L, int idx, size_t *len)
{
	/* Lua prints a float with "%.14g", so NaN comes out as the C library
	 * spells the sign of that NaN: "-nan" for 0/0 on x86-64, "nan" on
	 * other machines. One spelling everywhere. */
	if (!lua_isinteger(L, idx) && isnan(lua_tonumber(L, idx)))
		lua_pushliteral(L, "nan");
	else
		lua_pushvalue(L, idx);
	return lua_tolstring(L, -1, len);
}

/* A stable text for any value: numbers as Lua prints them (NaN as "nan"),
 * tables through __tostring or "table", never an address. Pushes the
 * result. */
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
		return fx__number_text(L, idx, len);
	case LUA_TSTRING:
		lua_pushvalue(L, idx);
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
	/* a float is printed with snprintf, some fifty instructions' worth */
	if (lua_type(L, 1) == LUA_TNUMBER && !lua_isinteger(L, 1))
		fx__charge(L, 48);
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

/*
 * Metatables. The VM reads a table's metamethods inside single
 * instructions, where the count hook cannot see the work: an __index that
 * is a table whose metatable's __index is a table ... is followed up to
 * 2,000 times per read, and a __call that is a callable table is followed
 * without limit, each step shifting the call's arguments (quadratic). So a
 * table never gets the script's metatable itself but a snapshot of it,
 * taken by setmetatable:
 *   - __index and __newindex tables become a C function that reads (or
 *     writes) through that table and charges the step, so a chain is paid
 *     for and bounded by Lua's C-call limit (200);
 *   - __call and the operators must be functions (a callable table as a
 *     metamethod is refused with a message), __gc and __mode are refused;
 *   - getmetatable gives back the script's own table, and __metatable
 *     protects as it does in Lua.
 * Changing the metatable afterwards does not change the tables it was given
 * to: its metamethods are read when setmetatable is called (methods looked
 * up through __index are not copied, so adding methods to a class table
 * later works as usual). Within a session the snapshot of an unchanged
 * metatable is reused (a cache keyed by the metatable), so making many
 * objects of one class costs one snapshot.
 */

/* Units a step through an __index or __newindex table costs: a C call, a
 * table access and the metamethod dispatch around them (measured). */
#define MT_HOP_UNITS 32

/* The light-userdata keys, in a snapshot, of the script's metatable, of
 * the tables its __index / __newindex named, and of how many metamethod
 * fields it copied. */
static const char mt_key_orig, mt_key_index, mt_key_newindex, mt_key_count;

/* What a metatable field may hold: 'f' a function, 't' a function or a
 * table, 'v' anything, 'x' refused; 0 for a field the VM never reads. */
static char mt_kind(const char *k)
{
	static const char *const functions[] = {
		"__call", "__add", "__sub", "__mul", "__div", "__mod", "__pow", "__unm", "__idiv",
		"__band", "__bor", "__bxor", "__shl", "__shr", "__bnot", "__concat", "__len",
		"__eq", "__lt", "__le", "__close", "__tostring", "__pairs",
	};
	if (k[0] != '_' || k[1] != '_')
		return 0;
	if (!strcmp(k, "__index") || !strcmp(k, "__newindex"))
		return 't';
	if (!strcmp(k, "__metatable") || !strcmp(k, "__name"))
		return 'v';
	if (!strcmp(k, "__gc") || !strcmp(k, "__mode"))
		return 'x';
	for (size_t i = 0; i < sizeof functions / sizeof *functions; i++)
		if (!strcmp(k, functions[i]))
			return 'f';
	return 0;
}

static int mt_index_step(lua_State *L)
{
	fx__charge(L, MT_HOP_UNITS);
	lua_settop(L, 2);
	lua_gettable(L, lua_upvalueindex(1)); /* key is on top: reads through the table */
	return 1;
}

static int mt_newindex_step(lua_State *L)
{
	fx__charge(L, MT_HOP_UNITS);
	lua_settop(L, 3);
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_settable(L, 1); /* t[k] = v on the table __newindex names */
	return 0;
}

/* The key (string) at -2 of a metatable being walked: its kind. */
static char mt_key_kind(lua_State *L)
{
	return lua_type(L, -2) == LUA_TSTRING ? mt_kind(lua_tostring(L, -2)) : 0;
}

/* Whether the snapshot at snap still matches metatable mt: the same
 * metamethod fields with the same values. Walks mt's fields (charged). */
static bool mt_snapshot_fresh(lua_State *L, int mt, int snap)
{
	lua_Integer n = 0, count = (lua_rawgetp(L, snap, &mt_key_count), lua_tointeger(L, -1));
	lua_pop(L, 1);
	uint64_t walked = 0;
	bool fresh = true;
	lua_pushnil(L);
	while (fresh && lua_next(L, mt)) {
		walked++;
		char kind = mt_key_kind(L);
		if (kind && kind != 'x') {
			n++;
			const char *k = lua_tostring(L, -2);
			if (kind == 't' && lua_type(L, -1) == LUA_TTABLE)
				lua_rawgetp(L, snap, k[2] == 'i' ? (const void *)&mt_key_index
								 : (const void *)&mt_key_newindex);
			else
				lua_getfield(L, snap, k); /* snap has no metatable: raw */
			fresh = lua_rawequal(L, -1, -2);
			lua_pop(L, 1);
		} else if (kind == 'x') {
			fresh = false;
		}
		lua_pop(L, 1);
	}
	if (!fresh)
		lua_pop(L, 1); /* the key lua_next left */
	fx__charge(L, walked);
	return fresh && n == count;
}

/* Pushes a new snapshot of metatable mt, or raises naming the field that
 * cannot be one (the alphabetically first, so the message is the same in
 * every process whatever order the fields are walked in). */
static void mt_snapshot_new(lua_State *L, int mt)
{
	lua_createtable(L, 0, 4);
	int snap = lua_gettop(L);
	char bad[96] = "", bad_key[32] = "";
	lua_Integer n = 0;
	uint64_t walked = 0;
	lua_pushnil(L);
	while (lua_next(L, mt)) {
		walked++;
		char kind = mt_key_kind(L);
		if (!kind) {
			lua_pop(L, 1);
			continue;
		}
		const char *k = lua_tostring(L, -2);
		int t = lua_type(L, -1);
		char why[96] = "";
		if (kind == 'x')
			snprintf(why, sizeof why, "%s is not allowed in effects: garbage collection "
				 "must not be observable", k);
		else if (kind == 'f' && t != LUA_TFUNCTION)
			snprintf(why, sizeof why, "setmetatable: %s must be a function, not a %s", k,
				 lua_typename(L, t));
		else if (kind == 't' && t != LUA_TFUNCTION && t != LUA_TTABLE)
			snprintf(why, sizeof why, "setmetatable: %s must be a function or a table, "
				 "not a %s", k, lua_typename(L, t));
		if (why[0]) {
			if (!bad[0] || strcmp(k, bad_key) < 0) {
				snprintf(bad, sizeof bad, "%s", why);
				snprintf(bad_key, sizeof bad_key, "%s", k);
			}
			lua_pop(L, 1);
			continue;
		}
		n++;
		if (kind == 't' && t == LUA_TTABLE) {
			bool index = k[2] == 'i';
			lua_pushvalue(L, -1);
			lua_rawsetp(L, snap, index ? (const void *)&mt_key_index
						   : (const void *)&mt_key_newindex);
			lua_pushcclosure(L, index ? mt_index_step : mt_newindex_step, 1);
		}
		lua_pushvalue(L, -2);
		lua_insert(L, -2);
		lua_rawset(L, snap);
	}
	fx__charge(L, walked);
	if (bad[0])
		luaL_error(L, "%s", bad);
	lua_pushinteger(L, n);
	lua_rawsetp(L, snap, &mt_key_count);
	lua_pushvalue(L, mt);
	lua_rawsetp(L, snap, &mt_key_orig);
}

/* The session's snapshot caches, one per effect, so that no effect's
 * setmetatable touches (or pays for growing) a table another uses. Called
 * protected, with the number of effects as argument 1. */
int fx__sbx_mt_cache_reset(lua_State *L)
{
	lua_createtable(L, (int)lua_tointeger(L, 1), 0);
	lua_rawsetp(L, LUA_REGISTRYINDEX, &fx__key_mtcache);
	return 0;
}

/* Pushes the running effect's snapshot cache, making it on first use. */
static void mt_cache(lua_State *L)
{
	fx__sbx_t *S = fx__sbx_of(L);
	if (lua_rawgetp(L, LUA_REGISTRYINDEX, &fx__key_mtcache) != LUA_TTABLE) {
		lua_pop(L, 1);
		lua_newtable(L); /* outside any session: a cache for this call */
		return;
	}
	if (lua_rawgeti(L, -1, S->owner) == LUA_TTABLE) {
		lua_remove(L, -2);
		return;
	}
	lua_pop(L, 1);
	lua_newtable(L);
	lua_pushvalue(L, -1);
	lua_rawseti(L, -3, S->owner);
	lua_remove(L, -2);
}

static int b_setmetatable(lua_State *L)
{
	int t = lua_type(L, 2);
	luaL_checktype(L, 1, LUA_TTABLE);
	luaL_argexpected(L, t == LUA_TNIL || t == LUA_TTABLE, 2, "nil or table");
	if (luaL_getmetafield(L, 1, "__metatable") != LUA_TNIL)
		return luaL_error(L, "cannot change a protected metatable");
	lua_settop(L, 2);
	if (t == LUA_TNIL) {
		lua_setmetatable(L, 1);
		return 1;
	}
	fx__charge(L, 8);
	mt_cache(L); /* 3 */
	lua_pushvalue(L, 2);
	if (lua_rawget(L, 3) != LUA_TTABLE || !mt_snapshot_fresh(L, 2, 4)) {
		lua_settop(L, 3);
		mt_snapshot_new(L, 2);
		lua_pushvalue(L, 2);
		lua_pushvalue(L, -2);
		lua_rawset(L, 3);
	}
	lua_setmetatable(L, 1);
	lua_settop(L, 1);
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
	if (lua_getfield(L, -1, "__metatable") != LUA_TNIL)
		return 1;
	lua_pop(L, 1);
	lua_rawgetp(L, -1, &mt_key_orig); /* the script's own table (nil for ours) */
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
	int n = lua_gettop(L) - (int)extra;
	fx__charge(L, (uint64_t)n / 16); /* the results are moved */
	return n;
}

static int b_pcall(lua_State *L)
{
	luaL_checkany(L, 1);
	lua_pushboolean(L, 1);
	lua_insert(L, 1);
	int status = lua_pcallk(L, lua_gettop(L) - 2, LUA_MULTRET, 0, 0, finish_pcall);
	return finish_pcall(L, status, 0);
}

/*
 * xpcall's message handler runs through this one (upvalue 1 is the
 * script's). In Lua, a handler that raises is called again on its own
 * error, and again, until the C stack runs out two hundred levels deep; here
 * that recursion ran into the sandbox's own limits, and the script was
 * stopped for "recursion limit exceeded" or "memory limit exceeded" instead
 * of getting xpcall's answer. So the handler runs protected, once: if it
 * raises, the message is "error in error handling", as Lua's own final
 * answer is. A kill is not handled at all: it goes on up.
 */
static int xpcall_handler(lua_State *L)
{
	fx__sbx_t *S = fx__sbx_of(L);
	if (S->killed)
		return 1;
	lua_settop(L, 1);
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	int st = lua_pcall(L, 1, 1, 0);
	if (st != LUA_OK) {
		fx__check_killed(L, st);
		lua_pushliteral(L, "error in error handling");
	}
	return 1;
}

static int b_xpcall(lua_State *L)
{
	int n = lua_gettop(L);
	luaL_checktype(L, 2, LUA_TFUNCTION);
	lua_pushvalue(L, 2);
	lua_pushcclosure(L, xpcall_handler, 1);
	lua_replace(L, 2);
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
	/* two walks over the keys, then a sort: a unit per key and per
	 * comparison, about what each costs */
	fx__charge(L, (uint64_t)n * (log2ceil((uint64_t)n + 1) + 2) + 1);
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
 * given. O(n) per call (charged so); pairs is the fast way to loop. */
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
	fx__charge(L, 2 * n + 1); /* per key walked and compared */
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

/* __index of the base, reached when a global is neither the effect's own
 * nor allow-listed: an error (a typo should fail loudly, not read nil). */
static int env_index(lua_State *L)
{
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

	/* The environment metatable, shared and hidden. A global the effect
	 * did not set is read from the base table by the VM itself (no C
	 * call: globals such as `string` are read all the time), and one the
	 * base lacks reaches the base's own __index, which raises. */
	lua_createtable(L, 0, 2);
	lua_pushvalue(L, base);
	lua_setfield(L, -2, "__index");
	lua_pushboolean(L, 0);
	lua_setfield(L, -2, "__metatable");
	lua_rawsetp(L, LUA_REGISTRYINDEX, &fx__key_envmt);
	lua_createtable(L, 0, 1);
	lua_pushcfunction(L, env_index);
	lua_setfield(L, -2, "__index");
	lua_setmetatable(L, base);

	/* A trusted two-liner whose every call makes a closure with a fresh
	 * upvalue: lua_upvaluejoin moves a cached chunk's _ENV onto it, so
	 * each instantiation of a script gets its own _ENV cell. */
	static const char factory[] = "local e = ... return function() return e end";
	if (luaL_loadbufferx(L, factory, sizeof factory - 1, "=factory", "t") != LUA_OK)
		return lua_error(L);
	lua_rawsetp(L, LUA_REGISTRYINDEX, &fx__key_factory);

	fx__api_open(L);
	fx__result_open(L);
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
		pool_free(S);
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
		pool_free(S);
		return -1;
	}
	lua_sethook(L, fx__hook, LUA_MASKCOUNT, FX__HOOK_INTERVAL);
	return 0;
}

void fx__sbx_close(fx__sbx_t *S)
{
	if (S->main)
		lua_close(S->main);
	S->L = S->main = NULL;
	pool_free(S);
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
	lua_sethook(S->L, fx__hook, LUA_MASKCOUNT, FX__HOOK_INTERVAL);
	return 0;
}

void fx__sbx_thread_end(fx__sbx_t *S)
{
	if (S->L != S->main)
		lua_settop(S->L, 0);
	S->L = S->main;
	lua_settop(S->main, 0);
}
