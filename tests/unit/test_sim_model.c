/*
 * test_sim_model.c — the engine's formulas one at a time: logistic bases,
 * contest, turnover and foul chances, rebounds, stamina, scheme choice,
 * matchups, substitutions and moves.
 */
#include "tests/test.h"

#include <math.h>
#include <stdio.h>

#include "core/sim/defense.h"
#include "core/sim/moves.h"
#include "core/sim/possession.h"
#include "core/sim/rng.h"
#include "core/sim/simstate.h"
#include "core/sim/tuning.h"
#include "tests/unit/sim_fixture.h"

TEST(model_logistic_bases_follow_the_spec_midpoints)
{
	CHECK_NEAR(poss_logistic(40, 40, 0.08), 0.5, 1e-12);
	CHECK_NEAR(poss_logistic(50, 40, 0.08), 1 / (1 + exp(-0.8)), 1e-12);
	/* At each class's midpoint the base sits halfway between floor and ceiling. */
	CHECK_NEAR(poss_shot_base(40, PW_SHOT_AT_RIM, 0), (TUNE_RIM_FLOOR + TUNE_SHOT_CEIL) / 2, 1e-12);
	CHECK_NEAR(poss_shot_base(50, PW_SHOT_MID_RANGE, 0), (TUNE_MIDR_FLOOR + TUNE_SHOT_CEIL) / 2, 1e-12);
	CHECK_NEAR(poss_shot_base(60, PW_SHOT_THREE, 0), (TUNE_THREE_FLOOR + TUNE_SHOT_CEIL) / 2, 1e-12);
	for (int s = 1; s < 100; s++) {
		for (int t = 0; t < PW_SHOT_TYPES; t++) {
			CHECK(poss_shot_base(s + 1, (pw_shot_type_t)t, 0) > poss_shot_base(s, (pw_shot_type_t)t, 0));
			CHECK(poss_shot_base(s, (pw_shot_type_t)t, 0) < TUNE_SHOT_CEIL);
		}
		/* Rim easier than mid easier than three, for everyone. */
		CHECK(poss_shot_base(s, PW_SHOT_AT_RIM, 0) > poss_shot_base(s, PW_SHOT_MID_RANGE, 0));
		CHECK(poss_shot_base(s, PW_SHOT_MID_RANGE, 0) > poss_shot_base(s, PW_SHOT_THREE, 0));
		/* A deeper line makes threes harder. */
		CHECK(poss_shot_base(s, PW_SHOT_THREE, 5) < poss_shot_base(s, PW_SHOT_THREE, 0));
	}
	/* Free throws: a high base, about 75% for an average scorer. */
	CHECK(poss_ft_base(45) > 0.70 && poss_ft_base(45) < 0.85);
	CHECK(poss_ft_base(90) > poss_ft_base(20));
}

TEST(model_factors_stay_in_their_ranges)
{
	CHECK_NEAR(poss_iq_factor(0), 0.9, 1e-12);
	CHECK_NEAR(poss_iq_factor(100), 1.1, 1e-12);
	CHECK_NEAR(poss_stamina_factor(1.0, false), 1.0, 1e-12);
	CHECK_NEAR(poss_stamina_factor(0.0, false), 0.7, 1e-12);
	CHECK_NEAR(poss_stamina_factor(0.0, true), 0.85, 1e-12); /* Iron Legs halves the penalty */
	/* A great defender takes up to half; the scheme adds its part. */
	CHECK_NEAR(poss_contest(PW_SCHEME_ZONE, 0, 1.0, 0), 0.03, 1e-12);
	CHECK(poss_contest(PW_SCHEME_MAN_TIGHT, 100, 1.0, 0) <= 0.5);
	CHECK(poss_contest(PW_SCHEME_MAN_TIGHT, 80, 1.0, 0) > poss_contest(PW_SCHEME_MAN_TIGHT, 30, 1.0, 0));
	CHECK(poss_contest(PW_SCHEME_MAN_TIGHT, 60, 0.2, 0) < poss_contest(PW_SCHEME_MAN_TIGHT, 60, 1.0, 0));
	CHECK(poss_contest(PW_SCHEME_MAN_TIGHT, 50, 1, 0) > poss_contest(PW_SCHEME_ZONE, 50, 1, 0));
}

TEST(model_turnover_chance_formula_and_clamp)
{
	/* 0.08 × modifier − iq/1000 + scheme bonus + fatigue, in [0.01, 0.25]. */
	CHECK_NEAR(poss_turnover_chance(1.0, 40, PW_SCHEME_ZONE, 1.0, 0), 0.08 - 0.04 + 0.005, 1e-12);
	CHECK_NEAR(poss_turnover_chance(1.0, 40, PW_SCHEME_PRESS, 1.0, 0), 0.08 - 0.04 + 0.04, 1e-12);
	CHECK_NEAR(poss_turnover_chance(1.0, 40, PW_SCHEME_ZONE, 0.0, 0), 0.08 - 0.04 + 0.005 + 0.05, 1e-12);
	CHECK_NEAR(poss_turnover_chance(3.0, 1, PW_SCHEME_PRESS, 0, 0), 0.25, 1e-12);
	CHECK_NEAR(poss_turnover_chance(0.2, 100, PW_SCHEME_ZONE, 1, 0), 0.01, 1e-12);
	CHECK(poss_turnover_chance(1.0, 40, PW_SCHEME_ZONE, 1, 0.1) > poss_turnover_chance(1.0, 40, PW_SCHEME_ZONE, 1, 0));
}

TEST(model_pass_chances_and_the_cached_parts)
{
	/* Another pass: 0.5 + (passing − 50) × 0.004; interception before help:
	 * 0.06 × modifier − (passing − 50) × 0.00025. */
	CHECK_NEAR(poss_pass_chance(50), 0.5, 1e-12);
	CHECK_NEAR(poss_pass_chance(100), 0.7, 1e-12);
	CHECK_NEAR(poss_pass_steal_base(1.0, 50), 0.06, 1e-12);
	CHECK_NEAR(poss_pass_steal_base(3.0, 90), 0.18 - 0.01, 1e-12);
	CHECK(poss_pass_steal_base(1.0, 90) < poss_pass_steal_base(1.0, 30));
	/* The parts the game keeps per hooper make up the whole formulas, bit
	 * for bit (the game computes the rest from them). */
	CHECK_NEAR(poss_turnover_base(1.0, 40), 0.04, 1e-12);
	CHECK_NEAR(poss_contest_defense(100), TUNE_CONTEST_DEF, 1e-12);
	CHECK(poss_turnover_chance(1.3, 37, PW_SCHEME_PRESS, 0.6, 0.01) ==
	      tune_clamp(poss_turnover_base(1.3, 37) + defense_forced_turnover(PW_SCHEME_PRESS) +
				 TUNE_TO_FATIGUE_MAX * (1.0 - 0.6) + 0.01,
			 TUNE_TO_MIN, TUNE_TO_MAX));
	CHECK(poss_contest(PW_SCHEME_ZONE, 63, 0.7, 0.5) ==
	      tune_clamp(defense_contest_add(PW_SCHEME_ZONE) +
				 poss_contest_defense(63) *
					 (TUNE_CONTEST_STAMINA_MIN + (1.0 - TUNE_CONTEST_STAMINA_MIN) * 0.7) +
				 0.5 * TUNE_INTENSITY_CONTEST,
			 0, TUNE_CONTEST_MAX));
}

TEST(model_foul_chance_formula_and_cap)
{
	CHECK_NEAR(poss_foul_chance(1.0, PW_SCHEME_ZONE, 60, 0), 0.08, 1e-12);
	CHECK_NEAR(poss_foul_chance(1.0, PW_SCHEME_PRESS, 60, 0), 0.12, 1e-12);
	CHECK_NEAR(poss_foul_chance(1.0, PW_SCHEME_MAN_TIGHT, 60, 0), 0.11, 1e-12);
	CHECK_NEAR(poss_foul_chance(1.0, PW_SCHEME_MAN_SWITCH, 60, 0), 0.09, 1e-12);
	/* Low-IQ defenders foul more. */
	CHECK(poss_foul_chance(1.0, PW_SCHEME_ZONE, 20, 0) > poss_foul_chance(1.0, PW_SCHEME_ZONE, 60, 0));
	CHECK_NEAR(poss_foul_chance(3.0, PW_SCHEME_PRESS, 1, 0.5), 0.25, 1e-12);
	CHECK_NEAR(poss_foul_chance(0.2, PW_SCHEME_ZONE, 80, -1), 0.0, 1e-12);
	/* The parts the game keeps per scheme and per hooper. */
	CHECK_NEAR(poss_foul_low_iq(40), 0.01, 1e-12);
	CHECK(poss_foul_low_iq(50) == 0 && poss_foul_low_iq(90) == 0);
	CHECK(poss_foul_chance(1.7, PW_SCHEME_PRESS, 31, 0.02) ==
	      tune_clamp(poss_foul_base(1.7, PW_SCHEME_PRESS) + 0.02 + poss_foul_low_iq(31), 0, TUNE_FOUL_MAX));
}

TEST(model_rebound_share)
{
	/* With no attributes the split is the spec's 5 : 10. */
	CHECK_NEAR(poss_offense_rebound_share(5.0, 0, 0, 0), 1.0 / 3.0, 1e-12);
	CHECK(poss_offense_rebound_share(15.0, 30, 30, 100) > poss_offense_rebound_share(5.0, 30, 30, 100));
	CHECK(poss_offense_rebound_share(5.0, 60, 20, 100) > poss_offense_rebound_share(5.0, 20, 60, 100));
	/* Fate nudges the offense. */
	CHECK(poss_offense_rebound_share(5.0, 30, 30, 250) > poss_offense_rebound_share(5.0, 30, 30, 50));
}

/* A hooper's drain in one possession, as the engine's drain() takes it. */
static double drain_of(const pw_rules_t *r, int stamina_attr, double team_mult, double scheme_cost)
{
	return poss_drain_team(r, team_mult, scheme_cost) * poss_drain_own(stamina_attr);
}

TEST(model_stamina_drain)
{
	pw_rules_t r;
	rules_default(&r);
	/* Base rate, more for low-stamina hoopers, more on defense, more away. */
	CHECK_NEAR(drain_of(&r, 100, 1.0, 0), r.stamina_drain_rate, 1e-12);
	CHECK(drain_of(&r, 30, 1.0, 0) > drain_of(&r, 80, 1.0, 0));
	CHECK(drain_of(&r, 50, 1.0, defense_stamina_cost(PW_SCHEME_PRESS)) >
	      drain_of(&r, 50, 1.0, defense_stamina_cost(PW_SCHEME_ZONE)));
	CHECK(drain_of(&r, 50, 1.1, 0) > drain_of(&r, 50, 1.0, 0));
	r.stamina_drain_rate = 0.02;
	CHECK_NEAR(drain_of(&r, 100, 1.0, 0), 0.02, 1e-12);
}

TEST(model_surface_table)
{
	double d, s;
	poss_surface("hardwood", &d, &s);
	CHECK_NEAR(d, 1.0, 0);
	CHECK_NEAR(s, 1.0, 0);
	poss_surface("Sand", &d, &s);
	CHECK(d < 1.0 && s < 1.0);
	poss_surface("no such floor", &d, &s);
	CHECK_NEAR(d, 1.0, 0);
	poss_surface(NULL, &d, &s);
	CHECK_NEAR(s, 1.0, 0);
}

TEST(model_selection_follows_attributes)
{
	int slasher[PW_ATTR_COUNT] = {50, 30, 25, 80, 40, 35, 40, 30, 30};
	int shooter[PW_ATTR_COUNT] = {80, 40, 25, 35, 35, 55, 30, 25, 35};
	double a[PW_SHOT_TYPES], b[PW_SHOT_TYPES];
	poss_selection_base(slasher, a);
	poss_selection_base(shooter, b);
	CHECK(a[PW_SHOT_AT_RIM] / (a[0] + a[1] + a[2]) > b[PW_SHOT_AT_RIM] / (b[0] + b[1] + b[2]));
	CHECK(b[PW_SHOT_THREE] / (b[0] + b[1] + b[2]) > a[PW_SHOT_THREE] / (a[0] + a[1] + a[2]));
	int bad[PW_ATTR_COUNT] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
	poss_selection_base(bad, a);
	for (int i = 0; i < PW_SHOT_TYPES; i++)
		CHECK(a[i] >= TUNE_SEL_FLOOR);
}

static double scheme_share(const pw_defense_situation_t *s, pw_scheme_t k)
{
	double w[PW_SCHEME_COUNT], sum = 0;
	defense_scheme_weights(s, w);
	for (int i = 0; i < PW_SCHEME_COUNT; i++) {
		CHECK(w[i] > 0);
		sum += w[i];
	}
	return w[k] / sum;
}

TEST(model_scheme_choice_reacts_to_the_game)
{
	pw_defense_situation_t base = {.iq = 50, .stamina = 0.7, .offense_speed = 45, .margin = 0};
	pw_defense_situation_t s = base;
	s.margin = -12; /* trailing */
	CHECK(scheme_share(&s, PW_SCHEME_PRESS) > scheme_share(&base, PW_SCHEME_PRESS) + 0.1);
	s = base;
	s.margin = 12; /* leading */
	CHECK(scheme_share(&s, PW_SCHEME_ZONE) > scheme_share(&base, PW_SCHEME_ZONE) + 0.1);
	s = base;
	s.stamina = 0.2; /* tired legs sit in zone */
	CHECK(scheme_share(&s, PW_SCHEME_ZONE) > scheme_share(&base, PW_SCHEME_ZONE));
	s = base;
	s.iq = 90;
	CHECK(scheme_share(&s, PW_SCHEME_MAN_TIGHT) + scheme_share(&s, PW_SCHEME_MAN_SWITCH) >
	      scheme_share(&base, PW_SCHEME_MAN_TIGHT) + scheme_share(&base, PW_SCHEME_MAN_SWITCH));
	s = base;
	s.offense_speed = 80;
	CHECK(scheme_share(&s, PW_SCHEME_ZONE) > scheme_share(&base, PW_SCHEME_ZONE));
	s = base;
	s.elam = true;
	CHECK(scheme_share(&s, PW_SCHEME_MAN_TIGHT) > scheme_share(&base, PW_SCHEME_MAN_TIGHT));
	/* A preferred scheme, when its condition holds. */
	pw_strategy_t st;
	memset(&st, 0, sizeof st);
	st.preferred_scheme = PW_SCHEME_PRESS;
	st.scheme_when = PW_WHEN_LEADING;
	s = base;
	s.strategy = &st;
	CHECK_NEAR(scheme_share(&s, PW_SCHEME_PRESS), scheme_share(&base, PW_SCHEME_PRESS), 1e-12);
	s.margin = 3;
	CHECK(scheme_share(&s, PW_SCHEME_PRESS) > 0.5);
	/* The game's draws (sim_pick) over these weights follow them. */
	pw_rng_t rng;
	rng_seed(&rng, 3);
	int n[PW_SCHEME_COUNT] = {0};
	s = base;
	s.margin = -15;
	double w[PW_SCHEME_COUNT];
	defense_scheme_weights(&s, w);
	for (int i = 0; i < 20000; i++)
		n[sim_pick(&rng, w, PW_SCHEME_COUNT)]++;
	CHECK_NEAR(n[PW_SCHEME_PRESS] / 20000.0, scheme_share(&s, PW_SCHEME_PRESS), 0.02);
}

TEST(model_matchups_put_the_best_defender_on_the_biggest_threat)
{
	pw_matchup_input_t in = {
		.threat = {40, 90, 60}, .contain = {0.3, 0.6, 0.9}, .stamina = {1, 1, 1}, .iq = 100,
	};
	pw_rng_t rng;
	rng_seed(&rng, 1);
	int m[PW_ON_FLOOR];
	for (int i = 0; i < 100; i++) {
		defense_assign(&in, &rng, m);
		CHECK_EQ(m[1], 2); /* best defender on the 90 */
		CHECK_EQ(m[2], 1);
		CHECK_EQ(m[0], 0);
	}
	/* A tired stopper is not sent onto the star. */
	in.stamina[2] = 0.0;
	in.contain[1] = 0.8;
	defense_assign(&in, &rng, m);
	CHECK(m[1] != 2);
	/* Dull teams get it wrong some of the time, sharp teams never. */
	pw_matchup_input_t dull = {.threat = {40, 90, 60}, .contain = {0.3, 0.6, 0.9},
				   .stamina = {1, 1, 1}, .iq = 10};
	int wrong = 0;
	for (int i = 0; i < 2000; i++) {
		defense_assign(&dull, &rng, m);
		wrong += m[1] != 2;
	}
	CHECK(wrong > 50 && wrong < 1800);
	/* Always a permutation. */
	for (int i = 0; i < 200; i++) {
		defense_assign(&dull, &rng, m);
		CHECK(m[0] != m[1] && m[1] != m[2] && m[0] != m[2]);
	}
}

TEST(model_inline_rng_matches_rng_h)
{
	pw_rng_t a, b;
	rng_seed(&a, 99);
	rng_seed(&b, 99);
	for (int i = 0; i < 1000; i++) {
		CHECK(sim_next(&a) == rng_next(&b));
		CHECK(sim_uniform(&a) == rng_uniform(&b));
		double p = (i % 10) / 10.0;
		CHECK_EQ(sim_chance(&a, p), rng_uniform(&b) < p);
	}
	double w[4] = {1, 0, 3, 2};
	int n[4] = {0};
	for (int i = 0; i < 60000; i++)
		n[sim_pick(&a, w, 4)]++;
	CHECK_EQ(n[1], 0);
	CHECK_NEAR(n[2] / 60000.0, 0.5, 0.01);
	CHECK_NEAR(n[3] / 60000.0, 1.0 / 3, 0.01);
	double z[3] = {0, 0, 0};
	CHECK_EQ(sim_pick(&a, z, 3), 2);
}

/* A team whose four hoopers are copies of one line, with chosen moves. */
static void uniform_team(pw_team_t *t, int id, const int attr[PW_ATTR_COUNT], int n_moves,
			 const pw_move_id_t *moves)
{
	memset(t, 0, sizeof *t);
	t->id = id;
	snprintf(t->name, sizeof t->name, "Team %d", id);
	snprintf(t->venue.surface, sizeof t->venue.surface, "hardwood");
	t->venue.capacity = 10000;
	teams_strategy_default(&t->strategy);
	for (int i = 0; i < PW_ROSTER_SIZE; i++) {
		pw_hooper_t *h = &t->hoopers[i];
		h->id = id * 10 + i;
		h->team_id = id;
		snprintf(h->name, sizeof h->name, "H%d", h->id);
		memcpy(h->attr, attr, sizeof h->attr);
		h->is_starter = i < PW_ON_FLOOR;
		h->n_moves = n_moves;
		for (int k = 0; k < n_moves; k++)
			h->moves[k] = moves[k];
	}
}

typedef struct move_stats {
	long fired[PW_MOVE_COUNT];
	long fga[2], fgm[2], rim_fga[2], rim_fgm[2], fta[2];
} move_stats_t;

static move_stats_t play_moves(const pw_team_t *home, const pw_team_t *away, int games)
{
	move_stats_t s;
	memset(&s, 0, sizeof s);
	pw_rules_t rules;
	rules_default(&rules);
	rules.home_court_enabled = false;
	pw_game_result_t r;
	sim_result_init(&r);
	for (int g = 0; g < games; g++) {
		pw_game_input_t in = {.seed = (uint64_t)g, .home = home, .away = away, .rules = &rules};
		CHECK_EQ(sim_game(&in, &r), 0);
		for (size_t i = 0; i < r.n_plays; i++) {
			const pw_play_t *p = &r.plays[i];
			if (p->move >= 0 && p->move < PW_MOVE_COUNT)
				s.fired[p->move]++;
			if (p->action == PW_ACT_AT_RIM && p->result != PW_RES_BLOCKED) {
				s.rim_fga[p->offense]++;
				s.rim_fgm[p->offense] += p->result == PW_RES_MADE;
			}
		}
		for (int t = 0; t < 2; t++) {
			fx_totals_t x = fx_team(&r, t);
			s.fga[t] += x.fga;
			s.fgm[t] += x.fgm;
			s.fta[t] += x.fta;
		}
	}
	sim_result_free(&r);
	return s;
}

TEST(model_moves_fire_when_gated_open_and_change_the_game)
{
	/* Everyone qualifies for every gate. */
	int star[PW_ATTR_COUNT] = {60, 75, 80, 70, 75, 80, 75, 75, 40};
	/* A play shows one move; Chaos Dunk would hide Killer Crossover on
	 * the same drive, so it gets a run of its own. */
	pw_move_id_t all[PW_MAX_MOVES] = {PW_MOVE_HEAT_CHECK, PW_MOVE_KILLER_CROSSOVER,
					  PW_MOVE_NO_LOOK_PASS, PW_MOVE_LOCKDOWN_STANCE,
					  PW_MOVE_CLUTCH_GENE, PW_MOVE_CHAOS_DUNK};
	pw_move_id_t rest[2] = {PW_MOVE_IRON_LEGS, PW_MOVE_COURT_VISION};
	pw_team_t *a = malloc(sizeof *a), *b = malloc(sizeof *b);
	int games = test_iters(200, 40);

	uniform_team(a, 1, star, 5, all);
	uniform_team(b, 2, star, 2, rest);
	move_stats_t s = play_moves(a, b, games);
	uniform_team(a, 1, star, 1, &all[5]);
	move_stats_t s2 = play_moves(a, b, games);
	s.fired[PW_MOVE_CHAOS_DUNK] = s2.fired[PW_MOVE_CHAOS_DUNK];
	for (int m = 0; m < PW_MOVE_COUNT; m++)
		CHECK_MSG(s.fired[m] > 0, "%s never fired", moves_def((pw_move_id_t)m)->name);

	/* Below the gate, nothing fires. */
	int dull[PW_ATTR_COUNT] = {50, 40, 40, 40, 40, 40, 40, 40, 40};
	uniform_team(a, 1, dull, 6, all);
	uniform_team(b, 2, dull, 2, rest);
	s = play_moves(a, b, games / 2 + 1);
	for (int m = 0; m < PW_MOVE_COUNT; m++)
		CHECK_MSG(s.fired[m] == 0, "%s fired below its gate", moves_def((pw_move_id_t)m)->name);

	/* Lockdown Stance: the same defenders with the move hold opponents
	 * to a lower field-goal %. Killer Crossover: better drives. */
	int d80[PW_ATTR_COUNT] = {50, 40, 80, 70, 40, 40, 40, 40, 40};
	pw_move_id_t lock = PW_MOVE_LOCKDOWN_STANCE, cross = PW_MOVE_KILLER_CROSSOVER;
	uniform_team(a, 1, d80, 0, NULL);
	uniform_team(b, 2, d80, 0, NULL);
	move_stats_t plain = play_moves(a, b, games);
	uniform_team(a, 1, d80, 1, &lock);
	move_stats_t locked = play_moves(a, b, games);
	CHECK((double)locked.fgm[1] / locked.fga[1] < (double)plain.fgm[1] / plain.fga[1] - 0.02);
	uniform_team(a, 1, d80, 1, &cross);
	move_stats_t crossed = play_moves(a, b, games);
	CHECK((double)crossed.rim_fgm[0] / crossed.rim_fga[0] >
	      (double)plain.rim_fgm[0] / plain.rim_fga[0] + 0.03);
	free(a);
	free(b);
}

TEST(model_substitutions_at_breaks_and_foul_outs)
{
	/* Tired legs: a high drain and threshold make fatigue subs certain. */
	pw_rules_t rules;
	rules_default(&rules);
	rules.stamina_drain_rate = 0.03;
	rules.substitution_stamina_threshold = 0.8;
	pw_league_t *l = fx_league(14);
	pw_game_result_t r;
	sim_result_init(&r);
	CHECK_EQ(fx_game(l, 0, 1, &rules, 1, NULL, &r), 0);
	int subs = 0, elam_subs = 0;
	for (size_t i = 0; i < r.n_plays; i++) {
		const pw_play_t *p = &r.plays[i];
		if (p->action == PW_ACT_SUBSTITUTION && p->result == PW_RES_IN) {
			subs++;
			elam_subs += p->quarter > rules.elam_trigger_quarter;
			CHECK(p->handler_id != p->other_id);
		}
	}
	CHECK(subs >= 2);
	CHECK_EQ(elam_subs, 0); /* no fatigue subs in the Elam period */
	for (int t = 0; t < 2; t++) {
		int played = 0;
		for (int i = 0; i < PW_ROSTER_SIZE; i++)
			played += r.box[t][i].seconds > 0;
		CHECK(played == PW_ROSTER_SIZE);
	}

	/* Foul-outs: with a limit of 3 and many fouls, hoopers leave at once. */
	rules_default(&rules);
	rules.personal_foul_limit = 3;
	rules.foul_rate_modifier = 3.0;
	int outs = 0;
	for (int g = 0; g < 20; g++) {
		CHECK_EQ(fx_game(l, 2, 3, &rules, (uint64_t)g, NULL, &r), 0);
		for (size_t i = 0; i < r.n_plays; i++) {
			const pw_play_t *p = &r.plays[i];
			if (p->action == PW_ACT_SUBSTITUTION && p->result == PW_RES_FOUL_OUT) {
				outs++;
				/* The previous play is the third foul of the hooper going out. */
				CHECK_EQ(r.plays[i - 1].action, PW_ACT_FOUL);
				CHECK_EQ(r.plays[i - 1].defender_id, p->other_id);
			}
		}
	}
	CHECK(outs > 5);
	free(l);
	sim_result_free(&r);
}
