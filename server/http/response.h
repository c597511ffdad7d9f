/*
 * response.h — what a handler answers: status, Content-Type, extra headers,
 * body. The JSON envelopes of spec 40-server live here so every endpoint
 * answers the same shape:
 *
 *   {"data": ...}                                          success
 *   {"error": {"code": "snake_case", "message": "..."}}    failure
 */
#ifndef PW_RESPONSE_H
#define PW_RESPONSE_H

#include <stdbool.h>
#include <time.h>

#include "server/http/rcbuf.h"

struct cJSON;

typedef struct pw_response {
	int status;               /* 0 until a handler sets it */
	const char *content_type; /* a static string */
	pw_buf_t headers;         /* extra "Name: value\r\n" lines */
	pw_buf_t body;
	bool close;               /* close the connection after this answer */
} pw_response_t;

#define PW_CT_JSON "application/json; charset=utf-8"
#define PW_CT_HTML "text/html; charset=utf-8"
#define PW_CT_TEXT "text/plain; charset=utf-8"

void resp_init(pw_response_t *r);
void resp_free(pw_response_t *r);
/* Resets status, type, headers and body so an answer can be replaced. */
void resp_reset(pw_response_t *r);

/* Adds a header line; CR, LF and other control bytes in name or value are
 * dropped so no input can split a response. */
void resp_header(pw_response_t *r, const char *name, const char *value);

/* {"data": data} with status; takes ownership of data (NULL: JSON null). */
void resp_data(pw_response_t *r, int status, struct cJSON *data);
/* {"data": <text>} where text is already JSON (a cached read model). */
void resp_data_raw(pw_response_t *r, int status, const char *json, size_t len);
/* {"error": {"code", "message"}}; the message is formatted, then escaped. */
void resp_error(pw_response_t *r, int status, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* An HTML page; takes the buffer's memory. Adds the pages' security headers. */
void resp_html(pw_response_t *r, int status, pw_buf_t *page);
/* Adds key as an ISO 8601 UTC time ("2026-01-02T03:04:05Z"), or null for 0. */
void json_add_time(struct cJSON *o, const char *key, time_t t);

#endif
