/*
 * discord_interact.c — POST /discord/interactions: the signature, the
 * interaction's shape, and the answers' JSON (see discord.h).
 *
 * Everything in an interaction is hostile until the signature verifies,
 * and its fields are still read defensively after: a missing or mistyped
 * field is a 400 with nothing changed.
 */
#include "core/league/store.h"
#include "server/discord/discord_int.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/league/governance.h"
#include "server/discord/discord_verify.h"

static void answer_json(pw_response_t *res, cJSON *o)
{
	char *text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (!text) {
		resp_error(res, 500, "out_of_memory", "The server ran out of memory building the answer.");
		return;
	}
	resp_reset(res);
	res->status = 200;
	res->content_type = PW_CT_JSON;
	buf_puts(&res->body, text);
	cJSON_free(text);
}

void discord_answer_type(pw_response_t *res, int type, bool ephemeral)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "type", type);
	if (ephemeral)
		cJSON_AddNumberToObject(cJSON_AddObjectToObject(o, "data"), "flags", DISCORD_FLAG_EPHEMERAL);
	answer_json(res, o);
}

void discord_answer(pw_response_t *res, int type, const char *content, bool ephemeral, cJSON *components)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "type", type);
	cJSON *m = discord_message(content, components);
	if (ephemeral)
		cJSON_AddNumberToObject(m, "flags", DISCORD_FLAG_EPHEMERAL);
	cJSON_AddItemToObject(o, "data", m);
	answer_json(res, o);
}

static cJSON *text_input(const char *id, const char *label, const char *value, bool required, int max)
{
	cJSON *row = cJSON_CreateObject();
	cJSON_AddNumberToObject(row, "type", 1);
	cJSON *in = cJSON_CreateObject();
	cJSON_AddNumberToObject(in, "type", 4);
	cJSON_AddStringToObject(in, "custom_id", id);
	cJSON_AddStringToObject(in, "label", label);
	cJSON_AddNumberToObject(in, "style", 2); /* paragraph */
	cJSON_AddBoolToObject(in, "required", required);
	cJSON_AddNumberToObject(in, "max_length", max);
	if (value && *value)
		cJSON_AddStringToObject(in, "value", value);
	cJSON_AddItemToArray(cJSON_AddArrayToObject(row, "components"), in);
	return row;
}

void discord_answer_modal(pw_response_t *res, const char *custom_id, const char *title, const char *label,
			  const char *value, bool with_lua)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "type", DISCORD_RESP_MODAL);
	cJSON *d = cJSON_AddObjectToObject(o, "data");
	cJSON_AddStringToObject(d, "custom_id", custom_id);
	cJSON_AddStringToObject(d, "title", title);
	cJSON *rows = cJSON_AddArrayToObject(d, "components");
	cJSON_AddItemToArray(rows, text_input("text", label, value, true, 4000));
	if (with_lua)
		cJSON_AddItemToArray(rows, text_input("lua", "Lua effect (optional)", NULL, false, 4000));
	answer_json(res, o);
}

cJSON *discord_buttons(const char *const labels[], const char *const ids[], const int styles[], int n)
{
	cJSON *rows = cJSON_CreateArray();
	cJSON *row = cJSON_CreateObject();
	cJSON_AddNumberToObject(row, "type", 1);
	cJSON *list = cJSON_AddArrayToObject(row, "components");
	for (int i = 0; i < n; i++) {
		cJSON *b = cJSON_CreateObject();
		cJSON_AddNumberToObject(b, "type", 2);
		cJSON_AddNumberToObject(b, "style", styles[i]);
		cJSON_AddStringToObject(b, "label", labels[i]);
		cJSON_AddStringToObject(b, "custom_id", ids[i]);
		cJSON_AddItemToArray(list, b);
	}
	cJSON_AddItemToArray(rows, row);
	return rows;
}

static const char *str_at(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(v) && v->valuestring[0] ? v->valuestring : NULL;
}

/* A name for a new governor from the person's Discord names: the display
 * name if it passes the name check, else the username, else "discord-<id>". */
static void fit_name(const cJSON *user, const char *id, char *out, size_t cap)
{
	const char *cands[] = {str_at(user, "global_name"), str_at(user, "username")};
	for (size_t i = 0; i < 2; i++) {
		pw_err_t e;
		if (cands[i] && strlen(cands[i]) < cap && gov_check_name("name", cands[i], &e) == 0) {
			snprintf(out, cap, "%s", cands[i]);
			return;
		}
	}
	snprintf(out, cap, "discord-%.40s", id);
}

/* Reads the interaction's common fields; false (res set, 400) when one is
 * missing or mistyped. */
static bool read_ix(cJSON *root, discord_ix_t *ix, pw_response_t *res)
{
	memset(ix, 0, sizeof *ix);
	ix->root = root;
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(root, "type");
	if (!cJSON_IsNumber(t) || t->valuedouble < 1 || t->valuedouble > 5 || t->valuedouble != (int)t->valuedouble) {
		resp_error(res, 400, "bad_interaction", "The field \"type\" must be an interaction type from 1 to 5.");
		return false;
	}
	ix->type = (int)t->valuedouble;
	if (ix->type == DISCORD_IX_PING)
		return true;
	ix->token = str_at(root, "token");
	ix->channel_id = str_at(root, "channel_id");
	ix->data = cJSON_GetObjectItemCaseSensitive(root, "data");
	const cJSON *member = cJSON_GetObjectItemCaseSensitive(root, "member");
	const cJSON *user = cJSON_GetObjectItemCaseSensitive(member, "user");
	if (!user)
		user = cJSON_GetObjectItemCaseSensitive(root, "user");
	ix->user_id = str_at(user, "id");
	if (!ix->token || strlen(ix->token) > 400 || !cJSON_IsObject(ix->data) || !ix->user_id ||
	    strlen(ix->user_id) > 20 || strspn(ix->user_id, "0123456789") != strlen(ix->user_id)) {
		resp_error(res, 400, "bad_interaction",
			   "An interaction needs \"token\", \"data\" and a user with a numeric \"id\".");
		return false;
	}
	fit_name(user, ix->user_id, ix->user_name, sizeof ix->user_name);
	const char *perms = str_at(member, "permissions");
	ix->admin = perms && (strtoull(perms, NULL, 10) & DISCORD_ADMINISTRATOR);
	ix->name = str_at(ix->data, "name");
	const cJSON *opts = cJSON_GetObjectItemCaseSensitive(ix->data, "options");
	ix->options = cJSON_IsArray(opts) ? opts : NULL;
	ix->custom_id = str_at(ix->data, "custom_id");
	if ((ix->type == DISCORD_IX_COMMAND && !ix->name) ||
	    ((ix->type == DISCORD_IX_COMPONENT || ix->type == DISCORD_IX_MODAL) &&
	     (!ix->custom_id || strlen(ix->custom_id) > 100))) {
		resp_error(res, 400, "bad_interaction", "The interaction's \"data\" lacks its command name or custom_id.");
		return false;
	}
	return true;
}

static int h_interactions(pw_app_t *app, pw_http_conn_t *c, const pw_http_request_t *req, const pw_params_t *p,
			  pw_response_t *res)
{
	struct discord *d = app->discord;
	if (!d) {
		resp_error(res, 404, "discord_disabled", "Discord is not configured on this server.");
		return HTTP_HANDLED;
	}
	const pw_str_t *sig = http_header(req, "x-signature-ed25519");
	const pw_str_t *ts = http_header(req, "x-signature-timestamp");
	discord_verdict_t v = discord_verify(d->key, sig ? sig->p : NULL, sig ? sig->n : 0, ts ? ts->p : NULL,
					     ts ? ts->n : 0, req->body.p, req->body.n, (int64_t)time(NULL));
	if (v != DISCORD_SIG_OK) {
		log_event(&app->log, PW_LOG_WARN, "discord.unsigned", "refused an interaction: %s",
			  discord_verdict_text(v));
		resp_error(res, 401, "invalid_signature", "%s", discord_verdict_text(v));
		return HTTP_HANDLED;
	}
	cJSON *root = cJSON_ParseWithLength(req->body.p ? req->body.p : "", req->body.n);
	if (!cJSON_IsObject(root)) {
		cJSON_Delete(root);
		resp_error(res, 400, "bad_interaction", "The body must be a JSON object.");
		return HTTP_HANDLED;
	}
	/* Signed, but already answered: a copy replayed within the window. */
	const char *iid = cJSON_GetStringValue(cJSON_GetObjectItem(root, "id"));
	if (!iid) {
		cJSON_Delete(root);
		resp_error(res, 400, "bad_interaction", "The interaction has no \"id\".");
		return HTTP_HANDLED;
	}
	/* The ring answers a copy sent to this server again without the
	 * database; the claim in the store answers one sent to another server
	 * on the same database, or to this one after a restart. A copy can
	 * come as long as its timestamp passes: up to the skew either side of
	 * the original's, so the claim is kept twice that. */
	int64_t now = (int64_t)time(NULL);
	int first = discord_replay_first(&d->seen, iid, now, DISCORD_MAX_SKEW_S) ? 1 : 0;
	if (first) {
		char key[64];
		snprintf(key, sizeof key, "discord.ix.%s", iid);
		first = store_once(app->store, key, now, 2 * DISCORD_MAX_SKEW_S);
	}
	if (first < 0) {
		log_event(&app->log, PW_LOG_ERROR, "discord.claim_failed", "interaction %.40s: %s", iid,
			  store_errmsg(app->store));
		cJSON_Delete(root);
		resp_error(res, 503, "database_unavailable", "The interaction could not be recorded; try again.");
		return HTTP_HANDLED;
	}
	if (!first) {
		log_event(&app->log, PW_LOG_WARN, "discord.replayed", "refused interaction %.40s: already answered", iid);
		cJSON_Delete(root);
		resp_error(res, 401, "replayed_interaction", "This interaction was already answered.");
		return HTTP_HANDLED;
	}
	discord_ix_t ix;
	if (read_ix(root, &ix, res)) {
		switch (ix.type) {
		case DISCORD_IX_PING:
			discord_answer_type(res, DISCORD_RESP_PONG, false);
			break;
		case DISCORD_IX_COMMAND:
			discord_on_command(d, &ix, res);
			break;
		case DISCORD_IX_COMPONENT:
			discord_on_component(d, &ix, res);
			break;
		case DISCORD_IX_MODAL:
			discord_on_modal(d, &ix, res);
			break;
		default: /* autocomplete: no choices offered */
			answer_json(res, cJSON_Parse("{\"type\":8,\"data\":{\"choices\":[]}}"));
			break;
		}
	}
	cJSON_Delete(root);
	return HTTP_HANDLED;
}

int discord_routes(pw_app_t *app)
{
	if (app_route(app, "POST", "/discord/interactions", h_interactions) < 0)
		return -1;
	return discord_oauth_routes(app);
}
