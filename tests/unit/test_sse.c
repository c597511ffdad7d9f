/*
 * test_sse.c — the resume ring, frame format, filters, the thread-safe bus,
 * and the hub on a real server: a turn's events sent together, each once.
 */
#include "tests/test.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <uv.h>

#include "server/live/srv_bus.h"
#include "server/live/sse.h"

TEST(sse_format_frames)
{
	pw_buf_t b = {0};
	sse_format(&b, 7, "game.completed", "{\"a\":1}");
	CHECK_STR(b.data, "id: 7\nevent: game.completed\ndata: {\"a\":1}\n\n");
	buf_free(&b);
	sse_format(&b, 8, "x\r\ny", "line1\nline2\r\nline3");
	CHECK_STR(b.data, "id: 8\nevent: xy\ndata: line1\ndata: line2\ndata: line3\n\n");
	buf_free(&b);
}

TEST(sse_ring_evicts_and_resumes)
{
	pw_sse_ring_t r;
	CHECK_EQ(sse_ring_init(&r, 4), 0);
	CHECK_EQ(sse_ring_resume(&r, 5), 0);
	for (uint64_t id = 100; id < 106; id++)
		CHECK(sse_ring_push(&r, id, "t", "{}") != NULL);
	CHECK_EQ(r.count, 4);
	CHECK_EQ(sse_ring_at(&r, 0)->id, 102);
	CHECK_EQ(sse_ring_at(&r, 3)->id, 105);
	CHECK(sse_ring_at(&r, 4) == NULL);
	CHECK_EQ(sse_ring_resume(&r, 102), 1);  /* missed 103..105 */
	CHECK_EQ(sse_ring_resume(&r, 104), 3);
	CHECK_EQ(sse_ring_resume(&r, 105), 4);  /* up to date */
	CHECK_EQ(sse_ring_resume(&r, 101), 0);  /* just before the oldest */
	CHECK_EQ(sse_ring_resume(&r, 50), 0);   /* a gap: everything held */
	CHECK_EQ(sse_ring_resume(&r, 9999), 0); /* from before a restart */
	CHECK_CONTAINS(sse_ring_at(&r, 0)->frame, "id: 102\n");
	sse_ring_free(&r);
	/* A long run keeps exactly cap events in order. */
	CHECK_EQ(sse_ring_init(&r, 3), 0);
	for (uint64_t id = 1; id <= 1000; id++)
		sse_ring_push(&r, id, "t", "{}");
	for (size_t i = 0; i < 3; i++)
		CHECK_EQ(sse_ring_at(&r, i)->id, 998 + i);
	sse_ring_free(&r);
}

TEST(sse_filter_parsing)
{
	pw_sse_filter_t f;
	CHECK_EQ(sse_filter_parse("game.completed,round.completed", &f), 0);
	CHECK_EQ(f.n, 2);
	CHECK(sse_filter_match(&f, "round.completed"));
	CHECK(!sse_filter_match(&f, "vote.cast"));
	CHECK(!sse_filter_match(&f, "game.complete"));
	CHECK_EQ(sse_filter_parse("", &f), 0);
	CHECK(sse_filter_match(&f, "anything"));
	CHECK_EQ(sse_filter_parse("a,,b", &f), -1);
	CHECK_EQ(sse_filter_parse("a,", &f), -1);
	CHECK_EQ(sse_filter_parse("<script>", &f), -1);
	CHECK_EQ(sse_filter_parse("a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q", &f), -1);
}

struct seen {
	uint64_t ids[4096];
	int n;
	uv_loop_t *loop;
	int want;
};

static void sink(void *ud, uint64_t id, const char *type, const char *json)
{
	struct seen *s = ud;
	if (s->n < 4096)
		s->ids[s->n++] = id;
	(void)type;
	(void)json;
}

static void publisher(void *arg)
{
	pw_bus_t *b = arg;
	for (int i = 0; i < 1000; i++)
		b->publish(b->ud, "vote.cast", "{\"n\":1}");
}

static void on_check(uv_timer_t *t)
{
	struct seen *s = t->data;
	if (s->n >= s->want)
		uv_stop(s->loop);
}

TEST(bus_delivers_from_threads_in_id_order)
{
	uv_loop_t loop;
	uv_loop_init(&loop);
	srv_bus_t *bus;
	CHECK_EQ(srv_bus_new(&bus, &loop, 500), 0);
	struct seen *s = calloc(1, sizeof *s);
	s->loop = &loop;
	s->want = 3000;
	CHECK_EQ(srv_bus_add_sink(bus, sink, s), 0);
	pw_bus_t iface = srv_bus_iface(bus);
	uv_thread_t th[3];
	for (int i = 0; i < 3; i++)
		uv_thread_create(&th[i], publisher, &iface);
	uv_timer_t t;
	uv_timer_init(&loop, &t);
	t.data = s;
	uv_timer_start(&t, on_check, 1, 1);
	uv_run(&loop, UV_RUN_DEFAULT);
	for (int i = 0; i < 3; i++)
		uv_thread_join(&th[i]);
	CHECK_EQ(s->n, 3000);
	for (int i = 0; i < s->n; i++)
		CHECK_EQ(s->ids[i], 500 + (uint64_t)i);
	CHECK_EQ(srv_bus_dropped(bus), 0);
	uv_close((uv_handle_t *)&t, NULL);
	srv_bus_close(bus);
	uv_run(&loop, UV_RUN_DEFAULT);
	CHECK_EQ(uv_loop_close(&loop), 0);
	free(s);
}

TEST(sse_ring_frames_are_shared_and_outlive_eviction)
{
	pw_sse_ring_t r;
	CHECK_EQ(sse_ring_init(&r, 1), 0);
	const pw_sse_event_t *e = sse_ring_push(&r, 1, "a.b", "{\"x\":1}");
	CHECK(e && e->rc && e->frame == e->rc->data && e->len == e->rc->len);
	/* A queued write holds its own reference: evicting keeps the bytes. */
	pw_rcbuf_t *held = rcbuf_ref(e->rc);
	CHECK(sse_ring_push(&r, 2, "a.b", "{\"x\":2}") != NULL);
	CHECK_EQ(held->refs, 1);
	CHECK_CONTAINS(held->data, "id: 1\nevent: a.b\ndata: {\"x\":1}\n\n");
	rcbuf_unref(held);
	sse_ring_free(&r);
}

/* ---- the hub on a real server ------------------------------------------ */

typedef struct hub_case {
	uv_loop_t loop;
	pw_sse_hub_t *hub;
	pw_http_server_t *srv;
	int port;
	uint64_t publish_first; /* ids published in the handler before attaching */
	int n_first;
	uint64_t publish_later; /* ids published once someone subscribed */
	int n_later;
	struct reader *reader;  /* the client being served */
} hub_case_t;

/* Publishes, then subscribes: the events reach the new subscriber in the
 * batch at the end of this turn, not also from the ring. */
static int hub_handler(void *ud, pw_http_conn_t *c, const pw_http_request_t *req, pw_response_t *res)
{
	hub_case_t *hc = ud;
	for (int i = 0; i < hc->n_first; i++) {
		char json[32];
		snprintf(json, sizeof json, "{\"k\":%d}", i);
		sse_hub_publish(hc->hub, hc->publish_first + (uint64_t)i, i % 2 ? "odd" : "even", json);
	}
	hc->n_first = 0;
	return sse_hub_attach(hc->hub, c, req, res);
}

typedef struct reader {
	int port;
	const char *request;
	const char *until;
	char got[8192];
	volatile int done;
} reader_t;

/* A client on its own thread: the request, then what arrives until `until`
 * and a little more (to catch anything sent twice). */
static void reader_main(void *arg)
{
	reader_t *r = arg;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)r->port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	struct timeval tv = {.tv_usec = 300000};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	size_t have = 0;
	if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
	    send(fd, r->request, strlen(r->request), MSG_NOSIGNAL) > 0) {
		int quiet = 0;
		while (have + 1 < sizeof r->got && quiet < (strstr(r->got, r->until) ? 1 : 10)) {
			ssize_t n = recv(fd, r->got + have, sizeof r->got - 1 - have, 0);
			if (n <= 0) {
				quiet++;
				continue;
			}
			have += (size_t)n;
			r->got[have] = '\0';
		}
	}
	close(fd);
	r->done = 1;
}

static void on_poll_done(uv_timer_t *t)
{
	hub_case_t *hc = t->data;
	pw_sse_stats_t st;
	sse_hub_stats(hc->hub, &st);
	for (; hc->n_later > 0 && st.subscribers > 0; hc->n_later--, hc->publish_later++)
		sse_hub_publish(hc->hub, hc->publish_later, "later", "{\"late\":true}");
	if (hc->reader->done)
		uv_stop(t->loop);
}

/* Runs the loop until the reader is done (or 5 s). */
static void serve_reader(hub_case_t *hc, reader_t *r)
{
	r->port = hc->port;
	hc->reader = r;
	uv_thread_t th;
	uv_thread_create(&th, reader_main, r);
	uv_timer_t t;
	uv_timer_init(&hc->loop, &t);
	t.data = hc;
	uv_timer_start(&t, on_poll_done, 10, 10);
	uv_run(&hc->loop, UV_RUN_DEFAULT);
	uv_thread_join(&th);
	uv_close((uv_handle_t *)&t, NULL);
	uv_run(&hc->loop, UV_RUN_NOWAIT);
}

/* Turns the loop until the hub has n subscribers (a reader's close seen). */
static size_t settle(hub_case_t *hc, size_t n)
{
	pw_sse_stats_t st;
	for (int i = 0; i < 500; i++) {
		sse_hub_stats(hc->hub, &st);
		if (st.subscribers == n)
			break;
		uv_run(&hc->loop, UV_RUN_NOWAIT);
		usleep(2000);
	}
	return st.subscribers;
}

static int count_of(const char *hay, const char *needle)
{
	int n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

static void server_closed(void *ud)
{
	(void)ud;
}

/* A loop with a hub and a server on a free port whose requests subscribe
 * (with two writers; direct_write_max as the server's test knob). */
static hub_case_t *hub_case_new(size_t direct_write_max)
{
	hub_case_t *hc = calloc(1, sizeof *hc);
	uv_loop_init(&hc->loop);
	pw_sse_config_t scfg = {.ring_cap = 16};
	CHECK_EQ(sse_hub_new(&hc->hub, &hc->loop, &scfg), 0);
	pw_http_config_t hcfg = {.host = "127.0.0.1", .handler = hub_handler, .ud = hc, .writers = 2,
				 .direct_write_max = direct_write_max};
	CHECK_EQ(http_server_start(&hc->srv, &hc->loop, &hcfg), 0);
	hc->port = http_server_port(hc->srv);
	return hc;
}

static void hub_case_free(hub_case_t *hc)
{
	sse_hub_close(hc->hub);
	http_server_close(hc->srv, server_closed, NULL);
	uv_run(&hc->loop, UV_RUN_DEFAULT);
	CHECK_EQ(uv_loop_close(&hc->loop), 0);
	free(hc);
}

TEST(sse_hub_sends_a_turns_events_once_each)
{
	hub_case_t *hc = hub_case_new(0);
	/* Events 8 and 9 go out (to no one) and into the ring. */
	sse_hub_publish(hc->hub, 8, "even", "{\"k\":8}");
	sse_hub_publish(hc->hub, 9, "odd", "{\"k\":9}");
	uv_run(&hc->loop, UV_RUN_NOWAIT);
	pw_sse_stats_t st;
	sse_hub_stats(hc->hub, &st);
	CHECK_EQ(st.published, 2);
	CHECK_EQ(st.ring_size, 2);
	/* A subscriber that saw 8 subscribes in the turn that publishes 10
	 * and 11: it gets 9 from the ring, 10 and 11 with the batch, each
	 * once. */
	hc->publish_first = 10;
	hc->n_first = 2;
	reader_t r1 = {.request = "GET /s HTTP/1.1\r\nHost: x\r\nLast-Event-ID: 8\r\n\r\n", .until = "id: 11\n"};
	serve_reader(hc, &r1);
	CHECK_CONTAINS(r1.got, ": connected\n\n");
	CHECK_EQ(count_of(r1.got, "id: 8\n"), 0);
	CHECK_EQ(count_of(r1.got, "id: 9\n"), 1);
	CHECK_EQ(count_of(r1.got, "id: 10\n"), 1);
	CHECK_EQ(count_of(r1.got, "id: 11\n"), 1);
	CHECK(strstr(r1.got, "id: 9\n") < strstr(r1.got, "id: 10\n"));
	CHECK(strstr(r1.got, "id: 10\n") < strstr(r1.got, "id: 11\n"));
	CHECK_EQ(settle(hc, 0), 0);
	/* Three events in one turn, a filtered subscriber: only its own, in
	 * order, and the counters count what each got. */
	hc->publish_first = 20;
	hc->n_first = 3; /* 20 even, 21 odd, 22 even */
	reader_t r2 = {.request = "GET /s?event_type=even HTTP/1.1\r\nHost: x\r\n\r\n", .until = "id: 22\n"};
	serve_reader(hc, &r2);
	CHECK_EQ(count_of(r2.got, "id: 20\nevent: even\ndata: {\"k\":0}\n\n"), 1);
	CHECK_EQ(count_of(r2.got, "id: 21\n"), 0);
	CHECK_EQ(count_of(r2.got, "id: 22\nevent: even\ndata: {\"k\":2}\n\n"), 1);
	sse_hub_stats(hc->hub, &st);
	CHECK_EQ(st.published, 7);
	CHECK_EQ(st.delivered, 2 + 2); /* r1: 10, 11 (9 was a resume); r2: 20, 22 */
	CHECK_EQ(st.dropped_clients, 0);
	hub_case_free(hc);
}

/* Every direct write made partial on purpose (the server's test knob): the
 * rest of each block is queued, the next turn's block queued behind it,
 * and the stream is exactly the frames in order. */
TEST(sse_hub_partial_writes_keep_the_stream_whole)
{
	hub_case_t *hc = hub_case_new(7);
	hc->publish_first = 1;
	hc->n_first = 3;
	hc->publish_later = 4;
	hc->n_later = 2;
	reader_t r = {.request = "GET /s HTTP/1.1\r\nHost: x\r\n\r\n", .until = "id: 5\n"};
	serve_reader(hc, &r);
	pw_buf_t want = {0};
	buf_puts(&want, ": connected\n\nretry: 3000\n\n");
	for (int i = 0; i < 3; i++) {
		char json[32];
		snprintf(json, sizeof json, "{\"k\":%d}", i);
		sse_format(&want, 1 + (uint64_t)i, i % 2 ? "odd" : "even", json);
	}
	sse_format(&want, 4, "later", "{\"late\":true}");
	sse_format(&want, 5, "later", "{\"late\":true}");
	const char *body = strstr(r.got, "\r\n\r\n");
	CHECK(body != NULL);
	if (body)
		CHECK_STR(body + 4, want.data);
	buf_free(&want);
	pw_sse_stats_t st;
	sse_hub_stats(hc->hub, &st);
	CHECK_EQ(st.delivered, 5);
	CHECK_EQ(st.dropped_clients, 0);
	hub_case_free(hc);
}

/* The log before the ring, for sse_hub_global_ids: events 3..7 as a
 * shared store would hold them, emitted for (after, before). */
static int fake_history(void *ud, uint64_t after, uint64_t before, sse_emit_fn emit, void *ctx)
{
	int *calls = ud;
	(*calls)++;
	for (uint64_t id = 3; id <= 7; id++) {
		if (id <= after || id >= before)
			continue;
		char json[32];
		snprintf(json, sizeof json, "{\"old\":%llu}", (unsigned long long)id);
		emit(ctx, id, id % 2 ? "odd" : "even", json);
	}
	return 0;
}

/*
 * Global ids (several instances, one stream): the ring starts with the
 * newest events of the log (sse_hub_seed); a client resuming from before
 * the ring gets the older events from the log, then the ring, then the
 * batch, each once and in order; a client whose id is newer than this
 * instance's newest (it read another instance that was ahead) gets nothing
 * up to its id, ever — not everything held, as in process.
 */
TEST(sse_hub_global_ids_resume_from_the_log_and_never_repeat)
{
	hub_case_t *hc = hub_case_new(0);
	int calls = 0;
	sse_hub_global_ids(hc->hub, fake_history, &calls);
	sse_hub_seed(hc->hub, 8, "even", "{\"k\":8}");
	sse_hub_seed(hc->hub, 9, "odd", "{\"k\":9}");
	sse_hub_seed(hc->hub, 9, "odd", "{\"k\":99}"); /* not increasing: ignored */
	pw_sse_stats_t st;
	sse_hub_stats(hc->hub, &st);
	CHECK_EQ(st.ring_size, 2);
	CHECK_EQ(st.last_id, 9);

	hc->publish_first = 10;
	hc->n_first = 2;
	reader_t r1 = {.request = "GET /s HTTP/1.1\r\nHost: x\r\nLast-Event-ID: 4\r\n\r\n", .until = "id: 11\n"};
	serve_reader(hc, &r1);
	CHECK_EQ(calls, 1);
	const char *prev = r1.got;
	for (int id = 5; id <= 11; id++) {
		char want[16];
		snprintf(want, sizeof want, "id: %d\n", id);
		CHECK_MSG(count_of(r1.got, want) == 1, "event %d arrived %d times", id, count_of(r1.got, want));
		const char *at = strstr(r1.got, want);
		CHECK(at && at > prev);
		if (at)
			prev = at;
	}
	CHECK_EQ(count_of(r1.got, "id: 4\n"), 0);
	CHECK_CONTAINS(r1.got, "id: 5\nevent: odd\ndata: {\"old\":5}\n\n");
	CHECK_EQ(settle(hc, 0), 0);

	/* Ahead: the client saw up to 13 elsewhere; this instance delivers
	 * 12..14 now and later: only 14 reaches it. */
	hc->publish_first = 12;
	hc->n_first = 3;
	reader_t r2 = {.request = "GET /s HTTP/1.1\r\nHost: x\r\nLast-Event-ID: 13\r\n\r\n", .until = "id: 14\n"};
	serve_reader(hc, &r2);
	CHECK_EQ(count_of(r2.got, "id: 12\n"), 0);
	CHECK_EQ(count_of(r2.got, "id: 13\n"), 0);
	CHECK_EQ(count_of(r2.got, "id: 14\n"), 1);
	CHECK_EQ(count_of(r2.got, "id: 9\n"), 0); /* nothing of the ring */
	CHECK_EQ(calls, 1);                         /* the log was not needed */
	hub_case_free(hc);
}
