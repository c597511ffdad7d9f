/*
 * Fixed game hashes: the same seeds must give the same games in every
 * version that does not mean to change the game. A refactor that moves a
 * draw, reorders a hook or changes a constant fails here first; a change
 * that means to move the game updates these values in the same commit and
 * says why.
 */
#include "tests/test.h"

#include <stdio.h>
#include <stdlib.h>

static void check_hash(const char *args, const char *hash, const char *score)
{
	char *out = NULL;
	CHECK_EQ(test_pinwheel(&out, false, "sim %s --format json", args), 0);
	CHECK_MSG(out && strstr(out, hash), "sim %s: hash %s not in the output", args, hash);
	CHECK_MSG(out && strstr(out, score), "sim %s: score %s not in the output", args, score);
	free(out);
}

TEST(golden_default_games_keep_their_hashes)
{
	check_hash("--seed 1", "887fea0dab64e62c2904e9e4d8a50f6bbd9d6b90002eecbde410d0a94e921281",
		   "\"home_score\":\t42");
	check_hash("--seed 7", "8672d003b2e0d0a2f8f92fb5592987ffb94dd0c88c73edc1333c09c91b7813b2",
		   "\"away_score\":\t93");
	check_hash("--seed 42", "83c5b7636f0b8250c34b4efa8b4894e5d761e7fa97aa08b1422326cab1796734",
		   "\"home_score\":\t64");
	check_hash("--seed 1234", "6dc4e7f0c1a34660aebbe07616c539fe6da5fff83ec8b0d3628156c95cfef8c7",
		   "\"away_score\":\t73");
}

TEST(golden_game_with_library_effects_keeps_its_hash)
{
	check_hash("--seed 7 --effect scripts/effects/swagger.lua --effect scripts/effects/hot_hand.lua",
		   "39b53815c8f4156f5c43b8d6330c65ed17d14914ed4369f11caaa0f3514279a8",
		   "\"home_score\":\t65");
}

TEST(golden_default_season_keeps_its_champion)
{
	char *out = NULL;
	CHECK_EQ(test_pinwheel(&out, false, "season --format json"), 0);
	CHECK_CONTAINS(out, "\"champion\":{\"team_id\":6,\"name\":\"Flagstaff Tides\"},\"games\":93");
	/* The regular season's first and last rows, with their points. */
	CHECK_CONTAINS(out, "{\"team_id\":2,\"name\":\"New Orleans Cyclones\",\"wins\":13,"
			    "\"losses\":8,\"points_for\":1358,\"points_against\":1249}");
	CHECK_CONTAINS(out, "{\"team_id\":8,\"name\":\"Reno Mirage\",\"wins\":5,"
			    "\"losses\":16,\"points_for\":1258,\"points_against\":1352}");
	free(out);
}
