/*
 * http_requests.c — benchmark client: N GET requests for one path on one
 * keep-alive connection, one after another, each answer read whole (by
 * its Content-Length) and checked to be 200. For counting the server's
 * instructions per request under callgrind, where wrk's timing is of no use.
 *
 *   http_requests PORT N PATH
 *
 * Exits 1 (saying which) when a request is not answered 200.
 */
#define _GNU_SOURCE
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench_client.h"

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: http_requests PORT N PATH\n");
		return 2;
	}
	int port = atoi(argv[1]), n = atoi(argv[2]);
	char req[1024];
	int rl = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: http_requests\r\n"
			  "Accept: */*\r\n\r\n", argv[3]);
	int fd = bench_dial(port, 1);
	if (fd < 0 || rl <= 0 || (size_t)rl >= sizeof req) {
		fprintf(stderr, "http_requests: cannot connect\n");
		return 1;
	}
	static char buf[1 << 20];
	for (int i = 0; i < n; i++) {
		if (send(fd, req, (size_t)rl, MSG_NOSIGNAL) != rl) {
			fprintf(stderr, "http_requests: request %d not sent\n", i);
			return 1;
		}
		size_t have = 0, want = 0;
		for (;;) {
			char *end = have ? memmem(buf, have, "\r\n\r\n", 4) : NULL;
			if (end && !want) {
				const char *cl = strcasestr(buf, "Content-Length:");
				want = (size_t)(end + 4 - buf) + (cl && cl < end ? strtoul(cl + 15, NULL, 10) : 0);
			}
			if (want && have >= want)
				break;
			struct pollfd p = {.fd = fd, .events = POLLIN};
			ssize_t r = poll(&p, 1, 60000) == 1 ? recv(fd, buf + have, sizeof buf - 1 - have, 0) : -1;
			if (r <= 0) {
				fprintf(stderr, "http_requests: answer %d incomplete\n", i);
				return 1;
			}
			have += (size_t)r;
			buf[have] = '\0';
		}
		if (strncmp(buf, "HTTP/1.1 200", 12) != 0 || have != want) {
			fprintf(stderr, "http_requests: answer %d: %.40s\n", i, buf);
			return 1;
		}
	}
	close(fd);
	return 0;
}
