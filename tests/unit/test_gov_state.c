/*
 * test_gov_state.c — the status lists of gov_state.h: each constant keeps
 * the name the API and pages show, and the names read back.
 */
#include "tests/test.h"

#include "core/league/gov_state.h"

TEST(gov_state_statuses_keep_their_names)
{
	static const char *const prop[] = {"draft", "open", "passed", "failed", "held", "vetoed", "cancelled", "withdrawn"};
	for (int i = 0; i < (int)(sizeof prop / sizeof prop[0]); i++) {
		CHECK_STR(gstate_status_name((pw_prop_status_t)i), prop[i]);
		CHECK_EQ(gstate_status_find(prop[i]), i);
	}
	CHECK_EQ(PW_PROP_HELD, 4);
	CHECK_EQ(gstate_status_find("Open"), -1);
	CHECK_EQ(gstate_status_find(NULL), -1);
	CHECK_STR(gstate_status_name((pw_prop_status_t)8), "unknown");
	CHECK_STR(gstate_status_name((pw_prop_status_t)-1), "unknown");

	CHECK_STR(gstate_fx_status_name(PW_FX_ACTIVE), "active");
	CHECK_STR(gstate_fx_status_name(PW_FX_EXPIRED), "expired");
	CHECK_STR(gstate_fx_status_name(PW_FX_REPEALED), "repealed");
	CHECK_STR(gstate_fx_status_name(PW_FX_DISABLED), "disabled");
	CHECK_STR(gstate_fx_status_name((pw_fx_status_t)4), "unknown");

	CHECK_STR(gstate_trade_status_name(PW_TRADE_OPEN), "open");
	CHECK_STR(gstate_trade_status_name(PW_TRADE_ACCEPTED), "accepted");
	CHECK_STR(gstate_trade_status_name(PW_TRADE_REJECTED), "rejected");
	CHECK_STR(gstate_trade_status_name(PW_TRADE_WITHDRAWN), "withdrawn");
	CHECK_STR(gstate_trade_status_name(PW_TRADE_EXPIRED), "expired");
	CHECK_STR(gstate_trade_status_name((pw_trade_status_t)5), "unknown");

	CHECK_STR(gstate_htrade_status_name(PW_HTRADE_PENDING), "pending");
	CHECK_STR(gstate_htrade_status_name(PW_HTRADE_EXECUTED), "executed");
	CHECK_STR(gstate_htrade_status_name(PW_HTRADE_REJECTED), "rejected");
	CHECK_STR(gstate_htrade_status_name(PW_HTRADE_EXPIRED), "expired");
	CHECK_STR(gstate_htrade_status_name((pw_htrade_status_t)4), "unknown");
}
