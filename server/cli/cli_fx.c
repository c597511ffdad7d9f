/*
 * cli_fx.c — `--effect FILE.lua` for the commands that play games.
 */
#include "server/cli/cli_fx.h"

#include <stdio.h>
#include <string.h>

void cli_fx_id(const char *path, char id[PW_EFFECT_ID_MAX])
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	size_t n = strlen(base);
	if (n > 4 && strcmp(base + n - 4, ".lua") == 0)
		n -= 4;
	if (n >= PW_EFFECT_ID_MAX)
		n = PW_EFFECT_ID_MAX - 1;
	memcpy(id, base, n);
	id[n] = 0;
}

int cli_fx_add(cli_fx_t *s, const char *path, char *err, size_t errlen)
{
	if (s->n == FX_MAX_EFFECTS) {
		snprintf(err, errlen, "at most %d effects", FX_MAX_EFFECTS);
		return -1;
	}
	char msg[FX_ERR_MAX];
	fx_script_t *sc;
	if (fx_script_load_file(path, &sc, msg, sizeof msg) < 0) {
		snprintf(err, errlen, "%s: %s", path, msg);
		return -1;
	}
	char *id = s->ids[s->n];
	cli_fx_id(path, id);
	size_t n = strlen(id);
	for (int i = 0; i < s->n; i++)
		if (strcmp(s->ids[i], id) == 0) {
			/* the same base name twice: number the later one */
			size_t at = n > PW_EFFECT_ID_MAX - 8 ? PW_EFFECT_ID_MAX - 8 : n;
			snprintf(id + at, 8, "-%d", (s->n + 1) % 100);
			break;
		}
	if (!s->engine && !(s->engine = fx_engine_new(NULL, err, errlen))) {
		fx_script_free(sc);
		return -1;
	}
	s->scripts[s->n] = sc;
	s->effects[s->n] = (fx_effect_t){id, sc};
	s->n++;
	return 0;
}

int cli_fx_begin(cli_fx_t *s, int64_t game_id, int round, uint64_t seed,
		 const fx_meta_reader_t *meta, bool log, const pw_hooks_t **hooks,
		 char *err, size_t errlen)
{
	*hooks = NULL;
	if (!s->n)
		return 0;
	fx_session_setup_t st = {.game_id = game_id, .round = round, .seed = seed,
				 .effects = s->effects, .n_effects = s->n, .capture_log = log};
	if (meta)
		st.meta = *meta;
	return fx_game_begin(s->engine, &st, hooks, err, errlen);
}

void cli_fx_end(cli_fx_t *s, pw_game_result_t *res, fx_report_t *rep)
{
	if (s->n)
		fx_game_end(s->engine, res, rep);
}

void cli_fx_free(cli_fx_t *s)
{
	for (int i = 0; i < s->n; i++)
		fx_script_free(s->scripts[i]);
	fx_engine_free(s->engine);
	memset(s, 0, sizeof *s);
}
