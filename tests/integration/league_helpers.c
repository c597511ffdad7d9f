#include "tests/integration/league_helpers.h"

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/league/store_internal.h" /* store_pg_open: the backend as ported so far */
#include "core/sim/rng.h"
#include "core/sim/sha256.h"
#include "tests/pgtest.h"
#include "tests/test.h"

/* lt_use_postgres: the databases this test opened by name, one each
 * (tests run in processes of their own, so this is per test). */
static bool lt_pg;
static struct {
	char name[64];
	char *url;
} lt_pg_dbs[32];

void lt_use_postgres(void)
{
	lt_pg = true;
}

/* Called by every helper that opens a database: the PostgreSQL pass makes
 * each test a pg_ twin of itself. */
static bool lt_pg_now(void)
{
	if (test_on_postgres())
		lt_pg = true;
	return lt_pg;
}

bool lt_on_postgres(void)
{
	return lt_pg_now();
}

/* The PostgreSQL database standing for name: made on first use, the same
 * one after. NULL when the test was skipped or failed. */
static const char *lt_pg_url(const char *name)
{
	int i = 0;
	int n = (int)(sizeof lt_pg_dbs / sizeof lt_pg_dbs[0]);
	while (i < n && lt_pg_dbs[i].url && strcmp(lt_pg_dbs[i].name, name) != 0)
		i++;
	if (i == n) {
		test_fail(__FILE__, __LINE__, "more than %d databases in one test", n);
		return NULL;
	}
	if (!lt_pg_dbs[i].url) {
		lt_pg_dbs[i].url = pgtest_database();
		snprintf(lt_pg_dbs[i].name, sizeof lt_pg_dbs[i].name, "%s", name);
	}
	return lt_pg_dbs[i].url;
}

/* The PostgreSQL store standing for name, opened in mode. store_pg_open,
 * not store_open: the program refuses the backend while a function of it
 * is missing, and the tests still use the rest. */
static pw_store_t *lt_pg_open(const char *name, store_open_mode_t mode)
{
	char err[512];
	const char *url = lt_pg_url(name);
	pw_store_t *s = url ? store_pg_open(url, mode, err, sizeof err) : NULL;
	if (url && !s)
		test_fail(__FILE__, __LINE__, "open %s on PostgreSQL: %s", name, err);
	return s;
}

const char *lt_db(const char *name)
{
	static char path[512];
	if (lt_pg_now())
		return lt_pg_url(name);
	snprintf(path, sizeof path, "%s/%s", test_tmpdir(), name);
	return path;
}

pw_store_t *lt_open(const char *name)
{
	char path[512], err[512];
	if (lt_pg_now())
		return lt_pg_open(name, STORE_OPEN_MIGRATE);
	snprintf(path, sizeof path, "%s/%s", test_tmpdir(), name);
	pw_store_t *s = store_open(path, err, sizeof err);
	if (!s)
		test_fail(__FILE__, __LINE__, "open %s: %s", path, err);
	return s;
}

pw_store_t *lt_viewer(const char *name)
{
	char path[512], err[512];
	if (lt_pg_now())
		return lt_pg_open(name, STORE_OPEN_VIEWER);
	snprintf(path, sizeof path, "%s/%s", test_tmpdir(), name);
	pw_store_t *v = store_open_viewer(path, err, sizeof err);
	if (!v)
		test_fail(__FILE__, __LINE__, "viewer %s: %s", path, err);
	return v;
}

pw_gov_t *lt_league(pw_store_t *s, int n)
{
	pw_gov_cfg_t cfg = {.scripts_dir = "/nonexistent"};
	return lt_league_with(s, n, &cfg);
}

pw_gov_t *lt_league_with(pw_store_t *s, int n, const pw_gov_cfg_t *cfg)
{
	pw_err_t e;
	int64_t lid;
	if (season_setup_league(s, "Test League", 42, n, &lid, &e) < 0) {
		test_fail(__FILE__, __LINE__, "league: %s", e.msg);
		return NULL;
	}
	pw_gov_t *g = gov_open(s, cfg);
	int64_t sid;
	if (season_create(g, NULL, true, NULL, 0, &sid, &e) < 0)
		test_fail(__FILE__, __LINE__, "season: %s", e.msg);
	return g;
}

int lt_fake_sim(const pw_game_input_t *in, pw_game_result_t *r)
{
	pw_rng_t rng;
	rng_seed(&rng, in->seed);
	r->game_id = in->game_id;
	r->round = in->round;
	r->seed = in->seed;
	r->home = in->home;
	r->away = in->away;
	r->rules = *in->rules;
	int bonus = (in->rules->three_point_value - 3) * 5;
	int hs = 40 + (int)rng_below(&rng, 30) + bonus + (in->rules->home_court_enabled ? 3 : 0);
	int as = 40 + (int)rng_below(&rng, 30) + bonus;
	if (hs == as)
		hs++;
	r->home_score = hs;
	r->away_score = as;
	r->winner = hs > as ? 0 : 1;
	r->n_quarters = 1;
	r->quarters[0] = (pw_quarter_score_t){1, hs, as};
	memset(r->box, 0, sizeof r->box);
	for (int t = 0; t < 2; t++)
		for (int k = 0; k < PW_ROSTER_SIZE; k++) {
			const pw_team_t *tm = t ? in->away : in->home;
			r->box[t][k].hooper_id = tm->hoopers[k].id;
			r->box[t][k].team_id = tm->id;
			r->box[t][k].points = k == 0 ? (t ? as : hs) : 0;
			r->box[t][k].fga = k == 0 ? 30 : 2;
			r->box[t][k].fgm = k == 0 ? (t ? as : hs) / 2 : 0;
			r->box[t][k].steals = (int)rng_below(&rng, 4);
		}
	/* Two-point plays alternating until both totals are reached. */
	r->n_plays = 0;
	int h = 0, a = 0, n = 0;
	while (h < hs || a < as) {
		if (r->n_plays == r->cap_plays) {
			size_t nc = r->cap_plays ? r->cap_plays * 2 : 64;
			pw_play_t *np = realloc(r->plays, nc * sizeof *np);
			if (!np)
				return -1;
			r->plays = np;
			r->cap_plays = nc;
		}
		int side = (n % 2 == 0 && h < hs) || a >= as ? 0 : 1;
		int pts = side == 0 ? (hs - h >= 2 ? 2 : 1) : (as - a >= 2 ? 2 : 1);
		if (side == 0)
			h += pts;
		else
			a += pts;
		pw_play_t *p = &r->plays[r->n_plays++];
		memset(p, 0, sizeof *p);
		p->n = ++n;
		p->quarter = 1;
		p->offense = (int8_t)side;
		p->action = PW_ACT_AT_RIM;
		p->result = PW_RES_MADE;
		p->scheme = -1;
		p->move = -1;
		p->points = (int8_t)pts;
		p->home_score = (int16_t)h;
		p->away_score = (int16_t)a;
		p->handler_id = (side ? in->away : in->home)->hoopers[0].id;
		p->narrative = -1;
	}
	r->total_possessions = n;
	r->n_effects = 0;
	return 0;
}

void lt_cfg(pw_round_cfg_t *c, pw_gov_t *g)
{
	memset(c, 0, sizeof *c);
	c->gov = g;
	c->sim = lt_fake_sim;
	c->championship_seconds = 0;
	c->holder = "test";
}

int64_t lt_join(pw_gov_t *g, const char *name, int64_t team, char *tok)
{
	cJSON *o = NULL;
	pw_err_t e;
	if (gov_join(g, name, team, &o, &e) < 0) {
		test_fail(__FILE__, __LINE__, "join: %s", e.msg);
		return 0;
	}
	int64_t id = (int64_t)cJSON_GetObjectItem(o, "governor_id")->valuedouble;
	if (tok)
		strcpy(tok, cJSON_GetObjectItem(o, "token")->valuestring);
	cJSON_Delete(o);
	return id;
}

int64_t lt_draft(pw_gov_t *g, int64_t gid, const char *text, const char *lua)
{
	cJSON *o = NULL;
	pw_err_t e;
	if (gov_propose(g, gid, text, lua, &o, &e) < 0) {
		test_fail(__FILE__, __LINE__, "propose \"%s\": %s", text, e.msg);
		return 0;
	}
	int64_t id = (int64_t)cJSON_GetObjectItem(o, "id")->valuedouble;
	cJSON_Delete(o);
	return id;
}

int64_t lt_propose(pw_gov_t *g, int64_t gid, const char *text)
{
	int64_t id = lt_draft(g, gid, text, NULL);
	pw_err_t e;
	if (id && gov_confirm(g, gid, id, NULL, &e) < 0) {
		test_fail(__FILE__, __LINE__, "confirm: %s", e.msg);
		return 0;
	}
	return id;
}

void lt_vote(pw_gov_t *g, int64_t gid, int64_t pid, bool yes, bool boost)
{
	pw_err_t e;
	if (gov_vote(g, gid, pid, yes, boost, NULL, &e) < 0)
		test_fail(__FILE__, __LINE__, "vote by %lld on %lld: %s", (long long)gid, (long long)pid, e.msg);
}

void lt_tally(pw_gov_t *g, int round)
{
	pw_err_t e;
	pw_store_t *s = gov_store(g);
	if (store_begin(s) < 0 || gov_tally_in_tx(g, round, NULL, &e) < 0) {
		test_fail(__FILE__, __LINE__, "tally of round %d: %s", round, e.msg);
		store_rollback(s);
		return;
	}
	if (store_commit(s) < 0)
		test_fail(__FILE__, __LINE__, "tally of round %d: commit failed", round);
	gov_sync(g);
}

int lt_tokens(pw_gov_t *g, int64_t gid, int kind)
{
	gov_sync(g);
	const pw_governor_t *gv = gstate_governor(gov_state(g), gid);
	return gv ? gv->tokens[kind] : -99;
}

const char *lt_status(pw_gov_t *g, int64_t pid)
{
	gov_sync(g);
	const pw_proposal_t *p = gstate_proposal(gov_state(g), pid);
	return p ? gstate_status_name(p->status) : "none";
}

int lt_run_season(pw_round_cfg_t *c)
{
	int ticks = 0;
	for (;;) {
		pw_round_out_t out;
		pw_err_t e;
		if (round_tick(c, &out, &e) < 0) {
			test_fail(__FILE__, __LINE__, "tick: %s", e.msg);
			return -1;
		}
		if (out.round == 0 || !strcmp(out.phase, "complete"))
			break;
		if (++ticks > 200) {
			test_fail(__FILE__, __LINE__, "the season never ends");
			return -1;
		}
	}
	return ticks;
}

char *lt_report_text(pw_store_t *s, int64_t sid, int round, const char *kind)
{
	cJSON *rep = store_reports_json(s, sid, round, 0, false);
	char *text = NULL;
	const cJSON *r;
	cJSON_ArrayForEach(r, rep)
		if (!text && !strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(r, "kind")), kind))
			text = strdup(cJSON_GetStringValue(cJSON_GetObjectItem(r, "text")));
	cJSON_Delete(rep);
	return text;
}

static int digest_cb(void *ud, const pw_event_t *ev)
{
	pw_sha256_t *c = ud;
	/* created_at differs between runs; everything else must not. */
	sha256_update(c, ev->type, strlen(ev->type));
	sha256_update(c, ev->agg_id, strlen(ev->agg_id));
	sha256_update(c, ev->payload, strlen(ev->payload));
	char b[64];
	int n = snprintf(b, sizeof b, "|%lld|%lld|%d|", (long long)ev->seq, (long long)ev->season_id, ev->round);
	sha256_update(c, b, (size_t)n);
	return 0;
}

char *lt_digest(pw_store_t *s)
{
	pw_sha256_t c;
	sha256_init(&c);
	int n = 0;
	int64_t *ids = store_all_game_ids(s, &n);
	for (int i = 0; i < n; i++) {
		pw_game_row_t g;
		store_game_get(s, ids[i], &g);
		char b[200];
		int k = snprintf(b, sizeof b, "%d/%d/%lld-%lld/%d-%d/%s|", g.round, g.game_index,
				 (long long)g.home_team_id, (long long)g.away_team_id, g.home_score, g.away_score, g.hash);
		sha256_update(&c, b, (size_t)k);
	}
	free(ids);
	store_events_since(s, 0, digest_cb, &c);
	pw_season_row_t r;
	if (season_current(s, &r) == 1) {
		cJSON *rep = store_reports_json(s, r.id, -1, 0, false);
		char *t = cJSON_PrintUnformatted(rep);
		/* Report ids and timestamps are not content; texts are. */
		const cJSON *x;
		cJSON_ArrayForEach(x, rep) {
			const char *tx = cJSON_GetObjectItem(x, "text")->valuestring;
			sha256_update(&c, tx, strlen(tx));
		}
		free(t);
		cJSON_Delete(rep);
		char b[64];
		int k = snprintf(b, sizeof b, "%s/%d", r.phase, r.current_round);
		sha256_update(&c, b, (size_t)k);
		/* Every box score line, each once, as the stats pages read them,
		 * in the games' order. Without the game's id: on PostgreSQL a
		 * transaction rolled back still used up the ids it took. */
		cJSON *box = store_season_box_json(s, r.id);
		cJSON *line;
		cJSON_ArrayForEach(line, box)
			cJSON_DeleteItemFromObject(line, "game_id");
		char *bt = box ? cJSON_PrintUnformatted(box) : NULL;
		CHECK_MSG(bt != NULL, "the season's box scores could not be read");
		if (bt)
			sha256_update(&c, bt, strlen(bt));
		free(bt);
		cJSON_Delete(box);
	}
	uint8_t d[32];
	sha256_final(&c, d);
	char *hex = malloc(65);
	sha256_to_hex(d, hex);
	return hex;
}

void lt_events_publish(void *ud, const char *type, const char *json)
{
	lt_events_t *ev = ud;
	(void)json;
	if (ev->n < (int)(sizeof ev->types / sizeof ev->types[0]))
		snprintf(ev->types[ev->n++], sizeof ev->types[0], "%s", type);
}

int lt_events_count(const lt_events_t *ev, const char *type)
{
	int n = 0;
	for (int i = 0; i < ev->n; i++)
		n += !strcmp(ev->types[i], type);
	return n;
}

typedef struct dump {
	char *s;
	size_t n, cap;
} dump_t;

static void out(dump_t *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void out(dump_t *d, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int k = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (d->n + (size_t)k + 1 > d->cap) {
		d->cap = (d->n + (size_t)k + 1) * 2;
		d->s = realloc(d->s, d->cap);
	}
	va_start(ap, fmt);
	vsnprintf(d->s + d->n, (size_t)k + 1, fmt, ap);
	va_end(ap);
	d->n += (size_t)k;
}

static void out_json(dump_t *d, const cJSON *j)
{
	char *t = j ? cJSON_PrintUnformatted(j) : NULL;
	out(d, "%s", t ? t : "-");
	free(t);
}

char *lt_state_dump(const pw_gstate_t *g)
{
	dump_t d = {0};
	out(&d, "last_seq %lld\n", (long long)g->last_seq);
	out(&d, "season %lld #%d \"%s\" %s@%d carry=%d\n", (long long)g->season.id, g->season.number,
	    g->season.name, g->season.phase, g->season.phase_round, g->season.carry_rules);
	pw_rules_t def;
	rules_default(&def);
	for (size_t i = 0; i < rules_count; i++)
		if (rules_get(&g->rules, &rules_defs[i]) != rules_get(&def, &rules_defs[i]))
			out(&d, "rule %s=%g\n", rules_defs[i].name, rules_get(&g->rules, &rules_defs[i]));
	for (int i = 0; i < g->n_govs; i++) {
		const pw_governor_t *v = &g->govs[i];
		out(&d, "gov %lld \"%s\" team %lld season %lld tokens %d/%d/%d activity %d/%d/%d/%d\n",
		    (long long)v->id, v->name, (long long)v->team_id, (long long)v->season_id, v->tokens[0],
		    v->tokens[1], v->tokens[2], v->proposals, v->votes, v->trades, v->passed);
	}
	for (int i = 0; i < g->n_props; i++) {
		const pw_proposal_t *p = &g->props[i];
		out(&d, "prop %lld season %lld gov %lld team %lld round %d status %s flagged %d cleared %d "
			"enacted %d amendments %d tier %d cost %d seq %lld\n",
		    (long long)p->id, (long long)p->season_id, (long long)p->governor_id, (long long)p->team_id,
		    p->round, gstate_status_name(p->status), p->flagged, p->cleared, p->enacted, p->amendments,
		    p->tier, p->cost, (long long)p->created_seq);
		out(&d, "  text \"%s\" original \"%s\" lua \"%s\"\n  interp ", p->text ? p->text : "-",
		    p->original_text ? p->original_text : "-", p->effect_lua ? p->effect_lua : "-");
		out_json(&d, p->interpretation);
		out(&d, "\n  impact ");
		out_json(&d, p->impact);
		out(&d, "\n  tally %g/%g/%g round %d votes", p->tally_yes, p->tally_no, p->tally_threshold,
		    p->tally_round);
		for (int k = 0; k < p->n_votes; k++)
			out(&d, " %lld:%s%s@%lld", (long long)p->votes[k].governor_id, p->votes[k].yes ? "yes" : "no",
			    p->votes[k].boost ? "+boost" : "", (long long)p->votes[k].seq);
		out(&d, "\n");
	}
	for (int i = 0; i < g->n_effects; i++) {
		const pw_effect_rec_t *e = &g->effects[i];
		out(&d, "effect %s prop %lld \"%s\" sha %s %s/%d season %lld start %d status %d reason \"%s\" source \"%s\" hooks ",
		    e->id, (long long)e->proposal_id, e->name, e->sha, e->lifetime, e->rounds, (long long)e->season_id,
		    e->start_round, (int)e->status, e->end_reason, e->source ? e->source : "-");
		out_json(&d, e->hooks);
		out(&d, "\n");
	}
	for (int i = 0; i < g->n_changes; i++) {
		const pw_rule_change_t *c = &g->changes[i];
		out(&d, "change %s %g->%g prop %lld season %lld round %d\n", c->name, c->old_value, c->new_value,
		    (long long)c->proposal_id, (long long)c->season_id, c->round);
	}
	for (int i = 0; i < g->n_trades; i++) {
		const pw_trade_t *t = &g->trades[i];
		out(&d, "trade %lld %lld->%lld offer %d/%d/%d request %d/%d/%d status %d season %lld\n",
		    (long long)t->id, (long long)t->from, (long long)t->to, t->offer[0], t->offer[1], t->offer[2],
		    t->request[0], t->request[1], t->request[2], (int)t->status, (long long)t->season_id);
	}
	for (int i = 0; i < g->n_htrades; i++) {
		const pw_hooper_trade_t *h = &g->htrades[i];
		out(&d, "htrade %lld by %lld teams %lld/%lld hoopers %lld/%lld status %d season %lld approvals",
		    (long long)h->id, (long long)h->proposer, (long long)h->team_a, (long long)h->team_b,
		    (long long)h->hooper_a, (long long)h->hooper_b, (int)h->status, (long long)h->season_id);
		for (int k = 0; k < h->n_approvals; k++)
			out(&d, " %lld", (long long)h->approvals[k]);
		out(&d, "\n");
	}
	return d.s;
}

/* ---- brackets ---- */

cJSON *lt_bracket_json(pw_gov_t *g, int64_t sid)
{
	return season_bracket_json(gov_store(g), sid);
}

char *lt_brackets(pw_gov_t *g)
{
	dump_t d = {0};
	out(&d, "%s", "");
	cJSON *seasons = store_seasons_json(gov_store(g), store_league_first(gov_store(g), NULL));
	const cJSON *sj;
	cJSON_ArrayForEach(sj, seasons) {
		int64_t sid = (int64_t)cJSON_GetObjectItem(sj, "id")->valuedouble;
		cJSON *br = lt_bracket_json(g, sid);
		const cJSON *series = cJSON_GetObjectItem(br, "series"), *x;
		if (cJSON_GetArraySize(series) == 0) {
			cJSON_Delete(br);
			continue;
		}
		out(&d, "S%lld draw ", (long long)sid);
		out_json(&d, cJSON_GetObjectItem(br, "format"));
		out(&d, "\n");
		cJSON_ArrayForEach(x, series) {
			const cJSON *hi = cJSON_GetObjectItem(x, "high"), *lo = cJSON_GetObjectItem(x, "low");
			int64_t h = hi ? (int64_t)cJSON_GetObjectItem(hi, "team_id")->valuedouble : 0;
			int64_t l = lo ? (int64_t)cJSON_GetObjectItem(lo, "team_id")->valuedouble : 0;
			out(&d, "S%lld %s bo%d %lld-%lld ", (long long)sid, cJSON_GetObjectItem(x, "id")->valuestring,
			    cJSON_GetObjectItem(x, "best_of")->valueint, (long long)h, (long long)l);
			const cJSON *gm;
			cJSON_ArrayForEach(gm, cJSON_GetObjectItem(x, "games"))
				out(&d, "%c", (int64_t)cJSON_GetObjectItem(gm, "winner_team_id")->valuedouble == h ? 'H' : 'L');
			out(&d, ".\n");
		}
		cJSON_Delete(br);
	}
	cJSON_Delete(seasons);
	return d.s;
}

/* The line of text starting with key followed by a space, or NULL. */
static const char *line_of(const char *text, const char *key, size_t klen)
{
	for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (!strncmp(p, key, klen) && p[klen] == ' ')
			return p;
	return NULL;
}

bool lt_brackets_kept(const char *before, const char *after, char *why, size_t len)
{
	for (const char *p = before; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		size_t n = strcspn(p, "\n");
		/* The key is "S<id> draw" or "S<id> <series>": the first two words. */
		const char *sp = strchr(p, ' ');
		size_t klen = sp ? (size_t)(strchr(sp + 1, ' ') - p) : n;
		const char *q = line_of(after, p, klen);
		if (!q) {
			snprintf(why, len, "gone: %.*s", (int)n, p);
			return false;
		}
		size_t m = strcspn(q, "\n");
		bool same;
		if (sp && !strncmp(sp, " draw ", 6)) {
			same = n == m && !strncmp(p, q, n); /* a draw never changes */
		} else {
			/* A series keeps its length; its teams once known; its
			 * results, which may only grow (the "." ends them). */
			char bo1[16], t1[48], r1[64], bo2[16], t2[48], r2[64];
			same = sscanf(p + klen, " %15s %47s %63[HL.]", bo1, t1, r1) == 3 &&
			       sscanf(q + klen, " %15s %47s %63[HL.]", bo2, t2, r2) == 3 && !strcmp(bo1, bo2) &&
			       (!strcmp(t1, "0-0") || !strcmp(t1, t2)) && !strncmp(r1, r2, strlen(r1) - 1);
		}
		if (!same) {
			snprintf(why, len, "was \"%.*s\", now \"%.*s\"", (int)n, p, (int)m, q);
			return false;
		}
	}
	return true;
}

/* ---- a season played properly ---- */

static int64_t jid(const cJSON *o, const char *k)
{
	const cJSON *x = cJSON_GetObjectItem(o, k);
	return cJSON_IsNumber(x) ? (int64_t)x->valuedouble : 0;
}

static int team_index(const int64_t *ids, int n, int64_t id)
{
	for (int i = 0; i < n; i++)
		if (ids[i] == id)
			return i;
	return -1;
}

#define FAIL_WHY(...) do { snprintf(why, len, __VA_ARGS__); ok = false; goto out; } while (0)

/* The regular schedule: proper round-robins (see lt_season_valid). */
static bool schedule_valid(const cJSON *sched, const int64_t *ids, int n, char *why, size_t len)
{
	bool ok = true;
	int per_rr = schedule_rounds_per_rr(n), max_round = 0;
	const cJSON *x;
	cJSON_ArrayForEach(x, sched)
		if (!strcmp(cJSON_GetObjectItem(x, "stage")->valuestring, "regular"))
			max_round = jid(x, "round") > max_round ? (int)jid(x, "round") : max_round;
	int rrs = max_round / per_rr;
	/* pair[a][b] per round-robin: 0 none, 1 a home, 2 b home (a < b). */
	int (*pair)[16][16] = calloc((size_t)rrs + 1, sizeof *pair);
	int (*home)[16] = calloc((size_t)rrs + 1, sizeof *home), (*away)[16] = calloc((size_t)rrs + 1, sizeof *away);
	int seen[16];
	int at_round = 0;
	if (n > 16 || !pair || !home || !away)
		FAIL_WHY("%d teams: more than the check holds", n);
	if (max_round == 0 || max_round % per_rr)
		FAIL_WHY("%d regular rounds is not a whole number of round-robins of %d ticks", max_round, per_rr);
	cJSON_ArrayForEach(x, sched) {
		if (strcmp(cJSON_GetObjectItem(x, "stage")->valuestring, "regular"))
			continue;
		int r = (int)jid(x, "round"), rr = (r - 1) / per_rr;
		if (r != at_round) {
			memset(seen, 0, sizeof seen);
			at_round = r;
		}
		int h = team_index(ids, n, jid(x, "home_team_id")), a = team_index(ids, n, jid(x, "away_team_id"));
		if (h < 0 || a < 0 || h == a)
			FAIL_WHY("round %d: a game between %lld and %lld", r, (long long)jid(x, "home_team_id"),
				 (long long)jid(x, "away_team_id"));
		if (seen[h]++ || seen[a]++)
			FAIL_WHY("round %d: a team plays twice", r);
		int lo = h < a ? h : a, hi = h < a ? a : h;
		if (pair[rr][lo][hi])
			FAIL_WHY("round-robin %d: teams %lld and %lld meet twice", rr + 1, (long long)ids[lo],
				 (long long)ids[hi]);
		pair[rr][lo][hi] = h == lo ? 1 : 2;
		home[rr][h]++;
		away[rr][a]++;
	}
	for (int rr = 0; rr < rrs; rr++)
		for (int i = 0; i < n; i++) {
			if (abs(home[rr][i] - away[rr][i]) > 1)
				FAIL_WHY("round-robin %d: team %lld is home %d times and away %d", rr + 1,
					 (long long)ids[i], home[rr][i], away[rr][i]);
			for (int k = i + 1; k < n; k++) {
				if (!pair[rr][i][k])
					FAIL_WHY("round-robin %d: teams %lld and %lld never meet", rr + 1,
						 (long long)ids[i], (long long)ids[k]);
				if (rr > 0 && pair[rr][i][k] == pair[rr - 1][i][k])
					FAIL_WHY("round-robins %d and %d: teams %lld and %lld keep their venue", rr,
						 rr + 1, (long long)ids[i], (long long)ids[k]);
			}
		}
out:
	free(pair);
	free(home);
	free(away);
	return ok;
}

/* The bracket: valid as lt_season_valid says, against the final standings
 * (regular_done: the regular season is over). */
static bool bracket_valid(const cJSON *br, const cJSON *regular, bool regular_done, char *why, size_t len)
{
	bool ok = true;
	const cJSON *f = cJSON_GetObjectItem(br, "format"), *x, *sd;
	if (!cJSON_IsTrue(cJSON_GetObjectItem(br, "drawn")))
		return true;
	int size = (int)jid(f, "bracket_teams"), i = 0;
	if (size != 2 && size != 4 && size != 8)
		FAIL_WHY("a bracket of %d teams", size);
	cJSON_ArrayForEach(sd, cJSON_GetObjectItem(f, "seeds")) {
		if (regular_done && jid(cJSON_GetArrayItem(regular, i), "team_id") != (int64_t)sd->valuedouble)
			FAIL_WHY("seed %d is team %lld, not the standings' %lld", i + 1, (long long)sd->valuedouble,
				 (long long)jid(cJSON_GetArrayItem(regular, i), "team_id"));
		i++;
	}
	if (i != size)
		FAIL_WHY("%d seeds for a bracket of %d", i, size);
	int64_t final_winner = 0;
	cJSON_ArrayForEach(x, cJSON_GetObjectItem(br, "series")) {
		const char *id = cJSON_GetObjectItem(x, "id")->valuestring;
		int bo = (int)jid(x, "best_of"), need = bo / 2 + 1;
		bool is_final = !strcmp(id, "F");
		if (bo != (is_final ? jid(f, "finals_best_of") : jid(f, "semis_best_of")) || bo % 2 == 0)
			FAIL_WHY("%s is best of %d, not as drawn", id, bo);
		const cJSON *hi = cJSON_GetObjectItem(x, "high"), *lo = cJSON_GetObjectItem(x, "low");
		const cJSON *games = cJSON_GetObjectItem(x, "games"), *gm;
		if (!hi) {
			if (cJSON_GetArraySize(games))
				FAIL_WHY("%s has games before its teams are known", id);
			continue;
		}
		int64_t h = jid(hi, "team_id"), l = jid(lo, "team_id");
		int hw = 0, lw = 0, k = 0;
		cJSON_ArrayForEach(gm, games) {
			k++;
			int64_t home = jid(gm, "home_team_id"), away = jid(gm, "away_team_id"), w = jid(gm, "winner_team_id");
			bool high_home = k == 1 || k == 2 || k == 5 || k == 7;
			if (home != (high_home ? h : l) || away != (high_home ? l : h))
				FAIL_WHY("%s game %d: %lld hosts %lld", id, k, (long long)home, (long long)away);
			if (hw >= need || lw >= need)
				FAIL_WHY("%s: game %d after the series was decided", id, k);
			hw += w == h;
			lw += w == l;
		}
		const cJSON *win = cJSON_GetObjectItem(x, "winner");
		int64_t winner = cJSON_IsObject(win) ? jid(win, "team_id") : 0;
		int64_t expect = hw == need ? h : lw == need ? l : 0;
		if (winner != expect || jid(hi, "wins") != hw || jid(lo, "wins") != lw)
			FAIL_WHY("%s: %d-%d in games, %lld-%lld shown, winner %lld", id, hw, lw,
				 (long long)jid(hi, "wins"), (long long)jid(lo, "wins"), (long long)winner);
		if (is_final)
			final_winner = winner;
	}
	const cJSON *ch = cJSON_GetObjectItem(br, "champion");
	if ((cJSON_IsObject(ch) ? jid(ch, "team_id") : 0) != final_winner)
		FAIL_WHY("the champion is not the final's winner");
out:
	return ok;
}

bool lt_season_valid(pw_store_t *s, int64_t sid, char *why, size_t len)
{
	bool ok = true;
	int64_t ids[64];
	int n = store_season_team_ids(s, sid, ids, 64);
	pw_season_row_t row;
	cJSON *sched = store_schedule_json(s, sid), *st = season_standings_json(s, sid);
	int ng = 0;
	pw_game_row_t *games = store_games(s, sid, 0, &ng);
	if (n < 2 || !sched || !st || store_season_get(s, sid, &row) != 1)
		FAIL_WHY("season %lld cannot be read", (long long)sid);
	if (!schedule_valid(sched, ids, n, why, len)) {
		ok = false;
		goto out;
	}
	/* Every slot of a played round is one stored game; nothing else is. */
	int played_slots = 0, max_regular = 0;
	const cJSON *x;
	cJSON_ArrayForEach(x, sched) {
		if (jid(x, "round") > row.current_round)
			continue;
		played_slots++;
		if (!jid(x, "game_id"))
			FAIL_WHY("round %d game %d was never played", (int)jid(x, "round"), (int)jid(x, "game_index"));
		if (!strcmp(cJSON_GetObjectItem(x, "stage")->valuestring, "regular"))
			max_regular = (int)jid(x, "round");
	}
	if (played_slots != ng)
		FAIL_WHY("%d games stored for %d scheduled", ng, played_slots);
	/* The standings are the stored regular-season games. */
	int w[64] = {0}, l[64] = {0};
	for (int i = 0; i < ng; i++) {
		if (strcmp(games[i].stage, "regular"))
			continue;
		int h = team_index(ids, n, games[i].home_team_id), a = team_index(ids, n, games[i].away_team_id);
		bool hw = games[i].winner_team_id == games[i].home_team_id;
		w[hw ? h : a]++;
		l[hw ? a : h]++;
	}
	const cJSON *reg = cJSON_GetObjectItem(st, "regular");
	if (cJSON_GetArraySize(reg) != n)
		FAIL_WHY("%d standings rows for %d teams", cJSON_GetArraySize(reg), n);
	cJSON_ArrayForEach(x, reg) {
		int i = team_index(ids, n, jid(x, "team_id"));
		if (i < 0 || jid(x, "wins") != w[i] || jid(x, "losses") != l[i])
			FAIL_WHY("team %lld stands %lld-%lld, its games say %d-%d", (long long)jid(x, "team_id"),
				 (long long)jid(x, "wins"), (long long)jid(x, "losses"), i < 0 ? 0 : w[i], i < 0 ? 0 : l[i]);
	}
	bool regular_done = row.current_round >= store_schedule_max_round(s, sid, "regular") && max_regular > 0;
	if (!bracket_valid(cJSON_GetObjectItem(st, "playoffs"), reg, regular_done, why, len))
		ok = false;
out:
	cJSON_Delete(sched);
	cJSON_Delete(st);
	free(games);
	return ok;
}
