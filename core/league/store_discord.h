/*
 * store_discord.h — what the Discord bot keeps in the store: the outbox of
 * REST calls still to make (spec 50, "never lose an announcement across a
 * restart").
 *
 * The outbox is a queue in a table: the loop thread appends a call (method,
 * path, JSON body) in the same order the events that caused it arrived;
 * the sender thread takes the oldest call not yet done, makes it, and
 * marks it done — so a restart (even a kill -9) resumes at the first call
 * not marked, and every call is made in order. A call that was made but not
 * yet marked when the process died is made again; message creations carry
 * the row's id as Discord's nonce with enforce_nonce, so Discord returns
 * the message already made instead of posting it twice.
 *
 * A call whose method is "DM" is a direct message: its path is the user's
 * id, and the sender opens (or finds) the DM channel before posting.
 *
 * Channel, role and category ids `pinwheel discord setup` creates live in
 * bot_state (store_kv_*), under keys "discord.<kind>.<name>".
 *
 * Functions return 0 (or 1/0 for "found") or -1 with store_errmsg() set.
 */
#ifndef PW_STORE_DISCORD_H
#define PW_STORE_DISCORD_H

#include <stddef.h>
#include <stdint.h>

#include "core/league/store.h"

#define STORE_OUTBOX_PATH_MAX 512

typedef struct pw_outbox_row {
	int64_t id;
	char method[8];                     /* POST, PATCH, PUT, DELETE, GET */
	char path[STORE_OUTBOX_PATH_MAX];   /* below the API root: "/channels/1/messages" */
	char *body;                         /* JSON text or NULL; caller frees */
	int attempts;                       /* tries that failed so far */
} pw_outbox_row_t;

/* Appends a call; *id (may be NULL) its row id, which also orders it. */
int store_outbox_add(pw_store_t *s, const char *method, const char *path, const char *body,
		     int64_t now, int64_t *id);
/* The oldest call neither sent nor given up: 1 with out filled (out->body
 * the caller's), 0 when there is none. */
int store_outbox_next(pw_store_t *s, pw_outbox_row_t *out);
/* The call is done: sent (status the HTTP status) or given up (status 0
 * or a 4xx, error saying why). */
int store_outbox_done(pw_store_t *s, int64_t id, int status, const char *error, int64_t now);
/* A try failed and will be made again: counts it and keeps the reason. */
int store_outbox_failed_try(pw_store_t *s, int64_t id, const char *error);
/* The subject (a Discord user id) of identity_id when its provider is
 * provider: 1 with out filled, 0 when it is another provider's or none, -1. */
int store_identity_subject(pw_store_t *s, int64_t identity_id, const char *provider, char *out, size_t cap);

/* Calls not done yet (sent or given up), for /health and tests. -1 on failure. */
int64_t store_outbox_pending(pw_store_t *s);

#endif
