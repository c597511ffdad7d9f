/*
 * store_pg.c — the PostgreSQL backend of the store (store.h, issue 16;
 * docs/POSTGRES.md). store.c opens it for a postgres:// URL and dispatches
 * through store_pg_ops at the end of this file; an entry still NULL there
 * is a function not ported yet.
 *
 * Every statement is a constant SQL text with $n parameters, prepared once
 * per connection (PQprepare, named pw<i> by its place in the store's
 * cache) and run with PQexecPrepared; values travel only as parameters, in
 * libpq's text format. The statements say the same as store_sqlite.c's, in
 * PostgreSQL's dialect:
 *
 *   INSERT OR IGNORE          INSERT ... ON CONFLICT DO NOTHING
 *   last_insert_rowid()       RETURNING id
 *   strftime(..., 'now')      STORE_PG_NOW (store_pg_schema.h), the same text
 *   sum(a <> b)               count(*) FILTER (WHERE a <> b)
 *   group_concat(x)           string_agg(x::text, ',' ORDER BY x)
 *   json_set(data, ...)       the JSON edited in C (cJSON), as written first
 *   BEGIN IMMEDIATE           BEGIN and a transaction-level advisory lock,
 *                             see store_begin below
 *
 * Two differences the code above the store never sees: PostgreSQL ends a
 * transaction in which a statement failed (COMMIT then answers ROLLBACK,
 * which store_commit reports as the failure it is), and libpq reads a
 * query's whole result at once, so store_events_since reads the log in
 * pages and its callback may use the store freely.
 */
#include "core/league/store_internal.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <libpq-fe.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/league/store_pg_schema.h"
#include "core/sim/jsonw.h"

/*
 * The writers' lock ("pwwriter" in ASCII), taken by store_begin for the
 * rest of the transaction. SQLite's BEGIN IMMEDIATE makes one writer at a
 * time, and the code above the store relies on it: a service reads the
 * state, checks a rule and appends its event in one transaction (a vote
 * against the tally, tokens against a balance), and event sequence numbers
 * are max+1. Under PostgreSQL's default isolation two such transactions
 * would both pass their checks, or take the same number; holding one
 * advisory lock from BEGIN to COMMIT keeps SQLite's semantics across every
 * connection of every instance, and readers are never blocked by it.
 */
#define PG_WRITE_LOCK "8104070823493886322"

/* A statement's parameters, as text (libpq's text format). */
#define PG_MAX_PARAMS 24
typedef struct {
	int n;
	const char *v[PG_MAX_PARAMS];
	char num[PG_MAX_PARAMS][32];
} pgargs_t;

static void a_i64(pgargs_t *a, int64_t x)
{
	snprintf(a->num[a->n], sizeof a->num[0], "%lld", (long long)x);
	a->v[a->n] = a->num[a->n];
	a->n++;
}

static void a_dbl(pgargs_t *a, double x)
{
	/* %.17g reads back as the same double */
	snprintf(a->num[a->n], sizeof a->num[0], "%.17g", x);
	a->v[a->n] = a->num[a->n];
	a->n++;
}

/* A text (NULL: SQL NULL). Not copied: it must live until the statement ran. */
static void a_txt(pgargs_t *a, const char *t)
{
	a->v[a->n++] = t;
}

/* An id where 0 means none: SQL NULL for 0. */
static void a_id_or_null(pgargs_t *a, int64_t x)
{
	if (x)
		a_i64(a, x);
	else
		a_txt(a, NULL);
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

/* libpq's message for r (or the connection's), without its "ERROR:  "
 * prefix and trailing newline, into buf. */
static void pg_message(PGconn *c, const PGresult *r, char *buf, size_t len)
{
	const char *m = r ? PQresultErrorMessage(r) : "";
	if (!m || !*m)
		m = c ? PQerrorMessage(c) : "no connection";
	if (!strncmp(m, "ERROR:  ", 8))
		m += 8;
	size_t n = strlen(m);
	while (n > 0 && (m[n - 1] == '\n' || m[n - 1] == ' '))
		n--;
	snprintf(buf, len, "%.*s", (int)n, m);
}

static int fail(pw_store_t *s, const char *what, const PGresult *r)
{
	char m[400];
	pg_message(s->pg, r, m, sizeof m);
	return failf(s, "%s: %s", what, m);
}

/* The server-side name of sql's prepared statement, preparing it on first
 * use; NULL with the error recorded. */
static const char *prep(pw_store_t *s, const char *sql, char name[16])
{
	int i = 0;
	while (i < s->npg_prepared && s->pg_prepared[i] != sql)
		i++;
	snprintf(name, 16, "pw%d", i);
	if (i < s->npg_prepared)
		return name;
	if (i == PW_STMT_CACHE) {
		failf(s, "more than %d distinct statements", PW_STMT_CACHE);
		return NULL;
	}
	PGresult *r = PQprepare(s->pg, name, sql, 0, NULL);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		fail(s, "preparing a statement", r);
		PQclear(r);
		return NULL;
	}
	PQclear(r);
	s->pg_prepared[i] = sql;
	s->npg_prepared++;
	return name;
}

static int pg_revive(pw_store_t *s);

/* Runs sql with a's parameters: the result (caller PQclears) or NULL with
 * the error recorded under what. */
static PGresult *run(pw_store_t *s, const char *sql, const pgargs_t *a, const char *what)
{
	char name[16];
	for (int attempt = 0;; attempt++) {
		/* A connection known to be lost is made again before anything
		 * is sent on it (outside a transaction; see pg_revive). */
		if (PQstatus(s->pg) != CONNECTION_OK && pg_revive(s) < 0) {
			fail(s, what, NULL);
			return NULL;
		}
		if (!prep(s, sql, name)) {
			/* Preparing changes nothing: cut off, it is asked again. */
			if (attempt > 0 || s->in_tx || PQstatus(s->pg) == CONNECTION_OK)
				return NULL;
			continue;
		}
		PGresult *r = PQexecPrepared(s->pg, name, a ? a->n : 0, a ? a->v : NULL, NULL, NULL, 0);
		ExecStatusType st = PQresultStatus(r);
		if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK)
			return r;
		fail(s, what, r);
		PQclear(r);
		/* Cut off outside a transaction: a read is asked once more on a
		 * new connection (it changed nothing); a write is not (the
		 * server may have run it before the cut). */
		if (attempt > 0 || s->in_tx || PQstatus(s->pg) == CONNECTION_OK || strncmp(sql, "SELECT", 6) != 0)
			return NULL;
	}
}

/* Runs a statement for its effect: the rows it changed, or -1. */
static int run_changes(pw_store_t *s, const char *sql, const pgargs_t *a, const char *what)
{
	PGresult *r = run(s, sql, a, what);
	if (!r)
		return -1;
	int n = atoi(PQcmdTuples(r));
	PQclear(r);
	return n;
}

static int run_done(pw_store_t *s, const char *sql, const pgargs_t *a, const char *what)
{
	return run_changes(s, sql, a, what) < 0 ? -1 : 0;
}

/* A statement that yields at most one row: 1 with *out holding it (caller
 * PQclears), 0 when there is none, -1 on failure — never "not found" for
 * a failure (see store_sqlite.c's step_row). */
static int run_row(pw_store_t *s, const char *sql, const pgargs_t *a, const char *what,
		   PGresult **out)
{
	PGresult *r = run(s, sql, a, what);
	if (!r)
		return -1;
	if (PQntuples(r) == 0) {
		PQclear(r);
		return 0;
	}
	*out = r;
	return 1;
}

static int64_t i64(const PGresult *r, int row, int col)
{
	return strtoll(PQgetvalue(r, row, col), NULL, 10);
}

static double dbl(const PGresult *r, int row, int col)
{
	return strtod(PQgetvalue(r, row, col), NULL);
}

static bool null_at(const PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col) != 0;
}

/* A malloc'd copy of a value; NULL for SQL NULL (or no memory). */
static char *dup_at(const PGresult *r, int row, int col)
{
	return null_at(r, row, col) ? NULL : strdup(PQgetvalue(r, row, col));
}

static void copy_at(const PGresult *r, int row, int col, char *dst, size_t len)
{
	snprintf(dst, len, "%s", PQgetvalue(r, row, col));
}

/* The one value of a one-int64-parameter query (has_arg 0: none): the
 * value, or -1. A query without a row is an error here (counts and
 * COALESCE(MAX) always have one). */
static int64_t scalar_i64(pw_store_t *s, const char *sql, int64_t arg, int has_arg, const char *what)
{
	pgargs_t a = {0};
	if (has_arg)
		a_i64(&a, arg);
	PGresult *r = NULL;
	int rc = run_row(s, sql, &a, what, &r);
	if (rc <= 0)
		return rc < 0 ? -1 : failf(s, "%s: no row", what);
	int64_t v = i64(r, 0, 0);
	PQclear(r);
	return v;
}

/* The first column of the row `sql` (one int64 parameter) finds, malloc'd;
 * NULL when there is none, it is NULL, or the query failed. */
static char *text_by_id(pw_store_t *s, const char *sql, int64_t id, const char *what)
{
	pgargs_t a = {0};
	a_i64(&a, id);
	PGresult *r = NULL;
	char *v = NULL;
	if (run_row(s, sql, &a, what, &r) == 1) {
		v = dup_at(r, 0, 0);
		PQclear(r);
	}
	return v;
}

/* Runs one constant statement outside the prepared cache (transaction
 * control, settings). */
static int exec_const(pw_store_t *s, const char *sql, const char *what)
{
	PGresult *r = PQexec(s->pg, sql);
	int ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
	if (!ok)
		fail(s, what, r);
	PQclear(r);
	return ok ? 0 : -1;
}

int store_pg_exec(pw_store_t *s, const char *sql, const char *what)
{
	if (!s->pg)
		return failf(s, "%s: not a PostgreSQL store", what);
	return exec_const(s, sql, what);
}

/* ---- connection --------------------------------------------------------- */

static void pgs_close(pw_store_t *s)
{
	if (!s)
		return;
	if (s->tick) /* its lock goes with it */
		pgs_close(s->tick);
	if (s->tick_spare)
		pgs_close(s->tick_spare);
	if (s->pg)
		PQfinish(s->pg);
	free(s);
}

/*
 * The viewers' views (store.h, store_open_viewer), as in store_sqlite.c:
 * temporary views named like the tables they filter, so every statement of
 * this file reads them unchanged on the viewers' connection (PostgreSQL,
 * like SQLite, looks a name up in the session's temporary schema first).
 * They read the real tables of the public schema, where the migrations put
 * them. "Hidden": of a season with an unpresented game in this round or an
 * earlier one.
 */
static const char viewer_views[] =
	"CREATE TEMP VIEW game_results AS SELECT * FROM public.game_results WHERE presented=1;"
	"CREATE TEMP VIEW reports AS SELECT * FROM public.reports r WHERE NOT EXISTS("
	"  SELECT 1 FROM public.game_results g WHERE g.presented=0 AND g.season_id=r.season_id"
	"  AND g.round_number<=r.round_number);"
	"CREATE TEMP VIEW governance_events AS SELECT * FROM public.governance_events e WHERE NOT EXISTS("
	"  SELECT 1 FROM public.game_results g WHERE g.presented=0 AND g.season_id=e.season_id"
	"  AND g.round_number<=e.round_number);"
	"CREATE TEMP VIEW season_archives AS SELECT * FROM public.season_archives a WHERE NOT EXISTS("
	"  SELECT 1 FROM public.game_results g WHERE g.presented=0 AND g.season_id=a.season_id);"
	"CREATE TEMP VIEW seasons AS SELECT s.id, s.league_id, s.number, s.name,"
	"  COALESCE((SELECT CASE g.stage WHEN 'regular' THEN 'active' ELSE 'playoffs' END"
	"    FROM public.game_results g WHERE g.presented=0 AND g.season_id=s.id"
	"    ORDER BY g.round_number LIMIT 1), s.phase) AS phase,"
	"  COALESCE((SELECT MIN(g.round_number)-1 FROM public.game_results g"
	"    WHERE g.presented=0 AND g.season_id=s.id), s.current_round) AS current_round,"
	"  s.seed, s.rules_json, s.phase_started, s.meta, s.created_at FROM public.seasons s;"
	/* After the views: nothing is written through this connection. */
	"SET default_transaction_read_only = on;";

/* Makes s the viewers' connection; 0, or -1 with err filled. */
static int make_viewer(pw_store_t *s, char *err, size_t errlen)
{
	int v = store_pg_schema_version(s->pg, err, errlen);
	if (v < 0)
		return -1;
	if (v != store_pg_migrations_count) {
		snprintf(err, errlen, "the database is at schema version %d, not %d: migrate it first", v,
			 store_pg_migrations_count);
		return -1;
	}
	if (exec_const(s, viewer_views, "preparing the viewers' connection") < 0) {
		snprintf(err, errlen, "%s", s->err);
		return -1;
	}
	return 0;
}

/* What every connection is told once made (and again when made anew):
 * a lock wait as long as SQLite's busy wait (15 s), then an error; no
 * NOTICEs on stderr (libpq prints them there by default). */
static int configure(pw_store_t *s, char *err, size_t errlen)
{
	if (exec_const(s, "SET lock_timeout = '15s'; SET client_min_messages = warning",
		       "configuring the connection") < 0) {
		snprintf(err, errlen, "%s", s->err);
		return -1;
	}
	if (s->pg_mode == STORE_OPEN_VIEWER && make_viewer(s, err, errlen) < 0)
		return -1;
	return 0;
}

/*
 * A connection the server closed (PostgreSQL restarted, a managed
 * database failed over, a network cut, an idle timeout) is made again, so
 * a long-running server recovers by itself instead of answering errors
 * until someone restarts it. Called before a statement is sent on a
 * connection libpq already knows is lost, and only outside a transaction:
 * a transaction cut off is lost whole and reported, never replayed, and
 * the statement that was cut off is not retried either (it may have been
 * a write the server ran before the cut) — its caller gets the error, the
 * next call gets the new connection. 0 when the connection is (again)
 * usable.
 */
static int pg_revive(pw_store_t *s)
{
	if (!s->pg || PQstatus(s->pg) == CONNECTION_OK)
		return 0;
	if (s->in_tx)
		return -1;
	PQreset(s->pg);
	/* Prepared statements and temporary views lived in the old session. */
	s->npg_prepared = 0;
	char err[400];
	if (PQstatus(s->pg) != CONNECTION_OK || configure(s, err, sizeof err) < 0)
		return -1;
	return 0;
}

/* The store says what failed through store_errmsg. What the server sends
 * unasked (a NOTICE, or "terminating connection due to administrator
 * command" as it ends a session) libpq would print on stderr, raw, in the
 * middle of the server's structured log: dropped. (PQreset keeps it.) */
static void quiet_notice(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

pw_store_t *store_pg_open(const char *url, store_open_mode_t mode, char *err, size_t errlen)
{
	pw_store_t *s = calloc(1, sizeof *s);
	if (!s) {
		snprintf(err, errlen, "out of memory opening the database");
		return NULL;
	}
	s->ops = &store_pg_ops;
	snprintf(s->path, sizeof s->path, "%s", url);
	s->pg = PQconnectdb(url);
	if (s->pg)
		PQsetNoticeProcessor(s->pg, quiet_notice, NULL);
	char m[400];
	/* The URL may hold a password: messages never repeat it. */
	if (!s->pg || PQstatus(s->pg) != CONNECTION_OK) {
		pg_message(s->pg, NULL, m, sizeof m);
		snprintf(err, errlen, "cannot connect to the PostgreSQL database: %s", m);
		pgs_close(s);
		return NULL;
	}
	/* The viewers' views need the migrated schema: configure them after
	 * migrating. */
	s->pg_mode = mode == STORE_OPEN_VIEWER ? STORE_OPEN_RAW : mode;
	if (configure(s, err, errlen) < 0 ||
	    (mode == STORE_OPEN_MIGRATE && store_pg_migrate(s->pg, NULL, err, errlen) < 0)) {
		pgs_close(s);
		return NULL;
	}
	s->pg_mode = mode;
	if (mode == STORE_OPEN_VIEWER && make_viewer(s, err, errlen) < 0) {
		pgs_close(s);
		return NULL;
	}
	return s;
}

/* SELECT 1 may be asked again on a new connection: it writes nothing. */
static bool pgs_ping(pw_store_t *s)
{
	static const char sql[] = "SELECT 1";
	if (!s->pg)
		return false;
	for (int attempt = 0; attempt < 2; attempt++) {
		if (pg_revive(s) < 0)
			return false;
		PGresult *r = run(s, sql, NULL, "checking the database");
		PQclear(r);
		if (r)
			return true;
	}
	return false;
}

static int pgs_migrate(pw_store_t *s, int *applied)
{
	if (s->in_tx)
		return failf(s, "migrating inside a transaction");
	return store_pg_migrate(s->pg, applied, s->err, sizeof s->err);
}

static int pgs_schema_version(pw_store_t *s)
{
	return store_pg_schema_version(s->pg, s->err, sizeof s->err);
}

/* ---- transactions ------------------------------------------------------- */

static void pgs_rollback(pw_store_t *s)
{
	if (PQtransactionStatus(s->pg) != PQTRANS_IDLE)
		PQclear(PQexec(s->pg, "ROLLBACK"));
	s->in_tx = 0;
}

/* A transaction begun by begin_sql that failed before it was marked open
 * (the lock after BEGIN refused, say) is ended here, not left aborted. */
static void begin_failed(pw_store_t *s)
{
	if (PQstatus(s->pg) == CONNECTION_OK && PQtransactionStatus(s->pg) != PQTRANS_IDLE)
		PQclear(PQexec(s->pg, "ROLLBACK"));
}

/* begin_sql (BEGIN, and what the transaction must start with: one round
 * trip), on a new connection if the one there was lost: it may be sent
 * again, nothing was written. The transaction is then marked open, so
 * nothing of it is ever asked again on another connection (run). */
static int begin_tx(pw_store_t *s, const char *begin_sql, const char *what)
{
	if (s->in_tx)
		return failf(s, "a transaction is already open");
	if (pg_revive(s) < 0)
		return fail(s, "starting a transaction: the database cannot be reached", NULL);
	if (exec_const(s, begin_sql, what) < 0) {
		if (PQstatus(s->pg) == CONNECTION_OK || pg_revive(s) < 0 || exec_const(s, begin_sql, what) < 0) {
			begin_failed(s);
			return -1;
		}
	}
	s->in_tx = 1;
	return 0;
}

static int pgs_begin(pw_store_t *s)
{
	/* The writers' lock in BEGIN's round trip: a vote makes several
	 * round trips on the server's loop, and every tick stage one. */
	static const char begin[] = "BEGIN; SELECT pg_advisory_xact_lock(" PG_WRITE_LOCK ")";
	return begin_tx(s, begin, "starting a transaction and waiting for the write lock");
}

static int pgs_commit(pw_store_t *s)
{
	PGresult *r = PQexec(s->pg, "COMMIT");
	int rc = 0;
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		rc = fail(s, "committing", r);
	} else if (strcmp(PQcmdStatus(r), "COMMIT") != 0) {
		/* A statement of the transaction failed: PostgreSQL has ended it
		 * and COMMIT rolled it back. Nothing was written. */
		rc = failf(s, "committing: an earlier statement of the transaction failed, so"
			   " nothing of it was written");
	}
	PQclear(r);
	if (rc < 0)
		pgs_rollback(s);
	s->in_tx = 0;
	return rc;
}

/* url for a command line the operator copies: store_printable's text
 * with the password left out entirely (not "***", which libpq would send
 * as the password); the tools take it from PGPASSWORD or ~/.pgpass. */
static void url_without_password(const char *url, char *out, size_t len)
{
	char shown[512];
	store_printable(url, shown, sizeof shown);
	size_t n = 0;
	for (const char *p = shown; *p && n + 1 < len;) {
		if (!strncmp(p, ":***@", 5)) {
			p += 4; /* the '@' is kept */
		} else if ((p == shown || p[-1] == '?' || p[-1] == '&') && !strncmp(p, "password=***", 12)) {
			p += 12;
			if (*p == '&')
				p++;
			else if (n > 0 && (out[n - 1] == '&' || out[n - 1] == '?'))
				n--;
		} else {
			out[n++] = *p++;
		}
	}
	out[n] = '\0';
}

/*
 * PostgreSQL has its own consistent online backup: pg_dump (a snapshot of
 * one database while the servers keep running). The advice names the exact
 * commands for this database, custom format (compressed, restored
 * selectively and in parallel by pg_restore). A dump carries the schema
 * with the data, so the event log's append-only trigger is recreated by
 * the restore, after the rows are loaded.
 */
/* PostgreSQL's own processes write its log back and vacuum: nothing for
 * a connection to leave to another (store.h). */
static int pgs_housekeeping_mode(pw_store_t *s, store_housekeeping_t mode)
{
	(void)s;
	(void)mode;
	return 0;
}

static int pgs_housekeeping(pw_store_t *s)
{
	(void)s;
	return 0;
}

static int pgs_backup(pw_store_t *s, const char *out_path)
{
	char url[512];
	url_without_password(s->path, url, sizeof url);
	return failf(s,
		     "a PostgreSQL database is backed up with PostgreSQL's pg_dump, not `pinwheel backup`"
		     " (nothing was written to %s). Back it up with\n"
		     "    pg_dump --format=custom --file='%s' '%s'\n"
		     "and restore it into a new, empty database (as the role that owns the tables) with\n"
		     "    pg_restore --exit-on-error --single-transaction --dbname='NEW-DATABASE-URL' '%s'\n"
		     "The password comes from PGPASSWORD or ~/.pgpass, never the command line. The"
		     " restore brings the schema back with the rows, the event log's append-only"
		     " trigger included; use a pg_dump at least as new as the server"
		     " (docs/OPERATIONS.md, \"Backups\").",
		     out_path, out_path, url, out_path);
}

/* ---- events --------------------------------------------------------------- */

static int64_t pgs_event_append(pw_store_t *s, pw_event_type_t type, const char *agg_id,
				int64_t season_id, int64_t governor_id, int64_t team_id, int round,
				const cJSON *payload)
{
	/* max+1 is safe: store_begin's lock makes this the only writer. */
	static const char sql[] =
		"INSERT INTO governance_events(event_type, aggregate_type, aggregate_id, season_id,"
		" governor_id, team_id, round_number, sequence_number, payload)"
		" VALUES($1,$2,$3,$4,$5,$6,$7,"
		"  (SELECT COALESCE(MAX(sequence_number),0)+1 FROM governance_events),$8)"
		" RETURNING sequence_number";
	if (!s->in_tx)
		return failf(s, "events are appended inside a transaction");
	char why[160];
	if (event_check(type, payload, why, sizeof why) < 0)
		return failf(s, "refusing an event: %s", why);
	char *text = payload ? jsonw_print(payload) : NULL;
	if (payload && !text)
		return failf(s, "out of memory printing an event");
	pgargs_t a = {0};
	a_txt(&a, event_name(type));
	a_txt(&a, event_aggregate(type));
	a_txt(&a, agg_id ? agg_id : "");
	a_id_or_null(&a, season_id);
	a_id_or_null(&a, governor_id);
	a_id_or_null(&a, team_id);
	a_i64(&a, round);
	a_txt(&a, text ? text : "{}");
	PGresult *r = NULL;
	int rc = run_row(s, sql, &a, "appending an event", &r);
	free(text);
	if (rc <= 0)
		return rc < 0 ? -1 : failf(s, "appending an event: no sequence number");
	int64_t seq = i64(r, 0, 0);
	PQclear(r);
	return seq;
}

/* Events are read in pages of this many rows: a result is read whole. */
#define EVENTS_PAGE 512
#define PG_STR_(x) #x
#define PG_STR(x) PG_STR_(x)

static int pgs_events_since(pw_store_t *s, int64_t after_seq, pw_event_cb cb, void *ud)
{
	static const char sql[] =
		"SELECT id, sequence_number, event_type, aggregate_type, aggregate_id,"
		" COALESCE(season_id,0), COALESCE(governor_id,0), COALESCE(team_id,0),"
		" round_number, payload, created_at FROM governance_events"
		" WHERE sequence_number > $1 ORDER BY sequence_number LIMIT " PG_STR(EVENTS_PAGE);
	for (;;) {
		pgargs_t a = {0};
		a_i64(&a, after_seq);
		PGresult *r = run(s, sql, &a, "reading events");
		if (!r)
			return -1;
		int n = PQntuples(r);
		for (int i = 0; i < n; i++) {
			pw_event_t ev = {
				.id = i64(r, i, 0),
				.seq = i64(r, i, 1),
				.type = PQgetvalue(r, i, 2),
				.agg_type = PQgetvalue(r, i, 3),
				.agg_id = PQgetvalue(r, i, 4),
				.season_id = i64(r, i, 5),
				.governor_id = i64(r, i, 6),
				.team_id = i64(r, i, 7),
				.round = (int)i64(r, i, 8),
				.payload = PQgetvalue(r, i, 9),
				.created_at = PQgetvalue(r, i, 10),
			};
			after_seq = ev.seq;
			int rc = cb(ud, &ev);
			if (rc != 0) {
				PQclear(r);
				return rc;
			}
		}
		PQclear(r);
		if (n < EVENTS_PAGE)
			return 0;
	}
}

static int64_t pgs_events_count(pw_store_t *s)
{
	static const char sql[] = "SELECT COUNT(*) FROM governance_events";
	return scalar_i64(s, sql, 0, 0, "counting events");
}

static int pgs_event_latest(pw_store_t *s, pw_event_type_t type, int64_t season_id, char **payload)
{
	static const char sql[] =
		"SELECT payload FROM governance_events WHERE event_type=$1 AND season_id=$2"
		" ORDER BY sequence_number DESC LIMIT 1";
	*payload = NULL;
	const char *name = event_name(type);
	if (!name)
		return failf(s, "reading an event of an unknown type");
	pgargs_t a = {0};
	a_txt(&a, name);
	a_i64(&a, season_id);
	PGresult *r = NULL;
	int rc = run_row(s, sql, &a, "reading an event", &r);
	if (rc == 1) {
		if (!(*payload = dup_at(r, 0, 0)))
			rc = failf(s, "out of memory reading an event");
		PQclear(r);
	}
	return rc;
}

/* ---- leagues and seasons ------------------------------------------------ */

/* The id a statement ending in RETURNING id gave, or -1. */
static int64_t insert_id(pw_store_t *s, const char *sql, const pgargs_t *a, const char *what)
{
	PGresult *r = NULL;
	int rc = run_row(s, sql, a, what, &r);
	if (rc <= 0)
		return rc < 0 ? -1 : failf(s, "%s: no id", what);
	int64_t id = i64(r, 0, 0);
	PQclear(r);
	return id;
}

static int64_t pgs_league_insert(pw_store_t *s, const char *name, uint64_t seed)
{
	static const char sql[] = "INSERT INTO leagues(name, seed) VALUES($1,$2) RETURNING id";
	pgargs_t a = {0};
	a_txt(&a, name);
	a_i64(&a, (int64_t)seed);
	return insert_id(s, sql, &a, "creating the league");
}

static int64_t pgs_league_first(pw_store_t *s, uint64_t *seed)
{
	static const char sql[] = "SELECT id, seed FROM leagues ORDER BY id LIMIT 1";
	PGresult *r = NULL;
	int64_t rc = run_row(s, sql, NULL, "reading the league", &r);
	if (rc == 1) {
		rc = i64(r, 0, 0);
		if (seed)
			*seed = (uint64_t)i64(r, 0, 1);
		PQclear(r);
	}
	return rc;
}

static int64_t pgs_season_insert(pw_store_t *s, int64_t league_id, int number, const char *name,
				 uint64_t seed, const char *rules_json, int64_t now)
{
	static const char sql[] =
		"INSERT INTO seasons(league_id, number, name, seed, rules_json, phase_started)"
		" VALUES($1,$2,$3,$4,$5,$6) RETURNING id";
	pgargs_t a = {0};
	a_i64(&a, league_id);
	a_i64(&a, number);
	a_txt(&a, name);
	a_i64(&a, (int64_t)seed);
	a_txt(&a, rules_json);
	a_i64(&a, now);
	return insert_id(s, sql, &a, "creating the season");
}

#define SEASON_COLS "id, league_id, number, name, phase, current_round, seed, phase_started"

static void season_row(const PGresult *r, int i, pw_season_row_t *o)
{
	memset(o, 0, sizeof *o);
	o->id = i64(r, i, 0);
	o->league_id = i64(r, i, 1);
	o->number = (int)i64(r, i, 2);
	copy_at(r, i, 3, o->name, sizeof o->name);
	copy_at(r, i, 4, o->phase, sizeof o->phase);
	o->current_round = (int)i64(r, i, 5);
	o->seed = (uint64_t)i64(r, i, 6);
	o->phase_started = i64(r, i, 7);
}

static int season_one(pw_store_t *s, const char *sql, int64_t id, pw_season_row_t *out)
{
	pgargs_t a = {0};
	a_i64(&a, id);
	PGresult *r = NULL;
	int rc = run_row(s, sql, &a, "reading a season", &r);
	if (rc == 1) {
		season_row(r, 0, out);
		PQclear(r);
	}
	return rc;
}

static int pgs_season_get(pw_store_t *s, int64_t season_id, pw_season_row_t *out)
{
	static const char sql[] = "SELECT " SEASON_COLS " FROM seasons WHERE id=$1";
	return season_one(s, sql, season_id, out);
}

static int pgs_season_current(pw_store_t *s, int64_t league_id, pw_season_row_t *out)
{
	static const char sql[] =
		"SELECT " SEASON_COLS " FROM seasons WHERE league_id=$1 ORDER BY number DESC LIMIT 1";
	return season_one(s, sql, league_id, out);
}

static int pgs_season_set_phase(pw_store_t *s, int64_t season_id, const char *phase, int64_t now)
{
	static const char sql[] = "UPDATE seasons SET phase=$1, phase_started=$2 WHERE id=$3";
	pgargs_t a = {0};
	a_txt(&a, phase);
	a_i64(&a, now);
	a_i64(&a, season_id);
	return run_done(s, sql, &a, "changing the season phase");
}

static int pgs_season_set_round(pw_store_t *s, int64_t season_id, int round)
{
	static const char sql[] = "UPDATE seasons SET current_round=$1 WHERE id=$2";
	pgargs_t a = {0};
	a_i64(&a, round);
	a_i64(&a, season_id);
	return run_done(s, sql, &a, "recording the season round");
}

static cJSON *pgs_seasons_json(pw_store_t *s, int64_t league_id)
{
	static const char sql[] =
		"SELECT " SEASON_COLS " FROM seasons WHERE league_id=$1 ORDER BY number";
	pgargs_t a = {0};
	a_i64(&a, league_id);
	PGresult *r = run(s, sql, &a, "reading seasons");
	if (!r)
		return NULL;
	cJSON *arr = cJSON_CreateArray();
	for (int i = 0; arr && i < PQntuples(r); i++) {
		pw_season_row_t row;
		season_row(r, i, &row);
		cJSON_AddItemToArray(arr, store_json_season(&row));
	}
	PQclear(r);
	return arr;
}

/* ---- teams and hoopers ------------------------------------------------- */

static int pgs_team_insert(pw_store_t *s, int64_t league_id, const cJSON *team)
{
	static const char tsql[] = "INSERT INTO teams(id, league_id, name, data) VALUES($1,$2,$3,$4)";
	static const char hsql[] =
		"INSERT INTO hoopers(id, team_id, slot, name, data) VALUES($1,$2,$3,$4,$5)";
	const char *why = NULL;
	char *data = store_json_team_row(team, &why);
	if (!data)
		return failf(s, "%s", why);
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(team, "id");
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(team, "name");
	const cJSON *hoopers = cJSON_GetObjectItemCaseSensitive(team, "hoopers");
	pgargs_t a = {0};
	a_i64(&a, (int64_t)id->valuedouble);
	a_i64(&a, league_id);
	a_txt(&a, name->valuestring);
	a_txt(&a, data);
	int rc = run_done(s, tsql, &a, "storing a team");
	free(data);
	if (rc < 0)
		return -1;
	int slot = 0;
	const cJSON *h;
	cJSON_ArrayForEach(h, hoopers) {
		const cJSON *hid = cJSON_GetObjectItemCaseSensitive(h, "id");
		const cJSON *hn = cJSON_GetObjectItemCaseSensitive(h, "name");
		char *hd = cJSON_PrintUnformatted(h);
		if (!hd)
			return failf(s, "out of memory");
		pgargs_t b = {0};
		a_i64(&b, (int64_t)hid->valuedouble);
		a_i64(&b, (int64_t)id->valuedouble);
		a_i64(&b, slot++);
		a_txt(&b, hn->valuestring);
		a_txt(&b, hd);
		rc = run_done(s, hsql, &b, "storing a hooper");
		free(hd);
		if (rc < 0)
			return -1;
	}
	return 0;
}

static cJSON *pgs_teams_json(pw_store_t *s, int64_t league_id)
{
	static const char tsql[] =
		"SELECT id, data, strategy_json, strategy_text FROM teams WHERE league_id=$1 ORDER BY id";
	static const char hsql[] =
		"SELECT h.team_id, h.id, h.data FROM hoopers h JOIN teams t ON t.id=h.team_id"
		" WHERE t.league_id=$1 ORDER BY h.team_id, h.slot";
	pgargs_t a = {0};
	a_i64(&a, league_id);
	PGresult *r = run(s, tsql, &a, "reading teams");
	if (!r)
		return NULL;
	cJSON *arr = cJSON_CreateArray();
	for (int i = 0; arr && i < PQntuples(r); i++) {
		cJSON *t = store_json_team(PQgetvalue(r, i, 1),
					   null_at(r, i, 2) ? NULL : PQgetvalue(r, i, 2),
					   null_at(r, i, 3) ? NULL : PQgetvalue(r, i, 3));
		if (!t) {
			cJSON_Delete(arr);
			arr = NULL;
			failf(s, "a stored team is not valid JSON");
			break;
		}
		cJSON_AddItemToArray(arr, t);
	}
	PQclear(r);
	if (!arr)
		return NULL;
	r = run(s, hsql, &a, "reading hoopers");
	if (!r) {
		cJSON_Delete(arr);
		return NULL;
	}
	for (int i = 0; i < PQntuples(r); i++)
		store_json_place_hooper(arr, i64(r, i, 0), PQgetvalue(r, i, 2));
	PQclear(r);
	return arr;
}

/* Up to max team ids (and names, when names is not NULL) a query with the
 * arguments a yields; more than max is an error. The count, or -1. */
static int team_list(pw_store_t *s, const char *sql, const pgargs_t *a, int64_t season_id,
		     int64_t *ids, pw_team_name_t *names, int max)
{
	PGresult *r = run(s, sql, a, "reading a season's teams");
	if (!r)
		return -1;
	int n = PQntuples(r);
	if (n > max) {
		PQclear(r);
		return failf(s, "season %lld has more than %d teams", (long long)season_id, max);
	}
	for (int i = 0; i < n; i++) {
		if (names) {
			names[i].id = i64(r, i, 0);
			copy_at(r, i, 1, names[i].name, sizeof names[i].name);
		} else {
			ids[i] = i64(r, i, 0);
		}
	}
	PQclear(r);
	return n;
}

static int pgs_season_team_names(pw_store_t *s, int64_t season_id, bool whole_league,
				 pw_team_name_t *out, int max)
{
	static const char sql[] =
		"SELECT t.id, t.name FROM teams t"
		" WHERE t.league_id=(SELECT league_id FROM seasons WHERE id=$1)"
		" AND ($2 OR NOT EXISTS(SELECT 1 FROM schedule WHERE season_id=$1 AND stage='regular')"
		"  OR t.id IN (SELECT home_team_id FROM schedule WHERE season_id=$1 AND stage='regular'"
		"   UNION SELECT away_team_id FROM schedule WHERE season_id=$1 AND stage='regular'))"
		" ORDER BY t.id";
	pgargs_t a = {0};
	a_i64(&a, season_id);
	a_txt(&a, whole_league ? "true" : "false");
	return team_list(s, sql, &a, season_id, NULL, out, max);
}

static int pgs_season_team_ids(pw_store_t *s, int64_t season_id, int64_t *ids, int max)
{
	static const char sql[] =
		"SELECT home_team_id FROM schedule WHERE season_id=$1 AND stage='regular'"
		" UNION SELECT away_team_id FROM schedule WHERE season_id=$1 AND stage='regular'"
		" ORDER BY 1";
	pgargs_t a = {0};
	a_i64(&a, season_id);
	return team_list(s, sql, &a, season_id, ids, NULL, max);
}

static int pgs_team_set_strategy(pw_store_t *s, int64_t team_id, const cJSON *strategy,
				 const char *text)
{
	static const char sql[] = "UPDATE teams SET strategy_json=$1, strategy_text=$2 WHERE id=$3";
	char *js = cJSON_PrintUnformatted(strategy);
	if (!js)
		return failf(s, "out of memory");
	pgargs_t a = {0};
	a_txt(&a, js);
	a_txt(&a, text);
	a_i64(&a, team_id);
	int rc = run_done(s, sql, &a, "setting a strategy");
	free(js);
	return rc;
}

static int pgs_hooper_move(pw_store_t *s, int64_t hooper_id, int64_t team_id, int slot)
{
	static const char sql[] = "UPDATE hoopers SET team_id=$1, slot=$2 WHERE id=$3";
	pgargs_t a = {0};
	a_i64(&a, team_id);
	a_i64(&a, slot);
	a_i64(&a, hooper_id);
	return run_done(s, sql, &a, "moving a hooper");
}

/*
 * SQLite edits the stored JSON with json_set; PostgreSQL's jsonb would
 * print the whole text again in its own spacing and key order, so the
 * edit is made here with cJSON (which wrote the text in the first place)
 * and the text stays as both backends store it: the key replaced in
 * place, or added last.
 */
static int pgs_hooper_set_bio(pw_store_t *s, int64_t hooper_id, const char *text)
{
	static const char qget[] = "SELECT data FROM hoopers WHERE id=$1";
	static const char qset[] = "UPDATE hoopers SET data=$1 WHERE id=$2";
	pgargs_t a = {0};
	a_i64(&a, hooper_id);
	PGresult *r = NULL;
	int rc = run_row(s, qget, &a, "writing a hooper's bio", &r);
	if (rc <= 0)
		return rc; /* no such hooper: nothing to change, as in SQLite */
	cJSON *h = cJSON_Parse(PQgetvalue(r, 0, 0));
	PQclear(r);
	if (!h)
		return failf(s, "writing a hooper's bio: the stored hooper is not valid JSON");
	cJSON *bio = cJSON_CreateString(text ? text : "");
	if (cJSON_HasObjectItem(h, "backstory"))
		cJSON_ReplaceItemInObjectCaseSensitive(h, "backstory", bio);
	else
		cJSON_AddItemToObject(h, "backstory", bio);
	char *data = cJSON_PrintUnformatted(h);
	cJSON_Delete(h);
	if (!data)
		return failf(s, "out of memory");
	pgargs_t b = {0};
	a_txt(&b, data);
	a_i64(&b, hooper_id);
	rc = run_done(s, qset, &b, "writing a hooper's bio");
	free(data);
	return rc;
}

static int pgs_hooper_team(pw_store_t *s, int64_t hooper_id, int64_t *team_id, int *slot)
{
	static const char sql[] = "SELECT team_id, slot FROM hoopers WHERE id=$1";
	pgargs_t a = {0};
	a_i64(&a, hooper_id);
	PGresult *r = NULL;
	int rc = run_row(s, sql, &a, "reading a hooper's team", &r);
	if (rc == 1) {
		*team_id = i64(r, 0, 0);
		*slot = (int)i64(r, 0, 1);
		PQclear(r);
	}
	return rc;
}

static int pgs_team_exists(pw_store_t *s, int64_t team_id)
{
	static const char sql[] = "SELECT COUNT(*) FROM teams WHERE id=$1";
	return (int)scalar_i64(s, sql, team_id, 1, "looking up a team");
}

/* ---- meta ----------------------------------------------------------------- */

static char *pgs_meta_get(pw_store_t *s, const char *kind, int64_t id)
{
	static const char q_team[] = "SELECT meta FROM teams WHERE id=$1";
	static const char q_hooper[] = "SELECT meta FROM hoopers WHERE id=$1";
	static const char q_game[] = "SELECT meta FROM game_results WHERE id=$1";
	static const char q_season[] = "SELECT meta FROM seasons WHERE id=$1";
	const char *sql = !strcmp(kind, "team") ? q_team : !strcmp(kind, "hooper") ? q_hooper :
			  !strcmp(kind, "game") ? q_game : !strcmp(kind, "season") ? q_season : NULL;
	if (!sql) {
		failf(s, "unknown meta kind \"%s\"", kind);
		return NULL;
	}
	return text_by_id(s, sql, id, "reading a stored value");
}

static int pgs_meta_set(pw_store_t *s, const char *kind, int64_t id, const char *json)
{
	static const char q_team[] = "UPDATE teams SET meta=$1 WHERE id=$2";
	static const char q_hooper[] = "UPDATE hoopers SET meta=$1 WHERE id=$2";
	static const char q_game[] = "UPDATE game_results SET meta=$1 WHERE id=$2";
	static const char q_season[] = "UPDATE seasons SET meta=$1 WHERE id=$2";
	const char *sql = !strcmp(kind, "team") ? q_team : !strcmp(kind, "hooper") ? q_hooper :
			  !strcmp(kind, "game") ? q_game : !strcmp(kind, "season") ? q_season : NULL;
	if (!sql)
		return failf(s, "unknown meta kind \"%s\"", kind);
	pgargs_t a = {0};
	a_txt(&a, json);
	a_i64(&a, id);
	return run_done(s, sql, &a, "writing metadata");
}

/* ---- players -------------------------------------------------------------- */

static int64_t pgs_player_insert(pw_store_t *s, const char *name, int64_t team_id,
				 const char *token_hash, int64_t now)
{
	static const char sql[] = "INSERT INTO players(name, team_id, token_hash, created_at)"
				  " VALUES($1,$2,$3,$4) RETURNING id";
	pgargs_t a = {0};
	a_txt(&a, name);
	a_i64(&a, team_id);
	a_txt(&a, token_hash);
	a_i64(&a, now);
	return insert_id(s, sql, &a, "adding a governor");
}

/* The first column of the row a one-text-parameter query finds, as an
 * id: > 0, 0 when there is none, -1. */
static int64_t id_by_text(pw_store_t *s, const char *sql, const char *t1, const char *t2,
			  const char *what)
{
	pgargs_t a = {0};
	a_txt(&a, t1);
	if (t2)
		a_txt(&a, t2);
	PGresult *r = NULL;
	int64_t rc = run_row(s, sql, &a, what, &r);
	if (rc == 1) {
		rc = i64(r, 0, 0);
		PQclear(r);
	}
	return rc;
}

static int64_t pgs_player_by_token_hash(pw_store_t *s, const char *token_hash)
{
	static const char sql[] = "SELECT id FROM players WHERE token_hash=$1";
	return id_by_text(s, sql, token_hash, NULL, "reading a governor");
}

static int pgs_player_set_token_hash(pw_store_t *s, int64_t governor_id, const char *token_hash)
{
	static const char sql[] = "UPDATE players SET token_hash=$1 WHERE id=$2";
	pgargs_t a = {0};
	a_txt(&a, token_hash);
	a_i64(&a, governor_id);
	int n = run_changes(s, sql, &a, "replacing a governor's token");
	return n < 0 ? -1 : n > 0;
}

/* ---- identities, sessions, invites ----------------------------------------- */

static int64_t pgs_identity_find(pw_store_t *s, const char *provider, const char *subject)
{
	static const char sql[] = "SELECT id FROM identities WHERE provider=$1 AND subject=$2";
	return id_by_text(s, sql, provider, subject, "reading an identity");
}

static int64_t pgs_identity_insert(pw_store_t *s, const char *provider, const char *subject,
				   const char *display_name, int64_t now)
{
	static const char sql[] = "INSERT INTO identities(provider, subject, display_name, created_at)"
				  " VALUES($1,$2,$3,$4) RETURNING id";
	pgargs_t a = {0};
	a_txt(&a, provider);
	a_txt(&a, subject);
	a_txt(&a, display_name ? display_name : "");
	a_i64(&a, now);
	return insert_id(s, sql, &a, "adding an identity");
}

static int pgs_identity_get(pw_store_t *s, int64_t id, char *provider, size_t plen, char *name,
			    size_t nlen)
{
	static const char sql[] = "SELECT provider, display_name FROM identities WHERE id=$1";
	pgargs_t a = {0};
	a_i64(&a, id);
	PGresult *r = NULL;
	int rc = run_row(s, sql, &a, "reading an identity", &r);
	if (rc == 1) {
		copy_at(r, 0, 0, provider, plen);
		copy_at(r, 0, 1, name, nlen);
		PQclear(r);
	}
	return rc;
}

static int pgs_identity_link(pw_store_t *s, int64_t identity_id, int64_t season_id,
			     int64_t governor_id, int64_t invite_id, int64_t now)
{
	static const char sql[] = "INSERT INTO identity_governors(identity_id, season_id, governor_id,"
				  " invite_id, created_at) VALUES($1,$2,$3,$4,$5)";
	pgargs_t a = {0};
	a_i64(&a, identity_id);
	a_i64(&a, season_id);
	a_i64(&a, governor_id);
	if (invite_id > 0)
		a_i64(&a, invite_id);
	else
		a_txt(&a, NULL);
	a_i64(&a, now);
	return run_done(s, sql, &a, "linking an identity to a governor");
}

static int pgs_identity_governors(pw_store_t *s, int64_t identity_id, int64_t *gids, int max)
{
	static const char sql[] = "SELECT governor_id FROM identity_governors WHERE identity_id=$1"
				  " ORDER BY season_id DESC, governor_id DESC";
	pgargs_t a = {0};
	a_i64(&a, identity_id);
	PGresult *r = run(s, sql, &a, "reading an identity's governors");
	if (!r)
		return -1;
	int n = 0;
	for (int i = 0; i < PQntuples(r) && n < max; i++)
		gids[n++] = i64(r, i, 0);
	PQclear(r);
	return n;
}

static int64_t pgs_governor_identity(pw_store_t *s, int64_t governor_id)
{
	static const char sql[] = "SELECT identity_id FROM identity_governors WHERE governor_id=$1";
	pgargs_t a = {0};
	a_i64(&a, governor_id);
	PGresult *r = NULL;
	int64_t rc = run_row(s, sql, &a, "reading a governor's identity", &r);
	if (rc == 1) {
		rc = i64(r, 0, 0);
		PQclear(r);
	}
	return rc;
}

static int pgs_session_insert(pw_store_t *s, const char *id_hash, const char *csrf,
			      int64_t identity_id, bool admin, int64_t now, int64_t expires_at)
{
	static const char sql[] = "INSERT INTO sessions(id_hash, csrf, identity_id, admin, created_at,"
				  " expires_at) VALUES($1,$2,$3,$4,$5,$6)";
	pgargs_t a = {0};
	a_txt(&a, id_hash);
	a_txt(&a, csrf);
	if (identity_id > 0)
		a_i64(&a, identity_id);
	else
		a_txt(&a, NULL);
	a_i64(&a, admin ? 1 : 0);
	a_i64(&a, now);
	a_i64(&a, expires_at);
	return run_done(s, sql, &a, "adding a session");
}

static int pgs_session_get(pw_store_t *s, const char *id_hash, pw_session_row_t *out)
{
	static const char sql[] = "SELECT csrf, COALESCE(identity_id,0), admin, created_at, expires_at"
				  " FROM sessions WHERE id_hash=$1";
	pgargs_t a = {0};
	a_txt(&a, id_hash);
	PGresult *r = NULL;
	int rc = run_row(s, sql, &a, "reading a session", &r);
	if (rc == 1) {
		copy_at(r, 0, 0, out->csrf, sizeof out->csrf);
		out->identity_id = i64(r, 0, 1);
		out->admin = i64(r, 0, 2) != 0;
		out->created_at = i64(r, 0, 3);
		out->expires_at = i64(r, 0, 4);
		PQclear(r);
	}
	return rc;
}

static int pgs_session_delete(pw_store_t *s, const char *id_hash)
{
	static const char sql[] = "DELETE FROM sessions WHERE id_hash=$1";
	pgargs_t a = {0};
	a_txt(&a, id_hash);
	return run_done(s, sql, &a, "ending a session");
}

static int pgs_sessions_purge(pw_store_t *s, int64_t now)
{
	static const char sql[] = "DELETE FROM sessions WHERE expires_at<=$1";
	pgargs_t a = {0};
	a_i64(&a, now);
	return run_changes(s, sql, &a, "removing expired sessions");
}

static int64_t pgs_invite_insert(pw_store_t *s, const char *code_hash, int64_t team_id,
				 int max_uses, int64_t expires_at, const char *note, int64_t now)
{
	static const char sql[] = "INSERT INTO invites(code_hash, team_id, max_uses, expires_at, note,"
				  " created_at) VALUES($1,$2,$3,$4,$5,$6) RETURNING id";
	pgargs_t a = {0};
	a_txt(&a, code_hash);
	a_i64(&a, team_id);
	a_i64(&a, max_uses);
	a_i64(&a, expires_at);
	a_txt(&a, note ? note : "");
	a_i64(&a, now);
	return insert_id(s, sql, &a, "adding an invite");
}

#define INVITE_COLS "id, team_id, max_uses, uses, expires_at, created_at, revoked, note"

static void invite_row(const PGresult *r, int i, pw_invite_row_t *out)
{
	out->id = i64(r, i, 0);
	out->team_id = i64(r, i, 1);
	out->max_uses = (int)i64(r, i, 2);
	out->uses = (int)i64(r, i, 3);
	out->expires_at = i64(r, i, 4);
	out->created_at = i64(r, i, 5);
	out->revoked = i64(r, i, 6) != 0;
	copy_at(r, i, 7, out->note, sizeof out->note);
}

static int invite_one(pw_store_t *s, const char *sql, const pgargs_t *a, pw_invite_row_t *out)
{
	PGresult *r = NULL;
	int rc = run_row(s, sql, a, "reading an invite", &r);
	if (rc == 1) {
		invite_row(r, 0, out);
		PQclear(r);
	}
	return rc;
}

static int pgs_invite_by_hash(pw_store_t *s, const char *code_hash, pw_invite_row_t *out)
{
	static const char sql[] = "SELECT " INVITE_COLS " FROM invites WHERE code_hash=$1";
	pgargs_t a = {0};
	a_txt(&a, code_hash);
	return invite_one(s, sql, &a, out);
}

static int pgs_invite_get(pw_store_t *s, int64_t id, pw_invite_row_t *out)
{
	static const char sql[] = "SELECT " INVITE_COLS " FROM invites WHERE id=$1";
	pgargs_t a = {0};
	a_i64(&a, id);
	return invite_one(s, sql, &a, out);
}

static int pgs_invite_use(pw_store_t *s, int64_t id)
{
	static const char sql[] = "UPDATE invites SET uses=uses+1 WHERE id=$1";
	pgargs_t a = {0};
	a_i64(&a, id);
	return run_done(s, sql, &a, "counting an invite's use");
}

static int pgs_invite_revoke(pw_store_t *s, int64_t id)
{
	static const char sql[] = "UPDATE invites SET revoked=1 WHERE id=$1";
	pgargs_t a = {0};
	a_i64(&a, id);
	int n = run_changes(s, sql, &a, "revoking an invite");
	return n < 0 ? -1 : n > 0;
}

static cJSON *pgs_invites_json(pw_store_t *s)
{
	static const char sql[] =
		"SELECT " INVITE_COLS ", (SELECT string_agg(governor_id::text, ',' ORDER BY governor_id)"
		" FROM identity_governors g WHERE g.invite_id=invites.id) FROM invites ORDER BY id DESC";
	PGresult *r = run(s, sql, NULL, "reading invites");
	if (!r)
		return NULL;
	cJSON *arr = cJSON_CreateArray();
	for (int i = 0; arr && i < PQntuples(r); i++) {
		pw_invite_row_t row;
		invite_row(r, i, &row);
		cJSON_AddItemToArray(arr, store_json_invite(&row, null_at(r, i, 8) ? NULL : PQgetvalue(r, i, 8)));
	}
	PQclear(r);
	return arr;
}

/* ---- schedule -------------------------------------------------------------- */

static int pgs_schedule_insert(pw_store_t *s, int64_t season_id, const pw_schedule_row_t *row)
{
	static const char sql[] =
		"INSERT INTO schedule(season_id, round_number, game_index, home_team_id,"
		" away_team_id, stage, series, series_game) VALUES($1,$2,$3,$4,$5,$6,$7,$8)"
		" ON CONFLICT DO NOTHING";
	pgargs_t a = {0};
	a_i64(&a, season_id);
	a_i64(&a, row->round);
	a_i64(&a, row->game_index);
	a_i64(&a, row->home_team_id);
	a_i64(&a, row->away_team_id);
	a_txt(&a, row->stage);
	a_txt(&a, row->series);
	a_i64(&a, row->series_game);
	return run_done(s, sql, &a, "scheduling a game");
}

static void schedule_row(const PGresult *r, int i, pw_schedule_row_t *o)
{
	memset(o, 0, sizeof *o);
	o->round = (int)i64(r, i, 0);
	o->game_index = (int)i64(r, i, 1);
	o->home_team_id = i64(r, i, 2);
	o->away_team_id = i64(r, i, 3);
	copy_at(r, i, 4, o->stage, sizeof o->stage);
	copy_at(r, i, 5, o->series, sizeof o->series);
	o->series_game = (int)i64(r, i, 6);
}

static int pgs_schedule_round(pw_store_t *s, int64_t season_id, int round, pw_schedule_row_t *out,
			      int max)
{
	static const char sql[] =
		"SELECT round_number, game_index, home_team_id, away_team_id, stage, series, series_game"
		" FROM schedule WHERE season_id=$1 AND round_number=$2 ORDER BY game_index";
	pgargs_t a = {0};
	a_i64(&a, season_id);
	a_i64(&a, round);
	/* A failed read is not "no games this round": -1. */
	PGresult *r = run(s, sql, &a, "reading a round of the schedule");
	if (!r)
		return -1;
	int n = 0;
	for (int i = 0; i < PQntuples(r) && n < max; i++)
		schedule_row(r, i, &out[n++]);
	PQclear(r);
	return n;
}

static int pgs_schedule_max_round(pw_store_t *s, int64_t season_id, const char *stage)
{
	static const char sql_any[] =
		"SELECT COALESCE(MAX(round_number),0) FROM schedule WHERE season_id=$1";
	static const char sql_stage[] =
		"SELECT COALESCE(MAX(round_number),0) FROM schedule WHERE season_id=$1 AND stage=$2";
	if (!stage)
		return (int)scalar_i64(s, sql_any, season_id, 1, "reading the schedule");
	pgargs_t a = {0};
	a_i64(&a, season_id);
	a_txt(&a, stage);
	PGresult *r = NULL;
	int rc = run_row(s, sql_stage, &a, "reading the schedule", &r);
	if (rc <= 0)
		return rc < 0 ? -1 : failf(s, "reading the schedule: no row");
	int v = (int)i64(r, 0, 0);
	PQclear(r);
	return v;
}

static cJSON *pgs_schedule_json(pw_store_t *s, int64_t season_id)
{
	static const char sql[] =
		"SELECT s.round_number, s.game_index, s.home_team_id, s.away_team_id, s.stage, s.series,"
		" s.series_game, g.id, g.home_score, g.away_score, g.winner_team_id"
		" FROM schedule s LEFT JOIN game_results g ON g.season_id=s.season_id"
		" AND g.round_number=s.round_number AND g.game_index=s.game_index"
		" WHERE s.season_id=$1 ORDER BY s.round_number, s.game_index";
	pgargs_t a = {0};
	a_i64(&a, season_id);
	PGresult *r = run(s, sql, &a, "reading the schedule");
	if (!r)
		return NULL;
	cJSON *arr = cJSON_CreateArray();
	for (int i = 0; arr && i < PQntuples(r); i++) {
		pw_schedule_row_t row;
		schedule_row(r, i, &row);
		store_json_result_t g = {i64(r, i, 7), i64(r, i, 10), (int)i64(r, i, 8), (int)i64(r, i, 9)};
		cJSON_AddItemToArray(arr, store_json_schedule(&row, null_at(r, i, 7) ? NULL : &g));
	}
	PQclear(r);
	return arr;
}

/* ---- games ------------------------------------------------------------------ */

static int64_t pgs_game_insert(pw_store_t *s, const pw_game_row_t *g, const char *rules_json,
			       const char *effects_json, const char *home_json, const char *away_json,
			       const char *result_json)
{
	/* The insert and the id of the row there now in one round trip: this
	 * one's, or (a round resumed) the one stored before, which the insert
	 * leaves alone and returns nothing for. */
	static const char sql[] =
		"WITH ins AS (INSERT INTO game_results(season_id, round_number, game_index, stage, series,"
		" series_game, home_team_id, away_team_id, home_score, away_score, winner_team_id,"
		" seed, rules_json, effect_ids, home_json, away_json, hash, result_json, presented, derived)"
		" VALUES($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20)"
		" ON CONFLICT(season_id, round_number, game_index) DO NOTHING RETURNING id)"
		" SELECT id FROM ins UNION ALL SELECT id FROM game_results"
		" WHERE season_id=$1 AND round_number=$2 AND game_index=$3 LIMIT 1";
	pgargs_t a = {0};
	a_i64(&a, g->season_id);
	a_i64(&a, g->round);
	a_i64(&a, g->game_index);
	a_txt(&a, g->stage);
	a_txt(&a, g->series);
	a_i64(&a, g->series_game);
	a_i64(&a, g->home_team_id);
	a_i64(&a, g->away_team_id);
	a_i64(&a, g->home_score);
	a_i64(&a, g->away_score);
	a_i64(&a, g->winner_team_id);
	a_i64(&a, (int64_t)g->seed);
	a_txt(&a, rules_json);
	a_txt(&a, effects_json ? effects_json : "[]");
	a_txt(&a, home_json);
	a_txt(&a, away_json);
	a_txt(&a, g->hash);
	a_txt(&a, g->derived || !result_json ? "" : result_json);
	a_i64(&a, g->unpresented ? 0 : 1);
	a_i64(&a, g->derived ? 1 : 0);
	return insert_id(s, sql, &a, "storing a game");
}

static int pgs_boxes_insert(pw_store_t *s, int64_t game_id, const pw_box_t *boxes, int n)
{
	/* Each column an array, the lines the rows unnest makes of them. */
	static const char sql[] =
		"INSERT INTO box_scores(game_id, hooper_id, team_id, seconds, points, fgm, fga,"
		" tpm, tpa, ftm, fta, rebounds, assists, steals, turnovers, fouls, plus_minus)"
		" SELECT $1, u.* FROM unnest($2::bigint[], $3::bigint[], $4::float8[], $5::bigint[],"
		" $6::bigint[], $7::bigint[], $8::bigint[], $9::bigint[], $10::bigint[], $11::bigint[],"
		" $12::bigint[], $13::bigint[], $14::bigint[], $15::bigint[], $16::bigint[], $17::bigint[]) AS u"
		" ON CONFLICT DO NOTHING";
	enum { COLS = 16, SECONDS = 2 };
	if (store_boxes_check(s, n) < 0)
		return -1;
	/* "{v,v,...}": a number of at most 24 bytes and its comma per line */
	char col[COLS][STORE_BOXES_MAX * 25 + 3];
	size_t len[COLS];
	for (int c = 0; c < COLS; c++)
		len[c] = (size_t)snprintf(col[c], sizeof col[c], "{");
	int rows = 0;
	for (int k = 0; k < n; k++) {
		const pw_box_t *b = &boxes[k];
		if (!b->hooper_id)
			continue;
		const long long v[COLS] = {b->hooper_id, b->team_id, [SECONDS] = 0, b->points, b->fgm, b->fga,
					   b->tpm, b->tpa, b->ftm, b->fta, b->rebounds, b->assists, b->steals,
					   b->turnovers, b->fouls, b->plus_minus};
		for (int c = 0; c < COLS; c++) {
			const char *sep = rows ? "," : "";
			size_t room = sizeof col[c] - len[c];
			int w = c == SECONDS ? snprintf(col[c] + len[c], room, "%s%.17g", sep, store_box_seconds(b))
					     : snprintf(col[c] + len[c], room, "%s%lld", sep, v[c]);
			len[c] += (size_t)w;
		}
		rows++;
	}
	if (!rows)
		return 0;
	pgargs_t a = {0};
	a_i64(&a, game_id);
	for (int c = 0; c < COLS; c++) {
		snprintf(col[c] + len[c], sizeof col[c] - len[c], "}");
		a_txt(&a, col[c]);
	}
	return run_done(s, sql, &a, "storing a game's box score");
}

#define GAME_COLS "id, season_id, round_number, game_index, stage, series, series_game," \
	" home_team_id, away_team_id, home_score, away_score, winner_team_id, seed, hash, presented, derived"

static void game_row(const PGresult *r, int i, pw_game_row_t *o)
{
	memset(o, 0, sizeof *o);
	o->id = i64(r, i, 0);
	o->season_id = i64(r, i, 1);
	o->round = (int)i64(r, i, 2);
	o->game_index = (int)i64(r, i, 3);
	copy_at(r, i, 4, o->stage, sizeof o->stage);
	copy_at(r, i, 5, o->series, sizeof o->series);
	o->series_game = (int)i64(r, i, 6);
	o->home_team_id = i64(r, i, 7);
	o->away_team_id = i64(r, i, 8);
	o->home_score = (int)i64(r, i, 9);
	o->away_score = (int)i64(r, i, 10);
	o->winner_team_id = i64(r, i, 11);
	o->seed = (uint64_t)i64(r, i, 12);
	copy_at(r, i, 13, o->hash, sizeof o->hash);
	o->unpresented = i64(r, i, 14) == 0;
	o->derived = i64(r, i, 15) != 0;
}

/* The game rows of a query (malloc'd, at least one element so a result
 * of none is not NULL; *n set), or NULL with the error recorded. */
static pw_game_row_t *game_rows(pw_store_t *s, const char *sql, const pgargs_t *a, int *n)
{
	*n = 0;
	PGresult *r = run(s, sql, a, "listing games");
	if (!r)
		return NULL;
	int cnt = PQntuples(r);
	pw_game_row_t *v = malloc((size_t)(cnt ? cnt : 1) * sizeof *v);
	if (!v) {
		PQclear(r);
		failf(s, "out of memory listing games");
		return NULL;
	}
	for (int i = 0; i < cnt; i++)
		game_row(r, i, &v[i]);
	PQclear(r);
	*n = cnt;
	return v;
}

static pw_game_row_t *pgs_games(pw_store_t *s, int64_t season_id, int round, int *n)
{
	static const char sql[] = "SELECT " GAME_COLS " FROM game_results WHERE season_id=$1"
				  " AND ($2=0 OR round_number=$2) ORDER BY round_number, game_index";
	pgargs_t a = {0};
	a_i64(&a, season_id);
	a_i64(&a, round);
	return game_rows(s, sql, &a, n);
}

static int pgs_game_count(pw_store_t *s, int64_t season_id)
{
	static const char sql[] = "SELECT COUNT(*) FROM game_results WHERE season_id=$1";
	return (int)scalar_i64(s, sql, season_id, 1, "counting games");
}

static int pgs_games_last_round(pw_store_t *s, int64_t season_id)
{
	static const char sql[] =
		"SELECT COALESCE(MAX(round_number),0) FROM game_results WHERE season_id=$1";
	return (int)scalar_i64(s, sql, season_id, 1, "reading the last round with games");
}

static int pgs_game_exists(pw_store_t *s, int64_t season_id, int round, int game_index)
{
	static const char sql[] = "SELECT COUNT(*) FROM game_results WHERE season_id=$1"
				  " AND round_number=$2 AND game_index=$3";
	pgargs_t a = {0};
	a_i64(&a, season_id);
	a_i64(&a, round);
	a_i64(&a, game_index);
	PGresult *r = NULL;
	int rc = run_row(s, sql, &a, "reading a stored game", &r);
	if (rc == 1) {
		rc = i64(r, 0, 0) > 0;
		PQclear(r);
	}
	return rc;
}

static int pgs_game_get(pw_store_t *s, int64_t game_id, pw_game_row_t *out)
{
	static const char sql[] = "SELECT " GAME_COLS " FROM game_results WHERE id=$1";
	pgargs_t a = {0};
	a_i64(&a, game_id);
	PGresult *r = NULL;
	int rc = run_row(s, sql, &a, "reading a game", &r);
	if (rc == 1) {
		game_row(r, 0, out);
		PQclear(r);
	}
	return rc;
}

static int pgs_game_snapshots(pw_store_t *s, int64_t game_id, char **rules, char **effects,
			      char **home, char **away, char **result)
{
	static const char sql[] = "SELECT rules_json, effect_ids, home_json, away_json, result_json"
				  " FROM game_results WHERE id=$1";
	pgargs_t a = {0};
	a_i64(&a, game_id);
	PGresult *r = NULL;
	int rc = run_row(s, sql, &a, "reading a game's snapshots", &r);
	if (rc == 1) {
		char **out[] = {rules, effects, home, away, result};
		for (int i = 0; i < 5; i++)
			if (out[i])
				*out[i] = dup_at(r, 0, i);
		PQclear(r);
	}
	return rc;
}

static int64_t *pgs_all_game_ids(pw_store_t *s, int *n)
{
	static const char sql[] = "SELECT id FROM game_results ORDER BY id";
	*n = 0;
	PGresult *r = run(s, sql, NULL, "listing game ids");
	if (!r)
		return NULL;
	int cnt = PQntuples(r);
	int64_t *v = malloc((size_t)(cnt ? cnt : 1) * sizeof *v);
	if (v) {
		for (int i = 0; i < cnt; i++)
			v[i] = i64(r, i, 0);
		*n = cnt;
	} else {
		failf(s, "out of memory listing game ids");
	}
	PQclear(r);
	return v;
}

static cJSON *pgs_season_box_json(pw_store_t *s, int64_t season_id)
{
	static const char sql[] =
		"SELECT b.game_id, g.stage, b.hooper_id, b.team_id, b.points, b.fgm, b.fga, b.tpm,"
		" b.tpa, b.ftm, b.fta, b.rebounds, b.assists, b.steals, b.turnovers, b.fouls"
		" FROM box_scores b JOIN game_results g ON g.id=b.game_id WHERE g.season_id=$1"
		" ORDER BY b.game_id, b.hooper_id";
	static const char *const f[] = {"game_id", "stage", "hooper_id", "team_id", "points", "fgm",
					 "fga", "tpm", "tpa", "ftm", "fta", "rebounds", "assists",
					 "steals", "turnovers", "fouls"};
	pgargs_t a = {0};
	a_i64(&a, season_id);
	PGresult *r = run(s, sql, &a, "reading box scores");
	if (!r)
		return NULL;
	cJSON *arr = cJSON_CreateArray();
	for (int i = 0; arr && i < PQntuples(r); i++) {
		cJSON *o = cJSON_CreateObject();
		for (int c = 0; c < 16; c++) {
			if (c == 1)
				cJSON_AddStringToObject(o, f[c], PQgetvalue(r, i, c));
			else
				cJSON_AddNumberToObject(o, f[c], (double)i64(r, i, c));
		}
		cJSON_AddItemToArray(arr, o);
	}
	PQclear(r);
	return arr;
}

/* ---- what viewers may see ------------------------------------------------------ */

static int pgs_game_set_presented(pw_store_t *s, int64_t game_id)
{
	/* The table itself, as SQLite's main.: never the viewers' view. */
	static const char sql[] =
		"UPDATE public.game_results SET presented=1 WHERE id=$1 AND presented=0";
	pgargs_t a = {0};
	a_i64(&a, game_id);
	return run_done(s, sql, &a, "marking a game presented");
}

static pw_game_row_t *pgs_games_unpresented(pw_store_t *s, int *n)
{
	static const char sql[] = "SELECT " GAME_COLS " FROM public.game_results WHERE presented=0"
				  " ORDER BY season_id, round_number, game_index";
	pw_game_row_t *v = game_rows(s, sql, NULL, n);
	if (v && *n == 0) {
		free(v);
		v = NULL;
	}
	return v;
}

/* ---- round progress ---------------------------------------------------------------- */

static int pgs_progress_get(pw_store_t *s, int64_t season_id, int round, int *stage, char **snapshot)
{
	static const char sql[] =
		"SELECT stage, snapshot FROM round_progress WHERE season_id=$1 AND round_number=$2";
	pgargs_t a = {0};
	a_i64(&a, season_id);
	a_i64(&a, round);
	PGresult *r = NULL;
	int rc = run_row(s, sql, &a, "reading a round's progress", &r);
	if (rc == 1) {
		*stage = (int)i64(r, 0, 0);
		if (snapshot)
			*snapshot = dup_at(r, 0, 1);
		PQclear(r);
	}
	return rc;
}

static int pgs_progress_set(pw_store_t *s, int64_t season_id, int round, int stage,
			    const char *snapshot)
{
	static const char sql[] =
		"INSERT INTO round_progress(season_id, round_number, stage, snapshot) VALUES($1,$2,$3,$4)"
		" ON CONFLICT(season_id, round_number) DO UPDATE SET stage=excluded.stage,"
		" snapshot=COALESCE(excluded.snapshot, round_progress.snapshot),"
		" updated_at=" STORE_PG_NOW;
	pgargs_t a = {0};
	a_i64(&a, season_id);
	a_i64(&a, round);
	a_i64(&a, stage);
	a_txt(&a, snapshot);
	return run_done(s, sql, &a, "recording round progress");
}

/* ---- bot_state ----------------------------------------------------------------------- */

static char *pgs_kv_get(pw_store_t *s, const char *key)
{
	static const char sql[] = "SELECT value FROM bot_state WHERE key=$1";
	pgargs_t a = {0};
	a_txt(&a, key);
	PGresult *r = NULL;
	char *v = NULL;
	if (run_row(s, sql, &a, "reading a setting", &r) == 1) {
		v = dup_at(r, 0, 0);
		PQclear(r);
	}
	return v;
}

static int pgs_kv_set(pw_store_t *s, const char *key, const char *value)
{
	static const char sql[] =
		"INSERT INTO bot_state(key, value) VALUES($1,$2) ON CONFLICT(key) DO UPDATE SET"
		" value=excluded.value, updated_at=" STORE_PG_NOW;
	pgargs_t a = {0};
	a_txt(&a, key);
	a_txt(&a, value);
	return run_done(s, sql, &a, "writing bot state");
}

static int pgs_kv_delete(pw_store_t *s, const char *key)
{
	static const char sql[] = "DELETE FROM bot_state WHERE key=$1";
	pgargs_t a = {0};
	a_txt(&a, key);
	return run_done(s, sql, &a, "deleting bot state");
}

/* As store_sqlite.c's (times as 20 digits): one INSERT ... ON CONFLICT
 * DO NOTHING, which the key's unique index settles between writers of
 * every instance. */
static int pgs_once(pw_store_t *s, const char *key, int64_t now, int64_t keep_s)
{
	char before[24], at[24];
	snprintf(before, sizeof before, "%020lld", (long long)(now - keep_s));
	snprintf(at, sizeof at, "%020lld", (long long)now);
	static const char forget[] = "DELETE FROM bot_state WHERE key LIKE 'once.%' AND value < $1";
	static const char claim[] =
		"INSERT INTO bot_state(key, value) VALUES('once.' || $1, $2) ON CONFLICT(key) DO NOTHING";
	pgargs_t a = {0};
	a_txt(&a, before);
	if (run_changes(s, forget, &a, "forgetting old claims") < 0)
		return -1;
	pgargs_t b = {0};
	a_txt(&b, key);
	a_txt(&b, at);
	int n = run_changes(s, claim, &b, "claiming once");
	return n < 0 ? -1 : n > 0;
}

/* ---- the tick lock (store.h) ---------------------------------------------------------
 *
 * A session-level advisory lock ("pwticker" in ASCII) held by a connection
 * of its own (s->tick, a store opened for nothing else), plus the lease row
 * naming the holder and that connection's backend pid.
 *
 * Why a session lock on its own connection: the session is the holder's
 * life. A process that dies, by kill -9 too, closes its socket and its
 * backend ends, letting the lock go at once, where a lease alone would
 * keep the league waiting for it to expire. Its own connection, because
 * the store's connection runs the round's transactions and may be reset;
 * and closing it is the surest release.
 *
 * Why a lease as well: a holder alive but stuck (a hung process, a
 * machine cut off whose TCP connection the server has not yet dropped)
 * keeps its session and so the lock for ever. When its lease has expired
 * (the database's clock decides, one clock for every instance), the taker
 * ends its backend with pg_terminate_backend — only the pid the expired
 * lease names, and only while that pid holds the lock, so a holder that
 * has just taken the lock and not yet written its lease is never ended —
 * then takes the lock. (Waiting for TCP keepalives instead would take
 * minutes and depends on settings outside the program.) Ending another
 * session needs the same role or pg_signal_backend; instances of one
 * league run as one role.
 *
 * Fencing: the lease is written in a transaction holding the writers'
 * lock, as every stage of a round does; a stage reads the lease inside
 * its transaction and refuses to commit unless it names its runner, so a
 * holder taken over cannot commit a stage after the takeover.
 */
#define PG_TICK_LOCK "8104074050464867698"
/* The key as pg_locks shows a bigint key: its high and low 32 bits. */
#define PG_TICK_LOCK_HI "1886876777"
#define PG_TICK_LOCK_LO "1667982706"
/* How long a takeover waits for the ended backend to let the lock go. */
#define PG_TAKEOVER_WAIT_MS 3000
#define PG_TAKEOVER_POLL_MS 50

/* The lease row (1, 0 when none, -1) and the database's clock (unix
 * seconds), read on s. */
static int pg_lease_read(pw_store_t *s, store_lease_t *l, int64_t *now)
{
	static const char sql[] = "SELECT (SELECT value FROM bot_state WHERE key=$1),"
				  " floor(extract(epoch FROM clock_timestamp()))::bigint";
	pgargs_t a = {0};
	a_txt(&a, STORE_TICK_LOCK_KEY);
	PGresult *r = NULL;
	int rc = run_row(s, sql, &a, "reading the tick lock", &r);
	if (rc <= 0)
		return rc < 0 ? -1 : failf(s, "reading the tick lock: no row");
	*now = i64(r, 0, 1);
	rc = store_json_lease_parse(null_at(r, 0, 0) ? NULL : PQgetvalue(r, 0, 0), l);
	PQclear(r);
	return rc;
}

/* Writes holder's lease on the lock's connection t, under the writers'
 * lock (see above); with only_mine, only over a lease of holder's own.
 * 1 written, 0 (only_mine) the lease is another's or gone, -1 failure. */
static int pg_lease_write(pw_store_t *t, const char *holder, int lease_s, bool only_mine)
{
	static const char pid_sql[] = "SELECT pg_backend_pid()";
	if (pgs_begin(t) < 0)
		return -1;
	store_lease_t l;
	int64_t now = 0;
	int got = pg_lease_read(t, &l, &now);
	if (got < 0 || (only_mine && (got == 0 || strcmp(l.holder, holder)))) {
		pgs_rollback(t);
		return got < 0 ? -1 : 0;
	}
	store_lease_t mine = {.pid = scalar_i64(t, pid_sql, 0, 0, "reading the lock's session"),
			      .expires = now + lease_s};
	snprintf(mine.holder, sizeof mine.holder, "%s", holder);
	char *text = mine.pid > 0 ? store_json_lease(&mine) : NULL;
	int rc = text && pgs_kv_set(t, STORE_TICK_LOCK_KEY, text) == 0 && pgs_commit(t) == 0 ? 1 : -1;
	free(text);
	if (rc < 0)
		pgs_rollback(t);
	return rc;
}

/* Lets the lock go: its connection closed, its session and lock with it. */
static void pg_tick_drop(pw_store_t *s)
{
	pgs_close(s->tick);
	s->tick = NULL;
}

static int pgs_tick_lock_renew(pw_store_t *s, const char *holder, int lease_s)
{
	if (!s->tick)
		return 0;
	int r = pg_lease_write(s->tick, holder, lease_s, true);
	if (r == 1)
		return 1;
	/* Taken over, or the connection (and so the lock) is gone: either
	 * way this process holds it no more. */
	if (r < 0)
		failf(s, "the tick lock was lost: %s", s->tick->err);
	else
		failf(s, "the tick lock was taken over by another runner");
	pg_tick_drop(s);
	return 0;
}

static int pgs_tick_lock_take(pw_store_t *s, const char *holder, int lease_s, char *who, size_t wholen)
{
	static const char try_sql[] = "SELECT pg_try_advisory_lock(" PG_TICK_LOCK ")";
	static const char end_sql[] =
		"SELECT pg_terminate_backend(pid) FROM pg_locks WHERE pid=$1 AND locktype='advisory'"
		" AND classid=" PG_TICK_LOCK_HI " AND objid=" PG_TICK_LOCK_LO " AND objsubid=1 AND granted"
		" AND database=(SELECT oid FROM pg_database WHERE datname=current_database())";
	if (s->tick && pgs_tick_lock_renew(s, holder, lease_s) == 1)
		return 1;
	char err[400];
	pw_store_t *t = s->tick_spare;
	s->tick_spare = NULL;
	if (!t && !(t = store_pg_open(s->path, STORE_OPEN_RAW, err, sizeof err)))
		return failf(s, "opening the tick lock's connection: %s", err);
	bool ended = false;
	for (int waited = 0;; waited += PG_TAKEOVER_POLL_MS) {
		PGresult *r = run(t, try_sql, NULL, "trying the tick lock");
		if (!r)
			break;
		bool got = PQgetvalue(r, 0, 0)[0] == 't';
		PQclear(r);
		if (got) {
			if (pg_lease_write(t, holder, lease_s, false) < 1)
				break;
			s->tick = t;
			return 1;
		}
		store_lease_t l;
		int64_t now = 0;
		int have = pg_lease_read(t, &l, &now);
		if (have < 0)
			break;
		/* Expired, or a crashed run of this very runner: taken over.
		 * No lease at all: a holder between its lock and its lease, or
		 * a session letting go right now — wait for either. */
		bool stale = have == 1 && (l.expires <= now || !strcmp(l.holder, holder));
		if ((have == 1 && !stale) || waited >= PG_TAKEOVER_WAIT_MS) {
			if (who)
				snprintf(who, wholen, "%s", have == 1 ? l.holder : "a runner taking it now");
			s->tick_spare = t; /* for the next try */
			return 0;
		}
		if (stale && !ended) {
			pgargs_t a = {0};
			a_i64(&a, l.pid);
			PGresult *e = run(t, end_sql, &a, "ending the expired holder's session");
			if (!e)
				break;
			PQclear(e);
			ended = true;
		}
		usleep(PG_TAKEOVER_POLL_MS * 1000);
	}
	failf(s, "%s", t->err);
	pgs_close(t);
	return -1;
}

static int pgs_tick_lock_release(pw_store_t *s, const char *holder)
{
	static const char unlock_sql[] = "SELECT pg_advisory_unlock_all()";
	if (!s->tick)
		return 0;
	pw_store_t *t = s->tick;
	store_lease_t l;
	int64_t now = 0;
	int rc = pgs_begin(t);
	int got = rc == 0 ? pg_lease_read(t, &l, &now) : -1;
	if (got == 1 && !strcmp(l.holder, holder) && pgs_kv_delete(t, STORE_TICK_LOCK_KEY) < 0)
		got = -1;
	if (got < 0 || pgs_commit(t) < 0) {
		failf(s, "releasing the tick lock: %s", t->err);
		rc = -1;
	}
	/* Let go now: closing the connection ends the session (and the lock)
	 * only as soon as its backend notices, and the next taker may be
	 * quicker than that. */
	PGresult *r = run(t, unlock_sql, NULL, "releasing the tick lock");
	PQclear(r);
	pg_tick_drop(s);
	return rc;
}

static int pgs_tick_lock_holder(pw_store_t *s, char *holder, size_t cap, int64_t *expires_in)
{
	store_lease_t l;
	int64_t now = 0;
	int got = pg_lease_read(s, &l, &now);
	if (got == 1 && holder)
		snprintf(holder, cap, "%s", l.holder);
	if (got == 1 && expires_in)
		*expires_in = l.expires - now;
	return got;
}

/* ---- reports, evals, archives, ai usage ------------------------------------------------ */

static int64_t pgs_report_insert(pw_store_t *s, int64_t season_id, int round, const char *kind,
				 int64_t governor_id, int64_t game_id, const char *text)
{
	static const char sql[] =
		"INSERT INTO reports(season_id, round_number, kind, governor_id, game_id, text)"
		" VALUES($1,$2,$3,$4,$5,$6) ON CONFLICT DO NOTHING";
	static const char qid[] = "SELECT id FROM reports WHERE season_id=$1 AND round_number=$2"
				  " AND kind=$3 AND governor_id=$4 AND game_id=$5";
	pgargs_t a = {0};
	a_i64(&a, season_id);
	a_i64(&a, round);
	a_txt(&a, kind);
	a_i64(&a, governor_id);
	a_i64(&a, game_id);
	a_txt(&a, text);
	if (run_done(s, sql, &a, "storing a report") < 0)
		return -1;
	a.n = 5; /* the key alone */
	return insert_id(s, qid, &a, "reading a report id");
}

static cJSON *pgs_reports_json(pw_store_t *s, int64_t season_id, int round, int64_t governor_id,
			       bool private_only)
{
	static const char qlatest[] =
		"SELECT COALESCE(MAX(round_number),0) FROM reports WHERE season_id=$1";
	/* The AI's version of a report, once written and passed, is the text. */
	static const char sql[] =
		"SELECT r.id, r.round_number, r.kind, r.governor_id, r.game_id, COALESCE(a.text, r.text),"
		" r.created_at, a.model FROM reports r LEFT JOIN ai_reports a ON a.report_id = r.id"
		" WHERE r.season_id=$1 AND ($2<0 OR r.round_number=$2) AND (($3=1 AND r.kind='private'"
		" AND r.governor_id=$4) OR ($3=0 AND r.kind<>'private')) ORDER BY r.round_number, r.id";
	if (round < 0 && !private_only) {
		int64_t latest = scalar_i64(s, qlatest, season_id, 1, "finding the latest report");
		if (latest < 0)
			return NULL;
		round = (int)latest;
	}
	pgargs_t a = {0};
	a_i64(&a, season_id);
	a_i64(&a, round);
	a_i64(&a, private_only ? 1 : 0);
	a_i64(&a, governor_id);
	PGresult *r = run(s, sql, &a, "reading reports");
	if (!r)
		return NULL;
	cJSON *arr = cJSON_CreateArray();
	for (int i = 0; arr && i < PQntuples(r); i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "id", (double)i64(r, i, 0));
		cJSON_AddNumberToObject(o, "round", (double)i64(r, i, 1));
		cJSON_AddStringToObject(o, "kind", PQgetvalue(r, i, 2));
		if (i64(r, i, 3))
			cJSON_AddNumberToObject(o, "governor_id", (double)i64(r, i, 3));
		if (i64(r, i, 4))
			cJSON_AddNumberToObject(o, "game_id", (double)i64(r, i, 4));
		cJSON_AddStringToObject(o, "text", PQgetvalue(r, i, 5));
		cJSON_AddStringToObject(o, "created_at", PQgetvalue(r, i, 6));
		bool ai = !null_at(r, i, 7);
		cJSON_AddStringToObject(o, "written_by", ai ? "ai" : "offline");
		if (ai)
			cJSON_AddStringToObject(o, "model", PQgetvalue(r, i, 7));
		cJSON_AddItemToArray(arr, o);
	}
	PQclear(r);
	return arr;
}

static int pgs_report_ai_set(pw_store_t *s, int64_t report_id, const char *text, const char *model)
{
	static const char sql[] = "INSERT INTO ai_reports(report_id, text, model) VALUES($1,$2,$3)"
				  " ON CONFLICT DO NOTHING";
	pgargs_t a = {0};
	a_i64(&a, report_id);
	a_txt(&a, text);
	a_txt(&a, model);
	return run_done(s, sql, &a, "storing an AI report");
}

static cJSON *pgs_evals_json(pw_store_t *s, int64_t season_id, int rounds)
{
	static const char sql[] =
		"SELECT round_number, kind, SUM(value), COUNT(*) FROM eval_results WHERE season_id=$1 AND"
		" round_number > (SELECT COALESCE(MAX(round_number),0) FROM eval_results"
		"  WHERE season_id=$1) - $2"
		" GROUP BY round_number, kind ORDER BY round_number DESC, kind";
	pgargs_t a = {0};
	a_i64(&a, season_id);
	a_i64(&a, rounds);
	PGresult *r = run(s, sql, &a, "reading evals");
	if (!r)
		return NULL;
	cJSON *arr = cJSON_CreateArray();
	for (int i = 0; arr && i < PQntuples(r); i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "round", (double)i64(r, i, 0));
		cJSON_AddStringToObject(o, "kind", PQgetvalue(r, i, 1));
		cJSON_AddNumberToObject(o, "value", dbl(r, i, 2));
		cJSON_AddNumberToObject(o, "reports", (double)i64(r, i, 3));
		cJSON_AddItemToArray(arr, o);
	}
	PQclear(r);
	return arr;
}

static int pgs_eval_insert(pw_store_t *s, int64_t season_id, int round, int64_t report_id,
			   const char *kind, double value)
{
	static const char sql[] =
		"INSERT INTO eval_results(season_id, round_number, report_id, kind, value)"
		" VALUES($1,$2,$3,$4,$5) ON CONFLICT DO NOTHING";
	pgargs_t a = {0};
	a_i64(&a, season_id);
	a_i64(&a, round);
	a_i64(&a, report_id);
	a_txt(&a, kind);
	a_dbl(&a, value);
	return run_done(s, sql, &a, "storing an eval");
}

static int pgs_eval_sum(pw_store_t *s, const char *kind, double *sum, int *count)
{
	static const char sql[] =
		"SELECT COALESCE(SUM(value),0), COUNT(*) FROM eval_results WHERE kind=$1";
	pgargs_t a = {0};
	a_txt(&a, kind);
	PGresult *r = NULL;
	int rc = run_row(s, sql, &a, "summing evals", &r);
	if (rc <= 0)
		return -1;
	*sum = dbl(r, 0, 0);
	*count = (int)i64(r, 0, 1);
	PQclear(r);
	return 0;
}

static int pgs_archive_insert(pw_store_t *s, int64_t season_id, const char *json)
{
	static const char sql[] = "INSERT INTO season_archives(season_id, json) VALUES($1,$2)"
				  " ON CONFLICT DO NOTHING";
	pgargs_t a = {0};
	a_i64(&a, season_id);
	a_txt(&a, json);
	return run_done(s, sql, &a, "archiving the season");
}

static char *pgs_archive_get(pw_store_t *s, int64_t season_id)
{
	static const char sql[] = "SELECT json FROM season_archives WHERE season_id=$1";
	return text_by_id(s, sql, season_id, "reading a season's archive");
}

static int pgs_ai_usage_insert(pw_store_t *s, const char *model, const char *call_type, int in_tok,
			       int out_tok, int cache_tok, double latency_ms, double cost_usd,
			       const char *outcome)
{
	static const char sql[] =
		"INSERT INTO ai_usage_log(model, call_type, input_tokens, output_tokens,"
		" cache_read_tokens, latency_ms, cost_usd, outcome) VALUES($1,$2,$3,$4,$5,$6,$7,$8)";
	pgargs_t a = {0};
	a_txt(&a, model);
	a_txt(&a, call_type);
	a_i64(&a, in_tok);
	a_i64(&a, out_tok);
	a_i64(&a, cache_tok);
	a_dbl(&a, latency_ms);
	a_dbl(&a, cost_usd);
	a_txt(&a, outcome ? outcome : "ok");
	return run_done(s, sql, &a, "logging AI usage");
}

static cJSON *pgs_ai_usage_daily_json(pw_store_t *s, int days)
{
	static const char sql[] =
		"SELECT substr(created_at, 1, 10) AS day, call_type, count(*),"
		" count(*) FILTER (WHERE outcome <> 'ok'), sum(input_tokens), sum(output_tokens),"
		" sum(cost_usd) FROM ai_usage_log WHERE substr(created_at, 1, 10) IN"
		" (SELECT DISTINCT substr(created_at, 1, 10) FROM ai_usage_log ORDER BY 1 DESC LIMIT $1)"
		" GROUP BY day, call_type ORDER BY day DESC, call_type";
	pgargs_t a = {0};
	a_i64(&a, days);
	PGresult *r = run(s, sql, &a, "reading AI usage");
	if (!r)
		return NULL;
	cJSON *arr = cJSON_CreateArray();
	for (int i = 0; arr && i < PQntuples(r); i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "day", PQgetvalue(r, i, 0));
		cJSON_AddStringToObject(o, "call_type", PQgetvalue(r, i, 1));
		cJSON_AddNumberToObject(o, "calls", (double)i64(r, i, 2));
		cJSON_AddNumberToObject(o, "failed", (double)i64(r, i, 3));
		cJSON_AddNumberToObject(o, "input_tokens", (double)i64(r, i, 4));
		cJSON_AddNumberToObject(o, "output_tokens", (double)i64(r, i, 5));
		cJSON_AddNumberToObject(o, "cost_usd", dbl(r, i, 6));
		cJSON_AddItemToArray(arr, o);
	}
	PQclear(r);
	return arr;
}

static int pgs_ai_cost_on(pw_store_t *s, const char *day, double *usd)
{
	static const char sql[] =
		"SELECT COALESCE(sum(cost_usd), 0) FROM ai_usage_log WHERE substr(created_at, 1, 10) = $1";
	pgargs_t a = {0};
	a_txt(&a, day);
	PGresult *r = NULL;
	if (run_row(s, sql, &a, "reading the AI's cost", &r) <= 0)
		return -1;
	*usd = dbl(r, 0, 0);
	PQclear(r);
	return 0;
}

static cJSON *pgs_ai_usage_json(pw_store_t *s)
{
	static const char sql[] =
		"SELECT model, call_type, count(*), sum(input_tokens), sum(output_tokens),"
		" sum(cache_read_tokens), sum(cost_usd), avg(latency_ms),"
		" count(*) FILTER (WHERE outcome <> 'ok')"
		" FROM ai_usage_log GROUP BY model, call_type ORDER BY model, call_type";
	PGresult *r = run(s, sql, NULL, "reading AI usage");
	if (!r)
		return NULL;
	cJSON *arr = cJSON_CreateArray();
	for (int i = 0; arr && i < PQntuples(r); i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "model", PQgetvalue(r, i, 0));
		cJSON_AddStringToObject(o, "call_type", PQgetvalue(r, i, 1));
		cJSON_AddNumberToObject(o, "calls", (double)i64(r, i, 2));
		cJSON_AddNumberToObject(o, "input_tokens", (double)i64(r, i, 3));
		cJSON_AddNumberToObject(o, "output_tokens", (double)i64(r, i, 4));
		cJSON_AddNumberToObject(o, "cache_read_tokens", (double)i64(r, i, 5));
		cJSON_AddNumberToObject(o, "cost_usd", dbl(r, i, 6));
		cJSON_AddNumberToObject(o, "avg_latency_ms", dbl(r, i, 7));
		cJSON_AddNumberToObject(o, "failed", (double)i64(r, i, 8));
		cJSON_AddItemToArray(arr, o);
	}
	PQclear(r);
	return arr;
}

/* ---- the operations ------------------------------------------------------ */

/* ---- the Discord outbox (store_discord.h) ---------------------------------- */

static int pgs_outbox_add(pw_store_t *s, const char *method, const char *path, const char *body, int64_t now,
			  int64_t *id)
{
	if (strlen(method) >= sizeof ((pw_outbox_row_t *)0)->method || strlen(path) >= STORE_OUTBOX_PATH_MAX)
		return failf(s, "an outbox call's method or path is too long");
	static const char sql[] = "INSERT INTO discord_outbox(method, path, body, created_at)"
				  " VALUES($1,$2,$3,$4) RETURNING id";
	pgargs_t a = {0};
	a_txt(&a, method);
	a_txt(&a, path);
	a_txt(&a, body);
	a_i64(&a, now);
	int64_t got = insert_id(s, sql, &a, "queueing a Discord call");
	if (got < 0)
		return -1;
	if (id)
		*id = got;
	return 0;
}

static int pgs_outbox_next(pw_store_t *s, pw_outbox_row_t *out)
{
	static const char sql[] = "SELECT id, method, path, body, attempts FROM discord_outbox"
				  " WHERE done_at IS NULL ORDER BY id LIMIT 1";
	memset(out, 0, sizeof *out);
	PGresult *r = NULL;
	int rc = run_row(s, sql, NULL, "reading the Discord outbox", &r);
	if (rc == 1) {
		out->id = i64(r, 0, 0);
		copy_at(r, 0, 1, out->method, sizeof out->method);
		copy_at(r, 0, 2, out->path, sizeof out->path);
		out->body = dup_at(r, 0, 3);
		out->attempts = (int)i64(r, 0, 4);
		if (!null_at(r, 0, 3) && !out->body)
			rc = failf(s, "out of memory reading the Discord outbox");
		PQclear(r);
	}
	return rc;
}

static int pgs_outbox_done(pw_store_t *s, int64_t id, int status, const char *error, int64_t now)
{
	static const char sql[] = "UPDATE discord_outbox SET done_at=$1, status=$2, error=$3 WHERE id=$4";
	pgargs_t a = {0};
	a_i64(&a, now);
	a_i64(&a, status);
	a_txt(&a, error);
	a_i64(&a, id);
	return run_done(s, sql, &a, "marking a Discord call done");
}

static int pgs_outbox_failed_try(pw_store_t *s, int64_t id, const char *error)
{
	static const char sql[] = "UPDATE discord_outbox SET attempts=attempts+1, error=$1 WHERE id=$2";
	pgargs_t a = {0};
	a_txt(&a, error ? error : "");
	a_i64(&a, id);
	return run_done(s, sql, &a, "counting a failed Discord call");
}

static int64_t pgs_outbox_pending(pw_store_t *s)
{
	static const char sql[] = "SELECT count(*) FROM discord_outbox WHERE done_at IS NULL";
	return scalar_i64(s, sql, 0, 0, "counting the Discord outbox");
}

static int pgs_identity_subject(pw_store_t *s, int64_t identity_id, const char *provider, char *out, size_t cap)
{
	static const char sql[] = "SELECT subject FROM identities WHERE id=$1 AND provider=$2";
	pgargs_t a = {0};
	a_i64(&a, identity_id);
	a_txt(&a, provider);
	PGresult *r = NULL;
	int rc = run_row(s, sql, &a, "reading an identity", &r);
	if (rc == 1) {
		const char *v = PQgetvalue(r, 0, 0);
		rc = strlen(v) < cap ? 1 : 0;
		if (rc)
			snprintf(out, cap, "%s", v);
		PQclear(r);
	}
	return rc;
}

/* ---- the live-event log ------------------------------------------------------
 *
 * The bus across instances (store.h, docs/POSTGRES.md "The bus"). An append
 * is its own transaction: it takes the live log's advisory lock ("pwlive"
 * in ASCII, not the writers' lock, so a long governance write never holds
 * the stream up), inserts the row and NOTIFYs its id on PG_LIVE_CHANNEL;
 * the notification goes out at COMMIT. The lock is why a reader never
 * skips an event: an identity column hands out ids in the order inserts
 * begin, but transactions commit in any order, so without it a reader
 * could see id N+1 committed, remember it as the last one read, and never
 * look for N, committed a moment later. Under the lock ids are taken and
 * committed one transaction at a time, in id order. The payload is the id
 * only (NOTIFY's payload is at most 8000 bytes; an event can be longer):
 * listeners read the rows after the last id they delivered anyway.
 */
#define PG_LIVE_LOCK "123658222270053"
#define PG_LIVE_CHANNEL "pw_live"

static int64_t pgs_live_append(pw_store_t *s, const char *type, const char *json, const char *origin)
{
	/* BEGIN and the lock in one round trip, sent again on a new
	 * connection if the one there was found cut (nothing was written):
	 * then the insert, then COMMIT. */
	static const char begin[] = "BEGIN; SELECT pg_advisory_xact_lock(" PG_LIVE_LOCK ")";
	static const char sql[] =
		"WITH ins AS (INSERT INTO live_events(type, json, origin) VALUES($1,$2,$3) RETURNING id)"
		" SELECT id, pg_notify('" PG_LIVE_CHANNEL "', id::text) FROM ins";
	if (s->in_tx)
		return failf(s, "a live event is appended outside a transaction");
	if (store_live_check(s, type, json, origin) < 0)
		return -1;
	if (begin_tx(s, begin, "starting a live event's transaction and waiting for the live log's lock") < 0)
		return -1;
	pgargs_t a = {0};
	a_txt(&a, type);
	a_txt(&a, json);
	a_txt(&a, origin ? origin : "");
	PGresult *r = NULL;
	int64_t id = -1;
	if (run_row(s, sql, &a, "appending a live event", &r) == 1) {
		id = i64(r, 0, 0);
		PQclear(r);
	}
	if (id < 0) {
		pgs_rollback(s);
		return -1;
	}
	if (pgs_commit(s) < 0)
		return -1;
	return id;
}

static int pgs_live_since(pw_store_t *s, int64_t after_id, int limit, pw_live_cb cb, void *ud)
{
	static const char sql[] =
		"SELECT id, type, json, origin FROM live_events WHERE id > $1 ORDER BY id LIMIT $2";
	if (limit < 1 || limit > STORE_LIVE_PAGE_MAX)
		return failf(s, "a page of live events is 1 to %d events", STORE_LIVE_PAGE_MAX);
	pgargs_t a = {0};
	a_i64(&a, after_id);
	a_i64(&a, limit);
	PGresult *r = run(s, sql, &a, "reading live events");
	if (!r)
		return -1;
	int n = PQntuples(r);
	for (int i = 0; i < n; i++) {
		pw_live_event_t e = {
			.id = i64(r, i, 0),
			.type = PQgetvalue(r, i, 1),
			.json = PQgetvalue(r, i, 2),
			.origin = PQgetvalue(r, i, 3),
		};
		int stop = cb(ud, &e);
		if (stop) {
			PQclear(r);
			return stop;
		}
	}
	PQclear(r);
	return n;
}

static int64_t pgs_live_latest(pw_store_t *s)
{
	static const char sql[] = "SELECT COALESCE(MAX(id),0) FROM live_events";
	return scalar_i64(s, sql, 0, 0, "reading the newest live event");
}

static int pgs_live_prune(pw_store_t *s, int64_t keep)
{
	static const char sql[] =
		"DELETE FROM live_events WHERE id <= (SELECT COALESCE(MAX(id),0) FROM live_events) - $1";
	if (keep < 1)
		return failf(s, "pruning live events keeps at least one");
	pgargs_t a = {0};
	a_i64(&a, keep);
	return run_changes(s, sql, &a, "pruning live events");
}

static int pgs_live_listen(pw_store_t *s)
{
	if (s->in_tx)
		return failf(s, "listening inside a transaction");
	return exec_const(s, "LISTEN " PG_LIVE_CHANNEL, "listening for live events");
}

/* Reads what the server sent: the notifications waiting (how many), or -1
 * when the connection is gone. */
static int live_drain(pw_store_t *s)
{
	if (!PQconsumeInput(s->pg) || PQstatus(s->pg) != CONNECTION_OK)
		return fail(s, "listening for live events", NULL);
	int n = 0;
	PGnotify *nt;
	while ((nt = PQnotifies(s->pg)) != NULL) {
		PQfreemem(nt);
		n++;
	}
	return n;
}

static int pgs_live_wait(pw_store_t *s, int timeout_ms)
{
	int n = live_drain(s);
	if (n != 0)
		return n < 0 ? -1 : 1;
	int fd = PQsocket(s->pg);
	if (fd < 0)
		return failf(s, "listening for live events: the connection is closed");
	struct pollfd p = {.fd = fd, .events = POLLIN};
	int r = poll(&p, 1, timeout_ms < 0 ? 0 : timeout_ms);
	if (r < 0)
		return errno == EINTR ? 0 : failf(s, "listening for live events: %s", strerror(errno));
	if (r == 0)
		return 0;
	n = live_drain(s);
	return n < 0 ? -1 : n > 0;
}

/* Every operation; a function being ported would leave its entry NULL
 * (store.c then refuses the backend in the program, naming it). */
const struct store_ops store_pg_ops = {
	.backend = "PostgreSQL",
	.copy = &store_pg_copy_ops,
	.close = pgs_close,
	.ping = pgs_ping,
	.rollback = pgs_rollback,
	.viewer = true,
	.shared = true,
#define X(ret, name, params, args, fail) .name = pgs_##name,
	PW_STORE_OPS(X)
#undef X
};
