/*
 * srv_bus.c — thread-safe publish, loop-thread delivery, in process or
 * through the store's live-event log (see srv_bus.h).
 *
 * Shared mode uses two threads rather than watching the listening
 * connection's socket with uv_poll on the loop: reading the log after a
 * notification is a database round trip (a page of rows), and on the loop
 * it would stall every HTTP client and stream behind the database's
 * latency, or behind a reconnect to a database that is down. The follower
 * thread blocks on its own connection instead and hands rows over exactly
 * as publishers do in process (the queue and uv_async_send below), so the
 * loop's side of both modes is the same code.
 */
#include "server/live/srv_bus.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/league/store.h"

typedef struct bus_event {
	struct bus_event *next;
	uint64_t id;
	bool own; /* published by this instance */
	char *type;
	char *json;
} bus_event_t;

/* A FIFO of events; its owner's lock guards it. */
typedef struct bus_queue {
	bus_event_t *head, *tail;
	size_t n;
} bus_queue_t;

struct srv_bus {
	uv_async_t async;
	uv_mutex_t lock;
	bus_queue_t ready;        /* under lock: waiting for the loop */
	uint64_t next_id;         /* under lock (in process) */
	uint64_t dropped;         /* under lock */
	int closing;              /* under lock */
	struct {
		srv_bus_sink_fn fn;
		void *ud;
		srv_bus_origin_t which;
	} sinks[SRV_BUS_MAX_SINKS];
	int n_sinks;

	/* ---- shared mode ---- */
	bool shared;
	char db[1024];
	char origin[STORE_LIVE_ORIGIN_MAX + 1];
	const pw_log_t *log;
	uv_cond_t wake;           /* the publisher waits here */
	bus_queue_t outgoing;     /* under lock: waiting to be appended */
	int stop;                 /* under lock: the threads end */
	uint64_t after;           /* follower thread only: the last id handed over */
	pw_store_t *pub, *fol;    /* each thread's own connection */
	uv_thread_t pub_thread, fol_thread;
};

static void queue_push(bus_queue_t *q, bus_event_t *e)
{
	e->next = NULL;
	if (q->tail)
		q->tail->next = e;
	else
		q->head = e;
	q->tail = e;
	q->n++;
}

static bus_event_t *queue_take_all(bus_queue_t *q)
{
	bus_event_t *e = q->head;
	q->head = q->tail = NULL;
	q->n = 0;
	return e;
}

static void event_free(bus_event_t *e)
{
	free(e->type);
	free(e->json);
	free(e);
}

/* A copy of an event; NULL on OOM. */
static bus_event_t *event_new(const char *type, const char *json)
{
	bus_event_t *e = calloc(1, sizeof *e);
	char *t = strdup(type), *j = strdup(json);
	if (!e || !t || !j) {
		free(e);
		free(t);
		free(j);
		return NULL;
	}
	e->type = t;
	e->json = j;
	return e;
}

static void deliver(srv_bus_t *b)
{
	uv_mutex_lock(&b->lock);
	bus_event_t *e = queue_take_all(&b->ready);
	uv_mutex_unlock(&b->lock);
	while (e) {
		bus_event_t *next = e->next;
		for (int i = 0; i < b->n_sinks; i++)
			if (b->sinks[i].which == SRV_BUS_ALL ||
			    (b->sinks[i].which == SRV_BUS_OWN) == e->own)
				b->sinks[i].fn(b->sinks[i].ud, e->id, e->type, e->json);
		event_free(e);
		e = next;
	}
}

static void on_async(uv_async_t *a)
{
	deliver(a->data);
}

int srv_bus_new(srv_bus_t **out, uv_loop_t *loop, uint64_t first_id)
{
	*out = NULL;
	srv_bus_t *b = calloc(1, sizeof *b);
	if (!b)
		return UV_ENOMEM;
	int r = uv_mutex_init(&b->lock);
	if (r < 0) {
		free(b);
		return r;
	}
	r = uv_async_init(loop, &b->async, on_async);
	if (r < 0) {
		uv_mutex_destroy(&b->lock);
		free(b);
		return r;
	}
	b->async.data = b;
	/* The bus alone must not keep the loop running. */
	uv_unref((uv_handle_t *)&b->async);
	b->next_id = first_id ? first_id : 1;
	*out = b;
	return 0;
}

int srv_bus_add_sink_of(srv_bus_t *b, srv_bus_origin_t which, srv_bus_sink_fn fn, void *ud)
{
	if (b->n_sinks == SRV_BUS_MAX_SINKS)
		return -1;
	b->sinks[b->n_sinks].fn = fn;
	b->sinks[b->n_sinks].ud = ud;
	b->sinks[b->n_sinks].which = which;
	b->n_sinks++;
	return 0;
}

int srv_bus_add_sink(srv_bus_t *b, srv_bus_sink_fn fn, void *ud)
{
	return srv_bus_add_sink_of(b, SRV_BUS_ALL, fn, ud);
}

void srv_bus_publish(srv_bus_t *b, const char *type, const char *json)
{
	if (!b || !type || !json)
		return;
	bus_event_t *e = event_new(type, json);
	uv_mutex_lock(&b->lock);
	bus_queue_t *q = b->shared ? &b->outgoing : &b->ready;
	if (!e || b->closing || q->n >= SRV_BUS_MAX_PENDING) {
		b->dropped++;
		uv_mutex_unlock(&b->lock);
		if (e)
			event_free(e);
		return;
	}
	if (b->shared) {
		queue_push(q, e);
		uv_cond_signal(&b->wake);
		uv_mutex_unlock(&b->lock);
		return;
	}
	e->id = b->next_id++;
	e->own = true;
	queue_push(q, e);
	uv_mutex_unlock(&b->lock);
	uv_async_send(&b->async);
}

static void iface_publish(void *ud, const char *type, const char *json)
{
	srv_bus_publish(ud, type, json);
}

pw_bus_t srv_bus_iface(srv_bus_t *b)
{
	return (pw_bus_t){.ud = b, .publish = iface_publish};
}

uint64_t srv_bus_dropped(srv_bus_t *b)
{
	uv_mutex_lock(&b->lock);
	uint64_t d = b->dropped;
	uv_mutex_unlock(&b->lock);
	return d;
}

bool srv_bus_shared(const srv_bus_t *b)
{
	return b && b->shared;
}

/* ---- shared mode: the publisher ------------------------------------------ */

static bool stopping(srv_bus_t *b)
{
	uv_mutex_lock(&b->lock);
	int s = b->stop;
	uv_mutex_unlock(&b->lock);
	return s != 0;
}

/* A fresh connection for a thread after its own failed (NULL when the
 * database cannot be reached now; the caller tries again later). */
static pw_store_t *reopen(srv_bus_t *b, pw_store_t *old, const char *who)
{
	store_close(old);
	char err[256];
	pw_store_t *s = store_open_raw(b->db, err, sizeof err);
	if (!s && b->log)
		log_event(b->log, PW_LOG_WARN, "bus.reconnect_failed", "%s: %s", who, err);
	return s;
}

/* Appends one event, reconnecting once when the connection was lost; the
 * event is dropped (and counted) when the database refuses it. */
static void append_one(srv_bus_t *b, bus_event_t *e)
{
	for (int attempt = 0; attempt < 2; attempt++) {
		if (b->pub && store_live_append(b->pub, e->type, e->json, b->origin) > 0)
			return;
		if (b->pub && store_ping(b->pub))
			break; /* refused, not lost: trying again changes nothing */
		b->pub = reopen(b, b->pub, "the bus publisher");
	}
	if (b->log)
		log_event(b->log, PW_LOG_ERROR, "bus.append_failed", "type=%s: %s", e->type,
			  b->pub ? store_errmsg(b->pub) : "no connection to the database");
	uv_mutex_lock(&b->lock);
	b->dropped++;
	uv_mutex_unlock(&b->lock);
}

/* Appends what publishers queued, in their order, until stopped — and
 * what is queued when it is told to stop, so an instance's last events
 * (a checkpoint at shutdown) still reach the others. Every SRV_BUS_KEEP
 * appends it prunes the log; any instance may, pruning twice is harmless. */
static void publisher_main(void *arg)
{
	srv_bus_t *b = arg;
	unsigned since_prune = 0;
	uv_mutex_lock(&b->lock);
	for (;;) {
		while (!b->outgoing.head && !b->stop)
			uv_cond_wait(&b->wake, &b->lock);
		bus_event_t *e = queue_take_all(&b->outgoing);
		int stop = b->stop;
		uv_mutex_unlock(&b->lock);
		while (e) {
			bus_event_t *next = e->next;
			append_one(b, e);
			event_free(e);
			e = next;
			if (++since_prune >= SRV_BUS_KEEP / 4) {
				since_prune = 0;
				if (b->pub && store_live_prune(b->pub, SRV_BUS_KEEP) < 0 && b->log)
					log_event(b->log, PW_LOG_WARN, "bus.prune_failed", "%s", store_errmsg(b->pub));
			}
		}
		uv_mutex_lock(&b->lock);
		if (stop && !b->outgoing.head)
			break;
	}
	uv_mutex_unlock(&b->lock);
}

/* ---- shared mode: the follower ------------------------------------------- */

typedef struct follow_page {
	srv_bus_t *b;
	bus_queue_t got;
	bool oom;
} follow_page_t;

static int follow_cb(void *ud, const pw_live_event_t *le)
{
	follow_page_t *p = ud;
	bus_event_t *e = event_new(le->type, le->json);
	if (!e) {
		p->oom = true;
		return 1;
	}
	e->id = (uint64_t)le->id;
	e->own = !strcmp(le->origin, p->b->origin);
	queue_push(&p->got, e);
	return 0;
}

/* Hands over every event after b->after, a page at a time; -1 when the
 * connection failed (the caller reconnects; b->after is where it stopped).
 * Waits while the loop has SRV_BUS_MAX_PENDING events to deliver: here an
 * event is never dropped, only delayed. */
static int follow_read(srv_bus_t *b)
{
	for (;;) {
		for (;;) {
			uv_mutex_lock(&b->lock);
			bool full = b->ready.n >= SRV_BUS_MAX_PENDING, stop = b->stop != 0;
			uv_mutex_unlock(&b->lock);
			if (stop)
				return 0;
			if (!full)
				break;
			uv_sleep(10);
		}
		follow_page_t p = {.b = b};
		int n = store_live_since(b->fol, (int64_t)b->after, SRV_BUS_PAGE, follow_cb, &p);
		if (p.got.tail)
			b->after = p.got.tail->id;
		uv_mutex_lock(&b->lock);
		for (bus_event_t *e = p.got.head, *next; e; e = next) {
			next = e->next;
			queue_push(&b->ready, e);
		}
		uv_mutex_unlock(&b->lock);
		if (p.got.head)
			uv_async_send(&b->async);
		if (p.oom) {
			uv_sleep(10); /* memory comes back; read on from b->after */
			continue;
		}
		if (n < 0)
			return -1;
		if (n < SRV_BUS_PAGE)
			return 0;
	}
}

/* Connects, listens and reads on after b->after until stopped. A lost
 * connection (or a failed read) is reopened every half second until it
 * works; listening starts before the read that follows, so an append
 * between the two is read, or announced, never missed. */
static void follower_main(void *arg)
{
	srv_bus_t *b = arg;
	bool lost = false;
	while (!stopping(b)) {
		if (lost) {
			b->fol = reopen(b, b->fol, "the bus follower");
			if (!b->fol || store_live_listen(b->fol) < 0) {
				uv_sleep(500);
				continue;
			}
			lost = false;
			if (b->log)
				log_event(b->log, PW_LOG_INFO, "bus.reconnected", "reading on after event %llu",
					  (unsigned long long)b->after);
		}
		/* Read on every wake: a notification, or the poll interval. */
		int w = store_live_wait(b->fol, SRV_BUS_POLL_MS);
		if (w < 0 || follow_read(b) < 0) {
			if (b->log)
				log_event(b->log, PW_LOG_WARN, "bus.connection_lost", "%s", store_errmsg(b->fol));
			lost = true;
		}
	}
}

int srv_bus_share(srv_bus_t *b, const char *db, const char *origin, const pw_log_t *log,
		  uint64_t *last_id, char *err, size_t errlen)
{
	if (!origin || strlen(origin) > STORE_LIVE_ORIGIN_MAX || strlen(db) >= sizeof b->db) {
		snprintf(err, errlen, "the bus's instance name or database setting is too long");
		return -1;
	}
	snprintf(b->db, sizeof b->db, "%s", db);
	snprintf(b->origin, sizeof b->origin, "%s", origin);
	b->log = log;
	b->pub = store_open_raw(db, err, errlen);
	b->fol = b->pub ? store_open_raw(db, err, errlen) : NULL;
	int64_t latest = -1;
	if (b->fol) {
		latest = store_live_listen(b->fol) < 0 ? -1 : store_live_latest(b->fol);
		if (latest < 0)
			snprintf(err, errlen, "the live-event log: %s", store_errmsg(b->fol));
	}
	if (latest < 0 || uv_cond_init(&b->wake) < 0) {
		store_close(b->pub);
		store_close(b->fol);
		b->pub = b->fol = NULL;
		return -1;
	}
	b->after = (uint64_t)latest;
	*last_id = b->after;
	uv_mutex_lock(&b->lock);
	b->shared = true;
	uv_mutex_unlock(&b->lock);
	if (uv_thread_create(&b->pub_thread, publisher_main, b) < 0) {
		snprintf(err, errlen, "could not start the bus's publisher thread");
		goto fail;
	}
	if (uv_thread_create(&b->fol_thread, follower_main, b) < 0) {
		uv_mutex_lock(&b->lock);
		b->stop = 1;
		uv_cond_signal(&b->wake);
		uv_mutex_unlock(&b->lock);
		uv_thread_join(&b->pub_thread);
		snprintf(err, errlen, "could not start the bus's follower thread");
		goto fail;
	}
	return 0;
fail:
	uv_mutex_lock(&b->lock);
	b->shared = false;
	b->stop = 0;
	uv_mutex_unlock(&b->lock);
	uv_cond_destroy(&b->wake);
	store_close(b->pub);
	store_close(b->fol);
	b->pub = b->fol = NULL;
	return -1;
}

/* ---- closing ------------------------------------------------------------- */

static void on_closed(uv_handle_t *h)
{
	srv_bus_t *b = h->data;
	uv_mutex_destroy(&b->lock);
	free(b);
}

void srv_bus_close(srv_bus_t *b)
{
	/* Refuse new events first, so what is delivered now is all there is. */
	uv_mutex_lock(&b->lock);
	b->closing = 1;
	b->stop = 1;
	if (b->shared)
		uv_cond_signal(&b->wake);
	uv_mutex_unlock(&b->lock);
	if (b->shared) {
		uv_thread_join(&b->pub_thread);
		uv_thread_join(&b->fol_thread);
		uv_cond_destroy(&b->wake);
		store_close(b->pub);
		store_close(b->fol);
		b->pub = b->fol = NULL;
	}
	deliver(b);
	uv_close((uv_handle_t *)&b->async, on_closed);
}
