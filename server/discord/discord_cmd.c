/*
 * discord_cmd.c — slash commands, buttons and modals, each mapped onto the
 * league service the JSON API calls for the same thing (governance.h,
 * identity.h, season.h; proposals through the check workers of
 * api_propose.h). No rule is decided here: a refusal is the service's own
 * sentence, shown to the caller only (ephemeral).
 *
 * Custom ids carry what a button acts on: "confirm:<proposal>",
 * "revise:<proposal>", "cancel:<proposal>", "vote:<proposal>:yes|no|boost",
 * "trade:<id>:accept|reject", "htrade:<id>:approve|reject"; modals are
 * "propose" and "amend:<proposal>". Who pressed is always the interaction's
 * signed user, never anything in a custom id.
 */
#include "server/discord/discord_int.h"

#include <cjson/cJSON.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/league/identity.h"
#include "core/league/season.h"
#include "server/api/api_propose.h"

#define TEXT_MAX 4000
#define RULE_LABEL "Your rule, in words"

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
static const char *modal_value(const discord_ix_t *ix, const char *id)
{
	const cJSON *row, *c;
	cJSON_ArrayForEach(row, cJSON_GetObjectItemCaseSensitive(ix->data, "components")) {
		cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(row, "components")) {
			const cJSON *cid = cJSON_GetObjectItemCaseSensitive(c, "custom_id");
			const cJSON *v = cJSON_GetObjectItemCaseSensitive(c, "value");
			if (cJSON_IsString(cid) && !strcmp(cid->valuestring, id) && cJSON_IsString(v))
				return v->valuestring;
		}
	}
	return NULL;
}

/* ---- answers ----------------------------------------------------------- */

static int say(pw_response_t *res, bool ephemeral, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int say(pw_response_t *res, bool ephemeral, const char *fmt, ...)
{
	char text[1900];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	discord_answer(res, DISCORD_RESP_MESSAGE, text, ephemeral, NULL);
	return HTTP_HANDLED;
}

/* A service's refusal, to the caller only. */
static int refuse(pw_response_t *res, const pw_err_t *err)
{
	return say(res, true, "Not done: %s", err->msg[0] ? err->msg : "the league refused it.");
}

/* ---- who is asking ------------------------------------------------------ */

/* The caller's identity (made on first sight) and the governor it is this
 * season: gid 0 with the answer in res when they have not joined. */
static int64_t identity_of(struct discord *d, const discord_ix_t *ix)
{
	int64_t id = 0;
	pw_err_t err = {0};
	if (identity_find_or_create(d->app->store, "discord", ix->user_id, ix->user_name, (int64_t)time(NULL), &id,
				    &err) < 0)
		log_event(&d->app->log, PW_LOG_ERROR, "discord.identity", "%s", err.msg);
	return id;
}

static int64_t governor(struct discord *d, const discord_ix_t *ix, pw_response_t *res)
{
	int64_t iid = identity_of(d, ix);
	bool enrolled = false;
	int64_t gid = iid ? identity_governor(d->app->gov, iid, &enrolled) : 0;
	if (gid > 0 && enrolled)
		return gid;
	say(res, true, "You are not enrolled this season: use /join with a team first.");
	return 0;
}

/* ---- proposals through the check workers --------------------------------- */

typedef struct check_ud {
	struct discord *d;
	char token[420];
	bool amend;
} check_ud_t;

void discord_describe_proposal(pw_buf_t *b, const cJSON *p)
{
	const cJSON *in = cJSON_GetObjectItemCaseSensitive(p, "interpretation");
	buf_printf(b, "**Proposal #%" PRId64 "** (tier %d, costs %d PROPOSE, passes above %.0f%% yes)\n> %s\n",
		   (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(p, "id")),
		   (int)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(p, "tier")),
		   (int)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(p, "cost")),
		   100.0 * cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(p, "threshold")),
		   cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(p, "text")));
	const cJSON *prm;
	cJSON_ArrayForEach(prm, cJSON_GetObjectItemCaseSensitive(in, "parameters")) {
		char *old = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(prm, "old"));
		char *nw = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(prm, "new"));
		buf_printf(b, "• %s: %s → %s\n", cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(prm, "name")),
			   old ? old : "?", nw ? nw : "?");
		cJSON_free(old);
		cJSON_free(nw);
	}
	const cJSON *fx;
	cJSON_ArrayForEach(fx, cJSON_GetObjectItemCaseSensitive(in, "effects")) {
		const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(fx, "name"));
		buf_printf(b, "• effect: %s\n", name ? name : "a Lua effect");
	}
	const char *note = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(in, "note"));
	if (note && *note)
		buf_printf(b, "Interpretation: %s\n", note);
}

/* The check is done (or refused at once, with res): the interpretation and
 * its buttons, as the answer or as the deferred answer's replacement. */
static void on_checked(pw_app_t *app, void *ud, api_check_answer_t *ans, pw_response_t *res)
{
	check_ud_t *cu = ud;
	pw_buf_t b = {0};
	cJSON *buttons = NULL;
	if (ans->refused)
		buf_printf(&b, "Not checked: %s", ans->refusal);
	else if (ans->rc < 0)
		buf_printf(&b, "Not done: %s", ans->err && ans->err->msg[0] ? ans->err->msg : "the check failed.");
	else if (ans->out) {
		discord_describe_proposal(&b, ans->out);
		int64_t pid = (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(ans->out, "id"));
		if (cu->amend) {
			buf_puts(&b, "Amended: the new interpretation stands and the votes stay.");
		} else {
			buf_puts(&b, "Confirm to spend the tokens and open the vote.");
			char ids[3][48];
			snprintf(ids[0], sizeof ids[0], "confirm:%" PRId64, pid);
			snprintf(ids[1], sizeof ids[1], "revise:%" PRId64, pid);
			snprintf(ids[2], sizeof ids[2], "cancel:%" PRId64, pid);
			const char *labels[] = {"Confirm", "Revise", "Cancel"};
			const char *idp[] = {ids[0], ids[1], ids[2]};
			const int styles[] = {3, 2, 4};
			buttons = discord_buttons(labels, idp, styles, 3);
		}
	}
	cJSON_Delete(ans->out);
	ans->out = NULL;
	if (res)
		discord_answer(res, DISCORD_RESP_MESSAGE, b.data ? b.data : "", true, buttons);
	else
		discord_followup(cu->d, cu->token, discord_message(b.data ? b.data : "", buttons));
	buf_free(&b);
	free(cu);
}

/* Sends text (and lua) to the check workers as a proposal (pid 0) or an
 * amendment; answers "deferred" now, the interpretation follows. */
static int start_check(struct discord *d, const discord_ix_t *ix, int64_t gid, int64_t pid, const char *text,
		       const char *lua, pw_response_t *res)
{
	if (!text || !*text || strlen(text) > TEXT_MAX || (lua && strlen(lua) > TEXT_MAX))
		return say(res, true, "A proposal needs its text (at most %d characters).", TEXT_MAX);
	if (lua && !*lua)
		lua = NULL;
	check_ud_t *cu = calloc(1, sizeof *cu);
	if (!cu)
		return say(res, true, "The server is out of memory; try again.");
	cu->d = d;
	cu->amend = pid > 0;
	snprintf(cu->token, sizeof cu->token, "%s", ix->token);
	api_check_req_t rq = {.kind = pid ? API_CHECK_AMEND : API_CHECK_PROPOSE, .governor_id = gid,
			      .proposal_id = pid, .text = text, .lua = lua, .render = on_checked, .ud = cu};
	/* No connection waits: the answer goes through the webhook. */
	if (api_check_start(d->app, NULL, &rq, res) == HTTP_DEFERRED)
		discord_answer_type(res, DISCORD_RESP_DEFERRED, true);
	return HTTP_HANDLED;
}

/* ---- commands ------------------------------------------------------------ */

static int cmd_join(struct discord *d, const discord_ix_t *ix, pw_response_t *res)
{
	int64_t team = 0;
	const char *code = opt_str(ix, "invite");
	bool invite = d->app->cfg.enrollment == PW_ENROLL_INVITE;
	if (!opt_int(ix, "team", &team) && !(code && *code))
		return say(res, true, "Say which team: /join team:<number> (see /standings).");
	if (invite && !(code && *code))
		return say(res, true, "Joining this league needs an invite code from the admin: /join invite:<code>.");
	int64_t iid = identity_of(d, ix);
	if (!iid)
		return say(res, true, "Your Discord account could not be recorded; try again.");
	pw_identity_join_t in = {.name = ix->user_name, .team_id = team, .invite_code = code,
				 .require_invite = invite, .identity_id = iid, .now = (int64_t)time(NULL)};
	cJSON *out = NULL;
	pw_err_t err = {0};
	if (identity_join(d->app->gov, &in, NULL, &out, &err) < 0)
		return refuse(res, &err);
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
	return say(res, true, "Welcome, %s: you govern team %" PRId64 " this season, with 2 PROPOSE, 2 AMEND and 2 "
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
	int64_t gid = governor(d, ix, res);
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
	int64_t gid = governor(d, ix, res);
	if (!gid)
		return HTTP_HANDLED;
	const char *text = opt_str(ix, "text");
	if (text && *text) /* said in the command itself: no modal needed */
		return start_check(d, ix, gid, 0, text, NULL, res);
	discord_answer_modal(res, "propose", "Propose a rule", RULE_LABEL, NULL, true);
	return HTTP_HANDLED;
}

static int cmd_amend(struct discord *d, const discord_ix_t *ix, pw_response_t *res)
{
	int64_t gid = governor(d, ix, res), pid;
	if (!gid)
		return HTTP_HANDLED;
	if (!opt_int(ix, "proposal", &pid))
		return say(res, true, "Say which proposal: /amend proposal:<number>.");
	const char *text = opt_str(ix, "text");
	if (text && *text)
		return start_check(d, ix, gid, pid, text, NULL, res);
	char id[48];
	snprintf(id, sizeof id, "amend:%" PRId64, pid);
	discord_answer_modal(res, id, "Amend your proposal", RULE_LABEL, NULL, true);
	return HTTP_HANDLED;
}

static int cmd_repeal(struct discord *d, const discord_ix_t *ix, pw_response_t *res)
{
	int64_t gid = governor(d, ix, res);
	if (!gid)
		return HTTP_HANDLED;
	const char *fx = opt_str(ix, "effect");
	if (!fx || !*fx || strlen(fx) > 80)
		return say(res, true, "Say which effect: /repeal effect:<id> (see /effects).");
	/* A repeal is a proposal like any other (tier 5): the interpreter reads it. */
	char text[128];
	snprintf(text, sizeof text, "Repeal the effect %s", fx);
	return start_check(d, ix, gid, 0, text, NULL, res);
}

static int vote(struct discord *d, const discord_ix_t *ix, int64_t pid, bool yes, bool boost, pw_response_t *res)
{
	int64_t gid = governor(d, ix, res);
	if (!gid)
		return HTTP_HANDLED;
	cJSON *out = NULL;
	pw_err_t err = {0};
	if (gov_vote(d->app->gov, gid, pid, yes, boost, &out, &err) < 0)
		return refuse(res, &err);
	cJSON_Delete(out);
	return say(res, true, "Your vote on proposal #%" PRId64 ": %s%s. You can change it until the tally.", pid,
		   yes ? "yes" : "no", boost ? " (boosted)" : "");
}

static int cmd_vote(struct discord *d, const discord_ix_t *ix, pw_response_t *res)
{
	int64_t pid;
	const char *choice = opt_str(ix, "choice");
	if (!opt_int(ix, "proposal", &pid) || !choice || (strcmp(choice, "yes") && strcmp(choice, "no")))
		return say(res, true, "Say /vote proposal:<number> choice:yes|no (boost:true spends a BOOST token).");
	return vote(d, ix, pid, !strcmp(choice, "yes"), opt_bool(ix, "boost"), res);
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
		int64_t iid = identity_of(d, ix);
		int64_t gid = iid ? identity_governor(d->app->gov, iid, &enrolled) : 0;
		cJSON *gv = gid > 0 && enrolled ? gov_governor_json(d->app->gov, gid) : NULL;
		team = (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(gv, "team_id"));
		cJSON_Delete(gv);
		if (team <= 0)
			return say(res, true, "Say which team: /roster team:<number>.");
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
	int r = say(res, true, "%s: phase %s, round %d. Discord: %s.",
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
	int64_t gid = governor(d, ix, res);
	if (!gid)
		return HTTP_HANDLED;
	const char *text = opt_str(ix, "text");
	if (!text || !*text)
		return say(res, true, "Say the strategy in words: /strategy text:<how your team should play>.");
	cJSON *out = NULL;
	pw_err_t err = {0};
	if (gov_strategy_set(d->app->gov, gid, text, &out, &err) < 0)
		return refuse(res, &err);
	cJSON_Delete(out);
	return say(res, true, "Your team's strategy is set; it takes effect from the next round.");
}

static int cmd_bio(struct discord *d, const discord_ix_t *ix, pw_response_t *res)
{
	int64_t gid = governor(d, ix, res), hooper;
	if (!gid)
		return HTTP_HANDLED;
	const char *text = opt_str(ix, "text");
	if (!opt_int(ix, "hooper", &hooper) || !text)
		return say(res, true, "Say /bio hooper:<number> text:<the bio>.");
	cJSON *out = NULL;
	pw_err_t err = {0};
	if (gov_hooper_bio_set(d->app->gov, gid, hooper, text, &out, &err) < 0)
		return refuse(res, &err);
	cJSON_Delete(out);
	return say(res, true, "The bio of hooper %" PRId64 " is written.", hooper);
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
	int64_t gid = governor(d, ix, res), give_n = 0, get_n = 0;
	if (!gid)
		return HTTP_HANDLED;
	const char *to = opt_str(ix, "to");
	int give = token_kind(opt_str(ix, "give")), get = token_kind(opt_str(ix, "get"));
	if (!to || give < 0 || get < 0 || !opt_int(ix, "give_count", &give_n) || !opt_int(ix, "get_count", &get_n) ||
	    give_n > 10 || get_n > 10 || strlen(to) > 20 || strspn(to, "0123456789") != strlen(to))
		return say(res, true, "Say /trade to:@governor give:propose|amend|boost give_count:N get:... get_count:N.");
	bool enrolled = false;
	pw_err_t err = {0};
	int64_t their_id = store_identity_find(d->app->store, "discord", to);
	int64_t their_gid = their_id > 0 ? identity_governor(d->app->gov, their_id, &enrolled) : 0;
	if (their_gid <= 0 || !enrolled)
		return say(res, true, "<@%s> is not a governor this season.", to);
	int offer[PW_TOKEN_KINDS] = {0}, request[PW_TOKEN_KINDS] = {0};
	offer[give] = (int)give_n;
	request[get] = (int)get_n;
	cJSON *out = NULL;
	if (gov_trade_offer(d->app->gov, gid, their_gid, offer, request, &out, &err) < 0)
		return refuse(res, &err);
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
	int64_t gid = governor(d, ix, res), mine, theirs;
	if (!gid)
		return HTTP_HANDLED;
	if (!opt_int(ix, "mine", &mine) || !opt_int(ix, "theirs", &theirs))
		return say(res, true, "Say /trade-hooper mine:<hooper number> theirs:<hooper number>.");
	cJSON *out = NULL;
	pw_err_t err = {0};
	if (gov_hooper_trade_propose(d->app->gov, gid, mine, theirs, &out, &err) < 0)
		return refuse(res, &err);
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
		return say(res, true, "Only a server administrator can start a new season.");
	const char *name = opt_str(ix, "name");
	pw_err_t err = {0};
	if (name && gov_check_name("name", name, &err) < 0)
		return refuse(res, &err);
	const cJSON *carry = option(ix, "carry_rules");
	int64_t sid = 0;
	int rc = season_create(d->app->gov, name, carry ? cJSON_IsTrue(carry) : true, NULL, 0, &sid, &err);
	app_cache_clear(d->app);
	if (rc < 0)
		return refuse(res, &err);
	return say(res, false, "A new season has begun (season %" PRId64 "). Every governor's tokens are refreshed.",
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
	return say(res, true, "This server does not know the command /%.40s.", n);
}

/* ---- the admin ------------------------------------------------------------ */

/* The league's admin in Discord: a member with the Administrator
 * permission, or the person setup recorded (the guild's owner, who reviews
 * wild proposals in a DM, where no permissions come along). */
static bool is_admin(struct discord *d, const discord_ix_t *ix)
{
	if (ix->admin)
		return true;
	char *who = store_kv_get(d->app->store, "discord.admin.user");
	bool yes = who && !strcmp(who, ix->user_id);
	free(who);
	return yes;
}

/* ---- buttons ----------------------------------------------------------- */

/* The public message a confirmed proposal gets: its text and the vote
 * buttons, in the play-by-play channel (or where it was confirmed). */
static void announce_open(struct discord *d, const discord_ix_t *ix, int64_t pid)
{
	char ch[32];
	if (!discord_channel(d, "play-by-play", ch, sizeof ch)) {
		if (!ix->channel_id || strlen(ix->channel_id) >= sizeof ch)
			return;
		snprintf(ch, sizeof ch, "%s", ix->channel_id);
	}
	cJSON *p = gov_proposal_json(d->app->gov, pid);
	pw_buf_t b = {0};
	buf_puts(&b, "A proposal is open for voting.\n");
	discord_describe_proposal(&b, p);
	cJSON_Delete(p);
	char ids[3][48];
	snprintf(ids[0], sizeof ids[0], "vote:%" PRId64 ":yes", pid);
	snprintf(ids[1], sizeof ids[1], "vote:%" PRId64 ":no", pid);
	snprintf(ids[2], sizeof ids[2], "vote:%" PRId64 ":boost", pid);
	const char *labels[] = {"Yes", "No", "Yes, boosted"};
	const char *idp[] = {ids[0], ids[1], ids[2]};
	const int styles[] = {3, 4, 1};
	char path[96];
	snprintf(path, sizeof path, "/channels/%s/messages", ch);
	discord_enqueue(d, "POST", path, discord_message(b.data ? b.data : "", discord_buttons(labels, idp, styles, 3)));
	buf_free(&b);
}

int discord_on_component(struct discord *d, const discord_ix_t *ix, pw_response_t *res)
{
	char verb[16], arg[16] = "";
	long long id = 0;
	int n = sscanf(ix->custom_id, "%15[a-z]:%lld:%15[a-z]", verb, &id, arg);
	if (n < 2 || id < 1)
		return say(res, true, "This button is not one of the league's.");
	cJSON *out = NULL;
	pw_err_t err = {0};
	if (!strcmp(verb, "vote") && n == 3 && (!strcmp(arg, "yes") || !strcmp(arg, "no") || !strcmp(arg, "boost")))
		return vote(d, ix, id, strcmp(arg, "no") != 0, !strcmp(arg, "boost"), res);
	if (n == 2 && (!strcmp(verb, "clear") || !strcmp(verb, "veto"))) {
		if (!is_admin(d, ix))
			return say(res, true, "Only the league's admin reviews proposals.");
		if (!strcmp(verb, "veto")) {
			char mid[48];
			snprintf(mid, sizeof mid, "veto:%lld", id);
			discord_answer_modal(res, mid, "Veto a proposal", "Why (the proposer will read it)", NULL, false);
			return HTTP_HANDLED;
		}
		if (gov_admin_clear(d->app->gov, id, &out, &err) < 0)
			return refuse(res, &err);
		cJSON_Delete(out);
		char text[120];
		snprintf(text, sizeof text, "Proposal #%lld is cleared: its vote goes on.", id);
		discord_answer(res, DISCORD_RESP_UPDATE, text, false, cJSON_CreateArray());
		return HTTP_HANDLED;
	}
	int64_t gid = governor(d, ix, res);
	if (!gid)
		return HTTP_HANDLED;
	if (!strcmp(verb, "confirm")) {
		if (gov_confirm(d->app->gov, gid, id, &out, &err) < 0)
			return refuse(res, &err);
		cJSON_Delete(out);
		announce_open(d, ix, id); /* a wild one also goes to the admin: discord_notify.c */
		char text[120];
		snprintf(text, sizeof text, "Proposal #%lld is confirmed and open for voting.", id);
		discord_answer(res, DISCORD_RESP_UPDATE, text, true, cJSON_CreateArray());
		return HTTP_HANDLED;
	}
	if (!strcmp(verb, "cancel") || !strcmp(verb, "revise")) {
		cJSON *p = gov_proposal_json(d->app->gov, id);
		char *text = p ? strdup(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(p, "text"))) : NULL;
		cJSON_Delete(p);
		int rc = gov_cancel(d->app->gov, gid, id, &out, &err);
		cJSON_Delete(out);
		if (rc < 0) {
			free(text);
			return refuse(res, &err);
		}
		if (!strcmp(verb, "revise"))
			discord_answer_modal(res, "propose", "Revise your proposal", RULE_LABEL, text, true);
		else
			discord_answer(res, DISCORD_RESP_UPDATE, "Cancelled: nothing was spent.", true, cJSON_CreateArray());
		free(text);
		return HTTP_HANDLED;
	}
	if (!strcmp(verb, "trade") && n == 3 && (!strcmp(arg, "accept") || !strcmp(arg, "reject"))) {
		if (gov_trade_respond(d->app->gov, gid, id, !strcmp(arg, "accept"), &out, &err) < 0)
			return refuse(res, &err);
		cJSON_Delete(out);
		return say(res, false, "Trade #%lld %s by %s.", id, !strcmp(arg, "accept") ? "accepted" : "rejected",
			   ix->user_name);
	}
	if (!strcmp(verb, "htrade") && n == 3 && (!strcmp(arg, "approve") || !strcmp(arg, "reject"))) {
		int rc = !strcmp(arg, "approve") ? gov_hooper_trade_approve(d->app->gov, gid, id, &out, &err)
						 : gov_hooper_trade_reject(d->app->gov, gid, id, &out, &err);
		if (rc < 0)
			return refuse(res, &err);
		cJSON_Delete(out);
		return say(res, false, "Hooper trade #%lld: %s %s.", id, ix->user_name,
			   !strcmp(arg, "approve") ? "approves" : "rejects");
	}
	return say(res, true, "This button is not one of the league's.");
}

/* ---- modals --------------------------------------------------------------- */

int discord_on_modal(struct discord *d, const discord_ix_t *ix, pw_response_t *res)
{
	int64_t pid = 0;
	long long v = 0;
	char tail;
	if (sscanf(ix->custom_id, "veto:%lld%c", &v, &tail) == 1 && v >= 1) {
		if (!is_admin(d, ix))
			return say(res, true, "Only the league's admin reviews proposals.");
		const char *why = modal_value(ix, "text");
		cJSON *out = NULL;
		pw_err_t err = {0};
		if (!why || !*why || strlen(why) > 500)
			return say(res, true, "A veto needs its reason (at most 500 characters).");
		if (gov_admin_veto(d->app->gov, v, why, &out, &err) < 0)
			return refuse(res, &err);
		cJSON_Delete(out);
		return say(res, false, "Proposal #%lld is vetoed: %.300s. The proposer's tokens are refunded.", v, why);
	}
	if (strcmp(ix->custom_id, "propose") != 0) {
		if (sscanf(ix->custom_id, "amend:%lld%c", &v, &tail) != 1 || v < 1)
			return say(res, true, "This form is not one of the league's.");
		pid = v;
	}
	int64_t gid = governor(d, ix, res);
	if (!gid)
		return HTTP_HANDLED;
	return start_check(d, ix, gid, pid, modal_value(ix, "text"), modal_value(ix, "lua"), res);
}
