/*
 * discord_oauth.c — "Sign in with Discord" for the web pages: OAuth2's
 * authorization-code flow with state and PKCE (S256), identify scope. The
 * person it returns is the identity ("discord", user id) — the same one
 * the bot knows them by — and the browser gets a session for it
 * (pages_session.h); joining then follows the enrolment mode.
 *
 *   GET /auth/discord           a fresh state and code verifier (kept in
 *                               bot_state for ten minutes, one use; the
 *                               state also in a cookie bound to this
 *                               browser), then 302 to Discord's consent page
 *   GET /auth/discord/callback  state must match both the cookie and a
 *                               kept one (403 otherwise); the code is
 *                               exchanged (with the verifier) and the user
 *                               read off the loop, on the thread pool;
 *                               then 303 to / signed in
 *
 * On only with DISCORD_CLIENT_SECRET (and the bot's settings); 404 without.
 */
#include "server/discord/discord_int.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/league/identity.h"
#include "core/sim/sha256.h"
#include "server/pages/pages.h"
#include "server/pages/pages_session.h"

#define STATE_COOKIE "pw_discord_state"
#define STATE_SECONDS 600
#define AUTHORIZE_URL "https://discord.com/oauth2/authorize"

/* base64url without padding (RFC 7636's code_challenge). */
static void b64url(const uint8_t *in, size_t n, char *out)
{
	static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t o = 0;
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0) |
			     (i + 2 < n ? in[i + 2] : 0);
		out[o++] = a[v >> 18 & 63];
		out[o++] = a[v >> 12 & 63];
		if (i + 1 < n)
			out[o++] = a[v >> 6 & 63];
		if (i + 2 < n)
			out[o++] = a[v & 63];
	}
	out[o] = 0;
}

/* Percent-encodes s for a query or form value. */
static void url_encode(pw_buf_t *b, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' ||
		    *p == '_' || *p == '.' || *p == '~')
			buf_append(b, p, 1);
		else
			buf_printf(b, "%%%02X", *p);
	}
}

/* Where Discord sends the browser back: DISCORD_REDIRECT_URI, else this
 * server's own name (https in production). */
static void redirect_uri(pw_app_t *app, const pw_http_request_t *req, char *out, size_t cap)
{
	const char *set = getenv("DISCORD_REDIRECT_URI");
	if (set && *set) {
		snprintf(out, cap, "%s", set);
		return;
	}
	const pw_str_t *host = http_header(req, "host");
	snprintf(out, cap, "%s://%.*s/auth/discord/callback", app->cfg.production ? "https" : "http",
		 host ? (int)(host->n < 200 ? host->n : 200) : 9, host ? host->p : "localhost");
}

static int page(pw_response_t *res, int status, const char *title, const char *text)
{
	pw_buf_t b = {0};
	pages_begin(&b, title, "");
	buf_puts(&b, "<h1>");
	pages_escape(&b, title);
	buf_puts(&b, "</h1><p>");
	pages_escape(&b, text);
	buf_puts(&b, "</p><p><a href=\"/\">Back to the league</a>.</p>");
	return pages_finish(res, &b, status);
}

static int h_start(pw_app_t *app, pw_http_conn_t *c, const pw_http_request_t *req, const pw_params_t *p,
		   pw_response_t *res)
{
	if (!discord_sign_in_on(app))
		return page(res, 404, "Sign in with Discord is off",
			    "This league has no DISCORD_CLIENT_SECRET, so it cannot sign you in with Discord.");
	char state[IDENTITY_SECRET_HEX + 1], verifier[IDENTITY_SECRET_HEX + 1];
	if (identity_random_hex(state, IDENTITY_SECRET_HEX / 2) < 0 ||
	    identity_random_hex(verifier, IDENTITY_SECRET_HEX / 2) < 0)
		return page(res, 503, "Try again", "The server has no randomness to offer right now.");
	char key[96], val[128];
	snprintf(key, sizeof key, "discord.oauth.%s", state);
	snprintf(val, sizeof val, "%s %lld", verifier, (long long)time(NULL) + STATE_SECONDS);
	if (store_kv_set(app->store, key, val) < 0)
		return page(res, 503, "Try again", "The server could not remember the sign-in; try again.");
	uint8_t dig[32];
	pw_sha256_t sh;
	sha256_init(&sh);
	sha256_update(&sh, verifier, strlen(verifier));
	sha256_final(&sh, dig);
	char challenge[48], uri[300];
	b64url(dig, sizeof dig, challenge);
	redirect_uri(app, req, uri, sizeof uri);
	pw_buf_t loc = {0};
	buf_printf(&loc, "%s?response_type=code&scope=identify&client_id=%s&state=%s&code_challenge=%s"
			 "&code_challenge_method=S256&prompt=none&redirect_uri=",
		   AUTHORIZE_URL, app->discord->cfg.app_id, state, challenge);
	url_encode(&loc, uri);
	char cookie[200];
	snprintf(cookie, sizeof cookie, "%s=%s; Path=/auth/discord; HttpOnly; SameSite=Lax; Max-Age=%d%s", STATE_COOKIE,
		 state, STATE_SECONDS, app->cfg.production ? "; Secure" : "");
	resp_header(res, "Set-Cookie", cookie);
	resp_header(res, "Location", loc.data ? loc.data : "/");
	resp_header(res, "Cache-Control", "no-store");
	buf_free(&loc);
	res->status = 302;
	res->content_type = PW_CT_TEXT;
	buf_puts(&res->body, "Off to Discord to sign in.\n");
	return HTTP_HANDLED;
}

/* The exchange, on the thread pool. */
typedef struct oauth_job {
	uv_work_t w;
	pw_app_t *app;
	pw_http_conn_t *c;
	pages_who_t who;
	char body[1200];      /* the token request's form */
	char user_id[24];
	char name[64];
	char err[300];
} oauth_job_t;

static void job_closed(void *ud)
{
	oauth_job_t *j = ud;
	j->c = NULL;
}

static void exchange(uv_work_t *w)
{
	oauth_job_t *j = w->data;
	struct discord *d = j->app->discord;
	discord_reply_t rep;
	if (discord_rest_call_as(d->rest, NULL, "application/x-www-form-urlencoded", "POST", "/oauth2/token", j->body,
				 &rep) < 0 ||
	    rep.status != 200) {
		snprintf(j->err, sizeof j->err, "Discord did not accept the sign-in (%ld).", rep.status);
		free(rep.body);
		return;
	}
	cJSON *t = cJSON_Parse(rep.body);
	free(rep.body);
	const char *access = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(t, "access_token"));
	char auth[600];
	if (!access || strlen(access) > 500) {
		cJSON_Delete(t);
		snprintf(j->err, sizeof j->err, "Discord's answer had no access token.");
		return;
	}
	snprintf(auth, sizeof auth, "Authorization: Bearer %s", access);
	cJSON_Delete(t);
	if (discord_rest_call_as(d->rest, auth, "application/json", "GET", "/users/@me", NULL, &rep) < 0 ||
	    rep.status != 200) {
		snprintf(j->err, sizeof j->err, "Discord would not say who you are (%ld).", rep.status);
		free(rep.body);
		return;
	}
	cJSON *u = cJSON_Parse(rep.body);
	free(rep.body);
	const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(u, "id"));
	const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(u, "global_name"));
	if (!name)
		name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(u, "username"));
	if (!id || !*id || strlen(id) > 20 || strspn(id, "0123456789") != strlen(id))
		snprintf(j->err, sizeof j->err, "Discord's answer had no user id.");
	else {
		snprintf(j->user_id, sizeof j->user_id, "%s", id);
		snprintf(j->name, sizeof j->name, "%.60s", name ? name : id);
	}
	cJSON_Delete(u);
}

static void exchanged(uv_work_t *w, int status)
{
	oauth_job_t *j = w->data;
	if (!j->c) {
		free(j);
		return;
	}
	pw_app_t *app = j->app;
	pw_response_t res;
	resp_init(&res);
	int64_t iid = 0;
	pw_err_t err = {0};
	if (status < 0 || j->err[0]) {
		page(&res, 502, "Not signed in", j->err[0] ? j->err : "The sign-in was cancelled.");
	} else if (identity_find_or_create(app->store, "discord", j->user_id, j->name, (int64_t)time(NULL), &iid, &err) < 0 ||
		   pages_sign_in(app, &j->who, iid, false, &res) < 0) {
		page(&res, 503, "Not signed in", err.msg[0] ? err.msg : "The session could not be started.");
	} else {
		log_event(&app->log, PW_LOG_INFO, "discord.signed_in", "identity=%lld", (long long)iid);
		res.status = 303;
		res.content_type = PW_CT_TEXT;
		resp_header(&res, "Location", "/");
		buf_puts(&res.body, "Signed in with Discord.\n");
	}
	/* The state is spent either way. */
	resp_header(&res, "Set-Cookie", STATE_COOKIE "=; Path=/auth/discord; HttpOnly; SameSite=Lax; Max-Age=0");
	http_conn_respond(j->c, &res);
	free(j);
}

/* The kept verifier of state (one use: forgotten now); false when there is
 * none or it expired. */
static bool take_verifier(pw_app_t *app, const char *state, char *verifier, size_t cap)
{
	if (strlen(state) != IDENTITY_SECRET_HEX || strspn(state, "0123456789abcdef") != IDENTITY_SECRET_HEX)
		return false;
	char key[96];
	snprintf(key, sizeof key, "discord.oauth.%s", state);
	char *v = store_kv_get(app->store, key);
	store_kv_delete(app->store, key);
	long long until = 0;
	char ver[IDENTITY_SECRET_HEX + 1];
	bool ok = v && sscanf(v, "%64s %lld", ver, &until) == 2 && until >= (long long)time(NULL);
	if (ok)
		snprintf(verifier, cap, "%s", ver);
	free(v);
	return ok;
}

static int h_callback(pw_app_t *app, pw_http_conn_t *c, const pw_http_request_t *req, const pw_params_t *p,
		      pw_response_t *res)
{
	if (!discord_sign_in_on(app))
		return page(res, 404, "Sign in with Discord is off", "This league cannot sign you in with Discord.");
	char state[IDENTITY_SECRET_HEX + 2] = "", mine[IDENTITY_SECRET_HEX + 2] = "", code[256] = "";
	char verifier[IDENTITY_SECRET_HEX + 1];
	if (http_query_param(req->query, "error", code, sizeof code) >= 0 && code[0])
		return page(res, 403, "Not signed in", "Discord says the sign-in was refused.");
	bool have = http_query_param(req->query, "state", state, sizeof state) > 0 &&
		    http_query_param(req->query, "code", code, sizeof code) > 0;
	/* The state must be this browser's (the cookie) and one we handed out. */
	if (!have || !pages_cookie(req, STATE_COOKIE, mine, sizeof mine) || strcmp(state, mine) ||
	    !take_verifier(app, state, verifier, sizeof verifier)) {
		log_event(&app->log, PW_LOG_WARN, "discord.oauth_refused", "a sign-in came back with a state we did not give this browser");
		return page(res, 403, "Not signed in",
			    "This sign-in did not start here, or it is too old. Start again from the sign-in link.");
	}
	oauth_job_t *j = calloc(1, sizeof *j);
	if (!j)
		return page(res, 503, "Try again", "The server is out of memory.");
	j->app = app;
	j->c = c;
	pages_who(app, req, &j->who);
	char uri[300];
	redirect_uri(app, req, uri, sizeof uri);
	pw_buf_t f = {0};
	buf_puts(&f, "grant_type=authorization_code&code=");
	url_encode(&f, code);
	buf_puts(&f, "&redirect_uri=");
	url_encode(&f, uri);
	buf_printf(&f, "&code_verifier=%s&client_id=%s&client_secret=", verifier, app->discord->cfg.app_id);
	url_encode(&f, app->discord->cfg.client_secret);
	snprintf(j->body, sizeof j->body, "%s", f.data ? f.data : "");
	buf_free(&f);
	j->w.data = j;
	if (uv_queue_work(app->loop, &j->w, exchange, exchanged) < 0) {
		free(j);
		return page(res, 503, "Try again", "The server is busy.");
	}
	http_conn_defer(c, job_closed, j);
	return HTTP_DEFERRED;
}

int discord_oauth_routes(pw_app_t *app)
{
	if (app_route(app, "GET", "/auth/discord", h_start) < 0 ||
	    app_route(app, "GET", "/auth/discord/callback", h_callback) < 0)
		return -1;
	return 0;
}
