/*
 * pages_site.c — the pages. Each is a thin view over the league's read
 * models; where a model is not available yet the page says so plainly.
 */
#include <cjson/cJSON.h>
#include <string.h>

#include "server/app.h"
#include "server/pages.h"

static int page_done(pw_response_t *res, pw_buf_t *b, int status)
{
	pages_end(b);
	resp_html(res, status, b);
	resp_header(res, "Cache-Control", "no-cache");
	return HTTP_HANDLED;
}

static int p_home(pw_app_t *app, pw_http_conn_t *c, const pw_http_request_t *req,
		  const pw_params_t *p, pw_response_t *res)
{
	pw_buf_t b = {0};
	pages_begin(&b, "Home", "home");
	buf_puts(&b, "<h1>Pinwheel Fates</h1>\n<p class=\"lede\">A simulated 3-on-3 basketball league "
		     "whose rules are written by its players. Governors propose rule changes in plain "
		     "words, vote, and watch the next games play out under what passed.</p>\n"
		     "<section aria-labelledby=\"live\"><h2 id=\"live\">Live</h2>"
		     "<p><a href=\"/arena\">Watch the current tick in the arena</a>.</p></section>\n");
	return page_done(res, &b, 200);
}

static int p_arena(pw_app_t *app, pw_http_conn_t *c, const pw_http_request_t *req,
		   const pw_params_t *p, pw_response_t *res)
{
	pw_buf_t b = {0};
	pages_begin(&b, "Arena", "arena");
	buf_puts(&b, "<h1>Arena</h1>\n"
		     "<p id=\"arena-status\" role=\"status\" aria-live=\"polite\">Waiting for the next "
		     "tick…</p>\n"
		     "<div id=\"arena\" class=\"arena\" data-stream=\"/api/events/stream?event_type="
		     "presentation.game_starting,presentation.possession,presentation.game_finished,"
		     "presentation.round_finished\"></div>\n"
		     "<noscript><p>The arena updates live with JavaScript. Without it, see the "
		     "<a href=\"/schedule\">schedule and results</a>.</p></noscript>\n"
		     "<script src=\"/static/arena.js\" defer></script>\n");
	return page_done(res, &b, 200);
}

static int p_pending(pw_app_t *app, pw_http_conn_t *c, const pw_http_request_t *req,
		     const pw_params_t *p, pw_response_t *res)
{
	/* /standings → "standings" for the nav and the title. */
	char key[32];
	size_t n = req->path.n > 1 ? req->path.n - 1 : 0;
	const char *s = req->path.p + 1;
	const char *slash = memchr(s, '/', n);
	if (slash)
		n = (size_t)(slash - s);
	if (n >= sizeof key)
		n = sizeof key - 1;
	memcpy(key, s, n);
	key[n] = '\0';
	char title[32];
	snprintf(title, sizeof title, "%s", key);
	if (title[0] >= 'a' && title[0] <= 'z')
		title[0] = (char)(title[0] - 'a' + 'A');
	pw_buf_t b = {0};
	pages_begin(&b, title, key);
	buf_puts(&b, "<h1>");
	pages_escape(&b, title);
	buf_puts(&b, "</h1>\n<p>Nothing to show yet: the league has not played on this server.</p>\n");
	return page_done(res, &b, 200);
}

int pages_routes(pw_app_t *app)
{
	static const char *pending[] = {"/standings", "/schedule", "/playoffs", "/rules",
					"/governance", "/effects", "/reports", "/history",
					"/admin", "/games/{id}", "/teams/{id}", "/hoopers/{id}"};
	int r = 0;
	r |= app_route(app, "GET", "/", p_home);
	r |= app_route(app, "GET", "/arena", p_arena);
	for (size_t i = 0; i < sizeof pending / sizeof pending[0]; i++)
		r |= app_route(app, "GET", pending[i], p_pending);
	return r ? -1 : 0;
}
