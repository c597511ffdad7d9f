#include "tests/test.h"

#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/league/report.h"
#include "tests/integration/league_helpers.h"

TEST(round_full_season_phases_playoffs_archive)
{
	pw_store_t *s = lt_open("r.db");
	pw_gov_t *g = lt_league(s, 8);
	int64_t a = lt_join(g, "A", 1, NULL);
	lt_events_t bus = {0};
	pw_bus_t b = {&bus, lt_events_publish};
	pw_round_cfg_t c;
	lt_cfg(&c, g);
	c.bus = &b;
	int ticks = lt_run_season(&c);
	CHECK(ticks > 21);
	pw_season_row_t r;
	CHECK_EQ(season_current(s, &r), 1);
	CHECK_STR(r.phase, "complete");
	/* 84 regular-season games (8 teams, 3 round-robins) plus playoffs. */
	int ng = store_game_count(s, r.id);
	CHECK(ng >= 84 + 2 * 2 + 3 && ng <= 84 + 2 * 3 + 5);
	CHECK_EQ(store_schedule_max_round(s, r.id, "regular"), 21);
	CHECK_EQ(lt_events_count(&bus, "game.completed"), ng);
	CHECK_EQ(lt_events_count(&bus, "season.playoffs_complete"), 1);
	CHECK_EQ(lt_events_count(&bus, "round.completed"), ticks + 1);
	/* setup→active, active→tiebreaker_check, →playoffs, →championship,
	 * →offseason, →complete. */
	CHECK_EQ(lt_events_count(&bus, "season.phase_changed"), 6);
	CHECK(lt_events_count(&bus, "report.generated") > ticks * 3);
	/* The bracket is complete and its champion is in the archive. */
	cJSON *br = season_bracket_json(s, r.id);
	CHECK(cJSON_IsObject(cJSON_GetObjectItem(br, "champion")));
	int64_t champ = (int64_t)cJSON_GetObjectItem(cJSON_GetObjectItem(br, "champion"), "team_id")->valuedouble;
	cJSON_Delete(br);
	char *arch = store_archive_get(s, r.id);
	CHECK(arch != NULL);
	cJSON *aj = cJSON_Parse(arch);
	CHECK_EQ((int64_t)cJSON_GetObjectItem(cJSON_GetObjectItem(aj, "champion"), "team_id")->valuedouble, champ);
	const char *keys[] = {"final_standings", "rule_timeline", "awards", "leaders", "key_games", "head_to_head"};
	for (int i = 0; i < 6; i++)
		CHECK_MSG(cJSON_GetObjectItem(aj, keys[i]) != NULL, "archive lacks %s", keys[i]);
	cJSON *aw = cJSON_GetObjectItem(aj, "awards");
	CHECK(cJSON_IsNumber(cJSON_GetObjectItem(cJSON_GetObjectItem(aw, "mvp"), "points_per_game")));
	CHECK_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(aj, "head_to_head")), 28);
	cJSON_Delete(aj);
	free(arch);
	/* Every tick wrote reports; none of them prescribes. */
	double sum = -1;
	int cnt = 0;
	CHECK_EQ(store_eval_sum(s, "directive_violations", &sum, &cnt), 0);
	CHECK(cnt > ticks * 2);
	CHECK_EQ(sum, 0);
	cJSON *priv = store_reports_json(s, r.id, 1, a, true);
	CHECK_EQ(cJSON_GetArraySize(priv), 1);
	cJSON_Delete(priv);
	/* Nothing left to do; a new season carries governors over with fresh tokens. */
	pw_round_out_t out;
	pw_err_t e;
	CHECK_EQ(round_tick(&c, &out, &e), 0);
	CHECK_EQ(out.round, 0);
	int64_t sid2;
	CHECK_EQ(season_create(g, "Two", true, NULL, 0, &sid2, &e), 0);
	gov_sync(g);
	CHECK_EQ(gstate_governor(gov_state(g), a)->season_id, sid2);
	CHECK_EQ(gstate_governor(gov_state(g), a)->tokens[PW_TOK_PROPOSE], 2);
	CHECK_EQ(season_create(g, "Three", true, NULL, 0, &sid2, &e), PW_E_CONFLICT);
	gov_close(g);
	store_close(s);
}

TEST(round_directive_scan_counts)
{
	CHECK_EQ(report_directive_count("The Foxes won. You should vote for proposal 3!"), 2);
	CHECK_EQ(report_directive_count("Describes only."), 0);
}

TEST(round_rule_change_reaches_the_games)
{
	pw_store_t *s = lt_open("r.db");
	pw_gov_t *g = lt_league(s, 4);
	int64_t a = lt_join(g, "A", 1, NULL);
	int64_t p = lt_propose(g, a, "three pointers worth 5");
	pw_err_t e;
	CHECK_EQ(gov_vote(g, a, p, true, false, NULL, &e), 0);
	pw_round_cfg_t c;
	lt_cfg(&c, g);
	pw_round_out_t o;
	CHECK_EQ(round_tick(&c, &o, &e), 0); /* round 1: old rules, tally enacts */
	CHECK_EQ(round_tick(&c, &o, &e), 0); /* round 2: new rules */
	int n = 0;
	pw_game_row_t *gm = store_games(s, o.season_id, 0, &n);
	for (int i = 0; i < n; i++) {
		char *rules = NULL;
		store_game_snapshots(s, gm[i].id, &rules, NULL, NULL, NULL, NULL);
		CHECK_CONTAINS(rules, gm[i].round == 1 ? "\"three_point_value\":3" : "\"three_point_value\":5");
		free(rules);
	}
	free(gm);
	int checked = 0;
	CHECK_EQ(round_rebuild(&c, &checked, NULL, NULL, &e), 0);
	CHECK_EQ(checked, n);
	gov_close(g);
	store_close(s);
}

/* The same season, with a crash injected at stage k (after or inside its
 * transaction), then finished by a fresh process: the database ends up
 * identical to an uninterrupted run. */
static char *season_digest(const char *name, int crash_after, int crash_inside, int crash_round)
{
	pw_store_t *s = lt_open(name);
	pw_gov_t *g = lt_league(s, 4);
	int64_t a = lt_join(g, "A", 1, NULL), b = lt_join(g, "B", 2, NULL);
	int64_t p = lt_propose(g, a, "shorter quarters");
	pw_err_t e;
	gov_vote(g, a, p, true, false, NULL, &e);
	gov_vote(g, b, p, true, false, NULL, &e);
	pw_round_cfg_t c;
	lt_cfg(&c, g);
	pw_round_out_t o;
	for (int r = 1; r < crash_round; r++)
		round_tick(&c, &o, &e);
	if (crash_after || crash_inside) {
		fflush(stdout);
		pid_t pid = fork();
		if (pid == 0) {
			/* The child gets its own connection, like a process would. */
			pw_store_t *cs = lt_open(name);
			pw_gov_t *cg = gov_open(cs, NULL);
			pw_round_cfg_t cc;
			lt_cfg(&cc, cg);
			cc.crash_after = crash_after;
			cc.crash_inside = crash_inside;
			round_tick(&cc, &o, &e);
			_exit(0);
		}
		int st = 0;
		waitpid(pid, &st, 0);
		CHECK_MSG(WIFEXITED(st) && WEXITSTATUS(st) == 77, "the child did not crash at stage %d/%d",
			  crash_after, crash_inside);
		gov_reset(g);
	}
	lt_run_season(&c);
	char *d = lt_digest(s);
	/* No game twice. */
	pw_season_row_t r;
	season_current(s, &r);
	int n = 0;
	pw_game_row_t *gm = store_games(s, r.id, 0, &n);
	for (int i = 1; i < n; i++)
		CHECK(gm[i].round != gm[i - 1].round || gm[i].game_index != gm[i - 1].game_index);
	free(gm);
	gov_close(g);
	store_close(s);
	return d;
}

TEST(round_crash_at_every_stage_recovers_identically)
{
	char *ref = season_digest("ref.db", 0, 0, 1);
	for (int k = PW_STAGE_BEGIN; k <= PW_STAGE_DONE; k++) {
		for (int inside = 0; inside < 2; inside++) {
			char name[32];
			snprintf(name, sizeof name, "c%d%d.db", k, inside);
			char *d = season_digest(name, inside ? 0 : k, inside ? k : 0, 2);
			CHECK_MSG(!strcmp(d, ref), "crash %s stage %d: final state differs", inside ? "inside" : "after", k);
			free(d);
		}
	}
	free(ref);
}

static int count_votes(void *ud, const pw_event_t *ev)
{
	*(int *)ud += !strcmp(ev->type, "vote.cast");
	return 0;
}

typedef struct voter {
	const char *name; /* lt_open's: a connection of the voter's own */
	int64_t gid;
	int64_t *pids;
	int npids;
	int ok, failed;
	volatile int *stop;
} voter_t;

static void *vote_loop(void *ud)
{
	voter_t *v = ud;
	pw_store_t *s = lt_open(v->name);
	pw_gov_t *g = gov_open(s, NULL);
	for (int i = 0; !*v->stop || i < 50; i++) {
		pw_err_t e;
		int rc = gov_vote(g, v->gid, v->pids[i % v->npids], i % 2, false, NULL, &e);
		if (rc == 0)
			v->ok++;
		else if (rc != PW_E_CONFLICT) /* closed by a tally: fine */
			v->failed++;
		if (i > 5000)
			break;
	}
	gov_close(g);
	store_close(s);
	return NULL;
}

TEST(round_concurrent_governance_writes_during_ticks)
{
	pw_store_t *s = lt_open("cc.db");
	pw_gov_t *g = lt_league(s, 8);
	int64_t a = lt_join(g, "A", 1, NULL), b = lt_join(g, "B", 2, NULL);
	int64_t pids[4];
	pids[0] = lt_propose(g, a, "elam margin 20");
	pids[1] = lt_propose(g, b, "foul out after 6");
	volatile int stop = 0;
	voter_t v1 = {"cc.db", a, pids, 2, 0, 0, &stop}, v2 = {"cc.db", b, pids, 2, 0, 0, &stop};
	pthread_t t1, t2;
	pthread_create(&t1, NULL, vote_loop, &v1);
	pthread_create(&t2, NULL, vote_loop, &v2);
	pw_round_cfg_t c;
	lt_cfg(&c, g);
	c.governance_interval = 1000; /* keep the proposals open while the voters run */
	pw_err_t e;
	pw_round_out_t o;
	for (int r = 0; r < 6; r++)
		CHECK_MSG(round_tick(&c, &o, &e) == 0, "tick: %s", e.msg);
	stop = 1;
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	CHECK_EQ(v1.failed + v2.failed, 0);
	CHECK(v1.ok > 0 && v2.ok > 0);
	/* Every acknowledged vote is in the log. */
	int votes = 0;
	store_events_since(s, 0, count_votes, &votes);
	CHECK_EQ(votes, v1.ok + v2.ok);
	gov_close(g);
	store_close(s);
}

/* The same on PostgreSQL (docs/POSTGRES.md): a season, a crash at every
 * stage, and votes from other connections racing the ticks. */
LT_ON_POSTGRES(round_full_season_phases_playoffs_archive)
LT_ON_POSTGRES(round_rule_change_reaches_the_games)
LT_ON_POSTGRES(round_crash_at_every_stage_recovers_identically)
LT_ON_POSTGRES(round_concurrent_governance_writes_during_ticks)

/* A season played on PostgreSQL keeps what it keeps on SQLite: the same
 * games (hashes and scores), events (types and payloads) and reports. */
TEST(pg_round_a_season_is_the_same_on_both_backends)
{
	char *on_sqlite = season_digest("same.db", 0, 0, 1);
	lt_use_postgres();
	char *on_pg = season_digest("same.db", 0, 0, 1);
	CHECK_MSG(!strcmp(on_sqlite, on_pg), "SQLite %s, PostgreSQL %s", on_sqlite, on_pg);
	free(on_sqlite);
	free(on_pg);
}
