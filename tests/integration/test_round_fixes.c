/*
 * test_round_fixes.c — a tick's events reach the bus only for stages that
 * committed; a store whose schema version cannot be read does not open.
 */
#include "tests/test.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "core/league/store_internal.h"
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
	CHECK_EQ(sqlite3_exec(s->db, "CREATE TEMP TRIGGER refuse_begin BEFORE INSERT ON round_progress"
				     " BEGIN SELECT RAISE(ABORT, 'refused by the test'); END;",
			      NULL, NULL, NULL), SQLITE_OK);
	memset(&out, 0, sizeof out);
	CHECK(round_tick(&c, &out, &e) != 0);
	CHECK_EQ(ev.n, 0);
	pw_season_row_t r;
	CHECK_EQ(season_current(s, &r), 1);
	CHECK_STR(r.phase, "setup");
	CHECK_EQ(sqlite3_exec(s->db, "DROP TRIGGER refuse_begin", NULL, NULL, NULL), SQLITE_OK);

	/* The last stage fails: what the earlier stages committed is told,
	 * the round's completion is not. */
	char sql[256];
	snprintf(sql, sizeof sql,
		 "CREATE TEMP TRIGGER refuse_done BEFORE UPDATE ON round_progress WHEN NEW.stage = %d"
		 " BEGIN SELECT RAISE(ABORT, 'refused by the test'); END;", PW_STAGE_DONE);
	CHECK_EQ(sqlite3_exec(s->db, sql, NULL, NULL, NULL), SQLITE_OK);
	memset(&out, 0, sizeof out);
	CHECK(round_tick(&c, &out, &e) != 0);
	CHECK_EQ(lt_events_count(&ev, "season.phase_changed"), 1);
	CHECK_EQ(lt_events_count(&ev, "game.completed"), 2);
	CHECK_EQ(lt_events_count(&ev, "round.completed"), 0);
	CHECK_EQ(sqlite3_exec(s->db, "DROP TRIGGER refuse_done", NULL, NULL, NULL), SQLITE_OK);

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
 * (store_games) that ran while a transaction was open on the runner's
 * connection, and all of them. */
typedef struct {
	sqlite3 *db;
	int in_tx, all;
} game_reads_t;

static int count_game_reads(unsigned type, void *ud, void *stmt, void *sql)
{
	game_reads_t *r = ud;
	const char *text = sqlite3_sql(stmt);
	(void)type;
	(void)sql;
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
 * round's games) before its reports stage begins its transaction, never
 * inside it. A tick that reads them again inside a transaction fails here.
 */
TEST(round_reads_the_seasons_games_outside_its_transactions)
{
	pw_store_t *s = lt_open("reads.db");
	pw_gov_t *g = lt_league(s, 4);
	pw_round_cfg_t c;
	lt_cfg(&c, g);
	pw_round_out_t out;
	pw_err_t e = {0};
	CHECK_EQ(round_tick(&c, &out, &e), 0); /* setup -> active, round 1 */
	game_reads_t r = {s->db, 0, 0};
	CHECK_EQ(sqlite3_trace_v2(s->db, SQLITE_TRACE_STMT, count_game_reads, &r), SQLITE_OK);
	for (int i = 0; i < 2; i++) {
		memset(&out, 0, sizeof out);
		CHECK_EQ(round_tick(&c, &out, &e), 0);
	}
	sqlite3_trace_v2(s->db, 0, NULL, NULL);
	CHECK_MSG(r.all >= 4, "the reports read the season's games %d times in two ticks", r.all);
	CHECK_MSG(r.in_tx == 0, "%d of %d reads of the season's games ran inside a transaction", r.in_tx, r.all);
	gov_close(g);
	store_close(s);
}
