/*
 * presenter.h — shows a tick's games to viewers.
 *
 * instant mode: each game's start and final score are published at once.
 * replay mode: each game's plays are spread over quarter_seconds of wall
 * time per quarter (a play's place in its quarter follows its game clock;
 * the untimed Elam period is spread evenly over one quarter's time), and
 * all games of a tick run side by side. Events (spec 40-server), each with
 * what a viewer arriving late needs — the game's card (below) and its
 * score and clock:
 *
 *   presentation.game_starting   {game_id, round, home_team_id, away_team_id, quarter_seconds,
 *                                 plays, ...card}
 *   presentation.possession      {game_id, n, quarter, clock, offense_team_id, action, result,
 *                                 points, home_score, away_score, narrative, home_team_id,
 *                                 away_team_id, ...card}
 *   presentation.game_finished   {game_id, home_score, away_score, winner_team_id,
 *                                 home_team_id, away_team_id, ...card}
 *   presentation.round_finished  {round, game_ids}
 *
 * A game's card is the object "presentation" that ops.load_game may put in
 * the GameResult it returns (the server puts round, stage, series, its
 * label and both team names there); every field of it is copied into each
 * event of that game.
 *
 * No spoilers: a game counts as presented when its replay ends (at once in
 * instant mode). Then, before its game_finished event, ops.mark_presented
 * is told, so anything a viewer reads after that event shows the result.
 * Events the tick produced that reveal results (game.completed,
 * report.generated, ...) are handed to presenter_start as "held" events
 * and published only when what they reveal has been shown: an event tied
 * to a game right after that game's game_finished, the others right after
 * round_finished.
 *
 * Progress is saved (ops.state_save, the league's bot_state table) after
 * every batch of events, so a restarted server resumes each game after its
 * last shown play: nothing shown twice beyond the batch in flight at a
 * crash, no game skipped. Held events are saved once, under their own key.
 */
#ifndef PW_PRESENTER_H
#define PW_PRESENTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "server/log.h"

struct cJSON;

#define PRESENTER_STATE_KEY "presentation_state"
#define PRESENTER_HELD_KEY "presentation_held"

typedef enum pw_present_mode {
	PW_PRESENT_INSTANT,
	PW_PRESENT_REPLAY,
} pw_present_mode_t;

typedef struct pw_presenter_ops {
	void *ud;
	/* The GameResult JSON (contract of spec 10) of a game; caller frees. */
	struct cJSON *(*load_game)(void *ud, int64_t game_id);
	/* Saved state: load returns a malloc'd string or NULL; save with
	 * value NULL removes it. */
	char *(*state_load)(void *ud, const char *key);
	int (*state_save)(void *ud, const char *key, const char *value);
	void (*publish)(void *ud, const char *type, const char *json);
	/* The game's replay has ended: viewers may see its result now (may be
	 * NULL). Called before its presentation.game_finished. */
	void (*mark_presented)(void *ud, int64_t game_id);
} pw_presenter_ops_t;

typedef struct pw_presenter_config {
	pw_present_mode_t mode;
	int quarter_seconds; /* replay length of one quarter (default 300) */
	const pw_log_t *log;
} pw_presenter_config_t;

typedef struct pw_presenter pw_presenter_t;

int presenter_new(pw_presenter_t **out, uv_loop_t *loop, const pw_presenter_config_t *cfg,
		  const pw_presenter_ops_t *ops);

/* One tick to present. */
typedef struct pw_present_tick {
	int round;
	const int64_t *game_ids;
	size_t n;
	/* > 0: this tick's replay length per quarter, as asked (the admin's
	 * advance); 0: the configured length, shortened when fit_ms says so. */
	int quarter_seconds;
	/* > 0: the replay must end within this many ms (the time to the next
	 * tick): quarters are shortened to fit, never lengthened. */
	uint64_t fit_ms;
	/* Events to publish as their results are shown: an array of
	 * {"type", "data", "game_id"?} (with game_id: after that game's
	 * game_finished; without: after round_finished); may be NULL. Taken
	 * when presenter_start succeeds (then set to NULL), else left. */
	struct cJSON *held;
	/* NULL, or n games as ops.load_game gives them, made beforehand: a
	 * game re-simulated, printed and parsed takes about a millisecond,
	 * which the server spends on the tick's thread rather than on the
	 * loop, where every request would wait for it. Each one used is taken
	 * (set to NULL; the rest stay the caller's); a NULL entry is loaded
	 * through ops.load_game. */
	struct cJSON **games;
} pw_present_tick_t;

/*
 * Presents the games of one tick. Returns 0, -EBUSY while another
 * presentation runs, -ENOENT when a game cannot be loaded, -ENOMEM. On
 * failure nothing was published and nothing marked.
 */
int presenter_start(pw_presenter_t *p, pw_present_tick_t *tick);

/* The quarter length a replay of games with `periods` periods (timed
 * quarters plus the Elam period) gets: configured, but short enough for
 * every play to be shown within fit_ms (0: no limit; the final score
 * follows a second after the last play); at least 1 s. */
int presenter_fit_quarter(int configured, int periods, uint64_t fit_ms);

/* Continues a presentation saved by a previous process, if any. Returns 1
 * when one was resumed, 0 when there was none, negative on error (the bad
 * state is then discarded). */
int presenter_resume(pw_presenter_t *p);

bool presenter_running(const pw_presenter_t *p);

/* Stops the running presentation where it stands, publishing and saving
 * nothing more: another server took the ticks over and resumes it from
 * the progress saved last (server/live/leader.h). */
void presenter_abandon(pw_presenter_t *p);

/* Saves the current progress now (shutdown). */
void presenter_checkpoint(pw_presenter_t *p);

/* mode, quarter_seconds, running, round, games: [{game_id, next_play, plays, finished}] */
void presenter_status(const pw_presenter_t *p, struct cJSON *obj);

/*
 * What the arena shows now, for a viewer arriving mid-replay (NULL when no
 * presentation runs; caller owns): {round, quarter_seconds, games: [{
 * game_id, home_team_id, away_team_id, ...card, home_score, away_score,
 * quarter, clock (null: Elam; both null before the first play), started,
 * finished, plays_shown, plays, latest: [{n, quarter, clock, points,
 * home_score, away_score, narrative}] (at most max_plays, newest first)}]}.
 * Scores are those of the plays shown so far — the final score only once
 * the game finished.
 */
struct cJSON *presenter_arena_json(const pw_presenter_t *p, int max_plays);

/* The arena's view of one game of the presentation (as in
 * presenter_arena_json), or NULL when game_id is not being presented. */
struct cJSON *presenter_game_json(const pw_presenter_t *p, int64_t game_id, int max_plays);

/* Checkpoints, stops, frees in the timer's close callback. */
void presenter_close(pw_presenter_t *p);

/* Replay offset in ms of every play of a GameResult (exposed for tests):
 * fills out[i] for plays[i] (non-decreasing); returns the play count or -1. */
long presenter_play_offsets(const struct cJSON *game, int quarter_seconds, uint64_t *out, size_t cap);

#endif
