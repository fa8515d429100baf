/*
 * chart.c - visits per day as an SVG bar chart. Drawn twice: once to
 * count the bytes, once into an arena block of exactly that size, so
 * that a ten-year chart takes no more memory than its text.
 */
#include "config.h"

#include <assert.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "arena.h"
#include "chart.h"
#include "html.h"
#include "kz.h"
#include "valid.h"

/* A bar's share of its slot, in percent, and its widest, in units. */
#define CHART_BAR_PCT		80
#define CHART_BAR_MAXW		40
/* Where the x labels' baseline sits below the plot. */
#define CHART_XLABEL_DY		16

/* Where the text goes: counted only while buf is NULL. */
struct chart_out {
	char	*buf;
	size_t	 len;
	size_t	 cap;	/* of buf, its NUL included */
};

static void KZ_PRINTF(2, 3)
chart_put(struct chart_out *o, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(o->buf != NULL ? o->buf + o->len : NULL,
	    o->buf != NULL ? o->cap - o->len : 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len += (size_t)n;
}

/* "YYYY-MM-DD" of day (days since the epoch, in range) into buf[11]. */
static void
chart_date(int64_t day, char *buf)
{
	char	t[VALID_TIME_LEN + 1];

	valid_time_format(day * 86400, t);
	memcpy(buf, t, 10);
	buf[10] = '\0';
}

/*
 * n as an axis label: exact below 1000, else to two or three figures
 * with a suffix ("1.2k", "12k", "123k", "1.2M"), rounded to nearest.
 */
static void
chart_round(int64_t n, char *buf, size_t size)
{
	static const char	 suffix[] = "kMGTPE";
	uint64_t		 v = (uint64_t)n, unit = 1000, t;
	size_t			 i;

	if (n < 1000) {
		snprintf(buf, size, "%lld", (long long)n);
		return;
	}
	for (i = 0; i < sizeof(suffix) - 1; i++, unit *= 1000) {
		/* Tenths of a unit, then whole units when there are ten. */
		t = v / (unit / 10) + (v % (unit / 10) >= unit / 20);
		if (t < 100) {
			snprintf(buf, size, "%llu.%llu%c",
			    (unsigned long long)(t / 10),
			    (unsigned long long)(t % 10), suffix[i]);
			return;
		}
		t = v / unit + (v % unit >= unit / 2);
		if (t < 1000 || i == sizeof(suffix) - 2) {
			snprintf(buf, size, "%llu%c", (unsigned long long)t,
			    suffix[i]);
			return;
		}
	}
}

/* Hundredths of a unit as a fixed decimal; v is never negative here. */
#define FX(v)		(long long)((v) / 100), (long long)((v) % 100)
#define FXF		"%lld.%02lld"

/* The left edge of bar i of ndays, in hundredths: centred in its slot. */
static int64_t
chart_bar_x(size_t i, size_t ndays, int64_t slot, int64_t w)
{
	return (int64_t)CHART_LEFT * 100 +
	    (int64_t)i * CHART_PLOT_W * 100 / (int64_t)ndays + (slot - w) / 2;
}

static void
chart_draw(struct chart_out *o, const int64_t *visits, size_t ndays,
    int64_t day0, const char *label)
{
	int64_t		 max = 0, v, x, w, h, slot, base;
	char		 date[11], top[32];
	size_t		 i, mid = ndays / 2;

	for (i = 0; i < ndays; i++)
		if (visits[i] > max)
			max = visits[i];
	base = (int64_t)(CHART_TOP + CHART_PLOT_H) * 100;
	slot = (int64_t)CHART_PLOT_W * 100 / (int64_t)ndays;
	w = slot * CHART_BAR_PCT / 100;
	if (w > CHART_BAR_MAXW * 100)
		w = CHART_BAR_MAXW * 100;

	chart_put(o, "<svg id=\"chart\" class=\"chart\" role=\"img\" "
	    "aria-label=\"%s\" viewBox=\"0 0 %d %d\" "
	    "font-family=\"sans-serif\" font-size=\"11\">\n",
	    label, CHART_W, CHART_H);
	chart_put(o, "<g class=\"bars\" fill=\"#3465a4\">\n");
	for (i = 0; i < ndays; i++) {
		v = visits[i] > 0 ? visits[i] : 0;
		/*
		 * In proportion to the tallest, which fills the plot. A
		 * double holds any realistic count exactly, and the ratio
		 * of the tallest to itself is exactly 1.
		 */
		h = v == 0 ? 0 :
		    (int64_t)((double)v / (double)max * CHART_PLOT_H * 100 +
		    0.5);
		/* One visit in a million must still show. */
		if (v > 0 && h < 100)
			h = 100;
		x = chart_bar_x(i, ndays, slot, w);
		chart_date(day0 + (int64_t)i, date);
		chart_put(o, "<rect class=\"bar\" data-day=\"%s\" "
		    "data-visits=\"%lld\" x=\"" FXF "\" y=\"" FXF "\" "
		    "width=\"" FXF "\" height=\"" FXF "\">"
		    "<title>%s: %lld visit%s</title></rect>\n",
		    date, (long long)v, FX(x), FX(base - h), FX(w), FX(h),
		    date, (long long)v, v == 1 ? "" : "s");
	}
	chart_put(o, "</g>\n");

	chart_put(o, "<g class=\"axis\" stroke=\"#888\">"
	    "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>"
	    "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/></g>\n",
	    CHART_LEFT, CHART_TOP + CHART_PLOT_H,
	    CHART_LEFT + CHART_PLOT_W, CHART_TOP + CHART_PLOT_H,
	    CHART_LEFT, CHART_TOP, CHART_LEFT, CHART_TOP + CHART_PLOT_H);

	chart_round(max, top, sizeof(top));
	chart_put(o, "<g class=\"labels\" fill=\"#444\">\n");
	chart_put(o, "<text class=\"y\" x=\"%d\" y=\"%d\" "
	    "text-anchor=\"end\">%s</text>\n",
	    CHART_LEFT - 4, CHART_TOP + 4, top);
	chart_put(o, "<text class=\"y\" x=\"%d\" y=\"%d\" "
	    "text-anchor=\"end\">0</text>\n",
	    CHART_LEFT - 4, CHART_TOP + CHART_PLOT_H + 4);
	for (i = 0; i < ndays; i++) {
		const char	*anchor;

		/* First, middle and last; one or two days have fewer. */
		if (i == 0)
			anchor = ndays == 1 ? "middle" : "start";
		else if (i == ndays - 1)
			anchor = "end";
		else if (i == mid)
			anchor = "middle";
		else
			continue;
		chart_date(day0 + (int64_t)i, date);
		/* Flush with the bar's edge at the ends, so as to stay inside. */
		x = chart_bar_x(i, ndays, slot, w);
		if (anchor[0] == 'm')
			x += w / 2;
		else if (anchor[0] == 'e')
			x += w;
		chart_put(o, "<text class=\"x\" x=\"" FXF "\" y=\"%d\" "
		    "text-anchor=\"%s\">%s</text>\n", FX(x),
		    CHART_TOP + CHART_PLOT_H + CHART_XLABEL_DY, anchor,
		    date + 5);
	}
	chart_put(o, "</g>\n</svg>\n");
}

char *
chart_days_svg(struct arena *a, const int64_t *visits, size_t ndays,
    int64_t day0, const char *label, size_t *len)
{
	struct chart_out	 o = { NULL, 0, 0 };
	const char		*l;

	if (visits == NULL || ndays == 0 || ndays > CHART_DAYS_MAX ||
	    day0 < 0 || day0 > CHART_DAY_LAST ||
	    (int64_t)ndays - 1 > CHART_DAY_LAST - day0)
		return NULL;
	l = html_escape(a, label);
	chart_draw(&o, visits, ndays, day0, l);
	o.cap = o.len + 1;
	o.buf = arena_alloc(a, o.cap);
	o.len = 0;
	chart_draw(&o, visits, ndays, day0, l);
	assert(o.len + 1 == o.cap);
	if (len != NULL)
		*len = o.len;
	return o.buf;
}
