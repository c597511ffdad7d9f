/*
 * discord_cmd.c — the slash commands, each mapped onto the league service
 * the JSON API calls for the same thing (governance.h, identity.h,
 * season.h; proposals through the check workers of api_propose.h, by way
 * of discord_act.c). No rule is decided here: a refusal is the service's
 * own sentence, shown to the caller only (ephemeral).
 */
#include "server/discord/discord_int.h"

#include <cjson/cJSON.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/league/identity.h"
#include "core/league/season.h"

/* ---- reading options -------------------------------------------------- */

static const cJSON *option(const discord_ix_t *ix, const char *name)
{
	const cJSON *o;
	cJSON_ArrayForEach(o, ix->options) {
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(o, "name");
		if (cJSON_IsString(n) && !strcmp(n->valuestring, name))
			return cJSON_GetObjectItemCaseSensitive(o, "value");
	}
	return NULL;
}

static const char *opt_str(const discord_ix_t *ix, const char *name)
{
	const cJSON *v = option(ix, name);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* An integer option (Discord sends numbers; a numeric string is taken too). */
static bool opt_int(const discord_ix_t *ix, const char *name, int64_t *out)
{
	const cJSON *v = option(ix, name);
	if (cJSON_IsNumber(v) && v->valuedouble >= 1 && v->valuedouble <= 1e12 && v->valuedouble == (int64_t)v->valuedouble) {
		*out = (int64_t)v->valuedouble;
		return true;
	}
	if (cJSON_IsString(v)) {
		char *end;
		long long n = strtoll(v->valuestring, &end, 10);
		if (*v->valuestring && !*end && n >= 1) {
			*out = n;
			return true;
		}
	}
	return false;
}

static bool opt_bool(const discord_ix_t *ix, const char *name)
{
	return cJSON_IsTrue(option(ix, name));
}

/* The value of a modal's text input custom_id, or NULL. */
/* ---- commands ------------------------------------------------------------ */

static int cmd_join(struct discord *d, const discord_ix_t *ix, pw_response_t *res)
{
	int64_t team = 0;
	const char *code = opt_str(ix, "invite");
	bool invite = d->app->cfg.enrollment == PW_ENROLL_INVITE;
	if (!opt_int(ix, "team", &team) && !(code && *code))
		return discord_say(res, true, "Say which team: /join team:<number> (see /standings).");
	if (invite && !(code && *code))
		return discord_say(res, true, "Joining this league needs an invite code from the admin: /join invite:<code>.");
	int64_t iid = discord_identity(d, ix);
	if (!iid)
		return discord_say(res, true, "Your Discord account could not be recorded; try again.");
	pw_identity_join_t in = {.name = ix->user_name, .team_id = team, .invite_code = code,
				 .require_invite = invite, .identity_id = iid, .now = (int64_t)time(NULL)};
	cJSON *out = NULL;
	pw_err_t err = {0};
	if (identity_join(d->app->gov, &in, NULL, &out, &err) < 0)
		return discord_refuse(res, &err);
	int64_t tid = (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(out, "team_id"));
	cJSON_Delete(out);
	/* The team's role (setup made it) opens the team's channel to them. */
	char key[64], path[160];
	snprintf(key, sizeof key, "discord.role.team-%" PRId64, tid);
	char *role = store_kv_get(d->app->store, key);
	if (role && *role && d->cfg.guild_id[0]) {
		snprintf(path, sizeof path, "/guilds/%s/members/%s/roles/%.30s", d->cfg.guild_id, ix->user_id, role);
		discord_enqueue(d, "PUT", path, NULL);
	}
	free(role);
	return discord_say(res, true, "Welcome, %s: you govern team %" PRId64 " this season, with 2 PROPOSE, 2 AMEND and 2 "
			      "BOOST tokens. Propose with /propose, vote with the buttons.",
		   ix->user_name, tid);
}

static void tokens_line(pw_buf_t *b, const cJSON *gv)
{
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(gv, "tokens");
	buf_printf(b, "PROPOSE %d · AMEND %d · BOOST %d",
		   (int)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(t, "propose")),
		   (int)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(t, "amend")),
		   (int)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(t, "boost")));
}

static int cmd_tokens(struct discord *d, const discord_ix_t *ix, pw_response_t *res, bool profile)
{
	int64_t gid = discord_governor(d, ix, res);
	if (!gid)
		return HTTP_HANDLED;
	cJSON *gv = gov_governor_json(d->app->gov, gid);
	pw_buf_t b = {0};
	if (profile)
		buf_printf(&b, "**%s**, governor of team %d: %d proposals, %d votes.\nTokens: ",
			   cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(gv, "name")),
			   (int)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(gv, "team_id")),
			   (int)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(gv, "proposals_count")),
			   (int)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(gv, "votes_count")));
	else
		buf_puts(&b, "Your tokens: ");
	tokens_line(&b, gv);
	cJSON_Delete(gv);
	discord_answer(res, DISCORD_RESP_MESSAGE, b.data ? b.data : "", true, NULL);
	buf_free(&b);
	return HTTP_HANDLED;
}

static int cmd_propose(struct discord *d, const discord_ix_t *ix, pw_response_t *res)
{
	int64_t gid = discord_governor(d, ix, res);
	if (!gid)
		return HTTP_HANDLED;
	const char *text = opt_str(ix, "text");
	if (text && *text) /* said in the command itself: no modal needed */
		return discord_check(d, ix, gid, 0, text, NULL, res);
	discord_answer_modal(res, "propose", "Propose a rule", DISCORD_RULE_LABEL, NULL, true);
	return HTTP_HANDLED;
}

static int cmd_amend(struct discord *d, const discord_ix_t *ix, pw_response_t *res)
{
	int64_t gid = discord_governor(d, ix, res), pid;
	if (!gid)
		return HTTP_HANDLED;
	if (!opt_int(ix, "proposal", &pid))
		return discord_say(res, true, "Say which proposal: /amend proposal:<number>.");
	const char *text = opt_str(ix, "text");
	if (text && *text)
		return discord_check(d, ix, gid, pid, text, NULL, res);
	char id[48];
	snprintf(id, sizeof id, "amend:%" PRId64, pid);
	discord_answer_modal(res, id, "Amend your proposal", DISCORD_RULE_LABEL, NULL, true);
	return HTTP_HANDLED;
}

static int cmd_repeal(struct discord *d, const discord_ix_t *ix, pw_response_t *res)
{
	int64_t gid = discord_governor(d, ix, res);
	if (!gid)
		return HTTP_HANDLED;
	const char *fx = opt_str(ix, "effect");
	if (!fx || !*fx || strlen(fx) > 80)
		return discord_say(res, true, "Say which effect: /repeal effect:<id> (see /effects).");
	/* A repeal is a proposal like any other (tier 5): the interpreter reads it. */
	char text[128];
	snprintf(text, sizeof text, "Repeal the effect %s", fx);
	return discord_check(d, ix, gid, 0, text, NULL, res);
}

static int cmd_vote(struct discord *d, const discord_ix_t *ix, pw_response_t *res)
{
	int64_t pid;
	const char *choice = opt_str(ix, "choice");
	if (!opt_int(ix, "proposal", &pid) || !choice || (strcmp(choice, "yes") && strcmp(choice, "no")))
		return discord_say(res, true, "Say /vote proposal:<number> choice:yes|no (boost:true spends a BOOST token).");
	return discord_vote(d, ix, pid, !strcmp(choice, "yes"), opt_bool(ix, "boost"), res);
}

static int cmd_proposals(struct discord *d, const discord_ix_t *ix, pw_response_t *res)
{
	cJSON *list = gov_proposals_json(d->app->gov, 0, "open");
	pw_buf_t b = {0};
	const cJSON *p;
	cJSON_ArrayForEach(p, list) {
		const cJSON *t = cJSON_GetObjectItemCaseSensitive(p, "tally");
		buf_printf(&b, "#%d (tier %d): %.120s — yes %.2f / no %.2f\n",
			   (int)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(p, "id")),
			   (int)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(p, "tier")),
			   cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(p, "text")),
			   cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(t, "yes")),
			   cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(t, "no")));
	}
	cJSON_Delete(list);
	discord_answer(res, DISCORD_RESP_MESSAGE, b.len ? b.data : "No proposal is open for voting.", true, NULL);
	buf_free(&b);
	return HTTP_HANDLED;
}

/* The current season's id as viewers see it (0: none). */
static int64_t season_now(struct discord *d)
{
	cJSON *cur = season_summary_json(d->app->view);
	int64_t sid = (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(cur, "id"));
	cJSON_Delete(cur);
	return sid;
}

/* Answers the text in b (or none when b is empty) to the caller only. */
static int answer_buf(pw_response_t *res, pw_buf_t *b, const char *none)
{
	discord_answer(res, DISCORD_RESP_MESSAGE, b->len ? b->data : none, true, NULL);
	buf_free(b);
	return HTTP_HANDLED;
}

/* The next round still to be played: its games. */
static int cmd_schedule(struct discord *d, const discord_ix_t *ix, pw_response_t *res)
{
	int64_t sid = season_now(d);
	cJSON *list = sid > 0 ? store_schedule_json(d->app->view, sid) : NULL;
	cJSON *teams = store_teams_json(d->app->view, d->app->league_id);
	pw_buf_t b = {0};
	int next = 0;
	const cJSON *g;
	cJSON_ArrayForEach(g, list) {
		int round = (int)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(g, "round"));
		if (cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(g, "game_id")) || (next && round != next))
			continue;
		if (!next) {
			next = round;
			buf_printf(&b, "**Round %d**\n", round);
		}
		char home[80], away[80];
		discord_team_name(teams, (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(g, "home_team_id")),
				  home, sizeof home);
		discord_team_name(teams, (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(g, "away_team_id")),
				  away, sizeof away);
		buf_printf(&b, "• %s (home) v %s\n", home, away);
	}
	cJSON_Delete(teams);
	cJSON_Delete(list);
	return answer_buf(res, &b, "No game is scheduled.");
}

/* The latest round's public reports. */
static int cmd_reports(struct discord *d, const discord_ix_t *ix, pw_response_t *res)
{
	int64_t sid = season_now(d);
	cJSON *list = sid > 0 ? store_reports_json(d->app->view, sid, -1, 0, false) : NULL;
	pw_buf_t b = {0};
	const cJSON *r;
	cJSON_ArrayForEach(r, list) {
		const char *kind = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "kind"));
		if (kind && strcmp(kind, "commentary"))
			buf_printf(&b, "**%s, round %d**\n%.700s\n", kind,
				   (int)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(r, "round")),
				   cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "text")));
	}
	cJSON_Delete(list);
	return answer_buf(res, &b, "No report yet: the first round has not been played.");
}

/* A team's hoopers (team: the option, else the caller's). */
static int cmd_roster(struct discord *d, const discord_ix_t *ix, pw_response_t *res)
{
	int64_t team = 0;
	if (!opt_int(ix, "team", &team)) {
		bool enrolled = false;
		int64_t iid = discord_identity(d, ix);
		int64_t gid = iid ? identity_governor(d->app->gov, iid, &enrolled) : 0;
		cJSON *gv = gid > 0 && enrolled ? gov_governor_json(d->app->gov, gid) : NULL;
		team = (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(gv, "team_id"));
		cJSON_Delete(gv);
		if (team <= 0)
			return discord_say(res, true, "Say which team: /roster team:<number>.");
	}
	cJSON *teams = store_teams_json(d->app->view, d->app->league_id);
	pw_buf_t b = {0};
	const cJSON *t, *h;
	cJSON_ArrayForEach(t, teams) {
		if ((int64_t)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(t, "id")) != team)
			continue;
		buf_printf(&b, "**%s**\n", cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(t, "name")));
		cJSON_ArrayForEach(h, cJSON_GetObjectItemCaseSensitive(t, "hoopers"))
			buf_printf(&b, "• #%d %s\n", (int)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(h, "id")),
				   cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(h, "name")));
	}
	cJSON_Delete(teams);
	return answer_buf(res, &b, "There is no such team.");
}

/* The league's seasons. */
static int cmd_history(struct discord *d, const discord_ix_t *ix, pw_response_t *res)
{
	cJSON *list = store_seasons_json(d->app->view, d->app->league_id);
	pw_buf_t b = {0};
	const cJSON *s;
	cJSON_ArrayForEach(s, list)
		buf_printf(&b, "• %s: %s after round %d\n", cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(s, "name")),
			   cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(s, "phase")),
			   (int)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(s, "current_round")));
	cJSON_Delete(list);
	return answer_buf(res, &b, "No season yet.");
}

static int cmd_standings(struct discord *d, const discord_ix_t *ix, pw_response_t *res)
{
	int64_t sid = season_now(d);
	cJSON *st = sid > 0 ? season_standings_json(d->app->view, sid) : NULL;
	pw_buf_t b = {0};
	const cJSON *row;
	int i = 0;
	cJSON_ArrayForEach(row, cJSON_GetObjectItemCaseSensitive(st, "regular")) {
		buf_printf(&b, "%d. %s (team %d) %d–%d\n", ++i,
			   cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(row, "name")),
			   (int)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(row, "team_id")),
			   (int)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(row, "wins")),
			   (int)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(row, "losses")));
	}
	cJSON_Delete(st);
	discord_answer(res, DISCORD_RESP_MESSAGE, b.len ? b.data : "No standings yet.", true, NULL);
	buf_free(&b);
	return HTTP_HANDLED;
}

static int cmd_status(struct discord *d, const discord_ix_t *ix, pw_response_t *res)
{
	cJSON *cur = season_summary_json(d->app->view);
	int r = discord_say(res, true, "%s: phase %s, round %d. Discord: %s.",
		    cur ? cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(cur, "name")) : "No season",
		    cur ? cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(cur, "phase")) : "none",
		    (int)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(cur, "round")), discord_health(d->app));
	cJSON_Delete(cur);
	return r;
}

static int cmd_effects(struct discord *d, const discord_ix_t *ix, pw_response_t *res)
{
	cJSON *list = gov_effects_json(d->app->gov, true);
	pw_buf_t b = {0};
	const cJSON *e;
	cJSON_ArrayForEach(e, list)
		buf_printf(&b, "• %s (%s)\n", cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "id")),
			   cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "name")));
	cJSON_Delete(list);
	discord_answer(res, DISCORD_RESP_MESSAGE, b.len ? b.data : "No effect is active.", true, NULL);
	buf_free(&b);
	return HTTP_HANDLED;
}

static int cmd_strategy(struct discord *d, const discord_ix_t *ix, pw_response_t *res)
{
	int64_t gid = discord_governor(d, ix, res);
	if (!gid)
		return HTTP_HANDLED;
	const char *text = opt_str(ix, "text");
	if (!text || !*text)
		return discord_say(res, true, "Say the strategy in words: /strategy text:<how your team should play>.");
	cJSON *out = NULL;
	pw_err_t err = {0};
	if (gov_strategy_set(d->app->gov, gid, text, &out, &err) < 0)
		return discord_refuse(res, &err);
	cJSON_Delete(out);
	return discord_say(res, true, "Your team's strategy is set; it takes effect from the next round.");
}

static int cmd_bio(struct discord *d, const discord_ix_t *ix, pw_response_t *res)
{
	int64_t gid = discord_governor(d, ix, res), hooper;
	if (!gid)
		return HTTP_HANDLED;
	const char *text = opt_str(ix, "text");
	if (!opt_int(ix, "hooper", &hooper) || !text)
		return discord_say(res, true, "Say /bio hooper:<number> text:<the bio>.");
	cJSON *out = NULL;
	pw_err_t err = {0};
	if (gov_hooper_bio_set(d->app->gov, gid, hooper, text, &out, &err) < 0)
		return discord_refuse(res, &err);
	cJSON_Delete(out);
	return discord_say(res, true, "The bio of hooper %" PRId64 " is written.", hooper);
}

/* "propose" / "amend" / "boost" → the token kind's index; -1 otherwise. */
static int token_kind(const char *s)
{
	static const char *const kinds[PW_TOKEN_KINDS] = {"propose", "amend", "boost"};
	for (int i = 0; s && i < PW_TOKEN_KINDS; i++)
		if (!strcmp(s, kinds[i]))
			return i;
	return -1;
}

static int cmd_trade(struct discord *d, const discord_ix_t *ix, pw_response_t *res)
{
	int64_t gid = discord_governor(d, ix, res), give_n = 0, get_n = 0;
	if (!gid)
		return HTTP_HANDLED;
	const char *to = opt_str(ix, "to");
	int give = token_kind(opt_str(ix, "give")), get = token_kind(opt_str(ix, "get"));
	if (!to || give < 0 || get < 0 || !opt_int(ix, "give_count", &give_n) || !opt_int(ix, "get_count", &get_n) ||
	    give_n > 10 || get_n > 10 || strlen(to) > 20 || strspn(to, "0123456789") != strlen(to))
		return discord_say(res, true, "Say /trade to:@governor give:propose|amend|boost give_count:N get:... get_count:N.");
	bool enrolled = false;
	pw_err_t err = {0};
	int64_t their_id = store_identity_find(d->app->store, "discord", to);
	int64_t their_gid = their_id > 0 ? identity_governor(d->app->gov, their_id, &enrolled) : 0;
	if (their_gid <= 0 || !enrolled)
		return discord_say(res, true, "<@%s> is not a governor this season.", to);
	int offer[PW_TOKEN_KINDS] = {0}, request[PW_TOKEN_KINDS] = {0};
	offer[give] = (int)give_n;
	request[get] = (int)get_n;
	cJSON *out = NULL;
	if (gov_trade_offer(d->app->gov, gid, their_gid, offer, request, &out, &err) < 0)
		return discord_refuse(res, &err);
	/* The answer is the caller's trades: the new offer is the latest. */
	int64_t tid = 0;
	const cJSON *tr;
	cJSON_ArrayForEach(tr, cJSON_GetObjectItemCaseSensitive(out, "token_trades")) {
		int64_t id = (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(tr, "id"));
		if (id > tid)
			tid = id;
	}
	cJSON_Delete(out);
	char ids[2][48], text[300];
	snprintf(ids[0], sizeof ids[0], "trade:%" PRId64 ":accept", tid);
	snprintf(ids[1], sizeof ids[1], "trade:%" PRId64 ":reject", tid);
	const char *labels[] = {"Accept", "Reject"};
	const char *idp[] = {ids[0], ids[1]};
	const int styles[] = {3, 4};
	snprintf(text, sizeof text, "<@%s>: %s offers %d %s for %d %s (trade #%" PRId64 ").", to, ix->user_name,
		 (int)give_n, opt_str(ix, "give"), (int)get_n, opt_str(ix, "get"), tid);
	cJSON *m = discord_message(text, discord_buttons(labels, idp, styles, 2));
	/* The other side must see it: a message that mentions them (and only them). */
	cJSON *users = cJSON_AddArrayToObject(cJSON_GetObjectItemCaseSensitive(m, "allowed_mentions"), "users");
	cJSON_AddItemToArray(users, cJSON_CreateString(to));
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "type", DISCORD_RESP_MESSAGE);
	cJSON_AddItemToObject(o, "data", m);
	char *t = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	resp_reset(res);
	res->status = 200;
	res->content_type = PW_CT_JSON;
	buf_puts(&res->body, t ? t : "{\"type\":4,\"data\":{\"content\":\"Offered.\"}}");
	cJSON_free(t);
	return HTTP_HANDLED;
}

static int cmd_trade_hooper(struct discord *d, const discord_ix_t *ix, pw_response_t *res)
{
	int64_t gid = discord_governor(d, ix, res), mine, theirs;
	if (!gid)
		return HTTP_HANDLED;
	if (!opt_int(ix, "mine", &mine) || !opt_int(ix, "theirs", &theirs))
		return discord_say(res, true, "Say /trade-hooper mine:<hooper number> theirs:<hooper number>.");
	cJSON *out = NULL;
	pw_err_t err = {0};
	if (gov_hooper_trade_propose(d->app->gov, gid, mine, theirs, &out, &err) < 0)
		return discord_refuse(res, &err);
	int64_t tid = (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(out, "id"));
	cJSON_Delete(out);
	char ids[2][48], text[200];
	snprintf(ids[0], sizeof ids[0], "htrade:%" PRId64 ":approve", tid);
	snprintf(ids[1], sizeof ids[1], "htrade:%" PRId64 ":reject", tid);
	const char *labels[] = {"Approve", "Reject"};
	const char *idp[] = {ids[0], ids[1]};
	const int styles[] = {3, 4};
	snprintf(text, sizeof text, "%s proposes swapping hooper %" PRId64 " for hooper %" PRId64
				    " (hooper trade #%" PRId64 "): governors of both teams, approve or reject.",
		 ix->user_name, mine, theirs, tid);
	discord_answer(res, DISCORD_RESP_MESSAGE, text, false, discord_buttons(labels, idp, styles, 2));
	return HTTP_HANDLED;
}

static int cmd_new_season(struct discord *d, const discord_ix_t *ix, pw_response_t *res)
{
	if (!ix->admin)
		return discord_say(res, true, "Only a server administrator can start a new season.");
	const char *name = opt_str(ix, "name");
	pw_err_t err = {0};
	if (name && gov_check_name("name", name, &err) < 0)
		return discord_refuse(res, &err);
	const cJSON *carry = option(ix, "carry_rules");
	int64_t sid = 0;
	int rc = season_create(d->app->gov, name, carry ? cJSON_IsTrue(carry) : true, NULL, 0, &sid, &err);
	app_cache_clear(d->app);
	if (rc < 0)
		return discord_refuse(res, &err);
	return discord_say(res, false, "A new season has begun (season %" PRId64 "). Every governor's tokens are refreshed.",
		   sid);
}

int discord_on_command(struct discord *d, const discord_ix_t *ix, pw_response_t *res)
{
	const char *n = ix->name;
	if (!strcmp(n, "join"))
		return cmd_join(d, ix, res);
	if (!strcmp(n, "propose"))
		return cmd_propose(d, ix, res);
	if (!strcmp(n, "amend"))
		return cmd_amend(d, ix, res);
	if (!strcmp(n, "repeal"))
		return cmd_repeal(d, ix, res);
	if (!strcmp(n, "vote"))
		return cmd_vote(d, ix, res);
	if (!strcmp(n, "tokens"))
		return cmd_tokens(d, ix, res, false);
	if (!strcmp(n, "profile"))
		return cmd_tokens(d, ix, res, true);
	if (!strcmp(n, "proposals"))
		return cmd_proposals(d, ix, res);
	if (!strcmp(n, "standings"))
		return cmd_standings(d, ix, res);
	if (!strcmp(n, "status"))
		return cmd_status(d, ix, res);
	if (!strcmp(n, "effects"))
		return cmd_effects(d, ix, res);
	if (!strcmp(n, "strategy"))
		return cmd_strategy(d, ix, res);
	if (!strcmp(n, "bio"))
		return cmd_bio(d, ix, res);
	if (!strcmp(n, "trade"))
		return cmd_trade(d, ix, res);
	if (!strcmp(n, "trade-hooper"))
		return cmd_trade_hooper(d, ix, res);
	if (!strcmp(n, "new-season"))
		return cmd_new_season(d, ix, res);
	if (!strcmp(n, "schedule"))
		return cmd_schedule(d, ix, res);
	if (!strcmp(n, "reports"))
		return cmd_reports(d, ix, res);
	if (!strcmp(n, "roster"))
		return cmd_roster(d, ix, res);
	if (!strcmp(n, "history"))
		return cmd_history(d, ix, res);
	return discord_say(res, true, "This server does not know the command /%.40s.", n);
}
