/*
 * discord_setup.h — what an operator runs once: `pinwheel discord
 * register` (the slash commands) and `pinwheel discord setup` (the guild's
 * category, channels and roles). Both are idempotent: run again, they
 * change nothing that is already right.
 */
#ifndef PW_DISCORD_SETUP_H
#define PW_DISCORD_SETUP_H

#include <stdbool.h>
#include <stddef.h>

#include "core/league/store.h"
#include "server/discord/discord.h"

struct cJSON;

/* The command set, as Discord's bulk overwrite takes it (caller owns):
 * every command discord_cmd.c answers, with its options. */
struct cJSON *discord_command_set(void);

/* Registers the command set with one bulk overwrite (PUT): in the guild
 * DISCORD_GUILD_ID when guild (commands appear at once), else globally.
 * Returns how many commands Discord now has, or -1 with err. */
int discord_register(const pw_discord_cfg_t *cfg, bool guild, char *err, size_t errlen);

/* Shared channels `setup` makes, and where announcements go (discord_notify.c). */
#define DISCORD_SHARED_CHANNELS {"how-to-play", "play-by-play", "big-plays"}

/*
 * Makes what the league needs in DISCORD_GUILD_ID, finding what exists by
 * name first: the "Pinwheel Fates" category; the shared channels in it; a
 * role per team and a channel per team that only the team's role (and the
 * bot) can see; a how-to-play message once. Records every id in bot_state
 * of s ("discord.category.league", "discord.channel.<name>",
 * "discord.channel.team-<id>", "discord.role.team-<id>"), and the admin
 * who reviews wild proposals — the guild's owner — with a DM channel to
 * them ("discord.admin.user", "discord.channel.admin-dm"). *made (may be
 * NULL): how many objects were created this time. 0, or -1 with err.
 */
int discord_setup(const pw_discord_cfg_t *cfg, pw_store_t *s, int *made, char *err, size_t errlen);

#endif
