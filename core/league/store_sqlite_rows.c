/*
 * store_sqlite_rows.c — rows of any table of a SQLite store, as typed cells
 * (store_internal.h, "rows of any table"): what `pinwheel migrate --from`
 * reads a league out of (store_copy.c). Tables and columns come from
 * SQLite's own catalog, so a table a later migration adds is read with no
 * change here.
 *
 * SQLite is only a source of the copy: .insert and .ids_advance are NULL
 * (copying into a SQLite file is refused by name in store_copy.c).
 */
#include "core/league/store_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int rows_fail(pw_store_t *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int rows_fail(pw_store_t *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s->err, sizeof s->err, fmt, ap);
	va_end(ap);
	return -1;
}

/* Fills t's columns and id column from pragma_table_info. 0 or -1. */
static int table_columns(pw_store_t *s, store_table_t *t)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(s->db, "SELECT name, type, pk FROM pragma_table_info(?) ORDER BY cid", -1,
			       &st, NULL) != SQLITE_OK)
		return rows_fail(s, "reading the columns of %s: %s", t->name, sqlite3_errmsg(s->db));
	sqlite3_bind_text(st, 1, t->name, -1, SQLITE_STATIC);
	int rc, pks = 0;
	char pk_col[STORE_NAME_MAX] = "";
	bool pk_integer = false;
	t->ncols = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0);
		const char *type = (const char *)sqlite3_column_text(st, 1);
		if (!store_name_plain(name) || t->ncols == STORE_COLS_MAX) {
			sqlite3_finalize(st);
			return rows_fail(s, "table %s has a column the copy cannot name (%s)", t->name,
					 name ? name : "NULL");
		}
		snprintf(t->cols[t->ncols++], STORE_NAME_MAX, "%s", name);
		if (sqlite3_column_int(st, 2) > 0) {
			pks++;
			snprintf(pk_col, sizeof pk_col, "%s", name);
			pk_integer = type && !strcmp(type, "INTEGER");
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return rows_fail(s, "reading the columns of %s: %s", t->name, sqlite3_errmsg(s->db));
	/* A lone INTEGER PRIMARY KEY is the rowid: SQLite hands its ids out. */
	snprintf(t->id_col, sizeof t->id_col, "%s", pks == 1 && pk_integer ? pk_col : "");
	return 0;
}

static int sqr_tables(pw_store_t *s, store_table_t **out)
{
	*out = NULL;
	/* sqlite_master's rows are in the order the tables were made. */
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(s->db,
			       "SELECT name FROM sqlite_master WHERE type='table'"
			       " AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY rowid",
			       -1, &st, NULL) != SQLITE_OK)
		return rows_fail(s, "listing the tables: %s", sqlite3_errmsg(s->db));
	store_table_t *ts = NULL;
	int n = 0, rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0);
		store_table_t *grown = realloc(ts, (size_t)(n + 1) * sizeof *ts);
		if (!grown) {
			rc = rows_fail(s, "out of memory listing the tables");
			break;
		}
		ts = grown;
		memset(&ts[n], 0, sizeof ts[n]);
		if (!store_name_plain(name)) {
			rc = rows_fail(s, "the database has a table the copy cannot name (%s)",
				       name ? name : "NULL");
			break;
		}
		snprintf(ts[n].name, STORE_NAME_MAX, "%s", name);
		n++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		if (rc > 0)
			rows_fail(s, "listing the tables: %s", sqlite3_errmsg(s->db));
		free(ts);
		return -1;
	}
	for (int i = 0; i < n; i++)
		if (table_columns(s, &ts[i]) < 0) {
			free(ts);
			return -1;
		}
	*out = ts;
	return n;
}

static int sqr_snapshot(pw_store_t *s)
{
	/* A deferred transaction takes its snapshot at its first read. */
	if (sqlite3_exec(s->db, "BEGIN; SELECT count(*) FROM sqlite_master;", NULL, NULL, NULL) !=
	    SQLITE_OK)
		return rows_fail(s, "starting a read of the database: %s", sqlite3_errmsg(s->db));
	return 0;
}

/* Prepares sql (built from checked names) or fails naming t. */
static sqlite3_stmt *prepare_for(pw_store_t *s, const store_table_t *t, const char *sql)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
		rows_fail(s, "reading table %s: %s", t->name, sqlite3_errmsg(s->db));
		return NULL;
	}
	return st;
}

static int64_t sqr_count(pw_store_t *s, const store_table_t *t)
{
	char sql[STORE_NAME_MAX + 64];
	snprintf(sql, sizeof sql, "SELECT count(*) FROM \"%s\"", t->name);
	sqlite3_stmt *st = prepare_for(s, t, sql);
	if (!st)
		return -1;
	int64_t n = -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	else
		rows_fail(s, "counting the rows of %s: %s", t->name, sqlite3_errmsg(s->db));
	sqlite3_finalize(st);
	return n;
}

static int sqr_rows(pw_store_t *s, const store_table_t *t, store_row_cb cb, void *ud)
{
	char sql[STORE_COLS_MAX * (STORE_NAME_MAX + 3) + 2 * STORE_NAME_MAX + 64];
	size_t at = (size_t)snprintf(sql, sizeof sql, "SELECT ");
	for (int i = 0; i < t->ncols; i++) {
		if (!store_name_plain(t->cols[i]))
			return rows_fail(s, "table %s: a column the copy cannot name", t->name);
		at += (size_t)snprintf(sql + at, sizeof sql - at, "%s\"%s\"", i ? "," : "", t->cols[i]);
	}
	if (!store_name_plain(t->name))
		return rows_fail(s, "a table the copy cannot name");
	/* rowid order is the order rows were written: the event log's too. */
	snprintf(sql + at, sizeof sql - at, " FROM \"%s\" ORDER BY rowid", t->name);
	sqlite3_stmt *st = prepare_for(s, t, sql);
	if (!st)
		return -1;
	store_cell_t cells[STORE_COLS_MAX];
	int rc, ret = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		for (int i = 0; i < t->ncols; i++) {
			store_cell_t *c = &cells[i];
			memset(c, 0, sizeof *c);
			switch (sqlite3_column_type(st, i)) {
			case SQLITE_NULL:
				c->kind = STORE_CELL_NULL;
				break;
			case SQLITE_INTEGER:
				c->kind = STORE_CELL_INT;
				c->i = sqlite3_column_int64(st, i);
				break;
			case SQLITE_FLOAT:
				c->kind = STORE_CELL_REAL;
				c->r = sqlite3_column_double(st, i);
				break;
			case SQLITE_TEXT:
				c->kind = STORE_CELL_TEXT;
				c->text = (const char *)sqlite3_column_text(st, i);
				break;
			default:
				sqlite3_finalize(st);
				return rows_fail(s, "table %s, column %s holds a BLOB, which no column of"
						    " the schema does", t->name, t->cols[i]);
			}
		}
		if ((ret = cb(ud, cells, t->ncols)) != 0)
			break;
	}
	if (ret == 0 && rc != SQLITE_DONE) {
		rows_fail(s, "reading table %s: %s", t->name, sqlite3_errmsg(s->db));
		ret = -1;
	}
	sqlite3_finalize(st);
	return ret;
}

const struct store_copy_ops store_sqlite_copy_ops = {
	.tables = sqr_tables,
	.snapshot = sqr_snapshot,
	.count = sqr_count,
	.rows = sqr_rows,
	.insert = NULL,
	.ids_advance = NULL,
};
