/*
 * dbtest.h — raw SQL on a test's database, whichever backend holds it.
 *
 * Most tests reach the database only through store.h and so run on both
 * backends as they are. A few must reach under it: to check what a
 * table holds, or to break something on purpose (a tampered hash, a
 * setting a command would have written). They name the database as the
 * program does — a SQLite path or a postgres:// URL — and write SQL both
 * dialects take (upserts with ON CONFLICT, count(*) FILTER (WHERE ...)).
 * SQLite is reached through its library, PostgreSQL through psql (the
 * client of the server the tests start), so no test links libpq: the
 * wall that keeps it inside the store's backend holds for the tests too.
 */
#ifndef PW_DBTEST_H
#define PW_DBTEST_H

#include <stdbool.h>

/* True when db is a PostgreSQL URL. */
bool dbt_is_postgres(const char *db);

/* Runs sql (one or more statements); 0, or -1 after failing the test with
 * the database's message. */
int dbt_exec(const char *db, const char *sql);

/* The first column of the first row as text (malloc'd; NULL for no row,
 * SQL NULL, or an error, which fails the test). */
char *dbt_text(const char *db, const char *sql);

/* The same as an integer; dflt when there is no row or it failed. */
long long dbt_int(const char *db, const char *sql, long long dflt);

/*
 * Makes a write fail as a full disk would: a trigger `name` refusing op
 * ("INSERT" or "UPDATE") on table, when the condition on NEW holds (NULL:
 * always), with message as the database's error. A SQLite trigger, or a
 * PostgreSQL trigger and its function (name_fn). Seen by every
 * connection. dbt_allow takes it away. Both return 0 or -1 (the test
 * failed, saying why).
 */
int dbt_refuse(const char *db, const char *name, const char *op, const char *table, const char *when,
	       const char *message);
int dbt_allow(const char *db, const char *name, const char *table);

/* PostgreSQL: lets the database of url take new sessions or not, and when
 * not, ends the sessions it has — the database going down and coming back,
 * as the store sees it. Through the server's own "postgres" database (a
 * database that refuses sessions refuses the superuser's too). */
int dbt_pg_sessions(const char *url, bool allow);

#endif
