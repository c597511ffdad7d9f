/*
 * jsonw.h — JSON text written straight into a pw_buf_t, byte for byte as
 * cJSON_PrintUnformatted prints the same values.
 *
 * Why not build a cJSON tree and print it: a game's result is ~70 KB of
 * JSON, and the tree (an allocation per value, printf per number) cost a
 * round more than the games themselves. Why byte for byte: results written
 * here sit beside results cJSON printed (older databases, `pinwheel sim`),
 * and a page or an API client must not see two spellings of one game.
 */
#ifndef PW_JSONW_H
#define PW_JSONW_H

#include "core/sim/buf.h"

struct cJSON;

/* A string with cJSON's escapes (", \, \b \f \n \r \t, \u00XX below 0x20;
 * other bytes as they are). NULL prints as null. */
void jsonw_str(pw_buf_t *b, const char *s);
/* A number as cJSON prints it: %1.15g, or %1.17g when that does not read
 * back (nearly) equal; NaN and infinities as null. */
void jsonw_num(pw_buf_t *b, double d);
/* An int: jsonw_num's output, without printf. */
void jsonw_int(pw_buf_t *b, int v);
/* A whole cJSON tree, as cJSON_PrintUnformatted prints it: what a tree
 * already built (a snapshot, a team) costs to print, without cJSON's
 * printf and sscanf per number. */
void jsonw_tree(pw_buf_t *b, const struct cJSON *item);
/* jsonw_tree into a new string: cJSON_PrintUnformatted's drop-in (caller
 * frees; NULL on OOM or an unprintable tree). */
char *jsonw_print(const struct cJSON *item);

#endif
