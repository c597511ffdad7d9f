/*
 * e2e.c — the end-to-end helpers (see e2e.h).
 */
#include "tests/e2e/e2e.h"

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "core/league/store.h"
#include "tests/pgtest.h"
#include "tests/test.h"

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int start_on(e2e_server_t *s, const char *const *env, const char *db, long nofile, int port);

int e2e_start(e2e_server_t *s, const char *const *env, const char *db)
{
	return e2e_start_nofile(s, env, db, 0);
}

int e2e_start_nofile(e2e_server_t *s, const char *const *env, const char *db, long nofile)
{
	return start_on(s, env, db, nofile, 0);
}

int e2e_start_beside(e2e_server_t *s, const char *const *env, const e2e_server_t *first)
{
	char db[sizeof first->db];
	snprintf(db, sizeof db, "%s", first->db);
	return start_on(s, env, db, 0, 0);
}

int e2e_restart(e2e_server_t *s, const char *const *env)
{
	char db[sizeof s->db];
	snprintf(db, sizeof db, "%s", s->db);
	return start_on(s, env, db, 0, s->port);
}

/* e2e_use_postgres: a fresh database is a PostgreSQL one (per test: each
 * test runs in a process of its own). */
static bool on_postgres;

void e2e_use_postgres(void)
{
	on_postgres = true;
}

static int start_on(e2e_server_t *s, const char *const *env, const char *db, long nofile, int port)
{
	static int counter;
	memset(s, 0, sizeof *s);
	counter++;
	if (db) {
		snprintf(s->db, sizeof s->db, "%s", db);
	} else if (on_postgres || test_on_postgres()) {
		char *url = pgtest_database();
		if (!url)
			return -1;
		snprintf(s->db, sizeof s->db, "%s", url);
		free(url);
	} else {
		snprintf(s->db, sizeof s->db, "%s/e2e-%d-%d.db", test_tmpdir(), (int)getpid(), counter);
	}
	snprintf(s->log, sizeof s->log, "%s/server-%d-%d.log", test_tmpdir(), (int)getpid(), counter);
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int fd = open(s->log, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
			close(fd);
		}
		/* Settings a developer's shell might carry must not leak in. */
		unsetenv("PINWHEEL_ADMIN_TOKEN");
		unsetenv("PINWHEEL_GAME_CRON");
		unsetenv("PINWHEEL_PORT");
		unsetenv("PINWHEEL_HOST");
		/* A real key in the shell would send every test's proposals to
		 * the real API: only a test that starts the fake API sets one. */
		unsetenv("ANTHROPIC_API_KEY");
		unsetenv("ANTHROPIC_BASE_URL");
		setenv("PINWHEEL_PRESENTATION_PACE", "manual", 1);
		setenv("PINWHEEL_LOG_LEVEL", "info", 1);
		for (size_t i = 0; env && env[i]; i++)
			putenv((char *)env[i]);
		if (nofile > 0) {
			struct rlimit rl = {.rlim_cur = (rlim_t)nofile, .rlim_max = (rlim_t)nofile};
			if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
				_exit(126);
		}
		char port_s[16];
		snprintf(port_s, sizeof port_s, "%d", port);
		execl(test_bin(), "pinwheel", "serve", "--host", "127.0.0.1", "--port", port_s, "--db",
		      s->db, (char *)NULL);
		_exit(127);
	}
	s->pid = pid;
	/* Wait for the "serving on http://127.0.0.1:PORT/" line. */
	long long deadline = now_ms() + 20000;
	while (now_ms() < deadline) {
		char *log = e2e_log(s);
		const char *p = log ? strstr(log, "serving on http://127.0.0.1:") : NULL;
		if (p) {
			s->port = atoi(p + strlen("serving on http://127.0.0.1:"));
			free(log);
			return s->port > 0 ? 0 : -1;
		}
		free(log);
		if (!e2e_alive(s))
			return -1;
		usleep(20000);
	}
	return -1;
}

bool e2e_alive(e2e_server_t *s)
{
	if (s->pid <= 0)
		return false;
	int st;
	pid_t r = waitpid(s->pid, &st, WNOHANG);
	if (r == s->pid) {
		s->pid = -(int)(WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st)) - 1;
		return false;
	}
	return r == 0;
}

int e2e_stop(e2e_server_t *s, int sig, int timeout_ms)
{
	if (s->pid < 0)
		return -s->pid - 1; /* already reaped by e2e_alive */
	if (s->pid == 0)
		return -1;
	kill(s->pid, sig);
	long long deadline = now_ms() + timeout_ms;
	while (now_ms() < deadline) {
		int st;
		pid_t r = waitpid(s->pid, &st, WNOHANG);
		if (r == s->pid) {
			s->pid = 0;
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		}
		usleep(10000);
	}
	kill(s->pid, SIGKILL);
	waitpid(s->pid, NULL, 0);
	s->pid = 0;
	return -1;
}

char *e2e_log(e2e_server_t *s)
{
	FILE *f = fopen(s->log, "r");
	if (!f)
		return NULL;
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		fwrite(chunk, 1, n, m);
	fclose(f);
	fclose(m);
	return buf;
}

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
	FILE *m = ud;
	return fwrite(p, size, n, m) * size;
}

int e2e_http(e2e_server_t *s, const char *method, const char *path, const char *body,
	     const char *const *headers, e2e_resp_t *resp)
{
	memset(resp, 0, sizeof *resp);
	CURL *c = curl_easy_init();
	if (!c)
		return -1;
	char url[1024];
	snprintf(url, sizeof url, "http://127.0.0.1:%d%s", s->port, path);
	size_t hlen = 0;
	FILE *bm = open_memstream(&resp->body, &resp->len);
	FILE *hm = open_memstream(&resp->headers, &hlen);
	struct curl_slist *hl = NULL;
	bool typed = false;
	for (size_t i = 0; headers && headers[i]; i++) {
		hl = curl_slist_append(hl, headers[i]);
		typed |= !strncasecmp(headers[i], "Content-Type:", 13);
	}
	/* Every state-changing request declares JSON (the server refuses
	 * others), with or without a body, unless the test chose a type. */
	if (!typed && (body || (strcmp(method, "GET") && strcmp(method, "HEAD"))))
		hl = curl_slist_append(hl, "Content-Type: application/json");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 20000L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, bm);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, hm);
	if (!strcmp(method, "HEAD"))
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	if (body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	}
	if (hl)
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	CURLcode rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status);
	curl_slist_free_all(hl);
	curl_easy_cleanup(c);
	fclose(bm);
	fclose(hm);
	if (rc != CURLE_OK) {
		e2e_resp_free(resp);
		return -1;
	}
	return 0;
}

void e2e_resp_free(e2e_resp_t *r)
{
	free(r->body);
	free(r->headers);
	memset(r, 0, sizeof *r);
}

cJSON *e2e_call(e2e_server_t *s, const char *method, const char *path, const char *body,
		const char *token, long *status)
{
	char auth[300];
	const char *h[] = {auth, NULL};
	snprintf(auth, sizeof auth, "Authorization: Bearer %s", token ? token : "");
	e2e_resp_t r;
	if (e2e_http(s, method, path, body, token ? h : NULL, &r) < 0)
		return NULL;
	if (status)
		*status = r.status;
	cJSON *j = cJSON_Parse(r.body);
	e2e_resp_free(&r);
	return j;
}

char *e2e_join(e2e_server_t *s, const char *name, int team)
{
	char body[128];
	snprintf(body, sizeof body, "{\"name\":\"%s\",\"team_id\":%d}", name, team);
	long st = 0;
	cJSON *j = e2e_call(s, "POST", "/api/governors", body, NULL, &st);
	CHECK_EQ(st, 201);
	const char *t = cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "data"), "token"));
	char *tok = t ? strdup(t) : strdup("");
	cJSON_Delete(j);
	return tok;
}

int e2e_connect(e2e_server_t *s)
{
	return e2e_connect_from(s, 1);
}

int e2e_connect_from(e2e_server_t *s, int from)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (from != 1) {
		struct sockaddr_in src = {.sin_family = AF_INET};
		src.sin_addr.s_addr = htonl(INADDR_LOOPBACK - 1 + (uint32_t)from);
		if (bind(fd, (struct sockaddr *)&src, sizeof src) < 0) {
			close(fd);
			return -1;
		}
	}
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)s->port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int e2e_send(int fd, const void *data, size_t len)
{
	const char *p = data;
	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

char *e2e_recv(int fd, const char *until, int timeout_ms, size_t *lenp)
{
	size_t cap = 8192, len = 0;
	char *buf = malloc(cap);
	long long deadline = now_ms() + timeout_ms;
	for (;;) {
		long long left = deadline - now_ms();
		if (left <= 0)
			break;
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		if (poll(&pfd, 1, (int)left) <= 0)
			break;
		if (cap - len < 4096) {
			cap *= 2;
			buf = realloc(buf, cap);
		}
		ssize_t n = recv(fd, buf + len, cap - len - 1, 0);
		if (n <= 0)
			break;
		len += (size_t)n;
		buf[len] = '\0';
		if (until && strstr(buf, until))
			break;
	}
	buf[len] = '\0';
	if (lenp)
		*lenp = len;
	return buf;
}

/* e2e_round_finals on a server's PostgreSQL database: through the store
 * (a writer's connection sees the games viewers do not yet). */
static int round_finals_pg(e2e_server_t *s, int round, char finals[][32], int64_t *ids, int max)
{
	char err[512];
	pw_store_t *st = store_open(s->db, err, sizeof err);
	if (!st)
		return 0;
	pw_season_row_t season;
	int n = 0, cnt = 0;
	int64_t league = store_league_first(st, NULL);
	pw_game_row_t *g = league > 0 && store_season_current(st, league, &season) == 1
				   ? store_games(st, season.id, round, &cnt)
				   : NULL;
	for (int i = 0; g && i < cnt && n < max; i++, n++) {
		ids[n] = g[i].id;
		snprintf(finals[n], 32, "%d–%d", g[i].home_score, g[i].away_score);
	}
	free(g);
	store_close(st);
	return n;
}

int e2e_tick_games(e2e_server_t *s, int round)
{
	long st = 0;
	cJSON_Delete(e2e_call(s, "POST", "/api/pace/advance", NULL, NULL, &st));
	CHECK_EQ(st, 202);
	char path[64];
	snprintf(path, sizeof path, "/api/games?round=%d", round);
	int games = 0;
	for (int i = 0; i < 100 && games == 0; i++) {
		cJSON *j = e2e_call(s, "GET", path, NULL, NULL, &st);
		games = cJSON_GetArraySize(cJSON_GetObjectItem(j, "data"));
		cJSON_Delete(j);
		if (!games)
			usleep(100000);
	}
	return games;
}

int e2e_round_finals(e2e_server_t *s, int round, char finals[][32], int64_t *ids, int max)
{
	if (!store_names_file(s->db))
		return round_finals_pg(s, round, finals, ids, max);
	sqlite3 *db = NULL;
	int n = 0;
	if (sqlite3_open_v2(s->db, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
		sqlite3_busy_timeout(db, 5000);
		sqlite3_stmt *st = NULL;
		sqlite3_prepare_v2(db, "SELECT id, home_score, away_score FROM game_results WHERE round_number=?"
				       " ORDER BY id", -1, &st, NULL);
		sqlite3_bind_int(st, 1, round);
		while (st && n < max && sqlite3_step(st) == SQLITE_ROW) {
			ids[n] = sqlite3_column_int64(st, 0);
			snprintf(finals[n], 32, "%d–%d", sqlite3_column_int(st, 1), sqlite3_column_int(st, 2));
			n++;
		}
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
	return n;
}
