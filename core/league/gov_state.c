/*
 * gov_state.c — the event fold (see gov_state.h).
 */
#include "core/league/gov_state.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const token_names[PW_TOKEN_KINDS] = {"propose", "amend", "boost"};
static const char *const status_names[] = {"draft", "open", "passed", "failed",
					   "held", "vetoed", "cancelled"};

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

const char *gstate_status_name(pw_prop_status_t s)
{
	return (int)s >= 0 && s <= PW_PROP_CANCELLED ? status_names[s] : "unknown";
}

int gstate_status_find(const char *name)
{
	for (int i = 0; name && i <= PW_PROP_CANCELLED; i++)
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

int gstate_apply(pw_gstate_t *g, const pw_event_t *ev)
{
	cJSON *pl = cJSON_Parse(ev->payload ? ev->payload : "{}");
	if (!pl)
		return -1;
	const char *t = ev->type;
	int rc = 0;

	if (!strcmp(t, "season.created")) {
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
		for (int i = 0; i < g->n_govs; i++)
			g->govs[i].proposals = g->govs[i].votes = g->govs[i].trades = g->govs[i].passed = 0;
	} else if (!strcmp(t, "season.phase_changed")) {
		if (ev->season_id == g->season.id) {
			snprintf(g->season.phase, sizeof g->season.phase, "%s", jstr(pl, "to") ? jstr(pl, "to") : "");
			g->season.phase_round = ev->round;
		}
	} else if (!strcmp(t, "governor.joined")) {
		pw_governor_t *gv = gstate_governor(g, ev->governor_id);
		if (!gv) {
			if (GROW(g->govs, g->n_govs, g->cap_govs) < 0) {
				rc = -1;
				goto out;
			}
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
	} else if (!strcmp(t, "token.spent")) {
		pw_governor_t *gv = gstate_governor(g, ev->governor_id);
		int k = gstate_token_find(jstr(pl, "kind"));
		if (gv && k >= 0)
			gv->tokens[k] -= (int)jnum(pl, "amount", 1);
	} else if (!strcmp(t, "token.regenerated")) {
		pw_governor_t *gv = gstate_governor(g, ev->governor_id);
		int add[PW_TOKEN_KINDS];
		read_tokens(pl, add);
		for (int i = 0; gv && i < PW_TOKEN_KINDS; i++)
			gv->tokens[i] += add[i];
	} else if (!strcmp(t, "proposal.submitted")) {
		if (GROW(g->props, g->n_props, g->cap_props) < 0) {
			rc = -1;
			goto out;
		}
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
	} else if (!strcmp(t, "proposal.confirmed")) {
		pw_proposal_t *p = prop_of(g, pl);
		if (p) {
			p->status = PW_PROP_OPEN;
			pw_governor_t *gv = gstate_governor(g, p->governor_id);
			if (gv)
				gv->proposals++;
		}
	} else if (!strcmp(t, "proposal.cancelled")) {
		pw_proposal_t *p = prop_of(g, pl);
		if (p)
			p->status = PW_PROP_CANCELLED;
	} else if (!strcmp(t, "proposal.amended")) {
		pw_proposal_t *p = prop_of(g, pl);
		if (p) {
			set_interp(p, pl);
			p->amendments++;
		}
	} else if (!strcmp(t, "proposal.flagged_for_review")) {
		pw_proposal_t *p = prop_of(g, pl);
		if (p)
			p->flagged = true, p->cleared = false;
	} else if (!strcmp(t, "proposal.review_cleared")) {
		pw_proposal_t *p = prop_of(g, pl);
		if (p)
			p->cleared = true;
	} else if (!strcmp(t, "proposal.vetoed")) {
		pw_proposal_t *p = prop_of(g, pl);
		if (p)
			p->status = PW_PROP_VETOED;
	} else if (!strcmp(t, "proposal.passed") || !strcmp(t, "proposal.failed")) {
		pw_proposal_t *p = prop_of(g, pl);
		if (p) {
			bool passed = t[9] == 'p';
			p->status = passed ? (jbool(pl, "held") ? PW_PROP_HELD : PW_PROP_PASSED)
					   : PW_PROP_FAILED;
			p->tally_yes = jnum(pl, "yes", 0);
			p->tally_no = jnum(pl, "no", 0);
			p->tally_threshold = jnum(pl, "threshold", 0);
			p->tally_round = ev->round;
			pw_governor_t *gv = gstate_governor(g, p->governor_id);
			if (gv && passed)
				gv->passed++;
		}
	} else if (!strcmp(t, "proposal.approved")) {
		pw_proposal_t *p = prop_of(g, pl);
		if (p)
			p->status = PW_PROP_PASSED;
	} else if (!strcmp(t, "vote.cast")) {
		pw_proposal_t *p = prop_of(g, pl);
		if (p) {
			pw_vote_t *v = NULL;
			for (int i = 0; i < p->n_votes; i++)
				if (p->votes[i].governor_id == ev->governor_id)
					v = &p->votes[i];
			if (!v) {
				if (GROW(p->votes, p->n_votes, p->cap_votes) < 0) {
					rc = -1;
					goto out;
				}
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
		}
	} else if (!strcmp(t, "rule.enacted")) {
		pw_proposal_t *p = prop_of(g, pl);
		if (p)
			p->enacted = true;
		rc = apply_rules_changes(g, ev, pl, false);
	} else if (!strcmp(t, "rule.rolled_back")) {
		rc = apply_rules_changes(g, ev, pl, true);
	} else if (!strcmp(t, "effect.registered")) {
		if (GROW(g->effects, g->n_effects, g->cap_effects) < 0) {
			rc = -1;
			goto out;
		}
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
	} else if (!strncmp(t, "effect.", 7)) {
		pw_effect_rec_t *e = gstate_effect(g, jstr(pl, "effect_id"));
		if (e) {
			if (!strcmp(t, "effect.expired"))
				e->status = PW_FX_EXPIRED;
			else if (!strcmp(t, "effect.repealed"))
				e->status = PW_FX_REPEALED;
			else if (!strcmp(t, "effect.disabled"))
				e->status = PW_FX_DISABLED;
			else if (!strcmp(t, "effect.enabled") && e->status == PW_FX_DISABLED)
				e->status = PW_FX_ACTIVE;
			const char *why = jstr(pl, "reason");
			snprintf(e->end_reason, sizeof e->end_reason, "%s", why ? why : "");
		}
	} else if (!strcmp(t, "trade.offered")) {
		if (GROW(g->trades, g->n_trades, g->cap_trades) < 0) {
			rc = -1;
			goto out;
		}
		pw_trade_t *tr = &g->trades[g->n_trades++];
		memset(tr, 0, sizeof *tr);
		tr->id = (int64_t)jnum(pl, "trade_id", g->n_trades);
		tr->from = ev->governor_id;
		tr->to = (int64_t)jnum(pl, "to_governor_id", 0);
		read_tokens(cJSON_GetObjectItemCaseSensitive(pl, "offer"), tr->offer);
		read_tokens(cJSON_GetObjectItemCaseSensitive(pl, "request"), tr->request);
		tr->season_id = ev->season_id;
	} else if (!strcmp(t, "trade.accepted") || !strcmp(t, "trade.rejected")) {
		pw_trade_t *tr = gstate_trade(g, (int64_t)jnum(pl, "trade_id", 0));
		if (tr && tr->status == 0) {
			bool acc = t[6] == 'a';
			tr->status = acc ? 1 : 2;
			pw_governor_t *a = gstate_governor(g, tr->from), *b = gstate_governor(g, tr->to);
			if (acc && a && b) {
				for (int i = 0; i < PW_TOKEN_KINDS; i++) {
					a->tokens[i] += tr->request[i] - tr->offer[i];
					b->tokens[i] += tr->offer[i] - tr->request[i];
				}
				a->trades++;
				b->trades++;
			}
		}
	} else if (!strcmp(t, "hooper_trade.proposed")) {
		if (GROW(g->htrades, g->n_htrades, g->cap_htrades) < 0) {
			rc = -1;
			goto out;
		}
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
	} else if (!strcmp(t, "hooper_trade.approved")) {
		pw_hooper_trade_t *h = gstate_htrade(g, (int64_t)jnum(pl, "trade_id", 0));
		if (h && h->n_approvals < PW_MAX_APPROVALS)
			h->approvals[h->n_approvals++] = ev->governor_id;
	} else if (!strcmp(t, "hooper_trade.rejected")) {
		pw_hooper_trade_t *h = gstate_htrade(g, (int64_t)jnum(pl, "trade_id", 0));
		if (h)
			h->status = 2;
	} else if (!strcmp(t, "hooper_trade.executed")) {
		pw_hooper_trade_t *h = gstate_htrade(g, (int64_t)jnum(pl, "trade_id", 0));
		if (h) {
			h->status = 1;
			for (int i = 0; i < g->n_govs; i++)
				if (g->govs[i].id == h->proposer)
					g->govs[i].trades++;
		}
	}
out:
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
