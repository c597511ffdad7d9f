/*
 * test_gov_precheck.c — gov_precheck asks the questions gov_propose and
 * gov_amend would ask, refuses what they would refuse, and writes nothing,
 * so the server can run a proposal's slow check before the write's
 * transaction.
 */
#include "tests/test.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "core/league/governance.h"
#include "tests/integration/league_helpers.h"

/* A stand-in sandbox check that counts its calls and refuses scripts that
 * mention "bad". */
typedef struct counted {
	int checks, impacts;
} counted_t;

static int count_check(void *ud, const pw_gov_league_t *now, const pw_rules_t *with_rules, const char *source,
		       cJSON **hooks, cJSON **impact, char *err, size_t errlen)
{
	counted_t *c = ud;
	c->checks++;
	if (strstr(source, "bad")) {
		snprintf(err, errlen, "line 1: bad script");
		return -1;
	}
	*hooks = cJSON_CreateStringArray((const char *[]){"sim.shot.pre"}, 1);
	if (impact)
		*impact = cJSON_CreateObject();
	return 0;
}

static cJSON *count_impact(void *ud, const pw_gov_league_t *now, const pw_rules_t *after)
{
	counted_t *c = ud;
	c->impacts++;
	return cJSON_CreateObject();
}

#define SCRIPT "return {name='Fine', hooks={['sim.shot.pre']=function() end}}"

TEST(gov_precheck_asks_what_the_write_asks_and_writes_nothing)
{
	pw_store_t *s = lt_open("precheck.db");
	counted_t n = {0};
	pw_gov_cfg_t cfg = {.check_effect = count_check, .rules_impact = count_impact, .ud = &n};
	pw_gov_t *g = lt_league_with(s, 4, &cfg);
	int64_t ada = lt_join(g, "Ada", 1, NULL);
	int64_t bo = lt_join(g, "Bo", 2, NULL);
	pw_err_t e = {0};
	int64_t before = store_events_count(s);

	/* The script and the parameter are both asked about; nothing written. */
	CHECK_EQ(gov_precheck(g, ada, 0, "three pointers worth 4", SCRIPT, &e), 0);
	CHECK_EQ(n.checks, 1);
	CHECK_EQ(n.impacts, 1);
	CHECK_EQ(store_events_count(s), before);
	/* What the write would refuse, with the write's error. */
	CHECK_EQ(gov_precheck(g, ada, 0, "Install it", "return {name='x' -- bad", &e), PW_E_INVALID);
	CHECK_CONTAINS(e.msg, "bad script");
	CHECK_EQ(gov_precheck(g, 999, 0, "three pointers worth 4", NULL, &e), PW_E_NOT_FOUND);
	CHECK_EQ(gov_precheck(g, ada, 0, NULL, NULL, &e), PW_E_INVALID);
	/* The governor's standing is checked before any script is run. */
	int checks = n.checks;
	CHECK_EQ(gov_precheck(g, ada, 77, "Install it", SCRIPT, &e), PW_E_NOT_FOUND);
	CHECK_EQ(n.checks, checks);
	int64_t pid = lt_propose(g, bo, "three pointers worth 4");
	CHECK(pid > 0);
	CHECK_EQ(gov_precheck(g, bo, pid, "three pointers worth 5", SCRIPT, &e), 0);
	/* Over the open-proposal limit: refused before the check. */
	cJSON *out = NULL;
	for (int i = 0; i < 10 && gov_propose(g, ada, "three pointers worth 4", NULL, &out, &e) == 0; i++) {
		cJSON_Delete(out);
		out = NULL;
	}
	CHECK_EQ(e.code, PW_E_LIMIT);
	checks = n.checks;
	CHECK_EQ(gov_precheck(g, ada, 0, "Install it", SCRIPT, &e), PW_E_LIMIT);
	CHECK_EQ(n.checks, checks);
	gov_close(g);
	store_close(s);
}
