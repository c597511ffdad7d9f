/*
 * discord_outbox.c — the sender thread (see discord_outbox.h).
 */
#include "server/discord/discord_outbox.h"

#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/league/store.h"
#include "core/league/store_discord.h"

struct discord_sender {
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop, woken, active;
	pw_store_t *store;
	discord_rest_t *rest;
	const pw_log_t *log;
};

/* Waits until woken, stopped or ms pass; false when stopping. */
static bool sleep_for(discord_sender_t *s, int64_t ms)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&s->mu);
	while (!s->stop && !s->woken)
		if (pthread_cond_timedwait(&s->cv, &s->mu, &ts) != 0)
			break;
	s->woken = false;
	bool go = !s->stop;
	pthread_mutex_unlock(&s->mu);
	return go;
}

static bool active(discord_sender_t *s)
{
	pthread_mutex_lock(&s->mu);
	bool a = s->active;
	pthread_mutex_unlock(&s->mu);
	return a;
}

static bool stopping(discord_sender_t *s)
{
	pthread_mutex_lock(&s->mu);
	bool st = s->stop;
	pthread_mutex_unlock(&s->mu);
	return st;
}

/* A message creation's body with the row's nonce (caller frees), or a
 * copy of body for any other call. */
static char *with_nonce(const pw_outbox_row_t *row)
{
	size_t n = strlen(row->path);
	bool creates = !strcmp(row->method, "POST") && n > 9 && !strcmp(row->path + n - 9, "/messages") &&
		       !strncmp(row->path, "/channels/", 10);
	if (!row->body)
		return NULL;
	cJSON *j = creates ? cJSON_Parse(row->body) : NULL;
	if (!cJSON_IsObject(j)) {
		cJSON_Delete(j);
		return strdup(row->body);
	}
	char nonce[32];
	snprintf(nonce, sizeof nonce, "pw%lld", (long long)row->id);
	cJSON_DeleteItemFromObject(j, "nonce");
	cJSON_AddStringToObject(j, "nonce", nonce);
	cJSON_AddBoolToObject(j, "enforce_nonce", true);
	char *t = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	return t;
}

/* What a call's answer means for its row (marked sent, given up, or tried
 * again): the back-off to wait before the next try (ms). Frees rep's body. */
static int64_t after_call(discord_sender_t *s, pw_outbox_row_t *row, int rc, discord_reply_t *rep_in)
{
	discord_reply_t rep = *rep_in;
	int64_t now = (int64_t)time(NULL);
	int64_t backoff = 0;
	if (rc == 0 && rep.status >= 200 && rep.status < 300) {
		if (store_outbox_done(s->store, row->id, (int)rep.status, NULL, now) < 0)
			log_event(s->log, PW_LOG_ERROR, "discord.outbox", "id=%lld sent but not marked: %s",
				  (long long)row->id, store_errmsg(s->store));
		log_event(s->log, PW_LOG_DEBUG, "discord.sent", "id=%lld %s %s status=%ld waited_ms=%d",
			  (long long)row->id, row->method, row->path, rep.status, rep.waited_ms);
	} else if (rc == 0 && rep.status >= 400 && rep.status < 500 && rep.status != 429) {
		char why[300];
		snprintf(why, sizeof why, "Discord answered %ld: %.200s", rep.status, rep.body ? rep.body : "");
		store_outbox_done(s->store, row->id, (int)rep.status, why, now);
		log_event(s->log, PW_LOG_WARN, "discord.refused", "id=%lld %s %s: %s", (long long)row->id,
			  row->method, row->path, why);
	} else if (!stopping(s)) {
		char why[300];
		if (rc == 0)
			snprintf(why, sizeof why, "Discord answered %ld", rep.status);
		else
			snprintf(why, sizeof why, "%s", rep.err);
		if (row->attempts + 1 >= DISCORD_OUTBOX_TRIES) {
			store_outbox_done(s->store, row->id, 0, why, now);
			log_event(s->log, PW_LOG_ERROR, "discord.gave_up", "id=%lld %s %s after %d tries: %s",
				  (long long)row->id, row->method, row->path, DISCORD_OUTBOX_TRIES, why);
		} else {
			store_outbox_failed_try(s->store, row->id, why);
			backoff = 1000LL << (row->attempts < 6 ? row->attempts : 6);
			log_event(s->log, PW_LOG_WARN, "discord.retry", "id=%lld %s %s: %s; again in %lld ms",
				  (long long)row->id, row->method, row->path, why, (long long)backoff);
		}
	}
	free(rep.body);
	return backoff;
}


/* A "DM" row: opens (or finds: Discord answers the same channel) the DM
 * channel with the user its path names, and makes the row a message
 * creation there. 0, or the failed call's reply in rep. */
static int open_dm(discord_sender_t *s, pw_outbox_row_t *row, discord_reply_t *rep)
{
	char body[96];
	snprintf(body, sizeof body, "{\"recipient_id\":\"%.30s\"}", row->path);
	int rc = discord_rest_call(s->rest, "POST", "/users/@me/channels", body, rep);
	if (rc < 0 || rep->status < 200 || rep->status >= 300)
		return -1;
	cJSON *j = cJSON_Parse(rep->body);
	const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "id"));
	if (id && strlen(id) < 40) {
		snprintf(row->path, sizeof row->path, "/channels/%s/messages", id);
		snprintf(row->method, sizeof row->method, "POST");
	} else {
		rep->status = 502; /* an answer without a channel: try again later */
		rc = -1;
	}
	cJSON_Delete(j);
	free(rep->body);
	rep->body = NULL;
	return rc < 0 ? -1 : 0;
}

/* Makes one call; the back-off to wait before the next try (ms), 0 when
 * the row is done. */
static int64_t send_one(discord_sender_t *s, pw_outbox_row_t *row)
{
	if (!strcmp(row->method, "DM")) {
		discord_reply_t rep;
		if (open_dm(s, row, &rep) < 0)
			return after_call(s, row, rep.status ? 0 : -1, &rep);
		free(rep.body);
	}
	char *body = with_nonce(row);
	discord_reply_t rep;
	int rc = discord_rest_call(s->rest, row->method, row->path, body, &rep);
	free(body);
	return after_call(s, row, rc, &rep);
}

static void *run(void *ud)
{
	discord_sender_t *s = ud;
	/* The token first: /health says "connected" once Discord answered. */
	while (!stopping(s)) {
		discord_reply_t rep;
		int rc = discord_rest_call(s->rest, "GET", "/users/@me", NULL, &rep);
		free(rep.body);
		if (rc == 0 && rep.status == 200) {
			log_event(s->log, PW_LOG_INFO, "discord.connected", "the bot token works");
			break;
		}
		log_event(s->log, PW_LOG_WARN, "discord.not_connected", "GET /users/@me: %s",
			  rc == 0 ? "Discord refused the bot token" : rep.err);
		if (rc == 0 && (rep.status == 401 || rep.status == 403))
			break; /* the token is wrong: say so once, still drain (each call will say) */
		if (!sleep_for(s, 5000))
			return NULL;
	}
	while (!stopping(s)) {
		if (!active(s)) {
			if (!sleep_for(s, 1000))
				break;
			continue;
		}
		pw_outbox_row_t row;
		int r = store_outbox_next(s->store, &row);
		if (r < 0) {
			log_event(s->log, PW_LOG_ERROR, "discord.outbox", "%s", store_errmsg(s->store));
			if (!sleep_for(s, 1000))
				break;
			continue;
		}
		if (r == 0) {
			if (!sleep_for(s, 1000))
				break;
			continue;
		}
		int64_t backoff = send_one(s, &row);
		free(row.body);
		if (backoff && !sleep_for(s, backoff))
			break;
	}
	return NULL;
}

int discord_sender_start(discord_sender_t **out, const char *db_path, discord_rest_t *rest,
			 const pw_log_t *log, char *err, size_t errlen)
{
	discord_sender_t *s = calloc(1, sizeof *s);
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	s->store = store_open(db_path, err, errlen);
	if (!s->store) {
		free(s);
		return -1;
	}
	s->rest = rest;
	s->log = log;
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	if (pthread_create(&s->th, NULL, run, s) != 0) {
		snprintf(err, errlen, "could not start the Discord sender thread");
		store_close(s->store);
		pthread_mutex_destroy(&s->mu);
		pthread_cond_destroy(&s->cv);
		free(s);
		return -1;
	}
	*out = s;
	return 0;
}

void discord_sender_set_active(discord_sender_t *s, bool on)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->mu);
	s->active = on;
	s->woken = true;
	pthread_cond_signal(&s->cv);
	pthread_mutex_unlock(&s->mu);
}

void discord_sender_wake(discord_sender_t *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->mu);
	s->woken = true;
	pthread_cond_signal(&s->cv);
	pthread_mutex_unlock(&s->mu);
}

void discord_sender_stop(discord_sender_t *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->mu);
	s->stop = true;
	pthread_cond_signal(&s->cv);
	pthread_mutex_unlock(&s->mu);
	discord_rest_stop(s->rest);
	pthread_join(s->th, NULL);
	store_close(s->store);
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->cv);
	free(s);
}
