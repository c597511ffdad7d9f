/*
 * standings.c — standings and tiebreakers.
 */
#include "core/league/standings.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "core/sim/teams.h"

typedef struct ctx {
	pw_standing_t *rows;
	int n;
	const pw_stand_game_t *games;
	int n_games;
} ctx_t;

/* Sort comparison with the tiebreakers; needs the h2h counts precomputed. */
static int cmp(const void *a, const void *b)
{
	const pw_standing_t *x = a, *y = b;
	if (x->wins != y->wins)
		return y->wins - x->wins;
	if (x->losses != y->losses)
		return x->losses - y->losses;
	if (x->h2h_wins != y->h2h_wins)
		return y->h2h_wins - x->h2h_wins;
	int dx = x->points_for - x->points_against, dy = y->points_for - y->points_against;
	if (dx != dy)
		return dy - dx;
	if (x->points_for != y->points_for)
		return y->points_for - x->points_for;
	return x->team_id < y->team_id ? -1 : x->team_id > y->team_id;
}

static int find(const pw_standing_t *rows, int n, int64_t id)
{
	for (int i = 0; i < n; i++)
		if (rows[i].team_id == id)
			return i;
	return -1;
}

int stand_compute(const int64_t *ids, int n, const pw_stand_game_t *games, int n_games,
		  pw_standing_t *out)
{
	if (n < 0 || (n && !ids))
		return -1;
	memset(out, 0, (size_t)n * sizeof *out);
	for (int i = 0; i < n; i++)
		out[i].team_id = ids[i];
	for (int g = 0; g < n_games; g++) {
		int h = find(out, n, games[g].home), a = find(out, n, games[g].away);
		if (h < 0 || a < 0)
			continue;
		int hw = games[g].home_score > games[g].away_score;
		out[h].points_for += games[g].home_score;
		out[h].points_against += games[g].away_score;
		out[a].points_for += games[g].away_score;
		out[a].points_against += games[g].home_score;
		pw_standing_t *w = hw ? &out[h] : &out[a], *l = hw ? &out[a] : &out[h];
		w->wins++;
		l->losses++;
		w->streak = w->streak > 0 ? w->streak + 1 : 1;
		l->streak = l->streak < 0 ? l->streak - 1 : -1;
	}
	/* Head-to-head counts only games between teams with the same record,
	 * so it is a property of each tied group and the sort stays consistent. */
	for (int g = 0; g < n_games; g++) {
		int h = find(out, n, games[g].home), a = find(out, n, games[g].away);
		if (h < 0 || a < 0 || out[h].wins != out[a].wins || out[h].losses != out[a].losses)
			continue;
		if (games[g].home_score > games[g].away_score)
			out[h].h2h_wins++;
		else
			out[a].h2h_wins++;
	}
	qsort(out, (size_t)n, sizeof *out, cmp);
	for (int i = 0; i < n; i++) {
		out[i].rank = i + 1;
		if (i + 1 < n && out[i].wins == out[i + 1].wins && out[i].losses == out[i + 1].losses) {
			const pw_standing_t *x = &out[i], *y = &out[i + 1];
			const char *why = x->h2h_wins != y->h2h_wins ? "head_to_head"
				: (x->points_for - x->points_against) != (y->points_for - y->points_against)
				? "point_differential"
				: x->points_for != y->points_for ? "points_scored" : "team_id";
			strcpy(out[i].tiebreak, why);
		}
	}
	return 0;
}

cJSON *stand_to_json(const pw_standing_t *rows, int n, const int64_t *ids, const char *const *names)
{
	cJSON *arr = cJSON_CreateArray();
	for (int i = 0; arr && i < n; i++) {
		cJSON *o = cJSON_CreateObject();
		const pw_standing_t *r = &rows[i];
		cJSON_AddNumberToObject(o, "rank", r->rank);
		cJSON_AddNumberToObject(o, "team_id", (double)r->team_id);
		const char *name = NULL;
		for (int k = 0; names && ids && k < n; k++)
			if (ids[k] == r->team_id)
				name = names[k];
		if (name)
			cJSON_AddStringToObject(o, "name", name);
		cJSON_AddNumberToObject(o, "wins", r->wins);
		cJSON_AddNumberToObject(o, "losses", r->losses);
		cJSON_AddNumberToObject(o, "points_for", r->points_for);
		cJSON_AddNumberToObject(o, "points_against", r->points_against);
		cJSON_AddNumberToObject(o, "point_differential", r->points_for - r->points_against);
		char streak[16];
		snprintf(streak, sizeof streak, "%c%d", r->streak >= 0 ? 'W' : 'L',
			 r->streak >= 0 ? r->streak : -r->streak);
		cJSON_AddStringToObject(o, "streak", r->streak ? streak : "");
		if (r->tiebreak[0])
			cJSON_AddStringToObject(o, "tiebreak", r->tiebreak);
		cJSON_AddItemToArray(arr, o);
	}
	return arr;
}

cJSON *stand_league_json(const pw_league_t *l, const pw_stand_game_t *games, int n_games)
{
	int64_t ids[PW_MAX_TEAMS], sorted[PW_MAX_TEAMS];
	const char *names[PW_MAX_TEAMS];
	pw_standing_t st[PW_MAX_TEAMS];
	for (int i = 0; i < l->n_teams; i++)
		ids[i] = l->teams[i].id;
	if (stand_compute(ids, l->n_teams, games, n_games, st) < 0)
		return NULL;
	for (int i = 0; i < l->n_teams; i++) {
		sorted[i] = st[i].team_id;
		const pw_team_t *t = teams_team(l, (int)st[i].team_id);
		names[i] = t ? t->name : "?";
	}
	return stand_to_json(st, l->n_teams, sorted, names);
}
