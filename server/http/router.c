/*
 * router.c — pattern matching over path segments (see router.h).
 *
 * Every pattern is a path in a tree whose edges are segments: a literal
 * edge per distinct literal, one edge for any {name}. A node lists the
 * routes whose pattern ends there, in the order they were added. Matching
 * walks the path's segments down both kinds of edge (a literal and a
 * parameter can both fit a segment), collects the routes at the end, and
 * picks the first added whose method fits; the others make the 405's
 * Allow list. That is what trying every route in order gave, without
 * trying them.
 */
#include "server/http/router.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct router_edge {
	char *seg;
	size_t len;
	router_node_t *to;
} router_edge_t;

struct router_node {
	router_edge_t *lit; /* literal segments, each once */
	size_t n_lit;
	router_node_t *param; /* any one {name} segment */
	size_t *ends;         /* routes whose pattern ends here, oldest first */
	size_t n_ends;
};

/* Routes one path can match at once, at most (more would be the same
 * pattern added over and over; the first ones are kept). */
#define MATCH_MAX 32

/*
 * The segments of a path or pattern after its leading '/': "/" is one
 * empty segment, "/a/" two. Returns how many, or -1 when s does not start
 * with '/' or has more than max.
 */
static int split(pw_str_t s, pw_str_t *segs, size_t max)
{
	if (s.n == 0 || s.p[0] != '/')
		return -1;
	const char *p = s.p + 1, *end = s.p + s.n;
	size_t n = 0;
	for (;;) {
		const char *slash = memchr(p, '/', (size_t)(end - p));
		const char *e = slash ? slash : end;
		if (n == max)
			return -1;
		segs[n++] = (pw_str_t){p, (size_t)(e - p)};
		if (!slash)
			return (int)n;
		p = slash + 1;
	}
}

static bool is_param(pw_str_t seg)
{
	return seg.n >= 2 && seg.p[0] == '{' && seg.p[seg.n - 1] == '}';
}

static void node_free(router_node_t *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->n_lit; i++) {
		node_free(n->lit[i].to);
		free(n->lit[i].seg);
	}
	node_free(n->param);
	free(n->lit);
	free(n->ends);
	free(n);
}

/* The child of node for a pattern segment, created when missing; NULL on OOM. */
static router_node_t *child(router_node_t *node, pw_str_t seg)
{
	if (is_param(seg)) {
		if (!node->param)
			node->param = calloc(1, sizeof *node->param);
		return node->param;
	}
	for (size_t i = 0; i < node->n_lit; i++)
		if (node->lit[i].len == seg.n && !memcmp(node->lit[i].seg, seg.p, seg.n))
			return node->lit[i].to;
	router_edge_t *lit = realloc(node->lit, (node->n_lit + 1) * sizeof *lit);
	if (!lit)
		return NULL;
	node->lit = lit;
	router_edge_t *e = &lit[node->n_lit];
	e->seg = malloc(seg.n + 1);
	e->to = calloc(1, sizeof *e->to);
	if (!e->seg || !e->to) {
		free(e->seg);
		free(e->to);
		return NULL;
	}
	memcpy(e->seg, seg.p, seg.n);
	e->seg[seg.n] = '\0';
	e->len = seg.n;
	node->n_lit++;
	return e->to;
}

/* Puts route i (its pattern split into segs) into the tree, which keeps
 * copies of the literal segments. Nodes made before an OOM stay, empty,
 * until router_free. */
static int tree_add(pw_router_t *rt, const pw_str_t *segs, int n, size_t i)
{
	if (!rt->root && !(rt->root = calloc(1, sizeof *rt->root)))
		return -1;
	router_node_t *node = rt->root;
	for (int d = 0; d < n && node; d++)
		node = child(node, segs[d]);
	if (!node)
		return -1;
	size_t *ends = realloc(node->ends, (node->n_ends + 1) * sizeof *ends);
	if (!ends)
		return -1;
	node->ends = ends;
	ends[node->n_ends++] = i;
	return 0;
}

int router_add(pw_router_t *rt, const char *method, const char *pattern, void *fn)
{
	if (!pattern || strlen(method) > HTTP_MAX_METHOD)
		return -1;
	pw_str_t segs[ROUTER_MAX_SEGS];
	int n = split((pw_str_t){pattern, strlen(pattern)}, segs, ROUTER_MAX_SEGS);
	if (n < 0)
		return -1;
	int params = 0;
	for (int d = 0; d < n; d++) {
		if (!is_param(segs[d]))
			continue;
		if (++params > ROUTER_MAX_PARAMS || segs[d].n - 2 >= ROUTER_NAME_MAX)
			return -1;
	}
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
	if (tree_add(rt, segs, n, rt->n) < 0) {
		free(r->pattern);
		return -1;
	}
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
	node_free(rt->root);
	*rt = (pw_router_t){0};
}

/* Appends method to a 405's Allow list (comma-separated), once. */
static void allow_add(char *allow, size_t cap, const char *method)
{
	size_t al = strlen(allow);
	if (cap && !strstr(allow, method) && al + strlen(method) + 3 < cap)
		snprintf(allow + al, cap - al, "%s%s", al ? ", " : "", method);
}

typedef struct match {
	const pw_str_t *segs;
	size_t n_segs;
	signed char fits[ROUTER_MAX_SEGS]; /* as a parameter: 0 not known yet, 1 yes, -1 no */
	size_t found[MATCH_MAX];           /* routes whose pattern fits the path */
	size_t n_found;
} match_t;

/* Whether segment d can be a parameter: not empty, and it decodes (no bad
 * escape, no NUL, short enough). Worked out once per segment. */
static bool fits_param(match_t *m, size_t d)
{
	if (!m->fits[d]) {
		char tmp[ROUTER_PARAM_MAX];
		m->fits[d] = m->segs[d].n && http_pct_decode(m->segs[d], tmp, sizeof tmp, false) >= 0 ? 1 : -1;
	}
	return m->fits[d] > 0;
}

static void walk(match_t *m, const router_node_t *node, size_t d)
{
	if (d == m->n_segs) {
		for (size_t i = 0; i < node->n_ends && m->n_found < MATCH_MAX; i++)
			m->found[m->n_found++] = node->ends[i];
		return;
	}
	pw_str_t seg = m->segs[d];
	for (size_t i = 0; i < node->n_lit; i++) {
		const router_edge_t *e = &node->lit[i];
		if (e->len == seg.n && !memcmp(e->seg, seg.p, seg.n)) {
			walk(m, e->to, d + 1);
			break;
		}
	}
	if (node->param && fits_param(m, d))
		walk(m, node->param, d + 1);
}

/* The parameters of route r for the path's segments (which fit it). */
static void fill_params(const pw_route_t *r, const pw_str_t *segs, pw_params_t *params)
{
	params->n = 0;
	if (!strchr(r->pattern, '{'))
		return;
	pw_str_t psegs[ROUTER_MAX_SEGS];
	int n = split((pw_str_t){r->pattern, strlen(r->pattern)}, psegs, ROUTER_MAX_SEGS);
	for (int d = 0; d < n; d++) {
		if (!is_param(psegs[d]))
			continue;
		size_t i = params->n++;
		memcpy(params->p[i].name, psegs[d].p + 1, psegs[d].n - 2);
		params->p[i].name[psegs[d].n - 2] = '\0';
		http_pct_decode(segs[d], params->p[i].value, ROUTER_PARAM_MAX, false);
	}
}

int router_match(const pw_router_t *rt, pw_str_t method, pw_str_t path, const pw_route_t **out,
		 pw_params_t *params, char *allow, size_t allow_cap)
{
	if (allow_cap)
		allow[0] = '\0';
	pw_str_t segs[ROUTER_MAX_SEGS];
	int n = rt->root ? split(path, segs, ROUTER_MAX_SEGS) : -1;
	if (n < 0)
		return 404;
	match_t m;
	m.segs = segs;
	m.n_segs = (size_t)n;
	memset(m.fits, 0, (size_t)n);
	m.n_found = 0;
	walk(&m, rt->root, 0);
	bool head = http_str_eq(method, "HEAD");
	size_t best = rt->n;
	for (size_t i = 0; i < m.n_found; i++) {
		const pw_route_t *r = &rt->routes[m.found[i]];
		if (m.found[i] < best &&
		    (http_str_eq(method, r->method) || (head && !strcmp(r->method, "GET"))))
			best = m.found[i];
	}
	if (best < rt->n) {
		*out = &rt->routes[best];
		fill_params(*out, segs, params);
		return 200;
	}
	if (m.n_found == 0)
		return 404;
	/* The Allow list in the order the routes were added. */
	for (size_t i = 1; i < m.n_found; i++)
		for (size_t j = i; j > 0 && m.found[j - 1] > m.found[j]; j--) {
			size_t t = m.found[j];
			m.found[j] = m.found[j - 1];
			m.found[j - 1] = t;
		}
	for (size_t i = 0; i < m.n_found; i++) {
		const char *rm = rt->routes[m.found[i]].method;
		allow_add(allow, allow_cap, rm);
		if (!strcmp(rm, "GET"))
			allow_add(allow, allow_cap, "HEAD"); /* every GET route answers HEAD too */
	}
	return 405;
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
