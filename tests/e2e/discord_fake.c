/*
 * discord_fake.c — a fake Discord REST API and a signing key for tests
 * (see discord_fake.h). One thread, one connection at a time, each answer
 * closes its connection: all the bot needs, and easy to reason about.
 */
#include "tests/e2e/discord_fake.h"

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_REQ 4096
#define MAX_MSG 2048
#define MAX_OBJ 64

typedef struct req_rec {
	char *line; /* "METHOD path\nbody" */
	int64_t at;
} req_rec_t;

typedef struct msg_rec {
	char channel[32];
	char nonce[40];
	char *body;
} msg_rec_t;

struct discord_fake {
	int fd, port;
	pthread_t th;
	pthread_mutex_t mu;
	volatile bool stop;
	req_rec_t reqs[MAX_REQ];
	int n_reqs;
	msg_rec_t msgs[MAX_MSG];
	int n_msgs;
	/* guild objects made: channels and roles, as JSON arrays */
	cJSON *channels, *roles;
	int next_id;
	char limit_prefix[128];
	int limit_n;
	double limit_retry;
	bool limit_global;
	int fail_status;
	int hold_ms;
	int bucket_remaining;
	double bucket_reset;
};

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads one request: method, path, body (malloc'd). 0 or -1. */
static int read_request(int fd, char *method, size_t mcap, char *path, size_t pcap, char **body)
{
	char buf[1 << 16];
	size_t n = 0;
	char *end = NULL;
	while (!end) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, 5000) <= 0)
			return -1;
		ssize_t r = read(fd, buf + n, sizeof buf - 1 - n);
		if (r <= 0)
			return -1;
		n += (size_t)r;
		buf[n] = 0;
		end = strstr(buf, "\r\n\r\n");
		if (!end && n >= sizeof buf - 1)
			return -1;
	}
	size_t head = (size_t)(end - buf) + 4;
	size_t clen = 0;
	const char *cl = strcasestr(buf, "\r\ncontent-length:");
	if (cl && cl < end)
		clen = (size_t)strtoul(cl + 17, NULL, 10);
	if (clen > sizeof buf - head - 1)
		return -1;
	while (n < head + clen) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, 5000) <= 0)
			return -1;
		ssize_t r = read(fd, buf + n, head + clen - n);
		if (r <= 0)
			return -1;
		n += (size_t)r;
	}
	if (sscanf(buf, "%15s %1023s", method, path) != 2)
		return -1;
	(void)mcap;
	(void)pcap;
	*body = strndup(buf + head, clen);
	return 0;
}

static void respond(int fd, int status, const char *extra_headers, const char *body)
{
	char head[1024];
	size_t bl = body ? strlen(body) : 0;
	int hl = snprintf(head, sizeof head,
			  "HTTP/1.1 %d X\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
			  "Connection: close\r\n%s\r\n",
			  status, bl, extra_headers ? extra_headers : "");
	/* The bot may be gone (a test killed it): no SIGPIPE for the test. */
	if (send(fd, head, (size_t)hl, MSG_NOSIGNAL) < 0)
		return;
	if (bl && send(fd, body, bl, MSG_NOSIGNAL) < 0)
		return;
}

static bool starts(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

/* Answers one request under the lock (except holding, done after). */
static void serve(discord_fake_t *f, int fd)
{
	char method[16], path[1024], *body = NULL;
	if (read_request(fd, method, sizeof method, path, sizeof path, &body) < 0) {
		free(body);
		return;
	}
	/* Paths arrive under /api/v10, as the bot's base says. */
	const char *p = starts(path, "/api/v10") ? path + 8 : path;
	char line[1200];
	snprintf(line, sizeof line, "%s %s", method, p);
	pthread_mutex_lock(&f->mu);
	if (f->n_reqs < MAX_REQ) {
		size_t ln = strlen(line) + strlen(body) + 2;
		char *rec = malloc(ln);
		snprintf(rec, ln, "%s\n%s", line, body);
		f->reqs[f->n_reqs].line = rec;
		f->reqs[f->n_reqs].at = mono_ms();
		f->n_reqs++;
	}
	char hdr[512];
	snprintf(hdr, sizeof hdr,
		 "X-RateLimit-Limit: 5\r\nX-RateLimit-Remaining: %d\r\nX-RateLimit-Reset-After: %.3f\r\n"
		 "X-RateLimit-Bucket: b-%s\r\n",
		 f->bucket_remaining, f->bucket_reset, method);
	if (f->fail_status) {
		int st = f->fail_status;
		pthread_mutex_unlock(&f->mu);
		respond(fd, st, hdr, "{\"message\":\"unavailable\"}");
		free(body);
		return;
	}
	if (f->limit_n > 0 && starts(line, f->limit_prefix)) {
		f->limit_n--;
		char b[160], h[700];
		snprintf(b, sizeof b, "{\"message\":\"You are being rate limited.\",\"retry_after\":%.3f,\"global\":%s}",
			 f->limit_retry, f->limit_global ? "true" : "false");
		snprintf(h, sizeof h, "%sRetry-After: %d\r\n%s", hdr, (int)f->limit_retry + 1,
			 f->limit_global ? "X-RateLimit-Global: true\r\n" : "");
		pthread_mutex_unlock(&f->mu);
		respond(fd, 429, h, b);
		free(body);
		return;
	}
	char out[4096] = "{}";
	int status = 200;
	int hold = 0;
	char chan[32];
	if (!strcmp(method, "GET") && !strcmp(p, "/users/@me")) {
		snprintf(out, sizeof out, "{\"id\":\"4242\",\"username\":\"%s\"}",
			 strstr(body, "") ? "pinwheel-bot" : "x");
	} else if (!strcmp(method, "POST") && sscanf(p, "/channels/%31[0-9]/messages", chan) == 1) {
		cJSON *j = cJSON_Parse(body);
		const char *nonce = cJSON_GetStringValue(cJSON_GetObjectItem(j, "nonce"));
		bool enforce = cJSON_IsTrue(cJSON_GetObjectItem(j, "enforce_nonce"));
		int found = -1;
		for (int i = 0; enforce && nonce && i < f->n_msgs; i++)
			if (!strcmp(f->msgs[i].channel, chan) && !strcmp(f->msgs[i].nonce, nonce))
				found = i;
		if (found < 0 && f->n_msgs < MAX_MSG) {
			msg_rec_t *m = &f->msgs[f->n_msgs];
			snprintf(m->channel, sizeof m->channel, "%s", chan);
			snprintf(m->nonce, sizeof m->nonce, "%s", nonce ? nonce : "");
			m->body = strdup(body);
			found = f->n_msgs++;
		}
		snprintf(out, sizeof out, "{\"id\":\"%d\",\"channel_id\":\"%s\"}", 900000 + found, chan);
		hold = f->hold_ms;
		cJSON_Delete(j);
	} else if (!strcmp(method, "PATCH") && starts(p, "/webhooks/")) {
		snprintf(out, sizeof out, "{\"id\":\"800000\"}");
	} else if (!strcmp(method, "PUT") && starts(p, "/applications/")) {
		snprintf(out, sizeof out, "%s", body[0] ? body : "[]");
	} else if (!strcmp(method, "GET") && starts(p, "/guilds/") && !strchr(p + 8, '/')) {
		snprintf(out, sizeof out, "{\"id\":\"%s\",\"name\":\"League\",\"owner_id\":\"9999\"}", p + 8);
	} else if (!strcmp(method, "POST") && !strcmp(p, "/users/@me/channels")) {
		snprintf(out, sizeof out, "{\"id\":\"%d\",\"type\":1}", 60000 + ++f->next_id);
	} else if (starts(p, "/guilds/") && (strstr(p, "/channels") || strstr(p, "/roles"))) {
		cJSON *list = strstr(p, "/channels") ? f->channels : f->roles;
		if (!strcmp(method, "GET")) {
			char *t = cJSON_PrintUnformatted(list);
			snprintf(out, sizeof out, "%s", t);
			free(t);
		} else {
			cJSON *o = cJSON_Parse(body);
			if (!o)
				o = cJSON_CreateObject();
			char id[32];
			snprintf(id, sizeof id, "%d", ++f->next_id);
			cJSON_AddStringToObject(o, "id", id);
			cJSON_AddItemToArray(list, cJSON_Duplicate(o, 1));
			char *t = cJSON_PrintUnformatted(o);
			snprintf(out, sizeof out, "%s", t);
			free(t);
			cJSON_Delete(o);
			status = 201;
		}
	} else if (!strcmp(method, "PUT") && (strstr(p, "/permissions/") || strstr(p, "/members/"))) {
		status = 204;
		out[0] = 0;
	} else if (!strcmp(method, "POST") && !strcmp(p, "/oauth2/token")) {
		if (strstr(body, "code=good-code") && strstr(body, "code_verifier="))
			snprintf(out, sizeof out, "{\"access_token\":\"user-access\",\"token_type\":\"Bearer\","
						  "\"expires_in\":604800,\"scope\":\"identify\"}");
		else {
			status = 400;
			snprintf(out, sizeof out, "{\"error\":\"invalid_grant\"}");
		}
	} else {
		status = 404;
		snprintf(out, sizeof out, "{\"message\":\"Unknown route\",\"code\":0}");
	}
	pthread_mutex_unlock(&f->mu);
	if (hold)
		usleep((useconds_t)hold * 1000);
	respond(fd, status, hdr, out);
	free(body);
}

static void *run(void *ud)
{
	discord_fake_t *f = ud;
	while (!f->stop) {
		struct pollfd p = {.fd = f->fd, .events = POLLIN};
		if (poll(&p, 1, 100) <= 0)
			continue;
		int c = accept(f->fd, NULL, NULL);
		if (c < 0)
			continue;
		serve(f, c);
		close(c);
	}
	return NULL;
}

discord_fake_t *dfake_start(void)
{
	discord_fake_t *f = calloc(1, sizeof *f);
	f->fd = socket(AF_INET, SOCK_STREAM, 0);
	int one = 1;
	setsockopt(f->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof a;
	if (bind(f->fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(f->fd, 64) < 0 ||
	    getsockname(f->fd, (struct sockaddr *)&a, &al) < 0) {
		close(f->fd);
		free(f);
		return NULL;
	}
	f->port = ntohs(a.sin_port);
	f->channels = cJSON_CreateArray();
	f->roles = cJSON_CreateArray();
	f->next_id = 7000;
	f->bucket_remaining = 5;
	f->bucket_reset = 1.0;
	pthread_mutex_init(&f->mu, NULL);
	pthread_create(&f->th, NULL, run, f);
	return f;
}

void dfake_stop(discord_fake_t *f)
{
	if (!f)
		return;
	f->stop = true;
	pthread_join(f->th, NULL);
	close(f->fd);
	for (int i = 0; i < f->n_reqs; i++)
		free(f->reqs[i].line);
	for (int i = 0; i < f->n_msgs; i++)
		free(f->msgs[i].body);
	cJSON_Delete(f->channels);
	cJSON_Delete(f->roles);
	pthread_mutex_destroy(&f->mu);
	free(f);
}

int dfake_port(discord_fake_t *f)
{
	return f->port;
}

void dfake_base(discord_fake_t *f, char *out, size_t cap)
{
	snprintf(out, cap, "http://127.0.0.1:%d/api/v10", f->port);
}

void dfake_limit(discord_fake_t *f, const char *prefix, int n, double retry_after, bool global)
{
	pthread_mutex_lock(&f->mu);
	snprintf(f->limit_prefix, sizeof f->limit_prefix, "%s", prefix);
	f->limit_n = n;
	f->limit_retry = retry_after;
	f->limit_global = global;
	pthread_mutex_unlock(&f->mu);
}

void dfake_fail_all(discord_fake_t *f, int status)
{
	pthread_mutex_lock(&f->mu);
	f->fail_status = status;
	pthread_mutex_unlock(&f->mu);
}

void dfake_hold_ms(discord_fake_t *f, int ms)
{
	pthread_mutex_lock(&f->mu);
	f->hold_ms = ms;
	pthread_mutex_unlock(&f->mu);
}

void dfake_bucket(discord_fake_t *f, int remaining, double reset_after)
{
	pthread_mutex_lock(&f->mu);
	f->bucket_remaining = remaining;
	f->bucket_reset = reset_after;
	pthread_mutex_unlock(&f->mu);
}

int dfake_count(discord_fake_t *f)
{
	pthread_mutex_lock(&f->mu);
	int n = f->n_reqs;
	pthread_mutex_unlock(&f->mu);
	return n;
}

char *dfake_request(discord_fake_t *f, int i, int64_t *at_ms)
{
	pthread_mutex_lock(&f->mu);
	char *r = i >= 0 && i < f->n_reqs ? strdup(f->reqs[i].line) : NULL;
	if (r && at_ms)
		*at_ms = f->reqs[i].at;
	pthread_mutex_unlock(&f->mu);
	return r;
}

int dfake_count_prefix(discord_fake_t *f, const char *prefix)
{
	pthread_mutex_lock(&f->mu);
	int n = 0;
	for (int i = 0; i < f->n_reqs; i++)
		n += starts(f->reqs[i].line, prefix);
	pthread_mutex_unlock(&f->mu);
	return n;
}

int dfake_messages(discord_fake_t *f)
{
	pthread_mutex_lock(&f->mu);
	int n = f->n_msgs;
	pthread_mutex_unlock(&f->mu);
	return n;
}

char *dfake_message(discord_fake_t *f, int i, char *channel, size_t cap)
{
	pthread_mutex_lock(&f->mu);
	char *r = NULL;
	if (i >= 0 && i < f->n_msgs) {
		r = strdup(f->msgs[i].body);
		if (channel)
			snprintf(channel, cap, "%s", f->msgs[i].channel);
	}
	pthread_mutex_unlock(&f->mu);
	return r;
}

bool dfake_wait(discord_fake_t *f, const char *prefix, int n, int ms)
{
	int64_t end = mono_ms() + ms;
	while (mono_ms() < end) {
		if (dfake_count_prefix(f, prefix) >= n)
			return true;
		usleep(20000);
	}
	return dfake_count_prefix(f, prefix) >= n;
}

char *dfake_last_body(discord_fake_t *f, const char *prefix)
{
	pthread_mutex_lock(&f->mu);
	char *r = NULL;
	for (int i = f->n_reqs - 1; i >= 0 && !r; i--)
		if (starts(f->reqs[i].line, prefix)) {
			const char *nl = strchr(f->reqs[i].line, '\n');
			r = strdup(nl ? nl + 1 : "");
		}
	pthread_mutex_unlock(&f->mu);
	return r;
}

/* ---- the application's key pair --------------------------------------------- */

struct dfake_key {
	EVP_PKEY *pk;
};

dfake_key_t *dfake_key_new(char pub_hex[65])
{
	dfake_key_t *k = calloc(1, sizeof *k);
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, NULL);
	if (!ctx || EVP_PKEY_keygen_init(ctx) != 1 || EVP_PKEY_keygen(ctx, &k->pk) != 1) {
		EVP_PKEY_CTX_free(ctx);
		free(k);
		return NULL;
	}
	EVP_PKEY_CTX_free(ctx);
	unsigned char raw[32];
	size_t len = sizeof raw;
	EVP_PKEY_get_raw_public_key(k->pk, raw, &len);
	for (size_t i = 0; i < 32; i++)
		snprintf(pub_hex + 2 * i, 3, "%02x", raw[i]);
	return k;
}

void dfake_key_free(dfake_key_t *k)
{
	if (!k)
		return;
	EVP_PKEY_free(k->pk);
	free(k);
}

void dfake_sign(dfake_key_t *k, const char *ts, const char *body, char sig_hex[129])
{
	size_t tl = strlen(ts), bl = strlen(body);
	unsigned char *msg = malloc(tl + bl + 1);
	memcpy(msg, ts, tl);
	memcpy(msg + tl, body, bl);
	unsigned char sig[64];
	size_t sl = sizeof sig;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	EVP_DigestSignInit(md, NULL, NULL, NULL, k->pk);
	EVP_DigestSign(md, sig, &sl, msg, tl + bl);
	EVP_MD_CTX_free(md);
	free(msg);
	for (size_t i = 0; i < 64; i++)
		snprintf(sig_hex + 2 * i, 3, "%02x", sig[i]);
}
