/*
 * gov_state.h — governance state derived by replaying the event log.
 *
 * gstate_apply() folds one event into the state, with the handler the
 * event's row in the table of events.h names; replaying every event from
 * sequence 1 gives token balances, proposals with their votes and status,
 * the ruleset in force, the rule history, the effect registry and trades
 * (strategies live on the team rows). The state is a cache: the governance
 * service rebuilds it on start and catches up (events with seq > last_seq)
 * before every read and inside every write transaction, so it is never the
 * truth.
 */
#ifndef PW_GOV_STATE_H
#define PW_GOV_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/league/events.h"
#include "core/league/store.h"
#include "core/sim/rules.h"
#include "core/sim/teams.h"

struct cJSON;

enum { PW_TOK_PROPOSE, PW_TOK_AMEND, PW_TOK_BOOST, PW_TOKEN_KINDS };

#define PW_TOKEN_START 2  /* of each kind on joining (and each new season) */
#define PW_TOKEN_REGEN 2  /* of each kind after every tally */
#define PW_TOKEN_MAX   6  /* regeneration never lifts a balance above this */
#define PW_MAX_AMENDMENTS 2 /* per proposal, as the reference league */
#define PW_MAX_DRAFTS 5     /* drafts a governor may hold at once (proposals_per_window counts open ones) */

/* "propose", "amend", "boost"; -1 for an unknown name. */
const char *gstate_token_name(int kind);
int gstate_token_find(const char *name);

/*
 * The statuses of proposals, effects, token trades and hooper trades, each
 * from one list of (constant, name): the name is what the API and pages
 * show, and the only place a status is spelt as a string. Code compares
 * the constants.
 */
#define PW_PROP_STATUSES(X)                                                    \
	X(PW_PROP_DRAFT, "draft")          /* submitted, not yet confirmed */  \
	X(PW_PROP_OPEN, "open")            /* voting */                        \
	X(PW_PROP_PASSED, "passed")                                            \
	X(PW_PROP_FAILED, "failed")                                            \
	X(PW_PROP_HELD, "held")            /* passed, waiting for the admin */ \
	X(PW_PROP_VETOED, "vetoed")                                            \
	X(PW_PROP_CANCELLED, "cancelled")  /* a draft dropped */               \
	X(PW_PROP_WITHDRAWN, "withdrawn")  /* an open one, by its proposer */
#define PW_FX_STATUSES(X)                                                      \
	X(PW_FX_ACTIVE, "active")                                              \
	X(PW_FX_EXPIRED, "expired")      /* its lifetime ran out */            \
	X(PW_FX_REPEALED, "repealed")    /* by a passed proposal */            \
	X(PW_FX_DISABLED, "disabled")    /* by the admin or the runner; can return */
#define PW_TRADE_STATUSES(X)                                                   \
	X(PW_TRADE_OPEN, "open")                                               \
	X(PW_TRADE_ACCEPTED, "accepted")                                       \
	X(PW_TRADE_REJECTED, "rejected")                                       \
	X(PW_TRADE_WITHDRAWN, "withdrawn")  /* by the governor who offered it */ \
	X(PW_TRADE_EXPIRED, "expired")      /* its window or its season ended */
#define PW_HTRADE_STATUSES(X)                                                  \
	X(PW_HTRADE_PENDING, "pending")      /* waiting for approvals */       \
	X(PW_HTRADE_EXECUTED, "executed")                                      \
	X(PW_HTRADE_REJECTED, "rejected")    /* by a governor of either team, or a hooper moved */ \
	X(PW_HTRADE_EXPIRED, "expired")      /* its window or its season ended */

#define PW_STATUS_ENUM(id, name) id,
typedef enum pw_prop_status { PW_PROP_STATUSES(PW_STATUS_ENUM) } pw_prop_status_t;
typedef enum pw_fx_status { PW_FX_STATUSES(PW_STATUS_ENUM) } pw_fx_status_t;
typedef enum pw_trade_status { PW_TRADE_STATUSES(PW_STATUS_ENUM) } pw_trade_status_t;
typedef enum pw_htrade_status { PW_HTRADE_STATUSES(PW_STATUS_ENUM) } pw_htrade_status_t;
#undef PW_STATUS_ENUM

/* A status's name ("open", ...), "unknown" for a value outside its list. */
const char *gstate_status_name(pw_prop_status_t s);
const char *gstate_fx_status_name(pw_fx_status_t s);
const char *gstate_trade_status_name(pw_trade_status_t s);
const char *gstate_htrade_status_name(pw_htrade_status_t s);
/* The proposal status named name, or -1 (also for NULL). */
int gstate_status_find(const char *name);

typedef struct pw_vote {
	int64_t governor_id;
	bool yes;
	bool boost;
	int64_t seq;       /* of the vote.cast event that set it */
} pw_vote_t;

typedef struct pw_proposal {
	int64_t id;
	int64_t season_id;
	int64_t governor_id;
	int64_t team_id;
	int round;                 /* season round when submitted */
	char *original_text;       /* as first submitted (kept on record) */
	char *text;                /* current (after amendments) */
	char *effect_lua;          /* attached script or NULL */
	struct cJSON *interpretation; /* current */
	struct cJSON *impact;      /* projected impact or NULL */
	int tier, cost;
	/* What the proposer paid for it (PROPOSE at confirm, AMEND for each
	 * amendment): what a veto gives back, whatever the cost is now. */
	int spent[PW_TOKEN_KINDS];
	int64_t confirmed_at;      /* unix seconds (the confirmation's created_at); 0: unknown */
	pw_prop_status_t status;
	bool flagged, cleared, enacted;
	int amendments;
	pw_vote_t *votes;
	int n_votes, cap_votes;
	double tally_yes, tally_no, tally_threshold; /* when tallied */
	int tally_round;
	int64_t created_seq;
} pw_proposal_t;

typedef struct pw_governor {
	int64_t id;
	int64_t team_id;
	int64_t season_id;         /* the season of the last join: enrolled there */
	char name[64];
	int tokens[PW_TOKEN_KINDS];
	int proposals, votes, trades, passed; /* season activity, for awards */
} pw_governor_t;

typedef struct pw_effect_rec {
	char id[64];
	int64_t proposal_id;
	char name[64];
	char *source;
	char sha[65];
	char lifetime[16];         /* "permanent", "one_game", "rounds" */
	int rounds;                /* for "rounds" (one_game counts as 1) */
	struct cJSON *hooks;       /* array of hook names */
	int64_t season_id;
	int start_round;
	pw_fx_status_t status;
	char end_reason[160];
	int status_round;          /* the round of the event that set status (0: registered) */
} pw_effect_rec_t;

typedef struct pw_trade {
	int64_t id;
	int64_t from, to;
	int offer[PW_TOKEN_KINDS], request[PW_TOKEN_KINDS];
	pw_trade_status_t status;
	int64_t season_id;
	int round;                 /* the season's round when offered */
} pw_trade_t;

#define PW_MAX_APPROVALS 32

typedef struct pw_hooper_trade {
	int64_t id;
	int64_t proposer;
	int64_t team_a, team_b;
	int64_t hooper_a, hooper_b;
	int64_t approvals[PW_MAX_APPROVALS];
	int n_approvals;
	pw_htrade_status_t status;
	int64_t season_id;
	int round;                 /* the season's round when proposed */
	char reason[96];           /* why it was rejected or expired */
} pw_hooper_trade_t;

typedef struct pw_rule_change {
	char name[40];
	double old_value, new_value;
	int64_t proposal_id;
	int64_t season_id;
	int round;
} pw_rule_change_t;

typedef struct pw_season_info {
	int64_t id;
	int number;
	char name[64];
	char phase[24];
	int phase_round;           /* the round the phase began at */
	bool carry_rules;
} pw_season_info_t;

typedef struct pw_gstate {
	int64_t last_seq;
	pw_rules_t rules;          /* in force now */
	pw_season_info_t season;   /* the latest season */
	pw_governor_t *govs;
	int n_govs, cap_govs;
	pw_proposal_t *props;
	int n_props, cap_props;
	pw_effect_rec_t *effects;
	int n_effects, cap_effects;
	pw_trade_t *trades;
	int n_trades, cap_trades;
	pw_hooper_trade_t *htrades;
	int n_htrades, cap_htrades;
	pw_rule_change_t *changes;
	int n_changes, cap_changes;
} pw_gstate_t;

void gstate_init(pw_gstate_t *g);
void gstate_free(pw_gstate_t *g);
/* Folds ev into g: the handler its type's row in events.h names. A type no
 * row has is skipped, as are rows marked fold-free (forward compatible);
 * either still counts as seen. Returns 0, or -1 when the payload is not JSON
 * or memory ran out (then g->last_seq stays, and the next sync retries). */
int gstate_apply(pw_gstate_t *g, const pw_event_t *ev);
/* Whether gstate_apply has a handler for t (events.h's event_folded says
 * whether it should). */
bool gstate_folds(pw_event_type_t t);
/* Applies every event after g->last_seq from the store. */
int gstate_sync(pw_gstate_t *g, pw_store_t *s);

pw_governor_t *gstate_governor(const pw_gstate_t *g, int64_t id);
pw_proposal_t *gstate_proposal(const pw_gstate_t *g, int64_t id);
pw_effect_rec_t *gstate_effect(const pw_gstate_t *g, const char *id);
pw_trade_t *gstate_trade(const pw_gstate_t *g, int64_t id);
pw_hooper_trade_t *gstate_htrade(const pw_gstate_t *g, int64_t id);
/* Governors enrolled on team in the current season. */
int gstate_team_governors(const pw_gstate_t *g, int64_t team_id);
/* The vote's weight now: 1/(enrolled governors of the voter's team), doubled if boosted. */
double gstate_vote_weight(const pw_gstate_t *g, const pw_vote_t *v);
/* Weighted yes and no of a proposal's current votes. */
void gstate_tally(const pw_gstate_t *g, const pw_proposal_t *p, double *yes, double *no);
/* The pass threshold for a tier under rules r. */
double gstate_threshold(int tier, const pw_rules_t *r);
/* PROPOSE tokens a tier costs. */
int gstate_cost(int tier);

#endif
