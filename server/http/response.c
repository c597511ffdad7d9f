/*
 * response.c — response building and the JSON envelopes (see response.h).
 */
#include "server/http/response.h"

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

void resp_init(pw_response_t *r)
{
	memset(r, 0, sizeof *r);
}

void resp_free(pw_response_t *r)
{
	buf_free(&r->headers);
	buf_free(&r->body);
}

void resp_reset(pw_response_t *r)
{
	bool close = r->close;
	resp_free(r);
	resp_init(r);
	r->close = close;
}

static void header_safe(pw_buf_t *b, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p >= 0x20 && *p != 0x7f)
			buf_append(b, p, 1);
}

void resp_header(pw_response_t *r, const char *name, const char *value)
{
	header_safe(&r->headers, name);
	buf_puts(&r->headers, ": ");
	header_safe(&r->headers, value);
	buf_puts(&r->headers, "\r\n");
}

void resp_data(pw_response_t *r, int status, cJSON *data)
{
	cJSON *env = cJSON_CreateObject();
	if (!data)
		data = cJSON_CreateNull();
	char *text = NULL;
	if (env && data && cJSON_AddItemToObject(env, "data", data)) {
		data = NULL;
		text = cJSON_PrintUnformatted(env);
	}
	cJSON_Delete(data);
	cJSON_Delete(env);
	if (!text) {
		resp_error(r, 500, "out_of_memory", "The server ran out of memory building the answer.");
		return;
	}
	buf_free(&r->body);
	r->status = status;
	r->content_type = PW_CT_JSON;
	buf_puts(&r->body, text);
	cJSON_free(text);
}

void resp_data_raw(pw_response_t *r, int status, const char *json, size_t len)
{
	buf_free(&r->body);
	r->status = status;
	r->content_type = PW_CT_JSON;
	buf_reserve(&r->body, len + 9); /* one allocation, not three */
	buf_puts(&r->body, "{\"data\":");
	buf_append(&r->body, json, len);
	buf_puts(&r->body, "}");
}

void resp_error(pw_response_t *r, int status, const char *code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	buf_free(&r->body);
	r->status = status;
	r->content_type = PW_CT_JSON;
	cJSON *env = cJSON_CreateObject();
	cJSON *err = cJSON_AddObjectToObject(env, "error");
	cJSON_AddStringToObject(err, "code", code);
	cJSON_AddStringToObject(err, "message", msg);
	char *text = env ? cJSON_PrintUnformatted(env) : NULL;
	cJSON_Delete(env);
	if (text) {
		buf_puts(&r->body, text);
		cJSON_free(text);
	} else {
		/* Last resort, still a valid envelope. */
		buf_puts(&r->body, "{\"error\":{\"code\":\"out_of_memory\",\"message\":\"The server ran out of memory.\"}}");
	}
}

void resp_html(pw_response_t *r, int status, pw_buf_t *page)
{
	buf_free(&r->body);
	r->status = status;
	r->content_type = PW_CT_HTML;
	r->body = *page;
	*page = (pw_buf_t){0};
	/* Pages load scripts and styles only from /static/, so even a missed
	 * escape could not run injected script. */
	resp_header(r, "Content-Security-Policy",
		    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
		    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
	resp_header(r, "Referrer-Policy", "same-origin");
}

void json_add_time(struct cJSON *o, const char *key, time_t t)
{
	if (!t) {
		cJSON_AddNullToObject(o, key);
		return;
	}
	struct tm tm;
	gmtime_r(&t, &tm);
	char buf[32];
	strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
	cJSON_AddStringToObject(o, key, buf);
}
