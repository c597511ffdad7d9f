/*
 * errors.h — the league's error codes, from one table.
 *
 * Every service below the server (governance, seasons, the round runner,
 * reports) returns 0 or one of the negative PW_E_* codes and fills a
 * pw_err_t with a sentence naming the problem. The server turns the code
 * into the API's error code string and an HTTP status. All three come from
 * the one row of PW_ERRORS below, so a code, its string and its status can
 * never disagree (libuv's UV_ERRNO_MAP is the model).
 *
 * Adding a code is one row here; the values are negative and never reused.
 * The strings are a contract: API clients match on them (spec 40-server).
 */
#ifndef PW_ERRORS_H
#define PW_ERRORS_H

/*     name       value  API code               HTTP  meaning */
#define PW_ERRORS(X)                                                                  \
	X(INVALID,    -1,    "invalid",              422)  /* a bad value */           \
	X(NOT_FOUND,  -2,    "not_found",            404)  /* no such thing */         \
	X(FORBIDDEN,  -3,    "forbidden",            403)  /* not yours to do */       \
	X(CONFLICT,   -4,    "conflict",             409)  /* wrong state for this */  \
	X(TOKENS,     -5,    "insufficient_tokens",  409)  /* a balance too small */   \
	X(LIMIT,      -6,    "rate_limited",         429)  /* proposals_per_window */  \
	X(INTERNAL,   -7,    "internal",             500)  /* the store failed */

typedef enum pw_err_code {
#define PW_ERR_ENUM(name, value, code, status) PW_E_##name = value,
	PW_ERRORS(PW_ERR_ENUM)
#undef PW_ERR_ENUM
} pw_err_code_t;

/* A failure: its code (a PW_E_* value) and a sentence for people. */
typedef struct pw_err {
	int code;
	char msg[256];
} pw_err_t;

/* The API's error code string of code ("not_found", ...): a static string.
 * A value that is not in the table reads as "internal". */
const char *err_code(int code);

/* The HTTP status that fits code (404, ...); 500 for a value not in the table. */
int err_status(int code);

/* Fills e (when not NULL) with code and a formatted sentence, and returns
 * code, so a failing path can `return err_set(e, PW_E_NOT_FOUND, ...)`. */
int err_set(pw_err_t *e, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
