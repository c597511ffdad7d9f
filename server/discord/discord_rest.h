/*
 * discord_rest.h — calls to Discord's REST API with the bot token, within
 * Discord's rate limits.
 *
 * Every call is blocking (libcurl's easy interface) and is made off the
 * loop: by the outbox's sender thread in the server, or by the command line
 * (`pinwheel discord register|setup`). Before a call it waits for what the
 * limits ask:
 *
 *  - per-route buckets: each answer's X-RateLimit-Bucket, -Remaining and
 *    -Reset-After say how many more calls the route's bucket allows and
 *    when it refills; routes are told apart by their major parameter
 *    (channel, guild, webhook) as Discord counts them;
 *  - the global limit: at most DISCORD_GLOBAL_PER_S calls a second, and a
 *    global 429 (X-RateLimit-Global, or "global": true) stops every call;
 *  - a 429's retry_after (seconds, in the body; Retry-After otherwise) is
 *    waited out and the call made again, up to DISCORD_MAX_429 times.
 *
 * Other failures (the network, 5xx) are the caller's to retry: the outbox
 * backs off and tries again, so nothing is lost.
 */
#ifndef PW_DISCORD_REST_H
#define PW_DISCORD_REST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DISCORD_API_DEFAULT "https://discord.com/api/v10"
#define DISCORD_GLOBAL_PER_S 50
#define DISCORD_MAX_429 5
#define DISCORD_TIMEOUT_S 15
#define DISCORD_MAX_REPLY (1 << 20)

typedef struct discord_rest discord_rest_t;

/* A client for api_base (no trailing slash needed) with token ("Bot ..."
 * is added). Both are copied. NULL when out of memory. */
discord_rest_t *discord_rest_new(const char *api_base, const char *token);
void discord_rest_free(discord_rest_t *r);
/* Any thread: calls waiting on a limit give up at once (they return -1),
 * and no new call starts (a call already on the wire finishes or times
 * out). */
void discord_rest_stop(discord_rest_t *r);

typedef struct discord_reply {
	long status;     /* the HTTP status, 0 when no answer came */
	char *body;      /* the answer's body (NUL-terminated) or NULL; caller frees */
	int waited_ms;   /* time spent waiting for rate limits, for the log and tests */
	int limited;     /* 429s answered during the call */
	char err[256];   /* why there was no answer (network, stopped) */
} discord_reply_t;

/*
 * One call: method and path below the API root ("/channels/1/messages"),
 * body JSON text or NULL. 0 when an answer came (out->status says which;
 * a 429 after DISCORD_MAX_429 tries is returned as such), -1 with out->err
 * when none did. Free out->body.
 */
int discord_rest_call(discord_rest_t *r, const char *method, const char *path, const char *body,
		      discord_reply_t *out);

/* The same call with another Authorization header (auth: the whole
 * header line, e.g. "Authorization: Bearer ..."; NULL: none) and body type
 * (e.g. "application/x-www-form-urlencoded"): the OAuth2 endpoints. */
int discord_rest_call_as(discord_rest_t *r, const char *auth, const char *content_type, const char *method,
			 const char *path, const char *body, discord_reply_t *out);

/* Whether a call has ever been answered 2xx (the token works): /health's
 * "connected". Any thread. */
bool discord_rest_connected(discord_rest_t *r);

/* The rate-limit key of a call: method and path with every id but the
 * major parameter's replaced by ":id" (exposed for tests). */
void discord_route_key(const char *method, const char *path, char *out, size_t cap);

#endif
