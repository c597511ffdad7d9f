/*
 * roster.h — teams and hoopers as JSON, exactly and both ways.
 *
 * The store keeps teams and hoopers as this JSON, and every stored game keeps
 * a copy of both teams as they were when it was played, so `pinwheel
 * rebuild` can replay it bit for bit after trades and strategy changes.
 * Doubles print with enough digits to read back identically.
 */
#ifndef PW_ROSTER_H
#define PW_ROSTER_H

#include <stddef.h>

#include "core/sim/teams.h"

struct cJSON;

/* Caller owns the results; NULL on OOM. */
struct cJSON *roster_team_to_json(const pw_team_t *t);
struct cJSON *roster_hooper_to_json(const pw_hooper_t *h);
struct cJSON *roster_strategy_to_json(const pw_strategy_t *s);

/* Read back what the functions above wrote. Return 0, or -1 with err naming
 * the missing or malformed field. */
int roster_team_from_json(pw_team_t *t, const struct cJSON *o, char *err, size_t errlen);
int roster_strategy_from_json(pw_strategy_t *s, const struct cJSON *o);

#endif
