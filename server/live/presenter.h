/*
 * presenter.h — shows a tick's games to viewers.
 *
 * instant mode: each game's start and final score are published at once.
 * replay mode: each game's plays are spread over quarter_seconds of wall
 * time per quarter (a play's place in its quarter follows its game clock;
 * the untimed Elam period is spread evenly over one quarter's time), and
 * all games of a tick run side by side. Events (spec 40-server):
 *
 *   presentation.game_starting   {game_id, round, home_team_id, away_team_id, quarter_seconds}
 *   presentation.possession      {game_id, n, quarter, clock, offense_team_id, action, result,
 *                                 points, home_score, away_score, narrative}
 *   presentation.game_finished   {game_id, home_score, away_score, winner_team_id}
 *   presentation.round_finished  {round, game_ids}
 *
 * Progress is saved (ops.state_save, the league's bot_state table) after
 * every batch of events, so a restarted server resumes each game after its
 * last shown play: nothing shown twice beyond the batch in flight at a
 * crash, no game skipped.
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
} pw_presenter_ops_t;

typedef struct pw_presenter_config {
	pw_present_mode_t mode;
	int quarter_seconds; /* replay length of one quarter (default 300) */
	const pw_log_t *log;
} pw_presenter_config_t;

typedef struct pw_presenter pw_presenter_t;

int presenter_new(pw_presenter_t **out, uv_loop_t *loop, const pw_presenter_config_t *cfg,
		  const pw_presenter_ops_t *ops);

/*
 * Presents the games of one tick. quarter_seconds > 0 overrides the
 * configured replay length for this tick. Returns 0, -EBUSY while another
 * presentation runs, -ENOENT when a game cannot be loaded, -ENOMEM.
 */
int presenter_start(pw_presenter_t *p, int round, const int64_t *game_ids, size_t n,
		    int quarter_seconds);

/* Continues a presentation saved by a previous process, if any. Returns 1
 * when one was resumed, 0 when there was none, negative on error (the bad
 * state is then discarded). */
int presenter_resume(pw_presenter_t *p);

bool presenter_running(const pw_presenter_t *p);

/* Saves the current progress now (shutdown). */
void presenter_checkpoint(pw_presenter_t *p);

/* mode, quarter_seconds, running, round, games: [{game_id, next_play, plays, finished}] */
void presenter_status(const pw_presenter_t *p, struct cJSON *obj);

/* Checkpoints, stops, frees in the timer's close callback. */
void presenter_close(pw_presenter_t *p);

/* Replay offset in ms of every play of a GameResult (exposed for tests):
 * fills out[i] for plays[i] (non-decreasing); returns the play count or -1. */
long presenter_play_offsets(const struct cJSON *game, int quarter_seconds, uint64_t *out, size_t cap);

#endif
