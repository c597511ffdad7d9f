/*
 * gov_state.c — the event fold (see gov_state.h).
 */
#include "core/league/gov_state.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const token_names[PW_TOKEN_KINDS] = {"propose", "amend", "boost"};
#define STATUS_NAME(id, name) name,
static const char *const status_names[] = {PW_PROP_STATUSES(STATUS_NAME)};
static const char *const fx_status_names[] = {PW_FX_STATUSES(STATUS_NAME)};
static const char *const trade_status_names[] = {PW_TRADE_STATUSES(STATUS_NAME)};
static const char *const htrade_status_names[] = {PW_HTRADE_STATUSES(STATUS_NAME)};
#undef STATUS_NAME
#define N_OF(a) ((int)(sizeof(a) / sizeof((a)[0])))

const char *gstate_token_name(int kind)
{
	return kind >= 0 && kind < PW_TOKEN_KINDS ? token_names[kind] : NULL;
}

int gstate_token_find(const char *name)
{
	for (int i = 0; name && i < PW_TOKEN_KINDS; i++)
		if (!strcmp(token_names[i], name))
			return i;
	return -1;
}

static const char *status_of(const char *const *names, int n, int s)
{
	return s >= 0 && s < n ? names[s] : "unknown";
}

const char *gstate_status_name(pw_prop_status_t s)
{
	return status_of(status_names, N_OF(status_names), (int)s);
}

const char *gstate_fx_status_name(pw_fx_status_t s)
{
	return status_of(fx_status_names, N_OF(fx_status_names), (int)s);
}

const char *gstate_trade_status_name(pw_trade_status_t s)
{
	return status_of(trade_status_names, N_OF(trade_status_names), (int)s);
}

const char *gstate_htrade_status_name(pw_htrade_status_t s)
{
	return status_of(htrade_status_names, N_OF(htrade_status_names), (int)s);
}

int gstate_status_find(const char *name)
{
	for (int i = 0; name && i < N_OF(status_names); i++)
		if (!strcmp(status_names[i], name))
			return i;
	return -1;
}

/* Grows an array member pair (ptr, n, cap) by one slot; 0 or -1 on OOM. */
#define GROW(ptr, n, cap)                                                          \
	((n) < (cap) ? 0 : grow((void **)&(ptr), &(cap), sizeof *(ptr)))

static int grow(void **p, int *cap, size_t elem)
{
	int nc = *cap ? *cap * 2 : 8;
	void *np = realloc(*p, (size_t)nc * elem);
	if (!np)
		return -1;
	*p = np;
	*cap = nc;
	return 0;
}

static char *dup(const char *s)
{
	if (!s)
		return NULL;
	size_t n = strlen(s) + 1;
	char *p = malloc(n);
	if (p)
		memcpy(p, s, n);
	return p;
}

void gstate_init(pw_gstate_t *g)
{
	memset(g, 0, sizeof *g);
	rules_default(&g->rules);
}

static void free_proposal(pw_proposal_t *p)
{
	free(p->original_text);
	free(p->text);
	free(p->effect_lua);
	cJSON_Delete(p->interpretation);
	cJSON_Delete(p->impact);
	free(p->votes);
}

void gstate_free(pw_gstate_t *g)
{
	if (!g)
		return;
	for (int i = 0; i < g->n_props; i++)
		free_proposal(&g->props[i]);
	for (int i = 0; i < g->n_effects; i++) {
		free(g->effects[i].source);
		cJSON_Delete(g->effects[i].hooks);
	}
	free(g->govs);
	free(g->props);
	free(g->effects);
	free(g->trades);
	free(g->htrades);
	free(g->changes);
	gstate_init(g);
}

pw_governor_t *gstate_governor(const pw_gstate_t *g, int64_t id)
{
	for (int i = 0; i < g->n_govs; i++)
		if (g->govs[i].id == id)
			return &g->govs[i];
	return NULL;
}

pw_proposal_t *gstate_proposal(const pw_gstate_t *g, int64_t id)
{
	/* Ids are handed out in order, so the index is usually id-1. */
	if (id >= 1 && id <= g->n_props && g->props[id - 1].id == id)
		return &g->props[id - 1];
	for (int i = 0; i < g->n_props; i++)
		if (g->props[i].id == id)
			return &g->props[i];
	return NULL;
}

pw_effect_rec_t *gstate_effect(const pw_gstate_t *g, const char *id)
{
	for (int i = 0; id && i < g->n_effects; i++)
		if (!strcmp(g->effects[i].id, id))
			return &g->effects[i];
	return NULL;
}

pw_trade_t *gstate_trade(const pw_gstate_t *g, int64_t id)
{
	for (int i = 0; i < g->n_trades; i++)
		if (g->trades[i].id == id)
			return &g->trades[i];
	return NULL;
}

pw_hooper_trade_t *gstate_htrade(const pw_gstate_t *g, int64_t id)
{
	for (int i = 0; i < g->n_htrades; i++)
		if (g->htrades[i].id == id)
			return &g->htrades[i];
	return NULL;
}

int gstate_team_governors(const pw_gstate_t *g, int64_t team_id)
{
	int n = 0;
	for (int i = 0; i < g->n_govs; i++)
		if (g->govs[i].team_id == team_id && g->govs[i].season_id == g->season.id)
			n++;
	return n;
}

double gstate_vote_weight(const pw_gstate_t *g, const pw_vote_t *v)
{
	const pw_governor_t *gv = gstate_governor(g, v->governor_id);
	if (!gv || gv->season_id != g->season.id)
		return 0; /* no longer enrolled: the vote no longer counts */
	int k = gstate_team_governors(g, gv->team_id);
	double w = k > 0 ? 1.0 / k : 0;
	return v->boost ? 2 * w : w;
}

void gstate_tally(const pw_gstate_t *g, const pw_proposal_t *p, double *yes, double *no)
{
	*yes = *no = 0;
	for (int i = 0; i < p->n_votes; i++) {
		double w = gstate_vote_weight(g, &p->votes[i]);
		if (p->votes[i].yes)
			*yes += w;
		else
			*no += w;
	}
}

double gstate_threshold(int tier, const pw_rules_t *r)
{
	if (tier >= 5)
		return 0.67;
	if (tier >= 3)
		return r->vote_threshold > 0.6 ? r->vote_threshold : 0.6;
	return r->vote_threshold;
}

int gstate_cost(int tier)
{
	return tier >= 5 ? 2 : 1;
}

/* ---- the fold ---- */

static double jnum(const cJSON *o, const char *k, double def)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsNumber(v) ? v->valuedouble : def;
}

static const char *jstr(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static bool jbool(const cJSON *o, const char *k)
{
	return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, k));
}

static void read_tokens(const cJSON *o, int t[PW_TOKEN_KINDS])
{
	for (int i = 0; i < PW_TOKEN_KINDS; i++)
		t[i] = (int)jnum(o, token_names[i], 0);
}

/* The event's created_at ("2024-05-01T12:00:00Z", UTC) as unix seconds;
 * 0 when absent or unreadable. */
static int64_t event_time(const pw_event_t *ev)
{
	struct tm tm;
	memset(&tm, 0, sizeof tm);
	if (!ev->created_at || sscanf(ev->created_at, "%d-%d-%d%*c%d:%d:%d", &tm.tm_year, &tm.tm_mon,
				      &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6)
		return 0;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	time_t t = timegm(&tm);
	return t == (time_t)-1 ? 0 : (int64_t)t;
}

static pw_proposal_t *prop_of(pw_gstate_t *g, const cJSON *p)
{
	return gstate_proposal(g, (int64_t)jnum(p, "proposal_id", 0));
}

static void set_interp(pw_proposal_t *p, const cJSON *pl)
{
	const char *text = jstr(pl, "text");
	const char *lua = jstr(pl, "effect_lua");
	if (text) {
		free(p->text);
		p->text = dup(text);
	}
	free(p->effect_lua);
	p->effect_lua = dup(lua);
	cJSON_Delete(p->interpretation);
	p->interpretation = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(pl, "interpretation"), 1);
	cJSON_Delete(p->impact);
	const cJSON *imp = cJSON_GetObjectItemCaseSensitive(pl, "impact");
	p->impact = cJSON_IsNull(imp) ? NULL : cJSON_Duplicate(imp, 1);
	p->tier = (int)jnum(pl, "tier", 5);
	p->cost = (int)jnum(pl, "cost", gstate_cost(p->tier));
}

static int apply_rules_changes(pw_gstate_t *g, const pw_event_t *ev, const cJSON *pl, bool rollback)
{
	const cJSON *ch;
	cJSON_ArrayForEach(ch, cJSON_GetObjectItemCaseSensitive(pl, "changes")) {
		const pw_rule_def_t *d = rules_find(jstr(ch, "name"));
		if (!d)
			continue;
		double v = jnum(ch, rollback ? "old" : "new", rules_get(&g->rules, d));
		char err[128];
		if (rules_set(&g->rules, d, v, err, sizeof err) < 0)
			continue; /* validated when written; a bad row changes nothing */
		if (GROW(g->changes, g->n_changes, g->cap_changes) < 0)
			return -1;
		pw_rule_change_t *c = &g->changes[g->n_changes++];
		memset(c, 0, sizeof *c);
		snprintf(c->name, sizeof c->name, "%s", d->name);
		c->old_value = jnum(ch, rollback ? "new" : "old", 0);
		c->new_value = v;
		c->proposal_id = (int64_t)jnum(pl, "proposal_id", 0);
		c->season_id = ev->season_id;
		c->round = ev->round;
	}
	return 0;
}

/*
 * One handler per event type of the table (events.h names it in the row's
 * fold column), or per family where the types differ only in a value. A
 * handler gets the parsed payload; it returns 0, or -1 when memory ran out
 * (the event is then retried by the next sync).
 */
typedef int (*fold_fn)(pw_gstate_t *g, const pw_event_t *ev, pw_event_type_t t, const cJSON *pl);

static int fold_season_created(pw_gstate_t *g, const pw_event_t *ev, pw_event_type_t t, const cJSON *pl)
{
	memset(&g->season, 0, sizeof g->season);
	g->season.id = ev->season_id;
	g->season.number = (int)jnum(pl, "number", 1);
	snprintf(g->season.name, sizeof g->season.name, "%s", jstr(pl, "name") ? jstr(pl, "name") : "");
	snprintf(g->season.phase, sizeof g->season.phase, "setup");
	g->season.carry_rules = jbool(pl, "carry_rules");
	pw_rules_t r;
	rules_default(&r);
	char err[128];
	if (rules_from_json(&r, cJSON_GetObjectItemCaseSensitive(pl, "rules"), err, sizeof err) == 0)
		g->rules = r;
	/* The awards count one season's activity. */
	for (int i = 0; i < g->n_govs; i++)
		g->govs[i].proposals = g->govs[i].votes = g->govs[i].trades = g->govs[i].passed = 0;
	return 0;
}

static int fold_season_phase_changed(pw_gstate_t *g, const pw_event_t *ev, pw_event_type_t t,
				     const cJSON *pl)
{
	if (ev->season_id == g->season.id) {
		snprintf(g->season.phase, sizeof g->season.phase, "%s", jstr(pl, "to") ? jstr(pl, "to") : "");
		g->season.phase_round = ev->round;
	}
	return 0;
}

/* A join (or a carry into a new season) sets the team, season and balance. */
static int fold_governor_joined(pw_gstate_t *g, const pw_event_t *ev, pw_event_type_t t, const cJSON *pl)
{
	pw_governor_t *gv = gstate_governor(g, ev->governor_id);
	if (!gv) {
		if (GROW(g->govs, g->n_govs, g->cap_govs) < 0)
			return -1;
		gv = &g->govs[g->n_govs++];
		memset(gv, 0, sizeof *gv);
		gv->id = ev->governor_id;
	}
	gv->team_id = ev->team_id;
	gv->season_id = ev->season_id;
	const char *name = jstr(pl, "name");
	if (name)
		snprintf(gv->name, sizeof gv->name, "%s", name);
	read_tokens(cJSON_GetObjectItemCaseSensitive(pl, "tokens"), gv->tokens);
	return 0;
}

/* A spend on a proposal by its proposer (PROPOSE to confirm, AMEND to
 * amend) is also what that proposal cost them: a veto refunds that. */
static int fold_token_spent(pw_gstate_t *g, const pw_event_t *ev, pw_event_type_t t, const cJSON *pl)
{
	pw_governor_t *gv = gstate_governor(g, ev->governor_id);
	int k = gstate_token_find(jstr(pl, "kind"));
	int amount = (int)jnum(pl, "amount", 1);
	if (gv && k >= 0)
		gv->tokens[k] -= amount;
	pw_proposal_t *p = prop_of(g, pl);
	if (p && k >= 0 && k != PW_TOK_BOOST && p->governor_id == ev->governor_id)
		p->spent[k] += amount;
	return 0;
}

static int fold_token_regenerated(pw_gstate_t *g, const pw_event_t *ev, pw_event_type_t t,
				  const cJSON *pl)
{
	pw_governor_t *gv = gstate_governor(g, ev->governor_id);
	int add[PW_TOKEN_KINDS];
	read_tokens(pl, add);
	for (int i = 0; gv && i < PW_TOKEN_KINDS; i++)
		gv->tokens[i] += add[i];
	return 0;
}

static int fold_proposal_submitted(pw_gstate_t *g, const pw_event_t *ev, pw_event_type_t t,
				   const cJSON *pl)
{
	if (GROW(g->props, g->n_props, g->cap_props) < 0)
		return -1;
	pw_proposal_t *p = &g->props[g->n_props++];
	memset(p, 0, sizeof *p);
	p->id = (int64_t)jnum(pl, "proposal_id", g->n_props);
	p->season_id = ev->season_id;
	p->governor_id = ev->governor_id;
	p->team_id = ev->team_id;
	p->round = ev->round;
	p->status = PW_PROP_DRAFT;
	p->created_seq = ev->seq;
	set_interp(p, pl);
	p->original_text = dup(p->text);
	return 0;
}

static int fold_proposal_confirmed(pw_gstate_t *g, const pw_event_t *ev, pw_event_type_t t,
				   const cJSON *pl)
{
	pw_proposal_t *p = prop_of(g, pl);
	if (p) {
		p->status = PW_PROP_OPEN;
		p->confirmed_at = event_time(ev);
		pw_governor_t *gv = gstate_governor(g, p->governor_id);
		if (gv)
			gv->proposals++;
	}
	return 0;
}

static int fold_proposal_amended(pw_gstate_t *g, const pw_event_t *ev, pw_event_type_t t, const cJSON *pl)
{
	pw_proposal_t *p = prop_of(g, pl);
	if (p) {
		set_interp(p, pl);
		p->amendments++;
	}
	return 0;
}

/* A new flag asks for a new review, even after an earlier one was cleared. */
static int fold_proposal_flagged(pw_gstate_t *g, const pw_event_t *ev, pw_event_type_t t, const cJSON *pl)
{
	pw_proposal_t *p = prop_of(g, pl);
	if (p) {
		p->flagged = true;
		p->cleared = false;
	}
	return 0;
}

static int fold_proposal_cleared(pw_gstate_t *g, const pw_event_t *ev, pw_event_type_t t, const cJSON *pl)
{
	pw_proposal_t *p = prop_of(g, pl);
	if (p)
		p->cleared = true;
	return 0;
}

/* proposal.passed and proposal.failed: the tally's figures are kept, since
 * the weights they came from change as governors join and leave. */
static int fold_proposal_tallied(pw_gstate_t *g, const pw_event_t *ev, pw_event_type_t t, const cJSON *pl)
{
	pw_proposal_t *p = prop_of(g, pl);
	if (!p)
		return 0;
	bool passed = t == PW_EV_PROPOSAL_PASSED;
	p->status = passed ? (jbool(pl, "held") ? PW_PROP_HELD : PW_PROP_PASSED) : PW_PROP_FAILED;
	p->tally_yes = jnum(pl, "yes", 0);
	p->tally_no = jnum(pl, "no", 0);
	p->tally_threshold = jnum(pl, "threshold", 0);
	p->tally_round = ev->round;
	pw_governor_t *gv = gstate_governor(g, p->governor_id);
	if (gv && passed)
		gv->passed++;
	return 0;
}

/* proposal.cancelled, .vetoed, .withdrawn and .approved only move the
 * status: a draft dropped, an open or held proposal vetoed, an open one
 * withdrawn by its proposer, a held one released. */
static int fold_proposal_status(pw_gstate_t *g, const pw_event_t *ev, pw_event_type_t t, const cJSON *pl)
{
	pw_proposal_t *p = prop_of(g, pl);
	if (p)
		p->status = t == PW_EV_PROPOSAL_CANCELLED   ? PW_PROP_CANCELLED
			    : t == PW_EV_PROPOSAL_VETOED    ? PW_PROP_VETOED
			    : t == PW_EV_PROPOSAL_WITHDRAWN ? PW_PROP_WITHDRAWN
							    : PW_PROP_PASSED;
	return 0;
}

/* A later vote by the same governor replaces the earlier one; a boost,
 * once paid, stays. */
static int fold_vote_cast(pw_gstate_t *g, const pw_event_t *ev, pw_event_type_t t, const cJSON *pl)
{
	pw_proposal_t *p = prop_of(g, pl);
	if (!p)
		return 0;
	pw_vote_t *v = NULL;
	for (int i = 0; i < p->n_votes; i++)
		if (p->votes[i].governor_id == ev->governor_id)
			v = &p->votes[i];
	if (!v) {
		if (GROW(p->votes, p->n_votes, p->cap_votes) < 0)
			return -1;
		v = &p->votes[p->n_votes++];
		memset(v, 0, sizeof *v);
		pw_governor_t *gv = gstate_governor(g, ev->governor_id);
		if (gv)
			gv->votes++;
	}
	v->governor_id = ev->governor_id;
	const char *vv = jstr(pl, "vote");
	v->yes = vv && !strcmp(vv, "yes");
	v->boost = v->boost || jbool(pl, "boost");
	v->seq = ev->seq;
	return 0;
}

static int fold_rule_enacted(pw_gstate_t *g, const pw_event_t *ev, pw_event_type_t t, const cJSON *pl)
{
	pw_proposal_t *p = prop_of(g, pl);
	if (p)
		p->enacted = true;
	return apply_rules_changes(g, ev, pl, false);
}

static int fold_rule_rolled_back(pw_gstate_t *g, const pw_event_t *ev, pw_event_type_t t, const cJSON *pl)
{
	return apply_rules_changes(g, ev, pl, true);
}

static int fold_effect_registered(pw_gstate_t *g, const pw_event_t *ev, pw_event_type_t t,
				  const cJSON *pl)
{
	if (GROW(g->effects, g->n_effects, g->cap_effects) < 0)
		return -1;
	pw_effect_rec_t *e = &g->effects[g->n_effects++];
	memset(e, 0, sizeof *e);
	snprintf(e->id, sizeof e->id, "%s", jstr(pl, "effect_id") ? jstr(pl, "effect_id") : "");
	e->proposal_id = (int64_t)jnum(pl, "proposal_id", 0);
	snprintf(e->name, sizeof e->name, "%s", jstr(pl, "name") ? jstr(pl, "name") : e->id);
	e->source = dup(jstr(pl, "source"));
	snprintf(e->sha, sizeof e->sha, "%s", jstr(pl, "sha256") ? jstr(pl, "sha256") : "");
	snprintf(e->lifetime, sizeof e->lifetime, "%s",
		 jstr(pl, "lifetime") ? jstr(pl, "lifetime") : "permanent");
	e->rounds = (int)jnum(pl, "rounds", 0);
	e->hooks = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(pl, "hooks"), 1);
	e->season_id = ev->season_id;
	e->start_round = (int)jnum(pl, "start_round", ev->round + 1);
	e->status = PW_FX_ACTIVE;
	return 0;
}

/* effect.expired, .repealed, .disabled and .enabled: each sets a status and
 * gives its reason. Enabling revives only a disabled effect (an expired or
 * repealed one stays ended), but its reason is kept either way. */
static int fold_effect_status(pw_gstate_t *g, const pw_event_t *ev, pw_event_type_t t, const cJSON *pl)
{
	pw_effect_rec_t *e = gstate_effect(g, jstr(pl, "effect_id"));
	if (!e)
		return 0;
	if (t == PW_EV_EFFECT_EXPIRED)
		e->status = PW_FX_EXPIRED;
	else if (t == PW_EV_EFFECT_REPEALED)
		e->status = PW_FX_REPEALED;
	else if (t == PW_EV_EFFECT_DISABLED)
		e->status = PW_FX_DISABLED;
	else if (e->status == PW_FX_DISABLED)
		e->status = PW_FX_ACTIVE;
	const char *why = jstr(pl, "reason");
	snprintf(e->end_reason, sizeof e->end_reason, "%s", why ? why : "");
	e->status_round = ev->round;
	return 0;
}

static int fold_trade_offered(pw_gstate_t *g, const pw_event_t *ev, pw_event_type_t t, const cJSON *pl)
{
	if (GROW(g->trades, g->n_trades, g->cap_trades) < 0)
		return -1;
	pw_trade_t *tr = &g->trades[g->n_trades++];
	memset(tr, 0, sizeof *tr);
	tr->id = (int64_t)jnum(pl, "trade_id", g->n_trades);
	tr->from = ev->governor_id;
	tr->to = (int64_t)jnum(pl, "to_governor_id", 0);
	read_tokens(cJSON_GetObjectItemCaseSensitive(pl, "offer"), tr->offer);
	read_tokens(cJSON_GetObjectItemCaseSensitive(pl, "request"), tr->request);
	tr->season_id = ev->season_id;
	tr->round = ev->round;
	return 0;
}

/* trade.accepted, .rejected, .withdrawn and .expired settle an open trade
 * once; accepting moves both sides' tokens. */
static int fold_trade_answered(pw_gstate_t *g, const pw_event_t *ev, pw_event_type_t t, const cJSON *pl)
{
	pw_trade_t *tr = gstate_trade(g, (int64_t)jnum(pl, "trade_id", 0));
	if (!tr || tr->status != PW_TRADE_OPEN)
		return 0;
	bool acc = t == PW_EV_TRADE_ACCEPTED;
	tr->status = acc                          ? PW_TRADE_ACCEPTED
		     : t == PW_EV_TRADE_REJECTED  ? PW_TRADE_REJECTED
		     : t == PW_EV_TRADE_WITHDRAWN ? PW_TRADE_WITHDRAWN
						  : PW_TRADE_EXPIRED;
	pw_governor_t *a = gstate_governor(g, tr->from), *b = gstate_governor(g, tr->to);
	if (acc && a && b) {
		for (int i = 0; i < PW_TOKEN_KINDS; i++) {
			a->tokens[i] += tr->request[i] - tr->offer[i];
			b->tokens[i] += tr->offer[i] - tr->request[i];
		}
		a->trades++;
		b->trades++;
	}
	return 0;
}

static pw_hooper_trade_t *htrade_of(pw_gstate_t *g, const cJSON *pl)
{
	return gstate_htrade(g, (int64_t)jnum(pl, "trade_id", 0));
}

/* The proposer's approval comes with the proposal. */
static int fold_htrade_proposed(pw_gstate_t *g, const pw_event_t *ev, pw_event_type_t t, const cJSON *pl)
{
	if (GROW(g->htrades, g->n_htrades, g->cap_htrades) < 0)
		return -1;
	pw_hooper_trade_t *h = &g->htrades[g->n_htrades++];
	memset(h, 0, sizeof *h);
	h->id = (int64_t)jnum(pl, "trade_id", g->n_htrades);
	h->proposer = ev->governor_id;
	h->team_a = (int64_t)jnum(pl, "team_a", 0);
	h->team_b = (int64_t)jnum(pl, "team_b", 0);
	h->hooper_a = (int64_t)jnum(pl, "hooper_a", 0);
	h->hooper_b = (int64_t)jnum(pl, "hooper_b", 0);
	h->approvals[h->n_approvals++] = ev->governor_id;
	h->season_id = ev->season_id;
	h->round = ev->round;
	return 0;
}

static int fold_htrade_approved(pw_gstate_t *g, const pw_event_t *ev, pw_event_type_t t, const cJSON *pl)
{
	pw_hooper_trade_t *h = htrade_of(g, pl);
	if (h && h->n_approvals < PW_MAX_APPROVALS)
		h->approvals[h->n_approvals++] = ev->governor_id;
	return 0;
}

/* hooper_trade.rejected and .expired end a pending trade with a reason. */
static int fold_htrade_rejected(pw_gstate_t *g, const pw_event_t *ev, pw_event_type_t t, const cJSON *pl)
{
	pw_hooper_trade_t *h = htrade_of(g, pl);
	if (!h)
		return 0;
	h->status = t == PW_EV_HOOPER_TRADE_EXPIRED ? PW_HTRADE_EXPIRED : PW_HTRADE_REJECTED;
	const char *why = jstr(pl, "reason");
	snprintf(h->reason, sizeof h->reason, "%s", why ? why : "");
	return 0;
}

static int fold_htrade_executed(pw_gstate_t *g, const pw_event_t *ev, pw_event_type_t t, const cJSON *pl)
{
	pw_hooper_trade_t *h = htrade_of(g, pl);
	if (!h)
		return 0;
	h->status = PW_HTRADE_EXECUTED;
	pw_governor_t *gv = gstate_governor(g, h->proposer);
	if (gv)
		gv->trades++;
	return 0;
}

/* The dispatch, generated from the table: a row whose fold column names a
 * handler that does not exist fails to compile; `none` rows get NULL. */
#define fold_none NULL
static const fold_fn folds[PW_EV_COUNT] = {
#define FOLD_ROW(id, wire, agg, fold, fields) [PW_EV_##id] = fold_##fold,
	PW_EVENTS(FOLD_ROW, , )
#undef FOLD_ROW
};
#undef fold_none

bool gstate_folds(pw_event_type_t t)
{
	return (int)t >= 0 && t < PW_EV_COUNT && folds[t] != NULL;
}

int gstate_apply(pw_gstate_t *g, const pw_event_t *ev)
{
	cJSON *pl = cJSON_Parse(ev->payload ? ev->payload : "{}");
	if (!pl)
		return -1;
	/* A type no row has (a newer writer's) is skipped but counts as seen. */
	pw_event_type_t t = event_find(ev->type);
	fold_fn fold = gstate_folds(t) ? folds[t] : NULL;
	int rc = fold ? fold(g, ev, t, pl) : 0;
	/* Only a folded event counts as seen: a failed one is retried by the
	 * next sync instead of being skipped for good. */
	if (rc == 0)
		g->last_seq = ev->seq;
	cJSON_Delete(pl);
	return rc;
}

static int sync_cb(void *ud, const pw_event_t *ev)
{
	return gstate_apply(ud, ev) < 0 ? -1 : 0;
}

int gstate_sync(pw_gstate_t *g, pw_store_t *s)
{
	return store_events_since(s, g->last_seq, sync_cb, g);
}
