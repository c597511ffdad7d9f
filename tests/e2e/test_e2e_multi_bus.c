/*
 * test_e2e_multi_bus.c — two `pinwheel serve` processes on one PostgreSQL
 * database (issue 16, "Events to every instance"): a governor acts on A,
 * A plays and replays a tick, and the live streams of A and B carry the
 * same events under the same ids in the same order; a client that read
 * part of A's stream resumes on B with Last-Event-ID and gets exactly the
 * rest, and so does one that resumes on B after B restarted; B's arena
 * shows A's replay while it runs; the report writer's AI
 * calls for the round are made once, though both instances see
 * round.completed.
 *
 * Ticks are driven through A only (B is on manual pace too and nobody
 * advances it): which instance runs ticks is the tick lock's business.
 */
#include "tests/test.h"

#include <cjson/cJSON.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/e2e/e2e.h"
#include "tests/e2e/fake_api.h"

/* One event of a stream: its id and type. */
typedef struct sse_ev {
	unsigned long long id;
	char type[48];
} sse_ev_t;

#define MAX_EVENTS 8000
/* The last of the pings A publishes while B is down. */
#define PING_LAST "{\"n\":199,\"note\":\"while B was down\"}"

/* The events of a stream's text, in order, up to and including the first
 * event of type `last` (all when NULL). Returns how many. */
static int parse_stream(const char *text, const char *last, sse_ev_t *out, int max)
{
	int n = 0;
	const char *p = text;
	while (p && *p && n < max) {
		const char *end = strstr(p, "\n\n");
		if (!end)
			break;
		const char *id = strstr(p, "id: "), *ev = strstr(p, "event: ");
		if (id && id < end && ev && ev < end && (id == p || id[-1] == '\n')) {
			out[n].id = strtoull(id + 4, NULL, 10);
			const char *t = ev + 7;
			size_t k = strcspn(t, "\n");
			snprintf(out[n].type, sizeof out[n].type, "%.*s", (int)(k < 47 ? k : 47), t);
			n++;
			if (last && !strcmp(out[n - 1].type, last))
				break;
		}
		p = end + 2;
	}
	return n;
}

static int subscribe(e2e_server_t *s, const char *last_id, char **head)
{
	int fd = e2e_connect(s);
	char req[256];
	snprintf(req, sizeof req, "GET /api/events/stream HTTP/1.1\r\nHost: 127.0.0.1\r\n%s%s%s\r\n",
		 last_id ? "Last-Event-ID: " : "", last_id ? last_id : "", last_id ? "\r\n" : "");
	e2e_send(fd, req, strlen(req));
	char *h = e2e_recv(fd, ": connected\n\n", 5000, NULL);
	CHECK_CONTAINS(h, "HTTP/1.1 200 OK");
	if (head)
		*head = h;
	else
		free(h);
	return fd;
}

/* Reads a stream until `until` (after what was read already, in *acc). */
static void read_until(int fd, char **acc, const char *until, int timeout_ms)
{
	if (strstr(*acc, until))
		return;
	char *more = e2e_recv(fd, until, timeout_ms, NULL);
	size_t a = strlen(*acc), m = more ? strlen(more) : 0;
	char *both = malloc(a + m + 1);
	memcpy(both, *acc, a);
	if (more)
		memcpy(both + a, more, m);
	both[a + m] = 0;
	free(*acc);
	free(more);
	*acc = both;
}

static const cJSON *data(const cJSON *j)
{
	return cJSON_GetObjectItem(j, "data");
}

/* The governance a governor does on A: join, propose, confirm, vote. */
static void govern_on(e2e_server_t *a)
{
	char *ada = e2e_join(a, "Ada", 1);
	long st = 0;
	cJSON *j = e2e_call(a, "POST", "/api/governance/proposals", "{\"text\":\"three pointers worth 5\"}", ada, &st);
	CHECK_EQ(st, 201);
	int pid = (int)cJSON_GetNumberValue(cJSON_GetObjectItem(data(j), "id"));
	cJSON_Delete(j);
	char path[96], body[96];
	snprintf(path, sizeof path, "/api/governance/proposals/%d/confirm", pid);
	cJSON_Delete(e2e_call(a, "POST", path, NULL, ada, &st));
	CHECK_EQ(st, 200);
	snprintf(body, sizeof body, "{\"proposal_id\":%d,\"vote\":\"yes\"}", pid);
	cJSON_Delete(e2e_call(a, "POST", "/api/governance/votes", body, ada, &st));
	CHECK_EQ(st, 200);
	free(ada);
}

/* B's arena while A replays: live, A's four games with their names. */
static bool arena_live_on(e2e_server_t *b, int *games, int *started)
{
	long st;
	cJSON *j = e2e_call(b, "GET", "/api/arena", NULL, NULL, &st);
	const cJSON *d = data(j);
	bool live = st == 200 && !strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(d, "status")) ?: "", "live");
	*games = cJSON_GetArraySize(cJSON_GetObjectItem(d, "games"));
	*started = 0;
	const cJSON *g;
	cJSON_ArrayForEach(g, cJSON_GetObjectItem(d, "games"))
	{
		if (cJSON_IsTrue(cJSON_GetObjectItem(g, "started")) &&
		    cJSON_GetStringValue(cJSON_GetObjectItem(g, "home_team_name")) &&
		    cJSON_GetStringValue(cJSON_GetObjectItem(g, "away_team_name")) &&
		    !cJSON_GetObjectItem(g, "winner_team_id"))
			(*started)++;
	}
	cJSON_Delete(j);
	return live;
}

/* The body of fake API request i (after its headers; malloc'd). */
static char *request_body(fake_api_t *f, int i)
{
	char *t = fake_api_request_text(f, i);
	const char *b = t ? strstr(t, "\r\n\r\n") : NULL;
	char *body = strdup(b ? b + 4 : "");
	free(t);
	return body;
}

/* The report writer's calls since request `from` (both instances see
 * round.completed; only the one whose presenter told it writes): how
 * many, once they stop coming; -1 when one was made twice. */
static int writer_calls(fake_api_t *f, int from)
{
	int n = fake_api_count(f), stable = 0;
	for (int i = 0; i < 200 && stable < 10; i++) {
		usleep(100000);
		int m = fake_api_count(f);
		stable = m == n && m > from ? stable + 1 : 0;
		n = m;
	}
	for (int i = from; i < n; i++) {
		char *x = request_body(f, i);
		for (int k = i + 1; k < n; k++) {
			char *y = request_body(f, k);
			bool same = !strcmp(x, y);
			free(y);
			if (same) {
				free(x);
				return -1;
			}
		}
		free(x);
	}
	return n - from;
}

TEST(pg_e2e_two_instances_stream_every_event_in_order)
{
	e2e_use_postgres();
	/* The AI on, against a fake API: the report writer's calls count. The
	 * interpreter is down, so proposals read offline. */
	fake_tools_t tools = {.text = "A round to remember.", .interp_status = 503};
	fake_api_t *f = fake_api_start(fake_api_tools, &tools);
	CHECK(f != NULL);
	if (!f)
		return;
	char url[128];
	snprintf(url, sizeof url, "ANTHROPIC_BASE_URL=%s", fake_api_url(f));
	const char *env[] = {"PINWHEEL_PRESENTATION_MODE=replay", "ANTHROPIC_API_KEY=sk-test-multi", url,
			     "PINWHEEL_AI_MAX_RETRIES=0", NULL};
	e2e_server_t a, b;
	CHECK_EQ(e2e_start(&a, env, NULL), 0);
	CHECK_EQ(e2e_start_beside(&b, env, &a), 0);
	char *la = e2e_log(&a), *lb = e2e_log(&b);
	CHECK_CONTAINS(la, "bus.shared");
	CHECK_CONTAINS(lb, "bus.shared");
	free(la);
	free(lb);

	int fa = subscribe(&a, NULL, NULL), fb = subscribe(&b, NULL, NULL);
	govern_on(&a);
	int before_tick = fake_api_count(f);
	long st;
	cJSON_Delete(e2e_call(&a, "POST", "/api/pace/advance?quarter_seconds=3", NULL, NULL, &st));
	CHECK_EQ(st, 202);

	/* Mid-replay, B (which presents nothing) shows A's games. */
	int games = 0, started = 0;
	bool live = false;
	for (int i = 0; i < 200 && !(live && games == 4 && started > 0); i++) {
		live = arena_live_on(&b, &games, &started);
		if (!(live && games == 4 && started > 0))
			usleep(50000);
	}
	CHECK_MSG(live && games == 4 && started > 0, "B's arena mid-replay: live=%d games=%d started=%d", live,
		  games, started);
	long pst;
	cJSON *ps = e2e_call(&b, "GET", "/api/pace/status", NULL, NULL, &pst);
	CHECK(cJSON_IsFalse(cJSON_GetObjectItem(data(ps), "presenting"))); /* B only mirrors */
	cJSON_Delete(ps);

	char *sa = strdup(""), *sb = strdup("");
	read_until(fa, &sa, "event: round.completed\n", 60000);
	read_until(fb, &sb, "event: round.completed\n", 20000);
	sse_ev_t *ea = calloc(MAX_EVENTS, sizeof *ea), *eb = calloc(MAX_EVENTS, sizeof *eb),
		 *er = calloc(MAX_EVENTS, sizeof *er);
	int na = parse_stream(sa, "round.completed", ea, MAX_EVENTS);
	int nb = parse_stream(sb, "round.completed", eb, MAX_EVENTS);
	CHECK(na > 20);
	CHECK_EQ(na, nb);
	int diff = -1;
	for (int i = 0; i < na && i < nb && diff < 0; i++)
		if (ea[i].id != eb[i].id || strcmp(ea[i].type, eb[i].type))
			diff = i;
	CHECK_MSG(diff < 0, "A and B differ at event %d: %llu %s vs %llu %s", diff, ea[diff].id, ea[diff].type,
		  eb[diff].id, eb[diff].type);
	for (int i = 1; i < na; i++)
		CHECK(ea[i].id > ea[i - 1].id);
	/* What happened on A, in the order it happened. */
	int first_vote = -1, first_start = -1, last_finish = -1, completed = -1;
	for (int i = 0; i < na; i++) {
		if (!strcmp(ea[i].type, "vote.cast") && first_vote < 0)
			first_vote = i;
		if (!strcmp(ea[i].type, "presentation.game_starting") && first_start < 0)
			first_start = i;
		if (!strcmp(ea[i].type, "presentation.round_finished"))
			last_finish = i;
		if (!strcmp(ea[i].type, "round.completed"))
			completed = i;
	}
	CHECK(first_vote >= 0);
	CHECK(first_start > first_vote);
	CHECK(last_finish > first_start);
	CHECK(completed > last_finish);

	/* A client that read A's stream up to the middle resumes on B. */
	int mid = na / 2;
	char last[32];
	snprintf(last, sizeof last, "%llu", ea[mid].id);
	char *head = NULL;
	int fr = subscribe(&b, last, &head);
	read_until(fr, &head, "event: round.completed\n", 20000);
	int nr = parse_stream(head, "round.completed", er, MAX_EVENTS);
	CHECK_EQ(nr, na - mid - 1);
	diff = -1;
	for (int i = 0; i < nr && mid + 1 + i < na && diff < 0; i++)
		if (er[i].id != ea[mid + 1 + i].id || strcmp(er[i].type, ea[mid + 1 + i].type))
			diff = i;
	CHECK_MSG(diff < 0, "the resumed stream differs at event %d", diff);
	free(head);
	close(fr);
	/* From the very first event (older than B's ring when the tick was
	 * long: then read from the log): the rest, exactly. */
	snprintf(last, sizeof last, "%llu", ea[0].id);
	fr = subscribe(&b, last, &head);
	read_until(fr, &head, "event: round.completed\n", 20000);
	nr = parse_stream(head, "round.completed", er, MAX_EVENTS);
	CHECK_EQ(nr, na - 1);
	CHECK(nr > 0 && er[0].id == ea[1].id && er[nr - 1].id == ea[na - 1].id);
	free(head);
	close(fr);

	/* The writer's calls for round 1: made once, by A. */
	int calls = writer_calls(f, before_tick);
	CHECK_MSG(calls > 0, "the report writer's calls: %s", calls < 0 ? "one was made twice" : "none");

	/* B restarts while A goes on (200 more events: the log then holds
	 * more than B's ring, which starts with the newest). A client that
	 * last saw A's round.completed resumes on the fresh B from its ring;
	 * one that saw only A's first event gets the older part from the log,
	 * then the ring: both exactly what followed on A. */
	CHECK_EQ(e2e_stop(&b, SIGTERM, 10000), 0);
	e2e_resp_t r;
	CHECK_EQ(e2e_http(&a, "POST", "/api/admin/events/ping", "{\"count\":200,\"note\":\"while B was down\"}",
			  NULL, &r),
		 0);
	CHECK_EQ(r.status, 202);
	e2e_resp_free(&r);
	read_until(fa, &sa, PING_LAST, 10000);
	CHECK_EQ(e2e_restart(&b, env), 0);
	int nall = parse_stream(sa, NULL, ea, MAX_EVENTS);
	CHECK(nall > 1024 + 50);
	int from[2] = {na - 1, 0};
	for (int k = 0; k < 2; k++) {
		snprintf(last, sizeof last, "%llu", ea[from[k]].id);
		fr = subscribe(&b, last, &head);
		read_until(fr, &head, PING_LAST, 10000);
		nr = parse_stream(head, NULL, er, MAX_EVENTS);
		CHECK_MSG(nr == nall - from[k] - 1, "resumed on the restarted B after event %d: %d events, A had %d",
			  from[k], nr, nall - from[k] - 1);
		diff = -1;
		for (int i = 0; i < nr && from[k] + 1 + i < nall && diff < 0; i++)
			if (er[i].id != ea[from[k] + 1 + i].id || strcmp(er[i].type, ea[from[k] + 1 + i].type))
				diff = i;
		CHECK_MSG(diff < 0, "the stream resumed on the restarted B differs at event %d", diff);
		free(head);
		close(fr);
	}

	free(sa);
	free(sb);
	free(ea);
	free(eb);
	free(er);
	close(fa);
	close(fb);
	CHECK_EQ(e2e_stop(&b, SIGTERM, 10000), 0);
	CHECK_EQ(e2e_stop(&a, SIGTERM, 10000), 0);
	fake_api_stop(f);
}
