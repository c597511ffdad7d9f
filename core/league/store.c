/*
 * store.c — the store's front: picks the backend a database setting names
 * and forwards every function of store.h to it (store_internal.h says why
 * through a table of operations). No SQL here: each backend's statements
 * live in its own files (store_sqlite.c, store_pg*.c).
 */
#include "core/league/store_internal.h"

#include <stdio.h>
#include <string.h>

/* A postgres:// or postgresql:// URL (libpq's two spellings) names a
 * PostgreSQL database; anything else is a SQLite path. */
static bool is_pg_url(const char *path)
{
	return strncmp(path, "postgres://", 11) == 0 || strncmp(path, "postgresql://", 13) == 0;
}

bool store_names_file(const char *db)
{
	return db && !is_pg_url(db);
}

/* Copies n bytes of src to out (if they fit) and returns the new length. */
static size_t put(char *out, size_t len, size_t at, const char *src, size_t n)
{
	for (size_t i = 0; i < n && at + 1 < len; i++)
		out[at++] = src[i];
	if (len)
		out[at < len ? at : len - 1] = '\0';
	return at;
}

const char *store_printable(const char *db, char *out, size_t len)
{
	if (!len)
		return out;
	out[0] = '\0';
	if (!db)
		return out;
	if (!is_pg_url(db)) {
		snprintf(out, len, "%s", db);
		return out;
	}
	/* scheme://[user[:password]@]host... : the password is the part
	 * between the first ':' after "//" and the '@' of the authority. */
	const char *auth = strstr(db, "//") + 2;
	const char *end = auth + strcspn(auth, "/?");
	const char *at = memchr(auth, '@', (size_t)(end - auth));
	const char *colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
	size_t n = 0;
	if (colon) {
		n = put(out, len, n, db, (size_t)(colon - db));
		n = put(out, len, n, ":***", 4);
		db = at;
	}
	/* ...?a=b&password=secret&c=d : the value of a password parameter. */
	for (const char *p = db; *p;) {
		const char *q = strstr(p, "password=");
		if (!q || (q > db && q[-1] != '?' && q[-1] != '&')) {
			if (!q) {
				n = put(out, len, n, p, strlen(p));
				break;
			}
			n = put(out, len, n, p, (size_t)(q - p) + 9);
			p = q + 9;
			continue;
		}
		n = put(out, len, n, p, (size_t)(q - p) + 9);
		n = put(out, len, n, "***", 3);
		p = q + 9 + strcspn(q + 9, "&");
	}
	return out;
}

int store_ops_missing(const struct store_ops *ops, char *buf, size_t len)
{
	int n = 0;
	size_t used = 0;
	if (len)
		buf[0] = '\0';
#define X(ret, name, params, args, fail)                                                     \
	if (!ops->name) {                                                                \
		if (used < len)                                                          \
			used += (size_t)snprintf(buf + used, len - used, "%sstore_" #name, \
						 n ? ", " : "");                 \
		n++;                                                                     \
	}
	PW_STORE_OPS(X)
#undef X
	if (!ops->viewer) {
		if (used < len)
			snprintf(buf + used, len - used, "%sstore_open_viewer", n ? ", " : "");
		n++;
	}
	return n;
}

/*
 * Opens either backend. A backend whose table still has gaps is refused
 * here, whole and before connecting: the program never runs on a store
 * that fails at the first function not yet written (a server that joins
 * governors and then cannot store their games). The tests reach such a
 * backend's finished functions through store_pg_open (store_internal.h).
 */
static pw_store_t *open_any(const char *path, store_open_mode_t mode, char *err, size_t errlen)
{
	if (!path || !*path) {
		snprintf(err, errlen, "no database named (a SQLite path or a postgres:// URL)");
		return NULL;
	}
	if (!is_pg_url(path))
		return store_sqlite_open(path, mode, err, errlen);
	char missing[4096];
	int n = store_ops_missing(&store_pg_ops, missing, sizeof missing);
	if (n > 0) {
		snprintf(err, errlen,
			 "the PostgreSQL backend is not finished: %d store function%s not ported yet"
			 " (%s); use a SQLite path for now (docs/POSTGRES.md)",
			 n, n == 1 ? " is" : "s are", missing);
		return NULL;
	}
	return store_pg_open(path, mode, err, errlen);
}

pw_store_t *store_open(const char *path, char *err, size_t errlen)
{
	return open_any(path, STORE_OPEN_MIGRATE, err, errlen);
}

pw_store_t *store_open_raw(const char *path, char *err, size_t errlen)
{
	return open_any(path, STORE_OPEN_RAW, err, errlen);
}

pw_store_t *store_open_viewer(const char *path, char *err, size_t errlen)
{
	return open_any(path, STORE_OPEN_VIEWER, err, errlen);
}

void store_close(pw_store_t *s)
{
	if (s)
		s->ops->close(s);
}

bool store_ping(pw_store_t *s)
{
	return s && s->ops->ping(s);
}

void store_rollback(pw_store_t *s)
{
	s->ops->rollback(s);
}

int store_latest_version(void)
{
	return store_migrations_count;
}

bool store_is_shared(pw_store_t *s)
{
	return s && s->ops->shared;
}

int store_live_check(pw_store_t *s, const char *type, const char *json, const char *origin)
{
	size_t tn = type ? strlen(type) : 0;
	if (tn == 0 || tn > STORE_LIVE_TYPE_MAX) {
		snprintf(s->err, sizeof s->err, "a live event's type must be 1 to %d characters",
			 STORE_LIVE_TYPE_MAX);
		return -1;
	}
	if (!json || !*json) {
		snprintf(s->err, sizeof s->err, "a live event needs its JSON");
		return -1;
	}
	if (origin && strlen(origin) > STORE_LIVE_ORIGIN_MAX) {
		snprintf(s->err, sizeof s->err, "a live event's origin must be at most %d characters",
			 STORE_LIVE_ORIGIN_MAX);
		return -1;
	}
	return 0;
}

int store_boxes_check(pw_store_t *s, int n)
{
	if (n >= 0 && n <= STORE_BOXES_MAX)
		return 0;
	snprintf(s->err, sizeof s->err, "a game's box score has %d lines, not 0 to %d", n, STORE_BOXES_MAX);
	return -1;
}

const char *store_errmsg(const pw_store_t *s)
{
	return s ? s->err : "no store";
}

/* A function the store's backend does not have yet (only the tests open
 * such a backend): a clear error instead of a crash. */
static void missing(pw_store_t *s, const char *fn)
{
	snprintf(s->err, sizeof s->err, "%s is not available on the %s backend yet", fn,
		 s->ops->backend);
}

/* Every other function of store.h: forwarded to the backend. */
#define X(ret, name, params, args, fail)                      \
	ret store_##name params                               \
	{                                                     \
		if (!s->ops->name)                            \
			return missing(s, "store_" #name), fail; \
		return s->ops->name args;                     \
	}
PW_STORE_OPS(X)
#undef X
