/*
 * test_discord_rest.c — the REST client's rate limits and the signature
 * check, against the fake Discord in this process.
 */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "server/discord/discord_rest.h"
#include "server/discord/discord_verify.h"
#include "tests/e2e/discord_fake.h"
#include "tests/test.h"

static int64_t ms_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static discord_rest_t *client(discord_fake_t *f)
{
	char base[128];
	dfake_base(f, base, sizeof base);
	return discord_rest_new(base, "tok");
}

TEST(discord_route_keys_keep_major_parameters)
{
	char k[160];
	discord_route_key("POST", "/channels/123/messages", k, sizeof k);
	CHECK_STR(k, "POST /channels/123/messages");
	discord_route_key("PATCH", "/channels/123/messages/456", k, sizeof k);
	CHECK_STR(k, "PATCH /channels/123/messages/:id");
	discord_route_key("PATCH", "/webhooks/9/abc-tok/messages/@original", k, sizeof k);
	CHECK_STR(k, "PATCH /webhooks/9/abc-tok/messages/@original");
	discord_route_key("PUT", "/guilds/5/roles/77", k, sizeof k);
	CHECK_STR(k, "PUT /guilds/5/roles/:id");
	discord_route_key("PUT", "/applications/1/commands", k, sizeof k);
	CHECK_STR(k, "PUT /applications/:id/commands");
}

TEST(discord_rest_waits_out_a_429)
{
	discord_fake_t *f = dfake_start();
	discord_rest_t *r = client(f);
	dfake_limit(f, "POST /channels/1/messages", 2, 0.25, false);
	discord_reply_t rep;
	int64_t t0 = ms_now();
	CHECK_EQ(discord_rest_call(r, "POST", "/channels/1/messages", "{\"content\":\"hi\"}", &rep), 0);
	int64_t took = ms_now() - t0;
	CHECK_EQ(rep.status, 200);
	CHECK_EQ(rep.limited, 2);
	CHECK_MSG(took >= 500, "two 429s of 0.25 s were waited out: took %lld ms", (long long)took);
	CHECK_EQ(dfake_count_prefix(f, "POST /channels/1/messages"), 3);
	CHECK_EQ(dfake_messages(f), 1);
	/* The tries were spaced by retry_after, not hammered. */
	int64_t at1 = 0, at2 = 0;
	free(dfake_request(f, 0, &at1));
	free(dfake_request(f, 1, &at2));
	CHECK(at2 - at1 >= 240);
	CHECK(discord_rest_connected(r));
	free(rep.body);
	discord_rest_free(r);
	dfake_stop(f);
}

TEST(discord_rest_global_429_holds_every_route)
{
	discord_fake_t *f = dfake_start();
	discord_rest_t *r = client(f);
	dfake_limit(f, "POST /channels/1/messages", 1, 0.4, true);
	discord_reply_t rep;
	CHECK_EQ(discord_rest_call(r, "POST", "/channels/1/messages", "{}", &rep), 0);
	CHECK_EQ(rep.status, 200);
	free(rep.body);
	/* Not the same route, but the global stop already passed: no wait now. */
	int64_t t0 = ms_now();
	CHECK_EQ(discord_rest_call(r, "GET", "/users/@me", NULL, &rep), 0);
	CHECK(ms_now() - t0 < 300);
	free(rep.body);
	/* A global 429 on one route stops another route's call made meanwhile. */
	dfake_limit(f, "POST /channels/1/messages", 1, 0.5, true);
	dfake_limit(f, "POST /channels/1/messages", 1, 0.5, true);
	CHECK_EQ(discord_rest_call(r, "POST", "/channels/1/messages", "{}", &rep), 0);
	CHECK_EQ(rep.limited, 1);
	CHECK(rep.waited_ms >= 400);
	free(rep.body);
	discord_rest_free(r);
	dfake_stop(f);
}

TEST(discord_rest_honours_an_empty_bucket)
{
	discord_fake_t *f = dfake_start();
	discord_rest_t *r = client(f);
	dfake_bucket(f, 0, 0.4); /* every answer: no call left, refills in 0.4 s */
	discord_reply_t rep;
	CHECK_EQ(discord_rest_call(r, "POST", "/channels/2/messages", "{}", &rep), 0);
	free(rep.body);
	int64_t t0 = ms_now();
	CHECK_EQ(discord_rest_call(r, "POST", "/channels/2/messages", "{}", &rep), 0);
	CHECK_MSG(ms_now() - t0 >= 350, "the second call waited for the bucket: %lld ms", (long long)(ms_now() - t0));
	CHECK(rep.waited_ms >= 350);
	free(rep.body);
	/* Another channel has a bucket of its own (the same X-RateLimit-Bucket
	 * hash, another major parameter): no wait. */
	t0 = ms_now();
	CHECK_EQ(discord_rest_call(r, "POST", "/channels/3/messages", "{}", &rep), 0);
	CHECK(ms_now() - t0 < 300);
	free(rep.body);
	/* Channel 2 itself still waits for its refill. */
	t0 = ms_now();
	CHECK_EQ(discord_rest_call(r, "POST", "/channels/2/messages", "{}", &rep), 0);
	CHECK(rep.waited_ms >= 250);
	free(rep.body);
	/* A GET is a bucket of its own: no wait. */
	t0 = ms_now();
	CHECK_EQ(discord_rest_call(r, "GET", "/users/@me", NULL, &rep), 0);
	CHECK(ms_now() - t0 < 300);
	free(rep.body);
	discord_rest_free(r);
	dfake_stop(f);
}

TEST(discord_rest_reports_no_answer_and_stops)
{
	discord_rest_t *r = discord_rest_new("http://127.0.0.1:1", "tok");
	discord_reply_t rep;
	CHECK_EQ(discord_rest_call(r, "GET", "/users/@me", NULL, &rep), -1);
	CHECK(rep.err[0] != 0);
	CHECK(!discord_rest_connected(r));
	free(rep.body);
	discord_rest_free(r);
	/* A stopped client gives up a rate-limit wait at once. */
	discord_fake_t *f = dfake_start();
	r = client(f);
	dfake_limit(f, "GET /users/@me", 1, 30, false);
	discord_rest_stop(r);
	int64_t t0 = ms_now();
	CHECK_EQ(discord_rest_call(r, "GET", "/users/@me", NULL, &rep), -1);
	CHECK(ms_now() - t0 < 2000);
	free(rep.body);
	discord_rest_free(r);
	dfake_stop(f);
}

TEST(discord_verify_checks_signature_then_time)
{
	char pub[65], sig[129];
	dfake_key_t *k = dfake_key_new(pub);
	unsigned char key[32];
	CHECK_EQ(discord_hex_decode(pub, 64, key, 32), 0);
	CHECK_EQ(discord_hex_decode(pub, 63, key, 32), -1);
	CHECK_EQ(discord_hex_decode("zz", 2, key, 1), -1);
	const char *body = "{\"type\":1}";
	dfake_sign(k, "1700000000", body, sig);
	CHECK_EQ(discord_verify(key, sig, 128, "1700000000", 10, body, strlen(body), 1700000000), DISCORD_SIG_OK);
	CHECK_EQ(discord_verify(key, sig, 128, "1700000000", 10, body, strlen(body), 1700000000 + 301),
		 DISCORD_SIG_STALE);
	CHECK_EQ(discord_verify(key, sig, 128, "1700000001", 10, body, strlen(body), 1700000000), DISCORD_SIG_BAD);
	CHECK_EQ(discord_verify(key, sig, 128, "1700000000", 10, "{\"type\":2}", 10, 1700000000), DISCORD_SIG_BAD);
	CHECK_EQ(discord_verify(key, sig, 126, "1700000000", 10, body, strlen(body), 1700000000), DISCORD_SIG_MALFORMED);
	CHECK_EQ(discord_verify(key, sig, 128, "17e8", 4, body, strlen(body), 1700000000), DISCORD_SIG_MALFORMED);
	CHECK_EQ(discord_verify(key, NULL, 0, "1700000000", 10, body, strlen(body), 1700000000), DISCORD_SIG_MISSING);
	/* Another key's signature of the same bytes does not pass. */
	char pub2[65], sig2[129];
	dfake_key_t *k2 = dfake_key_new(pub2);
	dfake_sign(k2, "1700000000", body, sig2);
	CHECK_EQ(discord_verify(key, sig2, 128, "1700000000", 10, body, strlen(body), 1700000000), DISCORD_SIG_BAD);
	dfake_key_free(k);
	dfake_key_free(k2);
}
