/*
 * vote_clients.c — benchmark client: how long a vote takes while ticks are
 * played back to back (spec 40-server: a vote accepted in under 5 ms p99
 * while a round is being simulated), timed on connections already open,
 * so the figure is the server's and not a client's start-up or connect.
 *
 *   vote_clients TICK_PORT VOTE_PORT PROPOSAL_ID TICKS TOKEN_FILE
 *
 * TOKEN_FILE holds one governor's bearer token per line; each gets a
 * keep-alive connection of its own to VOTE_PORT (V connections for V
 * tokens), and one more, the control connection, goes to TICK_PORT (the
 * same port, or another server on the same database that plays the
 * ticks). For each of TICKS ticks: POST /api/pace/advance on the control
 * connection; as soon as it answers, a burst — every governor's vote on
 * PROPOSAL_ID written before any answer is read, each timed from its write
 * to the last byte of its answer; then GET /api/pace/status: while it says
 * "tick_in_progress":true, the burst just timed lay inside the tick and
 * another follows, so the votes race the whole tick and not only its first
 * moment. Once the tick ends the status gives its durations: last_tick_ms
 * (the whole work on the tick's thread), last_round_ms (the round) and
 * last_presentation_load_ms (the replay's games made ready).
 *
 * With VOTE_CLIENTS_TRACE=1 each burst is a line on stderr too (when it
 * began after the advance's answer, its slowest vote, whether the tick
 * still ran after it), to set beside the server's debug log.
 *
 * Prints figures; never pass/fail on time. Exits 1, saying what it got,
 * unless every vote is answered 200 with the vote itself (a refusal timed
 * as a fast vote would be a wrong figure), every advance 200 or 202, and
 * every tick completes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench_client.h"

#define ANSWER_CAP 65536
#define MAX_VOTERS 1000
/* No answer or tick should take this long; past it the run is stuck. */
#define GIVE_UP_US 60000000LL

/* One keep-alive connection and the answer being read on it. */
typedef struct conn {
	int fd;
	char *req; /* the request this connection sends (votes: always the same) */
	size_t req_len;
	char buf[ANSWER_CAP];
	size_t have, want; /* want: head + Content-Length, 0 until the head is in */
	int status;
	long long sent_at, done_at;
} conn_t;

/* The latencies of every vote (µs), and whether its burst lay inside a tick. */
typedef struct samples {
	long long *us;
	bool *inside;
	size_t n, cap;
} samples_t;

static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("vote_clients: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static void conn_open(conn_t *c, int port)
{
	c->fd = bench_dial(port, 1);
	if (c->fd < 0)
		die("cannot connect to 127.0.0.1:%d: %s", port, strerror(errno));
}

/* Writes the whole request; a short write (a full socket buffer) goes on. */
static void conn_send(conn_t *c)
{
	c->have = c->want = 0;
	c->status = 0;
	c->sent_at = bench_now_us();
	size_t off = 0;
	while (off < c->req_len) {
		ssize_t w = send(c->fd, c->req + off, c->req_len - off, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			die("a request was not sent: %s", w < 0 ? strerror(errno) : "connection closed");
		off += (size_t)w;
	}
}

/*
 * Reads what the socket holds (poll said it is readable) and returns true
 * once the answer is whole: its head, then as many body bytes as its
 * Content-Length says. Each answer must carry one — the server answers
 * every request so, and without it a keep-alive answer has no end.
 */
static bool conn_read(conn_t *c)
{
	ssize_t r = recv(c->fd, c->buf + c->have, sizeof c->buf - 1 - c->have, MSG_DONTWAIT);
	if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return false;
	if (r <= 0)
		die("the connection closed before its answer was whole (%zu bytes in: %.200s)", c->have, c->buf);
	c->have += (size_t)r;
	c->buf[c->have] = '\0';
	if (!c->want) {
		char *end = strstr(c->buf, "\r\n\r\n");
		if (!end) {
			if (c->have == sizeof c->buf - 1)
				die("an answer's head is larger than %d bytes", ANSWER_CAP);
			return false;
		}
		*end = '\0'; /* the head alone, for the header search */
		const char *cl = strcasestr(c->buf, "\r\nContent-Length:");
		if (sscanf(c->buf, "HTTP/1.1 %d", &c->status) != 1 || !cl)
			die("an answer without a status or a Content-Length: %.200s", c->buf);
		if (strcasestr(c->buf, "\r\nConnection: close"))
			die("the server closes a keep-alive connection: %.200s", c->buf);
		*end = '\r';
		c->want = (size_t)(end + 4 - c->buf) + strtoul(cl + 17, NULL, 10);
		if (c->want >= sizeof c->buf)
			die("an answer of %zu bytes is larger than %d", c->want, ANSWER_CAP);
	}
	if (c->have > c->want)
		die("more bytes than the answer's Content-Length (%zu of %zu)", c->have, c->want);
	if (c->have < c->want)
		return false;
	c->done_at = bench_now_us();
	return true;
}

/* Reads the answers of n connections that each sent one request, in
 * whichever order they come. */
static void read_answers(conn_t *cs, int n)
{
	struct pollfd pf[MAX_VOTERS + 1];
	int open = n;
	for (int i = 0; i < n; i++)
		pf[i] = (struct pollfd){.fd = cs[i].fd, .events = POLLIN};
	long long give_up = bench_now_us() + GIVE_UP_US;
	while (open) {
		int k = poll(pf, (nfds_t)n, 1000);
		if (k < 0 && errno != EINTR)
			die("poll: %s", strerror(errno));
		if (bench_now_us() > give_up)
			die("%d of %d answers did not come within %lld s", open, n, GIVE_UP_US / 1000000);
		for (int i = 0; i < n && k > 0; i++) {
			if (!pf[i].revents)
				continue;
			if (conn_read(&cs[i])) {
				pf[i].fd = -1; /* poll skips it from now on */
				open--;
			}
		}
	}
}

/* The answer's body (past its head). */
static const char *body_of(const conn_t *c)
{
	return c->buf + (c->want - strtoul(strcasestr(c->buf, "\r\nContent-Length:") + 17, NULL, 10));
}

static char *format(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = NULL;
	if (vasprintf(&s, fmt, ap) < 0)
		die("out of memory");
	va_end(ap);
	return s;
}

/* One request on the control connection, answered whole; its status. */
static int control(conn_t *ctl, const char *method, const char *path)
{
	free(ctl->req);
	/* A POST with an empty JSON body: state-changing requests need the JSON
	 * content type (spec 40-server). */
	ctl->req = format("%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: vote_clients\r\n%s\r\n", method, path,
			  strcmp(method, "POST") ? "" : "Content-Type: application/json\r\nContent-Length: 0\r\n");
	ctl->req_len = strlen(ctl->req);
	conn_send(ctl);
	read_answers(ctl, 1);
	return ctl->status;
}

/* The number after "NAME": in the status's body, or -1. */
static double status_number(const conn_t *ctl, const char *name)
{
	char key[64];
	snprintf(key, sizeof key, "\"%s\":", name);
	const char *p = strstr(body_of(ctl), key);
	return p ? strtod(p + strlen(key), NULL) : -1;
}

/* GET /api/pace/status: is a tick still running? (Also leaves the status in ctl.) */
static bool tick_running(conn_t *ctl)
{
	int st = control(ctl, "GET", "/api/pace/status");
	if (st != 200)
		die("GET /api/pace/status answered %d: %.200s", st, body_of(ctl));
	if (strstr(body_of(ctl), "\"tick_in_progress\":true"))
		return true;
	if (!strstr(body_of(ctl), "\"tick_in_progress\":false"))
		die("GET /api/pace/status does not say whether a tick runs: %.200s", body_of(ctl));
	return false;
}

/*
 * One burst: every voter's vote written, then every answer read; each
 * must be 200 with the vote itself in it ({"data":{"proposal_id":N,...}}).
 */
static void burst(conn_t *voters, int v, const char *want_vote)
{
	for (int i = 0; i < v; i++)
		conn_send(&voters[i]);
	read_answers(voters, v);
	for (int i = 0; i < v; i++) {
		const char *b = body_of(&voters[i]);
		if (voters[i].status != 200 || strncmp(b, "{\"data\":{", 9) || !strstr(b, want_vote))
			die("a vote (governor %d of %d) answered %d: %.200s", i + 1, v, voters[i].status, b);
	}
}

static void sample(samples_t *s, long long us, bool inside)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 1024;
		s->us = realloc(s->us, s->cap * sizeof *s->us);
		s->inside = realloc(s->inside, s->cap * sizeof *s->inside);
		if (!s->us || !s->inside)
			die("out of memory");
	}
	s->us[s->n] = us;
	s->inside[s->n++] = inside;
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;
	return x < y ? -1 : x > y;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* The p-th percentile (nearest rank) of n sorted values, in ms. */
static double pct(const long long *v, size_t n, int p)
{
	size_t rank = (n * (size_t)p + 99) / 100;
	return v[rank ? rank - 1 : 0] / 1e3;
}

static void print_figures(const char *label, long long *v, size_t n, size_t inside, int voters)
{
	qsort(v, n, sizeof *v, cmp_ll);
	printf("%svotes=%zu", label, n);
	if (inside != (size_t)-1)
		printf(" inside_tick=%zu", inside);
	printf(" p50=%.2fms p99=%.2fms max=%.2fms (keep-alive, %d connections)\n", pct(v, n, 50), pct(v, n, 99),
	       pct(v, n, 100), voters);
}

/* Reads up to MAX_VOTERS tokens, one a line; each is sent in a header, so
 * nothing but printable, space-free ASCII is taken. */
static int read_tokens(const char *path, char **tokens)
{
	FILE *f = fopen(path, "r");
	if (!f)
		die("cannot read %s: %s", path, strerror(errno));
	char line[512];
	int n = 0;
	while (fgets(line, sizeof line, f)) {
		line[strcspn(line, "\r\n")] = '\0';
		if (!*line)
			continue;
		for (const char *p = line; *p; p++)
			if (*p <= ' ' || *p > '~')
				die("%s, line %d: a token holds a character it may not", path, n + 1);
		if (n == MAX_VOTERS)
			die("%s: more than %d tokens", path, MAX_VOTERS);
		tokens[n++] = strdup(line);
	}
	fclose(f);
	return n;
}

int main(int argc, char **argv)
{
	if (argc != 6) {
		fprintf(stderr, "usage: vote_clients TICK_PORT VOTE_PORT PROPOSAL_ID TICKS TOKEN_FILE\n");
		return 2;
	}
	int tick_port = atoi(argv[1]), vote_port = atoi(argv[2]), ticks = atoi(argv[4]);
	long long pid = atoll(argv[3]);
	if (tick_port < 1 || tick_port > 65535 || vote_port < 1 || vote_port > 65535 || pid < 1 || ticks < 1)
		die("bad arguments");
	static char *tokens[MAX_VOTERS];
	int v = read_tokens(argv[5], tokens);
	if (v < 1)
		die("%s holds no token", argv[5]);
	signal(SIGPIPE, SIG_IGN);

	conn_t *voters = calloc((size_t)v, sizeof *voters), *ctl = calloc(1, sizeof *ctl);
	if (!voters || !ctl)
		die("out of memory");
	char body[96];
	int bl = snprintf(body, sizeof body, "{\"proposal_id\":%lld,\"vote\":\"no\",\"boost\":false}", pid);
	for (int i = 0; i < v; i++) {
		conn_open(&voters[i], vote_port);
		voters[i].req = format("POST /api/governance/votes HTTP/1.1\r\nHost: 127.0.0.1\r\n"
				       "User-Agent: vote_clients\r\nAuthorization: Bearer %s\r\n"
				       "Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
				       tokens[i], bl, body);
		voters[i].req_len = strlen(voters[i].req);
	}
	conn_open(ctl, tick_port);
	char want_vote[64];
	snprintf(want_vote, sizeof want_vote, "\"proposal_id\":%lld,", pid);

	/* The server may have played ticks before: count from where it is. */
	if (tick_running(ctl))
		die("a tick is already running before the first advance");
	double ticks0 = status_number(ctl, "ticks");
	samples_t s = {0};
	double *tick_ms = calloc((size_t)ticks, sizeof *tick_ms);
	double *round_ms = calloc((size_t)ticks, sizeof *round_ms);
	double *load_ms = calloc((size_t)ticks, sizeof *load_ms);
	if (!tick_ms || !round_ms || !load_ms)
		die("out of memory");
	int bursts = 0, bursts_inside = 0;
	const char *trace_env = getenv("VOTE_CLIENTS_TRACE");
	bool trace = trace_env && !strcmp(trace_env, "1");
	for (int t = 0; t < ticks; t++) {
		int st = control(ctl, "POST", "/api/pace/advance");
		if (st != 200 && st != 202)
			die("POST /api/pace/advance (tick %d) answered %d: %.200s", t + 1, st, body_of(ctl));
		long long started = bench_now_us();
		bool running;
		do {
			burst(voters, v, want_vote);
			/* The burst lay inside the tick if the tick still ran after
			 * its last answer. */
			running = tick_running(ctl);
			bursts++;
			bursts_inside += running;
			long long slowest = 0;
			for (int i = 0; i < v; i++) {
				long long us = voters[i].done_at - voters[i].sent_at;
				sample(&s, us, running);
				slowest = us > slowest ? us : slowest;
			}
			if (trace)
				fprintf(stderr, "tick %d burst at +%.2f ms: slowest vote %.2f ms, tick %s after it\n",
					t + 1, (voters[0].sent_at - started) / 1e3, slowest / 1e3,
					running ? "still running" : "over");
			if (bench_now_us() - started > GIVE_UP_US)
				die("tick %d still runs after %lld s", t + 1, GIVE_UP_US / 1000000);
		} while (running);
		if (status_number(ctl, "ticks") != ticks0 + t + 1)
			die("tick %d did not complete: %.300s", t + 1, body_of(ctl));
		tick_ms[t] = status_number(ctl, "last_tick_ms");
		round_ms[t] = status_number(ctl, "last_round_ms");
		load_ms[t] = status_number(ctl, "last_presentation_load_ms");
	}

	/* Every vote; then apart those of bursts inside a tick and those of
	 * the bursts in which a tick ended (its last stages and the server's
	 * work once it ends raced only these). */
	long long *in = malloc((s.n + 1) * sizeof *in), *end = malloc((s.n + 1) * sizeof *end);
	if (!in || !end)
		die("out of memory");
	size_t n_in = 0, n_end = 0;
	for (size_t i = 0; i < s.n; i++) {
		if (s.inside[i])
			in[n_in++] = s.us[i];
		else
			end[n_end++] = s.us[i];
	}
	printf("ticks=%d, bursts of %d votes at once=%d (each began while its tick ran), inside their tick=%d;"
	       " every vote accepted (200)\n", ticks, v, bursts, bursts_inside);
	print_figures("", s.us, s.n, n_in, v);
	if (n_in)
		print_figures("inside ticks only: ", in, n_in, (size_t)-1, v);
	else
		printf("inside ticks only: no burst ended while its tick still ran\n");
	print_figures("bursts in which their tick ended: ", end, n_end, (size_t)-1, v);
	/* The tick's whole work on its thread, and of it the round (what the
	 * 5 ms target counts) and the replay's games made ready after it. */
	qsort(tick_ms, (size_t)ticks, sizeof *tick_ms, cmp_double);
	qsort(round_ms, (size_t)ticks, sizeof *round_ms, cmp_double);
	qsort(load_ms, (size_t)ticks, sizeof *load_ms, cmp_double);
	printf("tick duration: %.1f-%.1f ms (median %.1f); of it the round %.1f-%.1f ms (median %.1f),"
	       " the replay's games loaded %.1f-%.1f ms (median %.1f)\n", tick_ms[0], tick_ms[ticks - 1],
	       tick_ms[ticks / 2], round_ms[0], round_ms[ticks - 1], round_ms[ticks / 2], load_ms[0],
	       load_ms[ticks - 1], load_ms[ticks / 2]);
	for (int i = 0; i < v; i++) {
		close(voters[i].fd);
		free(voters[i].req);
		free(tokens[i]);
	}
	close(ctl->fd);
	free(ctl->req);
	free(voters);
	free(ctl);
	free(s.us);
	free(s.inside);
	free(in);
	free(end);
	free(tick_ms);
	free(round_ms);
	free(load_ms);
	return 0;
}
