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
 * starting rules: the current ones when carry_rules, else the defaults, or
 * *rules when given), the regular-season schedule, and a fresh enrolment of
 * every governor of the previous season (governor.joined, tokens refreshed).
 * Without carry_rules the active effects end (effect.expired). Refuses while
 * the current season is not complete. seed 0 derives the season's seed
 * (which seeds every game) from the league seed. One transaction.
 */
int season_create(pw_gov_t *g, const char *name, bool carry_rules, const pw_rules_t *rules,
		  uint64_t seed, int64_t *season_id, pw_err_t *err);

/* The latest season of the first league: 1 found, 0 none, negative error. */
int season_current(pw_store_t *s, pw_season_row_t *out);


/* Regular-season standings of a season into out (max rows); returns n. */
int season_standings(pw_store_t *s, int64_t season_id, pw_standing_t *out, int max);

/*
 * Regular-season standings as ctx.standings shows them to round hooks: the
 * stored games of rounds before before_round (all stored games when 0), then
 * `extra` — a tick's results not stored yet — in schedule order. Reading
 * only earlier rounds keeps a resumed tick's view identical to the first
 * run's. Caller owns the array; NULL on error.
 */
struct cJSON *season_standings_at(pw_store_t *s, int64_t season_id, int before_round,
				  const pw_stand_game_t *extra, int n_extra);

/* The playoff bracket of a season as it stands (seeds from the regular
 * season, series from stored playoff games). */
int season_bracket(pw_store_t *s, int64_t season_id, const pw_rules_t *rules, pw_bracket_t *b);

/* ---- read models (caller owns; NULL on error) ---- */

/* {id, number, name, phase, round, regular_season_rounds, ...} */
struct cJSON *season_current_json(pw_gov_t *g);
/* {"regular": [rows with name, streak, ...], "playoffs": bracket} */
struct cJSON *season_standings_json(pw_store_t *s, int64_t season_id, const pw_rules_t *rules);
/* {"series": [...], "champion": {team_id, name} | null} */
struct cJSON *season_bracket_json(pw_store_t *s, int64_t season_id, const pw_rules_t *rules);
/* Game summaries of a season (round 0: all): id, round, teams, scores,
 * winner, stage, series, rules. */
struct cJSON *season_games_json(pw_store_t *s, int64_t season_id, int round);
/* A team with hoopers, strategy and record. */
struct cJSON *season_team_json(pw_store_t *s, int64_t season_id, int64_t team_id);

/* Builds the archive of a finished season (standings, champion, rule
 * timeline, awards, leaders, key games, head-to-head). */
struct cJSON *season_archive_build(pw_gov_t *g, int64_t season_id);

/* Deterministic seed of game `index` of `round` in season `number`. */
uint64_t season_game_seed(uint64_t league_seed, int number, int round, int index);

#endif
