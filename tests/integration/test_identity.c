/*
 * test_identity.c — people behind governors (core/league/identity.h): one
 * governor per identity per season, invites with a use count and an
 * expiry, browser sessions stored hashed with their CSRF token, token
 * rotation; and every refusal changes nothing.
 */
#include "tests/test.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/league/identity.h"
#include "core/sim/sha256.h"
#include "tests/integration/league_helpers.h"

#define NOW 1800000000

static int64_t join(pw_gov_t *g, pw_identity_join_t in, int64_t *identity, pw_err_t *e)
{
	cJSON *out = NULL;
	if (identity_join(g, &in, identity, &out, e) < 0)
		return e->code;
	int64_t gid = (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(out, "governor_id"));
	CHECK(cJSON_GetNumberValue(cJSON_GetObjectItem(out, "identity_id")) > 0);
	CHECK(cJSON_GetStringValue(cJSON_GetObjectItem(out, "token")) != NULL);
	cJSON_Delete(out);
	return gid;
}

TEST(identity_one_governor_per_identity_per_season)
{
	pw_store_t *s = lt_open("id.db");
	pw_gov_t *g = lt_league(s, 8);
	pw_err_t e;
	int64_t who = 0;
	int64_t ada = join(g, (pw_identity_join_t){.name = "Ada", .team_id = 1, .now = NOW}, &who, &e);
	CHECK(ada > 0);
	CHECK(who > 0);
	bool enrolled = false;
	CHECK_EQ(identity_governor(g, who, &enrolled), ada);
	CHECK(enrolled);
	/* The same person again, for another team: refused, nothing written. */
	int64_t events = store_events_count(s);
	CHECK_EQ(join(g, (pw_identity_join_t){.name = "Ada2", .team_id = 2, .identity_id = who, .now = NOW},
		      NULL, &e), PW_E_CONFLICT);
	CHECK_CONTAINS(e.msg, "already joined this season");
	CHECK_CONTAINS(e.msg, "governor 1 (Ada) of team 1");
	CHECK_EQ(store_events_count(s), events);
	CHECK_EQ(gstate_team_governors(gov_state(g), 2), 0);
	/* Someone else may. */
	int64_t other = 0;
	CHECK(join(g, (pw_identity_join_t){.name = "Bo", .team_id = 2, .now = NOW}, &other, &e) > 0);
	CHECK(other != who);
	/* The identity is known by its governor, and a provider's subject
	 * finds the same identity twice. */
	CHECK_EQ(identity_of_governor(g, ada, false, NOW), who);
	int64_t d1 = 0, d2 = 0;
	CHECK_EQ(identity_find_or_create(s, "discord", "1234", "ada#1", NOW, &d1, &e), 0);
	CHECK_EQ(identity_find_or_create(s, "discord", "1234", "ada#1", NOW, &d2, &e), 0);
	CHECK(d1 > 0 && d1 == d2);
	CHECK_EQ(identity_find_or_create(s, "Discord!", "1", "x", NOW, &d1, &e), PW_E_INVALID);
	gov_close(g);
	store_close(s);
}

TEST(identity_token_governors_get_an_identity_when_they_sign_in)
{
	pw_store_t *s = lt_open("id.db");
	pw_gov_t *g = lt_league(s, 8);
	char tok[80];
	/* Joined without an identity (a script, or before identities). */
	int64_t ada = lt_join(g, "Ada", 1, tok);
	CHECK_EQ(identity_of_governor(g, ada, false, NOW), 0);
	int64_t who = identity_of_governor(g, ada, true, NOW);
	CHECK(who > 0);
	CHECK_EQ(identity_of_governor(g, ada, true, NOW), who);
	char prov[20], name[64];
	CHECK_EQ(store_identity_get(s, who, prov, sizeof prov, name, sizeof name), 1);
	CHECK_STR(prov, "token");
	CHECK_STR(name, "Ada");
	/* Now that identity cannot join a second time this season. */
	pw_err_t e;
	CHECK_EQ(join(g, (pw_identity_join_t){.name = "Ada", .team_id = 3, .identity_id = who, .now = NOW}, NULL,
		      &e), PW_E_CONFLICT);
	/* Rotating the token: the old one stops working, the new one works. */
	CHECK_EQ(gov_authenticate(g, tok), ada);
	char fresh[IDENTITY_SECRET_HEX + 1];
	CHECK_EQ(identity_rotate_token(g, ada, fresh, &e), 0);
	CHECK_EQ(strlen(fresh), 64);
	CHECK_EQ(gov_authenticate(g, tok), 0);
	CHECK_EQ(gov_authenticate(g, fresh), ada);
	CHECK_EQ(identity_rotate_token(g, 999, fresh, &e), PW_E_NOT_FOUND);
	gov_close(g);
	store_close(s);
}

TEST(identity_invites_count_uses_and_expire)
{
	pw_store_t *s = lt_open("id.db");
	pw_gov_t *g = lt_league(s, 8);
	pw_err_t e;
	char code[IDENTITY_INVITE_HEX + 1];
	int64_t inv = 0;
	CHECK_EQ(identity_invite_create(s, 3, 2, NOW + 3600, "for the Tuesday group", NOW, code, &inv, &e), 0);
	CHECK_EQ(strlen(code), 32);
	/* Stored hashed: the code is nowhere in the table. */
	cJSON *list = store_invites_json(s);
	char *text = cJSON_PrintUnformatted(list);
	CHECK(text && !strstr(text, code));
	CHECK_CONTAINS(text, "\"max_uses\":2");
	free(text);
	cJSON_Delete(list);
	/* Bad values name what is wrong. */
	char c2[IDENTITY_INVITE_HEX + 1];
	CHECK_EQ(identity_invite_create(s, 99, 2, NOW + 60, NULL, NOW, c2, NULL, &e), PW_E_NOT_FOUND);
	CHECK_CONTAINS(e.msg, "team_id");
	CHECK_EQ(identity_invite_create(s, 1, 0, NOW + 60, NULL, NOW, c2, NULL, &e), PW_E_INVALID);
	CHECK_CONTAINS(e.msg, "uses");
	CHECK_EQ(identity_invite_create(s, 1, 1, NOW - 1, NULL, NOW, c2, NULL, &e), PW_E_INVALID);
	CHECK_CONTAINS(e.msg, "expiry");
	CHECK_EQ(identity_invite_create(s, 1, 1, NOW + 60, "bad\xe2\x80\xaeote", NOW, c2, NULL, &e), PW_E_INVALID);
	CHECK_CONTAINS(e.msg, "note");

	/* Invite enrolment: no code, no join. */
	pw_identity_join_t in = {.name = "Ada", .require_invite = true, .now = NOW};
	CHECK_EQ(join(g, in, NULL, &e), PW_E_FORBIDDEN);
	CHECK_CONTAINS(e.msg, "needs an invite");
	in.invite_code = "00000000000000000000000000000000";
	CHECK_EQ(join(g, in, NULL, &e), PW_E_FORBIDDEN);
	CHECK_CONTAINS(e.msg, "not one of this league's invites");
	/* The code's team, or the same team named: fine; another team: no. */
	in.invite_code = code;
	in.team_id = 4;
	CHECK_EQ(join(g, in, NULL, &e), PW_E_INVALID);
	CHECK_CONTAINS(e.msg, "the invite is for team 3");
	in.team_id = 0;
	int64_t ada = join(g, in, NULL, &e);
	CHECK(ada > 0);
	CHECK_EQ(gstate_governor(gov_state(g), ada)->team_id, 3);
	in.name = "Bo";
	in.team_id = 3;
	CHECK(join(g, in, NULL, &e) > 0);
	/* Used up: the third join is refused and nothing changes. */
	int64_t events = store_events_count(s);
	in.name = "Cy";
	CHECK_EQ(join(g, in, NULL, &e), PW_E_FORBIDDEN);
	CHECK_CONTAINS(e.msg, "used as many times");
	CHECK_EQ(store_events_count(s), events);
	pw_invite_row_t row;
	CHECK_EQ(identity_invite_find(s, code, &row), 1);
	CHECK_EQ(row.uses, 2);
	list = store_invites_json(s);
	CHECK_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(cJSON_GetArrayItem(list, 0), "governors")), 2);
	cJSON_Delete(list);

	/* Expired and revoked invites say so. */
	CHECK_EQ(identity_invite_create(s, 2, 5, NOW + 60, NULL, NOW, c2, &inv, &e), 0);
	in.invite_code = c2;
	in.team_id = 0;
	in.now = NOW + 61;
	CHECK_EQ(join(g, in, NULL, &e), PW_E_FORBIDDEN);
	CHECK_CONTAINS(e.msg, "expired");
	in.now = NOW;
	CHECK_EQ(identity_invite_revoke(s, inv, &e), 0);
	CHECK_EQ(join(g, in, NULL, &e), PW_E_FORBIDDEN);
	CHECK_CONTAINS(e.msg, "revoked");
	CHECK_EQ(identity_invite_revoke(s, 999, &e), PW_E_NOT_FOUND);
	gov_close(g);
	store_close(s);
}

TEST(identity_sessions_are_stored_hashed_and_expire)
{
	pw_store_t *s = lt_open("id.db");
	pw_gov_t *g = lt_league(s, 8);
	pw_err_t e;
	char id[IDENTITY_SECRET_HEX + 1];
	pw_session_t sess, got;
	CHECK_EQ(identity_session_new(s, 0, false, NOW, 30 * 86400, id, &sess, &e), 0);
	CHECK_EQ(strlen(id), 64);
	CHECK_EQ(strlen(sess.csrf), 64);
	CHECK(strcmp(id, sess.csrf) != 0);
	/* Nobody signed in: a short life whatever the setting. */
	CHECK_EQ(sess.expires_at, NOW + IDENTITY_ANON_SECONDS);
	CHECK_EQ(identity_session_get(s, id, NOW + 10, &got), 1);
	CHECK_STR(got.csrf, sess.csrf);
	CHECK_EQ(identity_session_get(s, id, NOW + IDENTITY_ANON_SECONDS, &got), 0);
	/* The row is keyed by the id's hash, never the id. */
	char hash[65];
	sha256_hex(id, strlen(id), hash);
	pw_session_row_t row;
	CHECK_EQ(store_session_get(s, hash, &row), 1);
	CHECK_EQ(store_session_get(s, id, &row), 0);
	/* A signed-in session lasts its lifetime; malformed ids name nothing. */
	char id2[IDENTITY_SECRET_HEX + 1];
	CHECK_EQ(identity_session_new(s, 0, true, NOW, 100, id2, &sess, &e), 0);
	CHECK_EQ(identity_session_get(s, id2, NOW + 99, &got), 1);
	CHECK(got.admin);
	CHECK_EQ(identity_session_get(s, id2, NOW + 100, &got), 0);
	CHECK_EQ(identity_session_get(s, "zz", NOW, &got), 0);
	CHECK_EQ(identity_session_get(s, NULL, NOW, &got), 0);
	/* CSRF tokens compare whole. */
	CHECK(identity_csrf_ok(&sess, sess.csrf));
	char wrong[IDENTITY_SECRET_HEX + 1];
	snprintf(wrong, sizeof wrong, "%s", sess.csrf);
	wrong[10] = wrong[10] == 'a' ? 'b' : 'a';
	CHECK(!identity_csrf_ok(&sess, wrong));
	wrong[63] = 0;
	CHECK(!identity_csrf_ok(&sess, wrong));
	CHECK(!identity_csrf_ok(&sess, ""));
	CHECK(!identity_csrf_ok(&sess, NULL));
	/* Sign out, and a new session purges the expired ones. */
	CHECK_EQ(identity_session_get(s, id, NOW + 10, &got), 1);
	CHECK_EQ(identity_session_end(s, id), 0);
	CHECK_EQ(identity_session_get(s, id, NOW + 10, &got), 0);
	char id3[IDENTITY_SECRET_HEX + 1];
	CHECK_EQ(identity_session_new(s, 0, false, NOW + 1000, 0, id3, NULL, &e), 0);
	sha256_hex(id2, strlen(id2), hash);
	CHECK_EQ(store_session_get(s, hash, &row), 0);
	gov_close(g);
	store_close(s);
}

/* Drafts cost nothing and do not count against proposals_per_window:
 * confirming does. A governor holds at most PW_MAX_DRAFTS drafts. */
TEST(gov_drafts_do_not_count_against_the_open_limit)
{
	pw_store_t *s = lt_open("g.db");
	pw_gov_t *g = lt_league(s, 8);
	int64_t a = lt_join(g, "A", 1, NULL), b = lt_join(g, "B", 2, NULL);
	pw_err_t e;
	/* B gives A two PROPOSE tokens, so A can confirm more than the limit. */
	int give[3] = {2, 0, 0}, none[3] = {0, 0, 0};
	cJSON *out = NULL;
	CHECK_EQ(gov_trade_offer(g, b, a, give, none, NULL, &e), 0);
	CHECK_EQ(gov_trade_respond(g, a, 1, true, NULL, &e), 0);
	CHECK_EQ(lt_tokens(g, a, PW_TOK_PROPOSE), 4);
	static const char *const ideas[] = {"shorter quarters", "longer quarters", "elam margin 20",
					    "elam margin 25", "elam margin 30"};
	int64_t d[5];
	for (int i = 0; i < 5; i++)
		CHECK((d[i] = lt_draft(g, a, ideas[i], NULL)) > 0);
	CHECK_EQ(gov_propose(g, a, "elam margin 35", NULL, NULL, &e), PW_E_LIMIT);
	CHECK_CONTAINS(e.msg, "5 drafts");
	/* Three confirm (proposals_per_window is 3); the fourth is refused. */
	for (int i = 0; i < 3; i++)
		CHECK_EQ(gov_confirm(g, a, d[i], NULL, &e), 0);
	CHECK_EQ(gov_confirm(g, a, d[3], NULL, &e), PW_E_LIMIT);
	CHECK_CONTAINS(e.msg, "3 open proposals");
	CHECK_STR(lt_status(g, d[3]), "draft");
	CHECK_EQ(lt_tokens(g, a, PW_TOK_PROPOSE), 1);
	/* Withdrawing one makes room. */
	CHECK_EQ(gov_withdraw(g, a, d[0], NULL, &e), 0);
	CHECK_EQ(gov_confirm(g, a, d[3], NULL, &e), 0);
	/* A preview writes nothing and needs no standing. */
	int64_t events = store_events_count(s);
	CHECK_EQ(gov_preview(g, "three pointers worth 4", NULL, &out, &e), 0);
	CHECK_EQ(store_events_count(s), events);
	CHECK_EQ(cJSON_GetNumberValue(cJSON_GetObjectItem(out, "tier")), 1);
	CHECK_NEAR(cJSON_GetNumberValue(cJSON_GetObjectItem(out, "threshold")), 0.5, 1e-9);
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(
			  cJSON_GetObjectItem(out, "interpretation"), "parameters"), 0), "name")),
		  "three_point_value");
	cJSON_Delete(out);
	/* An effect's own description is shown with it. */
	CHECK_EQ(gov_preview(g, "Install the rain", "return { name = \"Rain\", description = \"It rains threes.\","
			     " hooks = {} }", &out, &e), 0);
	const cJSON *fx = cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetObjectItem(out, "interpretation"),
								 "effects"), 0);
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(fx, "description")), "It rains threes.");
	cJSON_Delete(out);
	CHECK_EQ(gov_preview(g, "three pointers worth 99", NULL, &out, &e), PW_E_INVALID);
	CHECK(out == NULL);
	gov_close(g);
	store_close(s);
}

/* Every test above again on PostgreSQL (docs/POSTGRES.md). */
LT_ON_POSTGRES(identity_one_governor_per_identity_per_season)
LT_ON_POSTGRES(identity_token_governors_get_an_identity_when_they_sign_in)
LT_ON_POSTGRES(identity_invites_count_uses_and_expire)
LT_ON_POSTGRES(identity_sessions_are_stored_hashed_and_expire)
LT_ON_POSTGRES(gov_drafts_do_not_count_against_the_open_limit)
