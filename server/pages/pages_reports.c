/*
 * pages_reports.c — /reports (the latest simulation and governance reports
 * and the rounds before), /history (every archived season: its champion)
 * and /history/{season} (one season's archive: champion, awards, the
 * timeline of its rules, key games, final standings, leaders). Read
 * through the viewers' connection: a round being replayed has no reports
 * yet, and a season whose final is being replayed no archive.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/pages/pages_internal.h"

/* "Boise Foxes 69–61 Reno Mirage", the game a commentary is about. */
static void game_line(pw_app_t *app, pw_buf_t *b, int64_t gid, const cJSON *teams)
{
	pw_game_row_t g;
	if (store_game_get(app->view, gid, &g) != 1) {
		buf_printf(b, "<a href=\"/games/%lld\">the game</a>", (long long)gid);
		return;
	}
	const char *hn = pages_team_name(teams, g.home_team_id), *an = pages_team_name(teams, g.away_team_id);
	buf_printf(b, "<a href=\"/games/%lld\">", (long long)gid);
	pages_escape(b, hn ? hn : "Home");
	buf_printf(b, " %d–%d ", g.home_score, g.away_score);
	pages_escape(b, an ? an : "Away");
	buf_puts(b, "</a>");
}

static void reports_list(pw_app_t *app, pw_buf_t *b, const cJSON *reports, bool with_commentary)
{
	cJSON *teams = store_teams_json(app->view, app->league_id);
	const cJSON *r;
	cJSON_ArrayForEach(r, reports)
	{
		const char *kind = pages_str(r, "kind");
		bool commentary = kind && !strcmp(kind, "commentary");
		if (commentary && !with_commentary)
			continue;
		static const struct {
			const char *kind, *title;
		} titles[] = {{"simulation", "The round"}, {"governance", "Governance"},
			      {"commentary", "Commentary"}, {"champion", "The champion"}};
		const char *title = kind;
		for (size_t i = 0; kind && i < sizeof titles / sizeof titles[0]; i++)
			if (!strcmp(kind, titles[i].kind))
				title = titles[i].title;
		buf_puts(b, "<article class=\"report\"><h3>");
		pages_escape(b, title);
		int64_t gid = pages_id(r, "game_id");
		if (gid > 0) {
			buf_puts(b, ": ");
			game_line(app, b, gid, teams);
		}
		buf_puts(b, "</h3><p>");
		pages_escape(b, pages_str(r, "text"));
		buf_puts(b, "</p></article>\n");
	}
	cJSON_Delete(teams);
}

PAGE_HANDLER(page_reports)
{
	pw_buf_t b = {0};
	pages_begin(&b, "Reports", "reports");
	buf_puts(&b, "<h1>Reports</h1>\n");
	pw_season_row_t cur;
	pages_live_note(app, &b);
	if (!pages_season(app, &cur) || cur.current_round < 1) {
		buf_puts(&b, "<p>No round has been played yet; reports appear after each tick.</p>\n");
		return pages_finish(res, &b, 200);
	}
	/* ?round=N: one round's reports (the older rounds' links). */
	char q[16];
	long qn = http_query_param(req->query, "round", q, sizeof q);
	int asked = qn > 0 ? atoi(q) : 0;
	if (asked > 0 && asked <= cur.current_round) {
		cJSON *rep = store_reports_json(app->view, cur.id, asked, 0, false);
		buf_printf(&b, "<section aria-labelledby=\"one\"><h2 id=\"one\">Round %d</h2>\n", asked);
		reports_list(app, &b, rep, true);
		buf_puts(&b, "<p><a href=\"/reports\">The latest reports</a>.</p></section>\n");
		cJSON_Delete(rep);
		return pages_finish(res, &b, 200);
	}
	cJSON *latest = store_reports_json(app->view, cur.id, -1, 0, false);
	int lr = cJSON_GetArraySize(latest) > 0 ? (int)pages_num(cJSON_GetArrayItem(latest, 0), "round") : 0;
	buf_printf(&b, "<section aria-labelledby=\"latest\"><h2 id=\"latest\">Latest: round %d</h2>\n", lr);
	reports_list(app, &b, latest, true);
	buf_puts(&b, "</section>\n");
	cJSON_Delete(latest);
	buf_puts(&b, "<section aria-labelledby=\"past\"><h2 id=\"past\">Past rounds</h2>\n");
	if (lr <= 1)
		buf_puts(&b, "<p>None yet: this is the season's first round.</p>\n");
	/* The last few rounds in full; older ones are a link to the API. */
	for (int r = lr - 1; r >= 1 && r >= lr - 5; r--) {
		cJSON *rep = store_reports_json(app->view, cur.id, r, 0, false);
		buf_printf(&b, "<details><summary>Round %d</summary>\n", r);
		reports_list(app, &b, rep, false);
		buf_puts(&b, "</details>\n");
		cJSON_Delete(rep);
	}
	if (lr > 6) {
		buf_puts(&b, "<p>Older rounds:");
		for (int r = 1; r < lr - 5; r++)
			buf_printf(&b, " <a href=\"/reports?round=%d\">%d</a>", r, r);
		buf_puts(&b, ".</p>\n");
	}
	buf_puts(&b, "</section>\n");
	return pages_finish(res, &b, 200);
}

enum { AWARD_DECIMAL, AWARD_PERCENT, AWARD_COUNT };

/* One award: who won it and by how much (stat named as the archive names
 * it, written as a decimal, a percentage or a whole count). */
static void award(pw_buf_t *b, const cJSON *aw, const char *key, const char *stat, const char *label,
		  const char *unit, int how)
{
	const cJSON *a = cJSON_GetObjectItem(aw, key);
	buf_printf(b, "<dt>%s</dt><dd>", label);
	if (!pages_str(a, "name")) {
		buf_puts(b, "not awarded</dd>");
		return;
	}
	bool governor = pages_id(a, "governor_id") > 0;
	if (pages_id(a, "hooper_id") > 0)
		buf_printf(b, "<a href=\"/hoopers/%lld\">", (long long)pages_id(a, "hooper_id"));
	else if (governor)
		buf_printf(b, "<a href=\"/governors/%lld\">", (long long)pages_id(a, "governor_id"));
	pages_escape(b, pages_str(a, "name"));
	double v = pages_num(a, stat);
	buf_puts(b, pages_id(a, "hooper_id") > 0 || governor ? "</a>" : "");
	if (how == AWARD_PERCENT)
		buf_printf(b, " (%.0f%% %s)</dd>", 100 * v, unit);
	else if (how == AWARD_COUNT)
		buf_printf(b, " (%.0f %s)</dd>", v, unit);
	else
		buf_printf(b, " (%.1f %s)</dd>", v, unit);
}

static cJSON *archive_of(pw_app_t *app, int64_t sid)
{
	char *text = app->view ? store_archive_get(app->view, sid) : NULL;
	cJSON *a = text ? cJSON_Parse(text) : NULL;
	free(text);
	return a;
}

/* A game of the archive as "Home 51–40 Away, round 12 (Final, game 3)". */
static void archive_game(pw_buf_t *b, const cJSON *g, const cJSON *teams)
{
	char label[64];
	pages_game_label(pages_str(g, "stage"), pages_str(g, "series"), (int)pages_num(g, "series_game"), label,
			 sizeof label);
	buf_puts(b, "<li>");
	pages_team_link(b, teams, pages_id(g, "home_team_id"));
	buf_printf(b, " <a href=\"/games/%lld\">%d–%d</a> ", (long long)pages_id(g, "game_id"),
		   (int)pages_num(g, "home_score"), (int)pages_num(g, "away_score"));
	pages_team_link(b, teams, pages_id(g, "away_team_id"));
	buf_printf(b, ", round %d", (int)pages_num(g, "round"));
	if (pages_str(g, "series"))
		buf_printf(b, " (%s)", pages_str(g, "stage") && !strcmp(pages_str(g, "stage"), "playoff") ? label : "");
	buf_puts(b, "</li>");
}

static void archive_games(pw_buf_t *b, const cJSON *kg, const char *key, const char *title, const cJSON *teams)
{
	const cJSON *list = cJSON_GetObjectItem(kg, key), *g;
	if (cJSON_GetArraySize(list) == 0)
		return;
	buf_printf(b, "<h3>%s</h3><ul class=\"key-games\">", title);
	cJSON_ArrayForEach(g, list)
		archive_game(b, g, teams);
	buf_puts(b, "</ul>\n");
}

/* The season's rules as they changed: parameters and effects, in words. */
static void archive_timeline(pw_buf_t *b, const cJSON *tl)
{
	buf_puts(b, "<section aria-labelledby=\"tl\"><h2 id=\"tl\">Timeline of the rules</h2>\n");
	if (cJSON_GetArraySize(tl) == 0) {
		buf_puts(b, "<p>The season was played under the rules it started with.</p></section>\n");
		return;
	}
	buf_puts(b, "<ol class=\"timeline\">");
	const cJSON *x;
	cJSON_ArrayForEach(x, tl)
	{
		const char *kind = pages_str(x, "kind");
		buf_printf(b, "<li>After round %d: ", (int)pages_num(x, "round"));
		if (kind && !strcmp(kind, "effect")) {
			buf_puts(b, "the effect <strong>");
			pages_escape(b, pages_str(x, "name"));
			buf_puts(b, "</strong> began");
		} else if (!pages_rule_change(b, x, "new")) {
			buf_puts(b, "a rule changed");
		}
		if (pages_id(x, "proposal_id") > 0)
			buf_printf(b, " (proposal %lld)", (long long)pages_id(x, "proposal_id"));
		buf_puts(b, "</li>");
	}
	buf_puts(b, "</ol></section>\n");
}

static void champion_line(pw_buf_t *b, const cJSON *a)
{
	const cJSON *ch = cJSON_GetObjectItem(a, "champion");
	if (pages_str(ch, "name")) {
		buf_printf(b, "<a href=\"/teams/%lld\">", (long long)pages_id(ch, "team_id"));
		pages_escape(b, pages_str(ch, "name"));
		buf_puts(b, "</a>");
	} else {
		buf_puts(b, "none");
	}
}

PAGE_HANDLER(page_history)
{
	pw_buf_t b = {0};
	pages_begin(&b, "History", "history");
	buf_puts(&b, "<h1>History</h1>\n<p class=\"lede\">Every season the league has finished, with its "
		     "champion. Each archive keeps the awards, how the rules changed and the games that "
		     "mattered.</p>\n");
	cJSON *seasons = app->view ? store_seasons_json(app->view, app->league_id) : NULL;
	int shown = 0;
	const cJSON *s;
	cJSON_ArrayForEach(s, seasons)
	{
		cJSON *a = archive_of(app, pages_id(s, "id"));
		if (!a)
			continue;
		buf_puts(&b, shown++ ? "" : "<ul class=\"seasons\">");
		buf_printf(&b, "<li><a href=\"/history/%lld\">", (long long)pages_id(s, "id"));
		pages_escape(&b, pages_str(a, "name"));
		buf_puts(&b, "</a>: champion ");
		champion_line(&b, a);
		buf_puts(&b, "</li>");
		cJSON_Delete(a);
	}
	buf_puts(&b, shown ? "</ul>\n" : "<p>No season has been completed and archived yet.</p>\n");
	cJSON_Delete(seasons);
	return pages_finish(res, &b, 200);
}

PAGE_HANDLER(page_archive)
{
	int64_t sid;
	cJSON *a = router_param_id(p, "id", &sid) == 0 ? archive_of(app, sid) : NULL;
	if (!a)
		return pages_not_found(res, "archived season");
	cJSON *teams = store_teams_json(app->view, app->league_id);
	pw_buf_t b = {0};
	pages_begin(&b, pages_str(a, "name"), "history");
	buf_puts(&b, "<h1>");
	pages_escape(&b, pages_str(a, "name"));
	buf_puts(&b, "</h1>\n<p class=\"lede champion\">Champion: ");
	champion_line(&b, a);
	buf_puts(&b, ". <a href=\"/history\">Every season</a>.</p>\n"
		     "<section aria-labelledby=\"aw\"><h2 id=\"aw\">Awards</h2><dl class=\"facts\">");
	const cJSON *aw = cJSON_GetObjectItem(a, "awards");
	award(&b, aw, "mvp", "points_per_game", "Most valuable hooper", "points a game", AWARD_DECIMAL);
	award(&b, aw, "defensive", "steals_per_game", "Defensive hooper", "steals a game", AWARD_DECIMAL);
	award(&b, aw, "most_efficient", "fg_pct", "Most efficient", "of field goals made", AWARD_PERCENT);
	award(&b, aw, "most_active_governor", "proposals_and_votes", "Most active governor",
	      "proposals and votes", AWARD_COUNT);
	award(&b, aw, "coalition_builder", "trades", "Coalition builder", "trades", AWARD_COUNT);
	award(&b, aw, "rule_architect", "pass_rate", "Rule architect", "of proposals passed", AWARD_PERCENT);
	buf_puts(&b, "</dl></section>\n");
	archive_timeline(&b, cJSON_GetObjectItem(a, "rule_timeline"));
	const cJSON *kg = cJSON_GetObjectItem(a, "key_games");
	buf_puts(&b, "<section aria-labelledby=\"kg\"><h2 id=\"kg\">Key games</h2>\n");
	archive_games(&b, kg, "playoffs", "The playoffs", teams);
	archive_games(&b, kg, "closest", "The closest", teams);
	archive_games(&b, kg, "blowouts", "The widest margins", teams);
	buf_puts(&b, "</section>\n<section aria-labelledby=\"fs\"><h2 id=\"fs\">Final standings</h2>\n");
	pages_standings_table(&b, cJSON_GetObjectItem(a, "final_standings"), "Final regular-season standings");
	buf_puts(&b, "</section>\n<section aria-labelledby=\"ld\"><h2 id=\"ld\">Leaders</h2>\n<div class=\"cards\">\n");
	const cJSON *cat;
	cJSON_ArrayForEach(cat, cJSON_GetObjectItem(a, "leaders"))
	{
		char cap[64];
		snprintf(cap, sizeof cap, "Most %s a game", cat->string);
		pages_table_open(&b, "leaders", cap);
		buf_puts(&b, "<thead><tr><th scope=\"col\">Hooper</th><th scope=\"col\" class=\"num\">A game</th>"
			     "</tr></thead><tbody>");
		const cJSON *x;
		cJSON_ArrayForEach(x, cat)
		{
			buf_printf(&b, "<tr><th scope=\"row\"><a href=\"/hoopers/%lld\">", (long long)pages_id(x, "hooper_id"));
			pages_escape(&b, pages_str(x, "name"));
			buf_printf(&b, "</a></th><td class=\"num\">%.1f</td></tr>", pages_num(x, "per_game"));
		}
		buf_puts(&b, "</tbody>");
		pages_table_close(&b);
	}
	buf_puts(&b, "</div></section>\n");
	cJSON_Delete(teams);
	cJSON_Delete(a);
	return pages_finish(res, &b, 200);
}
