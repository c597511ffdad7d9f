/*
 * pages_profile.c — /governors/{id}: a governor's profile (team, tokens,
 * proposals, votes, the trades they are part of) for everyone; for the
 * governor themself also their private reports and their bearer token for
 * scripts, which they can replace (the new one is shown once).
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "core/league/season.h"
#include "server/pages/pages_internal.h"

/* The trades section of a profile: the governor's token offers (made and
 * received) and their team's hooper trades, with status and expiry. */
static void governor_trades(pw_app_t *app, pw_buf_t *b, int64_t gid, const cJSON *teams)
{
	cJSON *tr = gov_trades_json(app->gov, gid);
	const cJSON *tt = cJSON_GetObjectItem(tr, "token_trades"), *ht = cJSON_GetObjectItem(tr, "hooper_trades");
	buf_puts(b, "<section aria-labelledby=\"trades\"><h2 id=\"trades\">Trades</h2>\n");
	if (cJSON_GetArraySize(tt) + cJSON_GetArraySize(ht) == 0)
		buf_puts(b, "<p>No trades yet.</p>\n");
	if (cJSON_GetArraySize(tt) > 0) {
		buf_puts(b, "<div class=\"table-wrap\"><table><caption>Token offers</caption><thead><tr>"
			    "<th scope=\"col\">#</th><th scope=\"col\">From</th><th scope=\"col\">To</th>"
			    "<th scope=\"col\">Gives</th><th scope=\"col\">For</th><th scope=\"col\">Status</th>"
			    "</tr></thead><tbody>\n");
		const cJSON *t;
		cJSON_ArrayForEach(t, tt)
		{
			buf_printf(b, "<tr><td>%lld</td><td>", (long long)pages_id(t, "id"));
			pages_governor_link(app, b, pages_id(t, "from_governor_id"));
			buf_puts(b, "</td><td>");
			pages_governor_link(app, b, pages_id(t, "to_governor_id"));
			buf_puts(b, "</td><td>");
			pages_tokens_text(b, cJSON_GetObjectItem(t, "offer"));
			buf_puts(b, "</td><td>");
			pages_tokens_text(b, cJSON_GetObjectItem(t, "request"));
			buf_puts(b, "</td><td>");
			pages_escape(b, pages_str(t, "status"));
			if (cJSON_GetObjectItem(t, "expires_after_round"))
				buf_printf(b, " (expires after round %d)", (int)pages_num(t, "expires_after_round"));
			buf_puts(b, "</td></tr>\n");
		}
		buf_puts(b, "</tbody></table></div>\n");
	}
	if (cJSON_GetArraySize(ht) > 0) {
		buf_puts(b, "<div class=\"table-wrap\"><table><caption>Hooper trades of the team</caption><thead><tr>"
			    "<th scope=\"col\">#</th><th scope=\"col\">Hooper</th><th scope=\"col\">For</th>"
			    "<th scope=\"col\">Teams</th><th scope=\"col\">Status</th></tr></thead><tbody>\n");
		const cJSON *h;
		cJSON_ArrayForEach(h, ht)
		{
			buf_printf(b, "<tr><td>%lld</td><td><a href=\"/hoopers/%lld\">%lld</a></td>"
				      "<td><a href=\"/hoopers/%lld\">%lld</a></td><td>",
				   (long long)pages_id(h, "id"), (long long)pages_id(h, "hooper_a"),
				   (long long)pages_id(h, "hooper_a"), (long long)pages_id(h, "hooper_b"),
				   (long long)pages_id(h, "hooper_b"));
			pages_team_link(b, teams, pages_id(h, "team_a"));
			buf_puts(b, " ↔ ");
			pages_team_link(b, teams, pages_id(h, "team_b"));
			buf_puts(b, "</td><td>");
			pages_escape(b, pages_str(h, "status"));
			if (pages_str(h, "reason")) {
				buf_puts(b, ": ");
				pages_escape(b, pages_str(h, "reason"));
			}
			buf_puts(b, "</td></tr>\n");
		}
		buf_puts(b, "</tbody></table></div>\n");
	}
	buf_puts(b, "</section>\n");
	cJSON_Delete(tr);
}

/* The proposals a governor wrote and the votes they cast. */
static void governor_record(pw_app_t *app, pw_buf_t *b, const cJSON *gv)
{
	buf_puts(b, "<section aria-labelledby=\"props\"><h2 id=\"props\">Proposals</h2>\n");
	const cJSON *x;
	int n = 0;
	cJSON_ArrayForEach(x, cJSON_GetObjectItem(gv, "proposals"))
	{
		buf_puts(b, n++ ? "" : "<ul>\n");
		buf_printf(b, "<li><a href=\"/proposals/%lld\">#%lld</a> ", (long long)pages_id(x, "id"),
			   (long long)pages_id(x, "id"));
		pages_escape(b, pages_str(x, "text"));
		buf_printf(b, " <span class=\"tag %s\">", pages_str(x, "status") ? pages_str(x, "status") : "");
		pages_escape(b, pages_str(x, "status"));
		buf_puts(b, "</span></li>\n");
	}
	buf_puts(b, n ? "</ul>\n" : "<p>No proposals yet.</p>\n");
	buf_puts(b, "</section>\n<section aria-labelledby=\"votes\"><h2 id=\"votes\">Votes</h2>\n");
	n = 0;
	cJSON_ArrayForEach(x, cJSON_GetObjectItem(gv, "votes"))
	{
		int64_t pid = pages_id(x, "proposal_id");
		const pw_proposal_t *p = gstate_proposal(gov_state(app->gov), pid);
		buf_puts(b, n++ ? "" : "<ul>\n");
		buf_printf(b, "<li>%s%s on <a href=\"/proposals/%lld\">#%lld</a> ",
			   !strcmp(pages_str(x, "vote") ? pages_str(x, "vote") : "", "yes") ? "Yes" : "No",
			   cJSON_IsTrue(cJSON_GetObjectItem(x, "boost")) ? " (boosted)" : "", (long long)pid,
			   (long long)pid);
		pages_escape(b, p ? p->text : "");
		buf_puts(b, "</li>\n");
	}
	buf_puts(b, n ? "</ul>\n" : "<p>No votes yet.</p>\n");
	buf_puts(b, "</section>\n");
}

/* What only the governor sees: their private reports and their token. */
static void own_part(pw_app_t *app, pw_buf_t *b, const pages_who_t *who, const char *new_token)
{
	pw_season_row_t cur;
	buf_puts(b, "<section aria-labelledby=\"private\"><h2 id=\"private\">Your private reports</h2>\n");
	cJSON *reps = pages_season(app, &cur) ? store_reports_json(app->view, cur.id, -1, who->gid, true) : NULL;
	const cJSON *r;
	int n = 0;
	cJSON_ArrayForEach(r, reps)
	{
		buf_printf(b, "<article class=\"proposal-card\"><h3>Round %d</h3><p>", (int)pages_num(r, "round"));
		pages_escape(b, pages_str(r, "text"));
		buf_puts(b, "</p></article>\n");
		n++;
	}
	if (!n)
		buf_puts(b, "<p>None yet: after each tick the league writes you one.</p>\n");
	cJSON_Delete(reps);
	buf_puts(b, "</section>\n<section aria-labelledby=\"token-h\"><h2 id=\"token-h\">Your token for scripts</h2>\n");
	if (new_token) {
		buf_puts(b, "<p class=\"notice ok\" role=\"status\">Your new bearer token, shown this once; the old "
			    "one no longer works:</p>\n<p class=\"secret\" id=\"token\">");
		pages_escape(b, new_token);
		buf_puts(b, "</p>\n");
	} else {
		buf_puts(b, "<p>The bearer token you were shown when you joined lets scripts act as you (it is "
			    "stored only as a hash, so it cannot be shown again). Lost it, or shared it by "
			    "mistake? Make a new one: the old one stops working at once.</p>\n");
	}
	pages_form_open(b, who, "/me/token", "actions");
	buf_puts(b, "<button type=\"submit\" class=\"secondary\">Make a new token</button></form>\n</section>\n");
}

static int profile(pw_app_t *app, const pages_who_t *who, pw_response_t *res, int64_t id, const char *new_token)
{
	cJSON *gv = gov_governor_json(app->gov, id);
	if (!gv)
		return pages_not_found(res, "governor");
	cJSON *teams = store_teams_json(app->view, app->league_id);
	bool me = who->last_gid == id && who->s.identity_id;
	pw_buf_t b = {0};
	pages_begin(&b, pages_str(gv, "name"), NULL);
	buf_puts(&b, "<h1>");
	pages_escape(&b, pages_str(gv, "name"));
	buf_puts(&b, me ? " <span class=\"tag\">you</span></h1>\n" : "</h1>\n");
	buf_puts(&b, "<dl class=\"facts\"><dt>Team</dt><dd>");
	pages_team_link(&b, teams, pages_id(gv, "team_id"));
	buf_printf(&b, "%s</dd><dt>Tokens</dt><dd>",
		   cJSON_IsTrue(cJSON_GetObjectItem(gv, "enrolled")) ? "" : " (not enrolled this season)");
	const cJSON *tk = cJSON_GetObjectItem(gv, "tokens");
	buf_printf(&b, "%d propose, %d amend, %d boost</dd></dl>\n", (int)pages_num(tk, "propose"),
		   (int)pages_num(tk, "amend"), (int)pages_num(tk, "boost"));
	if (me && who->gid)
		buf_puts(&b, "<p class=\"actions\"><a class=\"button\" href=\"/propose\">Propose</a> "
			     "<a href=\"/governance\">Vote</a> <a href=\"/trades\">Trades</a> "
			     "<a href=\"/strategy\">Your team: strategy and bios</a></p>\n");
	governor_record(app, &b, gv);
	governor_trades(app, &b, id, teams);
	if (me)
		own_part(app, &b, who, new_token);
	cJSON_Delete(teams);
	cJSON_Delete(gv);
	return pages_finish_who(app, who, res, &b, 200);
}

PAGE_HANDLER(page_governor)
{
	int64_t id;
	if (router_param_id(p, "id", &id) < 0)
		return pages_not_found(res, "governor");
	pages_who_t who;
	pages_who(app, req, &who);
	return profile(app, &who, res, id, NULL);
}

PAGE_HANDLER(page_token_post)
{
	pages_who_t who;
	pages_who(app, req, &who);
	if (!who.last_gid || !who.s.identity_id)
		return pages_need_governor(app, &who, res, "make a new token");
	char token[IDENTITY_SECRET_HEX + 1];
	pw_err_t err = {0};
	if (identity_rotate_token(app->gov, who.last_gid, token, &err) < 0) {
		pw_buf_t b = {0};
		pages_begin(&b, "Token", NULL);
		pages_notice(&b, "error", err.msg);
		return pages_finish_who(app, &who, res, &b, err_status(err.code));
	}
	log_event(&app->log, PW_LOG_INFO, "governor.token_rotated", "governor=%lld", (long long)who.last_gid);
	int hr = profile(app, &who, res, who.last_gid, token);
	/* The answer holds a secret: no cache keeps it. */
	resp_header(res, "Cache-Control", "no-store");
	return hr;
}
