/*
 * test_e2e_pages.c — every page of a running server after a tick answers
 * 200 with its content; the database going away turns /health into 503.
 */
#include <cjson/cJSON.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tests/dbtest.h"
#include "tests/e2e/e2e.h"
#include "tests/test.h"

static void page(e2e_server_t *s, const char *path, const char *want)
{
	e2e_resp_t r;
	CHECK_EQ(e2e_http(s, "GET", path, NULL, NULL, &r), 0);
	CHECK_MSG(r.status == 200, "%s answered %ld", path, r.status);
	CHECK_MSG(r.body && strstr(r.body, want), "%s lacks \"%s\"", path, want);
	CHECK_MSG(r.body && strstr(r.body, "</html>"), "%s is not a whole page", path);
	e2e_resp_free(&r);
}

TEST(e2e_every_page_after_a_tick)
{
	e2e_server_t s;
	const char *env[] = {"PINWHEEL_PRESENTATION_PACE=manual", "PINWHEEL_PRESENTATION_MODE=instant", NULL};
	CHECK_EQ(e2e_start(&s, env, NULL), 0);
	e2e_resp_t r;
	CHECK_EQ(e2e_http(&s, "POST", "/api/pace/advance", NULL, NULL, &r), 0);
	CHECK_EQ(r.status, 202);
	e2e_resp_free(&r);
	/* The tick is over (games, reports, advance) when the season's round
	 * is 1; sanitizer builds take a while. */
	bool played = false;
	for (int i = 0; i < 600 && !played; i++) {
		usleep(50000);
		if (e2e_http(&s, "GET", "/api/seasons/current", NULL, NULL, &r) == 0) {
			played = r.body && strstr(r.body, "\"round\":1,");
			e2e_resp_free(&r);
		}
	}
	CHECK(played);
	page(&s, "/", "Latest results");
	page(&s, "/standings", "Regular season");
	page(&s, "/schedule", "href=\"/games/1\"");
	page(&s, "/playoffs", "best of");
	page(&s, "/teams/1", "<svg class=\"bars\"");
	page(&s, "/hoopers/1", "Season stats");
	page(&s, "/games/1", "<svg class=\"score-flow\"");
	page(&s, "/games/1", "Play-by-play");
	page(&s, "/rules", "three_point_value");
	page(&s, "/effects", "Effects");
	page(&s, "/reports", "Latest: round 1");
	page(&s, "/history", "History");
	page(&s, "/admin", "Review queue");
	page(&s, "/governance", "curl -X POST");
	page(&s, "/arena", "arena.js");
	CHECK_EQ(e2e_http(&s, "GET", "/games/999999", NULL, NULL, &r), 0);
	CHECK_EQ(r.status, 404);
	e2e_resp_free(&r);
	CHECK_EQ(e2e_stop(&s, SIGTERM, 10000), 0);
}

/* Losing the database under a running server. On SQLite the honest way
 * is to delete its file (open connections would go on reading and writing
 * the orphaned inode, losing everything); on PostgreSQL the database
 * refuses sessions and ends the server's, as a database going down does.
 * /health must say the database is gone — and, on PostgreSQL, that it is
 * back once it is, the server's connections made again without a restart,
 * writes included. */
TEST(e2e_health_503_when_database_unreachable)
{
	e2e_server_t s;
	const char *env[] = {"PINWHEEL_PRESENTATION_PACE=manual", NULL};
	CHECK_EQ(e2e_start(&s, env, NULL), 0);
	e2e_resp_t r;
	CHECK_EQ(e2e_http(&s, "GET", "/health", NULL, NULL, &r), 0);
	CHECK_EQ(r.status, 200);
	e2e_resp_free(&r);
	bool pg = dbt_is_postgres(s.db);
	if (pg)
		CHECK_EQ(dbt_pg_sessions(s.db, false), 0);
	else
		CHECK_EQ(unlink(s.db), 0);
	CHECK_EQ(e2e_http(&s, "GET", "/health", NULL, NULL, &r), 0);
	CHECK_EQ(r.status, 503);
	CHECK_CONTAINS(r.body, "database");
	e2e_resp_free(&r);
	if (pg) {
		CHECK_EQ(dbt_pg_sessions(s.db, true), 0);
		CHECK_EQ(e2e_http(&s, "GET", "/health", NULL, NULL, &r), 0);
		CHECK_EQ(r.status, 200);
		e2e_resp_free(&r);
		/* A write: a governor joins (its transaction begins on a new
		 * connection). */
		long st = 0;
		cJSON *j = e2e_call(&s, "POST", "/api/governors", "{\"name\":\"Back\",\"team_id\":1}", NULL, &st);
		CHECK_EQ(st, 201);
		cJSON_Delete(j);
		CHECK_EQ(e2e_http(&s, "GET", "/api/standings", NULL, NULL, &r), 0);
		CHECK_EQ(r.status, 200);
		e2e_resp_free(&r);
	}
	e2e_stop(&s, SIGKILL, 10000);
}
