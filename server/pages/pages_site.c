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
	cJSON *seasons = store_seasons_json(app->view, cur->league_id);
	for (int i = cJSON_GetArraySize(seasons) - 1; i >= 0; i--) {
		const cJSON *sj = cJSON_GetArrayItem(seasons, i);
		int64_t sid = (int64_t)pages_num(sj, "id");
		cJSON *br = season_bracket_json(app->view, sid);
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
 * what changed, so a visitor understands the league at a glance. League
 * data comes from the viewers' connection: a round being replayed shows
 * as live, never its results. */
static void home_league(pw_app_t *app, pw_buf_t *b)
{
	pw_season_row_t cur;
	if (!pages_season(app, &cur))
		return;
	home_champion(app, &cur, b);
	cJSON *teams = store_teams_json(app->view, app->league_id);
	buf_puts(b, "<section aria-labelledby=\"latest\"><h2 id=\"latest\">Latest results</h2>\n");
	pages_live_note(app, b);
	/* The last round that had games: an offseason round has none. */
	int n = 0, last = store_games_last_round(app->view, cur.id);
	pw_game_row_t *g = last > 0 ? store_games(app->view, cur.id, last, &n) : NULL;
	if (n > 0) {
		buf_printf(b, "<ul class=\"results\" aria-label=\"Round %d\">", last);
		for (int i = 0; i < n; i++) {
			char label[64];
			pages_game_label(g[i].stage, g[i].series, g[i].series_game, label, sizeof label);
			buf_puts(b, "<li>");
			pages_team_link(b, teams, g[i].home_team_id);
			buf_printf(b, " <a href=\"/games/%lld\">%d–%d</a> ", (long long)g[i].id, g[i].home_score,
				   g[i].away_score);
			pages_team_link(b, teams, g[i].away_team_id);
			if (g[i].series[0])
				buf_printf(b, " <small>%s</small>", label);
			buf_puts(b, "</li>");
		}
		buf_printf(b, "</ul>\n<p class=\"muted\">Round %d. <a href=\"/schedule\">Every result</a>.</p>\n",
			   last);
	} else {
		buf_puts(b, "<p>No games yet: the first tick plays round 1.</p>\n");
	}
	free(g);
	buf_puts(b, "</section>\n<section aria-labelledby=\"stand\"><h2 id=\"stand\">Standings</h2>\n");
	cJSON *st = season_standings_json(app->view, cur.id);
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
		buf_printf(b, " — %.0f%% yes so far</li>", 100 * pages_num(cJSON_GetObjectItem(pr, "tally"), "share"));
	}
	if (cJSON_GetArraySize(open) > 0)
		buf_puts(b, "</ul><p><a href=\"/governance\">Vote on them</a>.</p>\n");
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
		pw_buf_t one = {0};
		if (pages_rule_change(&one, ch, "value"))
			buf_printf(b, "<li>%s, after round %d</li>", one.data, (int)pages_num(ch, "round"));
		buf_free(&one);
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
		     "words, vote, and watch the next games play out under what passed.</p>\n");
	cJSON *arena = app_arena_json(app);
	buf_puts(&b, "<section aria-labelledby=\"live\" class=\"live-now\"><h2 id=\"live\">Live</h2><p>");
	pages_escape(&b, pages_str(arena, "status_text"));
	buf_puts(&b, " <a href=\"/arena\">Go to the arena</a>.</p></section>\n");
	cJSON_Delete(arena);
	home_league(app, &b);
	return page_done(res, &b, 200);
}

/* "Q3 · 4:12", "Q4 · Elam", "Final", "Tip-off": where a card's game is. */
static void card_clock(pw_buf_t *b, const cJSON *g)
{
	const cJSON *q = cJSON_GetObjectItem(g, "quarter"), *clock = cJSON_GetObjectItem(g, "clock");
	if (cJSON_IsTrue(cJSON_GetObjectItem(g, "finished")))
		buf_puts(b, "Final");
	else if (!cJSON_IsNumber(q))
		buf_puts(b, "Tip-off");
	else if (cJSON_IsNumber(clock))
		buf_printf(b, "Q%d · %d:%02d", (int)q->valuedouble, (int)clock->valuedouble / 60,
			   (int)clock->valuedouble % 60);
	else
		buf_printf(b, "Q%d · Elam", (int)q->valuedouble);
}

/* One game of the arena, as arena.js draws it too (same classes). */
static void arena_card(pw_buf_t *b, const cJSON *g)
{
	long long id = (long long)pages_id(g, "game_id");
	bool fin = cJSON_IsTrue(cJSON_GetObjectItem(g, "finished"));
	const cJSON *latest = cJSON_GetObjectItem(g, "latest");
	const cJSON *top = cJSON_GetArrayItem(latest, 0);
	const char *stage = pages_str(g, "stage");
	buf_printf(b, "<article class=\"game%s\" id=\"game-%lld\" data-game-id=\"%lld\" data-last-play=\"%d\" "
		      "aria-labelledby=\"game-%lld-h\">\n", fin ? " final" : "", id, id,
		   top ? (int)pages_num(top, "n") : 0, id);
	if (stage && !strcmp(stage, "playoff")) { /* a regular game needs no label */
		buf_puts(b, "<p class=\"label\">");
		pages_escape(b, pages_str(g, "label"));
		buf_puts(b, "</p>\n");
	}
	buf_printf(b, "<h3 id=\"game-%lld-h\">", id);
	pages_escape(b, pages_str(g, "home_team_name"));
	buf_puts(b, " vs ");
	pages_escape(b, pages_str(g, "away_team_name"));
	/* The scoreboard: each team's name over its score. */
	buf_puts(b, "</h3>\n<p class=\"score\"><span class=\"side home\"><span class=\"team\">");
	pages_escape(b, pages_str(g, "home_team_name"));
	buf_printf(b, "</span> <span class=\"home-score\">%d</span></span><span class=\"sep\" aria-hidden=\"true\">–</span>"
		      "<span class=\"side away\"><span class=\"team\">", (int)pages_num(g, "home_score"));
	pages_escape(b, pages_str(g, "away_team_name"));
	buf_printf(b, "</span> <span class=\"away-score\">%d</span></span></p>\n<p class=\"clock\">",
		   (int)pages_num(g, "away_score"));
	card_clock(b, g);
	buf_puts(b, "</p>\n<ul class=\"plays\" aria-label=\"Latest plays, newest first\">");
	const cJSON *pl;
	cJSON_ArrayForEach(pl, latest)
	{
		buf_puts(b, "<li>");
		pages_escape(b, pages_str(pl, "narrative"));
		buf_puts(b, "</li>");
	}
	buf_printf(b, "</ul>\n<p class=\"more\"><a href=\"/games/%lld\">%s</a></p>\n</article>\n", id,
		   fin ? "Box score and play-by-play" : "Game page");
}

/* /arena: the tick in progress as it stands now (every game, both names,
 * score, clock, latest plays), rendered by the server so it is right on
 * load and without JavaScript; arena.js then follows the stream from the
 * event this page was drawn at. Between rounds: the last round's results
 * and when the next starts. */
static int p_arena(pw_app_t *app, pw_http_conn_t *c, const pw_http_request_t *req,
		   const pw_params_t *p, pw_response_t *res)
{
	cJSON *a = app_arena_json(app);
	const char *status = pages_str(a, "status");
	bool live = status && !strcmp(status, "live");
	pw_buf_t b = {0};
	pages_begin(&b, "Arena", "arena");
	buf_puts(&b, "<h1>Arena</h1>\n<p id=\"arena-status\" class=\"arena-status\" role=\"status\" "
		     "aria-live=\"polite\" data-status=\"");
	pages_escape(&b, status);
	buf_printf(&b, "\" data-next-tick-in=\"%d\">", (int)pages_num(a, "next_tick_in"));
	pages_escape(&b, pages_str(a, "status_text"));
	buf_puts(&b, "</p>\n");
	int round = (int)pages_num(a, "round");
	const cJSON *games = cJSON_GetObjectItem(a, "games");
	buf_puts(&b, "<section aria-labelledby=\"arena-round\">\n<h2 id=\"arena-round\">");
	if (cJSON_GetArraySize(games) == 0)
		buf_puts(&b, "No games yet");
	else
		buf_printf(&b, "%s %d", live ? "Round" : "Results of round", round);
	buf_printf(&b, "</h2>\n<div id=\"arena\" class=\"arena\" data-round=\"%d\" data-last-event-id=\"%.0f\" "
		       "data-stream=\"/api/events/stream?event_type=presentation.game_starting,"
		       "presentation.possession,presentation.game_finished,presentation.round_finished\">\n",
		   round, pages_num(a, "last_event_id"));
	const cJSON *g;
	cJSON_ArrayForEach(g, games)
		arena_card(&b, g);
	buf_puts(&b, "</div>\n</section>\n"
		     "<noscript><p>With JavaScript the arena follows every play as it happens; without it, "
		     "reload this page to see where the games stand.</p></noscript>\n"
		     "<script src=\"/static/arena.js\" defer></script>\n");
	cJSON_Delete(a);
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
		{"/history/{id}", page_archive},
		{"/admin", page_admin},
	};
	int r = 0;
	for (size_t i = 0; i < sizeof pages / sizeof pages[0]; i++)
		r |= app_route(app, "GET", pages[i].path, pages[i].fn);
	/* The governors' pages and forms (pages_form.c). */
	r |= pages_gov_routes(app);
	return r ? -1 : 0;
}
