/*
 * cli_league.c — the league commands: `pinwheel season` (a whole season,
 * headless), `migrate`, `rebuild` and `backup`.
 */
#include <cjson/cJSON.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/league/governance.h"
#include "core/league/round.h"
#include "core/league/season.h"
#include "core/league/store.h"
#include "core/league/store_copy.h"
#include "core/league/league_fx.h"
#include "server/cli/cli.h"

#define MAX_PROPOSALS 16

static const char *need_value(const char *cmd, int argc, char **argv, int *i)
{
	if (*i + 1 >= argc) {
		cli_error(cmd, "%s needs a value", argv[*i]);
		return NULL;
	}
	return argv[++*i];
}

static void season_usage(FILE *out)
{
	fprintf(out,
		"usage: pinwheel season [--league-seed N] [--teams N] [--seed N] [--format text|json]\n"
		"                       [--db PATH] [--propose TEXT]...\n\n"
		"Plays a whole season headless: regular season, playoffs, champion.\n\n"
		"  --league-seed N  the league to generate (default 1; env PINWHEEL_LEAGUE_SEED)\n"
		"  --teams N        teams of the league to generate, 4 to 16 (default 8; env\n"
		"                   PINWHEEL_TEAMS); with --db of an existing league its\n"
		"                   teams_count rule decides\n"
		"  --seed N         the season seed that seeds every game (default: derived from\n"
		"                   the league seed; env PINWHEEL_SEED)\n"
		"  --format F       text (default) or json\n"
		"  --db PATH        keep the season in this database (default: in memory)\n"
		"  --propose TEXT   before the first tick, a governor of team 1 proposes TEXT and\n"
		"                   one governor per team votes yes (repeatable)\n"
		"  --propose-effect FILE.lua\n"
		"                   the same with the Lua effect in FILE attached (repeatable);\n"
		"                   every effect is checked and test-run in the sandbox first\n"
		"  --parallel N     play each tick's games on N threads (default 1; env\n"
		"                   PINWHEEL_PARALLEL_GAMES); the results are identical\n");
}

/* Joins one governor per team of the season; returns how many (ids in gids). */
static int script_governors(pw_gov_t *g, int64_t sid, int64_t *gids, int max)
{
	cJSON *teams = season_teams_json(gov_store(g), sid);
	int n = 0;
	const cJSON *t;
	cJSON_ArrayForEach(t, teams) {
		if (n >= max)
			break;
		char name[64];
		snprintf(name, sizeof name, "Governor %d", n + 1);
		cJSON *o = NULL;
		pw_err_t e;
		if (gov_join(g, name, (int64_t)cJSON_GetObjectItem(t, "id")->valuedouble, &o, &e) == 0) {
			gids[n++] = (int64_t)cJSON_GetObjectItem(o, "governor_id")->valuedouble;
			cJSON_Delete(o);
		}
	}
	cJSON_Delete(teams);
	return n;
}

/* A whole (small) file as a string; NULL with err set. Caller frees. */
static char *slurp(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errlen, "cannot open \"%s\"", path);
		return NULL;
	}
	char *buf = malloc(FX_SOURCE_MAX + 1);
	size_t n = buf ? fread(buf, 1, FX_SOURCE_MAX + 1, f) : 0;
	fclose(f);
	if (!buf || n > FX_SOURCE_MAX) {
		snprintf(err, errlen, buf ? "\"%s\" is longer than %d bytes" : "out of memory", path,
			 FX_SOURCE_MAX);
		free(buf);
		return NULL;
	}
	buf[n] = 0;
	return buf;
}

/* texts[i] is proposal text, or "@FILE" for an attached effect script. */
static int script_proposals(pw_gov_t *g, int64_t sid, const char **texts, int n)
{
	int64_t gids[PW_MAX_TEAMS];
	int ng = script_governors(g, sid, gids, PW_MAX_TEAMS);
	if (ng < 1)
		return -1;
	for (int i = 0; i < n; i++) {
		cJSON *o = NULL;
		pw_err_t e;
		int64_t who = gids[i % ng];
		char *lua = NULL, text[512], msg[256];
		snprintf(text, sizeof text, "%s", texts[i]);
		if (texts[i][0] == '@') {
			if (!(lua = slurp(texts[i] + 1, msg, sizeof msg))) {
				cli_error("season", "--propose-effect: %s", msg);
				return -1;
			}
			snprintf(text, sizeof text, "Install the effect in %s", texts[i] + 1);
		}
		int prc = gov_propose(g, who, text, lua, &o, &e);
		free(lua);
		if (prc < 0) {
			cli_error("season", "--propose \"%s\": %s", texts[i], e.msg);
			return -1;
		}
		int64_t pid = (int64_t)cJSON_GetObjectItem(o, "id")->valuedouble;
		cJSON_Delete(o);
		if (gov_confirm(g, who, pid, NULL, &e) < 0) {
			cli_error("season", "--propose \"%s\": %s", texts[i], e.msg);
			return -1;
		}
		gov_admin_clear(g, pid, NULL, &e); /* headless: wild proposals are cleared */
		for (int k = 0; k < ng; k++)
			gov_vote(g, gids[k], pid, true, false, NULL, &e);
	}
	return 0;
}

static cJSON *season_summary(pw_gov_t *g, int64_t sid)
{
	pw_store_t *s = gov_store(g);
	cJSON *o = cJSON_CreateObject();
	cJSON *st = season_standings_json(s, sid);
	cJSON *reg = cJSON_AddArrayToObject(o, "standings");
	const cJSON *r;
	cJSON_ArrayForEach(r, cJSON_GetObjectItem(st, "regular")) {
		cJSON *x = cJSON_CreateObject();
		static const char *const keys[] = {"team_id", "name", "wins", "losses", "points_for",
						   "points_against"};
		for (int i = 0; i < 6; i++)
			cJSON_AddItemToObject(x, keys[i], cJSON_Duplicate(cJSON_GetObjectItem(r, keys[i]), 1));
		cJSON_AddItemToArray(reg, x);
	}
	cJSON *br = cJSON_DetachItemFromObject(st, "playoffs");
	cJSON_Delete(st);
	cJSON_AddItemToObject(o, "playoffs", cJSON_DetachItemFromObject(br, "series"));
	cJSON_AddItemToObject(o, "champion", cJSON_DetachItemFromObject(br, "champion"));
	cJSON_Delete(br);
	cJSON_AddNumberToObject(o, "games", store_game_count(s, sid));
	cJSON_AddItemToObject(o, "rule_changes", gov_rules_history_json(g));
	return o;
}

static void print_text(const cJSON *o)
{
	printf("%-4s %-28s %4s %4s %6s %6s\n", "#", "team", "W", "L", "PF", "PA");
	int rank = 1;
	const cJSON *r;
	cJSON_ArrayForEach(r, cJSON_GetObjectItem(o, "standings"))
		printf("%-4d %-28s %4d %4d %6d %6d\n", rank++, cJSON_GetObjectItem(r, "name")->valuestring,
		       cJSON_GetObjectItem(r, "wins")->valueint, cJSON_GetObjectItem(r, "losses")->valueint,
		       cJSON_GetObjectItem(r, "points_for")->valueint,
		       cJSON_GetObjectItem(r, "points_against")->valueint);
	printf("\nplayoffs:\n");
	const cJSON *sr;
	cJSON_ArrayForEach(sr, cJSON_GetObjectItem(o, "playoffs")) {
		const cJSON *hi = cJSON_GetObjectItem(sr, "high"), *lo = cJSON_GetObjectItem(sr, "low");
		const cJSON *w = cJSON_GetObjectItem(sr, "winner");
		if (!hi || !lo)
			continue;
		printf("  %-4s (%d) %s %d - %d %s (%d)%s%s\n", cJSON_GetObjectItem(sr, "id")->valuestring,
		       cJSON_GetObjectItem(hi, "seed")->valueint, cJSON_GetObjectItem(hi, "name")->valuestring,
		       cJSON_GetObjectItem(hi, "wins")->valueint, cJSON_GetObjectItem(lo, "wins")->valueint,
		       cJSON_GetObjectItem(lo, "name")->valuestring, cJSON_GetObjectItem(lo, "seed")->valueint,
		       cJSON_IsObject(w) ? "  winner: " : "",
		       cJSON_IsObject(w) ? cJSON_GetObjectItem(w, "name")->valuestring : "");
	}
	const cJSON *c = cJSON_GetObjectItem(o, "champion");
	printf("\nchampion: %s\ngames: %d\n", cJSON_IsObject(c) ? cJSON_GetObjectItem(c, "name")->valuestring : "none",
	       cJSON_GetObjectItem(o, "games")->valueint);
}

int cmd_season(int argc, char **argv)
{
	const char *lseed_s = NULL, *seed_s = NULL, *format = NULL, *db = NULL, *par_s = NULL;
	const char *teams_s = NULL;
	const char *props[MAX_PROPOSALS];
	char fxargs[MAX_PROPOSALS][1024];
	int nprops = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = NULL;
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			season_usage(stdout);
			return 0;
		}
		if (!strcmp(a, "--league-seed") || !strcmp(a, "--seed") || !strcmp(a, "--format") ||
		    !strcmp(a, "--db") || !strcmp(a, "--propose") || !strcmp(a, "--propose-effect") ||
		    !strcmp(a, "--parallel") || !strcmp(a, "--teams")) {
			if (!(v = need_value("season", argc, argv, &i)))
				return 2;
		} else {
			cli_error("season", "unknown option \"%s\" (see pinwheel season --help)", a);
			return 2;
		}
		if (!strcmp(a, "--league-seed"))
			lseed_s = v;
		else if (!strcmp(a, "--seed"))
			seed_s = v;
		else if (!strcmp(a, "--format"))
			format = v;
		else if (!strcmp(a, "--db"))
			db = v;
		else if (!strcmp(a, "--parallel"))
			par_s = v;
		else if (!strcmp(a, "--teams"))
			teams_s = v;
		else if (nprops < MAX_PROPOSALS && !strcmp(a, "--propose"))
			props[nprops++] = v;
		else if (nprops < MAX_PROPOSALS) {
			/* "@FILE" marks an attached script for script_proposals. */
			snprintf(fxargs[nprops], sizeof fxargs[nprops], "@%s", v);
			props[nprops] = fxargs[nprops];
			nprops++;
		} else {
			cli_error("season", "at most %d --propose options", MAX_PROPOSALS);
			return 2;
		}
	}
	uint64_t lseed = 1, seed = 0;
	lseed_s = cli_value(lseed_s, "PINWHEEL_LEAGUE_SEED", "1");
	if (cli_parse_u64("season", "--league-seed", lseed_s, &lseed) < 0)
		return 2;
	seed_s = cli_value(seed_s, "PINWHEEL_SEED", NULL);
	if (seed_s && cli_parse_u64("season", "--seed", seed_s, &seed) < 0)
		return 2;
	int n_teams = 8;
	if (cli_parse_int("season", "--teams", cli_value(teams_s, "PINWHEEL_TEAMS", "8"), 4, PW_MAX_TEAMS,
			  &n_teams) < 0)
		return 2;
	uint64_t par = 1;
	par_s = cli_value(par_s, "PINWHEEL_PARALLEL_GAMES", "1");
	if (cli_parse_u64("season", "--parallel", par_s, &par) < 0)
		return 2;
	if (par < 1 || par > FX_LEAGUE_MAX_WORKERS) {
		cli_error("season", "--parallel must be 1 to %d, got %s", FX_LEAGUE_MAX_WORKERS, par_s);
		return 2;
	}
	format = cli_value(format, "PINWHEEL_FORMAT", "text");
	if (strcmp(format, "text") && strcmp(format, "json")) {
		cli_error("season", "--format must be text or json, got \"%s\"", format);
		return 2;
	}
	db = db ? db : ":memory:";
	char err[512];
	pw_store_t *s = store_open(db, err, sizeof err);
	if (!s) {
		cli_error("season", "%s", err);
		return 1;
	}
	pw_err_t e;
	int64_t lid, sid;
	char scripts[PATH_MAX];
	cli_asset_dir("scripts/effects", scripts, sizeof scripts);
	pw_gov_cfg_t gcfg = {.scripts_dir = cli_value(NULL, "PINWHEEL_SCRIPTS_DIR", scripts)};
	pw_gov_t *g = NULL;
	int rc = 1;
	fx_league_opts_t fo = {.workers = (int)par};
	fx_league_t *fx = fx_league_new(&fo, err, sizeof err);
	if (!fx) {
		cli_error("season", "%s", err);
		store_close(s);
		return 1;
	}
	fx_league_gov_cfg(fx, &gcfg);
	if (season_setup_league(s, "Pinwheel Fates", lseed, n_teams, &lid, &e) < 0) {
		cli_error("season", "%s", e.msg);
		goto out;
	}
	g = gov_open(s, &gcfg);
	pw_season_row_t cur;
	if (!g) {
		cli_error("season", "cannot read the event log");
		goto out;
	}
	if (season_current(s, &cur) == 1 && strcmp(cur.phase, "complete")) {
		sid = cur.id; /* an unfinished season in --db: finish it */
	} else if (season_create(g, NULL, true, NULL, seed, &sid, &e) < 0) {
		cli_error("season", "%s", e.msg);
		goto out;
	}
	if (nprops && script_proposals(g, sid, props, nprops) < 0)
		goto out;
	pw_round_cfg_t rc_cfg = {.gov = g, .championship_seconds = 0, .holder = "pinwheel-season"};
	fx_league_round_cfg(fx, &rc_cfg);
	for (int ticks = 0; ticks < 1000; ticks++) {
		pw_round_out_t ro;
		if (round_tick(&rc_cfg, &ro, &e) < 0) {
			cli_error("season", "%s", e.msg);
			goto out;
		}
		if (!strcmp(ro.phase, "complete"))
			break;
	}
	cJSON *o = season_summary(g, sid);
	if (!strcmp(format, "json")) {
		char *t = cJSON_PrintUnformatted(o);
		printf("%s\n", t);
		free(t);
	} else {
		print_text(o);
	}
	cJSON_Delete(o);
	rc = 0;
out:
	gov_close(g);
	fx_league_free(fx);
	store_close(s);
	return rc;
}

static int db_option(const char *cmd, int argc, char **argv, const char **db, const char **outp)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			printf("usage: pinwheel %s --db PATH%s\n", cmd, outp ? " --out FILE" : "");
			return 1;
		}
		if (!strcmp(a, "--db")) {
			if (!(*db = need_value(cmd, argc, argv, &i)))
				return 2;
		} else if (outp && !strcmp(a, "--out")) {
			if (!(*outp = need_value(cmd, argc, argv, &i)))
				return 2;
		} else {
			cli_error(cmd, "unknown option \"%s\" (see pinwheel %s --help)", a, cmd);
			return 2;
		}
	}
	return 0;
}

/* Told of each table copied: one line per table, so a long copy shows
 * where it is. */
static int copy_progress(void *ud, const char *table, int64_t rows)
{
	(void)ud;
	printf("copied %s: %lld row%s\n", table, (long long)rows, rows == 1 ? "" : "s");
	fflush(stdout);
	return 0;
}

/* pinwheel migrate --from FILE --to URL: the one-way copy of a league
 * (core/league/store_copy.h). */
static int migrate_copy(const char *from, const char *to)
{
	if (!from || !to) {
		cli_error("migrate", "--from FILE and --to postgres://... go together (see pinwheel"
			  " migrate --help)");
		return 2;
	}
	char err[1024], shown[512];
	int64_t rows = store_copy(from, to, copy_progress, NULL, err, sizeof err);
	if (rows < 0) {
		cli_error("migrate", "%s", err);
		return 1;
	}
	printf("copied %lld rows from \"%s\" to %s\n", (long long)rows, from,
	       store_printable(to, shown, sizeof shown));
	return 0;
}

int cmd_migrate(int argc, char **argv)
{
	const char *db = NULL, *from = NULL, *to = NULL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char **slot = !strcmp(a, "--db")	   ? &db
				    : !strcmp(a, "--from") ? &from
				    : !strcmp(a, "--to")   ? &to
							   : NULL;
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			printf("usage: pinwheel migrate [--db PATH|URL]\n"
			       "       pinwheel migrate --from FILE.db --to postgres://...\n"
			       "The first brings a database's schema up to date; the second copies a\n"
			       "whole league from a SQLite file into an empty PostgreSQL database.\n");
			return 0;
		}
		if (!slot) {
			cli_error("migrate", "unknown option \"%s\" (see pinwheel migrate --help)", a);
			return 2;
		}
		if (!(*slot = need_value("migrate", argc, argv, &i)))
			return 2;
	}
	if (from || to) {
		if (db) {
			cli_error("migrate", "--db and --from/--to do not go together");
			return 2;
		}
		return migrate_copy(from, to);
	}
	db = cli_value(db, "PINWHEEL_DB", "data/pinwheel.db");
	char err[512];
	pw_store_t *s = store_open_raw(db, err, sizeof err);
	if (!s) {
		cli_error("migrate", "%s", err);
		return 1;
	}
	int applied = 0;
	if (store_migrate(s, &applied) < 0) {
		cli_error("migrate", "%s", store_errmsg(s));
		store_close(s);
		return 1;
	}
	printf("schema version %d (%d migration%s applied)\n", store_schema_version(s), applied,
	       applied == 1 ? "" : "s");
	store_close(s);
	return 0;
}

static void log_line(void *ud, const char *line)
{
	(void)ud;
	fprintf(stderr, "pinwheel rebuild: %s\n", line);
}

int cmd_rebuild(int argc, char **argv)
{
	const char *db = NULL;
	int u = db_option("rebuild", argc, argv, &db, NULL);
	if (u)
		return u == 1 ? 0 : u;
	db = cli_value(db, "PINWHEEL_DB", NULL);
	if (!db) {
		cli_error("rebuild", "--db PATH is required");
		return 2;
	}
	char err[512];
	pw_store_t *s = store_open(db, err, sizeof err);
	if (!s) {
		cli_error("rebuild", "%s", err);
		return 1;
	}
	/* Games are replayed with their stored effects in the real sandbox. */
	fx_league_t *fx = fx_league_new(NULL, err, sizeof err);
	pw_gov_t *g = fx ? gov_open(s, NULL) : NULL;
	if (!g) {
		if (fx)
			cli_error("rebuild", "the event log of \"%s\" cannot be replayed", db);
		else
			cli_error("rebuild", "%s", err);
		fx_league_free(fx);
		store_close(s);
		return 1;
	}
	pw_round_cfg_t cfg = {.gov = g};
	fx_league_round_cfg(fx, &cfg);
	pw_err_t e;
	int checked = 0;
	int bad = round_rebuild(&cfg, &checked, log_line, NULL, &e);
	int64_t events = store_events_count(s);
	gov_close(g);
	fx_league_free(fx);
	store_close(s);
	if (bad < 0) {
		cli_error("rebuild", "%s", e.msg);
		return 1;
	}
	printf("replayed %lld events; re-simulated %d games; %d mismatch%s\n", (long long)events, checked,
	       bad, bad == 1 ? "" : "es");
	return bad ? 1 : 0;
}

int cmd_backup(int argc, char **argv)
{
	const char *db = NULL, *outp = NULL;
	int u = db_option("backup", argc, argv, &db, &outp);
	if (u)
		return u == 1 ? 0 : u;
	db = cli_value(db, "PINWHEEL_DB", NULL);
	outp = cli_value(outp, "PINWHEEL_BACKUP_OUT", NULL);
	if (!db || !outp) {
		cli_error("backup", "--db PATH and --out FILE are required");
		return 2;
	}
	char err[512];
	pw_store_t *s = store_open_raw(db, err, sizeof err);
	if (!s) {
		cli_error("backup", "%s", err);
		return 1;
	}
	int rc = store_backup(s, outp);
	if (rc < 0)
		cli_error("backup", "%s", store_errmsg(s));
	else
		printf("backed up \"%s\" to \"%s\"\n", db, outp);
	store_close(s);
	return rc < 0 ? 1 : 0;
}
