/*
 * scheduler.h — when the league plays its next tick.
 *
 * A libuv timer fires per the pace (fast 1 min, normal 5 min, slow 15 min,
 * manual never; demo, the pace of `make run`, 3 min) or, when a cron
 * expression is set, at its next time. A tick
 * runs the league's round runner on the libuv thread pool so the loop keeps
 * serving; only one tick runs at a time, and none starts while the previous
 * tick's presentation is still running (it waits for it). With auto-advance
 * off, ticks happen only through scheduler_advance (POST /api/pace/advance).
 */
#ifndef PW_SCHEDULER_H
#define PW_SCHEDULER_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include <uv.h>

#include "server/live/cron.h"
#include "server/log.h"

struct cJSON;

typedef enum pw_pace {
	PW_PACE_FAST,
	PW_PACE_NORMAL,
	PW_PACE_SLOW,
	PW_PACE_MANUAL,
	PW_PACE_DEMO, /* `make run`: a tick every 3 minutes, the first soon after start */
} pw_pace_t;

/* "fast" ... → pace; -1 if unknown. */
int scheduler_pace_parse(const char *s);
const char *scheduler_pace_name(pw_pace_t p);
/* Seconds between ticks; 0 for manual. */
int scheduler_pace_seconds(pw_pace_t p);

typedef struct pw_scheduler_ops {
	void *ud;
	/* Thread pool: play one tick. Returns 0 or negative; may set *result
	 * (handed to done). Must not touch the loop. */
	int (*run)(void *ud, void **result);
	/* Loop thread, after run (also when the scheduler is closing). */
	void (*done)(void *ud, int status, void *result);
	/* Loop thread: true while the next tick must wait (a presentation runs). */
	bool (*busy)(void *ud);
	/* Loop thread, when a tick is due (may be NULL: always): whether this
	 * server may play it — false when another server of the database plays
	 * the ticks (server/live/leader.h); the tick is then skipped quietly. */
	bool (*claim)(void *ud);
} pw_scheduler_ops_t;

typedef struct pw_scheduler_config {
	pw_pace_t pace;
	const char *cron;   /* NULL or "": use the pace */
	bool auto_advance;
	/* > 0: the first tick comes this many seconds after start instead of
	 * one interval (the demo's, so a visitor sees games at once). */
	int first_tick_s;
	const pw_log_t *log;
} pw_scheduler_config_t;

/* Seconds to the demo pace's first tick after start. */
#define SCHEDULER_DEMO_FIRST_TICK_S 10

typedef struct pw_sched pw_scheduler_t;

/* Returns 0, or -1 with a sentence in err (bad cron), or a negative libuv
 * error. Nothing to free on failure. */
int scheduler_new(pw_scheduler_t **out, uv_loop_t *loop, const pw_scheduler_config_t *cfg,
	      const pw_scheduler_ops_t *ops, char *err, size_t errlen);

/* Changes the pace at once (the next tick is one new interval from now). */
void scheduler_set_pace(pw_scheduler_t *s, pw_pace_t pace);

/*
 * Starts a tick now. Returns 0, or -EBUSY when a tick or a presentation is
 * running, -EPERM when another server plays the ticks (ops.claim), or
 * -ECANCELED when closing.
 */
int scheduler_advance(pw_scheduler_t *s);

/* Records why the tick that just ended failed (a sentence; the round it
 * was playing, 0 when unknown), for scheduler_status. Loop thread, from
 * ops.done. */
void scheduler_set_error(pw_scheduler_t *s, const char *why, int round);

/* How long after a tick that ends now the next one is due (ms): the
 * pace's interval, or the time to the cron's next firing; 0 when none is
 * scheduled (manual pace, auto-advance off). A tick's replay is fitted
 * into it, so the next tick never waits for a replay. */
uint64_t scheduler_next_tick_in_ms(const pw_scheduler_t *s);

/* When the next tick is due (unix seconds; 0: none is scheduled), and
 * whether one is being played now. */
time_t scheduler_next_at(const pw_scheduler_t *s);
bool scheduler_ticking(const pw_scheduler_t *s);

/* "running" when ticks fire by themselves, "stopped" otherwise. */
const char *scheduler_state(const pw_scheduler_t *s);
/* Adds pace, cron, auto_advance, state, tick_in_progress, next_tick_at,
 * last_tick_at, last_tick_ms, ticks, and last_error, last_error_at,
 * last_error_round (the last tick's failure; null after a tick that
 * succeeded) to obj. */
void scheduler_status(const pw_scheduler_t *s, struct cJSON *obj);

/* Stops the timer; a running tick finishes first (its done still runs).
 * Frees the scheduler once both are over, then calls done(ud). */
void scheduler_close(pw_scheduler_t *s, void (*done)(void *ud), void *ud);

#endif
