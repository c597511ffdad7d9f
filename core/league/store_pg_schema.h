/*
 * store_pg_schema.h — the PostgreSQL dialect of the store's schema.
 *
 * The same numbered migrations as store_migrations.c (the SQLite dialect),
 * written for PostgreSQL, and the code that applies them over a libpq
 * connection. Migration N here and migration N there must describe the
 * same tables and columns: tests/integration/test_store_pg.c compares the
 * two schemas after migrating and fails on any drift, so a migration
 * added to one dialect and not the other does not get past the suite.
 *
 * The PostgreSQL backend (store_pg.c, behind store.h; issue 16) calls
 * store_pg_migrate when it opens a database.
 *
 * The header names libpq's connection only as a struct, so including it
 * never pulls <libpq-fe.h> into a file: that header is for the backend's
 * own .c files (tests/layers.sh refuses it anywhere else).
 */
#ifndef PW_STORE_PG_SCHEMA_H
#define PW_STORE_PG_SCHEMA_H

#include <stddef.h>

struct pg_conn; /* libpq's PGconn */

/* SQLite's strftime('%Y-%m-%dT%H:%M:%SZ','now') and '%H:%M:%fZ'
 * (milliseconds), as SQL expressions: the schema's defaults and the
 * backend's statements write timestamps in the same text. */
#define STORE_PG_NOW \
	"(to_char(statement_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'))"
#define STORE_PG_NOW_MS \
	"(to_char(statement_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'))"

/* The migrations, in order: store_pg_migrations[N-1] brings the schema
 * from version N-1 to N. Each is DDL text for one transaction. */
extern const char *const store_pg_migrations[];
extern const int store_pg_migrations_count;

/*
 * The schema version of the database behind conn: the highest version in
 * schema_version of the connection's current schema, 0 when there is no
 * such table yet, -1 on error (err filled).
 */
int store_pg_schema_version(struct pg_conn *conn, char *err, size_t errlen);

/*
 * Applies every pending migration, each in its own transaction together
 * with its row in schema_version, so a failure leaves the database at the
 * last whole step. Several processes may call this at once: each step
 * takes a transaction-level advisory lock and re-reads the version under
 * it, so no step is applied twice. *applied (may be NULL) gets how many
 * steps this call applied. Returns 0, or -1 with err filled (also when the
 * database is newer than this build). The connection must not be inside a
 * transaction.
 */
int store_pg_migrate(struct pg_conn *conn, int *applied, char *err, size_t errlen);

#endif
