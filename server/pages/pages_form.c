/*
 * pages_form.c — what the governors' pages share: reading posted forms,
 * writing forms with their CSRF token and errors beside their fields,
 * redirects, and the routes (see pages_internal.h).
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "server/api/api_util.h"
#include "server/pages/pages_internal.h"

long pages_field(pw_str_t src, const char *name, char *out, size_t cap)
{
	return src.p ? http_query_param(src, name, out, cap) : -1;
}

char *pages_form_text(const pw_http_request_t *req, const char *name, size_t max, const char **why)
{
	*why = NULL;
	size_t cap = req->body.n + 1;
	char *v = malloc(cap);
	if (!v) {
		*why = "the server ran out of memory";
		return NULL;
	}
	long n = pages_field(req->body, name, v, cap);
	if (n == -1 || n == 0) {
		free(v);
		return NULL;
	}
	if (n < 0) {
		free(v);
		*why = "it is not properly encoded (or holds a NUL character)";
		return NULL;
	}
	/* Browsers send a textarea's line breaks as CR LF. */
	size_t o = 0;
	for (long i = 0; i < n; i++)
		if (!(v[i] == '\r' && v[i + 1] == '\n'))
			v[o++] = v[i];
	v[o] = '\0';
	if (!api_utf8_valid(v, o)) {
		free(v);
		*why = "it is not valid UTF-8 text";
		return NULL;
	}
	if (o > max) {
		free(v);
		*why = "it is too long";
		return NULL;
	}
	return v;
}

int pages_form_int(const pw_http_request_t *req, const char *name, int64_t lo, int64_t hi, int64_t *out)
{
	char v[24];
	long n = pages_field(req->body, name, v, sizeof v);
	if (n == -1 || n == 0)
		return 0;
	if (n < 0)
		return -1;
	char *end;
	long long x = strtoll(v, &end, 10);
	if (*end || end == v || x < lo || x > hi)
		return -1;
	*out = x;
	return 1;
}

bool pages_form_has(const pw_http_request_t *req, const char *name)
{
	char v[16];
	return pages_field(req->body, name, v, sizeof v) > 0;
}

void pages_query_word(const pw_http_request_t *req, const char *name, char *out, size_t cap)
{
	long n = pages_field(req->query, name, out, cap);
	bool ok = n > 0;
	for (long i = 0; ok && i < n; i++)
		ok = (out[i] >= 'a' && out[i] <= 'z') || out[i] == '-';
	if (!ok)
		out[0] = '\0';
}

void pages_csrf(pw_buf_t *b, const pages_who_t *who)
{
	buf_puts(b, "<input type=\"hidden\" name=\"csrf\" value=\"");
	pages_escape(b, who->s.csrf);
	buf_puts(b, "\">");
}

void pages_form_open(pw_buf_t *b, const pages_who_t *who, const char *action, const char *cls)
{
	buf_puts(b, "<form method=\"post\" action=\"");
	pages_escape(b, action);
	buf_puts(b, "\"");
	if (cls) {
		buf_puts(b, " class=\"");
		pages_escape(b, cls);
		buf_puts(b, "\"");
	}
	buf_puts(b, ">");
	pages_csrf(b, who);
}

void pages_button(pw_buf_t *b, const pages_who_t *who, const char *action, const char *label, const char *cls)
{
	pages_form_open(b, who, action, "inline");
	buf_puts(b, "<button type=\"submit\"");
	if (cls) {
		buf_puts(b, " class=\"");
		pages_escape(b, cls);
		buf_puts(b, "\"");
	}
	buf_puts(b, ">");
	pages_escape(b, label);
	buf_puts(b, "</button></form>");
}

/* A sentence of the league's (they start in lower case, to be embedded)
 * standing on its own: its first letter up. */
static void sentence(pw_buf_t *b, const char *msg)
{
	if (msg[0] >= 'a' && msg[0] <= 'z') {
		buf_printf(b, "%c", msg[0] - 'a' + 'A');
		msg++;
	}
	pages_escape(b, msg);
}

void pages_field_error(pw_buf_t *b, const char *id, const char *msg)
{
	if (!msg)
		return;
	buf_puts(b, "<p class=\"field-error\" id=\"");
	pages_escape(b, id);
	buf_puts(b, "-error\">");
	sentence(b, msg);
	buf_puts(b, "</p>");
}

void pages_field_aria(pw_buf_t *b, const char *id, const char *msg)
{
	if (!msg)
		return;
	buf_puts(b, " aria-invalid=\"true\" aria-describedby=\"");
	pages_escape(b, id);
	buf_puts(b, "-error\"");
}

void pages_notice(pw_buf_t *b, const char *kind, const char *msg)
{
	bool err = !strcmp(kind, "error");
	buf_printf(b, "<p class=\"notice %s\" role=\"%s\">", err ? "error" : "ok", err ? "alert" : "status");
	sentence(b, msg);
	buf_puts(b, "</p>\n");
}

int pages_redirect(pw_response_t *res, const char *location)
{
	pw_buf_t b = {0};
	buf_puts(&b, "<!doctype html><title>See other</title><a href=\"");
	pages_escape(&b, location);
	buf_puts(&b, "\">Continue</a>\n");
	resp_html(res, 303, &b);
	resp_header(res, "Location", location);
	resp_header(res, "Cache-Control", "no-store");
	return HTTP_HANDLED;
}

int pages_finish_who(pw_app_t *app, const pages_who_t *who, pw_response_t *res, pw_buf_t *b, int status)
{
	pages_finish(res, b, status);
	pages_account_fill(app, who, res);
	return HTTP_HANDLED;
}

int pages_need_governor(pw_app_t *app, const pages_who_t *who, pw_response_t *res, const char *what)
{
	pw_buf_t b = {0};
	pages_begin(&b, "Join to take part", "governance");
	buf_puts(&b, "<h1>Join to take part</h1>\n<p class=\"lede\">To ");
	pages_escape(&b, what);
	buf_puts(&b, " you need to be a governor of a team this season.</p>\n<p>");
	if (who->last_gid)
		buf_printf(&b, "You were <a href=\"/governors/%lld\">a governor</a> before, but not this season: "
			       "join a team that plays now. ", (long long)who->last_gid);
	buf_puts(&b, "<a class=\"button\" href=\"/join\">Join a team</a> or <a href=\"/sign-in\">sign in</a> "
		     "if you already joined. <a href=\"/how-to-play\">How to play</a>.</p>\n");
	return pages_finish_who(app, who, res, &b, 200);
}

void pages_tokens_text(pw_buf_t *b, const cJSON *t)
{
	bool any = false;
	for (int k = 0; k < PW_TOKEN_KINDS; k++) {
		int n = (int)pages_num(t, gstate_token_name(k));
		if (!n)
			continue;
		buf_printf(b, "%s%d %s", any ? ", " : "", n, gstate_token_name(k));
		any = true;
	}
	if (!any)
		buf_puts(b, "nothing");
}

void pages_governor_link(pw_app_t *app, pw_buf_t *b, int64_t gid)
{
	const pw_governor_t *gv = gstate_governor(gov_state(app->gov), gid);
	buf_printf(b, "<a href=\"/governors/%lld\">", (long long)gid);
	if (gv)
		pages_escape(b, gv->name);
	else
		buf_printf(b, "governor %lld", (long long)gid);
	buf_puts(b, "</a>");
}

void pages_team_ref(pw_app_t *app, pw_buf_t *b, int64_t team_id)
{
	cJSON *teams = store_teams_json(app->store, app->league_id);
	pages_team_link(b, teams, team_id);
	cJSON_Delete(teams);
}

void pages_next_tally(pw_app_t *app, pw_buf_t *b, int64_t *at)
{
	*at = 0;
	cJSON *st = cJSON_CreateObject();
	if (app->sched && st)
		scheduler_status(app->sched, st);
	const char *next = cJSON_GetStringValue(cJSON_GetObjectItem(st, "next_tick_at"));
	int pace_s = (int)cJSON_GetNumberValue(cJSON_GetObjectItem(st, "pace_seconds"));
	pw_season_row_t cur;
	int round = pages_season(app, &cur) ? cur.current_round : 0;
	int every = app->cfg.governance_interval > 0 ? app->cfg.governance_interval : 1;
	/* Ticks until one that tallies: round r tallies when r % every == 0. */
	int ticks = every - round % every;
	struct tm tm = {0};
	if (next && strptime(next, "%Y-%m-%dT%H:%M:%SZ", &tm)) {
		int64_t t = (int64_t)timegm(&tm) + (int64_t)(ticks - 1) * (pace_s > 0 ? pace_s : 0);
		int64_t left = t - (int64_t)time(NULL);
		*at = t;
		struct tm when;
		time_t tt = (time_t)t;
		gmtime_r(&tt, &when);
		char hm[16];
		strftime(hm, sizeof hm, "%H:%M", &when);
		buf_printf(b, "<span class=\"countdown\" data-at=\"%lld\">", (long long)t);
		if (left < 60)
			buf_puts(b, "in less than a minute");
		else if (left < 3600)
			buf_printf(b, "in about %lld minute%s", (long long)(left / 60), left / 60 == 1 ? "" : "s");
		else
			buf_printf(b, "in about %lld hour%s", (long long)(left / 3600), left / 3600 == 1 ? "" : "s");
		buf_printf(b, "</span> (%s UTC)", hm);
	} else if (ticks > 1) {
		buf_printf(b, "after %d more ticks; the pace is manual, so the admin plays each one", ticks);
	} else {
		buf_puts(b, "after the next tick; the pace is manual, so the admin plays it");
	}
	cJSON_Delete(st);
}

int pages_gov_routes(pw_app_t *app)
{
	static const struct {
		const char *method, *path;
		pw_handler_fn fn;
	} routes[] = {
		{"GET", "/governance", page_governance},
		{"GET", "/how-to-play", page_how_to_play},
		{"GET", "/join", page_join},
		{"POST", "/join", page_join_post},
		{"GET", "/sign-in", page_sign_in},
		{"POST", "/sign-in", page_sign_in_post},
		{"POST", "/admin/sign-in", page_admin_sign_in_post},
		{"POST", "/sign-out", page_sign_out_post},
		{"GET", "/propose", page_propose},
		{"POST", "/propose", page_propose_post},
		{"GET", "/proposals/{id}", page_proposal},
		{"POST", "/proposals/{id}/amend", page_proposal_amend},
		{"POST", "/proposals/{id}/vote", page_proposal_vote},
		{"POST", "/proposals/{id}/{action}", page_proposal_act},
		{"GET", "/trades", page_trades},
		{"POST", "/trades/offer", page_trade_offer},
		{"POST", "/trades/{id}/{action}", page_trades_act},
		{"POST", "/hooper-trades", page_hooper_trade_offer},
		{"POST", "/hooper-trades/{id}/{action}", page_trades_act},
		{"GET", "/strategy", page_strategy},
		{"POST", "/strategy", page_strategy_post},
		{"POST", "/hoopers/{id}/bio", page_hooper_bio_post},
		{"GET", "/governors/{id}", page_governor},
		{"POST", "/me/token", page_token_post},
		{"POST", "/admin/invites", page_admin_invite_post},
		{"POST", "/admin/invites/{id}/{action}", page_admin_act},
		{"POST", "/admin/proposals/{id}/{action}", page_admin_act},
		{"POST", "/admin/effects/{id}/{action}", page_admin_act},
		{"POST", "/admin/advance", page_admin_act},
	};
	for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++)
		if (app_route(app, routes[i].method, routes[i].path, routes[i].fn) < 0)
			return -1;
	return 0;
}
