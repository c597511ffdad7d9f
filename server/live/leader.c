/*
 * leader.c — the tick lock held by one server of a database (see leader.h).
 */
#include "server/live/leader.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pw_leader {
	uv_loop_t *loop;
	uv_timer_t timer;
	pw_store_t *store;
	char holder[128];
	int lease_s;
	pw_leader_ops_t ops;
	const pw_log_t *log;
	bool holds;
	bool lost_pending; /* a fenced write found the lock gone: tell ops.lost */
	bool closing;
};

/* The lease is renewed, and a follower tries the lock, every third of the
 * lease, at most every LEADER_POLL_MAX_MS: often enough to renew twice
 * before the lease ends, and to replace a dead leader within seconds. */
#define LEADER_POLL_MAX_MS 5000
#define LEADER_POLL_MIN_MS 500

static uint64_t period_ms(const pw_leader_t *l)
{
	uint64_t p = (uint64_t)l->lease_s * 1000 / 3;
	return p > LEADER_POLL_MAX_MS ? LEADER_POLL_MAX_MS : p < LEADER_POLL_MIN_MS ? LEADER_POLL_MIN_MS : p;
}

static void lose(pw_leader_t *l, const char *why)
{
	l->holds = false;
	l->lost_pending = false;
	/* Whatever is left of it here (a connection whose session may
	 * already be gone) goes; another holder's lease is left alone. */
	store_tick_lock_release(l->store, l->holder);
	if (l->log)
		log_event(l->log, PW_LOG_WARN, "tick.lock_lost",
			  "this server no longer plays the ticks: %s", why);
	if (l->ops.lost)
		l->ops.lost(l->ops.ud);
}

/* Tries the lock; true when this server holds it now. */
static bool try_take(pw_leader_t *l, bool ticking)
{
	char who[128] = "";
	int got = store_tick_lock_take(l->store, l->holder, l->lease_s, who, sizeof who);
	if (got == 1) {
		l->holds = true;
		if (l->log)
			log_event(l->log, PW_LOG_INFO, "tick.lock_taken",
				  "this server (%s) plays the ticks now (lease %d s)", l->holder, l->lease_s);
		if (l->ops.gained)
			l->ops.gained(l->ops.ud, ticking);
		return true;
	}
	if (l->log) {
		if (got == 0)
			log_event(l->log, PW_LOG_DEBUG, "tick.follower", "%s plays the ticks", who);
		else
			log_event(l->log, PW_LOG_WARN, "tick.lock_failed", "trying the tick lock failed: %s",
				  store_errmsg(l->store));
	}
	return false;
}

static void on_timer(uv_timer_t *t)
{
	pw_leader_t *l = t->data;
	if (l->closing)
		return;
	if (l->lost_pending)
		lose(l, "another server holds the tick lock");
	else if (l->holds) {
		if (store_tick_lock_renew(l->store, l->holder, l->lease_s) != 1)
			lose(l, store_errmsg(l->store));
	} else {
		try_take(l, false);
	}
	if (!l->closing)
		uv_timer_start(&l->timer, on_timer, period_ms(l), 0);
}

int leader_new(pw_leader_t **out, uv_loop_t *loop, pw_store_t *store, const char *holder, int lease_s,
	       const pw_leader_ops_t *ops, const pw_log_t *log)
{
	*out = NULL;
	pw_leader_t *l = calloc(1, sizeof *l);
	if (!l)
		return UV_ENOMEM;
	l->loop = loop;
	l->store = store;
	snprintf(l->holder, sizeof l->holder, "%s", holder);
	l->lease_s = lease_s > 0 ? lease_s : STORE_TICK_LEASE_DEFAULT;
	l->ops = *ops;
	l->log = log;
	uv_timer_init(loop, &l->timer);
	l->timer.data = l;
	*out = l;
	try_take(l, false);
	uv_timer_start(&l->timer, on_timer, period_ms(l), 0);
	return 0;
}

bool leader_claim(pw_leader_t *l)
{
	if (l->closing || l->lost_pending)
		return false;
	return l->holds || try_take(l, true);
}

bool leader_holds(const pw_leader_t *l)
{
	return l->holds && !l->lost_pending;
}

const char *leader_holder(const pw_leader_t *l)
{
	return l->holder;
}

int leader_kv_write(pw_leader_t *l, pw_store_t *s, const char *key, const char *value)
{
	if (!leader_holds(l) || store_begin(s) < 0)
		return -1;
	char who[128] = "";
	int got = store_tick_lock_holder(s, who, sizeof who, NULL);
	int rc = -1;
	if (got == 1 && !strcmp(who, l->holder))
		rc = value ? store_kv_set(s, key, value) : store_kv_delete(s, key);
	if (rc < 0 || store_commit(s) < 0) {
		store_rollback(s);
		rc = -1;
	}
	if (got >= 0 && (got == 0 || strcmp(who, l->holder))) {
		/* Taken over while this server stalled: its successor's state is
		 * not overwritten, and the loss is handled off this call (its
		 * caller may be the very presentation that must stop). */
		l->lost_pending = true;
		uv_timer_start(&l->timer, on_timer, 0, 0);
	}
	return rc;
}

void leader_status(const pw_leader_t *l, cJSON *obj)
{
	cJSON *o = cJSON_AddObjectToObject(obj, "tick_lock");
	cJSON_AddBoolToObject(o, "held", leader_holds(l));
	cJSON_AddStringToObject(o, "holder", l->holder);
	cJSON_AddNumberToObject(o, "lease_seconds", l->lease_s);
}

static void on_closed(uv_handle_t *h)
{
	free(h->data);
}

void leader_close(pw_leader_t *l)
{
	if (!l || l->closing)
		return;
	l->closing = true;
	if (l->holds)
		store_tick_lock_release(l->store, l->holder);
	l->holds = false;
	uv_close((uv_handle_t *)&l->timer, on_closed);
}
