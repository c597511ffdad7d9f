/*
 * cdp.h — a tiny headless-Chromium driver over the DevTools protocol on a
 * pipe (--remote-debugging-pipe: commands on the browser's fd 3, answers on
 * its fd 4, each a JSON text ending in NUL). Enough to open a page,
 * evaluate expressions in it, take screenshots at a given viewport, and
 * record what a visitor's console would show (errors, missing assets).
 */
#ifndef PW_CDP_H
#define PW_CDP_H

#include <stdbool.h>
#include <sys/types.h>

struct cJSON;

typedef struct cdp {
	pid_t pid;
	int to, from;      /* our ends of the pipes */
	int next_id;
	char session[128];
	char *buf;         /* unread bytes from the browser */
	size_t len, cap;
	/* What the watched tab reported going wrong (cdp_watch), one line each. */
	char *problems;
	size_t plen;
	bool loaded;       /* Page.loadEventFired since the last cdp_goto */
} cdp_t;

/* True when a chromium binary is installed. */
bool cdp_available(void);
/* Starts headless Chromium with a fresh profile under dir. 0 or -1. */
int cdp_start(cdp_t *c, const char *dir);
/* Opens url in a new tab and attaches to it. 0 or -1. */
int cdp_open(cdp_t *c, const char *url);
/* Evaluates a JS expression in the page; its value as a malloc'd string
 * (JSON for non-strings), or NULL. */
char *cdp_eval(cdp_t *c, const char *expr);
/* Saves a PNG screenshot of the page. 0 or -1. */
int cdp_screenshot(cdp_t *c, const char *path);
void cdp_stop(cdp_t *c);

/* ---- pages as a visitor meets them ---- */

/* Opens a blank tab and watches it: from now on every console error,
 * uncaught exception, failed load and HTTP answer of 400 or more (a
 * missing asset) is recorded for cdp_problems. 0 or -1. */
int cdp_watch(cdp_t *c);
/* Makes the tab width x height CSS pixels (mobile: a phone's touch
 * viewport). 0 or -1. */
int cdp_viewport(cdp_t *c, int width, int height, bool mobile);
/* Navigates the tab and waits for its load event. 0 or -1. */
int cdp_goto(cdp_t *c, const char *url, int timeout_ms);
/* Waits ms while recording what the tab reports. */
void cdp_pump(cdp_t *c, int ms);
/* Evaluates expr until it gives true (then 0) or timeout_ms passes (-1):
 * for waiting on the page a form's submission loads, or on live updates. */
int cdp_wait(cdp_t *c, const char *expr, int timeout_ms);
/* Saves a PNG of the whole page, beyond the viewport. 0 or -1. */
int cdp_screenshot_full(cdp_t *c, const char *path);
/* The problems recorded since the last call, one per line ("" for none;
 * malloc'd), and forgets them. */
char *cdp_problems(cdp_t *c);

#endif
