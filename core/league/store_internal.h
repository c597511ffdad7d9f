/*
 * store_internal.h — shared between the store's own files (and its tests)
 * only: the backends behind store.h and how store.c dispatches to them.
 *
 * Two backends implement store.h: SQLite (store_sqlite.c) and PostgreSQL
 * (store_pg.c). store.c picks one when a store is opened — a postgres:// or
 * postgresql:// URL means PostgreSQL, anything else a SQLite path — and
 * every public function then calls through the store's table of
 * operations (struct store_ops). Why a table rather than a kind field
 * switched in each function: each backend stays one file that names only
 * its own functions, the public functions are generated once from
 * PW_STORE_OPS below instead of ~80 hand-written switches, and a backend
 * still being written simply leaves entries NULL — store.c turns a NULL
 * into a clear error naming the function, and store_ops_missing lists them,
 * so an incomplete backend can be refused whole at open.
 */
#ifndef PW_STORE_INTERNAL_H
#define PW_STORE_INTERNAL_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/league/store.h"
#include "core/league/store_discord.h"

struct cJSON;
struct pg_conn; /* libpq's PGconn: only store_pg*.c include <libpq-fe.h> */

/* A box score line's seconds as both backends store them: the result's
 * minutes to one decimal, in seconds. */
static inline double store_box_seconds(const pw_box_t *b)
{
	return (double)(long)(b->seconds / 6.0 + 0.5) / 10.0 * 60.0;
}

extern const char *const store_migrations[];
extern const int store_migrations_count;

/*
 * Every function of store.h that works on an open store, as
 * X(return type, name without "store_", (parameters), (arguments), the
 * value returned when the backend lacks it). The first parameter is always
 * s. Opening, closing, store_ping, store_rollback and store_errmsg are not
 * here: store.c writes those by hand (they take no store, return nothing
 * or must accept NULL).
 */
#define PW_STORE_OPS(X) \
	X(int, migrate, (pw_store_t *s, int *applied), (s, applied), -1) \
	X(int, schema_version, (pw_store_t *s), (s), -1) \
	X(int, begin, (pw_store_t *s), (s), -1) \
	X(int, commit, (pw_store_t *s), (s), -1) \
	X(int, backup, (pw_store_t *s, const char *out_path), (s, out_path), -1) \
	X(int, housekeeping_mode, (pw_store_t *s, store_housekeeping_t mode), (s, mode), -1) \
	X(int, housekeeping, (pw_store_t *s), (s), -1) \
	X(int64_t, event_append, (pw_store_t *s, pw_event_type_t type, const char *agg_id, int64_t season_id, int64_t governor_id, int64_t team_id, int round, const struct cJSON *payload), (s, type, agg_id, season_id, governor_id, team_id, round, payload), -1) \
	X(int, events_since, (pw_store_t *s, int64_t after_seq, pw_event_cb cb, void *ud), (s, after_seq, cb, ud), -1) \
	X(int64_t, events_count, (pw_store_t *s), (s), -1) \
	X(int, event_latest, (pw_store_t *s, pw_event_type_t type, int64_t season_id, char **payload), (s, type, season_id, payload), (*payload = NULL, -1)) \
	X(int64_t, league_insert, (pw_store_t *s, const char *name, uint64_t seed), (s, name, seed), -1) \
	X(int64_t, league_first, (pw_store_t *s, uint64_t *seed), (s, seed), -1) \
	X(int64_t, season_insert, (pw_store_t *s, int64_t league_id, int number, const char *name, uint64_t seed, const char *rules_json, int64_t now), (s, league_id, number, name, seed, rules_json, now), -1) \
	X(int, season_get, (pw_store_t *s, int64_t season_id, pw_season_row_t *out), (s, season_id, out), -1) \
	X(int, season_current, (pw_store_t *s, int64_t league_id, pw_season_row_t *out), (s, league_id, out), -1) \
	X(int, season_set_phase, (pw_store_t *s, int64_t season_id, const char *phase, int64_t now), (s, season_id, phase, now), -1) \
	X(int, season_set_round, (pw_store_t *s, int64_t season_id, int round), (s, season_id, round), -1) \
	X(struct cJSON *, seasons_json, (pw_store_t *s, int64_t league_id), (s, league_id), NULL) \
	X(int, team_insert, (pw_store_t *s, int64_t league_id, const struct cJSON *team), (s, league_id, team), -1) \
	X(struct cJSON *, teams_json, (pw_store_t *s, int64_t league_id), (s, league_id), NULL) \
	X(int, season_team_names, (pw_store_t *s, int64_t season_id, bool whole_league, pw_team_name_t *out, int max), (s, season_id, whole_league, out, max), -1) \
	X(int, team_set_strategy, (pw_store_t *s, int64_t team_id, const struct cJSON *strategy, const char *text), (s, team_id, strategy, text), -1) \
	X(int, hooper_move, (pw_store_t *s, int64_t hooper_id, int64_t team_id, int slot), (s, hooper_id, team_id, slot), -1) \
	X(int, hooper_team, (pw_store_t *s, int64_t hooper_id, int64_t *team_id, int *slot), (s, hooper_id, team_id, slot), -1) \
	X(int, hooper_set_bio, (pw_store_t *s, int64_t hooper_id, const char *text), (s, hooper_id, text), -1) \
	X(int, team_exists, (pw_store_t *s, int64_t team_id), (s, team_id), -1) \
	X(char *, meta_get, (pw_store_t *s, const char *kind, int64_t id), (s, kind, id), NULL) \
	X(int, meta_set, (pw_store_t *s, const char *kind, int64_t id, const char *json), (s, kind, id, json), -1) \
	X(int64_t, player_insert, (pw_store_t *s, const char *name, int64_t team_id, const char *token_hash, int64_t now), (s, name, team_id, token_hash, now), -1) \
	X(int64_t, player_by_token_hash, (pw_store_t *s, const char *token_hash), (s, token_hash), -1) \
	X(int, player_set_token_hash, (pw_store_t *s, int64_t governor_id, const char *token_hash), (s, governor_id, token_hash), -1) \
	X(int64_t, identity_find, (pw_store_t *s, const char *provider, const char *subject), (s, provider, subject), -1) \
	X(int64_t, identity_insert, (pw_store_t *s, const char *provider, const char *subject, const char *display_name, int64_t now), (s, provider, subject, display_name, now), -1) \
	X(int, identity_get, (pw_store_t *s, int64_t id, char *provider, size_t plen, char *name, size_t nlen), (s, id, provider, plen, name, nlen), -1) \
	X(int, identity_link, (pw_store_t *s, int64_t identity_id, int64_t season_id, int64_t governor_id, int64_t invite_id, int64_t now), (s, identity_id, season_id, governor_id, invite_id, now), -1) \
	X(int, identity_governors, (pw_store_t *s, int64_t identity_id, int64_t *gids, int max), (s, identity_id, gids, max), -1) \
	X(int64_t, governor_identity, (pw_store_t *s, int64_t governor_id), (s, governor_id), -1) \
	X(int, session_insert, (pw_store_t *s, const char *id_hash, const char *csrf, int64_t identity_id, bool admin, int64_t now, int64_t expires_at), (s, id_hash, csrf, identity_id, admin, now, expires_at), -1) \
	X(int, session_get, (pw_store_t *s, const char *id_hash, pw_session_row_t *out), (s, id_hash, out), -1) \
	X(int, session_delete, (pw_store_t *s, const char *id_hash), (s, id_hash), -1) \
	X(int, sessions_purge, (pw_store_t *s, int64_t now), (s, now), -1) \
	X(int64_t, invite_insert, (pw_store_t *s, const char *code_hash, int64_t team_id, int max_uses, int64_t expires_at, const char *note, int64_t now), (s, code_hash, team_id, max_uses, expires_at, note, now), -1) \
	X(int, invite_by_hash, (pw_store_t *s, const char *code_hash, pw_invite_row_t *out), (s, code_hash, out), -1) \
	X(int, invite_get, (pw_store_t *s, int64_t id, pw_invite_row_t *out), (s, id, out), -1) \
	X(int, invite_use, (pw_store_t *s, int64_t id), (s, id), -1) \
	X(int, invite_revoke, (pw_store_t *s, int64_t id), (s, id), -1) \
	X(struct cJSON *, invites_json, (pw_store_t *s), (s), NULL) \
	X(int, schedule_insert, (pw_store_t *s, int64_t season_id, const pw_schedule_row_t *r), (s, season_id, r), -1) \
	X(int, schedule_round, (pw_store_t *s, int64_t season_id, int round, pw_schedule_row_t *out, int max), (s, season_id, round, out, max), -1) \
	X(int, schedule_max_round, (pw_store_t *s, int64_t season_id, const char *stage), (s, season_id, stage), -1) \
	X(int, season_team_ids, (pw_store_t *s, int64_t season_id, int64_t *ids, int max), (s, season_id, ids, max), -1) \
	X(struct cJSON *, schedule_json, (pw_store_t *s, int64_t season_id), (s, season_id), NULL) \
	X(int64_t, game_insert, (pw_store_t *s, const pw_game_row_t *g, const char *rules_json, const char *effects_json, const char *home_json, const char *away_json, const char *result_json), (s, g, rules_json, effects_json, home_json, away_json, result_json), -1) \
	X(int, boxes_insert, (pw_store_t *s, int64_t game_id, const pw_box_t *boxes, int n), (s, game_id, boxes, n), -1) \
	X(pw_game_row_t *, games, (pw_store_t *s, int64_t season_id, int round, int *n), (s, season_id, round, n), (*n = 0, NULL)) \
	X(int, game_count, (pw_store_t *s, int64_t season_id), (s, season_id), -1) \
	X(int, games_last_round, (pw_store_t *s, int64_t season_id), (s, season_id), -1) \
	X(int, game_exists, (pw_store_t *s, int64_t season_id, int round, int game_index), (s, season_id, round, game_index), -1) \
	X(int, game_snapshots, (pw_store_t *s, int64_t game_id, char **rules, char **effects, char **home, char **away, char **result), (s, game_id, rules, effects, home, away, result), -1) \
	X(int64_t *, all_game_ids, (pw_store_t *s, int *n), (s, n), (*n = 0, NULL)) \
	X(int, game_get, (pw_store_t *s, int64_t game_id, pw_game_row_t *out), (s, game_id, out), -1) \
	X(struct cJSON *, season_box_json, (pw_store_t *s, int64_t season_id), (s, season_id), NULL) \
	X(int, game_set_presented, (pw_store_t *s, int64_t game_id), (s, game_id), -1) \
	X(pw_game_row_t *, games_unpresented, (pw_store_t *s, int *n), (s, n), (*n = 0, NULL)) \
	X(int, progress_get, (pw_store_t *s, int64_t season_id, int round, int *stage, char **snapshot), (s, season_id, round, stage, snapshot), -1) \
	X(int, progress_set, (pw_store_t *s, int64_t season_id, int round, int stage, const char *snapshot), (s, season_id, round, stage, snapshot), -1) \
	X(char *, kv_get, (pw_store_t *s, const char *key), (s, key), NULL) \
	X(int, kv_set, (pw_store_t *s, const char *key, const char *value), (s, key, value), -1) \
	X(int, kv_delete, (pw_store_t *s, const char *key), (s, key), -1) \
	X(int, once, (pw_store_t *s, const char *key, int64_t now, int64_t keep_s), (s, key, now, keep_s), -1) \
	X(int, tick_lock_take, (pw_store_t *s, const char *holder, int lease_s, char *who, size_t wholen), (s, holder, lease_s, who, wholen), -1) \
	X(int, tick_lock_renew, (pw_store_t *s, const char *holder, int lease_s), (s, holder, lease_s), -1) \
	X(int, tick_lock_release, (pw_store_t *s, const char *holder), (s, holder), -1) \
	X(int, tick_lock_holder, (pw_store_t *s, char *holder, size_t cap, int64_t *expires_in), (s, holder, cap, expires_in), -1) \
	X(int64_t, report_insert, (pw_store_t *s, int64_t season_id, int round, const char *kind, int64_t governor_id, int64_t game_id, const char *text), (s, season_id, round, kind, governor_id, game_id, text), -1) \
	X(struct cJSON *, reports_json, (pw_store_t *s, int64_t season_id, int round, int64_t governor_id, bool private_only), (s, season_id, round, governor_id, private_only), NULL) \
	X(int, eval_insert, (pw_store_t *s, int64_t season_id, int round, int64_t report_id, const char *kind, double value), (s, season_id, round, report_id, kind, value), -1) \
	X(struct cJSON *, evals_json, (pw_store_t *s, int64_t season_id, int rounds), (s, season_id, rounds), NULL) \
	X(int, report_ai_set, (pw_store_t *s, int64_t report_id, const char *text, const char *model), (s, report_id, text, model), -1) \
	X(int, eval_sum, (pw_store_t *s, const char *kind, double *sum, int *count), (s, kind, sum, count), -1) \
	X(int, archive_insert, (pw_store_t *s, int64_t season_id, const char *json), (s, season_id, json), -1) \
	X(char *, archive_get, (pw_store_t *s, int64_t season_id), (s, season_id), NULL) \
	X(int, ai_usage_insert, (pw_store_t *s, const char *model, const char *call_type, int in_tok, int out_tok, int cache_tok, double latency_ms, double cost_usd, const char *outcome), (s, model, call_type, in_tok, out_tok, cache_tok, latency_ms, cost_usd, outcome), -1) \
	X(struct cJSON *, ai_usage_json, (pw_store_t *s), (s), NULL) \
	X(struct cJSON *, ai_usage_daily_json, (pw_store_t *s, int days), (s, days), NULL) \
	X(int, ai_cost_on, (pw_store_t *s, const char *day, double *usd), (s, day, usd), -1) \
	X(int, outbox_add, (pw_store_t *s, const char *method, const char *path, const char *body, int64_t now, int64_t *id), (s, method, path, body, now, id), -1) \
	X(int, outbox_next, (pw_store_t *s, pw_outbox_row_t *out), (s, out), -1) \
	X(int, outbox_done, (pw_store_t *s, int64_t id, int status, const char *error, int64_t now), (s, id, status, error, now), -1) \
	X(int, outbox_failed_try, (pw_store_t *s, int64_t id, const char *error), (s, id, error), -1) \
	X(int64_t, outbox_pending, (pw_store_t *s), (s), -1) \
	X(int, identity_subject, (pw_store_t *s, int64_t identity_id, const char *provider, char *out, size_t cap), (s, identity_id, provider, out, cap), -1) \
	X(int64_t, live_append, (pw_store_t *s, const char *type, const char *json, const char *origin), (s, type, json, origin), -1) \
	X(int, live_since, (pw_store_t *s, int64_t after_id, int limit, pw_live_cb cb, void *ud), (s, after_id, limit, cb, ud), -1) \
	X(int64_t, live_latest, (pw_store_t *s), (s), -1) \
	X(int, live_prune, (pw_store_t *s, int64_t keep), (s, keep), -1) \
	X(int, live_listen, (pw_store_t *s), (s), -1) \
	X(int, live_wait, (pw_store_t *s, int timeout_ms), (s, timeout_ms), -1)

/* What opening a store does beyond connecting. */
typedef enum {
	STORE_OPEN_MIGRATE, /* store_open: apply every pending migration */
	STORE_OPEN_RAW,     /* store_open_raw: nothing (pinwheel migrate reports first) */
	STORE_OPEN_VIEWER,  /* store_open_viewer: the read-only, no-spoilers connection */
} store_open_mode_t;

struct store_copy_ops;

struct store_ops {
	const char *backend; /* "SQLite", "PostgreSQL": for messages */
	/* Rows of any table, for store_copy.c (NULL: the backend has none). */
	const struct store_copy_ops *copy;
	void (*close)(pw_store_t *s);
	bool (*ping)(pw_store_t *s);
	void (*rollback)(pw_store_t *s);
	/* Whether store_open_viewer works (STORE_OPEN_VIEWER). */
	bool viewer;
	/* Whether several processes share the database (store_is_shared). */
	bool shared;
#define X(ret, name, params, args, fail) ret(*name) params;
	PW_STORE_OPS(X)
#undef X
};

extern const struct store_ops store_sqlite_ops;
extern const struct store_ops store_pg_ops;

/* How many operations ops lacks (store_open_viewer counted when it has no
 * viewers' connection); their names ("store_...", comma
 * separated) go into buf, cut to len. */
int store_ops_missing(const struct store_ops *ops, char *buf, size_t len);

/*
 * The backends' open functions, called by store.c's store_open* with the
 * mode. store_pg_open opens even while store_pg_ops is incomplete: that is
 * how the tests reach the functions already ported; the program reaches a
 * backend only through store_open*, which refuse an incomplete one.
 */
pw_store_t *store_sqlite_open(const char *path, store_open_mode_t mode, char *err, size_t errlen);
pw_store_t *store_pg_open(const char *url, store_open_mode_t mode, char *err, size_t errlen);

/* Runs one constant statement (no values) on a PostgreSQL store's
 * connection, its failure reported like any of the backend's (for tests of
 * the database's own guarantees). 0 or -1. */
int store_pg_exec(pw_store_t *s, const char *sql, const char *what);

/* What both backends check before appending a live event: 0, or -1 with
 * the reason in s->err. */
int store_live_check(pw_store_t *s, const char *type, const char *json, const char *origin);
/* store_boxes_insert's count of lines, checked by both backends: 0, or -1
 * with s's error set (more lines than a game has). */
int store_boxes_check(pw_store_t *s, int n);
/* The page size store_live_since allows (1..STORE_LIVE_PAGE_MAX). */
#define STORE_LIVE_PAGE_MAX 10000

/* ---- rows of any table: what store_copy.c moves between backends ----
 *
 * The copy (store_copy.h) knows no table by name: each backend lists the
 * tables its migrations made and reads or writes their rows as typed
 * cells, so a table a later migration adds is copied with no change here.
 * Names come from the database's own catalog and are checked to be
 * [a-z0-9_] before they are put in a statement; values travel only as
 * bound parameters. */
typedef enum { STORE_CELL_NULL, STORE_CELL_INT, STORE_CELL_REAL, STORE_CELL_TEXT } store_cell_kind_t;
typedef struct {
	store_cell_kind_t kind;
	int64_t i;
	double r;
	const char *text; /* STORE_CELL_TEXT: valid until the callback returns */
} store_cell_t;

#define STORE_NAME_MAX 64
#define STORE_COLS_MAX 32
typedef struct {
	char name[STORE_NAME_MAX];
	int ncols;
	char cols[STORE_COLS_MAX][STORE_NAME_MAX];
	/* The column whose ids the database hands out (PostgreSQL's identity,
	 * SQLite's INTEGER PRIMARY KEY), "" when there is none. */
	char id_col[STORE_NAME_MAX];
} store_table_t;

/* Called with each row's cells (n of them); a nonzero return stops the
 * walk, which then returns that value. */
typedef int (*store_row_cb)(void *ud, const store_cell_t *cells, int n);

struct store_copy_ops {
	/* The tables of the schema in the order the migrations made them (a
	 * table after those it references), schema_version included: how many,
	 * *out malloc'd (caller frees), or -1 with the error in s. */
	int (*tables)(pw_store_t *s, store_table_t **out);
	/* A read transaction from which every table reads one moment of the
	 * database (ended by store_rollback). 0 or -1. */
	int (*snapshot)(pw_store_t *s);
	/* How many rows t has, or -1. */
	int64_t (*count)(pw_store_t *s, const store_table_t *t);
	/* Every row of t with its columns in t's order, in the order they were
	 * written (rowid or id); the walk's result, 0, or -1. */
	int (*rows)(pw_store_t *s, const store_table_t *t, store_row_cb cb, void *ud);
	/* Writes one row of t as it is, ids included (inside a transaction);
	 * NULL: the backend is not a target of the copy. 0 or -1. */
	int (*insert)(pw_store_t *s, const store_table_t *t, const store_cell_t *cells);
	/* Moves t's id generator past its highest id, so a row added later
	 * never takes a copied id (nothing without an id column). 0 or -1. */
	int (*ids_advance)(pw_store_t *s, const store_table_t *t);
};
/* A name from a catalog that may go into a statement between double
 * quotes: [a-z0-9_], shorter than STORE_NAME_MAX (store_copy.c). */
bool store_name_plain(const char *name);
extern const struct store_copy_ops store_sqlite_copy_ops;
extern const struct store_copy_ops store_pg_copy_ops;

/* ---- store_json.c: what both backends build alike from their rows ---- */

/* A season of store_seasons_json. */
struct cJSON *store_json_season(const pw_season_row_t *r);
/* An invite of store_invites_json; governor_ids: "3,7" or NULL. */
struct cJSON *store_json_invite(const pw_invite_row_t *r, const char *governor_ids);
/* The stored result of a scheduled game, for store_json_schedule. */
typedef struct {
	int64_t game_id, winner_team_id;
	int home_score, away_score;
} store_json_result_t;
/* A game of store_schedule_json; played NULL while it has no result. */
struct cJSON *store_json_schedule(const pw_schedule_row_t *r, const store_json_result_t *played);
/* The teams row's text of a team for store_team_insert (the team without
 * its hoopers), after checking the team and its hoopers have what their
 * rows need; malloc'd, or NULL with *why saying what is wrong. */
char *store_json_team_row(const struct cJSON *team, const char **why);
/* A team of store_teams_json from its row (strategy columns NULL when
 * unset), with an empty "hoopers" array; NULL when data is not JSON. */
struct cJSON *store_json_team(const char *data, const char *strategy_json,
			      const char *strategy_text);
/* Adds a hooper row (its JSON text) to its team in teams. */
void store_json_place_hooper(struct cJSON *teams, int64_t team_id, const char *data);

/* The tick lock's lease row (store.h), as both backends write and read it:
 * {"holder", "pid", "expires"} (unix seconds), and "since" when known. A row of older builds,
 * {"holder", "ts"}, reads as a lease of 300 s from ts. */
typedef struct {
	char holder[128];
	int64_t pid;     /* SQLite: the process; PostgreSQL: the lock's backend */
	int64_t expires;
	/* SQLite: when the process started (clock ticks since boot, 0:
	 * unknown), so a new process given the same pid — a container's pid
	 * 1 after a restart — is not taken for the one that wrote the lease. */
	int64_t since;
} store_lease_t;
/* The row's text (malloc'd; NULL: no memory). */
char *store_json_lease(const store_lease_t *l);
/* 1 with *out filled, 0 when text is NULL or not a lease. */
int store_json_lease_parse(const char *text, store_lease_t *out);

/* Statements a connection keeps prepared: above the number of distinct
 * statements of either backend (about 90 each), with room for more. */
#define PW_STMT_CACHE 128

struct pw_store {
	const struct store_ops *ops;
	char path[512]; /* the SQLite path or the PostgreSQL URL as given */
	char err[1024]; /* room for a URL twice (store_backup's advice) */
	int in_tx;

	/* ---- SQLite (store_sqlite.c) ---- */
	sqlite3 *db;
	/* The file the connection opened (0: unknown, e.g. ":memory:"). */
	uint64_t ino, dev;
	/* Prepared statements keyed by the address of their static SQL text:
	 * every query is a string literal, so pointer identity is enough. */
	struct {
		const char *sql;
		sqlite3_stmt *st;
	} cache[PW_STMT_CACHE];
	int ncache;
	/* store_events_since's statement, kept between walks (preparing it
	 * was most of what a gov_sync with nothing new cost); a walk started
	 * inside another walk's callback prepares its own. */
	sqlite3_stmt *events_st;
	bool events_busy;
	/* STORE_HOUSEKEEPING_ON_ASK: the log's length in pages at this
	 * connection's last commit, for store_housekeeping to check. */
	int wal_pages;

	/* ---- PostgreSQL (store_pg.c) ---- */
	struct pg_conn *pg;
	/* What the connection was opened as: a lost connection is made again
	 * the same way (settings, and the viewers' views), see pg_revive. */
	store_open_mode_t pg_mode;
	/* Statements prepared on this connection (PQprepare), keyed like the
	 * SQLite cache by the address of their SQL text; statement i is
	 * named "pw<i>" on the server. */
	const char *pg_prepared[PW_STMT_CACHE];
	int npg_prepared;
	/* The tick lock's own connection (store.h, "the tick lock"), opened
	 * as a store of its own while this store holds the lock: its session
	 * holds the advisory lock. NULL when the lock is not held here. */
	struct pw_store *tick;
	/* A follower's connection for trying the lock, kept from one try to
	 * the next (a follower tries every few seconds, on the server's loop:
	 * a new connection each time was a connect and a backend started and
	 * ended each time). It holds no lock; it becomes tick when a try
	 * takes the lock. NULL until the first try. */
	struct pw_store *tick_spare;
};

#endif
