/*
 * league_helpers.h — fixtures for league tests: a store in the test's
 * temporary directory, a generated league with its first season, and a
 * stand-in simulation (a test double: scores drawn from the seed) so the
 * runner can be tested independently of the engine.
 */
#ifndef PW_LEAGUE_HELPERS_H
#define PW_LEAGUE_HELPERS_H

#include "core/league/governance.h"
#include "core/league/round.h"
#include "core/league/season.h"
#include "core/league/store.h"

pw_store_t *lt_open(const char *name);
/* From here on, lt_open opens a PostgreSQL database per name (the same one
 * for the same name, from pgtest_database) instead of a SQLite file: a pg_
 * test calls this and then a SQLite test's body, which runs unchanged on
 * the other backend. lt_on_postgres says whether it was called. */
void lt_use_postgres(void);
bool lt_on_postgres(void);
/* The PostgreSQL twin of a test of the same file: TEST(pg_<name>) runs
 * its body after lt_use_postgres. */
#define LT_ON_POSTGRES(name)            \
	TEST(pg_##name)                 \
	{                               \
		lt_use_postgres();      \
		test_##name();          \
	}
/* What lt_open(name) opens, as the program names a database: the SQLite
 * file's path or the PostgreSQL URL (static storage for the path; for
 * tests/dbtest.h and for what opens its own connection by name). */
const char *lt_db(const char *name);
/* The viewers' connection (store_open_viewer) to the store lt_open(name)
 * opened: the league as the public sees it. */
pw_store_t *lt_viewer(const char *name);
/* A league of n teams (seed 42) and its first season; governance over it. */
pw_gov_t *lt_league(pw_store_t *s, int n_teams);
/* The same with governance configured by cfg (e.g. the approval gate). */
pw_gov_t *lt_league_with(pw_store_t *s, int n_teams, const pw_gov_cfg_t *cfg);
/* A runner config using the stand-in sim, instant championship. */
void lt_cfg(pw_round_cfg_t *c, pw_gov_t *g);
/* The stand-in: deterministic in (seed, rules), a few plays, box scores. */
int lt_fake_sim(const pw_game_input_t *in, pw_game_result_t *out);
/* Joins and returns the governor id (token into tok if not NULL). */
int64_t lt_join(pw_gov_t *g, const char *name, int64_t team, char *tok);
/* Proposes and confirms; returns the proposal id (0 on failure). */
int64_t lt_propose(pw_gov_t *g, int64_t gid, const char *text);
/* Submits a draft (not confirmed); returns its id (0 on failure). */
int64_t lt_draft(pw_gov_t *g, int64_t gid, const char *text, const char *lua);
/* A vote that must be accepted. */
void lt_vote(pw_gov_t *g, int64_t gid, int64_t pid, bool yes, bool boost);
/* Tallies round inside a transaction, the way the runner does. */
void lt_tally(pw_gov_t *g, int round);
/* A governor's balance of one kind (-99 for no such governor). */
int lt_tokens(pw_gov_t *g, int64_t gid, int kind);
/* A proposal's status name ("none" for no such proposal). */
const char *lt_status(pw_gov_t *g, int64_t pid);
/* Runs ticks until the season is complete; returns how many. */
int lt_run_season(pw_round_cfg_t *c);
/* The text of the first report of kind in round (malloc'd; NULL if none). */
char *lt_report_text(pw_store_t *s, int64_t sid, int round, const char *kind);
/* A digest of everything durable: games, events (types and payloads), reports. */
char *lt_digest(pw_store_t *s);
/* Everything the governance fold keeps, one line per record, so two states
 * compare as text. Caller frees. */
char *lt_state_dump(const pw_gstate_t *g);

/* ---- brackets: drawn once, never redrawn ----
 * The invariant a play-through checks after every tick: a season's bracket
 * keeps the format and seeds it was drawn with, every series keeps its
 * teams and length, and the games it has played stay played (new games
 * only add to them). */

/* The bracket of season sid as the API shows it. Caller owns. */
struct cJSON *lt_bracket_json(pw_gov_t *g, int64_t sid);
/* Every season's drawn bracket as text: one "S<id> draw <format>" line per
 * season, then one "S<id> <series> bo<N> <high>-<low> <results>" line per
 * series, results one letter per game (H: the higher seed won, L: the
 * lower). Caller frees. */
char *lt_brackets(pw_gov_t *g);
/* True when every bracket of before is still in after as drawn, with its
 * results extended at most; otherwise false and why says which line. */
bool lt_brackets_kept(const char *before, const char *after, char *why, size_t len);

/*
 * Checks season sid as played so far and returns true, or false with why
 * naming the first thing wrong:
 *  - its regular schedule is proper round-robins of its teams: every pair
 *    once per round-robin, no team twice in a tick, each team's home and
 *    away counts within one per round-robin, every pair swapping venue in
 *    the next round-robin;
 *  - every scheduled game of a played round is stored once, and no other;
 *  - its standings equal its stored regular-season games;
 *  - once drawn, its bracket is valid: seeded from the final standings,
 *    every game between the series' teams with the higher seed hosting
 *    games 1, 2, 5 and 7, no series past its length, each winner with
 *    exactly a majority of its best-of, the champion the final's winner.
 */
bool lt_season_valid(pw_store_t *s, int64_t sid, char *why, size_t len);

/* Records the types of events published on a bus, in order. */
typedef struct lt_events {
	int n;
	char types[512][40];
} lt_events_t;
/* A pw_bus_t publish function recording into ud (an lt_events_t). */
void lt_events_publish(void *ud, const char *type, const char *json);
/* How many recorded events have this type. */
int lt_events_count(const lt_events_t *ev, const char *type);

#endif
