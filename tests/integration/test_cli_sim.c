#include "tests/test.h"

#include <stdio.h>
#include <stdlib.h>

TEST(cli_sim_json_is_identical_across_processes)
{
	char cmd[512], *a = NULL, *b = NULL;
	snprintf(cmd, sizeof cmd, "%s sim --seed 77 --league-seed 5 --format json", test_bin());
	CHECK_EQ(test_run(cmd, &a, false), 0);
	CHECK_EQ(test_run(cmd, &b, false), 0);
	CHECK(a && b && strlen(a) > 1000);
	CHECK_STR(a, b);
	CHECK_CONTAINS(a, "\"hash\"");
	free(b);
	snprintf(cmd, sizeof cmd, "%s sim --seed 78 --league-seed 5 --format json", test_bin());
	CHECK_EQ(test_run(cmd, &b, false), 0);
	CHECK(strcmp(a, b) != 0);
	free(a);
	free(b);
}

TEST(cli_sim_set_validates_against_the_rules_table)
{
	char cmd[512], *out = NULL;
	snprintf(cmd, sizeof cmd, "%s sim --set three_point_value=11", test_bin());
	CHECK_EQ(test_run(cmd, &out, true), 2);
	CHECK_CONTAINS(out, "three_point_value");
	CHECK_CONTAINS(out, "from 1 to 10");
	free(out);
	snprintf(cmd, sizeof cmd, "%s sim --set warp_speed=9", test_bin());
	CHECK_EQ(test_run(cmd, &out, true), 2);
	CHECK_CONTAINS(out, "unknown rule parameter \"warp_speed\"");
	free(out);
	snprintf(cmd, sizeof cmd, "%s sim --set elam_margin=20 --format json", test_bin());
	CHECK_EQ(test_run(cmd, &out, false), 0);
	CHECK_CONTAINS(out, "\"elam_margin\":\t20");
	free(out);
	snprintf(cmd, sizeof cmd, "%s sim --home nowhere", test_bin());
	CHECK_EQ(test_run(cmd, &out, true), 2);
	CHECK_CONTAINS(out, "nowhere");
	free(out);
	snprintf(cmd, sizeof cmd, "%s sim --seed -4", test_bin());
	CHECK_EQ(test_run(cmd, NULL, true), 2);
	snprintf(cmd, sizeof cmd, "%s sim --format xml", test_bin());
	CHECK_EQ(test_run(cmd, NULL, true), 2);
}

TEST(cli_sim_text_and_help)
{
	char cmd[512], *out = NULL;
	snprintf(cmd, sizeof cmd, "%s sim --seed 3", test_bin());
	CHECK_EQ(test_run(cmd, &out, false), 0);
	CHECK_CONTAINS(out, "Play-by-play");
	CHECK_CONTAINS(out, "REB");
	free(out);
	snprintf(cmd, sizeof cmd, "%s sim --help", test_bin());
	CHECK_EQ(test_run(cmd, &out, false), 0);
	CHECK_CONTAINS(out, "quarter_minutes");
	CHECK_CONTAINS(out, "vote_threshold");
	free(out);
	snprintf(cmd, sizeof cmd, "%s --version", test_bin());
	CHECK_EQ(test_run(cmd, &out, false), 0);
	CHECK_CONTAINS(out, "pinwheel ");
	free(out);
	snprintf(cmd, sizeof cmd, "%s frobnicate", test_bin());
	CHECK_EQ(test_run(cmd, NULL, true), 2);
}
