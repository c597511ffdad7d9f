/*
 * discord_fake.h — a fake Discord for tests: the REST API on a loopback
 * port (a thread of the test process), and an application key pair to sign
 * interactions with.
 *
 * The fake answers what the bot calls: GET /users/@me; POST
 * /channels/{id}/messages (honouring nonce + enforce_nonce as Discord does:
 * a second creation with a nonce already seen returns the first message);
 * PATCH /webhooks/{app}/{token}/messages/@original; PUT of command sets;
 * guild channels and roles (GET, POST) and channel permission overwrites
 * (PUT); POST /oauth2/token and GET /users/@me with a bearer token.
 * Every answer carries X-RateLimit-* headers. It records each request.
 * Tests can make it answer 429 (with retry_after), 5xx, or hold answers.
 */
#ifndef PW_DISCORD_FAKE_H
#define PW_DISCORD_FAKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct discord_fake discord_fake_t;

/* Starts the fake on 127.0.0.1 (a free port); NULL on failure. */
discord_fake_t *dfake_start(void);
void dfake_stop(discord_fake_t *f);
int dfake_port(discord_fake_t *f);
/* "http://127.0.0.1:PORT/api/v10" into out. */
void dfake_base(discord_fake_t *f, char *out, size_t cap);

/* The next n calls to a path starting with prefix answer 429 with
 * retry_after seconds (global when global). */
void dfake_limit(discord_fake_t *f, const char *prefix, int n, double retry_after, bool global);
/* Every call answers status (e.g. 503) while set; 0 to stop. */
void dfake_fail_all(discord_fake_t *f, int status);
/* Message creations are held this long before they are answered (the
 * message is recorded first, as Discord would have it). */
void dfake_hold_ms(discord_fake_t *f, int ms);
/* How many calls remain for each bucket after a call (X-RateLimit-
 * Remaining), and Reset-After seconds; default 5 and 1.0. */
void dfake_bucket(discord_fake_t *f, int remaining, double reset_after);

/* Recorded requests: how many so far; the i-th as "METHOD path\nbody"
 * (malloc'd) and when it arrived (ms, monotonic). */
int dfake_count(discord_fake_t *f);
char *dfake_request(discord_fake_t *f, int i, int64_t *at_ms);
/* How many requests so far whose "METHOD path" starts with prefix. */
int dfake_count_prefix(discord_fake_t *f, const char *prefix);
/* Messages created (distinct), in order: the i-th's channel and JSON body
 * (malloc'd); how many. */
int dfake_messages(discord_fake_t *f);
char *dfake_message(discord_fake_t *f, int i, char *channel, size_t cap);
/* Waits up to ms for at least n requests starting with prefix; true when seen. */
bool dfake_wait(discord_fake_t *f, const char *prefix, int n, int ms);
/* The last body sent to a path starting with prefix (malloc'd) or NULL. */
char *dfake_last_body(discord_fake_t *f, const char *prefix);

/* An Ed25519 application key: the public key as hex (65 bytes). */
typedef struct dfake_key dfake_key_t;
dfake_key_t *dfake_key_new(char pub_hex[65]);
void dfake_key_free(dfake_key_t *k);
/* Signs ts||body: 128 hex digits into sig_hex (129 bytes). */
void dfake_sign(dfake_key_t *k, const char *ts, const char *body, char sig_hex[129]);

#endif
