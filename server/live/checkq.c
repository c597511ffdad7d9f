/*
 * checkq.c — a bounded queue of slow jobs on threads of their own, with a
 * per-key limit (see checkq.h).
 *
 * The loop owns the queue, the keys and the slots' assignment; a worker
 * thread only takes the job handed to its slot, runs it, and puts it on
 * the finished list, waking the loop (uv_async). The mutex guards the
 * hand-over and the finished list, nothing else.
 */
#include "server/live/checkq.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

/* What a job is assumed to take before any has finished: a proposal's
 * check with a script plays a few hundred games. */
#define FIRST_GUESS_MS 2000.0
#define RETRY_MAX_S    120
/* Keys remembered beyond those with a job: ones whose bucket is refilling.
 * A table that is full of them (thousands of governors each checking in
 * the same minute) refuses new keys as a full queue does. */
#define SPARE_KEYS     1024

typedef struct job {
	pw_checkq_t *q;
	int64_t key;
	checkq_run_fn run;
	checkq_done_fn done;
	void *ud;
	int slot;
	uint64_t started_ns;
	struct job *next; /* in the waiting or the finished list */
} job_t;

/* A worker thread and the job handed to it (NULL: none). */
typedef struct worker {
	pw_checkq_t *q;
	int slot;
	pthread_t th;
	bool started;
	pthread_cond_t cond;
	job_t *job;
} worker_t;

/* A key that has a job or spent tokens lately; one whose bucket is full
 * again and that has no job is forgotten (it would be a fresh one). */
typedef struct key_entry {
	int64_t key;
	double tokens;
	uint64_t at_ms; /* when tokens was last brought up to date */
	int active;     /* jobs waiting or running */
} key_entry_t;

struct pw_checkq {
	uv_loop_t *loop;
	pw_checkq_config_t cfg;
	bool busy[CHECKQ_MAX_WORKERS];
	int running, waiting;
	job_t *head, *tail;
	key_entry_t *keys;
	size_t n_keys, cap_keys;
	double avg_ms;
	uint64_t done, refused;
	bool closed;
	/* Threads: hand-over under mu; finished jobs wake the loop. */
	worker_t workers[CHECKQ_MAX_WORKERS];
	pthread_mutex_t mu;
	bool stop;
	job_t *finished;
	uv_async_t wake;
	bool wake_open;
	bool free_on_close;
	int n_started;
	void (*idle)(void *ud); /* checkq_close's, once nothing runs */
	void *idle_ud;
};

static void on_wake(uv_async_t *a);
static void *worker_main(void *arg);
static void checkq_release(pw_checkq_t *q);

static void wake_closed(uv_handle_t *h)
{
	pw_checkq_t *q = h->data;
	if (q->free_on_close)
		checkq_release(q);
}

int checkq_new(pw_checkq_t **out, uv_loop_t *loop, const pw_checkq_config_t *cfg)
{
	*out = NULL;
	if (cfg->workers < 1 || cfg->workers > CHECKQ_MAX_WORKERS || cfg->queue < 0 || cfg->per_minute < 0)
		return UV_EINVAL;
	pw_checkq_t *q = calloc(1, sizeof *q);
	if (q) {
		q->cap_keys = (size_t)cfg->workers + (size_t)cfg->queue + SPARE_KEYS;
		q->keys = calloc(q->cap_keys, sizeof *q->keys);
	}
	if (!q || !q->keys) {
		free(q);
		return UV_ENOMEM;
	}
	q->loop = loop;
	q->cfg = *cfg;
	q->avg_ms = FIRST_GUESS_MS;
	pthread_mutex_init(&q->mu, NULL);
	int r = uv_async_init(loop, &q->wake, on_wake);
	if (r < 0) {
		pthread_mutex_destroy(&q->mu);
		free(q->keys);
		free(q);
		return r;
	}
	q->wake.data = q;
	q->wake_open = true;
	/* The wake handle keeps the loop alive only while jobs run. */
	uv_unref((uv_handle_t *)&q->wake);
	for (int i = 0; i < cfg->workers; i++) {
		worker_t *w = &q->workers[i];
		w->q = q;
		w->slot = i;
		pthread_cond_init(&w->cond, NULL);
		w->started = pthread_create(&w->th, NULL, worker_main, w) == 0;
		if (!w->started)
			break;
		q->n_started++;
	}
	if (q->n_started == 0) {
		/* No thread at all: the handle's close callback frees q. */
		q->free_on_close = true;
		q->wake_open = false;
		uv_close((uv_handle_t *)&q->wake, wake_closed);
		return UV_EAGAIN;
	}
	q->cfg.workers = q->n_started; /* fewer threads than asked: fewer at once */
	*out = q;
	return 0;
}

/* Brings e's bucket up to now. */
static void refill(const pw_checkq_t *q, key_entry_t *e, uint64_t now)
{
	double cap = q->cfg.per_minute;
	e->tokens += (double)(now - e->at_ms) * cap / 60000.0;
	if (e->tokens > cap)
		e->tokens = cap;
	e->at_ms = now;
}

/* Forgets the keys that would look like new ones, then finds key (adding
 * it when add). NULL when absent (or when the table is full). */
static key_entry_t *key_find(pw_checkq_t *q, int64_t key, bool add)
{
	uint64_t now = uv_now(q->loop);
	key_entry_t *found = NULL;
	for (size_t i = 0; i < q->n_keys;) {
		key_entry_t *e = &q->keys[i];
		if (q->cfg.per_minute)
			refill(q, e, now);
		bool fresh = e->active == 0 && (!q->cfg.per_minute || e->tokens >= q->cfg.per_minute);
		if (fresh && e->key != key) {
			*e = q->keys[--q->n_keys];
			continue;
		}
		if (e->key == key)
			found = e;
		i++;
	}
	if (found || !add || q->n_keys == q->cap_keys)
		return found;
	found = &q->keys[q->n_keys++];
	*found = (key_entry_t){.key = key, .tokens = q->cfg.per_minute, .at_ms = now};
	return found;
}

static int seconds(double ms)
{
	double s = ceil(ms / 1000.0);
	return s < 1 ? 1 : s > RETRY_MAX_S ? RETRY_MAX_S : (int)s;
}

/*
 * A worker thread: runs what is handed to its slot. (Not at a lower
 * priority than the loop, though that would serve the loop first on a busy
 * machine: while the sandbox's per-game limit is wall-clock time, a check
 * slowed down by its priority fails scripts that are within their budgets.)
 */
static void *worker_main(void *arg)
{
	worker_t *w = arg;
	pw_checkq_t *q = w->q;
	pthread_mutex_lock(&q->mu);
	for (;;) {
		while (!w->job && !q->stop)
			pthread_cond_wait(&w->cond, &q->mu);
		if (!w->job)
			break;
		job_t *j = w->job;
		pthread_mutex_unlock(&q->mu);
		j->run(q->cfg.slots[w->slot], j->ud);
		pthread_mutex_lock(&q->mu);
		w->job = NULL;
		j->next = q->finished;
		q->finished = j;
		uv_async_send(&q->wake);
	}
	pthread_mutex_unlock(&q->mu);
	return NULL;
}

static void start_waiting(pw_checkq_t *q);

/* Loop thread: a job is over (ran, or cancelled with -ECANCELED). */
static void job_over(pw_checkq_t *q, job_t *j, int status)
{
	key_entry_t *e = key_find(q, j->key, false);
	if (e)
		e->active--;
	j->done(j->ud, status);
	free(j);
}


/* Once the queue is closed and nothing runs: tells the closer, closes the
 * wake handle. */
static void maybe_close_wake(pw_checkq_t *q)
{
	if (!q->closed || q->running > 0)
		return;
	if (q->idle) {
		void (*idle)(void *) = q->idle;
		q->idle = NULL;
		idle(q->idle_ud);
	}
	if (q->wake_open) {
		q->wake_open = false;
		uv_close((uv_handle_t *)&q->wake, wake_closed);
	}
}

static void on_wake(uv_async_t *a)
{
	pw_checkq_t *q = a->data;
	pthread_mutex_lock(&q->mu);
	job_t *list = q->finished;
	q->finished = NULL;
	pthread_mutex_unlock(&q->mu);
	while (list) {
		job_t *j = list;
		list = j->next;
		q->busy[j->slot] = false;
		q->running--;
		double ms = (double)(uv_hrtime() - j->started_ns) / 1e6;
		q->avg_ms = 0.8 * q->avg_ms + 0.2 * ms;
		q->done++;
		job_over(q, j, 0);
	}
	if (q->running == 0)
		uv_unref((uv_handle_t *)&q->wake);
	start_waiting(q);
	maybe_close_wake(q);
}

/* Hands free slots to the jobs that wait longest. */
static void start_waiting(pw_checkq_t *q)
{
	while (q->head && !q->closed && q->running < q->cfg.workers) {
		job_t *j = q->head;
		q->head = j->next;
		if (!q->head)
			q->tail = NULL;
		q->waiting--;
		int slot = 0;
		while (q->busy[slot])
			slot++;
		j->slot = slot;
		j->started_ns = uv_hrtime();
		q->busy[slot] = true;
		if (q->running++ == 0)
			uv_ref((uv_handle_t *)&q->wake);
		worker_t *w = &q->workers[slot];
		pthread_mutex_lock(&q->mu);
		w->job = j;
		pthread_cond_signal(&w->cond);
		pthread_mutex_unlock(&q->mu);
	}
}

int checkq_submit(pw_checkq_t *q, int64_t key, checkq_run_fn run, checkq_done_fn done, void *ud,
		  int *retry_after_s)
{
	int retry = 1, rc = CHECKQ_OK;
	key_entry_t *e = NULL;
	if (q->closed) {
		rc = CHECKQ_CLOSED;
	} else if (!(e = key_find(q, key, true))) {
		rc = CHECKQ_FULL;
		retry = seconds(q->cfg.per_minute ? 60000.0 / q->cfg.per_minute : q->avg_ms);
	} else if (e->active > 0) {
		rc = CHECKQ_KEY_BUSY;
		retry = seconds(q->avg_ms);
	} else if (q->cfg.per_minute && e->tokens < 1) {
		rc = CHECKQ_RATE;
		retry = seconds((1 - e->tokens) * 60000.0 / q->cfg.per_minute);
	} else if (q->running >= q->cfg.workers && q->waiting >= q->cfg.queue) {
		rc = CHECKQ_FULL;
		retry = seconds(q->avg_ms * (1.0 + (double)q->waiting / q->cfg.workers));
	}
	job_t *j = rc == CHECKQ_OK ? calloc(1, sizeof *j) : NULL;
	if (rc == CHECKQ_OK && !j)
		rc = CHECKQ_NOMEM;
	if (retry_after_s)
		*retry_after_s = retry;
	if (rc != CHECKQ_OK) {
		q->refused++;
		return rc;
	}
	if (q->cfg.per_minute)
		e->tokens -= 1;
	e->active++;
	*j = (job_t){.q = q, .key = key, .run = run, .done = done, .ud = ud};
	if (q->tail)
		q->tail->next = j;
	else
		q->head = j;
	q->tail = j;
	q->waiting++;
	start_waiting(q);
	return CHECKQ_OK;
}

void checkq_stats(const pw_checkq_t *q, pw_checkq_stats_t *out)
{
	*out = (pw_checkq_stats_t){.running = q->running, .waiting = q->waiting, .done = q->done,
				   .refused = q->refused, .avg_ms = q->avg_ms};
}

void checkq_close(pw_checkq_t *q, void (*idle)(void *ud), void *ud)
{
	if (!q || q->closed) {
		if (idle)
			idle(ud);
		return;
	}
	q->closed = true;
	q->idle = idle;
	q->idle_ud = ud;
	while (q->head) {
		job_t *j = q->head;
		q->head = j->next;
		q->waiting--;
		job_over(q, j, -ECANCELED);
	}
	q->tail = NULL;
	maybe_close_wake(q);
}

void checkq_free(pw_checkq_t *q)
{
	if (q)
		checkq_release(q);
}

/* Stops and joins the threads (idle by now) and frees q. */
static void checkq_release(pw_checkq_t *q)
{
	pthread_mutex_lock(&q->mu);
	q->stop = true;
	for (int i = 0; i < CHECKQ_MAX_WORKERS; i++)
		if (q->workers[i].started)
			pthread_cond_signal(&q->workers[i].cond);
	pthread_mutex_unlock(&q->mu);
	for (int i = 0; i < CHECKQ_MAX_WORKERS; i++) {
		if (q->workers[i].started)
			pthread_join(q->workers[i].th, NULL);
		if (q->workers[i].q)
			pthread_cond_destroy(&q->workers[i].cond);
	}
	pthread_mutex_destroy(&q->mu);
	free(q->keys);
	free(q);
}
