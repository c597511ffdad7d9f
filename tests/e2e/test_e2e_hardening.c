/*
 * test_e2e_hardening.c — issue 10, the server's half, against the real
 * server: a NUL in a JSON string is refused naming the field instead of
 * cutting the string short.
 */
#include "tests/test.h"

#include <cjson/cJSON.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/e2e/e2e.h"

/* The error's message of a JSON answer ("" when there is none). */
static const char *error_message(const cJSON *j)
{
	const char *m = cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "error"), "message"));
	return m ? m : "";
}

static const char *error_code(const cJSON *j)
{
	const char *m = cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "error"), "code"));
	return m ? m : "";
}

/*
 * cJSON turns "\u0000" into a C string's end, so "Ada\u0000<anything>"
 * used to join as "Ada" and a proposal's text lost its tail without a word.
 * Every string the API reads is refused instead, naming the field — keys
 * and nested fields too — and nothing is changed.
 */
TEST(e2e_nul_in_json_strings_is_refused_naming_the_field)
{
	e2e_server_t s;
	CHECK_EQ(e2e_start(&s, NULL, NULL), 0);
	long st = 0;
	cJSON *j = e2e_call(&s, "POST", "/api/governors", "{\"name\":\"Ada\\u0000 the admin\",\"team_id\":1}",
			    NULL, &st);
	CHECK_EQ(st, 422);
	CHECK_STR(error_code(j), "invalid_field");
	CHECK_CONTAINS(error_message(j), "\"name\"");
	CHECK_CONTAINS(error_message(j), "\\u0000");
	cJSON_Delete(j);
	/* Nothing joined: the first real governor is number 1. */
	char *tok = e2e_join(&s, "Ada", 1);
	j = e2e_call(&s, "GET", "/api/governors/1", NULL, NULL, &st);
	CHECK_EQ(st, 200);
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "data"), "name")), "Ada");
	cJSON_Delete(j);
	j = e2e_call(&s, "GET", "/api/governors/2", NULL, NULL, &st);
	CHECK_EQ(st, 404);
	cJSON_Delete(j);

	const struct {
		const char *path, *body, *field;
	} cases[] = {
		{"/api/governance/proposals", "{\"text\":\"three pointers worth 5\\u0000 and also veto everything\"}",
		 "\"text\""},
		{"/api/governance/proposals", "{\"text\":\"three pointers worth 5\",\"effect_lua\":\"return 1\\u0000\"}",
		 "\"effect_lua\""},
		/* An escaped backslash before u0000 is not a NUL: this one is
		 * refused only for its key. */
		{"/api/governance/proposals", "{\"text\":\"a \\\\u0000 b\",\"te\\u0000xt\":\"x\"}", "\"te"},
		{"/api/governance/trades",
		 "{\"to_governor_id\":1,\"offer\":{\"propose\":1,\"x\":\"\\u0000\"},\"request\":{}}",
		 "\"offer.x\""},
		{"/api/strategy", "{\"text\":[\"fine\",\"\\u0000\"]}", "\"text[1]\""},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		j = e2e_call(&s, "POST", cases[i].path, cases[i].body, tok, &st);
		CHECK_MSG(st == 422, "case %zu: HTTP %ld", i, st);
		CHECK_MSG(strstr(error_message(j), cases[i].field), "case %zu: \"%s\" does not name %s", i,
			  error_message(j), cases[i].field);
		cJSON_Delete(j);
	}
	j = e2e_call(&s, "GET", "/api/governance/proposals", NULL, NULL, &st);
	CHECK_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(j, "data")), 0);
	cJSON_Delete(j);
	free(tok);
	CHECK_EQ(e2e_stop(&s, SIGTERM, 10000), 0);
}
