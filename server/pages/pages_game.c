/*
 * pages_game.c — /games/{id}: score by quarter, the commentary, the
 * score-flow chart, box scores, the rules and effects the game was played
 * under, and the play-by-play. The stored GameResult carries each play's
 * sentence as result_describe_play (core/sim/result.h) wrote it when the game
 * was stored, effect narratives included, so the page shows exactly what
 * the API and the reports say about the same play.
 *
 * No spoilers: the page reads the viewers' connection. A game still being
 * replayed shows as live — the teams, the score and plays so far, a link to
 * the arena — and never its final score.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/league/game_text.h"
#include "server/pages/pages_internal.h"
#include "server/pages/svg.h"

static void box_table(pw_buf_t *b, const cJSON *box, int64_t team_id, const char *team)
{
	char cap[160];
	snprintf(cap, sizeof cap, "Box score: %s", team);
	pages_table_open(b, "box", cap);
	buf_puts(b, "<thead><tr><th scope=\"col\">Hooper</th><th scope=\"col\" class=\"num\">Min</th>"
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
	buf_puts(b, "</tbody>");
	pages_table_close(b);
}

static void quarters(pw_buf_t *b, const cJSON *g, const char *home, const char *away)
{
	const cJSON *qs = cJSON_GetObjectItem(g, "quarter_scores"), *q;
	pages_table_open(b, "quarters", "Points by quarter");
	buf_puts(b, "<thead><tr><th scope=\"col\">Team</th>");
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
	buf_puts(b, "</tbody>");
	pages_table_close(b);
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

/* "Q2 4:05", or "Elam" for the untimed period. */
static void clock_text(pw_buf_t *b, const cJSON *pl)
{
	const cJSON *clock = cJSON_GetObjectItem(pl, "clock");
	if (cJSON_IsNumber(clock)) {
		int t = (int)clock->valuedouble;
		buf_printf(b, "%d:%02d", t / 60, t % 60);
	} else {
		buf_puts(b, "Elam");
	}
}

static void play_by_play(pw_buf_t *b, const cJSON *plays)
{
	pages_table_open(b, "plays", "Play-by-play");
	buf_puts(b, "<thead><tr><th scope=\"col\">Q</th><th scope=\"col\">Clock</th><th scope=\"col\">Play</th>"
		    "<th scope=\"col\" class=\"num\">Score</th></tr></thead><tbody>\n");
	const cJSON *pl;
	cJSON_ArrayForEach(pl, plays)
	{
		buf_printf(b, "<tr%s><td>%d</td><td>", pages_num(pl, "points") > 0 ? " class=\"score\"" : "",
			   (int)pages_num(pl, "quarter"));
		clock_text(b, pl);
		buf_puts(b, "</td><td>");
		pages_escape(b, pages_str(pl, "narrative"));
		buf_printf(b, "</td><td class=\"num\">%d–%d</td></tr>\n", (int)pages_num(pl, "home_score"),
			   (int)pages_num(pl, "away_score"));
	}
	buf_puts(b, "</tbody>");
	pages_table_close(b);
}

/* The commentary written for this game (reports of its round). */
static void commentary(pw_app_t *app, pw_buf_t *b, const pw_game_row_t *row)
{
	cJSON *reps = store_reports_json(app->view, row->season_id, row->round, 0, false);
	const cJSON *r;
	bool any = false;
	cJSON_ArrayForEach(r, reps)
	{
		const char *kind = pages_str(r, "kind");
		if (!kind || strcmp(kind, "commentary") || pages_id(r, "game_id") != row->id)
			continue;
		if (!any)
			buf_puts(b, "<section aria-labelledby=\"com-h\"><h2 id=\"com-h\">Commentary</h2>\n");
		any = true;
		buf_puts(b, "<p class=\"commentary\">");
		pages_escape(b, pages_str(r, "text"));
		buf_puts(b, "</p>\n");
	}
	if (any)
		buf_puts(b, "</section>\n");
	cJSON_Delete(reps);
}

/* The rules the game was played under (its stored snapshot) and the
 * effects that ran in it, with what each did. */
static void regime(pw_app_t *app, pw_buf_t *b, const cJSON *g)
{
	buf_puts(b, "<section aria-labelledby=\"rules-h\"><h2 id=\"rules-h\">Rules and effects in force</h2>\n");
	pages_rules_regime(b, cJSON_GetObjectItem(g, "rules"));
	const cJSON *fx = cJSON_GetObjectItem(g, "effects"), *e;
	if (cJSON_GetArraySize(fx) == 0) {
		buf_puts(b, "<p>No effect ran in this game.</p>\n");
	} else {
		buf_puts(b, "<ul class=\"effects-in-game\">");
		cJSON_ArrayForEach(e, fx)
		{
			const char *fid = pages_str(e, "effect_id");
			cJSON *ef = fid ? gov_effect_json(app->gov, fid) : NULL;
			buf_puts(b, "<li><a href=\"/effects\">");
			pages_escape(b, pages_str(ef, "name") ? pages_str(ef, "name") : fid);
			buf_puts(b, "</a> (at <code>");
			pages_escape(b, pages_str(e, "hook"));
			buf_puts(b, "</code>): fired ");
			pages_count(b, (long)pages_num(e, "fired"), "time", "times");
			if (pages_num(e, "errors") > 0) {
				buf_puts(b, ", ");
				pages_count(b, (long)pages_num(e, "errors"), "error", "errors");
			}
			buf_puts(b, "</li>");
			cJSON_Delete(ef);
		}
		buf_puts(b, "</ul>\n");
	}
	buf_puts(b, "</section>\n");
}

/* A game being replayed: the teams, where it stands, the plays so far. */
static int game_live(pw_app_t *app, pw_response_t *res, const pw_game_row_t *row, cJSON *live)
{
	const char *hn = pages_str(live, "home_team_name"), *an = pages_str(live, "away_team_name");
	pw_buf_t b = {0};
	char title[200];
	snprintf(title, sizeof title, "%s vs %s (live)", hn ? hn : "Home", an ? an : "Away");
	pages_begin(&b, title, NULL);
	buf_printf(&b, "<h1><a href=\"/teams/%lld\">", (long long)row->home_team_id);
	pages_escape(&b, hn);
	buf_printf(&b, "</a> vs <a href=\"/teams/%lld\">", (long long)row->away_team_id);
	pages_escape(&b, an);
	buf_puts(&b, "</a></h1>\n<p class=\"lede\">");
	pages_escape(&b, pages_str(live, "label"));
	buf_printf(&b, " · round %d. <strong>Being played now</strong>: its result shows here when its "
		       "replay ends. <a href=\"/arena\">Watch it in the arena</a>.</p>\n", row->round);
	buf_printf(&b, "<p class=\"live-score\" aria-label=\"Score so far\"><span>%d</span>–<span>%d</span> "
		       "<span class=\"muted\">", (int)pages_num(live, "home_score"), (int)pages_num(live, "away_score"));
	const cJSON *latest = cJSON_GetObjectItem(live, "latest");
	const cJSON *last = cJSON_GetArrayItem(latest, 0);
	if (last) {
		buf_printf(&b, "Q%d ", (int)pages_num(last, "quarter"));
		clock_text(&b, last);
	} else {
		buf_puts(&b, "tip-off");
	}
	buf_puts(&b, "</span></p>\n");
	if (cJSON_GetArraySize(latest) > 0) {
		buf_puts(&b, "<section aria-labelledby=\"so-far\"><h2 id=\"so-far\">Latest plays</h2><ol class=\"plays-live\">");
		const cJSON *pl;
		cJSON_ArrayForEach(pl, latest)
		{
			buf_puts(&b, "<li>");
			pages_escape(&b, pages_str(pl, "narrative"));
			buf_puts(&b, "</li>");
		}
		buf_puts(&b, "</ol></section>\n");
	}
	cJSON_Delete(live);
	return pages_finish(res, &b, 200);
}

/* A game stored but not shown yet, and not being replayed (its round's
 * tick has not finished): there and nothing more. */
static int game_pending(pw_app_t *app, pw_response_t *res, const pw_game_row_t *row)
{
	pw_buf_t b = {0};
	pages_begin(&b, "Game to be shown", NULL);
	buf_puts(&b, "<h1>");
	cJSON *teams = store_teams_json(app->view, app->league_id);
	pages_team_link(&b, teams, row->home_team_id);
	buf_puts(&b, " vs ");
	pages_team_link(&b, teams, row->away_team_id);
	cJSON_Delete(teams);
	buf_printf(&b, "</h1>\n<p class=\"lede\">Round %d has been played and will be shown in "
		       "<a href=\"/arena\">the arena</a> shortly.</p>\n", row->round);
	return pages_finish(res, &b, 200);
}

PAGE_HANDLER(page_game)
{
	int64_t id;
	pw_game_row_t row;
	if (router_param_id(p, "id", &id) < 0 || !app->view)
		return pages_not_found(res, "game");
	if (store_game_get(app->view, id, &row) != 1) {
		cJSON *live = app_live_game_json(app, id, 10);
		if (live && store_game_get(app->store, id, &row) == 1)
			return game_live(app, res, &row, live);
		cJSON_Delete(live);
		if (store_game_get(app->store, id, &row) == 1 && row.unpresented)
			return game_pending(app, res, &row);
		return pages_not_found(res, "game");
	}
	char *home = NULL, *away = NULL, *result = NULL, err[256];
	int rc = store_game_snapshots(app->view, id, NULL, NULL, &home, &away, NULL);
	if (rc >= 0 && game_text_get(app->view, app->games, id, &result, err, sizeof err) < 0)
		log_event(&app->log, PW_LOG_ERROR, "game.unreadable", "%s", err);
	cJSON *g = rc >= 0 && result ? cJSON_Parse(result) : NULL;
	cJSON *ht = rc >= 0 && home ? cJSON_Parse(home) : NULL;
	cJSON *at = rc >= 0 && away ? cJSON_Parse(away) : NULL;
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
	char title[200], label[64];
	snprintf(title, sizeof title, "%s %d–%d %s", hn, row.home_score, row.away_score, an);
	pages_begin(&b, title, NULL);
	buf_printf(&b, "<h1><a href=\"/teams/%lld\">", (long long)row.home_team_id);
	pages_escape(&b, hn);
	buf_printf(&b, "</a> %d – %d <a href=\"/teams/%lld\">", row.home_score, row.away_score,
		   (long long)row.away_team_id);
	pages_escape(&b, an);
	pages_game_label(row.stage, row.series, row.series_game, label, sizeof label);
	buf_printf(&b, "</a></h1>\n<p class=\"lede\">Round %d · %s · ", row.round, label);
	pages_escape(&b, row.winner_team_id == row.home_team_id ? hn : an);
	buf_puts(&b, " won");
	int elam = (int)pages_num(g, "elam_target");
	if (elam)
		buf_printf(&b, " · Elam target %d", elam);
	buf_puts(&b, " · ");
	pages_count(&b, (long)pages_num(g, "lead_changes"), "lead change", "lead changes");
	buf_printf(&b, ", largest lead %d.</p>\n", (int)pages_num(g, "largest_lead"));
	quarters(&b, g, hn, an);
	commentary(app, &b, &row);
	const cJSON *plays = cJSON_GetObjectItem(g, "plays");
	buf_puts(&b, "<section aria-labelledby=\"flow-h\"><h2 id=\"flow-h\">Score flow</h2>\n");
	flow_chart(&b, plays, elam, hn, an);
	buf_puts(&b, "</section>\n<section aria-labelledby=\"box-h\"><h2 id=\"box-h\">Box scores</h2>\n");
	const cJSON *box = cJSON_GetObjectItem(g, "box_scores");
	box_table(&b, box, row.home_team_id, hn);
	box_table(&b, box, row.away_team_id, an);
	buf_puts(&b, "</section>\n");
	regime(app, &b, g);
	buf_puts(&b, "<section aria-labelledby=\"pbp-h\"><h2 id=\"pbp-h\">Play-by-play</h2>\n");
	play_by_play(&b, plays);
	buf_puts(&b, "</section>\n");
	cJSON_Delete(g);
	cJSON_Delete(ht);
	cJSON_Delete(at);
	return pages_finish(res, &b, 200);
}
