/*
 * cli_fx.h — effects given on the command line (`--effect FILE.lua`): load
 * them once, then run them in every game through one engine.
 */
#ifndef PW_CLI_FX_H
#define PW_CLI_FX_H

#include "effects/fx.h"

typedef struct cli_fx {
	fx_script_t *scripts[FX_MAX_EFFECTS];
	fx_effect_t effects[FX_MAX_EFFECTS];
	char ids[FX_MAX_EFFECTS][PW_EFFECT_ID_MAX];
	int n;
	fx_engine_t *engine; /* made on the first add */
} cli_fx_t;

/* The id an effect loaded from path gets: the file's base name without
 * ".lua" ("swagger" for scripts/effects/swagger.lua), cut to fit. */
void cli_fx_id(const char *path, char id[PW_EFFECT_ID_MAX]);

/* Loads path as an effect whose id is cli_fx_id's (numbered when two files
 * share a base name). 0, or -1 with err naming the file. */
int cli_fx_add(cli_fx_t *s, const char *path, char *err, size_t errlen);

/* Starts a game with the loaded effects (hooks NULL when there are none).
 * meta may be NULL. 0, or -1 with err. */
int cli_fx_begin(cli_fx_t *s, int64_t game_id, int round, uint64_t seed,
		 const fx_meta_reader_t *meta, bool log, const pw_hooks_t **hooks,
		 char *err, size_t errlen);
/* Ends it (see fx_game_end); a no-op when there are no effects. */
void cli_fx_end(cli_fx_t *s, pw_game_result_t *res, fx_report_t *rep);

void cli_fx_free(cli_fx_t *s);

#endif
