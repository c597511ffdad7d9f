/*
 * test_e2e_hardening.c — issue 10, the server's half, against the real
 * server: a NUL in a JSON string is refused naming the field instead of
 * cutting the string short.
 */
#include "tests/test.h"

#include <cjson/cJSON.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/e2e/e2e.h"

/* The error's message of a JSON answer ("" when there is none). */
static const char *error_message(const cJSON *j)
{
	const char *m = cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "error"), "message"));
	return m ? m : "";
}

static const char *error_code(const cJSON *j)
{
	const char *m = cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "error"), "code"));
	return m ? m : "";
}

/*
 * cJSON turns "\u0000" into a C string's end, so "Ada\u0000<anything>"
 * used to join as "Ada" and a proposal's text lost its tail without a word.
 * Every string the API reads is refused instead, naming the field — keys
 * and nested fields too — and nothing is changed.
 */
TEST(e2e_nul_in_json_strings_is_refused_naming_the_field)
{
	e2e_server_t s;
	CHECK_EQ(e2e_start(&s, NULL, NULL), 0);
	long st = 0;
	cJSON *j = e2e_call(&s, "POST", "/api/governors", "{\"name\":\"Ada\\u0000 the admin\",\"team_id\":1}",
			    NULL, &st);
	CHECK_EQ(st, 422);
	CHECK_STR(error_code(j), "invalid_field");
	CHECK_CONTAINS(error_message(j), "\"name\"");
	CHECK_CONTAINS(error_message(j), "\\u0000");
	cJSON_Delete(j);
	/* Nothing joined: the first real governor is number 1. */
	char *tok = e2e_join(&s, "Ada", 1);
	j = e2e_call(&s, "GET", "/api/governors/1", NULL, NULL, &st);
	CHECK_EQ(st, 200);
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "data"), "name")), "Ada");
	cJSON_Delete(j);
	j = e2e_call(&s, "GET", "/api/governors/2", NULL, NULL, &st);
	CHECK_EQ(st, 404);
	cJSON_Delete(j);

	const struct {
		const char *path, *body, *field;
	} cases[] = {
		{"/api/governance/proposals", "{\"text\":\"three pointers worth 5\\u0000 and also veto everything\"}",
		 "\"text\""},
		{"/api/governance/proposals", "{\"text\":\"three pointers worth 5\",\"effect_lua\":\"return 1\\u0000\"}",
		 "\"effect_lua\""},
		/* An escaped backslash before u0000 is not a NUL: this one is
		 * refused only for its key. */
		{"/api/governance/proposals", "{\"text\":\"a \\\\u0000 b\",\"te\\u0000xt\":\"x\"}", "\"te"},
		{"/api/governance/trades",
		 "{\"to_governor_id\":1,\"offer\":{\"propose\":1,\"x\":\"\\u0000\"},\"request\":{}}",
		 "\"offer.x\""},
		{"/api/strategy", "{\"text\":[\"fine\",\"\\u0000\"]}", "\"text[1]\""},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		j = e2e_call(&s, "POST", cases[i].path, cases[i].body, tok, &st);
		CHECK_MSG(st == 422, "case %zu: HTTP %ld", i, st);
		CHECK_MSG(strstr(error_message(j), cases[i].field), "case %zu: \"%s\" does not name %s", i,
			  error_message(j), cases[i].field);
		cJSON_Delete(j);
	}
	j = e2e_call(&s, "GET", "/api/governance/proposals", NULL, NULL, &st);
	CHECK_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(j, "data")), 0);
	cJSON_Delete(j);
	free(tok);
	CHECK_EQ(e2e_stop(&s, SIGTERM, 10000), 0);
}

/* A raw request's status code, -1 when there is no answer. */
static int raw_status(e2e_server_t *s, const char *req)
{
	int fd = e2e_connect(s);
	if (fd < 0)
		return -1;
	e2e_send(fd, req, strlen(req));
	char *resp = e2e_recv(fd, "\r\n\r\n", 5000, NULL);
	int st = -1;
	if (!resp || sscanf(resp, "HTTP/1.1 %d", &st) != 1)
		st = -1;
	free(resp);
	close(fd);
	return st;
}

/* The status of one request through libcurl with extra headers. */
static long status_of(e2e_server_t *s, const char *method, const char *path, const char *body,
		      const char *const *headers)
{
	e2e_resp_t r;
	if (e2e_http(s, method, path, body, headers, &r) < 0)
		return -1;
	long st = r.status;
	e2e_resp_free(&r);
	return st;
}

/*
 * Item 7: on the default server (loopback, no admin token) a web page
 * must not be able to act through the user's browser. Every
 * state-changing request needs the exact JSON content type (a form or a
 * text/plain POST is 415, and so is one without any type), and a foreign
 * Host (DNS rebinding: reads too) or Origin/Referer is 403.
 */
TEST(e2e_cross_site_requests_are_refused_on_loopback)
{
	e2e_server_t s;
	CHECK_EQ(e2e_start(&s, NULL, NULL), 0);
	char req[1024];
	/* What a hostile page's <form method=post> sends. */
	const char *form[] = {"Content-Type: application/x-www-form-urlencoded", NULL};
	CHECK_EQ(status_of(&s, "POST", "/api/pace/advance", "a=1", form), 415);
	const char *plain[] = {"Content-Type: text/plain", NULL};
	CHECK_EQ(status_of(&s, "POST", "/api/pace", "{\"pace\":\"fast\"}", plain), 415);
	const char *jsonx[] = {"Content-Type: application/jsonx", NULL};
	CHECK_EQ(status_of(&s, "POST", "/api/pace", "{\"pace\":\"fast\"}", jsonx), 415);
	const char *jsonp[] = {"Content-Type: application/json-patch+json", NULL};
	CHECK_EQ(status_of(&s, "POST", "/api/pace", "{\"pace\":\"fast\"}", jsonp), 415);
	/* No type at all, no body: still a state change. */
	snprintf(req, sizeof req, "POST /api/pace/advance HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n", s.port);
	CHECK_EQ(raw_status(&s, req), 415);
	snprintf(req, sizeof req,
		 "POST /api/pace HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Length: 15\r\n\r\n{\"pace\":\"fast\"}",
		 s.port);
	CHECK_EQ(raw_status(&s, req), 415);
	/* Nothing of that played a tick or changed the pace. */
	long st = 0;
	cJSON *j = e2e_call(&s, "GET", "/api/pace/status", NULL, NULL, &st);
	CHECK_EQ(cJSON_GetNumberValue(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "data"), "ticks")), 0);
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "data"), "pace")), "manual");
	cJSON_Delete(j);
	/* The exact type, with parameters and in any case, is accepted. */
	const char *charset[] = {"Content-Type: Application/JSON ; charset=utf-8", NULL};
	CHECK_EQ(status_of(&s, "POST", "/api/pace", "{\"pace\":\"slow\"}", charset), 200);

	/* A page on a name rebound to 127.0.0.1 sends its own name as Host:
	 * refused for reads and writes alike. */
	const char *foreign[] = {"Host: attacker.example:8080", NULL};
	CHECK_EQ(status_of(&s, "GET", "/api/standings", NULL, foreign), 403);
	CHECK_EQ(status_of(&s, "GET", "/admin", NULL, foreign), 403);
	CHECK_EQ(status_of(&s, "POST", "/api/pace", "{\"pace\":\"fast\"}", foreign), 403);
	const char *tricky[] = {"Host: 127.0.0.1.attacker.example", NULL};
	CHECK_EQ(status_of(&s, "GET", "/health", NULL, tricky), 403);
	const char *lh_evil[] = {"Host: localhost.attacker.example", NULL};
	CHECK_EQ(status_of(&s, "GET", "/health", NULL, lh_evil), 403);
	/* Loopback names, with or without a port, are this machine. */
	const char *hosts[] = {"Host: localhost", "Host: LOCALHOST:8080", "Host: [::1]:9", "Host: 127.0.0.1",
			       "Host: 127.2.3.4:80"};
	for (size_t i = 0; i < sizeof hosts / sizeof hosts[0]; i++) {
		const char *h[] = {hosts[i], NULL};
		CHECK_MSG(status_of(&s, "GET", "/health", NULL, h) == 200, "%s", hosts[i]);
	}
	/* A cross-origin page: its Origin (or, without one, its Referer). */
	const char *origin[] = {"Origin: http://attacker.example", NULL};
	CHECK_EQ(status_of(&s, "POST", "/api/pace", "{\"pace\":\"fast\"}", origin), 403);
	const char *null_origin[] = {"Origin: null", NULL};
	CHECK_EQ(status_of(&s, "POST", "/api/pace", "{\"pace\":\"fast\"}", null_origin), 403);
	const char *other_port[] = {"Origin: http://127.0.0.1:1", NULL};
	CHECK_EQ(status_of(&s, "POST", "/api/pace", "{\"pace\":\"fast\"}", other_port), 403);
	const char *referer[] = {"Referer: http://attacker.example/page.html", NULL};
	CHECK_EQ(status_of(&s, "POST", "/api/pace", "{\"pace\":\"fast\"}", referer), 403);
	char same[128], same_ref[128];
	snprintf(same, sizeof same, "Origin: http://127.0.0.1:%d", s.port);
	snprintf(same_ref, sizeof same_ref, "Referer: http://127.0.0.1:%d/admin", s.port);
	const char *same_origin[] = {same, NULL}, *same_referer[] = {same_ref, NULL};
	CHECK_EQ(status_of(&s, "POST", "/api/pace", "{\"pace\":\"slow\"}", same_origin), 200);
	CHECK_EQ(status_of(&s, "POST", "/api/pace", "{\"pace\":\"slow\"}", same_referer), 200);
	/* The refusals say why. */
	e2e_resp_t r;
	CHECK_EQ(e2e_http(&s, "GET", "/api/standings", NULL, foreign, &r), 0);
	CHECK_CONTAINS(r.body, "\"code\":\"foreign_host\"");
	e2e_resp_free(&r);
	CHECK_EQ(e2e_http(&s, "POST", "/api/pace", "{}", origin, &r), 0);
	CHECK_CONTAINS(r.body, "\"code\":\"cross_origin\"");
	e2e_resp_free(&r);
	CHECK_EQ(e2e_http(&s, "POST", "/api/pace", "{}", form, &r), 0);
	CHECK_CONTAINS(r.body, "\"code\":\"unsupported_media_type\"");
	e2e_resp_free(&r);
	CHECK_EQ(e2e_stop(&s, SIGTERM, 10000), 0);
}

/* With an admin token the server may sit behind a proxy that sends the
 * public name as Host: only the content type is required then. */
TEST(e2e_token_server_checks_content_type_not_host)
{
	e2e_server_t s;
	const char *env[] = {"PINWHEEL_ADMIN_TOKEN=tok-123", NULL};
	CHECK_EQ(e2e_start(&s, env, NULL), 0);
	const char *proxied[] = {"Host: league.example.org", "Authorization: Bearer tok-123", NULL};
	CHECK_EQ(status_of(&s, "GET", "/api/standings", NULL, proxied), 200);
	CHECK_EQ(status_of(&s, "POST", "/api/pace", "{\"pace\":\"slow\"}", proxied), 200);
	const char *form[] = {"Authorization: Bearer tok-123", "Content-Type: application/x-www-form-urlencoded",
			      NULL};
	CHECK_EQ(status_of(&s, "POST", "/api/pace/advance", "a=1", form), 415);
	CHECK_EQ(e2e_stop(&s, SIGTERM, 10000), 0);
}
