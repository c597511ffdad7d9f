/*
 * rules.c — everything generated from the PW_RULES table: defaults, lookup,
 * validation with messages a governor can act on, parsing and JSON.
 */
#include "core/sim/rules.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/sim/buf.h"
#include "core/sim/jsonw.h"

const pw_rule_def_t rules_defs[] = {
#define PW_RULE_ROW(name, type, lo, hi, def, tier, desc) \
	{#name, PW_RULE_##type, lo, hi, def, tier, desc, offsetof(pw_rules_t, name)},
	PW_RULES(PW_RULE_ROW)
#undef PW_RULE_ROW
};
const size_t rules_count = sizeof rules_defs / sizeof rules_defs[0];

const pw_rule_def_t *rules_find(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < rules_count; i++)
		if (strcmp(rules_defs[i].name, name) == 0)
			return &rules_defs[i];
	return NULL;
}

double rules_get(const pw_rules_t *r, const pw_rule_def_t *d)
{
	const char *p = (const char *)r + d->offset;
	switch (d->type) {
	case PW_RULE_INT: return *(const int *)p;
	case PW_RULE_FLOAT: return *(const double *)p;
	case PW_RULE_BOOL: return *(const bool *)p ? 1.0 : 0.0;
	}
	return 0;
}

static void store(pw_rules_t *r, const pw_rule_def_t *d, double v)
{
	char *p = (char *)r + d->offset;
	switch (d->type) {
	case PW_RULE_INT: *(int *)p = (int)v; break;
	case PW_RULE_FLOAT: *(double *)p = v; break;
	case PW_RULE_BOOL: *(bool *)p = v != 0; break;
	}
}

void rules_default(pw_rules_t *r)
{
	memset(r, 0, sizeof *r);
	for (size_t i = 0; i < rules_count; i++)
		store(r, &rules_defs[i], rules_defs[i].def);
}

void rules_format(const pw_rule_def_t *d, double v, char *buf, size_t len)
{
	switch (d->type) {
	case PW_RULE_INT:
		snprintf(buf, len, "%d", (int)v);
		return;
	case PW_RULE_BOOL:
		snprintf(buf, len, "%s", v != 0 ? "true" : "false");
		return;
	case PW_RULE_FLOAT:
		/* The shortest plain decimal that reads back as the same double
		 * ("30", "0.03"; never "3e+01", which people read as nothing). */
		for (int prec = 0; prec <= 17; prec++) {
			snprintf(buf, len, "%.*f", prec, v);
			if (strtod(buf, NULL) == v)
				return;
		}
		snprintf(buf, len, "%.17g", v); /* tiny values keep their exponent */
		return;
	}
}

void rules_words(const pw_rule_def_t *d, char *buf, size_t len)
{
	size_t i = 0;
	for (const char *c = d->name; *c && i + 1 < len; c++, i++) {
		char ch = *c == '_' ? ' ' : *c;
		buf[i] = i == 0 && ch >= 'a' && ch <= 'z' ? (char)(ch - 'a' + 'A') : ch;
	}
	if (len)
		buf[i] = '\0';
}

bool rules_odd_only(const pw_rule_def_t *d)
{
	static const char *const odd[] = {
#define PW_RULE_ODD_NAME(name) #name,
		PW_RULES_ODD_ONLY(PW_RULE_ODD_NAME)
#undef PW_RULE_ODD_NAME
	};
	for (size_t i = 0; d && i < sizeof odd / sizeof odd[0]; i++)
		if (!strcmp(d->name, odd[i]))
			return true;
	return false;
}

void rules_describe_range(const pw_rule_def_t *d, char *buf, size_t len)
{
	char lo[32], hi[32];
	rules_format(d, d->min, lo, sizeof lo);
	rules_format(d, d->max, hi, sizeof hi);
	switch (d->type) {
	case PW_RULE_INT:
		snprintf(buf, len, "%s from %s to %s", rules_odd_only(d) ? "an odd integer" : "an integer",
			 lo, hi);
		return;
	case PW_RULE_FLOAT:
		snprintf(buf, len, "a number from %s to %s", lo, hi);
		return;
	case PW_RULE_BOOL:
		snprintf(buf, len, "true or false");
		return;
	}
}

static int range_error(const pw_rule_def_t *d, const char *got, char *err, size_t errlen)
{
	char range[96];
	rules_describe_range(d, range, sizeof range);
	snprintf(err, errlen, "%s must be %s (got %s)", d->name, range, got);
	return -1;
}

int rules_check(const pw_rule_def_t *d, double v, char *err, size_t errlen)
{
	char got[48];
	snprintf(got, sizeof got, "%.17g", v);
	if (!isfinite(v))
		return range_error(d, got, err, errlen);
	if (d->type != PW_RULE_FLOAT && v != floor(v))
		return range_error(d, got, err, errlen);
	if (v < d->min || v > d->max)
		return range_error(d, got, err, errlen);
	if (rules_odd_only(d) && fmod(v, 2) == 0) {
		char range[96];
		rules_describe_range(d, range, sizeof range);
		snprintf(err, errlen, "%s must be %s (got %s): a best-of series needs an odd number "
			 "of games so that one team wins a majority", d->name, range, got);
		return -1;
	}
	return 0;
}

int rules_set(pw_rules_t *r, const pw_rule_def_t *d, double v, char *err, size_t errlen)
{
	if (rules_check(d, v, err, errlen) < 0)
		return -1;
	store(r, d, v);
	return 0;
}

int rules_parse_value(const pw_rule_def_t *d, const char *text, double *out,
		      char *err, size_t errlen)
{
	char shown[40];
	snprintf(shown, sizeof shown, "\"%.32s\"", text ? text : "");
	if (!text || !*text)
		return range_error(d, "nothing", err, errlen);
	if (d->type == PW_RULE_BOOL) {
		static const char *yes[] = {"true", "on", "yes", "1"};
		static const char *no[] = {"false", "off", "no", "0"};
		for (size_t i = 0; i < 4; i++) {
			if (strcasecmp(text, yes[i]) == 0) {
				*out = 1;
				return 0;
			}
			if (strcasecmp(text, no[i]) == 0) {
				*out = 0;
				return 0;
			}
		}
		return range_error(d, shown, err, errlen);
	}
	char *end;
	errno = 0;
	double v = strtod(text, &end);
	if (end == text || *end != '\0' || errno == ERANGE)
		return range_error(d, shown, err, errlen);
	if (rules_check(d, v, err, errlen) < 0)
		return -1;
	*out = v;
	return 0;
}

int rules_apply_assignment(pw_rules_t *r, const char *assignment, char *err, size_t errlen)
{
	const char *eq = assignment ? strchr(assignment, '=') : NULL;
	if (!eq || eq == assignment) {
		snprintf(err, errlen, "expected PARAM=VALUE, got \"%.64s\"",
			 assignment ? assignment : "");
		return -1;
	}
	char name[64];
	size_t n = (size_t)(eq - assignment);
	if (n >= sizeof name) {
		snprintf(err, errlen, "unknown rule parameter \"%.*s...\"", 40, assignment);
		return -1;
	}
	memcpy(name, assignment, n);
	name[n] = '\0';
	const pw_rule_def_t *d = rules_find(name);
	if (!d) {
		snprintf(err, errlen,
			 "unknown rule parameter \"%s\" (see `pinwheel sim --help` for the list)",
			 name);
		return -1;
	}
	double v;
	if (rules_parse_value(d, eq + 1, &v, err, errlen) < 0)
		return -1;
	store(r, d, v);
	return 0;
}

bool rules_equal(const pw_rules_t *a, const pw_rules_t *b)
{
	for (size_t i = 0; i < rules_count; i++)
		if (rules_get(a, &rules_defs[i]) != rules_get(b, &rules_defs[i]))
			return false;
	return true;
}

cJSON *rules_to_json(const pw_rules_t *r)
{
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return NULL;
	for (size_t i = 0; i < rules_count; i++) {
		const pw_rule_def_t *d = &rules_defs[i];
		double v = rules_get(r, d);
		cJSON *item = d->type == PW_RULE_BOOL ? cJSON_CreateBool(v != 0)
						      : cJSON_CreateNumber(v);
		if (!item || !cJSON_AddItemToObject(o, d->name, item)) {
			cJSON_Delete(item);
			cJSON_Delete(o);
			return NULL;
		}
	}
	return o;
}

void rules_write_json(const pw_rules_t *r, pw_buf_t *b)
{
	buf_append(b, "{", 1);
	for (size_t i = 0; i < rules_count; i++) {
		const pw_rule_def_t *d = &rules_defs[i];
		double v = rules_get(r, d);
		if (i)
			buf_append(b, ",", 1);
		jsonw_str(b, d->name);
		buf_append(b, ":", 1);
		if (d->type == PW_RULE_BOOL)
			buf_puts(b, v != 0 ? "true" : "false");
		else
			jsonw_num(b, v);
	}
	buf_append(b, "}", 1);
}

int rules_from_json(pw_rules_t *r, const cJSON *obj, char *err, size_t errlen)
{
	if (!cJSON_IsObject(obj)) {
		snprintf(err, errlen, "rules must be a JSON object");
		return -1;
	}
	pw_rules_t next = *r;
	const cJSON *item;
	cJSON_ArrayForEach(item, obj) {
		const pw_rule_def_t *d = rules_find(item->string);
		if (!d) {
			snprintf(err, errlen, "unknown rule parameter \"%.64s\"",
				 item->string ? item->string : "");
			return -1;
		}
		double v;
		if (d->type == PW_RULE_BOOL) {
			if (!cJSON_IsBool(item)) {
				snprintf(err, errlen, "%s must be true or false", d->name);
				return -1;
			}
			v = cJSON_IsTrue(item) ? 1 : 0;
		} else {
			if (!cJSON_IsNumber(item)) {
				char range[96];
				rules_describe_range(d, range, sizeof range);
				snprintf(err, errlen, "%s must be %s", d->name, range);
				return -1;
			}
			v = item->valuedouble;
		}
		if (rules_set(&next, d, v, err, errlen) < 0)
			return -1;
	}
	*r = next;
	return 0;
}
