/*
 * round_play.h — one round of games with its effect hooks, exactly as the
 * league plays it (spec 30-league-governance, "The round runner", step 2).
 *
 * The round runner (round.c) and the effect-trial harness (trial.h) both
 * play rounds through this module, so what an effect author or a proposer
 * sees in a test run is what the league will do: the same hook sequence,
 * the same ctx fields, the same game ids and seeds reaching the sandbox,
 * the same order of metadata writes. Nothing here touches the store: the
 * caller reads the round's fixtures, hands in the standings through a
 * callback and applies the metadata writes it gets back.
 *
 * A round:
 *   round.pre                       ctx {round, rules, standings}
 *   round.game.pre   each game      ctx {round, rules, game: {id, round, index,
 *                                         home_team_id, away_team_id}}
 *   the games                       on the provider's workers when allowed
 *   round.game.post  each game      ctx as round.game.pre, game also has
 *                                   home_score, away_score, winner_team_id,
 *                                   margin (and the same five fields flat)
 *   round.post                      ctx {round, rules, standings after it}
 * Every hook reads the metadata handed to round_play_meta_begin (the round's
 * start), so games may run in parallel; the writes come back merged in the
 * order a sequential round makes them.
 */
#ifndef PW_ROUND_PLAY_H
#define PW_ROUND_PLAY_H

#include <stdbool.h>
#include <stdint.h>

#include "core/league/round.h"
#include "core/league/standings.h"
#include "core/sim/rules.h"
#include "core/sim/sim.h"

struct cJSON;

/* The engines a round is played with. */
typedef struct round_play_cfg {
	const pw_fx_provider_t *fx;       /* NULL: no effects */
	const pw_fx_extra_t *fx_extra;    /* may be NULL; only used with fx */
	const pw_fx_active_t *effects;    /* the round's active effects, in order */
	int n_effects;
	/* The simulation; NULL means sim_game. Tests pass doubles. */
	int (*sim)(const pw_game_input_t *in, pw_game_result_t *out);
	/* Threads for the games (0 or 1: sequential). With effects, at most the
	 * provider's workers (fx_extra->game_begin_on), else sequential.
	 * Results are identical either way. */
	int parallel_games;
} round_play_cfg_t;

/* One game of a round. round_play_game_init, fill the inputs, play, read
 * the outputs, round_play_game_free. */
typedef struct round_play_game {
	/* Inputs (borrowed for the call). */
	const pw_team_t *home, *away;
	int index;                 /* in the round: ctx.game.index */
	int64_t id;                /* ctx.game.id and the sim's game id (round_play_game_id) */
	uint64_t seed;
	bool regular;              /* a regular-season game: counts in ctx.standings */
	/* Outputs. */
	pw_game_result_t res;
	char hash[65];             /* result_hash of res */
	struct cJSON *ran;         /* ids of effects that ran in its round.game.* hooks */
	struct cJSON *failed;      /* ids of those that failed there (error or budget) */
} round_play_game_t;

void round_play_game_init(round_play_game_t *g);
/* Frees the outputs; g can be initialised again. NULL is fine. */
void round_play_game_free(round_play_game_t *g);

/* What one round hands its hooks beyond the games. */
typedef struct round_play_round {
	int round;
	const pw_rules_t *rules;          /* the games' rules */
	const struct cJSON *rules_json;   /* ctx.rules (rules_to_json form); NULL: made from rules */
	const struct cJSON *meta;         /* the metadata every hook reads (see
					   * round_play_meta_begin); may be NULL */
	/* ctx.standings, as season_standings_at gives them: the regular games
	 * stored before before_round, then extra (the round's own regular
	 * games, in schedule order). Called with (round, NULL, 0) for round.pre
	 * and (round + 1, the round's games) for round.post. Returns a new
	 * array (NULL: ctx has no standings). NULL callback: no standings. */
	struct cJSON *(*standings)(void *ud, int before_round, const pw_stand_game_t *extra, int n_extra);
	void *standings_ud;
} round_play_round_t;

/* True when effects run: a provider and at least one active effect. */
bool round_play_fx_on(const round_play_cfg_t *c);

/* Hands the metadata the next hooks read to the provider
 * (fx_extra->round_begin; see round.h for the shape). No-op without effects. */
void round_play_meta_begin(const round_play_cfg_t *c, const struct cJSON *meta);

/*
 * Runs one round or governance hook (round.pre, round.game.pre,
 * round.game.post, round.post, gov.pre, gov.post) over the active effects
 * with ctx (borrowed).
 * Writes go to meta_writes. When ran / failed are not NULL, the ids of the
 * effects that ran in this call, and of those that failed in it, are
 * appended (the 3-consecutive-failures rule counts them).
 */
void round_play_hook(const round_play_cfg_t *c, const char *hook, const struct cJSON *ctx,
		     struct cJSON *meta_writes, struct cJSON *ran, struct cJSON *failed);

/*
 * Plays one game on a worker (0 <= worker; sequential callers pass 0):
 * starts its sandbox, simulates, ends it, fills g->res and g->hash and
 * appends the game's metadata writes to meta_writes. Safe on several
 * threads at once when each uses its own worker, game and meta_writes.
 * 0, or -1 when the simulation failed.
 */
int round_play_game(const round_play_cfg_t *c, int worker, int round, const pw_rules_t *rules,
		    round_play_game_t *g, struct cJSON *meta_writes);

/*
 * Plays the round: hands r->meta to the provider, fires round.pre, then
 * round.game.pre for each game in order, plays the games, fires
 * round.game.post for each in order, then round.post. Appends every
 * metadata write to meta_writes in sequential order: round.pre's, then per
 * game its round.game.pre's, its game's and its round.game.post's, then
 * round.post's. Returns 0, or -1 when a game could not be simulated
 * (*failed_game, if not NULL, is its position in games; no later hook ran).
 */
int round_play(const round_play_cfg_t *c, const round_play_round_t *r, round_play_game_t *games,
	       int n, struct cJSON *meta_writes, int *failed_game);

/* The game id the simulation and ctx.game.id see: (season, round, index)
 * packed. The runner, rebuild and the trial harness must agree on it to the
 * bit, since it reaches effects and so the hash. */
int64_t round_play_game_id(int64_t season_id, int round, int index);

/* ---- metadata writes ({kind, id, key, op, value}, as providers make them) ---- */

/* The entity a write is for. False when the write is malformed (it is then
 * skipped, by the store and the trial alike). */
bool round_play_meta_target(const struct cJSON *write, const char **kind, int64_t *id);

/*
 * Applies one write to an entity's metadata object (as the `meta` column
 * holds it): "set" stores value (null deletes the key), "incr" adds value
 * (1 when not a number) to the number there (0 when absent or not a
 * number), "toggle" flips it (absent or not true counts as false). Returns
 * 0, or -1 when the write is malformed or memory ran out.
 */
int round_play_meta_apply(struct cJSON *entity, const struct cJSON *write);

/* Where round_play_meta_apply_all reads and writes entities' metadata. */
typedef struct round_play_meta_io {
	/* The entity's metadata object (caller of the callback owns it), an
	 * empty object when it has none, or NULL when there is no such entity
	 * (its writes are then dropped, as the store's UPDATE drops them). */
	struct cJSON *(*load)(void *ud, const char *kind, int64_t id);
	/* Stores it; takes ownership of meta. 0, or -1 on failure. */
	int (*save)(void *ud, const char *kind, int64_t id, struct cJSON *meta);
	void *ud;
} round_play_meta_io_t;

/*
 * Applies a round's writes (a JSON array, in schedule order) with one load
 * and one save per entity written: linear in the writes, where reading and
 * storing the entity again at every write was quadratic. Writes to one
 * entity apply in their order; writes to different entities commute, so
 * the result is the one of applying them one by one. A write that would
 * take its entity beyond FX_META_ENTITY_KEYS keys or FX_META_ENTITY_BYTES
 * bytes (effects/fx.h) is dropped, as fx_meta_apply drops it; malformed
 * writes are skipped. Returns 0, or -1 when memory ran out or a save
 * failed.
 */
int round_play_meta_apply_all(const struct cJSON *writes, const round_play_meta_io_t *io);

#endif
