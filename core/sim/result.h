/*
 * result.h — a GameResult as the world sees it: the JSON contract of spec
 * 10-simulation, the hash over the canonical play stream, and a box score
 * with play-by-play as text for people.
 */
#ifndef PW_RESULT_H
#define PW_RESULT_H

#include "core/sim/sim.h"

struct cJSON;

/*
 * The sha-256 (64 hex digits) of the canonical play stream: every play's
 * fields in a fixed binary layout, then the final score. Computed on demand,
 * not inside sim_game, so a benchmark or a season that never stores a game
 * does not pay for it.
 */
void result_hash(const pw_game_result_t *r, char hex[65]);

/* The GameResult JSON object (contract); caller owns it. NULL on OOM. */
struct cJSON *result_to_json(const pw_game_result_t *r);

/*
 * The same GameResult as JSON text appended to b, without a cJSON tree:
 * byte for byte what cJSON_PrintUnformatted prints for result_to_json, but
 * with "box_scores" last — the order in which the league has always
 * stored and served a game (its readers moved the box scores out and back).
 * hash is result_hash's, or NULL to compute it. b->oom on failure.
 */
struct pw_buf;
void result_write_json(const pw_game_result_t *r, const char *hash, struct pw_buf *b);

/* A readable box score and play-by-play; malloc'd, caller frees. */
char *result_to_text(const pw_game_result_t *r);

/*
 * One play as a sentence for people: "Wren Ivory drains a three over Bo
 * Cinderby (assist Kai Abernathy)." Effect narratives are appended. Writes
 * at most len bytes (NUL included) and returns buf.
 */
char *result_describe_play(const pw_game_result_t *r, const pw_play_t *p, char *buf, size_t len);

/* The hooper with this id in either team of r, or NULL. */
const pw_hooper_t *result_hooper(const pw_game_result_t *r, int hooper_id);

/* "at_rim", "free_throw", ...; "made", "missed", ... */
const char *result_action_name(pw_action_t a);
const char *result_outcome_name(pw_outcome_t o);

#endif
