/*
 * jsonw.c — JSON text as cJSON prints it (see jsonw.h).
 */
#include "core/sim/jsonw.h"

#include <cjson/cJSON.h>

#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

void jsonw_str(pw_buf_t *b, const char *s)
{
	if (!s) {
		buf_append(b, "null", 4);
		return;
	}
	buf_append(b, "\"", 1);
	const char *run = s;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p >= 32 && *p != '"' && *p != '\\')
			continue;
		buf_append(b, run, (size_t)((const char *)p - run));
		run = (const char *)p + 1;
		char esc[8];
		switch (*p) {
		case '"': buf_append(b, "\\\"", 2); break;
		case '\\': buf_append(b, "\\\\", 2); break;
		case '\b': buf_append(b, "\\b", 2); break;
		case '\f': buf_append(b, "\\f", 2); break;
		case '\n': buf_append(b, "\\n", 2); break;
		case '\r': buf_append(b, "\\r", 2); break;
		case '\t': buf_append(b, "\\t", 2); break;
		default:
			snprintf(esc, sizeof esc, "\\u%04x", *p);
			buf_append(b, esc, 6);
		}
	}
	buf_append(b, run, strlen(run));
	buf_append(b, "\"", 1);
}

void jsonw_int(pw_buf_t *b, int v)
{
	char tmp[16];
	int i = (int)sizeof tmp;
	unsigned u = v < 0 ? 0u - (unsigned)v : (unsigned)v;
	do {
		tmp[--i] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		tmp[--i] = '-';
	buf_append(b, tmp + i, sizeof tmp - (size_t)i);
}

void jsonw_num(pw_buf_t *b, double d)
{
	if (isnan(d) || isinf(d)) {
		buf_append(b, "null", 4);
		return;
	}
	/* A whole number of int range prints as %1.15g prints it (-0 keeps its
	 * sign there), without printf. */
	int vi = d >= INT_MAX ? INT_MAX : d <= (double)INT_MIN ? INT_MIN : (int)d;
	if (d == (double)vi && !(vi == 0 && signbit(d))) {
		jsonw_int(b, vi);
		return;
	}
	char num[32];
	double back = 0;
	int n = snprintf(num, sizeof num, "%1.15g", d);
	/* cJSON's own test: equal within DBL_EPSILON of the larger. */
	if (sscanf(num, "%lg", &back) != 1 || fabs(back - d) > fmax(fabs(back), fabs(d)) * DBL_EPSILON)
		n = snprintf(num, sizeof num, "%1.17g", d);
	buf_append(b, num, (size_t)n);
}

void jsonw_tree(pw_buf_t *b, const cJSON *item)
{
	if (!item) {
		b->oom = true; /* cJSON prints nothing of a NULL */
		return;
	}
	switch (item->type & 0xFF) {
	case cJSON_NULL: buf_append(b, "null", 4); return;
	case cJSON_False: buf_append(b, "false", 5); return;
	case cJSON_True: buf_append(b, "true", 4); return;
	case cJSON_Number: jsonw_num(b, item->valuedouble); return;
	case cJSON_String: jsonw_str(b, item->valuestring ? item->valuestring : ""); return;
	case cJSON_Raw:
		if (!item->valuestring) {
			b->oom = true;
			return;
		}
		buf_puts(b, item->valuestring);
		return;
	case cJSON_Array:
	case cJSON_Object: {
		bool obj = (item->type & 0xFF) == cJSON_Object;
		buf_append(b, obj ? "{" : "[", 1);
		for (const cJSON *c = item->child; c; c = c->next) {
			if (c != item->child)
				buf_append(b, ",", 1);
			if (obj) {
				jsonw_str(b, c->string ? c->string : "");
				buf_append(b, ":", 1);
			}
			jsonw_tree(b, c);
		}
		buf_append(b, obj ? "}" : "]", 1);
		return;
	}
	default:
		b->oom = true; /* cJSON_Invalid: cJSON fails to print it */
	}
}

char *jsonw_print(const cJSON *item)
{
	pw_buf_t b = {0};
	jsonw_tree(&b, item);
	if (b.oom || !b.data) {
		buf_free(&b);
		return NULL;
	}
	return buf_take(&b);
}
