/*
 * test_deploy_cluster.c — the several-instance deployment files, read as
 * text (no Docker engine here): docker-compose.yml's services, images and
 * database URLs, the balancer's upstreams and its SSE settings, the
 * example env file, and that docs/OPERATIONS.md names what the files hold.
 * (The roles these files set up are exercised on a real PostgreSQL server
 * by test_e2e_pg_roles.c.)
 */
#include "tests/test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The keys of docker-compose.yml's services: (two-space indented names
 * under "services:"), "a,b,c,". */
static void compose_services(const char *yml, char *out, size_t len)
{
	out[0] = '\0';
	const char *p = strstr(yml, "\nservices:\n");
	CHECK(p != NULL);
	if (!p)
		return;
	for (p += 11; *p;) {
		const char *nl = strchr(p, '\n');
		size_t ll = nl ? (size_t)(nl - p) : strlen(p);
		if (ll && p[0] != ' ' && p[0] != '#')
			break; /* the next top-level key */
		if (ll > 2 && p[0] == ' ' && p[1] == ' ' && p[2] != ' ' && p[2] != '#') {
			size_t at = strlen(out);
			snprintf(out + at, len - at, "%.*s,", (int)strcspn(p + 2, ":"), p + 2);
		}
		if (!nl)
			break;
		p = nl + 1;
	}
}

/* The text of one service (from its key to the next service). Caller frees. */
static char *service(const char *yml, const char *name)
{
	char key[64];
	snprintf(key, sizeof key, "\n  %s:", name);
	const char *p = strstr(yml, key);
	CHECK_MSG(p != NULL, "no service %s", name);
	if (!p)
		return calloc(1, 1);
	const char *e = p + strlen(key);
	while ((e = strchr(e, '\n')) && e[1] == ' ' && e[2] == ' ' && (e[3] == ' ' || e[3] == '#'))
		e++;
	size_t n = e ? (size_t)(e - p) : strlen(p);
	char *t = malloc(n + 1);
	memcpy(t, p, n);
	t[n] = '\0';
	return t;
}

TEST(deploy_compose_runs_postgres_two_instances_and_a_balancer)
{
	char *yml = test_read_file("docker-compose.yml");
	CHECK(yml != NULL);
	if (!yml)
		return;
	char names[512];
	compose_services(yml, names, sizeof names);
	CHECK_STR(names, "db,migrate,grants,pinwheel-a,pinwheel-b,balancer,pinwheel,");

	char *db = service(yml, "db");
	CHECK_CONTAINS(db, "image: postgres:16\n");
	CHECK_CONTAINS(db, "pg-data:/var/lib/postgresql/data");
	CHECK_CONTAINS(db, "pg_isready");
	CHECK_CONTAINS(db, "./scripts/deploy/postgres-init.sh:/docker-entrypoint-initdb.d/");
	/* Migrations as the tables' owner, serving as the role that owns none. */
	char *mig = service(yml, "migrate");
	CHECK_CONTAINS(mig, "[\"pinwheel\", \"migrate\"]");
	CHECK_CONTAINS(mig, "PINWHEEL_DB: postgres://pinwheel_owner@db:5432/pinwheel\n");
	char *gr = service(yml, "grants");
	CHECK_CONTAINS(gr, "/pinwheel/pg-grants.sql");
	CHECK_CONTAINS(gr, "service_completed_successfully");
	char *a = service(yml, "pinwheel-a");
	CHECK_CONTAINS(a, "PINWHEEL_DB: postgres://pinwheel_app@db:5432/pinwheel\n");
	CHECK_CONTAINS(a, "image: pinwheel-fates:local");
	char *b = service(yml, "pinwheel-b");
	CHECK_STR(b, "\n  pinwheel-b: *pinwheel-serve");
	char *bal = service(yml, "balancer");
	CHECK_CONTAINS(bal, "image: nginx:");
	CHECK_CONTAINS(bal, "./scripts/deploy/nginx.conf:/etc/nginx/nginx.conf:ro");
	/* The single-machine SQLite service stays, behind a profile. */
	char *one = service(yml, "pinwheel");
	CHECK_CONTAINS(one, "profiles: [\"sqlite\"]");
	CHECK_CONTAINS(one, "pinwheel-data:/data");

	/* Every file the compose file mounts is in the repository. */
	const char *mounted[] = {"scripts/deploy/postgres-init.sh", "scripts/deploy/pg-roles.sql",
				 "scripts/deploy/pg-grants.sql", "scripts/deploy/nginx.conf"};
	for (size_t i = 0; i < sizeof mounted / sizeof mounted[0]; i++) {
		char *t = test_read_file(mounted[i]);
		CHECK_MSG(t != NULL && strstr(yml, mounted[i]), "%s", mounted[i]);
		free(t);
	}
	/* No secret in the file: every password and token comes from ${...},
	 * and each of those is in the example env file. */
	char *env = test_read_file("scripts/deploy/pinwheel.env.example");
	CHECK(env != NULL);
	for (const char *p = yml; env && (p = strstr(p, "${")); p += 2) {
		char var[64];
		snprintf(var, sizeof var, "\n%.*s=", (int)strcspn(p + 2, ":-}"), p + 2);
		CHECK_MSG(strstr(env, var) != NULL, "%s is not in the example env file", var + 1);
	}
	for (const char *p = yml; (p = strstr(p, "PASSWORD: ")); p += 10)
		CHECK_MSG(!strncmp(p + 10, "${", 2), "a password written in the file: %.30s", p);
	free(env);
	free(db);
	free(mig);
	free(gr);
	free(a);
	free(b);
	free(bal);
	free(one);
	free(yml);
}

TEST(deploy_balancer_spreads_requests_and_lets_streams_flow)
{
	char *conf = test_read_file("scripts/deploy/nginx.conf");
	CHECK(conf != NULL);
	if (!conf)
		return;
	/* Its upstreams are the compose file's two instances, on their port. */
	CHECK_CONTAINS(conf, "server pinwheel-a:8080 ");
	CHECK_CONTAINS(conf, "server pinwheel-b:8080 ");
	CHECK_CONTAINS(conf, "proxy_pass http://pinwheel;");
	/* SSE: unbuffered, long reads, HTTP/1.1 to the instances. */
	CHECK_CONTAINS(conf, "proxy_buffering off;");
	CHECK_CONTAINS(conf, "proxy_read_timeout 1h;");
	CHECK_CONTAINS(conf, "proxy_http_version 1.1;");
	/* No sticky sessions, and never a POST sent twice. */
	for (const char *line = conf; line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		line += strspn(line, " \t");
		if (*line == '#')
			continue; /* comments may say what is not there */
		int n = (int)strcspn(line, "\n");
		CHECK_MSG(strncmp(line, "ip_hash", 7) && strncmp(line, "sticky", 6) &&
				  strncmp(line, "hash ", 5) && !memmem(line, (size_t)n, "non_idempotent", 14),
			  "the balancer pins or repeats requests: %.*s", n, line);
	}
	free(conf);
}

TEST(deploy_operations_doc_names_what_the_files_hold)
{
	char *doc = test_read_file("docs/OPERATIONS.md");
	CHECK(doc != NULL);
	if (!doc)
		return;
	const char *names[] = {"`db`", "`migrate`", "`grants`", "`pinwheel-a`", "`pinwheel-b`",
			       "`balancer`", "`postgres:16`", "`nginx:1.27-alpine`",
			       "postgres://pinwheel_app@db:5432/pinwheel",
			       "postgres://pinwheel_owner@db:5432/pinwheel", "scripts/deploy/nginx.conf",
			       "scripts/deploy/pg-roles.sql", "scripts/deploy/pg-grants.sql",
			       "scripts/deploy/pinwheel.env.example", "pinwheel_owner", "pinwheel_app",
			       "pinwheel migrate --from", "pg_dump --format=custom", "pg_restore"};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		CHECK_MSG(strstr(doc, names[i]) != NULL, "docs/OPERATIONS.md does not name %s", names[i]);
	/* And the compose file uses the image the doc names. */
	char *yml = test_read_file("docker-compose.yml");
	CHECK(yml && strstr(yml, "image: nginx:1.27-alpine\n"));
	free(yml);
	free(doc);
}
