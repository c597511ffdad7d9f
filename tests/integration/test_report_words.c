/*
 * test_report_words.c — reports speak to people: a rule change names the
 * rule in words with its values as people write them (never
 * "three_point_value" or "3e+01"), and a round of one game says so (never
 * "1 games").
 */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "tests/integration/league_helpers.h"
#include "tests/test.h"


TEST(reports_name_rules_in_words_and_count_one_game)
{
	pw_store_t *s = lt_open("words.db");
	pw_gov_t *g = lt_league(s, 4);
	int64_t gid = lt_join(g, "Ada", 1, NULL);
	int64_t pid = lt_propose(g, gid, "make three pointers worth 4 points");
	CHECK(pid > 0);
	lt_vote(g, gid, pid, true, false);
	pw_round_cfg_t rc;
	lt_cfg(&rc, g);
	pw_round_out_t out;
	pw_err_t err = {0};
	CHECK_EQ(round_tick(&rc, &out, &err), 0);
	char *gov = lt_report_text(s, out.season_id, 1, "governance");
	CHECK_CONTAINS(gov, "Three point value changes from 3 to 4");
	CHECK(gov && !strstr(gov, "three_point_value"));
	free(gov);
	/* The final of four teams is played one game a round. */
	int one = 0;
	for (int guard = 0; guard < 40 && !one; guard++) {
		CHECK_EQ(round_tick(&rc, &out, &err), 0);
		if (out.games != 1)
			continue;
		one++;
		char *sim = lt_report_text(s, out.season_id, out.round, "simulation");
		CHECK(sim && (strstr(sim, "one game") || strstr(sim, "One game")));
		CHECK(sim && !strstr(sim, "1 games"));
		free(sim);
	}
	CHECK_EQ(one, 1);
	gov_close(g);
	store_close(s);
}
