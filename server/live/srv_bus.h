/*
 * srv_bus.h (server) — the event bus behind core/league/bus.h.
 *
 * Anyone may publish from any thread; on the loop thread every sink (the
 * SSE hub, the log, the report writer, the Discord bot) sees each event in
 * id order. Two modes:
 *
 * In process (the default; a SQLite store, one instance per database): the
 * event is copied, numbered under a mutex (so ids follow publish order),
 * queued, and handed to the loop thread with uv_async_send. Ids start at a
 * number the server picks (the wall clock in ms, so they keep increasing
 * across restarts). Nothing is written anywhere.
 *
 * Shared (srv_bus_share; a store several instances share, PostgreSQL): the
 * bus is the store's live-event log (store.h). Publishing queues the event
 * for a publisher thread that appends it to the log — the loop never waits
 * on the database, and a full queue drops (and counts) rather than block a
 * publisher. A follower thread on a connection of its own listens for
 * appends (and reads every SRV_BUS_POLL_MS anyway, as a safety net) and
 * reads what is new after the last id it delivered — every instance's
 * events, this one's included — handing them to the loop. So every
 * instance delivers every event, in the log's order, under the log's
 * global ids; after a lost connection it reconnects and reads on from that
 * id, so nothing is lost (as long as the log still holds it: it keeps the
 * newest SRV_BUS_KEEP).
 *
 * Sinks with side effects (a report written, a Discord message sent) must
 * act once across instances, not once per instance: they are added with
 * srv_bus_add_sink_of(SRV_BUS_OWN) and see only the events this instance
 * published (the log records each event's origin), so each is acted on
 * by the instance where it happened. In process every event is this
 * instance's own.
 */
#ifndef PW_SRV_BUS_H
#define PW_SRV_BUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "core/league/bus.h"
#include "server/log.h"

typedef struct srv_bus srv_bus_t;

typedef void (*srv_bus_sink_fn)(void *ud, uint64_t id, const char *type, const char *json);

#define SRV_BUS_MAX_SINKS 8
#define SRV_BUS_MAX_PENDING 100000
/* Shared mode: how often the follower reads the log without being told
 * (the safety net for a lost notification), events per read, and how many
 * of the newest events the log keeps (pruned by the publisher). */
#define SRV_BUS_POLL_MS 250
#define SRV_BUS_PAGE 500
#define SRV_BUS_KEEP 10000

/* first_id: the id of the first event in process (ids then increase by
 * one). Returns 0 or a negative libuv error. */
int srv_bus_new(srv_bus_t **out, uv_loop_t *loop, uint64_t first_id);

/* Which events a sink sees, by who published them. */
typedef enum srv_bus_origin {
	SRV_BUS_ALL,    /* every event */
	SRV_BUS_OWN,    /* this instance's (in process: all): work that must
			 * happen once across instances */
	SRV_BUS_OTHERS, /* the other instances' (in process: none): to mirror
			 * what another instance does (the arena it presents) */
} srv_bus_origin_t;

/* Adds a sink that sees every event; loop thread, before events flow. -1
 * when full. */
int srv_bus_add_sink(srv_bus_t *b, srv_bus_sink_fn fn, void *ud);
/* Adds a sink that sees the events of `which` origin. -1 when full. */
int srv_bus_add_sink_of(srv_bus_t *b, srv_bus_origin_t which, srv_bus_sink_fn fn, void *ud);

/*
 * Shared mode: relays the bus through the live-event log of db (a store
 * setting; each thread opens its own connection), as instance `origin`
 * (at most 63 characters, unique among the instances). Delivery starts
 * after the newest event in the log now, whose id goes to *last_id (what
 * came before is history, read from the store by whoever needs it).
 * Loop thread, before
 * anything is published. 0, or -1 with err filled (nothing started).
 */
int srv_bus_share(srv_bus_t *b, const char *db, const char *origin, const pw_log_t *log,
		  uint64_t *last_id, char *err, size_t errlen);
bool srv_bus_shared(const srv_bus_t *b);

/* Any thread. Drops (and counts) the event when SRV_BUS_MAX_PENDING events
 * already wait, or when the bus is closing. */
void srv_bus_publish(srv_bus_t *b, const char *type, const char *json);

/* The core/league/bus.h view of this bus, for the league's services. */
pw_bus_t srv_bus_iface(srv_bus_t *b);

uint64_t srv_bus_dropped(srv_bus_t *b);

/* Delivers what is queued, then closes; frees in the close callback. In
 * shared mode it first lets the publisher append what it holds and stops
 * both threads (the loop waits for that, at most a poll interval plus the
 * appends: only at shutdown). */
void srv_bus_close(srv_bus_t *b);

#endif
