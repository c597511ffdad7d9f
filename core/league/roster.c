/*
 * roster.c — team/hooper/strategy JSON.
 */
#include "core/league/roster.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "core/sim/moves.h"

cJSON *roster_strategy_to_json(const pw_strategy_t *s)
{
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return NULL;
	cJSON_AddNumberToObject(o, "three_bias", s->three_bias);
	cJSON_AddNumberToObject(o, "rim_bias", s->rim_bias);
	cJSON_AddNumberToObject(o, "mid_bias", s->mid_bias);
	cJSON_AddNumberToObject(o, "pace", s->pace);
	cJSON_AddNumberToObject(o, "defensive_intensity", s->defensive_intensity);
	cJSON_AddNumberToObject(o, "preferred_scheme", s->preferred_scheme);
	cJSON_AddNumberToObject(o, "scheme_when", s->scheme_when);
	return o;
}

static double num(const cJSON *o, const char *k, double def)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsNumber(v) ? v->valuedouble : def;
}

static const char *str(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

int roster_strategy_from_json(pw_strategy_t *s, const cJSON *o)
{
	teams_strategy_default(s);
	if (!cJSON_IsObject(o))
		return -1;
	s->three_bias = num(o, "three_bias", 0);
	s->rim_bias = num(o, "rim_bias", 0);
	s->mid_bias = num(o, "mid_bias", 0);
	s->pace = num(o, "pace", 0);
	s->defensive_intensity = num(o, "defensive_intensity", 0);
	s->preferred_scheme = (int)num(o, "preferred_scheme", -1);
	s->scheme_when = (pw_scheme_when_t)(int)num(o, "scheme_when", 0);
	return 0;
}

cJSON *roster_hooper_to_json(const pw_hooper_t *h)
{
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return NULL;
	cJSON_AddNumberToObject(o, "id", h->id);
	cJSON_AddNumberToObject(o, "team_id", h->team_id);
	cJSON_AddStringToObject(o, "name", h->name);
	const char *an = teams_archetype_name(h->archetype);
	cJSON_AddStringToObject(o, "archetype", an ? an : "");
	cJSON *attrs = cJSON_AddObjectToObject(o, "attributes");
	for (int i = 0; i < PW_ATTR_COUNT; i++)
		cJSON_AddNumberToObject(attrs, teams_attr_name(i), h->attr[i]);
	cJSON_AddBoolToObject(o, "is_starter", h->is_starter);
	cJSON *mv = cJSON_AddArrayToObject(o, "moves");
	for (int i = 0; i < h->n_moves && i < PW_MAX_MOVES; i++) {
		const pw_move_def_t *d = moves_def(h->moves[i]);
		cJSON_AddItemToArray(mv, cJSON_CreateString(d ? d->name : ""));
	}
	cJSON_AddStringToObject(o, "backstory", h->backstory);
	return o;
}

cJSON *roster_team_to_json(const pw_team_t *t)
{
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return NULL;
	cJSON_AddNumberToObject(o, "id", t->id);
	cJSON_AddStringToObject(o, "name", t->name);
	cJSON_AddStringToObject(o, "color", t->color);
	cJSON_AddStringToObject(o, "color2", t->color2);
	cJSON_AddStringToObject(o, "motto", t->motto);
	cJSON *v = cJSON_AddObjectToObject(o, "venue");
	cJSON_AddStringToObject(v, "name", t->venue.name);
	cJSON_AddNumberToObject(v, "capacity", t->venue.capacity);
	cJSON_AddNumberToObject(v, "altitude_ft", t->venue.altitude_ft);
	cJSON_AddStringToObject(v, "surface", t->venue.surface);
	cJSON_AddNumberToObject(v, "lat", t->venue.lat);
	cJSON_AddNumberToObject(v, "lon", t->venue.lon);
	cJSON_AddItemToObject(o, "strategy", roster_strategy_to_json(&t->strategy));
	cJSON *hs = cJSON_AddArrayToObject(o, "hoopers");
	for (int i = 0; i < PW_ROSTER_SIZE; i++)
		cJSON_AddItemToArray(hs, roster_hooper_to_json(&t->hoopers[i]));
	return o;
}

static int copy_str(char *dst, size_t len, const cJSON *o, const char *k, char *err, size_t errlen)
{
	const char *s = str(o, k);
	if (!s) {
		snprintf(err, errlen, "\"%s\" is missing or not a string", k);
		return -1;
	}
	snprintf(dst, len, "%s", s);
	return 0;
}

int roster_team_from_json(pw_team_t *t, const cJSON *o, char *err, size_t errlen)
{
	memset(t, 0, sizeof *t);
	if (!cJSON_IsObject(o)) {
		snprintf(err, errlen, "a team must be an object");
		return -1;
	}
	t->id = (int)num(o, "id", 0);
	if (t->id <= 0) {
		snprintf(err, errlen, "a team needs a positive \"id\"");
		return -1;
	}
	if (copy_str(t->name, sizeof t->name, o, "name", err, errlen) < 0)
		return -1;
	copy_str(t->color, sizeof t->color, o, "color", err, errlen);
	copy_str(t->color2, sizeof t->color2, o, "color2", err, errlen);
	copy_str(t->motto, sizeof t->motto, o, "motto", err, errlen);
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "venue");
	if (cJSON_IsObject(v)) {
		copy_str(t->venue.name, sizeof t->venue.name, v, "name", err, errlen);
		t->venue.capacity = (int)num(v, "capacity", 5000);
		t->venue.altitude_ft = (int)num(v, "altitude_ft", 0);
		if (copy_str(t->venue.surface, sizeof t->venue.surface, v, "surface", err, errlen) < 0)
			snprintf(t->venue.surface, sizeof t->venue.surface, "hardwood");
		t->venue.lat = num(v, "lat", 0);
		t->venue.lon = num(v, "lon", 0);
	}
	roster_strategy_from_json(&t->strategy, cJSON_GetObjectItemCaseSensitive(o, "strategy"));
	const cJSON *hs = cJSON_GetObjectItemCaseSensitive(o, "hoopers");
	if (!cJSON_IsArray(hs) || cJSON_GetArraySize(hs) != PW_ROSTER_SIZE) {
		snprintf(err, errlen, "team %d needs exactly %d hoopers", t->id, PW_ROSTER_SIZE);
		return -1;
	}
	int i = 0;
	const cJSON *h;
	cJSON_ArrayForEach(h, hs) {
		pw_hooper_t *p = &t->hoopers[i++];
		p->id = (int)num(h, "id", 0);
		p->team_id = t->id;
		if (copy_str(p->name, sizeof p->name, h, "name", err, errlen) < 0)
			return -1;
		const char *an = str(h, "archetype");
		int a = teams_archetype_find(an);
		p->archetype = a < 0 ? PW_ARCH_SHARPSHOOTER : (pw_archetype_t)a;
		const cJSON *attrs = cJSON_GetObjectItemCaseSensitive(h, "attributes");
		for (int k = 0; k < PW_ATTR_COUNT; k++)
			p->attr[k] = (int)num(attrs, teams_attr_name(k), 50);
		/* After trades the slot order is the truth: the first
		 * PW_ON_FLOOR hoopers start, whatever the stored flag says. */
		p->is_starter = i - 1 < PW_ON_FLOOR;
		const cJSON *mv = cJSON_GetObjectItemCaseSensitive(h, "moves"), *m;
		cJSON_ArrayForEach(m, mv) {
			int id = cJSON_IsString(m) ? moves_find(m->valuestring) : -1;
			if (id >= 0 && p->n_moves < PW_MAX_MOVES)
				p->moves[p->n_moves++] = (pw_move_id_t)id;
		}
		copy_str(p->backstory, sizeof p->backstory, h, "backstory", err, errlen);
	}
	err[0] = 0;
	return 0;
}
