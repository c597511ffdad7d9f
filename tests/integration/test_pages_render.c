/*
 * test_pages_render.c — each page renderer over a small league run headless
 * (the stand-in sim, a governor whose name and proposal carry markup): the
 * key content is there and no user text reaches the page unescaped.
 */
#include <cjson/cJSON.h>
#include <stdlib.h>

#include "server/app.h"
#include "tests/integration/league_helpers.h"
#include "tests/test.h"

static char *render(pw_app_t *app, const char *path, int *status)
{
	const pw_route_t *route;
	pw_params_t params;
	char allow[64];
	pw_str_t m = {"GET", 3}, p = {path, strlen(path)};
	if (router_match(&app->router, m, p, &route, &params, allow, sizeof allow) != 200)
		return NULL;
	pw_http_request_t req;
	memset(&req, 0, sizeof req);
	req.method = m;
	req.path = p;
	req.target = p;
	pw_response_t res;
	resp_init(&res);
	((pw_handler_fn)route->fn)(app, NULL, &req, &params, &res);
	*status = res.status;
	char *body = buf_take(&res.body);
	resp_free(&res);
	return body;
}

TEST(pages_render_every_page_from_a_fixture_league)
{
	pw_store_t *s = lt_open("pages.db");
	pw_gov_t *g = lt_league(s, 4);
	char tok[80];
	int64_t gid = lt_join(g, "<script>alert(1)</script>", 1, tok);
	CHECK(gid > 0);
	CHECK(lt_propose(g, gid, "make threes worth 4 <script>x</script>") > 0);
	pw_round_cfg_t rc;
	lt_cfg(&rc, g);
	pw_round_out_t out;
	pw_err_t err = {0};
	CHECK_EQ(round_tick(&rc, &out, &err), 0);
	pw_app_t app;
	memset(&app, 0, sizeof app);
	app.store = s;
	app.view = lt_viewer("pages.db");
	app.gov = g;
	app.cfg.admin_token = "secret";
	store_league_first(s, NULL);
	app.league_id = store_league_first(s, NULL);
	CHECK_EQ(pages_routes(&app), 0);
	static const struct {
		const char *path, *want;
		int status;
	} pages[] = {
		{"/", "Latest results", 200},
		{"/standings", "Regular-season standings", 200},
		{"/schedule", "href=\"/games/1\"", 200},
		{"/playoffs", "best of", 200},
		{"/teams/1", "<svg class=\"bars\"", 200},
		{"/hoopers/1", "Season stats", 200},
		{"/games/1", "<svg class=\"score-flow\"", 200},
		{"/rules", "<code>three_point_value</code>", 200},
		{"/effects", "No effect is active", 200},
		{"/reports", "Latest: round 1", 200},
		{"/history", "No season has been completed", 200},
		{"/governance", "&lt;script&gt;x&lt;/script&gt;", 200},
		{"/admin", "Sign in with the admin token", 401},
		{"/games/77", "No such game", 404},
		{"/teams/77", "No such team", 404},
	};
	for (size_t i = 0; i < sizeof pages / sizeof pages[0]; i++) {
		int st = 0;
		char *html = render(&app, pages[i].path, &st);
		CHECK_MSG(st == pages[i].status, "%s: status %d", pages[i].path, st);
		CHECK_MSG(html && strstr(html, pages[i].want), "%s lacks %s", pages[i].path, pages[i].want);
		CHECK_MSG(html && !strstr(html, "<script>alert") && !strstr(html, "<script>x"),
			  "%s has unescaped user text", pages[i].path);
		free(html);
	}
	router_free(&app.router);
	store_close(app.view);
	gov_close(g);
	store_close(s);
}

/* The review queue lists what waits for the admin, by status: a held
 * proposal (approve it) and a flagged open one (clear it), not an open one
 * nobody flagged. */
TEST(pages_admin_review_queue_lists_held_and_flagged_proposals)
{
	pw_store_t *s = lt_open("admin.db");
	pw_gov_cfg_t cfg = {.require_approval = true, .scripts_dir = "/nonexistent"};
	pw_gov_t *g = lt_league_with(s, 4, &cfg);
	int64_t a = lt_join(g, "A", 1, NULL), b = lt_join(g, "B", 2, NULL);
	int64_t held = lt_propose(g, a, "make threes worth 4");
	pw_err_t e;
	CHECK_EQ(gov_vote(g, a, held, true, false, NULL, &e), 0);
	CHECK_EQ(store_begin(s), 0);
	CHECK_EQ(gov_tally_in_tx(g, 1, NULL, &e), 0);
	CHECK_EQ(store_commit(s), 0);
	int64_t flagged = lt_propose(g, b, "something wild and strange");
	int64_t plain = lt_propose(g, a, "shorter quarters");
	CHECK(held > 0 && flagged > 0 && plain > 0);
	pw_app_t app;
	memset(&app, 0, sizeof app);
	app.store = s;
	app.gov = g;
	app.cfg.admin_token = "secret";
	app.league_id = store_league_first(s, NULL);
	CHECK_EQ(pages_routes(&app), 0);
	const pw_route_t *route;
	pw_params_t params;
	char allow[64];
	pw_str_t m = {"GET", 3}, p = {"/admin", 6};
	CHECK_EQ(router_match(&app.router, m, p, &route, &params, allow, sizeof allow), 200);
	pw_http_request_t req;
	memset(&req, 0, sizeof req);
	req.method = m;
	req.path = req.target = p;
	req.headers[0] = (pw_http_header_t){{"Authorization", 13}, {"Bearer secret", 13}};
	req.n_headers = 1;
	pw_response_t res;
	resp_init(&res);
	((pw_handler_fn)route->fn)(&app, NULL, &req, &params, &res);
	CHECK_EQ(res.status, 200);
	char *html = buf_take(&res.body);
	char want[128];
	snprintf(want, sizeof want, "Proposal %lld</a> <span class=\"tag\">held for approval", (long long)held);
	CHECK_CONTAINS(html, want);
	snprintf(want, sizeof want, "action=\"/admin/proposals/%lld/approve\"", (long long)held);
	CHECK_CONTAINS(html, want);
	snprintf(want, sizeof want, "Proposal %lld</a> <span class=\"tag\">flagged", (long long)flagged);
	CHECK_CONTAINS(html, want);
	snprintf(want, sizeof want, "action=\"/admin/proposals/%lld/clear\"", (long long)flagged);
	CHECK_CONTAINS(html, want);
	snprintf(want, sizeof want, "action=\"/admin/proposals/%lld/veto\"", (long long)flagged);
	CHECK_CONTAINS(html, want);
	snprintf(want, sizeof want, "Proposal %lld</a>", (long long)plain);
	CHECK(html && !strstr(html, want));
	/* The pace in words, not the API's field names. */
	CHECK_CONTAINS(html, "<dt>Next tick</dt>");
	CHECK_CONTAINS(html, "<dt>Replaying a round</dt>");
	CHECK(html && !strstr(html, "next_tick_at") && !strstr(html, "<dt>presenting"));
	free(html);
	resp_free(&res);
	router_free(&app.router);
	gov_close(g);
	store_close(s);
}

/* Every page again over a league stored in PostgreSQL (docs/POSTGRES.md). */
LT_ON_POSTGRES(pages_render_every_page_from_a_fixture_league)
LT_ON_POSTGRES(pages_admin_review_queue_lists_held_and_flagged_proposals)
