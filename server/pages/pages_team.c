/*
 * pages_team.c — /teams/{id} (roster with attribute charts, record,
 * strategy, venue, motto) and /hoopers/{id} (attributes, moves, season
 * stats, bio). A governor's profile is pages_profile.c.
 */
#include <cjson/cJSON.h>
#include <stdio.h>

#include "core/league/season.h"
#include "server/pages/pages_internal.h"
#include "server/pages/svg.h"

/* A hooper's attributes as a bar chart (0–100). */
static void attr_chart(pw_buf_t *b, const cJSON *h)
{
	pw_svg_bar_t bars[16];
	size_t n = 0;
	const cJSON *a;
	cJSON_ArrayForEach(a, cJSON_GetObjectItem(h, "attributes"))
	{
		if (n == sizeof bars / sizeof bars[0] || !cJSON_IsNumber(a))
			continue;
		bars[n].label = a->string;
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

PAGE_HANDLER(page_team)
{
	int64_t id;
	pw_season_row_t cur;
	if (router_param_id(p, "id", &id) < 0 || !pages_season(app, &cur))
		return pages_not_found(res, "team");
	cJSON *t = season_team_json(app->store, cur.id, id);
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
	buf_printf(&b, "<dt>Record</dt><dd>%d–%d (rank %d, %d points for, %d against)</dd>",
		   (int)pages_num(rec, "wins"), (int)pages_num(rec, "losses"), (int)pages_num(rec, "rank"),
		   (int)pages_num(rec, "points_for"), (int)pages_num(rec, "points_against"));
	const cJSON *v = cJSON_GetObjectItem(t, "venue");
	buf_puts(&b, "<dt>Venue</dt><dd>");
	pages_escape(&b, pages_str(v, "name"));
	buf_printf(&b, " (capacity %d, altitude %d ft, ", (int)pages_num(v, "capacity"),
		   (int)pages_num(v, "altitude_ft"));
	pages_escape(&b, pages_str(v, "surface"));
	buf_puts(&b, ")</dd><dt>Strategy</dt><dd>");
	const cJSON *st = cJSON_GetObjectItem(t, "strategy");
	const char *text = pages_str(t, "strategy_text");
	if (text && *text) {
		pages_escape(&b, text);
		buf_puts(&b, " — ");
	}
	const cJSON *x;
	bool first = true;
	cJSON_ArrayForEach(x, st)
	{
		if (!cJSON_IsNumber(x))
			continue;
		buf_puts(&b, first ? "" : ", ");
		pages_escape(&b, x->string);
		buf_printf(&b, " %g", x->valuedouble);
		first = false;
	}
	buf_puts(&b, "</dd></dl>\n<section aria-labelledby=\"roster\"><h2 id=\"roster\">Roster</h2>\n"
		     "<table><caption>Hoopers of this team</caption><thead><tr><th scope=\"col\">Hooper</th>"
		     "<th scope=\"col\">Archetype</th><th scope=\"col\">Role</th><th scope=\"col\">Moves</th>"
		     "</tr></thead><tbody>\n");
	const cJSON *h;
	cJSON_ArrayForEach(h, cJSON_GetObjectItem(t, "hoopers"))
	{
		buf_printf(&b, "<tr><th scope=\"row\"><a href=\"/hoopers/%lld\">", (long long)pages_id(h, "id"));
		pages_escape(&b, pages_str(h, "name"));
		buf_puts(&b, "</a></th><td>");
		pages_escape(&b, pages_str(h, "archetype"));
		buf_printf(&b, "</td><td>%s</td><td>", pages_num(h, "is_starter") ? "starter" : "bench");
		moves(&b, h);
		buf_puts(&b, "</td></tr>\n");
	}
	buf_puts(&b, "</tbody></table>\n<div class=\"charts\">\n");
	cJSON_ArrayForEach(h, cJSON_GetObjectItem(t, "hoopers"))
		attr_chart(&b, h);
	buf_puts(&b, "</div></section>\n");
	cJSON_Delete(t);
	return pages_finish(res, &b, 200);
}

PAGE_HANDLER(page_hooper)
{
	int64_t id, team_id = 0;
	int slot;
	pw_season_row_t cur;
	if (router_param_id(p, "id", &id) < 0 || !pages_season(app, &cur) ||
	    store_hooper_team(app->store, id, &team_id, &slot) != 1)
		return pages_not_found(res, "hooper");
	cJSON *t = season_team_json(app->store, cur.id, team_id);
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
	pages_escape(&b, pages_str(h, "archetype"));
	buf_puts(&b, "</p>\n<section aria-labelledby=\"bio\"><h2 id=\"bio\">Bio</h2><p>");
	pages_escape(&b, pages_str(h, "backstory"));
	buf_puts(&b, "</p><p><strong>Moves:</strong> ");
	moves(&b, h);
	buf_puts(&b, "</p></section>\n<section aria-labelledby=\"attrs\"><h2 id=\"attrs\">Attributes</h2>\n");
	attr_chart(&b, h);
	buf_puts(&b, "</section>\n");

	/* Season totals from the box scores. */
	int games = 0;
	double tot[9] = {0};
	static const char *const keys[] = {"points", "rebounds", "assists", "steals", "turnovers",
					   "fgm", "fga", "tpm", "tpa"};
	cJSON *box = store_season_box_json(app->store, cur.id);
	cJSON_ArrayForEach(x, box)
	{
		if (pages_id(x, "hooper_id") != id)
			continue;
		games++;
		for (int k = 0; k < 9; k++)
			tot[k] += pages_num(x, keys[k]);
	}
	cJSON_Delete(box);
	buf_puts(&b, "<section aria-labelledby=\"stats\"><h2 id=\"stats\">Season stats</h2>\n");
	if (!games) {
		buf_puts(&b, "<p>No games played this season yet.</p>\n");
	} else {
		buf_printf(&b, "<table><caption>%d games this season</caption><thead><tr>"
			       "<th scope=\"col\">Stat</th><th scope=\"col\" class=\"num\">Total</th>"
			       "<th scope=\"col\" class=\"num\">Per game</th></tr></thead><tbody>\n", games);
		static const char *const labels[] = {"Points", "Rebounds", "Assists", "Steals", "Turnovers",
						     "Field goals made", "Field goals tried", "Threes made",
						     "Threes tried"};
		for (int k = 0; k < 9; k++)
			buf_printf(&b, "<tr><th scope=\"row\">%s</th><td class=\"num\">%.0f</td>"
				       "<td class=\"num\">%.1f</td></tr>\n", labels[k], tot[k], tot[k] / games);
		buf_puts(&b, "</tbody></table>\n");
	}
	buf_puts(&b, "</section>\n");
	cJSON_Delete(t);
	return pages_finish(res, &b, 200);
}
