/*
 * pages_admin.c — /admin: the review queue (held and flagged proposals),
 * invites, the effects in force and those switched off (with why), the
 * governor roster with token balances, the pace, and AI usage; and the
 * forms that act on them. The page and its forms are the admin's: an
 * admin session (signed in once with PINWHEEL_ADMIN_TOKEN at /sign-in), or
 * anyone on a token-less loopback server, where admin is open (as the API
 * is). Each form is the admin API's request made from the page; the API
 * itself still takes the admin bearer token.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/league/season.h"
#include "server/ai/ai_client.h"
#include "server/pages/pages_internal.h"

typedef struct admin_form {
	const char *ok, *err;
	const char *invite_code; /* a new invite's code, shown once */
	int64_t invite_team;
} admin_form_t;

/* A reason field and a button posting to action. */
static void reason_form(pw_buf_t *b, const pages_who_t *who, const char *action, const char *label,
			const char *cls, const char *reason_label)
{
	pages_form_open(b, who, action, "actions admin-action");
	buf_puts(b, "<label>");
	pages_escape(b, reason_label);
	buf_puts(b, " <input type=\"text\" name=\"reason\" maxlength=\"500\" required></label> <button type=\"submit\"");
	if (cls)
		buf_printf(b, " class=\"%s\"", cls);
	buf_puts(b, ">");
	pages_escape(b, label);
	buf_puts(b, "</button></form>");
}

static void review_queue(pw_app_t *app, pw_buf_t *b, const pages_who_t *who)
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
		buf_printf(b, "<article class=\"review proposal-card\"><h3><a href=\"/proposals/%lld\">Proposal %lld</a> "
			      "<span class=\"tag\">%s</span></h3><p>",
			   id, id, held ? "held for approval" : "flagged");
		pages_escape(b, pages_str(p, "text"));
		buf_puts(b, "</p><p>Interpretation: ");
		const cJSON *in = cJSON_GetObjectItem(p, "interpretation");
		pages_escape(b, pages_str(in, "note"));
		buf_puts(b, "</p>\n");
		/* Generated code is reviewed here: the admin reads it and the
		 * second reading before voting ends. */
		const cJSON *fx;
		cJSON_ArrayForEach(fx, cJSON_GetObjectItem(in, "effects"))
		{
			if (!cJSON_IsTrue(cJSON_GetObjectItem(fx, "generated")))
				continue;
			buf_puts(b, "<div class=\"ai-review\"><h4>");
			pages_escape(b, pages_str(fx, "name"));
			buf_puts(b, "</h4>");
			pages_code_review(b, fx);
			buf_puts(b, "<pre class=\"lua\"><code>");
			pages_lua_highlight(b, pages_str(fx, "source"));
			buf_puts(b, "</code></pre></div>\n");
		}
		buf_puts(b, "<div class=\"actions\">");
		char act[64];
		snprintf(act, sizeof act, "/admin/proposals/%lld/%s", id, held ? "approve" : "clear");
		pages_button(b, who, act, held ? "Approve: enact it" : "Clear: voting goes on", NULL);
		buf_puts(b, "</div>");
		snprintf(act, sizeof act, "/admin/proposals/%lld/veto", id);
		reason_form(b, who, act, "Veto (refunds the proposer)", "danger", "Why");
		buf_puts(b, "</article>\n");
	}
	if (!n)
		buf_puts(b, "<p>Nothing waits for review.</p>\n");
	buf_puts(b, "</section>\n");
	cJSON_Delete(all);
}

/* Invites: a form for a new one, the one just made (shown once), and the
 * list with the governors who joined through each. */
static void invites(pw_app_t *app, pw_buf_t *b, const pages_who_t *who, const pw_http_request_t *req,
		    const admin_form_t *f)
{
	bool invite_mode = app->cfg.enrollment == PW_ENROLL_INVITE;
	buf_printf(b, "<section aria-labelledby=\"inv\"><h2 id=\"inv\">Invites</h2>\n<p>Enrolment is <strong>%s"
		      "</strong> (PINWHEEL_ENROLLMENT): %s</p>\n",
		   identity_enrollment_name((pw_enrollment_t)app->cfg.enrollment),
		   invite_mode ? "people join only through an invite link for a team."
			       : "anyone may join, once per browser session; invites still pick the team.");
	if (f->invite_code) {
		const pw_str_t *host = http_header(req, "host");
		buf_puts(b, "<p class=\"notice ok\" role=\"status\">The invite link, shown this once (send it to the "
			    "people you invite):</p>\n<p class=\"secret\" id=\"invite-link\">");
		if (host) {
			buf_puts(b, app->cfg.production ? "https://" : "http://");
			pages_escape_n(b, host->p, host->n);
		}
		buf_puts(b, "/join?invite=");
		pages_escape(b, f->invite_code);
		buf_puts(b, "</p>\n");
	}
	pw_season_row_t cur;
	cJSON *teams = pages_season(app, &cur) ? season_teams_json(app->store, cur.id) : NULL;
	pages_form_open(b, who, "/admin/invites", "stack");
	buf_puts(b, "<div class=\"tokens-in\"><label>Team <select name=\"team_id\" required>");
	const cJSON *t;
	cJSON_ArrayForEach(t, teams)
	{
		buf_printf(b, "<option value=\"%lld\">", (long long)pages_id(t, "id"));
		pages_escape(b, pages_str(t, "name"));
		buf_puts(b, "</option>");
	}
	buf_puts(b, "</select></label><label>Uses <input type=\"number\" name=\"uses\" min=\"1\" max=\"1000\" "
		    "value=\"1\"></label><label>Valid for (hours) <input type=\"number\" name=\"hours\" min=\"1\" "
		    "max=\"8784\" value=\"168\"></label></div><div><label for=\"note\">Note <span class=\"hint\">For "
		    "you: who it is for.</span></label><input type=\"text\" id=\"note\" name=\"note\" maxlength=\"200\">"
		    "</div><div class=\"actions\"><button type=\"submit\">Make an invite link</button></div></form>\n");
	cJSON *list = store_invites_json(app->store);
	if (cJSON_GetArraySize(list) > 0) {
		buf_puts(b, "<div class=\"table-wrap\"><table><caption>Invites</caption><thead><tr><th scope=\"col\">#</th>"
			    "<th scope=\"col\">Team</th><th scope=\"col\" class=\"num\">Used</th><th scope=\"col\">Until</th>"
			    "<th scope=\"col\">Note</th><th scope=\"col\">Joined</th><th scope=\"col\"></th></tr></thead>"
			    "<tbody>\n");
		int64_t now = (int64_t)time(NULL);
		cJSON_ArrayForEach(t, list)
		{
			pw_invite_row_t row = {.revoked = cJSON_IsTrue(cJSON_GetObjectItem(t, "revoked")),
					       .expires_at = (int64_t)pages_num(t, "expires_at"),
					       .uses = (int)pages_num(t, "uses"),
					       .max_uses = (int)pages_num(t, "max_uses")};
			time_t until = (time_t)row.expires_at;
			struct tm tm;
			gmtime_r(&until, &tm);
			char when[32];
			strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC", &tm);
			long long id = (long long)pages_id(t, "id");
			buf_printf(b, "<tr><td>%lld</td><td>", id);
			pages_team_link(b, teams, pages_id(t, "team_id"));
			buf_printf(b, "</td><td class=\"num\">%d of %d</td><td>%s</td><td>", row.uses, row.max_uses, when);
			pages_escape(b, pages_str(t, "note"));
			buf_puts(b, "</td><td>");
			const cJSON *g;
			int k = 0;
			cJSON_ArrayForEach(g, cJSON_GetObjectItem(t, "governors"))
				buf_printf(b, "%s<a href=\"/governors/%.0f\">%.0f</a>", k++ ? ", " : "", g->valuedouble,
					   g->valuedouble);
			buf_puts(b, "</td><td>");
			const char *why = identity_invite_unusable(&row, now);
			if (why) {
				buf_puts(b, row.revoked ? "revoked" : row.expires_at <= now ? "expired" : "used up");
			} else {
				char act[64];
				snprintf(act, sizeof act, "/admin/invites/%lld/revoke", id);
				pages_button(b, who, act, "Revoke", "secondary");
			}
			buf_puts(b, "</td></tr>\n");
		}
		buf_puts(b, "</tbody></table></div>\n");
	}
	buf_puts(b, "</section>\n");
	cJSON_Delete(list);
	cJSON_Delete(teams);
}

/* The effects in force and those switched off: a disabled effect stays
 * here, with the reason and the round, until the admin decides. */
static void effects(pw_app_t *app, pw_buf_t *b, const pages_who_t *who)
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
		buf_puts(b, "<article class=\"effect proposal-card\"><h3>");
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
		/* Effect ids are "fx-N-M": safe in a path, but escaped all the same. */
		pw_buf_t act = {0};
		buf_puts(&act, "/admin/effects/");
		buf_puts(&act, id ? id : "");
		buf_puts(&act, off ? "/enable" : "/disable");
		reason_form(b, who, act.data, off ? "Re-enable" : "Disable", off ? NULL : "danger", "Reason");
		buf_free(&act);
		buf_puts(b, "</article>\n");
	}
	buf_puts(b, "</section>\n");
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
		buf_puts(b, "<div class=\"table-wrap\"><table><caption>Governors and their tokens</caption><thead><tr>"
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
		buf_puts(b, "</tbody></table></div>\n");
	}
	buf_puts(b, "</section>\n");
	cJSON_Delete(govs);
	cJSON_Delete(teams);
}

static void pace(pw_app_t *app, pw_buf_t *b, const pages_who_t *who)
{
	cJSON *st = cJSON_CreateObject();
	if (app->sched && st)
		scheduler_status(app->sched, st);
	buf_puts(b, "<section aria-labelledby=\"pace\"><h2 id=\"pace\">Pace</h2>\n<dl class=\"facts\">");
	/* The scheduler's status (GET /api/admin/pace) in words. */
	static const struct {
		const char *key, *words;
	} rows[] = {{"pace", "Pace"},           {"scheduler", "Scheduler"},  {"next_tick_at", "Next tick"},
		    {"last_tick_at", "Last tick"}, {"ticks", "Ticks played"}, {"last_error", "Last error"}};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		const cJSON *v = cJSON_GetObjectItem(st, rows[i].key);
		buf_printf(b, "<dt>%s</dt><dd>", rows[i].words);
		if (cJSON_IsString(v))
			pages_escape(b, v->valuestring);
		else if (cJSON_IsNumber(v))
			buf_printf(b, "%g", v->valuedouble);
		else
			buf_puts(b, "—");
		buf_puts(b, "</dd>");
	}
	buf_printf(b, "<dt>Replaying a round</dt><dd>%s</dd></dl>\n",
		   app->presenter && presenter_running(app->presenter) ? "yes" : "no");
	pages_form_open(b, who, "/admin/advance", "actions");
	buf_printf(b, "<label>Seconds per replayed quarter <input type=\"number\" name=\"quarter_seconds\" min=\"1\" "
		      "max=\"3600\" value=\"%d\"></label> <button type=\"submit\">Play the next tick now</button></form>\n"
		      "</section>\n",
		   app->cfg.quarter_seconds);
	cJSON_Delete(st);
}

/* One table of AI usage rows (store_ai_usage_json's or its daily one):
 * the row's key (model or day), the call type, the counts. */
static void usage_table(pw_buf_t *b, const cJSON *rows, const char *caption, const char *key_title,
			const char *key, bool latency)
{
	buf_printf(b, "<div class=\"table-wrap\"><table><caption>%s</caption><thead><tr><th scope=\"col\">%s</th>"
		      "<th scope=\"col\">Call</th><th scope=\"col\" class=\"num\">Calls</th>"
		      "<th scope=\"col\" class=\"num\">Failed</th><th scope=\"col\" class=\"num\">Tokens in</th>"
		      "<th scope=\"col\" class=\"num\">Tokens out</th><th scope=\"col\" class=\"num\">Cost (USD)</th>%s"
		      "</tr></thead><tbody>\n",
		   caption, key_title, latency ? "<th scope=\"col\" class=\"num\">Avg ms</th>" : "");
	const cJSON *r;
	cJSON_ArrayForEach(r, rows)
	{
		buf_puts(b, "<tr><th scope=\"row\">");
		pages_escape(b, pages_str(r, key));
		buf_puts(b, "</th><td>");
		pages_escape(b, pages_str(r, "call_type"));
		buf_printf(b, "</td><td class=\"num\">%d</td><td class=\"num\">%d</td><td class=\"num\">%.0f</td>"
			      "<td class=\"num\">%.0f</td><td class=\"num\">%.4f</td>",
			   (int)pages_num(r, "calls"), (int)pages_num(r, "failed"), pages_num(r, "input_tokens"),
			   pages_num(r, "output_tokens"), pages_num(r, "cost_usd"));
		if (latency)
			buf_printf(b, "<td class=\"num\">%.0f</td>", pages_num(r, "avg_latency_ms"));
		buf_puts(b, "</tr>\n");
	}
	buf_puts(b, "</tbody></table></div>\n");
}

static void ai_usage(pw_app_t *app, pw_buf_t *b)
{
	buf_puts(b, "<section aria-labelledby=\"ai\"><h2 id=\"ai\">AI usage</h2>\n");
	if (ai_enabled(app->ai)) {
		double today, cap;
		ai_spend(app->ai, &today, &cap);
		buf_puts(b, "<p>The AI layer is on: interpreter ");
		pages_escape(b, ai_model(app->ai, AI_CALL_INTERPRETER));
		buf_puts(b, ", classifier ");
		pages_escape(b, ai_model(app->ai, AI_CALL_CLASSIFIER));
		buf_puts(b, ", second reading ");
		pages_escape(b, ai_model(app->ai, AI_CALL_REVIEW));
		buf_printf(b, ". Spent today (UTC, estimated): $%.4f", today);
		if (cap > 0)
			buf_printf(b, " of a $%.2f cap (PINWHEEL_AI_DAILY_BUDGET_USD)%s", cap,
				   today >= cap ? "; the cap is reached and the offline fallbacks answer" : "");
		buf_puts(b, ".</p>\n");
	} else {
		buf_puts(b, "<p>The AI layer is off (no ANTHROPIC_API_KEY): the offline interpreter and reports "
			    "answer.</p>\n");
	}
	cJSON *u = store_ai_usage_json(app->store);
	if (cJSON_GetArraySize(u) == 0)
		buf_puts(b, "<p>No AI calls are logged.</p>\n");
	else
		usage_table(b, u, "AI calls by model and purpose", "Model", "model", true);
	cJSON_Delete(u);
	cJSON *d = store_ai_usage_daily_json(app->store, 14);
	if (cJSON_GetArraySize(d) > 0)
		usage_table(b, d, "AI calls per day (UTC) and purpose, the last 14 days", "Day", "day", false);
	cJSON_Delete(d);
	buf_puts(b, "</section>\n");
}

/* The evals of the latest rounds: the directive scan of every report, the
 * AI reports published or refused and their grounding, the scenario flags. */
static void evals(pw_app_t *app, pw_buf_t *b)
{
	pw_season_row_t cur;
	buf_puts(b, "<section aria-labelledby=\"evals\"><h2 id=\"evals\">Evals</h2>\n");
	cJSON *ev = season_current(app->store, &cur) == 1 ? store_evals_json(app->store, cur.id, 10) : NULL;
	if (cJSON_GetArraySize(ev) == 0) {
		buf_puts(b, "<p>No round has been evaluated yet.</p>\n</section>\n");
		cJSON_Delete(ev);
		return;
	}
	buf_puts(b, "<div class=\"table-wrap\"><table><caption>The latest rounds: directive phrases found in the "
		    "reports (they describe, never prescribe), AI reports published and refused, names or numbers "
		    "the AI used that the round's facts lack, and the scenario flags</caption><thead><tr>"
		    "<th scope=\"col\">Round</th><th scope=\"col\" class=\"num\">Directives</th>"
		    "<th scope=\"col\" class=\"num\">AI published</th><th scope=\"col\" class=\"num\">AI refused</th>"
		    "<th scope=\"col\" class=\"num\">Ungrounded</th><th scope=\"col\">Flags</th></tr></thead><tbody>\n");
	int round = -1;
	double dir = 0, pub = 0, reps = 0, miss = 0;
	pw_buf_t flags = {0};
	const cJSON *e;
	for (e = ev ? ev->child : NULL;; e = e->next) {
		int r = e ? (int)pages_num(e, "round") : -2;
		if (r != round && round >= 0) {
			buf_printf(b, "<tr><th scope=\"row\">%d</th><td class=\"num\">%.0f</td><td class=\"num\">%.0f</td>"
				      "<td class=\"num\">%.0f</td><td class=\"num\">%.0f</td><td>",
				   round, dir, pub, reps - pub, miss);
			if (flags.len)
				pages_escape(b, flags.data);
			else
				buf_puts(b, "none");
			buf_puts(b, "</td></tr>\n");
			dir = pub = reps = miss = 0;
			buf_free(&flags);
		}
		if (!e)
			break;
		round = r;
		const char *kind = pages_str(e, "kind");
		double v = pages_num(e, "value");
		if (!strcmp(kind, "directive_violations") || !strcmp(kind, "ai_directive_violations"))
			dir += v;
		else if (!strcmp(kind, "ai_published")) {
			pub += v;
			reps += pages_num(e, "reports");
		} else if (!strcmp(kind, "ai_grounding_misses"))
			miss += v;
		else if (!strncmp(kind, "flag_", 5) && v > 0)
			buf_printf(&flags, "%s%s", flags.len ? ", " : "", kind + 5);
	}
	buf_free(&flags);
	buf_puts(b, "</tbody></table></div>\n</section>\n");
	cJSON_Delete(ev);
}

/* For someone who is not the admin here: why, and the way in. */
static int not_admin(pw_app_t *app, const pages_who_t *who, pw_response_t *res)
{
	bool has_token = app->cfg.admin_token && *app->cfg.admin_token;
	pw_buf_t b = {0};
	pages_begin(&b, "Admin", NULL);
	buf_puts(&b, "<h1>Admin</h1>\n");
	if (has_token)
		buf_puts(&b, "<p>This page is the admin's. <a class=\"button\" href=\"/sign-in\">Sign in with the "
			     "admin token</a> (PINWHEEL_ADMIN_TOKEN) once; this browser then keeps an admin "
			     "session.</p>\n");
	else
		buf_puts(&b, "<p>Admin is switched off: the server has no PINWHEEL_ADMIN_TOKEN and does not listen "
			     "on loopback.</p>\n");
	return pages_finish_who(app, who, res, &b, has_token ? 401 : 403);
}

static int admin_page(pw_app_t *app, pages_who_t *who, const pw_http_request_t *req, pw_response_t *res,
		      const admin_form_t *f, int status)
{
	gov_sync(app->gov);
	pw_buf_t b = {0};
	pages_begin(&b, "Admin", NULL);
	buf_puts(&b, "<h1>Admin</h1>\n");
	if (!who->admin_session)
		buf_puts(&b, "<p class=\"lede\">Admin is open here: this server listens on loopback without an "
			     "admin token.</p>\n");
	if (f->ok)
		pages_notice(&b, "ok", f->ok);
	if (f->err)
		pages_notice(&b, "error", f->err);
	review_queue(app, &b, who);
	invites(app, &b, who, req, f);
	effects(app, &b, who);
	roster(app, &b);
	pace(app, &b, who);
	ai_usage(app, &b);
	evals(app, &b);
	buf_puts(&b, "<details><summary>The same from a script</summary><p>Every action here is an admin API "
		     "call with <code>Authorization: Bearer $PINWHEEL_ADMIN_TOKEN</code> (docs/API.md), e.g.</p>"
		     "<pre><code>curl -X POST -H 'Authorization: Bearer $PINWHEEL_ADMIN_TOKEN' "
		     "-H 'Content-Type: application/json' http://HOST/api/pace/advance</code></pre></details>\n");
	int hr = pages_finish_who(app, who, res, &b, status);
	if (f->invite_code)
		resp_header(res, "Cache-Control", "no-store");
	return hr;
}

/* Whether req carries the admin bearer token (a tool reading the page; a
 * browser signs in instead). */
static bool admin_bearer(pw_app_t *app, const pw_http_request_t *req)
{
	char tok[8];
	if (!app_bearer(req, tok, sizeof tok) && !http_header(req, "authorization"))
		return false;
	pw_response_t scratch;
	resp_init(&scratch);
	bool ok = app_require_admin(app, req, &scratch);
	resp_free(&scratch);
	return ok;
}

PAGE_HANDLER(page_admin)
{
	pages_who_t who;
	pages_who(app, req, &who);
	if (!who.admin && !admin_bearer(app, req))
		return not_admin(app, &who, res);
	if (pages_session_ensure(app, &who, res) < 0)
		return pages_not_found(res, "session (the database did not answer)");
	char done[24];
	pages_query_word(req, "done", done, sizeof done);
	admin_form_t f = {.ok = done[0] ? "Done." : NULL};
	if (!strcmp(done, "advance"))
		f.ok = "The next tick is playing; its replay starts when its games are done.";
	else if (!strcmp(done, "advance-asked"))
		f.ok = "Another server of this league plays the ticks: it was asked to play the next one now, "
		       "and its replay shows here as it plays.";
	return admin_page(app, &who, req, res, &f, 200);
}

PAGE_HANDLER(page_admin_invite_post)
{
	pages_who_t who;
	pages_who(app, req, &who);
	if (!who.admin)
		return not_admin(app, &who, res);
	int64_t team = 0, uses = 1, hours = 168;
	admin_form_t f = {0};
	const char *why = NULL;
	char *note = pages_form_text(req, "note", IDENTITY_NOTE_MAX, &why);
	if (pages_form_int(req, "team_id", 1, 1000000, &team) != 1)
		f.err = "Choose the team the invite is for.";
	else if (pages_form_int(req, "uses", 1, IDENTITY_INVITE_MAX_USES, &uses) < 0)
		f.err = "Uses is a whole number from 1 to 1000.";
	else if (pages_form_int(req, "hours", 1, IDENTITY_INVITE_MAX_SECONDS / 3600, &hours) < 0)
		f.err = "Valid for is a whole number of hours from 1 to 8784 (a year).";
	else if (why)
		f.err = "The note could not be read: at most 200 characters of text.";
	char code[IDENTITY_INVITE_HEX + 1];
	pw_err_t err = {0};
	int64_t now = (int64_t)time(NULL);
	if (!f.err && identity_invite_create(app->store, team, (int)uses, now + hours * 3600, note, now, code, NULL,
					     &err) < 0)
		f.err = err.msg;
	if (!f.err) {
		f.invite_code = code;
		f.invite_team = team;
		log_event(&app->log, PW_LOG_INFO, "invite.created", "team=%lld uses=%lld hours=%lld",
			  (long long)team, (long long)uses, (long long)hours);
	}
	int hr = admin_page(app, &who, req, res, &f, f.err ? 422 : 201);
	free(note);
	return hr;
}

/* The admin forms on proposals, effects, invites and the pace. */
PAGE_HANDLER(page_admin_act)
{
	pages_who_t who;
	pages_who(app, req, &who);
	if (!who.admin)
		return not_admin(app, &who, res);
	const char *action = router_param(p, "action");
	int64_t id = 0;
	router_param_id(p, "id", &id);
	pw_err_t err = {0};
	int rc = PW_E_NOT_FOUND;
	snprintf(err.msg, sizeof err.msg, "There is no such action.");
	const char *why;
	char *reason = pages_form_text(req, "reason", 500, &why);
	const char *path = req->path.p;
	size_t pn = req->path.n;
	if (pn >= 16 && !memcmp(path, "/admin/proposals", 16) && action && id) {
		if (!strcmp(action, "clear"))
			rc = gov_admin_clear(app->gov, id, NULL, &err);
		else if (!strcmp(action, "approve"))
			rc = gov_admin_approve(app->gov, id, NULL, &err);
		else if (!strcmp(action, "veto"))
			rc = gov_admin_veto(app->gov, id, reason ? reason : "vetoed by the admin", NULL, &err);
		if (rc == 0)
			app_cache_clear(app); /* an approval enacts rules */
	} else if (pn >= 14 && !memcmp(path, "/admin/effects", 14) && action) {
		const char *fid = router_param(p, "id");
		if (!reason)
			rc = err_set(&err, PW_E_INVALID, "Give a reason: it goes on record with the change.");
		else if (!strcmp(action, "enable") || !strcmp(action, "disable"))
			rc = gov_admin_effect(app->gov, fid ? fid : "", !strcmp(action, "enable"), reason, NULL, &err);
	} else if (pn >= 14 && !memcmp(path, "/admin/invites", 14) && action && !strcmp(action, "revoke")) {
		rc = identity_invite_revoke(app->store, id, &err);
	} else if (pn == 14 && !memcmp(path, "/admin/advance", 14)) {
		int64_t qs = 0;
		if (pages_form_int(req, "quarter_seconds", 1, 3600, &qs) < 0)
			rc = err_set(&err, PW_E_INVALID, "Seconds per quarter is a whole number from 1 to 3600.");
		else if ((rc = app_advance(app, (int)qs)) == -EBUSY)
			rc = err_set(&err, PW_E_CONFLICT, "A tick or its replay is still running; try again when it "
					  "ends.");
		else if (rc < 0)
			rc = err_set(&err, PW_E_CONFLICT, "The server is shutting down.");
		/* 1: the server holding the tick lock was asked (app.h). */
		action = rc == 1 ? "advance-asked" : "advance";
		rc = rc == 1 ? 0 : rc;
	}
	free(reason);
	if (rc == 0) {
		char to[48];
		snprintf(to, sizeof to, "/admin?done=%s", action);
		return pages_redirect(res, to);
	}
	admin_form_t f = {.err = err.msg};
	return admin_page(app, &who, req, res, &f, err_status(rc));
}
