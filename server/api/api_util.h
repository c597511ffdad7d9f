/*
 * api_util.h — reading hostile JSON bodies and query strings the same way in
 * every handler, with errors that name the field.
 */
#ifndef PW_API_UTIL_H
#define PW_API_UTIL_H

#include <stdbool.h>
#include <stdint.h>

#include "core/league/errors.h"
#include "server/http/http_parser.h"
#include "server/http/http_server.h"
#include "server/http/response.h"

struct cJSON;

/*
 * The request body as a JSON object (caller frees). On failure returns NULL
 * with res set: 400 for a body that is not a JSON object, 415 for a declared
 * Content-Type other than JSON, 422 naming the field for a string (or key)
 * holding "\u0000" — cJSON would end the C string there and the rest of a
 * name or a proposal would vanish unseen. An empty body is an empty object
 * when empty_ok.
 */
struct cJSON *api_body_object(const pw_http_request_t *req, pw_response_t *res, bool empty_ok);

/*
 * A string field: 0 with *out set (NULL when absent and optional), -1 with
 * res set (422) when missing, not a string, longer than max_len bytes, or
 * not valid UTF-8.
 */
int api_string(const struct cJSON *obj, const char *field, bool required, size_t max_len,
	       const char **out, pw_response_t *res);
/* An integer field in [lo, hi]; *present says whether it was there. */
int api_int(const struct cJSON *obj, const char *field, bool required, int64_t lo, int64_t hi,
	    int64_t *out, bool *present, pw_response_t *res);
int api_bool(const struct cJSON *obj, const char *field, bool def, bool *out, pw_response_t *res);

/* A positive integer query parameter; 0 absent or empty (→ *out
 * untouched), -1 with res set (400) when malformed. */
int api_query_id(const pw_http_request_t *req, const char *name, int64_t *out, pw_response_t *res);

/* Answers a league service's call: {"data": out} with ok_status when rc is
 * 0 (takes out), else the error rc names (errors.h: its status and code)
 * with err's sentence. Returns HTTP_HANDLED. */
int api_reply(pw_response_t *res, int rc, const pw_err_t *err, struct cJSON *out, int ok_status);

/* True when s is valid UTF-8 (no overlongs, surrogates or NUL). */
bool api_utf8_valid(const char *s, size_t n);

#endif
