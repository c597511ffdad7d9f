/*
 * test_e2e_league.c — the whole loop through the real server: join →
 * propose in words → confirm → weighted votes → tick → rule enacted → the
 * next games use it; identity from the token only; user text escaped in
 * pages; a replayed tick on the stream; kill -9 mid-replay and restart
 * with nothing lost or shown twice.
 */
#include "tests/dbtest.h"
#include "tests/test.h"

#include <cjson/cJSON.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <sqlite3.h>

#include "tests/e2e/e2e.h"

static double data_num(cJSON *j, const char *k)
{
	return cJSON_GetNumberValue(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "data"), k));
}

static void advance(e2e_server_t *s, const char *q)
{
	long st = 0;
	char path[64];
	snprintf(path, sizeof path, "/api/pace/advance%s", q ? q : "");
	for (int i = 0; i < 100; i++) {
		cJSON_Delete(e2e_call(s, "POST", path, NULL, NULL, &st));
		if (st != 409)
			break;
		usleep(100000);
	}
	CHECK_EQ(st, 202);
	/* Wait for the tick (and an instant presentation) to finish. A server that
	 * does not answer, or answers without the flag, is a failure, not "idle". */
	bool done = false;
	for (int i = 0; i < 200; i++) {
		long sst = 0;
		cJSON *j = e2e_call(s, "GET", "/api/pace/status", NULL, NULL, &sst);
		if (!j) {
			test_fail(__FILE__, __LINE__, "GET /api/pace/status: no response (HTTP %ld)", sst);
			return;
		}
		const cJSON *flag = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "data"), "tick_in_progress");
		bool valid = sst == 200 && cJSON_IsBool(flag);
		bool busy = cJSON_IsTrue(flag);
		cJSON_Delete(j);
		if (!valid) {
			test_fail(__FILE__, __LINE__,
				  "GET /api/pace/status: HTTP %ld without a tick_in_progress flag", sst);
			return;
		}
		if (!busy) {
			done = true;
			break;
		}
		usleep(50000);
	}
	CHECK_MSG(done, "the tick started by POST %s was still running after 10 s", path);
}

TEST(e2e_governance_loop)
{
	const char *env[] = {"PINWHEEL_PRESENTATION_MODE=instant", NULL};
	e2e_server_t s;
	CHECK_EQ(e2e_start(&s, env, NULL), 0);
	char *ada = e2e_join(&s, "Ada", 1), *bo = e2e_join(&s, "Bo", 2), *cy = e2e_join(&s, "Cy", 3);

	long st = 0;
	cJSON *j = e2e_call(&s, "POST", "/api/governance/proposals", "{\"text\":\"three pointers worth 5\"}", NULL, &st);
	CHECK_EQ(st, 401);
	cJSON_Delete(j);
	j = e2e_call(&s, "POST", "/api/governance/proposals",
		 "{\"text\":\"three pointers worth 5\",\"governor_id\":2}", ada, &st);
	CHECK_EQ(st, 201);
	cJSON *d = cJSON_GetObjectItem(j, "data");
	CHECK_EQ(cJSON_GetNumberValue(cJSON_GetObjectItem(d, "governor_id")), 1); /* the token's, not the body's */
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(d, "status")), "draft");
	const cJSON *param = cJSON_GetArrayItem(
		cJSON_GetObjectItem(cJSON_GetObjectItem(d, "interpretation"), "parameters"), 0);
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(param, "name")), "three_point_value");
	CHECK_EQ(cJSON_GetNumberValue(cJSON_GetObjectItem(param, "new")), 5);
	int pid = (int)cJSON_GetNumberValue(cJSON_GetObjectItem(d, "id"));
	cJSON_Delete(j);

	char path[96], body[128];
	snprintf(path, sizeof path, "/api/governance/proposals/%d/confirm", pid);
	j = e2e_call(&s, "POST", path, NULL, bo, &st);
	CHECK_EQ(st, 403); /* only the proposer confirms */
	cJSON_Delete(j);
	j = e2e_call(&s, "POST", path, NULL, ada, &st);
	CHECK_EQ(st, 200);
	CHECK_CONTAINS(cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "data"), "status")), "open");
	cJSON_Delete(j);

	snprintf(body, sizeof body, "{\"proposal_id\":%d,\"vote\":\"yes\",\"boost\":true}", pid);
	cJSON_Delete(e2e_call(&s, "POST", "/api/governance/votes", body, ada, &st));
	CHECK_EQ(st, 200);
	snprintf(body, sizeof body, "{\"proposal_id\":%d,\"vote\":\"yes\"}", pid);
	cJSON_Delete(e2e_call(&s, "POST", "/api/governance/votes", body, bo, &st));
	CHECK_EQ(st, 200);
	snprintf(body, sizeof body, "{\"proposal_id\":%d,\"vote\":\"no\"}", pid);
	cJSON_Delete(e2e_call(&s, "POST", "/api/governance/votes", body, cy, &st));
	CHECK_EQ(st, 200);
	snprintf(body, sizeof body, "{\"proposal_id\":%d,\"vote\":\"maybe\"}", pid);
	cJSON_Delete(e2e_call(&s, "POST", "/api/governance/votes", body, cy, &st));
	CHECK_EQ(st, 422);

	/* Weighted tally: Ada boosted (2) + Bo (1) yes vs Cy (1) no. */
	snprintf(path, sizeof path, "/api/governance/proposals?status=open");
	j = e2e_call(&s, "GET", path, NULL, NULL, &st);
	CHECK_EQ(st, 200);
	const cJSON *tally = cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "data"), 0), "tally");
	CHECK_NEAR(cJSON_GetNumberValue(cJSON_GetObjectItem(tally, "share")), 0.75, 1e-9);
	cJSON_Delete(j);

	advance(&s, NULL); /* round 1 plays under the old rules, then the tally enacts */
	j = e2e_call(&s, "GET", "/api/governance/rules/current", NULL, NULL, &st);
	CHECK_EQ(cJSON_GetNumberValue(cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "data"), "rules"),
							 "three_point_value")), 5);
	cJSON_Delete(j);
	j = e2e_call(&s, "GET", "/api/games?round=1", NULL, NULL, &st);
	cJSON *g1 = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "data"), 0);
	CHECK_EQ(cJSON_GetNumberValue(cJSON_GetObjectItem(cJSON_GetObjectItem(g1, "rules"), "three_point_value")), 3);
	cJSON_Delete(j);
	advance(&s, NULL);
	j = e2e_call(&s, "GET", "/api/games?round=2", NULL, NULL, &st);
	CHECK_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(j, "data")), 4);
	const cJSON *g;
	cJSON_ArrayForEach(g, cJSON_GetObjectItem(j, "data"))
		CHECK_EQ(cJSON_GetNumberValue(cJSON_GetObjectItem(cJSON_GetObjectItem(g, "rules"), "three_point_value")), 5);
	int gid = (int)cJSON_GetNumberValue(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "data"), 0), "id"));
	cJSON_Delete(j);
	snprintf(path, sizeof path, "/api/games/%d", gid);
	j = e2e_call(&s, "GET", path, NULL, NULL, &st);
	CHECK_EQ(st, 200);
	CHECK(cJSON_GetArraySize(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "data"), "plays")) > 50);
	CHECK_EQ(strlen(cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "data"), "hash"))), 64);
	cJSON_Delete(j);
	j = e2e_call(&s, "GET", "/api/standings", NULL, NULL, &st);
	CHECK_EQ(st, 200);
	const cJSON *reg = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "data"), "regular");
	CHECK_EQ(cJSON_GetArraySize(reg), 8);
	int wins = 0;
	const cJSON *row;
	cJSON_ArrayForEach(row, reg)
		wins += (int)cJSON_GetNumberValue(cJSON_GetObjectItem(row, "wins"));
	CHECK_EQ(wins, 8); /* two ticks of four games */
	cJSON_Delete(j);
	/* Operators see every tick's stages and every tally with its duration. */
	char *log = e2e_log(&s);
	CHECK_CONTAINS(log, "season.phase_changed from=setup to=active");
	CHECK_CONTAINS(log, "governance.tally round=1 duration_ms=");
	CHECK_CONTAINS(log, "round.stages round=2 games=4");
	free(log);
	free(ada);
	free(bo);
	free(cy);
	CHECK_EQ(e2e_stop(&s, SIGTERM, 20000), 0);
}

TEST(e2e_user_text_is_escaped_in_pages)
{
	e2e_server_t s;
	CHECK_EQ(e2e_start(&s, NULL, NULL), 0);
	char *tok = e2e_join(&s, "Mallory", 4);
	long st;
	cJSON_Delete(e2e_call(&s, "POST", "/api/governance/proposals",
			  "{\"text\":\"<script>alert(1)</script> & \\\"quotes\\\" make threes worth 4\"}", tok, &st));
	CHECK_EQ(st, 201);
	/* Open for voting (the governance page lists a draft to its proposer
	 * only), then on every page that shows it. */
	cJSON_Delete(e2e_call(&s, "POST", "/api/governance/proposals/1/confirm", NULL, tok, &st));
	CHECK_EQ(st, 200);
	e2e_resp_t r;
	static const char *const pages[] = {"/governance", "/proposals/1", "/governors/1", "/"};
	for (size_t i = 0; i < sizeof pages / sizeof pages[0]; i++) {
		CHECK_EQ(e2e_http(&s, "GET", pages[i], NULL, NULL, &r), 0);
		CHECK_EQ(r.status, 200);
		CHECK_MSG(strstr(r.body, "<script>alert") == NULL, "%s shows the script unescaped", pages[i]);
		CHECK_MSG(r.body && strstr(r.body, "&lt;script&gt;alert(1)&lt;/script&gt; &amp;"),
			  "%s lacks the escaped text", pages[i]);
		e2e_resp_free(&r);
	}
	free(tok);
	CHECK_EQ(e2e_stop(&s, SIGTERM, 20000), 0);
}

/* Reads the stream until round_finished; counts presentation events. */
struct seen {
	int starting, finished, rounds, possessions;
	int finished_ids[16];
};

static void read_stream(int fd, struct seen *sn, int timeout_ms, int stop_after_possessions)
{
	char *all = NULL;
	size_t total = 0;
	for (int waited = 0; waited < timeout_ms; waited += 200) {
		size_t len;
		char *got = e2e_recv(fd, NULL, 200, &len);
		all = realloc(all, total + len + 1);
		memcpy(all + total, got, len);
		total += len;
		all[total] = '\0';
		free(got);
		if (strstr(all, "event: presentation.round_finished"))
			break;
		if (stop_after_possessions) {
			int n = 0;
			for (const char *p = all; (p = strstr(p, "event: presentation.possession")); p++)
				n++;
			if (n >= stop_after_possessions)
				break;
		}
	}
	memset(sn, 0, sizeof *sn);
	for (const char *p = all; p && (p = strstr(p, "event: presentation.")); p++) {
		p += strlen("event: presentation.");
		if (!strncmp(p, "game_starting", 13))
			sn->starting++;
		else if (!strncmp(p, "possession", 10))
			sn->possessions++;
		else if (!strncmp(p, "round_finished", 14))
			sn->rounds++;
		else if (!strncmp(p, "game_finished", 13)) {
			const char *id = strstr(p, "\"game_id\":");
			if (id && sn->finished < 16)
				sn->finished_ids[sn->finished] = atoi(id + 10);
			sn->finished++;
		}
	}
	free(all);
}

static int subscribe_presentation(e2e_server_t *s)
{
	int fd = e2e_connect(s);
	const char *req = "GET /api/events/stream?event_type=presentation.game_starting,presentation.possession,"
			  "presentation.game_finished,presentation.round_finished HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
	e2e_send(fd, req, strlen(req));
	free(e2e_recv(fd, ": connected\n\n", 3000, NULL));
	return fd;
}

TEST(e2e_replay_and_kill9_resume)
{
	e2e_server_t s;
	CHECK_EQ(e2e_start(&s, NULL, NULL), 0);
	char db[512];
	snprintf(db, sizeof db, "%s", s.db);
	int fd = subscribe_presentation(&s);
	long st;
	cJSON_Delete(e2e_call(&s, "POST", "/api/pace/advance?quarter_seconds=2", NULL, NULL, &st));
	CHECK_EQ(st, 202);
	struct seen a;
	read_stream(fd, &a, 20000, 60);
	CHECK_EQ(a.starting, 4);
	CHECK(a.possessions >= 60);
	CHECK_EQ(a.rounds, 0);
	/* While the replay runs the next tick waits. */
	cJSON_Delete(e2e_call(&s, "POST", "/api/pace/advance", NULL, NULL, &st));
	CHECK_EQ(st, 409);
	close(fd);
	/* kill -9 mid-replay, then start again on the same database. */
	CHECK_EQ(e2e_stop(&s, SIGKILL, 5000), 128 + SIGKILL);
	CHECK_EQ(e2e_start(&s, NULL, db), 0);
	fd = subscribe_presentation(&s);
	struct seen b;
	read_stream(fd, &b, 40000, 0);
	CHECK_EQ(b.rounds, 1);
	CHECK_EQ(a.finished + b.finished, 4); /* every game finished exactly once */
	for (int i = 0; i < b.finished; i++)
		for (int k = i + 1; k < b.finished; k++)
			CHECK(b.finished_ids[i] != b.finished_ids[k]);
	close(fd);
	cJSON *j = e2e_call(&s, "GET", "/api/games?round=1", NULL, NULL, &st);
	CHECK_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(j, "data")), 4); /* stored once */
	cJSON_Delete(j);
	j = e2e_call(&s, "GET", "/api/seasons/current", NULL, NULL, &st);
	CHECK_EQ(data_num(j, "round"), 1);
	cJSON_Delete(j);
	CHECK_EQ(e2e_stop(&s, SIGTERM, 20000), 0);
}

/* Sums the wins of the regular-season standings at path. */
static int standings_wins(e2e_server_t *s, const char *path, long *st)
{
	cJSON *j = e2e_call(s, "GET", path, NULL, NULL, st);
	int wins = 0;
	const cJSON *row;
	cJSON_ArrayForEach(row, cJSON_GetObjectItem(cJSON_GetObjectItem(j, "data"), "regular"))
		wins += (int)cJSON_GetNumberValue(cJSON_GetObjectItem(row, "wins"));
	cJSON_Delete(j);
	return wins;
}

TEST(e2e_cached_standings_follow_ticks)
{
	/* /api/standings for the current season is served from a cache that
	 * also remembers which season is current; each tick must show through
	 * at once, and naming the season explicitly must agree with it. */
	const char *env[] = {"PINWHEEL_PRESENTATION_MODE=instant", NULL};
	e2e_server_t s;
	CHECK_EQ(e2e_start(&s, env, NULL), 0);
	long st = 0;
	cJSON *j = e2e_call(&s, "GET", "/api/seasons/current", NULL, NULL, &st);
	int sid = (int)cJSON_GetNumberValue(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "data"), "id"));
	cJSON_Delete(j);
	char named[64];
	snprintf(named, sizeof named, "/api/standings?season_id=%d", sid);
	for (int tick = 0; tick <= 2; tick++) {
		if (tick)
			advance(&s, NULL);
		CHECK_EQ(standings_wins(&s, "/api/standings", &st), 4 * tick);
		CHECK_EQ(st, 200);
		CHECK_EQ(standings_wins(&s, "/api/standings", &st), 4 * tick); /* now from the cache */
		CHECK_EQ(standings_wins(&s, named, &st), 4 * tick);
	}
	standings_wins(&s, "/api/standings?season_id=999", &st);
	CHECK_EQ(st, 404);
	/* The tick's work as /api/pace/status splits it: the round, and the
	 * replay's four games made ready on the tick's thread, both within
	 * the whole. */
	j = e2e_call(&s, "GET", "/api/pace/status", NULL, NULL, &st);
	const cJSON *d = cJSON_GetObjectItem(j, "data");
	double whole = cJSON_GetNumberValue(cJSON_GetObjectItem(d, "last_tick_ms"));
	double rnd = cJSON_GetNumberValue(cJSON_GetObjectItem(d, "last_round_ms"));
	double load = cJSON_GetNumberValue(cJSON_GetObjectItem(d, "last_presentation_load_ms"));
	CHECK_MSG(rnd > 0 && load > 0 && rnd + load <= whole, "tick %.3f ms: round %.3f, load %.3f", whole, rnd, load);
	cJSON_Delete(j);
	CHECK_EQ(e2e_stop(&s, SIGTERM, 20000), 0);
}

static const char *or_empty(const char *s)
{
	return s ? s : "";
}

/* The current season's phase and round, from /api/seasons/current. */
static void current(e2e_server_t *s, char *phase, size_t len, int *round, int *teams)
{
	long st = 0;
	cJSON *j = e2e_call(s, "GET", "/api/seasons/current", NULL, NULL, &st);
	const cJSON *d = cJSON_GetObjectItem(j, "data");
	snprintf(phase, len, "%s", or_empty(cJSON_GetStringValue(cJSON_GetObjectItem(d, "phase"))));
	*round = (int)data_num(j, "round");
	if (teams)
		*teams = (int)data_num(j, "teams_count");
	cJSON_Delete(j);
}

TEST(e2e_season_end_window_champion_and_failed_ticks)
{
	const char *env[] = {"PINWHEEL_PRESENTATION_MODE=instant", "PINWHEEL_PRESENTATION_PACE=manual",
			     "PINWHEEL_TEAMS=4", "PINWHEEL_CHAMPIONSHIP_SECONDS=3600", NULL};
	e2e_server_t s;
	CHECK_EQ(e2e_start(&s, env, NULL), 0);
	char phase[32];
	int round = 0, teams = 0;
	current(&s, phase, sizeof phase, &round, &teams);
	CHECK_EQ(teams, 4); /* the demo league's size */

	/* A tick that fails says why, in the log and in the pace status. */
	CHECK_EQ(dbt_refuse(s.db, "refuse_games", "INSERT", "game_results", NULL,
			    "the disk is full (refused by the test)"),
		 0);
	advance(&s, NULL);
	long st = 0;
	cJSON *j = e2e_call(&s, "GET", "/api/pace/status", NULL, NULL, &st);
	const cJSON *d = cJSON_GetObjectItem(j, "data");
	CHECK_CONTAINS(cJSON_GetStringValue(cJSON_GetObjectItem(d, "last_error")), "the disk is full");
	CHECK_CONTAINS(cJSON_GetStringValue(cJSON_GetObjectItem(d, "last_error")), "round 1");
	CHECK_EQ(cJSON_GetNumberValue(cJSON_GetObjectItem(d, "last_error_round")), 1);
	CHECK(cJSON_IsString(cJSON_GetObjectItem(d, "last_error_at")));
	cJSON_Delete(j);
	char *log = e2e_log(&s);
	CHECK_CONTAINS(log, "tick.failed");
	CHECK_CONTAINS(log, "the disk is full");
	free(log);
	/* Nothing of the failed stage stayed; the next tick finishes it. */
	CHECK_EQ(dbt_allow(s.db, "refuse_games", "game_results"), 0);
	advance(&s, NULL);
	j = e2e_call(&s, "GET", "/api/pace/status", NULL, NULL, &st);
	CHECK(cJSON_IsNull(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "data"), "last_error")));
	cJSON_Delete(j);
	current(&s, phase, sizeof phase, &round, NULL);
	CHECK_EQ(round, 1);

	/* To the championship window: manual advances in it add nothing. */
	for (int i = 0; i < 40 && strcmp(phase, "championship"); i++) {
		advance(&s, NULL);
		current(&s, phase, sizeof phase, &round, NULL);
	}
	CHECK_STR(phase, "championship");
	int final_round = round;
	advance(&s, NULL);
	advance(&s, NULL);
	current(&s, phase, sizeof phase, &round, NULL);
	CHECK_STR(phase, "championship");
	CHECK_EQ(round, final_round);
	char path[96];
	snprintf(path, sizeof path, "/api/reports/round/1/%d", final_round + 1);
	j = e2e_call(&s, "GET", path, NULL, NULL, &st);
	CHECK_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(j, "data")), 0);
	cJSON_Delete(j);

	/* The champion: in the bracket, a report, the home page. */
	j = e2e_call(&s, "GET", "/api/games/playoffs/bracket", NULL, NULL, &st);
	const char *champ = cJSON_GetStringValue(
		cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "data"), "champion"), "name"));
	CHECK(champ != NULL);
	char name[128];
	snprintf(name, sizeof name, "%s", champ ? champ : "?");
	cJSON_Delete(j);
	snprintf(path, sizeof path, "/api/reports/round/1/%d", final_round);
	j = e2e_call(&s, "GET", path, NULL, NULL, &st);
	bool reported = false;
	const cJSON *r;
	cJSON_ArrayForEach(r, cJSON_GetObjectItem(j, "data"))
		reported |= !strcmp(or_empty(cJSON_GetStringValue(cJSON_GetObjectItem(r, "kind"))), "champion") &&
			    strstr(or_empty(cJSON_GetStringValue(cJSON_GetObjectItem(r, "text"))), name);
	CHECK_MSG(reported, "no champion report for %s in round %d", name, final_round);
	cJSON_Delete(j);
	e2e_resp_t home;
	CHECK_EQ(e2e_http(&s, "GET", "/", NULL, NULL, &home), 0);
	CHECK_CONTAINS(home.body, "Champion");
	CHECK_CONTAINS(home.body, name);
	e2e_resp_free(&home);

	/* A new season may start now: the old one ends properly. */
	j = e2e_call(&s, "POST", "/api/seasons", "{\"name\":\"Two\",\"carry_rules\":true}", NULL, &st);
	CHECK_EQ(st, 201);
	cJSON_Delete(j);
	current(&s, phase, sizeof phase, &round, &teams);
	CHECK_STR(phase, "setup");
	CHECK_EQ(teams, 4);
	j = e2e_call(&s, "GET", "/api/games/playoffs/bracket?season_id=1", NULL, NULL, &st);
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "data"),
									     "champion"), "name")), name);
	cJSON_Delete(j);
	CHECK_EQ(e2e_http(&s, "GET", "/", NULL, NULL, &home), 0);
	CHECK_CONTAINS(home.body, "Reigning champion");
	e2e_resp_free(&home);
	CHECK_EQ(e2e_stop(&s, SIGTERM, 20000), 0);
}

TEST(e2e_season_settings_are_documented_and_checked)
{
	char cmd[1024], *out = NULL;
	snprintf(cmd, sizeof cmd, "%s serve --help", test_bin());
	CHECK_EQ(test_run(cmd, &out, false), 0);
	CHECK_CONTAINS(out, "PINWHEEL_CHAMPIONSHIP_SECONDS");
	CHECK_CONTAINS(out, "PINWHEEL_TEAMS");
	free(out);
	snprintf(cmd, sizeof cmd, "PINWHEEL_CHAMPIONSHIP_SECONDS=-5 %s serve --port 0", test_bin());
	CHECK_EQ(test_run(cmd, &out, true), 2);
	CHECK_CONTAINS(out, "PINWHEEL_CHAMPIONSHIP_SECONDS");
	free(out);
	snprintf(cmd, sizeof cmd, "PINWHEEL_TEAMS=17 %s serve --port 0", test_bin());
	CHECK_EQ(test_run(cmd, &out, true), 2);
	CHECK_CONTAINS(out, "PINWHEEL_TEAMS");
	free(out);
}

/* The first hooper of team id, from /api/teams/{id}. */
static int first_hooper(e2e_server_t *s, int team)
{
	char path[48];
	snprintf(path, sizeof path, "/api/teams/%d", team);
	long st = 0;
	cJSON *j = e2e_call(s, "GET", path, NULL, NULL, &st);
	const cJSON *h = cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "data"), "hoopers"), 0);
	int id = (int)cJSON_GetNumberValue(cJSON_GetObjectItem(h, "id"));
	cJSON_Delete(j);
	return id;
}

/* The status of the first element of data.<list> in a response. */
static const char *first_status(cJSON *j, const char *list)
{
	const cJSON *d = cJSON_GetObjectItem(j, "data");
	const cJSON *x = list ? cJSON_GetArrayItem(cJSON_GetObjectItem(d, list), 0) : d;
	return cJSON_GetStringValue(cJSON_GetObjectItem(x, "status"));
}

/* Issue 11's endpoints: trades listed, withdrawn and rejected, a proposal
 * withdrawn, an effect disabled and re-enabled by the admin and shown with
 * its reason; names with controls refused with 422 naming the field. */
TEST(e2e_trades_withdrawals_and_admin_effects)
{
	const char *env[] = {"PINWHEEL_PRESENTATION_MODE=instant", NULL};
	e2e_server_t s;
	CHECK_EQ(e2e_start(&s, env, NULL), 0);
	long st = 0;
	/* Names: one check, a clear 422 naming the field. */
	cJSON *j = e2e_call(&s, "POST", "/api/governors", "{\"name\":\"Ada\\u202eevil\",\"team_id\":1}", NULL, &st);
	CHECK_EQ(st, 422);
	CHECK_CONTAINS(cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "error"), "message")), "name");
	cJSON_Delete(j);
	j = e2e_call(&s, "POST", "/api/seasons", "{\"name\":\"S\\u0007\",\"carry_rules\":true}", NULL, &st);
	CHECK_EQ(st, 422);
	CHECK_CONTAINS(cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "error"), "message")), "name");
	cJSON_Delete(j);
	char *ada = e2e_join(&s, "Ada", 1), *bo = e2e_join(&s, "Bo", 2), *cy = e2e_join(&s, "Cy", 3);

	/* Token offers: listed for those involved (bearer), withdrawn by the offerer. */
	j = e2e_call(&s, "POST", "/api/governance/trades",
		 "{\"to_governor_id\":2,\"offer\":{\"propose\":1},\"request\":{\"boost\":1}}", ada, &st);
	CHECK_EQ(st, 201);
	cJSON_Delete(j);
	cJSON_Delete(e2e_call(&s, "GET", "/api/governance/trades", NULL, NULL, &st));
	CHECK_EQ(st, 401);
	j = e2e_call(&s, "GET", "/api/governance/trades", NULL, bo, &st);
	CHECK_EQ(st, 200);
	CHECK_STR(first_status(j, "token_trades"), "open");
	cJSON_Delete(j);
	j = e2e_call(&s, "GET", "/api/governance/trades", NULL, cy, &st);
	CHECK_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "data"), "token_trades")), 0);
	cJSON_Delete(j);
	cJSON_Delete(e2e_call(&s, "POST", "/api/governance/trades/1/withdraw", NULL, bo, &st));
	CHECK_EQ(st, 403);
	j = e2e_call(&s, "POST", "/api/governance/trades/1/withdraw", NULL, ada, &st);
	CHECK_EQ(st, 200);
	CHECK_STR(first_status(j, "token_trades"), "withdrawn");
	cJSON_Delete(j);

	/* A hooper trade rejected by the other team. */
	char body[256], path[96];
	snprintf(body, sizeof body, "{\"hooper_id\":%d,\"for_hooper_id\":%d}", first_hooper(&s, 1), first_hooper(&s, 2));
	cJSON_Delete(e2e_call(&s, "POST", "/api/governance/hooper-trades", body, ada, &st));
	CHECK_EQ(st, 201);
	cJSON_Delete(e2e_call(&s, "POST", "/api/governance/hooper-trades/1/reject", NULL, cy, &st));
	CHECK_EQ(st, 403);
	j = e2e_call(&s, "POST", "/api/governance/hooper-trades/1/reject", NULL, bo, &st);
	CHECK_EQ(st, 200);
	CHECK_STR(first_status(j, NULL), "rejected");
	cJSON_Delete(j);

	/* A proposal withdrawn by its proposer. */
	j = e2e_call(&s, "POST", "/api/governance/proposals", "{\"text\":\"shorter quarters\"}", cy, &st);
	int pid = (int)data_num(j, "id");
	cJSON_Delete(j);
	snprintf(path, sizeof path, "/api/governance/proposals/%d/confirm", pid);
	cJSON_Delete(e2e_call(&s, "POST", path, NULL, cy, &st));
	snprintf(path, sizeof path, "/api/governance/proposals/%d/withdraw", pid);
	cJSON_Delete(e2e_call(&s, "POST", path, NULL, ada, &st));
	CHECK_EQ(st, 403);
	j = e2e_call(&s, "POST", path, NULL, cy, &st);
	CHECK_EQ(st, 200);
	CHECK_STR(first_status(j, NULL), "withdrawn");
	cJSON_Delete(j);

	/* An effect, passed and registered by a tick... */
	j = e2e_call(&s, "POST", "/api/governance/proposals",
		 "{\"text\":\"install quiet\",\"effect_lua\":\"return { name = 'Quiet', hooks = { ['sim.game.pre'] = "
		 "function(ctx) end } }\"}",
		 ada, &st);
	CHECK_EQ(st, 201);
	pid = (int)data_num(j, "id");
	cJSON_Delete(j);
	snprintf(path, sizeof path, "/api/governance/proposals/%d/confirm", pid);
	cJSON_Delete(e2e_call(&s, "POST", path, NULL, ada, &st));
	char *toks[3] = {ada, bo, cy};
	for (int i = 0; i < 3; i++) {
		snprintf(body, sizeof body, "{\"proposal_id\":%d,\"vote\":\"yes\"}", pid);
		cJSON_Delete(e2e_call(&s, "POST", "/api/governance/votes", body, toks[i], &st));
		CHECK_EQ(st, 200);
	}
	advance(&s, NULL);
	char fx[32];
	snprintf(fx, sizeof fx, "fx-%d-1", pid);
	/* ...switched off by the admin: a reason is required. */
	snprintf(path, sizeof path, "/api/admin/effects/%s/disable", fx);
	cJSON_Delete(e2e_call(&s, "POST", path, "{}", NULL, &st));
	CHECK_EQ(st, 422);
	j = e2e_call(&s, "POST", path, "{\"reason\":\"too quiet\"}", NULL, &st);
	CHECK_EQ(st, 200);
	CHECK_STR(first_status(j, NULL), "disabled");
	cJSON_Delete(j);
	/* Still listed, with the reason, on the API and the pages. */
	j = e2e_call(&s, "GET", "/api/effects", NULL, NULL, &st);
	const cJSON *e0 = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "data"), 0);
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(e0, "status")), "disabled");
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(e0, "reason")), "too quiet");
	cJSON_Delete(j);
	j = e2e_call(&s, "GET", "/api/effects?status=active", NULL, NULL, &st);
	CHECK_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(j, "data")), 0);
	cJSON_Delete(j);
	cJSON_Delete(e2e_call(&s, "GET", "/api/effects?status=bogus", NULL, NULL, &st));
	CHECK_EQ(st, 400);
	e2e_resp_t r;
	CHECK_EQ(e2e_http(&s, "GET", "/effects", NULL, NULL, &r), 0);
	CHECK_CONTAINS(r.body, "too quiet");
	e2e_resp_free(&r);
	CHECK_EQ(e2e_http(&s, "GET", "/admin", NULL, NULL, &r), 0);
	CHECK_CONTAINS(r.body, "switched off");
	CHECK_CONTAINS(r.body, "action=\"/admin/effects/");
	e2e_resp_free(&r);
	CHECK_EQ(e2e_http(&s, "GET", "/governors/1", NULL, NULL, &r), 0);
	CHECK_EQ(r.status, 200);
	CHECK_CONTAINS(r.body, "Token offers");
	CHECK_CONTAINS(r.body, "withdrawn");
	CHECK(strstr(r.body, "not enrolled") == NULL);
	e2e_resp_free(&r);
	/* ...and back on. */
	snprintf(path, sizeof path, "/api/admin/effects/%s/enable", fx);
	j = e2e_call(&s, "POST", path, "{\"reason\":\"fine after all\"}", NULL, &st);
	CHECK_EQ(st, 200);
	CHECK_STR(first_status(j, NULL), "active");
	cJSON_Delete(j);
	cJSON_Delete(e2e_call(&s, "POST", "/api/admin/effects/fx-999-1/enable", "{\"reason\":\"x\"}", NULL, &st));
	CHECK_EQ(st, 404);
	free(ada);
	free(bo);
	free(cy);
	CHECK_EQ(e2e_stop(&s, SIGTERM, 20000), 0);
}

/* The server on PostgreSQL (docs/POSTGRES.md): the same loops. */
E2E_ON_POSTGRES(e2e_governance_loop)
E2E_ON_POSTGRES(e2e_user_text_is_escaped_in_pages)
E2E_ON_POSTGRES(e2e_replay_and_kill9_resume)
E2E_ON_POSTGRES(e2e_trades_withdrawals_and_admin_effects)
