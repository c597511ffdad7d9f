/*
 * api_util.c — body and field validation shared by handlers.
 */
#include "server/api/api_util.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

bool api_utf8_valid(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;
	while (i < n) {
		unsigned char c = s[i];
		if (c == 0)
			return false;
		if (c < 0x80) {
			i++;
			continue;
		}
		size_t len;
		uint32_t cp;
		if ((c & 0xe0) == 0xc0) {
			len = 2;
			cp = c & 0x1f;
		} else if ((c & 0xf0) == 0xe0) {
			len = 3;
			cp = c & 0x0f;
		} else if ((c & 0xf8) == 0xf0) {
			len = 4;
			cp = c & 0x07;
		} else {
			return false;
		}
		if (i + len > n)
			return false;
		for (size_t k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += len;
	}
	return true;
}

/* One open container of the JSON text being scanned: what the error names. */
typedef struct json_level {
	bool object;
	bool want_key;   /* an object's next string is a key */
	const char *key; /* the object's current key, as written (escapes kept) */
	size_t key_n;
	long index;      /* an array's current element */
} json_level_t;

#define JSON_PATH_DEPTH 16

/*
 * Writes the path of the field at the top of st ("offer.x", "text[1]")
 * into out, levels past JSON_PATH_DEPTH left out.
 */
static void json_path(const json_level_t *st, int depth, char *out, size_t cap)
{
	size_t o = 0;
	out[0] = '\0';
	for (int d = 0; d < depth && d < JSON_PATH_DEPTH && o + 1 < cap; d++) {
		int n;
		if (st[d].object)
			n = snprintf(out + o, cap - o, "%s%.*s", o ? "." : "", (int)(st[d].key_n > 64 ? 64 : st[d].key_n),
				     st[d].key ? st[d].key : "");
		else
			n = snprintf(out + o, cap - o, "[%ld]", st[d].index);
		if (n < 0)
			break;
		o += (size_t)n < cap - o ? (size_t)n : cap - o - 1;
	}
}

/*
 * Finds a "\u0000" escape in the strings (keys included) of a JSON text
 * that cJSON has already accepted. cJSON decodes it into a C string's end,
 * so the value would silently lose its tail (a name, a proposal's text).
 * On finding one, writes the field's path into path and returns true.
 */
static bool json_has_nul(const char *p, size_t n, char *path, size_t cap)
{
	json_level_t st[JSON_PATH_DEPTH];
	int depth = 0; /* may pass JSON_PATH_DEPTH; only the first levels are kept */
	for (size_t i = 0; i < n; i++) {
		json_level_t *top = depth > 0 && depth <= JSON_PATH_DEPTH ? &st[depth - 1] : NULL;
		char c = p[i];
		if (c == '"') {
			size_t start = ++i;
			bool nul = false;
			for (; i < n && p[i] != '"'; i++) {
				if (p[i] != '\\')
					continue;
				if (i + 5 < n && p[i + 1] == 'u' && !memcmp(p + i + 2, "0000", 4))
					nul = true;
				i++; /* the escaped character, whatever it is */
			}
			if (top && top->object && top->want_key) {
				top->key = p + start;
				top->key_n = i - start;
				top->want_key = false;
			}
			if (nul) {
				json_path(st, depth, path, cap);
				return true;
			}
		} else if (c == '{' || c == '[') {
			if (depth < JSON_PATH_DEPTH)
				st[depth] = (json_level_t){.object = c == '{', .want_key = c == '{'};
			depth++;
		} else if (c == '}' || c == ']') {
			depth--;
		} else if (c == ',' && top) {
			if (top->object)
				top->want_key = true;
			else
				top->index++;
		}
	}
	return false;
}

cJSON *api_body_object(const pw_http_request_t *req, pw_response_t *res, bool empty_ok)
{
	const pw_str_t *ct = http_header(req, "content-type");
	if (ct && !http_media_type_is(*ct, "application/json")) {
		resp_error(res, 415, "unsupported_media_type", "Send the body as application/json.");
		return NULL;
	}
	if (req->body.n == 0) {
		if (empty_ok)
			return cJSON_CreateObject();
		resp_error(res, 400, "invalid_json", "The request needs a JSON object body.");
		return NULL;
	}
	if (!api_utf8_valid(req->body.p, req->body.n)) {
		resp_error(res, 400, "invalid_json", "The body is not valid UTF-8.");
		return NULL;
	}
	const char *end = NULL;
	cJSON *o = cJSON_ParseWithLengthOpts(req->body.p, req->body.n, &end, false);
	if (!o || !cJSON_IsObject(o)) {
		cJSON_Delete(o);
		resp_error(res, 400, "invalid_json", "The body is not a JSON object.");
		return NULL;
	}
	/* Nothing but whitespace may follow the object. */
	for (const char *p = end; p && p < req->body.p + req->body.n; p++) {
		if (*p != ' ' && *p != '\t' && *p != '\r' && *p != '\n') {
			cJSON_Delete(o);
			resp_error(res, 400, "invalid_json", "The body has text after the JSON object.");
			return NULL;
		}
	}
	char path[160];
	if (json_has_nul(req->body.p, req->body.n, path, sizeof path)) {
		cJSON_Delete(o);
		resp_error(res, 422, "invalid_field",
			   "The field \"%s\" contains a NUL character (\\u0000), which no text here may hold.", path);
		return NULL;
	}
	return o;
}

int api_reply(pw_response_t *res, int rc, const pw_err_t *err, cJSON *out, int ok_status)
{
	if (rc < 0) {
		cJSON_Delete(out);
		resp_error(res, err_status(rc), err_code(rc), "%s",
			   err->msg[0] ? err->msg : "The request could not be carried out.");
		return HTTP_HANDLED;
	}
	resp_data(res, ok_status, out);
	return HTTP_HANDLED;
}

int api_string(const cJSON *obj, const char *field, bool required, size_t max_len, const char **out,
	       pw_response_t *res)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, field);
	*out = NULL;
	if (!v || cJSON_IsNull(v)) {
		if (!required)
			return 0;
		resp_error(res, 422, "missing_field", "The field \"%s\" is required.", field);
		return -1;
	}
	if (!cJSON_IsString(v) || !v->valuestring) {
		resp_error(res, 422, "invalid_field", "The field \"%s\" must be a string.", field);
		return -1;
	}
	size_t n = strlen(v->valuestring);
	if (n > max_len) {
		resp_error(res, 422, "field_too_long", "The field \"%s\" is longer than %zu bytes.", field,
			   max_len);
		return -1;
	}
	if (!api_utf8_valid(v->valuestring, n)) {
		resp_error(res, 422, "invalid_field", "The field \"%s\" is not valid UTF-8.", field);
		return -1;
	}
	*out = v->valuestring;
	return 0;
}

int api_int(const cJSON *obj, const char *field, bool required, int64_t lo, int64_t hi, int64_t *out,
	    bool *present, pw_response_t *res)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, field);
	if (present)
		*present = false;
	if (!v || cJSON_IsNull(v)) {
		if (!required)
			return 0;
		resp_error(res, 422, "missing_field", "The field \"%s\" is required.", field);
		return -1;
	}
	double d = cJSON_GetNumberValue(v);
	if (!cJSON_IsNumber(v) || isnan(d) || d != floor(d) || d < (double)lo || d > (double)hi) {
		resp_error(res, 422, "invalid_field", "The field \"%s\" must be an integer from %lld to %lld.",
			   field, (long long)lo, (long long)hi);
		return -1;
	}
	*out = (int64_t)d;
	if (present)
		*present = true;
	return 0;
}

int api_bool(const cJSON *obj, const char *field, bool def, bool *out, pw_response_t *res)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, field);
	if (!v || cJSON_IsNull(v)) {
		*out = def;
		return 0;
	}
	if (!cJSON_IsBool(v)) {
		resp_error(res, 422, "invalid_field", "The field \"%s\" must be true or false.", field);
		return -1;
	}
	*out = cJSON_IsTrue(v);
	return 0;
}

int api_query_id(const pw_http_request_t *req, const char *name, int64_t *out, pw_response_t *res)
{
	char v[32];
	long n = http_query_param(req->query, name, v, sizeof v);
	/* "?season_id=&status=open" (an HTML form's empty field, or the
	 * docs' own example) means no season given, not a bad one. */
	if (n == -1 || n == 0)
		return 0;
	int64_t x = 0;
	bool ok = n > 0 && n <= 15;
	for (long i = 0; ok && i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			ok = false;
		else
			x = x * 10 + (v[i] - '0');
	}
	if (!ok || x <= 0) {
		resp_error(res, 400, "invalid_parameter", "The query parameter \"%s\" must be a positive integer.",
			   name);
		return -1;
	}
	*out = x;
	return 1;
}
