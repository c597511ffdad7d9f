/*
 * test_e2e_browser.c — the pages in a real browser (headless Chromium over
 * the DevTools protocol): the arena's script loads under the page's CSP,
 * subscribes to the live stream, and during a replayed tick shows a card
 * per game whose scores and plays update live; a screenshot goes to
 * build/arena.png.
 */
#include "tests/test.h"

#include <cjson/cJSON.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "tests/e2e/cdp.h"
#include "tests/e2e/e2e.h"

static int subscribers(e2e_server_t *s)
{
	e2e_resp_t r;
	if (e2e_http(s, "GET", "/api/events/health", NULL, NULL, &r) < 0)
		return -1;
	cJSON *j = cJSON_Parse(r.body);
	int n = (int)cJSON_GetNumberValue(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "data"), "subscribers"));
	cJSON_Delete(j);
	e2e_resp_free(&r);
	return n;
}

TEST(browser_arena_subscribes_and_renders)
{
	CHECK_MSG(cdp_available(), "chromium is not installed (vendor/install.sh test)");
	if (!cdp_available())
		return;
	char staticenv[600];
	char cwd[400];
	CHECK(getcwd(cwd, sizeof cwd) != NULL);
	snprintf(staticenv, sizeof staticenv, "PINWHEEL_STATIC_DIR=%s/server/static", cwd);
	const char *env[] = {staticenv, NULL};
	e2e_server_t s;
	CHECK_EQ(e2e_start(&s, env, NULL), 0);
	cdp_t b;
	CHECK_EQ(cdp_start(&b, test_tmpdir()), 0);
	char url[128];
	snprintf(url, sizeof url, "http://127.0.0.1:%d/arena", s.port);
	CHECK_EQ(cdp_open(&b, url), 0);
	/* The deferred script runs and opens its EventSource. */
	int subs = 0;
	for (int i = 0; i < 100 && subs < 1; i++) {
		usleep(100000);
		subs = subscribers(&s);
	}
	CHECK_EQ(subs, 1);
	char *title = cdp_eval(&b, "document.title");
	CHECK_STR(title, "Arena · Pinwheel Fates");
	free(title);
	char *status = cdp_eval(&b, "document.getElementById('arena-status').textContent");
	CHECK_CONTAINS(status, "The pace is manual");
	free(status);
	/* The stylesheet applied (CSP allows /static only). */
	char *grid = cdp_eval(&b, "getComputedStyle(document.getElementById('arena')).display");
	CHECK_STR(grid, "grid");
	free(grid);
	/* A replayed tick: the cards appear and the scores move live. */
	e2e_resp_t r;
	CHECK_EQ(e2e_http(&s, "POST", "/api/pace/advance?quarter_seconds=2", NULL, NULL, &r), 0);
	CHECK_EQ(r.status, 202);
	e2e_resp_free(&r);
	char *cards = NULL, *points = NULL;
	for (int i = 0; i < 100; i++) {
		usleep(100000);
		free(cards);
		free(points);
		cards = cdp_eval(&b, "String(document.querySelectorAll('#arena .game').length)");
		points = cdp_eval(&b, "String([...document.querySelectorAll('#arena .home-score, #arena .away-score')]"
				      ".reduce((a, e) => a + Number(e.textContent), 0))");
		if (cards && points && !strcmp(cards, "4") && atoi(points) > 10)
			break;
	}
	CHECK_STR(cards, "4");
	CHECK(points && atoi(points) > 10);
	char *plays = cdp_eval(&b, "String(document.querySelectorAll('#arena .plays li').length)");
	CHECK(plays && atoi(plays) > 0);
	char *st = cdp_eval(&b, "document.getElementById('arena-status').textContent");
	CHECK_CONTAINS(st, "Live: round 1");
	free(cards);
	free(points);
	free(plays);
	free(st);
	CHECK_EQ(cdp_screenshot(&b, "build/arena.png"), 0);
	/* A played game's page, once its replay is over (until then it shows
	 * no result): the server-drawn score flow is in the DOM and has both
	 * teams' lines. */
	for (int i = 0; i < 300; i++) {
		long code = 0;
		cJSON_Delete(e2e_call(&s, "GET", "/api/games/1", NULL, NULL, &code));
		if (code == 200)
			break;
		usleep(100000);
	}
	snprintf(url, sizeof url, "http://127.0.0.1:%d/games/1", s.port);
	CHECK_EQ(cdp_open(&b, url), 0);
	char *lines = NULL;
	for (int i = 0; i < 50; i++) {
		free(lines);
		lines = cdp_eval(&b, "String(document.querySelectorAll('svg.score-flow polyline').length)");
		if (lines && !strcmp(lines, "2"))
			break;
		usleep(100000);
	}
	CHECK_STR(lines, "2");
	free(lines);
	char *w = cdp_eval(&b, "String(Math.round(document.querySelector('svg.score-flow').getBoundingClientRect().width))");
	CHECK(w && atoi(w) > 100);
	free(w);
	CHECK_EQ(cdp_screenshot(&b, "build/game.png"), 0);
	cdp_stop(&b);
	/* Closing the browser ends its subscription. */
	for (int i = 0; i < 50 && subscribers(&s) != 0; i++)
		usleep(100000);
	CHECK_EQ(subscribers(&s), 0);
	CHECK_EQ(e2e_stop(&s, SIGTERM, 10000), 0);
}
