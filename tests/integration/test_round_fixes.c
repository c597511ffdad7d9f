/*
 * test_round_fixes.c — a tick's events reach the bus only for stages that
 * committed; a store whose schema version cannot be read does not open.
 */
#include "tests/test.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "core/league/store_internal.h"
#include "tests/dbtest.h"
#include "tests/integration/league_helpers.h"

TEST(round_failed_stage_publishes_nothing_of_its_own)
{
	pw_store_t *s = lt_open("fail.db");
	pw_gov_t *g = lt_league(s, 4);
	lt_events_t ev = {0};
	pw_bus_t b = {&ev, lt_events_publish};
	pw_round_cfg_t c;
	lt_cfg(&c, g);
	c.bus = &b;
	pw_round_out_t out;
	pw_err_t e = {0};

	/* Stage 1 moves the season setup -> active, then cannot record its
	 * progress: the phase change is rolled back and must not be told. */
	CHECK_EQ(dbt_refuse(lt_db("fail.db"), "refuse_begin", "INSERT", "round_progress", NULL, "refused by the test"), 0);
	memset(&out, 0, sizeof out);
	CHECK(round_tick(&c, &out, &e) != 0);
	CHECK_EQ(ev.n, 0);
	pw_season_row_t r;
	CHECK_EQ(season_current(s, &r), 1);
	CHECK_STR(r.phase, "setup");
	CHECK_EQ(dbt_allow(lt_db("fail.db"), "refuse_begin", "round_progress"), 0);

	/* The last stage fails: what the earlier stages committed is told,
	 * the round's completion is not. */
	char when[64];
	snprintf(when, sizeof when, "NEW.stage = %d", PW_STAGE_DONE);
	CHECK_EQ(dbt_refuse(lt_db("fail.db"), "refuse_done", "UPDATE", "round_progress", when, "refused by the test"), 0);
	memset(&out, 0, sizeof out);
	CHECK(round_tick(&c, &out, &e) != 0);
	CHECK_EQ(lt_events_count(&ev, "season.phase_changed"), 1);
	CHECK_EQ(lt_events_count(&ev, "game.completed"), 2);
	CHECK_EQ(lt_events_count(&ev, "round.completed"), 0);
	CHECK_EQ(dbt_allow(lt_db("fail.db"), "refuse_done", "round_progress"), 0);

	/* Resumed: only the last stage's events are new. */
	int before = ev.n;
	memset(&out, 0, sizeof out);
	CHECK_EQ(round_tick(&c, &out, &e), 0);
	CHECK(out.resumed);
	CHECK_EQ(lt_events_count(&ev, "game.completed"), 2);
	CHECK_EQ(lt_events_count(&ev, "round.completed"), 1);
	CHECK_EQ(lt_events_count(&ev, "season.phase_changed"), 1);
	CHECK(ev.n > before);
	gov_close(g);
	store_close(s);
}

TEST(store_open_fails_when_the_schema_version_is_unreadable)
{
	char path[512], err[256] = "";
	snprintf(path, sizeof path, "%s/badver.db", test_tmpdir());
	sqlite3 *db;
	CHECK_EQ(sqlite3_open(path, &db), SQLITE_OK);
	/* A schema_version table without the version column: unreadable. */
	CHECK_EQ(sqlite3_exec(db, "CREATE TABLE schema_version(x INTEGER)", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	pw_store_t *s = store_open(path, err, sizeof err);
	CHECK(s == NULL);
	CHECK_MSG(strstr(err, "schema version") != NULL, "error was: %s", err);
	if (s)
		store_close(s);
}

/* What the trace saw: the reads of a round's or a season's games
 * (store_games) and of the league's teams (store_teams_json) that ran
 * while a transaction was open on the runner's connection, and all of
 * them. */
typedef struct {
	sqlite3 *db;
	int in_tx, all;
	int teams_in_tx, teams_all;
} game_reads_t;

static bool is_teams_read(const char *text)
{
	return !strncmp(text, "SELECT id, data, strategy_json", 30) && strstr(text, " FROM teams WHERE league_id=?");
}

static int count_game_reads(unsigned type, void *ud, void *stmt, void *sql)
{
	game_reads_t *r = ud;
	const char *text = sqlite3_sql(stmt);
	(void)type;
	(void)sql;
	if (text && is_teams_read(text)) {
		r->teams_all++;
		r->teams_in_tx += !sqlite3_get_autocommit(r->db);
	}
	/* store_games: a round's games, or (round 0) the season's */
	if (!text || strncmp(text, "SELECT", 6) || !strstr(text, " FROM game_results WHERE season_id=?") ||
	    !strstr(text, "(?=0 OR round_number=?)"))
		return 0;
	r->all++;
	if (!sqlite3_get_autocommit(r->db))
		r->in_tx++;
	return 0;
}

/*
 * Issue 15: a vote waits for the write lock a tick's stage holds, so the
 * tick reads the season's games (the reports' standings, streaks and the
 * round's games) before its reports stage begins its transaction, and the
 * teams of its snapshot before its first stage's, never inside them. A
 * tick that reads them inside a transaction (with no change to the teams
 * in between) fails here.
 */
TEST(round_reads_the_seasons_games_outside_its_transactions)
{
	TEST_SQLITE_ONLY("counts the statements run inside a transaction with SQLite's trace hook");
	pw_store_t *s = lt_open("reads.db");
	pw_gov_t *g = lt_league(s, 4);
	pw_round_cfg_t c;
	lt_cfg(&c, g);
	pw_round_out_t out;
	pw_err_t e = {0};
	CHECK_EQ(round_tick(&c, &out, &e), 0); /* setup -> active, round 1 */
	game_reads_t r = {s->db, 0, 0, 0, 0};
	CHECK_EQ(sqlite3_trace_v2(s->db, SQLITE_TRACE_STMT, count_game_reads, &r), SQLITE_OK);
	for (int i = 0; i < 2; i++) {
		memset(&out, 0, sizeof out);
		CHECK_EQ(round_tick(&c, &out, &e), 0);
	}
	sqlite3_trace_v2(s->db, 0, NULL, NULL);
	/* Once a tick (the reports' standings, streaks and round games share
	 * one read), so the check below is not vacuous. */
	CHECK_MSG(r.all >= 2, "the reports read the season's games %d times in two ticks", r.all);
	CHECK_MSG(r.in_tx == 0, "%d of %d reads of the season's games ran inside a transaction", r.in_tx, r.all);
	CHECK_MSG(r.teams_all >= 2, "the snapshots read the teams %d times in two ticks", r.teams_all);
	CHECK_MSG(r.teams_in_tx == 0, "%d of %d reads of the teams ran inside a transaction", r.teams_in_tx,
		  r.teams_all);
	gov_close(g);
	store_close(s);
}

/* A bio written by another connection the moment the runner's first stage
 * begins its transaction: after the runner read the teams, before its
 * BEGIN. */
typedef struct {
	sqlite3 *db;
	pw_gov_t *other;
	int64_t gid, hid;
	bool armed, done;
	int rc;
} late_bio_t;

static int write_late_bio(unsigned type, void *ud, void *stmt, void *sql)
{
	late_bio_t *x = ud;
	const char *text = sqlite3_sql(stmt);
	(void)type;
	(void)sql;
	if (!text || x->done)
		return 0;
	if (is_teams_read(text) && sqlite3_get_autocommit(x->db))
		x->armed = true;
	else if (x->armed && !strncmp(text, "BEGIN", 5)) {
		pw_err_t e = {0};
		x->done = true;
		x->rc = gov_hooper_bio_set(x->other, x->gid, x->hid, "Came in late from the coast.", NULL, &e);
	}
	return 0;
}

/*
 * The snapshot's teams are read before the first stage's transaction; a
 * change to a team committed between that read and the BEGIN (here a bio,
 * through another connection) must still be in the round's snapshot and
 * so in its games' rows, as when everything was read inside.
 */
TEST(round_snapshot_keeps_a_team_change_made_just_before_its_transaction)
{
	TEST_SQLITE_ONLY("makes the change at the instant before BEGIN with a SQLite hook on the runner's connection");
	pw_store_t *s = lt_open("late.db");
	pw_gov_t *g = lt_league(s, 4);
	pw_round_cfg_t c;
	lt_cfg(&c, g);
	pw_round_out_t out;
	pw_err_t e = {0};
	CHECK_EQ(round_tick(&c, &out, &e), 0);
	pw_store_t *s2 = lt_open("late.db");
	pw_gov_cfg_t cfg = {.scripts_dir = "/nonexistent"};
	late_bio_t x = {.db = s->db, .other = gov_open(s2, &cfg), .rc = -1};
	x.gid = lt_join(x.other, "late", 1, NULL);
	sqlite3_stmt *st;
	CHECK_EQ(sqlite3_prepare_v2(s->db, "SELECT id FROM hoopers WHERE team_id=1 ORDER BY slot LIMIT 1", -1, &st,
				    NULL), SQLITE_OK);
	CHECK_EQ(sqlite3_step(st), SQLITE_ROW);
	x.hid = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	CHECK_EQ(sqlite3_trace_v2(s->db, SQLITE_TRACE_STMT, write_late_bio, &x), SQLITE_OK);
	memset(&out, 0, sizeof out);
	CHECK_EQ(round_tick(&c, &out, &e), 0);
	sqlite3_trace_v2(s->db, 0, NULL, NULL);
	CHECK(x.done);
	CHECK_EQ(x.rc, 0);
	CHECK_EQ(sqlite3_prepare_v2(s->db, "SELECT COUNT(*) FROM game_results WHERE round_number=2 AND"
				    " (home_json LIKE '%Came in late%' OR away_json LIKE '%Came in late%')", -1, &st,
				    NULL), SQLITE_OK);
	CHECK_EQ(sqlite3_step(st), SQLITE_ROW);
	CHECK_EQ(sqlite3_column_int(st, 0), 1);
	sqlite3_finalize(st);
	gov_close(x.other);
	store_close(s2);
	gov_close(g);
	store_close(s);
}
