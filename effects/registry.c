/*
 * registry.c — the active effect set, rebuilt from effect.* events (never
 * from mutable state), and the event payloads themselves.
 *
 * Payloads (JSON, the `payload` column of governance_events):
 *   effect.registered {"effect_id", "proposal_id", "name", "source", "sha256",
 *                      "lifetime": "permanent" | "one_game" | {"rounds": N},
 *                      "hooks": ["sim.shot.pre", ...], "start_round"}
 *   effect.expired / effect.repealed / effect.disabled / effect.enabled
 *                     {"effect_id", "round", "reason"?}
 * An effect is active in round R when start_round <= R <= end_round and no
 * expired/repealed event at or before R ends it, and it is not disabled
 * (the last of disabled/enabled at or before R decides).
 */
#include "effects/fx_int.h"

#include <cJSON.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sha256.h"

void fx_registry_free(fx_registry_t *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++)
		fx_script_free(r->items[i].script);
	free(r->items);
	memset(r, 0, sizeof *r);
}

static fx_registered_t *find(fx_registry_t *r, const char *id)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->items[i].id, id) == 0)
			return &r->items[i];
	return NULL;
}

static int end_round(fx_lifetime_t lt, int start)
{
	if (lt.kind == FX_LIFE_ONE_GAME)
		return start;
	if (lt.kind == FX_LIFE_ROUNDS)
		return start + lt.rounds - 1;
	return INT_MAX;
}

static const char *str_field(const cJSON *o, const char *k)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(it) ? it->valuestring : NULL;
}

int fx_registry_build(fx_registry_t *r, const fx_event_t *ev, size_t n, char *err, size_t errlen)
{
	memset(r, 0, sizeof *r);
	for (size_t i = 0; i < n; i++) {
		const char *type = ev[i].type ? ev[i].type : "";
		const cJSON *p = ev[i].payload;
		const char *id = str_field(p, "effect_id");
		if (strncmp(type, "effect.", 7) != 0)
			continue;
		if (!id || !*id || strlen(id) >= PW_EFFECT_ID_MAX) {
			snprintf(err, errlen, "event %zu (%s): effect_id missing or too long", i, type);
			goto fail;
		}
		if (!strcmp(type, "effect.registered")) {
			const char *src = str_field(p, "source"), *sha = str_field(p, "sha256");
			const cJSON *sr = cJSON_GetObjectItemCaseSensitive(p, "start_round");
			if (!src || !sha || !cJSON_IsNumber(sr)) {
				snprintf(err, errlen, "event %zu (effect.registered %s): source, sha256 and "
					 "start_round are required", i, id);
				goto fail;
			}
			if (find(r, id)) {
				snprintf(err, errlen, "event %zu: effect %s is registered twice", i, id);
				goto fail;
			}
			char hex[65];
			sha256_hex(src, strlen(src), hex);
			if (strcmp(hex, sha) != 0) {
				snprintf(err, errlen, "event %zu (effect.registered %s): sha256 does not match "
					 "the source", i, id);
				goto fail;
			}
			if (r->n == r->cap) {
				size_t cap = r->cap ? r->cap * 2 : 8;
				fx_registered_t *q = realloc(r->items, cap * sizeof *q);
				if (!q) {
					snprintf(err, errlen, "out of memory");
					goto fail;
				}
				r->items = q;
				r->cap = cap;
			}
			fx_registered_t *e = &r->items[r->n++];
			memset(e, 0, sizeof *e);
			snprintf(e->id, sizeof e->id, "%s", id);
			const char *pid = str_field(p, "proposal_id");
			const cJSON *pidn = cJSON_GetObjectItemCaseSensitive(p, "proposal_id");
			if (pid)
				snprintf(e->proposal_id, sizeof e->proposal_id, "%s", pid);
			else if (cJSON_IsNumber(pidn))
				snprintf(e->proposal_id, sizeof e->proposal_id, "%.0f", pidn->valuedouble);
			e->start_round = (int)sr->valuedouble;
			char msg[FX_ERR_MAX];
			if (fx_script_load(src, strlen(src), &e->script, msg, sizeof msg) < 0) {
				e->script = NULL;
				e->disabled = true; /* kept so the league can report it */
				e->end_round = e->start_round - 1;
				continue;
			}
			e->lifetime = fx_script_lifetime(e->script);
			e->end_round = end_round(e->lifetime, e->start_round);
			continue;
		}
		fx_registered_t *e = find(r, id);
		if (!e) {
			snprintf(err, errlen, "event %zu (%s): no effect %s was registered", i, type, id);
			goto fail;
		}
		int round = ev[i].round;
		const cJSON *rr = cJSON_GetObjectItemCaseSensitive(p, "round");
		if (cJSON_IsNumber(rr))
			round = (int)rr->valuedouble;
		if (!strcmp(type, "effect.expired")) {
			e->expired = true;
			if (round < e->end_round)
				e->end_round = round;
		} else if (!strcmp(type, "effect.repealed")) {
			e->repealed = true;
			/* a repeal takes effect from the next round */
			if (round < e->end_round)
				e->end_round = round;
		} else if (!strcmp(type, "effect.disabled")) {
			e->disabled = true;
		} else if (!strcmp(type, "effect.enabled")) {
			e->disabled = !e->script;
		} else {
			snprintf(err, errlen, "event %zu: unknown effect event type %s", i, type);
			goto fail;
		}
	}
	return 0;
fail:
	fx_registry_free(r);
	return -1;
}

int fx_registry_active(const fx_registry_t *r, int round, fx_effect_t *out, int max)
{
	int k = 0;
	for (size_t i = 0; i < r->n && k < max; i++) {
		const fx_registered_t *e = &r->items[i];
		if (e->script && !e->disabled && e->start_round <= round && round <= e->end_round)
			out[k++] = (fx_effect_t){e->id, e->script};
	}
	return k;
}

int fx_registry_expiring(const fx_registry_t *r, int round, const char **ids, int max)
{
	int k = 0;
	for (size_t i = 0; i < r->n && k < max; i++) {
		const fx_registered_t *e = &r->items[i];
		if (e->script && !e->expired && !e->repealed && e->end_round == round)
			ids[k++] = e->id;
	}
	return k;
}

cJSON *fx_event_registered(const char *effect_id, const char *proposal_id, const fx_script_t *s,
			   int start_round)
{
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "effect_id", effect_id);
	cJSON_AddStringToObject(o, "proposal_id", proposal_id ? proposal_id : "");
	cJSON_AddStringToObject(o, "name", s->name);
	cJSON_AddStringToObject(o, "source", s->src);
	cJSON_AddStringToObject(o, "sha256", s->sha);
	if (s->life.kind == FX_LIFE_ROUNDS) {
		cJSON *l = cJSON_AddObjectToObject(o, "lifetime");
		cJSON_AddNumberToObject(l, "rounds", s->life.rounds);
	} else {
		cJSON_AddStringToObject(o, "lifetime", s->life.kind == FX_LIFE_ONE_GAME ? "one_game" : "permanent");
	}
	cJSON *h = cJSON_AddArrayToObject(o, "hooks");
	for (int i = 0; i < FX_HOOK_COUNT; i++)
		if (s->hooks & (1u << i))
			cJSON_AddItemToArray(h, cJSON_CreateString(fx_hook_name(i)));
	cJSON_AddNumberToObject(o, "start_round", start_round);
	return o;
}

cJSON *fx_event_simple(const char *effect_id, int round, const char *reason)
{
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "effect_id", effect_id);
	cJSON_AddNumberToObject(o, "round", round);
	if (reason)
		cJSON_AddStringToObject(o, "reason", reason);
	return o;
}

int fx_failures_note(fx_failures_t *f, const char *effect_id, bool failed)
{
	int i = 0;
	while (i < f->n && strcmp(f->e[i].id, effect_id) != 0)
		i++;
	if (i == f->n) {
		if (f->n == (int)(sizeof f->e / sizeof f->e[0]))
			return failed ? 1 : 0;
		snprintf(f->e[i].id, sizeof f->e[i].id, "%s", effect_id);
		f->e[i].streak = 0;
		f->n++;
	}
	f->e[i].streak = failed ? f->e[i].streak + 1 : 0;
	return f->e[i].streak;
}
