/*
 * test_app_limits.c — how many connections and streams the server allows
 * for its settings and its descriptor limit (app_limits).
 */
#include "tests/test.h"

#include "server/app.h"

static pw_app_limits_t limits(int max_conns, long fd_limit)
{
	pw_serve_config_t cfg = {.max_conns = max_conns, .fd_limit = fd_limit};
	pw_app_limits_t l;
	app_limits(&cfg, &l);
	return l;
}

TEST(app_limits_keep_descriptors_and_a_share_for_requests)
{
	/* The default: 20,000 connections under a 20,000-descriptor limit
	 * leaves 64 descriptors to the process. */
	pw_app_limits_t l = limits(20000, 20000);
	CHECK_EQ(l.conns, 20000 - APP_FD_RESERVE);
	/* Streams may take all but APP_REQUEST_CONNS of them: 19,904. */
	CHECK_EQ(l.subscribers, l.conns - APP_REQUEST_CONNS);
	CHECK_EQ(l.subscribers, 19904);
	/* A tenth of a smaller cap stays for requests. */
	l = limits(300, 0);
	CHECK_EQ(l.subscribers, 270);
	l = limits(1000, 0);
	CHECK_EQ(l.subscribers, 1000 - APP_REQUEST_CONNS);
	/* A generous limit: the setting decides. */
	l = limits(20000, 1 << 20);
	CHECK_EQ(l.conns, 20000);
	l = limits(20000, 0); /* unlimited */
	CHECK_EQ(l.conns, 20000);
	/* A small container: 128 descriptors, 64 connections, 8 kept for requests. */
	l = limits(20000, 128);
	CHECK_EQ(l.conns, 64);
	CHECK_EQ(l.subscribers, 56);
	/* A tiny limit: half of it. */
	l = limits(20000, 100);
	CHECK_EQ(l.conns, 50);
	CHECK_EQ(l.subscribers, 42);
	/* A tiny cap: at least half of it stays for requests. */
	l = limits(4, 0);
	CHECK_EQ(l.conns, 4);
	CHECK_EQ(l.subscribers, 2);
	l = limits(1, 0);
	CHECK_EQ(l.conns, 1);
	CHECK_EQ(l.subscribers, 1);
}
