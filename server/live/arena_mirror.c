/*
 * arena_mirror.c — the arena of another instance's replay (arena_mirror.h).
 */
#include "server/live/arena_mirror.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

typedef struct mgame {
	int64_t id;
	cJSON *card;  /* what game_starting (or the first event seen) said of it */
	cJSON *plays; /* the latest plays, oldest first, at most ARENA_MIRROR_PLAYS */
	double home_score, away_score, plays_shown, plays_total;
	cJSON *quarter, *clock, *winner; /* as the events had them (NULL: unknown) */
	bool started, finished;
} mgame_t;

struct pw_arena_mirror {
	bool live;
	int round;
	double quarter_seconds;
	mgame_t games[ARENA_MIRROR_GAMES];
	size_t n;
};

/* Fields of an event that are the game's state, not its card. */
static const char *const state_keys[] = {
	"n", "quarter", "clock", "offense_team_id", "handler_id", "action", "result", "points",
	"home_score", "away_score", "narrative", "winner_team_id", "plays", "quarter_seconds",
};

static double num(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsNumber(v) && isfinite(v->valuedouble) ? v->valuedouble : 0;
}

static void game_clear(mgame_t *g)
{
	cJSON_Delete(g->card);
	cJSON_Delete(g->plays);
	cJSON_Delete(g->quarter);
	cJSON_Delete(g->clock);
	cJSON_Delete(g->winner);
	memset(g, 0, sizeof *g);
}

static void reset(pw_arena_mirror_t *m)
{
	for (size_t i = 0; i < m->n; i++)
		game_clear(&m->games[i]);
	m->n = 0;
	m->live = false;
	m->round = 0;
	m->quarter_seconds = 0;
}

pw_arena_mirror_t *arena_mirror_new(void)
{
	return calloc(1, sizeof(pw_arena_mirror_t));
}

void arena_mirror_free(pw_arena_mirror_t *m)
{
	if (!m)
		return;
	reset(m);
	free(m);
}

/* The game an event names, made from the event when it is new (its card:
 * every field that is not state). NULL when the event names none or the
 * round is full. */
static mgame_t *game_of(pw_arena_mirror_t *m, const cJSON *ev)
{
	int64_t id = (int64_t)num(ev, "game_id");
	if (id <= 0)
		return NULL;
	for (size_t i = 0; i < m->n; i++)
		if (m->games[i].id == id)
			return &m->games[i];
	if (m->n == ARENA_MIRROR_GAMES)
		return NULL;
	mgame_t *g = &m->games[m->n];
	g->card = cJSON_CreateObject();
	g->plays = cJSON_CreateArray();
	if (!g->card || !g->plays) {
		game_clear(g);
		return NULL;
	}
	const cJSON *f;
	cJSON_ArrayForEach(f, ev)
	{
		bool state = false;
		for (size_t k = 0; k < sizeof state_keys / sizeof state_keys[0]; k++)
			state = state || !strcmp(f->string, state_keys[k]);
		if (!state)
			cJSON_AddItemToObject(g->card, f->string, cJSON_Duplicate(f, 1));
	}
	g->id = id;
	m->n++;
	return g;
}

static void set_field(cJSON **dst, const cJSON *ev, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(ev, k);
	cJSON_Delete(*dst);
	*dst = v ? cJSON_Duplicate(v, 1) : NULL;
}

/* A new round (or the first event seen) starts the mirror afresh. */
static void enter_round(pw_arena_mirror_t *m, const cJSON *ev)
{
	int round = (int)num(ev, "round");
	if (m->live && round == m->round)
		return;
	reset(m);
	m->live = true;
	m->round = round;
}

static void on_possession(mgame_t *g, const cJSON *ev)
{
	g->started = true;
	g->home_score = num(ev, "home_score");
	g->away_score = num(ev, "away_score");
	double n = num(ev, "n");
	g->plays_shown = n > g->plays_shown ? n : g->plays_shown + 1;
	if (g->plays_total < g->plays_shown)
		g->plays_total = g->plays_shown;
	set_field(&g->quarter, ev, "quarter");
	set_field(&g->clock, ev, "clock");
	static const char *keys[] = {"n", "quarter", "clock", "points", "home_score", "away_score",
				     "narrative"};
	cJSON *x = cJSON_CreateObject();
	for (size_t i = 0; x && i < sizeof keys / sizeof keys[0]; i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(ev, keys[i]);
		cJSON_AddItemToObject(x, keys[i], v ? cJSON_Duplicate(v, 1) : cJSON_CreateNull());
	}
	if (!x)
		return;
	cJSON_AddItemToArray(g->plays, x);
	if (cJSON_GetArraySize(g->plays) > ARENA_MIRROR_PLAYS)
		cJSON_DeleteItemFromArray(g->plays, 0);
}

void arena_mirror_follow(pw_arena_mirror_t *m, const char *type, const char *json)
{
	if (!m || !type || strncmp(type, "presentation.", 13) != 0)
		return;
	const char *what = type + 13;
	if (!strcmp(what, "round_finished")) {
		reset(m);
		return;
	}
	bool start = !strcmp(what, "game_starting"), play = !strcmp(what, "possession"),
	     finish = !strcmp(what, "game_finished");
	if (!start && !play && !finish)
		return;
	cJSON *ev = cJSON_Parse(json);
	if (!cJSON_IsObject(ev) || num(ev, "game_id") < 1) {
		cJSON_Delete(ev); /* names no game: nothing to show */
		return;
	}
	enter_round(m, ev);
	mgame_t *g = game_of(m, ev);
	if (g && start) {
		g->plays_total = num(ev, "plays");
		m->quarter_seconds = num(ev, "quarter_seconds");
	} else if (g && play) {
		on_possession(g, ev);
	} else if (g && finish) {
		g->started = g->finished = true;
		g->home_score = num(ev, "home_score");
		g->away_score = num(ev, "away_score");
		g->plays_shown = g->plays_total > g->plays_shown ? g->plays_total : g->plays_shown;
		set_field(&g->winner, ev, "winner_team_id");
	}
	cJSON_Delete(ev);
}

static cJSON *dup_or_null(const cJSON *v)
{
	return v ? cJSON_Duplicate(v, 1) : cJSON_CreateNull();
}

/* One game in presenter_arena_json's shape. */
static cJSON *game_json(const pw_arena_mirror_t *m, const mgame_t *g, int max_plays)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "game_id", (double)g->id);
	cJSON_AddNumberToObject(o, "round", m->round);
	cJSON_AddItemToObject(o, "home_team_id", dup_or_null(cJSON_GetObjectItemCaseSensitive(g->card, "home_team_id")));
	cJSON_AddItemToObject(o, "away_team_id", dup_or_null(cJSON_GetObjectItemCaseSensitive(g->card, "away_team_id")));
	const cJSON *f;
	cJSON_ArrayForEach(f, g->card)
	{
		if (!cJSON_GetObjectItemCaseSensitive(o, f->string))
			cJSON_AddItemToObject(o, f->string, cJSON_Duplicate(f, 1));
	}
	cJSON_AddNumberToObject(o, "home_score", g->home_score);
	cJSON_AddNumberToObject(o, "away_score", g->away_score);
	cJSON_AddItemToObject(o, "quarter", dup_or_null(g->quarter));
	cJSON_AddItemToObject(o, "clock", dup_or_null(g->clock));
	cJSON_AddBoolToObject(o, "started", g->started);
	cJSON_AddBoolToObject(o, "finished", g->finished);
	cJSON_AddNumberToObject(o, "plays_shown", g->plays_shown);
	cJSON_AddNumberToObject(o, "plays", g->plays_total);
	if (g->finished)
		cJSON_AddItemToObject(o, "winner_team_id", dup_or_null(g->winner));
	cJSON *latest = cJSON_AddArrayToObject(o, "latest");
	for (int k = cJSON_GetArraySize(g->plays); k > 0 && cJSON_GetArraySize(latest) < max_plays; k--)
		cJSON_AddItemToArray(latest, cJSON_Duplicate(cJSON_GetArrayItem(g->plays, k - 1), 1));
	return o;
}

cJSON *arena_mirror_arena_json(const pw_arena_mirror_t *m, int max_plays)
{
	if (!m || !m->live)
		return NULL;
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "round", m->round);
	cJSON_AddNumberToObject(o, "quarter_seconds", m->quarter_seconds);
	cJSON *games = cJSON_AddArrayToObject(o, "games");
	for (size_t i = 0; i < m->n; i++)
		cJSON_AddItemToArray(games, game_json(m, &m->games[i], max_plays));
	return o;
}

bool arena_mirror_live(const pw_arena_mirror_t *m)
{
	return m && m->live;
}

cJSON *arena_mirror_end(pw_arena_mirror_t *m)
{
	if (!m || !m->live)
		return NULL;
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "round", m->round);
	cJSON *ids = cJSON_AddArrayToObject(o, "game_ids");
	for (size_t i = 0; i < m->n; i++)
		cJSON_AddItemToArray(ids, cJSON_CreateNumber((double)m->games[i].id));
	reset(m);
	return o;
}

cJSON *arena_mirror_game_json(const pw_arena_mirror_t *m, int64_t game_id, int max_plays)
{
	for (size_t i = 0; m && m->live && i < m->n; i++)
		if (m->games[i].id == game_id)
			return game_json(m, &m->games[i], max_plays);
	return NULL;
}
