/*
 * test_seasons.c — seasons under real play: a playoff format passed during
 * the playoffs, best-of values, past seasons, leagues of 4 to 16 teams and
 * teams_count, the championship window and the season's end, failed ticks.
 */
#include "tests/test.h"

#include <cjson/cJSON.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/league/store_internal.h"
#include "tests/dbtest.h"
#include "tests/integration/league_helpers.h"

/* A league of n teams (the stand-in sim) with one governor per team (ids
 * into gids) and a runner config for it. */
static pw_gov_t *league_governed(pw_store_t *s, int n, int64_t *gids, pw_round_cfg_t *c)
{
	pw_gov_t *g = lt_league(s, n);
	for (int i = 0; i < n; i++) {
		char name[32];
		snprintf(name, sizeof name, "G%d", i + 1);
		gids[i] = lt_join(g, name, i + 1, NULL);
	}
	lt_cfg(c, g);
	return g;
}

/* Proposes text as gids[0], everybody votes yes; the proposal id. */
static int64_t pass_soon(pw_gov_t *g, const int64_t *gids, int n, const char *text)
{
	int64_t pid = lt_propose(g, gids[0], text);
	pw_err_t e;
	for (int i = 0; pid && i < n; i++)
		CHECK_MSG(gov_vote(g, gids[i], pid, true, false, NULL, &e) == 0, "vote: %s", e.msg);
	return pid;
}

/* Ticks until the season's bracket has a series `series` with at least
 * `games` games played (or the season ends); 0 when reached. */
static int tick_until_series(pw_round_cfg_t *c, const char *series, int games)
{
	for (int t = 0; t < 200; t++) {
		pw_round_out_t out;
		pw_err_t e = {0};
		if (round_tick(c, &out, &e) < 0) {
			test_fail(__FILE__, __LINE__, "tick: %s", e.msg);
			return -1;
		}
		if (!strcmp(out.phase, "complete"))
			return -1;
		cJSON *br = lt_bracket_json(c->gov, out.season_id);
		const cJSON *s;
		int have = -1;
		cJSON_ArrayForEach(s, cJSON_GetObjectItem(br, "series"))
			if (!strcmp(cJSON_GetObjectItem(s, "id")->valuestring, series))
				have = cJSON_GetArraySize(cJSON_GetObjectItem(s, "games"));
		cJSON_Delete(br);
		if (have >= games)
			return 0;
	}
	return -1;
}

static const cJSON *series_of(const cJSON *br, const char *id)
{
	const cJSON *s;
	cJSON_ArrayForEach(s, cJSON_GetObjectItem(br, "series"))
		if (!strcmp(cJSON_GetObjectItem(s, "id")->valuestring, id))
			return s;
	return NULL;
}

static int wins_of(const cJSON *series, const char *side)
{
	return cJSON_GetObjectItem(cJSON_GetObjectItem(series, side), "wins")->valueint;
}

TEST(seasons_playoff_teams_passed_during_the_playoffs_waits_for_next_season)
{
	pw_store_t *s = lt_open("po.db");
	int64_t gids[8];
	pw_round_cfg_t c;
	pw_gov_t *g = league_governed(s, 8, gids, &c);
	/* The semifinals have begun: the bracket is drawn with 4 teams. */
	CHECK_EQ(tick_until_series(&c, "SF1", 1), 0);
	pw_season_row_t r1;
	CHECK_EQ(season_current(s, &r1), 1);
	char *drawn = lt_brackets(g);
	pass_soon(g, gids, 8, "playoff teams 8");
	/* The league never freezes: the season finishes with its drawn
	 * bracket, whatever passed since. */
	lt_run_season(&c);
	CHECK_EQ(season_current(s, &r1), 1);
	CHECK_STR(r1.phase, "complete");
	pw_rules_t now;
	gov_rules(g, &now);
	CHECK_EQ(now.playoff_teams, 8);
	char *after = lt_brackets(g);
	char why[256] = "";
	CHECK_MSG(lt_brackets_kept(drawn, after, why, sizeof why), "%s", why);
	cJSON *br = lt_bracket_json(g, r1.id);
	CHECK_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(br, "series")), 3);
	CHECK(cJSON_IsObject(cJSON_GetObjectItem(br, "champion")));
	char *champ1 = cJSON_PrintUnformatted(cJSON_GetObjectItem(br, "champion"));
	cJSON_Delete(br);
	/* The change applies to the next season's bracket. */
	pw_err_t e;
	int64_t sid2;
	CHECK_EQ(season_create(g, NULL, true, NULL, 0, &sid2, &e), 0);
	lt_run_season(&c);
	br = lt_bracket_json(g, sid2);
	CHECK_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(br, "series")), 7);
	CHECK(series_of(br, "QF1") != NULL);
	cJSON_Delete(br);
	/* A past season reads as it was played. */
	br = lt_bracket_json(g, r1.id);
	CHECK_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(br, "series")), 3);
	char *champ1_again = cJSON_PrintUnformatted(cJSON_GetObjectItem(br, "champion"));
	CHECK_STR(champ1_again, champ1);
	cJSON_Delete(br);
	char *after2 = lt_brackets(g);
	CHECK_MSG(lt_brackets_kept(after, after2, why, sizeof why), "%s", why);
	free(champ1);
	free(champ1_again);
	free(drawn);
	free(after);
	free(after2);
	gov_close(g);
	store_close(s);
}

TEST(seasons_finals_best_of_passed_mid_final_keeps_the_drawn_length)
{
	pw_store_t *s = lt_open("bo.db");
	int64_t gids[8];
	pw_round_cfg_t c;
	pw_gov_t *g = league_governed(s, 8, gids, &c);
	CHECK_EQ(tick_until_series(&c, "F", 1), 0);
	pw_season_row_t r1;
	CHECK_EQ(season_current(s, &r1), 1);
	pass_soon(g, gids, 8, "set playoff finals best of to 7");
	lt_run_season(&c);
	pw_rules_t now;
	gov_rules(g, &now);
	CHECK_EQ(now.playoff_finals_best_of, 7);
	/* The final was drawn as best of 5: its winner stopped at 3 wins. */
	cJSON *br = lt_bracket_json(g, r1.id);
	const cJSON *f = series_of(br, "F");
	CHECK(f != NULL);
	CHECK_EQ(cJSON_GetObjectItem(f, "best_of")->valueint, 5);
	int hw = wins_of(f, "high"), lw = wins_of(f, "low");
	CHECK_EQ(hw > lw ? hw : lw, 3);
	CHECK(hw < 3 || lw < 3);
	cJSON_Delete(br);
	gov_close(g);
	store_close(s);
}

TEST(seasons_of_4_to_16_teams_play_round_robins_and_a_valid_bracket)
{
	static const int sizes[] = {4, 5, 6, 8, 16};
	for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
		int n = sizes[k];
		char db[32];
		snprintf(db, sizeof db, "n%d.db", n);
		pw_store_t *s = lt_open(db);
		pw_gov_t *g = lt_league(s, n);
		pw_round_cfg_t c;
		lt_cfg(&c, g);
		char why[256] = "", *before = NULL;
		/* Checked after every tick, brackets included. */
		for (int t = 0; t < 400; t++) {
			pw_round_out_t out;
			pw_err_t e = {0};
			CHECK_MSG(round_tick(&c, &out, &e) == 0, "%d teams: %s", n, e.msg);
			CHECK_MSG(lt_season_valid(s, out.season_id, why, sizeof why), "%d teams, round %d: %s", n,
				  out.round, why);
			char *now = lt_brackets(g);
			CHECK_MSG(!before || lt_brackets_kept(before, now, why, sizeof why), "%d teams: %s", n, why);
			free(before);
			before = now;
			if (out.round == 0 || !strcmp(out.phase, "complete"))
				break;
		}
		free(before);
		pw_season_row_t r;
		CHECK_EQ(season_current(s, &r), 1);
		CHECK_STR(r.phase, "complete");
		/* n teams, 3 round-robins: every pair three times. */
		int rounds = (n % 2 ? n : n - 1) * 3;
		CHECK_EQ(store_schedule_max_round(s, r.id, "regular"), rounds);
		cJSON *sj = season_current_json(g);
		CHECK_EQ(cJSON_GetObjectItem(sj, "teams_count")->valueint, n);
		cJSON_Delete(sj);
		cJSON *br = season_bracket_json(s, r.id);
		CHECK_MSG(cJSON_IsObject(cJSON_GetObjectItem(br, "champion")), "%d teams: no champion", n);
		CHECK_EQ(cJSON_GetObjectItem(cJSON_GetObjectItem(br, "format"), "bracket_teams")->valueint, 4);
		cJSON_Delete(br);
		gov_close(g);
		store_close(s);
	}
}

static int64_t fake_now(void *ud)
{
	return *(int64_t *)ud;
}

/* Runs c on the fake clock *clock with a championship window of `window`
 * seconds, a minute a tick, until the season reaches `phase`; 0 then. */
static int tick_until_phase(pw_round_cfg_t *c, int64_t *clock, int window, const char *phase,
			    pw_round_out_t *out)
{
	c->now = fake_now;
	c->now_ud = clock;
	c->championship_seconds = window;
	for (int t = 0; t < 100; t++) {
		pw_err_t e = {0};
		*clock += 60;
		if (round_tick(c, out, &e) < 0) {
			test_fail(__FILE__, __LINE__, "tick: %s", e.msg);
			return -1;
		}
		if (!strcmp(out->phase, phase))
			return 0;
	}
	return -1;
}

/* Everything a tick could add, as counts: rounds, reports, events. */
static void footprint(pw_store_t *s, int64_t sid, int *round, int *reports, int64_t *events)
{
	pw_season_row_t r;
	store_season_get(s, sid, &r);
	*round = r.current_round;
	*reports = 0;
	for (int k = 0; k <= r.current_round + 1; k++) {
		cJSON *rep = store_reports_json(s, sid, k, 0, false);
		*reports += cJSON_GetArraySize(rep);
		cJSON_Delete(rep);
	}
	*events = store_events_count(s);
}

TEST(seasons_championship_window_adds_no_rounds_and_crowns_in_a_report)
{
	pw_store_t *s = lt_open("ch.db");
	int64_t gids[4];
	pw_round_cfg_t c;
	pw_gov_t *g = league_governed(s, 4, gids, &c);
	int64_t clock = 1000000;
	pw_round_out_t out;
	pw_err_t e = {0};
	CHECK_EQ(tick_until_phase(&c, &clock, 600, "championship", &out), 0);
	int64_t sid = out.season_id;
	int final_round = out.round;
	/* The final's round has the champion's report. */
	cJSON *rep = store_reports_json(s, sid, final_round, 0, false);
	const cJSON *x;
	const char *champ_text = NULL;
	cJSON_ArrayForEach(x, rep)
		if (!strcmp(cJSON_GetObjectItem(x, "kind")->valuestring, "champion"))
			champ_text = cJSON_GetObjectItem(x, "text")->valuestring;
	cJSON *br = season_bracket_json(s, sid);
	const char *champ = cJSON_GetObjectItem(cJSON_GetObjectItem(br, "champion"), "name")->valuestring;
	CHECK_MSG(champ_text && strstr(champ_text, champ) && strstr(champ_text, "champions"),
		  "champion report: %s", champ_text ? champ_text : "(none)");
	cJSON_Delete(br);
	cJSON_Delete(rep);
	/* Ticks inside the window (manual advances) play and write nothing. */
	int r0, rep0, r1, rep1;
	int64_t ev0, ev1;
	footprint(s, sid, &r0, &rep0, &ev0);
	for (int t = 0; t < 3; t++) {
		clock += 100;
		CHECK_EQ(round_tick(&c, &out, &e), 0);
		CHECK_EQ(out.round, 0);
		CHECK_STR(out.phase, "championship");
		CHECK(out.window_ends > clock);
	}
	footprint(s, sid, &r1, &rep1, &ev1);
	CHECK_EQ(r1, r0);
	CHECK_EQ(rep1, rep0);
	CHECK_EQ(ev1, ev0);
	/* After it, one governance round of offseason ends the season. */
	clock += 600;
	CHECK_EQ(round_tick(&c, &out, &e), 0);
	CHECK_EQ(out.round, r0 + 1);
	CHECK_STR(out.phase, "complete");
	char why[256];
	CHECK_MSG(lt_season_valid(s, sid, why, sizeof why), "%s", why);
	char *arch = store_archive_get(s, sid);
	CHECK_CONTAINS(arch, "\"champion\":{\"team_id\"");
	free(arch);
	gov_close(g);
	store_close(s);
}

TEST(seasons_a_new_season_ends_the_old_one_properly)
{
	pw_store_t *s = lt_open("ns.db");
	int64_t gids[4];
	pw_round_cfg_t c;
	pw_gov_t *g = league_governed(s, 4, gids, &c);
	int64_t clock = 2000000;
	pw_err_t e = {0};
	int64_t sid2 = 0;
	/* Refused while the season has games to play, saying so. */
	pw_round_out_t out;
	CHECK_EQ(tick_until_phase(&c, &clock, 3600, "active", &out), 0);
	CHECK_EQ(season_create(g, NULL, true, NULL, 0, &sid2, &e), PW_E_CONFLICT);
	CHECK_CONTAINS(e.msg, "games are done");
	CHECK_EQ(tick_until_phase(&c, &clock, 3600, "championship", &out), 0);
	int64_t sid1 = out.season_id;
	/* In the window: a confirmed proposal and an unconfirmed draft. */
	int64_t open = pass_soon(g, gids, 4, "three pointers worth 4");
	cJSON *o = NULL;
	CHECK_EQ(gov_propose(g, gids[1], "two pointers worth 3", NULL, &o, &e), 0);
	int64_t draft = (int64_t)cJSON_GetObjectItem(o, "id")->valuedouble;
	cJSON_Delete(o);
	/* Allowed now: the old season is completed and archived first, its
	 * open proposal tallied, its draft cancelled. */
	CHECK_MSG(season_create(g, NULL, true, NULL, 0, &sid2, &e) == 0, "%s", e.msg);
	pw_season_row_t r1;
	CHECK_EQ(store_season_get(s, sid1, &r1), 1);
	CHECK_STR(r1.phase, "complete");
	char *arch = store_archive_get(s, sid1);
	CHECK(arch != NULL);
	free(arch);
	const pw_gstate_t *gs = gov_state(g);
	CHECK_EQ(gstate_proposal(gs, open)->status, PW_PROP_PASSED);
	CHECK_EQ(gstate_proposal(gs, draft)->status, PW_PROP_CANCELLED);
	CHECK_EQ(gs->rules.three_point_value, 4);
	/* Nothing of the old season is open. */
	for (int i = 0; i < gs->n_props; i++)
		if (gs->props[i].season_id == sid1)
			CHECK(gs->props[i].status != PW_PROP_OPEN && gs->props[i].status != PW_PROP_DRAFT);
	/* The new season plays from round 1. */
	CHECK_EQ(round_tick(&c, &out, &e), 0);
	CHECK_EQ(out.season_id, sid2);
	CHECK_EQ(out.round, 1);
	gov_close(g);
	store_close(s);
}

TEST(seasons_open_proposals_are_tallied_when_the_season_ends)
{
	pw_store_t *s = lt_open("end.db");
	int64_t gids[4];
	pw_round_cfg_t c;
	pw_gov_t *g = league_governed(s, 4, gids, &c);
	/* Tallies every 100 rounds: none would fall in this season. */
	c.governance_interval = 100;
	int64_t pid = pass_soon(g, gids, 4, "three pointers worth 4");
	lt_run_season(&c);
	pw_season_row_t r;
	CHECK_EQ(season_current(s, &r), 1);
	CHECK_STR(r.phase, "complete");
	const pw_proposal_t *p = gstate_proposal(gov_state(g), pid);
	CHECK(p != NULL);
	CHECK_MSG(p && p->status == PW_PROP_PASSED, "status %s", p ? gstate_status_name(p->status) : "-");
	CHECK_EQ(p ? p->tally_round : -1, r.current_round);
	gov_close(g);
	store_close(s);
}

static int64_t frozen_now(void *ud)
{
	return *(const int64_t *)ud;
}

/* The season's last tally waits for nobody: with a minimum voting period
 * and a clock that never moves, a proposal confirmed before the last tick
 * is still tallied there, not left open in a finished season. */
TEST(seasons_the_last_tally_ignores_the_minimum_voting_period)
{
	pw_store_t *s = lt_open("endmin.db");
	int64_t now = 1700000000;
	pw_gov_cfg_t cfg = {.scripts_dir = "/nonexistent", .min_voting_seconds = 3600, .now = frozen_now,
			    .now_ud = &now};
	pw_gov_t *g = lt_league_with(s, 4, &cfg);
	int64_t gids[4];
	for (int i = 0; i < 4; i++) {
		char name[8];
		snprintf(name, sizeof name, "G%d", i + 1);
		gids[i] = lt_join(g, name, i + 1, NULL);
	}
	pw_round_cfg_t c;
	lt_cfg(&c, g);
	int64_t pid = pass_soon(g, gids, 4, "three pointers worth 4");
	lt_run_season(&c);
	pw_season_row_t r;
	CHECK_EQ(season_current(s, &r), 1);
	CHECK_STR(r.phase, "complete");
	const pw_proposal_t *p = gstate_proposal(gov_state(g), pid);
	CHECK_MSG(p && p->status == PW_PROP_PASSED, "status %s", p ? gstate_status_name(p->status) : "-");
	gov_close(g);
	store_close(s);
}

/* The names of the teams of a season, "|"-joined in id order. */
static void season_team_names(pw_store_t *s, int64_t sid, char *out, size_t len)
{
	cJSON *teams = season_teams_json(s, sid);
	const cJSON *t;
	out[0] = 0;
	cJSON_ArrayForEach(t, teams) {
		size_t n = strlen(out);
		snprintf(out + n, len - n, "%lld:%s|", (long long)cJSON_GetObjectItem(t, "id")->valuedouble,
			 cJSON_GetObjectItem(t, "name")->valuestring);
	}
	cJSON_Delete(teams);
}

TEST(seasons_teams_count_shrinks_and_grows_the_next_season)
{
	pw_store_t *s = lt_open("tc.db");
	int64_t gids[8];
	pw_round_cfg_t c;
	pw_gov_t *g = league_governed(s, 8, gids, &c);
	pw_err_t e = {0};
	char names1[1024], names2[1024], names3[1024], why[256];
	pw_season_row_t r;
	CHECK_EQ(season_current(s, &r), 1);
	int64_t sid1 = r.id;
	season_team_names(s, sid1, names1, sizeof names1);
	/* Passed mid-season: the rule shows at once, the season keeps its 8. */
	pass_soon(g, gids, 8, "set teams count to 6");
	lt_run_season(&c);
	pw_rules_t now;
	gov_rules(g, &now);
	CHECK_EQ(now.teams_count, 6);
	int64_t ids[64];
	CHECK_EQ(store_season_team_ids(s, sid1, ids, 64), 8);
	CHECK_MSG(lt_season_valid(s, sid1, why, sizeof why), "%s", why);
	/* Season 2: the six lowest ids play; 7 and 8 sit out and keep their
	 * history; their governors are not enrolled and are told. */
	int64_t sid2;
	CHECK_MSG(season_create(g, NULL, true, NULL, 0, &sid2, &e) == 0, "%s", e.msg);
	CHECK_EQ(store_season_team_ids(s, sid2, ids, 64), 6);
	CHECK_EQ(ids[5], 6);
	for (int i = 0; i < 8; i++)
		CHECK_EQ(gstate_governor(gov_state(g), gids[i])->season_id == sid2, i < 6);
	cJSON *priv = store_reports_json(s, sid2, 0, gids[7], true);
	CHECK_EQ(cJSON_GetArraySize(priv), 1);
	CHECK_CONTAINS(cJSON_GetObjectItem(cJSON_GetArrayItem(priv, 0), "text")->valuestring,
		       "does not play in Season 2");
	cJSON_Delete(priv);
	priv = store_reports_json(s, sid2, 0, gids[0], true);
	CHECK_EQ(cJSON_GetArraySize(priv), 0);
	cJSON_Delete(priv);
	/* A team that sits out keeps its page, without a record this season. */
	cJSON *t7 = season_team_json(s, sid2, 7);
	CHECK(cJSON_IsFalse(cJSON_GetObjectItem(t7, "plays")));
	CHECK(cJSON_GetObjectItem(t7, "record") == NULL);
	cJSON_Delete(t7);
	t7 = season_team_json(s, sid1, 7);
	CHECK(cJSON_IsTrue(cJSON_GetObjectItem(t7, "plays")));
	CHECK(cJSON_GetObjectItem(t7, "record") != NULL);
	cJSON_Delete(t7);
	/* ... and cannot be joined this season. */
	cJSON *o = NULL;
	CHECK_EQ(gov_join(g, "Late", 7, &o, &e), PW_E_CONFLICT);
	CHECK_CONTAINS(e.msg, "does not play");
	int64_t gids2[6];
	for (int i = 0; i < 6; i++)
		gids2[i] = gids[i];
	/* Season 2 grows the league back and beyond: 7 and 8 return as they
	 * were, 9 and 10 are new, unlike any team before. */
	pass_soon(g, gids2, 6, "set teams count to 10");
	lt_run_season(&c);
	CHECK_MSG(lt_season_valid(s, sid2, why, sizeof why), "%s", why);
	int64_t sid3;
	CHECK_MSG(season_create(g, NULL, true, NULL, 0, &sid3, &e) == 0, "%s", e.msg);
	CHECK_EQ(store_season_team_ids(s, sid3, ids, 64), 10);
	season_team_names(s, sid2, names2, sizeof names2);
	season_team_names(s, sid3, names3, sizeof names3);
	CHECK_EQ(strncmp(names3, names1, strlen(names1)), 0); /* 1..8 unchanged */
	CHECK_EQ(strncmp(names1, names2, strlen(names2)), 0); /* season 2 was 1..6 */
	cJSON *teams = season_teams_json(s, sid3);
	const cJSON *a, *b;
	cJSON_ArrayForEach(a, teams)
		for (b = a->next; b; b = b->next) {
			const char *na = cJSON_GetObjectItem(a, "name")->valuestring;
			const char *nb = cJSON_GetObjectItem(b, "name")->valuestring;
			CHECK_MSG(strcmp(strrchr(na, ' '), strrchr(nb, ' ')), "%s and %s", na, nb);
		}
	cJSON_Delete(teams);
	CHECK_EQ(gstate_governor(gov_state(g), gids[6])->season_id, sid1); /* told, not re-enrolled */
	lt_run_season(&c);
	CHECK_MSG(lt_season_valid(s, sid3, why, sizeof why), "%s", why);
	/* Past seasons read as they were played. */
	cJSON *st = season_standings_json(s, sid1);
	CHECK_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(st, "regular")), 8);
	cJSON_Delete(st);
	st = season_standings_json(s, sid2);
	CHECK_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(st, "regular")), 6);
	cJSON_Delete(st);
	gov_close(g);
	store_close(s);
}

/* A proposal's status as the log says (-1: none). */
static int status_of(pw_gov_t *g, int64_t pid)
{
	gov_sync(g);
	const pw_proposal_t *p = gstate_proposal(gov_state(g), pid);
	return p ? (int)p->status : -1;
}

TEST(seasons_a_failed_stage_says_why_leaves_nothing_and_resumes)
{
	pw_store_t *s = lt_open("fail.db");
	int64_t gids[4];
	pw_round_cfg_t c;
	pw_gov_t *g = league_governed(s, 4, gids, &c);
	pw_round_out_t out;
	pw_err_t e = {0};
	CHECK_EQ(round_tick(&c, &out, &e), 0);
	int64_t pid = pass_soon(g, gids, 4, "three pointers worth 4");
	int64_t events = store_events_count(s);
	static const struct {
		const char *op, *table, *when, *says;
	} stages[] = {
		{"INSERT", "round_progress", NULL, "starting round 2"},
		{"INSERT", "game_results", NULL, "storing game 0 of round 2"},
		{"INSERT", "governance_events", NULL, "round 2"},
		{"INSERT", "reports", NULL, "round 2"},
		{"UPDATE", "round_progress", "NEW.stage = 5", "advancing the season after round 2"},
	};
	for (int k = 0; k < 5; k++) {
		CHECK_EQ(dbt_refuse(lt_db("fail.db"), "refuse", stages[k].op, stages[k].table, stages[k].when,
				    "the disk is full (refused by the test)"),
			 0);
		e = (pw_err_t){0};
		CHECK_MSG(round_tick(&c, &out, &e) < 0, "stage %d did not fail", k + 1);
		CHECK_MSG(strstr(e.msg, "refused by the test") && strstr(e.msg, stages[k].says),
			  "stage %d says \"%s\"", k + 1, e.msg);
		/* What the failed stage did is gone, and the round stays 1. */
		pw_season_row_t r;
		CHECK_EQ(season_current(s, &r), 1);
		CHECK_EQ(r.current_round, 1);
		if (k < 3)
			CHECK_EQ(store_events_count(s), events);
		if (k < 2)
			CHECK_EQ(store_game_count(s, r.id), 2);
		if (k < 3)
			CHECK_EQ(status_of(g, pid), PW_PROP_OPEN);
		cJSON *rep = store_reports_json(s, r.id, 2, 0, false);
		if (k < 4)
			CHECK_EQ(cJSON_GetArraySize(rep), 0);
		cJSON_Delete(rep);
		CHECK_EQ(dbt_allow(lt_db("fail.db"), "refuse", stages[k].table), 0);
	}
	/* The next tick finishes round 2, and the season plays on to its end. */
	CHECK_EQ(round_tick(&c, &out, &e), 0);
	CHECK(out.resumed);
	CHECK_EQ(out.round, 2);
	CHECK_EQ(status_of(g, pid), PW_PROP_PASSED);
	lt_run_season(&c);
	char why[256];
	CHECK_MSG(lt_season_valid(s, out.season_id, why, sizeof why), "%s", why);
	gov_close(g);
	store_close(s);
}

/* Forgets every stored draw, as a database from before they were stored. */
static void forget_draws(pw_store_t *s)
{
	CHECK_EQ(sqlite3_exec(s->db,
			      "DROP TRIGGER governance_events_no_delete;"
			      "DELETE FROM governance_events WHERE event_type='season.bracket_drawn';"
			      "CREATE TRIGGER governance_events_no_delete BEFORE DELETE ON governance_events"
			      "  BEGIN SELECT RAISE(ABORT, 'governance_events is append-only: no DELETE'); END;",
			      NULL, NULL, NULL), SQLITE_OK);
}

TEST(seasons_a_bracket_drawn_before_formats_were_stored_reads_as_played)
{
	TEST_SQLITE_ONLY("rewrites a league into the form older builds left, which only SQLite files ever had");
	/* Cut in the semifinals (games played under the old runner) and
	 * right after the regular season (no playoff game yet). */
	for (int cut = 0; cut < 2; cut++) {
		pw_store_t *s = lt_open(cut ? "legacy1.db" : "legacy0.db");
		int64_t gids[8];
		pw_round_cfg_t c;
		pw_gov_t *g = league_governed(s, 8, gids, &c);
		pw_round_out_t out = {0};
		if (cut == 0)
			CHECK_EQ(tick_until_series(&c, "SF1", 1), 0);
		else
			for (int t = 0; t < 40 && strcmp(out.phase, "playoffs"); t++)
				CHECK_EQ(round_tick(&c, &out, NULL), 0);
		forget_draws(s);
		pw_season_row_t r;
		CHECK_EQ(season_current(s, &r), 1);
		CHECK_STR(r.phase, "playoffs");
		cJSON *br = season_bracket_json(s, r.id);
		CHECK_STR(cJSON_GetObjectItem(cJSON_GetObjectItem(br, "format"), "source")->valuestring, "legacy");
		CHECK_EQ(cJSON_GetObjectItem(cJSON_GetObjectItem(br, "format"), "bracket_teams")->valueint, 4);
		cJSON_Delete(br);
		/* Its next tick records the draw as it was played; a format passed
		 * now waits for the next season. */
		pass_soon(g, gids, 8, "playoff teams 8");
		lt_run_season(&c);
		CHECK_EQ(season_current(s, &r), 1);
		CHECK_STR(r.phase, "complete");
		pw_bracket_format_t f;
		CHECK_EQ(season_bracket_format(s, r.id, &f, NULL), 1);
		CHECK_STR(f.source, "legacy");
		CHECK_EQ(f.bracket_teams, 4);
		char why[256];
		CHECK_MSG(lt_season_valid(s, r.id, why, sizeof why), "cut %d: %s", cut, why);
		gov_close(g);
		store_close(s);
	}
}
