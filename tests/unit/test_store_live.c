/*
 * test_store_live.c — the live-event log (store.h, migration 7): the bus
 * across instances. Appending, reading in order and in pages, pruning and
 * refusing bad input on both backends (store_live_<name> on SQLite,
 * pg_store_live_<name> on PostgreSQL); on PostgreSQL alone, what makes it
 * a bus: concurrent appends never let a reader skip an id, a notification
 * wakes a listener, and a listener whose connection is killed reconnects
 * and reads what it missed.
 */
#include "tests/test.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/league/store.h"
#include "core/league/store_internal.h" /* store_pg_exec */
#include "tests/pgtest.h"

/* A migrated store: a SQLite file of the test's own, or a new PostgreSQL
 * database (its URL in *url when asked). NULL when the test failed. */
static pw_store_t *live_open(bool pg, char **url)
{
	char path[512], err[512];
	if (url)
		*url = NULL;
	if (!pg) {
		snprintf(path, sizeof path, "%s/live.db", test_tmpdir());
		pw_store_t *s = store_open(path, err, sizeof err);
		CHECK_MSG(s != NULL, "open: %s", err);
		return s;
	}
	char *u = pgtest_database();
	if (!u)
		return NULL;
	pw_store_t *s = store_open(u, err, sizeof err);
	CHECK_MSG(s != NULL, "open on PostgreSQL: %s", err);
	if (url)
		*url = u;
	else
		free(u);
	return s;
}

#define LIVE_ON_BOTH(name)                     \
	static void name##_on(bool pg);        \
	TEST(store_live_##name)                \
	{                                      \
		name##_on(false);              \
	}                                      \
	TEST(pg_store_live_##name)             \
	{                                      \
		name##_on(true);               \
	}                                      \
	static void name##_on(bool pg)

typedef struct walk {
	int64_t ids[64];
	char types[64][48];
	char origins[64][16];
	int n;
	int stop_after; /* 0: never */
} walk_t;

static int walk_cb(void *ud, const pw_live_event_t *e)
{
	walk_t *w = ud;
	if (w->n < 64) {
		w->ids[w->n] = e->id;
		snprintf(w->types[w->n], sizeof w->types[0], "%s", e->type);
		snprintf(w->origins[w->n], sizeof w->origins[0], "%s", e->origin);
	}
	w->n++;
	return w->stop_after && w->n == w->stop_after ? 7 : 0;
}

LIVE_ON_BOTH(appends_read_in_order_in_pages_and_prune)
{
	pw_store_t *s = live_open(pg, NULL);
	if (!s)
		return;
	CHECK_EQ(store_is_shared(s), pg);
	CHECK_EQ(store_live_latest(s), 0);
	int64_t ids[12];
	for (int i = 0; i < 12; i++) {
		char type[32], json[64];
		snprintf(type, sizeof type, "test.e%d", i);
		snprintf(json, sizeof json, "{\"n\":%d}", i);
		ids[i] = store_live_append(s, type, json, i % 2 ? "inst-b" : "inst-a");
		CHECK_MSG(ids[i] > 0, "append %d: %s", i, store_errmsg(s));
		if (i > 0)
			CHECK(ids[i] > ids[i - 1]);
	}
	CHECK_EQ(store_live_latest(s), ids[11]);

	/* Pages: 5, 5, 2, then nothing; in id order, nothing repeated. */
	walk_t w = {0};
	int64_t after = 0;
	int pages[4];
	for (int p = 0; p < 4; p++) {
		int before = w.n;
		pages[p] = store_live_since(s, after, 5, walk_cb, &w);
		if (w.n > before)
			after = w.ids[w.n - 1];
	}
	CHECK_EQ(pages[0], 5);
	CHECK_EQ(pages[1], 5);
	CHECK_EQ(pages[2], 2);
	CHECK_EQ(pages[3], 0);
	CHECK_EQ(w.n, 12);
	for (int i = 0; i < 12; i++) {
		char type[32];
		snprintf(type, sizeof type, "test.e%d", i);
		CHECK_EQ(w.ids[i], ids[i]);
		CHECK_STR(w.types[i], type);
		CHECK_STR(w.origins[i], i % 2 ? "inst-b" : "inst-a");
	}
	/* A callback stops the walk with its own value. */
	walk_t stop = {.stop_after = 3};
	CHECK_EQ(store_live_since(s, 0, 100, walk_cb, &stop), 7);
	CHECK_EQ(stop.n, 3);

	/* Pruning keeps the newest 4 ids; a second prune removes nothing. */
	CHECK_EQ(store_live_prune(s, 4), 8);
	CHECK_EQ(store_live_prune(s, 4), 0);
	walk_t left = {0};
	CHECK_EQ(store_live_since(s, 0, 100, walk_cb, &left), 4);
	CHECK_EQ(left.ids[0], ids[8]);
	/* Ids are never handed out again after a prune. */
	int64_t next = store_live_append(s, "test.after", "{}", NULL);
	CHECK(next > ids[11]);
	store_close(s);
}

LIVE_ON_BOTH(hostile_input_is_refused_and_changes_nothing)
{
	pw_store_t *s = live_open(pg, NULL);
	if (!s)
		return;
	char long_type[80], long_origin[80];
	memset(long_type, 't', sizeof long_type - 1);
	long_type[sizeof long_type - 1] = 0;
	memset(long_origin, 'o', sizeof long_origin - 1);
	long_origin[sizeof long_origin - 1] = 0;
	CHECK_EQ(store_live_append(s, "", "{}", NULL), -1);
	CHECK_CONTAINS(store_errmsg(s), "type must be 1 to 47 characters");
	CHECK_EQ(store_live_append(s, NULL, "{}", NULL), -1);
	CHECK_EQ(store_live_append(s, long_type, "{}", NULL), -1);
	CHECK_EQ(store_live_append(s, "a.b", "", NULL), -1);
	CHECK_CONTAINS(store_errmsg(s), "needs its JSON");
	CHECK_EQ(store_live_append(s, "a.b", "{}", long_origin), -1);
	CHECK_CONTAINS(store_errmsg(s), "origin must be at most 63");
	walk_t w = {0};
	CHECK_EQ(store_live_since(s, 0, 0, walk_cb, &w), -1);
	CHECK_CONTAINS(store_errmsg(s), "1 to 10000 events");
	CHECK_EQ(store_live_since(s, 0, 10001, walk_cb, &w), -1);
	CHECK_EQ(store_live_prune(s, 0), -1);
	/* Not inside a transaction of the caller's: the append is its own. */
	CHECK_EQ(store_begin(s), 0);
	CHECK_EQ(store_live_append(s, "a.b", "{}", NULL), -1);
	CHECK_CONTAINS(store_errmsg(s), "outside a transaction");
	store_rollback(s);
	CHECK_EQ(store_live_latest(s), 0);
	/* A text with quotes and newlines is kept byte for byte. */
	const char *odd = "{\"t\":\"it's \\\"x\\\"\\n'); DROP TABLE live_events; --\"}";
	CHECK(store_live_append(s, "a.b", odd, "x") > 0);
	walk_t one = {0};
	CHECK_EQ(store_live_since(s, 0, 10, walk_cb, &one), 1);
	CHECK_EQ(store_live_latest(s), one.ids[0]);
	/* SQLite has nothing to listen to; PostgreSQL listens. */
	CHECK_EQ(store_live_listen(s), pg ? 0 : -1);
	if (!pg)
		CHECK_CONTAINS(store_errmsg(s), "not shared");
	store_close(s);
}

/* ---- PostgreSQL: what makes it a bus ---- */

#define LIVE_APPENDS 200

typedef struct live_writer {
	const char *url;
	const char *origin;
	int failed;
	volatile int done;
} live_writer_t;

static void *live_append_loop(void *ud)
{
	live_writer_t *a = ud;
	char err[512];
	pw_store_t *s = store_open(a->url, err, sizeof err);
	if (!s) {
		a->failed = LIVE_APPENDS;
		a->done = 1;
		return NULL;
	}
	for (int i = 0; i < LIVE_APPENDS; i++)
		if (store_live_append(s, "test.race", "{\"x\":1}", a->origin) < 0)
			a->failed++;
	store_close(s);
	a->done = 1;
	return NULL;
}

typedef struct follow {
	int64_t last;
	int count, per_origin[2];
} follow_t;

static int follow_cb(void *ud, const pw_live_event_t *e)
{
	follow_t *f = ud;
	f->last = e->id;
	f->count++;
	f->per_origin[strcmp(e->origin, "a") ? 1 : 0]++;
	return 0;
}

/*
 * Two connections append as fast as they can while a third follows the
 * log the way every instance's bus does: from the last id it read. An
 * identity column alone lets id N+1 commit before N, and such a reader
 * would pass N for good; the live log's lock makes ids commit in order,
 * so the follower reads every event of both. (Ids may have gaps — a
 * rolled-back append uses one — so "none skipped" is the count.)
 */
TEST(pg_store_live_concurrent_appends_never_let_a_reader_skip_an_id)
{
	char *url = NULL;
	pw_store_t *r = live_open(true, &url);
	if (!r)
		return;
	live_writer_t a = {url, "a", 0, 0}, b = {url, "b", 0, 0};
	pthread_t ta, tb;
	pthread_create(&ta, NULL, live_append_loop, &a);
	pthread_create(&tb, NULL, live_append_loop, &b);
	follow_t f = {0};
	for (int last = 0; !last;) {
		last = a.done && b.done;
		int n;
		do
			n = store_live_since(r, f.last, 7, follow_cb, &f);
		while (n == 7);
		CHECK(n >= 0);
	}
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	CHECK_EQ(a.failed + b.failed, 0);
	CHECK_EQ(f.count, 2 * LIVE_APPENDS);
	CHECK_EQ(f.per_origin[0], LIVE_APPENDS);
	CHECK_EQ(f.per_origin[1], LIVE_APPENDS);
	store_close(r);
	free(url);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A listener is woken by another connection's append (not by its timeout),
 * is quiet when nothing is appended, and after its connection is killed
 * (pg_terminate_backend) says so; reopened, it reads everything appended
 * meanwhile. */
TEST(pg_store_live_notify_wakes_a_listener_and_reconnect_reads_what_was_missed)
{
	char *url = NULL;
	pw_store_t *w = live_open(true, &url);
	if (!w)
		return;
	char err[512];
	pw_store_t *l = store_open(url, err, sizeof err);
	CHECK_MSG(l != NULL, "listener: %s", err);
	if (!l) {
		store_close(w);
		free(url);
		return;
	}
	CHECK_EQ(store_live_listen(l), 0);
	CHECK_EQ(store_live_wait(l, 50), 0); /* nothing yet */
	int64_t id1 = store_live_append(w, "test.one", "{}", "a");
	CHECK(id1 > 0);
	double t0 = now_s();
	CHECK_EQ(store_live_wait(l, 5000), 1);
	CHECK(now_s() - t0 < 4.0); /* the notification, not the timeout */
	CHECK_EQ(store_live_wait(l, 50), 0); /* consumed */

	/* Kill the listener's backend from the writer's connection. */
	CHECK_EQ(store_pg_exec(w,
			       "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
			       " WHERE pid <> pg_backend_pid() AND query LIKE 'LISTEN%'",
			       "killing the listener"),
		 0);
	int64_t missed[3];
	for (int i = 0; i < 3; i++)
		missed[i] = store_live_append(w, "test.missed", "{}", "a");
	int rc = 0;
	for (int i = 0; i < 50 && rc != -1; i++)
		rc = store_live_wait(l, 100);
	CHECK_EQ(rc, -1);
	store_close(l);

	/* Reconnect, listen again, read after the last id delivered. */
	l = store_open(url, err, sizeof err);
	CHECK_MSG(l != NULL, "reconnect: %s", err);
	if (l) {
		CHECK_EQ(store_live_listen(l), 0);
		walk_t got = {0};
		CHECK_EQ(store_live_since(l, id1, 100, walk_cb, &got), 3);
		for (int i = 0; i < 3; i++)
			CHECK_EQ(got.ids[i], missed[i]);
		int64_t id5 = store_live_append(w, "test.after", "{}", "a");
		CHECK(id5 > missed[2]);
		CHECK_EQ(store_live_wait(l, 5000), 1);
		store_close(l);
	}
	store_close(w);
	free(url);
}
