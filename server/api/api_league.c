/*
 * api_league.c — the league's endpoints: thin handlers over the governance
 * service (core/league/governance.h) and the season read models (core/league/season.h).
 * Handlers validate the request's shape, find out who is asking from the
 * bearer token (never from the body), call one service function, and map
 * its result to the envelope.
 */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "core/league/errors.h"
#include "core/league/game_text.h"
#include "core/sim/jsonw.h"
#include "core/league/season.h"
#include "server/ai/ai_client.h"
#include "server/api/api_propose.h"
#include "server/api/api_util.h"
#include "server/app.h"

#define TEXT_MAX 2000
#define LUA_MAX 60000 /* governance's limit on effect_lua */

/* Answers a service call: data with ok_status, or its error. Takes out. */
static int reply(pw_response_t *res, int rc, const pw_err_t *err, cJSON *out, int ok_status)
{
	return api_reply(res, rc, err, out, ok_status);
}

static int model(pw_response_t *res, cJSON *data, const char *what)
{
	if (!data) {
		resp_error(res, 404, "not_found", "No such %s.", what);
		return HTTP_HANDLED;
	}
	/* printed as resp_data would, without cJSON's printf per number */
	char *text = jsonw_print(data);
	if (text)
		resp_data_raw(res, 200, text, strlen(text));
	else
		resp_error(res, 500, "out_of_memory", "The server ran out of memory building the answer.");
	free(text);
	cJSON_Delete(data);
	return HTTP_HANDLED;
}

/* The governor behind the bearer token, or 0 with res set to 401. */
static int64_t governor(pw_app_t *app, const pw_http_request_t *req, pw_response_t *res)
{
	char token[256];
	int64_t id = app_bearer(req, token, sizeof token) ? gov_authenticate(app->gov, token) : 0;
	if (id <= 0) {
		resp_error(res, 401, "unauthorized",
			   "This needs a governor's bearer token (Authorization: Bearer <token>).");
		resp_header(res, "WWW-Authenticate", "Bearer");
		return 0;
	}
	return id;
}

/* The current season's id, 0 if there is none. Remembered in the read-model
 * cache: only a tick or a new season changes it, and both clear the cache,
 * so a cached read needs no query at all. */
static int64_t current_season_id(pw_app_t *app)
{
	if (!app->cache.current_season) {
		pw_season_row_t cur;
		if (season_current(app->view, &cur) == 1)
			app->cache.current_season = cur.id;
	}
	return app->cache.current_season;
}

/* The season of ?season_id=, or the current one. 0 with res set on error. */
static int64_t season_of(pw_app_t *app, const pw_http_request_t *req, pw_response_t *res)
{
	int64_t sid = 0;
	int q = api_query_id(req, "season_id", &sid, res);
	if (q < 0)
		return 0;
	if (q == 0) {
		if (!(sid = current_season_id(app)))
			resp_error(res, 404, "not_found", "There is no season yet.");
		return sid;
	}
	pw_season_row_t row;
	if (sid != current_season_id(app) && store_season_get(app->view, sid, &row) != 1) {
		resp_error(res, 404, "not_found", "There is no season %lld.", (long long)sid);
		return 0;
	}
	return sid;
}

static bool path_id(const pw_params_t *p, const char *name, int64_t *id, pw_response_t *res)
{
	if (router_param_id(p, name, id) < 0) {
		resp_error(res, 404, "not_found", "The %s in the path must be a positive integer.", name);
		return false;
	}
	return true;
}

/* ---- seasons, teams, games -------------------------------------------- */

static int h_season_current(pw_app_t *app, pw_http_conn_t *c, const pw_http_request_t *req,
			    const pw_params_t *p, pw_response_t *res)
{
	return model(res, season_summary_json(app->view), "season");
}

static int h_season_create(pw_app_t *app, pw_http_conn_t *c, const pw_http_request_t *req,
			   const pw_params_t *p, pw_response_t *res)
{
	if (!app_require_admin(app, req, res))
		return HTTP_HANDLED;
	cJSON *body = api_body_object(req, res, true);
	if (!body)
		return HTTP_HANDLED;
	const char *name;
	bool carry;
	if (api_string(body, "name", false, 60, &name, res) < 0 ||
	    api_bool(body, "carry_rules", true, &carry, res) < 0) {
		cJSON_Delete(body);
		return HTTP_HANDLED;
	}
	pw_err_t err = {0};
	/* A name a client sets: the one check names get (gov_check_name). */
	if (name && gov_check_name("name", name, &err) < 0) {
		cJSON_Delete(body);
		return reply(res, PW_E_INVALID, &err, NULL, 0);
	}
	int64_t sid = 0;
	int rc = season_create(app->gov, name, carry, NULL, 0, &sid, &err);
	cJSON_Delete(body);
	app_cache_clear(app);
	return reply(res, rc, &err, rc < 0 ? NULL : season_current_json(app->gov), 201);
}

static int h_teams(pw_app_t *app, pw_http_conn_t *c, const pw_http_request_t *req,
		   const pw_params_t *p, pw_response_t *res)
{
	int64_t sid = season_of(app, req, res);
	if (!sid)
		return HTTP_HANDLED;
	cJSON *teams = season_teams_json(app->view, sid); /* the teams that play it */
	cJSON *out = cJSON_CreateArray();
	const cJSON *t;
	cJSON_ArrayForEach(t, teams)
	{
		int64_t id = (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(t, "id"));
		cJSON *full = season_team_json(app->view, sid, id);
		if (full)
			cJSON_AddItemToArray(out, full);
	}
	cJSON_Delete(teams);
	return model(res, out, "team");
}

static int h_team(pw_app_t *app, pw_http_conn_t *c, const pw_http_request_t *req,
		  const pw_params_t *p, pw_response_t *res)
{
	int64_t id, sid;
	if (!path_id(p, "id", &id, res) || !(sid = season_of(app, req, res)))
		return HTTP_HANDLED;
	return model(res, season_team_json(app->view, sid, id), "team");
}

static int h_hooper(pw_app_t *app, pw_http_conn_t *c, const pw_http_request_t *req,
		    const pw_params_t *p, pw_response_t *res)
{
	int64_t id, sid;
	if (!path_id(p, "id", &id, res) || !(sid = season_of(app, req, res)))
		return HTTP_HANDLED;
	int64_t team_id = 0;
	int slot;
	if (store_hooper_team(app->view, id, &team_id, &slot) < 0 || team_id <= 0)
		return model(res, NULL, "hooper");
	cJSON *team = season_team_json(app->view, sid, team_id);
	cJSON *found = NULL;
	const cJSON *h;
	cJSON_ArrayForEach(h, cJSON_GetObjectItem(team, "hoopers"))
	{
		if ((int64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(h, "id")) == id) {
			found = cJSON_Duplicate(h, 1);
			break;
		}
	}
	if (found) {
		cJSON_AddNumberToObject(found, "team_id", (double)team_id);
		const cJSON *tn = cJSON_GetObjectItem(team, "name");
		if (cJSON_IsString(tn))
			cJSON_AddStringToObject(found, "team_name", tn->valuestring);
		/* Totals, per game and the game log of the season asked for. */
		cJSON_AddItemToObject(found, "season_stats", season_hooper_json(app->view, sid, id));
	}
	cJSON_Delete(team);
	return model(res, found, "hooper");
}

/* Answers from a cached printed model, filling the cache on a miss. Only
 * the current season is cached; ticks and new seasons clear it. */
static int cached(pw_app_t *app, int64_t sid, char **slot, cJSON *(*build)(pw_app_t *, int64_t),
		  pw_response_t *res)
{
	bool current = sid == current_season_id(app);
	if (current && app->cache.season_id != sid)
		app_cache_clear(app);
	if (!current || !*slot) {
		cJSON *m = build(app, sid);
		if (!m)
			return model(res, NULL, "season");
		char *text = cJSON_PrintUnformatted(m);
		cJSON_Delete(m);
		if (!text) {
			resp_error(res, 500, "out_of_memory", "The server ran out of memory.");
			return HTTP_HANDLED;
		}
		if (!current) {
			resp_data_raw(res, 200, text, strlen(text));
			cJSON_free(text);
			return HTTP_HANDLED;
		}
		app->cache.season_id = sid;
		*slot = strdup(text);
		cJSON_free(text);
		if (!*slot) {
			resp_error(res, 500, "out_of_memory", "The server ran out of memory.");
			return HTTP_HANDLED;
		}
	}
	resp_data_raw(res, 200, *slot, strlen(*slot));
	return HTTP_HANDLED;
}

static cJSON *build_standings(pw_app_t *app, int64_t sid)
{
	return season_standings_json(app->view, sid);
}

static cJSON *build_schedule(pw_app_t *app, int64_t sid)
{
	return store_schedule_json(app->view, sid);
}

static int h_standings(pw_app_t *app, pw_http_conn_t *c, const pw_http_request_t *req,
		       const pw_params_t *p, pw_response_t *res)
{
	int64_t sid = season_of(app, req, res);
	if (!sid)
		return HTTP_HANDLED;
	return cached(app, sid, &app->cache.standings, build_standings, res);
}

static int h_schedule(pw_app_t *app, pw_http_conn_t *c, const pw_http_request_t *req,
		      const pw_params_t *p, pw_response_t *res)
{
	int64_t sid = season_of(app, req, res);
	if (!sid)
		return HTTP_HANDLED;
	return cached(app, sid, &app->cache.schedule, build_schedule, res);
}

static int h_games(pw_app_t *app, pw_http_conn_t *c, const pw_http_request_t *req,
		   const pw_params_t *p, pw_response_t *res)
{
	int64_t sid = season_of(app, req, res);
	if (!sid)
		return HTTP_HANDLED;
	int64_t round = 0;
	if (api_query_id(req, "round", &round, res) < 0)
		return HTTP_HANDLED;
	return model(res, season_games_json(app->view, sid, (int)round), "season");
}

/*
 * The GameResult text of a game as viewers may see it (caller frees) with
 * its row, or NULL with res set: 404 when there is no such game, 409
 * game_in_progress while it is being replayed (no spoilers), 500 when a
 * stored game cannot be shown (a bug, logged).
 */
static char *game_text(pw_app_t *app, int64_t id, pw_game_row_t *row, pw_response_t *res)
{
	char *text = NULL, err[256];
	int got = store_game_get(app->view, id, row);
	if (got == 1 && game_text_get(app->view, app->games, id, &text, err, sizeof err) == 1)
		return text;
	if (got == 1) {
		log_event(&app->log, PW_LOG_ERROR, "game.unreadable", "%s", err);
		resp_error(res, 500, "internal", "Game %lld cannot be read.", (long long)id);
	} else if (store_game_get(app->store, id, row) == 1 && row->unpresented) {
		resp_error(res, 409, "game_in_progress",
			   "Game %lld is being played in the arena; its result shows when its replay ends.",
			   (long long)id);
	} else {
		resp_error(res, 404, "not_found", "No such game.");
	}
	return NULL;
}

/*
 * The GameResult as the API serves it: its "game_id" is the id in the URL
 * (the stored result carries the simulation's own), and it says where it
 * was played: season_id, round, stage, series and series_game (caller
 * owns; NULL with res set).
 */
static cJSON *game_json(pw_app_t *app, int64_t id, pw_response_t *res)
{
	pw_game_row_t row;
	char *text = game_text(app, id, &row, res);
	cJSON *g = text ? cJSON_Parse(text) : NULL;
	free(text);
	if (!g) {
		if (text)
			resp_error(res, 500, "internal", "Game %lld cannot be read.", (long long)id);
		return NULL;
	}
	cJSON_ReplaceItemInObject(g, "game_id", cJSON_CreateNumber((double)id));
	cJSON_AddNumberToObject(g, "season_id", (double)row.season_id);
	cJSON_AddNumberToObject(g, "round", row.round);
	cJSON_AddStringToObject(g, "stage", row.stage);
	if (row.series[0]) {
		cJSON_AddStringToObject(g, "series", row.series);
		cJSON_AddNumberToObject(g, "series_game", row.series_game);
	}
	return g;
}

/*
 * game_json's answer without parsing the ~70 KB text and printing it
 * again: the same edits made on the text (the first member is always
 * "game_id", a number; the rest is appended before the closing brace),
 * byte for byte what printing game_json's tree gives. false when the
 * text is not of that shape (then game_json does it).
 */
static bool game_spliced(const char *text, int64_t id, const pw_game_row_t *row, pw_buf_t *out)
{
	static const char head[] = "{\"game_id\":";
	size_t len = strlen(text);
	const char *rest = strncmp(text, head, sizeof head - 1) ? NULL : strchr(text + sizeof head - 1, ',');
	if (!rest || len < 2 || text[len - 1] != '}')
		return false;
	buf_reserve(out, len + 160);
	buf_puts(out, head);
	jsonw_num(out, (double)id);
	buf_append(out, rest, (size_t)(text + len - 1 - rest));
	buf_puts(out, ",\"season_id\":");
	jsonw_num(out, (double)row->season_id);
	buf_puts(out, ",\"round\":");
	jsonw_num(out, row->round);
	buf_puts(out, ",\"stage\":");
	jsonw_str(out, row->stage);
	if (row->series[0]) {
		buf_puts(out, ",\"series\":");
		jsonw_str(out, row->series);
		buf_puts(out, ",\"series_game\":");
		jsonw_num(out, row->series_game);
	}
	buf_puts(out, "}");
	return !out->oom;
}

static int h_game(pw_app_t *app, pw_http_conn_t *c, const pw_http_request_t *req,
		  const pw_params_t *p, pw_response_t *res)
{
	int64_t id;
	if (!path_id(p, "id", &id, res))
		return HTTP_HANDLED;
	pw_game_row_t row;
	char *text = game_text(app, id, &row, res);
	if (!text)
		return HTTP_HANDLED;
	pw_buf_t b = {0};
	if (game_spliced(text, id, &row, &b)) {
		resp_data_raw(res, 200, b.data, b.len);
	} else {
		cJSON *g = game_json(app, id, res);
		if (g)
			resp_data(res, 200, g);
	}
	buf_free(&b);
	free(text);
	return HTTP_HANDLED;
}

static int game_part(pw_app_t *app, const pw_params_t *p, pw_response_t *res, const char *part)
{
	int64_t id;
	if (!path_id(p, "id", &id, res))
		return HTTP_HANDLED;
	cJSON *g = game_json(app, id, res);
	if (!g)
		return HTTP_HANDLED;
	cJSON *out = cJSON_DetachItemFromObject(g, part);
	cJSON_Delete(g);
	return model(res, out, "game");
}

static int h_boxscore(pw_app_t *app, pw_http_conn_t *c, const pw_http_request_t *req,
		      const pw_params_t *p, pw_response_t *res)
{
	return game_part(app, p, res, "box_scores");
}

static int h_plays(pw_app_t *app, pw_http_conn_t *c, const pw_http_request_t *req,
		   const pw_params_t *p, pw_response_t *res)
{
	return game_part(app, p, res, "plays");
}

static int h_bracket(pw_app_t *app, pw_http_conn_t *c, const pw_http_request_t *req,
		     const pw_params_t *p, pw_response_t *res)
{
	int64_t sid = season_of(app, req, res);
	if (!sid)
		return HTTP_HANDLED;
	/* The bracket as drawn (its stored format), never the rules now. */
	return model(res, season_bracket_json(app->view, sid), "season");
}

/* ---- governors and governance ------------------------------------------ */

static int h_governor(pw_app_t *app, pw_http_conn_t *c, const pw_http_request_t *req,
		      const pw_params_t *p, pw_response_t *res)
{
	int64_t id;
	if (!path_id(p, "id", &id, res))
		return HTTP_HANDLED;
	return model(res, gov_governor_json(app->gov, id), "governor");
}

static int h_propose(pw_app_t *app, pw_http_conn_t *c, const pw_http_request_t *req,
		     const pw_params_t *p, pw_response_t *res)
{
	int64_t gid = governor(app, req, res);
	if (!gid)
		return HTTP_HANDLED;
	cJSON *body = api_body_object(req, res, false);
	if (!body)
		return HTTP_HANDLED;
	const char *text, *lua;
	if (api_string(body, "text", true, TEXT_MAX, &text, res) < 0 ||
	    api_string(body, "effect_lua", false, LUA_MAX, &lua, res) < 0) {
		cJSON_Delete(body);
		return HTTP_HANDLED;
	}
	/* The check runs on a check worker; the answer comes from there. */
	int hr = api_propose_start(app, c, gid, 0, text, lua, res);
	cJSON_Delete(body);
	return hr;
}

typedef int (*proposal_op)(pw_gov_t *, int64_t, int64_t, cJSON **, pw_err_t *);

static int proposal_action(pw_app_t *app, const pw_http_request_t *req, const pw_params_t *p,
			   pw_response_t *res, proposal_op op)
{
	int64_t gid = governor(app, req, res), pid;
	if (!gid || !path_id(p, "id", &pid, res))
		return HTTP_HANDLED;
	cJSON *out = NULL;
	pw_err_t err = {0};
	int rc = op(app->gov, gid, pid, &out, &err);
	return reply(res, rc, &err, out, 200);
}

static int h_confirm(pw_app_t *app, pw_http_conn_t *c, const pw_http_request_t *req,
		     const pw_params_t *p, pw_response_t *res)
{
	return proposal_action(app, req, p, res, gov_confirm);
}

static int h_cancel(pw_app_t *app, pw_http_conn_t *c, const pw_http_request_t *req,
		    const pw_params_t *p, pw_response_t *res)
{
	return proposal_action(app, req, p, res, gov_cancel);
}

static int h_withdraw(pw_app_t *app, pw_http_conn_t *c, const pw_http_request_t *req,
		      const pw_params_t *p, pw_response_t *res)
{
	return proposal_action(app, req, p, res, gov_withdraw);
}

static int h_amend(pw_app_t *app, pw_http_conn_t *c, const pw_http_request_t *req,
		   const pw_params_t *p, pw_response_t *res)
{
	int64_t gid = governor(app, req, res), pid;
	if (!gid || !path_id(p, "id", &pid, res))
		return HTTP_HANDLED;
	cJSON *body = api_body_object(req, res, false);
	if (!body)
		return HTTP_HANDLED;
	const char *text, *lua;
	if (api_string(body, "text", true, TEXT_MAX, &text, res) < 0 ||
	    api_string(body, "effect_lua", false, LUA_MAX, &lua, res) < 0) {
		cJSON_Delete(body);
		return HTTP_HANDLED;
	}
	int hr = api_propose_start(app, c, gid, pid, text, lua, res);
	cJSON_Delete(body);
	return hr;
}

static int h_vote(pw_app_t *app, pw_http_conn_t *c, const pw_http_request_t *req,
		  const pw_params_t *p, pw_response_t *res)
{
	int64_t gid = governor(app, req, res);
	if (!gid)
		return HTTP_HANDLED;
	cJSON *body = api_body_object(req, res, false);
	if (!body)
		return HTTP_HANDLED;
	int64_t pid;
	const char *vote;
	bool boost;
	if (api_int(body, "proposal_id", true, 1, INT64_C(1) << 52, &pid, NULL, res) < 0 ||
	    api_string(body, "vote", true, 8, &vote, res) < 0 ||
	    api_bool(body, "boost", false, &boost, res) < 0) {
		cJSON_Delete(body);
		return HTTP_HANDLED;
	}
	if (strcmp(vote, "yes") && strcmp(vote, "no")) {
		cJSON_Delete(body);
		resp_error(res, 422, "invalid_field", "The field \"vote\" must be \"yes\" or \"no\".");
		return HTTP_HANDLED;
	}
	cJSON *out = NULL;
	pw_err_t err = {0};
	int rc = gov_vote(app->gov, gid, pid, !strcmp(vote, "yes"), boost, &out, &err);
	cJSON_Delete(body);
	return reply(res, rc, &err, out, 200);
}

static int h_proposals(pw_app_t *app, pw_http_conn_t *c, const pw_http_request_t *req,
		       const pw_params_t *p, pw_response_t *res)
{
	int64_t sid = 0;
	if (api_query_id(req, "season_id", &sid, res) < 0)
		return HTTP_HANDLED;
	char status[16];
	long n = http_query_param(req->query, "status", status, sizeof status);
	/* An empty status is no filter, as an empty season_id is no season. */
	if (n != -1 && n != 0 && (n < 0 || gstate_status_find(status) < 0)) {
		resp_error(res, 400, "invalid_parameter",
			   "status must be draft, open, passed, failed, held, vetoed, cancelled or withdrawn.");
		return HTTP_HANDLED;
	}
	return model(res, gov_proposals_json(app->gov, sid, n > 0 ? status : NULL), "proposal");
}

static int h_proposal(pw_app_t *app, pw_http_conn_t *c, const pw_http_request_t *req,
		      const pw_params_t *p, pw_response_t *res)
{
	int64_t id;
	if (!path_id(p, "id", &id, res))
		return HTTP_HANDLED;
	return model(res, gov_proposal_json(app->gov, id), "proposal");
}

static int h_rules_current(pw_app_t *app, pw_http_conn_t *c, const pw_http_request_t *req,
			   const pw_params_t *p, pw_response_t *res)
{
	return model(res, gov_rules_current_json(app->gov), "ruleset");
}

static int h_rules_history(pw_app_t *app, pw_http_conn_t *c, const pw_http_request_t *req,
			   const pw_params_t *p, pw_response_t *res)
{
	return model(res, gov_rules_history_json(app->gov), "ruleset");
}

/* The effects in force and those switched off (with their reason), or
 * ?status=active|disabled|expired|repealed|all. */
static int h_effects(pw_app_t *app, pw_http_conn_t *c, const pw_http_request_t *req,
		     const pw_params_t *p, pw_response_t *res)
{
	char status[16];
	long n = http_query_param(req->query, "status", status, sizeof status);
	unsigned mask = PW_FX_MASK_CURRENT;
	if (n != -1) {
		static const struct {
			const char *name;
			unsigned mask;
		} filters[] = {
			{"active", PW_FX_MASK(PW_FX_ACTIVE)},     {"disabled", PW_FX_MASK(PW_FX_DISABLED)},
			{"expired", PW_FX_MASK(PW_FX_EXPIRED)},   {"repealed", PW_FX_MASK(PW_FX_REPEALED)},
			{"all", PW_FX_MASK_ALL},
		};
		mask = 0;
		for (size_t i = 0; n > 0 && i < sizeof filters / sizeof filters[0]; i++)
			if (!strcmp(status, filters[i].name))
				mask = filters[i].mask;
		if (!mask) {
			resp_error(res, 400, "invalid_parameter",
				   "status must be active, disabled, expired, repealed or all.");
			return HTTP_HANDLED;
		}
	}
	return model(res, gov_effects_list_json(app->gov, mask), "effect");
}

static int h_effect(pw_app_t *app, pw_http_conn_t *c, const pw_http_request_t *req,
		    const pw_params_t *p, pw_response_t *res)
{
	return model(res, gov_effect_json(app->gov, router_param(p, "id")), "effect");
}

static int tokens_of(const cJSON *body, const char *field, int out[PW_TOKEN_KINDS], pw_response_t *res)
{
	const cJSON *o = cJSON_GetObjectItemCaseSensitive(body, field);
	memset(out, 0, sizeof(int) * PW_TOKEN_KINDS);
	if (!cJSON_IsObject(o)) {
		resp_error(res, 422, "invalid_field", "The field \"%s\" must be an object {propose, amend, boost}.",
			   field);
		return -1;
	}
	static const char *kinds[PW_TOKEN_KINDS] = {"propose", "amend", "boost"};
	for (int k = 0; k < PW_TOKEN_KINDS; k++) {
		int64_t v = 0;
		if (api_int(o, kinds[k], false, 0, 100, &v, NULL, res) < 0)
			return -1;
		out[k] = (int)v;
	}
	return 0;
}

static int h_trade(pw_app_t *app, pw_http_conn_t *c, const pw_http_request_t *req,
		   const pw_params_t *p, pw_response_t *res)
{
	int64_t gid = governor(app, req, res);
	if (!gid)
		return HTTP_HANDLED;
	cJSON *body = api_body_object(req, res, false);
	if (!body)
		return HTTP_HANDLED;
	int64_t to;
	int offer[PW_TOKEN_KINDS], request[PW_TOKEN_KINDS];
	if (api_int(body, "to_governor_id", true, 1, INT64_C(1) << 52, &to, NULL, res) < 0 ||
	    tokens_of(body, "offer", offer, res) < 0 || tokens_of(body, "request", request, res) < 0) {
		cJSON_Delete(body);
		return HTTP_HANDLED;
	}
	cJSON *out = NULL;
	pw_err_t err = {0};
	int rc = gov_trade_offer(app->gov, gid, to, offer, request, &out, &err);
	cJSON_Delete(body);
	return reply(res, rc, &err, out, 201);
}

static int trade_respond(pw_app_t *app, const pw_http_request_t *req, const pw_params_t *p,
			 pw_response_t *res, bool accept)
{
	int64_t gid = governor(app, req, res), tid;
	if (!gid || !path_id(p, "id", &tid, res))
		return HTTP_HANDLED;
	cJSON *out = NULL;
	pw_err_t err = {0};
	int rc = gov_trade_respond(app->gov, gid, tid, accept, &out, &err);
	return reply(res, rc, &err, out, 200);
}

static int h_trade_accept(pw_app_t *app, pw_http_conn_t *c, const pw_http_request_t *req,
			  const pw_params_t *p, pw_response_t *res)
{
	return trade_respond(app, req, p, res, true);
}

static int h_trade_reject(pw_app_t *app, pw_http_conn_t *c, const pw_http_request_t *req,
			  const pw_params_t *p, pw_response_t *res)
{
	return trade_respond(app, req, p, res, false);
}

static int h_trade_withdraw(pw_app_t *app, pw_http_conn_t *c, const pw_http_request_t *req,
			    const pw_params_t *p, pw_response_t *res)
{
	return proposal_action(app, req, p, res, gov_trade_withdraw);
}

/* The token offers and hooper trades that involve the caller. */
static int h_trades(pw_app_t *app, pw_http_conn_t *c, const pw_http_request_t *req,
		    const pw_params_t *p, pw_response_t *res)
{
	int64_t gid = governor(app, req, res);
	if (!gid)
		return HTTP_HANDLED;
	return model(res, gov_trades_json(app->gov, gid), "trade");
}

static int h_hooper_trade(pw_app_t *app, pw_http_conn_t *c, const pw_http_request_t *req,
			  const pw_params_t *p, pw_response_t *res)
{
	int64_t gid = governor(app, req, res);
	if (!gid)
		return HTTP_HANDLED;
	cJSON *body = api_body_object(req, res, false);
	if (!body)
		return HTTP_HANDLED;
	int64_t a, b;
	if (api_int(body, "hooper_id", true, 1, INT64_C(1) << 52, &a, NULL, res) < 0 ||
	    api_int(body, "for_hooper_id", true, 1, INT64_C(1) << 52, &b, NULL, res) < 0) {
		cJSON_Delete(body);
		return HTTP_HANDLED;
	}
	cJSON *out = NULL;
	pw_err_t err = {0};
	int rc = gov_hooper_trade_propose(app->gov, gid, a, b, &out, &err);
	cJSON_Delete(body);
	return reply(res, rc, &err, out, 201);
}

static int h_hooper_trade_approve(pw_app_t *app, pw_http_conn_t *c, const pw_http_request_t *req,
				  const pw_params_t *p, pw_response_t *res)
{
	return proposal_action(app, req, p, res, gov_hooper_trade_approve);
}

static int h_hooper_trade_reject(pw_app_t *app, pw_http_conn_t *c, const pw_http_request_t *req,
				 const pw_params_t *p, pw_response_t *res)
{
	return proposal_action(app, req, p, res, gov_hooper_trade_reject);
}

static int h_strategy(pw_app_t *app, pw_http_conn_t *c, const pw_http_request_t *req,
		      const pw_params_t *p, pw_response_t *res)
{
	int64_t gid = governor(app, req, res);
	if (!gid)
		return HTTP_HANDLED;
	cJSON *body = api_body_object(req, res, false);
	if (!body)
		return HTTP_HANDLED;
	const char *text;
	if (api_string(body, "text", true, TEXT_MAX, &text, res) < 0) {
		cJSON_Delete(body);
		return HTTP_HANDLED;
	}
	if (ai_enabled(app->ai)) {
		/* The AI reads it on a check worker: the loop never waits on it. */
		api_check_req_t rq = {.kind = API_CHECK_STRATEGY, .governor_id = gid, .text = text};
		int hr = api_check_start(app, c, &rq, res);
		cJSON_Delete(body);
		return hr;
	}
	cJSON *out = NULL;
	pw_err_t err = {0};
	int rc = gov_strategy_set(app->gov, gid, text, &out, &err);
	cJSON_Delete(body);
	return reply(res, rc, &err, out, 200);
}

/* A governor writes the bio of a hooper of their team. */
static int h_hooper_bio(pw_app_t *app, pw_http_conn_t *c, const pw_http_request_t *req,
			const pw_params_t *p, pw_response_t *res)
{
	int64_t gid = governor(app, req, res), hid;
	if (!gid || !path_id(p, "id", &hid, res))
		return HTTP_HANDLED;
	cJSON *body = api_body_object(req, res, false);
	if (!body)
		return HTTP_HANDLED;
	const char *text;
	if (api_string(body, "text", true, TEXT_MAX, &text, res) < 0) {
		cJSON_Delete(body);
		return HTTP_HANDLED;
	}
	cJSON *out = NULL;
	pw_err_t err = {0};
	int rc = gov_hooper_bio_set(app->gov, gid, hid, text, &out, &err);
	cJSON_Delete(body);
	return reply(res, rc, &err, out, 200);
}

/* ---- reports ------------------------------------------------------------ */

static int h_reports_latest(pw_app_t *app, pw_http_conn_t *c, const pw_http_request_t *req,
			    const pw_params_t *p, pw_response_t *res)
{
	int64_t sid = season_of(app, req, res);
	if (!sid)
		return HTTP_HANDLED;
	return model(res, store_reports_json(app->view, sid, -1, 0, false), "report");
}

static int h_reports_round(pw_app_t *app, pw_http_conn_t *c, const pw_http_request_t *req,
			   const pw_params_t *p, pw_response_t *res)
{
	int64_t sid, round;
	if (!path_id(p, "season", &sid, res) || !path_id(p, "round", &round, res))
		return HTTP_HANDLED;
	return model(res, store_reports_json(app->view, sid, (int)round, 0, false), "report");
}

static int h_reports_private(pw_app_t *app, pw_http_conn_t *c, const pw_http_request_t *req,
			     const pw_params_t *p, pw_response_t *res)
{
	int64_t gid = governor(app, req, res);
	if (!gid)
		return HTTP_HANDLED;
	int64_t sid = season_of(app, req, res);
	if (!sid)
		return HTTP_HANDLED;
	return model(res, store_reports_json(app->view, sid, -1, gid, true), "report");
}

/* ---- admin review ------------------------------------------------------- */

static int admin_review(pw_app_t *app, const pw_http_request_t *req, const pw_params_t *p,
			pw_response_t *res, int which)
{
	int64_t pid;
	if (!app_require_admin(app, req, res) || !path_id(p, "id", &pid, res))
		return HTTP_HANDLED;
	cJSON *out = NULL;
	pw_err_t err = {0};
	int rc;
	if (which == 0) {
		rc = gov_admin_clear(app->gov, pid, &out, &err);
	} else if (which == 1) {
		cJSON *body = api_body_object(req, res, true);
		if (!body)
			return HTTP_HANDLED;
		const char *reason;
		if (api_string(body, "reason", false, 500, &reason, res) < 0) {
			cJSON_Delete(body);
			return HTTP_HANDLED;
		}
		rc = gov_admin_veto(app->gov, pid, reason ? reason : "vetoed by the admin", &out, &err);
		cJSON_Delete(body);
	} else {
		rc = gov_admin_approve(app->gov, pid, &out, &err);
	}
	/* An approval enacts rules that cached standings and models depend on. */
	if (rc >= 0)
		app_cache_clear(app);
	return reply(res, rc, &err, out, 200);
}

static int h_admin_clear(pw_app_t *app, pw_http_conn_t *c, const pw_http_request_t *req,
			 const pw_params_t *p, pw_response_t *res)
{
	return admin_review(app, req, p, res, 0);
}

static int h_admin_veto(pw_app_t *app, pw_http_conn_t *c, const pw_http_request_t *req,
			const pw_params_t *p, pw_response_t *res)
{
	return admin_review(app, req, p, res, 1);
}

static int h_admin_approve(pw_app_t *app, pw_http_conn_t *c, const pw_http_request_t *req,
			   const pw_params_t *p, pw_response_t *res)
{
	return admin_review(app, req, p, res, 2);
}

/* ---- admin: effects ----------------------------------------------------- */

/* POST /api/admin/effects/{id}/enable|disable {"reason": "..."}: the
 * reason is required, and goes into the event. */
static int admin_effect(pw_app_t *app, const pw_http_request_t *req, const pw_params_t *p,
			pw_response_t *res, bool enable)
{
	if (!app_require_admin(app, req, res))
		return HTTP_HANDLED;
	const char *fid = router_param(p, "id");
	cJSON *body = api_body_object(req, res, false);
	if (!body)
		return HTTP_HANDLED;
	const char *reason;
	if (api_string(body, "reason", true, 500, &reason, res) < 0) {
		cJSON_Delete(body);
		return HTTP_HANDLED;
	}
	cJSON *out = NULL;
	pw_err_t err = {0};
	int rc = gov_admin_effect(app->gov, fid ? fid : "", enable, reason, &out, &err);
	cJSON_Delete(body);
	return reply(res, rc, &err, out, 200);
}

static int h_admin_effect_enable(pw_app_t *app, pw_http_conn_t *c, const pw_http_request_t *req,
				 const pw_params_t *p, pw_response_t *res)
{
	return admin_effect(app, req, p, res, true);
}

static int h_admin_effect_disable(pw_app_t *app, pw_http_conn_t *c, const pw_http_request_t *req,
				  const pw_params_t *p, pw_response_t *res)
{
	return admin_effect(app, req, p, res, false);
}

int api_league_routes(pw_app_t *app)
{
	static const struct {
		const char *method, *pattern;
		pw_handler_fn fn;
	} routes[] = {
		{"GET", "/api/seasons/current", h_season_current},
		{"POST", "/api/seasons", h_season_create},
		{"GET", "/api/teams", h_teams},
		{"GET", "/api/teams/{id}", h_team},
		{"GET", "/api/hoopers/{id}", h_hooper},
		{"GET", "/api/standings", h_standings},
		{"GET", "/api/schedule", h_schedule},
		{"GET", "/api/games", h_games},
		{"GET", "/api/games/playoffs/bracket", h_bracket},
		{"GET", "/api/games/{id}", h_game},
		{"GET", "/api/games/{id}/boxscore", h_boxscore},
		{"GET", "/api/games/{id}/plays", h_plays},
		{"GET", "/api/governors/{id}", h_governor},
		{"POST", "/api/governance/proposals", h_propose},
		{"GET", "/api/governance/proposals", h_proposals},
		{"GET", "/api/governance/proposals/{id}", h_proposal},
		{"POST", "/api/governance/proposals/{id}/confirm", h_confirm},
		{"POST", "/api/governance/proposals/{id}/cancel", h_cancel},
		{"POST", "/api/governance/proposals/{id}/amend", h_amend},
		{"POST", "/api/governance/proposals/{id}/withdraw", h_withdraw},
		{"POST", "/api/governance/votes", h_vote},
		{"GET", "/api/governance/rules/current", h_rules_current},
		{"GET", "/api/governance/rules/history", h_rules_history},
		{"GET", "/api/effects", h_effects},
		{"GET", "/api/effects/{id}", h_effect},
		{"POST", "/api/governance/trades", h_trade},
		{"GET", "/api/governance/trades", h_trades},
		{"POST", "/api/governance/trades/{id}/withdraw", h_trade_withdraw},
		{"POST", "/api/governance/trades/{id}/accept", h_trade_accept},
		{"POST", "/api/governance/trades/{id}/reject", h_trade_reject},
		{"POST", "/api/governance/hooper-trades", h_hooper_trade},
		{"POST", "/api/governance/hooper-trades/{id}/approve", h_hooper_trade_approve},
		{"POST", "/api/governance/hooper-trades/{id}/reject", h_hooper_trade_reject},
		{"POST", "/api/strategy", h_strategy},
		{"POST", "/api/hoopers/{id}/bio", h_hooper_bio},
		{"GET", "/api/reports/latest", h_reports_latest},
		{"GET", "/api/reports/round/{season}/{round}", h_reports_round},
		{"GET", "/api/reports/private", h_reports_private},
		{"POST", "/api/admin/proposals/{id}/clear", h_admin_clear},
		{"POST", "/api/admin/proposals/{id}/veto", h_admin_veto},
		{"POST", "/api/admin/proposals/{id}/approve", h_admin_approve},
		{"POST", "/api/admin/effects/{id}/enable", h_admin_effect_enable},
		{"POST", "/api/admin/effects/{id}/disable", h_admin_effect_disable},
	};
	for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++)
		if (app_route(app, routes[i].method, routes[i].pattern, routes[i].fn) < 0)
			return -1;
	return 0;
}
