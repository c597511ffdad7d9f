/*
 * test_e2e_http.c — the real server over real sockets: envelopes, hostile
 * requests answered 4xx while the server stays up, pipelining, keep-alive,
 * slow clients, the connection cap, static files, SIGTERM.
 */
#include "tests/test.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/e2e/e2e.h"

static int status_line(const char *resp)
{
	int st = 0;
	if (resp && sscanf(resp, "HTTP/1.1 %d", &st) == 1)
		return st;
	return -1;
}

static void check_healthy(e2e_server_t *s)
{
	e2e_resp_t r;
	CHECK_EQ(e2e_http(s, "GET", "/health", NULL, NULL, &r), 0);
	CHECK_EQ(r.status, 200);
	CHECK_CONTAINS(r.body, "\"status\":\"ok\"");
	e2e_resp_free(&r);
}

TEST(e2e_health_envelopes_and_routing)
{
	e2e_server_t s;
	CHECK_EQ(e2e_start(&s, NULL, NULL), 0);
	e2e_resp_t r;
	CHECK_EQ(e2e_http(&s, "GET", "/health", NULL, NULL, &r), 0);
	CHECK_EQ(r.status, 200);
	cJSON *j = cJSON_Parse(r.body);
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(j, "status")), "ok");
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(j, "database")), "connected");
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(j, "scheduler")), "stopped"); /* manual pace */
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(j, "discord")), "disabled");
	CHECK(cJSON_GetObjectItem(j, "last_simulation") != NULL);
	CHECK(cJSON_IsNumber(cJSON_GetObjectItem(j, "active_sse_connections")));
	cJSON_Delete(j);
	CHECK_CONTAINS(r.headers, "Content-Type: application/json");
	e2e_resp_free(&r);

	CHECK_EQ(e2e_http(&s, "GET", "/api/nope", NULL, NULL, &r), 0);
	CHECK_EQ(r.status, 404);
	CHECK_CONTAINS(r.body, "{\"error\":{\"code\":\"not_found\"");
	e2e_resp_free(&r);
	CHECK_EQ(e2e_http(&s, "GET", "/nope?<script>", NULL, NULL, &r), 0);
	CHECK_EQ(r.status, 404);
	CHECK_CONTAINS(r.headers, "Content-Type: text/html");
	CHECK(strstr(r.body, "<script>") == NULL);
	e2e_resp_free(&r);
	CHECK_EQ(e2e_http(&s, "DELETE", "/health", NULL, NULL, &r), 0);
	CHECK_EQ(r.status, 405);
	CHECK_CONTAINS(r.headers, "Allow: GET");
	e2e_resp_free(&r);
	CHECK_EQ(e2e_http(&s, "HEAD", "/health", NULL, NULL, &r), 0);
	CHECK_EQ(r.status, 200);
	CHECK_EQ(r.len, 0);
	e2e_resp_free(&r);
	/* Pages answer HTML with a CSP. */
	CHECK_EQ(e2e_http(&s, "GET", "/arena", NULL, NULL, &r), 0);
	CHECK_EQ(r.status, 200);
	CHECK_CONTAINS(r.headers, "Content-Security-Policy: default-src 'self'");
	CHECK_CONTAINS(r.body, "/static/arena.js");
	e2e_resp_free(&r);
	/* Bodies must be JSON objects, declared as JSON. */
	CHECK_EQ(e2e_http(&s, "POST", "/api/pace", "[1,2]", NULL, &r), 0);
	CHECK_EQ(r.status, 400);
	CHECK_CONTAINS(r.body, "invalid_json");
	e2e_resp_free(&r);
	CHECK_EQ(e2e_http(&s, "POST", "/api/pace", "{\"pace\":\"ludicrous\"}", NULL, &r), 0);
	CHECK_EQ(r.status, 422);
	e2e_resp_free(&r);
	CHECK_EQ(e2e_http(&s, "POST", "/api/pace", "{\"pace\":\"fast\"}", NULL, &r), 0);
	CHECK_EQ(r.status, 200);
	CHECK_CONTAINS(r.body, "\"pace\":\"fast\"");
	CHECK_CONTAINS(r.body, "\"scheduler\":\"running\"");
	e2e_resp_free(&r);
	CHECK_EQ(e2e_stop(&s, SIGTERM, 10000), 0);
}

TEST(e2e_hostile_requests_get_4xx_and_server_stays_up)
{
	e2e_server_t s;
	CHECK_EQ(e2e_start(&s, NULL, NULL), 0);
	static char big_header[20000];
	const char *bh = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ";
	memcpy(big_header, bh, strlen(bh));
	memset(big_header + strlen(bh), 'a', sizeof big_header - 5 - strlen(bh));
	memcpy(big_header + sizeof big_header - 5, "\r\n\r\n", 5);
	const struct {
		const char *req;
		int status;
	} cases[] = {
		{"GARBAGE\r\n\r\n", 400},
		{"GET / HTTP/1.1\nHost: a\n\n", 400},
		{"GET / HTTP/2.0\r\nHost: 127.0.0.1\r\n\r\n", 505},
		{"GET / HTTP/1.1\r\n\r\n", 400},
		{"GET /../../etc/passwd HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 404},
		{"GET http://evil/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 400},
		{"POST /api/pace HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", 411},
		{"POST /api/pace HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\nhello", 400},
		{"POST /api/pace HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 999999\r\n\r\n", 413},
		{"POST /api/pace HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", 400},
		{"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nExpect: magic\r\n\r\n", 417},
		{"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 tls hello\r\n\r\n", 400},
		{big_header, 431},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int fd = e2e_connect(&s);
		CHECK(fd >= 0);
		e2e_send(fd, cases[i].req, strlen(cases[i].req));
		char *resp = e2e_recv(fd, NULL, 5000, NULL);
		CHECK_MSG(status_line(resp) == cases[i].status, "case %zu: got \"%.40s\", want %d", i, resp ? resp : "",
			  cases[i].status);
		if (cases[i].status != 404)
			CHECK_MSG(strstr(resp, "Connection: close"), "case %zu: not closed", i);
		CHECK_CONTAINS(resp, "Content-Type: ");
		if (cases[i].status != 404)
			CHECK_CONTAINS(resp, "{\"error\":{\"code\":\"");
		free(resp);
		close(fd);
	}
	/* A client that actually sends a too-large body still reads its 413. */
	int fd = e2e_connect(&s);
	const char *head = "POST /api/pace HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 200000\r\n\r\n";
	e2e_send(fd, head, strlen(head));
	char *junk = malloc(200000);
	memset(junk, 'j', 200000);
	e2e_send(fd, junk, 200000);
	free(junk);
	char *resp = e2e_recv(fd, NULL, 5000, NULL);
	CHECK_EQ(status_line(resp), 413);
	free(resp);
	close(fd);
	/* Many connections that vanish mid-request. */
	for (int i = 0; i < 50; i++) {
		fd = e2e_connect(&s);
		const char *cut = "POST /api/pace HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\nab";
		e2e_send(fd, cut, strlen(cut));
		close(fd);
	}
	CHECK(e2e_alive(&s));
	check_healthy(&s);
	CHECK_EQ(e2e_stop(&s, SIGTERM, 10000), 0);
}

TEST(e2e_pipelining_keepalive_http10)
{
	e2e_server_t s;
	CHECK_EQ(e2e_start(&s, NULL, NULL), 0);
	int fd = e2e_connect(&s);
	const char *three = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
			    "GET /api/nope HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
			    "DELETE /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
	/* Sent one byte at a time: framing must not depend on packet edges. */
	for (const char *p = three; *p; p++)
		e2e_send(fd, p, 1);
	char *resp = e2e_recv(fd, "Allow: GET", 5000, NULL);
	const char *a = strstr(resp, "HTTP/1.1 200");
	const char *b = strstr(resp, "HTTP/1.1 404");
	const char *c = strstr(resp, "HTTP/1.1 405");
	CHECK(a && b && c && a < b && b < c);
	free(resp);
	/* The same connection still serves after those. */
	const char *last = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
	e2e_send(fd, last, strlen(last));
	resp = e2e_recv(fd, NULL, 5000, NULL);
	CHECK_EQ(status_line(resp), 200);
	CHECK_CONTAINS(resp, "Connection: close");
	free(resp);
	close(fd);

	/* HTTP/1.0: one answer, then the server closes. */
	fd = e2e_connect(&s);
	e2e_send(fd, "GET /health HTTP/1.0\r\n\r\n", strlen("GET /health HTTP/1.0\r\n\r\n"));
	size_t len;
	resp = e2e_recv(fd, NULL, 5000, &len);
	CHECK_EQ(status_line(resp), 200);
	CHECK_CONTAINS(resp, "\"status\":\"ok\"");
	free(resp);
	close(fd);

	/* Expect: 100-continue gets its interim answer, then the real one. */
	fd = e2e_connect(&s);
	const char *h = "POST /api/pace HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
			"Expect: 100-continue\r\nContent-Length: 16\r\n\r\n";
	e2e_send(fd, h, strlen(h));
	resp = e2e_recv(fd, "\r\n\r\n", 3000, NULL);
	CHECK_CONTAINS(resp, "HTTP/1.1 100 Continue");
	free(resp);
	e2e_send(fd, "{\"pace\":\"slow\"}\n", strlen("{\"pace\":\"slow\"}\n"));
	resp = e2e_recv(fd, "}}", 3000, NULL);
	CHECK_EQ(status_line(resp), 200);
	free(resp);
	close(fd);
	CHECK_EQ(e2e_stop(&s, SIGTERM, 10000), 0);
}

static bool starts(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

/* Reads one answer (Content-Length framing) from a keep-alive connection:
 * its head into head (cap bytes), and its body's length. -1 when it did
 * not come. */
static long read_answer(int fd, char *head, size_t cap, bool is_head)
{
	char *h = e2e_recv(fd, "\r\n\r\n", 5000, NULL);
	if (!h || !strstr(h, "\r\n\r\n")) {
		free(h);
		return -1;
	}
	char *end = strstr(h, "\r\n\r\n") + 4;
	const char *cl = strstr(h, "Content-Length: ");
	long want = cl ? atol(cl + 16) : -1;
	long have = (long)strlen(end);
	snprintf(head, cap, "%.*s", (int)(end - h), h);
	while (!is_head && want >= 0 && have < want) {
		size_t n;
		char *more = e2e_recv(fd, NULL, 2000, &n);
		free(more);
		if (!n)
			break;
		have += (long)n;
	}
	free(h);
	return is_head ? 0 : have;
}

/* The head the server writes itself, line by line, for answers with and
 * without a body, extra headers, HEAD, keep-alive and close. */
TEST(e2e_response_heads_are_exact)
{
	e2e_server_t s;
	CHECK_EQ(e2e_start(&s, NULL, NULL), 0);
	int fd = e2e_connect(&s);
	char head[2048];
	const char *get = "GET /api/standings HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
	e2e_send(fd, get, strlen(get));
	long body = read_answer(fd, head, sizeof head, false);
	CHECK(body > 10);
	CHECK_MSG(starts(head, "HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\n"
			       "Content-Length: "), "%s", head);
	CHECK_EQ(atol(strstr(head, "Content-Length: ") + 16), body);
	const char *date = strstr(head, "\r\nDate: ");
	CHECK_MSG(date && strlen(date) > 40 && starts(date + 8 + 25, " GMT\r\n"), "%s", head); /* 29 bytes */
	CHECK_CONTAINS(head, "\r\nX-Content-Type-Options: nosniff\r\n\r\n");
	CHECK(!strstr(head, "Connection:"));
	/* HEAD: the same head, no body, and the connection goes on. */
	const char *hd = "HEAD /api/standings HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
	e2e_send(fd, hd, strlen(hd));
	CHECK_EQ(read_answer(fd, head, sizeof head, true), 0);
	CHECK_EQ(atol(strstr(head, "Content-Length: ") + 16), body);
	/* Extra headers between the server's and the blank line. */
	const char *del = "DELETE /api/standings HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
	e2e_send(fd, del, strlen(del));
	CHECK(read_answer(fd, head, sizeof head, false) > 0);
	CHECK_MSG(starts(head, "HTTP/1.1 405 Method Not Allowed\r\n"), "%s", head);
	CHECK_CONTAINS(head, "nosniff\r\nAllow: GET, HEAD\r\n\r\n");
	/* The last answer says it closes. */
	const char *last = "GET /nope HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
	e2e_send(fd, last, strlen(last));
	CHECK(read_answer(fd, head, sizeof head, false) > 0);
	CHECK_MSG(starts(head, "HTTP/1.1 404 Not Found\r\nContent-Type: text/html; charset=utf-8\r\n"), "%s", head);
	CHECK_CONTAINS(head, "nosniff\r\nConnection: close\r\nContent-Security-Policy: ");
	close(fd);
	CHECK_EQ(e2e_stop(&s, SIGTERM, 10000), 0);
}

TEST(e2e_slow_and_idle_clients_are_closed)
{
	e2e_server_t s;
	const char *env[] = {"PINWHEEL_REQUEST_TIMEOUT=1", "PINWHEEL_IDLE_TIMEOUT=1", NULL};
	CHECK_EQ(e2e_start(&s, env, NULL), 0);
	/* Slowloris: a head that never ends gets 408. */
	int fd = e2e_connect(&s);
	const char *slow = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ";
	e2e_send(fd, slow, strlen(slow));
	char *resp = e2e_recv(fd, NULL, 5000, NULL);
	CHECK_EQ(status_line(resp), 408);
	free(resp);
	close(fd);
	/* A body that never arrives: 408 too. */
	fd = e2e_connect(&s);
	const char *partial = "POST /api/pace HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 10\r\n\r\nab";
	e2e_send(fd, partial, strlen(partial));
	resp = e2e_recv(fd, NULL, 5000, NULL);
	CHECK_EQ(status_line(resp), 408);
	free(resp);
	close(fd);
	/* Idle: connected, silent, closed without an answer. */
	fd = e2e_connect(&s);
	size_t len = 99;
	resp = e2e_recv(fd, NULL, 5000, &len);
	CHECK_EQ(len, 0);
	free(resp);
	close(fd);
	check_healthy(&s);
	CHECK_EQ(e2e_stop(&s, SIGTERM, 10000), 0);
}

/*
 * A client that pipelines requests and never reads the answers: once its
 * unread answers pass the write-queue limit the server stops reading from it
 * (its input cannot grow without bound) and closes it when the idle timeout
 * runs out; other clients are served all along.
 */
TEST(e2e_client_that_never_reads_is_paused_and_closed)
{
	e2e_server_t s;
	const char *env[] = {"PINWHEEL_IDLE_TIMEOUT=2", NULL};
	CHECK_EQ(e2e_start(&s, env, NULL), 0);
	int fd = e2e_connect(&s);
	CHECK(fd >= 0);
	int small = 4096;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
	CHECK_EQ(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK), 0);
	/* Cheap requests, so no single read keeps the loop busy for long. */
	static const char req[] = "GET /static/style.css HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
	static char chunk[64 * (sizeof req - 1)];
	for (size_t i = 0; i < 64; i++)
		memcpy(chunk + i * (sizeof req - 1), req, sizeof req - 1);
	/* Keep sending until the server closes us (or give up after 20 s). */
	size_t sent = 0;
	bool closed = false, served_other = false;
	struct timespec t0, now;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - t0.tv_sec > 20)
			break;
		ssize_t n = send(fd, chunk, sizeof chunk, MSG_NOSIGNAL);
		if (n > 0) {
			sent += (size_t)n;
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
			closed = true; /* EPIPE / ECONNRESET */
			break;
		}
		/* The server is not taking more: meanwhile others are served. */
		if (sent && !served_other) {
			check_healthy(&s);
			served_other = true;
		}
		struct pollfd p = {.fd = fd, .events = POLLOUT};
		poll(&p, 1, 100);
		if (p.revents & (POLLERR | POLLHUP)) {
			closed = true;
			break;
		}
	}
	CHECK(closed);
	/* Bounded: what the kernel buffers plus one paused connection's input,
	 * not everything a client cares to send for 20 seconds. */
	CHECK(sent < (size_t)64 << 20);
	close(fd);
	check_healthy(&s);
	CHECK_EQ(e2e_stop(&s, SIGTERM, 10000), 0);
}

/*
 * At the connection cap an idle connection (here: connected, silent) is
 * closed to make room, oldest first; when none is idle (here: each in the
 * middle of a request) a new connection gets 503 and a whole JSON body.
 */
TEST(e2e_connection_cap)
{
	e2e_server_t s;
	const char *env[] = {"PINWHEEL_MAX_CONNECTIONS=4", NULL};
	CHECK_EQ(e2e_start(&s, env, NULL), 0);
	int fds[4];
	for (int i = 0; i < 4; i++) {
		fds[i] = e2e_connect(&s);
		usleep(50000);
	}
	int newcomer = e2e_connect(&s);
	const char *health = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
	e2e_send(newcomer, health, strlen(health));
	char *resp = e2e_recv(newcomer, "}", 3000, NULL);
	CHECK_EQ(status_line(resp), 200);
	free(resp);
	size_t len = 99;
	resp = e2e_recv(fds[0], NULL, 3000, &len); /* the oldest idle one was closed */
	CHECK_EQ(len, 0);
	free(resp);
	close(fds[0]);
	close(newcomer);
	usleep(200000);
	/* Four connections, each half-way through a request: none idle. */
	const char *partial = "POST /api/pace HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 10\r\n\r\nab";
	for (int i = 0; i < 4; i++) {
		if (i)
			close(fds[i]);
		fds[i] = e2e_connect(&s);
		e2e_send(fds[i], partial, strlen(partial));
	}
	usleep(200000);
	int extra = e2e_connect(&s);
	resp = e2e_recv(extra, NULL, 3000, NULL);
	CHECK_EQ(status_line(resp), 503);
	CHECK_CONTAINS(resp, "too_many_connections");
	/* The body is exactly Content-Length bytes and is whole JSON. */
	size_t clen = 0;
	const char *cl = resp ? strstr(resp, "Content-Length: ") : NULL;
	const char *body = resp ? strstr(resp, "\r\n\r\n") : NULL;
	CHECK(cl && sscanf(cl, "Content-Length: %zu", &clen) == 1);
	CHECK(body != NULL);
	if (body) {
		body += 4;
		CHECK_EQ(strlen(body), clen);
		cJSON *j = cJSON_ParseWithLength(body, clen);
		CHECK(j != NULL);
		cJSON *code = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "error"), "code");
		CHECK(cJSON_IsString(code) && !strcmp(code->valuestring, "too_many_connections"));
		cJSON_Delete(j);
	}
	free(resp);
	close(extra);
	for (int i = 0; i < 4; i++)
		close(fds[i]);
	usleep(200000);
	check_healthy(&s);
	CHECK_EQ(e2e_stop(&s, SIGTERM, 10000), 0);
}

TEST(e2e_static_files_are_confined)
{
	char dir[600], outside[600], link[700], cmd[2000];
	snprintf(dir, sizeof dir, "%s/static", test_tmpdir());
	snprintf(outside, sizeof outside, "%s/secret.css", test_tmpdir());
	mkdir(dir, 0755);
	FILE *f = fopen(outside, "w");
	fputs("secret", f);
	fclose(f);
	snprintf(cmd, sizeof cmd, "%s/ok.css", dir);
	f = fopen(cmd, "w");
	fputs("body{}", f);
	fclose(f);
	snprintf(cmd, sizeof cmd, "%s/.hidden.css", dir);
	f = fopen(cmd, "w");
	fputs("hidden", f);
	fclose(f);
	snprintf(link, sizeof link, "%s/link.css", dir);
	CHECK_EQ(symlink(outside, link), 0);
	char envs[700];
	snprintf(envs, sizeof envs, "PINWHEEL_STATIC_DIR=%s", dir);
	const char *env[] = {envs, NULL};
	e2e_server_t s;
	CHECK_EQ(e2e_start(&s, env, NULL), 0);
	e2e_resp_t r;
	CHECK_EQ(e2e_http(&s, "GET", "/static/ok.css", NULL, NULL, &r), 0);
	CHECK_EQ(r.status, 200);
	CHECK_STR(r.body, "body{}");
	CHECK_CONTAINS(r.headers, "Content-Type: text/css");
	e2e_resp_free(&r);
	const char *bad[] = {"/static/link.css", "/static/.hidden.css", "/static/%2e%2e/secret.css",
			     "/static/..%2fsecret.css", "/static/ok.css%00.js", "/static/ok.exe",
			     "/static/%2fetc%2fpasswd", "/static/a//b.css", "/static/"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		CHECK_EQ(e2e_http(&s, "GET", bad[i], NULL, NULL, &r), 0);
		CHECK_MSG(r.status == 404, "%s: %ld", bad[i], r.status);
		CHECK(!r.body || !strstr(r.body, "secret"));
		e2e_resp_free(&r);
	}
	/* Raw traversal that curl would normalise away. */
	int fd = e2e_connect(&s);
	const char *trav = "GET /static/../secret.css HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
	e2e_send(fd, trav, strlen(trav));
	char *resp = e2e_recv(fd, "}}", 3000, NULL);
	CHECK_EQ(status_line(resp), 404);
	CHECK(strstr(resp, "secret\"") == NULL || strstr(resp, "\nsecret") == NULL);
	free(resp);
	close(fd);
	CHECK_EQ(e2e_stop(&s, SIGTERM, 10000), 0);
}

TEST(e2e_admin_auth)
{
	e2e_server_t s;
	const char *env[] = {"PINWHEEL_ADMIN_TOKEN=s3cret-token", NULL};
	CHECK_EQ(e2e_start(&s, env, NULL), 0);
	e2e_resp_t r;
	CHECK_EQ(e2e_http(&s, "POST", "/api/pace", "{\"pace\":\"fast\"}", NULL, &r), 0);
	CHECK_EQ(r.status, 401);
	CHECK_CONTAINS(r.body, "\"code\":\"unauthorized\"");
	e2e_resp_free(&r);
	const char *wrong[] = {"Authorization: Bearer nope", NULL};
	CHECK_EQ(e2e_http(&s, "POST", "/api/pace", "{\"pace\":\"fast\"}", wrong, &r), 0);
	CHECK_EQ(r.status, 403);
	e2e_resp_free(&r);
	const char *right[] = {"Authorization: Bearer s3cret-token", NULL};
	CHECK_EQ(e2e_http(&s, "POST", "/api/pace", "{\"pace\":\"fast\"}", right, &r), 0);
	CHECK_EQ(r.status, 200);
	e2e_resp_free(&r);
	CHECK_EQ(e2e_http(&s, "POST", "/api/pace/advance", NULL, NULL, &r), 0);
	CHECK_EQ(r.status, 401);
	e2e_resp_free(&r);
	CHECK_EQ(e2e_stop(&s, SIGTERM, 10000), 0);
	char *log = e2e_log(&s);
	CHECK(strstr(log, "admin.open") == NULL);
	free(log);

	/* Without a token on loopback: open, and the log says so. */
	CHECK_EQ(e2e_start(&s, NULL, NULL), 0);
	CHECK_EQ(e2e_http(&s, "POST", "/api/pace", "{\"pace\":\"fast\"}", NULL, &r), 0);
	CHECK_EQ(r.status, 200);
	e2e_resp_free(&r);
	CHECK_EQ(e2e_stop(&s, SIGTERM, 10000), 0);
	log = e2e_log(&s);
	CHECK_CONTAINS(log, "PINWHEEL_ADMIN_TOKEN is not set");
	free(log);
}

TEST(e2e_cli_usage_errors)
{
	char cmd[1024], *out = NULL;
	snprintf(cmd, sizeof cmd, "%s serve --port 99999", test_bin());
	CHECK_EQ(test_run(cmd, &out, true), 2);
	CHECK_CONTAINS(out, "--port");
	free(out);
	snprintf(cmd, sizeof cmd, "PINWHEEL_GAME_CRON='61 * * * *' %s serve --port 0", test_bin());
	CHECK_EQ(test_run(cmd, &out, true), 2);
	CHECK_CONTAINS(out, "minute");
	free(out);
	snprintf(cmd, sizeof cmd, "PINWHEEL_PRESENTATION_PACE=warp %s serve --port 0", test_bin());
	CHECK_EQ(test_run(cmd, &out, true), 2);
	CHECK_CONTAINS(out, "PINWHEEL_PRESENTATION_PACE");
	free(out);
	snprintf(cmd, sizeof cmd, "%s serve --bogus", test_bin());
	CHECK_EQ(test_run(cmd, &out, true), 2);
	free(out);
	snprintf(cmd, sizeof cmd, "%s serve --help", test_bin());
	CHECK_EQ(test_run(cmd, &out, false), 0);
	CHECK_CONTAINS(out, "--db");
	CHECK_CONTAINS(out, "PINWHEEL_ADMIN_TOKEN");
	free(out);
}
