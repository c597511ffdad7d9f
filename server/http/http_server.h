/*
 * http_server.h — HTTP/1.1 connections on a libuv loop.
 *
 * The server accepts connections up to a cap, reads requests with the strict
 * parser (http_parser.h), hands each complete request to one handler, and
 * writes the answers in request order, one at a time (pipelining-safe). It
 * closes idle keep-alive connections, clients that take too long to send a
 * request (408), and connections whose unread answers pile up. A malformed
 * request gets its 4xx and the connection closes gracefully (the answer is
 * not lost to a reset).
 *
 * Memory is bounded per connection, per client address and in all: a
 * connection's input grows only as far as its request needs (the head up
 * to HTTP_MAX_HEAD, then exactly the head and the declared body — reserved
 * at once, so a request that would pass a budget is refused as soon as its
 * head is in: 429 when its address holds max_input_per_addr, 503 when all
 * requests hold max_input), and is freed when the connection waits for its
 * next request. The first 4 KB of any connection are always granted, so
 * small requests are served whatever the budgets. A client address may hold
 * max_conns_per_addr connections (429 beyond).
 *
 * A handler may also turn a connection into a stream (SSE): it writes raw
 * bytes from then on with http_conn_stream_write_rc until either side
 * closes.
 *
 * Everything here runs on the loop thread.
 */
#ifndef PW_HTTP_SERVER_H
#define PW_HTTP_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "server/http/http_parser.h"
#include "server/log.h"
#include "server/http/response.h"

typedef struct pw_http_server pw_http_server_t;
typedef struct pw_http_conn pw_http_conn_t;

enum {
	HTTP_HANDLED = 0,  /* the handler filled res: send it now */
	HTTP_STREAM = 2,   /* the handler called http_conn_stream_begin */
	HTTP_DEFERRED = 3, /* the handler called http_conn_defer: it answers later */
};

/*
 * The request and its strings are valid until the answer is sent. res comes
 * initialised; the server frees it.
 */
typedef int (*pw_http_handler_fn)(void *ud, pw_http_conn_t *c, const pw_http_request_t *req,
				  pw_response_t *res);

typedef struct pw_http_config {
	const char *host;              /* "127.0.0.1" */
	int port;                      /* 0: any free port */
	int max_conns;                 /* beyond it the oldest idle connection is closed to make
	                                * room, or (none idle) the new one gets 503 and is closed */
	int max_conns_per_addr;        /* per client address (IPv6: per /64); beyond it 429; 0: none */
	size_t max_input;              /* bytes all unfinished requests may hold (default 64 MB) */
	size_t max_input_per_addr;     /* of those, one client address (default max_input / 4) */
	uint64_t request_timeout_ms;   /* a request must arrive whole within this (408) */
	uint64_t idle_timeout_ms;      /* keep-alive connections idle this long are closed */
	size_t max_write_queue;        /* unsent bytes a connection may hold before it is paused / dropped */
	int writers;                   /* threads writing a stream batch (http_stream_write_batch),
	                                * the loop's included: 0 = the CPUs (at most 4), 1 = the
	                                * loop alone */
	size_t direct_write_max;       /* tests only: a batch's direct write tries at most this many
	                                * bytes, so partial writes happen on demand (0: no limit) */
	pw_http_handler_fn handler;
	void *ud;
	const pw_log_t *log;
} pw_http_config_t;

/*
 * Binds, listens, and returns the server in *out. Returns 0 or a negative
 * libuv error (nothing to free then).
 */
int http_server_start(pw_http_server_t **out, uv_loop_t *loop, const pw_http_config_t *cfg);

/* The port actually bound (useful with port 0). */
int http_server_port(const pw_http_server_t *s);
/* True when listening on a loopback address. */
bool http_server_is_loopback(const pw_http_server_t *s);

typedef struct pw_http_stats {
	size_t conns;       /* open (not closing) connections */
	size_t input_bytes; /* held by unfinished requests */
	size_t addresses;   /* client addresses with a connection */
	uint64_t evicted;   /* idle connections closed to make room */
	uint64_t refused;   /* connections or requests refused by a cap or budget */
} pw_http_stats_t;

void http_server_stats(const pw_http_server_t *s, pw_http_stats_t *out);

/* Stops accepting new connections; existing ones carry on. */
void http_server_stop_accepting(pw_http_server_t *s);

/*
 * Closes every connection and the listener, then frees the server and calls
 * done(ud) (from a close callback). Safe to call once.
 */
void http_server_close(pw_http_server_t *s, void (*done)(void *ud), void *ud);

/* Bytes queued for the client and not yet taken by the kernel. */
size_t http_conn_pending(const pw_http_conn_t *c);

/*
 * Turns the connection into a raw stream: writes head (the status line and
 * headers, already formatted) and from then on only stream writes go out.
 * on_close(ud) is called once when the connection closes for any reason.
 * Returns 0, or -1 if the connection is already closing.
 */
int http_conn_stream_begin(pw_http_conn_t *c, const char *head, size_t len,
			   void (*on_close)(void *ud), void *ud);
/* Writes a shared block: tries the socket first and, for what it does not
 * take, queues a write that holds a reference to rc (no copy), released
 * when the write completes or fails. -1 when closing or when more than
 * max_write_queue bytes are already waiting (the caller then drops the
 * client). */
int http_conn_stream_write_rc(pw_http_conn_t *c, pw_rcbuf_t *rc);

/* One block for one stream connection in a batch write. */
typedef struct pw_stream_write {
	pw_http_conn_t *conn;
	pw_rcbuf_t *rc;
	int status;   /* set by the batch: 0 written or queued, -1 the connection could not take it */
	uint64_t tag; /* the caller's; the batch leaves it alone */
} pw_stream_write_t;

/*
 * http_conn_stream_write_rc for many connections at once (one event to
 * every subscriber): the same checks, order and queueing, but the socket
 * writes of connections with nothing queued go out from the server's
 * writer threads as well as the loop's, which takes part and returns when
 * all are written; no libuv call and no callback runs off the loop thread,
 * and nothing is closed during the batch. Every connection must be a
 * stream of the same server, at most once in w. The caller drops those
 * with status -1 (closing, more than max_write_queue bytes waiting, or a
 * socket error), as after http_conn_stream_write_rc.
 */
void http_stream_write_batch(pw_stream_write_t *w, size_t n);

/* Closes the connection (on_close will run). */
void http_conn_close(pw_http_conn_t *c);

/*
 * Lets a handler answer later, from the loop thread (work it sent to the
 * thread pool, say), by returning HTTP_DEFERRED. The request's strings are
 * NOT valid after the handler returns: copy what the work needs. Until
 * http_conn_respond the connection reads no further request (pipelined
 * ones wait their turn); a client that half-closes still gets its answer.
 * If the connection closes first, on_close(ud) runs once and c must not be
 * used again. Returns 0, or -1 when the connection is not in a handler.
 */
int http_conn_defer(pw_http_conn_t *c, void (*on_close)(void *ud), void *ud);
/* Sends the deferred answer (res is freed) and goes on with the next
 * request. on_close will not run for this deferral any more. */
void http_conn_respond(pw_http_conn_t *c, pw_response_t *res);

#endif
