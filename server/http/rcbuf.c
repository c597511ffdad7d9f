/*
 * buf.c — the refcounted event block (see buf.h).
 */
#include "server/http/rcbuf.h"

#include <stdlib.h>
#include <string.h>

pw_rcbuf_t *rcbuf_new(const void *p, size_t n)
{
	pw_rcbuf_t *r = malloc(sizeof *r + n + 1);
	if (!r)
		return NULL;
	r->refs = 1;
	r->len = n;
	if (n)
		memcpy(r->data, p, n);
	r->data[n] = '\0';
	return r;
}

pw_rcbuf_t *rcbuf_from_buf(pw_buf_t *b)
{
	pw_rcbuf_t *r = b->oom ? NULL : rcbuf_new(b->data, b->len);
	buf_free(b);
	return r;
}

pw_rcbuf_t *rcbuf_ref(pw_rcbuf_t *r)
{
	r->refs++;
	return r;
}

void rcbuf_unref(pw_rcbuf_t *r)
{
	if (r && --r->refs == 0)
		free(r);
}
