/*
 * pages_gov.c — governance from the browser: /governance (what is being
 * voted on, and voting), /propose (write a rule change, preview it, check
 * an effect, make a draft), /trades (the inbox of token offers and hooper
 * trades), /strategy (the team's strategy in words) and /how-to-play.
 * Proposing goes through the check workers like the API's proposals
 * (server/api/api_propose.h): the page is answered when the check is done.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/league/season.h"
#include "core/sim/hooks.h"
#include "server/api/api_propose.h"
#include "server/pages/pages_internal.h"

#define TEXT_MAX 2000
#define LUA_MAX 60000

/* ---- /governance ---------------------------------------------------------- */

/* A governor's current vote on p: 1 yes, 0 no, -1 none; *boost set. */
static int my_vote(const cJSON *votes, int64_t pid, bool *boost)
{
	const cJSON *v;
	int r = -1;
	cJSON_ArrayForEach(v, votes)
		if (pages_id(v, "proposal_id") == pid) {
			r = !strcmp(pages_str(v, "vote") ? pages_str(v, "vote") : "", "yes");
			*boost = cJSON_IsTrue(cJSON_GetObjectItem(v, "boost"));
		}
	return r;
}

/* The yes share against the threshold. */
static void tally_bar(pw_buf_t *b, const cJSON *p)
{
	pages_tally_bar(b, pages_num(cJSON_GetObjectItem(p, "tally"), "share"), pages_num(p, "threshold"));
}

/* Inline vote buttons for p: yes, no, and each boosted. */
static void quick_vote(pw_buf_t *b, const pages_who_t *who, int64_t pid, int mine, bool boosted, int boosts)
{
	char action[64];
	if (mine >= 0)
		buf_printf(b, "<p class=\"your-vote\">Your vote: %s%s.</p>", mine ? "yes" : "no",
			   boosted ? ", boosted" : "");
	snprintf(action, sizeof action, "/proposals/%lld/vote", (long long)pid);
	pages_form_open(b, who, action, "actions quick-vote");
	buf_puts(b, "<button type=\"submit\" name=\"vote\" value=\"yes\">Vote yes</button>"
		    "<button type=\"submit\" name=\"vote\" value=\"no\" class=\"secondary\">Vote no</button>");
	if (!boosted && boosts > 0)
		buf_puts(b, "<label><input type=\"checkbox\" name=\"boost\" value=\"1\"> boost (1 BOOST token: "
			    "counts double)</label>");
	buf_puts(b, "</form>");
}

PAGE_HANDLER(page_governance)
{
	pages_who_t who;
	pages_who(app, req, &who);
	if (who.gid)
		pages_session_ensure(app, &who, res);
	gov_sync(app->gov);
	const pw_gstate_t *st = gov_state(app->gov);
	const pw_governor_t *me = who.gid ? gstate_governor(st, who.gid) : NULL;
	cJSON *mine = me ? gov_governor_json(app->gov, me->id) : NULL;
	pw_buf_t b = {0};
	pages_begin(&b, "Governance", "governance");
	buf_puts(&b, "<h1>Governance</h1>\n<p class=\"lede\">Governors write the rules: a proposal in plain words "
		     "becomes a rule change once the weighted yes votes pass its threshold at the tally.</p>\n");
	int64_t at;
	buf_puts(&b, "<p>The next tally comes ");
	pages_next_tally(app, &b, &at);
	buf_puts(&b, ".</p>\n");
	if (me)
		buf_puts(&b, "<p class=\"actions\"><a class=\"button\" href=\"/propose\">Propose a rule change</a> "
			     "<a href=\"/trades\">Trades</a> <a href=\"/strategy\">Your team: strategy and bios</a></p>\n");
	else
		buf_puts(&b, "<p class=\"actions\"><a class=\"button\" href=\"/join\">Join a team to take part</a> "
			     "<a href=\"/how-to-play\">How to play</a></p>\n");
	cJSON *list = gov_proposals_json(app->gov, 0, NULL);
	const cJSON *votes = cJSON_GetObjectItem(mine, "votes");
	int boosts = me ? me->tokens[PW_TOK_BOOST] : 0;
	buf_puts(&b, "<section aria-labelledby=\"open\"><h2 id=\"open\">Open for voting</h2>\n");
	int n = 0;
	const cJSON *pr;
	cJSON_ArrayForEach(pr, list)
	{
		const char *status = pages_str(pr, "status");
		bool mine_draft = status && !strcmp(status, "draft") && me && pages_id(pr, "governor_id") == me->id;
		if (!status || (strcmp(status, "open") && !mine_draft))
			continue;
		n++;
		int64_t pid = pages_id(pr, "id");
		const cJSON *t = cJSON_GetObjectItem(pr, "tally");
		buf_printf(&b, "<article class=\"proposal-card\" id=\"p%lld\" data-proposal=\"%lld\"><h3>"
			       "<a href=\"/proposals/%lld\">#%lld</a> ",
			   (long long)pid, (long long)pid, (long long)pid, (long long)pid);
		pages_escape(&b, pages_str(pr, "text"));
		buf_printf(&b, " <span class=\"tag %s\">%s</span></h3>\n", mine_draft ? "draft" : "open",
			   mine_draft ? "your draft" : "open");
		buf_printf(&b, "<p class=\"muted\">Tier %d · passes with more than %.0f%% yes · ",
			   (int)pages_num(pr, "tier"), 100 * pages_num(pr, "threshold"));
		pages_team_ref(app, &b, pages_id(pr, "team_id"));
		buf_puts(&b, "</p>\n");
		if (mine_draft) {
			buf_printf(&b, "<p>Not open yet: <a href=\"/proposals/%lld\">confirm it</a> to open the "
				       "vote.</p></article>\n", (long long)pid);
			continue;
		}
		buf_puts(&b, "<div class=\"tally\">");
		tally_bar(&b, pr);
		buf_printf(&b, "<p class=\"numbers\"><span><strong class=\"t-share\">%.0f%%</strong> yes</span>"
			       "<span><span class=\"t-votes\">%d</span> votes</span></p></div>\n",
			   100 * pages_num(t, "share"), (int)pages_num(t, "votes"));
		if (me) {
			bool boosted = false;
			int v = my_vote(votes, pid, &boosted);
			quick_vote(&b, &who, pid, v, boosted, boosts);
		}
		buf_puts(&b, "</article>\n");
	}
	if (!n)
		buf_puts(&b, "<p>Nothing is open for voting right now.</p>\n");
	buf_puts(&b, "</section>\n<section aria-labelledby=\"decided\"><h2 id=\"decided\">Decided and withdrawn</h2>\n");
	n = 0;
	cJSON_ArrayForEach(pr, list)
	{
		const char *status = pages_str(pr, "status");
		if (!status || !strcmp(status, "open") || !strcmp(status, "draft"))
			continue;
		if (!n++)
			buf_puts(&b, "<div class=\"table-wrap\"><table><thead><tr><th scope=\"col\">#</th>"
				     "<th scope=\"col\">Proposal</th><th scope=\"col\">Result</th>"
				     "<th scope=\"col\" class=\"num\">Yes</th></tr></thead><tbody>\n");
		int64_t pid = pages_id(pr, "id");
		buf_printf(&b, "<tr><td><a href=\"/proposals/%lld\">%lld</a></td><td>", (long long)pid, (long long)pid);
		pages_escape(&b, pages_str(pr, "text"));
		buf_printf(&b, "</td><td><span class=\"tag %s\">", status);
		pages_escape(&b, status);
		buf_printf(&b, "</span></td><td class=\"num\">%.0f%%</td></tr>\n",
			   100 * pages_num(cJSON_GetObjectItem(pr, "tally"), "share"));
	}
	buf_puts(&b, n ? "</tbody></table></div>\n" : "<p>Nothing decided yet this season.</p>\n");
	buf_puts(&b, "</section>\n<details><summary>For scripts and bots</summary>\n<p>Everything here is also "
		     "a JSON API for scripts, with the bearer token shown when you joined "
		     "(<a href=\"/how-to-play#scripts\">how</a>):</p>\n<pre><code>curl -X POST "
		     "-H 'Authorization: Bearer TOKEN' -H 'Content-Type: application/json' \\\n"
		     "  -d '{\"text\":\"make threes worth 4 points\"}' http://HOST/api/governance/proposals\n"
		     "</code></pre></details>\n<script src=\"/static/gov.js\" defer></script>\n");
	cJSON_Delete(list);
	cJSON_Delete(mine);
	return pages_finish_who(app, &who, res, &b, 200);
}

/* ---- /propose ------------------------------------------------------------- */

/* The effect API in brief, beside the script. */
static void effect_api_summary(pw_buf_t *b)
{
	buf_puts(b, "<aside aria-labelledby=\"api-h\"><h3 id=\"api-h\">Writing an effect</h3>\n"
		    "<p>A script returns a table: <code>name</code>, <code>description</code> (what it does, for "
		    "the voters), <code>lifetime</code> (<code>\"permanent\"</code>, <code>\"one_game\"</code> or "
		    "<code>{ rounds = 3 }</code>) and <code>hooks</code>: functions of <code>ctx</code>, each "
		    "run at one moment:</p>\n<ul>"
		    "<li><code>sim.game.pre</code>, <code>sim.quarter.pre</code>, <code>sim.possession.pre</code></li>"
		    "<li><code>sim.shot.pre</code> / <code>sim.shot.post</code> (<code>ctx.shooter</code>, "
		    "<code>ctx.made</code>)</li>"
		    "<li><code>sim.turnover.post</code>, <code>sim.foul.post</code>, <code>sim.rebound.post</code></li>"
		    "<li><code>sim.quarter.end</code>, <code>sim.halftime</code>, <code>sim.elam.start</code>, "
		    "<code>sim.game.end</code></li>"
		    "<li><code>round.pre</code>, <code>round.game.pre</code>, <code>round.game.post</code>, "
		    "<code>round.post</code>, <code>gov.pre</code>, <code>gov.post</code></li>"
		    "<li><code>report.simulation.pre</code>, <code>report.commentary.pre</code> (narrative only)</li>"
		    "</ul>\n<p>A game hook may return <code>shot_probability</code>, <code>shot_value</code>, "
		    "<code>score</code>, <code>stamina</code>, <code>turnover_probability</code>, "
		    "<code>foul_probability</code>, <code>action_bias</code>, <code>attributes</code>, "
		    "<code>block</code> or <code>narrative</code>.</p>\n<p>Memory between games: "
		    "<code>ctx.meta.get/set/incr(kind, id, key)</code>; chance: <code>ctx.random()</code>; "
		    "rules: <code>ctx.rules</code>.</p>\n<p>Example:</p><pre><code>return {\n  name = \"Hot Hand\",\n"
		    "  description = \"Two makes in a row: +5%.\",\n  hooks = {\n    [\"sim.shot.pre\"] = function(ctx)\n"
		    "      return { shot_probability = 0.05 }\n    end,\n  },\n}</code></pre>\n<p>The whole "
		    "guide: <a href=\"/effects\">effects in force</a> and docs/EFFECTS.md.</p></aside>\n");
}

/* The line a sandbox error names ("line 3: ..."), 0 when none. */
static int error_line(const char *msg)
{
	const char *l = msg ? strstr(msg, "line ") : NULL;
	return l ? atoi(l + 5) : 0;
}

/* The script with numbered lines and the failing one marked. */
static void listing(pw_buf_t *b, const char *lua, int bad)
{
	buf_puts(b, "<ol class=\"listing\" aria-label=\"Your script, line by line\">");
	const char *p = lua;
	for (int line = 1; p && *p; line++) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		buf_printf(b, "<li%s>", line == bad ? " class=\"bad\" id=\"bad-line\"" : "");
		pages_escape_n(b, p, n);
		buf_puts(b, "</li>");
		p = nl ? nl + 1 : NULL;
	}
	buf_puts(b, "</ol>\n");
}

void pages_proposal_fields(pw_buf_t *b, const char *text, const char *lua, const char *text_err,
			   const char *lua_err)
{
	buf_puts(b, "<div><label for=\"text\">Your rule change, in words <span class=\"hint\">For example "
		    "\"three pointers worth 4\", \"shorter quarters\", \"turn off home court\", \"give winners "
		    "swagger\". Up to 2000 characters.</span></label><textarea id=\"text\" name=\"text\" "
		    "maxlength=\"2000\" required");
	pages_field_aria(b, "text", text_err);
	buf_puts(b, ">");
	pages_escape(b, text);
	buf_puts(b, "</textarea>");
	pages_field_error(b, "text", text_err);
	buf_printf(b, "</div>\n<details%s><summary>Attach a Lua effect (optional)</summary>\n<div class=\"editor\">"
		      "<div><label for=\"effect_lua\">Effect script <span class=\"hint\">Your words then describe "
		      "this script; voters see both.</span></label><textarea class=\"code\" id=\"effect_lua\" "
		      "name=\"effect_lua\" spellcheck=\"false\" maxlength=\"60000\"",
		   (lua && *lua) || lua_err ? " open" : "");
	pages_field_aria(b, "effect_lua", lua_err);
	buf_puts(b, ">");
	pages_escape(b, lua);
	buf_puts(b, "</textarea>");
	if (lua_err) {
		pages_field_error(b, "effect_lua", lua_err);
		if (lua && *lua)
			listing(b, lua, error_line(lua_err));
	}
	buf_puts(b, "</div>\n");
	effect_api_summary(b);
	buf_puts(b, "</div></details>\n");
}

typedef struct propose_form {
	const char *text, *lua;
	const char *top_err, *text_err, *lua_err, *ok;
	const cJSON *preview;  /* a preview's answer to show under the form */
} propose_form_t;

static int propose_page(pw_app_t *app, const pages_who_t *who, pw_response_t *res, const propose_form_t *f,
			int status)
{
	gov_sync(app->gov);
	const pw_gstate_t *st = gov_state(app->gov);
	const pw_governor_t *me = gstate_governor(st, who->gid);
	int open = 0, drafts = 0;
	for (int i = 0; me && i < st->n_props; i++)
		if (st->props[i].governor_id == me->id && st->props[i].season_id == st->season.id) {
			open += st->props[i].status == PW_PROP_OPEN;
			drafts += st->props[i].status == PW_PROP_DRAFT;
		}
	pw_buf_t b = {0};
	pages_begin(&b, "Propose a rule change", "governance");
	buf_printf(&b, "<h1>Propose a rule change</h1>\n<p class=\"lede\">Write what you want in plain words. "
		       "<strong>Preview</strong> shows what the league understands, free; <strong>Create "
		       "draft</strong> keeps it for you to confirm. Nothing is spent until you confirm: a proposal "
		       "costs 1 PROPOSE token (2 when the interpreter cannot map it). You have %d PROPOSE, "
		       "%d open of %d allowed and %d draft%s.</p>\n",
		   me ? me->tokens[PW_TOK_PROPOSE] : 0, open, st->rules.proposals_per_window, drafts,
		   drafts == 1 ? "" : "s");
	if (f->top_err)
		pages_notice(&b, "error", f->top_err);
	if (f->ok)
		pages_notice(&b, "ok", f->ok);
	pages_form_open(&b, who, "/propose", "stack");
	pages_proposal_fields(&b, f->text, f->lua, f->text_err, f->lua_err);
	buf_puts(&b, "<div class=\"actions\"><button type=\"submit\" name=\"action\" value=\"preview\" "
		     "class=\"secondary\">Preview (free)</button><button type=\"submit\" name=\"action\" "
		     "value=\"check\" class=\"secondary\">Check the effect</button><button type=\"submit\" "
		     "name=\"action\" value=\"draft\">Create draft</button></div></form>\n");
	if (f->preview) {
		buf_puts(&b, "<section aria-labelledby=\"preview\" id=\"preview-result\"><h2 id=\"preview\">"
			     "Preview: what it would do</h2>\n<p class=\"muted\">Nothing was created and nothing "
			     "spent.</p>\n");
		pages_interpretation(&b, f->preview);
		pages_impact(&b, cJSON_GetObjectItem(f->preview, "impact"));
		buf_puts(&b, "</section>\n");
	}
	return pages_finish_who(app, who, res, &b, status);
}

PAGE_HANDLER(page_propose)
{
	pages_who_t who;
	pages_who(app, req, &who);
	if (!who.gid)
		return pages_need_governor(app, &who, res, "propose a rule change");
	propose_form_t f = {0};
	return propose_page(app, &who, res, &f, 200);
}

typedef struct propose_job {
	pages_who_t who;
	char *text, *lua;
	char action[12];
} propose_job_t;

static void propose_job_free(propose_job_t *j)
{
	free(j->text);
	free(j->lua);
	free(j);
}

/* Which field a refusal of the service is about: the effect's check names
 * the effect or a line, the interpreter the text. */
static void place_error(propose_form_t *f, int rc, const char *msg)
{
	if (rc == PW_E_INVALID && (strstr(msg, "effect") || strstr(msg, "script") || strstr(msg, "line ")))
		f->lua_err = msg;
	else if (rc == PW_E_INVALID)
		f->text_err = msg;
	else
		f->top_err = msg;
}

static void propose_rendered(pw_app_t *app, void *ud, api_check_answer_t *ans, pw_response_t *res)
{
	propose_job_t *j = ud;
	if (res) {
		propose_form_t f = {.text = j->text, .lua = j->lua};
		bool check_only = !strcmp(j->action, "check");
		if (check_only && j->text && !strcmp(j->text, "Install the attached effect"))
			f.text = NULL;
		if (ans->refused) {
			f.top_err = ans->refusal;
			propose_page(app, &j->who, res, &f, ans->refused);
		} else if (ans->rc < 0) {
			place_error(&f, ans->rc, ans->err->msg);
			propose_page(app, &j->who, res, &f, err_status(ans->rc));
		} else if (!strcmp(j->action, "draft")) {
			char to[64];
			snprintf(to, sizeof to, "/proposals/%lld?done=drafted", (long long)pages_id(ans->out, "id"));
			pages_redirect(res, to);
		} else {
			f.preview = ans->out;
			if (check_only)
				f.ok = j->lua && *j->lua ? "The effect passed its check: it loads, and its test games "
							    "ran without an error."
							  : "There is no effect to check: the text alone was previewed.";
			propose_page(app, &j->who, res, &f, 200);
		}
	}
	cJSON_Delete(ans->out);
	propose_job_free(j);
}

PAGE_HANDLER(page_propose_post)
{
	propose_job_t *j = calloc(1, sizeof *j);
	if (!j)
		return pages_not_found(res, "memory for this proposal");
	pages_who(app, req, &j->who);
	if (!j->who.gid) {
		free(j);
		pages_who_t who;
		pages_who(app, req, &who);
		return pages_need_governor(app, &who, res, "propose a rule change");
	}
	const char *why_text, *why_lua;
	j->text = pages_form_text(req, "text", TEXT_MAX, &why_text);
	j->lua = pages_form_text(req, "effect_lua", LUA_MAX, &why_lua);
	char action[12];
	long n = pages_field(req->body, "action", action, sizeof action);
	snprintf(j->action, sizeof j->action, "%s",
		 n > 0 && (!strcmp(action, "preview") || !strcmp(action, "check")) ? action : "draft");
	propose_form_t f = {.text = j->text, .lua = j->lua};
	if (why_text)
		f.text_err = "The text could not be read: it is longer than 2000 characters or not text.";
	if (why_lua)
		f.lua_err = "The script could not be read: it is longer than 60000 bytes or not text.";
	if (!j->text && !why_text) {
		if (!strcmp(j->action, "check") && j->lua)
			j->text = strdup("Install the attached effect");
		else
			f.text_err = "Write what your proposal does, in words.";
	}
	if (f.text_err || f.lua_err) {
		int hr = propose_page(app, &j->who, res, &f, 422);
		propose_job_free(j);
		return hr;
	}
	api_check_req_t rq = {.kind = !strcmp(j->action, "draft") ? API_CHECK_PROPOSE : API_CHECK_PREVIEW,
			      .governor_id = j->who.gid, .text = j->text, .lua = j->lua,
			      .render = propose_rendered, .ud = j};
	return api_check_start(app, conn, &rq, res);
}

/* ---- /trades -------------------------------------------------------------- */

static const char *const kinds[PW_TOKEN_KINDS] = {"propose", "amend", "boost"};

static void hooper_name(const cJSON *teams, pw_buf_t *b, int64_t hid)
{
	const cJSON *t, *h;
	cJSON_ArrayForEach(t, teams)
		cJSON_ArrayForEach(h, cJSON_GetObjectItem(t, "hoopers"))
			if (pages_id(h, "id") == hid) {
				buf_printf(b, "<a href=\"/hoopers/%lld\">", (long long)hid);
				pages_escape(b, pages_str(h, "name"));
				buf_puts(b, "</a> (");
				pages_escape(b, pages_str(t, "name"));
				buf_puts(b, ")");
				return;
			}
	buf_printf(b, "hooper %lld", (long long)hid);
}

typedef struct trades_form {
	const char *top_err, *ok, *offer_err, *hooper_err;
} trades_form_t;

static void offer_form(pw_app_t *app, pw_buf_t *b, const pages_who_t *who, const trades_form_t *f)
{
	const pw_gstate_t *st = gov_state(app->gov);
	buf_puts(b, "<section aria-labelledby=\"offer-h\"><h2 id=\"offer-h\">Offer tokens</h2>\n");
	pages_form_open(b, who, "/trades/offer", "stack");
	buf_puts(b, "<div><label for=\"to\">To</label><select id=\"to\" name=\"to_governor_id\" required");
	pages_field_aria(b, "offer", f->offer_err);
	buf_puts(b, "><option value=\"\">Choose a governor</option>");
	for (int i = 0; i < st->n_govs; i++) {
		const pw_governor_t *g = &st->govs[i];
		if (g->id == who->gid || g->season_id != st->season.id)
			continue;
		buf_printf(b, "<option value=\"%lld\">", (long long)g->id);
		pages_escape(b, g->name);
		buf_puts(b, "</option>");
	}
	buf_puts(b, "</select></div>\n");
	static const char *const sides[] = {"offer", "request"};
	static const char *const legends[] = {"You give", "You ask for"};
	for (int s = 0; s < 2; s++) {
		buf_printf(b, "<fieldset class=\"tokens-in\"><legend>%s</legend>", legends[s]);
		for (int k = 0; k < PW_TOKEN_KINDS; k++)
			buf_printf(b, "<label>%s <input type=\"number\" name=\"%s_%s\" min=\"0\" max=\"6\" "
				      "value=\"0\"></label>", kinds[k], sides[s], kinds[k]);
		buf_puts(b, "</fieldset>\n");
	}
	pages_field_error(b, "offer", f->offer_err);
	buf_puts(b, "<div class=\"actions\"><button type=\"submit\">Send the offer</button></div></form></section>\n");
}

static void hooper_form(pw_app_t *app, pw_buf_t *b, const pages_who_t *who, const cJSON *teams, int64_t my_team,
			const trades_form_t *f)
{
	buf_puts(b, "<section aria-labelledby=\"swap-h\"><h2 id=\"swap-h\">Propose a hooper trade</h2>\n"
		    "<p>A swap happens once most governors of both teams approve; yours counts.</p>\n");
	pages_form_open(b, who, "/hooper-trades", "stack");
	buf_puts(b, "<div><label for=\"hooper\">Your hooper</label><select id=\"hooper\" name=\"hooper_id\" "
		    "required><option value=\"\">Choose</option>");
	const cJSON *t, *h;
	cJSON_ArrayForEach(t, teams)
		if (pages_id(t, "id") == my_team)
			cJSON_ArrayForEach(h, cJSON_GetObjectItem(t, "hoopers"))
			{
				buf_printf(b, "<option value=\"%lld\">", (long long)pages_id(h, "id"));
				pages_escape(b, pages_str(h, "name"));
				buf_puts(b, "</option>");
			}
	buf_puts(b, "</select></div><div><label for=\"for\">For</label><select id=\"for\" name=\"for_hooper_id\" "
		    "required");
	pages_field_aria(b, "hooper", f->hooper_err);
	buf_puts(b, "><option value=\"\">Choose</option>");
	cJSON_ArrayForEach(t, teams)
	{
		if (pages_id(t, "id") == my_team)
			continue;
		buf_puts(b, "<optgroup label=\"");
		pages_escape(b, pages_str(t, "name"));
		buf_puts(b, "\">");
		cJSON_ArrayForEach(h, cJSON_GetObjectItem(t, "hoopers"))
		{
			buf_printf(b, "<option value=\"%lld\">", (long long)pages_id(h, "id"));
			pages_escape(b, pages_str(h, "name"));
			buf_puts(b, "</option>");
		}
		buf_puts(b, "</optgroup>");
	}
	buf_puts(b, "</select></div>");
	pages_field_error(b, "hooper", f->hooper_err);
	buf_puts(b, "<div class=\"actions\"><button type=\"submit\">Propose the trade</button></div></form>"
		    "</section>\n");
}

static int trades_page(pw_app_t *app, const pages_who_t *who, pw_response_t *res, const trades_form_t *f,
		       int status)
{
	gov_sync(app->gov);
	const pw_governor_t *me = gstate_governor(gov_state(app->gov), who->gid);
	pw_season_row_t cur;
	cJSON *teams = pages_season(app, &cur) ? season_teams_json(app->store, cur.id) : NULL;
	cJSON *tr = gov_trades_json(app->gov, who->gid);
	pw_buf_t b = {0};
	pages_begin(&b, "Trades", "governance");
	buf_printf(&b, "<h1>Trades</h1>\n<p class=\"lede\">Offer tokens to another governor, or swap hoopers "
		       "with another team. You hold %d propose, %d amend and %d boost; no balance may pass 6 of "
		       "a kind.</p>\n", me->tokens[PW_TOK_PROPOSE], me->tokens[PW_TOK_AMEND], me->tokens[PW_TOK_BOOST]);
	if (f->top_err)
		pages_notice(&b, "error", f->top_err);
	if (f->ok)
		pages_notice(&b, "ok", f->ok);
	buf_puts(&b, "<section aria-labelledby=\"inbox\"><h2 id=\"inbox\">Inbox</h2>\n");
	int n = 0;
	const cJSON *t;
	cJSON_ArrayForEach(t, cJSON_GetObjectItem(tr, "token_trades"))
	{
		int64_t id = pages_id(t, "id"), from = pages_id(t, "from_governor_id");
		const char *status_s = pages_str(t, "status");
		bool open = status_s && !strcmp(status_s, "open");
		n++;
		buf_printf(&b, "<article class=\"proposal-card\"><h3>Token offer #%lld <span class=\"tag\">", (long long)id);
		pages_escape(&b, status_s);
		buf_puts(&b, "</span></h3><p>");
		pages_governor_link(app, &b, from);
		buf_puts(&b, " gives ");
		pages_tokens_text(&b, cJSON_GetObjectItem(t, "offer"));
		buf_puts(&b, " to ");
		pages_governor_link(app, &b, pages_id(t, "to_governor_id"));
		buf_puts(&b, " for ");
		pages_tokens_text(&b, cJSON_GetObjectItem(t, "request"));
		buf_puts(&b, ".");
		if (open && cJSON_GetObjectItem(t, "expires_after_round"))
			buf_printf(&b, " Expires after round %d.", (int)pages_num(t, "expires_after_round"));
		buf_puts(&b, "</p>");
		if (open) {
			char act[64];
			buf_puts(&b, "<div class=\"actions\">");
			if (from == who->gid) {
				snprintf(act, sizeof act, "/trades/%lld/withdraw", (long long)id);
				pages_button(&b, who, act, "Withdraw", "secondary");
			} else {
				snprintf(act, sizeof act, "/trades/%lld/accept", (long long)id);
				pages_button(&b, who, act, "Accept", NULL);
				snprintf(act, sizeof act, "/trades/%lld/reject", (long long)id);
				pages_button(&b, who, act, "Reject", "secondary");
			}
			buf_puts(&b, "</div>");
		}
		buf_puts(&b, "</article>\n");
	}
	cJSON_ArrayForEach(t, cJSON_GetObjectItem(tr, "hooper_trades"))
	{
		int64_t id = pages_id(t, "id");
		const char *status_s = pages_str(t, "status");
		bool pending = status_s && !strcmp(status_s, "pending");
		n++;
		buf_printf(&b, "<article class=\"proposal-card\"><h3>Hooper trade #%lld <span class=\"tag\">", (long long)id);
		pages_escape(&b, status_s);
		buf_puts(&b, "</span></h3><p>");
		hooper_name(teams, &b, pages_id(t, "hooper_a"));
		buf_puts(&b, " for ");
		hooper_name(teams, &b, pages_id(t, "hooper_b"));
		buf_puts(&b, ", proposed by ");
		pages_governor_link(app, &b, pages_id(t, "proposer_id"));
		buf_printf(&b, "; %d approval%s so far.", (int)pages_num(t, "approvals"),
			   pages_num(t, "approvals") == 1 ? "" : "s");
		if (pages_str(t, "reason")) {
			buf_puts(&b, " ");
			pages_escape(&b, pages_str(t, "reason"));
		}
		buf_puts(&b, "</p>");
		if (pending) {
			char act[64];
			buf_puts(&b, "<div class=\"actions\">");
			snprintf(act, sizeof act, "/hooper-trades/%lld/approve", (long long)id);
			pages_button(&b, who, act, "Approve", NULL);
			snprintf(act, sizeof act, "/hooper-trades/%lld/reject", (long long)id);
			pages_button(&b, who, act, "Reject", "secondary");
			buf_puts(&b, "</div>");
		}
		buf_puts(&b, "</article>\n");
	}
	if (!n)
		buf_puts(&b, "<p>No offers or hooper trades yet.</p>\n");
	buf_puts(&b, "</section>\n<div class=\"trade-grid\">");
	offer_form(app, &b, who, f);
	hooper_form(app, &b, who, teams, me->team_id, f);
	buf_puts(&b, "</div>\n");
	cJSON_Delete(tr);
	cJSON_Delete(teams);
	return pages_finish_who(app, who, res, &b, status);
}

PAGE_HANDLER(page_trades)
{
	pages_who_t who;
	pages_who(app, req, &who);
	if (!who.gid)
		return pages_need_governor(app, &who, res, "trade");
	char done[24];
	pages_query_word(req, "done", done, sizeof done);
	trades_form_t f = {.ok = !strcmp(done, "offered")    ? "Your offer is sent."
				 : !strcmp(done, "proposed") ? "The hooper trade is proposed, with your approval."
				 : done[0]                   ? "Done."
							     : NULL};
	return trades_page(app, &who, res, &f, 200);
}

PAGE_HANDLER(page_trade_offer)
{
	pages_who_t who;
	pages_who(app, req, &who);
	if (!who.gid)
		return pages_need_governor(app, &who, res, "trade");
	trades_form_t f = {0};
	int64_t to = 0;
	int offer[PW_TOKEN_KINDS], request[PW_TOKEN_KINDS];
	if (pages_form_int(req, "to_governor_id", 1, INT64_C(1) << 52, &to) != 1)
		f.offer_err = "Choose the governor the offer goes to.";
	for (int k = 0; k < PW_TOKEN_KINDS && !f.offer_err; k++) {
		char field[24];
		int64_t v = 0;
		snprintf(field, sizeof field, "offer_%s", kinds[k]);
		if (pages_form_int(req, field, 0, 6, &v) < 0)
			f.offer_err = "Each number of tokens is from 0 to 6.";
		offer[k] = (int)v;
		v = 0;
		snprintf(field, sizeof field, "request_%s", kinds[k]);
		if (pages_form_int(req, field, 0, 6, &v) < 0)
			f.offer_err = "Each number of tokens is from 0 to 6.";
		request[k] = (int)v;
	}
	pw_err_t err = {0};
	if (!f.offer_err && gov_trade_offer(app->gov, who.gid, to, offer, request, NULL, &err) == 0)
		return pages_redirect(res, "/trades?done=offered");
	if (!f.offer_err)
		f.offer_err = err.msg;
	return trades_page(app, &who, res, &f, 422);
}

PAGE_HANDLER(page_hooper_trade_offer)
{
	pages_who_t who;
	pages_who(app, req, &who);
	if (!who.gid)
		return pages_need_governor(app, &who, res, "trade");
	trades_form_t f = {0};
	int64_t a = 0, bh = 0;
	if (pages_form_int(req, "hooper_id", 1, INT64_C(1) << 52, &a) != 1 ||
	    pages_form_int(req, "for_hooper_id", 1, INT64_C(1) << 52, &bh) != 1)
		f.hooper_err = "Choose one of your hoopers and one of another team's.";
	pw_err_t err = {0};
	if (!f.hooper_err && gov_hooper_trade_propose(app->gov, who.gid, a, bh, NULL, &err) == 0)
		return pages_redirect(res, "/trades?done=proposed");
	if (!f.hooper_err)
		f.hooper_err = err.msg;
	return trades_page(app, &who, res, &f, 422);
}

PAGE_HANDLER(page_trades_act)
{
	pages_who_t who;
	pages_who(app, req, &who);
	if (!who.gid)
		return pages_need_governor(app, &who, res, "trade");
	int64_t id;
	const char *action = router_param(p, "action");
	bool hooper = req->path.n > 14 && !memcmp(req->path.p, "/hooper-trades/", 15);
	pw_err_t err = {0};
	int rc = PW_E_NOT_FOUND;
	snprintf(err.msg, sizeof err.msg, "There is no such action.");
	if (router_param_id(p, "id", &id) == 0 && action) {
		if (hooper && !strcmp(action, "approve"))
			rc = gov_hooper_trade_approve(app->gov, who.gid, id, NULL, &err);
		else if (hooper && !strcmp(action, "reject"))
			rc = gov_hooper_trade_reject(app->gov, who.gid, id, NULL, &err);
		else if (!hooper && (!strcmp(action, "accept") || !strcmp(action, "reject")))
			rc = gov_trade_respond(app->gov, who.gid, id, !strcmp(action, "accept"), NULL, &err);
		else if (!hooper && !strcmp(action, "withdraw"))
			rc = gov_trade_withdraw(app->gov, who.gid, id, NULL, &err);
	}
	if (rc == 0) {
		char to[48];
		snprintf(to, sizeof to, "/trades?done=%s", action);
		return pages_redirect(res, to);
	}
	trades_form_t f = {.top_err = err.msg};
	return trades_page(app, &who, res, &f, err_status(rc));
}

/* ---- /strategy ------------------------------------------------------------ */

/* A strategy's biases in words. */
static void strategy_words(pw_buf_t *b, const cJSON *s)
{
	static const struct {
		const char *key, *more, *less;
	} biases[] = {
		{"three_bias", "shoots more threes", "shoots fewer threes"},
		{"rim_bias", "attacks the rim more", "attacks the rim less"},
		{"mid_bias", "takes more mid-range shots", "takes fewer mid-range shots"},
		{"pace", "plays faster", "plays slower"},
		{"defensive_intensity", "defends harder (more fouls, more fatigue)", "defends softer"},
	};
	buf_puts(b, "<ul>");
	int n = 0;
	for (size_t i = 0; i < sizeof biases / sizeof biases[0]; i++) {
		double v = pages_num(s, biases[i].key);
		if (v > 0.001 || v < -0.001) {
			buf_printf(b, "<li>%s (%+.2f)</li>", v > 0 ? biases[i].more : biases[i].less, v);
			n++;
		}
	}
	int scheme = (int)pages_num(s, "preferred_scheme");
	const cJSON *sc = cJSON_GetObjectItem(s, "preferred_scheme");
	if (cJSON_IsNumber(sc) && scheme >= 0 && scheme < PW_SCHEME_COUNT) {
		static const char *const when[] = {"always", "when leading", "when trailing", "in the Elam ending"};
		int w = (int)pages_num(s, "scheme_when");
		buf_puts(b, "<li>prefers the ");
		pages_escape(b, hooks_scheme_name((pw_scheme_t)scheme));
		buf_printf(b, " defense %s</li>", w >= 0 && w < 4 ? when[w] : "");
		n++;
	}
	if (!n)
		buf_puts(b, "<li>plays the default way: no bias</li>");
	buf_puts(b, "</ul>\n");
}

typedef struct strategy_form {
	const char *text, *err;     /* the strategy form again, with what was wrong */
	const cJSON *set;           /* a strategy just set: {strategy, note} */
	const char *ok;
	int64_t bio_hooper;         /* the bio form with an error */
	const char *bio_text, *bio_err;
} strategy_form_t;

/* Each hooper of the team with their bio and a form to rewrite it. */
static void bios(pw_buf_t *b, const pages_who_t *who, const cJSON *team, const strategy_form_t *f)
{
	buf_printf(b, "<section aria-labelledby=\"bios\"><h2 id=\"bios\">Hooper bios</h2>\n<p>Tell the league who "
		      "your hoopers are: a bio shows on each hooper's page. Up to %d characters.</p>\n",
		   PW_TEXT_MAX - 1);
	const cJSON *h;
	bool listed = false;
	cJSON_ArrayForEach(h, cJSON_GetObjectItem(team, "hoopers"))
		listed |= pages_id(h, "id") == f->bio_hooper;
	/* A refused bio of a hooper not on this page says so above them. */
	if (f->bio_err && !listed)
		pages_notice(b, "error", f->bio_err);
	cJSON_ArrayForEach(h, cJSON_GetObjectItem(team, "hoopers"))
	{
		int64_t hid = pages_id(h, "id");
		bool bad = f->bio_hooper == hid;
		char id[32], action[48];
		snprintf(id, sizeof id, "bio-%lld", (long long)hid);
		snprintf(action, sizeof action, "/hoopers/%lld/bio", (long long)hid);
		buf_printf(b, "<article class=\"proposal-card\" id=\"h%lld\"><h3><a href=\"/hoopers/%lld\">",
			   (long long)hid, (long long)hid);
		pages_escape(b, pages_str(h, "name"));
		buf_puts(b, "</a></h3>");
		pages_form_open(b, who, action, "stack");
		buf_printf(b, "<div><label for=\"%s\">Bio</label><textarea id=\"%s\" name=\"text\" maxlength=\"%d\" "
			      "required", id, id, PW_TEXT_MAX - 1);
		pages_field_aria(b, id, bad ? f->bio_err : NULL);
		buf_puts(b, ">");
		pages_escape(b, bad && f->bio_text ? f->bio_text : pages_str(h, "backstory"));
		buf_puts(b, "</textarea>");
		pages_field_error(b, id, bad ? f->bio_err : NULL);
		buf_puts(b, "</div><div class=\"actions\"><button type=\"submit\" class=\"secondary\">Save the bio"
			    "</button></div></form></article>\n");
	}
	buf_puts(b, "</section>\n");
}

static int strategy_page(pw_app_t *app, const pages_who_t *who, pw_response_t *res, const strategy_form_t *f,
			 int status)
{
	gov_sync(app->gov);
	const pw_governor_t *me = gstate_governor(gov_state(app->gov), who->gid);
	cJSON *teams = store_teams_json(app->store, app->league_id);
	const cJSON *team = NULL, *t;
	cJSON_ArrayForEach(t, teams)
		if (pages_id(t, "id") == me->team_id)
			team = t;
	pw_buf_t b = {0};
	pages_begin(&b, "Your team", "governance");
	buf_puts(&b, "<h1>Your team: strategy and bios</h1>\n<p class=\"lede\">How ");
	pages_team_ref(app, &b, me->team_id);
	buf_puts(&b, " plays, in your words, and who its hoopers are. Any governor of the team may set them; "
		     "a strategy applies from the next tick.</p>\n");
	if (f->ok)
		pages_notice(&b, "ok", f->ok);
	if (f->set) {
		pages_notice(&b, "ok", "The strategy is set; it applies from the next tick.");
		buf_puts(&b, "<p>The interpreter read it as: ");
		pages_escape(&b, pages_str(f->set, "note"));
		buf_puts(&b, "</p>\n");
	}
	buf_puts(&b, "<section aria-labelledby=\"strat\"><h2 id=\"strat\">Strategy</h2>\n");
	const char *now_text = pages_str(team, "strategy_text");
	if (now_text && *now_text) {
		buf_puts(&b, "<blockquote class=\"proposal-text\">");
		pages_escape(&b, now_text);
		buf_puts(&b, "</blockquote>\n");
	}
	buf_puts(&b, "<p>The team:</p>");
	strategy_words(&b, f->set ? cJSON_GetObjectItem(f->set, "strategy") : cJSON_GetObjectItem(team, "strategy"));
	pages_form_open(&b, who, "/strategy", "stack");
	buf_puts(&b, "<div><label for=\"stext\">New strategy <span class=\"hint\">For example \"push the pace and "
		     "shoot threes\", \"press when trailing\", \"slow it down and attack the rim\".</span></label>"
		     "<textarea id=\"stext\" name=\"text\" maxlength=\"1000\" required");
	pages_field_aria(&b, "stext", f->err);
	buf_puts(&b, ">");
	pages_escape(&b, f->text);
	buf_puts(&b, "</textarea>");
	pages_field_error(&b, "stext", f->err);
	buf_puts(&b, "</div><div class=\"actions\"><button type=\"submit\">Set the strategy</button></div></form>"
		     "</section>\n");
	bios(&b, who, team, f);
	cJSON_Delete(teams);
	return pages_finish_who(app, who, res, &b, status);
}

PAGE_HANDLER(page_strategy)
{
	pages_who_t who;
	pages_who(app, req, &who);
	if (!who.gid)
		return pages_need_governor(app, &who, res, "set your team's strategy");
	char done[16];
	pages_query_word(req, "done", done, sizeof done);
	strategy_form_t f = {.ok = !strcmp(done, "bio") ? "The bio is saved." : NULL};
	return strategy_page(app, &who, res, &f, 200);
}

PAGE_HANDLER(page_strategy_post)
{
	pages_who_t who;
	pages_who(app, req, &who);
	if (!who.gid)
		return pages_need_governor(app, &who, res, "set your team's strategy");
	const char *why;
	char *text = pages_form_text(req, "text", 1000, &why);
	strategy_form_t f = {0};
	if (!text) {
		f.err = why ? "The strategy could not be read: at most 1000 characters of text."
			    : "Write how the team should play.";
		return strategy_page(app, &who, res, &f, 422);
	}
	cJSON *out = NULL;
	pw_err_t err = {0};
	int rc = gov_strategy_set(app->gov, who.gid, text, &out, &err);
	if (rc == 0)
		f.set = out;
	else
		f = (strategy_form_t){.text = text, .err = err.msg};
	int hr = strategy_page(app, &who, res, &f, rc == 0 ? 200 : err_status(rc));
	cJSON_Delete(out);
	free(text);
	return hr;
}

PAGE_HANDLER(page_hooper_bio_post)
{
	pages_who_t who;
	pages_who(app, req, &who);
	if (!who.gid)
		return pages_need_governor(app, &who, res, "write a hooper's bio");
	int64_t hid;
	if (router_param_id(p, "id", &hid) < 0)
		return pages_not_found(res, "hooper");
	const char *why;
	char *text = pages_form_text(req, "text", 4 * PW_TEXT_MAX, &why);
	pw_err_t err = {0};
	int rc = text ? gov_hooper_bio_set(app->gov, who.gid, hid, text, NULL, &err)
		      : err_set(&err, PW_E_INVALID, why ? "The bio could not be read: it is not text."
							: "Write the bio.");
	if (rc == 0) {
		free(text);
		char to[48];
		snprintf(to, sizeof to, "/strategy?done=bio#h%lld", (long long)hid);
		return pages_redirect(res, to);
	}
	strategy_form_t f = {.bio_hooper = hid, .bio_text = text, .bio_err = err.msg};
	int hr = strategy_page(app, &who, res, &f, err_status(rc));
	free(text);
	return hr;
}

/* ---- /how-to-play --------------------------------------------------------- */

PAGE_HANDLER(page_how_to_play)
{
	pages_who_t who;
	pages_who(app, req, &who);
	bool invite = app->cfg.enrollment == PW_ENROLL_INVITE;
	gov_sync(app->gov);
	const pw_rules_t *r = &gov_state(app->gov)->rules;
	pw_buf_t b = {0};
	pages_begin(&b, "How to play", "governance");
	buf_printf(&b,
		   "<h1>How to play</h1>\n<p class=\"lede\">Pinwheel Fates is a basketball league whose rules "
		   "its governors write. You join a team, propose rule changes in plain words, vote, and watch "
		   "the games play out under what passed.</p>\n"
		   "<h2>1. Join a team</h2>\n<p>%s One person governs one team a season. Joining gives you "
		   "2 PROPOSE, 2 AMEND and 2 BOOST tokens; after every tally everyone gets 2 more of each, up "
		   "to 6.</p>\n"
		   "<h2>2. Propose</h2>\n<p>On <a href=\"/propose\">Propose</a>, write what you want: \"three "
		   "pointers worth 4\", \"shorter quarters\", \"turn off home court\", \"give winners "
		   "swagger\". <strong>Preview</strong> shows what the league understood — each rule with its "
		   "old and new value, any effect it would install — and the projected impact on a few hundred "
		   "test games. A <strong>draft</strong> costs nothing; <strong>confirming</strong> costs 1 "
		   "PROPOSE token (2 for a wild proposal the interpreter could not map) and opens the vote. You "
		   "may have %d proposals open at once. You can cancel a draft, amend an open proposal twice "
		   "(1 AMEND token each) or withdraw it (its tokens are not returned).</p>\n"
		   "<p>Programmers can attach a Lua <strong>effect</strong> that hooks into the games; its "
		   "check runs test games and shows errors with their line numbers.</p>\n"
		   "<h2>3. Vote</h2>\n<p>On <a href=\"/governance\">Governance</a>, vote yes or no on every open "
		   "proposal. Each team's vote weighs 1, shared among its governors; a BOOST token doubles your "
		   "share. You may change your vote until the tally. A proposal passes when its weighted yes "
		   "share is more than its threshold (%.0f%% for most; %.0f%% for league structure, effects and "
		   "how governance works; %.0f%% for wild ones). Wild proposals are reviewed by the admin.</p>\n"
		   "<h2>4. Watch</h2>\n<p>After every tick's games the tally decides what is open; what passes "
		   "applies from the next tick's games. Watch them live in the <a href=\"/arena\">arena</a> and "
		   "read the <a href=\"/rules\">rules in force</a>.</p>\n"
		   "<h2>Trades and your team</h2>\n<p><a href=\"/trades\">Trade</a> tokens with other governors, "
		   "or swap hoopers with another team when most governors of both approve. Set how your team "
		   "plays, and write its hoopers' bios, on <a href=\"/strategy\">Your team</a>.</p>\n"
		   "<h2 id=\"scripts\">Scripts</h2>\n<p>Joining shows a bearer token once (your profile can make a "
		   "new one). The JSON API under <code>/api/</code> takes it as "
		   "<code>Authorization: Bearer TOKEN</code>: see docs/API.md.</p>\n",
		   invite ? "This league admits governors by invitation: the admin sends an invite link for a "
			    "team; open it and choose your name."
			  : "On <a href=\"/join\">Join</a>, choose your name and a team.",
		   r->proposals_per_window, 100 * gstate_threshold(1, r), 100 * gstate_threshold(3, r),
		   100 * gstate_threshold(5, r));
	return pages_finish_who(app, &who, res, &b, 200);
}
