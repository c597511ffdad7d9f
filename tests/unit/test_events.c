/*
 * test_events.c — the event table: every row's wire name and aggregate type
 * are the ones the log has always held (existing databases must read back),
 * names and constants map both ways, payloads are checked against their
 * rows, and docs/EVENTS.md lists every type.
 */
#include "tests/test.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/league/events.h"

/* Every type the log holds, as the writers spelt it before the table. */
static const struct {
	const char *name, *agg;
} wire[] = {
	{"season.created", "season"},
	{"season.phase_changed", "season"},
	{"season.bracket_drawn", "season"},
	{"governor.joined", "governor"},
	{"token.spent", "governor"},
	{"token.regenerated", "governor"},
	{"proposal.submitted", "proposal"},
	{"proposal.confirmed", "proposal"},
	{"proposal.cancelled", "proposal"},
	{"proposal.amended", "proposal"},
	{"proposal.flagged_for_review", "proposal"},
	{"proposal.review_cleared", "proposal"},
	{"proposal.vetoed", "proposal"},
	{"proposal.passed", "proposal"},
	{"proposal.failed", "proposal"},
	{"proposal.approved", "proposal"},
	{"proposal.withdrawn", "proposal"},
	{"vote.cast", "proposal"},
	{"rule.enacted", "rule"},
	{"rule.rolled_back", "rule"},
	{"effect.registered", "effect"},
	{"effect.expired", "effect"},
	{"effect.repealed", "effect"},
	{"effect.disabled", "effect"},
	{"effect.enabled", "effect"},
	{"trade.offered", "trade"},
	{"trade.accepted", "trade"},
	{"trade.rejected", "trade"},
	{"trade.withdrawn", "trade"},
	{"trade.expired", "trade"},
	{"hooper_trade.proposed", "hooper_trade"},
	{"hooper_trade.approved", "hooper_trade"},
	{"hooper_trade.executed", "hooper_trade"},
	{"hooper_trade.rejected", "hooper_trade"},
	{"hooper_trade.expired", "hooper_trade"},
	{"strategy.set", "team"},
	{"strategy.interpreted", "team"},
	/* added since: a governor writes a hooper's bio */
	{"hooper.bio_set", "hooper"},
};
#define N_WIRE (sizeof wire / sizeof wire[0])

TEST(events_wire_names_and_aggregates_are_the_stored_ones)
{
	CHECK_EQ(PW_EV_COUNT, (int)N_WIRE);
	for (size_t i = 0; i < N_WIRE; i++) {
		pw_event_type_t t = event_find(wire[i].name);
		CHECK_MSG(t != PW_EV_UNKNOWN, "%s is not in the table", wire[i].name);
		CHECK_STR(event_aggregate(t), wire[i].agg);
	}
	/* A few constants spelt out, so a row moved to another name fails. */
	CHECK_STR(event_name(PW_EV_PROPOSAL_FLAGGED_FOR_REVIEW), "proposal.flagged_for_review");
	CHECK_STR(event_name(PW_EV_HOOPER_TRADE_REJECTED), "hooper_trade.rejected");
	CHECK_STR(event_name(PW_EV_SEASON_CREATED), "season.created");
}

TEST(events_name_and_constant_round_trip_for_every_row)
{
	for (int t = 0; t < PW_EV_COUNT; t++) {
		const char *name = event_name((pw_event_type_t)t);
		CHECK_MSG(name != NULL, "row %d has no name", t);
		CHECK_EQ(event_find(name), t);
		CHECK(event_aggregate((pw_event_type_t)t) != NULL);
		size_t n = 99;
		CHECK(event_fields((pw_event_type_t)t, &n) != NULL);
		CHECK_MSG(n > 0, "%s has no payload field", name);
	}
	CHECK_EQ(event_find("proposal.exploded"), PW_EV_UNKNOWN);
	CHECK_EQ(event_find("Proposal.Submitted"), PW_EV_UNKNOWN);
	CHECK_EQ(event_find(""), PW_EV_UNKNOWN);
	CHECK_EQ(event_find(NULL), PW_EV_UNKNOWN);
	CHECK(event_name(PW_EV_COUNT) == NULL);
	CHECK(event_name(PW_EV_UNKNOWN) == NULL);
	CHECK(event_aggregate(PW_EV_COUNT) == NULL);
	CHECK(!event_folded(PW_EV_UNKNOWN));
	size_t n = 99;
	CHECK(event_fields(PW_EV_COUNT, &n) == NULL);
	CHECK_EQ(n, 0);
}

static int check(pw_event_type_t t, const char *json, char *err, size_t len)
{
	cJSON *p = json ? cJSON_Parse(json) : NULL;
	CHECK(!json || p);
	int rc = event_check(t, p, err, len);
	cJSON_Delete(p);
	return rc;
}

TEST(events_payloads_are_checked_against_their_rows)
{
	char err[160];
	CHECK_EQ(check(PW_EV_VOTE_CAST, "{\"proposal_id\":3,\"vote\":\"yes\",\"boost\":false}", err, sizeof err), 0);
	/* Optional fields may be absent or present. */
	CHECK_EQ(check(PW_EV_TOKEN_SPENT, "{\"kind\":\"boost\",\"amount\":1,\"reason\":\"boost\"}", err, sizeof err), 0);
	CHECK_EQ(check(PW_EV_TOKEN_SPENT, "{\"kind\":\"boost\",\"amount\":1,\"reason\":\"boost\",\"proposal_id\":2}",
		       err, sizeof err), 0);

	CHECK_EQ(check(PW_EV_VOTE_CAST, "{\"proposal_id\":3,\"boost\":false}", err, sizeof err), -1);
	CHECK_STR(err, "vote.cast: the payload has no vote");
	CHECK_EQ(check(PW_EV_VOTE_CAST, "{\"proposal_id\":\"3\",\"vote\":\"yes\",\"boost\":false}", err, sizeof err), -1);
	CHECK_STR(err, "vote.cast: proposal_id must be an int");
	CHECK_EQ(check(PW_EV_VOTE_CAST, "{\"proposal_id\":3.5,\"vote\":\"yes\",\"boost\":false}", err, sizeof err), -1);
	CHECK_STR(err, "vote.cast: proposal_id must be an int");
	CHECK_EQ(check(PW_EV_VOTE_CAST, "{\"proposal_id\":3,\"vote\":\"yes\",\"boost\":0}", err, sizeof err), -1);
	CHECK_STR(err, "vote.cast: boost must be a bool");
	/* A misspelt field is refused rather than read as absent by the fold. */
	CHECK_EQ(check(PW_EV_VOTE_CAST, "{\"proposal_id\":3,\"vote\":\"yes\",\"boost\":false,\"boots\":true}",
		       err, sizeof err), -1);
	CHECK_STR(err, "vote.cast: the payload has a field boots its row does not name");
	CHECK_EQ(check(PW_EV_TRADE_ACCEPTED, "[1]", err, sizeof err), -1);
	CHECK_STR(err, "trade.accepted: the payload is not an object");
	CHECK_EQ(check(PW_EV_TRADE_ACCEPTED, NULL, err, sizeof err), -1);
	CHECK_STR(err, "trade.accepted: the payload has no trade_id");
	CHECK_EQ(check(PW_EV_PROPOSAL_PASSED, "{\"proposal_id\":1,\"yes\":0.5,\"no\":0.25,\"share\":0.666,"
					      "\"threshold\":0.5,\"votes\":2,\"held\":false}", err, sizeof err), 0);
	CHECK_EQ(check(PW_EV_COUNT, "{}", err, sizeof err), -1);
}

TEST(events_docs_list_every_type)
{
	FILE *f = fopen("docs/EVENTS.md", "r");
	CHECK(f != NULL);
	if (!f)
		return;
	char *doc = calloc(1, 1 << 16);
	size_t got = fread(doc, 1, (1 << 16) - 1, f);
	fclose(f);
	doc[got] = '\0';
	for (int t = 0; t < PW_EV_COUNT; t++) {
		char quoted[80];
		snprintf(quoted, sizeof quoted, "`%s`", event_name((pw_event_type_t)t));
		CHECK_CONTAINS(doc, quoted);
	}
	free(doc);
}
