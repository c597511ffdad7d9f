/*
 * store_json.c — what both store backends build alike from their rows: the
 * JSON of seasons, invites, schedule entries and teams, and the team row's
 * text. The backends differ in how they read a row (sqlite3_column_*,
 * PQgetvalue), never in what the row becomes, so that part is written once
 * here and the two stay byte for byte the same.
 */
#include "core/league/store_internal.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sim/jsonw.h"

cJSON *store_json_season(const pw_season_row_t *r)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "id", (double)r->id);
	cJSON_AddNumberToObject(o, "number", r->number);
	cJSON_AddStringToObject(o, "name", r->name);
	cJSON_AddStringToObject(o, "phase", r->phase);
	cJSON_AddNumberToObject(o, "current_round", r->current_round);
	return o;
}

cJSON *store_json_invite(const pw_invite_row_t *r, const char *governor_ids)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "id", (double)r->id);
	cJSON_AddNumberToObject(o, "team_id", (double)r->team_id);
	cJSON_AddNumberToObject(o, "max_uses", r->max_uses);
	cJSON_AddNumberToObject(o, "uses", r->uses);
	cJSON_AddNumberToObject(o, "expires_at", (double)r->expires_at);
	cJSON_AddNumberToObject(o, "created_at", (double)r->created_at);
	cJSON_AddBoolToObject(o, "revoked", r->revoked);
	cJSON_AddStringToObject(o, "note", r->note);
	cJSON *g = cJSON_AddArrayToObject(o, "governors");
	for (const char *p = governor_ids; p && *p;) {
		cJSON_AddItemToArray(g, cJSON_CreateNumber((double)strtoll(p, NULL, 10)));
		p = strchr(p, ',');
		p = p ? p + 1 : NULL;
	}
	return o;
}

cJSON *store_json_schedule(const pw_schedule_row_t *r, const store_json_result_t *played)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "round", r->round);
	cJSON_AddNumberToObject(o, "game_index", r->game_index);
	cJSON_AddNumberToObject(o, "home_team_id", (double)r->home_team_id);
	cJSON_AddNumberToObject(o, "away_team_id", (double)r->away_team_id);
	cJSON_AddStringToObject(o, "stage", r->stage);
	if (r->series[0]) {
		cJSON_AddStringToObject(o, "series", r->series);
		cJSON_AddNumberToObject(o, "series_game", r->series_game);
	}
	if (played) {
		cJSON_AddNumberToObject(o, "game_id", (double)played->game_id);
		cJSON_AddNumberToObject(o, "home_score", played->home_score);
		cJSON_AddNumberToObject(o, "away_score", played->away_score);
		cJSON_AddNumberToObject(o, "winner_team_id", (double)played->winner_team_id);
	} else {
		cJSON_AddNullToObject(o, "game_id");
	}
	return o;
}

char *store_json_team_row(const cJSON *team, const char **why)
{
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(team, "id");
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(team, "name");
	const cJSON *hoopers = cJSON_GetObjectItemCaseSensitive(team, "hoopers");
	if (!cJSON_IsNumber(id) || !cJSON_IsString(name) || !cJSON_IsArray(hoopers)) {
		*why = "a team needs id, name and hoopers";
		return NULL;
	}
	const cJSON *h;
	cJSON_ArrayForEach(h, hoopers) {
		if (!cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(h, "id")) ||
		    !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(h, "name"))) {
			*why = "a hooper needs id and name";
			return NULL;
		}
	}
	/* The team row keeps everything but the hoopers, which get rows of
	 * their own so trades can move them. */
	cJSON *copy = cJSON_Duplicate(team, 1);
	char *data = NULL;
	if (copy) {
		cJSON_DeleteItemFromObjectCaseSensitive(copy, "hoopers");
		data = cJSON_PrintUnformatted(copy);
		cJSON_Delete(copy);
	}
	if (!data)
		*why = "out of memory";
	return data;
}

cJSON *store_json_team(const char *data, const char *strategy_json, const char *strategy_text)
{
	cJSON *t = cJSON_Parse(data);
	if (!t)
		return NULL;
	if (strategy_json) {
		cJSON *strat = cJSON_Parse(strategy_json);
		if (strat) {
			cJSON_DeleteItemFromObjectCaseSensitive(t, "strategy");
			cJSON_AddItemToObject(t, "strategy", strat);
		}
	}
	if (strategy_text)
		cJSON_AddStringToObject(t, "strategy_text", strategy_text);
	cJSON_AddItemToObject(t, "hoopers", cJSON_CreateArray());
	return t;
}

void store_json_place_hooper(cJSON *teams, int64_t team_id, const char *data)
{
	cJSON *h = cJSON_Parse(data);
	if (!h)
		return;
	/* The row's team is the truth after trades. */
	cJSON_DeleteItemFromObjectCaseSensitive(h, "team_id");
	cJSON_AddNumberToObject(h, "team_id", (double)team_id);
	cJSON *t;
	cJSON_ArrayForEach(t, teams) {
		if ((int64_t)cJSON_GetObjectItemCaseSensitive(t, "id")->valuedouble == team_id) {
			cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(t, "hoopers"), h);
			return;
		}
	}
	cJSON_Delete(h);
}

/* ---- the tick lock's lease row ---- */

char *store_json_lease(const store_lease_t *l)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "holder", l->holder);
	cJSON_AddNumberToObject(o, "pid", (double)l->pid);
	cJSON_AddNumberToObject(o, "expires", (double)l->expires);
	if (l->since)
		cJSON_AddNumberToObject(o, "since", (double)l->since);
	char *text = o ? jsonw_print(o) : NULL;
	cJSON_Delete(o);
	return text;
}

/* Older builds wrote {"holder", "ts"} and called the row stale 300 s on. */
#define LEASE_OLD_STALE 300

int store_json_lease_parse(const char *text, store_lease_t *out)
{
	memset(out, 0, sizeof *out);
	cJSON *o = text ? cJSON_Parse(text) : NULL;
	const cJSON *h = cJSON_GetObjectItem(o, "holder");
	const cJSON *pid = cJSON_GetObjectItem(o, "pid");
	const cJSON *exp = cJSON_GetObjectItem(o, "expires");
	const cJSON *ts = cJSON_GetObjectItem(o, "ts");
	int ok = cJSON_IsString(h) && (cJSON_IsNumber(exp) || cJSON_IsNumber(ts));
	if (ok) {
		snprintf(out->holder, sizeof out->holder, "%s", h->valuestring);
		out->pid = cJSON_IsNumber(pid) ? (int64_t)pid->valuedouble : 0;
		const cJSON *since = cJSON_GetObjectItem(o, "since");
		out->since = cJSON_IsNumber(since) ? (int64_t)since->valuedouble : 0;
		out->expires = cJSON_IsNumber(exp) ? (int64_t)exp->valuedouble
						   : (int64_t)ts->valuedouble + LEASE_OLD_STALE;
	}
	cJSON_Delete(o);
	return ok;
}
