/*
 * `pinwheel effect check` gives round hooks what the live league gives
 * them: a session per hook call (no locals carried between hooks) and
 * ctx.standings in the league's shape. What passes the check must behave
 * the same once proposed.
 */
#include "tests/test.h"

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
