/*
 * test_sim_game.c — whole games: the GameResult invariants of spec
 * 10-simulation over thousands of seeds, determinism, the Elam ending and
 * the safety cap.
 */
#include "tests/test.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/sim/result.h"
#include "core/sim/rng.h"
#include "core/sim/simstate.h"
#include "tests/unit/sim_fixture.h"

/* Checks every invariant of one finished game; returns the failures. */
static int check_invariants(const pw_game_result_t *r, uint64_t seed)
{
	int bad = 0;
#define INV(cond)                                                                   \
	do {                                                                        \
		if (!(cond)) {                                                      \
			if (bad++ == 0)                                             \
				test_fail(__FILE__, __LINE__, "seed %llu: %s",      \
					  (unsigned long long)seed, #cond);         \
		}                                                                   \
	} while (0)
	fx_totals_t h = fx_team(r, 0), a = fx_team(r, 1);
	INV(h.points == r->home_score);
	INV(a.points == r->away_score);
	int qh = 0, qa = 0;
	for (int i = 0; i < r->n_quarters; i++) {
		qh += r->quarters[i].home;
		qa += r->quarters[i].away;
	}
	INV(qh == r->home_score && qa == r->away_score);
	INV(r->winner == 0 || r->winner == 1);
	INV(r->home_score != r->away_score);
	INV((r->winner == 0) == (r->home_score > r->away_score));
	int ws = r->winner == 0 ? r->home_score : r->away_score;
	if (r->elam_target > 0) {
		if (!r->safety_capped)
			INV(ws >= r->elam_target);
		INV(r->n_quarters == r->rules.elam_trigger_quarter + 1);
		INV(r->quarters[r->n_quarters - 1].quarter == r->rules.elam_trigger_quarter + 1);
	}
	int hs = 0, as = 0, last_scorer = -1, sum_pts[2] = {0, 0};
	for (size_t i = 0; i < r->n_plays; i++) {
		const pw_play_t *p = &r->plays[i];
		INV(p->n == (int)i + 1);
		INV(p->home_score >= hs && p->away_score >= as);
		if (p->points > 0) {
			last_scorer = p->offense;
			sum_pts[p->offense] += p->points;
			INV(p->action == PW_ACT_FREE_THROW || p->action <= PW_ACT_THREE ||
			    p->action == PW_ACT_EFFECT);
		}
		hs = p->home_score;
		as = p->away_score;
	}
	INV(hs == r->home_score && as == r->away_score);
	INV(sum_pts[0] == r->home_score && sum_pts[1] == r->away_score);
	if (!r->safety_capped)
		INV(last_scorer == r->winner);
	INV(r->largest_lead >= abs(r->home_score - r->away_score));
	INV(r->total_possessions > 0);
	for (int t = 0; t < 2; t++) {
		/* A hooper fouls out and leaves; only when the bench has run dry
		 * does a fouled-out hooper stay on (and may foul again). */
		int out = 0, over = 0;
		for (int i = 0; i < PW_ROSTER_SIZE; i++) {
			const pw_box_t *b = &r->box[t][i];
			INV(b->fgm <= b->fga && b->tpm <= b->tpa && b->ftm <= b->fta);
			INV(b->tpa <= b->fga && b->seconds >= 0);
			out += b->fouls >= r->rules.personal_foul_limit;
			over += b->fouls > r->rules.personal_foul_limit;
		}
		INV(over == 0 || out >= 2);
	}
	/* Plus/minus sums to five times... no: to 3 × margin per team. */
	int pm = 0;
	for (int i = 0; i < PW_ROSTER_SIZE; i++)
		pm += r->box[0][i].plus_minus;
	INV(pm == PW_ON_FLOOR * (r->home_score - r->away_score));
#undef INV
	return bad;
}

TEST(sim_invariants_hold_over_thousands_of_seeds)
{
	pw_rules_t rules;
	rules_default(&rules);
	pw_game_result_t r;
	sim_result_init(&r);
	pw_league_t *l = NULL;
	int n = test_iters(4000, 400), failures = 0, elam = 0;
	for (int g = 0; g < n && failures < 5; g++) {
		if (g % 56 == 0) {
			free(l);
			l = fx_league(9000 + (uint64_t)g);
		}
		int home = g % 8, away = (home + 1 + (g / 8) % 7) % 8;
		uint64_t seed = 77 + (uint64_t)g * 7919;
		CHECK_EQ(fx_game(l, home, away, &rules, seed, NULL, &r), 0);
		failures += check_invariants(&r, seed) > 0;
		elam += r.elam_target > 0;
	}
	CHECK_EQ(failures, 0);
	CHECK_EQ(elam, n);
	free(l);
	sim_result_free(&r);
}

TEST(sim_invariants_hold_under_odd_rules)
{
	/* Rule sets at the edges of their ranges still give sound games. */
	const char *sets[][4] = {
		{"quarter_minutes=3", "elam_trigger_quarter=1", "elam_margin=5", NULL},
		{"quarter_minutes=20", "elam_trigger_quarter=4", "elam_margin=40", NULL},
		{"three_point_value=10", "two_point_value=1", "free_throw_value=5", NULL},
		{"personal_foul_limit=3", "foul_rate_modifier=3", "team_foul_bonus_threshold=3", NULL},
		{"turnover_rate_modifier=3", "min_pass_per_possession=5", "max_shot_share=0.2", NULL},
		{"shot_clock_seconds=60", "dead_ball_time_seconds=20", "stamina_drain_rate=0.03", NULL},
		{"three_point_distance=30", "offensive_rebound_weight=15", "home_court_enabled=false", NULL},
		{"three_point_distance=15", "halftime_stamina_recovery=0", "substitution_stamina_threshold=0.8", NULL},
	};
	pw_game_result_t r;
	sim_result_init(&r);
	pw_league_t *l = fx_league(31);
	int per = test_iters(300, 40);
	for (size_t s = 0; s < sizeof sets / sizeof sets[0]; s++) {
		pw_rules_t rules;
		rules_default(&rules);
		char err[200];
		for (int k = 0; sets[s][k]; k++)
			CHECK_EQ(rules_apply_assignment(&rules, sets[s][k], err, sizeof err), 0);
		int failures = 0;
		for (int g = 0; g < per && failures < 3; g++) {
			CHECK_EQ(fx_game(l, g % 8, (g + 3) % 8, &rules, 500 + (uint64_t)g, NULL, &r), 0);
			failures += check_invariants(&r, 500 + (uint64_t)g) > 0;
		}
		CHECK_MSG(failures == 0, "rule set %zu", s);
	}
	free(l);
	sim_result_free(&r);
}

TEST(sim_is_deterministic_and_seed_sensitive)
{
	pw_rules_t rules;
	rules_default(&rules);
	pw_league_t *l = fx_league(5);
	pw_game_result_t a, b, c;
	sim_result_init(&a);
	sim_result_init(&b);
	sim_result_init(&c);
	for (int g = 0; g < 50; g++) {
		CHECK_EQ(fx_game(l, 1, 2, &rules, 1000 + (uint64_t)g, NULL, &a), 0);
		/* b reuses buffers of a previous, different game first. */
		CHECK_EQ(fx_game(l, 3, 4, &rules, 1, NULL, &b), 0);
		CHECK_EQ(fx_game(l, 1, 2, &rules, 1000 + (uint64_t)g, NULL, &b), 0);
		CHECK_EQ(fx_game(l, 1, 2, &rules, 2000 + (uint64_t)g, NULL, &c), 0);
		CHECK(fx_same_game(&a, &b));
		char ha[65], hb[65], hc[65];
		result_hash(&a, ha);
		result_hash(&b, hb);
		result_hash(&c, hc);
		CHECK_STR(ha, hb);
		CHECK(strcmp(ha, hc) != 0);
	}
	/* A rule change changes the hash: the Elam margin moves the target
	 * (which the hash covers) even when the last basket reaches both
	 * targets and the plays stay the same; a changed shot value alters
	 * the plays themselves. */
	pw_rules_t other = rules;
	other.elam_margin = 16;
	for (uint64_t seed = 40; seed < 60; seed++) {
		char ha[65], hb[65];
		CHECK_EQ(fx_game(l, 1, 2, &rules, seed, NULL, &a), 0);
		CHECK_EQ(fx_game(l, 1, 2, &other, seed, NULL, &b), 0);
		result_hash(&a, ha);
		result_hash(&b, hb);
		CHECK(strcmp(ha, hb) != 0);
	}
	other = rules;
	other.three_point_value = 4;
	CHECK_EQ(fx_game(l, 1, 2, &rules, 42, NULL, &a), 0);
	CHECK_EQ(fx_game(l, 1, 2, &other, 42, NULL, &b), 0);
	CHECK(!fx_same_game(&a, &b));
	free(l);
	sim_result_free(&a);
	sim_result_free(&b);
	sim_result_free(&c);
}

TEST(sim_hash_matches_in_a_separate_process)
{
	pw_rules_t rules;
	rules_default(&rules);
	pw_league_t *l = fx_league(12);
	pw_game_result_t r;
	sim_result_init(&r);
	int fds[2];
	CHECK_EQ(pipe(fds), 0);
	pid_t pid = fork();
	if (pid == 0) {
		close(fds[0]);
		char h[65];
		fx_game(l, 0, 7, &rules, 99, NULL, &r);
		result_hash(&r, h);
		ssize_t w = write(fds[1], h, 64);
		_exit(w == 64 ? 0 : 1);
	}
	close(fds[1]);
	char child[65] = {0}, mine[65];
	ssize_t got = 0;
	while (got < 64) {
		ssize_t n = read(fds[0], child + got, (size_t)(64 - got));
		if (n <= 0)
			break;
		got += n;
	}
	close(fds[0]);
	int st;
	waitpid(pid, &st, 0);
	CHECK_EQ(fx_game(l, 0, 7, &rules, 99, NULL, &r), 0);
	result_hash(&r, mine);
	CHECK_STR(child, mine);
	free(l);
	sim_result_free(&r);
}

TEST(sim_elam_target_is_lead_plus_margin_and_tie_plus_margin)
{
	CHECK_EQ(sim_elam_target(40, 33, 15), 55);
	CHECK_EQ(sim_elam_target(33, 40, 15), 55);
	CHECK_EQ(sim_elam_target(37, 37, 15), 52);
	CHECK_EQ(sim_elam_target(0, 0, 5), 5);

	/* In a game: the target is the leading score after the last timed
	 * quarter plus the margin. */
	pw_rules_t rules;
	rules_default(&rules);
	pw_league_t *l = fx_league(8);
	pw_game_result_t r;
	sim_result_init(&r);
	for (int g = 0; g < 200; g++) {
		CHECK_EQ(fx_game(l, g % 8, (g + 5) % 8, &rules, (uint64_t)g, NULL, &r), 0);
		int h = 0, a = 0;
		for (int q = 0; q < r.n_quarters - 1; q++) {
			h += r.quarters[q].home;
			a += r.quarters[q].away;
		}
		CHECK_EQ(r.elam_target, (h > a ? h : a) + rules.elam_margin);
		CHECK(r.elam_possessions > 0);
		/* The game ends on a made basket or free throw. */
		const pw_play_t *last = NULL;
		for (size_t i = 0; i < r.n_plays; i++)
			if (r.plays[i].points > 0)
				last = &r.plays[i];
		CHECK(last && (last->action <= PW_ACT_THREE || last->action == PW_ACT_FREE_THROW));
		CHECK(last && last->result == PW_RES_MADE);
		CHECK(last && (last->home_score >= r.elam_target || last->away_score >= r.elam_target));
	}
	free(l);
	sim_result_free(&r);
}

/* A hook that ties the score at the end of the last timed quarter. */
static void tie_at_trigger(void *ud, const pw_hook_ctx_t *c, pw_hook_result_t *res)
{
	(void)ud;
	if (c->hook == PW_HOOK_QUARTER_END && c->game->quarter == c->game->rules->elam_trigger_quarter) {
		int hi = c->game->score[0] > c->game->score[1] ? c->game->score[0] : c->game->score[1];
		res->score_home = hi - c->game->score[0];
		res->score_away = hi - c->game->score[1];
	}
}

TEST(sim_elam_target_from_a_tied_game)
{
	pw_rules_t rules;
	rules_default(&rules);
	pw_hooks_t hooks = {PW_HOOK_BIT(PW_HOOK_QUARTER_END), NULL, tie_at_trigger};
	pw_league_t *l = fx_league(8);
	pw_game_result_t r;
	sim_result_init(&r);
	for (int g = 0; g < 50; g++) {
		CHECK_EQ(fx_game(l, 2, 6, &rules, (uint64_t)g, &hooks, &r), 0);
		/* The hook's points land before the Elam marker: the score there
		 * is level, and the target is that score plus the margin. */
		const pw_play_t *m = NULL;
		for (size_t i = 0; i < r.n_plays && !m; i++)
			if (r.plays[i].action == PW_ACT_PERIOD && r.plays[i].result == PW_RES_ELAM_START)
				m = &r.plays[i];
		CHECK(m != NULL);
		if (!m)
			continue;
		CHECK_EQ(m->home_score, m->away_score);
		CHECK_EQ(r.elam_target, m->home_score + rules.elam_margin);
		CHECK(r.winner == 0 ? r.home_score >= r.elam_target : r.away_score >= r.elam_target);
	}
	free(l);
	sim_result_free(&r);
}

/*
 * Effects that score: for the defense, for home and away, negative, at
 * game and period hooks and after the final whistle. Every point must land
 * in a box line (box scores sum to the score, plus/minus to 3 × margin),
 * scores never fall, and the game still ends on the winner's scoring play.
 */
typedef struct awards {
	int negative_only; /* every award negative: must change nothing */
} awards_t;

static void awards_call(void *ud, const pw_hook_ctx_t *c, pw_hook_result_t *res)
{
	const awards_t *a = ud;
	int def = c->offense >= 0 ? 1 - c->offense : -1;
	int *to_def = def == 0 ? &res->score_home : &res->score_away;
	int sign = a->negative_only ? -1 : 1;
	switch (c->hook) {
	case PW_HOOK_GAME_PRE:
		res->score_home = 2 * sign;
		res->score_away = 3 * sign;
		break;
	case PW_HOOK_QUARTER_END:
		res->score_home = -3;   /* ignored: scores never fall */
		res->score_away = 4 * sign;
		break;
	case PW_HOOK_POSSESSION_PRE:
		if (c->game->possession % 5 == 0)
			*to_def = 2 * sign;
		if (c->game->possession % 11 == 0)
			res->score_offense = -4;
		break;
	case PW_HOOK_SHOT_POST:
		if (!c->made)
			*to_def = 1 * sign;  /* credited to the defender */
		else
			res->score_offense = -2;
		break;
	case PW_HOOK_GAME_END:
		res->score_home = 7 * sign; /* after the final whistle: ignored */
		res->score_away = 9 * sign;
		break;
	default:
		break;
	}
}

#define AWARD_HOOKS                                                                   \
	(PW_HOOK_BIT(PW_HOOK_GAME_PRE) | PW_HOOK_BIT(PW_HOOK_QUARTER_END) |           \
	 PW_HOOK_BIT(PW_HOOK_POSSESSION_PRE) | PW_HOOK_BIT(PW_HOOK_SHOT_POST) |       \
	 PW_HOOK_BIT(PW_HOOK_GAME_END))

/* The team (0/1) of a hooper id in r, or -1. */
static int team_of(const pw_game_result_t *r, int id)
{
	for (int t = 0; t < 2; t++)
		for (int i = 0; i < PW_ROSTER_SIZE; i++)
			if (r->box[t][i].hooper_id == id)
				return t;
	return -1;
}

TEST(sim_effect_points_land_in_box_scores_and_keep_every_invariant)
{
	pw_rules_t rules;
	rules_default(&rules);
	pw_league_t *l = fx_league(31);
	pw_game_result_t r, q;
	sim_result_init(&r);
	sim_result_init(&q);
	awards_t a = {0}, neg = {1};
	pw_hooks_t hooks = {AWARD_HOOKS, &a, awards_call};
	pw_hooks_t no_end = {AWARD_HOOKS & ~PW_HOOK_BIT(PW_HOOK_GAME_END), &a, awards_call};
	pw_hooks_t negative = {AWARD_HOOKS, &neg, awards_call};
	int n = test_iters(300, 60), failures = 0, to_defender = 0, effect_plays = 0;
	for (int g = 0; g < n && failures < 5; g++) {
		int home = g % 8, away = (home + 1 + (g / 8) % 7) % 8;
		uint64_t seed = 500 + (uint64_t)g * 104729;
		CHECK_EQ(fx_game(l, home, away, &rules, seed, &hooks, &r), 0);
		failures += check_invariants(&r, seed) > 0;
		int pm = 0;
		for (int i = 0; i < PW_ROSTER_SIZE; i++)
			pm += r.box[1][i].plus_minus;
		CHECK_EQ(pm, PW_ON_FLOOR * (r.away_score - r.home_score));
		for (size_t i = 0; i < r.n_plays; i++) {
			const pw_play_t *p = &r.plays[i];
			if (p->action != PW_ACT_EFFECT || p->points == 0)
				continue;
			effect_plays++;
			/* Credited to a hooper of the team that scored. */
			CHECK_EQ(team_of(&r, p->handler_id), p->offense);
			const pw_play_t *prev = i > 0 ? &r.plays[i - 1] : NULL;
			if (prev && prev->action <= PW_ACT_THREE && prev->result == PW_RES_MISSED &&
			    p->offense != prev->offense) {
				CHECK_EQ(p->handler_id, prev->defender_id);
				to_defender++;
			}
		}
		/* Points at sim.game.end change nothing. */
		CHECK_EQ(fx_game(l, home, away, &rules, seed, &no_end, &q), 0);
		CHECK(fx_same_game(&r, &q));
		/* Negative awards are ignored: the game is the one without hooks. */
		CHECK_EQ(fx_game(l, home, away, &rules, seed, &negative, &r), 0);
		CHECK_EQ(fx_game(l, home, away, &rules, seed, NULL, &q), 0);
		CHECK(fx_same_game(&r, &q));
	}
	CHECK_EQ(failures, 0);
	CHECK(effect_plays > n * 10);
	CHECK(to_defender > n);
	free(l);
	sim_result_free(&r);
	sim_result_free(&q);
}

/* In the Elam period, once: enough points to pass the target, for the
 * offense (odd seeds) or for the defense (even seeds). */
typedef struct elam_award {
	int fired;
	bool to_defense;
} elam_award_t;

static void elam_award_call(void *ud, const pw_hook_ctx_t *c, pw_hook_result_t *res)
{
	elam_award_t *e = ud;
	if (!c->game->elam || e->fired)
		return;
	e->fired++;
	int t = e->to_defense ? 1 - c->offense : c->offense;
	int need = c->game->elam_target - c->game->score[t];
	if (e->to_defense)
		*(t == 0 ? &res->score_home : &res->score_away) = need + 1;
	else
		res->score_offense = need;
	res->shot_probability = 1.0; /* ignored here; proves nothing else runs */
}

TEST(sim_effect_points_reaching_the_elam_target_end_the_game)
{
	pw_rules_t rules;
	rules_default(&rules);
	pw_league_t *l = fx_league(32);
	pw_game_result_t r;
	sim_result_init(&r);
	for (int g = 0; g < 40; g++) {
		elam_award_t e = {0, g % 2 == 0};
		pw_hooks_t hooks = {PW_HOOK_BIT(PW_HOOK_POSSESSION_PRE), &e, elam_award_call};
		CHECK_EQ(fx_game(l, g % 8, (g + 3) % 8, &rules, (uint64_t)g, &hooks, &r), 0);
		CHECK_EQ(e.fired, 1);
		CHECK_EQ(check_invariants(&r, (uint64_t)g), 0);
		/* The game ended on the effect play, in the first Elam possession. */
		CHECK_EQ(r.elam_possessions, 1);
		CHECK(r.n_plays >= 2);
		if (r.n_plays < 2)
			continue;
		const pw_play_t *end = &r.plays[r.n_plays - 1], *last = &r.plays[r.n_plays - 2];
		CHECK(end->action == PW_ACT_PERIOD && end->result == PW_RES_GAME_END);
		CHECK_EQ(last->action, PW_ACT_EFFECT);
		CHECK_EQ(last->offense, r.winner);
		CHECK(last->points > 0);
		int ws = r.winner == 0 ? r.home_score : r.away_score;
		CHECK(ws >= r.elam_target);
	}
	free(l);
	sim_result_free(&r);
}

TEST(sim_safety_cap_stops_a_runaway_game)
{
	pw_rules_t rules;
	rules_default(&rules);
	rules.safety_cap_possessions = 50; /* reached before the Elam period */
	pw_league_t *l = fx_league(4);
	pw_game_result_t r;
	sim_result_init(&r);
	int capped = 0;
	for (int g = 0; g < 100; g++) {
		CHECK_EQ(fx_game(l, 0, 1, &rules, (uint64_t)g, NULL, &r), 0);
		CHECK(r.safety_capped);
		capped += r.safety_capped;
		CHECK_EQ(r.elam_target, 0);
		CHECK(r.total_possessions >= 50);
		CHECK(r.home_score != r.away_score);
		CHECK_EQ(r.winner, r.home_score > r.away_score ? 0 : 1);
		check_invariants(&r, (uint64_t)g);
	}
	CHECK_EQ(capped, 100);
	free(l);
	sim_result_free(&r);
}

/* Levels the score before possession 50 and forces a turnover on it, so
 * the cap is reached tied. */
static void level_at_cap(void *ud, const pw_hook_ctx_t *c, pw_hook_result_t *res)
{
	(void)ud;
	if (c->game->possession == 50) {
		int hi = c->game->score[0] > c->game->score[1] ? c->game->score[0] : c->game->score[1];
		res->score_home = hi - c->game->score[0];
		res->score_away = hi - c->game->score[1];
		res->turnover_probability = 1.0;
	}
}

TEST(sim_safety_cap_tied_goes_to_sudden_death)
{
	pw_rules_t rules;
	rules_default(&rules);
	rules.safety_cap_possessions = 50;
	rules.turnover_rate_modifier = 3.0; /* with the +1 a turnover is certain */
	pw_hooks_t hooks = {PW_HOOK_BIT(PW_HOOK_POSSESSION_PRE), NULL, level_at_cap};
	pw_league_t *l = fx_league(4);
	pw_game_result_t r;
	sim_result_init(&r);
	int sudden = 0;
	for (int g = 0; g < 60; g++) {
		CHECK_EQ(fx_game(l, 0, 1, &rules, (uint64_t)g, &hooks, &r), 0);
		CHECK(r.safety_capped);
		CHECK(r.home_score != r.away_score);
		if (r.total_possessions > 50) {
			/* Sudden death: the first points after the cap decide it,
			 * so the margin is that one scoring play. */
			sudden++;
			const pw_play_t *last = NULL;
			for (size_t i = 0; i < r.n_plays; i++)
				if (r.plays[i].points > 0)
					last = &r.plays[i];
			CHECK(last != NULL);
			CHECK_EQ(last->offense, r.winner);
			CHECK_EQ(abs(r.home_score - r.away_score), last->points);
		}
	}
	CHECK(sudden > 30);
	free(l);
	sim_result_free(&r);
}

TEST(sim_rejects_bad_input_and_frees_null)
{
	pw_game_result_t r;
	sim_result_init(&r);
	pw_game_input_t in = {0};
	CHECK_EQ(sim_game(&in, &r), -1);
	CHECK_EQ(sim_game(NULL, &r), -1);
	sim_result_free(&r);
	sim_result_free(NULL);
	pw_effect_stat_t s = {.hook = PW_HOOK_SHOT_PRE, .fired = 3};
	snprintf(s.effect_id, sizeof s.effect_id, "swagger");
	for (int i = 0; i < 20; i++)
		CHECK_EQ(sim_result_add_effect_stat(&r, &s), 0);
	CHECK_EQ((long)r.n_effects, 20);
	CHECK_STR(r.effects[19].effect_id, "swagger");
	sim_result_free(&r);
}

TEST(sim_box_minutes_cover_the_clock)
{
	pw_rules_t rules;
	rules_default(&rules);
	pw_league_t *l = fx_league(3);
	pw_game_result_t r;
	sim_result_init(&r);
	CHECK_EQ(fx_game(l, 0, 1, &rules, 7, NULL, &r), 0);
	for (int t = 0; t < 2; t++) {
		double secs = 0;
		for (int i = 0; i < PW_ROSTER_SIZE; i++)
			secs += r.box[t][i].seconds;
		/* Three on the floor for every timed second, plus the Elam. */
		double timed = rules.elam_trigger_quarter * rules.quarter_minutes * 60.0;
		CHECK(secs >= 3 * timed - 1e-6);
		CHECK(secs < 3 * timed * 2);
	}
	free(l);
	sim_result_free(&r);
}

/*
 * A play's narratives: the first stored as it is, a second joined to it
 * with a space, the whole cut at PW_NARRATIVE_MAX bytes on a UTF-8
 * character boundary (never half of an "é"). Written without printf since
 * issue 15; the bytes must be what they were.
 */
TEST(sim_narratives_join_and_cut_on_a_character_boundary)
{
	pw_game_result_t out;
	memset(&out, 0, sizeof out);
	pw_sim_t g;
	memset(&g, 0, sizeof g);
	g.out = &out;
	pw_play_t p = {.narrative = -1};
	char a[151], b[141];
	memset(a, 'x', 150);
	a[150] = 0;
	for (int i = 0; i < 70; i++)
		memcpy(b + 2 * i, "\xc3\xa9", 2); /* é */
	b[140] = 0;
	sim_set_narrative(&g, &p, "");
	CHECK_EQ(p.narrative, -1);
	sim_set_narrative(&g, &p, a);
	CHECK(p.narrative >= 0);
	CHECK_STR(out.narratives + p.narrative, a);
	/* 150 + 1 + 140 bytes: cut at 280 would split an é, so 279 */
	sim_set_narrative(&g, &p, b);
	const char *got = out.narratives + p.narrative;
	CHECK_EQ((int)strlen(got), 279);
	CHECK(!memcmp(got, a, 150));
	CHECK_EQ(got[150], ' ');
	CHECK(!memcmp(got + 151, b, 128));
	/* one more joins the cut text: only its space still fits */
	sim_set_narrative(&g, &p, "ok");
	got = out.narratives + p.narrative;
	CHECK_EQ((int)strlen(got), 280);
	CHECK_EQ(got[279], ' ');
	/* short ones join whole */
	pw_play_t q = {.narrative = -1};
	sim_set_narrative(&g, &q, "Two in a row.");
	sim_set_narrative(&g, &q, "Three!");
	CHECK_STR(out.narratives + q.narrative, "Two in a row. Three!");
	CHECK(!g.oom);
	free(out.narratives);
}
