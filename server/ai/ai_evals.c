/*
 * ai_evals.c — scenario flags and grounding (see ai_evals.h).
 */
#include "server/ai/ai_evals.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const flag_names[] = {
#define AI_FLAG_NAME(name) #name,
	AI_FLAGS(AI_FLAG_NAME)
#undef AI_FLAG_NAME
};

const char *ai_flag_name(ai_flag_t f)
{
	return f >= 0 && f < AI_FLAG_COUNT ? flag_names[f] : "unknown";
}

/* The streak of team over games[0..n) up to round. */
static int streak_of(const pw_game_row_t *g, int n, int64_t team, int round, int from_round, int *played)
{
	int st = 0;
	*played = 0;
	for (int i = 0; i < n; i++) {
		if (g[i].round > round || g[i].round < from_round ||
		    (g[i].home_team_id != team && g[i].away_team_id != team))
			continue;
		(*played)++;
		bool won = g[i].winner_team_id == team;
		st = won ? (st > 0 ? st + 1 : 1) : (st < 0 ? st - 1 : -1);
	}
	return st;
}

int ai_round_flags(pw_store_t *s, const pw_gstate_t *gs, int64_t sid, int round, int flags[AI_FLAG_COUNT])
{
	memset(flags, 0, sizeof(int) * AI_FLAG_COUNT);
	int n = 0;
	pw_game_row_t *g = store_games(s, sid, 0, &n);
	if (!g && n)
		return -1;
	for (int i = 0; i < n; i++) {
		if (g[i].round == round && abs(g[i].home_score - g[i].away_score) >= 20)
			flags[AI_FLAG_blowout] = 1;
		int64_t side[2] = {g[i].home_team_id, g[i].away_team_id};
		for (int k = 0; k < 2; k++) {
			int played;
			if (streak_of(g, n, side[k], round, 0, &played) <= -5)
				flags[AI_FLAG_collapse] = 1;
		}
	}
	bool changed = false;
	for (int i = 0; i < gs->n_changes; i++)
		if (gs->changes[i].season_id == sid && gs->changes[i].round > round - 5 && gs->changes[i].round <= round)
			changed = true;
	for (int i = 0; i < gs->n_effects; i++)
		if (gs->effects[i].season_id == sid && gs->effects[i].start_round > round - 5 &&
		    gs->effects[i].start_round <= round + 1)
			changed = true;
	flags[AI_FLAG_stagnation] = round >= 5 && !changed;
	for (int i = 0; i < gs->n_props; i++) {
		const pw_proposal_t *p = &gs->props[i];
		if (p->season_id != sid || !p->tally_round)
			continue;
		if (p->tally_round == round && p->n_votes >= 2 && p->tally_no == 0 && p->tally_yes > 0)
			flags[AI_FLAG_unanimity] = 1;
		if (p->status == PW_PROP_PASSED && p->tally_round < round) {
			int played;
			int st = streak_of(g, n, p->team_id, round, p->tally_round + 1, &played);
			if (played >= 3 && st == -played)
				flags[AI_FLAG_backfire] = 1;
		}
	}
	free(g);
	return 0;
}

/* Words that start with a capital in a broadcaster's prose without naming
 * anyone. */
static bool stock_word(const char *w, size_t n)
{
	static const char *const words[] = {"I", "Elam", "Round", "Game", "Final", "Semifinal", "Quarterfinal",
					    "MVP", "OK", "What", "And", "But", "The", "A"};
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		if (strlen(words[i]) == n && !strncmp(words[i], w, n))
			return true;
	return false;
}

static bool in_facts(const char *facts, const char *w, size_t n)
{
	for (const char *p = facts; (p = strchr(p, w[0])) != NULL; p++)
		if (!strncmp(p, w, n) && (p == facts || !isalnum((unsigned char)p[-1])) &&
		    !isalnum((unsigned char)p[n]))
			return true;
	return false;
}

int ai_grounding_misses(const char *text, const char *facts)
{
	int misses = 0;
	bool sentence_start = true;
	for (const char *p = text; *p;) {
		unsigned char c = (unsigned char)*p;
		if (isdigit(c)) {
			const char *e = p;
			while (isdigit((unsigned char)*e) || (*e == '.' && isdigit((unsigned char)e[1])))
				e++;
			misses += !in_facts(facts, p, (size_t)(e - p));
			p = e;
			sentence_start = false;
		} else if (isalpha(c)) {
			const char *e = p;
			while (isalnum((unsigned char)*e) || *e == '\'' || *e == '-')
				e++;
			size_t n = (size_t)(e - p);
			while (n && (p[n - 1] == '\'' || p[n - 1] == '-'))
				n--;
			if (n > 2 && p[n - 2] == '\'' && p[n - 1] == 's')
				n -= 2; /* "Ravens's" is "Ravens" */
			if (isupper(c) && !sentence_start && !stock_word(p, n))
				misses += !in_facts(facts, p, n);
			sentence_start = false;
			p = e;
		} else {
			if (c == '.' || c == '!' || c == '?' || c == ':' || c == '\n')
				sentence_start = true;
			p++;
		}
	}
	return misses;
}
