/*
 * game_text.c — a stored game's GameResult text, stored or re-derived
 * (see game_text.h).
 */
#include "core/league/game_text.h"

#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/league/roster.h"
#include "core/league/round_play.h"
#include "core/sim/buf.h"
#include "core/sim/result.h"

/* ---- the cache ---- */

typedef struct entry {
	int64_t id;          /* 0: empty */
	char *text;
	unsigned long used;  /* when last read: the smallest goes first */
} entry_t;

struct pw_game_cache {
	pthread_mutex_t mu;
	entry_t *e;
	int n;
	unsigned long clock;
	long hits, misses;
};

pw_game_cache_t *game_text_cache_new(int games)
{
	pw_game_cache_t *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->n = games > 0 ? games : 1;
	c->e = calloc((size_t)c->n, sizeof *c->e);
	if (!c->e || pthread_mutex_init(&c->mu, NULL) != 0) {
		free(c->e);
		free(c);
		return NULL;
	}
	return c;
}

void game_text_cache_free(pw_game_cache_t *c)
{
	if (!c)
		return;
	for (int i = 0; i < c->n; i++)
		free(c->e[i].text);
	pthread_mutex_destroy(&c->mu);
	free(c->e);
	free(c);
}

void game_text_cache_stats(pw_game_cache_t *c, long *hits, long *misses)
{
	*hits = *misses = 0;
	if (!c)
		return;
	pthread_mutex_lock(&c->mu);
	*hits = c->hits;
	*misses = c->misses;
	pthread_mutex_unlock(&c->mu);
}

/* A copy of game id's cached text, or NULL. */
static char *cache_find(pw_game_cache_t *c, int64_t id)
{
	char *t = NULL;
	pthread_mutex_lock(&c->mu);
	for (int i = 0; i < c->n; i++)
		if (c->e[i].id == id) {
			c->e[i].used = ++c->clock;
			t = strdup(c->e[i].text);
			break;
		}
	if (t)
		c->hits++;
	else
		c->misses++;
	pthread_mutex_unlock(&c->mu);
	return t;
}

static void cache_put(pw_game_cache_t *c, int64_t id, const char *text)
{
	char *copy = strdup(text);
	if (!copy)
		return;
	pthread_mutex_lock(&c->mu);
	int at = 0;
	for (int i = 0; i < c->n; i++) {
		if (c->e[i].id == id) { /* read twice at once: keep one */
			at = i;
			break;
		}
		if (c->e[i].used < c->e[at].used)
			at = i;
	}
	free(c->e[at].text);
	c->e[at] = (entry_t){id, copy, ++c->clock};
	pthread_mutex_unlock(&c->mu);
}

/* ---- re-deriving ---- */

/* Parses text into a team; -1 with err naming which side. */
static int team_of(const char *text, const char *side, pw_team_t *t, char *err, size_t errlen)
{
	cJSON *j = cJSON_Parse(text ? text : "");
	char msg[160] = "";
	int rc = j ? roster_team_from_json(t, j, msg, sizeof msg) : -1;
	cJSON_Delete(j);
	if (rc < 0)
		snprintf(err, errlen, "the %s team's snapshot is unreadable%s%s", side, msg[0] ? ": " : "", msg);
	return rc;
}

int game_text_replay(pw_store_t *s, const pw_game_row_t *row, pw_game_result_t *res, pw_team_t *home,
		     pw_team_t *away, char *err, size_t errlen)
{
	char *rules_txt = NULL, *home_txt = NULL, *away_txt = NULL;
	int got = store_game_snapshots(s, row->id, &rules_txt, NULL, &home_txt, &away_txt, NULL);
	int rc = -1;
	pw_rules_t rules;
	rules_default(&rules);
	cJSON *rj = got == 1 ? cJSON_Parse(rules_txt ? rules_txt : "") : NULL;
	char msg[160] = "";
	if (got != 1)
		snprintf(err, errlen, "reading its inputs failed: %s", got < 0 ? store_errmsg(s) : "no such game");
	else if (!rj || rules_from_json(&rules, rj, msg, sizeof msg) < 0)
		snprintf(err, errlen, "its rules are unreadable%s%s", msg[0] ? ": " : "", msg);
	else if (team_of(home_txt, "home", home, err, errlen) == 0 &&
		 team_of(away_txt, "away", away, err, errlen) == 0)
		rc = 0;
	cJSON_Delete(rj);
	free(rules_txt);
	free(home_txt);
	free(away_txt);
	if (rc < 0)
		return -1;
	/* The inputs the runner gave it (round.c, games_load): the same ids,
	 * round and seed reach the simulation, so the same game comes out. */
	pw_game_input_t in = {.game_id = round_play_game_id(row->season_id, row->round, row->game_index),
			      .round = row->round, .seed = row->seed, .home = home, .away = away,
			      .rules = &rules, .hooks = NULL};
	if (sim_game(&in, res) < 0) {
		snprintf(err, errlen, "it could not be simulated again");
		return -1;
	}
	char hash[65];
	result_hash(res, hash);
	if (strcmp(hash, row->hash)) {
		snprintf(err, errlen, "played again it is not the stored game (hash %.12s…, stored %.12s…)", hash,
			 row->hash);
		return -1;
	}
	return 0;
}

int game_text_get(pw_store_t *s, pw_game_cache_t *cache, int64_t id, char **text, char *err, size_t errlen)
{
	*text = NULL;
	pw_game_row_t row;
	int have = store_game_get(s, id, &row);
	if (have <= 0) {
		if (have < 0)
			snprintf(err, errlen, "reading game %lld failed: %s", (long long)id, store_errmsg(s));
		return have;
	}
	if (cache && (*text = cache_find(cache, id)) != NULL)
		return 1;
	if (!row.derived) {
		int got = store_game_snapshots(s, id, NULL, NULL, NULL, NULL, text);
		if (got == 1 && *text && cache)
			cache_put(cache, id, *text);
		if (got == 1 && *text)
			return 1;
		free(*text);
		*text = NULL;
		snprintf(err, errlen, "reading game %lld's result failed: %s", (long long)id,
			 got < 0 ? store_errmsg(s) : "it is gone");
		return -1;
	}
	pw_game_result_t res;
	pw_team_t home, away;
	sim_result_init(&res);
	char why[200] = "";
	int rc = game_text_replay(s, &row, &res, &home, &away, why, sizeof why);
	if (rc == 0) {
		pw_buf_t b = {0};
		result_write_json(&res, row.hash, &b);
		if (b.oom) {
			buf_free(&b);
			snprintf(why, sizeof why, "out of memory");
			rc = -1;
		} else {
			*text = buf_take(&b);
		}
	}
	sim_result_free(&res);
	if (rc < 0) {
		snprintf(err, errlen, "game %lld cannot be shown: %s", (long long)id, why);
		return -1;
	}
	if (cache)
		cache_put(cache, id, *text);
	return 1;
}
