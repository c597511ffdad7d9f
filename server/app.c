/*
 * app.c — wiring: HTTP server → router → handlers; bus → SSE; scheduler →
 * round runner → presenter; signals → orderly shutdown (see app.h).
 */
#include "server/app.h"

#include "core/league/game_text.h"
#include "core/league/season.h"
#include "core/league/league_fx.h"
#include "server/ai/ai_client.h"
#include "server/ai/ai_writer.h"
#include "server/api/api_propose.h"
#include "server/discord/discord.h"
#include "server/live/arena_mirror.h"
#include "server/pages/pages_session.h"
#include "server/pages/pages.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

/* Games whose texts the server keeps (~70 KB each): a tick's games and
 * the few before them are what people open. */
#define APP_GAME_CACHE 16

int app_route(pw_app_t *app, const char *method, const char *pattern, pw_handler_fn fn)
{
	return router_add(&app->router, method, pattern, (void *)fn);
}

bool app_bearer(const pw_http_request_t *req, char *out, size_t cap)
{
	const pw_str_t *h = http_header(req, "authorization");
	if (!h || h->n < 8 || strncasecmp(h->p, "Bearer ", 7) != 0)
		return false;
	size_t n = h->n - 7;
	const char *p = h->p + 7;
	while (n && *p == ' ') {
		p++;
		n--;
	}
	if (n == 0 || n >= cap)
		return false;
	memcpy(out, p, n);
	out[n] = '\0';
	return true;
}

/* Compares secrets in time independent of where they differ. */
static bool secret_eq(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned char diff = (unsigned char)(la != lb);
	for (size_t i = 0; i < la; i++)
		diff |= (unsigned char)(a[i] ^ b[i % (lb ? lb : 1)]);
	return diff == 0;
}

bool app_admin_token_is(const pw_app_t *app, const char *token)
{
	const char *want = app->cfg.admin_token;
	return want && *want && token && secret_eq(token, want);
}

bool app_require_admin(pw_app_t *app, const pw_http_request_t *req, pw_response_t *res)
{
	const char *want = app->cfg.admin_token;
	if (!want || !*want) {
		if (app->http && http_server_is_loopback(app->http))
			return true;
		resp_error(res, 403, "admin_disabled",
			   "Admin endpoints need PINWHEEL_ADMIN_TOKEN when the server is not on loopback.");
		return false;
	}
	char got[256];
	if (!app_bearer(req, got, sizeof got)) {
		resp_error(res, 401, "unauthorized", "This endpoint needs the admin bearer token.");
		resp_header(res, "WWW-Authenticate", "Bearer");
		return false;
	}
	if (!secret_eq(got, want)) {
		resp_error(res, 403, "forbidden", "The bearer token is not the admin token.");
		return false;
	}
	return true;
}

bool app_db_ok(pw_app_t *app)
{
	return store_ping(app->store);
}

/* ---- request dispatch ------------------------------------------------ */

static bool wants_html(const pw_http_request_t *req)
{
	return !(req->path.n >= 4 && !memcmp(req->path.p, "/api", 4) &&
		 (req->path.n == 4 || req->path.p[4] == '/'));
}

static void not_found(const pw_http_request_t *req, pw_response_t *res, int status, const char *allow)
{
	if (status == 405) {
		resp_error(res, 405, "method_not_allowed", "This path does not accept that method.");
		resp_header(res, "Allow", allow);
		return;
	}
	if (wants_html(req)) {
		pw_buf_t b = {0};
		buf_puts(&b, "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Not found"
			     " · Pinwheel Fates</title><link rel=\"stylesheet\" href=\"/static/style.css\">"
			     "<link rel=\"icon\" href=\"/static/favicon.svg\" type=\"image/svg+xml\"></head>"
			     "<body><main><h1>Not found</h1><p>There is no page here. "
			     "<a href=\"/\">Back to the league</a>.</p></main></body></html>");
		resp_html(res, 404, &b);
		return;
	}
	resp_error(res, 404, "not_found", "No endpoint matches this path.");
}

/* Whether the server is open to whoever reaches it: a loopback listener
 * without an admin token (admin endpoints are open there). */
static bool loopback_open(const pw_app_t *app)
{
	return (!app->cfg.admin_token || !*app->cfg.admin_token) && app->http &&
	       http_server_is_loopback(app->http);
}

/*
 * The one gate in front of every handler (spec 40-server, Identity), so that
 * a web page cannot act through a visitor's browser:
 *
 *  - On a loopback listener without an admin token, anyone who reaches the
 *    server is on this machine; the outsider to fear is a web page in the
 *    user's browser. Every request, reads included, must carry a loopback
 *    Host (localhost, 127.a.b.c, [::1], any port) or none (HTTP/1.0; a
 *    browser always sends one): a page served from a name
 *    rebound to 127.0.0.1 (DNS rebinding) sends its own name and is refused
 *    before it can read the admin pages or act (403 foreign_host). A
 *    state-changing request that names where it comes from (Origin, or a
 *    Referer without one) must come from this very origin, the Host it was
 *    sent to (403 cross_origin; "null" too). Elsewhere (a public listener,
 *    or an admin token, perhaps behind a proxy that sends the public name)
 *    Host names whatever the operator chose, and bearer tokens, which no
 *    browser sends on its own, guard what they guard.
 *  - Every state-changing request (any method but GET and HEAD) to the API
 *    (/api/...) must be declared exactly application/json, with or without
 *    a body (415): an HTML form or a "simple" cross-site request cannot
 *    declare it. One to a page (the pages' forms) must be a form carrying
 *    a live session's cookie and that session's CSRF token
 *    (pages_form_allowed, 403 otherwise): another site can make a browser
 *    send a form here, but the SameSite=Lax cookie stays behind and it
 *    cannot know the token.
 *
 * Returns true when the request may go on; otherwise res holds the refusal.
 */
static bool guard_host(pw_app_t *app, const pw_http_request_t *req, pw_response_t *res)
{
	if (!loopback_open(app))
		return true;
	/* No Host at all is an HTTP/1.0 client (the parser demands one of
	 * 1.1): browsers always send one, so it is a local program. */
	const pw_str_t *host = http_header(req, "host");
	if (!host || http_host_is_loopback(*host))
		return true;
	resp_error(res, 403, "foreign_host",
		   "This server listens on loopback without an admin token and answers only requests "
		   "addressed to localhost, 127.0.0.1 or [::1].");
	return false;
}

static bool guard_write(pw_app_t *app, const pw_http_request_t *req, pw_response_t *res)
{
	if (http_str_eq(req->method, "GET") || http_str_eq(req->method, "HEAD"))
		return true;
	if (loopback_open(app)) {
		const pw_str_t *from = http_header(req, "origin");
		if (!from)
			from = http_header(req, "referer");
		const pw_str_t *host = http_header(req, "host");
		if (from && !(host && http_same_origin(*from, *host))) {
			resp_error(res, 403, "cross_origin",
				   "A page of another site cannot change anything here: Origin (or Referer) "
				   "must be this server.");
			return false;
		}
	}
	/* Discord's interactions are JSON, signed (server/discord/discord.h). */
	if (wants_html(req) && !http_str_eq(req->path, "/discord/interactions"))
		return pages_form_allowed(app, req, res);
	const pw_str_t *ct = http_header(req, "content-type");
	if (!ct || !http_media_type_is(*ct, "application/json")) {
		resp_error(res, 415, "unsupported_media_type",
			   "Requests that change something must be sent with Content-Type: application/json.");
		return false;
	}
	return true;
}

static int dispatch(void *ud, pw_http_conn_t *c, const pw_http_request_t *req, pw_response_t *res)
{
	pw_app_t *app = ud;
	const pw_route_t *route;
	pw_params_t params;
	char allow[64];
	if (!guard_host(app, req, res))
		return HTTP_HANDLED;
	int st = router_match(&app->router, req->method, req->path, &route, &params, allow, sizeof allow);
	if (st != 200) {
		not_found(req, res, st, allow);
		return HTTP_HANDLED;
	}
	if (!guard_write(app, req, res))
		return HTTP_HANDLED;
	pw_handler_fn fn = (pw_handler_fn)route->fn;
	int hr = fn(app, c, req, &params, res);
	/* Every page's header says who is signed in (pages_session.h). */
	if (hr == HTTP_HANDLED && wants_html(req))
		pages_account_fill_req(app, req, res);
	return hr;
}

/* ---- league glue --------------------------------------------------------
 * The round runner runs on the thread pool with the worker's own store and
 * governance service; everything else uses the loop thread's pair. */

/* Events of a tick that reveal a result: they wait for the presenter to
 * show what they reveal (no spoilers). Everything else (tallies, effects)
 * is told at once. */
static bool reveals_results(const char *type)
{
	static const char *const held[] = {"game.completed", "round.completed", "report.generated",
					   "season.phase_changed", "season.playoffs_complete"};
	for (size_t i = 0; i < sizeof held / sizeof held[0]; i++)
		if (!strcmp(type, held[i]))
			return true;
	return false;
}

/* The tick's bus (thread pool): events that reveal results go into the
 * tick result's held list — a game's own game.completed tied to it — the
 * rest to the server's bus. Only the tick's thread publishes here. */
static void tick_publish(void *ud, const char *type, const char *json)
{
	pw_tick_result_t *r = ud;
	if (!reveals_results(type)) {
		srv_bus_publish(r->bus, type, json);
		return;
	}
	cJSON *e = cJSON_CreateObject(), *data = cJSON_Parse(json);
	cJSON_AddStringToObject(e, "type", type);
	if (!strcmp(type, "game.completed"))
		cJSON_AddNumberToObject(e, "game_id",
					cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(data, "game_id")));
	cJSON_AddItemToObject(e, "data", data ? data : cJSON_CreateObject());
	if (!r->held)
		r->held = cJSON_CreateArray();
	cJSON_AddItemToArray(r->held, e);
}

static cJSON *presenter_game(pw_app_t *app, pw_store_t *st, int64_t id);

static int tick_play(pw_app_t *app, pw_tick_result_t *r);

/* The scheduler's work, on the tick's thread: the round, then the log's
 * checkpoint when it is due (STORE_HOUSEKEEPING_ON_ASK), after the round's
 * timing so a round never carries one. */
static int tick_run(void *ud, void **result)
{
	pw_app_t *app = ud;
	pw_tick_result_t *r = calloc(1, sizeof *r);
	if (!r)
		return -ENOMEM;
	*result = r;
	int rc = tick_play(app, r);
	uint64_t c0 = uv_hrtime();
	r->housekept = store_housekeeping(app->wstore);
	r->housekeeping_ms = (double)(uv_hrtime() - c0) / 1e6;
	if (r->housekept < 0) /* read here: the connection is this thread's */
		snprintf(r->housekeeping_err, sizeof r->housekeeping_err, "%s", store_errmsg(app->wstore));
	return rc;
}

static int tick_play(pw_app_t *app, pw_tick_result_t *r)
{
	r->bus = app->bus;
	pw_bus_t hold = {.ud = r, .publish = tick_publish};
	pw_round_cfg_t rc = {
		.gov = app->wgov,
		.bus = &hold,
		.governance_interval = app->cfg.governance_interval,
		.championship_seconds = app->cfg.championship_seconds,
		/* This server holds the tick lock (the scheduler ticks only
		 * after leader_claim) and keeps it through the presentation;
		 * the runner fences each stage with its name. */
		.holder = app->instance,
		.lock_held = true,
		.lease_seconds = app->cfg.tick_lease_s,
		/* The presenter shows the games, then marks them presented. */
		.hold_results = true,
	};
	if (app->fx)
		fx_league_round_cfg(app->fx, &rc); /* effects and parallel games */
	pw_round_out_t out;
	pw_err_t err = {0};
	uint64_t t0 = uv_hrtime();
	gov_sync(app->wgov);
	int rt = round_tick(&rc, &out, &err);
	r->round_ms = (double)(uv_hrtime() - t0) / 1e6;
	if (rt < 0) {
		/* The runner names what failed; the round it was playing goes
		 * with it to the log and /api/pace/status. */
		r->round = out.round;
		snprintf(r->error, sizeof r->error, "%s",
			 err.msg[0] ? err.msg : "the round runner failed without saying why");
		return -EIO;
	}
	r->round = out.round;
	r->window_ends = out.window_ends;
	r->tallied = out.tallied;
	r->begin_ms = out.stage_ms[PW_STAGE_BEGIN];
	r->games_ms = out.stage_ms[PW_STAGE_GAMES];
	r->govern_ms = out.stage_ms[PW_STAGE_GOVERN];
	r->reports_ms = out.stage_ms[PW_STAGE_REPORTS];
	r->done_ms = out.stage_ms[PW_STAGE_DONE];
	snprintf(r->phase, sizeof r->phase, "%s", out.phase);
	if (app->fx) {
		/* Effect errors are counted for the operator; the report's
		 * details stay with the effects module. */
		fx_report_t rep;
		fx_report_init(&rep);
		fx_league_take_report(app->fx, &rep);
		r->fx_errors = rep.n_errors_total;
		r->fx_engine_faults = rep.n_engine_faults;
		fx_report_free(&rep);
	}
	if (out.round > 0 && out.season_id > 0) {
		int n = 0;
		pw_game_row_t *games = store_games(app->wstore, out.season_id, out.round, &n);
		if (games && n > 0) {
			r->game_ids = calloc((size_t)n, sizeof *r->game_ids);
			for (int i = 0; r->game_ids && i < n; i++)
				r->game_ids[i] = games[i].id;
			r->n_games = r->game_ids ? (size_t)n : 0;
		}
		free(games);
		/* The presenter's copy of each game is made here, on the
		 * tick's own connection: re-simulating, printing and parsing
		 * a game takes about a millisecond, and made by the presenter
		 * on the loop it held every request — votes too — for some
		 * 4 ms after each 4-game tick (tests/bench/bench_vote.sh). */
		uint64_t l0 = uv_hrtime();
		r->games = r->n_games ? calloc(r->n_games, sizeof *r->games) : NULL;
		for (size_t i = 0; r->games && i < r->n_games; i++)
			r->games[i] = presenter_game(app, app->wstore, r->game_ids[i]);
		r->load_ms = (double)(uv_hrtime() - l0) / 1e6;
	}
	return 0;
}

/* Tells the held events now and lets viewers see the games: for when
 * there is nothing to present or the presenter cannot. */
static void present_now(pw_app_t *app, const int64_t *ids, size_t n, cJSON *held)
{
	for (size_t i = 0; i < n; i++)
		if (store_game_set_presented(app->store, ids[i]) < 0)
			log_event(&app->log, PW_LOG_ERROR, "presentation.mark_failed", "game=%lld: %s",
				  (long long)ids[i], store_errmsg(app->store));
	app_cache_clear(app);
	const cJSON *e;
	cJSON_ArrayForEach(e, held)
	{
		const char *type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "type"));
		char *text = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(e, "data"));
		if (type && text && app->bus)
			srv_bus_publish(app->bus, type, text);
		cJSON_free(text);
	}
	cJSON_Delete(held);
}

/* Moves the items of *from (may be NULL) to the end of to. */
static void append_all(cJSON *to, cJSON **from)
{
	cJSON *x;
	while (*from && (x = (*from)->child) != NULL)
		cJSON_AddItemToArray(to, cJSON_DetachItemViaPointer(*from, x));
	cJSON_Delete(*from);
	*from = NULL;
}

/* How long a tick's replay may last: until the next tick, less a pause
 * between rounds (a third of the interval, at most a minute) in which the
 * arena shows the results and counts down. 0: no next tick to fit. */
static uint64_t replay_budget_ms(pw_app_t *app)
{
	uint64_t next = app->sched ? scheduler_next_tick_in_ms(app->sched) : 0;
	uint64_t gap = next / 3 < 60000 ? next / 3 : 60000;
	return next ? next - gap : 0;
}

/* Presents a played tick: replayed (fitted before the next tick unless the
 * admin asked for a length) or at once; its held events go with it. */
static void present_tick(pw_app_t *app, pw_tick_result_t *r, int qs)
{
	cJSON *held = cJSON_CreateArray();
	append_all(held, &app->held_backlog);
	append_all(held, &r->held);
	if (!r->n_games || app->shutting_down || !app->presenter) {
		present_now(app, r->game_ids, r->n_games, held);
		return;
	}
	pw_present_tick_t t = {
		.round = r->round,
		.game_ids = r->game_ids,
		.n = r->n_games,
		.quarter_seconds = qs,
		.fit_ms = replay_budget_ms(app),
		.held = held,
		.games = r->games,
	};
	int pr = presenter_start(app->presenter, &t);
	if (pr < 0) {
		log_event(&app->log, PW_LOG_ERROR, "presentation.failed",
			  "round=%d error=%d: its results are shown at once", r->round, pr);
		present_now(app, r->game_ids, r->n_games, t.held);
	}
}

static void tick_done(void *ud, int status, void *result)
{
	pw_app_t *app = ud;
	pw_tick_result_t *r = result;
	int qs = app->next_quarter_seconds;
	app->next_quarter_seconds = 0;
	app_cache_clear(app); /* even a failed tick may have stored some games */
	if (r && r->housekept < 0)
		log_event(&app->log, PW_LOG_WARN, "db.checkpoint", "the log's checkpoint after the round failed: %s",
			  r->housekeeping_err);
	if (status != 0 && r && r->held) {
		/* A stage failed: what it announced waits for the round's end. */
		if (!app->held_backlog)
			app->held_backlog = cJSON_CreateArray();
		append_all(app->held_backlog, &r->held);
	}
	if (status == 0 && r) {
		app->last_simulation = time(NULL);
		app->last_round_ms = r->round_ms;
		app->last_load_ms = r->load_ms;
		if (app->gov)
			gov_sync(app->gov);
		present_tick(app, r, qs);
		if (r->round > 0)
			log_event(&app->log, PW_LOG_INFO, "round.stages",
				  "round=%d games=%zu phase=%s round_ms=%.1f begin_ms=%.1f games_ms=%.1f "
				  "govern_ms=%.1f reports_ms=%.1f done_ms=%.1f presentation_load_ms=%.1f",
				  r->round, r->n_games, r->phase, r->round_ms, r->begin_ms, r->games_ms,
				  r->govern_ms, r->reports_ms, r->done_ms, r->load_ms);
		if (r->housekept > 0)
			log_event(&app->log, PW_LOG_INFO, "db.checkpoint", "round=%d after the round: %.1f ms",
				  r->round, r->housekeeping_ms);
		if (r->tallied)
			log_event(&app->log, PW_LOG_INFO, "governance.tally", "round=%d duration_ms=%.1f",
				  r->round, r->govern_ms);
		if (r->fx_errors)
			log_event(&app->log, PW_LOG_WARN, "effects.errors", "round=%d errors=%zu", r->round,
				  r->fx_errors);
		if (r->round == 0 && r->window_ends > 0)
			log_event(&app->log, PW_LOG_INFO, "tick.waiting",
				  "the championship window is open for %lld more seconds; nothing to play",
				  (long long)(r->window_ends - time(NULL)));
		/* the budgets should stop every script first: a bug to report */
		if (r->fx_engine_faults)
			log_event(&app->log, PW_LOG_ERROR, "effects.engine_fault",
				  "round=%d sessions=%zu (the CPU-time backstop stopped a script)", r->round,
				  r->fx_engine_faults);
	} else {
		const char *why = r && r->error[0] ? r->error
				  : "the tick could not start (no memory, or the thread pool refused it)";
		int round = r ? r->round : 0;
		/* The runner's sentence names the round. */
		log_event(&app->log, PW_LOG_ERROR, "tick.failed", "%s", why);
		if (app->sched)
			scheduler_set_error(app->sched, why, round);
	}
	if (r) {
		for (size_t i = 0; r->games && i < r->n_games; i++)
			cJSON_Delete(r->games[i]);
		free(r->games);
		free(r->game_ids);
		cJSON_Delete(r->held);
	}
	free(r);
}

static bool tick_busy(void *ud)
{
	pw_app_t *app = ud;
	return app->presenter && presenter_running(app->presenter);
}

/* The name in a team snapshot (roster JSON), or "Team <id>". */
static void card_team(cJSON *card, const char *key, const char *snapshot, int64_t id)
{
	cJSON *t = snapshot ? cJSON_Parse(snapshot) : NULL;
	const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(t, "name"));
	char fallback[32];
	snprintf(fallback, sizeof fallback, "Team %lld", (long long)id);
	cJSON_AddStringToObject(card, key, name ? name : fallback);
	cJSON_Delete(t);
}

/* The GameResult of a game for the presenter, read on st (a store that
 * sees what viewers cannot see yet: the loop's, or the tick's on its
 * thread), with the game's card — what every live event carries so a
 * viewer arriving late knows the game: its round, stage, series and how to
 * say it, both team names. Uses nothing of app but the thread-safe game
 * cache and the log. The caller owns the tree (NULL: unreadable). */
static cJSON *presenter_game(pw_app_t *app, pw_store_t *st, int64_t id)
{
	char *home = NULL, *away = NULL, *result = NULL, err[256];
	pw_game_row_t row = {0};
	cJSON *g = NULL;
	if (store_game_get(st, id, &row) == 1 &&
	    store_game_snapshots(st, id, NULL, NULL, &home, &away, NULL) >= 0 &&
	    game_text_get(st, app->games, id, &result, err, sizeof err) == 1)
		g = cJSON_Parse(result);
	else if (row.derived)
		log_event(&app->log, PW_LOG_ERROR, "presentation.game_unreadable", "%s", err);
	if (g) {
		/* The URL's id, not the simulation's packed one. */
		cJSON_ReplaceItemInObject(g, "game_id", cJSON_CreateNumber((double)id));
		cJSON *card = cJSON_AddObjectToObject(g, "presentation");
		cJSON_AddNumberToObject(card, "season_id", (double)row.season_id);
		cJSON_AddNumberToObject(card, "round", row.round);
		cJSON_AddStringToObject(card, "stage", row.stage);
		char label[64];
		pages_game_label(row.stage, row.series, row.series_game, label, sizeof label);
		cJSON_AddStringToObject(card, "label", label);
		if (row.series[0]) {
			cJSON_AddStringToObject(card, "series", row.series);
			cJSON_AddNumberToObject(card, "series_game", row.series_game);
		}
		card_team(card, "home_team_name", home, row.home_team_id);
		card_team(card, "away_team_name", away, row.away_team_id);
	}
	free(home);
	free(away);
	free(result);
	return g;
}

/* The presenter's ops.load_game: a game the tick did not give it (a
 * resumed replay, orphans at start), on the loop's store. */
static cJSON *load_game(void *ud, int64_t id)
{
	pw_app_t *app = ud;
	return presenter_game(app, app->store, id);
}

/* The presenter: a game's replay ended. */
static void mark_presented(void *ud, int64_t id)
{
	pw_app_t *app = ud;
	if (store_game_set_presented(app->store, id) < 0)
		log_event(&app->log, PW_LOG_ERROR, "presentation.mark_failed", "game=%lld: %s", (long long)id,
			  store_errmsg(app->store));
	app_cache_clear(app); /* standings and the schedule move now */
}

/*
 * At start, after resuming any saved replay: games a previous process
 * stored but never presented (it stopped between storing a tick and
 * starting its replay, or the replay could not start) would stay hidden
 * for ever. A finished round's are replayed now when nothing else is (else
 * shown at once); a round still being played (a stage failed) keeps its
 * games for the tick that finishes it.
 */
static void present_orphans(pw_app_t *app)
{
	int n = 0;
	pw_game_row_t *g = store_games_unpresented(app->store, &n);
	if (!g)
		return;
	int64_t *ids = calloc((size_t)n, sizeof *ids);
	size_t k = 0;
	int round = 0;
	for (int i = 0; ids && i < n; i++) {
		pw_season_row_t sr;
		cJSON *live = presenter_game_json(app->presenter, g[i].id, 0);
		cJSON_Delete(live);
		if (live)
			continue; /* being replayed */
		if (store_season_get(app->store, g[i].season_id, &sr) == 1 && sr.current_round < g[i].round)
			continue; /* its round is not over */
		ids[k++] = g[i].id;
		round = g[i].round;
	}
	if (k) {
		log_event(&app->log, PW_LOG_WARN, "presentation.orphans",
			  "%zu stored games were never shown; showing them now", k);
		pw_present_tick_t t = {.round = round, .game_ids = ids, .n = k, .fit_ms = replay_budget_ms(app)};
		if (presenter_running(app->presenter) || presenter_start(app->presenter, &t) < 0)
			present_now(app, ids, k, NULL);
	}
	free(ids);
	free(g);
}

static char *kv_load(void *ud, const char *key)
{
	pw_app_t *app = ud;
	return store_kv_get(app->store, key);
}

/* The presenter's progress: written only while this server holds the
 * tick lock (checked inside the write's transaction), so a server that
 * stalled and was taken over never overwrites its successor's. */
static int kv_save(void *ud, const char *key, const char *value)
{
	pw_app_t *app = ud;
	if (app->leader)
		return leader_kv_write(app->leader, app->store, key, value);
	return value ? store_kv_set(app->store, key, value) : store_kv_delete(app->store, key);
}

/* ---- several instances on one database ----------------------------------
 * On a shared store the bus runs through its live-event log (srv_bus.h):
 * every instance streams every event under the log's global ids. The SSE
 * ring starts with the log's newest events, and a client resuming from
 * further back reads the log itself, so Last-Event-ID resumes on any
 * instance, a restarted one included. */

typedef struct history_walk {
	uint64_t before, last;
	bool reached; /* an event at or past `before` was read */
	sse_emit_fn emit;
	void *ctx;
} history_walk_t;

/* The servers' word to each other (app_advance, app_set_pace): carried by
 * the bus between instances, never sent to streams — it is not the
 * league's news. */
static bool between_servers(const char *type)
{
	return !strncmp(type, "pace.", 5);
}

static int history_cb(void *ud, const pw_live_event_t *e)
{
	history_walk_t *w = ud;
	if ((uint64_t)e->id >= w->before) {
		w->reached = true;
		return 1;
	}
	w->last = (uint64_t)e->id;
	if (!between_servers(e->type))
		w->emit(w->ctx, w->last, e->type, e->json);
	return 0;
}

/* The hub's history (sse_history_fn): the log's events in (after, before),
 * read on the loop's connection, a page at a time. Only a client resuming
 * from before the ring asks (and the start, to fill the ring); the log
 * keeps SRV_BUS_KEEP events. */
static int sse_history(void *ud, uint64_t after, uint64_t before, sse_emit_fn emit, void *ctx)
{
	pw_app_t *app = ud;
	history_walk_t w = {.before = before, .last = after, .emit = emit, .ctx = ctx};
	for (;;) {
		int n = store_live_since(app->store, (int64_t)w.last, SRV_BUS_PAGE, history_cb, &w);
		if (n < 0)
			return -1;
		if (w.reached || n < SRV_BUS_PAGE)
			return 0;
	}
}

static void seed_emit(void *ctx, uint64_t id, const char *type, const char *json)
{
	pw_app_t *app = ctx;
	sse_hub_seed(app->sse, id, type, json);
}

static int bus_share(pw_app_t *app)
{
	char err[512];
	uint64_t last = 0;
	if (srv_bus_share(app->bus, app->cfg.db_path, app->instance, &app->log, &last, err, sizeof err) < 0) {
		log_event(&app->log, PW_LOG_ERROR, "bus.share_failed", "%s", err);
		return -1;
	}
	sse_hub_global_ids(app->sse, sse_history, app);
	/* The ring's worth of the newest events, up to where delivery starts
	 * (ids may have gaps: a few less then). */
	uint64_t from = last > APP_SSE_RING ? last - APP_SSE_RING : 0;
	if (last > 0 && sse_history(app, from, last + 1, seed_emit, app) < 0)
		log_event(&app->log, PW_LOG_WARN, "bus.history_unread",
			  "the stream's recent events could not be read (%s); clients resume from now",
			  store_errmsg(app->store));
	log_event(&app->log, PW_LOG_INFO, "bus.shared",
		  "instance=%s: events go through the database's live-event log, after event %llu",
		  app->instance, (unsigned long long)last);
	return 0;
}

/* Another instance's events: its replay, followed for this one's arena;
 * and what it revealed (a game shown, a round over, a new phase), after
 * which this instance's cached read models are out of date. */
static void on_others_pace(pw_app_t *app, const char *type, const char *json);

static void sink_others(void *ud, uint64_t id, const char *type, const char *json)
{
	pw_app_t *app = ud;
	if (between_servers(type)) {
		on_others_pace(app, type, json);
		return;
	}
	arena_mirror_follow(app->mirror, type, json);
	if (!strcmp(type, "presentation.game_finished") || !strcmp(type, "round.completed") ||
	    !strcmp(type, "season.phase_changed"))
		app_cache_clear(app);
}

/* ---- the admin's pace and advance, on every server (app.h) ------------- */

/* Starts a tick here if this server may: 0, or scheduler_advance's error. */
static int advance_here(pw_app_t *app, int qs)
{
	if (!app->sched || app->shutting_down)
		return -ECANCELED;
	int r = scheduler_advance(app->sched);
	if (r == 0)
		app->next_quarter_seconds = qs;
	return r;
}

/* Whether another server is replaying a round: its replay mirrored here,
 * and its progress saved in the store. The mirror learns that a replay
 * ended from the replay's last event, which a holder killed at that very
 * moment may never have published; its saved progress, removed when the
 * replay ends, is the store's word on it. */
static bool replay_elsewhere(pw_app_t *app)
{
	if (!arena_mirror_live(app->mirror))
		return false;
	char *state = store_kv_get(app->store, PRESENTER_STATE_KEY);
	char *held = state ? NULL : store_kv_get(app->store, PRESENTER_HELD_KEY);
	bool saved = state || held;
	free(state);
	free(held);
	return saved;
}

int app_advance(pw_app_t *app, int qs)
{
	int r = advance_here(app, qs);
	if (r == 0 || r == -EBUSY || r == -ECANCELED)
		return r;
	if (r != -EPERM || !srv_bus_shared(app->bus))
		return -ECANCELED;
	/* Another server holds the ticks. What it is doing shows here too: a
	 * round begun and not finished is in the store, its replay in the
	 * mirror. Asked then, it would refuse; say so now. */
	if (round_in_progress(app->store) == 1 || replay_elsewhere(app))
		return -EBUSY;
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "quarter_seconds", qs);
	cJSON_AddStringToObject(o, "from", app->instance);
	char *json = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (!json)
		return -ECANCELED;
	srv_bus_publish(app->bus, "pace.advance_requested", json);
	free(json);
	log_event(&app->log, PW_LOG_INFO, "tick.advance_asked", "another server holds the tick lock: asked it");
	return 1;
}

void app_set_pace(pw_app_t *app, int pace)
{
	if (!app->sched)
		return;
	scheduler_set_pace(app->sched, (pw_pace_t)pace);
	if (!srv_bus_shared(app->bus))
		return;
	char json[64];
	snprintf(json, sizeof json, "{\"pace\":\"%s\"}", scheduler_pace_name((pw_pace_t)pace));
	srv_bus_publish(app->bus, "pace.changed", json);
}

/* Another server's admin changed the pace or asked for a tick. */
static void on_others_pace(pw_app_t *app, const char *type, const char *json)
{
	cJSON *o = cJSON_Parse(json);
	if (!strcmp(type, "pace.changed")) {
		int v = scheduler_pace_parse(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "pace")));
		if (v >= 0 && app->sched)
			scheduler_set_pace(app->sched, (pw_pace_t)v);
	} else if (!strcmp(type, "pace.advance_requested")) {
		const cJSON *q = cJSON_GetObjectItemCaseSensitive(o, "quarter_seconds");
		int qs = cJSON_IsNumber(q) && q->valuedouble >= 1 && q->valuedouble <= 3600 ? (int)q->valuedouble : 0;
		/* Every other server hears it; the one that may tick does. */
		int r = advance_here(app, qs);
		const char *from = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "from"));
		if (r == 0)
			log_event(&app->log, PW_LOG_INFO, "tick.advance_for", "a tick asked for on %.80s",
				  from ? from : "another server");
		else if (r == -EBUSY)
			log_event(&app->log, PW_LOG_INFO, "tick.advance_dropped",
				  "a tick asked for on %.80s while one runs here: not started",
				  from ? from : "another server");
	}
	cJSON_Delete(o);
}

cJSON *app_live_arena_json(pw_app_t *app, int max_plays)
{
	if (app->presenter && presenter_running(app->presenter))
		return presenter_arena_json(app->presenter, max_plays);
	return arena_mirror_arena_json(app->mirror, max_plays);
}

cJSON *app_live_game_json(pw_app_t *app, int64_t game_id, int max_plays)
{
	cJSON *g = app->presenter ? presenter_game_json(app->presenter, game_id, max_plays) : NULL;
	return g ? g : arena_mirror_game_json(app->mirror, game_id, max_plays);
}

/* ---- which server plays the ticks (leader.h) ---------------------------- */

static bool tick_claim(void *ud)
{
	pw_app_t *app = ud;
	return !app->leader || leader_claim(app->leader);
}

/*
 * A replay mirrored here that nobody presents any more: this server holds
 * the tick lock now and had nothing of it to resume (its saved progress
 * gone, its games all shown), so its presenter ended it, but died before
 * its last event (presentation.round_finished, published by the bus's own
 * thread) was written. Without that event every server's arena, this one's
 * too, would show the replay as live until the next one starts. It is told
 * now, as the presenter would have told it.
 */
static void end_mirrored_replay(pw_app_t *app)
{
	if (presenter_running(app->presenter))
		return;
	cJSON *end = arena_mirror_end(app->mirror);
	char *text = end ? cJSON_PrintUnformatted(end) : NULL;
	if (text) {
		log_event(&app->log, PW_LOG_WARN, "presentation.mirror_ended",
			  "round %d's replay was over but never said so (its server stopped): told now",
			  (int)cJSON_GetNumberValue(cJSON_GetObjectItem(end, "round")));
		srv_bus_publish(app->bus, "presentation.round_finished", text);
	}
	cJSON_free(text);
	cJSON_Delete(end);
}

/*
 * This server has just taken the tick lock (at start, or from a server
 * that died or stalled): it resumes what was left, in order — a round
 * begun and not finished first (round_tick resumes it at its first
 * unfinished stage, and its games are presented when it ends), else the
 * saved presentation and any games stored but never shown. When the lock
 * was taken for a tick about to start, that tick is the resumption.
 */
static void on_lead(void *ud, bool ticking)
{
	pw_app_t *app = ud;
	if (app->shutting_down || !app->presenter)
		return;
	discord_set_sending(app, true);
	int pending = round_in_progress(app->store);
	if (pending == 1) {
		if (ticking)
			return;
		if (app->sched && scheduler_advance(app->sched) == 0) {
			log_event(&app->log, PW_LOG_INFO, "tick.resume",
				  "finishing the round another runner began");
			return;
		}
	}
	presenter_resume(app->presenter);
	present_orphans(app);
	end_mirrored_replay(app);
}

/* Another server took the ticks over: what this one presented is left to
 * it, from the progress saved last. */
static void on_follow(void *ud)
{
	pw_app_t *app = ud;
	discord_set_sending(app, false);
	if (app->presenter)
		presenter_abandon(app->presenter);
}

/* Opens the league's store (applying migrations) and, on first start,
 * generates the demo league and its first season. */
static int league_open(pw_app_t *app)
{
	char err[512];
	pw_err_t e = {0};
	app->store = store_open(app->cfg.db_path, err, sizeof err);
	if (!app->store) {
		log_event(&app->log, PW_LOG_ERROR, "db.open_failed", "%s", err);
		return -1;
	}
	/* Before anything is published: on a shared store every event,
	 * the league's first included, goes through the live-event log. */
	if (store_is_shared(app->store) && bus_share(app) < 0)
		return -1;
	app->wstore = store_open(app->cfg.db_path, err, sizeof err);
	app->lstore = app->wstore ? store_open(app->cfg.db_path, err, sizeof err) : NULL;
	if (!app->wstore || !app->lstore) {
		log_event(&app->log, PW_LOG_ERROR, "db.open_failed", "%s", err);
		return -1;
	}
	/* The loop's connections (requests, the tick lock) never stall the
	 * loop on the log's checkpoint: the tick's connection does it, on its
	 * thread once a round is over (tick_run), so that no stage's commit
	 * waits for it either (store.h). */
	pw_store_t *loop_stores[] = {app->store, app->lstore};
	for (size_t i = 0; i < sizeof loop_stores / sizeof loop_stores[0]; i++)
		if (store_housekeeping_mode(loop_stores[i], STORE_HOUSEKEEPING_ELSEWHERE) < 0)
			log_event(&app->log, PW_LOG_WARN, "db.housekeeping",
				  "checkpoints stay on the loop's connection: %s", store_errmsg(loop_stores[i]));
	if (store_housekeeping_mode(app->wstore, STORE_HOUSEKEEPING_ON_ASK) < 0)
		log_event(&app->log, PW_LOG_WARN, "db.housekeeping",
			  "checkpoints stay in the round's commits: %s", store_errmsg(app->wstore));
	app->bus_iface = srv_bus_iface(app->bus);
	app->gov_cfg = (pw_gov_cfg_t){
		.require_approval = app->cfg.require_approval,
		.trade_expiry_rounds = app->cfg.trade_expiry_rounds,
		.min_voting_seconds = app->cfg.min_voting_seconds,
		.scripts_dir = app->cfg.scripts_dir,
		.bus = &app->bus_iface,
	};
	/* The one place serve meets the effects engine: governance checks
	 * effect scripts and projects impact with it, ticks run games with it. */
	app->fx = fx_league_new(&(fx_league_opts_t){.workers = 2}, err, sizeof err);
	if (!app->fx) {
		log_event(&app->log, PW_LOG_ERROR, "effects.init_failed", "%s", err);
		return -1;
	}
	fx_league_gov_cfg(app->fx, &app->gov_cfg);
	int teams = app->cfg.teams ? app->cfg.teams : 8;
	if (season_setup_league(app->store, "Pinwheel Fates", app->cfg.league_seed, teams, &app->league_id, &e) < 0) {
		log_event(&app->log, PW_LOG_ERROR, "league.setup_failed", "%s", e.msg);
		return -1;
	}
	app->view = store_open_viewer(app->cfg.db_path, err, sizeof err);
	app->games = game_text_cache_new(APP_GAME_CACHE);
	if (!app->view || !app->games) {
		if (app->view)
			snprintf(err, sizeof err, "out of memory");
		log_event(&app->log, PW_LOG_ERROR, "db.open_failed", "%s", err);
		return -1;
	}
	app->gov = gov_open(app->store, &app->gov_cfg);
	app->wgov = gov_open(app->wstore, &app->gov_cfg);
	if (!app->gov || !app->wgov) {
		log_event(&app->log, PW_LOG_ERROR, "league.open_failed", "the event log could not be read");
		return -1;
	}
	pw_season_row_t cur;
	if (season_current(app->store, &cur) != 1) {
		int64_t sid;
		if (season_create(app->gov, NULL, true, NULL, 0, &sid, &e) < 0) {
			log_event(&app->log, PW_LOG_ERROR, "league.setup_failed", "%s", e.msg);
			return -1;
		}
		log_event(&app->log, PW_LOG_INFO, "league.seeded",
			  "generated the demo league (%d teams, league seed %llu) and its first season",
			  teams, (unsigned long long)app->cfg.league_seed);
	}
	return 0;
}

void app_cache_clear(pw_app_t *app)
{
	free(app->cache.standings);
	free(app->cache.schedule);
	app->cache.standings = app->cache.schedule = NULL;
	app->cache.season_id = 0;
	app->cache.current_season = 0;
}

void app_close_league(pw_app_t *app)
{
	app_cache_clear(app);
	discord_close(app); /* its sender thread has a store connection of its own */
	api_checks_free(app);
	ai_writer_close(app->writer); /* it and the workers call the client */
	app->writer = NULL;
	ai_close(app->ai);
	app->ai = NULL;
	gov_close(app->gov);
	gov_close(app->wgov);
	if (app->lstore) /* normally released at shutdown already */
		store_tick_lock_release(app->lstore, app->instance);
	store_close(app->lstore);
	app->lstore = NULL;
	store_close(app->store);
	store_close(app->wstore);
	store_close(app->view);
	game_text_cache_free(app->games);
	app->games = NULL;
	cJSON_Delete(app->held_backlog);
	app->held_backlog = NULL;
	arena_mirror_free(app->mirror);
	app->mirror = NULL;
	app->view = NULL;
	fx_league_free(app->fx); /* after gov_close, as league_fx.h asks */
	app->fx = NULL;
	app->gov = app->wgov = NULL;
	app->store = app->wstore = NULL;
}

static void present_publish(void *ud, const char *type, const char *json)
{
	pw_app_t *app = ud;
	srv_bus_publish(app->bus, type, json);
}

/* ---- bus sinks -------------------------------------------------------- */

static void sink_sse(void *ud, uint64_t id, const char *type, const char *json)
{
	pw_app_t *app = ud;
	if (between_servers(type))
		return;
	if (app->sse)
		sse_hub_publish(app->sse, id, type, json);
}

static void sink_log(void *ud, uint64_t id, const char *type, const char *json)
{
	pw_app_t *app = ud;
	/* Possessions are many and already on the stream; the log keeps the
	 * events an operator follows. */
	if (strcmp(type, "presentation.possession") != 0)
		log_event(&app->log, PW_LOG_DEBUG, "bus.event", "id=%llu type=%s", (unsigned long long)id, type);
	/* A season changing phase is an operator's milestone: log it at info
	 * with the phase it entered. */
	if (strcmp(type, "season.phase_changed") == 0) {
		cJSON *j = cJSON_Parse(json);
		const char *from = cJSON_GetStringValue(cJSON_GetObjectItem(j, "from"));
		const char *to = cJSON_GetStringValue(cJSON_GetObjectItem(j, "to"));
		log_event(&app->log, PW_LOG_INFO, "season.phase_changed", "from=%s to=%s",
			  from ? from : "?", to ? to : "?");
		cJSON_Delete(j);
	}
}

/* ---- start and shutdown ------------------------------------------------ */

static void on_signal(uv_signal_t *s, int signum)
{
	pw_app_t *app = s->data;
	app_shutdown(app, signum == SIGTERM ? "SIGTERM" : "SIGINT");
}

static void http_closed(void *ud)
{
	pw_app_t *app = ud;
	app->http = NULL;
}

static void close_bus(pw_app_t *app)
{
	if (app->bus) {
		srv_bus_close(app->bus);
		app->bus = NULL;
	}
}

/* A running tick and a running proposal check both publish through the
 * bus to their end: the bus closes once the scheduler (which reports closed
 * only when no tick runs) and the check queue (once no check runs) are
 * both done with it. */
static void bus_user_gone(pw_app_t *app)
{
	if (--app->bus_users == 0)
		close_bus(app);
}

/* The tick lock goes once no tick runs and the presentation is saved. */
static void close_leader(pw_app_t *app)
{
	leader_close(app->leader);
	app->leader = NULL;
}

static void on_scheduler_closed(void *ud)
{
	pw_app_t *app = ud;
	app->sched = NULL;
	close_leader(app);
	bus_user_gone(app);
}

static void on_checks_idle(void *ud)
{
	bus_user_gone(ud);
}

void app_shutdown(pw_app_t *app, const char *why)
{
	if (app->shutting_down)
		return;
	app->shutting_down = true;
	log_event(&app->log, PW_LOG_INFO, "server.stopping", "reason=%s", why);
	/* Stop taking work, save where the replay stands, let a running tick
	 * finish (its after-work callback still runs), close streams last so
	 * clients see the end of the stream and reconnect elsewhere. */
	if (app->http)
		http_server_stop_accepting(app->http);
	if (app->presenter) {
		presenter_close(app->presenter);
		app->presenter = NULL;
	}
	app->bus_users = 2;
	api_checks_close(app, on_checks_idle, app);
	if (app->sched)
		scheduler_close(app->sched, on_scheduler_closed, app);
	else {
		close_leader(app);
		bus_user_gone(app);
	}
	if (app->sse) {
		sse_hub_close(app->sse);
		app->sse = NULL;
	}
	if (app->http)
		http_server_close(app->http, http_closed, app);
	if (app->signals_open) {
		uv_close((uv_handle_t *)&app->sigterm, NULL);
		uv_close((uv_handle_t *)&app->sigint, NULL);
		app->signals_open = false;
	}
}

int app_routes(pw_app_t *app)
{
	if (api_system_routes(app) < 0 || api_league_routes(app) < 0 || api_identity_routes(app) < 0 ||
	    pages_routes(app) < 0 || static_routes(app) < 0 || discord_routes(app) < 0)
		return -1;
	return 0;
}

void app_limits(const pw_serve_config_t *cfg, pw_app_limits_t *out)
{
	long conns = cfg->max_conns > 0 ? cfg->max_conns : 1024;
	if (cfg->fd_limit > 0) {
		/* Each check worker beyond eight holds one more database connection
		 * (three descriptors) than APP_FD_RESERVE counts. */
		long reserve = APP_FD_RESERVE + 3L * (cfg->check_workers > 8 ? cfg->check_workers - 8 : 0);
		long by_fd = cfg->fd_limit > 2 * reserve ? cfg->fd_limit - reserve : cfg->fd_limit / 2;
		if (by_fd < conns)
			conns = by_fd > 1 ? by_fd : 1;
	}
	long share = conns / 10 > 8 ? conns / 10 : 8;
	if (share > APP_REQUEST_CONNS)
		share = APP_REQUEST_CONNS > 8 ? APP_REQUEST_CONNS : 8;
	if (share > conns / 2)
		share = conns / 2;
	out->conns = (int)conns;
	out->subscribers = (int)(conns - share > 0 ? conns - share : 1);
}

/* The AI client from the environment (-2: a bad setting, a usage error). */
static int ai_start(pw_app_t *app)
{
	ai_config_t ac;
	char err[256];
	if (ai_config_from_env(&ac, err, sizeof err) < 0) {
		log_event(&app->log, PW_LOG_ERROR, "ai.config", "%s", err);
		return -2;
	}
	ac.db_path = app->cfg.db_path;
	ac.log = &app->log;
	if (ai_open(&app->ai, &ac, err, sizeof err) < 0) {
		log_event(&app->log, PW_LOG_ERROR, "ai.open_failed", "%s", err);
		return -1;
	}
	if (ai_enabled(app->ai))
		log_event(&app->log, PW_LOG_INFO, "ai.enabled",
			  "interpreter=%s classifier=%s review=%s daily_budget_usd=%.2f max_concurrent=%d",
			  ai_model(app->ai, AI_CALL_INTERPRETER), ai_model(app->ai, AI_CALL_CLASSIFIER),
			  ai_model(app->ai, AI_CALL_REVIEW), ac.daily_budget_usd, ac.max_concurrent);
	else
		log_event(&app->log, PW_LOG_INFO, "ai.disabled",
			  "ANTHROPIC_API_KEY is not set: the offline interpreter and reports answer");
	if (ai_writer_open(&app->writer, app->ai, app->cfg.db_path, &app->log, err, sizeof err) < 0) {
		log_event(&app->log, PW_LOG_ERROR, "ai.open_failed", "the report writer: %s", err);
		return -1;
	}
	return 0;
}

/* A completed round (after its replay) goes to the report writer's thread. */
static void sink_ai(void *ud, uint64_t id, const char *type, const char *json)
{
	pw_app_t *app = ud;
	if (!app->writer || strcmp(type, "round.completed"))
		return;
	cJSON *j = cJSON_Parse(json);
	double sid = cJSON_GetNumberValue(cJSON_GetObjectItem(j, "season_id"));
	double round = cJSON_GetNumberValue(cJSON_GetObjectItem(j, "round"));
	if (sid > 0 && round > 0)
		ai_writer_round(app->writer, (int64_t)sid, (int)round);
	cJSON_Delete(j);
}

int app_start(pw_app_t *app)
{
	char err[256];
	struct timeval tv;
	gettimeofday(&tv, NULL);
	app->started_at = tv.tv_sec;
	app->started_ms = (uint64_t)tv.tv_sec * 1000 + (uint64_t)tv.tv_usec / 1000;
	/* This server's name among the servers of one database: unique to
	 * this process whatever machine it runs on (host, process, start
	 * time), readable in the logs. It is the bus's origin of its events
	 * and the tick lock's holder (fencing compares it). */
	char host[32] = "";
	gethostname(host, sizeof host - 1);
	snprintf(app->instance, sizeof app->instance, "serve@%.31s/%ld/%llx", host[0] ? host : "?",
		 (long)getpid(), (unsigned long long)app->started_ms);

	if (app_routes(app) < 0) {
		log_event(&app->log, PW_LOG_ERROR, "server.routes", "could not register routes");
		return -1;
	}
	/* Event ids start at the wall clock in ms, so ids keep increasing
	 * across restarts and a resuming client is never confused. */
	if (srv_bus_new(&app->bus, app->loop, app->started_ms) < 0)
		return -1;
	pw_app_limits_t lim;
	app_limits(&app->cfg, &lim);
	app->limits = lim;
	app->mirror = arena_mirror_new();
	if (!app->mirror)
		return -1;
	pw_sse_config_t scfg = {.log = &app->log,
				.ring_cap = APP_SSE_RING,
				.heartbeat_ms = (uint64_t)app->cfg.heartbeat_s * 1000,
				.max_clients = (size_t)lim.subscribers};
	if (sse_hub_new(&app->sse, app->loop, &scfg) < 0)
		return -1;
	srv_bus_add_sink(app->bus, sink_sse, app);
	srv_bus_add_sink(app->bus, sink_log, app);
	srv_bus_add_sink_of(app->bus, SRV_BUS_OTHERS, sink_others, app);
	if (league_open(app) < 0)
		return -1;
	int r = ai_start(app);
	if (r < 0)
		return r;
	/* Reports are written once, by the instance whose presenter told the
	 * round (the others see its round.completed too). */
	srv_bus_add_sink_of(app->bus, SRV_BUS_OWN, sink_ai, app);
	if (api_checks_open(app) < 0 || discord_open(app) < 0)
		return -1;

	pw_presenter_config_t pcfg = {.mode = app->cfg.mode, .quarter_seconds = app->cfg.quarter_seconds,
				      .log = &app->log};
	pw_presenter_ops_t pops = {.ud = app, .load_game = load_game, .state_load = kv_load,
				   .state_save = kv_save, .publish = present_publish,
				   .mark_presented = mark_presented};
	if (presenter_new(&app->presenter, app->loop, &pcfg, &pops) < 0)
		return -1;
	pw_scheduler_config_t sc = {.pace = app->cfg.pace, .cron = app->cfg.cron,
				.auto_advance = app->cfg.auto_advance, .log = &app->log,
				.first_tick_s = app->cfg.pace == PW_PACE_DEMO ? SCHEDULER_DEMO_FIRST_TICK_S : 0};
	pw_scheduler_ops_t so = {.ud = app, .run = tick_run, .done = tick_done, .busy = tick_busy,
				 .claim = tick_claim};
	r = scheduler_new(&app->sched, app->loop, &sc, &so, err, sizeof err);
	if (r < 0) {
		log_event(&app->log, PW_LOG_ERROR, "scheduler.config", "%s", r == -1 ? err : uv_strerror(r));
		return -2;
	}

	pw_http_config_t hc = {
		.host = app->cfg.host,
		.port = app->cfg.port,
		.max_conns = lim.conns,
		.max_conns_per_addr = app->cfg.max_conns_per_addr,
		.max_input = (size_t)app->cfg.request_memory_mb << 20,
		.max_input_per_addr = ((size_t)app->cfg.request_memory_mb << 20) / 4 > (256u << 10)
					      ? ((size_t)app->cfg.request_memory_mb << 20) / 4
					      : (256u << 10),
		.request_timeout_ms = (uint64_t)app->cfg.request_timeout_s * 1000,
		.idle_timeout_ms = (uint64_t)app->cfg.idle_timeout_s * 1000,
		.max_write_queue = 1 << 20,
		.handler = dispatch,
		.ud = app,
		.log = &app->log,
	};
	r = http_server_start(&app->http, app->loop, &hc);
	if (r < 0) {
		log_event(&app->log, PW_LOG_ERROR, "server.listen_failed", "cannot listen on %s:%d: %s",
			  app->cfg.host, app->cfg.port, uv_strerror(r));
		return -1;
	}
	uv_signal_init(app->loop, &app->sigterm);
	uv_signal_init(app->loop, &app->sigint);
	app->sigterm.data = app->sigint.data = app;
	uv_signal_start(&app->sigterm, on_signal, SIGTERM);
	uv_signal_start(&app->sigint, on_signal, SIGINT);
	app->signals_open = true;

	/* Whoever holds the tick lock plays the ticks: taking it now resumes
	 * what a previous process left (on_lead); a follower tries again on
	 * the leader's timer. */
	pw_leader_ops_t lops = {.ud = app, .gained = on_lead, .lost = on_follow};
	if (leader_new(&app->leader, app->loop, app->lstore, app->instance, app->cfg.tick_lease_s, &lops,
		       &app->log) < 0)
		return -1;
	log_event(&app->log, PW_LOG_INFO, "server.limits",
		  "connections=%d (PINWHEEL_MAX_CONNECTIONS=%d, descriptor limit %ld less %d kept back) "
		  "stream_subscribers=%d per_address=%d request_memory_mb=%d check_workers=%d check_queue=%d "
		  "checks_per_minute=%d",
		  lim.conns, app->cfg.max_conns, app->cfg.fd_limit, APP_FD_RESERVE, lim.subscribers,
		  app->cfg.max_conns_per_addr, app->cfg.request_memory_mb, app->cfg.check_workers,
		  app->cfg.check_queue, app->cfg.checks_per_minute);
	if (!app->cfg.admin_token || !*app->cfg.admin_token) {
		if (http_server_is_loopback(app->http))
			log_event(&app->log, PW_LOG_WARN, "admin.open",
				  "PINWHEEL_ADMIN_TOKEN is not set: admin endpoints are open to anyone on this "
				  "loopback listener");
		else
			log_event(&app->log, PW_LOG_WARN, "admin.disabled",
				  "PINWHEEL_ADMIN_TOKEN is not set: admin endpoints are refused on this "
				  "non-loopback listener");
	}
	return 0;
}
