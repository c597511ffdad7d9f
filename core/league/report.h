/*
 * report.h — reports written from the numbers, without AI: a simulation
 * report and a governance report per tick, a private report per governor,
 * and commentary per game, and a champion report when the final is
 * decided. Phrasing varies but is chosen deterministically
 * from a seed, so the same tick always reads the same. Reports describe and
 * never prescribe; report_directive_count() counts directive phrases ("you
 * should", "vote for", ...) and the count is stored as an eval. Effects may
 * add narrative to the simulation report and the commentary (pw_report_fx_t);
 * the count covers what they add.
 */
#ifndef PW_REPORT_H
#define PW_REPORT_H

#include <stdint.h>

#include "core/league/governance.h"
#include "core/sim/sim.h"
#include "core/sim/teams.h"

struct cJSON;

/*
 * What the report writer asks the effects (implemented by the round runner
 * over its effects provider, so core stays free of Lua). narrate runs hook
 * with ctx and returns the narrative to add (malloc'd, caller frees; NULL or
 * "" for none). The writer calls it once for the simulation report
 * ("report.simulation.pre"; ctx {round, season_id, report: {kind, text},
 * games: [...], standings: [...], rules}) and once per game's commentary
 * ("report.commentary.pre"; ctx {round, season_id, report: {kind, text},
 * game: {...}, rules}), where report.text is the draft. The narrative is
 * added to the text as a paragraph "From the effects: ..." before the text
 * is stored and scanned for directive language.
 */
typedef struct pw_report_fx {
	void *ud;
	char *(*narrate)(void *ud, const char *hook, const struct cJSON *ctx);
} pw_report_fx_t;

/*
 * What the reports say of one game: its commentary's facts and its top
 * scorer. Taken from the result itself when the round runner still holds
 * it (report_game_from_result), else from its GameResult text
 * (report_game_from_json, core/league/game_text.h): the two agree to the
 * byte, so a tick resumed at its reports writes what it would have.
 */
#define PW_REPORT_NARR 300
typedef struct pw_report_game {
	int64_t game_id;                 /* the stored game's id */
	int home_score, away_score;
	int lead_changes, largest_lead, elam_target;
	char top_name[PW_NAME_MAX];      /* the game's top scorer, the first of equals */
	int64_t top_team;
	int top_points;                  /* -1: no box score */
	bool finished;                   /* the last basket's scorer is in the box score */
	char finisher[PW_NAME_MAX];
	char last_action[16];            /* of the last scoring play: "three_point", ... */
	int n_narr;                      /* the first plays' sentences (periods left out) */
	char narr[3][PW_REPORT_NARR];
} pw_report_game_t;

void report_game_from_result(pw_report_game_t *out, int64_t game_id, const pw_game_result_t *r);
/* 0, or -1 when text is not a GameResult. */
int report_game_from_json(pw_report_game_t *out, int64_t game_id, const char *text);

/*
 * A round's reports in two steps, so that the database's write lock is
 * held only while they are composed from governance's state and written,
 * not while the round's facts are read (issue 15: a vote waits for that
 * lock).
 *
 * report_round_read reads, outside any transaction, what the reports are
 * made of: the teams' names, the standings, the round's games and every
 * game of the season so far, the bracket in the playoffs, and each game's
 * facts. known (n_known of them, may be NULL) are the round's games the
 * caller still holds; the others are read through game_text. Only the
 * round runner writes any of it, under its tick lock, and its earlier
 * stages have committed, so what it reads is what the transaction would.
 * NULL with err set on failure; free with report_round_free (NULL is
 * fine).
 *
 * report_round_write_in_tx writes every report of the round inside the
 * caller's transaction, with governance's state as it is there. Appends
 * {kind, id, round} of each to generated (may be NULL). fx may be NULL (no
 * effects). 0 or <0.
 */
typedef struct pw_report_round pw_report_round_t;
pw_report_round_t *report_round_read(pw_store_t *s, int64_t season_id, int round, const pw_report_game_t *known,
				     int n_known, pw_err_t *err);
int report_round_write_in_tx(pw_gov_t *g, pw_report_round_t *r, const pw_report_fx_t *fx,
			     struct cJSON *generated, pw_err_t *err);
void report_round_free(pw_report_round_t *r);

/* The season's champion report (kind "champion"), written for the round
 * whose game decided the final, inside the caller's transaction: the
 * champion, the final's result and length as drawn, and its regular season.
 * Appends {kind, id, round} to generated (may be NULL). 0 or <0 with err
 * set (PW_E_CONFLICT before the final is decided). */
int report_champion_in_tx(pw_gov_t *g, int64_t season_id, int round, struct cJSON *generated,
			  pw_err_t *err);

/* Broadcast-style commentary for one game and the two team names;
 * malloc'd, caller frees. */
char *report_commentary(const pw_report_game_t *game, const char *home, const char *away, uint64_t seed);

/* The verbs a result is told with (close, rout, other), NULL-terminated;
 * no report uses one twice. For the tests of variety. */
extern const char *const report_close_verbs[];
extern const char *const report_rout_verbs[];
extern const char *const report_win_verbs[];

/* How many directive phrases the text holds. */
int report_directive_count(const char *text);

#endif
