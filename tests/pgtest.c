/*
 * pgtest.c — the suite's PostgreSQL server (see pgtest.h).
 *
 * The runner is the one process that starts and stops the server; tests
 * run in its forked children and learn where the server is from the
 * environment it leaves for them:
 *
 *   PW_PGTEST_SOCKET   the folder of the server's unix socket (it runs)
 *   PW_PGTEST_SKIP     why there is no server (not installed): tests skip
 *   PW_PGTEST_ERROR    why the server did not start: tests fail
 */
#include "tests/pgtest.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <glob.h>
#include <grp.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/test.h"

/* The socket's port number: only its file name (.s.PGSQL.5432) in a
 * folder of this run's own, so it never collides with anything. */
#define PGTEST_PORT "5432"

static struct {
	char dir[256];     /* the temporary folder: data/, logs, the socket */
	char bindir[256];  /* initdb, pg_ctl */
	char version[24];  /* the <version> of /usr/lib/postgresql/<version> */
	uid_t uid;         /* the cluster's owner when we are root */
	gid_t gid;
	bool drop;         /* run the server's commands as uid/gid */
	pid_t guardian;
	int guard_fd;      /* the runner's end of the guardian's pipe */
} pg = {.guard_fd = -1};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * The highest-numbered /usr/lib/postgresql/<version>/bin holding initdb
 * and pg_ctl (Debian installs each major version there, off PATH), or
 * PW_PG_BINDIR. Returns false when there is none.
 */
static bool find_bindir(void)
{
	const char *env = getenv("PW_PG_BINDIR");
	if (env && *env) {
		snprintf(pg.bindir, sizeof pg.bindir, "%s", env);
		snprintf(pg.version, sizeof pg.version, "?");
	} else {
		glob_t g;
		long best = -1;
		if (glob("/usr/lib/postgresql/*/bin/initdb", 0, NULL, &g) == 0) {
			for (size_t i = 0; i < g.gl_pathc; i++) {
				const char *v = g.gl_pathv[i] + strlen("/usr/lib/postgresql/");
				long n = strtol(v, NULL, 10);
				if (n > best) {
					best = n;
					snprintf(pg.bindir, sizeof pg.bindir, "/usr/lib/postgresql/%ld/bin", n);
					snprintf(pg.version, sizeof pg.version, "%ld", n);
				}
			}
			globfree(&g);
		}
		if (best < 0)
			return false;
	}
	char p[300];
	snprintf(p, sizeof p, "%s/initdb", pg.bindir);
	if (access(p, X_OK) != 0)
		return false;
	snprintf(p, sizeof p, "%s/pg_ctl", pg.bindir);
	return access(p, X_OK) == 0;
}

/*
 * Runs one of the server's programs (argv[0] a name in bindir) as the
 * cluster's owner, inside the temporary folder, its output appended to
 * log (a path). Returns its exit status, or -1.
 */
static int run_pg(const char *const *argv, const char *log)
{
	char prog[300];
	snprintf(prog, sizeof prog, "%s/%s", pg.bindir, argv[0]);
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		if (fd >= 0) {
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
		}
		int devnull = open("/dev/null", O_RDONLY);
		if (devnull >= 0)
			dup2(devnull, STDIN_FILENO);
		/* Groups first, then the group, then the user: after setuid
		 * there is no going back. */
		if (pg.drop && (setgroups(0, NULL) != 0 || setgid(pg.gid) != 0 || setuid(pg.uid) != 0)) {
			perror("pgtest: dropping privileges");
			_exit(126);
		}
		if (chdir(pg.dir) != 0)
			_exit(126);
		execv(prog, (char *const *)argv);
		perror(prog);
		_exit(127);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The last few lines of a log file, for a failure's message. */
static void log_tail(const char *path, char *out, size_t outlen)
{
	out[0] = '\0';
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	char buf[4096];
	fseek(f, 0, SEEK_END);
	long size = ftell(f);
	long from = size > (long)sizeof buf - 1 ? size - (long)sizeof buf + 1 : 0;
	fseek(f, from, SEEK_SET);
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* Keep the last 600 characters, from a line's start. */
	const char *p = n > 600 ? buf + n - 600 : buf;
	const char *nl = p != buf ? strchr(p, '\n') : NULL;
	snprintf(out, outlen, "%.*s", (int)outlen - 1, nl ? nl + 1 : p);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

static void remove_dir(void)
{
	if (pg.dir[0])
		nftw(pg.dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Stops the server as fast as it goes (the data is thrown away). */
static void stop_server(void)
{
	char data[300], log[300];
	snprintf(data, sizeof data, "%s/data", pg.dir);
	snprintf(log, sizeof log, "%s/pg_ctl.log", pg.dir);
	const char *argv[] = {"pg_ctl", "-D", data, "-m", "immediate", "-w", "-t", "60", "stop", NULL};
	run_pg(argv, log);
}

/* In every process forked after the guardian (tests, the programs they
 * run), the runner's end of the pipe is closed, so only the runner holds
 * it and the guardian sees the pipe close when the runner ends. */
static void forget_guard_fd(void)
{
	if (pg.guard_fd >= 0) {
		close(pg.guard_fd);
		pg.guard_fd = -1;
	}
}

/*
 * The guardian: a child of the runner that outlives it. It blocks on the
 * pipe until the runner closes it — pgtest_teardown, or the runner's end
 * by any signal, even SIGKILL — then stops the server and removes the
 * folder. Returns 0 once it runs.
 */
static int start_guardian(void)
{
	int fds[2], ready[2];
	if (pipe2(fds, O_CLOEXEC) != 0)
		return -1;
	if (pipe2(ready, O_CLOEXEC) != 0) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		close(ready[0]);
		close(ready[1]);
		return -1;
	}
	if (pid == 0) {
		close(fds[1]);
		close(ready[0]);
		/* Ctrl-C, or a kill of the suite's process group, reaches the
		 * whole group: the guardian leaves it and ignores the usual
		 * signals, to stay and clean up after the runner they ended. */
		setsid();
		signal(SIGINT, SIG_IGN);
		signal(SIGTERM, SIG_IGN);
		signal(SIGHUP, SIG_IGN);
		alarm(0);
		close(ready[1]); /* out of reach now: the runner may go on */
		char c;
		for (;;) {
			ssize_t n = read(fds[0], &c, 1);
			if (n > 0 || (n < 0 && errno == EINTR))
				continue;
			break; /* end of file: the runner is gone or done */
		}
		stop_server();
		remove_dir();
		_exit(0); /* not exit(): the runner's atexit handlers are not ours */
	}
	close(fds[0]);
	close(ready[1]);
	/* Until the guardian has left the process group, a kill of the group
	 * would take it too and leave the server running: wait for it. */
	char c;
	while (read(ready[0], &c, 1) < 0 && errno == EINTR)
		;
	close(ready[0]);
	pg.guardian = pid;
	pg.guard_fd = fds[1];
	pthread_atfork(NULL, NULL, forget_guard_fd);
	return 0;
}

/* Records why there is no server, for the tests and on the runner's output. */
static void no_server(const char *var, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void no_server(const char *var, const char *fmt, ...)
{
	char msg[1400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	setenv(var, msg, 1);
	printf("pgtest: %s\n", msg);
	fflush(stdout);
}

void pgtest_setup(void)
{
	double t0 = now_s();
	if (!find_bindir()) {
		no_server("PW_PGTEST_SKIP",
			  "PostgreSQL's server is not installed (no initdb in %s): "
			  "`sh vendor/install.sh test` installs Debian's package postgresql",
			  getenv("PW_PG_BINDIR") && *getenv("PW_PG_BINDIR")
				  ? getenv("PW_PG_BINDIR")
				  : "/usr/lib/postgresql/<version>/bin");
		return;
	}

	/* As root the folder must be reachable by the cluster's owner, so it
	 * goes in /tmp (world-searchable) whatever TMPDIR says; so does it
	 * when TMPDIR is too long for the socket's path (about 100 bytes). */
	bool root = geteuid() == 0;
	const char *base = getenv("TMPDIR");
	if (root || !base || !*base || strlen(base) > 60)
		base = "/tmp";
	snprintf(pg.dir, sizeof pg.dir, "%s/pwpg.XXXXXX", base);
	if (!mkdtemp(pg.dir)) {
		pg.dir[0] = '\0';
		no_server("PW_PGTEST_ERROR", "could not make a temporary folder: %s", strerror(errno));
		return;
	}
	if (root) {
		const char *user = getenv("PW_PGTEST_USER");
		if (!user || !*user)
			user = "nobody";
		struct passwd *pw = getpwnam(user);
		if (!pw || pw->pw_uid == 0) {
			no_server("PW_PGTEST_ERROR",
				  "running as root, and \"%s\" is no unprivileged account to run "
				  "PostgreSQL as (PW_PGTEST_USER names one)",
				  user);
			remove_dir();
			return;
		}
		pg.uid = pw->pw_uid;
		pg.gid = pw->pw_gid;
		pg.drop = true;
		if (chown(pg.dir, pg.uid, pg.gid) != 0) {
			no_server("PW_PGTEST_ERROR", "could not hand the temporary folder over: %s",
				  strerror(errno));
			remove_dir();
			return;
		}
	}

	char data[300], log[300], conf[320], msg[1024], tail[700];
	snprintf(data, sizeof data, "%s/data", pg.dir);
	snprintf(log, sizeof log, "%s/initdb.log", pg.dir);
	/* -N: no fsync of the new files, -A trust: the socket is in a
	 * folder only the owner (and root) can enter. */
	const char *initdb[] = {"initdb", "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8",
				"--locale=C", "-N", NULL};
	if (run_pg(initdb, log) != 0) {
		log_tail(log, tail, sizeof tail);
		snprintf(msg, sizeof msg, "initdb failed in %s:\n%s", pg.dir, tail);
		no_server("PW_PGTEST_ERROR", "%s", msg);
		remove_dir();
		return;
	}

	/* Appended as root to a file the owner made: the owner stays. */
	snprintf(conf, sizeof conf, "%s/postgresql.conf", data);
	FILE *f = fopen(conf, "a");
	if (!f) {
		no_server("PW_PGTEST_ERROR", "could not write postgresql.conf: %s", strerror(errno));
		remove_dir();
		return;
	}
	fprintf(f,
		"\n# pgtest: a throw-away server on a unix socket only\n"
		"listen_addresses = ''\n"
		"unix_socket_directories = '%s'\n"
		"port = " PGTEST_PORT "\n"
		"fsync = off\n"
		"synchronous_commit = off\n"
		"full_page_writes = off\n"
		"shared_buffers = 32MB\n"
		"max_connections = 60\n",
		pg.dir);
	fclose(f);

	snprintf(log, sizeof log, "%s/pg_ctl.log", pg.dir);
	char server_log[300];
	snprintf(server_log, sizeof server_log, "%s/server.log", pg.dir);
	const char *start[] = {"pg_ctl", "-D", data, "-l", server_log, "-w", "-t", "60", "start", NULL};
	if (run_pg(start, log) != 0) {
		log_tail(server_log, tail, sizeof tail);
		snprintf(msg, sizeof msg, "PostgreSQL did not start in %s:\n%s", pg.dir, tail);
		no_server("PW_PGTEST_ERROR", "%s", msg);
		stop_server();
		remove_dir();
		return;
	}
	if (start_guardian() != 0) {
		no_server("PW_PGTEST_ERROR", "could not start the guardian: %s", strerror(errno));
		stop_server();
		remove_dir();
		return;
	}
	setenv("PW_PGTEST_SOCKET", pg.dir, 1);
	struct passwd *owner = pg.drop ? getpwuid(pg.uid) : NULL;
	printf("pgtest: PostgreSQL %s ready in %.2fs (unix socket in %s%s%s)\n", pg.version,
	       now_s() - t0, pg.dir, owner ? ", run as " : "", owner ? owner->pw_name : "");
	fflush(stdout);
}

void pgtest_teardown(void)
{
	if (pg.guard_fd < 0)
		return;
	double t0 = now_s();
	forget_guard_fd();
	/* The guardian stops the server and removes the folder; the suite
	 * is over only when it has (ECHILD: it was already reaped). */
	while (waitpid(pg.guardian, NULL, 0) < 0 && errno == EINTR)
		;
	printf("pgtest: PostgreSQL stopped and %s removed in %.2fs\n", pg.dir, now_s() - t0);
	fflush(stdout);
}

char *pgtest_database(void)
{
	const char *skip = getenv("PW_PGTEST_SKIP");
	const char *error = getenv("PW_PGTEST_ERROR");
	const char *dir = getenv("PW_PGTEST_SOCKET");
	if (skip && *skip)
		TEST_SKIP("%s", skip);
	if (error && *error) {
		test_fail(__FILE__, __LINE__, "no PostgreSQL server: %s", error);
		return NULL;
	}
	if (!dir || !*dir) {
		test_fail(__FILE__, __LINE__,
			  "no PostgreSQL server: the runner starts one only for tests named pg_*");
		return NULL;
	}

	/* One database per call, named by process and count: tests run in
	 * parallel and each gets a schema of its own to migrate. */
	static int count;
	char name[64], *url = NULL, *admin = NULL;
	snprintf(name, sizeof name, "pw_%ld_%d", (long)getpid(), ++count);
	if (asprintf(&admin, "postgres:///postgres?host=%s&port=" PGTEST_PORT "&user=postgres",
		     dir) < 0)
		return NULL;
	PGconn *c = PQconnectdb(admin);
	free(admin);
	if (PQstatus(c) != CONNECTION_OK) {
		test_fail(__FILE__, __LINE__, "connecting to the test server: %s", PQerrorMessage(c));
		PQfinish(c);
		return NULL;
	}
	/* DDL takes no parameters; the name is made of digits above. */
	char sql[128];
	snprintf(sql, sizeof sql, "CREATE DATABASE %s", name);
	PGresult *r = PQexecParams(c, sql, 0, NULL, NULL, NULL, NULL, 0);
	bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
	if (!ok)
		test_fail(__FILE__, __LINE__, "%s: %s", sql, PQerrorMessage(c));
	PQclear(r);
	PQfinish(c);
	if (!ok)
		return NULL;
	if (asprintf(&url, "postgres:///%s?host=%s&port=" PGTEST_PORT "&user=postgres", name, dir) < 0)
		return NULL;
	return url;
}
