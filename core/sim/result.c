/*
 * result.c — a finished game for the outside world: the JSON contract, the
 * hash over the canonical play stream, and text a basketball fan can read.
 */
#include "core/sim/result.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sim/buf.h"
#include "core/sim/jsonw.h"
#include "core/sim/sha256.h"

static const char *const action_names[PW_ACT_COUNT] = {
	"at_rim", "mid_range", "three_point", "free_throw", "turnover",
	"foul", "rebound", "substitution", "effect", "period",
};

static const char *const outcome_names[PW_RES_COUNT] = {
	"made", "missed", "blocked", "steal", "lost_ball", "shooting",
	"non_shooting", "offensive", "defensive", "in", "foul_out", "none",
	"quarter_end", "halftime", "elam_start", "game_end",
};

const char *result_action_name(pw_action_t a)
{
	return (int)a >= 0 && a < PW_ACT_COUNT ? action_names[a] : "unknown";
}

const char *result_outcome_name(pw_outcome_t o)
{
	return (int)o >= 0 && o < PW_RES_COUNT ? outcome_names[o] : "unknown";
}

const pw_hooper_t *result_hooper(const pw_game_result_t *r, int hooper_id)
{
	const pw_team_t *teams[2] = {r->home, r->away};
	for (int t = 0; t < 2; t++)
		for (int k = 0; teams[t] && k < PW_ROSTER_SIZE; k++)
			if (teams[t]->hoopers[k].id == hooper_id)
				return &teams[t]->hoopers[k];
	return NULL;
}

/* ---------------------------------------------------------------- hash */

/*
 * The canonical stream is a fixed little-endian layout of every field of
 * every play, then the final score. It does not depend on struct padding,
 * the JSON printer or the host's byte order, so equal games hash equally
 * on any build, and any change of a drawn outcome changes the hash.
 */
struct canon {
	pw_sha256_t sha;
	uint8_t pend[1024]; /* fields gathered here: one update per kilobyte,
			     * where one per field cost more than the game */
	size_t n;
};

static void canon_flush(struct canon *c)
{
	sha256_update(&c->sha, c->pend, c->n);
	c->n = 0;
}

static void canon_bytes(struct canon *c, const void *p, size_t len)
{
	if (c->n + len > sizeof c->pend)
		canon_flush(c);
	if (len > sizeof c->pend) {
		sha256_update(&c->sha, p, len);
		return;
	}
	memcpy(c->pend + c->n, p, len);
	c->n += len;
}

static void canon_int(struct canon *c, int64_t v, int width)
{
	if (c->n + (size_t)width > sizeof c->pend)
		canon_flush(c);
	for (int i = 0; i < width; i++)
		c->pend[c->n++] = (uint8_t)((uint64_t)v >> (8 * i));
}

void result_hash(const pw_game_result_t *r, char hex[65])
{
	struct canon c;
	c.n = 0;
	sha256_init(&c.sha);
	canon_bytes(&c, "pinwheel-game-v1", 16);
	for (size_t i = 0; i < r->n_plays; i++) {
		const pw_play_t *p = &r->plays[i];
		canon_int(&c, p->n, 4);
		canon_int(&c, p->quarter, 2);
		canon_int(&c, p->clock_tenths, 2);
		canon_int(&c, p->offense, 1);
		canon_int(&c, p->action, 1);
		canon_int(&c, p->result, 1);
		canon_int(&c, p->scheme, 1);
		canon_int(&c, p->move, 1);
		canon_int(&c, p->points, 1);
		canon_int(&c, p->home_score, 2);
		canon_int(&c, p->away_score, 2);
		canon_int(&c, p->handler_id, 4);
		canon_int(&c, p->defender_id, 4);
		canon_int(&c, p->assist_id, 4);
		canon_int(&c, p->rebound_id, 4);
		canon_int(&c, p->other_id, 4);
		const char *nar = sim_play_narrative(r, p);
		size_t nlen = nar ? strlen(nar) : 0;
		canon_int(&c, (int64_t)nlen, 2);
		canon_bytes(&c, nar ? nar : "", nlen);
	}
	canon_int(&c, r->home_score, 4);
	canon_int(&c, r->away_score, 4);
	canon_int(&c, r->winner, 1);
	canon_int(&c, r->elam_target, 4);
	canon_flush(&c);
	uint8_t d[32];
	sha256_final(&c.sha, d);
	sha256_to_hex(d, hex);
}

/* ---------------------------------------------------------------- JSON */

static int team_id(const pw_game_result_t *r, int side)
{
	const pw_team_t *t = side == 0 ? r->home : r->away;
	return t ? t->id : 0;
}

/* Ids of 0 mean "nobody" and print as null. */
static void add_id(cJSON *o, const char *key, int id)
{
	if (id)
		cJSON_AddNumberToObject(o, key, id);
	else
		cJSON_AddNullToObject(o, key);
}

/* Seeds are 64-bit; JSON numbers are exact only to 2^53, so larger seeds
 * are written as decimal strings rather than silently rounded. */
static void add_u64(cJSON *o, const char *key, uint64_t v)
{
	if (v <= (1ULL << 53)) {
		cJSON_AddNumberToObject(o, key, (double)v);
	} else {
		char buf[24];
		snprintf(buf, sizeof buf, "%llu", (unsigned long long)v);
		cJSON_AddStringToObject(o, key, buf);
	}
}

static cJSON *play_json(const pw_game_result_t *r, const pw_play_t *p)
{
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return NULL;
	char text[PW_NARRATIVE_MAX + 256];
	cJSON_AddNumberToObject(o, "n", p->n);
	cJSON_AddNumberToObject(o, "quarter", p->quarter);
	if (p->clock_tenths >= 0)
		cJSON_AddNumberToObject(o, "clock", p->clock_tenths / 10.0);
	else
		cJSON_AddNullToObject(o, "clock");
	cJSON_AddNumberToObject(o, "offense_team_id", team_id(r, p->offense));
	add_id(o, "handler_id", p->handler_id);
	cJSON_AddStringToObject(o, "action", result_action_name((pw_action_t)p->action));
	cJSON_AddStringToObject(o, "result", result_outcome_name((pw_outcome_t)p->result));
	cJSON_AddNumberToObject(o, "points", p->points);
	cJSON_AddNumberToObject(o, "home_score", p->home_score);
	cJSON_AddNumberToObject(o, "away_score", p->away_score);
	add_id(o, "defender_id", p->defender_id);
	add_id(o, "assist_id", p->assist_id);
	add_id(o, "rebound_id", p->rebound_id);
	if (p->scheme >= 0 && p->scheme < PW_SCHEME_COUNT)
		cJSON_AddStringToObject(o, "scheme", hooks_scheme_name((pw_scheme_t)p->scheme));
	else
		cJSON_AddNullToObject(o, "scheme");
	const pw_move_def_t *m = p->move >= 0 ? moves_def((pw_move_id_t)p->move) : NULL;
	if (m)
		cJSON_AddStringToObject(o, "move", m->name);
	else
		cJSON_AddNullToObject(o, "move");
	cJSON_AddStringToObject(o, "narrative", result_describe_play(r, p, text, sizeof text));
	return o;
}

static cJSON *box_json(const pw_game_result_t *r, const pw_box_t *b)
{
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return NULL;
	const pw_hooper_t *h = result_hooper(r, b->hooper_id);
	cJSON_AddNumberToObject(o, "hooper_id", b->hooper_id);
	cJSON_AddStringToObject(o, "hooper_name", h ? h->name : "");
	cJSON_AddNumberToObject(o, "team_id", b->team_id);
	/* Minutes to one decimal: enough for a box score, stable in print. */
	cJSON_AddNumberToObject(o, "minutes", (double)(long)(b->seconds / 6.0 + 0.5) / 10.0);
	cJSON_AddNumberToObject(o, "points", b->points);
	cJSON_AddNumberToObject(o, "fgm", b->fgm);
	cJSON_AddNumberToObject(o, "fga", b->fga);
	cJSON_AddNumberToObject(o, "tpm", b->tpm);
	cJSON_AddNumberToObject(o, "tpa", b->tpa);
	cJSON_AddNumberToObject(o, "ftm", b->ftm);
	cJSON_AddNumberToObject(o, "fta", b->fta);
	cJSON_AddNumberToObject(o, "rebounds", b->rebounds);
	cJSON_AddNumberToObject(o, "assists", b->assists);
	cJSON_AddNumberToObject(o, "steals", b->steals);
	cJSON_AddNumberToObject(o, "turnovers", b->turnovers);
	cJSON_AddNumberToObject(o, "fouls", b->fouls);
	cJSON_AddNumberToObject(o, "plus_minus", b->plus_minus);
	return o;
}

cJSON *result_to_json(const pw_game_result_t *r)
{
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return NULL;
	cJSON_AddNumberToObject(o, "game_id", (double)r->game_id);
	add_u64(o, "seed", r->seed);
	cJSON_AddNumberToObject(o, "home_team_id", team_id(r, 0));
	cJSON_AddNumberToObject(o, "away_team_id", team_id(r, 1));
	cJSON_AddNumberToObject(o, "home_score", r->home_score);
	cJSON_AddNumberToObject(o, "away_score", r->away_score);
	cJSON_AddNumberToObject(o, "winner_team_id", team_id(r, r->winner));
	cJSON_AddNumberToObject(o, "total_possessions", r->total_possessions);
	if (r->elam_target)
		cJSON_AddNumberToObject(o, "elam_target", r->elam_target);
	else
		cJSON_AddNullToObject(o, "elam_target");
	cJSON_AddNumberToObject(o, "elam_possessions", r->elam_possessions);
	cJSON_AddNumberToObject(o, "lead_changes", r->lead_changes);
	cJSON_AddNumberToObject(o, "largest_lead", r->largest_lead);

	cJSON *qs = cJSON_AddArrayToObject(o, "quarter_scores");
	for (int i = 0; qs && i < r->n_quarters; i++) {
		cJSON *q = cJSON_CreateObject();
		cJSON_AddNumberToObject(q, "quarter", r->quarters[i].quarter);
		cJSON_AddNumberToObject(q, "home", r->quarters[i].home);
		cJSON_AddNumberToObject(q, "away", r->quarters[i].away);
		cJSON_AddItemToArray(qs, q);
	}
	cJSON *box = cJSON_AddArrayToObject(o, "box_scores");
	for (int t = 0; box && t < 2; t++)
		for (int k = 0; k < PW_ROSTER_SIZE; k++)
			if (r->box[t][k].hooper_id)
				cJSON_AddItemToArray(box, box_json(r, &r->box[t][k]));
	cJSON *plays = cJSON_AddArrayToObject(o, "plays");
	for (size_t i = 0; plays && i < r->n_plays; i++)
		cJSON_AddItemToArray(plays, play_json(r, &r->plays[i]));
	cJSON *fx = cJSON_AddArrayToObject(o, "effects");
	for (size_t i = 0; fx && i < r->n_effects; i++) {
		const pw_effect_stat_t *s = &r->effects[i];
		cJSON *e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "effect_id", s->effect_id);
		cJSON_AddStringToObject(e, "hook", hooks_name(s->hook) ? hooks_name(s->hook) : "");
		cJSON_AddNumberToObject(e, "fired", s->fired);
		cJSON_AddNumberToObject(e, "errors", s->errors);
		cJSON_AddItemToArray(fx, e);
	}
	cJSON_AddItemToObject(o, "rules", rules_to_json(&r->rules));
	char hex[65];
	result_hash(r, hex);
	cJSON_AddStringToObject(o, "hash", hex);
	return o;
}

/* ------------------------------------------------------- JSON, direct */

/* `,"key":` (the key is a literal without escapes). */
#define KEY(b, lit) buf_append((b), "," lit ":", sizeof(lit) + 1)

static void w_id(pw_buf_t *b, int id)
{
	if (id)
		jsonw_int(b, id);
	else
		buf_append(b, "null", 4);
}

static void w_u64(pw_buf_t *b, uint64_t v)
{
	char buf[24];
	snprintf(buf, sizeof buf, "%llu", (unsigned long long)v);
	if (v <= (1ULL << 53))
		jsonw_num(b, (double)v);
	else
		jsonw_str(b, buf);
}

/* A game clock of tenths as cJSON prints tenths / 10.0: "12.3", or "12"
 * when whole (a double nearest a one-decimal number prints as that number
 * at 15 digits, so no printf is needed). */
static void w_clock(pw_buf_t *b, int tenths)
{
	if (tenths < 0) {
		buf_append(b, "null", 4);
		return;
	}
	jsonw_int(b, tenths / 10);
	if (tenths % 10) {
		char d[2] = {'.', (char)('0' + tenths % 10)};
		buf_append(b, d, 2);
	}
}

static void w_name(pw_buf_t *b, const char *s)
{
	if (s)
		jsonw_str(b, s);
	else
		buf_append(b, "null", 4);
}

static void w_play(pw_buf_t *b, const pw_game_result_t *r, const pw_play_t *p)
{
	char text[PW_NARRATIVE_MAX + 256];
	buf_append(b, "{\"n\":", 5);
	jsonw_int(b, p->n);
	KEY(b, "\"quarter\"");
	jsonw_int(b, p->quarter);
	KEY(b, "\"clock\"");
	w_clock(b, p->clock_tenths);
	KEY(b, "\"offense_team_id\"");
	jsonw_int(b, team_id(r, p->offense));
	KEY(b, "\"handler_id\"");
	w_id(b, p->handler_id);
	KEY(b, "\"action\"");
	jsonw_str(b, result_action_name((pw_action_t)p->action));
	KEY(b, "\"result\"");
	jsonw_str(b, result_outcome_name((pw_outcome_t)p->result));
	KEY(b, "\"points\"");
	jsonw_int(b, p->points);
	KEY(b, "\"home_score\"");
	jsonw_int(b, p->home_score);
	KEY(b, "\"away_score\"");
	jsonw_int(b, p->away_score);
	KEY(b, "\"defender_id\"");
	w_id(b, p->defender_id);
	KEY(b, "\"assist_id\"");
	w_id(b, p->assist_id);
	KEY(b, "\"rebound_id\"");
	w_id(b, p->rebound_id);
	KEY(b, "\"scheme\"");
	w_name(b, p->scheme >= 0 && p->scheme < PW_SCHEME_COUNT ? hooks_scheme_name((pw_scheme_t)p->scheme) : NULL);
	const pw_move_def_t *m = p->move >= 0 ? moves_def((pw_move_id_t)p->move) : NULL;
	KEY(b, "\"move\"");
	w_name(b, m ? m->name : NULL);
	KEY(b, "\"narrative\"");
	jsonw_str(b, result_describe_play(r, p, text, sizeof text));
	buf_append(b, "}", 1);
}

static void w_box(pw_buf_t *b, const pw_game_result_t *r, const pw_box_t *x)
{
	const pw_hooper_t *h = result_hooper(r, x->hooper_id);
	buf_append(b, "{\"hooper_id\":", 13);
	jsonw_int(b, x->hooper_id);
	KEY(b, "\"hooper_name\"");
	jsonw_str(b, h ? h->name : "");
	KEY(b, "\"team_id\"");
	jsonw_int(b, x->team_id);
	KEY(b, "\"minutes\"");
	jsonw_num(b, (double)(long)(x->seconds / 6.0 + 0.5) / 10.0); /* as box_json */
	const int v[] = {x->points, x->fgm, x->fga, x->tpm, x->tpa, x->ftm, x->fta, x->rebounds,
			 x->assists, x->steals, x->turnovers, x->fouls, x->plus_minus};
	static const char *const k[] = {"points", "fgm", "fga", "tpm", "tpa", "ftm", "fta", "rebounds",
					 "assists", "steals", "turnovers", "fouls", "plus_minus"};
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		buf_append(b, ",\"", 2);
		buf_puts(b, k[i]);
		buf_append(b, "\":", 2);
		jsonw_int(b, v[i]);
	}
	buf_append(b, "}", 1);
}

void result_write_json(const pw_game_result_t *r, const char *hash, pw_buf_t *b)
{
	char hex[65];
	if (!hash) {
		result_hash(r, hex);
		hash = hex;
	}
	/* ~330 bytes a play: one reservation instead of a doubling per page */
	buf_reserve(b, 2048 + r->n_plays * 330);
	buf_append(b, "{\"game_id\":", 11);
	jsonw_num(b, (double)r->game_id);
	KEY(b, "\"seed\"");
	w_u64(b, r->seed);
	KEY(b, "\"home_team_id\"");
	jsonw_int(b, team_id(r, 0));
	KEY(b, "\"away_team_id\"");
	jsonw_int(b, team_id(r, 1));
	KEY(b, "\"home_score\"");
	jsonw_int(b, r->home_score);
	KEY(b, "\"away_score\"");
	jsonw_int(b, r->away_score);
	KEY(b, "\"winner_team_id\"");
	jsonw_int(b, team_id(r, r->winner));
	KEY(b, "\"total_possessions\"");
	jsonw_int(b, r->total_possessions);
	KEY(b, "\"elam_target\"");
	w_id(b, r->elam_target);
	KEY(b, "\"elam_possessions\"");
	jsonw_int(b, r->elam_possessions);
	KEY(b, "\"lead_changes\"");
	jsonw_int(b, r->lead_changes);
	KEY(b, "\"largest_lead\"");
	jsonw_int(b, r->largest_lead);
	KEY(b, "\"quarter_scores\"");
	buf_append(b, "[", 1);
	for (int i = 0; i < r->n_quarters; i++) {
		buf_append(b, i ? ",{\"quarter\":" : "{\"quarter\":", i ? 12 : 11);
		jsonw_int(b, r->quarters[i].quarter);
		KEY(b, "\"home\"");
		jsonw_int(b, r->quarters[i].home);
		KEY(b, "\"away\"");
		jsonw_int(b, r->quarters[i].away);
		buf_append(b, "}", 1);
	}
	buf_append(b, "]", 1);
	KEY(b, "\"plays\"");
	buf_append(b, "[", 1);
	for (size_t i = 0; i < r->n_plays; i++) {
		if (i)
			buf_append(b, ",", 1);
		w_play(b, r, &r->plays[i]);
	}
	buf_append(b, "]", 1);
	KEY(b, "\"effects\"");
	buf_append(b, "[", 1);
	for (size_t i = 0; i < r->n_effects; i++) {
		const pw_effect_stat_t *s = &r->effects[i];
		buf_append(b, i ? ",{\"effect_id\":" : "{\"effect_id\":", i ? 14 : 13);
		jsonw_str(b, s->effect_id);
		KEY(b, "\"hook\"");
		jsonw_str(b, hooks_name(s->hook) ? hooks_name(s->hook) : "");
		KEY(b, "\"fired\"");
		jsonw_int(b, s->fired);
		KEY(b, "\"errors\"");
		jsonw_int(b, s->errors);
		buf_append(b, "}", 1);
	}
	buf_append(b, "]", 1);
	KEY(b, "\"rules\"");
	rules_write_json(&r->rules, b);
	KEY(b, "\"hash\"");
	jsonw_str(b, hash);
	KEY(b, "\"box_scores\"");
	buf_append(b, "[", 1);
	bool first = true;
	for (int t = 0; t < 2; t++)
		for (int k = 0; k < PW_ROSTER_SIZE; k++)
			if (r->box[t][k].hooper_id) {
				if (!first)
					buf_append(b, ",", 1);
				first = false;
				w_box(b, r, &r->box[t][k]);
			}
	buf_append(b, "]}", 2);
}

/* ---------------------------------------------------------------- text */

static const char *name_of(const pw_game_result_t *r, int id)
{
	const pw_hooper_t *h = result_hooper(r, id);
	return h ? h->name : "someone";
}

/* Verbs vary with the play number so a long play-by-play does not repeat
 * itself; the choice is a pure function of the play, so text is stable. */
static const char *pick(const pw_play_t *p, const char *const *words, int n)
{
	return words[(unsigned)p->n * 2654435761u % (unsigned)n];
}

char *result_describe_play(const pw_game_result_t *r, const pw_play_t *p, char *buf, size_t len)
{
	static const char *const rim_made[] = {"finishes at the rim", "lays it in", "throws it down", "scores inside"};
	static const char *const rim_miss[] = {"misses at the rim", "can't finish inside", "has the layup rim out"};
	static const char *const mid_made[] = {"hits a mid-range jumper", "pulls up and drains it", "knocks down the elbow jumper"};
	static const char *const mid_miss[] = {"misses a mid-range jumper", "clanks the pull-up", "comes up short from the elbow"};
	static const char *const three_made[] = {"drains a three", "buries it from deep", "splashes a triple", "hits from downtown"};
	static const char *const three_miss[] = {"misses from deep", "bricks the three", "can't connect from beyond the arc"};

	size_t used = 0;
	buf[0] = '\0';
#define OUT(...)                                                                        \
	do {                                                                            \
		if (used < len) {                                                       \
			int n_ = snprintf(buf + used, len - used, __VA_ARGS__);          \
			if (n_ > 0)                                                     \
				used += (size_t)n_ < len - used ? (size_t)n_ : len - used - 1; \
		}                                                                       \
	} while (0)

	const char *who = name_of(r, p->handler_id);
	switch ((pw_action_t)p->action) {
	case PW_ACT_AT_RIM:
	case PW_ACT_MID_RANGE:
	case PW_ACT_THREE: {
		const char *const *words;
		int n;
		bool made = p->result == PW_RES_MADE;
		if (p->result == PW_RES_BLOCKED) {
			OUT("%s's shot is waved off", who);
			break;
		}
		if (p->action == PW_ACT_AT_RIM) {
			words = made ? rim_made : rim_miss;
			n = made ? 4 : 3;
		} else if (p->action == PW_ACT_MID_RANGE) {
			words = made ? mid_made : mid_miss;
			n = 3;
		} else {
			words = made ? three_made : three_miss;
			n = made ? 4 : 3;
		}
		OUT("%s %s", who, pick(p, words, n));
		if (p->defender_id)
			OUT(" over %s", name_of(r, p->defender_id));
		if (made && p->assist_id)
			OUT(" (assist %s)", name_of(r, p->assist_id));
		break;
	}
	case PW_ACT_FREE_THROW:
		OUT("%s %s a free throw", who, p->result == PW_RES_MADE ? "makes" : "misses");
		break;
	case PW_ACT_TURNOVER:
		if (p->result == PW_RES_STEAL && p->defender_id)
			OUT("%s steals the ball from %s", name_of(r, p->defender_id), who);
		else
			OUT("%s turns it over", who);
		break;
	case PW_ACT_FOUL:
		OUT("%s fouls %s%s", p->defender_id ? name_of(r, p->defender_id) : "The defense",
		    who, p->result == PW_RES_SHOOTING ? " on the shot" : "");
		break;
	case PW_ACT_REBOUND:
		OUT("%s grabs the %s rebound", name_of(r, p->rebound_id ? p->rebound_id : p->handler_id),
		    p->result == PW_RES_OFFENSIVE ? "offensive" : "defensive");
		break;
	case PW_ACT_SUBSTITUTION:
		if (p->result == PW_RES_FOUL_OUT)
			OUT("%s fouls out; %s checks in", name_of(r, p->other_id), who);
		else
			OUT("%s checks in for %s", who, name_of(r, p->other_id));
		break;
	case PW_ACT_EFFECT:
		if (p->points)
			OUT("%+d for the %s", p->points,
			    (p->offense == 0 ? r->home : r->away) ? (p->offense == 0 ? r->home : r->away)->name : "offense");
		break;
	case PW_ACT_PERIOD:
		switch ((pw_outcome_t)p->result) {
		case PW_RES_QUARTER_END: OUT("End of quarter %d", p->quarter); break;
		case PW_RES_HALFTIME: OUT("Halftime"); break;
		case PW_RES_ELAM_START: OUT("Elam ending: first to %d wins", r->elam_target); break;
		case PW_RES_GAME_END: OUT("Final: %d-%d", p->home_score, p->away_score); break;
		default: break;
		}
		break;
	default:
		break;
	}
	bool exclaimed = false;
	if (p->move >= 0 && moves_def((pw_move_id_t)p->move)) {
		OUT(" — %s!", moves_def((pw_move_id_t)p->move)->name);
		exclaimed = true;
	}
	if (used && !exclaimed)
		OUT(".");
	const char *nar = sim_play_narrative(r, p);
	if (nar && *nar)
		OUT("%s%s", used ? " " : "", nar);
#undef OUT
	if (used && buf[0] >= 'a' && buf[0] <= 'z')
		buf[0] = (char)(buf[0] - 'a' + 'A');
	return buf;
}

/* "Cyclones" for "New Orleans Cyclones": the last word of a team's name. */
static const char *nickname(const pw_team_t *t)
{
	if (!t)
		return "";
	const char *sp = strrchr(t->name, ' ');
	return sp ? sp + 1 : t->name;
}

static void clock_text(const pw_play_t *p, char *buf, size_t len)
{
	if (p->clock_tenths < 0) {
		snprintf(buf, len, "Elam ");
		return;
	}
	int secs = p->clock_tenths / 10;
	snprintf(buf, len, "%2d:%02d", secs / 60, secs % 60);
}

static void box_table(pw_buf_t *b, const pw_game_result_t *r, int side)
{
	const pw_team_t *t = side == 0 ? r->home : r->away;
	buf_printf(b, "\n%s\n", t ? t->name : "?");
	buf_printf(b, "  %-24s %5s %4s %7s %7s %7s %4s %4s %4s %4s %4s %5s\n", "HOOPER", "MIN",
		  "PTS", "FG", "3P", "FT", "REB", "AST", "STL", "TO", "PF", "+/-");
	for (int k = 0; k < PW_ROSTER_SIZE; k++) {
		const pw_box_t *x = &r->box[side][k];
		if (!x->hooper_id)
			continue;
		char fg[16], tp[16], ft[16];
		snprintf(fg, sizeof fg, "%d-%d", x->fgm, x->fga);
		snprintf(tp, sizeof tp, "%d-%d", x->tpm, x->tpa);
		snprintf(ft, sizeof ft, "%d-%d", x->ftm, x->fta);
		buf_printf(b, "  %-24s %5.1f %4d %7s %7s %7s %4d %4d %4d %4d %4d %+5d\n",
			  name_of(r, x->hooper_id), x->seconds / 60.0, x->points, fg, tp, ft,
			  x->rebounds, x->assists, x->steals, x->turnovers, x->fouls, x->plus_minus);
	}
}

char *result_to_text(const pw_game_result_t *r)
{
	pw_buf_t b = {0};
	const char *hn = r->home ? r->home->name : "Home", *an = r->away ? r->away->name : "Away";
	buf_printf(&b, "%s %d, %s %d — %s win%s\n", hn, r->home_score, an, r->away_score,
		  r->winner == 0 ? hn : an, r->safety_capped ? " (safety cap)" : "");
	if (r->home)
		buf_printf(&b, "at %s (%d seats, %d ft), seed %llu\n", r->home->venue.name,
			  r->home->venue.capacity, r->home->venue.altitude_ft,
			  (unsigned long long)r->seed);
	if (r->elam_target)
		buf_printf(&b, "Elam target %d, reached after %d Elam possessions; ",
			  r->elam_target, r->elam_possessions);
	buf_printf(&b, "%d possessions, %d lead changes, largest lead %d\n\n",
		  r->total_possessions, r->lead_changes, r->largest_lead);

	buf_printf(&b, "  %-24s", "");
	for (int i = 0; i < r->n_quarters; i++) {
		bool elam = r->elam_target && i == r->n_quarters - 1;
		if (elam)
			buf_printf(&b, " %5s", "Elam");
		else
			buf_printf(&b, "    Q%d", r->quarters[i].quarter);
	}
	buf_printf(&b, "  %5s\n", "Final");
	for (int side = 0; side < 2; side++) {
		buf_printf(&b, "  %-24s", side == 0 ? hn : an);
		for (int i = 0; i < r->n_quarters; i++)
			buf_printf(&b, " %5d", side == 0 ? r->quarters[i].home : r->quarters[i].away);
		buf_printf(&b, "  %5d\n", side == 0 ? r->home_score : r->away_score);
	}
	box_table(&b, r, 0);
	box_table(&b, r, 1);

	buf_printf(&b, "\nPlay-by-play\n");
	int quarter = 0;
	for (size_t i = 0; i < r->n_plays; i++) {
		const pw_play_t *p = &r->plays[i];
		if (p->quarter != quarter) {
			quarter = p->quarter;
			if (p->clock_tenths < 0)
				buf_printf(&b, "\n— Elam period —\n");
			else
				buf_printf(&b, "\n— Quarter %d —\n", quarter);
		}
		char clock[16], text[PW_NARRATIVE_MAX + 256];
		result_describe_play(r, p, text, sizeof text);
		if (!text[0])
			continue;
		clock_text(p, clock, sizeof clock);
		buf_printf(&b, "  %s  %-12.12s %3d-%-3d %s\n", clock,
			  p->action == PW_ACT_PERIOD ? "" : nickname(p->offense == 0 ? r->home : r->away),
			  p->home_score, p->away_score, text);
	}
	if (r->n_effects) {
		buf_printf(&b, "\nEffects\n");
		for (size_t i = 0; i < r->n_effects; i++)
			buf_printf(&b, "  %-32s %-20s fired %d, errors %d\n", r->effects[i].effect_id,
				  hooks_name(r->effects[i].hook) ? hooks_name(r->effects[i].hook) : "?",
				  r->effects[i].fired, r->effects[i].errors);
	}
	char hex[65];
	result_hash(r, hex);
	buf_printf(&b, "\nhash %s\n", hex);
	return buf_take(&b); /* NULL when memory ran out */
}
