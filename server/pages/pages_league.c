/*
 * pages_league.c — /standings, /schedule and /playoffs: the season's read
 * models (core/league/season.h) as tables, read through the viewers'
 * connection: a round being replayed counts when its replay ends.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/league/season.h"
#include "server/pages/pages_internal.h"

bool pages_season(pw_app_t *app, pw_season_row_t *out)
{
	return app->view && season_current(app->view, out) == 1;
}

const char *pages_phase_name(const char *phase)
{
	static const struct {
		const char *phase, *words;
	} names[] = {
		{"setup", "not started yet"},   {"active", "regular season"},
		{"tiebreaker_check", "regular season over"}, {"playoffs", "playoffs"},
		{"championship", "champion crowned"}, {"offseason", "offseason"},
		{"complete", "season over"},
	};
	for (size_t i = 0; phase && i < sizeof names / sizeof names[0]; i++)
		if (!strcmp(phase, names[i].phase))
			return names[i].words;
	return phase ? phase : "";
}

int pages_live_round(pw_app_t *app)
{
	cJSON *live = app_live_arena_json(app, 0);
	int round = live ? (int)pages_num(live, "round") : 0;
	cJSON_Delete(live);
	return round;
}

void pages_live_note(pw_app_t *app, pw_buf_t *b)
{
	int live = pages_live_round(app);
	if (live > 0)
		buf_printf(b, "<p class=\"note\" role=\"status\">Round %d is being played now in "
			      "<a href=\"/arena\">the arena</a>; its results count here when its replay ends.</p>\n",
			   live);
}

void pages_rules_now(pw_app_t *app, pw_rules_t *out)
{
	gov_rules(app->gov, out);
}

void pages_standings_table(pw_buf_t *b, const cJSON *rows, const char *caption)
{
	pages_table_open(b, "standings", caption);
	/* Points for and against ("extra") make way on a phone: the team
	 * page has them. */
	buf_puts(b, "<thead><tr><th scope=\"col\">#</th><th scope=\"col\">Team</th>"
		    "<th scope=\"col\" class=\"num\"><abbr title=\"Wins\">W</abbr></th>"
		    "<th scope=\"col\" class=\"num\"><abbr title=\"Losses\">L</abbr></th>"
		    "<th scope=\"col\" class=\"num extra\"><abbr title=\"Points for\">PF</abbr></th>"
		    "<th scope=\"col\" class=\"num extra\"><abbr title=\"Points against\">PA</abbr></th>"
		    "<th scope=\"col\" class=\"num\"><abbr title=\"Point difference\">Diff</abbr></th>"
		    "<th scope=\"col\">Streak</th></tr></thead><tbody>\n");
	const cJSON *r;
	cJSON_ArrayForEach(r, rows)
	{
		buf_printf(b, "<tr><td>%d</td><th scope=\"row\"><a href=\"/teams/%lld\">", (int)pages_num(r, "rank"),
			   (long long)pages_id(r, "team_id"));
		pages_escape(b, pages_str(r, "name"));
		buf_printf(b, "</a></th><td class=\"num\">%d</td><td class=\"num\">%d</td><td class=\"num extra\">%d</td>"
			      "<td class=\"num extra\">%d</td><td class=\"num\">%+d</td><td>",
			   (int)pages_num(r, "wins"), (int)pages_num(r, "losses"), (int)pages_num(r, "points_for"),
			   (int)pages_num(r, "points_against"), (int)pages_num(r, "point_differential"));
		pages_escape(b, pages_str(r, "streak"));
		buf_puts(b, "</td></tr>\n");
	}
	buf_puts(b, "</tbody>");
	pages_table_close(b);
}

/* The bracket: one table per series with its games and record. */
static void bracket(pw_buf_t *b, const cJSON *br)
{
	const cJSON *champ = cJSON_GetObjectItem(br, "champion");
	if (cJSON_IsObject(champ)) {
		buf_printf(b, "<p class=\"champion\"><strong>Champion:</strong> <a href=\"/teams/%lld\">",
			   (long long)pages_id(champ, "team_id"));
		pages_escape(b, pages_str(champ, "name"));
		buf_puts(b, "</a></p>\n");
	}
	const cJSON *series = cJSON_GetObjectItem(br, "series");
	if (cJSON_GetArraySize(series) == 0) {
		buf_puts(b, "<p>The playoffs have not started: the top teams of the regular season meet when it "
			    "ends.</p>\n");
		return;
	}
	const cJSON *s;
	cJSON_ArrayForEach(s, series)
	{
		const cJSON *hi = cJSON_GetObjectItem(s, "high"), *lo = cJSON_GetObjectItem(s, "low");
		char label[64];
		pages_game_label("playoff", pages_str(s, "id"), 0, label, sizeof label);
		buf_printf(b, "<section class=\"series\"><h3>%s (best of %d)</h3>\n<p>", label,
			   (int)pages_num(s, "best_of"));
		if (hi && lo) {
			buf_printf(b, "(%d) <a href=\"/teams/%lld\">", (int)pages_num(hi, "seed"),
				   (long long)pages_id(hi, "team_id"));
			pages_escape(b, pages_str(hi, "name"));
			buf_printf(b, "</a> <strong>%d–%d</strong> ", (int)pages_num(hi, "wins"), (int)pages_num(lo, "wins"));
			buf_printf(b, "(%d) <a href=\"/teams/%lld\">", (int)pages_num(lo, "seed"),
				   (long long)pages_id(lo, "team_id"));
			pages_escape(b, pages_str(lo, "name"));
			buf_puts(b, "</a>");
		} else {
			buf_puts(b, "Waiting for the earlier round.");
		}
		buf_puts(b, "</p>\n");
		const cJSON *g;
		const cJSON *games = cJSON_GetObjectItem(s, "games");
		if (cJSON_GetArraySize(games) > 0) {
			/* Who won each game, with the winner's score first: a bare
			 * "57–62" does not say which team is which. */
			buf_puts(b, "<ol class=\"games\">");
			cJSON_ArrayForEach(g, games)
			{
				int64_t w = pages_id(g, "winner_team_id");
				bool home_won = w == pages_id(g, "home_team_id");
				int ws = (int)pages_num(g, home_won ? "home_score" : "away_score");
				int ls = (int)pages_num(g, home_won ? "away_score" : "home_score");
				const char *wn = w == pages_id(hi, "team_id") ? pages_str(hi, "name") : pages_str(lo, "name");
				buf_printf(b, "<li><a href=\"/games/%lld\">Game %d</a>: ", (long long)pages_id(g, "game_id"),
					   (int)pages_num(g, "game"));
				pages_escape(b, wn ? wn : "?");
				buf_printf(b, " won %d–%d</li>", ws, ls);
			}
			buf_puts(b, "</ol>\n");
		}
		buf_puts(b, "</section>\n");
	}
}

static int no_season(pw_response_t *res, const char *title, const char *key)
{
	pw_buf_t b = {0};
	pages_begin(&b, title, key);
	buf_puts(&b, "<h1>");
	pages_escape(&b, title);
	buf_puts(&b, "</h1>\n<p>There is no season yet.</p>\n");
	return pages_finish(res, &b, 200);
}

PAGE_HANDLER(page_standings)
{
	pw_season_row_t cur;
	if (!pages_season(app, &cur))
		return no_season(res, "Standings", "standings");
	cJSON *st = season_standings_json(app->view, cur.id);
	pw_buf_t b = {0};
	pages_begin(&b, "Standings", "standings");
	buf_puts(&b, "<h1>Standings</h1>\n<p class=\"lede\">");
	pages_escape(&b, cur.name);
	buf_printf(&b, " · %s · after round %d. Streaks count consecutive wins (W) or losses (L).</p>\n",
		   pages_phase_name(cur.phase), cur.current_round);
	pages_live_note(app, &b);
	buf_puts(&b, "<section aria-labelledby=\"reg\"><h2 id=\"reg\">Regular season</h2>\n");
	pages_standings_table(&b, cJSON_GetObjectItem(st, "regular"), "Regular-season standings");
	buf_puts(&b, "</section>\n<section aria-labelledby=\"po\"><h2 id=\"po\">Playoffs</h2>\n");
	bracket(&b, cJSON_GetObjectItem(st, "playoffs"));
	buf_puts(&b, "</section>\n");
	cJSON_Delete(st);
	return pages_finish(res, &b, 200);
}

PAGE_HANDLER(page_playoffs)
{
	pw_season_row_t cur;
	if (!pages_season(app, &cur))
		return no_season(res, "Playoffs", "playoffs");
	cJSON *br = season_bracket_json(app->view, cur.id);
	pw_buf_t b = {0};
	pages_begin(&b, "Playoffs", "playoffs");
	pages_live_note(app, &b);
	/* A drawn bracket keeps its format; before the draw, the rules say
	 * what it will be. */
	const cJSON *f = cJSON_GetObjectItem(br, "format");
	if (cJSON_IsObject(f)) {
		buf_printf(&b, "<h1>Playoffs</h1>\n<p class=\"lede\">%d teams qualified; every series before "
			       "the final is best of %d, the final best of %d, as drawn after round %d. A change "
			       "to the playoff rules applies to next season's bracket.</p>\n",
			   (int)pages_num(f, "bracket_teams"), (int)pages_num(f, "semis_best_of"),
			   (int)pages_num(f, "finals_best_of"), (int)pages_num(f, "round"));
	} else {
		pw_rules_t rules;
		pages_rules_now(app, &rules);
		buf_printf(&b, "<h1>Playoffs</h1>\n<p class=\"lede\">When the regular season ends, %d teams "
			       "qualify; series before the final are best of %d, the final best of %d (rules the "
			       "league can change until the bracket is drawn).</p>\n",
			   rules.playoff_teams, rules.playoff_semis_best_of, rules.playoff_finals_best_of);
	}
	bracket(&b, br);
	cJSON_Delete(br);
	return pages_finish(res, &b, 200);
}

/* The games the presenter is showing: (round, home, away) → game id, so
 * the schedule can say "playing now" where its results are not out yet. */
static int64_t live_game(const cJSON *live, int round, int64_t home, int64_t away)
{
	const cJSON *g;
	cJSON_ArrayForEach(g, cJSON_GetObjectItem(live, "games"))
		if ((int)pages_num(g, "round") == round && pages_id(g, "home_team_id") == home &&
		    pages_id(g, "away_team_id") == away)
			return pages_id(g, "game_id");
	return 0;
}

PAGE_HANDLER(page_schedule)
{
	pw_season_row_t cur;
	if (!pages_season(app, &cur))
		return no_season(res, "Schedule", "schedule");
	cJSON *sched = store_schedule_json(app->view, cur.id);
	cJSON *teams = store_teams_json(app->view, app->league_id);
	cJSON *live = app_live_arena_json(app, 0);
	pw_buf_t b = {0};
	pages_begin(&b, "Schedule", "schedule");
	buf_puts(&b, "<h1>Schedule</h1>\n<p class=\"lede\">Every tick plays one round. Results link to the "
		     "box score and play-by-play.</p>\n");
	int round = -1;
	const cJSON *g;
	cJSON_ArrayForEach(g, sched)
	{
		int r = (int)pages_num(g, "round");
		if (r != round) {
			if (round >= 0) {
				buf_puts(&b, "</tbody>");
				pages_table_close(&b);
			}
			round = r;
			char cap[64];
			snprintf(cap, sizeof cap, "Round %d%s", r, r <= cur.current_round ? " (played)"
				 : r == pages_live_round(app) ? " (playing now)" : "");
			pages_table_open(&b, "round", cap);
			buf_puts(&b, "<thead><tr><th scope=\"col\">Home</th><th scope=\"col\">Away</th>"
				     "<th scope=\"col\">Result</th></tr></thead><tbody>\n");
		}
		buf_puts(&b, "<tr><td>");
		pages_team_link(&b, teams, pages_id(g, "home_team_id"));
		buf_puts(&b, "</td><td>");
		pages_team_link(&b, teams, pages_id(g, "away_team_id"));
		buf_puts(&b, "</td><td>");
		int64_t gid = pages_id(g, "game_id");
		int64_t now = gid > 0 ? 0 : live_game(live, r, pages_id(g, "home_team_id"), pages_id(g, "away_team_id"));
		char label[64] = "";
		if (pages_str(g, "series"))
			pages_game_label("playoff", pages_str(g, "series"), (int)pages_num(g, "series_game"), label,
					 sizeof label);
		if (gid > 0)
			buf_printf(&b, "<a href=\"/games/%lld\">%d–%d</a>", (long long)gid,
				   (int)pages_num(g, "home_score"), (int)pages_num(g, "away_score"));
		else if (now > 0)
			buf_printf(&b, "<a href=\"/games/%lld\">playing now</a>", (long long)now);
		else
			buf_puts(&b, "to play");
		if (label[0])
			buf_printf(&b, " <small>%s</small>", label);
		buf_puts(&b, "</td></tr>\n");
	}
	if (round >= 0) {
		buf_puts(&b, "</tbody>");
		pages_table_close(&b);
	} else {
		buf_puts(&b, "<p>No games are scheduled yet.</p>\n");
	}
	cJSON_Delete(live);
	cJSON_Delete(sched);
	cJSON_Delete(teams);
	return pages_finish(res, &b, 200);
}
