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

#endif
