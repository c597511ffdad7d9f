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

static void problem(cdp_t *c, const char *what, const char *detail)
{
	size_t n = strlen(what) + strlen(detail ? detail : "") + 4;
	char *p = realloc(c->problems, c->plen + n + 1);
	if (!p)
		return;
	c->problems = p;
	c->plen += (size_t)snprintf(p + c->plen, n + 1, "%s: %s\n", what, detail ? detail : "");
}

/* An event of the watched tab: what a visitor's console would show as
 * wrong is recorded, the load event noted; the rest is ignored. */
static void on_event(cdp_t *c, const cJSON *m)
{
	const char *method = cJSON_GetStringValue(cJSON_GetObjectItem(m, "method"));
	const cJSON *p = cJSON_GetObjectItem(m, "params");
	if (!method)
		return;
	if (!strcmp(method, "Page.loadEventFired")) {
		c->loaded = true;
	} else if (!strcmp(method, "Runtime.exceptionThrown")) {
		const cJSON *d = cJSON_GetObjectItem(p, "exceptionDetails");
		const cJSON *ex = cJSON_GetObjectItem(d, "exception");
		const char *t = cJSON_GetStringValue(cJSON_GetObjectItem(ex, "description"));
		problem(c, "exception", t ? t : cJSON_GetStringValue(cJSON_GetObjectItem(d, "text")));
	} else if (!strcmp(method, "Runtime.consoleAPICalled")) {
		const char *type = cJSON_GetStringValue(cJSON_GetObjectItem(p, "type"));
		const cJSON *a0 = cJSON_GetArrayItem(cJSON_GetObjectItem(p, "args"), 0);
		if (type && (!strcmp(type, "error") || !strcmp(type, "assert")))
			problem(c, "console.error", cJSON_GetStringValue(cJSON_GetObjectItem(a0, "value")));
	} else if (!strcmp(method, "Log.entryAdded")) {
		const cJSON *e = cJSON_GetObjectItem(p, "entry");
		const char *level = cJSON_GetStringValue(cJSON_GetObjectItem(e, "level"));
		if (level && !strcmp(level, "error"))
			problem(c, "log", cJSON_GetStringValue(cJSON_GetObjectItem(e, "text")));
	} else if (!strcmp(method, "Network.loadingFailed")) {
		const char *err = cJSON_GetStringValue(cJSON_GetObjectItem(p, "errorText"));
		/* A stream the page closes when it leaves is no failure. */
		if (err && strcmp(err, "net::ERR_ABORTED"))
			problem(c, "load failed", err);
	} else if (!strcmp(method, "Network.responseReceived")) {
		const cJSON *r = cJSON_GetObjectItem(p, "response");
		double st = cJSON_GetNumberValue(cJSON_GetObjectItem(r, "status"));
		if (st >= 400) {
			char what[32];
			snprintf(what, sizeof what, "HTTP %.0f", st);
			problem(c, what, cJSON_GetStringValue(cJSON_GetObjectItem(r, "url")));
		}
	}
}

/* Reads what the browser sent until the answer to id (0: none wanted)
 * arrives or timeout_ms passes; events go to on_event. Returns the
 * answer's "result", or NULL. */
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
			if (id && cJSON_IsNumber(mid) && mid->valueint == id) {
				cJSON *res = cJSON_DetachItemFromObject(m, "result");
				cJSON_Delete(m);
				return res;
			}
			if (!mid)
				on_event(c, m);
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

static int screenshot(cdp_t *c, const char *path, bool full)
{
	cJSON *p = cJSON_CreateObject();
	cJSON_AddStringToObject(p, "format", "png");
	if (full) {
		/* The whole document: as wide as its content (a page wider
		 * than the screen shows as such) and as tall, up to 16000 px. */
		cJSON *m = call(c, "Page.getLayoutMetrics", NULL, true, 15000);
		const cJSON *size = cJSON_GetObjectItem(m, "cssContentSize");
		double w = cJSON_GetNumberValue(cJSON_GetObjectItem(size, "width"));
		double h = cJSON_GetNumberValue(cJSON_GetObjectItem(size, "height"));
		if (w > 0 && h > 0) {
			cJSON *clip = cJSON_AddObjectToObject(p, "clip");
			cJSON_AddNumberToObject(clip, "x", 0);
			cJSON_AddNumberToObject(clip, "y", 0);
			cJSON_AddNumberToObject(clip, "width", w);
			cJSON_AddNumberToObject(clip, "height", h > 16000 ? 16000 : h);
			cJSON_AddNumberToObject(clip, "scale", 1);
			cJSON_AddBoolToObject(p, "captureBeyondViewport", true);
		}
		cJSON_Delete(m);
	}
	cJSON *r = call(c, "Page.captureScreenshot", p, true, 30000);
	const char *data = cJSON_GetStringValue(cJSON_GetObjectItem(r, "data"));
	int rc = -1;
	FILE *f = data ? fopen(path, "wb") : NULL;
	if (f) {
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
		fclose(f);
		rc = 0;
	}
	cJSON_Delete(r);
	return rc;
}

int cdp_screenshot(cdp_t *c, const char *path)
{
	return screenshot(c, path, false);
}

int cdp_screenshot_full(cdp_t *c, const char *path)
{
	return screenshot(c, path, true);
}

void cdp_pump(cdp_t *c, int ms)
{
	cJSON_Delete(wait_result(c, 0, ms));
}

static bool ok_call(cdp_t *c, const char *method, cJSON *params)
{
	cJSON *r = call(c, method, params, true, 15000);
	bool ok = r != NULL;
	cJSON_Delete(r);
	return ok;
}

int cdp_watch(cdp_t *c)
{
	if (cdp_open(c, "about:blank") < 0)
		return -1;
	return ok_call(c, "Page.enable", NULL) && ok_call(c, "Runtime.enable", NULL) &&
	       ok_call(c, "Log.enable", NULL) && ok_call(c, "Network.enable", NULL) ? 0 : -1;
}

int cdp_viewport(cdp_t *c, int width, int height, bool mobile)
{
	cJSON *p = cJSON_CreateObject();
	cJSON_AddNumberToObject(p, "width", width);
	cJSON_AddNumberToObject(p, "height", height);
	cJSON_AddNumberToObject(p, "deviceScaleFactor", 1);
	cJSON_AddBoolToObject(p, "mobile", mobile);
	return ok_call(c, "Emulation.setDeviceMetricsOverride", p) ? 0 : -1;
}

int cdp_goto(cdp_t *c, const char *url, int timeout_ms)
{
	c->loaded = false;
	cJSON *p = cJSON_CreateObject();
	cJSON_AddStringToObject(p, "url", url);
	if (!ok_call(c, "Page.navigate", p))
		return -1;
	long long deadline = now_ms() + timeout_ms;
	while (!c->loaded && now_ms() < deadline)
		cdp_pump(c, 100);
	return c->loaded ? 0 : -1;
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
		cdp_pump(c, 50);
	}
}

char *cdp_problems(cdp_t *c)
{
	char *p = c->problems ? c->problems : strdup("");
	c->problems = NULL;
	c->plen = 0;
	return p;
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
	free(c->problems);
	memset(c, 0, sizeof *c);
}
