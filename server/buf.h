/*
 * buf.h — a growable byte buffer, the one way server code builds text
 * (responses, pages, SSE frames).
 *
 * A pw_buf_t starts zeroed ({0}). Appends never fail silently: on OOM the
 * buffer remembers it (oom = true), later appends are no-ops, and the caller
 * checks once at the end. data is always NUL-terminated when len > 0.
 */
#ifndef PW_SRV_BUF_H
#define PW_SRV_BUF_H

#include <stdbool.h>
#include <stddef.h>

typedef struct pw_buf {
	char *data;
	size_t len, cap;
	bool oom;
} pw_buf_t;

void buf_append(pw_buf_t *b, const void *p, size_t n);
void buf_puts(pw_buf_t *b, const char *s);
void buf_printf(pw_buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Makes room for n more bytes; false on OOM. */
bool buf_reserve(pw_buf_t *b, size_t n);
/* Removes the first n bytes (n ≤ len). */
void buf_consume(pw_buf_t *b, size_t n);
/* Hands the memory to the caller (who frees it) and empties b. */
char *buf_take(pw_buf_t *b);
void buf_free(pw_buf_t *b);

/*
 * A refcounted, immutable byte block: one formatted SSE event shared by the
 * resume ring and every subscriber's queued write, so a fan-out to N
 * clients neither copies nor allocates per client. Single-threaded (the
 * loop's); the last rcbuf_unref frees it.
 */
typedef struct pw_rcbuf {
	unsigned refs;
	size_t len;
	char data[]; /* NUL-terminated */
} pw_rcbuf_t;

/* A copy of n bytes of p with one reference, or NULL on OOM. */
pw_rcbuf_t *rcbuf_new(const void *p, size_t n);
/* Takes the memory of b (emptying it) into a new block; NULL on OOM
 * (b is freed either way). */
pw_rcbuf_t *rcbuf_from_buf(pw_buf_t *b);
pw_rcbuf_t *rcbuf_ref(pw_rcbuf_t *r);
/* Drops a reference; frees on the last. Accepts NULL. */
void rcbuf_unref(pw_rcbuf_t *r);

#endif
