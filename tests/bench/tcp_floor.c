/*
 * tcp_floor.c — what the kernel alone charges for what an SSE fan-out
 * does: one small write to each of N loopback TCP connections, and the
 * read of it at the other end, with no server and no event loop. On
 * loopback the sender's write also runs the receiving side's TCP, so this
 * is the floor under the server's CPU per delivery and the readers' in
 * bench_sse.sh.
 *
 *   tcp_floor N BYTES
 *
 * Prints the fastest of five rounds, in microseconds per connection.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bench_client.h"

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: tcp_floor N BYTES\n");
		return 2;
	}
	int n = atoi(argv[1]);
	size_t bytes = (size_t)atoi(argv[2]);
	struct rlimit rl;
	getrlimit(RLIMIT_NOFILE, &rl);
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
	if (n < 1 || (rlim_t)(2 * n + 16) > rl.rlim_cur || bytes < 1 || bytes > 4096) {
		fprintf(stderr, "tcp_floor: N must fit the descriptor limit twice over, BYTES 1..4096\n");
		return 2;
	}
	int l = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t al = sizeof a;
	if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof a) < 0 || listen(l, 4096) < 0 ||
	    getsockname(l, (struct sockaddr *)&a, &al) < 0) {
		perror("tcp_floor: listen");
		return 1;
	}
	int *srv = calloc((size_t)n, sizeof *srv), *cli = calloc((size_t)n, sizeof *cli);
	char *msg = malloc(bytes), buf[8192];
	memset(msg, 'x', bytes);
	for (int i = 0; i < n; i++) {
		cli[i] = bench_dial(ntohs(a.sin_port), 0);
		srv[i] = accept(l, NULL, NULL);
		if (cli[i] < 0 || srv[i] < 0) {
			perror("tcp_floor: connect");
			return 1;
		}
		int one = 1; /* as the server's connections */
		setsockopt(srv[i], IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		fcntl(srv[i], F_SETFL, O_NONBLOCK);
	}
	double best_w = 1e9, best_r = 1e9;
	for (int round = 0; round < 5; round++) {
		long long t0 = bench_now_us();
		for (int i = 0; i < n; i++)
			if (send(srv[i], msg, bytes, MSG_NOSIGNAL) != (ssize_t)bytes)
				return 1;
		long long t1 = bench_now_us();
		for (int i = 0; i < n; i++)
			if (recv(cli[i], buf, sizeof buf, 0) != (ssize_t)bytes)
				return 1;
		long long t2 = bench_now_us();
		double w = (double)(t1 - t0) / n, r = (double)(t2 - t1) / n;
		best_w = w < best_w ? w : best_w;
		best_r = r < best_r ? r : best_r;
	}
	printf("write_us=%.2f read_us=%.2f\n", best_w, best_r);
	return 0;
}
