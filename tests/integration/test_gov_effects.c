/*
 * test_gov_effects.c — effects as governance shows and installs them
 * (issue 11 items 9, 10, 11): one idea is one effect, and what voters are
 * shown is what is enacted; a script is checked and measured in the
 * league as it is now (the rules and effects in force), not the defaults;
 * a disabled effect stays listed with its reason, and the admin can switch
 * it back on (or off by hand).
 */
#include "tests/test.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/league/league_fx.h"
#include "tests/integration/league_helpers.h"

/* Governance with the real sandbox behind its checks (few impact games). */
typedef struct fxg {
	pw_store_t *s;
	pw_gov_t *g;
	fx_league_t *fx;
	lt_events_t ev;
	pw_bus_t bus;
} fxg_t;

static void fxg_open(fxg_t *x, const char *scripts_dir)
{
	memset(x, 0, sizeof *x);
	x->s = lt_open("fx.db");
	char err[256];
	x->fx = fx_league_new(&(fx_league_opts_t){.impact_games = 8, .impact_seed = 20240601u}, err, sizeof err);
	CHECK_MSG(x->fx != NULL, "fx_league_new: %s", err);
	x->bus = (pw_bus_t){&x->ev, lt_events_publish};
	pw_gov_cfg_t cfg = {.scripts_dir = scripts_dir, .bus = &x->bus};
	fx_league_gov_cfg(x->fx, &cfg);
	x->g = lt_league_with(x->s, 8, &cfg);
}

static void fxg_close(fxg_t *x)
{
	gov_close(x->g);
	fx_league_free(x->fx);
	store_close(x->s);
}

/* Proposes, confirms, clears if flagged, everyone votes yes, tallies. */
static int64_t pass(pw_gov_t *g, const int64_t *govs, int n, int round, const char *text, const char *lua)
{
	int64_t p = lt_draft(g, govs[0], text, lua);
	pw_err_t e;
	CHECK_MSG(gov_confirm(g, govs[0], p, NULL, &e) == 0, "confirm: %s", e.msg);
	gov_admin_clear(g, p, NULL, &e);
	for (int i = 0; i < n; i++)
		lt_vote(g, govs[i], p, true, false);
	lt_tally(g, round);
	CHECK_STR(lt_status(g, p), "passed");
	return p;
}

/* o[k] as an int; -1 when it is not a number (so a missing field fails a
 * check instead of crashing the test). */
static int jint(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItem(o, k);
	return cJSON_IsNumber(v) ? v->valueint : -1;
}

static double fig(const cJSON *impact, const char *figure, const char *side)
{
	return cJSON_GetNumberValue(cJSON_GetObjectItem(cJSON_GetObjectItem(impact, figure), side));
}

/* ---- item 10: the league as it is now ---- */

/* Fails in every game while threes are worth 4: under the default rules
 * (the check's old league) it passed, then failed every game it played. */
static const char ONLY_DEFAULTS[] = "return { name = 'Brittle', hooks = {\n"
				    "  ['sim.game.pre'] = function(ctx)\n"
				    "    if ctx.rules.three_point_value == 4 then error('not with fours') end\n"
				    "  end } }\n";
/* Every made three scores one more. */
static const char PLUS_ONE[] = "return { name = 'Plus One', hooks = {\n"
			       "  ['sim.shot.pre'] = function(ctx)\n"
			       "    if ctx.shot_type == 'three_point' then return { shot_value = 1 } end\n"
			       "  end } }\n";
static const char NOOP[] = "return { name = 'Quiet', hooks = {\n"
			   "  ['sim.game.pre'] = function(ctx) end } }\n";

TEST(gov_effect_check_runs_under_the_rules_and_effects_in_force)
{
	fxg_t x;
	fxg_open(&x, "/nonexistent");
	int64_t govs[3];
	for (int i = 0; i < 3; i++) {
		char nm[8];
		snprintf(nm, sizeof nm, "G%d", i);
		govs[i] = lt_join(x.g, nm, i + 1, NULL);
	}
	pass(x.g, govs, 3, 1, "three pointers worth 4", NULL);
	/* A script that only fails under the rules in force fails the check. */
	pw_err_t e;
	CHECK_EQ(gov_propose(x.g, govs[1], "install brittle", ONLY_DEFAULTS, NULL, &e), PW_E_INVALID);
	CHECK_CONTAINS(e.msg, "test run");
	CHECK_CONTAINS(e.msg, "not with fours");
	/* With an effect in force too, the baseline voters see is this league. */
	pass(x.g, govs, 3, 2, "install plus one", PLUS_ONE);
	cJSON *o = NULL;
	CHECK_EQ(gov_propose(x.g, govs[2], "install quiet", NOOP, &o, &e), 0);
	const cJSON *imp = cJSON_GetObjectItem(cJSON_GetObjectItem(o, "impact"), "Quiet");
	CHECK_EQ(jint(imp, "effects_in_force"), 1);
	/* The same games under the defaults score fewer points. */
	char err[256];
	cJSON *hooks = NULL, *def = NULL;
	CHECK_EQ(fx_league_check(x.fx, NULL, NULL, NOOP, &hooks, &def, err, sizeof err), 0);
	CHECK(fig(imp, "points_per_game", "without") > fig(def, "points_per_game", "without") + 1);
	/* A parameter change is measured with the effects in force running,
	 * from the same baseline. */
	cJSON *q = NULL;
	CHECK_EQ(gov_propose(x.g, govs[0], "elam margin 20", NULL, &q, &e), 0);
	const cJSON *pi = cJSON_GetObjectItem(cJSON_GetObjectItem(q, "impact"), "parameters");
	CHECK_EQ(jint(pi, "effects_in_force"), 1);
	CHECK_NEAR(fig(pi, "points_per_game", "before"), fig(imp, "points_per_game", "without"), 1e-9);
	cJSON_Delete(q);
	cJSON_Delete(hooks);
	cJSON_Delete(def);
	cJSON_Delete(o);
	fxg_close(&x);
}

/* ---- item 9: one idea, one effect ---- */

static char *read_text(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	static char buf[65536];
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = 0;
	return strdup(buf);
}

typedef struct regs {
	int n;
	char sha[8][65];
	char name[8][64];
} regs_t;

static int reg_cb(void *ud, const pw_event_t *ev)
{
	regs_t *r = ud;
	if (strcmp(ev->type, "effect.registered") || r->n >= 8)
		return 0;
	cJSON *p = cJSON_Parse(ev->payload);
	snprintf(r->sha[r->n], 65, "%s", cJSON_GetStringValue(cJSON_GetObjectItem(p, "sha256")));
	snprintf(r->name[r->n], 64, "%s", cJSON_GetStringValue(cJSON_GetObjectItem(p, "name")));
	r->n++;
	cJSON_Delete(p);
	return 0;
}

TEST(gov_one_idea_is_one_effect_and_voters_see_what_is_enacted)
{
	char *lua = read_text("scripts/effects/elam_five_point_threes.lua");
	if (!lua)
		TEST_SKIP("scripts/effects is not here (run from the repository)");
	pw_store_t *s = lt_open("one.db");
	pw_gov_cfg_t cfg = {.scripts_dir = "scripts/effects"};
	pw_gov_t *g = lt_league_with(s, 8, &cfg);
	int64_t a = lt_join(g, "A", 1, NULL), b = lt_join(g, "B", 2, NULL);
	/* The text names the library's idea and the library's script is
	 * attached: it used to become two effects, and an Elam three scored 8. */
	int64_t p = lt_draft(g, a, "threes are worth 5 in the Elam period", lua);
	cJSON *shown = gov_proposal_json(g, p);
	const cJSON *fx = cJSON_GetObjectItem(cJSON_GetObjectItem(shown, "interpretation"), "effects");
	CHECK_EQ(cJSON_GetArraySize(fx), 1);
	CHECK_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(cJSON_GetObjectItem(shown, "interpretation"), "parameters")), 0);
	pw_err_t e;
	CHECK_EQ(gov_confirm(g, a, p, NULL, &e), 0);
	lt_vote(g, a, p, true, false);
	lt_vote(g, b, p, true, false);
	lt_tally(g, 1);
	CHECK_STR(lt_status(g, p), "passed");
	/* What was registered is exactly what was shown. */
	regs_t r = {0};
	store_events_since(s, 0, reg_cb, &r);
	CHECK_EQ(r.n, cJSON_GetArraySize(fx));
	int i = 0;
	const cJSON *one;
	cJSON_ArrayForEach(one, fx) {
		if (i >= r.n)
			break;
		CHECK_STR(r.sha[i], cJSON_GetStringValue(cJSON_GetObjectItem(one, "sha256")));
		CHECK_STR(r.name[i], cJSON_GetStringValue(cJSON_GetObjectItem(one, "name")));
		i++;
	}
	/* Without a script the library's effect is the one. */
	int64_t q = lt_draft(g, b, "make threes worth 5 in the elam ending", NULL);
	cJSON *lib = gov_proposal_json(g, q);
	const cJSON *lfx = cJSON_GetObjectItem(cJSON_GetObjectItem(lib, "interpretation"), "effects");
	CHECK_EQ(cJSON_GetArraySize(lfx), 1);
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetArrayItem(lfx, 0), "library")),
		  "elam_five_point_threes");
	cJSON_Delete(lib);
	cJSON_Delete(shown);
	free(lua);
	gov_close(g);
	store_close(s);
}

/* ---- item 11: disabled effects stay in sight ---- */

TEST(gov_disabled_effects_are_listed_with_their_reason_and_can_return)
{
	pw_store_t *s = lt_open("dis.db");
	lt_events_t ev = {0};
	pw_bus_t bus = {&ev, lt_events_publish};
	pw_gov_cfg_t cfg = {.scripts_dir = "/nonexistent", .bus = &bus};
	pw_gov_t *g = lt_league_with(s, 4, &cfg);
	int64_t govs[2] = {lt_join(g, "A", 1, NULL), lt_join(g, "B", 2, NULL)};
	pass(g, govs, 2, 1, "install plus one", PLUS_ONE);
	/* The runner switches it off after failing games, as round.c does. */
	pw_err_t e;
	CHECK_EQ(store_begin(s), 0);
	cJSON *pl = cJSON_CreateObject();
	cJSON_AddStringToObject(pl, "effect_id", "fx-1-1");
	cJSON_AddStringToObject(pl, "reason", "failed in 3 consecutive games");
	cJSON_AddNumberToObject(pl, "round", 2);
	CHECK_EQ(gov_append_in_tx(g, PW_EV_EFFECT_DISABLED, "fx-1-1", 0, 0, 2, pl), 0);
	cJSON_Delete(pl);
	CHECK_EQ(store_commit(s), 0);
	/* Not active, but listed as disabled with the reason. */
	cJSON *act = gov_effects_json(g, true);
	CHECK_EQ(cJSON_GetArraySize(act), 0);
	cJSON_Delete(act);
	cJSON *cur = gov_effects_list_json(g, PW_FX_MASK_CURRENT);
	CHECK_EQ(cJSON_GetArraySize(cur), 1);
	const cJSON *d = cJSON_GetArrayItem(cur, 0);
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(d, "status")), "disabled");
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(d, "reason")), "failed in 3 consecutive games");
	CHECK_EQ(jint(d, "status_round"), 2);
	cJSON_Delete(cur);
	/* The admin brings it back, with a reason; the bus hears of it. */
	CHECK_EQ(gov_admin_effect(g, "fx-1-1", true, NULL, NULL, &e), PW_E_INVALID);
	CHECK_CONTAINS(e.msg, "reason");
	cJSON *o = NULL;
	CHECK_EQ(gov_admin_effect(g, "fx-1-1", true, "fixed upstream", &o, &e), 0);
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(o, "status")), "active");
	cJSON_Delete(o);
	CHECK_EQ(lt_events_count(&ev, "effect.enabled"), 1);
	CHECK_EQ(gov_admin_effect(g, "fx-1-1", true, "again", NULL, &e), PW_E_CONFLICT);
	/* ...and switches it off by hand. */
	CHECK_EQ(gov_admin_effect(g, "fx-1-1", false, "too strong", NULL, &e), 0);
	CHECK_EQ(lt_events_count(&ev, "effect.disabled"), 1);
	CHECK_EQ(gov_admin_effect(g, "fx-9-9", false, "nope", NULL, &e), PW_E_NOT_FOUND);
	gov_close(g);
	store_close(s);
}
