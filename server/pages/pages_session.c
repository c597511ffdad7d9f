/*
 * pages_session.c — the session cookie, the form gate and the account part
 * of the header (see pages_session.h).
 */
#include "server/pages/pages_session.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "server/app.h"
#include "server/pages/pages.h"

/* The value of cookie `name` in a Cookie header, into out; false when it
 * is not there (or too long to be ours). */
static bool cookie_value(const pw_str_t *h, const char *name, char *out, size_t cap)
{
	size_t nl = strlen(name);
	const char *p = h->p, *end = h->p + h->n;
	while (p < end) {
		while (p < end && (*p == ' ' || *p == ';'))
			p++;
		const char *semi = memchr(p, ';', (size_t)(end - p));
		const char *stop = semi ? semi : end;
		if ((size_t)(stop - p) > nl && !memcmp(p, name, nl) && p[nl] == '=') {
			size_t vl = (size_t)(stop - p) - nl - 1;
			if (vl >= cap)
				return false;
			memcpy(out, p + nl + 1, vl);
			out[vl] = '\0';
			return true;
		}
		p = stop;
	}
	return false;
}

bool pages_cookie(const pw_http_request_t *req, const char *name, char *out, size_t cap)
{
	const pw_str_t *h = http_header(req, "cookie");
	return h && cookie_value(h, name, out, cap);
}

static void fill_governor(pw_app_t *app, pages_who_t *who)
{
	bool enrolled = false;
	who->gid = who->last_gid = 0;
	if (who->s.identity_id > 0) {
		who->last_gid = identity_governor(app->gov, who->s.identity_id, &enrolled);
		who->gid = enrolled ? who->last_gid : 0;
	}
	who->admin_session = who->session && who->s.admin;
	/* Admin is open to anyone on a token-less loopback server. */
	who->admin = who->admin_session ||
		     ((!app->cfg.admin_token || !*app->cfg.admin_token) && app->http &&
		      http_server_is_loopback(app->http));
}

void pages_who(pw_app_t *app, const pw_http_request_t *req, pages_who_t *who)
{
	memset(who, 0, sizeof *who);
	const pw_str_t *h = http_header(req, "cookie");
	if (h && cookie_value(h, PAGES_SESSION_COOKIE, who->id, sizeof who->id) &&
	    identity_session_get(app->store, who->id, (int64_t)time(NULL), &who->s) == 1)
		who->session = true;
	else
		who->id[0] = '\0';
	fill_governor(app, who);
}

static void set_cookie(pw_app_t *app, pw_response_t *res, const char *value, int max_age)
{
	char c[256];
	snprintf(c, sizeof c, "%s=%s; Path=/; HttpOnly; SameSite=Lax; Max-Age=%d%s", PAGES_SESSION_COOKIE,
		 value, max_age, app->cfg.production ? "; Secure" : "");
	resp_header(res, "Set-Cookie", c);
}

/* A new session for identity/admin into who, its cookie on res. */
static int start(pw_app_t *app, pages_who_t *who, int64_t identity_id, bool admin, pw_response_t *res)
{
	int64_t now = (int64_t)time(NULL);
	pw_err_t err = {0};
	char id[IDENTITY_SECRET_HEX + 1];
	pw_session_t s;
	if (identity_session_new(app->store, identity_id, admin, now, app->cfg.session_seconds, id, &s, &err) < 0) {
		log_event(&app->log, PW_LOG_ERROR, "session.failed", "%s", err.msg);
		return -1;
	}
	who->session = true;
	who->s = s;
	snprintf(who->id, sizeof who->id, "%s", id);
	fill_governor(app, who);
	set_cookie(app, res, id, (int)(s.expires_at - now));
	return 0;
}

int pages_session_ensure(pw_app_t *app, pages_who_t *who, pw_response_t *res)
{
	return who->session ? 0 : start(app, who, 0, false, res);
}

int pages_sign_in(pw_app_t *app, pages_who_t *who, int64_t identity_id, bool admin, pw_response_t *res)
{
	if (who->session)
		identity_session_end(app->store, who->id);
	return start(app, who, identity_id, admin, res);
}

void pages_sign_out(pw_app_t *app, pages_who_t *who, pw_response_t *res)
{
	if (who->session)
		identity_session_end(app->store, who->id);
	memset(who, 0, sizeof *who);
	fill_governor(app, who);
	set_cookie(app, res, "", 0);
}

/* The gate's refusal: a page with the reason and what to do. */
static bool refuse(pw_response_t *res, int status, const char *code, const char *msg)
{
	pw_buf_t b = {0};
	pages_begin(&b, "Not sent", NULL);
	buf_printf(&b, "<h1>The form was not sent</h1>\n<p class=\"alert\" role=\"alert\" data-code=\"%s\">", code);
	pages_escape(&b, msg);
	buf_puts(&b, "</p>\n<p><a href=\"/\">Back to the league</a> · <a href=\"/sign-in\">Sign in</a></p>\n");
	pages_finish(res, &b, status);
	return false;
}

bool pages_form_allowed(pw_app_t *app, const pw_http_request_t *req, pw_response_t *res)
{
	const pw_str_t *ct = http_header(req, "content-type");
	if (!ct || !http_media_type_is(*ct, "application/x-www-form-urlencoded"))
		return refuse(res, 415, "unsupported_media_type",
			      "Pages take forms (application/x-www-form-urlencoded); scripts use the JSON API "
			      "under /api/.");
	const pw_str_t *ck = http_header(req, "cookie");
	char id[IDENTITY_SECRET_HEX + 1];
	if (!ck || !cookie_value(ck, PAGES_SESSION_COOKIE, id, sizeof id))
		return refuse(res, 403, "no_session",
			      "This browser sent no session with the form: it came from another site, or "
			      "cookies are blocked here. Open the page on this site and send it again.");
	pw_session_t s;
	int r = identity_session_get(app->store, id, (int64_t)time(NULL), &s);
	if (r < 0)
		return refuse(res, 503, "unavailable", "The league's database did not answer; try again shortly.");
	if (r == 0)
		return refuse(res, 403, "session_expired",
			      "Your session has expired (or you signed out): reload the page, sign in again if "
			      "you were signed in, and send the form again.");
	char token[IDENTITY_SECRET_HEX + 8];
	long n = req->body.p ? http_query_param(req->body, "csrf", token, sizeof token) : -1;
	if (n <= 0)
		return refuse(res, 403, "csrf_missing",
			      "The form lacks its security token (csrf), so it did not come from a page of "
			      "this site: reload the page and send it again.");
	if (!identity_csrf_ok(&s, token))
		return refuse(res, 403, "csrf_invalid",
			      "The form's security token does not belong to your session: it came from "
			      "another site or an old tab. Reload the page and send it again.");
	return true;
}

/* The account part of the header for who. */
static void account_html(pw_app_t *app, const pages_who_t *who, pw_buf_t *b)
{
	buf_puts(b, "<div class=\"account\">");
	const pw_governor_t *gv = NULL;
	if (who->gid) {
		gov_sync(app->gov);
		gv = gstate_governor(gov_state(app->gov), who->gid);
	}
	if (gv) {
		buf_printf(b, "<a class=\"who\" href=\"/governors/%lld\">", (long long)gv->id);
		pages_escape(b, gv->name);
		buf_printf(b, "</a> <span class=\"tokens\" aria-label=\"Your tokens\">"
			      "<span title=\"PROPOSE tokens\">%d propose</span> "
			      "<span title=\"AMEND tokens\">%d amend</span> "
			      "<span title=\"BOOST tokens\">%d boost</span></span> "
			      "<a href=\"/propose\">Propose</a> <a href=\"/trades\">Trades</a> "
			      "<a href=\"/strategy\">Your team</a>",
			   gv->tokens[PW_TOK_PROPOSE], gv->tokens[PW_TOK_AMEND], gv->tokens[PW_TOK_BOOST]);
	} else if (who->admin_session) {
		buf_puts(b, "<a class=\"who\" href=\"/admin\">Admin</a>");
	} else {
		buf_printf(b, "<a href=\"/join\">%s</a>", who->last_gid ? "Join this season" : "Join a team");
		if (!who->session || !who->s.identity_id)
			buf_puts(b, " <a href=\"/sign-in\">Sign in</a>");
	}
	buf_puts(b, " <a href=\"/how-to-play\">How to play</a>");
	if (who->session && (who->s.identity_id || who->s.admin)) {
		buf_puts(b, " <form class=\"inline\" method=\"post\" action=\"/sign-out\">"
			    "<input type=\"hidden\" name=\"csrf\" value=\"");
		pages_escape(b, who->s.csrf);
		buf_puts(b, "\"><button type=\"submit\" class=\"link\">Sign out</button></form>");
	}
	buf_puts(b, "</div>");
}

static char *slot_in(pw_response_t *res)
{
	if (!res->content_type || strcmp(res->content_type, PW_CT_HTML) || !res->body.data)
		return NULL;
	return memmem(res->body.data, res->body.len, PAGES_ACCOUNT_SLOT, strlen(PAGES_ACCOUNT_SLOT));
}

void pages_account_fill(pw_app_t *app, const pages_who_t *who, pw_response_t *res)
{
	char *at = slot_in(res);
	if (!at)
		return;
	pw_buf_t acc = {0};
	account_html(app, who, &acc);
	size_t pre = (size_t)(at - res->body.data), sl = strlen(PAGES_ACCOUNT_SLOT);
	pw_buf_t out = {0};
	buf_append(&out, res->body.data, pre);
	buf_append(&out, acc.data, acc.len);
	buf_append(&out, at + sl, res->body.len - pre - sl);
	buf_free(&acc);
	if (out.oom) {
		buf_free(&out);
		return;
	}
	buf_free(&res->body);
	res->body = out;
	/* The page now differs by who asks. */
	resp_header(res, "Vary", "Cookie");
}

void pages_account_fill_req(pw_app_t *app, const pw_http_request_t *req, pw_response_t *res)
{
	if (!slot_in(res))
		return;
	pages_who_t who;
	pages_who(app, req, &who);
	pages_account_fill(app, &who, res);
}
