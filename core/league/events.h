/*
 * events.h — the one table of event types in the governance event log.
 *
 * Every type the store holds is one row of PW_EVENTS below: the constant
 * (PW_EV_<ID>), the wire name stored in governance_events.event_type, the
 * aggregate type stored beside it, the fold handler of gov_state.c that
 * applies it (`none`: the fold does not read it) and the payload's fields
 * with their JSON types. The enum, the name <-> constant lookup, the
 * aggregate of every append, the payload check before an append and the
 * fold's dispatch are all generated from the row. docs/EVENTS.md says what
 * each field means and how to add a type.
 *
 * Writers name a type by its constant, so a misspelt type is a compile
 * error; the store keeps writing and reading the wire name, which is a
 * contract (spec 30-league-governance): a row's name never changes.
 */
#ifndef PW_EVENTS_H
#define PW_EVENTS_H

#include <stdbool.h>
#include <stddef.h>

struct cJSON;

/*
 * X(ID, wire name, aggregate, fold handler, fields) with the fields as
 * F(name, TYPE) for one the payload must have and O(name, TYPE) for one it
 * may have. TYPE is INT (an integral number), NUM, STR, BOOL, OBJ or ARR.
 * A payload may hold no field outside its row.
 */
#define PW_EVENTS(X, F, O)                                                                        \
	/* season */                                                                              \
	X(SEASON_CREATED, "season.created", "season", season_created,                             \
	  F(season_id, INT) F(number, INT) F(name, STR) F(carry_rules, BOOL) F(rules, OBJ)        \
	  O(team_ids, ARR))                                                                       \
	X(SEASON_PHASE_CHANGED, "season.phase_changed", "season", season_phase_changed,           \
	  F(from, STR) F(to, STR) F(round, INT) O(standings, ARR) O(seeds, ARR)                   \
	  O(champion_team_id, INT))                                                               \
	/* the playoff format fixed at the draw; read by season.c, not folded */                 \
	X(SEASON_BRACKET_DRAWN, "season.bracket_drawn", "season", none,                           \
	  F(season_id, INT) F(round, INT) F(seeds, ARR) F(playoff_teams, INT)                     \
	  F(bracket_teams, INT) F(semis_best_of, INT) F(finals_best_of, INT) O(source, STR))      \
	X(GOVERNOR_JOINED, "governor.joined", "governor", governor_joined,                        \
	  F(name, STR) F(team_id, INT) F(tokens, OBJ) O(carried, BOOL))                           \
	/* tokens */                                                                              \
	X(TOKEN_SPENT, "token.spent", "governor", token_spent,                                    \
	  F(kind, STR) F(amount, INT) F(reason, STR) O(proposal_id, INT))                         \
	X(TOKEN_REGENERATED, "token.regenerated", "governor", token_regenerated,                  \
	  F(propose, INT) F(amend, INT) F(boost, INT) F(reason, STR) O(proposal_id, INT))         \
	/* proposals and votes */                                                                 \
	X(PROPOSAL_SUBMITTED, "proposal.submitted", "proposal", proposal_submitted,               \
	  F(proposal_id, INT) F(text, STR) O(effect_lua, STR) F(interpretation, OBJ)              \
	  F(tier, INT) F(cost, INT) O(impact, OBJ))                                               \
	X(PROPOSAL_CONFIRMED, "proposal.confirmed", "proposal", proposal_confirmed,               \
	  F(proposal_id, INT))                                                                    \
	X(PROPOSAL_CANCELLED, "proposal.cancelled", "proposal", proposal_status,                  \
	  F(proposal_id, INT))                                                                    \
	X(PROPOSAL_AMENDED, "proposal.amended", "proposal", proposal_amended,                     \
	  F(proposal_id, INT) F(amended_by, INT) F(text, STR) O(effect_lua, STR)                  \
	  F(interpretation, OBJ) F(tier, INT) F(cost, INT) O(impact, OBJ))                        \
	X(PROPOSAL_FLAGGED_FOR_REVIEW, "proposal.flagged_for_review", "proposal",                 \
	  proposal_flagged, F(proposal_id, INT) F(reason, STR))                                   \
	X(PROPOSAL_REVIEW_CLEARED, "proposal.review_cleared", "proposal", proposal_cleared,       \
	  F(proposal_id, INT))                                                                    \
	X(PROPOSAL_VETOED, "proposal.vetoed", "proposal", proposal_status,                        \
	  F(proposal_id, INT) F(reason, STR) F(refund, OBJ) O(spent, OBJ))                        \
	X(PROPOSAL_WITHDRAWN, "proposal.withdrawn", "proposal", proposal_status,                  \
	  F(proposal_id, INT))                                                                    \
	X(PROPOSAL_PASSED, "proposal.passed", "proposal", proposal_tallied,                       \
	  F(proposal_id, INT) F(yes, NUM) F(no, NUM) F(share, NUM) F(threshold, NUM)              \
	  F(votes, INT) F(held, BOOL))                                                            \
	X(PROPOSAL_FAILED, "proposal.failed", "proposal", proposal_tallied,                       \
	  F(proposal_id, INT) F(yes, NUM) F(no, NUM) F(share, NUM) F(threshold, NUM)              \
	  F(votes, INT))                                                                          \
	X(PROPOSAL_APPROVED, "proposal.approved", "proposal", proposal_status,                    \
	  F(proposal_id, INT))                                                                    \
	X(VOTE_CAST, "vote.cast", "proposal", vote_cast,                                          \
	  F(proposal_id, INT) F(vote, STR) F(boost, BOOL))                                        \
	/* rules and effects */                                                                   \
	X(RULE_ENACTED, "rule.enacted", "rule", rule_enacted,                                     \
	  F(proposal_id, INT) F(changes, ARR))                                                    \
	X(RULE_ROLLED_BACK, "rule.rolled_back", "rule", rule_rolled_back,                         \
	  F(proposal_id, INT) F(changes, ARR))                                                    \
	X(EFFECT_REGISTERED, "effect.registered", "effect", effect_registered,                    \
	  F(effect_id, STR) F(proposal_id, INT) F(name, STR) F(source, STR) F(sha256, STR)        \
	  F(lifetime, STR) F(rounds, INT) F(hooks, ARR) F(start_round, INT))                      \
	X(EFFECT_EXPIRED, "effect.expired", "effect", effect_status,                              \
	  F(effect_id, STR) F(reason, STR))                                                       \
	X(EFFECT_REPEALED, "effect.repealed", "effect", effect_status,                            \
	  F(effect_id, STR) F(proposal_id, INT) F(reason, STR))                                   \
	X(EFFECT_DISABLED, "effect.disabled", "effect", effect_status,                            \
	  F(effect_id, STR) F(reason, STR) O(round, INT) O(game_index, INT))                      \
	X(EFFECT_ENABLED, "effect.enabled", "effect", effect_status,                              \
	  F(effect_id, STR) F(reason, STR))                                                       \
	/* trades */                                                                              \
	X(TRADE_OFFERED, "trade.offered", "trade", trade_offered,                                 \
	  F(trade_id, INT) F(to_governor_id, INT) F(offer, OBJ) F(request, OBJ))                  \
	X(TRADE_ACCEPTED, "trade.accepted", "trade", trade_answered, F(trade_id, INT))            \
	X(TRADE_REJECTED, "trade.rejected", "trade", trade_answered, F(trade_id, INT))            \
	X(TRADE_WITHDRAWN, "trade.withdrawn", "trade", trade_answered, F(trade_id, INT))          \
	X(TRADE_EXPIRED, "trade.expired", "trade", trade_answered,                                \
	  F(trade_id, INT) F(reason, STR))                                                        \
	X(HOOPER_TRADE_PROPOSED, "hooper_trade.proposed", "hooper_trade", htrade_proposed,        \
	  F(trade_id, INT) F(team_a, INT) F(team_b, INT) F(hooper_a, INT) F(hooper_b, INT))       \
	X(HOOPER_TRADE_APPROVED, "hooper_trade.approved", "hooper_trade", htrade_approved,        \
	  F(trade_id, INT))                                                                       \
	X(HOOPER_TRADE_EXECUTED, "hooper_trade.executed", "hooper_trade", htrade_executed,        \
	  F(trade_id, INT) F(hooper_a, INT) F(hooper_b, INT) F(team_a, INT) F(team_b, INT))       \
	X(HOOPER_TRADE_REJECTED, "hooper_trade.rejected", "hooper_trade", htrade_rejected,        \
	  F(trade_id, INT) F(reason, STR))                                                        \
	X(HOOPER_TRADE_EXPIRED, "hooper_trade.expired", "hooper_trade", htrade_rejected,          \
	  F(trade_id, INT) F(reason, STR))                                                        \
	/* strategy: the team row holds the strategy in force; the log keeps its history */       \
	X(STRATEGY_SET, "strategy.set", "team", none, F(text, STR))                               \
	X(STRATEGY_INTERPRETED, "strategy.interpreted", "team", none,                             \
	  F(strategy, OBJ) F(note, STR))                                                          \
	/* a hooper's bio, written by a governor of their team: the hooper row holds it */        \
	X(HOOPER_BIO_SET, "hooper.bio_set", "hooper", none, F(hooper_id, INT) F(text, STR))

/* Every event type; PW_EV_UNKNOWN is a name no row has (a newer writer's). */
typedef enum pw_event_type {
	PW_EV_UNKNOWN = -1,
#define PW_EV_ENUM(id, wire, agg, fold, fields) PW_EV_##id,
	PW_EVENTS(PW_EV_ENUM, , )
#undef PW_EV_ENUM
	PW_EV_COUNT
} pw_event_type_t;

/* The JSON type a payload field must have. */
typedef enum pw_event_field_type {
	PW_EVF_INT,   /* a number with no fraction */
	PW_EVF_NUM,
	PW_EVF_STR,
	PW_EVF_BOOL,
	PW_EVF_OBJ,
	PW_EVF_ARR,
} pw_event_field_type_t;

typedef struct pw_event_field {
	const char *name;
	pw_event_field_type_t type;
	bool required;
} pw_event_field_t;

/* The wire name ("proposal.submitted"), or NULL for a value outside the
 * table. A static string. */
const char *event_name(pw_event_type_t t);

/* The type whose wire name is name, or PW_EV_UNKNOWN (also for NULL). */
pw_event_type_t event_find(const char *name);

/* The aggregate type every event of t is stored under ("proposal", ...),
 * or NULL for a value outside the table. */
const char *event_aggregate(pw_event_type_t t);

/* Whether the fold (gov_state.c) applies t; false for the types the table
 * marks `none` and for values outside it. */
bool event_folded(pw_event_type_t t);

/* t's payload fields in table order; *n gets how many (0 outside the table).
 * Static storage. */
const pw_event_field_t *event_fields(pw_event_type_t t, size_t *n);

/* "int", "number", "string", "bool", "object", "array". */
const char *event_field_type_name(pw_event_field_type_t type);

/*
 * Checks payload (NULL reads as {}) against t's row before it is appended:
 * an object, every required field present, every field of the type its row
 * says, no field the row does not name. Returns 0, or -1 with a sentence
 * naming the type and the field in err.
 */
int event_check(pw_event_type_t t, const struct cJSON *payload, char *err, size_t errlen);

#endif
