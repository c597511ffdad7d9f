/*
 * test_router.c — patterns, parameters, 404 versus 405, envelopes.
 */
#include "tests/test.h"

#include <cjson/cJSON.h>

#include <stdio.h>

#include "server/app.h"
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

TEST(router_first_added_wins_and_allow_keeps_the_order)
{
	pw_router_t rt = {0};
	/* A parameter and a literal can both fit a segment: the route added
	 * first wins, whichever kind it is. */
	CHECK_EQ(router_add(&rt, "POST", "/api/games/{id}", &h1), 0);
	CHECK_EQ(router_add(&rt, "GET", "/api/games/{id}", &h2), 0);
	CHECK_EQ(router_add(&rt, "GET", "/api/games/playoffs", &h3), 0);
	CHECK_EQ(router_add(&rt, "DELETE", "/api/games/playoffs", &h4), 0);
	CHECK_EQ(router_add(&rt, "PUT", "/api/{kind}/playoffs", &h4), 0);
	CHECK_EQ(router_add(&rt, "HEAD", "/api/games/{id}/plays", &h3), 0);
	CHECK_EQ(router_add(&rt, "GET", "/api/games/{id}/plays", &h4), 0);
	const pw_route_t *r;
	pw_params_t p;
	char allow[64];
	CHECK_EQ(router_match(&rt, S("GET"), S("/api/games/playoffs"), &r, &p, allow, sizeof allow), 200);
	CHECK(r->fn == &h2);
	CHECK_STR(router_param(&p, "id"), "playoffs");
	CHECK_EQ(router_match(&rt, S("DELETE"), S("/api/games/playoffs"), &r, &p, allow, sizeof allow), 200);
	CHECK(r->fn == &h4);
	CHECK_EQ(p.n, 0);
	CHECK_EQ(router_match(&rt, S("PUT"), S("/api/games/playoffs"), &r, &p, allow, sizeof allow), 200);
	CHECK_STR(router_param(&p, "kind"), "games");
	/* 405: every route that fits the path, in the order added, from both
	 * branches of the tree. */
	CHECK_EQ(router_match(&rt, S("PATCH"), S("/api/games/playoffs"), &r, &p, allow, sizeof allow), 405);
	CHECK_STR(allow, "POST, GET, HEAD, DELETE, PUT");
	/* An explicit HEAD route wins over the GET added after it. */
	CHECK_EQ(router_match(&rt, S("HEAD"), S("/api/games/3/plays"), &r, &p, allow, sizeof allow), 200);
	CHECK(r->fn == &h3);
	CHECK_EQ(router_match(&rt, S("GET"), S("/api/games/3/plays"), &r, &p, allow, sizeof allow), 200);
	CHECK(r->fn == &h4);
	/* A segment that cannot be a parameter leaves only the literals. */
	CHECK_EQ(router_match(&rt, S("GET"), S("/api/games/%zz"), &r, &p, allow, sizeof allow), 404);
	char big[300] = "/api/games/";
	memset(big + strlen(big), 'x', 130);
	CHECK_EQ(router_match(&rt, S("GET"), S(big), &r, &p, allow, sizeof allow), 404);
	/* Deeper than any pattern may be, and not a path at all. */
	char deep[200] = "";
	for (int i = 0; i < 40; i++)
		strcat(deep, "/a");
	CHECK_EQ(router_match(&rt, S("GET"), S(deep), &r, &p, allow, sizeof allow), 404);
	CHECK_EQ(router_match(&rt, S("GET"), S(""), &r, &p, allow, sizeof allow), 404);
	CHECK_EQ(router_match(&rt, S("GET"), S("api/games/1"), &r, &p, allow, sizeof allow), 404);
	/* Patterns the router refuses: too deep, a name too long, too many
	 * parameters. */
	CHECK_EQ(router_add(&rt, "GET", deep, &h1), -1);
	CHECK_EQ(router_add(&rt, "GET", "/x/{xxxxxxxxxxxxxxxxxxxxxxxx}", &h1), -1); /* 24 */
	CHECK_EQ(router_add(&rt, "GET", "/x/{xxxxxxxxxxxxxxxxxxxxxxx}", &h1), 0);  /* 23 */
	CHECK_EQ(router_add(&rt, "GET", "/x/{a}/{b}/{c}/{d}/{e}", &h1), -1);
	router_free(&rt);
	/* An empty router matches nothing; "/" is a path of one empty segment. */
	CHECK_EQ(router_match(&rt, S("GET"), S("/"), &r, &p, allow, sizeof allow), 404);
	CHECK_EQ(router_add(&rt, "GET", "/", &h1), 0);
	CHECK_EQ(router_match(&rt, S("GET"), S("/"), &r, &p, allow, sizeof allow), 200);
	CHECK_EQ(router_match(&rt, S("GET"), S("//"), &r, &p, allow, sizeof allow), 404);
	router_free(&rt);
}

/* The router as it was: every route tried in the order added, each
 * pattern walked segment by segment against the path. The tree must give
 * the same answer for every path. */
static int ref_pattern(const char *pat, pw_str_t path, pw_params_t *params)
{
	size_t pi = 0;
	params->n = 0;
	const char *p = pat;
	for (;;) {
		if (!*p)
			return pi == path.n;
		if (pi >= path.n || path.p[pi] != '/' || *p != '/')
			return 0;
		p++;
		pi++;
		const char *pe = strchr(p, '/');
		size_t plen = pe ? (size_t)(pe - p) : strlen(p);
		size_t s = pi;
		while (pi < path.n && path.p[pi] != '/')
			pi++;
		pw_str_t seg = {path.p + s, pi - s};
		if (plen >= 2 && p[0] == '{' && p[plen - 1] == '}') {
			if (seg.n == 0 || params->n == ROUTER_MAX_PARAMS)
				return 0;
			memcpy(params->p[params->n].name, p + 1, plen - 2);
			params->p[params->n].name[plen - 2] = '\0';
			if (http_pct_decode(seg, params->p[params->n].value, ROUTER_PARAM_MAX, false) < 0)
				return 0;
			params->n++;
		} else if (seg.n != plen || memcmp(seg.p, p, plen) != 0) {
			return 0;
		}
		p += plen;
	}
}

static int ref_match(const pw_router_t *rt, pw_str_t method, pw_str_t path, const pw_route_t **out,
		     pw_params_t *params, char *allow)
{
	bool seen = false;
	allow[0] = '\0';
	pw_params_t tmp;
	for (size_t i = 0; i < rt->n; i++) {
		const pw_route_t *r = &rt->routes[i];
		if (!ref_pattern(r->pattern, path, &tmp))
			continue;
		if (http_str_eq(method, r->method) || (http_str_eq(method, "HEAD") && !strcmp(r->method, "GET"))) {
			*out = r;
			*params = tmp;
			return 200;
		}
		seen = true;
		const char *ms[2] = {r->method, strcmp(r->method, "GET") ? NULL : "HEAD"};
		for (int k = 0; k < 2 && ms[k]; k++)
			if (!strstr(allow, ms[k]))
				sprintf(allow + strlen(allow), "%s%s", allow[0] ? ", " : "", ms[k]);
	}
	return seen ? 405 : 404;
}

TEST(router_answers_as_trying_every_route_did)
{
	/* The server's own routes, and some that overlap on purpose. */
	pw_app_t app;
	memset(&app, 0, sizeof app);
	CHECK_EQ(app_routes(&app), 0);
	CHECK(app.router.n > 40);
	pw_router_t *rt = &app.router;
	CHECK_EQ(router_add(rt, "POST", "/api/teams/{id}", &h1), 0);
	CHECK_EQ(router_add(rt, "GET", "/api/{what}/current", &h2), 0);
	CHECK_EQ(router_add(rt, "DELETE", "/{a}/{b}/{c}", &h3), 0);
	CHECK_EQ(router_add(rt, "GET", "/api/teams/{id}", &h4), 0);
	static const char *segs[] = {"api", "teams", "games", "1", "42", "", "abc", "%41", "%2F", "%00",
				     "%zz", "%4", "static", "style.css", "governance", "proposals", "confirm",
				     "current", "seasons", "playoffs", "bracket", "{id}", "health", "events",
				     "stream", "reports", "round", "x+y", "API", "rules"};
	static const char *methods[] = {"GET", "HEAD", "POST", "DELETE", "PATCH"};
	const size_t n_segs = sizeof segs / sizeof segs[0];
	uint64_t x = 88172645463325252ull;
	int checked = 0, found = 0, refused = 0;
	for (int t = 0; t < 20000; t++) {
		char path[512] = "";
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		if (x & 1) {
			/* A route's pattern, its parameters filled in and now and
			 * then a segment changed or one more added. */
			const char *pat = rt->routes[(x >> 1) % rt->n].pattern;
			for (const char *q = pat; *q == '/';) {
				const char *e = strchr(q + 1, '/');
				size_t len = e ? (size_t)(e - q - 1) : strlen(q + 1);
				x ^= x << 13, x ^= x >> 7, x ^= x << 17;
				strcat(path, "/");
				if ((len >= 2 && q[1] == '{') || x % 8 == 0)
					strcat(path, segs[(x >> 3) % n_segs]);
				else
					strncat(path, q + 1, len);
				q += 1 + len;
			}
			if (x % 16 == 1)
				strcat(path, "/1");
		} else {
			int depth = (int)((x >> 1) % 6);
			for (int d = 0; d <= depth; d++) {
				x ^= x << 13, x ^= x >> 7, x ^= x << 17;
				strcat(path, "/");
				strcat(path, segs[x % n_segs]);
			}
		}
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		pw_str_t m = S(methods[x % 5]);
		const pw_route_t *r1 = NULL, *r2 = NULL;
		pw_params_t p1, p2;
		char a1[64], a2[64];
		int s1 = router_match(rt, m, S(path), &r1, &p1, a1, sizeof a1);
		int s2 = ref_match(rt, m, S(path), &r2, &p2, a2);
		CHECK_MSG(s1 == s2, "%.*s %s: %d, trying every route %d", (int)m.n, m.p, path, s1, s2);
		if (s1 != s2)
			break;
		checked++;
		if (s1 == 200) {
			found++;
			CHECK_MSG(r1 == r2, "%.*s %s: route %s, trying every route %s", (int)m.n, m.p, path,
				  r1->pattern, r2->pattern);
			CHECK_EQ(p1.n, p2.n);
			for (size_t i = 0; i < p1.n && i < p2.n; i++) {
				CHECK_STR(p1.p[i].name, p2.p[i].name);
				CHECK_STR(p1.p[i].value, p2.p[i].value);
			}
		} else if (s1 == 405) {
			refused++;
			CHECK_STR(a1, a2);
		}
	}
	CHECK_EQ(checked, 20000);
	/* The paths do reach routes, with and without their methods. */
	CHECK_MSG(found > 2500 && refused > 2500, "%d paths reached a route, %d with another method", found,
		  refused);
	router_free(rt);
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
