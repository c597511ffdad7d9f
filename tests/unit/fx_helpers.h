/*
 * fx_helpers.h — a hand-built game for effects tests: two teams of four,
 * a game state and hook contexts the way the simulation fills them, and
 * shortcuts to load a script and run one hook.
 */
#ifndef PW_FX_HELPERS_H
#define PW_FX_HELPERS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/sim/rules.h"
#include "effects/fx.h"
#include "tests/test.h"

typedef struct fxt_game {
	pw_rules_t rules;
	pw_team_t team[2];
	pw_game_state_t g;
} fxt_game_t;

static inline void fxt_game_init(fxt_game_t *t)
{
	memset(t, 0, sizeof *t);
	rules_default(&t->rules);
	for (int tm = 0; tm < 2; tm++) {
		pw_team_t *T = &t->team[tm];
		T->id = tm + 1;
		snprintf(T->name, sizeof T->name, "Team %d", tm + 1);
		for (int s = 0; s < PW_ROSTER_SIZE; s++) {
			pw_hooper_t *h = &T->hoopers[s];
			h->id = tm * PW_ROSTER_SIZE + s + 1;
			h->team_id = T->id;
			snprintf(h->name, sizeof h->name, "Hooper %d", h->id);
			h->archetype = (pw_archetype_t)s;
			for (int a = 0; a < PW_ATTR_COUNT; a++)
				h->attr[a] = 40 + s;
			h->is_starter = s < PW_ON_FLOOR;
			h->n_moves = 1;
			h->moves[0] = PW_MOVE_HEAT_CHECK;
			pw_live_hooper_t *lh = &t->g.hooper[tm][s];
			lh->h = h;
			memcpy(lh->attr, h->attr, sizeof lh->attr);
			lh->stamina = 1.0;
			lh->team = tm;
			lh->on_floor = s < PW_ON_FLOOR;
			lh->n_moves = 1;
			lh->moves[0] = PW_MOVE_HEAT_CHECK;
		}
		for (int s = 0; s < PW_ON_FLOOR; s++)
			t->g.on_floor[tm][s] = s;
		t->g.team[tm] = T;
	}
	t->g.game_id = 7;
	t->g.round = 1;
	t->g.seed = 42;
	t->g.rules = &t->rules;
	t->g.quarter = 1;
	t->g.clock = 600;
	t->g.winner = -1;
}

static inline pw_hook_ctx_t fxt_ctx(fxt_game_t *t, pw_sim_hook_t h)
{
	pw_hook_ctx_t c;
	memset(&c, 0, sizeof c);
	c.hook = h;
	c.game = &t->g;
	c.offense = (h == PW_HOOK_GAME_PRE || h == PW_HOOK_QUARTER_PRE || h == PW_HOOK_QUARTER_END ||
		     h == PW_HOOK_HALFTIME || h == PW_HOOK_ELAM_START || h == PW_HOOK_GAME_END)
			    ? -1 : 0;
	if (c.offense == 0) {
		c.handler = c.shooter = c.subject = &t->g.hooper[0][0];
		c.defender = &t->g.hooper[1][0];
	}
	c.shot_type = PW_SHOT_THREE;
	c.probability = 0.4;
	return c;
}

static inline fx_script_t *fxt_load(const char *src)
{
	char err[FX_ERR_MAX];
	fx_script_t *s = NULL;
	if (fx_script_load(src, strlen(src), &s, err, sizeof err) < 0) {
		test_fail(__FILE__, __LINE__, "script did not load: %s", err);
		return NULL;
	}
	return s;
}

/* Loads src expecting failure; returns the message (static buffer). */
static inline const char *fxt_load_err(const char *src)
{
	static char err[FX_ERR_MAX];
	fx_script_t *s = NULL;
	if (fx_script_load(src, strlen(src), &s, err, sizeof err) == 0) {
		fx_script_free(s);
		return "(loaded)";
	}
	return err;
}

/*
 * One game session with the given effects; calls hook `calls` times with
 * the default context and accumulates the result. Fills rep (caller frees).
 */
typedef struct fxt_run {
	pw_hook_result_t res;
	fx_report_t rep;
	pw_game_result_t gr;
	bool had_hooks;
} fxt_run_t;

static inline void fxt_run_free(fxt_run_t *r)
{
	fx_report_free(&r->rep);
	free(r->gr.effects);
}

static inline void fxt_run_game(fx_engine_t *e, fxt_game_t *t, const fx_effect_t *effs, int n,
				pw_sim_hook_t h, int calls, fxt_run_t *out, const fx_meta_reader_t *meta)
{
	memset(out, 0, sizeof *out);
	fx_report_init(&out->rep);
	fx_session_setup_t s = {.game_id = t->g.game_id, .round = 1, .seed = t->g.seed,
				.effects = effs, .n_effects = n, .capture_log = true};
	if (meta)
		s.meta = *meta;
	const pw_hooks_t *hooks = NULL;
	char err[FX_ERR_MAX];
	if (fx_game_begin(e, &s, &hooks, err, sizeof err) < 0) {
		test_fail(__FILE__, __LINE__, "game_begin: %s", err);
		return;
	}
	out->had_hooks = hooks != NULL;
	pw_hook_ctx_t c = fxt_ctx(t, h);
	for (int i = 0; i < calls; i++)
		if (hooks_wants(hooks, h))
			hooks->call(hooks->ud, &c, &out->res);
	fx_game_end(e, &out->gr, &out->rep);
}

/* The first error message of a run, or "". */
static inline const char *fxt_err(const fxt_run_t *r)
{
	return r->rep.n_errors ? r->rep.errors[0].message : "";
}

/* CPU seconds of this thread: what an attack can make the engine do is
 * about its budgets, which load on the machine does not change (a real
 * hang is still caught by the runner's per-test timeout). */
static inline double fxt_cpu_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* After an attack, the same engine must still run a benign effect that
 * sees pristine libraries and no leftover globals. */
static inline void fxt_check_engine_clean(fx_engine_t *e)
{
	static const char *benign =
		"return {name='benign', hooks={['sim.shot.pre']=function(ctx)\n"
		"  assert(string.rep('ab', 2) == 'abab' and ('x'):upper() == 'X')\n"
		"  assert(('a(b)c'):find('%b()') == 2 and ('x'):gsub('x', 'y') == 'y')\n"
		"  assert(type(table.insert) == 'function' and math.floor(1.5) == 1)\n"
		"  leak = (rawget(_ENV, 'leak') or 0) + 1\n"
		"  assert(leak <= 2, 'a global survived the game')\n"
		"  return {shot_probability = 0.01}\n"
		"end}}";
	fx_script_t *s = fxt_load(benign);
	fxt_game_t t;
	fxt_game_init(&t);
	fx_effect_t eff = {"benign", s};
	fxt_run_t r;
	fxt_run_game(e, &t, &eff, 1, PW_HOOK_SHOT_PRE, 2, &r, NULL);
	CHECK_STR(fxt_err(&r), "");
	CHECK_NEAR(r.res.shot_probability, 0.02, 1e-12);
	fxt_run_free(&r);
	fx_script_free(s);
}

/* A script that tries to escape or exhaust the sandbox: the body of a
 * sim.shot.pre hook and what must stop it. */
typedef struct fxt_attack {
	const char *name;
	const char *body;
	const char *want; /* part of the error; NULL: must run without error */
} fxt_attack_t;

/*
 * Runs each attack on engine e as the only effect of a game of `calls`
 * hook calls: it must end with exactly its error (or none), never by the
 * CPU-time backstop (an engine fault), within bound_s CPU seconds, and the
 * engine must be clean after it. Returns the slowest attack's seconds and
 * its name in *slowest.
 */
static inline double fxt_run_attacks(fx_engine_t *e, const fxt_attack_t *attacks, int n, int calls,
				     double bound_s, const char **slowest)
{
	double worst = 0;
	*slowest = "";
	for (int i = 0; i < n; i++) {
		const fxt_attack_t *a = &attacks[i];
		char *src = malloc(strlen(a->body) + 256);
		sprintf(src, "return {name='%s', hooks={['sim.shot.pre']=function(ctx)\n%s\nend}}",
			a->name, a->body);
		fx_script_t *s = fxt_load(src);
		free(src);
		if (!s) {
			printf("    attack %s did not load\n", a->name);
			continue;
		}
		fxt_game_t t;
		fxt_game_init(&t);
		fx_effect_t eff = {a->name, s};
		fxt_run_t r;
		double t0 = fxt_cpu_s();
		fxt_run_game(e, &t, &eff, 1, PW_HOOK_SHOT_PRE, calls, &r, NULL);
		double dt = fxt_cpu_s() - t0;
		if (dt > worst) {
			worst = dt;
			*slowest = a->name;
		}
		if (a->want) {
			CHECK_MSG(r.rep.n_errors == 1, "attack %s: %zu errors", a->name, r.rep.n_errors);
			CHECK_MSG(strstr(fxt_err(&r), a->want) != NULL, "attack %s: error \"%s\" lacks \"%s\"",
				  a->name, fxt_err(&r), a->want);
		} else {
			CHECK_MSG(r.rep.n_errors == 0, "attack %s: unexpected error \"%s\"", a->name, fxt_err(&r));
		}
		CHECK_MSG(strstr(fxt_err(&r), "engine fault") == NULL, "attack %s hit the backstop: %s",
			  a->name, fxt_err(&r));
		CHECK_MSG(dt < bound_s, "attack %s took %.3f CPU seconds (bound %.1f)", a->name, dt, bound_s);
		fxt_run_free(&r);
		fx_script_free(s);
		fxt_check_engine_clean(e);
	}
	return worst;
}

#endif
