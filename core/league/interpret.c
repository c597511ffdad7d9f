/*
 * interpret.c — the offline interpreter (see interpret.h).
 *
 * Text is normalised first (lower case, punctuation to spaces, number words
 * to digits, underscores to spaces) so that "Three_Point_Value = 5",
 * "three point value to five" and "threes worth 5!" all look alike. Then
 * three passes, each deterministic and table-driven:
 *   1. effects from the library by keywords (and an attached script),
 *   2. phrasings from the pattern table below,
 *   3. every rule parameter by its name, underscores or spaces.
 * A parameter is set at most once (the first pass that names it wins).
 */
#include "core/league/interpret.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdbool.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sim/hooks.h"
#include "core/sim/sha256.h"
#include "effects/fx.h"

#define TEXT_MAX 4000
#define NORM_MAX (TEXT_MAX * 2 + 8)

/* ---- normalisation ---- */

static const char *const number_words[] = {
	"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
	"eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
	"eighteen", "nineteen", "twenty",
};

/* Words that stay words even though they are numbers: "three" in "three
 * pointers" names the shot, not a value. */
static int keep_word(const char *w, size_t n, const char *next)
{
	/* "three point line", "three pointers", "each three is worth": the
	 * shot; "worth three points": a value. */
	bool shot = !strncmp(next, "point ", 6) || !strncmp(next, "pointer", 7) || !strncmp(next, "pt", 2);
	if (n == 5 && !strncmp(w, "three", 5))
		return shot || !strncmp(next, "s ", 2) || !strncmp(next, "is ", 3) || !strncmp(next, "should ", 7);
	if (n == 3 && !strncmp(w, "two", 3))
		return shot;
	if (n == 3 && !strncmp(w, "one", 3))
		return !strncmp(next, "game", 4);
	return 0;
}

/* Lower-cases, turns punctuation into spaces (keeping '.' inside numbers and
 * '%'), and writes " word word ... " with single spaces and both ends padded. */
static void normalise(const char *in, char *out, size_t outlen)
{
	char tmp[NORM_MAX];
	size_t n = 0;
	tmp[n++] = ' ';
	for (const char *p = in; *p && n + 2 < sizeof tmp; p++) {
		unsigned char c = (unsigned char)*p;
		if (isalnum(c) || c == '%') {
			tmp[n++] = (char)tolower(c);
		} else if (c == '.' && p > in && isdigit((unsigned char)p[-1]) &&
			   isdigit((unsigned char)p[1])) {
			tmp[n++] = '.';
		} else if (c == '\'') {
			continue; /* "don't" → "dont" */
		} else if (n && tmp[n - 1] != ' ') {
			tmp[n++] = ' ';
		}
	}
	if (tmp[n - 1] != ' ')
		tmp[n++] = ' ';
	tmp[n] = 0;
	/* Number words → digits, word by word. */
	size_t o = 0;
	out[o++] = ' ';
	const char *p = tmp + 1;
	while (*p && o + 8 < outlen) {
		const char *e = strchr(p, ' ');
		size_t wl = (size_t)(e - p);
		const char *rep = NULL;
		char buf[8];
		for (int i = 0; i <= 20; i++)
			if (strlen(number_words[i]) == wl && !strncmp(p, number_words[i], wl) &&
			    !keep_word(p, wl, e + 1)) {
				snprintf(buf, sizeof buf, "%d", i);
				rep = buf;
			}
		/* "3s" and "3pt" are threes. */
		if (wl == 2 && !strncmp(p, "3s", 2))
			rep = "threes";
		if (rep) {
			size_t rl = strlen(rep);
			memcpy(out + o, rep, rl);
			o += rl;
		} else {
			if (o + wl + 2 >= outlen)
				break;
			memcpy(out + o, p, wl);
			o += wl;
		}
		out[o++] = ' ';
		p = e + 1;
	}
	out[o] = 0;
}

/* Position of phrase as whole words in norm (" a b "), or NULL. With
 * prefix, the last word may continue ("three" finds "threes"). */
static const char *find_words(const char *norm, const char *phrase, int prefix)
{
	char pat[160];
	snprintf(pat, sizeof pat, " %s%s", phrase, prefix ? "" : " ");
	const char *r = strstr(norm, pat);
	return r ? r + 1 : NULL;
}

static const char *has(const char *norm, const char *phrase)
{
	/* Phrases ending in a space-free stem match as prefixes so plurals
	 * and verb forms count; phrases marked with a trailing '$' are exact. */
	size_t n = strlen(phrase);
	if (n && phrase[n - 1] == '$') {
		char tmp[128];
		snprintf(tmp, sizeof tmp, "%.*s", (int)(n - 1), phrase);
		return find_words(norm, tmp, 0);
	}
	return find_words(norm, phrase, 1);
}

static int is_number_token(const char *p, double *v)
{
	if (!isdigit((unsigned char)*p))
		return 0;
	char *end;
	double d = strtod(p, &end);
	int pct = *end == '%';
	if (pct)
		end++;
	if (*end != ' ')
		return 0;
	*v = pct ? d / 100.0 : d;
	return pct ? 2 : 1;
}

/* The first number among the `window` words after pos (pos at a word start). */
static int number_after(const char *norm, const char *pos, int window, double *v)
{
	const char *p = strchr(pos, ' ');
	for (int i = 0; p && *p && i < window; i++) {
		p++;
		if (!*p)
			break;
		int k = is_number_token(p, v);
		if (k)
			return k;
		p = strchr(p, ' ');
	}
	return 0;
}

/* The nearest number among the `window` words before pos. */
static int number_before(const char *norm, const char *pos, int window, double *v)
{
	const char *p = pos - 1; /* the space before the word */
	for (int i = 0; p > norm && i < window; i++) {
		const char *s = p - 1;
		while (s > norm && *s != ' ')
			s--;
		int k = is_number_token(s + 1, v);
		if (k)
			return k;
		p = s;
	}
	return 0;
}

/* ---- the pattern table ---- */

enum { M_NUM, M_SET, M_DELTA, M_SCALE };

typedef struct pattern {
	const char *param;
	int mode;
	double value;              /* M_SET: the value; M_DELTA: the step; M_SCALE: the factor */
	const char *any1[16];      /* one of these must appear */
	const char *any2[10];      /* and one of these, if any are listed (value anchor) */
	const char *none[4];       /* and none of these */
} pattern_t;

static const pattern_t patterns[] = {
	{"three_point_value", M_NUM, 0, {"three", "3 point", "3pt", "trey", "from deep", "from downtown", "beyond the arc", "long range"},
	 {"worth$", "count for$", "count as$", "counts for$", "counts as$", "value$", "points$", "pts$", "count$"}, {"elam"}},
	{"two_point_value", M_NUM, 0, {"two point", "2 point", "twos", "two pointer", "layup", "field goals inside", "inside the arc", "2pt"},
	 {"worth$", "count for$", "count as$", "counts for$", "counts as$", "value$", "points$"}, {"free throw", "foul shot", "ft$"}},
	{"free_throw_value", M_NUM, 0, {"free throw", "foul shot", "ft$", "freebie"},
	 {"worth$", "count for$", "count as$", "counts for$", "counts as$", "value$", "points$"}, {0}},
	{"quarter_minutes", M_DELTA, -2, {"shorter quarter", "quicker quarter", "shorten the quarter", "shorten quarter", "shrink the quarter", "shorter games",
					  "quarters shorter", "quarter shorter", "quarters should be shorter", "quarters be shorter", "quarters to be shorter"}, {0}, {0}},
	{"quarter_minutes", M_DELTA, 2, {"longer quarter", "lengthen the quarter", "lengthen quarter", "extend the quarter", "extend quarter", "longer games",
					 "quarters longer", "quarter longer", "quarters should be longer", "quarters be longer", "quarters to be longer"}, {0}, {0}},
	{"quarter_minutes", M_NUM, 0, {"quarter"}, {"minute", "min$", "mins$"}, {"elam"}},
	{"shot_clock_seconds", M_DELTA, -5, {"faster shot clock", "shorter shot clock", "quicker shot clock", "speed up the shot clock", "shorten the shot clock", "reduce the shot clock",
					     "shot clock shorter", "shot clock faster", "shot clock should be shorter"}, {0}, {0}},
	{"shot_clock_seconds", M_DELTA, 5, {"slower shot clock", "longer shot clock", "lengthen the shot clock", "extend the shot clock", "increase the shot clock",
					    "shot clock longer", "shot clock slower", "shot clock should be longer"}, {0}, {0}},
	{"shot_clock_seconds", M_NUM, 0, {"shot clock"}, {0}, {0}},
	{"home_court_enabled", M_SET, 0, {"no home court", "no more home court", "turn off home court", "turn home court off", "disable home court", "remove home court", "eliminate home court", "abolish home court", "without home court", "end home court", "kill home court", "home court off", "get rid of home court", "neutral court", "neutral site"}, {0}, {0}},
	{"home_court_enabled", M_SET, 1, {"turn on home court", "turn home court on", "enable home court", "restore home court", "bring back home court", "home court on$", "reinstate home court"}, {0}, {0}},
	{"elam_trigger_quarter", M_NUM, 0, {"elam"}, {"after quarter$", "after the quarter$", "start after$", "starts after$", "trigger$", "begin after$", "begins after$", "quarter$"}, {"margin", "target"}},
	{"elam_margin", M_NUM, 0, {"elam"}, {"margin$", "target$", "plus$", "by$", "add$", "points$"}, {0}},
	{"personal_foul_limit", M_NUM, 0, {"foul out", "fouls out", "fouled out", "foul limit", "personal foul", "disqualif"}, {"after$", "at$", "limit$", "fouls$", "on$", "with$"}, {0}},
	{"team_foul_bonus_threshold", M_NUM, 0, {"bonus"}, {"after$", "fouls$", "at$", "threshold$"}, {0}},
	{"three_point_distance", M_DELTA, 2, {"move the three point line back", "move the 3 point line back", "deeper three", "extend the arc", "move the arc back", "push the arc back", "push the three point line back"}, {0}, {0}},
	{"three_point_distance", M_DELTA, -2, {"move the three point line in", "move the 3 point line in", "shorter three", "closer three", "bring the arc in", "move the arc in", "bring the three point line in"}, {0}, {0}},
	{"three_point_distance", M_NUM, 0, {"three point line", "3 point line", "arc$", "three point distance"}, {"feet$", "ft$", "foot$", "to$"}, {0}},
	{"turnover_rate_modifier", M_SET, 1.5, {"more turnovers", "sloppier", "chaos ball", "more steals"}, {0}, {0}},
	{"turnover_rate_modifier", M_SET, 0.7, {"fewer turnovers", "less turnovers", "cleaner ball", "fewer steals"}, {0}, {0}},
	{"foul_rate_modifier", M_SET, 1.5, {"more fouls", "stricter ref", "tighter whistle", "call more fouls"}, {0}, {0}},
	{"foul_rate_modifier", M_SET, 0.7, {"fewer fouls", "less fouls", "let them play", "swallow the whistle", "call fewer fouls"}, {0}, {0}},
	{"vote_threshold", M_SET, 0.67, {"supermajority", "super majority", "two thirds", "2 thirds"}, {0}, {0}},
	{"vote_threshold", M_SET, 0.5, {"simple majority"}, {0}, {0}},
	{"vote_threshold", M_NUM, 0, {"vote threshold", "voting threshold", "pass threshold", "passing threshold"}, {0}, {0}},
	{"playoff_teams", M_NUM, 0, {"playoff"}, {"teams$", "spots$", "seeds$", "team$"}, {0}},
	{"round_robins_per_season", M_NUM, 0, {"round robin"}, {0}, {0}},
	{"travel_fatigue_enabled", M_SET, 0, {"no travel fatigue", "turn off travel", "disable travel", "remove travel fatigue", "without travel fatigue"}, {0}, {0}},
	{"travel_fatigue_enabled", M_SET, 1, {"enable travel", "turn on travel", "restore travel fatigue"}, {0}, {0}},
	{"proposals_per_window", M_NUM, 0, {"proposals per"}, {0}, {0}},
	{"halftime_stamina_recovery", M_NUM, 0, {"halftime"}, {"recovery$", "recover$", "rest$"}, {0}},
	{"min_pass_per_possession", M_NUM, 0, {"pass"}, {"before$", "every possession$", "per possession$", "each possession$", "must$"}, {0}},
	{"safety_cap_possessions", M_NUM, 0, {"safety cap"}, {0}, {0}},
	{"stamina_drain_rate", M_SCALE, 1.5, {"tired faster", "tire faster", "tires faster", "tired quicker", "tire quicker", "more fatigue", "more tired", "tire more",
					      "tired more", "wear out faster", "more stamina drain"}, {0}, {0}},
	{"stamina_drain_rate", M_SCALE, 0.5, {"less fatigue", "less tired", "tire slower", "tired slower", "tire less", "tired less", "tires less",
					      "more stamina", "less stamina drain"}, {0}, {0}},
	{"offensive_rebound_weight", M_SCALE, 1.5, {"more offensive rebound", "more second chance", "crash the offensive glass"}, {0}, {0}},
	{"offensive_rebound_weight", M_SCALE, 0.5, {"fewer offensive rebound", "less offensive rebound", "fewer second chance"}, {0}, {0}},
};

/* ---- the interpretation under construction ---- */

typedef struct build {
	const pw_interp_in_t *in;
	const char *norm;
	cJSON *params, *effects, *repeal;
	int tier;
	double confidence;
	char note[1024];
	char err[256];
	int failed;
	int n_found;
} build_t;

static void note_add(build_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note_add(build_t *b, const char *fmt, ...)
{
	size_t n = strlen(b->note);
	if (n && n + 2 < sizeof b->note) {
		b->note[n++] = ' ';
		b->note[n] = 0;
	}
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(b->note + n, sizeof b->note - n, fmt, ap);
	va_end(ap);
}

static int param_taken(const build_t *b, const char *name)
{
	const cJSON *p;
	cJSON_ArrayForEach(p, b->params) {
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(p, "name");
		if (cJSON_IsString(n) && !strcmp(n->valuestring, name))
			return 1;
	}
	return 0;
}

static cJSON *value_json(const pw_rule_def_t *d, double v)
{
	if (d->type == PW_RULE_BOOL)
		return cJSON_CreateBool(v != 0);
	return cJSON_CreateNumber(v);
}

/* Validates and records a change; a bad value fails the whole interpretation
 * with a message a governor can act on. */
static void add_param(build_t *b, const char *name, double v, double confidence)
{
	const pw_rule_def_t *d = rules_find(name);
	if (!d || param_taken(b, name) || b->failed)
		return;
	if (d->type == PW_RULE_FLOAT && d->max <= 1.0 && v > 1.0 && v <= 100.0)
		v /= 100.0; /* "vote threshold 60" means 60% */
	char err[192];
	if (rules_check(d, v, err, sizeof err) < 0) {
		snprintf(b->err, sizeof b->err, "%s", err);
		b->failed = 1;
		return;
	}
	double old = rules_get(b->in->rules, d);
	if (fabs(old - v) < 1e-12) {
		char cur[32];
		rules_format(d, old, cur, sizeof cur);
		snprintf(b->err, sizeof b->err, "%s is already %s", name, cur);
		b->failed = 1;
		return;
	}
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "name", name);
	cJSON_AddItemToObject(o, "old", value_json(d, old));
	cJSON_AddItemToObject(o, "new", value_json(d, v));
	cJSON_AddItemToArray(b->params, o);
	char a[32], c[32];
	rules_format(d, old, a, sizeof a);
	rules_format(d, v, c, sizeof c);
	note_add(b, "Sets %s from %s to %s.", name, a, c);
	if (d->tier > b->tier)
		b->tier = d->tier;
	if (confidence < b->confidence)
		b->confidence = confidence;
	b->n_found++;
}

static const char *first_of(const char *norm, const char *const *list, int max)
{
	for (int i = 0; i < max && list[i]; i++) {
		const char *p = has(norm, list[i]);
		if (p)
			return p;
	}
	return NULL;
}

/* ---- relative changes: "double the shot clock", "tired twice as fast" ---- */

typedef struct scale_word {
	const char *word;
	double factor;
} scale_word_t;

static const scale_word_t scale_words[] = {
	{"double", 2}, {"twice", 2}, {"2x$", 2}, {"2 times$", 2}, {"triple", 3}, {"thrice", 3},
	{"3 times$", 3}, {"3x$", 3}, {"halve", 0.5}, {"half as", 0.5}, {"cut in half", 0.5}, {"half the", 0.5},
};

/* What a scale word can apply to; the topic named nearest the word wins. */
static const struct scale_topic {
	const char *param;
	const char *words[8];
} scale_topics[] = {
	{"shot_clock_seconds", {"shot clock"}},
	{"elam_margin", {"elam margin", "elam target"}},
	{"free_throw_value", {"free throw", "foul shot"}},
	{"three_point_value", {"three", "3 point", "trey"}},
	{"two_point_value", {"two point", "2 point", "layup"}},
	{"offensive_rebound_weight", {"offensive rebound"}},
	{"turnover_rate_modifier", {"turnover", "steals$"}},
	{"foul_rate_modifier", {"foul$", "fouls$"}},
	{"stamina_drain_rate", {"tired", "tire$", "tires$", "fatigue", "stamina drain"}},
	{"quarter_minutes", {"quarter"}},
	{"dead_ball_time_seconds", {"dead ball"}},
};

/* Words between two positions of norm. */
static int word_distance(const char *a, const char *b)
{
	const char *lo = a < b ? a : b, *hi = a < b ? b : a;
	int n = 0;
	for (const char *p = lo; p < hi; p++)
		n += *p == ' ';
	return n;
}

static void run_scale(build_t *b)
{
	for (size_t i = 0; i < sizeof scale_words / sizeof scale_words[0]; i++) {
		const char *at = has(b->norm, scale_words[i].word);
		if (!at)
			continue;
		const char *best = NULL;
		int best_d = 1 << 30;
		for (size_t t = 0; t < sizeof scale_topics / sizeof scale_topics[0]; t++) {
			const char *hit = first_of(b->norm, scale_topics[t].words, 8);
			if (!hit || param_taken(b, scale_topics[t].param))
				continue;
			int d = word_distance(at, hit);
			if (d < best_d && d <= 6) {
				best_d = d;
				best = scale_topics[t].param;
			}
		}
		if (!best)
			continue;
		const pw_rule_def_t *d = rules_find(best);
		double v = rules_get(b->in->rules, d) * scale_words[i].factor;
		v = d->type == PW_RULE_INT ? round(v) : round(v * 1e6) / 1e6;
		add_param(b, best, v, 0.7);
	}
}

static void run_patterns(build_t *b)
{
	const char *norm = b->norm;
	for (size_t i = 0; i < sizeof patterns / sizeof patterns[0]; i++) {
		const pattern_t *pt = &patterns[i];
		if (param_taken(b, pt->param))
			continue;
		const char *a1 = first_of(norm, pt->any1, 16);
		if (!a1 || first_of(norm, pt->none, 4))
			continue;
		const char *a2 = pt->any2[0] ? first_of(norm, pt->any2, 10) : NULL;
		if (pt->any2[0] && !a2)
			continue;
		const pw_rule_def_t *d = rules_find(pt->param);
		double v;
		if (pt->mode == M_SET) {
			add_param(b, pt->param, pt->value, 0.8);
		} else if (pt->mode == M_SCALE) {
			v = rules_get(b->in->rules, d) * pt->value;
			v = d->type == PW_RULE_INT ? round(v) : round(v * 1e6) / 1e6;
			if (v < d->min)
				v = d->min;
			if (v > d->max)
				v = d->max;
			add_param(b, pt->param, v, 0.65);
		} else if (pt->mode == M_DELTA) {
			double cur = rules_get(b->in->rules, d);
			v = cur + pt->value;
			if (v < d->min)
				v = d->min;
			if (v > d->max)
				v = d->max;
			if (v != cur)
				add_param(b, pt->param, v, 0.65);
		} else if ((a2 && (number_after(norm, a2, 4, &v) || number_before(norm, a2, 3, &v))) ||
			   number_after(norm, a1, 4, &v) ||
			   (!pt->any2[0] && number_before(norm, a1, 2, &v))) {
			/* Without a value anchor the number may also come just
			 * before the words: "24 second shot clock", "2 round robins". */
			add_param(b, pt->param, v, 0.8);
		}
	}
}

/* The series a "best of N" belongs to: the nearest words naming one, before
 * it (up to 6 words: "finals best of 7", "the championship series should
 * be best of 3") or else just after it ("best of 7 final series"). */
static const char *const semi_words[] = {"semi", "first round", "opening round", NULL};
static const char *const final_words[] = {"final", "championship", "title series", "title round", NULL};

static int series_word_at(const char *w)
{
	for (int i = 0; semi_words[i]; i++)
		if (!strncmp(w, semi_words[i], strlen(semi_words[i])))
			return 1;
	for (int i = 0; final_words[i]; i++)
		if (!strncmp(w, final_words[i], strlen(final_words[i])))
			return 2;
	return 0;
}

/* 1 semis, 2 finals, 0 neither; at is the "best" of " best of N ". */
static int series_of(const char *norm, const char *at, const char *after_n)
{
	const char *p = at - 1; /* the space before "best" */
	for (int i = 0; p > norm && i < 6; i++) {
		const char *w = p - 1;
		while (w > norm && *w != ' ')
			w--;
		int k = series_word_at(w + 1);
		if (k)
			return k;
		p = w;
	}
	p = after_n;
	for (int i = 0; p && *p && i < 4; i++) {
		int k = series_word_at(p);
		if (k)
			return k;
		p = strchr(p, ' ');
		p = p ? p + 1 : NULL;
	}
	return 0;
}

/* "finals best of 3", "semis best of 5, finals best of 7", "every playoff
 * series best of 5" (both): each "best of N" sets the series it names. */
static void run_best_of(build_t *b)
{
	for (const char *at = strstr(b->norm, " best of "); at; at = strstr(at + 1, " best of ")) {
		const char *num = at + strlen(" best of ");
		double v;
		if (!is_number_token(num, &v))
			continue;
		const char *after = strchr(num, ' ');
		int k = series_of(b->norm, at + 1, after ? after + 1 : NULL);
		if (k == 0 && !has(b->norm, "playoff"))
			continue;
		if (k != 2)
			add_param(b, "playoff_semis_best_of", v, 0.8);
		if (k != 1)
			add_param(b, "playoff_finals_best_of", v, 0.8);
	}
}

/* Every parameter by name: "three_point_value 5", "three point value to 5". */
static void run_names(build_t *b)
{
	for (size_t i = 0; i < rules_count; i++) {
		const pw_rule_def_t *d = &rules_defs[i];
		if (param_taken(b, d->name))
			continue;
		char spaced[64];
		snprintf(spaced, sizeof spaced, "%s", d->name);
		for (char *p = spaced; *p; p++)
			if (*p == '_')
				*p = ' ';
		const char *at = find_words(b->norm, spaced, 0);
		/* "dead ball time 5" names dead_ball_time_seconds too. */
		size_t sl = strlen(spaced);
		if (!at && sl > 8 && !strcmp(spaced + sl - 8, " seconds")) {
			spaced[sl - 8] = 0;
			at = find_words(b->norm, spaced, 0);
		}
		if (!at)
			continue;
		const char *after = at + strlen(spaced);
		double v;
		if (d->type == PW_RULE_BOOL) {
			/* "home court enabled false", "set home court enabled to off" */
			char win[96];
			snprintf(win, sizeof win, "%.95s", after);
			if (strstr(win, " false ") || strstr(win, " off ") || strstr(win, " no ") ||
			    strstr(win, " 0 ") || has(b->norm, "disable") || has(b->norm, "turn off"))
				add_param(b, d->name, 0, 0.9);
			else if (strstr(win, " true ") || strstr(win, " on ") || strstr(win, " yes ") ||
				 strstr(win, " 1 ") || has(b->norm, "enable") || has(b->norm, "turn on"))
				add_param(b, d->name, 1, 0.9);
		} else if (number_after(b->norm, at + strlen(spaced) - 1, 4, &v)) {
			add_param(b, d->name, v, 0.95);
		} else {
			double cur = rules_get(b->in->rules, d);
			double step = d->type == PW_RULE_INT ? 1 : (d->max - d->min) / 10;
			if (has(b->norm, "increase") || has(b->norm, "raise") || has(b->norm, "more") ||
			    has(b->norm, "higher"))
				v = cur + step;
			else if (has(b->norm, "decrease") || has(b->norm, "lower") ||
				 has(b->norm, "reduce") || has(b->norm, "less") || has(b->norm, "fewer"))
				v = cur - step;
			else
				continue;
			if (v < d->min) v = d->min;
			if (v > d->max) v = d->max;
			if (d->type == PW_RULE_FLOAT)
				v = round(v * 1e6) / 1e6;
			if (v != cur)
				add_param(b, d->name, v, 0.6);
		}
	}
}

/* ---- effects ---- */

cJSON *interp_scan_hooks(const char *src)
{
	cJSON *arr = cJSON_CreateArray();
	static const char *const prefixes[] = {"sim.", "round.", "gov.", "report."};
	for (const char *p = src; arr && p && *p; p++) {
		if (*p != '"' && *p != '\'')
			continue;
		char q = *p;
		const char *s = p + 1, *e = strchr(s, q);
		if (!e)
			break;
		size_t n = (size_t)(e - s);
		for (int k = 0; k < 4; k++) {
			size_t pl = strlen(prefixes[k]);
			if (n > pl && n < 40 && !strncmp(s, prefixes[k], pl)) {
				char name[48];
				snprintf(name, sizeof name, "%.*s", (int)n, s);
				int dupe = 0;
				const cJSON *h;
				cJSON_ArrayForEach(h, arr)
					if (!strcmp(h->valuestring, name))
						dupe = 1;
				if (!dupe)
					cJSON_AddItemToArray(arr, cJSON_CreateString(name));
			}
		}
		p = e;
	}
	return arr;
}

int interp_effect_tier(const cJSON *hooks)
{
	const cJSON *h;
	int any = 0;
	cJSON_ArrayForEach(h, hooks) {
		if (!cJSON_IsString(h))
			continue;
		any = 1;
		if (strncmp(h->valuestring, "report.", 7) != 0)
			return 3;
	}
	return any ? 2 : 3;
}

/* `key = "value"` or `key = N` near the top of a script, for display. */
static void scan_field(const char *src, const char *key, char *out, size_t len)
{
	out[0] = 0;
	const char *p = src;
	size_t kl = strlen(key);
	while ((p = strstr(p, key)) != NULL) {
		const char *q = p + kl;
		if ((p == src || !isalnum((unsigned char)p[-1])) && !isalnum((unsigned char)*q)) {
			while (*q == ' ' || *q == '\t')
				q++;
			if (*q == '=') {
				q++;
				while (*q == ' ' || *q == '\t')
					q++;
				if (*q == '"' || *q == '\'') {
					const char *e = strchr(q + 1, *q);
					if (e)
						snprintf(out, len, "%.*s", (int)(e - q - 1), q + 1);
				} else if (*q == '{') {
					/* { rounds = N } */
					const char *r = strstr(q, "rounds");
					if (r) {
						r = strchr(r, '=');
						if (r)
							snprintf(out, len, "rounds:%d", atoi(r + 1));
					}
				}
				return;
			}
		}
		p = q;
	}
}

cJSON *interp_effect_json(const char *name, const char *library, const char *src, int *tier)
{
	cJSON *e = cJSON_CreateObject();
	if (!e)
		return NULL;
	char sname[64], life[32], desc[FX_DESC_MAX + 1];
	scan_field(src, "name", sname, sizeof sname);
	scan_field(src, "lifetime", life, sizeof life);
	/* What the script says it does, for the people voting on it. */
	scan_field(src, "description", desc, sizeof desc);
	cJSON_AddStringToObject(e, "name", sname[0] ? sname : name);
	if (desc[0])
		cJSON_AddStringToObject(e, "description", desc);
	if (library)
		cJSON_AddStringToObject(e, "library", library);
	cJSON_AddStringToObject(e, "source", src);
	char sha[65];
	sha256_hex(src, strlen(src), sha);
	cJSON_AddStringToObject(e, "sha256", sha);
	cJSON *hooks = interp_scan_hooks(src);
	if (tier)
		*tier = interp_effect_tier(hooks);
	cJSON_AddItemToObject(e, "hooks", hooks);
	if (!strncmp(life, "rounds:", 7)) {
		cJSON_AddStringToObject(e, "lifetime", "rounds");
		cJSON_AddNumberToObject(e, "rounds", atoi(life + 7));
	} else {
		cJSON_AddStringToObject(e, "lifetime", life[0] ? life : "permanent");
	}
	return e;
}

bool interp_is_valid(const cJSON *j)
{
	const cJSON *tier = cJSON_GetObjectItemCaseSensitive(j, "tier");
	const cJSON *params = cJSON_GetObjectItemCaseSensitive(j, "parameters");
	const cJSON *fx = cJSON_GetObjectItemCaseSensitive(j, "effects");
	if (!cJSON_IsObject(j) || !cJSON_IsNumber(tier) || tier->valueint < 1 || tier->valueint > 5 ||
	    !cJSON_IsArray(params) || !cJSON_IsArray(fx) ||
	    !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(j, "note")))
		return false;
	const cJSON *p;
	cJSON_ArrayForEach(p, params) {
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(p, "name");
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(p, "new");
		if (!cJSON_IsString(n) || !rules_find(n->valuestring) || !(cJSON_IsNumber(v) || cJSON_IsBool(v)))
			return false;
	}
	cJSON_ArrayForEach(p, fx) {
		if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(p, "name")) ||
		    !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(p, "source")))
			return false;
	}
	return true;
}

static void add_effect_source(build_t *b, const char *name, const char *library, const char *src,
			      double confidence)
{
	int t = 1;
	cJSON *e = interp_effect_json(name, library, src, &t);
	if (!e)
		return;
	const char *shown = cJSON_GetObjectItemCaseSensitive(e, "name")->valuestring;
	note_add(b, "Adds the effect %s%s.", shown, library ? " from the effects library" : "");
	cJSON_AddItemToArray(b->effects, e);
	if (t > b->tier)
		b->tier = t;
	if (confidence < b->confidence)
		b->confidence = confidence;
	b->n_found++;
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = NULL;
	if (fseek(f, 0, SEEK_END) == 0) {
		long n = ftell(f);
		if (n >= 0 && n < 65536 && fseek(f, 0, SEEK_SET) == 0) {
			buf = malloc((size_t)n + 1);
			if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
				free(buf);
				buf = NULL;
			} else if (buf) {
				buf[n] = 0;
			}
		}
	}
	fclose(f);
	return buf;
}

typedef struct lib_kw {
	const char *effect;
	const char *any[8];
	const char *also[6]; /* if listed, one of these too */
} lib_kw_t;

static const lib_kw_t library_keywords[] = {
	{"elam_five_point_threes", {"elam"}, {"five point", "5 point", "worth 5", "5 pointer", "worth five", "5 points"}},
	{"swagger", {"swagger"}, {0}},
	{"hot_hand", {"hot hand", "heating up", "on fire", "hot streak"}, {0}},
	{"lava_floor", {"lava"}, {0}},
	{"crowd_favourite", {"crowd favourite", "crowd favorite", "fan favourite", "fan favorite", "crowd favour", "crowd favor"}, {0}},
	{"underdog_comeback", {"underdog", "comeback"}, {0}},
	{"fatigue_free_first_quarter", {"fatigue free", "fatigue less", "tireless first", "no fatigue"}, {0}},
	{"fatigue_free_first_quarter", {"1st quarter", "first quarter", "opening quarter"}, {"fatigue", "stamina", "tired", "tire$"}},
	{"suspension", {"suspend", "suspension", "banned for", "ban "}, {0}},
};

static void run_library(build_t *b)
{
	for (size_t i = 0; i < sizeof library_keywords / sizeof library_keywords[0]; i++) {
		const lib_kw_t *k = &library_keywords[i];
		if (!first_of(b->norm, k->any, 8))
			continue;
		if (k->also[0] && !first_of(b->norm, k->also, 6))
			continue;
		/* One copy of each library effect per proposal. */
		int dupe = 0;
		const cJSON *e;
		cJSON_ArrayForEach(e, b->effects) {
			const cJSON *l = cJSON_GetObjectItemCaseSensitive(e, "library");
			if (cJSON_IsString(l) && !strcmp(l->valuestring, k->effect))
				dupe = 1;
		}
		if (dupe)
			continue;
		char path[1024];
		snprintf(path, sizeof path, "%s/%s.lua",
			 b->in->scripts_dir ? b->in->scripts_dir : "scripts/effects", k->effect);
		char *src = read_file(path);
		if (!src) {
			note_add(b, "The library effect %s is not installed here.", k->effect);
			b->tier = 5;
			continue;
		}
		add_effect_source(b, k->effect, k->effect, src, 0.8);
		free(src);
	}
}

static void run_repeal(build_t *b)
{
	if (!has(b->norm, "repeal") && !has(b->norm, "revoke") && !has(b->norm, "remove the effect") &&
	    !has(b->norm, "end the effect") && !has(b->norm, "cancel the effect"))
		return;
	for (int i = 0; i < b->in->n_active; i++) {
		const pw_interp_effect_t *e = &b->in->active[i];
		char id[80], name[80];
		normalise(e->id, id, sizeof id);
		normalise(e->name ? e->name : "", name, sizeof name);
		/* The normalised forms keep the padding spaces: match as words. */
		if ((strlen(id) > 2 && strstr(b->norm, id)) || (strlen(name) > 2 && strstr(b->norm, name))) {
			cJSON_AddItemToArray(b->repeal, cJSON_CreateString(e->id));
			note_add(b, "Repeals the effect %s.", e->id);
			b->n_found++;
		}
	}
	if (cJSON_GetArraySize(b->repeal) > 0)
		b->tier = 5; /* the spec puts every repeal at tier 5 */
}

static int injection(const char *norm)
{
	static const char *const marks[] = {
		"ignore previous", "ignore all previous", "ignore the above", "ignore your instructions",
		"system prompt", "you are now", "disregard", "jailbreak", "developer mode",
		"new instructions", "override the rules engine",
	};
	for (size_t i = 0; i < sizeof marks / sizeof marks[0]; i++)
		if (has(norm, marks[i]))
			return 1;
	return 0;
}

int interp_proposal(const pw_interp_in_t *in, cJSON **out, char *err, size_t errlen)
{
	*out = NULL;
	if (!in || !in->text || !in->rules) {
		snprintf(err, errlen, "a proposal needs text");
		return -1;
	}
	size_t tl = strlen(in->text);
	const char *p = in->text;
	while (*p && isspace((unsigned char)*p))
		p++;
	if (!*p) {
		snprintf(err, errlen, "the proposal text is empty");
		return -1;
	}
	if (tl > TEXT_MAX) {
		snprintf(err, errlen, "the proposal text is %zu bytes; the limit is %d", tl, TEXT_MAX);
		return -1;
	}
	char *norm = malloc(NORM_MAX);
	if (!norm) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	normalise(in->text, norm, NORM_MAX);
	build_t b = {.in = in, .norm = norm, .tier = 1, .confidence = 1.0};
	b.params = cJSON_CreateArray();
	b.effects = cJSON_CreateArray();
	b.repeal = cJSON_CreateArray();
	int inj = injection(norm);

	/* One idea, one effect: with a script attached, the text describes that
	 * script (what the proposer wrote), so a library effect the words also
	 * match is not added beside it; voters see, and the tally enacts,
	 * exactly the effects listed here. */
	bool attached = in->effect_lua && *in->effect_lua;
	if (attached)
		add_effect_source(&b, "Custom effect", NULL, in->effect_lua, 0.9);
	run_repeal(&b);
	if (!attached)
		run_library(&b);
	run_best_of(&b);
	run_scale(&b);
	run_patterns(&b);
	run_names(&b);
	free(norm);

	if (b.failed) {
		snprintf(err, errlen, "%s", b.err);
		cJSON_Delete(b.params);
		cJSON_Delete(b.effects);
		cJSON_Delete(b.repeal);
		return -1;
	}
	cJSON *o = cJSON_CreateObject();
	cJSON_AddItemToObject(o, "parameters", b.params);
	cJSON_AddItemToObject(o, "effects", b.effects);
	cJSON_AddItemToObject(o, "repeal", b.repeal);
	if (inj) {
		b.tier = 5;
		note_add(&b, "The text reads like an attempt to instruct the interpreter; it goes to "
			     "admin review.");
	}
	if (b.n_found == 0) {
		b.tier = 5;
		b.confidence = 0.1;
		note_add(&b, "No rule parameter or library effect matched this text, so it stands as a "
			     "wild (tier 5) proposal.");
		cJSON_AddStringToObject(o, "clarification",
					"Which parameter should change, and to what value? For example: "
					"\"three_point_value 4\", \"shorter quarters\", \"turn off home "
					"court\", or attach a Lua effect.");
	}
	cJSON_AddNumberToObject(o, "confidence", round(b.confidence * 100) / 100);
	cJSON_AddStringToObject(o, "note", b.note);
	cJSON_AddNumberToObject(o, "tier", b.tier);
	cJSON_AddBoolToObject(o, "injection", inj);
	*out = o;
	return 0;
}

/* ---- strategy ---- */

int interp_strategy(const char *text, pw_strategy_t *s, char *note, size_t notelen)
{
	teams_strategy_default(s);
	note[0] = 0;
	if (!text)
		return 0;
	char *norm = malloc(NORM_MAX);
	if (!norm)
		return 0;
	char src[TEXT_MAX + 1];
	snprintf(src, sizeof src, "%s", text);
	normalise(src, norm, NORM_MAX);
	int n = 0;
	size_t used = 0;
#define SAY(...) do { if (used < notelen) used += (size_t)snprintf(note + used, notelen - used, __VA_ARGS__); } while (0)
	static const char *const less[] = {"fewer", "less", "avoid", "stop", "no "};
	int neg = 0;
	for (int i = 0; i < 5; i++)
		if (has(norm, less[i]))
			neg = 1;
	if (has(norm, "three") || has(norm, "threes") || has(norm, "from deep") || has(norm, "bomb") ||
	    has(norm, "perimeter") || has(norm, "outside")) {
		s->three_bias = neg ? -0.5 : 0.5;
		SAY("%s threes. ", neg ? "Fewer" : "More");
		n++;
	}
	if (has(norm, "rim") || has(norm, "drive") || has(norm, "paint") || has(norm, "attack the basket") ||
	    has(norm, "inside") || has(norm, "dunk") || has(norm, "layup")) {
		s->rim_bias = 0.5;
		SAY("Attack the rim. ");
		n++;
	}
	if (has(norm, "mid range") || has(norm, "midrange") || has(norm, "pull up") || has(norm, "jumper")) {
		s->mid_bias = 0.5;
		SAY("More mid-range shots. ");
		n++;
	}
	if (has(norm, "fast") || has(norm, "push the pace") || has(norm, "run and gun") ||
	    has(norm, "tempo") || has(norm, "transition") || has(norm, "quick")) {
		s->pace = 0.5;
		SAY("Faster pace. ");
		n++;
	} else if (has(norm, "slow") || has(norm, "grind") || has(norm, "patient") || has(norm, "milk the clock")) {
		s->pace = -0.5;
		SAY("Slower pace. ");
		n++;
	}
	if (has(norm, "lock down") || has(norm, "lockdown") || has(norm, "intens") ||
	    has(norm, "aggressive") || has(norm, "physical") || has(norm, "hard defense") ||
	    has(norm, "tough defense")) {
		s->defensive_intensity = 0.5;
		SAY("Tighter defense. ");
		n++;
	} else if (has(norm, "conserve") || has(norm, "save energy") || has(norm, "relax")) {
		s->defensive_intensity = -0.3;
		SAY("Conserve energy on defense. ");
		n++;
	}
	static const struct { const char *kw; int scheme; const char *say; } schemes[] = {
		{"press", PW_SCHEME_PRESS, "press"}, {"zone", PW_SCHEME_ZONE, "zone"},
		{"switch", PW_SCHEME_MAN_SWITCH, "switching man"}, {"man to man", PW_SCHEME_MAN_TIGHT, "tight man"},
		{"tight man", PW_SCHEME_MAN_TIGHT, "tight man"},
	};
	for (size_t i = 0; i < sizeof schemes / sizeof schemes[0]; i++)
		if (has(norm, schemes[i].kw)) {
			s->preferred_scheme = schemes[i].scheme;
			SAY("Prefer a %s defense", schemes[i].say);
			n++;
			if (has(norm, "trailing") || has(norm, "behind") || has(norm, "down by") || has(norm, "losing")) {
				s->scheme_when = PW_WHEN_TRAILING;
				SAY(" when trailing");
			} else if (has(norm, "leading") || has(norm, "ahead") || has(norm, "up by") || has(norm, "winning")) {
				s->scheme_when = PW_WHEN_LEADING;
				SAY(" when leading");
			} else if (has(norm, "elam") || has(norm, "clutch") || has(norm, "late")) {
				s->scheme_when = PW_WHEN_ELAM;
				SAY(" in the Elam period");
			}
			SAY(". ");
			break;
		}
#undef SAY
	if (!n)
		snprintf(note, notelen, "No strategy phrase was recognised; the team plays its default game.");
	else if (used && used < notelen && note[used - 1] == ' ')
		note[used - 1] = 0;
	free(norm);
	return n;
}
