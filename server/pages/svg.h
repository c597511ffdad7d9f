/*
 * svg.h — the charts the pages draw, as inline SVG built on the server (no
 * script, no build step). Every chart is a <figure> whose <svg> carries
 * role="img" with a <title> and <desc>, and whose <figcaption> says in
 * words what the picture shows, so the chart is never the only way to the
 * data. Labels go through pages_escape.
 */
#ifndef PW_SVG_H
#define PW_SVG_H

#include <stddef.h>

#include "server/http/rcbuf.h"

/* A game's score over its plays: home[i], away[i] after play i. */
typedef struct pw_svg_flow {
	const int *home, *away;
	size_t n;              /* 0: a game without plays (drawn as empty) */
	int elam_target;       /* 0: the Elam period was never reached */
	const char *home_name, *away_name;
	const char *id;        /* unique id prefix for aria references */
} pw_svg_flow_t;

/* Appends the score-flow chart: both scores as lines over the plays (home
 * solid, away dashed, so colour is not the only cue) and the Elam target as
 * a dotted horizontal line. */
void svg_score_flow(pw_buf_t *b, const pw_svg_flow_t *f);

/* One labelled bar of a bar chart. */
typedef struct pw_svg_bar {
	const char *label;
	double value;
} pw_svg_bar_t;

/* Appends a horizontal bar chart of n bars on a 0..max scale (an attribute
 * chart); title names it, id makes its aria references unique. */
void svg_bars(pw_buf_t *b, const char *id, const char *title, const pw_svg_bar_t *bars, size_t n,
	      double max);

#endif
