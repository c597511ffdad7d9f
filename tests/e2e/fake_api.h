/*
 * fake_api.h — a fake Messages API on loopback for the AI layer's tests.
 *
 * The test starts it (fake_api_start), points ANTHROPIC_BASE_URL at
 * fake_api_url, and decides each answer with a callback that sees the
 * request (its headers and JSON body) and fills a reply: status, extra
 * headers, body, and a delay before answering (a hanging API). Every
 * request is kept so the test can read what the client sent. Each
 * connection is served on a thread of its own, so calls can hang together.
 */
#ifndef PW_FAKE_API_H
#define PW_FAKE_API_H

#include <stdbool.h>
#include <stddef.h>

struct cJSON;

typedef struct fake_req {
	char *headers;       /* the raw header block */
	char *body;          /* the raw body */
	struct cJSON *json;  /* the body parsed (NULL when it is not JSON) */
	const char *tool;    /* tool_choice.name, or NULL */
	int n;               /* 1-based order of arrival */
} fake_req_t;

typedef struct fake_reply {
	int status;          /* default 200 */
	char headers[256];   /* extra header lines, each ending in \r\n */
	char *body;          /* malloc'd, taken by the server; NULL: empty */
	int delay_ms;        /* wait before answering (the fake's stop ends it) */
	bool hang_up;        /* close without answering */
} fake_reply_t;

typedef void (*fake_api_fn)(void *ud, const fake_req_t *req, fake_reply_t *reply);

typedef struct fake_api fake_api_t;

/* Starts the server on 127.0.0.1 with a free port. NULL on failure. */
fake_api_t *fake_api_start(fake_api_fn fn, void *ud);
/* Stops it: pending delays end, connections close, threads are joined. */
void fake_api_stop(fake_api_t *f);
/* "http://127.0.0.1:PORT" */
const char *fake_api_url(const fake_api_t *f);
/* Requests received so far. */
int fake_api_count(fake_api_t *f);
/* A copy of request i (0-based) as raw headers + body text (caller frees);
 * NULL when there is no such request. */
char *fake_api_request_text(fake_api_t *f, int i);

/* A 200 message answer whose content is one tool_use block of name with
 * input (JSON text), and a usage object. malloc'd. */
char *fake_api_tool_answer(const char *name, const char *input_json, int in_tok, int out_tok);
/* A 200 message answer with one text block (text is escaped). malloc'd. */
char *fake_api_text_answer(const char *text, int in_tok, int out_tok);
/* An error body {"type":"error","error":{"type","message"}}. malloc'd. */
char *fake_api_error(const char *type, const char *message);

/*
 * A responder for the AI layer's three proposal tools (fake_api_start's fn
 * with a fake_tools_t as ud): classify_proposal answers classify,
 * interpret_proposal answers interpret[0], interpret[1], ... in order (the
 * last one repeats), review_effect answers review, set_strategy strategy
 * — each the tool input's
 * JSON text. A status other than 0/200 answers that error instead (for the
 * interpreter: interp_status). Every answer waits delay_ms. The counts
 * are per tool, in the order above.
 */
typedef struct fake_tools {
	const char *classify;
	const char *interpret[4];
	const char *review;
	const char *strategy;      /* set_strategy's input */
	const char *text;          /* the answer to a request without a tool (reports) */
	int interp_status;
	int delay_ms;
	int calls[3];
} fake_tools_t;
void fake_api_tools(void *ud, const fake_req_t *req, fake_reply_t *reply);

#endif
