/*
 * arena_mirror.h — the arena of a replay another instance presents.
 *
 * With several instances on one database (srv_bus.h, shared mode) one of
 * them presents a tick's replay (presenter.h); the others only see its
 * presentation.* events on the bus. A viewer arriving late on one of those
 * must still get the games as they stand (the arena page, /api's arena,
 * a game's live page), so each instance follows the other instances'
 * presentation events here and answers in the same shape as
 * presenter_arena_json / presenter_game_json:
 *
 *   presentation.game_starting   a game appears (its card, plays, teams)
 *   presentation.possession      its score, clock and latest plays move
 *                                (a game first seen here — this instance
 *                                started mid-replay — appears with it)
 *   presentation.game_finished   its final score, finished
 *   presentation.round_finished  the replay is over: nothing to mirror
 *
 * A game_starting of another round starts that round afresh. Events are
 * trusted as the bus's (the presenter wrote them) but read defensively:
 * a field missing or of the wrong type is 0 / null, never a crash.
 * Loop thread only.
 */
#ifndef PW_ARENA_MIRROR_H
#define PW_ARENA_MIRROR_H

#include <stdbool.h>
#include <stdint.h>

struct cJSON;

/* The latest plays kept per game (what a late viewer is shown). */
#define ARENA_MIRROR_PLAYS 20
/* Games of one round it follows (a tick has far fewer). */
#define ARENA_MIRROR_GAMES 64

typedef struct pw_arena_mirror pw_arena_mirror_t;

/* NULL on OOM. */
pw_arena_mirror_t *arena_mirror_new(void);
void arena_mirror_free(pw_arena_mirror_t *m);

/* Follows one bus event; any other type is ignored. */
void arena_mirror_follow(pw_arena_mirror_t *m, const char *type, const char *json);

/* As presenter_arena_json: {round, quarter_seconds, games: [...]}, or NULL
 * when no replay is being followed. Caller owns. */
struct cJSON *arena_mirror_arena_json(const pw_arena_mirror_t *m, int max_plays);
/* Whether another instance's replay is under way here (NULL: false). */
bool arena_mirror_live(const pw_arena_mirror_t *m);
/* Ends the replay followed, whose presenter is gone without its last event
 * (round_finished) reaching the bus: what that event would have said,
 * {round, game_ids}, for the caller to publish (caller owns), or NULL when
 * no replay was being followed. The mirror is then as after that event. */
struct cJSON *arena_mirror_end(pw_arena_mirror_t *m);
/* As presenter_game_json: one game, or NULL. Caller owns. */
struct cJSON *arena_mirror_game_json(const pw_arena_mirror_t *m, int64_t game_id, int max_plays);

#endif
