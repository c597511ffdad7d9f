/*
 * pages_team.c — /teams/{id} (record, venue, strategy in words, its
 * governors, the rules and effects in force, roster with attribute
 * charts) and /hoopers/{id} (bio, attributes, moves, season stats and
 * game log). A governor's profile is pages_profile.c. League data comes
 * from the viewers' connection (no spoilers).
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "core/league/season.h"
#include "server/pages/pages_internal.h"
#include "server/pages/svg.h"

/* A hooper's attributes as a bar chart (0–100). */
static void attr_chart(pw_buf_t *b, const cJSON *h)
{
	pw_svg_bar_t bars[16];
	size_t n = 0;
	char words[16][64];
	const cJSON *a;
	cJSON_ArrayForEach(a, cJSON_GetObjectItem(h, "attributes"))
	{
		if (n == sizeof bars / sizeof bars[0] || !cJSON_IsNumber(a))
			continue;
		/* svg_bars escapes the label itself: the words, unescaped. */
		pages_words_text(a->string, words[n], sizeof words[n]);
		bars[n].label = words[n];
		bars[n].value = a->valuedouble;
		n++;
	}
	char id[32], title[160];
	snprintf(id, sizeof id, "attr-%lld", (long long)pages_id(h, "id"));
	snprintf(title, sizeof title, "Attributes of %s", pages_str(h, "name") ? pages_str(h, "name") : "?");
	svg_bars(b, id, title, bars, n, 100);
}

static void moves(pw_buf_t *b, const cJSON *h)
{
	const cJSON *m;
	bool any = false;
	cJSON_ArrayForEach(m, cJSON_GetObjectItem(h, "moves"))
	{
		buf_puts(b, any ? ", " : "");
		pages_escape(b, cJSON_GetStringValue(m));
		any = true;
	}
	if (!any)
		buf_puts(b, "none");
}

/* 17500 as "17,500". */
static void thousands(pw_buf_t *b, int n)
{
	if (n >= 1000)
		buf_printf(b, "%d,%03d", n / 1000, n % 1000);
	else
		buf_printf(b, "%d", n);
}

/* How strongly a -1..1 bias leans, in words ("" for none). */
static const char *lean(double v)
{
	double a = v < 0 ? -v : v;
	return a < 0.05 ? "" : a < 0.3 ? "a little " : a < 0.7 ? "" : "much ";
}

/* One bias of a strategy as a phrase, or nothing when it is neutral. */
static void bias(pw_buf_t *b, bool *any, double v, const char *more, const char *less)
{
	if (v > -0.05 && v < 0.05)
		return;
	buf_puts(b, *any ? "; " : "");
	buf_puts(b, lean(v));
	buf_puts(b, v > 0 ? more : less);
	*any = true;
}

/* A team's strategy as people say it: what it leans towards, never its
 * numbers ("preferred_scheme -1" means nothing to anyone). */
static void strategy_words(pw_buf_t *b, const cJSON *st)
{
	bool any = false;
	bias(b, &any, pages_num(st, "three_bias"), "more threes", "fewer threes");
	bias(b, &any, pages_num(st, "rim_bias"), "more drives to the rim", "fewer drives to the rim");
	bias(b, &any, pages_num(st, "mid_bias"), "more mid-range shots", "fewer mid-range shots");
	bias(b, &any, pages_num(st, "pace"), "a faster pace", "a slower pace");
	bias(b, &any, pages_num(st, "defensive_intensity"), "harder defense (more fouls, more fatigue)",
	     "softer defense (fewer fouls, less fatigue)");
	static const char *const schemes[] = {"tight man-to-man", "switching man-to-man", "a zone",
					       "a press"};
	static const char *const when[] = {"", " when leading", " when trailing", " in the Elam period"};
	int sc = (int)pages_num(st, "preferred_scheme"), w = (int)pages_num(st, "scheme_when");
	if (cJSON_IsNumber(cJSON_GetObjectItem(st, "preferred_scheme")) && sc >= 0 && sc < 4) {
		buf_printf(b, "%sdefends with %s%s", any ? "; " : "", schemes[sc], w >= 0 && w < 4 ? when[w] : "");
		any = true;
	}
	if (!any)
		buf_puts(b, "None: the team plays its natural game");
}

/* The governors of a team this season, linked to their profiles. */
static void team_governors(pw_app_t *app, pw_buf_t *b, int64_t team_id)
{
	cJSON *govs = gov_governors_json(app->gov);
	int n = 0;
	const cJSON *g;
	buf_puts(b, "<section aria-labelledby=\"govs\"><h2 id=\"govs\">Governors</h2>\n");
	cJSON_ArrayForEach(g, govs)
	{
		if (pages_id(g, "team_id") != team_id || !cJSON_IsTrue(cJSON_GetObjectItem(g, "enrolled")))
			continue;
		buf_printf(b, "%s<li><a href=\"/governors/%lld\">", n++ ? "" : "<ul class=\"governors\">",
			   (long long)pages_id(g, "id"));
		pages_escape(b, pages_str(g, "name"));
		buf_puts(b, "</a> — ");
		pages_count(b, (long)pages_num(g, "proposals_count"), "proposal", "proposals");
		buf_puts(b, ", ");
		pages_count(b, (long)pages_num(g, "votes_count"), "vote", "votes");
		buf_puts(b, "</li>");
	}
	buf_puts(b, n ? "</ul>\n" : "<p>No governor has joined this team yet. <a href=\"/governance\">"
				    "Join and help write its rules</a>.</p>\n");
	buf_puts(b, "</section>\n");
	cJSON_Delete(govs);
}

/* The rules the team plays under now: those changed from the defaults and
 * the effects in force. */
static void team_regime(pw_app_t *app, pw_buf_t *b)
{
	pw_rules_t now;
	pages_rules_now(app, &now);
	cJSON *rj = rules_to_json(&now);
	buf_puts(b, "<section aria-labelledby=\"regime\"><h2 id=\"regime\">Rules in force</h2>\n");
	pages_rules_regime(b, rj);
	cJSON_Delete(rj);
	cJSON *fx = gov_effects_list_json(app->gov, PW_FX_MASK(PW_FX_ACTIVE));
	const cJSON *e;
	int n = 0;
	cJSON_ArrayForEach(e, fx)
	{
		buf_puts(b, n++ ? ", " : "<p>Effects in force: ");
		pages_escape(b, pages_str(e, "name"));
	}
	buf_puts(b, n ? ". <a href=\"/effects\">What they do</a>.</p>\n" : "<p>No effect is in force.</p>\n");
	cJSON_Delete(fx);
	buf_puts(b, "<p><a href=\"/rules\">Every rule and its history</a>.</p></section>\n");
}

PAGE_HANDLER(page_team)
{
	int64_t id;
	pw_season_row_t cur;
	if (router_param_id(p, "id", &id) < 0 || !pages_season(app, &cur))
		return pages_not_found(res, "team");
	cJSON *t = season_team_json(app->view, cur.id, id);
	if (!t)
		return pages_not_found(res, "team");
	pw_buf_t b = {0};
	pages_begin(&b, pages_str(t, "name"), NULL);
	buf_puts(&b, "<h1>");
	pages_escape(&b, pages_str(t, "name"));
	buf_puts(&b, "</h1>\n<p class=\"lede motto\">“");
	pages_escape(&b, pages_str(t, "motto"));
	buf_puts(&b, "”</p>\n<dl class=\"facts\">");
	const cJSON *rec = cJSON_GetObjectItem(t, "record");
	if (rec) {
		buf_printf(&b, "<dt>Record</dt><dd>%d–%d, rank %d (%d points for, %d against)</dd>",
			   (int)pages_num(rec, "wins"), (int)pages_num(rec, "losses"), (int)pages_num(rec, "rank"),
			   (int)pages_num(rec, "points_for"), (int)pages_num(rec, "points_against"));
	} else {
		buf_puts(&b, "<dt>Record</dt><dd>Not playing this season.</dd>");
	}
	const cJSON *v = cJSON_GetObjectItem(t, "venue");
	buf_puts(&b, "<dt>Venue</dt><dd>");
	pages_escape(&b, pages_str(v, "name"));
	int cap = (int)pages_num(v, "capacity"), alt = (int)pages_num(v, "altitude_ft");
	buf_puts(&b, " (");
	thousands(&b, cap);
	buf_puts(&b, " seats, ");
	thousands(&b, alt);
	buf_puts(&b, " ft up, ");
	pages_escape(&b, pages_str(v, "surface"));
	buf_puts(&b, ")</dd><dt>Strategy</dt><dd>");
	const char *text = pages_str(t, "strategy_text");
	if (text && *text) {
		buf_puts(&b, "“");
		pages_escape(&b, text);
		buf_puts(&b, "”, read as: ");
	}
	strategy_words(&b, cJSON_GetObjectItem(t, "strategy"));
	buf_puts(&b, ".</dd></dl>\n");
	team_governors(app, &b, id);
	team_regime(app, &b);
	buf_puts(&b, "<section aria-labelledby=\"roster\"><h2 id=\"roster\">Roster</h2>\n");
	pages_table_open(&b, "roster", "Hoopers of this team");
	buf_puts(&b, "<thead><tr><th scope=\"col\">Hooper</th><th scope=\"col\">Archetype</th>"
		     "<th scope=\"col\">Role</th><th scope=\"col\">Moves</th></tr></thead><tbody>\n");
	const cJSON *h;
	cJSON_ArrayForEach(h, cJSON_GetObjectItem(t, "hoopers"))
	{
		buf_printf(&b, "<tr><th scope=\"row\"><a href=\"/hoopers/%lld\">", (long long)pages_id(h, "id"));
		pages_escape(&b, pages_str(h, "name"));
		buf_puts(&b, "</a></th><td>");
		pages_words(&b, pages_str(h, "archetype"));
		buf_printf(&b, "</td><td>%s</td><td>", pages_num(h, "is_starter") ? "starter" : "bench");
		moves(&b, h);
		buf_puts(&b, "</td></tr>\n");
	}
	buf_puts(&b, "</tbody>");
	pages_table_close(&b);
	buf_puts(&b, "<div class=\"charts\">\n");
	cJSON_ArrayForEach(h, cJSON_GetObjectItem(t, "hoopers"))
		attr_chart(&b, h);
	buf_puts(&b, "</div></section>\n");
	cJSON_Delete(t);
	return pages_finish(res, &b, 200);
}

/* A hooper's season: totals and per game, then each game. */
static void hooper_season(pw_app_t *app, pw_buf_t *b, int64_t sid, int64_t id)
{
	cJSON *hs = season_hooper_json(app->view, sid, id);
	int games = (int)pages_num(hs, "games");
	buf_puts(b, "<section aria-labelledby=\"stats\"><h2 id=\"stats\">Season stats</h2>\n");
	if (!games) {
		buf_puts(b, "<p>No games played this season yet.</p>\n</section>\n");
		cJSON_Delete(hs);
		return;
	}
	static const char *const keys[] = {"points", "rebounds", "assists", "steals", "turnovers",
					   "fgm", "fga", "tpm", "tpa", "ftm", "fta"};
	static const char *const labels[] = {"Points", "Rebounds", "Assists", "Steals", "Turnovers",
					     "Field goals made", "Field goals tried", "Threes made",
					     "Threes tried", "Free throws made", "Free throws tried"};
	pw_buf_t cap = {0};
	pages_count(&cap, games, "game", "games");
	buf_puts(&cap, " this season");
	pages_table_open(b, "stats", cap.data);
	buf_free(&cap);
	buf_puts(b, "<thead><tr><th scope=\"col\">Stat</th><th scope=\"col\" class=\"num\">Total</th>"
		    "<th scope=\"col\" class=\"num\">Per game</th></tr></thead><tbody>\n");
	const cJSON *tot = cJSON_GetObjectItem(hs, "totals"), *pg = cJSON_GetObjectItem(hs, "per_game");
	for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
		buf_printf(b, "<tr><th scope=\"row\">%s</th><td class=\"num\">%.0f</td><td class=\"num\">%.1f</td></tr>\n",
			   labels[k], pages_num(tot, keys[k]), pages_num(pg, keys[k]));
	buf_puts(b, "</tbody>");
	pages_table_close(b);
	cJSON *teams = store_teams_json(app->view, app->league_id);
	buf_puts(b, "<h3 id=\"log\">Game log</h3>\n");
	pages_table_open(b, "log", "Every game this season");
	buf_puts(b, "<thead><tr><th scope=\"col\">Round</th><th scope=\"col\">Opponent</th>"
		    "<th scope=\"col\">Result</th><th scope=\"col\" class=\"num\">Pts</th>"
		    "<th scope=\"col\" class=\"num\">Reb</th><th scope=\"col\" class=\"num\">Ast</th>"
		    "<th scope=\"col\" class=\"num\">Stl</th><th scope=\"col\" class=\"num\">FG</th>"
		    "<th scope=\"col\" class=\"num\">3P</th></tr></thead><tbody>\n");
	const cJSON *x;
	cJSON_ArrayForEach(x, cJSON_GetObjectItem(hs, "log"))
	{
		char label[64];
		pages_game_label(pages_str(x, "stage"), pages_str(x, "series"), (int)pages_num(x, "series_game"),
				 label, sizeof label);
		buf_printf(b, "<tr><td>%d", (int)pages_num(x, "round"));
		if (pages_str(x, "series"))
			buf_printf(b, " <small>%s</small>", label);
		buf_puts(b, "</td><td>");
		buf_puts(b, cJSON_IsTrue(cJSON_GetObjectItem(x, "home")) ? "vs " : "at ");
		pages_team_link(b, teams, pages_id(x, "opponent_id"));
		buf_printf(b, "</td><td class=\"result\"><a href=\"/games/%lld\">%s %d–%d</a></td>", (long long)pages_id(x, "game_id"),
			   cJSON_IsTrue(cJSON_GetObjectItem(x, "won")) ? "W" : "L", (int)pages_num(x, "team_score"),
			   (int)pages_num(x, "opponent_score"));
		buf_printf(b, "<td class=\"num\">%d</td><td class=\"num\">%d</td><td class=\"num\">%d</td>"
			      "<td class=\"num\">%d</td><td class=\"num\">%d-%d</td><td class=\"num\">%d-%d</td></tr>\n",
			   (int)pages_num(x, "points"), (int)pages_num(x, "rebounds"), (int)pages_num(x, "assists"),
			   (int)pages_num(x, "steals"), (int)pages_num(x, "fgm"), (int)pages_num(x, "fga"),
			   (int)pages_num(x, "tpm"), (int)pages_num(x, "tpa"));
	}
	buf_puts(b, "</tbody>");
	pages_table_close(b);
	buf_puts(b, "</section>\n");
	cJSON_Delete(teams);
	cJSON_Delete(hs);
}

PAGE_HANDLER(page_hooper)
{
	int64_t id, team_id = 0;
	int slot;
	pw_season_row_t cur;
	if (router_param_id(p, "id", &id) < 0 || !pages_season(app, &cur) ||
	    store_hooper_team(app->view, id, &team_id, &slot) != 1)
		return pages_not_found(res, "hooper");
	cJSON *t = season_team_json(app->view, cur.id, team_id);
	const cJSON *h = NULL, *x;
	cJSON_ArrayForEach(x, cJSON_GetObjectItem(t, "hoopers"))
		if (pages_id(x, "id") == id)
			h = x;
	if (!h) {
		cJSON_Delete(t);
		return pages_not_found(res, "hooper");
	}
	pw_buf_t b = {0};
	pages_begin(&b, pages_str(h, "name"), NULL);
	buf_puts(&b, "<h1>");
	pages_escape(&b, pages_str(h, "name"));
	buf_printf(&b, "</h1>\n<p class=\"lede\">%s of <a href=\"/teams/%lld\">",
		   pages_num(h, "is_starter") ? "Starter" : "Bench hooper", (long long)team_id);
	pages_escape(&b, pages_str(t, "name"));
	buf_puts(&b, "</a> · ");
	pages_words(&b, pages_str(h, "archetype"));
	buf_puts(&b, "</p>\n<section aria-labelledby=\"bio\"><h2 id=\"bio\">Bio</h2><p>");
	pages_escape(&b, pages_str(h, "backstory"));
	buf_puts(&b, "</p><p><strong>Moves:</strong> ");
	moves(&b, h);
	buf_puts(&b, "</p></section>\n<section aria-labelledby=\"attrs\"><h2 id=\"attrs\">Attributes</h2>\n");
	attr_chart(&b, h);
	buf_puts(&b, "</section>\n");
	hooper_season(app, &b, cur.id, id);
	cJSON_Delete(t);
	return pages_finish(res, &b, 200);
}
