/*
 * api_identity.c — joining and invites over the JSON API: thin handlers
 * over core/league/identity.h. Joining follows PINWHEEL_ENROLLMENT: in
 * invite mode a join needs an invite code; in open mode anyone may join
 * (scripts included). Either way a request that carries the bearer token
 * of a governor already enrolled this season is that person joining twice,
 * and is refused.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/league/identity.h"
#include "server/api/api_util.h"
#include "server/app.h"

#define INVITE_HOURS_DEFAULT (7 * 24)

static int h_join(pw_app_t *app, pw_http_conn_t *c, const pw_http_request_t *req, const pw_params_t *p,
		  pw_response_t *res)
{
	cJSON *body = api_body_object(req, res, false);
	if (!body)
		return HTTP_HANDLED;
	const char *name, *code;
	int64_t team = 0;
	if (api_string(body, "name", true, 60, &name, res) < 0 ||
	    api_int(body, "team_id", false, 1, 1000000, &team, NULL, res) < 0 ||
	    api_string(body, "invite_code", false, 64, &code, res) < 0) {
		cJSON_Delete(body);
		return HTTP_HANDLED;
	}
	bool invite = app->cfg.enrollment == PW_ENROLL_INVITE;
	if (!(code && *code) && (invite || !team)) {
		cJSON_Delete(body);
		resp_error(res, invite ? 403 : 422, invite ? "invite_required" : "missing_field",
			   invite ? "Joining this league needs an invite: send \"invite_code\" from the admin's "
				    "invite link."
				  : "The field \"team_id\" is required.");
		return HTTP_HANDLED;
	}
	int64_t now = (int64_t)time(NULL), identity = 0;
	char token[256];
	if (app_bearer(req, token, sizeof token)) {
		int64_t gid = gov_authenticate(app->gov, token);
		if (gid <= 0) {
			cJSON_Delete(body);
			resp_error(res, 401, "unauthorized", "The bearer token is not a governor's token.");
			return HTTP_HANDLED;
		}
		identity = identity_of_governor(app->gov, gid, true, now);
	}
	pw_identity_join_t in = {.name = name, .team_id = team, .invite_code = code,
				 .require_invite = invite, .identity_id = identity, .now = now};
	cJSON *out = NULL;
	pw_err_t err = {0};
	int rc = identity_join(app->gov, &in, NULL, &out, &err);
	cJSON_Delete(body);
	return api_reply(res, rc, &err, out, 201);
}

/* An invite row for the admin, with its times as ISO 8601. */
static void invite_times(cJSON *o)
{
	static const char *const keys[] = {"expires_at", "created_at"};
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		time_t t = (time_t)cJSON_GetNumberValue(cJSON_GetObjectItem(o, keys[i]));
		cJSON_DeleteItemFromObject(o, keys[i]);
		json_add_time(o, keys[i], t);
	}
}

static int h_invites(pw_app_t *app, pw_http_conn_t *c, const pw_http_request_t *req, const pw_params_t *p,
		     pw_response_t *res)
{
	if (!app_require_admin(app, req, res))
		return HTTP_HANDLED;
	cJSON *list = store_invites_json(app->store);
	if (!list) {
		resp_error(res, 500, "internal", "Reading the invites failed.");
		return HTTP_HANDLED;
	}
	cJSON *o;
	cJSON_ArrayForEach(o, list)
		invite_times(o);
	resp_data(res, 200, list);
	return HTTP_HANDLED;
}

static int h_invite_create(pw_app_t *app, pw_http_conn_t *c, const pw_http_request_t *req,
			   const pw_params_t *p, pw_response_t *res)
{
	if (!app_require_admin(app, req, res))
		return HTTP_HANDLED;
	cJSON *body = api_body_object(req, res, false);
	if (!body)
		return HTTP_HANDLED;
	int64_t team, uses = 1, hours = INVITE_HOURS_DEFAULT;
	const char *note;
	if (api_int(body, "team_id", true, 1, 1000000, &team, NULL, res) < 0 ||
	    api_int(body, "uses", false, 1, IDENTITY_INVITE_MAX_USES, &uses, NULL, res) < 0 ||
	    api_int(body, "expires_in_hours", false, 1, IDENTITY_INVITE_MAX_SECONDS / 3600, &hours, NULL, res) < 0 ||
	    api_string(body, "note", false, IDENTITY_NOTE_MAX, &note, res) < 0) {
		cJSON_Delete(body);
		return HTTP_HANDLED;
	}
	int64_t now = (int64_t)time(NULL), id = 0;
	char code[IDENTITY_INVITE_HEX + 1];
	pw_err_t err = {0};
	int rc = identity_invite_create(app->store, team, (int)uses, now + hours * 3600, note, now, code, &id, &err);
	cJSON_Delete(body);
	if (rc < 0)
		return api_reply(res, rc, &err, NULL, 0);
	cJSON *out = cJSON_CreateObject();
	cJSON_AddNumberToObject(out, "id", (double)id);
	cJSON_AddStringToObject(out, "code", code);
	char path[80];
	snprintf(path, sizeof path, "/join?invite=%s", code);
	cJSON_AddStringToObject(out, "join_path", path);
	cJSON_AddNumberToObject(out, "team_id", (double)team);
	cJSON_AddNumberToObject(out, "max_uses", (double)uses);
	cJSON_AddNumberToObject(out, "uses", 0);
	json_add_time(out, "expires_at", (time_t)(now + hours * 3600));
	return api_reply(res, 0, &err, out, 201);
}

static int h_invite_revoke(pw_app_t *app, pw_http_conn_t *c, const pw_http_request_t *req,
			   const pw_params_t *p, pw_response_t *res)
{
	int64_t id;
	if (!app_require_admin(app, req, res))
		return HTTP_HANDLED;
	if (router_param_id(p, "id", &id) < 0) {
		resp_error(res, 404, "not_found", "The id in the path must be a positive integer.");
		return HTTP_HANDLED;
	}
	pw_err_t err = {0};
	int rc = identity_invite_revoke(app->store, id, &err);
	cJSON *out = NULL;
	if (rc == 0) {
		out = cJSON_CreateObject();
		cJSON_AddNumberToObject(out, "id", (double)id);
		cJSON_AddBoolToObject(out, "revoked", true);
	}
	return api_reply(res, rc, &err, out, 200);
}

int api_identity_routes(pw_app_t *app)
{
	static const struct {
		const char *method, *pattern;
		pw_handler_fn fn;
	} routes[] = {
		{"POST", "/api/governors", h_join},
		{"GET", "/api/admin/invites", h_invites},
		{"POST", "/api/admin/invites", h_invite_create},
		{"POST", "/api/admin/invites/{id}/revoke", h_invite_revoke},
	};
	for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++)
		if (app_route(app, routes[i].method, routes[i].pattern, routes[i].fn) < 0)
			return -1;
	return 0;
}
