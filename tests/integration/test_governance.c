#include "tests/test.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>

#include "tests/integration/league_helpers.h"

TEST(gov_join_gives_two_of_each_and_tokens_come_from_events)
{
	pw_store_t *s = lt_open("g.db");
	pw_gov_t *g = lt_league(s, 8);
	char tok[80];
	int64_t a = lt_join(g, "Ada", 1, tok);
	CHECK(a > 0);
	for (int k = 0; k < PW_TOKEN_KINDS; k++)
		CHECK_EQ(lt_tokens(g, a, k), 2);
	CHECK_EQ(gov_authenticate(g, tok), a);
	CHECK_EQ(gov_authenticate(g, "0123456789abcdef0123"), 0);
	/* Spending and replaying: a second service over the same log agrees. */
	int64_t p = lt_propose(g, a, "three pointers worth 4");
	CHECK(p > 0);
	CHECK_EQ(lt_tokens(g, a, PW_TOK_PROPOSE), 1);
	pw_gov_t *g2 = gov_open(s, NULL);
	CHECK_EQ(lt_tokens(g2, a, PW_TOK_PROPOSE), 1);
	CHECK_STR(lt_status(g2, p), "open");
	gov_close(g2);
	pw_err_t e;
	CHECK_EQ(gov_join(g, "X", 99, NULL, &e), PW_E_NOT_FOUND);
	CHECK_STR(err_code(e.code), "not_found");
	CHECK_EQ(gov_join(g, "", 1, NULL, &e), PW_E_INVALID);
	gov_close(g);
	store_close(s);
}

TEST(gov_proposal_lifecycle_pass_enacts_rule)
{
	pw_store_t *s = lt_open("g.db");
	pw_gov_t *g = lt_league(s, 8);
	int64_t a = lt_join(g, "A", 1, NULL), b = lt_join(g, "B", 2, NULL), c = lt_join(g, "C", 3, NULL);
	cJSON *o = NULL;
	pw_err_t e;
	CHECK_EQ(gov_propose(g, a, "Make threes worth 5 points", NULL, &o, &e), 0);
	CHECK_STR(cJSON_GetObjectItem(o, "status")->valuestring, "draft");
	CHECK_EQ(cJSON_GetObjectItem(o, "tier")->valueint, 1);
	CHECK_EQ(cJSON_GetObjectItem(o, "cost")->valueint, 1);
	CHECK_NEAR(cJSON_GetObjectItem(o, "threshold")->valuedouble, 0.5, 1e-9);
	int64_t p = (int64_t)cJSON_GetObjectItem(o, "id")->valuedouble;
	cJSON_Delete(o);
	/* Drafts cannot be voted on; others cannot confirm. */
	CHECK_EQ(gov_vote(g, b, p, true, false, NULL, &e), PW_E_CONFLICT);
	CHECK_EQ(gov_confirm(g, b, p, NULL, &e), PW_E_FORBIDDEN);
	CHECK_EQ(lt_tokens(g, a, PW_TOK_PROPOSE), 2);
	CHECK_EQ(gov_confirm(g, a, p, NULL, &e), 0);
	CHECK_EQ(lt_tokens(g, a, PW_TOK_PROPOSE), 1);
	lt_vote(g, a, p, true, false);
	lt_vote(g, b, p, true, false);
	lt_vote(g, c, p, false, false);
	lt_tally(g, 1);
	CHECK_STR(lt_status(g, p), "passed");
	pw_rules_t r;
	gov_rules(g, &r);
	CHECK_EQ(r.three_point_value, 5);
	cJSON *cur = gov_rules_current_json(g);
	char *t = cJSON_PrintUnformatted(cur);
	CHECK_CONTAINS(t, "\"three_point_value\"");
	CHECK_CONTAINS(t, "\"proposal_id\":1");
	free(t);
	cJSON_Delete(cur);
	/* Regeneration after the tally: +2 each, capped at PW_TOKEN_MAX. */
	CHECK_EQ(lt_tokens(g, a, PW_TOK_PROPOSE), 3);
	CHECK_EQ(lt_tokens(g, b, PW_TOK_BOOST), 4);
	for (int i = 2; i < 6; i++)
		lt_tally(g, i);
	CHECK_EQ(lt_tokens(g, b, PW_TOK_BOOST), PW_TOKEN_MAX);
	gov_close(g);
	store_close(s);
}

TEST(gov_ties_fail_and_no_votes_fail)
{
	pw_store_t *s = lt_open("g.db");
	pw_gov_t *g = lt_league(s, 8);
	int64_t a = lt_join(g, "A", 1, NULL), b = lt_join(g, "B", 2, NULL);
	int64_t p = lt_propose(g, a, "shorter quarters");
	int64_t q = lt_propose(g, b, "turn off home court");
	lt_vote(g, a, p, true, false);
	lt_vote(g, b, p, false, false);
	lt_tally(g, 1);
	CHECK_STR(lt_status(g, p), "failed"); /* 0.5 is not > 0.5 */
	CHECK_STR(lt_status(g, q), "failed"); /* nobody voted */
	pw_rules_t r;
	gov_rules(g, &r);
	CHECK_EQ(r.quarter_minutes, 10);
	gov_close(g);
	store_close(s);
}

TEST(gov_weights_split_by_team_and_boost_doubles)
{
	pw_store_t *s = lt_open("g.db");
	pw_gov_t *g = lt_league(s, 8);
	/* Team 1 has two governors (0.5 each); team 2 has one (1.0). */
	int64_t a1 = lt_join(g, "A1", 1, NULL), a2 = lt_join(g, "A2", 1, NULL), b = lt_join(g, "B", 2, NULL);
	int64_t p = lt_propose(g, a1, "elam margin 20");
	lt_vote(g, a1, p, true, false);
	lt_vote(g, a2, p, true, false);
	lt_vote(g, b, p, false, false);
	cJSON *o = gov_proposal_json(g, p);
	CHECK_NEAR(cJSON_GetObjectItem(cJSON_GetObjectItem(o, "tally"), "yes")->valuedouble, 1.0, 1e-9);
	CHECK_NEAR(cJSON_GetObjectItem(cJSON_GetObjectItem(o, "tally"), "no")->valuedouble, 1.0, 1e-9);
	cJSON_Delete(o);
	/* A boost doubles a2's half vote and spends a BOOST token. */
	lt_vote(g, a2, p, true, true);
	CHECK_EQ(lt_tokens(g, a2, PW_TOK_BOOST), 1);
	/* Replacing a boosted vote keeps the boost without paying again. */
	lt_vote(g, a2, p, true, true);
	CHECK_EQ(lt_tokens(g, a2, PW_TOK_BOOST), 1);
	o = gov_proposal_json(g, p);
	CHECK_NEAR(cJSON_GetObjectItem(cJSON_GetObjectItem(o, "tally"), "yes")->valuedouble, 1.5, 1e-9);
	CHECK_EQ(cJSON_GetObjectItem(cJSON_GetObjectItem(o, "tally"), "votes")->valueint, 3);
	cJSON_Delete(o);
	lt_tally(g, 1);
	CHECK_STR(lt_status(g, p), "passed");
	/* Boosting with no BOOST tokens left fails. */
	int64_t q = lt_propose(g, b, "foul out after 6");
	pw_err_t e;
	lt_vote(g, a2, q, true, true);
	int64_t r2 = lt_propose(g, b, "shorter quarters");
	/* a2: 1 + 2 (regen) - 1 = 2 boost; spend them. */
	int64_t r3 = lt_propose(g, a1, "longer quarters");
	lt_vote(g, a2, r2, true, true);
	lt_vote(g, a2, r3, true, true);
	CHECK_EQ(lt_tokens(g, a2, PW_TOK_BOOST), 0);
	int64_t r4 = lt_propose(g, a1, "elam margin 25");
	CHECK_EQ(gov_vote(g, a2, r4, true, true, NULL, &e), PW_E_TOKENS);
	CHECK_STR(err_code(e.code), "insufficient_tokens");
	gov_close(g);
	store_close(s);
}

TEST(gov_vote_replacement_until_tally)
{
	pw_store_t *s = lt_open("g.db");
	pw_gov_t *g = lt_league(s, 8);
	int64_t a = lt_join(g, "A", 1, NULL), b = lt_join(g, "B", 2, NULL);
	int64_t p = lt_propose(g, a, "shorter quarters");
	lt_vote(g, a, p, true, false);
	lt_vote(g, b, p, true, false);
	lt_vote(g, b, p, false, false); /* replaces the yes */
	lt_tally(g, 1);
	CHECK_STR(lt_status(g, p), "failed");
	pw_err_t e;
	CHECK_EQ(gov_vote(g, b, p, true, false, NULL, &e), PW_E_CONFLICT); /* closed */
	gov_close(g);
	store_close(s);
}

TEST(gov_tiers_thresholds_and_costs)
{
	pw_store_t *s = lt_open("g.db");
	pw_gov_t *g = lt_league(s, 8);
	int64_t a = lt_join(g, "A", 1, NULL), b = lt_join(g, "B", 2, NULL), c = lt_join(g, "C", 3, NULL);
	/* Tier 3 (league structure) needs > 0.6: 2 of 3 = 0.667 passes. */
	int64_t p = lt_propose(g, a, "8 playoff teams");
	/* Tier 4 (meta-governance): 0.6 as well. */
	int64_t q = lt_propose(g, b, "vote threshold 0.55");
	/* Tier 5 costs 2 and needs > 0.67: 2 of 3 (0.667) fails. */
	cJSON *o = NULL;
	pw_err_t e;
	CHECK_EQ(gov_propose(g, c, "the moon decides", NULL, &o, &e), 0);
	CHECK_EQ(cJSON_GetObjectItem(o, "tier")->valueint, 5);
	CHECK_EQ(cJSON_GetObjectItem(o, "cost")->valueint, 2);
	CHECK_NEAR(cJSON_GetObjectItem(o, "threshold")->valuedouble, 0.67, 1e-9);
	int64_t w = (int64_t)cJSON_GetObjectItem(o, "id")->valuedouble;
	cJSON_Delete(o);
	CHECK_EQ(gov_confirm(g, c, w, NULL, &e), 0);
	CHECK_EQ(lt_tokens(g, c, PW_TOK_PROPOSE), 0);
	o = gov_proposal_json(g, w);
	CHECK(cJSON_IsTrue(cJSON_GetObjectItem(o, "flagged")));
	cJSON_Delete(o);
	CHECK_EQ(gov_admin_clear(g, w, NULL, &e), 0);
	int64_t ids[3] = {p, q, w};
	for (int i = 0; i < 3; i++) {
		lt_vote(g, a, ids[i], true, false);
		lt_vote(g, b, ids[i], true, false);
		lt_vote(g, c, ids[i], false, false);
	}
	lt_tally(g, 1);
	CHECK_STR(lt_status(g, p), "passed");
	CHECK_STR(lt_status(g, q), "passed");
	CHECK_STR(lt_status(g, w), "failed");
	pw_rules_t r;
	gov_rules(g, &r);
	CHECK_EQ(r.playoff_teams, 8);
	CHECK_NEAR(r.vote_threshold, 0.55, 1e-9);
	CHECK_NEAR(gstate_threshold(3, &r), 0.6, 1e-9);
	r.vote_threshold = 0.7;
	CHECK_NEAR(gstate_threshold(4, &r), 0.7, 1e-9);
	CHECK_NEAR(gstate_threshold(1, &r), 0.7, 1e-9);
	/* Not enough PROPOSE tokens for a tier 5 proposal. */
	int64_t d = lt_join(g, "D", 4, NULL);
	lt_propose(g, d, "shorter quarters");
	CHECK_EQ(gov_propose(g, d, "something wild and strange", NULL, NULL, &e), PW_E_TOKENS);
	gov_close(g);
	store_close(s);
}

TEST(gov_amend_replaces_interpretation_keeps_original)
{
	pw_store_t *s = lt_open("g.db");
	pw_gov_t *g = lt_league(s, 8);
	int64_t a = lt_join(g, "A", 1, NULL), b = lt_join(g, "B", 2, NULL);
	int64_t p = lt_propose(g, a, "three pointers worth 5");
	pw_err_t e;
	cJSON *o = NULL;
	CHECK_EQ(gov_amend(g, a, p, "three pointers worth 4", NULL, &o, &e), 0);
	CHECK_STR(cJSON_GetObjectItem(o, "original_text")->valuestring, "three pointers worth 5");
	CHECK_STR(cJSON_GetObjectItem(o, "text")->valuestring, "three pointers worth 4");
	cJSON_Delete(o);
	CHECK_EQ(lt_tokens(g, a, PW_TOK_AMEND), 1);
	lt_vote(g, a, p, true, false);
	lt_vote(g, b, p, true, false);
	lt_tally(g, 1);
	pw_rules_t r;
	gov_rules(g, &r);
	CHECK_EQ(r.three_point_value, 4);
	/* Amending a closed proposal fails. */
	CHECK_EQ(gov_amend(g, a, p, "three pointers worth 6", NULL, NULL, &e), PW_E_CONFLICT);
	gov_close(g);
	store_close(s);
}

TEST(gov_veto_refunds_and_approval_gate_holds)
{
	pw_store_t *s = lt_open("g.db");
	pw_gov_cfg_t cfg = {.require_approval = true, .scripts_dir = "/nonexistent"};
	pw_gov_t *g = lt_league_with(s, 8, &cfg);
	int64_t a = lt_join(g, "A", 1, NULL);
	int64_t p = lt_propose(g, a, "three pointers worth 5");
	int64_t q = lt_propose(g, a, "turn off home court");
	CHECK_EQ(lt_tokens(g, a, PW_TOK_PROPOSE), 0);
	pw_err_t e;
	CHECK_EQ(gov_admin_veto(g, q, "no", NULL, &e), 0);
	CHECK_STR(lt_status(g, q), "vetoed");
	CHECK_EQ(lt_tokens(g, a, PW_TOK_PROPOSE), 1);
	lt_vote(g, a, p, true, false);
	lt_tally(g, 1);
	CHECK_STR(lt_status(g, p), "held");
	pw_rules_t r;
	gov_rules(g, &r);
	CHECK_EQ(r.three_point_value, 3);
	CHECK_EQ(gov_admin_approve(g, p, NULL, &e), 0);
	CHECK_STR(lt_status(g, p), "passed");
	gov_rules(g, &r);
	CHECK_EQ(r.three_point_value, 5);
	CHECK_EQ(gov_admin_approve(g, p, NULL, &e), PW_E_CONFLICT);
	gov_close(g);
	store_close(s);
}

TEST(gov_proposals_per_window_limit)
{
	pw_store_t *s = lt_open("g.db");
	pw_gov_t *g = lt_league(s, 8);
	int64_t a = lt_join(g, "A", 1, NULL);
	pw_err_t e;
	/* Drafts do not count against proposals_per_window (confirming does:
	 * test_identity.c), but a governor holds at most PW_MAX_DRAFTS. */
	for (int i = 0; i < PW_MAX_DRAFTS; i++) {
		char text[40];
		snprintf(text, sizeof text, "elam margin %d", 10 + i);
		CHECK_EQ(gov_propose(g, a, text, NULL, NULL, &e), 0);
	}
	CHECK_EQ(gov_propose(g, a, "elam margin 25", NULL, NULL, &e), PW_E_LIMIT);
	CHECK_EQ(gov_cancel(g, a, 1, NULL, &e), 0);
	CHECK_STR(lt_status(g, 1), "cancelled");
	CHECK_EQ(gov_propose(g, a, "elam margin 25", NULL, NULL, &e), 0);
	gov_close(g);
	store_close(s);
}

TEST(gov_token_trades_recheck_balances_at_accept)
{
	pw_store_t *s = lt_open("g.db");
	pw_gov_t *g = lt_league(s, 8);
	int64_t a = lt_join(g, "A", 1, NULL), b = lt_join(g, "B", 2, NULL);
	int give[3] = {2, 0, 0}, want[3] = {0, 0, 1}, none[3] = {0, 0, 0};
	pw_err_t e;
	CHECK_EQ(gov_trade_offer(g, a, b, give, want, NULL, &e), 0);
	int too_much[3] = {3, 0, 0};
	CHECK_EQ(gov_trade_offer(g, a, b, too_much, none, NULL, &e), PW_E_TOKENS);
	CHECK_EQ(gov_trade_offer(g, a, b, none, none, NULL, &e), PW_E_INVALID);
	/* a spends a PROPOSE token; the offer of 2 can no longer be covered. */
	lt_propose(g, a, "shorter quarters");
	CHECK_EQ(gov_trade_respond(g, a, 1, true, NULL, &e), PW_E_FORBIDDEN);
	CHECK_EQ(gov_trade_respond(g, b, 1, true, NULL, &e), PW_E_TOKENS);
	/* A fresh offer that fits goes through and moves tokens both ways. */
	int give1[3] = {1, 0, 0};
	CHECK_EQ(gov_trade_offer(g, a, b, give1, want, NULL, &e), 0);
	CHECK_EQ(gov_trade_respond(g, b, 2, true, NULL, &e), 0);
	CHECK_EQ(lt_tokens(g, a, PW_TOK_PROPOSE), 0);
	CHECK_EQ(lt_tokens(g, a, PW_TOK_BOOST), 3);
	CHECK_EQ(lt_tokens(g, b, PW_TOK_PROPOSE), 3);
	CHECK_EQ(lt_tokens(g, b, PW_TOK_BOOST), 1);
	CHECK_EQ(gov_trade_respond(g, b, 2, true, NULL, &e), PW_E_CONFLICT);
	gov_close(g);
	store_close(s);
}

TEST(gov_hooper_trade_needs_both_teams)
{
	pw_store_t *s = lt_open("g.db");
	pw_gov_t *g = lt_league(s, 8);
	int64_t a = lt_join(g, "A", 1, NULL), a2 = lt_join(g, "A2", 1, NULL), b = lt_join(g, "B", 2, NULL);
	int64_t ta, tb;
	int sa, sb;
	/* Hooper ids: team 1 has 1..4, team 2 has 5..8. */
	pw_err_t e;
	cJSON *o = NULL;
	CHECK_EQ(gov_hooper_trade_propose(g, a, 5, 1, NULL, &e), PW_E_FORBIDDEN);
	CHECK_EQ(gov_hooper_trade_propose(g, a, 1, 5, &o, &e), 0);
	CHECK_STR(cJSON_GetObjectItem(o, "status")->valuestring, "pending");
	cJSON_Delete(o);
	/* Team 1 has two governors: one approval is not a majority. */
	CHECK_EQ(gov_hooper_trade_approve(g, b, 1, &o, &e), 0);
	CHECK_STR(cJSON_GetObjectItem(o, "status")->valuestring, "pending");
	cJSON_Delete(o);
	CHECK_EQ(gov_hooper_trade_approve(g, a2, 1, &o, &e), 0);
	CHECK_STR(cJSON_GetObjectItem(o, "status")->valuestring, "executed");
	cJSON_Delete(o);
	CHECK_EQ(store_hooper_team(s, 1, &ta, &sa), 1);
	CHECK_EQ(store_hooper_team(s, 5, &tb, &sb), 1);
	CHECK_EQ(ta, 2);
	CHECK_EQ(tb, 1);
	CHECK_EQ(sa, 0);
	gov_close(g);
	store_close(s);
}

TEST(gov_hooper_trade_with_a_moved_hooper_is_rejected_not_stuck)
{
	pw_store_t *s = lt_open("g.db");
	pw_gov_t *g = lt_league(s, 8);
	int64_t a = lt_join(g, "A", 1, NULL), b = lt_join(g, "B", 2, NULL), c = lt_join(g, "C", 3, NULL);
	pw_err_t e;
	cJSON *o = NULL;
	/* Trade 1: hooper 1 (team 1) for 5 (team 2). Trade 2: hooper 1 for 9
	 * (team 3), which executes first and moves hooper 1 away. */
	CHECK_EQ(gov_hooper_trade_propose(g, a, 1, 5, NULL, &e), 0);
	CHECK_EQ(gov_hooper_trade_propose(g, a, 1, 9, NULL, &e), 0);
	CHECK_EQ(gov_hooper_trade_approve(g, c, 2, &o, &e), 0);
	CHECK_STR(cJSON_GetObjectItem(o, "status")->valuestring, "executed");
	cJSON_Delete(o);
	/* Trade 1 can no longer happen: approving settles it as rejected. */
	CHECK_EQ(gov_hooper_trade_approve(g, b, 1, &o, &e), 0);
	CHECK_STR(cJSON_GetObjectItem(o, "status")->valuestring, "rejected");
	cJSON_Delete(o);
	int64_t t5;
	int s5;
	CHECK_EQ(store_hooper_team(s, 5, &t5, &s5), 1);
	CHECK_EQ(t5, 2); /* hooper 5 stayed */
	CHECK_EQ(gov_hooper_trade_approve(g, b, 1, NULL, &e), PW_E_CONFLICT);
	CHECK_CONTAINS(e.msg, "already settled");
	gov_close(g);
	store_close(s);
}

TEST(gov_strategy_set_interprets_text)
{
	pw_store_t *s = lt_open("g.db");
	pw_gov_t *g = lt_league(s, 8);
	int64_t a = lt_join(g, "A", 3, NULL);
	cJSON *o = NULL;
	pw_err_t e;
	CHECK_EQ(gov_strategy_set(g, a, "push the pace and shoot threes", &o, &e), 0);
	CHECK(cJSON_GetObjectItem(cJSON_GetObjectItem(o, "strategy"), "pace")->valuedouble > 0);
	cJSON_Delete(o);
	cJSON *teams = store_teams_json(s, 1);
	char *t = cJSON_PrintUnformatted(cJSON_GetArrayItem(teams, 2));
	CHECK_CONTAINS(t, "push the pace");
	free(t);
	cJSON_Delete(teams);
	gov_close(g);
	store_close(s);
}

TEST(gov_effects_register_expire_and_repeal)
{
	pw_store_t *s = lt_open("g.db");
	pw_gov_t *g = lt_league(s, 8);
	int64_t a = lt_join(g, "A", 1, NULL), b = lt_join(g, "B", 2, NULL);
	cJSON *o = NULL;
	pw_err_t e;
	const char *lua = "return { name = \"Blip\", lifetime = { rounds = 2 }, hooks = { [\"sim.shot.pre\"] = function(ctx) end } }";
	CHECK_EQ(gov_propose(g, a, "add my effect", lua, &o, &e), 0);
	CHECK_EQ(cJSON_GetObjectItem(o, "tier")->valueint, 3);
	int64_t p = (int64_t)cJSON_GetObjectItem(o, "id")->valuedouble;
	cJSON_Delete(o);
	CHECK_EQ(gov_confirm(g, a, p, NULL, &e), 0);
	lt_vote(g, a, p, true, false);
	lt_vote(g, b, p, true, false);
	lt_tally(g, 1);
	cJSON *fx = gov_effects_json(g, true);
	CHECK_EQ(cJSON_GetArraySize(fx), 1);
	CHECK_STR(cJSON_GetObjectItem(cJSON_GetArrayItem(fx, 0), "id")->valuestring, "fx-1-1");
	CHECK_EQ(cJSON_GetObjectItem(cJSON_GetArrayItem(fx, 0), "start_round")->valueint, 2);
	cJSON_Delete(fx);
	/* A repeal is tier 5; passing it ends the effect. */
	CHECK_EQ(gov_propose(g, b, "repeal fx-1-1", NULL, &o, &e), 0);
	CHECK_EQ(cJSON_GetObjectItem(o, "tier")->valueint, 5);
	int64_t q = (int64_t)cJSON_GetObjectItem(o, "id")->valuedouble;
	cJSON_Delete(o);
	CHECK_EQ(gov_confirm(g, b, q, NULL, &e), 0);
	lt_vote(g, a, q, true, false);
	lt_vote(g, b, q, true, false);
	lt_tally(g, 2);
	CHECK_STR(lt_status(g, q), "held"); /* flagged and not cleared: held for the admin */
	CHECK_EQ(gov_admin_approve(g, q, NULL, &e), 0);
	fx = gov_effects_json(g, false);
	CHECK_STR(cJSON_GetObjectItem(cJSON_GetArrayItem(fx, 0), "status")->valuestring, "repealed");
	cJSON_Delete(fx);
	/* Lifetimes: a second effect of 2 rounds expires at the end of its 2nd. */
	CHECK_EQ(gov_propose(g, a, "again", lua, &o, &e), 0);
	p = (int64_t)cJSON_GetObjectItem(o, "id")->valuedouble;
	cJSON_Delete(o);
	CHECK_EQ(gov_confirm(g, a, p, NULL, &e), 0);
	lt_vote(g, a, p, true, false);
	lt_tally(g, 3); /* starts round 4 */
	for (int round = 4; round <= 5; round++) {
		CHECK_EQ(store_begin(s), 0);
		cJSON *ex = NULL;
		CHECK_EQ(gov_expire_effects_in_tx(g, round, &ex, &e), 0);
		CHECK_EQ(cJSON_GetArraySize(ex), round == 5 ? 1 : 0);
		cJSON_Delete(ex);
		CHECK_EQ(store_commit(s), 0);
	}
	gov_close(g);
	store_close(s);
}

/* A governor writes the bios of their own team's hoopers: the hooper's
 * stored bio is the new text, the log has hooper.bio_set; another team's
 * hooper, an unknown one, an empty or overlong text or a control character
 * is refused and changes nothing. */
TEST(gov_hooper_bios_are_written_by_their_team)
{
	pw_store_t *s = lt_open("g.db");
	pw_gov_t *g = lt_league(s, 8);
	int64_t a = lt_join(g, "A", 1, NULL);
	int64_t mine = 0, theirs = 0, team;
	int slot;
	for (int64_t h = 1; h < 200 && (!mine || !theirs); h++) {
		if (store_hooper_team(s, h, &team, &slot) != 1)
			continue;
		if (team == 1 && !mine)
			mine = h;
		if (team == 2 && !theirs)
			theirs = h;
	}
	CHECK(mine > 0 && theirs > 0);
	pw_err_t e;
	cJSON *out = NULL;
	CHECK_EQ(gov_hooper_bio_set(g, a, mine, "Grew up shooting at a hoop with no net.", &out, &e), 0);
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(out, "bio")), "Grew up shooting at a hoop with no net.");
	cJSON_Delete(out);
	cJSON *teams = store_teams_json(s, store_league_first(s, NULL));
	const cJSON *t, *h;
	const char *bio = NULL;
	cJSON_ArrayForEach(t, teams)
		cJSON_ArrayForEach(h, cJSON_GetObjectItem(t, "hoopers"))
			if ((int64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(h, "id")) == mine)
				bio = cJSON_GetStringValue(cJSON_GetObjectItem(h, "backstory"));
	CHECK_STR(bio, "Grew up shooting at a hoop with no net.");
	cJSON_Delete(teams);
	int64_t events = store_events_count(s);
	CHECK_EQ(gov_hooper_bio_set(g, a, theirs, "Not yours to write.", NULL, &e), PW_E_FORBIDDEN);
	CHECK_CONTAINS(e.msg, "only their own team's governors");
	CHECK_EQ(gov_hooper_bio_set(g, a, 99999, "Nobody.", NULL, &e), PW_E_NOT_FOUND);
	CHECK_EQ(gov_hooper_bio_set(g, a, mine, "", NULL, &e), PW_E_INVALID);
	char long_text[400];
	memset(long_text, 'x', sizeof long_text - 1);
	long_text[sizeof long_text - 1] = 0;
	CHECK_EQ(gov_hooper_bio_set(g, a, mine, long_text, NULL, &e), PW_E_INVALID);
	CHECK_CONTAINS(e.msg, "at most 239 bytes");
	CHECK_EQ(gov_hooper_bio_set(g, a, mine, "bad\x1b[2Jbio", NULL, &e), PW_E_INVALID);
	CHECK_EQ(store_events_count(s), events);
	gov_close(g);
	store_close(s);
}

/* Every test above again on PostgreSQL (docs/POSTGRES.md). */
LT_ON_POSTGRES(gov_join_gives_two_of_each_and_tokens_come_from_events)
LT_ON_POSTGRES(gov_proposal_lifecycle_pass_enacts_rule)
LT_ON_POSTGRES(gov_ties_fail_and_no_votes_fail)
LT_ON_POSTGRES(gov_weights_split_by_team_and_boost_doubles)
LT_ON_POSTGRES(gov_vote_replacement_until_tally)
LT_ON_POSTGRES(gov_tiers_thresholds_and_costs)
LT_ON_POSTGRES(gov_amend_replaces_interpretation_keeps_original)
LT_ON_POSTGRES(gov_veto_refunds_and_approval_gate_holds)
LT_ON_POSTGRES(gov_proposals_per_window_limit)
LT_ON_POSTGRES(gov_token_trades_recheck_balances_at_accept)
LT_ON_POSTGRES(gov_hooper_trade_needs_both_teams)
LT_ON_POSTGRES(gov_hooper_trade_with_a_moved_hooper_is_rejected_not_stuck)
LT_ON_POSTGRES(gov_strategy_set_interprets_text)
LT_ON_POSTGRES(gov_effects_register_expire_and_repeal)
LT_ON_POSTGRES(gov_hooper_bios_are_written_by_their_team)
