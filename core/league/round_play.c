/*
 * round_play.c — one round of games with its effect hooks (see round_play.h).
 */
#include "core/league/round_play.h"

#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/sim/result.h"
#include "effects/fx.h"

void round_play_game_init(round_play_game_t *g)
{
	memset(g, 0, sizeof *g);
	sim_result_init(&g->res);
}

void round_play_game_free(round_play_game_t *g)
{
	if (!g)
		return;
	sim_result_free(&g->res);
	cJSON_Delete(g->ran);
	cJSON_Delete(g->failed);
	g->ran = g->failed = NULL;
}

bool round_play_fx_on(const round_play_cfg_t *c)
{
	return c->fx && c->n_effects > 0;
}

void round_play_meta_begin(const round_play_cfg_t *c, const cJSON *meta)
{
	if (round_play_fx_on(c) && c->fx_extra && c->fx_extra->round_begin)
		c->fx_extra->round_begin(c->fx->ud, meta);
}

void round_play_hook(const round_play_cfg_t *c, const char *hook, const cJSON *ctx, cJSON *meta,
		     cJSON *ran, cJSON *failed)
{
	if (!round_play_fx_on(c) || !c->fx->round_hook)
		return;
	c->fx->round_hook(c->fx->ud, c->effects, c->n_effects, hook, ctx, meta);
	if (!c->fx_extra || !c->fx_extra->round_hook_failed)
		return;
	for (int i = 0; i < c->n_effects; i++) {
		int st = c->fx_extra->round_hook_failed(c->fx->ud, c->effects[i].id);
		if (st >= 0 && ran)
			cJSON_AddItemToArray(ran, cJSON_CreateString(c->effects[i].id));
		if (st > 0 && failed)
			cJSON_AddItemToArray(failed, cJSON_CreateString(c->effects[i].id));
	}
}

int round_play_game(const round_play_cfg_t *c, int worker, int round, const pw_rules_t *rules,
		    round_play_game_t *g, cJSON *meta_writes)
{
	pw_game_input_t in = {.game_id = g->id, .round = round, .seed = g->seed, .home = g->home,
			      .away = g->away, .rules = rules, .hooks = NULL};
	const pw_fx_provider_t *p = round_play_fx_on(c) ? c->fx : NULL;
	const pw_fx_extra_t *x = p && c->fx_extra && c->fx_extra->game_begin_on && c->fx_extra->game_end_on
					 ? c->fx_extra : NULL;
	bool on = p && (x ? worker < x->workers : worker == 0);
	int rc = 0;
	if (on && x)
		rc = x->game_begin_on(p->ud, worker, c->effects, c->n_effects, &in, &in.hooks);
	else if (on && p->game_begin)
		rc = p->game_begin(p->ud, c->effects, c->n_effects, &in, &in.hooks);
	if (rc < 0)
		in.hooks = NULL;
	int (*sim)(const pw_game_input_t *, pw_game_result_t *) = c->sim ? c->sim : sim_game;
	if (sim(&in, &g->res) < 0)
		return -1;
	if (on && x)
		x->game_end_on(p->ud, worker, &g->res, meta_writes);
	else if (on && p->game_end)
		p->game_end(p->ud, &g->res, meta_writes);
	result_hash(&g->res, g->hash);
	return 0;
}

/* ---- the games, possibly on several threads ---- */

/* A game's writes, kept apart so they can be merged in sequential order. */
typedef struct slot {
	cJSON *pre, *game, *post;
	int rc;
} slot_t;

typedef struct gwork {
	const round_play_cfg_t *c;
	const pw_rules_t *rules;
	round_play_game_t *games;
	slot_t *slots;
	int n, worker, stride, round;
} gwork_t;

static void *gwork_run(void *arg)
{
	gwork_t *w = arg;
	for (int i = w->worker; i < w->n; i += w->stride)
		w->slots[i].rc = round_play_game(w->c, w->worker, w->round, w->rules, &w->games[i],
						 w->slots[i].game);
	return NULL;
}

#define MAX_THREADS 16

/*
 * Simulates every game. Games are independent (each reads the round's
 * metadata, none sees another's writes), so which thread plays which game
 * cannot change any result: worker w takes games w, w+W, ...
 */
static void simulate_all(const round_play_cfg_t *c, const pw_rules_t *rules, round_play_game_t *games,
			 slot_t *slots, int n, int round)
{
	int want = c->parallel_games > 1 ? c->parallel_games : 1;
	const pw_fx_extra_t *x = c->fx_extra;
	if (round_play_fx_on(c))
		want = x && x->game_begin_on && x->game_end_on ? (want < x->workers ? want : x->workers) : 1;
	if (want > n)
		want = n;
	if (want < 1)
		want = 1;
	if (want > MAX_THREADS)
		want = MAX_THREADS;
	gwork_t w[MAX_THREADS];
	pthread_t th[MAX_THREADS];
	bool started[MAX_THREADS] = {0};
	for (int k = 0; k < want; k++) {
		w[k] = (gwork_t){c, rules, games, slots, n, k, want, round};
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

/* ---- the contexts ---- */

/* ctx.game before the game: who plays, and where in the round. */
static cJSON *game_view(int round, const round_play_game_t *g)
{
	cJSON *v = cJSON_CreateObject();
	cJSON_AddNumberToObject(v, "id", (double)g->id);
	cJSON_AddNumberToObject(v, "round", round);
	cJSON_AddNumberToObject(v, "index", g->index);
	cJSON_AddNumberToObject(v, "home_team_id", g->home->id);
	cJSON_AddNumberToObject(v, "away_team_id", g->away->id);
	return v;
}

static cJSON *game_ctx(int round, const cJSON *rules, const round_play_game_t *g)
{
	cJSON *ctx = cJSON_CreateObject();
	cJSON_AddNumberToObject(ctx, "round", round);
	/* Shared by reference: every hook of the round reads the same rules. */
	cJSON_AddItemReferenceToObject(ctx, "rules", (cJSON *)rules);
	cJSON_AddItemToObject(ctx, "game", game_view(round, g));
	return ctx;
}

/* After the game: its score, winner and margin in ctx.game (spec) and
 * flat on ctx, where earlier runner versions gave them. */
static cJSON *game_post_ctx(int round, const cJSON *rules, const round_play_game_t *g)
{
	cJSON *ctx = game_ctx(round, rules, g);
	const pw_game_result_t *r = &g->res;
	int64_t winner = r->winner == 0 ? g->home->id : g->away->id;
	int margin = abs(r->home_score - r->away_score);
	cJSON *gv = cJSON_GetObjectItem(ctx, "game");
	cJSON_AddNumberToObject(gv, "home_score", r->home_score);
	cJSON_AddNumberToObject(gv, "away_score", r->away_score);
	cJSON_AddNumberToObject(gv, "winner_team_id", (double)winner);
	cJSON_AddNumberToObject(gv, "margin", margin);
	cJSON_AddNumberToObject(ctx, "home_team_id", g->home->id);
	cJSON_AddNumberToObject(ctx, "away_team_id", g->away->id);
	cJSON_AddNumberToObject(ctx, "home_score", r->home_score);
	cJSON_AddNumberToObject(ctx, "away_score", r->away_score);
	cJSON_AddNumberToObject(ctx, "winner_team_id", (double)winner);
	cJSON_AddNumberToObject(ctx, "margin", margin);
	return ctx;
}

static cJSON *standings_of(const round_play_round_t *r, int before_round, const pw_stand_game_t *extra,
			   int n_extra)
{
	return r->standings ? r->standings(r->standings_ud, before_round, extra, n_extra) : NULL;
}

/* ctx.standings after the round: its regular games count, though the
 * caller stores them only later. */
static cJSON *standings_after(const round_play_round_t *r, const round_play_game_t *games, int n)
{
	pw_stand_game_t *played = calloc((size_t)n + 1, sizeof *played);
	int np = 0;
	for (int i = 0; played && i < n; i++)
		if (games[i].regular)
			played[np++] = (pw_stand_game_t){games[i].home->id, games[i].away->id,
							 games[i].res.home_score, games[i].res.away_score};
	cJSON *st = standings_of(r, r->round + 1, played, np);
	free(played);
	return st;
}

/* Appends every item of from (emptied) to to, keeping the order. */
static void move_items(cJSON *to, cJSON *from)
{
	cJSON *it;
	while (from && (it = cJSON_DetachItemFromArray(from, 0)) != NULL)
		cJSON_AddItemToArray(to, it);
}

int round_play(const round_play_cfg_t *c, const round_play_round_t *r, round_play_game_t *games,
	       int n, cJSON *meta, int *failed_game)
{
	if (failed_game)
		*failed_game = -1;
	cJSON *own_rules = r->rules_json ? NULL : rules_to_json(r->rules);
	const cJSON *rules = r->rules_json ? r->rules_json : own_rules;
	slot_t *slots = calloc((size_t)n + 1, sizeof *slots);
	if (!slots || !rules) {
		free(slots);
		cJSON_Delete(own_rules);
		return -1;
	}
	round_play_meta_begin(c, r->meta);
	/* Without effects no hook runs, so no ctx is built: the standings
	 * alone (read from the store twice a round) cost more than the games. */
	bool hooks = round_play_fx_on(c) && c->fx->round_hook;
	cJSON *rctx = NULL;
	if (hooks) {
		rctx = cJSON_CreateObject();
		cJSON_AddNumberToObject(rctx, "round", r->round);
		cJSON_AddItemReferenceToObject(rctx, "rules", (cJSON *)rules);
		/* ctx.standings: before the round, the games of earlier rounds. */
		cJSON_AddItemToObject(rctx, "standings", standings_of(r, r->round, NULL, 0));
		round_play_hook(c, "round.pre", rctx, meta, NULL, NULL);
	}
	for (int i = 0; i < n; i++) {
		slot_t *s = &slots[i];
		s->pre = cJSON_CreateArray();
		s->game = cJSON_CreateArray();
		s->post = cJSON_CreateArray();
		if (!games[i].ran)
			games[i].ran = cJSON_CreateArray();
		if (!games[i].failed)
			games[i].failed = cJSON_CreateArray();
		if (!hooks)
			continue;
		cJSON *gctx = game_ctx(r->round, rules, &games[i]);
		round_play_hook(c, "round.game.pre", gctx, s->pre, games[i].ran, games[i].failed);
		cJSON_Delete(gctx);
	}
	simulate_all(c, r->rules, games, slots, n, r->round);
	int rc = 0;
	for (int i = 0; i < n; i++) {
		if (slots[i].rc < 0) {
			rc = -1;
			if (failed_game)
				*failed_game = i;
			break;
		}
		if (hooks) {
			cJSON *gctx = game_post_ctx(r->round, rules, &games[i]);
			round_play_hook(c, "round.game.post", gctx, slots[i].post, games[i].ran, games[i].failed);
			cJSON_Delete(gctx);
		}
		move_items(meta, slots[i].pre);
		move_items(meta, slots[i].game);
		move_items(meta, slots[i].post);
	}
	if (rc == 0 && hooks) {
		cJSON_ReplaceItemInObject(rctx, "standings", standings_after(r, games, n));
		round_play_hook(c, "round.post", rctx, meta, NULL, NULL);
	}
	cJSON_Delete(rctx);
	for (int i = 0; i < n; i++) {
		cJSON_Delete(slots[i].pre);
		cJSON_Delete(slots[i].game);
		cJSON_Delete(slots[i].post);
	}
	free(slots);
	cJSON_Delete(own_rules);
	return rc;
}

int64_t round_play_game_id(int64_t season_id, int round, int index)
{
	return season_id * 1000000 + (int64_t)round * 100 + index;
}

/* ---- metadata writes ---- */

bool round_play_meta_target(const cJSON *w, const char **kind, int64_t *id)
{
	const cJSON *k = cJSON_GetObjectItem(w, "kind"), *i = cJSON_GetObjectItem(w, "id");
	if (!cJSON_IsString(k) || !cJSON_IsNumber(i) || !cJSON_IsString(cJSON_GetObjectItem(w, "key")) ||
	    !cJSON_IsString(cJSON_GetObjectItem(w, "op")))
		return false;
	*kind = k->valuestring;
	*id = (int64_t)i->valuedouble;
	return true;
}

int round_play_meta_apply(cJSON *m, const cJSON *w)
{
	const char *kind;
	int64_t id;
	if (!cJSON_IsObject(m) || !round_play_meta_target(w, &kind, &id))
		return -1;
	const char *key = cJSON_GetObjectItem(w, "key")->valuestring;
	const char *op = cJSON_GetObjectItem(w, "op")->valuestring;
	const cJSON *val = cJSON_GetObjectItem(w, "value");
	cJSON *old = cJSON_GetObjectItem(m, key);
	cJSON *nv = NULL;
	if (!strcmp(op, "incr")) {
		double base = cJSON_IsNumber(old) ? old->valuedouble : 0;
		nv = cJSON_CreateNumber(base + (cJSON_IsNumber(val) ? val->valuedouble : 1));
	} else if (!strcmp(op, "toggle")) {
		nv = cJSON_CreateBool(!cJSON_IsTrue(old));
	} else if (val && !cJSON_IsNull(val)) {
		nv = cJSON_Duplicate(val, 1);
	} else {
		if (old)
			cJSON_DeleteItemFromObject(m, key); /* set to nil deletes */
		return 0;
	}
	if (!nv)
		return -1;
	bool ok = old ? cJSON_ReplaceItemInObject(m, key, nv) : cJSON_AddItemToObject(m, key, nv);
	if (!ok) {
		cJSON_Delete(nv);
		return -1;
	}
	return 0;
}

/* What one key and its value count towards FX_META_ENTITY_BYTES, as
 * fx_meta_entry_bytes counts them: the key, plus a string's bytes or 8. */
static int64_t entry_bytes(const cJSON *item)
{
	if (!item)
		return 0;
	int64_t k = item->string ? (int64_t)strlen(item->string) : 0;
	return k + (cJSON_IsString(item) ? (int64_t)strlen(item->valuestring) : 8);
}

/* A write's place in the round: its entity, then its order. */
typedef struct meta_slot {
	const cJSON *w;
	const char *kind;
	int64_t id;
	size_t order;
} meta_slot_t;

static int slot_cmp(const void *a, const void *b)
{
	const meta_slot_t *x = a, *y = b;
	int c = strcmp(x->kind, y->kind);
	if (c)
		return c;
	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* Applies the writes slots[0..n) (one entity's, in order) to its object m
 * within the caps. -1 when memory ran out. */
static int apply_entity(cJSON *m, const meta_slot_t *slots, size_t n)
{
	int64_t keys = 0, bytes = 0;
	const cJSON *it;
	cJSON_ArrayForEach(it, m) {
		keys++;
		bytes += entry_bytes(it);
	}
	for (size_t i = 0; i < n; i++) {
		const char *key = cJSON_GetObjectItem(slots[i].w, "key")->valuestring;
		const cJSON *old = cJSON_GetObjectItemCaseSensitive(m, key);
		int64_t before = entry_bytes(old);
		cJSON *probe = cJSON_CreateObject();
		if (!probe)
			return -1;
		if (old) {
			cJSON *copy = cJSON_Duplicate(old, 1);
			if (!copy) {
				cJSON_Delete(probe);
				return -1;
			}
			cJSON_AddItemToObject(probe, key, copy);
		}
		/* the write on a one-key copy: what the key would hold */
		if (round_play_meta_apply(probe, slots[i].w) < 0) {
			cJSON_Delete(probe);
			continue;
		}
		const cJSON *after = cJSON_GetObjectItemCaseSensitive(probe, key);
		int64_t dk = (after != NULL) - (old != NULL), db = entry_bytes(after) - before;
		bool fits = (dk <= 0 || keys + dk <= FX_META_ENTITY_KEYS) &&
			    (db <= 0 || bytes + db <= FX_META_ENTITY_BYTES);
		cJSON_Delete(probe);
		if (!fits)
			continue;
		if (round_play_meta_apply(m, slots[i].w) < 0)
			return -1;
		keys += dk;
		bytes += db;
	}
	return 0;
}

int round_play_meta_apply_all(const cJSON *writes, const round_play_meta_io_t *io)
{
	size_t n = (size_t)cJSON_GetArraySize(writes), k = 0;
	meta_slot_t *slots = calloc(n + 1, sizeof *slots);
	if (!slots)
		return -1;
	const cJSON *w;
	cJSON_ArrayForEach(w, writes) {
		const char *kind;
		int64_t id;
		if (round_play_meta_target(w, &kind, &id))
			slots[k] = (meta_slot_t){w, kind, id, k}, k++;
	}
	qsort(slots, k, sizeof *slots, slot_cmp);
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < k;) {
		size_t j = i;
		while (j < k && !strcmp(slots[j].kind, slots[i].kind) && slots[j].id == slots[i].id)
			j++;
		cJSON *m = io->load(io->ud, slots[i].kind, slots[i].id);
		if (m) {
			rc = apply_entity(m, &slots[i], j - i);
			if (rc == 0)
				rc = io->save(io->ud, slots[i].kind, slots[i].id, m);
			else
				cJSON_Delete(m);
		}
		i = j;
	}
	free(slots);
	return rc;
}
