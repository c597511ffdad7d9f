/*
 * store_copy.c — a league from one store into another (store_copy.h).
 *
 * Why here and in this shape: the copy has to read one backend and write
 * the other, while only store_pg*.c may include libpq and nothing above
 * the store may know which backend runs. So each backend offers rows of
 * any table as typed cells (store_internal.h's struct store_copy_ops,
 * in store_sqlite_rows.c and store_pg_rows.c), and this file — inside the
 * store, knowing neither SQL dialect — walks the source's tables and hands
 * each row to the target. The CLI sees one function.
 */
#include "core/league/store_copy.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/league/store_internal.h"

bool store_name_plain(const char *n)
{
	if (!n || !*n || strlen(n) >= STORE_NAME_MAX)
		return false;
	for (; *n; n++)
		if (!((*n >= 'a' && *n <= 'z') || (*n >= '0' && *n <= '9') || *n == '_'))
			return false;
	return true;
}

/* The table every migration writes its own row into: each side keeps its
 * own, and the versions are compared instead. */
static bool is_version_table(const char *name)
{
	return !strcmp(name, "schema_version");
}

/* Refuses anything but an existing SQLite database file (SQLite would
 * create a missing file, and only fails on a foreign one at the first
 * read). 0, or -1 with err filled. */
static int check_sqlite_file(const char *path, char *err, size_t errlen)
{
	static const char magic[16] = "SQLite format 3";
	struct stat st;
	if (stat(path, &st) < 0) {
		snprintf(err, errlen, "cannot read \"%s\": %s", path, strerror(errno));
		return -1;
	}
	char head[16] = {0};
	FILE *f = S_ISREG(st.st_mode) ? fopen(path, "rb") : NULL;
	size_t n = f ? fread(head, 1, sizeof head, f) : 0;
	if (f)
		fclose(f);
	if (n != sizeof head || memcmp(head, magic, sizeof magic) != 0) {
		snprintf(err, errlen, "\"%s\" is not a SQLite database", path);
		return -1;
	}
	return 0;
}

static const store_table_t *find_table(const store_table_t *ts, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(ts[i].name, name))
			return &ts[i];
	return NULL;
}

static bool has_column(const store_table_t *t, const char *col)
{
	for (int i = 0; i < t->ncols; i++)
		if (!strcmp(t->cols[i], col))
			return true;
	return false;
}

/* Both sides must have the same tables with the same columns (the
 * schemas are held equal by test_store_pg.c; this is the copy refusing a
 * database that is not what this build made). 0 or -1 with err filled. */
static int same_tables(const store_table_t *src, int ns, const store_table_t *dst, int nd, char *err,
		       size_t errlen)
{
	for (int i = 0; i < ns; i++) {
		if (is_version_table(src[i].name))
			continue;
		const store_table_t *d = find_table(dst, nd, src[i].name);
		if (!d) {
			snprintf(err, errlen,
				 "the source has a table this build does not know (%s): nothing was copied",
				 src[i].name);
			return -1;
		}
		for (int c = 0; c < src[i].ncols; c++)
			if (!has_column(d, src[i].cols[c])) {
				snprintf(err, errlen, "column %s.%s of the source is not in the target: nothing"
					 " was copied", src[i].name, src[i].cols[c]);
				return -1;
			}
		for (int c = 0; c < d->ncols; c++)
			if (!has_column(&src[i], d->cols[c])) {
				snprintf(err, errlen, "column %s.%s of the target is not in the source: nothing"
					 " was copied", d->name, d->cols[c]);
				return -1;
			}
	}
	for (int i = 0; i < nd; i++)
		if (!is_version_table(dst[i].name) && !find_table(src, ns, dst[i].name)) {
			snprintf(err, errlen, "the target has a table the source lacks (%s): nothing was copied",
				 dst[i].name);
			return -1;
		}
	return 0;
}

typedef struct {
	pw_store_t *dst;
	const store_table_t *t;
	int64_t rows;
} copy_walk_t;

static int copy_row(void *ud, const store_cell_t *cells, int n)
{
	(void)n;
	copy_walk_t *w = ud;
	if (w->dst->ops->copy->insert(w->dst, w->t, cells) < 0)
		return -1;
	w->rows++;
	return 0;
}

/* The copy proper, both stores open, the target migrated: 0 or -1 with
 * err filled; *rows gets how many rows were written. */
static int copy_tables(pw_store_t *src, pw_store_t *dst, store_copy_cb cb, void *ud, int64_t *rows,
		       char *err, size_t errlen)
{
	const struct store_copy_ops *so = src->ops->copy, *dop = dst->ops->copy;
	store_table_t *st = NULL, *dt = NULL;
	int rc = -1;
	if (so->snapshot(src) < 0) {
		snprintf(err, errlen, "%s", store_errmsg(src));
		return -1;
	}
	int ns = so->tables(src, &st);
	if (ns < 0) {
		snprintf(err, errlen, "%s", store_errmsg(src));
		goto out;
	}
	int nd = dop->tables(dst, &dt);
	if (nd < 0) {
		snprintf(err, errlen, "%s", store_errmsg(dst));
		goto out;
	}
	if (same_tables(st, ns, dt, nd, err, errlen) < 0)
		goto out;
	if (store_begin(dst) < 0) {
		snprintf(err, errlen, "%s", store_errmsg(dst));
		goto out;
	}
	/* Under the writers' lock, so two copies into one database cannot
	 * both find it empty. */
	for (int i = 0; i < nd; i++) {
		if (is_version_table(dt[i].name))
			continue;
		int64_t n = dop->count(dst, &dt[i]);
		if (n != 0) {
			if (n < 0)
				snprintf(err, errlen, "%s", store_errmsg(dst));
			else
				snprintf(err, errlen, "the target already holds a league (table %s has %lld"
					 " row%s): copy into an empty database; nothing was copied",
					 dt[i].name, (long long)n, n == 1 ? "" : "s");
			goto rollback;
		}
	}
	/* The source's order: a table after those it references. Rows are
	 * read with the target's column order. */
	for (int i = 0; i < ns; i++) {
		if (is_version_table(st[i].name))
			continue;
		copy_walk_t w = {.dst = dst, .t = find_table(dt, nd, st[i].name)};
		src->err[0] = dst->err[0] = '\0';
		if (so->rows(src, w.t, copy_row, &w) != 0) {
			/* The failing side's message (the row's, or the read's). */
			snprintf(err, errlen, "copying table %s: %s", w.t->name,
				 store_errmsg(dst)[0] ? store_errmsg(dst) : store_errmsg(src));
			goto rollback;
		}
		if (dop->ids_advance(dst, w.t) < 0) {
			snprintf(err, errlen, "%s", store_errmsg(dst));
			goto rollback;
		}
		*rows += w.rows;
		if (cb && cb(ud, w.t->name, w.rows) != 0) {
			snprintf(err, errlen, "the copy was stopped after table %s: nothing was copied",
				 w.t->name);
			goto rollback;
		}
	}
	if (store_commit(dst) < 0) {
		snprintf(err, errlen, "%s", store_errmsg(dst));
		goto out;
	}
	rc = 0;
	goto out;
rollback:
	store_rollback(dst);
out:
	store_rollback(src);
	free(st);
	free(dt);
	return rc;
}

int64_t store_copy(const char *from, const char *to, store_copy_cb cb, void *ud, char *err,
		   size_t errlen)
{
	char shown[512];
	if (!from || !*from || !to || !*to) {
		snprintf(err, errlen, "a source (a SQLite file) and a target (a postgres:// URL) are needed");
		return -1;
	}
	if (!store_names_file(from)) {
		snprintf(err, errlen, "the source must be a SQLite file, not a URL (%s)",
			 store_printable(from, shown, sizeof shown));
		return -1;
	}
	if (store_names_file(to)) {
		snprintf(err, errlen, "the target must be a postgres:// or postgresql:// URL, not \"%s\"",
			 to);
		return -1;
	}
	if (check_sqlite_file(from, err, errlen) < 0)
		return -1;
	pw_store_t *src = store_open_raw(from, err, errlen);
	if (!src)
		return -1;
	int64_t rows = 0;
	int rc = -1, v = store_schema_version(src), latest = store_latest_version();
	pw_store_t *dst = NULL;
	if (v < 0) {
		snprintf(err, errlen, "%s", store_errmsg(src));
	} else if (v == 0) {
		snprintf(err, errlen, "\"%s\" holds no league (it has no schema)", from);
	} else if (v < latest) {
		snprintf(err, errlen,
			 "\"%s\" is at schema version %d and this build's is %d: bring it up to date"
			 " with `pinwheel migrate --db %s` first (the copy never changes its source)",
			 from, v, latest, from);
	} else if (v > latest) {
		snprintf(err, errlen,
			 "\"%s\" is at schema version %d, newer than this build's %d: copy it with the"
			 " pinwheel that wrote it", from, v, latest);
	} else if (!(dst = store_open_raw(to, err, errlen))) {
		/* err says why (never with the URL's password) */
	} else if (!src->ops->copy || !dst->ops->copy || !dst->ops->copy->insert) {
		snprintf(err, errlen, "copying into a %s database is not supported", dst->ops->backend);
	} else if (store_migrate(dst, NULL) < 0) {
		snprintf(err, errlen, "%s", store_errmsg(dst));
	} else {
		rc = copy_tables(src, dst, cb, ud, &rows, err, errlen);
	}
	store_close(dst);
	store_close(src);
	return rc < 0 ? -1 : rows;
}
