/*
 * provider.c — pw_fx_provider_t for the round runner (see provider.h).
 */
#include "effects/provider.h"

#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "core/sha256.h"

#define PROVIDER_CACHE 64

struct fx_provider {
	pw_fx_provider_t iface;
	fx_engine_t *games, *rounds;
	fx_meta_reader_t meta;
	struct {
		char sha[65];
		fx_script_t *s; /* NULL: the source did not validate */
	} cache[PROVIDER_CACHE];
	int n_cache, next_evict;
	fx_report_t report;
	size_t game_mark;
};

static void note_error(fx_provider_t *p, const char *id, const char *msg)
{
	fx_report_t *r = &p->report;
	r->n_errors_total++;
	if (r->n_errors >= FX_REPORT_ERRORS)
		return;
	if (r->n_errors == r->cap_errors) {
		size_t cap = r->cap_errors ? r->cap_errors * 2 : 8;
		fx_error_t *e = realloc(r->errors, cap * sizeof *e);
		if (!e)
			return;
		r->errors = e;
		r->cap_errors = cap;
	}
	fx_error_t *e = &r->errors[r->n_errors++];
	snprintf(e->effect_id, sizeof e->effect_id, "%s", id);
	snprintf(e->hook, sizeof e->hook, "load");
	snprintf(e->message, sizeof e->message, "%s", msg);
}

static const fx_script_t *script_for(fx_provider_t *p, const pw_fx_active_t *a)
{
	if (!a->source)
		return NULL;
	char sha[65];
	sha256_hex(a->source, strlen(a->source), sha);
	for (int i = 0; i < p->n_cache; i++)
		if (!strcmp(p->cache[i].sha, sha))
			return p->cache[i].s;
	char err[FX_ERR_MAX];
	fx_script_t *s = NULL;
	if (fx_script_load(a->source, strlen(a->source), &s, err, sizeof err) < 0) {
		note_error(p, a->id ? a->id : "?", err);
		s = NULL;
	}
	int slot;
	if (p->n_cache < PROVIDER_CACHE) {
		slot = p->n_cache++;
	} else { /* full: replace round-robin (a league has far fewer effects) */
		slot = p->next_evict++ % PROVIDER_CACHE;
		fx_script_free(p->cache[slot].s);
	}
	snprintf(p->cache[slot].sha, sizeof p->cache[slot].sha, "%s", sha);
	p->cache[slot].s = s;
	return s;
}

static int effects_of(fx_provider_t *p, const pw_fx_active_t *fx, int n, fx_effect_t *out)
{
	int k = 0;
	for (int i = 0; i < n && k < FX_MAX_EFFECTS; i++) {
		const fx_script_t *s = script_for(p, &fx[i]);
		if (s && fx[i].id)
			out[k++] = (fx_effect_t){fx[i].id, s};
	}
	return k;
}

/* Appends rep.meta.ops[from..] to the runner's JSON array. */
static void ops_to_json(const fx_report_t *rep, size_t from, cJSON *out)
{
	static const char *const ops[] = {"set", "incr", "toggle"};
	for (size_t i = from; out && i < rep->meta.n; i++) {
		const fx_meta_op_t *o = &rep->meta.ops[i];
		cJSON *w = cJSON_CreateObject();
		if (!w)
			return;
		cJSON_AddStringToObject(w, "kind", fx_meta_kind_name(o->k.kind));
		cJSON_AddNumberToObject(w, "id", (double)o->k.id);
		cJSON_AddStringToObject(w, "key", o->k.key);
		cJSON_AddStringToObject(w, "op", ops[o->op]);
		switch (o->v.type) {
		case FX_VAL_INT: cJSON_AddNumberToObject(w, "value", (double)o->v.i); break;
		case FX_VAL_NUM: cJSON_AddNumberToObject(w, "value", o->v.n); break;
		case FX_VAL_BOOL: cJSON_AddBoolToObject(w, "value", o->v.b); break;
		case FX_VAL_STR: cJSON_AddStringToObject(w, "value", o->v.s); break;
		default: cJSON_AddNullToObject(w, "value"); break;
		}
		cJSON_AddItemToArray(out, w);
	}
}

static int prov_game_begin(void *ud, const pw_fx_active_t *fx, int n, const pw_game_input_t *in,
			   const pw_hooks_t **hooks)
{
	fx_provider_t *p = ud;
	fx_effect_t effs[FX_MAX_EFFECTS];
	fx_session_setup_t s = {.game_id = in->game_id, .round = in->round, .seed = in->seed,
				.effects = effs, .n_effects = effects_of(p, fx, n, effs),
				.meta = p->meta};
	char err[FX_ERR_MAX];
	p->game_mark = p->report.meta.n;
	if (fx_game_begin(p->games, &s, hooks, err, sizeof err) < 0) {
		note_error(p, "engine", err);
		*hooks = NULL;
		return -1;
	}
	return 0;
}

static void prov_game_end(void *ud, pw_game_result_t *res, cJSON *meta_writes)
{
	fx_provider_t *p = ud;
	fx_game_end(p->games, res, &p->report);
	ops_to_json(&p->report, p->game_mark, meta_writes);
}

static void prov_round_hook(void *ud, const pw_fx_active_t *fx, int n, const char *hook,
			    const cJSON *ctx, cJSON *meta_writes)
{
	fx_provider_t *p = ud;
	fx_effect_t effs[FX_MAX_EFFECTS];
	const cJSON *r = cJSON_GetObjectItemCaseSensitive(ctx, "round");
	int round = cJSON_IsNumber(r) ? r->valueint : 0;
	fx_session_setup_t s = {.round = round, .seed = rng_hash_str(hook) ^ (uint64_t)round,
				.effects = effs, .n_effects = effects_of(p, fx, n, effs),
				.meta = p->meta};
	char err[FX_ERR_MAX];
	size_t mark = p->report.meta.n;
	if (fx_round_begin(p->rounds, &s, err, sizeof err) < 0) {
		note_error(p, "engine", err);
		return;
	}
	fx_round_hook(p->rounds, hook, ctx, NULL, NULL, 0);
	fx_round_end(p->rounds, &p->report);
	ops_to_json(&p->report, mark, meta_writes);
}

fx_provider_t *fx_provider_new(fx_meta_reader_t meta, char *err, size_t errlen)
{
	fx_provider_t *p = calloc(1, sizeof *p);
	if (!p) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	p->meta = meta;
	fx_report_init(&p->report);
	if (!(p->games = fx_engine_new(NULL, err, errlen)) ||
	    !(p->rounds = fx_engine_new(NULL, err, errlen))) {
		fx_provider_free(p);
		return NULL;
	}
	p->iface = (pw_fx_provider_t){p, prov_game_begin, prov_game_end, prov_round_hook};
	return p;
}

void fx_provider_free(fx_provider_t *p)
{
	if (!p)
		return;
	for (int i = 0; i < p->n_cache; i++)
		fx_script_free(p->cache[i].s);
	fx_engine_free(p->games);
	fx_engine_free(p->rounds);
	fx_report_free(&p->report);
	free(p);
}

const pw_fx_provider_t *fx_provider_iface(fx_provider_t *p)
{
	return &p->iface;
}

void fx_provider_take_report(fx_provider_t *p, fx_report_t *out)
{
	fx_report_free(out);
	*out = p->report;
	fx_report_init(&p->report);
}
