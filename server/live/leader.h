/*
 * leader.h — which `pinwheel serve` of a database plays the ticks.
 *
 * Several servers may share one PostgreSQL database; one of them at a time
 * — the leader — holds the store's tick lock (core/league/store.h, "the
 * tick lock") and with it plays every tick and presents it. It keeps the
 * lock while it lives, renewing its lease on a timer: holding it only for
 * a tick would let each instance's own pace timer play a tick of its own
 * (two servers, twice the pace). The others are followers: their
 * schedulers skip their ticks quietly, and they try the lock on the same
 * short timer, so a leader that dies (its session ends: the lock is free
 * at once) or hangs (its lease expires and is taken over) is replaced
 * within a few seconds, not a pace interval. On becoming leader, ops.gained
 * resumes what the old leader left (the round, then its presentation); on
 * losing the lock (taken over after a stall, the database gone), ops.lost
 * stops what this one was presenting.
 *
 * A server on a SQLite file is alone on it and leads from its start.
 * Everything here runs on the loop thread.
 */
#ifndef PW_LEADER_H
#define PW_LEADER_H

#include <stdbool.h>
#include <uv.h>

#include "core/league/store.h"
#include "server/log.h"

struct cJSON;

typedef struct pw_leader_ops {
	void *ud;
	/* This server now holds the tick lock; ticking: it was taken by
	 * leader_claim for a tick about to start (which resumes an unfinished
	 * round itself), not by the timer or at start. */
	void (*gained)(void *ud, bool ticking);
	void (*lost)(void *ud);   /* it held it and does no more */
} pw_leader_ops_t;

typedef struct pw_leader pw_leader_t;

/*
 * A leader on store (a connection of its own, used only by the leader;
 * owned by the caller, open until leader_close's callback), holding as
 * holder (copied; unique to the process) with a lease of lease_s seconds.
 * Tries the lock at once (ops.gained may run before this returns). 0 or
 * a negative libuv error.
 */
int leader_new(pw_leader_t **out, uv_loop_t *loop, pw_store_t *store, const char *holder, int lease_s,
	       const pw_leader_ops_t *ops, const pw_log_t *log);

/* Whether this server may play a tick now: it leads, or it takes the lock
 * now (then ops.gained has run). A follower's refusal is logged at debug. */
bool leader_claim(pw_leader_t *l);

bool leader_holds(const pw_leader_t *l);

/* The holder name this server uses. */
const char *leader_holder(const pw_leader_t *l);

/*
 * bot_state's key := value (NULL: removed) on s, only while this server
 * holds the lock: checked inside the write's transaction, as a round's
 * stages are (fencing). 0 written; -1 not written (not the holder: the
 * loss is then handled as if the lease renewal had found it; or a failure,
 * in s's message).
 */
int leader_kv_write(pw_leader_t *l, pw_store_t *s, const char *key, const char *value);

/* Adds "tick_lock": {"held": bool, "holder": this server's name,
 * "lease_seconds"} to obj. */
void leader_status(const pw_leader_t *l, struct cJSON *obj);

/* Releases the lock if held, stops the timer, frees in its close callback. */
void leader_close(pw_leader_t *l);

#endif
