/*
 * session.c — the engine: one pooled sandbox per thread, a cache of
 * compiled chunks, and game and round sessions on top of it.
 *
 * Reuse without leakage. Parsing a script costs more than a whole game
 * should, so each engine compiles a script once and keeps the main chunk.
 * Per session, every effect gets a fresh environment table, and the cached
 * chunk's _ENV upvalue is re-pointed (lua_upvaluejoin) at a brand-new upvalue
 * cell holding it, then the chunk runs again and builds fresh hook closures
 * and fresh script-level locals. What could carry state from one game to
 * the next is all read-only or unreachable: library tables are frozen
 * proxies, the string metatable and the registry are out of reach, ctx
 * views are immutable userdata. The previous game's closures still point at
 * their own old cells and are garbage.
 *
 * A session runs on a thread of its own (see fx__sbx_thread_begin) and its
 * values live on that thread's stack (slot 1: ctx, then each subscribed
 * hook function), so a hook call is two pushes and a lua_pcall. An effect
 * that errors or runs out of budget is switched off for the rest of the
 * session, its writes from the failed call are undone, and the others go
 * on.
 */
#include "effects/fx_int.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FX_CACHE_MAX 64
/* A full collection runs at the next session start once this many bytes
 * were allocated since the last one (scripts run with the GC stopped, and
 * collect in an emergency only). Kept small: a short string an earlier
 * game left uncollected costs a script nothing to make again, so this
 * bounds how far memory charges can differ between engines. */
#define FX_COLLECT_AFTER (64 * 1024)

/* The league's hook names; the simulation's own come from core/sim/hooks.c so
 * that the contract's strings live in one place each. */
static const char *const league_hook_names[FX_HOOK_COUNT - PW_SIM_HOOK_COUNT] = {
	[FX_HOOK_ROUND_PRE - PW_SIM_HOOK_COUNT] = "round.pre",
	[FX_HOOK_ROUND_POST - PW_SIM_HOOK_COUNT] = "round.post",
	[FX_HOOK_ROUND_GAME_PRE - PW_SIM_HOOK_COUNT] = "round.game.pre",
	[FX_HOOK_ROUND_GAME_POST - PW_SIM_HOOK_COUNT] = "round.game.post",
	[FX_HOOK_GOV_PRE - PW_SIM_HOOK_COUNT] = "gov.pre",
	[FX_HOOK_GOV_POST - PW_SIM_HOOK_COUNT] = "gov.post",
	[FX_HOOK_REPORT_SIMULATION_PRE - PW_SIM_HOOK_COUNT] = "report.simulation.pre",
	[FX_HOOK_REPORT_COMMENTARY_PRE - PW_SIM_HOOK_COUNT] = "report.commentary.pre",
};

const char *fx_hook_name(int hook)
{
	if (hook >= 0 && hook < PW_SIM_HOOK_COUNT)
		return hooks_name((pw_sim_hook_t)hook);
	if (hook >= PW_SIM_HOOK_COUNT && hook < FX_HOOK_COUNT)
		return league_hook_names[hook - PW_SIM_HOOK_COUNT];
	return NULL;
}

int fx_hook_find(const char *name)
{
	if (!name)
		return -1;
	for (int i = 0; i < FX_HOOK_COUNT; i++)
		if (strcmp(fx_hook_name(i), name) == 0)
			return i;
	return -1;
}

void fx_limits_default(fx_limits_t *l)
{
	*l = (fx_limits_t){
		.instr_per_call = 200000,
		.instr_per_game = 1000000,
		.mem_per_effect = 4u << 20,
		.max_string = 1024,
		.max_depth = 200,
		.max_args = 256,
		.log_bytes = 4096,
		.narrative_bytes = 8192,
		.meta_ops = 1000,
		.backstop_ms = 5000,
	};
}

typedef struct cache_entry {
	char sha[65];
	int ref;
	uint64_t used;
} cache_entry_t;

typedef struct fx_eff {
	char id[PW_EFFECT_ID_MAX];
	const fx_script_t *script;
	uint32_t subscribed;       /* hooks of this session kind it defines */
	int slot[FX_HOOK_COUNT];   /* stack index of each hook function */
	bool alive;
	pw_rng_t rng;
	uint64_t units;
	size_t log_used, narr_used;
	bool log_dropped;
	int meta_ops;
	uint64_t fired[FX_HOOK_COUNT], errors[FX_HOOK_COUNT];
	uint64_t acted, peak_call;
	size_t peak_mem;
	bool stopped;
} fx_eff_t;

/* What the engine is running: nothing, a game's hooks or a round's. */
typedef enum fx_session_kind { FX_SESS_NONE, FX_SESS_GAME, FX_SESS_ROUND } fx_session_kind_t;

struct fx_engine {
	fx__sbx_t sbx;
	cache_entry_t cache[FX_CACHE_MAX];
	int n_cache;
	uint64_t tick;

	fx_session_kind_t kind;
	int64_t game_id;
	int round;
	uint64_t seed;
	/* The session's effects, all of them (up to FX_SESSION_MAX): arrays
	 * grown to the largest session seen. */
	fx_eff_t *effs;
	size_t *held;                   /* bytes each holds (the sandbox counts) */
	uint16_t *order[FX_HOOK_COUNT]; /* per hook, the effects subscribed, in order */
	int n_effs, cap_effs;
	int n_order[FX_HOOK_COUNT];
	pw_hooks_t hooks;

	const pw_hook_ctx_t *cur;
	fx__gctx_t gctx;                /* what the game's ctx tables hold */
	const cJSON *json;
	uint32_t gen;
	const pw_rules_t *rules;
	int cur_eff, cur_hook;

	fx_meta_reader_t reader;
	fx__meta_map_t *overlay;        /* the session's writes, and what they did to
					 * each entity's size (fx__meta_size_get) */
	fx_meta_ops_t ops;
	bool capture_log;

	fx_error_t *errors;
	size_t n_errors, cap_errors, n_errors_total;
	char *log;
	size_t log_len, log_cap;
};

static fx_engine_t *engine_of(lua_State *L)
{
	return fx__sbx_of(L)->engine;
}

/* --- accessors for api.c ------------------------------------------------- */

const pw_hook_ctx_t *fx__rt_sim_ctx(lua_State *L)
{
	return engine_of(L)->cur;
}

fx__gctx_t *fx__rt_gctx(lua_State *L)
{
	return &engine_of(L)->gctx;
}

const cJSON *fx__rt_json_ctx(lua_State *L, uint32_t *gen)
{
	fx_engine_t *e = engine_of(L);
	*gen = e->gen;
	return e->json;
}

const pw_rules_t *fx__rt_rules(lua_State *L)
{
	fx_engine_t *e = engine_of(L);
	if (e->kind == FX_SESS_GAME)
		return e->cur && e->cur->game ? e->cur->game->rules : NULL;
	return e->rules;
}

int fx__rt_hook(lua_State *L)
{
	return engine_of(L)->cur_hook;
}

pw_rng_t *fx__rt_rng(lua_State *L)
{
	fx_engine_t *e = engine_of(L);
	if (e->cur_eff < 0 || e->cur_eff >= e->n_effs)
		return NULL;
	return &e->effs[e->cur_eff].rng;
}

static int meta_current(fx_engine_t *e, const fx_meta_key_t *k, fx_value_t *out)
{
	if (fx__meta_map_get(e->overlay, k, out))
		return out->type != FX_VAL_NIL;
	if (e->reader.get && e->reader.get(e->reader.ud, k, out))
		return out->type != FX_VAL_NIL;
	return 0;
}

int fx__rt_meta_get(lua_State *L, const fx_meta_key_t *k, fx_value_t *out)
{
	return meta_current(engine_of(L), k, out);
}

/* An entity's size as the session sees it: stored, plus its writes. */
static void entity_size(fx_engine_t *e, fx_meta_kind_t kind, int64_t id, int64_t *keys,
			int64_t *bytes)
{
	size_t sk = 0, sb = 0;
	if (e->reader.size)
		e->reader.size(e->reader.ud, kind, id, &sk, &sb);
	fx__meta_size_get(e->overlay, kind, id, keys, bytes);
	*keys += (int64_t)sk;
	*bytes += (int64_t)sb;
}

/* Records a write in the session's overlay and sizes. 0, or -1 when out of
 * memory. */
static int overlay_put(fx_engine_t *e, const fx_meta_key_t *k, const fx_value_t *before,
		       const fx_value_t *after)
{
	int64_t dk, db;
	fx__meta_op_delta(k, before, after, &dk, &db);
	if (fx__meta_map_put(e->overlay, k, after) < 0)
		return -1;
	return (dk || db) ? fx__meta_size_add(e->overlay, k->kind, k->id, dk, db) : 0;
}

int fx__rt_meta_write(lua_State *L, const fx_meta_op_t *op_in, fx_value_t *after)
{
	fx_engine_t *e = engine_of(L);
	if (e->cur_eff < 0)
		return luaL_error(L, "ctx.meta cannot be written while a script loads");
	fx_eff_t *f = &e->effs[e->cur_eff];
	if (f->meta_ops >= e->sbx.lim.meta_ops)
		return fx__kill(L, "metadata write limit exceeded (%d per game)", e->sbx.lim.meta_ops);
	fx_value_t cur;
	int has = meta_current(e, &op_in->k, &cur);
	if (op_in->op == FX_META_INCR && has && cur.type != FX_VAL_INT && cur.type != FX_VAL_NUM)
		return luaL_error(L, "meta.incr: '%s' holds a non-number", op_in->k.key);
	if (op_in->op == FX_META_TOGGLE && has && cur.type != FX_VAL_BOOL)
		return luaL_error(L, "meta.toggle: '%s' holds a non-boolean", op_in->k.key);
	fx_meta_op_t op = *op_in;
	snprintf(op.effect_id, sizeof op.effect_id, "%s", f->id);
	fx__meta_op_eval(&op, has ? &cur : NULL, after);
	int64_t dk, db, keys, bytes;
	fx__meta_op_delta(&op.k, has ? &cur : NULL, after, &dk, &db);
	entity_size(e, op.k.kind, op.k.id, &keys, &bytes);
	if (!fx__meta_fits(keys, bytes, dk, db)) {
		const char *kind = fx_meta_kind_name(op.k.kind);
		if (dk > 0 && keys + dk > FX_META_ENTITY_KEYS)
			return luaL_error(L, "ctx.meta: %s %I already has %d keys, the limit per "
					  "entity", kind, (lua_Integer)op.k.id, FX_META_ENTITY_KEYS);
		return luaL_error(L, "ctx.meta: %s %I would hold more than %d bytes of "
				  "metadata, the limit per entity", kind, (lua_Integer)op.k.id,
				  FX_META_ENTITY_BYTES);
	}
	if (overlay_put(e, &op.k, has ? &cur : NULL, after) < 0 || fx__meta_ops_push(&e->ops, &op) < 0)
		return luaL_error(L, "out of memory");
	f->meta_ops++;
	return 0;
}

static void log_append(fx_engine_t *e, const char *s, size_t n)
{
	if (e->log_len + n + 1 > e->log_cap) {
		size_t cap = e->log_cap ? e->log_cap : 1024;
		while (cap < e->log_len + n + 1)
			cap *= 2;
		char *p = realloc(e->log, cap);
		if (!p)
			return;
		e->log = p;
		e->log_cap = cap;
	}
	memcpy(e->log + e->log_len, s, n);
	e->log_len += n;
	e->log[e->log_len] = 0;
}

void fx__rt_log(lua_State *L, const char *msg, size_t len)
{
	fx_engine_t *e = engine_of(L);
	if (e->cur_eff < 0 || !e->capture_log)
		return;
	fx_eff_t *f = &e->effs[e->cur_eff];
	if (f->log_dropped)
		return;
	char line[1200];
	int n = snprintf(line, sizeof line, "%s %s: %.*s\n", f->id, fx_hook_name(e->cur_hook),
			 (int)(len > 1024 ? 1024 : len), msg);
	if (n < 0)
		return;
	if ((size_t)n > sizeof line - 1)
		n = sizeof line - 1;
	for (int i = 0; i < n - 1; i++)
		if ((unsigned char)line[i] < 0x20)
			line[i] = ' ';
	if (f->log_used + (size_t)n > e->sbx.lim.log_bytes) {
		f->log_dropped = true;
		n = snprintf(line, sizeof line, "%s: log limit of %zu bytes reached; further lines dropped\n",
			     f->id, e->sbx.lim.log_bytes);
	}
	f->log_used += (size_t)n;
	log_append(e, line, (size_t)n);
}

/* --- engine ------------------------------------------------------------- */

fx_engine_t *fx_engine_new(const fx_limits_t *lim, char *err, size_t errlen)
{
	fx_limits_t def;
	if (!lim) {
		fx_limits_default(&def);
		lim = &def;
	}
	fx_engine_t *e = calloc(1, sizeof *e);
	if (!e) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	e->overlay = fx__meta_map_new();
	if (!e->overlay) {
		free(e);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	e->cur_eff = -1;
	if (fx__sbx_open(&e->sbx, lim, err, errlen) < 0) {
		fx__meta_map_free(e->overlay);
		free(e);
		return NULL;
	}
	e->sbx.engine = e;
	return e;
}

void fx_engine_free(fx_engine_t *e)
{
	if (!e)
		return;
	fx__sbx_close(&e->sbx);
	fx__meta_map_free(e->overlay);
	fx_meta_ops_free(&e->ops);
	free(e->errors);
	free(e->log);
	free(e->effs);
	free(e->held);
	for (int h = 0; h < FX_HOOK_COUNT; h++)
		free(e->order[h]);
	free(e);
}

/* Room for n effects in the session arrays. 0, or -1 when out of memory
 * (what was there stays). */
static int effs_reserve(fx_engine_t *e, int n)
{
	if (n <= e->cap_effs)
		return 0;
	int cap = e->cap_effs ? e->cap_effs : 8;
	while (cap < n)
		cap *= 2;
	fx_eff_t *effs = realloc(e->effs, (size_t)cap * sizeof *effs);
	if (!effs)
		return -1;
	e->effs = effs;
	size_t *held = realloc(e->held, (size_t)cap * sizeof *held);
	if (!held)
		return -1;
	e->held = held;
	for (int h = 0; h < FX_HOOK_COUNT; h++) {
		uint16_t *o = realloc(e->order[h], (size_t)cap * sizeof *o);
		if (!o)
			return -1;
		e->order[h] = o;
	}
	e->cap_effs = cap;
	return 0;
}

/* Runs fn(L) with the values on top as arguments, protected. */
static int protect(lua_State *L, lua_CFunction fn, int nargs, int nres)
{
	lua_pushcfunction(L, fn);
	lua_insert(L, -nargs - 1);
	return lua_pcall(L, nargs, nres, 0);
}

static int ref_top(lua_State *L)
{
	lua_pushinteger(L, luaL_ref(L, LUA_REGISTRYINDEX));
	return 1;
}

/* Pushes the compiled main chunk of s, compiling it on first use. */
static int cache_push(fx_engine_t *e, const fx_script_t *s, char *err, size_t errlen)
{
	lua_State *L = e->sbx.L;
	e->tick++;
	for (int i = 0; i < e->n_cache; i++)
		if (strcmp(e->cache[i].sha, s->sha) == 0) {
			e->cache[i].used = e->tick;
			lua_rawgeti(L, LUA_REGISTRYINDEX, e->cache[i].ref);
			return 0;
		}
	int st = luaL_loadbufferx(L, s->src, s->len, "=fx", "t");
	if (st != LUA_OK) {
		fx__error_text(L, -1, err, errlen);
		lua_pop(L, 1);
		return -1;
	}
	int slot = e->n_cache;
	if (slot == FX_CACHE_MAX) { /* evict the least recently used */
		slot = 0;
		for (int i = 1; i < FX_CACHE_MAX; i++)
			if (e->cache[i].used < e->cache[slot].used)
				slot = i;
		luaL_unref(L, LUA_REGISTRYINDEX, e->cache[slot].ref);
		/* the slot no longer names the evicted script: its ref is free */
		e->cache[slot].sha[0] = '\0';
		e->cache[slot].ref = LUA_NOREF;
	} else {
		e->n_cache++;
	}
	lua_pushvalue(L, -1);
	if (protect(L, ref_top, 1, 1) != LUA_OK) {
		snprintf(err, errlen, "out of memory caching the script");
		lua_pop(L, 2);
		/* drop the slot: the last entry takes its place */
		e->cache[slot] = e->cache[e->n_cache - 1];
		e->n_cache--;
		return -1;
	}
	e->cache[slot].ref = (int)lua_tointeger(L, -1);
	lua_pop(L, 1);
	snprintf(e->cache[slot].sha, sizeof e->cache[slot].sha, "%s", s->sha);
	e->cache[slot].used = e->tick;
	return 0;
}

/*
 * Instantiates one effect, protected and under its budget:
 *   args: main chunk, subscribed mask
 *   returns a table {[hook + 1] = function} of its subscribed hooks.
 */
static int instantiate(lua_State *L)
{
	uint32_t mask = (uint32_t)lua_tointeger(L, 2);
	lua_settop(L, 1);
	fx__push_env(L);                                    /* 2: env */
	lua_rawgetp(L, LUA_REGISTRYINDEX, &fx__key_factory);
	lua_pushvalue(L, 2);
	lua_call(L, 1, 1);                                 /* 3: fresh cell */
	lua_upvaluejoin(L, 1, 1, 3, 1);
	lua_settop(L, 1);
	lua_call(L, 0, 1);                                 /* the spec table */
	if (lua_type(L, -1) != LUA_TTABLE)
		return luaL_error(L, "the script no longer returns a table");
	if (lua_getfield(L, -1, "hooks") != LUA_TTABLE)
		return luaL_error(L, "the script no longer returns a hooks table");
	int hooks = lua_gettop(L);
	lua_createtable(L, FX_HOOK_COUNT, 0);
	for (int h = 0; h < FX_HOOK_COUNT; h++) {
		if (!(mask & (1u << h)))
			continue;
		lua_pushstring(L, fx_hook_name(h));
		if (lua_rawget(L, hooks) != LUA_TFUNCTION)
			return luaL_error(L, "the script no longer defines %s", fx_hook_name(h));
		lua_rawseti(L, -2, h + 1);
	}
	return 1;
}

/* The next slot of an error list (*errs, *n of *cap), which keeps at most
 * FX_REPORT_ERRORS; NULL when it is full or out of memory (the caller
 * counts the error all the same). */
static fx_error_t *error_slot(fx_error_t **errs, size_t *n, size_t *cap)
{
	if (*n >= FX_REPORT_ERRORS)
		return NULL;
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 8;
		fx_error_t *p = realloc(*errs, nc * sizeof *p);
		if (!p)
			return NULL;
		*errs = p;
		*cap = nc;
	}
	return &(*errs)[(*n)++];
}

static void add_error(fx_engine_t *e, const char *id, const char *hook, const char *msg)
{
	e->n_errors_total++;
	fx_error_t *r = error_slot(&e->errors, &e->n_errors, &e->cap_errors);
	if (!r)
		return;
	snprintf(r->effect_id, sizeof r->effect_id, "%s", id);
	snprintf(r->hook, sizeof r->hook, "%s", hook);
	snprintf(r->message, sizeof r->message, "%s", msg);
}

/* Undoes the failed call's metadata writes: drop them and rebuild the
 * session overlay from what remains. */
static void meta_rollback(fx_engine_t *e, size_t mark)
{
	if (e->ops.n == mark)
		return;
	e->ops.n = mark;
	fx__meta_map_clear(e->overlay);
	for (size_t i = 0; i < e->ops.n; i++) {
		fx_value_t cur, next;
		int has = meta_current(e, &e->ops.ops[i].k, &cur);
		fx__meta_op_eval(&e->ops.ops[i], has ? &cur : NULL, &next);
		overlay_put(e, &e->ops.ops[i].k, has ? &cur : NULL, &next);
	}
}

static void effect_fail(fx_engine_t *e, int idx, int hook, const char *msg, size_t ops_mark)
{
	fx_eff_t *f = &e->effs[idx];
	f->alive = false;
	f->stopped = true;
	if (hook >= 0)
		f->errors[hook]++;
	add_error(e, f->id, hook >= 0 ? fx_hook_name(hook) : "load", msg);
	meta_rollback(e, ops_mark);
	/* Let go of its hook functions: what it built becomes garbage the
	 * next collection frees (its charges were its own all along). */
	for (int h = 0; h < FX_HOOK_COUNT; h++)
		if (f->slot[h]) {
			lua_pushnil(e->sbx.L);
			lua_replace(e->sbx.L, f->slot[h]);
		}
}

/* The status of a finished script call as a message (or "" if it went
 * well). Reads the kill reason before call_end clears it. */
static bool call_failed(fx_engine_t *e, int st, char *msg, size_t len)
{
	fx__sbx_t *S = &e->sbx;
	if (S->killed) {
		snprintf(msg, len, "%s", S->kill_msg);
		return true;
	}
	/* Lua's memory error, or a refusal it did not retry (a buffer's
	 * growth raises an ordinary error) */
	if (st == LUA_ERRMEM || (st != LUA_OK && S->ref_pending)) {
		snprintf(msg, len, "memory limit exceeded (%zu bytes per effect)", S->lim.mem_per_effect);
		return true;
	}
	if (st != LUA_OK) {
		fx__error_text(S->L, -1, msg, len);
		return true;
	}
	return false;
}

static void call_account(fx_engine_t *e, fx_eff_t *f)
{
	size_t peak = e->sbx.mem_peak;
	uint64_t u = fx__sbx_call_end(&e->sbx);
	f->units += u;
	if (u > f->peak_call)
		f->peak_call = u;
	if (peak > f->peak_mem)
		f->peak_mem = peak;
}

/* Reads and merges the result of effect f's call (top of the stack) into
 * res. false with msg when the result is invalid. */
static bool take_result(fx_engine_t *e, fx_eff_t *f, int h, pw_hook_result_t *res, char *msg,
			size_t len)
{
	lua_State *L = e->sbx.L;
	if (lua_type(L, -1) == LUA_TNIL)
		return true;
	fx__partial_t p;
	if (fx__result_read(L, -1, h, e->cur, &p, msg, len) < 0)
		return false;
	if (!p.any)
		return true;
	size_t nl = strlen(p.r.narrative);
	if (nl && f->narr_used + nl > e->sbx.lim.narrative_bytes)
		p.r.narrative[0] = 0; /* over the cap: the line is dropped */
	else
		f->narr_used += nl;
	if (res && fx__result_merge(res, &p, msg, len) < 0)
		return false;
	f->acted++;
	return true;
}

/* An effect whose calls spent its game's budget between two count-hook
 * fires: stopped before its next call. */
static void run_spent(fx_engine_t *e, int idx, int h)
{
	char msg[FX_ERR_MAX];
	snprintf(msg, sizeof msg, "instruction limit exceeded (%llu per game)",
		 (unsigned long long)e->sbx.lim.instr_per_game);
	e->effs[idx].fired[h]++;
	effect_fail(e, idx, h, msg, e->ops.n);
}

/* The end of run_one's call when it failed or returned something: status
 * st, its error or result on top. */
static void run_finish(fx_engine_t *e, int idx, int h, int st, size_t ops_mark,
		       pw_hook_result_t *res)
{
	fx_eff_t *f = &e->effs[idx];
	char msg[FX_ERR_MAX];
	bool failed = call_failed(e, st, msg, sizeof msg);
	call_account(e, f);
	f->fired[h]++;
	if (!failed && !take_result(e, f, h, res, msg, sizeof msg))
		failed = true;
	e->cur_eff = -1;
	if (failed) {
		fx__error_lines(msg);
		effect_fail(e, idx, h, msg, ops_mark);
	}
}

/*
 * One effect's call of a hook, protected on its own. The caller pushes one
 * scratch slot on top of the stack and pops it after the last effect: the hook
 * function is copied into it and the call leaves its result or error there,
 * so each call is one copy, one push and the pcall, without growing and
 * shrinking the stack per effect (a few percent of an effect's cost). A call
 * that went well and returned nothing, the common case, ends here.
 */
static inline void run_one(fx_engine_t *e, int idx, int h, pw_hook_result_t *res)
{
	fx_eff_t *f = &e->effs[idx];
	if (!f->alive)
		return;
	if (f->units >= e->sbx.lim.instr_per_game) {
		run_spent(e, idx, h);
		return;
	}
	lua_State *L = e->sbx.L;
	size_t ops_mark = e->ops.n;
	e->cur_eff = idx;
	e->cur_hook = h;
	fx__sbx_call_begin(&e->sbx, idx, f->units);
	lua_copy(L, f->slot[h], -1); /* into the scratch slot */
	lua_pushvalue(L, FX__CTX_SLOT(h)); /* ctx */
	int st = lua_pcall(L, 1, 1, 0);
	if (st != LUA_OK || e->sbx.killed || lua_type(L, -1) != LUA_TNIL) {
		run_finish(e, idx, h, st, ops_mark, res);
		return;
	}
	call_account(e, f);
	f->fired[h]++;
	e->cur_eff = -1;
}

static void sim_call(void *ud, const pw_hook_ctx_t *ctx, pw_hook_result_t *res)
{
	fx_engine_t *e = ud;
	int h = ctx ? (int)ctx->hook : -1;
	if (h < 0 || h >= PW_SIM_HOOK_COUNT || e->kind != FX_SESS_GAME || !ctx->game)
		return;
	bool any = false; /* effects switched off earlier cost nothing */
	for (int i = 0; i < e->n_order[h] && !any; i++)
		any = e->effs[e->order[h][i]].alive;
	if (!any)
		return;
	e->cur = ctx;
	fx__api_refresh(e->sbx.L, &e->gctx); /* bring the kept field values up to date */
	lua_pushnil(e->sbx.L); /* run_one's scratch slot */
	for (int i = 0; i < e->n_order[h]; i++)
		run_one(e, e->order[h][i], h, res);
	lua_pop(e->sbx.L, 1);
	e->cur = NULL;
}

static void session_reset(fx_engine_t *e)
{
	fx__sbx_thread_end(&e->sbx);
	e->kind = FX_SESS_NONE;
	e->n_effs = 0;
	memset(e->n_order, 0, sizeof e->n_order);
	e->cur = NULL;
	e->json = NULL;
	e->rules = NULL;
	e->cur_eff = -1;
	e->cur_hook = -1;
	fx__meta_map_clear(e->overlay);
	e->ops.n = 0;
	e->n_errors = 0;
	e->n_errors_total = 0;
	e->log_len = 0;
	if (e->log)
		e->log[0] = 0;
	e->hooks.mask = 0;
}

static int mt_cache_reset(lua_State *L)
{
	return fx__sbx_mt_cache_reset(L);
}

static int session_begin(fx_engine_t *e, const fx_session_setup_t *s, fx_session_kind_t kind,
			 uint32_t filter, char *err, size_t errlen)
{
	if (e->kind != FX_SESS_NONE) {
		snprintf(err, errlen, "the engine is already running a session");
		return -1;
	}
	if (!s || s->n_effects < 0 || s->n_effects > FX_SESSION_MAX || (s->n_effects && !s->effects)) {
		snprintf(err, errlen, "a session runs 0 to %d effects, not %d", FX_SESSION_MAX,
			 s ? s->n_effects : 0);
		return -1;
	}
	for (int i = 0; i < s->n_effects; i++) {
		const fx_effect_t *x = &s->effects[i];
		if (!x->id || !*x->id || strlen(x->id) >= PW_EFFECT_ID_MAX || !x->script) {
			snprintf(err, errlen, "effect %d needs an id (1 to %d bytes) and a script", i,
				 PW_EFFECT_ID_MAX - 1);
			return -1;
		}
		for (int j = 0; j < i; j++)
			if (strcmp(s->effects[j].id, x->id) == 0) {
				snprintf(err, errlen, "effect id '%s' appears twice", x->id);
				return -1;
			}
	}
	if (effs_reserve(e, s->n_effects) < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	lua_State *L = e->sbx.L;
	fx__sbx_t *S = &e->sbx;
	session_reset(e);
	e->game_id = s->game_id;
	e->round = s->round;
	e->seed = s->seed;
	e->reader = s->meta;
	e->capture_log = s->capture_log;

	int subscribed = 0;
	for (int i = 0; i < s->n_effects; i++)
		subscribed += (s->effects[i].script->hooks & filter) != 0;
	if (!subscribed) {
		e->kind = kind;
		return 0; /* nothing subscribes: no Lua work at all */
	}

	if (S->since_collect > FX_COLLECT_AFTER) {
		lua_gc(S->main, LUA_GCCOLLECT);
		S->since_collect = 0;
	}
	S->units = 0;
	fx__sbx_session_start(S, e->held, s->n_effects, subscribed);
	if (fx__sbx_thread_begin(S) < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	L = S->L;
	lua_pushinteger(L, s->n_effects);
	if (!lua_checkstack(L, s->n_effects * PW_SIM_HOOK_COUNT + 40) ||
	    protect(L, mt_cache_reset, 1, 0) != LUA_OK) {
		fx__sbx_thread_end(S);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (kind == FX_SESS_GAME)
		fx__api_push_game_ctx(L, &e->gctx); /* slots 1 (ctx) to FX__GCTX_SLOTS */
	else
		fx__api_push_ctx(L); /* slot 1 */
	e->kind = kind;

	for (int i = 0; i < s->n_effects; i++) {
		const fx_effect_t *x = &s->effects[i];
		fx_eff_t *f = &e->effs[e->n_effs++];
		memset(f, 0, sizeof *f);
		snprintf(f->id, sizeof f->id, "%s", x->id);
		f->script = x->script;
		f->subscribed = x->script->hooks & filter;
		if (!f->subscribed)
			continue;
		rng_seed_stream(&f->rng, s->seed, rng_hash_str(f->id));
		char msg[FX_ERR_MAX];
		if (cache_push(e, x->script, msg, sizeof msg) < 0) {
			effect_fail(e, e->n_effs - 1, -1, msg, e->ops.n);
			continue;
		}
		int top = lua_gettop(L) - 1;
		lua_pushinteger(L, f->subscribed);
		e->cur_eff = e->n_effs - 1;
		e->cur_hook = -1;
		fx__sbx_call_begin(S, e->n_effs - 1, 0);
		int st = protect(L, instantiate, 2, 1);
		bool failed = call_failed(e, st, msg, sizeof msg);
		call_account(e, f);
		e->cur_eff = -1;
		if (failed) {
			lua_settop(L, top);
			fx__error_lines(msg);
			effect_fail(e, e->n_effs - 1, -1, msg, e->ops.n);
			continue;
		}
		/* move the hook functions onto the stack, in hook order */
		int tbl = lua_gettop(L);
		for (int h = 0; h < FX_HOOK_COUNT; h++) {
			if (!(f->subscribed & (1u << h)))
				continue;
			lua_rawgeti(L, tbl, h + 1);
			f->slot[h] = lua_gettop(L);
		}
		lua_remove(L, tbl);
		for (int h = 0; h < FX_HOOK_COUNT; h++)
			if (f->slot[h])
				f->slot[h]--; /* the table below them went away */
		f->alive = true;
		for (int h = 0; h < FX_HOOK_COUNT; h++)
			if (f->subscribed & (1u << h))
				e->order[h][e->n_order[h]++] = (uint16_t)(e->n_effs - 1);
	}
	for (int h = 0; h < PW_SIM_HOOK_COUNT; h++)
		if (e->n_order[h])
			e->hooks.mask |= PW_HOOK_BIT(h);
	return 0;
}

static fx_usage_t *usage_row(fx_report_t *r, const char *id)
{
	for (size_t i = 0; i < r->n_usage; i++)
		if (strcmp(r->usage[i].effect_id, id) == 0)
			return &r->usage[i];
	if (r->n_usage == r->cap_usage) {
		size_t cap = r->cap_usage ? r->cap_usage * 2 : 8;
		fx_usage_t *p = realloc(r->usage, cap * sizeof *p);
		if (!p)
			return NULL;
		r->usage = p;
		r->cap_usage = cap;
	}
	fx_usage_t *u = &r->usage[r->n_usage++];
	memset(u, 0, sizeof *u);
	snprintf(u->effect_id, sizeof u->effect_id, "%s", id);
	return u;
}

static void session_end(fx_engine_t *e, fx_report_t *rep)
{
	if (rep) {
		rep->n_engine_faults += e->sbx.engine_faults;
		for (size_t i = 0; i < e->n_errors; i++) {
			rep->n_errors_total++;
			fx_error_t *r = error_slot(&rep->errors, &rep->n_errors, &rep->cap_errors);
			if (r)
				*r = e->errors[i];
		}
		rep->n_errors_total += e->n_errors_total - e->n_errors;
		for (int i = 0; i < e->n_effs; i++) {
			fx_eff_t *f = &e->effs[i];
			if (!f->subscribed)
				continue;
			fx_usage_t *u = usage_row(rep, f->id);
			if (!u)
				break;
			for (int h = 0; h < FX_HOOK_COUNT; h++) {
				u->fired[h] += f->fired[h];
				u->errors[h] += f->errors[h];
			}
			u->acted += f->acted;
			u->sessions++;
			u->stopped += f->stopped;
			if (f->peak_call > u->peak_instr)
				u->peak_instr = f->peak_call;
			if (f->units > u->peak_session_instr)
				u->peak_session_instr = f->units;
			if (f->peak_mem > u->peak_mem)
				u->peak_mem = f->peak_mem;
		}
		for (size_t i = 0; i < e->ops.n; i++)
			if (fx__meta_ops_push(&rep->meta, &e->ops.ops[i]) < 0)
				break;
		if (e->log_len) {
			size_t need = rep->log_len + e->log_len + 1;
			if (need > rep->log_cap) {
				char *p = realloc(rep->log, need * 2);
				if (p) {
					rep->log = p;
					rep->log_cap = need * 2;
				}
			}
			if (need <= rep->log_cap) {
				memcpy(rep->log + rep->log_len, e->log, e->log_len);
				rep->log_len += e->log_len;
				rep->log[rep->log_len] = 0;
			}
		}
	}
	session_reset(e);
}

/* --- games ----------------------------------------------------------------- */

int fx_game_begin(fx_engine_t *e, const fx_session_setup_t *s, const pw_hooks_t **hooks,
		  char *err, size_t errlen)
{
	*hooks = NULL;
	if (session_begin(e, s, FX_SESS_GAME, FX_SIM_HOOKS_MASK, err, errlen) < 0)
		return -1;
	e->hooks.ud = e;
	e->hooks.call = sim_call;
	if (e->hooks.mask)
		*hooks = &e->hooks;
	return 0;
}

void fx_game_end(fx_engine_t *e, pw_game_result_t *res, fx_report_t *rep)
{
	if (e->kind != FX_SESS_GAME)
		return;
	if (res)
		for (int i = 0; i < e->n_effs; i++) {
			fx_eff_t *f = &e->effs[i];
			for (int h = 0; h < PW_SIM_HOOK_COUNT; h++) {
				if (!(f->subscribed & (1u << h)))
					continue;
				pw_effect_stat_t st;
				memset(&st, 0, sizeof st);
				snprintf(st.effect_id, sizeof st.effect_id, "%s", f->id);
				st.hook = (pw_sim_hook_t)h;
				st.fired = (int)f->fired[h];
				st.errors = (int)f->errors[h];
				if (sim_result_add_effect_stat(res, &st) < 0)
					break;
			}
		}
	session_end(e, rep);
}

/* --- rounds ---------------------------------------------------------------- */

int fx_round_begin(fx_engine_t *e, const fx_session_setup_t *s, char *err, size_t errlen)
{
	uint32_t all = (1u << FX_HOOK_COUNT) - 1u;
	return session_begin(e, s, FX_SESS_ROUND, all & ~FX_SIM_HOOKS_MASK, err, errlen);
}

int fx_round_hook(fx_engine_t *e, const char *hook, const cJSON *context, const pw_rules_t *rules,
		  char *narrative, size_t narrative_len)
{
	int h = fx_hook_find(hook);
	if (narrative && narrative_len)
		narrative[0] = 0;
	if (h < PW_SIM_HOOK_COUNT || e->kind != FX_SESS_ROUND)
		return -1;
	pw_hook_result_t res;
	memset(&res, 0, sizeof res);
	e->json = cJSON_IsObject(context) ? context : NULL;
	e->rules = rules;
	e->gen++;
	int ran = 0;
	lua_pushnil(e->sbx.L); /* run_one's scratch slot */
	for (int i = 0; i < e->n_order[h]; i++) {
		if (!e->effs[e->order[h][i]].alive)
			continue;
		run_one(e, e->order[h][i], h, &res);
		ran++;
	}
	lua_pop(e->sbx.L, 1);
	e->gen++; /* views made during the call expire with it */
	e->json = NULL;
	e->rules = NULL;
	if (narrative && narrative_len)
		snprintf(narrative, narrative_len, "%s", res.narrative);
	return ran;
}

void fx_round_end(fx_engine_t *e, fx_report_t *rep)
{
	if (e->kind != FX_SESS_ROUND)
		return;
	session_end(e, rep);
}

/* --- report ---------------------------------------------------------------- */

void fx_report_init(fx_report_t *r)
{
	memset(r, 0, sizeof *r);
}

void fx_report_free(fx_report_t *r)
{
	if (!r)
		return;
	free(r->errors);
	free(r->usage);
	fx_meta_ops_free(&r->meta);
	free(r->log);
	memset(r, 0, sizeof *r);
}

const fx_usage_t *fx_report_usage(const fx_report_t *r, const char *effect_id)
{
	for (size_t i = 0; i < r->n_usage; i++)
		if (strcmp(r->usage[i].effect_id, effect_id) == 0)
			return &r->usage[i];
	return NULL;
}

/* --- validation -------------------------------------------------------------- */

/* See fx_int.h. */
int fx__engine_check_chunk(fx_engine_t *e, const char *src, size_t len, lua_CFunction inspect,
			  void *out, int *return_line, char *err, size_t errlen)
{
	lua_State *L = e->sbx.L;
	fx__sbx_t *S = &e->sbx;
	*return_line = 0;
	if (e->kind != FX_SESS_NONE) {
		snprintf(err, errlen, "the engine is already running a session");
		return -1;
	}
	lua_settop(L, 0);
	int st = luaL_loadbufferx(L, src, len, "=fx", "t");
	if (st != LUA_OK) {
		fx__error_text(L, -1, err, errlen);
		if (strstr(err, "binary chunk"))
			snprintf(err, errlen, "binary (precompiled) chunks are refused: send Lua source text");
		lua_settop(L, 0);
		return -1;
	}
	fx__push_env(L);
	lua_setupvalue(L, 1, 1);

	if (effs_reserve(e, 1) < 0) {
		snprintf(err, errlen, "out of memory");
		lua_settop(L, 0);
		return -1;
	}
	fx_eff_t *f = &e->effs[0];
	memset(f, 0, sizeof *f);
	snprintf(f->id, sizeof f->id, "check");
	rng_seed_stream(&f->rng, 0, rng_hash_str(f->id));
	e->n_effs = 1;
	e->cur_eff = 0;
	e->cur_hook = -1;
	S->units = 0;
	fx__sbx_session_start(S, e->held, 1, 1);
	lua_pushinteger(L, 1);
	if (protect(L, mt_cache_reset, 1, 0) != LUA_OK) {
		snprintf(err, errlen, "out of memory");
		lua_settop(L, 0);
		return -1;
	}
	S->track_return = true;
	S->return_line = 0;
	lua_sethook(L, lua_gethook(L), LUA_MASKCOUNT | LUA_MASKRET, FX__HOOK_INTERVAL);

	char msg[FX_ERR_MAX];
	fx__sbx_call_begin(S, 0, 0);
	st = lua_pcall(L, 0, 1, 0);
	bool failed = call_failed(e, st, msg, sizeof msg);
	*return_line = S->return_line;
	if (!failed) {
		lua_pushcfunction(L, inspect);
		lua_insert(L, -2);
		lua_pushlightuserdata(L, out);
		st = lua_pcall(L, 2, 0, 0);
		failed = call_failed(e, st, msg, sizeof msg);
	}
	fx__sbx_call_end(S);
	S->track_return = false;
	lua_sethook(L, lua_gethook(L), LUA_MASKCOUNT, FX__HOOK_INTERVAL);
	e->n_effs = 0;
	e->cur_eff = -1;
	lua_settop(L, 0);
	if (failed) {
		fx__error_lines(msg);
		snprintf(err, errlen, "%s", msg);
		return -1;
	}
	return 0;
}
