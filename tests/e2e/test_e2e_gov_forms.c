/*
 * test_e2e_gov_forms.c — the pages' forms against a running server, as a
 * browser and as an attacker would send them: a form post needs a live
 * session and that session's CSRF token, a cross-site post is refused, an
 * expired session is refused, a person joins once a season (by session,
 * by token), invite enrolment admits only invite holders, the admin signs
 * in once with the token, a governor replaces their token; each refusal
 * says what was wrong and changes nothing.
 */
#include "tests/test.h"

#include <cjson/cJSON.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/e2e/e2e.h"

/* A browser's state: its session cookie and the CSRF token of the last
 * page it loaded. */
typedef struct browser {
	char cookie[128];
	char csrf[80];
} browser_t;

/* Takes a Set-Cookie of pw_session from the answer's headers. */
static void take_cookie(browser_t *b, const char *headers)
{
	const char *c = headers ? strstr(headers, "Set-Cookie: pw_session=") : NULL;
	if (!c)
		return;
	c += strlen("Set-Cookie: ");
	size_t n = strcspn(c, ";\r\n");
	if (n < sizeof b->cookie)
		snprintf(b->cookie, sizeof b->cookie, "%.*s", (int)n, c);
}

/* Loads a page as b (its cookie sent, a new one kept, its csrf read);
 * returns the answer (caller frees it). */
static void load(e2e_server_t *s, browser_t *b, const char *path, e2e_resp_t *r)
{
	char cookie[160];
	snprintf(cookie, sizeof cookie, "Cookie: %s", b->cookie);
	const char *h[] = {cookie, NULL};
	CHECK_EQ(e2e_http(s, "GET", path, NULL, b->cookie[0] ? h : NULL, r), 0);
	take_cookie(b, r->headers);
	const char *t = r->body ? strstr(r->body, "name=\"csrf\" value=\"") : NULL;
	if (t)
		snprintf(b->csrf, sizeof b->csrf, "%.64s", t + strlen("name=\"csrf\" value=\""));
}

/* Posts a form as b: body is sent as is (add csrf yourself), extra is
 * one more header or NULL. */
static long post(e2e_server_t *s, browser_t *b, const char *path, const char *body, const char *extra,
		 e2e_resp_t *r)
{
	char cookie[160];
	snprintf(cookie, sizeof cookie, "Cookie: %s", b->cookie);
	const char *h[4] = {"Content-Type: application/x-www-form-urlencoded", NULL, NULL, NULL};
	int n = 1;
	if (b->cookie[0])
		h[n++] = cookie;
	if (extra)
		h[n++] = extra;
	CHECK_EQ(e2e_http(s, "POST", path, body, h, r), 0);
	take_cookie(b, r->headers);
	/* A page answered (not a refusal): its forms carry the token now. */
	const char *t = r->status < 400 && r->body ? strstr(r->body, "name=\"csrf\" value=\"") : NULL;
	if (t)
		snprintf(b->csrf, sizeof b->csrf, "%.64s", t + strlen("name=\"csrf\" value=\""));
	return r->status;
}

/* How many governors there are (the admin's roster through the API). */
static int governors(e2e_server_t *s, int64_t last_id)
{
	int n = 0;
	for (int64_t id = 1; id <= last_id; id++) {
		char path[48];
		long st = 0;
		snprintf(path, sizeof path, "/api/governors/%lld", (long long)id);
		cJSON_Delete(e2e_call(s, "GET", path, NULL, NULL, &st));
		n += st == 200;
	}
	return n;
}

TEST(e2e_forms_need_a_session_and_its_csrf_token)
{
	e2e_server_t s;
	CHECK_EQ(e2e_start(&s, NULL, NULL), 0);
	browser_t me = {0}, other = {0};
	e2e_resp_t r;
	load(&s, &me, "/join", &r);
	CHECK_EQ(r.status, 200);
	CHECK_CONTAINS(r.headers, "HttpOnly; SameSite=Lax");
	CHECK(strstr(r.headers, "Secure") == NULL); /* development: plain http on loopback */
	e2e_resp_free(&r);
	CHECK_EQ(strlen(me.csrf), 64);
	CHECK(strlen(me.cookie) > 20);
	load(&s, &other, "/join", &r);
	e2e_resp_free(&r);
	char body[256];

	/* No cookie (a form another site's page made the browser send:
	 * SameSite=Lax keeps the cookie home). */
	browser_t stranger = {0};
	snprintf(body, sizeof body, "csrf=%s&name=Eve&team_id=1", me.csrf);
	CHECK_EQ(post(&s, &stranger, "/join", body, NULL, &r), 403);
	CHECK_CONTAINS(r.body, "data-code=\"no_session\"");
	CHECK_CONTAINS(r.body, "sent no session");
	e2e_resp_free(&r);
	/* The session, but no token. */
	CHECK_EQ(post(&s, &me, "/join", "name=Eve&team_id=1", NULL, &r), 403);
	CHECK_CONTAINS(r.body, "data-code=\"csrf_missing\"");
	CHECK_CONTAINS(r.body, "lacks its security token");
	e2e_resp_free(&r);
	/* A wrong token, and another session's token. */
	CHECK_EQ(post(&s, &me, "/join", "csrf=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
					 "&name=Eve&team_id=1", NULL, &r), 403);
	CHECK_CONTAINS(r.body, "data-code=\"csrf_invalid\"");
	CHECK_CONTAINS(r.body, "does not belong to your session");
	e2e_resp_free(&r);
	snprintf(body, sizeof body, "csrf=%s&name=Eve&team_id=1", other.csrf);
	CHECK_EQ(post(&s, &me, "/join", body, NULL, &r), 403);
	CHECK_CONTAINS(r.body, "csrf_invalid");
	e2e_resp_free(&r);
	/* A session id nobody issued. */
	browser_t forged = {0};
	snprintf(forged.cookie, sizeof forged.cookie, "pw_session=%s", me.csrf);
	snprintf(body, sizeof body, "csrf=%s&name=Eve&team_id=1", me.csrf);
	CHECK_EQ(post(&s, &forged, "/join", body, NULL, &r), 403);
	CHECK_CONTAINS(r.body, "session_expired");
	e2e_resp_free(&r);
	/* A page takes forms only: JSON (the API's type) is refused. */
	char cookie[160];
	snprintf(cookie, sizeof cookie, "Cookie: %s", me.cookie);
	const char *json[] = {cookie, "Content-Type: application/json", NULL};
	CHECK_EQ(e2e_http(&s, "POST", "/join", "{\"name\":\"Eve\",\"team_id\":1}", json, &r), 0);
	CHECK_EQ(r.status, 415);
	e2e_resp_free(&r);
	/* A cross-site form (Origin or Referer of another site) is refused
	 * even with the right cookie and token. */
	snprintf(body, sizeof body, "csrf=%s&name=Eve&team_id=1", me.csrf);
	CHECK_EQ(post(&s, &me, "/join", body, "Origin: http://evil.example", &r), 403);
	CHECK_CONTAINS(r.body, "cross_origin");
	e2e_resp_free(&r);
	CHECK_EQ(post(&s, &me, "/join", body, "Referer: http://evil.example/page", &r), 403);
	e2e_resp_free(&r);
	/* Nothing of the above joined anyone. */
	CHECK_EQ(governors(&s, 3), 0);
	/* The right cookie and token, from this very origin: joined. */
	char origin[64];
	snprintf(origin, sizeof origin, "Origin: http://127.0.0.1:%d", s.port);
	CHECK_EQ(post(&s, &me, "/join", body, origin, &r), 201);
	CHECK_CONTAINS(r.body, "Welcome, Eve!");
	e2e_resp_free(&r);
	CHECK_EQ(governors(&s, 3), 1);
	CHECK_EQ(e2e_stop(&s, SIGTERM, 10000), 0);
}

/* Behind a proxy (an admin token: Host and Origin are not checked), a
 * cross-site form still gets nowhere: no cookie comes with it, and no
 * other site can know the token. */
TEST(e2e_cross_site_form_refused_on_a_public_server)
{
	e2e_server_t s;
	const char *env[] = {"PINWHEEL_ADMIN_TOKEN=adm-secret-123", "PINWHEEL_ENROLLMENT=open", NULL};
	CHECK_EQ(e2e_start(&s, env, NULL), 0);
	browser_t me = {0}, attacker = {0};
	e2e_resp_t r;
	load(&s, &me, "/join", &r);
	e2e_resp_free(&r);
	CHECK_EQ(post(&s, &attacker, "/join", "name=Eve&team_id=1", "Origin: http://evil.example", &r), 403);
	CHECK_CONTAINS(r.body, "no_session");
	e2e_resp_free(&r);
	CHECK_EQ(post(&s, &me, "/join", "name=Eve&team_id=1", "Origin: http://evil.example", &r), 403);
	CHECK_CONTAINS(r.body, "csrf_missing");
	e2e_resp_free(&r);
	CHECK_EQ(governors(&s, 2), 0);
	CHECK_EQ(e2e_stop(&s, SIGTERM, 10000), 0);
}

TEST(e2e_expired_session_is_refused)
{
	e2e_server_t s;
	const char *env[] = {"PINWHEEL_SESSION_SECONDS=2", NULL};
	CHECK_EQ(e2e_start(&s, env, NULL), 0);
	browser_t me = {0};
	e2e_resp_t r;
	load(&s, &me, "/join", &r);
	e2e_resp_free(&r);
	char body[256];
	snprintf(body, sizeof body, "csrf=%s&name=Ada&team_id=1", me.csrf);
	CHECK_EQ(post(&s, &me, "/join", body, NULL, &r), 201);
	e2e_resp_free(&r);
	load(&s, &me, "/propose", &r);
	CHECK_CONTAINS(r.body, "Propose a rule change");
	CHECK_CONTAINS(r.body, ">Ada</a>"); /* signed in */
	e2e_resp_free(&r);
	sleep(3);
	snprintf(body, sizeof body, "csrf=%s&action=draft&text=shorter+quarters", me.csrf);
	CHECK_EQ(post(&s, &me, "/propose", body, NULL, &r), 403);
	CHECK_CONTAINS(r.body, "session_expired");
	CHECK_CONTAINS(r.body, "Your session has expired");
	e2e_resp_free(&r);
	/* The pages no longer know who this is. */
	load(&s, &me, "/propose", &r);
	CHECK_CONTAINS(r.body, "Join to take part");
	e2e_resp_free(&r);
	long st = 0;
	cJSON *j = e2e_call(&s, "GET", "/api/governance/proposals", NULL, NULL, &st);
	CHECK_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(j, "data")), 0);
	cJSON_Delete(j);
	CHECK_EQ(e2e_stop(&s, SIGTERM, 10000), 0);
}

TEST(e2e_a_person_joins_once_a_season)
{
	e2e_server_t s;
	CHECK_EQ(e2e_start(&s, NULL, NULL), 0);
	browser_t me = {0};
	e2e_resp_t r;
	load(&s, &me, "/join", &r);
	e2e_resp_free(&r);
	char body[256];
	snprintf(body, sizeof body, "csrf=%s&name=Ada&team_id=1", me.csrf);
	CHECK_EQ(post(&s, &me, "/join", body, NULL, &r), 201);
	const char *t = strstr(r.body, "id=\"token\">");
	char token[80] = "";
	if (t)
		snprintf(token, sizeof token, "%.64s", t + strlen("id=\"token\">"));
	e2e_resp_free(&r);
	/* The same browser again, for another team: refused, saying who. */
	load(&s, &me, "/join", &r);
	CHECK_CONTAINS(r.body, "You already govern this season as");
	e2e_resp_free(&r);
	snprintf(body, sizeof body, "csrf=%s&name=Ada2&team_id=2", me.csrf);
	CHECK_EQ(post(&s, &me, "/join", body, NULL, &r), 409);
	CHECK_CONTAINS(r.body, "You already govern this season as");
	CHECK_CONTAINS(r.body, "A person governs one team a season");
	e2e_resp_free(&r);
	/* The same person through the API, with their token: refused. */
	long st = 0;
	cJSON *j = e2e_call(&s, "POST", "/api/governors", "{\"name\":\"Ada3\",\"team_id\":3}", token, &st);
	CHECK_EQ(st, 409);
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "error"), "code")), "conflict");
	CHECK_CONTAINS(cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "error"), "message")),
		       "already joined this season");
	cJSON_Delete(j);
	CHECK_EQ(governors(&s, 4), 1);
	/* Open enrolment stays open to scripts (no session, no token). */
	char *tok = e2e_join(&s, "Script", 3);
	free(tok);
	CHECK_EQ(governors(&s, 4), 2);
	CHECK_EQ(e2e_stop(&s, SIGTERM, 10000), 0);
}

TEST(e2e_invite_enrolment_and_the_admin_in_the_browser)
{
	e2e_server_t s;
	const char *env[] = {"PINWHEEL_ADMIN_TOKEN=adm-secret-123", NULL};
	CHECK_EQ(e2e_start(&s, env, NULL), 0);
	char *log = e2e_log(&s);
	CHECK_CONTAINS(log, "enrollment=invite");
	free(log);
	long st = 0;
	/* An admin token makes enrolment by invitation. */
	cJSON *j = e2e_call(&s, "POST", "/api/governors", "{\"name\":\"Eve\",\"team_id\":1}", NULL, &st);
	CHECK_EQ(st, 403);
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "error"), "code")), "invite_required");
	cJSON_Delete(j);
	/* The admin makes an invite through the API ... */
	cJSON_Delete(e2e_call(&s, "POST", "/api/admin/invites", "{\"team_id\":3}", NULL, &st));
	CHECK_EQ(st, 401);
	j = e2e_call(&s, "POST", "/api/admin/invites", "{\"team_id\":3,\"uses\":1,\"expires_in_hours\":2,"
						       "\"note\":\"for Ada\"}", "adm-secret-123", &st);
	CHECK_EQ(st, 201);
	const cJSON *d = cJSON_GetObjectItem(j, "data");
	char code[40] = "", body[256];
	snprintf(code, sizeof code, "%s", cJSON_GetStringValue(cJSON_GetObjectItem(d, "code")));
	CHECK_EQ(strlen(code), 32);
	CHECK_CONTAINS(cJSON_GetStringValue(cJSON_GetObjectItem(d, "join_path")), "/join?invite=");
	cJSON_Delete(j);
	cJSON_Delete(e2e_call(&s, "POST", "/api/admin/invites", "{\"team_id\":99}", "adm-secret-123", &st));
	CHECK_EQ(st, 404);
	cJSON_Delete(e2e_call(&s, "POST", "/api/admin/invites", "{\"team_id\":1,\"uses\":0}", "adm-secret-123", &st));
	CHECK_EQ(st, 422);
	/* ... which admits one person, to its team. */
	snprintf(body, sizeof body, "{\"name\":\"Ada\",\"invite_code\":\"%s\"}", code);
	j = e2e_call(&s, "POST", "/api/governors", body, NULL, &st);
	CHECK_EQ(st, 201);
	CHECK_EQ(cJSON_GetNumberValue(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "data"), "team_id")), 3);
	cJSON_Delete(j);
	snprintf(body, sizeof body, "{\"name\":\"Bo\",\"invite_code\":\"%s\"}", code);
	j = e2e_call(&s, "POST", "/api/governors", body, NULL, &st);
	CHECK_EQ(st, 403);
	CHECK_CONTAINS(cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "error"), "message")),
		       "used as many times");
	cJSON_Delete(j);
	j = e2e_call(&s, "GET", "/api/admin/invites", NULL, "adm-secret-123", &st);
	CHECK_EQ(st, 200);
	d = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "data"), 0);
	CHECK_EQ(cJSON_GetNumberValue(cJSON_GetObjectItem(d, "uses")), 1);
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(d, "note")), "for Ada");
	CHECK(cJSON_GetObjectItem(d, "code") == NULL);
	cJSON_Delete(j);

	/* The admin in a browser: refused until signed in, a wrong token says
	 * so, the right one starts an admin session whose forms work. */
	browser_t adm = {0};
	e2e_resp_t r;
	load(&s, &adm, "/admin", &r);
	CHECK_EQ(r.status, 401);
	CHECK_CONTAINS(r.body, "Sign in with the admin token");
	e2e_resp_free(&r);
	load(&s, &adm, "/sign-in", &r);
	e2e_resp_free(&r);
	snprintf(body, sizeof body, "csrf=%s&admin_token=nope", adm.csrf);
	CHECK_EQ(post(&s, &adm, "/admin/sign-in", body, NULL, &r), 403);
	CHECK_CONTAINS(r.body, "That is not the admin token.");
	e2e_resp_free(&r);
	snprintf(body, sizeof body, "csrf=%s&admin_token=adm-secret-123", adm.csrf);
	char before[128];
	snprintf(before, sizeof before, "%s", adm.cookie);
	CHECK_EQ(post(&s, &adm, "/admin/sign-in", body, NULL, &r), 303);
	CHECK_CONTAINS(r.headers, "Location: /admin");
	e2e_resp_free(&r);
	CHECK(strcmp(before, adm.cookie) != 0); /* a new session, not the old one upgraded */
	load(&s, &adm, "/admin", &r);
	CHECK_EQ(r.status, 200);
	CHECK_CONTAINS(r.body, "Make an invite link");
	CHECK_CONTAINS(r.body, "for Ada");
	e2e_resp_free(&r);
	snprintf(body, sizeof body, "csrf=%s&team_id=4&uses=2&hours=24&note=club", adm.csrf);
	CHECK_EQ(post(&s, &adm, "/admin/invites", body, NULL, &r), 201);
	const char *link = strstr(r.body, "/join?invite=");
	char code2[40] = "";
	if (link)
		snprintf(code2, sizeof code2, "%.32s", link + strlen("/join?invite="));
	CHECK_EQ(strlen(code2), 32);
	e2e_resp_free(&r);
	snprintf(body, sizeof body, "csrf=%s&team_id=4&uses=0", adm.csrf);
	CHECK_EQ(post(&s, &adm, "/admin/invites", body, NULL, &r), 422);
	CHECK_CONTAINS(r.body, "Uses is a whole number");
	e2e_resp_free(&r);

	/* A visitor with that link joins team 4 in the browser. */
	browser_t cy = {0};
	char path[80];
	snprintf(path, sizeof path, "/join?invite=%s", code2);
	load(&s, &cy, path, &r);
	CHECK_CONTAINS(r.body, "You are invited to govern");
	e2e_resp_free(&r);
	snprintf(body, sizeof body, "csrf=%s&name=Cy&invite=%s", cy.csrf, code2);
	CHECK_EQ(post(&s, &cy, "/join", body, NULL, &r), 201);
	CHECK_CONTAINS(r.body, "Welcome, Cy!");
	e2e_resp_free(&r);
	/* Without an invite the join page asks for one. */
	browser_t dee = {0};
	load(&s, &dee, "/join", &r);
	CHECK_CONTAINS(r.body, "Invite code");
	e2e_resp_free(&r);
	snprintf(body, sizeof body, "csrf=%s&name=Dee&team_id=1", dee.csrf);
	CHECK_EQ(post(&s, &dee, "/join", body, NULL, &r), 422);
	CHECK_CONTAINS(r.body, "id=\"invite-error\"");
	e2e_resp_free(&r);
	/* The admin revokes the second invite: it admits nobody more. */
	load(&s, &adm, "/admin", &r);
	e2e_resp_free(&r);
	snprintf(body, sizeof body, "csrf=%s", adm.csrf);
	CHECK_EQ(post(&s, &adm, "/admin/invites/2/revoke", body, NULL, &r), 303);
	e2e_resp_free(&r);
	snprintf(body, sizeof body, "{\"name\":\"Eli\",\"invite_code\":\"%s\"}", code2);
	cJSON_Delete(e2e_call(&s, "POST", "/api/governors", body, NULL, &st));
	CHECK_EQ(st, 403);
	/* Signing out ends the admin session. */
	load(&s, &adm, "/admin", &r);
	e2e_resp_free(&r);
	snprintf(body, sizeof body, "csrf=%s", adm.csrf);
	CHECK_EQ(post(&s, &adm, "/sign-out", body, NULL, &r), 303);
	e2e_resp_free(&r);
	load(&s, &adm, "/admin", &r);
	CHECK_EQ(r.status, 401);
	e2e_resp_free(&r);
	CHECK_EQ(e2e_stop(&s, SIGTERM, 10000), 0);

	/* A bad mode stops the server at start, naming the variable. */
	char cmd[1024], *out = NULL;
	snprintf(cmd, sizeof cmd, "PINWHEEL_ENROLLMENT=closed %s serve --port 0 --db %s/x.db", test_bin(),
		 test_tmpdir());
	CHECK_EQ(test_run(cmd, &out, true), 2);
	CHECK_CONTAINS(out, "PINWHEEL_ENROLLMENT must be invite or open");
	free(out);
}

TEST(e2e_a_governor_signs_in_with_a_token_and_replaces_it)
{
	e2e_server_t s;
	CHECK_EQ(e2e_start(&s, NULL, NULL), 0);
	char *tok = e2e_join(&s, "Ada", 2); /* a script's join */
	browser_t me = {0};
	e2e_resp_t r;
	load(&s, &me, "/sign-in", &r);
	e2e_resp_free(&r);
	char body[256];
	snprintf(body, sizeof body, "csrf=%s&token=deadbeef", me.csrf);
	CHECK_EQ(post(&s, &me, "/sign-in", body, NULL, &r), 403);
	CHECK_CONTAINS(r.body, "id=\"token-error\"");
	CHECK_CONTAINS(r.body, "not a governor");
	e2e_resp_free(&r);
	snprintf(body, sizeof body, "csrf=%s&token=%s", me.csrf, tok);
	CHECK_EQ(post(&s, &me, "/sign-in", body, NULL, &r), 303);
	CHECK_CONTAINS(r.headers, "Location: /governors/1");
	e2e_resp_free(&r);
	load(&s, &me, "/governors/1", &r);
	CHECK_CONTAINS(r.body, "Your private reports");
	CHECK_CONTAINS(r.body, "Make a new token");
	e2e_resp_free(&r);
	/* Another visitor sees the profile, not its private part. */
	browser_t other = {0};
	load(&s, &other, "/governors/1", &r);
	CHECK(strstr(r.body, "Your private reports") == NULL);
	e2e_resp_free(&r);
	snprintf(body, sizeof body, "csrf=%s", me.csrf);
	CHECK_EQ(post(&s, &me, "/me/token", body, NULL, &r), 200);
	const char *t = strstr(r.body, "id=\"token\">");
	char fresh[80] = "";
	if (t)
		snprintf(fresh, sizeof fresh, "%.64s", t + strlen("id=\"token\">"));
	CHECK_CONTAINS(r.headers, "no-store");
	e2e_resp_free(&r);
	long st = 0;
	cJSON_Delete(e2e_call(&s, "GET", "/api/governance/trades", NULL, tok, &st));
	CHECK_EQ(st, 401);
	cJSON_Delete(e2e_call(&s, "GET", "/api/governance/trades", NULL, fresh, &st));
	CHECK_EQ(st, 200);
	free(tok);

	/* The team page of the governor: a bio for one of its hoopers, from
	 * the form; another team's hooper is not theirs to write. */
	load(&s, &me, "/strategy", &r);
	CHECK_CONTAINS(r.body, "Hooper bios");
	const char *h = strstr(r.body, "action=\"/hoopers/");
	int hid = h ? atoi(h + strlen("action=\"/hoopers/")) : 0;
	e2e_resp_free(&r);
	CHECK(hid > 0);
	char path[64];
	snprintf(path, sizeof path, "/hoopers/%d/bio", hid);
	snprintf(body, sizeof body, "csrf=%s&text=Learned+the+game+on+a+rooftop+court.", me.csrf);
	CHECK_EQ(post(&s, &me, path, body, NULL, &r), 303);
	e2e_resp_free(&r);
	snprintf(path, sizeof path, "/api/hoopers/%d", hid);
	cJSON *j = e2e_call(&s, "GET", path, NULL, NULL, &st);
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "data"), "backstory")),
		  "Learned the game on a rooftop court.");
	cJSON_Delete(j);
	snprintf(path, sizeof path, "/hoopers/%d", hid);
	load(&s, &me, path, &r);
	CHECK_CONTAINS(r.body, "Learned the game on a rooftop court.");
	e2e_resp_free(&r);
	int other_team_hooper = hid > 4 ? 1 : 9; /* teams hold 4 hoopers, ids in order */
	snprintf(path, sizeof path, "/hoopers/%d/bio", other_team_hooper);
	snprintf(body, sizeof body, "csrf=%s&text=Not+mine.", me.csrf);
	CHECK_EQ(post(&s, &me, path, body, NULL, &r), 403);
	CHECK_CONTAINS(r.body, "only their own team");
	e2e_resp_free(&r);
	/* The same through the API with the token. */
	snprintf(path, sizeof path, "/api/hoopers/%d/bio", hid);
	j = e2e_call(&s, "POST", path, "{\"text\":\"Rooftop legend.\"}", fresh, &st);
	CHECK_EQ(st, 200);
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "data"), "bio")), "Rooftop legend.");
	cJSON_Delete(j);
	CHECK_EQ(e2e_stop(&s, SIGTERM, 10000), 0);
}

/* The known mismatch: the docs' own example, `?season_id=&status=open`,
 * answered 400. An empty parameter is no filter; a bad one still is 400. */
TEST(e2e_proposals_status_open_is_answered)
{
	e2e_server_t s;
	CHECK_EQ(e2e_start(&s, NULL, NULL), 0);
	char *tok = e2e_join(&s, "Ada", 1);
	long st = 0;
	cJSON_Delete(e2e_call(&s, "POST", "/api/governance/proposals", "{\"text\":\"shorter quarters\"}", tok, &st));
	CHECK_EQ(st, 201);
	static const struct {
		const char *q;
		long status;
		int n;
	} cases[] = {
		{"?season_id=&status=open", 200, 0}, {"?status=open", 200, 0},  {"?status=draft", 200, 1},
		{"?season_id=&status=", 200, 1},     {"?status=bogus", 400, -1}, {"?season_id=x", 400, -1},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char path[96];
		snprintf(path, sizeof path, "/api/governance/proposals%s", cases[i].q);
		cJSON *j = e2e_call(&s, "GET", path, NULL, NULL, &st);
		CHECK_MSG(st == cases[i].status, "%s answered %ld", path, st);
		if (cases[i].n >= 0)
			CHECK_MSG(cJSON_GetArraySize(cJSON_GetObjectItem(j, "data")) == cases[i].n, "%s: count", path);
		cJSON_Delete(j);
	}
	free(tok);
	CHECK_EQ(e2e_stop(&s, SIGTERM, 10000), 0);
}

/* Proposals through the forms, start to end: a preview that writes
 * nothing and shows the interpreter's question, drafts cancelled and
 * confirmed, an amendment, a withdrawal, the admin clearing and vetoing a
 * wild proposal from the admin page; each answer a 303 to the page that
 * shows it, each refusal beside what it is about. */
TEST(e2e_proposal_forms_from_preview_to_withdrawal)
{
	e2e_server_t s;
	CHECK_EQ(e2e_start(&s, NULL, NULL), 0); /* loopback, no token: open, admin open */
	browser_t ada = {0}, bo = {0};
	e2e_resp_t r;
	char body[512];
	load(&s, &ada, "/join", &r);
	e2e_resp_free(&r);
	snprintf(body, sizeof body, "csrf=%s&name=Ada&team_id=1", ada.csrf);
	CHECK_EQ(post(&s, &ada, "/join", body, NULL, &r), 201);
	e2e_resp_free(&r);
	load(&s, &bo, "/join", &r);
	e2e_resp_free(&r);
	snprintf(body, sizeof body, "csrf=%s&name=Bo&team_id=2", bo.csrf);
	CHECK_EQ(post(&s, &bo, "/join", body, NULL, &r), 201);
	e2e_resp_free(&r);
	load(&s, &ada, "/propose", &r);
	e2e_resp_free(&r);

	/* A preview of words the interpreter cannot map: its question. */
	snprintf(body, sizeof body, "csrf=%s&action=preview&text=make+the+game+more+fun+somehow", ada.csrf);
	CHECK_EQ(post(&s, &ada, "/propose", body, NULL, &r), 200);
	CHECK_CONTAINS(r.body, "The interpreter asks:");
	CHECK_CONTAINS(r.body, "wild: reviewed by the admin");
	CHECK_CONTAINS(r.body, "Nothing was created");
	e2e_resp_free(&r);
	long st = 0;
	cJSON *j = e2e_call(&s, "GET", "/api/governance/proposals", NULL, NULL, &st);
	CHECK_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(j, "data")), 0);
	cJSON_Delete(j);
	/* Words out of range: the reason beside the text. */
	snprintf(body, sizeof body, "csrf=%s&action=draft&text=three+pointers+worth+99", ada.csrf);
	CHECK_EQ(post(&s, &ada, "/propose", body, NULL, &r), 422);
	CHECK_CONTAINS(r.body, "id=\"text-error\"");
	e2e_resp_free(&r);
	/* No words at all. */
	snprintf(body, sizeof body, "csrf=%s&action=draft&text=", ada.csrf);
	CHECK_EQ(post(&s, &ada, "/propose", body, NULL, &r), 422);
	CHECK_CONTAINS(r.body, "Write what your proposal does");
	e2e_resp_free(&r);

	/* A draft, cancelled: nothing spent. */
	snprintf(body, sizeof body, "csrf=%s&action=draft&text=shorter+quarters", ada.csrf);
	CHECK_EQ(post(&s, &ada, "/propose", body, NULL, &r), 303);
	CHECK_CONTAINS(r.headers, "Location: /proposals/1?done=drafted");
	e2e_resp_free(&r);
	snprintf(body, sizeof body, "csrf=%s", ada.csrf);
	CHECK_EQ(post(&s, &bo, "/proposals/1/cancel", body, NULL, &r), 403); /* Bo's session, Ada's token */
	e2e_resp_free(&r);
	snprintf(body, sizeof body, "csrf=%s", bo.csrf);
	CHECK_EQ(post(&s, &bo, "/proposals/1/cancel", body, NULL, &r), 403); /* not Bo's proposal */
	CHECK_CONTAINS(r.body, "notice error");
	e2e_resp_free(&r);
	snprintf(body, sizeof body, "csrf=%s", ada.csrf);
	CHECK_EQ(post(&s, &ada, "/proposals/1/cancel", body, NULL, &r), 303);
	e2e_resp_free(&r);
	load(&s, &ada, "/proposals/1?done=cancelled", &r);
	CHECK_CONTAINS(r.body, "nothing was spent");
	CHECK_CONTAINS(r.body, "2 propose");
	e2e_resp_free(&r);

	/* A draft confirmed, amended, voted on and withdrawn. */
	snprintf(body, sizeof body, "csrf=%s&action=draft&text=elam+margin+20", ada.csrf);
	CHECK_EQ(post(&s, &ada, "/propose", body, NULL, &r), 303);
	e2e_resp_free(&r);
	snprintf(body, sizeof body, "csrf=%s", ada.csrf);
	CHECK_EQ(post(&s, &ada, "/proposals/2/confirm", body, NULL, &r), 303);
	e2e_resp_free(&r);
	snprintf(body, sizeof body, "csrf=%s&text=elam+margin+25", ada.csrf);
	CHECK_EQ(post(&s, &ada, "/proposals/2/amend", body, NULL, &r), 303);
	CHECK_CONTAINS(r.headers, "done=amended");
	e2e_resp_free(&r);
	load(&s, &ada, "/proposals/2", &r);
	CHECK_CONTAINS(r.body, "Amended 1 time; first written as");
	CHECK_CONTAINS(r.body, "15 → 25");
	CHECK_CONTAINS(r.body, "1 amendment left");
	e2e_resp_free(&r);
	load(&s, &bo, "/proposals/2", &r);
	e2e_resp_free(&r);
	snprintf(body, sizeof body, "csrf=%s&vote=maybe", bo.csrf);
	CHECK_EQ(post(&s, &bo, "/proposals/2/vote", body, NULL, &r), 422);
	CHECK_CONTAINS(r.body, "id=\"vote-error\"");
	e2e_resp_free(&r);
	snprintf(body, sizeof body, "csrf=%s&vote=no", bo.csrf);
	CHECK_EQ(post(&s, &bo, "/proposals/2/vote", body, NULL, &r), 303);
	e2e_resp_free(&r);
	load(&s, &bo, "/proposals/2", &r);
	CHECK_CONTAINS(r.body, "You voted no.");
	e2e_resp_free(&r);
	snprintf(body, sizeof body, "csrf=%s", ada.csrf);
	CHECK_EQ(post(&s, &ada, "/proposals/2/withdraw", body, NULL, &r), 303);
	e2e_resp_free(&r);
	j = e2e_call(&s, "GET", "/api/governance/proposals/2", NULL, NULL, &st);
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "data"), "status")), "withdrawn");
	cJSON_Delete(j);

	/* A wild proposal: flagged; the admin clears it, then vetoes it. */
	snprintf(body, sizeof body, "csrf=%s&action=draft&text=make+the+game+more+fun+somehow", bo.csrf);
	CHECK_EQ(post(&s, &bo, "/propose", body, NULL, &r), 303);
	e2e_resp_free(&r);
	snprintf(body, sizeof body, "csrf=%s", bo.csrf);
	CHECK_EQ(post(&s, &bo, "/proposals/3/confirm", body, NULL, &r), 303);
	e2e_resp_free(&r);
	browser_t adm = {0};
	load(&s, &adm, "/admin", &r);
	CHECK_EQ(r.status, 200); /* loopback without a token: admin is open here */
	CHECK_CONTAINS(r.body, "action=\"/admin/proposals/3/clear\"");
	e2e_resp_free(&r);
	snprintf(body, sizeof body, "csrf=%s", adm.csrf);
	CHECK_EQ(post(&s, &adm, "/admin/proposals/3/clear", body, NULL, &r), 303);
	e2e_resp_free(&r);
	snprintf(body, sizeof body, "csrf=%s&reason=not+a+rule", adm.csrf);
	CHECK_EQ(post(&s, &adm, "/admin/proposals/3/veto", body, NULL, &r), 303);
	e2e_resp_free(&r);
	j = e2e_call(&s, "GET", "/api/governance/proposals/3", NULL, NULL, &st);
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "data"), "status")), "vetoed");
	cJSON_Delete(j);
	/* The admin plays the next tick from the page. */
	snprintf(body, sizeof body, "csrf=%s&quarter_seconds=abc", adm.csrf);
	CHECK_EQ(post(&s, &adm, "/admin/advance", body, NULL, &r), 422);
	CHECK_CONTAINS(r.body, "Seconds per quarter");
	e2e_resp_free(&r);
	snprintf(body, sizeof body, "csrf=%s&quarter_seconds=1", adm.csrf);
	CHECK_EQ(post(&s, &adm, "/admin/advance", body, NULL, &r), 303);
	CHECK_CONTAINS(r.headers, "done=advance");
	e2e_resp_free(&r);
	CHECK_EQ(e2e_stop(&s, SIGTERM, 20000), 0);
}

/* In production the session cookie is Secure (the site is served over
 * https behind its proxy), and still HttpOnly and SameSite=Lax. */
TEST(e2e_session_cookie_is_secure_in_production)
{
	e2e_server_t s;
	const char *env[] = {"PINWHEEL_ENV=production", NULL};
	CHECK_EQ(e2e_start(&s, env, NULL), 0);
	browser_t me = {0};
	e2e_resp_t r;
	load(&s, &me, "/join", &r);
	CHECK_CONTAINS(r.headers, "Set-Cookie: pw_session=");
	CHECK_CONTAINS(r.headers, "; Path=/; HttpOnly; SameSite=Lax; Max-Age=");
	CHECK_CONTAINS(r.headers, "; Secure");
	/* Never the bearer token: the cookie names a session. */
	CHECK_EQ(strlen(me.cookie), strlen("pw_session=") + 64);
	e2e_resp_free(&r);
	CHECK_EQ(e2e_stop(&s, SIGTERM, 10000), 0);
}
