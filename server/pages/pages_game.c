/*
 * pages_game.c — /games/{id}: score by quarter, box scores, the score-flow
 * chart and the play-by-play. The stored GameResult carries each play's
 * sentence as result_describe_play (core/sim/result.h) wrote it when the game
 * was stored, effect narratives included, so the page shows exactly what
 * the API and the reports say about the same play.
 */
#include <cjson/cJSON.h>
#include <stdlib.h>

#include "server/pages/pages_internal.h"
#include "server/pages/svg.h"

static void box_table(pw_buf_t *b, const cJSON *box, int64_t team_id, const char *team)
{
	buf_puts(b, "<table class=\"box\"><caption>Box score: ");
	pages_escape(b, team);
	buf_puts(b, "</caption>\n<thead><tr><th scope=\"col\">Hooper</th><th scope=\"col\" class=\"num\">Min</th>"
		    "<th scope=\"col\" class=\"num\">Pts</th><th scope=\"col\" class=\"num\">FG</th>"
		    "<th scope=\"col\" class=\"num\">3P</th><th scope=\"col\" class=\"num\">FT</th>"
		    "<th scope=\"col\" class=\"num\">Reb</th><th scope=\"col\" class=\"num\">Ast</th>"
		    "<th scope=\"col\" class=\"num\">Stl</th><th scope=\"col\" class=\"num\">TO</th>"
		    "<th scope=\"col\" class=\"num\">PF</th><th scope=\"col\" class=\"num\">+/-</th></tr></thead><tbody>\n");
	const cJSON *r;
	cJSON_ArrayForEach(r, box)
	{
		if (pages_id(r, "team_id") != team_id)
			continue;
		buf_printf(b, "<tr><th scope=\"row\"><a href=\"/hoopers/%lld\">", (long long)pages_id(r, "hooper_id"));
		pages_escape(b, pages_str(r, "hooper_name"));
		buf_printf(b, "</a></th><td class=\"num\">%.1f</td><td class=\"num\">%d</td>"
			      "<td class=\"num\">%d-%d</td><td class=\"num\">%d-%d</td><td class=\"num\">%d-%d</td>"
			      "<td class=\"num\">%d</td><td class=\"num\">%d</td><td class=\"num\">%d</td>"
			      "<td class=\"num\">%d</td><td class=\"num\">%d</td><td class=\"num\">%+d</td></tr>\n",
			   pages_num(r, "minutes"), (int)pages_num(r, "points"), (int)pages_num(r, "fgm"),
			   (int)pages_num(r, "fga"), (int)pages_num(r, "tpm"), (int)pages_num(r, "tpa"),
			   (int)pages_num(r, "ftm"), (int)pages_num(r, "fta"), (int)pages_num(r, "rebounds"),
			   (int)pages_num(r, "assists"), (int)pages_num(r, "steals"), (int)pages_num(r, "turnovers"),
			   (int)pages_num(r, "fouls"), (int)pages_num(r, "plus_minus"));
	}
	buf_puts(b, "</tbody></table>\n");
}

static void quarters(pw_buf_t *b, const cJSON *g, const char *home, const char *away)
{
	const cJSON *qs = cJSON_GetObjectItem(g, "quarter_scores"), *q;
	buf_puts(b, "<table class=\"quarters\"><caption>Points by quarter</caption><thead><tr>"
		    "<th scope=\"col\">Team</th>");
	int n = cJSON_GetArraySize(qs), i = 0;
	cJSON_ArrayForEach(q, qs)
	{
		i++;
		if (i == n && pages_num(g, "elam_target") > 0)
			buf_puts(b, "<th scope=\"col\" class=\"num\">Elam</th>");
		else
			buf_printf(b, "<th scope=\"col\" class=\"num\">Q%d</th>", (int)pages_num(q, "quarter"));
	}
	buf_puts(b, "<th scope=\"col\" class=\"num\">Final</th></tr></thead><tbody>\n");
	for (int side = 0; side < 2; side++) {
		buf_puts(b, "<tr><th scope=\"row\">");
		pages_escape(b, side ? away : home);
		buf_puts(b, "</th>");
		cJSON_ArrayForEach(q, qs)
			buf_printf(b, "<td class=\"num\">%d</td>", (int)pages_num(q, side ? "away" : "home"));
		buf_printf(b, "<td class=\"num\"><strong>%d</strong></td></tr>\n",
			   (int)pages_num(g, side ? "away_score" : "home_score"));
	}
	buf_puts(b, "</tbody></table>\n");
}

static void flow_chart(pw_buf_t *b, const cJSON *plays, int elam, const char *home, const char *away)
{
	size_t n = (size_t)cJSON_GetArraySize(plays);
	int *hs = calloc(n + 1, sizeof *hs), *as = calloc(n + 1, sizeof *as);
	size_t k = 0;
	const cJSON *pl;
	if (hs && as) {
		cJSON_ArrayForEach(pl, plays)
		{
			hs[k] = (int)pages_num(pl, "home_score");
			as[k] = (int)pages_num(pl, "away_score");
			k++;
		}
	}
	pw_svg_flow_t f = {.home = hs, .away = as, .n = k, .elam_target = elam, .home_name = home,
			   .away_name = away, .id = "flow"};
	svg_score_flow(b, &f);
	free(hs);
	free(as);
}

static void play_by_play(pw_buf_t *b, const cJSON *plays)
{
	buf_puts(b, "<table class=\"plays\"><caption>Play-by-play</caption><thead><tr>"
		    "<th scope=\"col\">Q</th><th scope=\"col\">Clock</th><th scope=\"col\">Play</th>"
		    "<th scope=\"col\" class=\"num\">Score</th></tr></thead><tbody>\n");
	const cJSON *pl;
	cJSON_ArrayForEach(pl, plays)
	{
		const cJSON *clock = cJSON_GetObjectItem(pl, "clock");
		buf_printf(b, "<tr%s><td>%d</td><td>", pages_num(pl, "points") > 0 ? " class=\"score\"" : "",
			   (int)pages_num(pl, "quarter"));
		if (cJSON_IsNumber(clock)) {
			int t = (int)clock->valuedouble;
			buf_printf(b, "%d:%02d", t / 60, t % 60);
		} else {
			buf_puts(b, "Elam");
		}
		buf_puts(b, "</td><td>");
		pages_escape(b, pages_str(pl, "narrative"));
		buf_printf(b, "</td><td class=\"num\">%d–%d</td></tr>\n", (int)pages_num(pl, "home_score"),
			   (int)pages_num(pl, "away_score"));
	}
	buf_puts(b, "</tbody></table>\n");
}

PAGE_HANDLER(page_game)
{
	int64_t id;
	pw_game_row_t row;
	if (router_param_id(p, "id", &id) < 0 || !app->store || store_game_get(app->store, id, &row) != 1)
		return pages_not_found(res, "game");
	char *rules = NULL, *effects = NULL, *home = NULL, *away = NULL, *result = NULL;
	int rc = store_game_snapshots(app->store, id, &rules, &effects, &home, &away, &result);
	cJSON *g = rc >= 0 && result ? cJSON_Parse(result) : NULL;
	cJSON *ht = rc >= 0 && home ? cJSON_Parse(home) : NULL;
	cJSON *at = rc >= 0 && away ? cJSON_Parse(away) : NULL;
	free(rules);
	free(effects);
	free(home);
	free(away);
	free(result);
	if (!g) {
		cJSON_Delete(ht);
		cJSON_Delete(at);
		return pages_not_found(res, "game");
	}
	const char *hn = pages_str(ht, "name") ? pages_str(ht, "name") : "Home";
	const char *an = pages_str(at, "name") ? pages_str(at, "name") : "Away";
	pw_buf_t b = {0};
	pages_begin(&b, "Game", NULL);
	buf_printf(&b, "<h1><a href=\"/teams/%lld\">", (long long)row.home_team_id);
	pages_escape(&b, hn);
	buf_printf(&b, "</a> %d – %d <a href=\"/teams/%lld\">", row.home_score, row.away_score,
		   (long long)row.away_team_id);
	pages_escape(&b, an);
	buf_printf(&b, "</a></h1>\n<p class=\"lede\">Round %d · %s", row.round, row.stage);
	if (row.series[0]) {
		buf_puts(&b, " · series ");
		pages_escape(&b, row.series);
		buf_printf(&b, " game %d", row.series_game);
	}
	buf_puts(&b, " · winner ");
	pages_escape(&b, row.winner_team_id == row.home_team_id ? hn : an);
	int elam = (int)pages_num(g, "elam_target");
	if (elam)
		buf_printf(&b, " · Elam target %d", elam);
	buf_printf(&b, " · %d lead changes, largest lead %d.</p>\n", (int)pages_num(g, "lead_changes"),
		   (int)pages_num(g, "largest_lead"));
	quarters(&b, g, hn, an);
	const cJSON *plays = cJSON_GetObjectItem(g, "plays");
	buf_puts(&b, "<section aria-labelledby=\"flow-h\"><h2 id=\"flow-h\">Score flow</h2>\n");
	flow_chart(&b, plays, elam, hn, an);
	buf_puts(&b, "</section>\n<section aria-labelledby=\"box-h\"><h2 id=\"box-h\">Box scores</h2>\n");
	const cJSON *box = cJSON_GetObjectItem(g, "box_scores");
	box_table(&b, box, row.home_team_id, hn);
	box_table(&b, box, row.away_team_id, an);
	buf_puts(&b, "</section>\n");
	const cJSON *fx = cJSON_GetObjectItem(g, "effects"), *e;
	if (cJSON_GetArraySize(fx) > 0) {
		buf_puts(&b, "<section aria-labelledby=\"fx-h\"><h2 id=\"fx-h\">Effects in this game</h2><ul>");
		cJSON_ArrayForEach(e, fx)
		{
			buf_puts(&b, "<li><a href=\"/effects\">");
			pages_escape(&b, pages_str(e, "effect_id"));
			buf_puts(&b, "</a> on ");
			pages_escape(&b, pages_str(e, "hook"));
			buf_printf(&b, ": fired %d times, %d errors</li>", (int)pages_num(e, "fired"),
				   (int)pages_num(e, "errors"));
		}
		buf_puts(&b, "</ul></section>\n");
	}
	buf_puts(&b, "<section aria-labelledby=\"pbp-h\"><h2 id=\"pbp-h\">Play-by-play</h2>\n");
	play_by_play(&b, plays);
	buf_puts(&b, "</section>\n");
	cJSON_Delete(g);
	cJSON_Delete(ht);
	cJSON_Delete(at);
	return pages_finish(res, &b, 200);
}
