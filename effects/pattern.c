/*
 * pattern.c — string.find, match, gmatch and gsub for effects: Lua 5.4's
 * pattern language, matched by our own code so that the work is charged as
 * it is done.
 *
 * Why not Lua's: its matcher is a black box to the budget. Its cost is not
 * a function of the arguments' sizes alone (a backtracking pattern costs up
 * to n^k, %b() costs n² over a subject that never balances, and an
 * exhausted gmatch iterator rescans its subject at every call), so any
 * charge made before calling it is either far too high for honest patterns
 * or far too low for hostile ones. Here every step of the matcher (a match
 * attempt, a character tested, a byte compared) is counted, and the count
 * is charged to the instruction budget as it accrues: a pattern stops the
 * moment its real work exceeds the budget, and an honest one pays for what
 * it did. The count is a pure function of the arguments, so where a script
 * stops is the same in every process.
 *
 * Semantics follow the Lua 5.4 manual (§6.4.1): the same classes, sets,
 * captures, %b, %f and back-references, the same anchors, the same
 * results and the same error messages. Character classes are ASCII ("C"
 * locale) whatever the process locale, so a pattern means the same thing on
 * every machine. Nothing here allocates outside Lua, so an error raised
 * anywhere (budget, malformed pattern, a replacement function's error)
 * leaks nothing.
 */
#include "effects/fx_int.h"

#include <stdbool.h>
#include <string.h>

#define PAT_MAXCAPTURES 32   /* as LUA_MAXCAPTURES */
#define PAT_MAXDEPTH    200  /* nested match calls: "pattern too complex" */
#define CAP_UNFINISHED  (-1)
#define CAP_POSITION    (-2)
#define PAT_SPECIALS    "^$*+?.([%-"

/* Matcher steps per instruction unit, and how many steps accrue before
 * they are charged (so that a long match is stopped part-way). A step is a
 * character tested or a match attempt, a few machine instructions, where a
 * unit is one VM instruction (see FX__BYTES_PER_UNIT for the scale):
 * measured, a step costs up to what an instruction does. */
#define PAT_STEPS_PER_UNIT 1
#define PAT_CHARGE_EVERY   4096

typedef struct pat {
	lua_State *L;
	const char *src, *src_end;  /* the subject */
	const char *p_end;          /* end of the pattern */
	int depth;                  /* match calls left before "too complex" */
	int level;                  /* captures open or closed */
	struct {
		const char *init;
		ptrdiff_t len;      /* or CAP_UNFINISHED / CAP_POSITION */
	} cap[PAT_MAXCAPTURES];
	uint64_t steps;             /* counted, not yet charged */
} pat_t;

static void pat_init(pat_t *m, lua_State *L, const char *s, size_t ls, const char *p, size_t lp)
{
	m->L = L;
	m->src = s;
	m->src_end = s + ls;
	m->p_end = p + lp;
	m->steps = 0;
}

static void pat_reset(pat_t *m)
{
	m->level = 0;
	m->depth = PAT_MAXDEPTH;
}

/* Charges what was counted (whole units; the rest carries over). */
static void pat_charge(pat_t *m)
{
	uint64_t units = m->steps / PAT_STEPS_PER_UNIT;
	m->steps -= units * PAT_STEPS_PER_UNIT;
	if (units)
		fx__charge(m->L, units);
}

static inline void pat_step(pat_t *m, uint64_t n)
{
	m->steps += n;
	if (m->steps >= PAT_CHARGE_EVERY)
		pat_charge(m);
}

/* At the end of an operation: what was counted, a part of a unit
 * rounded up. */
static void pat_done(pat_t *m)
{
	uint64_t units = (m->steps + PAT_STEPS_PER_UNIT - 1) / PAT_STEPS_PER_UNIT;
	m->steps = 0;
	if (units)
		fx__charge(m->L, units);
}

/* --- classes --------------------------------------------------------------- */

/* The "C" locale's classes, spelled out so the process locale never
 * changes what a pattern matches. */
static bool is_upper(int c) { return c >= 'A' && c <= 'Z'; }
static bool is_lower(int c) { return c >= 'a' && c <= 'z'; }
static bool is_alpha(int c) { return is_upper(c) || is_lower(c); }
static bool is_digit(int c) { return c >= '0' && c <= '9'; }
static bool is_alnum(int c) { return is_alpha(c) || is_digit(c); }
static bool is_graph(int c) { return c > 32 && c < 127; }

static bool class_matches(int c, int cl)
{
	bool r;
	switch (is_upper(cl) ? cl + ('a' - 'A') : cl) {
	case 'a': r = is_alpha(c); break;
	case 'c': r = c < 32 || c == 127; break;
	case 'd': r = is_digit(c); break;
	case 'g': r = is_graph(c); break;
	case 'l': r = is_lower(c); break;
	case 'p': r = is_graph(c) && !is_alnum(c); break;
	case 's': r = c == ' ' || (c >= '\t' && c <= '\r'); break;
	case 'u': r = is_upper(c); break;
	case 'w': r = is_alnum(c); break;
	case 'x': r = is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); break;
	case 'z': r = c == 0; break; /* deprecated in Lua 5.2, still matched by 5.4 */
	default: return cl == c; /* %. %% %( ...: the character itself */
	}
	return is_upper(cl) ? !r : r;
}

/* Where the single-character item at p ends (its quantifier, if any, is
 * at the result). */
static const char *item_end(pat_t *m, const char *p)
{
	char c = *p++;
	if (c == '%') {
		if (p >= m->p_end)
			luaL_error(m->L, "malformed pattern (ends with '%%')");
		return p + 1;
	}
	if (c == '[') {
		if (*p == '^')
			p++;
		/* the first character of a set is never its end: "[]]" */
		do {
			if (p >= m->p_end)
				luaL_error(m->L, "malformed pattern (missing ']')");
			if (*(p++) == '%' && p < m->p_end)
				p++;
		} while (*p != ']');
		return p + 1;
	}
	return p;
}

/* c against the set [..] from p (at '[') to ec (at its ']'). */
static bool set_matches(int c, const char *p, const char *ec)
{
	bool hit = true;
	if (p[1] == '^') {
		hit = false;
		p++;
	}
	while (++p < ec) {
		if (*p == '%') {
			p++;
			if (class_matches(c, (unsigned char)*p))
				return hit;
		} else if (p[1] == '-' && p + 2 < ec) {
			p += 2;
			if ((unsigned char)p[-2] <= c && c <= (unsigned char)*p)
				return hit;
		} else if ((unsigned char)*p == c) {
			return hit;
		}
	}
	return !hit;
}

/* Does the character at s match the item [p, ep)? A set costs steps in
 * proportion to its length. */
static bool single_matches(pat_t *m, const char *s, const char *p, const char *ep)
{
	if (s >= m->src_end)
		return false;
	int c = (unsigned char)*s;
	switch (*p) {
	case '.':
		return true;
	case '%':
		return class_matches(c, (unsigned char)p[1]);
	case '[':
		m->steps += 1 + (uint64_t)(ep - p) / 8;
		return set_matches(c, p, ep - 1);
	default:
		return (unsigned char)*p == c;
	}
}

/* --- matching ---------------------------------------------------------------- */

static const char *do_match(pat_t *m, const char *s, const char *p);

static const char *balance(pat_t *m, const char *s, const char *p)
{
	if (p >= m->p_end - 1)
		luaL_error(m->L, "malformed pattern (missing arguments to '%%b')");
	if (s >= m->src_end || *s != *p)
		return NULL;
	char open = p[0], close = p[1];
	const char *from = s;
	int depth = 1;
	while (++s < m->src_end) {
		if (*s == close) {
			if (--depth == 0) {
				pat_step(m, (uint64_t)(s - from) / 4);
				return s + 1;
			}
		} else if (*s == open) {
			depth++;
		}
	}
	pat_step(m, (uint64_t)(s - from) / 4); /* a tight loop: four bytes a step */
	return NULL;
}

/* Greedy: as many as match, then give back one at a time. */
static const char *expand_max(pat_t *m, const char *s, const char *p, const char *ep)
{
	ptrdiff_t i = 0;
	while (single_matches(m, s + i, p, ep))
		i++;
	pat_step(m, (uint64_t)i);
	for (; i >= 0; i--) {
		const char *r = do_match(m, s + i, ep + 1);
		if (r)
			return r;
	}
	return NULL;
}

/* Lazy: as few as match. */
static const char *expand_min(pat_t *m, const char *s, const char *p, const char *ep)
{
	for (;;) {
		const char *r = do_match(m, s, ep + 1);
		if (r)
			return r;
		if (!single_matches(m, s, p, ep))
			return NULL;
		s++;
		pat_step(m, 1);
	}
}

static const char *capture_open(pat_t *m, const char *s, const char *p, ptrdiff_t what)
{
	if (m->level >= PAT_MAXCAPTURES)
		luaL_error(m->L, "too many captures");
	m->cap[m->level].init = s;
	m->cap[m->level].len = what;
	m->level++;
	const char *r = do_match(m, s, p);
	if (!r)
		m->level--;
	return r;
}

static const char *capture_close(pat_t *m, const char *s, const char *p)
{
	int l = m->level - 1;
	while (l >= 0 && m->cap[l].len != CAP_UNFINISHED)
		l--;
	if (l < 0)
		luaL_error(m->L, "invalid pattern capture");
	m->cap[l].len = s - m->cap[l].init;
	const char *r = do_match(m, s, p);
	if (!r)
		m->cap[l].len = CAP_UNFINISHED;
	return r;
}

/* %1..%9: the text of a closed capture again. */
static const char *backref(pat_t *m, const char *s, int digit)
{
	int l = digit - '1';
	if (l < 0 || l >= m->level || m->cap[l].len == CAP_UNFINISHED)
		luaL_error(m->L, "invalid capture index %%%d", l + 1);
	ptrdiff_t len = m->cap[l].len;
	if (len < 0) /* a position capture never matches text */
		return NULL;
	pat_step(m, (uint64_t)len / 32); /* memcmp: 32 bytes a step */
	if ((size_t)(m->src_end - s) >= (size_t)len && memcmp(m->cap[l].init, s, (size_t)len) == 0)
		return s + len;
	return NULL;
}

/*
 * Matches the pattern from p against the subject from s; returns where the
 * match ends, or NULL. Recursive where the pattern branches (captures,
 * quantifiers), iterative along a plain sequence of items.
 */
static const char *do_match(pat_t *m, const char *s, const char *p)
{
	if (m->depth-- == 0)
		luaL_error(m->L, "pattern too complex");
	pat_step(m, 1);
	while (p != m->p_end) {
		const char *ep;
		switch (*p) {
		case '(':
			s = p[1] == ')' ? capture_open(m, s, p + 2, CAP_POSITION)
					: capture_open(m, s, p + 1, CAP_UNFINISHED);
			goto out;
		case ')':
			s = capture_close(m, s, p + 1);
			goto out;
		case '$':
			if (p + 1 != m->p_end)
				goto single;
			s = s == m->src_end ? s : NULL;
			goto out;
		case '%':
			switch (p[1]) {
			case 'b':
				s = balance(m, s, p + 2);
				if (!s)
					goto out;
				p += 4;
				continue;
			case 'f': {
				p += 2;
				if (*p != '[')
					luaL_error(m->L, "missing '[' after '%%f' in pattern");
				ep = item_end(m, p);
				int prev = s == m->src ? '\0' : (unsigned char)s[-1];
				int cur = s < m->src_end ? (unsigned char)*s : '\0';
				if (!set_matches(prev, p, ep - 1) && set_matches(cur, p, ep - 1)) {
					p = ep;
					continue;
				}
				s = NULL;
				goto out;
			}
			case '0': case '1': case '2': case '3': case '4':
			case '5': case '6': case '7': case '8': case '9':
				s = backref(m, s, (unsigned char)p[1]);
				if (!s)
					goto out;
				p += 2;
				continue;
			default:
				goto single;
			}
		default:
		single:
			ep = item_end(m, p);
			if (!single_matches(m, s, p, ep)) {
				if (*ep == '*' || *ep == '?' || *ep == '-') { /* zero is enough */
					p = ep + 1;
					continue;
				}
				s = NULL;
				goto out;
			}
			pat_step(m, 1);
			switch (*ep) {
			case '?': {
				const char *r = do_match(m, s + 1, ep + 1);
				if (r) {
					s = r;
					goto out;
				}
				p = ep + 1;
				continue;
			}
			case '+':
				s = expand_max(m, s + 1, p, ep);
				goto out;
			case '*':
				s = expand_max(m, s, p, ep);
				goto out;
			case '-':
				s = expand_min(m, s, p, ep);
				goto out;
			default:
				s++;
				p = ep;
				continue;
			}
		}
	}
out:
	m->depth++;
	return s;
}

/* --- captures ------------------------------------------------------------------ */

/* Capture i of the match [s, e): its text in *cap and length, or
 * CAP_POSITION with the position pushed. Capture 0 of a pattern without
 * captures is the whole match. */
static ptrdiff_t capture_get(pat_t *m, int i, const char *s, const char *e, const char **cap)
{
	if (i >= m->level) {
		if (i != 0)
			luaL_error(m->L, "invalid capture index %%%d", i + 1);
		*cap = s;
		return e - s;
	}
	ptrdiff_t len = m->cap[i].len;
	*cap = m->cap[i].init;
	if (len == CAP_UNFINISHED)
		luaL_error(m->L, "unfinished capture");
	else if (len == CAP_POSITION)
		lua_pushinteger(m->L, (m->cap[i].init - m->src) + 1);
	return len;
}

static void capture_push(pat_t *m, int i, const char *s, const char *e)
{
	const char *cap;
	ptrdiff_t len = capture_get(m, i, s, e, &cap);
	if (len != CAP_POSITION)
		lua_pushlstring(m->L, cap, (size_t)len);
}

/* Pushes the captures (the whole match when there are none and s is
 * given); returns how many. */
static int captures_push(pat_t *m, const char *s, const char *e)
{
	int n = (m->level == 0 && s) ? 1 : m->level;
	luaL_checkstack(m->L, n, "too many captures");
	for (int i = 0; i < n; i++)
		capture_push(m, i, s, e);
	return n;
}

/* --- the library functions ---------------------------------------------------- */

/* A start position as Lua's string functions take it (negative from the
 * end, 0 and below -len mean 1). */
static size_t start_of(lua_Integer pos, size_t len)
{
	if (pos > 0)
		return (size_t)pos;
	if (pos == 0 || pos < -(lua_Integer)len)
		return 1;
	return len + (size_t)pos + 1;
}

static bool has_specials(const char *p, size_t lp)
{
	for (size_t i = 0; i < lp; i++)
		if (p[i] && strchr(PAT_SPECIALS, p[i]))
			return true;
	return false;
}

/* A plain search, counted: a step per 16 bytes skipped to the next
 * candidate and per 32 compared there (a library memmem is faster on some
 * inputs and far slower on others, uncounted). */
static const char *plain_find(pat_t *m, const char *s, size_t ls, const char *p, size_t lp)
{
	if (lp == 0)
		return s;
	if (lp > ls)
		return NULL;
	const char *end = s + (ls - lp) + 1; /* candidates start before end */
	for (const char *q = s; q < end;) {
		const char *c = memchr(q, p[0], (size_t)(end - q));
		pat_step(m, (uint64_t)((c ? c : end) - q) / 16 + 1);
		if (!c)
			return NULL;
		pat_step(m, lp / 32);
		if (memcmp(c + 1, p + 1, lp - 1) == 0)
			return c;
		q = c + 1;
	}
	return NULL;
}

static int find_aux(lua_State *L, bool find)
{
	size_t ls, lp;
	const char *s = luaL_checklstring(L, 1, &ls);
	const char *p = luaL_checklstring(L, 2, &lp);
	size_t init = start_of(luaL_optinteger(L, 3, 1), ls) - 1;
	if (init > ls) {
		luaL_pushfail(L);
		return 1;
	}
	pat_t m;
	pat_init(&m, L, s, ls, p, lp);
	if (find && (lua_toboolean(L, 4) || !has_specials(p, lp))) {
		const char *r = plain_find(&m, s + init, ls - init, p, lp);
		pat_done(&m);
		if (r) {
			lua_pushinteger(L, (r - s) + 1);
			lua_pushinteger(L, (r - s) + (lua_Integer)lp);
			return 2;
		}
		luaL_pushfail(L);
		return 1;
	}
	const char *s1 = s + init;
	bool anchor = *p == '^';
	if (anchor) {
		p++;
		lp--;
		m.p_end = p + lp;
	}
	do {
		pat_reset(&m);
		const char *e = do_match(&m, s1, p);
		if (e) {
			pat_done(&m);
			if (find) {
				lua_pushinteger(L, (s1 - s) + 1);
				lua_pushinteger(L, e - s);
				return captures_push(&m, NULL, NULL) + 2;
			}
			return captures_push(&m, s1, e);
		}
	} while (s1++ < m.src_end && !anchor);
	pat_done(&m);
	luaL_pushfail(L);
	return 1;
}

int fx__str_find(lua_State *L)
{
	return find_aux(L, true);
}

int fx__str_match(lua_State *L)
{
	return find_aux(L, false);
}

/* gmatch's state, a userdata upvalue of the iterator: the subject and
 * pattern strings are upvalues too, so the pointers stay valid. */
typedef struct gmatch_st {
	pat_t m;
	const char *next;      /* where the next search starts */
	const char *p;
	const char *lastmatch; /* an empty match may not end where the last one did */
} gmatch_st_t;

static int gmatch_step(lua_State *L)
{
	gmatch_st_t *g = lua_touserdata(L, lua_upvalueindex(3));
	g->m.L = L; /* the iterator may be called from another coroutine */
	for (const char *src = g->next; src <= g->m.src_end; src++) {
		pat_reset(&g->m);
		const char *e = do_match(&g->m, src, g->p);
		if (e && e != g->lastmatch) {
			g->next = g->lastmatch = e;
			pat_done(&g->m);
			return captures_push(&g->m, src, e);
		}
	}
	/* exhausted, and it stays so: a later call finds nothing at once
	 * (Lua's own iterator would search the rest of the subject again,
	 * with the same result, at every call) */
	g->next = g->m.src_end + 1;
	pat_done(&g->m);
	return 0;
}

int fx__str_gmatch(lua_State *L)
{
	size_t ls, lp;
	const char *s = luaL_checklstring(L, 1, &ls);
	const char *p = luaL_checklstring(L, 2, &lp);
	size_t init = start_of(luaL_optinteger(L, 3, 1), ls) - 1;
	if (init > ls)
		init = ls + 1; /* starts after the end: no match at all */
	lua_settop(L, 2);
	gmatch_st_t *g = lua_newuserdatauv(L, sizeof *g, 0);
	pat_init(&g->m, L, s, ls, p, lp);
	g->next = s + init;
	g->p = p;
	g->lastmatch = NULL;
	lua_pushcclosure(L, gmatch_step, 3);
	return 1;
}

/* The replacement string repl (argument 3) for the match [s, e). */
static void add_string(pat_t *m, luaL_Buffer *b, const char *s, const char *e)
{
	lua_State *L = m->L;
	size_t l;
	const char *repl = lua_tolstring(L, 3, &l);
	const char *q;
	pat_step(m, l / 8 + 1);
	while ((q = memchr(repl, '%', l)) != NULL) {
		luaL_addlstring(b, repl, (size_t)(q - repl));
		q++;
		if (*q == '%') {
			luaL_addchar(b, '%');
		} else if (*q == '0') {
			luaL_addlstring(b, s, (size_t)(e - s));
			pat_step(m, (uint64_t)(e - s) / 8);
		} else if (is_digit((unsigned char)*q)) {
			const char *cap;
			ptrdiff_t len = capture_get(m, *q - '1', s, e, &cap);
			if (len == CAP_POSITION) {
				luaL_addvalue(b);
			} else {
				luaL_addlstring(b, cap, (size_t)len);
				pat_step(m, (uint64_t)len / 8);
			}
		} else {
			luaL_error(L, "invalid use of '%c' in replacement string", '%');
		}
		l -= (size_t)(q + 1 - repl);
		repl = q + 1;
	}
	luaL_addlstring(b, repl, l);
}

/* Adds the replacement of the match [s, e) by a string, table or function
 * (argument 3, of type tr). Returns whether the text changed. */
static bool add_value(pat_t *m, luaL_Buffer *b, const char *s, const char *e, int tr)
{
	lua_State *L = m->L;
	/* a replacement is a few buffer operations; a function or table one
	 * a call into Lua besides */
	pat_step(m, tr == LUA_TFUNCTION || tr == LUA_TTABLE ? 48 : 8);
	switch (tr) {
	case LUA_TFUNCTION: {
		pat_charge(m); /* the function's own instructions come next */
		lua_pushvalue(L, 3);
		int n = captures_push(m, s, e);
		lua_call(L, n, 1);
		break;
	}
	case LUA_TTABLE:
		capture_push(m, 0, s, e);
		lua_gettable(L, 3);
		break;
	default:
		add_string(m, b, s, e);
		return true;
	}
	if (!lua_toboolean(L, -1)) { /* nil or false: keep the original text */
		lua_pop(L, 1);
		luaL_addlstring(b, s, (size_t)(e - s));
		return false;
	}
	if (!lua_isstring(L, -1))
		return luaL_error(L, "invalid replacement value (a %s)", luaL_typename(L, -1));
	luaL_addvalue(b);
	return true;
}

int fx__str_gsub(lua_State *L)
{
	size_t srcl, lp;
	const char *src = luaL_checklstring(L, 1, &srcl);
	const char *p = luaL_checklstring(L, 2, &lp);
	const char *lastmatch = NULL;
	int tr = lua_type(L, 3);
	lua_Integer max_s = luaL_optinteger(L, 4, (lua_Integer)srcl + 1);
	bool anchor = *p == '^';
	lua_Integer n = 0;
	bool changed = false;
	luaL_argexpected(L, tr == LUA_TNUMBER || tr == LUA_TSTRING || tr == LUA_TFUNCTION ||
			 tr == LUA_TTABLE, 3, "string/function/table");
	luaL_Buffer b;
	luaL_buffinit(L, &b);
	if (anchor) {
		p++;
		lp--;
	}
	pat_t m;
	pat_init(&m, L, src, srcl, p, lp);
	while (n < max_s) {
		pat_reset(&m);
		const char *e = do_match(&m, src, p);
		if (e && e != lastmatch) {
			n++;
			changed = add_value(&m, &b, src, e, tr) || changed;
			src = lastmatch = e;
		} else if (src < m.src_end) {
			luaL_addchar(&b, *src++);
			pat_step(&m, 1);
		} else {
			break;
		}
		if (anchor)
			break;
	}
	pat_step(&m, (uint64_t)(m.src_end - src) / 8);
	pat_done(&m);
	if (!changed) {
		lua_pushvalue(L, 1);
	} else {
		luaL_addlstring(&b, src, (size_t)(m.src_end - src));
		luaL_pushresult(&b);
	}
	lua_pushinteger(L, n);
	return 2;
}
