/*
 * checkq.c — a bounded queue of slow jobs on the libuv thread pool, with a
 * per-key limit (see checkq.h).
 */
#include "server/live/checkq.h"

#include <errno.h>
#include <math.h>
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
	uv_work_t work;
	pw_checkq_t *q;
	int64_t key;
	checkq_run_fn run;
	checkq_done_fn done;
	void *ud;
	int slot;
	uint64_t started_ns;
	struct job *next; /* in the waiting list */
} job_t;

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
};

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

static void on_work(uv_work_t *w)
{
	job_t *j = w->data;
	j->run(j->q->cfg.slots[j->slot], j->ud);
}

static void start_waiting(pw_checkq_t *q);

static void on_after_work(uv_work_t *w, int status)
{
	job_t *j = w->data;
	pw_checkq_t *q = j->q;
	q->busy[j->slot] = false;
	q->running--;
	if (status == 0) {
		double ms = (double)(uv_hrtime() - j->started_ns) / 1e6;
		q->avg_ms = 0.8 * q->avg_ms + 0.2 * ms;
		q->done++;
	}
	key_entry_t *e = key_find(q, j->key, false);
	if (e)
		e->active--;
	j->done(j->ud, status == UV_ECANCELED ? -ECANCELED : 0);
	free(j);
	start_waiting(q);
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
		j->work.data = j;
		j->started_ns = uv_hrtime();
		q->busy[slot] = true;
		q->running++;
		if (uv_queue_work(q->loop, &j->work, on_work, on_after_work) < 0) {
			/* Cannot happen with both callbacks given; were it to,
			 * the job ends as if cancelled. */
			on_after_work(&j->work, UV_ECANCELED);
		}
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

void checkq_close(pw_checkq_t *q)
{
	if (!q || q->closed)
		return;
	q->closed = true;
	while (q->head) {
		job_t *j = q->head;
		q->head = j->next;
		q->waiting--;
		key_entry_t *e = key_find(q, j->key, false);
		if (e)
			e->active--;
		j->done(j->ud, -ECANCELED);
		free(j);
	}
	q->tail = NULL;
}

void checkq_free(pw_checkq_t *q)
{
	if (!q)
		return;
	free(q->keys);
	free(q);
}
