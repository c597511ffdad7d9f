/*
 * api_system.c — health, the event stream and pace control: the endpoints
 * that belong to the server itself rather than to the league.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/league/season.h"
#include "server/api/api_util.h"
#include "server/app.h"
#include "server/pages/pages.h"
#include "server/discord/discord.h"

/* /health answers bare (no envelope): load balancers and the Docker
 * HEALTHCHECK read "status" at the top. */
static int h_health(pw_app_t *app, pw_http_conn_t *c, const pw_http_request_t *req,
		    const pw_params_t *p, pw_response_t *res)
{
	bool db = app_db_ok(app);
	pw_sse_stats_t ss = {0};
	if (app->sse)
		sse_hub_stats(app->sse, &ss);
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "status", db ? "ok" : "unavailable");
	cJSON_AddStringToObject(o, "database", db ? "connected" : "unreachable");
	cJSON_AddStringToObject(o, "scheduler", app->sched ? scheduler_state(app->sched) : "stopped");
	cJSON_AddStringToObject(o, "discord", discord_health(app));
	if (discord_api_health(app))
		cJSON_AddStringToObject(o, "discord_api", discord_api_health(app));
	json_add_time(o, "last_simulation", app->last_simulation);
	cJSON_AddNumberToObject(o, "active_sse_connections", (double)ss.subscribers);
	cJSON_AddNumberToObject(o, "uptime_seconds", (double)(time(NULL) - app->started_at));
	/* What the connection limits leave (docs/OPERATIONS.md). */
	pw_http_stats_t hs = {0};
	if (app->http)
		http_server_stats(app->http, &hs);
	cJSON *cn = cJSON_AddObjectToObject(o, "connections");
	cJSON_AddNumberToObject(cn, "open", (double)hs.conns);
	cJSON_AddNumberToObject(cn, "limit", app->limits.conns);
	cJSON_AddNumberToObject(cn, "stream_limit", app->limits.subscribers);
	cJSON_AddNumberToObject(cn, "request_bytes", (double)hs.input_bytes);
	cJSON_AddNumberToObject(cn, "refused", (double)(hs.refused + ss.refused_clients));
	cJSON_AddNumberToObject(cn, "evicted_idle", (double)hs.evicted);
	char *text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	res->status = db ? 200 : 503;
	res->content_type = PW_CT_JSON;
	resp_header(res, "Cache-Control", "no-store");
	if (text)
		buf_puts(&res->body, text);
	cJSON_free(text);
	return HTTP_HANDLED;
}

static int h_stream(pw_app_t *app, pw_http_conn_t *c, const pw_http_request_t *req,
		    const pw_params_t *p, pw_response_t *res)
{
	if (!app->sse || app->shutting_down) {
		resp_error(res, 503, "shutting_down", "The server is shutting down; reconnect shortly.");
		return HTTP_HANDLED;
	}
	if (http_str_eq(req->method, "HEAD")) {
		res->status = 200;
		res->content_type = "text/event-stream";
		return HTTP_HANDLED;
	}
	return sse_hub_attach(app->sse, c, req, res);
}

static int h_events_health(pw_app_t *app, pw_http_conn_t *c, const pw_http_request_t *req,
			   const pw_params_t *p, pw_response_t *res)
{
	pw_sse_stats_t ss = {0};
	if (app->sse)
		sse_hub_stats(app->sse, &ss);
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "subscribers", (double)ss.subscribers);
	cJSON_AddNumberToObject(o, "published", (double)ss.published);
	cJSON_AddNumberToObject(o, "delivered", (double)ss.delivered);
	cJSON_AddNumberToObject(o, "dropped_events", (double)ss.dropped_events);
	cJSON_AddNumberToObject(o, "dropped_subscribers", (double)ss.dropped_clients);
	cJSON_AddNumberToObject(o, "bus_dropped", app->bus ? (double)srv_bus_dropped(app->bus) : 0);
	cJSON_AddNumberToObject(o, "ring_size", (double)ss.ring_size);
	cJSON_AddNumberToObject(o, "last_event_id", (double)ss.last_id);
	resp_data(res, 200, o);
	return HTTP_HANDLED;
}

static cJSON *pace_json(pw_app_t *app)
{
	cJSON *o = cJSON_CreateObject();
	if (app->sched)
		scheduler_status(app->sched, o);
	if (app->presenter)
		presenter_status(app->presenter, o);
	if (app->leader)
		leader_status(app->leader, o);
	/* last_tick_ms (the scheduler's) is the tick's whole work; of it, the
	 * round itself and the replay's games made ready after it. */
	cJSON_AddNumberToObject(o, "last_round_ms", app->last_round_ms);
	cJSON_AddNumberToObject(o, "last_presentation_load_ms", app->last_load_ms);
	return o;
}

static int h_pace_get(pw_app_t *app, pw_http_conn_t *c, const pw_http_request_t *req,
		      const pw_params_t *p, pw_response_t *res)
{
	resp_data(res, 200, pace_json(app));
	return HTTP_HANDLED;
}

static int h_pace_set(pw_app_t *app, pw_http_conn_t *c, const pw_http_request_t *req,
		      const pw_params_t *p, pw_response_t *res)
{
	if (!app_require_admin(app, req, res))
		return HTTP_HANDLED;
	cJSON *body = api_body_object(req, res, false);
	if (!body)
		return HTTP_HANDLED;
	const char *pace;
	if (api_string(body, "pace", true, 16, &pace, res) == 0) {
		int v = scheduler_pace_parse(pace);
		if (v < 0) {
			resp_error(res, 422, "invalid_pace", "pace must be fast, normal, slow, manual or demo.");
		} else if (!app->sched) {
			resp_error(res, 503, "shutting_down", "The server is shutting down.");
		} else {
			app_set_pace(app, v);
			resp_data(res, 200, pace_json(app));
		}
	}
	cJSON_Delete(body);
	return HTTP_HANDLED;
}

static int h_pace_advance(pw_app_t *app, pw_http_conn_t *c, const pw_http_request_t *req,
			  const pw_params_t *p, pw_response_t *res)
{
	if (!app_require_admin(app, req, res))
		return HTTP_HANDLED;
	char v[16];
	long n = http_query_param(req->query, "quarter_seconds", v, sizeof v);
	int qs = 0;
	if (n != -1) {
		char *end;
		long x = n > 0 ? strtol(v, &end, 10) : -1;
		if (n <= 0 || *end || x < 1 || x > 3600) {
			resp_error(res, 422, "invalid_quarter_seconds",
				   "quarter_seconds must be an integer from 1 to 3600.");
			return HTTP_HANDLED;
		}
		qs = (int)x;
	}
	int r = app_advance(app, qs);
	if (r == -EBUSY) {
		resp_error(res, 409, "tick_in_progress",
			   "A tick or its presentation is still running; try again when it ends.");
		return HTTP_HANDLED;
	}
	if (r < 0) {
		resp_error(res, 503, "shutting_down", "The server is shutting down.");
		return HTTP_HANDLED;
	}
	/* 1: several servers on one database, another holding the tick lock
	 * was asked to play it (app_advance); it starts within a moment. */
	cJSON *o = pace_json(app);
	cJSON_AddBoolToObject(o, "started", r == 0);
	if (r == 1)
		cJSON_AddBoolToObject(o, "requested", true);
	resp_data(res, 202, o);
	return HTTP_HANDLED;
}

/* Admin diagnostics: publishes a `server.ping` event so an operator (and
 * the end-to-end tests) can check the stream end to end without playing a
 * tick. `pad` adds that many filler bytes (≤ 60000) to test slow readers. */
static int h_ping(pw_app_t *app, pw_http_conn_t *c, const pw_http_request_t *req,
		  const pw_params_t *p, pw_response_t *res)
{
	if (!app_require_admin(app, req, res))
		return HTTP_HANDLED;
	cJSON *body = api_body_object(req, res, true);
	if (!body)
		return HTTP_HANDLED;
	int64_t pad = 0, count = 1;
	const char *note = NULL;
	if (api_int(body, "pad", false, 0, 60000, &pad, NULL, res) < 0 ||
	    api_int(body, "count", false, 1, 1000, &count, NULL, res) < 0 ||
	    api_string(body, "note", false, 200, &note, res) < 0) {
		cJSON_Delete(body);
		return HTTP_HANDLED;
	}
	for (int64_t i = 0; i < count && app->bus; i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "n", (double)i);
		if (note)
			cJSON_AddStringToObject(o, "note", note);
		if (pad) {
			char *fill = malloc((size_t)pad + 1);
			if (fill) {
				memset(fill, 'x', (size_t)pad);
				fill[pad] = '\0';
				cJSON_AddStringToObject(o, "pad", fill);
				free(fill);
			}
		}
		char *text = cJSON_PrintUnformatted(o);
		if (text)
			srv_bus_publish(app->bus, "server.ping", text);
		cJSON_free(text);
		cJSON_Delete(o);
	}
	cJSON_Delete(body);
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "published", (double)count);
	resp_data(res, 202, o);
	return HTTP_HANDLED;
}

/* Latest plays a card shows. */
#define ARENA_PLAYS 6

/* The last presented round that had games (an offseason round has none),
 * as final cards: the arena between rounds. Returns that round (0: none). */
static int arena_last_round(pw_app_t *app, const pw_season_row_t *cur, cJSON *games)
{
	int n = 0, last = store_games_last_round(app->view, cur->id);
	pw_game_row_t *g = last > 0 ? store_games(app->view, cur->id, last, &n) : NULL;
	cJSON *teams = n ? store_teams_json(app->view, app->league_id) : NULL;
	for (int i = 0; i < n; i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "game_id", (double)g[i].id);
		cJSON_AddNumberToObject(o, "round", g[i].round);
		cJSON_AddNumberToObject(o, "home_team_id", (double)g[i].home_team_id);
		cJSON_AddNumberToObject(o, "away_team_id", (double)g[i].away_team_id);
		cJSON_AddStringToObject(o, "stage", g[i].stage);
		char label[64];
		pages_game_label(g[i].stage, g[i].series, g[i].series_game, label, sizeof label);
		cJSON_AddStringToObject(o, "label", label);
		const char *hn = pages_team_name(teams, g[i].home_team_id);
		const char *an = pages_team_name(teams, g[i].away_team_id);
		cJSON_AddStringToObject(o, "home_team_name", hn ? hn : "Home");
		cJSON_AddStringToObject(o, "away_team_name", an ? an : "Away");
		cJSON_AddNumberToObject(o, "home_score", g[i].home_score);
		cJSON_AddNumberToObject(o, "away_score", g[i].away_score);
		cJSON_AddNumberToObject(o, "winner_team_id", (double)g[i].winner_team_id);
		cJSON_AddBoolToObject(o, "started", true);
		cJSON_AddBoolToObject(o, "finished", true);
		cJSON_AddItemToObject(o, "latest", cJSON_CreateArray());
		cJSON_AddItemToArray(games, o);
	}
	cJSON_Delete(teams);
	free(g);
	return last > 0 ? last : 0;
}

/* "in 2 min 5 s" */
static void in_words(char *out, size_t len, long secs)
{
	if (secs < 0)
		secs = 0;
	if (secs >= 60)
		snprintf(out, len, "in %ld min %ld s", secs / 60, secs % 60);
	else
		snprintf(out, len, "in %ld s", secs);
}

cJSON *app_arena_json(pw_app_t *app)
{
	cJSON *o = cJSON_CreateObject();
	pw_season_row_t cur;
	bool season = app->view && season_current(app->view, &cur) == 1;
	cJSON *live = app_live_arena_json(app, ARENA_PLAYS);
	time_t next = app->sched ? scheduler_next_at(app->sched) : 0, now = time(NULL);
	char text[200], when[48];
	in_words(when, sizeof when, (long)(next - now));
	const char *status;
	cJSON *games = cJSON_CreateArray();
	int last = !live && season ? arena_last_round(app, &cur, games) : 0;
	int round = live ? (int)cJSON_GetNumberValue(cJSON_GetObjectItem(live, "round")) : last;
	bool over = season && (!strcmp(cur.phase, "championship") || !strcmp(cur.phase, "offseason") ||
			       !strcmp(cur.phase, "complete"));
	if (live) {
		status = "live";
		snprintf(text, sizeof text, "Live: round %d.", round);
	} else if (app->sched && scheduler_ticking(app->sched)) {
		status = "playing";
		snprintf(text, sizeof text, "Round %d is being played…", (season ? cur.current_round : 0) + 1);
	} else if (over) {
		status = "season_over";
		cJSON *br = season_bracket_json(app->view, cur.id);
		const char *champ = cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(br, "champion"), "name"));
		if (champ)
			snprintf(text, sizeof text, "%s is over: the %s are the champions.", cur.name, champ);
		else
			snprintf(text, sizeof text, "%s is over.", cur.name);
		cJSON_Delete(br);
	} else if (next > 0) {
		status = "between_rounds";
		if (round > 0)
			snprintf(text, sizeof text, "Round %d is over. Round %d starts %s.", round, round + 1, when);
		else
			snprintf(text, sizeof text, "No games yet. Round 1 starts %s.", when);
	} else {
		status = "manual";
		char done[40] = "No games yet.";
		if (round > 0)
			snprintf(done, sizeof done, "Round %d is over.", round);
		snprintf(text, sizeof text, "%s The pace is manual: the next round starts when the admin plays it.",
			 done);
	}
	cJSON_AddStringToObject(o, "status", status);
	cJSON_AddStringToObject(o, "status_text", text);
	cJSON_AddNumberToObject(o, "round", round);
	if (season) {
		cJSON *sj = cJSON_AddObjectToObject(o, "season");
		cJSON_AddNumberToObject(sj, "id", (double)cur.id);
		cJSON_AddStringToObject(sj, "name", cur.name);
		cJSON_AddStringToObject(sj, "phase", cur.phase);
	} else {
		cJSON_AddNullToObject(o, "season");
	}
	cJSON *pace = cJSON_CreateObject();
	if (app->sched)
		scheduler_status(app->sched, pace);
	if (app->presenter)
		presenter_status(app->presenter, pace);
	cJSON_AddItemToObject(o, "pace", cJSON_DetachItemFromObject(pace, "pace"));
	cJSON_AddItemToObject(o, "quarter_seconds", cJSON_DetachItemFromObject(pace, "quarter_seconds"));
	cJSON_Delete(pace);
	json_add_time(o, "next_tick_at", next);
	if (next > 0 && !live)
		cJSON_AddNumberToObject(o, "next_tick_in", next > now ? (double)(next - now) : 0);
	else
		cJSON_AddNullToObject(o, "next_tick_in");
	pw_sse_stats_t ss = {0};
	if (app->sse)
		sse_hub_stats(app->sse, &ss);
	cJSON_AddNumberToObject(o, "last_event_id", (double)ss.last_id);
	if (live) {
		cJSON_Delete(games);
		cJSON_AddItemToObject(o, "games", cJSON_DetachItemFromObject(live, "games"));
		cJSON_Delete(live);
	} else {
		cJSON_AddItemToObject(o, "games", games);
	}
	return o;
}

static int h_arena(pw_app_t *app, pw_http_conn_t *c, const pw_http_request_t *req,
		   const pw_params_t *p, pw_response_t *res)
{
	resp_data(res, 200, app_arena_json(app));
	resp_header(res, "Cache-Control", "no-store");
	return HTTP_HANDLED;
}

int api_system_routes(pw_app_t *app)
{
	int r = 0;
	r |= app_route(app, "GET", "/health", h_health);
	r |= app_route(app, "GET", "/api/events/stream", h_stream);
	r |= app_route(app, "GET", "/api/events/health", h_events_health);
	r |= app_route(app, "GET", "/api/pace", h_pace_get);
	r |= app_route(app, "POST", "/api/pace", h_pace_set);
	r |= app_route(app, "GET", "/api/pace/status", h_pace_get);
	r |= app_route(app, "GET", "/api/arena", h_arena);
	r |= app_route(app, "POST", "/api/pace/advance", h_pace_advance);
	r |= app_route(app, "POST", "/api/admin/events/ping", h_ping);
	return r ? -1 : 0;
}
