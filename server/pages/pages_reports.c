/*
 * pages_reports.c — /reports (the latest simulation and governance reports
 * and the rounds before) and /history (archived seasons: champion, awards,
 * leaders).
 */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "server/pages/pages_internal.h"

static void reports_list(pw_buf_t *b, const cJSON *reports, bool with_commentary)
{
	const cJSON *r;
	cJSON_ArrayForEach(r, reports)
	{
		const char *kind = pages_str(r, "kind");
		bool commentary = kind && !strcmp(kind, "commentary");
		if (commentary && !with_commentary)
			continue;
		buf_puts(b, "<article class=\"report\"><h3>");
		pages_escape(b, kind);
		int64_t gid = pages_id(r, "game_id");
		if (gid > 0)
			buf_printf(b, " · <a href=\"/games/%lld\">game %lld</a>", (long long)gid, (long long)gid);
		buf_puts(b, "</h3><p>");
		pages_escape(b, pages_str(r, "text"));
		buf_puts(b, "</p></article>\n");
	}
}

PAGE_HANDLER(page_reports)
{
	pw_buf_t b = {0};
	pages_begin(&b, "Reports", "reports");
	buf_puts(&b, "<h1>Reports</h1>\n");
	pw_season_row_t cur;
	if (!pages_season(app, &cur) || cur.current_round < 1) {
		buf_puts(&b, "<p>No round has been played yet; reports appear after each tick.</p>\n");
		return pages_finish(res, &b, 200);
	}
	cJSON *latest = store_reports_json(app->store, cur.id, -1, 0, false);
	int lr = cJSON_GetArraySize(latest) > 0 ? (int)pages_num(cJSON_GetArrayItem(latest, 0), "round") : 0;
	buf_printf(&b, "<section aria-labelledby=\"latest\"><h2 id=\"latest\">Latest: round %d</h2>\n", lr);
	reports_list(&b, latest, true);
	buf_puts(&b, "</section>\n");
	cJSON_Delete(latest);
	buf_puts(&b, "<section aria-labelledby=\"past\"><h2 id=\"past\">Past rounds</h2>\n");
	/* The last few rounds in full; older ones are a link to the API. */
	for (int r = lr - 1; r >= 1 && r >= lr - 5; r--) {
		cJSON *rep = store_reports_json(app->store, cur.id, r, 0, false);
		buf_printf(&b, "<details><summary>Round %d</summary>\n", r);
		reports_list(&b, rep, false);
		buf_puts(&b, "</details>\n");
		cJSON_Delete(rep);
	}
	if (lr > 6)
		buf_printf(&b, "<p>Older rounds: <code>GET /api/reports/round/%lld/{round}</code>.</p>\n",
			   (long long)cur.id);
	buf_puts(&b, "</section>\n");
	return pages_finish(res, &b, 200);
}

static void award(pw_buf_t *b, const cJSON *aw, const char *key, const char *label, const char *stat)
{
	const cJSON *a = cJSON_GetObjectItem(aw, key);
	buf_printf(b, "<dt>%s</dt><dd>", label);
	if (!pages_str(a, "name")) {
		buf_puts(b, "not awarded</dd>");
		return;
	}
	if (pages_id(a, "hooper_id") > 0)
		buf_printf(b, "<a href=\"/hoopers/%lld\">", (long long)pages_id(a, "hooper_id"));
	pages_escape(b, pages_str(a, "name"));
	buf_printf(b, "%s (%g %s)</dd>", pages_id(a, "hooper_id") > 0 ? "</a>" : "", pages_num(a, stat), stat);
}

PAGE_HANDLER(page_history)
{
	pw_buf_t b = {0};
	pages_begin(&b, "History", "history");
	buf_puts(&b, "<h1>History</h1>\n");
	cJSON *seasons = app->store ? store_seasons_json(app->store, app->league_id) : NULL;
	int shown = 0;
	const cJSON *s;
	cJSON_ArrayForEach(s, seasons)
	{
		char *text = store_archive_get(app->store, pages_id(s, "id"));
		cJSON *a = text ? cJSON_Parse(text) : NULL;
		free(text);
		if (!a)
			continue;
		shown++;
		buf_puts(&b, "<section class=\"season\"><h2>");
		pages_escape(&b, pages_str(a, "name"));
		buf_puts(&b, "</h2>\n<dl class=\"facts\"><dt>Champion</dt><dd>");
		const cJSON *ch = cJSON_GetObjectItem(a, "champion");
		if (pages_str(ch, "name")) {
			buf_printf(&b, "<a href=\"/teams/%lld\">", (long long)pages_id(ch, "team_id"));
			pages_escape(&b, pages_str(ch, "name"));
			buf_puts(&b, "</a>");
		} else {
			buf_puts(&b, "none");
		}
		buf_puts(&b, "</dd>");
		const cJSON *aw = cJSON_GetObjectItem(a, "awards");
		award(&b, aw, "mvp", "MVP", "points_per_game");
		award(&b, aw, "defensive", "Defensive hooper", "steals_per_game");
		award(&b, aw, "most_efficient", "Most efficient", "fg_pct");
		award(&b, aw, "most_active_governor", "Most active governor", "proposals_and_votes");
		award(&b, aw, "rule_architect", "Rule architect", "pass_rate");
		buf_puts(&b, "</dl>\n");
		const cJSON *lead = cJSON_GetObjectItem(a, "leaders"), *cat;
		cJSON_ArrayForEach(cat, lead)
		{
			buf_puts(&b, "<table class=\"leaders\"><caption>Leaders: ");
			pages_escape(&b, cat->string);
			buf_puts(&b, " per game</caption><thead><tr><th scope=\"col\">Hooper</th>"
				     "<th scope=\"col\" class=\"num\">Per game</th></tr></thead><tbody>");
			const cJSON *x;
			cJSON_ArrayForEach(x, cat)
			{
				buf_printf(&b, "<tr><th scope=\"row\"><a href=\"/hoopers/%lld\">",
					   (long long)pages_id(x, "hooper_id"));
				pages_escape(&b, pages_str(x, "name"));
				buf_printf(&b, "</a></th><td class=\"num\">%.2f</td></tr>", pages_num(x, "per_game"));
			}
			buf_puts(&b, "</tbody></table>\n");
		}
		pages_standings_table(&b, cJSON_GetObjectItem(a, "final_standings"), "Final regular-season standings");
		buf_puts(&b, "</section>\n");
		cJSON_Delete(a);
	}
	if (!shown)
		buf_puts(&b, "<p>No season has been completed and archived yet.</p>\n");
	cJSON_Delete(seasons);
	return pages_finish(res, &b, 200);
}
