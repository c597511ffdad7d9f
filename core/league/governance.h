/*
 * governance.h — the governance service: every write a governor or the
 * admin can make, and the read models the API shows.
 *
 * Each write runs in one short transaction: BEGIN IMMEDIATE, catch the
 * in-memory state up with the event log, validate, append events, COMMIT.
 * A write that fails at any step appends nothing: its transaction is rolled
 * back, and the cache drops whatever it had folded in. The state
 * (gov_state.h) is only a cache of the log, so several processes can write
 * to one database and each sees every other's events.
 *
 * Every function returns 0 on success or a negative PW_E_* code with a
 * sentence in err->msg naming the problem (errors.h: err_code() gives the
 * API's error code for it, "not_found", "insufficient_tokens", ..., and
 * err_status() a fitting HTTP status). On success *out (when asked for)
 * is a JSON object the caller owns and can return as `data` unchanged.
 *
 * A pw_gov_t is used by one thread at a time (it owns a store connection's
 * cache); open one per thread.
 */
#ifndef PW_GOVERNANCE_H
#define PW_GOVERNANCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/league/bus.h"
#include "core/league/errors.h"
#include "core/league/events.h"
#include "core/league/gov_state.h"
#include "core/sim/rules.h"
#include "core/league/store.h"

struct cJSON;

typedef struct pw_gov_cfg {
	bool require_approval;       /* PINWHEEL_RULES_REQUIRE_APPROVAL */
	const char *scripts_dir;     /* library effects (default scripts/effects) */
	const pw_bus_t *bus;         /* proposal.submitted, vote.cast, effect.registered */
	/*
	 * Optional sandbox check of an effect script: validate, test-run, and
	 * report hooks (array of names) and impact (object). 0, or -1 with err
	 * naming the line and the problem. NULL: scripts are only scanned.
	 */
	int (*check_effect)(void *ud, const char *source, struct cJSON **hooks,
			    struct cJSON **impact, char *err, size_t errlen);
	/* Optional projected impact of a ruleset change (e.g. simulated games
	 * under both). NULL: no numbers. Caller of the hook owns the result. */
	struct cJSON *(*rules_impact)(void *ud, const pw_rules_t *before, const pw_rules_t *after);
	void *ud;
} pw_gov_cfg_t;

typedef struct pw_gov pw_gov_t;

/* Opens the service over s (not owned) and replays the log. NULL on failure. */
pw_gov_t *gov_open(pw_store_t *s, const pw_gov_cfg_t *cfg);
void gov_close(pw_gov_t *g);
/* Catches the cache up with the log; 0 or PW_E_INTERNAL. */
int gov_sync(pw_gov_t *g);
/* The state after gov_sync (valid until the next call on g). */
const pw_gstate_t *gov_state(pw_gov_t *g);
pw_store_t *gov_store(pw_gov_t *g);
/* Forgets the cache (next sync replays everything), e.g. after a rollback. */
void gov_reset(pw_gov_t *g);

/* ---- governors ---- */

/* Joins team_id for the current season: a new governor with 2 tokens of each
 * kind. *out = {governor_id, team_id, name, token, tokens}. The token is
 * shown once; only its sha-256 is stored. */
int gov_join(pw_gov_t *g, const char *name, int64_t team_id, struct cJSON **out, pw_err_t *err);
/* Governor id for a bearer token, 0 when unknown. */
int64_t gov_authenticate(pw_gov_t *g, const char *token);

/* ---- proposals ---- */

/* Text (and an optional Lua script) → a draft proposal with its
 * interpretation, tier, cost, threshold and impact. Nothing is spent yet. */
int gov_propose(pw_gov_t *g, int64_t governor_id, const char *text, const char *effect_lua,
		struct cJSON **out, pw_err_t *err);
/* The proposer confirms a draft: tokens are spent, voting opens. */
int gov_confirm(pw_gov_t *g, int64_t governor_id, int64_t proposal_id, struct cJSON **out,
		pw_err_t *err);
/* The proposer drops a draft (nothing was spent). */
int gov_cancel(pw_gov_t *g, int64_t governor_id, int64_t proposal_id, struct cJSON **out,
	       pw_err_t *err);
/* Any enrolled governor spends an AMEND token to replace an open proposal's
 * interpretation; the original text stays on record. */
int gov_amend(pw_gov_t *g, int64_t governor_id, int64_t proposal_id, const char *text,
	      const char *effect_lua, struct cJSON **out, pw_err_t *err);
/*
 * What gov_propose (pid 0) or gov_amend (pid > 0) would refuse or compute
 * for text and lua — the governor's standing, the interpretation, the
 * sandbox check of each effect and the projected impact — without a
 * transaction and without writing anything. The slow part of a proposal
 * (the check's and the impact's test games) can so run while no write lock
 * is held: a caller whose cfg.check_effect and cfg.rules_impact remember
 * what they computed then calls gov_propose or gov_amend, which asks them
 * the same questions and gets the answers at once. The write checks
 * everything again. 0, or the error the write would have given.
 */
int gov_precheck(pw_gov_t *g, int64_t governor_id, int64_t proposal_id, const char *text,
		 const char *effect_lua, pw_err_t *err);
/* yes/no, optionally boosted (spends a BOOST token, doubles the weight). A
 * later vote replaces an earlier one until the tally. */
int gov_vote(pw_gov_t *g, int64_t governor_id, int64_t proposal_id, bool yes, bool boost,
	     struct cJSON **out, pw_err_t *err);

/* ---- admin ---- */
int gov_admin_clear(pw_gov_t *g, int64_t proposal_id, struct cJSON **out, pw_err_t *err);
/* Vetoes an open or held proposal and refunds the proposer's PROPOSE tokens. */
int gov_admin_veto(pw_gov_t *g, int64_t proposal_id, const char *reason, struct cJSON **out,
		   pw_err_t *err);
/* Enacts a held proposal. */
int gov_admin_approve(pw_gov_t *g, int64_t proposal_id, struct cJSON **out, pw_err_t *err);
/* Switches an effect off/on (effect.disabled / effect.enabled). */
int gov_admin_effect(pw_gov_t *g, const char *effect_id, bool enable, const char *reason,
		     struct cJSON **out, pw_err_t *err);

/* ---- trades and strategy ---- */

/* Offers tokens (offer) for tokens (request), each {propose, amend, boost}. */
int gov_trade_offer(pw_gov_t *g, int64_t governor_id, int64_t to_governor_id,
		    const int offer[PW_TOKEN_KINDS], const int request[PW_TOKEN_KINDS],
		    struct cJSON **out, pw_err_t *err);
/* The receiver accepts (both balances re-checked now) or rejects. */
int gov_trade_respond(pw_gov_t *g, int64_t governor_id, int64_t trade_id, bool accept,
		      struct cJSON **out, pw_err_t *err);
/* Proposes swapping hooper_a (of the caller's team) for hooper_b (of another
 * team). It executes once a majority of each team's governors approve (the
 * proposer's approval counts). */
int gov_hooper_trade_propose(pw_gov_t *g, int64_t governor_id, int64_t hooper_a,
			     int64_t hooper_b, struct cJSON **out, pw_err_t *err);
int gov_hooper_trade_approve(pw_gov_t *g, int64_t governor_id, int64_t trade_id,
			     struct cJSON **out, pw_err_t *err);
/* Sets the caller's team strategy from text; used from the next round. */
int gov_strategy_set(pw_gov_t *g, int64_t governor_id, const char *text, struct cJSON **out,
		     pw_err_t *err);

/* ---- used by the round runner, inside its own transaction ---- */

/* Tallies every open proposal of the current season at round: passed ones
 * are enacted (or held), then every enrolled governor regenerates tokens.
 * *summary (may be NULL) = {round, proposals: [...], enacted: [...]}. */
int gov_tally_in_tx(pw_gov_t *g, int round, struct cJSON **summary, pw_err_t *err);
/* Ends effects whose lifetime ran out at the end of round (effect.expired). */
int gov_expire_effects_in_tx(pw_gov_t *g, int round, struct cJSON **expired, pw_err_t *err);
/* Appends one event of type (stored under its row's aggregate type, the
 * current season's id) inside the caller's transaction and folds it in.
 * 0, or PW_E_INTERNAL with store_errmsg() saying why (a payload that does
 * not match the type's row in events.h is refused). */
int gov_append_in_tx(pw_gov_t *g, pw_event_type_t type, const char *agg_id, int64_t governor_id,
		     int64_t team_id, int round, const struct cJSON *payload);

/* ---- read models (caller owns the JSON; NULL only on OOM) ---- */

struct cJSON *gov_proposal_json(pw_gov_t *g, int64_t proposal_id);
/* season_id 0: current; status NULL: all. */
struct cJSON *gov_proposals_json(pw_gov_t *g, int64_t season_id, const char *status);
struct cJSON *gov_governor_json(pw_gov_t *g, int64_t governor_id);
struct cJSON *gov_governors_json(pw_gov_t *g);
/* {"rules": {...}, "changes": [{name, default, value, proposal_id, round}]} */
struct cJSON *gov_rules_current_json(pw_gov_t *g);
/* Every enacted change in order. */
struct cJSON *gov_rules_history_json(pw_gov_t *g);
struct cJSON *gov_effects_json(pw_gov_t *g, bool active_only);
struct cJSON *gov_effect_json(pw_gov_t *g, const char *effect_id);
struct cJSON *gov_trades_json(pw_gov_t *g, int64_t governor_id);
/* The ruleset in force. */
void gov_rules(pw_gov_t *g, pw_rules_t *out);

#endif
