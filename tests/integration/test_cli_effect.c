/*
 * `pinwheel effect check` gives round hooks what the live league gives
 * them: a session per hook call (no locals carried between hooks) and
 * ctx.standings in the league's shape. What passes the check must behave
 * the same once proposed (tests/integration/test_trial.c compares the
 * harness behind it with the league hook by hook); here, its report.
 */
#include "tests/test.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>

static const char *write_script(const char *name, const char *src)
{
	static char path[512];
	snprintf(path, sizeof path, "%s/%s", test_tmpdir(), name);
	FILE *f = fopen(path, "w");
	CHECK(f != NULL);
	if (f) {
		fputs(src, f);
		fclose(f);
	}
	return path;
}

TEST(cli_effect_check_round_hooks_match_the_league)
{
	char *out = NULL;
	/* In the league a round hook's locals are gone by the next hook: this
	 * script fails only if they carried over. */
	const char *p = write_script("locals.lua",
		"local seen = false\n"
		"return { name = 'Locals', hooks = {\n"
		"  ['round.pre'] = function(ctx) seen = true end,\n"
		"  ['round.post'] = function(ctx) if seen then error('locals carried over') end end,\n"
		"} }\n");
	CHECK_EQ(test_pinwheel(&out, true, "effect check %s --games 24", p), 0);
	CHECK(out && !strstr(out, "locals carried over"));
	free(out);

	/* Standings rows carry the league's fields (name, rank), best first,
	 * and round.post counts the round just played. */
	p = write_script("standings.lua",
		"return { name = 'Standings', hooks = {\n"
		"  ['round.post'] = function(ctx)\n"
		"    local top = ctx.standings[1]\n"
		"    assert(type(top.name) == 'string' and top.rank == 1, 'league shape')\n"
		"    local w = 0\n"
		"    for _, row in ipairs(ctx.standings) do w = w + row.wins end\n"
		"    assert(w == 4 * ctx.round, 'wins ' .. w .. ' after round ' .. ctx.round)\n"
		"  end,\n"
		"} }\n");
	CHECK_EQ(test_pinwheel(&out, true, "effect check %s --games 24", p), 0);
	CHECK(out && !strstr(out, "league shape") && !strstr(out, "after round"));
	free(out);
}

TEST(cli_effect_check_reports_runtime_errors_lifetime_and_impact)
{
	char *out = NULL;
	/* Lives 2 rounds of the 6 that 24 games of 8 teams make; fails in the
	 * second. */
	const char *p = write_script("late.lua",
		"return { name = 'Late', lifetime = { rounds = 2 }, hooks = {\n"
		"  ['round.game.post'] = function(ctx)\n"
		"    ctx.log('game ' .. ctx.game.id)\n"
		"    if ctx.round == 2 then error('second round') end\n"
		"  end,\n"
		"} }\n");
	CHECK_EQ(test_pinwheel(&out, false, "effect check %s --games 24 --format json", p), 1);
	cJSON *j = out ? cJSON_Parse(out) : NULL;
	CHECK(j != NULL);
	CHECK(cJSON_IsFalse(cJSON_GetObjectItem(j, "ok")));
	const cJSON *errs = cJSON_GetObjectItem(j, "errors");
	CHECK_EQ(cJSON_GetArraySize(errs), 4);
	CHECK_STR(cJSON_GetObjectItem(cJSON_GetArrayItem(errs, 0), "message")->valuestring,
		  "line 4: second round");
	CHECK_STR(cJSON_GetObjectItem(cJSON_GetArrayItem(errs, 0), "effect_id")->valuestring, "late");
	CHECK_EQ(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "fired"), "round.game.post")->valueint, 8);
	const cJSON *imp = cJSON_GetObjectItem(j, "impact");
	CHECK_EQ(cJSON_GetObjectItem(imp, "games")->valueint, 24);
	CHECK_EQ(cJSON_GetObjectItem(imp, "rounds")->valueint, 6);
	CHECK_EQ(cJSON_GetObjectItem(imp, "effect_rounds")->valueint, 2);
	const char *keys[] = {"points_per_game", "fg_pct", "three_point_share", "turnovers", "home_win_pct",
			      "elam_length"};
	for (int i = 0; i < 6; i++) {
		const cJSON *f = cJSON_GetObjectItem(imp, keys[i]);
		CHECK_MSG(cJSON_IsNumber(cJSON_GetObjectItem(f, "with")) &&
				  cJSON_IsNumber(cJSON_GetObjectItem(f, "without")),
			  "impact lacks %s", keys[i]);
	}
	/* ctx.log lines, in game order: the league's game ids. */
	const cJSON *log = cJSON_GetObjectItem(j, "log");
	CHECK_EQ(cJSON_GetArraySize(log), 8);
	CHECK_STR(cJSON_GetArrayItem(log, 0)->valuestring, "late round.game.post: game 1000100");
	CHECK_STR(cJSON_GetArrayItem(log, 7)->valuestring, "late round.game.post: game 1000203");
	cJSON_Delete(j);
	free(out);

	/* The text report says the same. */
	CHECK_EQ(test_pinwheel(&out, false, "effect check %s --games 24", p), 1);
	CHECK_CONTAINS(out, "ok: no");
	CHECK_CONTAINS(out, "round.game.post          fired 8 times, 4 errors");
	CHECK_CONTAINS(out, "late round.game.post: line 4: second round");
	CHECK_CONTAINS(out, "(the effect played the first 2 of the 6 rounds: its lifetime)");
	free(out);
}
