/*
 * report.h — reports written from the numbers, without AI: a simulation
 * report and a governance report per tick, a private report per governor,
 * and commentary per game. Phrasing varies but is chosen deterministically
 * from a seed, so the same tick always reads the same. Reports describe and
 * never prescribe; report_directive_count() counts directive phrases ("you
 * should", "vote for", ...) and the count is stored as an eval.
 */
#ifndef PW_REPORT_H
#define PW_REPORT_H

#include <stdint.h>

#include "core/governance.h"

struct cJSON;

/* Writes every report of (season, round) inside the caller's transaction.
 * Appends {kind, id, round} of each to generated (may be NULL). 0 or <0. */
int report_round_in_tx(pw_gov_t *g, int64_t season_id, int round, struct cJSON *generated,
		       pw_err_t *err);

/* Broadcast-style commentary for one game from its GameResult JSON and the
 * two team names; malloc'd, caller frees. */
char *report_commentary(const struct cJSON *result, const char *home, const char *away,
			uint64_t seed);

/* How many directive phrases the text holds. */
int report_directive_count(const char *text);

#endif
