/*
 * store_sqlite.c — the SQLite backend of the store (store.h; store.c picks
 * the backend and dispatches through store_sqlite_ops, at the end of this
 * file). Every SQL statement of this backend lives in this file or
 * store_migrations.c; the PostgreSQL backend's are in store_pg*.c.
 */
#include "core/league/store_internal.h"

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <errno.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include "core/sim/jsonw.h"

static int fail(pw_store_t *s, const char *what)
{
	snprintf(s->err, sizeof s->err, "%s: %s", what, sqlite3_errmsg(s->db));
	return -1;
}

static int failf(pw_store_t *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int failf(pw_store_t *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s->err, sizeof s->err, fmt, ap);
	va_end(ap);
	return -1;
}

/* A ready-to-bind cached statement for sql, or NULL with s->err set. */
static sqlite3_stmt *prep(pw_store_t *s, const char *sql)
{
	for (int i = 0; i < s->ncache; i++)
		if (s->cache[i].sql == sql) {
			sqlite3_reset(s->cache[i].st);
			sqlite3_clear_bindings(s->cache[i].st);
			return s->cache[i].st;
		}
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
		fail(s, "preparing a statement");
		return NULL;
	}
	if (s->ncache < PW_STMT_CACHE) {
		s->cache[s->ncache].sql = sql;
		s->cache[s->ncache].st = st;
		s->ncache++;
	}
	/* A full cache would leak: PW_STMT_CACHE is sized above the number of
	 * distinct queries, and tests would catch an overflow under ASan. */
	return st;
}

static char *dupstr(const unsigned char *t)
{
	if (!t)
		return NULL;
	size_t n = strlen((const char *)t);
	char *p = malloc(n + 1);
	if (p)
		memcpy(p, t, n + 1);
	return p;
}

/*
 * Makes room for element cnt of an array of cap elements of size elem,
 * doubling it when full. Returns the (maybe moved) array, or NULL after
 * freeing it when memory runs out, so a loop can stop on NULL.
 */
static void *grow(void *v, size_t *cap, size_t cnt, size_t elem)
{
	if (cnt < *cap)
		return v;
	void *nv = realloc(v, 2 * *cap * elem);
	if (!nv) {
		free(v);
		return NULL;
	}
	*cap *= 2;
	return nv;
}

/*
 * Steps a statement that yields at most one row: 1 with the row there to
 * read, 0 when there is none, -1 with the error recorded. A failed step is
 * never "not found": a caller that took it for one would, say, run a
 * stored game again or restart a round from its first stage. The caller
 * resets the statement once it has read the row.
 */
static int step_row(pw_store_t *s, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : fail(s, what);
}

/* The first column of the one row that `sql` (one int64 parameter) finds,
 * as a malloc'd string; NULL when there is no row, the value is NULL, or
 * the statement failed (then the store's error says why). */
static char *text_by_id(pw_store_t *s, const char *sql, int64_t id)
{
	sqlite3_stmt *st = prep(s, sql);
	if (!st)
		return NULL;
	sqlite3_bind_int64(st, 1, id);
	char *r = NULL;
	if (step_row(s, st, "reading a stored value") == 1)
		r = dupstr(sqlite3_column_text(st, 0));
	sqlite3_reset(st);
	return r;
}

static void copy_col(sqlite3_stmt *st, int i, char *dst, size_t len)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	snprintf(dst, len, "%s", t ? (const char *)t : "");
}

/* Binds a possibly-NULL text. */
static void bind_text(sqlite3_stmt *st, int i, const char *t)
{
	if (t)
		sqlite3_bind_text(st, i, t, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

/* Steps a statement expected to finish with DONE; resets it afterwards. */
static int exec_done(pw_store_t *s, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);
	int r = 0;
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		r = fail(s, what);
	sqlite3_reset(st);
	return r;
}

static int exec_sql(pw_store_t *s, const char *sql, const char *what)
{
	char *msg = NULL;
	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		failf(s, "%s: %s", what, msg ? msg : sqlite3_errmsg(s->db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

/*
 * Waiting for another connection's write lock. SQLite's busy_timeout
 * sleeps 1, 2, 5, 10, 15, 20, 25... ms between tries, so a vote arriving
 * during one of a tick's transactions (a few milliseconds each) waited
 * 8 ms or more for a lock free after one. This tries every 200 µs for the
 * first 50 ms, then every 2 ms: at least 15 s in all, as before.
 */
#define BUSY_FAST_TRIES 250   /* × 200 µs */
#define BUSY_SLOW_TRIES 7475  /* × 2 ms */

static int busy_wait(void *ud, int count)
{
	(void)ud;
	if (count >= BUSY_FAST_TRIES + BUSY_SLOW_TRIES)
		return 0;
	struct timespec ts = {0, count < BUSY_FAST_TRIES ? 200000 : 2000000};
	nanosleep(&ts, NULL);
	return 1;
}

/* store_housekeeping_mode's safety net, in pages of the log. */
#define SQ_CHECKPOINT_SAFETY_PAGES 10000

/* SQLite's own threshold (SQLITE_DEFAULT_WAL_AUTOCHECKPOINT), kept for
 * the checkpoints store_housekeeping is asked for. */
#define SQ_CHECKPOINT_PAGES 1000

/* The log hook of a connection that checkpoints on ask: runs after each of
 * its commits, outside the write lock, with the log's length. It replaces
 * SQLite's own hook (the one sqlite3_wal_autocheckpoint installs), keeping
 * its checkpoint only past the safety net. */
static int wal_noted(void *ud, sqlite3 *db, const char *name, int pages)
{
	pw_store_t *s = ud;
	s->wal_pages = pages;
	if (pages >= SQ_CHECKPOINT_SAFETY_PAGES &&
	    sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL) == SQLITE_OK)
		s->wal_pages = 0;
	return SQLITE_OK;
}

static int sq_housekeeping_mode(pw_store_t *s, store_housekeeping_t mode)
{
	if (mode == STORE_HOUSEKEEPING_ON_ASK) {
		sqlite3_wal_hook(s->db, wal_noted, s);
		return 0;
	}
	if (sqlite3_wal_autocheckpoint(s->db, SQ_CHECKPOINT_SAFETY_PAGES) != SQLITE_OK)
		return failf(s, "setting the checkpoint threshold: %s", sqlite3_errmsg(s->db));
	return 0;
}

static int sq_housekeeping(pw_store_t *s)
{
	if (s->wal_pages < SQ_CHECKPOINT_PAGES)
		return 0;
	/* PASSIVE: copies what no reader still needs, waits for nobody. Busy
	 * (another connection checkpointing): asked again after the next
	 * commit, which notes the log's length anew. */
	int rc = sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	if (rc == SQLITE_BUSY)
		return 0;
	if (rc != SQLITE_OK)
		return failf(s, "checkpointing the log: %s", sqlite3_errmsg(s->db));
	s->wal_pages = 0;
	return 1;
}

static void sq_close(pw_store_t *s);
static void sq_rollback(pw_store_t *s);
static int sq_migrate(pw_store_t *s, int *applied);
static int sq_schema_version(pw_store_t *s);
static pw_store_t *sq_open_viewer(const char *path, char *err, size_t errlen);

static pw_store_t *sq_open_raw(const char *path, char *err, size_t errlen)
{
	pw_store_t *s = calloc(1, sizeof *s);
	if (!s) {
		snprintf(err, errlen, "out of memory opening the database");
		return NULL;
	}
	s->ops = &store_sqlite_ops;
	snprintf(s->path, sizeof s->path, "%s", path);
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI;
	if (sqlite3_open_v2(path, &s->db, flags, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "cannot open database \"%s\": %s", path,
			 s->db ? sqlite3_errmsg(s->db) : "out of memory");
		sq_close(s);
		return NULL;
	}
	sqlite3_busy_handler(s->db, busy_wait, NULL);
	struct stat st;
	if (stat(path, &st) == 0) {
		s->ino = (uint64_t)st.st_ino;
		s->dev = (uint64_t)st.st_dev;
	}
	/* WAL lets readers (the API) run while the round runner writes;
	 * NORMAL sync is safe with WAL (a power cut may lose the last commits,
	 * never corrupt). */
	if (exec_sql(s, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
		     " PRAGMA foreign_keys=ON;", "configuring the database") < 0) {
		snprintf(err, errlen, "%s", s->err);
		sq_close(s);
		return NULL;
	}
	return s;
}

pw_store_t *store_sqlite_open(const char *path, store_open_mode_t mode, char *err, size_t errlen)
{
	if (mode == STORE_OPEN_VIEWER)
		return sq_open_viewer(path, err, errlen);
	if (mode == STORE_OPEN_RAW)
		return sq_open_raw(path, err, errlen);
	pw_store_t *s = sq_open_raw(path, err, errlen);
	if (!s)
		return NULL;
	if (sq_migrate(s, NULL) < 0) {
		snprintf(err, errlen, "%s", s->err);
		sq_close(s);
		return NULL;
	}
	return s;
}

static void sq_close(pw_store_t *s)
{
	if (!s)
		return;
	for (int i = 0; i < s->ncache; i++)
		sqlite3_finalize(s->cache[i].st);
	sqlite3_finalize(s->events_st);
	if (s->db)
		sqlite3_close(s->db);
	free(s);
}

static bool sq_ping(pw_store_t *s)
{
	if (!s || !s->db)
		return false;
	/* An open connection keeps answering from a file that was deleted or
	 * replaced underneath it, and everything written then is lost: the
	 * database counts as reachable only while the path still names the
	 * file the store opened. */
	struct stat st;
	if (s->ino && (stat(s->path, &st) < 0 || (uint64_t)st.st_ino != s->ino ||
		       (uint64_t)st.st_dev != s->dev))
		return false;
	sqlite3_stmt *q = prep(s, "SELECT count(*) FROM sqlite_master");
	if (!q)
		return false;
	bool ok = step_row(s, q, "checking the database") == 1;
	sqlite3_reset(q);
	return ok;
}

static int sq_begin(pw_store_t *s)
{
	if (s->in_tx)
		return failf(s, "a transaction is already open");
	if (exec_sql(s, "BEGIN IMMEDIATE", "starting a transaction") < 0)
		return -1;
	s->in_tx = 1;
	return 0;
}

static int sq_commit(pw_store_t *s)
{
	if (exec_sql(s, "COMMIT", "committing") < 0) {
		sq_rollback(s);
		return -1;
	}
	s->in_tx = 0;
	return 0;
}

static void sq_rollback(pw_store_t *s)
{
	for (int i = 0; i < s->ncache; i++)
		sqlite3_reset(s->cache[i].st);
	if (sqlite3_get_autocommit(s->db) == 0)
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	s->in_tx = 0;
}

static int sq_schema_version(pw_store_t *s)
{
	sqlite3_stmt *st = NULL;
	int v = 0;
	if (sqlite3_prepare_v2(s->db,
			       "SELECT name FROM sqlite_master WHERE type='table' AND name='schema_version'",
			       -1, &st, NULL) != SQLITE_OK)
		return fail(s, "reading the schema");
	int exists = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	if (!exists)
		return 0;
	if (sqlite3_prepare_v2(s->db, "SELECT COALESCE(MAX(version),0) FROM schema_version", -1,
			       &st, NULL) != SQLITE_OK)
		return fail(s, "reading the schema version");
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	else
		v = fail(s, "reading the schema version");
	sqlite3_finalize(st);
	return v;
}

static int sq_migrate(pw_store_t *s, int *applied)
{
	int n = 0;
	if (exec_sql(s, "CREATE TABLE IF NOT EXISTS schema_version(version INTEGER PRIMARY KEY,"
			" applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')))",
		     "creating schema_version") < 0)
		return -1;
	for (;;) {
		/* Re-read the version inside the write lock so two processes
		 * starting at once never apply the same step twice. */
		if (sq_begin(s) < 0)
			return -1;
		int v = sq_schema_version(s);
		if (v < 0) {
			/* Unknown version: never report an unmigrated store as ready. */
			char keep[sizeof s->err];
			snprintf(keep, sizeof keep, "%.480s", s->err);
			sq_rollback(s);
			return failf(s, "%s", keep);
		}
		if (v >= store_migrations_count) {
			sq_rollback(s);
			if (v > store_migrations_count)
				return failf(s, "the database has schema version %d, newer than this "
					     "build's %d", v, store_migrations_count);
			break;
		}
		if (exec_sql(s, store_migrations[v], "applying a migration") < 0) {
			char keep[sizeof s->err];
			snprintf(keep, sizeof keep, "migration %d failed: %.400s", v + 1, s->err);
			sq_rollback(s);
			return failf(s, "%s", keep);
		}
		sqlite3_stmt *st = NULL;
		if (sqlite3_prepare_v2(s->db, "INSERT INTO schema_version(version) VALUES(?)", -1,
				       &st, NULL) != SQLITE_OK) {
			fail(s, "recording a migration");
			sq_rollback(s);
			return -1;
		}
		sqlite3_bind_int(st, 1, v + 1);
		int rc = sqlite3_step(st);
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE) {
			fail(s, "recording a migration");
			sq_rollback(s);
			return -1;
		}
		if (sq_commit(s) < 0)
			return -1;
		n++;
	}
	if (applied)
		*applied = n;
	return 0;
}

static int sq_backup(pw_store_t *s, const char *out_path)
{
	sqlite3 *dst = NULL;
	if (sqlite3_open(out_path, &dst) != SQLITE_OK) {
		failf(s, "cannot create \"%s\": %s", out_path, dst ? sqlite3_errmsg(dst) : "out of memory");
		sqlite3_close(dst);
		return -1;
	}
	sqlite3_backup *b = sqlite3_backup_init(dst, "main", s->db, "main");
	if (!b) {
		failf(s, "cannot back up to \"%s\": %s", out_path, sqlite3_errmsg(dst));
		sqlite3_close(dst);
		return -1;
	}
	int rc;
	/* Copy in steps so writers are only paused briefly between them. */
	while ((rc = sqlite3_backup_step(b, 256)) == SQLITE_OK || rc == SQLITE_BUSY ||
	       rc == SQLITE_LOCKED)
		sqlite3_sleep(5);
	sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE) {
		failf(s, "backup to \"%s\" failed: %s", out_path, sqlite3_errstr(rc));
		sqlite3_close(dst);
		return -1;
	}
	if (sqlite3_close(dst) != SQLITE_OK)
		return failf(s, "closing the backup \"%s\" failed", out_path);
	return 0;
}

/* ---- events ----------------------------------------------------------- */

static int64_t sq_event_append(pw_store_t *s, pw_event_type_t type, const char *agg_id,
			   int64_t season_id, int64_t governor_id, int64_t team_id, int round,
			   const cJSON *payload)
{
	static const char sql[] =
		"INSERT INTO governance_events(event_type, aggregate_type, aggregate_id, season_id,"
		" governor_id, team_id, round_number, sequence_number, payload)"
		" VALUES(?,?,?,?,?,?,?,(SELECT COALESCE(MAX(sequence_number),0)+1 FROM governance_events),?)"
		" RETURNING sequence_number";
	if (!s->in_tx)
		return failf(s, "events are appended inside a transaction");
	char why[160];
	if (event_check(type, payload, why, sizeof why) < 0)
		return failf(s, "refusing an event: %s", why);
	char *text = payload ? jsonw_print(payload) : NULL;
	if (payload && !text)
		return failf(s, "out of memory printing an event");
	sqlite3_stmt *st = prep(s, sql);
	if (!st) {
		free(text);
		return -1;
	}
	/* The table's strings are static, so SQLite need not copy them. */
	sqlite3_bind_text(st, 1, event_name(type), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, event_aggregate(type), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, agg_id ? agg_id : "", -1, SQLITE_TRANSIENT);
	if (season_id) sqlite3_bind_int64(st, 4, season_id); else sqlite3_bind_null(st, 4);
	if (governor_id) sqlite3_bind_int64(st, 5, governor_id); else sqlite3_bind_null(st, 5);
	if (team_id) sqlite3_bind_int64(st, 6, team_id); else sqlite3_bind_null(st, 6);
	sqlite3_bind_int(st, 7, round);
	sqlite3_bind_text(st, 8, text ? text : "{}", -1, SQLITE_TRANSIENT);
	free(text);
	int64_t seq = -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		seq = sqlite3_column_int64(st, 0);
	else
		fail(s, "appending an event");
	sqlite3_reset(st);
	return seq;
}

static int sq_events_since(pw_store_t *s, int64_t after_seq, pw_event_cb cb, void *ud)
{
	static const char sql[] =
		"SELECT id, sequence_number, event_type, aggregate_type, aggregate_id,"
		" COALESCE(season_id,0), COALESCE(governor_id,0), COALESCE(team_id,0),"
		" round_number, payload, created_at FROM governance_events"
		" WHERE sequence_number > ? ORDER BY sequence_number";
	/* Not prep()'s cache: callbacks may append or query, and a walk must
	 * not be reset underneath itself. A walk inside a walk gets a
	 * statement of its own. */
	bool own = s->events_busy;
	sqlite3_stmt *st = own ? NULL : s->events_st;
	if (!st && sqlite3_prepare_v3(s->db, sql, -1, own ? 0 : SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK)
		return fail(s, "reading events");
	if (!own) {
		s->events_st = st;
		s->events_busy = true;
	}
	sqlite3_bind_int64(st, 1, after_seq);
	int rc, r = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		pw_event_t ev = {
			.id = sqlite3_column_int64(st, 0),
			.seq = sqlite3_column_int64(st, 1),
			.type = (const char *)sqlite3_column_text(st, 2),
			.agg_type = (const char *)sqlite3_column_text(st, 3),
			.agg_id = (const char *)sqlite3_column_text(st, 4),
			.season_id = sqlite3_column_int64(st, 5),
			.governor_id = sqlite3_column_int64(st, 6),
			.team_id = sqlite3_column_int64(st, 7),
			.round = sqlite3_column_int(st, 8),
			.payload = (const char *)sqlite3_column_text(st, 9),
			.created_at = (const char *)sqlite3_column_text(st, 10),
		};
		if ((r = cb(ud, &ev)) != 0)
			break;
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = fail(s, "reading events");
	if (own) {
		sqlite3_finalize(st);
	} else {
		sqlite3_reset(st);
		s->events_busy = false;
	}
	return r;
}

static int sq_event_latest(pw_store_t *s, pw_event_type_t type, int64_t season_id, char **payload)
{
	static const char sql[] =
		"SELECT payload FROM governance_events WHERE event_type=? AND season_id=?"
		" ORDER BY sequence_number DESC LIMIT 1";
	*payload = NULL;
	const char *name = event_name(type);
	if (!name)
		return failf(s, "reading an event of an unknown type");
	sqlite3_stmt *st = prep(s, sql);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, season_id);
	int rc = step_row(s, st, "reading an event");
	if (rc == 1 && !(*payload = dupstr(sqlite3_column_text(st, 0))))
		rc = failf(s, "out of memory reading an event");
	sqlite3_reset(st);
	return rc;
}

static int64_t scalar_i64(pw_store_t *s, const char *sql, int64_t arg, int has_arg,
			  const char *what)
{
	sqlite3_stmt *st = prep(s, sql);
	if (!st)
		return -1;
	if (has_arg)
		sqlite3_bind_int64(st, 1, arg);
	int64_t v = step_row(s, st, what);
	if (v == 1)
		v = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return v;
}

static int64_t sq_events_count(pw_store_t *s)
{
	static const char sql[] = "SELECT COUNT(*) FROM governance_events";
	return scalar_i64(s, sql, 0, 0, "counting events");
}

/* ---- leagues and seasons ------------------------------------------------ */

static int64_t sq_league_insert(pw_store_t *s, const char *name, uint64_t seed)
{
	static const char sql[] = "INSERT INTO leagues(name, seed) VALUES(?,?)";
	sqlite3_stmt *st = prep(s, sql);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, (int64_t)seed);
	if (exec_done(s, st, "creating the league") < 0)
		return -1;
	return sqlite3_last_insert_rowid(s->db);
}

static int64_t sq_league_first(pw_store_t *s, uint64_t *seed)
{
	static const char sql[] = "SELECT id, seed FROM leagues ORDER BY id LIMIT 1";
	sqlite3_stmt *st = prep(s, sql);
	if (!st)
		return -1;
	int64_t id = step_row(s, st, "reading the league");
	if (id == 1) {
		id = sqlite3_column_int64(st, 0);
		if (seed)
			*seed = (uint64_t)sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	return id;
}

static int64_t sq_season_insert(pw_store_t *s, int64_t league_id, int number, const char *name,
			    uint64_t seed, const char *rules_json, int64_t now)
{
	static const char sql[] =
		"INSERT INTO seasons(league_id, number, name, seed, rules_json, phase_started)"
		" VALUES(?,?,?,?,?,?)";
	sqlite3_stmt *st = prep(s, sql);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, league_id);
	sqlite3_bind_int(st, 2, number);
	sqlite3_bind_text(st, 3, name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 4, (int64_t)seed);
	sqlite3_bind_text(st, 5, rules_json, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 6, now);
	if (exec_done(s, st, "creating the season") < 0)
		return -1;
	return sqlite3_last_insert_rowid(s->db);
}

#define SEASON_COLS "id, league_id, number, name, phase, current_round, seed, phase_started"

static void season_row(sqlite3_stmt *st, pw_season_row_t *o)
{
	memset(o, 0, sizeof *o);
	o->id = sqlite3_column_int64(st, 0);
	o->league_id = sqlite3_column_int64(st, 1);
	o->number = sqlite3_column_int(st, 2);
	copy_col(st, 3, o->name, sizeof o->name);
	copy_col(st, 4, o->phase, sizeof o->phase);
	o->current_round = sqlite3_column_int(st, 5);
	o->seed = (uint64_t)sqlite3_column_int64(st, 6);
	o->phase_started = sqlite3_column_int64(st, 7);
}

static int season_one(pw_store_t *s, sqlite3_stmt *st, pw_season_row_t *out)
{
	int r = step_row(s, st, "reading a season");
	if (r == 1)
		season_row(st, out);
	sqlite3_reset(st);
	return r;
}

static int sq_season_get(pw_store_t *s, int64_t season_id, pw_season_row_t *out)
{
	static const char sql[] = "SELECT " SEASON_COLS " FROM seasons WHERE id=?";
	sqlite3_stmt *st = prep(s, sql);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, season_id);
	return season_one(s, st, out);
}

static int sq_season_current(pw_store_t *s, int64_t league_id, pw_season_row_t *out)
{
	static const char sql[] =
		"SELECT " SEASON_COLS " FROM seasons WHERE league_id=? ORDER BY number DESC LIMIT 1";
	sqlite3_stmt *st = prep(s, sql);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, league_id);
	return season_one(s, st, out);
}

static int sq_season_set_phase(pw_store_t *s, int64_t season_id, const char *phase, int64_t now)
{
	static const char sql[] = "UPDATE seasons SET phase=?, phase_started=? WHERE id=?";
	sqlite3_stmt *st = prep(s, sql);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, phase, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_int64(st, 3, season_id);
	return exec_done(s, st, "changing the season phase");
}

static int sq_season_set_round(pw_store_t *s, int64_t season_id, int round)
{
	static const char sql[] = "UPDATE seasons SET current_round=? WHERE id=?";
	sqlite3_stmt *st = prep(s, sql);
	if (!st)
		return -1;
	sqlite3_bind_int(st, 1, round);
	sqlite3_bind_int64(st, 2, season_id);
	return exec_done(s, st, "recording the season round");
}

static cJSON *sq_seasons_json(pw_store_t *s, int64_t league_id)
{
	static const char sql[] = "SELECT " SEASON_COLS " FROM seasons WHERE league_id=? ORDER BY number";
	sqlite3_stmt *st = prep(s, sql);
	if (!st)
		return NULL;
	sqlite3_bind_int64(st, 1, league_id);
	cJSON *arr = cJSON_CreateArray();
	while (arr && sqlite3_step(st) == SQLITE_ROW) {
		pw_season_row_t r;
		season_row(st, &r);
		cJSON_AddItemToArray(arr, store_json_season(&r));
	}
	sqlite3_reset(st);
	return arr;
}

/* ---- teams and hoopers ------------------------------------------------- */

static int sq_team_insert(pw_store_t *s, int64_t league_id, const cJSON *team)
{
	static const char tsql[] = "INSERT INTO teams(id, league_id, name, data) VALUES(?,?,?,?)";
	static const char hsql[] =
		"INSERT INTO hoopers(id, team_id, slot, name, data) VALUES(?,?,?,?,?)";
	const char *why = NULL;
	char *data = store_json_team_row(team, &why);
	if (!data)
		return failf(s, "%s", why);
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(team, "id");
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(team, "name");
	const cJSON *hoopers = cJSON_GetObjectItemCaseSensitive(team, "hoopers");
	sqlite3_stmt *st = prep(s, tsql);
	if (!st) {
		free(data);
		return -1;
	}
	sqlite3_bind_int64(st, 1, (int64_t)id->valuedouble);
	sqlite3_bind_int64(st, 2, league_id);
	sqlite3_bind_text(st, 3, name->valuestring, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, data, -1, SQLITE_TRANSIENT);
	free(data);
	if (exec_done(s, st, "storing a team") < 0)
		return -1;
	int slot = 0;
	const cJSON *h;
	cJSON_ArrayForEach(h, hoopers) {
		const cJSON *hid = cJSON_GetObjectItemCaseSensitive(h, "id");
		const cJSON *hn = cJSON_GetObjectItemCaseSensitive(h, "name");
		char *hd = cJSON_PrintUnformatted(h);
		if (!hd)
			return failf(s, "out of memory");
		st = prep(s, hsql);
		if (!st) {
			free(hd);
			return -1;
		}
		sqlite3_bind_int64(st, 1, (int64_t)hid->valuedouble);
		sqlite3_bind_int64(st, 2, (int64_t)id->valuedouble);
		sqlite3_bind_int(st, 3, slot++);
		sqlite3_bind_text(st, 4, hn->valuestring, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 5, hd, -1, SQLITE_TRANSIENT);
		free(hd);
		if (exec_done(s, st, "storing a hooper") < 0)
			return -1;
	}
	return 0;
}

static cJSON *sq_teams_json(pw_store_t *s, int64_t league_id)
{
	static const char tsql[] =
		"SELECT id, data, strategy_json, strategy_text FROM teams WHERE league_id=? ORDER BY id";
	static const char hsql[] =
		"SELECT h.team_id, h.id, h.data FROM hoopers h JOIN teams t ON t.id=h.team_id"
		" WHERE t.league_id=? ORDER BY h.team_id, h.slot";
	sqlite3_stmt *st = prep(s, tsql);
	if (!st)
		return NULL;
	sqlite3_bind_int64(st, 1, league_id);
	cJSON *arr = cJSON_CreateArray();
	int rc;
	while (arr && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		cJSON *t = store_json_team((const char *)sqlite3_column_text(st, 1),
					   (const char *)sqlite3_column_text(st, 2),
					   (const char *)sqlite3_column_text(st, 3));
		if (!t) {
			cJSON_Delete(arr);
			arr = NULL;
			failf(s, "a stored team is not valid JSON");
			break;
		}
		cJSON_AddItemToArray(arr, t);
	}
	sqlite3_reset(st);
	if (!arr)
		return NULL;
	st = prep(s, hsql);
	if (!st) {
		cJSON_Delete(arr);
		return NULL;
	}
	sqlite3_bind_int64(st, 1, league_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		store_json_place_hooper(arr, sqlite3_column_int64(st, 0),
					(const char *)sqlite3_column_text(st, 2));
	sqlite3_reset(st);
	return arr;
}

static int sq_team_set_strategy(pw_store_t *s, int64_t team_id, const cJSON *strategy, const char *text)
{
	static const char sql[] = "UPDATE teams SET strategy_json=?, strategy_text=? WHERE id=?";
	char *js = cJSON_PrintUnformatted(strategy);
	sqlite3_stmt *st = prep(s, sql);
	if (!st || !js) {
		free(js);
		return st ? failf(s, "out of memory") : -1;
	}
	sqlite3_bind_text(st, 1, js, -1, SQLITE_TRANSIENT);
	bind_text(st, 2, text);
	sqlite3_bind_int64(st, 3, team_id);
	free(js);
	return exec_done(s, st, "setting a strategy");
}

static int sq_hooper_move(pw_store_t *s, int64_t hooper_id, int64_t team_id, int slot)
{
	static const char sql[] = "UPDATE hoopers SET team_id=?, slot=? WHERE id=?";
	sqlite3_stmt *st = prep(s, sql);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, team_id);
	sqlite3_bind_int(st, 2, slot);
	sqlite3_bind_int64(st, 3, hooper_id);
	return exec_done(s, st, "moving a hooper");
}

static int sq_hooper_set_bio(pw_store_t *s, int64_t hooper_id, const char *text)
{
	static const char sql[] = "UPDATE hoopers SET data=json_set(data, '$.backstory', ?) WHERE id=?";
	sqlite3_stmt *st = prep(s, sql);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, text, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, hooper_id);
	return exec_done(s, st, "writing a hooper's bio");
}

static int sq_hooper_team(pw_store_t *s, int64_t hooper_id, int64_t *team_id, int *slot)
{
	static const char sql[] = "SELECT team_id, slot FROM hoopers WHERE id=?";
	sqlite3_stmt *st = prep(s, sql);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, hooper_id);
	int r = step_row(s, st, "reading a hooper's team");
	if (r == 1) {
		*team_id = sqlite3_column_int64(st, 0);
		*slot = sqlite3_column_int(st, 1);
	}
	sqlite3_reset(st);
	return r;
}

static int sq_team_exists(pw_store_t *s, int64_t team_id)
{
	static const char sql[] = "SELECT COUNT(*) FROM teams WHERE id=?";
	return (int)scalar_i64(s, sql, team_id, 1, "looking up a team");
}

/* ---- meta --------------------------------------------------------------- */

static char *sq_meta_get(pw_store_t *s, const char *kind, int64_t id)
{
	static const char q_team[] = "SELECT meta FROM teams WHERE id=?";
	static const char q_hooper[] = "SELECT meta FROM hoopers WHERE id=?";
	static const char q_game[] = "SELECT meta FROM game_results WHERE id=?";
	static const char q_season[] = "SELECT meta FROM seasons WHERE id=?";
	const char *sql = !strcmp(kind, "team") ? q_team : !strcmp(kind, "hooper") ? q_hooper :
			  !strcmp(kind, "game") ? q_game : !strcmp(kind, "season") ? q_season : NULL;
	if (!sql) {
		failf(s, "unknown meta kind \"%s\"", kind);
		return NULL;
	}
	return text_by_id(s, sql, id);
}

static int sq_meta_set(pw_store_t *s, const char *kind, int64_t id, const char *json)
{
	static const char q_team[] = "UPDATE teams SET meta=? WHERE id=?";
	static const char q_hooper[] = "UPDATE hoopers SET meta=? WHERE id=?";
	static const char q_game[] = "UPDATE game_results SET meta=? WHERE id=?";
	static const char q_season[] = "UPDATE seasons SET meta=? WHERE id=?";
	const char *sql = !strcmp(kind, "team") ? q_team : !strcmp(kind, "hooper") ? q_hooper :
			  !strcmp(kind, "game") ? q_game : !strcmp(kind, "season") ? q_season : NULL;
	if (!sql)
		return failf(s, "unknown meta kind \"%s\"", kind);
	sqlite3_stmt *st = prep(s, sql);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, json, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, id);
	return exec_done(s, st, "writing metadata");
}

/* ---- players ------------------------------------------------------------ */

static int64_t sq_player_insert(pw_store_t *s, const char *name, int64_t team_id,
			    const char *token_hash, int64_t now)
{
	static const char sql[] =
		"INSERT INTO players(name, team_id, token_hash, created_at) VALUES(?,?,?,?)";
	sqlite3_stmt *st = prep(s, sql);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, team_id);
	sqlite3_bind_text(st, 3, token_hash, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 4, now);
	if (exec_done(s, st, "adding a governor") < 0)
		return -1;
	return sqlite3_last_insert_rowid(s->db);
}

static int64_t sq_player_by_token_hash(pw_store_t *s, const char *token_hash)
{
	static const char sql[] = "SELECT id FROM players WHERE token_hash=?";
	sqlite3_stmt *st = prep(s, sql);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, token_hash, -1, SQLITE_TRANSIENT);
	int64_t id = step_row(s, st, "reading a governor");
	if (id == 1)
		id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return id;
}

static int sq_player_set_token_hash(pw_store_t *s, int64_t governor_id, const char *token_hash)
{
	static const char sql[] = "UPDATE players SET token_hash=? WHERE id=?";
	sqlite3_stmt *st = prep(s, sql);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, token_hash, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, governor_id);
	if (exec_done(s, st, "replacing a governor's token") < 0)
		return -1;
	return sqlite3_changes(s->db) > 0;
}

/* ---- identities, sessions, invites ---------------------------------------- */

static int64_t sq_identity_find(pw_store_t *s, const char *provider, const char *subject)
{
	static const char sql[] = "SELECT id FROM identities WHERE provider=? AND subject=?";
	sqlite3_stmt *st = prep(s, sql);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, provider, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, subject, -1, SQLITE_TRANSIENT);
	int64_t id = step_row(s, st, "reading an identity");
	if (id == 1)
		id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return id;
}

static int64_t sq_identity_insert(pw_store_t *s, const char *provider, const char *subject,
			      const char *display_name, int64_t now)
{
	static const char sql[] =
		"INSERT INTO identities(provider, subject, display_name, created_at) VALUES(?,?,?,?)";
	sqlite3_stmt *st = prep(s, sql);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, provider, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, subject, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, display_name ? display_name : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 4, now);
	if (exec_done(s, st, "adding an identity") < 0)
		return -1;
	return sqlite3_last_insert_rowid(s->db);
}

static int sq_identity_get(pw_store_t *s, int64_t id, char *provider, size_t plen, char *name, size_t nlen)
{
	static const char sql[] = "SELECT provider, display_name FROM identities WHERE id=?";
	sqlite3_stmt *st = prep(s, sql);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	int r = step_row(s, st, "reading an identity");
	if (r == 1) {
		copy_col(st, 0, provider, plen);
		copy_col(st, 1, name, nlen);
	}
	sqlite3_reset(st);
	return r;
}

static int sq_identity_link(pw_store_t *s, int64_t identity_id, int64_t season_id, int64_t governor_id,
			int64_t invite_id, int64_t now)
{
	static const char sql[] = "INSERT INTO identity_governors(identity_id, season_id, governor_id,"
				  " invite_id, created_at) VALUES(?,?,?,?,?)";
	sqlite3_stmt *st = prep(s, sql);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, identity_id);
	sqlite3_bind_int64(st, 2, season_id);
	sqlite3_bind_int64(st, 3, governor_id);
	if (invite_id > 0)
		sqlite3_bind_int64(st, 4, invite_id);
	else
		sqlite3_bind_null(st, 4);
	sqlite3_bind_int64(st, 5, now);
	return exec_done(s, st, "linking an identity to a governor");
}

static int sq_identity_governors(pw_store_t *s, int64_t identity_id, int64_t *gids, int max)
{
	static const char sql[] = "SELECT governor_id FROM identity_governors WHERE identity_id=?"
				  " ORDER BY season_id DESC, governor_id DESC";
	sqlite3_stmt *st = prep(s, sql);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, identity_id);
	int n = 0, rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (n < max)
			gids[n++] = sqlite3_column_int64(st, 0);
	if (rc != SQLITE_DONE)
		n = fail(s, "reading an identity's governors");
	sqlite3_reset(st);
	return n;
}

static int64_t sq_governor_identity(pw_store_t *s, int64_t governor_id)
{
	static const char sql[] = "SELECT identity_id FROM identity_governors WHERE governor_id=?";
	sqlite3_stmt *st = prep(s, sql);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, governor_id);
	int64_t id = step_row(s, st, "reading a governor's identity");
	if (id == 1)
		id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return id;
}

static int sq_session_insert(pw_store_t *s, const char *id_hash, const char *csrf, int64_t identity_id,
			 bool admin, int64_t now, int64_t expires_at)
{
	static const char sql[] = "INSERT INTO sessions(id_hash, csrf, identity_id, admin, created_at,"
				  " expires_at) VALUES(?,?,?,?,?,?)";
	sqlite3_stmt *st = prep(s, sql);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, id_hash, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, csrf, -1, SQLITE_TRANSIENT);
	if (identity_id > 0)
		sqlite3_bind_int64(st, 3, identity_id);
	else
		sqlite3_bind_null(st, 3);
	sqlite3_bind_int(st, 4, admin ? 1 : 0);
	sqlite3_bind_int64(st, 5, now);
	sqlite3_bind_int64(st, 6, expires_at);
	return exec_done(s, st, "adding a session");
}

static int sq_session_get(pw_store_t *s, const char *id_hash, pw_session_row_t *out)
{
	static const char sql[] =
		"SELECT csrf, identity_id, admin, created_at, expires_at FROM sessions WHERE id_hash=?";
	sqlite3_stmt *st = prep(s, sql);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, id_hash, -1, SQLITE_TRANSIENT);
	int r = step_row(s, st, "reading a session");
	if (r == 1) {
		copy_col(st, 0, out->csrf, sizeof out->csrf);
		out->identity_id = sqlite3_column_int64(st, 1);
		out->admin = sqlite3_column_int(st, 2) != 0;
		out->created_at = sqlite3_column_int64(st, 3);
		out->expires_at = sqlite3_column_int64(st, 4);
	}
	sqlite3_reset(st);
	return r;
}

static int sq_session_delete(pw_store_t *s, const char *id_hash)
{
	static const char sql[] = "DELETE FROM sessions WHERE id_hash=?";
	sqlite3_stmt *st = prep(s, sql);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, id_hash, -1, SQLITE_TRANSIENT);
	return exec_done(s, st, "ending a session");
}

static int sq_sessions_purge(pw_store_t *s, int64_t now)
{
	static const char sql[] = "DELETE FROM sessions WHERE expires_at<=?";
	sqlite3_stmt *st = prep(s, sql);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, now);
	if (exec_done(s, st, "removing expired sessions") < 0)
		return -1;
	return sqlite3_changes(s->db);
}

static int64_t sq_invite_insert(pw_store_t *s, const char *code_hash, int64_t team_id, int max_uses,
			    int64_t expires_at, const char *note, int64_t now)
{
	static const char sql[] = "INSERT INTO invites(code_hash, team_id, max_uses, expires_at, note,"
				  " created_at) VALUES(?,?,?,?,?,?)";
	sqlite3_stmt *st = prep(s, sql);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, code_hash, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, team_id);
	sqlite3_bind_int(st, 3, max_uses);
	sqlite3_bind_int64(st, 4, expires_at);
	sqlite3_bind_text(st, 5, note ? note : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 6, now);
	if (exec_done(s, st, "adding an invite") < 0)
		return -1;
	return sqlite3_last_insert_rowid(s->db);
}

#define INVITE_COLS "id, team_id, max_uses, uses, expires_at, created_at, revoked, note"

static void invite_row(sqlite3_stmt *st, pw_invite_row_t *out)
{
	out->id = sqlite3_column_int64(st, 0);
	out->team_id = sqlite3_column_int64(st, 1);
	out->max_uses = sqlite3_column_int(st, 2);
	out->uses = sqlite3_column_int(st, 3);
	out->expires_at = sqlite3_column_int64(st, 4);
	out->created_at = sqlite3_column_int64(st, 5);
	out->revoked = sqlite3_column_int(st, 6) != 0;
	copy_col(st, 7, out->note, sizeof out->note);
}

/* One invite row by a text or an integer key (sql's one parameter). */
static int invite_one(pw_store_t *s, const char *sql, const char *text, int64_t id, pw_invite_row_t *out)
{
	sqlite3_stmt *st = prep(s, sql);
	if (!st)
		return -1;
	if (text)
		sqlite3_bind_text(st, 1, text, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_int64(st, 1, id);
	int r = step_row(s, st, "reading an invite");
	if (r == 1)
		invite_row(st, out);
	sqlite3_reset(st);
	return r;
}

static int sq_invite_by_hash(pw_store_t *s, const char *code_hash, pw_invite_row_t *out)
{
	static const char sql[] = "SELECT " INVITE_COLS " FROM invites WHERE code_hash=?";
	return invite_one(s, sql, code_hash, 0, out);
}

static int sq_invite_get(pw_store_t *s, int64_t id, pw_invite_row_t *out)
{
	static const char sql[] = "SELECT " INVITE_COLS " FROM invites WHERE id=?";
	return invite_one(s, sql, NULL, id, out);
}

static int sq_invite_use(pw_store_t *s, int64_t id)
{
	static const char sql[] = "UPDATE invites SET uses=uses+1 WHERE id=?";
	sqlite3_stmt *st = prep(s, sql);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	return exec_done(s, st, "counting an invite's use");
}

static int sq_invite_revoke(pw_store_t *s, int64_t id)
{
	static const char sql[] = "UPDATE invites SET revoked=1 WHERE id=?";
	sqlite3_stmt *st = prep(s, sql);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	if (exec_done(s, st, "revoking an invite") < 0)
		return -1;
	return sqlite3_changes(s->db) > 0;
}

static cJSON *sq_invites_json(pw_store_t *s)
{
	static const char sql[] =
		"SELECT " INVITE_COLS ", (SELECT group_concat(governor_id) FROM identity_governors g"
		" WHERE g.invite_id=invites.id) FROM invites ORDER BY id DESC";
	sqlite3_stmt *st = prep(s, sql);
	if (!st)
		return NULL;
	cJSON *arr = cJSON_CreateArray();
	int rc = SQLITE_DONE;
	while (arr && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		pw_invite_row_t r;
		invite_row(st, &r);
		cJSON_AddItemToArray(arr, store_json_invite(&r, (const char *)sqlite3_column_text(st, 8)));
	}
	if (arr && rc != SQLITE_DONE) {
		cJSON_Delete(arr);
		arr = NULL;
		fail(s, "reading invites");
	}
	sqlite3_reset(st);
	return arr;
}

/* ---- schedule ------------------------------------------------------------ */

static int sq_schedule_insert(pw_store_t *s, int64_t season_id, const pw_schedule_row_t *r)
{
	static const char sql[] =
		"INSERT OR IGNORE INTO schedule(season_id, round_number, game_index, home_team_id,"
		" away_team_id, stage, series, series_game) VALUES(?,?,?,?,?,?,?,?)";
	sqlite3_stmt *st = prep(s, sql);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, season_id);
	sqlite3_bind_int(st, 2, r->round);
	sqlite3_bind_int(st, 3, r->game_index);
	sqlite3_bind_int64(st, 4, r->home_team_id);
	sqlite3_bind_int64(st, 5, r->away_team_id);
	sqlite3_bind_text(st, 6, r->stage, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 7, r->series, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 8, r->series_game);
	return exec_done(s, st, "scheduling a game");
}

static void schedule_row(sqlite3_stmt *st, pw_schedule_row_t *o)
{
	memset(o, 0, sizeof *o);
	o->round = sqlite3_column_int(st, 0);
	o->game_index = sqlite3_column_int(st, 1);
	o->home_team_id = sqlite3_column_int64(st, 2);
	o->away_team_id = sqlite3_column_int64(st, 3);
	copy_col(st, 4, o->stage, sizeof o->stage);
	copy_col(st, 5, o->series, sizeof o->series);
	o->series_game = sqlite3_column_int(st, 6);
}

static int sq_schedule_round(pw_store_t *s, int64_t season_id, int round, pw_schedule_row_t *out, int max)
{
	static const char sql[] =
		"SELECT round_number, game_index, home_team_id, away_team_id, stage, series, series_game"
		" FROM schedule WHERE season_id=? AND round_number=? ORDER BY game_index";
	sqlite3_stmt *st = prep(s, sql);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, season_id);
	sqlite3_bind_int(st, 2, round);
	int n = 0, rc = SQLITE_DONE;
	while (n < max && (rc = sqlite3_step(st)) == SQLITE_ROW)
		schedule_row(st, &out[n++]);
	/* A failed step is not "no games this round": the runner would play
	 * an empty round. */
	if (n < max && rc != SQLITE_DONE)
		n = fail(s, "reading a round of the schedule");
	sqlite3_reset(st);
	return n;
}

static int sq_schedule_max_round(pw_store_t *s, int64_t season_id, const char *stage)
{
	static const char sql_any[] =
		"SELECT COALESCE(MAX(round_number),0) FROM schedule WHERE season_id=?";
	static const char sql_stage[] =
		"SELECT COALESCE(MAX(round_number),0) FROM schedule WHERE season_id=? AND stage=?";
	sqlite3_stmt *st = prep(s, stage ? sql_stage : sql_any);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, season_id);
	if (stage)
		sqlite3_bind_text(st, 2, stage, -1, SQLITE_TRANSIENT);
	int v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : fail(s, "reading the schedule");
	sqlite3_reset(st);
	return v;
}

static int sq_season_team_names(pw_store_t *s, int64_t season_id, bool whole_league, pw_team_name_t *out,
			    int max)
{
	static const char sql[] =
		"SELECT t.id, t.name FROM teams t"
		" WHERE t.league_id=(SELECT league_id FROM seasons WHERE id=?1)"
		" AND (?2 OR NOT EXISTS(SELECT 1 FROM schedule WHERE season_id=?1 AND stage='regular')"
		"  OR t.id IN (SELECT home_team_id FROM schedule WHERE season_id=?1 AND stage='regular'"
		"   UNION SELECT away_team_id FROM schedule WHERE season_id=?1 AND stage='regular'))"
		" ORDER BY t.id";
	sqlite3_stmt *st = prep(s, sql);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, season_id);
	sqlite3_bind_int(st, 2, whole_league);
	int n = 0, rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == max) {
			sqlite3_reset(st);
			return failf(s, "season %lld has more than %d teams", (long long)season_id, max);
		}
		out[n].id = sqlite3_column_int64(st, 0);
		copy_col(st, 1, out[n].name, sizeof out[n].name);
		n++;
	}
	if (rc != SQLITE_DONE)
		n = fail(s, "reading a season's teams");
	sqlite3_reset(st);
	return n;
}

static int sq_season_team_ids(pw_store_t *s, int64_t season_id, int64_t *ids, int max)
{
	/* Each team with a regular game: the search stops at a team's first
	 * game, in the season's first rounds. (A UNION of both sides read and
	 * sorted every game twice: 3 times the instructions, on every tick.) */
	static const char sql[] =
		"SELECT t.id FROM teams t WHERE EXISTS (SELECT 1 FROM schedule g WHERE g.season_id=?"
		" AND g.stage='regular' AND (g.home_team_id=t.id OR g.away_team_id=t.id)) ORDER BY t.id";
	sqlite3_stmt *st = prep(s, sql);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, season_id);
	int n = 0, rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == max) {
			sqlite3_reset(st);
			return failf(s, "season %lld has more than %d teams", (long long)season_id, max);
		}
		ids[n++] = sqlite3_column_int64(st, 0);
	}
	if (rc != SQLITE_DONE)
		n = fail(s, "reading a season's teams");
	sqlite3_reset(st);
	return n;
}

static cJSON *sq_schedule_json(pw_store_t *s, int64_t season_id)
{
	static const char sql[] =
		"SELECT s.round_number, s.game_index, s.home_team_id, s.away_team_id, s.stage, s.series,"
		" s.series_game, g.id, g.home_score, g.away_score, g.winner_team_id"
		" FROM schedule s LEFT JOIN game_results g ON g.season_id=s.season_id"
		" AND g.round_number=s.round_number AND g.game_index=s.game_index"
		" WHERE s.season_id=? ORDER BY s.round_number, s.game_index";
	sqlite3_stmt *st = prep(s, sql);
	if (!st)
		return NULL;
	sqlite3_bind_int64(st, 1, season_id);
	cJSON *arr = cJSON_CreateArray();
	while (arr && sqlite3_step(st) == SQLITE_ROW) {
		pw_schedule_row_t r;
		schedule_row(st, &r);
		store_json_result_t g = {sqlite3_column_int64(st, 7), sqlite3_column_int64(st, 10),
					 sqlite3_column_int(st, 8), sqlite3_column_int(st, 9)};
		bool played = sqlite3_column_type(st, 7) != SQLITE_NULL;
		cJSON_AddItemToArray(arr, store_json_schedule(&r, played ? &g : NULL));
	}
	sqlite3_reset(st);
	return arr;
}

/* ---- games -------------------------------------------------------------- */

static int64_t sq_game_insert(pw_store_t *s, const pw_game_row_t *g, const char *rules_json,
			  const char *effects_json, const char *home_json, const char *away_json,
			  const char *result_json)
{
	static const char sql[] =
		"INSERT INTO game_results(season_id, round_number, game_index, stage, series,"
		" series_game, home_team_id, away_team_id, home_score, away_score, winner_team_id,"
		" seed, rules_json, effect_ids, home_json, away_json, hash, result_json, presented, derived)"
		" VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
		" ON CONFLICT(season_id, round_number, game_index) DO NOTHING";
	static const char qid[] =
		"SELECT id FROM game_results WHERE season_id=? AND round_number=? AND game_index=?";
	sqlite3_stmt *st = prep(s, sql);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, g->season_id);
	sqlite3_bind_int(st, 2, g->round);
	sqlite3_bind_int(st, 3, g->game_index);
	sqlite3_bind_text(st, 4, g->stage, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, g->series, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 6, g->series_game);
	sqlite3_bind_int64(st, 7, g->home_team_id);
	sqlite3_bind_int64(st, 8, g->away_team_id);
	sqlite3_bind_int(st, 9, g->home_score);
	sqlite3_bind_int(st, 10, g->away_score);
	sqlite3_bind_int64(st, 11, g->winner_team_id);
	sqlite3_bind_int64(st, 12, (int64_t)g->seed);
	/* STATIC: every text outlives the step below, and a copy of each was
	 * most of what storing a game cost */
	sqlite3_bind_text(st, 13, rules_json, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 14, effects_json ? effects_json : "[]", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 15, home_json, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 16, away_json, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 17, g->hash, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 18, g->derived || !result_json ? "" : result_json, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 19, g->unpresented ? 0 : 1);
	sqlite3_bind_int(st, 20, g->derived ? 1 : 0);
	int rc = exec_done(s, st, "storing a game");
	sqlite3_clear_bindings(st);
	if (rc < 0)
		return -1;
	st = prep(s, qid);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, g->season_id);
	sqlite3_bind_int(st, 2, g->round);
	sqlite3_bind_int(st, 3, g->game_index);
	int64_t id = -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	else
		fail(s, "reading a stored game's id");
	sqlite3_reset(st);
	return id;
}

static int sq_boxes_insert(pw_store_t *s, int64_t game_id, const pw_box_t *boxes, int n)
{
	static const char sql[] =
		"INSERT OR IGNORE INTO box_scores(game_id, hooper_id, team_id, seconds, points, fgm, fga,"
		" tpm, tpa, ftm, fta, rebounds, assists, steals, turnovers, fouls, plus_minus)"
		" VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
	if (store_boxes_check(s, n) < 0)
		return -1;
	for (int k = 0; k < n; k++) {
		const pw_box_t *b = &boxes[k];
		if (!b->hooper_id)
			continue;
		sqlite3_stmt *st = prep(s, sql);
		if (!st)
			return -1;
		const int v[] = {b->points, b->fgm, b->fga, b->tpm, b->tpa, b->ftm, b->fta, b->rebounds,
				 b->assists, b->steals, b->turnovers, b->fouls, b->plus_minus};
		sqlite3_bind_int64(st, 1, game_id);
		sqlite3_bind_int64(st, 2, b->hooper_id);
		sqlite3_bind_int64(st, 3, b->team_id);
		sqlite3_bind_double(st, 4, store_box_seconds(b));
		for (int i = 0; i < (int)(sizeof v / sizeof v[0]); i++)
			sqlite3_bind_int64(st, i + 5, v[i]);
		if (exec_done(s, st, "storing a box score") < 0)
			return -1;
	}
	return 0;
}

#define GAME_COLS "id, season_id, round_number, game_index, stage, series, series_game," \
	" home_team_id, away_team_id, home_score, away_score, winner_team_id, seed, hash, presented, derived"

static void game_row(sqlite3_stmt *st, pw_game_row_t *o)
{
	memset(o, 0, sizeof *o);
	o->id = sqlite3_column_int64(st, 0);
	o->season_id = sqlite3_column_int64(st, 1);
	o->round = sqlite3_column_int(st, 2);
	o->game_index = sqlite3_column_int(st, 3);
	copy_col(st, 4, o->stage, sizeof o->stage);
	copy_col(st, 5, o->series, sizeof o->series);
	o->series_game = sqlite3_column_int(st, 6);
	o->home_team_id = sqlite3_column_int64(st, 7);
	o->away_team_id = sqlite3_column_int64(st, 8);
	o->home_score = sqlite3_column_int(st, 9);
	o->away_score = sqlite3_column_int(st, 10);
	o->winner_team_id = sqlite3_column_int64(st, 11);
	o->seed = (uint64_t)sqlite3_column_int64(st, 12);
	copy_col(st, 13, o->hash, sizeof o->hash);
	o->unpresented = sqlite3_column_int(st, 14) == 0;
	o->derived = sqlite3_column_int(st, 15) != 0;
}

/* The game rows a bound statement yields (malloc'd, *n set); NULL when
 * memory runs out. Resets st. */
static pw_game_row_t *game_rows(pw_store_t *s, sqlite3_stmt *st, int *n)
{
	size_t cap = 16, cnt = 0;
	pw_game_row_t *v = malloc(cap * sizeof *v);
	while (v && sqlite3_step(st) == SQLITE_ROW && (v = grow(v, &cap, cnt, sizeof *v)))
		game_row(st, &v[cnt++]);
	sqlite3_reset(st);
	if (!v) {
		failf(s, "out of memory listing games");
		return NULL;
	}
	*n = (int)cnt;
	return v;
}

static pw_game_row_t *sq_games(pw_store_t *s, int64_t season_id, int round, int *n)
{
	static const char sql[] = "SELECT " GAME_COLS " FROM game_results WHERE season_id=?"
				  " AND (?=0 OR round_number=?) ORDER BY round_number, game_index";
	*n = 0;
	sqlite3_stmt *st = prep(s, sql);
	if (!st)
		return NULL;
	sqlite3_bind_int64(st, 1, season_id);
	sqlite3_bind_int(st, 2, round);
	sqlite3_bind_int(st, 3, round);
	return game_rows(s, st, n);
}

static int sq_game_count(pw_store_t *s, int64_t season_id)
{
	static const char sql[] = "SELECT COUNT(*) FROM game_results WHERE season_id=?";
	return (int)scalar_i64(s, sql, season_id, 1, "counting games");
}

static int sq_games_last_round(pw_store_t *s, int64_t season_id)
{
	static const char sql[] = "SELECT COALESCE(MAX(round_number),0) FROM game_results WHERE season_id=?";
	return (int)scalar_i64(s, sql, season_id, 1, "reading the last round with games");
}

static int sq_game_exists(pw_store_t *s, int64_t season_id, int round, int game_index)
{
	static const char sql[] = "SELECT COUNT(*) FROM game_results WHERE season_id=?"
				  " AND round_number=? AND game_index=?";
	sqlite3_stmt *st = prep(s, sql);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, season_id);
	sqlite3_bind_int(st, 2, round);
	sqlite3_bind_int(st, 3, game_index);
	int r = step_row(s, st, "reading a stored game");
	if (r == 1)
		r = sqlite3_column_int(st, 0) > 0;
	sqlite3_reset(st);
	return r;
}

static int sq_game_get(pw_store_t *s, int64_t game_id, pw_game_row_t *out)
{
	static const char sql[] = "SELECT " GAME_COLS " FROM game_results WHERE id=?";
	sqlite3_stmt *st = prep(s, sql);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, game_id);
	int r = step_row(s, st, "reading a game");
	if (r == 1)
		game_row(st, out);
	sqlite3_reset(st);
	return r;
}

static int sq_game_snapshots(pw_store_t *s, int64_t game_id, char **rules, char **effects,
			 char **home, char **away, char **result)
{
	static const char sql[] = "SELECT rules_json, effect_ids, home_json, away_json, result_json"
				  " FROM game_results WHERE id=?";
	sqlite3_stmt *st = prep(s, sql);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, game_id);
	int r = step_row(s, st, "reading a game's snapshots");
	if (r == 1) {
		if (rules) *rules = dupstr(sqlite3_column_text(st, 0));
		if (effects) *effects = dupstr(sqlite3_column_text(st, 1));
		if (home) *home = dupstr(sqlite3_column_text(st, 2));
		if (away) *away = dupstr(sqlite3_column_text(st, 3));
		if (result) *result = dupstr(sqlite3_column_text(st, 4));
	}
	sqlite3_reset(st);
	return r;
}

static int64_t *sq_all_game_ids(pw_store_t *s, int *n)
{
	static const char sql[] = "SELECT id FROM game_results ORDER BY id";
	*n = 0;
	sqlite3_stmt *st = prep(s, sql);
	if (!st)
		return NULL;
	size_t cap = 64, cnt = 0;
	int64_t *v = malloc(cap * sizeof *v);
	while (v && sqlite3_step(st) == SQLITE_ROW && (v = grow(v, &cap, cnt, sizeof *v)))
		v[cnt++] = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (!v) {
		failf(s, "out of memory listing game ids");
		return NULL;
	}
	*n = (int)cnt;
	return v;
}

static cJSON *sq_season_box_json(pw_store_t *s, int64_t season_id)
{
	static const char sql[] =
		"SELECT b.game_id, g.stage, b.hooper_id, b.team_id, b.points, b.fgm, b.fga, b.tpm,"
		" b.tpa, b.ftm, b.fta, b.rebounds, b.assists, b.steals, b.turnovers, b.fouls"
		" FROM box_scores b JOIN game_results g ON g.id=b.game_id WHERE g.season_id=?"
		" ORDER BY b.game_id, b.hooper_id";
	static const char *const f[] = {"game_id", "stage", "hooper_id", "team_id", "points", "fgm",
					 "fga", "tpm", "tpa", "ftm", "fta", "rebounds", "assists",
					 "steals", "turnovers", "fouls"};
	sqlite3_stmt *st = prep(s, sql);
	if (!st)
		return NULL;
	sqlite3_bind_int64(st, 1, season_id);
	cJSON *arr = cJSON_CreateArray();
	while (arr && sqlite3_step(st) == SQLITE_ROW) {
		cJSON *o = cJSON_CreateObject();
		for (int i = 0; i < 16; i++) {
			if (i == 1)
				cJSON_AddStringToObject(o, f[i], (const char *)sqlite3_column_text(st, i));
			else
				cJSON_AddNumberToObject(o, f[i], (double)sqlite3_column_int64(st, i));
		}
		cJSON_AddItemToArray(arr, o);
	}
	sqlite3_reset(st);
	return arr;
}

/* ---- what viewers may see ------------------------------------------------- */

static int sq_game_set_presented(pw_store_t *s, int64_t game_id)
{
	static const char sql[] = "UPDATE main.game_results SET presented=1 WHERE id=? AND presented=0";
	sqlite3_stmt *st = prep(s, sql);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, game_id);
	return exec_done(s, st, "marking a game presented");
}

static pw_game_row_t *sq_games_unpresented(pw_store_t *s, int *n)
{
	static const char sql[] = "SELECT " GAME_COLS " FROM main.game_results WHERE presented=0"
				  " ORDER BY season_id, round_number, game_index";
	*n = 0;
	sqlite3_stmt *st = prep(s, sql);
	pw_game_row_t *v = st ? game_rows(s, st, n) : NULL;
	if (v && *n == 0) {
		free(v);
		v = NULL;
	}
	return v;
}

/*
 * The viewers' views (see store_open_viewer): temporary views named like
 * the tables they filter, so every statement of this file reads them
 * unchanged on the viewers' connection (SQLite resolves an unqualified
 * name in temp before main). "Hidden" below means: of a season that has
 * an unpresented game in this round or an earlier one — a tick's reports,
 * events and archive appear with its games.
 */
static const char viewer_views[] =
	"CREATE TEMP VIEW game_results AS SELECT * FROM main.game_results WHERE presented=1;"
	"CREATE TEMP VIEW reports AS SELECT * FROM main.reports r WHERE NOT EXISTS("
	"  SELECT 1 FROM main.game_results g WHERE g.presented=0 AND g.season_id=r.season_id"
	"  AND g.round_number<=r.round_number);"
	"CREATE TEMP VIEW governance_events AS SELECT * FROM main.governance_events e WHERE NOT EXISTS("
	"  SELECT 1 FROM main.game_results g WHERE g.presented=0 AND g.season_id=e.season_id"
	"  AND g.round_number<=e.round_number);"
	"CREATE TEMP VIEW season_archives AS SELECT * FROM main.season_archives a WHERE NOT EXISTS("
	"  SELECT 1 FROM main.game_results g WHERE g.presented=0 AND g.season_id=a.season_id);"
	"CREATE TEMP VIEW seasons AS SELECT s.id, s.league_id, s.number, s.name,"
	"  COALESCE((SELECT CASE g.stage WHEN 'regular' THEN 'active' ELSE 'playoffs' END"
	"    FROM main.game_results g WHERE g.presented=0 AND g.season_id=s.id"
	"    ORDER BY g.round_number LIMIT 1), s.phase) AS phase,"
	"  COALESCE((SELECT MIN(g.round_number)-1 FROM main.game_results g"
	"    WHERE g.presented=0 AND g.season_id=s.id), s.current_round) AS current_round,"
	"  s.seed, s.rules_json, s.phase_started, s.meta, s.created_at FROM main.seasons s;"
	/* After the views: nothing is written through this connection. */
	"PRAGMA query_only=1;";

static pw_store_t *sq_open_viewer(const char *path, char *err, size_t errlen)
{
	pw_store_t *s = sq_open_raw(path, err, errlen);
	if (!s)
		return NULL;
	int v = sq_schema_version(s);
	if (v != store_migrations_count) {
		snprintf(err, errlen, "the database \"%s\" is at schema version %d, not %d: migrate it first",
			 path, v, store_migrations_count);
		sq_close(s);
		return NULL;
	}
	if (exec_sql(s, viewer_views, "preparing the viewers' connection") < 0) {
		snprintf(err, errlen, "%s", s->err);
		sq_close(s);
		return NULL;
	}
	return s;
}

/* ---- round progress -------------------------------------------------------- */

static int sq_progress_get(pw_store_t *s, int64_t season_id, int round, int *stage, char **snapshot)
{
	static const char sql[] =
		"SELECT stage, snapshot FROM round_progress WHERE season_id=? AND round_number=?";
	sqlite3_stmt *st = prep(s, sql);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, season_id);
	sqlite3_bind_int(st, 2, round);
	int r = step_row(s, st, "reading a round's progress");
	if (r == 1) {
		*stage = sqlite3_column_int(st, 0);
		if (snapshot)
			*snapshot = dupstr(sqlite3_column_text(st, 1));
	}
	sqlite3_reset(st);
	return r;
}

static int sq_progress_set(pw_store_t *s, int64_t season_id, int round, int stage, const char *snapshot)
{
	static const char sql[] =
		"INSERT INTO round_progress(season_id, round_number, stage, snapshot) VALUES(?,?,?,?)"
		" ON CONFLICT(season_id, round_number) DO UPDATE SET stage=excluded.stage,"
		" snapshot=COALESCE(excluded.snapshot, round_progress.snapshot),"
		" updated_at=strftime('%Y-%m-%dT%H:%M:%SZ','now')";
	sqlite3_stmt *st = prep(s, sql);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, season_id);
	sqlite3_bind_int(st, 2, round);
	sqlite3_bind_int(st, 3, stage);
	bind_text(st, 4, snapshot);
	return exec_done(s, st, "recording round progress");
}

/* ---- bot_state ------------------------------------------------------------ */

static char *sq_kv_get(pw_store_t *s, const char *key)
{
	static const char sql[] = "SELECT value FROM bot_state WHERE key=?";
	sqlite3_stmt *st = prep(s, sql);
	if (!st)
		return NULL;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
	char *r = NULL;
	if (step_row(s, st, "reading a setting") == 1)
		r = dupstr(sqlite3_column_text(st, 0));
	sqlite3_reset(st);
	return r;
}

static int sq_kv_set(pw_store_t *s, const char *key, const char *value)
{
	static const char sql[] =
		"INSERT INTO bot_state(key, value) VALUES(?,?) ON CONFLICT(key) DO UPDATE SET"
		" value=excluded.value, updated_at=strftime('%Y-%m-%dT%H:%M:%SZ','now')";
	sqlite3_stmt *st = prep(s, sql);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_TRANSIENT);
	return exec_done(s, st, "writing bot state");
}

static int sq_kv_delete(pw_store_t *s, const char *key)
{
	static const char sql[] = "DELETE FROM bot_state WHERE key=?";
	sqlite3_stmt *st = prep(s, sql);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
	return exec_done(s, st, "deleting bot state");
}

/* The claim is one INSERT ... ON CONFLICT DO NOTHING: of two writers
 * inserting the same key, one inserts and the other changes nothing. Its
 * time is kept as 20 digits, so that times compare as text (no cast of the
 * other keys' values, whatever order the database tests the conditions). */
static int sq_once(pw_store_t *s, const char *key, int64_t now, int64_t keep_s)
{
	char before[24], at[24];
	snprintf(before, sizeof before, "%020lld", (long long)(now - keep_s));
	snprintf(at, sizeof at, "%020lld", (long long)now);
	static const char forget[] = "DELETE FROM bot_state WHERE key LIKE 'once.%' AND value < ?";
	static const char claim[] =
		"INSERT INTO bot_state(key, value) VALUES('once.' || ?, ?) ON CONFLICT(key) DO NOTHING";
	sqlite3_stmt *st = prep(s, forget);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, before, -1, SQLITE_TRANSIENT);
	if (exec_done(s, st, "forgetting old claims") < 0)
		return -1;
	if (!(st = prep(s, claim)))
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, at, -1, SQLITE_TRANSIENT);
	if (exec_done(s, st, "claiming once") < 0)
		return -1;
	return sqlite3_changes(s->db) > 0;
}

/* ---- the tick lock (store.h) ----------------------------------------------
 * One machine holds a SQLite file, so the lease row alone is the lock,
 * read and written under BEGIN IMMEDIATE (one writer at a time): free when
 * absent, expired, or held by a process no longer running here (what a
 * PostgreSQL session ending does for a killed holder). */

/* The lease row: 1 read, 0 none, -1 failure. */
static int sq_lease_read(pw_store_t *s, store_lease_t *l)
{
	static const char sql[] = "SELECT value FROM bot_state WHERE key=?";
	sqlite3_stmt *st = prep(s, sql);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, STORE_TICK_LOCK_KEY, -1, SQLITE_STATIC);
	int r = step_row(s, st, "reading the tick lock");
	if (r == 1)
		r = store_json_lease_parse((const char *)sqlite3_column_text(st, 0), l);
	sqlite3_reset(st);
	return r;
}

/* When process pid started (field 22 of /proc/<pid>/stat: clock ticks
 * since boot); 0 when it cannot be read (no /proc, no such process). */
static int64_t sq_proc_since(int64_t pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof path, "/proc/%lld/stat", (long long)pid);
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
	if (f)
		fclose(f);
	buf[n] = '\0';
	/* The command name (field 2) may hold spaces: count from its ')'. */
	const char *p = strrchr(buf, ')');
	for (int field = 2; p && field < 22; field++)
		p = strchr(p + 1, ' ');
	return p ? strtoll(p + 1, NULL, 10) : 0;
}

static int sq_lease_write(pw_store_t *s, const char *holder, int lease_s)
{
	store_lease_t l = {.pid = (int64_t)getpid(), .expires = (int64_t)time(NULL) + lease_s,
			   .since = sq_proc_since((int64_t)getpid())};
	snprintf(l.holder, sizeof l.holder, "%s", holder);
	char *text = store_json_lease(&l);
	int rc = text ? sq_kv_set(s, STORE_TICK_LOCK_KEY, text) : failf(s, "out of memory");
	free(text);
	return rc;
}

/* Whether the process that wrote a lease still runs on this machine: its
 * pid is running, and (when both are known) started when the writer did —
 * else the pid was given to a new process since. */
static bool sq_lease_alive(const store_lease_t *l)
{
	if (l->pid <= 0)
		return true;
	if (l->pid != (int64_t)getpid() && kill((pid_t)l->pid, 0) < 0 && errno == ESRCH)
		return false;
	int64_t since = l->since ? sq_proc_since(l->pid) : 0;
	return !since || since == l->since;
}

static int sq_tick_lock_take(pw_store_t *s, const char *holder, int lease_s, char *who, size_t wholen)
{
	if (sq_begin(s) < 0)
		return -1;
	store_lease_t l;
	int got = sq_lease_read(s, &l);
	if (got == 1 && strcmp(l.holder, holder) && l.expires > (int64_t)time(NULL) && sq_lease_alive(&l)) {
		sq_rollback(s);
		if (who)
			snprintf(who, wholen, "%s", l.holder);
		return 0;
	}
	if (got < 0 || sq_lease_write(s, holder, lease_s) < 0 || sq_commit(s) < 0) {
		sq_rollback(s);
		return -1;
	}
	return 1;
}

static int sq_tick_lock_renew(pw_store_t *s, const char *holder, int lease_s)
{
	if (sq_begin(s) < 0)
		return -1;
	store_lease_t l;
	int got = sq_lease_read(s, &l);
	if (got == 1 && !strcmp(l.holder, holder)) {
		if (sq_lease_write(s, holder, lease_s) < 0 || sq_commit(s) < 0) {
			sq_rollback(s);
			return -1;
		}
		return 1;
	}
	sq_rollback(s);
	return got < 0 ? -1 : 0;
}

static int sq_tick_lock_release(pw_store_t *s, const char *holder)
{
	if (sq_begin(s) < 0)
		return -1;
	store_lease_t l;
	int got = sq_lease_read(s, &l);
	if (got == 1 && !strcmp(l.holder, holder) && sq_kv_delete(s, STORE_TICK_LOCK_KEY) < 0)
		got = -1;
	if (got < 0 || sq_commit(s) < 0) {
		sq_rollback(s);
		return -1;
	}
	return 0;
}

static int sq_tick_lock_holder(pw_store_t *s, char *holder, size_t cap, int64_t *expires_in)
{
	store_lease_t l;
	int got = sq_lease_read(s, &l);
	if (got == 1 && !sq_lease_alive(&l))
		l.expires = 0; /* its process is gone: as good as expired */
	if (got == 1 && holder)
		snprintf(holder, cap, "%s", l.holder);
	if (got == 1 && expires_in)
		*expires_in = l.expires - (int64_t)time(NULL);
	return got;
}

/* ---- reports, evals, archives, ai usage ------------------------------------ */

static int64_t sq_report_insert(pw_store_t *s, int64_t season_id, int round, const char *kind,
			    int64_t governor_id, int64_t game_id, const char *text)
{
	static const char sql[] =
		"INSERT INTO reports(season_id, round_number, kind, governor_id, game_id, text)"
		" VALUES(?,?,?,?,?,?) ON CONFLICT DO NOTHING";
	static const char qid[] = "SELECT id FROM reports WHERE season_id=? AND round_number=?"
				  " AND kind=? AND governor_id=? AND game_id=?";
	for (int pass = 0; pass < 2; pass++) {
		sqlite3_stmt *st = prep(s, pass ? qid : sql);
		if (!st)
			return -1;
		sqlite3_bind_int64(st, 1, season_id);
		sqlite3_bind_int(st, 2, round);
		sqlite3_bind_text(st, 3, kind, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 4, governor_id);
		sqlite3_bind_int64(st, 5, game_id);
		if (!pass) {
			sqlite3_bind_text(st, 6, text, -1, SQLITE_TRANSIENT);
			if (exec_done(s, st, "storing a report") < 0)
				return -1;
		} else {
			int64_t id = -1;
			if (sqlite3_step(st) == SQLITE_ROW)
				id = sqlite3_column_int64(st, 0);
			else
				fail(s, "reading a report id");
			sqlite3_reset(st);
			return id;
		}
	}
	return -1;
}

static cJSON *sq_reports_json(pw_store_t *s, int64_t season_id, int round, int64_t governor_id,
			  bool private_only)
{
	static const char qlatest[] =
		"SELECT COALESCE(MAX(round_number),0) FROM reports WHERE season_id=?";
	/* The AI's version of a report, once written and passed, is the text. */
	static const char sql[] =
		"SELECT r.id, r.round_number, r.kind, r.governor_id, r.game_id, COALESCE(a.text, r.text),"
		" r.created_at, a.model FROM reports r LEFT JOIN main.ai_reports a ON a.report_id = r.id"
		" WHERE r.season_id=? AND (?<0 OR r.round_number=?) AND ((?=1 AND r.kind='private' AND"
		" r.governor_id=?) OR (?=0 AND r.kind<>'private')) ORDER BY r.round_number, r.id";
	if (round < 0 && !private_only) {
		int64_t r = scalar_i64(s, qlatest, season_id, 1, "finding the latest report");
		if (r < 0)
			return NULL;
		round = (int)r;
	}
	sqlite3_stmt *st = prep(s, sql);
	if (!st)
		return NULL;
	sqlite3_bind_int64(st, 1, season_id);
	sqlite3_bind_int(st, 2, round);
	sqlite3_bind_int(st, 3, round);
	sqlite3_bind_int(st, 4, private_only ? 1 : 0);
	sqlite3_bind_int64(st, 5, governor_id);
	sqlite3_bind_int(st, 6, private_only ? 1 : 0);
	cJSON *arr = cJSON_CreateArray();
	while (arr && sqlite3_step(st) == SQLITE_ROW) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "id", (double)sqlite3_column_int64(st, 0));
		cJSON_AddNumberToObject(o, "round", sqlite3_column_int(st, 1));
		cJSON_AddStringToObject(o, "kind", (const char *)sqlite3_column_text(st, 2));
		if (sqlite3_column_int64(st, 3))
			cJSON_AddNumberToObject(o, "governor_id", (double)sqlite3_column_int64(st, 3));
		if (sqlite3_column_int64(st, 4))
			cJSON_AddNumberToObject(o, "game_id", (double)sqlite3_column_int64(st, 4));
		cJSON_AddStringToObject(o, "text", (const char *)sqlite3_column_text(st, 5));
		cJSON_AddStringToObject(o, "created_at", (const char *)sqlite3_column_text(st, 6));
		cJSON_AddStringToObject(o, "written_by", sqlite3_column_type(st, 7) == SQLITE_NULL ? "offline" : "ai");
		if (sqlite3_column_type(st, 7) != SQLITE_NULL)
			cJSON_AddStringToObject(o, "model", (const char *)sqlite3_column_text(st, 7));
		cJSON_AddItemToArray(arr, o);
	}
	sqlite3_reset(st);
	return arr;
}

static int sq_report_ai_set(pw_store_t *s, int64_t report_id, const char *text, const char *model)
{
	static const char sql[] = "INSERT OR IGNORE INTO ai_reports(report_id, text, model) VALUES(?,?,?)";
	sqlite3_stmt *st = prep(s, sql);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, report_id);
	sqlite3_bind_text(st, 2, text, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, model, -1, SQLITE_TRANSIENT);
	return exec_done(s, st, "storing an AI report");
}

static cJSON *sq_evals_json(pw_store_t *s, int64_t season_id, int rounds)
{
	static const char sql[] =
		"SELECT round_number, kind, SUM(value), COUNT(*) FROM eval_results WHERE season_id=? AND"
		" round_number > (SELECT COALESCE(MAX(round_number),0) FROM eval_results WHERE season_id=?) - ?"
		" GROUP BY round_number, kind ORDER BY round_number DESC, kind";
	sqlite3_stmt *st = prep(s, sql);
	if (!st)
		return NULL;
	sqlite3_bind_int64(st, 1, season_id);
	sqlite3_bind_int64(st, 2, season_id);
	sqlite3_bind_int(st, 3, rounds);
	cJSON *arr = cJSON_CreateArray();
	while (arr && sqlite3_step(st) == SQLITE_ROW) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "round", sqlite3_column_int(st, 0));
		cJSON_AddStringToObject(o, "kind", (const char *)sqlite3_column_text(st, 1));
		cJSON_AddNumberToObject(o, "value", sqlite3_column_double(st, 2));
		cJSON_AddNumberToObject(o, "reports", sqlite3_column_int(st, 3));
		cJSON_AddItemToArray(arr, o);
	}
	sqlite3_reset(st);
	return arr;
}

static int sq_eval_insert(pw_store_t *s, int64_t season_id, int round, int64_t report_id,
		      const char *kind, double value)
{
	static const char sql[] =
		"INSERT OR IGNORE INTO eval_results(season_id, round_number, report_id, kind, value)"
		" VALUES(?,?,?,?,?)";
	sqlite3_stmt *st = prep(s, sql);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, season_id);
	sqlite3_bind_int(st, 2, round);
	sqlite3_bind_int64(st, 3, report_id);
	sqlite3_bind_text(st, 4, kind, -1, SQLITE_TRANSIENT);
	sqlite3_bind_double(st, 5, value);
	return exec_done(s, st, "storing an eval");
}

static int sq_eval_sum(pw_store_t *s, const char *kind, double *sum, int *count)
{
	static const char sql[] =
		"SELECT COALESCE(SUM(value),0), COUNT(*) FROM eval_results WHERE kind=?";
	sqlite3_stmt *st = prep(s, sql);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_TRANSIENT);
	/* an aggregate always has its row: none is a failure, said as one */
	int r = step_row(s, st, "summing evals") == 1 ? 0 : -1;
	if (r == 0) {
		*sum = sqlite3_column_double(st, 0);
		*count = sqlite3_column_int(st, 1);
	}
	sqlite3_reset(st);
	return r;
}

static int sq_archive_insert(pw_store_t *s, int64_t season_id, const char *json)
{
	static const char sql[] =
		"INSERT OR IGNORE INTO season_archives(season_id, json) VALUES(?,?)";
	sqlite3_stmt *st = prep(s, sql);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, season_id);
	sqlite3_bind_text(st, 2, json, -1, SQLITE_TRANSIENT);
	return exec_done(s, st, "archiving the season");
}

static char *sq_archive_get(pw_store_t *s, int64_t season_id)
{
	static const char sql[] = "SELECT json FROM season_archives WHERE season_id=?";
	return text_by_id(s, sql, season_id);
}

static int sq_ai_usage_insert(pw_store_t *s, const char *model, const char *call_type, int in_tok,
			  int out_tok, int cache_tok, double latency_ms, double cost_usd,
			  const char *outcome)
{
	static const char sql[] =
		"INSERT INTO ai_usage_log(model, call_type, input_tokens, output_tokens,"
		" cache_read_tokens, latency_ms, cost_usd, outcome) VALUES(?,?,?,?,?,?,?,?)";
	sqlite3_stmt *st = prep(s, sql);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, model, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, call_type, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 3, in_tok);
	sqlite3_bind_int(st, 4, out_tok);
	sqlite3_bind_int(st, 5, cache_tok);
	sqlite3_bind_double(st, 6, latency_ms);
	sqlite3_bind_double(st, 7, cost_usd);
	sqlite3_bind_text(st, 8, outcome ? outcome : "ok", -1, SQLITE_TRANSIENT);
	return exec_done(s, st, "logging AI usage");
}

static cJSON *sq_ai_usage_daily_json(pw_store_t *s, int days)
{
	static const char sql[] =
		"SELECT substr(created_at, 1, 10) AS day, call_type, count(*),"
		" sum(outcome <> 'ok'), sum(input_tokens), sum(output_tokens), sum(cost_usd)"
		" FROM ai_usage_log WHERE substr(created_at, 1, 10) IN"
		" (SELECT DISTINCT substr(created_at, 1, 10) FROM ai_usage_log ORDER BY 1 DESC LIMIT ?)"
		" GROUP BY day, call_type ORDER BY day DESC, call_type";
	sqlite3_stmt *st = prep(s, sql);
	if (!st)
		return NULL;
	sqlite3_bind_int(st, 1, days);
	cJSON *arr = cJSON_CreateArray();
	while (arr && sqlite3_step(st) == SQLITE_ROW) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "day", (const char *)sqlite3_column_text(st, 0));
		cJSON_AddStringToObject(o, "call_type", (const char *)sqlite3_column_text(st, 1));
		cJSON_AddNumberToObject(o, "calls", sqlite3_column_int(st, 2));
		cJSON_AddNumberToObject(o, "failed", sqlite3_column_int(st, 3));
		cJSON_AddNumberToObject(o, "input_tokens", (double)sqlite3_column_int64(st, 4));
		cJSON_AddNumberToObject(o, "output_tokens", (double)sqlite3_column_int64(st, 5));
		cJSON_AddNumberToObject(o, "cost_usd", sqlite3_column_double(st, 6));
		cJSON_AddItemToArray(arr, o);
	}
	sqlite3_reset(st);
	return arr;
}

static int sq_ai_cost_on(pw_store_t *s, const char *day, double *usd)
{
	static const char sql[] =
		"SELECT COALESCE(sum(cost_usd), 0) FROM ai_usage_log WHERE substr(created_at, 1, 10) = ?";
	sqlite3_stmt *st = prep(s, sql);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, day, -1, SQLITE_TRANSIENT);
	int r = step_row(s, st, "reading the AI's cost") == 1 ? 0 : -1;
	if (r == 0)
		*usd = sqlite3_column_double(st, 0);
	sqlite3_reset(st);
	return r;
}

static cJSON *sq_ai_usage_json(pw_store_t *s)
{
	static const char sql[] =
		"SELECT model, call_type, count(*), sum(input_tokens), sum(output_tokens),"
		" sum(cache_read_tokens), sum(cost_usd), avg(latency_ms), sum(outcome <> 'ok')"
		" FROM ai_usage_log"
		" GROUP BY model, call_type ORDER BY model, call_type";
	sqlite3_stmt *st = prep(s, sql);
	if (!st)
		return NULL;
	cJSON *arr = cJSON_CreateArray();
	int rc;
	while (arr && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "model", (const char *)sqlite3_column_text(st, 0));
		cJSON_AddStringToObject(o, "call_type", (const char *)sqlite3_column_text(st, 1));
		cJSON_AddNumberToObject(o, "calls", sqlite3_column_int(st, 2));
		cJSON_AddNumberToObject(o, "input_tokens", (double)sqlite3_column_int64(st, 3));
		cJSON_AddNumberToObject(o, "output_tokens", (double)sqlite3_column_int64(st, 4));
		cJSON_AddNumberToObject(o, "cache_read_tokens", (double)sqlite3_column_int64(st, 5));
		cJSON_AddNumberToObject(o, "cost_usd", sqlite3_column_double(st, 6));
		cJSON_AddNumberToObject(o, "avg_latency_ms", sqlite3_column_double(st, 7));
		cJSON_AddNumberToObject(o, "failed", sqlite3_column_int(st, 8));
		cJSON_AddItemToArray(arr, o);
	}
	sqlite3_reset(st);
	return arr;
}

/* ---- the Discord outbox (store_discord.h) ---------------------------------- */

static int sq_outbox_add(pw_store_t *s, const char *method, const char *path, const char *body, int64_t now,
			 int64_t *id)
{
	if (strlen(method) >= sizeof ((pw_outbox_row_t *)0)->method || strlen(path) >= STORE_OUTBOX_PATH_MAX) {
		snprintf(s->err, sizeof s->err, "an outbox call's method or path is too long");
		return -1;
	}
	static const char sql[] = "INSERT INTO discord_outbox(method, path, body, created_at) VALUES(?,?,?,?)";
	sqlite3_stmt *st = prep(s, sql);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, method, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, path, -1, SQLITE_TRANSIENT);
	if (body)
		sqlite3_bind_text(st, 3, body, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, 3);
	sqlite3_bind_int64(st, 4, now);
	if (exec_done(s, st, "queueing a Discord call") < 0)
		return -1;
	if (id)
		*id = sqlite3_last_insert_rowid(s->db);
	return 0;
}

static int sq_outbox_next(pw_store_t *s, pw_outbox_row_t *out)
{
	static const char sql[] = "SELECT id, method, path, body, attempts FROM discord_outbox"
				  " WHERE done_at IS NULL ORDER BY id LIMIT 1";
	memset(out, 0, sizeof *out);
	sqlite3_stmt *st = prep(s, sql);
	if (!st)
		return -1;
	int r = step_row(s, st, "reading the Discord outbox");
	if (r == 1) {
		out->id = sqlite3_column_int64(st, 0);
		copy_col(st, 1, out->method, sizeof out->method);
		copy_col(st, 2, out->path, sizeof out->path);
		const unsigned char *b = sqlite3_column_text(st, 3);
		out->body = b ? strdup((const char *)b) : NULL;
		out->attempts = sqlite3_column_int(st, 4);
		if (b && !out->body)
			r = -1;
	}
	sqlite3_reset(st);
	return r;
}

static int sq_outbox_done(pw_store_t *s, int64_t id, int status, const char *error, int64_t now)
{
	static const char sql[] = "UPDATE discord_outbox SET done_at=?, status=?, error=? WHERE id=?";
	sqlite3_stmt *st = prep(s, sql);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int(st, 2, status);
	if (error)
		sqlite3_bind_text(st, 3, error, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, 3);
	sqlite3_bind_int64(st, 4, id);
	return exec_done(s, st, "marking a Discord call done");
}

static int sq_outbox_failed_try(pw_store_t *s, int64_t id, const char *error)
{
	static const char sql[] = "UPDATE discord_outbox SET attempts=attempts+1, error=? WHERE id=?";
	sqlite3_stmt *st = prep(s, sql);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, error ? error : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, id);
	return exec_done(s, st, "counting a failed Discord call");
}

static int64_t sq_outbox_pending(pw_store_t *s)
{
	static const char sql[] = "SELECT count(*) FROM discord_outbox WHERE done_at IS NULL";
	sqlite3_stmt *st = prep(s, sql);
	if (!st)
		return -1;
	int64_t n = step_row(s, st, "counting the Discord outbox") == 1 ? sqlite3_column_int64(st, 0) : -1;
	sqlite3_reset(st);
	return n;
}

static int sq_identity_subject(pw_store_t *s, int64_t identity_id, const char *provider, char *out, size_t cap)
{
	static const char sql[] = "SELECT subject FROM identities WHERE id=? AND provider=?";
	sqlite3_stmt *st = prep(s, sql);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, identity_id);
	sqlite3_bind_text(st, 2, provider, -1, SQLITE_TRANSIENT);
	int r = step_row(s, st, "reading an identity");
	if (r == 1) {
		const char *v = (const char *)sqlite3_column_text(st, 0);
		r = v && strlen(v) < cap ? 1 : 0;
		if (r)
			snprintf(out, cap, "%s", v);
	}
	sqlite3_reset(st);
	return r;
}

/* ---- the live-event log ------------------------------------------------------
 * Written only when asked (the tests; a server on SQLite keeps its bus in
 * process): one process owns a SQLite file, so there is nobody to tell and
 * nothing to listen to. */

static int64_t sq_live_append(pw_store_t *s, const char *type, const char *json, const char *origin)
{
	static const char sql[] = "INSERT INTO live_events(type, json, origin) VALUES(?,?,?)";
	if (s->in_tx)
		return failf(s, "a live event is appended outside a transaction");
	if (store_live_check(s, type, json, origin) < 0)
		return -1;
	sqlite3_stmt *st = prep(s, sql);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, type, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, json, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, origin ? origin : "", -1, SQLITE_TRANSIENT);
	if (exec_done(s, st, "appending a live event") < 0)
		return -1;
	return sqlite3_last_insert_rowid(s->db);
}

static int sq_live_since(pw_store_t *s, int64_t after_id, int limit, pw_live_cb cb, void *ud)
{
	static const char sql[] =
		"SELECT id, type, json, origin FROM live_events WHERE id > ? ORDER BY id LIMIT ?";
	if (limit < 1 || limit > STORE_LIVE_PAGE_MAX)
		return failf(s, "a page of live events is 1 to %d events", STORE_LIVE_PAGE_MAX);
	/* Not the cached statement: a callback may read the log again. */
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return fail(s, "reading live events");
	sqlite3_bind_int64(st, 1, after_id);
	sqlite3_bind_int(st, 2, limit);
	int n = 0, rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		pw_live_event_t e = {
			.id = sqlite3_column_int64(st, 0),
			.type = (const char *)sqlite3_column_text(st, 1),
			.json = (const char *)sqlite3_column_text(st, 2),
			.origin = (const char *)sqlite3_column_text(st, 3),
		};
		n++;
		int stop = cb(ud, &e);
		if (stop) {
			sqlite3_finalize(st);
			return stop;
		}
	}
	if (rc != SQLITE_DONE)
		n = fail(s, "reading live events");
	sqlite3_finalize(st);
	return n;
}

static int64_t sq_live_latest(pw_store_t *s)
{
	static const char sql[] = "SELECT COALESCE(MAX(id),0) FROM live_events";
	sqlite3_stmt *st = prep(s, sql);
	if (!st)
		return -1;
	int64_t v = step_row(s, st, "reading the newest live event") == 1 ? sqlite3_column_int64(st, 0) : -1;
	sqlite3_reset(st);
	return v;
}

static int sq_live_prune(pw_store_t *s, int64_t keep)
{
	static const char sql[] =
		"DELETE FROM live_events WHERE id <= (SELECT COALESCE(MAX(id),0) FROM live_events) - ?";
	if (keep < 1)
		return failf(s, "pruning live events keeps at least one");
	sqlite3_stmt *st = prep(s, sql);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, keep);
	if (exec_done(s, st, "pruning live events") < 0)
		return -1;
	return sqlite3_changes(s->db);
}

static int sq_live_listen(pw_store_t *s)
{
	return failf(s, "a SQLite store is not shared: there is nothing to listen to");
}

static int sq_live_wait(pw_store_t *s, int timeout_ms)
{
	(void)timeout_ms;
	return failf(s, "a SQLite store is not shared: there is nothing to wait for");
}

const struct store_ops store_sqlite_ops = {
	.backend = "SQLite",
	.copy = &store_sqlite_copy_ops,
	.close = sq_close,
	.ping = sq_ping,
	.rollback = sq_rollback,
	.viewer = true,
#define X(ret, name, params, args, fail) .name = sq_##name,
	PW_STORE_OPS(X)
#undef X
};
