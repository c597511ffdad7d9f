/*
 * pages_site.c — the pages. Each is a thin view over the league's read
 * models; where a model is not available yet the page says so plainly.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/league/season.h"
#include "server/pages/pages_internal.h"

static int page_done(pw_response_t *res, pw_buf_t *b, int status)
{
	return pages_finish(res, b, status);
}

/* The champion of the current season once its final is decided, else the
 * reigning one (the latest season that has one). */
static void home_champion(pw_app_t *app, const pw_season_row_t *cur, pw_buf_t *b)
{
	cJSON *seasons = store_seasons_json(app->store, cur->league_id);
	for (int i = cJSON_GetArraySize(seasons) - 1; i >= 0; i--) {
		const cJSON *sj = cJSON_GetArrayItem(seasons, i);
		int64_t sid = (int64_t)pages_num(sj, "id");
		cJSON *br = season_bracket_json(app->store, sid);
		const cJSON *ch = cJSON_GetObjectItem(br, "champion");
		bool found = cJSON_IsObject(ch);
		if (found) {
			buf_printf(b, "<section aria-labelledby=\"champ\"><h2 id=\"champ\">%s</h2>\n"
				      "<p class=\"champion\"><a href=\"/teams/%lld\">",
				   sid == cur->id ? "Champion" : "Reigning champion", (long long)pages_id(ch, "team_id"));
			pages_escape(b, pages_str(ch, "name"));
			buf_puts(b, "</a> won ");
			pages_escape(b, pages_str(sj, "name"));
			buf_puts(b, sid == cur->id ? ". <a href=\"/playoffs\">The playoffs</a>.</p></section>\n"
						  : ". <a href=\"/history\">Past seasons</a>.</p></section>\n");
		}
		cJSON_Delete(br);
		if (found)
			break;
	}
	cJSON_Delete(seasons);
}

/* Home: the champion, the latest results, the standings, open proposals and
 * what changed, so a visitor understands the league at a glance. */
static void home_league(pw_app_t *app, pw_buf_t *b)
{
	pw_season_row_t cur;
	if (!pages_season(app, &cur))
		return;
	home_champion(app, &cur, b);
	cJSON *teams = store_teams_json(app->store, app->league_id);
	buf_puts(b, "<section aria-labelledby=\"latest\"><h2 id=\"latest\">Latest results</h2>\n");
	int n = 0;
	pw_game_row_t *g = cur.current_round > 0 ? store_games(app->store, cur.id, cur.current_round, &n) : NULL;
	if (n > 0) {
		buf_printf(b, "<ul class=\"results\" aria-label=\"Round %d\">", cur.current_round);
		for (int i = 0; i < n; i++) {
			buf_puts(b, "<li>");
			pages_team_link(b, teams, g[i].home_team_id);
			buf_printf(b, " <a href=\"/games/%lld\">%d–%d</a> ", (long long)g[i].id, g[i].home_score,
				   g[i].away_score);
			pages_team_link(b, teams, g[i].away_team_id);
			buf_puts(b, "</li>");
		}
		buf_puts(b, "</ul>\n");
	} else {
		buf_puts(b, "<p>No games yet: the first tick plays round 1.</p>\n");
	}
	free(g);
	buf_puts(b, "</section>\n<section aria-labelledby=\"stand\"><h2 id=\"stand\">Standings</h2>\n");
	cJSON *st = season_standings_json(app->store, cur.id);
	pages_standings_table(b, cJSON_GetObjectItem(st, "regular"), "Regular season");
	cJSON_Delete(st);
	buf_puts(b, "</section>\n");
	cJSON *open = gov_proposals_json(app->gov, 0, "open");
	buf_puts(b, "<section aria-labelledby=\"open\"><h2 id=\"open\">Open proposals</h2>\n");
	if (cJSON_GetArraySize(open) == 0)
		buf_puts(b, "<p>None right now. <a href=\"/governance\">Propose a rule change</a>.</p>\n");
	else
		buf_puts(b, "<ul>");
	const cJSON *pr;
	cJSON_ArrayForEach(pr, open)
	{
		buf_puts(b, "<li>");
		pages_escape(b, pages_str(pr, "text"));
		buf_printf(b, " — %.0f%% yes</li>", 100 * pages_num(cJSON_GetObjectItem(pr, "tally"), "share"));
	}
	if (cJSON_GetArraySize(open) > 0)
		buf_puts(b, "</ul>\n");
	buf_puts(b, "</section>\n");
	cJSON_Delete(open);
	cJSON *hist = gov_rules_history_json(app->gov);
	buf_puts(b, "<section aria-labelledby=\"changed\"><h2 id=\"changed\">What changed</h2>\n");
	if (cJSON_GetArraySize(hist) == 0)
		buf_puts(b, "<p>Every rule is still its default.</p>\n");
	else
		buf_puts(b, "<ul>");
	const cJSON *ch;
	cJSON_ArrayForEach(ch, hist)
	{
		buf_puts(b, "<li><code>");
		pages_escape(b, pages_str(ch, "name"));
		buf_printf(b, "</code> → %g (round %d)</li>", pages_num(ch, "value"), (int)pages_num(ch, "round"));
	}
	if (cJSON_GetArraySize(hist) > 0)
		buf_puts(b, "</ul><p><a href=\"/rules\">All rules and their history</a>.</p>\n");
	buf_puts(b, "</section>\n");
	cJSON_Delete(hist);
	cJSON_Delete(teams);
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
	home_league(app, &b);
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

int pages_routes(pw_app_t *app)
{
	static const struct {
		const char *path;
		pw_handler_fn fn;
	} pages[] = {
		{"/", p_home},
		{"/arena", p_arena},
		{"/standings", page_standings},
		{"/schedule", page_schedule},
		{"/playoffs", page_playoffs},
		{"/teams/{id}", page_team},
		{"/hoopers/{id}", page_hooper},
		{"/games/{id}", page_game},
		{"/rules", page_rules},
		{"/effects", page_effects},
		{"/reports", page_reports},
		{"/history", page_history},
		{"/admin", page_admin},
	};
	int r = 0;
	for (size_t i = 0; i < sizeof pages / sizeof pages[0]; i++)
		r |= app_route(app, "GET", pages[i].path, pages[i].fn);
	/* The governors' pages and forms (pages_form.c). */
	r |= pages_gov_routes(app);
	return r ? -1 : 0;
}
