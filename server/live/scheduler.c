/*
 * scheduler.c — pace and cron timers, ticks on the thread pool (see
 * scheduler.h).
 */
#include "server/live/scheduler.h"
#include "server/http/response.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* While a presentation runs, a due tick re-checks this often. */
#define WAIT_POLL_MS 1000

struct pw_sched {
	uv_loop_t *loop;
	uv_timer_t timer;
	uv_work_t work;
	pw_scheduler_ops_t ops;
	pw_scheduler_config_t cfg;
	char cron_text[128];
	pw_cron_t cron;
	bool has_cron;
	bool working;
	bool closing;
	bool timer_open;
	bool due;            /* a tick is due but waits for a presentation */
	bool first_armed;    /* the first tick's timer was set (first_tick_s applies once) */
	int work_status;
	void *work_result;
	time_t next_at;      /* 0: none scheduled */
	time_t last_at;
	double last_ms;
	uint64_t started_ns;
	uint64_t ticks;
	char last_error[320];
	time_t last_error_at;
	int last_error_round; /* 0: unknown */
	void (*done)(void *);
	void *done_ud;
};

static const char *pace_names[] = {"fast", "normal", "slow", "manual", "demo"};
#define N_PACES (int)(sizeof pace_names / sizeof pace_names[0])

int scheduler_pace_parse(const char *s)
{
	for (int i = 0; s && i < N_PACES; i++)
		if (!strcasecmp(s, pace_names[i]))
			return i;
	return -1;
}

const char *scheduler_pace_name(pw_pace_t p)
{
	return (int)p < N_PACES ? pace_names[p] : "manual";
}

int scheduler_pace_seconds(pw_pace_t p)
{
	switch (p) {
	case PW_PACE_FAST: return 60;
	case PW_PACE_NORMAL: return 300;
	case PW_PACE_SLOW: return 900;
	case PW_PACE_DEMO: return 180;
	default: return 0;
	}
}

static void arm(pw_scheduler_t *s);
static void start_tick(pw_scheduler_t *s);

static void maybe_free(pw_scheduler_t *s)
{
	if (s->closing && !s->working && !s->timer_open) {
		void (*done)(void *) = s->done;
		void *ud = s->done_ud;
		free(s);
		if (done)
			done(ud);
	}
}

static void on_work(uv_work_t *w)
{
	pw_scheduler_t *s = w->data;
	s->work_result = NULL;
	s->work_status = s->ops.run(s->ops.ud, &s->work_result);
}

static void on_after_work(uv_work_t *w, int status)
{
	pw_scheduler_t *s = w->data;
	s->working = false;
	s->last_ms = (double)(uv_hrtime() - s->started_ns) / 1e6;
	s->last_at = time(NULL);
	int st = status < 0 ? status : s->work_status;
	/* A failed tick's reason comes from ops.done (scheduler_set_error);
	 * this stands in until it does. A tick that succeeds clears it. */
	if (st < 0) {
		snprintf(s->last_error, sizeof s->last_error, "tick failed (%s)", uv_strerror(st));
		s->last_error_at = s->last_at;
		s->last_error_round = 0;
	} else {
		s->last_error[0] = '\0';
	}
	s->ticks++;
	if (s->cfg.log)
		log_event(s->cfg.log, st < 0 ? PW_LOG_ERROR : PW_LOG_INFO, "tick.done",
			  "status=%d duration_ms=%.1f", st, s->last_ms);
	if (s->ops.done)
		s->ops.done(s->ops.ud, st, s->work_result);
	s->work_result = NULL;
	if (s->closing) {
		maybe_free(s);
		return;
	}
	arm(s);
}

static void start_tick(pw_scheduler_t *s)
{
	s->due = false;
	s->working = true;
	s->started_ns = uv_hrtime();
	s->work.data = s;
	if (s->cfg.log)
		log_event(s->cfg.log, PW_LOG_INFO, "tick.start", "pace=%s", scheduler_pace_name(s->cfg.pace));
	if (uv_queue_work(s->loop, &s->work, on_work, on_after_work) < 0) {
		s->working = false;
		snprintf(s->last_error, sizeof s->last_error, "could not queue the tick");
		arm(s);
	}
}

static void on_timer(uv_timer_t *t)
{
	pw_scheduler_t *s = t->data;
	s->next_at = 0;
	if (s->closing || s->working)
		return;
	/* First whether this server plays the ticks at all (taking them
	 * over may resume a presentation, which the tick then waits for). */
	if (s->ops.claim && !s->ops.claim(s->ops.ud)) {
		/* Another server plays them: nothing to do here until the
		 * next one (ops.claim logged it at debug). */
		s->due = false;
		arm(s);
		return;
	}
	if (s->ops.busy && s->ops.busy(s->ops.ud)) {
		/* The previous tick is still being presented: play this one
		 * as soon as it ends, never on top of it. */
		s->due = true;
		uv_timer_start(&s->timer, on_timer, WAIT_POLL_MS, 0);
		return;
	}
	start_tick(s);
}

/* Sets the timer for the next tick per cron or pace. */
static void arm(pw_scheduler_t *s)
{
	if (s->closing)
		return;
	uv_timer_stop(&s->timer);
	s->next_at = 0;
	if (s->due) {
		uv_timer_start(&s->timer, on_timer, WAIT_POLL_MS, 0);
		return;
	}
	if (!s->cfg.auto_advance)
		return;
	time_t now = time(NULL);
	if (s->has_cron) {
		time_t next;
		if (cron_next(&s->cron, now, &next) < 0)
			return;
		s->next_at = next;
		uv_timer_start(&s->timer, on_timer, (uint64_t)(next - now) * 1000, 0);
		return;
	}
	int secs = scheduler_pace_seconds(s->cfg.pace);
	if (secs <= 0)
		return;
	if (s->cfg.first_tick_s > 0 && !s->ticks && !s->first_armed)
		secs = s->cfg.first_tick_s;
	s->first_armed = true;
	s->next_at = now + secs;
	uv_timer_start(&s->timer, on_timer, (uint64_t)secs * 1000, 0);
}

int scheduler_new(pw_scheduler_t **out, uv_loop_t *loop, const pw_scheduler_config_t *cfg,
	      const pw_scheduler_ops_t *ops, char *err, size_t errlen)
{
	*out = NULL;
	pw_scheduler_t *s = calloc(1, sizeof *s);
	if (!s)
		return UV_ENOMEM;
	s->loop = loop;
	s->ops = *ops;
	s->cfg = *cfg;
	if (cfg->cron && *cfg->cron) {
		if (cron_parse(cfg->cron, &s->cron, err, errlen) < 0) {
			free(s);
			return -1;
		}
		snprintf(s->cron_text, sizeof s->cron_text, "%s", cfg->cron);
		s->has_cron = true;
	}
	s->cfg.cron = NULL;
	uv_timer_init(loop, &s->timer);
	s->timer.data = s;
	s->timer_open = true;
	arm(s);
	*out = s;
	return 0;
}

void scheduler_set_pace(pw_scheduler_t *s, pw_pace_t pace)
{
	s->cfg.pace = pace;
	if (s->cfg.log)
		log_event(s->cfg.log, PW_LOG_INFO, "pace.changed", "pace=%s", scheduler_pace_name(pace));
	if (!s->working)
		arm(s);
}

int scheduler_advance(pw_scheduler_t *s)
{
	if (s->closing)
		return -ECANCELED;
	if (s->working)
		return -EBUSY;
	if (s->ops.claim && !s->ops.claim(s->ops.ud))
		return -EPERM;
	if (s->ops.busy && s->ops.busy(s->ops.ud))
		return -EBUSY;
	uv_timer_stop(&s->timer);
	start_tick(s);
	return 0;
}

void scheduler_set_error(pw_scheduler_t *s, const char *why, int round)
{
	snprintf(s->last_error, sizeof s->last_error, "%s", why && *why ? why : "tick failed");
	s->last_error_at = time(NULL);
	s->last_error_round = round;
}

uint64_t scheduler_next_tick_in_ms(const pw_scheduler_t *s)
{
	if (s->closing || !s->cfg.auto_advance)
		return 0;
	time_t now = time(NULL), next;
	if (s->has_cron)
		return cron_next(&s->cron, now, &next) == 0 && next > now ? (uint64_t)(next - now) * 1000 : 0;
	return (uint64_t)scheduler_pace_seconds(s->cfg.pace) * 1000;
}

time_t scheduler_next_at(const pw_scheduler_t *s)
{
	return s->next_at;
}

bool scheduler_ticking(const pw_scheduler_t *s)
{
	return s->working;
}

const char *scheduler_state(const pw_scheduler_t *s)
{
	if (s->closing)
		return "stopped";
	return s->cfg.auto_advance && (s->has_cron || s->cfg.pace != PW_PACE_MANUAL) ? "running"
										       : "stopped";
}

void scheduler_status(const pw_scheduler_t *s, cJSON *obj)
{
	cJSON_AddStringToObject(obj, "pace", scheduler_pace_name(s->cfg.pace));
	cJSON_AddNumberToObject(obj, "pace_seconds", scheduler_pace_seconds(s->cfg.pace));
	if (s->has_cron)
		cJSON_AddStringToObject(obj, "cron", s->cron_text);
	else
		cJSON_AddNullToObject(obj, "cron");
	cJSON_AddBoolToObject(obj, "auto_advance", s->cfg.auto_advance);
	cJSON_AddStringToObject(obj, "scheduler", scheduler_state(s));
	cJSON_AddBoolToObject(obj, "tick_in_progress", s->working);
	cJSON_AddBoolToObject(obj, "tick_waiting", s->due);
	json_add_time(obj, "next_tick_at", s->next_at);
	json_add_time(obj, "last_tick_at", s->last_at);
	cJSON_AddNumberToObject(obj, "last_tick_ms", s->last_ms);
	cJSON_AddNumberToObject(obj, "ticks", (double)s->ticks);
	if (s->last_error[0]) {
		cJSON_AddStringToObject(obj, "last_error", s->last_error);
		json_add_time(obj, "last_error_at", s->last_error_at);
		if (s->last_error_round > 0)
			cJSON_AddNumberToObject(obj, "last_error_round", s->last_error_round);
		else
			cJSON_AddNullToObject(obj, "last_error_round");
	} else {
		cJSON_AddNullToObject(obj, "last_error");
		cJSON_AddNullToObject(obj, "last_error_at");
		cJSON_AddNullToObject(obj, "last_error_round");
	}
}

static void on_timer_closed(uv_handle_t *h)
{
	pw_scheduler_t *s = h->data;
	s->timer_open = false;
	maybe_free(s);
}

void scheduler_close(pw_scheduler_t *s, void (*done)(void *ud), void *ud)
{
	if (s->closing)
		return;
	s->closing = true;
	s->done = done;
	s->done_ud = ud;
	uv_close((uv_handle_t *)&s->timer, on_timer_closed);
}
