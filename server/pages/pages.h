/*
 * pages.h — server-rendered HTML: the layout every page shares and the one
 * escaping function all user text goes through.
 */
#ifndef PW_PAGES_H
#define PW_PAGES_H

#include <stdint.h>

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
