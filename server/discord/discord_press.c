/*
 * discord_press.c — buttons and forms (modals), each mapped onto the
 * league service the API calls for the same thing.
 *
 * Custom ids carry what a button acts on: "confirm:<proposal>",
 * "revise:<proposal>", "cancel:<proposal>", "vote:<proposal>:yes|no|boost",
 * "trade:<id>:accept|reject", "htrade:<id>:approve|reject",
 * "clear:<proposal>", "veto:<proposal>"; forms are "propose",
 * "amend:<proposal>" and "veto:<proposal>". Who pressed is always the
 * interaction's signed user, never anything in a custom id.
 */
#include "server/discord/discord_int.h"

#include <cjson/cJSON.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
		return discord_say(res, true, "This button is not one of the league's.");
	cJSON *out = NULL;
	pw_err_t err = {0};
	if (!strcmp(verb, "vote") && n == 3 && (!strcmp(arg, "yes") || !strcmp(arg, "no") || !strcmp(arg, "boost")))
		return discord_vote(d, ix, id, strcmp(arg, "no") != 0, !strcmp(arg, "boost"), res);
	if (n == 2 && (!strcmp(verb, "clear") || !strcmp(verb, "veto"))) {
		if (!is_admin(d, ix))
			return discord_say(res, true, "Only the league's admin reviews proposals.");
		if (!strcmp(verb, "veto")) {
			char mid[48];
			snprintf(mid, sizeof mid, "veto:%lld", id);
			discord_answer_modal(res, mid, "Veto a proposal", "Why (the proposer will read it)", NULL, false);
			return HTTP_HANDLED;
		}
		if (gov_admin_clear(d->app->gov, id, &out, &err) < 0)
			return discord_refuse(res, &err);
		cJSON_Delete(out);
		char text[120];
		snprintf(text, sizeof text, "Proposal #%lld is cleared: its vote goes on.", id);
		discord_answer(res, DISCORD_RESP_UPDATE, text, false, cJSON_CreateArray());
		return HTTP_HANDLED;
	}
	int64_t gid = discord_governor(d, ix, res);
	if (!gid)
		return HTTP_HANDLED;
	if (!strcmp(verb, "confirm")) {
		if (gov_confirm(d->app->gov, gid, id, &out, &err) < 0)
			return discord_refuse(res, &err);
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
			return discord_refuse(res, &err);
		}
		if (!strcmp(verb, "revise"))
			discord_answer_modal(res, "propose", "Revise your proposal", DISCORD_RULE_LABEL, text, true);
		else
			discord_answer(res, DISCORD_RESP_UPDATE, "Cancelled: nothing was spent.", true, cJSON_CreateArray());
		free(text);
		return HTTP_HANDLED;
	}
	if (!strcmp(verb, "trade") && n == 3 && (!strcmp(arg, "accept") || !strcmp(arg, "reject"))) {
		if (gov_trade_respond(d->app->gov, gid, id, !strcmp(arg, "accept"), &out, &err) < 0)
			return discord_refuse(res, &err);
		cJSON_Delete(out);
		return discord_say(res, false, "Trade #%lld %s by %s.", id, !strcmp(arg, "accept") ? "accepted" : "rejected",
			   ix->user_name);
	}
	if (!strcmp(verb, "htrade") && n == 3 && (!strcmp(arg, "approve") || !strcmp(arg, "reject"))) {
		int rc = !strcmp(arg, "approve") ? gov_hooper_trade_approve(d->app->gov, gid, id, &out, &err)
						 : gov_hooper_trade_reject(d->app->gov, gid, id, &out, &err);
		if (rc < 0)
			return discord_refuse(res, &err);
		cJSON_Delete(out);
		return discord_say(res, false, "Hooper trade #%lld: %s %s.", id, ix->user_name,
			   !strcmp(arg, "approve") ? "approves" : "rejects");
	}
	return discord_say(res, true, "This button is not one of the league's.");
}

/* ---- modals --------------------------------------------------------------- */

int discord_on_modal(struct discord *d, const discord_ix_t *ix, pw_response_t *res)
{
	int64_t pid = 0;
	long long v = 0;
	char tail;
	if (sscanf(ix->custom_id, "veto:%lld%c", &v, &tail) == 1 && v >= 1) {
		if (!is_admin(d, ix))
			return discord_say(res, true, "Only the league's admin reviews proposals.");
		const char *why = modal_value(ix, "text");
		cJSON *out = NULL;
		pw_err_t err = {0};
		if (!why || !*why || strlen(why) > 500)
			return discord_say(res, true, "A veto needs its reason (at most 500 characters).");
		if (gov_admin_veto(d->app->gov, v, why, &out, &err) < 0)
			return discord_refuse(res, &err);
		cJSON_Delete(out);
		return discord_say(res, false, "Proposal #%lld is vetoed: %.300s. The proposer's tokens are refunded.", v, why);
	}
	if (strcmp(ix->custom_id, "propose") != 0) {
		if (sscanf(ix->custom_id, "amend:%lld%c", &v, &tail) != 1 || v < 1)
			return discord_say(res, true, "This form is not one of the league's.");
		pid = v;
	}
	int64_t gid = discord_governor(d, ix, res);
	if (!gid)
		return HTTP_HANDLED;
	return discord_check(d, ix, gid, pid, modal_value(ix, "text"), modal_value(ix, "lua"), res);
}
