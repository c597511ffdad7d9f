/*
 * test_pgtest.c — the suite's PostgreSQL server leaves nothing behind.
 *
 * A second test runner (this binary) is started on two pg_ tests and
 * killed, with its whole process group, by SIGKILL as soon as its server
 * is up: nothing of the runner can clean up then, so what does is the
 * guardian (tests/pgtest.c). The server's processes and its folder must
 * be gone shortly after.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/test.h"

/* True while the process runs and is not a zombie (a zombie has ended;
 * whoever adopted it reaps it). */
static bool alive(pid_t pid)
{
	char path[64], buf[256];
	snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return false;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	const char *p = strrchr(buf, ')'); /* the state follows the name */
	return p && p[1] == ' ' && p[2] != 'Z' && p[2] != 'X';
}

TEST(pg_test_server_is_gone_after_its_runner_is_killed)
{
	const char *skip = getenv("PW_PGTEST_SKIP");
	if (skip && *skip)
		TEST_SKIP("%s", skip);
	char self[512];
	ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
	CHECK(len > 0);
	if (len <= 0)
		return;
	self[len] = '\0';

	int out[2];
	CHECK(pipe(out) == 0);
	fflush(stdout);
	pid_t runner = fork();
	if (runner == 0) {
		setpgid(0, 0);
		dup2(out[1], STDOUT_FILENO);
		close(out[0]);
		close(out[1]);
		/* Its own server, not this run's. */
		unsetenv("PW_PGTEST_SOCKET");
		unsetenv("PW_PGTEST_ERROR");
		setenv("PW_TEST_JOBS", "1", 1);
		execl(self, self, "pg_migrations_", (char *)NULL);
		_exit(127);
	}
	setpgid(runner, runner); /* both sides, so the kill below never misses */
	close(out[1]);

	/* "pgtest: PostgreSQL 15 ready in 1.20s (unix socket in DIR, ...)" */
	char buf[4096] = "", dir[256] = "";
	size_t have = 0;
	while (have < sizeof buf - 1) {
		ssize_t n = read(out[0], buf + have, sizeof buf - 1 - have);
		if (n <= 0)
			break;
		have += (size_t)n;
		buf[have] = '\0';
		const char *at = strstr(buf, "(unix socket in ");
		if (at && strpbrk(at, ",)")) {
			at += strlen("(unix socket in ");
			snprintf(dir, sizeof dir, "%.*s", (int)strcspn(at, ",)"), at);
			break;
		}
	}
	CHECK_MSG(dir[0] == '/', "the runner did not report its server:\n%s", buf);

	/* The postmaster's pid: the first line of data/postmaster.pid. */
	pid_t postmaster = 0;
	char pidfile[300];
	snprintf(pidfile, sizeof pidfile, "%s/data/postmaster.pid", dir);
	FILE *f = dir[0] ? fopen(pidfile, "r") : NULL;
	if (f) {
		long p = 0;
		if (fscanf(f, "%ld", &p) == 1)
			postmaster = (pid_t)p;
		fclose(f);
	}
	CHECK_MSG(postmaster > 0, "no postmaster.pid in %s", dir);

	kill(-runner, SIGKILL);
	int st;
	CHECK(waitpid(runner, &st, 0) == runner);
	CHECK_MSG(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
		  "the runner ended before the kill: the test proves nothing");
	close(out[0]);

	/* The guardian's pg_ctl waits for the server; give it time. */
	struct stat sb;
	bool gone = false;
	for (int i = 0; i < 300 && !gone; i++) {
		gone = stat(dir, &sb) != 0 && errno == ENOENT && !(postmaster > 0 && alive(postmaster));
		if (!gone)
			nanosleep(&(struct timespec){0, 100 * 1000 * 1000}, NULL);
	}
	CHECK_MSG(gone, "30 s after the runner's end: folder %s %s, postmaster %ld %s", dir,
		  stat(dir, &sb) == 0 ? "still there" : "removed", (long)postmaster,
		  postmaster > 0 && alive(postmaster) ? "still running" : "gone");
}
