/*
 * test_checkq.c — the bounded queue of slow jobs: slots, waiting order,
 * refusals with Retry-After, one job per key, the per-key rate, closing.
 */
#include "tests/test.h"

#include <errno.h>
#include <pthread.h>
#include <unistd.h>

#include "server/live/checkq.h"

typedef struct rec {
	int order[16];
	int n_done;
	int status[16];
	void *slot_seen[16];
	pthread_mutex_t mu;
	int gate; /* jobs sleep until this is set */
} rec_t;

typedef struct tjob {
	rec_t *r;
	int id;
} tjob_t;

static void run(void *slot, void *ud)
{
	tjob_t *j = ud;
	for (int i = 0; i < 2000; i++) {
		pthread_mutex_lock(&j->r->mu);
		int go = j->r->gate;
		pthread_mutex_unlock(&j->r->mu);
		if (go)
			break;
		usleep(1000);
	}
	j->r->slot_seen[j->id] = slot;
}

static void done(void *ud, int status)
{
	tjob_t *j = ud;
	j->r->status[j->id] = status;
	j->r->order[j->r->n_done++] = j->id;
}

static void open_gate(rec_t *r)
{
	pthread_mutex_lock(&r->mu);
	r->gate = 1;
	pthread_mutex_unlock(&r->mu);
}

static void count_idle(void *ud)
{
	++*(int *)ud;
}

TEST(checkq_slots_queue_and_refusals)
{
	uv_loop_t loop;
	uv_loop_init(&loop);
	int slot_a;
	pw_checkq_config_t cfg = {.workers = 1, .queue = 1, .per_minute = 0, .slots = {&slot_a}};
	pw_checkq_t *q;
	CHECK_EQ(checkq_new(&q, &loop, &cfg), 0);
	rec_t r = {.mu = PTHREAD_MUTEX_INITIALIZER};
	tjob_t j[5];
	for (int i = 0; i < 5; i++)
		j[i] = (tjob_t){&r, i};
	int retry = 0;
	CHECK_EQ(checkq_submit(q, 1, run, done, &j[0], &retry), CHECKQ_OK);
	CHECK_EQ(checkq_submit(q, 2, run, done, &j[1], &retry), CHECKQ_OK);
	/* One running, one waiting: full. */
	retry = 0;
	CHECK_EQ(checkq_submit(q, 3, run, done, &j[2], &retry), CHECKQ_FULL);
	CHECK(retry >= 1);
	/* Key 1 has a job: the same key is refused whatever the room. */
	CHECK_EQ(checkq_submit(q, 1, run, done, &j[3], &retry), CHECKQ_KEY_BUSY);
	pw_checkq_stats_t st;
	checkq_stats(q, &st);
	CHECK_EQ(st.running, 1);
	CHECK_EQ(st.waiting, 1);
	CHECK_EQ(st.refused, 2);
	open_gate(&r);
	uv_run(&loop, UV_RUN_DEFAULT);
	CHECK_EQ(r.n_done, 2);
	CHECK_EQ(r.order[0], 0); /* first come, first served */
	CHECK_EQ(r.order[1], 1);
	CHECK_EQ(r.status[0], 0);
	CHECK(r.slot_seen[0] == &slot_a && r.slot_seen[1] == &slot_a);
	/* Room again, and key 1 is free again. */
	CHECK_EQ(checkq_submit(q, 1, run, done, &j[3], &retry), CHECKQ_OK);
	uv_run(&loop, UV_RUN_DEFAULT);
	CHECK_EQ(r.n_done, 3);
	checkq_stats(q, &st);
	CHECK_EQ(st.done, 3);
	CHECK_EQ(st.running + st.waiting, 0);
	int idle = 0;
	checkq_close(q, count_idle, &idle);
	CHECK_EQ(idle, 1); /* nothing ran: told at once */
	CHECK_EQ(checkq_submit(q, 9, run, done, &j[4], &retry), CHECKQ_CLOSED);
	uv_run(&loop, UV_RUN_DEFAULT);
	checkq_free(q);
	CHECK_EQ(uv_loop_close(&loop), 0);
}

TEST(checkq_two_workers_use_two_slots)
{
	uv_loop_t loop;
	uv_loop_init(&loop);
	int a, b;
	pw_checkq_config_t cfg = {.workers = 2, .queue = 0, .slots = {&a, &b}};
	pw_checkq_t *q;
	CHECK_EQ(checkq_new(&q, &loop, &cfg), 0);
	rec_t r = {.mu = PTHREAD_MUTEX_INITIALIZER};
	tjob_t j[3] = {{&r, 0}, {&r, 1}, {&r, 2}};
	CHECK_EQ(checkq_submit(q, 1, run, done, &j[0], NULL), CHECKQ_OK);
	CHECK_EQ(checkq_submit(q, 2, run, done, &j[1], NULL), CHECKQ_OK);
	CHECK_EQ(checkq_submit(q, 3, run, done, &j[2], NULL), CHECKQ_FULL); /* no queue at all */
	open_gate(&r);
	uv_run(&loop, UV_RUN_DEFAULT);
	CHECK_EQ(r.n_done, 2);
	CHECK(r.slot_seen[0] != r.slot_seen[1]);
	CHECK(r.slot_seen[0] == &a || r.slot_seen[0] == &b);
	checkq_close(q, NULL, NULL);
	uv_run(&loop, UV_RUN_DEFAULT);
	checkq_free(q);
	CHECK_EQ(uv_loop_close(&loop), 0);
}

TEST(checkq_rate_per_key_and_close_cancels_waiting)
{
	uv_loop_t loop;
	uv_loop_init(&loop);
	int a;
	pw_checkq_config_t cfg = {.workers = 1, .queue = 8, .per_minute = 2, .slots = {&a}};
	pw_checkq_t *q;
	CHECK_EQ(checkq_new(&q, &loop, &cfg), 0);
	rec_t r = {.mu = PTHREAD_MUTEX_INITIALIZER, .gate = 1};
	tjob_t j[6];
	for (int i = 0; i < 6; i++)
		j[i] = (tjob_t){&r, i};
	int retry = 0;
	for (int i = 0; i < 2; i++) {
		CHECK_EQ(checkq_submit(q, 7, run, done, &j[i], &retry), CHECKQ_OK);
		uv_run(&loop, UV_RUN_DEFAULT);
	}
	/* Two a minute: the third waits for a token, about 30 s away. */
	CHECK_EQ(checkq_submit(q, 7, run, done, &j[2], &retry), CHECKQ_RATE);
	CHECK(retry >= 25 && retry <= 30);
	/* Another key is not held back. */
	pthread_mutex_lock(&r.mu);
	r.gate = 0;
	pthread_mutex_unlock(&r.mu);
	CHECK_EQ(checkq_submit(q, 8, run, done, &j[3], &retry), CHECKQ_OK);
	CHECK_EQ(checkq_submit(q, 9, run, done, &j[4], &retry), CHECKQ_OK);
	/* Closing cancels the waiting one now; the running one finishes, and
	 * only then is the closer told that nothing runs. */
	int idle = 0;
	checkq_close(q, count_idle, &idle);
	CHECK_EQ(r.status[4], -ECANCELED);
	CHECK_EQ(idle, 0);
	open_gate(&r);
	uv_run(&loop, UV_RUN_DEFAULT);
	CHECK_EQ(idle, 1);
	CHECK_EQ(r.status[3], 0);
	CHECK_EQ(r.n_done, 4);
	CHECK(r.slot_seen[4] == NULL); /* never ran */
	checkq_free(q);
	CHECK_EQ(uv_loop_close(&loop), 0);
}

TEST(checkq_refuses_bad_config)
{
	uv_loop_t loop;
	uv_loop_init(&loop);
	pw_checkq_t *q = (pw_checkq_t *)1;
	pw_checkq_config_t cfg = {.workers = 0};
	CHECK(checkq_new(&q, &loop, &cfg) < 0);
	CHECK(q == NULL);
	cfg.workers = CHECKQ_MAX_WORKERS + 1;
	CHECK(checkq_new(&q, &loop, &cfg) < 0);
	cfg.workers = 1;
	cfg.queue = -1;
	CHECK(checkq_new(&q, &loop, &cfg) < 0);
	checkq_free(NULL);
	uv_loop_close(&loop);
}
