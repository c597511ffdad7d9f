/*
 * ai_writer.h — the reporter and the commentary, off the tick's path.
 *
 * The tick writes its reports from the numbers (core/league/report.h) and
 * never waits for the network. When a round is complete (the bus's
 * round.completed, after its replay), ai_writer_round queues it for the
 * writer's own thread, which:
 *   - stores the round's scenario flags (ai_evals.h) as evals, AI or not;
 *   - with the AI on, asks the reporter for a broadcaster's version of the
 *     simulation and governance reports, each governor's private report
 *     and the commentary of each game,
 *     given the offline text and the round's facts only, describe-never-
 *     prescribe; each answer is scanned for directive language and checked
 *     for grounding, and stored (store_report_ai_set) only when both are
 *     clean — the evals are stored either way, never the refused text.
 * Pages and the API show the offline text until the AI's is stored.
 */
#ifndef PW_AI_WRITER_H
#define PW_AI_WRITER_H

#include <stdint.h>

#include "server/ai/ai_client.h"
#include "server/log.h"

typedef struct ai_writer ai_writer_t;

/* Starts the writer thread with its own store connection over db_path; ai
 * (borrowed, may be disabled) makes the calls. 0, or -1 with err. */
int ai_writer_open(ai_writer_t **out, ai_client_t *ai, const char *db_path, const pw_log_t *log, char *err,
		   size_t errlen);
/* Queues a round (thread-safe, returns at once; a full queue drops the
 * oldest round, which keeps its offline text). */
void ai_writer_round(ai_writer_t *w, int64_t season_id, int round);
/* Waits until every queued round is done (tests). */
void ai_writer_drain(ai_writer_t *w);
/* Stops the thread after the round in hand; the rest stay offline. NULL-safe. */
void ai_writer_close(ai_writer_t *w);

/* The reporter's fixed instructions (docs/AI.md). */
extern const char ai_reporter_system[];

#endif
