/*
 * events.c — everything generated from the PW_EVENTS table (see events.h).
 */
#include "core/league/events.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* One array of fields per row, named after the row's constant; the last
 * element only keeps the array non-empty for a row with no field. */
#define EV_REQUIRED(name, type) {#name, PW_EVF_##type, true},
#define EV_OPTIONAL(name, type) {#name, PW_EVF_##type, false},
#define EV_FIELDS(id, wire, agg, fold, fields) \
	static const pw_event_field_t fields_##id[] = {fields{NULL, PW_EVF_INT, false}};
PW_EVENTS(EV_FIELDS, EV_REQUIRED, EV_OPTIONAL)
#undef EV_FIELDS
#undef EV_OPTIONAL
#undef EV_REQUIRED

typedef struct ev_row {
	const char *name;
	const char *agg;
	const char *fold; /* the handler's name in the table, "none" for none */
	const pw_event_field_t *fields;
	size_t n_fields;
} ev_row_t;

static const ev_row_t rows[PW_EV_COUNT] = {
#define EV_ROW(id, wire, agg, fold, fields) \
	[PW_EV_##id] = {wire, agg, #fold, fields_##id, sizeof fields_##id / sizeof fields_##id[0] - 1},
	PW_EVENTS(EV_ROW, , )
#undef EV_ROW
};

static const ev_row_t *row(pw_event_type_t t)
{
	return (int)t >= 0 && t < PW_EV_COUNT ? &rows[t] : NULL;
}

const char *event_name(pw_event_type_t t)
{
	const ev_row_t *r = row(t);
	return r ? r->name : NULL;
}

pw_event_type_t event_find(const char *name)
{
	/* A linear scan: about thirty short names, once per folded event. */
	for (int i = 0; name && i < PW_EV_COUNT; i++)
		if (!strcmp(rows[i].name, name))
			return (pw_event_type_t)i;
	return PW_EV_UNKNOWN;
}

const char *event_aggregate(pw_event_type_t t)
{
	const ev_row_t *r = row(t);
	return r ? r->agg : NULL;
}

bool event_folded(pw_event_type_t t)
{
	const ev_row_t *r = row(t);
	return r && strcmp(r->fold, "none") != 0;
}

const pw_event_field_t *event_fields(pw_event_type_t t, size_t *n)
{
	const ev_row_t *r = row(t);
	*n = r ? r->n_fields : 0;
	return r ? r->fields : NULL;
}

const char *event_field_type_name(pw_event_field_type_t type)
{
	switch (type) {
	case PW_EVF_INT: return "int";
	case PW_EVF_NUM: return "number";
	case PW_EVF_STR: return "string";
	case PW_EVF_BOOL: return "bool";
	case PW_EVF_OBJ: return "object";
	case PW_EVF_ARR: return "array";
	}
	return "?";
}

static bool has_type(const cJSON *v, pw_event_field_type_t type)
{
	switch (type) {
	case PW_EVF_INT:
		return cJSON_IsNumber(v) && isfinite(v->valuedouble) && v->valuedouble == floor(v->valuedouble);
	case PW_EVF_NUM: return cJSON_IsNumber(v);
	case PW_EVF_STR: return cJSON_IsString(v);
	case PW_EVF_BOOL: return cJSON_IsBool(v);
	case PW_EVF_OBJ: return cJSON_IsObject(v);
	case PW_EVF_ARR: return cJSON_IsArray(v);
	}
	return false;
}

int event_check(pw_event_type_t t, const cJSON *payload, char *err, size_t errlen)
{
	const ev_row_t *r = row(t);
	if (!r) {
		snprintf(err, errlen, "%d is not an event type", (int)t);
		return -1;
	}
	if (payload && !cJSON_IsObject(payload)) {
		snprintf(err, errlen, "%s: the payload is not an object", r->name);
		return -1;
	}
	for (size_t i = 0; i < r->n_fields; i++) {
		const pw_event_field_t *f = &r->fields[i];
		const cJSON *v = payload ? cJSON_GetObjectItemCaseSensitive(payload, f->name) : NULL;
		if (!v && f->required) {
			snprintf(err, errlen, "%s: the payload has no %s", r->name, f->name);
			return -1;
		}
		if (v && !has_type(v, f->type)) {
			snprintf(err, errlen, "%s: %s must be %s %s", r->name, f->name,
				 f->type == PW_EVF_INT || f->type == PW_EVF_ARR || f->type == PW_EVF_OBJ ? "an" : "a",
				 event_field_type_name(f->type));
			return -1;
		}
	}
	/* A field the row does not name is most often a misspelt one, which the
	 * fold would read as absent. */
	const cJSON *v;
	cJSON_ArrayForEach(v, payload) {
		size_t i = 0;
		while (i < r->n_fields && strcmp(r->fields[i].name, v->string) != 0)
			i++;
		if (i == r->n_fields) {
			snprintf(err, errlen, "%s: the payload has a field %s its row does not name", r->name,
				 v->string);
			return -1;
		}
	}
	return 0;
}
