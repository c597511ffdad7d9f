/*
 * season.h — the league in the store: generating it, creating seasons,
 * standings and the playoff bracket from stored games, the season archive,
 * and the read models the API shows for them.
 *
 * Phases (spec): setup → active → tiebreaker_check → playoffs →
 * championship → offseason → complete. The round runner moves a season
 * along; this module knows what each phase means.
 */
#ifndef PW_SEASON_H
#define PW_SEASON_H

#include <stdbool.h>
#include <stdint.h>

#include "core/league/governance.h"
#include "core/sim/teams.h"
#include "core/league/schedule.h"
#include "core/league/standings.h"
#include "core/league/store.h"

struct cJSON;

/*
 * Generates the league from league_seed (teams_generate) and stores its
 * teams and hoopers, unless a league already exists (then *league_id is the
 * existing one). One transaction.
 */
int season_setup_league(pw_store_t *s, const char *name, uint64_t league_seed, int n_teams,
			int64_t *league_id, pw_err_t *err);

/*
 * Creates the next season of the league: its row, season.created (with the
 * starting rules — the current ones when carry_rules, else the defaults, or
 * *rules when given — and the ids of the teams that play), the
 * regular-season schedule, and a fresh enrolment of every governor of the
 * previous season whose team plays (governor.joined, tokens refreshed).
 *
 * The season is played by the league's first teams_count teams (of the
 * starting rules) by id: when the league has fewer, new teams are generated
 * (deterministically from the league seed, with names, venues and hoopers
 * unlike the existing ones); when it has more, the teams with the highest
 * ids sit the season out. They keep their history and come back first when
 * the count grows again. Their governors are not enrolled and get a private
 * report at round 0 of the new season saying so.
 *
 * The previous season ends properly first: it may still be in its
 * championship window or offseason (its games are done) — then it is
 * completed and archived here — but not before (PW_E_CONFLICT while it has
 * games to play, or while one of its rounds is being played). Every
 * proposal of it still open is tallied (so no tokens are lost) and every
 * unconfirmed draft is cancelled: nothing of the old season stays open.
 * Without carry_rules the active effects end (effect.expired). seed 0
 * derives the season's seed (which seeds every game) from the league seed.
 * One transaction.
 */
int season_create(pw_gov_t *g, const char *name, bool carry_rules, const pw_rules_t *rules,
		  uint64_t seed, int64_t *season_id, pw_err_t *err);

/* The latest season of the first league: 1 found, 0 none, negative error. */
int season_current(pw_store_t *s, pw_season_row_t *out);

/* The teams that play season_id (those of its regular schedule), as roster
 * JSON in id order. Caller owns; NULL on error. */
struct cJSON *season_teams_json(pw_store_t *s, int64_t season_id);

/* ---- phases ---- */

/*
 * Moves season sid from phase `from` to `to` inside the caller's
 * transaction: season.phase_changed {from, to, round, ...extra} and the
 * season row. extra (may be NULL) is consumed. When published is not NULL
 * the event is added to it as {type, data} for the caller to announce after
 * its commit. 0 or negative (the store's message says why).
 */
int season_phase_in_tx(pw_gov_t *g, int64_t sid, const char *from, const char *to, int round,
		       int64_t now, struct cJSON *extra, struct cJSON *published);

/*
 * Completes season sid (offseason → complete) and stores its archive,
 * inside the caller's transaction. 0 or negative with err set.
 */
int season_complete_in_tx(pw_gov_t *g, int64_t sid, int round, int64_t now, struct cJSON *published,
			  pw_err_t *err);

/* Regular-season standings of a season into out (max rows); returns n. */
int season_standings(pw_store_t *s, int64_t season_id, pw_standing_t *out, int max);
/* The same from the season's games already read (store_games with round
 * 0: every game, in the order played), for a caller that needs them too:
 * reading a season's games twice is a tenth of a late-season tick. */
int season_standings_of(pw_store_t *s, int64_t season_id, const pw_game_row_t *games, int n_games,
			pw_standing_t *out, int max);

/*
 * Regular-season standings as ctx.standings shows them to round hooks: the
 * stored games of rounds before before_round (all stored games when 0), then
 * `extra` — a tick's results not stored yet — in schedule order. Reading
 * only earlier rounds keeps a resumed tick's view identical to the first
 * run's. Caller owns the array; NULL on error.
 */
struct cJSON *season_standings_at(pw_store_t *s, int64_t season_id, int before_round,
				  const pw_stand_game_t *extra, int n_extra);

/* ---- the playoff bracket ----
 *
 * A bracket's format (how many teams, best of how many per stage, the
 * seeds) is fixed when it is drawn, at the end of the regular season, and
 * stored as a season.bracket_drawn event. Every later tick and every read
 * uses the stored format, never the rules in force: a change passed during
 * the playoffs applies to the next season's bracket, and a past season
 * reads as it was played. */

typedef struct pw_bracket_format {
	int playoff_teams;       /* playoff_teams when drawn */
	int bracket_teams;       /* teams in the bracket: 2, 4 or 8 */
	int semis_best_of;       /* every series before the final */
	int finals_best_of;
	int64_t seeds[8];        /* bracket_teams team ids, best first */
	int round;               /* drawn after this round */
	char source[8];          /* "draw"; "legacy": derived for a season drawn
				  * before formats were stored, from the rules
				  * its first playoff game was played under */
} pw_bracket_format_t;

/*
 * The drawn format of season sid: 1 stored, 2 derived (source "legacy": a
 * season of an older database whose bracket was drawn but not stored), 0
 * not drawn yet, negative on error with err (may be NULL) set.
 */
int season_bracket_format(pw_store_t *s, int64_t season_id, pw_bracket_format_t *f, pw_err_t *err);

/*
 * Draws the bracket of season sid (the current season) inside the
 * caller's transaction, unless it is drawn already: the seeds from the
 * final regular-season standings, the format from rules — or, for a
 * legacy season, the format it was played with. Appends
 * season.bracket_drawn. 0 or negative with err set.
 */
int season_bracket_draw_in_tx(pw_gov_t *g, int64_t season_id, int round, const pw_rules_t *rules,
			      pw_err_t *err);

/* The bracket of a season as it stands: its drawn format and the playoff
 * games stored so far. 1 filled, 0 not drawn yet, negative on error (err
 * may be NULL; it names what is wrong). */
int season_bracket(pw_store_t *s, int64_t season_id, pw_bracket_t *b, pw_err_t *err);

/* ---- read models (caller owns; NULL on error) ---- */

/* {id, number, name, phase, round, regular_season_rounds, teams_count,
 * games_played, phase_started} */
struct cJSON *season_current_json(pw_gov_t *g);
/* The same read from store s (a viewers' connection shows the season as
 * presented so far). */
struct cJSON *season_summary_json(pw_store_t *s);
/*
 * A hooper's season from the stored box scores: {"games", "totals":
 * {points, rebounds, assists, steals, turnovers, fouls, fgm, fga, tpm, tpa,
 * ftm, fta}, "per_game": {the same / games, one decimal}, "log": [{game_id,
 * round, stage, series, series_game, team_id, opponent_id, home (bool),
 * team_score, opponent_score, won, points, rebounds, assists, steals,
 * turnovers, fouls, fgm, fga, tpm, tpa, ftm, fta}] in the order played}.
 * Caller owns; NULL on error.
 */
struct cJSON *season_hooper_json(pw_store_t *s, int64_t season_id, int64_t hooper_id);
/* {"regular": [rows with name, streak, ...], "playoffs": bracket} */
struct cJSON *season_standings_json(pw_store_t *s, int64_t season_id);
/* {"drawn", "started", "format": {playoff_teams, bracket_teams,
 * semis_best_of, finals_best_of, seeds, round, source} | null,
 * "series": [...], "champion": {team_id, name} | null} */
struct cJSON *season_bracket_json(pw_store_t *s, int64_t season_id);
/* Game summaries of a season (round 0: all): id, round, teams, scores,
 * winner, stage, series, rules. */
struct cJSON *season_games_json(pw_store_t *s, int64_t season_id, int round);
/* A team of the league with hoopers, strategy, "plays" (whether it plays
 * this season) and its record in it when it does. */
struct cJSON *season_team_json(pw_store_t *s, int64_t season_id, int64_t team_id);

/* Builds the archive of a finished season (standings, champion, rule
 * timeline, awards, leaders, key games, head-to-head). */
struct cJSON *season_archive_build(pw_gov_t *g, int64_t season_id);

/* Deterministic seed of game `index` of `round` in season `number`. */
uint64_t season_game_seed(uint64_t league_seed, int number, int round, int index);

#endif
