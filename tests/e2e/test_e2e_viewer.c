/*
 * test_e2e_viewer.c — the viewer's side in real headless Chromium:
 *
 *  - a viewer opening the arena mid-replay sees every game of the round
 *    with both team names, a clock and plays, and scores that move; no
 *    page (home, standings, schedule, game pages, team, reports) shows a
 *    final score of the round before its replay ends;
 *  - every page, mid-replay and after a whole season, at 1280 and 390 px:
 *    no console error, no failed or missing asset, no page wider than the
 *    phone's screen; screenshots under build/screens/ to look at;
 *  - the arena counts down between rounds, and after a server restart it
 *    says it is reconnecting, resumes and plays the round to its end.
 */
#include "tests/test.h"

#include <cjson/cJSON.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/e2e/cdp.h"
#include "tests/e2e/e2e.h"

#define SCREENS "build/screens"

/* PINWHEEL_STATIC_DIR for a server started from the test's directory. */
static const char *static_env(void)
{
	static char env[600];
	char cwd[400];
	if (!getcwd(cwd, sizeof cwd))
		cwd[0] = '\0';
	snprintf(env, sizeof env, "PINWHEEL_STATIC_DIR=%s/server/static", cwd);
	return env;
}

static long status_of(e2e_server_t *s, const char *path)
{
	long st = 0;
	cJSON_Delete(e2e_call(s, "GET", path, NULL, NULL, &st));
	return st;
}

static bool presenting(e2e_server_t *s)
{
	long st;
	cJSON *j = e2e_call(s, "GET", "/api/pace/status", NULL, NULL, &st);
	bool on = cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "data"), "presenting"));
	cJSON_Delete(j);
	return on;
}

/* Plays the next tick, replayed at qs seconds a quarter (0: instant). */
static void advance(e2e_server_t *s, int qs)
{
	char path[64];
	snprintf(path, sizeof path, qs ? "/api/pace/advance?quarter_seconds=%d" : "/api/pace/advance", qs);
	long st = 0;
	for (int i = 0; i < 200; i++) {
		cJSON_Delete(e2e_call(s, "POST", path, NULL, NULL, &st));
		if (st != 409)
			break;
		usleep(100000);
	}
	CHECK_EQ(st, 202);
}

static void wait_replay_over(e2e_server_t *s, int seconds)
{
	for (int i = 0; i < seconds * 10; i++) {
		usleep(100000);
		if (!presenting(s) && i > 2)
			return;
	}
	CHECK_MSG(false, "the replay did not end within %d s", seconds);
}

static int eval_int(cdp_t *b, const char *expr)
{
	char *v = cdp_eval(b, expr);
	int n = v ? atoi(v) : -1;
	free(v);
	return n;
}

/* Opens path in the watched tab at width; checks that the page loaded with
 * no console error or failed asset, fits the screen, and saves a full-page
 * screenshot build/screens/<tag>-<name>-<width>.png. */
static void visit(cdp_t *b, e2e_server_t *s, const char *path, const char *name, const char *tag, int width)
{
	char url[256], png[256];
	snprintf(url, sizeof url, "http://127.0.0.1:%d%s", s->port, path);
	CHECK_EQ(cdp_viewport(b, width, width > 600 ? 900 : 844, width <= 600), 0);
	CHECK_MSG(cdp_goto(b, url, 20000) == 0, "%s did not load", path);
	cdp_pump(b, 400); /* late requests: scripts, the stream */
	char *problems = cdp_problems(b);
	CHECK_MSG(problems && !*problems, "%s at %d px: %s", path, width, problems ? problems : "?");
	free(problems);
	int sw = eval_int(b, "document.documentElement.scrollWidth");
	CHECK_MSG(sw > 0 && sw <= width, "%s at %d px is %d px wide", path, width, sw);
	snprintf(png, sizeof png, SCREENS "/%s-%s-%d.png", tag, name, width);
	CHECK_EQ(cdp_screenshot_full(b, png), 0);
}

static void visit_all(cdp_t *b, e2e_server_t *s, const char *const (*pages)[2], size_t n, const char *tag)
{
	static const int widths[] = {1280, 390};
	for (size_t w = 0; w < 2; w++)
		for (size_t i = 0; i < n; i++)
			visit(b, s, pages[i][0], pages[i][1], tag, widths[w]);
}

/* A browser with a watched tab showing the server's arena. */
static void open_arena(cdp_t *b, e2e_server_t *s)
{
	char url[128];
	CHECK_EQ(cdp_start(b, test_tmpdir()), 0);
	CHECK_EQ(cdp_watch(b), 0);
	CHECK_EQ(cdp_viewport(b, 1280, 900, false), 0);
	snprintf(url, sizeof url, "http://127.0.0.1:%d/arena", s->port);
	CHECK_EQ(cdp_goto(b, url, 20000), 0);
}

/* Sum of every score shown on the arena's cards. */
static int arena_points(cdp_t *b)
{
	return eval_int(b, "[...document.querySelectorAll('#arena .home-score, #arena .away-score')]"
			   ".reduce((a, e) => a + Number(e.textContent), 0)");
}

TEST(browser_viewer_mid_replay_sees_every_game_and_no_spoiler)
{
	if (!cdp_available())
		TEST_SKIP("chromium is not installed (vendor/install.sh test)");
	mkdir("build", 0755);
	mkdir(SCREENS, 0755);
	const char *env[] = {static_env(), "PINWHEEL_PRESENTATION_MODE=replay", NULL};
	e2e_server_t s;
	CHECK_EQ(e2e_start(&s, env, NULL), 0);
	/* A governor with a rule passed, so pages have governance to show. */
	char *tok = e2e_join(&s, "Ada", 1);
	char auth[200];
	snprintf(auth, sizeof auth, "{\"text\":\"make three pointers worth 4 points\"}");
	long st = 0;
	cJSON *pj = e2e_call(&s, "POST", "/api/governance/proposals", auth, tok, &st);
	int64_t pid = (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(cJSON_GetObjectItem(pj, "data"), "id"));
	cJSON_Delete(pj);
	char path[96];
	snprintf(path, sizeof path, "/api/governance/proposals/%lld/confirm", (long long)pid);
	cJSON_Delete(e2e_call(&s, "POST", path, NULL, tok, &st));
	snprintf(auth, sizeof auth, "{\"proposal_id\":%lld,\"vote\":\"yes\",\"boost\":false}", (long long)pid);
	cJSON_Delete(e2e_call(&s, "POST", "/api/governance/votes", auth, tok, &st));
	free(tok);
	/* Round 1 quickly, so round 2 has results before it to show. */
	advance(&s, 1);
	wait_replay_over(&s, 60);
	/* Round 2, replayed over about 40 s: the viewer arrives during it. */
	advance(&s, 10);
	for (int i = 0; i < 100 && !presenting(&s); i++)
		usleep(50000);
	sleep(3);
	char fin[8][32];
	int64_t ids[8];
	int n = e2e_round_finals(&s, 2, fin, ids, 8);
	CHECK_EQ(n, 4);

	cdp_t b;
	open_arena(&b, &s);
	char url[128];
	/* Every game of the round is on the page at once, with both names. */
	CHECK_EQ(eval_int(&b, "document.querySelectorAll('#arena article.game').length"), 4);
	char *names = cdp_eval(&b, "[...document.querySelectorAll('#arena article.game h3')].map(h => h.textContent).join('|')");
	CHECK(names && !strstr(names, "undefined") && !strstr(names, "Team ") && !strstr(names, "null"));
	CHECK_EQ(eval_int(&b, "[...document.querySelectorAll('#arena article.game h3')].filter(h => / vs .+/.test(h.textContent)).length"), 4);
	free(names);
	char *status = cdp_eval(&b, "document.getElementById('arena-status').textContent");
	CHECK_CONTAINS(status, "Live: round 2");
	free(status);
	CHECK_EQ(eval_int(&b, "document.querySelectorAll('#arena .clock').length"), 4);
	CHECK_EQ(eval_int(&b, "[...document.querySelectorAll('#arena .plays')].filter(o => o.children.length > 0).length"), 4);
	/* The scores move while the viewer watches. */
	int before = arena_points(&b);
	int after = before;
	for (int i = 0; i < 60 && after <= before; i++) {
		cdp_pump(&b, 250);
		after = arena_points(&b);
	}
	CHECK_MSG(after > before, "scores stayed at %d", before);
	/* No card has its final yet. */
	CHECK_EQ(eval_int(&b, "document.querySelectorAll('#arena article.final').length"), 0);
	char *problems = cdp_problems(&b);
	CHECK_MSG(problems && !*problems, "arena: %s", problems ? problems : "?");
	free(problems);
	CHECK_EQ(cdp_screenshot(&b, SCREENS "/arena-live-1280.png"), 0);

	/* No final score of round 2 on any page a visitor reads. */
	const char *const spoil_pages[] = {"/", "/standings", "/schedule", "/reports", "/teams/1", "/teams/2",
					   "/playoffs"};
	for (size_t i = 0; i < sizeof spoil_pages / sizeof spoil_pages[0] + (size_t)n; i++) {
		char gp[64];
		const char *p = spoil_pages[i < 7 ? i : 0];
		if (i >= 7) {
			snprintf(gp, sizeof gp, "/games/%lld", (long long)ids[i - 7]);
			p = gp;
		}
		snprintf(url, sizeof url, "http://127.0.0.1:%d%s", s.port, p);
		CHECK_EQ(cdp_goto(&b, url, 20000), 0);
		char *text = cdp_eval(&b, "document.body.innerText");
		for (int k = 0; k < n; k++)
			CHECK_MSG(text && !strstr(text, fin[k]), "%s shows the final score %s", p, fin[k]);
		free(text);
	}
	snprintf(path, sizeof path, "/api/games/%lld", (long long)ids[0]);
	CHECK_EQ(status_of(&s, path), 409);
	CHECK(presenting(&s)); /* all of the above during the replay */

	/* Every page, mid-replay, at both widths. */
	char game_path[32], live_path[32];
	snprintf(game_path, sizeof game_path, "/games/%lld", (long long)ids[0] - 4); /* round 1's */
	snprintf(live_path, sizeof live_path, "/games/%lld", (long long)ids[0]);
	const char *const pages[][2] = {
		{"/", "home"},          {"/arena", "arena"},         {"/standings", "standings"},
		{"/schedule", "schedule"}, {"/playoffs", "playoffs"}, {"/teams/1", "team"},
		{"/hoopers/1", "hooper"}, {game_path, "game"},        {live_path, "game-live"},
		{"/rules", "rules"},    {"/governance", "governance"}, {"/effects", "effects"},
		{"/reports", "reports"}, {"/history", "history"},    {"/admin", "admin"},
		{"/governors/1", "governor"},
	};
	visit_all(&b, &s, pages, sizeof pages / sizeof pages[0], "mid");
	cdp_stop(&b);
	CHECK_EQ(e2e_stop(&s, SIGTERM, 20000), 0);
}

/* After a whole season (instant mode, four teams): every page, the
 * playoffs, the champion and the season's archive page. */
TEST(browser_every_page_after_a_season)
{
	if (!cdp_available())
		TEST_SKIP("chromium is not installed (vendor/install.sh test)");
	mkdir("build", 0755);
	mkdir(SCREENS, 0755);
	const char *env[] = {static_env(), "PINWHEEL_PRESENTATION_MODE=instant", "PINWHEEL_TEAMS=4",
			     "PINWHEEL_CHAMPIONSHIP_SECONDS=0", NULL};
	e2e_server_t s;
	CHECK_EQ(e2e_start(&s, env, NULL), 0);
	char *tok = e2e_join(&s, "Grace", 2);
	long st = 0;
	cJSON *pj = e2e_call(&s, "POST", "/api/governance/proposals",
			     "{\"text\":\"make the shot clock 20 seconds\"}", tok, &st);
	int64_t pid = (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(cJSON_GetObjectItem(pj, "data"), "id"));
	cJSON_Delete(pj);
	char path[96], body[128];
	snprintf(path, sizeof path, "/api/governance/proposals/%lld/confirm", (long long)pid);
	cJSON_Delete(e2e_call(&s, "POST", path, NULL, tok, &st));
	snprintf(body, sizeof body, "{\"proposal_id\":%lld,\"vote\":\"yes\",\"boost\":true}", (long long)pid);
	cJSON_Delete(e2e_call(&s, "POST", "/api/governance/votes", body, tok, &st));
	free(tok);
	bool complete = false;
	for (int t = 0; t < 40 && !complete; t++) {
		advance(&s, 0);
		for (int i = 0; i < 100; i++) {
			cJSON *j = e2e_call(&s, "GET", "/api/pace/status", NULL, NULL, &st);
			bool busy = cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "data"), "tick_in_progress"));
			cJSON_Delete(j);
			if (!busy)
				break;
			usleep(50000);
		}
		cJSON *j = e2e_call(&s, "GET", "/api/seasons/current", NULL, NULL, &st);
		const char *phase = cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "data"), "phase"));
		complete = phase && !strcmp(phase, "complete");
		cJSON_Delete(j);
	}
	CHECK(complete);
	CHECK_EQ(status_of(&s, "/history/1"), 200);
	cdp_t b;
	CHECK_EQ(cdp_start(&b, test_tmpdir()), 0);
	CHECK_EQ(cdp_watch(&b), 0);
	const char *const pages[][2] = {
		{"/", "home"},          {"/arena", "arena"},         {"/standings", "standings"},
		{"/schedule", "schedule"}, {"/playoffs", "playoffs"}, {"/teams/1", "team"},
		{"/hoopers/1", "hooper"}, {"/games/1", "game"},       {"/rules", "rules"},
		{"/governance", "governance"}, {"/effects", "effects"}, {"/reports", "reports"},
		{"/history", "history"}, {"/history/1", "archive"},  {"/admin", "admin"},
		{"/governors/1", "governor"}, {"/reports?round=1", "reports-round"},
	};
	visit_all(&b, &s, pages, sizeof pages / sizeof pages[0], "season");
	/* The archive names the champion; the home page too. */
	char url[128];
	snprintf(url, sizeof url, "http://127.0.0.1:%d/history/1", s.port);
	CHECK_EQ(cdp_goto(&b, url, 20000), 0);
	char *text = cdp_eval(&b, "document.body.innerText");
	CHECK_CONTAINS(text, "Champion:");
	CHECK_CONTAINS(text, "Shot clock seconds");
	free(text);
	/* After the offseason's gameless round, home and arena still show
	 * the final's results, and the arena names the champion. */
	snprintf(url, sizeof url, "http://127.0.0.1:%d/", s.port);
	CHECK_EQ(cdp_goto(&b, url, 20000), 0);
	text = cdp_eval(&b, "document.body.innerText");
	CHECK(text && !strstr(text, "No games yet"));
	CHECK_CONTAINS(text, "are the champions");
	free(text);
	snprintf(url, sizeof url, "http://127.0.0.1:%d/arena", s.port);
	CHECK_EQ(cdp_goto(&b, url, 20000), 0);
	CHECK(eval_int(&b, "document.querySelectorAll('#arena article.final').length") >= 1);
	/* An old round's reports, from the links under the latest. */
	snprintf(url, sizeof url, "http://127.0.0.1:%d/reports", s.port);
	CHECK_EQ(cdp_goto(&b, url, 20000), 0);
	CHECK(eval_int(&b, "document.querySelectorAll('a[href=\"/reports?round=1\"]').length") == 1);
	cdp_stop(&b);
	CHECK_EQ(e2e_stop(&s, SIGTERM, 20000), 0);
}

TEST(browser_arena_counts_down_between_rounds)
{
	if (!cdp_available())
		TEST_SKIP("chromium is not installed (vendor/install.sh test)");
	const char *env[] = {static_env(), "PINWHEEL_PRESENTATION_PACE=fast", NULL};
	e2e_server_t s;
	CHECK_EQ(e2e_start(&s, env, NULL), 0);
	cdp_t b;
	open_arena(&b, &s);
	char *first = cdp_eval(&b, "document.getElementById('arena-status').textContent");
	CHECK_CONTAINS(first, "Round 1 starts in");
	cdp_pump(&b, 2200);
	char *later = cdp_eval(&b, "document.getElementById('arena-status').textContent");
	CHECK_CONTAINS(later, "Round 1 starts in");
	CHECK_MSG(first && later && strcmp(first, later), "the countdown did not move: %s", first ? first : "?");
	/* A screen reader heard the status once, not every second. */
	char *aria = cdp_eval(&b, "document.getElementById('arena-status').getAttribute('aria-live')");
	CHECK_STR(aria, "off");
	free(aria);
	free(first);
	free(later);
	cdp_stop(&b);
	CHECK_EQ(e2e_stop(&s, SIGTERM, 20000), 0);
}

TEST(browser_arena_reconnects_after_a_restart)
{
	if (!cdp_available())
		TEST_SKIP("chromium is not installed (vendor/install.sh test)");
	const char *env[] = {static_env(), "PINWHEEL_PRESENTATION_MODE=replay", NULL};
	e2e_server_t s;
	CHECK_EQ(e2e_start(&s, env, NULL), 0);
	advance(&s, 5);
	for (int i = 0; i < 100 && !presenting(&s); i++)
		usleep(50000);
	cdp_t b;
	open_arena(&b, &s);
	cdp_pump(&b, 2000);
	int before = arena_points(&b);
	/* The server goes away mid-replay: the page says so. */
	CHECK_EQ(e2e_stop(&s, SIGTERM, 20000), 0);
	char *st = NULL;
	for (int i = 0; i < 40; i++) {
		cdp_pump(&b, 250);
		free(st);
		st = cdp_eval(&b, "document.getElementById('arena-status').textContent");
		if (st && strstr(st, "Reconnecting"))
			break;
	}
	CHECK_CONTAINS(st, "Reconnecting");
	free(st);
	/* It comes back on the same address: the page resumes the round. */
	CHECK_EQ(e2e_restart(&s, env), 0);
	st = NULL;
	for (int i = 0; i < 80; i++) {
		cdp_pump(&b, 250);
		free(st);
		st = cdp_eval(&b, "document.getElementById('arena-status').textContent");
		if (st && strstr(st, "Live: round 1") && arena_points(&b) > before)
			break;
	}
	CHECK_CONTAINS(st, "Live: round 1");
	free(st);
	CHECK(arena_points(&b) > before);
	CHECK_EQ(eval_int(&b, "document.querySelectorAll('#arena article.game').length"), 4);
	/* ... to its end: every game final, then the round's results. */
	int finals_shown = 0;
	for (int i = 0; i < 200 && finals_shown < 4; i++) {
		cdp_pump(&b, 250);
		finals_shown = eval_int(&b, "document.querySelectorAll('#arena article.final').length");
	}
	CHECK_EQ(finals_shown, 4);
	cdp_pump(&b, 1500);
	st = cdp_eval(&b, "document.getElementById('arena-status').textContent");
	CHECK_CONTAINS(st, "The pace is manual");
	free(st);
	cdp_stop(&b);
	CHECK_EQ(e2e_stop(&s, SIGTERM, 20000), 0);
}
