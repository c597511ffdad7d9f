/*
 * test_srv_bus_shared.c — the bus in shared mode (srv_bus.h): two buses on
 * one PostgreSQL database stand for two instances. Each delivers every
 * event of both, in one order under the same ids; sinks by origin see
 * their instance's events or the other's; a follower whose connection is
 * killed reconnects and delivers what was published meanwhile. On SQLite
 * the bus cannot be shared and says so.
 */
#include "tests/test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "core/league/store.h"
#include "core/league/store_internal.h" /* store_pg_exec */
#include "server/live/srv_bus.h"
#include "tests/pgtest.h"

#define SEEN_MAX 256

typedef struct seen {
	uint64_t ids[SEEN_MAX];
	char json[SEEN_MAX][16];
	int n;
} seen_t;

static void record(void *ud, uint64_t id, const char *type, const char *json)
{
	seen_t *s = ud;
	if (s->n < SEEN_MAX) {
		s->ids[s->n] = id;
		snprintf(s->json[s->n], sizeof s->json[0], "%s", json);
	}
	s->n++;
}

typedef struct instance {
	srv_bus_t *bus;
	seen_t all, own, others;
} instance_t;

typedef struct waiter {
	uv_loop_t *loop;
	instance_t *a, *b;
	int want;
	int ticks;
} waiter_t;

static void on_tick(uv_timer_t *t)
{
	waiter_t *w = t->data;
	if ((w->a->all.n >= w->want && w->b->all.n >= w->want) || ++w->ticks > 1000)
		uv_stop(w->loop);
}

/* Runs the loop until both instances delivered `want` events (10 s at most). */
static void run_until(uv_loop_t *loop, instance_t *a, instance_t *b, int want)
{
	waiter_t w = {loop, a, b, want, 0};
	uv_timer_t t;
	uv_timer_init(loop, &t);
	t.data = &w;
	uv_timer_start(&t, on_tick, 10, 10);
	uv_run(loop, UV_RUN_DEFAULT);
	uv_close((uv_handle_t *)&t, NULL);
	uv_run(loop, UV_RUN_NOWAIT);
}

static int start(instance_t *in, uv_loop_t *loop, const char *url, const char *origin)
{
	memset(in, 0, sizeof *in);
	if (srv_bus_new(&in->bus, loop, 1) < 0)
		return -1;
	srv_bus_add_sink(in->bus, record, &in->all);
	srv_bus_add_sink_of(in->bus, SRV_BUS_OWN, record, &in->own);
	srv_bus_add_sink_of(in->bus, SRV_BUS_OTHERS, record, &in->others);
	char err[256];
	uint64_t last = 99;
	int rc = srv_bus_share(in->bus, url, origin, NULL, &last, err, sizeof err);
	CHECK_MSG(rc == 0, "share: %s", err);
	CHECK(srv_bus_shared(in->bus));
	return rc;
}

static bool same_stream(const seen_t *x, const seen_t *y)
{
	if (x->n != y->n)
		return false;
	for (int i = 0; i < x->n && i < SEEN_MAX; i++)
		if (x->ids[i] != y->ids[i] || strcmp(x->json[i], y->json[i]))
			return false;
	return true;
}

TEST(pg_srv_bus_two_instances_deliver_every_event_in_one_order)
{
	char *url = pgtest_database();
	if (!url)
		return;
	char err[256];
	pw_store_t *s = store_open(url, err, sizeof err); /* migrates */
	CHECK_MSG(s != NULL, "%s", err);
	if (!s) {
		free(url);
		return;
	}
	/* One event from before: history, delivered to neither. */
	CHECK(store_live_append(s, "old.event", "{\"old\":1}", "gone") > 0);
	uv_loop_t loop;
	uv_loop_init(&loop);
	instance_t *a = calloc(1, sizeof *a), *b = calloc(1, sizeof *b);
	if (start(a, &loop, url, "inst-a") < 0 || start(b, &loop, url, "inst-b") < 0)
		goto out;
	for (int i = 0; i < 5; i++) {
		char j[16];
		snprintf(j, sizeof j, "{\"a\":%d}", i);
		srv_bus_publish(a->bus, "test.a", j);
		snprintf(j, sizeof j, "{\"b\":%d}", i);
		srv_bus_publish(b->bus, "test.b", j);
	}
	run_until(&loop, a, b, 10);
	CHECK_EQ(a->all.n, 10);
	CHECK(same_stream(&a->all, &b->all));
	for (int i = 1; i < a->all.n; i++)
		CHECK(a->all.ids[i] > a->all.ids[i - 1]);
	/* Each instance's own events, in its publish order; the others'. */
	CHECK_EQ(a->own.n, 5);
	CHECK_EQ(a->others.n, 5);
	CHECK_EQ(b->own.n, 5);
	CHECK(same_stream(&a->own, &b->others));
	CHECK(same_stream(&b->own, &a->others));
	CHECK_STR(a->own.json[0], "{\"a\":0}");
	CHECK_STR(a->own.json[4], "{\"a\":4}");
	CHECK_STR(b->own.json[4], "{\"b\":4}");

	/* Kill every connection of both buses (publishers and listening
	 * followers); what is published meanwhile arrives once they
	 * reconnect, nothing lost or repeated. */
	CHECK_EQ(store_pg_exec(s,
			       "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
			       " WHERE pid <> pg_backend_pid() AND datname = current_database()",
			       "killing the buses' connections"),
		 0);
	uv_sleep(100);
	for (int i = 0; i < 3; i++)
		srv_bus_publish(a->bus, "test.after", "{\"k\":1}");
	run_until(&loop, a, b, 13);
	CHECK_EQ(a->all.n, 13);
	CHECK_EQ(b->all.n, 13);
	CHECK(same_stream(&a->all, &b->all));
	CHECK_EQ(b->others.n, 8);
	CHECK_EQ(srv_bus_dropped(a->bus) + srv_bus_dropped(b->bus), 0);
out:
	if (a->bus)
		srv_bus_close(a->bus);
	if (b->bus)
		srv_bus_close(b->bus);
	uv_run(&loop, UV_RUN_DEFAULT);
	CHECK_EQ(uv_loop_close(&loop), 0);
	free(a);
	free(b);
	store_close(s);
	free(url);
}

/* One process owns a SQLite file: its bus stays in process, and asking to
 * share it is a clear error that changes nothing. */
TEST(srv_bus_on_sqlite_is_not_shared)
{
	char path[512], err[256];
	snprintf(path, sizeof path, "%s/bus.db", test_tmpdir());
	pw_store_t *s = store_open(path, err, sizeof err);
	CHECK_MSG(s != NULL, "%s", err);
	CHECK(!store_is_shared(s));
	store_close(s);
	uv_loop_t loop;
	uv_loop_init(&loop);
	instance_t *a = calloc(1, sizeof *a);
	CHECK_EQ(srv_bus_new(&a->bus, &loop, 7), 0);
	srv_bus_add_sink(a->bus, record, &a->all);
	srv_bus_add_sink_of(a->bus, SRV_BUS_OWN, record, &a->own);
	srv_bus_add_sink_of(a->bus, SRV_BUS_OTHERS, record, &a->others);
	uint64_t last = 0;
	CHECK_EQ(srv_bus_share(a->bus, path, "x", NULL, &last, err, sizeof err), -1);
	CHECK_CONTAINS(err, "not shared");
	CHECK(!srv_bus_shared(a->bus));
	/* In process: every event is this instance's own. */
	srv_bus_publish(a->bus, "test.x", "{}");
	srv_bus_publish(a->bus, "test.x", "{}");
	run_until(&loop, a, a, 2);
	CHECK_EQ(a->all.n, 2);
	CHECK_EQ(a->all.ids[0], 7);
	CHECK_EQ(a->own.n, 2);
	CHECK_EQ(a->others.n, 0);
	srv_bus_close(a->bus);
	uv_run(&loop, UV_RUN_DEFAULT);
	CHECK_EQ(uv_loop_close(&loop), 0);
	free(a);
}
