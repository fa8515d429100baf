/*
 * t_chart.c - the visits chart: one bar per day with the right date
 * across month and year ends, heights in proportion with the tallest
 * filling the plot, escaped text, no style.
 */
#include "config.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arena.h"
#include "chart.h"
#include "kz.h"

#include "tap.h"

#define BARS_MAX	CHART_DAYS_MAX

/* One <rect class="bar"> as read back from the SVG. */
struct bar {
	char		day[11];
	long long	visits;
	double		x, y, w, h;
	char		hs[32];		/* height as written */
	char		title[64];
};

/* The date of day by the C library, to check the chart's own. */
static void
libc_date(int64_t day, char *buf, size_t size)
{
	time_t		t = (time_t)(day * 86400);
	struct tm	tm;

	gmtime_r(&t, &tm);
	snprintf(buf, size, "%04d-%02d-%02d", tm.tm_year + 1900,
	    tm.tm_mon + 1, tm.tm_mday);
}

/* Days since the epoch of y-m-d by the C library. */
static int64_t
libc_day(int y, int m, int d)
{
	struct tm	tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	return (int64_t)timegm(&tm) / 86400;
}

/* Read the bars back; the count, or -1 when one is malformed. */
static int
bars(const char *svg, struct bar *b, int max)
{
	const char	*p = svg;
	int		 n = 0, k;

	while ((p = strstr(p, "<rect class=\"bar\"")) != NULL) {
		if (n == max)
			return -1;
		memset(&b[n], 0, sizeof(b[n]));
		if (sscanf(p, "<rect class=\"bar\" data-day=\"%10[0-9-]\" "
		    "data-visits=\"%lld\" x=\"%lf\" y=\"%lf\" width=\"%lf\" "
		    "height=\"%31[0-9.]\"><title>%63[^<]</title></rect>%n",
		    b[n].day, &b[n].visits, &b[n].x, &b[n].y, &b[n].w,
		    b[n].hs, b[n].title, &k) != 7)
			return -1;
		b[n].h = strtod(b[n].hs, NULL);
		p += k;
		n++;
	}
	return n;
}

static size_t
count(const char *s, const char *needle)
{
	size_t	n = 0;

	while ((s = strstr(s, needle)) != NULL) {
		n++;
		s += strlen(needle);
	}
	return n;
}

/* Dates across month, year and leap-day ends. */
static void
test_dates(struct arena *a)
{
	static const struct {
		int	y, m, d;
		size_t	n;
	} spans[] = {
		{ 1970, 1, 1, 3 },
		{ 2025, 12, 30, 4 },	/* into 2026 */
		{ 2024, 2, 27, 4 },	/* leap year: 02-29 */
		{ 2023, 2, 27, 3 },	/* not one */
		{ 2000, 2, 28, 2 },	/* divisible by 400: leap */
		{ 2100, 2, 28, 2 },	/* by 100: not */
		{ 2026, 4, 29, 3 },	/* a 30-day month */
		{ 2026, 1, 1, 365 },
		{ 2024, 1, 1, 366 },
		{ 9999, 12, 29, 3 },	/* the last days a date can name */
	};
	static struct bar	 b[BARS_MAX];
	int64_t			 visits[400], day0;
	char			 want[48], title[96];
	const char		*svg;
	size_t			 i, j;
	int			 n, ok;

	for (i = 0; i < KZ_ARRAY_SIZE(visits); i++)
		visits[i] = (int64_t)(i % 7);
	for (i = 0; i < KZ_ARRAY_SIZE(spans); i++) {
		day0 = libc_day(spans[i].y, spans[i].m, spans[i].d);
		svg = chart_days_svg(a, visits, spans[i].n, day0, "v", NULL);
		n = svg != NULL ? bars(svg, b, BARS_MAX) : -1;
		if (!tap_ok(n == (int)spans[i].n,
		    "%04d-%02d-%02d + %zu days: %zu bars", spans[i].y,
		    spans[i].m, spans[i].d, spans[i].n, spans[i].n))
			continue;
		ok = 1;
		for (j = 0; j < spans[i].n; j++) {
			libc_date(day0 + (int64_t)j, want, sizeof(want));
			snprintf(title, sizeof(title), "%s: %lld visit%s",
			    want, (long long)visits[j], visits[j] == 1 ? "" : "s");
			if (strcmp(b[j].day, want) != 0 ||
			    strcmp(b[j].title, title) != 0 ||
			    b[j].visits != visits[j]) {
				printf("#   bar %zu: %s \"%s\", want %s \"%s\"\n",
				    j, b[j].day, b[j].title, want, title);
				ok = 0;
				break;
			}
		}
		tap_ok(ok, "%04d-%02d-%02d + %zu days: data-day, data-visits and "
		    "title of each bar", spans[i].y, spans[i].m, spans[i].d,
		    spans[i].n);
	}
	tap_ok(libc_day(9999, 12, 31) == CHART_DAY_LAST,
	    "CHART_DAY_LAST is 9999-12-31");
}

static void
test_heights(struct arena *a)
{
	static const int64_t	 v[] = { 0, 1, 5, 10, 40, 7, 0, 3, 1000, 999,
	    500, 250, 2 };
	struct bar		 b[KZ_ARRAY_SIZE(v)];
	const char		*svg;
	size_t			 i, len = 0;
	double			 want, left = 0;
	int			 n, ok = 1, order = 1;

	svg = chart_days_svg(a, v, KZ_ARRAY_SIZE(v), libc_day(2026, 11, 1),
	    "Visits", &len);
	n = svg != NULL ? bars(svg, b, (int)KZ_ARRAY_SIZE(v)) : -1;
	tap_ok(svg != NULL && len == strlen(svg), "*len is the length");
	if (!tap_ok(n == (int)KZ_ARRAY_SIZE(v), "one bar per day, zeros too"))
		return;
	tap_str(b[8].hs, "200.00", "the tallest bar fills the plot height");
	for (i = 0; i < KZ_ARRAY_SIZE(v); i++) {
		want = (double)v[i] / 1000.0 * CHART_PLOT_H;
		if (v[i] > 0 && want < 1.0)
			want = 1.0;
		if (b[i].h < want - 0.006 || b[i].h > want + 0.006) {
			printf("#   bar %zu: height %s, want %.2f\n", i, b[i].hs,
			    want);
			ok = 0;
		}
		/* Standing on the baseline. */
		if (b[i].y + b[i].h < CHART_TOP + CHART_PLOT_H - 0.006 ||
		    b[i].y + b[i].h > CHART_TOP + CHART_PLOT_H + 0.006)
			ok = 0;
		if (b[i].x < left || b[i].w <= 0 ||
		    b[i].x + b[i].w > CHART_LEFT + CHART_PLOT_W)
			order = 0;
		left = b[i].x + b[i].w;
	}
	tap_ok(ok, "heights in proportion to visits, bars on the baseline");
	tap_ok(order, "bars left to right, not overlapping, inside the plot");
	tap_ok(b[0].h == 0 && strcmp(b[0].hs, "0.00") == 0,
	    "a day without visits has height 0");
	tap_ok(strcmp(b[1].hs, "1.00") == 0,
	    "one visit of a thousand is still one unit tall");
	tap_ok(strstr(svg, ">1.0k</text>") != NULL &&
	    strstr(svg, ">0</text>") != NULL, "y labels: 0 and the maximum");
	tap_ok(strstr(svg, ">11-01</text>") != NULL &&
	    strstr(svg, ">11-07</text>") != NULL &&
	    strstr(svg, ">11-13</text>") != NULL &&
	    count(svg, "<text class=\"x\"") == 3,
	    "x labels: first, middle and last date");
}

static void
test_flat(struct arena *a)
{
	static const int64_t	 zero[30], neg[3] = { -5, INT64_MIN, 0 };
	struct bar		 b[30];
	const char		*svg;
	int			 n, i, flat = 1;

	svg = chart_days_svg(a, zero, 30, libc_day(2026, 1, 1), "z", NULL);
	n = svg != NULL ? bars(svg, b, 30) : -1;
	for (i = 0; i < n; i++)
		if (strcmp(b[i].hs, "0.00") != 0)
			flat = 0;
	tap_ok(n == 30 && flat, "all zeros: 30 bars, all flat");
	tap_ok(svg != NULL && strstr(svg, "nan") == NULL &&
	    strstr(svg, "inf") == NULL, "all zeros: no division by zero");
	svg = chart_days_svg(a, neg, 3, 0, "n", NULL);
	n = svg != NULL ? bars(svg, b, 3) : -1;
	tap_ok(n == 3 && b[0].visits == 0 && b[1].visits == 0 &&
	    strcmp(b[1].hs, "0.00") == 0, "negative counts are drawn as 0");
}

static void
test_text(struct arena *a)
{
	static const struct {
		int64_t		 max;
		const char	*label;
	} rounds[] = {
		{ 7, ">7</text>" },
		{ 999, ">999</text>" },
		{ 1000, ">1.0k</text>" },
		{ 1250, ">1.3k</text>" },
		{ 12345, ">12k</text>" },
		{ 999499, ">999k</text>" },
		{ 999999, ">1.0M</text>" },
		{ 123456789, ">123M</text>" },
		{ INT64_MAX, ">9.2E</text>" },
	};
	int64_t		 v[2] = { 0, 0 };
	const char	*svg;
	size_t		 i;

	svg = chart_days_svg(a, v, 2, 0, "\"><script>alert(1)</script>", NULL);
	tap_ok(svg != NULL && strstr(svg, "<script") == NULL &&
	    strstr(svg, "aria-label=\"&quot;&gt;&lt;script&gt;alert(1)"
	    "&lt;/script&gt;\"") != NULL, "the label is escaped");
	tap_ok(svg != NULL && strncmp(svg, "<svg id=\"chart\" class=\"chart\" "
	    "role=\"img\" aria-label=\"", 52) == 0 &&
	    strstr(svg, "viewBox=\"0 0 776 234\"") != NULL &&
	    strstr(svg, "<?xml") == NULL, "an <svg> element for a page");
	tap_ok(svg != NULL && strstr(svg, "style") == NULL,
	    "no style attribute or element");
	svg = chart_days_svg(a, v, 2, 0, NULL, NULL);
	tap_ok(svg != NULL && strstr(svg, "aria-label=\"\"") != NULL,
	    "a NULL label is empty");

	for (i = 0; i < KZ_ARRAY_SIZE(rounds); i++) {
		v[1] = rounds[i].max;
		svg = chart_days_svg(a, v, 2, 0, "r", NULL);
		tap_ok(svg != NULL && strstr(svg, rounds[i].label) != NULL,
		    "y label of %" PRId64 ": %s", rounds[i].max,
		    rounds[i].label);
	}
}

static void
test_limits(struct arena *a)
{
	static int64_t	 v[CHART_DAYS_MAX + 1];
	static struct bar b[BARS_MAX];
	const char	*svg;
	size_t		 used;

	used = arena_used(a);
	tap_ok(chart_days_svg(a, v, 0, 0, "l", NULL) == NULL,
	    "no days: NULL");
	tap_ok(chart_days_svg(a, NULL, 3, 0, "l", NULL) == NULL,
	    "no visits: NULL");
	tap_ok(chart_days_svg(a, v, CHART_DAYS_MAX + 1, 0, "l", NULL) == NULL,
	    "past CHART_DAYS_MAX: NULL");
	tap_ok(chart_days_svg(a, v, 1, -1, "l", NULL) == NULL &&
	    chart_days_svg(a, v, 1, INT64_MIN, "l", NULL) == NULL,
	    "before 1970: NULL");
	tap_ok(chart_days_svg(a, v, 2, CHART_DAY_LAST, "l", NULL) == NULL &&
	    chart_days_svg(a, v, 1, INT64_MAX, "l", NULL) == NULL,
	    "past 9999-12-31: NULL");
	tap_ok(arena_used(a) == used, "a refused chart takes no memory");
	svg = chart_days_svg(a, v, 1, CHART_DAY_LAST, "l", NULL);
	tap_ok(svg != NULL && strstr(svg, "data-day=\"9999-12-31\"") != NULL,
	    "one day: 9999-12-31");
	v[CHART_DAYS_MAX - 1] = 42;
	svg = chart_days_svg(a, v, CHART_DAYS_MAX, libc_day(2016, 1, 1), "l",
	    NULL);
	tap_ok(svg != NULL && bars(svg, b, BARS_MAX) == CHART_DAYS_MAX &&
	    strcmp(b[CHART_DAYS_MAX - 1].hs, "200.00") == 0 &&
	    b[CHART_DAYS_MAX - 1].x + b[CHART_DAYS_MAX - 1].w <=
	    CHART_LEFT + CHART_PLOT_W,
	    "CHART_DAYS_MAX days: every bar, the last inside the plot");
}

int
main(void)
{
	struct arena	*a;

	if ((a = arena_create()) == NULL)
		return 1;
	test_dates(a);
	test_heights(a);
	test_flat(a);
	test_text(a);
	test_limits(a);
	arena_free(a);
	return tap_done();
}
