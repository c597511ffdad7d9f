/*
 * svg.c — inline SVG charts (see svg.h).
 */
#include "server/pages/svg.h"

#include <string.h>

#include "server/pages/pages.h"

/* Chart geometry in SVG user units; the viewBox scales it to the page. */
enum { FLOW_W = 640, FLOW_H = 260, FLOW_L = 44, FLOW_R = 16, FLOW_T = 16, FLOW_B = 34 };
/* Bars: rows tall enough for 16-unit labels, which stay at least 13 px on
 * screen down to the 340 px a phone or a third of the page gives a chart. */
enum { BAR_W = 420, BAR_ROW = 26, BAR_LABEL = 160, BAR_VALUE = 40, BAR_FONT = 16 };

static void flow_line(pw_buf_t *b, const int *v, size_t n, int top, const char *cls, const char *dash)
{
	/* Colours are inline so the chart reads right without the stylesheet;
	 * both pass 4.5:1 on white. */
	buf_printf(b, "<polyline class=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s points=\"", cls,
		   !strcmp(cls, "home") ? "#1d4ed8" : "#9a3412", dash);
	double span = FLOW_W - FLOW_L - FLOW_R, height = FLOW_H - FLOW_T - FLOW_B;
	for (size_t i = 0; i < n; i++) {
		double x = FLOW_L + (n > 1 ? span * (double)i / (double)(n - 1) : 0);
		double y = FLOW_T + height - height * (double)v[i] / top;
		buf_printf(b, "%s%.1f,%.1f", i ? " " : "", x, y);
	}
	buf_puts(b, "\"/>\n");
}

void svg_score_flow(pw_buf_t *b, const pw_svg_flow_t *f)
{
	const char *home = f->home_name ? f->home_name : "Home";
	const char *away = f->away_name ? f->away_name : "Away";
	int fh = f->n ? f->home[f->n - 1] : 0, fa = f->n ? f->away[f->n - 1] : 0;
	int top = f->elam_target;
	for (size_t i = 0; i < f->n; i++) {
		if (f->home[i] > top)
			top = f->home[i];
		if (f->away[i] > top)
			top = f->away[i];
	}
	if (top < 10)
		top = 10;
	top += top / 10; /* headroom above the highest score */

	buf_puts(b, "<figure class=\"chart\">\n<svg class=\"score-flow\" viewBox=\"0 0 640 260\" role=\"img\" "
		    "font-size=\"12\" fill=\"#222\" aria-labelledby=\"");
	pages_escape(b, f->id);
	buf_puts(b, "-t ");
	pages_escape(b, f->id);
	buf_puts(b, "-d\" xmlns=\"http://www.w3.org/2000/svg\">\n<title id=\"");
	pages_escape(b, f->id);
	buf_puts(b, "-t\">Score flow</title>\n<desc id=\"");
	pages_escape(b, f->id);
	buf_puts(b, "-d\">");
	if (!f->n) {
		buf_puts(b, "No plays were recorded for this game.");
	} else {
		pages_escape(b, home);
		buf_printf(b, " %d, ", fh);
		pages_escape(b, away);
		buf_printf(b, " %d after %zu plays.", fa, f->n);
		if (f->elam_target)
			buf_printf(b, " Elam target %d.", f->elam_target);
	}
	buf_puts(b, "</desc>\n");
	/* Axes and the zero and top grid lines with their values. */
	int y0 = FLOW_H - FLOW_B;
	buf_printf(b, "<line class=\"axis\" stroke=\"#555\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>\n", FLOW_L, FLOW_T, FLOW_L, y0);
	buf_printf(b, "<line class=\"axis\" stroke=\"#555\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>\n", FLOW_L, y0, FLOW_W - FLOW_R,
		   y0);
	buf_printf(b, "<text class=\"tick\" x=\"%d\" y=\"%d\" text-anchor=\"end\">0</text>\n", FLOW_L - 6, y0 + 4);
	buf_printf(b, "<text class=\"tick\" x=\"%d\" y=\"%d\" text-anchor=\"end\">%d</text>\n", FLOW_L - 6,
		   FLOW_T + 4, top);
	buf_printf(b, "<text class=\"tick\" x=\"%d\" y=\"%d\" text-anchor=\"middle\">plays</text>\n",
		   (FLOW_W + FLOW_L) / 2, FLOW_H - 8);
	if (!f->n) {
		buf_printf(b, "<text class=\"empty\" x=\"%d\" y=\"%d\" text-anchor=\"middle\">No plays</text>\n",
			   FLOW_W / 2, FLOW_H / 2);
	} else {
		if (f->elam_target) {
			double height = FLOW_H - FLOW_T - FLOW_B;
			double y = FLOW_T + height - height * f->elam_target / top;
			buf_printf(b, "<line class=\"elam\" stroke=\"#b91c1c\" stroke-width=\"2\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" "
				      "stroke-dasharray=\"2 4\"/>\n", FLOW_L, y, FLOW_W - FLOW_R, y);
			buf_printf(b, "<text class=\"tick\" x=\"%d\" y=\"%.1f\" text-anchor=\"end\">Elam target %d</text>\n",
				   FLOW_W - FLOW_R, y - 4, f->elam_target);
		}
		flow_line(b, f->home, f->n, top, "home", "");
		flow_line(b, f->away, f->n, top, "away", " stroke-dasharray=\"6 4\"");
	}
	buf_puts(b, "</svg>\n<figcaption>Score flow: <span class=\"key home\">solid</span> ");
	pages_escape(b, home);
	buf_printf(b, " (%d), <span class=\"key away\">dashed</span> ", fh);
	pages_escape(b, away);
	buf_printf(b, " (%d)", fa);
	if (f->elam_target)
		buf_printf(b, ", dotted line the Elam target (%d)", f->elam_target);
	buf_puts(b, ".</figcaption>\n</figure>\n");
}

void svg_bars(pw_buf_t *b, const char *id, const char *title, const pw_svg_bar_t *bars, size_t n,
	      double max)
{
	if (max <= 0)
		max = 1;
	int h = (int)n * BAR_ROW + 8;
	buf_printf(b, "<figure class=\"chart bars-chart\">\n<svg class=\"bars\" viewBox=\"0 0 %d %d\" role=\"img\" "
		      "font-size=\"%d\" fill=\"#222\" aria-labelledby=\"", BAR_W, h, BAR_FONT);
	pages_escape(b, id);
	buf_puts(b, "-t ");
	pages_escape(b, id);
	buf_puts(b, "-d\" xmlns=\"http://www.w3.org/2000/svg\">\n<title id=\"");
	pages_escape(b, id);
	buf_puts(b, "-t\">");
	pages_escape(b, title);
	buf_puts(b, "</title>\n<desc id=\"");
	pages_escape(b, id);
	buf_puts(b, "-d\">");
	for (size_t i = 0; i < n; i++) {
		pages_escape(b, bars[i].label);
		buf_printf(b, " %.0f%s", bars[i].value, i + 1 < n ? ", " : ".");
	}
	buf_puts(b, "</desc>\n");
	double span = BAR_W - BAR_LABEL - BAR_VALUE;
	for (size_t i = 0; i < n; i++) {
		double v = bars[i].value < 0 ? 0 : bars[i].value > max ? max : bars[i].value;
		int y = 4 + (int)i * BAR_ROW;
		buf_printf(b, "<text class=\"label\" x=\"%d\" y=\"%d\" text-anchor=\"end\">", BAR_LABEL - 6, y + 18);
		pages_escape(b, bars[i].label);
		buf_printf(b, "</text><rect class=\"bar\" fill=\"#1d4ed8\" x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\"/>"
			      "<text class=\"value\" x=\"%.1f\" y=\"%d\">%.0f</text>\n",
			   BAR_LABEL, y + 4, span * v / max, BAR_ROW - 8, BAR_LABEL + span * v / max + 4, y + 18,
			   bars[i].value);
	}
	buf_puts(b, "</svg>\n<figcaption>");
	pages_escape(b, title);
	buf_printf(b, " (scale 0–%.0f).</figcaption>\n</figure>\n", max);
}
