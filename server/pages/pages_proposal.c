/*
 * pages_proposal.c — a page per proposal: its text and proposer, the
 * interpretation in words, tier and threshold, the live tally and the time
 * to the tally, the projected impact, the effect's description and source,
 * amendments and the interpreter's question; and the forms that act on it
 * (confirm, cancel, amend, withdraw, vote with or without boost).
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/league/trial.h"
#include "server/api/api_propose.h"
#include "server/pages/pages_internal.h"

#define TEXT_MAX 2000
#define LUA_MAX 60000

/* ---- the interpretation in words ----------------------------------------- */

/* A rule value as people read it: on/off for a switch, else the number. */
static void rule_value(pw_buf_t *b, const pw_rule_def_t *d, const cJSON *v)
{
	double x = cJSON_IsBool(v) ? cJSON_IsTrue(v) : cJSON_GetNumberValue(v);
	if (d && d->type == PW_RULE_BOOL)
		buf_puts(b, x != 0 ? "on" : "off");
	else if (d && d->type == PW_RULE_INT)
		buf_printf(b, "%.0f", x);
	else
		buf_printf(b, "%.4g", x);
}

/* When a hook runs, in words. */
static const char *hook_words(const char *h)
{
	static const struct {
		const char *hook, *words;
	} w[] = {
		{"sim.game.pre", "before each game"},
		{"sim.quarter.pre", "before each quarter"},
		{"sim.possession.pre", "before each possession"},
		{"sim.shot.pre", "before each shot"},
		{"sim.shot.post", "after each shot"},
		{"sim.turnover.post", "after each turnover"},
		{"sim.foul.post", "after each foul"},
		{"sim.rebound.post", "after each rebound"},
		{"sim.quarter.end", "at the end of each quarter"},
		{"sim.halftime", "at halftime"},
		{"sim.elam.start", "when the Elam ending starts"},
		{"sim.game.end", "at the end of each game"},
		{"round.pre", "before each round"},
		{"round.post", "after each round"},
		{"round.game.pre", "before each game of a round"},
		{"round.game.post", "after each game of a round"},
		{"gov.pre", "before each tally"},
		{"gov.post", "after each tally"},
		{"report.simulation.pre", "when the round's report is written"},
		{"report.commentary.pre", "when a game's commentary is written"},
	};
	for (size_t i = 0; h && i < sizeof w / sizeof w[0]; i++)
		if (!strcmp(h, w[i].hook))
			return w[i].words;
	return NULL;
}

static const char *tier_words(int tier)
{
	static const char *const t[] = {"", "game mechanics", "behaviour and venue", "league structure or an effect",
					"how governance works", "wild: reviewed by the admin"};
	return tier >= 1 && tier <= 5 ? t[tier] : "";
}

void pages_code_review(pw_buf_t *b, const cJSON *fx)
{
	buf_puts(b, "<p class=\"ai-code\"><strong>Written by the AI interpreter</strong> from the proposal's "
		    "words and checked in the sandbox like any script; generated code is tier 5, reviewed by the "
		    "admin.");
	const cJSON *rv = cJSON_GetObjectItem(fx, "review");
	const cJSON *agrees = cJSON_GetObjectItem(rv, "agrees");
	if (cJSON_IsBool(agrees)) {
		buf_puts(b, cJSON_IsTrue(agrees) ? " <span class=\"review-ok\">A second reading agrees that the code "
						  "does what the words say and nothing else.</span>"
					 : " <span class=\"review-no\">A second reading disagrees with the code.</span>");
		if (pages_str(rv, "concerns")) {
			buf_puts(b, " Its concerns: ");
			pages_escape(b, pages_str(rv, "concerns"));
		}
	} else {
		buf_puts(b, " No second reading of the code could be made.");
	}
	buf_puts(b, "</p>");
}

void pages_interpretation(pw_buf_t *b, const cJSON *p)
{
	const cJSON *in = cJSON_GetObjectItem(p, "interpretation");
	buf_puts(b, "<div class=\"interp\">\n<h3>What it would change</h3>\n<ul class=\"changes\">");
	int n = 0;
	const cJSON *x;
	cJSON_ArrayForEach(x, cJSON_GetObjectItem(in, "parameters"))
	{
		const char *name = pages_str(x, "name");
		const pw_rule_def_t *d = name ? rules_find(name) : NULL;
		/* "Points for a made three-pointer: 3 → 4" */
		const char *desc = d ? d->description : name;
		size_t dl = desc ? strlen(desc) : 0;
		buf_puts(b, "<li>");
		pages_escape_n(b, desc, dl && desc[dl - 1] == '.' ? dl - 1 : dl);
		buf_puts(b, ": <span class=\"from-to\">");
		rule_value(b, d, cJSON_GetObjectItem(x, "old"));
		buf_puts(b, " → ");
		rule_value(b, d, cJSON_GetObjectItem(x, "new"));
		buf_puts(b, "</span> <span class=\"rule-name\">(");
		pages_escape(b, name);
		buf_puts(b, ")</span></li>\n");
		n++;
	}
	cJSON_ArrayForEach(x, cJSON_GetObjectItem(in, "effects"))
	{
		buf_puts(b, "<li><strong>Adds the effect ");
		pages_escape(b, pages_str(x, "name"));
		buf_puts(b, "</strong>");
		if (pages_str(x, "library"))
			buf_puts(b, " (from the effects library)");
		if (pages_str(x, "description")) {
			buf_puts(b, ": ");
			pages_escape(b, pages_str(x, "description"));
		}
		buf_puts(b, "<br><span class=\"muted\">It runs ");
		const cJSON *h;
		int k = 0;
		cJSON_ArrayForEach(h, cJSON_GetObjectItem(x, "hooks"))
		{
			const char *words = hook_words(cJSON_GetStringValue(h));
			buf_puts(b, k++ ? ", " : "");
			pages_escape(b, words ? words : cJSON_GetStringValue(h));
			buf_puts(b, " (<code>");
			pages_escape(b, cJSON_GetStringValue(h));
			buf_puts(b, "</code>)");
		}
		if (!k)
			buf_puts(b, "at no moment of the game");
		const char *life = pages_str(x, "lifetime");
		if (life && !strcmp(life, "rounds"))
			buf_printf(b, "; it lasts %d rounds", (int)pages_num(x, "rounds"));
		else if (life && !strcmp(life, "one_game"))
			buf_puts(b, "; it lasts one tick");
		else
			buf_puts(b, "; it stays until repealed");
		buf_puts(b, ".</span>");
		bool generated = cJSON_IsTrue(cJSON_GetObjectItem(x, "generated"));
		if (generated)
			pages_code_review(b, x);
		if (pages_str(x, "source")) {
			/* Code the AI wrote is shown open: voters read what they enact. */
			buf_printf(b, "<details%s><summary>Its source</summary><pre class=\"lua\"><code>",
				   generated ? " open" : "");
			pages_lua_highlight(b, pages_str(x, "source"));
			buf_puts(b, "</code></pre></details>");
		}
		buf_puts(b, "</li>\n");
		n++;
	}
	cJSON_ArrayForEach(x, cJSON_GetObjectItem(in, "repeal"))
	{
		buf_puts(b, "<li><strong>Repeals the effect <code>");
		pages_escape(b, cJSON_GetStringValue(x));
		buf_puts(b, "</code></strong></li>\n");
		n++;
	}
	if (!n)
		buf_puts(b, "<li>Nothing the league can enact: the interpreter could not map these words to a "
			    "rule or an effect.</li>\n");
	buf_puts(b, "</ul>\n");
	if (pages_str(in, "clarification")) {
		buf_puts(b, "<p class=\"question\"><strong>The interpreter asks:</strong> ");
		pages_escape(b, pages_str(in, "clarification"));
		buf_puts(b, "</p>\n");
	}
	buf_printf(b, "<p class=\"muted\">The interpreter's note (confidence %.0f%%): ", 100 * pages_num(in, "confidence"));
	pages_escape(b, pages_str(in, "note"));
	buf_puts(b, "</p>\n");
	int tier = (int)pages_num(p, "tier");
	int cost = (int)pages_num(p, "cost");
	buf_printf(b, "<dl class=\"terms\"><dt>Tier</dt><dd>%d: %s</dd><dt>Cost</dt><dd>%d PROPOSE token%s to "
		      "confirm</dd><dt>Passes with</dt><dd>more than %.0f%% of the weighted votes yes</dd></dl>\n"
		      "</div>\n",
		   tier, tier_words(tier), cost, cost == 1 ? "" : "s", 100 * pages_num(p, "threshold"));
}

/* One change's projected figures: now (without) and with it. */
static void impact_table(pw_buf_t *b, const char *title, const cJSON *o)
{
	bool params = cJSON_GetObjectItem(cJSON_GetObjectItem(o, "points_per_game"), "after") != NULL;
	const char *before = params ? "before" : "without", *after = params ? "after" : "with";
	buf_puts(b, "<div class=\"table-wrap\"><table class=\"impact\"><caption>");
	pages_escape(b, title);
	buf_printf(b, " <span class=\"muted\">(%d test games)</span></caption><thead><tr><th scope=\"col\">Measure</th>"
		      "<th scope=\"col\" class=\"num\">Now</th><th scope=\"col\" class=\"num\">With it</th>"
		      "<th scope=\"col\" class=\"num\">Change</th></tr></thead><tbody>\n",
		   (int)pages_num(o, "games"));
	for (int f = 0; f < TRIAL_FIGURES; f++) {
		const trial_figure_t *tf = trial_figure(f);
		const cJSON *v = cJSON_GetObjectItem(o, tf->key);
		if (!v)
			continue;
		bool pct = strstr(tf->label, "%") || strstr(tf->label, "share");
		double k = pct ? 100 : 1;
		buf_printf(b, "<tr><th scope=\"row\">%c", tf->label[0] >= 'a' && tf->label[0] <= 'z'
								 ? tf->label[0] - 'a' + 'A' : tf->label[0]);
		pages_escape(b, tf->label + 1);
		buf_printf(b, "</th><td class=\"num\">%.1f%s</td><td class=\"num\">%.1f%s</td><td class=\"num\">%+.1f%s</td>"
			      "</tr>\n",
			   k * pages_num(v, before), pct ? "%" : "", k * pages_num(v, after), pct ? "%" : "",
			   k * pages_num(v, "delta"), pct ? " pts" : "");
	}
	buf_puts(b, "</tbody></table></div>\n");
}

void pages_impact(pw_buf_t *b, const cJSON *impact)
{
	buf_puts(b, "<h3>Projected impact</h3>\n");
	if (!cJSON_IsObject(impact) || !impact->child) {
		buf_puts(b, "<p class=\"muted\">No projection: nothing here changes how games are played.</p>\n");
		return;
	}
	const cJSON *x;
	cJSON_ArrayForEach(x, impact)
	{
		char title[120];
		if (!strcmp(x->string, "parameters"))
			snprintf(title, sizeof title, "The rule changes");
		else
			snprintf(title, sizeof title, "The effect %.90s", x->string);
		impact_table(b, title, x);
	}
}

void pages_tally_bar(pw_buf_t *b, double share, double thr)
{
	buf_printf(b, "<svg class=\"bar\" viewBox=\"0 0 100 10\" preserveAspectRatio=\"none\" role=\"img\" "
		      "aria-label=\"%.0f%% yes; it needs more than %.0f%%\"><rect width=\"100\" height=\"10\" "
		      "class=\"no\"/><rect class=\"yes\" width=\"%.1f\" height=\"10\"/><rect class=\"mark\" "
		      "x=\"%.1f\" width=\"0.8\" height=\"10\"/></svg>",
		   100 * share, 100 * thr, 100 * share, 100 * thr > 99.2 ? 99.2 : 100 * thr);
}

/* ---- the page -------------------------------------------------------------- */

typedef struct proposal_form {
	const char *ok, *top_err;
	const char *vote_err;
	const char *amend_text, *amend_lua, *amend_text_err, *amend_lua_err;
	bool amend_open;
} proposal_form_t;

static void tally_section(pw_app_t *app, pw_buf_t *b, const cJSON *p, const char *status)
{
	const cJSON *t = cJSON_GetObjectItem(p, "tally");
	bool final = cJSON_IsTrue(cJSON_GetObjectItem(t, "final"));
	buf_printf(b, "<section aria-labelledby=\"tally-h\" class=\"tally\" id=\"tally\" data-proposal=\"%lld\">"
		      "<h2 id=\"tally-h\">%s</h2>\n",
		   (long long)pages_id(p, "id"), final ? "The tally" : "Live tally");
	pages_tally_bar(b, pages_num(t, "share"), pages_num(p, "threshold"));
	buf_printf(b, "<p class=\"numbers\"><span><strong class=\"t-share\">%.0f%%</strong> yes</span>"
		      "<span>yes <span class=\"t-yes\">%.2f</span></span><span>no <span class=\"t-no\">%.2f</span>"
		      "</span><span><span class=\"t-votes\">%d</span> votes</span><span>needs more than %.0f%%</span>"
		      "</p>\n",
		   100 * pages_num(t, "share"), pages_num(t, "yes"), pages_num(t, "no"), (int)pages_num(t, "votes"),
		   100 * pages_num(p, "threshold"));
	if (final) {
		buf_printf(b, "<p>Decided at the tally after round %d: <strong>%s</strong>.</p>\n",
			   (int)pages_num(t, "round"), status);
	} else if (!strcmp(status, "open")) {
		int64_t at;
		buf_puts(b, "<p>Tallied ");
		pages_next_tally(app, b, &at);
		buf_puts(b, ". A team's vote weighs 1 in all, shared among its governors; a boost doubles a "
			    "governor's share.</p>\n");
	}
	buf_puts(b, "</section>\n");
}

static int proposal_page(pw_app_t *app, const pages_who_t *who, pw_response_t *res, int64_t pid,
			 const proposal_form_t *f, int status)
{
	cJSON *p = gov_proposal_json(app->gov, pid);
	if (!p)
		return pages_not_found(res, "proposal");
	const pw_gstate_t *st = gov_state(app->gov);
	const pw_proposal_t *pr = gstate_proposal(st, pid);
	const pw_governor_t *me = who->gid ? gstate_governor(st, who->gid) : NULL;
	const pw_governor_t *author = gstate_governor(st, pr->governor_id);
	bool own = me && me->id == pr->governor_id;
	const char *status_s = gstate_status_name(pr->status);
	char title[40];
	snprintf(title, sizeof title, "Proposal %lld", (long long)pid);
	pw_buf_t b = {0};
	pages_begin(&b, title, "governance");
	buf_printf(&b, "<h1>Proposal #%lld <span class=\"tag %s\">%s</span></h1>\n", (long long)pid, status_s,
		   status_s);
	if (f->ok)
		pages_notice(&b, "ok", f->ok);
	if (f->top_err)
		pages_notice(&b, "error", f->top_err);
	buf_puts(&b, "<blockquote class=\"proposal-text\">");
	pages_escape(&b, pr->text);
	buf_printf(&b, "</blockquote>\n<p>Proposed by <a href=\"/governors/%lld\">", (long long)pr->governor_id);
	pages_escape(&b, author ? author->name : "?");
	buf_puts(&b, "</a> of ");
	pages_team_ref(app, &b, pr->team_id);
	if (pr->round > 0)
		buf_printf(&b, " after round %d.", pr->round);
	else
		buf_puts(&b, " before the first round.");
	if (pr->amendments) {
		buf_printf(&b, " Amended %d time%s; first written as: “", pr->amendments, pr->amendments == 1 ? "" : "s");
		pages_escape(&b, pr->original_text);
		buf_puts(&b, "”.");
	}
	buf_puts(&b, "</p>\n");
	if (pr->status == PW_PROP_DRAFT)
		buf_puts(&b, "<p class=\"notice ok\" role=\"status\">A draft: only its proposer sees it as theirs, "
			     "and nobody can vote until it is confirmed.</p>\n");
	if (cJSON_IsTrue(cJSON_GetObjectItem(p, "flagged")))
		buf_puts(&b, "<p class=\"notice error\" role=\"status\">Flagged for the admin's review: a wild "
			     "proposal. If it passes before the admin clears it, it is held until approved.</p>\n");
	if (pr->status != PW_PROP_DRAFT && pr->status != PW_PROP_CANCELLED)
		tally_section(app, &b, p, status_s);

	/* Voting: every enrolled governor, on an open proposal. */
	if (pr->status == PW_PROP_OPEN && me) {
		int mine = -1;
		bool boosted = false;
		for (int i = 0; i < pr->n_votes; i++)
			if (pr->votes[i].governor_id == me->id) {
				mine = pr->votes[i].yes;
				boosted = pr->votes[i].boost;
			}
		char action[64];
		snprintf(action, sizeof action, "/proposals/%lld/vote", (long long)pid);
		buf_puts(&b, "<section aria-labelledby=\"vote-h\"><h2 id=\"vote-h\">Your vote</h2>\n");
		if (mine >= 0)
			buf_printf(&b, "<p class=\"your-vote\" id=\"your-vote\">You voted %s%s. You may change it "
				       "until the tally.</p>\n", mine ? "yes" : "no", boosted ? ", boosted" : "");
		pages_form_open(&b, who, action, "vote-form stack");
		buf_printf(&b, "<fieldset><legend>Your vote</legend><label><input type=\"radio\" name=\"vote\" "
			       "value=\"yes\" required%s> Yes</label><label><input type=\"radio\" name=\"vote\" "
			       "value=\"no\"%s> No</label></fieldset>",
			   mine == 1 ? " checked" : "", mine == 0 ? " checked" : "");
		if (boosted)
			buf_puts(&b, "<p>Your vote is boosted: it counts double, whatever you change it to.</p>");
		else
			buf_printf(&b, "<label><input type=\"checkbox\" name=\"boost\" value=\"1\"%s> Boost: spend 1 "
				       "BOOST token (you have %d) so your vote counts double</label>",
				   me->tokens[PW_TOK_BOOST] ? "" : " disabled", me->tokens[PW_TOK_BOOST]);
		pages_field_error(&b, "vote", f->vote_err);
		buf_puts(&b, "<div class=\"actions\"><button type=\"submit\">Vote</button></div></form></section>\n");
	} else if (pr->status == PW_PROP_OPEN && !me) {
		buf_puts(&b, "<p><a href=\"/join\">Join a team</a> or <a href=\"/sign-in\">sign in</a> to vote.</p>\n");
	}

	buf_puts(&b, "<section aria-labelledby=\"interp-h\"><h2 id=\"interp-h\">What the league understood</h2>\n");
	pages_interpretation(&b, p);
	pages_impact(&b, cJSON_GetObjectItem(p, "impact"));
	buf_puts(&b, "</section>\n");

	/* The proposer's own actions. */
	if (own && (pr->status == PW_PROP_DRAFT || pr->status == PW_PROP_OPEN)) {
		char act[64];
		buf_puts(&b, "<section aria-labelledby=\"own-h\"><h2 id=\"own-h\">Your proposal</h2>\n<div class=\"actions\">");
		if (pr->status == PW_PROP_DRAFT) {
			char label[64];
			snprintf(act, sizeof act, "/proposals/%lld/confirm", (long long)pid);
			snprintf(label, sizeof label, "Confirm: spend %d PROPOSE and open the vote", pr->cost);
			pages_button(&b, who, act, label, NULL);
			snprintf(act, sizeof act, "/proposals/%lld/cancel", (long long)pid);
			pages_button(&b, who, act, "Cancel the draft", "secondary");
			buf_printf(&b, "</div><p class=\"muted\">You have %d PROPOSE token%s.</p>\n",
				   me->tokens[PW_TOK_PROPOSE], me->tokens[PW_TOK_PROPOSE] == 1 ? "" : "s");
		} else {
			snprintf(act, sizeof act, "/proposals/%lld/withdraw", (long long)pid);
			pages_button(&b, who, act, "Withdraw (tokens are not returned)", "danger");
			buf_puts(&b, "</div>\n");
			int left = PW_MAX_AMENDMENTS - pr->amendments;
			buf_printf(&b, "<details%s><summary>Amend it (1 AMEND token; you have %d, and %d amendment%s "
				       "left)</summary>\n<p>The new text is interpreted from scratch; votes already cast "
				       "stay and can be changed.</p>\n",
				   f->amend_open ? " open" : "", me->tokens[PW_TOK_AMEND], left, left == 1 ? "" : "s");
			snprintf(act, sizeof act, "/proposals/%lld/amend", (long long)pid);
			pages_form_open(&b, who, act, "stack");
			pages_proposal_fields(&b, f->amend_text ? f->amend_text : pr->text,
					      f->amend_text ? f->amend_lua : pr->effect_lua, f->amend_text_err,
					      f->amend_lua_err);
			buf_puts(&b, "<div class=\"actions\"><button type=\"submit\">Amend</button></div></form></details>\n");
		}
		buf_puts(&b, "</section>\n");
	}
	buf_puts(&b, "<p><a href=\"/governance\">All proposals</a></p>\n<script src=\"/static/gov.js\" defer></script>\n");
	cJSON_Delete(p);
	return pages_finish_who(app, who, res, &b, status);
}

static const char *done_words(const char *done)
{
	static const struct {
		const char *key, *words;
	} d[] = {
		{"drafted", "Your draft is ready. Read what the league understood, then confirm it to open the "
			    "vote — or cancel it."},
		{"confirmed", "Confirmed: the vote is open."},
		{"cancelled", "The draft is cancelled; nothing was spent."},
		{"withdrawn", "Withdrawn: it leaves the vote and will not be tallied."},
		{"amended", "Amended: the new interpretation is below."},
		{"voted", "Your vote is in."},
	};
	for (size_t i = 0; i < sizeof d / sizeof d[0]; i++)
		if (!strcmp(done, d[i].key))
			return d[i].words;
	return NULL;
}

PAGE_HANDLER(page_proposal)
{
	int64_t pid;
	if (router_param_id(p, "id", &pid) < 0)
		return pages_not_found(res, "proposal");
	pages_who_t who;
	pages_who(app, req, &who);
	if (who.gid)
		pages_session_ensure(app, &who, res);
	char done[24];
	pages_query_word(req, "done", done, sizeof done);
	proposal_form_t f = {.ok = done_words(done)};
	return proposal_page(app, &who, res, pid, &f, 200);
}

/* After an action: to the proposal's page saying what happened, or the
 * page again with the refusal. */
static int acted(pw_app_t *app, const pages_who_t *who, pw_response_t *res, int64_t pid, int rc,
		 const pw_err_t *err, const char *done, bool vote)
{
	if (rc == 0) {
		char to[80];
		snprintf(to, sizeof to, "/proposals/%lld?done=%s", (long long)pid, done);
		return pages_redirect(res, to);
	}
	proposal_form_t f = {0};
	if (vote)
		f.vote_err = err->msg;
	else
		f.top_err = err->msg;
	return proposal_page(app, who, res, pid, &f, err_status(rc));
}

PAGE_HANDLER(page_proposal_act)
{
	int64_t pid;
	if (router_param_id(p, "id", &pid) < 0)
		return pages_not_found(res, "proposal");
	pages_who_t who;
	pages_who(app, req, &who);
	if (!who.gid)
		return pages_need_governor(app, &who, res, "act on a proposal");
	const char *action = router_param(p, "action");
	static const struct {
		const char *action, *done;
		int (*op)(pw_gov_t *, int64_t, int64_t, cJSON **, pw_err_t *);
	} ops[] = {
		{"confirm", "confirmed", gov_confirm},
		{"cancel", "cancelled", gov_cancel},
		{"withdraw", "withdrawn", gov_withdraw},
	};
	for (size_t i = 0; action && i < sizeof ops / sizeof ops[0]; i++)
		if (!strcmp(action, ops[i].action)) {
			pw_err_t err = {0};
			int rc = ops[i].op(app->gov, who.gid, pid, NULL, &err);
			return acted(app, &who, res, pid, rc, &err, ops[i].done, false);
		}
	return pages_not_found(res, "action");
}

PAGE_HANDLER(page_proposal_vote)
{
	int64_t pid;
	if (router_param_id(p, "id", &pid) < 0)
		return pages_not_found(res, "proposal");
	pages_who_t who;
	pages_who(app, req, &who);
	if (!who.gid)
		return pages_need_governor(app, &who, res, "vote");
	char vote[8];
	long n = pages_field(req->body, "vote", vote, sizeof vote);
	pw_err_t err = {0};
	if (n <= 0 || (strcmp(vote, "yes") && strcmp(vote, "no"))) {
		snprintf(err.msg, sizeof err.msg, "Choose yes or no.");
		return acted(app, &who, res, pid, PW_E_INVALID, &err, NULL, true);
	}
	int rc = gov_vote(app->gov, who.gid, pid, !strcmp(vote, "yes"), pages_form_has(req, "boost"), NULL, &err);
	/* From the governance page, back there; from the proposal's, to it. */
	const pw_str_t *ref = http_header(req, "referer");
	if (rc == 0 && ref && ref->n >= 11 && memmem(ref->p, ref->n, "/governance", 11)) {
		char to[64];
		snprintf(to, sizeof to, "/governance#p%lld", (long long)pid);
		return pages_redirect(res, to);
	}
	return acted(app, &who, res, pid, rc, &err, "voted", true);
}

/* An amendment's check runs on the check workers; the page answers after. */
typedef struct amend_job {
	pages_who_t who;
	int64_t pid;
	char *text, *lua;
} amend_job_t;

static void amend_rendered(pw_app_t *app, void *ud, api_check_answer_t *ans, pw_response_t *res)
{
	amend_job_t *j = ud;
	if (res) {
		proposal_form_t f = {.amend_text = j->text, .amend_lua = j->lua, .amend_open = true};
		if (ans->refused) {
			f.top_err = ans->refusal;
			proposal_page(app, &j->who, res, j->pid, &f, ans->refused);
		} else if (ans->rc < 0) {
			const char *m = ans->err->msg;
			if (ans->rc == PW_E_INVALID && (strstr(m, "effect") || strstr(m, "line ")))
				f.amend_lua_err = m;
			else if (ans->rc == PW_E_INVALID)
				f.amend_text_err = m;
			else
				f.top_err = m;
			proposal_page(app, &j->who, res, j->pid, &f, err_status(ans->rc));
		} else {
			char to[80];
			snprintf(to, sizeof to, "/proposals/%lld?done=amended", (long long)j->pid);
			pages_redirect(res, to);
		}
	}
	cJSON_Delete(ans->out);
	free(j->text);
	free(j->lua);
	free(j);
}

PAGE_HANDLER(page_proposal_amend)
{
	int64_t pid;
	if (router_param_id(p, "id", &pid) < 0)
		return pages_not_found(res, "proposal");
	amend_job_t *j = calloc(1, sizeof *j);
	if (!j)
		return pages_not_found(res, "memory for this amendment");
	pages_who(app, req, &j->who);
	j->pid = pid;
	if (!j->who.gid) {
		pages_who_t who = j->who;
		free(j);
		return pages_need_governor(app, &who, res, "amend a proposal");
	}
	const char *why_text, *why_lua;
	j->text = pages_form_text(req, "text", TEXT_MAX, &why_text);
	j->lua = pages_form_text(req, "effect_lua", LUA_MAX, &why_lua);
	if (!j->text || why_lua) {
		proposal_form_t f = {.amend_text = j->text ? j->text : "", .amend_lua = j->lua, .amend_open = true,
				     .amend_text_err = !j->text ? (why_text ? "The text could not be read: at most 2000 "
									      "characters of text."
									    : "Write the amended proposal.")
							: NULL,
				     .amend_lua_err = why_lua ? "The script could not be read: at most 60000 bytes of "
								"text."
							      : NULL};
		int hr = proposal_page(app, &j->who, res, pid, &f, 422);
		free(j->text);
		free(j->lua);
		free(j);
		return hr;
	}
	api_check_req_t rq = {.kind = API_CHECK_AMEND, .governor_id = j->who.gid, .proposal_id = pid,
			      .text = j->text, .lua = j->lua, .render = amend_rendered, .ud = j};
	return api_check_start(app, conn, &rq, res);
}
