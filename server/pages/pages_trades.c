/*
 * pages_trades.c — /trades: a governor's inbox of token offers (accept,
 * reject, withdraw) and their team's hooper trades (approve, reject), and
 * the forms that offer tokens or propose a hooper trade.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "core/league/season.h"
#include "server/pages/pages_internal.h"

static const char *const kinds[PW_TOKEN_KINDS] = {"propose", "amend", "boost"};

static void hooper_name(const cJSON *teams, pw_buf_t *b, int64_t hid)
{
	const cJSON *t, *h;
	cJSON_ArrayForEach(t, teams)
		cJSON_ArrayForEach(h, cJSON_GetObjectItem(t, "hoopers"))
			if (pages_id(h, "id") == hid) {
				buf_printf(b, "<a href=\"/hoopers/%lld\">", (long long)hid);
				pages_escape(b, pages_str(h, "name"));
				buf_puts(b, "</a> (");
				pages_escape(b, pages_str(t, "name"));
				buf_puts(b, ")");
				return;
			}
	buf_printf(b, "hooper %lld", (long long)hid);
}

typedef struct trades_form {
	const char *top_err, *ok, *offer_err, *hooper_err;
} trades_form_t;

static void offer_form(pw_app_t *app, pw_buf_t *b, const pages_who_t *who, const trades_form_t *f)
{
	const pw_gstate_t *st = gov_state(app->gov);
	buf_puts(b, "<section aria-labelledby=\"offer-h\"><h2 id=\"offer-h\">Offer tokens</h2>\n");
	pages_form_open(b, who, "/trades/offer", "stack");
	buf_puts(b, "<div><label for=\"to\">To</label><select id=\"to\" name=\"to_governor_id\" required");
	pages_field_aria(b, "offer", f->offer_err);
	buf_puts(b, "><option value=\"\">Choose a governor</option>");
	for (int i = 0; i < st->n_govs; i++) {
		const pw_governor_t *g = &st->govs[i];
		if (g->id == who->gid || g->season_id != st->season.id)
			continue;
		buf_printf(b, "<option value=\"%lld\">", (long long)g->id);
		pages_escape(b, g->name);
		buf_puts(b, "</option>");
	}
	buf_puts(b, "</select></div>\n");
	static const char *const sides[] = {"offer", "request"};
	static const char *const legends[] = {"You give", "You ask for"};
	for (int s = 0; s < 2; s++) {
		buf_printf(b, "<fieldset class=\"tokens-in\"><legend>%s</legend>", legends[s]);
		for (int k = 0; k < PW_TOKEN_KINDS; k++)
			buf_printf(b, "<label>%s <input type=\"number\" name=\"%s_%s\" min=\"0\" max=\"6\" "
				      "value=\"0\"></label>", kinds[k], sides[s], kinds[k]);
		buf_puts(b, "</fieldset>\n");
	}
	pages_field_error(b, "offer", f->offer_err);
	buf_puts(b, "<div class=\"actions\"><button type=\"submit\">Send the offer</button></div></form></section>\n");
}

static void hooper_form(pw_app_t *app, pw_buf_t *b, const pages_who_t *who, const cJSON *teams, int64_t my_team,
			const trades_form_t *f)
{
	buf_puts(b, "<section aria-labelledby=\"swap-h\"><h2 id=\"swap-h\">Propose a hooper trade</h2>\n"
		    "<p>A swap happens once most governors of both teams approve; yours counts.</p>\n");
	pages_form_open(b, who, "/hooper-trades", "stack");
	buf_puts(b, "<div><label for=\"hooper\">Your hooper</label><select id=\"hooper\" name=\"hooper_id\" "
		    "required><option value=\"\">Choose</option>");
	const cJSON *t, *h;
	cJSON_ArrayForEach(t, teams)
		if (pages_id(t, "id") == my_team)
			cJSON_ArrayForEach(h, cJSON_GetObjectItem(t, "hoopers"))
			{
				buf_printf(b, "<option value=\"%lld\">", (long long)pages_id(h, "id"));
				pages_escape(b, pages_str(h, "name"));
				buf_puts(b, "</option>");
			}
	buf_puts(b, "</select></div><div><label for=\"for\">For</label><select id=\"for\" name=\"for_hooper_id\" "
		    "required");
	pages_field_aria(b, "hooper", f->hooper_err);
	buf_puts(b, "><option value=\"\">Choose</option>");
	cJSON_ArrayForEach(t, teams)
	{
		if (pages_id(t, "id") == my_team)
			continue;
		buf_puts(b, "<optgroup label=\"");
		pages_escape(b, pages_str(t, "name"));
		buf_puts(b, "\">");
		cJSON_ArrayForEach(h, cJSON_GetObjectItem(t, "hoopers"))
		{
			buf_printf(b, "<option value=\"%lld\">", (long long)pages_id(h, "id"));
			pages_escape(b, pages_str(h, "name"));
			buf_puts(b, "</option>");
		}
		buf_puts(b, "</optgroup>");
	}
	buf_puts(b, "</select></div>");
	pages_field_error(b, "hooper", f->hooper_err);
	buf_puts(b, "<div class=\"actions\"><button type=\"submit\">Propose the trade</button></div></form>"
		    "</section>\n");
}

static int trades_page(pw_app_t *app, const pages_who_t *who, pw_response_t *res, const trades_form_t *f,
		       int status)
{
	gov_sync(app->gov);
	const pw_governor_t *me = gstate_governor(gov_state(app->gov), who->gid);
	pw_season_row_t cur;
	cJSON *teams = pages_season(app, &cur) ? season_teams_json(app->view, cur.id) : NULL;
	cJSON *tr = gov_trades_json(app->gov, who->gid);
	pw_buf_t b = {0};
	pages_begin(&b, "Trades", "governance");
	buf_printf(&b, "<h1>Trades</h1>\n<p class=\"lede\">Offer tokens to another governor, or swap hoopers "
		       "with another team. You hold %d propose, %d amend and %d boost; no balance may pass 6 of "
		       "a kind.</p>\n", me->tokens[PW_TOK_PROPOSE], me->tokens[PW_TOK_AMEND], me->tokens[PW_TOK_BOOST]);
	if (f->top_err)
		pages_notice(&b, "error", f->top_err);
	if (f->ok)
		pages_notice(&b, "ok", f->ok);
	buf_puts(&b, "<section aria-labelledby=\"inbox\"><h2 id=\"inbox\">Inbox</h2>\n");
	int n = 0;
	const cJSON *t;
	cJSON_ArrayForEach(t, cJSON_GetObjectItem(tr, "token_trades"))
	{
		int64_t id = pages_id(t, "id"), from = pages_id(t, "from_governor_id");
		const char *status_s = pages_str(t, "status");
		bool open = status_s && !strcmp(status_s, "open");
		n++;
		buf_printf(&b, "<article class=\"proposal-card\"><h3>Token offer #%lld <span class=\"tag\">", (long long)id);
		pages_escape(&b, status_s);
		buf_puts(&b, "</span></h3><p>");
		pages_governor_link(app, &b, from);
		buf_puts(&b, " gives ");
		pages_tokens_text(&b, cJSON_GetObjectItem(t, "offer"));
		buf_puts(&b, " to ");
		pages_governor_link(app, &b, pages_id(t, "to_governor_id"));
		buf_puts(&b, " for ");
		pages_tokens_text(&b, cJSON_GetObjectItem(t, "request"));
		buf_puts(&b, ".");
		if (open && cJSON_GetObjectItem(t, "expires_after_round"))
			buf_printf(&b, " Expires after round %d.", (int)pages_num(t, "expires_after_round"));
		buf_puts(&b, "</p>");
		if (open) {
			char act[64];
			buf_puts(&b, "<div class=\"actions\">");
			if (from == who->gid) {
				snprintf(act, sizeof act, "/trades/%lld/withdraw", (long long)id);
				pages_button(&b, who, act, "Withdraw", "secondary");
			} else {
				snprintf(act, sizeof act, "/trades/%lld/accept", (long long)id);
				pages_button(&b, who, act, "Accept", NULL);
				snprintf(act, sizeof act, "/trades/%lld/reject", (long long)id);
				pages_button(&b, who, act, "Reject", "secondary");
			}
			buf_puts(&b, "</div>");
		}
		buf_puts(&b, "</article>\n");
	}
	cJSON_ArrayForEach(t, cJSON_GetObjectItem(tr, "hooper_trades"))
	{
		int64_t id = pages_id(t, "id");
		const char *status_s = pages_str(t, "status");
		bool pending = status_s && !strcmp(status_s, "pending");
		n++;
		buf_printf(&b, "<article class=\"proposal-card\"><h3>Hooper trade #%lld <span class=\"tag\">", (long long)id);
		pages_escape(&b, status_s);
		buf_puts(&b, "</span></h3><p>");
		hooper_name(teams, &b, pages_id(t, "hooper_a"));
		buf_puts(&b, " for ");
		hooper_name(teams, &b, pages_id(t, "hooper_b"));
		buf_puts(&b, ", proposed by ");
		pages_governor_link(app, &b, pages_id(t, "proposer_id"));
		buf_printf(&b, "; %d approval%s so far.", (int)pages_num(t, "approvals"),
			   pages_num(t, "approvals") == 1 ? "" : "s");
		if (pages_str(t, "reason")) {
			buf_puts(&b, " ");
			pages_escape(&b, pages_str(t, "reason"));
		}
		buf_puts(&b, "</p>");
		if (pending) {
			char act[64];
			buf_puts(&b, "<div class=\"actions\">");
			snprintf(act, sizeof act, "/hooper-trades/%lld/approve", (long long)id);
			pages_button(&b, who, act, "Approve", NULL);
			snprintf(act, sizeof act, "/hooper-trades/%lld/reject", (long long)id);
			pages_button(&b, who, act, "Reject", "secondary");
			buf_puts(&b, "</div>");
		}
		buf_puts(&b, "</article>\n");
	}
	if (!n)
		buf_puts(&b, "<p>No offers or hooper trades yet.</p>\n");
	buf_puts(&b, "</section>\n<div class=\"trade-grid\">");
	offer_form(app, &b, who, f);
	hooper_form(app, &b, who, teams, me->team_id, f);
	buf_puts(&b, "</div>\n");
	cJSON_Delete(tr);
	cJSON_Delete(teams);
	return pages_finish_who(app, who, res, &b, status);
}

PAGE_HANDLER(page_trades)
{
	pages_who_t who;
	pages_who(app, req, &who);
	if (!who.gid)
		return pages_need_governor(app, &who, res, "trade");
	char done[24];
	pages_query_word(req, "done", done, sizeof done);
	trades_form_t f = {.ok = !strcmp(done, "offered")    ? "Your offer is sent."
				 : !strcmp(done, "proposed") ? "The hooper trade is proposed, with your approval."
				 : done[0]                   ? "Done."
							     : NULL};
	return trades_page(app, &who, res, &f, 200);
}

PAGE_HANDLER(page_trade_offer)
{
	pages_who_t who;
	pages_who(app, req, &who);
	if (!who.gid)
		return pages_need_governor(app, &who, res, "trade");
	trades_form_t f = {0};
	int64_t to = 0;
	int offer[PW_TOKEN_KINDS], request[PW_TOKEN_KINDS];
	if (pages_form_int(req, "to_governor_id", 1, INT64_C(1) << 52, &to) != 1)
		f.offer_err = "Choose the governor the offer goes to.";
	for (int k = 0; k < PW_TOKEN_KINDS && !f.offer_err; k++) {
		char field[24];
		int64_t v = 0;
		snprintf(field, sizeof field, "offer_%s", kinds[k]);
		if (pages_form_int(req, field, 0, 6, &v) < 0)
			f.offer_err = "Each number of tokens is from 0 to 6.";
		offer[k] = (int)v;
		v = 0;
		snprintf(field, sizeof field, "request_%s", kinds[k]);
		if (pages_form_int(req, field, 0, 6, &v) < 0)
			f.offer_err = "Each number of tokens is from 0 to 6.";
		request[k] = (int)v;
	}
	pw_err_t err = {0};
	if (!f.offer_err && gov_trade_offer(app->gov, who.gid, to, offer, request, NULL, &err) == 0)
		return pages_redirect(res, "/trades?done=offered");
	if (!f.offer_err)
		f.offer_err = err.msg;
	return trades_page(app, &who, res, &f, 422);
}

PAGE_HANDLER(page_hooper_trade_offer)
{
	pages_who_t who;
	pages_who(app, req, &who);
	if (!who.gid)
		return pages_need_governor(app, &who, res, "trade");
	trades_form_t f = {0};
	int64_t a = 0, bh = 0;
	if (pages_form_int(req, "hooper_id", 1, INT64_C(1) << 52, &a) != 1 ||
	    pages_form_int(req, "for_hooper_id", 1, INT64_C(1) << 52, &bh) != 1)
		f.hooper_err = "Choose one of your hoopers and one of another team's.";
	pw_err_t err = {0};
	if (!f.hooper_err && gov_hooper_trade_propose(app->gov, who.gid, a, bh, NULL, &err) == 0)
		return pages_redirect(res, "/trades?done=proposed");
	if (!f.hooper_err)
		f.hooper_err = err.msg;
	return trades_page(app, &who, res, &f, 422);
}

PAGE_HANDLER(page_trades_act)
{
	pages_who_t who;
	pages_who(app, req, &who);
	if (!who.gid)
		return pages_need_governor(app, &who, res, "trade");
	int64_t id;
	const char *action = router_param(p, "action");
	bool hooper = req->path.n > 14 && !memcmp(req->path.p, "/hooper-trades/", 15);
	pw_err_t err = {0};
	int rc = PW_E_NOT_FOUND;
	snprintf(err.msg, sizeof err.msg, "There is no such action.");
	if (router_param_id(p, "id", &id) == 0 && action) {
		if (hooper && !strcmp(action, "approve"))
			rc = gov_hooper_trade_approve(app->gov, who.gid, id, NULL, &err);
		else if (hooper && !strcmp(action, "reject"))
			rc = gov_hooper_trade_reject(app->gov, who.gid, id, NULL, &err);
		else if (!hooper && (!strcmp(action, "accept") || !strcmp(action, "reject")))
			rc = gov_trade_respond(app->gov, who.gid, id, !strcmp(action, "accept"), NULL, &err);
		else if (!hooper && !strcmp(action, "withdraw"))
			rc = gov_trade_withdraw(app->gov, who.gid, id, NULL, &err);
	}
	if (rc == 0) {
		char to[48];
		snprintf(to, sizeof to, "/trades?done=%s", action);
		return pages_redirect(res, to);
	}
	trades_form_t f = {.top_err = err.msg};
	return trades_page(app, &who, res, &f, err_status(rc));
}
