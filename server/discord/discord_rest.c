/*
 * discord_rest.c — REST calls within Discord's rate limits (see discord_rest.h).
 */
#include "server/discord/discord_rest.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "core/sim/buf.h"

#define ROUTES_MAX 64
#define KEY_MAX 160

/* One route's bucket as the last answer described it. */
typedef struct route_state {
	char key[KEY_MAX];    /* discord_route_key */
	char bucket[64];      /* X-RateLimit-Bucket (routes sharing it share the limit) */
	int remaining;        /* -1: unknown */
	int64_t reset_ms;     /* monotonic ms when it refills */
	int64_t used_ms;      /* last use, to recycle the slot */
} route_state_t;

struct discord_rest {
	char *base;
	char *auth;
	pthread_mutex_t mu;
	route_state_t routes[ROUTES_MAX];
	int64_t global_until_ms;
	int64_t recent[DISCORD_GLOBAL_PER_S]; /* start times of the last calls (a ring) */
	int recent_at;
	atomic_bool stopped;
	atomic_bool connected;
};

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* libcurl's global set-up is not thread-safe: once, before any handle. */
static void curl_once(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

discord_rest_t *discord_rest_new(const char *api_base, const char *token)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, curl_once);
	discord_rest_t *r = calloc(1, sizeof *r);
	if (!r)
		return NULL;
	size_t bl = strlen(api_base);
	while (bl && api_base[bl - 1] == '/')
		bl--;
	r->base = strndup(api_base, bl);
	size_t al = strlen(token) + 32;
	r->auth = malloc(al);
	if (!r->base || !r->auth) {
		discord_rest_free(r);
		return NULL;
	}
	snprintf(r->auth, al, "Authorization: Bot %s", token);
	pthread_mutex_init(&r->mu, NULL);
	return r;
}

void discord_rest_free(discord_rest_t *r)
{
	if (!r)
		return;
	if (r->auth)
		pthread_mutex_destroy(&r->mu);
	free(r->base);
	free(r->auth);
	free(r);
}

void discord_rest_stop(discord_rest_t *r)
{
	atomic_store(&r->stopped, true);
}

bool discord_rest_connected(discord_rest_t *r)
{
	return r && atomic_load(&r->connected);
}

/* Whether the segment is a snowflake (all digits). */
static bool is_id(const char *p, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (p[i] < '0' || p[i] > '9')
			return false;
	return true;
}

void discord_route_key(const char *method, const char *path, char *out, size_t cap)
{
	/* Discord counts channels/{id}, guilds/{id} and webhooks/{id}/{token}
	 * apart; every other id in a path shares its route's bucket. */
	pw_buf_t b = {0};
	buf_printf(&b, "%s ", method);
	const char *p = path;
	const char *prev = "", *prev2 = "";
	size_t prevn = 0, prev2n = 0;
	while (*p) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		const char *seg = p;
		while (*p && *p != '/' && *p != '?')
			p++;
		size_t n = (size_t)(p - seg);
		bool major = (prevn == 8 && !strncmp(prev, "channels", 8)) || (prevn == 6 && !strncmp(prev, "guilds", 6)) ||
			     (prevn == 8 && !strncmp(prev, "webhooks", 8)) ||
			     (prev2n == 8 && !strncmp(prev2, "webhooks", 8));
		if (is_id(seg, n) && !major)
			buf_puts(&b, "/:id");
		else
			buf_printf(&b, "/%.*s", (int)n, seg);
		prev2 = prev;
		prev2n = prevn;
		prev = seg;
		prevn = n;
		if (*p == '?')
			break;
	}
	snprintf(out, cap, "%s", b.data ? b.data : method);
	buf_free(&b);
}

/* The route's slot (made, or the least recently used one recycled). */
static route_state_t *route_slot(discord_rest_t *r, const char *key)
{
	route_state_t *old = &r->routes[0];
	for (int i = 0; i < ROUTES_MAX; i++) {
		route_state_t *s = &r->routes[i];
		if (!strcmp(s->key, key))
			return s;
		if (s->used_ms < old->used_ms)
			old = s;
	}
	memset(old, 0, sizeof *old);
	snprintf(old->key, sizeof old->key, "%s", key);
	old->remaining = -1;
	return old;
}

/* The major parameter of a route key ("channels/123"), "" when none: a
 * bucket is shared by the routes of one bucket hash and one major
 * parameter, never across channels or guilds. */
static void major_of(const char *key, char *out, size_t cap)
{
	static const char *const majors[] = {"/channels/", "/guilds/", "/webhooks/"};
	out[0] = 0;
	const char *p = strchr(key, ' ');
	for (size_t i = 0; p && i < 3; i++) {
		size_t n = strlen(majors[i]);
		if (!strncmp(p + 1, majors[i], n)) {
			const char *end = strchr(p + 1 + n, '/');
			snprintf(out, cap, "%.*s", (int)(end ? end - p - 1 : (long)strlen(p + 1)), p + 1);
			return;
		}
	}
}

/* How long the call must wait now (ms): the global stop, the global rate,
 * its bucket (its own, or another route's sharing the bucket). */
static int64_t wait_needed(discord_rest_t *r, const char *key, int64_t now)
{
	int64_t until = r->global_until_ms;
	int64_t oldest = r->recent[r->recent_at];
	if (oldest && oldest + 1000 > until)
		until = oldest + 1000;
	route_state_t *s = route_slot(r, key);
	char major[KEY_MAX], other[KEY_MAX];
	major_of(key, major, sizeof major);
	for (int i = 0; i < ROUTES_MAX; i++) {
		route_state_t *o = &r->routes[i];
		bool same = o == s;
		if (!same && s->bucket[0] && !strcmp(o->bucket, s->bucket)) {
			major_of(o->key, other, sizeof other);
			same = !strcmp(major, other);
		}
		if (same && o->remaining == 0 && o->reset_ms > until)
			until = o->reset_ms;
	}
	return until > now ? until - now : 0;
}

/* Sleeps ms in short slices; false when stopped meanwhile. */
static bool nap(discord_rest_t *r, int64_t ms)
{
	while (ms > 0) {
		if (atomic_load(&r->stopped))
			return false;
		int64_t slice = ms > 50 ? 50 : ms;
		usleep((useconds_t)(slice * 1000));
		ms -= slice;
	}
	return !atomic_load(&r->stopped);
}

typedef struct call_io {
	pw_buf_t body;
	bool too_big;
	char bucket[64];
	int remaining;         /* -1 unknown */
	double reset_after;    /* seconds; < 0 unknown */
	double retry_after;    /* Retry-After header; < 0 unknown */
	bool global;
} call_io_t;

static size_t on_body(char *p, size_t sz, size_t n, void *ud)
{
	call_io_t *io = ud;
	if (io->body.len + sz * n > DISCORD_MAX_REPLY) {
		io->too_big = true;
		return 0;
	}
	buf_append(&io->body, p, sz * n);
	return sz * n;
}

/* The value of header name in line, or NULL (case-insensitive name). */
static const char *header_value(const char *line, size_t n, const char *name, char *out, size_t cap)
{
	size_t nl = strlen(name);
	if (n <= nl + 1 || strncasecmp(line, name, nl) || line[nl] != ':')
		return NULL;
	const char *v = line + nl + 1;
	const char *end = line + n;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
		end--;
	snprintf(out, cap, "%.*s", (int)(end - v), v);
	return out;
}

static size_t on_header(char *p, size_t sz, size_t n, void *ud)
{
	call_io_t *io = ud;
	size_t len = sz * n;
	char v[80];
	if (header_value(p, len, "X-RateLimit-Bucket", v, sizeof v))
		snprintf(io->bucket, sizeof io->bucket, "%.63s", v);
	else if (header_value(p, len, "X-RateLimit-Remaining", v, sizeof v))
		io->remaining = atoi(v);
	else if (header_value(p, len, "X-RateLimit-Reset-After", v, sizeof v))
		io->reset_after = atof(v);
	else if (header_value(p, len, "Retry-After", v, sizeof v))
		io->retry_after = atof(v);
	else if (header_value(p, len, "X-RateLimit-Global", v, sizeof v))
		io->global = !strcasecmp(v, "true");
	return len;
}

/* Records what an answer said about the limits; for a 429, how long to
 * wait (ms) before trying again. */
static int64_t learn(discord_rest_t *r, const char *key, long status, call_io_t *io, int64_t now)
{
	pthread_mutex_lock(&r->mu);
	route_state_t *s = route_slot(r, key);
	s->used_ms = now;
	if (io->bucket[0])
		memcpy(s->bucket, io->bucket, sizeof s->bucket);
	if (io->remaining >= 0) {
		s->remaining = io->remaining;
		s->reset_ms = now + (int64_t)((io->reset_after > 0 ? io->reset_after : 1.0) * 1000.0);
	}
	int64_t retry = 0;
	if (status == 429) {
		double ra = io->retry_after >= 0 ? io->retry_after : 1.0;
		bool global = io->global;
		cJSON *j = cJSON_ParseWithLength(io->body.data ? io->body.data : "", io->body.len);
		cJSON *v = cJSON_GetObjectItemCaseSensitive(j, "retry_after");
		if (cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble < 3600)
			ra = v->valuedouble;
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "global")))
			global = true;
		cJSON_Delete(j);
		if (ra > 600)
			ra = 600;
		retry = (int64_t)(ra * 1000.0) + 1;
		if (global)
			r->global_until_ms = now + retry;
		else {
			s->remaining = 0;
			s->reset_ms = now + retry;
		}
	}
	pthread_mutex_unlock(&r->mu);
	return retry;
}

int discord_rest_call(discord_rest_t *r, const char *method, const char *path, const char *body,
		      discord_reply_t *out)
{
	return discord_rest_call_as(r, r->auth, "application/json", method, path, body, out);
}

int discord_rest_call_as(discord_rest_t *r, const char *auth, const char *content_type, const char *method,
			 const char *path, const char *body, discord_reply_t *out)
{
	memset(out, 0, sizeof *out);
	if (atomic_load(&r->stopped)) {
		snprintf(out->err, sizeof out->err, "stopped");
		return -1;
	}
	char key[KEY_MAX];
	discord_route_key(method, path, key, sizeof key);
	size_t ul = strlen(r->base) + strlen(path) + 2;
	char *url = malloc(ul);
	if (!url) {
		snprintf(out->err, sizeof out->err, "out of memory");
		return -1;
	}
	snprintf(url, ul, "%s%s", r->base, path);
	int rc = -1;
	for (int attempt = 0; attempt <= DISCORD_MAX_429; attempt++) {
		int64_t now = mono_ms(), w;
		for (;;) {
			pthread_mutex_lock(&r->mu);
			w = wait_needed(r, key, now);
			if (w == 0) {
				/* Claim the call's place in the global second and its bucket. */
				r->recent[r->recent_at] = now;
				r->recent_at = (r->recent_at + 1) % DISCORD_GLOBAL_PER_S;
				route_state_t *s = route_slot(r, key);
				if (s->remaining > 0)
					s->remaining--;
			}
			pthread_mutex_unlock(&r->mu);
			if (w == 0)
				break;
			out->waited_ms += (int)w;
			if (!nap(r, w)) {
				snprintf(out->err, sizeof out->err, "stopped while waiting for a rate limit");
				free(url);
				return -1;
			}
			now = mono_ms();
		}
		CURL *h = curl_easy_init();
		if (!h) {
			snprintf(out->err, sizeof out->err, "libcurl could not start a call");
			break;
		}
		call_io_t io = {.remaining = -1, .reset_after = -1, .retry_after = -1};
		struct curl_slist *hd = NULL;
		char ct[96];
		snprintf(ct, sizeof ct, "Content-Type: %s", content_type);
		if (auth)
			hd = curl_slist_append(hd, auth);
		hd = curl_slist_append(hd, "User-Agent: DiscordBot (https://github.com/pinwheel-fates, 1)");
		if (body)
			hd = curl_slist_append(hd, ct);
		curl_easy_setopt(h, CURLOPT_URL, url);
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, hd);
		if (body)
			curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
		curl_easy_setopt(h, CURLOPT_WRITEDATA, &io);
		curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
		curl_easy_setopt(h, CURLOPT_HEADERDATA, &io);
		curl_easy_setopt(h, CURLOPT_TIMEOUT, (long)DISCORD_TIMEOUT_S);
		curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 5L);
		curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
		CURLcode cc = curl_easy_perform(h);
		long status = 0;
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
		curl_slist_free_all(hd);
		curl_easy_cleanup(h);
		if (cc != CURLE_OK) {
			snprintf(out->err, sizeof out->err, "%s", io.too_big ? "the answer was too large"
									    : curl_easy_strerror(cc));
			buf_free(&io.body);
			break;
		}
		int64_t retry = learn(r, key, status, &io, mono_ms());
		out->status = status;
		free(out->body);
		out->body = io.body.data ? io.body.data : strdup("");
		rc = 0;
		if (status >= 200 && status < 300)
			if (auth == r->auth) /* the bot token works (not a user's OAuth2 call) */
				atomic_store(&r->connected, true);
		if (status != 429)
			break;
		out->limited++;
		(void)retry; /* waited for at the top of the next attempt */
	}
	free(url);
	return rc;
}
