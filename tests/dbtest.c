/*
 * dbtest.c — see dbtest.h.
 */
#include "tests/dbtest.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/test.h"

bool dbt_is_postgres(const char *db)
{
	return !strncmp(db, "postgres://", 11) || !strncmp(db, "postgresql://", 13);
}

/* psql -X (no startup file) -q -tA (bare values) -v ON_ERROR_STOP=1 -c sql,
 * without a shell between (the URL holds '&'). Returns its exit status;
 * *out gets stdout and stderr. */
static int psql(const char *url, const char *sql, char **out)
{
	int fd[2];
	*out = NULL;
	if (pipe(fd) < 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0) {
		close(fd[0]);
		close(fd[1]);
		return -1;
	}
	if (pid == 0) {
		dup2(fd[1], 1);
		dup2(fd[1], 2);
		close(fd[0]);
		close(fd[1]);
		execlp("psql", "psql", "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql,
		       (char *)NULL);
		_exit(127);
	}
	close(fd[1]);
	size_t len = 0, cap = 256;
	char *buf = malloc(cap);
	ssize_t n;
	while (buf && (n = read(fd[0], buf + len, cap - len - 1)) > 0) {
		len += (size_t)n;
		if (cap - len < 2) {
			char *nb = realloc(buf, cap *= 2);
			if (!nb) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
		}
	}
	close(fd[0]);
	int st = 0;
	waitpid(pid, &st, 0);
	if (buf)
		buf[len] = '\0';
	*out = buf;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Runs sql and keeps the first column of the first row in *first. */
static int run(const char *db, const char *sql, char **first)
{
	*first = NULL;
	if (dbt_is_postgres(db)) {
		char *out;
		int rc = psql(db, sql, &out);
		if (rc != 0) {
			test_fail(__FILE__, __LINE__, "psql: %s: %s", sql, out ? out : "could not run");
			free(out);
			return -1;
		}
		if (out && *out) {
			out[strcspn(out, "\n|")] = '\0';
			*first = out;
		} else {
			free(out);
		}
		return 0;
	}
	sqlite3 *h;
	if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		test_fail(__FILE__, __LINE__, "open %s: %s", db, sqlite3_errmsg(h));
		sqlite3_close(h);
		return -1;
	}
	sqlite3_busy_timeout(h, 5000);
	const char *tail = sql;
	int rc = 0;
	while (rc == 0 && tail && *tail) {
		sqlite3_stmt *st = NULL;
		if (sqlite3_prepare_v2(h, tail, -1, &st, &tail) != SQLITE_OK) {
			rc = -1;
			break;
		}
		if (!st)
			break; /* only whitespace or a comment left */
		int step;
		while ((step = sqlite3_step(st)) == SQLITE_ROW)
			if (!*first && sqlite3_column_type(st, 0) != SQLITE_NULL)
				*first = strdup((const char *)sqlite3_column_text(st, 0));
		if (step != SQLITE_DONE)
			rc = -1;
		sqlite3_finalize(st);
	}
	if (rc < 0) {
		test_fail(__FILE__, __LINE__, "%s: %s", sql, sqlite3_errmsg(h));
		free(*first);
		*first = NULL;
	}
	sqlite3_close(h);
	return rc;
}

int dbt_exec(const char *db, const char *sql)
{
	char *first;
	int rc = run(db, sql, &first);
	free(first);
	return rc;
}

char *dbt_text(const char *db, const char *sql)
{
	char *first;
	run(db, sql, &first);
	return first;
}

long long dbt_int(const char *db, const char *sql, long long dflt)
{
	char *t = dbt_text(db, sql);
	long long v = t ? strtoll(t, NULL, 10) : dflt;
	free(t);
	return v;
}

int dbt_refuse(const char *db, const char *name, const char *op, const char *table, const char *when,
	       const char *message)
{
	char sql[1024];
	if (dbt_is_postgres(db))
		snprintf(sql, sizeof sql,
			 "CREATE FUNCTION %s_fn() RETURNS trigger LANGUAGE plpgsql AS "
			 "$f$BEGIN RAISE EXCEPTION '%s'; END$f$;"
			 "CREATE TRIGGER %s BEFORE %s ON %s FOR EACH ROW %s%s%s EXECUTE FUNCTION %s_fn();",
			 name, message, name, op, table, when ? "WHEN (" : "", when ? when : "", when ? ")" : "",
			 name);
	else
		snprintf(sql, sizeof sql, "CREATE TRIGGER %s BEFORE %s ON %s %s%s BEGIN SELECT RAISE(ABORT, '%s'); END;",
			 name, op, table, when ? "WHEN " : "", when ? when : "", message);
	return dbt_exec(db, sql);
}

int dbt_allow(const char *db, const char *name, const char *table)
{
	char sql[256];
	if (dbt_is_postgres(db))
		snprintf(sql, sizeof sql, "DROP TRIGGER %s ON %s; DROP FUNCTION %s_fn();", name, table, name);
	else
		snprintf(sql, sizeof sql, "DROP TRIGGER %s", name);
	return dbt_exec(db, sql);
}

int dbt_pg_sessions(const char *url, bool allow)
{
	const char *name = strstr(url, ":///");
	if (!dbt_is_postgres(url) || !name) {
		test_fail(__FILE__, __LINE__, "not a postgres:///name URL: %s", url);
		return -1;
	}
	name += 4;
	int len = (int)strcspn(name, "?");
	char admin[1024], sql[400];
	snprintf(admin, sizeof admin, "%.*spostgres%s", (int)(name - url), url, name + len);
	if (allow)
		snprintf(sql, sizeof sql, "ALTER DATABASE \"%.*s\" ALLOW_CONNECTIONS true", len, name);
	else
		snprintf(sql, sizeof sql,
			 "ALTER DATABASE \"%.*s\" ALLOW_CONNECTIONS false;"
			 "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = '%.*s'",
			 len, name, len, name);
	return dbt_exec(admin, sql);
}
