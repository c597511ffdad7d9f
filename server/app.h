/*
 * app.h — the running server: every part wired together, and what the
 * handlers (api_*.c, pages*.c, static.c) share.
 *
 * One pw_app_t lives in cmd_serve's stack frame; nothing here is global.
 * Handlers run on the loop thread and get the app as their first argument.
 */
#ifndef PW_APP_H
#define PW_APP_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "core/league/governance.h"
#include "core/league/round.h"
#include "core/league/store.h"
#include "server/live/leader.h"
#include "server/live/srv_bus.h"
#include "server/http/http_server.h"
#include "server/log.h"
#include "server/live/presenter.h"
#include "server/http/response.h"
#include "server/http/router.h"
#include "server/live/scheduler.h"
#include "server/live/sse.h"

/* Everything `pinwheel serve` reads from its options and environment. */
typedef struct pw_serve_config {
	const char *host;
	int port;
	const char *db_path;
	const char *static_dir;
	pw_pace_t pace;
	const char *cron;
	bool auto_advance;
	pw_present_mode_t mode;
	int quarter_seconds;
	int governance_interval;
	bool require_approval;
	int trade_expiry_rounds;   /* PINWHEEL_TRADE_EXPIRY_ROUNDS */
	int min_voting_seconds;    /* PINWHEEL_MIN_VOTING_SECONDS */
	const char *admin_token; /* NULL: admin open on loopback only */
	int enrollment;          /* pw_enrollment_t (PINWHEEL_ENROLLMENT): open or invite */
	int session_seconds;     /* PINWHEEL_SESSION_SECONDS: a signed-in browser session's life */
	bool production;
	pw_log_level_t log_level;
	int max_conns;
	int request_timeout_s;
	int idle_timeout_s;
	int heartbeat_s;
	uint64_t league_seed;
	int teams;                /* teams of the demo league generated on first start (4..16) */
	int championship_seconds; /* the window after the final (0: none) */
	const char *scripts_dir;
	int check_workers;     /* proposal checks at once (PINWHEEL_CHECK_WORKERS) */
	int check_queue;       /* checks that may wait beyond those (PINWHEEL_CHECK_QUEUE) */
	int checks_per_minute; /* per governor; 0: no limit (PINWHEEL_CHECKS_PER_MINUTE) */
	int max_conns_per_addr; /* PINWHEEL_MAX_CONNECTIONS_PER_ADDRESS; 0: no cap */
	int request_memory_mb;  /* PINWHEEL_REQUEST_MEMORY_MB: unfinished requests, all together */
	long fd_limit;          /* the open-file limit the process runs with; 0: unlimited */
	int tick_lease_s;       /* PINWHEEL_TICK_LEASE_SECONDS: the tick lock's lease */
} pw_serve_config_t;

/* Descriptors never given to connections: stdio, the loop's own, three per
 * database connection (loop, tick, each check worker), static files and
 * scripts being read, outside clients. */
#define APP_FD_RESERVE 64
/* Events the live stream keeps for clients that reconnect (its ring). */
#define APP_SSE_RING 1024

typedef struct pw_app_limits {
	int conns;       /* connections at once */
	int subscribers; /* of those, live streams: the rest stay for requests */
} pw_app_limits_t;

/* Connections stream subscribers leave to requests at most (a tenth of
 * a smaller cap, at least 8): at the cap idle keep-alive connections are
 * closed to make room, so these only need to hold the requests in
 * progress at once — /health, votes — while streams are full. With
 * APP_FD_RESERVE, the descriptors streams never take: 96. */
#define APP_REQUEST_CONNS 32

/*
 * What the settings and the descriptor limit allow: connections are
 * PINWHEEL_MAX_CONNECTIONS but at most the descriptor limit less
 * APP_FD_RESERVE (half of it on a tiny limit), so accept() never runs out
 * and every connection gets an answer; subscribers leave a tenth of those
 * (at least 8, at most APP_REQUEST_CONNS) to requests, so /health and
 * votes work when streams are full.
 */
void app_limits(const pw_serve_config_t *cfg, pw_app_limits_t *out);

typedef struct pw_app pw_app_t;

/* A route handler: fill res and return HTTP_HANDLED, or HTTP_STREAM. */
typedef int (*pw_handler_fn)(pw_app_t *app, pw_http_conn_t *c, const pw_http_request_t *req,
			     const pw_params_t *params, pw_response_t *res);

/* The result a tick hands from the thread pool to the loop. */
typedef struct pw_tick_result {
	int round;
	size_t n_games;
	int64_t *game_ids;
	size_t fx_errors; /* effect errors during the tick */
	size_t fx_engine_faults; /* of them, sessions the sandbox's CPU-time backstop stopped */
	bool tallied;     /* a governance tally ran */
	double begin_ms, games_ms, govern_ms, reports_ms, done_ms; /* stage wall times, for the log */
	int housekept;          /* store_housekeeping after the round: 1 checkpointed, -1 failed */
	double housekeeping_ms; /* its wall time */
	char housekeeping_err[256]; /* why it failed */
	/* The round itself (round_tick, every stage), and the presenter's copy
	 * of its games made after it on the same thread (tick_run): the tick's
	 * work is both, the round is what the speed target counts. */
	double round_ms, load_ms;
	char phase[24];
	int64_t window_ends; /* round 0 in the championship window: when it ends */
	char error[300];     /* why the tick failed: the runner's sentence */
	/* The tick's events that reveal results (game.completed, reports, ...),
	 * as the presenter's held events: [{type, data, game_id?}] */
	struct cJSON *held;
	/* The presenter's copy of each of the n_games games, made on the
	 * tick's thread (tick_run); what the presenter does not take is
	 * freed with the result. May be NULL, and so may an entry. */
	struct cJSON **games;
	srv_bus_t *bus;      /* where the tick's other events go at once */
} pw_tick_result_t;

struct pw_app {
	uv_loop_t *loop;
	pw_serve_config_t cfg;
	pw_log_t log;
	pw_router_t router;
	pw_http_server_t *http;
	pw_sse_hub_t *sse;
	srv_bus_t *bus;
	pw_scheduler_t *sched;
	pw_presenter_t *presenter;
	/* Several instances on one database (srv_bus.h, shared mode): this
	 * instance's name on the bus, and the arena of a replay another
	 * instance presents (arena_mirror.h). */
	char instance[64];
	struct pw_arena_mirror *mirror;
	uv_signal_t sigterm, sigint;
	bool signals_open;
	bool shutting_down;
	int bus_users; /* at shutdown: the scheduler and the checks, until done with the bus */
	int exit_code;
	uint64_t started_ms;
	time_t started_at;
	time_t last_simulation;
	/* The last tick's round and presenter load (pw_tick_result_t), for
	 * /api/pace/status. */
	double last_round_ms, last_load_ms;
	int next_quarter_seconds; /* one-off replay length for the next tick */
	char static_root[4096];   /* realpath of the static directory, "" if none */
	/* The league: the loop thread's store and governance service (API,
	 * presenter), and the tick worker's own pair (one connection per
	 * thread, as store.h asks). */
	pw_store_t *store;
	pw_gov_t *gov;
	pw_store_t *wstore;
	pw_gov_t *wgov;
	/* Which server of the database plays the ticks (leader.h), on a
	 * connection of its own: only the one holding the tick lock ticks and
	 * presents. */
	pw_store_t *lstore;
	pw_leader_t *leader;
	/* The viewers' connection (store_open_viewer): every public read of the
	 * league — pages and the API's reads — goes through it, so a game being
	 * replayed shows nothing of its result anywhere (no spoilers). The
	 * admin's reads and the presenter use store. */
	pw_store_t *view;
	/* The texts of the games read last (core/league/game_text.h): a game
	 * stored without its play-by-play is simulated again once, not on
	 * every read of its page. */
	struct pw_game_cache *games;
	/* Held events of ticks that failed part-way, told with the next
	 * presentation (a resumed round does not announce them again). */
	struct cJSON *held_backlog;
	/* The effects engine (core/league/league_fx.h): the tick worker's rounds
	 * run with it, governance checks scripts with it. */
	struct fx_league *fx;
	/* The proposal check workers and their queue (api_propose.h). */
	struct api_checks *checks;
	/* The Messages API client (server/ai/ai_client.h): off without
	 * ANTHROPIC_API_KEY; used only from worker threads, never the loop. */
	struct ai_client *ai;
	/* The reporter and commentary thread (server/ai/ai_writer.h): rounds
	 * reach it from the bus's round.completed; it never holds up a tick. */
	struct ai_writer *writer;
	/* The Discord bot (server/discord/discord.h); NULL when it is off. */
	struct discord *discord;
	pw_app_limits_t limits; /* what app_limits allowed at start */
	pw_bus_t bus_iface;
	pw_gov_cfg_t gov_cfg;
	int64_t league_id;
	uint64_t league_seed;
	/* Read models that change only when a tick or a season changes them,
	 * kept as printed JSON (app_cache_clear drops them). */
	struct {
		int64_t season_id;      /* the season the cached models belong to */
		int64_t current_season; /* the current season's id; 0: not looked up */
		char *standings;
		char *schedule;
	} cache;
};


/*
 * What the arena shows now (GET /api/arena, and the /arena page renders
 * the same on load): {"status": "live" | "playing" | "between_rounds" |
 * "manual" | "season_over", "status_text" (a sentence), "round", "season":
 * {id, name, phase}, "pace", "next_tick_at" (ISO time or null),
 * "next_tick_in" (seconds or null), "quarter_seconds", "last_event_id"
 * (the stream's, to resume from), "games": [cards]}. While a tick is being
 * replayed its games are as far as their replays have gone
 * (presenter_arena_json); otherwise the last presented round's results.
 * No spoilers: built from the presenter and the viewers' connection.
 * Caller owns.
 */
struct cJSON *app_arena_json(pw_app_t *app);

/* What a replay shows now, as presenter_arena_json / presenter_game_json
 * say: this instance's presenter's while it presents, else the replay
 * another instance presents as this one follows it (arena_mirror.h);
 * NULL when nothing is being replayed. Caller owns. */
struct cJSON *app_live_arena_json(pw_app_t *app, int max_plays);
struct cJSON *app_live_game_json(pw_app_t *app, int64_t game_id, int max_plays);

/*
 * The admin's "play the next tick now" (POST /api/pace/advance, the admin
 * page), on whichever server it reaches. Starts the tick here when this
 * server may (quarter_seconds, when > 0, paces its replay). Several
 * servers on one database (srv_bus_shared): when another holds the tick
 * lock, this one asks it to over the bus (a "pace.advance_requested"
 * event, acted on by the holder as if asked itself) — unless a round or a
 * replay is under way anywhere, which this one can see. Returns 0 started
 * here, 1 asked of the holder, -EBUSY a tick or replay runs, -ECANCELED
 * shutting down.
 */
int app_advance(pw_app_t *app, int quarter_seconds);

/* Sets the pace here and, several servers on one database, on the others
 * (a "pace.changed" event each applies), so whichever holds the tick lock
 * now or later keeps the admin's pace. A server started later takes its
 * pace from its settings (PINWHEEL_PACE). */
void app_set_pace(pw_app_t *app, int pace);

/* Drops the cached read models (after a tick, a new season). */
void app_cache_clear(pw_app_t *app);

/* Registers every route (api_*.c, pages, static). Returns 0 or -1. */
int app_routes(pw_app_t *app);
int api_system_routes(pw_app_t *app);
int pages_routes(pw_app_t *app);
int api_league_routes(pw_app_t *app);
int api_identity_routes(pw_app_t *app);
int static_routes(pw_app_t *app);

/* Adds a route with a typed handler. */
int app_route(pw_app_t *app, const char *method, const char *pattern, pw_handler_fn fn);

/*
 * Admin check: with PINWHEEL_ADMIN_TOKEN set the request must carry it as a
 * bearer token (401 without one, 403 with another); without it admin is
 * open only on a loopback listener (403 elsewhere). Returns true when
 * allowed; otherwise res holds the error.
 */
bool app_require_admin(pw_app_t *app, const pw_http_request_t *req, pw_response_t *res);

/* Whether token is PINWHEEL_ADMIN_TOKEN (false when none is set),
 * compared in time independent of where they differ. */
bool app_admin_token_is(const pw_app_t *app, const char *token);

/* The bearer token of req into out (cap bytes); false when there is none. */
bool app_bearer(const pw_http_request_t *req, char *out, size_t cap);

/* True when the database answers. */
bool app_db_ok(pw_app_t *app);

/* Closes the league's stores (after the loop has stopped). */
void app_close_league(pw_app_t *app);

/* Starts/stops the whole server on app->loop. */
int app_start(pw_app_t *app);
void app_shutdown(pw_app_t *app, const char *why);

#endif
