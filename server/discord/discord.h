/*
 * discord.h — the league in Discord, as an HTTP-interactions application
 * (spec 50 "Discord"; docs/DISCORD.md): no gateway socket.
 *
 *  - Inbound: Discord POSTs every slash command, button press and modal
 *    submission to /discord/interactions, signed with Ed25519
 *    (discord_verify.h). Each is answered with the same league services the
 *    JSON API and the pages call (governance, identity, seasons): a Discord
 *    user is a governor identity ("discord", user id), one per season.
 *    Proposals and amendments go to the check workers (api_propose.h) and
 *    are answered "deferred" at once, the interpretation following through
 *    the interaction's webhook.
 *  - Outbound: bus subscribers announce results, tallies and phase changes
 *    in the channels `pinwheel discord setup` made, through the outbox
 *    (core/league/store_discord.h) drained in order by the sender thread
 *    (discord_outbox.h) within Discord's rate limits (discord_rest.h).
 *
 * Settings (contract): DISCORD_APPLICATION_ID, DISCORD_PUBLIC_KEY (hex),
 * DISCORD_BOT_TOKEN, DISCORD_GUILD_ID, DISCORD_CLIENT_SECRET (OAuth2) and
 * DISCORD_API_BASE (default Discord's API root). Without the first three
 * everything here is off and /health says "disabled"; with them it says
 * "connected" once a REST call has been answered, "connecting" before.
 */
#ifndef PW_DISCORD_H
#define PW_DISCORD_H

#include <stdbool.h>
#include <stddef.h>

#include "server/discord/discord_verify.h"

typedef struct pw_app pw_app_t;

typedef struct pw_discord_cfg {
	char app_id[32];
	char public_key[2 * DISCORD_KEY_BYTES + 1];
	char bot_token[256];
	char guild_id[32];
	char client_secret[256];
	char api_base[512];
} pw_discord_cfg_t;

/*
 * Reads the DISCORD_* settings into cfg: 1 when the bot is on (application
 * id, public key and bot token all set), 0 when it is off (none of them
 * set), -1 with err naming the setting when they are half set or malformed
 * (an id that is not a snowflake, a key that is not 64 hex digits).
 */
int discord_config_from_env(pw_discord_cfg_t *cfg, char *err, size_t errlen);

/* Loop thread, after the league is open: reads the settings and, when on,
 * starts the sender and subscribes to the bus. 0 (on or off), -1 with the
 * reason logged. */
int discord_open(pw_app_t *app);
/* Whether this server sends what Discord's outbox holds: only the server
 * holding the tick lock does (discord_outbox.h). Loop thread; nothing
 * when Discord is off. */
void discord_set_sending(pw_app_t *app, bool on);
/* Stops the sender (after the loop has stopped). NULL-safe. */
void discord_close(pw_app_t *app);
/* /health's "discord", as the contract lists it: "disabled" without the
 * DISCORD_* settings, else "connected" (the interactions endpoint is
 * served and announcements are queued, whether or not Discord has
 * answered yet: the outbox keeps them until it does). */
const char *discord_health(const pw_app_t *app);
/* /health's "discord_api": "ok" once Discord accepted the bot token,
 * "waiting" until then (unreachable, or the token refused: the log says
 * which); NULL when Discord is off. */
const char *discord_api_health(const pw_app_t *app);
/* Whether "Sign in with Discord" is on (DISCORD_CLIENT_SECRET): the pages
 * link /auth/discord then. */
bool discord_sign_in_on(const pw_app_t *app);
/* Registers /discord/interactions (and the sign-in routes). */
int discord_routes(pw_app_t *app);

#endif
