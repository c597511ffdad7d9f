/*
 * fx.h — the Lua effects sandbox: the whole public API of effects/.
 *
 * An effect is a Lua 5.4 script that returns {name, description, lifetime,
 * hooks}. Scripts come from strangers and from an AI, so everything here is
 * built as a security boundary (spec 20-effects):
 *
 *   fx_script_load   validate source once (text only), keep it immutable;
 *                    an fx_script_t may be shared by every thread.
 *   fx_engine_new    one sandbox per worker thread: a pooled lua_State with
 *                    the allow-listed library, budgets and a cache of
 *                    compiled chunks. Not thread-safe; never shared.
 *   fx_game_begin    instantiate a game's effects in fresh environments and
 *   fx_game_end      get a pw_hooks_t for sim_game; afterwards collect the
 *                    per-effect stats, errors, log and metadata writes.
 *   fx_round_begin   the same for round.* / gov.* / report.* hooks, whose
 *   fx_round_hook    context is given as cJSON (use a separate engine: spec
 *   fx_round_end     says they run in a sandbox of their own).
 *   fx_meta_*        the metadata store, buffered writes and their replay.
 *
 * Ownership: every pointer a function returns is owned by the caller unless
 * the comment says "borrowed". Every *_free accepts NULL.
 */
#ifndef PW_FX_H
#define PW_FX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/sim/hooks.h"
#include "core/sim/rules.h"
#include "core/sim/sim.h"

struct cJSON;

#define FX_ERR_MAX        320   /* bytes of one error message */
#define FX_MAX_EFFECTS    32    /* effects the command-line tools take at once */
#define FX_SESSION_MAX    1024  /* effects one game or round session runs (all of
				 * them: a session with more refuses to start) */
#define FX_SOURCE_MAX     65536 /* bytes of one script */
#define FX_NAME_MAX       64    /* bytes of an effect's name */
#define FX_DESC_MAX       1000  /* bytes of its description */

/* ------------------------------------------------------------------ hooks */

/* Every hook point: the simulation's (pw_sim_hook_t, same numbers) first,
 * then the round, governance and report hooks. */
enum {
	FX_HOOK_ROUND_PRE = PW_SIM_HOOK_COUNT,
	FX_HOOK_ROUND_POST,
	FX_HOOK_ROUND_GAME_PRE,
	FX_HOOK_ROUND_GAME_POST,
	FX_HOOK_GOV_PRE,
	FX_HOOK_GOV_POST,
	FX_HOOK_REPORT_SIMULATION_PRE,
	FX_HOOK_REPORT_COMMENTARY_PRE,
	FX_HOOK_COUNT
};
#define FX_SIM_HOOKS_MASK ((1u << PW_SIM_HOOK_COUNT) - 1u)

/* "sim.shot.pre", "round.post", ...; NULL out of range. */
const char *fx_hook_name(int hook);
/* The hook with this exact name, or -1. */
int fx_hook_find(const char *name);

/* ----------------------------------------------------------------- limits */

/*
 * Every limit that can stop a script is deterministic: instruction units
 * (VM instructions counted by Lua's count hook, plus C work charged in
 * proportion to its cost) and bytes held. Where a script stops is the same
 * in every process, on an idle machine or a loaded one. The one clock is
 * the backstop, which catches an engine bug (work the units do not cover),
 * never a script within its budgets: it is reported as an engine fault.
 */
typedef struct fx_limits {
	uint64_t instr_per_call; /* instruction units in one hook call */
	uint64_t instr_per_game; /* per effect, per game or round session */
	size_t mem_per_effect;   /* bytes one effect may hold (garbage is collected
				  * before an allocation is refused) */
	size_t max_string;       /* bytes in one Lua string */
	int max_depth;           /* nested calls */
	int max_args;            /* extra arguments a vararg function may hold */
	size_t log_bytes;        /* ctx.log output kept per effect per session */
	size_t narrative_bytes;  /* narrative accepted per effect per session */
	int meta_ops;            /* metadata writes per effect per session */
	uint32_t backstop_ms;    /* thread CPU time per effect per session before an
				  * engine fault is declared (see EFFECTS.md) */
} fx_limits_t;

/* Fills l with the defaults documented in docs/EFFECTS.md. */
void fx_limits_default(fx_limits_t *l);

/* ---------------------------------------------------------------- scripts */

typedef enum fx_lifetime_kind {
	FX_LIFE_PERMANENT,
	FX_LIFE_ONE_GAME, /* ends after one round */
	FX_LIFE_ROUNDS    /* { rounds = N } */
} fx_lifetime_kind_t;

typedef struct fx_lifetime {
	fx_lifetime_kind_t kind;
	int rounds; /* FX_LIFE_ROUNDS: 1..1000 */
} fx_lifetime_t;

typedef struct fx_script fx_script_t; /* immutable once loaded */

/*
 * Validates an effect script: text only (binary chunks refused), at most
 * FX_SOURCE_MAX bytes, loads and runs the chunk in a sandbox under budget,
 * and checks the returned table (name, description, lifetime, hooks; no
 * other fields; every hook name known, every hook a function). Returns 0 and
 * *out (caller frees with fx_script_free), or -1 with a message that names
 * the line and the problem in err ("line 7: unknown hook 'sim.shott.pre'").
 */
int fx_script_load(const char *src, size_t len, fx_script_t **out, char *err, size_t errlen);
void fx_script_free(fx_script_t *s);

/* Borrowed views of a loaded script; valid until fx_script_free. */
const char *fx_script_name(const fx_script_t *s);
const char *fx_script_description(const fx_script_t *s);
const char *fx_script_sha256(const fx_script_t *s); /* 64 hex digits of the source */
/* The source as loaded (valid while s lives); *len (may be NULL) its bytes. */
const char *fx_script_source(const fx_script_t *s, size_t *len);
fx_lifetime_t fx_script_lifetime(const fx_script_t *s);
uint32_t fx_script_hooks(const fx_script_t *s); /* bit h set for every hook it defines */

/* Reads a whole file and loads it; err names the file on I/O problems. */
int fx_script_load_file(const char *path, fx_script_t **out, char *err, size_t errlen);

/* One active effect: its id (unique, < PW_EFFECT_ID_MAX bytes) and script. */
typedef struct fx_effect {
	const char *id;
	const fx_script_t *script;
} fx_effect_t;

/* --------------------------------------------------------------- metadata */

#define FX_META_KEY_MAX 64  /* bytes of a key */
#define FX_META_STR_MAX 256 /* bytes of a string value */
/* One entity's metadata (a team's, a hooper's, ...): at most this many keys
 * and bytes, counted as fx_meta_entry_bytes adds them up. A write that
 * would go beyond either is an error in the script; the store drops one
 * that would (when games of a round together go beyond it). */
#define FX_META_ENTITY_KEYS  256
#define FX_META_ENTITY_BYTES 16384

typedef enum fx_meta_kind {
	FX_META_TEAM,
	FX_META_HOOPER,
	FX_META_GAME,
	FX_META_SEASON,
	FX_META_KINDS
} fx_meta_kind_t;

/* "team", "hooper", "game", "season"; and back (-1 if unknown). */
const char *fx_meta_kind_name(fx_meta_kind_t k);
int fx_meta_kind_find(const char *name);

typedef enum fx_value_type {
	FX_VAL_NIL,
	FX_VAL_INT,
	FX_VAL_NUM,
	FX_VAL_BOOL,
	FX_VAL_STR
} fx_value_type_t;

typedef struct fx_value {
	fx_value_type_t type;
	int64_t i;
	double n;
	bool b;
	char s[FX_META_STR_MAX + 1];
} fx_value_t;

typedef struct fx_meta_key {
	fx_meta_kind_t kind;
	int64_t id;
	char key[FX_META_KEY_MAX + 1];
} fx_meta_key_t;

typedef enum fx_meta_opcode {
	FX_META_SET,    /* v is the new value; FX_VAL_NIL deletes */
	FX_META_INCR,   /* v (INT or NUM) is added; absent counts as 0 */
	FX_META_TOGGLE  /* flips a boolean; absent counts as false */
} fx_meta_opcode_t;

typedef struct fx_meta_op {
	fx_meta_key_t k;
	fx_meta_opcode_t op;
	fx_value_t v;
	char effect_id[PW_EFFECT_ID_MAX];
} fx_meta_op_t;

/* Writes in the order the scripts made them. */
typedef struct fx_meta_ops {
	fx_meta_op_t *ops;
	size_t n, cap;
} fx_meta_ops_t;

void fx_meta_ops_free(fx_meta_ops_t *o); /* frees the array; o can be reused */

/*
 * How a session reads durable metadata: the values as of the round start.
 * Returns 1 and fills *out when the key has a value, 0 when it has none.
 * Called from the engine's thread; must be safe to call from several
 * threads at once (reads only).
 */
typedef int (*fx_meta_get_fn)(void *ud, const fx_meta_key_t *k, fx_value_t *out);
/* How many keys and bytes (fx_meta_entry_bytes) one entity holds; 0 and 0
 * for one with nothing. The same thread-safety as get. */
typedef void (*fx_meta_size_fn)(void *ud, fx_meta_kind_t kind, int64_t id, size_t *keys,
				 size_t *bytes);
typedef struct fx_meta_reader {
	fx_meta_get_fn get;   /* NULL: nothing is stored */
	fx_meta_size_fn size; /* NULL: every entity starts empty */
	void *ud;
} fx_meta_reader_t;

/* The bytes one key and its value count towards FX_META_ENTITY_BYTES: the
 * key's, plus the string's or 8 for a number or boolean (0 for nil). */
size_t fx_meta_entry_bytes(const char *key, const fx_value_t *v);

/* An in-memory metadata store: what the league keeps between rounds and
 * saves into the `meta` JSON columns, and what `effect check` uses. */
typedef struct fx_meta_store fx_meta_store_t;

fx_meta_store_t *fx_meta_store_new(void);
void fx_meta_store_free(fx_meta_store_t *m);
/* As fx_meta_get_fn. */
int fx_meta_store_get(const fx_meta_store_t *m, const fx_meta_key_t *k, fx_value_t *out);
/* Stores v (FX_VAL_NIL deletes). 0, or -1 when out of memory. */
int fx_meta_store_put(fx_meta_store_t *m, const fx_meta_key_t *k, const fx_value_t *v);
/* A reader over m (reads only; safe for concurrent games). */
fx_meta_reader_t fx_meta_store_reader(const fx_meta_store_t *m);
/* As fx_meta_size_fn. */
void fx_meta_store_size(const fx_meta_store_t *m, fx_meta_kind_t kind, int64_t id, size_t *keys,
			size_t *bytes);

/*
 * Replays ops into m in order: SET replaces, INCR adds (an absent or
 * non-numeric value counts as 0), TOGGLE flips (absent or non-boolean counts
 * as false). Apply every game's ops in schedule order after the round and
 * the result does not depend on which game finished first. An op that
 * would take its entity beyond FX_META_ENTITY_KEYS or _BYTES is skipped.
 * Returns 0, or -1 when out of memory (m then holds a prefix of the ops).
 */
int fx_meta_apply(fx_meta_store_t *m, const fx_meta_ops_t *ops);

/* Loads one entity's `meta` column ({"swagger": 3, "hot": true}) into m;
 * unknown value types are skipped. */
int fx_meta_store_load_entity(fx_meta_store_t *m, fx_meta_kind_t kind, int64_t id,
			      const struct cJSON *obj);

/* ----------------------------------------------------------------- report */

typedef struct fx_error {
	char effect_id[PW_EFFECT_ID_MAX];
	char hook[32];             /* "sim.shot.pre", or "load" while instantiating */
	char message[FX_ERR_MAX];  /* "line 12: instruction limit exceeded (...)" */
} fx_error_t;

/* What one effect did in one or more sessions (fx_*_end adds up). */
typedef struct fx_usage {
	char effect_id[PW_EFFECT_ID_MAX];
	uint64_t fired[FX_HOOK_COUNT];  /* calls per hook */
	uint64_t errors[FX_HOOK_COUNT];
	uint64_t acted;                 /* calls that returned a non-empty result */
	uint64_t sessions, stopped;     /* sessions run / in which it was switched off */
	uint64_t peak_instr;            /* most instructions one call used (approximate, ±interval) */
	uint64_t peak_session_instr;    /* most in one session */
	size_t peak_mem;                /* most bytes the effect held */
} fx_usage_t;

typedef struct fx_report {
	fx_error_t *errors;             /* at most FX_REPORT_ERRORS kept; n_errors_total counts all */
	size_t n_errors, n_errors_total, cap_errors;
	fx_usage_t *usage;
	size_t n_usage, cap_usage;
	fx_meta_ops_t meta;             /* writes, in order */
	char *log;                      /* "effect_id hook: message\n" lines, NUL-terminated */
	size_t log_len, log_cap;
	/* Sessions the CPU-time backstop stopped: an engine bug (the budgets
	 * should have stopped the script first), for the operator's log. The
	 * error itself ("engine fault: ...") is among the errors. */
	size_t n_engine_faults;
} fx_report_t;
#define FX_REPORT_ERRORS 200

void fx_report_init(fx_report_t *r);
void fx_report_free(fx_report_t *r); /* frees everything; r can be initialised again */
/* The usage row of an effect, or NULL. Borrowed. */
const fx_usage_t *fx_report_usage(const fx_report_t *r, const char *effect_id);

/* ----------------------------------------------------------------- engine */

typedef struct fx_engine fx_engine_t;

/* A sandbox for one thread. lim NULL: defaults. NULL on failure (err set). */
fx_engine_t *fx_engine_new(const fx_limits_t *lim, char *err, size_t errlen);
void fx_engine_free(fx_engine_t *e);

/* ------------------------------------------------------------------ games */

typedef struct fx_session_setup {
	int64_t game_id;          /* games; 0 for rounds */
	int round;
	uint64_t seed;            /* the game's seed (rounds: any fixed seed) */
	const fx_effect_t *effects;
	int n_effects;            /* ≤ FX_SESSION_MAX, applied in this order */
	fx_meta_reader_t meta;
	bool capture_log;         /* keep ctx.log lines (effect check, sim --effect) */
} fx_session_setup_t;

/*
 * Starts a game: each effect with a sim.* hook gets a fresh environment and
 * its chunk is re-instantiated from the cached compiled form. *hooks is set
 * to the pw_hooks_t to give sim_game, or NULL when no effect subscribes a
 * sim hook (the game then pays nothing). An effect whose chunk fails here is
 * switched off and its error reported at fx_game_end. Returns 0, or -1 (err
 * set) when the engine is busy, the setup is invalid or memory ran out;
 * fx_game_end must not be called then.
 * The hooks stay valid until fx_game_end.
 */
int fx_game_begin(fx_engine_t *e, const fx_session_setup_t *s, const pw_hooks_t **hooks,
		  char *err, size_t errlen);

/*
 * Ends the game: writes one row per (effect, subscribed sim hook) into res
 * with sim_result_add_effect_stat (res may be NULL), and appends errors,
 * usage, log and metadata writes to rep (may be NULL). Nothing of the game
 * survives in the engine.
 */
void fx_game_end(fx_engine_t *e, pw_game_result_t *res, fx_report_t *rep);

/* ----------------------------------------------------------------- rounds */

/* Starts a round session for the effects' round.*, gov.* and report.* hooks. */
int fx_round_begin(fx_engine_t *e, const fx_session_setup_t *s, char *err, size_t errlen);

/*
 * Runs every effect subscribed to hook (a round.*, gov.* or report.* name)
 * with ctx built from the fields of the JSON object context (e.g. {"round":3,
 * "standings":[...], "game":{...}, "proposals":[...], "tallies":[...]}),
 * plus ctx.hook, ctx.rules (when rules is not NULL), ctx.random, ctx.meta and
 * ctx.log. The narratives returned are joined into narrative (NUL-terminated,
 * may be NULL). Returns how many effects ran, or -1 for an unknown hook.
 * context and rules are borrowed for the call only.
 */
int fx_round_hook(fx_engine_t *e, const char *hook, const struct cJSON *context,
		  const pw_rules_t *rules, char *narrative, size_t narrative_len);

/* Ends the round session; as fx_game_end without a game result. */
void fx_round_end(fx_engine_t *e, fx_report_t *rep);

#endif
