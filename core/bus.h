/*
 * bus.h — the in-process publisher the league writes to.
 *
 * The core only publishes; the server implements publish (SSE fan-out,
 * Discord, logs). A NULL bus or a NULL publish drops events. publish is
 * called after the data it announces is committed, on the caller's thread;
 * it must copy what it keeps (type and json are valid only during the call).
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
