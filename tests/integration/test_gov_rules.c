/*
 * test_gov_rules.c — the governance rules of spec 30 as a league plays
 * them (issue 11): amendments (proposer only, at most two, re-classified
 * from scratch), refunds of what was actually spent, a tally judged by the
 * rules in force when it began, season boundaries, withdrawals, trades
 * that are listed, withdrawn, rejected and expire, the minimum voting
 * period, and names a client may set.
 */
#include "tests/test.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tests/integration/league_helpers.h"

static int64_t events_n(pw_gov_t *g)
{
	return store_events_count(gov_store(g));
}

/* ---- amendments ---- */

TEST(gov_amend_is_the_proposers_alone_and_changes_nothing_for_others)
{
	pw_store_t *s = lt_open("g.db");
	pw_gov_t *g = lt_league(s, 8);
	int64_t a = lt_join(g, "A", 1, NULL), b = lt_join(g, "B", 2, NULL);
	int64_t p = lt_propose(g, a, "three pointers worth 5");
	lt_vote(g, a, p, true, false);
	lt_vote(g, b, p, true, false);
	int64_t before = events_n(g);
	pw_err_t e;
	/* Issue 10 item 8: another team's governor attached a script to an
	 * open, voted proposal; the votes stayed and it passed. */
	CHECK_EQ(gov_amend(g, b, p, "three pointers worth 5 and my script",
			   "return { name = \"Evil\", hooks = { [\"sim.shot.pre\"] = function(ctx) end } }", NULL, &e),
		 PW_E_FORBIDDEN);
	CHECK_CONTAINS(e.msg, "proposer");
	CHECK_EQ(events_n(g), before);
	CHECK_EQ(lt_tokens(g, b, PW_TOK_AMEND), 2);
	/* The proposer may. */
	CHECK_EQ(gov_amend(g, a, p, "three pointers worth 4", NULL, NULL, &e), 0);
	CHECK_EQ(lt_tokens(g, a, PW_TOK_AMEND), 1);
	gov_close(g);
	store_close(s);
}

TEST(gov_amend_at_most_twice)
{
	pw_store_t *s = lt_open("g.db");
	pw_gov_t *g = lt_league(s, 8);
	int64_t a = lt_join(g, "A", 1, NULL);
	int64_t p = lt_propose(g, a, "three pointers worth 5");
	pw_err_t e;
	CHECK_EQ(gov_amend(g, a, p, "three pointers worth 4", NULL, NULL, &e), 0);
	CHECK_EQ(gov_amend(g, a, p, "three pointers worth 6", NULL, NULL, &e), 0);
	/* Tokens would allow a third (2 + a trade); the rule does not. */
	int give[3] = {0, 0, 0}, want[3] = {0, 1, 0};
	int64_t b = lt_join(g, "B", 2, NULL);
	CHECK_EQ(gov_trade_offer(g, b, a, want, give, NULL, &e), 0);
	CHECK_EQ(gov_trade_respond(g, a, 1, true, NULL, &e), 0);
	CHECK_EQ(lt_tokens(g, a, PW_TOK_AMEND), 1);
	int64_t before = events_n(g);
	CHECK_EQ(gov_amend(g, a, p, "three pointers worth 7", NULL, NULL, &e), PW_E_CONFLICT);
	CHECK_CONTAINS(e.msg, "2 times");
	CHECK_EQ(events_n(g), before);
	CHECK_EQ(lt_tokens(g, a, PW_TOK_AMEND), 1);
	cJSON *o = gov_proposal_json(g, p);
	CHECK_STR(cJSON_GetObjectItem(o, "text")->valuestring, "three pointers worth 6");
	CHECK_EQ(cJSON_GetObjectItem(o, "amendments")->valueint, 2);
	cJSON_Delete(o);
	gov_close(g);
	store_close(s);
}

/* Issue 11 item 4: a wild proposal the admin cleared, amended into a
 * repeal, went back to nobody and passed unseen. */
TEST(gov_amendment_of_a_cleared_proposal_into_a_wild_one_goes_back_to_review)
{
	pw_store_t *s = lt_open("g.db");
	pw_gov_t *g = lt_league(s, 8);
	int64_t a = lt_join(g, "A", 1, NULL), b = lt_join(g, "B", 2, NULL);
	/* An effect to repeal later. */
	const char *lua = "return { name = \"Blip\", hooks = { [\"sim.shot.pre\"] = function(ctx) end } }";
	int64_t fxp = lt_draft(g, a, "add my effect", lua);
	pw_err_t e;
	CHECK_EQ(gov_confirm(g, a, fxp, NULL, &e), 0);
	lt_vote(g, a, fxp, true, false);
	lt_vote(g, b, fxp, true, false);
	lt_tally(g, 1);
	CHECK_STR(lt_status(g, fxp), "passed");
	/* A wild proposal, cleared by the admin after review. */
	int64_t w = lt_draft(g, b, "the moon decides every game", NULL);
	CHECK_EQ(gov_confirm(g, b, w, NULL, &e), 0);
	CHECK_EQ(gov_admin_clear(g, w, NULL, &e), 0);
	cJSON *o = gov_proposal_json(g, w);
	CHECK(cJSON_IsFalse(cJSON_GetObjectItem(o, "flagged")));
	cJSON_Delete(o);
	/* Amended into a repeal: wild again, so flagged again. */
	CHECK_EQ(gov_amend(g, b, w, "repeal fx-1-1", NULL, &o, &e), 0);
	CHECK_EQ(cJSON_GetObjectItem(o, "tier")->valueint, 5);
	CHECK(cJSON_IsTrue(cJSON_GetObjectItem(o, "flagged")));
	cJSON_Delete(o);
	lt_vote(g, a, w, true, false);
	lt_vote(g, b, w, true, false);
	lt_tally(g, 2);
	/* It passed, but waits for the admin instead of being enacted. */
	CHECK_STR(lt_status(g, w), "held");
	cJSON *fx = gov_effects_json(g, true);
	CHECK_EQ(cJSON_GetArraySize(fx), 1);
	cJSON_Delete(fx);
	gov_close(g);
	store_close(s);
}

/* An amendment is classified from scratch: a tier-1 proposal amended into
 * a league-structure change takes that tier's threshold. */
TEST(gov_amendment_is_reclassified_from_scratch)
{
	pw_store_t *s = lt_open("g.db");
	pw_gov_t *g = lt_league(s, 8);
	int64_t a = lt_join(g, "A", 1, NULL);
	int64_t p = lt_propose(g, a, "three pointers worth 5");
	cJSON *o = NULL;
	pw_err_t e;
	CHECK_EQ(gov_amend(g, a, p, "6 playoff teams", NULL, &o, &e), 0);
	CHECK_EQ(cJSON_GetObjectItem(o, "tier")->valueint, 3);
	CHECK_NEAR(cJSON_GetObjectItem(o, "threshold")->valuedouble, 0.6, 1e-9);
	const cJSON *params = cJSON_GetObjectItem(cJSON_GetObjectItem(o, "interpretation"), "parameters");
	CHECK_EQ(cJSON_GetArraySize(params), 1);
	const cJSON *name = cJSON_GetObjectItem(cJSON_GetArrayItem(params, 0), "name");
	CHECK_STR(cJSON_IsString(name) ? name->valuestring : "", "playoff_teams");
	CHECK(cJSON_IsFalse(cJSON_GetObjectItem(o, "flagged")));
	cJSON_Delete(o);
	gov_close(g);
	store_close(s);
}

/* ---- refunds ---- */

/* Issue 11 item 5: a tier-1 proposal (1 PROPOSE) amended into a wild one
 * (cost 2) was refunded 2 on veto: a token created from nothing. */
TEST(gov_veto_refunds_what_the_proposer_spent_not_the_amended_cost)
{
	pw_store_t *s = lt_open("g.db");
	pw_gov_t *g = lt_league(s, 8);
	int64_t a = lt_join(g, "A", 1, NULL);
	int64_t p = lt_propose(g, a, "three pointers worth 5");
	CHECK_EQ(lt_tokens(g, a, PW_TOK_PROPOSE), 1);
	pw_err_t e;
	cJSON *o = NULL;
	CHECK_EQ(gov_amend(g, a, p, "the moon decides every game", NULL, &o, &e), 0);
	CHECK_EQ(cJSON_GetObjectItem(o, "cost")->valueint, 2);
	const cJSON *spent = cJSON_GetObjectItem(o, "spent");
	CHECK_EQ(cJSON_GetNumberValue(cJSON_GetObjectItem(spent, "propose")), 1);
	CHECK_EQ(cJSON_GetNumberValue(cJSON_GetObjectItem(spent, "amend")), 1);
	cJSON_Delete(o);
	CHECK_EQ(lt_tokens(g, a, PW_TOK_AMEND), 1);
	CHECK_EQ(gov_admin_veto(g, p, "no", NULL, &e), 0);
	/* Back what was spent on it: 1 PROPOSE and the AMEND. */
	CHECK_EQ(lt_tokens(g, a, PW_TOK_PROPOSE), 2);
	CHECK_EQ(lt_tokens(g, a, PW_TOK_AMEND), 2);
	gov_close(g);
	store_close(s);
}

TEST(gov_veto_refund_never_lifts_a_balance_above_the_cap)
{
	pw_store_t *s = lt_open("g.db");
	pw_gov_t *g = lt_league(s, 8);
	int64_t a = lt_join(g, "A", 1, NULL);
	int64_t p = lt_draft(g, a, "the moon decides every game", NULL);
	pw_err_t e;
	CHECK_EQ(gov_confirm(g, a, p, NULL, &e), 0);
	CHECK_EQ(lt_tokens(g, a, PW_TOK_PROPOSE), 0);
	/* Tallies regenerate to the cap while the wild proposal waits. */
	for (int r = 1; r <= 4; r++)
		lt_tally(g, r);
	gov_sync(g);
	/* It failed at the first tally (no votes); try again with a held one. */
	int64_t q = lt_draft(g, a, "the stars decide every game", NULL);
	CHECK_EQ(gov_confirm(g, a, q, NULL, &e), 0);
	CHECK_EQ(lt_tokens(g, a, PW_TOK_PROPOSE), 4);
	lt_tally(g, 5); /* +2: 6, the cap */
	CHECK_STR(lt_status(g, q), "failed");
	int64_t w = lt_draft(g, a, "the sun decides every game", NULL);
	CHECK_EQ(gov_confirm(g, a, w, NULL, &e), 0);
	CHECK_EQ(lt_tokens(g, a, PW_TOK_PROPOSE), 4);
	/* A trade fills the balance to the cap; the refund of 2 has no room. */
	int64_t b = lt_join(g, "B", 2, NULL);
	int give[3] = {2, 0, 0}, none[3] = {0, 0, 0};
	CHECK_EQ(gov_trade_offer(g, b, a, give, none, NULL, &e), 0);
	gov_sync(g);
	int64_t tid = gov_state(g)->trades[gov_state(g)->n_trades - 1].id;
	CHECK_EQ(gov_trade_respond(g, a, tid, true, NULL, &e), 0);
	CHECK_EQ(lt_tokens(g, a, PW_TOK_PROPOSE), 6);
	CHECK_EQ(gov_admin_veto(g, w, "no", NULL, &e), 0);
	CHECK_EQ(lt_tokens(g, a, PW_TOK_PROPOSE), PW_TOKEN_MAX);
	gov_close(g);
	store_close(s);
}

/* ---- tally order ---- */

/* Issue 11 item 6: a threshold change enacted first in a tally decided
 * the proposals after it. Both orders must give the same outcome. */
static void tally_order_case(bool threshold_first)
{
	pw_store_t *s = lt_open(threshold_first ? "a.db" : "b.db");
	pw_gov_t *g = lt_league(s, 8);
	int64_t v[5];
	for (int i = 0; i < 5; i++) {
		char nm[8];
		snprintf(nm, sizeof nm, "G%d", i);
		v[i] = lt_join(g, nm, i + 1, NULL);
	}
	int64_t thr = 0, p = 0;
	if (threshold_first)
		thr = lt_propose(g, v[0], "vote threshold 0.7");
	p = lt_propose(g, v[1], "three pointers worth 5");
	if (!threshold_first)
		thr = lt_propose(g, v[0], "vote threshold 0.7");
	/* 4 of 5 for the threshold (0.8 > 0.6); 3 of 5 for the threes (0.6:
	 * passes 0.5, would fail 0.7). */
	for (int i = 0; i < 5; i++) {
		lt_vote(g, v[i], thr, i < 4, false);
		lt_vote(g, v[i], p, i < 3, false);
	}
	lt_tally(g, 1);
	CHECK_STR(lt_status(g, thr), "passed");
	CHECK_MSG(!strcmp(lt_status(g, p), "passed"), "threshold first=%d: the threes %s", threshold_first,
		  lt_status(g, p));
	cJSON *o = gov_proposal_json(g, p);
	CHECK_NEAR(cJSON_GetObjectItem(o, "threshold")->valuedouble, 0.5, 1e-9);
	cJSON_Delete(o);
	gov_close(g);
	store_close(s);
}

TEST(gov_tally_judges_every_proposal_by_the_rules_at_its_start)
{
	tally_order_case(true);
	tally_order_case(false);
}

/* ---- season boundaries ---- */

/* Runs season 1 to completion with tallies rare enough that proposals
 * stay open, then leaves the league at that point. */
static void finish_season(pw_gov_t *g)
{
	pw_round_cfg_t c;
	lt_cfg(&c, g);
	c.governance_interval = 1000;
	CHECK(lt_run_season(&c) > 0);
}

static void new_season(pw_gov_t *g)
{
	pw_err_t e;
	int64_t sid;
	CHECK_MSG(season_create(g, NULL, true, NULL, 0, &sid, &e) == 0, "new season: %s", e.msg);
	gov_sync(g);
}

TEST(gov_nothing_of_a_finished_season_can_be_acted_on)
{
	pw_store_t *s = lt_open("g.db");
	pw_gov_t *g = lt_league(s, 4);
	int64_t a = lt_join(g, "A", 1, NULL), b = lt_join(g, "B", 2, NULL);
	int64_t p = lt_propose(g, a, "three pointers worth 5");
	int64_t d = lt_draft(g, b, "shorter quarters", NULL);
	pw_err_t e;
	int give[3] = {1, 0, 0}, want[3] = {0, 0, 1};
	CHECK_EQ(gov_trade_offer(g, a, b, give, want, NULL, &e), 0);
	CHECK_EQ(gov_hooper_trade_propose(g, a, 1, 5, NULL, &e), 0);
	finish_season(g);
	/* The season is complete: nothing new starts in it. */
	int64_t before = events_n(g);
	CHECK_EQ(gov_propose(g, a, "longer quarters", NULL, NULL, &e), PW_E_CONFLICT);
	CHECK_CONTAINS(e.msg, "complete");
	CHECK_EQ(gov_confirm(g, b, d, NULL, &e), PW_E_CONFLICT);
	CHECK_EQ(events_n(g), before);
	new_season(g);
	before = events_n(g);
	int tk[2][PW_TOKEN_KINDS];
	for (int k = 0; k < PW_TOKEN_KINDS; k++) {
		tk[0][k] = lt_tokens(g, a, k);
		tk[1][k] = lt_tokens(g, b, k);
	}
	/* Last season's proposals: no vote, boost, amendment, confirm or
	 * withdrawal; last season's offers and hooper trades: no answer. */
	CHECK_EQ(gov_vote(g, b, p, true, false, NULL, &e), PW_E_CONFLICT);
	CHECK_CONTAINS(e.msg, "earlier season");
	CHECK_EQ(gov_vote(g, b, p, true, true, NULL, &e), PW_E_CONFLICT);
	CHECK_EQ(gov_amend(g, a, p, "three pointers worth 6", NULL, NULL, &e), PW_E_CONFLICT);
	CHECK_CONTAINS(e.msg, "earlier season");
	CHECK_EQ(gov_confirm(g, b, d, NULL, &e), PW_E_CONFLICT);
	CHECK_CONTAINS(e.msg, "earlier season");
	CHECK_EQ(gov_withdraw(g, a, p, NULL, &e), PW_E_CONFLICT);
	CHECK_CONTAINS(e.msg, "earlier season");
	CHECK_EQ(gov_trade_respond(g, b, 1, true, NULL, &e), PW_E_CONFLICT);
	CHECK_CONTAINS(e.msg, "earlier season");
	CHECK_EQ(gov_hooper_trade_approve(g, b, 1, NULL, &e), PW_E_CONFLICT);
	CHECK_CONTAINS(e.msg, "earlier season");
	CHECK_EQ(events_n(g), before);
	for (int k = 0; k < PW_TOKEN_KINDS; k++) {
		CHECK_EQ(lt_tokens(g, a, k), tk[0][k]);
		CHECK_EQ(lt_tokens(g, b, k), tk[1][k]);
	}
	int64_t t5;
	int s5;
	CHECK_EQ(store_hooper_team(s, 5, &t5, &s5), 1);
	CHECK_EQ(t5, 2);
	/* This season's business goes on. */
	int64_t q = lt_propose(g, a, "longer quarters");
	lt_vote(g, b, q, true, false);
	gov_close(g);
	store_close(s);
}

/* ---- withdrawing a proposal ---- */

TEST(gov_withdraw_my_open_proposal_before_the_tally_without_a_refund)
{
	pw_store_t *s = lt_open("g.db");
	pw_gov_t *g = lt_league(s, 8);
	int64_t a = lt_join(g, "A", 1, NULL), b = lt_join(g, "B", 2, NULL);
	int64_t p = lt_propose(g, a, "three pointers worth 5");
	lt_vote(g, a, p, true, false);
	lt_vote(g, b, p, true, false);
	pw_err_t e;
	int64_t before = events_n(g);
	/* Only the proposer, only an open one. */
	CHECK_EQ(gov_withdraw(g, b, p, NULL, &e), PW_E_FORBIDDEN);
	CHECK_EQ(events_n(g), before);
	int64_t d = lt_draft(g, a, "shorter quarters", NULL);
	CHECK_EQ(gov_withdraw(g, a, d, NULL, &e), PW_E_CONFLICT);
	CHECK_EQ(lt_tokens(g, a, PW_TOK_PROPOSE), 1);
	cJSON *o = NULL;
	CHECK_EQ(gov_withdraw(g, a, p, &o, &e), 0);
	CHECK_STR(cJSON_GetObjectItem(o, "status")->valuestring, "withdrawn");
	cJSON_Delete(o);
	CHECK_EQ(lt_tokens(g, a, PW_TOK_PROPOSE), 1); /* not refunded */
	/* It is out of voting and out of the tally. */
	CHECK_EQ(gov_vote(g, b, p, false, false, NULL, &e), PW_E_CONFLICT);
	CHECK_EQ(gov_withdraw(g, a, p, NULL, &e), PW_E_CONFLICT);
	lt_tally(g, 1);
	CHECK_STR(lt_status(g, p), "withdrawn");
	pw_rules_t r;
	gov_rules(g, &r);
	CHECK_EQ(r.three_point_value, 3);
	/* A withdrawn proposal no longer counts against the window. */
	cJSON *list = gov_proposals_json(g, 0, "withdrawn");
	CHECK_EQ(cJSON_GetArraySize(list), 1);
	cJSON_Delete(list);
	gov_close(g);
	store_close(s);
}

/* ---- trades ---- */

static int64_t last_trade(pw_gov_t *g)
{
	gov_sync(g);
	return gov_state(g)->n_trades ? gov_state(g)->trades[gov_state(g)->n_trades - 1].id : 0;
}

TEST(gov_trades_are_listed_for_those_involved_and_withdrawn_by_the_offerer)
{
	pw_store_t *s = lt_open("g.db");
	pw_gov_t *g = lt_league(s, 8);
	int64_t a = lt_join(g, "A", 1, NULL), b = lt_join(g, "B", 2, NULL), c = lt_join(g, "C", 3, NULL);
	int64_t a2 = lt_join(g, "A2", 1, NULL);
	int give[3] = {1, 0, 0}, want[3] = {0, 0, 1};
	pw_err_t e;
	CHECK_EQ(gov_trade_offer(g, a, b, give, want, NULL, &e), 0);
	int64_t t1 = last_trade(g);
	CHECK_EQ(gov_trade_offer(g, b, c, give, want, NULL, &e), 0);
	CHECK_EQ(gov_hooper_trade_propose(g, a, 1, 5, NULL, &e), 0); /* teams 1 and 2 */
	CHECK_EQ(gov_hooper_trade_propose(g, c, 9, 13, NULL, &e), 0); /* teams 3 and 4 */
	cJSON *mine = gov_trades_json(g, a);
	CHECK_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(mine, "token_trades")), 1);
	CHECK_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(mine, "hooper_trades")), 1);
	const cJSON *t = cJSON_GetArrayItem(cJSON_GetObjectItem(mine, "token_trades"), 0);
	CHECK_STR(cJSON_GetObjectItem(t, "status")->valuestring, "open");
	CHECK_EQ(cJSON_GetObjectItem(t, "expires_after_round")->valueint, PW_TRADE_EXPIRY_DEFAULT);
	cJSON_Delete(mine);
	/* A teammate sees the team's hooper trade, not a's token offer. */
	cJSON *team = gov_trades_json(g, a2);
	CHECK_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(team, "token_trades")), 0);
	CHECK_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(team, "hooper_trades")), 1);
	cJSON_Delete(team);
	/* Only the offerer withdraws; then nobody can accept it. */
	int64_t before = events_n(g);
	CHECK_EQ(gov_trade_withdraw(g, b, t1, NULL, &e), PW_E_FORBIDDEN);
	CHECK_EQ(events_n(g), before);
	CHECK_EQ(gov_trade_withdraw(g, a, t1, NULL, &e), 0);
	CHECK_EQ(gov_trade_withdraw(g, a, t1, NULL, &e), PW_E_CONFLICT);
	CHECK_EQ(gov_trade_respond(g, b, t1, true, NULL, &e), PW_E_CONFLICT);
	CHECK_CONTAINS(e.msg, "withdrawn");
	CHECK_EQ(lt_tokens(g, a, PW_TOK_PROPOSE), 2);
	CHECK_EQ(lt_tokens(g, b, PW_TOK_BOOST), 2);
	gov_close(g);
	store_close(s);
}

TEST(gov_hooper_trade_rejected_by_either_team_ends_it)
{
	pw_store_t *s = lt_open("g.db");
	pw_gov_t *g = lt_league(s, 8);
	int64_t a = lt_join(g, "A", 1, NULL), b = lt_join(g, "B", 2, NULL), c = lt_join(g, "C", 3, NULL);
	pw_err_t e;
	cJSON *o = NULL;
	CHECK_EQ(gov_hooper_trade_propose(g, a, 1, 5, NULL, &e), 0);
	CHECK_EQ(gov_hooper_trade_propose(g, a, 2, 6, NULL, &e), 0);
	/* Not a party: refused, nothing written. */
	int64_t before = events_n(g);
	CHECK_EQ(gov_hooper_trade_reject(g, c, 1, NULL, &e), PW_E_FORBIDDEN);
	CHECK_EQ(events_n(g), before);
	/* The other team rejects one, the proposing team the other. */
	CHECK_EQ(gov_hooper_trade_reject(g, b, 1, &o, &e), 0);
	CHECK_STR(cJSON_GetObjectItem(o, "status")->valuestring, "rejected");
	CHECK_CONTAINS(cJSON_GetObjectItem(o, "reason")->valuestring, "governor");
	cJSON_Delete(o);
	CHECK_EQ(gov_hooper_trade_reject(g, a, 2, NULL, &e), 0);
	/* Ended: approvals no longer move anyone. */
	CHECK_EQ(gov_hooper_trade_approve(g, b, 1, NULL, &e), PW_E_CONFLICT);
	CHECK_EQ(gov_hooper_trade_approve(g, b, 2, NULL, &e), PW_E_CONFLICT);
	int64_t t1;
	int s1;
	CHECK_EQ(store_hooper_team(s, 1, &t1, &s1), 1);
	CHECK_EQ(t1, 1);
	gov_close(g);
	store_close(s);
}

/* Offers and hooper trades expire at a tally after the window (events,
 * so the log says why they ended). */
TEST(gov_offers_and_hooper_trades_expire_after_their_window)
{
	pw_store_t *s = lt_open("g.db");
	pw_gov_cfg_t cfg = {.scripts_dir = "/nonexistent", .trade_expiry_rounds = 2};
	pw_gov_t *g = lt_league_with(s, 4, &cfg);
	int64_t a = lt_join(g, "A", 1, NULL), b = lt_join(g, "B", 2, NULL);
	int64_t a2 = lt_join(g, "A2", 1, NULL);
	int give[3] = {1, 0, 0}, want[3] = {0, 0, 1};
	pw_err_t e;
	CHECK_EQ(gov_trade_offer(g, a, b, give, want, NULL, &e), 0);
	int64_t t1 = last_trade(g);
	/* Team 1 has two governors: the proposer's approval alone waits. */
	CHECK_EQ(gov_hooper_trade_propose(g, a, 1, 5, NULL, &e), 0);
	/* Made at round 0: open through the tally of round 1, expired at 2. */
	pw_round_cfg_t c;
	lt_cfg(&c, g);
	pw_round_out_t out;
	CHECK_EQ(round_tick(&c, &out, &e), 0);
	cJSON *o = gov_trades_json(g, a);
	CHECK_STR(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(o, "token_trades"), 0), "status")->valuestring,
		  "open");
	cJSON_Delete(o);
	CHECK_EQ(round_tick(&c, &out, &e), 0);
	o = gov_trades_json(g, a);
	const cJSON *tt = cJSON_GetArrayItem(cJSON_GetObjectItem(o, "token_trades"), 0);
	const cJSON *ht = cJSON_GetArrayItem(cJSON_GetObjectItem(o, "hooper_trades"), 0);
	CHECK_STR(cJSON_GetObjectItem(tt, "status")->valuestring, "expired");
	CHECK_STR(cJSON_GetObjectItem(ht, "status")->valuestring, "expired");
	CHECK_CONTAINS(cJSON_GetObjectItem(ht, "reason")->valuestring, "window");
	cJSON_Delete(o);
	CHECK_EQ(gov_trade_respond(g, b, t1, true, NULL, &e), PW_E_CONFLICT);
	CHECK_EQ(gov_hooper_trade_approve(g, a2, 1, NULL, &e), PW_E_CONFLICT);
	CHECK_EQ(lt_tokens(g, a, PW_TOK_PROPOSE), 6); /* 2 + two regenerations, no trade */
	gov_close(g);
	store_close(s);
}

/* ---- the minimum voting period ---- */

typedef struct clock_ {
	int64_t t;
} clock_t_;

static int64_t fake_now(void *ud)
{
	return ((clock_t_ *)ud)->t;
}

TEST(gov_a_proposal_confirmed_too_recently_waits_for_the_next_tally)
{
	pw_store_t *s = lt_open("g.db");
	clock_t_ clk = {(int64_t)time(NULL)};
	pw_gov_cfg_t cfg = {.scripts_dir = "/nonexistent", .min_voting_seconds = 600, .now = fake_now,
			    .now_ud = &clk};
	pw_gov_t *g = lt_league_with(s, 8, &cfg);
	int64_t a = lt_join(g, "A", 1, NULL), b = lt_join(g, "B", 2, NULL);
	int64_t p = lt_propose(g, a, "three pointers worth 5");
	lt_vote(g, a, p, true, false);
	lt_vote(g, b, p, true, false);
	pw_store_t *st = gov_store(g);
	cJSON *sum = NULL;
	pw_err_t e;
	CHECK_EQ(store_begin(st), 0);
	CHECK_EQ(gov_tally_in_tx(g, 1, &sum, &e), 0);
	CHECK_EQ(store_commit(st), 0);
	CHECK_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(sum, "deferred")), 1);
	CHECK_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(sum, "proposals")), 0);
	cJSON_Delete(sum);
	CHECK_STR(lt_status(g, p), "open");
	/* Ten minutes later the next tally decides it. The confirmation's
	 * time is the event's, from the store's clock, which may have
	 * passed a second boundary since clk was read: a few seconds more. */
	clk.t += 600 + 5;
	lt_tally(g, 2);
	CHECK_STR(lt_status(g, p), "passed");
	/* The season's last tally waits for nobody. */
	int64_t q = lt_propose(g, b, "shorter quarters");
	lt_vote(g, a, q, true, false);
	CHECK_EQ(store_begin(st), 0);
	CHECK_EQ(gov_tally_final_in_tx(g, 3, NULL, &e), 0);
	CHECK_EQ(store_commit(st), 0);
	CHECK_STR(lt_status(g, q), "passed");
	gov_close(g);
	store_close(s);
}

/* ---- names ---- */

TEST(gov_names_refuse_controls_and_bidi_overrides)
{
	pw_store_t *s = lt_open("g.db");
	pw_gov_t *g = lt_league(s, 8);
	static const char *const bad[] = {
		"Ada\xe2\x80\xae" "evil",  /* U+202E right-to-left override */
		"\xe2\x81\xa6" "Ada",      /* U+2066 left-to-right isolate */
		"Ada\xe2\x80\x8f",         /* U+200F right-to-left mark */
		"Ada\nLovelace",           /* a line feed */
		"Ada\x1b[31m",             /* an escape sequence */
		"Ada\xc2\x85",             /* U+0085 next line (C1) */
		"A\xe2\x80\x8b" "da",      /* U+200B zero width space */
		"\xef\xbb\xbf" "Ada",      /* U+FEFF */
		"   ",                     /* only spaces */
		"\xff\xfe",                /* not UTF-8 */
		"\xc0\xaf",                /* an overlong "/" */
		"",
	};
	pw_err_t e;
	int64_t before = events_n(g);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		CHECK_MSG(gov_join(g, bad[i], 1, NULL, &e) == PW_E_INVALID, "name %zu accepted", i);
		CHECK_MSG(strstr(e.msg, "name") != NULL, "name %zu: %s", i, e.msg);
		CHECK_EQ(gov_check_name("name", bad[i], &e), PW_E_INVALID);
	}
	CHECK_EQ(events_n(g), before);
	CHECK_EQ(gov_join(g, "Zoë 李 O'Brien-Smith", 1, NULL, &e), 0);
	CHECK_EQ(gov_check_name("name", "Ada Lovelace", &e), 0);
	gov_close(g);
	store_close(s);
}

/* A trade never lifts a balance above the cap either (the invariant of the
 * play-through: balances between 0 and PW_TOKEN_MAX). */
TEST(gov_trade_refused_when_it_would_lift_a_balance_above_the_cap)
{
	pw_store_t *s = lt_open("g.db");
	pw_gov_t *g = lt_league(s, 8);
	int64_t a = lt_join(g, "A", 1, NULL), b = lt_join(g, "B", 2, NULL);
	lt_tally(g, 1);
	lt_tally(g, 2); /* both at 6 of each */
	CHECK_EQ(lt_tokens(g, b, PW_TOK_PROPOSE), PW_TOKEN_MAX);
	int give[3] = {2, 0, 0}, want[3] = {0, 0, 1};
	pw_err_t e;
	CHECK_EQ(gov_trade_offer(g, a, b, give, want, NULL, &e), 0);
	int64_t before = events_n(g);
	CHECK_EQ(gov_trade_respond(g, b, last_trade(g), true, NULL, &e), PW_E_CONFLICT);
	CHECK_CONTAINS(e.msg, "above");
	CHECK_EQ(events_n(g), before);
	CHECK_EQ(lt_tokens(g, b, PW_TOK_PROPOSE), PW_TOKEN_MAX);
	CHECK_EQ(lt_tokens(g, a, PW_TOK_PROPOSE), PW_TOKEN_MAX);
	/* Rejecting it is still possible. */
	CHECK_EQ(gov_trade_respond(g, b, last_trade(g), false, NULL, &e), 0);
	gov_close(g);
	store_close(s);
}
