/*
 * test_gov_playthrough.c — a league played as a dozen governors would play
 * it, for two seasons, with a fixed seed: before every tick a burst of
 * random actions (proposals of every tier with confirms, cancels,
 * amendments, withdrawals, votes and boosts; token offers accepted,
 * rejected, withdrawn or left to expire; hooper trades approved, rejected
 * or left to expire; the admin's clear, veto, approve and effect switches)
 * mixed with adversarial ones (another's proposal, another season's
 * proposals and trades, overspending, a complete season). Every refused
 * action must append nothing and never be an internal error; after every
 * tick every invariant of the table below must hold.
 *
 * The games are the stand-in simulation (league_helpers), so the run is
 * about the league's rules, and short: the sanitizer pass plays fewer
 * actions per tick (test_iters).
 *
 * Adding an invariant is one function and one row of `invariants`.
 */
#include "tests/test.h"

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sim/rng.h"
#include "tests/integration/league_helpers.h"

#define N_TEAMS 8
#define N_GOVS 12
#define HOOPERS (N_TEAMS * 4) /* ids 1..32, four a team */

/* The actions, each counted when it was carried out and when refused. */
#define ACTIONS(X)                                                                                  \
	X(PROPOSE) X(CONFIRM) X(CANCEL) X(AMEND) X(WITHDRAW) X(VOTE) X(BOOST) X(OFFER) X(ACCEPT)     \
	X(REJECT) X(WITHDRAW_OFFER) X(HTRADE) X(HTRADE_APPROVE) X(HTRADE_REJECT) X(CLEAR) X(VETO)   \
	X(APPROVE) X(FX_DISABLE) X(FX_ENABLE) X(JOIN) X(ADVERSARIAL)
#define ACTION_ENUM(a) A_##a,
#define ACTION_NAME(a) #a,
enum { ACTIONS(ACTION_ENUM) A_COUNT };
static const char *const action_names[] = {ACTIONS(ACTION_NAME)};

typedef struct play {
	pw_store_t *s;
	pw_gov_t *g;
	pw_round_cfg_t rc;
	pw_rng_t rng;
	int64_t govs[N_GOVS];
	int n_govs;
	int64_t season_id, prev_season_id;
	int season_no, tick;
	int done[A_COUNT], refused[A_COUNT];
	int tiers[6];        /* proposals submitted by tier */
	/* Expired trades seen (the tally's expiry is exercised too). */
	int expired_trades, expired_htrades;
	char *brackets;      /* every drawn bracket after the last tick (lt_brackets) */
	int playoff_props_in_playoffs; /* playoff-format proposals made once a bracket was drawn */
} play_t;

/* ---- invariants ---- */

typedef bool (*invariant_fn)(play_t *p, char *why, size_t n);

static bool say(char *why, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static bool say(char *why, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, n, fmt, ap);
	va_end(ap);
	return false;
}

/* Balances folded here from the log alone, independently of gov_state:
 * joins set them, spends and regenerations move them, accepted trades
 * move both sides. Every event must leave every balance in 0..cap. */
typedef struct ledger {
	int64_t id[64];
	int tok[64][PW_TOKEN_KINDS];
	int n;
	struct {
		int64_t id, from, to;
		int offer[PW_TOKEN_KINDS], request[PW_TOKEN_KINDS];
	} trade[512];
	int n_trades;
	char bad[200];
} ledger_t;

static int *ledger_of(ledger_t *l, int64_t gid)
{
	for (int i = 0; i < l->n; i++)
		if (l->id[i] == gid)
			return l->tok[i];
	if (l->n == 64)
		return NULL;
	l->id[l->n] = gid;
	memset(l->tok[l->n], 0, sizeof l->tok[0]);
	return l->tok[l->n++];
}

static void read_triple(const cJSON *o, int t[PW_TOKEN_KINDS])
{
	for (int k = 0; k < PW_TOKEN_KINDS; k++)
		t[k] = (int)cJSON_GetNumberValue(cJSON_GetObjectItem(o, gstate_token_name(k)));
}

static void bounded(ledger_t *l, int64_t gid, const int *t, const pw_event_t *ev)
{
	for (int k = 0; t && k < PW_TOKEN_KINDS && !l->bad[0]; k++)
		if (t[k] < 0 || t[k] > PW_TOKEN_MAX)
			snprintf(l->bad, sizeof l->bad, "governor %lld holds %d %s after event %lld (%s)",
				 (long long)gid, t[k], gstate_token_name(k), (long long)ev->seq, ev->type);
}

static int ledger_cb(void *ud, const pw_event_t *ev)
{
	ledger_t *l = ud;
	cJSON *pl = cJSON_Parse(ev->payload);
	int *t = NULL;
	if (!strcmp(ev->type, "governor.joined")) {
		if ((t = ledger_of(l, ev->governor_id)))
			read_triple(cJSON_GetObjectItem(pl, "tokens"), t);
		bounded(l, ev->governor_id, t, ev);
	} else if (!strcmp(ev->type, "token.spent")) {
		int k = gstate_token_find(cJSON_GetStringValue(cJSON_GetObjectItem(pl, "kind")));
		if ((t = ledger_of(l, ev->governor_id)) && k >= 0)
			t[k] -= (int)cJSON_GetNumberValue(cJSON_GetObjectItem(pl, "amount"));
		bounded(l, ev->governor_id, t, ev);
	} else if (!strcmp(ev->type, "token.regenerated")) {
		int add[PW_TOKEN_KINDS];
		read_triple(pl, add);
		if ((t = ledger_of(l, ev->governor_id)))
			for (int k = 0; k < PW_TOKEN_KINDS; k++)
				t[k] += add[k];
		bounded(l, ev->governor_id, t, ev);
	} else if (!strcmp(ev->type, "trade.offered") && l->n_trades < 512) {
		l->trade[l->n_trades].id = (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(pl, "trade_id"));
		l->trade[l->n_trades].from = ev->governor_id;
		l->trade[l->n_trades].to = (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(pl, "to_governor_id"));
		read_triple(cJSON_GetObjectItem(pl, "offer"), l->trade[l->n_trades].offer);
		read_triple(cJSON_GetObjectItem(pl, "request"), l->trade[l->n_trades].request);
		l->n_trades++;
	} else if (!strcmp(ev->type, "trade.accepted")) {
		int64_t tid = (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(pl, "trade_id"));
		for (int i = 0; i < l->n_trades; i++) {
			if (l->trade[i].id != tid)
				continue;
			int *a = ledger_of(l, l->trade[i].from), *b = ledger_of(l, l->trade[i].to);
			for (int k = 0; a && b && k < PW_TOKEN_KINDS; k++) {
				a[k] += l->trade[i].request[k] - l->trade[i].offer[k];
				b[k] += l->trade[i].offer[k] - l->trade[i].request[k];
			}
			bounded(l, l->trade[i].from, a, ev);
			bounded(l, l->trade[i].to, b, ev);
		}
	}
	cJSON_Delete(pl);
	return 0;
}

static bool inv_balances(play_t *p, char *why, size_t n)
{
	ledger_t *l = calloc(1, sizeof *l);
	store_events_since(p->s, 0, ledger_cb, l);
	bool ok = !l->bad[0] || say(why, n, "%s", l->bad);
	gov_sync(p->g);
	const pw_gstate_t *gs = gov_state(p->g);
	for (int i = 0; ok && i < gs->n_govs; i++) {
		const int *t = ledger_of(l, gs->govs[i].id);
		for (int k = 0; ok && t && k < PW_TOKEN_KINDS; k++)
			if (t[k] != gs->govs[i].tokens[k])
				ok = say(why, n, "governor %lld: %d %s by the log, %d by the service",
					 (long long)gs->govs[i].id, t[k], gstate_token_name(k), gs->govs[i].tokens[k]);
	}
	free(l);
	return ok;
}

/* The regular-season standings are the regular-season games, summed. */
static bool inv_standings(play_t *p, char *why, size_t n)
{
	cJSON *st = season_standings_json(p->s, p->season_id);
	int ng = 0;
	pw_game_row_t *gm = store_games(p->s, p->season_id, 0, &ng);
	bool ok = true;
	const cJSON *row;
	int teams = 0;
	cJSON_ArrayForEach(row, cJSON_GetObjectItem(st, "regular")) {
		int64_t tid = (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(row, "team_id"));
		int w = 0, lo = 0, pf = 0, pa = 0;
		for (int i = 0; i < ng; i++) {
			const pw_game_row_t *x = &gm[i];
			if (strcmp(x->stage, "regular") || (x->home_team_id != tid && x->away_team_id != tid))
				continue;
			bool home = x->home_team_id == tid;
			pf += home ? x->home_score : x->away_score;
			pa += home ? x->away_score : x->home_score;
			if (x->winner_team_id == tid)
				w++;
			else
				lo++;
		}
		int sw = (int)cJSON_GetNumberValue(cJSON_GetObjectItem(row, "wins"));
		int sl = (int)cJSON_GetNumberValue(cJSON_GetObjectItem(row, "losses"));
		int spf = (int)cJSON_GetNumberValue(cJSON_GetObjectItem(row, "points_for"));
		int spa = (int)cJSON_GetNumberValue(cJSON_GetObjectItem(row, "points_against"));
		if (ok && (sw != w || sl != lo || spf != pf || spa != pa))
			ok = say(why, n, "team %lld: standings %d-%d %d/%d, games %d-%d %d/%d", (long long)tid, sw, sl,
				 spf, spa, w, lo, pf, pa);
		teams++;
	}
	if (ok && teams != N_TEAMS)
		ok = say(why, n, "the standings list %d teams, the league has %d", teams, N_TEAMS);
	free(gm);
	cJSON_Delete(st);
	return ok;
}

/* Every stored game re-simulates to its stored hash. */
static bool inv_rebuild(play_t *p, char *why, size_t n)
{
	int checked = 0;
	pw_err_t e = {0};
	int bad = round_rebuild(&p->rc, &checked, NULL, NULL, &e);
	int64_t games = 0;
	int ng = 0;
	for (int64_t sid = 1; sid <= p->season_id; sid++) {
		free(store_games(p->s, sid, 0, &ng));
		games += ng;
	}
	if (bad != 0)
		return say(why, n, "rebuild: %d (%s)", bad, e.msg);
	if (checked != games)
		return say(why, n, "rebuild checked %d games of %lld", checked, (long long)games);
	return true;
}

/* The service's cache is exactly a fold of the log from scratch. */
static bool inv_fold(play_t *p, char *why, size_t n)
{
	gov_sync(p->g);
	pw_gstate_t fresh;
	gstate_init(&fresh);
	gstate_sync(&fresh, p->s);
	char *a = lt_state_dump(gov_state(p->g)), *b = lt_state_dump(&fresh);
	bool ok = !strcmp(a, b) || say(why, n, "the cache differs from a fresh fold of the log");
	free(a);
	free(b);
	gstate_free(&fresh);
	return ok;
}

/* Nothing of an earlier season is still open once a later season tallied. */
static bool inv_seasons(play_t *p, char *why, size_t n)
{
	gov_sync(p->g);
	const pw_gstate_t *gs = gov_state(p->g);
	if (p->season_no < 2 || p->tick == 0)
		return true;
	for (int i = 0; i < gs->n_trades; i++)
		if (gs->trades[i].season_id != gs->season.id && gs->trades[i].status == PW_TRADE_OPEN)
			return say(why, n, "trade %lld of season %lld is still open", (long long)gs->trades[i].id,
				   (long long)gs->trades[i].season_id);
	for (int i = 0; i < gs->n_htrades; i++)
		if (gs->htrades[i].season_id != gs->season.id && gs->htrades[i].status == PW_HTRADE_PENDING)
			return say(why, n, "hooper trade %lld of an earlier season is pending", (long long)gs->htrades[i].id);
	return true;
}

/* A bracket, once drawn, never changes: later ticks only add results. */
static bool inv_brackets(play_t *p, char *why, size_t n)
{
	char *now = lt_brackets(p->g);
	if (!now)
		return say(why, n, "the brackets could not be read");
	bool ok = !p->brackets || lt_brackets_kept(p->brackets, now, why, n);
	free(p->brackets);
	p->brackets = now;
	return ok;
}

/* The season so far: proper round robins, every game stored once,
 * standings equal the games, a valid bracket. */
static bool inv_season(play_t *p, char *why, size_t n)
{
	return lt_season_valid(p->s, p->season_id, why, n);
}

static const struct {
	const char *name;
	invariant_fn fn;
} invariants[] = {
	{"brackets unchanged once drawn", inv_brackets},
	{"the season is well formed", inv_season},
	{"balances equal the log, 0..cap", inv_balances},
	{"standings equal the games", inv_standings},
	{"rebuild clean", inv_rebuild},
	{"cache equals a fresh fold", inv_fold},
	{"season boundaries", inv_seasons},
};

static void check_invariants(play_t *p)
{
	for (size_t i = 0; i < sizeof invariants / sizeof invariants[0]; i++) {
		char why[300] = "";
		bool ok = invariants[i].fn(p, why, sizeof why);
		CHECK_MSG(ok, "season %d tick %d: %s: %s", p->season_no, p->tick, invariants[i].name, why);
	}
}

/* ---- picking ---- */

static int pick(play_t *p, int n)
{
	return n > 0 ? (int)rng_below(&p->rng, (uint32_t)n) : 0;
}

static bool chance(play_t *p, int percent)
{
	return pick(p, 100) < percent;
}

static int64_t any_gov(play_t *p)
{
	return p->govs[pick(p, p->n_govs)];
}

/* A random proposal of this season in status st (NULL when there is none);
 * with other_season, one of an earlier season. */
static const pw_proposal_t *any_proposal(play_t *p, pw_prop_status_t st, bool other_season)
{
	gov_sync(p->g);
	const pw_gstate_t *gs = gov_state(p->g);
	int n = 0;
	for (int i = 0; i < gs->n_props; i++)
		n += gs->props[i].status == st && (gs->props[i].season_id != gs->season.id) == other_season;
	if (!n)
		return NULL;
	int k = pick(p, n);
	for (int i = 0; i < gs->n_props; i++)
		if (gs->props[i].status == st && (gs->props[i].season_id != gs->season.id) == other_season && k-- == 0)
			return &gs->props[i];
	return NULL;
}

static const pw_effect_rec_t *any_effect(play_t *p, pw_fx_status_t st)
{
	gov_sync(p->g);
	const pw_gstate_t *gs = gov_state(p->g);
	int n = 0;
	for (int i = 0; i < gs->n_effects; i++)
		n += gs->effects[i].status == st;
	int k = pick(p, n);
	for (int i = 0; n && i < gs->n_effects; i++)
		if (gs->effects[i].status == st && k-- == 0)
			return &gs->effects[i];
	return NULL;
}

static const pw_governor_t *gov_of(play_t *p, int64_t gid)
{
	gov_sync(p->g);
	return gstate_governor(gov_state(p->g), gid);
}

/* A governor of team, or 0. */
static int64_t gov_on(play_t *p, int64_t team)
{
	int n = 0;
	int64_t on[N_GOVS];
	for (int i = 0; i < p->n_govs; i++) {
		const pw_governor_t *gv = gov_of(p, p->govs[i]);
		if (gv && gv->team_id == team)
			on[n++] = gv->id;
	}
	return n ? on[pick(p, n)] : 0;
}

/* ---- outcomes ---- */

/* An action that may or may not be allowed: carried out, or refused with
 * nothing appended and never for an internal reason. */
static void outcome(play_t *p, int action, int rc, int64_t before, const pw_err_t *e)
{
	if (rc == 0) {
		p->done[action]++;
		return;
	}
	p->refused[action]++;
	CHECK_MSG(rc != PW_E_INTERNAL, "%s failed inside: %s", action_names[action], e->msg);
	CHECK_MSG(store_events_count(p->s) == before, "a refused %s appended events (%s)", action_names[action],
		  e->msg);
}

/* An action that must be refused with code want and change nothing. */
static void refused(play_t *p, const char *what, int rc, int want, int64_t before, const pw_err_t *e)
{
	p->refused[A_ADVERSARIAL]++;
	if (rc == want)
		p->done[A_ADVERSARIAL]++;
	CHECK_MSG(rc == want, "%s: %d, expected %d (%s)", what, rc, want, rc ? e->msg : "accepted");
	CHECK_MSG(store_events_count(p->s) == before, "%s appended events", what);
}

/* ---- the actions ---- */

static const char NARRATIVE[] = "return { name = 'Chorus', hooks = { ['report.simulation.pre'] = "
				"function(ctx) return { narrative = 'The crowd sang.' } end } }";
static const char SIM_FX[] = "return { name = 'Nudge', lifetime = { rounds = 3 }, hooks = { ['sim.shot.pre'] = "
			     "function(ctx) return { shot_probability = 0.01 } end } }";
static const char SIM_FX2[] = "return { name = 'Lean', hooks = { ['sim.possession.pre'] = "
			      "function(ctx) end } }";

/* A proposal text (and script) of tier 1 to 5. */
static void proposal_text(play_t *p, char *text, size_t n, const char **lua)
{
	*lua = NULL;
	/* Playoff formats at any time: one passed once a bracket is drawn must
	 * leave that bracket as drawn (inv_brackets) and apply next season. */
	bool drawn = strcmp(gov_state(p->g)->season.phase, "active") != 0;
	switch (pick(p, 5)) {
	case 0: { /* tier 1 */
		static const char *const t1[] = {"three pointers worth %d", "elam margin %d", "shot clock %d seconds",
						 "foul out after %d"};
		static const int base[] = {2, 10, 12, 4}, span[] = {5, 16, 13, 4};
		int k = pick(p, 4);
		snprintf(text, n, t1[k], base[k] + pick(p, span[k]));
		if (chance(p, 20))
			snprintf(text, n, "%s", chance(p, 50) ? "shorter quarters" : "longer quarters");
		break;
	}
	case 1: /* tier 2 */
		if (chance(p, 40)) {
			snprintf(text, n, "a chorus after every round");
			*lua = NARRATIVE;
		} else {
			snprintf(text, n, "%s", chance(p, 50) ? "turn off home court" : "turn on home court");
		}
		break;
	case 2: { /* tier 3: league structure, or an effect with sim hooks */
		int r = pick(p, 4);
		if (r < 2) {
			static const char *const t3[] = {"finals best of %d", "semis best of %d", "%d playoff teams"};
			int k = pick(p, 3);
			snprintf(text, n, t3[k], k == 2 ? 2 << pick(p, 3) : 1 + 2 * pick(p, 4));
			p->playoff_props_in_playoffs += drawn;
		} else if (r == 2) {
			snprintf(text, n, "%d round robins per season", 1 + pick(p, 3));
		} else {
			snprintf(text, n, "install the attached effect");
			*lua = chance(p, 50) ? SIM_FX : SIM_FX2;
		}
		break;
	}
	case 3: /* tier 4 */
		if (chance(p, 50))
			snprintf(text, n, "vote threshold 0.%d", 45 + pick(p, 16));
		else
			snprintf(text, n, "proposals per window %d", 2 + pick(p, 4));
		break;
	default: { /* tier 5: wild, or a repeal */
		const pw_effect_rec_t *ef = any_effect(p, PW_FX_ACTIVE);
		if (ef && chance(p, 50))
			snprintf(text, n, "repeal %s", ef->id);
		else
			snprintf(text, n, "the moon decides game %d", pick(p, 100));
	}
	}
}

static void act_propose(play_t *p)
{
	char text[128];
	const char *lua;
	proposal_text(p, text, sizeof text, &lua);
	int64_t who = any_gov(p), before = store_events_count(p->s);
	cJSON *o = NULL;
	pw_err_t e = {0};
	int rc = gov_propose(p->g, who, text, lua, &o, &e);
	outcome(p, A_PROPOSE, rc, before, &e);
	if (rc < 0)
		return;
	int64_t pid = (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(o, "id"));
	int tier = (int)cJSON_GetNumberValue(cJSON_GetObjectItem(o, "tier"));
	p->tiers[tier >= 1 && tier <= 5 ? tier : 0]++;
	cJSON_Delete(o);
	int r = pick(p, 100);
	before = store_events_count(p->s);
	if (r < 75)
		outcome(p, A_CONFIRM, gov_confirm(p->g, who, pid, NULL, &e), before, &e);
	else if (r < 90)
		outcome(p, A_CANCEL, gov_cancel(p->g, who, pid, NULL, &e), before, &e);
}

static void act_amend(play_t *p)
{
	const pw_proposal_t *pr = any_proposal(p, PW_PROP_OPEN, false);
	if (!pr)
		return;
	int64_t pid = pr->id, owner = pr->governor_id, other = any_gov(p);
	char text[128];
	const char *lua;
	proposal_text(p, text, sizeof text, &lua);
	int64_t before = store_events_count(p->s);
	pw_err_t e = {0};
	if (other != owner && chance(p, 30)) {
		refused(p, "amending another's proposal", gov_amend(p->g, other, pid, text, lua, NULL, &e),
			PW_E_FORBIDDEN, before, &e);
		return;
	}
	bool spent_out = pr->amendments >= PW_MAX_AMENDMENTS;
	int rc = gov_amend(p->g, owner, pid, text, lua, NULL, &e);
	if (spent_out)
		refused(p, "a third amendment", rc, PW_E_CONFLICT, before, &e);
	else
		outcome(p, A_AMEND, rc, before, &e);
}

static void act_withdraw(play_t *p)
{
	const pw_proposal_t *pr = any_proposal(p, PW_PROP_OPEN, false);
	if (!pr)
		return;
	int64_t pid = pr->id, owner = pr->governor_id, other = any_gov(p);
	int64_t before = store_events_count(p->s);
	pw_err_t e = {0};
	if (other != owner && chance(p, 30))
		refused(p, "withdrawing another's proposal", gov_withdraw(p->g, other, pid, NULL, &e), PW_E_FORBIDDEN,
			before, &e);
	else if (chance(p, 30))
		outcome(p, A_WITHDRAW, gov_withdraw(p->g, owner, pid, NULL, &e), before, &e);
}

static void act_vote(play_t *p)
{
	const pw_proposal_t *pr = any_proposal(p, PW_PROP_OPEN, false);
	if (!pr)
		return;
	int64_t pid = pr->id, who = any_gov(p);
	bool boost = chance(p, 20);
	const pw_governor_t *gv = gov_of(p, who);
	bool broke = boost && gv && gv->tokens[PW_TOK_BOOST] == 0;
	bool paid = false;
	for (int i = 0; i < pr->n_votes; i++)
		paid |= pr->votes[i].governor_id == who && pr->votes[i].boost;
	int64_t before = store_events_count(p->s);
	pw_err_t e = {0};
	int rc = gov_vote(p->g, who, pid, chance(p, 60), boost, NULL, &e);
	if (broke && !paid && gv->season_id == gov_state(p->g)->season.id)
		refused(p, "boosting with no BOOST token", rc, PW_E_TOKENS, before, &e);
	else
		outcome(p, boost ? A_BOOST : A_VOTE, rc, before, &e);
}

/* A kind gv holds fewer than the cap of (the one it would like more of),
 * else any kind. */
static int short_kind(play_t *p, const pw_governor_t *gv)
{
	int k0 = pick(p, PW_TOKEN_KINDS);
	for (int i = 0; gv && i < PW_TOKEN_KINDS; i++)
		if (gv->tokens[(k0 + i) % PW_TOKEN_KINDS] < PW_TOKEN_MAX)
			return (k0 + i) % PW_TOKEN_KINDS;
	return k0;
}

static void act_offer(play_t *p)
{
	int64_t a = any_gov(p), b = any_gov(p);
	/* Mostly one token of a kind the other is short of for one of a kind
	 * the offerer is short of; sometimes lopsided or blind. */
	int offer[PW_TOKEN_KINDS] = {0}, request[PW_TOKEN_KINDS] = {0};
	bool blind = chance(p, 30);
	int give = blind ? pick(p, PW_TOKEN_KINDS) : short_kind(p, gov_of(p, b));
	int take = blind ? pick(p, PW_TOKEN_KINDS) : short_kind(p, gov_of(p, a));
	offer[give] = 1 + (chance(p, 20) ? pick(p, 3) : 0);
	request[take] += chance(p, 80) ? 1 : 0;
	int64_t before = store_events_count(p->s);
	pw_err_t e = {0};
	outcome(p, A_OFFER, gov_trade_offer(p->g, a, b, offer, request, NULL, &e), before, &e);
}

static void act_answer(play_t *p)
{
	gov_sync(p->g);
	const pw_gstate_t *gs = gov_state(p->g);
	int n = 0;
	for (int i = 0; i < gs->n_trades; i++)
		n += gs->trades[i].status == PW_TRADE_OPEN && gs->trades[i].season_id == gs->season.id;
	if (!n)
		return;
	int k = pick(p, n);
	const pw_trade_t *t = NULL;
	for (int i = 0; i < gs->n_trades && !t; i++)
		if (gs->trades[i].status == PW_TRADE_OPEN && gs->trades[i].season_id == gs->season.id && k-- == 0)
			t = &gs->trades[i];
	int64_t tid = t->id, from = t->from, to = t->to, other = any_gov(p);
	int64_t before = store_events_count(p->s);
	pw_err_t e = {0};
	int r = pick(p, 100);
	if (r < 15 && other != to)
		refused(p, "answering another's offer", gov_trade_respond(p->g, other, tid, true, NULL, &e),
			PW_E_FORBIDDEN, before, &e);
	else if (r < 50)
		outcome(p, A_ACCEPT, gov_trade_respond(p->g, to, tid, true, NULL, &e), before, &e);
	else if (r < 65)
		outcome(p, A_REJECT, gov_trade_respond(p->g, to, tid, false, NULL, &e), before, &e);
	else if (r < 80)
		outcome(p, A_WITHDRAW_OFFER, gov_trade_withdraw(p->g, from, tid, NULL, &e), before, &e);
	/* else: left open, for the tally to expire */
}

static void act_hooper_trade(play_t *p)
{
	int64_t who = any_gov(p);
	const pw_governor_t *gv = gov_of(p, who);
	if (!gv)
		return;
	int64_t mine = 0, theirs = 0;
	for (int tries = 0; tries < 20 && (!mine || !theirs); tries++) {
		int64_t h = 1 + pick(p, HOOPERS), team;
		int slot;
		if (store_hooper_team(p->s, h, &team, &slot) != 1)
			continue;
		if (team == gv->team_id)
			mine = h;
		else
			theirs = h;
	}
	int64_t before = store_events_count(p->s);
	pw_err_t e = {0};
	if (mine && theirs)
		outcome(p, A_HTRADE, gov_hooper_trade_propose(p->g, who, mine, theirs, NULL, &e), before, &e);
}

static void act_hooper_answer(play_t *p)
{
	gov_sync(p->g);
	const pw_gstate_t *gs = gov_state(p->g);
	const pw_hooper_trade_t *h = NULL;
	for (int i = gs->n_htrades - 1; i >= 0 && !h; i--)
		if (gs->htrades[i].status == PW_HTRADE_PENDING && gs->htrades[i].season_id == gs->season.id &&
		    chance(p, 60))
			h = &gs->htrades[i];
	if (!h)
		return;
	int64_t tid = h->id, who = gov_on(p, chance(p, 50) ? h->team_a : h->team_b);
	if (!who)
		return;
	int64_t before = store_events_count(p->s);
	pw_err_t e = {0};
	if (chance(p, 75))
		outcome(p, A_HTRADE_APPROVE, gov_hooper_trade_approve(p->g, who, tid, NULL, &e), before, &e);
	else
		outcome(p, A_HTRADE_REJECT, gov_hooper_trade_reject(p->g, who, tid, NULL, &e), before, &e);
}

static void act_admin(play_t *p)
{
	int64_t before = store_events_count(p->s);
	pw_err_t e = {0};
	const pw_proposal_t *pr;
	switch (pick(p, 4)) {
	case 0: /* the review queue: the newest flagged proposal */
		gov_sync(p->g);
		pr = NULL;
		for (int i = gov_state(p->g)->n_props - 1; i >= 0 && !pr; i--) {
			const pw_proposal_t *x = &gov_state(p->g)->props[i];
			if (x->flagged && !x->cleared && x->status == PW_PROP_OPEN)
				pr = x;
		}
		if (pr)
			outcome(p, A_CLEAR, gov_admin_clear(p->g, pr->id, NULL, &e), before, &e);
		break;
	case 1:
		pr = any_proposal(p, chance(p, 50) ? PW_PROP_OPEN : PW_PROP_HELD, false);
		if (pr && chance(p, 30))
			outcome(p, A_VETO, gov_admin_veto(p->g, pr->id, "not in this league", NULL, &e), before, &e);
		break;
	case 2:
		pr = any_proposal(p, PW_PROP_HELD, false);
		if (pr)
			outcome(p, A_APPROVE, gov_admin_approve(p->g, pr->id, NULL, &e), before, &e);
		break;
	default: {
		bool on = chance(p, 50);
		const pw_effect_rec_t *ef = any_effect(p, on ? PW_FX_DISABLED : PW_FX_ACTIVE);
		char id[64];
		if (!ef)
			break;
		snprintf(id, sizeof id, "%s", ef->id);
		outcome(p, on ? A_FX_ENABLE : A_FX_DISABLE,
			gov_admin_effect(p->g, id, on, on ? "looked at it again" : "misbehaving", NULL, &e), before, &e);
	}
	}
}

/* Adversarial: each must be refused and change nothing. */
static void act_adversarial(play_t *p)
{
	int64_t who = any_gov(p), before = store_events_count(p->s);
	pw_err_t e = {0};
	const pw_governor_t *gv = gov_of(p, who);
	const pw_proposal_t *pr;
	switch (pick(p, 6)) {
	case 0: /* confirm someone else's draft */
		pr = any_proposal(p, PW_PROP_DRAFT, false);
		if (pr && pr->governor_id != who)
			refused(p, "confirming another's draft", gov_confirm(p->g, who, pr->id, NULL, &e),
				PW_E_FORBIDDEN, before, &e);
		break;
	case 1: /* vote on a draft */
		pr = any_proposal(p, PW_PROP_DRAFT, false);
		if (pr)
			refused(p, "voting on a draft", gov_vote(p->g, who, pr->id, true, false, NULL, &e), PW_E_CONFLICT,
				before, &e);
		break;
	case 2: /* a wild proposal without the 2 PROPOSE it costs */
		if (gv && gv->tokens[PW_TOK_PROPOSE] < 2 && gv->season_id == gov_state(p->g)->season.id)
			refused(p, "a wild proposal without the tokens",
				gov_propose(p->g, who, "the moon decides everything", NULL, NULL, &e), PW_E_TOKENS, before,
				&e);
		break;
	case 3: { /* offer more than one holds */
		int offer[PW_TOKEN_KINDS] = {PW_TOKEN_MAX + 1, 0, 0}, request[PW_TOKEN_KINDS] = {0, 0, 1};
		int64_t to = any_gov(p);
		if (to != who && gv && gv->season_id == gov_state(p->g)->season.id)
			refused(p, "offering more than one holds", gov_trade_offer(p->g, who, to, offer, request, NULL, &e),
				PW_E_TOKENS, before, &e);
		break;
	}
	default: /* another season's proposals, offers and hooper trades */
		if (p->season_no < 2)
			break;
		pr = any_proposal(p, chance(p, 50) ? PW_PROP_OPEN : PW_PROP_DRAFT, true);
		if (pr) {
			int64_t pid = pr->id, owner = pr->governor_id;
			bool draft = pr->status == PW_PROP_DRAFT;
			refused(p, "voting on another season's proposal", gov_vote(p->g, who, pid, true, chance(p, 50), NULL, &e),
				PW_E_CONFLICT, before, &e);
			refused(p, "amending another season's proposal",
				gov_amend(p->g, owner, pid, "three pointers worth 4", NULL, NULL, &e), PW_E_CONFLICT, before, &e);
			refused(p, draft ? "confirming another season's draft" : "withdrawing another season's proposal",
				draft ? gov_confirm(p->g, owner, pid, NULL, &e) : gov_withdraw(p->g, owner, pid, NULL, &e),
				PW_E_CONFLICT, before, &e);
		}
		const pw_gstate_t *gs = gov_state(p->g);
		for (int i = 0; i < gs->n_trades; i++)
			if (gs->trades[i].season_id == p->prev_season_id) {
				int64_t tid = gs->trades[i].id, to = gs->trades[i].to;
				refused(p, "accepting last season's offer", gov_trade_respond(p->g, to, tid, true, NULL, &e),
					PW_E_CONFLICT, before, &e);
				break;
			}
		gs = gov_state(p->g);
		for (int i = 0; i < gs->n_htrades; i++)
			if (gs->htrades[i].season_id == p->prev_season_id) {
				int64_t tid = gs->htrades[i].id, b = gov_on(p, gs->htrades[i].team_b);
				if (b)
					refused(p, "approving last season's hooper trade",
						gov_hooper_trade_approve(p->g, b, tid, NULL, &e), PW_E_CONFLICT, before, &e);
				break;
			}
	}
}

static void act_join(play_t *p)
{
	if (p->n_govs >= N_GOVS)
		return;
	char name[16];
	snprintf(name, sizeof name, "Late%d", p->n_govs);
	int64_t before = store_events_count(p->s);
	cJSON *o = NULL;
	pw_err_t e = {0};
	int rc = gov_join(p->g, name, 1 + pick(p, N_TEAMS), &o, &e);
	outcome(p, A_JOIN, rc, before, &e);
	if (rc == 0)
		p->govs[p->n_govs++] = (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(o, "governor_id"));
	cJSON_Delete(o);
}

static void random_action(play_t *p)
{
	int r = pick(p, 100);
	if (r < 14)
		act_propose(p);
	else if (r < 19)
		act_amend(p);
	else if (r < 22)
		act_withdraw(p);
	else if (r < 58)
		act_vote(p);
	else if (r < 65)
		act_offer(p);
	else if (r < 72)
		act_answer(p);
	else if (r < 76)
		act_hooper_trade(p);
	else if (r < 82)
		act_hooper_answer(p);
	else if (r < 91)
		act_admin(p);
	else if (r < 99)
		act_adversarial(p);
	else
		act_join(p);
}

/* A playoff format everyone votes for, before the season's first tick:
 * whatever the random play does, each season changes one (the tally in
 * the first tick enacts it long before a bracket is drawn). */
static void change_playoff_format(play_t *p)
{
	gov_sync(p->g);
	int finals = gov_state(p->g)->rules.playoff_finals_best_of;
	char text[64];
	snprintf(text, sizeof text, "finals best of %d", finals == 7 ? 5 : 7);
	int64_t who = p->govs[p->season_no % p->n_govs];
	int64_t pid = lt_draft(p->g, who, text, NULL);
	pw_err_t e = {0};
	CHECK_MSG(gov_confirm(p->g, who, pid, NULL, &e) == 0, "confirm \"%s\": %s", text, e.msg);
	for (int i = 0; i < p->n_govs; i++)
		lt_vote(p->g, p->govs[i], pid, true, false);
}

/* Plays the current season to its end, actions before every tick. */
static void play_season(play_t *p, int actions)
{
	pw_season_row_t cur;
	CHECK_EQ(season_current(p->s, &cur), 1);
	p->season_id = cur.id;
	p->tick = 0;
	change_playoff_format(p);
	for (int guard = 0; guard < 80; guard++) {
		for (int i = 0; i < actions; i++)
			random_action(p);
		pw_round_out_t out;
		pw_err_t e = {0};
		int rc = round_tick(&p->rc, &out, &e);
		CHECK_MSG(rc == 0, "season %d tick %d: %s", p->season_no, p->tick + 1, e.msg);
		if (rc < 0 || out.round == 0)
			return;
		p->tick++;
		check_invariants(p);
		if (!strcmp(out.phase, "complete"))
			return;
	}
	test_fail(__FILE__, __LINE__, "season %d never ended", p->season_no);
}

TEST(gov_playthrough_two_seasons_a_dozen_governors_every_action)
{
	play_t p;
	memset(&p, 0, sizeof p);
	rng_seed(&p.rng, 20240611);
	p.s = lt_open("play.db");
	pw_gov_cfg_t cfg = {.scripts_dir = "/nonexistent", .trade_expiry_rounds = 3};
	p.g = lt_league_with(p.s, N_TEAMS, &cfg);
	lt_cfg(&p.rc, p.g);
	/* Ten governors at the start (two teams with two), two join later. */
	for (int i = 0; i < 10; i++) {
		char name[8];
		snprintf(name, sizeof name, "G%d", i);
		p.govs[p.n_govs++] = lt_join(p.g, name, 1 + i % N_TEAMS, NULL);
	}
	/* The same play under the sanitizers (about 15 s there): fewer actions
	 * would leave some rules unexercised, and the run is the same run. */
	int actions = 32;
	p.season_no = 1;
	play_season(&p, actions);
	/* The season is complete: nothing new starts in it. */
	int64_t before = store_events_count(p.s);
	pw_err_t e = {0};
	refused(&p, "proposing in a complete season", gov_propose(p.g, p.govs[0], "shorter quarters", NULL, NULL, &e),
		PW_E_CONFLICT, before, &e);
	int offer[PW_TOKEN_KINDS] = {0, 0, 1}, request[PW_TOKEN_KINDS] = {0, 1, 0};
	refused(&p, "trading in a complete season", gov_trade_offer(p.g, p.govs[0], p.govs[1], offer, request, NULL, &e),
		PW_E_CONFLICT, before, &e);

	int64_t sid;
	CHECK_MSG(season_create(p.g, NULL, true, NULL, 0, &sid, &e) == 0, "season 2: %s", e.msg);
	p.prev_season_id = p.season_id;
	p.season_no = 2;
	/* Straight away, last season's business is closed to everyone. */
	for (int i = 0; i < 12; i++) {
		before = store_events_count(p.s);
		p.season_no = 2;
		act_adversarial(&p);
	}
	play_season(&p, actions);

	/* Every kind of action was carried out at least once (and the run
	 * saw refusals and expiries), so the invariants were tested against
	 * all of them. */
	bool all = true;
	for (int a = 0; a < A_COUNT; a++) {
		CHECK_MSG(p.done[a] > 0, "%s was never carried out (%d refused)", action_names[a], p.refused[a]);
		all = all && p.done[a] > 0;
	}
	for (int a = 0; !all && a < A_COUNT; a++)
		printf("    %-16s done %3d refused %3d\n", action_names[a], p.done[a], p.refused[a]);
	for (int t = 1; t <= 5; t++)
		CHECK_MSG(p.tiers[t] > 0, "no tier %d proposal was made", t);
	gov_sync(p.g);
	const pw_gstate_t *gs = gov_state(p.g);
	int playoff_changes = 0;
	for (int i = 0; i < gs->n_changes; i++)
		playoff_changes += !strncmp(gs->changes[i].name, "playoff_", 8);
	CHECK_MSG(playoff_changes > 0, "no playoff format was ever changed");
	int expired = 0, hexpired = 0, executed = 0;
	for (int i = 0; i < gs->n_trades; i++)
		expired += gs->trades[i].status == PW_TRADE_EXPIRED;
	for (int i = 0; i < gs->n_htrades; i++) {
		hexpired += gs->htrades[i].status == PW_HTRADE_EXPIRED;
		executed += gs->htrades[i].status == PW_HTRADE_EXECUTED;
	}
	CHECK_MSG(expired > 0 && hexpired > 0 && executed > 0, "expired offers %d, expired hooper trades %d, executed %d",
		  expired, hexpired, executed);
	printf("    play-through: %d governors, seasons of %d ticks (last), %d proposals, %d votes, %d trades, "
	       "%d hooper trades, %lld events\n",
	       p.n_govs, p.tick, gs->n_props, p.done[A_VOTE] + p.done[A_BOOST], gs->n_trades, gs->n_htrades,
	       (long long)store_events_count(p.s));
	CHECK_MSG(p.playoff_props_in_playoffs > 0, "no playoff format was proposed once a bracket was drawn");
	free(p.brackets);
	gov_close(p.g);
	store_close(p.s);
}

/* The same play-through on PostgreSQL (docs/POSTGRES.md). */
LT_ON_POSTGRES(gov_playthrough_two_seasons_a_dozen_governors_every_action)
