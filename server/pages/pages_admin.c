/*
 * pages_admin.c — /admin: the review queue (held and flagged proposals)
 * with the exact requests that clear, veto or approve them, the effects in
 * force and those switched off (with why, and a button to switch each
 * back on or off), the governor roster with token balances, the pace, and
 * AI usage. The page is guarded like the admin API (app_require_admin);
 * the actions stay API calls with the admin bearer token, because an HTML
 * form cannot send one: each is shown as its curl command, and the buttons
 * (/static/admin.js) send the same JSON request from the page.
 */
#include <cjson/cJSON.h>
#include <string.h>

#include "server/pages/pages_internal.h"

static void review_queue(pw_app_t *app, pw_buf_t *b)
{
	cJSON *all = gov_proposals_json(app->gov, 0, NULL);
	buf_puts(b, "<section aria-labelledby=\"queue\"><h2 id=\"queue\">Review queue</h2>\n");
	int n = 0;
	const cJSON *p;
	cJSON_ArrayForEach(p, all)
	{
		int st = gstate_status_find(pages_str(p, "status"));
		bool held = st == PW_PROP_HELD;
		bool flagged = pages_num(p, "flagged") != 0 && (st == PW_PROP_OPEN || st == PW_PROP_DRAFT);
		if (!held && !flagged)
			continue;
		long long id = (long long)pages_id(p, "id");
		n++;
		buf_printf(b, "<article class=\"review\"><h3>Proposal %lld <span class=\"tag\">%s</span></h3><p>", id,
			   held ? "held for approval" : "flagged");
		pages_escape(b, pages_str(p, "text"));
		buf_puts(b, "</p><p>Interpretation: ");
		pages_escape(b, pages_str(cJSON_GetObjectItem(p, "interpretation"), "note"));
		buf_puts(b, "</p>\n<pre><code>");
		if (held)
			buf_printf(b, "curl -X POST -H 'Authorization: Bearer $PINWHEEL_ADMIN_TOKEN' "
				      "http://HOST/api/admin/proposals/%lld/approve\n", id);
		else
			buf_printf(b, "curl -X POST -H 'Authorization: Bearer $PINWHEEL_ADMIN_TOKEN' "
				      "http://HOST/api/admin/proposals/%lld/clear\n", id);
		buf_printf(b, "curl -X POST -H 'Authorization: Bearer $PINWHEEL_ADMIN_TOKEN' "
			      "-H 'Content-Type: application/json' -d '{\"reason\":\"...\"}' "
			      "http://HOST/api/admin/proposals/%lld/veto</code></pre></article>\n", id);
	}
	if (!n)
		buf_puts(b, "<p>Nothing waits for review.</p>\n");
	buf_puts(b, "</section>\n");
	cJSON_Delete(all);
}

/* One effect's enable/disable action: a reason field, the button, and the
 * request it sends. */
static void effect_action(pw_buf_t *b, const char *id, bool enable)
{
	const char *verb = enable ? "enable" : "disable";
	buf_puts(b, "<div class=\"admin-action\"><label>Reason <input type=\"text\" maxlength=\"500\" "
		    "name=\"reason\" data-reason-for=\"");
	pages_escape(b, id);
	buf_printf(b, "-%s\"></label> <button type=\"button\" data-admin-post=\"/api/admin/effects/", verb);
	pages_escape(b, id);
	buf_printf(b, "/%s\" data-reason=\"", verb);
	pages_escape(b, id);
	buf_printf(b, "-%s\">%s</button></div>\n<pre><code>curl -X POST -H 'Authorization: Bearer "
		      "$PINWHEEL_ADMIN_TOKEN' -H 'Content-Type: application/json' -d '{\"reason\":\"...\"}' "
		      "http://HOST/api/admin/effects/", verb, enable ? "Re-enable" : "Disable");
	pages_escape(b, id);
	buf_printf(b, "/%s</code></pre>\n", verb);
}

/* The effects in force and those switched off: a disabled effect stays
 * here, with the reason and the round, until the admin decides. */
static void effects(pw_app_t *app, pw_buf_t *b)
{
	cJSON *fx = gov_effects_list_json(app->gov, PW_FX_MASK_CURRENT);
	buf_puts(b, "<section aria-labelledby=\"fx\"><h2 id=\"fx\">Effects</h2>\n");
	int disabled = 0;
	const cJSON *e;
	cJSON_ArrayForEach(e, fx)
		disabled += !strcmp(pages_str(e, "status") ? pages_str(e, "status") : "", "disabled");
	if (disabled)
		buf_printf(b, "<p class=\"alert\" role=\"status\">%d effect%s switched off; each says why "
			      "below.</p>\n", disabled, disabled == 1 ? " is" : "s are");
	if (cJSON_GetArraySize(fx) == 0)
		buf_puts(b, "<p>No effect is in force.</p>\n");
	cJSON_ArrayForEach(e, fx)
	{
		const char *id = pages_str(e, "id");
		bool off = !strcmp(pages_str(e, "status") ? pages_str(e, "status") : "", "disabled");
		buf_puts(b, "<article class=\"effect\"><h3>");
		pages_escape(b, pages_str(e, "name"));
		buf_puts(b, " <small><code>");
		pages_escape(b, id);
		buf_printf(b, "</code></small> <span class=\"tag\">%s</span></h3>\n", off ? "disabled" : "active");
		if (pages_str(e, "reason")) {
			buf_puts(b, "<p>");
			pages_escape(b, off ? "Switched off: " : "Last change: ");
			pages_escape(b, pages_str(e, "reason"));
			buf_printf(b, " (after round %d).</p>\n", (int)pages_num(e, "status_round"));
		}
		effect_action(b, id ? id : "", off);
		buf_puts(b, "</article>\n");
	}
	buf_puts(b, "<p id=\"admin-result\" role=\"status\" aria-live=\"polite\"></p>\n"
		    "<p><label>Admin token (kept in this tab only) <input type=\"password\" "
		    "id=\"admin-token\" autocomplete=\"off\"></label></p>\n</section>\n");
	cJSON_Delete(fx);
}

static void roster(pw_app_t *app, pw_buf_t *b)
{
	cJSON *govs = gov_governors_json(app->gov);
	cJSON *teams = store_teams_json(app->store, app->league_id);
	buf_puts(b, "<section aria-labelledby=\"govs\"><h2 id=\"govs\">Governors</h2>\n");
	if (cJSON_GetArraySize(govs) == 0) {
		buf_puts(b, "<p>Nobody has joined yet.</p>\n");
	} else {
		buf_puts(b, "<table><caption>Governors and their tokens</caption><thead><tr>"
			    "<th scope=\"col\">#</th><th scope=\"col\">Name</th><th scope=\"col\">Team</th>"
			    "<th scope=\"col\" class=\"num\">Propose</th><th scope=\"col\" class=\"num\">Amend</th>"
			    "<th scope=\"col\" class=\"num\">Boost</th><th scope=\"col\" class=\"num\">Proposals</th>"
			    "<th scope=\"col\" class=\"num\">Votes</th></tr></thead><tbody>\n");
		const cJSON *g;
		cJSON_ArrayForEach(g, govs)
		{
			const cJSON *tk = cJSON_GetObjectItem(g, "tokens");
			buf_printf(b, "<tr><td>%lld</td><th scope=\"row\"><a href=\"/governors/%lld\">",
				   (long long)pages_id(g, "id"), (long long)pages_id(g, "id"));
			pages_escape(b, pages_str(g, "name"));
			buf_puts(b, "</a></th><td>");
			pages_team_link(b, teams, pages_id(g, "team_id"));
			buf_printf(b, "</td><td class=\"num\">%d</td><td class=\"num\">%d</td><td class=\"num\">%d</td>"
				      "<td class=\"num\">%d</td><td class=\"num\">%d</td></tr>\n",
				   (int)pages_num(tk, "propose"), (int)pages_num(tk, "amend"), (int)pages_num(tk, "boost"),
				   (int)pages_num(g, "proposals_count"), (int)pages_num(g, "votes_count"));
		}
		buf_puts(b, "</tbody></table>\n");
	}
	buf_puts(b, "</section>\n");
	cJSON_Delete(govs);
	cJSON_Delete(teams);
}

static void pace(pw_app_t *app, pw_buf_t *b)
{
	cJSON *st = cJSON_CreateObject();
	if (app->sched && st)
		scheduler_status(app->sched, st);
	buf_puts(b, "<section aria-labelledby=\"pace\"><h2 id=\"pace\">Pace</h2>\n<dl class=\"facts\">");
	static const char *const keys[] = {"pace", "scheduler", "next_tick_at", "last_tick_at", "ticks", "last_error"};
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		const cJSON *v = cJSON_GetObjectItem(st, keys[i]);
		buf_printf(b, "<dt>%s</dt><dd>", keys[i]);
		if (cJSON_IsString(v))
			pages_escape(b, v->valuestring);
		else if (cJSON_IsNumber(v))
			buf_printf(b, "%g", v->valuedouble);
		else
			buf_puts(b, "—");
		buf_puts(b, "</dd>");
	}
	buf_printf(b, "<dt>presenting</dt><dd>%s</dd></dl>\n<p>Play the next tick now:</p><pre><code>"
		      "curl -X POST -H 'Authorization: Bearer $PINWHEEL_ADMIN_TOKEN' http://HOST/api/pace/advance"
		      "</code></pre>\n</section>\n",
		   app->presenter && presenter_running(app->presenter) ? "yes" : "no");
	cJSON_Delete(st);
}

static void ai_usage(pw_app_t *app, pw_buf_t *b)
{
	cJSON *u = store_ai_usage_json(app->store);
	buf_puts(b, "<section aria-labelledby=\"ai\"><h2 id=\"ai\">AI usage</h2>\n");
	if (cJSON_GetArraySize(u) == 0) {
		buf_puts(b, "<p>No AI calls are logged.</p>\n");
	} else {
		buf_puts(b, "<table><caption>AI calls by model and purpose</caption><thead><tr>"
			    "<th scope=\"col\">Model</th><th scope=\"col\">Call</th><th scope=\"col\" class=\"num\">Calls</th>"
			    "<th scope=\"col\" class=\"num\">Tokens in</th><th scope=\"col\" class=\"num\">Tokens out</th>"
			    "<th scope=\"col\" class=\"num\">Cost (USD)</th><th scope=\"col\" class=\"num\">Avg ms</th>"
			    "</tr></thead><tbody>\n");
		const cJSON *r;
		cJSON_ArrayForEach(r, u)
		{
			buf_puts(b, "<tr><th scope=\"row\">");
			pages_escape(b, pages_str(r, "model"));
			buf_puts(b, "</th><td>");
			pages_escape(b, pages_str(r, "call_type"));
			buf_printf(b, "</td><td class=\"num\">%d</td><td class=\"num\">%.0f</td><td class=\"num\">%.0f</td>"
				      "<td class=\"num\">%.4f</td><td class=\"num\">%.0f</td></tr>\n",
				   (int)pages_num(r, "calls"), pages_num(r, "input_tokens"), pages_num(r, "output_tokens"),
				   pages_num(r, "cost_usd"), pages_num(r, "avg_latency_ms"));
		}
		buf_puts(b, "</tbody></table>\n");
	}
	buf_puts(b, "</section>\n");
	cJSON_Delete(u);
}

PAGE_HANDLER(page_admin)
{
	if (!app_require_admin(app, req, res)) {
		/* Keep the API's status, answer a page. */
		int st = res->status;
		resp_reset(res);
		pw_buf_t b = {0};
		pages_begin(&b, "Admin", NULL);
		buf_puts(&b, "<h1>Admin</h1>\n<p>This page needs the admin bearer token "
			     "(<code>Authorization: Bearer $PINWHEEL_ADMIN_TOKEN</code>).</p>\n");
		return pages_finish(res, &b, st);
	}
	gov_sync(app->gov);
	pw_buf_t b = {0};
	pages_begin(&b, "Admin", NULL);
	buf_puts(&b, "<h1>Admin</h1>\n<p class=\"lede\">Actions are API calls with the admin token; replace "
		     "<code>HOST</code> with this server's address.</p>\n");
	review_queue(app, &b);
	effects(app, &b);
	roster(app, &b);
	pace(app, &b);
	ai_usage(app, &b);
	buf_puts(&b, "<script src=\"/static/admin.js\" defer></script>\n");
	return pages_finish(res, &b, 200);
}
