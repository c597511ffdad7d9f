/*
 * discord_setup.c — `pinwheel discord register|setup` (see discord_setup.h).
 *
 * These run from the command line, not the server: they call Discord's
 * REST API directly (discord_rest.h, within its rate limits) and write the
 * ids they learn to the store the server reads them from.
 */
#include "server/discord/discord_setup.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/discord/discord_rest.h"

/* Permission bits (Discord's): seeing a channel, writing in it. */
#define PERM_VIEW (1ULL << 10)
#define PERM_SEND (1ULL << 11)

/* The slash commands: name, description, options "name:type:required:description|...".
 * Types: 3 string, 4 integer, 5 boolean, 6 user. */
static const char *const COMMANDS[][3] = {
	{"join", "Join a team as its governor for this season", "team:4:0:Team number (see /standings)|invite:3:0:Invite code from the admin"},
	{"propose", "Propose a rule change in your own words", "text:3:0:The rule, in words (or leave empty for a form)"},
	{"vote", "Vote on an open proposal", "proposal:4:1:Proposal number|choice:3:1:yes or no|boost:5:0:Spend a BOOST token to double your vote"},
	{"amend", "Amend your open proposal", "proposal:4:1:Proposal number|text:3:0:The new wording"},
	{"repeal", "Propose repealing an active effect", "effect:3:1:Effect id (see /effects)"},
	{"proposals", "The proposals open for voting", ""},
	{"tokens", "Your PROPOSE, AMEND and BOOST tokens", ""},
	{"profile", "Your governor profile", ""},
	{"trade", "Offer tokens to another governor", "to:6:1:The governor|give:3:1:propose, amend or boost|give_count:4:1:How many|get:3:1:propose, amend or boost|get_count:4:1:How many"},
	{"trade-hooper", "Propose swapping hoopers with another team", "mine:4:1:Your hooper's number|theirs:4:1:Their hooper's number"},
	{"strategy", "Set your team's strategy in words", "text:3:1:How your team should play"},
	{"bio", "Write the bio of one of your team's hoopers", "hooper:4:1:Hooper number|text:3:1:The bio"},
	{"standings", "The league table", ""},
	{"status", "The season, its phase and round", ""},
	{"effects", "The effects in play", ""},
	{"schedule", "The next round's games", ""},
	{"reports", "The latest round's reports", ""},
	{"roster", "A team's hoopers", "team:4:0:Team number (default: yours)"},
	{"history", "The league's seasons", ""},
	{"new-season", "Start a new season (administrators)", "name:3:0:The season's name|carry_rules:5:0:Keep this season's rules (default yes)"},
};

cJSON *discord_command_set(void)
{
	cJSON *set = cJSON_CreateArray();
	for (size_t i = 0; i < sizeof COMMANDS / sizeof COMMANDS[0]; i++) {
		cJSON *c = cJSON_CreateObject();
		cJSON_AddStringToObject(c, "name", COMMANDS[i][0]);
		cJSON_AddStringToObject(c, "description", COMMANDS[i][1]);
		cJSON_AddNumberToObject(c, "type", 1); /* CHAT_INPUT */
		cJSON *opts = cJSON_AddArrayToObject(c, "options");
		char spec[512];
		snprintf(spec, sizeof spec, "%s", COMMANDS[i][2]);
		char *save = NULL;
		for (char *o = strtok_r(spec, "|", &save); o; o = strtok_r(NULL, "|", &save)) {
			char name[32], desc[100];
			int type, req;
			if (sscanf(o, "%31[^:]:%d:%d:%99[^\n]", name, &type, &req, desc) != 4)
				continue;
			cJSON *op = cJSON_CreateObject();
			cJSON_AddStringToObject(op, "name", name);
			cJSON_AddStringToObject(op, "description", desc);
			cJSON_AddNumberToObject(op, "type", type);
			cJSON_AddBoolToObject(op, "required", req != 0);
			cJSON_AddItemToArray(opts, op);
		}
		if (!strcmp(COMMANDS[i][0], "new-season"))
			cJSON_AddStringToObject(c, "default_member_permissions", "8"); /* administrators */
		cJSON_AddItemToArray(set, c);
	}
	return set;
}

/* One call that must succeed (2xx): its answer's JSON (caller owns; an
 * empty body is null), or NULL with err. */
static cJSON *call(discord_rest_t *r, const char *method, const char *path, cJSON *body, char *err, size_t errlen)
{
	char *text = body ? cJSON_PrintUnformatted(body) : NULL;
	discord_reply_t rep;
	int rc = discord_rest_call(r, method, path, text, &rep);
	cJSON_free(text);
	cJSON *out = NULL;
	if (rc < 0)
		snprintf(err, errlen, "%s %s: %s", method, path, rep.err);
	else if (rep.status < 200 || rep.status >= 300)
		snprintf(err, errlen, "%s %s: Discord answered %ld: %.200s", method, path, rep.status,
			 rep.body ? rep.body : "");
	else
		out = rep.body && *rep.body ? cJSON_Parse(rep.body) : cJSON_CreateNull();
	if (rc == 0 && rep.status >= 200 && rep.status < 300 && !out)
		snprintf(err, errlen, "%s %s: the answer is not JSON", method, path);
	free(rep.body);
	return out;
}

int discord_register(const pw_discord_cfg_t *cfg, bool guild, char *err, size_t errlen)
{
	if (guild && !cfg->guild_id[0]) {
		snprintf(err, errlen, "--guild needs DISCORD_GUILD_ID.");
		return -1;
	}
	discord_rest_t *r = discord_rest_new(cfg->api_base, cfg->bot_token);
	if (!r) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	char path[160];
	if (guild)
		snprintf(path, sizeof path, "/applications/%s/guilds/%s/commands", cfg->app_id, cfg->guild_id);
	else
		snprintf(path, sizeof path, "/applications/%s/commands", cfg->app_id);
	cJSON *set = discord_command_set();
	cJSON *out = call(r, "PUT", path, set, err, errlen);
	cJSON_Delete(set);
	discord_rest_free(r);
	int n = cJSON_IsArray(out) ? cJSON_GetArraySize(out) : -1;
	if (out && n < 0)
		snprintf(err, errlen, "PUT %s: the answer is not the list of commands", path);
	cJSON_Delete(out);
	return n;
}

/* A channel name from a team's: lowercase letters, digits and dashes. */
static void slug(const char *name, char *out, size_t cap)
{
	size_t o = 0;
	for (const char *p = name; *p && o + 1 < cap; p++) {
		unsigned char c = (unsigned char)*p;
		if (isalnum(c))
			out[o++] = (char)tolower(c);
		else if (o && out[o - 1] != '-')
			out[o++] = '-';
	}
	while (o && out[o - 1] == '-')
		o--;
	out[o] = 0;
	if (!o)
		snprintf(out, cap, "team");
}

/* The id of the object in list named name (and of type, parent when >= 0 / not NULL). */
static const char *find(const cJSON *list, const char *name, int type, const char *parent)
{
	const cJSON *o;
	cJSON_ArrayForEach(o, list) {
		const char *n = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "name"));
		const cJSON *t = cJSON_GetObjectItemCaseSensitive(o, "type");
		const char *par = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "parent_id"));
		if (!n || strcmp(n, name))
			continue;
		if (type >= 0 && (!cJSON_IsNumber(t) || t->valueint != type))
			continue;
		if (parent && (!par || strcmp(par, parent)))
			continue;
		return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "id"));
	}
	return NULL;
}

typedef struct setup {
	discord_rest_t *r;
	pw_store_t *s;
	const pw_discord_cfg_t *cfg;
	cJSON *channels, *roles;
	int made;
	char *err;
	size_t errlen;
} setup_t;

/* Creates a guild object (kind "channels" or "roles") from body (taken):
 * its id into out, the object added to list. */
static int create(setup_t *st, const char *kind, cJSON *body, cJSON *list, char *out, size_t cap)
{
	char path[96];
	snprintf(path, sizeof path, "/guilds/%s/%s", st->cfg->guild_id, kind);
	cJSON *res = call(st->r, "POST", path, body, st->err, st->errlen);
	cJSON_Delete(body);
	const char *nid = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(res, "id"));
	if (!nid) {
		if (res)
			snprintf(st->err, st->errlen, "POST %s: the answer has no id", path);
		cJSON_Delete(res);
		return -1;
	}
	snprintf(out, cap, "%s", nid);
	cJSON_AddItemToArray(list, res);
	st->made++;
	return 0;
}

/* Finds or creates a channel (type 0 text, 4 category) and records its id
 * under key; overwrites (taken, may be NULL) are set on creation and
 * reasserted on an existing channel. The id into out. */
static int channel(setup_t *st, const char *key, const char *name, int type, const char *parent, cJSON *overwrites,
		   char *out, size_t cap)
{
	const char *id = find(st->channels, name, type, parent);
	if (id) {
		snprintf(out, cap, "%s", id);
		const cJSON *ow;
		cJSON_ArrayForEach(ow, overwrites) {
			char path[160];
			snprintf(path, sizeof path, "/channels/%s/permissions/%s", out,
				 cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ow, "id")));
			cJSON *body = cJSON_Duplicate(ow, 1);
			cJSON_DeleteItemFromObject(body, "id");
			cJSON *res = call(st->r, "PUT", path, body, st->err, st->errlen);
			cJSON_Delete(body);
			if (!res) {
				cJSON_Delete(overwrites);
				return -1;
			}
			cJSON_Delete(res);
		}
		cJSON_Delete(overwrites);
	} else {
		cJSON *body = cJSON_CreateObject();
		cJSON_AddStringToObject(body, "name", name);
		cJSON_AddNumberToObject(body, "type", type);
		if (parent)
			cJSON_AddStringToObject(body, "parent_id", parent);
		if (overwrites)
			cJSON_AddItemToObject(body, "permission_overwrites", overwrites);
		if (create(st, "channels", body, st->channels, out, cap) < 0)
			return -1;
	}
	if (store_kv_set(st->s, key, out) < 0) {
		snprintf(st->err, st->errlen, "recording %s: %s", key, store_errmsg(st->s));
		return -1;
	}
	return 0;
}

static int role(setup_t *st, const char *key, const char *name, char *out, size_t cap)
{
	const char *id = find(st->roles, name, -1, NULL);
	if (id) {
		snprintf(out, cap, "%s", id);
	} else {
		cJSON *body = cJSON_CreateObject();
		cJSON_AddStringToObject(body, "name", name);
		cJSON_AddBoolToObject(body, "mentionable", true);
		if (create(st, "roles", body, st->roles, out, cap) < 0)
			return -1;
	}
	if (store_kv_set(st->s, key, out) < 0) {
		snprintf(st->err, st->errlen, "recording %s: %s", key, store_errmsg(st->s));
		return -1;
	}
	return 0;
}

static cJSON *overwrite(const char *id, uint64_t allow, uint64_t deny)
{
	cJSON *o = cJSON_CreateObject();
	char a[24], d[24];
	snprintf(a, sizeof a, "%llu", (unsigned long long)allow);
	snprintf(d, sizeof d, "%llu", (unsigned long long)deny);
	cJSON_AddStringToObject(o, "id", id);
	cJSON_AddNumberToObject(o, "type", 0); /* a role (@everyone's id is the guild's) */
	cJSON_AddStringToObject(o, "allow", a);
	cJSON_AddStringToObject(o, "deny", d);
	return o;
}

static const char HOW_TO_PLAY[] =
	"**How to play Pinwheel Fates**\n"
	"1. `/join team:<number>` makes you a governor of a team for the season (2 PROPOSE, 2 AMEND, 2 BOOST tokens).\n"
	"2. `/propose` a rule change in your own words; you see how the league reads it, then Confirm.\n"
	"3. Vote with the buttons under each proposal (boost spends a BOOST token and doubles your vote).\n"
	"4. Every round the floor tallies: passed rules play from the next games. Results land in #play-by-play.";

static int run_setup(setup_t *st)
{
	char path[128], cat[32], id[32];
	snprintf(path, sizeof path, "/guilds/%s/channels", st->cfg->guild_id);
	if (!(st->channels = call(st->r, "GET", path, NULL, st->err, st->errlen)))
		return -1;
	snprintf(path, sizeof path, "/guilds/%s/roles", st->cfg->guild_id);
	if (!(st->roles = call(st->r, "GET", path, NULL, st->err, st->errlen)))
		return -1;
	if (!cJSON_IsArray(st->channels) || !cJSON_IsArray(st->roles)) {
		snprintf(st->err, st->errlen, "Discord's lists of channels and roles are not lists");
		return -1;
	}
	if (channel(st, "discord.category.league", "Pinwheel Fates", 4, NULL, NULL, cat, sizeof cat) < 0)
		return -1;
	static const char *const shared[] = DISCORD_SHARED_CHANNELS;
	for (size_t i = 0; i < sizeof shared / sizeof shared[0]; i++) {
		char key[64];
		snprintf(key, sizeof key, "discord.channel.%s", shared[i]);
		if (channel(st, key, shared[i], 0, cat, NULL, id, sizeof id) < 0)
			return -1;
	}
	uint64_t seed;
	int64_t league = store_league_first(st->s, &seed);
	cJSON *teams = league > 0 ? store_teams_json(st->s, league) : NULL;
	const cJSON *t;
	int rc = 0;
	cJSON_ArrayForEach(t, teams) {
		int64_t tid = (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(t, "id"));
		const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(t, "name"));
		char key[64], rid[32], cname[100];
		snprintf(key, sizeof key, "discord.role.team-%lld", (long long)tid);
		if (!name || role(st, key, name, rid, sizeof rid) < 0) {
			rc = -1;
			break;
		}
		/* Only the team's governors see their channel. */
		cJSON *ows = cJSON_CreateArray();
		cJSON_AddItemToArray(ows, overwrite(st->cfg->guild_id, 0, PERM_VIEW));
		cJSON_AddItemToArray(ows, overwrite(rid, PERM_VIEW | PERM_SEND, 0));
		slug(name, cname, sizeof cname);
		snprintf(key, sizeof key, "discord.channel.team-%lld", (long long)tid);
		if (channel(st, key, cname, 0, cat, ows, id, sizeof id) < 0) {
			rc = -1;
			break;
		}
	}
	cJSON_Delete(teams);
	if (rc < 0)
		return -1;
	/* The admin: the guild's owner, reviewing wild proposals in a DM. */
	snprintf(path, sizeof path, "/guilds/%s", st->cfg->guild_id);
	cJSON *g = call(st->r, "GET", path, NULL, st->err, st->errlen);
	const char *owner = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(g, "owner_id"));
	if (!owner) {
		if (g)
			snprintf(st->err, st->errlen, "GET %s: the answer names no owner", path);
		cJSON_Delete(g);
		return -1;
	}
	cJSON *dm = cJSON_CreateObject();
	cJSON_AddStringToObject(dm, "recipient_id", owner);
	cJSON *dmch = call(st->r, "POST", "/users/@me/channels", dm, st->err, st->errlen);
	cJSON_Delete(dm);
	const char *dmid = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(dmch, "id"));
	rc = !dmid || store_kv_set(st->s, "discord.admin.user", owner) < 0 ||
		     store_kv_set(st->s, "discord.channel.admin-dm", dmid) < 0
		     ? -1
		     : 0;
	if (dmch && !dmid)
		snprintf(st->err, st->errlen, "POST /users/@me/channels: the answer has no channel id");
	cJSON_Delete(g);
	cJSON_Delete(dmch);
	if (rc < 0)
		return -1;
	/* The how-to-play message once (its id recorded). */
	char *posted = store_kv_get(st->s, "discord.message.how-to-play");
	bool done = posted && *posted;
	free(posted);
	if (!done) {
		char *ch = store_kv_get(st->s, "discord.channel.how-to-play");
		snprintf(path, sizeof path, "/channels/%s/messages", ch ? ch : "0");
		free(ch);
		cJSON *m = cJSON_CreateObject();
		cJSON_AddStringToObject(m, "content", HOW_TO_PLAY);
		cJSON *res = call(st->r, "POST", path, m, st->err, st->errlen);
		cJSON_Delete(m);
		const char *mid = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(res, "id"));
		if (!mid || store_kv_set(st->s, "discord.message.how-to-play", mid) < 0) {
			cJSON_Delete(res);
			return -1;
		}
		cJSON_Delete(res);
	}
	return 0;
}

int discord_setup(const pw_discord_cfg_t *cfg, pw_store_t *s, int *made, char *err, size_t errlen)
{
	if (!cfg->guild_id[0]) {
		snprintf(err, errlen, "setup needs DISCORD_GUILD_ID: the server the league lives in.");
		return -1;
	}
	setup_t st = {.s = s, .cfg = cfg, .err = err, .errlen = errlen};
	st.r = discord_rest_new(cfg->api_base, cfg->bot_token);
	if (!st.r) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	int rc = run_setup(&st);
	if (made)
		*made = st.made;
	cJSON_Delete(st.channels);
	cJSON_Delete(st.roles);
	discord_rest_free(st.r);
	return rc;
}
