/*
 * ai_strategy.h — a team's strategy in words, read by the AI (spec 50:
 * strategy text → strategy struct). governance's strategy hook
 * (pw_gov_cfg_t.strategy) on the check workers: a forced tool whose input
 * is the struct's fields, each checked against its range (a value outside
 * it, a scheme the engine does not have, is refused and the offline
 * reading answers).
 */
#ifndef PW_AI_STRATEGY_H
#define PW_AI_STRATEGY_H

#include <stddef.h>

#include "core/sim/teams.h"

/* ud is the ai_client_t. 0 with *out and note, or -1: the caller's
 * offline reading answers (no key, over budget, a failed call, an answer
 * off the schema). */
int ai_strategy_read(void *ud, const char *text, pw_strategy_t *out, char *note, size_t notelen);

#endif
