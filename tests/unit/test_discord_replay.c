/*
 * test_discord_replay.c — an interaction id is answered once within the
 * signature window, again after it; ids that are not Discord's are
 * refused; a flood forgets the oldest, never grows.
 */
#include <stdio.h>
#include <stdlib.h>

#include "server/discord/discord_replay.h"
#include "tests/test.h"

TEST(discord_replay_answers_an_id_once_within_the_window)
{
	discord_replay_t *r = calloc(1, sizeof *r);
	CHECK(discord_replay_first(r, "1184000000000000001", 1000, 300));
	CHECK(!discord_replay_first(r, "1184000000000000001", 1000, 300));
	CHECK(!discord_replay_first(r, "1184000000000000001", 1300, 300)); /* the window's last second */
	CHECK(discord_replay_first(r, "1184000000000000002", 1000, 300));
	/* past the window the timestamp check refuses a copy anyway; the id
	 * may be remembered again */
	CHECK(discord_replay_first(r, "1184000000000000001", 1301, 300));
	CHECK(!discord_replay_first(r, "", 1000, 300));
	CHECK(!discord_replay_first(r, "123456789012345678901234567890123", 1000, 300));
	free(r);
}

TEST(discord_replay_forgets_the_oldest_when_full)
{
	discord_replay_t *r = calloc(1, sizeof *r);
	char id[32];
	for (int i = 0; i < DISCORD_REPLAY_SLOTS + 1; i++) {
		snprintf(id, sizeof id, "%d", 100000 + i);
		CHECK(discord_replay_first(r, id, 1000, 300));
	}
	/* slot 0 was reused by the last id: the first one is forgotten, the
	 * second still refused */
	CHECK(discord_replay_first(r, "100000", 1000, 300));
	CHECK(!discord_replay_first(r, "100002", 1000, 300));
	free(r);
}
