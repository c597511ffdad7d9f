/*
 * store_discord.c — the Discord outbox table (see store_discord.h).
 *
 * Few calls a minute at most, so statements are prepared per call rather
 * than through store.c's cache (its helpers are that file's own).
 */
#include "core/league/store_discord.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/league/store_internal.h"

static sqlite3_stmt *prepare(pw_store_t *s, const char *sql)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
		snprintf(s->err, sizeof s->err, "preparing an outbox statement: %s", sqlite3_errmsg(s->db));
		return NULL;
	}
	return st;
}

/* Steps a statement that returns no row, then finalizes it. */
static int run_done(pw_store_t *s, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);
	if (rc != SQLITE_DONE)
		snprintf(s->err, sizeof s->err, "%s: %s", what, sqlite3_errmsg(s->db));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int store_outbox_add(pw_store_t *s, const char *method, const char *path, const char *body,
		     int64_t now, int64_t *id)
{
	if (strlen(method) >= sizeof ((pw_outbox_row_t *)0)->method || strlen(path) >= STORE_OUTBOX_PATH_MAX) {
		snprintf(s->err, sizeof s->err, "an outbox call's method or path is too long");
		return -1;
	}
	sqlite3_stmt *st = prepare(s, "INSERT INTO discord_outbox(method, path, body, created_at) VALUES(?,?,?,?)");
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, method, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, path, -1, SQLITE_STATIC);
	if (body)
		sqlite3_bind_text(st, 3, body, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 3);
	sqlite3_bind_int64(st, 4, now);
	if (run_done(s, st, "queueing a Discord call") < 0)
		return -1;
	if (id)
		*id = sqlite3_last_insert_rowid(s->db);
	return 0;
}

int store_outbox_next(pw_store_t *s, pw_outbox_row_t *out)
{
	sqlite3_stmt *st = prepare(s, "SELECT id, method, path, body, attempts FROM discord_outbox"
				      " WHERE done_at IS NULL ORDER BY id LIMIT 1");
	if (!st)
		return -1;
	int rc = sqlite3_step(st), r = 0;
	memset(out, 0, sizeof *out);
	if (rc == SQLITE_ROW) {
		out->id = sqlite3_column_int64(st, 0);
		snprintf(out->method, sizeof out->method, "%s", (const char *)sqlite3_column_text(st, 1));
		snprintf(out->path, sizeof out->path, "%s", (const char *)sqlite3_column_text(st, 2));
		const unsigned char *b = sqlite3_column_text(st, 3);
		out->body = b ? strdup((const char *)b) : NULL;
		out->attempts = sqlite3_column_int(st, 4);
		r = (b && !out->body) ? -1 : 1;
	} else if (rc != SQLITE_DONE) {
		snprintf(s->err, sizeof s->err, "reading the Discord outbox: %s", sqlite3_errmsg(s->db));
		r = -1;
	}
	sqlite3_finalize(st);
	return r;
}

int store_outbox_done(pw_store_t *s, int64_t id, int status, const char *error, int64_t now)
{
	sqlite3_stmt *st = prepare(s, "UPDATE discord_outbox SET done_at=?, status=?, error=? WHERE id=?");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int(st, 2, status);
	if (error)
		sqlite3_bind_text(st, 3, error, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 3);
	sqlite3_bind_int64(st, 4, id);
	return run_done(s, st, "marking a Discord call done");
}

int store_outbox_failed_try(pw_store_t *s, int64_t id, const char *error)
{
	sqlite3_stmt *st = prepare(s, "UPDATE discord_outbox SET attempts=attempts+1, error=? WHERE id=?");
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, error ? error : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, id);
	return run_done(s, st, "counting a failed Discord call");
}

int64_t store_outbox_pending(pw_store_t *s)
{
	sqlite3_stmt *st = prepare(s, "SELECT count(*) FROM discord_outbox WHERE done_at IS NULL");
	if (!st)
		return -1;
	int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
	sqlite3_finalize(st);
	return n;
}

int store_identity_subject(pw_store_t *s, int64_t identity_id, const char *provider, char *out, size_t cap)
{
	sqlite3_stmt *st = prepare(s, "SELECT subject FROM identities WHERE id=? AND provider=?");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, identity_id);
	sqlite3_bind_text(st, 2, provider, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st), r = 0;
	if (rc == SQLITE_ROW) {
		const char *v = (const char *)sqlite3_column_text(st, 0);
		r = v && strlen(v) < cap ? 1 : 0;
		if (r)
			snprintf(out, cap, "%s", v);
	} else if (rc != SQLITE_DONE) {
		snprintf(s->err, sizeof s->err, "reading an identity: %s", sqlite3_errmsg(s->db));
		r = -1;
	}
	sqlite3_finalize(st);
	return r;
}
