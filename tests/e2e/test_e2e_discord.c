/*
 * test_e2e_discord.c — the Discord bot end to end: the real server with
 * DISCORD_* settings pointing at a fake Discord on loopback (discord_fake.h),
 * interactions signed with a test key pair.
 */
#include <cjson/cJSON.h>
#include <openssl/evp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "server/discord/discord_rest.h"
#include "tests/e2e/discord_fake.h"
#include "tests/e2e/e2e.h"
#include "tests/dbtest.h"
#include "tests/test.h"

#define APP_ID "555000111"
#define GUILD_ID "777000222"

typedef struct bot {
	discord_fake_t *fake;
	dfake_key_t *key;
	char pub[65];
	char env[8][640];
	const char *envp[9];
	e2e_server_t s;
} bot_t;

/* Starts the fake and the server with the bot on. extra: more settings
 * ("A=1;B=2") or NULL. */
static int bot_start(bot_t *b, const char *extra)
{
	memset(b, 0, sizeof *b);
	b->fake = dfake_start();
	b->key = dfake_key_new(b->pub);
	if (!b->fake || !b->key)
		return -1;
	char base[128];
	dfake_base(b->fake, base, sizeof base);
	int n = 0;
	snprintf(b->env[n++], sizeof b->env[0], "DISCORD_APPLICATION_ID=%s", APP_ID);
	snprintf(b->env[n++], sizeof b->env[0], "DISCORD_PUBLIC_KEY=%s", b->pub);
	snprintf(b->env[n++], sizeof b->env[0], "DISCORD_BOT_TOKEN=test-bot-token");
	snprintf(b->env[n++], sizeof b->env[0], "DISCORD_GUILD_ID=%s", GUILD_ID);
	snprintf(b->env[n++], sizeof b->env[0], "DISCORD_API_BASE=%s", base);
	snprintf(b->env[n++], sizeof b->env[0], "PINWHEEL_PRESENTATION_MODE=instant");
	for (const char *e = extra; e && *e && n < 8;) {
		size_t len = strcspn(e, ";");
		snprintf(b->env[n++], sizeof b->env[0], "%.*s", (int)len, e);
		e += len + (e[len] == ';');
	}
	for (int i = 0; i < n; i++)
		b->envp[i] = b->env[i];
	b->envp[n] = NULL;
	return e2e_start(&b->s, b->envp, NULL);
}

static void bot_stop(bot_t *b)
{
	/* A clean exit: the sender thread stops, nothing leaks (sanitizers). */
	int st = e2e_stop(&b->s, SIGTERM, 10000);
	CHECK_EQ(st, 0);
	if (st != 0) {
		char *log = e2e_log(&b->s);
		fprintf(stderr, "%s\n", log ? log : "");
		free(log);
	}
	dfake_stop(b->fake);
	dfake_key_free(b->key);
}

/* POSTs body to /discord/interactions signed at ts (0: now); the answer's
 * JSON (caller frees) and status. */
static cJSON *ix_post(bot_t *b, const char *body, long ts, long *status)
{
	char tss[32], sig[129], h1[160], h2[64];
	snprintf(tss, sizeof tss, "%ld", ts ? ts : (long)time(NULL));
	dfake_sign(b->key, tss, body, sig);
	snprintf(h1, sizeof h1, "X-Signature-Ed25519: %s", sig);
	snprintf(h2, sizeof h2, "X-Signature-Timestamp: %s", tss);
	const char *h[] = {h1, h2, NULL};
	e2e_resp_t r;
	cJSON *j = NULL;
	*status = 0;
	if (e2e_http(&b->s, "POST", "/discord/interactions", body, h, &r) == 0) {
		*status = r.status;
		j = cJSON_Parse(r.body ? r.body : "");
		e2e_resp_free(&r);
	}
	return j;
}

/* An interaction of type from user uid (name), with data (JSON text). */
/* Every interaction Discord sends has an id of its own (a replayed one is
 * refused). */
static int next_ix_id = 1000;

static cJSON *ix(bot_t *b, int type, const char *uid, const char *name, const char *data, bool admin)
{
	size_t cap = strlen(data) + 1024;
	char *body = malloc(cap);
	snprintf(body, cap,
		 "{\"type\":%d,\"id\":\"%d\",\"application_id\":\"%s\",\"token\":\"tok-%s-%d\",\"guild_id\":\"%s\","
		 "\"channel_id\":\"3100\",\"member\":{\"permissions\":\"%s\",\"user\":{\"id\":\"%s\",\"username\":\"%s\"}},"
		 "\"data\":%s}",
		 type, ++next_ix_id, APP_ID, uid, rand() % 100000, GUILD_ID, admin ? "8" : "0", uid, name, data);
	long st;
	cJSON *j = ix_post(b, body, 0, &st);
	CHECK_MSG(st == 200, "interaction answered %ld: %.300s", st, body);
	free(body);
	return j;
}

static int ix_type(const cJSON *j)
{
	return (int)cJSON_GetNumberValue(cJSON_GetObjectItem(j, "type"));
}

static const char *ix_content(const cJSON *j)
{
	const char *c = cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "data"), "content"));
	return c ? c : "";
}

static bool ix_ephemeral(const cJSON *j)
{
	return (int)cJSON_GetNumberValue(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "data"), "flags")) == 64;
}

/* A slash command's answer. */
static cJSON *cmd(bot_t *b, const char *uid, const char *name, const char *command, const char *options)
{
	char data[2048];
	snprintf(data, sizeof data, "{\"name\":\"%s\",\"type\":1,\"options\":%s}", command, options ? options : "[]");
	return ix(b, 2, uid, name, data, false);
}

/* A button press's answer. */
static cJSON *press(bot_t *b, const char *uid, const char *name, const char *custom_id)
{
	char data[256];
	snprintf(data, sizeof data, "{\"custom_id\":\"%s\",\"component_type\":2}", custom_id);
	return ix(b, 3, uid, name, data, false);
}

/* A string field of the server's /health (caller frees; "" if absent). */
static char *health_field(e2e_server_t *s, const char *name)
{
	long st;
	cJSON *j = e2e_call(s, "GET", "/health", NULL, NULL, &st);
	char *v = strdup(cJSON_GetStringValue(cJSON_GetObjectItem(j, name)) ?: "");
	cJSON_Delete(j);
	return v;
}

TEST(e2e_discord_ping_and_signatures)
{
	bot_t b;
	CHECK_EQ(bot_start(&b, NULL), 0);
	long st;
	const char *ping = "{\"type\":1,\"id\":\"1\",\"application_id\":\"" APP_ID "\"}";
	cJSON *j = ix_post(&b, ping, 0, &st);
	CHECK_EQ(st, 200);
	CHECK_EQ(ix_type(j), 1); /* PONG */
	cJSON_Delete(j);

	/* Autocomplete: no choices offered, but a valid answer. */
	j = ix_post(&b, "{\"type\":4,\"id\":\"2\",\"token\":\"t\",\"data\":{\"name\":\"vote\"},\"user\":{\"id\":\"12\"}}",
		    0, &st);
	CHECK_EQ(st, 200);
	CHECK_EQ(ix_type(j), 8);
	cJSON_Delete(j);

	/* The same signed PING again (a copy replayed within the signature's
	 * window): refused; without an id: refused. */
	j = ix_post(&b, ping, 0, &st);
	CHECK_EQ(st, 401);
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "error"), "code")),
		  "replayed_interaction");
	cJSON_Delete(j);
	/* A server that never saw it (here: this one restarted, its memory
	 * gone; as well another server on the same database) refuses it too:
	 * the claim is in the store. */
	CHECK_EQ(e2e_stop(&b.s, SIGTERM, 10000), 0);
	CHECK_EQ(e2e_restart(&b.s, b.envp), 0);
	j = ix_post(&b, ping, 0, &st);
	CHECK_EQ(st, 401);
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "error"), "code")),
		  "replayed_interaction");
	cJSON_Delete(j);
	j = ix_post(&b, "{\"type\":1,\"application_id\":\"" APP_ID "\"}", 0, &st);
	CHECK_EQ(st, 400);
	cJSON_Delete(j);

	/* No signature at all, a signature of another body, a stale one, one in
	 * the future, garbage: 401 each, with a sentence. */
	e2e_resp_t r;
	CHECK_EQ(e2e_http(&b.s, "POST", "/discord/interactions", ping, NULL, &r), 0);
	CHECK_EQ(r.status, 401);
	CHECK_CONTAINS(r.body, "invalid_signature");
	e2e_resp_free(&r);
	char tss[32], sig[129], h1[160], h2[64];
	snprintf(tss, sizeof tss, "%ld", (long)time(NULL));
	dfake_sign(b.key, tss, "{\"type\":1}", sig);
	snprintf(h1, sizeof h1, "X-Signature-Ed25519: %s", sig);
	snprintf(h2, sizeof h2, "X-Signature-Timestamp: %s", tss);
	const char *h[] = {h1, h2, NULL};
	CHECK_EQ(e2e_http(&b.s, "POST", "/discord/interactions", ping, h, &r), 0);
	CHECK_EQ(r.status, 401);
	e2e_resp_free(&r);
	const char *bad_sig[] = {"X-Signature-Ed25519: zz", h2, NULL};
	CHECK_EQ(e2e_http(&b.s, "POST", "/discord/interactions", ping, bad_sig, &r), 0);
	CHECK_EQ(r.status, 401);
	e2e_resp_free(&r);
	const char *only_ts[] = {h2, NULL};
	CHECK_EQ(e2e_http(&b.s, "POST", "/discord/interactions", ping, only_ts, &r), 0);
	CHECK_EQ(r.status, 401);
	e2e_resp_free(&r);
	j = ix_post(&b, ping, (long)time(NULL) - 3600, &st);
	CHECK_EQ(st, 401);
	cJSON_Delete(j);
	j = ix_post(&b, ping, (long)time(NULL) + 3600, &st);
	CHECK_EQ(st, 401);
	cJSON_Delete(j);
	/* Signed but hostile: not JSON, wrong types, no user. 400, nothing changed. */
	const char *hostile[] = {"not json", "[1,2]", "{\"type\":\"1\"}", "{\"type\":99}",
				 "{\"type\":2,\"token\":\"t\",\"data\":{\"name\":\"join\"}}",
				 "{\"type\":2,\"token\":\"t\",\"data\":{},\"user\":{\"id\":\"12\"}}",
				 "{\"type\":3,\"token\":\"t\",\"data\":{\"custom_id\":5},\"user\":{\"id\":\"12\"}}",
				 "{\"type\":2,\"token\":\"t\",\"data\":{\"name\":\"join\"},\"user\":{\"id\":\"1x\"}}"};
	for (size_t i = 0; i < sizeof hostile / sizeof hostile[0]; i++) {
		j = ix_post(&b, hostile[i], 0, &st);
		CHECK_MSG(st == 400, "%s answered %ld", hostile[i], st);
		cJSON_Delete(j);
	}
	/* The server keeps serving; "discord" is the contract's "connected",
	 * and "discord_api" says "ok" once the fake accepted the token. */
	char *hd = health_field(&b.s, "discord");
	CHECK_STR(hd, "connected");
	free(hd);
	hd = NULL;
	for (int i = 0; i < 100; i++) {
		free(hd);
		hd = health_field(&b.s, "discord_api");
		if (!strcmp(hd, "ok"))
			break;
		usleep(50000);
	}
	CHECK_STR(hd, "ok");
	free(hd);
	CHECK(dfake_count_prefix(b.fake, "GET /users/@me") >= 1);
	bot_stop(&b);
}

/* Discord configured but not answering: /health keeps the contract's
 * "connected" (interactions are served, announcements wait in the
 * outbox), "discord_api" says "waiting", and the server stays healthy. */
TEST(e2e_discord_unreachable_is_waiting_not_down)
{
	bot_t b;
	CHECK_EQ(bot_start(&b, NULL), 0);
	CHECK(dfake_wait(b.fake, "GET /users/@me", 1, 5000));
	CHECK_EQ(e2e_stop(&b.s, SIGTERM, 10000), 0);
	/* The same settings, Discord's address now a closed loopback port. */
	for (int i = 0; b.envp[i]; i++)
		if (!strncmp(b.envp[i], "DISCORD_API_BASE=", 17))
			snprintf(b.env[i], sizeof b.env[0], "DISCORD_API_BASE=http://127.0.0.1:1");
	CHECK_EQ(e2e_start(&b.s, b.envp, NULL), 0);
	CHECK_EQ(dfake_count_prefix(b.fake, "GET /users/@me"), 1); /* the fake is not asked */
	long st;
	cJSON *j = e2e_call(&b.s, "GET", "/health", NULL, NULL, &st);
	CHECK_EQ(st, 200);
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(j, "status")), "ok");
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(j, "discord")), "connected");
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(j, "discord_api")), "waiting");
	cJSON_Delete(j);
	usleep(300000); /* the sender has tried by now, and failed */
	char *api = health_field(&b.s, "discord_api");
	CHECK_STR(api, "waiting");
	free(api);
	const char *ping = "{\"type\":1,\"id\":\"1\",\"application_id\":\"" APP_ID "\"}";
	j = ix_post(&b, ping, 0, &st);
	CHECK_EQ(st, 200);
	CHECK_EQ(ix_type(j), 1); /* interactions still answered */
	cJSON_Delete(j);
	bot_stop(&b);
}

TEST(e2e_discord_off_without_settings)
{
	e2e_server_t s;
	CHECK_EQ(e2e_start(&s, NULL, NULL), 0);
	long st;
	cJSON *j = e2e_call(&s, "GET", "/health", NULL, NULL, &st);
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(j, "discord")), "disabled");
	cJSON_Delete(j);
	j = e2e_call(&s, "POST", "/discord/interactions", "{\"type\":1}", NULL, &st);
	CHECK_EQ(st, 404);
	cJSON_Delete(j);
	e2e_stop(&s, SIGTERM, 10000);
	/* Half the settings: the server refuses to start, naming what is missing. */
	const char *half[] = {"DISCORD_BOT_TOKEN=x", NULL};
	CHECK(e2e_start(&s, half, NULL) != 0);
	char *log = e2e_log(&s);
	CHECK_CONTAINS(log, "DISCORD_APPLICATION_ID");
	free(log);
	e2e_stop(&s, SIGKILL, 5000);
}

/* Records the channel `setup` would have made for name (bot_state). */
static void set_channel(bot_t *b, const char *name, const char *id)
{
	char sql[256];
	snprintf(sql, sizeof sql,
		 "INSERT INTO bot_state(key, value) VALUES('discord.channel.%s', '%s') "
		 "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
		 name, id);
	dbt_exec(b->s.db, sql);
}

/* Plays the next tick now and waits until it (and its instant
 * presentation) is done. */
static void tick(bot_t *b)
{
	long st = 0;
	for (int i = 0; i < 100; i++) {
		cJSON_Delete(e2e_call(&b->s, "POST", "/api/pace/advance", NULL, NULL, &st));
		if (st != 409)
			break;
		usleep(100000);
	}
	CHECK_EQ(st, 202);
	for (int i = 0; i < 200; i++) {
		cJSON *j = e2e_call(&b->s, "GET", "/api/pace/status", NULL, NULL, &st);
		bool busy = cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "data"), "tick_in_progress"));
		cJSON_Delete(j);
		if (st == 200 && !busy)
			return;
		usleep(50000);
	}
	CHECK_MSG(false, "the tick did not finish");
}

/* Whether any message the fake got in channel contains text. */
static bool channel_says(bot_t *b, const char *channel, const char *text, int wait_ms)
{
	for (int t = 0; t <= wait_ms; t += 50) {
		for (int i = 0; i < dfake_messages(b->fake); i++) {
			char ch[32];
			char *m = dfake_message(b->fake, i, ch, sizeof ch);
			bool hit = m && !strcmp(ch, channel) && strstr(m, text);
			free(m);
			if (hit)
				return true;
		}
		usleep(50000);
	}
	return false;
}

/*
 * The whole loop from Discord: two people join different teams, one
 * proposes in words (a modal, answered deferred and followed up with the
 * interpretation and Confirm/Revise/Cancel), both vote with the buttons of
 * the proposal's message, the tick tallies, the channel gets the tally and
 * the results, and the web shows the same proposal and votes. Refusals
 * along the way: not enrolled, twice enrolled, not the proposer, closed.
 */
TEST(e2e_discord_two_governors_propose_vote_tally)
{
	bot_t b;
	CHECK_EQ(bot_start(&b, NULL), 0);
	cJSON *j = cmd(&b, "1001", "ada", "tokens", NULL);
	CHECK_CONTAINS(ix_content(j), "not enrolled");
	CHECK(ix_ephemeral(j));
	cJSON_Delete(j);
	j = cmd(&b, "1001", "ada", "propose", "[{\"name\":\"text\",\"type\":3,\"value\":\"three pointers worth 5\"}]");
	CHECK_CONTAINS(ix_content(j), "not enrolled");
	cJSON_Delete(j);
	j = cmd(&b, "1001", "ada", "join", NULL);
	CHECK_CONTAINS(ix_content(j), "which team");
	cJSON_Delete(j);
	j = cmd(&b, "1001", "ada", "join", "[{\"name\":\"team\",\"type\":4,\"value\":1}]");
	CHECK_CONTAINS(ix_content(j), "Welcome, ada");
	cJSON_Delete(j);
	j = cmd(&b, "1001", "ada", "join", "[{\"name\":\"team\",\"type\":4,\"value\":2}]");
	CHECK_CONTAINS(ix_content(j), "Not done");
	cJSON_Delete(j);
	j = cmd(&b, "1002", "bo", "join", "[{\"name\":\"team\",\"type\":4,\"value\":2}]");
	CHECK_CONTAINS(ix_content(j), "Welcome, bo");
	cJSON_Delete(j);
	j = cmd(&b, "1001", "ada", "tokens", NULL);
	CHECK_CONTAINS(ix_content(j), "PROPOSE 2 · AMEND 2 · BOOST 2");
	cJSON_Delete(j);

	/* /propose opens the modal; its submission is checked on the workers. */
	j = cmd(&b, "1001", "ada", "propose", NULL);
	CHECK_EQ(ix_type(j), 9);
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "data"), "custom_id")), "propose");
	cJSON_Delete(j);
	j = ix(&b, 5, "1001", "ada",
	       "{\"custom_id\":\"propose\",\"components\":[{\"type\":1,\"components\":[{\"type\":4,\"custom_id\":\"text\","
	       "\"value\":\"three pointers worth 5\"}]}]}",
	       false);
	CHECK_EQ(ix_type(j), 5); /* deferred: the interpretation follows */
	CHECK(ix_ephemeral(j));
	cJSON_Delete(j);
	CHECK(dfake_wait(b.fake, "PATCH /webhooks/" APP_ID "/tok-1001-", 1, 20000));
	char *fu = dfake_last_body(b.fake, "PATCH /webhooks/" APP_ID "/");
	CHECK_CONTAINS(fu, "Proposal #1");
	CHECK_CONTAINS(fu, "three_point_value");
	CHECK_CONTAINS(fu, "confirm:1");
	CHECK_CONTAINS(fu, "revise:1");
	CHECK_CONTAINS(fu, "cancel:1");
	free(fu);

	/* Only the proposer confirms; then the vote opens in the channel. */
	j = press(&b, "1002", "bo", "confirm:1");
	CHECK_CONTAINS(ix_content(j), "Not done");
	cJSON_Delete(j);
	j = press(&b, "1001", "ada", "confirm:1");
	CHECK_EQ(ix_type(j), 7);
	CHECK_CONTAINS(ix_content(j), "open for voting");
	cJSON_Delete(j);
	CHECK(channel_says(&b, "3100", "vote:1:yes", 5000));

	/* Votes by button: the other governor, a stranger (refused), a boost. */
	j = press(&b, "1002", "bo", "vote:1:yes");
	CHECK_CONTAINS(ix_content(j), "Your vote on proposal #1: yes");
	cJSON_Delete(j);
	j = press(&b, "1003", "cy", "vote:1:no");
	CHECK_CONTAINS(ix_content(j), "not enrolled");
	cJSON_Delete(j);
	j = press(&b, "1001", "ada", "vote:1:boost");
	CHECK_CONTAINS(ix_content(j), "(boosted)");
	cJSON_Delete(j);
	j = press(&b, "1001", "ada", "vote:99:yes");
	CHECK_CONTAINS(ix_content(j), "Not done");
	cJSON_Delete(j);
	j = cmd(&b, "1002", "bo", "proposals", NULL);
	CHECK_CONTAINS(ix_content(j), "#1 (tier 1)");
	cJSON_Delete(j);

	/* The web shows the same proposal and the same votes. */
	long st;
	j = e2e_call(&b.s, "GET", "/api/governance/proposals/1", NULL, NULL, &st);
	CHECK_EQ(st, 200);
	cJSON *d = cJSON_GetObjectItem(j, "data");
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(d, "status")), "open");
	CHECK_EQ(cJSON_GetNumberValue(cJSON_GetObjectItem(cJSON_GetObjectItem(d, "tally"), "votes")), 2);
	CHECK_NEAR(cJSON_GetNumberValue(cJSON_GetObjectItem(cJSON_GetObjectItem(d, "tally"), "yes")), 3.0, 1e-9);
	cJSON_Delete(j);
	e2e_resp_t r;
	CHECK_EQ(e2e_http(&b.s, "GET", "/governance", NULL, NULL, &r), 0);
	CHECK_CONTAINS(r.body, "three pointers worth 5");
	e2e_resp_free(&r);

	/* The tick tallies; the channel gets the tally and the results. */
	set_channel(&b, "play-by-play", "3200");
	set_channel(&b, "big-plays", "3300");
	set_channel(&b, "team-1", "3401");
	tick(&b);
	CHECK(channel_says(&b, "3200", "The Floor Has Spoken", 10000));
	CHECK(channel_says(&b, "3200", "#1 passed", 1000));
	CHECK(channel_says(&b, "3200", "Final, round 1", 5000));
	CHECK(channel_says(&b, "3401", "Final, round 1", 5000)); /* team 1's room: its own game */
	j = e2e_call(&b.s, "GET", "/api/governance/proposals/1", NULL, NULL, &st);
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "data"), "status")), "passed");
	cJSON_Delete(j);
	/* Each governor's private report by DM: a DM channel opened for each,
	 * and a message in it. */
	CHECK(dfake_wait(b.fake, "POST /users/@me/channels", 2, 5000));
	char *dm_open = dfake_last_body(b.fake, "POST /users/@me/channels");
	CHECK(dm_open && (strstr(dm_open, "\"1001\"") || strstr(dm_open, "\"1002\"")));
	free(dm_open);
	bool dm_report = false;
	for (int t = 0; t < 100 && !dm_report; t++) {
		for (int i = 0; i < dfake_messages(b.fake) && !dm_report; i++) {
			char ch[32];
			char *m = dfake_message(b.fake, i, ch, sizeof ch);
			dm_report = m && atoi(ch) > 60000 && strstr(m, "Your private report, round 1");
			free(m);
		}
		usleep(50000);
	}
	CHECK(dm_report);
	j = cmd(&b, "1002", "bo", "reports", NULL);
	CHECK_CONTAINS(ix_content(j), "round 1**");
	cJSON_Delete(j);
	/* A closed proposal takes no vote. */
	j = press(&b, "1002", "bo", "vote:1:no");
	CHECK_CONTAINS(ix_content(j), "Not done");
	cJSON_Delete(j);
	/* Tokens were spent through the same service: PROPOSE 1, BOOST 1 (then +2 each at the tally, capped). */
	j = cmd(&b, "1001", "ada", "profile", NULL);
	CHECK_CONTAINS(ix_content(j), "ada");
	cJSON_Delete(j);
	bot_stop(&b);
}

/* Outbox rows: all, and those not done yet. */
static void outbox_counts(bot_t *b, int *all, int *pending)
{
	*all = (int)dbt_int(b->s.db, "SELECT count(*) FROM discord_outbox", -1);
	*pending = (int)dbt_int(b->s.db, "SELECT count(*) FROM discord_outbox WHERE done_at IS NULL", -1);
}

/* Waits until the outbox holds more than `above` rows, none pending, and
 * no row has been added for `quiet_ms`: a round queues its rows over its
 * replay (a game's result as its replay ends, the round's close last), so
 * a count taken at the first quiet moment can be short of what is sent. */
static bool outbox_settle(bot_t *b, int above, int quiet_ms, int wait_ms, int *all, int *pending)
{
	int last = -1, still = 0;
	for (int t = 0; t <= wait_ms; t += 50) {
		outbox_counts(b, all, pending);
		if (*all == last && *all > above && *pending == 0) {
			if ((still += 50) >= quiet_ms)
				return true;
		} else {
			still = 0;
		}
		last = *all;
		usleep(50000);
	}
	return false;
}

/*
 * Announcements survive Discord being down and the server being killed:
 * queued while every call fails, kept across a kill -9, sent in order once
 * Discord answers — and a message whose creation was made but not yet
 * marked when the server died is not posted twice (its nonce).
 */
TEST(e2e_discord_outbox_survives_kill9_without_duplicates)
{
	bot_t b;
	CHECK_EQ(bot_start(&b, NULL), 0);
	set_channel(&b, "play-by-play", "3200");
	CHECK(dfake_wait(b.fake, "GET /users/@me", 1, 5000));
	dfake_fail_all(b.fake, 503);
	tick(&b);
	int all = 0, pending = 0;
	for (int i = 0; i < 100 && all < 5; i++) {
		outbox_counts(&b, &all, &pending);
		usleep(50000);
	}
	CHECK_MSG(all >= 5, "the tick's results were queued: %d rows", all);
	CHECK_EQ(pending, all);
	CHECK_EQ(dfake_messages(b.fake), 0);
	CHECK_EQ(e2e_stop(&b.s, SIGKILL, 5000), 128 + SIGKILL);

	/* Discord is back but slow: the first creation is recorded, then the
	 * server dies before it hears the answer. */
	dfake_fail_all(b.fake, 0);
	dfake_hold_ms(b.fake, 3000);
	int posts_before = dfake_count_prefix(b.fake, "POST /channels/3200/messages");
	CHECK_EQ(e2e_restart(&b.s, b.envp), 0);
	CHECK(dfake_wait(b.fake, "POST /channels/3200/messages", posts_before + 1, 10000));
	CHECK_EQ(e2e_stop(&b.s, SIGKILL, 5000), 128 + SIGKILL);
	CHECK_EQ(dfake_messages(b.fake), 1);
	outbox_counts(&b, &all, &pending);
	CHECK_EQ(pending, all); /* nothing was marked sent */

	/* A fast Discord again: everything goes out, the first once. */
	dfake_hold_ms(b.fake, 0);
	CHECK_EQ(e2e_restart(&b.s, b.envp), 0);
	for (int i = 0; i < 200 && pending > 0; i++) {
		usleep(50000);
		outbox_counts(&b, &all, &pending);
	}
	CHECK_EQ(pending, 0);
	CHECK_EQ(dfake_messages(b.fake), all);
	CHECK(dfake_count_prefix(b.fake, "POST /channels/3200/messages") > all); /* a creation was made again */
	/* In order: the round's finals, then its summary last. */
	char *last = dfake_message(b.fake, all - 1, NULL, 0);
	CHECK_CONTAINS(last, "Round 1 is over");
	free(last);
	char *first = dfake_message(b.fake, 0, NULL, 0);
	CHECK_CONTAINS(first, "Final, round 1");
	free(first);
	/* No two messages say the same thing. */
	for (int i = 0; i < all; i++)
		for (int k = i + 1; k < all; k++) {
			char *x = dfake_message(b.fake, i, NULL, 0), *y = dfake_message(b.fake, k, NULL, 0);
			char *cx = strstr(x, "\"content\""), *cy = strstr(y, "\"content\"");
			char *ex = cx ? strstr(cx, "\",") : NULL, *ey = cy ? strstr(cy, "\",") : NULL;
			if (ex && ey)
				CHECK_MSG(ex - cx != ey - cy || strncmp(cx, cy, (size_t)(ex - cx)),
					  "messages %d and %d say the same", i, k);
			free(x);
			free(y);
		}
	bot_stop(&b);
}

/* Proposes text as uid by the /propose command's text option; waits for
 * the follow-up and returns it (malloc'd). */
static char *propose_text(bot_t *b, const char *uid, const char *name, const char *text)
{
	char opts[512];
	snprintf(opts, sizeof opts, "[{\"name\":\"text\",\"type\":3,\"value\":\"%s\"}]", text);
	int before = dfake_count_prefix(b->fake, "PATCH /webhooks/");
	cJSON *j = cmd(b, uid, name, "propose", opts);
	CHECK_EQ(ix_type(j), 5);
	cJSON_Delete(j);
	CHECK(dfake_wait(b->fake, "PATCH /webhooks/", before + 1, 20000));
	return dfake_last_body(b->fake, "PATCH /webhooks/");
}

/* Every other command, button and form, with its refusals. */
TEST(e2e_discord_commands_and_refusals)
{
	bot_t b;
	CHECK_EQ(bot_start(&b, NULL), 0);
	cJSON_Delete(cmd(&b, "2001", "ada", "join", "[{\"name\":\"team\",\"type\":4,\"value\":1}]"));
	cJSON_Delete(cmd(&b, "2002", "bo", "join", "[{\"name\":\"team\",\"type\":4,\"value\":2}]"));

	/* A draft revised: it goes, its text comes back in the form. */
	char *fu = propose_text(&b, "2001", "ada", "Elam margin 20");
	CHECK_CONTAINS(fu, "Proposal #1");
	free(fu);
	cJSON *j = press(&b, "2001", "ada", "revise:1");
	CHECK_EQ(ix_type(j), 9);
	char *t = cJSON_PrintUnformatted(j);
	CHECK_CONTAINS(t, "Elam margin 20");
	free(t);
	cJSON_Delete(j);
	j = press(&b, "2001", "ada", "confirm:1");
	CHECK_CONTAINS(ix_content(j), "Not done"); /* the revision cancelled it */
	cJSON_Delete(j);
	/* A draft cancelled: nothing spent. */
	fu = propose_text(&b, "2001", "ada", "Elam margin 12");
	CHECK_CONTAINS(fu, "Proposal #2");
	free(fu);
	j = press(&b, "2001", "ada", "cancel:2");
	CHECK_EQ(ix_type(j), 7);
	CHECK_CONTAINS(ix_content(j), "Cancelled");
	cJSON_Delete(j);
	/* No tokens: two proposals confirmed spend both PROPOSE tokens; the
	 * third is refused by the service, in the follow-up. */
	const char *texts[] = {"three pointers worth 4", "longer quarters"};
	for (int i = 0; i < 2; i++) {
		fu = propose_text(&b, "2001", "ada", texts[i]);
		char id[32], want[40];
		snprintf(want, sizeof want, "Proposal #%d", i + 3);
		CHECK_CONTAINS(fu, want);
		free(fu);
		snprintf(id, sizeof id, "confirm:%d", i + 3);
		j = press(&b, "2001", "ada", id);
		CHECK_EQ(ix_type(j), 7);
		cJSON_Delete(j);
	}
	fu = propose_text(&b, "2001", "ada", "turn off home court");
	CHECK_CONTAINS(fu, "Not done");
	CHECK_CONTAINS(fu, "has 0");
	free(fu);
	j = cmd(&b, "2001", "ada", "tokens", NULL);
	CHECK_CONTAINS(ix_content(j), "PROPOSE 0");
	cJSON_Delete(j);

	/* Amend: usage, someone else's proposal, then the proposer's own. */
	j = cmd(&b, "2001", "ada", "amend", NULL);
	CHECK_CONTAINS(ix_content(j), "which proposal");
	cJSON_Delete(j);
	j = cmd(&b, "2001", "ada", "amend", "[{\"name\":\"proposal\",\"type\":4,\"value\":3}]");
	CHECK_EQ(ix_type(j), 9);
	cJSON_Delete(j);
	int before = dfake_count_prefix(b.fake, "PATCH /webhooks/");
	j = ix(&b, 5, "2002", "bo",
	       "{\"custom_id\":\"amend:3\",\"components\":[{\"type\":1,\"components\":[{\"type\":4,\"custom_id\":\"text\","
	       "\"value\":\"three pointers worth 6\"}]}]}",
	       false);
	cJSON_Delete(j);
	CHECK(dfake_wait(b.fake, "PATCH /webhooks/", before + 1, 20000));
	fu = dfake_last_body(b.fake, "PATCH /webhooks/");
	CHECK_CONTAINS(fu, "Not done");
	free(fu);
	j = ix(&b, 5, "2001", "ada",
	       "{\"custom_id\":\"amend:3\",\"components\":[{\"type\":1,\"components\":[{\"type\":4,\"custom_id\":\"text\","
	       "\"value\":\"three pointers worth 6\"}]}]}",
	       false);
	cJSON_Delete(j);
	CHECK(dfake_wait(b.fake, "PATCH /webhooks/", before + 2, 20000));
	fu = dfake_last_body(b.fake, "PATCH /webhooks/");
	CHECK_CONTAINS(fu, "Amended");
	free(fu);

	/* Strategy and bios through the same services. */
	j = cmd(&b, "2003", "cy", "strategy", "[{\"name\":\"text\",\"type\":3,\"value\":\"run and gun\"}]");
	CHECK_CONTAINS(ix_content(j), "not enrolled");
	cJSON_Delete(j);
	j = cmd(&b, "2001", "ada", "strategy", "[{\"name\":\"text\",\"type\":3,\"value\":\"run and gun\"}]");
	CHECK_CONTAINS(ix_content(j), "strategy is set");
	cJSON_Delete(j);
	long st;
	cJSON *team2 = e2e_call(&b.s, "GET", "/api/teams/2", NULL, NULL, &st);
	int h2 = (int)cJSON_GetNumberValue(cJSON_GetObjectItem(
		cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetObjectItem(team2, "data"), "hoopers"), 0), "id"));
	cJSON_Delete(team2);
	char opts[256];
	snprintf(opts, sizeof opts, "[{\"name\":\"hooper\",\"type\":4,\"value\":%d},{\"name\":\"text\",\"type\":3,\"value\":\"A legend.\"}]", h2);
	j = cmd(&b, "2001", "ada", "bio", opts);
	CHECK_CONTAINS(ix_content(j), "Not done"); /* not ada's team */
	cJSON_Delete(j);
	j = cmd(&b, "2002", "bo", "bio", opts);
	CHECK_CONTAINS(ix_content(j), "is written");
	cJSON_Delete(j);

	/* A token trade offered in the channel, accepted by its receiver only. */
	j = cmd(&b, "2001", "ada", "trade",
		"[{\"name\":\"to\",\"type\":6,\"value\":\"2002\"},{\"name\":\"give\",\"type\":3,\"value\":\"amend\"},"
		"{\"name\":\"give_count\",\"type\":4,\"value\":1},{\"name\":\"get\",\"type\":3,\"value\":\"boost\"},"
		"{\"name\":\"get_count\",\"type\":4,\"value\":1}]");
	CHECK_CONTAINS(ix_content(j), "<@2002>");
	t = cJSON_PrintUnformatted(j);
	CHECK_CONTAINS(t, "trade:1:accept");
	free(t);
	cJSON_Delete(j);
	j = press(&b, "2001", "ada", "trade:1:accept");
	CHECK_CONTAINS(ix_content(j), "Not done");
	cJSON_Delete(j);
	j = press(&b, "2002", "bo", "trade:1:accept");
	CHECK_CONTAINS(ix_content(j), "accepted");
	cJSON_Delete(j);
	j = cmd(&b, "2001", "ada", "trade", "[{\"name\":\"to\",\"type\":6,\"value\":\"2009\"},{\"name\":\"give\",\"type\":3,"
					     "\"value\":\"amend\"},{\"name\":\"give_count\",\"type\":4,\"value\":1},{\"name\":"
					     "\"get\",\"type\":3,\"value\":\"boost\"},{\"name\":\"get_count\",\"type\":4,\"value\":1}]");
	CHECK_CONTAINS(ix_content(j), "not a governor");
	cJSON_Delete(j);

	/* A hooper swap: posted for both teams, approved by the other side. */
	cJSON *team1 = e2e_call(&b.s, "GET", "/api/teams/1", NULL, NULL, &st);
	int h1 = (int)cJSON_GetNumberValue(cJSON_GetObjectItem(
		cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetObjectItem(team1, "data"), "hoopers"), 0), "id"));
	cJSON_Delete(team1);
	snprintf(opts, sizeof opts, "[{\"name\":\"mine\",\"type\":4,\"value\":%d},{\"name\":\"theirs\",\"type\":4,\"value\":%d}]",
		 h2, h1);
	j = cmd(&b, "2001", "ada", "trade-hooper", opts); /* h2 is not ada's */
	CHECK_CONTAINS(ix_content(j), "Not done");
	cJSON_Delete(j);
	snprintf(opts, sizeof opts, "[{\"name\":\"mine\",\"type\":4,\"value\":%d},{\"name\":\"theirs\",\"type\":4,\"value\":%d}]",
		 h1, h2);
	j = cmd(&b, "2001", "ada", "trade-hooper", opts);
	CHECK(!ix_ephemeral(j));
	t = cJSON_PrintUnformatted(j);
	CHECK_CONTAINS(t, "htrade:1:approve");
	free(t);
	cJSON_Delete(j);
	j = press(&b, "2003", "cy", "htrade:1:approve");
	CHECK_CONTAINS(ix_content(j), "not enrolled");
	cJSON_Delete(j);
	j = press(&b, "2002", "bo", "htrade:1:approve");
	CHECK_CONTAINS(ix_content(j), "bo approves");
	cJSON_Delete(j);
	j = e2e_call(&b.s, "GET", "/api/teams/2", NULL, NULL, &st);
	t = cJSON_PrintUnformatted(j);
	char hid[32];
	snprintf(hid, sizeof hid, "\"id\":%d,", h1);
	CHECK_CONTAINS(t, hid); /* the swap executed: ada's hooper now plays for team 2 */
	free(t);
	cJSON_Delete(j);

	/* A repeal is a proposal like any other, checked and followed up. */
	before = dfake_count_prefix(b.fake, "PATCH /webhooks/");
	j = cmd(&b, "2002", "bo", "repeal", "[{\"name\":\"effect\",\"type\":3,\"value\":\"nothing_here\"}]");
	CHECK_EQ(ix_type(j), 5);
	cJSON_Delete(j);
	CHECK(dfake_wait(b.fake, "PATCH /webhooks/", before + 1, 20000));
	j = cmd(&b, "2002", "bo", "repeal", NULL);
	CHECK_CONTAINS(ix_content(j), "which effect");
	cJSON_Delete(j);
	/* A proposal too long for a form is refused before any check. */
	char *huge = malloc(5000);
	memset(huge, 'a', 4999);
	huge[4999] = 0;
	char *hbody = malloc(6000);
	snprintf(hbody, 6000, "{\"custom_id\":\"propose\",\"components\":[{\"type\":1,\"components\":[{\"type\":4,"
			      "\"custom_id\":\"text\",\"value\":\"%s\"}]}]}", huge);
	j = ix(&b, 5, "2002", "bo", hbody, false);
	CHECK_CONTAINS(ix_content(j), "at most 4000");
	cJSON_Delete(j);
	free(huge);
	free(hbody);

	/* Reads. */
	j = cmd(&b, "2003", "cy", "standings", NULL);
	CHECK_CONTAINS(ix_content(j), "1. ");
	cJSON_Delete(j);
	j = cmd(&b, "2003", "cy", "status", NULL);
	CHECK_CONTAINS(ix_content(j), "phase");
	cJSON_Delete(j);
	j = cmd(&b, "2003", "cy", "effects", NULL);
	CHECK_CONTAINS(ix_content(j), "No effect is active");
	cJSON_Delete(j);
	j = cmd(&b, "2003", "cy", "schedule", NULL);
	CHECK_CONTAINS(ix_content(j), "**Round 1**");
	CHECK_CONTAINS(ix_content(j), "(home) v ");
	cJSON_Delete(j);
	j = cmd(&b, "2003", "cy", "reports", NULL);
	CHECK_CONTAINS(ix_content(j), "No report yet");
	cJSON_Delete(j);
	j = cmd(&b, "2001", "ada", "roster", NULL); /* ada's own team */
	CHECK_CONTAINS(ix_content(j), "• #");
	cJSON_Delete(j);
	j = cmd(&b, "2003", "cy", "roster", NULL);
	CHECK_CONTAINS(ix_content(j), "Say which team");
	cJSON_Delete(j);
	j = cmd(&b, "2003", "cy", "roster", "[{\"name\":\"team\",\"type\":4,\"value\":99}]");
	CHECK_CONTAINS(ix_content(j), "no such team");
	cJSON_Delete(j);
	j = cmd(&b, "2003", "cy", "history", NULL);
	CHECK_CONTAINS(ix_content(j), "after round 0");
	cJSON_Delete(j);
	j = cmd(&b, "2003", "cy", "proposals", NULL);
	CHECK_CONTAINS(ix_content(j), "#3");
	CHECK_CONTAINS(ix_content(j), "#4");
	cJSON_Delete(j);

	/* Admin only: a new season. */
	j = cmd(&b, "2001", "ada", "new-season", NULL);
	CHECK_CONTAINS(ix_content(j), "Only a server administrator");
	cJSON_Delete(j);
	j = ix(&b, 2, "2004", "admin", "{\"name\":\"new-season\",\"options\":[{\"name\":\"name\",\"value\":\"Season Two\"}]}",
	       true);
	/* The admin passes the check; the season service says not yet. */
	CHECK_CONTAINS(ix_content(j), "Not done: season 1 is still");
	cJSON_Delete(j);

	/* Nonsense from a signed client: clear words, nothing changed. */
	j = cmd(&b, "2001", "ada", "teleport", NULL);
	CHECK_CONTAINS(ix_content(j), "does not know the command");
	cJSON_Delete(j);
	j = press(&b, "2001", "ada", "vote:x:yes");
	CHECK_CONTAINS(ix_content(j), "not one of the league's");
	cJSON_Delete(j);
	j = ix(&b, 5, "2001", "ada", "{\"custom_id\":\"amend:1x\",\"components\":[]}", false);
	CHECK_CONTAINS(ix_content(j), "not one of the league's");
	cJSON_Delete(j);
	j = cmd(&b, "2001", "ada", "vote", "[{\"name\":\"proposal\",\"value\":\"-3\"},{\"name\":\"choice\",\"value\":\"maybe\"}]");
	CHECK_CONTAINS(ix_content(j), "/vote proposal");
	cJSON_Delete(j);
	bot_stop(&b);
}

/* Runs `pinwheel discord ARGS` with the fake's settings; exit status, output. */
static int discord_cli(bot_t *b, const char *args, char **out)
{
	char cmdline[2048], base[128];
	dfake_base(b->fake, base, sizeof base);
	snprintf(cmdline, sizeof cmdline,
		 "DISCORD_APPLICATION_ID=%s DISCORD_PUBLIC_KEY=%s DISCORD_BOT_TOKEN=t DISCORD_GUILD_ID=%s "
		 "DISCORD_API_BASE=%s %s discord %s",
		 APP_ID, b->pub, GUILD_ID, base, test_bin(), args);
	return test_run(cmdline, out, true);
}

static char *kv(bot_t *b, const char *key)
{
	char sql[256];
	snprintf(sql, sizeof sql, "SELECT value FROM bot_state WHERE key = '%s'", key);
	return dbt_text(b->s.db, sql);
}

/*
 * `pinwheel discord register` puts the command set in the guild, and every
 * command it registers is one the server answers; `setup` makes the
 * category, channels and roles once (a second run makes nothing), records
 * their ids, and joining gives the team's role.
 */
TEST(e2e_discord_register_and_setup)
{
	bot_t b;
	CHECK_EQ(bot_start(&b, NULL), 0);
	char *out = NULL;
	CHECK_EQ(discord_cli(&b, "register", &out), 0);
	CHECK_CONTAINS(out, "registered 20 commands in the guild");
	free(out);
	char *set = dfake_last_body(b.fake, "PUT /applications/" APP_ID "/guilds/" GUILD_ID "/commands");
	CHECK(set != NULL);
	cJSON *cmds = cJSON_Parse(set ? set : "[]");
	free(set);
	CHECK_EQ(cJSON_GetArraySize(cmds), 20);
	const cJSON *c;
	cJSON_ArrayForEach(c, cmds) {
		const char *name = cJSON_GetStringValue(cJSON_GetObjectItem(c, "name"));
		cJSON *j = cmd(&b, "3009", "zed", name, NULL);
		CHECK_MSG(j && !strstr(ix_content(j), "does not know"), "/%s is registered but not answered", name);
		cJSON_Delete(j);
	}
	cJSON_Delete(cmds);
	CHECK_EQ(discord_cli(&b, "register --global", &out), 0);
	CHECK_CONTAINS(out, "globally");
	free(out);
	CHECK(dfake_count_prefix(b.fake, "PUT /applications/" APP_ID "/commands") == 1);
	CHECK_EQ(discord_cli(&b, "nonsense", &out), 2);
	free(out);

	char dbopt[600];
	snprintf(dbopt, sizeof dbopt, "setup --db '%s'", b.s.db);
	CHECK_EQ(discord_cli(&b, dbopt, &out), 0);
	CHECK_CONTAINS(out, "setup done: 20 new"); /* category, 3 channels, 8 roles, 8 team channels */
	free(out);
	int posts = dfake_count_prefix(b.fake, "POST /guilds/");
	CHECK_EQ(discord_cli(&b, dbopt, &out), 0);
	CHECK_CONTAINS(out, "setup done: 0 new");
	free(out);
	CHECK_EQ(dfake_count_prefix(b.fake, "POST /guilds/"), posts);
	CHECK_EQ(dfake_count_prefix(b.fake, "POST /channels/"), 1); /* how-to-play, once */
	char *pbp = kv(&b, "discord.channel.play-by-play"), *role1 = kv(&b, "discord.role.team-1"),
	     *team1 = kv(&b, "discord.channel.team-1");
	CHECK(pbp && role1 && team1);
	/* The team channel was made private to its role. */
	char *mk = dfake_last_body(b.fake, "POST /guilds/" GUILD_ID "/channels");
	CHECK_CONTAINS(mk, "permission_overwrites");
	CHECK_CONTAINS(mk, "\"deny\":\"1024\"");
	free(mk);
	/* Joining team 1 gives its role. */
	cJSON_Delete(cmd(&b, "3001", "ada", "join", "[{\"name\":\"team\",\"type\":4,\"value\":1}]"));
	char want[160];
	snprintf(want, sizeof want, "PUT /guilds/%s/members/3001/roles/%s", GUILD_ID, role1 ? role1 : "?");
	CHECK(dfake_wait(b.fake, want, 1, 5000));
	free(pbp);
	free(role1);
	free(team1);

	/* A wild proposal confirmed in Discord goes to the admin (the guild's
	 * owner, 9999 in the fake) by DM with Clear and Veto. */
	char *dm = kv(&b, "discord.channel.admin-dm");
	CHECK(dm != NULL);
	char *fu = propose_text(&b, "3001", "ada", "make the moon purple every tuesday");
	CHECK_CONTAINS(fu, "tier 5");
	free(fu);
	cJSON_Delete(press(&b, "3001", "ada", "confirm:1"));
	CHECK(channel_says(&b, dm ? dm : "?", "veto:1", 5000));
	cJSON *j = cmd(&b, "3001", "ada", "tokens", NULL);
	CHECK_CONTAINS(ix_content(j), "PROPOSE 0");
	cJSON_Delete(j);
	j = press(&b, "3001", "ada", "veto:1");
	CHECK_CONTAINS(ix_content(j), "Only the league's admin");
	cJSON_Delete(j);
	/* The owner in the DM: no member, no permissions; setup named them. */
	char body[1024];
	snprintf(body, sizeof body,
		 "{\"type\":3,\"id\":\"9001\",\"token\":\"dm-1\",\"channel_id\":\"%s\",\"user\":{\"id\":\"9999\",\"username\":\"owner\"},"
		 "\"data\":{\"custom_id\":\"veto:1\",\"component_type\":2}}",
		 dm ? dm : "1");
	long st;
	j = ix_post(&b, body, 0, &st);
	CHECK_EQ(ix_type(j), 9);
	cJSON_Delete(j);
	j = ix(&b, 5, "3001", "ada",
	       "{\"custom_id\":\"veto:1\",\"components\":[{\"type\":1,\"components\":[{\"type\":4,\"custom_id\":\"text\","
	       "\"value\":\"no\"}]}]}",
	       false);
	CHECK_CONTAINS(ix_content(j), "Only the league's admin");
	cJSON_Delete(j);
	snprintf(body, sizeof body,
		 "{\"type\":5,\"id\":\"9002\",\"token\":\"dm-2\",\"channel_id\":\"%s\",\"user\":{\"id\":\"9999\",\"username\":\"owner\"},"
		 "\"data\":{\"custom_id\":\"veto:1\",\"components\":[{\"type\":1,\"components\":[{\"type\":4,"
		 "\"custom_id\":\"text\",\"value\":\"The moon is out of scope.\"}]}]}}",
		 dm ? dm : "1");
	j = ix_post(&b, body, 0, &st);
	CHECK_CONTAINS(ix_content(j), "vetoed: The moon is out of scope.");
	cJSON_Delete(j);
	j = cmd(&b, "3001", "ada", "tokens", NULL);
	CHECK_CONTAINS(ix_content(j), "PROPOSE 2"); /* refunded */
	cJSON_Delete(j);
	j = e2e_call(&b.s, "GET", "/api/governance/proposals/1", NULL, NULL, &st);
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "data"), "status")), "vetoed");
	cJSON_Delete(j);
	/* Clear: the next wild one stays open for its vote. */
	fu = propose_text(&b, "3001", "ada", "let the crowd pick the winner");
	free(fu);
	cJSON_Delete(press(&b, "3001", "ada", "confirm:2"));
	snprintf(body, sizeof body,
		 "{\"type\":3,\"id\":\"9003\",\"token\":\"dm-3\",\"user\":{\"id\":\"9999\",\"username\":\"owner\"},"
		 "\"data\":{\"custom_id\":\"clear:2\",\"component_type\":2}}");
	j = ix_post(&b, body, 0, &st);
	CHECK_EQ(ix_type(j), 7);
	CHECK_CONTAINS(ix_content(j), "cleared");
	cJSON_Delete(j);
	j = e2e_call(&b.s, "GET", "/api/governance/proposals/2", NULL, NULL, &st);
	cJSON *pd = cJSON_GetObjectItem(j, "data");
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(pd, "status")), "open");
	CHECK(cJSON_IsFalse(cJSON_GetObjectItem(pd, "flagged")));
	cJSON_Delete(j);
	/* A wild proposal confirmed through the JSON API reaches the admin too. */
	char *tok = e2e_join(&b.s, "Webby", 2);
	j = e2e_call(&b.s, "POST", "/api/governance/proposals", "{\"text\":\"paint the rim gold forever\"}", tok, &st);
	CHECK_EQ(st, 201);
	int wid = (int)cJSON_GetNumberValue(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "data"), "id"));
	cJSON_Delete(j);
	char wpath[96], want_id[32];
	snprintf(wpath, sizeof wpath, "/api/governance/proposals/%d/confirm", wid);
	cJSON_Delete(e2e_call(&b.s, "POST", wpath, NULL, tok, &st));
	CHECK_EQ(st, 200);
	snprintf(want_id, sizeof want_id, "veto:%d", wid);
	CHECK(channel_says(&b, dm ? dm : "?", want_id, 5000));
	free(tok);
	free(dm);
	bot_stop(&b);
}

/* The value after "name=" in text up to one of stop, into out. */
static void after(const char *text, const char *name, const char *stop, char *out, size_t cap)
{
	out[0] = 0;
	const char *p = text ? strstr(text, name) : NULL;
	if (!p)
		return;
	p += strlen(name);
	size_t n = strcspn(p, stop);
	snprintf(out, cap, "%.*s", (int)(n < cap ? n : cap - 1), p);
}

/*
 * Sign in with Discord: the authorization request carries state and a
 * PKCE challenge; a callback whose state is not this browser's is refused;
 * the right one exchanges the code with the verifier matching the
 * challenge and signs the browser in as the same identity the bot knows —
 * a governor who joined in Discord is that governor on the web.
 */
TEST(e2e_discord_sign_in_oauth2)
{
	bot_t b;
	CHECK_EQ(bot_start(&b, "DISCORD_CLIENT_SECRET=shh"), 0);
	e2e_resp_t r;
	CHECK_EQ(e2e_http(&b.s, "GET", "/sign-in", NULL, NULL, &r), 0);
	CHECK_CONTAINS(r.body, "href=\"/auth/discord\"");
	e2e_resp_free(&r);
	/* In Discord first: user 4242 (the fake's /users/@me) joins team 3. */
	cJSON_Delete(cmd(&b, "4242", "pinwheel-bot", "join", "[{\"name\":\"team\",\"type\":4,\"value\":3}]"));

	CHECK_EQ(e2e_http(&b.s, "GET", "/auth/discord", NULL, NULL, &r), 0);
	CHECK_EQ(r.status, 302);
	char loc[1024], state[80], challenge[80], cookie[120];
	after(r.headers, "Location: ", "\r\n", loc, sizeof loc);
	CHECK_CONTAINS(loc, "https://discord.com/oauth2/authorize?");
	CHECK_CONTAINS(loc, "client_id=" APP_ID);
	CHECK_CONTAINS(loc, "scope=identify");
	CHECK_CONTAINS(loc, "code_challenge_method=S256");
	CHECK_CONTAINS(loc, "redirect_uri=http%3A%2F%2F127.0.0.1");
	after(loc, "state=", "&", state, sizeof state);
	after(loc, "code_challenge=", "&", challenge, sizeof challenge);
	after(r.headers, "Set-Cookie: ", ";", cookie, sizeof cookie);
	CHECK_EQ(strlen(state), 64);
	CHECK_EQ(strlen(challenge), 43);
	CHECK_CONTAINS(cookie, state);
	e2e_resp_free(&r);

	char path[512], ck[160];
	snprintf(ck, sizeof ck, "Cookie: %s", cookie);
	const char *with_cookie[] = {ck, NULL};
	/* Another state with this browser's cookie, the right state without the
	 * cookie: refused, and nothing was exchanged. */
	snprintf(path, sizeof path, "/auth/discord/callback?code=good-code&state=%064d", 7);
	CHECK_EQ(e2e_http(&b.s, "GET", path, NULL, with_cookie, &r), 0);
	CHECK_EQ(r.status, 403);
	e2e_resp_free(&r);
	snprintf(path, sizeof path, "/auth/discord/callback?code=good-code&state=%s", state);
	CHECK_EQ(e2e_http(&b.s, "GET", path, NULL, NULL, &r), 0);
	CHECK_EQ(r.status, 403);
	e2e_resp_free(&r);
	CHECK_EQ(dfake_count_prefix(b.fake, "POST /oauth2/token"), 0);
	/* Start again: a fresh state, this time used as it should be. */
	CHECK_EQ(e2e_http(&b.s, "GET", "/auth/discord", NULL, NULL, &r), 0);
	after(r.headers, "Location: ", "\r\n", loc, sizeof loc);
	after(loc, "state=", "&", state, sizeof state);
	after(loc, "code_challenge=", "&", challenge, sizeof challenge);
	after(r.headers, "Set-Cookie: ", ";", cookie, sizeof cookie);
	snprintf(ck, sizeof ck, "Cookie: %s", cookie);
	e2e_resp_free(&r);
	snprintf(path, sizeof path, "/auth/discord/callback?code=good-code&state=%s", state);
	CHECK_EQ(e2e_http(&b.s, "GET", path, NULL, with_cookie, &r), 0);
	CHECK_EQ(r.status, 303);
	char session[160];
	after(r.headers, "pw_session=", ";", session, sizeof session);
	CHECK(strlen(session) == 64);
	e2e_resp_free(&r);
	/* The token request carried the verifier of the challenge. */
	char *form = dfake_last_body(b.fake, "POST /oauth2/token");
	char verifier[80];
	after(form, "code_verifier=", "&", verifier, sizeof verifier);
	CHECK_CONTAINS(form, "grant_type=authorization_code");
	CHECK_CONTAINS(form, "client_secret=shh");
	free(form);
	unsigned char dig[32];
	EVP_Digest(verifier, strlen(verifier), dig, NULL, EVP_sha256(), NULL);
	char b64[64];
	EVP_EncodeBlock((unsigned char *)b64, dig, 32); /* standard base64 with one '=' */
	for (char *q = b64; *q; q++)
		*q = *q == '+' ? '-' : *q == '/' ? '_' : *q == '=' ? 0 : *q;
	CHECK_STR(b64, challenge);
	/* A replay of the same callback is refused (one use). */
	CHECK_EQ(e2e_http(&b.s, "GET", path, NULL, with_cookie, &r), 0);
	CHECK_EQ(r.status, 403);
	e2e_resp_free(&r);
	/* Signed in on the web as the governor who joined in Discord. */
	char sc[120];
	snprintf(sc, sizeof sc, "Cookie: pw_session=%s", session);
	const char *hs[] = {sc, NULL};
	CHECK_EQ(e2e_http(&b.s, "GET", "/", NULL, hs, &r), 0);
	CHECK_CONTAINS(r.body, "pinwheel-bot");
	e2e_resp_free(&r);
	CHECK_EQ(e2e_http(&b.s, "GET", "/", NULL, NULL, &r), 0);
	CHECK(!strstr(r.body, "pinwheel-bot")); /* the name above is the session's */
	e2e_resp_free(&r);
	bot_stop(&b);

	/* Without DISCORD_CLIENT_SECRET there is no sign-in. */
	CHECK_EQ(bot_start(&b, NULL), 0);
	CHECK_EQ(e2e_http(&b.s, "GET", "/auth/discord", NULL, NULL, &r), 0);
	CHECK_EQ(r.status, 404);
	e2e_resp_free(&r);
	CHECK_EQ(e2e_http(&b.s, "GET", "/sign-in", NULL, NULL, &r), 0);
	CHECK(!strstr(r.body, "/auth/discord"));
	e2e_resp_free(&r);
	bot_stop(&b);
}

/* The season's end in the channel: the champion (also in big-plays) and,
 * when the season completes, its awards. */
TEST(e2e_discord_champion_and_awards)
{
	bot_t b;
	CHECK_EQ(bot_start(&b, "PINWHEEL_TEAMS=4;PINWHEEL_CHAMPIONSHIP_SECONDS=0"), 0);
	set_channel(&b, "play-by-play", "3200");
	set_channel(&b, "big-plays", "3300");
	cJSON_Delete(cmd(&b, "5001", "ada", "join", "[{\"name\":\"team\",\"type\":4,\"value\":1}]"));
	free(propose_text(&b, "5001", "ada", "longer quarters"));
	cJSON_Delete(press(&b, "5001", "ada", "confirm:1"));
	char phase[32] = "";
	for (int i = 0; i < 80 && strcmp(phase, "complete"); i++) {
		tick(&b);
		long st;
		cJSON *j = e2e_call(&b.s, "GET", "/api/seasons/current", NULL, NULL, &st);
		snprintf(phase, sizeof phase, "%s",
			 cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "data"), "phase")) ?: "");
		cJSON_Delete(j);
	}
	CHECK_STR(phase, "complete");
	CHECK(channel_says(&b, "3200", "are the champions!", 5000));
	CHECK(channel_says(&b, "3300", "are the champions!", 1000));
	CHECK(channel_says(&b, "3200", "The season enters a new phase: **playoffs**", 1000));
	CHECK(channel_says(&b, "3200", "The season's awards", 5000));
	CHECK(channel_says(&b, "3200", "MVP: ", 1000));
	CHECK(channel_says(&b, "3200", "Most Active Governor: ada", 1000));
	/* Now an administrator may start the next season, from Discord. */
	cJSON *j = ix(&b, 2, "5009", "admin", "{\"name\":\"new-season\",\"options\":[{\"name\":\"name\",\"value\":\"Season Two\"}]}",
		      true);
	CHECK_CONTAINS(ix_content(j), "A new season has begun");
	CHECK(!ix_ephemeral(j));
	cJSON_Delete(j);
	long st;
	j = e2e_call(&b.s, "GET", "/api/seasons/current", NULL, NULL, &st);
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "data"), "name")), "Season Two");
	cJSON_Delete(j);
	/* Governors carry over into the new season (spec 30). */
	j = cmd(&b, "5001", "ada", "tokens", NULL);
	CHECK_CONTAINS(ix_content(j), "Your tokens: PROPOSE ");
	cJSON_Delete(j);
	bot_stop(&b);
}

/* Signed but hostile interactions: wrong types everywhere, odd sizes,
 * names that are not names. Each gets a clear answer (200 with words, or
 * 400), nothing is joined or proposed, and the server keeps serving. */
TEST(e2e_discord_hostile_payloads)
{
	bot_t b;
	CHECK_EQ(bot_start(&b, NULL), 0);
	static const char *const datas[][2] = {
		{"2", "{\"name\":\"join\",\"options\":{\"team\":1}}"},
		{"2", "{\"name\":\"join\",\"options\":[{\"name\":\"team\",\"value\":{\"x\":1}}]}"},
		{"2", "{\"name\":\"join\",\"options\":[{\"name\":\"team\",\"value\":1e300}]}"},
		{"2", "{\"name\":\"join\",\"options\":[{\"name\":\"team\",\"value\":-1}]}"},
		{"2", "{\"name\":\"join\",\"options\":[{\"name\":\"team\",\"value\":\"1; DROP TABLE players\"}]}"},
		{"2", "{\"name\":\"join\",\"options\":[{\"name\":\"team\",\"value\":1.5}]}"},
		{"2", "{\"name\":\"join\",\"options\":[null,1,\"x\",[]]}"},
		{"2", "{\"name\":\"vote\",\"options\":[{\"name\":\"proposal\",\"value\":true},{\"name\":\"choice\",\"value\":[]}]}"},
		{"2", "{\"name\":\"trade\",\"options\":[{\"name\":\"to\",\"value\":\"1001\\u0000\"}]}"},
		{"2", "{\"name\":\"\\u202ejoin\"}"},
		{"2", "{\"name\":42}"},
		{"3", "{\"custom_id\":\"confirm:99999999999999999999999\"}"},
		{"3", "{\"custom_id\":\"vote:1:yes:extra\"}"},
		{"3", "{\"custom_id\":\"\"}"},
		{"5", "{\"custom_id\":\"propose\",\"components\":\"text\"}"},
		{"5", "{\"custom_id\":\"propose\",\"components\":[{\"components\":[{\"custom_id\":\"text\",\"value\":7}]}]}"},
		{"5", "{\"custom_id\":\"veto:1\",\"components\":[]}"},
	};
	for (size_t i = 0; i < sizeof datas / sizeof datas[0]; i++) {
		char body[1024];
		snprintf(body, sizeof body,
			 "{\"type\":%s,\"id\":\"70%zu\",\"token\":\"tok-h-%zu\",\"member\":{\"user\":{\"id\":\"6001\",\"username\":\"\\u0007bell\"}},"
			 "\"data\":%s}",
			 datas[i][0], i, i, datas[i][1]);
		long st;
		cJSON *j = ix_post(&b, body, 0, &st);
		CHECK_MSG(st == 200 || st == 400, "%s answered %ld", body, st);
		if (st == 200)
			CHECK_MSG(ix_content(j)[0] != 0 || ix_type(j) == 5, "%s answered with no words", body);
		cJSON_Delete(j);
	}
	/* A user name no governor may have becomes a safe one. */
	cJSON *j = cmd(&b, "6002", "\\u202eevil", "join", "[{\"name\":\"team\",\"type\":4,\"value\":1}]");
	CHECK_CONTAINS(ix_content(j), "Welcome, discord-6002");
	cJSON_Delete(j);
	long st;
	j = e2e_call(&b.s, "GET", "/api/governance/proposals", NULL, NULL, &st);
	CHECK_EQ(st, 200);
	CHECK_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(j, "data")), 0);
	cJSON_Delete(j);
	j = e2e_call(&b.s, "GET", "/health", NULL, NULL, &st);
	CHECK_EQ(st, 200);
	cJSON_Delete(j);
	bot_stop(&b);
}

/*
 * Two servers of one league on one PostgreSQL database, both with Discord
 * on: the announcements are queued once (by the server whose tick made
 * them) and sent once — only the server holding the tick lock drains the
 * outbox. Discord is slow here (each call held), so a second sender would
 * take a row the first is still sending and post it again. When the holder
 * dies, its heir sends what the next tick queues.
 */
TEST(pg_e2e_discord_two_servers_send_each_message_once)
{
	e2e_use_postgres();
	bot_t b;
	/* A lease long enough that a slow (sanitized) holder is never taken
	 * over while it sends: the one change of holder here is the kill. */
	CHECK_EQ(bot_start(&b, "PINWHEEL_TICK_LEASE_SECONDS=10"), 0);
	set_channel(&b, "play-by-play", "3200");
	e2e_server_t other;
	CHECK_EQ(e2e_start_beside(&other, b.envp, &b.s), 0);
	CHECK(dfake_wait(b.fake, "GET /users/@me", 2, 10000)); /* both checked the token */
	dfake_hold_ms(b.fake, 300);
	tick(&b);
	int all = 0, pending = 1;
	/* Quiet for 1.5 s: a second sender's poll would have come by now. */
	CHECK_MSG(channel_says(&b, "3200", "Round 1 is over", 20000), "round 1 announced");
	CHECK_MSG(outbox_settle(&b, 4, 1500, 20000, &all, &pending), "sent %d of %d", all - pending, all);
	CHECK_EQ(dfake_count_prefix(b.fake, "POST /channels/3200/messages"), all);
	CHECK_EQ(dfake_messages(b.fake), all);

	/* The holder dies; the other takes the ticks over, and its sender
	 * sends what its tick queues, once. */
	dfake_hold_ms(b.fake, 0);
	CHECK_EQ(e2e_stop(&b.s, SIGKILL, 5000), 128 + SIGKILL);
	long st = 0;
	for (int i = 0; i < 200; i++) {
		cJSON *j = e2e_call(&other, "GET", "/api/pace", NULL, NULL, &st);
		bool held = cJSON_IsTrue(cJSON_GetObjectItem(
			cJSON_GetObjectItem(cJSON_GetObjectItem(j, "data"), "tick_lock"), "held"));
		cJSON_Delete(j);
		if (held)
			break;
		usleep(100000);
	}
	cJSON_Delete(e2e_call(&other, "POST", "/api/pace/advance", NULL, NULL, &st));
	CHECK_EQ(st, 202);
	int before = all;
	CHECK_MSG(channel_says(&b, "3200", "Round 2 is over", 20000), "round 2 announced");
	CHECK_MSG(outbox_settle(&b, before, 1500, 20000, &all, &pending), "round 2: sent %d of %d", all - pending, all);
	/* Each message reached the channel once (a call made again after an
	 * answer lost on a slow machine is the nonce's to settle: Discord
	 * keeps one message per nonce, as the fake does). */
	CHECK_EQ(dfake_messages(b.fake), all);
	e2e_stop(&other, SIGTERM, 10000);
	dfake_stop(b.fake);
	dfake_key_free(b.key);
}
