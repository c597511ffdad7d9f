/*
 * pgtest.h — a real PostgreSQL server for the tests that need one.
 *
 * Tests whose name starts with pg_ talk to a PostgreSQL server. The runner
 * starts one server for the whole run, before the first test, only when
 * such a test is selected (pgtest_setup), and stops it and removes every
 * file of it at the end (pgtest_teardown) — also when the runner itself is
 * killed: a guardian process waits on a pipe from the runner and stops the
 * server when the pipe closes, however the runner ended.
 *
 * The server is Debian's (postgresql: /usr/lib/postgresql/<version>/bin,
 * the highest version there, or PW_PG_BINDIR), in a cluster made with
 * initdb in a fresh temporary folder, listening only on a unix socket in
 * that folder (no TCP port: parallel suites on one machine never meet).
 * PostgreSQL refuses to run as root, so when the suite runs as root the
 * cluster belongs to the unprivileged account "nobody" (PW_PGTEST_USER
 * to choose another) and only the temporary folder is handed to it. The
 * cluster trades durability for speed (fsync off): it is thrown away.
 *
 * Where the server is not installed, pg_ tests report SKIP with the reason;
 * where it is installed but does not start, they fail with the reason and
 * the end of the server's log.
 */
#ifndef PW_PGTEST_H
#define PW_PGTEST_H

/* Runner side. pgtest_setup starts the server (or records why it could
 * not) and passes what the tests need to the children through the
 * environment; pgtest_teardown stops it and waits until it is gone.
 * Both print one line saying what they did; teardown without setup does
 * nothing. */
void pgtest_setup(void);
void pgtest_teardown(void);

/*
 * Test side: a new, empty database of this test's own on the server, as
 * a postgres:// URL (malloc'd; the caller frees) that libpq's
 * PQconnectdb takes. Skips the test (TEST_SKIP, never returns) when the
 * server is not installed; fails the test and returns NULL when it is
 * installed but could not start or the database could not be made.
 */
char *pgtest_database(void);

#endif
