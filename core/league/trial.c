/*
 * trial.c — the effect-trial harness (see trial.h).
 */
#include "core/league/trial.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/league/schedule.h"
#include "core/league/season.h"
#include "core/league/standings.h"
#include "core/sim/teams.h"

static const struct {
	pw_calib_id_t cal;
	trial_figure_t f;
} figures[TRIAL_FIGURES] = {
	[TRIAL_POINTS] = {PW_CAL_POINTS, {"points_per_game", "points per team per game", 2}},
	[TRIAL_FG_PCT] = {PW_CAL_FG_PCT, {"fg_pct", "field-goal %", 3}},
	[TRIAL_THREE_SHARE] = {PW_CAL_THREE_SHARE, {"three_point_share", "three-point attempt share", 3}},
	[TRIAL_TURNOVERS] = {PW_CAL_TURNOVERS, {"turnovers", "turnovers per team per game", 2}},
	[TRIAL_HOME_WIN] = {PW_CAL_HOME_WIN, {"home_win_pct", "home win %", 3}},
	[TRIAL_ELAM_LENGTH] = {PW_CAL_ELAM_POSSESSIONS, {"elam_length", "Elam possessions per game", 2}},
};

const trial_figure_t *trial_figure(int figure)
{
	return figure >= 0 && figure < TRIAL_FIGURES ? &figures[figure].f : NULL;
}

int trial_lifetime_rounds(fx_lifetime_t lt)
{
	return lt.kind == FX_LIFE_ONE_GAME ? 1 : lt.kind == FX_LIFE_ROUNDS ? lt.rounds : 0;
}

/* One run's state. */
typedef struct trial {
	const trial_cfg_t *c;
	int64_t season_id;
	uint64_t season_seed;
	pw_league_t *lg;
	pw_stand_game_t *played;   /* the games of the rounds before, in order */
	int n_played;
	cJSON *meta;               /* every applied write: {kind: {id: {key: value}}} */
} trial_t;

/* ctx.standings: the games played so far (every trial game is a regular
 * one, and played holds exactly the rounds before this one), then extra. */
static cJSON *standings(void *ud, int before_round, const pw_stand_game_t *extra, int n_extra)
{
	const trial_t *t = ud;
	(void)before_round;
	pw_stand_game_t *all = calloc((size_t)(t->n_played + n_extra) + 1, sizeof *all);
	if (!all)
		return NULL;
	memcpy(all, t->played, (size_t)t->n_played * sizeof *all);
	if (n_extra)
		memcpy(all + t->n_played, extra, (size_t)n_extra * sizeof *all);
	cJSON *o = stand_league_json(t->lg, all, t->n_played + n_extra);
	free(all);
	return o;
}

/* What every hook of the next round reads: the teams', hoopers' and
 * season's metadata, as the runner's snapshot holds it (game entries are
 * never in it). Borrows from t->meta; delete before t->meta changes. */
static cJSON *meta_view(const trial_t *t)
{
	static const char *const kinds[] = {"team", "hooper", "season"};
	cJSON *v = cJSON_CreateObject();
	for (size_t i = 0; v && i < sizeof kinds / sizeof kinds[0]; i++) {
		cJSON *k = cJSON_GetObjectItemCaseSensitive(t->meta, kinds[i]);
		if (k)
			cJSON_AddItemReferenceToObject(v, kinds[i], k);
	}
	return v;
}

/* Whether the league would have this entity: the store's UPDATE of a row
 * that does not exist drops the write, so the trial drops it too. */
static bool entity_exists(const trial_t *t, const char *kind, int64_t id, const round_play_game_t *games,
			  int n)
{
	if (!strcmp(kind, "team"))
		return id > 0 && id <= INT32_MAX && teams_team(t->lg, (int)id) != NULL;
	if (!strcmp(kind, "hooper")) {
		for (int i = 0; i < t->lg->n_teams; i++)
			for (int k = 0; k < PW_ROSTER_SIZE; k++)
				if (t->lg->teams[i].hoopers[k].id == id)
					return true;
		return false;
	}
	if (!strcmp(kind, "season"))
		return id == t->season_id;
	if (!strcmp(kind, "game")) /* the round's own games (the runner maps those alone) */
		for (int i = 0; i < n; i++)
			if (games[i].id == id)
				return true;
	return false;
}

/* The round's writes go to t->meta through round_play_meta_apply_all, as
 * the runner's go to the store: one load and save per entity, the same
 * caps. ud is an apply_ctx_t. */
typedef struct apply_ctx {
	trial_t *t;
	const round_play_game_t *games;
	int n;
} apply_ctx_t;

static cJSON *trial_meta_load(void *ud, const char *kind, int64_t id)
{
	const apply_ctx_t *a = ud;
	if (!entity_exists(a->t, kind, id, a->games, a->n))
		return NULL;
	char key[24];
	snprintf(key, sizeof key, "%lld", (long long)id);
	const cJSON *ent = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(a->t->meta, kind), key);
	return ent ? cJSON_Duplicate(ent, 1) : cJSON_CreateObject();
}

static int trial_meta_save(void *ud, const char *kind, int64_t id, cJSON *m)
{
	const apply_ctx_t *a = ud;
	char key[24];
	snprintf(key, sizeof key, "%lld", (long long)id);
	cJSON *k = cJSON_GetObjectItemCaseSensitive(a->t->meta, kind);
	if (!k && !(k = cJSON_AddObjectToObject(a->t->meta, kind))) {
		cJSON_Delete(m);
		return -1;
	}
	bool ok = cJSON_GetObjectItemCaseSensitive(k, key) ? cJSON_ReplaceItemInObject(k, key, m)
							  : cJSON_AddItemToObject(k, key, m);
	if (!ok)
		cJSON_Delete(m);
	return ok ? 0 : -1;
}

/* The round's writes, after it and in order, as the runner applies them. */
static int apply_writes(trial_t *t, const cJSON *writes, const round_play_game_t *games, int n)
{
	apply_ctx_t a = {t, games, n};
	round_play_meta_io_t io = {trial_meta_load, trial_meta_save, &a};
	return round_play_meta_apply_all(writes, &io);
}

/* The effects a round runs: those whose lifetime has not ended. */
static int active_in(const trial_cfg_t *c, int round, pw_fx_active_t *out)
{
	int n = 0;
	for (int i = 0; c->fx && i < c->n_effects; i++)
		if (!c->lifetimes || c->lifetimes[i] <= 0 || round <= c->lifetimes[i])
			out[n++] = c->effects[i];
	return n;
}

/*
 * Plays the fixtures [from, from + n) (one tick) and applies its writes.
 * Returns 0, or -1 with err.
 */
static int play_round(trial_t *t, const pw_fixture_t *fx, int n, const pw_rules_t *rules,
		      const cJSON *rules_json, pw_fx_active_t *act, trial_out_t *out, char *err, size_t errlen)
{
	const trial_cfg_t *c = t->c;
	int round = fx[0].round;
	round_play_game_t *games = calloc((size_t)n, sizeof *games);
	cJSON *writes = cJSON_CreateArray(), *view = meta_view(t);
	int rc = games && writes && view ? 0 : -1;
	if (rc < 0)
		snprintf(err, errlen, "out of memory");
	for (int i = 0; games && i < n; i++) {
		round_play_game_t *g = &games[i];
		round_play_game_init(g);
		g->home = teams_team(t->lg, (int)fx[i].home);
		g->away = teams_team(t->lg, (int)fx[i].away);
		g->index = fx[i].index;
		g->id = round_play_game_id(t->season_id, round, fx[i].index);
		g->seed = season_game_seed(t->season_seed, 1, round, fx[i].index);
		g->regular = true;
	}
	round_play_cfg_t pc = {.fx = c->fx, .fx_extra = c->fx_extra, .effects = act,
			       .n_effects = active_in(c, round, act), .parallel_games = c->parallel_games};
	if (pc.n_effects > 0)
		out->effect_rounds++;
	round_play_round_t r = {.round = round, .rules = rules, .rules_json = rules_json, .meta = view,
				.standings = standings, .standings_ud = t};
	int bad = -1;
	if (rc == 0 && round_play(&pc, &r, games, n, writes, &bad) < 0) {
		if (bad >= 0)
			snprintf(err, errlen, "round %d game %d could not be simulated", round, games[bad].index);
		else
			snprintf(err, errlen, "out of memory");
		rc = -1;
	}
	cJSON_Delete(view); /* before the writes change what it borrows */
	for (int i = 0; rc == 0 && i < n; i++) {
		const round_play_game_t *g = &games[i];
		calib_add(&out->cal, &g->res);
		t->played[t->n_played++] = (pw_stand_game_t){g->home->id, g->away->id, g->res.home_score,
							     g->res.away_score};
		if (c->on_game)
			c->on_game(c->on_game_ud, round, g);
	}
	if (rc == 0 && apply_writes(t, writes, games, n) < 0) {
		snprintf(err, errlen, "out of memory");
		rc = -1;
	}
	for (int i = 0; games && i < n; i++)
		round_play_game_free(&games[i]);
	free(games);
	cJSON_Delete(writes);
	return rc;
}

/* The effect stats of a run, from the provider's report. */
static void summarise(trial_out_t *o)
{
	const fx_report_t *r = &o->report;
	o->errors = r->n_errors_total;
	if (r->n_errors)
		o->first_error = r->errors[0];
	for (size_t i = 0; i < r->n_usage; i++) {
		const fx_usage_t *u = &r->usage[i];
		for (int h = 0; h < FX_HOOK_COUNT; h++)
			o->fired[h] += u->fired[h];
		if (u->peak_instr > o->peak_instr)
			o->peak_instr = u->peak_instr;
		if (u->peak_mem > o->peak_mem)
			o->peak_mem = u->peak_mem;
	}
}

int trial_run(const trial_cfg_t *c, trial_out_t *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	fx_report_init(&out->report);
	int n_teams = c->n_teams ? c->n_teams : TRIAL_TEAMS;
	if (c->games < 1 || n_teams < 4 || n_teams > PW_MAX_TEAMS || c->n_effects < 0 ||
	    c->n_effects > FX_SESSION_MAX) {
		snprintf(err, errlen, "a trial needs games >= 1, 4..%d teams and at most %d effects",
			 PW_MAX_TEAMS, FX_SESSION_MAX);
		return -1;
	}
	/* Season 1 of the league, its seed derived as season_create derives it. */
	trial_t t = {.c = c, .season_id = c->season_id ? c->season_id : 1,
		     .season_seed = c->season_seed ? c->season_seed : season_game_seed(c->league_seed, 1, 0, 0)};
	pw_rules_t rules;
	if (c->rules) {
		rules = *c->rules;
	} else {
		/* As season_create starts a league's first season: the defaults,
		 * with the league's size as teams_count. */
		rules_default(&rules);
		rules.teams_count = n_teams;
	}
	cJSON *rules_json = rules_to_json(&rules);
	t.lg = malloc(sizeof *t.lg);
	t.played = calloc((size_t)c->games + 1, sizeof *t.played);
	t.meta = cJSON_CreateObject();
	pw_fixture_t *fx = NULL;
	int nf = -1;
	if (rules_json && t.lg && t.played && t.meta && teams_generate(t.lg, c->league_seed, n_teams) == 0) {
		int64_t ids[PW_MAX_TEAMS];
		for (int i = 0; i < n_teams; i++)
			ids[i] = t.lg->teams[i].id;
		int per_rr = n_teams * (n_teams - 1) / 2;
		nf = schedule_round_robin(ids, n_teams, (c->games + per_rr - 1) / per_rr, &fx);
	}
	int rc = nf < 0 ? -1 : 0;
	if (rc < 0)
		snprintf(err, errlen, "out of memory");
	bool fx_on = c->fx && c->n_effects > 0;
	if (rc == 0 && fx_on && c->take_report) /* what it held before is not this run's */
		c->take_report(c->fx->ud, &out->report);
	fx_report_free(&out->report);
	pw_fx_active_t *act = calloc((size_t)c->n_effects + 1, sizeof *act);
	if (rc == 0 && !act) {
		snprintf(err, errlen, "out of memory");
		rc = -1;
	}
	for (int at = 0; rc == 0 && at < nf && at < c->games;) {
		int n = 0;
		while (at + n < nf && at + n < c->games && fx[at + n].round == fx[at].round)
			n++;
		rc = play_round(&t, &fx[at], n, &rules, rules_json, act, out, err, errlen);
		at += n;
		out->games = at;
		out->rounds++;
	}
	if (fx_on && c->take_report)
		c->take_report(c->fx->ud, &out->report);
	summarise(out);
	pw_calib_figure_t f[PW_CAL_COUNT];
	calib_figures(&out->cal, rules.home_court_enabled, f);
	for (int i = 0; i < TRIAL_FIGURES; i++)
		out->figure[i] = f[figures[i].cal].value;
	if (rc == 0) {
		out->meta = t.meta;
		t.meta = NULL;
	}
	cJSON_Delete(t.meta);
	cJSON_Delete(rules_json);
	free(act);
	free(fx);
	free(t.played);
	free(t.lg);
	return rc;
}

void trial_out_free(trial_out_t *o)
{
	if (!o)
		return;
	fx_report_free(&o->report);
	cJSON_Delete(o->meta);
	o->meta = NULL;
}

static double round4(double x)
{
	return (double)(long long)(x * 10000.0 + (x < 0 ? -0.5 : 0.5)) / 10000.0;
}

cJSON *trial_impact_json(const trial_out_t *a, const trial_out_t *b, const char *a_name, const char *b_name,
			 uint64_t seed)
{
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return NULL;
	cJSON_AddNumberToObject(o, "games", a->games);
	cJSON_AddNumberToObject(o, "rounds", a->rounds);
	if (a->effect_rounds || b->effect_rounds)
		cJSON_AddNumberToObject(o, "effect_rounds", a->effect_rounds ? a->effect_rounds : b->effect_rounds);
	char s[24];
	snprintf(s, sizeof s, "%llu", (unsigned long long)seed);
	cJSON_AddStringToObject(o, "seed", s); /* as text: JSON numbers lose 64-bit seeds */
	for (int i = 0; i < TRIAL_FIGURES; i++) {
		cJSON *f = cJSON_AddObjectToObject(o, figures[i].f.key);
		cJSON_AddNumberToObject(f, a_name, round4(a->figure[i]));
		cJSON_AddNumberToObject(f, b_name, round4(b->figure[i]));
		cJSON_AddNumberToObject(f, "delta", round4(a->figure[i] - b->figure[i]));
	}
	return o;
}
