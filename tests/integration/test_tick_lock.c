/*
 * test_tick_lock.c — the store's tick lock (store.h, "the tick lock") on
 * both backends: taken, renewed and released; refused to a second holder
 * while held; taken over once its lease expires; freed at once when its
 * holder's process is killed; and a runner that lost it commits no stage
 * of a round (fencing). Each test_x runs on SQLite as tick_lock_x and on
 * PostgreSQL as pg_tick_lock_x.
 */
#include "tests/test.h"
#include "core/league/store_internal.h"
#include "tests/integration/league_helpers.h"

#include <libpq-fe.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Sleeps past a lease of lease_s seconds taken now (leases count whole
 * seconds of the database's clock). */
static void outlive(int lease_s)
{
	usleep((useconds_t)(lease_s + 1) * 1000000u + 200000u);
}

TEST(tick_lock_take_renew_release)
{
	pw_store_t *a = lt_open("lock.db"), *b = lt_open("lock.db");
	char who[128] = "", holder[128] = "";
	int64_t left = 0;
	CHECK_EQ(store_tick_lock_holder(a, holder, sizeof holder, &left), 0);
	CHECK_EQ(store_tick_lock_take(a, "alpha", 30, who, sizeof who), 1);
	/* Taken again by its holder: renewed, not refused. */
	CHECK_EQ(store_tick_lock_take(a, "alpha", 30, who, sizeof who), 1);
	CHECK_EQ(store_tick_lock_holder(b, holder, sizeof holder, &left), 1);
	CHECK_STR(holder, "alpha");
	CHECK(left > 25 && left <= 30);
	/* A second holder is refused and told who holds it. */
	CHECK_EQ(store_tick_lock_take(b, "beta", 30, who, sizeof who), 0);
	CHECK_STR(who, "alpha");
	CHECK_EQ(store_tick_lock_renew(b, "beta", 30), 0);
	CHECK_EQ(store_tick_lock_renew(a, "alpha", 60), 1);
	CHECK_EQ(store_tick_lock_holder(b, holder, sizeof holder, &left), 1);
	CHECK(left > 55);
	/* Another's release leaves the lease alone. */
	CHECK_EQ(store_tick_lock_release(b, "beta"), 0);
	CHECK_EQ(store_tick_lock_holder(b, holder, sizeof holder, NULL), 1);
	CHECK_STR(holder, "alpha");
	CHECK_EQ(store_tick_lock_release(a, "alpha"), 0);
	CHECK_EQ(store_tick_lock_holder(b, holder, sizeof holder, NULL), 0);
	CHECK_EQ(store_tick_lock_take(b, "beta", 30, who, sizeof who), 1);
	CHECK_EQ(store_tick_lock_take(a, "alpha", 30, who, sizeof who), 0);
	CHECK_STR(who, "beta");
	CHECK_EQ(store_tick_lock_release(b, "beta"), 0);
	store_close(a);
	store_close(b);
}
LT_ON_POSTGRES(tick_lock_take_renew_release)

TEST(tick_lock_an_expired_lease_is_taken_over)
{
	pw_store_t *a = lt_open("expire.db"), *b = lt_open("expire.db");
	char who[128] = "";
	CHECK_EQ(store_tick_lock_take(a, "alpha", 1, who, sizeof who), 1);
	CHECK_EQ(store_tick_lock_take(b, "beta", 30, who, sizeof who), 0);
	/* alpha stays alive (its connection open) but renews nothing. */
	outlive(1);
	CHECK_EQ(store_tick_lock_take(b, "beta", 30, who, sizeof who), 1);
	char holder[128] = "";
	CHECK_EQ(store_tick_lock_holder(a, holder, sizeof holder, NULL), 1);
	CHECK_STR(holder, "beta");
	/* The old holder learns it lost the lock and cannot take it back
	 * while the new lease runs. */
	CHECK_EQ(store_tick_lock_renew(a, "alpha", 30), 0);
	CHECK_EQ(store_tick_lock_take(a, "alpha", 30, who, sizeof who), 0);
	CHECK_STR(who, "beta");
	CHECK_EQ(store_tick_lock_release(a, "alpha"), 0);
	CHECK_EQ(store_tick_lock_holder(a, holder, sizeof holder, NULL), 1);
	CHECK_STR(holder, "beta");
	store_close(a);
	store_close(b);
}
LT_ON_POSTGRES(tick_lock_an_expired_lease_is_taken_over)

/* A holder killed with a long lease left: the lock is free again at once
 * (its session ends; on SQLite its process is gone), not after the lease. */
TEST(tick_lock_a_killed_holder_frees_it)
{
	pw_store_t *b = lt_open("killed.db");
	int ready[2];
	CHECK_EQ(pipe(ready), 0);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		close(ready[0]);
		pw_store_t *a = lt_open("killed.db"); /* a connection of its own */
		char ok = store_tick_lock_take(a, "doomed", 600, NULL, 0) == 1 ? 'y' : 'n';
		if (write(ready[1], &ok, 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(ready[1]);
	char ok = 0;
	CHECK_EQ(read(ready[0], &ok, 1), 1);
	close(ready[0]);
	CHECK_EQ(ok, 'y');
	char who[128] = "";
	CHECK_EQ(store_tick_lock_take(b, "heir", 30, who, sizeof who), 0);
	CHECK_STR(who, "doomed");
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	double t0 = mono_s();
	int got = 0;
	while ((got = store_tick_lock_take(b, "heir", 30, who, sizeof who)) == 0 && mono_s() - t0 < 5)
		usleep(50000);
	CHECK_EQ(got, 1);
	CHECK_MSG(mono_s() - t0 < 5, "the killed holder's lock took %.1f s to free", mono_s() - t0);
	CHECK_EQ(store_tick_lock_release(b, "heir"), 0);
	store_close(b);
}
LT_ON_POSTGRES(tick_lock_a_killed_holder_frees_it)

/* Fencing: a runner whose lease expired and was taken over while it was
 * stalled commits no stage; the new holder plays the round. */
TEST(tick_lock_a_fenced_runner_commits_no_stage)
{
	pw_store_t *sa = lt_open("fence.db");
	pw_gov_t *ga = lt_league(sa, 4);
	pw_store_t *sb = lt_open("fence.db");
	pw_gov_t *gb = gov_open(sb, NULL);
	pw_round_cfg_t ca, cb;
	lt_cfg(&ca, ga);
	lt_cfg(&cb, gb);
	ca.holder = "stalled";
	cb.holder = "heir";
	ca.lock_held = cb.lock_held = true;
	char who[128] = "";
	CHECK_EQ(store_tick_lock_take(sa, "stalled", 1, who, sizeof who), 1);
	outlive(1);
	CHECK_EQ(store_tick_lock_take(sb, "heir", 30, who, sizeof who), 1);
	pw_round_out_t out;
	pw_err_t e = {0};
	CHECK_EQ(round_tick(&ca, &out, &e), PW_E_CONFLICT);
	CHECK_CONTAINS(e.msg, "no longer holds the tick lock (heir does)");
	pw_season_row_t season;
	CHECK_EQ(season_current(sa, &season), 1);
	int stage = -1;
	char *snap = NULL;
	CHECK_EQ(store_progress_get(sa, season.id, 1, &stage, &snap), 0);
	free(snap);
	CHECK_EQ(store_game_count(sa, season.id), 0);
	/* A runner that takes the lock itself is refused while heir holds it. */
	pw_round_cfg_t cc = ca;
	cc.lock_held = false;
	CHECK_EQ(round_tick(&cc, &out, &e), PW_E_CONFLICT);
	CHECK_CONTAINS(e.msg, "another runner (heir) holds the tick lock");
	/* The holder plays the round, whole. */
	CHECK_EQ(round_tick(&cb, &out, &e), 0);
	CHECK_EQ(out.round, 1);
	CHECK(out.games > 0);
	CHECK_EQ(store_game_count(sb, season.id), out.games);
	CHECK_EQ(store_progress_get(sb, season.id, 1, &stage, &snap), 1);
	free(snap);
	CHECK_EQ(stage, PW_STAGE_DONE);
	CHECK_EQ(store_tick_lock_release(sb, "heir"), 0);
	gov_close(ga);
	gov_close(gb);
	store_close(sa);
	store_close(sb);
}
LT_ON_POSTGRES(tick_lock_a_fenced_runner_commits_no_stage)

/* SQLite: a lease whose pid now belongs to another process (a container's
 * pid 1 after a restart: same pid, a later start) holds nothing, while a
 * lease of the very process that runs holds. */
TEST(tick_lock_a_reused_pid_does_not_hold_it)
{
	TEST_SQLITE_ONLY("a SQLite lease names a process on this machine; on PostgreSQL the holder is its session");
	pw_store_t *s = lt_open("reused.db");
	char row[256], who[128] = "";
	snprintf(row, sizeof row, "{\"holder\":\"before-restart\",\"pid\":%d,\"expires\":%lld,\"since\":1}",
		 (int)getpid(), (long long)time(NULL) + 600);
	CHECK_EQ(store_kv_set(s, STORE_TICK_LOCK_KEY, row), 0);
	int64_t left = 0;
	CHECK_EQ(store_tick_lock_holder(s, NULL, 0, &left), 1);
	CHECK(left <= 0); /* its process is gone: as good as expired */
	CHECK_EQ(store_tick_lock_take(s, "after-restart", 30, who, sizeof who), 1);
	pw_store_t *t = lt_open("reused.db");
	CHECK_EQ(store_tick_lock_take(t, "another", 30, who, sizeof who), 0);
	CHECK_STR(who, "after-restart");
	CHECK_EQ(store_tick_lock_release(s, "after-restart"), 0);
	store_close(t);
	store_close(s);
}

/* PostgreSQL: a follower tries the lock every few seconds on the server's
 * loop, over one connection kept from try to try, not a new one each time
 * (a connect and a backend started and ended every try). Cut off, the kept
 * connection is made again by itself; when a try takes the lock, it is the
 * connection that holds it. */
TEST(pg_tick_lock_a_follower_keeps_one_connection_for_its_tries)
{
	lt_use_postgres();
	pw_store_t *a = lt_open("follower.db"), *b = a ? lt_open("follower.db") : NULL;
	if (!a || !b) {
		store_close(a);
		return;
	}
	char who[128] = "";
	CHECK_EQ(store_tick_lock_take(a, "alpha", 30, who, sizeof who), 1);
	CHECK_EQ(store_tick_lock_take(b, "beta", 30, who, sizeof who), 0);
	CHECK_STR(who, "alpha");
	CHECK(b->tick == NULL && b->tick_spare != NULL);
	int pid = b->tick_spare ? PQbackendPID(b->tick_spare->pg) : 0;
	CHECK(pid > 0);
	for (int i = 0; i < 3; i++) {
		CHECK_EQ(store_tick_lock_take(b, "beta", 30, who, sizeof who), 0);
		CHECK(b->tick_spare != NULL && PQbackendPID(b->tick_spare->pg) == pid);
	}
	/* The server ends the kept session: the next try is answered all the
	 * same, on a connection made again. */
	char sql[96];
	snprintf(sql, sizeof sql, "SELECT pg_terminate_backend(%d)", pid);
	CHECK_EQ(store_pg_exec(a, sql, "ending the follower's session"), 0);
	usleep(100000);
	CHECK_EQ(store_tick_lock_take(b, "beta", 30, who, sizeof who), 0);
	CHECK_STR(who, "alpha");
	int again = b->tick_spare ? PQbackendPID(b->tick_spare->pg) : 0;
	CHECK(again > 0 && again != pid);
	/* Let go by alpha: taken on the kept connection. */
	CHECK_EQ(store_tick_lock_release(a, "alpha"), 0);
	CHECK_EQ(store_tick_lock_take(b, "beta", 30, who, sizeof who), 1);
	CHECK(b->tick_spare == NULL && b->tick != NULL && PQbackendPID(b->tick->pg) == again);
	CHECK_EQ(store_tick_lock_release(b, "beta"), 0);
	store_close(a);
	store_close(b);
}
