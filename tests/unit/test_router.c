/*
 * test_router.c — patterns, parameters, 404 versus 405, envelopes.
 */
#include "tests/test.h"

#include <cjson/cJSON.h>

#include "server/http/response.h"
#include "server/http/router.h"

static pw_str_t S(const char *s)
{
	return (pw_str_t){s, strlen(s)};
}

static int h1, h2, h3, h4;

TEST(router_matches_params_and_methods)
{
	pw_router_t rt = {0};
	CHECK_EQ(router_add(&rt, "GET", "/api/teams", &h1), 0);
	CHECK_EQ(router_add(&rt, "GET", "/api/teams/{id}", &h2), 0);
	CHECK_EQ(router_add(&rt, "POST", "/api/governance/proposals/{id}/confirm", &h3), 0);
	CHECK_EQ(router_add(&rt, "GET", "/api/reports/round/{season}/{round}", &h4), 0);
	CHECK_EQ(router_add(&rt, "GET", "no-slash", &h4), -1);
	const pw_route_t *r;
	pw_params_t p;
	char allow[64];
	CHECK_EQ(router_match(&rt, S("GET"), S("/api/teams"), &r, &p, allow, sizeof allow), 200);
	CHECK(r->fn == &h1);
	CHECK_EQ(router_match(&rt, S("HEAD"), S("/api/teams"), &r, &p, allow, sizeof allow), 200);
	CHECK_EQ(router_match(&rt, S("GET"), S("/api/teams/42"), &r, &p, allow, sizeof allow), 200);
	CHECK(r->fn == &h2);
	int64_t id = 0;
	CHECK_EQ(router_param_id(&p, "id", &id), 0);
	CHECK_EQ(id, 42);
	CHECK_EQ(router_match(&rt, S("GET"), S("/api/teams/abc"), &r, &p, allow, sizeof allow), 200);
	CHECK_EQ(router_param_id(&p, "id", &id), -1);
	CHECK_EQ(router_match(&rt, S("GET"), S("/api/teams/"), &r, &p, allow, sizeof allow), 404);
	CHECK_EQ(router_match(&rt, S("GET"), S("/api/teams/1/2"), &r, &p, allow, sizeof allow), 404);
	CHECK_EQ(router_match(&rt, S("GET"), S("/api/team"), &r, &p, allow, sizeof allow), 404);
	CHECK_EQ(router_match(&rt, S("GET"), S("/api/teamsx"), &r, &p, allow, sizeof allow), 404);
	CHECK_EQ(router_match(&rt, S("DELETE"), S("/api/teams/1"), &r, &p, allow, sizeof allow), 405);
	CHECK_STR(allow, "GET, HEAD"); /* a GET route answers HEAD too */
	CHECK_EQ(router_match(&rt, S("GET"), S("/api/governance/proposals/7/confirm"), &r, &p, allow, sizeof allow), 405);
	CHECK_STR(allow, "POST");
	CHECK_EQ(router_match(&rt, S("GET"), S("/api/reports/round/3/12"), &r, &p, allow, sizeof allow), 200);
	CHECK_STR(router_param(&p, "season"), "3");
	CHECK_STR(router_param(&p, "round"), "12");
	/* Percent-decoded parameters; a NUL escape never matches. */
	CHECK_EQ(router_match(&rt, S("GET"), S("/api/teams/a%2Fb"), &r, &p, allow, sizeof allow), 200);
	CHECK_STR(router_param(&p, "id"), "a/b");
	CHECK_EQ(router_match(&rt, S("GET"), S("/api/teams/a%00"), &r, &p, allow, sizeof allow), 404);
	CHECK_EQ(router_param_id(&p, "nope", &id), -1);
	router_free(&rt);
}

TEST(response_envelopes_escape)
{
	pw_response_t r;
	resp_init(&r);
	resp_error(&r, 422, "invalid_value", "bad \"%s\"\n<script>", "x\x01y");
	CHECK_EQ(r.status, 422);
	cJSON *j = cJSON_Parse(r.body.data);
	CHECK(j != NULL);
	cJSON *e = cJSON_GetObjectItem(j, "error");
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(e, "code")), "invalid_value");
	CHECK_CONTAINS(cJSON_GetStringValue(cJSON_GetObjectItem(e, "message")), "bad \"x");
	cJSON_Delete(j);
	resp_data(&r, 200, cJSON_CreateNumber(5));
	CHECK_STR(r.body.data, "{\"data\":5}");
	resp_header(&r, "X-A", "v\r\nInjected: yes");
	CHECK_STR(r.headers.data, "X-A: vInjected: yes\r\n");
	resp_free(&r);
}
