/*
 * Games stored without their play-by-play (core/league/game_text.h): what
 * a reader gets is, to the byte, what the league stored before (a printed
 * result_to_json with the box scores last); a tick resumed at its reports
 * writes the reports it would have; a database from before migration 4
 * keeps and serves its stored results; a game the engine no longer plays
 * as stored is refused, never shown different.
 */
#include "tests/dbtest.h"
#include "tests/test.h"

#include <cjson/cJSON.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/league/game_text.h"
#include "core/league/roster.h"
#include "core/league/round_play.h"
#include "core/sim/buf.h"
#include "core/sim/result.h"
#include "tests/integration/league_helpers.h"

/* The runner with the real engine (lt_cfg plays a stand-in). */
static void real_cfg(pw_round_cfg_t *c, pw_gov_t *g)
{
	lt_cfg(c, g);
	c->sim = NULL;
}

/* Game id's result the way the league stored it before derived games:
 * played again from the stored inputs (as rebuild does), then the cJSON
 * tree printed with "box_scores" moved last. Caller frees. */
static char *legacy_text(pw_store_t *s, int64_t id)
{
	pw_game_row_t row;
	char *rules = NULL, *home = NULL, *away = NULL;
	if (store_game_get(s, id, &row) != 1 ||
	    store_game_snapshots(s, id, &rules, NULL, &home, &away, NULL) != 1)
		return NULL;
	char msg[160];
	pw_rules_t r;
	rules_default(&r);
	cJSON *rj = cJSON_Parse(rules), *hj = cJSON_Parse(home), *aj = cJSON_Parse(away);
	pw_team_t ht, at;
	char *out = NULL;
	if (rules_from_json(&r, rj, msg, sizeof msg) == 0 && roster_team_from_json(&ht, hj, msg, sizeof msg) == 0 &&
	    roster_team_from_json(&at, aj, msg, sizeof msg) == 0) {
		pw_game_input_t in = {.game_id = round_play_game_id(row.season_id, row.round, row.game_index),
				      .round = row.round, .seed = row.seed, .home = &ht, .away = &at, .rules = &r};
		pw_game_result_t res;
		sim_result_init(&res);
		if (sim_game(&in, &res) == 0) {
			cJSON *j = result_to_json(&res);
			cJSON_AddItemToObject(j, "box_scores", cJSON_DetachItemFromObject(j, "box_scores"));
			out = cJSON_PrintUnformatted(j);
			cJSON_Delete(j);
		}
		sim_result_free(&res);
	}
	cJSON_Delete(rj);
	cJSON_Delete(hj);
	cJSON_Delete(aj);
	free(rules);
	free(home);
	free(away);
	return out;
}

TEST(game_text_derived_games_read_as_they_were_stored_before)
{
	pw_store_t *s = lt_open("gt.db");
	pw_gov_t *g = lt_league(s, 4);
	pw_round_cfg_t c;
	real_cfg(&c, g);
	CHECK(lt_run_season(&c) > 0);
	int n = 0;
	int64_t *ids = store_all_game_ids(s, &n);
	CHECK(n > 10);
	pw_game_cache_t *cache = game_text_cache_new(4);
	char err[256] = "";
	for (int i = 0; i < n; i++) {
		pw_game_row_t row;
		CHECK_EQ(store_game_get(s, ids[i], &row), 1);
		CHECK_MSG(row.derived, "game %lld was stored with its text", (long long)ids[i]);
		char *stored = NULL;
		CHECK_EQ(store_game_snapshots(s, ids[i], NULL, NULL, NULL, NULL, &stored), 1);
		CHECK_STR(stored, ""); /* the play-by-play is not in the database */
		free(stored);
		char *want = legacy_text(s, ids[i]), *got = NULL;
		CHECK_EQ(game_text_get(s, cache, ids[i], &got, err, sizeof err), 1);
		CHECK_MSG(want && got && !strcmp(want, got), "game %lld reads differently", (long long)ids[i]);
		free(got);
		/* read again: from the cache, the same bytes */
		CHECK_EQ(game_text_get(s, cache, ids[i], &got, err, sizeof err), 1);
		CHECK_MSG(want && got && !strcmp(want, got), "game %lld reads differently from the cache",
			  (long long)ids[i]);
		free(got);
		free(want);
	}
	long hits, misses;
	game_text_cache_stats(cache, &hits, &misses);
	CHECK_EQ(hits, n);
	CHECK_EQ(misses, n);
	/* no such game */
	char *none = NULL;
	CHECK_EQ(game_text_get(s, cache, 999999, &none, err, sizeof err), 0);
	CHECK(none == NULL);
	/* a finished round keeps of its snapshot only the effects' metadata
	 * (none here): the teams and fixtures served only to resume it */
	pw_season_row_t cur;
	CHECK_EQ(season_current(s, &cur), 1);
	for (int round = 1; round <= cur.current_round; round++) {
		int stage = 0;
		char *snap = NULL;
		CHECK_EQ(store_progress_get(s, cur.id, round, &stage, &snap), 1);
		CHECK_EQ(stage, PW_STAGE_DONE);
		CHECK_STR(snap, "{}");
		free(snap);
	}
	/* rebuild still proves every game */
	pw_err_t e;
	int checked = 0;
	CHECK_EQ(round_rebuild(&c, &checked, NULL, NULL, &e), 0);
	CHECK_EQ(checked, n);
	game_text_cache_free(cache);
	free(ids);
	gov_close(g);
	store_close(s);
}

/* Every report of every round of a season, as one text. */
static char *all_reports(pw_store_t *s)
{
	pw_season_row_t r;
	CHECK_EQ(season_current(s, &r), 1);
	pw_buf_t b = {0};
	for (int round = 1; round <= r.current_round; round++) {
		cJSON *rep = store_reports_json(s, r.id, round, 0, false);
		const cJSON *x;
		cJSON_ArrayForEach(x, rep) {
			buf_printf(&b, "%d %s %s\n", round, cJSON_GetObjectItem(x, "kind")->valuestring,
				   cJSON_GetObjectItem(x, "text")->valuestring);
		}
		cJSON_Delete(rep);
	}
	return buf_take(&b);
}

/* A season whose round 2 stops (like a power cut) right after its games
 * are stored; a fresh process finishes it, writing round 2's reports from
 * the stored (derived) games rather than from results in memory. */
static char *season_reports(const char *name, bool crash)
{
	pw_store_t *s = lt_open(name);
	pw_gov_t *g = lt_league(s, 4);
	lt_join(g, "A", 1, NULL);
	pw_round_cfg_t c;
	real_cfg(&c, g);
	pw_round_out_t o;
	pw_err_t e;
	CHECK_EQ(round_tick(&c, &o, &e), 0);
	if (crash) {
		fflush(stdout);
		pid_t pid = fork();
		if (pid == 0) {
			pw_store_t *cs = lt_open(name);
			pw_gov_t *cg = gov_open(cs, NULL);
			pw_round_cfg_t cc;
			real_cfg(&cc, cg);
			cc.crash_after = PW_STAGE_GAMES;
			round_tick(&cc, &o, &e);
			_exit(0);
		}
		int st = 0;
		waitpid(pid, &st, 0);
		CHECK_MSG(WIFEXITED(st) && WEXITSTATUS(st) == 77, "the child did not stop after the games");
		gov_reset(g);
	}
	lt_run_season(&c);
	char *d = all_reports(s);
	gov_close(g);
	store_close(s);
	return d;
}

TEST(game_text_reports_of_a_resumed_tick_read_the_derived_games)
{
	char *ref = season_reports("ref.db", false), *resumed = season_reports("cut.db", true);
	CHECK(strstr(ref, "\n2 commentary ") != NULL);
	CHECK_MSG(!strcmp(ref, resumed), "the resumed season's reports differ");
	free(ref);
	free(resumed);
}

static void exec_ok(sqlite3 *db, const char *sql)
{
	char *msg = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
	CHECK_MSG(rc == SQLITE_OK, "%s: %s", sql, msg ? msg : "?");
	sqlite3_free(msg);
}

TEST(game_text_a_database_from_before_migration_4_keeps_and_serves_its_results)
{
	/* Databases older than migration 4 are SQLite files: PostgreSQL came
	 * after it, with every migration at once. */
	TEST_SQLITE_ONLY("takes a database back to schema 3, which only SQLite files ever had");
	/* A season as this build stores it, then taken back to schema 3 the
	 * way an older build left it: no derived column, every game's result
	 * text in result_json. */
	pw_store_t *s = lt_open("old.db");
	pw_gov_t *g = lt_league(s, 4);
	pw_round_cfg_t c;
	real_cfg(&c, g);
	lt_run_season(&c);
	int n = 0;
	int64_t *ids = store_all_game_ids(s, &n);
	char **texts = calloc((size_t)n, sizeof *texts);
	for (int i = 0; i < n; i++)
		texts[i] = legacy_text(s, ids[i]);
	gov_close(g);
	store_close(s);
	char path[512];
	snprintf(path, sizeof path, "%s/old.db", test_tmpdir());
	sqlite3 *db;
	CHECK_EQ(sqlite3_open(path, &db), SQLITE_OK);
	/* Later migrations undone too (5: the AI layer's tables, 6: the
	 * Discord outbox, 7: the live-event log; a new migration is undone
	 * here as well), so the next open applies 4 and everything after it,
	 * as for an older build. */
	CHECK_EQ(store_latest_version(), 7);
	exec_ok(db, "DROP TABLE live_events; DROP TABLE discord_outbox;"
		    "DROP TABLE ai_reports; DROP INDEX ai_usage_log_day; ALTER TABLE ai_usage_log DROP COLUMN outcome;"
		    "ALTER TABLE game_results DROP COLUMN derived; DELETE FROM schema_version WHERE version>=4;");
	sqlite3_stmt *st;
	CHECK_EQ(sqlite3_prepare_v2(db, "UPDATE game_results SET result_json=? WHERE id=?", -1, &st, NULL), SQLITE_OK);
	for (int i = 0; i < n; i++) {
		CHECK(texts[i] != NULL);
		sqlite3_bind_text(st, 1, texts[i], -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, ids[i]);
		CHECK_EQ(sqlite3_step(st), SQLITE_DONE);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	/* and one game an older engine played differently: its stored text is
	 * what it shows, whatever this engine would play */
	exec_ok(db, "UPDATE game_results SET result_json='{\"game_id\":1,\"older\":true}', hash='00' WHERE id="
		    "(SELECT MIN(id) FROM game_results)");
	sqlite3_close(db);

	char err[256] = "";
	s = store_open(path, err, sizeof err); /* migrates from 3 to the latest */
	CHECK_MSG(s != NULL, "%s", err);
	if (!s)
		return; /* failed above, with the reason */
	CHECK_EQ(store_schema_version(s), store_latest_version());
	store_close(s);
	pw_store_t *v = lt_viewer("old.db"); /* the viewers' connection takes it */
	CHECK(v != NULL);
	for (int i = 0; i < n; i++) {
		pw_game_row_t row;
		CHECK_EQ(store_game_get(v, ids[i], &row), 1);
		CHECK(!row.derived);
		char *got = NULL;
		CHECK_EQ(game_text_get(v, NULL, ids[i], &got, err, sizeof err), 1);
		if (i == 0)
			CHECK_STR(got, "{\"game_id\":1,\"older\":true}");
		else
			CHECK_MSG(got && !strcmp(got, texts[i]), "old game %lld reads differently", (long long)ids[i]);
		free(got);
		free(texts[i]);
	}
	free(texts);
	free(ids);
	store_close(v);
}

TEST(game_text_a_derived_game_that_plays_differently_is_refused)
{
	pw_store_t *s = lt_open("bad.db");
	pw_gov_t *g = lt_league(s, 4);
	pw_round_cfg_t c;
	real_cfg(&c, g);
	pw_round_out_t o;
	pw_err_t e;
	CHECK_EQ(round_tick(&c, &o, &e), 0);
	int n = 0;
	pw_game_row_t *gm = store_games(s, o.season_id, 1, &n);
	CHECK(n > 0);
	int64_t id = gm[0].id;
	free(gm);
	gov_close(g);
	store_close(s);
	char err[256] = "";
	/* a stored seed that is not the one the game was played with */
	CHECK_EQ(dbt_exec(lt_db("bad.db"), "UPDATE game_results SET seed=seed+1 WHERE id=(SELECT MIN(id) FROM game_results)"),
		 0);
	s = lt_open("bad.db");
	char *got = NULL;
	CHECK_EQ(game_text_get(s, NULL, id, &got, err, sizeof err), -1);
	CHECK(got == NULL);
	CHECK_CONTAINS(err, "not the stored game");
	store_close(s);
}

TEST(game_text_a_default_season_stores_at_most_1_5_mb)
{
	/* The whole default season as `pinwheel season --db` keeps it: bytes
	 * are deterministic, so this is a bound, not a timing. */
	const char *bin = test_bin();
	char path[512], cmd[1200];
	snprintf(path, sizeof path, "%s/season.db", test_tmpdir());
	snprintf(cmd, sizeof cmd, "%s season --db %s >/dev/null 2>&1", bin, path);
	CHECK_EQ(system(cmd), 0);
	struct stat sb;
	CHECK_EQ(stat(path, &sb), 0);
	CHECK_MSG(sb.st_size <= 1500 * 1000, "a default season takes %lld bytes", (long long)sb.st_size);
	CHECK(sb.st_size > 100 * 1000); /* it did store a season */
}

/* Derived games on PostgreSQL (docs/POSTGRES.md); the tests above that
 * edit a SQLite file directly stay SQLite's. */
LT_ON_POSTGRES(game_text_derived_games_read_as_they_were_stored_before)
LT_ON_POSTGRES(game_text_reports_of_a_resumed_tick_read_the_derived_games)
