/*
 * test_store_pg.c — the PostgreSQL dialect of the store's schema, on a real
 * server (tests/pgtest.h): the migrations apply, once, also when two
 * processes migrate at once; the event log refuses UPDATE, DELETE and
 * TRUNCATE in the database itself; and the two dialects describe the same
 * tables, columns, indexes and triggers (the drift test).
 */
#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/league/store.h"
#include "core/league/store_pg_schema.h"
#include "tests/pgtest.h"
#include "tests/test.h"

/* A connection to a fresh database of this test's own, or NULL (the test
 * has failed or been skipped). */
static PGconn *fresh_db(void)
{
	char *url = pgtest_database();
	if (!url)
		return NULL;
	PGconn *c = PQconnectdb(url);
	free(url);
	if (PQstatus(c) != CONNECTION_OK) {
		CHECK_MSG(0, "connecting: %s", PQerrorMessage(c));
		PQfinish(c);
		return NULL;
	}
	return c;
}

/* Runs sql with up to two text parameters; returns the result (caller clears). */
static PGresult *q(PGconn *c, const char *sql, const char *p1, const char *p2)
{
	const char *vals[2] = {p1, p2};
	int n = p2 ? 2 : p1 ? 1 : 0;
	return PQexecParams(c, sql, n, NULL, vals, NULL, NULL, 0);
}

/* The SQLSTATE of a failed statement ("" when it did not fail). */
static const char *sqlstate(PGresult *r)
{
	if (PQresultStatus(r) != PGRES_FATAL_ERROR)
		return "";
	const char *s = PQresultErrorField(r, PG_DIAG_SQLSTATE);
	return s ? s : "";
}

TEST(pg_migrations_apply_once_and_are_idempotent)
{
	PGconn *c = fresh_db();
	if (!c)
		return;
	char err[512] = "";
	CHECK_EQ(store_pg_schema_version(c, err, sizeof err), 0);

	int applied = -1;
	CHECK_MSG(store_pg_migrate(c, &applied, err, sizeof err) == 0, "migrate: %s", err);
	CHECK_EQ(applied, store_pg_migrations_count);
	CHECK_EQ(store_pg_schema_version(c, err, sizeof err), store_pg_migrations_count);
	/* The same count of steps as the SQLite dialect. */
	CHECK_EQ(store_pg_migrations_count, store_latest_version());

	/* Again: nothing to do, nothing changed. */
	CHECK_MSG(store_pg_migrate(c, &applied, err, sizeof err) == 0, "re-migrate: %s", err);
	CHECK_EQ(applied, 0);
	PGresult *r = q(c, "SELECT count(*)::int, min(version)::int, max(version)::int FROM schema_version",
			NULL, NULL);
	CHECK_EQ(PQresultStatus(r), PGRES_TUPLES_OK);
	if (PQresultStatus(r) == PGRES_TUPLES_OK) {
		CHECK_EQ(atoi(PQgetvalue(r, 0, 0)), store_pg_migrations_count);
		CHECK_EQ(atoi(PQgetvalue(r, 0, 1)), 1);
		CHECK_EQ(atoi(PQgetvalue(r, 0, 2)), store_pg_migrations_count);
	}
	PQclear(r);

	/* The defaults work: an insert naming only what has no default. */
	r = q(c, "INSERT INTO leagues(name, seed) VALUES($1, $2) RETURNING id, meta, created_at",
	      "Test League", "9223372036854775807");
	CHECK_EQ(PQresultStatus(r), PGRES_TUPLES_OK);
	if (PQresultStatus(r) == PGRES_TUPLES_OK) {
		CHECK_STR(PQgetvalue(r, 0, 0), "1");
		CHECK_STR(PQgetvalue(r, 0, 1), "{}");
		/* The SQLite dialect's text: 2026-01-02T03:04:05Z. */
		const char *at = PQgetvalue(r, 0, 2);
		CHECK_MSG(strlen(at) == 20 && at[10] == 'T' && at[19] == 'Z', "created_at \"%s\"", at);
	}
	PQclear(r);

	/* A database newer than this build is refused, not half-read. */
	char newer[16];
	snprintf(newer, sizeof newer, "%d", store_pg_migrations_count + 1);
	PQclear(q(c, "INSERT INTO schema_version(version) VALUES($1::bigint)", newer, NULL));
	CHECK_EQ(store_pg_migrate(c, &applied, err, sizeof err), -1);
	CHECK_CONTAINS(err, "newer than this build");
	PQfinish(c);
}

/*
 * Two processes migrate one empty database at the same moment: the
 * advisory lock lets each step through once, so together they apply
 * every migration exactly once and neither fails.
 */
TEST(pg_migrations_race_between_processes)
{
	char *url = pgtest_database();
	if (!url)
		return;
	int go[2];
	CHECK(pipe(go) == 0);
	pid_t kids[2];
	for (int k = 0; k < 2; k++) {
		fflush(stdout);
		kids[k] = fork();
		if (kids[k] == 0) {
			close(go[1]);
			PGconn *c = PQconnectdb(url);
			char ch, err[512];
			int applied = 0;
			/* Both connected, then both start when the pipe closes. */
			if (read(go[0], &ch, 1) < 0 || PQstatus(c) != CONNECTION_OK ||
			    store_pg_migrate(c, &applied, err, sizeof err) != 0)
				_exit(100);
			PQfinish(c);
			_exit(applied);
		}
	}
	close(go[0]);
	close(go[1]);
	int total = 0;
	for (int k = 0; k < 2; k++) {
		int st;
		CHECK(waitpid(kids[k], &st, 0) == kids[k]);
		CHECK(WIFEXITED(st) && WEXITSTATUS(st) != 100);
		total += WIFEXITED(st) ? WEXITSTATUS(st) : 0;
	}
	CHECK_EQ(total, store_pg_migrations_count);

	PGconn *c = PQconnectdb(url);
	free(url);
	PGresult *r = q(c, "SELECT count(*)::int FROM schema_version", NULL, NULL);
	CHECK(PQresultStatus(r) == PGRES_TUPLES_OK && atoi(PQgetvalue(r, 0, 0)) == store_pg_migrations_count);
	PQclear(r);
	PQfinish(c);
}

TEST(pg_event_log_is_append_only_in_the_database)
{
	PGconn *c = fresh_db();
	if (!c)
		return;
	char err[512] = "";
	CHECK_MSG(store_pg_migrate(c, NULL, err, sizeof err) == 0, "migrate: %s", err);

	const char *ins = "INSERT INTO governance_events(event_type, aggregate_type, aggregate_id,"
			  " sequence_number, payload) VALUES('proposal.submitted', 'proposal', $1,"
			  " $2::bigint, '{}')";
	PGresult *r = q(c, ins, "p1", "1");
	CHECK_EQ(PQresultStatus(r), PGRES_COMMAND_OK);
	PQclear(r);

	/* Each of these is refused by the trigger, whatever it matches —
	 * also when it matches no row at all. */
	static const struct {
		const char *sql, *op;
	} refused[] = {
		{"UPDATE governance_events SET payload = '{\"forged\":1}'", "UPDATE"},
		{"UPDATE governance_events SET payload = '{}' WHERE false", "UPDATE"},
		{"DELETE FROM governance_events", "DELETE"},
		{"DELETE FROM governance_events WHERE id < 0", "DELETE"},
		{"TRUNCATE governance_events", "TRUNCATE"},
	};
	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		r = q(c, refused[i].sql, NULL, NULL);
		CHECK_MSG(PQresultStatus(r) == PGRES_FATAL_ERROR, "allowed: %s", refused[i].sql);
		CHECK_STR(sqlstate(r), "23001"); /* restrict_violation */
		char want[64];
		snprintf(want, sizeof want, "append-only: no %s", refused[i].op);
		CHECK_CONTAINS(PQresultErrorMessage(r), want);
		PQclear(r);
	}

	/* Appending still works, and the first event is as it was written. */
	r = q(c, ins, "p2", "2");
	CHECK_EQ(PQresultStatus(r), PGRES_COMMAND_OK);
	PQclear(r);
	r = q(c, "SELECT aggregate_id, payload FROM governance_events ORDER BY sequence_number", NULL,
	      NULL);
	CHECK(PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 2);
	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 2) {
		CHECK_STR(PQgetvalue(r, 0, 0), "p1");
		CHECK_STR(PQgetvalue(r, 0, 1), "{}");
	}
	PQclear(r);

	/* A season's archive, once written, stays as written (as in SQLite). */
	PQclear(q(c, "INSERT INTO leagues(id, name, seed) VALUES(1, 'L', 1)", NULL, NULL));
	PQclear(q(c, "INSERT INTO seasons(id, league_id, number, name, seed, rules_json)"
		     " VALUES(1, 1, 1, 'S1', 1, '{}')", NULL, NULL));
	r = q(c, "INSERT INTO season_archives(season_id, json) VALUES(1, $1)", "{\"champion\":1}", NULL);
	CHECK_EQ(PQresultStatus(r), PGRES_COMMAND_OK);
	PQclear(r);
	r = q(c, "UPDATE season_archives SET json = '{}'", NULL, NULL);
	CHECK_STR(sqlstate(r), "23001");
	CHECK_CONTAINS(PQresultErrorMessage(r), "season archives are immutable");
	PQclear(r);
	PQfinish(c);
}

/* ---- the drift test ------------------------------------------------- */

/* A schema as a sorted list of lines: "column TABLE.COLUMN CLASS NULL",
 * "index NAME", "trigger TABLE OP". */
struct lines {
	char **v;
	int n, cap;
};

static void add(struct lines *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(struct lines *l, const char *fmt, ...)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		char **v = realloc(l->v, (size_t)l->cap * sizeof *l->v);
		if (!v)
			abort();
		l->v = v;
	}
	va_list ap;
	va_start(ap, fmt);
	char *s = NULL;
	if (vasprintf(&s, fmt, ap) >= 0)
		l->v[l->n++] = s;
	va_end(ap);
}

static int cmp_line(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_lines(struct lines *l)
{
	for (int i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

/* The class of a column's declared type by SQLite's affinity rules, in
 * their order (so "POINT" is numeric, "" is blob). */
static const char *sqlite_class(const char *decl)
{
	char up[64];
	size_t i = 0;
	for (; decl && decl[i] && i < sizeof up - 1; i++)
		up[i] = (char)(decl[i] >= 'a' && decl[i] <= 'z' ? decl[i] - 32 : decl[i]);
	up[i] = '\0';
	if (strstr(up, "INT"))
		return "integer";
	if (strstr(up, "CHAR") || strstr(up, "CLOB") || strstr(up, "TEXT"))
		return "text";
	if (!up[0] || strstr(up, "BLOB"))
		return "blob";
	if (strstr(up, "REAL") || strstr(up, "FLOA") || strstr(up, "DOUB"))
		return "real";
	return "numeric";
}

/* The same classes for PostgreSQL's information_schema data types. */
static const char *pg_class(const char *type)
{
	static const struct {
		const char *type, *cls;
	} map[] = {
		{"bigint", "integer"},
		{"integer", "integer"},
		{"smallint", "integer"},
		{"text", "text"},
		{"character varying", "text"},
		{"character", "text"},
		{"double precision", "real"},
		{"real", "real"},
		{"numeric", "numeric"},
		{"bytea", "blob"},
	};
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (!strcmp(type, map[i].type))
			return map[i].cls;
	return type; /* a type with no SQLite counterpart: a drift by itself */
}

/* The SQLite dialect's schema after store_open has migrated a new file. */
static void sqlite_schema(struct lines *out)
{
	char path[512], err[256];
	snprintf(path, sizeof path, "%s/drift.db", test_tmpdir());
	pw_store_t *s = store_open(path, err, sizeof err);
	CHECK_MSG(s != NULL, "store_open: %s", err);
	if (!s)
		return;
	store_close(s);
	sqlite3 *db = NULL;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		CHECK_MSG(0, "opening %s: %s", path, sqlite3_errmsg(db));
		sqlite3_close(db);
		return;
	}
	static const char *const sql[] = {
		/* A PRIMARY KEY column counts as NOT NULL, as PostgreSQL makes
		 * it (SQLite lets a non-INTEGER key be NULL, a quirk). */
		"SELECT 'c', m.name, p.name, p.type, p.\"notnull\" OR p.pk > 0"
		" FROM sqlite_master m JOIN pragma_table_info(m.name) p"
		" WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'",
		/* Indexes the migrations name (not those of keys and UNIQUE). */
		"SELECT 'i', name, '', '', 0 FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL",
		"SELECT 't', tbl_name, sql, '', 0 FROM sqlite_master WHERE type = 'trigger'",
	};
	for (size_t k = 0; k < sizeof sql / sizeof sql[0]; k++) {
		sqlite3_stmt *st = NULL;
		if (sqlite3_prepare_v2(db, sql[k], -1, &st, NULL) != SQLITE_OK) {
			CHECK_MSG(0, "%s: %s", sql[k], sqlite3_errmsg(db));
			continue;
		}
		while (sqlite3_step(st) == SQLITE_ROW) {
			char kind = (char)sqlite3_column_text(st, 0)[0];
			const char *a = (const char *)sqlite3_column_text(st, 1);
			const char *b = (const char *)sqlite3_column_text(st, 2);
			if (kind == 'c')
				add(out, "column %s.%s %s %s", a, b,
				    sqlite_class((const char *)sqlite3_column_text(st, 3)),
				    sqlite3_column_int(st, 4) ? "notnull" : "null");
			else if (kind == 'i')
				add(out, "index %s", a);
			else
				/* Which statements the trigger stands in front of. */
				for (const char *const *op = (const char *const[]){"INSERT", "UPDATE", "DELETE", NULL};
				     *op; op++) {
					char on[32];
					snprintf(on, sizeof on, "%s ON", *op);
					if (strstr(b, on))
						add(out, "trigger %s %s", a, *op);
				}
		}
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
}

/* The PostgreSQL dialect's schema after store_pg_migrate. */
static void pg_schema(PGconn *c, struct lines *out)
{
	static const char *const sql[] = {
		"SELECT 'c', table_name, column_name, data_type, (is_nullable = 'NO')::int"
		" FROM information_schema.columns WHERE table_schema = current_schema()",
		/* Indexes that no constraint made (a key's or UNIQUE's index is
		 * each constraint's conindid). */
		"SELECT 'i', c.relname, '', '', 0 FROM pg_index i"
		" JOIN pg_class c ON c.oid = i.indexrelid"
		" WHERE c.relnamespace = current_schema()::regnamespace"
		" AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)",
		/* TRUNCATE is not in information_schema.triggers: the event log's
		 * refusal of it, which SQLite has no word for, stays out. */
		"SELECT DISTINCT 't', event_object_table, event_manipulation, '', 0"
		" FROM information_schema.triggers WHERE trigger_schema = current_schema()",
	};
	for (size_t k = 0; k < sizeof sql / sizeof sql[0]; k++) {
		PGresult *r = q(c, sql[k], NULL, NULL);
		CHECK_MSG(PQresultStatus(r) == PGRES_TUPLES_OK, "%s: %s", sql[k], PQerrorMessage(c));
		for (int i = 0; PQresultStatus(r) == PGRES_TUPLES_OK && i < PQntuples(r); i++) {
			char kind = PQgetvalue(r, i, 0)[0];
			const char *a = PQgetvalue(r, i, 1), *b = PQgetvalue(r, i, 2);
			if (kind == 'c')
				add(out, "column %s.%s %s %s", a, b, pg_class(PQgetvalue(r, i, 3)),
				    atoi(PQgetvalue(r, i, 4)) ? "notnull" : "null");
			else if (kind == 'i')
				add(out, "index %s", a);
			else
				add(out, "trigger %s %s", a, b);
		}
		PQclear(r);
	}
}

/*
 * The drift test: after every migration of each dialect, the two schemas
 * have the same tables and columns (by name, a coarse type class and
 * nullability), the same named indexes, and triggers in front of the same
 * statements on the same tables. A migration added to store_migrations.c
 * and not to store_pg_schema.c (or the other way) fails here, naming what
 * differs.
 */
TEST(pg_schema_matches_sqlite_schema)
{
	PGconn *c = fresh_db();
	if (!c)
		return;
	char err[512] = "";
	CHECK_MSG(store_pg_migrate(c, NULL, err, sizeof err) == 0, "migrate: %s", err);
	CHECK_EQ(store_pg_migrations_count, store_latest_version());

	struct lines lite = {0}, pg = {0};
	sqlite_schema(&lite);
	pg_schema(c, &pg);
	PQfinish(c);
	qsort(lite.v, (size_t)lite.n, sizeof *lite.v, cmp_line);
	qsort(pg.v, (size_t)pg.n, sizeof *pg.v, cmp_line);

	/* Enough of each to be a schema, not an empty query. */
	CHECK(lite.n > 150);
	int i = 0, j = 0;
	while (i < lite.n || j < pg.n) {
		int d = i == lite.n ? 1 : j == pg.n ? -1 : strcmp(lite.v[i], pg.v[j]);
		if (d < 0)
			CHECK_MSG(0, "SQLite only: %s", lite.v[i++]);
		else if (d > 0)
			CHECK_MSG(0, "PostgreSQL only: %s", pg.v[j++]);
		else
			i++, j++;
	}
	free_lines(&lite);
	free_lines(&pg);
}
