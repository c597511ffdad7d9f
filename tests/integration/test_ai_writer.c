/*
 * test_ai_writer.c — the reporter and commentary thread against a fake
 * Messages API: a clean answer replaces the offline text for readers, an
 * answer with directive language or with names and numbers the round does
 * not have is refused (the offline text stays, the evals say why), the
 * scenario flags are stored for every round, AI or not.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/ai/ai_evals.h"
#include "server/ai/ai_writer.h"
#include "tests/e2e/fake_api.h"
#include "tests/integration/league_helpers.h"
#include "tests/test.h"

static int commentaries, facts_with_points;

/* The simulation report and the first commentary clean; the governance
 * report prescribes; the other commentaries invent a team and a score. */
static void reporter(void *ud, const fake_req_t *req, fake_reply_t *rep)
{
	(void)ud;
	const char *b = req->body;
	/* The facts name every hooper of the round with their points ("Name:
	 * 12 points" lines), also for games stored without their text. */
	if (strstr(b, " points\\n"))
		__atomic_store_n(&facts_with_points, 1, __ATOMIC_SEQ_CST);
	if (strstr(b, "<report kind=\\\"simulation\\\">"))
		rep->body = fake_api_text_answer("What a night in round 1: the crowd got every bit of it.", 900, 80);
	else if (strstr(b, "<report kind=\\\"private\\\">"))
		rep->body = fake_api_text_answer("Your side had a round to remember, and your tokens wait.", 500, 40);
	else if (strstr(b, "<report kind=\\\"governance\\\">"))
		rep->body = fake_api_text_answer("A quiet ballot. You should vote for more threes.", 900, 80);
	else if (__atomic_fetch_add(&commentaries, 1, __ATOMIC_SEQ_CST) == 0)
		rep->body = fake_api_text_answer("What a finish: the crowd will talk about round 1 for weeks.", 600, 60);
	else
		rep->body = fake_api_text_answer("The Zanzibar Zebras scored 999 in a thriller.", 900, 80);
}

static const char *kind_text(const cJSON *reps, const char *kind, const char **by)
{
	const cJSON *r;
	cJSON_ArrayForEach(r, reps)
		if (!strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(r, "kind")), kind)) {
			*by = cJSON_GetStringValue(cJSON_GetObjectItem(r, "written_by"));
			return cJSON_GetStringValue(cJSON_GetObjectItem(r, "text"));
		}
	return NULL;
}

static double eval_sum(pw_store_t *s, int64_t sid, const char *kind)
{
	cJSON *ev = store_evals_json(s, sid, 10);
	double v = -1;
	const cJSON *e;
	cJSON_ArrayForEach(e, ev)
		if (!strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(e, "kind")), kind))
			v = (v < 0 ? 0 : v) + cJSON_GetNumberValue(cJSON_GetObjectItem(e, "value"));
	cJSON_Delete(ev);
	return v;
}

TEST(ai_writer_publishes_clean_reports_and_refuses_the_rest)
{
	pw_store_t *s = lt_open("writer.db");
	pw_gov_t *g = lt_league(s, 8);
	int64_t ada = lt_join(g, "Ada", 1, NULL);
	pw_round_cfg_t rc;
	lt_cfg(&rc, g);
	pw_round_out_t out;
	pw_err_t err = {0};
	CHECK_EQ(round_tick(&rc, &out, &err), 0);

	fake_api_t *f = fake_api_start(reporter, NULL);
	char db[600], e[256];
	snprintf(db, sizeof db, "%s", lt_db("writer.db"));
	ai_config_t cfg = {.api_key = "sk-w", .base_url = fake_api_url(f), .timeout_ms = 5000, .db_path = db};
	ai_client_t *ai = NULL;
	CHECK_EQ(ai_open(&ai, &cfg, e, sizeof e), 0);
	ai_writer_t *w = NULL;
	CHECK_EQ(ai_writer_open(&w, ai, db, NULL, e, sizeof e), 0);
	/* Before the writer has run, readers get the offline text. */
	cJSON *reps = store_reports_json(s, out.season_id, 1, 0, false);
	const char *by = NULL;
	CHECK_CONTAINS(kind_text(reps, "simulation", &by), "Round 1");
	CHECK_STR(by, "offline");
	cJSON_Delete(reps);

	ai_writer_round(w, out.season_id, 1);
	ai_writer_drain(w);
	/* simulation + governance + 4 commentaries + Ada's private report */
	CHECK_EQ(fake_api_count(f), 7);
	CHECK_MSG(__atomic_load_n(&facts_with_points, __ATOMIC_SEQ_CST), "the reporter's facts name no hooper's points");
	reps = store_reports_json(s, out.season_id, 1, 0, false);
	CHECK_STR(kind_text(reps, "simulation", &by), "What a night in round 1: the crowd got every bit of it.");
	CHECK_STR(by, "ai");
	CHECK(!strstr(kind_text(reps, "governance", &by), "You should"));
	CHECK_STR(by, "offline");
	int ai_comments = 0;
	const cJSON *r;
	cJSON_ArrayForEach(r, reps)
		if (!strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(r, "kind")), "commentary")) {
			const char *t = cJSON_GetStringValue(cJSON_GetObjectItem(r, "text"));
			CHECK(!strstr(t, "Zebras"));
			ai_comments += !strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(r, "written_by")), "ai");
		}
	CHECK_EQ(ai_comments, 1);
	cJSON_Delete(reps);
	/* The viewers' connection (pages, the public API) reads it too. */
	pw_store_t *v = lt_viewer("writer.db");
	reps = store_reports_json(v, out.season_id, 1, 0, false);
	CHECK_STR(kind_text(reps, "simulation", &by), "What a night in round 1: the crowd got every bit of it.");
	CHECK_STR(by, "ai");
	cJSON_Delete(reps);
	store_close(v);
	CHECK_EQ(eval_sum(s, out.season_id, "ai_published"), 3);
	cJSON *mine = store_reports_json(s, out.season_id, 1, ada, true);
	CHECK_STR(kind_text(mine, "private", &by), "Your side had a round to remember, and your tokens wait.");
	CHECK_STR(by, "ai");
	cJSON_Delete(mine);
	CHECK_EQ(eval_sum(s, out.season_id, "ai_directive_violations"), 2); /* "you should", "vote for" */
	CHECK(eval_sum(s, out.season_id, "ai_grounding_misses") >= 3 * 3); /* Zanzibar, Zebras, 999 a game */
	for (int k = 0; k < AI_FLAG_COUNT; k++) {
		char kind[40];
		snprintf(kind, sizeof kind, "flag_%s", ai_flag_name((ai_flag_t)k));
		CHECK_MSG(eval_sum(s, out.season_id, kind) >= 0, "no %s eval for round 1", kind);
	}
	/* A round asked again changes nothing already published. */
	ai_writer_round(w, out.season_id, 1);
	ai_writer_drain(w);
	CHECK_EQ(fake_api_count(f), 7 + 4);
	ai_writer_close(w);
	ai_close(ai);
	fake_api_stop(f);
	gov_close(g);
	store_close(s);
}

TEST(ai_writer_without_a_key_stores_the_flags_only)
{
	pw_store_t *s = lt_open("writer_off.db");
	pw_gov_t *g = lt_league(s, 4);
	pw_round_cfg_t rc;
	lt_cfg(&rc, g);
	pw_round_out_t out;
	pw_err_t err = {0};
	for (int i = 0; i < 6; i++)
		CHECK_EQ(round_tick(&rc, &out, &err), 0);
	char db[600], e[256];
	snprintf(db, sizeof db, "%s", lt_db("writer_off.db"));
	ai_config_t cfg = {0};
	ai_client_t *ai = NULL;
	CHECK_EQ(ai_open(&ai, &cfg, e, sizeof e), 0);
	ai_writer_t *w = NULL;
	CHECK_EQ(ai_writer_open(&w, ai, db, NULL, e, sizeof e), 0);
	ai_writer_round(w, out.season_id, out.round);
	ai_writer_drain(w);
	/* Six rounds and no rule changed: stagnation. */
	CHECK_EQ(eval_sum(s, out.season_id, "flag_stagnation"), 1);
	CHECK_EQ(eval_sum(s, out.season_id, "ai_published"), -1);
	ai_writer_close(w);
	ai_close(ai);
	gov_close(g);
	store_close(s);
}

TEST(ai_grounding_counts_what_the_facts_lack)
{
	const char *facts = "Duluth Ravens beat Tucson Comets 78-56. Gus Hawksley: 31 points.";
	CHECK_EQ(ai_grounding_misses("What a game! Duluth Ravens won 78-56 behind Gus Hawksley's 31.", facts), 0);
	CHECK_EQ(ai_grounding_misses("The Ravens won by 40 thanks to Zed Quill.", facts), 3);
	CHECK_EQ(ai_grounding_misses("Tucson Comets scored 56, not 57.", facts), 1);
}
