/*
 * game_text.h — a stored game's GameResult JSON (spec 10-simulation,
 * "GameResult"), whether the store kept its text or only its inputs.
 *
 * A game played without effects is stored with its inputs (rules, both
 * teams, seed, its place in the season), its box score and its hash, but
 * not its ~70 KB of play-by-play (pw_game_row_t.derived, migration 4): the
 * game is a pure function of those inputs, so reading it simulates it
 * again (tens of microseconds), checks the hash against the stored one and
 * writes the text as the runner would have stored it. Games with effects
 * (whose replay needs the sandbox and the round's metadata) and games of
 * older databases keep their stored text, served as it is.
 *
 * A small cache keeps the texts of the games read last, so a game that
 * everybody opens (the one just replayed in the arena) is simulated once.
 */
#ifndef PW_GAME_TEXT_H
#define PW_GAME_TEXT_H

#include <stdint.h>

#include "core/league/store.h"
#include "core/sim/sim.h"

/* The cache: thread-safe, holding at most `games` texts (least recently
 * read goes first). NULL on OOM. */
typedef struct pw_game_cache pw_game_cache_t;
pw_game_cache_t *game_text_cache_new(int games);
/* NULL is fine. */
void game_text_cache_free(pw_game_cache_t *c);
/* Reads and misses so far (for benchmarks and tests). */
void game_text_cache_stats(pw_game_cache_t *c, long *hits, long *misses);

/*
 * The GameResult text of game id as s sees it (a viewers' connection sees
 * only presented games), through cache (may be NULL). Returns 1 with *text
 * malloc'd (caller frees), 0 when s has no such game, -1 on failure with
 * err filled: unreadable inputs, or a replay whose hash is not the stored
 * one (an engine that no longer plays the game as it was played).
 */
int game_text_get(pw_store_t *s, pw_game_cache_t *cache, int64_t id, char **text, char *err,
		  size_t errlen);

/*
 * Plays a derived game again from its row's inputs: *res (initialised by
 * the caller, sim_result_init) gets the result, home and away the teams it
 * borrows. Returns 0, or -1 with err filled as above.
 */
int game_text_replay(pw_store_t *s, const pw_game_row_t *row, pw_game_result_t *res, pw_team_t *home,
		     pw_team_t *away, char *err, size_t errlen);

#endif
