/*
 * cdp.c — DevTools protocol over a pipe (see cdp.h).
 */
#include "tests/e2e/cdp.h"

#include <cjson/cJSON.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *browser_path(void)
{
	static const char *paths[] = {"/usr/bin/chromium", "/usr/bin/chromium-browser", NULL};
	for (int i = 0; paths[i]; i++)
		if (access(paths[i], X_OK) == 0)
			return paths[i];
	return NULL;
}

bool cdp_available(void)
{
	return browser_path() != NULL;
}

int cdp_start(cdp_t *c, const char *dir)
{
	memset(c, 0, sizeof *c);
	const char *bin = browser_path();
	int in[2], out[2];
	if (!bin || pipe(in) < 0 || pipe(out) < 0)
		return -1;
	char profile[600];
	snprintf(profile, sizeof profile, "--user-data-dir=%s/chromium-profile", dir);
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		/* Chromium reads commands on fd 3 and writes answers on fd 4. */
		int r = dup(in[0]), w = dup(out[1]);
		dup2(r, 3);
		dup2(w, 4);
		int devnull = open("/dev/null", O_WRONLY);
		dup2(devnull, 1);
		dup2(devnull, 2);
		execl(bin, "chromium", "--headless", "--no-sandbox", "--disable-gpu",
		      "--disable-background-networking", "--disable-component-update", "--disable-sync",
		      "--no-first-run", "--no-default-browser-check", "--no-proxy-server",
		      "--remote-debugging-pipe", "--window-size=1200,900", profile, "about:blank",
		      (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	c->pid = pid;
	c->to = in[1];
	c->from = out[0];
	c->next_id = 1;
	return 0;
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Sends one command; returns its id or -1. */
static int send_cmd(cdp_t *c, const char *method, cJSON *params, bool session)
{
	cJSON *m = cJSON_CreateObject();
	int id = c->next_id++;
	cJSON_AddNumberToObject(m, "id", id);
	if (session && c->session[0])
		cJSON_AddStringToObject(m, "sessionId", c->session);
	cJSON_AddStringToObject(m, "method", method);
	cJSON_AddItemToObject(m, "params", params ? params : cJSON_CreateObject());
	char *text = cJSON_PrintUnformatted(m);
	cJSON_Delete(m);
	size_t n = strlen(text) + 1; /* with the NUL terminator */
	const char *p = text;
	while (n) {
		ssize_t w = write(c->to, p, n);
		if (w <= 0) {
			free(text);
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	free(text);
	return id;
}

/* Keeps what a page reports as an error (cdp_errors). */
static void note_event(cdp_t *c, const cJSON *m);

/* Waits for the answer to id (skipping events); returns its "result". */
static cJSON *wait_result(cdp_t *c, int id, int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;
	for (;;) {
		char *nul = c->len ? memchr(c->buf, '\0', c->len) : NULL;
		while (nul) {
			cJSON *m = cJSON_Parse(c->buf);
			size_t used = (size_t)(nul - c->buf) + 1;
			memmove(c->buf, c->buf + used, c->len - used);
			c->len -= used;
			const cJSON *mid = cJSON_GetObjectItem(m, "id");
			note_event(c, m);
			if (cJSON_IsNumber(mid) && mid->valueint == id) {
				cJSON *res = cJSON_DetachItemFromObject(m, "result");
				cJSON_Delete(m);
				return res;
			}
			cJSON_Delete(m);
			nul = c->len ? memchr(c->buf, '\0', c->len) : NULL;
		}
		long long left = deadline - now_ms();
		if (left <= 0)
			return NULL;
		struct pollfd p = {.fd = c->from, .events = POLLIN};
		if (poll(&p, 1, (int)left) <= 0)
			return NULL;
		if (c->cap - c->len < 65536) {
			c->cap = c->cap ? c->cap * 2 : 1 << 20;
			c->buf = realloc(c->buf, c->cap);
		}
		ssize_t r = read(c->from, c->buf + c->len, c->cap - c->len - 1);
		if (r <= 0)
			return NULL;
		c->len += (size_t)r;
	}
}

static cJSON *call(cdp_t *c, const char *method, cJSON *params, bool session, int timeout_ms)
{
	int id = send_cmd(c, method, params, session);
	return id < 0 ? NULL : wait_result(c, id, timeout_ms);
}

int cdp_open(cdp_t *c, const char *url)
{
	cJSON *p = cJSON_CreateObject();
	cJSON_AddStringToObject(p, "url", url);
	cJSON *r = call(c, "Target.createTarget", p, false, 30000);
	const char *tid = cJSON_GetStringValue(cJSON_GetObjectItem(r, "targetId"));
	if (!tid) {
		cJSON_Delete(r);
		return -1;
	}
	p = cJSON_CreateObject();
	cJSON_AddStringToObject(p, "targetId", tid);
	cJSON_AddBoolToObject(p, "flatten", true);
	cJSON_Delete(r);
	r = call(c, "Target.attachToTarget", p, false, 30000);
	const char *sid = cJSON_GetStringValue(cJSON_GetObjectItem(r, "sessionId"));
	if (sid)
		snprintf(c->session, sizeof c->session, "%s", sid);
	cJSON_Delete(r);
	return sid ? 0 : -1;
}

char *cdp_eval(cdp_t *c, const char *expr)
{
	cJSON *p = cJSON_CreateObject();
	cJSON_AddStringToObject(p, "expression", expr);
	cJSON_AddBoolToObject(p, "returnByValue", true);
	cJSON *r = call(c, "Runtime.evaluate", p, true, 15000);
	const cJSON *v = cJSON_GetObjectItem(cJSON_GetObjectItem(r, "result"), "value");
	char *out = NULL;
	if (cJSON_IsString(v))
		out = strdup(v->valuestring);
	else if (v)
		out = cJSON_PrintUnformatted(v);
	cJSON_Delete(r);
	return out;
}

static int b64val(char ch)
{
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A';
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a' + 26;
	if (ch >= '0' && ch <= '9')
		return ch - '0' + 52;
	if (ch == '+')
		return 62;
	if (ch == '/')
		return 63;
	return -1;
}

/* Decodes a screenshot's base64 data into the file at path. 0 or -1. */
static int write_png(const char *path, const char *data)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		return -1;
	unsigned acc = 0;
	int bits = 0;
	for (const char *s = data; *s; s++) {
		int v = b64val(*s);
		if (v < 0)
			continue;
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			fputc((int)((acc >> bits) & 0xff), f);
		}
	}
	return fclose(f) == 0 ? 0 : -1;
}

int cdp_screenshot(cdp_t *c, const char *path)
{
	cJSON *p = cJSON_CreateObject();
	cJSON_AddStringToObject(p, "format", "png");
	cJSON *r = call(c, "Page.captureScreenshot", p, true, 30000);
	const char *data = cJSON_GetStringValue(cJSON_GetObjectItem(r, "data"));
	int rc = data ? write_png(path, data) : -1;
	cJSON_Delete(r);
	return rc;
}

void cdp_stop(cdp_t *c)
{
	if (c->pid > 0) {
		cJSON_Delete(call(c, "Browser.close", NULL, false, 3000));
		close(c->to);
		close(c->from);
		for (int i = 0; i < 50; i++) {
			if (waitpid(c->pid, NULL, WNOHANG) == c->pid) {
				c->pid = 0;
				break;
			}
			usleep(100000);
		}
		if (c->pid > 0) {
			kill(c->pid, SIGKILL);
			waitpid(c->pid, NULL, 0);
		}
	}
	free(c->buf);
	free(c->errors);
	memset(c, 0, sizeof *c);
}

/* ---- walking through pages ---------------------------------------------- */

static void add_error(cdp_t *c, const char *what, const char *text)
{
	size_t n = strlen(what) + strlen(text) + 4;
	char *e = realloc(c->errors, c->errors_len + n);
	if (!e)
		return;
	c->errors = e;
	c->errors_len += (size_t)snprintf(c->errors + c->errors_len, n, "%s: %s\n", what, text);
}

static void note_event(cdp_t *c, const cJSON *m)
{
	const char *method = cJSON_GetStringValue(cJSON_GetObjectItem(m, "method"));
	const cJSON *p = cJSON_GetObjectItem(m, "params");
	if (!method)
		return;
	if (!strcmp(method, "Log.entryAdded")) {
		const cJSON *e = cJSON_GetObjectItem(p, "entry");
		const char *lvl = cJSON_GetStringValue(cJSON_GetObjectItem(e, "level"));
		const char *text = cJSON_GetStringValue(cJSON_GetObjectItem(e, "text"));
		const char *url = cJSON_GetStringValue(cJSON_GetObjectItem(e, "url"));
		if (lvl && !strcmp(lvl, "error")) {
			char line[1024];
			snprintf(line, sizeof line, "%s %s", text ? text : "", url ? url : "");
			add_error(c, "log", line);
		}
	} else if (!strcmp(method, "Runtime.exceptionThrown")) {
		const cJSON *d = cJSON_GetObjectItem(p, "exceptionDetails");
		const char *text = cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(d, "exception"),
									       "description"));
		add_error(c, "exception", text ? text : "(no description)");
	} else if (!strcmp(method, "Runtime.consoleAPICalled")) {
		const char *type = cJSON_GetStringValue(cJSON_GetObjectItem(p, "type"));
		const cJSON *a0 = cJSON_GetArrayItem(cJSON_GetObjectItem(p, "args"), 0);
		const char *text = cJSON_GetStringValue(cJSON_GetObjectItem(a0, "value"));
		if (type && !strcmp(type, "error"))
			add_error(c, "console", text ? text : "(no text)");
	}
}

/* Turns on the events cdp_errors and cdp_navigate read, once a session. */
static void watch(cdp_t *c)
{
	if (!strcmp(c->watched, c->session))
		return;
	static const char *const domains[] = {"Page.enable", "Log.enable", "Runtime.enable"};
	for (size_t i = 0; i < sizeof domains / sizeof domains[0]; i++)
		cJSON_Delete(call(c, domains[i], NULL, true, 10000));
	snprintf(c->watched, sizeof c->watched, "%s", c->session);
}

int cdp_viewport(cdp_t *c, int width, int height, bool mobile)
{
	watch(c);
	cJSON *p = cJSON_CreateObject();
	cJSON_AddNumberToObject(p, "width", width);
	cJSON_AddNumberToObject(p, "height", height);
	cJSON_AddNumberToObject(p, "deviceScaleFactor", 1);
	cJSON_AddBoolToObject(p, "mobile", mobile);
	cJSON *r = call(c, "Emulation.setDeviceMetricsOverride", p, true, 10000);
	int rc = r ? 0 : -1;
	cJSON_Delete(r);
	return rc;
}

int cdp_wait(cdp_t *c, const char *expr, int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;
	for (;;) {
		char *v = cdp_eval(c, expr);
		bool yes = v && !strcmp(v, "true");
		free(v);
		if (yes)
			return 0;
		if (now_ms() > deadline)
			return -1;
		usleep(50000);
	}
}

int cdp_navigate(cdp_t *c, const char *url)
{
	watch(c);
	cJSON *p = cJSON_CreateObject();
	cJSON_AddStringToObject(p, "url", url);
	cJSON *r = call(c, "Page.navigate", p, true, 30000);
	int rc = r && !cJSON_GetObjectItem(r, "errorText") ? 0 : -1;
	cJSON_Delete(r);
	if (rc == 0) {
		/* The new document, whole: its URL is the one asked for (or where
		 * it redirected) and it has finished loading. */
		usleep(50000);
		rc = cdp_wait(c, "document.readyState === 'complete'", 30000);
	}
	return rc;
}

int cdp_screenshot_full(cdp_t *c, const char *path)
{
	char *h = cdp_eval(c, "String(Math.ceil(document.documentElement.scrollHeight))");
	char *w = cdp_eval(c, "String(Math.ceil(document.documentElement.clientWidth))");
	int height = h ? atoi(h) : 0, width = w ? atoi(w) : 0;
	free(h);
	free(w);
	if (height <= 0 || width <= 0)
		return -1;
	cJSON *p = cJSON_CreateObject();
	cJSON_AddStringToObject(p, "format", "png");
	cJSON_AddBoolToObject(p, "captureBeyondViewport", true);
	cJSON *clip = cJSON_AddObjectToObject(p, "clip");
	cJSON_AddNumberToObject(clip, "x", 0);
	cJSON_AddNumberToObject(clip, "y", 0);
	cJSON_AddNumberToObject(clip, "width", width);
	cJSON_AddNumberToObject(clip, "height", height > 12000 ? 12000 : height);
	cJSON_AddNumberToObject(clip, "scale", 1);
	cJSON *r = call(c, "Page.captureScreenshot", p, true, 60000);
	const char *data = cJSON_GetStringValue(cJSON_GetObjectItem(r, "data"));
	int rc = data ? write_png(path, data) : -1;
	cJSON_Delete(r);
	return rc;
}

char *cdp_errors(cdp_t *c)
{
	watch(c);
	/* Let events already sent arrive: a cheap round trip reads them. */
	cJSON_Delete(call(c, "Runtime.evaluate", cJSON_Parse("{\"expression\":\"1\"}"), true, 5000));
	char *out = c->errors ? c->errors : strdup("");
	c->errors = NULL;
	c->errors_len = 0;
	return out;
}
