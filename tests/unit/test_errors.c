/*
 * test_errors.c — the error table: every code keeps its API string and HTTP
 * status (API clients match on both), and a value outside the table reads
 * as an internal error.
 */
#include "tests/test.h"

#include "core/league/errors.h"

TEST(errors_every_code_has_its_api_string_and_status)
{
	static const struct {
		int code;
		const char *str;
		int status;
	} want[] = {
		{PW_E_INVALID, "invalid", 422},
		{PW_E_NOT_FOUND, "not_found", 404},
		{PW_E_FORBIDDEN, "forbidden", 403},
		{PW_E_CONFLICT, "conflict", 409},
		{PW_E_TOKENS, "insufficient_tokens", 409},
		{PW_E_LIMIT, "rate_limited", 429},
		{PW_E_INTERNAL, "internal", 500},
	};
	int rows = 0;
#define COUNT_ROW(name, value, str, status) rows++;
	PW_ERRORS(COUNT_ROW)
#undef COUNT_ROW
	CHECK_EQ(rows, (int)(sizeof want / sizeof want[0]));
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		CHECK(want[i].code < 0);
		CHECK_STR(err_code(want[i].code), want[i].str);
		CHECK_EQ(err_status(want[i].code), want[i].status);
	}
	/* The values are the ones callers have always compared with. */
	CHECK_EQ(PW_E_INVALID, -1);
	CHECK_EQ(PW_E_INTERNAL, -7);
	CHECK_STR(err_code(0), "internal");
	CHECK_EQ(err_status(-99), 500);
}

TEST(errors_set_fills_the_error_and_returns_the_code)
{
	pw_err_t e = {0};
	CHECK_EQ(err_set(&e, PW_E_NOT_FOUND, "proposal %d does not exist", 7), PW_E_NOT_FOUND);
	CHECK_EQ(e.code, PW_E_NOT_FOUND);
	CHECK_STR(e.msg, "proposal 7 does not exist");
	/* No error struct: the code still comes back. */
	CHECK_EQ(err_set(NULL, PW_E_CONFLICT, "x"), PW_E_CONFLICT);
}
