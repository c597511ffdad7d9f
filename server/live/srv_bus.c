/*
 * bus.c — thread-safe publish, loop-thread delivery (see bus.h).
 */
#include "server/live/srv_bus.h"

#include <stdlib.h>
#include <string.h>

typedef struct bus_event {
	struct bus_event *next;
	uint64_t id;
	char *type;
	char *json;
} bus_event_t;

struct srv_bus {
	uv_async_t async;
	uv_mutex_t lock;
	bus_event_t *head, *tail; /* under lock */
	size_t pending;           /* under lock */
	uint64_t next_id;         /* under lock */
	uint64_t dropped;         /* under lock */
	int closing;              /* under lock */
	struct {
		srv_bus_sink_fn fn;
		void *ud;
	} sinks[SRV_BUS_MAX_SINKS];
	int n_sinks;
};

static void deliver(srv_bus_t *b)
{
	uv_mutex_lock(&b->lock);
	bus_event_t *e = b->head;
	b->head = b->tail = NULL;
	b->pending = 0;
	uv_mutex_unlock(&b->lock);
	while (e) {
		bus_event_t *next = e->next;
		for (int i = 0; i < b->n_sinks; i++)
			b->sinks[i].fn(b->sinks[i].ud, e->id, e->type, e->json);
		free(e->type);
		free(e->json);
		free(e);
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

int srv_bus_add_sink(srv_bus_t *b, srv_bus_sink_fn fn, void *ud)
{
	if (b->n_sinks == SRV_BUS_MAX_SINKS)
		return -1;
	b->sinks[b->n_sinks].fn = fn;
	b->sinks[b->n_sinks].ud = ud;
	b->n_sinks++;
	return 0;
}

void srv_bus_publish(srv_bus_t *b, const char *type, const char *json)
{
	if (!b || !type || !json)
		return;
	bus_event_t *e = calloc(1, sizeof *e);
	char *t = strdup(type), *j = strdup(json);
	uv_mutex_lock(&b->lock);
	if (!e || !t || !j || b->closing || b->pending >= SRV_BUS_MAX_PENDING) {
		b->dropped++;
		uv_mutex_unlock(&b->lock);
		free(e);
		free(t);
		free(j);
		return;
	}
	e->id = b->next_id++;
	e->type = t;
	e->json = j;
	if (b->tail)
		b->tail->next = e;
	else
		b->head = e;
	b->tail = e;
	b->pending++;
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
	uv_mutex_unlock(&b->lock);
	deliver(b);
	uv_close((uv_handle_t *)&b->async, on_closed);
}
