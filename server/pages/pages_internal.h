/*
 * pages_internal.h — the page handlers, one file per concept (pages_site.c
 * home/arena/governance, pages_league.c standings/schedule/playoffs,
 * pages_team.c teams, hoopers and governors, pages_game.c, pages_rules.c rules and
 * effects, pages_reports.c reports, history and season archives, pages_admin.c), and what
 * they share. Only pages_routes (app.h) is public.
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

#endif
