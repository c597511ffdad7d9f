/*
 * league_fx.c — the effects sandbox wired into the league (see league_fx.h).
 */
#include "core/league/league_fx.h"

#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "core/league/trial.h"
#include "core/sim/rng.h"
#include "core/sim/sha256.h"

typedef struct cached {
	char sha[65];
	fx_script_t *s; /* NULL: the source did not validate */
} cached_t;

struct fx_league {
	pw_fx_provider_t iface;
	pw_fx_extra_t extra;
	fx_limits_t lim;
	int workers, impact_games;
	bool capture_log;
	uint64_t impact_seed;
	fx_engine_t *eng[FX_LEAGUE_MAX_WORKERS]; /* one per game worker */
	fx_report_t wrep[FX_LEAGUE_MAX_WORKERS]; /* the game a worker is playing */
	fx_engine_t *rounds;                     /* round/gov/report hooks: a sandbox of their own */
	fx_meta_store_t *meta;                   /* the tick's snapshot; read-only while games run */
	/* Guards cache and report: workers resolve scripts and hand in errors. */
	pthread_mutex_t lock;
	cached_t *cache;
	size_t n_cache, cap_cache;
	fx_report_t report;
	/* How each effect fared in the latest round_hook call. */
	struct last {
		char id[PW_EFFECT_ID_MAX];
		int st;
	} *last;
	int n_last, cap_last;
	uint64_t secret;  /* makes each script's check league (see check_seed) */
	bool fixed_seed;  /* impact_seed was configured: checks use it too */
};

/* ---- shared helpers ---- */

static void push_error(fx_report_t *r, const fx_error_t *e)
{
	r->n_errors_total++;
	if (r->n_errors >= FX_REPORT_ERRORS)
		return;
	if (r->n_errors == r->cap_errors) {
		size_t cap = r->cap_errors ? r->cap_errors * 2 : 8;
		fx_error_t *p = realloc(r->errors, cap * sizeof *p);
		if (!p)
			return;
		r->errors = p;
		r->cap_errors = cap;
	}
	r->errors[r->n_errors++] = *e;
}

/* Adds one effect's usage over some sessions to its row in r: calls and
 * errors add up, peaks keep the highest. */
static void add_usage(fx_report_t *r, const fx_usage_t *u)
{
	fx_usage_t *d = NULL;
	for (size_t i = 0; i < r->n_usage && !d; i++)
		if (!strcmp(r->usage[i].effect_id, u->effect_id))
			d = &r->usage[i];
	if (!d) {
		if (r->n_usage == r->cap_usage) {
			size_t cap = r->cap_usage ? r->cap_usage * 2 : 8;
			fx_usage_t *p = realloc(r->usage, cap * sizeof *p);
			if (!p)
				return;
			r->usage = p;
			r->cap_usage = cap;
		}
		r->usage[r->n_usage++] = *u;
		return;
	}
	for (int h = 0; h < FX_HOOK_COUNT; h++) {
		d->fired[h] += u->fired[h];
		d->errors[h] += u->errors[h];
	}
	d->acted += u->acted;
	d->sessions += u->sessions;
	d->stopped += u->stopped;
	if (u->peak_instr > d->peak_instr)
		d->peak_instr = u->peak_instr;
	if (u->peak_session_instr > d->peak_session_instr)
		d->peak_session_instr = u->peak_session_instr;
	if (u->peak_mem > d->peak_mem)
		d->peak_mem = u->peak_mem;
}

/* Appends log lines, whole lines only, while the total stays within
 * FX_LEAGUE_LOG_MAX (each session's log is bounded, a long run's is not). */
static void add_log(fx_report_t *r, const char *log, size_t len)
{
	while (len && r->log_len + len > FX_LEAGUE_LOG_MAX) {
		const char *nl = memrchr(log, '\n', len - 1);
		len = nl ? (size_t)(nl - log) + 1 : 0;
	}
	if (!len)
		return;
	if (r->log_len + len + 1 > r->log_cap) {
		size_t cap = (r->log_len + len + 1) * 2;
		char *p = realloc(r->log, cap);
		if (!p)
			return;
		r->log = p;
		r->log_cap = cap;
	}
	memcpy(r->log + r->log_len, log, len);
	r->log_len += len;
	r->log[r->log_len] = 0;
}

/* Adds a session's errors, usage and log to dst (its metadata writes go to
 * the runner instead). */
static void merge_report(fx_report_t *dst, const fx_report_t *src)
{
	for (size_t i = 0; i < src->n_errors; i++)
		push_error(dst, &src->errors[i]);
	dst->n_errors_total += src->n_errors_total - src->n_errors;
	dst->n_engine_faults += src->n_engine_faults;
	for (size_t i = 0; i < src->n_usage; i++)
		add_usage(dst, &src->usage[i]);
	if (src->log_len)
		add_log(dst, src->log, src->log_len);
}

/* Appends ops[from..] to a JSON array as the runner's meta_writes. */
static void ops_to_json(const fx_meta_ops_t *ops, size_t from, cJSON *out)
{
	static const char *const names[] = {"set", "incr", "toggle"};
	for (size_t i = from; out && i < ops->n; i++) {
		const fx_meta_op_t *o = &ops->ops[i];
		cJSON *w = cJSON_CreateObject();
		if (!w)
			return;
		cJSON_AddStringToObject(w, "kind", fx_meta_kind_name(o->k.kind));
		cJSON_AddNumberToObject(w, "id", (double)o->k.id);
		cJSON_AddStringToObject(w, "key", o->k.key);
		cJSON_AddStringToObject(w, "op", names[o->op]);
		switch (o->v.type) {
		case FX_VAL_INT: cJSON_AddNumberToObject(w, "value", (double)o->v.i); break;
		case FX_VAL_NUM: cJSON_AddNumberToObject(w, "value", o->v.n); break;
		case FX_VAL_BOOL: cJSON_AddBoolToObject(w, "value", o->v.b); break;
		case FX_VAL_STR: cJSON_AddStringToObject(w, "value", o->v.s); break;
		default: cJSON_AddNullToObject(w, "value"); break;
		}
		cJSON_AddStringToObject(w, "effect_id", o->effect_id);
		cJSON_AddItemToArray(out, w);
	}
}

static cJSON *hooks_json(uint32_t mask)
{
	cJSON *a = cJSON_CreateArray();
	for (int h = 0; h < FX_HOOK_COUNT; h++)
		if (mask & (1u << h))
			cJSON_AddItemToArray(a, cJSON_CreateString(fx_hook_name(h)));
	return a;
}

/* ---- the provider ---- */

/* The validated script for a source, loading it on first sight. Entries
 * are never evicted: workers hold the pointers during a tick, and a league
 * only ever sees a handful of distinct scripts. Called with p->lock held. */
static const fx_script_t *script_for(fx_league_t *p, const pw_fx_active_t *a)
{
	if (!a->source || !a->id)
		return NULL;
	char sha[65];
	sha256_hex(a->source, strlen(a->source), sha);
	for (size_t i = 0; i < p->n_cache; i++)
		if (!strcmp(p->cache[i].sha, sha))
			return p->cache[i].s;
	if (p->n_cache == p->cap_cache) {
		size_t cap = p->cap_cache ? p->cap_cache * 2 : 16;
		cached_t *c = realloc(p->cache, cap * sizeof *c);
		if (!c)
			return NULL;
		p->cache = c;
		p->cap_cache = cap;
	}
	fx_error_t e;
	memset(&e, 0, sizeof e);
	fx_script_t *s = NULL;
	if (fx_script_load(a->source, strlen(a->source), &s, e.message, sizeof e.message) < 0) {
		snprintf(e.effect_id, sizeof e.effect_id, "%s", a->id);
		snprintf(e.hook, sizeof e.hook, "load");
		push_error(&p->report, &e);
		s = NULL;
	}
	cached_t *c = &p->cache[p->n_cache++];
	snprintf(c->sha, sizeof c->sha, "%s", sha);
	c->s = s;
	return s;
}

/* The sandbox's view of the active effects, all of them (caller frees).
 * *count is how many validated; NULL (with an error reported) when memory
 * ran out. */
static fx_effect_t *effects_of(fx_league_t *p, const pw_fx_active_t *fx, int n, int *count)
{
	*count = 0;
	fx_effect_t *out = malloc(((size_t)(n > 0 ? n : 0) + 1) * sizeof *out);
	pthread_mutex_lock(&p->lock);
	if (!out) {
		fx_error_t e = {.effect_id = "engine", .hook = "load", .message = "out of memory"};
		push_error(&p->report, &e);
	}
	for (int i = 0; out && i < n; i++) {
		const fx_script_t *s = script_for(p, &fx[i]);
		if (s)
			out[(*count)++] = (fx_effect_t){fx[i].id, s};
	}
	pthread_mutex_unlock(&p->lock);
	return out;
}

static fx_meta_reader_t reader_of(const fx_league_t *p)
{
	fx_meta_reader_t r = {0};
	if (p->meta)
		r = fx_meta_store_reader(p->meta);
	return r;
}

static int prov_game_begin_on(void *ud, int w, const pw_fx_active_t *fx, int n,
			      const pw_game_input_t *in, const pw_hooks_t **hooks)
{
	fx_league_t *p = ud;
	*hooks = NULL;
	if (w < 0 || w >= p->workers)
		return -1;
	int ne;
	fx_effect_t *effs = effects_of(p, fx, n, &ne);
	if (!effs)
		return -1;
	fx_session_setup_t s = {.game_id = in->game_id, .round = in->round, .seed = in->seed,
				.effects = effs, .n_effects = ne,
				.meta = reader_of(p), .capture_log = p->capture_log};
	fx_report_free(&p->wrep[w]);
	fx_report_init(&p->wrep[w]);
	fx_error_t e;
	memset(&e, 0, sizeof e);
	int rc = fx_game_begin(p->eng[w], &s, hooks, e.message, sizeof e.message);
	free(effs); /* the session keeps the ids and scripts it needs */
	if (rc < 0) {
		snprintf(e.effect_id, sizeof e.effect_id, "engine");
		snprintf(e.hook, sizeof e.hook, "load");
		pthread_mutex_lock(&p->lock);
		push_error(&p->report, &e);
		pthread_mutex_unlock(&p->lock);
		*hooks = NULL;
		return -1;
	}
	return 0;
}

static void prov_game_end_on(void *ud, int w, pw_game_result_t *res, cJSON *meta_writes)
{
	fx_league_t *p = ud;
	if (w < 0 || w >= p->workers)
		return;
	fx_report_t *r = &p->wrep[w];
	fx_game_end(p->eng[w], res, r);
	/* An effect whose chunk failed to instantiate never fired, so its
	 * stat rows show no error; count the failure on its first row so the
	 * runner's consecutive-failures rule sees it. */
	for (size_t i = 0; res && i < r->n_errors; i++) {
		if (strcmp(r->errors[i].hook, "load"))
			continue;
		for (size_t k = 0; k < res->n_effects; k++)
			if (!strcmp(res->effects[k].effect_id, r->errors[i].effect_id)) {
				res->effects[k].errors++;
				break;
			}
	}
	ops_to_json(&r->meta, 0, meta_writes);
	pthread_mutex_lock(&p->lock);
	merge_report(&p->report, r);
	pthread_mutex_unlock(&p->lock);
	fx_report_free(r);
	fx_report_init(r);
}

static int prov_game_begin(void *ud, const pw_fx_active_t *fx, int n, const pw_game_input_t *in,
			   const pw_hooks_t **hooks)
{
	return prov_game_begin_on(ud, 0, fx, n, in, hooks);
}

static void prov_game_end(void *ud, pw_game_result_t *res, cJSON *meta_writes)
{
	prov_game_end_on(ud, 0, res, meta_writes);
}

/* ctx.rules for a round, gov or report hook: the runner passes the ruleset
 * in force as ctx "rules" (rules_to_json's form); the sandbox shows ctx.rules
 * from a pw_rules_t, so read it back. False when there is none (or it does
 * not parse): ctx.rules is then nil rather than a guess. */
static bool rules_of(const cJSON *ctx, pw_rules_t *out)
{
	const cJSON *r = cJSON_GetObjectItemCaseSensitive(ctx, "rules");
	char msg[160];
	rules_default(out);
	return cJSON_IsObject(r) && rules_from_json(out, r, msg, sizeof msg) == 0;
}

/* A fixed session seed per (hook, round, game): ctx.random differs between
 * the calls of a tick but is the same on every rerun. */
static uint64_t hook_seed(const char *hook, const cJSON *ctx, int *round)
{
	const cJSON *r = cJSON_GetObjectItemCaseSensitive(ctx, "round");
	const cJSON *gid = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(ctx, "game"), "id");
	*round = cJSON_IsNumber(r) ? r->valueint : 0;
	uint64_t mix = rng_hash_str(hook) ^ ((uint64_t)(uint32_t)*round << 32) ^
		       (cJSON_IsNumber(gid) ? (uint64_t)gid->valuedouble : 0);
	return rng_mix64(&mix);
}

/* Room for n entries in p->last. 0, or -1 when out of memory. */
static int last_reserve(fx_league_t *p, int n)
{
	if (n <= p->cap_last)
		return 0;
	struct last *l = realloc(p->last, (size_t)n * sizeof *l);
	if (!l)
		return -1;
	p->last = l;
	p->cap_last = n;
	return 0;
}

static void prov_round_hook(void *ud, const pw_fx_active_t *fx, int n, const char *hook,
			    const cJSON *ctx, cJSON *meta_writes)
{
	fx_league_t *p = ud;
	p->n_last = 0;
	int h = fx_hook_find(hook);
	if (h < PW_SIM_HOOK_COUNT)
		return;
	int ne;
	fx_effect_t *effs = effects_of(p, fx, n, &ne);
	if (!effs || last_reserve(p, ne) < 0) {
		free(effs);
		return;
	}
	pw_rules_t rules;
	bool has_rules = rules_of(ctx, &rules);
	int round;
	uint64_t seed = hook_seed(hook, ctx, &round);
	fx_session_setup_t s = {.round = round, .seed = seed, .effects = effs,
				.n_effects = ne, .meta = reader_of(p),
				.capture_log = p->capture_log};
	fx_report_t rep;
	fx_report_init(&rep);
	fx_error_t e;
	memset(&e, 0, sizeof e);
	if (fx_round_begin(p->rounds, &s, e.message, sizeof e.message) < 0) {
		snprintf(e.effect_id, sizeof e.effect_id, "engine");
		snprintf(e.hook, sizeof e.hook, "%s", hook);
		pthread_mutex_lock(&p->lock);
		push_error(&p->report, &e);
		pthread_mutex_unlock(&p->lock);
		free(effs);
		return;
	}
	fx_round_hook(p->rounds, hook, ctx, has_rules ? &rules : NULL, NULL, 0);
	fx_round_end(p->rounds, &rep);
	for (int i = 0; i < s.n_effects; i++) {
		const fx_usage_t *u = fx_report_usage(&rep, effs[i].id);
		int st = -1;
		if (u && (u->fired[h] || u->errors[h]))
			st = u->errors[h] ? 1 : 0;
		for (size_t k = 0; u && k < rep.n_errors; k++)
			if (!strcmp(rep.errors[k].effect_id, effs[i].id) &&
			    (!strcmp(rep.errors[k].hook, "load") || !strcmp(rep.errors[k].hook, hook)))
				st = 1;
		snprintf(p->last[p->n_last].id, sizeof p->last[0].id, "%s", effs[i].id);
		p->last[p->n_last++].st = st;
	}
	ops_to_json(&rep.meta, 0, meta_writes);
	pthread_mutex_lock(&p->lock);
	merge_report(&p->report, &rep);
	pthread_mutex_unlock(&p->lock);
	fx_report_free(&rep);
	free(effs);
}

/*
 * report.simulation.pre / report.commentary.pre. The hook may only add
 * narrative, so each subscribed effect runs in a session of its own: its
 * line can then be kept or dropped on its own, and a metadata write is
 * pinned on the effect that made it. A field other than narrative already
 * fails the call in the sandbox (an error naming the field; nothing of the
 * call applies); a metadata write fails it here the same way, and the
 * writes are dropped. Errors go to the report fx_league_take_report hands
 * out; they do not count towards the consecutive-failures rule, which
 * counts games.
 */
static char *prov_report_hook(void *ud, const pw_fx_active_t *fx, int n, const char *hook,
			      const cJSON *ctx)
{
	fx_league_t *p = ud;
	int h = fx_hook_find(hook);
	if (h != FX_HOOK_REPORT_SIMULATION_PRE && h != FX_HOOK_REPORT_COMMENTARY_PRE)
		return NULL;
	int ne;
	fx_effect_t *effs = effects_of(p, fx, n, &ne);
	if (!effs)
		return NULL;
	pw_rules_t rules;
	bool has_rules = rules_of(ctx, &rules);
	int round;
	uint64_t seed = hook_seed(hook, ctx, &round);
	/* At most a line of PW_NARRATIVE_MAX bytes and a space per effect. */
	char *out = malloc((size_t)ne * (PW_NARRATIVE_MAX + 1) + 1);
	if (!out) {
		free(effs);
		return NULL;
	}
	size_t len = 0;
	out[0] = 0;
	for (int i = 0; i < ne; i++) {
		if (!(fx_script_hooks(effs[i].script) & (1u << h)))
			continue;
		/* The same session seed for every effect: each draws from its own
		 * stream of (seed, effect id), as in a shared session. */
		fx_session_setup_t s = {.round = round, .seed = seed, .effects = &effs[i], .n_effects = 1,
					.meta = reader_of(p), .capture_log = p->capture_log};
		fx_error_t e;
		memset(&e, 0, sizeof e);
		snprintf(e.effect_id, sizeof e.effect_id, "%s", effs[i].id);
		snprintf(e.hook, sizeof e.hook, "%s", hook);
		if (fx_round_begin(p->rounds, &s, e.message, sizeof e.message) < 0) {
			pthread_mutex_lock(&p->lock);
			push_error(&p->report, &e);
			pthread_mutex_unlock(&p->lock);
			continue;
		}
		char line[PW_NARRATIVE_MAX + 1];
		fx_round_hook(p->rounds, hook, ctx, has_rules ? &rules : NULL, line, sizeof line);
		fx_report_t rep;
		fx_report_init(&rep);
		fx_round_end(p->rounds, &rep);
		if (rep.meta.n > 0) {
			snprintf(e.message, sizeof e.message,
				 "%s may only add narrative: %zu metadata write%s not applied", hook, rep.meta.n,
				 rep.meta.n == 1 ? "" : "s");
			line[0] = 0;
		}
		pthread_mutex_lock(&p->lock);
		merge_report(&p->report, &rep);
		if (rep.meta.n > 0)
			push_error(&p->report, &e);
		pthread_mutex_unlock(&p->lock);
		fx_report_free(&rep);
		size_t l = strlen(line);
		if (l) {
			if (len)
				out[len++] = ' ';
			memcpy(out + len, line, l + 1);
			len += l;
		}
	}
	free(effs);
	if (!len) {
		free(out);
		return NULL;
	}
	return out;
}

static int prov_round_hook_failed(void *ud, const char *effect_id)
{
	fx_league_t *p = ud;
	for (int i = 0; i < p->n_last; i++)
		if (!strcmp(p->last[i].id, effect_id))
			return p->last[i].st;
	return -1;
}

static void prov_round_begin(void *ud, const cJSON *meta)
{
	fx_league_t *p = ud;
	fx_meta_store_free(p->meta);
	p->meta = fx_meta_store_new();
	if (!p->meta || !cJSON_IsObject(meta))
		return;
	for (const cJSON *k = meta->child; k; k = k->next) {
		int kind = k->string ? fx_meta_kind_find(k->string) : -1;
		if (kind < 0 || !cJSON_IsObject(k))
			continue;
		for (const cJSON *ent = k->child; ent; ent = ent->next)
			if (ent->string)
				fx_meta_store_load_entity(p->meta, (fx_meta_kind_t)kind,
							  strtoll(ent->string, NULL, 10), ent);
	}
}

/* ---- test runs: the trial harness over a sandbox of their own ---- */

static void take_report(void *ud, fx_report_t *out)
{
	fx_league_take_report(ud, out);
}

void fx_league_trial_cfg(fx_league_t *p, trial_cfg_t *tc)
{
	tc->fx = &p->iface;
	tc->fx_extra = &p->extra;
	tc->take_report = take_report;
}

/* The league a trial plays: the effects in force (each with the rounds
 * it still has) and, when src is not NULL, the proposed script as the
 * effect "proposed" after them. */
typedef struct trial_league {
	pw_fx_active_t fx[FX_SESSION_MAX];
	int life[FX_SESSION_MAX];
	int n;
} trial_league_t;

static int league_of(const pw_gov_league_t *now, const char *src, const fx_script_t *s,
		     trial_league_t *out, char *err, size_t errlen)
{
	out->n = 0;
	int n_now = now ? now->n_effects : 0;
	if (n_now + (src ? 1 : 0) > FX_SESSION_MAX) {
		snprintf(err, errlen, "the league already runs %d effects and a game runs at most %d: "
			 "repeal one before adding another", n_now, FX_SESSION_MAX);
		return -1;
	}
	for (int i = 0; i < n_now; i++) {
		const pw_gov_effect_t *e = &now->effects[i];
		out->fx[out->n] = (pw_fx_active_t){e->id, e->name, e->source};
		out->life[out->n++] = e->rounds_left;
	}
	if (src) {
		out->fx[out->n] = (pw_fx_active_t){"proposed", fx_script_name(s), src};
		out->life[out->n++] = trial_lifetime_rounds(fx_script_lifetime(s));
	}
	return 0;
}

/*
 * The league a proposed script is checked in. A fixed one let a script
 * recognise the check (its team names, its first ctx.random draw) and
 * behave only there; so each script is checked in a league of its own,
 * seeded from its sha-256 and a secret this process drew when p was made,
 * which no author knows. The same script meets the same league for the
 * life of the process, so its figures can be compared, and the seed is in
 * the impact it reports. A configured impact_seed fixes the league instead
 * (tools and tests). Whatever a script does once enacted is bounded by its
 * budgets anyway.
 */
static uint64_t check_seed(const fx_league_t *p, const fx_script_t *s)
{
	if (p->fixed_seed)
		return p->impact_seed;
	uint64_t h = p->secret ^ rng_hash_str(fx_script_sha256(s));
	uint64_t seed = rng_mix64(&h);
	return seed ? seed : 1;
}

/* A secret no author can know: from the kernel, else as good as this
 * process can do (time and addresses); it only picks check leagues. */
static uint64_t draw_secret(const void *p)
{
	uint64_t x = 0;
	if (getrandom(&x, sizeof x, 0) == (ssize_t)sizeof x)
		return x;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	x = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 30) ^ (uint64_t)(uintptr_t)p;
	return rng_mix64(&x);
}

/* The trial of p's impact games in the league of seed under rules, with
 * the league's effects lf (none when lf is NULL or empty) on a provider of
 * its own. */
static int impact_trial(const fx_league_t *p, uint64_t seed, const pw_rules_t *rules,
			const trial_league_t *lf, trial_out_t *out, char *err, size_t errlen)
{
	trial_cfg_t tc = {.league_seed = seed, .games = p->impact_games, .rules = rules};
	if (!lf || lf->n == 0)
		return trial_run(&tc, out, err, errlen);
	/* A fresh provider: the league's own engines belong to the round
	 * runner, which may be playing a tick on another thread right now. */
	fx_league_t *own = fx_league_new(&(fx_league_opts_t){.workers = 1, .limits = &p->lim}, err, errlen);
	if (!own) {
		memset(out, 0, sizeof *out);
		fx_report_init(&out->report);
		return -1;
	}
	fx_league_trial_cfg(own, &tc);
	tc.effects = lf->fx;
	tc.lifetimes = lf->life;
	tc.n_effects = lf->n;
	int rc = trial_run(&tc, out, err, errlen);
	fx_league_free(own);
	return rc;
}

/* The proposed script's own errors in a run (the league's effects may fail
 * too: that is not the proposal's fault): how many, and the first. */
static uint64_t proposed_errors(const trial_out_t *o, const fx_error_t **first)
{
	*first = NULL;
	uint64_t n = 0;
	const fx_usage_t *u = fx_report_usage(&o->report, "proposed");
	for (int h = 0; u && h < FX_HOOK_COUNT; h++)
		n += u->errors[h];
	for (size_t i = 0; i < o->report.n_errors; i++)
		if (!strcmp(o->report.errors[i].effect_id, "proposed")) {
			if (!*first)
				*first = &o->report.errors[i];
			if (!strcmp(o->report.errors[i].hook, "load"))
				n++;
		}
	if (n && !*first && o->report.n_errors)
		*first = &o->report.errors[0];
	return n;
}

int fx_league_check(fx_league_t *p, const pw_gov_league_t *now, const pw_rules_t *with_rules,
		    const char *src, cJSON **hooks, cJSON **impact, char *err, size_t errlen)
{
	if (hooks)
		*hooks = NULL;
	if (impact)
		*impact = NULL;
	fx_script_t *s = NULL;
	if (!src || fx_script_load(src, strlen(src), &s, err, errlen) < 0) {
		if (!src)
			snprintf(err, errlen, "no script");
		return -1;
	}
	pw_rules_t def;
	rules_default(&def);
	const pw_rules_t *base = now && now->rules ? now->rules : &def;
	const pw_rules_t *with = with_rules ? with_rules : base;
	/* Heap: a league holds up to FX_SESSION_MAX effects. */
	trial_league_t *lw = malloc(sizeof *lw), *lo = malloc(sizeof *lo);
	trial_out_t a, b;
	memset(&a, 0, sizeof a);
	memset(&b, 0, sizeof b);
	fx_report_init(&a.report);
	fx_report_init(&b.report);
	char msg[FX_ERR_MAX];
	uint64_t seed = check_seed(p, s);
	int rc = lw && lo ? 0 : -1;
	if (rc < 0)
		snprintf(err, errlen, "out of memory");
	if (rc == 0)
		rc = league_of(now, src, s, lw, err, errlen);
	if (rc == 0 && (rc = league_of(now, NULL, NULL, lo, err, errlen)) == 0) {
		rc = impact_trial(p, seed, with, lw, &a, msg, sizeof msg);
		const fx_error_t *first;
		uint64_t n_err = rc == 0 ? proposed_errors(&a, &first) : 0;
		if (rc < 0)
			snprintf(err, errlen, "test run: %s", msg);
		else if (n_err) {
			snprintf(err, errlen, "test run: %s: %s (%llu error%s in %d games)", first ? first->hook : "?",
				 first ? first->message : "?", (unsigned long long)n_err, n_err == 1 ? "" : "s",
				 a.games);
			rc = -1;
		}
	}
	if (rc == 0 && impact) {
		/* Without: the league as it is now, the same games and seeds. */
		if ((rc = impact_trial(p, seed, base, lo, &b, err, errlen)) == 0) {
			cJSON *o = trial_impact_json(&a, &b, "with", "without", seed);
			cJSON *fired = cJSON_AddObjectToObject(o, "fired");
			const fx_usage_t *u = fx_report_usage(&a.report, "proposed");
			for (int h = 0; u && h < FX_HOOK_COUNT; h++)
				if (u->fired[h])
					cJSON_AddNumberToObject(fired, fx_hook_name(h), (double)u->fired[h]);
			cJSON_AddNumberToObject(o, "peak_instructions", (double)(u ? u->peak_instr : 0));
			cJSON_AddNumberToObject(o, "peak_memory", (double)(u ? u->peak_mem : 0));
			cJSON_AddNumberToObject(o, "effects_in_force", lo->n);
			*impact = o;
		}
	}
	if (rc == 0 && hooks)
		*hooks = hooks_json(fx_script_hooks(s));
	trial_out_free(&a);
	trial_out_free(&b);
	free(lw);
	free(lo);
	fx_script_free(s);
	return rc;
}

cJSON *fx_league_rules_impact(fx_league_t *p, const pw_gov_league_t *now, const pw_rules_t *after)
{
	trial_out_t b, a;
	memset(&b, 0, sizeof b);
	memset(&a, 0, sizeof a);
	fx_report_init(&a.report);
	fx_report_init(&b.report);
	char err[160];
	cJSON *o = NULL;
	pw_rules_t def;
	rules_default(&def);
	const pw_rules_t *before = now && now->rules ? now->rules : &def;
	trial_league_t *lf = malloc(sizeof *lf);
	/* The same league, schedule, seeds and effects under each ruleset. */
	if (lf && league_of(now, NULL, NULL, lf, err, sizeof err) == 0) {
		if (impact_trial(p, p->impact_seed, before, lf, &b, err, sizeof err) == 0) {
			if (impact_trial(p, p->impact_seed, after, lf, &a, err, sizeof err) == 0) {
				o = trial_impact_json(&a, &b, "after", "before", p->impact_seed);
				if (o)
					cJSON_AddNumberToObject(o, "effects_in_force", lf->n);
			}
		}
	}
	free(lf);
	trial_out_free(&b);
	trial_out_free(&a);
	return o;
}

/* ---- governance adapters ---- */

static int gov_check(void *ud, const pw_gov_league_t *now, const pw_rules_t *with_rules,
		     const char *source, cJSON **hooks, cJSON **impact, char *err, size_t errlen)
{
	return fx_league_check(ud, now, with_rules, source, hooks, impact, err, errlen);
}

static cJSON *gov_rules_impact(void *ud, const pw_gov_league_t *now, const pw_rules_t *after)
{
	return fx_league_rules_impact(ud, now, after);
}

/* ---- life cycle ---- */

fx_league_t *fx_league_new(const fx_league_opts_t *o, char *err, size_t errlen)
{
	fx_league_t *p = calloc(1, sizeof *p);
	if (!p) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (pthread_mutex_init(&p->lock, NULL) != 0) {
		free(p);
		snprintf(err, errlen, "cannot create a mutex");
		return NULL;
	}
	fx_limits_default(&p->lim);
	if (o && o->limits)
		p->lim = *o->limits;
	p->workers = o && o->workers > 0 ? o->workers : 1;
	if (p->workers > FX_LEAGUE_MAX_WORKERS)
		p->workers = FX_LEAGUE_MAX_WORKERS;
	p->impact_games = o && o->impact_games > 0 ? o->impact_games : FX_LEAGUE_IMPACT_GAMES;
	p->impact_seed = o && o->impact_seed ? o->impact_seed : FX_LEAGUE_IMPACT_SEED;
	p->fixed_seed = o && o->impact_seed;
	p->secret = draw_secret(p);
	p->capture_log = o && o->capture_log;
	fx_report_init(&p->report);
	for (int w = 0; w < FX_LEAGUE_MAX_WORKERS; w++)
		fx_report_init(&p->wrep[w]);
	for (int w = 0; w < p->workers; w++)
		if (!(p->eng[w] = fx_engine_new(&p->lim, err, errlen))) {
			fx_league_free(p);
			return NULL;
		}
	if (!(p->rounds = fx_engine_new(&p->lim, err, errlen))) {
		fx_league_free(p);
		return NULL;
	}
	p->iface = (pw_fx_provider_t){
		.ud = p,
		.game_begin = prov_game_begin,
		.game_end = prov_game_end,
		.round_hook = prov_round_hook,
	};
	p->extra = (pw_fx_extra_t){
		.round_begin = prov_round_begin,
		.round_hook_failed = prov_round_hook_failed,
		.workers = p->workers,
		.game_begin_on = prov_game_begin_on,
		.game_end_on = prov_game_end_on,
		.report_hook = prov_report_hook,
	};
	return p;
}

void fx_league_free(fx_league_t *p)
{
	if (!p)
		return;
	for (int w = 0; w < FX_LEAGUE_MAX_WORKERS; w++) {
		fx_engine_free(p->eng[w]);
		fx_report_free(&p->wrep[w]);
	}
	fx_engine_free(p->rounds);
	for (size_t i = 0; i < p->n_cache; i++)
		fx_script_free(p->cache[i].s);
	free(p->cache);
	fx_meta_store_free(p->meta);
	fx_report_free(&p->report);
	free(p->last);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

const pw_fx_provider_t *fx_league_provider(fx_league_t *p)
{
	return &p->iface;
}

void fx_league_round_cfg(fx_league_t *p, pw_round_cfg_t *cfg)
{
	cfg->fx = &p->iface;
	cfg->fx_extra = &p->extra;
	cfg->parallel_games = p->workers;
}

void fx_league_gov_cfg(fx_league_t *p, pw_gov_cfg_t *cfg)
{
	cfg->check_effect = gov_check;
	cfg->rules_impact = gov_rules_impact;
	cfg->ud = p;
}

void fx_league_take_report(fx_league_t *p, fx_report_t *out)
{
	pthread_mutex_lock(&p->lock);
	fx_report_free(out);
	*out = p->report;
	fx_report_init(&p->report);
	pthread_mutex_unlock(&p->lock);
}

const pw_fx_extra_t *fx_league_provider_extra(fx_league_t *p)
{
	return &p->extra;
}
