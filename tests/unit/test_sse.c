/*
 * test_sse.c — the resume ring, frame format, filters and the thread-safe bus.
 */
#include "tests/test.h"

#include <stdio.h>
#include <stdlib.h>
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
