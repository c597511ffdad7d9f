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
	cJSON *j = cJSON_Parse("{\"name\":\"A\",\"team_id\":1,\"tokens\":{}}");
	cJSON *v = cJSON_Parse("{\"proposal_id\":1,\"vote\":\"yes\",\"boost\":false}");
	CHECK_EQ(store_begin(s), 0);
	int64_t a = store_event_append(s, PW_EV_GOVERNOR_JOINED, "1", 0, 1, 0, 0, j);
	int64_t b = store_event_append(s, PW_EV_VOTE_CAST, "1", 0, 1, 0, 0, v);
	CHECK_EQ(store_commit(s), 0);
	CHECK(a > 0 && b == a + 1);
	int64_t st[2] = {0, 0};
	CHECK_EQ(store_events_since(s, 0, count_cb, st), 0);
	CHECK_EQ(st[1], 2);
	/* Outside a transaction appends are refused. */
	CHECK(store_event_append(s, PW_EV_VOTE_CAST, "1", 0, 0, 0, 0, v) < 0);
	cJSON_Delete(j);
	cJSON_Delete(v);
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

/* Reads back what the log holds: "type|aggregate|payload" of each event. */
static int row_cb(void *ud, const pw_event_t *ev)
{
	char *buf = ud;
	size_t n = strlen(buf);
	snprintf(buf + n, 512 - n, "%s|%s|%s\n", ev->type, ev->agg_type, ev->payload);
	return 0;
}

TEST(store_event_append_stores_the_row_and_refuses_a_payload_off_it)
{
	pw_store_t *s = open_tmp("r.db");
	cJSON *ok = cJSON_Parse("{\"trade_id\":4}");
	cJSON *bad = cJSON_Parse("{\"trade\":4}");
	CHECK_EQ(store_begin(s), 0);
	CHECK(store_event_append(s, PW_EV_TRADE_ACCEPTED, "4", 0, 1, 0, 0, ok) > 0);
	CHECK(store_event_append(s, PW_EV_TRADE_REJECTED, "4", 0, 1, 0, 0, bad) < 0);
	CHECK_STR(store_errmsg(s), "refusing an event: trade.rejected: the payload has no trade_id");
	CHECK(store_event_append(s, PW_EV_COUNT, "4", 0, 1, 0, 0, ok) < 0);
	CHECK(store_event_append(s, PW_EV_UNKNOWN, "4", 0, 1, 0, 0, ok) < 0);
	CHECK_EQ(store_commit(s), 0);
	/* Only the good one is there, under its wire name and aggregate type. */
	char got[512] = "";
	CHECK_EQ(store_events_since(s, 0, row_cb, got), 0);
	CHECK_STR(got, "trade.accepted|trade|{\"trade_id\":4}\n");
	cJSON_Delete(ok);
	cJSON_Delete(bad);
	store_close(s);
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
