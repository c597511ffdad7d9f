/*
 * result.c — what a hook returns: validated field by field and added into
 * the combined pw_hook_result_t the simulation applies.
 *
 * Reading never allocates and never runs a metamethod (raw iteration only),
 * so it cannot fail halfway or be steered by the script. When a result has
 * several problems, the one reported is that of the alphabetically first
 * field, so the message is the same in every process (table iteration
 * order is not).
 */
#include "effects/fx_int.h"

#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sim/hooks.h"
#include "core/sim/teams.h"

#define B(h) (1u << (h))
#define ALL_SIM FX_SIM_HOOKS_MASK
#define ALL_HOOKS ((1u << FX_HOOK_COUNT) - 1u)
/* hooks whose ctx has a current hooper for `stamina` */
#define WITH_HOOPER (B(PW_HOOK_POSSESSION_PRE) | B(PW_HOOK_SHOT_PRE) | B(PW_HOOK_SHOT_POST) | \
		     B(PW_HOOK_TURNOVER_POST) | B(PW_HOOK_FOUL_POST) | B(PW_HOOK_REBOUND_POST))

typedef enum {
	F_SHOT_PROBABILITY,
	F_SHOT_VALUE,
	F_SCORE,
	F_STAMINA,
	F_TURNOVER_PROBABILITY,
	F_FOUL_PROBABILITY,
	F_ACTION_BIAS,
	F_ATTRIBUTES,
	F_BLOCK,
	F_NARRATIVE,
	F_COUNT
} field_t;

static const struct {
	const char *name;
	uint32_t valid;
} fields[F_COUNT] = {
	[F_SHOT_PROBABILITY] = {"shot_probability", B(PW_HOOK_SHOT_PRE)},
	[F_SHOT_VALUE] = {"shot_value", B(PW_HOOK_SHOT_PRE)},
	[F_SCORE] = {"score", ALL_SIM},
	[F_STAMINA] = {"stamina", WITH_HOOPER},
	[F_TURNOVER_PROBABILITY] = {"turnover_probability", B(PW_HOOK_POSSESSION_PRE)},
	[F_FOUL_PROBABILITY] = {"foul_probability", B(PW_HOOK_POSSESSION_PRE) | B(PW_HOOK_SHOT_PRE)},
	[F_ACTION_BIAS] = {"action_bias", B(PW_HOOK_POSSESSION_PRE)},
	[F_ATTRIBUTES] = {"attributes", B(PW_HOOK_GAME_PRE) | B(PW_HOOK_QUARTER_PRE)},
	[F_BLOCK] = {"block", B(PW_HOOK_SHOT_PRE)},
	[F_NARRATIVE] = {"narrative", ALL_HOOKS},
};
_Static_assert(F_COUNT == FX__RESULT_FIELDS, "fx_int.h counts the result fields");

/* The registry slot of the table that keeps the interned names. */
static const char names_key;

void fx__result_open(lua_State *L)
{
	fx__sbx_t *S = fx__sbx_of(L);
	lua_createtable(L, F_COUNT, 0);
	for (int f = 0; f < F_COUNT; f++) {
		S->result_names[f] = lua_pushstring(L, fields[f].name);
		lua_rawseti(L, -2, f + 1);
	}
	lua_rawsetp(L, LUA_REGISTRYINDEX, &names_key);
}

/* A result table, or one of its field tables, with more keys than this is
 * refused at once: reading it is C work after the call, which no budget
 * counts (a valid result has at most 10 fields; attributes at most 24
 * changes over the 8 hoopers of a game). */
#define RESULT_KEYS_MAX 32

/* The problem to report: the one whose key sorts first. */
typedef struct problem {
	bool set;
	char key[72];
	char msg[FX_ERR_MAX];
} problem_t;

static void note(problem_t *p, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void note(problem_t *p, const char *key, const char *fmt, ...)
{
	if (p->set && strcmp(key, p->key) >= 0)
		return;
	p->set = true;
	snprintf(p->key, sizeof p->key, "%s", key);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->msg, sizeof p->msg, fmt, ap);
	va_end(ap);
}

static bool get_number(lua_State *L, int idx, double lo, double hi, double *out)
{
	if (lua_type(L, idx) != LUA_TNUMBER)
		return false;
	double d = lua_tonumber(L, idx);
	if (!isfinite(d) || d < lo || d > hi)
		return false;
	*out = d;
	return true;
}

static bool get_int(lua_State *L, int idx, int lo, int hi, int *out)
{
	double d;
	if (!get_number(L, idx, lo, hi, &d) || d != floor(d))
		return false;
	*out = (int)d;
	return true;
}

static void valid_list(uint32_t valid, char *buf, size_t len)
{
	buf[0] = 0;
	if (valid == ALL_SIM) {
		snprintf(buf, len, "any sim.* hook");
		return;
	}
	for (int h = 0; h < FX_HOOK_COUNT; h++)
		if (valid & B(h)) {
			size_t n = strlen(buf);
			snprintf(buf + n, len - n, "%s%s", n ? ", " : "", fx_hook_name(h));
		}
}

/* score: a number (to the offense) or {home=, away=}. */
static void read_score(lua_State *L, int v, const pw_hook_ctx_t *ctx, fx__partial_t *p,
		       problem_t *pr)
{
	int n;
	if (lua_type(L, v) == LUA_TNUMBER) {
		if (!get_int(L, v, -100, 100, &n)) {
			note(pr, "score", "score must be a whole number from -100 to 100");
			return;
		}
		if (!ctx || ctx->offense < 0) {
			note(pr, "score", "score = n needs a team with the ball; at %s use "
			     "score = {home = n, away = n}", ctx ? fx_hook_name(ctx->hook) : "this hook");
			return;
		}
		p->r.score_offense += n;
		return;
	}
	if (lua_type(L, v) != LUA_TTABLE) {
		note(pr, "score", "score must be a number or {home = n, away = n}, not %s",
		     luaL_typename(L, v));
		return;
	}
	int keys = 0;
	lua_pushnil(L);
	while (lua_next(L, v)) {
		if (++keys > RESULT_KEYS_MAX) {
			lua_pop(L, 2);
			note(pr, "score", "score tables have only the fields home and away");
			return;
		}
		const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : NULL;
		int *dst = !k ? NULL : strcmp(k, "home") == 0 ? &p->r.score_home
				     : strcmp(k, "away") == 0 ? &p->r.score_away : NULL;
		if (!dst)
			note(pr, "score", "score tables have only the fields home and away");
		else if (!get_int(L, -1, -100, 100, &n))
			note(pr, "score", "score.%s must be a whole number from -100 to 100", k);
		else
			*dst += n;
		lua_pop(L, 1);
	}
}

static void read_bias(lua_State *L, int v, fx__partial_t *p, problem_t *pr)
{
	if (lua_type(L, v) != LUA_TTABLE) {
		note(pr, "action_bias", "action_bias must be a table {at_rim=, mid_range=, three_point=}");
		return;
	}
	int keys = 0;
	lua_pushnil(L);
	while (lua_next(L, v)) {
		if (++keys > RESULT_KEYS_MAX) {
			lua_pop(L, 2);
			note(pr, "action_bias", "action_bias has only at_rim, mid_range and three_point");
			return;
		}
		int t = -1;
		if (lua_type(L, -2) == LUA_TSTRING)
			for (int i = 0; i < PW_SHOT_TYPES; i++)
				if (strcmp(lua_tostring(L, -2), hooks_shot_type_name((pw_shot_type_t)i)) == 0)
					t = i;
		double d;
		if (t < 0)
			note(pr, "action_bias", "action_bias has only at_rim, mid_range and three_point");
		else if (!get_number(L, -1, -10, 10, &d))
			note(pr, "action_bias", "action_bias.%s must be a number from -10 to 10",
			     hooks_shot_type_name((pw_shot_type_t)t));
		else
			p->r.action_bias[t] += d;
		lua_pop(L, 1);
	}
}

static bool hooper_in_game(const pw_hook_ctx_t *ctx, int id)
{
	if (!ctx || !ctx->game)
		return false;
	for (int t = 0; t < 2; t++)
		for (int s = 0; s < PW_ROSTER_SIZE; s++) {
			const pw_hooper_t *h = ctx->game->hooper[t][s].h;
			if (h && h->id == id)
				return true;
		}
	return false;
}

static int attr_cmp(const void *a, const void *b)
{
	const pw_attr_change_t *x = a, *y = b;
	if (x->hooper_id != y->hooper_id)
		return x->hooper_id < y->hooper_id ? -1 : 1;
	return (x->attr > y->attr) - (x->attr < y->attr);
}

static void read_attributes(lua_State *L, int v, const pw_hook_ctx_t *ctx, fx__partial_t *p,
			    problem_t *pr)
{
	if (lua_type(L, v) != LUA_TTABLE) {
		note(pr, "attributes", "attributes must be a table {[hooper_id] = {speed = -10, ...}}");
		return;
	}
	int keys = 0;
	lua_pushnil(L);
	while (lua_next(L, v)) {
		int id;
		if (++keys > RESULT_KEYS_MAX) {
			lua_pop(L, 2);
			note(pr, "attributes", "attributes names at most %d hoopers", RESULT_KEYS_MAX);
			break;
		}
		if (!get_int(L, -2, 1, 1 << 30, &id)) {
			note(pr, "attributes", "attributes keys must be hooper ids (whole numbers)");
		} else if (!hooper_in_game(ctx, id)) {
			note(pr, "attributes", "attributes: hooper %d is not in this game", id);
		} else if (lua_type(L, -1) != LUA_TTABLE) {
			note(pr, "attributes", "attributes[%d] must be a table {speed = -10, ...}", id);
		} else {
			int inner = lua_gettop(L), attrs = 0;
			lua_pushnil(L);
			while (lua_next(L, inner)) {
				if (++attrs > RESULT_KEYS_MAX) {
					lua_pop(L, 2);
					note(pr, "attributes", "attributes[%d] has at most the nine "
					     "attributes", id);
					break;
				}
				int a = lua_type(L, -2) == LUA_TSTRING ? teams_attr_find(lua_tostring(L, -2)) : -1;
				int d;
				if (a < 0)
					note(pr, "attributes", "attributes[%d]: unknown attribute (the "
					     "nine are scoring, passing, defense, speed, stamina, iq, "
					     "ego, chaotic_alignment, fate)", id);
				else if (!get_int(L, -1, -100, 100, &d))
					note(pr, "attributes", "attributes[%d].%s must be a whole number "
					     "from -100 to 100", id, lua_tostring(L, -2));
				else if (p->r.n_attrs >= PW_HOOK_MAX_ATTRS)
					note(pr, "attributes", "attributes: at most %d changes per call",
					     PW_HOOK_MAX_ATTRS);
				else
					p->r.attrs[p->r.n_attrs++] = (pw_attr_change_t){id, a, d};
				lua_pop(L, 1);
			}
		}
		lua_pop(L, 1);
	}
	qsort(p->r.attrs, (size_t)p->r.n_attrs, sizeof *p->r.attrs, attr_cmp);
}

int fx__result_read(lua_State *L, int idx, int hook, const pw_hook_ctx_t *ctx, fx__partial_t *p,
		   char *msg, size_t len)
{
	p->any = false;
	if (lua_isnil(L, idx))
		return 0; /* the common case: nothing to clear, nothing to read */
	memset(&p->r, 0, offsetof(pw_hook_result_t, attrs));
	p->r.narrative[0] = 0;
	const char *const *names = fx__sbx_of(L)->result_names;
	idx = lua_absindex(L, idx);
	if (lua_type(L, idx) != LUA_TTABLE) {
		snprintf(msg, len, "a hook returns nothing or a table of changes, not a %s",
			 luaL_typename(L, idx));
		return -1;
	}
	problem_t pr;
	pr.set = false; /* note() reads key and msg only once set: no need to clear 300 bytes */
	int keys = 0;
	lua_pushnil(L);
	while (lua_next(L, idx)) {
		int v = lua_gettop(L);
		if (++keys > RESULT_KEYS_MAX) {
			lua_settop(L, idx);
			snprintf(msg, len, "a hook result has at most %d fields, and this one has more",
				 RESULT_KEYS_MAX);
			return -1;
		}
		if (lua_type(L, -2) != LUA_TSTRING) {
			note(&pr, "", "result keys must be field names (strings), found a %s key",
			     luaL_typename(L, -2));
			lua_pop(L, 1);
			continue;
		}
		/* the names are short strings, which Lua keeps one copy of: a key
		 * equal to a name is that very string */
		const char *k = lua_tostring(L, -2);
		int f = 0;
		while (f < F_COUNT && names[f] != k)
			f++;
		if (f == F_COUNT) {
			note(&pr, k, "unknown result field '%s' (fields: shot_probability, shot_value, "
			     "score, stamina, turnover_probability, foul_probability, action_bias, "
			     "attributes, block, narrative)", k);
			lua_pop(L, 1);
			continue;
		}
		if (!(fields[f].valid & B(hook))) {
			char where[200];
			valid_list(fields[f].valid, where, sizeof where);
			note(&pr, k, "result field '%s' is not valid at %s (valid at: %s)", k,
			     fx_hook_name(hook), where);
			lua_pop(L, 1);
			continue;
		}
		double d;
		int n;
		switch ((field_t)f) {
		case F_SHOT_PROBABILITY:
		case F_TURNOVER_PROBABILITY:
		case F_FOUL_PROBABILITY:
			if (!get_number(L, v, -1, 1, &d)) {
				note(&pr, k, "%s must be a number from -1 to 1", k);
				break;
			}
			if (f == F_SHOT_PROBABILITY)
				p->r.shot_probability += d;
			else if (f == F_TURNOVER_PROBABILITY)
				p->r.turnover_probability += d;
			else
				p->r.foul_probability += d;
			p->any = p->any || d != 0;
			break;
		case F_SHOT_VALUE:
			if (!get_int(L, v, -20, 20, &n))
				note(&pr, k, "shot_value must be a whole number from -20 to 20");
			else
				p->r.shot_value += n, p->any = p->any || n != 0;
			break;
		case F_SCORE:
			read_score(L, v, ctx, p, &pr);
			p->any = p->any || p->r.score_offense || p->r.score_home || p->r.score_away;
			break;
		case F_STAMINA:
			if (!get_number(L, v, -1, 1, &d))
				note(&pr, k, "stamina must be a number from -1 to 1");
			else if (!ctx || !ctx->subject)
				note(&pr, k, "stamina needs a current hooper and %s has none",
				     fx_hook_name(hook));
			else
				p->r.stamina += d, p->any = p->any || d != 0;
			break;
		case F_ACTION_BIAS:
			read_bias(L, v, p, &pr);
			for (int t = 0; t < PW_SHOT_TYPES; t++)
				p->any = p->any || p->r.action_bias[t] != 0;
			break;
		case F_ATTRIBUTES:
			read_attributes(L, v, ctx, p, &pr);
			p->any = p->any || p->r.n_attrs > 0;
			break;
		case F_BLOCK:
			if (lua_type(L, v) != LUA_TBOOLEAN)
				note(&pr, k, "block must be true or false");
			else
				p->r.block = lua_toboolean(L, v), p->any = p->any || p->r.block;
			break;
		case F_NARRATIVE: {
			if (lua_type(L, v) != LUA_TSTRING) {
				note(&pr, k, "narrative must be a string");
				break;
			}
			size_t l;
			const char *s = lua_tolstring(L, v, &l);
			if (fx__narrative_clean(s, l, p->r.narrative, sizeof p->r.narrative))
				p->any = true;
			break;
		}
		case F_COUNT:
			break;
		}
		lua_settop(L, v - 1);
	}
	if (pr.set) {
		snprintf(msg, len, "%s", pr.msg);
		return -1;
	}
	return 0;
}

/* Length of the valid UTF-8 sequence at s (max n bytes), or 0. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t need;
	unsigned min;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		need = 2, min = 0x80;
	else if (c >= 0xe0 && c <= 0xef)
		need = 3, min = 0x800;
	else if (c >= 0xf0 && c <= 0xf4)
		need = 4, min = 0x10000;
	else
		return 0;
	if (n < need)
		return 0;
	unsigned cp = c & (0x7f >> need);
	for (size_t i = 1; i < need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return need;
}

/* Whether all eight bytes of x are printable ASCII (0x20 to 0x7e): none
 * below 0x20, none above 0x7e (the tests for "a byte less than n" and "a
 * byte more than n" of Bit Twiddling Hacks, exact as yes-or-no answers). */
static bool printable8(uint64_t x)
{
	const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
	uint64_t less = (x - ones * 0x20) & ~x & highs;
	uint64_t more = ((x + ones * (127 - 0x7e)) | x) & highs;
	return !(less | more);
}

size_t fx__narrative_clean(const char *in, size_t inlen, char *out, size_t outsz)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t o = 0, max = outsz - 1 < PW_NARRATIVE_MAX ? outsz - 1 : PW_NARRATIVE_MAX;
	size_t i = 0;
	while (i < inlen && (s[i] == ' ' || s[i] < 0x20))
		i++;
	/* The common line: printable ASCII that fits, eight bytes a test (the
	 * last eight overlapping), then one copy. */
	size_t n = inlen - i;
	if (n >= 8 && n <= max) {
		uint64_t x;
		size_t k = i;
		bool plain = true;
		for (; plain && k + 8 <= inlen; k += 8)
			plain = (memcpy(&x, s + k, 8), printable8(x));
		if (plain && k < inlen)
			plain = (memcpy(&x, s + inlen - 8, 8), printable8(x));
		if (plain) {
			memcpy(out, s + i, n);
			o = n;
			i = inlen;
		}
	}
	while (i < inlen) {
		/* printable ASCII, most of any line, copied as it is: eight
		 * bytes at a time while there is room, then byte by byte */
		uint64_t x;
		if (i + 8 <= inlen && o + 8 <= max && (memcpy(&x, s + i, 8), printable8(x))) {
			memcpy(out + o, &x, 8);
			i += 8;
			o += 8;
			continue;
		}
		if (s[i] >= 0x20 && s[i] < 0x7f) {
			if (o + 1 > max)
				break;
			out[o++] = (char)s[i++];
			continue;
		}
		size_t k = utf8_seq(s + i, inlen - i);
		if (k == 0 || (k == 1 && (s[i] < 0x20 || s[i] == 0x7f))) {
			if (o + 1 > max)
				break;
			out[o++] = (k == 0) ? '?' : ' ';
			i += 1;
			continue;
		}
		if (o + k > max)
			break;
		memcpy(out + o, s + i, k);
		o += k;
		i += k;
	}
	while (o > 0 && out[o - 1] == ' ')
		o--;
	out[o] = 0;
	return o;
}

/* Appends src to dst (a narrative line) with one space between; cuts on a
 * character boundary at PW_NARRATIVE_MAX. */
static void narrative_join(char *dst, const char *src)
{
	size_t d = strlen(dst), s = strlen(src);
	if (!s)
		return;
	if (d) {
		if (d + 1 >= PW_NARRATIVE_MAX)
			return;
		dst[d++] = ' ';
	}
	size_t room = PW_NARRATIVE_MAX - d;
	if (s > room) {
		s = room;
		while (s > 0 && ((unsigned char)src[s] & 0xc0) == 0x80)
			s--;
	}
	memcpy(dst + d, src, s);
	dst[d + s] = 0;
	while (d + s > 0 && dst[d + s - 1] == ' ')
		dst[--s + d] = 0;
}

int fx__result_merge(pw_hook_result_t *r, const fx__partial_t *p, char *msg, size_t len)
{
	int extra = 0;
	for (int i = 0; i < p->r.n_attrs; i++) {
		bool found = false;
		for (int j = 0; j < r->n_attrs; j++)
			if (r->attrs[j].hooper_id == p->r.attrs[i].hooper_id &&
			    r->attrs[j].attr == p->r.attrs[i].attr)
				found = true;
		extra += !found;
	}
	if (r->n_attrs + extra > PW_HOOK_MAX_ATTRS) {
		snprintf(msg, len, "attributes: the effects together change more than %d attributes "
			 "in one call", PW_HOOK_MAX_ATTRS);
		return -1;
	}
	r->shot_probability += p->r.shot_probability;
	r->shot_value += p->r.shot_value;
	r->score_offense += p->r.score_offense;
	r->score_home += p->r.score_home;
	r->score_away += p->r.score_away;
	r->stamina += p->r.stamina;
	r->turnover_probability += p->r.turnover_probability;
	r->foul_probability += p->r.foul_probability;
	for (int t = 0; t < PW_SHOT_TYPES; t++)
		r->action_bias[t] += p->r.action_bias[t];
	r->block = r->block || p->r.block;
	for (int i = 0; i < p->r.n_attrs; i++) {
		int j = 0;
		while (j < r->n_attrs && !(r->attrs[j].hooper_id == p->r.attrs[i].hooper_id &&
					   r->attrs[j].attr == p->r.attrs[i].attr))
			j++;
		if (j == r->n_attrs)
			r->attrs[r->n_attrs++] = p->r.attrs[i];
		else
			r->attrs[j].delta += p->r.attrs[i].delta;
	}
	narrative_join(r->narrative, p->r.narrative);
	return 0;
}
