/*
 * test_e2e_multi_tick.c — two `pinwheel serve` processes on one PostgreSQL
 * database (issue 16): one of them holds the tick lock and plays and
 * presents every tick; the other skips its ticks and refuses an admin's
 * advance; when the holder is killed (kill -9) or hangs (SIGSTOP) in the
 * middle of a tick's replay, the other takes the ticks over and finishes
 * the presentation — every game of the round stored once and presented —
 * and plays the next round; a holder that wakes after a takeover writes
 * nothing more. A round a runner left inside a stage is finished at that
 * stage by whichever server takes the ticks, then presented (and taken
 * over again when that server dies mid-replay). And votes sent to both servers while a tick tallies are
 * each counted exactly once. State is read through the API and the
 * database, never through the live stream (each server's own).
 */
#include "tests/test.h"

#include <cjson/cJSON.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/league/governance.h"
#include "core/league/round.h"
#include "core/league/season.h"
#include "core/league/store.h"
#include "server/live/presenter.h"
#include "tests/e2e/e2e.h"

/* A short lease, so a hung holder is taken over within seconds. */
#define LEASE "PINWHEEL_TICK_LEASE_SECONDS=3"

static long long mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Two servers on one new PostgreSQL database: a, started first (and so
 * holding the tick lock once /api/pace says so), then b on a's database.
 * Returns 0, or -1 after a failed check.
 */
static int start_pair(e2e_server_t *a, e2e_server_t *b, const char *const *env)
{
	e2e_use_postgres();
	if (e2e_start(a, env, NULL) < 0) {
		test_fail(__FILE__, __LINE__, "the first server did not start");
		return -1;
	}
	if (e2e_start(b, env, a->db) < 0) {
		test_fail(__FILE__, __LINE__, "the second server did not start on the first's database");
		return -1;
	}
	return 0;
}

/* /api/pace's data (caller frees; NULL when the server does not answer). */
static cJSON *pace(e2e_server_t *s)
{
	long st = 0;
	cJSON *j = e2e_call(s, "GET", "/api/pace", NULL, NULL, &st);
	cJSON *d = st == 200 ? cJSON_DetachItemFromObject(j, "data") : NULL;
	cJSON_Delete(j);
	return d;
}

/* Whether s says it holds the tick lock (-1: no answer). */
static int holds_ticks(e2e_server_t *s)
{
	cJSON *p = pace(s);
	const cJSON *held = cJSON_GetObjectItem(cJSON_GetObjectItem(p, "tick_lock"), "held");
	int r = cJSON_IsBool(held) ? cJSON_IsTrue(held) : -1;
	cJSON_Delete(p);
	return r;
}

/* Waits until s holds the tick lock; false after timeout_ms. */
static bool wait_holds(e2e_server_t *s, int timeout_ms)
{
	for (long long end = mono_ms() + timeout_ms; mono_ms() < end; usleep(100000))
		if (holds_ticks(s) == 1)
			return true;
	return false;
}

/* POST /api/pace/advance on s: the status. */
static long advance(e2e_server_t *s, const char *query, char *code, size_t len)
{
	char path[80];
	snprintf(path, sizeof path, "/api/pace/advance%s", query ? query : "");
	long st = 0;
	cJSON *j = e2e_call(s, "POST", path, NULL, NULL, &st);
	const char *c = cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "error"), "code"));
	if (code)
		snprintf(code, len, "%s", c ? c : "");
	cJSON_Delete(j);
	return st;
}

/* POST /api/pace/advance on s: the status, and the answer's data in *data
 * (caller frees; NULL on an error). */
static long advance_data(e2e_server_t *s, const char *query, cJSON **data)
{
	char path[80];
	snprintf(path, sizeof path, "/api/pace/advance%s", query ? query : "");
	long st = 0;
	cJSON *j = e2e_call(s, "POST", path, NULL, NULL, &st);
	*data = cJSON_DetachItemFromObject(j, "data");
	cJSON_Delete(j);
	return st;
}

/* An advance on a server that does not hold the tick lock: 202, nothing
 * started there, the holder asked. A server that has just woken or
 * followed a takeover may still be catching up on the replay it mirrors
 * (its follower reads the log after it): 409 tick_in_progress until it
 * has, for at most 10 s. */
static void check_advance_asked(e2e_server_t *s, const char *query)
{
	cJSON *d = NULL;
	long st = 0;
	for (long long end = mono_ms() + 10000; mono_ms() < end; usleep(200000)) {
		cJSON_Delete(d);
		d = NULL;
		if ((st = advance_data(s, query, &d)) != 409)
			break;
	}
	CHECK_EQ(st, 202);
	CHECK(cJSON_IsFalse(cJSON_GetObjectItem(d, "started")));
	CHECK(cJSON_IsTrue(cJSON_GetObjectItem(d, "requested")));
	cJSON_Delete(d);
}

/* Waits until s's pace is `want`; false after timeout_ms. */
static bool wait_pace(e2e_server_t *s, const char *want, int timeout_ms)
{
	for (long long end = mono_ms() + timeout_ms; mono_ms() < end; usleep(100000)) {
		cJSON *p = pace(s);
		bool is = !strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(p, "pace")) ?: "", want);
		cJSON_Delete(p);
		if (is)
			return true;
	}
	return false;
}

/* POST /api/pace on s: the status. */
static long set_pace(e2e_server_t *s, const char *pace_name)
{
	char body[64];
	snprintf(body, sizeof body, "{\"pace\":\"%s\"}", pace_name);
	long st = 0;
	cJSON_Delete(e2e_call(s, "POST", "/api/pace", body, NULL, &st));
	return st;
}

/* Waits until s presents a replay with at least one play shown and a game
 * not finished: the middle of a replay. */
static bool wait_mid_replay(e2e_server_t *s, int timeout_ms)
{
	for (long long end = mono_ms() + timeout_ms; mono_ms() < end; usleep(100000)) {
		cJSON *p = pace(s);
		int shown = 0, open = 0;
		const cJSON *g;
		cJSON_ArrayForEach(g, cJSON_GetObjectItem(p, "presentation_games")) {
			shown += (int)cJSON_GetNumberValue(cJSON_GetObjectItem(g, "plays_shown"));
			open += !cJSON_IsTrue(cJSON_GetObjectItem(g, "finished"));
		}
		cJSON_Delete(p);
		if (shown > 20 && open > 0)
			return true;
	}
	return false;
}

/* The database as a writer sees it: round `round` of the current season. */
typedef struct {
	int games;     /* rows stored for the round */
	int slots;     /* distinct schedule slots (game_index) among them */
	int presented; /* rows marked presented */
	int unpresented_anywhere;
	int current_round;
} round_state_t;

static round_state_t round_state(const char *db, int round)
{
	round_state_t r = {0};
	char err[512];
	pw_store_t *st = store_open(db, err, sizeof err);
	CHECK_MSG(st != NULL, "open %s", err);
	if (!st)
		return r;
	pw_season_row_t season;
	CHECK_EQ(season_current(st, &season), 1);
	r.current_round = season.current_round;
	int n = 0;
	pw_game_row_t *g = store_games(st, season.id, round, &n);
	bool seen[64] = {0};
	for (int i = 0; g && i < n; i++) {
		r.games++;
		if (g[i].game_index >= 0 && g[i].game_index < 64 && !seen[g[i].game_index]) {
			seen[g[i].game_index] = true;
			r.slots++;
		}
	}
	free(g);
	int un = 0;
	pw_game_row_t *u = store_games_unpresented(st, &un);
	r.unpresented_anywhere = un;
	r.presented = r.games;
	for (int i = 0; u && i < un; i++)
		r.presented -= u[i].round == round;
	free(u);
	store_close(st);
	return r;
}

/* Waits until round `round` has `games` games, all presented. */
static bool wait_presented(const char *db, int round, int games, int timeout_ms)
{
	for (long long end = mono_ms() + timeout_ms; mono_ms() < end; usleep(200000)) {
		round_state_t r = round_state(db, round);
		if (r.games == games && r.presented == games && r.current_round >= round)
			return true;
	}
	return false;
}

/* How many times `what` appears in s's log. */
static int log_count(e2e_server_t *s, const char *what)
{
	char *log = e2e_log(s);
	int n = 0;
	for (const char *p = log; p && (p = strstr(p, what)) != NULL; p += strlen(what))
		n++;
	free(log);
	return n;
}

/* The admin page's "play the next tick" on s (a loopback server without
 * an admin token: any browser session is the admin's): the status, and
 * the page in *page (caller frees). */
static long admin_page_advance(e2e_server_t *s, char **page)
{
	e2e_resp_t r;
	*page = NULL;
	CHECK_EQ(e2e_http(s, "GET", "/admin", NULL, NULL, &r), 0);
	const char *c = r.headers ? strstr(r.headers, "Set-Cookie: ") : NULL;
	const char *t = r.body ? strstr(r.body, "name=\"csrf\" value=\"") : NULL;
	char cookie[160] = "", body[160] = "";
	if (c)
		snprintf(cookie, sizeof cookie, "Cookie: %.*s", (int)strcspn(c + 12, ";\r\n"), c + 12);
	if (t)
		snprintf(body, sizeof body, "csrf=%.64s&quarter_seconds=2", t + strlen("name=\"csrf\" value=\""));
	e2e_resp_free(&r);
	CHECK_MSG(c && t, "the admin page gave no session or form token");
	const char *h[] = {"Content-Type: application/x-www-form-urlencoded", cookie, NULL};
	CHECK_EQ(e2e_http(s, "POST", "/admin/advance", body, h, &r), 0);
	long st = r.status;
	*page = r.body;
	r.body = NULL;
	e2e_resp_free(&r);
	return st;
}

/* The league's 8 teams play 4 games a round. */
#define GAMES 4

/* After a takeover: the round whole (stored once, presented), the next
 * one played and presented by the new holder — asked for on `via`, the
 * heir itself or a server that asks it. */
static void check_round_one_then_two(e2e_server_t *heir, e2e_server_t *via, const char *db)
{
	CHECK_MSG(wait_presented(db, 1, GAMES, 40000), "round 1 was not presented whole after the takeover");
	round_state_t r = round_state(db, 1);
	CHECK_EQ(r.games, GAMES);
	CHECK_EQ(r.slots, GAMES); /* no schedule slot stored twice */
	CHECK_EQ(r.presented, GAMES);
	CHECK_EQ(r.unpresented_anywhere, 0);
	CHECK_EQ(r.current_round, 1);
	CHECK_EQ(log_count(heir, "presentation.resumed"), 1);
	if (via == heir) {
		CHECK_EQ(advance(heir, "?quarter_seconds=1", NULL, 0), 202);
	} else {
		/* Asked on the other server's admin page (the API's ask is the
		 * other test's): it says the holder was asked. 409 while the
		 * asking server catches up on the replay it mirrors. */
		char *page = NULL;
		long st = 0;
		for (long long end = mono_ms() + 10000; mono_ms() < end; usleep(200000)) {
			free(page);
			if ((st = admin_page_advance(via, &page)) != 409)
				break;
		}
		CHECK_EQ(st, 303);
		CHECK_CONTAINS(page, "/admin?done=advance-asked");
		free(page);
		e2e_resp_t shown;
		CHECK_EQ(e2e_http(via, "GET", "/admin?done=advance-asked", NULL, NULL, &shown), 0);
		CHECK_CONTAINS(shown.body, "it was asked to play the next one now");
		e2e_resp_free(&shown);
	}
	CHECK_MSG(wait_presented(db, 2, GAMES, 40000), "the new holder did not play round 2");
	if (via != heir)
		CHECK_EQ(log_count(heir, "tick.advance_for"), 1);
	r = round_state(db, 2);
	CHECK_EQ(r.slots, GAMES);
	CHECK_EQ(r.current_round, 2);
}

TEST(pg_e2e_multi_tick_kill9_of_the_holder_mid_replay_is_taken_over)
{
	const char *env[] = {LEASE, NULL};
	e2e_server_t a, b;
	if (start_pair(&a, &b, env) < 0)
		return;
	CHECK(wait_holds(&a, 10000));
	CHECK_EQ(holds_ticks(&b), 0);
	/* The admin may act on either server behind the balancer: a pace set
	 * on the follower is the holder's too, and back. */
	CHECK_EQ(set_pace(&b, "slow"), 200);
	CHECK_MSG(wait_pace(&a, "slow", 5000), "the holder never took the pace set on the follower");
	CHECK_EQ(set_pace(&b, "manual"), 200);
	CHECK_MSG(wait_pace(&a, "manual", 5000), "the holder never took the pace set back");
	/* The follower does not tick: it asks the holder, which does. */
	check_advance_asked(&b, "?quarter_seconds=2");
	CHECK_MSG(wait_mid_replay(&a, 20000), "the holder's replay never got under way");
	CHECK_EQ(log_count(&a, "tick.advance_for"), 1);
	CHECK_EQ(log_count(&b, "tick.start"), 0);
	/* While the holder replays, the follower sees it (its mirror) and says
	 * so, on the API and on the admin page. */
	char code[64] = "";
	for (long long end = mono_ms() + 5000; mono_ms() < end && strcmp(code, "tick_in_progress"); usleep(100000))
		advance(&b, NULL, code, sizeof code);
	CHECK_STR(code, "tick_in_progress");
	char *page = NULL;
	CHECK_EQ(admin_page_advance(&b, &page), 409);
	CHECK_CONTAINS(page, "still running");
	free(page);
	CHECK_EQ(log_count(&a, "tick.advance_for"), 1);
	long long t0 = mono_ms();
	CHECK_EQ(e2e_stop(&a, SIGKILL, 5000), 128 + SIGKILL);
	/* Its session ended with it: the lock is free at once, taken on the
	 * follower's next try (a third of the lease), not after the lease. */
	CHECK_MSG(wait_holds(&b, 10000), "the follower never took the ticks over");
	long long took = mono_ms() - t0;
	CHECK_MSG(took < 2900, "taking over from a killed holder took %lld ms", took);
	printf("ticks taken over %lld ms after kill -9 of their holder (lease 3 s)\n", took);
	check_round_one_then_two(&b, &b, a.db);
	CHECK_EQ(e2e_stop(&b, SIGTERM, 20000), 0);
}

/* Two servers with the short lease, a holding the ticks and in the middle
 * of round 1's replay (2-second quarters). -1 after a failed check. */
static int start_mid_replay(e2e_server_t *a, e2e_server_t *b)
{
	const char *env[] = {LEASE, NULL};
	if (start_pair(a, b, env) < 0)
		return -1;
	CHECK(wait_holds(a, 10000));
	CHECK_EQ(advance(a, "?quarter_seconds=2", NULL, 0), 202);
	CHECK_MSG(wait_mid_replay(a, 20000), "the holder's replay never got under way");
	return 0;
}

TEST(pg_e2e_multi_tick_a_hung_holder_is_taken_over_and_fenced)
{
	e2e_server_t a, b;
	if (start_mid_replay(&a, &b) < 0)
		return;
	/* Hung: its session stays, its lease runs out, the follower ends the
	 * session and takes over. */
	kill(a.pid, SIGSTOP);
	long long t0 = mono_ms();
	CHECK_MSG(wait_holds(&b, 15000), "the follower never took over from the hung holder");
	long long took = mono_ms() - t0;
	CHECK_MSG(took >= 1500, "the lock was taken %lld ms after the holder hung: before its lease ended", took);
	printf("ticks taken over %lld ms after their holder hung (lease 3 s)\n", took);
	CHECK_MSG(wait_presented(a.db, 1, GAMES, 40000), "round 1 was not presented whole after the takeover");
	/* The old holder wakes: it finds its lock gone and stops presenting. */
	kill(a.pid, SIGCONT);
	bool lost = false;
	for (long long end = mono_ms() + 10000; !lost && mono_ms() < end; usleep(100000))
		lost = log_count(&a, "tick.lock_lost") > 0;
	CHECK_MSG(lost, "the woken holder never noticed it lost the ticks");
	CHECK_EQ(holds_ticks(&a), 0);
	CHECK_EQ(holds_ticks(&b), 1);
	/* Round 2 asked for on the old holder: the new one plays it. */
	check_round_one_then_two(&b, &a, a.db);
	CHECK_EQ(e2e_stop(&a, SIGTERM, 20000), 0);
	CHECK_EQ(e2e_stop(&b, SIGTERM, 20000), 0);
}

/* /api/arena's status on s ("live", "between_rounds", ...; "" when it
 * does not answer). */
static void arena_status(e2e_server_t *s, char *out, size_t len)
{
	long st = 0;
	cJSON *j = e2e_call(s, "GET", "/api/arena", NULL, NULL, &st);
	const char *v = cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "data"), "status"));
	snprintf(out, len, "%s", st == 200 && v ? v : "");
	cJSON_Delete(j);
}

static bool wait_arena(e2e_server_t *s, bool live, int timeout_ms)
{
	char status[32] = "";
	for (long long end = mono_ms() + timeout_ms; mono_ms() < end; usleep(100000)) {
		arena_status(s, status, sizeof status);
		if (status[0] && !strcmp(status, "live") == live)
			return true;
	}
	return false;
}

/*
 * The holder ends its replay (every game shown, its progress removed) and
 * stops before its last event, presentation.round_finished, reaches the
 * bus (the bus writes on a thread of its own). The follower mirrored the
 * replay: when it takes the ticks over with nothing to resume, it tells
 * the end itself, so its arena (and every other server's) stops showing a
 * replay nobody presents. Stopped here with SIGSTOP mid-replay, the end
 * written by hand as the holder would have.
 */
TEST(pg_e2e_multi_tick_a_replay_ended_unannounced_is_announced_by_the_heir)
{
	e2e_server_t a, b;
	if (start_mid_replay(&a, &b) < 0)
		return;
	CHECK_MSG(wait_arena(&b, true, 5000), "the follower's arena never showed the replay");
	kill(a.pid, SIGSTOP);
	char err[512];
	pw_store_t *st = store_open(a.db, err, sizeof err);
	CHECK_MSG(st != NULL, "open %s", err);
	if (st) {
		pw_season_row_t season;
		CHECK_EQ(season_current(st, &season), 1);
		int n = 0;
		pw_game_row_t *g = store_games(st, season.id, 1, &n);
		CHECK_EQ(n, GAMES);
		for (int i = 0; g && i < n; i++)
			CHECK(store_game_set_presented(st, g[i].id) >= 0);
		free(g);
		CHECK_EQ(store_kv_delete(st, PRESENTER_STATE_KEY), 0);
		CHECK(store_kv_delete(st, PRESENTER_HELD_KEY) >= 0);
		store_close(st);
	}
	CHECK_MSG(wait_holds(&b, 15000), "the follower never took over from the stopped holder");
	CHECK_MSG(wait_arena(&b, false, 5000), "the heir's arena still shows a replay nobody presents");
	CHECK_EQ(log_count(&b, "presentation.mirror_ended"), 1);
	kill(a.pid, SIGCONT);
	CHECK_EQ(e2e_stop(&a, SIGKILL, 5000), 128 + SIGKILL);
	CHECK_EQ(e2e_stop(&b, SIGTERM, 20000), 0);
}

/* A runner of another process that dies inside round 1's govern stage,
 * its games stored (unpresented, as a server stores them): the round left
 * mid-stage, deterministically. */
static void crash_mid_round(const char *db)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		char err[512];
		pw_store_t *s = store_open(db, err, sizeof err);
		pw_gov_t *g = s ? gov_open(s, NULL) : NULL;
		if (!g)
			_exit(1);
		pw_round_cfg_t c = {.gov = g, .holder = "crashing-runner", .hold_results = true,
				    .crash_inside = PW_STAGE_GOVERN};
		pw_round_out_t out;
		pw_err_t e;
		round_tick(&c, &out, &e);
		_exit(0);
	}
	int st = 0;
	waitpid(pid, &st, 0);
	CHECK_MSG(WIFEXITED(st) && WEXITSTATUS(st) == 77, "the runner did not die inside the govern stage");
}

/* The round's stage reached (round_progress), -1 when none. */
static int round_stage(const char *db, int round)
{
	char err[512];
	pw_store_t *st = store_open(db, err, sizeof err);
	pw_season_row_t season;
	int stage = -1;
	char *snap = NULL;
	if (st && season_current(st, &season) == 1 && store_progress_get(st, season.id, round, &stage, &snap) != 1)
		stage = -1;
	free(snap);
	store_close(st);
	return stage;
}

TEST(pg_e2e_multi_tick_a_round_left_mid_stage_is_finished_then_presented)
{
	const char *env[] = {LEASE, "PINWHEEL_QUARTER_REPLAY_SECONDS=2", NULL};
	e2e_server_t a, b;
	e2e_use_postgres();
	CHECK_EQ(e2e_start(&a, env, NULL), 0); /* the league */
	char db[sizeof a.db];
	snprintf(db, sizeof db, "%s", a.db);
	CHECK_EQ(e2e_stop(&a, SIGTERM, 20000), 0);
	crash_mid_round(db);
	CHECK_EQ(round_stage(db, 1), PW_STAGE_GAMES);
	round_state_t r = round_state(db, 1);
	CHECK_EQ(r.games, GAMES);
	CHECK_EQ(r.presented, 0);
	/* Two servers start on it; whichever takes the ticks finishes the
	 * round at its govern stage, then replays its games. */
	CHECK_EQ(e2e_start(&a, env, db), 0);
	CHECK_EQ(e2e_start(&b, env, db), 0);
	e2e_server_t *lead = NULL, *other = NULL;
	for (long long end = mono_ms() + 10000; !lead && mono_ms() < end; usleep(100000)) {
		if (holds_ticks(&a) == 1)
			lead = &a, other = &b;
		else if (holds_ticks(&b) == 1)
			lead = &b, other = &a;
	}
	CHECK_MSG(lead != NULL, "neither server took the ticks");
	if (!lead)
		return;
	CHECK_EQ(holds_ticks(other), 0);
	CHECK_MSG(wait_mid_replay(lead, 20000), "the resumed round's replay never got under way");
	CHECK_EQ(round_stage(db, 1), PW_STAGE_DONE);
	CHECK_EQ(log_count(lead, "tick.resume"), 1);
	/* ...and dies in it: the other presents the rest. */
	CHECK_EQ(e2e_stop(lead, SIGKILL, 5000), 128 + SIGKILL);
	CHECK_MSG(wait_holds(other, 10000), "the other server never took the ticks over");
	check_round_one_then_two(other, other, db);
	CHECK_EQ(e2e_stop(other, SIGTERM, 20000), 0);
}

/* b's next tick time as /api/pace says it (ISO text; "" when none). */
static void next_tick(e2e_server_t *s, char *out, size_t len)
{
	cJSON *p = pace(s);
	const char *t = cJSON_GetStringValue(cJSON_GetObjectItem(p, "next_tick_at"));
	snprintf(out, len, "%s", t ? t : "");
	cJSON_Delete(p);
}

/* Both servers' pace timers fire (the demo pace: the first tick 10 s
 * after start); only the holder plays: one round, not one per server. */
TEST(pg_e2e_multi_tick_only_the_holder_plays_the_paced_ticks)
{
	const char *env[] = {LEASE, "PINWHEEL_PRESENTATION_PACE=demo", "PINWHEEL_PRESENTATION_MODE=instant", NULL};
	e2e_server_t a, b;
	if (start_pair(&a, &b, env) < 0)
		return;
	CHECK(wait_holds(&a, 10000));
	char first[64], now[64] = "";
	next_tick(&b, first, sizeof first);
	CHECK(first[0] != '\0');
	CHECK_MSG(wait_presented(a.db, 1, GAMES, 30000), "the holder's paced tick never came");
	/* b's timer fired once its next tick moved on (to the pace's next). */
	for (long long end = mono_ms() + 20000; mono_ms() < end; usleep(200000)) {
		next_tick(&b, now, sizeof now);
		if (now[0] && strcmp(now, first))
			break;
	}
	CHECK_MSG(now[0] && strcmp(now, first), "the follower's paced tick never came due");
	CHECK_EQ(log_count(&a, "tick.start"), 1);
	CHECK_EQ(log_count(&b, "tick.start"), 0);
	round_state_t r = round_state(a.db, 2);
	CHECK_EQ(r.games, 0);
	CHECK_EQ(r.current_round, 1);
	CHECK_EQ(e2e_stop(&a, SIGTERM, 20000), 0);
	CHECK_EQ(e2e_stop(&b, SIGTERM, 20000), 0);
}

/* ---- votes racing a tally on both servers ---- */

#define VOTERS 16
#define PROPOSALS 2

typedef struct voter_thread {
	e2e_server_t *server;
	char *tokens[VOTERS];
	int first, n;           /* the governors this thread votes for */
	int64_t pids[PROPOSALS];
	/* What each governor's last accepted vote was: 1 yes, 0 no, -1 none. */
	int last[VOTERS][PROPOSALS];
	int accepted, refused, errors;
} voter_thread_t;

/* Votes, round after round, for its governors on every proposal, each
 * time the other way, until every proposal has refused a vote (tallied)
 * or 30 s pass. */
static void *vote_race(void *ud)
{
	voter_thread_t *v = ud;
	bool closed[PROPOSALS] = {0};
	long long end = mono_ms() + 30000;
	for (int turn = 0; mono_ms() < end; turn++) {
		int open = 0;
		for (int k = 0; k < PROPOSALS; k++)
			open += !closed[k];
		if (!open)
			break;
		for (int i = v->first; i < v->first + v->n; i++) {
			for (int k = 0; k < PROPOSALS; k++) {
				if (closed[k])
					continue;
				int yes = (turn + i + k) % 2;
				char body[96];
				snprintf(body, sizeof body, "{\"proposal_id\":%lld,\"vote\":\"%s\"}",
					 (long long)v->pids[k], yes ? "yes" : "no");
				long st = 0;
				cJSON_Delete(e2e_call(v->server, "POST", "/api/governance/votes", body, v->tokens[i], &st));
				if (st == 200) {
					v->last[i][k] = yes;
					v->accepted++;
				} else if (st >= 400 && st < 500) {
					closed[k] = true;
					v->refused++;
				} else {
					v->errors++;
				}
			}
		}
	}
	return NULL;
}

/* Proposes text as token's governor and confirms it: its id (0 on failure). */
static int64_t propose_open(e2e_server_t *s, const char *text, const char *token)
{
	char body[128], path[96];
	snprintf(body, sizeof body, "{\"text\":\"%s\"}", text);
	long st = 0;
	cJSON *j = e2e_call(s, "POST", "/api/governance/proposals", body, token, &st);
	CHECK_EQ(st, 201);
	int64_t pid = (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "data"), "id"));
	cJSON_Delete(j);
	snprintf(path, sizeof path, "/api/governance/proposals/%lld/confirm", (long long)pid);
	cJSON_Delete(e2e_call(s, "POST", path, NULL, token, &st));
	CHECK_EQ(st, 200);
	return pid;
}

TEST(pg_e2e_multi_tick_votes_racing_a_tally_count_once)
{
	const char *env[] = {LEASE, "PINWHEEL_PRESENTATION_MODE=instant", NULL};
	e2e_server_t a, b;
	if (start_pair(&a, &b, env) < 0)
		return;
	CHECK(wait_holds(&a, 10000));
	/* Governors join on both servers, two a team. */
	char *tokens[VOTERS];
	for (int i = 0; i < VOTERS; i++) {
		char name[16];
		snprintf(name, sizeof name, "G%d", i);
		tokens[i] = e2e_join(i % 2 ? &b : &a, name, 1 + i % 8);
	}
	int64_t pids[PROPOSALS] = {propose_open(&a, "three pointers worth 5", tokens[0]),
				   propose_open(&b, "shorter quarters", tokens[1])};
	/* Four threads, two a server, each with its own governors. */
	voter_thread_t vt[4];
	pthread_t th[4];
	for (int t = 0; t < 4; t++) {
		memset(&vt[t], 0, sizeof vt[t]);
		vt[t].server = t < 2 ? &a : &b;
		memcpy(vt[t].tokens, tokens, sizeof tokens);
		vt[t].first = t * (VOTERS / 4);
		vt[t].n = VOTERS / 4;
		memcpy(vt[t].pids, pids, sizeof pids);
		for (int i = 0; i < VOTERS; i++)
			for (int k = 0; k < PROPOSALS; k++)
				vt[t].last[i][k] = -1;
		pthread_create(&th[t], NULL, vote_race, &vt[t]);
	}
	/* The tick that tallies, on the holder, in the middle of the votes. */
	usleep(400000);
	CHECK_EQ(advance(&a, NULL, NULL, 0), 202);
	int accepted = 0, refused = 0, errors = 0;
	for (int t = 0; t < 4; t++) {
		pthread_join(th[t], NULL);
		accepted += vt[t].accepted;
		refused += vt[t].refused;
		errors += vt[t].errors;
	}
	CHECK_EQ(errors, 0);
	CHECK_MSG(accepted > VOTERS && refused > 0, "the votes did not race the tally (%d accepted, %d refused)",
		  accepted, refused);
	printf("votes on two servers across a tally: %d accepted, %d refused after it\n", accepted, refused);
	/* Each proposal's tally counts every governor's last accepted vote,
	 * once; none accepted after it. */
	for (int k = 0; k < PROPOSALS; k++) {
		int yes = 0, no = 0;
		for (int t = 0; t < 4; t++)
			for (int i = vt[t].first; i < vt[t].first + vt[t].n; i++) {
				yes += vt[t].last[i][k] == 1;
				no += vt[t].last[i][k] == 0;
			}
		char path[64];
		snprintf(path, sizeof path, "/api/governance/proposals/%lld", (long long)pids[k]);
		long st = 0;
		cJSON *j = e2e_call(&b, "GET", path, NULL, NULL, &st);
		const cJSON *tally = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "data"), "tally");
		CHECK_EQ(st, 200);
		CHECK(cJSON_IsTrue(cJSON_GetObjectItem(tally, "final")));
		/* A team's weight of 1 is split between its two governors. */
		CHECK_NEAR(cJSON_GetNumberValue(cJSON_GetObjectItem(tally, "yes")), yes * 0.5, 1e-9);
		CHECK_NEAR(cJSON_GetNumberValue(cJSON_GetObjectItem(tally, "no")), no * 0.5, 1e-9);
		CHECK_EQ((int)cJSON_GetNumberValue(cJSON_GetObjectItem(tally, "votes")), yes + no);
		cJSON_Delete(j);
	}
	for (int i = 0; i < VOTERS; i++)
		free(tokens[i]);
	CHECK_EQ(e2e_stop(&a, SIGTERM, 20000), 0);
	CHECK_EQ(e2e_stop(&b, SIGTERM, 20000), 0);
}

/* The lease is a setting of serve's: listed by --help, checked at start. */
TEST(e2e_tick_lease_setting_is_documented_and_checked)
{
	char cmd[1024], *out = NULL;
	snprintf(cmd, sizeof cmd, "%s serve --help", test_bin());
	CHECK_EQ(test_run(cmd, &out, false), 0);
	CHECK_CONTAINS(out, "PINWHEEL_TICK_LEASE_SECONDS");
	free(out);
	snprintf(cmd, sizeof cmd, "PINWHEEL_TICK_LEASE_SECONDS=1 %s serve --port 0", test_bin());
	CHECK_EQ(test_run(cmd, &out, true), 2);
	CHECK_CONTAINS(out, "PINWHEEL_TICK_LEASE_SECONDS");
	free(out);
}
