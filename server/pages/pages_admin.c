/*
 * pages_admin.c — /admin: the review queue (held and flagged proposals)
 * with the exact requests that clear, veto or approve them, the governor
 * roster with token balances, the pace, and AI usage. The page is guarded
 * like the admin API (app_require_admin); the actions stay API calls with
 * the admin bearer token, because an HTML form cannot send one.
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
			buf_printf(b, "<tr><td>%lld</td><th scope=\"row\">", (long long)pages_id(g, "id"));
			pages_escape(b, pages_str(g, "name"));
			buf_puts(b, "</th><td>");
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
	roster(app, &b);
	pace(app, &b);
	ai_usage(app, &b);
	return pages_finish(res, &b, 200);
}
