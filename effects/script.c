/*
 * script.c — loading an effect script: the gate every script passes once,
 * before it can reach a vote.
 *
 * The source must be text (binary chunks can crash the VM and are refused),
 * at most FX_SOURCE_MAX bytes. The chunk runs in a sandbox under budget and
 * must return exactly {name, description, lifetime, hooks}; every hook must
 * be a known name mapped to a function. Each problem is reported as
 * "line N: what is wrong". The table is read with raw access only, so a
 * metatable on it cannot run code while we look.
 */
#include "effects/fx_int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sim/sha256.h"

static bool ident_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

int fx__src_line(const char *src, size_t len, const char *needle)
{
	size_t n = strlen(needle);
	if (!n)
		return 0;
	int line = 1;
	for (size_t i = 0; i + n <= len; i++) {
		if (src[i] == '\n') {
			line++;
			continue;
		}
		if (memcmp(src + i, needle, n) != 0)
			continue;
		bool word = ident_char(needle[0]);
		if (word && ((i > 0 && ident_char(src[i - 1])) || (i + n < len && ident_char(src[i + n]))))
			continue;
		return line;
	}
	return 0;
}

/* What inspect() learns, and the first problem it found. */
typedef struct inspect_out {
	const char *src;
	size_t len;
	int return_line;
	char name[FX_NAME_MAX + 1];
	char *desc;
	fx_lifetime_t life;
	uint32_t hooks;
	char problem[FX_ERR_MAX - 24];
	char problem_key[80]; /* report the alphabetically first, for stable messages */
	/* Where the problem is: the line of the first occurrence of needle in
	 * the source, else line. Looked up once, for the problem reported:
	 * looking it up for every problem found was a scan of the source per
	 * field, which a script with thousands of unknown fields made costly. */
	char needle[80];
	int line;
} inspect_out_t;

/* A script whose table or hooks table has more fields than this is refused
 * before any of them is looked at (an effect has four fields and at most
 * FX_HOOK_COUNT hooks). */
#define INSPECT_KEYS_MAX 64

static void problem(inspect_out_t *o, const char *key, const char *needle, int line, const char *fmt,
		    ...) __attribute__((format(printf, 5, 6)));
static void problem(inspect_out_t *o, const char *key, const char *needle, int line, const char *fmt,
		    ...)
{
	if (o->problem[0] && strcmp(key, o->problem_key) >= 0)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(o->problem, sizeof o->problem, fmt, ap);
	va_end(ap);
	snprintf(o->problem_key, sizeof o->problem_key, "%s", key);
	snprintf(o->needle, sizeof o->needle, "%s", needle ? needle : "");
	o->line = line;
}

/* The problem as reported: "line N: ..." (or without a line). */
static void problem_text(const inspect_out_t *o, char *err, size_t errlen)
{
	int line = o->needle[0] ? fx__src_line(o->src, o->len, o->needle) : 0;
	if (!line)
		line = o->line;
	if (line > 0)
		snprintf(err, errlen, "line %d: %s", line, o->problem);
	else
		snprintf(err, errlen, "%s", o->problem);
}

/* How many keys the table at idx has, counting at most INSPECT_KEYS_MAX + 1. */
static int count_keys(lua_State *L, int idx)
{
	int n = 0;
	lua_pushnil(L);
	while (n <= INSPECT_KEYS_MAX && lua_next(L, idx)) {
		lua_pop(L, 1);
		n++;
	}
	if (n > INSPECT_KEYS_MAX)
		lua_pop(L, 1);
	return n;
}

static bool plain_text(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 && s[i] != '\n' && s[i] != '\t')
			return false;
	return true;
}

static void hook_list(char *buf, size_t len)
{
	buf[0] = 0;
	for (int h = 0; h < FX_HOOK_COUNT; h++) {
		size_t n = strlen(buf);
		snprintf(buf + n, len - n, "%s%s", h ? ", " : "", fx_hook_name(h));
	}
}

static void check_hooks(lua_State *L, int t, inspect_out_t *o)
{
	int line = o->return_line;
	if (lua_type(L, t) != LUA_TTABLE) {
		problem(o, "hooks", "hooks", line, "hooks must be a table of hook name = function");
		return;
	}
	if (count_keys(L, t) > INSPECT_KEYS_MAX) {
		problem(o, "hooks", "hooks", line, "hooks has more than %d entries; there are %d hooks",
			INSPECT_KEYS_MAX, FX_HOOK_COUNT);
		return;
	}
	int n = 0;
	lua_pushnil(L);
	while (lua_next(L, t)) {
		n++;
		if (lua_type(L, -2) != LUA_TSTRING) {
			problem(o, "hooks", "hooks", line, "hooks are named by strings such as \"sim.shot.pre\", "
				"found a %s key", luaL_typename(L, -2));
			lua_pop(L, 1);
			continue;
		}
		const char *name = lua_tostring(L, -2);
		int fline = 0;
		if (lua_type(L, -1) == LUA_TFUNCTION) {
			lua_Debug ar;
			lua_pushvalue(L, -1);
			if (lua_getinfo(L, ">S", &ar))
				fline = ar.linedefined;
		}
		int h = fx_hook_find(name);
		if (h < 0) {
			char all[600];
			hook_list(all, sizeof all);
			problem(o, name, name, fline ? fline : line, "unknown hook '%.60s' (hooks: %s)",
				name, all);
		} else if (lua_type(L, -1) != LUA_TFUNCTION) {
			problem(o, name, name, line, "hook '%s' must be a function, not %s", name,
				luaL_typename(L, -1));
		} else {
			o->hooks |= 1u << h;
		}
		lua_pop(L, 1);
	}
	if (n == 0)
		problem(o, "hooks", "hooks", line, "hooks is empty: an effect needs at least one hook");
}

static void check_lifetime(lua_State *L, int v, inspect_out_t *o)
{
	int line = o->return_line;
	const char *want = "lifetime must be \"permanent\", \"one_game\" or { rounds = N } with N "
			   "from 1 to 1000";
	o->life.kind = FX_LIFE_PERMANENT;
	if (lua_isnil(L, v))
		return;
	if (lua_type(L, v) == LUA_TSTRING) {
		const char *s = lua_tostring(L, v);
		if (strcmp(s, "permanent") == 0)
			o->life.kind = FX_LIFE_PERMANENT;
		else if (strcmp(s, "one_game") == 0)
			o->life.kind = FX_LIFE_ONE_GAME;
		else
			problem(o, "lifetime", "lifetime", line, "%s, not \"%.40s\"", want, s);
		return;
	}
	if (lua_type(L, v) != LUA_TTABLE) {
		problem(o, "lifetime", "lifetime", line, "%s", want);
		return;
	}
	int n = 0;
	bool ok = false;
	lua_pushnil(L);
	while (lua_next(L, v)) {
		n++;
		if (lua_type(L, -2) == LUA_TSTRING && strcmp(lua_tostring(L, -2), "rounds") == 0 &&
		    lua_isinteger(L, -1) && lua_tointeger(L, -1) >= 1 && lua_tointeger(L, -1) <= 1000) {
			ok = true;
			o->life.kind = FX_LIFE_ROUNDS;
			o->life.rounds = (int)lua_tointeger(L, -1);
		}
		lua_pop(L, 1);
	}
	if (!ok || n != 1)
		problem(o, "lifetime", "lifetime", line, "%s", want);
}

/* inspect(value, out): protected, raw access only. */
static int inspect(lua_State *L)
{
	inspect_out_t *o = lua_touserdata(L, 2);
	if (lua_type(L, 1) != LUA_TTABLE) {
		problem(o, "", NULL, o->return_line, "the script must return a table {name = ..., "
			"description = ..., lifetime = ..., hooks = {...}}, not %s",
			lua_isnone(L, 1) ? "nothing" : luaL_typename(L, 1));
		return 0;
	}
	static const char *const known[] = {"name", "description", "lifetime", "hooks"};
	if (count_keys(L, 1) > INSPECT_KEYS_MAX) {
		problem(o, "", NULL, o->return_line, "the returned table has more than %d fields (an "
			"effect has name, description, lifetime, hooks)", INSPECT_KEYS_MAX);
		return 0;
	}
	lua_pushnil(L);
	while (lua_next(L, 1)) {
		lua_pop(L, 1);
		bool ok = false;
		if (lua_type(L, -1) == LUA_TSTRING)
			for (size_t i = 0; i < 4; i++)
				ok = ok || strcmp(lua_tostring(L, -1), known[i]) == 0;
		if (!ok) {
			const char *k = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "";
			problem(o, k, *k ? k : NULL, o->return_line,
				"unknown field '%.40s' in the returned table (fields: name, "
				"description, lifetime, hooks)", k);
		}
	}
	lua_pushliteral(L, "name");
	lua_rawget(L, 1);
	size_t n = 0;
	const char *s = lua_type(L, -1) == LUA_TSTRING ? lua_tolstring(L, -1, &n) : NULL;
	if (!s || n == 0 || n > FX_NAME_MAX || !plain_text(s, n) || strchr(s, '\n'))
		problem(o, "name", "name", o->return_line, "name must be a one-line string of 1 to %d bytes",
			FX_NAME_MAX);
	else
		memcpy(o->name, s, n), o->name[n] = 0;
	lua_pop(L, 1);

	lua_pushliteral(L, "description");
	lua_rawget(L, 1);
	s = NULL;
	n = 0;
	if (!lua_isnil(L, -1)) {
		s = lua_type(L, -1) == LUA_TSTRING ? lua_tolstring(L, -1, &n) : NULL;
		if (!s || n > FX_DESC_MAX || !plain_text(s, n) || strlen(s) != n)
			problem(o, "description", "description", o->return_line,
				"description must be text of at most %d bytes", FX_DESC_MAX);
	}
	free(o->desc);
	o->desc = malloc(n + 1);
	if (!o->desc)
		return luaL_error(L, "out of memory");
	if (s && n)
		memcpy(o->desc, s, n);
	o->desc[n] = 0;
	lua_pop(L, 1);

	lua_pushliteral(L, "lifetime");
	lua_rawget(L, 1);
	check_lifetime(L, lua_gettop(L), o);
	lua_pop(L, 1);

	lua_pushliteral(L, "hooks");
	lua_rawget(L, 1);
	check_hooks(L, lua_gettop(L), o);
	lua_pop(L, 1);
	return 0;
}

int fx_script_load(const char *src, size_t len, fx_script_t **out, char *err, size_t errlen)
{
	*out = NULL;
	if (!src) {
		snprintf(err, errlen, "no script");
		return -1;
	}
	if (len > FX_SOURCE_MAX) {
		snprintf(err, errlen, "the script is %zu bytes; the limit is %d", len, FX_SOURCE_MAX);
		return -1;
	}
	if (len > 0 && src[0] == '\x1b') {
		snprintf(err, errlen, "binary (precompiled) chunks are refused: send Lua source text");
		return -1;
	}
	fx_engine_t *e = fx_engine_new(NULL, err, errlen);
	if (!e)
		return -1;
	inspect_out_t o;
	memset(&o, 0, sizeof o);
	o.src = src;
	o.len = len;
	int rc = fx__engine_check_chunk(e, src, len, inspect, &o, &o.return_line, err, errlen);
	fx_engine_free(e);
	if (rc == 0 && o.problem[0]) {
		problem_text(&o, err, errlen);
		rc = -1;
	}
	if (rc < 0) {
		free(o.desc);
		return -1;
	}
	fx_script_t *s = calloc(1, sizeof *s);
	if (!s || !(s->src = malloc(len + 1))) {
		free(s);
		free(o.desc);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	memcpy(s->src, src, len);
	s->src[len] = 0;
	s->len = len;
	sha256_hex(src, len, s->sha);
	memcpy(s->name, o.name, sizeof s->name);
	s->desc = o.desc;
	s->life = o.life;
	s->hooks = o.hooks;
	*out = s;
	return 0;
}

int fx_script_load_file(const char *path, fx_script_t **out, char *err, size_t errlen)
{
	*out = NULL;
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	char *buf = malloc(FX_SOURCE_MAX + 2);
	if (!buf) {
		fclose(f);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	size_t n = fread(buf, 1, FX_SOURCE_MAX + 1, f);
	bool bad = ferror(f);
	fclose(f);
	if (bad) {
		free(buf);
		snprintf(err, errlen, "cannot read %s", path);
		return -1;
	}
	if (n > FX_SOURCE_MAX) {
		/* only FX_SOURCE_MAX + 1 bytes were read: the size is unknown */
		free(buf);
		snprintf(err, errlen, "the script is larger than %d bytes (the limit)", FX_SOURCE_MAX);
		return -1;
	}
	int rc = fx_script_load(buf, n, out, err, errlen);
	free(buf);
	return rc;
}

void fx_script_free(fx_script_t *s)
{
	if (!s)
		return;
	free(s->src);
	free(s->desc);
	free(s);
}

const char *fx_script_name(const fx_script_t *s) { return s->name; }
const char *fx_script_description(const fx_script_t *s) { return s->desc; }
const char *fx_script_sha256(const fx_script_t *s) { return s->sha; }
fx_lifetime_t fx_script_lifetime(const fx_script_t *s) { return s->life; }

const char *fx_script_source(const fx_script_t *s, size_t *len)
{
	if (len)
		*len = s->len;
	return s->src;
}
uint32_t fx_script_hooks(const fx_script_t *s) { return s->hooks; }

