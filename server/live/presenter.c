/*
 * presenter.c — instant and replayed presentation of a tick (see
 * presenter.h).
 */
#include "server/live/presenter.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct pgame {
	int64_t id;
	cJSON *json;        /* the GameResult */
	const cJSON *plays; /* array inside json */
	size_t n_plays;
	uint64_t *offset;   /* ms from the presentation's start */
	uint64_t end_ms;    /* when game_finished is due */
	size_t next;        /* index of the next play to show */
	bool started, finished;
	const cJSON *card;  /* json's "presentation" object (may be NULL) */
} pgame_t;

struct pw_presenter {
	uv_loop_t *loop;
	uv_timer_t timer;
	pw_presenter_config_t cfg;
	pw_presenter_ops_t ops;
	bool running;
	bool closing;
	int round;
	int quarter_seconds; /* for the running presentation */
	uint64_t base_ms;    /* loop time at which elapsed was 0 */
	uint64_t saved_ms;   /* elapsed at the last checkpoint */
	pgame_t *games;
	size_t n_games;
	cJSON *held;         /* events waiting for what they reveal to be shown */
	bool held_saved;     /* under PRESENTER_HELD_KEY, to be removed at the end */
};

/* A game's final score shows this long after its last play. */
#define PRESENTER_FINAL_DELAY_MS 1000

static uint64_t now_ms(pw_presenter_t *p)
{
	return uv_now(p->loop);
}

long presenter_play_offsets(const cJSON *game, int quarter_seconds, uint64_t *out, size_t cap)
{
	const cJSON *plays = cJSON_GetObjectItemCaseSensitive(game, "plays");
	const cJSON *rules = cJSON_GetObjectItemCaseSensitive(game, "rules");
	if (!cJSON_IsArray(plays))
		return -1;
	double qmin = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(rules, "quarter_minutes"));
	double qlen = isnan(qmin) || qmin <= 0 ? 600.0 : qmin * 60.0;
	double Q = (quarter_seconds > 0 ? quarter_seconds : 300) * 1000.0;
	size_t n = (size_t)cJSON_GetArraySize(plays);
	if (n > cap)
		return -1;
	/* Count untimed (Elam) plays per period to spread them evenly. */
	size_t elam_total = 0, elam_seen = 0;
	const cJSON *pl;
	cJSON_ArrayForEach(pl, plays)
	{
		if (!cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(pl, "clock")))
			elam_total++;
	}
	uint64_t prev = 0;
	size_t i = 0;
	cJSON_ArrayForEach(pl, plays)
	{
		double q = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(pl, "quarter"));
		if (isnan(q) || q < 1)
			q = 1;
		if (q > 16)
			q = 16;
		const cJSON *clock = cJSON_GetObjectItemCaseSensitive(pl, "clock");
		double frac;
		if (cJSON_IsNumber(clock)) {
			double c = clock->valuedouble;
			if (c < 0)
				c = 0;
			if (c > qlen)
				c = qlen;
			frac = 1.0 - c / qlen;
		} else {
			elam_seen++;
			frac = (double)elam_seen / (double)(elam_total ? elam_total : 1);
		}
		uint64_t off = (uint64_t)llround((q - 1) * Q + frac * Q);
		if (off < prev)
			off = prev; /* never backwards, whatever the input */
		out[i++] = prev = off;
	}
	return (long)n;
}

static void free_games(pw_presenter_t *p)
{
	cJSON_Delete(p->held);
	p->held = NULL;
	for (size_t i = 0; i < p->n_games; i++) {
		cJSON_Delete(p->games[i].json);
		free(p->games[i].offset);
	}
	free(p->games);
	p->games = NULL;
	p->n_games = 0;
}

static void publish(pw_presenter_t *p, const char *type, cJSON *obj)
{
	char *text = obj ? cJSON_PrintUnformatted(obj) : NULL;
	if (text && p->ops.publish)
		p->ops.publish(p->ops.ud, type, text);
	cJSON_free(text);
	cJSON_Delete(obj);
}

static double num(const cJSON *o, const char *k)
{
	double v = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(o, k));
	return isnan(v) ? 0 : v;
}

static void copy_field(cJSON *dst, const cJSON *src, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(src, k);
	cJSON_AddItemToObject(dst, k, v ? cJSON_Duplicate(v, 1) : cJSON_CreateNull());
}

/* Copies the game's card (round, stage, series, team names: whatever the
 * loader put there) into an event, so each event alone tells a viewer
 * which game it is about. */
static void add_card(cJSON *o, const pgame_t *g)
{
	const cJSON *f;
	cJSON_ArrayForEach(f, g->card)
		if (f->string && !cJSON_GetObjectItemCaseSensitive(o, f->string))
			cJSON_AddItemToObject(o, f->string, cJSON_Duplicate(f, 1));
}

static void emit_start(pw_presenter_t *p, pgame_t *g)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "game_id", (double)g->id);
	cJSON_AddNumberToObject(o, "round", p->round);
	copy_field(o, g->json, "home_team_id");
	copy_field(o, g->json, "away_team_id");
	cJSON_AddNumberToObject(o, "quarter_seconds", p->quarter_seconds);
	cJSON_AddNumberToObject(o, "plays", (double)g->n_plays);
	add_card(o, g);
	publish(p, "presentation.game_starting", o);
	g->started = true;
}

static void emit_play(pw_presenter_t *p, pgame_t *g, const cJSON *pl)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "game_id", (double)g->id);
	static const char *keys[] = {"n", "quarter", "clock", "offense_team_id", "handler_id",
				     "action", "result", "points", "home_score", "away_score",
				     "narrative"};
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		copy_field(o, pl, keys[i]);
	copy_field(o, g->json, "home_team_id");
	copy_field(o, g->json, "away_team_id");
	cJSON_AddNumberToObject(o, "round", p->round);
	add_card(o, g);
	publish(p, "presentation.possession", o);
}

/* Publishes the held events tied to game_id (0: those tied to no game, the
 * round's; -1: all), and forgets them. */
static void release_held(pw_presenter_t *p, int64_t game_id)
{
	cJSON *e = p->held ? p->held->child : NULL;
	while (e) {
		cJSON *next = e->next;
		const cJSON *gid = cJSON_GetObjectItemCaseSensitive(e, "game_id");
		int64_t tied = cJSON_IsNumber(gid) ? (int64_t)gid->valuedouble : 0;
		const char *type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "type"));
		if (tied == game_id || game_id < 0) {
			cJSON *data = cJSON_GetObjectItemCaseSensitive(e, "data");
			if (type)
				publish(p, type, cJSON_Duplicate(data, 1));
			cJSON_Delete(cJSON_DetachItemViaPointer(p->held, e));
		}
		e = next;
	}
}

static void emit_finish(pw_presenter_t *p, pgame_t *g)
{
	/* Viewers may read the result from now on: marked before the event
	 * that tells them to look. */
	if (p->ops.mark_presented)
		p->ops.mark_presented(p->ops.ud, g->id);
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "game_id", (double)g->id);
	copy_field(o, g->json, "home_score");
	copy_field(o, g->json, "away_score");
	copy_field(o, g->json, "winner_team_id");
	copy_field(o, g->json, "home_team_id");
	copy_field(o, g->json, "away_team_id");
	cJSON_AddNumberToObject(o, "round", p->round);
	add_card(o, g);
	publish(p, "presentation.game_finished", o);
	g->finished = true;
	release_held(p, g->id);
}

static char *state_json(pw_presenter_t *p, uint64_t elapsed)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "round", p->round);
	cJSON_AddNumberToObject(o, "quarter_seconds", p->quarter_seconds);
	cJSON_AddNumberToObject(o, "elapsed_ms", (double)elapsed);
	cJSON *games = cJSON_AddArrayToObject(o, "games");
	for (size_t i = 0; i < p->n_games; i++) {
		cJSON *g = cJSON_CreateObject();
		cJSON_AddNumberToObject(g, "game_id", (double)p->games[i].id);
		cJSON_AddNumberToObject(g, "next_play", (double)p->games[i].next);
		cJSON_AddBoolToObject(g, "started", p->games[i].started);
		cJSON_AddBoolToObject(g, "finished", p->games[i].finished);
		cJSON_AddItemToArray(games, g);
	}
	char *text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return text;
}

/* How often mid-game progress is checkpointed (see step). */
#define PRESENTER_CHECKPOINT_MS 1000

static void save(pw_presenter_t *p, uint64_t elapsed)
{
	if (!p->ops.state_save)
		return;
	if (!p->running) {
		p->ops.state_save(p->ops.ud, PRESENTER_STATE_KEY, NULL);
		return;
	}
	char *s = state_json(p, elapsed);
	if (s)
		p->ops.state_save(p->ops.ud, PRESENTER_STATE_KEY, s);
	cJSON_free(s);
}

static void finish_round(pw_presenter_t *p)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "round", p->round);
	cJSON *ids = cJSON_AddArrayToObject(o, "game_ids");
	for (size_t i = 0; i < p->n_games; i++)
		cJSON_AddItemToArray(ids, cJSON_CreateNumber((double)p->games[i].id));
	publish(p, "presentation.round_finished", o);
	release_held(p, 0);
	cJSON_Delete(p->held);
	p->held = NULL;
	if (p->held_saved && p->ops.state_save)
		p->ops.state_save(p->ops.ud, PRESENTER_HELD_KEY, NULL);
	p->held_saved = false;
	p->running = false;
	save(p, 0);
	if (p->cfg.log)
		log_event(p->cfg.log, PW_LOG_INFO, "presentation.done", "round=%d games=%zu", p->round,
			  p->n_games);
	free_games(p);
}

static void on_timer(uv_timer_t *t);

/* Emits everything due by now, saves, and sets the timer for what is next. */
static void step(pw_presenter_t *p)
{
	if (!p->running || p->closing)
		return;
	uint64_t now = now_ms(p);
	uint64_t elapsed = now >= p->base_ms ? now - p->base_ms : 0;
	bool emitted = false, all_done = true;
	bool milestone = false; /* a game started or finished */
	uint64_t next_due = UINT64_MAX;
	for (size_t i = 0; i < p->n_games; i++) {
		pgame_t *g = &p->games[i];
		if (g->finished)
			continue;
		if (!g->started) {
			emit_start(p, g);
			emitted = milestone = true;
		}
		while (g->next < g->n_plays && g->offset[g->next] <= elapsed) {
			emit_play(p, g, cJSON_GetArrayItem(g->plays, (int)g->next));
			g->next++;
			emitted = true;
		}
		if (g->next == g->n_plays && elapsed >= g->end_ms) {
			emit_finish(p, g);
			emitted = milestone = true;
			continue;
		}
		all_done = false;
		uint64_t due = g->next < g->n_plays ? g->offset[g->next] : g->end_ms;
		if (due < next_due)
			next_due = due;
	}
	if (all_done) {
		finish_round(p);
		return;
	}
	/* The checkpoint is a SQLite write on the loop thread: take it at once
	 * when a game starts or finishes (so a restart never repeats or skips
	 * one), otherwise at most every PRESENTER_CHECKPOINT_MS, so a restart
	 * re-shows at most that much of a game's plays. */
	if (milestone || (emitted && elapsed - p->saved_ms >= PRESENTER_CHECKPOINT_MS)) {
		save(p, elapsed);
		p->saved_ms = elapsed;
	}
	uint64_t wait = next_due > elapsed ? next_due - elapsed : 0;
	uv_timer_start(&p->timer, on_timer, wait, 0);
}

static void on_timer(uv_timer_t *t)
{
	step(t->data);
}

/* Loads the GameResult of each game (its plays and card): those given in
 * made (may be NULL; each taken), the rest through ops.load_game. */
static int load_games(pw_presenter_t *p, const int64_t *ids, cJSON **made, size_t n)
{
	p->games = calloc(n ? n : 1, sizeof *p->games);
	if (!p->games)
		return -ENOMEM;
	p->n_games = n;
	for (size_t i = 0; i < n; i++) {
		pgame_t *g = &p->games[i];
		g->id = ids[i];
		if (made && made[i]) {
			g->json = made[i];
			made[i] = NULL;
		} else {
			g->json = p->ops.load_game ? p->ops.load_game(p->ops.ud, ids[i]) : NULL;
		}
		if (!g->json)
			return -ENOENT;
		g->plays = cJSON_GetObjectItemCaseSensitive(g->json, "plays");
		if (!cJSON_IsArray(g->plays))
			return -ENOENT;
		g->n_plays = (size_t)cJSON_GetArraySize(g->plays);
		const cJSON *card = cJSON_GetObjectItemCaseSensitive(g->json, "presentation");
		g->card = cJSON_IsObject(card) ? card : NULL;
	}
	return 0;
}

/* When each play of each game is due, at p->quarter_seconds a quarter. */
static int time_games(pw_presenter_t *p)
{
	for (size_t i = 0; i < p->n_games; i++) {
		pgame_t *g = &p->games[i];
		free(g->offset);
		g->offset = calloc(g->n_plays ? g->n_plays : 1, sizeof *g->offset);
		if (!g->offset)
			return -ENOMEM;
		if (presenter_play_offsets(g->json, p->quarter_seconds, g->offset, g->n_plays) < 0)
			return -ENOENT;
		/* The final score shows a moment after the last play. */
		g->end_ms = (g->n_plays ? g->offset[g->n_plays - 1] : 0) + PRESENTER_FINAL_DELAY_MS;
	}
	return 0;
}

/* Periods of the longest game: the quarter of its last play (the Elam
 * period counts as one, spread over a quarter's time). */
static int periods_of(const pw_presenter_t *p)
{
	int most = 1;
	for (size_t i = 0; i < p->n_games; i++) {
		const pgame_t *g = &p->games[i];
		if (!g->n_plays)
			continue;
		double q = num(cJSON_GetArrayItem(g->plays, (int)g->n_plays - 1), "quarter");
		int qi = q < 1 ? 1 : q > 16 ? 16 : (int)q;
		if (qi > most)
			most = qi;
	}
	return most;
}

int presenter_fit_quarter(int configured, int periods, uint64_t fit_ms)
{
	if (configured < 1)
		configured = 1;
	if (!fit_ms)
		return configured;
	if (periods < 1)
		periods = 1;
	/* The plays fit; the final score shows a second after the last. */
	uint64_t q = fit_ms / ((uint64_t)periods * 1000);
	if (q < 1)
		q = 1;
	return q < (uint64_t)configured ? (int)q : configured;
}

static void present_instant(pw_presenter_t *p)
{
	for (size_t i = 0; i < p->n_games; i++) {
		emit_start(p, &p->games[i]);
		p->games[i].next = p->games[i].n_plays;
		emit_finish(p, &p->games[i]);
	}
	finish_round(p);
}

/* Saves the held events under their own key, once: they only shrink
 * afterwards, and a resumed presentation drops those of finished games. */
static void save_held(pw_presenter_t *p)
{
	if (!p->ops.state_save || !p->held || !p->held->child)
		return;
	char *text = cJSON_PrintUnformatted(p->held);
	if (text && p->ops.state_save(p->ops.ud, PRESENTER_HELD_KEY, text) == 0)
		p->held_saved = true;
	cJSON_free(text);
}

int presenter_start(pw_presenter_t *p, pw_present_tick_t *t)
{
	if (p->running || p->closing)
		return p->running ? -EBUSY : -ECANCELED;
	p->round = t->round;
	p->quarter_seconds = t->quarter_seconds > 0 ? t->quarter_seconds : p->cfg.quarter_seconds;
	int r = load_games(p, t->game_ids, t->games, t->n);
	if (r == 0 && t->quarter_seconds <= 0)
		p->quarter_seconds = presenter_fit_quarter(p->quarter_seconds, periods_of(p), t->fit_ms);
	if (r == 0)
		r = time_games(p);
	if (r < 0) {
		free_games(p);
		return r;
	}
	if (cJSON_IsArray(t->held)) {
		p->held = t->held;
		t->held = NULL;
	}
	p->running = true;
	if (p->cfg.log)
		log_event(p->cfg.log, PW_LOG_INFO, "presentation.start",
			  "round=%d games=%zu mode=%s quarter_seconds=%d", t->round, t->n,
			  p->cfg.mode == PW_PRESENT_REPLAY ? "replay" : "instant", p->quarter_seconds);
	if (p->cfg.mode == PW_PRESENT_INSTANT) {
		present_instant(p);
		return 0;
	}
	save_held(p);
	p->base_ms = now_ms(p);
	p->saved_ms = 0;
	save(p, 0);
	step(p);
	return 0;
}

/* The held events of a saved presentation, less those of games already
 * finished (published when they finished). */
static void resume_held(pw_presenter_t *p)
{
	char *text = p->ops.state_load ? p->ops.state_load(p->ops.ud, PRESENTER_HELD_KEY) : NULL;
	cJSON *held = text ? cJSON_Parse(text) : NULL;
	free(text);
	if (!cJSON_IsArray(held)) {
		cJSON_Delete(held);
		return;
	}
	p->held_saved = true;
	cJSON *e = held->child;
	while (e) {
		cJSON *next = e->next;
		const cJSON *gid = cJSON_GetObjectItemCaseSensitive(e, "game_id");
		for (size_t i = 0; cJSON_IsNumber(gid) && i < p->n_games; i++)
			if (p->games[i].id == (int64_t)gid->valuedouble && p->games[i].finished) {
				cJSON_Delete(cJSON_DetachItemViaPointer(held, e));
				break;
			}
		e = next;
	}
	p->held = held;
}

int presenter_resume(pw_presenter_t *p)
{
	if (p->running || !p->ops.state_load)
		return 0;
	char *text = p->ops.state_load(p->ops.ud, PRESENTER_STATE_KEY);
	if (!text)
		return 0;
	cJSON *st = cJSON_Parse(text);
	free(text);
	const cJSON *games = cJSON_GetObjectItemCaseSensitive(st, "games");
	size_t n = cJSON_IsArray(games) ? (size_t)cJSON_GetArraySize(games) : 0;
	int r = -EINVAL;
	int64_t *ids = calloc(n ? n : 1, sizeof *ids);
	if (st && ids && n > 0 && n <= 64) {
		size_t i = 0;
		const cJSON *g;
		cJSON_ArrayForEach(g, games) ids[i++] = (int64_t)num(g, "game_id");
		p->round = (int)num(st, "round");
		p->quarter_seconds = (int)num(st, "quarter_seconds");
		if (p->quarter_seconds <= 0)
			p->quarter_seconds = p->cfg.quarter_seconds;
		r = load_games(p, ids, NULL, n);
		if (r == 0)
			r = time_games(p);
	}
	free(ids);
	if (r < 0) {
		free_games(p);
		cJSON_Delete(st);
		/* What the tick held back is told now rather than never. */
		resume_held(p);
		release_held(p, -1);
		free_games(p);
		if (p->ops.state_save) {
			p->ops.state_save(p->ops.ud, PRESENTER_STATE_KEY, NULL);
			p->ops.state_save(p->ops.ud, PRESENTER_HELD_KEY, NULL);
		}
		p->held_saved = false;
		if (p->cfg.log)
			log_event(p->cfg.log, PW_LOG_WARN, "presentation.resume_failed",
				  "the saved presentation could not be resumed and was discarded");
		return r;
	}
	/* Each game carries on after its last shown play; the clock is set so
	 * the earliest pending play is due now — the downtime is not skipped. */
	uint64_t resume_at = UINT64_MAX;
	size_t i = 0;
	const cJSON *g;
	cJSON_ArrayForEach(g, games)
	{
		pgame_t *pg = &p->games[i++];
		double next = num(g, "next_play");
		pg->next = next < 0 ? 0 : (size_t)next;
		if (pg->next > pg->n_plays)
			pg->next = pg->n_plays;
		pg->started = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(g, "started"));
		pg->finished = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(g, "finished"));
		if (!pg->finished) {
			uint64_t due = pg->next < pg->n_plays ? pg->offset[pg->next] : pg->end_ms;
			if (due < resume_at)
				resume_at = due;
		}
	}
	cJSON_Delete(st);
	resume_held(p);
	if (resume_at == UINT64_MAX)
		resume_at = 0;
	p->running = true;
	uint64_t now = now_ms(p);
	p->base_ms = now >= resume_at ? now - resume_at : 0;
	p->saved_ms = resume_at;
	if (p->cfg.log)
		log_event(p->cfg.log, PW_LOG_INFO, "presentation.resumed", "round=%d games=%zu", p->round,
			  p->n_games);
	if (p->cfg.mode == PW_PRESENT_INSTANT) {
		for (size_t k = 0; k < p->n_games; k++) {
			pgame_t *pg = &p->games[k];
			if (pg->finished)
				continue;
			if (!pg->started)
				emit_start(p, pg);
			pg->next = pg->n_plays;
			emit_finish(p, pg);
		}
		finish_round(p);
		return 1;
	}
	step(p);
	return 1;
}

int presenter_new(pw_presenter_t **out, uv_loop_t *loop, const pw_presenter_config_t *cfg,
		  const pw_presenter_ops_t *ops)
{
	*out = NULL;
	pw_presenter_t *p = calloc(1, sizeof *p);
	if (!p)
		return UV_ENOMEM;
	p->loop = loop;
	p->cfg = *cfg;
	if (p->cfg.quarter_seconds <= 0)
		p->cfg.quarter_seconds = 300;
	p->ops = *ops;
	uv_timer_init(loop, &p->timer);
	p->timer.data = p;
	*out = p;
	return 0;
}

bool presenter_running(const pw_presenter_t *p)
{
	return p->running;
}

void presenter_abandon(pw_presenter_t *p)
{
	if (!p->running)
		return;
	uv_timer_stop(&p->timer);
	p->running = false;
	p->held_saved = false;
	if (p->cfg.log)
		log_event(p->cfg.log, PW_LOG_WARN, "presentation.abandoned",
			  "round=%d: left to the server that plays the ticks now", p->round);
	free_games(p);
}

void presenter_checkpoint(pw_presenter_t *p)
{
	if (!p->running)
		return;
	uint64_t now = now_ms(p);
	save(p, now >= p->base_ms ? now - p->base_ms : 0);
}

void presenter_status(const pw_presenter_t *p, cJSON *obj)
{
	cJSON_AddStringToObject(obj, "mode", p->cfg.mode == PW_PRESENT_REPLAY ? "replay" : "instant");
	cJSON_AddNumberToObject(obj, "quarter_seconds",
				p->running ? p->quarter_seconds : p->cfg.quarter_seconds);
	cJSON_AddBoolToObject(obj, "presenting", p->running);
	if (!p->running) {
		cJSON_AddNullToObject(obj, "presentation_round");
		return;
	}
	cJSON_AddNumberToObject(obj, "presentation_round", p->round);
	cJSON *games = cJSON_AddArrayToObject(obj, "presentation_games");
	for (size_t i = 0; i < p->n_games; i++) {
		cJSON *g = cJSON_CreateObject();
		cJSON_AddNumberToObject(g, "game_id", (double)p->games[i].id);
		cJSON_AddNumberToObject(g, "plays_shown", (double)p->games[i].next);
		cJSON_AddNumberToObject(g, "plays", (double)p->games[i].n_plays);
		cJSON_AddBoolToObject(g, "finished", p->games[i].finished);
		cJSON_AddItemToArray(games, g);
	}
}

static void on_closed(uv_handle_t *h)
{
	pw_presenter_t *p = h->data;
	free_games(p);
	free(p);
}

void presenter_close(pw_presenter_t *p)
{
	if (p->closing)
		return;
	presenter_checkpoint(p);
	p->closing = true;
	uv_close((uv_handle_t *)&p->timer, on_closed);
}

/* One game as the arena shows it now (see presenter_arena_json). */
static cJSON *arena_game(const pw_presenter_t *p, const pgame_t *g, int max_plays)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "game_id", (double)g->id);
	cJSON_AddNumberToObject(o, "round", p->round);
	copy_field(o, g->json, "home_team_id");
	copy_field(o, g->json, "away_team_id");
	add_card(o, g);
	const cJSON *last = g->next ? cJSON_GetArrayItem(g->plays, (int)g->next - 1) : NULL;
	const cJSON *src = g->finished ? g->json : last;
	cJSON_AddNumberToObject(o, "home_score", src ? num(src, "home_score") : 0);
	cJSON_AddNumberToObject(o, "away_score", src ? num(src, "away_score") : 0);
	if (last) {
		copy_field(o, last, "quarter");
		copy_field(o, last, "clock");
	} else {
		cJSON_AddNullToObject(o, "quarter");
		cJSON_AddNullToObject(o, "clock");
	}
	cJSON_AddBoolToObject(o, "started", g->started);
	cJSON_AddBoolToObject(o, "finished", g->finished);
	cJSON_AddNumberToObject(o, "plays_shown", (double)g->next);
	cJSON_AddNumberToObject(o, "plays", (double)g->n_plays);
	if (g->finished)
		copy_field(o, g->json, "winner_team_id");
	cJSON *latest = cJSON_AddArrayToObject(o, "latest");
	static const char *keys[] = {"n", "quarter", "clock", "points", "home_score", "away_score",
				     "narrative"};
	for (size_t k = g->next; k > 0 && cJSON_GetArraySize(latest) < max_plays; k--) {
		const cJSON *pl = cJSON_GetArrayItem(g->plays, (int)k - 1);
		cJSON *x = cJSON_CreateObject();
		for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
			copy_field(x, pl, keys[i]);
		cJSON_AddItemToArray(latest, x);
	}
	return o;
}

cJSON *presenter_arena_json(const pw_presenter_t *p, int max_plays)
{
	if (!p->running)
		return NULL;
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "round", p->round);
	cJSON_AddNumberToObject(o, "quarter_seconds", p->quarter_seconds);
	cJSON *games = cJSON_AddArrayToObject(o, "games");
	for (size_t i = 0; i < p->n_games; i++)
		cJSON_AddItemToArray(games, arena_game(p, &p->games[i], max_plays));
	return o;
}

cJSON *presenter_game_json(const pw_presenter_t *p, int64_t game_id, int max_plays)
{
	for (size_t i = 0; p->running && i < p->n_games; i++)
		if (p->games[i].id == game_id)
			return arena_game(p, &p->games[i], max_plays);
	return NULL;
}
