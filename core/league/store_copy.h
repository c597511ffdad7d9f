/*
 * store_copy.h — moving a whole league from a SQLite file into a PostgreSQL
 * database: `pinwheel migrate --from FILE --to postgres://...` (issue 16,
 * docs/OPERATIONS.md "Moving a league from SQLite to PostgreSQL").
 *
 * The copy is one-way and whole: every table the migrations made, every
 * row as it is (ids kept, the event log in its order), then each id
 * generator of the target moved past the highest id copied, so rows added
 * later never collide. It knows no table by name — each backend lists its
 * tables from its own catalog (store_internal.h) — so a table a later
 * migration adds is copied with no change here, and a table one side has
 * and the other has not stops the copy, named.
 */
#ifndef PW_STORE_COPY_H
#define PW_STORE_COPY_H

#include <stddef.h>
#include <stdint.h>

/* Told of each table once its rows are written (rows: how many); a
 * nonzero return stops the copy, which then writes nothing. */
typedef int (*store_copy_cb)(void *ud, const char *table, int64_t rows);

/*
 * Copies the league of the SQLite file from into the PostgreSQL database
 * the URL to names (migrating that database first if it is new).
 * Refused, with err saying why and nothing written:
 *  - from is not a SQLite file (missing, a URL, another kind of file), or
 *    to is not a postgres:// URL;
 *  - from's schema is older than this build's (run `pinwheel migrate --db
 *    FILE` first: the copy never changes its source) or newer;
 *  - the target already holds a league (a row in any table but
 *    schema_version) or is newer than this build;
 *  - a table or column on one side is not on the other.
 * The target is written in one transaction under the writers' lock: a
 * failure, or the process killed, leaves it as it was. The source is read
 * in one read transaction, so a server may keep running on it (what it
 * writes after the copy began is not copied). cb (may be NULL) is told of
 * each table. Returns the rows copied, or -1.
 */
int64_t store_copy(const char *from, const char *to, store_copy_cb cb, void *ud, char *err,
		   size_t errlen);

#endif
