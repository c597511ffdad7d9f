/*
 * bench_client.h — what the benchmark clients (sse_clients.c,
 * check_load.c) share: a monotonic clock every process on the machine
 * agrees on, and a TCP connection to the server on loopback. Each client
 * is one file built on its own by its script, so these are static.
 */
#ifndef PW_BENCH_CLIENT_H
#define PW_BENCH_CLIENT_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static inline long long bench_now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* A connection to 127.0.0.1:port (TCP_NODELAY when nodelay), or -1. */
static inline int bench_dial(int port, int nodelay)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	if (nodelay)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &nodelay, sizeof nodelay);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

#endif
