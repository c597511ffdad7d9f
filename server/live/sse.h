/*
 * sse.h — the live event stream (Server-Sent Events).
 *
 * Three parts, each testable alone:
 *  - pw_sse_ring_t: the last N events, already formatted, so a client that
 *    reconnects with Last-Event-ID gets what it missed;
 *  - pw_sse_filter_t: the ?event_type=a,b filter;
 *  - pw_sse_hub_t: the subscribers of one server. Publishing formats an
 *    event once into one refcounted block; the events published in one
 *    turn of the loop go out together at its end (a tick's results arrive
 *    together): each subscriber gets the ones it wants in one block — one
 *    write, not one per event — and all subscribers' writes go out in one
 *    batch spread over the HTTP server's writer threads
 *    (http_stream_write_batch). Filters are pre-parsed into a bitmask of
 *    interned event types, so the per-client work is a bit test per event
 *    and a write; subscribers that want the same events share one block.
 *    A client with more unsent bytes than the limit after a write is
 *    dropped (and counted) rather than buffered without end, so one slow
 *    reader never slows the rest; it reconnects and resumes from the ring.
 *
 * Wire format (spec 40-server): `: connected` at once, `: heartbeat` every
 * 15 s, events as `id: <n>` / `event: <type>` / `data: <json>` lines.
 */
#ifndef PW_SSE_H
#define PW_SSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "server/http/rcbuf.h"
#include "server/http/http_parser.h"
#include "server/http/http_server.h"

#define SSE_TYPE_MAX 48
#define SSE_FILTER_MAX 16
/* Events published in one turn of the loop that go out together (a bit
 * each in a uint64_t); more start another batch. */
#define SSE_BATCH_MAX 64

typedef struct pw_sse_event {
	uint64_t id;
	char type[SSE_TYPE_MAX];
	pw_rcbuf_t *rc; /* the formatted event, shared with queued writes */
	char *frame;    /* rc->data */
	size_t len;
} pw_sse_event_t;

typedef struct pw_sse_ring {
	pw_sse_event_t *ev;
	size_t cap, count, start; /* start: index of the oldest */
} pw_sse_ring_t;

int sse_ring_init(pw_sse_ring_t *r, size_t cap);
void sse_ring_free(pw_sse_ring_t *r);
/* Appends an event (ids must increase), evicting the oldest when full.
 * Returns the stored event, or NULL on OOM. */
const pw_sse_event_t *sse_ring_push(pw_sse_ring_t *r, uint64_t id, const char *type, const char *json);
/* The i-th stored event, oldest first. */
const pw_sse_event_t *sse_ring_at(const pw_sse_ring_t *r, size_t i);
/*
 * Where a client that last saw last_id resumes: the index of the first
 * event newer than last_id. When last_id is not something this ring could
 * have produced (older than what it holds, or newer than its newest, i.e.
 * from before a restart) the client gets everything held.
 */
size_t sse_ring_resume(const pw_sse_ring_t *r, uint64_t last_id);
/* The index of the first event with an id above last_id (count when
 * none): where a client resumes when ids are global (sse_hub_global_ids). */
size_t sse_ring_after(const pw_sse_ring_t *r, uint64_t last_id);

/* Formats one event frame; a type loses CR/LF, JSON with newlines becomes
 * several data: lines. */
void sse_format(pw_buf_t *b, uint64_t id, const char *type, const char *json);

typedef struct pw_sse_filter {
	size_t n; /* 0: everything */
	char types[SSE_FILTER_MAX][SSE_TYPE_MAX];
} pw_sse_filter_t;

/* Parses "a,b,c" (already decoded). -1 when a name is empty, too long or
 * there are too many. */
int sse_filter_parse(const char *list, pw_sse_filter_t *f);
bool sse_filter_match(const pw_sse_filter_t *f, const char *type);

typedef struct pw_sse_config {
	size_t ring_cap;        /* events kept for resume (default 1024) */
	size_t client_max_pending; /* unsent bytes before a client is dropped (default 256 KB) */
	uint64_t heartbeat_ms;  /* default 15000 */
	size_t max_clients;     /* subscribers beyond it get 503 (too_many_subscribers); 0: no cap */
	const pw_log_t *log;
} pw_sse_config_t;

typedef struct pw_sse_stats {
	size_t subscribers;
	uint64_t published, delivered, dropped_clients, dropped_events;
	uint64_t refused_clients; /* turned away at max_clients */
	size_t max_subscribers;   /* max_clients; 0: no cap */
	uint64_t last_id;
	size_t ring_size;
} pw_sse_stats_t;

typedef struct pw_sse_hub pw_sse_hub_t;

/* Returns 0 or a negative libuv error. */
int sse_hub_new(pw_sse_hub_t **out, uv_loop_t *loop, const pw_sse_config_t *cfg);

/*
 * Subscribes the connection of req: writes the stream head, `: connected`,
 * then whatever it missed (Last-Event-ID header, else ?last_event_id=: a
 * page tells the events after the one it was drawn at). Returns HTTP_STREAM, or
 * HTTP_HANDLED with res set to an error (bad filter, closing hub, 503 with
 * Retry-After when max_clients subscribe already: the descriptors left are
 * kept for requests).
 */
int sse_hub_attach(pw_sse_hub_t *h, pw_http_conn_t *c, const pw_http_request_t *req,
		   pw_response_t *res);

/* Queues one event (loop thread); it goes into the ring and out to the
 * subscribers at the end of this turn of the loop, with the others
 * published in it (or at once when SSE_BATCH_MAX are waiting, or when the
 * hub closes). */
void sse_hub_publish(pw_sse_hub_t *h, uint64_t id, const char *type, const char *json);

void sse_hub_stats(const pw_sse_hub_t *h, pw_sse_stats_t *out);

/*
 * Global ids (the bus shared by several instances, srv_bus.h): every
 * instance streams the same events under the same ids, so a client's
 * Last-Event-ID may come from another instance, or from before this one
 * started. Then a resuming client gets exactly the events after its id:
 * from the ring, and — when its id is older than the ring — first the
 * ones before the ring from `history` (which calls emit for each event
 * with after < id < before, in id order; returns 0 or -1); an id newer
 * than this instance's newest means the client was ahead (another
 * instance delivered first): it gets nothing now and no event up to its
 * id later. (In process, ids are this process's own: an unknown id gets
 * the whole ring, as sse_ring_resume says.) Loop thread, before clients
 * attach.
 */
typedef void (*sse_emit_fn)(void *ctx, uint64_t id, const char *type, const char *json);
typedef int (*sse_history_fn)(void *ud, uint64_t after, uint64_t before, sse_emit_fn emit, void *ctx);
void sse_hub_global_ids(pw_sse_hub_t *h, sse_history_fn history, void *ud);
/* Puts an event published before this hub started into the ring (ids
 * increasing, above any published): the newest of the shared log at
 * start, so a client resuming here gets what it missed. Loop thread. */
void sse_hub_seed(pw_sse_hub_t *h, uint64_t id, const char *type, const char *json);

/* Closes every stream and the heartbeat timer; frees the hub in the close
 * callback. */
void sse_hub_close(pw_sse_hub_t *h);

#endif
