#include "tests/test.h"

#include <cjson/cJSON.h>
#include <stdlib.h>

#include "core/sim/rules.h"

TEST(rules_defaults_match_the_contract)
{
	pw_rules_t r;
	rules_default(&r);
	CHECK_EQ(rules_count, 35);
	CHECK_EQ(r.quarter_minutes, 10);
	CHECK_EQ(r.shot_clock_seconds, 15);
	CHECK_EQ(r.three_point_value, 3);
	CHECK_NEAR(r.three_point_distance, 22.15, 0);
	CHECK_EQ(r.elam_margin, 15);
	CHECK_EQ(r.safety_cap_possessions, 300);
	CHECK(r.home_court_enabled);
	CHECK(r.travel_fatigue_enabled);
	CHECK_NEAR(r.vote_threshold, 0.5, 0);
	for (size_t i = 0; i < rules_count; i++) {
		const pw_rule_def_t *d = &rules_defs[i];
		CHECK_MSG(d->min <= d->def && d->def <= d->max, "%s default outside range", d->name);
		CHECK_MSG(d->tier >= 1 && d->tier <= 4, "%s tier", d->name);
		CHECK(rules_find(d->name) == d);
	}
	CHECK_EQ(rules_find("teams_count")->tier, 3);
	CHECK_EQ(rules_find("vote_threshold")->tier, 4);
	CHECK_EQ(rules_find("max_shot_share")->tier, 2);
	CHECK(rules_find("no_such_rule") == NULL);
}

TEST(rules_assignment_validates)
{
	pw_rules_t r;
	char err[200];
	rules_default(&r);
	CHECK_EQ(rules_apply_assignment(&r, "three_point_value=5", err, sizeof err), 0);
	CHECK_EQ(r.three_point_value, 5);
	CHECK_EQ(rules_apply_assignment(&r, "home_court_enabled=false", err, sizeof err), 0);
	CHECK(!r.home_court_enabled);
	CHECK_EQ(rules_apply_assignment(&r, "three_point_distance=25.5", err, sizeof err), 0);
	CHECK_NEAR(r.three_point_distance, 25.5, 0);

	pw_rules_t before = r;
	CHECK_EQ(rules_apply_assignment(&r, "three_point_value=11", err, sizeof err), -1);
	CHECK_STR(err, "three_point_value must be an integer from 1 to 10 (got 11)");
	CHECK_EQ(rules_apply_assignment(&r, "quarter_minutes=2.5", err, sizeof err), -1);
	CHECK_CONTAINS(err, "quarter_minutes must be an integer from 3 to 20");
	CHECK_EQ(rules_apply_assignment(&r, "stamina_drain_rate=0.5", err, sizeof err), -1);
	CHECK_CONTAINS(err, "a number from 0.001 to 0.03");
	CHECK_EQ(rules_apply_assignment(&r, "bogus=1", err, sizeof err), -1);
	CHECK_CONTAINS(err, "unknown rule parameter \"bogus\"");
	CHECK_EQ(rules_apply_assignment(&r, "elam_margin=abc", err, sizeof err), -1);
	CHECK_CONTAINS(err, "elam_margin");
	CHECK_EQ(rules_apply_assignment(&r, "elam_margin", err, sizeof err), -1);
	CHECK_EQ(rules_apply_assignment(&r, "home_court_enabled=maybe", err, sizeof err), -1);
	CHECK_CONTAINS(err, "true or false");
	CHECK_EQ(rules_apply_assignment(&r, "elam_margin=nan", err, sizeof err), -1);
	CHECK(rules_equal(&r, &before));
}

TEST(rules_json_round_trip)
{
	pw_rules_t r, back;
	char err[200];
	rules_default(&r);
	r.elam_margin = 22;
	r.home_crowd_boost = 0.1;
	r.home_court_enabled = false;
	cJSON *j = rules_to_json(&r);
	CHECK(j != NULL);
	char *text = cJSON_PrintUnformatted(j);
	CHECK_CONTAINS(text, "\"elam_margin\":22");
	CHECK_CONTAINS(text, "\"home_court_enabled\":false");
	rules_default(&back);
	CHECK_EQ(rules_from_json(&back, j, err, sizeof err), 0);
	CHECK(rules_equal(&r, &back));
	free(text);
	cJSON_Delete(j);

	cJSON *bad = cJSON_Parse("{\"elam_margin\": 99}");
	CHECK_EQ(rules_from_json(&back, bad, err, sizeof err), -1);
	CHECK_CONTAINS(err, "elam_margin must be an integer from 5 to 40");
	CHECK_EQ(back.elam_margin, 22);
	cJSON_Delete(bad);
	bad = cJSON_Parse("{\"home_court_enabled\": 1}");
	CHECK_EQ(rules_from_json(&back, bad, err, sizeof err), -1);
	cJSON_Delete(bad);
}

TEST(rules_format_is_shortest)
{
	char buf[32];
	rules_format(rules_find("three_point_distance"), 22.15, buf, sizeof buf);
	CHECK_STR(buf, "22.15");
	rules_format(rules_find("stamina_drain_rate"), 0.007, buf, sizeof buf);
	CHECK_STR(buf, "0.007");
	rules_format(rules_find("home_court_enabled"), 1, buf, sizeof buf);
	CHECK_STR(buf, "true");
	/* Whole floats read as people write them, never "3e+01". */
	rules_format(rules_find("three_point_distance"), 30, buf, sizeof buf);
	CHECK_STR(buf, "30");
	rules_describe_range(rules_find("three_point_distance"), buf, sizeof buf);
	CHECK_STR(buf, "a number from 15 to 30");
	rules_format(rules_find("offensive_rebound_weight"), 15, buf, sizeof buf);
	CHECK_STR(buf, "15");
}

TEST(rules_best_of_values_are_odd_only)
{
	pw_rules_t r;
	char err[256];
	rules_default(&r);
	pw_rules_t before = r;
	/* "best of 4" has no majority: refused, naming the parameter. */
	CHECK_EQ(rules_apply_assignment(&r, "playoff_finals_best_of=4", err, sizeof err), -1);
	CHECK_CONTAINS(err, "playoff_finals_best_of must be an odd integer from 1 to 7 (got 4)");
	CHECK_EQ(rules_apply_assignment(&r, "playoff_semis_best_of=2", err, sizeof err), -1);
	CHECK_CONTAINS(err, "playoff_semis_best_of must be an odd integer from 1 to 7 (got 2)");
	CHECK_EQ(rules_check(rules_find("playoff_semis_best_of"), 6, err, sizeof err), -1);
	cJSON *j = cJSON_Parse("{\"playoff_finals_best_of\": 6}");
	CHECK_EQ(rules_from_json(&r, j, err, sizeof err), -1);
	cJSON_Delete(j);
	CHECK(rules_equal(&r, &before));
	/* Odd ones pass; other integer rules still take even values. */
	CHECK_EQ(rules_apply_assignment(&r, "playoff_finals_best_of=7", err, sizeof err), 0);
	CHECK_EQ(rules_apply_assignment(&r, "playoff_semis_best_of=1", err, sizeof err), 0);
	CHECK_EQ(rules_apply_assignment(&r, "playoff_teams=8", err, sizeof err), 0);
	CHECK_EQ(rules_apply_assignment(&r, "teams_count=6", err, sizeof err), 0);
	char range[96];
	rules_describe_range(rules_find("playoff_finals_best_of"), range, sizeof range);
	CHECK_STR(range, "an odd integer from 1 to 7");
	rules_describe_range(rules_find("playoff_teams"), range, sizeof range);
	CHECK_STR(range, "an integer from 2 to 8");
	/* Every default is valid, odd-only ones included. */
	rules_default(&r);
	for (size_t i = 0; i < rules_count; i++)
		CHECK_MSG(rules_check(&rules_defs[i], rules_get(&r, &rules_defs[i]), err, sizeof err) == 0,
			  "%s", err);
}
