/*
 * api_system.c — health, the event stream and pace control: the endpoints
 * that belong to the server itself rather than to the league.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "server/api/api_util.h"
#include "server/app.h"

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
	cJSON_AddStringToObject(o, "discord", "disabled");
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
			resp_error(res, 422, "invalid_pace", "pace must be fast, normal, slow or manual.");
		} else if (!app->sched) {
			resp_error(res, 503, "shutting_down", "The server is shutting down.");
		} else {
			scheduler_set_pace(app->sched, (pw_pace_t)v);
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
	if (!app->sched) {
		resp_error(res, 503, "shutting_down", "The server is shutting down.");
		return HTTP_HANDLED;
	}
	int r = scheduler_advance(app->sched);
	if (r == -EBUSY) {
		resp_error(res, 409, "tick_in_progress",
			   "A tick or its presentation is still running; try again when it ends.");
		return HTTP_HANDLED;
	}
	if (r < 0) {
		resp_error(res, 503, "shutting_down", "The server is shutting down.");
		return HTTP_HANDLED;
	}
	app->next_quarter_seconds = qs;
	cJSON *o = pace_json(app);
	cJSON_AddBoolToObject(o, "started", true);
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

int api_system_routes(pw_app_t *app)
{
	int r = 0;
	r |= app_route(app, "GET", "/health", h_health);
	r |= app_route(app, "GET", "/api/events/stream", h_stream);
	r |= app_route(app, "GET", "/api/events/health", h_events_health);
	r |= app_route(app, "GET", "/api/pace", h_pace_get);
	r |= app_route(app, "POST", "/api/pace", h_pace_set);
	r |= app_route(app, "GET", "/api/pace/status", h_pace_get);
	r |= app_route(app, "POST", "/api/pace/advance", h_pace_advance);
	r |= app_route(app, "POST", "/api/admin/events/ping", h_ping);
	return r ? -1 : 0;
}
