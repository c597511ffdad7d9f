/*
 * test_e2e_pg_roles.c — the database roles of docs/OPERATIONS.md ("The
 * database's roles") on a real PostgreSQL server, with the very SQL files
 * docker-compose.yml runs (scripts/deploy/pg-roles.sql, pg-grants.sql):
 * migrate as the tables' owner, serve as a role that owns nothing, play a
 * tick, and the event log refuses that role's UPDATE, DELETE and attempt
 * to switch its trigger off.
 */
#include "tests/test.h"

#include <cjson/cJSON.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/league/store_internal.h"
#include "core/sim/buf.h"
#include "tests/e2e/e2e.h"
#include "tests/pgtest.h"

static char *slurp(const char *path)
{
	char *t = test_read_file(path);
	CHECK_MSG(t != NULL, "cannot read %s", path);
	return t ? t : calloc(1, 1);
}

/* text with every "from" replaced by "to" (psql's :'variable' done by
 * hand: the server does not know psql's variables). Frees text. */
static char *replace(char *text, const char *from, const char *to)
{
	pw_buf_t b = {0};
	const char *p = text, *q;
	while ((q = strstr(p, from))) {
		buf_append(&b, p, (size_t)(q - p));
		buf_puts(&b, to);
		p = q + strlen(from);
	}
	buf_puts(&b, p);
	free(text);
	return buf_take(&b);
}

/* url with its user=postgres (the test server's superuser) replaced. */
static char *as_user(const char *url, const char *user)
{
	char *copy = strdup(url), buf[64];
	snprintf(buf, sizeof buf, "user=%s", user);
	CHECK(strstr(copy, "user=postgres") != NULL);
	return replace(copy, "user=postgres", buf);
}

/* Runs sql on the database as url's role; 0, or -1 with why in err. */
static int run_as(const char *url, const char *sql, char *err, size_t len)
{
	char e[512];
	pw_store_t *s = store_pg_open(url, STORE_OPEN_RAW, e, sizeof e);
	CHECK_MSG(s != NULL, "connect: %s", e);
	if (!s)
		return -1;
	int rc = store_pg_exec(s, sql, "running");
	snprintf(err, len, "%s", rc < 0 ? store_errmsg(s) : "");
	store_close(s);
	return rc;
}

TEST(pg_e2e_serve_runs_as_a_role_that_cannot_rewrite_the_event_log)
{
	char *url = pgtest_database();
	if (!url)
		return;
	char err[1024];
	/* As the superuser: the two roles (docker-compose's postgres-init.sh). */
	char *roles = slurp("scripts/deploy/pg-roles.sql");
	roles = replace(roles, ":'owner_password'", "'owner-secret'");
	roles = replace(roles, ":'app_password'", "'app-secret'");
	CHECK_MSG(run_as(url, roles, err, sizeof err) == 0, "pg-roles.sql: %s", err);
	free(roles);
	char *owner = as_user(url, "pinwheel_owner"), *app = as_user(url, "pinwheel_app");

	/* The serving role cannot make the schema... */
	char *out = NULL;
	CHECK(test_pinwheel(&out, true, "migrate --db '%s'", app) != 0);
	CHECK_MSG(out && strstr(out, "permission denied"), "migrate as the app: %s", out ? out : "");
	free(out);
	/* ...its owner does, then grants the serving role its rights. */
	out = NULL;
	CHECK_EQ(test_pinwheel(&out, true, "migrate --db '%s'", owner), 0);
	free(out);
	char *grants = slurp("scripts/deploy/pg-grants.sql");
	CHECK_MSG(run_as(owner, grants, err, sizeof err) == 0, "pg-grants.sql: %s", err);
	free(grants);

	/* pinwheel serve as pinwheel_app: a governor joins, a tick is played. */
	const char *env[] = {"PINWHEEL_PRESENTATION_MODE=instant", "PINWHEEL_PRESENTATION_PACE=manual",
			     NULL};
	e2e_server_t s;
	if (e2e_start(&s, env, app) < 0) {
		char *log = e2e_log(&s);
		CHECK_MSG(0, "serve as pinwheel_app did not start: %s", log ? log : "");
		free(log);
		return;
	}
	char *tok = e2e_join(&s, "Ada", 1);
	CHECK(tok && *tok);
	free(tok);
	CHECK_EQ(e2e_tick_games(&s, 1), 4);
	CHECK_EQ(e2e_stop(&s, SIGTERM, 10000), 0);
	char *log = e2e_log(&s);
	CHECK_MSG(log && !strstr(log, "permission denied"), "the server was refused something: %s",
		  log ? log : "");
	free(log);

	/* The event log holds the join and the tick's events, and the serving
	 * role may add to it but never change it, nor switch its trigger off. */
	pw_store_t *a = store_pg_open(app, STORE_OPEN_RAW, err, sizeof err);
	CHECK_MSG(a != NULL, "%s", err);
	CHECK(store_events_count(a) >= 2);
	store_close(a);
	CHECK(run_as(app, "UPDATE governance_events SET payload = payload", err, sizeof err) < 0);
	CHECK_CONTAINS(err, "permission denied for table governance_events");
	CHECK(run_as(app, "DELETE FROM governance_events", err, sizeof err) < 0);
	CHECK_CONTAINS(err, "permission denied for table governance_events");
	CHECK(run_as(app, "ALTER TABLE governance_events DISABLE TRIGGER USER", err, sizeof err) < 0);
	CHECK_CONTAINS(err, "must be owner");
	CHECK(run_as(app, "SET session_replication_role = replica", err, sizeof err) < 0);
	CHECK(run_as(app, "CREATE TABLE stray(x int)", err, sizeof err) < 0);
	CHECK_CONTAINS(err, "permission denied for schema public");
	/* Even the owner's UPDATE meets the trigger. */
	CHECK(run_as(owner, "UPDATE governance_events SET payload = payload", err, sizeof err) < 0);
	CHECK_CONTAINS(err, "append-only");
	free(owner);
	free(app);
	free(url);
}
