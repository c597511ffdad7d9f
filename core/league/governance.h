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
#include "core/league/interpret.h"
#include "core/sim/rules.h"
#include "core/league/store.h"

struct cJSON;

/* An active effect of the league as governance hands it to a check. */
typedef struct pw_gov_effect {
	const char *id;
	const char *name;
	const char *source;
	int rounds_left;             /* rounds it still plays; 0: permanent */
} pw_gov_effect_t;

/*
 * The league as it is now, for the checks below: the ruleset and the
 * active effects in force (registry order). Valid for the call only.
 */
typedef struct pw_gov_league {
	const pw_rules_t *rules;
	const pw_gov_effect_t *effects;
	int n_effects;
} pw_gov_league_t;

#define PW_TRADE_EXPIRY_DEFAULT 3 /* rounds an offer or hooper trade stays open */

/* The sandbox check of an effect script (pw_gov_cfg_t.check_effect). */
typedef int (*pw_gov_check_fn)(void *ud, const pw_gov_league_t *now, const pw_rules_t *with_rules,
			       const char *source, struct cJSON **hooks, struct cJSON **impact, char *err,
			       size_t errlen);

/*
 * What an interpreter other than the offline one is asked (pw_gov_cfg_t
 * .interpret): the proposal (text, attached script, the rules in force,
 * the active effects) and the league for checks. check/check_ud is
 * governance's own effect check (cfg.check_effect and cfg.ud, NULL when
 * there is none), for an interpreter that writes a script and wants it
 * checked, as the proposal's check will, before it answers.
 */
typedef struct pw_gov_interp_req {
	const pw_interp_in_t *in;
	const pw_gov_league_t *now;
	pw_gov_check_fn check;
	void *check_ud;
} pw_gov_interp_req_t;

typedef struct pw_gov_cfg {
	bool require_approval;       /* PINWHEEL_RULES_REQUIRE_APPROVAL */
	const char *scripts_dir;     /* library effects (default scripts/effects) */
	const pw_bus_t *bus;         /* proposal.submitted, vote.cast, effect.registered */
	/*
	 * Optional sandbox check of an effect script: validate, then test-run
	 * it in the league as it is now (now: the rules and active effects in
	 * force) with the proposal's changes (the script added, the rules
	 * after its parameter changes: with_rules), and report hooks (array of
	 * names) and impact (object; "without" is the league as it is now).
	 * 0, or -1 with err naming the line and the problem (a script that
	 * fails only under the rules in force fails here). NULL: scripts are
	 * only scanned.
	 */
	pw_gov_check_fn check_effect;
	/* Optional projected impact of a ruleset change: simulated games under
	 * now's rules and under after, both with now's active effects running.
	 * NULL: no numbers. Caller of the hook owns the result. */
	struct cJSON *(*rules_impact)(void *ud, const pw_gov_league_t *now, const pw_rules_t *after);
	void *ud;
	/*
	 * Optional interpreter in place of the offline one (interp_proposal):
	 * the AI interpreter of server/ai/. It answers the same JSON shape as
	 * interp_proposal (interpret.h) or -1 with err (a sentence for the
	 * governor). Its answer is checked like the offline one's: every
	 * effect goes through check_effect, tiers are recomputed from hooks.
	 * It may be slow (the network): only services whose callers run off
	 * the loop (the check workers) set it. NULL: the offline interpreter.
	 */
	int (*interpret)(void *ud, const pw_gov_interp_req_t *rq, struct cJSON **out, char *err,
			 size_t errlen);
	void *interpret_ud;
	/* Optional strategy reader in place of interp_strategy (the AI's):
	 * text → *out and a note; 0, or -1 to let the offline reading answer.
	 * Slow like interpret: only for services off the loop. */
	int (*strategy)(void *ud, const char *text, pw_strategy_t *out, char *note, size_t notelen);
	void *strategy_ud;
	/* Rounds a token offer or hooper trade stays open before the tally
	 * expires it (PINWHEEL_TRADE_EXPIRY_ROUNDS); 0 → PW_TRADE_EXPIRY_DEFAULT. */
	int trade_expiry_rounds;
	/* Minimum voting period (PINWHEEL_MIN_VOTING_SECONDS): a proposal open
	 * for less than this when a tally comes waits for the next one. 0: none. */
	int min_voting_seconds;
	int64_t (*now)(void *ud);    /* unix seconds; NULL: time() */
	void *now_ud;
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
 * shown once; only its sha-256 is stored. The name must pass
 * gov_check_name. */
int gov_join(pw_gov_t *g, const char *name, int64_t team_id, struct cJSON **out, pw_err_t *err);

/*
 * What a join must satisfy and record besides the governor, inside the
 * join's own transaction (core/league/identity.h supplies it: one governor
 * per person per season, invites). before may refuse the join (its error
 * is the join's) or choose the team (*team_id 0: before must set it);
 * after records what goes with the new governor of season_id. Either
 * failing rolls the whole join back.
 */
typedef struct pw_gov_join_hook {
	int (*before)(void *ud, pw_gov_t *g, int64_t *team_id, pw_err_t *err);
	int (*after)(void *ud, pw_gov_t *g, int64_t governor_id, int64_t season_id, pw_err_t *err);
	void *ud;
} pw_gov_join_hook_t;
/* gov_join with hook (NULL: none). */
int gov_join_with(pw_gov_t *g, const char *name, int64_t team_id, const pw_gov_join_hook_t *hook,
		  struct cJSON **out, pw_err_t *err);
/* Governor id for a bearer token, 0 when unknown. */
int64_t gov_authenticate(pw_gov_t *g, const char *token);

/*
 * The one check of a name a client sets (a governor's, a season's): 1 to
 * 60 bytes of valid UTF-8, not only spaces, and no control character (C0,
 * DEL, C1), no bidirectional override, embedding, isolate or mark, no
 * zero-width or line/paragraph separator character: each could make a name
 * read as something else on a page. 0, or PW_E_INVALID with a sentence
 * naming field.
 */
int gov_check_name(const char *field, const char *name, pw_err_t *err);
/* The same rules for a short text of at most max bytes (an invite's note). */
int gov_check_text(const char *field, const char *text, size_t max, pw_err_t *err);

/* ---- proposals ---- */

/*
 * Season boundaries (spec 30): a proposal, a trade and a hooper trade
 * belong to the season they were made in; once another season has
 * started, nothing of them can be acted on (PW_E_CONFLICT naming it). A
 * season whose phase is "complete" is finished too: nothing new starts in
 * it (proposals, confirms, votes, amendments, trades) until the next season
 * begins. Joining and strategy are not governance of a season.
 */

/* Text (and an optional Lua script) → a draft proposal with its
 * interpretation, tier, cost, threshold and impact. Nothing is spent yet. */
int gov_propose(pw_gov_t *g, int64_t governor_id, const char *text, const char *effect_lua,
		struct cJSON **out, pw_err_t *err);
/* The proposer confirms a draft: tokens are spent, voting opens. The
 * confirmation's time counts for the minimum voting period. */
int gov_confirm(pw_gov_t *g, int64_t governor_id, int64_t proposal_id, struct cJSON **out,
		pw_err_t *err);
/* The proposer drops a draft (nothing was spent). */
int gov_cancel(pw_gov_t *g, int64_t governor_id, int64_t proposal_id, struct cJSON **out,
	       pw_err_t *err);
/* The proposer spends an AMEND token to replace their open proposal's
 * interpretation (at most PW_MAX_AMENDMENTS times); the original text stays
 * on record and the votes stay. The new text is classified from scratch:
 * tier, cost and threshold are the new ones, and a wild (tier 5) result
 * is flagged for the admin again even if an earlier version was cleared. */
int gov_amend(pw_gov_t *g, int64_t governor_id, int64_t proposal_id, const char *text,
	      const char *effect_lua, struct cJSON **out, pw_err_t *err);
/* The proposer withdraws their open proposal before its tally
 * (proposal.withdrawn); the tokens spent on it are not refunded. */
int gov_withdraw(pw_gov_t *g, int64_t governor_id, int64_t proposal_id, struct cJSON **out,
		 pw_err_t *err);
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
/*
 * A free look at what text (and lua) would propose, for anyone: the
 * interpretation, tier, cost, threshold and projected impact — the sandbox
 * check and impact games included, so it is as slow as a proposal — with
 * nothing written and no governor's standing asked. *out = {text,
 * effect_lua?, interpretation, tier, cost, threshold, impact?} (caller
 * owns). 0, or the error a proposal of it would get (an effect that fails
 * its check: PW_E_INVALID naming the line).
 */
int gov_preview(pw_gov_t *g, const char *text, const char *effect_lua, struct cJSON **out, pw_err_t *err);
/* yes/no, optionally boosted (spends a BOOST token, doubles the weight). A
 * later vote replaces an earlier one until the tally. */
int gov_vote(pw_gov_t *g, int64_t governor_id, int64_t proposal_id, bool yes, bool boost,
	     struct cJSON **out, pw_err_t *err);

/* ---- admin ---- */
int gov_admin_clear(pw_gov_t *g, int64_t proposal_id, struct cJSON **out, pw_err_t *err);
/* Vetoes an open or held proposal and refunds what the proposer spent on
 * it (PROPOSE at confirm, AMEND for amendments; not the cost it shows
 * now), each kind only up to PW_TOKEN_MAX: what would lift a balance above
 * the cap is not refunded. */
int gov_admin_veto(pw_gov_t *g, int64_t proposal_id, const char *reason, struct cJSON **out,
		   pw_err_t *err);
/* Enacts a held proposal. */
int gov_admin_approve(pw_gov_t *g, int64_t proposal_id, struct cJSON **out, pw_err_t *err);
/* Switches an effect off/on (effect.disabled / effect.enabled, published
 * on the bus once committed): enable revives a disabled effect (by the
 * admin or by the runner after failing games), disable stops an active
 * one. reason is required (1 to 500 bytes). */
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
/* The governor who offered an open trade withdraws it (trade.withdrawn). */
int gov_trade_withdraw(pw_gov_t *g, int64_t governor_id, int64_t trade_id, struct cJSON **out,
		       pw_err_t *err);
/* Proposes swapping hooper_a (of the caller's team) for hooper_b (of another
 * team). It executes once a majority of each team's governors approve (the
 * proposer's approval counts). */
int gov_hooper_trade_propose(pw_gov_t *g, int64_t governor_id, int64_t hooper_a,
			     int64_t hooper_b, struct cJSON **out, pw_err_t *err);
int gov_hooper_trade_approve(pw_gov_t *g, int64_t governor_id, int64_t trade_id,
			     struct cJSON **out, pw_err_t *err);
/* A governor of either team rejects a pending hooper trade, which ends it
 * (hooper_trade.rejected with the reason and the governor). */
int gov_hooper_trade_reject(pw_gov_t *g, int64_t governor_id, int64_t trade_id,
			    struct cJSON **out, pw_err_t *err);
/* A governor writes the bio of a hooper of their own team (1 to
 * PW_TEXT_MAX - 1 bytes, a name's character rules): hooper.bio_set, and
 * the hooper's stored bio replaced. *out = {hooper_id, team_id, bio}. */
int gov_hooper_bio_set(pw_gov_t *g, int64_t governor_id, int64_t hooper_id, const char *text,
		       struct cJSON **out, pw_err_t *err);
/* Sets the caller's team strategy from text; used from the next round. */
int gov_strategy_set(pw_gov_t *g, int64_t governor_id, const char *text, struct cJSON **out,
		     pw_err_t *err);

/* ---- used by the round runner, inside its own transaction ---- */

/*
 * Tallies every open proposal of the current season at round, each judged
 * by the rules in force when the tally began (its threshold does not move
 * with what the tally enacts): passed ones are enacted (or held). A
 * proposal confirmed less than min_voting_seconds ago waits for the next
 * tally. Then token offers and hooper trades whose window ran out (or whose
 * season ended) expire (trade.expired, hooper_trade.expired), and every
 * enrolled governor regenerates tokens. *summary (may be NULL) = {round,
 * proposals: [...], enacted: [...], deferred: [ids], expired_trades:
 * [ids], expired_hooper_trades: [ids]}.
 */
int gov_tally_in_tx(pw_gov_t *g, int round, struct cJSON **summary, pw_err_t *err);
/* The same at a season's end: no proposal waits (the minimum voting period
 * does not apply), and every open offer and pending hooper trade of the
 * season expires. For the season boundary, inside the caller's transaction. */
int gov_tally_final_in_tx(pw_gov_t *g, int round, struct cJSON **summary, pw_err_t *err);
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
/* The effects whose status is in mask (bits PW_FX_MASK(PW_FX_ACTIVE) ...),
 * in registry order: each {id, name, proposal_id, status, reason?,
 * status_round?, lifetime, rounds?, season_id, start_round, hooks, sha256,
 * source}. */
#define PW_FX_MASK(status) (1u << (unsigned)(status))
#define PW_FX_MASK_CURRENT (PW_FX_MASK(PW_FX_ACTIVE) | PW_FX_MASK(PW_FX_DISABLED))
#define PW_FX_MASK_ALL 0xffffffffu
struct cJSON *gov_effects_list_json(pw_gov_t *g, unsigned mask);
struct cJSON *gov_effect_json(pw_gov_t *g, const char *effect_id);
/* {token_trades: [...], hooper_trades: [...]}: with governor_id, the offers
 * made to or by that governor and the hooper trades of their team (0:
 * every one). Each has its status, season_id, round and expires_after_round
 * (the tally that expires it while it is open). */
struct cJSON *gov_trades_json(pw_gov_t *g, int64_t governor_id);
/* The ruleset in force. */
void gov_rules(pw_gov_t *g, pw_rules_t *out);

#endif
