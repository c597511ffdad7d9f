/*
 * buf.h — a growable byte buffer, the one way the project builds text
 * (reports, box scores, responses, pages, SSE frames).
 *
 * A pw_buf_t starts zeroed ({0}). Appends never fail silently: on OOM the
 * buffer remembers it (oom = true), later appends are no-ops, and the caller
 * checks once at the end. data is always NUL-terminated when len > 0.
 */
#ifndef PW_BUF_H
#define PW_BUF_H

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

#endif
