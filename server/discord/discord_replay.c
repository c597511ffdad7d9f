/*
 * discord_replay.c — interactions already answered (see discord_replay.h).
 */
#include "server/discord/discord_replay.h"

#include <string.h>

bool discord_replay_first(discord_replay_t *r, const char *id, int64_t now, int64_t window_s)
{
	size_t n = strlen(id);
	if (n == 0 || n >= DISCORD_REPLAY_ID_MAX)
		return false;
	/* A linear scan: 4096 short compares per interaction is nothing beside
	 * the signature check that came before it. */
	for (int i = 0; i < DISCORD_REPLAY_SLOTS; i++)
		if (r->slot[i].at && now - r->slot[i].at <= window_s && !strcmp(r->slot[i].id, id))
			return false;
	memcpy(r->slot[r->next].id, id, n + 1);
	r->slot[r->next].at = now;
	r->next = (r->next + 1) % DISCORD_REPLAY_SLOTS;
	return true;
}
