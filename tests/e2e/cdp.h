/*
 * cdp.h — a tiny headless-Chromium driver over the DevTools protocol on a
 * pipe (--remote-debugging-pipe: commands on the browser's fd 3, answers on
 * its fd 4, each a JSON text ending in NUL). Enough to open a page,
 * evaluate expressions in it and take a screenshot.
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
	char *errors;      /* console errors and failed loads seen (cdp_errors) */
	size_t errors_len;
	char watched[128]; /* the session whose Log/Runtime/Page events are on */
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

/* ---- for walking through pages (the governors' journey) ---- */

/* Emulates a window width x height CSS pixels (mobile: a phone's touch
 * and viewport behaviour) for the attached page. 0 or -1. */
int cdp_viewport(cdp_t *c, int width, int height, bool mobile);
/* Loads url in the attached page and waits until it has loaded. 0 or -1. */
int cdp_navigate(cdp_t *c, const char *url);
/* Evaluates expr until it gives true (then 0) or timeout_ms passes (-1).
 * For waiting on a page a form submission loads, or on live updates. */
int cdp_wait(cdp_t *c, const char *expr, int timeout_ms);
/* Saves a PNG of the whole page, however long, at the emulated width. */
int cdp_screenshot_full(cdp_t *c, const char *path);
/* Messages the page logged to its console at level "error" and failed
 * loads (a 404 asset), since the page was attached: malloc'd, one a line,
 * "" when there were none. Reading clears them. */
char *cdp_errors(cdp_t *c);

#endif
