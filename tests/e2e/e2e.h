/*
 * e2e.h — helpers for end-to-end tests: start the real `pinwheel serve` on
 * a free loopback port with a temporary database, talk HTTP to it (libcurl
 * or raw sockets), stop it with a signal.
 */
#ifndef PW_E2E_H
#define PW_E2E_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

typedef struct e2e_server {
	pid_t pid;
	int port;
	char db[512];
	char log[512]; /* the server's stderr and stdout */
} e2e_server_t;

/*
 * Starts the server; env is a NULL-terminated list of "NAME=value" added to
 * the environment (may be NULL). db may be NULL for a fresh one in the
 * test's temp dir. Returns 0 when it is listening, -1 otherwise.
 */
int e2e_start(e2e_server_t *s, const char *const *env, const char *db);
/* From here on, a fresh database (db NULL) is a PostgreSQL database of its
 * own (tests/pgtest.h) instead of a SQLite file: a pg_ test calls this and
 * then a SQLite test's body. */
void e2e_use_postgres(void);
#define E2E_ON_POSTGRES(name)           \
	TEST(pg_##name)                 \
	{                               \
		e2e_use_postgres();     \
		test_##name();          \
	}
/* The same with the server's open-file limit (soft and hard) lowered to
 * nofile first (0: left alone), as a small machine or container gives. */
int e2e_start_nofile(e2e_server_t *s, const char *const *env, const char *db, long nofile);
/* Starts a second server beside a running one, on its database (another
 * instance of the same league: a PostgreSQL database shared by both). */
int e2e_start_beside(e2e_server_t *s, const char *const *env, const e2e_server_t *first);
/* Starts the server again (after e2e_stop) on the same database and the
 * same port, as a restart in place does; env as for e2e_start. */
int e2e_restart(e2e_server_t *s, const char *const *env);
/* Connects a raw TCP socket from the loopback address 127.0.0.<from>
 * (another client address, as far as the server can tell); -1 on failure. */
int e2e_connect_from(e2e_server_t *s, int from);
/* Sends sig and waits; returns the exit status (or 128+signal), -1 on timeout. */
int e2e_stop(e2e_server_t *s, int sig, int timeout_ms);
/* True while the process is alive. */
bool e2e_alive(e2e_server_t *s);
/* The server's log so far (malloc'd). */
char *e2e_log(e2e_server_t *s);

typedef struct e2e_resp {
	long status;
	char *body;
	size_t len;
	char *headers;
} e2e_resp_t;

/*
 * One request with libcurl. body may be NULL; headers is a NULL-terminated
 * list or NULL. Returns 0 (resp filled; free with e2e_resp_free) or -1.
 */
int e2e_http(e2e_server_t *s, const char *method, const char *path, const char *body,
	     const char *const *headers, e2e_resp_t *resp);
void e2e_resp_free(e2e_resp_t *r);

struct cJSON;

/*
 * One request whose answer is JSON: the parsed body (caller frees; NULL
 * when there was no answer or it was not JSON), the status in *status (may
 * be NULL). token, when not NULL, is sent as a bearer token; a body is sent
 * as application/json.
 */
struct cJSON *e2e_call(e2e_server_t *s, const char *method, const char *path, const char *body,
		       const char *token, long *status);
/* Joins team as name and returns the governor's bearer token (malloc'd;
 * "" after a failed CHECK). */
char *e2e_join(e2e_server_t *s, const char *name, int team);

/* Plays the next tick (POST /api/pace/advance, checked 202) and waits up
 * to 10 s for round's games to be listed by /api/games; returns how many
 * (an instant presentation lists them as soon as they are stored). */
int e2e_tick_games(e2e_server_t *s, int round);

/* The final scores ("52–48", as pages write them) and ids of a round's
 * games, read from the server's database beside it — what the public must
 * not see before the round's replay ends. Returns how many (up to max). */
int e2e_round_finals(e2e_server_t *s, int round, char finals[][32], int64_t *ids, int max);

/* Connects a raw TCP socket to the server; -1 on failure. */
int e2e_connect(e2e_server_t *s);
/* Sends all bytes; -1 on error. */
int e2e_send(int fd, const void *data, size_t len);
/*
 * Reads until the peer closes, `until` appears (when not NULL), or
 * timeout_ms passes. Returns the bytes read (NUL-terminated, malloc'd).
 */
char *e2e_recv(int fd, const char *until, int timeout_ms, size_t *len);

#endif
