/*
 * fuzz_http_parser.c — libFuzzer target for the HTTP request parser.
 *
 * The input is treated as a byte stream arriving at one connection in
 * chunks (the first byte chooses the chunk size), parsed and consumed the
 * way http_server.c does. Invariants checked on every input:
 *  - the parser never reads outside the buffer (ASan) or misbehaves (UBSan);
 *  - a DONE request consumed at least its head and at most what was there;
 *  - every string it returns lies inside the buffer;
 *  - an error carries a 4xx/5xx status, a code and a message;
 *  - parsing the same bytes in one piece or in chunks agrees on the
 *    sequence of requests;
 *  - the gate's helpers (media type, loopback Host, same origin) read
 *    every header value without going outside it.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/http/http_parser.h"

static void inside(const pw_str_t *s, const char *buf, size_t len)
{
	if (s->n && (s->p < buf || s->p + s->n > buf + len))
		abort();
}

/* Parses data as a stream fed in chunks of `chunk` bytes; writes a digest
 * of the requests seen into log. Returns the number of requests. */
static int run(const uint8_t *data, size_t size, size_t chunk, char *log, size_t logcap)
{
	char *buf = malloc(size + 1);
	size_t have = 0, fed = 0;
	int count = 0;
	pw_http_scan_t scan = {0};
	log[0] = '\0';
	while (fed < size || have) {
		size_t take = size - fed < chunk ? size - fed : chunk;
		memcpy(buf + have, data + fed, take);
		have += take;
		fed += take;
		bool progressed = false;
		for (;;) {
			pw_http_request_t req;
			size_t consumed = 0;
			pw_http_error_t err = {0};
			int r = http_parse(buf, have, &req, &consumed, &scan, &err);
			if (r == HTTP_PARSE_ERROR) {
				if (err.status < 400 || err.status > 599 || !err.code || !err.message)
					abort();
				size_t l = strlen(log);
				snprintf(log + l, logcap - l, "E%d;", err.status);
				free(buf);
				return count;
			}
			if (r == HTTP_PARSE_INCOMPLETE)
				break;
			if (consumed < req.head_len || consumed > have || req.body.n != req.content_length)
				abort();
			inside(&req.method, buf, have);
			inside(&req.target, buf, have);
			inside(&req.path, buf, have);
			inside(&req.query, buf, have);
			inside(&req.body, buf, have);
			for (size_t i = 0; i < req.n_headers; i++) {
				inside(&req.headers[i].name, buf, have);
				inside(&req.headers[i].value, buf, have);
			}
			char tmp[64];
			http_query_param(req.query, "a", tmp, sizeof tmp);
			http_pct_decode(req.path, tmp, sizeof tmp, false);
			/* What the server's gate reads of every request (app.c). */
			for (size_t i = 0; i < req.n_headers; i++) {
				pw_str_t v = req.headers[i].value;
				if (http_media_type_is(v, "application/json") && v.n < 16)
					abort(); /* shorter than the type itself cannot name it */
				bool loop = http_host_is_loopback(v);
				if (loop && v.n == 0)
					abort();
				if (http_same_origin(v, v))
					abort(); /* "host" is never a URL of itself */
				const pw_str_t *host = http_header(&req, "host");
				if (host)
					http_same_origin(v, *host);
			}
			size_t l = strlen(log);
			snprintf(log + l, logcap - l, "%.*s %zu %zu;", (int)(req.method.n > 8 ? 8 : req.method.n),
				 req.method.p, req.path.n, req.body.n);
			memmove(buf, buf + consumed, have - consumed);
			have -= consumed;
			scan = (pw_http_scan_t){0};
			count++;
			progressed = true;
		}
		if (fed == size && !progressed)
			break;
	}
	free(buf);
	return count;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t chunk = (size_t)(data[0] % 64) + 1;
	data++;
	size--;
	static char whole[1 << 16], pieces[1 << 16];
	run(data, size, size ? size : 1, whole, sizeof whole);
	run(data, size, chunk, pieces, sizeof pieces);
	/* Chunking may only change where an incomplete tail stops, never what
	 * complete requests or errors were seen. */
	if (strcmp(whole, pieces) != 0)
		abort();
	return 0;
}
