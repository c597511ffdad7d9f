/*
 * api_propose.h — proposing and amending with the check off the loop.
 *
 * A proposal's check (validation, then the effect's test games and the
 * projected impact: seconds of work) runs on worker threads through a
 * bounded queue (server/live/checkq.h), never on the loop, and never while
 * the database's write lock is held: each worker has its own store
 * connection and governance service whose sandbox hooks remember what they
 * computed. A job first asks gov_precheck (no transaction: the slow games
 * run here), then calls gov_propose / gov_amend, whose hooks are answered
 * from memory — so the write holds the lock for milliseconds and /health,
 * votes and streams are served all along. The answer is the one the
 * service gives, exactly as when the handler called it itself.
 *
 * Queue full: 503 checks_busy; the governor already has a check waiting
 * or running: 429 check_in_progress; more than PINWHEEL_CHECKS_PER_MINUTE:
 * 429 rate_limited — each with Retry-After.
 */
#ifndef PW_API_PROPOSE_H
#define PW_API_PROPOSE_H

#include <stdint.h>

#include "core/league/errors.h"
#include "server/http/http_server.h"

typedef struct pw_app pw_app_t;

/* Opens the check workers (app->cfg.check_workers store connections and
 * governance services) and their queue into app->checks. Call after the
 * league is open. 0, or -1 with the reason logged. */
int api_checks_open(pw_app_t *app);
/* Refuses new checks and answers the waiting ones 503 (shutdown); once no
 * check runs any more, idle(ud) is called (the checks publish on the bus:
 * it may close then). */
void api_checks_close(pw_app_t *app, void (*idle)(void *ud), void *ud);
/* Frees the workers once the loop has stopped (before the effects engine
 * goes). NULL-safe. */
void api_checks_free(pw_app_t *app);

/*
 * Queues the proposal (proposal_id 0) or the amendment of proposal_id by
 * governor_id (text and lua are copied). Returns HTTP_DEFERRED (the answer
 * comes when the check is done) or HTTP_HANDLED with res holding a refusal.
 */
int api_propose_start(pw_app_t *app, pw_http_conn_t *c, int64_t governor_id, int64_t proposal_id,
		      const char *text, const char *lua, pw_response_t *res);

/* ---- the same checks for the pages, answered by a page of theirs ---- */

struct cJSON;

/* A check's outcome as a page renders it. */
typedef struct api_check_answer {
	int refused;           /* 0, or the status of a refusal before any check ran: 429, 503 */
	const char *refusal;   /* its sentence (when refused) */
	int rc;                /* 0, or the service's PW_E_* code */
	const pw_err_t *err;   /* the service's sentence when rc < 0 */
	struct cJSON *out;     /* the service's answer (NULL on failure); the renderer takes it */
} api_check_answer_t;

/* Renders ans into res; called exactly once per api_check_start, with res
 * NULL when the client has gone (to free ud and out only). */
typedef void (*api_check_render_fn)(pw_app_t *app, void *ud, api_check_answer_t *ans, pw_response_t *res);

typedef enum api_check_kind {
	API_CHECK_PROPOSE, /* gov_propose: a draft */
	API_CHECK_AMEND,   /* gov_amend of proposal_id */
	API_CHECK_PREVIEW, /* gov_preview: nothing written */
	API_CHECK_STRATEGY, /* gov_strategy_set: the AI reads it (text only) */
} api_check_kind_t;

typedef struct api_check_req {
	api_check_kind_t kind;
	int64_t governor_id;   /* who asks: the queue's per-governor limits key on it */
	int64_t proposal_id;   /* the proposal amended */
	const char *text, *lua; /* copied */
	api_check_render_fn render;
	void *ud;
} api_check_req_t;

/* Queues rq's check on the check workers. Returns HTTP_DEFERRED (render
 * runs when it is done), or HTTP_HANDLED after render ran at once with a
 * refusal (queue full, one at a time, rate, shutting down). c may be NULL
 * when no connection waits for the answer (Discord's interactions answer
 * at once and follow up through a webhook): HTTP_DEFERRED then leaves res
 * to the caller, and render gets res NULL and answers its own way. */
int api_check_start(pw_app_t *app, pw_http_conn_t *c, const api_check_req_t *rq, pw_response_t *res);

#endif
