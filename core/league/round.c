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
#include <time.h>
#include <unistd.h>

#include "core/league/report.h"
#include "core/league/round_play.h"
#include "core/sim/buf.h"
#include "core/sim/jsonw.h"
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

/* ---- the lock ----
 * The store's tick lock (store.h): one runner at a time across every
 * process on the database, with a lease. A caller that holds the lock
 * itself (the server, which keeps it through its ticks and their
 * presentation) says so with lock_held; the runner then neither takes nor
 * releases it, and only fences. */

static const char *holder_of(const pw_round_cfg_t *c)
{
	return c->holder ? c->holder : "runner";
}

static int lease_of(const pw_round_cfg_t *c)
{
	return c->lease_seconds > 0 ? c->lease_seconds : STORE_TICK_LEASE_DEFAULT;
}

static int lock_take(const pw_round_cfg_t *c, pw_store_t *s, pw_err_t *e)
{
	if (c->lock_held)
		return 0;
	char who[128] = "";
	int got = store_tick_lock_take(s, holder_of(c), lease_of(c), who, sizeof who);
	if (got == 0)
		return err_set(e, PW_E_CONFLICT, "another runner (%s) holds the tick lock", who);
	if (got < 0)
		return err_set(e, PW_E_INTERNAL, "taking the tick lock failed: %s", store_errmsg(s));
	return 0;
}

/* Between stages: a long tick keeps its lease, renewed once a third of
 * it has passed since *at (monotonic ms, updated). */
static double now_ms(void);
static int lock_renew(const pw_round_cfg_t *c, pw_store_t *s, double *at, pw_err_t *e)
{
	if (c->lock_held || now_ms() - *at < lease_of(c) * 1000.0 / 3)
		return 0;
	*at = now_ms();
	int got = store_tick_lock_renew(s, holder_of(c), lease_of(c));
	if (got == 1)
		return 0;
	return err_set(e, PW_E_CONFLICT, "this runner (%s) lost the tick lock: %s", holder_of(c),
		       store_errmsg(s));
}

static void lock_release(const pw_round_cfg_t *c, pw_store_t *s)
{
	if (!c->lock_held)
		store_tick_lock_release(s, holder_of(c));
}

/*
 * Fencing, inside a stage's transaction: the stage commits only if the
 * lease still names this runner. The transaction holds the writers' lock,
 * and a takeover writes the lease under that lock too, so the lease read
 * here stays true until the commit: a runner that stalled past its lease
 * and was taken over fails here instead of writing over its successor.
 */
static int lock_fence(const pw_round_cfg_t *c, pw_store_t *s, pw_err_t *e)
{
	char who[128] = "";
	int got = store_tick_lock_holder(s, who, sizeof who, NULL);
	if (got < 0)
		return err_set(e, PW_E_INTERNAL, "checking the tick lock failed: %s", store_errmsg(s));
	if (got == 0 || strcmp(who, holder_of(c)))
		return err_set(e, PW_E_CONFLICT, "this runner (%s) no longer holds the tick lock (%s "
			       "does): the stage was not written", holder_of(c), got ? who : "nobody");
	return 0;
}

/* ---- phases ---- */

static int champ_seconds(const pw_round_cfg_t *c)
{
	return c->championship_seconds < 0 ? PW_CHAMPIONSHIP_SECONDS_DEFAULT : c->championship_seconds;
}

/*
 * Whether `round` is the season's last tick: the offseason's
 * governance-only ticks are used up with it. The govern stage tallies on
 * it whatever the interval (open proposals are tallied when the season
 * ends) and the advance stage completes the season after it; both ask
 * here so they cannot disagree.
 */
static bool season_ends_with(const pw_round_cfg_t *c, const pw_gstate_t *gs, const char *phase, int round)
{
	int off = c->offseason_ticks > 0 ? c->offseason_ticks : 1;
	return !strcmp(phase, "offseason") && round - gs->season.phase_round >= off;
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
	if (rc == 0)
		rc = lock_fence(c, s, e);
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
	if (rc < 0 && e && e->msg[0])
		return e->code < 0 ? e->code : PW_E_INTERNAL;
	return err_set(e, PW_E_INTERNAL, "%s %d failed: %s", what, round,
		       keep[0] ? keep : "the store gave no reason");
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

/*
 * The tick's playoff games: one game of every undecided series of the
 * earliest open stage, from the bracket as drawn — never from the rules in
 * force, so a playoff format passed during the playoffs waits for the next
 * season. A season of an older database whose draw was never stored gets
 * its draw recorded first (as it was played), and keeps it from then on.
 */
static int schedule_playoffs(pw_gov_t *g, const pw_season_row_t *season, int round, pw_err_t *e)
{
	pw_store_t *s = gov_store(g);
	int rc = season_bracket_draw_in_tx(g, season->id, round - 1, &gov_state(g)->rules, e);
	pw_bracket_t b;
	int have = rc == 0 ? season_bracket(s, season->id, &b, e) : rc;
	if (have <= 0)
		return have < 0 ? have : err_set(e, PW_E_INTERNAL, "season %d is in the playoffs but "
						 "its bracket was never drawn", season->number);
	pw_fixture_t fx[PW_MAX_SERIES];
	char ids[PW_MAX_SERIES][8];
	int gn[PW_MAX_SERIES];
	int n = schedule_playoff_next(&b, round, fx, ids, gn, PW_MAX_SERIES);
	for (int i = 0; i < n; i++) {
		pw_schedule_row_t r = {.round = round, .game_index = i, .home_team_id = fx[i].home,
				    .away_team_id = fx[i].away, .series_game = gn[i]};
		snprintf(r.stage, sizeof r.stage, "playoff");
		snprintf(r.series, sizeof r.series, "%s", ids[i]);
		if (store_schedule_insert(s, season->id, &r) < 0)
			return err_set(e, PW_E_INTERNAL, "scheduling playoff game %s-%d failed: %s", ids[i],
				       gn[i], store_errmsg(s));
	}
	return 0;
}

/*
 * The snapshot's text: snap printed with "teams" last, as teams_text when
 * it was printed before the transaction (else teams printed now; an empty
 * list when there are none). Caller frees; NULL when out of memory.
 */
static char *snapshot_text(const cJSON *snap, const cJSON *teams, const char *teams_text)
{
	char *own = teams_text || !teams ? NULL : jsonw_print(teams);
	const char *t = teams_text ? teams_text : own ? own : "[]";
	char *head = jsonw_print(snap);
	size_t hn = head ? strlen(head) : 0;
	pw_buf_t b = {0};
	if (hn >= 2) { /* "{...}": its members, then the teams */
		buf_append(&b, head, hn - 1);
		buf_puts(&b, hn > 2 ? ",\"teams\":" : "\"teams\":");
		buf_puts(&b, t);
		buf_puts(&b, "}");
	}
	free(head);
	free(own);
	if (hn < 2 || b.oom) {
		buf_free(&b);
		return NULL;
	}
	return buf_take(&b);
}

/*
 * The season's teams for the snapshot, read and printed before stage 1's
 * transaction begins, so that the write lock (which votes wait for) is not
 * held for the biggest read and print of the tick. Every change to a team
 * or a hooper from outside the runner (a trade, a strategy, a bio) appends
 * an event in the same transaction, so a read made after governance's
 * state had seen event `seq` still holds inside the transaction if its
 * state has seen no later one there (teams_still_read); otherwise the
 * stage reads them again inside. The runner's own writes to teams (their
 * metadata) happen under the tick lock, never in between.
 */
typedef struct teams_read {
	cJSON *teams;  /* NULL: read inside the transaction */
	char *text;
	int64_t seq;
} teams_read_t;

static void teams_read_early(pw_gov_t *g, int64_t season_id, teams_read_t *t)
{
	memset(t, 0, sizeof *t);
	if (gov_sync(g) < 0)
		return;
	t->seq = gov_state(g)->last_seq;
	t->teams = season_teams_json(gov_store(g), season_id);
	t->text = t->teams ? jsonw_print(t->teams) : NULL;
	if (!t->text) {
		cJSON_Delete(t->teams);
		t->teams = NULL;
	}
}

/* Inside the transaction, after gov_sync: whether the early read holds. */
static bool teams_still_read(pw_gov_t *g, const teams_read_t *t, int synced)
{
	return t->teams && synced == 0 && gov_state(g)->last_seq == t->seq;
}

/*
 * On success *out is the snapshot as written, teams last, as a tree (the
 * caller frees): the stages after this one read it instead of parsing the
 * text back (a tenth of a tick). The tree and the text hold the same
 * values — cJSON prints each number so that it reads back equal — and a
 * resumed round parses the text.
 */
static int stage_begin(const pw_round_cfg_t *c, pw_season_row_t *season, int round, cJSON *published,
		       cJSON **out, pw_err_t *e)
{
	*out = NULL;
	pw_gov_t *g = c->gov;
	pw_store_t *s = gov_store(g);
	teams_read_t early;
	teams_read_early(g, season->id, &early);
	if (store_begin(s) < 0) {
		cJSON_Delete(early.teams);
		free(early.text);
		return err_set(e, PW_E_INTERNAL, "%s", store_errmsg(s));
	}
	if (!teams_still_read(g, &early, gov_sync(g))) {
		cJSON_Delete(early.teams);
		free(early.text);
		early.teams = NULL;
		early.text = NULL;
	}
	int64_t now = now_of(c);
	int rc = 0;
	/* The season as round_tick read it before this transaction: a new
	 * season created in between (season_create refuses only once a round
	 * has begun, and the runner may hold its lock between ticks) is played
	 * by the next tick, never this one's round of the old season. */
	pw_season_row_t cur;
	if (season_current(s, &cur) != 1 || cur.id != season->id || cur.current_round != season->current_round ||
	    strcmp(cur.phase, season->phase))
		rc = err_set(e, PW_E_CONFLICT, "the season changed while round %d was starting; the next "
			     "tick plays the current one", round);
	/* setup → active with the first round; championship → offseason with
	 * the first round after the window (round_tick plays none before). */
	const char *next = !strcmp(season->phase, "setup") ? "active"
			   : !strcmp(season->phase, "championship") ? "offseason" : NULL;
	if (rc == 0 && next && season_phase_in_tx(g, season->id, season->phase, next, round - 1, now, NULL, published) < 0)
		rc = err_set(e, PW_E_INTERNAL, "moving season %d from %s to %s failed: %s", season->number,
			     season->phase, next, store_errmsg(s));
	if (next)
		snprintf(season->phase, sizeof season->phase, "%s", next);
	/* Playoff games are scheduled tick by tick from the bracket. */
	if (rc == 0 && !strcmp(season->phase, "playoffs"))
		rc = schedule_playoffs(g, season, round, e);
	const pw_gstate_t *gs = gov_state(g);
	pw_schedule_row_t rows[PW_MAX_TEAMS];
	int n = rc == 0 ? store_schedule_round(s, season->id, round, rows, PW_MAX_TEAMS) : 0;
	if (n < 0)
		rc = err_set(e, PW_E_INTERNAL, "reading round %d of the schedule failed: %s", round,
			     store_errmsg(s));
	cJSON *snap = cJSON_CreateObject();
	cJSON_AddNumberToObject(snap, "season_id", (double)season->id);
	cJSON_AddNumberToObject(snap, "round", round);
	cJSON_AddItemToObject(snap, "rules", rules_to_json(&gs->rules));
	cJSON *fxs = active_effects_json(gs);
	cJSON_AddItemToObject(snap, "effects", fxs);
	/* The teams that play this season (the league may hold more). */
	cJSON *teams = early.teams;
	if (rc == 0 && !teams)
		teams = season_teams_json(s, season->id);
	if (rc == 0 && !teams) /* a snapshot without teams would fail every retry */
		rc = err_set(e, PW_E_INTERNAL, "reading the teams of season %d failed: %s", season->number,
			     store_errmsg(s));
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
	char *text = snapshot_text(snap, teams, early.text);
	free(early.text);
	if (rc == 0 && !text)
		rc = err_set(e, PW_E_INTERNAL, "out of memory writing round %d's snapshot", round);
	rc = stage_commit(c, season->id, round, PW_STAGE_BEGIN, text, rc, "starting round", e);
	free(text);
	if (rc == 0 && teams) {
		cJSON_AddItemToObject(snap, "teams", teams);
		*out = snap;
	} else {
		cJSON_Delete(snap);
		cJSON_Delete(teams);
	}
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

/* The runner's engines over a list of effects, as round_play takes them. */
static round_play_cfg_t play_cfg(const pw_round_cfg_t *c, const fxlist_t *fx)
{
	return (round_play_cfg_t){.fx = c->fx, .fx_extra = c->fx_extra, .effects = fx->v,
				  .n_effects = fx->n, .sim = c->sim, .parallel_games = c->parallel_games};
}

/* An entity's stored metadata for round_play_meta_apply_all (NULL: no
 * such row; what is not an object reads as empty). */
static cJSON *meta_load(void *ud, const char *kind, int64_t id)
{
	char *cur = store_meta_get(ud, kind, id);
	if (!cur)
		return NULL;
	cJSON *m = cJSON_Parse(cur);
	free(cur);
	if (!cJSON_IsObject(m)) {
		cJSON_Delete(m);
		m = cJSON_CreateObject();
	}
	return m;
}

static int meta_save(void *ud, const char *kind, int64_t id, cJSON *m)
{
	char *txt = jsonw_print(m);
	cJSON_Delete(m);
	int rc = txt ? store_meta_set(ud, kind, id, txt) : -1;
	free(txt);
	return rc;
}

/* Applies the tick's metadata writes to the store, in order, each entity
 * read and written once; the op itself is round_play_meta_apply, which the
 * trial harness shares. */
static int apply_meta(pw_store_t *s, const cJSON *writes)
{
	round_play_meta_io_t io = {meta_load, meta_save, s};
	return round_play_meta_apply_all(writes, &io);
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
static int note_failures(pw_gov_t *g, const fxlist_t *fx, const round_play_game_t *games, int n,
			 int round, cJSON *published)
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
		const pw_game_result_t *r = &games[i].res;
		for (int k = 0; rc == 0 && k < fx->n; k++) {
			const char *id = fx->v[k].id;
			bool ran = in_list(games[i].ran, id), failed = in_list(games[i].failed, id);
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
				cJSON_AddNumberToObject(pl, "game_index", games[i].index);
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
	char *out = rc == 0 ? jsonw_print(st) : NULL;
	if (rc == 0 && (!out || store_kv_set(s, PW_FX_STREAKS_KEY, out) < 0))
		rc = -1;
	free(out);
	cJSON_Delete(st);
	return rc;
}

/* One game of the tick: where it comes from in the snapshot, and the row
 * it becomes. Its play (teams, seed, result) is in games_t.play. */
typedef struct gjob {
	const cJSON *gj;
	pw_team_t home, away;
	pw_game_row_t row;
	const char *home_txt, *away_txt; /* the round's texts (games_t.team_txt) */
	char *result;                    /* NULL for a derived game */
} gjob_t;

/* The tick's games, from its snapshot to the store. */
typedef struct games {
	const cJSON *snap;               /* the tick's, parsed once (round_tick) */
	pw_rules_t rules;
	fxlist_t fx;
	char *rules_txt, *effects_txt;   /* stored with every game, for rebuild */
	/* Each team of the snapshot as text, printed once for the round (not
	 * once per game and side) and stored with each of its games. */
	int64_t team_id[PW_MAX_TEAMS];
	char *team_txt[PW_MAX_TEAMS];
	int n_teams;
	gjob_t *jobs;
	round_play_game_t *play;         /* index-aligned with jobs */
	int n;                           /* games to play: those not stored before a crash */
	int n_init;                      /* play entries initialised (to free) */
} games_t;

/* ctx.meta "game" writes name the game by its simulation id (nothing else
 * exists while it plays); the meta column lives on the stored row. */
static void map_game_ids(cJSON *writes, const games_t *t)
{
	cJSON *w;
	cJSON_ArrayForEach(w, writes) {
		const cJSON *kind = cJSON_GetObjectItem(w, "kind");
		cJSON *id = cJSON_GetObjectItem(w, "id");
		if (!cJSON_IsString(kind) || strcmp(kind->valuestring, "game") || !cJSON_IsNumber(id))
			continue;
		for (int i = 0; i < t->n; i++)
			if (t->play[i].id == (int64_t)id->valuedouble) {
				cJSON_SetNumberValue(id, (double)t->jobs[i].row.id);
				break;
			}
	}
}

static void games_free(games_t *t)
{
	for (int i = 0; t->jobs && i < t->n_init; i++) {
		round_play_game_free(&t->play[i]);
		free(t->jobs[i].result);
	}
	for (int i = 0; i < t->n_teams; i++)
		free(t->team_txt[i]);
	free(t->jobs);
	free(t->play);
	free(t->rules_txt);
	free(t->effects_txt);
	free(t->fx.v);
}

/* The round's text of team id (printed from its snapshot the first time
 * a game asks), or NULL on OOM or when it is not in the snapshot. */
static const char *team_text(games_t *t, const cJSON *tj, int64_t id)
{
	for (int i = 0; i < t->n_teams; i++)
		if (t->team_id[i] == id)
			return t->team_txt[i];
	if (!tj || t->n_teams >= PW_MAX_TEAMS)
		return NULL;
	char *txt = jsonw_print(tj);
	if (!txt)
		return NULL;
	t->team_id[t->n_teams] = id;
	t->team_txt[t->n_teams++] = txt;
	return txt;
}

/*
 * Part 1, load: the snapshot's rules, effects and games, each game with
 * its teams, seed and simulation id. Games stored before a crash are left
 * out: never twice.
 */
static int games_load(const pw_round_cfg_t *c, const pw_season_row_t *season, int round,
		      const cJSON *snap, games_t *t, pw_err_t *e)
{
	pw_store_t *s = gov_store(c->gov);
	memset(t, 0, sizeof *t);
	t->snap = snap;
	if (!t->snap)
		return err_set(e, PW_E_INTERNAL, "round %d's snapshot is unreadable", round);
	rules_default(&t->rules);
	char msg[160];
	rules_from_json(&t->rules, cJSON_GetObjectItem(t->snap, "rules"), msg, sizeof msg);
	const cJSON *teams = cJSON_GetObjectItem(t->snap, "teams");
	const cJSON *games = cJSON_GetObjectItem(t->snap, "games");
	fx_from_snapshot(cJSON_GetObjectItem(t->snap, "effects"), &t->fx);
	cJSON *effect_ids = cJSON_CreateArray();
	for (int i = 0; i < t->fx.n; i++)
		cJSON_AddItemToArray(effect_ids, cJSON_CreateString(t->fx.v[i].id));
	t->effects_txt = jsonw_print(effect_ids);
	cJSON_Delete(effect_ids);
	pw_buf_t rb = {0};
	rules_write_json(&t->rules, &rb);
	t->rules_txt = buf_take(&rb);
	int ng = cJSON_GetArraySize(games);
	t->jobs = calloc((size_t)ng + 1, sizeof *t->jobs);
	t->play = calloc((size_t)ng + 1, sizeof *t->play);
	if (!t->jobs || !t->play || !t->fx.v)
		return err_set(e, PW_E_INTERNAL, "out of memory");
	const cJSON *gj;
	cJSON_ArrayForEach(gj, games) {
		int idx = cJSON_GetObjectItem(gj, "index")->valueint;
		int have = store_game_exists(s, season->id, round, idx);
		if (have < 0)
			return err_set(e, PW_E_INTERNAL, "round %d game %d: %s", round, idx, store_errmsg(s));
		if (have)
			continue; /* stored before a crash: never twice */
		gjob_t *j = &t->jobs[t->n];
		round_play_game_t *p = &t->play[t->n];
		round_play_game_init(p);
		t->n_init++;
		j->gj = gj;
		int64_t hid = (int64_t)cJSON_GetObjectItem(gj, "home")->valuedouble;
		int64_t aid = (int64_t)cJSON_GetObjectItem(gj, "away")->valuedouble;
		const cJSON *hj = find_team(teams, hid), *aj = find_team(teams, aid);
		j->home_txt = team_text(t, hj, hid);
		j->away_txt = team_text(t, aj, aid);
		if (!j->home_txt || !j->away_txt || roster_team_from_json(&j->home, hj, msg, sizeof msg) < 0 ||
		    roster_team_from_json(&j->away, aj, msg, sizeof msg) < 0)
			return err_set(e, PW_E_INTERNAL, "round %d game %d: a team snapshot is unusable",
					   round, idx);
		p->home = &j->home;
		p->away = &j->away;
		p->index = idx;
		/* Game ids in the sim are (season, round, index) packed: stable
		 * before the row exists, and the same on rebuild. */
		p->id = round_play_game_id(season->id, round, idx);
		p->seed = strtoull(cJSON_GetObjectItem(gj, "seed")->valuestring, NULL, 10);
		p->regular = !strcmp(cJSON_GetObjectItem(gj, "stage")->valuestring, "regular");
		t->n++;
	}
	return 0;
}

/* ctx.standings as the league keeps them: the stored regular games. */
typedef struct stand_src {
	pw_store_t *s;
	int64_t season_id;
} stand_src_t;

static cJSON *stored_standings(void *ud, int before_round, const pw_stand_game_t *extra, int n_extra)
{
	const stand_src_t *x = ud;
	return season_standings_at(x->s, x->season_id, before_round, extra, n_extra);
}

/* Part 2, play: the round's hooks and games (round_play.h). */
static int games_play(const pw_round_cfg_t *c, const pw_season_row_t *season, int round, games_t *t,
		      cJSON *meta, pw_err_t *e)
{
	round_play_cfg_t pc = play_cfg(c, &t->fx);
	stand_src_t src = {gov_store(c->gov), season->id};
	round_play_round_t r = {.round = round, .rules = &t->rules,
				.rules_json = cJSON_GetObjectItem(t->snap, "rules"),
				.meta = cJSON_GetObjectItem(t->snap, "meta"),
				.standings = stored_standings, .standings_ud = &src};
	int bad = -1;
	if (round_play(&pc, &r, t->play, t->n, meta, &bad) == 0)
		return 0;
	if (bad >= 0)
		return err_set(e, PW_E_INTERNAL, "round %d game %d could not be simulated", round,
				   t->play[bad].index);
	return err_set(e, PW_E_INTERNAL, "out of memory");
}

/* Part 3, rows: each played game as the row (and, when it cannot be
 * derived again, the result text) the store keeps. A game is derived —
 * stored without its play-by-play, which game_text.h simulates again when
 * read — when it was the engine alone: no effect ran in its round and the
 * runner played it with sim_game (tests pass doubles). */
static int games_rows(const pw_round_cfg_t *c, const pw_season_row_t *season, int round, games_t *t,
		      pw_err_t *e)
{
	round_play_cfg_t pc = play_cfg(c, &t->fx);
	bool derived = !round_play_fx_on(&pc) && !c->sim;
	for (int i = 0; i < t->n; i++) {
		gjob_t *j = &t->jobs[i];
		const round_play_game_t *p = &t->play[i];
		pw_game_row_t *row = &j->row;
		row->derived = derived;
		row->season_id = season->id;
		row->round = round;
		row->game_index = p->index;
		snprintf(row->stage, sizeof row->stage, "%s", cJSON_GetObjectItem(j->gj, "stage")->valuestring);
		snprintf(row->series, sizeof row->series, "%s", cJSON_GetObjectItem(j->gj, "series")->valuestring);
		row->series_game = cJSON_GetObjectItem(j->gj, "series_game")->valueint;
		row->home_team_id = p->home->id;
		row->away_team_id = p->away->id;
		row->home_score = p->res.home_score;
		row->away_score = p->res.away_score;
		row->winner_team_id = p->res.winner == 0 ? row->home_team_id : row->away_team_id;
		row->seed = p->seed;
		snprintf(row->hash, sizeof row->hash, "%s", p->hash);
		if (derived)
			continue;
		pw_buf_t b = {0};
		result_write_json(&p->res, p->hash, &b);
		if (b.oom) {
			buf_free(&b);
			return err_set(e, PW_E_INTERNAL, "out of memory");
		}
		j->result = buf_take(&b);
	}
	return 0;
}

/* Part 4, store: games, box scores, metadata in schedule order and the
 * failure runs, in one transaction with the stage's progress mark. */
static int games_store(const pw_round_cfg_t *c, const pw_season_row_t *season, int round, games_t *t,
		       cJSON *meta, cJSON *published, pw_err_t *e)
{
	pw_gov_t *g = c->gov;
	pw_store_t *s = gov_store(g);
	if (store_begin(s) < 0)
		return err_set(e, PW_E_INTERNAL, "%s", store_errmsg(s));
	gov_sync(g);
	int rc = 0;
	for (int i = 0; rc == 0 && i < t->n; i++) {
		gjob_t *j = &t->jobs[i];
		j->row.unpresented = c->hold_results;
		int64_t id = store_game_insert(s, &j->row, t->rules_txt, t->effects_txt, j->home_txt,
					       j->away_txt, j->result);
		const pw_game_result_t *res = &t->play[i].res;
		if (id > 0 && store_boxes_insert(s, id, &res->box[0][0], 2 * PW_ROSTER_SIZE) < 0)
			id = -1;
		if (id < 0)
			rc = err_set(e, PW_E_INTERNAL, "storing game %d of round %d failed: %s", j->row.game_index,
				     round, store_errmsg(s));
		j->row.id = id;
	}
	map_game_ids(meta, t);
	if (rc == 0 && apply_meta(s, meta) < 0)
		rc = err_set(e, PW_E_INTERNAL, "writing the effects' metadata of round %d failed: %s", round,
			     store_errmsg(s));
	round_play_cfg_t pc = play_cfg(c, &t->fx);
	if (rc == 0 && round_play_fx_on(&pc) && note_failures(g, &t->fx, t->play, t->n, round, published) < 0)
		rc = err_set(e, PW_E_INTERNAL, "recording the effects' failures of round %d failed: %s", round,
			     store_errmsg(s));
	return stage_commit(c, season->id, round, PW_STAGE_GAMES, NULL, rc, "storing round", e);
}

/* Part 5, publish: game.completed for each stored game, told after the
 * tick like the rest of its events. */
static void games_publish(const pw_season_row_t *season, int round, const games_t *t, cJSON *published)
{
	for (int i = 0; i < t->n; i++) {
		const pw_game_row_t *row = &t->jobs[i].row;
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
}

/*
 * Stage 2: load the tick's games from its snapshot, play them with their
 * hooks (round_play: every hook reads the same metadata snapshot, so games
 * may run in parallel and still give exactly the sequential outcome; the
 * writes come back in sequential order), turn them into rows, store them
 * with the metadata writes, and announce them.
 */
static int stage_games(const pw_round_cfg_t *c, const pw_season_row_t *season, int round,
		       const cJSON *snap, cJSON *published, int *stored, pw_report_game_t **facts,
		       int *n_facts, pw_err_t *e)
{
	games_t t;
	cJSON *meta = cJSON_CreateArray();
	int rc = games_load(c, season, round, snap, &t, e);
	if (rc == 0)
		rc = games_play(c, season, round, &t, meta, e);
	if (rc == 0)
		rc = games_rows(c, season, round, &t, e);
	if (rc == 0)
		rc = games_store(c, season, round, &t, meta, published, e);
	if (rc == 0)
		games_publish(season, round, &t, published);
	/* What the reports stage needs of each game, taken now from the
	 * results rather than read back from the store. */
	*facts = rc == 0 && t.n ? calloc((size_t)t.n, sizeof **facts) : NULL;
	for (int i = 0; *facts && i < t.n; i++)
		report_game_from_result(&(*facts)[i], t.jobs[i].row.id, &t.play[i].res);
	*n_facts = *facts ? t.n : 0;
	*stored = rc == 0 ? t.n : 0;
	games_free(&t);
	cJSON_Delete(meta);
	return rc;
}

/* ---- stage 3: governance ---- */

static int stage_govern(const pw_round_cfg_t *c, const pw_season_row_t *season, int round,
			const cJSON *snap, cJSON *published, bool *tallied, pw_err_t *e)
{
	pw_gov_t *g = c->gov;
	pw_store_t *s = gov_store(g);
	if (store_begin(s) < 0)
		return err_set(e, PW_E_INTERNAL, "%s", store_errmsg(s));
	gov_sync(g);
	cJSON *expired = NULL, *summary = NULL;
	int rc = gov_expire_effects_in_tx(g, round, &expired, e);
	int interval = c->governance_interval > 0 ? c->governance_interval : 1;
	const pw_gstate_t *gs = gov_state(g);
	/* The season's last tally judges everything still open, however
	 * recently confirmed, and ends the season's trades. */
	bool last = season_ends_with(c, gs, gs->season.phase, round);
	bool due = round % interval == 0 || last;
	fxlist_t fx = {0};
	if (snap)
		fx_from_snapshot(cJSON_GetObjectItem(snap, "effects"), &fx);
	round_play_cfg_t pc = play_cfg(c, &fx);
	cJSON *meta = cJSON_CreateArray();
	if (rc == 0 && due && round_play_fx_on(&pc)) {
		/* gov hooks read the metadata after the tick's games (see
		 * meta_now for why that is as deterministic as the snapshot). */
		cJSON *now = meta_now(s, snap, season->id, round, false);
		round_play_meta_begin(&pc, now);
		cJSON_Delete(now);
	}
	if (rc == 0 && due) {
		*tallied = true;
		cJSON *ctx = cJSON_CreateObject();
		cJSON_AddNumberToObject(ctx, "round", round);
		cJSON_AddItemToObject(ctx, "rules", rules_to_json(&gov_state(g)->rules));
		cJSON_AddItemToObject(ctx, "proposals", gov_proposals_json(g, 0, "open"));
		round_play_hook(&pc, "gov.pre", ctx, meta, NULL, NULL);
		rc = last ? gov_tally_final_in_tx(g, round, &summary, e) : gov_tally_in_tx(g, round, &summary, e);
		if (rc == 0) {
			/* After the tally: the ruleset with what it enacted. */
			cJSON_ReplaceItemInObject(ctx, "rules", rules_to_json(&gov_state(g)->rules));
			cJSON_AddItemToObject(ctx, "tallies", cJSON_Duplicate(cJSON_GetObjectItem(summary, "proposals"), 1));
			round_play_hook(&pc, "gov.post", ctx, meta, NULL, NULL);
		}
		cJSON_Delete(ctx);
	}
	if (rc == 0 && apply_meta(s, meta) < 0)
		rc = err_set(e, PW_E_INTERNAL, "writing effect metadata failed");
	cJSON_Delete(meta);
	free(fx.v);
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
			 const cJSON *snap, const pw_report_game_t *facts, int n_facts, cJSON *published,
			 pw_err_t *e)
{
	pw_gov_t *g = c->gov;
	pw_store_t *s = gov_store(g);
	/* The round's facts are read before BEGIN (report.h says why that
	 * reads what the transaction would): the write lock, which votes
	 * wait for, is held only while the reports are composed and written. */
	pw_report_round_t *facts_read = report_round_read(s, season->id, round, facts, n_facts, e);
	if (!facts_read)
		return e && e->code < 0 ? e->code : PW_E_INTERNAL;
	if (store_begin(s) < 0) {
		report_round_free(facts_read);
		return err_set(e, PW_E_INTERNAL, "%s", store_errmsg(s));
	}
	gov_sync(g);
	fxlist_t fx = {0};
	if (snap)
		fx_from_snapshot(cJSON_GetObjectItem(snap, "effects"), &fx);
	report_effects(gov_state(g), &fx);
	report_fx_t rfx = {c, &fx};
	pw_report_fx_t narrate = {&rfx, report_narrate};
	round_play_cfg_t pc = play_cfg(c, &fx);
	bool with_fx = round_play_fx_on(&pc) && c->fx_extra && c->fx_extra->report_hook;
	if (with_fx) {
		/* Report hooks read the metadata after governance's writes. */
		cJSON *now = meta_now(s, snap, season->id, round, true);
		round_play_meta_begin(&pc, now);
		cJSON_Delete(now);
	}
	cJSON *gen = cJSON_CreateArray();
	int rc = report_round_write_in_tx(g, facts_read, with_fx ? &narrate : NULL, gen, e);
	report_round_free(facts_read);
	free(fx.v);
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

/* The regular season is over: its final standings (tiebreaker_check), the
 * bracket drawn from them with the rules in force (and stored, so nothing
 * passed later changes it), and the playoffs begin. */
static int start_playoffs(const pw_round_cfg_t *c, const pw_season_row_t *season, int round, int64_t now,
			  cJSON *published, pw_err_t *e)
{
	pw_gov_t *g = c->gov;
	pw_store_t *s = gov_store(g);
	pw_standing_t st[64];
	int n = season_standings(s, season->id, st, 64);
	if (n < 2)
		return err_set(e, PW_E_INTERNAL, "the standings of season %d cannot be read: %s", season->number,
			       n < 0 ? store_errmsg(s) : "fewer than 2 teams");
	cJSON *x = cJSON_CreateObject();
	cJSON *rows = cJSON_AddArrayToObject(x, "standings");
	for (int i = 0; i < n; i++) {
		cJSON *r = cJSON_CreateObject();
		cJSON_AddNumberToObject(r, "team_id", (double)st[i].team_id);
		cJSON_AddNumberToObject(r, "wins", st[i].wins);
		cJSON_AddNumberToObject(r, "losses", st[i].losses);
		if (st[i].tiebreak[0])
			cJSON_AddStringToObject(r, "tiebreak", st[i].tiebreak);
		cJSON_AddItemToArray(rows, r);
	}
	if (season_phase_in_tx(g, season->id, "active", "tiebreaker_check", round, now, x, published) < 0)
		return err_set(e, PW_E_INTERNAL, "ending the regular season failed: %s", store_errmsg(s));
	int rc = season_bracket_draw_in_tx(g, season->id, round, &gov_state(g)->rules, e);
	pw_bracket_format_t f;
	if (rc == 0 && season_bracket_format(s, season->id, &f, e) != 1)
		rc = err_set(e, PW_E_INTERNAL, "the bracket of season %d was drawn but cannot be read",
			     season->number);
	if (rc < 0)
		return rc;
	cJSON *y = cJSON_CreateObject();
	cJSON *sd = cJSON_AddArrayToObject(y, "seeds");
	for (int i = 0; i < f.bracket_teams; i++)
		cJSON_AddItemToArray(sd, cJSON_CreateNumber((double)f.seeds[i]));
	if (season_phase_in_tx(g, season->id, "tiebreaker_check", "playoffs", round, now, y, published) < 0)
		return err_set(e, PW_E_INTERNAL, "starting the playoffs failed: %s", store_errmsg(s));
	return 0;
}

/* The final is decided: the champion, its report and the bracket told. 0
 * with *done false while it is not decided yet. */
static int crown(const pw_round_cfg_t *c, const pw_season_row_t *season, int round, int64_t now,
		 cJSON *published, bool *done, pw_err_t *e)
{
	pw_gov_t *g = c->gov;
	pw_store_t *s = gov_store(g);
	*done = false;
	pw_bracket_t b;
	int have = season_bracket(s, season->id, &b, e); /* unreadable is not "no champion yet" */
	if (have <= 0)
		return have < 0 ? have : err_set(e, PW_E_INTERNAL, "season %d is in the playoffs but its "
						 "bracket was never drawn", season->number);
	if (!b.champion)
		return 0;
	cJSON *x = cJSON_CreateObject();
	cJSON_AddNumberToObject(x, "champion_team_id", (double)b.champion);
	if (season_phase_in_tx(g, season->id, "playoffs", "championship", round, now, x, published) < 0)
		return err_set(e, PW_E_INTERNAL, "crowning the champion failed: %s", store_errmsg(s));
	cJSON *gen = cJSON_CreateArray();
	int rc = report_champion_in_tx(g, season->id, round, gen, e);
	cJSON *r;
	cJSON_ArrayForEach(r, gen)
		publish_later(published, "report.generated", cJSON_Duplicate(r, 1));
	cJSON_Delete(gen);
	cJSON *pc = rc == 0 ? season_bracket_json(s, season->id) : NULL;
	if (rc == 0 && !pc)
		rc = err_set(e, PW_E_INTERNAL, "reading the finished bracket failed: %s", store_errmsg(s));
	if (pc) {
		cJSON_AddNumberToObject(pc, "season_id", (double)season->id);
		publish_later(published, "season.playoffs_complete", pc);
	}
	*done = rc == 0;
	return rc;
}

static int stage_advance(const pw_round_cfg_t *c, pw_season_row_t *season, int round,
			 const char *kept, cJSON *published, pw_err_t *e)
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
	char phase[24];
	snprintf(phase, sizeof phase, "%s", cur.phase);
	for (int guard = 0; rc == 0 && guard < 8; guard++) {
		bool done = false;
		if (!strcmp(phase, "active") && round >= max_regular) {
			rc = start_playoffs(c, &cur, round, now, published, e);
			snprintf(phase, sizeof phase, "playoffs");
		} else if (!strcmp(phase, "playoffs")) {
			rc = crown(c, &cur, round, now, published, &done, e);
			if (!done)
				break;
			snprintf(phase, sizeof phase, "championship");
			cur.phase_started = now;
		} else if (!strcmp(phase, "championship") && now - cur.phase_started >= champ_seconds(c)) {
			/* A zero window ends with the final's round; a longer one
			 * ends in stage_begin of the first round after it. */
			if (season_phase_in_tx(g, cur.id, "championship", "offseason", round, now, NULL, published) < 0)
				rc = err_set(e, PW_E_INTERNAL, "ending the championship failed: %s", store_errmsg(s));
			snprintf(phase, sizeof phase, "offseason");
		} else if (!strcmp(phase, "offseason") && season_ends_with(c, gov_state(g), phase, round)) {
			rc = season_complete_in_tx(g, cur.id, round, now, published, e);
			snprintf(phase, sizeof phase, "complete");
		} else {
			break;
		}
	}
	if (rc == 0 && store_season_set_round(s, season->id, round) < 0)
		rc = err_set(e, PW_E_INTERNAL, "recording round %d as played failed: %s", round, store_errmsg(s));
	rc = stage_commit(c, season->id, round, PW_STAGE_DONE, kept, rc,
			  "advancing the season after round", e);
	if (rc < 0)
		return rc;
	snprintf(season->phase, sizeof season->phase, "%s", phase);
	return 0;
}

/*
 * What a finished round keeps of its snapshot: the metadata its hooks
 * read, which rebuild hands them again. The rest (rules, teams, fixtures:
 * a third of a season's bytes) only serves to resume the round, and every
 * game row keeps its own rules and teams. snap is the tick's parsed
 * snapshot, or NULL to parse text. Caller frees; NULL when there is none.
 */
static char *snapshot_kept(const cJSON *snap, const char *text)
{
	cJSON *own = snap || !text ? NULL : cJSON_Parse(text);
	const cJSON *from = snap ? snap : own;
	if (!from) /* unreadable: keep what is there */
		return NULL;
	cJSON *k = cJSON_CreateObject();
	const cJSON *meta = cJSON_GetObjectItem(from, "meta");
	if (k && meta)
		cJSON_AddItemToObject(k, "meta", cJSON_Duplicate(meta, 1));
	char *out = k ? jsonw_print(k) : NULL;
	cJSON_Delete(k);
	cJSON_Delete(own);
	return out;
}

/* Whether stage `want` runs now: nothing failed and the round has not
 * passed it. The lease is renewed first when due (lock_renew). */
static bool stage_due(const pw_round_cfg_t *c, int *rc, int stage, int want, double *renewed,
		      pw_err_t *e)
{
	if (*rc != 0 || stage >= want)
		return false;
	*rc = lock_renew(c, gov_store(c->gov), renewed, e);
	return *rc == 0;
}

/* A failed tick's message names its round (once): the log line and
 * /api/pace/status say which round failed and why. */
static void name_round(pw_err_t *e, int rc, int round)
{
	if (!e)
		return;
	char tag[32];
	size_t n = (size_t)snprintf(tag, sizeof tag, "round %d", round);
	const char *at = e->msg;
	while ((at = strstr(at, tag)) != NULL && at[n] >= '0' && at[n] <= '9')
		at += n; /* "round 12" does not name round 1 */
	if (!e->msg[0])
		err_set(e, rc, "round %d failed without a reason", round);
	else if (!at) {
		char keep[sizeof e->msg];
		snprintf(keep, sizeof keep, "%s", e->msg);
		err_set(e, e->code ? e->code : rc, "round %d: %s", round, keep);
	}
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
	double renewed = now_ms(); /* when the lease was last taken or renewed */
	/* Read again under the lock: a new season may have been created (or
	 * this one completed) since the first read. */
	have = season_current(s, &season);
	if (have != 1) {
		rc = err_set(e, PW_E_INTERNAL, "reading the current season failed: %s", store_errmsg(s));
		lock_release(c, s);
		return rc;
	}
	out->season_id = season.id;
	snprintf(out->phase, sizeof out->phase, "%s", season.phase);
	int round = season.current_round + 1;
	int stage = 0;
	char *snapshot = NULL;
	int got = strcmp(season.phase, "complete") ? store_progress_get(s, season.id, round, &stage, &snapshot) : 0;
	if (got < 0) { /* not knowing where the round stands, run none of it */
		rc = err_set(e, PW_E_INTERNAL, "round %d: %s", round, store_errmsg(s));
		lock_release(c, s);
		return rc;
	}
	if (got == 1 && stage > 0)
		out->resumed = true;
	/* The championship window is a wait, not rounds: a tick inside it
	 * plays nothing and writes nothing (no empty round, no report of an
	 * empty ballot); the first tick after it starts the offseason. */
	int64_t window_ends = season.phase_started + champ_seconds(c);
	bool waiting = !strcmp(season.phase, "championship") && now_of(c) < window_ends;
	if (!strcmp(season.phase, "complete") || (waiting && !out->resumed)) {
		if (waiting)
			out->window_ends = window_ends;
		free(snapshot);
		lock_release(c, s);
		return 0;
	}
	cJSON *published = cJSON_CreateArray();
	out->round = round;
	double t0 = now_ms();
	/* Each stage collects its events in a list of its own, moved into
	 * published only when the stage committed: a rolled-back stage
	 * announces nothing. */
	cJSON *staged = cJSON_CreateArray();
	pw_report_game_t *facts = NULL; /* the games this tick played, for its reports */
	int n_facts = 0;
	cJSON *snap = NULL;
	if (stage < PW_STAGE_BEGIN) {
		rc = stage_begin(c, &season, round, staged, &snap, e);
		stage_events(published, staged, rc);
		free(snapshot);
		snapshot = NULL;
		stage = rc == 0 ? PW_STAGE_BEGIN : stage;
		out->stage_ms[PW_STAGE_BEGIN] = lap_ms(&t0);
		crash_point(c, PW_STAGE_BEGIN, false);
	}
	/* The snapshot as the stages read it: the begin stage's own tree, or
	 * (a round resumed) its text parsed once for the tick (each stage
	 * parsed its own copy, ~1 ms a tick). */
	if (!snap && rc == 0 && snapshot && stage < PW_STAGE_REPORTS)
		snap = cJSON_Parse(snapshot);
	if (stage_due(c, &rc, stage, PW_STAGE_GAMES, &renewed, e)) {
		rc = stage_games(c, &season, round, snap, staged, &out->games, &facts, &n_facts, e);
		stage_events(published, staged, rc);
		out->stage_ms[PW_STAGE_GAMES] = lap_ms(&t0);
		crash_point(c, PW_STAGE_GAMES, false);
	}
	if (stage_due(c, &rc, stage, PW_STAGE_GOVERN, &renewed, e)) {
		rc = stage_govern(c, &season, round, snap, staged, &out->tallied, e);
		stage_events(published, staged, rc);
		out->stage_ms[PW_STAGE_GOVERN] = lap_ms(&t0);
		crash_point(c, PW_STAGE_GOVERN, false);
	}
	if (stage_due(c, &rc, stage, PW_STAGE_REPORTS, &renewed, e)) {
		rc = stage_reports(c, &season, round, snap, facts, n_facts, staged, e);
		stage_events(published, staged, rc);
		out->stage_ms[PW_STAGE_REPORTS] = lap_ms(&t0);
		crash_point(c, PW_STAGE_REPORTS, false);
	}
	if (stage_due(c, &rc, stage, PW_STAGE_DONE, &renewed, e)) {
		char *kept = snapshot_kept(snap, snapshot);
		rc = stage_advance(c, &season, round, kept, staged, e);
		free(kept);
		stage_events(published, staged, rc);
		out->stage_ms[PW_STAGE_DONE] = lap_ms(&t0);
		crash_point(c, PW_STAGE_DONE, false);
	}
	cJSON_Delete(staged);
	cJSON_Delete(snap);
	free(facts);
	free(snapshot);
	if (rc < 0)
		name_round(e, rc, round);
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
	lock_release(c, s);
	return rc;
}

int round_in_progress(pw_store_t *s)
{
	pw_season_row_t season;
	int have = season_current(s, &season);
	if (have <= 0 || !strcmp(season.phase, "complete"))
		return have;
	int stage = 0;
	char *snap = NULL;
	int got = store_progress_get(s, season.id, season.current_round + 1, &stage, &snap);
	free(snap);
	return got < 0 ? -1 : got == 1 && stage > 0 && stage < PW_STAGE_DONE;
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
	round_play_game_t pg; /* one game at a time, its result reused */
	round_play_game_init(&pg);
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
		pg.hash[0] = 0;
		if (ok && fx.n > 0 && (row.season_id != meta_season || row.round != meta_round)) {
			/* The metadata the tick's games read, from its snapshot. */
			char *snap_txt = NULL;
			int stage = 0;
			store_progress_get(s, row.season_id, row.round, &stage, &snap_txt);
			cJSON *snap = snap_txt ? cJSON_Parse(snap_txt) : NULL;
			free(snap_txt);
			round_play_cfg_t pc = play_cfg(c, &fx);
			round_play_meta_begin(&pc, cJSON_GetObjectItem(snap, "meta"));
			cJSON_Delete(snap);
			meta_season = row.season_id;
			meta_round = row.round;
		}
		if (ok) {
			cJSON *meta = cJSON_CreateArray();
			round_play_cfg_t pc = play_cfg(c, &fx);
			pg.home = &ht;
			pg.away = &at;
			pg.index = row.game_index;
			pg.id = round_play_game_id(row.season_id, row.round, row.game_index);
			pg.seed = row.seed;
			ok = round_play_game(&pc, 0, row.round, &r, &pg, meta) == 0;
			cJSON_Delete(meta);
		}
		if (!ok || strcmp(pg.hash, row.hash)) {
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
	round_play_game_free(&pg);
	free(ids);
	return bad;
}
