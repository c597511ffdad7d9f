#include "tests/test.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/league/store.h"
#include "core/league/store_internal.h" /* the connection, to make its reads fail */

static pw_store_t *open_tmp(const char *name)
{
	char path[512], err[256];
	snprintf(path, sizeof path, "%s/%s", test_tmpdir(), name);
	pw_store_t *s = store_open(path, err, sizeof err);
	CHECK_MSG(s != NULL, "open: %s", err);
	return s;
}

static int count_cb(void *ud, const pw_event_t *ev)
{
	int64_t *last = ud;
	CHECK(ev->seq > last[0]);
	last[0] = ev->seq;
	last[1]++;
	return 0;
}

TEST(store_migrates_to_latest_and_is_idempotent)
{
	pw_store_t *s = open_tmp("m.db");
	CHECK_EQ(store_schema_version(s), store_latest_version());
	int applied = -1;
	CHECK_EQ(store_migrate(s, &applied), 0);
	CHECK_EQ(applied, 0);
	store_close(s);
}

TEST(store_events_are_append_only_with_increasing_sequence)
{
	pw_store_t *s = open_tmp("e.db");
	cJSON *p = cJSON_CreateObject();
	cJSON_AddNumberToObject(p, "x", 1);
	CHECK_EQ(store_begin(s), 0);
	int64_t a = store_event_append(s, "governor.joined", "governor", "1", 0, 1, 0, 0, p);
	int64_t b = store_event_append(s, "vote.cast", "proposal", "1", 0, 1, 0, 0, p);
	CHECK_EQ(store_commit(s), 0);
	CHECK(a > 0 && b == a + 1);
	cJSON_Delete(p);
	int64_t st[2] = {0, 0};
	CHECK_EQ(store_events_since(s, 0, count_cb, st), 0);
	CHECK_EQ(st[1], 2);
	/* Outside a transaction appends are refused. */
	CHECK(store_event_append(s, "x", "y", "1", 0, 0, 0, 0, NULL) < 0);
	store_close(s);

	/* Raw SQL cannot change the log either: the triggers refuse. */
	char cmd[1024], *out = NULL;
	snprintf(cmd, sizeof cmd,
		 "sqlite3 %s/e.db \"UPDATE governance_events SET payload='{}'; DELETE FROM governance_events;\" 2>&1; "
		 "sqlite3 %s/e.db 'SELECT COUNT(*) FROM governance_events'", test_tmpdir(), test_tmpdir());
	if (test_run("command -v sqlite3 >/dev/null", NULL, false) == 0) {
		test_run(cmd, &out, true);
		CHECK_CONTAINS(out, "append-only");
		CHECK_CONTAINS(out, "2");
		free(out);
	}
}

TEST(store_kv_and_backup)
{
	pw_store_t *s = open_tmp("k.db");
	CHECK_EQ(store_kv_set(s, "a", "1"), 0);
	CHECK_EQ(store_kv_set(s, "a", "2"), 0);
	char *v = store_kv_get(s, "a");
	CHECK_STR(v, "2");
	free(v);
	char out[512];
	snprintf(out, sizeof out, "%s/copy.db", test_tmpdir());
	CHECK_EQ(store_backup(s, out), 0);
	store_close(s);
	s = open_tmp("copy.db");
	v = store_kv_get(s, "a");
	CHECK_STR(v, "2");
	free(v);
	store_close(s);
}

static int abort_steps(void *ud)
{
	(void)ud;
	return 1; /* every statement step is interrupted */
}

/* A read that fails is a failure, never "not there": taking it for "no
 * such game" would run a stored game again, and for "no progress" would
 * restart a round from its first stage. */
TEST(store_failed_reads_are_errors_not_absence)
{
	pw_store_t *s = open_tmp("fail.db");
	if (!s)
		return;
	int64_t team = 0;
	int slot = 0, stage = 0;
	pw_game_row_t row;
	/* working: nothing there */
	CHECK_EQ(store_game_exists(s, 1, 1, 0), 0);
	CHECK_EQ(store_progress_get(s, 1, 1, &stage, NULL), 0);
	CHECK_EQ(store_hooper_team(s, 99, &team, &slot), 0);
	CHECK_EQ(store_game_get(s, 99, &row), 0);
	CHECK_EQ(store_player_by_token_hash(s, "x"), 0);

	sqlite3_progress_handler(s->db, 1, abort_steps, NULL);
	CHECK_EQ(store_game_exists(s, 1, 1, 0), -1);
	CHECK_CONTAINS(store_errmsg(s), "reading a stored game");
	CHECK_EQ(store_progress_get(s, 1, 1, &stage, NULL), -1);
	CHECK_CONTAINS(store_errmsg(s), "reading a round's progress");
	CHECK_EQ(store_hooper_team(s, 99, &team, &slot), -1);
	CHECK_EQ(store_game_get(s, 99, &row), -1);
	CHECK_EQ(store_player_by_token_hash(s, "x"), -1);
	CHECK_EQ(store_game_snapshots(s, 99, NULL, NULL, NULL, NULL, NULL), -1);

	sqlite3_progress_handler(s->db, 0, NULL, NULL);
	CHECK_EQ(store_game_exists(s, 1, 1, 0), 0);
	store_close(s);
}
