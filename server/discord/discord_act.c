/*
 * discord_act.c — acting for the person behind an interaction, shared by
 * the commands (discord_cmd.c) and the buttons and forms
 * (discord_press.c): who they are (the identity ("discord", user id) and
 * the governor it is this season), the answers to them, a vote, and a
 * proposal's check on the check workers answered through the webhook.
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
#include "server/api/api_propose.h"

/* ---- answers ----------------------------------------------------------- */

int discord_say(pw_response_t *res, bool ephemeral, const char *fmt, ...)
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
int discord_refuse(pw_response_t *res, const pw_err_t *err)
{
	return discord_say(res, true, "Not done: %s", err->msg[0] ? err->msg : "the league refused it.");
}

/* ---- who is asking ------------------------------------------------------ */

/* The caller's identity (made on first sight) and the governor it is this
 * season: gid 0 with the answer in res when they have not joined. */
int64_t discord_identity(struct discord *d, const discord_ix_t *ix)
{
	int64_t id = 0;
	pw_err_t err = {0};
	if (identity_find_or_create(d->app->store, "discord", ix->user_id, ix->user_name, (int64_t)time(NULL), &id,
				    &err) < 0)
		log_event(&d->app->log, PW_LOG_ERROR, "discord.identity", "%s", err.msg);
	return id;
}

int64_t discord_governor(struct discord *d, const discord_ix_t *ix, pw_response_t *res)
{
	int64_t iid = discord_identity(d, ix);
	bool enrolled = false;
	int64_t gid = iid ? identity_governor(d->app->gov, iid, &enrolled) : 0;
	if (gid > 0 && enrolled)
		return gid;
	discord_say(res, true, "You are not enrolled this season: use /join with a team first.");
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
int discord_check(struct discord *d, const discord_ix_t *ix, int64_t gid, int64_t pid, const char *text,
		       const char *lua, pw_response_t *res)
{
	if (!text || !*text || strlen(text) > DISCORD_TEXT_MAX || (lua && strlen(lua) > DISCORD_TEXT_MAX))
		return discord_say(res, true, "A proposal needs its text (at most %d characters).", DISCORD_TEXT_MAX);
	if (lua && !*lua)
		lua = NULL;
	check_ud_t *cu = calloc(1, sizeof *cu);
	if (!cu)
		return discord_say(res, true, "The server is out of memory; try again.");
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

int discord_vote(struct discord *d, const discord_ix_t *ix, int64_t pid, bool yes, bool boost, pw_response_t *res)
{
	int64_t gid = discord_governor(d, ix, res);
	if (!gid)
		return HTTP_HANDLED;
	cJSON *out = NULL;
	pw_err_t err = {0};
	if (gov_vote(d->app->gov, gid, pid, yes, boost, &out, &err) < 0)
		return discord_refuse(res, &err);
	cJSON_Delete(out);
	return discord_say(res, true, "Your vote on proposal #%" PRId64 ": %s%s. You can change it until the tally.", pid,
		   yes ? "yes" : "no", boost ? " (boosted)" : "");
}
