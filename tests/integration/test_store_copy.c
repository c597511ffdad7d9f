/*
 * test_store_copy.c — `pinwheel migrate --from FILE --to postgres://...`
 * (core/league/store_copy.h): a league played on SQLite, copied into a
 * real PostgreSQL database (tests/pgtest.h), reads the same there, table by
 * table and through the store's JSON, keeps growing with fresh ids, and
 * every refusal leaves the target as it was.
 */
#include "tests/test.h"

#include <cjson/cJSON.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/league/identity.h"
#include "core/league/store_copy.h"
#include "core/league/store_discord.h"
#include "core/league/store_internal.h"
#include "core/sim/buf.h"
#include "tests/integration/league_helpers.h"
#include "tests/pgtest.h"

/* A league after a played season on SQLite at path, with a row in every
 * table a season alone leaves empty (identities, sessions, invites, AI
 * usage with unround numbers, the outbox), so the copy is checked on all
 * of them. Returns the season's id. */
static int64_t played_league(const char *path)
{
	char err[512];
	pw_store_t *s = store_open(path, err, sizeof err);
	CHECK_MSG(s != NULL, "open %s: %s", path, err);
	pw_gov_t *g = lt_league(s, 4);
	int64_t ada = lt_join(g, "Ada", 1, NULL), bo = lt_join(g, "Bo", 2, NULL);
	int64_t pid = lt_propose(g, ada, "three pointers worth 4");
	CHECK(pid > 0);
	lt_vote(g, bo, pid, true, false);
	pw_round_cfg_t c;
	lt_cfg(&c, g);
	CHECK(lt_run_season(&c) > 0);
	int64_t iid = 0;
	pw_err_t ie;
	CHECK(identity_find_or_create(s, "discord", "4242", "Ada on Discord", 1700000000, &iid, &ie) >= 0);
	CHECK_EQ(store_begin(s), 0);
	CHECK(store_session_insert(s, "sessionhash", "csrf", iid, false, 1700000000, 1800000000) == 0);
	CHECK(store_invite_insert(s, "invitehash", 1, 3, 1800000000, "for \"Ada\" ✓", 1700000000) > 0);
	CHECK(store_ai_usage_insert(s, "claude", "report", 10, 20, 3, 123.456789012345, 0.1 + 0.2, "ok") ==
	      0);
	int64_t oid = 0;
	CHECK(store_outbox_add(s, "POST", "/channels/1/messages", "{\"content\":\"hi\"}", 1700000000,
			       &oid) == 0);
	CHECK_EQ(store_commit(s), 0);
	/* The live stream's log (a server writes it on a shared store). */
	CHECK(store_live_append(s, "vote.cast", "{\"note\":\"copied ✓\"}", "serve@a/1/2") > 0);
	pw_season_row_t r;
	CHECK_EQ(season_current(s, &r), 1);
	gov_close(g);
	store_close(s);
	return r.id;
}

/* One cell as text, its kind first, so 3, 3.0 and "3" all differ. */
static void put_cell(pw_buf_t *b, const store_cell_t *c)
{
	switch (c->kind) {
	case STORE_CELL_NULL:
		buf_puts(b, "N");
		break;
	case STORE_CELL_INT:
		buf_printf(b, "I%lld", (long long)c->i);
		break;
	case STORE_CELL_REAL:
		buf_printf(b, "R%.17g", c->r);
		break;
	default:
		buf_printf(b, "T%s", c->text);
	}
}

typedef struct {
	char **rows;
	int n, cap;
} rows_t;

static int collect_row(void *ud, const store_cell_t *cells, int n)
{
	rows_t *r = ud;
	pw_buf_t b = {0};
	for (int i = 0; i < n; i++) {
		if (i)
			buf_puts(&b, "\x1f");
		put_cell(&b, &cells[i]);
	}
	if (r->n == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 64;
		r->rows = realloc(r->rows, (size_t)r->cap * sizeof *r->rows);
	}
	r->rows[r->n++] = buf_take(&b);
	return 0;
}

static int by_text(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every row of table t of s (its columns as t names them), sorted, one
 * per line; *n gets how many. Caller frees. */
static char *table_text(pw_store_t *s, const store_table_t *t, int *n)
{
	rows_t r = {0};
	CHECK_MSG(s->ops->copy->rows(s, t, collect_row, &r) == 0, "reading %s: %s", t->name,
		  store_errmsg(s));
	if (r.n)
		qsort(r.rows, (size_t)r.n, sizeof *r.rows, by_text);
	pw_buf_t b = {0};
	buf_puts(&b, "");
	for (int i = 0; i < r.n; i++) {
		buf_puts(&b, r.rows[i]);
		buf_puts(&b, "\n");
		free(r.rows[i]);
	}
	free(r.rows);
	*n = r.n;
	return buf_take(&b);
}

/* The tables of s but schema_version, comma separated. Caller frees. */
static char *table_names(pw_store_t *s)
{
	store_table_t *ts = NULL;
	int n = s->ops->copy->tables(s, &ts);
	CHECK_MSG(n > 0, "listing tables: %s", store_errmsg(s));
	pw_buf_t b = {0};
	buf_puts(&b, "");
	for (int i = 0; i < n; i++)
		if (strcmp(ts[i].name, "schema_version"))
			buf_printf(&b, "%s,", ts[i].name);
	free(ts);
	return buf_take(&b);
}

/* Everything in s but schema_version, table by table (a digest to see
 * that a refused copy changed nothing). Caller frees. */
static char *whole_text(pw_store_t *s)
{
	store_table_t *ts = NULL;
	int n = s->ops->copy->tables(s, &ts);
	pw_buf_t b = {0};
	buf_puts(&b, "");
	for (int i = 0; i < n; i++) {
		if (!strcmp(ts[i].name, "schema_version"))
			continue;
		int rows = 0;
		char *t = table_text(s, &ts[i], &rows);
		buf_printf(&b, "== %s %d\n%s", ts[i].name, rows, t);
		free(t);
	}
	free(ts);
	return buf_take(&b);
}

/* The tables the copy reported, in its order. */
typedef struct {
	pw_buf_t names;
	int64_t rows;
	const char *stop_after; /* the injected failure: stop after this table */
} seen_t;

static int seen_table(void *ud, const char *table, int64_t rows)
{
	seen_t *s = ud;
	buf_printf(&s->names, "%s,", table);
	s->rows += rows;
	return s->stop_after && !strcmp(table, s->stop_after);
}

static int event_line(void *ud, const pw_event_t *ev)
{
	buf_printf(ud, "%lld %lld %s %s %s %lld %lld %lld %d %s %s\n", (long long)ev->id,
		   (long long)ev->seq, ev->type, ev->agg_type, ev->agg_id, (long long)ev->season_id,
		   (long long)ev->governor_id, (long long)ev->team_id, ev->round, ev->payload,
		   ev->created_at);
	return 0;
}

/* What the API builds from the store for a season, as one text. */
static char *api_text(pw_store_t *s, int64_t sid)
{
	pw_buf_t b = {0};
	buf_puts(&b, "");
	store_events_since(s, 0, event_line, &b);
	cJSON *parts[] = {store_seasons_json(s, 1),	  store_teams_json(s, 1),
			  store_schedule_json(s, sid),	  store_season_box_json(s, sid),
			  store_reports_json(s, sid, 0, 0, false), store_evals_json(s, sid, 100),
			  store_ai_usage_json(s),	  store_invites_json(s)};
	for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
		CHECK_MSG(parts[i] != NULL, "part %zu: %s", i, store_errmsg(s));
		char *t = cJSON_PrintUnformatted(parts[i]);
		buf_printf(&b, "%s\n", t ? t : "");
		free(t);
		cJSON_Delete(parts[i]);
	}
	char *archive = store_archive_get(s, sid);
	buf_printf(&b, "%s\n", archive ? archive : "(no archive)");
	free(archive);
	return buf_take(&b);
}

static pw_store_t *open_or_fail(const char *db, store_open_mode_t mode)
{
	char err[512];
	pw_store_t *s = !store_names_file(db) ? store_pg_open(db, mode, err, sizeof err)
					: store_sqlite_open(db, mode, err, sizeof err);
	CHECK_MSG(s != NULL, "open: %s", err);
	return s;
}

TEST(pg_store_copy_moves_a_played_league_whole)
{
	char *url = pgtest_database();
	if (!url)
		return;
	char path[512], err[1024];
	snprintf(path, sizeof path, "%s/league.db", test_tmpdir());
	int64_t sid = played_league(path);

	seen_t seen = {0};
	buf_puts(&seen.names, "");
	int64_t copied = store_copy(path, url, seen_table, &seen, err, sizeof err);
	CHECK_MSG(copied > 0, "copy: %s", err);
	CHECK_EQ(copied, seen.rows);

	pw_store_t *src = open_or_fail(path, STORE_OPEN_RAW), *dst = open_or_fail(url, STORE_OPEN_RAW);
	/* The copy handled every table of the schema, on both sides: a table a
	 * migration adds and the copy forgot would be missing here. */
	char *sq_names = table_names(src), *pg_names = table_names(dst);
	CHECK_STR(seen.names.data, sq_names);
	CHECK_STR(pg_names, sq_names);
	CHECK_CONTAINS(sq_names, "governance_events,");

	/* Every table's rows, cell by cell (kinds, exact doubles, texts). */
	store_table_t *ts = NULL;
	int n = src->ops->copy->tables(src, &ts), empty = 0;
	for (int i = 0; i < n; i++) {
		if (!strcmp(ts[i].name, "schema_version"))
			continue;
		int a = 0, b = 0;
		char *x = table_text(src, &ts[i], &a), *y = table_text(dst, &ts[i], &b);
		CHECK_MSG(a == b, "%s: %d rows on SQLite, %d on PostgreSQL", ts[i].name, a, b);
		CHECK_MSG(!strcmp(x, y), "%s differs:\n%s\n---\n%s", ts[i].name, x, y);
		CHECK_EQ(dst->ops->copy->count(dst, &ts[i]), a);
		empty += a == 0;
		free(x);
		free(y);
	}
	free(ts);
	/* Only tables nothing in a season writes may be empty. */
	CHECK_MSG(empty <= 3, "%d tables empty: the league under test misses too much", empty);

	/* The API's reads, the event log in order included, are the same. */
	char *a = api_text(src, sid), *b = api_text(dst, sid);
	CHECK_STR(b, a);
	free(a);
	free(b);
	store_close(src);
	store_close(dst);

	/* The copied league goes on: new rows get fresh ids, the log the next
	 * sequence number. */
	pw_store_t *s = open_or_fail(url, STORE_OPEN_MIGRATE);
	int64_t events = store_events_count(s);
	pw_gov_t *g = gov_open(s, NULL);
	CHECK(g != NULL);
	int64_t next = 0;
	pw_err_t e;
	CHECK_MSG(season_create(g, NULL, true, NULL, 7, &next, &e) == 0, "next season: %s", e.msg);
	CHECK_EQ(next, sid + 1);
	events = store_events_count(s);
	int64_t cy = lt_join(g, "Cy", 3, NULL);
	CHECK(cy > 2);
	CHECK_EQ(store_events_count(s), events + 1);
	int64_t pid = lt_propose(g, cy, "longer quarters");
	CHECK_MSG(pid > 1, "a proposal after the copy: %lld", (long long)pid);
	CHECK_STR(lt_status(g, pid), "open");
	CHECK_EQ(store_begin(s), 0);
	int64_t rid = store_report_insert(s, sid, 99, "simulation", 0, 0, "after the copy");
	CHECK_MSG(rid > 0, "%s", store_errmsg(s));
	CHECK_EQ(store_commit(s), 0);
	gov_close(g);
	store_close(s);

	/* A second copy into the same database is refused and changes nothing. */
	dst = open_or_fail(url, STORE_OPEN_RAW);
	char *before = whole_text(dst);
	CHECK(store_copy(path, url, NULL, NULL, err, sizeof err) < 0);
	CHECK_CONTAINS(err, "already holds a league");
	char *after = whole_text(dst);
	CHECK_STR(after, before);
	free(before);
	free(after);
	store_close(dst);
	free(seen.names.data);
	free(sq_names);
	free(pg_names);
	free(url);
}

/* Every table of dst but schema_version is empty. */
static void check_empty(const char *url)
{
	pw_store_t *dst = open_or_fail(url, STORE_OPEN_RAW);
	store_table_t *ts = NULL;
	int n = dst->ops->copy->tables(dst, &ts);
	for (int i = 0; i < n; i++)
		if (strcmp(ts[i].name, "schema_version"))
			CHECK_MSG(dst->ops->copy->count(dst, &ts[i]) == 0, "%s has rows", ts[i].name);
	free(ts);
	store_close(dst);
}

/* Runs sql on the SQLite file at path, as another program would. */
static void sqlite_edit(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	CHECK_EQ(sqlite3_open(path, &db), SQLITE_OK);
	CHECK_MSG(sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK, "%s: %s", sql, sqlite3_errmsg(db));
	sqlite3_close(db);
}

/* A new PostgreSQL database (NULL: the test is skipped or failed) and a
 * played league in path. */
static char *copy_fixture(char *path, size_t len)
{
	char *url = pgtest_database();
	if (!url)
		return NULL;
	snprintf(path, len, "%s/league.db", test_tmpdir());
	played_league(path);
	return url;
}

TEST(pg_store_copy_stopped_midway_leaves_the_target_empty)
{
	char path[512], err[1024];
	char *url = copy_fixture(path, sizeof path);
	if (!url)
		return;
	/* Stopped once game_results (and the tables before it) are written. */
	seen_t seen = {.stop_after = "game_results"};
	buf_puts(&seen.names, "");
	CHECK(store_copy(path, url, seen_table, &seen, err, sizeof err) < 0);
	CHECK_CONTAINS(err, "stopped after table game_results");
	CHECK(seen.rows > 0);
	check_empty(url);
	/* A row the target refuses fails the copy the same way, naming it. */
	sqlite_edit(path, "UPDATE box_scores SET points='many' WHERE rowid=1");
	CHECK(store_copy(path, url, NULL, NULL, err, sizeof err) < 0);
	CHECK_CONTAINS(err, "copying table box_scores");
	check_empty(url);
	/* Once the row is whole again, the same target takes the copy. */
	sqlite_edit(path, "UPDATE box_scores SET points=7 WHERE rowid=1");
	CHECK_MSG(store_copy(path, url, NULL, NULL, err, sizeof err) > 0, "%s", err);
	free(seen.names.data);
	free(url);
}

TEST(pg_store_copy_refuses_a_table_it_does_not_know)
{
	char path[512], err[1024];
	char *url = copy_fixture(path, sizeof path);
	if (!url)
		return;
	sqlite_edit(path, "CREATE TABLE stray(x INTEGER); INSERT INTO stray VALUES(1)");
	CHECK(store_copy(path, url, NULL, NULL, err, sizeof err) < 0);
	CHECK_CONTAINS(err, "does not know (stray)");
	check_empty(url);
	free(url);
}

/* Refusals that need no database on the other side: each names what is
 * wrong, before anything is opened. */
TEST(store_copy_refuses_what_is_not_a_league_to_copy)
{
	const char *nowhere = "postgresql:///nowhere?host=/nonexistent&password=hunter2";
	char path[512], junk[512], err[1024];
	snprintf(path, sizeof path, "%s/league.db", test_tmpdir());
	snprintf(junk, sizeof junk, "%s/notes.txt", test_tmpdir());
	FILE *f = fopen(junk, "w");
	fputs("these are not the tables you are looking for\n", f);
	fclose(f);

	CHECK(store_copy(junk, nowhere, NULL, NULL, err, sizeof err) < 0);
	CHECK_CONTAINS(err, "is not a SQLite database");
	CHECK(store_copy(path, nowhere, NULL, NULL, err, sizeof err) < 0);
	CHECK_CONTAINS(err, "cannot read");
	CHECK(store_copy(nowhere, nowhere, NULL, NULL, err, sizeof err) < 0);
	CHECK_CONTAINS(err, "must be a SQLite file");
	CHECK(strstr(err, "hunter2") == NULL);
	CHECK(store_copy(junk, path, NULL, NULL, err, sizeof err) < 0);
	CHECK_CONTAINS(err, "must be a postgres:// or postgresql:// URL");

	/* A source older than this build is refused, untouched; so is a newer. */
	played_league(path);
	sqlite3 *db = NULL;
	char sql[128];
	CHECK_EQ(sqlite3_open(path, &db), SQLITE_OK);
	snprintf(sql, sizeof sql, "DELETE FROM schema_version WHERE version=%d", store_latest_version());
	CHECK_EQ(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	CHECK(store_copy(path, nowhere, NULL, NULL, err, sizeof err) < 0);
	CHECK_CONTAINS(err, "pinwheel migrate --db");
	snprintf(sql, sizeof sql, "INSERT INTO schema_version(version) VALUES(%d),(%d)",
		 store_latest_version(), store_latest_version() + 1);
	CHECK_EQ(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	CHECK(store_copy(path, nowhere, NULL, NULL, err, sizeof err) < 0);
	CHECK_CONTAINS(err, "newer than this build");
	/* Neither refusal changed the source. */
	sqlite3_stmt *st = NULL;
	CHECK_EQ(sqlite3_prepare_v2(db, "SELECT count(*) FROM schema_version", -1, &st, NULL), SQLITE_OK);
	CHECK_EQ(sqlite3_step(st), SQLITE_ROW);
	CHECK_EQ(sqlite3_column_int(st, 0), store_latest_version() + 1);
	sqlite3_finalize(st);
	sqlite3_close(db);
}
