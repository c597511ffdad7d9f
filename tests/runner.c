/*
 * runner.c — runs the tests that test.h registered.
 *
 *   pinwheel-tests [FILTER...]    run tests whose name or file contains a FILTER
 *   PW_TEST_JOBS=N                how many tests run at once (default: cores)
 *   PW_TEST_TIMEOUT=S             seconds before a test is killed (default 300)
 *
 * Every test runs in a child process (like libuv's TEST_IMPL), so a crash or a
 * hang fails that one test and the rest still run. A child's output goes to a
 * temporary file and is printed in one piece when it ends, so parallel tests
 * never interleave their lines. When a selected test is named pg_*, one
 * PostgreSQL server serves the whole run (tests/pgtest.h).
 */
#include "tests/test.h"
#include "tests/pgtest.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct test {
	const char *name;
	const char *file;
	test_fn fn;
};

static struct test *tests;
static size_t ntests, captests;
static int failures; /* checks failed in this (child) process */
static char tmpdir[256];

void test_register(const char *name, const char *file, test_fn fn)
{
	if (ntests == captests) {
		captests = captests ? captests * 2 : 64;
		tests = realloc(tests, captests * sizeof *tests);
		if (!tests)
			abort();
	}
	tests[ntests++] = (struct test){name, file, fn};
}

void test_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	fprintf(stdout, "    %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stdout, fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	failures++;
}

bool test_sanitized(void)
{
	const char *s = getenv("PW_TEST_SANITIZED");
	return s && *s && strcmp(s, "0") != 0;
}

bool test_on_postgres(void)
{
	const char *b = getenv("PW_TEST_BACKEND");
	return b && strcmp(b, "postgres") == 0;
}

int test_iters(int n, int min)
{
	if (!test_sanitized())
		return n;
	return n / 8 > min ? n / 8 : min;
}

const char *test_bin(void)
{
	const char *b = getenv("PW_BIN");
	return b && *b ? b : "build/pinwheel";
}

int test_run(const char *cmd, char **out, bool merge_stderr)
{
	char *full = NULL;
	if (asprintf(&full, "%s%s", cmd, merge_stderr ? " 2>&1" : "") < 0)
		return -1;
	FILE *p = popen(full, "r");
	free(full);
	if (!p)
		return -1;
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	size_t n;
	while (buf && (n = fread(buf + len, 1, cap - len - 1, p)) > 0) {
		len += n;
		if (cap - len < 2) {
			char *nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
			cap *= 2;
		}
	}
	if (buf)
		buf[len] = '\0';
	int st = pclose(p);
	if (out)
		*out = buf;
	else
		free(buf);
	if (st == -1 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

int test_pinwheel(char **out, bool merge_stderr, const char *fmt, ...)
{
	char *args = NULL, *cmd = NULL;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&args, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	int rc = asprintf(&cmd, "%s %s", test_bin(), args) < 0 ? -1 : test_run(cmd, out, merge_stderr);
	free(args);
	free(cmd);
	return rc;
}

char *test_read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *s = n >= 0 ? malloc((size_t)n + 1) : NULL;
	size_t got = s ? fread(s, 1, (size_t)n, f) : 0;
	if (s)
		s[got] = '\0';
	fclose(f);
	return s;
}

const char *test_tmpdir(void)
{
	if (!tmpdir[0]) {
		const char *base = getenv("TMPDIR");
		snprintf(tmpdir, sizeof tmpdir, "%s/pwtest.XXXXXX",
			 base && *base ? base : "/tmp");
		if (!mkdtemp(tmpdir)) {
			perror("mkdtemp");
			abort();
		}
	}
	return tmpdir;
}

static void cleanup_tmpdir(void)
{
	if (tmpdir[0]) {
		char cmd[300];
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", tmpdir);
	}
}

static bool selected(const struct test *t, int argc, char **argv)
{
	if (test_on_postgres() && strncmp(t->name, "pg_", 3) == 0)
		return false; /* a twin: the PostgreSQL pass runs its original */
	if (argc < 2)
		return true;
	for (int i = 1; i < argc; i++)
		if (strstr(t->name, argv[i]) || strstr(t->file, argv[i]))
			return true;
	return false;
}

struct running {
	pid_t pid;
	size_t idx;
	FILE *log;
	struct timespec start;
};

void test_skip(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	printf("    skipped: ");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	fflush(stdout);
	exit(failures ? 1 : PW_TEST_SKIP);
}

static double elapsed(const struct timespec *s)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - s->tv_sec) + (now.tv_nsec - s->tv_nsec) / 1e9;
}

static pid_t start_test(size_t idx, FILE *log, unsigned timeout)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	/* child */
	dup2(fileno(log), STDOUT_FILENO);
	dup2(fileno(log), STDERR_FILENO);
	setvbuf(stdout, NULL, _IOLBF, 0);
	alarm(timeout);
	atexit(cleanup_tmpdir);
	tests[idx].fn();
	fflush(stdout);
	exit(failures ? 1 : 0);
}

static int cmp_tests(const void *a, const void *b)
{
	const struct test *x = a, *y = b;
	int c = strcmp(x->file, y->file);
	return c ? c : strcmp(x->name, y->name);
}

int main(int argc, char **argv)
{
	long jobs = sysconf(_SC_NPROCESSORS_ONLN);
	const char *ej = getenv("PW_TEST_JOBS");
	if (ej && atoi(ej) > 0)
		jobs = atoi(ej);
	if (jobs < 1)
		jobs = 1;
	unsigned timeout = 300;
	const char *et = getenv("PW_TEST_TIMEOUT");
	if (et && atoi(et) > 0)
		timeout = (unsigned)atoi(et);

	signal(SIGPIPE, SIG_IGN);
	qsort(tests, ntests, sizeof *tests, cmp_tests);

	/* Tests named pg_* need a PostgreSQL server: one for the whole run,
	 * started only when such a test is selected (tests/pgtest.h). */
	const char *backend = getenv("PW_TEST_BACKEND");
	if (backend && *backend && strcmp(backend, "postgres") != 0 && strcmp(backend, "sqlite") != 0) {
		fprintf(stderr, "PW_TEST_BACKEND is sqlite or postgres, not \"%s\"\n", backend);
		return 2;
	}
	bool need_pg = test_on_postgres();
	for (size_t i = 0; i < ntests && !need_pg; i++)
		need_pg = strncmp(tests[i].name, "pg_", 3) == 0 && selected(&tests[i], argc, argv);
	if (need_pg)
		pgtest_setup();

	/* Static, so a test's child (forked from here, ending with exit())
	 * still reaches them from a root whatever registers hold: LeakSanitizer
	 * would otherwise call them leaked in the sanitizer pass. */
	static struct running *run;
	static char **failed_names;
	run = calloc((size_t)jobs, sizeof *run);
	int passed = 0, failed = 0, skipped = 0;
	size_t next = 0, active = 0;
	failed_names = calloc(ntests + 1, sizeof *failed_names);

	for (;;) {
		while (active < (size_t)jobs && next < ntests) {
			size_t i = next++;
			if (!selected(&tests[i], argc, argv))
				continue;
			FILE *log = tmpfile();
			if (!log) {
				perror("tmpfile");
				return 2;
			}
			size_t slot = 0;
			while (run[slot].pid)
				slot++;
			run[slot].idx = i;
			run[slot].log = log;
			clock_gettime(CLOCK_MONOTONIC, &run[slot].start);
			run[slot].pid = start_test(i, log, timeout);
			active++;
		}
		if (active == 0)
			break;
		int st;
		pid_t pid = wait(&st);
		if (pid < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		size_t slot = 0;
		while (slot < (size_t)jobs && run[slot].pid != pid)
			slot++;
		if (slot == (size_t)jobs)
			continue; /* a grandchild's leftover, not ours */
		struct running *r = &run[slot];
		const struct test *t = &tests[r->idx];
		bool ok = WIFEXITED(st) && WEXITSTATUS(st) == 0;
		bool skip = WIFEXITED(st) && WEXITSTATUS(st) == PW_TEST_SKIP;
		double secs = elapsed(&r->start);
		printf("%s %-48s %6.2fs  (%s)\n", ok ? "ok  " : skip ? "SKIP" : "FAIL", t->name,
		       secs, t->file);
		if (!ok && !skip) {
			if (WIFSIGNALED(st))
				printf("    killed by signal %d%s\n", WTERMSIG(st),
				       WTERMSIG(st) == SIGALRM ? " (timeout)" : "");
			failed_names[failed] = (char *)t->name;
		}
		rewind(r->log);
		char buf[4096];
		size_t n;
		while ((n = fread(buf, 1, sizeof buf, r->log)) > 0)
			fwrite(buf, 1, n, stdout);
		fclose(r->log);
		r->pid = 0;
		active--;
		if (ok)
			passed++;
		else if (skip)
			skipped++;
		else
			failed++;
		fflush(stdout);
	}
	pgtest_teardown();
	if (failed) {
		printf("\nfailed:\n");
		for (int i = 0; i < failed; i++)
			printf("  %s\n", failed_names[i]);
	}
	if (skipped)
		printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
	else
		printf("%d passed, %d failed\n", passed, failed);
	free(run);
	free(failed_names);
	free(tests);
	return failed ? 1 : 0;
}
