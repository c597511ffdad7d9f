/*
 * pages_site.c — the pages. Each is a thin view over the league's read
 * models; where a model is not available yet the page says so plainly.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "server/app.h"
#include "server/pages.h"

static int page_done(pw_response_t *res, pw_buf_t *b, int status)
{
	pages_end(b);
	resp_html(res, status, b);
	resp_header(res, "Cache-Control", "no-cache");
	return HTTP_HANDLED;
}

static int p_home(pw_app_t *app, pw_http_conn_t *c, const pw_http_request_t *req,
		  const pw_params_t *p, pw_response_t *res)
{
	pw_buf_t b = {0};
	pages_begin(&b, "Home", "home");
	buf_puts(&b, "<h1>Pinwheel Fates</h1>\n<p class=\"lede\">A simulated 3-on-3 basketball league "
		     "whose rules are written by its players. Governors propose rule changes in plain "
		     "words, vote, and watch the next games play out under what passed.</p>\n"
		     "<section aria-labelledby=\"live\"><h2 id=\"live\">Live</h2>"
		     "<p><a href=\"/arena\">Watch the current tick in the arena</a>.</p></section>\n");
	return page_done(res, &b, 200);
}

static int p_arena(pw_app_t *app, pw_http_conn_t *c, const pw_http_request_t *req,
		   const pw_params_t *p, pw_response_t *res)
{
	pw_buf_t b = {0};
	pages_begin(&b, "Arena", "arena");
	buf_puts(&b, "<h1>Arena</h1>\n"
		     "<p id=\"arena-status\" role=\"status\" aria-live=\"polite\">Waiting for the next "
		     "tick…</p>\n"
		     "<div id=\"arena\" class=\"arena\" data-stream=\"/api/events/stream?event_type="
		     "presentation.game_starting,presentation.possession,presentation.game_finished,"
		     "presentation.round_finished\"");
	/* Team names for the script, as escaped attributes. */
	cJSON *teams = app->store ? store_teams_json(app->store, app->league_id) : NULL;
	const cJSON *t;
	cJSON_ArrayForEach(t, teams)
	{
		buf_printf(&b, " data-team-%d=\"", (int)cJSON_GetNumberValue(cJSON_GetObjectItem(t, "id")));
		pages_escape(&b, cJSON_GetStringValue(cJSON_GetObjectItem(t, "name")));
		buf_puts(&b, "\"");
	}
	cJSON_Delete(teams);
	buf_puts(&b, "></div>\n"
		     "<noscript><p>The arena updates live with JavaScript. Without it, see the "
		     "<a href=\"/schedule\">schedule and results</a>.</p></noscript>\n"
		     "<script src=\"/static/arena.js\" defer></script>\n");
	return page_done(res, &b, 200);
}

/* /governance: open proposals with live tallies, how to propose, results.
 * Every proposal text and note is user text: all of it goes through
 * pages_escape. */
static int p_governance(pw_app_t *app, pw_http_conn_t *c, const pw_http_request_t *req,
			const pw_params_t *p, pw_response_t *res)
{
	pw_buf_t b = {0};
	pages_begin(&b, "Governance", "governance");
	buf_puts(&b, "<h1>Governance</h1>\n<section aria-labelledby=\"how\"><h2 id=\"how\">How to propose</h2>"
		     "<p>Join a team (<code>POST /api/governors</code>), then send your rule change in plain "
		     "words to <code>POST /api/governance/proposals</code> with your bearer token. You see "
		     "the interpretation, confirm it, and the league votes until the next tally.</p></section>\n");
	gov_sync(app->gov);
	cJSON *list = gov_proposals_json(app->gov, 0, NULL);
	buf_puts(&b, "<section aria-labelledby=\"props\"><h2 id=\"props\">Proposals</h2>\n");
	if (cJSON_GetArraySize(list) == 0)
		buf_puts(&b, "<p>No proposals yet this season.</p>\n");
	else
		buf_puts(&b, "<table><thead><tr><th scope=\"col\">#</th><th scope=\"col\">Proposal</th>"
			     "<th scope=\"col\">Status</th><th scope=\"col\">Tier</th>"
			     "<th scope=\"col\" class=\"num\">Yes share</th><th scope=\"col\">Note</th></tr>"
			     "</thead><tbody>\n");
	const cJSON *pr;
	cJSON_ArrayForEach(pr, list)
	{
		const cJSON *tally = cJSON_GetObjectItem(pr, "tally");
		const cJSON *interp = cJSON_GetObjectItem(pr, "interpretation");
		buf_printf(&b, "<tr><td>%d</td><td>", (int)cJSON_GetNumberValue(cJSON_GetObjectItem(pr, "id")));
		pages_escape(&b, cJSON_GetStringValue(cJSON_GetObjectItem(pr, "text")));
		buf_puts(&b, "</td><td><span class=\"tag\">");
		pages_escape(&b, cJSON_GetStringValue(cJSON_GetObjectItem(pr, "status")));
		buf_printf(&b, "</span></td><td>%d</td><td class=\"num\">%.0f%%</td><td>",
			   (int)cJSON_GetNumberValue(cJSON_GetObjectItem(pr, "tier")),
			   100.0 * cJSON_GetNumberValue(cJSON_GetObjectItem(tally, "share")));
		pages_escape(&b, cJSON_GetStringValue(cJSON_GetObjectItem(interp, "note")));
		buf_puts(&b, "</td></tr>\n");
	}
	if (cJSON_GetArraySize(list) > 0)
		buf_puts(&b, "</tbody></table>\n");
	buf_puts(&b, "</section>\n");
	cJSON_Delete(list);
	return page_done(res, &b, 200);
}

static int p_pending(pw_app_t *app, pw_http_conn_t *c, const pw_http_request_t *req,
		     const pw_params_t *p, pw_response_t *res)
{
	/* /standings → "standings" for the nav and the title. */
	char key[32];
	size_t n = req->path.n > 1 ? req->path.n - 1 : 0;
	const char *s = req->path.p + 1;
	const char *slash = memchr(s, '/', n);
	if (slash)
		n = (size_t)(slash - s);
	if (n >= sizeof key)
		n = sizeof key - 1;
	memcpy(key, s, n);
	key[n] = '\0';
	char title[32];
	snprintf(title, sizeof title, "%s", key);
	if (title[0] >= 'a' && title[0] <= 'z')
		title[0] = (char)(title[0] - 'a' + 'A');
	pw_buf_t b = {0};
	pages_begin(&b, title, key);
	buf_puts(&b, "<h1>");
	pages_escape(&b, title);
	buf_puts(&b, "</h1>\n<p>Nothing to show yet: the league has not played on this server.</p>\n");
	return page_done(res, &b, 200);
}

int pages_routes(pw_app_t *app)
{
	static const char *pending[] = {"/standings", "/schedule", "/playoffs", "/rules",
					"/effects", "/reports", "/history",
					"/admin", "/games/{id}", "/teams/{id}", "/hoopers/{id}"};
	int r = 0;
	r |= app_route(app, "GET", "/", p_home);
	r |= app_route(app, "GET", "/arena", p_arena);
	r |= app_route(app, "GET", "/governance", p_governance);
	for (size_t i = 0; i < sizeof pending / sizeof pending[0]; i++)
		r |= app_route(app, "GET", pending[i], p_pending);
	return r ? -1 : 0;
}
