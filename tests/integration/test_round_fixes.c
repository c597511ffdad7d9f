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
