/*
 * governance.c — the governance service (see governance.h).
 */
#include "core/league/governance.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/league/identity.h"
#include "core/league/interpret.h"
#include "core/league/roster.h"
#include "core/sim/sha256.h"

struct pw_gov {
	pw_store_t *st;
	pw_gov_cfg_t cfg;
	pw_gstate_t s;
	bool dirty; /* events folded in before the transaction committed */
};

pw_gov_t *gov_open(pw_store_t *s, const pw_gov_cfg_t *cfg)
{
	pw_gov_t *g = calloc(1, sizeof *g);
	if (!g)
		return NULL;
	g->st = s;
	if (cfg)
		g->cfg = *cfg;
	gstate_init(&g->s);
	if (gstate_sync(&g->s, s) < 0) {
		gov_close(g);
		return NULL;
	}
	return g;
}

void gov_close(pw_gov_t *g)
{
	if (!g)
		return;
	gstate_free(&g->s);
	free(g);
}

void gov_reset(pw_gov_t *g)
{
	gstate_free(&g->s);
	gstate_init(&g->s);
	g->dirty = false;
}

int gov_sync(pw_gov_t *g)
{
	return gstate_sync(&g->s, g->st) < 0 ? PW_E_INTERNAL : 0;
}

const pw_gstate_t *gov_state(pw_gov_t *g)
{
	return &g->s;
}

pw_store_t *gov_store(pw_gov_t *g)
{
	return g->st;
}

void gov_rules(pw_gov_t *g, pw_rules_t *out)
{
	gov_sync(g);
	*out = g->s.rules;
}

/* ---- transactions ---- */

/*
 * Every write is one transaction: tx_begin, then the write's body (which
 * validates and appends, and returns at its first failure), then tx_end
 * with what the body returned. The body never commits or rolls back.
 */

/* BEGIN IMMEDIATE and catch the cache up with the log. On failure nothing
 * is left open (and a half-read cache is dropped). */
static int tx_begin(pw_gov_t *g, pw_err_t *e)
{
	if (store_begin(g->st) < 0)
		return err_set(e, PW_E_INTERNAL, "the database is busy: %s", store_errmsg(g->st));
	if (gstate_sync(&g->s, g->st) < 0) {
		store_rollback(g->st);
		gov_reset(g);
		return err_set(e, PW_E_INTERNAL, "reading the event log failed");
	}
	return 0;
}

/*
 * Ends the transaction tx_begin opened: commits when rc is 0, otherwise
 * rolls back. Either way the cache holds no event that is not in the log:
 * events folded in before a rollback (or a failed commit) drop the whole
 * cache, which the next sync rebuilds. Returns rc, or the commit's error.
 */
static int tx_end(pw_gov_t *g, int rc, pw_err_t *e)
{
	if (rc == 0 && store_commit(g->st) == 0) {
		g->dirty = false;
		gstate_sync(&g->s, g->st);
		return 0;
	}
	if (rc == 0)
		rc = err_set(e, PW_E_INTERNAL, "saving failed: %s", store_errmsg(g->st));
	else
		store_rollback(g->st);
	if (g->dirty)
		gov_reset(g);
	return rc;
}

static int current_round(pw_gov_t *g)
{
	pw_season_row_t r;
	if (g->s.season.id && store_season_get(g->st, g->s.season.id, &r) == 1)
		return r.current_round;
	return 0;
}

int gov_append_in_tx(pw_gov_t *g, pw_event_type_t type, const char *agg_id, int64_t governor_id,
		     int64_t team_id, int round, const cJSON *payload)
{
	int64_t seq = store_event_append(g->st, type, agg_id, g->s.season.id, governor_id, team_id,
					 round, payload);
	if (seq < 0)
		return PW_E_INTERNAL;
	g->dirty = true;
	/* Fold it in now: later checks in the same transaction see it. */
	return gstate_sync(&g->s, g->st) < 0 ? PW_E_INTERNAL : 0;
}

static int append(pw_gov_t *g, pw_event_type_t type, int64_t agg, int64_t gid, int64_t team,
		  cJSON *payload, pw_err_t *e)
{
	char id[32];
	snprintf(id, sizeof id, "%lld", (long long)agg);
	int rc = gov_append_in_tx(g, type, id, gid, team, current_round(g), payload);
	cJSON_Delete(payload);
	if (rc < 0)
		return err_set(e, PW_E_INTERNAL, "writing %s failed: %s", event_name(type),
			       store_errmsg(g->st));
	return 0;
}

static cJSON *tokens_json(const int t[PW_TOKEN_KINDS])
{
	cJSON *o = cJSON_CreateObject();
	for (int i = 0; i < PW_TOKEN_KINDS; i++)
		cJSON_AddNumberToObject(o, gstate_token_name(i), t[i]);
	return o;
}

static cJSON *pid_payload(int64_t pid)
{
	cJSON *p = cJSON_CreateObject();
	cJSON_AddNumberToObject(p, "proposal_id", (double)pid);
	return p;
}

static int spend(pw_gov_t *g, const pw_governor_t *gv, int kind, int amount, const char *reason,
		 int64_t proposal_id, pw_err_t *e)
{
	cJSON *p = cJSON_CreateObject();
	cJSON_AddStringToObject(p, "kind", gstate_token_name(kind));
	cJSON_AddNumberToObject(p, "amount", amount);
	cJSON_AddStringToObject(p, "reason", reason);
	if (proposal_id)
		cJSON_AddNumberToObject(p, "proposal_id", (double)proposal_id);
	return append(g, PW_EV_TOKEN_SPENT, gv->id, gv->id, gv->team_id, p, e);
}

/* The governor gid, enrolled in the current season, into *out; or an error. */
static int enrolled(pw_gov_t *g, int64_t gid, const pw_governor_t **out, pw_err_t *e)
{
	*out = gstate_governor(&g->s, gid);
	if (!*out)
		return err_set(e, PW_E_NOT_FOUND, "governor %lld does not exist", (long long)gid);
	if ((*out)->season_id != g->s.season.id)
		return err_set(e, PW_E_FORBIDDEN, "governor %lld is not enrolled in the current season",
			       (long long)gid);
	return 0;
}

static int64_t now_s(const pw_gov_t *g)
{
	return g->cfg.now ? g->cfg.now(g->cfg.now_ud) : (int64_t)time(NULL);
}

/* Whether the current season still takes governance: there is one and it
 * is not complete (a complete season tallies nothing any more, so what
 * starts in it would never be decided). */
static int season_live(const pw_gov_t *g, pw_err_t *e)
{
	if (!g->s.season.id)
		return err_set(e, PW_E_CONFLICT, "there is no season yet");
	if (!strcmp(g->s.season.phase, "complete"))
		return err_set(e, PW_E_CONFLICT, "season %d is complete; governance resumes when the next "
			       "season starts", g->s.season.number);
	return 0;
}

/* Something of season sid (a proposal, a trade) may be acted on only in
 * that season. */
static int same_season(const pw_gov_t *g, int64_t sid, const char *what, int64_t id, pw_err_t *e)
{
	if (sid != g->s.season.id)
		return err_set(e, PW_E_CONFLICT, "%s %lld belongs to an earlier season; nothing of a "
			       "finished season can be acted on", what, (long long)id);
	return 0;
}

/* ---- governors ---- */

/* The code point at *p, advancing *p past it; -1 (and *p unmoved) for a
 * malformed, truncated, overlong or surrogate sequence. */
static long utf8_next(const unsigned char **p)
{
	const unsigned char *s = *p;
	long c;
	int n;
	if (s[0] < 0x80) {
		c = s[0];
		n = 0;
	} else if ((s[0] & 0xe0) == 0xc0) {
		c = s[0] & 0x1f;
		n = 1;
	} else if ((s[0] & 0xf0) == 0xe0) {
		c = s[0] & 0x0f;
		n = 2;
	} else if ((s[0] & 0xf8) == 0xf0) {
		c = s[0] & 0x07;
		n = 3;
	} else {
		return -1;
	}
	for (int i = 1; i <= n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return -1;
		c = (c << 6) | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and values past U+10FFFF are not text. */
	static const long min[4] = {0, 0x80, 0x800, 0x10000};
	if (c < min[n] || (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
		return -1;
	*p = s + n + 1;
	return c;
}

/* Characters that change how the text around them reads or renders
 * without being visible: controls, bidi formatting, zero widths, line and
 * paragraph separators. */
static bool invisible_control(long c)
{
	return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x061c || c == 0x180e ||
	       (c >= 0x200b && c <= 0x200f) || (c >= 0x2028 && c <= 0x202e) ||
	       (c >= 0x2060 && c <= 0x2069) || c == 0xfeff || (c >= 0xfff9 && c <= 0xfffb);
}

int gov_check_name(const char *field, const char *name, pw_err_t *e)
{
	return gov_check_text(field, name, 60, e);
}

int gov_check_text(const char *field, const char *name, size_t max, pw_err_t *e)
{
	if (!name || !*name)
		return err_set(e, PW_E_INVALID, "%s must not be empty", field);
	size_t n = strlen(name);
	if (n > max)
		return err_set(e, PW_E_INVALID, "%s must be at most %zu bytes (it is %zu)", field, max, n);
	bool visible = false;
	const unsigned char *p = (const unsigned char *)name;
	while (*p) {
		long c = utf8_next(&p);
		if (c < 0)
			return err_set(e, PW_E_INVALID, "%s is not valid UTF-8", field);
		if (invisible_control(c))
			return err_set(e, PW_E_INVALID, "%s contains the control or formatting character "
				       "U+%04lX, which names may not hold", field, (unsigned long)c);
		if (c != ' ' && c != 0xa0 && c != 0x3000)
			visible = true;
	}
	if (!visible)
		return err_set(e, PW_E_INVALID, "%s must not be only spaces", field);
	return 0;
}

static const int start_tokens[PW_TOKEN_KINDS] = {PW_TOKEN_START, PW_TOKEN_START, PW_TOKEN_START};

static int join_in_tx(pw_gov_t *g, const char *name, int64_t *team_io, const char *hash,
		      const pw_gov_join_hook_t *hook, int64_t *gid, pw_err_t *e)
{
	if (!g->s.season.id)
		return err_set(e, PW_E_CONFLICT, "there is no season to join yet");
	int rc = hook && hook->before ? hook->before(hook->ud, g, team_io, e) : 0;
	if (rc < 0)
		return rc;
	int64_t team_id = *team_io;
	int ex = store_team_exists(g->st, team_id);
	if (ex <= 0)
		return err_set(e, ex < 0 ? PW_E_INTERNAL : PW_E_NOT_FOUND, "team %lld does not exist",
			       (long long)team_id);
	/* A season is played by its first teams_count teams; the others sit
	 * it out (season.h) and have no governors this season. */
	int64_t plays[64];
	int n = store_season_team_ids(g->st, g->s.season.id, plays, 64), k = 0;
	while (k < n && plays[k] != team_id)
		k++;
	if (n < 0)
		return err_set(e, PW_E_INTERNAL, "reading the season's teams failed: %s", store_errmsg(g->st));
	if (n > 0 && k == n)
		return err_set(e, PW_E_CONFLICT, "team %lld does not play this season (the league plays it "
			       "with %d teams)", (long long)team_id, n);
	*gid = store_player_insert(g->st, name, team_id, hash, (int64_t)time(NULL));
	if (*gid <= 0)
		return err_set(e, PW_E_INTERNAL, "adding the governor failed: %s", store_errmsg(g->st));
	cJSON *p = cJSON_CreateObject();
	cJSON_AddStringToObject(p, "name", name);
	cJSON_AddNumberToObject(p, "team_id", (double)team_id);
	cJSON_AddItemToObject(p, "tokens", tokens_json(start_tokens));
	if ((rc = append(g, PW_EV_GOVERNOR_JOINED, *gid, *gid, team_id, p, e)) < 0)
		return rc;
	return hook && hook->after ? hook->after(hook->ud, g, *gid, g->s.season.id, e) : 0;
}

int gov_join(pw_gov_t *g, const char *name, int64_t team_id, cJSON **out, pw_err_t *e)
{
	return gov_join_with(g, name, team_id, NULL, out, e);
}

int gov_join_with(pw_gov_t *g, const char *name, int64_t team_id, const pw_gov_join_hook_t *hook,
		  cJSON **out, pw_err_t *e)
{
	if (out)
		*out = NULL;
	char token[65], hash[65];
	int64_t gid = 0;
	int rc = gov_check_name("name", name, e);
	if (rc == 0 && identity_random_hex(token, 32) < 0)
		rc = err_set(e, PW_E_INTERNAL, "no randomness available for a token");
	if (rc == 0)
		sha256_hex(token, strlen(token), hash);
	if (rc == 0 && (rc = tx_begin(g, e)) == 0)
		rc = tx_end(g, join_in_tx(g, name, &team_id, hash, hook, &gid, e), e);
	if (rc == 0 && out) {
		*out = cJSON_CreateObject();
		cJSON_AddNumberToObject(*out, "governor_id", (double)gid);
		cJSON_AddNumberToObject(*out, "team_id", (double)team_id);
		cJSON_AddStringToObject(*out, "name", name);
		cJSON_AddStringToObject(*out, "token", token);
		cJSON_AddItemToObject(*out, "tokens", tokens_json(start_tokens));
	}
	return rc;
}

int64_t gov_authenticate(pw_gov_t *g, const char *token)
{
	if (!token || strlen(token) < 16 || strlen(token) > 128)
		return 0;
	char hash[65];
	sha256_hex(token, strlen(token), hash);
	int64_t id = store_player_by_token_hash(g->st, hash);
	return id > 0 ? id : 0;
}

/* ---- proposals ---- */

/* A governor's proposals of the current season with status st. */
static int count_status(const pw_gstate_t *s, int64_t gid, pw_prop_status_t st)
{
	int n = 0;
	for (int i = 0; i < s->n_props; i++)
		if (s->props[i].governor_id == gid && s->props[i].season_id == s->season.id &&
		    s->props[i].status == st)
			n++;
	return n;
}

/* Whether gid may have one more open proposal: proposals_per_window counts
 * the open ones only. A draft costs nothing and decides nothing, so it
 * counts when it is confirmed, not when it is written. */
static int open_limit(const pw_gov_t *g, int64_t gid, pw_err_t *e)
{
	int limit = g->s.rules.proposals_per_window;
	int open = count_status(&g->s, gid, PW_PROP_OPEN);
	if (open >= limit)
		return err_set(e, PW_E_LIMIT, "governor %lld already has %d open proposals in this window "
			       "(proposals_per_window is %d); one must be tallied or withdrawn first",
			       (long long)gid, open, limit);
	return 0;
}

/* The active effects of the registry for a check, in registry order
 * (strings borrowed from the state). Caller frees the array. */
static pw_gov_effect_t *active_effects(pw_gov_t *g, int *n)
{
	*n = 0;
	pw_gov_effect_t *v = calloc((size_t)g->s.n_effects + 1, sizeof *v);
	if (!v)
		return NULL;
	int round = current_round(g);
	for (int i = 0; i < g->s.n_effects; i++) {
		const pw_effect_rec_t *ef = &g->s.effects[i];
		if (ef->status != PW_FX_ACTIVE || !ef->source)
			continue;
		int left = 0;
		if (ef->rounds > 0 && strcmp(ef->lifetime, "permanent")) {
			/* It plays rounds start_round .. start_round + rounds - 1. */
			int first = ef->start_round > round + 1 ? ef->start_round : round + 1;
			left = ef->start_round + ef->rounds - first;
			if (left <= 0)
				continue;
		}
		v[*n] = (pw_gov_effect_t){ef->id, ef->name, ef->source, left};
		(*n)++;
	}
	return v;
}

/*
 * Runs the interpreter and the sandbox check over text/lua. Fills payload
 * with text, effect_lua, interpretation, tier, cost, impact. Scripts are
 * test-run, and impact measured, in the league as it is now: the rules and
 * the active effects in force, with the proposal's changes added.
 */
static int interpret(pw_gov_t *g, const char *text, const char *lua, cJSON *payload, pw_err_t *e)
{
	int n_fx = 0;
	pw_gov_effect_t *fxv = active_effects(g, &n_fx);
	pw_interp_effect_t *act = calloc((size_t)g->s.n_effects + 1, sizeof *act);
	if (!fxv || !act) {
		free(fxv);
		free(act);
		return err_set(e, PW_E_INTERNAL, "out of memory");
	}
	int n_act = 0;
	for (int i = 0; i < g->s.n_effects; i++)
		if (g->s.effects[i].status == PW_FX_ACTIVE) {
			act[n_act].id = g->s.effects[i].id;
			act[n_act].name = g->s.effects[i].name;
			n_act++;
		}
	pw_interp_in_t in = {.text = text, .effect_lua = lua, .rules = &g->s.rules,
			     .scripts_dir = g->cfg.scripts_dir, .active = act, .n_active = n_act};
	cJSON *interp = NULL;
	char msg[512];
	pw_gov_league_t now = {.rules = &g->s.rules, .effects = fxv, .n_effects = n_fx};
	int rc;
	if (g->cfg.interpret) {
		pw_gov_interp_req_t rq = {.in = &in, .now = &now, .check = g->cfg.check_effect,
					  .check_ud = g->cfg.ud};
		rc = g->cfg.interpret(g->cfg.interpret_ud, &rq, &interp, msg, sizeof msg);
		if (rc == 0 && !interp_is_valid(interp)) {
			cJSON_Delete(interp);
			interp = NULL;
			rc = -1;
			snprintf(msg, sizeof msg, "the interpreter's answer is malformed");
		}
	} else {
		rc = interp_proposal(&in, &interp, msg, sizeof msg);
	}
	free(act);
	if (rc < 0) {
		free(fxv);
		return err_set(e, PW_E_INVALID, "%s", msg);
	}
	int tier = cJSON_GetObjectItem(interp, "tier")->valueint;
	/* The rules once the proposal's parameters apply: what its effects
	 * would run under. */
	pw_rules_t after = g->s.rules;
	const cJSON *prm;
	cJSON_ArrayForEach(prm, cJSON_GetObjectItem(interp, "parameters")) {
		const pw_rule_def_t *d = rules_find(cJSON_GetObjectItem(prm, "name")->valuestring);
		const cJSON *nv = cJSON_GetObjectItem(prm, "new");
		if (d)
			rules_set(&after, d, cJSON_IsBool(nv) ? cJSON_IsTrue(nv) : nv->valuedouble, msg,
				  sizeof msg);
	}
	cJSON *impact = cJSON_CreateObject();
	/* Every effect is validated and test-run before anyone can confirm it. */
	cJSON *fx;
	cJSON_ArrayForEach(fx, cJSON_GetObjectItem(interp, "effects")) {
		const cJSON *src = cJSON_GetObjectItem(fx, "source");
		if (!g->cfg.check_effect || !cJSON_IsString(src))
			continue;
		cJSON *hooks = NULL, *imp = NULL;
		if (g->cfg.check_effect(g->cfg.ud, &now, &after, src->valuestring, &hooks, &imp, msg,
					sizeof msg) < 0) {
			/* The message names the effect: build it before fx goes. */
			err_set(e, PW_E_INVALID, "the effect %s does not pass the sandbox check: %s",
			       cJSON_GetObjectItem(fx, "name")->valuestring, msg);
			cJSON_Delete(hooks);
			cJSON_Delete(imp);
			cJSON_Delete(interp);
			cJSON_Delete(impact);
			free(fxv);
			return PW_E_INVALID;
		}
		if (hooks) {
			int t = interp_effect_tier(hooks);
			cJSON_ReplaceItemInObject(fx, "hooks", hooks);
			if (t > tier && tier < 5)
				tier = t;
		}
		if (imp)
			cJSON_AddItemToObject(impact, cJSON_GetObjectItem(fx, "name")->valuestring, imp);
	}
	if (g->cfg.rules_impact && cJSON_GetArraySize(cJSON_GetObjectItem(interp, "parameters"))) {
		cJSON *imp = g->cfg.rules_impact(g->cfg.ud, &now, &after);
		if (imp)
			cJSON_AddItemToObject(impact, "parameters", imp);
	}
	free(fxv);
	cJSON_ReplaceItemInObject(interp, "tier", cJSON_CreateNumber(tier));
	cJSON_AddStringToObject(payload, "text", text);
	if (lua && *lua)
		cJSON_AddStringToObject(payload, "effect_lua", lua);
	cJSON_AddItemToObject(payload, "interpretation", interp);
	cJSON_AddNumberToObject(payload, "tier", tier);
	cJSON_AddNumberToObject(payload, "cost", gstate_cost(tier));
	if (cJSON_GetArraySize(impact))
		cJSON_AddItemToObject(payload, "impact", impact);
	else
		cJSON_Delete(impact);
	return 0;
}

/* Whether gid may propose now, before anything is interpreted. */
static int propose_may(pw_gov_t *g, int64_t gid, const pw_governor_t **gv, pw_err_t *e)
{
	int rc = enrolled(g, gid, gv, e);
	if (rc < 0 || (rc = season_live(g, e)) < 0)
		return rc;
	/* Drafts are free, but each took a check's test games: a few at once. */
	int drafts = count_status(&g->s, gid, PW_PROP_DRAFT);
	if (drafts >= PW_MAX_DRAFTS)
		return err_set(e, PW_E_LIMIT, "governor %lld already has %d drafts; confirm or cancel one "
			       "first", (long long)gid, drafts);
	return 0;
}

static int propose_in_tx(pw_gov_t *g, int64_t gid, const char *text, const char *lua, int64_t *pid,
			 pw_err_t *e)
{
	const pw_governor_t *gv;
	int rc = propose_may(g, gid, &gv, e);
	if (rc < 0)
		return rc;
	*pid = g->s.n_props + 1;
	cJSON *p = pid_payload(*pid);
	rc = interpret(g, text, lua, p, e);
	if (rc == 0) {
		int cost = cJSON_GetObjectItem(p, "cost")->valueint;
		int tier = cJSON_GetObjectItem(p, "tier")->valueint;
		if (gv->tokens[PW_TOK_PROPOSE] < cost)
			rc = err_set(e, PW_E_TOKENS, "this tier %d proposal costs %d PROPOSE tokens and "
				     "governor %lld has %d", tier, cost, (long long)gid,
				     gv->tokens[PW_TOK_PROPOSE]);
	}
	if (rc < 0) {
		cJSON_Delete(p);
		return rc;
	}
	return append(g, PW_EV_PROPOSAL_SUBMITTED, *pid, gid, gv->team_id, p, e);
}

int gov_propose(pw_gov_t *g, int64_t gid, const char *text, const char *lua, cJSON **out, pw_err_t *e)
{
	if (out)
		*out = NULL;
	int64_t pid = 0;
	int rc = 0;
	if (!text)
		rc = err_set(e, PW_E_INVALID, "text is required");
	else if (lua && strlen(lua) > 60000)
		rc = err_set(e, PW_E_INVALID, "effect_lua is longer than 60000 bytes");
	if (rc == 0 && (rc = tx_begin(g, e)) == 0)
		rc = tx_end(g, propose_in_tx(g, gid, text, lua, &pid, e), e);
	if (rc == 0) {
		if (out)
			*out = gov_proposal_json(g, pid);
		bus_publish_json(g->cfg.bus, event_name(PW_EV_PROPOSAL_SUBMITTED), out ? *out : NULL);
	}
	return rc;
}

/* Proposal pid in status want into *out (and, when gid is not 0, proposed by
 * gid, in the current season); or an error. */
static int own_proposal(pw_gov_t *g, int64_t gid, int64_t pid, pw_prop_status_t want,
			pw_proposal_t **out, pw_err_t *e)
{
	pw_proposal_t *p = *out = gstate_proposal(&g->s, pid);
	if (!p)
		return err_set(e, PW_E_NOT_FOUND, "proposal %lld does not exist", (long long)pid);
	int rc = gid ? same_season(g, p->season_id, "proposal", pid, e) : 0;
	if (rc < 0)
		return rc;
	if (gid && p->governor_id != gid)
		return err_set(e, PW_E_FORBIDDEN, "only the proposer can do this to proposal %lld",
			       (long long)pid);
	if (p->status != want)
		return err_set(e, PW_E_CONFLICT, "proposal %lld is %s, not %s", (long long)pid,
			       gstate_status_name(p->status), gstate_status_name(want));
	return 0;
}

/* The enrolled governor gid, in a season that takes governance, and
 * proposal pid of this season in status want (proposed by gid when own),
 * or the first error. */
static int governor_and_proposal(pw_gov_t *g, int64_t gid, int64_t pid, bool own,
				 pw_prop_status_t want, const pw_governor_t **gv, pw_proposal_t **p,
				 pw_err_t *e)
{
	int rc = enrolled(g, gid, gv, e);
	if (rc < 0 || (rc = season_live(g, e)) < 0)
		return rc;
	*p = gstate_proposal(&g->s, pid);
	if (*p && (rc = same_season(g, (*p)->season_id, "proposal", pid, e)) < 0)
		return rc;
	return own_proposal(g, own ? gid : 0, pid, want, p, e);
}

static int confirm_in_tx(pw_gov_t *g, int64_t gid, int64_t pid, pw_err_t *e)
{
	const pw_governor_t *gv;
	pw_proposal_t *p;
	int rc = governor_and_proposal(g, gid, pid, true, PW_PROP_DRAFT, &gv, &p, e);
	if (rc < 0 || (rc = open_limit(g, gid, e)) < 0)
		return rc;
	if (gv->tokens[PW_TOK_PROPOSE] < p->cost)
		return err_set(e, PW_E_TOKENS, "confirming costs %d PROPOSE tokens and governor %lld has %d",
			       p->cost, (long long)gid, gv->tokens[PW_TOK_PROPOSE]);
	int tier = p->tier;
	if ((rc = spend(g, gv, PW_TOK_PROPOSE, p->cost, "proposal", pid, e)) < 0 ||
	    (rc = append(g, PW_EV_PROPOSAL_CONFIRMED, pid, gid, gv->team_id, pid_payload(pid), e)) < 0 ||
	    tier < 5)
		return rc;
	cJSON *f = pid_payload(pid);
	cJSON_AddStringToObject(f, "reason", "tier 5 (wild) proposals are reviewed by the admin");
	return append(g, PW_EV_PROPOSAL_FLAGGED_FOR_REVIEW, pid, gid, gv->team_id, f, e);
}

/* A proposal the admin must review (wild) is told on the bus once its
 * write is committed, so whoever reviews (the Discord bot's DM) hears of
 * it however it was confirmed or amended. */
static void publish_if_flagged(pw_gov_t *g, int64_t pid)
{
	cJSON *p = gov_proposal_json(g, pid);
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(p, "flagged")))
		bus_publish_json(g->cfg.bus, event_name(PW_EV_PROPOSAL_FLAGGED_FOR_REVIEW), p);
	cJSON_Delete(p);
}

int gov_confirm(pw_gov_t *g, int64_t gid, int64_t pid, cJSON **out, pw_err_t *e)
{
	if (out)
		*out = NULL;
	int rc = tx_begin(g, e);
	if (rc == 0)
		rc = tx_end(g, confirm_in_tx(g, gid, pid, e), e);
	if (rc == 0)
		publish_if_flagged(g, pid);
	if (rc == 0 && out)
		*out = gov_proposal_json(g, pid);
	return rc;
}

static int cancel_in_tx(pw_gov_t *g, int64_t gid, int64_t pid, pw_err_t *e)
{
	pw_proposal_t *p;
	int rc = own_proposal(g, gid, pid, PW_PROP_DRAFT, &p, e);
	if (rc < 0)
		return rc;
	return append(g, PW_EV_PROPOSAL_CANCELLED, pid, gid, p->team_id, pid_payload(pid), e);
}

static int withdraw_in_tx(pw_gov_t *g, int64_t gid, int64_t pid, pw_err_t *e)
{
	const pw_governor_t *gv;
	pw_proposal_t *p;
	int rc = governor_and_proposal(g, gid, pid, true, PW_PROP_OPEN, &gv, &p, e);
	if (rc < 0)
		return rc;
	return append(g, PW_EV_PROPOSAL_WITHDRAWN, pid, gid, p->team_id, pid_payload(pid), e);
}

int gov_withdraw(pw_gov_t *g, int64_t gid, int64_t pid, cJSON **out, pw_err_t *e)
{
	if (out)
		*out = NULL;
	int rc = tx_begin(g, e);
	if (rc == 0)
		rc = tx_end(g, withdraw_in_tx(g, gid, pid, e), e);
	if (rc == 0 && out)
		*out = gov_proposal_json(g, pid);
	return rc;
}

int gov_cancel(pw_gov_t *g, int64_t gid, int64_t pid, cJSON **out, pw_err_t *e)
{
	if (out)
		*out = NULL;
	int rc = tx_begin(g, e);
	if (rc == 0)
		rc = tx_end(g, cancel_in_tx(g, gid, pid, e), e);
	if (rc == 0 && out)
		*out = gov_proposal_json(g, pid);
	return rc;
}

/* Whether gid may amend pid now, before anything is interpreted. */
static int amend_may(pw_gov_t *g, int64_t gid, int64_t pid, const pw_governor_t **gv, pw_proposal_t **p,
		     pw_err_t *e)
{
	int rc = governor_and_proposal(g, gid, pid, true, PW_PROP_OPEN, gv, p, e);
	if (rc < 0)
		return rc;
	if ((*p)->amendments >= PW_MAX_AMENDMENTS)
		return err_set(e, PW_E_CONFLICT, "proposal %lld has been amended %d times, the most a "
			       "proposal may be", (long long)pid, (*p)->amendments);
	if ((*gv)->tokens[PW_TOK_AMEND] < 1)
		return err_set(e, PW_E_TOKENS, "amending costs 1 AMEND token and governor %lld has none",
			       (long long)gid);
	return 0;
}

static int amend_in_tx(pw_gov_t *g, int64_t gid, int64_t pid, const char *text, const char *lua,
		       pw_err_t *e)
{
	const pw_governor_t *gv;
	pw_proposal_t *p;
	int rc = amend_may(g, gid, pid, &gv, &p, e);
	if (rc < 0)
		return rc;
	/* Waiting for review already: a new flag would ask for nothing more. */
	bool under_review = p->flagged && !p->cleared;
	cJSON *pl = pid_payload(pid);
	cJSON_AddNumberToObject(pl, "amended_by", (double)gid);
	if ((rc = interpret(g, text, lua, pl, e)) < 0 ||
	    (rc = spend(g, gv, PW_TOK_AMEND, 1, "amendment", pid, e)) < 0) {
		cJSON_Delete(pl);
		return rc;
	}
	/* Classified from scratch: whatever an earlier review cleared, a wild
	 * result goes back to the admin. */
	int tier = cJSON_GetObjectItem(pl, "tier")->valueint;
	if ((rc = append(g, PW_EV_PROPOSAL_AMENDED, pid, gid, gv->team_id, pl, e)) < 0 || tier < 5 ||
	    under_review)
		return rc;
	cJSON *f = pid_payload(pid);
	cJSON_AddStringToObject(f, "reason", "amended into a tier 5 (wild) proposal");
	return append(g, PW_EV_PROPOSAL_FLAGGED_FOR_REVIEW, pid, gid, gv->team_id, f, e);
}

int gov_amend(pw_gov_t *g, int64_t gid, int64_t pid, const char *text, const char *lua, cJSON **out,
	      pw_err_t *e)
{
	if (out)
		*out = NULL;
	int rc = text ? 0 : err_set(e, PW_E_INVALID, "text is required");
	if (rc == 0 && (rc = tx_begin(g, e)) == 0)
		rc = tx_end(g, amend_in_tx(g, gid, pid, text, lua, e), e);
	if (rc == 0)
		publish_if_flagged(g, pid);
	if (rc == 0 && out)
		*out = gov_proposal_json(g, pid);
	return rc;
}

int gov_precheck(pw_gov_t *g, int64_t gid, int64_t pid, const char *text, const char *lua, pw_err_t *e)
{
	const pw_governor_t *gv;
	pw_proposal_t *p;
	int rc = text ? 0 : err_set(e, PW_E_INVALID, "text is required");
	if (rc == 0 && gov_sync(g) < 0)
		rc = err_set(e, PW_E_INTERNAL, "reading the event log failed");
	if (rc == 0)
		rc = pid ? amend_may(g, gid, pid, &gv, &p, e) : propose_may(g, gid, &gv, e);
	if (rc < 0)
		return rc;
	cJSON *scratch = cJSON_CreateObject();
	rc = scratch ? interpret(g, text, lua, scratch, e) : err_set(e, PW_E_INTERNAL, "out of memory");
	cJSON_Delete(scratch);
	return rc;
}

int gov_preview(pw_gov_t *g, const char *text, const char *lua, cJSON **out, pw_err_t *e)
{
	*out = NULL;
	int rc = text ? 0 : err_set(e, PW_E_INVALID, "text is required");
	if (rc == 0 && gov_sync(g) < 0)
		rc = err_set(e, PW_E_INTERNAL, "reading the event log failed");
	if (rc < 0)
		return rc;
	cJSON *o = cJSON_CreateObject();
	rc = o ? interpret(g, text, lua, o, e) : err_set(e, PW_E_INTERNAL, "out of memory");
	if (rc < 0) {
		cJSON_Delete(o);
		return rc;
	}
	const cJSON *tier = cJSON_GetObjectItem(o, "tier");
	cJSON_AddNumberToObject(o, "threshold", gstate_threshold(tier ? tier->valueint : 5, &g->s.rules));
	*out = o;
	return 0;
}

/* *boosted: whether the vote counts double (asked now, or paid before). */
static int vote_in_tx(pw_gov_t *g, int64_t gid, int64_t pid, bool yes, bool boost, bool *boosted,
		      pw_err_t *e)
{
	const pw_governor_t *gv;
	pw_proposal_t *p;
	int rc = governor_and_proposal(g, gid, pid, false, PW_PROP_OPEN, &gv, &p, e);
	if (rc < 0)
		return rc;
	/* A boost is paid once per proposal: replacing a boosted vote keeps it. */
	bool already = false;
	for (int i = 0; i < p->n_votes; i++)
		if (p->votes[i].governor_id == gid && p->votes[i].boost)
			already = true;
	if (boost && !already) {
		if (gv->tokens[PW_TOK_BOOST] < 1)
			return err_set(e, PW_E_TOKENS, "boosting costs 1 BOOST token and governor %lld has none",
				       (long long)gid);
		if ((rc = spend(g, gv, PW_TOK_BOOST, 1, "boost", pid, e)) < 0)
			return rc;
	}
	*boosted = boost || already;
	cJSON *pl = pid_payload(pid);
	cJSON_AddStringToObject(pl, "vote", yes ? "yes" : "no");
	cJSON_AddBoolToObject(pl, "boost", *boosted);
	return append(g, PW_EV_VOTE_CAST, pid, gid, gv->team_id, pl, e);
}

int gov_vote(pw_gov_t *g, int64_t gid, int64_t pid, bool yes, bool boost, cJSON **out, pw_err_t *e)
{
	if (out)
		*out = NULL;
	bool boosted = false;
	int rc = tx_begin(g, e);
	if (rc == 0)
		rc = tx_end(g, vote_in_tx(g, gid, pid, yes, boost, &boosted, e), e);
	if (rc == 0) {
		cJSON *v = cJSON_CreateObject();
		cJSON_AddNumberToObject(v, "proposal_id", (double)pid);
		cJSON_AddNumberToObject(v, "governor_id", (double)gid);
		cJSON_AddStringToObject(v, "vote", yes ? "yes" : "no");
		cJSON_AddBoolToObject(v, "boost", boosted);
		bus_publish_json(g->cfg.bus, event_name(PW_EV_VOTE_CAST), v);
		if (out)
			*out = v;
		else
			cJSON_Delete(v);
	}
	return rc;
}

/* ---- enactment ---- */

/* rule.enacted + effect.registered + effect.repealed for a passed proposal.
 * The bus hears of a registered effect only once the caller's transaction
 * commits: each effect.registered goes into events ({"type","data"}) for
 * the caller to publish then (NULL: nobody publishes). */
static int enact(pw_gov_t *g, pw_proposal_t *p, int round, cJSON *enacted, cJSON *events, pw_err_t *e)
{
	int64_t pid = p->id;
	cJSON *interp = cJSON_Duplicate(p->interpretation, 1);
	if (!interp)
		return err_set(e, PW_E_INTERNAL, "out of memory");
	int rc = 0;
	/* Parameters: re-checked against the rules as they are now, so two
	 * proposals passed in one tally apply in order and stay in range. */
	cJSON *changes = cJSON_CreateArray();
	const cJSON *c;
	cJSON_ArrayForEach(c, cJSON_GetObjectItem(interp, "parameters")) {
		const pw_rule_def_t *d = rules_find(cJSON_GetObjectItem(c, "name")->valuestring);
		const cJSON *nv = cJSON_GetObjectItem(c, "new");
		double v = cJSON_IsBool(nv) ? cJSON_IsTrue(nv) : nv->valuedouble;
		char msg[160];
		if (!d || rules_check(d, v, msg, sizeof msg) < 0)
			continue;
		cJSON *ch = cJSON_CreateObject();
		cJSON_AddStringToObject(ch, "name", d->name);
		cJSON_AddNumberToObject(ch, "old", rules_get(&g->s.rules, d));
		cJSON_AddNumberToObject(ch, "new", v);
		cJSON_AddItemToArray(changes, ch);
	}
	if (cJSON_GetArraySize(changes)) {
		cJSON *pl = pid_payload(pid);
		cJSON_AddItemToObject(pl, "changes", changes);
		if (enacted)
			cJSON_AddItemToArray(enacted, cJSON_Duplicate(pl, 1));
		char id[32];
		snprintf(id, sizeof id, "%lld", (long long)pid);
		rc = gov_append_in_tx(g, PW_EV_RULE_ENACTED, id, p->governor_id, p->team_id, round, pl);
		cJSON_Delete(pl);
		if (rc < 0)
			goto out;
	} else {
		cJSON_Delete(changes);
	}
	int k = 0;
	const cJSON *fx;
	cJSON_ArrayForEach(fx, cJSON_GetObjectItem(interp, "effects")) {
		k++;
		const cJSON *src = cJSON_GetObjectItem(fx, "source");
		if (!cJSON_IsString(src))
			continue;
		cJSON *pl = cJSON_CreateObject();
		char fid[64];
		snprintf(fid, sizeof fid, "fx-%lld-%d", (long long)pid, k);
		cJSON_AddStringToObject(pl, "effect_id", fid);
		cJSON_AddNumberToObject(pl, "proposal_id", (double)pid);
		cJSON_AddStringToObject(pl, "name", cJSON_GetObjectItem(fx, "name")->valuestring);
		cJSON_AddStringToObject(pl, "source", src->valuestring);
		char sha[65];
		sha256_hex(src->valuestring, strlen(src->valuestring), sha);
		cJSON_AddStringToObject(pl, "sha256", sha);
		const cJSON *life = cJSON_GetObjectItem(fx, "lifetime");
		const char *lt = cJSON_IsString(life) ? life->valuestring : "permanent";
		cJSON_AddStringToObject(pl, "lifetime", lt);
		const cJSON *rounds = cJSON_GetObjectItem(fx, "rounds");
		cJSON_AddNumberToObject(pl, "rounds", !strcmp(lt, "one_game") ? 1
					: cJSON_IsNumber(rounds) ? rounds->valueint : 0);
		cJSON *hooks = cJSON_GetObjectItem(fx, "hooks");
		cJSON_AddItemToObject(pl, "hooks", hooks ? cJSON_Duplicate(hooks, 1) : cJSON_CreateArray());
		cJSON_AddNumberToObject(pl, "start_round", round + 1);
		rc = gov_append_in_tx(g, PW_EV_EFFECT_REGISTERED, fid, p->governor_id, p->team_id,
				      round, pl);
		if (enacted && rc == 0) {
			cJSON *brief = cJSON_CreateObject();
			cJSON_AddStringToObject(brief, "effect_id", fid);
			cJSON_AddStringToObject(brief, "name", cJSON_GetObjectItem(fx, "name")->valuestring);
			cJSON_AddNumberToObject(brief, "proposal_id", (double)pid);
			cJSON_AddItemToArray(enacted, brief);
		}
		if (events && rc == 0) {
			cJSON *ev = cJSON_CreateObject();
			cJSON_AddStringToObject(ev, "type", event_name(PW_EV_EFFECT_REGISTERED));
			cJSON_AddItemToObject(ev, "data", pl);
			cJSON_AddItemToArray(events, ev);
		} else {
			cJSON_Delete(pl);
		}
		if (rc < 0)
			goto out;
	}
	const cJSON *rid;
	cJSON_ArrayForEach(rid, cJSON_GetObjectItem(interp, "repeal")) {
		const pw_effect_rec_t *ef = gstate_effect(&g->s, rid->valuestring);
		if (!ef || ef->status != PW_FX_ACTIVE)
			continue;
		cJSON *pl = cJSON_CreateObject();
		cJSON_AddStringToObject(pl, "effect_id", rid->valuestring);
		cJSON_AddNumberToObject(pl, "proposal_id", (double)pid);
		cJSON_AddStringToObject(pl, "reason", "repealed by vote");
		rc = gov_append_in_tx(g, PW_EV_EFFECT_REPEALED, rid->valuestring, p->governor_id,
				      p->team_id, round, pl);
		cJSON_Delete(pl);
		if (rc < 0)
			goto out;
	}
out:
	cJSON_Delete(interp);
	if (rc < 0)
		return err_set(e, PW_E_INTERNAL, "enacting proposal %lld failed: %s", (long long)pid,
			      store_errmsg(g->st));
	return 0;
}

static int trade_window(const pw_gov_t *g)
{
	return g->cfg.trade_expiry_rounds > 0 ? g->cfg.trade_expiry_rounds : PW_TRADE_EXPIRY_DEFAULT;
}

/* Whether an open trade made at made_round of season sid expires at the
 * tally of round: its window ran out, its season ended, or (final) this
 * is its season's last tally. */
static bool trade_due(const pw_gov_t *g, int64_t sid, int made_round, int round, bool final)
{
	return final || sid != g->s.season.id || round - made_round >= trade_window(g);
}

static const char *expiry_reason(const pw_gov_t *g, int64_t sid, bool final)
{
	return sid != g->s.season.id ? "its season ended"
	       : final              ? "the season ended"
				    : "its window ran out";
}

/* trade.expired / hooper_trade.expired for every open offer and pending
 * hooper trade due at round; their ids into tt and ht. */
static int expire_trades(pw_gov_t *g, int round, bool final, cJSON *tt, cJSON *ht, pw_err_t *e)
{
	int rc = 0;
	for (int i = 0; i < g->s.n_trades && rc == 0; i++) {
		const pw_trade_t *t = &g->s.trades[i];
		if (t->status != PW_TRADE_OPEN || !trade_due(g, t->season_id, t->round, round, final))
			continue;
		cJSON *pl = cJSON_CreateObject();
		cJSON_AddNumberToObject(pl, "trade_id", (double)t->id);
		cJSON_AddStringToObject(pl, "reason", expiry_reason(g, t->season_id, final));
		cJSON_AddItemToArray(tt, cJSON_CreateNumber((double)t->id));
		char id[32];
		snprintf(id, sizeof id, "%lld", (long long)t->id);
		rc = gov_append_in_tx(g, PW_EV_TRADE_EXPIRED, id, t->from, 0, round, pl);
		cJSON_Delete(pl);
	}
	for (int i = 0; i < g->s.n_htrades && rc == 0; i++) {
		const pw_hooper_trade_t *h = &g->s.htrades[i];
		if (h->status != PW_HTRADE_PENDING || !trade_due(g, h->season_id, h->round, round, final))
			continue;
		cJSON *pl = cJSON_CreateObject();
		cJSON_AddNumberToObject(pl, "trade_id", (double)h->id);
		cJSON_AddStringToObject(pl, "reason", expiry_reason(g, h->season_id, final));
		cJSON_AddItemToArray(ht, cJSON_CreateNumber((double)h->id));
		char id[32];
		snprintf(id, sizeof id, "%lld", (long long)h->id);
		rc = gov_append_in_tx(g, PW_EV_HOOPER_TRADE_EXPIRED, id, h->proposer, h->team_a, round, pl);
		cJSON_Delete(pl);
	}
	if (rc < 0)
		return err_set(e, PW_E_INTERNAL, "expiring trades failed: %s", store_errmsg(g->st));
	return 0;
}

static int tally_in_tx(pw_gov_t *g, int round, bool final, cJSON **summary, pw_err_t *e)
{
	if (summary)
		*summary = NULL;
	if (gstate_sync(&g->s, g->st) < 0)
		return err_set(e, PW_E_INTERNAL, "reading the event log failed");
	cJSON *sum = cJSON_CreateObject(), *list = cJSON_CreateArray(), *enacted = cJSON_CreateArray();
	cJSON_AddNumberToObject(sum, "round", round);
	cJSON_AddItemToObject(sum, "proposals", list);
	cJSON_AddItemToObject(sum, "enacted", enacted);
	cJSON *deferred = cJSON_AddArrayToObject(sum, "deferred");
	/* The effect.registered events to publish once the caller commits
	 * ({"type","data"} each); the caller detaches them from the summary. */
	cJSON *events = cJSON_AddArrayToObject(sum, "effect_events");
	int rc = 0;
	/* Every proposal is judged by the rules in force when the tally began:
	 * a threshold enacted by the first proposal does not decide the rest. */
	const pw_rules_t at_start = g->s.rules;
	int64_t now = now_s(g);
	/* Index loop: enactment appends events that may grow g->s.props. */
	for (int i = 0; i < g->s.n_props && rc == 0; i++) {
		pw_proposal_t *p = &g->s.props[i];
		if (p->status != PW_PROP_OPEN || p->season_id != g->s.season.id)
			continue;
		int64_t pid = p->id;
		/* The minimum voting period: too fresh, it waits for the next
		 * tally (never at the season's last one). */
		if (!final && g->cfg.min_voting_seconds > 0 && p->confirmed_at > 0 &&
		    now - p->confirmed_at < g->cfg.min_voting_seconds) {
			cJSON_AddItemToArray(deferred, cJSON_CreateNumber((double)pid));
			continue;
		}
		double yes, no;
		gstate_tally(&g->s, p, &yes, &no);
		double thr = gstate_threshold(p->tier, &at_start);
		double total = yes + no;
		double share = total > 0 ? yes / total : 0;
		/* Strictly greater: a tie (or no votes) fails. */
		bool passed = total > 0 && share > thr + 1e-12;
		bool held = passed && (g->cfg.require_approval || (p->flagged && !p->cleared));
		cJSON *pl = pid_payload(pid);
		cJSON_AddNumberToObject(pl, "yes", yes);
		cJSON_AddNumberToObject(pl, "no", no);
		cJSON_AddNumberToObject(pl, "share", share);
		cJSON_AddNumberToObject(pl, "threshold", thr);
		cJSON_AddNumberToObject(pl, "votes", p->n_votes);
		if (passed)
			cJSON_AddBoolToObject(pl, "held", held);
		cJSON_AddItemToArray(list, cJSON_Duplicate(pl, 1));
		char id[32];
		snprintf(id, sizeof id, "%lld", (long long)pid);
		rc = gov_append_in_tx(g, passed ? PW_EV_PROPOSAL_PASSED : PW_EV_PROPOSAL_FAILED, id,
				      p->governor_id, p->team_id, round, pl);
		cJSON_Delete(pl);
		if (rc < 0) {
			err_set(e, PW_E_INTERNAL, "recording a tally failed: %s", store_errmsg(g->st));
			break;
		}
		p = gstate_proposal(&g->s, pid);
		if (passed && !held)
			rc = enact(g, p, round, enacted, events, e);
	}
	if (rc == 0)
		rc = expire_trades(g, round, final, cJSON_AddArrayToObject(sum, "expired_trades"),
				   cJSON_AddArrayToObject(sum, "expired_hooper_trades"), e);
	/* Regeneration: +PW_TOKEN_REGEN of each kind, never above PW_TOKEN_MAX. */
	for (int i = 0; i < g->s.n_govs && rc == 0; i++) {
		const pw_governor_t *gv = &g->s.govs[i];
		if (gv->season_id != g->s.season.id)
			continue;
		int add[PW_TOKEN_KINDS], any = 0;
		for (int k = 0; k < PW_TOKEN_KINDS; k++) {
			int room = PW_TOKEN_MAX - gv->tokens[k];
			add[k] = room <= 0 ? 0 : room < PW_TOKEN_REGEN ? room : PW_TOKEN_REGEN;
			any |= add[k];
		}
		if (!any)
			continue;
		cJSON *pl = tokens_json(add);
		cJSON_AddStringToObject(pl, "reason", "tally");
		char id[32];
		snprintf(id, sizeof id, "%lld", (long long)gv->id);
		int64_t gid = gv->id, team = gv->team_id;
		rc = gov_append_in_tx(g, PW_EV_TOKEN_REGENERATED, id, gid, team, round, pl);
		cJSON_Delete(pl);
		if (rc < 0)
			err_set(e, PW_E_INTERNAL, "regenerating tokens failed: %s", store_errmsg(g->st));
	}
	if (rc < 0 || !summary)
		cJSON_Delete(sum);
	else
		*summary = sum;
	return rc;
}

int gov_tally_in_tx(pw_gov_t *g, int round, cJSON **summary, pw_err_t *e)
{
	return tally_in_tx(g, round, false, summary, e);
}

int gov_tally_final_in_tx(pw_gov_t *g, int round, cJSON **summary, pw_err_t *e)
{
	return tally_in_tx(g, round, true, summary, e);
}

int gov_expire_effects_in_tx(pw_gov_t *g, int round, cJSON **expired, pw_err_t *e)
{
	if (expired)
		*expired = NULL;
	if (gstate_sync(&g->s, g->st) < 0)
		return err_set(e, PW_E_INTERNAL, "reading the event log failed");
	cJSON *list = cJSON_CreateArray();
	int rc = 0;
	for (int i = 0; i < g->s.n_effects && rc == 0; i++) {
		pw_effect_rec_t *ef = &g->s.effects[i];
		if (ef->status != PW_FX_ACTIVE || ef->rounds <= 0 || !strcmp(ef->lifetime, "permanent"))
			continue;
		/* Carried over from an earlier season: a counted lifetime ends
		 * with the season it started in. */
		bool done = ef->season_id != g->s.season.id ||
			    round - ef->start_round + 1 >= ef->rounds;
		if (!done)
			continue;
		cJSON *pl = cJSON_CreateObject();
		cJSON_AddStringToObject(pl, "effect_id", ef->id);
		cJSON_AddStringToObject(pl, "reason", "lifetime ended");
		char fid[64];
		snprintf(fid, sizeof fid, "%s", ef->id);
		rc = gov_append_in_tx(g, PW_EV_EFFECT_EXPIRED, fid, 0, 0, round, pl);
		cJSON_Delete(pl);
		cJSON_AddItemToArray(list, cJSON_CreateString(fid));
	}
	if (rc < 0) {
		cJSON_Delete(list);
		return err_set(e, PW_E_INTERNAL, "expiring effects failed: %s", store_errmsg(g->st));
	}
	if (expired)
		*expired = list;
	else
		cJSON_Delete(list);
	return 0;
}

/* ---- admin ---- */

static int admin_clear_in_tx(pw_gov_t *g, int64_t pid, pw_err_t *e)
{
	pw_proposal_t *p = gstate_proposal(&g->s, pid);
	if (!p || !p->flagged || p->cleared)
		return err_set(e, p ? PW_E_CONFLICT : PW_E_NOT_FOUND,
			       p ? "proposal %lld is not waiting for review" : "proposal %lld does not exist",
			       (long long)pid);
	return append(g, PW_EV_PROPOSAL_REVIEW_CLEARED, pid, 0, p->team_id, pid_payload(pid), e);
}

int gov_admin_clear(pw_gov_t *g, int64_t pid, cJSON **out, pw_err_t *e)
{
	if (out)
		*out = NULL;
	int rc = tx_begin(g, e);
	if (rc == 0)
		rc = tx_end(g, admin_clear_in_tx(g, pid, e), e);
	if (rc == 0 && out)
		*out = gov_proposal_json(g, pid);
	return rc;
}

static int admin_veto_in_tx(pw_gov_t *g, int64_t pid, const char *reason, pw_err_t *e)
{
	pw_proposal_t *p = gstate_proposal(&g->s, pid);
	if (!p || (p->status != PW_PROP_OPEN && p->status != PW_PROP_HELD))
		return err_set(e, p ? PW_E_CONFLICT : PW_E_NOT_FOUND,
			       p ? "proposal %lld is %s; only open or held proposals can be vetoed"
				 : "proposal %lld does not exist",
			       (long long)pid, p ? gstate_status_name(p->status) : "");
	int64_t gid = p->governor_id, team = p->team_id;
	/* What the proposer paid for it, not what it would cost now (an
	 * amendment may have changed its tier), and only as far as the cap
	 * allows: a refund never lifts a balance above PW_TOKEN_MAX. */
	int spent[PW_TOKEN_KINDS], back[PW_TOKEN_KINDS], any = 0;
	const pw_governor_t *gv = gstate_governor(&g->s, gid);
	for (int k = 0; k < PW_TOKEN_KINDS; k++) {
		spent[k] = p->spent[k];
		int room = gv ? PW_TOKEN_MAX - gv->tokens[k] : 0;
		back[k] = spent[k] < room ? spent[k] : room > 0 ? room : 0;
		any |= back[k];
	}
	cJSON *pl = pid_payload(pid);
	cJSON_AddStringToObject(pl, "reason", reason ? reason : "");
	cJSON_AddItemToObject(pl, "refund", tokens_json(back));
	cJSON_AddItemToObject(pl, "spent", tokens_json(spent));
	int rc = append(g, PW_EV_PROPOSAL_VETOED, pid, 0, team, pl, e);
	if (rc < 0 || !any)
		return rc;
	/* The refund is an ordinary token event so balances stay a pure fold. */
	cJSON *r = tokens_json(back);
	cJSON_AddStringToObject(r, "reason", "veto_refund");
	cJSON_AddNumberToObject(r, "proposal_id", (double)pid);
	return append(g, PW_EV_TOKEN_REGENERATED, gid, gid, team, r, e);
}

int gov_admin_veto(pw_gov_t *g, int64_t pid, const char *reason, cJSON **out, pw_err_t *e)
{
	if (out)
		*out = NULL;
	int rc = tx_begin(g, e);
	if (rc == 0)
		rc = tx_end(g, admin_veto_in_tx(g, pid, reason, e), e);
	if (rc == 0 && out)
		*out = gov_proposal_json(g, pid);
	return rc;
}

static int admin_approve_in_tx(pw_gov_t *g, int64_t pid, cJSON *events, pw_err_t *e)
{
	pw_proposal_t *p;
	int rc = own_proposal(g, 0, pid, PW_PROP_HELD, &p, e);
	if (rc < 0)
		return rc;
	int round = current_round(g);
	if ((rc = append(g, PW_EV_PROPOSAL_APPROVED, pid, 0, p->team_id, pid_payload(pid), e)) < 0)
		return rc;
	return enact(g, gstate_proposal(&g->s, pid), round, NULL, events, e);
}

int gov_admin_approve(pw_gov_t *g, int64_t pid, cJSON **out, pw_err_t *e)
{
	if (out)
		*out = NULL;
	/* The effects registered, for the bus once they are committed. */
	cJSON *events = cJSON_CreateArray();
	int rc = tx_begin(g, e);
	if (rc == 0)
		rc = tx_end(g, admin_approve_in_tx(g, pid, events, e), e);
	const cJSON *ev;
	if (rc == 0)
		cJSON_ArrayForEach(ev, events)
			bus_publish_json(g->cfg.bus, cJSON_GetObjectItem(ev, "type")->valuestring,
					 cJSON_GetObjectItem(ev, "data"));
	cJSON_Delete(events);
	if (rc == 0 && out)
		*out = gov_proposal_json(g, pid);
	return rc;
}

static int admin_effect_in_tx(pw_gov_t *g, const char *fid, bool enable, const cJSON *pl, pw_err_t *e)
{
	pw_effect_rec_t *ef = gstate_effect(&g->s, fid);
	pw_fx_status_t want = enable ? PW_FX_DISABLED : PW_FX_ACTIVE;
	if (!ef || ef->status != want)
		return err_set(e, ef ? PW_E_CONFLICT : PW_E_NOT_FOUND,
			       ef ? "effect %s is not %s" : "effect %s does not exist", fid,
			       enable ? "disabled" : "active");
	if (gov_append_in_tx(g, enable ? PW_EV_EFFECT_ENABLED : PW_EV_EFFECT_DISABLED, fid, 0, 0,
			     current_round(g), pl) < 0)
		return err_set(e, PW_E_INTERNAL, "changing effect %s failed", fid);
	return 0;
}

int gov_admin_effect(pw_gov_t *g, const char *fid, bool enable, const char *reason, cJSON **out,
		     pw_err_t *e)
{
	if (out)
		*out = NULL;
	if (!fid || !*fid)
		return err_set(e, PW_E_INVALID, "an effect id is required");
	if (!reason || !*reason || strlen(reason) > 500)
		return err_set(e, PW_E_INVALID, "reason must be 1 to 500 bytes: say why the effect is %s",
			       enable ? "enabled" : "disabled");
	cJSON *pl = cJSON_CreateObject();
	cJSON_AddStringToObject(pl, "effect_id", fid);
	cJSON_AddStringToObject(pl, "reason", reason);
	int rc = tx_begin(g, e);
	if (rc == 0)
		rc = tx_end(g, admin_effect_in_tx(g, fid, enable, pl, e), e);
	if (rc == 0) /* only once it is committed */
		bus_publish_json(g->cfg.bus, event_name(enable ? PW_EV_EFFECT_ENABLED : PW_EV_EFFECT_DISABLED),
				 pl);
	cJSON_Delete(pl);
	if (rc == 0 && out)
		*out = gov_effect_json(g, fid);
	return rc;
}

/* ---- token trades ---- */

static int check_tokens(const int t[PW_TOKEN_KINDS], pw_err_t *e)
{
	int total = 0;
	for (int i = 0; i < PW_TOKEN_KINDS; i++) {
		if (t[i] < 0 || t[i] > 100)
			return err_set(e, PW_E_INVALID, "%s must be from 0 to 100", gstate_token_name(i));
		total += t[i];
	}
	return total;
}

static int covers(const pw_governor_t *gv, const int t[PW_TOKEN_KINDS], pw_err_t *e)
{
	for (int i = 0; i < PW_TOKEN_KINDS; i++)
		if (gv->tokens[i] < t[i])
			return err_set(e, PW_E_TOKENS, "governor %lld has %d %s tokens, the trade needs %d",
				      (long long)gv->id, gv->tokens[i], gstate_token_name(i), t[i]);
	return 0;
}

/* Whether gv can receive add (and give away sub) with every balance staying
 * at most PW_TOKEN_MAX: balances are bounded by the cap whatever moves them. */
static int fits(const pw_governor_t *gv, const int add[PW_TOKEN_KINDS], const int sub[PW_TOKEN_KINDS],
		pw_err_t *e)
{
	for (int i = 0; i < PW_TOKEN_KINDS; i++)
		if (gv->tokens[i] + add[i] - sub[i] > PW_TOKEN_MAX)
			return err_set(e, PW_E_CONFLICT, "the trade would lift governor %lld's %s tokens above "
				       "%d, the most anyone holds", (long long)gv->id, gstate_token_name(i),
				       PW_TOKEN_MAX);
	return 0;
}

static int trade_offer_in_tx(pw_gov_t *g, int64_t gid, int64_t to, const int offer[PW_TOKEN_KINDS],
			     const int request[PW_TOKEN_KINDS], pw_err_t *e)
{
	const pw_governor_t *from, *dst;
	int rc = enrolled(g, gid, &from, e);
	if (rc == 0)
		rc = season_live(g, e);
	if (rc == 0)
		rc = enrolled(g, to, &dst, e);
	if (rc == 0)
		rc = covers(from, offer, e);
	if (rc < 0)
		return rc;
	int64_t tid = g->s.n_trades + 1;
	cJSON *pl = cJSON_CreateObject();
	cJSON_AddNumberToObject(pl, "trade_id", (double)tid);
	cJSON_AddNumberToObject(pl, "to_governor_id", (double)to);
	cJSON_AddItemToObject(pl, "offer", tokens_json(offer));
	cJSON_AddItemToObject(pl, "request", tokens_json(request));
	return append(g, PW_EV_TRADE_OFFERED, tid, gid, from->team_id, pl, e);
}

int gov_trade_offer(pw_gov_t *g, int64_t gid, int64_t to, const int offer[PW_TOKEN_KINDS],
		    const int request[PW_TOKEN_KINDS], cJSON **out, pw_err_t *e)
{
	if (out)
		*out = NULL;
	int a = check_tokens(offer, e), b = a < 0 ? a : check_tokens(request, e);
	int rc = a < 0 ? a : b < 0 ? b : 0;
	if (rc == 0 && a + b == 0)
		rc = err_set(e, PW_E_INVALID, "a trade must move at least one token");
	else if (rc == 0 && gid == to)
		rc = err_set(e, PW_E_INVALID, "a governor cannot trade with themselves");
	if (rc == 0 && (rc = tx_begin(g, e)) == 0)
		rc = tx_end(g, trade_offer_in_tx(g, gid, to, offer, request, e), e);
	if (rc == 0 && out)
		*out = gov_trades_json(g, gid);
	return rc;
}

static int trade_respond_in_tx(pw_gov_t *g, int64_t gid, int64_t tid, bool accept, pw_err_t *e)
{
	pw_trade_t *t = gstate_trade(&g->s, tid);
	if (!t)
		return err_set(e, PW_E_NOT_FOUND, "trade %lld does not exist", (long long)tid);
	int rc0 = same_season(g, t->season_id, "trade", tid, e);
	if (rc0 == 0)
		rc0 = season_live(g, e);
	if (rc0 < 0)
		return rc0;
	if (t->to != gid)
		return err_set(e, PW_E_FORBIDDEN, "only governor %lld can answer trade %lld", (long long)t->to,
			       (long long)tid);
	if (t->status != PW_TRADE_OPEN)
		return err_set(e, PW_E_CONFLICT, "trade %lld was already %s", (long long)tid,
			       gstate_trade_status_name(t->status));
	if (accept) {
		/* Balances may have changed since the offer: check both now. */
		const pw_governor_t *a, *b;
		int rc = enrolled(g, t->from, &a, e);
		if (rc == 0)
			rc = enrolled(g, t->to, &b, e);
		if (rc == 0)
			rc = covers(a, t->offer, e);
		if (rc == 0)
			rc = covers(b, t->request, e);
		if (rc == 0)
			rc = fits(a, t->request, t->offer, e);
		if (rc == 0)
			rc = fits(b, t->offer, t->request, e);
		if (rc < 0)
			return rc;
	}
	cJSON *pl = cJSON_CreateObject();
	cJSON_AddNumberToObject(pl, "trade_id", (double)tid);
	return append(g, accept ? PW_EV_TRADE_ACCEPTED : PW_EV_TRADE_REJECTED, tid, gid, 0, pl, e);
}

int gov_trade_respond(pw_gov_t *g, int64_t gid, int64_t tid, bool accept, cJSON **out, pw_err_t *e)
{
	if (out)
		*out = NULL;
	int rc = tx_begin(g, e);
	if (rc == 0)
		rc = tx_end(g, trade_respond_in_tx(g, gid, tid, accept, e), e);
	if (rc == 0 && out)
		*out = gov_trades_json(g, gid);
	return rc;
}

static int trade_withdraw_in_tx(pw_gov_t *g, int64_t gid, int64_t tid, pw_err_t *e)
{
	pw_trade_t *t = gstate_trade(&g->s, tid);
	if (!t)
		return err_set(e, PW_E_NOT_FOUND, "trade %lld does not exist", (long long)tid);
	int rc = same_season(g, t->season_id, "trade", tid, e);
	if (rc < 0)
		return rc;
	if (t->from != gid)
		return err_set(e, PW_E_FORBIDDEN, "only governor %lld, who offered trade %lld, can withdraw it",
			       (long long)t->from, (long long)tid);
	if (t->status != PW_TRADE_OPEN)
		return err_set(e, PW_E_CONFLICT, "trade %lld was already %s", (long long)tid,
			       gstate_trade_status_name(t->status));
	cJSON *pl = cJSON_CreateObject();
	cJSON_AddNumberToObject(pl, "trade_id", (double)tid);
	return append(g, PW_EV_TRADE_WITHDRAWN, tid, gid, 0, pl, e);
}

int gov_trade_withdraw(pw_gov_t *g, int64_t gid, int64_t tid, cJSON **out, pw_err_t *e)
{
	if (out)
		*out = NULL;
	int rc = tx_begin(g, e);
	if (rc == 0)
		rc = tx_end(g, trade_withdraw_in_tx(g, gid, tid, e), e);
	if (rc == 0 && out)
		*out = gov_trades_json(g, gid);
	return rc;
}

/* ---- hooper trades ---- */

static int team_approved(const pw_gstate_t *s, const pw_hooper_trade_t *h, int64_t team)
{
	int k = gstate_team_governors(s, team), n = 0;
	for (int i = 0; i < h->n_approvals; i++) {
		const pw_governor_t *gv = gstate_governor(s, h->approvals[i]);
		if (gv && gv->team_id == team && gv->season_id == s->season.id)
			n++;
	}
	return k > 0 && 2 * n > k;
}

/* The round at whose tally an open trade made at made_round expires. */
static int expires_after(const pw_gov_t *g, int made_round)
{
	return made_round + trade_window(g);
}

static cJSON *htrade_json(const pw_gov_t *g, const pw_hooper_trade_t *h)
{
	const pw_gstate_t *s = &g->s;
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "id", (double)h->id);
	cJSON_AddNumberToObject(o, "proposer_id", (double)h->proposer);
	cJSON_AddNumberToObject(o, "team_a", (double)h->team_a);
	cJSON_AddNumberToObject(o, "team_b", (double)h->team_b);
	cJSON_AddNumberToObject(o, "hooper_a", (double)h->hooper_a);
	cJSON_AddNumberToObject(o, "hooper_b", (double)h->hooper_b);
	cJSON_AddStringToObject(o, "status", gstate_htrade_status_name(h->status));
	if (h->reason[0])
		cJSON_AddStringToObject(o, "reason", h->reason);
	cJSON_AddNumberToObject(o, "season_id", (double)h->season_id);
	cJSON_AddNumberToObject(o, "round", h->round);
	if (h->status == PW_HTRADE_PENDING)
		cJSON_AddNumberToObject(o, "expires_after_round", expires_after(g, h->round));
	cJSON_AddBoolToObject(o, "team_a_approved", team_approved(s, h, h->team_a));
	cJSON_AddBoolToObject(o, "team_b_approved", team_approved(s, h, h->team_b));
	cJSON *ap = cJSON_AddArrayToObject(o, "approvals");
	for (int i = 0; i < h->n_approvals; i++)
		cJSON_AddItemToArray(ap, cJSON_CreateNumber((double)h->approvals[i]));
	return o;
}

/* Executes h if both teams approve and both hoopers are still where they were. */
static int maybe_execute(pw_gov_t *g, int64_t tid, pw_err_t *e)
{
	pw_hooper_trade_t *h = gstate_htrade(&g->s, tid);
	if (!h || h->status != PW_HTRADE_PENDING || !team_approved(&g->s, h, h->team_a) ||
	    !team_approved(&g->s, h, h->team_b))
		return 0;
	int64_t ta, tb;
	int sa, sb;
	int ra = store_hooper_team(g->st, h->hooper_a, &ta, &sa);
	int rb = store_hooper_team(g->st, h->hooper_b, &tb, &sb);
	if (ra < 0 || rb < 0)
		return err_set(e, PW_E_INTERNAL, "reading the traded hoopers failed: %s", store_errmsg(g->st));
	if (ra != 1 || rb != 1 || ta != h->team_a || tb != h->team_b) {
		/* A hooper moved since the proposal: the trade cannot happen any
		 * more. Settle it as rejected (the approval still counts) rather
		 * than fail, or it would stay pending and refuse every approval. */
		cJSON *pl = cJSON_CreateObject();
		cJSON_AddNumberToObject(pl, "trade_id", (double)tid);
		cJSON_AddStringToObject(pl, "reason", "a hooper changed teams since the trade was proposed");
		return append(g, PW_EV_HOOPER_TRADE_REJECTED, tid, 0, 0, pl, e);
	}
	/* Each hooper takes the other's roster slot, so starters stay first. */
	if (store_hooper_move(g->st, h->hooper_a, tb, sb) < 0 || store_hooper_move(g->st, h->hooper_b, ta, sa) < 0)
		return err_set(e, PW_E_INTERNAL, "moving hoopers failed: %s", store_errmsg(g->st));
	cJSON *pl = cJSON_CreateObject();
	cJSON_AddNumberToObject(pl, "trade_id", (double)tid);
	cJSON_AddNumberToObject(pl, "hooper_a", (double)h->hooper_a);
	cJSON_AddNumberToObject(pl, "hooper_b", (double)h->hooper_b);
	cJSON_AddNumberToObject(pl, "team_a", (double)h->team_a);
	cJSON_AddNumberToObject(pl, "team_b", (double)h->team_b);
	return append(g, PW_EV_HOOPER_TRADE_EXECUTED, tid, 0, 0, pl, e);
}

static int htrade_propose_in_tx(pw_gov_t *g, int64_t gid, int64_t ha, int64_t hb, int64_t *tid,
				pw_err_t *e)
{
	const pw_governor_t *gv;
	int rc = enrolled(g, gid, &gv, e);
	if (rc < 0 || (rc = season_live(g, e)) < 0)
		return rc;
	int64_t ta, tb;
	int sa, sb;
	if (store_hooper_team(g->st, ha, &ta, &sa) != 1 || store_hooper_team(g->st, hb, &tb, &sb) != 1)
		return err_set(e, PW_E_NOT_FOUND, "hooper %lld or %lld does not exist", (long long)ha,
			       (long long)hb);
	if (ta != gv->team_id)
		return err_set(e, PW_E_FORBIDDEN, "hooper %lld is not on your team", (long long)ha);
	if (tb == ta)
		return err_set(e, PW_E_INVALID, "both hoopers are on the same team");
	*tid = g->s.n_htrades + 1;
	cJSON *pl = cJSON_CreateObject();
	cJSON_AddNumberToObject(pl, "trade_id", (double)*tid);
	cJSON_AddNumberToObject(pl, "team_a", (double)ta);
	cJSON_AddNumberToObject(pl, "team_b", (double)tb);
	cJSON_AddNumberToObject(pl, "hooper_a", (double)ha);
	cJSON_AddNumberToObject(pl, "hooper_b", (double)hb);
	if ((rc = append(g, PW_EV_HOOPER_TRADE_PROPOSED, *tid, gid, ta, pl, e)) < 0)
		return rc;
	return maybe_execute(g, *tid, e);
}

int gov_hooper_trade_propose(pw_gov_t *g, int64_t gid, int64_t ha, int64_t hb, cJSON **out, pw_err_t *e)
{
	if (out)
		*out = NULL;
	int64_t tid = 0;
	int rc = tx_begin(g, e);
	if (rc == 0)
		rc = tx_end(g, htrade_propose_in_tx(g, gid, ha, hb, &tid, e), e);
	if (rc == 0 && out)
		*out = htrade_json(g, gstate_htrade(&g->s, tid));
	return rc;
}

/* The enrolled governor gid of one of the two teams, and pending hooper
 * trade tid of this season; or the first error. */
static int htrade_party(pw_gov_t *g, int64_t gid, int64_t tid, const char *doing,
			const pw_governor_t **gv, pw_hooper_trade_t **out, pw_err_t *e)
{
	int rc = enrolled(g, gid, gv, e);
	if (rc < 0 || (rc = season_live(g, e)) < 0)
		return rc;
	pw_hooper_trade_t *h = *out = gstate_htrade(&g->s, tid);
	if (!h)
		return err_set(e, PW_E_NOT_FOUND, "hooper trade %lld does not exist", (long long)tid);
	if ((rc = same_season(g, h->season_id, "hooper trade", tid, e)) < 0)
		return rc;
	if (h->status != PW_HTRADE_PENDING)
		return err_set(e, PW_E_CONFLICT, "hooper trade %lld is already settled (%s)", (long long)tid,
			       gstate_htrade_status_name(h->status));
	if ((*gv)->team_id != h->team_a && (*gv)->team_id != h->team_b)
		return err_set(e, PW_E_FORBIDDEN, "only governors of the two teams can %s trade %lld", doing,
			       (long long)tid);
	return 0;
}

static int htrade_approve_in_tx(pw_gov_t *g, int64_t gid, int64_t tid, pw_err_t *e)
{
	const pw_governor_t *gv;
	pw_hooper_trade_t *h;
	int rc = htrade_party(g, gid, tid, "approve", &gv, &h, e);
	if (rc < 0)
		return rc;
	for (int i = 0; i < h->n_approvals; i++)
		if (h->approvals[i] == gid)
			return err_set(e, PW_E_CONFLICT, "governor %lld already approved trade %lld",
				       (long long)gid, (long long)tid);
	/* The fold keeps PW_MAX_APPROVALS approvals; one more could not be
	 * checked for duplicates, so it is refused. */
	if (h->n_approvals >= PW_MAX_APPROVALS)
		return err_set(e, PW_E_CONFLICT, "trade %lld already has %d approvals, the most it can hold",
			       (long long)tid, PW_MAX_APPROVALS);
	cJSON *pl = cJSON_CreateObject();
	cJSON_AddNumberToObject(pl, "trade_id", (double)tid);
	if ((rc = append(g, PW_EV_HOOPER_TRADE_APPROVED, tid, gid, gv->team_id, pl, e)) < 0)
		return rc;
	return maybe_execute(g, tid, e);
}

static int htrade_reject_in_tx(pw_gov_t *g, int64_t gid, int64_t tid, pw_err_t *e)
{
	const pw_governor_t *gv;
	pw_hooper_trade_t *h;
	int rc = htrade_party(g, gid, tid, "reject", &gv, &h, e);
	if (rc < 0)
		return rc;
	cJSON *pl = cJSON_CreateObject();
	cJSON_AddNumberToObject(pl, "trade_id", (double)tid);
	char why[96];
	snprintf(why, sizeof why, "rejected by governor %lld of team %lld", (long long)gid,
		 (long long)gv->team_id);
	cJSON_AddStringToObject(pl, "reason", why);
	return append(g, PW_EV_HOOPER_TRADE_REJECTED, tid, gid, gv->team_id, pl, e);
}

int gov_hooper_trade_reject(pw_gov_t *g, int64_t gid, int64_t tid, cJSON **out, pw_err_t *e)
{
	if (out)
		*out = NULL;
	int rc = tx_begin(g, e);
	if (rc == 0)
		rc = tx_end(g, htrade_reject_in_tx(g, gid, tid, e), e);
	if (rc == 0 && out)
		*out = htrade_json(g, gstate_htrade(&g->s, tid));
	return rc;
}

int gov_hooper_trade_approve(pw_gov_t *g, int64_t gid, int64_t tid, cJSON **out, pw_err_t *e)
{
	if (out)
		*out = NULL;
	int rc = tx_begin(g, e);
	if (rc == 0)
		rc = tx_end(g, htrade_approve_in_tx(g, gid, tid, e), e);
	if (rc == 0 && out)
		*out = htrade_json(g, gstate_htrade(&g->s, tid));
	return rc;
}

/* ---- strategy ---- */

/* *shown (the caller's, also on failure): {strategy, note} for the answer. */
static int strategy_in_tx(pw_gov_t *g, int64_t gid, const char *text, const pw_strategy_t *st,
			  const char *note, cJSON **shown, pw_err_t *e)
{
	const pw_governor_t *gv;
	int rc = enrolled(g, gid, &gv, e);
	if (rc < 0)
		return rc;
	int64_t team = gv->team_id;
	cJSON *a = cJSON_CreateObject();
	cJSON_AddStringToObject(a, "text", text);
	cJSON *sj = roster_strategy_to_json(st);
	cJSON *b = *shown = cJSON_CreateObject();
	cJSON_AddItemToObject(b, "strategy", cJSON_Duplicate(sj, 1));
	cJSON_AddStringToObject(b, "note", note);
	if ((rc = append(g, PW_EV_STRATEGY_SET, team, gid, team, a, e)) == 0 &&
	    (rc = append(g, PW_EV_STRATEGY_INTERPRETED, team, gid, team, cJSON_Duplicate(b, 1), e)) == 0 &&
	    store_team_set_strategy(g->st, team, sj, text) < 0)
		rc = err_set(e, PW_E_INTERNAL, "saving the strategy failed");
	cJSON_AddNumberToObject(b, "team_id", (double)team);
	cJSON_Delete(sj);
	return rc;
}

int gov_strategy_set(pw_gov_t *g, int64_t gid, const char *text, cJSON **out, pw_err_t *e)
{
	if (out)
		*out = NULL;
	cJSON *shown = NULL;
	int rc = 0;
	if (!text || !*text || strlen(text) > 1000)
		rc = err_set(e, PW_E_INVALID, "text must be 1 to 1000 characters");
	if (rc == 0) {
		/* Interpreted before the transaction: it holds the write lock. */
		pw_strategy_t st;
		char note[256];
		if (!g->cfg.strategy || g->cfg.strategy(g->cfg.strategy_ud, text, &st, note, sizeof note) < 0)
			interp_strategy(text, &st, note, sizeof note);
		if ((rc = tx_begin(g, e)) == 0)
			rc = tx_end(g, strategy_in_tx(g, gid, text, &st, note, &shown, e), e);
	}
	if (rc == 0 && out) {
		cJSON_AddStringToObject(shown, "text", text);
		*out = shown;
		shown = NULL;
	}
	cJSON_Delete(shown);
	return rc;
}

/* ---- hooper bios ---- */

static int bio_in_tx(pw_gov_t *g, int64_t gid, int64_t hid, const char *text, int64_t *team, pw_err_t *e)
{
	const pw_governor_t *gv;
	int rc = enrolled(g, gid, &gv, e);
	if (rc < 0)
		return rc;
	int slot;
	int found = store_hooper_team(g->st, hid, team, &slot);
	if (found < 0)
		return err_set(e, PW_E_INTERNAL, "reading the hooper failed: %s", store_errmsg(g->st));
	if (found == 0)
		return err_set(e, PW_E_NOT_FOUND, "hooper %lld does not exist", (long long)hid);
	if (*team != gv->team_id)
		return err_set(e, PW_E_FORBIDDEN, "hooper %lld plays for team %lld: only their own team's "
			       "governors write their bio", (long long)hid, (long long)*team);
	cJSON *p = cJSON_CreateObject();
	cJSON_AddNumberToObject(p, "hooper_id", (double)hid);
	cJSON_AddStringToObject(p, "text", text);
	if ((rc = append(g, PW_EV_HOOPER_BIO_SET, hid, gid, *team, p, e)) < 0)
		return rc;
	if (store_hooper_set_bio(g->st, hid, text) < 0)
		return err_set(e, PW_E_INTERNAL, "saving the bio failed: %s", store_errmsg(g->st));
	return 0;
}

int gov_hooper_bio_set(pw_gov_t *g, int64_t gid, int64_t hid, const char *text, cJSON **out, pw_err_t *e)
{
	if (out)
		*out = NULL;
	int64_t team = 0;
	/* The bio is a hooper's backstory, which the roster holds in
	 * PW_TEXT_MAX bytes. */
	int rc = gov_check_text("text", text, PW_TEXT_MAX - 1, e);
	if (rc == 0 && (rc = tx_begin(g, e)) == 0)
		rc = tx_end(g, bio_in_tx(g, gid, hid, text, &team, e), e);
	if (rc == 0 && out) {
		*out = cJSON_CreateObject();
		cJSON_AddNumberToObject(*out, "hooper_id", (double)hid);
		cJSON_AddNumberToObject(*out, "team_id", (double)team);
		cJSON_AddStringToObject(*out, "bio", text);
	}
	return rc;
}

/* ---- read models ---- */

static cJSON *proposal_obj(pw_gov_t *g, const pw_proposal_t *p)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "id", (double)p->id);
	cJSON_AddNumberToObject(o, "season_id", (double)p->season_id);
	cJSON_AddNumberToObject(o, "governor_id", (double)p->governor_id);
	cJSON_AddNumberToObject(o, "team_id", (double)p->team_id);
	cJSON_AddNumberToObject(o, "round", p->round);
	cJSON_AddStringToObject(o, "status", gstate_status_name(p->status));
	cJSON_AddStringToObject(o, "text", p->text ? p->text : "");
	if (p->amendments) {
		cJSON_AddStringToObject(o, "original_text", p->original_text ? p->original_text : "");
		cJSON_AddNumberToObject(o, "amendments", p->amendments);
	}
	if (p->effect_lua)
		cJSON_AddStringToObject(o, "effect_lua", p->effect_lua);
	cJSON_AddItemToObject(o, "interpretation",
			      p->interpretation ? cJSON_Duplicate(p->interpretation, 1) : cJSON_CreateNull());
	cJSON_AddNumberToObject(o, "tier", p->tier);
	cJSON_AddNumberToObject(o, "cost", p->cost);
	/* What the proposer paid for it so far: what a veto would give back. */
	cJSON_AddItemToObject(o, "spent", tokens_json(p->spent));
	bool tallied = p->status == PW_PROP_PASSED || p->status == PW_PROP_FAILED || p->status == PW_PROP_HELD;
	double thr = tallied ? p->tally_threshold : gstate_threshold(p->tier, &g->s.rules);
	cJSON_AddNumberToObject(o, "threshold", thr);
	cJSON_AddItemToObject(o, "impact", p->impact ? cJSON_Duplicate(p->impact, 1) : cJSON_CreateNull());
	cJSON_AddBoolToObject(o, "flagged", p->flagged && !p->cleared);
	cJSON *t = cJSON_AddObjectToObject(o, "tally");
	double yes, no;
	if (tallied) {
		yes = p->tally_yes;
		no = p->tally_no;
	} else {
		gstate_tally(&g->s, p, &yes, &no);
	}
	cJSON_AddNumberToObject(t, "yes", yes);
	cJSON_AddNumberToObject(t, "no", no);
	cJSON_AddNumberToObject(t, "share", yes + no > 0 ? yes / (yes + no) : 0);
	cJSON_AddNumberToObject(t, "votes", p->n_votes);
	cJSON_AddBoolToObject(t, "final", tallied);
	if (tallied)
		cJSON_AddNumberToObject(t, "round", p->tally_round);
	return o;
}

cJSON *gov_proposal_json(pw_gov_t *g, int64_t pid)
{
	gov_sync(g);
	const pw_proposal_t *p = gstate_proposal(&g->s, pid);
	return p ? proposal_obj(g, p) : NULL;
}

cJSON *gov_proposals_json(pw_gov_t *g, int64_t season_id, const char *status)
{
	gov_sync(g);
	if (!season_id)
		season_id = g->s.season.id;
	int want = status ? gstate_status_find(status) : -1;
	cJSON *arr = cJSON_CreateArray();
	for (int i = 0; i < g->s.n_props; i++) {
		const pw_proposal_t *p = &g->s.props[i];
		if (p->season_id != season_id || (want >= 0 && (int)p->status != want))
			continue;
		cJSON_AddItemToArray(arr, proposal_obj(g, p));
	}
	return arr;
}

static cJSON *governor_obj(pw_gov_t *g, const pw_governor_t *gv, bool detail)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "id", (double)gv->id);
	cJSON_AddStringToObject(o, "name", gv->name);
	cJSON_AddNumberToObject(o, "team_id", (double)gv->team_id);
	cJSON_AddBoolToObject(o, "enrolled", gv->season_id == g->s.season.id);
	cJSON_AddItemToObject(o, "tokens", tokens_json(gv->tokens));
	cJSON_AddNumberToObject(o, "proposals_count", gv->proposals);
	cJSON_AddNumberToObject(o, "votes_count", gv->votes);
	if (!detail)
		return o;
	cJSON *props = cJSON_AddArrayToObject(o, "proposals");
	cJSON *votes = cJSON_AddArrayToObject(o, "votes");
	for (int i = 0; i < g->s.n_props; i++) {
		const pw_proposal_t *p = &g->s.props[i];
		if (p->governor_id == gv->id) {
			cJSON *b = cJSON_CreateObject();
			cJSON_AddNumberToObject(b, "id", (double)p->id);
			cJSON_AddStringToObject(b, "status", gstate_status_name(p->status));
			cJSON_AddStringToObject(b, "text", p->text ? p->text : "");
			cJSON_AddItemToArray(props, b);
		}
		for (int k = 0; k < p->n_votes; k++)
			if (p->votes[k].governor_id == gv->id) {
				cJSON *v = cJSON_CreateObject();
				cJSON_AddNumberToObject(v, "proposal_id", (double)p->id);
				cJSON_AddStringToObject(v, "vote", p->votes[k].yes ? "yes" : "no");
				cJSON_AddBoolToObject(v, "boost", p->votes[k].boost);
				cJSON_AddItemToArray(votes, v);
			}
	}
	return o;
}

cJSON *gov_governor_json(pw_gov_t *g, int64_t gid)
{
	gov_sync(g);
	const pw_governor_t *gv = gstate_governor(&g->s, gid);
	return gv ? governor_obj(g, gv, true) : NULL;
}

cJSON *gov_governors_json(pw_gov_t *g)
{
	gov_sync(g);
	cJSON *arr = cJSON_CreateArray();
	for (int i = 0; i < g->s.n_govs; i++)
		cJSON_AddItemToArray(arr, governor_obj(g, &g->s.govs[i], false));
	return arr;
}

static void add_rule_value(cJSON *o, const char *key, const pw_rule_def_t *d, double v)
{
	if (d->type == PW_RULE_BOOL)
		cJSON_AddBoolToObject(o, key, v != 0);
	else
		cJSON_AddNumberToObject(o, key, v);
}

cJSON *gov_rules_current_json(pw_gov_t *g)
{
	gov_sync(g);
	cJSON *o = cJSON_CreateObject();
	cJSON_AddItemToObject(o, "rules", rules_to_json(&g->s.rules));
	cJSON *ch = cJSON_AddArrayToObject(o, "changes");
	/* One row per parameter that differs from its default, with the
	 * proposal that last set it. */
	for (size_t i = 0; i < rules_count; i++) {
		const pw_rule_def_t *d = &rules_defs[i];
		double v = rules_get(&g->s.rules, d);
		if (fabs(v - d->def) < 1e-12)
			continue;
		cJSON *c = cJSON_CreateObject();
		cJSON_AddStringToObject(c, "name", d->name);
		add_rule_value(c, "default", d, d->def);
		add_rule_value(c, "value", d, v);
		const pw_rule_change_t *last = NULL;
		for (int k = 0; k < g->s.n_changes; k++)
			if (!strcmp(g->s.changes[k].name, d->name))
				last = &g->s.changes[k];
		if (last) {
			cJSON_AddNumberToObject(c, "proposal_id", (double)last->proposal_id);
			cJSON_AddNumberToObject(c, "round", last->round);
		} else {
			cJSON_AddNullToObject(c, "proposal_id");
			cJSON_AddNullToObject(c, "round");
		}
		cJSON_AddItemToArray(ch, c);
	}
	return o;
}

cJSON *gov_rules_history_json(pw_gov_t *g)
{
	gov_sync(g);
	cJSON *arr = cJSON_CreateArray();
	for (int i = 0; i < g->s.n_changes; i++) {
		const pw_rule_change_t *c = &g->s.changes[i];
		const pw_rule_def_t *d = rules_find(c->name);
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "name", c->name);
		if (d) {
			add_rule_value(o, "default", d, d->def);
			add_rule_value(o, "old", d, c->old_value);
			add_rule_value(o, "value", d, c->new_value);
		}
		cJSON_AddNumberToObject(o, "proposal_id", (double)c->proposal_id);
		cJSON_AddNumberToObject(o, "season_id", (double)c->season_id);
		cJSON_AddNumberToObject(o, "round", c->round);
		cJSON_AddItemToArray(arr, o);
	}
	return arr;
}

static cJSON *effect_obj(const pw_effect_rec_t *ef, bool source)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "id", ef->id);
	cJSON_AddStringToObject(o, "name", ef->name);
	cJSON_AddNumberToObject(o, "proposal_id", (double)ef->proposal_id);
	cJSON_AddStringToObject(o, "status", gstate_fx_status_name(ef->status));
	cJSON_AddStringToObject(o, "lifetime", ef->lifetime);
	if (ef->rounds)
		cJSON_AddNumberToObject(o, "rounds", ef->rounds);
	cJSON_AddNumberToObject(o, "season_id", (double)ef->season_id);
	cJSON_AddNumberToObject(o, "start_round", ef->start_round);
	cJSON_AddItemToObject(o, "hooks", ef->hooks ? cJSON_Duplicate(ef->hooks, 1) : cJSON_CreateArray());
	cJSON_AddStringToObject(o, "sha256", ef->sha);
	/* Why it stopped (or came back), and after which round. */
	if (ef->end_reason[0]) {
		cJSON_AddStringToObject(o, "reason", ef->end_reason);
		cJSON_AddNumberToObject(o, "status_round", ef->status_round);
	}
	if (source)
		cJSON_AddStringToObject(o, "source", ef->source ? ef->source : "");
	return o;
}

cJSON *gov_effects_list_json(pw_gov_t *g, unsigned mask)
{
	gov_sync(g);
	cJSON *arr = cJSON_CreateArray();
	for (int i = 0; i < g->s.n_effects; i++)
		if (mask & PW_FX_MASK(g->s.effects[i].status))
			cJSON_AddItemToArray(arr, effect_obj(&g->s.effects[i], true));
	return arr;
}

cJSON *gov_effects_json(pw_gov_t *g, bool active_only)
{
	return gov_effects_list_json(g, active_only ? PW_FX_MASK(PW_FX_ACTIVE) : PW_FX_MASK_ALL);
}

cJSON *gov_effect_json(pw_gov_t *g, const char *fid)
{
	gov_sync(g);
	const pw_effect_rec_t *ef = gstate_effect(&g->s, fid);
	return ef ? effect_obj(ef, true) : NULL;
}

cJSON *gov_trades_json(pw_gov_t *g, int64_t gid)
{
	gov_sync(g);
	const pw_governor_t *me = gid ? gstate_governor(&g->s, gid) : NULL;
	cJSON *o = cJSON_CreateObject();
	cJSON *tt = cJSON_AddArrayToObject(o, "token_trades");
	for (int i = 0; i < g->s.n_trades; i++) {
		const pw_trade_t *t = &g->s.trades[i];
		if (gid && t->from != gid && t->to != gid)
			continue;
		cJSON *x = cJSON_CreateObject();
		cJSON_AddNumberToObject(x, "id", (double)t->id);
		cJSON_AddNumberToObject(x, "from_governor_id", (double)t->from);
		cJSON_AddNumberToObject(x, "to_governor_id", (double)t->to);
		cJSON_AddItemToObject(x, "offer", tokens_json(t->offer));
		cJSON_AddItemToObject(x, "request", tokens_json(t->request));
		cJSON_AddStringToObject(x, "status", gstate_trade_status_name(t->status));
		cJSON_AddNumberToObject(x, "season_id", (double)t->season_id);
		cJSON_AddNumberToObject(x, "round", t->round);
		if (t->status == PW_TRADE_OPEN)
			cJSON_AddNumberToObject(x, "expires_after_round", expires_after(g, t->round));
		cJSON_AddItemToArray(tt, x);
	}
	cJSON *ht = cJSON_AddArrayToObject(o, "hooper_trades");
	for (int i = 0; i < g->s.n_htrades; i++) {
		const pw_hooper_trade_t *h = &g->s.htrades[i];
		/* A hooper trade involves every governor of its two teams. */
		if (gid && h->proposer != gid &&
		    (!me || (me->team_id != h->team_a && me->team_id != h->team_b)))
			continue;
		cJSON_AddItemToArray(ht, htrade_json(g, h));
	}
	return o;
}
