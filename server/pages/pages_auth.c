/*
 * pages_auth.c — joining a team (or accepting an invite), signing in with a
 * bearer token or the admin token, signing out. Each sign-in starts a new
 * session (pages_session.h): a session id a visitor arrived with is never
 * the one they are signed in with.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/league/season.h"
#include "server/discord/discord.h"
#include "server/pages/pages_internal.h"

/* What the join form shows again after a refusal. */
typedef struct join_form {
	const char *name, *invite;
	int64_t team;
	const char *top_err, *name_err, *team_err, *invite_err;
} join_form_t;

/* The teams playing this season as radio buttons, with their governors. */
static void team_choices(pw_app_t *app, pw_buf_t *b, const join_form_t *f)
{
	pw_season_row_t cur;
	cJSON *teams = pages_season(app, &cur) ? season_teams_json(app->store, cur.id) : NULL;
	buf_puts(b, "<fieldset class=\"choices\"");
	pages_field_aria(b, "team", f->team_err);
	buf_puts(b, "><legend>Your team</legend>\n");
	const cJSON *t;
	const pw_gstate_t *st = gov_state(app->gov);
	cJSON_ArrayForEach(t, teams)
	{
		int64_t id = pages_id(t, "id");
		int n = gstate_team_governors(st, id);
		buf_printf(b, "<label><input type=\"radio\" name=\"team_id\" value=\"%lld\" required%s> ", (long long)id,
			   f->team == id ? " checked" : "");
		pages_escape(b, pages_str(t, "name"));
		buf_printf(b, " <span class=\"muted\">(%d governor%s)</span></label>\n", n, n == 1 ? "" : "s");
	}
	buf_puts(b, "</fieldset>");
	pages_field_error(b, "team", f->team_err);
	cJSON_Delete(teams);
}

static int join_page(pw_app_t *app, pages_who_t *who, pw_response_t *res, const join_form_t *f, int status)
{
	bool invite_mode = app->cfg.enrollment == PW_ENROLL_INVITE;
	pw_buf_t b = {0};
	gov_sync(app->gov);
	pages_begin(&b, "Join a team", "governance");
	buf_puts(&b, "<h1>Join a team</h1>\n");
	if (who->gid) {
		const pw_governor_t *gv = gstate_governor(gov_state(app->gov), who->gid);
		buf_puts(&b, "<p class=\"notice ok\" role=\"status\">You already govern this season as <a href=\"/governors/");
		buf_printf(&b, "%lld\">", (long long)who->gid);
		pages_escape(&b, gv ? gv->name : "");
		buf_puts(&b, "</a> of ");
		pages_team_ref(app, &b, gv ? gv->team_id : 0);
		buf_puts(&b, ". A person governs one team a season.</p>\n<p><a class=\"button\" href=\"/governance\">"
			     "See what is being voted on</a></p>\n");
		return pages_finish_who(app, who, res, &b, status);
	}
	buf_puts(&b, "<p class=\"lede\">Governors write the league's rules: you propose changes in plain words, "
		     "vote on everyone's proposals, and watch the next games play out under what passed. "
		     "<a href=\"/how-to-play\">How to play</a>.</p>\n");
	if (f->top_err)
		pages_notice(&b, "error", f->top_err);
	pw_invite_row_t inv;
	bool has_invite = f->invite && *f->invite && identity_invite_find(app->store, f->invite, &inv) == 1 &&
			  !identity_invite_unusable(&inv, (int64_t)time(NULL));
	pages_form_open(&b, who, "/join", "stack");
	if (has_invite) {
		buf_puts(&b, "<p>You are invited to govern ");
		pages_team_ref(app, &b, inv.team_id);
		buf_puts(&b, ".</p><input type=\"hidden\" name=\"invite\" value=\"");
		pages_escape(&b, f->invite);
		buf_puts(&b, "\">\n");
	} else if (invite_mode || (f->invite && *f->invite)) {
		buf_puts(&b, "<div><label for=\"invite\">Invite code <span class=\"hint\">This league admits "
			     "governors by invitation: the admin's invite link fills this in.</span></label>"
			     "<input type=\"text\" id=\"invite\" name=\"invite\" autocomplete=\"off\" maxlength=\"64\" "
			     "required value=\"");
		pages_escape(&b, f->invite);
		buf_puts(&b, "\"");
		pages_field_aria(&b, "invite", f->invite_err);
		buf_puts(&b, ">");
		pages_field_error(&b, "invite", f->invite_err);
		buf_puts(&b, "</div>\n");
	}
	buf_puts(&b, "<div><label for=\"name\">Your name <span class=\"hint\">What other governors see, "
		     "1 to 60 characters.</span></label><input type=\"text\" id=\"name\" name=\"name\" "
		     "maxlength=\"60\" required autocomplete=\"nickname\" value=\"");
	pages_escape(&b, f->name);
	buf_puts(&b, "\"");
	pages_field_aria(&b, "name", f->name_err);
	buf_puts(&b, ">");
	pages_field_error(&b, "name", f->name_err);
	buf_puts(&b, "</div>\n");
	if (!invite_mode && !has_invite)
		team_choices(app, &b, f);
	buf_puts(&b, "<div class=\"actions\"><button type=\"submit\">Join</button></div></form>\n"
		     "<p class=\"muted\">Joined before, on this or another browser? <a href=\"/sign-in\">Sign in "
		     "with your token</a>.</p>\n");
	return pages_finish_who(app, who, res, &b, status);
}

PAGE_HANDLER(page_join)
{
	pages_who_t who;
	pages_who(app, req, &who);
	if (pages_session_ensure(app, &who, res) < 0)
		return pages_not_found(res, "session (the database did not answer)");
	char code[IDENTITY_INVITE_HEX + 8];
	long n = pages_field(req->query, "invite", code, sizeof code);
	join_form_t f = {.invite = n > 0 ? code : NULL};
	if (f.invite) {
		pw_invite_row_t inv;
		int r = identity_invite_find(app->store, f.invite, &inv);
		f.invite_err = r != 1 ? "This invite code is not one of this league's invites: check the link."
				      : identity_invite_unusable(&inv, (int64_t)time(NULL));
	}
	return join_page(app, &who, res, &f, 200);
}

/* The welcome page: the team, the tokens, the script token, what next. */
static int welcome(pw_app_t *app, pages_who_t *who, pw_response_t *res, const cJSON *out)
{
	pw_buf_t b = {0};
	pages_begin(&b, "Welcome", "governance");
	buf_puts(&b, "<h1>Welcome, ");
	pages_escape(&b, pages_str(out, "name"));
	buf_puts(&b, "!</h1>\n<p class=\"lede\">You govern ");
	pages_team_ref(app, &b, pages_id(out, "team_id"));
	const cJSON *tk = cJSON_GetObjectItem(out, "tokens");
	buf_printf(&b, " this season. You hold <strong>%d PROPOSE</strong>, <strong>%d AMEND</strong> and "
		       "<strong>%d BOOST</strong> tokens; everyone gets 2 more of each after every tally "
		       "(up to 6).</p>\n<h2>What to do next</h2>\n<ol class=\"next\">\n"
		       "<li><a href=\"/governance\">Read the open proposals</a> and vote yes or no on each: your "
		       "team's vote weighs 1, shared among its governors. A BOOST token doubles your vote.</li>\n"
		       "<li><a href=\"/propose\">Propose a rule change</a> in plain words (\"three pointers worth "
		       "4\"). You see what it would change before anything is spent; confirming costs a PROPOSE "
		       "token.</li>\n<li><a href=\"/arena\">Watch the games</a>: what passes applies from the next "
		       "tick.</li>\n</ol>\n",
		   (int)pages_num(tk, "propose"), (int)pages_num(tk, "amend"), (int)pages_num(tk, "boost"));
	buf_puts(&b, "<h2>Your token for scripts</h2>\n<p>This browser stays signed in. For scripts and bots, "
		     "the JSON API takes this bearer token. It is shown <strong>once</strong>: keep it, or make a "
		     "new one from <a href=\"/governors/");
	buf_printf(&b, "%lld\">your profile</a>. It also signs you in on another browser.</p>\n<p class=\"secret\" "
		       "id=\"token\">", (long long)pages_id(out, "governor_id"));
	pages_escape(&b, pages_str(out, "token"));
	buf_puts(&b, "</p>\n");
	return pages_finish_who(app, who, res, &b, 201);
}

PAGE_HANDLER(page_join_post)
{
	pages_who_t who;
	pages_who(app, req, &who);
	const char *why_name, *why_inv;
	char *name = pages_form_text(req, "name", 60, &why_name);
	char *invite = pages_form_text(req, "invite", 64, &why_inv);
	int64_t team = 0;
	join_form_t f = {.name = name, .invite = invite};
	if (pages_form_int(req, "team_id", 1, 1000000, &team) < 0)
		f.team_err = "Choose one of the teams listed.";
	f.team = team;
	if (!name)
		f.name_err = why_name ? "Your name could not be read: it is too long or not text." : "Write your name.";
	if (why_inv)
		f.invite_err = "The invite code could not be read: paste it again.";
	bool invite_mode = app->cfg.enrollment == PW_ENROLL_INVITE;
	if (!team && !(invite && *invite) && !f.team_err)
		f.team_err = invite_mode ? NULL : "Choose a team.";
	if (!(invite && *invite) && invite_mode)
		f.invite_err = "This league admits governors by invitation: paste the code of your invite link.";
	if (f.name_err || f.team_err || f.invite_err) {
		int hr = join_page(app, &who, res, &f, 422);
		free(name);
		free(invite);
		return hr;
	}
	pw_identity_join_t in = {.name = name, .team_id = team, .invite_code = invite,
				 .require_invite = invite_mode, .identity_id = who.s.identity_id,
				 .provider = identity_enrollment_name(invite && *invite ? PW_ENROLL_INVITE : PW_ENROLL_OPEN),
				 .now = (int64_t)time(NULL)};
	cJSON *out = NULL;
	pw_err_t err = {0};
	int64_t identity = 0;
	int rc = identity_join(app->gov, &in, &identity, &out, &err);
	int hr;
	if (rc == 0) {
		/* A new session for the person who just joined. */
		pages_sign_in(app, &who, identity, false, res);
		hr = welcome(app, &who, res, out);
	} else {
		/* Each refusal beside what it is about. */
		if (rc == PW_E_FORBIDDEN || strstr(err.msg, "invite"))
			f.invite_err = err.msg;
		else if (!strncmp(err.msg, "name", 4))
			f.name_err = err.msg;
		else if (strstr(err.msg, "team") && rc != PW_E_CONFLICT)
			f.team_err = err.msg;
		else if (rc == PW_E_CONFLICT && strstr(err.msg, "does not play"))
			f.team_err = err.msg;
		else
			f.top_err = err.msg;
		if (rc == PW_E_CONFLICT && strstr(err.msg, "already joined"))
			pages_who(app, req, &who); /* the page says who they are */
		hr = join_page(app, &who, res, &f, err_status(rc));
	}
	cJSON_Delete(out);
	free(name);
	free(invite);
	return hr;
}

static int sign_in_page(pw_app_t *app, pages_who_t *who, pw_response_t *res, const char *token_err,
			const char *admin_err, int status)
{
	pw_buf_t b = {0};
	pages_begin(&b, "Sign in", NULL);
	buf_puts(&b, "<h1>Sign in</h1>\n");
	if (who->gid)
		buf_printf(&b, "<p class=\"notice ok\" role=\"status\">You are signed in as <a href=\"/governors/%lld\">"
			       "a governor</a>. Signing in again replaces this session.</p>\n", (long long)who->gid);
	buf_puts(&b, "<h2>Governors</h2>\n<p>Your bearer token was shown when you joined (or when you last made "
		     "a new one). It signs this browser in as you; the browser keeps a session, never the "
		     "token.</p>\n");
	pages_form_open(&b, who, "/sign-in", "stack");
	buf_puts(&b, "<div><label for=\"token\">Bearer token</label><input type=\"password\" id=\"token\" "
		     "name=\"token\" autocomplete=\"off\" maxlength=\"128\" required");
	pages_field_aria(&b, "token", token_err);
	buf_puts(&b, ">");
	pages_field_error(&b, "token", token_err);
	buf_puts(&b, "</div><div class=\"actions\"><button type=\"submit\">Sign in</button> "
		     "<a href=\"/join\">Not a governor yet? Join a team</a></div></form>\n");
	if (discord_sign_in_on(app))
		buf_puts(&b, "<p>Or <a href=\"/auth/discord\">sign in with Discord</a>: the same governor you are "
			     "in the league's Discord server.</p>\n");
	buf_puts(&b, "<h2>Admin</h2>\n");
	if (app->cfg.admin_token && *app->cfg.admin_token) {
		buf_puts(&b, "<p>Sign in once with the admin token (PINWHEEL_ADMIN_TOKEN) to run the league from "
			     "<a href=\"/admin\">the admin page</a>.</p>\n");
		pages_form_open(&b, who, "/admin/sign-in", "stack");
		buf_puts(&b, "<div><label for=\"admin_token\">Admin token</label><input type=\"password\" "
			     "id=\"admin_token\" name=\"admin_token\" autocomplete=\"off\" maxlength=\"256\" required");
		pages_field_aria(&b, "admin_token", admin_err);
		buf_puts(&b, ">");
		pages_field_error(&b, "admin_token", admin_err);
		buf_puts(&b, "</div><div class=\"actions\"><button type=\"submit\">Sign in as admin</button></div>"
			     "</form>\n");
	} else if (who->admin) {
		buf_puts(&b, "<p>This server runs on loopback without an admin token, so <a href=\"/admin\">the "
			     "admin page</a> is open to this machine.</p>\n");
	} else {
		buf_puts(&b, "<p>Admin is switched off here: the server has no admin token.</p>\n");
	}
	return pages_finish_who(app, who, res, &b, status);
}

PAGE_HANDLER(page_sign_in)
{
	pages_who_t who;
	pages_who(app, req, &who);
	if (pages_session_ensure(app, &who, res) < 0)
		return pages_not_found(res, "session (the database did not answer)");
	return sign_in_page(app, &who, res, NULL, NULL, 200);
}

PAGE_HANDLER(page_sign_in_post)
{
	pages_who_t who;
	pages_who(app, req, &who);
	const char *why;
	char *token = pages_form_text(req, "token", 128, &why);
	int64_t gid = token ? gov_authenticate(app->gov, token) : 0;
	free(token);
	if (gid <= 0)
		return sign_in_page(app, &who, res,
				    token || why ? "That is not a governor's token: check it and paste it again."
						 : "Paste your bearer token.",
				    NULL, 403);
	int64_t identity = identity_of_governor(app->gov, gid, true, (int64_t)time(NULL));
	if (identity <= 0 || pages_sign_in(app, &who, identity, false, res) < 0)
		return sign_in_page(app, &who, res, "Signing in failed: the database did not answer. Try again.",
				    NULL, 503);
	char to[48];
	snprintf(to, sizeof to, "/governors/%lld", (long long)gid);
	return pages_redirect(res, to);
}

PAGE_HANDLER(page_admin_sign_in_post)
{
	pages_who_t who;
	pages_who(app, req, &who);
	const char *want = app->cfg.admin_token, *why;
	if (!want || !*want)
		return sign_in_page(app, &who, res, NULL, "This server has no admin token to sign in with.", 403);
	char *token = pages_form_text(req, "admin_token", 256, &why);
	bool ok = app_admin_token_is(app, token);
	free(token);
	if (!ok)
		return sign_in_page(app, &who, res, NULL, "That is not the admin token.", 403);
	if (pages_sign_in(app, &who, 0, true, res) < 0)
		return sign_in_page(app, &who, res, NULL, "Signing in failed: the database did not answer.", 503);
	log_event(&app->log, PW_LOG_INFO, "admin.signed_in", "an admin session started in a browser");
	return pages_redirect(res, "/admin");
}

PAGE_HANDLER(page_sign_out_post)
{
	pages_who_t who;
	pages_who(app, req, &who);
	pages_sign_out(app, &who, res);
	return pages_redirect(res, "/?done=signed-out");
}
