/*
 * standings.h — the table: wins, losses, points for/against, differential,
 * streak, and the order with the spec's tiebreakers (head-to-head among the
 * tied teams, then point differential, then points scored; team id last so
 * the order is always total and deterministic).
 */
#ifndef PW_STANDINGS_H
#define PW_STANDINGS_H

#include <stdint.h>

struct cJSON;

typedef struct pw_stand_game {
	int64_t home, away;
	int home_score, away_score;
} pw_stand_game_t;

typedef struct pw_standing {
	int64_t team_id;
	int wins, losses;
	int points_for, points_against;
	int streak;        /* +n: n straight wins, -n: n straight losses */
	int h2h_wins;      /* wins against the teams tied with it on wins */
	int rank;          /* 1-based */
	char tiebreak[24]; /* "" or the rule that separated it from the next team */
} pw_standing_t;

/*
 * Computes the standings of the n teams in ids from the games (in the order
 * played) into out[n], sorted best first. Returns 0, -1 on bad input.
 */
int stand_compute(const int64_t *ids, int n, const pw_stand_game_t *games, int n_games,
		  pw_standing_t *out);

/* A JSON array of standings rows; names[i] names ids[i] (may be NULL). */
struct cJSON *stand_to_json(const pw_standing_t *rows, int n, const int64_t *ids,
			    const char *const *names);

struct pw_league;

/*
 * Standings of a generated league's teams after `games` (in the order
 * played), as the JSON array stand_to_json gives — the shape round hooks
 * see as ctx.standings. For test runs of effects outside the store.
 * Caller owns it; NULL on OOM.
 */
struct cJSON *stand_league_json(const struct pw_league *l, const pw_stand_game_t *games, int n_games);

#endif
