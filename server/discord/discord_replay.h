/*
 * discord_replay.h — interactions already answered, so a signed request
 * captured on its way and sent again is refused.
 *
 * A signature stays valid for the timestamp window (discord_verify.h, 300
 * s), so without this a copy of a signed "vote" or "confirm" could be
 * replayed within it. Discord gives every interaction an id of its own; the
 * ids seen in the window are remembered in a fixed ring (no allocation, no
 * growth under a flood: past DISCORD_REPLAY_SLOTS ids in one window the
 * oldest is forgotten early — the window is still bounded by the
 * timestamp check). Loop thread only.
 */
#ifndef PW_DISCORD_REPLAY_H
#define PW_DISCORD_REPLAY_H

#include <stdbool.h>
#include <stdint.h>

#define DISCORD_REPLAY_SLOTS 4096
#define DISCORD_REPLAY_ID_MAX 32 /* snowflakes are at most 20 digits */

typedef struct discord_replay {
	struct {
		char id[DISCORD_REPLAY_ID_MAX];
		int64_t at;
	} slot[DISCORD_REPLAY_SLOTS];
	int next;
} discord_replay_t;

/* True (and id remembered) when id was not seen in the last window_s
 * seconds before now; false for a replay. An id longer than
 * DISCORD_REPLAY_ID_MAX - 1 is never Discord's: false too. */
bool discord_replay_first(discord_replay_t *r, const char *id, int64_t now, int64_t window_s);

#endif
