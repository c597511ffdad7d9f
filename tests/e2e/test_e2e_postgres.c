/*
 * test_e2e_postgres.c — `pinwheel serve` on a postgres:// URL: it serves,
 * keeps the league across a restart, and never prints the URL's password.
 * (The league's loops run on PostgreSQL as pg_ twins in their own files.)
 */
#include "tests/test.h"

#include <cjson/cJSON.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/league/store.h"
#include "core/league/store_internal.h"
#include "tests/e2e/e2e.h"
#include "tests/pgtest.h"

/* The standings' regular rows as text (for comparing). Caller frees. */
static char *standings(e2e_server_t *s)
{
	long st = 0;
	cJSON *j = e2e_call(s, "GET", "/api/standings", NULL, NULL, &st);
	CHECK_EQ(st, 200);
	char *t = cJSON_PrintUnformatted(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "data"), "regular"));
	cJSON_Delete(j);
	return t ? t : calloc(1, 1);
}

/* pinwheel backup's advice on a PostgreSQL URL (db, with a password
 * parameter): the exact pg_dump and pg_restore commands, the URL in them
 * without its password, and what a restore brings back. */
static void backup_advice_is_exact(const char *out, const char *db)
{
	CHECK(out != NULL);
	if (!out)
		return;
	char want[1200], url[1024];
	/* The URL as given less "&password=hunter2". */
	snprintf(url, sizeof url, "%s", db);
	char *pw = strstr(url, "&password=hunter2");
	CHECK(pw != NULL);
	if (pw)
		memmove(pw, pw + 17, strlen(pw + 17) + 1);
	snprintf(want, sizeof want, "    pg_dump --format=custom --file='%s/league.dump' '%s'\n",
		 test_tmpdir(), url);
	CHECK_CONTAINS(out, want);
	snprintf(want, sizeof want,
		 "    pg_restore --exit-on-error --single-transaction --dbname='NEW-DATABASE-URL'"
		 " '%s/league.dump'\n", test_tmpdir());
	CHECK_CONTAINS(out, want);
	CHECK_CONTAINS(out, "pinwheel backup: a PostgreSQL database is backed up with PostgreSQL's pg_dump");
	CHECK_CONTAINS(out, "PGPASSWORD or ~/.pgpass");
	CHECK_CONTAINS(out, "append-only trigger");
	CHECK(strstr(out, "hunter2") == NULL && strstr(out, "password=") == NULL);
}

TEST(pg_e2e_serve_runs_on_a_postgres_url_and_hides_its_password)
{
	char *url = pgtest_database();
	if (!url)
		return;
	/* The test server trusts its socket; the password is only carried. */
	char db[1024];
	snprintf(db, sizeof db, "%s&password=hunter2", url);
	free(url);
	/* pinwheel migrate takes the URL (the shell gets it quoted: it has &s). */
	char *out = NULL;
	CHECK_EQ(test_pinwheel(&out, true, "migrate --db '%s'", db), 0);
	CHECK_MSG(out && strstr(out, "migrations applied"), "migrate: %s", out ? out : "");
	free(out);
	const char *env[] = {"PINWHEEL_PRESENTATION_MODE=instant", NULL};
	e2e_server_t s;
	if (e2e_start(&s, env, db) < 0) {
		char *log = e2e_log(&s);
		CHECK_MSG(0, "the server did not start on PostgreSQL: %s", log ? log : "");
		free(log);
		return;
	}
	e2e_resp_t r;
	CHECK_EQ(e2e_http(&s, "GET", "/health", NULL, NULL, &r), 0);
	CHECK_EQ(r.status, 200);
	CHECK_CONTAINS(r.body, "\"database\":\"connected\"");
	e2e_resp_free(&r);
	char *tok = e2e_join(&s, "Ada", 1);
	CHECK(tok && *tok);
	free(tok);
	/* The tick's games are stored (instant presentation). */
	CHECK_EQ(e2e_tick_games(&s, 1), 4);
	char *before = standings(&s);
	CHECK_EQ(e2e_stop(&s, SIGTERM, 10000), 0);
	/* A restart finds the league where it was. */
	CHECK_EQ(e2e_restart(&s, env), 0);
	char *after = standings(&s);
	CHECK_STR(after, before);
	free(before);
	free(after);
	CHECK_EQ(e2e_stop(&s, SIGTERM, 10000), 0);
	/* rebuild proves the stored league whole; backup points to pg_dump. */
	out = NULL;
	CHECK_EQ(test_pinwheel(&out, true, "rebuild --db '%s'", db), 0);
	free(out);
	out = NULL;
	CHECK_EQ(test_pinwheel(&out, true, "backup --db '%s' --out %s/league.dump", db, test_tmpdir()), 1);
	backup_advice_is_exact(out, db);
	free(out);
	char *log = e2e_log(&s);
	CHECK(log && strstr(log, "hunter2") == NULL);
	CHECK_CONTAINS(log, "password=***");
	free(log);
}

/* What store_printable keeps and hides. */
TEST(store_printable_hides_a_urls_password)
{
	char out[256];
	CHECK_STR(store_printable("data/pinwheel.db", out, sizeof out), "data/pinwheel.db");
	CHECK_STR(store_printable("postgres://u:pw@db.example:5432/league", out, sizeof out),
		  "postgres://u:***@db.example:5432/league");
	CHECK_STR(store_printable("postgresql:///league?host=/run/pg&password=pw&user=u", out, sizeof out),
		  "postgresql:///league?host=/run/pg&password=***&user=u");
	CHECK_STR(store_printable("postgres://u@h/db?xpassword=keep", out, sizeof out),
		  "postgres://u@h/db?xpassword=keep");
	CHECK_STR(store_printable("postgres://u:pw@h/db", out, 12), "postgres://");
	CHECK(store_names_file("data/pinwheel.db"));
	CHECK(!store_names_file("postgres://h/db"));
}

/* The league as the API serves it: standings, a game, the seasons and the
 * governance log, as one text. Caller frees. */
static char *served_league(e2e_server_t *s)
{
	const char *paths[] = {"/api/standings",	       "/api/games/1",
			       "/api/games/12",		       "/api/seasons/current",
			       "/api/governance/proposals",   "/api/governance/rules/history",
			       "/api/games/playoffs/bracket", "/api/reports/latest"};
	char *all = calloc(1, 1);
	size_t len = 0;
	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		e2e_resp_t r;
		CHECK_EQ(e2e_http(s, "GET", paths[i], NULL, NULL, &r), 0);
		CHECK_MSG(r.status == 200, "%s: %ld", paths[i], (long)r.status);
		size_t n = strlen(paths[i]) + strlen(r.body ? r.body : "") + 2;
		all = realloc(all, len + n + 1);
		len += (size_t)snprintf(all + len, n + 1, "%s %s\n", paths[i], r.body ? r.body : "");
		e2e_resp_free(&r);
	}
	return all;
}

/* pinwheel migrate --from FILE --to URL with the real binary: the league
 * a season left in a SQLite file is served the same from PostgreSQL. */
TEST(pg_e2e_migrate_from_sqlite_serves_the_same_league)
{
	char *url = pgtest_database();
	if (!url)
		return;
	char db[1024], file[512];
	snprintf(db, sizeof db, "%s&password=hunter2", url);
	free(url);
	snprintf(file, sizeof file, "%s/league.db", test_tmpdir());
	char *out = NULL;
	CHECK_EQ(test_pinwheel(&out, true, "season --teams 4 --db %s --propose 'three pointers worth 4'",
			       file), 0);
	free(out);
	const char *env[] = {"PINWHEEL_PRESENTATION_MODE=instant", "PINWHEEL_PRESENTATION_PACE=manual",
			     NULL};
	e2e_server_t s;
	CHECK_EQ(e2e_start(&s, env, file), 0);
	char *on_file = served_league(&s);
	CHECK_EQ(e2e_stop(&s, SIGTERM, 10000), 0);
	CHECK_CONTAINS(on_file, "three pointers worth 4");

	out = NULL;
	CHECK_EQ(test_pinwheel(&out, true, "migrate --from %s --to '%s'", file, db), 0);
	CHECK_MSG(out && strstr(out, "copied governance_events: ") && strstr(out, "copied game_results: "),
		  "migrate: %s", out ? out : "");
	CHECK(out && strstr(out, "hunter2") == NULL);
	free(out);

	CHECK_EQ(e2e_start(&s, env, db), 0);
	char *on_pg = served_league(&s);
	CHECK_EQ(e2e_stop(&s, SIGTERM, 10000), 0);
	CHECK_STR(on_pg, on_file);
	free(on_file);
	free(on_pg);

	/* The copy is whole (rebuild replays it), migrate finds nothing to do,
	 * and a tampered game makes rebuild fail on PostgreSQL as on SQLite. */
	out = NULL;
	CHECK_EQ(test_pinwheel(&out, true, "rebuild --db '%s'", db), 0);
	CHECK_MSG(out && strstr(out, " 0 mismatches"), "rebuild: %s", out ? out : "");
	free(out);
	out = NULL;
	CHECK_EQ(test_pinwheel(&out, false, "migrate --db '%s'", db), 0);
	CHECK_CONTAINS(out, "(0 migrations applied)");
	free(out);
	char err[512];
	pw_store_t *pg = store_pg_open(db, STORE_OPEN_RAW, err, sizeof err);
	CHECK_MSG(pg != NULL, "%s", err);
	CHECK_EQ(store_pg_exec(pg, "UPDATE game_results SET hash = '00' WHERE id = 3", "tampering"), 0);
	store_close(pg);
	out = NULL;
	CHECK_EQ(test_pinwheel(&out, true, "rebuild --db '%s'", db), 1);
	CHECK_MSG(out && strstr(out, "1 mismatch"), "rebuild of a tampered game: %s", out ? out : "");
	free(out);

	/* Again into the same database: refused, exit 1, saying why. */
	out = NULL;
	CHECK_EQ(test_pinwheel(&out, true, "migrate --from %s --to '%s'", file, db), 1);
	CHECK_MSG(out && strstr(out, "already holds a league"), "second migrate: %s", out ? out : "");
	free(out);
	/* Usage: the two go together, and not with --db. */
	out = NULL;
	CHECK_EQ(test_pinwheel(&out, true, "migrate --from %s", file), 2);
	CHECK_CONTAINS(out, "--from FILE and --to postgres://... go together");
	free(out);
	out = NULL;
	CHECK_EQ(test_pinwheel(&out, true, "migrate --from %s --to %s/other.db", file, test_tmpdir()), 1);
	CHECK_CONTAINS(out, "must be a postgres:// or postgresql:// URL");
	free(out);
}

/* The backup advice for a URL with user:password@: the command keeps the
 * user and drops the password (not "***": libpq would send that). */
TEST(pg_store_backup_advice_leaves_out_a_user_password)
{
	char *url = pgtest_database();
	if (!url)
		return;
	/* postgres:///NAME?host=DIR&... → postgres://postgres:hunter2@/NAME?host=DIR&... */
	char db[1024], want[1100], err[512];
	const char *rest = url + strlen("postgres://");
	snprintf(db, sizeof db, "postgres://postgres:hunter2@%s", rest);
	pw_store_t *s = store_pg_open(db, STORE_OPEN_RAW, err, sizeof err);
	CHECK_MSG(s != NULL, "%s", err);
	if (!s)
		return;
	CHECK_EQ(store_backup(s, "league.dump"), -1);
	snprintf(want, sizeof want, "pg_dump --format=custom --file='league.dump' 'postgres://postgres@%s'\n",
		 rest);
	CHECK_CONTAINS(store_errmsg(s), want);
	CHECK(strstr(store_errmsg(s), "hunter2") == NULL && strstr(store_errmsg(s), "***") == NULL);
	store_close(s);
	free(url);
}
