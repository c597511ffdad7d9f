/*
 * test_e2e_gov_browser.c — governors in a real browser (headless Chromium
 * over the DevTools protocol), every step through the pages' own forms:
 * the admin signs in with the admin token and makes an invite link per
 * team; two governors join by those links in two browsers; one proposes
 * in words, sees the interpretation and the projected impact, makes a
 * draft and confirms it; both vote (the other with a boost) while the
 * first watches the tally move live; the tick plays; the rule is on the
 * rules page and in the next game. Screenshots of the pages at 1280 and
 * 390 px wide go to build/gov-*.png; no page logs an error.
 */
#include "tests/test.h"

#include <cjson/cJSON.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "tests/e2e/cdp.h"
#include "tests/e2e/e2e.h"

/* Evaluates a formatted expression; the value (malloc'd) or NULL. */
static char *ev(cdp_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static char *ev(cdp_t *b, const char *fmt, ...)
{
	char expr[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(expr, sizeof expr, fmt, ap);
	va_end(ap);
	return cdp_eval(b, expr);
}

/* The text of the page (what a person reads). */
static char *page_text(cdp_t *b)
{
	return cdp_eval(b, "document.body.innerText");
}

/* s as a JavaScript string literal (malloc'd). */
static char *js_str(const char *s)
{
	cJSON *j = cJSON_CreateString(s);
	char *out = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	return out;
}

/* Types value into the field sel (as a person would: the value, then the
 * input event). */
static void type_in(cdp_t *b, const char *sel, const char *value)
{
	char *js = js_str(value), *q = js_str(sel);
	char *r = ev(b, "(() => { const e = document.querySelector(%s); if (!e) return 'missing'; e.value = %s;"
			" e.dispatchEvent(new Event('input', {bubbles: true})); return 'ok'; })()",
		     q, js);
	CHECK_MSG(r && !strcmp(r, "ok"), "no field %s on the page", sel);
	free(r);
	free(js);
	free(q);
}

/* Clicks sel and waits for the page the click loads (a form's answer). */
static void click_and_wait(cdp_t *b, const char *sel)
{
	char *q = js_str(sel);
	char *r = ev(b, "(() => { const e = document.querySelector(%s); if (!e) return 'missing';"
			" window.__pw_before = 1; e.click(); return 'ok'; })()",
		     q);
	free(q);
	CHECK_MSG(r && !strcmp(r, "ok"), "nothing to click at %s", sel);
	free(r);
	CHECK_MSG(cdp_wait(b, "window.__pw_before === undefined && document.readyState === 'complete'", 60000) == 0,
		  "clicking %s loaded no page", sel);
}

static void open_page(cdp_t *b, e2e_server_t *s, const char *path)
{
	char url[600];
	snprintf(url, sizeof url, "http://127.0.0.1:%d%s", s->port, path);
	CHECK_MSG(cdp_goto(b, url, 30000) == 0, "could not load %s", path);
}

/* A screenshot of the whole page at 1280 and at 390 px wide. */
static void shots(cdp_t *b, const char *name)
{
	char path[256];
	snprintf(path, sizeof path, "build/gov-%s-1280.png", name);
	CHECK_EQ(cdp_screenshot_full(b, path), 0);
	CHECK_EQ(cdp_viewport(b, 390, 844, true), 0);
	usleep(200000);
	/* Nothing wider than the phone: no sideways scrolling. */
	char *w = cdp_eval(b, "String(document.documentElement.scrollWidth)");
	CHECK_MSG(w && atoi(w) <= 390, "%s is %s px wide on a 390 px phone", name, w ? w : "?");
	free(w);
	snprintf(path, sizeof path, "build/gov-%s-390.png", name);
	CHECK_EQ(cdp_screenshot_full(b, path), 0);
	CHECK_EQ(cdp_viewport(b, 1280, 900, false), 0);
}

/* No page of this browser logged an error or failed to load something
 * since the last call, but for the lines holding one of the allowed
 * strings (NULL-terminated; may be NULL). */
static void no_errors(cdp_t *b, const char *where, const char *const *allowed)
{
	char *e = cdp_problems(b);
	for (char *line = e, *next; line && *line; line = next) {
		char *nl = strchr(line, '\n');
		next = nl ? nl + 1 : line + strlen(line);
		if (nl)
			*nl = '\0';
		bool ok = false;
		for (size_t i = 0; allowed && allowed[i]; i++)
			ok |= strstr(line, allowed[i]) != NULL;
		CHECK_MSG(ok, "%s: the browser reported: %s", where, line);
	}
	free(e);
}

/* The site's icon is the pages' layout's business (another change adds
 * it); until then its 404 is no fault of these pages. */
static bool round_played(e2e_server_t *s, int round)
{
	e2e_resp_t r;
	char want[32];
	snprintf(want, sizeof want, "\"round\":%d,", round);
	bool yes = false;
	if (e2e_http(s, "GET", "/api/seasons/current", NULL, NULL, &r) == 0) {
		yes = r.body && strstr(r.body, want);
		e2e_resp_free(&r);
	}
	return yes;
}

/* Plays the next tick with the admin's token and waits for it. */
static void advance(e2e_server_t *s, int round)
{
	const char *h[] = {"Authorization: Bearer adm-secret-123", NULL};
	e2e_resp_t r;
	CHECK_EQ(e2e_http(s, "POST", "/api/pace/advance", NULL, h, &r), 0);
	CHECK_EQ(r.status, 202);
	e2e_resp_free(&r);
	bool done = false;
	for (int i = 0; i < 1200 && !done; i++) {
		usleep(50000);
		done = round_played(s, round);
	}
	CHECK_MSG(done, "round %d was not played", round);
}

TEST(browser_two_governors_join_propose_vote_and_see_the_rule_enacted)
{
	if (!cdp_available())
		TEST_SKIP("chromium is not installed (vendor/install.sh test)");
	char staticenv[600], cwd[400];
	CHECK(getcwd(cwd, sizeof cwd) != NULL);
	snprintf(staticenv, sizeof staticenv, "PINWHEEL_STATIC_DIR=%s/server/static", cwd);
	/* An admin token: enrolment is by invitation. Results are published
	 * at once (instant) so the next game can be read as soon as it is
	 * played. */
	const char *env[] = {staticenv, "PINWHEEL_ADMIN_TOKEN=adm-secret-123", "PINWHEEL_PRESENTATION_MODE=instant",
			     NULL};
	e2e_server_t s;
	CHECK_EQ(e2e_start(&s, env, NULL), 0);
	char d1[600], d2[600];
	snprintf(d1, sizeof d1, "%s/ada", test_tmpdir());
	snprintf(d2, sizeof d2, "%s/bo", test_tmpdir());
	cdp_t a, bo;
	CHECK_EQ(cdp_start(&a, d1), 0);
	CHECK_EQ(cdp_start(&bo, d2), 0);
	CHECK_EQ(cdp_watch(&a), 0);
	CHECK_EQ(cdp_watch(&bo), 0);
	CHECK_EQ(cdp_viewport(&a, 1280, 900, false), 0);
	CHECK_EQ(cdp_viewport(&bo, 1280, 900, false), 0);

	/* The admin signs in once with the token and makes an invite per team. */
	open_page(&a, &s, "/admin");
	char *t = page_text(&a);
	CHECK_CONTAINS(t, "Sign in with the admin token");
	free(t);
	open_page(&a, &s, "/sign-in");
	type_in(&a, "#admin_token", "adm-secret-123");
	click_and_wait(&a, "form[action='/admin/sign-in'] button");
	t = page_text(&a);
	CHECK_CONTAINS(t, "Review queue");
	CHECK_CONTAINS(t, "Make an invite link");
	free(t);
	char *links[2] = {NULL, NULL};
	for (int team = 1; team <= 2; team++) {
		char *r = ev(&a, "(() => { document.querySelector(\"select[name='team_id']\").value = '%d';"
				 " return 'ok'; })()", team);
		free(r);
		click_and_wait(&a, "form[action='/admin/invites'] button");
		links[team - 1] = cdp_eval(&a, "document.getElementById('invite-link').textContent");
		CHECK_CONTAINS(links[team - 1], "/join?invite=");
	}
	shots(&a, "admin");
	/* The first /admin was refused (401) before the admin signed in. */
	static const char *const before_sign_in[] = {"status of 401", "HTTP 401", NULL};
	no_errors(&a, "admin", before_sign_in);
	click_and_wait(&a, "form[action='/sign-out'] button");

	/* Ada and Bo each open their link and join: the team comes from it. */
	CHECK_MSG(cdp_goto(&a, links[0], 30000) == 0, "could not open %s", links[0]);
	t = page_text(&a);
	CHECK_CONTAINS(t, "You are invited to govern");
	free(t);
	shots(&a, "join");
	type_in(&a, "#name", "Ada");
	click_and_wait(&a, "form[action='/join'] button");
	t = page_text(&a);
	CHECK_CONTAINS(t, "Welcome, Ada!");
	CHECK_CONTAINS(t, "2 PROPOSE");
	CHECK_CONTAINS(t, "What to do next");
	free(t);
	char *token = cdp_eval(&a, "document.getElementById('token').textContent");
	CHECK(token && strlen(token) == 64);
	shots(&a, "welcome");
	CHECK_MSG(cdp_goto(&bo, links[1], 30000) == 0, "could not open %s", links[1]);
	type_in(&bo, "#name", "Bo");
	click_and_wait(&bo, "form[action='/join'] button");
	t = page_text(&bo);
	CHECK_CONTAINS(t, "Welcome, Bo!");
	free(t);
	/* The header says who is signed in, with the tokens. */
	char *acct = cdp_eval(&bo, "document.querySelector('header .account').innerText");
	CHECK_CONTAINS(acct, "Bo");
	CHECK_CONTAINS(acct, "2 boost");
	free(acct);

	/* Ada proposes in words and previews it: nothing is created. */
	open_page(&a, &s, "/propose");
	type_in(&a, "#text", "three pointers worth 4");
	click_and_wait(&a, "button[value='preview']");
	t = page_text(&a);
	CHECK_CONTAINS(t, "Preview: what it would do");
	CHECK_CONTAINS(t, "Points for a made three-pointer: 3 → 4");
	CHECK_CONTAINS(t, "Tier");
	CHECK_CONTAINS(t, "more than 50%");
	CHECK_CONTAINS(t, "Projected impact");
	CHECK_CONTAINS(t, "Points per team per game");
	free(t);
	char *rows = cdp_eval(&a, "String(document.querySelectorAll('table.impact tbody tr').length)");
	CHECK(rows && atoi(rows) >= 5);
	free(rows);
	long st = 0;
	cJSON *j = e2e_call(&s, "GET", "/api/governance/proposals", NULL, NULL, &st);
	CHECK_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(j, "data")), 0);
	cJSON_Delete(j);
	shots(&a, "propose-preview");
	/* A script that fails its check says where, next to the script. */
	char *r = ev(&a, "(() => { document.querySelector('details').open = true; return 'ok'; })()");
	free(r);
	type_in(&a, "#effect_lua", "return {\n  name = \"Broken\",\n  hooks = { [\"sim.shot.pre\"] = function(ctx)\n"
				   "    return { shot_probability = nil + 1 }\n  end },\n}");
	click_and_wait(&a, "button[value='check']");
	char *err = cdp_eval(&a, "document.getElementById('effect_lua-error').textContent");
	CHECK_CONTAINS(err, "line 4");
	free(err);
	char *bad = cdp_eval(&a, "document.getElementById('bad-line').textContent");
	CHECK_CONTAINS(bad, "nil + 1");
	free(bad);
	shots(&a, "propose-effect-error");
	type_in(&a, "#effect_lua", "");
	click_and_wait(&a, "button[value='draft']");
	t = page_text(&a);
	CHECK_CONTAINS(t, "Your draft is ready");
	CHECK_CONTAINS(t, "Points for a made three-pointer: 3 → 4");
	free(t);
	char *url = cdp_eval(&a, "location.pathname");
	CHECK_STR(url, "/proposals/1");
	free(url);
	shots(&a, "proposal-draft");
	click_and_wait(&a, "form[action='/proposals/1/confirm'] button");
	t = page_text(&a);
	CHECK_CONTAINS(t, "Confirmed: the vote is open.");
	CHECK_CONTAINS(t, "Live tally");
	free(t);
	acct = cdp_eval(&a, "document.querySelector('header .account').innerText");
	CHECK_CONTAINS(acct, "1 propose");
	free(acct);

	/* Ada votes yes; Bo, on the governance page, yes with a boost. Ada's
	 * page follows the tally as Bo's vote comes in. */
	r = ev(&a, "(() => { document.querySelector(\"input[name='vote'][value='yes']\").checked = true; return 'ok'; })()");
	free(r);
	click_and_wait(&a, "form.vote-form button");
	t = page_text(&a);
	CHECK_CONTAINS(t, "You voted yes.");
	free(t);
	CHECK_EQ(cdp_wait(&a, "document.querySelector('.t-votes').textContent === '1'", 5000), 0);
	/* gov.js subscribes to the stream once the page has loaded. */
	usleep(500000);
	open_page(&bo, &s, "/governance");
	t = page_text(&bo);
	CHECK_CONTAINS(t, "three pointers worth 4");
	CHECK_CONTAINS(t, "Open for voting");
	free(t);
	r = ev(&bo, "(() => { document.querySelector(\"#p1 input[name='boost']\").checked = true; return 'ok'; })()");
	free(r);
	click_and_wait(&bo, "#p1 button[value='yes']");
	t = page_text(&bo);
	CHECK_CONTAINS(t, "Your vote: yes, boosted.");
	free(t);
	CHECK_MSG(cdp_wait(&a, "document.querySelector('.t-votes').textContent === '2'", 10000) == 0,
		  "Ada's page did not show Bo's vote live");
	acct = cdp_eval(&bo, "document.querySelector('header .account').innerText");
	CHECK_CONTAINS(acct, "1 boost");
	free(acct);
	shots(&bo, "governance");
	shots(&a, "proposal-open");
	/* The effect that failed its check was answered 422, on purpose. */
	static const char *const refused[] = {"status of 422", "HTTP 422", NULL};
	no_errors(&a, "Ada's pages", refused);
	no_errors(&bo, "Bo's pages", NULL);

	/* Bo offers Ada a token trade; Ada accepts it from her inbox. */
	open_page(&bo, &s, "/trades");
	r = ev(&bo, "(() => { const s = document.querySelector(\"select[name='to_governor_id']\");"
		    " s.value = [...s.options].find(o => o.textContent === 'Ada').value;"
		    " document.querySelector(\"input[name='offer_amend']\").value = '1';"
		    " document.querySelector(\"input[name='request_propose']\").value = '1'; return 'ok'; })()");
	free(r);
	click_and_wait(&bo, "form[action='/trades/offer'] button");
	t = page_text(&bo);
	CHECK_CONTAINS(t, "Your offer is sent.");
	free(t);
	open_page(&a, &s, "/trades");
	t = page_text(&a);
	CHECK_CONTAINS(t, "Bo gives 1 amend to Ada for 1 propose.");
	free(t);
	shots(&a, "trades");
	click_and_wait(&a, "form[action='/trades/1/accept'] button");
	acct = cdp_eval(&a, "document.querySelector('header .account').innerText");
	CHECK_CONTAINS(acct, "0 propose");
	CHECK_CONTAINS(acct, "3 amend");
	free(acct);
	/* The team page, the profile, How to play. */
	open_page(&a, &s, "/strategy");
	type_in(&a, "#stext", "push the pace and shoot threes");
	click_and_wait(&a, "form[action='/strategy'] button");
	t = page_text(&a);
	CHECK_CONTAINS(t, "The strategy is set");
	CHECK_CONTAINS(t, "shoots more threes");
	free(t);
	shots(&a, "team");
	open_page(&a, &s, "/governors/1");
	t = page_text(&a);
	CHECK_CONTAINS(t, "Your private reports");
	free(t);
	shots(&a, "profile");
	open_page(&bo, &s, "/how-to-play");
	shots(&bo, "how-to-play");
	no_errors(&a, "Ada's trades and team", NULL);
	no_errors(&bo, "Bo's trades", NULL);

	/* The tick plays and tallies: the rule is enacted. */
	advance(&s, 1);
	open_page(&a, &s, "/proposals/1");
	t = page_text(&a);
	CHECK_CONTAINS(t, "passed");
	free(t);
	open_page(&bo, &s, "/rules");
	char *row = cdp_eval(&bo, "String([...document.querySelectorAll('tr')].some(r =>"
				  " /three_point_value|three-pointer/.test(r.textContent) &&"
				  " [...r.cells].some(c => /^\\s*4\\b/.test(c.textContent))))");
	if (!row || strcmp(row, "true")) {
		char *all = cdp_eval(&bo, "[...document.querySelectorAll('tr')].filter(r => /three_point_value/"
					  ".test(r.textContent)).map(r => r.textContent).join(' | ')");
		CHECK_MSG(false, "the rules page does not show three_point_value at 4: %s", all ? all : "?");
		free(all);
	}
	free(row);
	/* ...and the next game is played under it. */
	advance(&s, 2);
	j = e2e_call(&s, "GET", "/api/games?round=2", NULL, NULL, &st);
	int64_t gid = (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "data"), 0), "id"));
	cJSON_Delete(j);
	CHECK(gid > 0);
	char path[64];
	snprintf(path, sizeof path, "/games/%lld", (long long)gid);
	open_page(&bo, &s, path);
	t = page_text(&bo);
	CHECK_CONTAINS(t, "Play-by-play");
	free(t);
	char api[64];
	snprintf(api, sizeof api, "/api/games/%lld", (long long)gid);
	j = e2e_call(&s, "GET", api, NULL, NULL, &st);
	CHECK_EQ(cJSON_GetNumberValue(cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "data"), "rules"),
							   "three_point_value")), 4);
	cJSON_Delete(j);
	/* The token shown once works for scripts. */
	j = e2e_call(&s, "GET", "/api/governance/trades", NULL, token, &st);
	CHECK_EQ(st, 200);
	cJSON_Delete(j);
	free(token);
	free(links[0]);
	free(links[1]);
	cdp_stop(&a);
	cdp_stop(&bo);
	CHECK_EQ(e2e_stop(&s, SIGTERM, 10000), 0);
}
