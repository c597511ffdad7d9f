/*
 * fx_int.h — what the files of effects/ share with each other and nobody
 * else: the sandbox (one lua_State with its allocator, budgets and kill
 * switch), the engine that owns it, and the helpers between them.
 *
 * Everything declared here is named fx__ / FX__ (two underscores, as
 * libuv's uv__), so a call from outside effects/ stands out as reaching
 * into the sandbox's insides; effects/fx.h is the whole public API, and
 * tests/layers.sh refuses this header in core/league and server/. (struct fx_script is
 * the body of fx.h's opaque fx_script_t, so it keeps the public tag.)
 *
 * Layout of responsibility:
 *   sandbox.c      lua_State, owner-tagging allocator, count hook, kill, backstop,
 *                  base library (pcall, pairs, setmetatable snapshots, ...)
 *   safelib.c      string/table/math/utf8/coroutine wrappers with budget charges
 *   pattern.c      the pattern functions, matched by our code and charged per step
 *   api.c          ctx views, ctx.random, ctx.meta, ctx.log
 *   hook_result.c  validating and combining hook results
 *   script.c       loading and validating scripts
 *   session.c      the engine: compiled-chunk cache, game and round sessions
 *   meta.c         metadata values, maps, the store and replay
 */
#ifndef PW_FX_INT_H
#define PW_FX_INT_H

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "core/sim/rng.h"
#include "effects/fx.h"

/* Instructions between two count-hook fires. Fixed, so that where a
 * budget stops a script is the same in every process. A call is charged in
 * whole intervals, its last one included (fx__sbx_call_end). */
#define FX__HOOK_INTERVAL 100
/* Fires between the checks that cost more (walking the call stack for
 * depth and arguments): about every 1,000 instructions. The interval is
 * small because the count restarts at every call: what a call runs after
 * its last fire is charged only as a rounded-up interval. */
#define FX__HOOK_CHECKS 10
/* Fires between two reads of the thread's CPU clock for the backstop:
 * about every 10,000 instructions (a read is a system call). */
#define FX__BACKSTOP_FIRES 100
/* The scale of a unit: one VM instruction, about 4 ns here. C work is
 * charged so that a unit of it costs about what an instruction does:
 * bytes allocated (one unit per FX__BYTES_PER_UNIT), and each library
 * function by the work it does (safelib.c, pattern.c). */
#define FX__BYTES_PER_UNIT 64
/* A full collection (when an allocation would pass an effect's cap) visits
 * every block of the engine: charged per block, and per this many bytes. */
#define FX__GC_UNITS_PER_BLOCK 4
#define FX__GC_BYTES_PER_UNIT 1024
/* Growing buffers and table parts may pass the cap by this much for a
 * moment; a new object beyond the cap is refused (after a collection). */
#define FX__MEM_SLACK (64 * 1024)
/* Blocks the allocator keeps for reuse (sandbox.c): up to this size,
 * header included, in classes of FX__POOL_GRAIN bytes, and at most
 * FX__POOL_BYTES of them. */
#define FX__POOL_GRAIN 16
#define FX__POOL_CLASSES 16
#define FX__POOL_BYTES (2u << 20)

/* Fields a hook result may have (hook_result.c). */
#define FX__RESULT_FIELDS 10
/* Slots of the table of view field names by address (api.c): more than
 * twice the names, so that a probe ends soon. */
#define FX__KEYHASH 128

/* The sandbox. Lives inside fx_engine_t; reached from any lua_State
 * (coroutines included) through lua_getextraspace. */
typedef struct fx__sbx {
	lua_State *L;         /* where scripts run: the session's thread, else main */
	lua_State *main;      /* the state's main thread (setup, validation, close) */
	fx_limits_t lim;

	/* Memory. Every block carries its owner (sandbox.c): the effect of
	 * the session that allocated it, or the engine. An effect is charged
	 * for the blocks it holds; a block of an older session belongs to
	 * nobody now, so no effect is ever charged or credited for another's
	 * (or an earlier game's) memory. */
	size_t mem_used;      /* every block, the engine's included */
	size_t n_blocks;      /* how many blocks */
	size_t since_collect; /* bytes allocated since the last full collection */
	uint32_t gen;         /* the session, as blocks record it */
	int owner;            /* who allocates now: 0 the engine, i + 1 effect i */
	size_t *held;         /* per effect of the session: bytes held */
	int n_owners;
	bool mem_enforce;     /* limits apply (an effect is running) */
	size_t mem_peak;      /* most the running effect held in this call */
	/* Freed small blocks kept for reuse, by size class (sandbox.c): no
	 * block in use counts them, and no charge depends on them. */
	void *pool[FX__POOL_CLASSES];
	size_t pool_bytes;
	/* The request refused last, so that the retry Lua makes after its
	 * emergency collection is told from a new request. */
	bool ref_pending;
	const void *ref_ptr;
	size_t ref_osize, ref_nsize;

	/* instruction units: count-hook fires × interval + C charges */
	uint64_t units;
	uint64_t call_start;  /* units when the running call began */
	uint64_t eff_base;    /* the running effect's units before this call */
	uint32_t fires;       /* count-hook fires in the running call */
	bool in_call;

	/* the CPU-time backstop: an engine fault, never a budget */
	uint64_t cpu0;        /* thread CPU ns at the session's first check (0: not yet) */
	uint64_t backstop_ns; /* the session's allowance */
	size_t engine_faults; /* times it fired in this session */

	bool killed;
	char kill_msg[FX_ERR_MAX];

	/* The result fields' names as this state interns them (hook_result.c):
	 * a key of a script's result is one of them if it is the same string. */
	const char *result_names[FX__RESULT_FIELDS];
	/* The ctx views' field names and their ids (api.c), found by the
	 * address of the state's copy of the name: open addressing. */
	struct {
		const char *s;
		int id;
	} keyhash[FX__KEYHASH];

	/* return-line capture while validating a script (0: off) */
	bool track_return;
	int return_line;

	void *engine;         /* the fx_engine_t */
	struct fx__sbx *outer; /* the sandbox whose call was running on this
				* thread before this one's began (sandbox.c) */
} fx__sbx_t;

static inline fx__sbx_t *fx__sbx_of(lua_State *L)
{
	return *(fx__sbx_t **)lua_getextraspace(L);
}

/* sandbox.c */
int fx__sbx_open(fx__sbx_t *S, const fx_limits_t *lim, char *err, size_t errlen);
void fx__sbx_close(fx__sbx_t *S);
/* Builds the safe environment pieces inside the state (protected). */
int fx__sbx_setup(lua_State *L);
/* A session's own thread (S->L from here; see sandbox.c), and back to the
 * main thread. thread_begin fails only when out of memory. */
int fx__sbx_thread_begin(fx__sbx_t *S);
void fx__sbx_thread_end(fx__sbx_t *S);
/* A new session of n effects: held (n entries, zeroed here, owned by the
 * caller, valid until the next session) counts what each holds; blocks of
 * earlier sessions stop counting for anyone. n_subscribed scales the
 * backstop. */
void fx__sbx_session_start(fx__sbx_t *S, size_t *held, int n, int n_subscribed);
/* The count hook (sandbox.c). */
void fx__hook(lua_State *L, lua_Debug *ar);
/* The sandbox whose call is running on this thread (strcoll charges it). */
extern _Thread_local fx__sbx_t *fx__running;
void fx__sbx_call_end_killed(fx__sbx_t *S);

/* Call bracket: arm budgets for one script call of effect `effect` (its
 * index in the session) that has used eff_units so far. Inline: it
 * brackets every hook call. */
static inline void fx__sbx_call_begin(fx__sbx_t *S, int effect, uint64_t eff_units)
{
	S->in_call = true;
	S->call_start = S->units;
	S->fires = 0;
	/* each call counts from zero, so what one effect ran never moves where
	 * the hook fires (and what is charged) in the next one's call */
	lua_sethook(S->L, fx__hook, LUA_MASKCOUNT | (S->track_return ? LUA_MASKRET : 0),
		    FX__HOOK_INTERVAL);
	S->eff_base = eff_units;
	S->killed = false;
	S->ref_pending = false;
	S->owner = effect >= 0 && effect < S->n_owners ? effect + 1 : 0;
	/* the peak is per call: what this effect held, not what others did */
	S->mem_peak = S->owner ? S->held[S->owner - 1] : 0;
	S->mem_enforce = S->owner != 0;
	S->outer = fx__running;
	fx__running = S;
}

/* Whether the running call is within its budgets: per call, and per game
 * with what its effect used before it. The first check of every count-hook
 * fire and of every charged allocation, inline; fx_budget_over (sandbox.c)
 * says which is spent. */
static inline bool fx__sbx_within(const fx__sbx_t *S)
{
	uint64_t call = S->units - S->call_start;
	return call <= S->lim.instr_per_call && S->eff_base + call <= S->lim.instr_per_game;
}

/* Ends it; returns the units the call used. Clears a kill. */
static inline uint64_t fx__sbx_call_end(fx__sbx_t *S)
{
	/* The instructions since the last fire (fewer than an interval) are
	 * charged as a whole interval: the count restarts at every call, so
	 * otherwise a call shorter than an interval, however costly its
	 * instructions, would be free. */
	S->units += FX__HOOK_INTERVAL;
	S->in_call = false;
	S->mem_enforce = false;
	S->ref_pending = false;
	S->owner = 0;
	fx__running = S->outer;
	S->outer = NULL;
	if (S->killed)
		fx__sbx_call_end_killed(S);
	return S->units - S->call_start;
}
/* Charges C-side work to the running call; kills (raises) when over. */
void fx__charge(lua_State *L, uint64_t units);
/* Marks the running effect killed with msg and raises it. */
int fx__kill(lua_State *L, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Marks killed without raising (allocator, wrappers). */
void fx__mark_killed(fx__sbx_t *S, lua_State *L, const char *msg);
/* If the running effect was killed, raises the kill again (pcall wrappers). */
void fx__check_killed(lua_State *L, int status);
/* Pushes a new table holding the environment for one effect. */
void fx__push_env(lua_State *L);
/* Safe, address-free tostring (never raises on plain values). */
const char *fx__tostring(lua_State *L, int idx, size_t *len);
/* Error text of the value at idx without running metamethods. */
void fx__error_text(lua_State *L, int idx, char *buf, size_t len);
/* Rewrites "fx:12: msg" as "line 12: msg" in place. */
void fx__error_lines(char *msg);
/* Pushes a sorted snapshot iterator for table at idx (pairs). */
int fx__pairs_table(lua_State *L, int idx);
/* A number as text the same on every platform (NaN is "nan", never
 * "-nan"); pushes it. */
const char *fx__number_text(lua_State *L, int idx, size_t *len);
/* A lua_CFunction, to call protected with the session's number of effects:
 * starts the session's metatable-snapshot caches (setmetatable reuses a
 * snapshot per metatable, per effect, within a session). */
int fx__sbx_mt_cache_reset(lua_State *L);

/* The registry slots of what setup builds (light-userdata keys). */
extern const char fx__key_base, fx__key_envmt, fx__key_frozen, fx__key_viewmt,
	fx__key_factory, fx__key_views, fx__key_strlib, fx__key_tostring, fx__key_mtcache;

/* safelib.c: builds the safe string/table/math/utf8/coroutine tables and
 * leaves them as fields of the table on top (the base). */
void fx__safelib_open(lua_State *L);

/* pattern.c: string.find, match, gmatch and gsub, charged step by step. */
int fx__str_find(lua_State *L);
int fx__str_match(lua_State *L);
int fx__str_gmatch(lua_State *L);
int fx__str_gsub(lua_State *L);
/* Pushes a frozen (read-only) proxy of the table at idx. */
void fx__push_frozen(lua_State *L, int idx);
bool fx__is_frozen(lua_State *L, int idx);

/* api.c */
void fx__api_open(lua_State *L);  /* view metatable, views, meta proxy */
/* Pushes ctx for a round session (one value). */
void fx__api_push_ctx(lua_State *L);

/* Which fields the backing tables of a game's views hold (bit = field
 * id), so that a hook point checks just those. A row is one backing table:
 * ctx at each sim hook, ctx.game, the two teams, each hooper. */
#define FX__GCTX_ROWS (PW_SIM_HOOK_COUNT + 3 + 2 * PW_ROSTER_SIZE)
#define FX__GCTX_KEYS 64 /* bits in a mask; every field id of api.c is below */
/* A field value as C computes it: enough to push it and to tell whether
 * it changed since it was stored. */
typedef struct fx__fval {
	int type;            /* FX_FV_* (api.c) */
	union {
		int64_t i;   /* ints, booleans, view slots, key ids */
		double n;
		const char *s;
	} u;
} fx__fval_t;
typedef struct fx__gctx {
	uint64_t point_fields[FX__GCTX_ROWS]; /* checked at every hook point */
	uint64_t game_fields[FX__GCTX_ROWS];  /* kept until the next game */
	fx__fval_t held[FX__GCTX_ROWS][FX__GCTX_KEYS]; /* what the point fields hold */
	uint32_t hooper_rows;                /* hoopers keeping point fields (bit = hooper) */
	bool fresh;                          /* a new game: forget game_fields too */
} fx__gctx_t;
/* Pushes the FX__GCTX_SLOTS values of a game session onto an empty stack:
 * slots 1 to PW_SIM_HOOK_COUNT are ctx at each sim hook (FX__CTX_SLOT),
 * the others the tables fx__api_refresh rewrites (four, then the backing
 * tables of ctx at each hook, the game, the teams and the hoopers), and
 * all must stay where they are. Each hook has a ctx of its own so that a
 * hook point never changes which row ctx reads (a metatable swap at every
 * hook point that differs from the last, most of them). */
#define FX__GCTX_SLOTS (PW_SIM_HOOK_COUNT + 3 + FX__GCTX_ROWS)
/* The stack slot of ctx at hook h: its own for a sim hook, slot 1 in a
 * round session. */
#define FX__CTX_SLOT(h) ((h) < PW_SIM_HOOK_COUNT ? 1 + (h) : 1)
void fx__api_push_game_ctx(lua_State *L, fx__gctx_t *x);
/* Starts a hook point (the session's current sim ctx must be set): ctx
 * reads the row of this hook; every field of ctx, ctx.game and the teams
 * kept from an earlier hook point is recomputed and rewritten only if its
 * value changed (nil: forgotten); a hooper's kept field that changed is
 * forgotten, and computed again at its next read (hoopers change at nearly
 * every possession, and most of their fields are read seldom). First in a
 * game, the per-game fields of the previous game are forgotten. Writes
 * existing keys only, so it never allocates or raises: safe unprotected. */
void fx__api_refresh(lua_State *L, fx__gctx_t *x);
/* The session's fx__gctx_t (session.c). */
fx__gctx_t *fx__rt_gctx(lua_State *L);
/* pairs over a view: pushes a snapshot table of its fields (or nil). */
bool fx__api_view_snapshot(lua_State *L, int idx);
int fx__api_random(lua_State *L);

/* hook_result.c */
typedef struct fx__partial {
	/* Only the fields before attrs, n_attrs and narrative[0] are set
	 * (the rest is read up to n_attrs and narrative's NUL): clearing all
	 * of it for every result cost more than reading most results. */
	pw_hook_result_t r;
	bool any;        /* something non-empty was returned */
} fx__partial_t;
/* Interns the result fields' names in the sandbox's state and keeps them
 * (in the registry) and their addresses (in result_names). Protected. */
void fx__result_open(lua_State *L);
/* Validates the value at idx as the result of hook for the current call
 * into p. No allocation, no metamethods. 0, or -1 with msg. */
int fx__result_read(lua_State *L, int idx, int hook, const pw_hook_ctx_t *ctx,
		   fx__partial_t *p, char *msg, size_t len);
/* Adds p into r (numbers add, block ors, narratives join). -1 if the
 * combined attribute list overflows (msg set). */
int fx__result_merge(pw_hook_result_t *r, const fx__partial_t *p, char *msg, size_t len);
/* Cleans text into a narrative line: controls to spaces, bad UTF-8 to '?',
 * cut at PW_NARRATIVE_MAX on a character boundary. Returns bytes written. */
size_t fx__narrative_clean(const char *in, size_t inlen, char *out, size_t outsz);

/* script.c */
struct fx_script {
	char *src;
	size_t len;
	char sha[65];
	char name[FX_NAME_MAX + 1];
	char *desc;
	fx_lifetime_t life;
	uint32_t hooks;
};
/* 1-based line of the first occurrence of needle in src, or 0. */
int fx__src_line(const char *src, size_t len, const char *needle);

/* meta.c */
typedef struct fx__meta_map fx__meta_map_t;
fx__meta_map_t *fx__meta_map_new(void);
void fx__meta_map_free(fx__meta_map_t *m);
void fx__meta_map_clear(fx__meta_map_t *m);
/* 1 found, 0 absent. */
int fx__meta_map_get(const fx__meta_map_t *m, const fx_meta_key_t *k, fx_value_t *out);
int fx__meta_map_put(fx__meta_map_t *m, const fx_meta_key_t *k, const fx_value_t *v);
/* Applies one op to cur (the value before); writes the value after. */
void fx__meta_op_eval(const fx_meta_op_t *op, const fx_value_t *cur, fx_value_t *out);
int fx__meta_ops_push(fx_meta_ops_t *o, const fx_meta_op_t *op);
/* An entity's size (keys, bytes) as a map keeps it beside its values (or a
 * session's change to it, in the overlay): read, and add to. */
void fx__meta_size_get(const fx__meta_map_t *m, fx_meta_kind_t kind, int64_t id, int64_t *keys,
		       int64_t *bytes);
int fx__meta_size_add(fx__meta_map_t *m, fx_meta_kind_t kind, int64_t id, int64_t keys,
		      int64_t bytes);
/* What a write turning before (NULL: absent) into after adds to its
 * entity: keys (-1, 0, 1) and bytes. */
void fx__meta_op_delta(const fx_meta_key_t *k, const fx_value_t *before, const fx_value_t *after,
		       int64_t *keys, int64_t *bytes);
/* Whether an entity of keys and bytes takes the change within the caps
 * (a change that shrinks it always fits). */
bool fx__meta_fits(int64_t keys, int64_t bytes, int64_t dkeys, int64_t dbytes);

/* session.c: validation for script.c. Loads src (text only) and runs its
 * main chunk under the budgets as a stand-in effect "check" (so
 * math.random works as in a game), then runs inspect(value, out) protected
 * on what the chunk returned. Returns 0, or -1 with a "line N: ..." message
 * in err. *return_line is the line of the chunk's return statement (0 if
 * unknown). */
int fx__engine_check_chunk(fx_engine_t *e, const char *src, size_t len, lua_CFunction inspect,
			  void *out, int *return_line, char *err, size_t errlen);

/* session.c: what api.c needs to know about the running session */
const pw_hook_ctx_t *fx__rt_sim_ctx(lua_State *L);
const struct cJSON *fx__rt_json_ctx(lua_State *L, uint32_t *gen);
const pw_rules_t *fx__rt_rules(lua_State *L);
int fx__rt_hook(lua_State *L);
pw_rng_t *fx__rt_rng(lua_State *L);
/* ctx.meta: read with the session's own writes applied; buffer a write. */
int fx__rt_meta_get(lua_State *L, const fx_meta_key_t *k, fx_value_t *out);
int fx__rt_meta_write(lua_State *L, const fx_meta_op_t *op, fx_value_t *after);
void fx__rt_log(lua_State *L, const char *msg, size_t len);

#endif
