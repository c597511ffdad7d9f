/*
 * pages_gov.c — governance from the browser: /governance (what is being
 * voted on, and voting), /propose (write a rule change, preview it, check
 * an effect, make a draft) and /how-to-play. Trades are pages_trades.c, a
 * governor's team (strategy and bios) pages_myteam.c.
 * Proposing goes through the check workers like the API's proposals
 * (server/api/api_propose.h): the page is answered when the check is done.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/league/season.h"
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
