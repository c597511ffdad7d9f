/*
 * store_pg_rows.c — rows of any table of a PostgreSQL store, as typed cells
 * (store_internal.h, "rows of any table"): where `pinwheel migrate --from`
 * writes a league copied from SQLite (store_copy.c), and what the tests
 * read back to compare. Tables and columns come from PostgreSQL's catalog
 * (the public schema, where the migrations put them).
 *
 * Names from the catalog are checked (store_name_plain) before they go into
 * a statement; values travel only as parameters (PQexecParams: a statement
 * built per table, so none of the backend's named cache is spent on it).
 */
#include "core/league/store_internal.h"

#include <libpq-fe.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Type oids of pg_type.h (libpq ships no header with them). */
#define PGR_INT2 21
#define PGR_INT4 23
#define PGR_INT8 20
#define PGR_FLOAT4 700
#define PGR_FLOAT8 701
#define PGR_NUMERIC 1700

/* Records "what: the server's message" in s (r may be NULL); -1. */
static int pgr_fail(pw_store_t *s, const PGresult *r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int pgr_fail(pw_store_t *s, const PGresult *r, const char *fmt, ...)
{
	char what[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	const char *m = r ? PQresultErrorMessage(r) : "";
	if (!m || !*m)
		m = PQerrorMessage(s->pg);
	if (!strncmp(m, "ERROR:  ", 8))
		m += 8;
	int n = (int)strcspn(m, "\n");
	snprintf(s->err, sizeof s->err, "%s: %.*s", what, n, m);
	return -1;
}

/* Runs sql with n text parameters; the result (caller PQclears) or NULL. */
static PGresult *pgr_run(pw_store_t *s, const char *sql, int n, const char *const *v,
			 const char *table, const char *what)
{
	PGresult *r = PQexecParams(s->pg, sql, n, NULL, v, NULL, NULL, 0);
	ExecStatusType st = PQresultStatus(r);
	if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
		pgr_fail(s, r, "%s %s", what, table);
		PQclear(r);
		return NULL;
	}
	return r;
}

/* Fills t's columns and identity column from pg_attribute. 0 or -1. */
static int table_columns(pw_store_t *s, store_table_t *t)
{
	char qualified[STORE_NAME_MAX + 8];
	snprintf(qualified, sizeof qualified, "public.%s", t->name);
	const char *v[] = {qualified};
	PGresult *r = pgr_run(s,
			      "SELECT attname, attidentity <> '' FROM pg_attribute"
			      " WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped"
			      " ORDER BY attnum",
			      1, v, t->name, "reading the columns of");
	if (!r)
		return -1;
	int n = PQntuples(r);
	t->ncols = 0;
	t->id_col[0] = '\0';
	for (int i = 0; i < n; i++) {
		const char *name = PQgetvalue(r, i, 0);
		if (!store_name_plain(name) || t->ncols == STORE_COLS_MAX) {
			PQclear(r);
			return pgr_fail(s, NULL, "table %s has a column the copy cannot name (%s)", t->name,
					name);
		}
		snprintf(t->cols[t->ncols++], STORE_NAME_MAX, "%s", name);
		if (!strcmp(PQgetvalue(r, i, 1), "t"))
			snprintf(t->id_col, sizeof t->id_col, "%s", name);
	}
	PQclear(r);
	return 0;
}

static int pgr_tables(pw_store_t *s, store_table_t **out)
{
	*out = NULL;
	/* Oids grow as tables are made: the migrations' order. */
	PGresult *r = pgr_run(s,
			      "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
			      " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY c.oid",
			      0, NULL, "", "listing the tables");
	if (!r)
		return -1;
	int n = PQntuples(r);
	store_table_t *ts = calloc((size_t)(n ? n : 1), sizeof *ts);
	if (!ts) {
		PQclear(r);
		return pgr_fail(s, NULL, "out of memory listing the tables");
	}
	for (int i = 0; i < n; i++) {
		const char *name = PQgetvalue(r, i, 0);
		if (!store_name_plain(name)) {
			pgr_fail(s, NULL, "the database has a table the copy cannot name (%s)", name);
			PQclear(r);
			free(ts);
			return -1;
		}
		snprintf(ts[i].name, STORE_NAME_MAX, "%s", name);
	}
	PQclear(r);
	for (int i = 0; i < n; i++)
		if (table_columns(s, &ts[i]) < 0) {
			free(ts);
			return -1;
		}
	*out = ts;
	return n;
}

static int pgr_snapshot(pw_store_t *s)
{
	PGresult *r = pgr_run(s, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", 0, NULL, "",
			      "starting a read of the database");
	PQclear(r);
	return r ? 0 : -1;
}

static int64_t pgr_count(pw_store_t *s, const store_table_t *t)
{
	char sql[STORE_NAME_MAX + 64];
	snprintf(sql, sizeof sql, "SELECT count(*) FROM public.\"%s\"", t->name);
	PGresult *r = pgr_run(s, sql, 0, NULL, t->name, "counting the rows of");
	if (!r)
		return -1;
	int64_t n = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return n;
}

/* "a","b","c" of t's columns into buf (names checked). 0 or -1. */
static int column_list(pw_store_t *s, const store_table_t *t, char *buf, size_t len)
{
	size_t at = 0;
	buf[0] = '\0';
	if (!store_name_plain(t->name))
		return pgr_fail(s, NULL, "a table the copy cannot name");
	for (int i = 0; i < t->ncols; i++) {
		if (!store_name_plain(t->cols[i]))
			return pgr_fail(s, NULL, "table %s: a column the copy cannot name", t->name);
		at += (size_t)snprintf(buf + at, len - at, "%s\"%s\"", i ? "," : "", t->cols[i]);
	}
	return 0;
}

#define PGR_SQL_MAX (STORE_COLS_MAX * (STORE_NAME_MAX + 8) + 2 * STORE_NAME_MAX + 128)

static int pgr_rows(pw_store_t *s, const store_table_t *t, store_row_cb cb, void *ud)
{
	char cols[STORE_COLS_MAX * (STORE_NAME_MAX + 3) + 1], sql[PGR_SQL_MAX];
	if (column_list(s, t, cols, sizeof cols) < 0)
		return -1;
	/* Whole tables are read at once: this serves the tests' comparisons,
	 * and PostgreSQL is never the copy's source. */
	snprintf(sql, sizeof sql, "SELECT %s FROM public.\"%s\" ORDER BY 1", cols, t->name);
	PGresult *r = pgr_run(s, sql, 0, NULL, t->name, "reading table");
	if (!r)
		return -1;
	store_cell_t cells[STORE_COLS_MAX];
	int ret = 0;
	for (int row = 0; row < PQntuples(r) && ret == 0; row++) {
		for (int i = 0; i < t->ncols; i++) {
			store_cell_t *c = &cells[i];
			memset(c, 0, sizeof *c);
			const char *v = PQgetvalue(r, row, i);
			Oid type = PQftype(r, i);
			if (PQgetisnull(r, row, i)) {
				c->kind = STORE_CELL_NULL;
			} else if (type == PGR_INT2 || type == PGR_INT4 || type == PGR_INT8) {
				c->kind = STORE_CELL_INT;
				c->i = strtoll(v, NULL, 10);
			} else if (type == PGR_FLOAT4 || type == PGR_FLOAT8 || type == PGR_NUMERIC) {
				c->kind = STORE_CELL_REAL;
				c->r = strtod(v, NULL);
			} else {
				c->kind = STORE_CELL_TEXT;
				c->text = v;
			}
		}
		ret = cb(ud, cells, t->ncols);
	}
	PQclear(r);
	return ret;
}

static int pgr_insert(pw_store_t *s, const store_table_t *t, const store_cell_t *cells)
{
	char cols[STORE_COLS_MAX * (STORE_NAME_MAX + 3) + 1], sql[PGR_SQL_MAX];
	if (column_list(s, t, cols, sizeof cols) < 0)
		return -1;
	size_t at = (size_t)snprintf(sql, sizeof sql, "INSERT INTO public.\"%s\"(%s) VALUES(", t->name,
				     cols);
	const char *v[STORE_COLS_MAX];
	char num[STORE_COLS_MAX][40];
	for (int i = 0; i < t->ncols; i++) {
		at += (size_t)snprintf(sql + at, sizeof sql - at, "%s$%d", i ? "," : "", i + 1);
		switch (cells[i].kind) {
		case STORE_CELL_NULL:
			v[i] = NULL;
			break;
		case STORE_CELL_INT:
			snprintf(num[i], sizeof num[i], "%lld", (long long)cells[i].i);
			v[i] = num[i];
			break;
		case STORE_CELL_REAL:
			/* 17 significant digits give the same double back. */
			snprintf(num[i], sizeof num[i], "%.17g", cells[i].r);
			v[i] = num[i];
			break;
		default:
			v[i] = cells[i].text;
		}
	}
	snprintf(sql + at, sizeof sql - at, ")");
	PGresult *r = pgr_run(s, sql, t->ncols, v, t->name, "writing a row of");
	PQclear(r);
	return r ? 0 : -1;
}

static int pgr_ids_advance(pw_store_t *s, const store_table_t *t)
{
	if (!t->id_col[0])
		return 0;
	if (!store_name_plain(t->name) || !store_name_plain(t->id_col))
		return pgr_fail(s, NULL, "a table the copy cannot name");
	/* The next id is one past the highest copied (1 for an empty table). */
	char sql[3 * STORE_NAME_MAX + 160], qualified[STORE_NAME_MAX + 8];
	snprintf(sql, sizeof sql,
		 "SELECT setval(pg_get_serial_sequence($1, $2),"
		 " COALESCE((SELECT max(\"%s\") FROM public.\"%s\"), 0) + 1, false)",
		 t->id_col, t->name);
	snprintf(qualified, sizeof qualified, "public.%s", t->name);
	const char *v[] = {qualified, t->id_col};
	PGresult *r = pgr_run(s, sql, 2, v, t->name, "moving on the ids of");
	PQclear(r);
	return r ? 0 : -1;
}

const struct store_copy_ops store_pg_copy_ops = {
	.tables = pgr_tables,
	.snapshot = pgr_snapshot,
	.count = pgr_count,
	.rows = pgr_rows,
	.insert = pgr_insert,
	.ids_advance = pgr_ids_advance,
};
