/*
 * report.c — reports from the numbers (see report.h).
 *
 * Each report is a list of sentences built from data; where a sentence has
 * several phrasings, one is drawn from a generator seeded by (season, round,
 * report kind), so reruns read identically and consecutive rounds vary.
 */
#include "core/league/report.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sim/buf.h"
#include "core/sim/rng.h"
#include "core/league/game_text.h"
#include "core/league/season.h"
#include "core/sim/result.h"

static const char *pick(pw_rng_t *r, const char *const *opts, int n)
{
	return opts[rng_below(r, (uint32_t)n)];
}
#define PICK(r, ...) pick((r), (const char *const[]){__VA_ARGS__}, \
			  (int)(sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *)))

/* ---- directive language ---- */

int report_directive_count(const char *text)
{
	static const char *const phrases[] = {
		"you should", "you must", "you need to", "vote for", "vote against", "vote yes",
		"vote no", "we recommend", "i recommend", "make sure to", "don't forget to",
		"be sure to", "you ought to", "consider voting", "propose that",
	};
	if (!text)
		return 0;
	size_t n = strlen(text);
	char *low = malloc(n + 1);
	if (!low)
		return 0;
	for (size_t i = 0; i <= n; i++)
		low[i] = (char)tolower((unsigned char)text[i]);
	int count = 0;
	for (size_t k = 0; k < sizeof phrases / sizeof phrases[0]; k++)
		for (const char *p = low; (p = strstr(p, phrases[k])) != NULL; p++)
			count++;
	free(low);
	return count;
}

/* ---- helpers over stored data ---- */

#define REPORT_MAX_TEAMS 64

/* The names of the season's teams, read once per report run. */
typedef struct names {
	pw_team_name_t t[REPORT_MAX_TEAMS];
	int n;
} names_t;

static const char *tname(const names_t *teams, int64_t id)
{
	for (int i = 0; i < teams->n; i++)
		if (teams->t[i].id == id)
			return teams->t[i].name;
	return "an unnamed team";
}

static int rank_of(const pw_standing_t *st, int n, int64_t id)
{
	for (int i = 0; i < n; i++)
		if (st[i].team_id == id)
			return st[i].rank;
	return 0;
}

static int num(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItem(o, k);
	return cJSON_IsNumber(v) ? v->valueint : 0;
}

static const char *str(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItem(o, k);
	return cJSON_IsString(v) ? v->valuestring : "";
}

/* ---- what the reports take from a game ---- */

static void copy_name(char *dst, size_t n, const char *src)
{
	snprintf(dst, n, "%s", src ? src : "");
}

/* One play seen by the commentary: its points, scorer, action and sentence. */
static void take_play(pw_report_game_t *o, int points, const char *action, const char *sentence,
		      int *last_handler, int handler)
{
	if (points > 0) {
		*last_handler = handler;
		copy_name(o->last_action, sizeof o->last_action, action);
	}
	if (sentence && *sentence && o->n_narr < 3 && strcmp(action, "period"))
		snprintf(o->narr[o->n_narr++], PW_REPORT_NARR, "%s", sentence);
}

/* One box score line: the top scorer (the first of equals) and whether it
 * is the last basket's scorer. */
static void take_box(pw_report_game_t *o, int hooper_id, const char *name, int64_t team, int points,
		     int last_handler, bool have_last)
{
	if (o->top_points < 0 || points > o->top_points) {
		o->top_points = points;
		o->top_team = team;
		copy_name(o->top_name, sizeof o->top_name, name);
	}
	if (have_last && hooper_id == last_handler) {
		o->finished = true;
		copy_name(o->finisher, sizeof o->finisher, name);
	}
}

static void game_begin(pw_report_game_t *o, int64_t id, int hs, int as, int lc, int ll, int target)
{
	memset(o, 0, sizeof *o);
	*o = (pw_report_game_t){.game_id = id, .home_score = hs, .away_score = as, .lead_changes = lc,
				.largest_lead = ll, .elam_target = target, .top_points = -1};
}

void report_game_from_result(pw_report_game_t *o, int64_t id, const pw_game_result_t *r)
{
	game_begin(o, id, r->home_score, r->away_score, r->lead_changes, r->largest_lead, r->elam_target);
	int last = 0;
	bool have_last = false;
	char text[PW_NARRATIVE_MAX + 256];
	for (size_t i = 0; i < r->n_plays; i++) {
		const pw_play_t *p = &r->plays[i];
		have_last = have_last || p->points > 0;
		/* only the first three sentences are kept: the rest need no text */
		const char *sentence = o->n_narr < 3 ? result_describe_play(r, p, text, sizeof text) : NULL;
		take_play(o, p->points, result_action_name((pw_action_t)p->action), sentence, &last, p->handler_id);
	}
	for (int t = 0; t < 2; t++)
		for (int k = 0; k < PW_ROSTER_SIZE; k++) {
			const pw_box_t *b = &r->box[t][k];
			if (!b->hooper_id)
				continue;
			const pw_hooper_t *h = result_hooper(r, b->hooper_id);
			take_box(o, b->hooper_id, h ? h->name : "", b->team_id, b->points, last, have_last);
		}
}

int report_game_from_json(pw_report_game_t *o, int64_t id, const char *text)
{
	cJSON *r = text ? cJSON_Parse(text) : NULL;
	if (!cJSON_IsObject(r)) {
		cJSON_Delete(r);
		return -1;
	}
	game_begin(o, id, num(r, "home_score"), num(r, "away_score"), num(r, "lead_changes"),
		   num(r, "largest_lead"), num(r, "elam_target"));
	int last = 0;
	bool have_last = false;
	const cJSON *p;
	cJSON_ArrayForEach(p, cJSON_GetObjectItem(r, "plays")) {
		have_last = have_last || num(p, "points") > 0;
		take_play(o, num(p, "points"), str(p, "action"), str(p, "narrative"), &last, num(p, "handler_id"));
	}
	const cJSON *bx;
	cJSON_ArrayForEach(bx, cJSON_GetObjectItem(r, "box_scores"))
		take_box(o, num(bx, "hooper_id"), str(bx, "hooper_name"), num(bx, "team_id"), num(bx, "points"),
			 last, have_last);
	cJSON_Delete(r);
	return 0;
}

/* ---- commentary ---- */

char *report_commentary(const pw_report_game_t *r, const char *home, const char *away, uint64_t seed)
{
	pw_rng_t rng;
	rng_seed_stream(&rng, seed, 0xc0ffee);
	pw_buf_t b = {0};
	int hs = r->home_score, as = r->away_score;
	const char *w = hs > as ? home : away, *l = hs > as ? away : home;
	int ws = hs > as ? hs : as, ls = hs > as ? as : hs;
	int margin = ws - ls;
	buf_printf(&b, PICK(&rng, "%s beat %s %d-%d", "%s got past %s %d-%d", "%s took it from %s %d-%d"),
	       w, l, ws, ls);
	buf_printf(&b, "%s", margin <= 3 ? PICK(&rng, " in a game that went to the wire.", " by a whisker.", " in a nail-biter.")
			 : margin >= 20 ? PICK(&rng, " in a rout.", " and it was never close.", " going away.")
					: ".");
	int lc = r->lead_changes, ll = r->largest_lead;
	if (lc >= 8)
		buf_printf(&b, " The lead changed hands %d times.", lc);
	else if (ll >= 15)
		buf_printf(&b, " The biggest lead reached %d.", ll);
	int target = r->elam_target;
	if (target > 0)
		buf_printf(&b, PICK(&rng, " The Elam target was set at %d", " With the target at %d", " Chasing an Elam target of %d"),
		       target);
	/* The last made shot is the one that ended it. */
	if (target > 0)
		buf_printf(&b, "%s", r->finished ? ", " : ".");
	if (r->finished)
		buf_printf(&b, "%s%s finished it with a %s.", target > 0 ? "" : " ", r->finisher,
		       !strcmp(r->last_action, "three_point") ? "three"
		       : !strcmp(r->last_action, "free_throw") ? "free throw" : "bucket");
	if (r->top_points >= 0)
		buf_printf(&b, PICK(&rng, " %s led all scorers with %d.", " %s scored a game-high %d.", " Nobody scored more than %s's %d."),
		       r->top_name, r->top_points);
	for (int i = 0; i < r->n_narr; i++)
		buf_printf(&b, " %s", r->narr[i]);
	return buf_take(&b);
}

/* ---- the round's reports ---- */

typedef struct ctx {
	pw_gov_t *g;
	pw_store_t *s;
	const pw_report_fx_t *fx; /* NULL: no effects */
	int64_t sid;
	int round;
	names_t teams;
	pw_standing_t st[64];
	pw_report_game_t *facts; /* index-aligned with games */
	int nst;
	pw_game_row_t *games;
	int ng;
	pw_game_row_t *all;      /* every game of the season so far (streaks, scoring) */
	int nall;
	pw_bracket_t br;         /* the playoff bracket, when have_br */
	bool have_br;
	cJSON *generated;
} ctx_t;

static int save(ctx_t *c, const char *kind, int64_t gov, int64_t game, const char *text)
{
	int64_t id = store_report_insert(c->s, c->sid, c->round, kind, gov, game, text);
	if (id < 0)
		return -1;
	if (store_eval_insert(c->s, c->sid, c->round, id, "directive_violations",
			      report_directive_count(text)) < 0)
		return -1;
	if (c->generated) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "id", (double)id);
		cJSON_AddStringToObject(o, "kind", kind);
		cJSON_AddNumberToObject(o, "season_id", (double)c->sid);
		cJSON_AddNumberToObject(o, "round", c->round);
		if (gov)
			cJSON_AddNumberToObject(o, "governor_id", (double)gov);
		if (game)
			cJSON_AddNumberToObject(o, "game_id", (double)game);
		cJSON_AddItemToArray(c->generated, o);
	}
	return 0;
}

/* ---- what effects add (report.*.pre hooks) ---- */

static cJSON *game_json(const ctx_t *c, const pw_game_row_t *g)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "id", (double)g->id);
	cJSON_AddNumberToObject(o, "round", g->round);
	cJSON_AddNumberToObject(o, "index", g->game_index);
	cJSON_AddStringToObject(o, "stage", g->stage);
	if (g->series[0]) {
		cJSON_AddStringToObject(o, "series", g->series);
		cJSON_AddNumberToObject(o, "series_game", g->series_game);
	}
	cJSON_AddNumberToObject(o, "home_team_id", (double)g->home_team_id);
	cJSON_AddNumberToObject(o, "away_team_id", (double)g->away_team_id);
	cJSON_AddStringToObject(o, "home_team_name", tname(&c->teams, g->home_team_id));
	cJSON_AddStringToObject(o, "away_team_name", tname(&c->teams, g->away_team_id));
	cJSON_AddNumberToObject(o, "home_score", g->home_score);
	cJSON_AddNumberToObject(o, "away_score", g->away_score);
	cJSON_AddNumberToObject(o, "winner_team_id", (double)g->winner_team_id);
	cJSON_AddNumberToObject(o, "margin", abs(g->home_score - g->away_score));
	return o;
}

static cJSON *standings_json(const ctx_t *c)
{
	cJSON *a = cJSON_CreateArray();
	for (int i = 0; i < c->nst; i++) {
		const pw_standing_t *t = &c->st[i];
		cJSON *o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "team_id", (double)t->team_id);
		cJSON_AddStringToObject(o, "name", tname(&c->teams, t->team_id));
		cJSON_AddNumberToObject(o, "rank", t->rank);
		cJSON_AddNumberToObject(o, "wins", t->wins);
		cJSON_AddNumberToObject(o, "losses", t->losses);
		cJSON_AddNumberToObject(o, "streak", t->streak);
		cJSON_AddNumberToObject(o, "points_for", t->points_for);
		cJSON_AddNumberToObject(o, "points_against", t->points_against);
		cJSON_AddItemToArray(a, o);
	}
	return a;
}

/*
 * Runs hook over the effects with hctx (consumed) completed by the base
 * fields, and returns text with their narrative added as a paragraph of its
 * own. The hook runs before the text is stored, so the directive scan in
 * save() covers what the effects added. Returns text itself when nothing is
 * added, NULL when out of memory (text is freed either way on that path).
 */
static char *add_effects(const ctx_t *c, const char *hook, const char *kind, cJSON *hctx, char *text)
{
	if (!c->fx || !c->fx->narrate || !text) {
		cJSON_Delete(hctx);
		return text;
	}
	if (!hctx) {
		free(text);
		return NULL;
	}
	cJSON_AddNumberToObject(hctx, "round", c->round);
	cJSON_AddNumberToObject(hctx, "season_id", (double)c->sid);
	cJSON *rep = cJSON_AddObjectToObject(hctx, "report");
	cJSON_AddStringToObject(rep, "kind", kind);
	cJSON_AddStringToObject(rep, "text", text);
	cJSON_AddItemToObject(hctx, "rules", rules_to_json(&gov_state(c->g)->rules));
	char *narr = c->fx->narrate(c->fx->ud, hook, hctx);
	cJSON_Delete(hctx);
	if (!narr || !*narr) {
		free(narr);
		return text;
	}
	pw_buf_t b = {0};
	buf_printf(&b, "%s\n\nFrom the effects: %s", text, narr);
	free(narr);
	free(text);
	return buf_take(&b);
}

static double avg_points_between(const pw_game_row_t *g, int ng, int from, int to)
{
	double sum = 0;
	int k = 0;
	for (int i = 0; i < ng; i++)
		if (g[i].round >= from && g[i].round <= to) {
			sum += g[i].home_score + g[i].away_score;
			k++;
		}
	return k ? sum / (2.0 * k) : -1;
}

/*
 * A phrase chooser that never hands out the same phrase twice in one
 * report: a report of eight games reads as eight sentences, not one
 * sentence eight times. Each list is longer than the most games a round
 * can hold (PW_MAX_TEAMS / 2).
 */
typedef struct fresh {
	const char *used[64];
	int n;
} fresh_t;

static const char *fresh_pick(pw_rng_t *r, fresh_t *f, const char *const *opts, int n)
{
	const char *free_opts[16];
	int k = 0;
	for (int i = 0; i < n && k < 16; i++) {
		bool seen = false;
		for (int j = 0; j < f->n; j++)
			seen |= f->used[j] == opts[i];
		if (!seen)
			free_opts[k++] = opts[i];
	}
	const char *o = k ? free_opts[rng_below(r, (uint32_t)k)] : opts[rng_below(r, (uint32_t)n)];
	if (f->n < 64)
		f->used[f->n++] = o;
	return o;
}
#define FRESH(r, f, ...) fresh_pick((r), (f), (const char *const[]){__VA_ARGS__}, \
				    (int)(sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *)))

/* The verbs of a result; public for the test of variety (report.h). */
const char *const report_close_verbs[] = {"edged", "squeaked past", "held off", "survived", "outlasted",
					  "slipped past", "nipped", "hung on against", NULL};
const char *const report_rout_verbs[] = {"routed", "overwhelmed", "ran past", "blew out", "crushed",
					 "trounced", "cruised past", "buried", NULL};
const char *const report_win_verbs[] = {"beat", "handled", "got the better of", "defeated", "took care of",
					"topped", "downed", "dispatched", NULL};

static int count_of(const char *const *list)
{
	int n = 0;
	while (list[n])
		n++;
	return n;
}

static const char *stage_words(int stage)
{
	return stage == 2 ? "final" : stage == 1 ? "semifinal" : "quarterfinal";
}

/* Every team's current streak over all the season's games so far, regular
 * season and playoffs alike (the standings count the regular season only,
 * so in the playoffs theirs is stale). */
static void streaks(const pw_game_row_t *g, int ng, int64_t *team, int *streak, int *nt, int max)
{
	*nt = 0;
	for (int i = 0; i < ng; i++) {
		int64_t side[2] = {g[i].home_team_id, g[i].away_team_id};
		for (int k = 0; k < 2; k++) {
			int j = 0;
			while (j < *nt && team[j] != side[k])
				j++;
			if (j == *nt) {
				if (*nt == max)
					continue;
				team[j] = side[k];
				streak[j] = 0;
				(*nt)++;
			}
			bool won = g[i].winner_team_id == side[k];
			streak[j] = won ? (streak[j] > 0 ? streak[j] + 1 : 1) : (streak[j] < 0 ? streak[j] - 1 : -1);
		}
	}
}

/* What this round's playoff games did to their series: who leads, who went
 * through, and the champion when the final was decided. */
static void series_sentences(ctx_t *c, pw_buf_t *b, pw_rng_t *rng, fresh_t *fr)
{
	if (!c->have_br)
		return;
	for (int k = 0; k < c->br.n_series; k++) {
		const pw_series_t *se = &c->br.series[k];
		bool touched = false;
		for (int i = 0; i < c->ng; i++)
			touched |= !strcmp(c->games[i].series, se->id);
		if (!touched || !se->high || !se->low)
			continue;
		int hw = se->high_wins, lw = se->low_wins;
		int64_t lead = hw >= lw ? se->high : se->low;
		int lw_ = hw >= lw ? hw : lw, tw_ = hw >= lw ? lw : hw;
		if (se->winner && se->stage == 2) {
			buf_printf(b, " The %s are the champions: they won the final %d-%d.", tname(&c->teams, se->winner),
				   lw_, tw_);
		} else if (se->winner) {
			buf_printf(b, FRESH(rng, fr, " %s won the %s %d-%d and move on.", " %s took the %s %d-%d.",
					    " %s closed out the %s, %d-%d."),
				   tname(&c->teams, se->winner), stage_words(se->stage), lw_, tw_);
		} else if (hw == lw) {
			buf_printf(b, " The %s between %s and %s is level at %d-%d.", stage_words(se->stage),
				   tname(&c->teams, se->high), tname(&c->teams, se->low), hw, lw);
		} else {
			buf_printf(b, FRESH(rng, fr, " %1$s lead the %2$s %3$d-%4$d.", " %1$s are up %3$d-%4$d in the %2$s.",
					    " %1$s hold a %3$d-%4$d edge in the %2$s."),
				   tname(&c->teams, lead), stage_words(se->stage), lw_, tw_);
		}
	}
}

/* The season's rule changes and effects so far, in words, and the scoring
 * since the first of them: no single change is credited with what several
 * may have done. */
static void changes_sentence(ctx_t *c, pw_buf_t *b, pw_rng_t *rng, const pw_game_row_t *all, int nall)
{
	const pw_gstate_t *gs = gov_state(c->g);
	pw_buf_t list = {0};
	int n = 0, first = 0;
	for (int i = 0; i < gs->n_changes; i++) {
		const pw_rule_change_t *ch = &gs->changes[i];
		if (ch->season_id != c->sid || ch->round >= c->round)
			continue;
		const pw_rule_def_t *d = rules_find(ch->name);
		if (!d)
			continue;
		char words[96], v[32];
		rules_words(d, words, sizeof words);
		if (d->type == PW_RULE_BOOL)
			snprintf(v, sizeof v, "%s", ch->new_value != 0 ? "on" : "off");
		else
			rules_format(d, ch->new_value, v, sizeof v);
		/* "Home court advantage off after round 2", "Three point value to 5 after round 3" */
		buf_printf(&list, "%s%s %s%s after round %d", n ? "; " : "", words,
			   d->type == PW_RULE_BOOL ? "" : "to ", v, ch->round);
		if (!first || ch->round < first)
			first = ch->round;
		n++;
	}
	for (int i = 0; i < gs->n_effects; i++) {
		const pw_effect_rec_t *ef = &gs->effects[i];
		if (ef->season_id != c->sid || ef->start_round > c->round || ef->start_round < 1)
			continue;
		/* Only an effect that plays in the games can move scoring. */
		bool plays = false;
		const cJSON *h;
		cJSON_ArrayForEach(h, ef->hooks)
			plays |= cJSON_IsString(h) && (!strncmp(h->valuestring, "sim.", 4) ||
						       !strncmp(h->valuestring, "round.", 6));
		if (!plays)
			continue;
		buf_printf(&list, "%sthe effect %s from round %d", n ? "; " : "", ef->name, ef->start_round);
		if (!first || ef->start_round - 1 < first)
			first = ef->start_round - 1;
		n++;
	}
	if (n && first >= 1 && !list.oom) {
		double before = avg_points_between(all, nall, 1, first);
		double after = avg_points_between(all, nall, first + 1, c->round);
		if (before >= 0 && after >= 0) {
			if (n == 1)
				buf_printf(b, PICK(rng, " The season's one change so far: %1$s. Since then teams have "
							"averaged %2$.1f points a game, against %3$.1f before.",
						   " One change this season (%1$s); scoring since: %2$.1f points a team a "
						   "game, %3$.1f before it."),
					   list.data, after, before);
			else
				buf_printf(b, PICK(rng, " This season's %1$d changes so far: %2$s. Since the first of "
							"them teams have averaged %3$.1f points a game, against %4$.1f "
							"before; the numbers cannot say which change did what.",
						   " The rules have changed %1$d times this season (%2$s). Teams score "
						   "%3$.1f a game since the first change, %4$.1f before it, and no one "
						   "change can be credited with the difference."),
					   n, list.data, after, before);
		}
	}
	buf_free(&list);
}

static char *simulation_report(ctx_t *c)
{
	pw_rng_t rng;
	rng_seed_stream(&rng, (uint64_t)c->sid * 7919 + (uint64_t)c->round, 1);
	fresh_t fr = {0};
	pw_buf_t b = {0};
	if (!c->ng) {
		buf_printf(&b, "No games were played in round %d; the league's business this round was governance.",
		       c->round);
		return buf_take(&b);
	}
	if (c->ng == 1) /* the same draw as for several games: only the words differ */
		buf_printf(&b, PICK(&rng, "Round %d is in the books: one game.", "Round %d brought one game.",
				"One game made up round %d."), c->round);
	else
		buf_printf(&b, PICK(&rng, "Round %d is in the books: %d games.", "Round %d brought %d games.",
				"%2$d games made up round %1$d."), c->round, c->ng);
	int biggest = -1, closest = -1;
	bool playoffs = false;
	for (int i = 0; i < c->ng; i++) {
		const pw_game_row_t *g = &c->games[i];
		int64_t w = g->winner_team_id, l = w == g->home_team_id ? g->away_team_id : g->home_team_id;
		int ws = g->home_score > g->away_score ? g->home_score : g->away_score;
		int ls = g->home_score > g->away_score ? g->away_score : g->home_score;
		int rw = rank_of(c->st, c->nst, w), rl = rank_of(c->st, c->nst, l);
		const char *const *verbs = ws - ls <= 3 ? report_close_verbs
					   : ws - ls >= 20 ? report_rout_verbs : report_win_verbs;
		buf_printf(&b, " %s %s %s %d-%d", tname(&c->teams, w), fresh_pick(&rng, &fr, verbs, count_of(verbs)),
			   tname(&c->teams, l), ws, ls);
		if (g->series[0]) {
			playoffs = true;
			buf_printf(&b, " (%s, game %d)",
				   g->series[0] == 'F' ? "the final" : g->series[0] == 'S' ? "semifinal" : "quarterfinal",
				   g->series_game);
		}
		if (!strcmp(g->stage, "regular") && rw - rl >= 3)
			buf_printf(&b, ", an upset by the standings");
		buf_printf(&b, ".");
		int m = ws - ls;
		if (biggest < 0 || m > abs(c->games[biggest].home_score - c->games[biggest].away_score))
			biggest = i;
		if (closest < 0 || m < abs(c->games[closest].home_score - c->games[closest].away_score))
			closest = i;
	}
	if (c->ng > 1 && closest != biggest)
		buf_printf(&b, " The closest finish was decided by %d; the widest margin was %d.",
		       abs(c->games[closest].home_score - c->games[closest].away_score),
		       abs(c->games[biggest].home_score - c->games[biggest].away_score));
	/* The round's top scorer. */
	int best_pts = -1;
	char best[PW_NAME_MAX + 64] = "";
	for (int i = 0; i < c->ng; i++) {
		const pw_report_game_t *f = &c->facts[i];
		if (f->game_id && f->top_points > best_pts) { /* a game whose result is unreadable has no say */
			best_pts = f->top_points;
			snprintf(best, sizeof best, "%s (%s)", f->top_name, tname(&c->teams, f->top_team));
		}
	}
	if (best_pts > 0)
		buf_printf(&b, PICK(&rng, " %s had the hottest hand of the round with %d points.",
				" Top scorer: %s, %d points.", " %s poured in %d, more than anyone else this round."),
		       best, best_pts);
	/* Streaks over every game of the season so far. */
	int64_t team[64];
	int streak[64], nt = 0;
	if (c->all)
		streaks(c->all, c->nall, team, streak, &nt, 64);
	/* Streaks of the teams that played this round: a team out of the
	 * playoffs keeps its last streak, which is no news. */
	int hot = -1, cold = -1;
	for (int i = 0; i < nt; i++) {
		bool played = false;
		for (int k = 0; k < c->ng; k++)
			played |= c->games[k].home_team_id == team[i] || c->games[k].away_team_id == team[i];
		if (!played)
			continue;
		if (hot < 0 || streak[i] > streak[hot])
			hot = i;
		if (cold < 0 || streak[i] < streak[cold])
			cold = i;
	}
	if (hot >= 0 && streak[hot] >= 3) {
		const char *name = tname(&c->teams, team[hot]);
		size_t nl = strlen(name);
		/* "the Kestrels' streak", "Duluth Raven's" never "Kestrels's" */
		buf_printf(&b, PICK(&rng, " %1$s have won %3$d straight.", " %1$s%2$s winning streak is at %3$d.",
				    " Nobody has caught %1$s lately: %3$d wins in a row."),
			   name, nl && name[nl - 1] == 's' ? "'" : "'s", streak[hot]);
	}
	if (cold >= 0 && streak[cold] <= -3)
		buf_printf(&b, PICK(&rng, " %s have dropped %d in a row.", " %s have lost %d straight.",
				" The skid for %s is at %d losses."), tname(&c->teams, team[cold]), -streak[cold]);
	/* The table, or the series: the standings stop at the regular season. */
	if (playoffs) {
		series_sentences(c, &b, &rng, &fr);
	} else if (c->nst > 0 && c->st[0].wins + c->st[0].losses > 0) {
		if (c->nst > 1 && c->st[1].wins == c->st[0].wins && c->st[1].losses == c->st[0].losses)
			buf_printf(&b, " %s top the standings on tiebreakers at %d-%d, level on record with %s.",
				   tname(&c->teams, c->st[0].team_id), c->st[0].wins, c->st[0].losses,
				   tname(&c->teams, c->st[1].team_id));
		else
			buf_printf(&b, " %s lead the standings at %d-%d.", tname(&c->teams, c->st[0].team_id),
				   c->st[0].wins, c->st[0].losses);
	}
	changes_sentence(c, &b, &rng, c->all, c->nall);
	return buf_take(&b);
}

static char *governance_report(ctx_t *c)
{
	pw_rng_t rng;
	rng_seed_stream(&rng, (uint64_t)c->sid * 7919 + (uint64_t)c->round, 2);
	const pw_gstate_t *gs = gov_state(c->g);
	pw_buf_t b = {0};
	int tallied = 0, open = 0;
	for (int i = 0; i < gs->n_props; i++) {
		const pw_proposal_t *p = &gs->props[i];
		if (p->season_id != c->sid)
			continue;
		if (p->status == PW_PROP_OPEN)
			open++;
		if (p->tally_round != c->round || !(p->status == PW_PROP_PASSED || p->status == PW_PROP_FAILED ||
						    p->status == PW_PROP_HELD))
			continue;
		tallied++;
		double tot = p->tally_yes + p->tally_no;
		buf_printf(&b, "%sProposal #%lld (\"%.80s\") %s, %.2f yes to %.2f no (%.0f%% against a %.0f%% threshold).",
		       b.len ? " " : "", (long long)p->id, p->text ? p->text : "",
		       p->status == PW_PROP_FAILED ? PICK(&rng, "failed", "fell short", "did not pass")
		       : p->status == PW_PROP_HELD ? "passed and awaits the admin's approval"
						   : PICK(&rng, "passed", "carried", "was adopted"),
		       p->tally_yes, p->tally_no, tot > 0 ? 100 * p->tally_yes / tot : 0, 100 * p->tally_threshold);
	}
	if (!tallied)
		buf_printf(&b, "%s", PICK(&rng, "No proposals came to a vote this round.",
				      "The ballot was empty this round.", "Nothing was tallied this round."));
	for (int i = 0; i < gs->n_changes; i++) {
		const pw_rule_change_t *ch = &gs->changes[i];
		if (ch->season_id != c->sid || ch->round != c->round)
			continue;
		const pw_rule_def_t *d = rules_find(ch->name);
		if (!d)
			continue;
		/* People read reports: the rule in words, a switch as on/off. */
		char a[32], v[32], words[96];
		rules_words(d, words, sizeof words);
		if (d->type == PW_RULE_BOOL) {
			snprintf(a, sizeof a, "%s", ch->old_value != 0 ? "on" : "off");
			snprintf(v, sizeof v, "%s", ch->new_value != 0 ? "on" : "off");
		} else {
			rules_format(d, ch->old_value, a, sizeof a);
			rules_format(d, ch->new_value, v, sizeof v);
		}
		buf_printf(&b, " %s changes from %s to %s starting next round.", words, a, v);
	}
	for (int i = 0; i < gs->n_effects; i++)
		if (gs->effects[i].season_id == c->sid && gs->effects[i].start_round == c->round + 1)
			buf_printf(&b, " The effect %s joins the game from next round.", gs->effects[i].name);
	if (open)
		buf_printf(&b, " %d proposal%s remain%s open.", open, open == 1 ? "" : "s", open == 1 ? "s" : "");
	/* Who voted with whom: pairs agreeing on every shared vote (2+). */
	int pairs = 0;
	for (int a = 0; a < gs->n_govs && pairs < 3; a++)
		for (int bb = a + 1; bb < gs->n_govs && pairs < 3; bb++) {
			int shared = 0, same = 0;
			for (int i = 0; i < gs->n_props; i++) {
				const pw_proposal_t *p = &gs->props[i];
				if (p->season_id != c->sid)
					continue;
				int va = -1, vb = -1;
				for (int k = 0; k < p->n_votes; k++) {
					if (p->votes[k].governor_id == gs->govs[a].id)
						va = p->votes[k].yes;
					if (p->votes[k].governor_id == gs->govs[bb].id)
						vb = p->votes[k].yes;
				}
				if (va >= 0 && vb >= 0) {
					shared++;
					same += va == vb;
				}
			}
			if (shared >= 2 && same == shared) {
				buf_printf(&b, " %s and %s have voted alike on all %d proposals they both voted on.",
				       gs->govs[a].name, gs->govs[bb].name, shared);
				pairs++;
			}
		}
	return buf_take(&b);
}

static char *private_report(ctx_t *c, const pw_governor_t *gv)
{
	const pw_gstate_t *gs = gov_state(c->g);
	pw_buf_t b = {0};
	const char *team = tname(&c->teams, gv->team_id);
	int played = 0;
	for (int i = 0; i < c->ng; i++) {
		const pw_game_row_t *g = &c->games[i];
		if (g->home_team_id != gv->team_id && g->away_team_id != gv->team_id)
			continue;
		played = 1;
		bool won = g->winner_team_id == gv->team_id;
		int64_t opp = g->home_team_id == gv->team_id ? g->away_team_id : g->home_team_id;
		buf_printf(&b, "%s %s %s %d-%d this round.", team, won ? "beat" : "lost to", tname(&c->teams, opp),
		       won ? (g->home_score > g->away_score ? g->home_score : g->away_score)
			   : (g->home_score > g->away_score ? g->away_score : g->home_score),
		       won ? (g->home_score > g->away_score ? g->away_score : g->home_score)
			   : (g->home_score > g->away_score ? g->home_score : g->away_score));
	}
	if (!played)
		buf_printf(&b, "%s did not play this round.", team);
	for (int i = 0; i < c->nst; i++)
		if (c->st[i].team_id == gv->team_id)
			buf_printf(&b, " The team stands %d-%d, rank %d of %d.", c->st[i].wins, c->st[i].losses,
			       c->st[i].rank, c->nst);
	buf_printf(&b, " Your balance: %d PROPOSE, %d AMEND, %d BOOST.", gv->tokens[PW_TOK_PROPOSE],
	       gv->tokens[PW_TOK_AMEND], gv->tokens[PW_TOK_BOOST]);
	for (int i = 0; i < gs->n_props; i++) {
		const pw_proposal_t *p = &gs->props[i];
		if (p->season_id != c->sid || p->tally_round != c->round)
			continue;
		const char *outcome = p->status == PW_PROP_FAILED ? "failed" : p->status == PW_PROP_HELD ? "is held for approval" : "passed";
		if (p->governor_id == gv->id)
			buf_printf(&b, " Your proposal #%lld %s.", (long long)p->id, outcome);
		for (int k = 0; k < p->n_votes; k++)
			if (p->votes[k].governor_id == gv->id)
				buf_printf(&b, " You voted %s on #%lld, which %s.", p->votes[k].yes ? "yes" : "no",
				       (long long)p->id, outcome);
	}
	return buf_take(&b);
}

/* The facts of each game of the round: those the caller holds, else read
 * from its GameResult text (a tick resumed at its reports). A game whose
 * text cannot be read keeps game_id 0 and is left out, as before. */
static int round_facts(ctx_t *c, const pw_report_game_t *known, int n_known)
{
	c->facts = calloc((size_t)c->ng + 1, sizeof *c->facts);
	if (!c->facts)
		return -1;
	for (int i = 0; i < c->ng; i++) {
		int k = 0;
		while (k < n_known && known[k].game_id != c->games[i].id)
			k++;
		if (k < n_known) {
			c->facts[i] = known[k];
			continue;
		}
		char *text = NULL, err[256];
		if (game_text_get(c->s, NULL, c->games[i].id, &text, err, sizeof err) == 1 &&
		    report_game_from_json(&c->facts[i], c->games[i].id, text) < 0)
			c->facts[i].game_id = 0;
		free(text);
	}
	return 0;
}

/* The season's teams' names (every team of the league: a private report
 * may name a team that sits this season out). */
static void read_names(ctx_t *c)
{
	c->teams.n = store_season_team_names(c->s, c->sid, true, c->teams.t, REPORT_MAX_TEAMS);
	if (c->teams.n < 0)
		c->teams.n = 0;
}

struct pw_report_round {
	ctx_t c;
};

void report_round_free(pw_report_round_t *r)
{
	if (!r)
		return;
	free(r->c.facts);
	free(r->c.games);
	free(r->c.all);
	free(r);
}

pw_report_round_t *report_round_read(pw_store_t *s, int64_t sid, int round, const pw_report_game_t *known,
				     int n_known, pw_err_t *e)
{
	pw_season_row_t season;
	int have = store_season_get(s, sid, &season);
	if (have != 1) {
		err_set(e, have < 0 ? PW_E_INTERNAL : PW_E_NOT_FOUND, "reading season %lld failed: %s",
			(long long)sid, have < 0 ? store_errmsg(s) : "it does not exist");
		return NULL;
	}
	pw_report_round_t *r = calloc(1, sizeof *r);
	if (!r) {
		err_set(e, PW_E_INTERNAL, "out of memory");
		return NULL;
	}
	ctx_t *c = &r->c;
	c->s = s;
	c->sid = sid;
	c->round = round;
	read_names(c);
	/* The season's games read once: the round's are among them (in the
	 * same order), and the standings count them. */
	c->all = store_games(s, sid, 0, &c->nall);
	c->nst = c->all ? season_standings_of(s, sid, c->all, c->nall, c->st, 64) : 0;
	if (c->nst < 0)
		c->nst = 0;
	c->games = c->all ? malloc(((size_t)c->nall + 1) * sizeof *c->games) : NULL;
	c->ng = 0;
	for (int i = 0; c->games && i < c->nall; i++)
		if (c->all[i].round == round)
			c->games[c->ng++] = c->all[i];
	bool playoffs = false;
	for (int i = 0; i < c->ng; i++)
		playoffs |= c->games[i].series[0] != 0;
	c->have_br = playoffs && season_bracket(s, sid, &c->br, NULL) == 1;
	if (round_facts(c, known, n_known) < 0) {
		report_round_free(r);
		err_set(e, PW_E_INTERNAL, "out of memory");
		return NULL;
	}
	return r;
}

int report_round_write_in_tx(pw_gov_t *g, pw_report_round_t *r, const pw_report_fx_t *fx, cJSON *generated,
			     pw_err_t *e)
{
	ctx_t *c = &r->c;
	c->g = g;
	c->fx = fx;
	c->generated = generated;
	gov_sync(g);
	int rc = 0;
	char *t = simulation_report(c);
	if (t && c->fx) {
		cJSON *hctx = cJSON_CreateObject();
		cJSON *games = cJSON_AddArrayToObject(hctx, "games");
		for (int i = 0; i < c->ng; i++)
			cJSON_AddItemToArray(games, game_json(c, &c->games[i]));
		cJSON_AddItemToObject(hctx, "standings", standings_json(c));
		t = add_effects(c, "report.simulation.pre", "simulation", hctx, t);
	}
	if (!t || save(c, "simulation", 0, 0, t) < 0)
		rc = -1;
	free(t);
	t = rc == 0 ? governance_report(c) : NULL;
	if (rc == 0 && (!t || save(c, "governance", 0, 0, t) < 0))
		rc = -1;
	free(t);
	const pw_gstate_t *gs = gov_state(g);
	for (int i = 0; rc == 0 && i < gs->n_govs; i++) {
		if (gs->govs[i].season_id != c->sid)
			continue;
		t = private_report(c, &gs->govs[i]);
		if (!t || save(c, "private", gs->govs[i].id, 0, t) < 0)
			rc = -1;
		free(t);
	}
	for (int i = 0; rc == 0 && i < c->ng; i++) {
		if (!c->facts[i].game_id)
			continue;
		t = report_commentary(&c->facts[i], tname(&c->teams, c->games[i].home_team_id),
				      tname(&c->teams, c->games[i].away_team_id), c->games[i].seed);
		if (t && c->fx) {
			cJSON *hctx = cJSON_CreateObject();
			cJSON_AddItemToObject(hctx, "game", game_json(c, &c->games[i]));
			t = add_effects(c, "report.commentary.pre", "commentary", hctx, t);
		}
		if (!t || save(c, "commentary", 0, c->games[i].id, t) < 0)
			rc = -1;
		free(t);
	}
	if (rc < 0)
		return err_set(e, PW_E_INTERNAL, "writing reports failed: %s", store_errmsg(c->s));
	return 0;
}

int report_champion_in_tx(pw_gov_t *g, int64_t sid, int round, cJSON *generated, pw_err_t *e)
{
	ctx_t c = {.g = g, .s = gov_store(g), .sid = sid, .round = round, .generated = generated};
	pw_season_row_t season;
	if (store_season_get(c.s, sid, &season) != 1)
		return err_set(e, PW_E_NOT_FOUND, "season %lld does not exist", (long long)sid);
	pw_bracket_t b;
	int have = season_bracket(c.s, sid, &b, e);
	if (have < 0)
		return have;
	const pw_series_t *f = have == 1 && b.n_series > 0 ? &b.series[b.n_series - 1] : NULL;
	if (!f || !b.champion)
		return err_set(e, PW_E_CONFLICT, "season %lld has no champion yet", (long long)sid);
	read_names(&c);
	c.nst = season_standings(c.s, sid, c.st, 64);
	int64_t other = f->winner == f->high ? f->low : f->high;
	int ww = f->winner == f->high ? f->high_wins : f->low_wins;
	int lw = f->winner == f->high ? f->low_wins : f->high_wins;
	pw_buf_t t = {0};
	buf_printf(&t, "The %s are the champions of %s. They won the final against the %s %d-%d "
		   "(best of %d)", tname(&c.teams, b.champion), season.name, tname(&c.teams, other), ww, lw,
		   f->best_of);
	for (int i = 0; i < c.nst; i++)
		if (c.st[i].team_id == b.champion)
			buf_printf(&t, " after finishing the regular season %d-%d, seed %d of %d", c.st[i].wins,
				   c.st[i].losses, f->winner == f->high ? f->high_seed : f->low_seed, b.n_teams);
	buf_printf(&t, ".");
	char *text = buf_take(&t);
	int rc = text && save(&c, "champion", 0, 0, text) == 0 ? 0 : -1;
	free(text);
	if (rc < 0)
		return err_set(e, PW_E_INTERNAL, "writing the champion's report failed: %s", store_errmsg(c.s));
	return 0;
}
