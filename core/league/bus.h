/*
 * bus.h — how the league tells the world that something happened.
 *
 * The round runner and the governance services publish events through this
 * small interface and know nothing of who listens (the server's SSE stream,
 * the Discord bot, logs). `type` is an event type of spec 40-server ("Live
 * events"), e.g. "game.completed"; `json` is one JSON object as text. Both
 * are copied before publish returns, so the caller may free them at once.
 * The league publishes only after the data an event announces is committed.
 *
 * publish may be called from any thread (the round runner runs on the libuv
 * thread pool); an implementation that needs its loop thread hands the event
 * over itself. A NULL bus or NULL publish means nobody listens. It never
 * waits on the network or the database: where several server processes
 * share the store, the server's bus appends events to the store's
 * live-event log on a thread of its own, and every process streams every
 * event from there under one global id (server/live/srv_bus.h, store.h's
 * store_live_*). An event reaches listeners asynchronously either way.
 *
 * Types published by the league: game.completed, round.completed,
 * governance.window_closed, report.generated, season.phase_changed,
 * season.playoffs_complete, proposal.submitted, vote.cast,
 * effect.registered, effect.disabled.
 */
#ifndef PW_BUS_H
#define PW_BUS_H

typedef struct pw_bus {
	void *ud;
	void (*publish)(void *ud, const char *type, const char *json);
} pw_bus_t;

struct cJSON;

/* Prints obj and publishes it; does nothing without a bus. */
void bus_publish_json(const pw_bus_t *bus, const char *type, const struct cJSON *obj);

#endif
