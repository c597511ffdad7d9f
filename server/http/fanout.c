/*
 * fanout.c — the parallel loop (see fanout.h).
 *
 * One job at a time. The caller publishes it under the lock (function,
 * bounds, a new generation number), wakes the helpers and starts taking
 * chunks from an atomic counter. A helper joins a job only while it is
 * open, counting itself in `busy`; the caller closes the job once the
 * counter has run past the end and waits for `busy` to reach 0. A helper
 * that wakes after that sees the job closed and sleeps again, so it never
 * touches a job that has returned.
 */
#include "server/http/fanout.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <uv.h>

struct pw_fanout {
	uv_mutex_t lock;
	uv_cond_t wake; /* helpers wait here for a job or for quit */
	uv_cond_t idle; /* the caller waits here for busy to reach 0 */
	uv_thread_t *threads;
	int n_threads;
	bool quit;
	/* The job: written under lock before it opens, read-only while open. */
	uint64_t gen;
	bool open;
	int busy;
	fanout_fn fn;
	void *ud;
	size_t n, grain;
	atomic_size_t next; /* the first index no one has taken */
};

static void take_chunks(pw_fanout_t *f)
{
	for (;;) {
		size_t lo = atomic_fetch_add_explicit(&f->next, f->grain, memory_order_relaxed);
		if (lo >= f->n)
			return;
		size_t hi = f->n - lo > f->grain ? lo + f->grain : f->n;
		f->fn(f->ud, lo, hi);
	}
}

static void helper_main(void *arg)
{
	pw_fanout_t *f = arg;
	uint64_t seen = 0;
	uv_mutex_lock(&f->lock);
	for (;;) {
		while (!f->quit && !(f->open && f->gen != seen))
			uv_cond_wait(&f->wake, &f->lock);
		if (f->quit)
			break;
		seen = f->gen;
		f->busy++;
		uv_mutex_unlock(&f->lock);
		take_chunks(f);
		uv_mutex_lock(&f->lock);
		if (--f->busy == 0 && !f->open)
			uv_cond_signal(&f->idle);
	}
	uv_mutex_unlock(&f->lock);
}

static void stop_helpers(pw_fanout_t *f)
{
	uv_mutex_lock(&f->lock);
	f->quit = true;
	uv_cond_broadcast(&f->wake);
	uv_mutex_unlock(&f->lock);
	for (int i = 0; i < f->n_threads; i++)
		uv_thread_join(&f->threads[i]);
	f->n_threads = 0;
}

pw_fanout_t *fanout_new(int helpers)
{
	pw_fanout_t *f = calloc(1, sizeof *f);
	if (!f)
		return NULL;
	if (uv_mutex_init(&f->lock) < 0) {
		free(f);
		return NULL;
	}
	if (uv_cond_init(&f->wake) < 0) {
		uv_mutex_destroy(&f->lock);
		free(f);
		return NULL;
	}
	if (uv_cond_init(&f->idle) < 0) {
		uv_cond_destroy(&f->wake);
		uv_mutex_destroy(&f->lock);
		free(f);
		return NULL;
	}
	atomic_init(&f->next, 0);
	if (helpers > 0 && !(f->threads = calloc((size_t)helpers, sizeof *f->threads))) {
		fanout_free(f);
		return NULL;
	}
	/* Their stacks hold a few frames of system calls. */
	uv_thread_options_t opt = {.flags = UV_THREAD_HAS_STACK_SIZE, .stack_size = 256 << 10};
	for (int i = 0; i < helpers; i++) {
		if (uv_thread_create_ex(&f->threads[i], &opt, helper_main, f) < 0) {
			fanout_free(f);
			return NULL;
		}
		f->n_threads++;
	}
	return f;
}

void fanout_run(pw_fanout_t *f, size_t n, size_t grain, fanout_fn fn, void *ud)
{
	if (grain == 0)
		grain = 1;
	if (!f || f->n_threads == 0 || n <= grain) {
		for (size_t lo = 0; lo < n; lo += grain)
			fn(ud, lo, n - lo > grain ? lo + grain : n);
		return;
	}
	uv_mutex_lock(&f->lock);
	f->fn = fn;
	f->ud = ud;
	f->n = n;
	f->grain = grain;
	atomic_store_explicit(&f->next, 0, memory_order_relaxed);
	f->gen++;
	f->open = true;
	uv_cond_broadcast(&f->wake);
	uv_mutex_unlock(&f->lock);
	take_chunks(f);
	uv_mutex_lock(&f->lock);
	f->open = false;
	while (f->busy > 0)
		uv_cond_wait(&f->idle, &f->lock);
	uv_mutex_unlock(&f->lock);
}

int fanout_helpers(const pw_fanout_t *f)
{
	return f ? f->n_threads : 0;
}

void fanout_free(pw_fanout_t *f)
{
	if (!f)
		return;
	stop_helpers(f);
	free(f->threads);
	uv_cond_destroy(&f->idle);
	uv_cond_destroy(&f->wake);
	uv_mutex_destroy(&f->lock);
	free(f);
}
