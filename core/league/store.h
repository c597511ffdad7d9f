/*
 * store.h — the store: the append-only event log and the tables around it
 * (spec 30-league-governance, "Event store" and "Other tables").
 *
 * This module owns every line of SQL in the program. Everything else talks
 * to the database through these functions, which use cached prepared
 * statements with bound parameters only. Two backends stand behind them,
 * chosen by what store_open is given: a path is a SQLite database
 * (store_sqlite.c), a postgres:// or postgresql:// URL a PostgreSQL one
 * (store_pg.c; docs/POSTGRES.md says how far it is). Nothing above the
 * store knows which one runs.
 *
 * One pw_store_t is one connection and is used by one thread at a time;
 * threads and processes each open their own. Writers wrap their work in
 * store_begin()/store_commit(), which makes them the only writer until
 * they commit (SQLite's BEGIN IMMEDIATE; on PostgreSQL an advisory lock
 * held to the end of the transaction), so a writer waits for the lock up
 * front instead of failing half-way; transactions are kept short so that
 * with a wait of 15 s (SQLite: WAL and a busy wait retrying every 200 µs at
 * first; PostgreSQL: lock_timeout) nobody sees "database is locked".
 *
 * Errors: functions return 0 (or a row count / id >= 0) on success and a
 * negative value on failure; store_errmsg() then says what went wrong.
 */
#ifndef PW_STORE_H
#define PW_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/league/events.h"
#include "core/sim/sim.h"
#include "core/sim/teams.h"

struct cJSON;

typedef struct pw_store pw_store_t;

/* Highest schema version this build knows. */
int store_latest_version(void);

/*
 * Opens (creating if needed) the database at path (":memory:" works) with
 * WAL, synchronous=NORMAL, a 15 s busy wait and foreign keys on, and
 * applies every pending migration. A postgres:// URL opens PostgreSQL
 * instead — refused, naming what is missing, while that backend is not
 * whole (docs/POSTGRES.md). Returns NULL with err filled on failure.
 * Close with store_close().
 */
pw_store_t *store_open(const char *path, char *err, size_t errlen);
/* Whether a database setting names a local file (a SQLite path), whose
 * folder the caller may have to make; false for a server's URL. */
bool store_names_file(const char *db);
/* The database setting as it may be printed or logged: a URL loses its
 * password (user:***@, password=***). Into out (len bytes); returns out. */
const char *store_printable(const char *db, char *out, size_t len);
/* Same, without applying migrations (for `pinwheel migrate` to report). */
pw_store_t *store_open_raw(const char *path, char *err, size_t errlen);
void store_close(pw_store_t *s);
/* True when the database answers a query and its path still names the file
 * the store opened (a deleted or replaced file counts as unreachable: what
 * would be written to it is lost). For /health. */
bool store_ping(pw_store_t *s);

/* Applies pending migrations; *applied (may be NULL) gets how many. */
int store_migrate(pw_store_t *s, int *applied);
/* The schema version in the database (0 when empty). */
int store_schema_version(pw_store_t *s);

const char *store_errmsg(const pw_store_t *s);

/* Begin (as the only writer), commit, roll back. Transactions do not
 * nest. On PostgreSQL a statement that fails inside a transaction ends it:
 * store_commit then fails and nothing of the transaction is kept. */
int store_begin(pw_store_t *s);
int store_commit(pw_store_t *s);
void store_rollback(pw_store_t *s);

/* Online backup of the whole database to a new file (sqlite3 backup API).
 * PostgreSQL refuses it, pointing to pg_dump. */
int store_backup(pw_store_t *s, const char *out_path);

/*
 * The database's housekeeping after commits — on SQLite, copying the
 * write-ahead log back into the database file (a checkpoint, which syncs
 * both files to disk: milliseconds). SQLite does it in whichever
 * connection's commit finds the log past 1,000 pages, so a vote committed
 * on the server's loop could wait for it, and every request with it; so
 * could a round's stage (8–20 ms added to a round of 3). Who does it on s:
 *   STORE_HOUSEKEEPING_ELSEWHERE  the other connections (s is the loop's)
 *   STORE_HOUSEKEEPING_ON_ASK     s, when store_housekeeping(s) is called
 *                                 (the tick's thread once a round is over)
 * Either way s still checkpoints past 10,000 pages, a safety net should
 * nobody else do it. PostgreSQL keeps house itself: nothing to do there.
 * 0, or -1 with store_errmsg.
 */
typedef enum { STORE_HOUSEKEEPING_ELSEWHERE, STORE_HOUSEKEEPING_ON_ASK } store_housekeeping_t;
int store_housekeeping_mode(pw_store_t *s, store_housekeeping_t mode);
/* What STORE_HOUSEKEEPING_ON_ASK left to be asked for: a passive
 * checkpoint when the log has passed 1,000 pages (SQLite's own threshold)
 * since the last. 1 when it ran, 0 when there was nothing to do or another
 * connection was checkpointing (asked again next time), -1 with
 * store_errmsg. */
int store_housekeeping(pw_store_t *s);

/* ---- events ---------------------------------------------------------- */

typedef struct pw_event {
	int64_t id;
	int64_t seq;              /* strictly increasing, assigned on append */
	const char *type;         /* the wire name, "proposal.submitted", ... (events.h) */
	const char *agg_type;     /* "proposal", "governor", "season", ... */
	const char *agg_id;       /* "12" */
	int64_t season_id;        /* 0: none */
	int64_t governor_id;      /* 0: none */
	int64_t team_id;          /* 0: none */
	int round;
	const char *payload;      /* JSON text */
	const char *created_at;
} pw_event_t;

/*
 * Appends one event of type (events.h): the row's wire name and aggregate
 * type are stored, and payload (NULL: {}) must match the row, or nothing is
 * written. payload is printed (not consumed). The sequence number is max+1
 * inside the caller's transaction (call within store_begin). Returns the new
 * sequence number (> 0) or a negative error (store_errmsg names the field of
 * a payload that does not match).
 */
int64_t store_event_append(pw_store_t *s, pw_event_type_t type, const char *agg_id,
			   int64_t season_id, int64_t governor_id, int64_t team_id, int round,
			   const struct cJSON *payload);

/* Calls cb for every event with seq > after_seq in order; cb returning
 * non-zero stops the walk and is returned. Strings are valid during cb. */
typedef int (*pw_event_cb)(void *ud, const pw_event_t *ev);
int store_events_since(pw_store_t *s, int64_t after_seq, pw_event_cb cb, void *ud);
int64_t store_events_count(pw_store_t *s);
/* The payload of the latest event of type stored with season_id: 1 with
 * *payload malloc'd (caller frees), 0 when there is none, -1 on failure. */
int store_event_latest(pw_store_t *s, pw_event_type_t type, int64_t season_id, char **payload);

/* ---- leagues, seasons ----------------------------------------------- */

typedef struct pw_season_row {
	int64_t id;
	int64_t league_id;
	int number;
	char name[64];
	char phase[24];
	int current_round;       /* last completed tick, 0 before the first */
	uint64_t seed;
	int64_t phase_started;   /* unix seconds the phase began */
} pw_season_row_t;

/* Returns the league id (>0) or negative. */
int64_t store_league_insert(pw_store_t *s, const char *name, uint64_t seed);
/* The first league's id and seed; 0 when there is none. */
int64_t store_league_first(pw_store_t *s, uint64_t *seed);

int64_t store_season_insert(pw_store_t *s, int64_t league_id, int number, const char *name,
			    uint64_t seed, const char *rules_json, int64_t now);
/* 1 found, 0 not found, negative error. */
int store_season_get(pw_store_t *s, int64_t season_id, pw_season_row_t *out);
/* The season with the highest number of the league. */
int store_season_current(pw_store_t *s, int64_t league_id, pw_season_row_t *out);
int store_season_set_phase(pw_store_t *s, int64_t season_id, const char *phase, int64_t now);
int store_season_set_round(pw_store_t *s, int64_t season_id, int round);
/* All seasons of a league as a JSON array; caller owns it. */
struct cJSON *store_seasons_json(pw_store_t *s, int64_t league_id);

/* ---- teams and hoopers ----------------------------------------------- */

/* Stores a team (its JSON as core/league/roster.h writes it) and its hoopers. The
 * team's id and hooper ids are kept. */
int store_team_insert(pw_store_t *s, int64_t league_id, const struct cJSON *team);
/* Every team of the league with its hoopers (ordered by slot), as roster JSON. */
struct cJSON *store_teams_json(pw_store_t *s, int64_t league_id);
/* A team as lists of a season name it. */
typedef struct pw_team_name {
	int64_t id;
	char name[PW_NAME_MAX];
} pw_team_name_t;
/* The teams of a season — those of its regular schedule, or every team of
 * its league before it has one; with whole_league every team of its league
 * — lowest id first, without reading their rosters (season_teams_json
 * parses every team and hooper). Up to max; returns the count, or -1. */
int store_season_team_names(pw_store_t *s, int64_t season_id, bool whole_league, pw_team_name_t *out,
			    int max);
int store_team_set_strategy(pw_store_t *s, int64_t team_id, const struct cJSON *strategy,
			    const char *text);
/* Moves a hooper to a team and roster slot. */
int store_hooper_move(pw_store_t *s, int64_t hooper_id, int64_t team_id, int slot);
/* 1 and *team_id, *slot filled when found, 0 when not, -1 on failure. */
int store_hooper_team(pw_store_t *s, int64_t hooper_id, int64_t *team_id, int *slot);
/* Replaces a hooper's bio (the "backstory" of its stored JSON). */
int store_hooper_set_bio(pw_store_t *s, int64_t hooper_id, const char *text);
int store_team_exists(pw_store_t *s, int64_t team_id);

/* ---- meta (effect metadata on entities) ------------------------------ */

/* kind: "team", "hooper", "game", "season". Returns malloc'd JSON text or
 * NULL when the entity has none/does not exist. */
char *store_meta_get(pw_store_t *s, const char *kind, int64_t id);
int store_meta_set(pw_store_t *s, const char *kind, int64_t id, const char *json);

/* ---- players (governors) --------------------------------------------- */

int64_t store_player_insert(pw_store_t *s, const char *name, int64_t team_id,
			    const char *token_hash, int64_t now);
/* Governor id for a token hash, 0 when none, -1 on failure. */
int64_t store_player_by_token_hash(pw_store_t *s, const char *token_hash);

/* Replaces a governor's bearer token (its hash); 1 changed, 0 no such
 * governor, -1 on failure. */
int store_player_set_token_hash(pw_store_t *s, int64_t governor_id, const char *token_hash);

/* ---- identities, sessions, invites (core/league/identity.h) ---------- */

/* Identity id of (provider, subject): > 0, 0 when there is none, -1. */
int64_t store_identity_find(pw_store_t *s, const char *provider, const char *subject);
/* A new identity's id, or -1 (a (provider, subject) already there fails). */
int64_t store_identity_insert(pw_store_t *s, const char *provider, const char *subject,
			      const char *display_name, int64_t now);
/* 1 with provider and display name copied (truncated to their sizes), 0
 * when there is no such identity, -1. */
int store_identity_get(pw_store_t *s, int64_t id, char *provider, size_t plen, char *name,
		       size_t nlen);
/* Records that identity_id governs as governor_id in season_id (invite_id
 * 0: joined without an invite). A second governor for the same identity
 * and season, or a governor linked twice, fails. */
int store_identity_link(pw_store_t *s, int64_t identity_id, int64_t season_id, int64_t governor_id,
			int64_t invite_id, int64_t now);
/* The governors of an identity, the latest season first, into gids (up to
 * max). Returns how many, or -1. */
int store_identity_governors(pw_store_t *s, int64_t identity_id, int64_t *gids, int max);
/* The identity of a governor: > 0, 0 when none is linked, -1. */
int64_t store_governor_identity(pw_store_t *s, int64_t governor_id);

typedef struct pw_session_row {
	char csrf[65];
	int64_t identity_id;  /* 0: nobody signed in */
	bool admin;
	int64_t created_at, expires_at; /* unix seconds */
} pw_session_row_t;

int store_session_insert(pw_store_t *s, const char *id_hash, const char *csrf, int64_t identity_id,
			 bool admin, int64_t now, int64_t expires_at);
/* 1 found (expired or not: the caller compares expires_at), 0 none, -1. */
int store_session_get(pw_store_t *s, const char *id_hash, pw_session_row_t *out);
/* 0 (whether or not it existed) or -1. */
int store_session_delete(pw_store_t *s, const char *id_hash);
/* Deletes every session that expired at or before now; how many, or -1. */
int store_sessions_purge(pw_store_t *s, int64_t now);

typedef struct pw_invite_row {
	int64_t id, team_id;
	int max_uses, uses;
	int64_t expires_at, created_at; /* unix seconds */
	bool revoked;
	char note[204];
} pw_invite_row_t;

/* A new invite's id, or -1. */
int64_t store_invite_insert(pw_store_t *s, const char *code_hash, int64_t team_id, int max_uses,
			    int64_t expires_at, const char *note, int64_t now);
/* 1 found, 0 none, -1. */
int store_invite_by_hash(pw_store_t *s, const char *code_hash, pw_invite_row_t *out);
int store_invite_get(pw_store_t *s, int64_t id, pw_invite_row_t *out);
/* One more use of the invite; 0 or -1. */
int store_invite_use(pw_store_t *s, int64_t id);
/* 1 revoked, 0 no such invite, -1. */
int store_invite_revoke(pw_store_t *s, int64_t id);
/* Every invite, the newest first: [{id, team_id, max_uses, uses,
 * expires_at, created_at, revoked, note, governors: [ids joined with it]}].
 * Never the code. Caller owns; NULL on failure. */
struct cJSON *store_invites_json(pw_store_t *s);

/* ---- schedule --------------------------------------------------------- */

typedef struct pw_schedule_row {
	int round;
	int game_index;
	int64_t home_team_id, away_team_id;
	char stage[12];     /* "regular" | "playoff" */
	char series[12];    /* "" | "SF1" | "F" ... */
	int series_game;    /* 1.. within the series */
} pw_schedule_row_t;

int store_schedule_insert(pw_store_t *s, int64_t season_id, const pw_schedule_row_t *r);
/* Rows of a round in game order into out (up to max); returns the count,
 * or -1 when the schedule cannot be read. */
int store_schedule_round(pw_store_t *s, int64_t season_id, int round, pw_schedule_row_t *out, int max);
int store_schedule_max_round(pw_store_t *s, int64_t season_id, const char *stage);
/* The teams of a season's regular schedule, lowest id first, into ids (up
 * to max; more is an error). Returns the count or -1. */
int store_season_team_ids(pw_store_t *s, int64_t season_id, int64_t *ids, int max);
struct cJSON *store_schedule_json(pw_store_t *s, int64_t season_id);

/* ---- games ------------------------------------------------------------ */

typedef struct pw_game_row {
	int64_t id;
	int64_t season_id;
	int round;
	int game_index;
	char stage[12];
	char series[12];
	int series_game;
	int64_t home_team_id, away_team_id;
	int home_score, away_score;
	int64_t winner_team_id;
	uint64_t seed;
	char hash[65];
	/* Not shown to viewers yet: stored so by a tick whose games a presenter
	 * replays (pw_round_cfg_t.hold_results), until store_game_set_presented.
	 * Zero (the default of a new row) means viewers may see it at once. */
	bool unpresented;
	/* Stored without its result text: the GameResult is simulated again
	 * from the row's inputs when read (migration 4, core/league/game_text.h). */
	bool derived;
} pw_game_row_t;

/*
 * Stores a game with its snapshots: rules, effect ids (JSON array), home and
 * away teams (roster JSON), and the full result JSON — none (NULL or
 * ignored) when g->derived, whose result is simulated again when read.
 * UNIQUE(season, round, game_index) makes a second insert of the same game
 * a no-op returning the existing id. Returns the game id.
 */
int64_t store_game_insert(pw_store_t *s, const pw_game_row_t *g, const char *rules_json,
			  const char *effects_json, const char *home_json, const char *away_json,
			  const char *result_json);
/* A stored game's box score lines, boxes[0..n) with n at most
 * STORE_BOXES_MAX (minutes kept to the tenth the GameResult shows); a line
 * whose hooper_id is 0 (an empty roster slot) is skipped, a line stored
 * before is kept. One statement on PostgreSQL, where each statement is a
 * round trip. */
#define STORE_BOXES_MAX (2 * PW_ROSTER_SIZE) /* a game's: both rosters */
int store_boxes_insert(pw_store_t *s, int64_t game_id, const pw_box_t *boxes, int n);
/* Games of a season (round 0 = all) in (round, index) order; *n set. Caller frees. */
pw_game_row_t *store_games(pw_store_t *s, int64_t season_id, int round, int *n);
int store_game_count(pw_store_t *s, int64_t season_id);
/* The last round of a season with a stored game (an offseason round has
 * none); 0 before the first, negative on failure. */
int store_games_last_round(pw_store_t *s, int64_t season_id);
/* 1 when the game (season, round, index) is stored, 0 when not, -1 on failure. */
int store_game_exists(pw_store_t *s, int64_t season_id, int round, int game_index);
/* Snapshot columns of one game; malloc'd strings the caller frees. 1 found,
 * 0 none, -1 on failure. */
int store_game_snapshots(pw_store_t *s, int64_t game_id, char **rules, char **effects,
			 char **home, char **away, char **result);
/* Every game id in the database, in order. Caller frees. */
int64_t *store_all_game_ids(pw_store_t *s, int *n);
/* One game row: 1 found, 0 none, -1 on failure. */
int store_game_get(pw_store_t *s, int64_t game_id, pw_game_row_t *out);
/* Box score rows of a season (regular + playoffs) as a JSON array. */
struct cJSON *store_season_box_json(pw_store_t *s, int64_t season_id);

/* ---- what viewers may see (no spoilers, spec 40-server "Pages") ----------
 *
 * A game being replayed must not show its final score, or move standings,
 * records, stats, the bracket or reports, anywhere the public looks, until
 * its replay ends. The tick stores such games unpresented; the presenter
 * marks each presented when its replay ends (at once in instant mode), and
 * the mark is in the database, so a restart keeps it. Public reads go
 * through a viewers' connection that sees only what was presented. */

/* Marks a game presented (viewers may see it). 0, or -1 on failure. */
int store_game_set_presented(pw_store_t *s, int64_t game_id);
/* The unpresented games (every season), in (season, round, index) order,
 * as malloc'd rows (caller frees; NULL with *n 0 when there are none or on
 * failure, which store_errmsg then names). */
pw_game_row_t *store_games_unpresented(pw_store_t *s, int *n);

/*
 * Opens the viewers' connection to an existing, migrated database: a
 * read-only connection on which the league looks as the public may see it.
 * For it, a game not yet presented does not exist, and neither does what
 * its tick wrote about it: its box scores, the reports of its round and
 * later ones, the events of its round (a bracket drawn from its results,
 * a champion), the season's archive; the season's round is the last one
 * fully presented and its phase the one those games are played in
 * ("active" during a regular round, "playoffs" during a playoff round).
 * Every read function of this header works on it unchanged (the filtering
 * is done by temporary views of the same names over the real tables);
 * writes fail. Returns NULL with err filled on failure.
 */
pw_store_t *store_open_viewer(const char *path, char *err, size_t errlen);

/* ---- round progress (the runner's crash-recovery record) --------------- */

/* 1 found (stage and snapshot filled; *snapshot malloc'd), 0 none, -1 on
 * failure. */
int store_progress_get(pw_store_t *s, int64_t season_id, int round, int *stage, char **snapshot);
int store_progress_set(pw_store_t *s, int64_t season_id, int round, int stage,
		       const char *snapshot);

/* ---- bot_state (key-value) --------------------------------------------- */

/* malloc'd value or NULL. */
char *store_kv_get(pw_store_t *s, const char *key);
int store_kv_set(pw_store_t *s, const char *key, const char *value);
int store_kv_delete(pw_store_t *s, const char *key);

/*
 * Claims key once in the whole league, across every connection and every
 * server on the database, and across restarts: 1 when key was not claimed
 * in the keep_s seconds before now (it is now), 0 when it was, -1 on
 * error. For what must happen once however many servers see it (a Discord
 * interaction answered). Claims older than keep_s are forgotten on the
 * way. Kept in bot_state under "once." + key.
 */
int store_once(pw_store_t *s, const char *key, int64_t now, int64_t keep_s);

/* ---- the tick lock -------------------------------------------------------
 *
 * One round runner at a time across every process on the database. A
 * holder is a name unique to its process (two processes must never share
 * one: the name is what fencing compares). The lock carries a lease of
 * lease_s seconds, renewed while held, recorded in bot_state under
 * STORE_TICK_LOCK_KEY as {holder, pid, expires} (the database's clock on
 * PostgreSQL, so every instance reads the same time).
 *
 * SQLite (one machine): the row alone is the lock; it is free when absent,
 * when its lease has expired or when the process that holds it is gone
 * (its pid is not running here, or runs a process started since).
 * PostgreSQL: a session-level advisory lock on a connection of the
 * store's own, opened by take and closed by release, so a process that
 * dies (even by kill -9) loses the lock with its session at once; the
 * lease row names the holder and its backend's pid. A holder whose lease
 * expired while its session stays (hung, or cut off) is taken over: the
 * taker ends that backend (pg_terminate_backend, only the pid the expired
 * lease names, only while it is the lock's holder) and takes the lock.
 * A holder whose name is the taker's own (a previous run of the same
 * runner that crashed) is taken over at once.
 *
 * Fencing: a stage of a round checks store_tick_lock_holder inside its own
 * transaction (which holds the writers' lock, as every takeover's write of
 * the lease does), so a holder taken over cannot commit anything after.
 */
#define STORE_TICK_LOCK_KEY "tick_round_lock"
#define STORE_TICK_LEASE_DEFAULT 30 /* seconds */

/* 1: taken (or already held by holder: its lease renewed); 0: held by
 * another (its name into who, may be NULL); -1 on failure. Outside a
 * transaction. */
int store_tick_lock_take(pw_store_t *s, const char *holder, int lease_s, char *who, size_t wholen);
/* Extends holder's lease to lease_s from now. 1: renewed; 0: holder does
 * not hold the lock any more (taken over, or its connection lost: the lock
 * is then released here); -1 on failure. Outside a transaction. */
int store_tick_lock_renew(pw_store_t *s, const char *holder, int lease_s);
/* Releases holder's lock and removes its lease (another holder's lease is
 * left alone). 0, or -1 on failure (the lock is let go all the same).
 * Outside a transaction. */
int store_tick_lock_release(pw_store_t *s, const char *holder);
/* Who holds the lease now: 1 with its name into holder (may be NULL) and
 * the seconds until it expires into *expires_in (may be NULL; <= 0: expired);
 * 0 when nobody holds it; -1 on failure. Inside or outside a transaction. */
int store_tick_lock_holder(pw_store_t *s, char *holder, size_t cap, int64_t *expires_in);

/* ---- reports, evals, archives, ai usage -------------------------------- */

/* kind: simulation, governance, private, commentary. governor_id/game_id 0
 * when not applicable. A second insert of the same key is ignored. */
int64_t store_report_insert(pw_store_t *s, int64_t season_id, int round, const char *kind,
			    int64_t governor_id, int64_t game_id, const char *text);
/* Reports of a round (round < 0: the latest round with reports) as JSON:
 * [{id, round, kind, governor_id?, game_id?, text, created_at, written_by
 * ("offline" or "ai"), model?}]. */
struct cJSON *store_reports_json(pw_store_t *s, int64_t season_id, int round,
				 int64_t governor_id, bool private_only);
int store_eval_insert(pw_store_t *s, int64_t season_id, int round, int64_t report_id,
		      const char *kind, double value);
/* The evals of the last `rounds` rounds of a season with evals, summed per
 * round and kind: [{round, kind, value, reports}], latest first. Caller
 * owns; NULL on error. */
struct cJSON *store_evals_json(pw_store_t *s, int64_t season_id, int rounds);
/* The AI's version of report report_id (its first is kept): readers of
 * store_reports_json get it as the text, with written_by "ai" and model.
 * 0 or -1. */
int store_report_ai_set(pw_store_t *s, int64_t report_id, const char *text, const char *model);
int store_eval_sum(pw_store_t *s, const char *kind, double *sum, int *count);
int store_archive_insert(pw_store_t *s, int64_t season_id, const char *json);
char *store_archive_get(pw_store_t *s, int64_t season_id);
/* One AI call (server/ai/): outcome is "ok" or why it failed. */
int store_ai_usage_insert(pw_store_t *s, const char *model, const char *call_type, int in_tok,
			  int out_tok, int cache_tok, double latency_ms, double cost_usd,
			  const char *outcome);
/* AI usage summed per model and call type: [{model, call_type, calls,
 * input_tokens, output_tokens, cache_read_tokens, cost_usd,
 * avg_latency_ms, failed}]; caller owns it, NULL on error. */
struct cJSON *store_ai_usage_json(pw_store_t *s);
/* The same summed per UTC day and call type, the latest days first (at
 * most days of them): [{day, call_type, calls, failed, input_tokens,
 * output_tokens, cost_usd}]. Caller owns it, NULL on error. */
struct cJSON *store_ai_usage_daily_json(pw_store_t *s, int days);
/* The estimated cost of the AI calls of UTC day ("YYYY-MM-DD") into *usd;
 * 0 or -1. */
int store_ai_cost_on(pw_store_t *s, const char *day, double *usd);

/* ---- the live-event log: the bus across instances (migration 7) ---------
 *
 * Several `pinwheel serve` processes on one shared database (PostgreSQL)
 * each stream every bus event, in one order, under one id: an event is
 * appended here, every instance is told (store_live_wait) and reads what
 * is new (store_live_since). Ids are global and increase; a reader that
 * has seen id N never later finds a row below N it had not seen (appends
 * commit in id order). A store shared by one process (SQLite) keeps the
 * bus in process and does not write here.
 */

/* Whether the store is meant to be shared by several processes (every
 * instance then relays its bus through the live-event log). */
bool store_is_shared(pw_store_t *s);

typedef struct pw_live_event {
	int64_t id;
	const char *type;   /* valid during the callback */
	const char *json;
	const char *origin; /* the publishing instance ("" when unnamed) */
} pw_live_event_t;
/* Returns 0 to go on, non-zero to stop the walk (returned as is). */
typedef int (*pw_live_cb)(void *ud, const pw_live_event_t *e);

/* Longest type and origin store_live_append takes. */
#define STORE_LIVE_TYPE_MAX 47
#define STORE_LIVE_ORIGIN_MAX 63

/* Appends an event (type: 1..STORE_LIVE_TYPE_MAX characters, json: not
 * empty; origin may be NULL) and tells the listeners (the shared backend
 * notifies in the same transaction, with the id only). Not inside a
 * transaction of the caller's. Returns the event's id (> 0) or -1. */
int64_t store_live_append(pw_store_t *s, const char *type, const char *json, const char *origin);
/* Calls cb for the events with id > after_id, in id order, at most limit
 * (1..10000) of them. Returns how many were read, the callback's non-zero
 * value, or -1. */
int store_live_since(pw_store_t *s, int64_t after_id, int limit, pw_live_cb cb, void *ud);
/* The newest id (0 when the log is empty) or -1. */
int64_t store_live_latest(pw_store_t *s);
/* Forgets events older than the newest `keep` ids (keep >= 1): those with
 * id <= newest - keep. Idempotent; any instance may run it. Returns the
 * rows removed or -1. */
int store_live_prune(pw_store_t *s, int64_t keep);
/* Makes this connection a listener: store_live_wait then wakes when any
 * connection appends. Dedicate a connection to it. 0, or -1 (and always
 * on a store that is not shared). */
int store_live_listen(pw_store_t *s);
/* Waits up to timeout_ms for appends announced to a listener; consumes
 * every announcement waiting. 1: something was appended, 0: timed out,
 * -1: the connection is lost (reopen it, listen again, then read after
 * the last id seen: nothing is lost). */
int store_live_wait(pw_store_t *s, int timeout_ms);

#endif
