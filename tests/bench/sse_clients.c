/*
 * sse_clients.c — benchmark client: holds N SSE subscribers on one server,
 * publishes events (the admin diagnostics ping, whose note carries the send
 * time on CLOCK_MONOTONIC, shared by every process on the machine) and
 * measures how long each event takes to reach every subscriber.
 *
 *   sse_clients PORT N EVENTS INTERVAL_MS [PROCS] [--at-limit]
 *
 * The subscribers are spread over PROCS reader processes (default 2): one
 * process may hold no more sockets than its descriptor limit, and reading
 * 20,000 sockets takes a core of its own — the client must not be what is
 * measured. Each reader times a delivery when its bytes are read, against
 * the stamp inside it, and again when they arrived in its socket (the
 * kernel's receive stamp): whether the readers, sharing the machine's cores
 * with the server, lag behind what the server has written. This process sends the pings one at a time, each
 * followed by GET /health (answered once the server's loop is free again,
 * so its latency is how long the fan-out held the loop), then waits
 * INTERVAL_MS.
 *
 * With --at-limit, N is the server's subscriber limit: one more subscriber
 * must be answered 503 too_many_subscribers while the N are held.
 *
 * With SSE_POLL_US set, each reader looks at its subscribers every that
 * many µs instead of sleeping in epoll_wait until one has something: the
 * server's writes then wake no reader process (on loopback the writer pays
 * for the wake-up; a subscriber on another machine wakes there).
 *
 * With SSE_PUBLISH_PORT set, the pings go to that port — another instance
 * on the same database — while the subscribers and /health stay on PORT:
 * what an event published on one instance takes to reach the subscribers
 * of another (bench_pg.sh).
 *
 * Prints figures; never pass/fail on time. Exits 1 (after saying what was
 * missing) unless every subscriber connected, every ping was answered 2xx,
 * every /health answered 200 "ok" with N subscribers, (with --at-limit)
 * the one beyond was refused, and every subscriber got every event exactly
 * once: latencies of a partial delivery would describe something else.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_client.h"

static int port, publish_port;
static int poll_us; /* SSE_POLL_US: readers look every poll_us instead of sleeping in epoll */

/* What a reader sends back when it is done, before its latencies. */
typedef struct reader_report {
	int subscribers; /* connected and answered ": connected" */
	int complete;    /* subscribers that got every event */
	long long dups;  /* events seen twice (or out of order) */
	long long n_lat;
	long long cpu_us; /* the reader's CPU time while the events came */
	long long unstamped; /* reads without a usable arrival time */
} reader_report_t;

/*
 * Reads from fd like read(2); *came is when the bytes arrived in the
 * socket, on CLOCK_MONOTONIC in µs (-1 when the kernel gave no stamp).
 * The kernel stamps a segment as it reaches the socket (SO_TIMESTAMPNS,
 * on CLOCK_REALTIME); on loopback that is inside the server's write. So
 * the arrival is the delivery with the reader's own wait for a core left
 * out: on a 2-core machine the readers queue behind the server for the
 * cores, which readers elsewhere would not.
 */
static ssize_t read_stamped(int fd, char *buf, size_t cap, long long *came)
{
	char ctl[CMSG_SPACE(sizeof(struct timespec))];
	struct iovec iov = {.iov_base = buf, .iov_len = cap};
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof ctl};
	*came = -1;
	ssize_t r = recvmsg(fd, &m, 0);
	if (r <= 0)
		return r;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_TIMESTAMPNS)
			continue;
		struct timespec real, now_real, now_mono;
		memcpy(&real, CMSG_DATA(c), sizeof real);
		clock_gettime(CLOCK_REALTIME, &now_real);
		clock_gettime(CLOCK_MONOTONIC, &now_mono);
		long long ago = (now_real.tv_sec - real.tv_sec) * 1000000LL + (now_real.tv_nsec - real.tv_nsec) / 1000;
		*came = now_mono.tv_sec * 1000000LL + now_mono.tv_nsec / 1000 - ago;
	}
	return r;
}

/* Writes all of buf to fd (a pipe), or gives up on an error. */
static void write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w <= 0 && errno != EINTR)
			return;
		if (w > 0) {
			p += w;
			n -= (size_t)w;
		}
	}
}

static long long cpu_us(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000LL + ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
}

static bool read_all(int fd, void *buf, size_t n)
{
	char *p = buf;
	while (n) {
		ssize_t r = read(fd, p, n);
		if (r == 0 || (r < 0 && errno != EINTR))
			return false;
		if (r > 0) {
			p += r;
			n -= (size_t)r;
		}
	}
	return true;
}

/*
 * One reader process: subscribes n times, says "ready" on out, then reads
 * until each of its subscribers has `events` events or ctl closes, and
 * writes its report and latencies (µs) on out.
 */
static int reader(int n, int events, int ctl, int out)
{
	static const char req[] = "GET /api/events/stream?event_type=server.ping HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
	int ep = epoll_create1(0);
	int *fds = calloc((size_t)n, sizeof *fds);
	int *got = calloc((size_t)n, sizeof *got);
	long long *last = calloc((size_t)n, sizeof *last);
	long long *lat = malloc(((size_t)n * (size_t)events + 1) * 2 * sizeof *lat);
	char *seen = calloc((size_t)n, 1);
	if (ep < 0 || !fds || !got || !last || !lat || !seen)
		return 1;
	long long *arr = lat + (size_t)n * (size_t)events + 1; /* arrivals, after the reads */
	reader_report_t rep = {0};
	int held = 0, failed = 0;
	for (; held < n; held++) {
		fds[held] = bench_dial(port, 0);
		if (fds[held] < 0) {
			fprintf(stderr, "sse_clients: connect %d failed: %s\n", held, strerror(errno));
			break;
		}
		int on = 1;
		setsockopt(fds[held], SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
		if (send(fds[held], req, sizeof req - 1, MSG_NOSIGNAL) < 0)
			perror("send");
		fcntl(fds[held], F_SETFL, O_NONBLOCK);
		struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)held};
		epoll_ctl(ep, EPOLL_CTL_ADD, fds[held], &ev);
	}
	struct epoll_event cev = {.events = EPOLLIN, .data.u32 = UINT32_MAX};
	epoll_ctl(ep, EPOLL_CTL_ADD, ctl, &cev);
	/* Every subscriber's ": connected" first: a 503 or a close is not one. */
	char buf[65536];
	struct epoll_event evs[1024];
	long long give_up = bench_now_us() + 120000000LL;
	while (rep.subscribers + failed < held && bench_now_us() < give_up) {
		int k = epoll_wait(ep, evs, 1024, 1000);
		for (int j = 0; j < k; j++) {
			uint32_t i = evs[j].data.u32;
			if (i == UINT32_MAX)
				return 1; /* the parent gave up */
			if (seen[i])
				continue;
			ssize_t r = read(fds[i], buf, sizeof buf - 1);
			if (r < 0 && errno == EAGAIN)
				continue;
			buf[r > 0 ? r : 0] = '\0';
			seen[i] = 1;
			if (r > 0 && !strncmp(buf, "HTTP/1.1 200", 12) && strstr(buf, ": connected")) {
				rep.subscribers++;
			} else {
				failed++; /* refused or closed: the run is incomplete */
				epoll_ctl(ep, EPOLL_CTL_DEL, fds[i], NULL);
				if (failed == 1)
					fprintf(stderr, "sse_clients: a subscriber got %.80s\n", r > 0 ? buf : "(closed)");
			}
		}
	}
	write_all(out, "R", 1);
	long long cpu0 = cpu_us();
	/* Events until every subscriber has them all, or the parent says stop. */
	bool stop = false;
	long long came;
	while (!stop && rep.complete < rep.subscribers) {
		int k = epoll_wait(ep, evs, 1024, poll_us ? 0 : 1000);
		if (poll_us && k == 0) {
			struct timespec nap = {0, (long)poll_us * 1000};
			nanosleep(&nap, NULL);
			continue;
		}
		for (int j = 0; j < k; j++) {
			uint32_t i = evs[j].data.u32;
			if (i == UINT32_MAX) {
				stop = true;
				continue;
			}
			ssize_t r = read_stamped(fds[i], buf, sizeof buf - 1, &came);
			if (r == 0 || (r < 0 && errno != EAGAIN))
				epoll_ctl(ep, EPOLL_CTL_DEL, fds[i], NULL); /* dropped: it stays short */
			if (r <= 0)
				continue;
			buf[r] = '\0';
			long long at = bench_now_us();
			if (came < 0 || came > at) /* none, or a clock stepped */
				rep.unstamped++;
			for (char *p = buf; (p = strstr(p, "\"t=")); p += 3) {
				long long t = atoll(p + 3);
				if (t <= last[i]) {
					rep.dups++;
					continue;
				}
				last[i] = t;
				if (rep.n_lat < (long long)n * events) {
					arr[rep.n_lat] = (came < 0 ? at : came) - t;
					lat[rep.n_lat++] = at - t;
				}
				if (++got[i] == events)
					rep.complete++;
			}
		}
	}
	rep.cpu_us = cpu_us() - cpu0;
	write_all(out, &rep, sizeof rep);
	write_all(out, lat, (size_t)rep.n_lat * sizeof *lat);
	write_all(out, arr, (size_t)rep.n_lat * sizeof *arr);
	/* The subscribers stay connected until the parent is done (ctl
	 * closed): its /health after the last ping must still count them,
	 * however fast they got every event. */
	char c;
	while (read(ctl, &c, 1) > 0)
		;
	return 0;
}

/*
 * A request on a connection of its own (Connection: close); the answer is
 * read to the end into buf. Returns the status, or -1.
 */
static int request(int to, const char *method_path, const char *body, char *buf, size_t cap)
{
	int fd = bench_dial(to, 1);
	if (fd < 0)
		return -1;
	char req[512];
	int rl = body ? snprintf(req, sizeof req,
				 "%s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
				 "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
				 method_path, strlen(body), body)
		      : snprintf(req, sizeof req, "%s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
				 method_path);
	size_t have = 0;
	if (send(fd, req, (size_t)rl, MSG_NOSIGNAL) == rl) {
		long long give_up = bench_now_us() + 30000000LL;
		for (;;) {
			struct pollfd p = {.fd = fd, .events = POLLIN};
			int left = (int)((give_up - bench_now_us()) / 1000);
			if (left <= 0 || poll(&p, 1, left) <= 0 || have == cap - 1)
				break;
			ssize_t r = recv(fd, buf + have, cap - 1 - have, 0);
			if (r <= 0)
				break;
			have += (size_t)r;
		}
	}
	close(fd);
	buf[have] = '\0';
	int st = -1;
	if (sscanf(buf, "HTTP/1.1 %d", &st) != 1)
		st = -1;
	return st;
}

static int cmp(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;
	return x < y ? -1 : x > y;
}

/* The p-th percentile of n sorted values, in ms. */
static double pct(const long long *v, size_t n, int p)
{
	size_t i = n * (size_t)p / 100;
	return v[i < n ? i : n - 1] / 1e3;
}

int main(int argc, char **argv)
{
	bool at_limit = argc > 1 && !strcmp(argv[argc - 1], "--at-limit");
	if (at_limit)
		argc--;
	if (argc != 5 && argc != 6) {
		fprintf(stderr, "usage: sse_clients PORT N EVENTS INTERVAL_MS [PROCS] [--at-limit]\n");
		return 2;
	}
	port = atoi(argv[1]);
	const char *every = getenv("SSE_POLL_US");
	poll_us = every && *every ? atoi(every) : 0;
	const char *pub = getenv("SSE_PUBLISH_PORT");
	publish_port = pub && *pub ? atoi(pub) : port;
	int n = atoi(argv[2]), events = atoi(argv[3]), interval = atoi(argv[4]);
	int procs = argc == 6 ? atoi(argv[5]) : 2;
	if (n < 1 || events < 1 || procs < 1 || procs > 64 || procs > n) {
		fprintf(stderr, "sse_clients: bad arguments\n");
		return 2;
	}
	struct rlimit rl;
	getrlimit(RLIMIT_NOFILE, &rl);
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
	signal(SIGPIPE, SIG_IGN);

	int ctl[2], outs[64];
	pid_t pids[64];
	if (pipe(ctl) < 0)
		return 1;
	long long t0 = bench_now_us();
	for (int p = 0; p < procs; p++) {
		int out[2];
		if (pipe(out) < 0)
			return 1;
		int share = n / procs + (p < n % procs);
		pids[p] = fork();
		if (pids[p] == 0) {
			close(ctl[1]);
			close(out[0]);
			_exit(reader(share, events, ctl[0], out[1]));
		}
		close(out[1]);
		outs[p] = out[0];
	}
	close(ctl[0]);
	char ready;
	bool all_ready = true;
	for (int p = 0; p < procs; p++)
		all_ready &= read_all(outs[p], &ready, 1);
	printf("subscribers connected in %.2fs (%d reader processes)\n", (bench_now_us() - t0) / 1e6, procs);
	fflush(stdout);

	char buf[65536];
	int pings_ok = 0, health_ok = 0;
	long long health_max = 0;
	char want_active[64];
	snprintf(want_active, sizeof want_active, "\"active_sse_connections\":%d", n);
	for (int e = 0; e < events && all_ready; e++) {
		char body[64];
		snprintf(body, sizeof body, "{\"note\":\"t=%lld\"}", bench_now_us());
		int st = request(publish_port, "POST /api/admin/events/ping", body, buf, sizeof buf);
		pings_ok += st >= 200 && st < 300;
		long long h0 = bench_now_us();
		st = request(port, "GET /health", NULL, buf, sizeof buf);
		long long took = bench_now_us() - h0;
		if (st == 200 && strstr(buf, "\"status\":\"ok\"") && strstr(buf, want_active)) {
			health_ok++;
			health_max = took > health_max ? took : health_max;
		} else {
			fprintf(stderr, "sse_clients: /health answered %d: %.200s\n", st, buf);
		}
		usleep((useconds_t)interval * 1000);
	}
	/* One subscriber beyond the limit, while the N are held. */
	bool refused = !at_limit;
	if (at_limit && all_ready) {
		int st = request(port, "GET /api/events/stream", NULL, buf, sizeof buf);
		refused = st == 503 && strstr(buf, "too_many_subscribers") && strstr(buf, "Retry-After:");
		printf("subscriber %d: %d %s\n", n + 1, st, refused ? "too_many_subscribers (as it should)" : "(expected 503)");
	}
	/* The readers finish when every event is in; a deadline otherwise. */
	long long deadline = bench_now_us() + 20000000LL;
	reader_report_t sum = {0};
	long long *lat = malloc(((size_t)n * (size_t)events + 1) * sizeof *lat);
	long long *arr = malloc(((size_t)n * (size_t)events + 1) * sizeof *arr);
	size_t nlat = 0;
	bool ctl_open = true;
	for (int p = 0; p < procs; p++) {
		struct pollfd pf = {.fd = outs[p], .events = POLLIN};
		int left = (int)((deadline - bench_now_us()) / 1000);
		if (ctl_open && poll(&pf, 1, left > 0 ? left : 0) <= 0) {
			close(ctl[1]); /* too late: they report what they have */
			ctl_open = false;
		}
		reader_report_t r;
		if (!read_all(outs[p], &r, sizeof r) || !lat || !arr ||
		    !read_all(outs[p], lat + nlat, (size_t)r.n_lat * sizeof *lat) ||
		    !read_all(outs[p], arr + nlat, (size_t)r.n_lat * sizeof *arr)) {
			fprintf(stderr, "sse_clients: reader %d did not report\n", p);
			all_ready = false;
			continue;
		}
		nlat += (size_t)r.n_lat;
		sum.subscribers += r.subscribers;
		sum.complete += r.complete;
		sum.dups += r.dups;
		sum.cpu_us += r.cpu_us;
		sum.unstamped += r.unstamped;
	}
	if (ctl_open)
		close(ctl[1]);
	for (int p = 0; p < procs; p++)
		waitpid(pids[p], NULL, 0);
	printf("subscribers_connected=%d of %d\n", sum.subscribers, n);
	printf("pings_answered_2xx=%d of %d\n", pings_ok, events);
	printf("health_answered_ok=%d of %d (each right after a ping; slowest %.1f ms)\n", health_ok, events,
	       health_max / 1e3);
	printf("deliveries=%zu expected=%lld duplicates=%lld\n", nlat, (long long)n * events, sum.dups);
	printf("readers' CPU per delivery: %.1f us\n", nlat ? (double)sum.cpu_us / (double)nlat : 0.0);
	bool whole = all_ready && sum.subscribers == n && sum.complete == n && sum.dups == 0 &&
		     pings_ok == events && health_ok == events && refused && nlat == (size_t)n * (size_t)events;
	if (whole) {
		qsort(lat, nlat, sizeof *lat, cmp);
		printf("latency_ms p50=%.2f p90=%.2f p99=%.2f max=%.2f\n", pct(lat, nlat, 50), pct(lat, nlat, 90),
		       pct(lat, nlat, 99), pct(lat, nlat, 100));
		/* Arrivals: only when the kernel stamped every read, none after
		 * its read and none before its event was sent. */
		qsort(arr, nlat, sizeof *arr, cmp);
		if (sum.unstamped == 0 && arr[0] >= 0)
			printf("arrival_ms p50=%.2f p90=%.2f p99=%.2f max=%.2f\n", pct(arr, nlat, 50),
			       pct(arr, nlat, 90), pct(arr, nlat, 99), pct(arr, nlat, 100));
		else
			printf("arrival_ms: not measured (%lld reads without a usable stamp; earliest %.2f ms)\n",
			       sum.unstamped, arr[0] / 1e3);
	} else {
		fprintf(stderr, "sse_clients: incomplete (%d of %d subscribers, %d with every event, %d of %d pings "
			"answered, %d of %d /health ok, %zu of %lld deliveries, %lld duplicates%s): no latency figures\n",
			sum.subscribers, n, sum.complete, pings_ok, events, health_ok, events, nlat,
			(long long)n * events, sum.dups, refused ? "" : ", the subscriber beyond the limit was not refused");
	}
	free(lat);
	free(arr);
	return whole ? 0 : 1;
}
