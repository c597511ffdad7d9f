/*
 * test_fanout.c — the parallel loop behind stream fan-outs: every index
 * once, helpers taking part, runs back to back, no helpers at all.
 */
#include "tests/test.h"

#include <stdlib.h>
#include <unistd.h>
#include <uv.h>

#include "server/http/fanout.h"

typedef struct job {
	int *hits;          /* per index */
	uv_thread_t *by;    /* the thread that did each chunk's first index */
	useconds_t nap;     /* per chunk, so helpers have time to join */
} job_t;

static void mark(void *ud, size_t lo, size_t hi)
{
	job_t *j = ud;
	j->by[lo] = uv_thread_self();
	for (size_t i = lo; i < hi; i++)
		j->hits[i]++;
	if (j->nap)
		usleep(j->nap);
}

TEST(fanout_runs_every_index_once_on_several_threads)
{
	pw_fanout_t *f = fanout_new(2);
	CHECK(f != NULL);
	CHECK_EQ(fanout_helpers(f), 2);
	const size_t n = 4000, grain = 16;
	job_t j = {.hits = calloc(n, sizeof(int)), .by = calloc(n, sizeof(uv_thread_t)), .nap = 500};
	uv_thread_t me = uv_thread_self();
	/* Chunks of half a millisecond: the helpers wake long before the
	 * caller could finish alone (a few runs, for a loaded machine). */
	bool helped = false;
	for (int run = 0; run < 5 && !helped; run++) {
		memset(j.hits, 0, n * sizeof(int));
		fanout_run(f, n, grain, mark, &j);
		for (size_t i = 0; i < n; i++)
			CHECK_EQ(j.hits[i], 1);
		for (size_t lo = 0; lo < n; lo += grain)
			helped |= !uv_thread_equal(&j.by[lo], &me);
	}
	CHECK_MSG(helped, "no helper took a chunk");
	/* Many short runs back to back: each complete, none mixed with the
	 * one before (a helper late for a run must not take part in it). */
	j.nap = 0;
	for (int run = 0; run < 2000; run++) {
		size_t m = 1 + (size_t)run % 300;
		memset(j.hits, 0, m * sizeof(int));
		fanout_run(f, m, 4, mark, &j);
		int bad = 0;
		for (size_t i = 0; i < m; i++)
			bad += j.hits[i] != 1;
		CHECK_EQ(bad, 0);
		if (bad)
			break;
	}
	fanout_free(f);
	free(j.hits);
	free(j.by);
}

TEST(fanout_without_helpers_runs_on_the_caller)
{
	const size_t n = 100;
	job_t j = {.hits = calloc(n, sizeof(int)), .by = calloc(n, sizeof(uv_thread_t))};
	uv_thread_t me = uv_thread_self();
	pw_fanout_t *none = fanout_new(0);
	CHECK(none != NULL);
	CHECK_EQ(fanout_helpers(none), 0);
	CHECK_EQ(fanout_helpers(NULL), 0);
	pw_fanout_t *two = fanout_new(2);
	pw_fanout_t *fs[] = {NULL, none, two};
	for (int k = 0; k < 3; k++) {
		/* With helpers but one chunk's worth: the caller alone too. */
		size_t m = k == 2 ? 8 : n, grain = k == 2 ? 8 : 7;
		memset(j.hits, 0, n * sizeof(int));
		memset(j.by, 0, n * sizeof(uv_thread_t));
		fanout_run(fs[k], m, grain, mark, &j);
		for (size_t i = 0; i < m; i++)
			CHECK_EQ(j.hits[i], 1);
		for (size_t lo = 0; lo < m; lo += grain)
			CHECK(uv_thread_equal(&j.by[lo], &me));
	}
	fanout_run(two, 0, 8, mark, &j); /* nothing to do */
	fanout_free(none);
	fanout_free(two);
	fanout_free(NULL);
	free(j.hits);
	free(j.by);
}
