/*
 * chart.h - a bar chart of visits per day, drawn on the server as
 * inline SVG for the admin page: no script, no style attributes, every
 * number an integer or a fixed decimal, text escaped by html_escape().
 */
#ifndef KZ_CHART_H
#define KZ_CHART_H

#include <stddef.h>
#include <stdint.h>

struct arena;

/* The most days one chart draws: ten years, as the stats API serves. */
#define CHART_DAYS_MAX		3660
/* The last day a date can name: 9999-12-31, in days since the epoch. */
#define CHART_DAY_LAST		2932896

/* The drawing, in viewBox units: the plot and the margins round it. */
#define CHART_PLOT_W		720
#define CHART_PLOT_H		200
#define CHART_LEFT		48	/* room for the y labels */
#define CHART_TOP		10
#define CHART_BOTTOM		24	/* room for the x labels */
#define CHART_RIGHT		8
#define CHART_W		(CHART_LEFT + CHART_PLOT_W + CHART_RIGHT)
#define CHART_H		(CHART_TOP + CHART_PLOT_H + CHART_BOTTOM)

/*
 * An <svg id="chart" class="chart" role="img" aria-label="label"> element
 * in a (no XML declaration: it goes inside an HTML page) with one
 * <rect class="bar" data-day="YYYY-MM-DD" data-visits="N"> per day, each
 * holding a <title> "YYYY-MM-DD: N visits". visits[i] is the count of
 * day day0 + i (days since 1970-01-01, UTC); negative counts are drawn
 * as 0. The tallest bar fills the plot height and the others are in
 * proportion, a non-zero one at least one unit tall; a day without
 * visits is a bar of height 0 on the baseline. The y axis is labelled 0
 * and the maximum (rounded when large: "12k"), the x axis with the
 * first, middle and last dates as MM-DD. label is plain text, escaped
 * here; NULL is "". The length goes to *len when len is not NULL. NULL
 * when ndays is 0 or past CHART_DAYS_MAX, visits is NULL, or a day falls
 * outside 1970-01-01 to 9999-12-31.
 */
char		*chart_days_svg(struct arena *, const int64_t *visits,
		    size_t ndays, int64_t day0, const char *label,
		    size_t *len);

#endif
