#include "tests/test.h"

#include <stdio.h>
#include <stdlib.h>

TEST(cli_sim_json_is_identical_across_processes)
{
	char *a = NULL, *b = NULL;
	CHECK_EQ(test_pinwheel(&a, false, "sim --seed 77 --league-seed 5 --format json"), 0);
	CHECK_EQ(test_pinwheel(&b, false, "sim --seed 77 --league-seed 5 --format json"), 0);
	CHECK(a && b && strlen(a) > 1000);
	CHECK_STR(a, b);
	CHECK_CONTAINS(a, "\"hash\"");
	free(b);
	CHECK_EQ(test_pinwheel(&b, false, "sim --seed 78 --league-seed 5 --format json"), 0);
	CHECK(strcmp(a, b) != 0);
	free(a);
	free(b);
}

TEST(cli_sim_set_validates_against_the_rules_table)
{
	char *out = NULL;
	CHECK_EQ(test_pinwheel(&out, true, "sim --set three_point_value=11"), 2);
	CHECK_CONTAINS(out, "three_point_value");
	CHECK_CONTAINS(out, "from 1 to 10");
	free(out);
	CHECK_EQ(test_pinwheel(&out, true, "sim --set warp_speed=9"), 2);
	CHECK_CONTAINS(out, "unknown rule parameter \"warp_speed\"");
	free(out);
	CHECK_EQ(test_pinwheel(&out, false, "sim --set elam_margin=20 --format json"), 0);
	CHECK_CONTAINS(out, "\"elam_margin\":\t20");
	free(out);
	CHECK_EQ(test_pinwheel(&out, true, "sim --home nowhere"), 2);
	CHECK_CONTAINS(out, "nowhere");
	free(out);
	CHECK_EQ(test_pinwheel(NULL, true, "sim --seed -4"), 2);
	CHECK_EQ(test_pinwheel(NULL, true, "sim --format xml"), 2);
}

TEST(cli_sim_text_and_help)
{
	char *out = NULL;
	CHECK_EQ(test_pinwheel(&out, false, "sim --seed 3"), 0);
	CHECK_CONTAINS(out, "Play-by-play");
	CHECK_CONTAINS(out, "REB");
	free(out);
	CHECK_EQ(test_pinwheel(&out, false, "sim --help"), 0);
	CHECK_CONTAINS(out, "quarter_minutes");
	CHECK_CONTAINS(out, "vote_threshold");
	free(out);
	CHECK_EQ(test_pinwheel(&out, false, "--version"), 0);
	CHECK_CONTAINS(out, "pinwheel ");
	free(out);
	CHECK_EQ(test_pinwheel(NULL, true, "frobnicate"), 2);
}

TEST(cli_sim_sides_default_around_the_one_given)
{
	char *out = NULL;
	/* --home 2 alone: the away side must not default to team 2 as well. */
	CHECK_EQ(test_pinwheel(&out, false, "sim --league-seed 1 --home 2 --format json"), 0);
	CHECK_CONTAINS(out, "\"home_team_id\":\t2");
	CHECK_CONTAINS(out, "\"away_team_id\":\t1");
	free(out);
	CHECK_EQ(test_pinwheel(&out, false, "sim --league-seed 1 --away 1 --format json"), 0);
	CHECK_CONTAINS(out, "\"home_team_id\":\t2");
	free(out);
	CHECK_EQ(test_pinwheel(&out, true, "sim --home 3 --away 3"), 2);
	CHECK_CONTAINS(out, "same team");
	free(out);
}

TEST(cli_missing_option_values_are_named)
{
	char *out = NULL;
	static const char *const cases[][2] = {
		{"sim --seed", "--seed needs a value"},
		{"bench --games", "--games needs a value"},
		{"calibrate --seed", "--seed needs a value"},
		{"calibrate --set", "--set needs a value"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		CHECK_EQ(test_pinwheel(&out, true, "%s", cases[i][0]), 2);
		CHECK_CONTAINS(out, cases[i][1]);
		free(out);
	}
	CHECK_EQ(test_pinwheel(&out, true, "bench --games 10 --effect %s/none.lua", test_tmpdir()), 2);
	CHECK_CONTAINS(out, "none.lua");
	free(out);
}

TEST(cli_sim_reads_its_environment)
{
	char *a = NULL, *b = NULL, cmd[256];
	CHECK_EQ(test_pinwheel(&a, false, "sim --seed 41 --league-seed 6 --format json"), 0);
	snprintf(cmd, sizeof cmd, "PINWHEEL_SEED=41 PINWHEEL_LEAGUE_SEED=6 PINWHEEL_FORMAT=json %s sim",
		 test_bin());
	CHECK_EQ(test_run(cmd, &b, false), 0);
	CHECK_STR(a, b);
	free(a);
	free(b);
}
