/*
 * round.c — the round runner (see round.h).
 */
#include "core/league/round.h"
#include "core/league/standings.h"

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include "core/league/report.h"
#include "core/sim/result.h"
#include "core/league/roster.h"
#include "core/league/season.h"

static int64_t now_of(const pw_round_cfg_t *c)
{
	return c->now ? c->now(c->now_ud) : (int64_t)time(NULL);
}

/* Test hook: die like a power cut, without flushing or cleaning up. */
static void crash_point(const pw_round_cfg_t *c, int stage, bool inside)
{
	if ((inside && c->crash_inside == stage) || (!inside && c->crash_after == stage))
		_exit(77);
}

/* ---- the lock ---- */

static int lock_take(const pw_round_cfg_t *c, pw_store_t *s, pw_err_t *e)
{
	const char *me = c->holder ? c->holder : "runner";
	if (store_begin(s) < 0)
		return err_set(e, PW_E_INTERNAL, "%s", store_errmsg(s));
	char *v = store_kv_get(s, PW_TICK_LOCK_KEY);
	cJSON *o = v ? cJSON_Parse(v) : NULL;
	free(v);
	int64_t now = now_of(c);
	if (o) {
		const cJSON *h = cJSON_GetObjectItem(o, "holder"), *t = cJSON_GetObjectItem(o, "ts");
		bool mine = cJSON_IsString(h) && !strcmp(h->valuestring, me);
		bool stale = !cJSON_IsNumber(t) || now - (int64_t)t->valuedouble >= PW_TICK_LOCK_STALE;
		if (!mine && !stale) {
			int rc = err_set(e, PW_E_CONFLICT, "another runner (%s) holds the tick lock",
					cJSON_IsString(h) ? h->valuestring : "?");
			cJSON_Delete(o);
			store_rollback(s);
			return rc;
		}
		cJSON_Delete(o);
	}
	char buf[256];
	cJSON *n = cJSON_CreateObject();
	cJSON_AddStringToObject(n, "holder", me);
	cJSON_AddNumberToObject(n, "ts", (double)now);
	cJSON_PrintPreallocated(n, buf, sizeof buf, 0);
	cJSON_Delete(n);
	if (store_kv_set(s, PW_TICK_LOCK_KEY, buf) < 0 || store_commit(s) < 0) {
		store_rollback(s);
		return err_set(e, PW_E_INTERNAL, "taking the tick lock failed: %s", store_errmsg(s));
	}
	return 0;
}

static void lock_release(pw_store_t *s)
{
	if (store_begin(s) == 0) {
		store_kv_delete(s, PW_TICK_LOCK_KEY);
		if (store_commit(s) < 0)
			store_rollback(s);
	}
}

/* ---- phases ---- */

static int change_phase(pw_gov_t *g, int64_t sid, const char *from, const char *to, int round,
			int64_t now, cJSON *extra, cJSON *published)
{
	cJSON *pl = extra ? extra : cJSON_CreateObject();
	cJSON_AddStringToObject(pl, "from", from);
	cJSON_AddStringToObject(pl, "to", to);
	cJSON_AddNumberToObject(pl, "round", round);
	char id[32];
	snprintf(id, sizeof id, "%lld", (long long)sid);
	int rc = gov_append_in_tx(g, PW_EV_SEASON_PHASE_CHANGED, id, 0, 0, round, pl);
	if (rc == 0)
		rc = store_season_set_phase(gov_store(g), sid, to, now);
	if (rc == 0 && published) {
		cJSON *p = cJSON_CreateObject();
		cJSON_AddStringToObject(p, "type", event_name(PW_EV_SEASON_PHASE_CHANGED));
		cJSON_AddItemToObject(p, "data", cJSON_Duplicate(pl, 1));
		cJSON_AddItemToArray(published, p);
	}
	cJSON_Delete(pl);
	return rc;
}

/* A stage's events join the tick's only if the stage committed (rc 0);
 * either way the stage's list is left empty for the next stage. */
static void stage_events(cJSON *published, cJSON *staged, int rc)
{
	cJSON *it;
	while ((it = cJSON_DetachItemFromArray(staged, 0)) != NULL) {
		if (rc == 0)
			cJSON_AddItemToArray(published, it);
		else
			cJSON_Delete(it);
	}
}

static void publish_later(cJSON *published, const char *type, cJSON *data)
{
	cJSON *p = cJSON_CreateObject();
	cJSON_AddStringToObject(p, "type", type);
	cJSON_AddItemToObject(p, "data", data);
	cJSON_AddItemToArray(published, p);
}

/*
 * Ends a stage's transaction: records the stage as done (the first stage
 * with its snapshot), then commits. rc is the stage's own outcome so far.
 * On any failure everything is rolled back, governance's cached state is
 * dropped, and the error says what failed: the stage's own message when it
 * set one, else "<what> <round> failed: <the store's message>". The next
 * tick then runs the stage again, whole.
 */
static int stage_commit(const pw_round_cfg_t *c, int64_t season_id, int round, int stage,
			const char *snapshot, int rc, const char *what, pw_err_t *e)
{
	pw_store_t *s = gov_store(c->gov);
	if (rc == 0 && store_progress_set(s, season_id, round, stage, snapshot) < 0)
		rc = -1;
	crash_point(c, stage, true);
	if (rc == 0 && store_commit(s) == 0) {
		gov_sync(c->gov);
		return 0;
	}
	char keep[256];
	snprintf(keep, sizeof keep, "%s", store_errmsg(s));
	store_rollback(s);
	gov_reset(c->gov);
	if (rc < 0 && e && e->code == rc && e->msg[0])
		return rc;
	return err_set(e, PW_E_INTERNAL, "%s %d failed: %s", what, round, keep);
}

/* ---- stage 1: begin ---- */

static cJSON *active_effects_json(const pw_gstate_t *gs)
{
	cJSON *arr = cJSON_CreateArray();
	for (int i = 0; i < gs->n_effects; i++) {
		const pw_effect_rec_t *f = &gs->effects[i];
		if (f->status != PW_FX_ACTIVE || !f->source)
			continue;
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "id", f->id);
		cJSON_AddStringToObject(o, "name", f->name);
		cJSON_AddStringToObject(o, "source", f->source);
		cJSON_AddItemToArray(arr, o);
	}
	return arr;
}

/* One entity's meta column into out[kind][id] when it holds anything. */
static void meta_add(pw_store_t *s, cJSON *out, const char *kind, int64_t id)
{
	char *txt = store_meta_get(s, kind, id);
	cJSON *m = txt ? cJSON_Parse(txt) : NULL;
	free(txt);
	if (!cJSON_IsObject(m) || !m->child) {
		cJSON_Delete(m);
		return;
	}
	cJSON *k = cJSON_GetObjectItem(out, kind);
	if (!k)
		k = cJSON_AddObjectToObject(out, kind);
	char key[24];
	snprintf(key, sizeof key, "%lld", (long long)id);
	cJSON_AddItemToObject(k, key, m);
}

/*
 * The effect metadata every hook of this tick reads (spec: "values as of
 * the round start"). It goes into the snapshot rather than being read live
 * so that a resumed tick and `rebuild` see what the first run saw.
 */
static cJSON *meta_snapshot(pw_store_t *s, const cJSON *teams, int64_t season_id)
{
	cJSON *out = cJSON_CreateObject();
	const cJSON *t, *h;
	cJSON_ArrayForEach(t, teams) {
		meta_add(s, out, "team", (int64_t)cJSON_GetObjectItem(t, "id")->valuedouble);
		cJSON_ArrayForEach(h, cJSON_GetObjectItem(t, "hoopers")) {
			const cJSON *hid = cJSON_GetObjectItem(h, "id");
			if (cJSON_IsNumber(hid))
				meta_add(s, out, "hooper", (int64_t)hid->valuedouble);
		}
	}
	meta_add(s, out, "season", season_id);
	return out;
}

/*
 * The metadata as it stands now, for the entities of the tick's snapshot
 * (and, from the reports stage, the round's stored games). Read inside a
 * stage's transaction after an earlier stage committed its writes, it is
 * the tick-start snapshot plus the writes of the stages before, applied in
 * schedule order: only the runner writes metadata (apply_meta, under the
 * tick lock) and each stage commits its writes together with its progress
 * mark, so a resumed stage reads exactly what the first run read.
 */
static cJSON *meta_now(pw_store_t *s, const cJSON *snap, int64_t season_id, int round, bool games)
{
	cJSON *out = meta_snapshot(s, cJSON_GetObjectItem(snap, "teams"), season_id);
	if (!games)
		return out;
	int n = 0;
	pw_game_row_t *g = store_games(s, season_id, round, &n);
	for (int i = 0; g && i < n; i++)
		meta_add(s, out, "game", g[i].id);
	free(g);
	return out;
}

/* The game id the simulation sees: (season, round, index) packed. The
 * runner and rebuild must agree on it to the bit, since it reaches effects
 * (ctx.game.id) and so the hash. */
static int64_t game_id_of(int64_t season_id, int round, int index)
{
	return season_id * 1000000 + (int64_t)round * 100 + index;
}

/* Monotonic milliseconds, for the stage timings operators read in logs. */
static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Milliseconds since *t, and restarts *t. */
static double lap_ms(double *t)
{
	double now = now_ms(), d = now - *t;
	*t = now;
	return d;
}

static int stage_begin(const pw_round_cfg_t *c, pw_season_row_t *season, int round, cJSON *published,
		       pw_err_t *e)
{
	pw_gov_t *g = c->gov;
	pw_store_t *s = gov_store(g);
	if (store_begin(s) < 0)
		return err_set(e, PW_E_INTERNAL, "%s", store_errmsg(s));
	gov_sync(g);
	int64_t now = now_of(c);
	int rc = 0;
	if (!strcmp(season->phase, "setup")) {
		rc = change_phase(g, season->id, "setup", "active", round - 1, now, NULL, published);
		snprintf(season->phase, sizeof season->phase, "active");
	}
	const pw_gstate_t *gs = gov_state(g);
	/* Playoff games are scheduled tick by tick from the bracket. */
	if (rc == 0 && !strcmp(season->phase, "playoffs")) {
		pw_bracket_t b;
		int have = season_bracket(s, season->id, &gs->rules, &b);
		if (have < 0)
			rc = -1;
		else if (have == 0) {
			pw_fixture_t fx[8];
			char ids[8][8];
			int gn[8];
			int n = schedule_playoff_next(&b, round, fx, ids, gn, 8);
			for (int i = 0; rc == 0 && i < n; i++) {
				pw_schedule_row_t r = {.round = round, .game_index = i, .home_team_id = fx[i].home,
						    .away_team_id = fx[i].away, .series_game = gn[i]};
				snprintf(r.stage, sizeof r.stage, "playoff");
				snprintf(r.series, sizeof r.series, "%s", ids[i]);
				rc = store_schedule_insert(s, season->id, &r);
			}
		}
	}
	pw_schedule_row_t rows[PW_MAX_TEAMS];
	int n = rc == 0 ? store_schedule_round(s, season->id, round, rows, PW_MAX_TEAMS) : -1;
	if (n < 0)
		rc = -1;
	cJSON *snap = cJSON_CreateObject();
	cJSON_AddNumberToObject(snap, "season_id", (double)season->id);
	cJSON_AddNumberToObject(snap, "round", round);
	cJSON_AddItemToObject(snap, "rules", rules_to_json(&gs->rules));
	cJSON *fxs = active_effects_json(gs);
	cJSON_AddItemToObject(snap, "effects", fxs);
	cJSON *teams = store_teams_json(s, season->league_id);
	if (!teams)
		rc = -1; /* a snapshot without teams would fail every retry */
	cJSON_AddItemToObject(snap, "teams", teams);
	if (cJSON_GetArraySize(fxs) > 0)
		cJSON_AddItemToObject(snap, "meta", meta_snapshot(s, teams, season->id));
	cJSON *games = cJSON_AddArrayToObject(snap, "games");
	for (int i = 0; rc == 0 && i < n; i++) {
		cJSON *x = cJSON_CreateObject();
		cJSON_AddNumberToObject(x, "index", rows[i].game_index);
		cJSON_AddNumberToObject(x, "home", (double)rows[i].home_team_id);
		cJSON_AddNumberToObject(x, "away", (double)rows[i].away_team_id);
		char seed[24];
		snprintf(seed, sizeof seed, "%llu",
			 (unsigned long long)season_game_seed(season->seed, season->number, round, rows[i].game_index));
		cJSON_AddStringToObject(x, "seed", seed); /* as text: JSON numbers lose 64-bit seeds */
		cJSON_AddStringToObject(x, "stage", rows[i].stage);
		cJSON_AddStringToObject(x, "series", rows[i].series);
		cJSON_AddNumberToObject(x, "series_game", rows[i].series_game);
		cJSON_AddItemToArray(games, x);
	}
	char *text = cJSON_PrintUnformatted(snap);
	cJSON_Delete(snap);
	if (!text)
		rc = -1;
	rc = stage_commit(c, season->id, round, PW_STAGE_BEGIN, text, rc, "starting round", e);
	free(text);
	return rc;
}

/* ---- stage 2: games ---- */

static const cJSON *find_team(const cJSON *teams, int64_t id)
{
	const cJSON *t;
	cJSON_ArrayForEach(t, teams)
		if ((int64_t)cJSON_GetObjectItem(t, "id")->valuedouble == id)
			return t;
	return NULL;
}

typedef struct fxlist {
	pw_fx_active_t *v;
	int n;
} fxlist_t;

static void fx_from_snapshot(const cJSON *effects, fxlist_t *out)
{
	int n = cJSON_GetArraySize(effects), k = 0;
	out->v = calloc((size_t)n + 1, sizeof *out->v);
	const cJSON *f;
	cJSON_ArrayForEach(f, effects) {
		if (!out->v)
			break;
		out->v[k].id = cJSON_GetObjectItem(f, "id")->valuestring;
		out->v[k].name = cJSON_GetObjectItem(f, "name")->valuestring;
		out->v[k].source = cJSON_GetObjectItem(f, "source")->valuestring;
		k++;
	}
	out->n = k;
}

static bool fx_on(const pw_round_cfg_t *c, const fxlist_t *fx)
{
	return c->fx && fx->n > 0;
}

/* Hands the metadata the next hooks read to the provider (see round.h). */
static void fx_meta_begin(const pw_round_cfg_t *c, const fxlist_t *fx, const cJSON *meta)
{
	if (fx_on(c, fx) && c->fx_extra && c->fx_extra->round_begin)
		c->fx_extra->round_begin(c->fx->ud, meta);
}

/* The tick's start snapshot: what its games (and rebuild) read. */
static void fx_round_begin(const pw_round_cfg_t *c, const fxlist_t *fx, const cJSON *snap)
{
	fx_meta_begin(c, fx, cJSON_GetObjectItem(snap, "meta"));
}

/*
 * Plays one game on a worker: fills res and hash. Shared by the runner and
 * rebuild so both play a game the same way. Safe to run on several threads
 * at once as long as each uses its own worker, res and meta_writes.
 */
static int play(const pw_round_cfg_t *c, const fxlist_t *fx, int worker, int64_t game_id, int round,
		uint64_t seed, const pw_team_t *home, const pw_team_t *away, const pw_rules_t *rules,
		pw_game_result_t *res, cJSON *meta_writes, char hash[65])
{
	pw_game_input_t in = {.game_id = game_id, .round = round, .seed = seed, .home = home,
			      .away = away, .rules = rules, .hooks = NULL};
	const pw_fx_provider_t *p = fx_on(c, fx) ? c->fx : NULL;
	const pw_fx_extra_t *x = p && c->fx_extra && c->fx_extra->game_begin_on && c->fx_extra->game_end_on
					 ? c->fx_extra : NULL;
	bool on = p && (x ? worker < x->workers : worker == 0);
	int rc = 0;
	if (on && x)
		rc = x->game_begin_on(p->ud, worker, fx->v, fx->n, &in, &in.hooks);
	else if (on && p->game_begin)
		rc = p->game_begin(p->ud, fx->v, fx->n, &in, &in.hooks);
	if (rc < 0)
		in.hooks = NULL;
	int (*sim)(const pw_game_input_t *, pw_game_result_t *) = c->sim ? c->sim : sim_game;
	if (sim(&in, res) < 0)
		return -1;
	if (on && x)
		x->game_end_on(p->ud, worker, res, meta_writes);
	else if (on && p->game_end)
		p->game_end(p->ud, res, meta_writes);
	result_hash(res, hash);
	return 0;
}

/* Appends every item of from (emptied) to to, keeping the order. */
static void move_items(cJSON *to, cJSON *from)
{
	cJSON *it;
	while (from && (it = cJSON_DetachItemFromArray(from, 0)) != NULL)
		cJSON_AddItemToArray(to, it);
}

static int apply_meta(pw_store_t *s, const cJSON *writes)
{
	const cJSON *w;
	cJSON_ArrayForEach(w, writes) {
		const cJSON *kind = cJSON_GetObjectItem(w, "kind"), *id = cJSON_GetObjectItem(w, "id");
		const cJSON *key = cJSON_GetObjectItem(w, "key"), *op = cJSON_GetObjectItem(w, "op");
		const cJSON *val = cJSON_GetObjectItem(w, "value");
		if (!cJSON_IsString(kind) || !cJSON_IsNumber(id) || !cJSON_IsString(key) || !cJSON_IsString(op))
			continue;
		char *cur = store_meta_get(s, kind->valuestring, (int64_t)id->valuedouble);
		cJSON *m = cur ? cJSON_Parse(cur) : NULL;
		free(cur);
		if (!m)
			m = cJSON_CreateObject();
		cJSON *old = cJSON_GetObjectItem(m, key->valuestring);
		cJSON *nv = NULL;
		if (!strcmp(op->valuestring, "incr")) {
			double base = cJSON_IsNumber(old) ? old->valuedouble : 0;
			nv = cJSON_CreateNumber(base + (cJSON_IsNumber(val) ? val->valuedouble : 1));
		} else if (!strcmp(op->valuestring, "toggle")) {
			nv = cJSON_CreateBool(!cJSON_IsTrue(old));
		} else if (val && !cJSON_IsNull(val)) {
			nv = cJSON_Duplicate(val, 1);
		} else if (old) {
			cJSON_DeleteItemFromObject(m, key->valuestring); /* set to nil deletes */
		}
		if (nv) {
			if (old)
				cJSON_ReplaceItemInObject(m, key->valuestring, nv);
			else
				cJSON_AddItemToObject(m, key->valuestring, nv);
		}
		char *txt = cJSON_PrintUnformatted(m);
		cJSON_Delete(m);
		int rc = txt ? store_meta_set(s, kind->valuestring, (int64_t)id->valuedouble, txt) : -1;
		free(txt);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* One game of the tick, from its snapshot to its stored row. */
typedef struct gjob {
	const cJSON *gj, *hj, *aj;
	pw_team_t home, away;
	int idx;
	int64_t gid;
	uint64_t seed;
	pw_game_result_t res;
	char hash[65];
	int rc;
	cJSON *pre_meta, *game_meta, *post_meta; /* writes, kept apart to merge in order */
	cJSON *failed;                           /* ids of effects that failed in round.game.* */
	cJSON *ran;                              /* ids of effects that ran in round.game.* */
	pw_game_row_t row;
	char *home_txt, *away_txt, *result;
	cJSON *box;
} gjob_t;

typedef struct gwork {
	const pw_round_cfg_t *c;
	const fxlist_t *fx;
	const pw_rules_t *rules;
	gjob_t *jobs;
	int n, worker, stride, round;
} gwork_t;

static void *gwork_run(void *arg)
{
	gwork_t *w = arg;
	for (int i = w->worker; i < w->n; i += w->stride) {
		gjob_t *j = &w->jobs[i];
		j->rc = play(w->c, w->fx, w->worker, j->gid, w->round, j->seed, &j->home, &j->away, w->rules,
			     &j->res, j->game_meta, j->hash);
	}
	return NULL;
}

/*
 * Simulates every job. Games are independent (each reads the tick's
 * metadata snapshot, none sees another's writes), so which thread plays
 * which game cannot change any result: worker w takes games w, w+W, ...
 */
static void simulate_all(const pw_round_cfg_t *c, const fxlist_t *fx, const pw_rules_t *rules,
			 gjob_t *jobs, int n, int round)
{
	int want = c->parallel_games > 1 ? c->parallel_games : 1;
	const pw_fx_extra_t *x = c->fx_extra;
	if (fx_on(c, fx))
		want = x && x->game_begin_on && x->game_end_on ? (want < x->workers ? want : x->workers) : 1;
	if (want > n)
		want = n;
	if (want < 1)
		want = 1;
	gwork_t w[PW_MAX_TEAMS];
	pthread_t th[PW_MAX_TEAMS];
	bool started[PW_MAX_TEAMS] = {0};
	if (want > PW_MAX_TEAMS)
		want = PW_MAX_TEAMS;
	for (int k = 0; k < want; k++) {
		w[k] = (gwork_t){c, fx, rules, jobs, n, k, want, round};
		/* Worker 0 is this thread; a thread that cannot start runs here too. */
		started[k] = k > 0 && pthread_create(&th[k], NULL, gwork_run, &w[k]) == 0;
	}
	for (int k = 0; k < want; k++)
		if (!started[k])
			gwork_run(&w[k]);
	for (int k = 1; k < want; k++)
		if (started[k])
			pthread_join(th[k], NULL);
}

static void round_hook_ex(const pw_round_cfg_t *c, const fxlist_t *fx, const char *hook, cJSON *ctx,
			  cJSON *meta, cJSON *failed, cJSON *ran)
{
	if (!fx_on(c, fx) || !c->fx->round_hook)
		return;
	c->fx->round_hook(c->fx->ud, fx->v, fx->n, hook, ctx, meta);
	if (!c->fx_extra || !c->fx_extra->round_hook_failed)
		return;
	for (int i = 0; i < fx->n; i++) {
		int st = c->fx_extra->round_hook_failed(c->fx->ud, fx->v[i].id);
		if (st >= 0 && ran)
			cJSON_AddItemToArray(ran, cJSON_CreateString(fx->v[i].id));
		if (st > 0 && failed)
			cJSON_AddItemToArray(failed, cJSON_CreateString(fx->v[i].id));
	}
}

static void round_hook(const pw_round_cfg_t *c, const fxlist_t *fx, const char *hook, cJSON *ctx,
		       cJSON *meta)
{
	round_hook_ex(c, fx, hook, ctx, meta, NULL, NULL);
}

static bool in_list(const cJSON *arr, const char *id)
{
	const cJSON *x;
	cJSON_ArrayForEach(x, arr)
		if (cJSON_IsString(x) && !strcmp(x->valuestring, id))
			return true;
	return false;
}

/*
 * The 3-consecutive-failures rule (spec 20-effects). A game counts for an
 * effect when the effect ran in it (sim hooks, or round.game.* around it);
 * it failed when any of those calls raised an error or ran out of budget.
 * Runs are kept in bot_state inside the games transaction, so they are
 * exactly as durable as the games they count, and walked in schedule order
 * so parallel and sequential ticks disable the same effect at the same game.
 */
static int note_failures(pw_gov_t *g, const fxlist_t *fx, gjob_t *jobs, int n, int round,
			 cJSON *published)
{
	pw_store_t *s = gov_store(g);
	char *txt = store_kv_get(s, PW_FX_STREAKS_KEY);
	cJSON *st = txt ? cJSON_Parse(txt) : NULL;
	free(txt);
	if (!cJSON_IsObject(st)) {
		cJSON_Delete(st);
		st = cJSON_CreateObject();
	}
	int rc = 0;
	for (int i = 0; rc == 0 && i < n; i++) {
		const pw_game_result_t *r = &jobs[i].res;
		for (int k = 0; rc == 0 && k < fx->n; k++) {
			const char *id = fx->v[k].id;
			bool ran = in_list(jobs[i].ran, id), failed = in_list(jobs[i].failed, id);
			for (size_t x = 0; x < r->n_effects; x++)
				if (!strcmp(r->effects[x].effect_id, id)) {
					ran = true;
					failed = failed || r->effects[x].errors > 0;
				}
			if (!ran)
				continue;
			cJSON *cur = cJSON_GetObjectItem(st, id);
			int streak = failed ? (cJSON_IsNumber(cur) ? cur->valueint : 0) + 1 : 0;
			const pw_effect_rec_t *er = gstate_effect(gov_state(g), id);
			if (streak >= PW_FX_DISABLE_AFTER && er && er->status == PW_FX_ACTIVE) {
				cJSON *pl = cJSON_CreateObject();
				cJSON_AddStringToObject(pl, "effect_id", id);
				cJSON_AddStringToObject(pl, "reason", "failed in 3 consecutive games");
				cJSON_AddNumberToObject(pl, "round", round);
				cJSON_AddNumberToObject(pl, "game_index", jobs[i].idx);
				rc = gov_append_in_tx(g, PW_EV_EFFECT_DISABLED, id, 0, 0, round, pl);
				if (rc == 0)
					publish_later(published, event_name(PW_EV_EFFECT_DISABLED), pl);
				else
					cJSON_Delete(pl);
				streak = 0;
			}
			if (cur)
				cJSON_ReplaceItemInObject(st, id, cJSON_CreateNumber(streak));
			else
				cJSON_AddNumberToObject(st, id, streak);
		}
	}
	char *out = rc == 0 ? cJSON_PrintUnformatted(st) : NULL;
	if (rc == 0 && (!out || store_kv_set(s, PW_FX_STREAKS_KEY, out) < 0))
		rc = -1;
	free(out);
	cJSON_Delete(st);
	return rc;
}

/* ctx.meta "game" writes name the game by its simulation id (nothing else
 * exists while it plays); the meta column lives on the stored row. */
static void map_game_ids(cJSON *writes, const gjob_t *jobs, int n)
{
	cJSON *w;
	cJSON_ArrayForEach(w, writes) {
		const cJSON *kind = cJSON_GetObjectItem(w, "kind");
		cJSON *id = cJSON_GetObjectItem(w, "id");
		if (!cJSON_IsString(kind) || strcmp(kind->valuestring, "game") || !cJSON_IsNumber(id))
			continue;
		for (int i = 0; i < n; i++)
			if (jobs[i].gid == (int64_t)id->valuedouble) {
				cJSON_SetNumberValue(id, (double)jobs[i].row.id);
				break;
			}
	}
}

static cJSON *game_ctx(int round, const gjob_t *j)
{
	cJSON *g = cJSON_CreateObject();
	cJSON_AddNumberToObject(g, "id", (double)j->gid);
	cJSON_AddNumberToObject(g, "round", round);
	cJSON_AddNumberToObject(g, "index", j->idx);
	cJSON_AddNumberToObject(g, "home_team_id", (double)j->row.home_team_id);
	cJSON_AddNumberToObject(g, "away_team_id", (double)j->row.away_team_id);
	return g;
}

static void job_free(gjob_t *j)
{
	sim_result_free(&j->res);
	cJSON_Delete(j->pre_meta);
	cJSON_Delete(j->game_meta);
	cJSON_Delete(j->post_meta);
	cJSON_Delete(j->failed);
	cJSON_Delete(j->ran);
	free(j->home_txt);
	free(j->away_txt);
	free(j->result);
	cJSON_Delete(j->box);
}

/*
 * Stage 2. Three passes: (1) in schedule order, read each game's teams and
 * fire round.game.pre; (2) simulate, possibly in parallel; (3) in schedule
 * order, build results and fire round.game.post. Every hook reads the same
 * metadata snapshot, so the passes give exactly the sequential outcome; the
 * writes are merged in the order a sequential loop would have made them.
 */
static int stage_games(const pw_round_cfg_t *c, const pw_season_row_t *season, int round,
		       const char *snapshot, cJSON *published, int *stored, pw_err_t *e)
{
	pw_gov_t *g = c->gov;
	pw_store_t *s = gov_store(g);
	cJSON *snap = cJSON_Parse(snapshot ? snapshot : "");
	if (!snap)
		return err_set(e, PW_E_INTERNAL, "round %d's snapshot is unreadable", round);
	pw_rules_t rules;
	rules_default(&rules);
	char msg[160];
	rules_from_json(&rules, cJSON_GetObjectItem(snap, "rules"), msg, sizeof msg);
	const cJSON *teams = cJSON_GetObjectItem(snap, "teams");
	const cJSON *games = cJSON_GetObjectItem(snap, "games");
	fxlist_t fx;
	fx_from_snapshot(cJSON_GetObjectItem(snap, "effects"), &fx);
	fx_round_begin(c, &fx, snap);
	cJSON *effect_ids = cJSON_CreateArray();
	for (int i = 0; i < fx.n; i++)
		cJSON_AddItemToArray(effect_ids, cJSON_CreateString(fx.v[i].id));
	char *effects_txt = cJSON_PrintUnformatted(effect_ids);
	cJSON_Delete(effect_ids);
	char *rules_txt = cJSON_PrintUnformatted(cJSON_GetObjectItem(snap, "rules"));
	cJSON *meta = cJSON_CreateArray();

	int ng = cJSON_GetArraySize(games), nj = 0, rc = 0;
	gjob_t *jobs = calloc((size_t)ng + 1, sizeof *jobs);
	if (!jobs)
		rc = err_set(e, PW_E_INTERNAL, "out of memory");
	/* ctx.rules of every round hook: the snapshot's, the rules the games
	 * play under (shared by reference, never copied per hook). */
	cJSON *snap_rules = cJSON_GetObjectItem(snap, "rules");
	cJSON *rctx = cJSON_CreateObject();
	cJSON_AddNumberToObject(rctx, "round", round);
	cJSON_AddItemReferenceToObject(rctx, "rules", snap_rules);
	/* ctx.standings: before the round, the stored games of earlier rounds. */
	cJSON_AddItemToObject(rctx, "standings", season_standings_at(s, season->id, round, NULL, 0));
	round_hook(c, &fx, "round.pre", rctx, meta);
	const cJSON *gj;
	cJSON_ArrayForEach(gj, games) {
		if (rc < 0)
			break;
		int idx = cJSON_GetObjectItem(gj, "index")->valueint;
		int have = store_game_exists(s, season->id, round, idx);
		if (have < 0) {
			rc = err_set(e, PW_E_INTERNAL, "round %d game %d: %s", round, idx,
					 store_errmsg(s));
			break;
		}
		if (have)
			continue; /* stored before a crash: never twice */
		gjob_t *j = &jobs[nj];
		sim_result_init(&j->res);
		j->gj = gj;
		j->idx = idx;
		int64_t hid = (int64_t)cJSON_GetObjectItem(gj, "home")->valuedouble;
		int64_t aid = (int64_t)cJSON_GetObjectItem(gj, "away")->valuedouble;
		j->hj = find_team(teams, hid);
		j->aj = find_team(teams, aid);
		if (!j->hj || !j->aj || roster_team_from_json(&j->home, j->hj, msg, sizeof msg) < 0 ||
		    roster_team_from_json(&j->away, j->aj, msg, sizeof msg) < 0) {
			rc = err_set(e, PW_E_INTERNAL, "round %d game %d: a team snapshot is unusable", round, idx);
			break;
		}
		nj++;
		j->seed = strtoull(cJSON_GetObjectItem(gj, "seed")->valuestring, NULL, 10);
		/* Game ids in the sim are (season, round, index) packed: stable
		 * before the row exists, and the same on rebuild. */
		j->gid = game_id_of(season->id, round, idx);
		j->row.home_team_id = hid;
		j->row.away_team_id = aid;
		j->pre_meta = cJSON_CreateArray();
		j->game_meta = cJSON_CreateArray();
		j->post_meta = cJSON_CreateArray();
		j->failed = cJSON_CreateArray();
		j->ran = cJSON_CreateArray();
		cJSON *gctx = cJSON_CreateObject();
		cJSON_AddNumberToObject(gctx, "round", round);
		cJSON_AddItemReferenceToObject(gctx, "rules", snap_rules);
		cJSON_AddItemToObject(gctx, "game", game_ctx(round, j));
		round_hook_ex(c, &fx, "round.game.pre", gctx, j->pre_meta, j->failed, j->ran);
		cJSON_Delete(gctx);
	}
	if (rc == 0)
		simulate_all(c, &fx, &rules, jobs, nj, round);
	for (int i = 0; rc == 0 && i < nj; i++) {
		gjob_t *j = &jobs[i];
		if (j->rc < 0) {
			rc = err_set(e, PW_E_INTERNAL, "round %d game %d could not be simulated", round, j->idx);
			break;
		}
		cJSON *rj = result_to_json(&j->res);
		if (!rj) {
			rc = err_set(e, PW_E_INTERNAL, "out of memory");
			break;
		}
		pw_game_row_t *row = &j->row;
		row->season_id = season->id;
		row->round = round;
		row->game_index = j->idx;
		snprintf(row->stage, sizeof row->stage, "%s", cJSON_GetObjectItem(j->gj, "stage")->valuestring);
		snprintf(row->series, sizeof row->series, "%s", cJSON_GetObjectItem(j->gj, "series")->valuestring);
		row->series_game = cJSON_GetObjectItem(j->gj, "series_game")->valueint;
		row->home_score = j->res.home_score;
		row->away_score = j->res.away_score;
		row->winner_team_id = j->res.winner == 0 ? row->home_team_id : row->away_team_id;
		row->seed = j->seed;
		snprintf(row->hash, sizeof row->hash, "%s", j->hash);
		j->home_txt = cJSON_PrintUnformatted(j->hj);
		j->away_txt = cJSON_PrintUnformatted(j->aj);
		j->box = cJSON_DetachItemFromObject(rj, "box_scores");
		cJSON_AddItemToObject(rj, "box_scores", cJSON_Duplicate(j->box, 1));
		j->result = cJSON_PrintUnformatted(rj);
		cJSON_Delete(rj);
		cJSON *gctx = cJSON_CreateObject();
		cJSON_AddNumberToObject(gctx, "round", round);
		cJSON_AddItemReferenceToObject(gctx, "rules", snap_rules);
		cJSON *gv = game_ctx(round, j);
		cJSON_AddNumberToObject(gv, "home_score", row->home_score);
		cJSON_AddNumberToObject(gv, "away_score", row->away_score);
		cJSON_AddNumberToObject(gv, "winner_team_id", (double)row->winner_team_id);
		cJSON_AddNumberToObject(gv, "margin", abs(row->home_score - row->away_score));
		/* Both places: ctx.game.winner_team_id (spec) and the flat
		 * fields earlier runner versions gave. */
		cJSON_AddItemToObject(gctx, "game", gv);
		cJSON_AddNumberToObject(gctx, "home_team_id", (double)row->home_team_id);
		cJSON_AddNumberToObject(gctx, "away_team_id", (double)row->away_team_id);
		cJSON_AddNumberToObject(gctx, "home_score", row->home_score);
		cJSON_AddNumberToObject(gctx, "away_score", row->away_score);
		cJSON_AddNumberToObject(gctx, "winner_team_id", (double)row->winner_team_id);
		cJSON_AddNumberToObject(gctx, "margin", abs(row->home_score - row->away_score));
		round_hook_ex(c, &fx, "round.game.post", gctx, j->post_meta, j->failed, j->ran);
		cJSON_Delete(gctx);
		move_items(meta, j->pre_meta);
		move_items(meta, j->game_meta);
		move_items(meta, j->post_meta);
	}
	/* ctx.standings after the round: its regular-season results count,
	 * though they are stored only when this stage commits below. */
	pw_stand_game_t *played = calloc((size_t)nj + 1, sizeof *played);
	int np = 0;
	for (int i = 0; played && i < nj; i++)
		if (!strcmp(jobs[i].row.stage, "regular"))
			played[np++] = (pw_stand_game_t){jobs[i].row.home_team_id, jobs[i].row.away_team_id,
							 jobs[i].row.home_score, jobs[i].row.away_score};
	cJSON_ReplaceItemInObject(rctx, "standings",
				  season_standings_at(s, season->id, round + 1, played, np));
	free(played);
	round_hook(c, &fx, "round.post", rctx, meta);
	cJSON_Delete(rctx);

	if (rc == 0 && store_begin(s) < 0)
		rc = err_set(e, PW_E_INTERNAL, "%s", store_errmsg(s));
	else if (rc == 0) {
		gov_sync(g);
		for (int i = 0; rc == 0 && i < nj; i++) {
			gjob_t *j = &jobs[i];
			int64_t id = store_game_insert(s, &j->row, rules_txt, effects_txt, j->home_txt, j->away_txt,
						       j->result);
			const cJSON *b;
			cJSON_ArrayForEach(b, j->box)
				if (id > 0 && store_box_insert(s, id, b) < 0)
					id = -1;
			if (id < 0) {
				rc = -1;
				break;
			}
			j->row.id = id;
		}
		map_game_ids(meta, jobs, nj);
		if (rc == 0 && apply_meta(s, meta) < 0)
			rc = -1;
		if (rc == 0 && fx_on(c, &fx) && note_failures(g, &fx, jobs, nj, round, published) < 0)
			rc = -1;
		rc = stage_commit(c, season->id, round, PW_STAGE_GAMES, NULL, rc, "storing round", e);
	}
	for (int i = 0; i < nj; i++) {
		if (rc == 0) {
			const pw_game_row_t *row = &jobs[i].row;
			cJSON *o = cJSON_CreateObject();
			cJSON_AddNumberToObject(o, "game_id", (double)row->id);
			cJSON_AddNumberToObject(o, "season_id", (double)season->id);
			cJSON_AddNumberToObject(o, "round", round);
			cJSON_AddNumberToObject(o, "home_team_id", (double)row->home_team_id);
			cJSON_AddNumberToObject(o, "away_team_id", (double)row->away_team_id);
			cJSON_AddNumberToObject(o, "home_score", row->home_score);
			cJSON_AddNumberToObject(o, "away_score", row->away_score);
			cJSON_AddNumberToObject(o, "winner_team_id", (double)row->winner_team_id);
			cJSON_AddStringToObject(o, "stage", row->stage);
			if (row->series[0])
				cJSON_AddStringToObject(o, "series", row->series);
			publish_later(published, "game.completed", o);
		}
		job_free(&jobs[i]);
	}
	/* A failed tick never reaches a job that was not set up; still free
	 * the one whose teams could not be read. */
	if (jobs && nj < ng)
		job_free(&jobs[nj]);
	*stored = rc == 0 ? nj : 0;
	free(jobs);
	free(rules_txt);
	free(effects_txt);
	free(fx.v);
	cJSON_Delete(meta);
	cJSON_Delete(snap);
	return rc;
}

/* ---- stage 3: governance ---- */

static int stage_govern(const pw_round_cfg_t *c, const pw_season_row_t *season, int round,
			const char *snapshot, cJSON *published, bool *tallied, pw_err_t *e)
{
	pw_gov_t *g = c->gov;
	pw_store_t *s = gov_store(g);
	if (store_begin(s) < 0)
		return err_set(e, PW_E_INTERNAL, "%s", store_errmsg(s));
	gov_sync(g);
	cJSON *expired = NULL, *summary = NULL;
	int rc = gov_expire_effects_in_tx(g, round, &expired, e);
	int interval = c->governance_interval > 0 ? c->governance_interval : 1;
	bool due = round % interval == 0;
	cJSON *snap = snapshot ? cJSON_Parse(snapshot) : NULL;
	fxlist_t fx = {0};
	if (snap)
		fx_from_snapshot(cJSON_GetObjectItem(snap, "effects"), &fx);
	cJSON *meta = cJSON_CreateArray();
	if (rc == 0 && due && fx_on(c, &fx)) {
		/* gov hooks read the metadata after the tick's games (see
		 * meta_now for why that is as deterministic as the snapshot). */
		cJSON *now = meta_now(s, snap, season->id, round, false);
		fx_meta_begin(c, &fx, now);
		cJSON_Delete(now);
	}
	if (rc == 0 && due) {
		*tallied = true;
		cJSON *ctx = cJSON_CreateObject();
		cJSON_AddNumberToObject(ctx, "round", round);
		cJSON_AddItemToObject(ctx, "rules", rules_to_json(&gov_state(g)->rules));
		cJSON_AddItemToObject(ctx, "proposals", gov_proposals_json(g, 0, "open"));
		round_hook(c, &fx, "gov.pre", ctx, meta);
		rc = gov_tally_in_tx(g, round, &summary, e);
		if (rc == 0) {
			/* After the tally: the ruleset with what it enacted. */
			cJSON_ReplaceItemInObject(ctx, "rules", rules_to_json(&gov_state(g)->rules));
			cJSON_AddItemToObject(ctx, "tallies", cJSON_Duplicate(cJSON_GetObjectItem(summary, "proposals"), 1));
			round_hook(c, &fx, "gov.post", ctx, meta);
		}
		cJSON_Delete(ctx);
	}
	if (rc == 0 && apply_meta(s, meta) < 0)
		rc = err_set(e, PW_E_INTERNAL, "writing effect metadata failed");
	cJSON_Delete(meta);
	free(fx.v);
	cJSON_Delete(snap);
	rc = stage_commit(c, season->id, round, PW_STAGE_GOVERN, NULL, rc, "governance of round", e);
	if (rc < 0) {
		cJSON_Delete(expired);
		cJSON_Delete(summary);
		return rc;
	}
	if (summary) {
		/* The tally's effect.registered events, told after the commit
		 * like the rest of the tick's (see round_tick). */
		cJSON *events = cJSON_DetachItemFromObject(summary, "effect_events");
		stage_events(published, events, 0);
		cJSON_Delete(events);
		cJSON_AddNumberToObject(summary, "season_id", (double)season->id);
		cJSON_AddItemToObject(summary, "expired_effects", expired ? expired : cJSON_CreateArray());
		publish_later(published, "governance.window_closed", summary);
	} else {
		cJSON_Delete(expired);
	}
	return 0;
}

/* ---- stage 4: reports ---- */

/* The report writer's view of the effects: the provider's report hook over
 * the effects that still run (see stage_reports). */
typedef struct report_fx {
	const pw_round_cfg_t *c;
	const fxlist_t *fx;
} report_fx_t;

static char *report_narrate(void *ud, const char *hook, const cJSON *ctx)
{
	const report_fx_t *r = ud;
	return r->c->fx_extra->report_hook(r->c->fx->ud, r->fx->v, r->fx->n, hook, ctx);
}

/*
 * The effects that run report hooks: the tick's (its snapshot), except
 * those switched off since (disabled in this tick's games, or repealed).
 * An effect whose lifetime ended with this round still narrates it: the
 * round being reported is one it played in.
 */
static void report_effects(const pw_gstate_t *gs, fxlist_t *fx)
{
	int k = 0;
	for (int i = 0; i < fx->n; i++) {
		const pw_effect_rec_t *er = gstate_effect(gs, fx->v[i].id);
		if (er && (er->status == PW_FX_DISABLED || er->status == PW_FX_REPEALED))
			continue;
		fx->v[k++] = fx->v[i];
	}
	fx->n = k;
}

static int stage_reports(const pw_round_cfg_t *c, const pw_season_row_t *season, int round,
			 const char *snapshot, cJSON *published, pw_err_t *e)
{
	pw_gov_t *g = c->gov;
	pw_store_t *s = gov_store(g);
	if (store_begin(s) < 0)
		return err_set(e, PW_E_INTERNAL, "%s", store_errmsg(s));
	gov_sync(g);
	cJSON *snap = snapshot ? cJSON_Parse(snapshot) : NULL;
	fxlist_t fx = {0};
	if (snap)
		fx_from_snapshot(cJSON_GetObjectItem(snap, "effects"), &fx);
	report_effects(gov_state(g), &fx);
	report_fx_t rfx = {c, &fx};
	pw_report_fx_t narrate = {&rfx, report_narrate};
	bool with_fx = fx_on(c, &fx) && c->fx_extra && c->fx_extra->report_hook;
	if (with_fx) {
		/* Report hooks read the metadata after governance's writes. */
		cJSON *now = meta_now(s, snap, season->id, round, true);
		fx_meta_begin(c, &fx, now);
		cJSON_Delete(now);
	}
	cJSON *gen = cJSON_CreateArray();
	int rc = report_round_fx_in_tx(g, season->id, round, with_fx ? &narrate : NULL, gen, e);
	free(fx.v);
	cJSON_Delete(snap);
	rc = stage_commit(c, season->id, round, PW_STAGE_REPORTS, NULL, rc, "reports of round", e);
	if (rc < 0) {
		cJSON_Delete(gen);
		return rc;
	}
	cJSON *r;
	cJSON_ArrayForEach(r, gen)
		publish_later(published, "report.generated", cJSON_Duplicate(r, 1));
	cJSON_Delete(gen);
	return 0;
}

/* ---- stage 5: advance ---- */

static int stage_advance(const pw_round_cfg_t *c, pw_season_row_t *season, int round,
			 cJSON *published, pw_err_t *e)
{
	pw_gov_t *g = c->gov;
	pw_store_t *s = gov_store(g);
	if (store_begin(s) < 0)
		return err_set(e, PW_E_INTERNAL, "%s", store_errmsg(s));
	gov_sync(g);
	pw_season_row_t cur;
	int have = store_season_get(s, season->id, &cur);
	/* A failed read must not look like "the regular season is over". */
	int max_regular = have == 1 ? store_schedule_max_round(s, season->id, "regular") : -1;
	if (have != 1 || max_regular < 0) {
		char keep[256];
		snprintf(keep, sizeof keep, "%s", have == 0 ? "the season is gone" : store_errmsg(s));
		store_rollback(s);
		gov_reset(g);
		return err_set(e, PW_E_INTERNAL, "advancing the season after round %d failed: %s", round, keep);
	}
	int64_t now = now_of(c);
	int rc = 0;
	int champ_secs = c->championship_seconds < 0 ? 1800 : c->championship_seconds;
	int off_ticks = c->offseason_ticks > 0 ? c->offseason_ticks : 1;
	char phase[24];
	snprintf(phase, sizeof phase, "%s", cur.phase);
	for (int guard = 0; rc == 0 && guard < 8; guard++) {
		const pw_gstate_t *gs = gov_state(g);
		if (!strcmp(phase, "active") && round >= max_regular) {
			pw_standing_t st[64];
			int n = season_standings(s, season->id, st, 64);
			cJSON *x = cJSON_CreateObject();
			cJSON *seeds = cJSON_AddArrayToObject(x, "standings");
			for (int i = 0; i < n; i++) {
				cJSON *r = cJSON_CreateObject();
				cJSON_AddNumberToObject(r, "team_id", (double)st[i].team_id);
				cJSON_AddNumberToObject(r, "wins", st[i].wins);
				cJSON_AddNumberToObject(r, "losses", st[i].losses);
				if (st[i].tiebreak[0])
					cJSON_AddStringToObject(r, "tiebreak", st[i].tiebreak);
				cJSON_AddItemToArray(seeds, r);
			}
			rc = change_phase(g, season->id, "active", "tiebreaker_check", round, now, x, published);
			if (rc == 0) {
				cJSON *y = cJSON_CreateObject();
				int p = schedule_bracket_size(gs->rules.playoff_teams, n);
				cJSON *sd = cJSON_AddArrayToObject(y, "seeds");
				for (int i = 0; i < p && i < n; i++)
					cJSON_AddItemToArray(sd, cJSON_CreateNumber((double)st[i].team_id));
				rc = change_phase(g, season->id, "tiebreaker_check", "playoffs", round, now, y, published);
			}
			snprintf(phase, sizeof phase, "playoffs");
		} else if (!strcmp(phase, "playoffs")) {
			pw_bracket_t b;
			if (season_bracket(s, season->id, &gs->rules, &b) < 0) {
				rc = -1; /* unreadable is not "no champion yet" */
				break;
			}
			if (!b.champion)
				break;
			cJSON *x = cJSON_CreateObject();
			cJSON_AddNumberToObject(x, "champion_team_id", (double)b.champion);
			rc = change_phase(g, season->id, "playoffs", "championship", round, now, x, published);
			cJSON *pc = rc == 0 ? season_bracket_json(s, season->id, &gs->rules) : NULL;
			if (rc == 0 && !pc)
				rc = -1;
			if (pc) {
				cJSON_AddNumberToObject(pc, "season_id", (double)season->id);
				publish_later(published, "season.playoffs_complete", pc);
			}
			snprintf(phase, sizeof phase, "championship");
			cur.phase_started = now;
		} else if (!strcmp(phase, "championship") && now - cur.phase_started >= champ_secs) {
			rc = change_phase(g, season->id, "championship", "offseason", round, now, NULL, published);
			snprintf(phase, sizeof phase, "offseason");
		} else if (!strcmp(phase, "offseason") && round - gs->season.phase_round >= off_ticks) {
			rc = change_phase(g, season->id, "offseason", "complete", round, now, NULL, published);
			snprintf(phase, sizeof phase, "complete");
			cJSON *arch = rc == 0 ? season_archive_build(g, season->id) : NULL;
			char *txt = arch ? cJSON_PrintUnformatted(arch) : NULL;
			if (!txt || store_archive_insert(s, season->id, txt) < 0)
				rc = -1;
			free(txt);
			cJSON_Delete(arch);
		} else {
			break;
		}
	}
	if (rc == 0 && store_season_set_round(s, season->id, round) < 0)
		rc = -1;
	rc = stage_commit(c, season->id, round, PW_STAGE_DONE, NULL, rc,
			  "advancing the season after round", e);
	if (rc < 0)
		return rc;
	snprintf(season->phase, sizeof season->phase, "%s", phase);
	return 0;
}

int round_tick(const pw_round_cfg_t *c, pw_round_out_t *out, pw_err_t *e)
{
	memset(out, 0, sizeof *out);
	if (e) /* a stage keeps a message it set (stage_commit): none is left over */
		*e = (pw_err_t){0};
	if (!c || !c->gov)
		return err_set(e, PW_E_INVALID, "the runner needs the governance service");
	pw_store_t *s = gov_store(c->gov);
	pw_season_row_t season;
	int have = season_current(s, &season);
	if (have != 1)
		return err_set(e, have < 0 ? PW_E_INTERNAL : PW_E_CONFLICT, "there is no season to play");
	out->season_id = season.id;
	snprintf(out->phase, sizeof out->phase, "%s", season.phase);
	if (!strcmp(season.phase, "complete"))
		return 0;
	int rc = lock_take(c, s, e);
	if (rc)
		return rc;
	int round = season.current_round + 1;
	int stage = 0;
	char *snapshot = NULL;
	int got = store_progress_get(s, season.id, round, &stage, &snapshot);
	if (got < 0) { /* not knowing where the round stands, run none of it */
		rc = err_set(e, PW_E_INTERNAL, "round %d: %s", round, store_errmsg(s));
		lock_release(s);
		return rc;
	}
	if (got == 1 && stage > 0)
		out->resumed = true;
	cJSON *published = cJSON_CreateArray();
	out->round = round;
	double t0 = now_ms();
	/* Each stage collects its events in a list of its own, moved into
	 * published only when the stage committed: a rolled-back stage
	 * announces nothing. */
	cJSON *staged = cJSON_CreateArray();
	if (stage < PW_STAGE_BEGIN) {
		rc = stage_begin(c, &season, round, staged, e);
		stage_events(published, staged, rc);
		free(snapshot);
		snapshot = NULL;
		if (rc == 0 && store_progress_get(s, season.id, round, &stage, &snapshot) < 0)
			rc = err_set(e, PW_E_INTERNAL, "round %d: %s", round, store_errmsg(s));
		out->stage_ms[PW_STAGE_BEGIN] = lap_ms(&t0);
		crash_point(c, PW_STAGE_BEGIN, false);
	}
	if (rc == 0 && stage < PW_STAGE_GAMES) {
		rc = stage_games(c, &season, round, snapshot, staged, &out->games, e);
		stage_events(published, staged, rc);
		out->stage_ms[PW_STAGE_GAMES] = lap_ms(&t0);
		crash_point(c, PW_STAGE_GAMES, false);
	}
	if (rc == 0 && stage < PW_STAGE_GOVERN) {
		rc = stage_govern(c, &season, round, snapshot, staged, &out->tallied, e);
		stage_events(published, staged, rc);
		out->stage_ms[PW_STAGE_GOVERN] = lap_ms(&t0);
		crash_point(c, PW_STAGE_GOVERN, false);
	}
	if (rc == 0 && stage < PW_STAGE_REPORTS) {
		rc = stage_reports(c, &season, round, snapshot, staged, e);
		stage_events(published, staged, rc);
		out->stage_ms[PW_STAGE_REPORTS] = lap_ms(&t0);
		crash_point(c, PW_STAGE_REPORTS, false);
	}
	if (rc == 0 && stage < PW_STAGE_DONE) {
		rc = stage_advance(c, &season, round, staged, e);
		stage_events(published, staged, rc);
		out->stage_ms[PW_STAGE_DONE] = lap_ms(&t0);
		crash_point(c, PW_STAGE_DONE, false);
	}
	cJSON_Delete(staged);
	free(snapshot);
	if (rc == 0) {
		cJSON *rcj = cJSON_CreateObject();
		cJSON_AddNumberToObject(rcj, "season_id", (double)season.id);
		cJSON_AddNumberToObject(rcj, "round", round);
		cJSON_AddNumberToObject(rcj, "games", out->games);
		cJSON_AddStringToObject(rcj, "phase", season.phase);
		publish_later(published, "round.completed", rcj);
		snprintf(out->phase, sizeof out->phase, "%s", season.phase);
	}
	/* Everything is committed: tell the world, in order. */
	const cJSON *p;
	cJSON_ArrayForEach(p, published)
		bus_publish_json(c->bus, cJSON_GetObjectItem(p, "type")->valuestring, cJSON_GetObjectItem(p, "data"));
	cJSON_Delete(published);
	lock_release(s);
	return rc;
}

/* ---- rebuild ---- */

int round_rebuild(const pw_round_cfg_t *c, int *checked, void (*log)(void *ud, const char *line),
		  void *log_ud, pw_err_t *e)
{
	pw_gov_t *g = c->gov;
	pw_store_t *s = gov_store(g);
	/* Replaying the log from scratch is part of the check. */
	gov_reset(g);
	if (gov_sync(g) < 0)
		return err_set(e, PW_E_INTERNAL, "replaying the event log failed");
	const pw_gstate_t *gs = gov_state(g);
	int n = 0, bad = 0, meta_round = -1;
	int64_t meta_season = -1;
	int64_t *ids = store_all_game_ids(s, &n);
	if (checked)
		*checked = 0;
	pw_game_result_t res;
	sim_result_init(&res);
	for (int i = 0; ids && i < n; i++) {
		pw_game_row_t row;
		char *rules = NULL, *effects = NULL, *home = NULL, *away = NULL;
		if (store_game_get(s, ids[i], &row) != 1 ||
		    store_game_snapshots(s, ids[i], &rules, &effects, &home, &away, NULL) != 1) {
			bad++;
			continue;
		}
		pw_rules_t r;
		rules_default(&r);
		char msg[160];
		cJSON *rj = cJSON_Parse(rules ? rules : ""), *hj = cJSON_Parse(home ? home : "");
		cJSON *aj = cJSON_Parse(away ? away : ""), *ej = cJSON_Parse(effects ? effects : "[]");
		pw_team_t ht, at;
		bool ok = rj && hj && aj && rules_from_json(&r, rj, msg, sizeof msg) == 0 &&
			  roster_team_from_json(&ht, hj, msg, sizeof msg) == 0 &&
			  roster_team_from_json(&at, aj, msg, sizeof msg) == 0;
		fxlist_t fx = {calloc((size_t)cJSON_GetArraySize(ej) + 1, sizeof(pw_fx_active_t)), 0};
		const cJSON *f;
		cJSON_ArrayForEach(f, ej) {
			const pw_effect_rec_t *er = cJSON_IsString(f) ? gstate_effect(gs, f->valuestring) : NULL;
			if (!er || !fx.v) {
				ok = false;
				continue;
			}
			fx.v[fx.n++] = (pw_fx_active_t){er->id, er->name, er->source};
		}
		char hash[65] = "";
		if (ok && fx.n > 0 && (row.season_id != meta_season || row.round != meta_round)) {
			/* The metadata the tick's games read, from its snapshot. */
			char *snap_txt = NULL;
			int stage = 0;
			store_progress_get(s, row.season_id, row.round, &stage, &snap_txt);
			cJSON *snap = snap_txt ? cJSON_Parse(snap_txt) : NULL;
			free(snap_txt);
			fx_round_begin(c, &fx, snap);
			cJSON_Delete(snap);
			meta_season = row.season_id;
			meta_round = row.round;
		}
		if (ok) {
			cJSON *meta = cJSON_CreateArray();
			int64_t gid = game_id_of(row.season_id, row.round, row.game_index);
			ok = play(c, &fx, 0, gid, row.round, row.seed, &ht, &at, &r, &res, meta, hash) == 0;
			cJSON_Delete(meta);
		}
		if (!ok || strcmp(hash, row.hash)) {
			bad++;
			if (log) {
				char line[256];
				snprintf(line, sizeof line, "game %lld (season %lld round %d game %d): %s",
					 (long long)row.id, (long long)row.season_id, row.round, row.game_index,
					 ok ? "hash mismatch" : "could not be replayed");
				log(log_ud, line);
			}
		}
		if (checked)
			(*checked)++;
		free(fx.v);
		cJSON_Delete(rj);
		cJSON_Delete(hj);
		cJSON_Delete(aj);
		cJSON_Delete(ej);
		free(rules);
		free(effects);
		free(home);
		free(away);
	}
	sim_result_free(&res);
	free(ids);
	return bad;
}
