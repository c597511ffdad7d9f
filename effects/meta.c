/*
 * meta.c — effect metadata: values, a small hash map, the in-memory store,
 * and the replay of buffered writes.
 *
 * A write is kept as an operation (set, incr, toggle), not as the value it
 * produced, so that two games of one round that both incr a counter add up
 * when their writes are replayed after the round, in schedule order,
 * whatever order the games finished in.
 */
#include "effects/fx_int.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const kind_names[FX_META_KINDS] = {"team", "hooper", "game", "season"};

const char *fx_meta_kind_name(fx_meta_kind_t k)
{
	return (unsigned)k < FX_META_KINDS ? kind_names[k] : NULL;
}

int fx_meta_kind_find(const char *name)
{
	for (int i = 0; i < FX_META_KINDS; i++)
		if (strcmp(kind_names[i], name) == 0)
			return i;
	return -1;
}

void fx__meta_op_eval(const fx_meta_op_t *op, const fx_value_t *cur, fx_value_t *out)
{
	switch (op->op) {
	case FX_META_SET:
		*out = op->v;
		return;
	case FX_META_INCR: {
		bool cur_int = cur && cur->type == FX_VAL_INT;
		bool cur_num = cur && cur->type == FX_VAL_NUM;
		memset(out, 0, sizeof *out);
		if ((cur_int || !cur_num) && op->v.type == FX_VAL_INT) {
			int64_t base = cur_int ? cur->i : 0;
			out->type = FX_VAL_INT;
			/* wrap instead of overflowing (defined, deterministic) */
			out->i = (int64_t)((uint64_t)base + (uint64_t)op->v.i);
			return;
		}
		double base = cur_int ? (double)cur->i : cur_num ? cur->n : 0;
		double d = op->v.type == FX_VAL_INT ? (double)op->v.i : op->v.n;
		out->type = FX_VAL_NUM;
		out->n = base + d;
		return;
	}
	case FX_META_TOGGLE:
		memset(out, 0, sizeof *out);
		out->type = FX_VAL_BOOL;
		out->b = !(cur && cur->type == FX_VAL_BOOL && cur->b);
		return;
	}
}

int fx__meta_ops_push(fx_meta_ops_t *o, const fx_meta_op_t *op)
{
	if (o->n == o->cap) {
		size_t cap = o->cap ? o->cap * 2 : 16;
		fx_meta_op_t *p = realloc(o->ops, cap * sizeof *p);
		if (!p)
			return -1;
		o->ops = p;
		o->cap = cap;
	}
	o->ops[o->n++] = *op;
	return 0;
}

void fx_meta_ops_free(fx_meta_ops_t *o)
{
	if (!o)
		return;
	free(o->ops);
	o->ops = NULL;
	o->n = o->cap = 0;
}

/* --- map ------------------------------------------------------------------ */

typedef struct entry {
	bool used;
	fx_meta_key_t k;
	fx_value_t v;
} entry_t;

struct fx__meta_map {
	entry_t *e;
	size_t cap, n; /* cap is a power of two */
};

static uint64_t key_hash(const fx_meta_key_t *k)
{
	uint64_t h = 1469598103934665603ull;
	h = (h ^ (uint64_t)k->kind) * 1099511628211ull;
	h = (h ^ (uint64_t)k->id) * 1099511628211ull;
	for (const char *p = k->key; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	return h;
}

static bool key_eq(const fx_meta_key_t *a, const fx_meta_key_t *b)
{
	return a->kind == b->kind && a->id == b->id && strcmp(a->key, b->key) == 0;
}

fx__meta_map_t *fx__meta_map_new(void)
{
	return calloc(1, sizeof(fx__meta_map_t));
}

void fx__meta_map_free(fx__meta_map_t *m)
{
	if (!m)
		return;
	free(m->e);
	free(m);
}

void fx__meta_map_clear(fx__meta_map_t *m)
{
	if (m->n)
		for (size_t i = 0; i < m->cap; i++)
			m->e[i].used = false;
	m->n = 0;
}

static entry_t *map_find(const fx__meta_map_t *m, const fx_meta_key_t *k)
{
	if (!m->cap)
		return NULL;
	size_t i = key_hash(k) & (m->cap - 1);
	while (m->e[i].used) {
		if (key_eq(&m->e[i].k, k))
			return &m->e[i];
		i = (i + 1) & (m->cap - 1);
	}
	return NULL;
}

int fx__meta_map_get(const fx__meta_map_t *m, const fx_meta_key_t *k, fx_value_t *out)
{
	entry_t *e = map_find(m, k);
	if (!e)
		return 0;
	*out = e->v;
	return 1;
}

static int map_grow(fx__meta_map_t *m)
{
	size_t cap = m->cap ? m->cap * 2 : 64;
	entry_t *e = calloc(cap, sizeof *e);
	if (!e)
		return -1;
	for (size_t i = 0; i < m->cap; i++)
		if (m->e[i].used) {
			size_t j = key_hash(&m->e[i].k) & (cap - 1);
			while (e[j].used)
				j = (j + 1) & (cap - 1);
			e[j] = m->e[i];
		}
	free(m->e);
	m->e = e;
	m->cap = cap;
	return 0;
}

/* A NIL value stays in the map as "known to be absent": the overlay of a
 * session must remember a deletion over a stored value. */
int fx__meta_map_put(fx__meta_map_t *m, const fx_meta_key_t *k, const fx_value_t *v)
{
	entry_t *e = map_find(m, k);
	if (e) {
		e->v = *v;
		return 0;
	}
	if ((m->n + 1) * 4 > m->cap * 3 && map_grow(m) < 0)
		return -1;
	size_t i = key_hash(k) & (m->cap - 1);
	while (m->e[i].used)
		i = (i + 1) & (m->cap - 1);
	m->e[i].used = true;
	m->e[i].k = *k;
	m->e[i].v = *v;
	m->n++;
	return 0;
}

/* --- entity sizes ------------------------------------------------------------ */

size_t fx_meta_entry_bytes(const char *key, const fx_value_t *v)
{
	switch (v->type) {
	case FX_VAL_NIL:
		return 0;
	case FX_VAL_STR:
		return strlen(key) + strlen(v->s);
	default:
		return strlen(key) + 8;
	}
}

/*
 * An entity's size (or a session's change to it) is kept in the same kind
 * of map as its values, under the empty key, which no script can use: the
 * keys in the value's i, the bytes in its n.
 */
static fx_meta_key_t size_key(fx_meta_kind_t kind, int64_t id)
{
	fx_meta_key_t k = {.kind = kind, .id = id};
	return k;
}

void fx__meta_size_get(const fx__meta_map_t *m, fx_meta_kind_t kind, int64_t id, int64_t *keys,
		       int64_t *bytes)
{
	fx_meta_key_t k = size_key(kind, id);
	fx_value_t v;
	bool has = fx__meta_map_get(m, &k, &v);
	*keys = has ? v.i : 0;
	*bytes = has ? (int64_t)v.n : 0;
}

int fx__meta_size_add(fx__meta_map_t *m, fx_meta_kind_t kind, int64_t id, int64_t keys,
		      int64_t bytes)
{
	fx_meta_key_t k = size_key(kind, id);
	fx_value_t v;
	if (!fx__meta_map_get(m, &k, &v)) {
		memset(&v, 0, sizeof v);
		v.type = FX_VAL_INT;
	}
	v.i += keys;
	v.n += (double)bytes;
	return fx__meta_map_put(m, &k, &v);
}

void fx__meta_op_delta(const fx_meta_key_t *k, const fx_value_t *before, const fx_value_t *after,
		       int64_t *keys, int64_t *bytes)
{
	bool had = before && before->type != FX_VAL_NIL, has = after->type != FX_VAL_NIL;
	*keys = (int64_t)has - (int64_t)had;
	*bytes = (int64_t)fx_meta_entry_bytes(k->key, after) -
		 (int64_t)(had ? fx_meta_entry_bytes(k->key, before) : 0);
}

bool fx__meta_fits(int64_t keys, int64_t bytes, int64_t dkeys, int64_t dbytes)
{
	return (dkeys <= 0 || keys + dkeys <= FX_META_ENTITY_KEYS) &&
	       (dbytes <= 0 || bytes + dbytes <= FX_META_ENTITY_BYTES);
}

/* --- store ---------------------------------------------------------------- */

struct fx_meta_store {
	fx__meta_map_t map; /* values, and each entity's size (fx__meta_size_get) */
};

fx_meta_store_t *fx_meta_store_new(void)
{
	return calloc(1, sizeof(fx_meta_store_t));
}

void fx_meta_store_free(fx_meta_store_t *m)
{
	if (!m)
		return;
	free(m->map.e);
	free(m);
}

int fx_meta_store_get(const fx_meta_store_t *m, const fx_meta_key_t *k, fx_value_t *out)
{
	if (!fx__meta_map_get(&m->map, k, out) || out->type == FX_VAL_NIL)
		return 0;
	return 1;
}

int fx_meta_store_put(fx_meta_store_t *m, const fx_meta_key_t *k, const fx_value_t *v)
{
	fx_value_t cur;
	int has = fx_meta_store_get(m, k, &cur);
	int64_t dk, db;
	fx__meta_op_delta(k, has ? &cur : NULL, v, &dk, &db);
	if (fx__meta_map_put(&m->map, k, v) < 0)
		return -1;
	return (dk || db) ? fx__meta_size_add(&m->map, k->kind, k->id, dk, db) : 0;
}

void fx_meta_store_size(const fx_meta_store_t *m, fx_meta_kind_t kind, int64_t id, size_t *keys,
			size_t *bytes)
{
	int64_t k, b;
	fx__meta_size_get(&m->map, kind, id, &k, &b);
	*keys = k > 0 ? (size_t)k : 0;
	*bytes = b > 0 ? (size_t)b : 0;
}

static int store_reader(void *ud, const fx_meta_key_t *k, fx_value_t *out)
{
	return fx_meta_store_get(ud, k, out);
}

static void store_size(void *ud, fx_meta_kind_t kind, int64_t id, size_t *keys, size_t *bytes)
{
	fx_meta_store_size(ud, kind, id, keys, bytes);
}

fx_meta_reader_t fx_meta_store_reader(const fx_meta_store_t *m)
{
	return (fx_meta_reader_t){store_reader, store_size, (void *)m};
}

int fx_meta_apply(fx_meta_store_t *m, const fx_meta_ops_t *ops)
{
	for (size_t i = 0; i < ops->n; i++) {
		const fx_meta_op_t *op = &ops->ops[i];
		fx_value_t cur, next;
		int has = fx_meta_store_get(m, &op->k, &cur);
		fx__meta_op_eval(op, has ? &cur : NULL, &next);
		int64_t dk, db, keys, bytes;
		fx__meta_op_delta(&op->k, has ? &cur : NULL, &next, &dk, &db);
		fx__meta_size_get(&m->map, op->k.kind, op->k.id, &keys, &bytes);
		if (!fx__meta_fits(keys, bytes, dk, db))
			continue; /* the entity is full: as the store does */
		if (fx_meta_store_put(m, &op->k, &next) < 0)
			return -1;
	}
	return 0;
}

int fx_meta_store_load_entity(fx_meta_store_t *m, fx_meta_kind_t kind, int64_t id, const cJSON *obj)
{
	if (!cJSON_IsObject(obj))
		return -1;
	for (const cJSON *it = obj->child; it; it = it->next) {
		if (!it->string || !*it->string || strlen(it->string) > FX_META_KEY_MAX)
			continue;
		fx_meta_key_t k = {.kind = kind, .id = id};
		strcpy(k.key, it->string);
		fx_value_t v;
		memset(&v, 0, sizeof v);
		if (cJSON_IsBool(it)) {
			v.type = FX_VAL_BOOL;
			v.b = cJSON_IsTrue(it);
		} else if (cJSON_IsNumber(it)) {
			double d = it->valuedouble;
			if (d == floor(d) && fabs(d) < 9007199254740992.0) {
				v.type = FX_VAL_INT;
				v.i = (int64_t)d;
			} else {
				v.type = FX_VAL_NUM;
				v.n = d;
			}
		} else if (cJSON_IsString(it) && strlen(it->valuestring) <= FX_META_STR_MAX) {
			v.type = FX_VAL_STR;
			strcpy(v.s, it->valuestring);
		} else {
			continue;
		}
		if (fx_meta_store_put(m, &k, &v) < 0)
			return -1;
	}
	return 0;
}
