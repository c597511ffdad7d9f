/*
 * pages_myteam.c — /strategy: a governor's team, its strategy in words
 * (with what the interpreter made of it) and its hoopers' bios, each with
 * the form that rewrites it.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sim/hooks.h"
#include "server/ai/ai_client.h"
#include "server/api/api_propose.h"
#include "server/pages/pages_internal.h"

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
	cJSON *teams = store_teams_json(app->view, app->league_id);
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

/* A strategy the AI reads on a check worker, answered by this page. */
typedef struct strategy_job {
	pages_who_t who;
	char *text;
} strategy_job_t;

static void strategy_rendered(pw_app_t *app, void *ud, api_check_answer_t *ans, pw_response_t *res)
{
	strategy_job_t *j = ud;
	if (res) {
		strategy_form_t f = {0};
		int status = 200;
		if (ans->refused) {
			f = (strategy_form_t){.text = j->text, .err = ans->refusal};
			status = ans->refused;
		} else if (ans->rc == 0) {
			f.set = ans->out;
		} else {
			f = (strategy_form_t){.text = j->text, .err = ans->err->msg};
			status = err_status(ans->rc);
		}
		strategy_page(app, &j->who, res, &f, status);
	}
	cJSON_Delete(ans->out);
	free(j->text);
	free(j);
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
	strategy_job_t *j = ai_enabled(app->ai) ? calloc(1, sizeof *j) : NULL;
	if (j) {
		j->who = who;
		j->text = text;
		api_check_req_t rq = {.kind = API_CHECK_STRATEGY, .governor_id = who.gid, .text = text,
				      .render = strategy_rendered, .ud = j};
		return api_check_start(app, conn, &rq, res);
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
