/*
 * pages.c — the layout and escaping shared by every page (see pages.h).
 */
#include "server/pages/pages.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "server/api/api_util.h"
#include "server/http/http_server.h"
#include "server/pages/pages_session.h"

void pages_escape_n(pw_buf_t *b, const char *s, size_t n)
{
	if (!s)
		return;
	size_t i = 0;
	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		const char *rep = NULL;
		switch (c) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		default: break;
		}
		if (rep) {
			buf_puts(b, rep);
			i++;
			continue;
		}
		if (c < 0x80) {
			if (c < 0x20 && c != '\t' && c != '\n')
				buf_puts(b, "\xef\xbf\xbd");
			else if (c == 0x7f)
				buf_puts(b, "\xef\xbf\xbd");
			else
				buf_append(b, &c, 1);
			i++;
			continue;
		}
		/* Copy a whole valid UTF-8 sequence, or one replacement char. */
		size_t len = (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
		if (len && i + len <= n && api_utf8_valid(s + i, len)) {
			buf_append(b, s + i, len);
			i += len;
		} else {
			buf_puts(b, "\xef\xbf\xbd");
			i++;
		}
	}
}

void pages_escape(pw_buf_t *b, const char *s)
{
	if (s)
		pages_escape_n(b, s, strlen(s));
}

static const struct {
	const char *key, *href, *label;
} nav[] = {
	{"home", "/", "Home"},
	{"arena", "/arena", "Arena"},
	{"standings", "/standings", "Standings"},
	{"schedule", "/schedule", "Schedule"},
	{"playoffs", "/playoffs", "Playoffs"},
	{"rules", "/rules", "Rules"},
	{"governance", "/governance", "Governance"},
	{"effects", "/effects", "Effects"},
	{"reports", "/reports", "Reports"},
	{"history", "/history", "History"},
};

void pages_begin(pw_buf_t *b, const char *title, const char *active)
{
	buf_puts(b, "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
		    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>");
	pages_escape(b, title);
	/* The icon is named here so browsers do not ask for /favicon.ico (a
	 * 404 on every page otherwise). */
	buf_puts(b, " · Pinwheel Fates</title>\n<link rel=\"stylesheet\" href=\"/static/style.css\">\n"
		    "<link rel=\"stylesheet\" href=\"/static/gov.css\">\n"
		    "<link rel=\"icon\" href=\"/static/favicon.svg\" type=\"image/svg+xml\">\n"
		    "</head>\n<body>\n<a class=\"skip\" href=\"#main\">Skip to content</a>\n"
		    "<header class=\"site\"><a class=\"brand\" href=\"/\">Pinwheel Fates</a>\n"
		    "<nav aria-label=\"Main\"><ul>");
	for (size_t i = 0; i < sizeof nav / sizeof nav[0]; i++) {
		bool on = active && !strcmp(active, nav[i].key);
		buf_printf(b, "<li><a href=\"%s\"%s>%s</a></li>", nav[i].href,
			   on ? " aria-current=\"page\"" : "", nav[i].label);
	}
	/* The account part (who is signed in, tokens) is per request: the
	 * dispatcher fills the slot (server/pages/pages_session.h). */
	buf_puts(b, "</ul></nav>" PAGES_ACCOUNT_SLOT "</header>\n<main id=\"main\">\n");
}

void pages_end(pw_buf_t *b)
{
	buf_puts(b, "</main>\n<footer class=\"site\"><p>Pinwheel Fates — a 3-on-3 league whose rules its "
		    "players write. <a href=\"/admin\">Admin</a></p></footer>\n</body>\n</html>\n");
}

int pages_finish(pw_response_t *res, pw_buf_t *b, int status)
{
	pages_end(b);
	resp_html(res, status, b);
	resp_header(res, "Cache-Control", "no-cache");
	return HTTP_HANDLED;
}

int pages_not_found(pw_response_t *res, const char *what)
{
	pw_buf_t b = {0};
	pages_begin(&b, "Not found", NULL);
	buf_puts(&b, "<h1>Not found</h1>\n<p>No such ");
	pages_escape(&b, what);
	buf_puts(&b, ". <a href=\"/\">Back to the league</a>.</p>\n");
	return pages_finish(res, &b, 404);
}

double pages_num(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsNumber(v) ? v->valuedouble : cJSON_IsTrue(v) ? 1 : 0;
}

int64_t pages_id(const cJSON *o, const char *key)
{
	return (int64_t)pages_num(o, key);
}

const char *pages_str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

void pages_rule_name(pw_buf_t *b, const pw_rule_def_t *d)
{
	char words[96];
	rules_words(d, words, sizeof words);
	pages_escape(b, words);
}

void pages_words_text(const char *ident, char *out, size_t len)
{
	size_t i = 0;
	if (ident && !strcmp(ident, "iq"))
		ident = "IQ";
	for (const char *c = ident ? ident : ""; *c && i + 1 < len; c++, i++) {
		char ch = *c == '_' ? ' ' : *c;
		out[i] = i == 0 && ch >= 'a' && ch <= 'z' ? (char)(ch - 'a' + 'A') : ch;
	}
	if (len)
		out[i] = '\0';
}

void pages_words(pw_buf_t *b, const char *ident)
{
	char words[96];
	pages_words_text(ident, words, sizeof words);
	pages_escape(b, words);
}

void pages_rule_value(const pw_rule_def_t *d, double v, char *out, size_t len)
{
	if (d->type == PW_RULE_BOOL)
		snprintf(out, len, "%s", v != 0 ? "on" : "off");
	else
		rules_format(d, v, out, len);
}

void pages_count(pw_buf_t *b, long n, const char *one, const char *many)
{
	buf_printf(b, "%ld %s", n, n == 1 ? one : many);
}

void pages_table_open(pw_buf_t *b, const char *cls, const char *caption)
{
	buf_puts(b, "<div class=\"table-scroll\" role=\"region\" tabindex=\"0\" aria-label=\"");
	pages_escape(b, caption);
	buf_puts(b, "\"><table");
	if (cls && *cls) {
		buf_puts(b, " class=\"");
		pages_escape(b, cls);
		buf_puts(b, "\"");
	}
	buf_puts(b, "><caption>");
	pages_escape(b, caption);
	buf_puts(b, "</caption>\n");
}

void pages_table_close(pw_buf_t *b)
{
	buf_puts(b, "</table></div>\n");
}

void pages_game_label(const char *stage, const char *series, int series_game, char *out, size_t len)
{
	if (!stage || strcmp(stage, "playoff") || !series || !*series) {
		snprintf(out, len, "Regular season");
		return;
	}
	/* Series ids are the bracket's: QF1..QF4, SF1, SF2, F. */
	const char *kind = series[0] == 'F' ? "Final" : !strncmp(series, "SF", 2) ? "Semifinal"
			   : !strncmp(series, "QF", 2) ? "Quarterfinal" : "Playoffs";
	const char *num = series[0] == 'F' ? "" : series + strcspn(series, "0123456789");
	if (series_game > 0)
		snprintf(out, len, "%s%s%s, game %d", kind, *num ? " " : "", num, series_game);
	else
		snprintf(out, len, "%s%s%s", kind, *num ? " " : "", num);
}

const char *pages_team_name(const cJSON *teams, int64_t id)
{
	const cJSON *t;
	cJSON_ArrayForEach(t, teams)
		if (pages_id(t, "id") == id)
			return pages_str(t, "name");
	return NULL;
}

void pages_team_link(pw_buf_t *b, const cJSON *teams, int64_t id)
{
	const char *name = pages_team_name(teams, id);
	if (!name) {
		buf_printf(b, "Team %lld", (long long)id);
		return;
	}
	buf_printf(b, "<a href=\"/teams/%lld\">", (long long)id);
	pages_escape(b, name);
	buf_puts(b, "</a>");
}

/* ---- Lua highlighting ---- */

static bool lua_keyword(const char *s, size_t n)
{
	static const char *const kw[] = {"and", "break", "do", "else", "elseif", "end", "false", "for",
					  "function", "goto", "if", "in", "local", "nil", "not", "or",
					  "repeat", "return", "then", "true", "until", "while"};
	for (size_t i = 0; i < sizeof kw / sizeof kw[0]; i++)
		if (strlen(kw[i]) == n && !memcmp(kw[i], s, n))
			return true;
	return false;
}

/* Length of a long bracket opener "[==[" at s (level in *level), or 0. */
static size_t long_open(const char *s, int *level)
{
	if (s[0] != '[')
		return 0;
	size_t i = 1;
	while (s[i] == '=')
		i++;
	if (s[i] != '[')
		return 0;
	*level = (int)(i - 1);
	return i + 1;
}

/* Length of the long-bracket body from s through its closer (or to the end). */
static size_t long_body(const char *s, int level)
{
	for (size_t i = 0; s[i]; i++) {
		if (s[i] != ']')
			continue;
		size_t j = i + 1;
		int l = 0;
		while (s[j] == '=') {
			j++;
			l++;
		}
		if (l == level && s[j] == ']')
			return j + 1;
	}
	return strlen(s);
}

static void span(pw_buf_t *b, const char *cls, const char *s, size_t n)
{
	buf_printf(b, "<span class=\"%s\">", cls);
	pages_escape_n(b, s, n);
	buf_puts(b, "</span>");
}

void pages_lua_highlight(pw_buf_t *b, const char *src)
{
	const char *p = src ? src : "";
	while (*p) {
		int level;
		size_t n;
		if (p[0] == '-' && p[1] == '-') {
			size_t o = long_open(p + 2, &level);
			n = o ? 2 + o + long_body(p + 2 + o, level) : strcspn(p, "\n");
			span(b, "lua-com", p, n);
		} else if ((n = long_open(p, &level)) > 0) {
			n += long_body(p + n, level);
			span(b, "lua-str", p, n);
		} else if (*p == '"' || *p == '\'') {
			n = 1;
			while (p[n] && p[n] != *p && p[n] != '\n')
				n += (p[n] == '\\' && p[n + 1]) ? 2 : 1;
			if (p[n] == *p)
				n++;
			span(b, "lua-str", p, n);
		} else if ((*p >= '0' && *p <= '9') || (*p == '.' && p[1] >= '0' && p[1] <= '9')) {
			n = 0;
			while ((p[n] >= '0' && p[n] <= '9') || p[n] == '.' || p[n] == 'x' || p[n] == 'X' ||
			       (p[n] >= 'a' && p[n] <= 'f') || (p[n] >= 'A' && p[n] <= 'F'))
				n++;
			span(b, "lua-num", p, n);
		} else if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '_') {
			n = 0;
			while ((p[n] >= 'a' && p[n] <= 'z') || (p[n] >= 'A' && p[n] <= 'Z') || p[n] == '_' ||
			       (p[n] >= '0' && p[n] <= '9'))
				n++;
			if (lua_keyword(p, n))
				span(b, "lua-kw", p, n);
			else
				pages_escape_n(b, p, n);
		} else {
			/* Copy up to the next interesting byte; escaping keeps UTF-8 whole. */
			n = 1;
			while (p[n] && !strchr("-[\"'_", p[n]) && !((p[n] >= 'a' && p[n] <= 'z') ||
			       (p[n] >= 'A' && p[n] <= 'Z') || (p[n] >= '0' && p[n] <= '9')))
				n++;
			pages_escape_n(b, p, n);
		}
		p += n;
	}
}
