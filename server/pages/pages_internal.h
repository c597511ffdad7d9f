/*
 * pages_internal.h — the page handlers, one file per concept (pages_site.c
 * home/arena, pages_league.c standings/schedule/playoffs, pages_team.c
 * teams and hoopers, pages_game.c, pages_rules.c rules and effects,
 * pages_reports.c reports, history and season archives, and the governors'
 * pages below), and what they share. Only pages_routes (app.h) and
 * pages_session.h (the request gate's form check) are public.
 */
#ifndef PW_PAGES_INTERNAL_H
#define PW_PAGES_INTERNAL_H

#include "server/app.h"
#include "server/pages/pages.h"

#define PAGE_HANDLER(name)                                                                         \
	int name(pw_app_t *app, pw_http_conn_t *conn, const pw_http_request_t *req, const pw_params_t *p, \
		 pw_response_t *res)

PAGE_HANDLER(page_standings);
PAGE_HANDLER(page_schedule);
PAGE_HANDLER(page_playoffs);
PAGE_HANDLER(page_team);
PAGE_HANDLER(page_hooper);
PAGE_HANDLER(page_governor);
PAGE_HANDLER(page_game);
PAGE_HANDLER(page_rules);
PAGE_HANDLER(page_effects);
PAGE_HANDLER(page_reports);
PAGE_HANDLER(page_history);
PAGE_HANDLER(page_archive);
PAGE_HANDLER(page_admin);

/* The current season (as viewers see it) into *out; false when there is
 * none yet. */
bool pages_season(pw_app_t *app, pw_season_row_t *out);
/* A season phase in words: "regular season", "playoffs", ... */
const char *pages_phase_name(const char *phase);
/* The round being replayed now, 0 when none is. */
int pages_live_round(pw_app_t *app);
/* While a round is being replayed, a note saying its results count when
 * its replay ends (nothing otherwise). */
void pages_live_note(pw_app_t *app, pw_buf_t *b);

/* The ruleset in force (governance synced first). */
void pages_rules_now(pw_app_t *app, pw_rules_t *out);

/* The rules of a ruleset ({name: value}, as rules_to_json writes it)
 * that differ from their defaults, in words with what each does; "every
 * rule at its default" when none does. */
void pages_rules_regime(pw_buf_t *b, const struct cJSON *rules);

/* "<strong>Three point value</strong> 3 → 4" for a change {name, old,
 * <new_key>}; false (nothing written) for a rule this build does not know. */
bool pages_rule_change(pw_buf_t *b, const struct cJSON *change, const char *new_key);

/* A standings table (rows of season_standings_json's "regular"). */
void pages_standings_table(pw_buf_t *b, const struct cJSON *rows, const char *caption);

/* ---- the governors' pages ------------------------------------------------
 * pages_auth.c (join, sign in and out), pages_gov.c (governance, propose,
 * how to play), pages_trades.c, pages_myteam.c (strategy and hooper bios),
 * pages_proposal.c (a proposal and what is done to it), pages_profile.c
 * (a governor's profile, their token),
 * pages_admin.c (the admin's forms), with the helpers of pages_form.c.
 * Every form posts to a page path with the session's CSRF token (the gate
 * in server/app.c checks it: pages_session.h); an answer to a form is a
 * 303 to the page that shows the result, or the form again with what was
 * wrong next to the field. */

#include "server/pages/pages_session.h"

/* Registers the governors' and the admin's form routes (pages_form.c). */
int pages_gov_routes(pw_app_t *app);

PAGE_HANDLER(page_governance);
PAGE_HANDLER(page_join);
PAGE_HANDLER(page_join_post);
PAGE_HANDLER(page_sign_in);
PAGE_HANDLER(page_sign_in_post);
PAGE_HANDLER(page_admin_sign_in_post);
PAGE_HANDLER(page_sign_out_post);
PAGE_HANDLER(page_how_to_play);
PAGE_HANDLER(page_propose);
PAGE_HANDLER(page_propose_post);
PAGE_HANDLER(page_proposal);
PAGE_HANDLER(page_proposal_act);
PAGE_HANDLER(page_proposal_amend);
PAGE_HANDLER(page_proposal_vote);
PAGE_HANDLER(page_trades);
PAGE_HANDLER(page_trades_act);
PAGE_HANDLER(page_trade_offer);
PAGE_HANDLER(page_hooper_trade_offer);
PAGE_HANDLER(page_strategy);
PAGE_HANDLER(page_strategy_post);
PAGE_HANDLER(page_hooper_bio_post);
PAGE_HANDLER(page_token_post);
PAGE_HANDLER(page_admin_act);
PAGE_HANDLER(page_admin_invite_post);

/* http_query_param over a body or query that may hold no bytes at all
 * (NULL): then simply no field (-1). */
long pages_field(pw_str_t src, const char *name, char *out, size_t cap);
/* A posted form's field, decoded, CR LF made LF, checked to be UTF-8 of at
 * most max bytes: malloc'd (caller frees). NULL when absent or empty
 * (*why NULL), or malformed, too long or not text (*why says so). */
char *pages_form_text(const pw_http_request_t *req, const char *name, size_t max, const char **why);
/* An integer field in [lo, hi]: 1 with *out, 0 absent or empty, -1 otherwise. */
int pages_form_int(const pw_http_request_t *req, const char *name, int64_t lo, int64_t hi, int64_t *out);
/* Whether a field is there with a value (a ticked box, the button pressed). */
bool pages_form_has(const pw_http_request_t *req, const char *name);
/* The value of query parameter name when it is one of a few known words
 * (written to out), else "". */
void pages_query_word(const pw_http_request_t *req, const char *name, char *out, size_t cap);

/* <input type="hidden" name="csrf" ...> of who's session. */
void pages_csrf(pw_buf_t *b, const pages_who_t *who);
/* <form method="post" action="action" class="cls"> and the csrf field;
 * the caller closes it. */
void pages_form_open(pw_buf_t *b, const pages_who_t *who, const char *action, const char *cls);
/* A form of one button. */
void pages_button(pw_buf_t *b, const pages_who_t *who, const char *action, const char *label, const char *cls);
/* What was wrong with a field, beside it: <p class="field-error" id="ID-error">. */
void pages_field_error(pw_buf_t *b, const char *id, const char *msg);
/* aria-invalid and aria-describedby for a field with an error (or "" when msg is NULL). */
void pages_field_aria(pw_buf_t *b, const char *id, const char *msg);
/* A message at the top of a page: kind "ok" or "error". */
void pages_notice(pw_buf_t *b, const char *kind, const char *msg);
/* A 303 See Other to location (a path here). Returns HTTP_HANDLED. */
int pages_redirect(pw_response_t *res, const char *location);
/* Ends the page for who (the account part filled in) with status. */
int pages_finish_who(pw_app_t *app, const pages_who_t *who, pw_response_t *res, pw_buf_t *b, int status);
/* The page that asks a visitor who is not a governor this season to join
 * or sign in, for `what` ("propose"). */
int pages_need_governor(pw_app_t *app, const pages_who_t *who, pw_response_t *res, const char *what);

/* A token triple {propose, amend, boost} as "1 propose, 2 boost" (kinds
 * with 0 left out; "nothing"). */
void pages_tokens_text(pw_buf_t *b, const struct cJSON *tokens);
/* A governor's name (escaped) linking to their profile. */
void pages_governor_link(pw_app_t *app, pw_buf_t *b, int64_t gid);
/* A team's name by id ("Team N" when unknown), escaped, as a link. */
void pages_team_ref(pw_app_t *app, pw_buf_t *b, int64_t team_id);
/* "in about 4 minutes (12:15 UTC)", "after the next tick (manual pace)":
 * when the next tally comes; *at its unix time (0 unknown). */
void pages_next_tally(pw_app_t *app, pw_buf_t *b, int64_t *at);

/* A proposal's (or a preview's) interpretation in words: each parameter
 * by its description, old → new; each effect with its description, the
 * moments it runs and its source; confidence, the interpreter's note and
 * question; tier, cost and threshold (pages_proposal.c). */
void pages_interpretation(pw_buf_t *b, const struct cJSON *p);
/* For an effect the AI wrote (an interpretation's effect with "generated"):
 * that it was, and the second reading's verdict and concerns. */
void pages_code_review(pw_buf_t *b, const struct cJSON *fx);
/* The yes share against the threshold as a bar (inline SVG: the pages'
 * CSP allows no style attributes); gov.js moves it live. */
void pages_tally_bar(pw_buf_t *b, double share, double threshold);
/* The projected impact: a table per change, now → with it. */
void pages_impact(pw_buf_t *b, const struct cJSON *impact);
/* The proposal form's fields (text and the optional effect), filled with
 * text and lua, the errors beside them (pages_gov.c). */
void pages_proposal_fields(pw_buf_t *b, const char *text, const char *lua, const char *text_err,
			   const char *lua_err);

#endif
