/*
 * router.c — pattern matching over path segments (see router.h).
 */
#include "server/http/router.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int router_add(pw_router_t *rt, const char *method, const char *pattern, void *fn)
{
	if (!pattern || pattern[0] != '/' || strlen(method) > HTTP_MAX_METHOD)
		return -1;
	int params = 0;
	for (const char *p = pattern; *p; p++)
		if (*p == '{')
			params++;
	if (params > ROUTER_MAX_PARAMS)
		return -1;
	if (rt->n == rt->cap) {
		size_t cap = rt->cap ? rt->cap * 2 : 32;
		pw_route_t *r = realloc(rt->routes, cap * sizeof *r);
		if (!r)
			return -1;
		rt->routes = r;
		rt->cap = cap;
	}
	pw_route_t *r = &rt->routes[rt->n];
	r->pattern = strdup(pattern);
	if (!r->pattern)
		return -1;
	snprintf(r->method, sizeof r->method, "%s", method);
	r->fn = fn;
	rt->n++;
	return 0;
}

void router_free(pw_router_t *rt)
{
	for (size_t i = 0; i < rt->n; i++)
		free(rt->routes[i].pattern);
	free(rt->routes);
	*rt = (pw_router_t){0};
}


/* Appends method to a 405's Allow list (comma-separated), once. */
static void allow_add(char *allow, size_t cap, const char *method)
{
	size_t al = strlen(allow);
	if (cap && !strstr(allow, method) && al + strlen(method) + 3 < cap)
		snprintf(allow + al, cap - al, "%s%s", al ? ", " : "", method);
}

/* Matches path against one pattern, segment by segment. */
static int match_pattern(const char *pat, pw_str_t path, pw_params_t *params)
{
	size_t pi = 0;
	params->n = 0;
	const char *p = pat;
	for (;;) {
		/* Both at a '/' or both at the end. */
		if (!*p)
			return pi == path.n;
		if (pi >= path.n || path.p[pi] != '/' || *p != '/')
			return 0;
		p++;
		pi++;
		const char *pe = strchr(p, '/');
		size_t plen = pe ? (size_t)(pe - p) : strlen(p);
		size_t s = pi;
		while (pi < path.n && path.p[pi] != '/')
			pi++;
		pw_str_t seg = {path.p + s, pi - s};
		if (plen >= 2 && p[0] == '{' && p[plen - 1] == '}') {
			if (seg.n == 0 || params->n == ROUTER_MAX_PARAMS)
				return 0;
			size_t nl = plen - 2;
			if (nl >= sizeof params->p[0].name)
				return 0;
			memcpy(params->p[params->n].name, p + 1, nl);
			params->p[params->n].name[nl] = '\0';
			if (http_pct_decode(seg, params->p[params->n].value, ROUTER_PARAM_MAX, false) < 0)
				return 0;
			params->n++;
		} else if (seg.n != plen || memcmp(seg.p, p, plen) != 0) {
			return 0;
		}
		p += plen;
	}
}

int router_match(const pw_router_t *rt, pw_str_t method, pw_str_t path, const pw_route_t **out,
		 pw_params_t *params, char *allow, size_t allow_cap)
{
	bool path_seen = false;
	if (allow_cap)
		allow[0] = '\0';
	pw_params_t tmp;
	for (size_t i = 0; i < rt->n; i++) {
		const pw_route_t *r = &rt->routes[i];
		if (!match_pattern(r->pattern, path, &tmp))
			continue;
		bool same = http_str_eq(method, r->method) ||
			    (http_str_eq(method, "HEAD") && !strcmp(r->method, "GET"));
		if (same) {
			*out = r;
			*params = tmp;
			return 200;
		}
		path_seen = true;
		allow_add(allow, allow_cap, r->method);
		if (!strcmp(r->method, "GET"))
			allow_add(allow, allow_cap, "HEAD"); /* every GET route answers HEAD too */
	}
	return path_seen ? 405 : 404;
}

const char *router_param(const pw_params_t *params, const char *name)
{
	for (size_t i = 0; i < params->n; i++)
		if (!strcmp(params->p[i].name, name))
			return params->p[i].value;
	return NULL;
}

int router_param_id(const pw_params_t *params, const char *name, int64_t *out)
{
	const char *v = router_param(params, name);
	if (!v || !*v || strlen(v) > 16)
		return -1;
	int64_t x = 0;
	for (const char *p = v; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		x = x * 10 + (*p - '0');
	}
	if (x <= 0)
		return -1;
	*out = x;
	return 0;
}
