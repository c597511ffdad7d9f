/*
 * test_sim_hooks.c — C doubles of pw_hooks_t: every result field changes
 * the game the way spec 20-effects says, every hook point is reached with
 * its context filled, and a hook that returns nothing changes nothing.
 */
#include "tests/test.h"

#include <stdio.h>

#include "core/sim/hooks.h"
#include "tests/unit/sim_fixture.h"

/* A double: counts calls per hook, checks the context, and returns what
 * the test asks for at one hook. */
typedef struct dbl {
	pw_sim_hook_t at;
	pw_hook_result_t give;
	int calls[PW_SIM_HOOK_COUNT];
	int bad_ctx;
	double seen_stamina_min; /* handler stamina seen at possession.pre */
} dbl_t;

static void dbl_call(void *ud, const pw_hook_ctx_t *c, pw_hook_result_t *r)
{
	dbl_t *d = ud;
	d->calls[c->hook]++;
	const pw_game_state_t *g = c->game;
	if (!g || !g->rules || !g->team[0] || !g->team[1])
		d->bad_ctx++;
	switch (c->hook) {
	case PW_HOOK_POSSESSION_PRE:
		if (!c->handler || c->subject != c->handler || c->offense < 0)
			d->bad_ctx++;
		else if (c->handler->stamina < d->seen_stamina_min)
			d->seen_stamina_min = c->handler->stamina;
		break;
	case PW_HOOK_SHOT_PRE:
		if (!c->shooter || !c->defender || c->probability <= 0 || c->probability >= 1 ||
		    c->shooter->team != c->offense || c->defender->team == c->offense)
			d->bad_ctx++;
		break;
	case PW_HOOK_SHOT_POST:
		if (!c->shooter || (c->made && c->points <= 0))
			d->bad_ctx++;
		break;
	case PW_HOOK_TURNOVER_POST:
		if (!c->handler)
			d->bad_ctx++;
		break;
	case PW_HOOK_FOUL_POST:
		if (!c->fouler || !c->fouled || c->fouler->team == c->fouled->team)
			d->bad_ctx++;
		break;
	case PW_HOOK_REBOUND_POST:
		if (!c->rebounder || c->offensive != (c->rebounder->team == c->offense))
			d->bad_ctx++;
		break;
	case PW_HOOK_ELAM_START:
		if (!g->elam || g->elam_target <= 0)
			d->bad_ctx++;
		break;
	case PW_HOOK_GAME_END:
		if (g->winner < 0)
			d->bad_ctx++;
		break;
	default:
		if (c->offense != -1)
			d->bad_ctx++;
		break;
	}
	if (c->hook == d->at)
		*r = d->give;
}

#define ALL_HOOKS ((1u << PW_SIM_HOOK_COUNT) - 1)

/* Totals over n games of one league with double d (NULL: no hooks). */
typedef struct sums {
	long points, fga, fgm, tpa, turnovers, possessions, plays, blocked, narratives, effect_pts;
	long handler_points;
} sums_t;

static sums_t play_many(dbl_t *d, uint32_t mask, int n, const pw_rules_t *rules)
{
	sums_t s = {0};
	pw_hooks_t hooks = {mask, d, dbl_call};
	pw_league_t *l = fx_league(77);
	pw_game_result_t r;
	sim_result_init(&r);
	for (int g = 0; g < n; g++) {
		CHECK_EQ(fx_game(l, g % 8, (g + 1) % 8, rules, 300 + (uint64_t)g, d ? &hooks : NULL, &r), 0);
		fx_totals_t h = fx_team(&r, 0), a = fx_team(&r, 1);
		s.points += r.home_score + r.away_score;
		s.fga += h.fga + a.fga;
		s.fgm += h.fgm + a.fgm;
		s.tpa += h.tpa + a.tpa;
		s.turnovers += h.turnovers + a.turnovers;
		s.possessions += r.total_possessions;
		s.plays += (long)r.n_plays;
		s.handler_points += h.points + a.points;
		for (size_t i = 0; i < r.n_plays; i++) {
			s.blocked += r.plays[i].result == PW_RES_BLOCKED;
			s.narratives += sim_play_narrative(&r, &r.plays[i]) != NULL;
			if (r.plays[i].action == PW_ACT_EFFECT)
				s.effect_pts += r.plays[i].points;
		}
	}
	free(l);
	sim_result_free(&r);
	return s;
}

static pw_rules_t defaults(void)
{
	pw_rules_t r;
	rules_default(&r);
	return r;
}

TEST(hooks_names_are_the_contract_strings)
{
	for (int h = 0; h < PW_SIM_HOOK_COUNT; h++)
		CHECK(hooks_name((pw_sim_hook_t)h) != NULL);
	CHECK_STR(hooks_name(PW_HOOK_SHOT_PRE), "sim.shot.pre");
	CHECK_STR(hooks_name(PW_HOOK_ELAM_START), "sim.elam.start");
	CHECK(hooks_name(PW_SIM_HOOK_COUNT) == NULL);
	CHECK_STR(hooks_shot_type_name(PW_SHOT_THREE), "three_point");
	CHECK_STR(hooks_shot_type_name(PW_SHOT_AT_RIM), "at_rim");
	CHECK_STR(hooks_shot_type_name(PW_SHOT_MID_RANGE), "mid_range");
	CHECK(hooks_shot_type_name(PW_SHOT_TYPES) == NULL);
	CHECK_STR(hooks_scheme_name(PW_SCHEME_MAN_SWITCH), "man_switch");
	CHECK_STR(hooks_scheme_name(PW_SCHEME_PRESS), "press");
	CHECK(hooks_scheme_name(PW_SCHEME_COUNT) == NULL);
}

TEST(hooks_a_silent_observer_leaves_the_game_identical)
{
	pw_rules_t rules = defaults();
	pw_league_t *l = fx_league(21);
	pw_game_result_t a, b;
	sim_result_init(&a);
	sim_result_init(&b);
	dbl_t d = {.at = PW_SIM_HOOK_COUNT, .seen_stamina_min = 1};
	pw_hooks_t hooks = {ALL_HOOKS, &d, dbl_call};
	for (int g = 0; g < 100; g++) {
		CHECK_EQ(fx_game(l, g % 8, (g + 3) % 8, &rules, (uint64_t)g, NULL, &a), 0);
		CHECK_EQ(fx_game(l, g % 8, (g + 3) % 8, &rules, (uint64_t)g, &hooks, &b), 0);
		CHECK(fx_same_game(&a, &b));
	}
	/* Every hook point was reached, with a sound context. */
	for (int h = 0; h < PW_SIM_HOOK_COUNT; h++)
		CHECK_MSG(d.calls[h] > 0, "%s never called", hooks_name((pw_sim_hook_t)h));
	CHECK_EQ(d.bad_ctx, 0);
	CHECK_EQ(d.calls[PW_HOOK_GAME_PRE], 100);
	CHECK_EQ(d.calls[PW_HOOK_GAME_END], 100);
	CHECK_EQ(d.calls[PW_HOOK_ELAM_START], 100);
	CHECK_EQ(d.calls[PW_HOOK_HALFTIME], 100);
	CHECK_EQ(d.calls[PW_HOOK_QUARTER_PRE], 300);
	CHECK_EQ(d.calls[PW_HOOK_QUARTER_END], 300);
	free(l);
	sim_result_free(&a);
	sim_result_free(&b);
}

TEST(hooks_shot_probability_changes_makes)
{
	pw_rules_t rules = defaults();
	int n = 100;
	sums_t base = play_many(NULL, 0, n, &rules);
	dbl_t up = {.at = PW_HOOK_SHOT_PRE, .give = {.shot_probability = 1.0}};
	dbl_t down = {.at = PW_HOOK_SHOT_PRE, .give = {.shot_probability = -1.0}};
	sums_t su = play_many(&up, PW_HOOK_BIT(PW_HOOK_SHOT_PRE), n, &rules);
	sums_t sd = play_many(&down, PW_HOOK_BIT(PW_HOOK_SHOT_PRE), n, &rules);
	double fg = (double)base.fgm / base.fga;
	CHECK((double)su.fgm / su.fga > 0.85);
	CHECK((double)sd.fgm / sd.fga < 0.05);
	CHECK(fg > 0.3 && fg < 0.6);
}

TEST(hooks_shot_value_adds_points_to_made_shots)
{
	pw_rules_t rules = defaults();
	dbl_t d = {.at = PW_HOOK_SHOT_PRE, .give = {.shot_value = 2}};
	pw_hooks_t hooks = {PW_HOOK_BIT(PW_HOOK_SHOT_PRE), &d, dbl_call};
	pw_league_t *l = fx_league(6);
	pw_game_result_t r;
	sim_result_init(&r);
	CHECK_EQ(fx_game(l, 0, 1, &rules, 5, &hooks, &r), 0);
	int twos = 0, threes = 0;
	for (size_t i = 0; i < r.n_plays; i++) {
		const pw_play_t *p = &r.plays[i];
		if (p->result == PW_RES_MADE && p->action <= PW_ACT_MID_RANGE) {
			CHECK_EQ(p->points, 4);
			twos++;
		}
		if (p->result == PW_RES_MADE && p->action == PW_ACT_THREE) {
			CHECK_EQ(p->points, 5);
			threes++;
		}
	}
	CHECK(twos > 0 && threes > 0);
	free(l);
	sim_result_free(&r);
}

TEST(hooks_score_adds_points_for_the_offense_and_by_side)
{
	pw_rules_t rules = defaults();
	pw_league_t *l = fx_league(6);
	pw_game_result_t a, b;
	sim_result_init(&a);
	sim_result_init(&b);
	/* score = 1 at every possession: effect plays carry the points, the
	 * handler is credited, and the totals still add up. */
	dbl_t d = {.at = PW_HOOK_POSSESSION_PRE, .give = {.score_offense = 1}};
	pw_hooks_t hooks = {PW_HOOK_BIT(PW_HOOK_POSSESSION_PRE), &d, dbl_call};
	CHECK_EQ(fx_game(l, 0, 1, &rules, 5, NULL, &a), 0);
	CHECK_EQ(fx_game(l, 0, 1, &rules, 5, &hooks, &b), 0);
	int fx = 0;
	for (size_t i = 0; i < b.n_plays; i++)
		if (b.plays[i].action == PW_ACT_EFFECT) {
			CHECK_EQ(b.plays[i].points, 1);
			CHECK(b.plays[i].handler_id != 0);
			fx++;
		}
	CHECK(fx > 10);
	CHECK_EQ(fx_team(&b, 0).points, b.home_score);
	CHECK_EQ(fx_team(&b, 1).points, b.away_score);
	CHECK(!fx_same_game(&a, &b));

	/* score = {home = 10} at game start. */
	dbl_t h = {.at = PW_HOOK_GAME_PRE, .give = {.score_home = 10}};
	pw_hooks_t hh = {PW_HOOK_BIT(PW_HOOK_GAME_PRE), &h, dbl_call};
	CHECK_EQ(fx_game(l, 0, 1, &rules, 5, &hh, &b), 0);
	CHECK_EQ(b.plays[0].action, PW_ACT_EFFECT);
	CHECK_EQ(b.plays[0].points, 10);
	CHECK_EQ(b.plays[0].home_score, 10);
	CHECK_EQ(b.quarters[0].home >= 10, 1);
	free(l);
	sim_result_free(&a);
	sim_result_free(&b);
}

TEST(hooks_stamina_changes_the_subject)
{
	pw_rules_t rules = defaults();
	/* Draining every handler to zero makes everyone tired: the double sees
	 * it at later possessions, and the game plays differently. */
	dbl_t d = {.at = PW_HOOK_POSSESSION_PRE, .give = {.stamina = -1.0}, .seen_stamina_min = 1};
	dbl_t obs = {.at = PW_SIM_HOOK_COUNT, .seen_stamina_min = 1};
	sums_t tired = play_many(&d, PW_HOOK_BIT(PW_HOOK_POSSESSION_PRE), 100, &rules);
	sums_t fresh = play_many(&obs, PW_HOOK_BIT(PW_HOOK_POSSESSION_PRE), 100, &rules);
	CHECK(d.seen_stamina_min == 0.0);
	CHECK((double)tired.fgm / tired.fga < (double)fresh.fgm / fresh.fga - 0.02);
}

TEST(hooks_turnover_probability_adds_turnovers)
{
	pw_rules_t rules = defaults();
	dbl_t d = {.at = PW_HOOK_POSSESSION_PRE, .give = {.turnover_probability = 0.2}};
	sums_t more = play_many(&d, PW_HOOK_BIT(PW_HOOK_POSSESSION_PRE), 100, &rules);
	sums_t base = play_many(NULL, 0, 100, &rules);
	CHECK((double)more.turnovers / more.possessions >
	      (double)base.turnovers / base.possessions + 0.08);
}

TEST(hooks_foul_probability_adds_free_throws)
{
	pw_rules_t rules = defaults();
	dbl_t d = {.at = PW_HOOK_SHOT_PRE, .give = {.foul_probability = 0.15}};
	dbl_t e = {.at = PW_HOOK_POSSESSION_PRE, .give = {.foul_probability = 0.15}};
	pw_hooks_t h1 = {PW_HOOK_BIT(PW_HOOK_SHOT_PRE), &d, dbl_call};
	pw_hooks_t h2 = {PW_HOOK_BIT(PW_HOOK_POSSESSION_PRE), &e, dbl_call};
	pw_league_t *l = fx_league(9);
	pw_game_result_t r;
	sim_result_init(&r);
	long fta[3] = {0, 0, 0};
	for (int g = 0; g < 60; g++) {
		const pw_hooks_t *hs[3] = {NULL, &h1, &h2};
		for (int k = 0; k < 3; k++) {
			CHECK_EQ(fx_game(l, 2, 3, &rules, (uint64_t)g, hs[k], &r), 0);
			fta[k] += fx_team(&r, 0).fta + fx_team(&r, 1).fta;
		}
	}
	CHECK(fta[1] > fta[0] * 3 / 2);
	CHECK(fta[2] > fta[0] * 3 / 2);
	free(l);
	sim_result_free(&r);
}

TEST(hooks_action_bias_moves_shot_selection)
{
	pw_rules_t rules = defaults();
	dbl_t d = {.at = PW_HOOK_POSSESSION_PRE};
	d.give.action_bias[PW_SHOT_THREE] = 5.0;
	sums_t three = play_many(&d, PW_HOOK_BIT(PW_HOOK_POSSESSION_PRE), 60, &rules);
	dbl_t e = {.at = PW_HOOK_POSSESSION_PRE};
	e.give.action_bias[PW_SHOT_THREE] = -5.0;
	sums_t none = play_many(&e, PW_HOOK_BIT(PW_HOOK_POSSESSION_PRE), 60, &rules);
	/* A bias of 5 is five times the whole of the normal weights. */
	CHECK((double)three.tpa / three.fga > 0.85);
	CHECK(none.tpa == 0);
}

TEST(hooks_block_waves_off_every_shot)
{
	pw_rules_t rules = defaults();
	rules.safety_cap_possessions = 120;
	dbl_t d = {.at = PW_HOOK_SHOT_PRE, .give = {.block = true}};
	sums_t s = play_many(&d, PW_HOOK_BIT(PW_HOOK_SHOT_PRE), 20, &rules);
	CHECK_EQ(s.fga, 0);
	CHECK(s.blocked > 100);
}

TEST(hooks_narrative_reaches_the_plays)
{
	pw_rules_t rules = defaults();
	dbl_t d = {.at = PW_HOOK_SHOT_PRE};
	snprintf(d.give.narrative, sizeof d.give.narrative, "Swagger is flowing.");
	pw_hooks_t hooks = {PW_HOOK_BIT(PW_HOOK_SHOT_PRE), &d, dbl_call};
	pw_league_t *l = fx_league(6);
	pw_game_result_t r;
	sim_result_init(&r);
	CHECK_EQ(fx_game(l, 0, 1, &rules, 5, &hooks, &r), 0);
	int shots = 0, told = 0;
	for (size_t i = 0; i < r.n_plays; i++) {
		const pw_play_t *p = &r.plays[i];
		const char *n = sim_play_narrative(&r, p);
		if (p->action <= PW_ACT_THREE) {
			shots++;
			if (n) {
				CHECK_STR(n, "Swagger is flowing.");
				told++;
			}
		}
	}
	CHECK(shots > 0);
	CHECK_EQ(told, shots);

	/* A narrative at a hook with no play of its own gets an effect play. */
	dbl_t e = {.at = PW_HOOK_HALFTIME};
	snprintf(e.give.narrative, sizeof e.give.narrative, "The band plays on.");
	pw_hooks_t he = {PW_HOOK_BIT(PW_HOOK_HALFTIME), &e, dbl_call};
	CHECK_EQ(fx_game(l, 0, 1, &rules, 5, &he, &r), 0);
	int found = 0;
	for (size_t i = 0; i < r.n_plays; i++) {
		const char *n = sim_play_narrative(&r, &r.plays[i]);
		if (n && !strcmp(n, "The band plays on.")) {
			CHECK_EQ(r.plays[i].action, PW_ACT_EFFECT);
			found++;
		}
	}
	CHECK_EQ(found, 1);
	free(l);
	sim_result_free(&r);
}

/* attributes at game start: every hooper of the home team loses 99 scoring. */
static void slump(void *ud, const pw_hook_ctx_t *c, pw_hook_result_t *r)
{
	(void)ud;
	if (c->hook != PW_HOOK_GAME_PRE)
		return;
	for (int i = 0; i < PW_ROSTER_SIZE; i++) {
		r->attrs[r->n_attrs++] = (pw_attr_change_t){
			c->game->team[0]->hoopers[i].id, PW_ATTR_SCORING, -99};
		r->attrs[r->n_attrs++] = (pw_attr_change_t){
			c->game->team[1]->hoopers[i].id, PW_ATTR_SCORING, +99};
	}
}

static void peek_scoring(void *ud, const pw_hook_ctx_t *c, pw_hook_result_t *r)
{
	int *bad = ud;
	(void)r;
	if (c->hook == PW_HOOK_SHOT_PRE)
		*bad += c->shooter->attr[PW_ATTR_SCORING] != (c->offense == 0 ? 1 : 100);
}

static void both(void *ud, const pw_hook_ctx_t *c, pw_hook_result_t *r)
{
	slump(NULL, c, r);
	peek_scoring(ud, c, r);
}

TEST(hooks_attributes_change_hoopers_for_this_game_only)
{
	pw_rules_t rules = defaults();
	pw_league_t *l = fx_league(6);
	pw_game_result_t r;
	sim_result_init(&r);
	int bad = 0;
	pw_hooks_t hooks = {PW_HOOK_BIT(PW_HOOK_GAME_PRE) | PW_HOOK_BIT(PW_HOOK_SHOT_PRE), &bad, both};
	long hf = 0, hm = 0, af = 0, am = 0;
	for (int g = 0; g < 40; g++) {
		CHECK_EQ(fx_game(l, 0, 1, &rules, (uint64_t)g, &hooks, &r), 0);
		hf += fx_team(&r, 0).fga;
		hm += fx_team(&r, 0).fgm;
		af += fx_team(&r, 1).fga;
		am += fx_team(&r, 1).fgm;
	}
	CHECK_EQ(bad, 0);
	CHECK((double)hm / hf + 0.15 < (double)am / af);
	/* The team data itself is untouched. */
	CHECK(l->teams[0].hoopers[0].attr[PW_ATTR_SCORING] > 1);
	pw_league_t *fresh = fx_league(6);
	CHECK(memcmp(fresh->teams, l->teams, sizeof l->teams) == 0);
	free(fresh);
	free(l);
	sim_result_free(&r);
}

TEST(hooks_shot_narrative_stays_on_the_shot_or_its_foul)
{
	/* Fouls everywhere and a 3-foul limit, so a foul-out substitution (a
	 * play written after the foul) follows many fouled shots: the shot's
	 * narrative belongs to the shot or to the foul, never to what came
	 * after it. */
	pw_rules_t rules = defaults();
	rules.foul_rate_modifier = 3.0;
	rules.personal_foul_limit = 3;
	dbl_t d = {.at = PW_HOOK_SHOT_PRE};
	snprintf(d.give.narrative, sizeof d.give.narrative, "Swagger is flowing.");
	pw_hooks_t hooks = {PW_HOOK_BIT(PW_HOOK_SHOT_PRE), &d, dbl_call};
	pw_league_t *l = fx_league(6);
	pw_game_result_t r;
	sim_result_init(&r);
	int on_fouls = 0, foul_outs = 0;
	for (uint64_t seed = 1; seed <= 20; seed++) {
		CHECK_EQ(fx_game(l, 0, 1, &rules, seed, &hooks, &r), 0);
		for (size_t i = 0; i < r.n_plays; i++) {
			const pw_play_t *p = &r.plays[i];
			const char *n = sim_play_narrative(&r, p);
			if (p->action == PW_ACT_SUBSTITUTION && p->result == PW_RES_FOUL_OUT)
				foul_outs++;
			if (!n || strcmp(n, "Swagger is flowing."))
				continue;
			CHECK_MSG(p->action <= PW_ACT_THREE || p->action == PW_ACT_FOUL,
				  "seed %llu play %zu (%d) carries the shot's narrative",
				  (unsigned long long)seed, i, p->action);
			on_fouls += p->action == PW_ACT_FOUL;
		}
	}
	CHECK(foul_outs > 0);
	CHECK(on_fouls > 0);
	free(l);
	sim_result_free(&r);
}
