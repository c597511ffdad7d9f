/*
 * buf.h — the server's shared event block, built on core/sim/buf.h's growable
 * buffer (which is re-exported here for the server's text building).
 */
#ifndef PW_SRV_BUF_H
#define PW_SRV_BUF_H

#include <stddef.h>

#include "core/sim/buf.h"

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
