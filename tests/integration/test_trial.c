/*
 * test_trial.c — the effect-trial harness plays the league's way: the same
 * hooks with the same ctx for the same games as round_tick, the same games
 * as plain simulation when there are no effects, metadata that accumulates
 * as the store's, lifetimes, errors with their line, any thread.
 */
#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/league/league_fx.h"
#include "core/league/round.h"
#include "core/league/round_play.h"
#include "core/league/season.h"
#include "core/league/store.h"
#include "core/league/trial.h"
#include "core/sim/result.h"
#include "core/sim/sha256.h"
#include "tests/integration/league_helpers.h"
#include "tests/test.h"

/* Reads ctx in every round hook and in the game: counts per team, hooper
 * and season, entities the league does not have (team 99, hooper 9999,
 * season 2), a game entity, standings, and a sim hook whose outcome
 * depends on the metadata of earlier rounds. */
static const char RECORDER[] =
	"return { name = 'Recorder', hooks = {\n"
	"  ['round.pre'] = function(ctx)\n"
	"    ctx.meta.incr('season', 1, 'rounds', 1)\n"
	"    ctx.meta.incr('hooper', 1, 'rounds', 1)\n"
	"    ctx.meta.incr('hooper', 9999, 'ghost', 1)\n"
	"    ctx.meta.incr('season', 2, 'ghost', 1)\n"
	"  end,\n"
	"  ['round.game.pre'] = function(ctx)\n"
	"    ctx.meta.incr('team', ctx.game.home_team_id, 'hosted', 1)\n"
	"  end,\n"
	"  ['sim.game.pre'] = function(ctx)\n"
	"    ctx.meta.incr('team', ctx.game.away_team_id, 'visited', 1)\n"
	"    ctx.meta.incr('team', 99, 'ghost', 1)\n"
	"    ctx.meta.set('game', ctx.game.id, 'seen', true)\n"
	"  end,\n"
	"  ['sim.shot.pre'] = function(ctx)\n"
	"    local w = ctx.meta.get('team', ctx.offense.team_id, 'wins') or 0\n"
	"    if w >= 1 then return { shot_probability = 0.03 * w } end\n"
	"  end,\n"
	"  ['round.game.post'] = function(ctx)\n"
	"    ctx.meta.incr('team', ctx.game.winner_team_id, 'wins', 1)\n"
	"    ctx.meta.set('team', ctx.game.winner_team_id, 'last_margin', ctx.game.margin)\n"
	"  end,\n"
	"  ['round.post'] = function(ctx)\n"
	"    ctx.meta.toggle('season', 1, 'flip')\n"
	"    ctx.meta.set('season', 1, 'leader', ctx.standings[1].team_id)\n"
	"  end,\n"
	"} }\n";

#define LEAGUE_SEED 42
#define SEASON_SEED 7

/* ---- a recording provider: forwards to the real one, notes what it is handed ---- */

typedef struct rec {
	const pw_fx_provider_t *in;
	const pw_fx_extra_t *inx;
	pw_fx_provider_t p;
	pw_fx_extra_t x;
	char *text;
	size_t len;
} rec_t;

static void rec_line(rec_t *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	char *p = realloc(r->text, r->len + (size_t)n + 2);
	if (!p)
		return;
	r->text = p;
	va_start(ap, fmt);
	vsnprintf(r->text + r->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	r->len += (size_t)n;
	r->text[r->len++] = '\n';
	r->text[r->len] = 0;
}

static int rec_begin_on(void *ud, int w, const pw_fx_active_t *fx, int n, const pw_game_input_t *in,
			const pw_hooks_t **hooks)
{
	rec_t *r = ud;
	rec_line(r, "game %lld round %d seed %llu home %d away %d effects %d:%s", (long long)in->game_id,
		 in->round, (unsigned long long)in->seed, in->home->id, in->away->id, n, n ? fx[0].id : "");
	return r->inx->game_begin_on(r->in->ud, w, fx, n, in, hooks);
}

static void rec_end_on(void *ud, int w, pw_game_result_t *res, cJSON *writes)
{
	rec_t *r = ud;
	r->inx->game_end_on(r->in->ud, w, res, writes);
	char *t = cJSON_PrintUnformatted(writes);
	char hash[65];
	result_hash(res, hash);
	rec_line(r, "game end %d-%d %s writes %s", res->home_score, res->away_score, hash, t ? t : "?");
	free(t);
}

static int rec_begin(void *ud, const pw_fx_active_t *fx, int n, const pw_game_input_t *in,
		     const pw_hooks_t **hooks)
{
	return rec_begin_on(ud, 0, fx, n, in, hooks);
}

static void rec_end(void *ud, pw_game_result_t *res, cJSON *writes)
{
	rec_end_on(ud, 0, res, writes);
}

/* Round hooks with their whole ctx; gov hooks are the league's alone. */
static void rec_round_hook(void *ud, const pw_fx_active_t *fx, int n, const char *hook, const cJSON *ctx,
			   cJSON *writes)
{
	rec_t *r = ud;
	int before = cJSON_GetArraySize(writes);
	r->in->round_hook(r->in->ud, fx, n, hook, ctx, writes);
	if (strncmp(hook, "round.", 6))
		return;
	char *c = cJSON_PrintUnformatted(ctx);
	rec_line(r, "%s effects %d ctx %s", hook, n, c ? c : "?");
	free(c);
	for (int i = before; i < cJSON_GetArraySize(writes); i++) {
		char *w = cJSON_PrintUnformatted(cJSON_GetArrayItem(writes, i));
		rec_line(r, "  write %s", w ? w : "?");
		free(w);
	}
}

static void rec_round_begin(void *ud, const cJSON *meta)
{
	rec_t *r = ud;
	r->inx->round_begin(r->in->ud, meta);
}

static int rec_failed(void *ud, const char *id)
{
	rec_t *r = ud;
	return r->inx->round_hook_failed(r->in->ud, id);
}

static char *rec_report_hook(void *ud, const pw_fx_active_t *fx, int n, const char *hook, const cJSON *ctx)
{
	rec_t *r = ud;
	return r->inx->report_hook(r->in->ud, fx, n, hook, ctx);
}

static void rec_init(rec_t *r, fx_league_t *fx)
{
	memset(r, 0, sizeof *r);
	r->in = fx_league_provider(fx);
	r->inx = fx_league_provider_extra(fx);
	r->p = (pw_fx_provider_t){r, rec_begin, rec_end, rec_round_hook};
	r->x = (pw_fx_extra_t){.round_begin = rec_round_begin, .round_hook_failed = rec_failed,
			       .workers = r->inx->workers, .game_begin_on = rec_begin_on,
			       .game_end_on = rec_end_on, .report_hook = rec_report_hook};
}

/* ---- the league side ---- */

typedef struct lg {
	pw_store_t *s;
	pw_gov_t *g;
	fx_league_t *fx;
	rec_t rec;
	pw_round_cfg_t rc;
} lg_t;

/* A league of n teams (seed 42), season 1 (seed 7), and the effect
 * registered for round 1 under id fx-rec; the real sandbox behind a
 * recording provider. */
static int lg_open(lg_t *x, const char *name, int n, const char *lua)
{
	memset(x, 0, sizeof *x);
	pw_err_t e;
	int64_t lid, sid;
	char err[256];
	x->s = lt_open(name);
	if (!x->s || season_setup_league(x->s, "Trial League", LEAGUE_SEED, n, &lid, &e) < 0)
		return -1;
	x->fx = fx_league_new(&(fx_league_opts_t){.workers = 1}, err, sizeof err);
	pw_gov_cfg_t gc = {.scripts_dir = "/nonexistent"};
	x->g = x->fx ? gov_open(x->s, &gc) : NULL;
	if (!x->g || season_create(x->g, NULL, true, NULL, SEASON_SEED, &sid, &e) < 0) {
		test_fail(__FILE__, __LINE__, "league: %s", e.msg);
		return -1;
	}
	cJSON *pl = cJSON_CreateObject();
	char sha[65];
	sha256_hex(lua, strlen(lua), sha);
	cJSON_AddStringToObject(pl, "effect_id", "fx-rec");
	cJSON_AddStringToObject(pl, "name", "Recorder");
	cJSON_AddStringToObject(pl, "source", lua);
	cJSON_AddStringToObject(pl, "sha256", sha);
	cJSON_AddStringToObject(pl, "lifetime", "permanent");
	cJSON_AddNumberToObject(pl, "start_round", 1);
	cJSON_AddNumberToObject(pl, "proposal_id", 0);
	cJSON_AddNumberToObject(pl, "rounds", 0);
	cJSON_AddItemToObject(pl, "hooks", cJSON_CreateArray());
	int rc = store_begin(x->s) == 0 && gov_sync(x->g) == 0 &&
			 gov_append_in_tx(x->g, PW_EV_EFFECT_REGISTERED, "fx-rec", 0, 0, 0, pl) == 0 &&
			 store_commit(x->s) == 0
		 ? 0 : -1;
	cJSON_Delete(pl);
	gov_sync(x->g);
	rec_init(&x->rec, x->fx);
	x->rc = (pw_round_cfg_t){.gov = x->g, .fx = &x->rec.p, .fx_extra = &x->rec.x, .championship_seconds = 0,
				 .holder = "trial-test"};
	CHECK_EQ(rc, 0);
	return rc;
}

static void lg_close(lg_t *x)
{
	gov_close(x->g);
	fx_league_free(x->fx);
	store_close(x->s);
	free(x->rec.text);
}

/* ---- the trial side ---- */

typedef struct games_seen {
	int n;
	int round[64], index[64], home[64], away[64];
	uint64_t seed[64];
	int64_t id[64];
	char hash[64][65];
} games_seen_t;

static void seen_game(void *ud, int round, const round_play_game_t *g)
{
	games_seen_t *s = ud;
	if (s->n >= 64)
		return;
	int k = s->n++;
	s->round[k] = round;
	s->index[k] = g->index;
	s->home[k] = g->home->id;
	s->away[k] = g->away->id;
	s->seed[k] = g->seed;
	s->id[k] = g->id;
	snprintf(s->hash[k], sizeof s->hash[k], "%s", g->hash);
}

/* The metadata object of an entity in a trial's result, printed ("{}"
 * when never written). Caller frees. */
static char *trial_entity(const trial_out_t *o, const char *kind, int64_t id)
{
	char key[24];
	snprintf(key, sizeof key, "%lld", (long long)id);
	const cJSON *e = cJSON_GetObjectItem(cJSON_GetObjectItem(o->meta, kind), key);
	return e ? cJSON_PrintUnformatted(e) : strdup("{}");
}

/* ---- tests ---- */

TEST(trial_fires_the_same_hooks_with_the_same_ctx_as_the_league)
{
	enum { TEAMS = 4, ROUNDS = 4, GAMES = ROUNDS * TEAMS / 2 };
	lg_t x;
	if (lg_open(&x, "same.db", TEAMS, RECORDER) < 0)
		return;
	for (int r = 1; r <= ROUNDS; r++) {
		pw_round_out_t out;
		pw_err_t e;
		CHECK_MSG(round_tick(&x.rc, &out, &e) == 0, "tick %d: %s", r, e.msg);
	}

	char err[256];
	fx_league_t *tfx = fx_league_new(&(fx_league_opts_t){.workers = 1}, err, sizeof err);
	CHECK(tfx != NULL);
	rec_t rec;
	rec_init(&rec, tfx);
	games_seen_t seen = {0};
	pw_fx_active_t fx = {"fx-rec", "Recorder", RECORDER};
	trial_cfg_t tc = {.league_seed = LEAGUE_SEED, .season_seed = SEASON_SEED, .n_teams = TEAMS,
			  .games = GAMES, .fx = &rec.p, .fx_extra = &rec.x, .effects = &fx, .n_effects = 1,
			  .on_game = seen_game, .on_game_ud = &seen};
	trial_out_t o;
	CHECK_EQ(trial_run(&tc, &o, err, sizeof err), 0);
	CHECK_EQ(o.games, GAMES);
	CHECK_EQ(o.rounds, ROUNDS);

	/* Every hook call, its ctx, the game inputs and every write, in order. */
	CHECK(rec.text && x.rec.text);
	CHECK_CONTAINS(rec.text, "round.pre effects 1 ctx {\"round\":1,\"rules\":{");
	CHECK_CONTAINS(rec.text, "\"standings\":[{\"rank\":1,\"team_id\":");
	CHECK_CONTAINS(rec.text, "round.game.post effects 1 ctx {\"round\":4,");
	CHECK_CONTAINS(rec.text, "\"winner_team_id\":");
	CHECK_CONTAINS(rec.text, "game 1000401 round 4 seed ");
	if (rec.text && x.rec.text && strcmp(rec.text, x.rec.text)) {
		size_t i = 0;
		while (rec.text[i] && rec.text[i] == x.rec.text[i])
			i++;
		size_t from = i > 200 ? i - 200 : 0;
		test_fail(__FILE__, __LINE__, "the trial and the league differ at byte %zu:\n"
			  "trial:  ...%.400s\nleague: ...%.400s", i, rec.text + from, x.rec.text + from);
	}

	/* The same games: fixtures, seeds and hashes as stored. */
	int k = 0;
	for (int r = 1; r <= ROUNDS; r++) {
		int n = 0;
		pw_game_row_t *rows = store_games(x.s, 1, r, &n);
		for (int i = 0; i < n && k < seen.n; i++, k++) {
			CHECK_EQ(seen.round[k], r);
			CHECK_EQ(seen.index[k], rows[i].game_index);
			CHECK_EQ(seen.home[k], rows[i].home_team_id);
			CHECK_EQ(seen.away[k], rows[i].away_team_id);
			CHECK(seen.seed[k] == rows[i].seed);
			CHECK_STR(seen.hash[k], rows[i].hash);
			/* Game metadata lands on the game's row / its sim id. */
			char *sm = store_meta_get(x.s, "game", rows[i].id), *tm = trial_entity(&o, "game", seen.id[k]);
			CHECK_STR(tm, sm);
			free(sm);
			free(tm);
		}
		free(rows);
	}
	CHECK_EQ(k, GAMES);

	/* The metadata at the end: the store's, entity by entity. */
	for (int64_t t = 1; t <= TEAMS; t++) {
		char *sm = store_meta_get(x.s, "team", t), *tm = trial_entity(&o, "team", t);
		CHECK_STR(tm, sm);
		free(sm);
		free(tm);
	}
	char *sm = store_meta_get(x.s, "season", 1), *tm = trial_entity(&o, "season", 1);
	CHECK_STR(tm, sm);
	CHECK_CONTAINS(tm, "\"rounds\":4");
	free(sm);
	free(tm);
	sm = store_meta_get(x.s, "hooper", 1);
	tm = trial_entity(&o, "hooper", 1);
	CHECK_STR(tm, sm);
	CHECK_STR(tm, "{\"rounds\":4}");
	free(sm);
	free(tm);
	/* Writes to entities the league does not have are dropped by both. */
	char *all = cJSON_PrintUnformatted(o.meta);
	CHECK_MSG(all && !strstr(all, "ghost"), "%s", all ? all : "?");
	free(all);
	trial_out_free(&o);
	fx_league_free(tfx);
	free(rec.text);
	lg_close(&x);
}

TEST(trial_without_effects_plays_the_plain_games_of_the_schedule)
{
	enum { GAMES = 30 }; /* one 8-team round-robin (28) and two games of the next */
	games_seen_t seen = {0};
	trial_cfg_t tc = {.league_seed = 5, .games = GAMES, .on_game = seen_game, .on_game_ud = &seen};
	trial_out_t o;
	char err[256];
	CHECK_EQ(trial_run(&tc, &o, err, sizeof err), 0);
	CHECK_EQ(o.games, GAMES);
	CHECK_EQ(o.rounds, 8);
	CHECK_EQ(o.effect_rounds, 0);
	CHECK_EQ(seen.n, GAMES);

	pw_league_t *lg = malloc(sizeof *lg);
	teams_generate(lg, 5, TRIAL_TEAMS);
	int64_t ids[TRIAL_TEAMS];
	for (int i = 0; i < TRIAL_TEAMS; i++)
		ids[i] = lg->teams[i].id;
	pw_fixture_t *fx = NULL;
	CHECK_EQ(schedule_round_robin(ids, TRIAL_TEAMS, 2, &fx), 56);
	uint64_t season_seed = season_game_seed(5, 1, 0, 0);
	pw_rules_t rules;
	rules_default(&rules);
	pw_calib_t cal = {0};
	pw_game_result_t r;
	sim_result_init(&r);
	for (int i = 0; fx && i < GAMES; i++) {
		CHECK_EQ(seen.round[i], fx[i].round);
		CHECK_EQ(seen.index[i], fx[i].index);
		CHECK_EQ(seen.home[i], fx[i].home);
		CHECK_EQ(seen.away[i], fx[i].away);
		pw_game_input_t in = {.game_id = round_play_game_id(1, fx[i].round, fx[i].index),
				      .round = fx[i].round,
				      .seed = season_game_seed(season_seed, 1, fx[i].round, fx[i].index),
				      .home = teams_team(lg, (int)fx[i].home), .away = teams_team(lg, (int)fx[i].away),
				      .rules = &rules};
		CHECK_EQ(sim_game(&in, &r), 0);
		char hash[65];
		result_hash(&r, hash);
		CHECK_STR(seen.hash[i], hash);
		calib_add(&cal, &r);
	}
	CHECK(memcmp(&cal, &o.cal, sizeof cal) == 0);
	pw_calib_figure_t f[PW_CAL_COUNT];
	calib_figures(&cal, true, f);
	CHECK_NEAR(o.figure[TRIAL_POINTS], f[PW_CAL_POINTS].value, 1e-12);
	CHECK_NEAR(o.figure[TRIAL_ELAM_LENGTH], f[PW_CAL_ELAM_POSSESSIONS].value, 1e-12);
	CHECK_EQ(o.errors, 0);
	CHECK_EQ(o.report.n_usage, 0);
	sim_result_free(&r);
	free(fx);
	free(lg);
	trial_out_free(&o);
}

/* A trial of `games` with one effect on its own sandbox provider. */
static int run_with(const char *lua, int games, int workers, int parallel, trial_out_t *o, char *err,
		    size_t errlen)
{
	fx_league_t *lf = fx_league_new(&(fx_league_opts_t){.workers = workers}, err, errlen);
	if (!lf)
		return -1;
	fx_script_t *s = NULL;
	int life = 0;
	if (fx_script_load(lua, strlen(lua), &s, err, errlen) == 0)
		life = trial_lifetime_rounds(fx_script_lifetime(s));
	fx_script_free(s);
	pw_fx_active_t fx = {"e1", "E", lua};
	trial_cfg_t tc = {.league_seed = 11, .games = games, .effects = &fx, .lifetimes = &life,
			  .n_effects = 1, .parallel_games = parallel};
	fx_league_trial_cfg(lf, &tc);
	int rc = trial_run(&tc, o, err, errlen);
	fx_league_free(lf);
	return rc;
}

TEST(trial_metadata_accumulates_round_by_round)
{
	/* Each game counts itself for both teams; hooks read the counts as of
	 * the round's start, so round.pre of round r sees 2 * (r - 1) games
	 * for every team of an 8-team league (4 games a round, each team in
	 * one). An effect that reads its own writes too early errors. */
	static const char lua[] =
		"return { name = 'Count', hooks = {\n"
		"  ['sim.game.pre'] = function(ctx)\n"
		"    ctx.meta.incr('team', ctx.game.home_team_id, 'games', 1)\n"
		"    ctx.meta.incr('team', ctx.game.away_team_id, 'games', 1)\n"
		"  end,\n"
		"  ['round.pre'] = function(ctx)\n"
		"    for t = 1, 8 do\n"
		"      local n = ctx.meta.get('team', t, 'games') or 0\n"
		"      if n ~= ctx.round - 1 then error('team ' .. t .. ' has ' .. n .. ' in round ' .. ctx.round) end\n"
		"    end\n"
		"  end,\n"
		"} }\n";
	trial_out_t o;
	char err[256];
	CHECK_EQ(run_with(lua, 40, 1, 0, &o, err, sizeof err), 0);
	CHECK_MSG(o.errors == 0, "%s", o.first_error.message);
	for (int t = 1; t <= 8; t++) {
		char *m = trial_entity(&o, "team", t);
		CHECK_STR(m, "{\"games\":10}");
		free(m);
	}
	CHECK_EQ(o.fired[FX_HOOK_ROUND_PRE], 10);
	CHECK_EQ(o.fired[PW_HOOK_GAME_PRE], 40);
	trial_out_t p;
	/* On two sandbox workers and threads: the same games, the same counts. */
	CHECK_EQ(run_with(lua, 40, 2, 2, &p, err, sizeof err), 0);
	CHECK(memcmp(&o.cal, &p.cal, sizeof o.cal) == 0);
	char *a = cJSON_PrintUnformatted(o.meta), *b = cJSON_PrintUnformatted(p.meta);
	CHECK_STR(a, b);
	free(a);
	free(b);
	trial_out_free(&o);
	trial_out_free(&p);
}

TEST(trial_reports_an_effect_error_with_its_line_and_lifetime)
{
	static const char lua[] = "return { name = 'Late', lifetime = { rounds = 3 }, hooks = {\n"
				  "  ['round.game.post'] = function(ctx)\n"
				  "    if ctx.round == 2 then error('round two') end\n"
				  "  end,\n"
				  "} }\n";
	trial_out_t o;
	char err[256];
	CHECK_EQ(run_with(lua, 40, 1, 0, &o, err, sizeof err), 0);
	/* Lives rounds 1..3 of 10: 12 calls, the 4 of round 2 fail. */
	CHECK_EQ(o.rounds, 10);
	CHECK_EQ(o.effect_rounds, 3);
	CHECK_EQ(o.fired[FX_HOOK_ROUND_GAME_POST], 12);
	CHECK_EQ(o.errors, 4);
	CHECK_STR(o.first_error.hook, "round.game.post");
	CHECK_STR(o.first_error.message, "line 3: round two");
	CHECK_STR(o.first_error.effect_id, "e1");
	trial_out_free(&o);

	/* Governance's check rejects it with the same line. */
	char msg[512];
	fx_league_t *lf = fx_league_new(&(fx_league_opts_t){.impact_games = 40}, msg, sizeof msg);
	cJSON *hooks = NULL, *impact = NULL;
	CHECK_EQ(fx_league_check(lf, NULL, NULL, lua, &hooks, &impact, msg, sizeof msg), -1);
	CHECK_CONTAINS(msg, "test run: round.game.post: line 3: round two (4 errors in 40 games)");
	CHECK(hooks == NULL && impact == NULL);
	fx_league_free(lf);
}

/* ---- any thread ---- */

typedef struct par {
	trial_out_t o;
	int rc;
} par_t;

static void *par_run(void *arg)
{
	par_t *p = arg;
	char err[256];
	p->rc = run_with(RECORDER, 24, 1, 0, &p->o, err, sizeof err);
	return NULL;
}

TEST(trial_runs_on_several_threads_at_once_with_equal_results)
{
	par_t a, b;
	pthread_t t;
	CHECK_EQ(pthread_create(&t, NULL, par_run, &a), 0);
	par_run(&b);
	pthread_join(t, NULL);
	CHECK_EQ(a.rc, 0);
	CHECK_EQ(b.rc, 0);
	CHECK(memcmp(&a.o.cal, &b.o.cal, sizeof a.o.cal) == 0);
	CHECK(a.o.fired[PW_HOOK_SHOT_PRE] > 0);
	CHECK_EQ(a.o.fired[PW_HOOK_SHOT_PRE], b.o.fired[PW_HOOK_SHOT_PRE]);
	char *x = cJSON_PrintUnformatted(a.o.meta), *y = cJSON_PrintUnformatted(b.o.meta);
	CHECK_STR(x, y);
	free(x);
	free(y);
	trial_out_free(&a.o);
	trial_out_free(&b.o);
}

/* ---- the projected impact ---- */

TEST(trial_impact_of_a_rule_change_and_an_effect)
{
	char err[256];
	fx_league_t *lf = fx_league_new(&(fx_league_opts_t){.impact_games = 28}, err, sizeof err);
	pw_rules_t before, after;
	rules_default(&before);
	after = before;
	after.three_point_value = 5;
	pw_gov_league_t now = {.rules = &before};
	cJSON *o = fx_league_rules_impact(lf, &now, &after);
	CHECK_EQ(cJSON_GetObjectItem(o, "games")->valueint, 28);
	CHECK_EQ(cJSON_GetObjectItem(o, "rounds")->valueint, 7);
	CHECK(cJSON_GetObjectItem(o, "effect_rounds") == NULL);
	const cJSON *pts = cJSON_GetObjectItem(o, "points_per_game");
	CHECK(cJSON_GetObjectItem(pts, "delta")->valuedouble > 0);
	CHECK_NEAR(cJSON_GetObjectItem(pts, "delta")->valuedouble,
		   cJSON_GetObjectItem(pts, "after")->valuedouble - cJSON_GetObjectItem(pts, "before")->valuedouble,
		   1e-3);
	for (int i = 0; i < TRIAL_FIGURES; i++)
		CHECK_MSG(cJSON_IsObject(cJSON_GetObjectItem(o, trial_figure(i)->key)), "no %s", trial_figure(i)->key);
	/* The same ruleset on both sides: no difference at all. */
	cJSON *same = fx_league_rules_impact(lf, &now, &before);
	CHECK_EQ(cJSON_GetObjectItem(cJSON_GetObjectItem(same, "fg_pct"), "delta")->valuedouble, 0);
	cJSON_Delete(same);
	cJSON_Delete(o);

	cJSON *hooks = NULL, *imp = NULL;
	CHECK_EQ(fx_league_check(lf, NULL, NULL, RECORDER, &hooks, &imp, err, sizeof err), 0);
	CHECK_EQ(cJSON_GetArraySize(hooks), 6);
	CHECK_EQ(cJSON_GetObjectItem(imp, "effect_rounds")->valueint, 7);
	CHECK_EQ(cJSON_GetObjectItem(cJSON_GetObjectItem(imp, "fired"), "round.pre")->valueint, 7);
	CHECK_EQ(cJSON_GetObjectItem(cJSON_GetObjectItem(imp, "fired"), "sim.game.pre")->valueint, 28);
	CHECK(cJSON_GetObjectItem(imp, "peak_instructions")->valuedouble > 0);
	CHECK(cJSON_GetObjectItem(imp, "peak_memory")->valuedouble > 0);
	cJSON_Delete(hooks);
	cJSON_Delete(imp);
	fx_league_free(lf);
}

/* ---- the metadata op, shared by the store and the trial ---- */

TEST(round_play_meta_apply_is_the_stores_op)
{
	cJSON *m = cJSON_Parse("{\"n\":2,\"s\":\"x\",\"b\":true}");
	const char *writes[] = {
		"{\"kind\":\"team\",\"id\":1,\"key\":\"n\",\"op\":\"incr\",\"value\":3}",
		"{\"kind\":\"team\",\"id\":1,\"key\":\"s\",\"op\":\"incr\"}",     /* not a number: 0 + 1 */
		"{\"kind\":\"team\",\"id\":1,\"key\":\"b\",\"op\":\"toggle\"}",
		"{\"kind\":\"team\",\"id\":1,\"key\":\"t\",\"op\":\"toggle\"}",   /* absent: false → true */
		"{\"kind\":\"team\",\"id\":1,\"key\":\"v\",\"op\":\"set\",\"value\":\"hi\"}",
		"{\"kind\":\"team\",\"id\":1,\"key\":\"n\",\"op\":\"set\",\"value\":null}", /* deletes */
	};
	for (size_t i = 0; i < sizeof writes / sizeof writes[0]; i++) {
		cJSON *w = cJSON_Parse(writes[i]);
		CHECK_MSG(round_play_meta_apply(m, w) == 0, "%s", writes[i]);
		cJSON_Delete(w);
	}
	char *t = cJSON_PrintUnformatted(m);
	CHECK_STR(t, "{\"s\":1,\"b\":false,\"t\":true,\"v\":\"hi\"}");
	free(t);
	cJSON *bad = cJSON_Parse("{\"kind\":\"team\",\"key\":\"n\",\"op\":\"incr\"}");
	const char *kind;
	int64_t id;
	CHECK(!round_play_meta_target(bad, &kind, &id));
	CHECK_EQ(round_play_meta_apply(m, bad), -1);
	cJSON_Delete(bad);
	cJSON_Delete(m);
	CHECK_EQ(round_play_game_id(3, 12, 2), 3001202);
}
