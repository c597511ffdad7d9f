/*
 * test_event_log.c — a database written before the event table existed
 * folds exactly as it always did.
 *
 * The rows below are the log as the writers of that time stored it (wire
 * names and aggregate types typed as strings, 0 ids stored as NULL), one or
 * more of every type, with the odd cases the fold has rules for: a vote
 * replaced, a held proposal approved, an effect enabled that was never
 * disabled, a trade answered twice, a type no row has. They are written
 * with raw SQL, folded, and the whole state is printed and compared with
 * the state the fold gave before it became a table (pinned below). Then the
 * same rows go through today's writer (store_event_append with the row's
 * constant), which must accept every payload and give the same state.
 */
#include "tests/test.h"

#include <cjson/cJSON.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/league/gov_state.h"
#include "core/league/store.h"
#include "tests/integration/league_helpers.h"

typedef struct old_row {
	const char *type, *agg, *agg_id;
	int64_t season, gov, team;
	int round;
	const char *payload;
} old_row_t;

#define TOKENS2 "{\"propose\":2,\"amend\":2,\"boost\":2}"
#define INTERP1 "{\"parameters\":[{\"name\":\"three_point_value\",\"old\":3,\"new\":4}],\"effects\":[],\"repeal\":[],\"tier\":1}"
#define INTERP2 "{\"parameters\":[],\"effects\":[{\"name\":\"wild\",\"source\":\"return {}\",\"hooks\":[\"sim.possession.pre\"],\"lifetime\":\"rounds\",\"rounds\":2}],\"tier\":5}"

/* Season 1 up to its first phase change, then a second season starts. */
static const old_row_t rows1[] = {
	{"season.created", "season", "1", 1, 0, 0, 0,
	 "{\"season_id\":1,\"number\":1,\"name\":\"Season 1\",\"carry_rules\":true,"
	 "\"rules\":{\"proposals_per_window\":4,\"vote_threshold\":0.55}}"},
	{"governor.joined", "governor", "1", 1, 1, 1, 0, "{\"name\":\"Ada\",\"team_id\":1,\"tokens\":" TOKENS2 "}"},
	{"governor.joined", "governor", "2", 1, 2, 2, 0, "{\"name\":\"Bo\",\"team_id\":2,\"tokens\":" TOKENS2 "}"},
	{"governor.joined", "governor", "3", 1, 3, 1, 0, "{\"name\":\"Cy\",\"team_id\":1,\"tokens\":" TOKENS2 "}"},
	/* Proposal 1: a parameter, passed and enacted, later rolled back. */
	{"proposal.submitted", "proposal", "1", 1, 1, 1, 0,
	 "{\"proposal_id\":1,\"text\":\"threes worth 4\",\"interpretation\":" INTERP1 ",\"tier\":1,\"cost\":1,"
	 "\"impact\":{\"parameters\":{\"points\":1.5}}}"},
	{"token.spent", "governor", "1", 1, 1, 1, 0,
	 "{\"kind\":\"propose\",\"amount\":1,\"reason\":\"proposal\",\"proposal_id\":1}"},
	{"proposal.confirmed", "proposal", "1", 1, 1, 1, 0, "{\"proposal_id\":1}"},
	{"vote.cast", "proposal", "1", 1, 1, 1, 0, "{\"proposal_id\":1,\"vote\":\"no\",\"boost\":false}"},
	{"token.spent", "governor", "2", 1, 2, 2, 0,
	 "{\"kind\":\"boost\",\"amount\":1,\"reason\":\"boost\",\"proposal_id\":1}"},
	{"vote.cast", "proposal", "1", 1, 2, 2, 0, "{\"proposal_id\":1,\"vote\":\"yes\",\"boost\":true}"},
	{"vote.cast", "proposal", "1", 1, 1, 1, 0, "{\"proposal_id\":1,\"vote\":\"yes\",\"boost\":false}"},
	/* Proposal 2: wild, flagged, amended, cleared, held, approved. */
	{"proposal.submitted", "proposal", "2", 1, 3, 1, 0,
	 "{\"proposal_id\":2,\"text\":\"a wild idea\",\"effect_lua\":\"return {}\",\"interpretation\":" INTERP2
	 ",\"tier\":5,\"cost\":2}"},
	{"token.spent", "governor", "3", 1, 3, 1, 0,
	 "{\"kind\":\"propose\",\"amount\":2,\"reason\":\"proposal\",\"proposal_id\":2}"},
	{"proposal.confirmed", "proposal", "2", 1, 3, 1, 0, "{\"proposal_id\":2}"},
	{"proposal.flagged_for_review", "proposal", "2", 1, 3, 1, 0,
	 "{\"proposal_id\":2,\"reason\":\"tier 5 (wild) proposals are reviewed by the admin\"}"},
	{"token.spent", "governor", "2", 1, 2, 2, 0,
	 "{\"kind\":\"amend\",\"amount\":1,\"reason\":\"amendment\",\"proposal_id\":2}"},
	{"proposal.amended", "proposal", "2", 1, 2, 2, 0,
	 "{\"proposal_id\":2,\"amended_by\":2,\"text\":\"a calmer idea\",\"interpretation\":" INTERP2
	 ",\"tier\":5,\"cost\":2,\"impact\":{\"wild\":{\"games\":10}}}"},
	{"proposal.review_cleared", "proposal", "2", 1, 0, 1, 0, "{\"proposal_id\":2}"},
	{"vote.cast", "proposal", "2", 1, 1, 1, 0, "{\"proposal_id\":2,\"vote\":\"yes\",\"boost\":false}"},
	/* Proposal 3 fails; proposal 4 is a draft withdrawn. */
	{"proposal.submitted", "proposal", "3", 1, 2, 2, 0,
	 "{\"proposal_id\":3,\"text\":\"fewer fouls\",\"interpretation\":{\"tier\":1},\"tier\":1,\"cost\":1}"},
	{"token.spent", "governor", "2", 1, 2, 2, 0,
	 "{\"kind\":\"propose\",\"amount\":1,\"reason\":\"proposal\",\"proposal_id\":3}"},
	{"proposal.confirmed", "proposal", "3", 1, 2, 2, 0, "{\"proposal_id\":3}"},
	{"proposal.submitted", "proposal", "4", 1, 1, 1, 0,
	 "{\"proposal_id\":4,\"text\":\"never mind\",\"interpretation\":{\"tier\":2},\"tier\":2,\"cost\":1}"},
	{"proposal.cancelled", "proposal", "4", 1, 1, 1, 0, "{\"proposal_id\":4}"},
	/* The tally of round 1. */
	{"proposal.passed", "proposal", "1", 1, 1, 1, 1,
	 "{\"proposal_id\":1,\"yes\":1.5,\"no\":0,\"share\":1,\"threshold\":0.55,\"votes\":2,\"held\":false}"},
	{"rule.enacted", "rule", "1", 1, 1, 1, 1,
	 "{\"proposal_id\":1,\"changes\":[{\"name\":\"three_point_value\",\"old\":3,\"new\":4}]}"},
	{"proposal.passed", "proposal", "2", 1, 3, 1, 1,
	 "{\"proposal_id\":2,\"yes\":0.5,\"no\":0,\"share\":1,\"threshold\":0.67,\"votes\":1,\"held\":true}"},
	{"proposal.failed", "proposal", "3", 1, 2, 2, 1,
	 "{\"proposal_id\":3,\"yes\":0,\"no\":0,\"share\":0,\"threshold\":0.55,\"votes\":0}"},
	{"token.regenerated", "governor", "1", 1, 1, 1, 1,
	 "{\"propose\":1,\"amend\":0,\"boost\":0,\"reason\":\"tally\"}"},
	{"token.regenerated", "governor", "3", 1, 3, 1, 1,
	 "{\"propose\":2,\"amend\":0,\"boost\":0,\"reason\":\"tally\"}"},
	{"proposal.approved", "proposal", "2", 1, 0, 1, 1, "{\"proposal_id\":2}"},
	{"effect.registered", "effect", "fx-2-1", 1, 3, 1, 1,
	 "{\"effect_id\":\"fx-2-1\",\"proposal_id\":2,\"name\":\"wild\",\"source\":\"return {}\","
	 "\"sha256\":\"0123abcd\",\"lifetime\":\"rounds\",\"rounds\":2,\"hooks\":[\"sim.possession.pre\"],"
	 "\"start_round\":2}"},
	{"effect.registered", "effect", "fx-2-2", 1, 3, 1, 1,
	 "{\"effect_id\":\"fx-2-2\",\"proposal_id\":2,\"name\":\"calm\",\"source\":\"return {calm=true}\","
	 "\"sha256\":\"4567ef\",\"lifetime\":\"permanent\",\"rounds\":0,\"hooks\":[],\"start_round\":2}"},
	/* Effects: disabled by the runner, enabled, expired; one enabled while
	 * active (only its reason changes), then repealed. */
	{"effect.disabled", "effect", "fx-2-1", 1, 0, 0, 2,
	 "{\"effect_id\":\"fx-2-1\",\"reason\":\"failed in 3 consecutive games\",\"round\":2,\"game_index\":1}"},
	{"effect.enabled", "effect", "fx-2-1", 1, 0, 0, 2, "{\"effect_id\":\"fx-2-1\",\"reason\":\"admin\"}"},
	{"effect.enabled", "effect", "fx-2-2", 1, 0, 0, 2, "{\"effect_id\":\"fx-2-2\",\"reason\":\"admin again\"}"},
	{"effect.expired", "effect", "fx-2-1", 1, 0, 0, 3, "{\"effect_id\":\"fx-2-1\",\"reason\":\"lifetime ended\"}"},
	{"effect.repealed", "effect", "fx-2-2", 1, 3, 1, 3,
	 "{\"effect_id\":\"fx-2-2\",\"proposal_id\":3,\"reason\":\"repealed by vote\"}"},
	{"rule.rolled_back", "rule", "1", 1, 0, 0, 3,
	 "{\"proposal_id\":1,\"changes\":[{\"name\":\"three_point_value\",\"old\":3,\"new\":4}]}"},
	/* Proposal 5 vetoed with its refund. */
	{"proposal.submitted", "proposal", "5", 1, 3, 1, 3,
	 "{\"proposal_id\":5,\"text\":\"veto me\",\"interpretation\":{\"tier\":1},\"tier\":1,\"cost\":1}"},
	{"token.spent", "governor", "3", 1, 3, 1, 3,
	 "{\"kind\":\"propose\",\"amount\":1,\"reason\":\"proposal\",\"proposal_id\":5}"},
	{"proposal.confirmed", "proposal", "5", 1, 3, 1, 3, "{\"proposal_id\":5}"},
	{"proposal.vetoed", "proposal", "5", 1, 0, 1, 3,
	 "{\"proposal_id\":5,\"reason\":\"no\",\"refund\":{\"propose\":1}}"},
	{"token.regenerated", "governor", "3", 1, 3, 1, 3,
	 "{\"propose\":1,\"amend\":0,\"boost\":0,\"reason\":\"veto_refund\",\"proposal_id\":5}"},
	/* Token trades: one accepted; one rejected, then answered again. */
	{"trade.offered", "trade", "1", 1, 1, 1, 3,
	 "{\"trade_id\":1,\"to_governor_id\":2,\"offer\":{\"propose\":0,\"amend\":1,\"boost\":0},"
	 "\"request\":{\"propose\":0,\"amend\":0,\"boost\":1}}"},
	{"trade.accepted", "trade", "1", 1, 2, 0, 3, "{\"trade_id\":1}"},
	{"trade.offered", "trade", "2", 1, 2, 2, 3,
	 "{\"trade_id\":2,\"to_governor_id\":3,\"offer\":{\"propose\":1,\"amend\":0,\"boost\":0},"
	 "\"request\":{\"propose\":0,\"amend\":1,\"boost\":0}}"},
	{"trade.rejected", "trade", "2", 1, 3, 0, 3, "{\"trade_id\":2}"},
	{"trade.accepted", "trade", "2", 1, 3, 0, 3, "{\"trade_id\":2}"},
	/* Hooper trades: one executed, one rejected. */
	{"hooper_trade.proposed", "hooper_trade", "1", 1, 1, 1, 3,
	 "{\"trade_id\":1,\"team_a\":1,\"team_b\":2,\"hooper_a\":11,\"hooper_b\":21}"},
	{"hooper_trade.approved", "hooper_trade", "1", 1, 2, 2, 3, "{\"trade_id\":1}"},
	{"hooper_trade.executed", "hooper_trade", "1", 1, 0, 0, 3,
	 "{\"trade_id\":1,\"hooper_a\":11,\"hooper_b\":21,\"team_a\":1,\"team_b\":2}"},
	{"hooper_trade.proposed", "hooper_trade", "2", 1, 3, 1, 3,
	 "{\"trade_id\":2,\"team_a\":1,\"team_b\":2,\"hooper_a\":12,\"hooper_b\":22}"},
	{"hooper_trade.rejected", "hooper_trade", "2", 1, 0, 0, 3,
	 "{\"trade_id\":2,\"reason\":\"a hooper changed teams since the trade was proposed\"}"},
	{"strategy.set", "team", "1", 1, 1, 1, 3, "{\"text\":\"shoot threes\"}"},
	{"strategy.interpreted", "team", "1", 1, 1, 1, 3,
	 "{\"strategy\":{\"three_bias\":0.3},\"note\":\"more threes\"}"},
	/* A type from a newer writer: skipped. */
	{"league.renamed", "league", "1", 1, 0, 0, 3, "{\"name\":\"Elsewhere\"}"},
	{"season.phase_changed", "season", "1", 1, 0, 0, 3,
	 "{\"from\":\"setup\",\"to\":\"active\",\"round\":3}"},
};

/* A second season: the activity counts start again, one governor carries. */
static const old_row_t rows2[] = {
	{"season.phase_changed", "season", "1", 1, 0, 0, 9,
	 "{\"from\":\"offseason\",\"to\":\"complete\",\"round\":9}"},
	{"season.created", "season", "2", 2, 0, 0, 0,
	 "{\"season_id\":2,\"number\":2,\"name\":\"Second\",\"carry_rules\":false,\"rules\":{}}"},
	{"governor.joined", "governor", "3", 2, 3, 2, 0,
	 "{\"name\":\"Cy\",\"team_id\":2,\"carried\":true,\"tokens\":" TOKENS2 "}"},
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Appends rows with raw SQL, as the old writers stored them. */
static void write_raw(const char *path, const old_row_t *r, size_t n, int64_t first_seq)
{
	sqlite3 *db = NULL;
	CHECK_EQ(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_stmt *st = NULL;
	CHECK_EQ(sqlite3_prepare_v2(db,
				    "INSERT INTO governance_events(event_type, aggregate_type, aggregate_id,"
				    " season_id, governor_id, team_id, round_number, sequence_number, payload)"
				    " VALUES(?,?,?,?,?,?,?,?,?)",
				    -1, &st, NULL),
		 SQLITE_OK);
	for (size_t i = 0; i < n; i++) {
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, r[i].type, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, r[i].agg, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, r[i].agg_id, -1, SQLITE_STATIC);
		int64_t ids[3] = {r[i].season, r[i].gov, r[i].team};
		for (int k = 0; k < 3; k++)
			if (ids[k])
				sqlite3_bind_int64(st, 4 + k, ids[k]);
			else
				sqlite3_bind_null(st, 4 + k);
		sqlite3_bind_int(st, 7, r[i].round);
		sqlite3_bind_int64(st, 8, first_seq + (int64_t)i);
		sqlite3_bind_text(st, 9, r[i].payload, -1, SQLITE_STATIC);
		CHECK_MSG(sqlite3_step(st) == SQLITE_DONE, "row %zu: %s", i, sqlite3_errmsg(db));
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
}

/* Appends rows through today's writer; a type no row has goes in raw, as a
 * newer writer would have put it there. */
static void write_new(pw_store_t *s, const char *path, const old_row_t *r, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		pw_event_type_t t = event_find(r[i].type);
		if (t == PW_EV_UNKNOWN) {
			write_raw(path, &r[i], 1, store_events_count(s) + 1);
			continue;
		}
		CHECK_STR(event_aggregate(t), r[i].agg);
		cJSON *p = cJSON_Parse(r[i].payload);
		CHECK_EQ(store_begin(s), 0);
		int64_t seq = store_event_append(s, t, r[i].agg_id, r[i].season, r[i].gov, r[i].team, r[i].round, p);
		CHECK_MSG(seq > 0, "%s: %s", r[i].type, store_errmsg(s));
		CHECK_EQ(store_commit(s), 0);
		cJSON_Delete(p);
	}
}

/* What the fold gave for rows1 before it was a table. */
static const char want1[] =
	"last_seq 58\n"
	"season 1 #1 \"Season 1\" active@3 carry=1\n"
	"rule proposals_per_window=4\n"
	"rule vote_threshold=0.55\n"
	"gov 1 \"Ada\" team 1 season 1 tokens 2/1/3 activity 1/2/2/1\n"
	"gov 2 \"Bo\" team 2 season 1 tokens 1/2/0 activity 1/1/1/0\n"
	"gov 3 \"Cy\" team 1 season 1 tokens 2/2/2 activity 2/0/0/1\n"
	"prop 1 season 1 gov 1 team 1 round 0 status passed flagged 0 cleared 0 enacted 1 amendments 0 tier 1 cost 1 seq 5\n"
	"  text \"threes worth 4\" original \"threes worth 4\" lua \"-\"\n"
	"  interp {\"parameters\":[{\"name\":\"three_point_value\",\"old\":3,\"new\":4}],\"effects\":[],\"repeal\":[],\"tier\":1}\n"
	"  impact {\"parameters\":{\"points\":1.5}}\n"
	"  tally 1.5/0/0.55 round 1 votes 1:yes@11 2:yes+boost@10\n"
	"prop 2 season 1 gov 3 team 1 round 0 status passed flagged 1 cleared 1 enacted 0 amendments 1 tier 5 cost 2 seq 12\n"
	"  text \"a calmer idea\" original \"a wild idea\" lua \"-\"\n"
	"  interp {\"parameters\":[],\"effects\":[{\"name\":\"wild\",\"source\":\"return {}\",\"hooks\":[\"sim.possession.pre\"],\"lifetime\":\"rounds\",\"rounds\":2}],\"tier\":5}\n"
	"  impact {\"wild\":{\"games\":10}}\n"
	"  tally 0.5/0/0.67 round 1 votes 1:yes@19\n"
	"prop 3 season 1 gov 2 team 2 round 0 status failed flagged 0 cleared 0 enacted 0 amendments 0 tier 1 cost 1 seq 20\n"
	"  text \"fewer fouls\" original \"fewer fouls\" lua \"-\"\n"
	"  interp {\"tier\":1}\n"
	"  impact -\n"
	"  tally 0/0/0.55 round 1 votes\n"
	"prop 4 season 1 gov 1 team 1 round 0 status cancelled flagged 0 cleared 0 enacted 0 amendments 0 tier 2 cost 1 seq 23\n"
	"  text \"never mind\" original \"never mind\" lua \"-\"\n"
	"  interp {\"tier\":2}\n"
	"  impact -\n"
	"  tally 0/0/0 round 0 votes\n"
	"prop 5 season 1 gov 3 team 1 round 3 status vetoed flagged 0 cleared 0 enacted 0 amendments 0 tier 1 cost 1 seq 40\n"
	"  text \"veto me\" original \"veto me\" lua \"-\"\n"
	"  interp {\"tier\":1}\n"
	"  impact -\n"
	"  tally 0/0/0 round 0 votes\n"
	"effect fx-2-1 prop 2 \"wild\" sha 0123abcd rounds/2 season 1 start 2 status 1 reason \"lifetime ended\" source \"return {}\" hooks [\"sim.possession.pre\"]\n"
	"effect fx-2-2 prop 2 \"calm\" sha 4567ef permanent/0 season 1 start 2 status 2 reason \"repealed by vote\" source \"return {calm=true}\" hooks []\n"
	"change three_point_value 3->4 prop 1 season 1 round 1\n"
	"change three_point_value 4->3 prop 1 season 1 round 3\n"
	"trade 1 1->2 offer 0/1/0 request 0/0/1 status 1 season 1\n"
	"trade 2 2->3 offer 1/0/0 request 0/1/0 status 2 season 1\n"
	"htrade 1 by 1 teams 1/2 hoopers 11/21 status 1 season 1 approvals 1 2\n"
	"htrade 2 by 3 teams 1/2 hoopers 12/22 status 2 season 1 approvals 3\n";

/* ... and after rows2 as well: a new season, rules back to the defaults, the
 * activity counts reset; the records (from the first proposal on) are as
 * they were after rows1. */
static const char want2_head[] =
	"last_seq 61\n"
	"season 2 #2 \"Second\" setup@0 carry=0\n"
	"gov 1 \"Ada\" team 1 season 1 tokens 2/1/3 activity 0/0/0/0\n"
	"gov 2 \"Bo\" team 2 season 1 tokens 1/2/0 activity 0/0/0/0\n"
	"gov 3 \"Cy\" team 2 season 2 tokens 2/2/2 activity 0/0/0/0\n";

/* Folds the log of the store at path from scratch and after each batch. */
static void fold_and_compare(const char *path, bool raw)
{
	char err[256];
	pw_store_t *s = store_open(path, err, sizeof err);
	CHECK_MSG(s != NULL, "%s", err);
	if (!s)
		return;
	if (raw)
		write_raw(path, rows1, N(rows1), 1);
	else
		write_new(s, path, rows1, N(rows1));
	pw_gstate_t g;
	gstate_init(&g);
	CHECK_EQ(gstate_sync(&g, s), 0);
	char *d1 = lt_state_dump(&g);
	CHECK_STR(d1, want1);
	if (strcmp(d1, want1))
		fprintf(stderr, "---- got ----\n%s", d1);
	/* Catching up from there, as the service does before each write. */
	if (raw)
		write_raw(path, rows2, N(rows2), (int64_t)N(rows1) + 1);
	else
		write_new(s, path, rows2, N(rows2));
	CHECK_EQ(gstate_sync(&g, s), 0);
	char *d2 = lt_state_dump(&g);
	char want2[sizeof want1 + sizeof want2_head];
	snprintf(want2, sizeof want2, "%s%s", want2_head, strstr(want1, "prop 1 "));
	CHECK_STR(d2, want2);
	if (strcmp(d2, want2))
		fprintf(stderr, "---- got ----\n%s", d2);
	/* And from the start again: the same state. */
	pw_gstate_t h;
	gstate_init(&h);
	CHECK_EQ(gstate_sync(&h, s), 0);
	char *d3 = lt_state_dump(&h);
	CHECK_STR(d3, d2);
	free(d1);
	free(d2);
	free(d3);
	gstate_free(&g);
	gstate_free(&h);
	store_close(s);
}

TEST(event_log_written_by_string_names_folds_as_before)
{
	char path[512];
	snprintf(path, sizeof path, "%s/old.db", test_tmpdir());
	fold_and_compare(path, true);
}

TEST(event_log_written_by_constants_folds_like_the_old_one)
{
	char path[512];
	snprintf(path, sizeof path, "%s/new.db", test_tmpdir());
	fold_and_compare(path, false);
}

/* Folds rows straight into g, as the store would hand them over. */
static void apply_rows(pw_gstate_t *g, const old_row_t *r, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		pw_event_t ev = {.seq = g->last_seq + 1, .type = r[i].type, .agg_type = r[i].agg,
				 .agg_id = r[i].agg_id, .season_id = r[i].season, .governor_id = r[i].gov,
				 .team_id = r[i].team, .round = r[i].round, .payload = r[i].payload};
		CHECK_MSG(gstate_apply(g, &ev) == 0, "%s", r[i].type);
	}
}

TEST(event_log_unknown_and_fold_free_types_change_nothing_but_count_as_seen)
{
	pw_gstate_t g;
	gstate_init(&g);
	apply_rows(&g, rows1, N(rows1));
	char *before = lt_state_dump(&g);
	CHECK_STR(before, want1);
	/* Names no row has, with payloads a handler would act on, and the
	 * rows the table marks fold-free. */
	static const old_row_t later[] = {
		{"proposal.exploded", "proposal", "1", 1, 1, 1, 3, "{\"proposal_id\":1}"},
		{"effect.exploded", "effect", "fx-2-1", 1, 0, 0, 3, "{\"effect_id\":\"fx-2-1\",\"reason\":\"boom\"}"},
		{"governor.joined.v2", "governor", "9", 1, 9, 1, 3, "{\"name\":\"Nine\",\"team_id\":1}"},
		{"", "", "", 0, 0, 0, 0, "{}"},
		{"strategy.set", "team", "2", 1, 2, 2, 3, "{\"text\":\"run\"}"},
		{"strategy.interpreted", "team", "2", 1, 2, 2, 3, "{\"strategy\":{},\"note\":\"run\"}"},
	};
	apply_rows(&g, later, N(later));
	CHECK_EQ(g.last_seq, (int64_t)(N(rows1) + N(later)));
	char *after = lt_state_dump(&g);
	/* Everything but the first line (last_seq) is as it was. */
	CHECK_STR(strchr(after, '\n'), strchr(before, '\n'));
	/* A payload that is not JSON is still an error, and not counted. */
	pw_event_t bad = {.seq = g.last_seq + 1, .type = "proposal.exploded", .payload = "{"};
	CHECK_EQ(gstate_apply(&g, &bad), -1);
	CHECK_EQ(g.last_seq, (int64_t)(N(rows1) + N(later)));
	free(before);
	free(after);
	gstate_free(&g);
}

TEST(event_log_every_row_has_a_handler_or_is_fold_free)
{
	for (int i = 0; i < PW_EV_COUNT; i++) {
		pw_event_type_t t = (pw_event_type_t)i;
		CHECK_MSG(gstate_folds(t) == event_folded(t), "%s: the fold %s a handler, the table says %s",
			  event_name(t), gstate_folds(t) ? "has" : "has no", event_folded(t) ? "it has" : "none");
		/* Only these rows are fold-free: the team row holds the strategy
		 * in force (the hooper row a hooper's bio), and season.c reads a
		 * drawn bracket from its event. Any other row without a handler
		 * is a type the state would silently ignore. */
		bool fold_free = t == PW_EV_STRATEGY_SET || t == PW_EV_STRATEGY_INTERPRETED ||
				 t == PW_EV_SEASON_BRACKET_DRAWN || t == PW_EV_HOOPER_BIO_SET;
		CHECK_MSG(gstate_folds(t) == !fold_free, "%s", event_name(t));
	}
	CHECK(!gstate_folds(PW_EV_UNKNOWN));
	CHECK(!gstate_folds(PW_EV_COUNT));
}
