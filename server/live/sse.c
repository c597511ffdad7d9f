/*
 * sse.c — ring buffer, filters and the subscriber hub (see sse.h).
 */
#include "server/live/sse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- ring --------------------------------------------------------------- */

int sse_ring_init(pw_sse_ring_t *r, size_t cap)
{
	memset(r, 0, sizeof *r);
	if (cap == 0)
		cap = 1;
	r->ev = calloc(cap, sizeof *r->ev);
	if (!r->ev)
		return -1;
	r->cap = cap;
	return 0;
}

void sse_ring_free(pw_sse_ring_t *r)
{
	if (!r->ev)
		return;
	for (size_t i = 0; i < r->cap; i++)
		rcbuf_unref(r->ev[i].rc);
	free(r->ev);
	memset(r, 0, sizeof *r);
}

static void copy_type(char *dst, const char *type)
{
	size_t o = 0;
	for (const char *p = type; *p && o + 1 < SSE_TYPE_MAX; p++)
		if (*p != '\r' && *p != '\n')
			dst[o++] = *p;
	dst[o] = '\0';
}

void sse_format(pw_buf_t *b, uint64_t id, const char *type, const char *json)
{
	char t[SSE_TYPE_MAX];
	copy_type(t, type);
	buf_printf(b, "id: %llu\nevent: %s\n", (unsigned long long)id, t);
	const char *p = json;
	for (;;) {
		size_t n = strcspn(p, "\r\n");
		buf_puts(b, "data: ");
		buf_append(b, p, n);
		buf_puts(b, "\n");
		p += n;
		if (!*p)
			break;
		if (p[0] == '\r' && p[1] == '\n')
			p++;
		p++;
	}
	buf_puts(b, "\n");
}

/* Stores a formatted event, taking a reference of its own to rc. */
static const pw_sse_event_t *ring_store(pw_sse_ring_t *r, uint64_t id, const char *type, pw_rcbuf_t *rc)
{
	size_t slot;
	if (r->count < r->cap) {
		slot = (r->start + r->count) % r->cap;
		r->count++;
	} else {
		slot = r->start;
		r->start = (r->start + 1) % r->cap;
	}
	pw_sse_event_t *e = &r->ev[slot];
	/* Writes still queued with the old frame keep their own reference. */
	rcbuf_unref(e->rc);
	e->id = id;
	copy_type(e->type, type);
	e->rc = rcbuf_ref(rc);
	e->len = rc->len;
	e->frame = rc->data;
	return e;
}

/* A frame of its own, formatted once; NULL on OOM. */
static pw_rcbuf_t *frame_new(uint64_t id, const char *type, const char *json)
{
	pw_buf_t b = {0};
	sse_format(&b, id, type, json);
	return rcbuf_from_buf(&b);
}

const pw_sse_event_t *sse_ring_push(pw_sse_ring_t *r, uint64_t id, const char *type, const char *json)
{
	pw_rcbuf_t *rc = frame_new(id, type, json);
	if (!rc)
		return NULL;
	const pw_sse_event_t *e = ring_store(r, id, type, rc);
	rcbuf_unref(rc);
	return e;
}

const pw_sse_event_t *sse_ring_at(const pw_sse_ring_t *r, size_t i)
{
	if (i >= r->count)
		return NULL;
	return &r->ev[(r->start + i) % r->cap];
}

size_t sse_ring_resume(const pw_sse_ring_t *r, uint64_t last_id)
{
	if (r->count == 0)
		return 0;
	uint64_t oldest = sse_ring_at(r, 0)->id;
	uint64_t newest = sse_ring_at(r, r->count - 1)->id;
	if (last_id + 1 < oldest || last_id > newest)
		return 0;
	return sse_ring_after(r, last_id);
}

size_t sse_ring_after(const pw_sse_ring_t *r, uint64_t last_id)
{
	/* Ids increase along the ring: binary search for the first > last_id. */
	size_t lo = 0, hi = r->count;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (sse_ring_at(r, mid)->id <= last_id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* ---- filter ------------------------------------------------------------- */

int sse_filter_parse(const char *list, pw_sse_filter_t *f)
{
	memset(f, 0, sizeof *f);
	if (!list || !*list)
		return 0;
	const char *p = list;
	for (;;) {
		size_t n = strcspn(p, ",");
		if (n == 0 || n >= SSE_TYPE_MAX || f->n == SSE_FILTER_MAX)
			return -1;
		for (size_t i = 0; i < n; i++) {
			char ch = p[i];
			if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '.' || ch == '_'))
				return -1;
		}
		memcpy(f->types[f->n], p, n);
		f->types[f->n][n] = '\0';
		f->n++;
		p += n;
		if (!*p)
			return 0;
		p++;
	}
}

bool sse_filter_match(const pw_sse_filter_t *f, const char *type)
{
	if (f->n == 0)
		return true;
	for (size_t i = 0; i < f->n; i++)
		if (!strcmp(f->types[i], type))
			return true;
	return false;
}

/* ---- hub ---------------------------------------------------------------- */

/* Event types a hub tells apart by bit; past this, filters fall back to
 * comparing names (correct, only slower). */
#define SSE_TYPE_BITS 64

typedef struct sse_client {
	struct sse_client *prev, *next;
	pw_sse_hub_t *hub;
	pw_http_conn_t *conn;
	uint64_t mask;           /* bits of the interned types it wants */
	uint64_t after;          /* global ids: nothing up to this id (it has it) */
	pw_sse_filter_t *names;  /* only when some type could not be interned */
} sse_client_t;

/* An event published and not yet sent (nor in the ring). */
typedef struct sse_pending {
	uint64_t id;
	char type[SSE_TYPE_MAX];
	pw_rcbuf_t *rc;
} sse_pending_t;

/* The frames of some events of a batch joined into one block, for every
 * subscriber that wants exactly those. */
typedef struct sse_set {
	uint64_t events; /* a bit per batch index */
	pw_rcbuf_t *rc;
} sse_set_t;

struct pw_sse_hub {
	uv_timer_t heartbeat;
	uv_check_t flusher; /* sends the batch at the end of the loop's turn */
	int open_handles;
	pw_sse_config_t cfg;
	pw_sse_ring_t ring;
	sse_client_t *clients;
	size_t n_clients;
	bool closing;
	uint64_t published, delivered, dropped_clients, dropped_events, last_id;
	uint64_t refused_clients;
	size_t n_types;
	char types[SSE_TYPE_BITS][SSE_TYPE_MAX];
	pw_rcbuf_t *beat;
	sse_pending_t batch[SSE_BATCH_MAX];
	size_t n_batch;
	sse_set_t *sets;
	size_t n_sets, sets_cap;
	/* One fan-out's writes, each tagged with the batch events it carries
	 * (kept for the next fan-out). */
	pw_stream_write_t *out;
	size_t out_cap;
	/* Global ids (sse_hub_global_ids): the log before the ring. */
	bool global_ids;
	sse_history_fn history;
	void *history_ud;
};

/* The bit of an event type, interning it on first sight; -1 when the
 * table is full. Called once per publish and per filter entry, never per
 * client. */
static int type_bit(pw_sse_hub_t *h, const char *type)
{
	for (size_t i = 0; i < h->n_types; i++)
		if (!strcmp(h->types[i], type))
			return (int)i;
	if (h->n_types == SSE_TYPE_BITS || strlen(type) >= SSE_TYPE_MAX)
		return -1;
	strcpy(h->types[h->n_types], type);
	return (int)h->n_types++;
}

/* Whether a client wants an event whose type has bit `bit` (-1: none). */
static bool client_wants(const sse_client_t *cl, int bit, const char *type)
{
	if (cl->names)
		return sse_filter_match(cl->names, type);
	return bit >= 0 ? (cl->mask >> bit) & 1 : cl->mask == UINT64_MAX;
}

static void client_closed(void *ud)
{
	sse_client_t *cl = ud;
	pw_sse_hub_t *h = cl->hub;
	if (cl->prev)
		cl->prev->next = cl->next;
	else
		h->clients = cl->next;
	if (cl->next)
		cl->next->prev = cl->prev;
	h->n_clients--;
	free(cl->names);
	free(cl);
}

/* Drops a subscriber that is too far behind (or could not be written):
 * it reconnects and resumes from the ring. Its sse_client_t is freed. */
static void drop_client(pw_sse_hub_t *h, pw_http_conn_t *conn, uint64_t events)
{
	h->dropped_clients++;
	h->dropped_events += events;
	if (h->cfg.log)
		log_event(h->cfg.log, PW_LOG_INFO, "sse.drop", "a slow subscriber was dropped");
	http_conn_close(conn); /* runs client_closed */
}

/* After a write: more than client_max_pending bytes the socket has not
 * taken means the subscriber reads too slowly. */
static bool too_far_behind(const pw_sse_hub_t *h, const pw_http_conn_t *conn)
{
	return http_conn_pending(conn) > h->cfg.client_max_pending;
}

/* Writes one event to one client, dropping it when it is too far behind. */
static bool client_write(pw_sse_hub_t *h, sse_client_t *cl, pw_rcbuf_t *rc)
{
	if (http_conn_stream_write_rc(cl->conn, rc) < 0 || too_far_behind(h, cl->conn)) {
		drop_client(h, cl->conn, 1);
		return false;
	}
	return true;
}

/* Room in out for n writes; false on OOM (what was there stays). */
static bool out_reserve(pw_sse_hub_t *h, size_t n)
{
	if (n <= h->out_cap)
		return true;
	size_t cap = n > 2 * h->out_cap ? n : 2 * h->out_cap;
	pw_stream_write_t *o = realloc(h->out, cap * sizeof *o);
	if (!o)
		return false;
	h->out = o;
	h->out_cap = cap;
	return true;
}

/* Writes out[0..n) in one batch (spread over the server's writers), then
 * counts what was delivered and drops whoever could not take its block. */
static void write_out(pw_sse_hub_t *h, size_t n)
{
	http_stream_write_batch(h->out, n);
	for (size_t i = 0; i < n; i++) {
		uint64_t events = (uint64_t)__builtin_popcountll(h->out[i].tag);
		if (h->out[i].status < 0 || too_far_behind(h, h->out[i].conn))
			drop_client(h, h->out[i].conn, events);
		else
			h->delivered += events;
	}
}

static void on_heartbeat(uv_timer_t *t)
{
	pw_sse_hub_t *h = t->data;
	if (!out_reserve(h, h->n_clients)) {
		for (sse_client_t *cl = h->clients, *next; cl; cl = next) {
			next = cl->next;
			client_write(h, cl, h->beat);
		}
		return;
	}
	size_t n = 0;
	for (sse_client_t *cl = h->clients; cl; cl = cl->next) {
		/* A comment, not an event: tagged with none. */
		h->out[n++] = (pw_stream_write_t){.conn = cl->conn, .rc = h->beat};
	}
	write_out(h, n);
}

/*
 * The block for the batch's events in `events`: an event's own frame when
 * it is one, else their frames joined, once per distinct set in a batch
 * (most subscribers want the same ones). NULL on OOM.
 */
static pw_rcbuf_t *batch_block(pw_sse_hub_t *h, uint64_t events)
{
	if (!(events & (events - 1)))
		return h->batch[__builtin_ctzll(events)].rc;
	for (size_t i = 0; i < h->n_sets; i++)
		if (h->sets[i].events == events)
			return h->sets[i].rc;
	if (h->n_sets == h->sets_cap) {
		size_t cap = h->sets_cap ? 2 * h->sets_cap : 8;
		sse_set_t *sets = realloc(h->sets, cap * sizeof *sets);
		if (!sets)
			return NULL;
		h->sets = sets;
		h->sets_cap = cap;
	}
	pw_buf_t b = {0};
	for (uint64_t e = events; e; e &= e - 1) {
		const pw_rcbuf_t *rc = h->batch[__builtin_ctzll(e)].rc;
		buf_append(&b, rc->data, rc->len);
	}
	pw_rcbuf_t *rc = rcbuf_from_buf(&b);
	if (rc)
		h->sets[h->n_sets++] = (sse_set_t){.events = events, .rc = rc};
	return rc;
}

/*
 * Sends the batch: each event goes into the ring, and each subscriber gets
 * the events it wants in one block — one write, whether the turn of the
 * loop published one event or several (a tick's results arrive together)
 * — all the subscribers' writes in one batch over the server's writers.
 */
static void hub_flush(pw_sse_hub_t *h)
{
	uv_check_stop(&h->flusher);
	size_t m = h->n_batch;
	if (m == 0)
		return;
	uint64_t t0 = uv_hrtime();
	int bits[SSE_BATCH_MAX];
	for (size_t k = 0; k < m; k++) {
		const sse_pending_t *p = &h->batch[k];
		ring_store(&h->ring, p->id, p->type, p->rc);
		bits[k] = type_bit(h, p->type);
		h->published++;
		h->last_id = p->id;
	}
	if (out_reserve(h, h->n_clients)) {
		size_t n = 0;
		for (sse_client_t *cl = h->clients, *next; cl; cl = next) {
			next = cl->next;
			uint64_t want = 0;
			for (size_t k = 0; k < m; k++)
				if (h->batch[k].id > cl->after && client_wants(cl, bits[k], h->batch[k].type))
					want |= UINT64_C(1) << k;
			if (!want)
				continue;
			pw_rcbuf_t *rc = batch_block(h, want);
			if (!rc) {
				drop_client(h, cl->conn, (uint64_t)__builtin_popcountll(want));
				continue;
			}
			h->out[n++] = (pw_stream_write_t){.conn = cl->conn, .rc = rc, .tag = want};
		}
		write_out(h, n);
	} else {
		/* No memory for a batch: one write per event and subscriber. */
		for (sse_client_t *cl = h->clients, *next; cl; cl = next) {
			next = cl->next;
			for (size_t k = 0; k < m; k++) {
				if (h->batch[k].id <= cl->after || !client_wants(cl, bits[k], h->batch[k].type))
					continue;
				if (!client_write(h, cl, h->batch[k].rc))
					break;
				h->delivered++;
			}
		}
	}
	/* Queued writes hold their own references to what they send. */
	for (size_t i = 0; i < h->n_sets; i++)
		rcbuf_unref(h->sets[i].rc);
	h->n_sets = 0;
	for (size_t k = 0; k < m; k++)
		rcbuf_unref(h->batch[k].rc);
	h->n_batch = 0;
	if (h->cfg.log && h->n_clients > 0)
		log_event(h->cfg.log, PW_LOG_DEBUG, "sse.fanout", "id=%llu events=%zu subscribers=%zu us=%llu",
			  (unsigned long long)h->last_id, m, h->n_clients,
			  (unsigned long long)((uv_hrtime() - t0) / 1000));
}

static void on_flush(uv_check_t *c)
{
	hub_flush(c->data);
}

int sse_hub_new(pw_sse_hub_t **out, uv_loop_t *loop, const pw_sse_config_t *cfg)
{
	*out = NULL;
	pw_sse_hub_t *h = calloc(1, sizeof *h);
	if (!h)
		return UV_ENOMEM;
	h->cfg = *cfg;
	if (!h->cfg.ring_cap)
		h->cfg.ring_cap = 1024;
	if (!h->cfg.client_max_pending)
		h->cfg.client_max_pending = 256 * 1024;
	if (!h->cfg.heartbeat_ms)
		h->cfg.heartbeat_ms = 15000;
	static const char beat[] = ": heartbeat\n\n";
	h->beat = rcbuf_new(beat, sizeof beat - 1);
	if (!h->beat || sse_ring_init(&h->ring, h->cfg.ring_cap) < 0) {
		rcbuf_unref(h->beat);
		free(h);
		return UV_ENOMEM;
	}
	uv_timer_init(loop, &h->heartbeat);
	h->heartbeat.data = h;
	uv_timer_start(&h->heartbeat, on_heartbeat, h->cfg.heartbeat_ms, h->cfg.heartbeat_ms);
	/* The heartbeat must not keep a loop alive that has nothing else to do. */
	uv_unref((uv_handle_t *)&h->heartbeat);
	/* The flusher runs only while a batch waits (and keeps the loop
	 * turning until it is sent). */
	uv_check_init(loop, &h->flusher);
	h->flusher.data = h;
	h->open_handles = 2;
	*out = h;
	return 0;
}

/* One event from the log before the ring, for a resuming client. */
typedef struct history_ctx {
	pw_sse_hub_t *h;
	sse_client_t *cl;
	bool gone; /* the client was dropped: write nothing more */
} history_ctx_t;

static void history_emit(void *ud, uint64_t id, const char *type, const char *json)
{
	history_ctx_t *x = ud;
	if (x->gone || id <= x->cl->after || !client_wants(x->cl, type_bit(x->h, type), type))
		return;
	pw_rcbuf_t *rc = frame_new(id, type, json);
	if (!rc || !client_write(x->h, x->cl, rc))
		x->gone = true;
	rcbuf_unref(rc);
}

/* A client resuming after `last` with global ids (sse_hub_global_ids):
 * what the log holds before the ring, then the ring after last; and
 * nothing up to last from the batches to come. */
static int resume_global(pw_sse_hub_t *h, sse_client_t *cl, uint64_t last)
{
	cl->after = last;
	if (h->ring.count > 0) {
		uint64_t oldest = sse_ring_at(&h->ring, 0)->id;
		if (last + 1 < oldest && h->history) {
			history_ctx_t x = {.h = h, .cl = cl};
			if (h->history(h->history_ud, last, oldest, history_emit, &x) < 0 && !x.gone) {
				/* The log could not be read: the client cannot get what
				 * it missed here; closing makes it try again. */
				if (h->cfg.log)
					log_event(h->cfg.log, PW_LOG_WARN, "sse.resume_failed",
						  "the events after %llu could not be read", (unsigned long long)last);
				http_conn_close(cl->conn);
				return HTTP_STREAM;
			}
			if (x.gone)
				return HTTP_STREAM;
		}
	}
	for (size_t i = sse_ring_after(&h->ring, last); i < h->ring.count; i++) {
		const pw_sse_event_t *e = sse_ring_at(&h->ring, i);
		if (client_wants(cl, type_bit(h, e->type), e->type) && !client_write(h, cl, e->rc))
			break;
	}
	return HTTP_STREAM;
}

void sse_hub_global_ids(pw_sse_hub_t *h, sse_history_fn history, void *ud)
{
	h->global_ids = true;
	h->history = history;
	h->history_ud = ud;
}

void sse_hub_seed(pw_sse_hub_t *h, uint64_t id, const char *type, const char *json)
{
	if (h->ring.count && id <= sse_ring_at(&h->ring, h->ring.count - 1)->id)
		return; /* ids must increase along the ring */
	if (sse_ring_push(&h->ring, id, type, json))
		h->last_id = id;
}

int sse_hub_attach(pw_sse_hub_t *h, pw_http_conn_t *c, const pw_http_request_t *req,
		   pw_response_t *res)
{
	if (h->closing) {
		resp_error(res, 503, "shutting_down", "The server is shutting down; reconnect shortly.");
		return HTTP_HANDLED;
	}
	if (h->cfg.max_clients && h->n_clients >= h->cfg.max_clients) {
		h->refused_clients++;
		resp_error(res, 503, "too_many_subscribers",
			   "The server holds as many live streams as it can; reconnect shortly.");
		resp_header(res, "Retry-After", "10");
		return HTTP_HANDLED;
	}
	char list[SSE_FILTER_MAX * SSE_TYPE_MAX + 32];
	sse_client_t *cl = calloc(1, sizeof *cl);
	if (!cl) {
		resp_error(res, 503, "out_of_memory", "The server cannot take another subscriber now.");
		return HTTP_HANDLED;
	}
	long n = http_query_param(req->query, "event_type", list, sizeof list);
	pw_sse_filter_t f = {0};
	if (n == -2 || (n >= 0 && sse_filter_parse(list, &f) < 0)) {
		free(cl);
		resp_error(res, 400, "invalid_event_type",
			   "event_type must be a comma-separated list of at most %d event types.", SSE_FILTER_MAX);
		return HTTP_HANDLED;
	}
	/* Where to resume: the Last-Event-ID a reconnecting EventSource sends,
	 * else ?last_event_id= — a page drawn at event N asks for what came
	 * after it on its first connection, which cannot carry the header. */
	uint64_t last = 0;
	bool resume = false;
	char qid[24];
	const pw_str_t *lei = http_header(req, "last-event-id");
	pw_str_t from_query = {qid, 0};
	if (!lei) {
		long qn = http_query_param(req->query, "last_event_id", qid, sizeof qid);
		if (qn > 0) {
			from_query.n = (size_t)qn;
			lei = &from_query;
		}
	}
	if (lei && lei->n > 0 && lei->n <= 20) {
		resume = true;
		for (size_t i = 0; i < lei->n; i++) {
			if (lei->p[i] < '0' || lei->p[i] > '9') {
				resume = false;
				break;
			}
			last = last * 10 + (uint64_t)(lei->p[i] - '0');
		}
	}
	static const char head[] =
		"HTTP/1.1 200 OK\r\n"
		"Content-Type: text/event-stream\r\n"
		"Cache-Control: no-cache\r\n"
		"X-Accel-Buffering: no\r\n"
		"X-Content-Type-Options: nosniff\r\n"
		"Connection: keep-alive\r\n"
		"\r\n"
		": connected\n\n"
		"retry: 3000\n\n";
	/* Pre-parse the filter into bits once, so publishing never compares
	 * names per client. */
	cl->mask = f.n ? 0 : UINT64_MAX;
	for (size_t i = 0; i < f.n; i++) {
		int bit = type_bit(h, f.types[i]);
		if (bit < 0) {
			cl->names = malloc(sizeof *cl->names);
			if (!cl->names) {
				free(cl);
				resp_error(res, 503, "out_of_memory", "The server cannot take another subscriber now.");
				return HTTP_HANDLED;
			}
			*cl->names = f;
			break;
		}
		cl->mask |= UINT64_C(1) << bit;
	}
	cl->hub = h;
	cl->conn = c;
	if (http_conn_stream_begin(c, head, sizeof head - 1, client_closed, cl) < 0) {
		free(cl->names);
		free(cl);
		resp_error(res, 500, "stream_failed", "The stream could not be opened.");
		return HTTP_HANDLED;
	}
	cl->next = h->clients;
	if (h->clients)
		h->clients->prev = cl;
	h->clients = cl;
	h->n_clients++;
	/* The ring holds what was sent; what is still in the batch reaches
	 * this client with everyone else's when the batch goes out. */
	if (resume && h->global_ids)
		return resume_global(h, cl, last);
	if (resume) {
		for (size_t i = sse_ring_resume(&h->ring, last); i < h->ring.count; i++) {
			const pw_sse_event_t *e = sse_ring_at(&h->ring, i);
			if (client_wants(cl, type_bit(h, e->type), e->type) && !client_write(h, cl, e->rc))
				break;
		}
	}
	return HTTP_STREAM;
}

void sse_hub_publish(pw_sse_hub_t *h, uint64_t id, const char *type, const char *json)
{
	if (h->closing)
		return;
	if (h->n_batch == SSE_BATCH_MAX)
		hub_flush(h);
	pw_rcbuf_t *rc = frame_new(id, type, json);
	if (!rc)
		return; /* lost, as any event the server has no memory for */
	sse_pending_t *p = &h->batch[h->n_batch++];
	p->id = id;
	copy_type(p->type, type);
	p->rc = rc;
	uv_check_start(&h->flusher, on_flush);
}

void sse_hub_stats(const pw_sse_hub_t *h, pw_sse_stats_t *out)
{
	out->subscribers = h->n_clients;
	out->published = h->published;
	out->delivered = h->delivered;
	out->dropped_clients = h->dropped_clients;
	out->refused_clients = h->refused_clients;
	out->max_subscribers = h->cfg.max_clients;
	out->dropped_events = h->dropped_events;
	out->last_id = h->last_id;
	out->ring_size = h->ring.count;
}

static void on_hub_closed(uv_handle_t *t)
{
	pw_sse_hub_t *h = t->data;
	if (--h->open_handles > 0)
		return;
	sse_ring_free(&h->ring);
	rcbuf_unref(h->beat);
	free(h->sets);
	free(h->out);
	free(h);
}

void sse_hub_close(pw_sse_hub_t *h)
{
	if (h->closing)
		return;
	hub_flush(h); /* what was published goes out before the streams end */
	h->closing = true;
	while (h->clients)
		http_conn_close(h->clients->conn); /* unlinks it */
	uv_close((uv_handle_t *)&h->heartbeat, on_hub_closed);
	uv_close((uv_handle_t *)&h->flusher, on_hub_closed);
}
