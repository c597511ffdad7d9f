/*
 * http_server.c — connections, timeouts, the connection cap and ordered
 * writes on libuv (see http_server.h).
 *
 * libuv habits kept here: memory of a connection is freed only after both
 * of its handles' close callbacks ran; a function that fails returns an
 * error and calls no callback.
 */
#include "server/http/http_server.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "server/http/fanout.h"

/* How long a closing connection keeps reading (and discarding) so that a
 * client still sending gets our answer instead of a reset. */
#define LINGER_MS 2000
#define READ_SLAB (64 * 1024)
/* Input every connection may hold whatever the budgets: a whole ordinary
 * request, so /health and votes are served when big ones are refused. */
#define IN_BASE 4096
/* Buckets of the client-address table (a power of two). */
#define ADDR_BUCKETS 4096
/* IN_BASE buffers kept for reuse: a keep-alive connection frees its input
 * after each request, and the next request (its own or another's) takes a
 * kept one instead of calling malloc. */
#define SPARE_INPUTS 64
/* Writers of a stream batch take sockets this many at a time: a chunk is
 * a fraction of a millisecond of system calls, so no writer waits long
 * for another's last chunk. */
#define BATCH_GRAIN 64
/* Writer threads at most (the loop's included). */
#define MAX_WRITERS 4

/* One client address (IPv4, or an IPv6 /64: one subscriber's network) and
 * what its connections hold. Lives while it has connections. */
typedef struct addr_entry {
	unsigned char key[16];
	size_t conns;
	size_t input;
	struct addr_entry *next;
} addr_entry_t;

enum conn_state {
	CS_READING, /* waiting for (the rest of) a request */
	CS_BUSY,    /* a handler owns the current request */
	CS_STREAM,  /* raw stream (SSE) */
	CS_LINGER,  /* last answer queued; shutting down */
	CS_CLOSING, /* handles closing */
};

enum timer_mode { TM_NONE, TM_IDLE, TM_REQUEST, TM_LINGER };

struct pw_http_conn {
	uv_tcp_t tcp;
	uv_timer_t timer;
	pw_http_server_t *srv;
	pw_http_conn_t *prev, *next;
	pw_buf_t in;
	pw_http_scan_t scan;
	enum conn_state state;
	enum timer_mode tmode;
	int open_handles;
	bool reading;
	bool sent_continue;
	bool keep_alive;
	bool is_head;
	bool wait_drain;
	bool in_process;
	size_t pending_consume;
	uint64_t req_start;
	char method[HTTP_MAX_METHOD + 1];
	char path[96];
	bool peer_eof;       /* the client half-closed while its answer was due */
	bool idle;           /* in the server's idle list */
	size_t want;         /* bytes of the current request once its head is in */
	addr_entry_t *addr;
	pw_http_conn_t *idle_prev, *idle_next;
	void (*on_stream_close)(void *ud);
	void *stream_ud;
	void (*on_defer_close)(void *ud); /* a deferred answer is due (CS_BUSY) */
	void *defer_ud;
	uv_shutdown_t shutdown;
};

struct pw_http_server {
	uv_loop_t *loop;
	uv_tcp_t listener;
	pw_http_config_t cfg;
	bool listening;
	bool closing;
	bool loopback;
	int port;
	pw_http_conn_t *conns;
	size_t n_conns;
	size_t n_closing;
	/* Connections waiting for a request, oldest first: the first closed
	 * when a new one arrives at the cap. */
	pw_http_conn_t *idle_head, *idle_tail;
	size_t input; /* bytes held by every connection's input */
	uint64_t evicted, refused;
	addr_entry_t *addrs[ADDR_BUCKETS];
	size_t n_addrs;
	char *spare[SPARE_INPUTS];
	size_t n_spare;
	pw_fanout_t *writers;      /* helpers of the stream batches; NULL: the loop alone */
	struct direct_write *direct; /* a batch's sockets written directly (kept for the next) */
	size_t direct_cap;
	int open_handles; /* listener */
	void (*done)(void *ud);
	void *done_ud;
	time_t date_sec;
	char date[40];
	size_t date_len;
	char slab[READ_SLAB];
};

/* A queued write: either its own copy of the bytes (data) or a reference
 * to a shared block (rc), whose bytes stay put until the last write that
 * uses them completes. */
typedef struct write_req {
	uv_write_t req;
	pw_http_conn_t *c;
	pw_rcbuf_t *rc;
	size_t len;
	char data[];
} write_req_t;

static void conn_process(pw_http_conn_t *c);
static void send_response(pw_http_conn_t *c, pw_response_t *res);
static void conn_close(pw_http_conn_t *c);
static void resume_reading(pw_http_conn_t *c);
static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf);
static void on_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *buf);

/* ---- helpers ---------------------------------------------------------- */

static void maybe_finish_server(pw_http_server_t *s)
{
	if (s->closing && s->n_conns == 0 && s->open_handles == 0) {
		while (s->n_spare)
			free(s->spare[--s->n_spare]);
		fanout_free(s->writers);
		free(s->direct);
		void (*done)(void *) = s->done;
		void *ud = s->done_ud;
		free(s);
		if (done)
			done(ud);
	}
}

static void timer_set(pw_http_conn_t *c, enum timer_mode m, uint64_t ms);

static void on_timer(uv_timer_t *t)
{
	pw_http_conn_t *c = t->data;
	enum timer_mode m = c->tmode;
	c->tmode = TM_NONE;
	if (m == TM_REQUEST && c->state == CS_READING) {
		/* A slow or stalled client: answer 408, then close. */
		pw_response_t res;
		resp_init(&res);
		resp_error(&res, 408, "request_timeout", "The request did not arrive in time.");
		res.close = true;
		c->state = CS_BUSY;
		send_response(c, &res);
		return;
	}
	conn_close(c);
}

static void timer_set(pw_http_conn_t *c, enum timer_mode m, uint64_t ms)
{
	if (c->state == CS_CLOSING)
		return;
	c->tmode = m;
	if (m == TM_NONE || ms == 0)
		uv_timer_stop(&c->timer);
	else
		uv_timer_start(&c->timer, on_timer, ms, 0);
}

/* ---- idle list, client addresses, input memory ------------------------- */

static void idle_leave(pw_http_conn_t *c)
{
	if (!c->idle)
		return;
	pw_http_server_t *s = c->srv;
	if (c->idle_prev)
		c->idle_prev->idle_next = c->idle_next;
	else
		s->idle_head = c->idle_next;
	if (c->idle_next)
		c->idle_next->idle_prev = c->idle_prev;
	else
		s->idle_tail = c->idle_prev;
	c->idle_prev = c->idle_next = NULL;
	c->idle = false;
}

static void idle_enter(pw_http_conn_t *c)
{
	if (c->idle)
		return;
	pw_http_server_t *s = c->srv;
	c->idle = true;
	c->idle_prev = s->idle_tail;
	c->idle_next = NULL;
	if (s->idle_tail)
		s->idle_tail->idle_next = c;
	else
		s->idle_head = c;
	s->idle_tail = c;
}

/* The table key of a peer: IPv4 as an IPv4-mapped address, IPv6 cut to its
 * /64 (one host usually holds a whole /64). */
static void addr_key(const struct sockaddr_storage *sa, unsigned char key[16])
{
	memset(key, 0, 16);
	if (sa->ss_family == AF_INET) {
		key[10] = key[11] = 0xff;
		memcpy(key + 12, &((const struct sockaddr_in *)sa)->sin_addr, 4);
	} else if (sa->ss_family == AF_INET6) {
		const unsigned char *a = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
		static const unsigned char mapped[12] = {[10] = 0xff, [11] = 0xff};
		memcpy(key, a, memcmp(a, mapped, 12) ? 8 : 16);
	}
}

static size_t addr_bucket(const unsigned char key[16])
{
	uint32_t h = 2166136261u; /* FNV-1a */
	for (int i = 0; i < 16; i++)
		h = (h ^ key[i]) * 16777619u;
	return h & (ADDR_BUCKETS - 1);
}

/* The entry of key, created when missing; NULL on OOM. */
static addr_entry_t *addr_get(pw_http_server_t *s, const unsigned char key[16])
{
	size_t b = addr_bucket(key);
	for (addr_entry_t *e = s->addrs[b]; e; e = e->next)
		if (!memcmp(e->key, key, 16))
			return e;
	addr_entry_t *e = calloc(1, sizeof *e);
	if (!e)
		return NULL;
	memcpy(e->key, key, 16);
	e->next = s->addrs[b];
	s->addrs[b] = e;
	s->n_addrs++;
	return e;
}

static void addr_put(pw_http_server_t *s, addr_entry_t *e)
{
	if (!e || --e->conns > 0)
		return;
	addr_entry_t **p = &s->addrs[addr_bucket(e->key)];
	while (*p != e)
		p = &(*p)->next;
	*p = e->next;
	s->n_addrs--;
	free(e);
}

/* Moves c's input capacity to cap (never below what it holds), charging
 * the difference to the server and the address. */
static void in_charge(pw_http_conn_t *c, size_t cap)
{
	pw_http_server_t *s = c->srv;
	s->input = s->input - c->in.cap + cap;
	if (c->addr)
		c->addr->input = c->addr->input - c->in.cap + cap;
	c->in.cap = cap;
}

enum { IN_OK = 0, IN_SERVER_FULL = -1, IN_ADDR_FULL = -2, IN_NOMEM = -3 };

/*
 * Makes c's input able to hold cap bytes (the data and its NUL). Past
 * IN_BASE, the growth must fit the server's and the address's budgets.
 */
static int in_reserve(pw_http_conn_t *c, size_t cap)
{
	pw_http_server_t *s = c->srv;
	if (cap <= c->in.cap)
		return IN_OK;
	size_t more = cap - c->in.cap;
	if (cap > IN_BASE) {
		if (s->input + more > s->cfg.max_input)
			return IN_SERVER_FULL;
		if (c->addr && c->addr->input + more > s->cfg.max_input_per_addr)
			return IN_ADDR_FULL;
	}
	char *d;
	if (!c->in.data && cap == IN_BASE && s->n_spare)
		d = s->spare[--s->n_spare];
	else if (!(d = realloc(c->in.data, cap)))
		return IN_NOMEM;
	c->in.data = d;
	in_charge(c, cap);
	return IN_OK;
}

/* Frees the input of a connection that holds none (an idle one); a buffer
 * of IN_BASE bytes is kept for the next request. */
static void in_release(pw_http_conn_t *c)
{
	pw_http_server_t *s = c->srv;
	if (c->in.len || !c->in.data)
		return;
	if (c->in.cap == IN_BASE && s->n_spare < SPARE_INPUTS)
		s->spare[s->n_spare++] = c->in.data;
	else
		free(c->in.data);
	c->in.data = NULL;
	in_charge(c, 0);
}

/*
 * Appends what was read: the input grows as far as the request needs —
 * doubling while the head comes in (up to HTTP_MAX_HEAD), then to exactly
 * the head and declared body (c->want) — and no further than the budgets.
 */
static int in_append(pw_http_conn_t *c, const char *p, size_t n)
{
	size_t need = c->in.len + n + 1;
	size_t cap = need;
	if (c->want + 1 > cap)
		cap = c->want + 1;
	else if (!c->want && c->in.cap * 2 > cap)
		cap = c->in.cap * 2 < HTTP_MAX_HEAD + 1 ? c->in.cap * 2 : HTTP_MAX_HEAD + 1;
	if (cap < need)
		cap = need;
	if (cap < IN_BASE && need <= IN_BASE)
		cap = IN_BASE;
	int r = in_reserve(c, cap);
	if (r < 0)
		return r;
	memcpy(c->in.data + c->in.len, p, n);
	c->in.len += n;
	c->in.data[c->in.len] = '\0';
	return IN_OK;
}

static void conn_free(pw_http_conn_t *c)
{
	pw_http_server_t *s = c->srv;
	if (c->prev)
		c->prev->next = c->next;
	else
		s->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	s->n_conns--;
	s->n_closing--;
	idle_leave(c);
	c->in.len = 0;
	in_release(c);
	addr_put(s, c->addr);
	free(c);
	maybe_finish_server(s);
}

static void on_handle_closed(uv_handle_t *h)
{
	pw_http_conn_t *c = h->data;
	if (--c->open_handles > 0)
		return;
	conn_free(c);
}

size_t http_conn_pending(const pw_http_conn_t *c)
{
	return uv_stream_get_write_queue_size((const uv_stream_t *)&c->tcp);
}

static void conn_close(pw_http_conn_t *c)
{
	if (c->state == CS_CLOSING)
		return;
	enum conn_state was = c->state;
	c->state = CS_CLOSING;
	c->srv->n_closing++;
	idle_leave(c);
	uv_timer_stop(&c->timer);
	if (was == CS_STREAM && c->on_stream_close) {
		void (*cb)(void *) = c->on_stream_close;
		c->on_stream_close = NULL;
		cb(c->stream_ud);
	}
	if (was == CS_BUSY && c->on_defer_close) {
		void (*cb)(void *) = c->on_defer_close;
		c->on_defer_close = NULL;
		cb(c->defer_ud);
	}
	uv_close((uv_handle_t *)&c->timer, on_handle_closed);
	uv_close((uv_handle_t *)&c->tcp, on_handle_closed);
}

static void on_write(uv_write_t *req, int status)
{
	write_req_t *w = (write_req_t *)req;
	pw_http_conn_t *c = w->c;
	rcbuf_unref(w->rc);
	free(w);
	if (status < 0) {
		conn_close(c);
		return;
	}
	if (c->wait_drain && c->state == CS_READING &&
	    uv_stream_get_write_queue_size((uv_stream_t *)&c->tcp) <= c->srv->cfg.max_write_queue / 2) {
		c->wait_drain = false;
		timer_set(c, TM_NONE, 0); /* conn_process arms the right one */
		conn_process(c);
	}
}

/*
 * Writes bufs in order: straight to the socket when it takes them, the rest
 * copied into one queued write. Returns 0 or -1 (the caller closes).
 */
static int conn_write(pw_http_conn_t *c, uv_buf_t *bufs, unsigned nbufs)
{
	size_t total = 0;
	for (unsigned i = 0; i < nbufs; i++)
		total += bufs[i].len;
	int n = uv_try_write((uv_stream_t *)&c->tcp, bufs, nbufs);
	size_t done = 0;
	if (n > 0)
		done = (size_t)n;
	else if (n < 0 && n != UV_EAGAIN)
		return -1;
	if (done == total)
		return 0;
	write_req_t *w = malloc(sizeof *w + (total - done));
	if (!w)
		return -1;
	w->c = c;
	w->rc = NULL;
	w->len = total - done;
	size_t skip = done, o = 0;
	for (unsigned i = 0; i < nbufs; i++) {
		if (skip >= bufs[i].len) {
			skip -= bufs[i].len;
			continue;
		}
		memcpy(w->data + o, bufs[i].base + skip, bufs[i].len - skip);
		o += bufs[i].len - skip;
		skip = 0;
	}
	uv_buf_t b = uv_buf_init(w->data, (unsigned)w->len);
	if (uv_write(&w->req, (uv_stream_t *)&c->tcp, &b, 1, on_write) < 0) {
		free(w);
		return -1;
	}
	return 0;
}

static const char *http_date(pw_http_server_t *s)
{
	time_t now = time(NULL);
	if (now != s->date_sec) {
		struct tm tm;
		gmtime_r(&now, &tm);
		s->date_len = strftime(s->date, sizeof s->date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
		s->date_sec = now;
	}
	return s->date;
}

static void on_shutdown(uv_shutdown_t *req, int status)
{
	pw_http_conn_t *c = req->data;
	if (status < 0 || c->state != CS_LINGER || c->peer_eof) {
		conn_close(c);
		return;
	}
	timer_set(c, TM_LINGER, LINGER_MS);
}

/* After the last answer: FIN once written, keep reading a little, close. */
static void conn_linger(pw_http_conn_t *c)
{
	c->state = CS_LINGER;
	uv_timer_stop(&c->timer);
	if (!c->reading && !c->peer_eof && uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) == 0)
		c->reading = true;
	c->shutdown.data = c;
	if (uv_shutdown(&c->shutdown, (uv_stream_t *)&c->tcp, on_shutdown) < 0)
		conn_close(c);
}

/* ---- answering ---------------------------------------------------------- */

/* A response head being built in a fixed buffer; `over` once something
 * did not fit. */
typedef struct head_buf {
	char *p;
	size_t n, cap;
	bool over;
} head_buf_t;

static void head_put(head_buf_t *h, const char *s, size_t n)
{
	if (n > h->cap - h->n) {
		h->over = true;
		return;
	}
	memcpy(h->p + h->n, s, n);
	h->n += n;
}

static void head_puts(head_buf_t *h, const char *s)
{
	head_put(h, s, strlen(s));
}

/* A string literal, its length known when compiling. */
#define HEAD_LIT(h, lit) head_put((h), (lit), sizeof(lit) - 1)

static void head_num(head_buf_t *h, size_t v)
{
	char digits[24];
	size_t i = sizeof digits;
	do {
		digits[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	head_put(h, digits + i, sizeof digits - i);
}

/*
 * The status line and the server's headers. Built by hand rather than
 * with snprintf, which cost a fifth of a keep-alive request's instructions.
 */
static bool format_head(head_buf_t *h, pw_http_server_t *s, const pw_response_t *res, bool close)
{
	HEAD_LIT(h, "HTTP/1.1 ");
	head_num(h, (size_t)res->status);
	head_put(h, " ", 1);
	head_puts(h, http_reason(res->status));
	HEAD_LIT(h, "\r\nContent-Type: ");
	head_puts(h, res->content_type ? res->content_type : PW_CT_TEXT);
	HEAD_LIT(h, "\r\nContent-Length: ");
	head_num(h, res->body.len);
	HEAD_LIT(h, "\r\nDate: ");
	const char *date = http_date(s);
	head_put(h, date, s->date_len);
	HEAD_LIT(h, "\r\nX-Content-Type-Options: nosniff\r\n");
	if (close)
		HEAD_LIT(h, "Connection: close\r\n");
	return !h->over;
}

static void send_response(pw_http_conn_t *c, pw_response_t *res)
{
	pw_http_server_t *s = c->srv;
	if (res->status == 0)
		resp_error(res, 500, "no_answer", "The handler produced no answer.");
	if (res->body.oom || res->headers.oom) {
		bool close = res->close;
		resp_reset(res);
		res->close = close;
		resp_error(res, 500, "out_of_memory", "The server ran out of memory building the answer.");
	}
	bool close = res->close || !c->keep_alive || c->peer_eof || s->closing || !s->listening;
	char head[1024];
	head_buf_t hb = {.p = head, .cap = sizeof head};
	/* Head, extra headers, the blank line and the body (none for HEAD)
	 * go out in one writev; only what the socket does not take is copied. */
	uv_buf_t bufs[4];
	unsigned nb = 0;
	bool ok = format_head(&hb, s, res, close);
	bufs[nb++] = uv_buf_init(head, (unsigned)hb.n);
	if (res->headers.len)
		bufs[nb++] = uv_buf_init(res->headers.data, (unsigned)res->headers.len);
	bufs[nb++] = uv_buf_init((char *)"\r\n", 2);
	if (!c->is_head && res->body.len)
		bufs[nb++] = uv_buf_init(res->body.data, (unsigned)res->body.len);

	if (s->cfg.log && s->cfg.log->level <= PW_LOG_DEBUG)
		log_event(s->cfg.log, PW_LOG_DEBUG, "http.request", "%s %s %d %.1fms", c->method, c->path,
			  res->status, (double)(uv_hrtime() - c->req_start) / 1e6);

	int wr = ok ? conn_write(c, bufs, nb) : -1;
	resp_free(res);
	if (wr < 0) {
		conn_close(c);
		return;
	}
	buf_consume(&c->in, c->pending_consume);
	c->pending_consume = 0;
	c->want = 0;
	in_release(c);
	c->scan = (pw_http_scan_t){0};
	c->sent_continue = false;
	if (close) {
		conn_linger(c);
		return;
	}
	c->state = CS_READING;
	if (!c->in_process)
		conn_process(c);
}

/* Answers an error for the request being read (its framing is unknown or
 * it is refused) and closes the connection after it. */
static void send_refusal(pw_http_conn_t *c, int status, const char *code, const char *message,
			 const char *retry_after)
{
	pw_response_t res;
	resp_init(&res);
	resp_error(&res, status, code, "%s", message);
	if (retry_after)
		resp_header(&res, "Retry-After", retry_after);
	res.close = true;
	c->state = CS_BUSY;
	c->pending_consume = c->in.len;
	snprintf(c->method, sizeof c->method, "-");
	snprintf(c->path, sizeof c->path, "(refused)");
	c->req_start = uv_hrtime();
	send_response(c, &res);
}

static void send_parse_error(pw_http_conn_t *c, const pw_http_error_t *err)
{
	send_refusal(c, err->status, err->code, err->message, NULL);
}

/* Refuses the request whose input would not fit (in_reserve's r). */
static void send_input_refusal(pw_http_conn_t *c, int r)
{
	c->srv->refused++;
	if (r == IN_ADDR_FULL)
		send_refusal(c, 429, "too_much_pending_input",
			     "Your address has too many unfinished requests; finish or close them first.", "5");
	else if (r == IN_SERVER_FULL)
		send_refusal(c, 503, "server_busy",
			     "The server holds as many unfinished requests as it can; try again shortly.", "5");
	else
		conn_close(c);
}

/* s into dst (cap bytes), cut to fit and NUL-terminated: the log's copy. */
static void copy_str(char *dst, size_t cap, pw_str_t s)
{
	size_t n = s.n < cap - 1 ? s.n : cap - 1;
	memcpy(dst, s.p, n);
	dst[n] = '\0';
}

/* Takes complete requests off the front of the input, one at a time. */
static void conn_process(pw_http_conn_t *c)
{
	pw_http_server_t *s = c->srv;
	c->in_process = true;
	while (c->state == CS_READING) {
		if (uv_stream_get_write_queue_size((uv_stream_t *)&c->tcp) > s->cfg.max_write_queue) {
			/* The client does not read its answers: stop taking requests
			 * and reading until it does (on_write resumes both), so its
			 * input cannot pile up; one that never drains is closed when
			 * the idle timer fires. */
			if (!c->wait_drain) {
				c->wait_drain = true;
				timer_set(c, TM_IDLE, s->cfg.idle_timeout_ms);
			}
			if (c->reading) {
				uv_read_stop((uv_stream_t *)&c->tcp);
				c->reading = false;
			}
			break;
		}
		if (c->in.len == 0) {
			if (c->tmode != TM_IDLE)
				timer_set(c, TM_IDLE, s->cfg.idle_timeout_ms);
			in_release(c);
			idle_enter(c);
			resume_reading(c);
			break;
		}
		pw_http_request_t req;
		size_t consumed;
		pw_http_error_t err;
		int r = http_parse(c->in.data, c->in.len, &req, &consumed, &c->scan, &err);
		if (r == HTTP_PARSE_ERROR) {
			send_parse_error(c, &err);
			break;
		}
		if (r == HTTP_PARSE_INCOMPLETE) {
			if (req.head_len && !c->want) {
				/* The head is in: room for exactly the rest, now, or a
				 * refusal before the client sends its body. */
				c->want = req.head_len + req.content_length;
				int ir = in_reserve(c, c->want + 1);
				if (ir < 0) {
					send_input_refusal(c, ir);
					break;
				}
			}
			if (c->tmode != TM_REQUEST)
				timer_set(c, TM_REQUEST, s->cfg.request_timeout_ms);
			if (req.head_len && req.expect_continue && !c->sent_continue) {
				static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
				uv_buf_t b = uv_buf_init((char *)cont, sizeof cont - 1);
				c->sent_continue = true;
				if (conn_write(c, &b, 1) < 0) {
					conn_close(c);
					break;
				}
			}
			resume_reading(c);
			break;
		}
		timer_set(c, TM_NONE, 0);
		c->state = CS_BUSY;
		c->pending_consume = consumed;
		c->keep_alive = req.keep_alive;
		c->is_head = http_str_eq(req.method, "HEAD");
		c->req_start = uv_hrtime();
		copy_str(c->method, sizeof c->method, req.method);
		copy_str(c->path, sizeof c->path, req.path);
		pw_response_t res;
		resp_init(&res);
		int hr = s->cfg.handler(s->cfg.ud, c, &req, &res);
		if (hr == HTTP_HANDLED) {
			send_response(c, &res);
		} else {
			resp_free(&res);
			if (hr == HTTP_STREAM && c->state == CS_STREAM) {
				/* A stream reads nothing more: its input goes. */
				c->in.len = 0;
				c->pending_consume = 0;
				in_release(c);
			}
		}
	}
	c->in_process = false;
}

/* ---- reading ---------------------------------------------------------- */

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	/* One slab for every connection: a read callback consumes it before
	 * the loop reads from anything else. */
	pw_http_conn_t *c = h->data;
	*buf = uv_buf_init(c->srv->slab, READ_SLAB);
}

static void on_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *buf)
{
	pw_http_conn_t *c = st->data;
	if (nread == UV_EOF && (c->state == CS_BUSY || c->state == CS_LINGER)) {
		/* A client may send its request and shut its side: the answer
		 * being worked on, or still being written, goes out first; the
		 * connection closes once it is (on_shutdown), or now when the
		 * shutdown is already done. */
		c->peer_eof = true;
		uv_read_stop(st);
		c->reading = false;
		if (c->state == CS_LINGER && c->tmode == TM_LINGER)
			conn_close(c);
		return;
	}
	if (nread < 0) {
		conn_close(c);
		return;
	}
	if (nread == 0 || c->state == CS_LINGER || c->state == CS_CLOSING || c->state == CS_STREAM)
		return; /* nothing, or bytes nobody will read */
	idle_leave(c);
	int r = in_append(c, buf->base, (size_t)nread);
	if (c->state == CS_BUSY) {
		/* Pipelined input while a handler works on a deferred answer:
		 * kept if it fits the budgets (else the connection goes), and
		 * reading waits until the answer is out, so a busy connection
		 * holds at most one read beyond its request. */
		uv_read_stop(st);
		c->reading = false;
		if (r < 0)
			conn_close(c);
		return;
	}
	if (r < 0) {
		send_input_refusal(c, r);
		return;
	}
	conn_process(c);
}

static void resume_reading(pw_http_conn_t *c)
{
	if (!c->reading && c->state == CS_READING) {
		if (uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) == 0)
			c->reading = true;
	}
}

/* ---- streams ---------------------------------------------------------- */

int http_conn_stream_begin(pw_http_conn_t *c, const char *head, size_t len,
			   void (*on_close)(void *ud), void *ud)
{
	if (c->state != CS_BUSY)
		return -1;
	uv_buf_t b = uv_buf_init((char *)head, (unsigned)len);
	if (conn_write(c, &b, 1) < 0)
		return -1;
	c->state = CS_STREAM;
	c->on_stream_close = on_close;
	c->stream_ud = ud;
	timer_set(c, TM_NONE, 0);
	if (c->srv->cfg.log)
		log_event(c->srv->cfg.log, PW_LOG_DEBUG, "http.stream", "%s %s", c->method, c->path);
	return 0;
}

/* Queues what the socket has not taken of rc (from byte done on) behind
 * whatever is queued; the write holds a reference to rc until it is done.
 * Returns 0, or -1 (nothing queued). */
static int stream_queue(pw_http_conn_t *c, pw_rcbuf_t *rc, size_t done)
{
	if (done >= rc->len)
		return 0;
	write_req_t *w = malloc(sizeof *w);
	if (!w)
		return -1;
	w->c = c;
	w->rc = rcbuf_ref(rc);
	w->len = rc->len - done;
	uv_buf_t b = uv_buf_init(rc->data + done, (unsigned)w->len);
	if (uv_write(&w->req, (uv_stream_t *)&c->tcp, &b, 1, on_write) < 0) {
		rcbuf_unref(w->rc);
		free(w);
		return -1;
	}
	return 0;
}

/* Whether a stream may take another block: open, and not too far behind. */
static bool stream_open(pw_http_conn_t *c)
{
	return c->state == CS_STREAM &&
	       uv_stream_get_write_queue_size((uv_stream_t *)&c->tcp) <= c->srv->cfg.max_write_queue;
}

int http_conn_stream_write_rc(pw_http_conn_t *c, pw_rcbuf_t *rc)
{
	if (!stream_open(c))
		return -1;
	/* The common case: the socket takes it all now and nothing is kept. */
	uv_buf_t b = uv_buf_init(rc->data, (unsigned)rc->len);
	int n = uv_try_write((uv_stream_t *)&c->tcp, &b, 1);
	if (n < 0 && n != UV_EAGAIN)
		return -1;
	return stream_queue(c, rc, n > 0 ? (size_t)n : 0);
}

/* A socket of a batch with nothing queued, written off the loop's libuv
 * calls: what send() said (bytes, or -errno). */
typedef struct direct_write {
	pw_stream_write_t *w;
	int fd;
	size_t len; /* of w->rc's bytes, the ones to try */
	ssize_t res;
} direct_write_t;

/* The writers' part (any thread): system calls on their own sockets and
 * the shared block's bytes, which nobody changes during the batch. */
static void direct_send(void *ud, size_t lo, size_t hi)
{
	direct_write_t *d = ud;
	for (size_t j = lo; j < hi; j++) {
		ssize_t r = send(d[j].fd, d[j].w->rc->data, d[j].len, MSG_DONTWAIT | MSG_NOSIGNAL);
		d[j].res = r < 0 ? -errno : r;
	}
}

void http_stream_write_batch(pw_stream_write_t *w, size_t n)
{
	if (n == 0)
		return;
	pw_http_server_t *s = w[0].conn->srv;
	if (n > s->direct_cap) {
		direct_write_t *d = realloc(s->direct, n * sizeof *d);
		if (!d) {
			/* One at a time needs no memory of its own. */
			for (size_t i = 0; i < n; i++)
				w[i].status = http_conn_stream_write_rc(w[i].conn, w[i].rc);
			return;
		}
		s->direct = d;
		s->direct_cap = n;
	}
	/* On the loop: which sockets can be written straight away (nothing
	 * queued before them) and which must queue behind earlier bytes. */
	size_t nd = 0;
	for (size_t i = 0; i < n; i++) {
		pw_http_conn_t *c = w[i].conn;
		uv_os_fd_t fd;
		if (!stream_open(c)) {
			w[i].status = -1;
		} else if (uv_stream_get_write_queue_size((uv_stream_t *)&c->tcp) > 0) {
			w[i].status = stream_queue(c, w[i].rc, 0);
		} else if (uv_fileno((uv_handle_t *)&c->tcp, &fd) < 0) {
			w[i].status = -1;
		} else {
			w[i].status = 0;
			size_t len = w[i].rc->len;
			if (s->cfg.direct_write_max && len > s->cfg.direct_write_max)
				len = s->cfg.direct_write_max;
			s->direct[nd++] = (direct_write_t){.w = &w[i], .fd = fd, .len = len};
		}
	}
	fanout_run(s->writers, nd, BATCH_GRAIN, direct_send, s->direct);
	/* On the loop again: what a socket did not take is queued, in order. */
	for (size_t j = 0; j < nd; j++) {
		direct_write_t *d = &s->direct[j];
		if (d->res >= 0)
			d->w->status = stream_queue(d->w->conn, d->w->rc, (size_t)d->res);
		else if (d->res == -EAGAIN || d->res == -EWOULDBLOCK || d->res == -EINTR)
			d->w->status = stream_queue(d->w->conn, d->w->rc, 0);
		else
			d->w->status = -1;
	}
}

void http_conn_close(pw_http_conn_t *c)
{
	conn_close(c);
}

int http_conn_defer(pw_http_conn_t *c, void (*on_close)(void *ud), void *ud)
{
	if (c->state != CS_BUSY || c->on_defer_close)
		return -1;
	c->on_defer_close = on_close;
	c->defer_ud = ud;
	return 0;
}

void http_conn_respond(pw_http_conn_t *c, pw_response_t *res)
{
	c->on_defer_close = NULL;
	c->defer_ud = NULL;
	if (c->state != CS_BUSY) {
		resp_free(res);
		return;
	}
	send_response(c, res);
}

/* ---- accepting -------------------------------------------------------- */

/* Answers a connection just accepted with status and closes it: no request
 * is read, so this is the one answer it gets. */
static void refuse_connection(pw_http_conn_t *c, int status, const char *code, const char *message)
{
	char body[256], msg[512];
	int bn = snprintf(body, sizeof body, "{\"error\":{\"code\":\"%s\",\"message\":\"%s\"}}", code, message);
	int n = snprintf(msg, sizeof msg,
			 "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n"
			 "Retry-After: 5\r\nConnection: close\r\n\r\n%s",
			 status, http_reason(status), bn, body);
	uv_buf_t b = uv_buf_init(msg, (unsigned)n);
	uv_try_write((uv_stream_t *)&c->tcp, &b, 1);
	c->srv->refused++;
	conn_close(c);
}

static void on_connection(uv_stream_t *l, int status)
{
	pw_http_server_t *s = l->data;
	if (status < 0 || s->closing)
		return;
	pw_http_conn_t *c = calloc(1, sizeof *c);
	if (!c)
		return; /* the pending connection waits in the backlog */
	c->srv = s;
	uv_tcp_init(s->loop, &c->tcp);
	uv_timer_init(s->loop, &c->timer);
	c->tcp.data = c;
	c->timer.data = c;
	c->open_handles = 2;
	c->next = s->conns;
	if (s->conns)
		s->conns->prev = c;
	s->conns = c;
	s->n_conns++;
	if (uv_accept(l, (uv_stream_t *)&c->tcp) < 0) {
		conn_close(c);
		return;
	}
	uv_tcp_nodelay(&c->tcp, 1);
	struct sockaddr_storage peer;
	int plen = sizeof peer;
	unsigned char key[16];
	if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&peer, &plen) < 0) {
		conn_close(c);
		return;
	}
	addr_key(&peer, key);
	if (!(c->addr = addr_get(s, key))) {
		conn_close(c);
		return;
	}
	c->addr->conns++;
	if (s->cfg.max_conns_per_addr > 0 && c->addr->conns > (size_t)s->cfg.max_conns_per_addr) {
		refuse_connection(c, 429, "too_many_connections_from_address",
				  "Your address holds as many connections as it may; close some first.");
		return;
	}
	/* At the cap an idle connection (a keep-alive waiting for its next
	 * request, or one that has sent nothing) is the cheapest to lose: its
	 * client reconnects when it needs to. Only when none is idle is the new
	 * one turned away. */
	if (s->n_conns - s->n_closing > (size_t)s->cfg.max_conns) {
		if (!s->idle_head) {
			refuse_connection(c, 503, "too_many_connections", "The server is at its connection cap.");
			return;
		}
		s->evicted++;
		conn_close(s->idle_head);
	}
	c->state = CS_READING;
	timer_set(c, TM_IDLE, s->cfg.idle_timeout_ms);
	idle_enter(c);
	resume_reading(c);
}

static void on_listener_closed(uv_handle_t *h)
{
	pw_http_server_t *s = h->data;
	s->open_handles--;
	maybe_finish_server(s);
}

int http_server_start(pw_http_server_t **out, uv_loop_t *loop, const pw_http_config_t *cfg)
{
	*out = NULL;
	struct sockaddr_storage addr;
	int r = uv_ip4_addr(cfg->host, cfg->port, (struct sockaddr_in *)&addr);
	if (r < 0)
		r = uv_ip6_addr(cfg->host, cfg->port, (struct sockaddr_in6 *)&addr);
	if (r < 0)
		return r;
	pw_http_server_t *s = calloc(1, sizeof *s);
	if (!s)
		return UV_ENOMEM;
	s->loop = loop;
	s->cfg = *cfg;
	if (s->cfg.max_conns <= 0)
		s->cfg.max_conns = 1024;
	if (!s->cfg.max_write_queue)
		s->cfg.max_write_queue = 1 << 20;
	if (!s->cfg.request_timeout_ms)
		s->cfg.request_timeout_ms = 10000;
	if (!s->cfg.idle_timeout_ms)
		s->cfg.idle_timeout_ms = 30000;
	if (!s->cfg.max_input)
		s->cfg.max_input = (size_t)64 << 20;
	if (!s->cfg.max_input_per_addr)
		s->cfg.max_input_per_addr = s->cfg.max_input / 4;
	uv_tcp_init(loop, &s->listener);
	s->listener.data = s;
	s->open_handles = 1;
	r = uv_tcp_bind(&s->listener, (const struct sockaddr *)&addr, 0);
	if (r == 0)
		r = uv_listen((uv_stream_t *)&s->listener, 1024, on_connection);
	if (r < 0) {
		/* Freed in the close callback; no caller callback runs. */
		s->closing = true;
		uv_close((uv_handle_t *)&s->listener, on_listener_closed);
		return r;
	}
	struct sockaddr_storage bound;
	int len = sizeof bound;
	uv_tcp_getsockname(&s->listener, (struct sockaddr *)&bound, &len);
	if (bound.ss_family == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)&bound;
		s->port = ntohs(a->sin_port);
		s->loopback = (ntohl(a->sin_addr.s_addr) >> 24) == 127;
	} else {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&bound;
		s->port = ntohs(a->sin6_port);
		static const unsigned char lo6[16] = {[15] = 1};
		s->loopback = !memcmp(&a->sin6_addr, lo6, 16);
	}
	/* Stream batches are written by the loop and up to MAX_WRITERS - 1
	 * helpers; without them (no thread could be had) by the loop alone. */
	int writers = s->cfg.writers > 0 ? s->cfg.writers : (int)uv_available_parallelism();
	if (writers > MAX_WRITERS)
		writers = MAX_WRITERS;
	if (writers > 1 && !(s->writers = fanout_new(writers - 1)) && s->cfg.log)
		log_event(s->cfg.log, PW_LOG_WARN, "http.writers", "no writer threads; the loop writes streams alone");
	s->listening = true;
	*out = s;
	return 0;
}

int http_server_port(const pw_http_server_t *s)
{
	return s->port;
}

bool http_server_is_loopback(const pw_http_server_t *s)
{
	return s->loopback;
}

void http_server_stats(const pw_http_server_t *s, pw_http_stats_t *out)
{
	*out = (pw_http_stats_t){.conns = s->n_conns - s->n_closing, .input_bytes = s->input,
				 .addresses = s->n_addrs, .evicted = s->evicted, .refused = s->refused};
}

void http_server_stop_accepting(pw_http_server_t *s)
{
	if (!s->listening)
		return;
	s->listening = false;
	uv_close((uv_handle_t *)&s->listener, on_listener_closed);
}

void http_server_close(pw_http_server_t *s, void (*done)(void *ud), void *ud)
{
	if (s->closing)
		return;
	http_server_stop_accepting(s);
	s->closing = true;
	s->done = done;
	s->done_ud = ud;
	for (pw_http_conn_t *c = s->conns, *next; c; c = next) {
		next = c->next;
		conn_close(c);
	}
	maybe_finish_server(s);
}
