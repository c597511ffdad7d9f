/*
 * ai_client.c — the Messages API client (see ai_client.h).
 */
#include "server/ai/ai_client.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/league/store.h"

#define AI_ANSWER_MAX (4u << 20) /* an answer larger than this is not a message */

static const char *const call_names[] = {
#define AI_NAME(id, name, model) name,
	AI_CALL_TYPES(AI_NAME)
#undef AI_NAME
};
static const char *const call_models[] = {
#define AI_MODEL(id, name, model) model,
	AI_CALL_TYPES(AI_MODEL)
#undef AI_MODEL
};

struct ai_client {
	ai_config_t cfg;
	char *key, *url;
	char *models[AI_CALL_COUNT];
	pthread_mutex_t mu;
	pthread_cond_t slot_free;
	int in_flight;
	pw_store_t *store;    /* the usage log; under mu */
	char day[11];         /* the UTC day spent_usd counts */
	double spent_usd;
	uint64_t jitter;      /* xorshift state, under mu */
};

const char *ai_call_name(ai_call_type_t t)
{
	return t >= 0 && t < AI_CALL_COUNT ? call_names[t] : "unknown";
}

const char *ai_status_name(int status)
{
	switch (status) {
	case AI_OK: return "ok";
	case AI_E_DISABLED: return "disabled";
	case AI_E_BUDGET: return "over_budget";
	case AI_E_REQUEST: return "bad_request";
	case AI_E_AUTH: return "auth";
	case AI_E_RATE: return "rate_limited";
	case AI_E_OVERLOADED: return "overloaded";
	case AI_E_SERVER: return "server_error";
	case AI_E_TIMEOUT: return "timeout";
	case AI_E_NETWORK: return "network";
	case AI_E_MALFORMED: return "malformed";
	case AI_E_NO_TOOL: return "no_tool_use";
	default: return "internal";
	}
}

/* ---- configuration ------------------------------------------------------ */

static int env_num(const char *name, double lo, double hi, double *out, char *err, size_t errlen)
{
	const char *v = getenv(name);
	if (!v || !*v)
		return 0;
	char *end;
	errno = 0;
	double d = strtod(v, &end);
	if (errno || *end || d < lo || d > hi) {
		snprintf(err, errlen, "%s must be a number from %g to %g, got \"%.40s\"", name, lo, hi, v);
		return -1;
	}
	*out = d;
	return 0;
}

int ai_config_from_env(ai_config_t *cfg, char *err, size_t errlen)
{
	*cfg = (ai_config_t){.daily_budget_usd = 5.0};
	cfg->api_key = getenv("ANTHROPIC_API_KEY");
	cfg->base_url = getenv("ANTHROPIC_BASE_URL");
	const char *all = getenv("PINWHEEL_AI_MODEL");
	for (int t = 0; t < AI_CALL_COUNT; t++) {
		char name[64];
		snprintf(name, sizeof name, "PINWHEEL_AI_MODEL_%s", call_names[t]);
		for (char *p = name; *p; p++)
			if (*p >= 'a' && *p <= 'z')
				*p = (char)(*p - 'a' + 'A');
		const char *m = getenv(name);
		cfg->models[t] = m && *m ? m : all && *all ? all : NULL;
	}
	double budget = cfg->daily_budget_usd, timeout = 60, retries = 2, backoff = 1000, conc = 4, deadline = 90;
	if (env_num("PINWHEEL_AI_DAILY_BUDGET_USD", 0, 1e6, &budget, err, errlen) < 0 ||
	    env_num("PINWHEEL_AI_TIMEOUT_SECONDS", 1, 600, &timeout, err, errlen) < 0 ||
	    env_num("PINWHEEL_AI_MAX_RETRIES", 0, 10, &retries, err, errlen) < 0 ||
	    env_num("PINWHEEL_AI_BACKOFF_MS", 0, 60000, &backoff, err, errlen) < 0 ||
	    env_num("PINWHEEL_AI_MAX_CONCURRENT", 1, 64, &conc, err, errlen) < 0 ||
	    env_num("PINWHEEL_AI_DEADLINE_SECONDS", 1, 1800, &deadline, err, errlen) < 0)
		return -1;
	cfg->daily_budget_usd = budget;
	cfg->timeout_ms = (int)(timeout * 1000);
	cfg->max_retries = (int)retries;
	cfg->backoff_ms = (int)backoff;
	cfg->max_concurrent = (int)conc;
	cfg->deadline_ms = (int)(deadline * 1000);
	return 0;
}

/* ---- prices ------------------------------------------------------------- */

/* USD per million tokens: input, output, cache read, cache write. A model
 * name matches the first row whose prefix it starts with. */
static const struct price {
	const char *prefix;
	double in, out, cache_read, cache_write;
} prices[] = {
	{"claude-opus-4-5", 5, 25, 0.5, 6.25},
	{"claude-opus", 15, 75, 1.5, 18.75},
	{"claude-sonnet", 3, 15, 0.3, 3.75},
	{"claude-haiku-4", 1, 5, 0.1, 1.25},
	{"claude-3-5-haiku", 0.8, 4, 0.08, 1},
	{"claude-haiku", 1, 5, 0.1, 1.25},
	{"", 3, 15, 0.3, 3.75}, /* anything else: priced as Sonnet */
};

double ai_cost_usd(const char *model, int in, int out, int cache_read, int cache_write)
{
	const struct price *p = &prices[sizeof prices / sizeof prices[0] - 1];
	for (size_t i = 0; model && i < sizeof prices / sizeof prices[0]; i++)
		if (!strncmp(model, prices[i].prefix, strlen(prices[i].prefix))) {
			p = &prices[i];
			break;
		}
	return (in * p->in + out * p->out + cache_read * p->cache_read + cache_write * p->cache_write) / 1e6;
}

/* ---- the client --------------------------------------------------------- */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init_once(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

static void utc_day(char out[11])
{
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
}

int ai_open(ai_client_t **out, const ai_config_t *cfg, char *err, size_t errlen)
{
	*out = NULL;
	pthread_once(&curl_once, curl_init_once);
	ai_client_t *ai = calloc(1, sizeof *ai);
	if (!ai) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	ai->cfg = *cfg;
	if (ai->cfg.timeout_ms <= 0)
		ai->cfg.timeout_ms = 60000;
	if (ai->cfg.connect_timeout_ms <= 0)
		ai->cfg.connect_timeout_ms = 10000;
	if (ai->cfg.max_retries < 0)
		ai->cfg.max_retries = 0;
	if (ai->cfg.max_wait_ms <= 0)
		ai->cfg.max_wait_ms = 60000;
	if (ai->cfg.max_concurrent <= 0)
		ai->cfg.max_concurrent = 4;
	if (ai->cfg.deadline_ms <= 0)
		ai->cfg.deadline_ms = 90000;
	const char *url = cfg->base_url && *cfg->base_url ? cfg->base_url : "https://api.anthropic.com";
	size_t ul = strlen(url);
	while (ul && url[ul - 1] == '/')
		ul--;
	ai->url = malloc(ul + sizeof "/v1/messages");
	ai->key = cfg->api_key && *cfg->api_key ? strdup(cfg->api_key) : NULL;
	bool ok = ai->url && (ai->key || !(cfg->api_key && *cfg->api_key));
	if (ai->url)
		snprintf(ai->url, ul + sizeof "/v1/messages", "%.*s/v1/messages", (int)ul, url);
	for (int t = 0; ok && t < AI_CALL_COUNT; t++)
		ok = (ai->models[t] = strdup(cfg->models[t] ? cfg->models[t] : call_models[t])) != NULL;
	pthread_mutex_init(&ai->mu, NULL);
	pthread_cond_init(&ai->slot_free, NULL);
	ai->jitter = (uint64_t)time(NULL) * 2654435761u + 1;
	if (!ok) {
		ai_close(ai);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (cfg->db_path) {
		char serr[256];
		ai->store = store_open(cfg->db_path, serr, sizeof serr);
		if (!ai->store) {
			snprintf(err, errlen, "the AI usage log: %s", serr);
			ai_close(ai);
			return -1;
		}
		utc_day(ai->day);
		store_ai_cost_on(ai->store, ai->day, &ai->spent_usd);
	}
	*out = ai;
	return 0;
}

void ai_close(ai_client_t *ai)
{
	if (!ai)
		return;
	if (ai->store)
		store_close(ai->store);
	if (ai->key) /* the key leaves no copy behind in freed memory */
		memset(ai->key, 0, strlen(ai->key));
	free(ai->key);
	free(ai->url);
	for (int t = 0; t < AI_CALL_COUNT; t++)
		free(ai->models[t]);
	pthread_mutex_destroy(&ai->mu);
	pthread_cond_destroy(&ai->slot_free);
	free(ai);
}

bool ai_enabled(const ai_client_t *ai)
{
	return ai && ai->key;
}

const char *ai_model(const ai_client_t *ai, ai_call_type_t t)
{
	return t >= 0 && t < AI_CALL_COUNT ? ai->models[t] : "unknown";
}

/* Rolls the day over at UTC midnight. Under mu. */
static void roll_day(ai_client_t *ai)
{
	char today[11];
	utc_day(today);
	if (strcmp(today, ai->day)) {
		memcpy(ai->day, today, sizeof today);
		ai->spent_usd = 0;
	}
}

void ai_spend(ai_client_t *ai, double *today_usd, double *cap_usd)
{
	pthread_mutex_lock(&ai->mu);
	roll_day(ai);
	*today_usd = ai->spent_usd;
	pthread_mutex_unlock(&ai->mu);
	*cap_usd = ai->cfg.daily_budget_usd > 0 ? ai->cfg.daily_budget_usd : 0;
}

void ai_result_free(ai_result_t *res)
{
	cJSON_Delete(res->input);
	free(res->text);
	res->input = NULL;
	res->text = NULL;
}

/* Replaces every copy of the key in s (a server may echo it back). */
static void scrub(const ai_client_t *ai, char *s)
{
	if (!ai->key || !*ai->key)
		return;
	size_t kl = strlen(ai->key);
	for (char *p = strstr(s, ai->key); p; p = strstr(p, ai->key)) {
		static const char mark[] = "[redacted]";
		size_t ml = sizeof mark - 1;
		if (kl >= ml) {
			memcpy(p, mark, ml);
			memmove(p + ml, p + kl, strlen(p + kl) + 1);
		} else {
			memset(p, '*', kl);
		}
	}
}

/* ---- one HTTP exchange -------------------------------------------------- */

typedef struct exchange {
	char *body;
	size_t len;
	bool too_big;
	double retry_after_s; /* from the retry-after header; < 0: none */
} exchange_t;

static size_t on_body(char *data, size_t size, size_t n, void *ud)
{
	exchange_t *x = ud;
	size_t add = size * n;
	if (x->len + add > AI_ANSWER_MAX) {
		x->too_big = true;
		return 0;
	}
	char *nb = realloc(x->body, x->len + add + 1);
	if (!nb)
		return 0;
	memcpy(nb + x->len, data, add);
	x->len += add;
	nb[x->len] = 0;
	x->body = nb;
	return add;
}

static size_t on_header(char *data, size_t size, size_t n, void *ud)
{
	exchange_t *x = ud;
	size_t len = size * n;
	static const char name[] = "retry-after:";
	if (len > sizeof name && !strncasecmp(data, name, sizeof name - 1)) {
		char v[32];
		snprintf(v, sizeof v, "%.*s", (int)(len - (sizeof name - 1)), data + sizeof name - 1);
		char *end;
		double d = strtod(v, &end);
		/* Seconds; an HTTP date (rare) falls back to the backoff. */
		if (end != v && d >= 0)
			x->retry_after_s = d;
	}
	return len;
}

/* One POST. Returns the curl code; *status the HTTP status (0 without one). */
static CURLcode post(ai_client_t *ai, const char *body, long timeout_ms, exchange_t *x, long *status)
{
	*status = 0;
	CURL *h = curl_easy_init();
	if (!h)
		return CURLE_OUT_OF_MEMORY;
	char keyh[512];
	snprintf(keyh, sizeof keyh, "x-api-key: %s", ai->key);
	struct curl_slist *hd = NULL;
	hd = curl_slist_append(hd, keyh);
	hd = curl_slist_append(hd, "anthropic-version: 2023-06-01");
	hd = curl_slist_append(hd, "content-type: application/json");
	hd = curl_slist_append(hd, "Expect:");
	memset(keyh, 0, sizeof keyh);
	curl_easy_setopt(h, CURLOPT_URL, ai->url);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hd);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)ai->cfg.connect_timeout_ms);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L); /* threads: no SIGALRM for timeouts */
	curl_easy_setopt(h, CURLOPT_NOPROXY, "127.0.0.1,localhost,::1");
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	CURLcode rc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
	curl_slist_free_all(hd);
	curl_easy_cleanup(h);
	return rc;
}

static bool retryable(long status)
{
	return status == 429 || status == 529 || (status >= 500 && status <= 599);
}

static int status_of(long http)
{
	if (http == 401 || http == 403)
		return AI_E_AUTH;
	if (http == 429)
		return AI_E_RATE;
	if (http == 529)
		return AI_E_OVERLOADED;
	if (http >= 500)
		return AI_E_SERVER;
	return AI_E_REQUEST;
}

/* The error the API gave in body ({"type":"error","error":{type,message}}). */
static void api_error_text(const char *body, long http, char *out, size_t cap)
{
	cJSON *j = body ? cJSON_Parse(body) : NULL;
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(j, "error");
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(e, "type");
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(e, "message");
	if (cJSON_IsString(t) && cJSON_IsString(m))
		snprintf(out, cap, "the Messages API answered %ld %.40s: %.150s", http, t->valuestring,
			 m->valuestring);
	else
		snprintf(out, cap, "the Messages API answered %ld", http);
	cJSON_Delete(j);
	/* Nothing from a server reaches a log or a page unfiltered. */
	for (char *p = out; *p; p++)
		if ((unsigned char)*p < 0x20)
			*p = ' ';
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* The wait before attempt n (1-based retry): retry-after when the server
 * gave one, else backoff * 2^(n-1) with ±25% jitter; capped. */
static long wait_ms(ai_client_t *ai, int n, double retry_after_s)
{
	long ms;
	if (retry_after_s >= 0) {
		ms = (long)(retry_after_s * 1000);
	} else {
		ms = (long)ai->cfg.backoff_ms << (n - 1 < 10 ? n - 1 : 10);
		pthread_mutex_lock(&ai->mu);
		ai->jitter ^= ai->jitter << 13;
		ai->jitter ^= ai->jitter >> 7;
		ai->jitter ^= ai->jitter << 17;
		uint64_t r = ai->jitter;
		pthread_mutex_unlock(&ai->mu);
		if (ms > 0)
			ms = ms * 3 / 4 + (long)(r % (uint64_t)(ms / 2 + 1));
	}
	return ms > ai->cfg.max_wait_ms ? ai->cfg.max_wait_ms : ms;
}

/* ---- the answer --------------------------------------------------------- */

static int usage_int(const cJSON *u, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(u, name);
	return cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble < 1e9 ? (int)v->valuedouble : 0;
}

/* Reads a 200 answer into res. AI_OK, AI_E_MALFORMED or AI_E_NO_TOOL. */
static int read_answer(const ai_request_t *rq, const char *body, ai_result_t *res)
{
	cJSON *j = body ? cJSON_Parse(body) : NULL;
	const cJSON *content = cJSON_GetObjectItemCaseSensitive(j, "content");
	const cJSON *usage = cJSON_GetObjectItemCaseSensitive(j, "usage");
	if (!cJSON_IsObject(j) || !cJSON_IsArray(content)) {
		cJSON_Delete(j);
		snprintf(res->err, sizeof res->err, "the Messages API's answer is not a message (no content array)");
		return AI_E_MALFORMED;
	}
	res->input_tokens = usage_int(usage, "input_tokens");
	res->output_tokens = usage_int(usage, "output_tokens");
	res->cache_read_tokens = usage_int(usage, "cache_read_input_tokens");
	res->cache_write_tokens = usage_int(usage, "cache_creation_input_tokens");
	int rc = AI_OK;
	const cJSON *block;
	size_t tl = 0;
	cJSON_ArrayForEach(block, content) {
		const cJSON *type = cJSON_GetObjectItemCaseSensitive(block, "type");
		if (!cJSON_IsString(type))
			continue;
		if (rq->tool_name && !strcmp(type->valuestring, "tool_use") && !res->input) {
			const cJSON *name = cJSON_GetObjectItemCaseSensitive(block, "name");
			const cJSON *input = cJSON_GetObjectItemCaseSensitive(block, "input");
			if (cJSON_IsString(name) && !strcmp(name->valuestring, rq->tool_name) && cJSON_IsObject(input))
				res->input = cJSON_Duplicate(input, 1);
		} else if (!strcmp(type->valuestring, "text")) {
			const cJSON *text = cJSON_GetObjectItemCaseSensitive(block, "text");
			if (!cJSON_IsString(text))
				continue;
			size_t add = strlen(text->valuestring);
			char *nt = realloc(res->text, tl + add + 1);
			if (!nt)
				continue;
			memcpy(nt + tl, text->valuestring, add + 1);
			tl += add;
			res->text = nt;
		}
	}
	if (rq->tool_name && !res->input) {
		snprintf(res->err, sizeof res->err, "the Messages API answered without using the tool %s",
			 rq->tool_name);
		rc = AI_E_NO_TOOL;
	} else if (!rq->tool_name && !res->text) {
		snprintf(res->err, sizeof res->err, "the Messages API's answer holds no text");
		rc = AI_E_MALFORMED;
	}
	cJSON_Delete(j);
	return rc;
}

static char *request_body(const ai_client_t *ai, const ai_request_t *rq)
{
	cJSON *b = cJSON_CreateObject();
	cJSON_AddStringToObject(b, "model", ai->models[rq->type]);
	cJSON_AddNumberToObject(b, "max_tokens", rq->max_tokens > 0 ? rq->max_tokens : 1024);
	if (rq->system)
		cJSON_AddStringToObject(b, "system", rq->system);
	cJSON *msgs = cJSON_AddArrayToObject(b, "messages");
	cJSON *m = cJSON_CreateObject();
	cJSON_AddStringToObject(m, "role", "user");
	cJSON_AddStringToObject(m, "content", rq->user ? rq->user : "");
	cJSON_AddItemToArray(msgs, m);
	if (rq->tool_name) {
		cJSON *tools = cJSON_AddArrayToObject(b, "tools");
		cJSON *t = cJSON_CreateObject();
		cJSON_AddStringToObject(t, "name", rq->tool_name);
		if (rq->tool_description)
			cJSON_AddStringToObject(t, "description", rq->tool_description);
		cJSON_AddItemToObject(t, "input_schema",
				      rq->tool_schema ? cJSON_Duplicate(rq->tool_schema, 1) : cJSON_CreateObject());
		cJSON_AddItemToArray(tools, t);
		cJSON *tc = cJSON_AddObjectToObject(b, "tool_choice");
		cJSON_AddStringToObject(tc, "type", "tool");
		cJSON_AddStringToObject(tc, "name", rq->tool_name);
	}
	char *s = cJSON_PrintUnformatted(b);
	cJSON_Delete(b);
	return s;
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Records the call: a usage row and a log line (never the key). */
static void record(ai_client_t *ai, const ai_request_t *rq, int status, const ai_result_t *res)
{
	pthread_mutex_lock(&ai->mu);
	roll_day(ai);
	ai->spent_usd += res->cost_usd;
	if (ai->store &&
	    store_ai_usage_insert(ai->store, res->model, call_names[rq->type], res->input_tokens,
				  res->output_tokens, res->cache_read_tokens, res->latency_ms, res->cost_usd,
				  ai_status_name(status)) < 0 &&
	    ai->cfg.log)
		log_event(ai->cfg.log, PW_LOG_WARN, "ai.usage_log", "could not record an AI call: %s",
			  store_errmsg(ai->store));
	pthread_mutex_unlock(&ai->mu);
	if (ai->cfg.log)
		log_event(ai->cfg.log, status == AI_OK ? PW_LOG_INFO : PW_LOG_WARN, "ai.call",
			  "type=%s model=%s outcome=%s attempts=%d http=%d ms=%.0f in=%d out=%d cache_read=%d "
			  "cost_usd=%.6f%s%s",
			  call_names[rq->type], res->model, ai_status_name(status), res->attempts,
			  res->http_status, res->latency_ms, res->input_tokens, res->output_tokens,
			  res->cache_read_tokens, res->cost_usd, status == AI_OK ? "" : " error=",
			  status == AI_OK ? "" : res->err);
}

int ai_call(ai_client_t *ai, const ai_request_t *rq, ai_result_t *res)
{
	memset(res, 0, sizeof *res);
	if (!ai || !ai->key) {
		snprintf(res->err, sizeof res->err, "no ANTHROPIC_API_KEY is set");
		return AI_E_DISABLED;
	}
	if (rq->type < 0 || rq->type >= AI_CALL_COUNT) {
		snprintf(res->err, sizeof res->err, "unknown AI call type");
		return AI_E_INTERNAL;
	}
	snprintf(res->model, sizeof res->model, "%s", ai->models[rq->type]);
	pthread_mutex_lock(&ai->mu);
	roll_day(ai);
	bool over = ai->cfg.daily_budget_usd > 0 && ai->spent_usd >= ai->cfg.daily_budget_usd;
	double spent = ai->spent_usd;
	pthread_mutex_unlock(&ai->mu);
	if (over) {
		snprintf(res->err, sizeof res->err,
			 "today's AI budget of $%.2f is spent ($%.4f); the offline fallback answers until midnight UTC",
			 ai->cfg.daily_budget_usd, spent);
		record(ai, rq, AI_E_BUDGET, res);
		return AI_E_BUDGET;
	}
	char *body = request_body(ai, rq);
	if (!body) {
		snprintf(res->err, sizeof res->err, "out of memory");
		return AI_E_INTERNAL;
	}

	/* A slot among the calls in flight. */
	pthread_mutex_lock(&ai->mu);
	while (ai->in_flight >= ai->cfg.max_concurrent)
		pthread_cond_wait(&ai->slot_free, &ai->mu);
	ai->in_flight++;
	pthread_mutex_unlock(&ai->mu);

	double t0 = now_ms();
	int status = AI_E_INTERNAL;
	for (int attempt = 0;; attempt++) {
		exchange_t x = {.retry_after_s = -1};
		long http = 0;
		/* An attempt gets its own timeout or what is left of the call's
		 * deadline, whichever is shorter. */
		long left = (long)(ai->cfg.deadline_ms - (now_ms() - t0));
		long tmo = left < ai->cfg.timeout_ms ? left : ai->cfg.timeout_ms;
		CURLcode cc = post(ai, body, tmo > 1 ? tmo : 1, &x, &http);
		res->attempts = attempt + 1;
		res->http_status = (int)http;
		bool again = false;
		if (cc == CURLE_OK && http == 200) {
			status = read_answer(rq, x.body, res);
		} else if (cc == CURLE_OK) {
			status = status_of(http);
			api_error_text(x.body, http, res->err, sizeof res->err);
			/* A 429 for the organisation's monthly spend limit lasts until
			 * the month ends: waiting will not help. */
			again = retryable(http) && !(x.body && strstr(x.body, "enforced_spend_limit_reached"));
		} else if (x.too_big) {
			status = AI_E_MALFORMED;
			snprintf(res->err, sizeof res->err, "the Messages API's answer is larger than %u bytes",
				 AI_ANSWER_MAX);
		} else if (cc == CURLE_OPERATION_TIMEDOUT) {
			status = AI_E_TIMEOUT;
			snprintf(res->err, sizeof res->err, "the Messages API did not answer within %ld ms", tmo);
			again = true;
		} else {
			status = AI_E_NETWORK;
			snprintf(res->err, sizeof res->err, "the Messages API could not be reached: %s",
				 curl_easy_strerror(cc));
			again = cc == CURLE_COULDNT_CONNECT || cc == CURLE_RECV_ERROR || cc == CURLE_SEND_ERROR ||
				cc == CURLE_GOT_NOTHING;
		}
		free(x.body);
		if (!again || attempt >= ai->cfg.max_retries)
			break;
		/* A retry that could not start before the deadline is not made:
		 * the caller gets this attempt's failure now, not later. */
		long wait = wait_ms(ai, attempt + 1, x.retry_after_s);
		if (now_ms() - t0 + (double)wait >= ai->cfg.deadline_ms)
			break;
		sleep_ms(wait);
	}
	res->latency_ms = now_ms() - t0;
	free(body);

	pthread_mutex_lock(&ai->mu);
	ai->in_flight--;
	pthread_cond_signal(&ai->slot_free);
	pthread_mutex_unlock(&ai->mu);

	res->cost_usd = ai_cost_usd(res->model, res->input_tokens, res->output_tokens, res->cache_read_tokens,
				    res->cache_write_tokens);
	scrub(ai, res->err);
	record(ai, rq, status, res);
	if (status != AI_OK) {
		cJSON_Delete(res->input);
		res->input = NULL;
		free(res->text);
		res->text = NULL;
	}
	return status;
}
