/*
 * ai_client.h — the one client of the Anthropic Messages API (spec 50,
 * "AI layer"). Every AI call of the program goes through ai_call; nothing
 * else in the tree talks to the network for AI.
 *
 * A call is one blocking libcurl request made on the caller's thread: the
 * callers are the check workers (server/live/checkq.h) and the AI writer
 * thread (ai_writer.h), never the libuv loop, so a slow or hanging API
 * never delays a request, a stream or a tick. Around each request:
 *   - a concurrency cap (PINWHEEL_AI_MAX_CONCURRENT): callers beyond it
 *     wait for a slot;
 *   - a spend cap per UTC day (PINWHEEL_AI_DAILY_BUDGET_USD): once the
 *     day's estimated cost reaches it, calls are refused (AI_E_BUDGET)
 *     and the caller's offline fallback answers;
 *   - retries of 429 (honouring retry-after), 500-class and 529 answers
 *     and timeouts, with jittered exponential backoff;
 *   - one row of ai_usage_log per call (model, call type, tokens, latency,
 *     estimated cost, outcome) and one log line.
 *
 * The API key comes from ANTHROPIC_API_KEY only; it is sent in the
 * x-api-key header and never logged, stored or put in an error message
 * (error texts are scrubbed of it, even when a server echoes it back).
 */
#ifndef PW_AI_CLIENT_H
#define PW_AI_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

#include "server/log.h"

struct cJSON;

/* The call types, each with its own model setting and usage rows. */
#define AI_CALL_TYPES(X) \
	X(AI_CALL_CLASSIFIER, "classifier", "claude-haiku-4-5") \
	X(AI_CALL_INTERPRETER, "interpreter", "claude-sonnet-4-5") \
	X(AI_CALL_REVIEW, "review", "claude-sonnet-4-5") \
	X(AI_CALL_STRATEGY, "strategy", "claude-haiku-4-5") \
	X(AI_CALL_REPORTER, "reporter", "claude-haiku-4-5") \
	X(AI_CALL_COMMENTARY, "commentary", "claude-haiku-4-5")

typedef enum ai_call_type {
#define AI_ENUM(id, name, model) id,
	AI_CALL_TYPES(AI_ENUM)
#undef AI_ENUM
	AI_CALL_COUNT
} ai_call_type_t;

/* What a call came to. AI_OK: res holds the answer. */
typedef enum ai_status {
	AI_OK = 0,
	AI_E_DISABLED = -1,    /* no key: the offline fallback answers */
	AI_E_BUDGET = -2,      /* the day's spend cap is reached */
	AI_E_REQUEST = -3,     /* 400, 404, 413: the request was refused */
	AI_E_AUTH = -4,        /* 401, 403 */
	AI_E_RATE = -5,        /* 429 after the retries */
	AI_E_OVERLOADED = -6,  /* 529 after the retries */
	AI_E_SERVER = -7,      /* 500-class after the retries */
	AI_E_TIMEOUT = -8,     /* no answer in time, after the retries */
	AI_E_NETWORK = -9,     /* could not connect */
	AI_E_MALFORMED = -10,  /* the answer was not the JSON the API promises */
	AI_E_NO_TOOL = -11,    /* a tool was forced and no tool_use came back */
	AI_E_INTERNAL = -12,   /* out of memory */
} ai_status_t;

/* The outcome's short name, as ai_usage_log stores it ("ok", "rate_limited"). */
const char *ai_status_name(int status);
/* The call type's name ("interpreter"). */
const char *ai_call_name(ai_call_type_t t);

typedef struct ai_config {
	const char *api_key;          /* NULL or "": AI off */
	const char *base_url;         /* default https://api.anthropic.com */
	const char *models[AI_CALL_COUNT]; /* NULL: the default of AI_CALL_TYPES */
	double daily_budget_usd;      /* <= 0: no cap */
	int timeout_ms;               /* per attempt (default 60000) */
	int connect_timeout_ms;       /* default 10000 */
	int max_retries;              /* after the first attempt (default 2) */
	int backoff_ms;               /* first backoff (default 1000), doubled, jittered */
	int max_wait_ms;              /* longest single wait, retry-after included (default 60000) */
	int deadline_ms;              /* the whole call, every attempt and wait (default 90000):
	                               * a governor waiting on a proposal's check waits no longer */
	int max_concurrent;           /* calls in flight at once (default 4) */
	const char *db_path;          /* where ai_usage_log is; NULL: not recorded */
	const pw_log_t *log;          /* NULL: no log lines */
} ai_config_t;

/* Fills cfg from the environment: ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL,
 * PINWHEEL_AI_MODEL (every type), PINWHEEL_AI_MODEL_<TYPE> (one type, e.g.
 * PINWHEEL_AI_MODEL_INTERPRETER), PINWHEEL_AI_DAILY_BUDGET_USD (default
 * 5), PINWHEEL_AI_TIMEOUT_SECONDS, PINWHEEL_AI_MAX_RETRIES,
 * PINWHEEL_AI_BACKOFF_MS, PINWHEEL_AI_MAX_CONCURRENT,
 * PINWHEEL_AI_DEADLINE_SECONDS. The strings point
 * into the environment. 0, or -1 with err naming the bad setting. */
int ai_config_from_env(ai_config_t *cfg, char *err, size_t errlen);

typedef struct ai_client ai_client_t;

/* Opens a client (its own store connection for the usage log). Always
 * succeeds unless out of memory or the database cannot be opened; a client
 * without a key answers every call AI_E_DISABLED. Thread-safe: one client
 * serves every thread. */
int ai_open(ai_client_t **out, const ai_config_t *cfg, char *err, size_t errlen);
void ai_close(ai_client_t *ai);
/* Whether calls can be made: a key is set (the budget may still refuse). */
bool ai_enabled(const ai_client_t *ai);
/* The model used for t. */
const char *ai_model(const ai_client_t *ai, ai_call_type_t t);
/* Today's estimated spend and the cap (0: none). */
void ai_spend(ai_client_t *ai, double *today_usd, double *cap_usd);

/* One request. With tool_name, the tool is defined with tool_schema (a
 * JSON object, borrowed) and forced with tool_choice; the answer is the
 * tool_use block's input. Without, the answer is the text. */
typedef struct ai_request {
	ai_call_type_t type;
	const char *system;
	const char *user;
	int max_tokens;               /* default 1024 */
	const char *tool_name;
	const char *tool_description;
	const struct cJSON *tool_schema;
} ai_request_t;

typedef struct ai_result {
	struct cJSON *input;          /* the tool's input (owned; free with ai_result_free) */
	char *text;                   /* the text answer (owned) */
	int input_tokens, output_tokens, cache_read_tokens, cache_write_tokens;
	double cost_usd, latency_ms;
	int attempts;
	int http_status;              /* the last answer's status, 0 if none */
	char model[64];
	char err[256];                /* why it failed, never holding the key */
} ai_result_t;

/* Makes the call (blocking: never call it on the loop thread). AI_OK or a
 * negative ai_status_t, with res->err a sentence. res is always filled and
 * must be freed with ai_result_free. */
int ai_call(ai_client_t *ai, const ai_request_t *rq, ai_result_t *res);
void ai_result_free(ai_result_t *res);

/* Estimated cost in USD of tokens on model (price per million tokens from
 * the table in ai_client.c; an unknown model is priced as the dearest
 * known one of its family, else as Sonnet). */
double ai_cost_usd(const char *model, int input_tokens, int output_tokens, int cache_read_tokens,
		   int cache_write_tokens);

#endif
