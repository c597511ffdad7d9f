/*
 * pages.c — the layout and escaping shared by every page (see pages.h).
 */
#include "server/pages.h"

#include <string.h>

#include "server/api_util.h"

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
	buf_puts(b, " · Pinwheel Fates</title>\n<link rel=\"stylesheet\" href=\"/static/style.css\">\n"
		    "</head>\n<body>\n<a class=\"skip\" href=\"#main\">Skip to content</a>\n"
		    "<header class=\"site\"><a class=\"brand\" href=\"/\">Pinwheel Fates</a>\n"
		    "<nav aria-label=\"Main\"><ul>");
	for (size_t i = 0; i < sizeof nav / sizeof nav[0]; i++) {
		bool on = active && !strcmp(active, nav[i].key);
		buf_printf(b, "<li><a href=\"%s\"%s>%s</a></li>", nav[i].href,
			   on ? " aria-current=\"page\"" : "", nav[i].label);
	}
	buf_puts(b, "</ul></nav></header>\n<main id=\"main\">\n");
}

void pages_end(pw_buf_t *b)
{
	buf_puts(b, "</main>\n<footer class=\"site\"><p>Pinwheel Fates — a 3-on-3 league whose rules its "
		    "players write. <a href=\"/admin\">Admin</a></p></footer>\n</body>\n</html>\n");
}
