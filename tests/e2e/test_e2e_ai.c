/*
 * test_e2e_ai.c — the AI layer in the real server, against a fake Messages
 * API on loopback that this test starts: a proposal in words no offline
 * rule covers becomes a checked Lua effect, is reviewed, voted, enacted and
 * changes the next games; and the loop stays responsive while AI calls hang.
 */
#include "tests/test.h"

#include <cjson/cJSON.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "tests/e2e/e2e.h"
#include "tests/e2e/fake_api.h"

#define E2E_KEY "sk-e2e-NEVER-LOGGED-4242"

#define FT_LINE "feels the free throws in the legs"
static const char ft_answer[] =
	"{\"parameters\":[],\"effect\":{\"name\":\"Free Throw Drain\",\"description\":\"Each free throw costs the "
	"shooter stamina.\",\"source\":\"return {\\n  name = \\\"Free Throw Drain\\\",\\n  description = \\\"Each "
	"free throw costs the shooter stamina.\\\",\\n  lifetime = \\\"permanent\\\",\\n  hooks = {\\n    "
	"[\\\"sim.foul.post\\\"] = function(ctx)\\n      if ctx.free_throws > 0 then\\n        return { stamina = "
	"-0.05 * ctx.free_throws, narrative = ctx.fouled.name .. \\\" " FT_LINE ".\\\" }\\n      end\\n    "
	"end,\\n  },\\n}\\n\"},\"confidence\":0.8,\"impact_note\":\"Shooters tire at the line, so free throws and "
	"late shots fall less often.\"}";

/* Plays the next tick and waits for it (and its instant presentation). */
static void advance(e2e_server_t *s)
{
	long st = 0;
	for (int i = 0; i < 100; i++) {
		cJSON_Delete(e2e_call(s, "POST", "/api/pace/advance", NULL, NULL, &st));
		if (st != 409)
			break;
		usleep(100000);
	}
	CHECK_EQ(st, 202);
	for (int i = 0; i < 300; i++) {
		cJSON *j = e2e_call(s, "GET", "/api/pace/status", NULL, NULL, &st);
		bool busy = cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "data"), "tick_in_progress"));
		cJSON_Delete(j);
		if (st == 200 && !busy)
			return;
		usleep(50000);
	}
	test_fail(__FILE__, __LINE__, "the tick did not end in 15 s");
}

static cJSON *post(e2e_server_t *s, const char *path, const char *body, const char *token, long want)
{
	long st = 0;
	cJSON *j = e2e_call(s, "POST", path, body, token, &st);
	CHECK_MSG(st == want, "POST %s: %ld, wanted %ld", path, st, want);
	return j;
}

TEST(e2e_ai_words_become_a_checked_effect_that_changes_the_games)
{
	fake_tools_t tools = {0};
	tools.interpret[0] = ft_answer;
	tools.review = "{\"matches\":true,\"only_that\":true,\"concerns\":\"It counts free throws awarded, which "
		       "is as close as the hooks allow.\"}";
	tools.text = "What a round it was: the crowd will remember it.";
	tools.strategy = "{\"three_bias\":0.6,\"rim_bias\":0,\"mid_bias\":-0.2,\"pace\":0.8,"
			 "\"defensive_intensity\":0,\"scheme\":\"press\",\"scheme_when\":\"trailing\","
			 "\"note\":\"Run and gun from deep; press when behind.\"}";
	fake_api_t *f = fake_api_start(fake_api_tools, &tools);
	char url[128];
	snprintf(url, sizeof url, "ANTHROPIC_BASE_URL=%s", fake_api_url(f));
	const char *env[] = {"PINWHEEL_PRESENTATION_MODE=instant", "PINWHEEL_PRESENTATION_PACE=manual",
			     "ANTHROPIC_API_KEY=" E2E_KEY, url, NULL};
	e2e_server_t s;
	CHECK_EQ(e2e_start(&s, env, NULL), 0);
	char *ada = e2e_join(&s, "Ada", 1), *bo = e2e_join(&s, "Bo", 2), *cy = e2e_join(&s, "Cy", 3);

	cJSON *j = post(&s, "/api/governance/proposals",
			"{\"text\":\"every made free throw drains the shooter's stamina\"}", ada, 201);
	const cJSON *d = cJSON_GetObjectItem(j, "data");
	const cJSON *in = cJSON_GetObjectItem(d, "interpretation");
	CHECK_EQ((int)cJSON_GetNumberValue(cJSON_GetObjectItem(d, "tier")), 5);
	CHECK_EQ((int)cJSON_GetNumberValue(cJSON_GetObjectItem(d, "cost")), 2);
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(in, "interpreter")), "ai");
	const cJSON *fx = cJSON_GetArrayItem(cJSON_GetObjectItem(in, "effects"), 0);
	CHECK(cJSON_IsTrue(cJSON_GetObjectItem(fx, "generated")));
	CHECK_CONTAINS(cJSON_GetStringValue(cJSON_GetObjectItem(fx, "source")), "sim.foul.post");
	CHECK_STR(cJSON_GetStringValue(cJSON_GetArrayItem(cJSON_GetObjectItem(fx, "hooks"), 0)), "sim.foul.post");
	/* The check's test games ran: the impact is the sandbox's. */
	CHECK(cJSON_GetObjectItem(cJSON_GetObjectItem(d, "impact"), "Free Throw Drain") != NULL);
	int pid = (int)cJSON_GetNumberValue(cJSON_GetObjectItem(d, "id"));
	cJSON_Delete(j);
	/* One classifier, one interpreter and one second reading: the write
	 * after the check read the interpretation from memory. */
	CHECK_EQ(tools.calls[0], 1);
	CHECK_EQ(tools.calls[1], 1);
	CHECK_EQ(tools.calls[2], 1);

	char path[128], body[128];
	snprintf(path, sizeof path, "/api/governance/proposals/%d/confirm", pid);
	cJSON_Delete(post(&s, path, NULL, ada, 200));
	/* Voters and the admin see the code and the second reading. */
	snprintf(path, sizeof path, "/proposals/%d", pid);
	e2e_resp_t r;
	CHECK_EQ(e2e_http(&s, "GET", path, NULL, NULL, &r), 0);
	CHECK_CONTAINS(r.body, "Written by the AI interpreter");
	CHECK_CONTAINS(r.body, "A second reading agrees");
	CHECK_CONTAINS(r.body, "sim.foul.post");
	e2e_resp_free(&r);
	CHECK_EQ(e2e_http(&s, "GET", "/admin", NULL, NULL, &r), 0);
	CHECK_CONTAINS(r.body, "Review queue");
	CHECK_CONTAINS(r.body, "Free Throw Drain");
	CHECK_CONTAINS(r.body, "It counts free throws awarded");
	CHECK_CONTAINS(r.body, "The AI layer is on");
	CHECK_CONTAINS(r.body, "AI calls by model and purpose");
	CHECK_CONTAINS(r.body, "AI calls per day (UTC)");
	CHECK_CONTAINS(r.body, "<td>interpreter</td>");
	CHECK_CONTAINS(r.body, "<td>review</td>");
	e2e_resp_free(&r);

	/* An amendment is read afresh by the AI, and stays tier 5. */
	snprintf(path, sizeof path, "/api/governance/proposals/%d/amend", pid);
	j = post(&s, path, "{\"text\":\"every made free throw drains the shooter's stamina a little\"}", ada, 200);
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(
			  cJSON_GetObjectItem(cJSON_GetObjectItem(j, "data"), "interpretation"), "interpreter")),
		  "ai");
	CHECK_EQ((int)cJSON_GetNumberValue(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "data"), "tier")), 5);
	cJSON_Delete(j);
	CHECK_EQ(tools.calls[1], 2);
	snprintf(path, sizeof path, "/api/admin/proposals/%d/clear", pid);
	cJSON_Delete(post(&s, path, NULL, NULL, 200));
	const char *voters[] = {ada, bo, cy};
	for (int i = 0; i < 3; i++) {
		snprintf(body, sizeof body, "{\"proposal_id\":%d,\"vote\":\"yes\"}", pid);
		cJSON_Delete(post(&s, "/api/governance/votes", body, voters[i], 200));
	}
	advance(&s); /* round 1, then the tally enacts */
	long st;
	j = e2e_call(&s, "GET", "/api/effects", NULL, NULL, &st);
	char *txt = cJSON_PrintUnformatted(j);
	CHECK_CONTAINS(txt, "Free Throw Drain");
	free(txt);
	cJSON_Delete(j);

	advance(&s); /* round 2 plays with the effect */
	j = e2e_call(&s, "GET", "/api/games?round=2", NULL, NULL, &st);
	int with_line = 0, games = 0;
	const cJSON *g;
	cJSON_ArrayForEach(g, cJSON_GetObjectItem(j, "data"))
	{
		snprintf(path, sizeof path, "/api/games/%d/plays", (int)cJSON_GetNumberValue(cJSON_GetObjectItem(g, "id")));
		CHECK_EQ(e2e_http(&s, "GET", path, NULL, NULL, &r), 0);
		games++;
		with_line += r.body && strstr(r.body, FT_LINE) != NULL;
		e2e_resp_free(&r);
	}
	cJSON_Delete(j);
	CHECK_EQ(games, 4);
	CHECK_MSG(with_line >= 3, "the effect's line is in %d of %d games of round 2", with_line, games);
	/* Round 1, before the tally, had none of it. */
	j = e2e_call(&s, "GET", "/api/games?round=1", NULL, NULL, &st);
	snprintf(path, sizeof path, "/api/games/%d/plays",
		 (int)cJSON_GetNumberValue(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "data"), 0), "id")));
	cJSON_Delete(j);
	CHECK_EQ(e2e_http(&s, "GET", path, NULL, NULL, &r), 0);
	CHECK(r.body && !strstr(r.body, FT_LINE));
	e2e_resp_free(&r);

	/* The admin sees the rounds' evals (the writer thread stores them). */
	bool evals = false;
	for (int i = 0; i < 50 && !evals; i++) {
		CHECK_EQ(e2e_http(&s, "GET", "/admin", NULL, NULL, &r), 0);
		evals = r.body && strstr(r.body, "<th scope=\"row\">2</th>");
		e2e_resp_free(&r);
		if (!evals)
			usleep(100000);
	}
	CHECK_MSG(evals, "the admin page shows no evals of round 2");
	/* The reporter's voice reaches the public once written and checked. */
	bool voiced = false;
	for (int i = 0; i < 50 && !voiced; i++) {
		CHECK_EQ(e2e_http(&s, "GET", "/api/reports/latest", NULL, NULL, &r), 0);
		voiced = r.body && strstr(r.body, "What a round it was") && strstr(r.body, "\"written_by\":\"ai\"");
		e2e_resp_free(&r);
		if (!voiced)
			usleep(100000);
	}
	CHECK_MSG(voiced, "no AI report in /api/reports/latest");
	CHECK_EQ(e2e_http(&s, "GET", "/reports", NULL, NULL, &r), 0);
	CHECK_CONTAINS(r.body, "What a round it was");
	e2e_resp_free(&r);
	/* Strategy in words, read by the AI on a check worker. */
	j = post(&s, "/api/strategy", "{\"text\":\"we fly up and down and let it rain, and we press when behind\"}",
		 bo, 200);
	txt = cJSON_PrintUnformatted(j);
	CHECK_CONTAINS(txt, "Run and gun from deep; press when behind.");
	free(txt);
	cJSON_Delete(j);
	char *log = e2e_log(&s);
	CHECK_CONTAINS(log, "ai.call type=interpreter");
	CHECK_CONTAINS(log, "ai.call type=strategy");
	CHECK(strstr(log, "NEVER-LOGGED") == NULL);
	free(log);
	CHECK_EQ(e2e_stop(&s, SIGTERM, 10000), 0);
	/* The key went to the API, and only there. */
	char *req = fake_api_request_text(f, 0);
	CHECK_CONTAINS(req, "x-api-key: " E2E_KEY);
	free(req);
	fake_api_stop(f);
	free(ada);
	free(bo);
	free(cy);
}

static double ms_now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

/* Twenty proposals whose AI calls hang: /health answers at once all along. */
TEST(e2e_ai_loop_stays_responsive_while_calls_hang)
{
	fake_tools_t tools = {.delay_ms = 20000};
	fake_api_t *f = fake_api_start(fake_api_tools, &tools);
	char url[128];
	snprintf(url, sizeof url, "ANTHROPIC_BASE_URL=%s", fake_api_url(f));
	const char *env[] = {"PINWHEEL_PRESENTATION_PACE=manual", "PINWHEEL_CHECK_WORKERS=20",
			     "PINWHEEL_AI_MAX_CONCURRENT=20", "PINWHEEL_CHECKS_PER_MINUTE=0",
			     "PINWHEEL_AI_TIMEOUT_SECONDS=3", "PINWHEEL_AI_MAX_RETRIES=0",
			     "ANTHROPIC_API_KEY=" E2E_KEY, url, NULL};
	e2e_server_t s;
	CHECK_EQ(e2e_start(&s, env, NULL), 0);
	int fds[20];
	for (int i = 0; i < 20; i++) {
		char name[16];
		snprintf(name, sizeof name, "Gov%d", i);
		char *tok = e2e_join(&s, name, 1 + i % 8);
		const char *body = "{\"text\":\"make the game more exciting somehow\"}";
		char req[600];
		int n = snprintf(req, sizeof req,
				 "POST /api/governance/proposals HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
				 "%s\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
				 tok, strlen(body), body);
		fds[i] = e2e_connect(&s);
		CHECK(fds[i] >= 0);
		CHECK_EQ(e2e_send(fds[i], req, (size_t)n), 0);
		free(tok);
	}
	/* Wait until the twenty calls are all at the fake, hanging. */
	for (int i = 0; i < 100 && tools.calls[0] < 20; i++)
		usleep(50000);
	CHECK_EQ(tools.calls[0], 20);
	double worst = 0;
	for (int i = 0; i < 20; i++) {
		double t0 = ms_now();
		e2e_resp_t r;
		CHECK_EQ(e2e_http(&s, "GET", "/health", NULL, NULL, &r), 0);
		double ms = ms_now() - t0;
		CHECK_EQ(r.status, 200);
		e2e_resp_free(&r);
		if (ms > worst)
			worst = ms;
		usleep(20000);
	}
	printf("health while 20 AI calls hang: worst %.1f ms of 20\n", worst);
	CHECK_MSG(worst < 50, "/health took %.1f ms while AI calls hung", worst);
	/* Each proposal's calls time out (3 s each): its check ends with the
	 * offline reading, a draft the governor can still confirm. */
	int drafts = 0;
	for (int i = 0; i < 20; i++) {
		char *got = e2e_recv(fds[i], "\"status\":\"draft\"", 15000, NULL);
		drafts += got && strstr(got, "201 Created") && strstr(got, "\"interpreter\":\"offline\"");
		free(got);
		close(fds[i]);
	}
	CHECK_EQ(drafts, 20);
	CHECK_EQ(e2e_stop(&s, SIGTERM, 10000), 0);
	char *log = e2e_log(&s);
	CHECK_CONTAINS(log, "outcome=timeout");
	CHECK(strstr(log, "NEVER-LOGGED") == NULL);
	free(log);
	fake_api_stop(f);
}
