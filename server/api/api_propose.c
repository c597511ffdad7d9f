/*
 * api_propose.c — proposals and amendments checked on check workers (see
 * api_propose.h): the check workers, their remembering sandbox hooks, the
 * jobs.
 */
#include "server/api/api_propose.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/ai/ai_interp.h"
#include "server/ai/ai_strategy.h"
#include "server/api/api_util.h"
#include "server/app.h"
#include "server/live/checkq.h"

/* The league a question was asked against: its rules and its active
 * effects (ids and rounds left). The write asks against the league as it
 * is then; if a tally changed it in between, the answer is computed again. */
typedef struct memo_league {
	pw_rules_t rules;
	char *effects;  /* "id:rounds_left;..." */
} memo_league_t;

/* One answer of the effect check, as the sandbox gave it. */
typedef struct memo_fx {
	memo_league_t now;
	bool has_with;
	pw_rules_t with;  /* the proposal's own rule changes, when it has any */
	char *source;
	bool want_impact;
	int rc;
	cJSON *hooks, *impact;
	char err[512];
	struct memo_fx *next;
} memo_fx_t;

/* One projected impact of a ruleset change. */
typedef struct memo_rules {
	memo_league_t now;
	pw_rules_t after;
	cJSON *impact;
	struct memo_rules *next;
} memo_rules_t;

/* One reading of a proposal by the interpreter hook (the AI's). */
typedef struct memo_interp {
	memo_league_t now;
	char *text, *lua;
	int rc;
	cJSON *out;
	char err[512];
	struct memo_interp *next;
} memo_interp_t;

/*
 * A check worker: a store connection and a governance service of its own
 * (a pw_gov_t is one thread at a time), used by one job at a time. Its
 * governance config is the app's with the two sandbox hooks replaced by
 * memo_check / memo_impact, which call the real ones (kept here) once per
 * question of a job and remember the answer for the job's write.
 */
typedef struct check_slot {
	pw_store_t *store;
	pw_gov_t *gov;
	int (*check_effect)(void *ud, const pw_gov_league_t *now, const pw_rules_t *with_rules,
			    const char *source, cJSON **hooks, cJSON **impact, char *err, size_t errlen);
	cJSON *(*rules_impact)(void *ud, const pw_gov_league_t *now, const pw_rules_t *after);
	void *ud;
	/* The AI interpreter (NULL without one), asked once per job: its
	 * answer is not deterministic, and it costs money and seconds. */
	int (*interpret)(void *ud, const pw_gov_interp_req_t *rq, cJSON **out, char *err, size_t errlen);
	void *interpret_ud;
	memo_fx_t *fx;
	memo_rules_t *rules;
	memo_interp_t *interps;
	int computed; /* questions answered by the sandbox, not from memory */
} check_slot_t;

struct api_checks {
	pw_checkq_t *q;
	int n;
	check_slot_t slots[CHECKQ_MAX_WORKERS];
};

/* One request's check. c is NULL once the client has gone. */
typedef struct check_job {
	pw_app_t *app;
	pw_http_conn_t *c;
	api_check_kind_t kind;
	api_check_render_fn render; /* NULL: answer JSON */
	void *render_ud;
	int64_t gid, pid;
	char *text, *lua;
	int rc;
	pw_err_t err;
	cJSON *out;
	int recomputed; /* questions the write had to compute itself */
} check_job_t;

/* ---- the remembering hooks (check worker threads) ----------------------- */

static cJSON *dup_or_null(const cJSON *j)
{
	return j ? cJSON_Duplicate(j, 1) : NULL;
}

/* now as a memo key; false when out of memory. */
static bool league_key(const pw_gov_league_t *now, memo_league_t *k)
{
	k->rules = *now->rules;
	size_t len = 1;
	for (int i = 0; i < now->n_effects; i++)
		len += strlen(now->effects[i].id) + 16;
	if (!(k->effects = malloc(len)))
		return false;
	size_t at = 0;
	k->effects[0] = 0;
	for (int i = 0; i < now->n_effects; i++)
		at += (size_t)snprintf(k->effects + at, len - at, "%s:%d;", now->effects[i].id,
				       now->effects[i].rounds_left);
	return true;
}

static bool league_same(const memo_league_t *k, const memo_league_t *other)
{
	return rules_equal(&k->rules, &other->rules) && !strcmp(k->effects, other->effects);
}

static int memo_check(void *ud, const pw_gov_league_t *now, const pw_rules_t *with_rules, const char *source,
		      cJSON **hooks, cJSON **impact, char *err, size_t errlen)
{
	check_slot_t *sl = ud;
	bool want = impact != NULL;
	memo_league_t key;
	if (!league_key(now, &key)) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	memo_fx_t *m = sl->fx;
	while (m && !(m->want_impact == want && !strcmp(m->source, source) && league_same(&m->now, &key) &&
		      m->has_with == (with_rules != NULL) && (!with_rules || rules_equal(&m->with, with_rules))))
		m = m->next;
	if (m) {
		free(key.effects);
	} else {
		m = calloc(1, sizeof *m);
		char *copy = m ? strdup(source) : NULL;
		if (!copy) {
			free(m);
			free(key.effects);
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		m->now = key;
		m->has_with = with_rules != NULL;
		if (with_rules)
			m->with = *with_rules;
		m->source = copy;
		m->want_impact = want;
		sl->computed++;
		m->rc = sl->check_effect(sl->ud, now, with_rules, source, &m->hooks, want ? &m->impact : NULL,
					 m->err, sizeof m->err);
		m->next = sl->fx;
		sl->fx = m;
	}
	*hooks = dup_or_null(m->hooks);
	if (impact)
		*impact = dup_or_null(m->impact);
	if (m->rc < 0)
		snprintf(err, errlen, "%s", m->err);
	return m->rc;
}

static cJSON *memo_impact(void *ud, const pw_gov_league_t *now, const pw_rules_t *after)
{
	check_slot_t *sl = ud;
	memo_league_t key;
	if (!league_key(now, &key))
		return NULL;
	memo_rules_t *m = sl->rules;
	while (m && !(league_same(&m->now, &key) && rules_equal(&m->after, after)))
		m = m->next;
	if (m) {
		free(key.effects);
	} else {
		m = calloc(1, sizeof *m);
		if (!m) {
			free(key.effects);
			return NULL;
		}
		m->now = key;
		m->after = *after;
		sl->computed++;
		m->impact = sl->rules_impact(sl->ud, now, after);
		m->next = sl->rules;
		sl->rules = m;
	}
	return dup_or_null(m->impact);
}

static bool same_text(const char *a, const char *b)
{
	return !strcmp(a ? a : "", b ? b : "");
}

/* The interpreter hook, remembered for the job: the write reads the very
 * interpretation the check computed (and the governor saw). */
static int memo_interpret(void *ud, const pw_gov_interp_req_t *rq, cJSON **out, char *err, size_t errlen)
{
	check_slot_t *sl = ud;
	memo_league_t key;
	*out = NULL;
	if (!league_key(rq->now, &key)) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	memo_interp_t *m = sl->interps;
	while (m && !(same_text(m->text, rq->in->text) && same_text(m->lua, rq->in->effect_lua) &&
		      league_same(&m->now, &key)))
		m = m->next;
	if (m) {
		free(key.effects);
	} else {
		m = calloc(1, sizeof *m);
		if (!m || !(m->text = strdup(rq->in->text ? rq->in->text : "")) ||
		    !(m->lua = strdup(rq->in->effect_lua ? rq->in->effect_lua : ""))) {
			if (m)
				free(m->text);
			free(m);
			free(key.effects);
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		m->now = key;
		sl->computed++;
		m->rc = sl->interpret(sl->interpret_ud, rq, &m->out, m->err, sizeof m->err);
		m->next = sl->interps;
		sl->interps = m;
	}
	if (m->rc < 0) {
		snprintf(err, errlen, "%s", m->err);
		return m->rc;
	}
	*out = dup_or_null(m->out);
	return *out ? 0 : -1;
}

static void memo_clear(check_slot_t *sl)
{
	while (sl->interps) {
		memo_interp_t *m = sl->interps;
		sl->interps = m->next;
		free(m->text);
		free(m->lua);
		free(m->now.effects);
		cJSON_Delete(m->out);
		free(m);
	}
	while (sl->fx) {
		memo_fx_t *m = sl->fx;
		sl->fx = m->next;
		free(m->source);
		free(m->now.effects);
		cJSON_Delete(m->hooks);
		cJSON_Delete(m->impact);
		free(m);
	}
	while (sl->rules) {
		memo_rules_t *m = sl->rules;
		sl->rules = m->next;
		free(m->now.effects);
		cJSON_Delete(m->impact);
		free(m);
	}
	sl->computed = 0;
}

/* ---- jobs --------------------------------------------------------------- */

/* A check worker: the check without the lock, then the write from memory. */
static void job_run(void *slot, void *ud)
{
	check_slot_t *sl = slot;
	check_job_t *j = ud;
	memo_clear(sl);
	if (j->kind == API_CHECK_PREVIEW) {
		j->rc = gov_preview(sl->gov, j->text, j->lua, &j->out, &j->err);
		memo_clear(sl);
		return;
	}
	if (j->kind == API_CHECK_STRATEGY) {
		j->rc = gov_strategy_set(sl->gov, j->gid, j->text, &j->out, &j->err);
		return;
	}
	j->rc = gov_precheck(sl->gov, j->gid, j->pid, j->text, j->lua, &j->err);
	if (j->rc == 0) {
		sl->computed = 0;
		j->rc = j->pid ? gov_amend(sl->gov, j->gid, j->pid, j->text, j->lua, &j->out, &j->err)
			       : gov_propose(sl->gov, j->gid, j->text, j->lua, &j->out, &j->err);
		/* Non-zero only when the league changed between the two (a tally
		 * enacted rules): the write then computed inside its transaction. */
		j->recomputed = sl->computed;
	}
	memo_clear(sl);
}

static void job_free(check_job_t *j)
{
	cJSON_Delete(j->out);
	free(j->text);
	free(j->lua);
	free(j);
}

static void job_conn_closed(void *ud)
{
	check_job_t *j = ud;
	j->c = NULL;
}

/* Loop thread: answer the client, if it is still there. */
static void job_done(void *ud, int status)
{
	check_job_t *j = ud;
	if (j->recomputed)
		log_event(&j->app->log, PW_LOG_INFO, "check.recomputed",
			  "governor=%lld the league changed during the check: %d answers computed while writing",
			  (long long)j->gid, j->recomputed);
	if (j->render) {
		pw_response_t res;
		resp_init(&res);
		api_check_answer_t ans = {.rc = j->rc, .err = &j->err, .out = j->out};
		if (status < 0) {
			ans = (api_check_answer_t){.refused = 503, .rc = PW_E_INTERNAL, .err = &j->err,
						   .refusal = "The server is shutting down; send it again shortly."};
			cJSON_Delete(j->out);
		}
		j->out = NULL;
		j->render(j->app, j->render_ud, &ans, j->c ? &res : NULL);
		if (j->c) {
			pw_http_conn_t *c = j->c;
			j->c = NULL;
			http_conn_respond(c, &res);
		} else {
			resp_free(&res);
		}
	} else if (j->c) {
		pw_response_t res;
		resp_init(&res);
		if (status < 0) {
			resp_error(&res, 503, "shutting_down", "The server is shutting down; send it again shortly.");
		} else {
			api_reply(&res, j->rc, &j->err, j->out, j->kind == API_CHECK_PROPOSE ? 201 : 200);
			j->out = NULL;
		}
		pw_http_conn_t *c = j->c;
		j->c = NULL;
		http_conn_respond(c, &res);
	}
	job_free(j);
}

/* Why the queue refused a check: its status, code and sentence. */
static int refusal(pw_app_t *app, int rc, const char **code, char *msg, size_t cap)
{
	if (rc == CHECKQ_KEY_BUSY) {
		*code = "check_in_progress";
		snprintf(msg, cap, "Your previous proposal is still being checked; send this one when it is done.");
		return 429;
	}
	if (rc == CHECKQ_RATE) {
		*code = "rate_limited";
		snprintf(msg, cap, "You have sent %d proposals for checking in the last minute; wait a little.",
			 app->cfg.checks_per_minute);
		return 429;
	}
	if (rc == CHECKQ_FULL) {
		*code = "checks_busy";
		snprintf(msg, cap, "Every proposal checker is busy and the queue is full; try again shortly.");
		return 503;
	}
	*code = "shutting_down";
	snprintf(msg, cap, "The server is shutting down; send it again shortly.");
	return 503;
}

int api_propose_start(pw_app_t *app, pw_http_conn_t *c, int64_t gid, int64_t pid, const char *text,
		      const char *lua, pw_response_t *res)
{
	api_check_req_t rq = {.kind = pid ? API_CHECK_AMEND : API_CHECK_PROPOSE, .governor_id = gid,
			      .proposal_id = pid, .text = text, .lua = lua};
	return api_check_start(app, c, &rq, res);
}

int api_check_start(pw_app_t *app, pw_http_conn_t *c, const api_check_req_t *rq, pw_response_t *res)
{
	check_job_t *j = calloc(1, sizeof *j);
	if (j) {
		j->text = rq->text ? strdup(rq->text) : NULL;
		j->lua = rq->lua ? strdup(rq->lua) : NULL;
	}
	int status = 0, retry = 0;
	const char *code = "out_of_memory";
	char msg[200] = "The server cannot take this proposal now.";
	if (!j || (rq->text && !j->text) || (rq->lua && !j->lua)) {
		status = 503;
	} else if (!app->checks) {
		status = refusal(app, CHECKQ_CLOSED, &code, msg, sizeof msg);
	} else {
		j->app = app;
		j->kind = rq->kind;
		j->render = rq->render;
		j->render_ud = rq->ud;
		j->gid = rq->governor_id;
		j->pid = rq->kind == API_CHECK_AMEND ? rq->proposal_id : 0;
		j->c = c;
		retry = 1;
		int rc = checkq_submit(app->checks->q, rq->governor_id, job_run, job_done, j, &retry);
		if (rc == CHECKQ_OK) {
			/* The job holds j from here; the connection (if any: Discord's
			 * answers go through its webhook) waits for job_done. */
			if (c)
				http_conn_defer(c, job_conn_closed, j);
			return HTTP_DEFERRED;
		}
		status = refusal(app, rc, &code, msg, sizeof msg);
	}
	if (j)
		job_free(j);
	if (rq->render) {
		api_check_answer_t ans = {.refused = status, .refusal = msg, .rc = PW_E_INTERNAL};
		rq->render(app, rq->ud, &ans, res);
	} else {
		resp_error(res, status, code, "%s", msg);
	}
	if (retry > 0) { /* the queue said when to come back */
		char ra[16];
		snprintf(ra, sizeof ra, "%d", retry);
		resp_header(res, "Retry-After", ra);
	}
	return HTTP_HANDLED;
}

/* ---- workers ------------------------------------------------------------ */

int api_checks_open(pw_app_t *app)
{
	struct api_checks *k = calloc(1, sizeof *k);
	if (!k)
		return -1;
	app->checks = k;
	pw_checkq_config_t qc = {.workers = app->cfg.check_workers, .queue = app->cfg.check_queue,
				 .per_minute = app->cfg.checks_per_minute};
	char err[512];
	for (int i = 0; i < qc.workers && i < CHECKQ_MAX_WORKERS; i++) {
		check_slot_t *sl = &k->slots[i];
		sl->check_effect = app->gov_cfg.check_effect;
		sl->rules_impact = app->gov_cfg.rules_impact;
		sl->ud = app->gov_cfg.ud;
		pw_gov_cfg_t gc = app->gov_cfg;
		if (gc.check_effect)
			gc.check_effect = memo_check;
		if (gc.rules_impact)
			gc.rules_impact = memo_impact;
		gc.ud = sl;
		/* The AI interpreter runs here only: these threads may wait on
		 * the network, the loop's own service never does. */
		if (ai_enabled(app->ai)) {
			sl->interpret = ai_interp_proposal;
			sl->interpret_ud = app->ai;
			gc.interpret = memo_interpret;
			gc.interpret_ud = sl;
			gc.strategy = ai_strategy_read;
			gc.strategy_ud = app->ai;
		}
		k->n = i + 1;
		sl->store = store_open(app->cfg.db_path, err, sizeof err);
		if (!sl->store) {
			log_event(&app->log, PW_LOG_ERROR, "db.open_failed", "%s", err);
			return -1;
		}
		sl->gov = gov_open(sl->store, &gc);
		if (!sl->gov) {
			log_event(&app->log, PW_LOG_ERROR, "league.open_failed", "the event log could not be read");
			return -1;
		}
		qc.slots[i] = sl;
	}
	int r = checkq_new(&k->q, app->loop, &qc);
	if (r < 0) {
		log_event(&app->log, PW_LOG_ERROR, "checks.config", "%s", uv_strerror(r));
		return -1;
	}
	return 0;
}

void api_checks_close(pw_app_t *app, void (*idle)(void *ud), void *ud)
{
	checkq_close(app->checks ? app->checks->q : NULL, idle, ud);
}

void api_checks_free(pw_app_t *app)
{
	struct api_checks *k = app->checks;
	if (!k)
		return;
	checkq_free(k->q);
	for (int i = 0; i < k->n; i++) {
		memo_clear(&k->slots[i]);
		gov_close(k->slots[i].gov);
		store_close(k->slots[i].store);
	}
	free(k);
	app->checks = NULL;
}
