#include "tests/test.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sim/buf.h"
#include "core/sim/jsonw.h"
#include "core/sim/teams.h"
#include "core/sim/result.h"
#include "core/sim/sim.h"

static pw_league_t league;

/* A real game between two generated teams. */
static void play(pw_game_result_t *r, uint64_t seed, const pw_rules_t *rules)
{
	teams_generate(&league, 11, 8);
	pw_game_input_t in = {.game_id = 5, .round = 2, .seed = seed, .home = &league.teams[0],
			      .away = &league.teams[1], .rules = rules};
	CHECK_EQ(sim_game(&in, r), 0);
}

TEST(result_json_has_the_contract_fields)
{
	pw_rules_t rules;
	rules_default(&rules);
	pw_game_result_t r;
	sim_result_init(&r);
	play(&r, 3, &rules);
	cJSON *j = result_to_json(&r);
	static const char *top[] = {"game_id", "seed", "home_team_id", "away_team_id",
				    "home_score", "away_score", "winner_team_id",
				    "total_possessions", "elam_target", "elam_possessions",
				    "lead_changes", "largest_lead", "quarter_scores",
				    "box_scores", "plays", "effects", "rules", "hash"};
	for (size_t i = 0; i < sizeof top / sizeof top[0]; i++)
		CHECK_MSG(cJSON_HasObjectItem(j, top[i]), "missing %s", top[i]);
	static const char *box[] = {"hooper_id", "hooper_name", "team_id", "minutes", "points",
				    "fgm", "fga", "tpm", "tpa", "ftm", "fta", "rebounds",
				    "assists", "steals", "turnovers", "fouls", "plus_minus"};
	cJSON *b0 = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "box_scores"), 0);
	for (size_t i = 0; i < sizeof box / sizeof box[0]; i++)
		CHECK_MSG(cJSON_HasObjectItem(b0, box[i]), "box missing %s", box[i]);
	static const char *play_f[] = {"n", "quarter", "clock", "offense_team_id", "handler_id",
				       "action", "result", "points", "home_score", "away_score",
				       "defender_id", "assist_id", "rebound_id", "scheme", "move",
				       "narrative"};
	cJSON *p0 = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "plays"), 0);
	for (size_t i = 0; i < sizeof play_f / sizeof play_f[0]; i++)
		CHECK_MSG(cJSON_HasObjectItem(p0, play_f[i]), "play missing %s", play_f[i]);
	CHECK_EQ(cJSON_GetObjectItem(j, "home_score")->valueint, r.home_score);
	CHECK_EQ(cJSON_GetObjectItem(j, "home_team_id")->valueint, league.teams[0].id);
	CHECK_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(j, "plays")), (int)r.n_plays);
	CHECK_EQ(strlen(cJSON_GetObjectItem(j, "hash")->valuestring), 64);
	CHECK_EQ(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "rules"), "elam_margin")->valueint, 15);
	/* quarter scores add up to the final score */
	int h = 0, a = 0;
	cJSON *q;
	cJSON_ArrayForEach(q, cJSON_GetObjectItem(j, "quarter_scores")) {
		h += cJSON_GetObjectItem(q, "home")->valueint;
		a += cJSON_GetObjectItem(q, "away")->valueint;
	}
	CHECK_EQ(h, r.home_score);
	CHECK_EQ(a, r.away_score);
	cJSON_Delete(j);
	sim_result_free(&r);
}

TEST(result_hash_tracks_the_play_stream)
{
	pw_rules_t rules;
	rules_default(&rules);
	pw_game_result_t a, b;
	sim_result_init(&a);
	sim_result_init(&b);
	play(&a, 21, &rules);
	play(&b, 21, &rules);
	char ha[65], hb[65];
	result_hash(&a, ha);
	result_hash(&b, hb);
	CHECK_STR(ha, hb);
	/* Tamper with one field of one play: the hash must notice. */
	a.plays[a.n_plays / 2].defender_id ^= 1;
	result_hash(&a, ha);
	CHECK(strcmp(ha, hb) != 0);
	a.plays[a.n_plays / 2].defender_id ^= 1;
	a.plays[0].clock_tenths += 1;
	result_hash(&a, ha);
	CHECK(strcmp(ha, hb) != 0);
	/* A different seed gives a different game. */
	play(&a, 22, &rules);
	result_hash(&a, ha);
	CHECK(strcmp(ha, hb) != 0);
	sim_result_free(&a);
	sim_result_free(&b);
}

TEST(result_text_reads_like_a_box_score)
{
	pw_rules_t rules;
	rules_default(&rules);
	pw_game_result_t r;
	sim_result_init(&r);
	play(&r, 8, &rules);
	char *t = result_to_text(&r);
	CHECK(t != NULL);
	CHECK_CONTAINS(t, league.teams[0].name);
	CHECK_CONTAINS(t, league.teams[1].hoopers[0].name);
	CHECK_CONTAINS(t, "Play-by-play");
	CHECK_CONTAINS(t, "Elam");
	CHECK_CONTAINS(t, "hash ");
	free(t);
	/* every play describes itself in words */
	char buf[600];
	for (size_t i = 0; i < r.n_plays; i++) {
		const pw_play_t *p = &r.plays[i];
		result_describe_play(&r, p, buf, sizeof buf);
		if (p->action != PW_ACT_PERIOD && p->action != PW_ACT_EFFECT)
			CHECK_MSG(strlen(buf) > 8, "play %zu has no text", i);
		CHECK(strstr(buf, "someone") == NULL);
	}
	sim_result_free(&r);
}

/* The result as the league stored it before result_write_json: cJSON's
 * print of result_to_json with "box_scores" moved last. */
static char *legacy_text(const pw_game_result_t *r)
{
	cJSON *j = result_to_json(r);
	cJSON *box = cJSON_DetachItemFromObject(j, "box_scores");
	cJSON_AddItemToObject(j, "box_scores", box);
	char *t = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	return t;
}

TEST(result_write_json_is_byte_for_byte_the_printed_tree)
{
	pw_rules_t rules;
	rules_default(&rules);
	pw_game_result_t r;
	sim_result_init(&r);
	for (uint64_t seed = 1; seed <= 40; seed++) {
		if (seed == 30) { /* rules off their defaults, fractions included */
			const pw_rule_def_t *d;
			for (size_t i = 0; i < rules_count; i++) {
				d = &rules_defs[i];
				if (d->type == PW_RULE_FLOAT && d->max > d->min)
					{
					char m[128];
					rules_set(&rules, d, d->min + (d->max - d->min) / 3.0, m, sizeof m);
				}
			}
		}
		play(&r, seed * 7919, &rules);
		if (seed == 35) {
			pw_effect_stat_t st = {.hook = 0, .fired = 3, .errors = 1};
			snprintf(st.effect_id, sizeof st.effect_id, "hot \"hand\"\n\x01");
			CHECK_EQ(sim_result_add_effect_stat(&r, &st), 0);
		}
		char *want = legacy_text(&r);
		pw_buf_t b = {0};
		result_write_json(&r, NULL, &b);
		CHECK(!b.oom);
		CHECK_MSG(want && b.data && !strcmp(want, b.data), "seed %llu differs", (unsigned long long)seed);
		free(want);
		buf_free(&b);
	}
	sim_result_free(&r);
}

TEST(jsonw_prints_numbers_and_strings_as_cjson)
{
	const double nums[] = {0, -0.0, 1, -1, 0.1, 12.3, 1e-7, 123456789.125, 2147483647.0, 2147483648.0,
			       -2147483649.0, 9007199254740993.0, 1.0 / 3.0, 2.0 / 3.0, 1e300, -4.5e-300,
			       0.30000000000000004};
	for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++) {
		cJSON *n = cJSON_CreateNumber(nums[i]);
		char *want = cJSON_PrintUnformatted(n);
		pw_buf_t b = {0};
		jsonw_num(&b, nums[i]);
		CHECK_MSG(!strcmp(want, b.data), "%.17g: cJSON %s, jsonw %s", nums[i], want, b.data);
		free(want);
		buf_free(&b);
		cJSON_Delete(n);
	}
	const char *strs[] = {"", "plain", "q\"uo\\te", "\b\f\n\r\t", "\x01\x1f ctl", "caf\xc3\xa9 \xe2\x80\x94"};
	for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) {
		cJSON *s = cJSON_CreateString(strs[i]);
		char *want = cJSON_PrintUnformatted(s);
		pw_buf_t b = {0};
		jsonw_str(&b, strs[i]);
		CHECK_MSG(!strcmp(want, b.data), "string %zu: cJSON %s, jsonw %s", i, want, b.data);
		free(want);
		buf_free(&b);
		cJSON_Delete(s);
	}
}

TEST(jsonw_print_is_cjson_print_on_any_tree)
{
	pw_rules_t rules;
	rules_default(&rules);
	pw_game_result_t r;
	sim_result_init(&r);
	play(&r, 77, &rules);
	cJSON *trees[] = {
		result_to_json(&r),
		cJSON_Parse("{\"a\":[],\"b\":{},\"c\":[null,true,false,-0.0,1e300,0.1,\"x\\u0001\\\"y\"],"
			    "\"\":{\"nested\":[[[]],{}]},\"big\":9007199254740993,\"neg\":-2147483649}"),
		cJSON_CreateArray(),
		cJSON_CreateString("caf\xc3\xa9\n"),
	};
	for (size_t i = 0; i < sizeof trees / sizeof trees[0]; i++) {
		CHECK(trees[i] != NULL);
		char *want = cJSON_PrintUnformatted(trees[i]), *got = jsonw_print(trees[i]);
		CHECK_MSG(want && got && !strcmp(want, got), "tree %zu differs", i);
		free(want);
		free(got);
		cJSON_Delete(trees[i]);
	}
	sim_result_free(&r);
}
