/*
 * check_load.c — benchmark client: proposals whose effect spends most of
 * its budget keep the server's proposal checkers busy while /health is
 * polled every 10 ms and a vote is cast every 100 ms, each on its own
 * keep-alive connection, and the vote's `vote.cast` event is awaited on a
 * live stream; prints how long /health, the votes and the events took.
 *
 *   check_load PORT SECONDS VOTE_PROPOSAL_ID VOTER_TOKEN TOKEN...
 *
 * One thread per proposer TOKEN: propose (the heavy effect), cancel the
 * draft (so the next proposal is not refused for the governor's open
 * proposals), again, until SECONDS pass. The main thread polls /health;
 * another votes. Prints figures; never pass/fail on time. Exits 1 (after
 * saying what went wrong) when a /health or a vote was not answered 200
 * or no check finished: then the figures describe something else.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bench_client.h"

static int port;
static long long deadline_us;


/*
 * Sends one request on fd and reads its answer (Content-Length framing)
 * into buf (cap bytes, NUL-terminated). Returns the status, or -1 when the
 * connection failed or 30 s passed.
 */
static int exchange(int fd, const char *req, size_t len, char *buf, size_t cap)
{
	if (send(fd, req, len, MSG_NOSIGNAL) != (ssize_t)len)
		return -1;
	size_t have = 0;
	buf[0] = '\0';
	long long give_up = bench_now_us() + 30000000;
	for (;;) {
		char *end = have ? memmem(buf, have, "\r\n\r\n", 4) : NULL;
		if (end) {
			const char *cl = strcasestr(buf, "Content-Length:");
			size_t body = cl && cl < end ? strtoul(cl + 15, NULL, 10) : 0;
			if (have >= (size_t)(end + 4 - buf) + body) {
				int st = -1;
				sscanf(buf, "HTTP/1.1 %d", &st);
				return st;
			}
		}
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int left = (int)((give_up - bench_now_us()) / 1000);
		if (left <= 0 || poll(&p, 1, left) <= 0 || have == cap - 1)
			return -1;
		ssize_t n = recv(fd, buf + have, cap - 1 - have, 0);
		if (n <= 0)
			return -1;
		have += (size_t)n;
		buf[have] = '\0';
	}
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;
	return (x > y) - (x < y);
}

typedef struct lat {
	long long *us;
	size_t n, cap;
	int bad;
} lat_t;

static void lat_add(lat_t *l, long long us)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 1024;
		l->us = realloc(l->us, l->cap * sizeof *l->us);
	}
	l->us[l->n++] = us;
}

static void lat_print(const char *what, lat_t *l)
{
	if (!l->n) {
		printf("%s: none\n", what);
		return;
	}
	qsort(l->us, l->n, sizeof *l->us, cmp_ll);
	printf("%s: n=%zu p50_ms=%.2f p99_ms=%.2f max_ms=%.2f\n", what, l->n, l->us[l->n / 2] / 1000.0,
	       l->us[l->n * 99 / 100] / 1000.0, l->us[l->n - 1] / 1000.0);
}

static const char heavy[] =
	"{\"text\":\"Install the heavy effect\",\"effect_lua\":\"local spent = 0\\n"
	"return { name = \\\"Heavy\\\", hooks = { [\\\"sim.possession.pre\\\"] = function(ctx)\\n"
	"  if spent < 1800000 then local x = 0 for i = 1, 90000 do x = x + i end spent = spent + 180000 end\\n"
	"end } }\"}";

typedef struct proposer {
	pthread_t th;
	const char *token;
	int checked, refused, rejected, failed;
	long long busy_us;
} proposer_t;

/* One proposer: the heavy proposal, then cancelling its draft, again. */
static void *propose_loop(void *ud)
{
	proposer_t *p = ud;
	char req[4096], resp[1 << 16];
	while (bench_now_us() < deadline_us) {
		int fd = bench_dial(port, 1);
		if (fd < 0) {
			fprintf(stderr, "could not connect\n");
			p->failed++;
			break;
		}
		int n = snprintf(req, sizeof req,
				 "POST /api/governance/proposals HTTP/1.1\r\nHost: 127.0.0.1\r\n"
				 "Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
				 "Content-Length: %zu\r\n\r\n%s",
				 p->token, sizeof heavy - 1, heavy);
		long long t0 = bench_now_us();
		int st = exchange(fd, req, (size_t)n, resp, sizeof resp);
		if (st == 201) {
			p->checked++;
			p->busy_us += bench_now_us() - t0;
			const char *id = strstr(resp, "{\"data\":{\"id\":");
			n = snprintf(req, sizeof req,
				     "POST /api/governance/proposals/%ld/cancel HTTP/1.1\r\nHost: 127.0.0.1\r\n"
				     "Authorization: Bearer %s\r\nContent-Type: application/json\r\n\r\n",
				     id ? strtol(id + 14, NULL, 10) : 0L, p->token);
			int cst = exchange(fd, req, (size_t)n, resp, sizeof resp);
			if (cst != 200) {
				fprintf(stderr, "cancelling a draft was answered %d: %.300s\n", cst, resp);
				p->failed++;
			}
		} else if (st == 429 || st == 503) {
			p->refused++;
			usleep(200000);
		} else if (st == 422) {
			/* The sandbox turned the script down: with a wall-clock
			 * limit per game, a loaded machine can do that to a script
			 * within its instruction budget. Still a finished check. */
			if (!p->rejected++)
				fprintf(stderr, "a check rejected the script: %.300s\n", strstr(resp, "{") ? strstr(resp, "{") : resp);
		} else {
			fprintf(stderr, "a proposal was answered %d: %.300s\n", st, resp);
			p->failed++;
		}
		close(fd);
	}
	return NULL;
}

typedef struct voter {
	pthread_t th;
	const char *token;
	long proposal;
	lat_t lat;    /* the vote's answer */
	lat_t stream; /* from sending the vote to its event on the stream */
} voter_t;

/* Subscribes to vote.cast events; the socket once the stream has begun. */
static int subscribe_votes(void)
{
	int fd = bench_dial(port, 1);
	static const char req[] =
		"GET /api/events/stream?event_type=vote.cast HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
	char buf[4096];
	size_t have = 0;
	if (fd < 0 || send(fd, req, sizeof req - 1, MSG_NOSIGNAL) != (ssize_t)(sizeof req - 1))
		return -1;
	while (have < sizeof buf - 1) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, 5000) <= 0)
			break;
		ssize_t n = recv(fd, buf + have, sizeof buf - 1 - have, 0);
		if (n <= 0)
			break;
		have += (size_t)n;
		buf[have] = '\0';
		if (strstr(buf, ": connected"))
			return strstr(buf, "HTTP/1.1 200") ? fd : (close(fd), -1);
	}
	close(fd);
	return -1;
}

/* Reads the stream until a vote.cast event; false after 5 s without one. */
static bool await_vote_event(int fd)
{
	static __thread char buf[1 << 14];
	static __thread size_t have;
	long long give_up = bench_now_us() + 5000000;
	for (;;) {
		char *ev = strstr(buf, "event: vote.cast");
		if (ev) {
			/* Keep what follows this event for the next call. */
			size_t rest = have - (size_t)(ev + 16 - buf);
			memmove(buf, ev + 16, rest + 1);
			have = rest;
			return true;
		}
		if (have > sizeof buf / 2) {
			memmove(buf, buf + have - 32, 33);
			have = 32;
		}
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int left = (int)((give_up - bench_now_us()) / 1000);
		if (left <= 0 || poll(&p, 1, left) <= 0)
			return false;
		ssize_t n = recv(fd, buf + have, sizeof buf - 1 - have, 0);
		if (n <= 0)
			return false;
		have += (size_t)n;
		buf[have] = '\0';
	}
}

static void *vote_loop(void *ud)
{
	voter_t *v = ud;
	char req[1024], body[128], resp[8192];
	int fd = bench_dial(port, 1);
	int events = subscribe_votes();
	if (events < 0) {
		fprintf(stderr, "could not subscribe to the stream\n");
		v->stream.bad++;
	}
	bool yes = true;
	while (fd >= 0 && bench_now_us() < deadline_us) {
		int bn = snprintf(body, sizeof body, "{\"proposal_id\":%ld,\"vote\":\"%s\"}", v->proposal,
				  yes ? "yes" : "no");
		yes = !yes;
		int n = snprintf(req, sizeof req,
				 "POST /api/governance/votes HTTP/1.1\r\nHost: 127.0.0.1\r\n"
				 "Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
				 "Content-Length: %d\r\n\r\n%s",
				 v->token, bn, body);
		long long t0 = bench_now_us();
		int st = exchange(fd, req, (size_t)n, resp, sizeof resp);
		lat_add(&v->lat, bench_now_us() - t0);
		if (st != 200) {
			fprintf(stderr, "a vote was answered %d: %.300s\n", st, resp);
			v->lat.bad++;
		} else if (events >= 0) {
			if (await_vote_event(events))
				lat_add(&v->stream, bench_now_us() - t0);
			else
				v->stream.bad++;
		}
		usleep(100000);
	}
	if (fd < 0)
		v->lat.bad++;
	else
		close(fd);
	if (events >= 0)
		close(events);
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc < 6) {
		fprintf(stderr, "usage: check_load PORT SECONDS VOTE_PROPOSAL_ID VOTER_TOKEN TOKEN...\n");
		return 2;
	}
	port = atoi(argv[1]);
	deadline_us = bench_now_us() + atoll(argv[2]) * 1000000;
	int np = argc - 5;
	proposer_t *ps = calloc((size_t)np, sizeof *ps);
	for (int i = 0; i < np; i++) {
		ps[i].token = argv[5 + i];
		pthread_create(&ps[i].th, NULL, propose_loop, &ps[i]);
	}
	voter_t v = {.token = argv[4], .proposal = atol(argv[3])};
	pthread_create(&v.th, NULL, vote_loop, &v);

	lat_t health = {0};
	char resp[8192];
	static const char req[] = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
	int fd = bench_dial(port, 1);
	while (fd >= 0 && bench_now_us() < deadline_us) {
		long long t0 = bench_now_us();
		int st = exchange(fd, req, sizeof req - 1, resp, sizeof resp);
		lat_add(&health, bench_now_us() - t0);
		if (st != 200) {
			fprintf(stderr, "/health was answered %d\n", st);
			health.bad++;
			close(fd);
			fd = bench_dial(port, 1);
		}
		usleep(10000);
	}
	if (fd >= 0)
		close(fd);
	pthread_join(v.th, NULL);
	int checked = 0, refused = 0, rejected = 0, failed = 0;
	long long busy = 0;
	for (int i = 0; i < np; i++) {
		pthread_join(ps[i].th, NULL);
		checked += ps[i].checked;
		refused += ps[i].refused;
		rejected += ps[i].rejected;
		failed += ps[i].failed;
		busy += ps[i].busy_us;
	}
	printf("checks: %d proposers, %d checked (avg %.0f ms from send to answer), %d rejected by the "
	       "sandbox (422), %d refused (429/503), %d failed\n",
	       np, checked, checked ? busy / 1000.0 / checked : 0.0, rejected, refused, failed);
	lat_print("/health while checking", &health);
	lat_print("votes while checking", &v.lat);
	lat_print("vote to its stream event while checking", &v.stream);
	if (health.bad || v.lat.bad || v.stream.bad || failed || checked + rejected == 0) {
		fprintf(stderr, "check_load: %d /health and %d votes not answered 200, %d vote events missing, %d "
				"proposals failed, %d checked: these figures do not describe the server under checks\n",
			health.bad, v.lat.bad, v.stream.bad, failed, checked);
		return 1;
	}
	return 0;
}
