/*
 * test_store.c — the store through store.h, on both backends: a test
 * written ON_BOTH(name) runs as store_<name> on a SQLite file and as
 * pg_store_<name> on a PostgreSQL database (tests/pgtest.h). What only one
 * backend has (SQLite's file, PostgreSQL's transactions and locks) is
 * tested on that one.
 */
#include "tests/test.h"

#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/league/store.h"
#include "core/league/store_internal.h" /* the connection, to make its reads fail; store_pg_open */
#include "tests/dbtest.h"
#include "tests/pgtest.h"

static pw_store_t *open_tmp(const char *name)
{
	char path[512], err[256];
	snprintf(path, sizeof path, "%s/%s", test_tmpdir(), name);
	pw_store_t *s = store_open(path, err, sizeof err);
	CHECK_MSG(s != NULL, "open: %s", err);
	return s;
}

/* A migrated PostgreSQL store on url (store_pg_open: the program's
 * store_open refuses the backend until it is whole). */
static pw_store_t *open_pg_url(const char *url)
{
	char err[512];
	pw_store_t *s = store_pg_open(url, STORE_OPEN_MIGRATE, err, sizeof err);
	CHECK_MSG(s != NULL, "open on PostgreSQL: %s", err);
	return s;
}

/* A store of the test's own: the SQLite file name, or a new PostgreSQL
 * database. NULL when the test failed or was skipped. */
static pw_store_t *open_on(bool pg, const char *name)
{
	if (!pg)
		return open_tmp(name);
	char *url = pgtest_database();
	pw_store_t *s = url ? open_pg_url(url) : NULL;
	free(url);
	return s;
}

#define ON_BOTH(name)                          \
	static void name##_on(bool pg);        \
	TEST(store_##name)                     \
	{                                      \
		name##_on(false);              \
	}                                      \
	TEST(pg_store_##name)                  \
	{                                      \
		name##_on(true);               \
	}                                      \
	static void name##_on(bool pg)

static int count_cb(void *ud, const pw_event_t *ev)
{
	int64_t *last = ud;
	CHECK(ev->seq > last[0]);
	last[0] = ev->seq;
	last[1]++;
	return 0;
}

ON_BOTH(migrates_to_latest_and_is_idempotent)
{
	pw_store_t *s = open_on(pg, "m.db");
	if (!s)
		return;
	CHECK_EQ(store_schema_version(s), store_latest_version());
	int applied = -1;
	CHECK_EQ(store_migrate(s, &applied), 0);
	CHECK_EQ(applied, 0);
	store_close(s);
}

ON_BOTH(events_are_append_only_with_increasing_sequence)
{
	pw_store_t *s = open_on(pg, "e.db");
	if (!s)
		return;
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
	CHECK_CONTAINS(store_errmsg(s), "inside a transaction");
	cJSON_Delete(j);
	cJSON_Delete(v);
	if (pg) {
		/* The database refuses any change to the log, and the store
		 * says so in words (also to a statement that matches nothing). */
		CHECK_EQ(store_pg_exec(s, "UPDATE governance_events SET payload='{}'", "changing an event"), -1);
		CHECK_CONTAINS(store_errmsg(s), "changing an event: governance_events is append-only: no UPDATE");
		CHECK_EQ(store_pg_exec(s, "DELETE FROM governance_events WHERE id < 0", "dropping events"), -1);
		CHECK_CONTAINS(store_errmsg(s), "append-only: no DELETE");
		CHECK_EQ(store_pg_exec(s, "TRUNCATE governance_events", "emptying the log"), -1);
		CHECK_CONTAINS(store_errmsg(s), "append-only: no TRUNCATE");
		CHECK_EQ(store_events_count(s), 2);
		store_close(s);
		return;
	}
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

ON_BOTH(event_append_stores_the_row_and_refuses_a_payload_off_it)
{
	pw_store_t *s = open_on(pg, "r.db");
	if (!s)
		return;
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

ON_BOTH(kv_and_backup)
{
	pw_store_t *s = open_on(pg, "k.db");
	if (!s)
		return;
	CHECK_EQ(store_kv_set(s, "a", "1"), 0);
	CHECK_EQ(store_kv_set(s, "a", "2"), 0);
	char *v = store_kv_get(s, "a");
	CHECK_STR(v, "2");
	free(v);
	CHECK_EQ(store_kv_delete(s, "a"), 0);
	CHECK(store_kv_get(s, "a") == NULL);
	CHECK_EQ(store_kv_set(s, "a", "2"), 0);
	char out[512];
	if (pg) {
		/* PostgreSQL has its own tools for a copy. */
		CHECK_EQ(store_backup(s, "unused.db"), -1);
		CHECK_CONTAINS(store_errmsg(s), "pg_dump");
		store_close(s);
		return;
	}
	snprintf(out, sizeof out, "%s/copy.db", test_tmpdir());
	CHECK_EQ(store_backup(s, out), 0);
	store_close(s);
	s = open_tmp("copy.db");
	v = store_kv_get(s, "a");
	CHECK_STR(v, "2");
	free(v);
	store_close(s);
}

/* Two connections claiming the same keys at once: every key is won once. */
typedef struct once_race {
	pw_store_t *s;
	int wins;
} once_race_t;

static void *once_racer(void *ud)
{
	once_race_t *r = ud;
	char key[32];
	for (int i = 0; i < 50; i++) {
		snprintf(key, sizeof key, "race.%d", i);
		if (store_once(r->s, key, 5000, 300) == 1)
			r->wins++;
	}
	return NULL;
}

/* store_once: a key is claimed once across connections (so across the
 * servers on one database) until keep_s has passed; other settings are
 * left alone. */
ON_BOTH(once_claims_a_key_once_across_connections)
{
	char *url = pg ? pgtest_database() : NULL;
	if (pg && !url)
		return;
	pw_store_t *a = pg ? open_pg_url(url) : open_tmp("once.db");
	pw_store_t *b = pg ? open_pg_url(url) : open_tmp("once.db");
	free(url);
	if (!a || !b) {
		store_close(a);
		store_close(b);
		return;
	}
	CHECK_EQ(store_kv_set(a, "plain", "not a time"), 0);
	CHECK_EQ(store_once(a, "ix.1", 1000, 300), 1);
	CHECK_EQ(store_once(b, "ix.1", 1001, 300), 0); /* the other connection sees it */
	CHECK_EQ(store_once(a, "ix.2", 1002, 300), 1);
	CHECK_EQ(store_once(b, "ix.1", 1299, 300), 0); /* still inside the window */
	CHECK_EQ(store_once(b, "ix.1", 1301, 300), 1); /* forgotten after it, claimed anew */
	CHECK_EQ(store_once(a, "ix.1", 1302, 300), 0);
	char *v = store_kv_get(a, "plain");
	CHECK_STR(v, "not a time");
	free(v);
	once_race_t ra = {a, 0}, rb = {b, 0};
	pthread_t ta, tb;
	CHECK_EQ(pthread_create(&ta, NULL, once_racer, &ra), 0);
	CHECK_EQ(pthread_create(&tb, NULL, once_racer, &rb), 0);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	CHECK_EQ(ra.wins + rb.wins, 50);
	store_close(a);
	store_close(b);
}

/* The smaller tables, the same on both backends: reports and the AI's
 * version of one, AI usage by model and by day, invites, metadata. */
ON_BOTH(reports_ai_usage_invites_and_meta)
{
	pw_store_t *s = open_on(pg, "small.db");
	if (!s)
		return;
	int64_t league = store_league_insert(s, "L", 7);
	CHECK(league > 0);
	cJSON *team = cJSON_Parse("{\"id\":1,\"name\":\"A\",\"hoopers\":[{\"id\":11,\"name\":\"H\"}]}");
	CHECK_EQ(store_team_insert(s, league, team), 0);
	cJSON_Delete(team);
	int64_t season = store_season_insert(s, league, 1, "One", 7, "{}", 100);
	CHECK(season > 0);

	int64_t rep = store_report_insert(s, season, 1, "simulation", 0, 0, "offline text");
	CHECK(rep > 0);
	CHECK_EQ(store_report_insert(s, season, 1, "simulation", 0, 0, "again"), rep);
	CHECK_EQ(store_report_ai_set(s, rep, "ai text", "model-x"), 0);
	CHECK_EQ(store_report_ai_set(s, rep, "second", "model-y"), 0); /* the first is kept */
	cJSON *reps = store_reports_json(s, season, -1, 0, false);
	const cJSON *r0 = cJSON_GetArrayItem(reps, 0);
	CHECK_EQ(cJSON_GetArraySize(reps), 1);
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(r0, "text")), "ai text");
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(r0, "written_by")), "ai");
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(r0, "model")), "model-x");
	cJSON_Delete(reps);
	CHECK_EQ(store_eval_insert(s, season, 1, rep, "directive_violations", 2.5), 0);
	double sum = 0;
	int cnt = 0;
	CHECK_EQ(store_eval_sum(s, "directive_violations", &sum, &cnt), 0);
	CHECK_NEAR(sum, 2.5, 1e-12);
	CHECK_EQ(cnt, 1);

	CHECK_EQ(store_ai_usage_insert(s, "m", "report", 100, 20, 5, 12.5, 0.25, NULL), 0);
	CHECK_EQ(store_ai_usage_insert(s, "m", "report", 50, 10, 0, 7.5, 0.125, "timeout"), 0);
	cJSON *use = store_ai_usage_json(s);
	char *t = cJSON_PrintUnformatted(use);
	CHECK_STR(t, "[{\"model\":\"m\",\"call_type\":\"report\",\"calls\":2,\"input_tokens\":150,"
		     "\"output_tokens\":30,\"cache_read_tokens\":5,\"cost_usd\":0.375,"
		     "\"avg_latency_ms\":10,\"failed\":1}]");
	free(t);
	cJSON_Delete(use);
	cJSON *daily = store_ai_usage_daily_json(s, 7);
	const cJSON *d0 = cJSON_GetArrayItem(daily, 0);
	CHECK_EQ(cJSON_GetArraySize(daily), 1);
	CHECK_EQ(cJSON_GetNumberValue(cJSON_GetObjectItem(d0, "calls")), 2);
	CHECK_EQ(cJSON_GetNumberValue(cJSON_GetObjectItem(d0, "failed")), 1);
	double usd = 0;
	CHECK_EQ(store_ai_cost_on(s, cJSON_GetStringValue(cJSON_GetObjectItem(d0, "day")), &usd), 0);
	CHECK_NEAR(usd, 0.375, 1e-12);
	cJSON_Delete(daily);

	int64_t inv = store_invite_insert(s, "hash", 1, 3, 500, "note", 100);
	CHECK(inv > 0);
	CHECK_EQ(store_invite_use(s, inv), 0);
	pw_invite_row_t row;
	CHECK_EQ(store_invite_get(s, inv, &row), 1);
	CHECK_EQ(row.uses, 1);
	CHECK_EQ(row.max_uses, 3);
	CHECK_STR(row.note, "note");
	CHECK_EQ(store_invite_get(s, inv + 1, &row), 0);
	CHECK_EQ(store_invite_revoke(s, inv), 1);
	CHECK_EQ(store_invite_revoke(s, inv + 1), 0);

	CHECK_EQ(store_meta_set(s, "team", 1, "{\"streak\":3}"), 0);
	char *m = store_meta_get(s, "team", 1);
	CHECK_STR(m, "{\"streak\":3}");
	free(m);
	CHECK_EQ(store_meta_set(s, "planet", 1, "{}"), -1);
	CHECK_CONTAINS(store_errmsg(s), "unknown meta kind");
	store_close(s);
}

static int abort_steps(void *ud)
{
	(void)ud;
	return 1; /* every statement step is interrupted */
}

/* Every read below answers "none" (want 0) or fails (want -1), naming
 * what it read. */
static void check_reads(pw_store_t *s, int want)
{
	int64_t team = 0;
	int slot = 0, stage = 0;
	pw_game_row_t row;
	CHECK_EQ(store_game_exists(s, 1, 1, 0), want);
	if (want < 0)
		CHECK_CONTAINS(store_errmsg(s), "reading a stored game");
	CHECK_EQ(store_progress_get(s, 1, 1, &stage, NULL), want);
	if (want < 0)
		CHECK_CONTAINS(store_errmsg(s), "reading a round's progress");
	CHECK_EQ(store_hooper_team(s, 99, &team, &slot), want);
	CHECK_EQ(store_game_get(s, 99, &row), want);
	CHECK_EQ(store_player_by_token_hash(s, "x"), want);
	CHECK_EQ(store_game_snapshots(s, 99, NULL, NULL, NULL, NULL, NULL), want);
	/* aggregates: their one row always exists, so no row is a failure */
	double sum = 0, usd = 0;
	int count = 0;
	CHECK_EQ(store_eval_sum(s, "ai_published", &sum, &count), want < 0 ? -1 : 0);
	if (want < 0)
		CHECK_CONTAINS(store_errmsg(s), "summing evals");
	CHECK_EQ(store_ai_cost_on(s, "2026-12-03", &usd), want < 0 ? -1 : 0);
	if (want < 0)
		CHECK_CONTAINS(store_errmsg(s), "reading the AI's cost");
}

/* A read that fails is a failure, never "not there": taking it for "no
 * such game" would run a stored game again, and for "no progress" would
 * restart a round from its first stage. */
/* The write-ahead log's size in pages of 4 KB (0 when there is none). */
static long wal_pages(const char *db)
{
	char path[600];
	snprintf(path, sizeof path, "%s/%s-wal", test_tmpdir(), db);
	FILE *f = fopen(path, "rb");
	if (!f)
		return 0;
	fseek(f, 0, SEEK_END);
	long n = ftell(f) / 4096;
	fclose(f);
	return n;
}

/* Writes n values of 6 KB on a, one commit each (n = 1,500 is about 7,000
 * pages of log), with b's commits in between when given. Each value is
 * made of `fill` bytes: writing the same keys again changes them only with
 * another fill (SQLite leaves a page that an update leaves equal alone). */
static void write_values(pw_store_t *a, pw_store_t *b, int n, char fill)
{
	char *big = malloc(6001);
	memset(big, fill, 6000);
	big[6000] = 0;
	for (int i = 0; i < n; i++) {
		char key[32];
		snprintf(key, sizeof key, "big.%d", i);
		big[i % 6000] = (char)('a' + i % 26);
		CHECK_EQ(store_kv_set(a, key, big), 0);
		if (b && i % 100 == 99)
			CHECK_EQ(store_kv_set(b, "tick", key), 0);
	}
	free(big);
}

/* The log's size in pages after write_values on a new file `db`: by one
 * connection, or by one that leaves checkpoints elsewhere (elsewhere), the
 * other committing now and then (with_other). -1 when a store did not open. */
static long log_after_writes(const char *db, bool elsewhere, bool with_other)
{
	pw_store_t *a = open_tmp(db), *b = with_other ? open_tmp(db) : NULL;
	long pages = -1;
	if (a && (b || !with_other)) {
		if (elsewhere)
			CHECK_EQ(store_housekeeping_mode(a, STORE_HOUSEKEEPING_ELSEWHERE), 0);
		write_values(a, b, 1500, 'x');
		pages = wal_pages(db);
		/* Nothing written is lost for it. */
		char *v = store_kv_get(a, "big.1499");
		CHECK(v != NULL && strlen(v) == 6000);
		free(v);
	}
	store_close(a);
	store_close(b);
	return pages;
}

/* A connection that leaves the log's checkpoint elsewhere never does it
 * below its safety net: its log grows past SQLite's 1,000 pages, where a
 * connection of its own would have copied it back and started it over.
 * Another connection's commits do the checkpoint, and the log stays small. */
TEST(store_housekeeping_elsewhere_leaves_checkpoints_to_other_connections)
{
	long own = log_after_writes("own.db", false, false);
	CHECK_MSG(own > 0 && own < 1500, "a connection's own checkpoints: log of %ld pages", own);
	long alone = log_after_writes("else.db", true, false);
	CHECK_MSG(alone > 2500, "no checkpoint below the safety net: log of %ld pages", alone);
	long paired = log_after_writes("pair.db", true, true);
	CHECK_MSG(paired > 0 && paired < 1500, "the other connection's commits checkpoint: log of %ld pages", paired);
}

/* A connection that checkpoints on ask (the tick's) never does it in its
 * own commits below the safety net, and does it when asked once the log
 * has passed 1,000 pages: the log then starts over, so writing the same
 * keys again leaves the file as long as it was (appended to the log, the
 * same writes made it some 800 pages longer). */
TEST(store_housekeeping_on_ask_checkpoints_only_when_asked)
{
	pw_store_t *a = open_tmp("ask.db");
	if (!a)
		return;
	CHECK_EQ(store_housekeeping_mode(a, STORE_HOUSEKEEPING_ON_ASK), 0);
	CHECK_EQ(store_kv_set(a, "small", "1"), 0);
	CHECK_EQ(store_housekeeping(a), 0); /* a page or two: not due */
	write_values(a, NULL, 400, 'x');
	long grown = wal_pages("ask.db");
	CHECK_MSG(grown > 1200, "no checkpoint in the commits: log of %ld pages", grown);
	CHECK_EQ(store_housekeeping(a), 1);
	CHECK_EQ(store_housekeeping(a), 0); /* done: nothing new since */
	write_values(a, NULL, 400, 'y');
	long again = wal_pages("ask.db");
	CHECK_MSG(again < grown + 200, "the log started over after the checkpoint: %ld pages, %ld before", again,
		  grown);
	char *v = store_kv_get(a, "big.399");
	CHECK(v != NULL && strlen(v) == 6000);
	free(v);
	store_close(a);
}

/* A game's box score has at most both rosters' lines: more is refused with
 * its count, before anything is written; none is nothing to do. */
ON_BOTH(boxes_beyond_a_game_are_refused)
{
	pw_store_t *s = open_on(pg, "boxes.db");
	if (!s)
		return;
	pw_box_t boxes[STORE_BOXES_MAX + 1] = {0};
	for (int i = 0; i <= STORE_BOXES_MAX; i++)
		boxes[i].hooper_id = i + 1;
	CHECK_EQ(store_boxes_insert(s, 1, boxes, STORE_BOXES_MAX + 1), -1);
	CHECK_CONTAINS(store_errmsg(s), "a game's box score has 9 lines, not 0 to 8");
	CHECK_EQ(store_boxes_insert(s, 1, boxes, -1), -1);
	CHECK_EQ(store_boxes_insert(s, 1, boxes, 0), 0);
	store_close(s);
}

TEST(store_failed_reads_are_errors_not_absence)
{
	pw_store_t *s = open_tmp("fail.db");
	if (!s)
		return;
	check_reads(s, 0); /* working: nothing there */
	sqlite3_progress_handler(s->db, 1, abort_steps, NULL);
	check_reads(s, -1);
	sqlite3_progress_handler(s->db, 0, NULL, NULL);
	CHECK_EQ(store_game_exists(s, 1, 1, 0), 0);
	store_close(s);
}

/* The same on PostgreSQL: while the database cannot be reached, every
 * read is an error, never "not there"; once it can, the store makes its
 * connection again by itself (pg_revive) and reads as before. */
TEST(pg_store_failed_reads_are_errors_not_absence)
{
	char *url = pgtest_database();
	pw_store_t *s = url ? open_pg_url(url) : NULL;
	if (!s) {
		free(url);
		return;
	}
	check_reads(s, 0);
	CHECK(store_ping(s));
	/* The database refuses new sessions and the server ends this one, as
	 * a database going down does. */
	CHECK_EQ(dbt_pg_sessions(url, false), 0);
	store_pg_exec(s, "SELECT pg_terminate_backend(pg_backend_pid())", "ending the session");
	CHECK(!store_ping(s));
	check_reads(s, -1);
	CHECK_EQ(store_begin(s), -1);
	CHECK_CONTAINS(store_errmsg(s), "the database cannot be reached");
	/* Back: the next call finds a new connection. */
	CHECK_EQ(dbt_pg_sessions(url, true), 0);
	CHECK(store_ping(s));
	check_reads(s, 0);
	CHECK_EQ(store_begin(s), 0);
	store_commit(s);
	free(url);
	store_close(s);
}

/* A session the server ends (a restart, a failover, an idle timeout) is
 * made again at the next call: the statement that was cut off fails and is
 * not retried (it may have been a write the server ran), the one after it
 * works; a transaction cut off is lost whole. The viewers' connection gets
 * its views back, so it still hides what is not presented. */
TEST(pg_store_a_lost_connection_is_made_again)
{
	char *url = pgtest_database();
	pw_store_t *s = url ? open_pg_url(url) : NULL;
	if (!s) {
		free(url);
		return;
	}
	CHECK_EQ(store_kv_set(s, "k", "v1"), 0);
	/* Ended from another session: the store learns it from the next
	 * statement. A read cut off is asked again on a new session; a write
	 * cut off fails (the server may have run it), the next one works. */
	static const char end_others[] = "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
					 " WHERE datname = current_database() AND pid <> pg_backend_pid()";
	CHECK_EQ(dbt_exec(url, end_others), 0);
	char *v = store_kv_get(s, "k");
	CHECK_STR(v, "v1");
	free(v);
	CHECK_EQ(store_kv_set(s, "k", "v1"), 0); /* prepared on this session */
	CHECK_EQ(dbt_exec(url, end_others), 0);
	CHECK(store_kv_set(s, "k", "lost") < 0);
	CHECK_CONTAINS(store_errmsg(s), "terminat");
	v = store_kv_get(s, "k");
	CHECK_STR(v, "v1");
	free(v);
	/* Ended by its own statement: libpq knows at once, and the next call
	 * goes to a new session before sending anything. */
	store_pg_exec(s, "SELECT pg_terminate_backend(pg_backend_pid())", "ending the session");
	v = store_kv_get(s, "k");
	CHECK_STR(v, "v1");
	free(v);
	/* In a transaction: the transaction fails whole, the next one works. */
	CHECK_EQ(store_begin(s), 0);
	CHECK_EQ(store_kv_set(s, "k", "v2"), 0);
	CHECK_EQ(dbt_exec(url, end_others), 0);
	CHECK(store_kv_set(s, "k", "v3") < 0);
	CHECK(store_commit(s) < 0);
	store_rollback(s);
	v = store_kv_get(s, "k");
	CHECK_STR(v, "v1");
	free(v);
	CHECK_EQ(store_begin(s), 0);
	CHECK_EQ(store_kv_set(s, "k", "v4"), 0);
	CHECK_EQ(store_commit(s), 0);
	/* The viewers' connection: hides an unpresented game before and
	 * after its session is made again. */
	char err[256];
	pw_store_t *v2 = store_pg_open(url, STORE_OPEN_VIEWER, err, sizeof err);
	CHECK_MSG(v2 != NULL, "%s", err);
	if (v2) {
		store_pg_exec(v2, "SELECT pg_terminate_backend(pg_backend_pid())", "ending the session");
		CHECK(store_ping(v2));
		/* Still read-only, and still through the temporary views. */
		CHECK(store_kv_set(v2, "k", "x") < 0);
		CHECK_EQ(store_pg_exec(v2, "SELECT 1 FROM pg_temp.game_results LIMIT 0", "reading the view"), 0);
		store_close(v2);
	}
	free(url);
	store_close(s);
}

/*
 * Transactions on PostgreSQL: store_rollback undoes everything since
 * store_begin; and when a statement inside a transaction fails, PostgreSQL
 * ends the transaction, so store_commit must fail too and nothing of it
 * stays — an append that "succeeded" before the failure included. (SQLite
 * would keep the statements that worked: code above the store rolls back
 * on any failure, which is right on both.)
 */
TEST(pg_store_transactions_roll_back_whole)
{
	pw_store_t *s = open_on(true, NULL);
	if (!s)
		return;
	cJSON *ok = cJSON_Parse("{\"trade_id\":4}");
	CHECK_EQ(store_begin(s), 0);
	CHECK_EQ(store_begin(s), -1); /* no nesting */
	CHECK(store_event_append(s, PW_EV_TRADE_ACCEPTED, "4", 0, 1, 0, 0, ok) > 0);
	store_rollback(s);
	CHECK_EQ(store_events_count(s), 0);

	CHECK_EQ(store_begin(s), 0);
	CHECK_EQ(store_event_append(s, PW_EV_TRADE_ACCEPTED, "4", 0, 1, 0, 0, ok), 1);
	/* A governor for a season that does not exist: a foreign key fails. */
	CHECK_EQ(store_identity_link(s, 1, 999, 999, 0, 0), -1);
	CHECK_CONTAINS(store_errmsg(s), "linking an identity to a governor");
	CHECK_EQ(store_commit(s), -1);
	CHECK_CONTAINS(store_errmsg(s), "an earlier statement of the transaction failed");
	CHECK_EQ(store_events_count(s), 0);

	/* The store is usable again, and a clean transaction commits. */
	CHECK_EQ(store_begin(s), 0);
	CHECK_EQ(store_event_append(s, PW_EV_TRADE_ACCEPTED, "4", 0, 1, 0, 0, ok), 1);
	CHECK_EQ(store_commit(s), 0);
	CHECK_EQ(store_events_count(s), 1);
	cJSON_Delete(ok);
	store_close(s);
}

/* BEGIN and the write lock go in one round trip: when the lock is refused
 * (here its wait times out while another connection holds it), the
 * transaction BEGIN opened is ended too, so the connection is usable again
 * rather than stuck in a failed transaction. The same for a live event. */
TEST(pg_store_a_refused_write_lock_leaves_the_connection_usable)
{
	char *url = pgtest_database();
	pw_store_t *a = url ? open_pg_url(url) : NULL, *b = a ? open_pg_url(url) : NULL;
	free(url);
	if (!a || !b) {
		store_close(a);
		return;
	}
	CHECK_EQ(store_pg_exec(b, "SET lock_timeout = '100ms'", "setting the lock timeout"), 0);
	CHECK_EQ(store_begin(a), 0); /* a holds the writers' lock */
	CHECK_EQ(store_begin(b), -1);
	CHECK_CONTAINS(store_errmsg(b), "lock timeout");
	CHECK(store_events_count(b) >= 0); /* a read works: no transaction left open */
	/* the live log's lock (PG_LIVE_LOCK, store_pg.c) */
	CHECK_EQ(store_pg_exec(a, "SELECT pg_advisory_xact_lock(123658222270053)", "taking the live log's lock"),
		 0);
	CHECK_EQ(store_live_append(b, "test.refused", "{}", "b"), -1);
	CHECK(store_events_count(b) >= 0);
	store_rollback(a);
	CHECK_EQ(store_begin(b), 0);
	CHECK_EQ(store_commit(b), 0);
	CHECK(store_live_append(b, "test.after", "{}", "b") > 0);
	store_close(a);
	store_close(b);
}

/* ---- two connections appending at once ---- */

#define APPENDS 150

typedef struct appender {
	const char *url;
	int64_t governor;
	int failed;
	volatile int done;
} appender_t;

static void *append_loop(void *ud)
{
	appender_t *a = ud;
	char err[512];
	pw_store_t *s = store_pg_open(a->url, STORE_OPEN_RAW, err, sizeof err);
	if (!s) {
		a->failed = APPENDS;
		return NULL;
	}
	cJSON *v = cJSON_Parse("{\"proposal_id\":1,\"vote\":\"yes\",\"boost\":false}");
	for (int i = 0; i < APPENDS; i++) {
		if (store_begin(s) < 0 ||
		    store_event_append(s, PW_EV_VOTE_CAST, "1", 0, a->governor, 0, 0, v) < 0 ||
		    store_commit(s) < 0) {
			a->failed++;
			store_rollback(s);
		}
	}
	cJSON_Delete(v);
	store_close(s);
	a->done = 1;
	return NULL;
}

typedef struct seen {
	int64_t last_seq, last_id;
	int count, disorder;
} seen_t;

static int seen_cb(void *ud, const pw_event_t *ev)
{
	seen_t *w = ud;
	/* Each walk continues where the last ended: the next number, and a
	 * row id above every one seen before. */
	if (ev->seq != w->last_seq + 1 || ev->id <= w->last_id)
		w->disorder++;
	w->last_seq = ev->seq;
	w->last_id = ev->id;
	w->count++;
	return 0;
}

/*
 * Two connections append events as fast as they can while a third reads
 * the log the way gov_sync and the live stream do, from the last sequence
 * number it saw. The writers' lock makes every sequence number follow the
 * last without a gap or a duplicate, ids rise with them, and a reader
 * never sees a number before an earlier one is committed (it would skip
 * that event for good).
 */
TEST(pg_store_concurrent_appends_keep_the_log_in_order)
{
	char *url = pgtest_database();
	if (!url)
		return;
	pw_store_t *r = open_pg_url(url);
	if (!r) {
		free(url);
		return;
	}
	appender_t a = {url, 1, 0, 0}, b = {url, 2, 0, 0};
	pthread_t ta, tb;
	pthread_create(&ta, NULL, append_loop, &a);
	pthread_create(&tb, NULL, append_loop, &b);
	seen_t w = {0};
	/* Read while they write, and once more after both are done. */
	for (int last = 0; !last;) {
		last = a.done && b.done;
		CHECK_EQ(store_events_since(r, w.last_seq, seen_cb, &w), 0);
	}
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	CHECK_EQ(a.failed + b.failed, 0);
	CHECK_EQ(w.count, 2 * APPENDS);
	CHECK_EQ(w.disorder, 0);
	CHECK_EQ(store_events_count(r), 2 * APPENDS);
	store_close(r);
	free(url);
}

/* A backend that lacks functions: each is listed by name (how store_open
 * refuses such a backend in the program), and one called anyway is an
 * error naming it, never a crash. */
TEST(store_a_backend_with_gaps_is_named_and_never_crashes)
{
	char list[512];
	CHECK_EQ(store_ops_missing(&store_sqlite_ops, list, sizeof list), 0);
	CHECK_STR(list, "");
	CHECK_EQ(store_ops_missing(&store_pg_ops, list, sizeof list), 0);
	struct store_ops gaps = store_sqlite_ops;
	gaps.begin = NULL;
	gaps.kv_get = NULL;
	gaps.viewer = false;
	CHECK_EQ(store_ops_missing(&gaps, list, sizeof list), 3);
	CHECK_STR(list, "store_begin, store_kv_get, store_open_viewer");
	/* Cut short, still a string. */
	char small[8];
	CHECK_EQ(store_ops_missing(&gaps, small, sizeof small), 3);
	CHECK_STR(small, "store_b");

	pw_store_t *s = open_tmp("gaps.db");
	if (!s)
		return;
	s->ops = &gaps;
	CHECK_EQ(store_begin(s), -1);
	CHECK_STR(store_errmsg(s), "store_begin is not available on the SQLite backend yet");
	CHECK(store_kv_get(s, "a") == NULL);
	CHECK_CONTAINS(store_errmsg(s), "store_kv_get");
	s->ops = &store_sqlite_ops;
	store_close(s);
}

/* The program's way in: store_open and store_open_viewer take a
 * postgres:// URL (the backend is whole), and a URL that names no server
 * is an error that does not repeat the URL (it may hold a password). */
TEST(pg_store_open_takes_a_postgres_url)
{
	char *url = pgtest_database();
	if (!url)
		return;
	char err[512];
	pw_store_t *s = store_open(url, err, sizeof err);
	CHECK_MSG(s != NULL, "store_open: %s", err);
	pw_store_t *v = store_open_viewer(url, err, sizeof err);
	CHECK_MSG(v != NULL, "store_open_viewer: %s", err);
	if (s && v) {
		CHECK(store_ping(s));
		CHECK_EQ(store_schema_version(s), store_latest_version());
		CHECK_EQ(store_kv_set(s, "k", "v"), 0);
		/* The viewers' connection writes nothing. */
		CHECK_EQ(store_kv_set(v, "k", "w"), -1);
		CHECK_CONTAINS(store_errmsg(v), "read-only");
		char *got = store_kv_get(v, "k");
		CHECK_STR(got, "v");
		free(got);
	}
	store_close(v);
	store_close(s);
	free(url);
	const char *bad = "postgresql://league:secret@/nodb?host=/nonexistent-socket-dir";
	CHECK(store_open(bad, err, sizeof err) == NULL);
	CHECK_CONTAINS(err, "cannot connect to the PostgreSQL database");
	CHECK(strstr(err, "secret") == NULL);
}

/* The Discord outbox on either backend: calls come back oldest first until
 * each is marked done, a failed try is counted, a body may be NULL. */
ON_BOTH(outbox_keeps_calls_in_order_until_done)
{
	pw_store_t *s = open_on(pg, "outbox.db");
	if (!s)
		return;
	CHECK_EQ(store_outbox_pending(s), 0);
	int64_t a = 0, b = 0;
	CHECK_EQ(store_outbox_add(s, "POST", "/channels/1/messages", "{\"content\":\"hi\"}", 100, &a), 0);
	CHECK_EQ(store_outbox_add(s, "DM", "123", NULL, 101, &b), 0);
	CHECK(a > 0 && b > a);
	CHECK_EQ(store_outbox_add(s, "TOOLONGMETHOD", "/x", NULL, 102, NULL), -1);
	CHECK_EQ(store_outbox_pending(s), 2);
	pw_outbox_row_t r;
	CHECK_EQ(store_outbox_next(s, &r), 1);
	CHECK_EQ(r.id, a);
	CHECK_STR(r.method, "POST");
	CHECK_STR(r.path, "/channels/1/messages");
	CHECK_STR(r.body, "{\"content\":\"hi\"}");
	CHECK_EQ(r.attempts, 0);
	free(r.body);
	CHECK_EQ(store_outbox_failed_try(s, a, "boom"), 0);
	CHECK_EQ(store_outbox_next(s, &r), 1);
	CHECK_EQ(r.id, a);
	CHECK_EQ(r.attempts, 1);
	free(r.body);
	CHECK_EQ(store_outbox_done(s, a, 200, NULL, 103), 0);
	CHECK_EQ(store_outbox_next(s, &r), 1);
	CHECK_EQ(r.id, b);
	CHECK(r.body == NULL);
	CHECK_EQ(store_outbox_pending(s), 1);
	CHECK_EQ(store_outbox_done(s, b, 0, "gave up", 104), 0);
	CHECK_EQ(store_outbox_next(s, &r), 0);
	CHECK_EQ(store_outbox_pending(s), 0);

	int64_t id = store_identity_insert(s, "discord", "4242", "Ada", 100);
	CHECK(id > 0);
	char subj[32] = "";
	CHECK_EQ(store_identity_subject(s, id, "discord", subj, sizeof subj), 1);
	CHECK_STR(subj, "4242");
	CHECK_EQ(store_identity_subject(s, id, "invite", subj, sizeof subj), 0);
	CHECK_EQ(store_identity_subject(s, id, "discord", subj, 3), 0); /* does not fit */
	store_close(s);
}
