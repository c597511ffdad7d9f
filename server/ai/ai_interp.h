/*
 * ai_interp.h — proposals read by the AI: the classifier, the interpreter
 * and the second reading of generated code (spec 50, "AI layer").
 *
 * ai_interp_proposal is governance's interpret hook (pw_gov_cfg_t
 * .interpret) on the check workers. For one proposal it:
 *   1. runs the offline interpreter (its answer is the fallback, and its
 *      refusals — empty text, a value out of range — stand);
 *   2. asks the classifier whether the text tries to instruct the
 *      interpreter: a flagged text is not interpreted by the AI at all; it
 *      gets the offline reading at tier 5 with the classifier's reason;
 *   3. asks the interpreter (a forced tool with an input_schema) for
 *      parameter changes and/or one Lua effect, a confidence, an impact
 *      note and a clarification question. It is shown the proposal text,
 *      the rules table (names, types, ranges, current values) and the
 *      effect API — nothing else: no game state, no governor, no secret;
 *   4. treats the answer as hostile: an answer off the schema, an unknown
 *      parameter, a value out of range or equal to the current one is
 *      refused (the offline reading answers, with the reason in the note);
 *   5. checks a generated script as every script is checked (the sandbox
 *      validation and the effect-trial harness, through rq->check); one
 *      that fails is sent back once with the errors for a repair, and if
 *      the repair fails too the proposal stands as wild (tier 5) without
 *      it, the note naming the error;
 *   6. asks for a second reading of a script that passed: does the code do
 *      what the words say and nothing else? The answer goes with the
 *      effect ("review") and a disagreement into the note, for the voters
 *      and the admin.
 * Generated code is tier 5: the admin reviews it while voting runs.
 *
 * Without a key, over the budget, or when a call fails, the offline
 * interpreter answers and the note says why.
 */
#ifndef PW_AI_INTERP_H
#define PW_AI_INTERP_H

#include <stddef.h>

#include "core/league/governance.h"
#include "server/ai/ai_client.h"

struct cJSON;

/* The interpret hook: ud is the ai_client_t. 0 with *out (caller owns) in
 * interpret.h's shape plus "interpreter" ("ai" or "offline"), "classifier"
 * and, for a generated effect, "generated": true and "review" on it; or
 * -1 with err (the offline interpreter's refusals). */
int ai_interp_proposal(void *ud, const pw_gov_interp_req_t *rq, struct cJSON **out, char *err, size_t errlen);

/* The prompts' fixed parts, for docs/AI.md and the tests. */
extern const char ai_interp_system[];
extern const char ai_effect_api_summary[];

#endif
