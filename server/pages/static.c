/*
 * static.c — files under /static/ from the static directory.
 *
 * Only names made of [A-Za-z0-9._-] segments (no segment starting with a
 * dot, so no "..", no hidden files), only extensions in a fixed MIME table,
 * only regular files whose real path stays inside the static root (a
 * symlink pointing out is refused), at most 2 MB each.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "server/app.h"
#include "server/cli/cli.h"

#define STATIC_MAX (2 * 1024 * 1024)

static const struct {
	const char *ext;
	const char *type;
} mime[] = {
	{".css", "text/css; charset=utf-8"},
	{".js", "text/javascript; charset=utf-8"},
	{".svg", "image/svg+xml"},
	{".png", "image/png"},
	{".ico", "image/x-icon"},
	{".txt", "text/plain; charset=utf-8"},
	{".woff2", "font/woff2"},
};

static const char *mime_of(const char *name)
{
	const char *dot = strrchr(name, '.');
	if (!dot)
		return NULL;
	for (size_t i = 0; i < sizeof mime / sizeof mime[0]; i++)
		if (!strcmp(dot, mime[i].ext))
			return mime[i].type;
	return NULL;
}

static bool safe_name(const char *s)
{
	if (!*s)
		return false;
	bool seg_start = true;
	for (const char *p = s; *p; p++) {
		char c = *p;
		if (c == '/') {
			if (seg_start)
				return false; /* empty segment */
			seg_start = true;
			continue;
		}
		if (seg_start && c == '.')
			return false;
		seg_start = false;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return false;
	}
	return !seg_start;
}

static int h_static(pw_app_t *app, pw_http_conn_t *c, const pw_http_request_t *req,
		    const pw_params_t *params, pw_response_t *res)
{
	static const char prefix[] = "/static/";
	char name[256];
	pw_str_t rest = {req->path.p + sizeof prefix - 1, req->path.n - (sizeof prefix - 1)};
	const char *type = NULL;
	if (!app->static_root[0] || http_pct_decode(rest, name, sizeof name, false) < 0 ||
	    !safe_name(name) || !(type = mime_of(name))) {
		resp_error(res, 404, "not_found", "No such static file.");
		return HTTP_HANDLED;
	}
	char path[PATH_MAX], real[PATH_MAX];
	if ((size_t)snprintf(path, sizeof path, "%s/%s", app->static_root, name) >= sizeof path ||
	    !realpath(path, real)) {
		resp_error(res, 404, "not_found", "No such static file.");
		return HTTP_HANDLED;
	}
	size_t rl = strlen(app->static_root);
	if (strncmp(real, app->static_root, rl) != 0 || real[rl] != '/') {
		resp_error(res, 404, "not_found", "No such static file.");
		return HTTP_HANDLED;
	}
	int fd = open(real, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > STATIC_MAX) {
		if (fd >= 0)
			close(fd);
		resp_error(res, 404, "not_found", "No such static file.");
		return HTTP_HANDLED;
	}
	if (!buf_reserve(&res->body, (size_t)st.st_size)) {
		close(fd);
		resp_error(res, 500, "out_of_memory", "The server ran out of memory.");
		return HTTP_HANDLED;
	}
	size_t got = 0;
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, res->body.data + got, (size_t)st.st_size - got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	res->body.len = got;
	res->body.data[got] = '\0';
	res->status = 200;
	res->content_type = type;
	resp_header(res, "Cache-Control", "public, max-age=300");
	return HTTP_HANDLED;
}

int static_routes(pw_app_t *app)
{
	const char *dir = app->cfg.static_dir;
	char real[PATH_MAX], guess[PATH_MAX];
	if (!dir) {
		cli_asset_dir("server/static", guess, sizeof guess);
		dir = guess;
	}
	if (realpath(dir, real)) {
		snprintf(app->static_root, sizeof app->static_root, "%s", real);
	} else {
		app->static_root[0] = '\0';
		log_event(&app->log, PW_LOG_WARN, "static.missing", "static directory %s not found; "
			  "pages will have no styles", dir);
	}
	/* Up to two levels of folders under /static/ (three path segments). */
	int r = 0;
	r |= app_route(app, "GET", "/static/{a}", h_static);
	r |= app_route(app, "GET", "/static/{a}/{b}", h_static);
	r |= app_route(app, "GET", "/static/{a}/{b}/{c}", h_static);
	return r ? -1 : 0;
}
