/*
 * pages.h — server-rendered HTML: the layout every page shares and the one
 * escaping function all user text goes through.
 */
#ifndef PW_PAGES_H
#define PW_PAGES_H

#include "server/buf.h"

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

#endif
