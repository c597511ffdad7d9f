/*
 * fanout.h — a parallel loop over index ranges, for work that is many
 * independent system calls (a stream event written to 20,000 sockets).
 *
 *   pw_fanout_t *f = fanout_new(1);             // one helper thread
 *   fanout_run(f, n, 64, write_some, &job);     // write_some(&job, lo, hi)
 *
 * The calling thread takes part: it takes chunks of `grain` indexes until
 * none is left, helpers that wake in time take chunks too, and fanout_run
 * returns once every chunk is done. So a run never waits for a helper that
 * has not started (on a busy machine the caller simply does more of the
 * work), and what fn touches belongs to the caller again when it returns:
 * fn must touch nothing but its own indexes (and what no one writes while
 * the run lasts).
 */
#ifndef PW_FANOUT_H
#define PW_FANOUT_H

#include <stddef.h>

typedef struct pw_fanout pw_fanout_t;

typedef void (*fanout_fn)(void *ud, size_t lo, size_t hi);

/* Starts `helpers` threads (0: none; every run is then the caller's
 * alone). Returns NULL when memory or a thread could not be had. */
pw_fanout_t *fanout_new(int helpers);

/* Calls fn(ud, lo, hi) over [0, n) in chunks of grain (≥ 1), on the
 * calling thread and the helpers; returns when all are done. A run of at
 * most one chunk, or with f NULL, stays on the calling thread. Not
 * re-entrant: one run at a time per pw_fanout_t. */
void fanout_run(pw_fanout_t *f, size_t n, size_t grain, fanout_fn fn, void *ud);

/* The helpers; 0 for NULL. */
int fanout_helpers(const pw_fanout_t *f);

/* Stops and joins the helpers, frees f. Accepts NULL. */
void fanout_free(pw_fanout_t *f);

#endif
