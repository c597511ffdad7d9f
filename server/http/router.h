/*
 * router.h — method + path patterns with {name} parameters.
 *
 *   router_add(&rt, "GET", "/api/teams/{id}", handler);
 *
 * A pattern's segments are literals (matched against the raw path) or
 * {name} (any one non-empty segment, percent-decoded, ≤ 127 bytes). A path
 * that matches some pattern but not with this method is 405 (with the
 * allowed methods); no pattern at all is 404. HEAD matches GET routes.
 * When several routes match a path and method, the one added first wins.
 *
 * The patterns are kept in a tree of segments, built as routes are added,
 * so matching a path walks its segments once instead of trying every
 * route.
 */
#ifndef PW_ROUTER_H
#define PW_ROUTER_H

#include <stddef.h>
#include <stdint.h>

#include "server/http/http_parser.h"

#define ROUTER_MAX_PARAMS 4
#define ROUTER_PARAM_MAX  128
#define ROUTER_NAME_MAX   24 /* a parameter's name, its NUL included */
#define ROUTER_MAX_SEGS   32 /* segments of a pattern; a longer path matches nothing */

typedef struct pw_params {
	size_t n;
	struct {
		char name[ROUTER_NAME_MAX];
		char value[ROUTER_PARAM_MAX];
	} p[ROUTER_MAX_PARAMS];
} pw_params_t;

typedef struct pw_route {
	char method[HTTP_MAX_METHOD + 1];
	char *pattern;
	void *fn; /* the caller's handler type; the router never calls it */
} pw_route_t;

typedef struct router_node router_node_t;

typedef struct pw_router {
	pw_route_t *routes;
	size_t n, cap;
	router_node_t *root; /* the segment tree over routes */
} pw_router_t;

/* Returns 0, or -1 on OOM or a pattern that is not "/..." with at most
 * ROUTER_MAX_PARAMS parameters (names shorter than ROUTER_NAME_MAX) and
 * ROUTER_MAX_SEGS segments. */
int router_add(pw_router_t *rt, const char *method, const char *pattern, void *fn);
void router_free(pw_router_t *rt);

/*
 * Matches method and path. Returns 200 with *out and params filled, 404, or
 * 405 with allow (a comma-separated method list) filled.
 */
int router_match(const pw_router_t *rt, pw_str_t method, pw_str_t path, const pw_route_t **out,
		 pw_params_t *params, char *allow, size_t allow_cap);

/* The value of parameter name, or NULL. */
const char *router_param(const pw_params_t *params, const char *name);
/* Parameter name as a positive integer (1..2^53); 0 and -1 when absent or not one. */
int router_param_id(const pw_params_t *params, const char *name, int64_t *out);

#endif
