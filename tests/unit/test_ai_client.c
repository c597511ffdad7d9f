/*
 * test_ai_client.c — the Messages API client against a fake API on
 * loopback (tests/e2e/fake_api.h): answers, every error class, retries,
 * timeouts, the concurrency and spend caps, the usage log, and the key
 * never leaving the request.
 */
#include "tests/test.h"

#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "core/league/store.h"
#include "server/ai/ai_client.h"
#include "tests/e2e/fake_api.h"
#include "tests/pgtest.h"

#define KEY "sk-test-SECRET-0123456789"

/* A scripted fake: reply i of the list to request i (the last repeats). */
typedef struct script {
	int n;
	fake_reply_t replies[8];
	const char *bodies[8];
	pthread_mutex_t mu;
	int in_flight, max_in_flight;
} script_t;

static void scripted(void *ud, const fake_req_t *req, fake_reply_t *rep)
{
	script_t *s = ud;
	int i = req->n - 1 < s->n ? req->n - 1 : s->n - 1;
	*rep = s->replies[i];
	rep->body = s->bodies[i] ? strdup(s->bodies[i]) : NULL;
	pthread_mutex_lock(&s->mu);
	if (++s->in_flight > s->max_in_flight)
		s->max_in_flight = s->in_flight;
	pthread_mutex_unlock(&s->mu);
	if (rep->delay_ms) {
		struct timespec ts = {rep->delay_ms / 1000, (rep->delay_ms % 1000) * 1000000L};
		nanosleep(&ts, NULL);
		rep->delay_ms = 0;
	}
	pthread_mutex_lock(&s->mu);
	s->in_flight--;
	pthread_mutex_unlock(&s->mu);
}

/* Scripts live as long as the test's process (each test is one). */
static script_t *script_new(void)
{
	static script_t scripts[4];
	static int n;
	script_t *s = &scripts[n++ % 4];
	memset(s, 0, sizeof *s);
	pthread_mutex_init(&s->mu, NULL);
	return s;
}

static void script_add(script_t *s, int status, const char *headers, const char *body, int delay_ms)
{
	fake_reply_t *r = &s->replies[s->n];
	r->status = status;
	snprintf(r->headers, sizeof r->headers, "%s", headers ? headers : "");
	r->delay_ms = delay_ms;
	s->bodies[s->n++] = body;
}

/* The usage log's database: a SQLite file, or in the PostgreSQL pass
 * (tests/run.sh) a PostgreSQL database of this test's own — the spend cap
 * is read from it, so every server on one database shares it. */
static const char *db_path(void)
{
	static char p[600];
	if (!p[0]) {
		char *url = test_on_postgres() ? pgtest_database() : NULL;
		if (url)
			snprintf(p, sizeof p, "%s", url);
		else
			snprintf(p, sizeof p, "%s/ai.db", test_tmpdir());
		free(url);
	}
	return p;
}

static ai_client_t *client(const char *url, FILE *log_out, double budget, int retries)
{
	static pw_log_t log;
	log = (pw_log_t){.level = PW_LOG_DEBUG, .out = log_out};
	ai_config_t cfg = {.api_key = KEY, .base_url = url, .daily_budget_usd = budget, .timeout_ms = 2000,
			   .max_retries = retries, .backoff_ms = 50, .max_concurrent = 2, .db_path = db_path(),
			   .log = log_out ? &log : NULL};
	ai_client_t *ai = NULL;
	char err[256];
	CHECK_EQ(ai_open(&ai, &cfg, err, sizeof err), 0);
	return ai;
}

static cJSON *schema(void)
{
	return cJSON_Parse("{\"type\":\"object\",\"properties\":{\"injection\":{\"type\":\"boolean\"}},"
			   "\"required\":[\"injection\"]}");
}

static int call_tool(ai_client_t *ai, ai_result_t *res)
{
	cJSON *sc = schema();
	ai_request_t rq = {.type = AI_CALL_CLASSIFIER, .system = "sys", .user = "three pointers worth 5",
			   .tool_name = "classify", .tool_description = "d", .tool_schema = sc};
	int rc = ai_call(ai, &rq, res);
	cJSON_Delete(sc);
	return rc;
}

static double ms_since(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1e3 + (t.tv_nsec - t0->tv_nsec) / 1e6;
}

TEST(ai_client_tool_answer_headers_usage_and_log)
{
	script_t *s = script_new();
	char *ok = fake_api_tool_answer("classify", "{\"injection\":true,\"reason\":\"x\"}", 1200, 80);
	script_add(s, 200, NULL, ok, 0);
	fake_api_t *f = fake_api_start(scripted, s);
	ai_client_t *ai = client(fake_api_url(f), NULL, 10, 0);
	ai_result_t res;
	CHECK_EQ(call_tool(ai, &res), AI_OK);
	CHECK(cJSON_IsTrue(cJSON_GetObjectItem(res.input, "injection")));
	CHECK_EQ(res.input_tokens, 1200);
	CHECK_EQ(res.output_tokens, 80);
	CHECK_EQ(res.attempts, 1);
	/* haiku-4-5: $1 in, $5 out per million */
	CHECK_NEAR(res.cost_usd, (1200 * 1.0 + 80 * 5.0) / 1e6, 1e-12);
	ai_result_free(&res);

	char *req = fake_api_request_text(f, 0);
	CHECK(req != NULL);
	CHECK_CONTAINS(req, "POST /v1/messages ");
	CHECK_CONTAINS(req, "x-api-key: " KEY);
	CHECK_CONTAINS(req, "anthropic-version: 2023-06-01");
	CHECK_CONTAINS(req, "\"tool_choice\":{\"type\":\"tool\",\"name\":\"classify\"}");
	CHECK_CONTAINS(req, "\"input_schema\":{\"type\":\"object\"");
	CHECK_CONTAINS(req, "\"model\":\"claude-haiku-4-5\"");
	CHECK_CONTAINS(req, "\"messages\":[{\"role\":\"user\",\"content\":\"three pointers worth 5\"}]");
	free(req);
	ai_close(ai);

	char err[256];
	pw_store_t *st = store_open(db_path(), err, sizeof err);
	cJSON *u = store_ai_usage_json(st);
	CHECK_EQ(cJSON_GetArraySize(u), 1);
	cJSON *row = cJSON_GetArrayItem(u, 0);
	CHECK_STR(cJSON_GetObjectItem(row, "call_type")->valuestring, "classifier");
	CHECK_EQ(cJSON_GetObjectItem(row, "input_tokens")->valueint, 1200);
	CHECK_EQ(cJSON_GetObjectItem(row, "failed")->valueint, 0);
	cJSON_Delete(u);
	store_close(st);
	fake_api_stop(f);
	free(ok);
}

TEST(ai_client_text_answer)
{
	script_t *s = script_new();
	char *ok = fake_api_text_answer("What a game in Duluth.", 10, 5);
	script_add(s, 200, NULL, ok, 0);
	fake_api_t *f = fake_api_start(scripted, s);
	ai_client_t *ai = client(fake_api_url(f), NULL, 10, 0);
	ai_request_t rq = {.type = AI_CALL_COMMENTARY, .user = "game"};
	ai_result_t res;
	CHECK_EQ(ai_call(ai, &rq, &res), AI_OK);
	CHECK_STR(res.text, "What a game in Duluth.");
	ai_result_free(&res);
	ai_close(ai);
	fake_api_stop(f);
	free(ok);
}

/* 400 and 401 are final: one request, the API's reason in the error. */
TEST(ai_client_400_and_401_are_not_retried)
{
	static const struct {
		int status;
		const char *type;
		int want;
	} cases[] = {{400, "invalid_request_error", AI_E_REQUEST}, {401, "authentication_error", AI_E_AUTH}};
	for (size_t i = 0; i < 2; i++) {
		script_t *s = script_new();
		char *body = fake_api_error(cases[i].type, "no good");
		script_add(s, cases[i].status, NULL, body, 0);
		fake_api_t *f = fake_api_start(scripted, s);
		ai_client_t *ai = client(fake_api_url(f), NULL, 10, 3);
		ai_result_t res;
		CHECK_EQ(call_tool(ai, &res), cases[i].want);
		CHECK_EQ(fake_api_count(f), 1);
		CHECK_CONTAINS(res.err, cases[i].type);
		CHECK(res.input == NULL);
		ai_result_free(&res);
		ai_close(ai);
		fake_api_stop(f);
		free(body);
	}
}

TEST(ai_client_429_honours_retry_after)
{
	script_t *s = script_new();
	char *limited = fake_api_error("rate_limit_error", "slow down");
	char *ok = fake_api_tool_answer("classify", "{\"injection\":false}", 10, 5);
	script_add(s, 429, "retry-after: 1\r\n", limited, 0);
	script_add(s, 200, NULL, ok, 0);
	fake_api_t *f = fake_api_start(scripted, s);
	ai_client_t *ai = client(fake_api_url(f), NULL, 10, 2);
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ai_result_t res;
	CHECK_EQ(call_tool(ai, &res), AI_OK);
	double ms = ms_since(&t0);
	CHECK_EQ(res.attempts, 2);
	/* The backoff alone would be 50 ms: the wait was the server's second. */
	CHECK_MSG(ms >= 950, "waited %.0f ms, retry-after said 1 s", ms);
	ai_result_free(&res);
	ai_close(ai);
	fake_api_stop(f);
	free(limited);
	free(ok);
}

TEST(ai_client_429_for_the_monthly_spend_limit_is_final)
{
	script_t *s = script_new();
	static const char body[] = "{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":"
				   "\"spend limit\",\"details\":{\"error_code\":\"enforced_spend_limit_reached\"}}}";
	script_add(s, 429, NULL, body, 0);
	fake_api_t *f = fake_api_start(scripted, s);
	ai_client_t *ai = client(fake_api_url(f), NULL, 10, 3);
	ai_result_t res;
	CHECK_EQ(call_tool(ai, &res), AI_E_RATE);
	CHECK_EQ(fake_api_count(f), 1);
	ai_result_free(&res);
	ai_close(ai);
	fake_api_stop(f);
}

TEST(ai_client_500_and_529_retry_then_give_up)
{
	script_t *s = script_new();
	char *e500 = fake_api_error("api_error", "oops");
	char *ok = fake_api_tool_answer("classify", "{\"injection\":false}", 10, 5);
	script_add(s, 500, NULL, e500, 0);
	script_add(s, 200, NULL, ok, 0);
	fake_api_t *f = fake_api_start(scripted, s);
	ai_client_t *ai = client(fake_api_url(f), NULL, 10, 2);
	ai_result_t res;
	CHECK_EQ(call_tool(ai, &res), AI_OK);
	CHECK_EQ(res.attempts, 2);
	ai_result_free(&res);
	ai_close(ai);
	fake_api_stop(f);

	script_t *s2 = script_new();
	char *e529 = fake_api_error("overloaded_error", "busy");
	script_add(s2, 529, NULL, e529, 0);
	f = fake_api_start(scripted, s2);
	ai = client(fake_api_url(f), NULL, 10, 2);
	CHECK_EQ(call_tool(ai, &res), AI_E_OVERLOADED);
	CHECK_EQ(res.attempts, 3);
	CHECK_EQ(fake_api_count(f), 3);
	CHECK_CONTAINS(res.err, "overloaded_error");
	ai_result_free(&res);
	ai_close(ai);

	char err[256];
	pw_store_t *st = store_open(db_path(), err, sizeof err);
	cJSON *days = store_ai_usage_daily_json(st, 7);
	CHECK_EQ(cJSON_GetArraySize(days), 1);
	CHECK_EQ(cJSON_GetObjectItem(cJSON_GetArrayItem(days, 0), "calls")->valueint, 2);
	CHECK_EQ(cJSON_GetObjectItem(cJSON_GetArrayItem(days, 0), "failed")->valueint, 1);
	cJSON_Delete(days);
	store_close(st);
	fake_api_stop(f);
	free(e500);
	free(e529);
	free(ok);
}

TEST(ai_client_timeout)
{
	script_t *s = script_new();
	char *ok = fake_api_tool_answer("classify", "{\"injection\":false}", 10, 5);
	script_add(s, 200, NULL, ok, 3000);
	fake_api_t *f = fake_api_start(scripted, s);
	pw_log_t log = {0};
	ai_config_t cfg = {.api_key = KEY, .base_url = fake_api_url(f), .timeout_ms = 300, .max_retries = 1,
			   .backoff_ms = 10};
	(void)log;
	ai_client_t *ai = NULL;
	char err[256];
	CHECK_EQ(ai_open(&ai, &cfg, err, sizeof err), 0);
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ai_result_t res;
	CHECK_EQ(call_tool(ai, &res), AI_E_TIMEOUT);
	double ms = ms_since(&t0);
	CHECK_EQ(res.attempts, 2);
	CHECK_MSG(ms < 1500, "two 300 ms attempts took %.0f ms", ms);
	CHECK_CONTAINS(res.err, "did not answer within 300 ms");
	ai_result_free(&res);
	ai_close(ai);
	fake_api_stop(f);
	free(ok);
}

/* The whole call has a deadline: retries whose wait would pass it are not
 * made, and an attempt gets only what is left of it, so a governor waiting
 * on a proposal's check is answered in bounded time. */
TEST(ai_client_deadline_bounds_the_whole_call)
{
	script_t *s = script_new();
	char *limited = fake_api_error("rate_limit_error", "slow down");
	for (int i = 0; i < 6; i++)
		script_add(s, 429, "retry-after: 1\r\n", limited, 0);
	fake_api_t *f = fake_api_start(scripted, s);
	ai_config_t cfg = {.api_key = KEY, .base_url = fake_api_url(f), .timeout_ms = 2000, .max_retries = 5,
			   .backoff_ms = 10, .deadline_ms = 1500};
	ai_client_t *ai = NULL;
	char err[256];
	CHECK_EQ(ai_open(&ai, &cfg, err, sizeof err), 0);
	ai_result_t res;
	CHECK_EQ(call_tool(ai, &res), AI_E_RATE);
	/* one-second waits within 1.5 s: at most two attempts of the six */
	CHECK_MSG(res.attempts >= 1 && res.attempts <= 2, "%d attempts within a 1.5 s deadline", res.attempts);
	ai_result_free(&res);
	ai_close(ai);
	fake_api_stop(f);

	/* A server that hangs: the one attempt ends at the deadline, not at
	 * the longer per-attempt timeout, and nothing is retried after it. */
	script_t *s2 = script_new();
	char *ok = fake_api_tool_answer("classify", "{\"injection\":false}", 10, 5);
	script_add(s2, 200, NULL, ok, 3000);
	f = fake_api_start(scripted, s2);
	cfg.base_url = fake_api_url(f);
	cfg.max_retries = 3;
	cfg.deadline_ms = 400;
	CHECK_EQ(ai_open(&ai, &cfg, err, sizeof err), 0);
	CHECK_EQ(call_tool(ai, &res), AI_E_TIMEOUT);
	CHECK_EQ(res.attempts, 1);
	CHECK_CONTAINS(res.err, "did not answer within");
	CHECK_MSG(!strstr(res.err, "2000 ms"), "the attempt kept its own timeout: %s", res.err);
	ai_result_free(&res);
	ai_close(ai);
	fake_api_stop(f);
	free(limited);
	free(ok);
}

TEST(ai_client_malformed_answers)
{
	static const char *const bodies[] = {
		"{not json", "{\"type\":\"message\",\"content\":\"text\"}", "[1,2]",
	};
	for (size_t i = 0; i < 3; i++) {
		script_t *s = script_new();
		script_add(s, 200, NULL, bodies[i], 0);
		fake_api_t *f = fake_api_start(scripted, s);
		ai_client_t *ai = client(fake_api_url(f), NULL, 10, 0);
		ai_result_t res;
		CHECK_EQ(call_tool(ai, &res), AI_E_MALFORMED);
		CHECK(res.input == NULL);
		ai_result_free(&res);
		ai_close(ai);
		fake_api_stop(f);
	}
	/* A message without the forced tool (text only, or another tool). */
	script_t *s = script_new();
	char *text = fake_api_text_answer("I would rather chat.", 10, 5);
	char *other = fake_api_tool_answer("other_tool", "{}", 10, 5);
	script_add(s, 200, NULL, text, 0);
	script_add(s, 200, NULL, other, 0);
	fake_api_t *f = fake_api_start(scripted, s);
	ai_client_t *ai = client(fake_api_url(f), NULL, 10, 0);
	ai_result_t res;
	CHECK_EQ(call_tool(ai, &res), AI_E_NO_TOOL);
	ai_result_free(&res);
	CHECK_EQ(call_tool(ai, &res), AI_E_NO_TOOL);
	ai_result_free(&res);
	ai_close(ai);
	fake_api_stop(f);
	free(text);
	free(other);
}

/* A server that echoes the key back: neither the error nor the log shows it. */
TEST(ai_client_key_never_in_logs_or_errors)
{
	script_t *s = script_new();
	char *echo = fake_api_error("authentication_error", "invalid x-api-key " KEY " refused");
	script_add(s, 401, NULL, echo, 0);
	fake_api_t *f = fake_api_start(scripted, s);
	char lp[600];
	snprintf(lp, sizeof lp, "%s/log.txt", test_tmpdir());
	FILE *lf = fopen(lp, "w+");
	ai_client_t *ai = client(fake_api_url(f), lf, 10, 0);
	ai_result_t res;
	CHECK_EQ(call_tool(ai, &res), AI_E_AUTH);
	CHECK(strstr(res.err, KEY) == NULL);
	CHECK(strstr(res.err, "SECRET") == NULL);
	CHECK_CONTAINS(res.err, "[redacted]");
	ai_result_free(&res);
	ai_close(ai);
	fflush(lf);
	fclose(lf);
	char *logged = NULL;
	char cmd[700];
	snprintf(cmd, sizeof cmd, "cat '%s'", lp);
	test_run(cmd, &logged, false);
	CHECK_CONTAINS(logged, "ai.call");
	CHECK_CONTAINS(logged, "outcome=auth");
	CHECK(strstr(logged, "SECRET") == NULL);
	free(logged);
	fake_api_stop(f);
	free(echo);
}

TEST(ai_client_spend_cap_refuses_without_calling)
{
	script_t *s = script_new();
	/* 100k input tokens on haiku: $0.10, past a $0.05 cap. */
	char *ok = fake_api_tool_answer("classify", "{\"injection\":false}", 100000, 10);
	script_add(s, 200, NULL, ok, 0);
	fake_api_t *f = fake_api_start(scripted, s);
	ai_client_t *ai = client(fake_api_url(f), NULL, 0.05, 0);
	ai_result_t res;
	CHECK_EQ(call_tool(ai, &res), AI_OK);
	ai_result_free(&res);
	CHECK_EQ(call_tool(ai, &res), AI_E_BUDGET);
	CHECK_CONTAINS(res.err, "budget");
	ai_result_free(&res);
	CHECK_EQ(fake_api_count(f), 1);
	double today, cap;
	ai_spend(ai, &today, &cap);
	CHECK_NEAR(cap, 0.05, 1e-9);
	CHECK(today >= 0.1);
	ai_close(ai);
	/* A new client (a restart) reads the day's spend back from the log. */
	ai = client(fake_api_url(f), NULL, 0.05, 0);
	CHECK_EQ(call_tool(ai, &res), AI_E_BUDGET);
	ai_result_free(&res);
	CHECK_EQ(fake_api_count(f), 1);
	ai_close(ai);
	fake_api_stop(f);
	free(ok);
}

TEST(ai_client_without_key_is_disabled)
{
	ai_config_t cfg = {0};
	ai_client_t *ai = NULL;
	char err[256];
	CHECK_EQ(ai_open(&ai, &cfg, err, sizeof err), 0);
	CHECK(!ai_enabled(ai));
	ai_result_t res;
	CHECK_EQ(call_tool(ai, &res), AI_E_DISABLED);
	ai_result_free(&res);
	ai_close(ai);
}

typedef struct par {
	ai_client_t *ai;
	int rc;
} par_t;

static void *par_call(void *ud)
{
	par_t *p = ud;
	ai_result_t res;
	p->rc = call_tool(p->ai, &res);
	ai_result_free(&res);
	return NULL;
}

TEST(ai_client_concurrency_cap)
{
	script_t *s = script_new();
	char *ok = fake_api_tool_answer("classify", "{\"injection\":false}", 10, 5);
	script_add(s, 200, NULL, ok, 200);
	fake_api_t *f = fake_api_start(scripted, s);
	ai_client_t *ai = client(fake_api_url(f), NULL, 10, 0); /* max_concurrent 2 */
	pthread_t th[6];
	par_t p[6];
	for (int i = 0; i < 6; i++) {
		p[i] = (par_t){.ai = ai};
		pthread_create(&th[i], NULL, par_call, &p[i]);
	}
	for (int i = 0; i < 6; i++) {
		pthread_join(th[i], NULL);
		CHECK_EQ(p[i].rc, AI_OK);
	}
	CHECK_EQ(fake_api_count(f), 6);
	CHECK_MSG(s->max_in_flight <= 2, "%d calls in flight at once, the cap is 2", s->max_in_flight);
	ai_close(ai);
	fake_api_stop(f);
	free(ok);
}
