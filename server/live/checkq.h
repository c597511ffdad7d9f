/*
 * checkq.h — slow jobs (a proposal's sandbox check and impact games) on
 * threads of their own, a few at a time, so the loop stays free for
 * /health, votes and streams.
 *
 * A queue has `workers` threads, each with a slot: an opaque pointer the
 * caller made (a store connection and a governance service of its own, say)
 * that one job at a time gets. Being their own, the threads never take the
 * libuv pool from the tick or file reads. Jobs beyond the slots wait, first come first served,
 * up to `queue` of them; beyond that checkq_submit refuses at once. Each
 * job names a key (a governor): a key may have one job waiting or running
 * at a time, and may start at most `per_minute` jobs in any minute (a token
 * bucket holding per_minute tokens, refilled evenly over the minute).
 * Refusals say how many seconds to wait (Retry-After): for a full queue,
 * the average job's duration times the jobs ahead per slot. Memory is
 * bounded: the keys remembered (those with a job, and those whose bucket
 * is refilling) are at most workers + queue + 1024; a new key beyond that
 * is refused as a full queue.
 *
 * Everything here runs on the loop thread except the jobs' run functions.
 */
#ifndef PW_CHECKQ_H
#define PW_CHECKQ_H

#include <stdint.h>
#include <uv.h>

/* With the AI interpreter a check mostly waits on the network, so a
 * league may want many more workers than cores. */
#define CHECKQ_MAX_WORKERS 32

typedef struct pw_checkq pw_checkq_t;

typedef struct pw_checkq_config {
	int workers;     /* 1..CHECKQ_MAX_WORKERS jobs at once */
	int queue;       /* jobs that may wait beyond those; 0: none */
	int per_minute;  /* jobs a key may start in a minute; 0: no limit */
	void *slots[CHECKQ_MAX_WORKERS]; /* handed to run, one per worker */
} pw_checkq_config_t;

enum {
	CHECKQ_OK = 0,
	CHECKQ_FULL = -1,     /* every slot busy and the queue full (503) */
	CHECKQ_KEY_BUSY = -2, /* the key has a job waiting or running (429) */
	CHECKQ_RATE = -3,     /* the key used its jobs for this minute (429) */
	CHECKQ_CLOSED = -4,   /* shutting down (503) */
	CHECKQ_NOMEM = -5,
};

/* A worker thread: the job's work, with the slot it holds. */
typedef void (*checkq_run_fn)(void *slot, void *ud);
/* Loop thread, once per accepted job: status 0 after run, or -ECANCELED
 * when the queue closed before the job started (run never ran). */
typedef void (*checkq_done_fn)(void *ud, int status);

/* Starts the threads. Returns 0, or a negative libuv error (nothing to
 * free then; the loop must run for the queue to be gone). */
int checkq_new(pw_checkq_t **out, uv_loop_t *loop, const pw_checkq_config_t *cfg);

/*
 * Queues a job for key. Returns CHECKQ_OK (done will be called), or a
 * refusal (done will not be called) with *retry_after_s (may be NULL) the
 * seconds to wait, at least 1.
 */
int checkq_submit(pw_checkq_t *q, int64_t key, checkq_run_fn run, checkq_done_fn done, void *ud,
		  int *retry_after_s);

typedef struct pw_checkq_stats {
	int running, waiting;
	uint64_t done, refused;
	double avg_ms; /* of the last jobs (a moving average) */
} pw_checkq_stats_t;

void checkq_stats(const pw_checkq_t *q, pw_checkq_stats_t *out);

/* Refuses new jobs and cancels the waiting ones (their done runs now with
 * -ECANCELED); running jobs finish and call done as usual. Once nothing
 * runs, idle(ud) is called (at once when nothing does; may be NULL) — jobs
 * may use what the caller closes after it, say the bus they publish on —
 * and the queue's handle on the loop closes. q may be NULL (idle is then
 * called at once). */
void checkq_close(pw_checkq_t *q, void (*idle)(void *ud), void *ud);
/* Joins the threads and frees the queue: after checkq_close, once the loop
 * has run out (no job runs then). NULL is fine. */
void checkq_free(pw_checkq_t *q);

#endif
