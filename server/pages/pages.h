/*
 * pages.h — server-rendered HTML: the layout every page shares and the one
 * escaping function all user text goes through.
 */
#ifndef PW_PAGES_H
#define PW_PAGES_H

#include <stdint.h>

#include "core/sim/rules.h"
#include "server/http/rcbuf.h"
#include "server/http/response.h"

struct cJSON;

/* Appends s with &, <, >, ", ' escaped, and control bytes (other than
 * tab/newline) and invalid UTF-8 replaced, so it is safe in element text
 * and in quoted attribute values. NULL appends nothing. */
void pages_escape(pw_buf_t *b, const char *s);
/* The same for the first n bytes of s. */
void pages_escape_n(pw_buf_t *b, const char *s, size_t n);

/* The document head, site header and navigation; `active` names the nav
 * entry to mark (e.g. "arena"). The title is escaped. */
void pages_begin(pw_buf_t *b, const char *title, const char *active);
/* Closes main, adds the footer, ends the document. */
void pages_end(pw_buf_t *b);

/* ---- helpers the page renderers (pages_*.c) share ---- */

/* Ends the page and answers it as HTML with status; returns HTTP_HANDLED. */
int pages_finish(pw_response_t *res, pw_buf_t *b, int status);
/* A 404 page in the layout: "No such <what>." */
int pages_not_found(pw_response_t *res, const char *what);

/* Field readers over read-model JSON: 0 / NULL when absent or mistyped. */
double pages_num(const struct cJSON *o, const char *key);
int64_t pages_id(const struct cJSON *o, const char *key);
const char *pages_str(const struct cJSON *o, const char *key);

/* ---- people-facing text ----
 * Pages speak to people: a rule by its name in words and its value as
 * people write it, counts with their noun in the right number. */

/* "Three point value" for three_point_value. */
void pages_rule_name(pw_buf_t *b, const pw_rule_def_t *d);
/* An identifier of the game (an archetype, an attribute) in words:
 * "Floor general", "Chaotic alignment", "IQ"; escaped. */
void pages_words(pw_buf_t *b, const char *ident);
/* The same words into out, unescaped (for svg_bars, which escapes). */
void pages_words_text(const char *ident, char *out, size_t len);
/* A rule's value: "on"/"off" for a switch, numbers as written ("30", "0.03"). */
void pages_rule_value(const pw_rule_def_t *d, double v, char *out, size_t len);
/* "1 game", "3 games". */
void pages_count(pw_buf_t *b, long n, const char *one, const char *many);

/* A table that scrolls inside its own box on a narrow screen instead of
 * widening the page: the open tag writes the scrolling region (a labelled,
 * focusable region so a keyboard can scroll it), the table with its class
 * and its caption (escaped); close ends both. */
void pages_table_open(pw_buf_t *b, const char *cls, const char *caption);
void pages_table_close(pw_buf_t *b);

/* How a game is named to people: "Regular season", "Final, game 4",
 * "Semifinal 1, game 2", "Quarterfinal 3, game 1" (never "series F game
 * 4"). series "" for a regular game. */
void pages_game_label(const char *stage, const char *series, int series_game, char *out, size_t len);

/* The name of team id in teams (store_teams_json), or NULL. */
const char *pages_team_name(const struct cJSON *teams, int64_t id);
/* <a href="/teams/id">name</a> (escaped); plain "Team id" when unknown. */
void pages_team_link(pw_buf_t *b, const struct cJSON *teams, int64_t id);

/*
 * Lua source as HTML: everything escaped, with keywords, strings, numbers
 * and comments wrapped in <span class="lua-kw|lua-str|lua-num|lua-com">.
 * A light lexer (long brackets, escapes, -- and --[[ ]] comments), not a
 * parser: it only colours, so malformed source still prints whole.
 */
void pages_lua_highlight(pw_buf_t *b, const char *src);

#endif
