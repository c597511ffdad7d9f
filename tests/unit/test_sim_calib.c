/*
 * test_sim_calib.c — the calibration table of spec 10-simulation over
 * thousands of fixed-seed games, and rule changes that move the figures
 * the way a fan expects.
 */
#include "tests/test.h"

#include <math.h>
#include <string.h>

#include <stdio.h>
#include <stdlib.h>

#include "core/sim/calib.h"

#define CALIB_SEED 20240601u

static void run(const char *set, long games, pw_calib_t *c, pw_rules_t *rules_out)
{
	pw_rules_t rules;
	rules_default(&rules);
	char err[200];
	if (set)
		CHECK_EQ(rules_apply_assignment(&rules, set, err, sizeof err), 0);
	memset(c, 0, sizeof *c);
	CHECK_EQ(calib_run_each(&rules, games, CALIB_SEED, NULL, c), 0);
	CHECK_EQ(c->games, games);
	if (rules_out)
		*rules_out = rules;
}

TEST(calib_default_rules_land_inside_every_range)
{
	/* The sim is cheap enough that even the sanitizer build plays 2,000. */
	long n = test_iters(2000, 2000);
	pw_calib_t c;
	run(NULL, n, &c, NULL);
	pw_calib_figure_t f[PW_CAL_COUNT];
	calib_figures(&c, true, f);
	for (int i = 0; i < PW_CAL_COUNT; i++)
		CHECK_MSG(calib_in_range(&f[i]), "%s = %.3f outside [%g, %g]", f[i].name, f[i].value,
			  f[i].lo, f[i].hi);
	CHECK_EQ(c.elam_games, n);
}

TEST(calib_home_court_off_is_a_coin_flip)
{
	pw_calib_t c;
	run("home_court_enabled=false", test_iters(2000, 2000), &c, NULL);
	pw_calib_figure_t f[PW_CAL_COUNT];
	calib_figures(&c, false, f);
	CHECK_MSG(calib_in_range(&f[PW_CAL_HOME_WIN]), "home win %% %.3f", f[PW_CAL_HOME_WIN].value);
	CHECK_NEAR(f[PW_CAL_HOME_WIN].value, 0.5, 0.04);
}

TEST(calib_five_point_threes_mean_more_threes_and_points)
{
	long n = test_iters(1000, 500);
	pw_calib_t base, five;
	run(NULL, n, &base, NULL);
	run("three_point_value=5", n, &five, NULL);
	pw_calib_figure_t b[PW_CAL_COUNT], f[PW_CAL_COUNT];
	calib_figures(&base, true, b);
	calib_figures(&five, true, f);
	CHECK(f[PW_CAL_THREE_SHARE].value > b[PW_CAL_THREE_SHARE].value + 0.05);
	CHECK(f[PW_CAL_POINTS].value > b[PW_CAL_POINTS].value + 5);
}

TEST(calib_turnover_modifier_three_means_many_more_turnovers)
{
	long n = test_iters(1000, 500);
	pw_calib_t base, three;
	run(NULL, n, &base, NULL);
	run("turnover_rate_modifier=3", n, &three, NULL);
	pw_calib_figure_t b[PW_CAL_COUNT], t[PW_CAL_COUNT];
	calib_figures(&base, true, b);
	calib_figures(&three, true, t);
	CHECK(t[PW_CAL_TURNOVERS].value > b[PW_CAL_TURNOVERS].value * 1.8);
}

TEST(calib_other_rules_move_the_right_way)
{
	long n = test_iters(600, 300);
	pw_calib_t base, c;
	pw_calib_figure_t b[PW_CAL_COUNT], f[PW_CAL_COUNT];
	run(NULL, n, &base, NULL);
	calib_figures(&base, true, b);

	run("three_point_distance=27", n, &c, NULL); /* a deeper line */
	calib_figures(&c, true, f);
	CHECK(f[PW_CAL_THREE_SHARE].value < b[PW_CAL_THREE_SHARE].value - 0.05);
	CHECK(f[PW_CAL_THREE_PCT].value < b[PW_CAL_THREE_PCT].value);

	run("quarter_minutes=15", n, &c, NULL); /* more clock, more possessions */
	calib_figures(&c, true, f);
	CHECK(f[PW_CAL_POSSESSIONS].value > b[PW_CAL_POSSESSIONS].value + 20);

	run("elam_margin=30", n, &c, NULL); /* a longer Elam period */
	calib_figures(&c, true, f);
	CHECK(f[PW_CAL_ELAM_POSSESSIONS].value > b[PW_CAL_ELAM_POSSESSIONS].value + 10);

	run("foul_rate_modifier=2", n, &c, NULL);
	CHECK(c.fta > base.fta * 3 / 2);

	run("offensive_rebound_weight=15", n, &c, NULL); /* second chances: more shots */
	CHECK((double)c.fga / c.possessions > (double)base.fga / base.possessions * 1.1);

	run("stamina_drain_rate=0.03", n, &c, NULL); /* tired legs miss */
	calib_figures(&c, true, f);
	CHECK(f[PW_CAL_FG_PCT].value < b[PW_CAL_FG_PCT].value - 0.01);
}

TEST(calib_figures_from_known_counts)
{
	pw_calib_t c = {.games = 2, .points = 240, .possessions = 210, .fgm = 90, .fga = 200,
			.tpm = 21, .tpa = 60, .ftm = 30, .fta = 40, .turnovers = 32,
			.home_wins = 1, .elam_games = 2, .elam_possessions = 50, .close_games = 1};
	pw_calib_figure_t f[PW_CAL_COUNT];
	calib_figures(&c, true, f);
	CHECK_NEAR(f[PW_CAL_POINTS].value, 60, 1e-12);
	CHECK_NEAR(f[PW_CAL_POSSESSIONS].value, 105, 1e-12);
	CHECK_NEAR(f[PW_CAL_FG_PCT].value, 0.45, 1e-12);
	CHECK_NEAR(f[PW_CAL_THREE_PCT].value, 0.35, 1e-12);
	CHECK_NEAR(f[PW_CAL_THREE_SHARE].value, 0.30, 1e-12);
	CHECK_NEAR(f[PW_CAL_FT_PCT].value, 0.75, 1e-12);
	CHECK_NEAR(f[PW_CAL_TURNOVERS].value, 8, 1e-12);
	CHECK_NEAR(f[PW_CAL_HOME_WIN].value, 0.5, 1e-12);
	CHECK_NEAR(f[PW_CAL_ELAM_POSSESSIONS].value, 25, 1e-12);
	for (int i = 0; i < PW_CAL_COUNT; i++)
		CHECK(calib_in_range(&f[i]) == (i != PW_CAL_HOME_WIN));
	c.home_wins = 2;
	calib_figures(&c, true, f);
	CHECK(!calib_in_range(&f[PW_CAL_HOME_WIN]));
}

/* The figure on the line of out that starts with name (NAN if absent). */
static double calib_figure(const char *out, const char *name)
{
	const char *p = out ? strstr(out, name) : NULL;
	return p ? strtod(p + strlen(name), NULL) : NAN;
}

TEST(calib_cli_prints_every_figure_and_fails_out_of_range)
{
	char *out = NULL;
	char cmd[512];
	snprintf(cmd, sizeof cmd, "%s calibrate --games 300", test_bin());
	CHECK_EQ(test_run(cmd, &out, false), 0);
	CHECK_CONTAINS(out, "field-goal %");
	CHECK_CONTAINS(out, "mean Elam possessions");
	CHECK_CONTAINS(out, "calibration: ok");
	free(out);
	/* Tiny quarters and a one-quarter trigger: far too few possessions. */
	snprintf(cmd, sizeof cmd,
		 "%s calibrate --games 100 --set quarter_minutes=3 --set elam_trigger_quarter=1"
		 " --set elam_margin=5",
		 test_bin());
	CHECK_EQ(test_run(cmd, &out, false), 1);
	CHECK_CONTAINS(out, "OUT");
	double poss = calib_figure(out, "possessions per game");
	CHECK_MSG(poss < 85, "possessions per game %.3f, expected far below the 85 floor", poss);
	free(out);
	snprintf(cmd, sizeof cmd, "%s calibrate --set nope=1 2>/dev/null", test_bin());
	CHECK_EQ(test_run(cmd, NULL, false), 2);
	snprintf(cmd, sizeof cmd, "%s bench --games 300", test_bin());
	CHECK_EQ(test_run(cmd, &out, false), 0);
	CHECK_CONTAINS(out, "games=300 us_per_game=");
	CHECK_CONTAINS(out, "games_per_sec=");
	CHECK_CONTAINS(out, "season_ms=");
	free(out);
}

TEST(calib_cli_runs_effects_in_every_game)
{
	char *plain = NULL, *lava = NULL, *out = NULL;
	char cmd[1024];
	snprintf(cmd, sizeof cmd, "%s calibrate --games 200", test_bin());
	CHECK_EQ(test_run(cmd, &plain, false), 0);
	/* Lava floor burns the handler's stamina every possession: tired
	 * hoopers score less, so points per game must drop clearly. */
	snprintf(cmd, sizeof cmd, "%s calibrate --games 200 --effect scripts/effects/lava_floor.lua",
		 test_bin());
	/* 1 is fine (a figure may leave its range: that is the effect's
	 * point); 2 or a crash is not. */
	int lrc = test_run(cmd, &lava, false);
	CHECK_MSG(lrc == 0 || lrc == 1, "calibrate with lava floor exited %d", lrc);
	CHECK_CONTAINS(lava, "effects: lava_floor");
	double p0 = calib_figure(plain, "points per team per game");
	double p1 = calib_figure(lava, "points per team per game");
	CHECK_MSG(p1 < p0 - 1, "points with lava floor %.3f, without %.3f", p1, p0);
	free(plain);
	free(lava);
	/* a script that does not load: exit 2, the message names the file and line */
	char path[512];
	snprintf(path, sizeof path, "%s/calib_broken_fx.lua", test_tmpdir());
	FILE *f = fopen(path, "w");
	CHECK(f != NULL);
	if (f) {
		fputs("return {\n  name = 'Broken',\n  hooks = { ['sim.shott.pre'] = function() end },\n}\n", f);
		fclose(f);
	}
	snprintf(cmd, sizeof cmd, "%s calibrate --games 10 --effect %s 2>&1", test_bin(), path);
	CHECK_EQ(test_run(cmd, &out, false), 2);
	CHECK_CONTAINS(out, "calib_broken_fx.lua");
	CHECK_CONTAINS(out, "sim.shott.pre");
	free(out);
	remove(path);
}
