/*
 * bus.h (server) — the in-process event bus behind core/league/bus.h.
 *
 * Anyone may publish from any thread: the event is copied, numbered under
 * a mutex (so ids follow publish order), queued, and handed to the loop
 * thread with uv_async_send. On the loop thread every sink (the SSE hub,
 * the log, the Discord bot later) sees each event in id order.
 */
#ifndef PW_SRV_BUS_H
#define PW_SRV_BUS_H

#include <stdint.h>
#include <uv.h>

#include "core/league/bus.h"

typedef struct srv_bus srv_bus_t;

typedef void (*srv_bus_sink_fn)(void *ud, uint64_t id, const char *type, const char *json);

#define SRV_BUS_MAX_SINKS 8
#define SRV_BUS_MAX_PENDING 100000

/* first_id: the id of the first event (ids then increase by one). Returns
 * 0 or a negative libuv error. */
int srv_bus_new(srv_bus_t **out, uv_loop_t *loop, uint64_t first_id);

/* Adds a sink; loop thread, before events flow. -1 when full. */
int srv_bus_add_sink(srv_bus_t *b, srv_bus_sink_fn fn, void *ud);

/* Any thread. Drops (and counts) the event when SRV_BUS_MAX_PENDING events
 * already wait, or when the bus is closing. */
void srv_bus_publish(srv_bus_t *b, const char *type, const char *json);

/* The core/league/bus.h view of this bus, for the league's services. */
pw_bus_t srv_bus_iface(srv_bus_t *b);

uint64_t srv_bus_dropped(srv_bus_t *b);

/* Delivers what is queued, then closes; frees in the close callback. */
void srv_bus_close(srv_bus_t *b);

#endif
