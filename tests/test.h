/*
 * test.h — the project's test framework.
 *
 * A test is a function declared with TEST(name) in any tests/{unit,integration,
 * e2e}/test_*.c file; it registers itself at start-up, so adding a test never
 * means editing a list. The runner (tests/runner.c) runs every test in its own
 * forked process with a timeout, several at once, and ends with the line
 * "N passed, N failed".
 *
 *   TEST(rng_is_deterministic) {
 *       CHECK_EQ(rng_next(&a), rng_next(&b));
 *   }
 *
 * A failed CHECK prints file:line and the values, and the test goes on so that
 * one run shows every failure; the test counts as failed if any check failed,
 * if it crashed, or if it ran past its timeout.
 *
 * A test that cannot run here (say, one that the sanitizer pass must leave
 * out) calls TEST_SKIP("why") before any check: the runner reports it as
 * SKIP with the reason, never as a pass.
 *
 * A test whose name starts with pg_ may use a real PostgreSQL server: the
 * runner starts one for the run when such a test is selected, and
 * pgtest_database() (tests/pgtest.h) gives the test a database of its own.
 */
#ifndef PW_TEST_H
#define PW_TEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef void (*test_fn)(void);

void test_register(const char *name, const char *file, test_fn fn);
void test_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define TEST(name)                                                           \
	static void test_##name(void);                                       \
	__attribute__((constructor)) static void test_reg_##name(void)      \
	{                                                                    \
		test_register(#name, __FILE__, test_##name);                 \
	}                                                                    \
	static void test_##name(void)

/* Ends the test as skipped (exit status PW_TEST_SKIP) with a reason; a
 * test that already failed a check stays failed. Never returns. */
#define PW_TEST_SKIP 77
void test_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
#define TEST_SKIP(...) test_skip(__VA_ARGS__)

#define CHECK(cond)                                                          \
	do {                                                                 \
		if (!(cond))                                                 \
			test_fail(__FILE__, __LINE__, "CHECK(%s)", #cond);   \
	} while (0)

#define CHECK_MSG(cond, ...)                                                 \
	do {                                                                 \
		if (!(cond))                                                 \
			test_fail(__FILE__, __LINE__, __VA_ARGS__);          \
	} while (0)

#define CHECK_EQ(a, b)                                                       \
	do {                                                                 \
		long long a_ = (long long)(a), b_ = (long long)(b);          \
		if (a_ != b_)                                                \
			test_fail(__FILE__, __LINE__, "%s == %s: %lld != %lld", \
				  #a, #b, a_, b_);                           \
	} while (0)

#define CHECK_NEAR(a, b, eps)                                                \
	do {                                                                 \
		double a_ = (double)(a), b_ = (double)(b);                   \
		if (!(a_ - b_ <= (eps) && b_ - a_ <= (eps)))                 \
			test_fail(__FILE__, __LINE__, "%s ~= %s: %.9g vs %.9g", \
				  #a, #b, a_, b_);                           \
	} while (0)

#define CHECK_STR(a, b)                                                      \
	do {                                                                 \
		const char *a_ = (a), *b_ = (b);                             \
		if (!a_ || !b_ || strcmp(a_, b_) != 0)                       \
			test_fail(__FILE__, __LINE__, "%s == %s: \"%s\" != \"%s\"", \
				  #a, #b, a_ ? a_ : "(null)", b_ ? b_ : "(null)"); \
	} while (0)

#define CHECK_CONTAINS(hay, needle)                                          \
	do {                                                                 \
		const char *h_ = (hay), *n_ = (needle);                      \
		if (!h_ || !strstr(h_, n_))                                  \
			test_fail(__FILE__, __LINE__, "%s contains \"%s\"",  \
				  #hay, n_);                                 \
	} while (0)

/*
 * Scales a loop count for slow builds: returns n in a plain build and about
 * n/8 (at least min) under sanitizers, so statistical tests keep their shape
 * while the sanitizer pass stays inside CI's time.
 */
int test_iters(int n, int min);

/* True when the suite runs under ASan/UBSan (PW_TEST_SANITIZED is set). */
bool test_sanitized(void);

/*
 * The PostgreSQL pass (tests/run.sh): with PW_TEST_BACKEND=postgres the
 * runner starts a PostgreSQL server for the run, and every database a test
 * opens through the helpers (e2e_start without a path, lt_open and
 * lt_viewer) is a fresh PostgreSQL database instead of a SQLite file — the
 * same test, the other backend. The pg_ twins are left out of that pass
 * (they already run on PostgreSQL).
 */
bool test_on_postgres(void);
/* For a test that is about SQLite itself (it edits or copies the database
 * file, or measures SQLite): skipped, with why, in the PostgreSQL pass. */
#define TEST_SQLITE_ONLY(why)                                                \
	do {                                                                 \
		if (test_on_postgres())                                      \
			TEST_SKIP("SQLite only: %s", why);                   \
	} while (0)

/* Path of the built pinwheel binary (PW_BIN, default build/pinwheel). */
const char *test_bin(void);

/*
 * Runs a shell command, captures its stdout (stderr too when merge_stderr),
 * and returns its exit status (-1 if it could not run or was killed).
 * *out (NUL-terminated, malloc'd, caller frees) may be NULL if not wanted.
 */
int test_run(const char *cmd, char **out, bool merge_stderr);

/*
 * Runs the built binary with arguments formatted from fmt ("sim --seed %d"),
 * like test_run: returns the exit status and fills *out when asked.
 */
int test_pinwheel(char **out, bool merge_stderr, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A fresh, empty temporary directory for this test; removed at exit. */
const char *test_tmpdir(void);

/* The whole of a file (a path from the repository's root, where tests
 * run), NUL-terminated; NULL when it cannot be read. Caller frees. */
char *test_read_file(const char *path);

#endif
