/*
 * test_e2e_sse.c — the live stream of the real server: headers, delivery,
 * filters, Last-Event-ID resume, heartbeats, slow subscribers dropped
 * without slowing others, and SIGTERM closing streams with exit 0.
 */
#include "tests/test.h"

#include <cjson/cJSON.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tests/dbtest.h"
#include "tests/e2e/e2e.h"

/* Subscribes; *head_out (when not NULL) gets everything read so far,
 * which may already hold replayed events. */
static int subscribe_head(e2e_server_t *s, const char *query, const char *last_id, char **head_out)
{
	int fd = e2e_connect(s);
	char req[512];
	snprintf(req, sizeof req, "GET /api/events/stream%s HTTP/1.1\r\nHost: 127.0.0.1\r\n%s%s%s\r\n",
		 query ? query : "", last_id ? "Last-Event-ID: " : "", last_id ? last_id : "",
		 last_id ? "\r\n" : "");
	e2e_send(fd, req, strlen(req));
	char *head = e2e_recv(fd, ": connected\n\n", 3000, NULL);
	CHECK_CONTAINS(head, "HTTP/1.1 200 OK");
	CHECK_CONTAINS(head, "Content-Type: text/event-stream");
	CHECK_CONTAINS(head, "Cache-Control: no-cache");
	CHECK_CONTAINS(head, "X-Accel-Buffering: no");
	CHECK_CONTAINS(head, ": connected\n\n");
	if (head_out)
		*head_out = head;
	else
		free(head);
	return fd;
}

static int subscribe(e2e_server_t *s, const char *query, const char *last_id)
{
	return subscribe_head(s, query, last_id, NULL);
}

static void ping(e2e_server_t *s, const char *body)
{
	e2e_resp_t r;
	CHECK_EQ(e2e_http(s, "POST", "/api/admin/events/ping", body, NULL, &r), 0);
	CHECK_EQ(r.status, 202);
	e2e_resp_free(&r);
}

TEST(e2e_sse_delivery_filter_resume)
{
	e2e_server_t s;
	CHECK_EQ(e2e_start(&s, NULL, NULL), 0);
	int all = subscribe(&s, NULL, NULL);
	int pings = subscribe(&s, "?event_type=vote.cast,server.ping", NULL);
	int votes = subscribe(&s, "?event_type=vote.cast", NULL);

	e2e_resp_t r;
	CHECK_EQ(e2e_http(&s, "GET", "/health", NULL, NULL, &r), 0);
	CHECK_CONTAINS(r.body, "\"active_sse_connections\":3");
	e2e_resp_free(&r);

	ping(&s, "{\"count\":3,\"note\":\"<b>hi</b>\"}");
	char *got = e2e_recv(all, "\"n\":2", 3000, NULL);
	CHECK_CONTAINS(got, "event: server.ping\ndata: {\"n\":0,\"note\":\"<b>hi</b>\"}\n\n");
	CHECK_CONTAINS(got, "\"n\":1");
	CHECK_CONTAINS(got, "\"n\":2");
	unsigned long long id0 = 0;
	const char *idp = strstr(got, "id: ");
	CHECK(idp != NULL);
	if (idp)
		id0 = strtoull(idp + 4, NULL, 10);
	CHECK(id0 > 0);
	free(got);
	got = e2e_recv(pings, "\"n\":2", 3000, NULL);
	CHECK_CONTAINS(got, "\"n\":2");
	free(got);
	got = e2e_recv(votes, NULL, 500, NULL);
	CHECK(strstr(got, "server.ping") == NULL);
	free(got);

	/* Reconnect having seen only the first: the other two arrive. */
	char last[32];
	snprintf(last, sizeof last, "%llu", id0);
	char *head = NULL;
	int again = subscribe_head(&s, NULL, last, &head);
	got = strstr(head, "\"n\":2") ? strdup("") : e2e_recv(again, "\"n\":2", 3000, NULL);
	char *both = malloc(strlen(head) + strlen(got) + 1);
	strcpy(both, head);
	strcat(both, got);
	CHECK(strstr(both, "\"n\":0") == NULL);
	CHECK_CONTAINS(both, "\"n\":1");
	CHECK_CONTAINS(both, "\"n\":2");
	free(both);
	free(head);
	free(got);
	/* Up to date: nothing replayed. */
	snprintf(last, sizeof last, "%llu", id0 + 2);
	int current = subscribe_head(&s, NULL, last, &head);
	got = e2e_recv(current, NULL, 400, NULL);
	CHECK(strstr(got, "server.ping") == NULL);
	CHECK(strstr(head, "server.ping") == NULL);
	free(head);
	free(got);
	/* A page drawn at event id0 asks, on its first connection (which
	 * cannot send Last-Event-ID), for what followed. */
	char q[64];
	snprintf(q, sizeof q, "?last_event_id=%llu", id0);
	int page = subscribe_head(&s, q, NULL, &head);
	got = strstr(head, "\"n\":2") ? strdup("") : e2e_recv(page, "\"n\":2", 3000, NULL);
	CHECK(strstr(head, "\"n\":0") == NULL && strstr(got, "\"n\":0") == NULL);
	CHECK(strstr(head, "\"n\":1") || strstr(got, "\"n\":1"));
	CHECK(strstr(head, "\"n\":2") || strstr(got, "\"n\":2"));
	free(head);
	free(got);
	/* A bad filter is refused. */
	CHECK_EQ(e2e_http(&s, "GET", "/api/events/stream?event_type=%3Cscript%3E", NULL, NULL, &r), 0);
	CHECK_EQ(r.status, 400);
	e2e_resp_free(&r);

	CHECK_EQ(e2e_http(&s, "GET", "/api/events/health", NULL, NULL, &r), 0);
	CHECK_EQ(r.status, 200);
	CHECK_CONTAINS(r.body, "\"subscribers\":6");
	CHECK_CONTAINS(r.body, "\"published\":3");
	e2e_resp_free(&r);

	/* SIGTERM: streams end, the process exits 0. */
	CHECK_EQ(e2e_stop(&s, SIGTERM, 10000), 0);
	size_t len = 0;
	got = e2e_recv(all, NULL, 2000, &len);
	free(got);
	char c;
	CHECK_EQ(recv(all, &c, 1, MSG_DONTWAIT), 0); /* EOF, not a hang */
	close(all);
	close(pings);
	close(votes);
	close(again);
	close(current);
	close(page);
	char *log = e2e_log(&s);
	CHECK_CONTAINS(log, "server.stopping reason=SIGTERM");
	CHECK_CONTAINS(log, "clean shutdown");
	free(log);
}

TEST(e2e_sse_heartbeat)
{
	e2e_server_t s;
	const char *env[] = {"PINWHEEL_SSE_HEARTBEAT=1", NULL};
	CHECK_EQ(e2e_start(&s, env, NULL), 0);
	int fd = subscribe(&s, NULL, NULL);
	char *got = e2e_recv(fd, ": heartbeat\n\n", 3000, NULL);
	CHECK_CONTAINS(got, ": heartbeat\n\n");
	free(got);
	close(fd);
	CHECK_EQ(e2e_stop(&s, SIGTERM, 10000), 0);
}

TEST(e2e_sse_slow_subscriber_dropped_others_served)
{
	e2e_server_t s;
	CHECK_EQ(e2e_start(&s, NULL, NULL), 0);
	int slow = subscribe(&s, NULL, NULL);
	int shrink = 32768;
	setsockopt(slow, SOL_SOCKET, SO_RCVBUF, &shrink, sizeof shrink);
	int fast = subscribe(&s, NULL, NULL);
	/* ~24 MB of events; the fast reader drains, the slow one never reads. */
	size_t total = 0;
	for (int round = 0; round < 8; round++) {
		ping(&s, "{\"count\":50,\"pad\":60000}");
		char *got;
		size_t len;
		do {
			got = e2e_recv(fast, NULL, 300, &len);
			total += len;
			free(got);
		} while (len > 0);
	}
	CHECK(total > 8 * 50 * 60000);
	e2e_resp_t r;
	CHECK_EQ(e2e_http(&s, "GET", "/api/events/health", NULL, NULL, &r), 0);
	cJSON *j = cJSON_Parse(r.body);
	cJSON *d = cJSON_GetObjectItem(j, "data");
	CHECK(cJSON_GetNumberValue(cJSON_GetObjectItem(d, "dropped_subscribers")) >= 1);
	CHECK_EQ(cJSON_GetNumberValue(cJSON_GetObjectItem(d, "subscribers")), 1);
	cJSON_Delete(j);
	e2e_resp_free(&r);
	close(slow);
	close(fast);
	CHECK_EQ(e2e_stop(&s, SIGTERM, 10000), 0);
}

/* The events in s (a stream read so far): how many, and whether their ids
 * follow one another. */
static int events_in_order(const char *s, bool *in_order)
{
	int n = 0;
	unsigned long long prev = 0;
	*in_order = true;
	for (const char *p = s; (p = strstr(p, "id: ")); n++) {
		unsigned long long id = strtoull(p + 4, NULL, 10);
		if (n > 0 && id != prev + 1)
			*in_order = false;
		prev = id;
		const char *end = strstr(p, "\n\n");
		if (!end)
			break;
		p = end;
	}
	return n;
}

/* Enough subscribers for a fan-out to be split over the writer threads:
 * each gets every event, once, in order, whatever its filter lets through;
 * the hundred events of one ping go out as batches of SSE_BATCH_MAX. */
TEST(e2e_sse_many_subscribers_every_event_in_order)
{
	e2e_server_t s;
	const char *env[] = {"PINWHEEL_MAX_CONNECTIONS_PER_ADDRESS=0", "PINWHEEL_LOG_LEVEL=debug", NULL};
	CHECK_EQ(e2e_start(&s, env, NULL), 0);
	enum { N = 300 };
	int fds[N];
	for (int i = 0; i < N; i++)
		fds[i] = subscribe(&s, i % 3 == 2 ? "?event_type=server.ping,vote.cast" : NULL, NULL);
	int votes = subscribe(&s, "?event_type=vote.cast", NULL);
	ping(&s, "{\"count\":100,\"note\":\"a\"}");
	ping(&s, "{\"note\":\"b\"}");
	ping(&s, "{\"note\":\"last\"}");
	int whole = 0;
	for (int i = 0; i < N; i++) {
		char *got = e2e_recv(fds[i], "\"note\":\"last\"}\n\n", 5000, NULL);
		bool ordered;
		int n = events_in_order(got, &ordered);
		CHECK_MSG(n == 102 && ordered, "subscriber %d: %d events%s", i, n, ordered ? "" : ", out of order");
		whole += n == 102 && ordered;
		free(got);
		close(fds[i]);
	}
	CHECK_EQ(whole, N);
	char *none = e2e_recv(votes, NULL, 300, NULL);
	CHECK(!strstr(none, "server.ping"));
	free(none);
	e2e_resp_t r;
	CHECK_EQ(e2e_http(&s, "GET", "/api/events/health", NULL, NULL, &r), 0);
	cJSON *j = cJSON_Parse(r.body);
	cJSON *d = cJSON_GetObjectItem(j, "data");
	CHECK_EQ(cJSON_GetNumberValue(cJSON_GetObjectItem(d, "published")), 102);
	CHECK_EQ(cJSON_GetNumberValue(cJSON_GetObjectItem(d, "delivered")), 102 * N);
	CHECK_EQ(cJSON_GetNumberValue(cJSON_GetObjectItem(d, "dropped_subscribers")), 0);
	cJSON_Delete(j);
	e2e_resp_free(&r);
	close(votes);
	CHECK_EQ(e2e_stop(&s, SIGTERM, 10000), 0);
	/* In process (SQLite) the events published in one turn of the loop go
	 * out as one batch of at most SSE_BATCH_MAX; on a shared store they
	 * reach the loop from the live log a page at a time, in batches of
	 * other sizes (the delivery above is what holds on both). */
	if (!dbt_is_postgres(s.db)) {
		char *log = e2e_log(&s);
		CHECK_CONTAINS(log, "events=64 subscribers=301");
		free(log);
	}
}

/* The stream of a server on PostgreSQL (docs/POSTGRES.md). */
E2E_ON_POSTGRES(e2e_sse_delivery_filter_resume)
