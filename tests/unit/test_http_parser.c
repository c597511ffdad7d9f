/*
 * test_http_parser.c — the request parser against well-formed, malformed,
 * oversized and pipelined input split at every byte boundary.
 */
#include "tests/test.h"

#include <stdio.h>
#include <stdlib.h>

#include "server/http/http_parser.h"

static int parse_str(const char *s, pw_http_request_t *req, size_t *consumed, pw_http_error_t *err)
{
	return http_parse(s, strlen(s), req, consumed, NULL, err);
}

static int status_of(const char *s)
{
	pw_http_request_t req;
	size_t c;
	pw_http_error_t err = {0};
	int r = parse_str(s, &req, &c, &err);
	if (r == HTTP_PARSE_ERROR)
		return err.status;
	return r == HTTP_PARSE_DONE ? 200 : 0;
}

TEST(http_parse_simple_get)
{
	pw_http_request_t req;
	size_t c;
	pw_http_error_t err;
	const char *s = "GET /api/teams/3?season_id=1&x=a%20b HTTP/1.1\r\nHost: x\r\nUser-Agent:  t  \r\n\r\n";
	CHECK_EQ(parse_str(s, &req, &c, &err), HTTP_PARSE_DONE);
	CHECK_EQ(c, strlen(s));
	CHECK(http_str_eq(req.method, "GET"));
	CHECK(http_str_eq(req.path, "/api/teams/3"));
	CHECK(http_str_eq(req.query, "season_id=1&x=a%20b"));
	CHECK_EQ(req.minor, 1);
	CHECK(req.keep_alive);
	CHECK_EQ(req.n_headers, 2);
	const pw_str_t *ua = http_header(&req, "user-agent");
	CHECK(ua && http_str_eq(*ua, "t"));
	char v[32];
	CHECK_EQ(http_query_param(req.query, "x", v, sizeof v), 3);
	CHECK_STR(v, "a b");
	CHECK_EQ(http_query_param(req.query, "season_id", v, sizeof v), 1);
	CHECK_STR(v, "1");
	CHECK_EQ(http_query_param(req.query, "nope", v, sizeof v), -1);
	CHECK_EQ(http_query_param((pw_str_t){NULL, 0}, "x", v, sizeof v), -1); /* no query at all */
	CHECK_EQ(http_query_param(req.query, "season", v, sizeof v), -1);
}

TEST(http_parse_body_and_incomplete)
{
	pw_http_request_t req;
	size_t c;
	pw_http_error_t err;
	const char *s = "POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello";
	CHECK_EQ(http_parse(s, strlen(s) - 1, &req, &c, NULL, &err), HTTP_PARSE_INCOMPLETE);
	CHECK(req.head_len > 0);
	CHECK_EQ(http_parse(s, strlen(s), &req, &c, NULL, &err), HTTP_PARSE_DONE);
	CHECK(req.body.n == 5 && !memcmp(req.body.p, "hello", 5));
	CHECK_EQ(c, strlen(s));
	CHECK_EQ(http_parse(s, 10, &req, &c, NULL, &err), HTTP_PARSE_INCOMPLETE);
	CHECK_EQ(req.head_len, 0);
}

TEST(http_parse_connection_semantics)
{
	pw_http_request_t req;
	size_t c;
	pw_http_error_t err;
	CHECK_EQ(parse_str("GET / HTTP/1.0\r\n\r\n", &req, &c, &err), HTTP_PARSE_DONE);
	CHECK(!req.keep_alive);
	CHECK_EQ(parse_str("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", &req, &c, &err), HTTP_PARSE_DONE);
	CHECK(!req.keep_alive);
	CHECK_EQ(parse_str("GET / HTTP/1.1\r\nHost: a\r\nConnection: foo, Close\r\n\r\n", &req, &c, &err), HTTP_PARSE_DONE);
	CHECK(!req.keep_alive);
	CHECK_EQ(parse_str("GET / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n", &req, &c, &err), HTTP_PARSE_INCOMPLETE);
	CHECK(req.expect_continue);
	CHECK(req.head_len > 0);
}

TEST(http_parse_rejects_malformed)
{
	const struct {
		const char *s;
		int status;
	} cases[] = {
		{"GET / HTTP/1.1\nHost: a\n\n", 400},                /* bare LF */
		{"GET / HTTP/1.1\r\nHost: a\rX: y\r\n\r\n", 400},     /* bare CR */
		{"GET /\x01 HTTP/1.1\r\nHost: a\r\n\r\n", 400},       /* control byte */
		{"GET  / HTTP/1.1\r\nHost: a\r\n\r\n", 400},          /* double space */
		{"GET / HTTP/1.1 \r\nHost: a\r\n\r\n", 400},          /* trailing space */
		{"GET http://x/ HTTP/1.1\r\nHost: a\r\n\r\n", 400},   /* absolute-form */
		{"GET * HTTP/1.1\r\nHost: a\r\n\r\n", 400},
		{"GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505},
		{"GET / HTTP/1.1x\r\nHost: a\r\n\r\n", 400},
		{"GET / FTP/1.1\r\nHost: a\r\n\r\n", 400},
		{"GET /\r\nHost: a\r\n\r\n", 400},                    /* HTTP/0.9 */
		{"G(T / HTTP/1.1\r\nHost: a\r\n\r\n", 400},           /* bad method char */
		{"ABCDEFGHIJKLMNOPQRSTU / HTTP/1.1\r\nHost: a\r\n\r\n", 400},
		{" GET / HTTP/1.1\r\nHost: a\r\n\r\n", 400},
		{"GET / HTTP/1.1\r\n\r\n", 400},                      /* no Host */
		{"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400},
		{"GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400},          /* space before colon */
		{"GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n", 400},
		{"GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n", 400},
		{"GET / HTTP/1.1\r\nHost: a\r\n: empty\r\n\r\n", 400},
		{"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx", 400},
		{"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", 400},
		{"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1 2\r\n\r\n", 400},
		{"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x10\r\n\r\n", 400},
		{"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999\r\n\r\n", 400},
		{"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 65537\r\n\r\n", 413},
		{"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 411},
		{"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\nabc", 400},
		{"POST / HTTP/1.1\r\nHost: a\r\nExpect: 200-ok\r\nContent-Length: 3\r\n\r\nabc", 417},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int st = status_of(cases[i].s);
		CHECK_MSG(st == cases[i].status, "case %zu: got %d, want %d", i, st, cases[i].status);
	}
	/* A NUL inside the head, which strlen-based callers would never see. */
	const char nul[] = "GET / HTTP/1.1\r\nHost: a\0b\r\n\r\n";
	pw_http_request_t req;
	size_t c;
	pw_http_error_t err;
	CHECK_EQ(http_parse(nul, sizeof nul - 1, &req, &c, NULL, &err), HTTP_PARSE_ERROR);
	CHECK_EQ(err.status, 400);
	CHECK(err.code && err.message);
}

/* The head is scanned eight bytes at a time where it can be: a control
 * byte is refused wherever it stands, in a word or alone, and every other
 * byte (tab, bytes above 0x7f in a value) is let through. */
TEST(http_parse_every_byte_at_every_position)
{
	static const char base[] = "GET /api/standings HTTP/1.1\r\nHost: a\r\nUser-Agent: x-test/1.0 abcdefgh\r\n\r\n";
	const size_t n = sizeof base - 1;
	const size_t value = strstr(base, "x-test") - base; /* inside a header value */
	char buf[sizeof base];
	pw_http_request_t req;
	size_t c;
	pw_http_error_t err;
	int refused = 0, passed = 0;
	for (size_t pos = 0; pos + 4 < n; pos++) {
		if (base[pos] == '\r' || base[pos] == '\n')
			continue;
		for (int b = 0; b < 256; b++) {
			memcpy(buf, base, n);
			buf[pos] = (char)b;
			int r = http_parse(buf, n, &req, &c, NULL, &err);
			bool control = (b < 0x20 && b != '\t') || b == 0x7f;
			if (control) {
				CHECK_MSG(r == HTTP_PARSE_ERROR && err.status == 400,
					  "byte 0x%02x at %zu: %d (status %d)", b, pos, r, err.status);
				refused++;
			} else if (pos >= value && pos < value + 24 && b != ' ') {
				CHECK_MSG(r == HTTP_PARSE_DONE && c == n, "byte 0x%02x at %zu in a value: %d", b, pos, r);
				passed++;
			}
		}
	}
	CHECK_MSG(refused > 2000 && passed > 4000, "%d refused, %d passed", refused, passed);
	/* The end found whether the blank line falls in a word or across two. */
	for (size_t pad = 0; pad < 16; pad++) {
		char req_text[128];
		int len = snprintf(req_text, sizeof req_text, "GET / HTTP/1.1\r\nHost: %.*s\r\n\r\nGET", (int)pad + 1,
				   "abcdefghijklmnopq");
		CHECK_EQ(http_parse(req_text, (size_t)len, &req, &c, NULL, &err), HTTP_PARSE_DONE);
		CHECK_EQ(c, (size_t)len - 3);
		CHECK_EQ(http_parse(req_text, (size_t)len - 4, &req, &c, NULL, &err), HTTP_PARSE_INCOMPLETE);
	}
}

TEST(http_header_names_ignore_ascii_case_only)
{
	CHECK(http_str_ieq((pw_str_t){"Content-LENGTH", 14}, "content-length"));
	CHECK(http_str_ieq((pw_str_t){"HOST", 4}, "host"));
	CHECK(!http_str_ieq((pw_str_t){"hos", 3}, "host"));
	CHECK(!http_str_ieq((pw_str_t){"hostx", 5}, "host"));
	CHECK(!http_str_ieq((pw_str_t){"h@st", 4}, "h`st")); /* 0x40 and 0x60 are no letters */
	CHECK(!http_str_ieq((pw_str_t){"[", 1}, "{"));
	CHECK(!http_str_ieq((pw_str_t){"\xc3", 1}, "\xe3"));
	CHECK(http_str_ieq((pw_str_t){"", 0}, ""));
	pw_http_request_t req;
	size_t c;
	pw_http_error_t err;
	const char *s = "POST / HTTP/1.1\r\nhOsT: a\r\nCONTENT-length: 2\r\nCoNNecTion: CLOSE\r\n\r\nok";
	CHECK_EQ(http_parse(s, strlen(s), &req, &c, NULL, &err), HTTP_PARSE_DONE);
	CHECK_EQ(req.content_length, 2);
	CHECK(!req.keep_alive);
	CHECK(http_header(&req, "Host") != NULL);
	CHECK_EQ(status_of("POST / HTTP/1.1\r\nHost: a\r\nTRANSFER-ENCODING: chunked\r\n\r\n"), 411);
	CHECK_EQ(status_of("GET / HTTP/1.1\r\nHost: a\r\nHOST: b\r\n\r\n"), 400);
	CHECK_EQ(status_of("POST / HTTP/1.1\r\nHost: a\r\nEXPECT: nothing\r\n\r\n"), 417);
}

TEST(http_parse_limits)
{
	/* Head exactly at 16 KB passes, one byte more is 431. */
	char *s = malloc(HTTP_MAX_HEAD + 64);
	const char *pre = "GET / HTTP/1.1\r\nHost: a\r\nX-Pad: ";
	size_t fixed = strlen(pre) + 4; /* value + "\r\n\r\n" */
	size_t pad = HTTP_MAX_HEAD - fixed;
	strcpy(s, pre);
	memset(s + strlen(pre), 'a', pad);
	strcpy(s + strlen(pre) + pad, "\r\n\r\n");
	CHECK_EQ(strlen(s), HTTP_MAX_HEAD);
	CHECK_EQ(status_of(s), 200);
	memset(s + strlen(pre), 'a', pad + 1);
	strcpy(s + strlen(pre) + pad + 1, "\r\n\r\n");
	CHECK_EQ(status_of(s), 431);
	/* An endless head without a blank line is 431 as soon as it passes 16 KB. */
	memset(s, 'a', HTTP_MAX_HEAD + 1);
	pw_http_request_t req;
	size_t c;
	pw_http_error_t err;
	memcpy(s, "GET / HTTP/1.1\r\nX: ", 19);
	CHECK_EQ(http_parse(s, HTTP_MAX_HEAD, &req, &c, NULL, &err), HTTP_PARSE_INCOMPLETE);
	CHECK_EQ(http_parse(s, HTTP_MAX_HEAD + 1, &req, &c, NULL, &err), HTTP_PARSE_ERROR);
	CHECK_EQ(err.status, 431);
	free(s);

	/* Too many headers. */
	char *h = malloc(8192);
	strcpy(h, "GET / HTTP/1.1\r\nHost: a\r\n");
	for (int i = 0; i < HTTP_MAX_HEADERS; i++)
		sprintf(h + strlen(h), "X-%d: v\r\n", i);
	strcat(h, "\r\n");
	CHECK_EQ(status_of(h), 431);
	free(h);

	/* Body exactly 64 KB is fine. */
	char head[128];
	snprintf(head, sizeof head, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: %d\r\n\r\n", HTTP_MAX_BODY);
	char *b = malloc(strlen(head) + HTTP_MAX_BODY);
	memcpy(b, head, strlen(head));
	memset(b + strlen(head), 'z', HTTP_MAX_BODY);
	CHECK_EQ(http_parse(b, strlen(head) + HTTP_MAX_BODY, &req, &c, NULL, &err), HTTP_PARSE_DONE);
	CHECK_EQ(req.body.n, HTTP_MAX_BODY);
	free(b);

	/* Leading empty lines are skipped but still bounded. */
	CHECK_EQ(status_of("\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"), 200);
	char *crlf = malloc(HTTP_MAX_HEAD + 8);
	for (int i = 0; i < HTTP_MAX_HEAD / 2 + 2; i++)
		memcpy(crlf + 2 * i, "\r\n", 2);
	CHECK_EQ(http_parse(crlf, HTTP_MAX_HEAD + 4, &req, &c, NULL, &err), HTTP_PARSE_ERROR);
	CHECK_EQ(err.status, 431);
	free(crlf);
}

/* Simulates a connection: bytes arrive in chunks, requests are taken off
 * the front as soon as they are complete. Records each request's path and
 * body as "path|body;". */
static int feed(const char *stream, size_t len, const size_t *cuts, size_t ncuts, char *log, size_t logcap)
{
	char *buf = malloc(len + 1);
	size_t have = 0, fed = 0;
	pw_http_scan_t scan = {0};
	log[0] = '\0';
	for (size_t k = 0; k <= ncuts; k++) {
		size_t upto = k < ncuts ? cuts[k] : len;
		memcpy(buf + have, stream + fed, upto - fed);
		have += upto - fed;
		fed = upto;
		for (;;) {
			pw_http_request_t req;
			size_t c;
			pw_http_error_t err;
			int r = http_parse(buf, have, &req, &c, &scan, &err);
			if (r == HTTP_PARSE_ERROR) {
				free(buf);
				return -1;
			}
			if (r == HTTP_PARSE_INCOMPLETE)
				break;
			size_t l = strlen(log);
			snprintf(log + l, logcap - l, "%.*s|%.*s;", (int)req.path.n, req.path.p,
				 (int)req.body.n, req.body.p);
			memmove(buf, buf + c, have - c);
			have -= c;
			scan = (pw_http_scan_t){0};
		}
	}
	free(buf);
	return (int)have;
}

TEST(http_parse_pipelined_split_everywhere)
{
	const char *stream =
		"GET /a HTTP/1.1\r\nHost: h\r\n\r\n"
		"POST /b HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\nhello world"
		"\r\n"
		"GET /c?q=1 HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n";
	const char *want = "/a|;/b|hello world;/c|;";
	size_t len = strlen(stream);
	char log[512];
	for (size_t i = 0; i <= len; i++) {
		size_t cut[1] = {i};
		int left = feed(stream, len, cut, 1, log, sizeof log);
		CHECK_MSG(left == 0 && !strcmp(log, want), "split at %zu: left %d log %s", i, left, log);
		for (size_t j = i; j <= len; j += 7) {
			size_t cuts[2] = {i, j};
			left = feed(stream, len, cuts, 2, log, sizeof log);
			CHECK_MSG(left == 0 && !strcmp(log, want), "split at %zu,%zu", i, j);
		}
	}
	/* One byte at a time. */
	size_t *all = malloc(len * sizeof *all);
	for (size_t i = 0; i < len; i++)
		all[i] = i;
	int left = feed(stream, len, all, len, log, sizeof log);
	CHECK_EQ(left, 0);
	CHECK_STR(log, want);
	free(all);
}

TEST(http_parse_smuggling_attempts)
{
	/* Whatever the split, a request hidden in a body never surfaces as
	 * a request of its own, and conflicting framing is refused. */
	CHECK_EQ(status_of("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\nTransfer-Encoding: chunked\r\n\r\n"), 400);
	CHECK_EQ(status_of("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding : chunked\r\n\r\n"), 400);
	CHECK_EQ(status_of("POST / HTTP/1.1\r\nHost: a\r\nContent-Length:\t4\r\n\r\nabcd"), 200);
	CHECK_EQ(status_of("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +4\r\n\r\nabcd"), 400);
	CHECK_EQ(status_of("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4,4\r\n\r\nabcd"), 400);
	CHECK_EQ(status_of("POST / HTTP/1.1\r\nHost: a\r\n\x0bContent-Length: 4\r\n\r\nabcd"), 400);
	char log[256];
	const char *s = "POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 31\r\n\r\nGET /evil HTTP/1.1\r\nHost: h\r\n\r\n";
	int left = feed(s, strlen(s), NULL, 0, log, sizeof log);
	CHECK_EQ(left, 0);
	CHECK(strstr(log, "/evil|") == NULL);
}

TEST(http_pct_decode_rules)
{
	char out[16];
	CHECK_EQ(http_pct_decode((pw_str_t){"a%2Fb", 5}, out, sizeof out, false), 3);
	CHECK_STR(out, "a/b");
	CHECK_EQ(http_pct_decode((pw_str_t){"a%2", 3}, out, sizeof out, false), -1);
	CHECK_EQ(http_pct_decode((pw_str_t){"a%zz", 4}, out, sizeof out, false), -1);
	CHECK_EQ(http_pct_decode((pw_str_t){"%00", 3}, out, sizeof out, false), -1);
	CHECK_EQ(http_pct_decode((pw_str_t){"a+b", 3}, out, sizeof out, true), 3);
	CHECK_STR(out, "a b");
	CHECK_EQ(http_pct_decode((pw_str_t){"0123456789abcdef", 16}, out, sizeof out, false), -1);
	CHECK_STR(http_reason(431), "Request Header Fields Too Large");
}

static pw_str_t S(const char *s)
{
	return (pw_str_t){s, strlen(s)};
}

TEST(http_media_type_exact)
{
	CHECK(http_media_type_is(S("application/json"), "application/json"));
	CHECK(http_media_type_is(S(" Application/JSON ; charset=utf-8"), "application/json"));
	CHECK(http_media_type_is(S("application/json;charset=UTF-8"), "application/json"));
	CHECK(!http_media_type_is(S("application/jsonx"), "application/json"));
	CHECK(!http_media_type_is(S("application/json-patch+json"), "application/json"));
	CHECK(!http_media_type_is(S("application/x-www-form-urlencoded"), "application/json"));
	CHECK(!http_media_type_is(S("text/plain; a=application/json"), "application/json"));
	CHECK(!http_media_type_is(S(""), "application/json"));
	CHECK(!http_media_type_is(S("application/ json"), "application/json"));
	CHECK_STR(http_reason(415), "Unsupported Media Type");
}

TEST(http_host_loopback_names)
{
	const char *yes[] = {"localhost", "LocalHost:8080", "127.0.0.1", "127.0.0.1:65535", "127.255.0.9:1",
			     "[::1]", "[::1]:8080", " localhost "};
	for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
		CHECK_MSG(http_host_is_loopback(S(yes[i])), "%s", yes[i]);
	const char *no[] = {"", "localhost.attacker.example", "attacker.example", "127.0.0.1.attacker.example",
			    "127.0.0.256", "127.0.0", "127.0.0.1.", "128.0.0.1", "0.0.0.0", "[::2]", "[::1",
			    "[::1]x", "[::1]:", "localhost:", "localhost:99999", "localhost:80a", "127.0.0.1:8080:80",
			    "localhost@attacker.example", "[::ffff:127.0.0.1]"};
	for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
		CHECK_MSG(!http_host_is_loopback(S(no[i])), "%s", no[i]);
}

TEST(http_same_origin_rules)
{
	pw_str_t host = S("127.0.0.1:8080");
	CHECK(http_same_origin(S("http://127.0.0.1:8080"), host));
	CHECK(http_same_origin(S("https://127.0.0.1:8080"), host));
	CHECK(http_same_origin(S("http://127.0.0.1:8080/admin?x=1"), host));
	CHECK(http_same_origin(S("HTTP://127.0.0.1:8080#top"), host));
	CHECK(!http_same_origin(S("null"), host));
	CHECK(!http_same_origin(S("http://127.0.0.1:80801"), host));
	CHECK(!http_same_origin(S("http://127.0.0.1:8080.attacker.example"), host));
	CHECK(!http_same_origin(S("http://127.0.0.1:8080@attacker.example"), host));
	CHECK(!http_same_origin(S("http://127.0.0.1"), host));
	CHECK(!http_same_origin(S("file:///etc/passwd"), host));
	CHECK(!http_same_origin(S("//127.0.0.1:8080"), host));
	CHECK(!http_same_origin(S("http://127.0.0.1:8080"), S("")));
}
