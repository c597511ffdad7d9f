/*
 * ai_evals.h — what is measured of a round and of its reports, stored per
 * round in eval_results (as numbers, never with the text):
 *
 *   - grounding: every number and every capitalised name an AI report
 *     uses appears in the round's facts (the offline report, the teams,
 *     the hoopers, the scores) — ai_grounding_misses counts those that do
 *     not (a heuristic: sentence-initial words and a few stock words are
 *     not names);
 *   - the directive-language scan (report_directive_count, core/league);
 *   - the reference league's scenario flags for the round (1 or 0):
 *       blowout     a game decided by 20 or more;
 *       unanimity   a proposal tallied this round with two or more votes,
 *                   none against;
 *       stagnation  round 5 or later and no rule change or game effect
 *                   in the last five rounds;
 *       collapse    a team that has lost 5 or more straight (all games);
 *       backfire    a passed proposal whose proposer's team has lost every
 *                   game (3 or more) since it was enacted.
 */
#ifndef PW_AI_EVALS_H
#define PW_AI_EVALS_H

#include <stdint.h>

#include "core/league/gov_state.h"
#include "core/league/store.h"

#define AI_FLAGS(X) X(blowout) X(unanimity) X(stagnation) X(collapse) X(backfire)

typedef enum ai_flag {
#define AI_FLAG_ENUM(name) AI_FLAG_##name,
	AI_FLAGS(AI_FLAG_ENUM)
#undef AI_FLAG_ENUM
	AI_FLAG_COUNT
} ai_flag_t;

/* "blowout", ... */
const char *ai_flag_name(ai_flag_t f);

/* The flags of round of season sid from the stored games and the
 * governance state gs. 0, or -1 when the games cannot be read. */
int ai_round_flags(pw_store_t *s, const pw_gstate_t *gs, int64_t sid, int round, int flags[AI_FLAG_COUNT]);

/* Numbers and mid-sentence capitalised words of text not found in facts. */
int ai_grounding_misses(const char *text, const char *facts);

#endif
