/*
 * store_internal.h — shared between the store's own files only.
 */
#ifndef PW_STORE_INTERNAL_H
#define PW_STORE_INTERNAL_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/league/store.h"

extern const char *const store_migrations[];
extern const int store_migrations_count;

#define PW_STMT_CACHE 96

struct pw_store {
	sqlite3 *db;
	char path[512];
	/* The file the connection opened (0: unknown, e.g. ":memory:"). */
	uint64_t ino, dev;
	char err[512];
	int in_tx;
	/* Prepared statements keyed by the address of their static SQL text:
	 * every query is a string literal, so pointer identity is enough. */
	struct {
		const char *sql;
		sqlite3_stmt *st;
	} cache[PW_STMT_CACHE];
	int ncache;
	/* store_events_since's statement, kept between walks (preparing it
	 * was most of what a gov_sync with nothing new cost); a walk started
	 * inside another walk's callback prepares its own. */
	sqlite3_stmt *events_st;
	bool events_busy;
};

#endif
