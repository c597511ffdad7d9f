/*
 * http_parser.h — an incremental HTTP/1.1 request parser that treats every
 * byte as hostile.
 *
 * The connection keeps the bytes it has received in one buffer and calls
 * http_parse on it after every read. The parser never copies: the request's
 * strings point into that buffer and stay valid until the caller consumes
 * the request's bytes. It accepts only what it can frame without doubt, so
 * no two readers of the same bytes can disagree about where a request ends
 * (request smuggling):
 *
 *  - lines end in CRLF; a bare CR or LF, a NUL or another control byte in
 *    the head is 400;
 *  - request line `METHOD SP /target SP HTTP/1.x`, single spaces, an
 *    origin-form target of visible ASCII; another HTTP version is 505;
 *  - header names are tokens with no space before the colon; folded lines
 *    (obsolete line folding) are 400; at most HTTP_MAX_HEADERS headers;
 *  - request line + headers ≤ HTTP_MAX_HEAD bytes, else 431;
 *  - the body is framed by Content-Length only: digits, at most one such
 *    header, ≤ HTTP_MAX_BODY (413); any Transfer-Encoding is 411;
 *  - HTTP/1.1 needs exactly one Host header (400 otherwise);
 *  - `Expect: 100-continue` is noted so the server can answer 100; any
 *    other expectation is 417.
 *
 * After an error the connection's framing is unknown, so the caller answers
 * and closes.
 */
#ifndef PW_HTTP_PARSER_H
#define PW_HTTP_PARSER_H

#include <stdbool.h>
#include <stddef.h>

#define HTTP_MAX_HEAD    (16 * 1024)
#define HTTP_MAX_BODY    (64 * 1024)
#define HTTP_MAX_HEADERS 64
#define HTTP_MAX_METHOD  16

typedef struct pw_str {
	const char *p;
	size_t n;
} pw_str_t;

typedef struct pw_http_header {
	pw_str_t name, value; /* value without surrounding spaces/tabs */
} pw_http_header_t;

typedef struct pw_http_request {
	pw_str_t method;
	pw_str_t target;      /* path and query as sent */
	pw_str_t path;        /* up to '?', still percent-encoded */
	pw_str_t query;       /* after '?', empty when none */
	int minor;            /* HTTP/1.<minor>: 0 or 1 */
	size_t n_headers;
	size_t content_length;
	pw_str_t body;
	bool keep_alive;      /* what the client asked for */
	bool expect_continue;
	size_t skipped;       /* empty lines before the request line */
	size_t head_len;      /* bytes through the blank line; 0 until known */
	/* Last: http_parse clears what comes before and fills n_headers of
	 * these, so a request costs no 2 KB of zeroing. */
	pw_http_header_t headers[HTTP_MAX_HEADERS];
} pw_http_request_t;

typedef struct pw_http_error {
	int status;           /* 400, 411, 413, 417, 431, 505 */
	const char *code;     /* snake_case */
	const char *message;  /* a sentence */
} pw_http_error_t;

/* Scan position kept between calls so a request that arrives one byte at a
 * time is not rescanned from its start every time. Zero it per request. */
typedef struct pw_http_scan {
	size_t pos;
} pw_http_scan_t;

enum {
	HTTP_PARSE_ERROR = -1,
	HTTP_PARSE_INCOMPLETE = 0, /* need more bytes; req->head_len > 0 once the head is in */
	HTTP_PARSE_DONE = 1,       /* *consumed bytes form one request */
};

/*
 * Parses the request at the start of buf[0..len). Returns HTTP_PARSE_DONE and
 * sets *consumed, HTTP_PARSE_INCOMPLETE, or HTTP_PARSE_ERROR with *err set.
 * scan may be NULL.
 */
int http_parse(const char *buf, size_t len, pw_http_request_t *req, size_t *consumed,
	       pw_http_scan_t *scan, pw_http_error_t *err);

/* The first header with this name (case-insensitive), or NULL. */
const pw_str_t *http_header(const pw_http_request_t *req, const char *name);

/* True when s equals the NUL-terminated lit (case-sensitive / insensitive). */
bool http_str_eq(pw_str_t s, const char *lit);
bool http_str_ieq(pw_str_t s, const char *lit);

/*
 * Percent-decodes src into out (cap bytes, NUL-terminated); '+' becomes a
 * space when plus_is_space. Returns the decoded length, or -1 if src has a
 * bad escape, decodes to a NUL byte, or does not fit.
 */
long http_pct_decode(pw_str_t src, char *out, size_t cap, bool plus_is_space);

/*
 * The decoded value of query parameter `name` into out. Returns its length,
 * -1 when absent, -2 when malformed or too long.
 */
long http_query_param(pw_str_t query, const char *name, char *out, size_t cap);

/*
 * True when a Content-Type value names exactly the media type `type`
 * ("application/json"): compared without case, parameters after ';'
 * (charset) allowed, anything longer ("application/jsonx") not.
 */
bool http_media_type_is(pw_str_t value, const char *type);

/*
 * True when a Host value names this machine's loopback interface:
 * "localhost", an address 127.a.b.c or "[::1]", each with or without
 * ":port". A name that only starts like one ("localhost.example") is not.
 */
bool http_host_is_loopback(pw_str_t host);

/*
 * True when an Origin or Referer value is an http(s) URL of exactly the
 * origin `host` (a Host value): "http://" or "https://", then host (case
 * ignored), then nothing or a path, query or fragment. "null" never is.
 */
bool http_same_origin(pw_str_t url, pw_str_t host);

/* The reason phrase for a status code ("Not Found"). */
const char *http_reason(int status);

#endif
