/*
 * cli_serve.c — `pinwheel serve`: read the settings, start the server,
 * run the loop until SIGTERM/SIGINT, exit 0 after an orderly shutdown.
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/league/identity.h"
#include "core/league/store.h"
#include "server/app.h"
#include "server/live/checkq.h"
#include "server/cli/cli.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: pinwheel serve [--host 127.0.0.1] [--port 8080] [--db data/pinwheel.db]\n"
		"                      [--static DIR]\n\n"
		"Runs the league server: JSON API, live event stream, pages, scheduler.\n\n"
		"options (each also an environment variable):\n"
		"  --host HOST     address to listen on (PINWHEEL_HOST, default 127.0.0.1)\n"
		"  --port PORT     TCP port, 0 for any free port (PINWHEEL_PORT, default 8080)\n"
		"  --db PATH|URL   SQLite database file, or a postgres:// URL (PINWHEEL_DB,\n"
		"                  default data/pinwheel.db)\n"
		"  --static DIR    static assets (PINWHEEL_STATIC_DIR, default ./server/static, else ../server/static beside the binary)\n\n"
		"settings (environment):\n"
		"  PINWHEEL_PRESENTATION_PACE fast|normal|slow|manual|demo (slow); demo (make run): a tick\n"
		"                             every 3 min, the first 10 s after start\n"
		"  PINWHEEL_GAME_CRON         5-field cron; overrides the pace\n"
		"  PINWHEEL_AUTO_ADVANCE      true|false (true)\n"
		"  PINWHEEL_PRESENTATION_MODE instant|replay (replay)\n"
		"  PINWHEEL_QUARTER_REPLAY_SECONDS  seconds per replayed quarter (300), at most: shorter\n"
		"                             when a tick's replay would not end before the next tick\n"
		"  PINWHEEL_GOVERNANCE_INTERVAL     rounds between tallies (1)\n"
		"  PINWHEEL_CHAMPIONSHIP_SECONDS    the championship window after the final, in\n"
		"                             seconds (1800; 0: the offseason starts at once); ticks\n"
		"                             inside it play nothing\n"
		"  PINWHEEL_RULES_REQUIRE_APPROVAL  true|false (false)\n"
		"  PINWHEEL_TRADE_EXPIRY_ROUNDS     rounds a token offer or hooper trade stays open (3)\n"
		"  PINWHEEL_MIN_VOTING_SECONDS      a proposal open less long waits for the next tally (0)\n"
		"  PINWHEEL_ADMIN_TOKEN       bearer token for admin endpoints\n"
		"  PINWHEEL_ENROLLMENT        invite|open: who may join (invite when an admin token\n"
		"                             is set, open otherwise)\n"
		"  PINWHEEL_SESSION_SECONDS   a signed-in browser session's life (2592000: 30 days)\n"
		"  PINWHEEL_TICK_LEASE_SECONDS  the tick lock's lease (30, 2 to 3600): servers sharing a\n"
		"                             PostgreSQL database take the ticks over from one stuck\n"
		"                             this long (one that dies at once)\n"
		"  PINWHEEL_LOG_LEVEL         debug|info|warn|error (info)\n"
		"  PINWHEEL_ENV               development|production (JSON log lines)\n"
		"  PINWHEEL_MAX_CONNECTIONS   connection cap (20000; at most the descriptor limit less 64)\n"
		"  PINWHEEL_MAX_CONNECTIONS_PER_ADDRESS  connections one client address may hold, 0 = any (256)\n"
		"  PINWHEEL_REQUEST_MEMORY_MB memory all unfinished requests may hold (64; a quarter per address)\n"
		"  PINWHEEL_REQUEST_TIMEOUT   seconds for a request to arrive whole (10)\n"
		"  PINWHEEL_IDLE_TIMEOUT      seconds an idle keep-alive connection lives (30)\n"
		"  PINWHEEL_SSE_HEARTBEAT     seconds between stream heartbeats (15)\n"
		"  PINWHEEL_CHECK_WORKERS     proposal checks run at once (1)\n"
		"  PINWHEEL_CHECK_QUEUE       proposal checks that may wait beyond those (16)\n"
		"  PINWHEEL_CHECKS_PER_MINUTE proposal checks one governor may start a minute, 0 = any (6)\n"
		"  PINWHEEL_LEAGUE_SEED       seed of the demo league generated on first start (1)\n"
		"  PINWHEEL_TEAMS             teams of that demo league, 4 to 16 (8); later seasons\n"
		"                             follow the teams_count rule\n"
		"  PINWHEEL_SCRIPTS_DIR       the effects library (scripts/effects)\n"
		"  ANTHROPIC_API_KEY          turns the AI layer on (docs/AI.md); without it the offline\n"
		"                             interpreter and reports answer. Never logged\n"
		"  ANTHROPIC_BASE_URL         the Messages API's base URL (https://api.anthropic.com)\n"
		"  PINWHEEL_AI_MODEL          the model of every AI call; PINWHEEL_AI_MODEL_<TYPE> for one\n"
		"                             type (INTERPRETER, CLASSIFIER, REVIEW, STRATEGY, REPORTER,\n"
		"                             COMMENTARY)\n"
		"  PINWHEEL_AI_DAILY_BUDGET_USD estimated spend per UTC day after which the offline\n"
		"                             fallbacks answer (5; 0 = no cap)\n"
		"  PINWHEEL_AI_TIMEOUT_SECONDS  per attempt (60); PINWHEEL_AI_MAX_RETRIES (2),\n"
		"                             PINWHEEL_AI_BACKOFF_MS (1000), PINWHEEL_AI_MAX_CONCURRENT (4)\n");
}

static int parse_bool(const char *cmd, const char *name, const char *v, bool *out)
{
	if (!strcasecmp(v, "true") || !strcmp(v, "1") || !strcasecmp(v, "yes") || !strcasecmp(v, "on"))
		*out = true;
	else if (!strcasecmp(v, "false") || !strcmp(v, "0") || !strcasecmp(v, "no") ||
		 !strcasecmp(v, "off"))
		*out = false;
	else {
		cli_error(cmd, "%s must be true or false, got \"%s\"", name, v);
		return -1;
	}
	return 0;
}

static int env_int(const char *cmd, const char *name, int def, int lo, int hi, int *out)
{
	const char *v = getenv(name);
	if (!v || !*v) {
		*out = def;
		return 0;
	}
	return cli_parse_int(cmd, name, v, lo, hi, out);
}

static int env_bool(const char *cmd, const char *name, bool def, bool *out)
{
	const char *v = getenv(name);
	if (!v || !*v) {
		*out = def;
		return 0;
	}
	return parse_bool(cmd, name, v, out);
}

/* Creates the database's folder if it is missing (one level, like data/). */
static void ensure_parent_dir(const char *path)
{
	char copy[PATH_MAX];
	snprintf(copy, sizeof copy, "%s", path);
	char *dir = dirname(copy);
	if (strcmp(dir, ".") && strcmp(dir, "/"))
		mkdir(dir, 0755);
}

/* 10,000 SSE subscribers need more descriptors than the usual soft limit.
 * Returns the limit the process now runs with (0: unlimited), from which
 * the connection cap keeps a reserve (app_limits). */
static long raise_fd_limit(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return 0;
	if (rl.rlim_cur < rl.rlim_max) {
		struct rlimit up = {.rlim_cur = rl.rlim_max, .rlim_max = rl.rlim_max};
		if (setrlimit(RLIMIT_NOFILE, &up) == 0)
			rl = up;
	}
	return rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > (rlim_t)1 << 30 ? 0 : (long)rl.rlim_cur;
}

static void close_walk(uv_handle_t *h, void *arg)
{
	(void)arg;
	if (!uv_is_closing(h))
		uv_close(h, NULL);
}

int cmd_serve(int argc, char **argv)
{
	const char *cmd = argv[0];
	const char *host = NULL, *port_s = NULL, *db = NULL, *stat = NULL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			return 0;
		}
		const char **slot = !strcmp(a, "--host") ? &host : !strcmp(a, "--port") ? &port_s
				   : !strcmp(a, "--db")     ? &db
				   : !strcmp(a, "--static") ? &stat
							    : NULL;
		if (!slot) {
			cli_error(cmd, "unknown option \"%s\" (see pinwheel serve --help)", a);
			return 2;
		}
		if (i + 1 >= argc) {
			cli_error(cmd, "%s needs a value", a);
			return 2;
		}
		*slot = argv[++i];
	}

	pw_app_t app;
	memset(&app, 0, sizeof app);
	pw_serve_config_t *cfg = &app.cfg;
	cfg->host = cli_value(host, "PINWHEEL_HOST", "127.0.0.1");
	cfg->db_path = cli_value(db, "PINWHEEL_DB", "data/pinwheel.db");
	/* NULL: static.c looks in ./server/static, then next to the binary. */
	cfg->static_dir = cli_value(stat, "PINWHEEL_STATIC_DIR", NULL);
	if (cli_parse_int(cmd, "--port", cli_value(port_s, "PINWHEEL_PORT", "8080"), 0, 65535, &cfg->port) < 0)
		return 2;

	const char *pace = cli_value(NULL, "PINWHEEL_PRESENTATION_PACE", "slow");
	int pv = scheduler_pace_parse(pace);
	if (pv < 0) {
		cli_error(cmd, "PINWHEEL_PRESENTATION_PACE must be fast, normal, slow, manual or demo, got \"%s\"", pace);
		return 2;
	}
	cfg->pace = (pw_pace_t)pv;
	cfg->cron = cli_value(NULL, "PINWHEEL_GAME_CRON", NULL);
	if (cfg->cron) {
		pw_cron_t cron;
		char err[200];
		if (cron_parse(cfg->cron, &cron, err, sizeof err) < 0) {
			cli_error(cmd, "PINWHEEL_GAME_CRON: %s", err);
			return 2;
		}
	}
	const char *mode = cli_value(NULL, "PINWHEEL_PRESENTATION_MODE", "replay");
	if (!strcasecmp(mode, "replay"))
		cfg->mode = PW_PRESENT_REPLAY;
	else if (!strcasecmp(mode, "instant"))
		cfg->mode = PW_PRESENT_INSTANT;
	else {
		cli_error(cmd, "PINWHEEL_PRESENTATION_MODE must be instant or replay, got \"%s\"", mode);
		return 2;
	}
	const char *env = cli_value(NULL, "PINWHEEL_ENV", "development");
	if (strcmp(env, "development") && strcmp(env, "production")) {
		cli_error(cmd, "PINWHEEL_ENV must be development or production, got \"%s\"", env);
		return 2;
	}
	cfg->production = !strcmp(env, "production");
	const char *lvl = cli_value(NULL, "PINWHEEL_LOG_LEVEL", "info");
	int lv = log_level_parse(lvl);
	if (lv < 0) {
		cli_error(cmd, "PINWHEEL_LOG_LEVEL must be debug, info, warn or error, got \"%s\"", lvl);
		return 2;
	}
	cfg->log_level = (pw_log_level_t)lv;
	cfg->admin_token = cli_value(NULL, "PINWHEEL_ADMIN_TOKEN", NULL);
	/* A league with an admin is run by someone who hands out invites; a
	 * token-less one (make run on loopback) is a demo anyone may join. */
	const char *enroll = cli_value(NULL, "PINWHEEL_ENROLLMENT",
				       cfg->admin_token && *cfg->admin_token ? "invite" : "open");
	pw_enrollment_t en;
	if (identity_enrollment_parse(enroll, &en) < 0) {
		cli_error(cmd, "PINWHEEL_ENROLLMENT must be invite or open, got \"%s\"", enroll);
		return 2;
	}
	cfg->enrollment = (int)en;
	static char scripts[PATH_MAX];
	cli_asset_dir("scripts/effects", scripts, sizeof scripts);
	cfg->scripts_dir = cli_value(NULL, "PINWHEEL_SCRIPTS_DIR", scripts);
	if (cli_parse_u64(cmd, "PINWHEEL_LEAGUE_SEED", cli_value(NULL, "PINWHEEL_LEAGUE_SEED", "1"),
			  &cfg->league_seed) < 0)
		return 2;
	if (env_bool(cmd, "PINWHEEL_AUTO_ADVANCE", true, &cfg->auto_advance) < 0 ||
	    env_bool(cmd, "PINWHEEL_RULES_REQUIRE_APPROVAL", false, &cfg->require_approval) < 0 ||
	    env_int(cmd, "PINWHEEL_QUARTER_REPLAY_SECONDS", 300, 1, 3600, &cfg->quarter_seconds) < 0 ||
	    env_int(cmd, "PINWHEEL_GOVERNANCE_INTERVAL", 1, 1, 100, &cfg->governance_interval) < 0 ||
	    env_int(cmd, "PINWHEEL_CHAMPIONSHIP_SECONDS", PW_CHAMPIONSHIP_SECONDS_DEFAULT, 0, 7 * 86400,
		    &cfg->championship_seconds) < 0 ||
	    env_int(cmd, "PINWHEEL_TEAMS", 8, 4, PW_MAX_TEAMS, &cfg->teams) < 0 ||
	    env_int(cmd, "PINWHEEL_TRADE_EXPIRY_ROUNDS", PW_TRADE_EXPIRY_DEFAULT, 1, 1000,
		    &cfg->trade_expiry_rounds) < 0 ||
	    env_int(cmd, "PINWHEEL_MIN_VOTING_SECONDS", 0, 0, 7 * 86400, &cfg->min_voting_seconds) < 0 ||
	    env_int(cmd, "PINWHEEL_MAX_CONNECTIONS", 20000, 1, 1000000, &cfg->max_conns) < 0 ||
	    env_int(cmd, "PINWHEEL_REQUEST_TIMEOUT", 10, 1, 3600, &cfg->request_timeout_s) < 0 ||
	    env_int(cmd, "PINWHEEL_IDLE_TIMEOUT", 30, 1, 86400, &cfg->idle_timeout_s) < 0 ||
	    env_int(cmd, "PINWHEEL_SSE_HEARTBEAT", 15, 1, 3600, &cfg->heartbeat_s) < 0 ||
	    env_int(cmd, "PINWHEEL_CHECK_WORKERS", 1, 1, CHECKQ_MAX_WORKERS, &cfg->check_workers) < 0 ||
	    env_int(cmd, "PINWHEEL_CHECK_QUEUE", 16, 0, 10000, &cfg->check_queue) < 0 ||
	    env_int(cmd, "PINWHEEL_CHECKS_PER_MINUTE", 6, 0, 100000, &cfg->checks_per_minute) < 0 ||
	    env_int(cmd, "PINWHEEL_MAX_CONNECTIONS_PER_ADDRESS", 256, 0, 1000000, &cfg->max_conns_per_addr) < 0 ||
	    env_int(cmd, "PINWHEEL_REQUEST_MEMORY_MB", 64, 1, 65536, &cfg->request_memory_mb) < 0 ||
	    env_int(cmd, "PINWHEEL_SESSION_SECONDS", IDENTITY_SESSION_DEFAULT, 1, 366 * 86400,
		    &cfg->session_seconds) < 0 ||
	    env_int(cmd, "PINWHEEL_TICK_LEASE_SECONDS", STORE_TICK_LEASE_DEFAULT, 2, 3600,
		    &cfg->tick_lease_s) < 0)
		return 2;

	app.log = (pw_log_t){.level = cfg->log_level, .json = cfg->production};
	signal(SIGPIPE, SIG_IGN);
	cfg->fd_limit = raise_fd_limit();
	if (store_names_file(cfg->db_path))
		ensure_parent_dir(cfg->db_path);

	uv_loop_t loop;
	if (uv_loop_init(&loop) < 0) {
		cli_error(cmd, "could not start the event loop");
		return 1;
	}
	app.loop = &loop;
	int r = app_start(&app);
	if (r < 0) {
		/* app_start logged the reason; let whatever it opened close. */
		app_shutdown(&app, "start failed");
		uv_run(&loop, UV_RUN_DEFAULT);
		uv_walk(&loop, close_walk, NULL);
		uv_run(&loop, UV_RUN_DEFAULT);
		uv_loop_close(&loop);
		router_free(&app.router);
		app_close_league(&app);
		cli_error(cmd, "could not start the server (see the log above)");
		return r == -2 ? 2 : 1;
	}
	int port = http_server_port(app.http);
	bool v6 = strchr(cfg->host, ':') != NULL;
	char dbname[512];
	printf("Pinwheel Fates serving on http://%s%s%s:%d/ (database %s)\n", v6 ? "[" : "", cfg->host,
	       v6 ? "]" : "", port, store_printable(cfg->db_path, dbname, sizeof dbname));
	fflush(stdout);
	log_event(&app.log, PW_LOG_INFO, "server.started",
		  "host=%s port=%d pace=%s mode=%s quarter_seconds=%d auto_advance=%s enrollment=%s", cfg->host,
		  port, scheduler_pace_name(cfg->pace), cfg->mode == PW_PRESENT_REPLAY ? "replay" : "instant",
		  cfg->quarter_seconds, cfg->auto_advance ? "true" : "false",
		  identity_enrollment_name((pw_enrollment_t)cfg->enrollment));

	uv_run(&loop, UV_RUN_DEFAULT);
	/* Anything still open (nothing, normally) closes before the loop does. */
	uv_walk(&loop, close_walk, NULL);
	uv_run(&loop, UV_RUN_DEFAULT);
	if (uv_loop_close(&loop) != 0)
		log_event(&app.log, PW_LOG_WARN, "server.loop", "the loop closed with handles still open");
	router_free(&app.router);
	app_close_league(&app);
	log_event(&app.log, PW_LOG_INFO, "server.stopped", "clean shutdown");
	return app.exit_code;
}
