/*
 * schedule.h — the regular-season schedule (circle method) and the playoff
 * bracket (spec 30-league-governance, "Seasons").
 *
 * Pure functions of their inputs: no store, no clock. The round runner
 * writes what they return into the schedule table.
 */
#ifndef PW_SCHEDULE_H
#define PW_SCHEDULE_H

#include <stdint.h>

typedef struct pw_fixture {
	int round;        /* 1-based tick */
	int index;        /* 0-based game index inside the tick */
	int64_t home, away;
} pw_fixture_t;

/* Ticks in one round-robin of n teams (n-1 for even n, n for odd). */
int schedule_rounds_per_rr(int n);

/*
 * The regular season: round_robins round-robins of the n teams in ids
 * (2..64), every pair once per round-robin, no team twice in a tick, home
 * and away alternating so each team's home and away counts differ by at
 * most one per round-robin and every pair swaps venue in the next
 * round-robin. An odd league rests one team a tick, each team exactly once
 * per round-robin, and stays as fair. *out is malloc'd (caller frees);
 * returns the number of fixtures or -1.
 */
int schedule_round_robin(const int64_t *ids, int n, int round_robins, pw_fixture_t **out);

/* ---- playoffs ---- */

#define PW_MAX_SERIES 7

typedef struct pw_series {
	char id[8];            /* "QF1".."QF4", "SF1", "SF2", "F" */
	int stage;             /* 0 quarterfinal, 1 semifinal, 2 final */
	int best_of;
	int64_t high, low;     /* team ids; 0 while not yet known */
	int high_seed, low_seed;
	int high_wins, low_wins;
	int games;             /* played so far */
	int64_t winner;        /* 0 while undecided */
} pw_series_t;

typedef struct pw_playoff_game {
	char series[8];
	int64_t winner;
} pw_playoff_game_t;

typedef struct pw_bracket {
	int n_teams;           /* teams in the bracket: 2, 4 or 8 */
	int n_series;
	pw_series_t series[PW_MAX_SERIES];
	int64_t champion;      /* 0 until the final is decided */
} pw_bracket_t;

/* The bracket size used for playoff_teams (the largest of 2, 4, 8 not above it
 * and not above n_teams). */
int schedule_bracket_size(int playoff_teams, int n_teams);

/*
 * Builds the bracket from seeds (team ids best first, at least the bracket
 * size) and the playoff games already played, in order. semis_best_of is
 * used for every series before the final. Returns 0, or -1 when a game
 * names an unknown series or a team not in it.
 */
int schedule_bracket(pw_bracket_t *b, const int64_t *seeds, int n_seeds, int playoff_teams,
		  int semis_best_of, int finals_best_of, const pw_playoff_game_t *games, int n_games);

/* True when the higher seed hosts game g (1-based) of a series: games 1, 2,
 * 5 and 7 (2-2-1-1-1). */
int schedule_high_hosts(int g);

/*
 * The next tick's playoff games: one game of every undecided series whose
 * teams are known and that belongs to the earliest unfinished stage. Writes up to
 * max fixtures (round and index filled from round) plus the series id and
 * game number of each into series_ids/game_nos. Returns how many (0 when
 * the playoffs are over).
 */
int schedule_playoff_next(const pw_bracket_t *b, int round, pw_fixture_t *out,
		       char (*series_ids)[8], int *game_nos, int max);

#endif
