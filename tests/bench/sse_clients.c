/*
 * sse_clients.c — benchmark client: holds N SSE subscribers on one server,
 * then publishes events (the admin diagnostics ping, whose note carries the
 * send time on CLOCK_MONOTONIC, shared by every process on the machine) and
 * measures how long each event takes to reach every subscriber.
 *
 * The client must not be the bottleneck: the ping is written without
 * waiting for its answer (its socket joins the same epoll set), so the
 * subscribers are read while the server is still fanning out, and each
 * delivery is timed when its bytes are read against the stamp inside it.
 *
 *   sse_clients PORT N_SUBSCRIBERS N_EVENTS INTERVAL_MS
 *
 * Prints figures; never pass/fail on time. Exits 1 (after saying what was
 * missing) unless every subscriber connected, every ping was answered 2xx
 * and every subscriber got every event once: latencies of a partial
 * delivery would describe something else.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bench_client.h"


static int port;


#define PING_TAG UINT32_MAX

/* Sends the ping and returns its socket (the caller reads the answer
 * through epoll and closes it), or -1. *t gets the stamp it carries. */
static int post_ping(long long *t)
{
	int fd = bench_dial(port, 0);
	if (fd < 0)
		return -1;
	char body[128], req[512];
	*t = bench_now_us();
	int bl = snprintf(body, sizeof body, "{\"note\":\"t=%lld\"}", *t);
	int rl = snprintf(req, sizeof req,
			  "POST /api/admin/events/ping HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
			  "Content-Length: %d\r\nConnection: close\r\n\r\n%s", bl, body);
	if (write(fd, req, (size_t)rl) < 0)
		perror("write");
	fcntl(fd, F_SETFL, O_NONBLOCK);
	return fd;
}

static int cmp(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: sse_clients PORT N EVENTS INTERVAL_MS\n");
		return 2;
	}
	port = atoi(argv[1]);
	int n = atoi(argv[2]), events = atoi(argv[3]), interval = atoi(argv[4]);
	int wanted = n, pings_ok = 0;
	struct rlimit rl;
	getrlimit(RLIMIT_NOFILE, &rl);
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);

	int ep = epoll_create1(0);
	int *fds = calloc((size_t)n, sizeof *fds);
	int connected = 0;
	long long t0 = bench_now_us();
	for (int i = 0; i < n; i++) {
		fds[i] = bench_dial(port, 0);
		if (fds[i] < 0) {
			fprintf(stderr, "connect %d failed: %s\n", i, strerror(errno));
			n = i;
			break;
		}
		const char *req = "GET /api/events/stream?event_type=server.ping HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
		if (write(fds[i], req, strlen(req)) < 0)
			perror("write");
		fcntl(fds[i], F_SETFL, O_NONBLOCK);
		struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
		epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ev);
	}
	/* Wait until every subscriber has its ": connected". */
	char buf[65536];
	struct epoll_event evs[4096];
	char *seen = calloc((size_t)n, 1);
	while (connected < n && bench_now_us() - t0 < 120000000LL) {
		int k = epoll_wait(ep, evs, 4096, 1000);
		for (int j = 0; j < k; j++) {
			int i = (int)evs[j].data.u32;
			ssize_t r = read(fds[i], buf, sizeof buf - 1);
			if (r > 0 && !seen[i]) {
				buf[r] = '\0';
				if (strstr(buf, ": connected")) {
					seen[i] = 1;
					connected++;
				}
			}
		}
	}
	printf("subscribers_connected=%d of %d in %.2fs\n", connected, n, (bench_now_us() - t0) / 1e6);
	fflush(stdout);

	long long *lat = calloc((size_t)n * (size_t)events, sizeof *lat);
	size_t nlat = 0;
	for (int e = 0; e < events; e++) {
		long long sent = 0;
		int pfd = post_ping(&sent);
		if (pfd >= 0) {
			struct epoll_event pev = {.events = EPOLLIN, .data.u32 = PING_TAG};
			epoll_ctl(ep, EPOLL_CTL_ADD, pfd, &pev);
		}
		int got = 0;
		bool answered = false;
		long long deadline = bench_now_us() + 10000000LL;
		while ((got < connected || pfd >= 0) && bench_now_us() < deadline) {
			int k = epoll_wait(ep, evs, 4096, 200);
			for (int j = 0; j < k; j++) {
				if (evs[j].data.u32 == PING_TAG) {
					ssize_t r = pfd >= 0 ? read(pfd, buf, sizeof buf) : 0;
					if (r > 0 && !answered) {
						answered = true;
						pings_ok += r >= 10 && !memcmp(buf, "HTTP/1.1 2", 10);
					}
					if (pfd >= 0 && r <= 0) {
						close(pfd); /* the answer is in; the server closed */
						pfd = -1;
					}
					continue;
				}
				int i = (int)evs[j].data.u32;
				ssize_t r = read(fds[i], buf, sizeof buf - 1);
				if (r <= 0)
					continue;
				buf[r] = '\0';
				long long at = bench_now_us();
				for (char *p = buf; (p = strstr(p, "\"t=")); p += 3) {
					long long t = atoll(p + 3);
					if (t == sent) {
						lat[nlat++] = at - t;
						got++;
					}
				}
			}
		}
		if (pfd >= 0)
			close(pfd);
		usleep((useconds_t)interval * 1000);
	}
	qsort(lat, nlat, sizeof *lat, cmp);
	printf("pings_answered_2xx=%d of %d\n", pings_ok, events);
	printf("deliveries=%zu expected=%lld\n", nlat, (long long)wanted * events);
	bool whole = connected == wanted && pings_ok == events && nlat == (size_t)wanted * (size_t)events;
	if (whole && nlat)
		printf("latency_ms p50=%.2f p90=%.2f p99=%.2f max=%.2f\n", lat[nlat / 2] / 1e3,
		       lat[nlat * 9 / 10] / 1e3, lat[nlat * 99 / 100] / 1e3, lat[nlat - 1] / 1e3);
	else
		fprintf(stderr, "sse_clients: incomplete (%d of %d subscribers, %d of %d pings answered, "
			"%zu of %lld deliveries): no latency figures\n", connected, wanted, pings_ok, events,
			nlat, (long long)wanted * events);
	for (int i = 0; i < n; i++)
		close(fds[i]);
	free(fds);
	free(seen);
	free(lat);
	return whole && nlat ? 0 : 1;
}
