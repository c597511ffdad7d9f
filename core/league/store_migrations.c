/*
 * store_migrations.c — the numbered schema migrations.
 *
 * Migration N brings the schema from version N-1 to N. A migration never
 * drops data: new columns and tables only, or copies. Applied in order at
 * open and by `pinwheel migrate`, each in its own transaction together with
 * its row in schema_version, so a crash never leaves a half-applied step.
 */
#include "core/league/store_internal.h"

static const char *const migration_1 =
	"CREATE TABLE leagues("
	"  id INTEGER PRIMARY KEY, name TEXT NOT NULL, seed INTEGER NOT NULL,"
	"  meta TEXT NOT NULL DEFAULT '{}',"
	"  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')));"

	"CREATE TABLE seasons("
	"  id INTEGER PRIMARY KEY, league_id INTEGER NOT NULL REFERENCES leagues(id),"
	"  number INTEGER NOT NULL, name TEXT NOT NULL, phase TEXT NOT NULL DEFAULT 'setup',"
	"  current_round INTEGER NOT NULL DEFAULT 0, seed INTEGER NOT NULL,"
	"  rules_json TEXT NOT NULL, phase_started INTEGER NOT NULL DEFAULT 0,"
	"  meta TEXT NOT NULL DEFAULT '{}',"
	"  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),"
	"  UNIQUE(league_id, number));"

	"CREATE TABLE teams("
	"  id INTEGER PRIMARY KEY, league_id INTEGER NOT NULL REFERENCES leagues(id),"
	"  name TEXT NOT NULL, data TEXT NOT NULL,"
	"  strategy_json TEXT, strategy_text TEXT,"
	"  meta TEXT NOT NULL DEFAULT '{}');"

	"CREATE TABLE hoopers("
	"  id INTEGER PRIMARY KEY, team_id INTEGER NOT NULL REFERENCES teams(id),"
	"  slot INTEGER NOT NULL, name TEXT NOT NULL, data TEXT NOT NULL,"
	"  meta TEXT NOT NULL DEFAULT '{}');"
	"CREATE INDEX hoopers_team ON hoopers(team_id, slot);"

	"CREATE TABLE players("
	"  id INTEGER PRIMARY KEY, name TEXT NOT NULL,"
	"  team_id INTEGER REFERENCES teams(id),"
	"  token_hash TEXT NOT NULL UNIQUE, created_at INTEGER NOT NULL,"
	"  meta TEXT NOT NULL DEFAULT '{}');"

	"CREATE TABLE schedule("
	"  id INTEGER PRIMARY KEY, season_id INTEGER NOT NULL REFERENCES seasons(id),"
	"  round_number INTEGER NOT NULL, game_index INTEGER NOT NULL,"
	"  home_team_id INTEGER NOT NULL REFERENCES teams(id),"
	"  away_team_id INTEGER NOT NULL REFERENCES teams(id),"
	"  stage TEXT NOT NULL DEFAULT 'regular', series TEXT NOT NULL DEFAULT '',"
	"  series_game INTEGER NOT NULL DEFAULT 0,"
	"  meta TEXT NOT NULL DEFAULT '{}',"
	"  UNIQUE(season_id, round_number, game_index));"

	"CREATE TABLE game_results("
	"  id INTEGER PRIMARY KEY, season_id INTEGER NOT NULL REFERENCES seasons(id),"
	"  round_number INTEGER NOT NULL, game_index INTEGER NOT NULL,"
	"  stage TEXT NOT NULL, series TEXT NOT NULL DEFAULT '', series_game INTEGER NOT NULL DEFAULT 0,"
	"  home_team_id INTEGER NOT NULL, away_team_id INTEGER NOT NULL,"
	"  home_score INTEGER NOT NULL, away_score INTEGER NOT NULL,"
	"  winner_team_id INTEGER NOT NULL, seed INTEGER NOT NULL,"
	"  rules_json TEXT NOT NULL, effect_ids TEXT NOT NULL DEFAULT '[]',"
	"  home_json TEXT NOT NULL, away_json TEXT NOT NULL,"
	"  hash TEXT NOT NULL, result_json TEXT NOT NULL,"
	"  meta TEXT NOT NULL DEFAULT '{}',"
	"  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),"
	"  UNIQUE(season_id, round_number, game_index));"

	"CREATE TABLE box_scores("
	"  game_id INTEGER NOT NULL REFERENCES game_results(id),"
	"  hooper_id INTEGER NOT NULL, team_id INTEGER NOT NULL,"
	"  seconds REAL NOT NULL DEFAULT 0, points INTEGER NOT NULL DEFAULT 0,"
	"  fgm INTEGER NOT NULL DEFAULT 0, fga INTEGER NOT NULL DEFAULT 0,"
	"  tpm INTEGER NOT NULL DEFAULT 0, tpa INTEGER NOT NULL DEFAULT 0,"
	"  ftm INTEGER NOT NULL DEFAULT 0, fta INTEGER NOT NULL DEFAULT 0,"
	"  rebounds INTEGER NOT NULL DEFAULT 0, assists INTEGER NOT NULL DEFAULT 0,"
	"  steals INTEGER NOT NULL DEFAULT 0, turnovers INTEGER NOT NULL DEFAULT 0,"
	"  fouls INTEGER NOT NULL DEFAULT 0, plus_minus INTEGER NOT NULL DEFAULT 0,"
	"  meta TEXT NOT NULL DEFAULT '{}',"
	"  PRIMARY KEY(game_id, hooper_id));"

	"CREATE TABLE governance_events("
	"  id INTEGER PRIMARY KEY, event_type TEXT NOT NULL,"
	"  aggregate_type TEXT NOT NULL, aggregate_id TEXT NOT NULL,"
	"  season_id INTEGER, governor_id INTEGER, team_id INTEGER,"
	"  round_number INTEGER NOT NULL DEFAULT 0,"
	"  sequence_number INTEGER NOT NULL UNIQUE,"
	"  payload TEXT NOT NULL DEFAULT '{}',"
	"  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')));"
	"CREATE INDEX governance_events_type ON governance_events(event_type, season_id);"
	"CREATE TRIGGER governance_events_no_update BEFORE UPDATE ON governance_events"
	"  BEGIN SELECT RAISE(ABORT, 'governance_events is append-only: no UPDATE'); END;"
	"CREATE TRIGGER governance_events_no_delete BEFORE DELETE ON governance_events"
	"  BEGIN SELECT RAISE(ABORT, 'governance_events is append-only: no DELETE'); END;"

	"CREATE TABLE reports("
	"  id INTEGER PRIMARY KEY, season_id INTEGER NOT NULL, round_number INTEGER NOT NULL,"
	"  kind TEXT NOT NULL, governor_id INTEGER NOT NULL DEFAULT 0,"
	"  game_id INTEGER NOT NULL DEFAULT 0, text TEXT NOT NULL,"
	"  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),"
	"  UNIQUE(season_id, round_number, kind, governor_id, game_id));"

	"CREATE TABLE bot_state(key TEXT PRIMARY KEY, value TEXT NOT NULL,"
	"  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')));"

	"CREATE TABLE season_archives(season_id INTEGER PRIMARY KEY REFERENCES seasons(id),"
	"  json TEXT NOT NULL,"
	"  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')));"
	"CREATE TRIGGER season_archives_immutable BEFORE UPDATE ON season_archives"
	"  BEGIN SELECT RAISE(ABORT, 'season archives are immutable'); END;"

	"CREATE TABLE eval_results(id INTEGER PRIMARY KEY, season_id INTEGER, round_number INTEGER,"
	"  report_id INTEGER, kind TEXT NOT NULL, value REAL NOT NULL,"
	"  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),"
	"  UNIQUE(report_id, kind));"

	"CREATE TABLE ai_usage_log(id INTEGER PRIMARY KEY, model TEXT NOT NULL,"
	"  call_type TEXT NOT NULL, input_tokens INTEGER NOT NULL DEFAULT 0,"
	"  output_tokens INTEGER NOT NULL DEFAULT 0, cache_read_tokens INTEGER NOT NULL DEFAULT 0,"
	"  latency_ms REAL NOT NULL DEFAULT 0, cost_usd REAL NOT NULL DEFAULT 0,"
	"  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')));"

	"CREATE TABLE round_progress(season_id INTEGER NOT NULL, round_number INTEGER NOT NULL,"
	"  stage INTEGER NOT NULL, snapshot TEXT,"
	"  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),"
	"  PRIMARY KEY(season_id, round_number));";

/*
 * Migration 2: people behind governors (core/league/identity.h). None of
 * this is governance, so none of it is an event: an identity is a person
 * as an identity provider knows them, keyed by (provider, subject) —
 * "invite" and "open" for people who joined here, "token" for a governor
 * who signed in with a bearer token, "discord" once Sign in with Discord
 * exists; each identity has at most one governor per season. Browser
 * sessions are stored by the SHA-256 of their id (the cookie holds the id
 * itself); invites by the SHA-256 of their code.
 */
static const char *const migration_2 =
	"CREATE TABLE identities("
	"  id INTEGER PRIMARY KEY, provider TEXT NOT NULL, subject TEXT NOT NULL,"
	"  display_name TEXT NOT NULL DEFAULT '', created_at INTEGER NOT NULL,"
	"  UNIQUE(provider, subject));"

	"CREATE TABLE invites("
	"  id INTEGER PRIMARY KEY, code_hash TEXT NOT NULL UNIQUE,"
	"  team_id INTEGER NOT NULL REFERENCES teams(id),"
	"  max_uses INTEGER NOT NULL, uses INTEGER NOT NULL DEFAULT 0,"
	"  expires_at INTEGER NOT NULL, revoked INTEGER NOT NULL DEFAULT 0,"
	"  note TEXT NOT NULL DEFAULT '', created_at INTEGER NOT NULL);"

	"CREATE TABLE identity_governors("
	"  identity_id INTEGER NOT NULL REFERENCES identities(id),"
	"  season_id INTEGER NOT NULL REFERENCES seasons(id),"
	"  governor_id INTEGER NOT NULL UNIQUE REFERENCES players(id),"
	"  invite_id INTEGER REFERENCES invites(id), created_at INTEGER NOT NULL,"
	"  PRIMARY KEY(identity_id, season_id));"

	"CREATE TABLE sessions("
	"  id_hash TEXT PRIMARY KEY, csrf TEXT NOT NULL,"
	"  identity_id INTEGER REFERENCES identities(id), admin INTEGER NOT NULL DEFAULT 0,"
	"  created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL);"
	"CREATE INDEX sessions_expiry ON sessions(expires_at);";

/*
 * Migration 3: games a presenter has not shown yet (no spoilers, spec 40-server
 * "Pages"). A tick played by `pinwheel serve` stores its games with
 * presented = 0 and the presenter sets 1 when a game's replay ends; the
 * viewers' connection (store_open_viewer) sees only presented games. Games
 * stored before this migration were all shown already: the default is 1.
 * The partial index keeps "is anything of this season unpresented?" cheap
 * for the viewers' views, which ask it of every row they filter.
 */
static const char *const migration_3 =
	"ALTER TABLE game_results ADD COLUMN presented INTEGER NOT NULL DEFAULT 1;"
	"CREATE INDEX game_results_unpresented ON game_results(season_id, round_number)"
	"  WHERE presented = 0;";

/*
 * Migration 4: games whose play-by-play is re-derived, not stored (issue
 * 15: the stored play-by-play was 92% of a season's bytes). A game is a
 * pure function of the inputs its row keeps (rules, teams, seed, and its
 * place, which gives the simulation's game id), so a game played without
 * effects is stored with derived = 1 and an empty result_json, and its
 * GameResult is simulated again when read (core/league/game_text.h),
 * checked against the stored hash. Games stored before this migration
 * keep their text and the default 0: nothing is dropped, and a game an
 * older engine played is served as it was played.
 */
static const char *const migration_4 =
	"ALTER TABLE game_results ADD COLUMN derived INTEGER NOT NULL DEFAULT 0;";

/*
 * Migration 5: the AI layer (server/ai/). Each call's outcome ("ok",
 * "rate_limited", "timeout", "over_budget", ...) beside its tokens and
 * cost, so the admin sees what failed and the daily spend cap can sum the
 * day's cost; the day index keeps that sum cheap. ai_reports holds the AI's
 * version of a report, written after the tick (never on its path) and only
 * when it passed its evals; readers prefer it to the offline text, which
 * stays in reports untouched.
 */
static const char *const migration_5 =
	"ALTER TABLE ai_usage_log ADD COLUMN outcome TEXT NOT NULL DEFAULT 'ok';"
	"CREATE INDEX ai_usage_log_day ON ai_usage_log(substr(created_at, 1, 10));"
	"CREATE TABLE ai_reports(report_id INTEGER PRIMARY KEY REFERENCES reports(id),"
	"  text TEXT NOT NULL, model TEXT NOT NULL,"
	"  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')));";

/*
 * Migration 6: the Discord bot's outbox (core/league/store_discord.h): the
 * REST calls announcements need, made in id order by the sender thread and
 * marked done (sent, or given up with the reason), so a restart resumes
 * where the last one stopped. Rows are kept as the record of what was said.
 */
static const char *const migration_6 =
	"CREATE TABLE discord_outbox("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT, method TEXT NOT NULL, path TEXT NOT NULL,"
	"  body TEXT, created_at INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,"
	"  done_at INTEGER, status INTEGER, error TEXT);"
	"CREATE INDEX discord_outbox_pending ON discord_outbox(id) WHERE done_at IS NULL;";

/*
 * Migration 7: the live-event log, the bus across instances (server's
 * srv_bus in shared mode, docs/POSTGRES.md "The bus"). Each bus event is a
 * row whose id is the event's global id on every instance's stream;
 * origin names the instance that published it, so a sink with side effects
 * (reports, Discord) acts once, on that instance. Only the newest rows are
 * kept (store_live_prune). SQLite writes here only when asked: its server
 * keeps the bus in process (one instance per file).
 */
static const char *const migration_7 =
	"CREATE TABLE live_events("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT, type TEXT NOT NULL, json TEXT NOT NULL,"
	"  origin TEXT NOT NULL DEFAULT '',"
	"  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')));";

const char *const store_migrations[] = {
	migration_1,
	migration_2,
	migration_3,
	migration_4,
	migration_5,
	migration_6,
	migration_7,
};
const int store_migrations_count = (int)(sizeof store_migrations / sizeof store_migrations[0]);
