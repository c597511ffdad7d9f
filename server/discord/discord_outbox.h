/*
 * discord_outbox.h — the sender: one thread that drains the outbox
 * (core/league/store_discord.h) in order through discord_rest.h.
 *
 * The loop thread only appends rows (a short write) and wakes the sender;
 * every network call, wait and retry happens on the sender's thread with
 * its own store connection, so the loop never waits for Discord.
 *
 * A call answered 2xx is marked sent. A 429 is waited out inside the call.
 * The network failing or a 5xx is tried again after a back-off (1 s,
 * doubling to a minute) up to DISCORD_OUTBOX_TRIES times; a call Discord
 * refuses (another 4xx) is given up at once with the reason logged — it
 * would be refused again, and the calls behind it must go on. A message
 * creation carries "nonce": "pw<row id>" with "enforce_nonce": true, so a
 * call made again after a crash cannot post the message twice.
 */
#ifndef PW_DISCORD_OUTBOX_H
#define PW_DISCORD_OUTBOX_H

#include <stdbool.h>

#include "server/discord/discord_rest.h"
#include "server/log.h"

#define DISCORD_OUTBOX_TRIES 8

typedef struct discord_sender discord_sender_t;

/*
 * Starts the sender on its own thread over the database at db_path (its own
 * connection) with rest (not owned; outlives the sender). First it checks
 * the token (GET /users/@me: what makes /health say "connected"), then it
 * drains. 0, or -1 with err set.
 */
int discord_sender_start(discord_sender_t **out, const char *db_path, discord_rest_t *rest,
			 const pw_log_t *log, char *err, size_t errlen);
/*
 * Any thread: whether this server drains the outbox. Only the server that
 * holds the tick lock does (the app says so as it gains or loses it): one
 * sender per database keeps the outbox's order, its rate limits, and
 * keeps two servers from taking the same row. A row the old holder was
 * sending when it died goes again from its heir, and the nonce keeps
 * Discord from posting it twice. A sender starts inactive; it checks the
 * token all the same (/health).
 */
void discord_sender_set_active(discord_sender_t *s, bool active);
/* Any thread: there is something new to send. */
void discord_sender_wake(discord_sender_t *s);
/* Stops and joins the thread (a call in progress finishes or times out
 * first; a rate-limit wait ends at once) and frees. NULL-safe. */
void discord_sender_stop(discord_sender_t *s);

#endif
