/*
 * h_stats.c - analytics: a link's stats from the rollups, its raw clicks
 * streamed as NDJSON or CSV, and the instance's totals.
 */
#include "config.h"

#include <inttypes.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "arena.h"
#include "handlers.h"
#include "http.h"
#include "json.h"
#include "store.h"
#include "valid.h"

#define STATS_DAYS_MAX		3660	/* ten years of days */
#define STATS_HOURS_MAX		744	/* thirty-one days of hours */
#define CLICKS_LIMIT_DEF	1000
#define CLICKS_LIMIT_MAX	10000
#define CURSOR_LEN		22	/* 16 bytes in unpadded base64url */

/* The link that the path's code (and ?domain=) names. */
static enum kz_err
stats_link(struct hctx *c, struct link *l)
{
	const char	*domain;
	enum kz_err	 err;

	domain = http_query_get(c->a, c->req->query, "domain");
	if (domain == NULL)
		domain = "";
	if (valid_code(c->arg, strlen(c->arg)) != CODE_OK)
		err = KZ_NOTFOUND;
	else
		err = store_link_get(c->store, c->a, domain, c->arg, l);
	if (err == KZ_NOTFOUND)
		return resp_fail(c->resp, c->a, KZ_NOTFOUND, "not_found", NULL,
		    "there is no link with this code");
	return err;
}

/*
 * A time parameter: RFC 3339, or a date alone (its first second, or its
 * last when end is set). 0: absent; -1: not a time.
 */
static int
time_param(struct hctx *c, const char *name, bool end, int64_t *out)
{
	const char	*v = http_query_get(c->a, c->req->query, name);
	char		 buf[32];
	size_t		 n;

	if (v == NULL || *v == '\0')
		return 0;
	n = strlen(v);
	if (n == 10) {
		snprintf(buf, sizeof(buf), "%sT%s", v, end ? "23:59:59Z" :
		    "00:00:00Z");
		return valid_time(buf, strlen(buf), out) ? 1 : -1;
	}
	return valid_time(v, n, out) ? 1 : -1;
}

static enum kz_err
bad_param(struct hctx *c, const char *code, const char *name,
    const char *detail)
{
	return resp_fail(c->resp, c->a, KZ_BADREQ, code, name, "%s", detail);
}

enum kz_err
h_links_stats(struct hctx *c)
{
	struct stats_report	 r;
	struct stats_point	*rows, *dense;
	struct stats_top	*top;
	struct link		 l;
	const char		*g, *b;
	enum kz_err		 err;
	size_t			 n, i, k, span;
	int64_t			 unit, from_b, to_b, from_d, to_d;
	int			 rc;

	memset(&r, 0, sizeof(r));
	g = http_query_get(c->a, c->req->query, "granularity");
	if (g != NULL && strcmp(g, "hour") == 0)
		r.hourly = true;
	else if (g != NULL && strcmp(g, "day") != 0)
		return bad_param(c, "invalid_parameter", "granularity",
		    "granularity must be day or hour");
	b = http_query_get(c->a, c->req->query, "bots");
	if (b != NULL && strcmp(b, "1") == 0)
		r.bots = true;
	else if (b != NULL && strcmp(b, "0") != 0)
		return bad_param(c, "invalid_parameter", "bots",
		    "bots must be 0 or 1");
	unit = r.hourly ? 3600 : 86400;

	r.to = c->now_ms / 1000;
	if ((rc = time_param(c, "to", true, &r.to)) == -1)
		return bad_param(c, "invalid_parameter", "to", "to must be an "
		    "RFC 3339 time or a date such as 2026-11-23");
	r.from = (r.to / unit - (r.hourly ? 23 : 29)) * unit;
	if ((rc = time_param(c, "from", false, &r.from)) == -1)
		return bad_param(c, "invalid_parameter", "from", "from must be "
		    "an RFC 3339 time or a date such as 2026-11-23");
	if (r.from > r.to)
		return bad_param(c, "invalid_range", "from",
		    "from is after to");
	from_b = r.from / unit;
	to_b = r.to / unit;
	if (to_b - from_b + 1 > (r.hourly ? STATS_HOURS_MAX : STATS_DAYS_MAX))
		return bad_param(c, "range_too_large", "from", r.hourly ?
		    "an hourly series spans at most 744 hours (31 days)" :
		    "a daily series spans at most 3660 days");
	/* Report whole buckets. */
	r.from = from_b * unit;
	r.to = (to_b + 1) * unit - 1;

	if ((err = stats_link(c, &l)) != KZ_OK)
		return err;
	r.code = l.code;
	r.domain = l.domain;

	span = (size_t)(to_b - from_b + 1);
	dense = arena_alloc(c->a, span * sizeof(*dense));
	for (i = 0; i < span; i++) {
		memset(&dense[i], 0, sizeof(dense[i]));
		dense[i].t = from_b + (int64_t)i;
	}
	if ((err = store_stats_series(c->store, c->a, l.id, r.hourly, from_b,
	    to_b, &rows, &n)) != KZ_OK)
		return err;
	for (i = 0; i < n; i++) {
		k = (size_t)(rows[i].t - from_b);
		dense[k] = rows[i];
		if (r.bots)
			dense[k].visits += dense[k].bots;
		r.visits += dense[k].visits;
		r.bot_visits += dense[k].bots;
		r.uniques += dense[k].uniques;
	}
	r.series = dense;
	r.nseries = span;

	from_d = r.from / 86400;
	to_d = r.to / 86400;
	if (r.hourly) {
		/* Visitors are counted per day: take the days the hours touch. */
		if ((err = store_stats_series(c->store, c->a, l.id, false,
		    from_d, to_d, &rows, &n)) != KZ_OK)
			return err;
		for (i = 0; i < n; i++)
			r.uniques += rows[i].uniques;
	}
	for (i = 0; i < STATS_DIMS; i++) {
		top = arena_alloc(c->a, STATS_TOP_MAX * sizeof(*top));
		if ((err = store_stats_top(c->store, c->a, l.id,
		    json_stats_dims[i], from_d, to_d, r.bots, top,
		    &r.ntop[i])) != KZ_OK)
			return err;
		r.top[i] = top;
	}
	{
		const char	*body;
		size_t		 len;

		body = json_stats(c->a, &r, &len);
		resp_header(c->resp, "Cache-Control", "no-store");
		resp_body(c->resp, 200, "application/json", body, len);
	}
	return KZ_OK;
}

/* The export of one page of raw clicks, written as it is read. */
struct export {
	struct store		*store;
	struct arena		*a;
	struct resp_writer	*w;
	int64_t			 link_id, ts, id;
	size_t			 limit;
	bool			 csv;
};

/* One CSV field: quoted when it must be, and never read as a formula. */
static void
csv_field(struct arena *a, struct resp_writer *w, const char *s, bool last)
{
	const char	*p;
	char		*out, *o;
	bool		 quote, formula;

	if (s == NULL)
		s = "";
	formula = s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' ||
	    s[0] == '\t' || s[0] == '\r';
	quote = formula || strpbrk(s, ",\"\r\n") != NULL;
	o = out = arena_alloc(a, 2 * strlen(s) + 5);
	if (quote)
		*o++ = '"';
	if (formula)
		*o++ = '\'';
	for (p = s; *p != '\0'; p++) {
		if (*p == '"')
			*o++ = '"';
		*o++ = *p;
	}
	if (quote)
		*o++ = '"';
	*o++ = last ? '\n' : ',';
	w->write(w->ctx, out, (size_t)(o - out));
}

static void
export_row(const struct click_row *r, void *arg)
{
	struct export	*e = arg;
	char		 ts[32], id[24];
	const char	*line;
	size_t		 len;

	if (!e->csv) {
		line = json_click(e->a, r, &len);
		e->w->write(e->w->ctx, line, len);
		return;
	}
	valid_time_format(r->ts_ms / 1000, ts);
	snprintf(ts + 19, sizeof(ts) - 19, ".%03dZ", (int)(r->ts_ms % 1000));
	snprintf(id, sizeof(id), "%" PRId64, r->id);
	csv_field(e->a, e->w, id, false);
	csv_field(e->a, e->w, ts, false);
	csv_field(e->a, e->w, r->referrer, false);
	csv_field(e->a, e->w, r->referrer_host, false);
	csv_field(e->a, e->w, r->user_agent, false);
	csv_field(e->a, e->w, r->browser, false);
	csv_field(e->a, e->w, r->os, false);
	csv_field(e->a, e->w, r->device, false);
	csv_field(e->a, e->w, r->country, false);
	csv_field(e->a, e->w, r->bot ? "1" : "0", false);
	csv_field(e->a, e->w, r->visitor, true);
}

static void
export_stream(void *arg, struct resp_writer *w)
{
	static const char	header[] = "id,time,referrer,referrer_host,"
	    "user_agent,browser,os,device,country,bot,visitor\n";
	struct export		*e = arg;
	size_t			 n;

	e->w = w;
	if (e->csv)
		w->write(w->ctx, header, sizeof(header) - 1);
	(void)store_clicks_page(e->store, e->link_id, e->ts, e->id, e->limit,
	    export_row, e, &n);
}

static void
cursor_encode(int64_t ts, int64_t id, char *out)
{
	unsigned char	raw[16];
	int		i;

	for (i = 0; i < 8; i++) {
		raw[i] = (unsigned char)((uint64_t)ts >> (56 - 8 * i));
		raw[8 + i] = (unsigned char)((uint64_t)id >> (56 - 8 * i));
	}
	sodium_bin2base64(out, CURSOR_LEN + 1, raw, sizeof(raw),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

static bool
cursor_decode(const char *s, int64_t *ts, int64_t *id)
{
	unsigned char	raw[16];
	size_t		len;
	uint64_t	t = 0, k = 0;
	int		i;

	if (strlen(s) != CURSOR_LEN || sodium_base642bin(raw, sizeof(raw), s,
	    CURSOR_LEN, NULL, &len, NULL,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    len != sizeof(raw))
		return false;
	for (i = 0; i < 8; i++) {
		t = t << 8 | raw[i];
		k = k << 8 | raw[8 + i];
	}
	if (t > INT64_MAX || k > INT64_MAX)
		return false;
	*ts = (int64_t)t;
	*id = (int64_t)k;
	return true;
}

enum kz_err
h_links_clicks(struct hctx *c)
{
	struct export	*e;
	struct link	 l;
	const char	*v;
	char		 next[CURSOR_LEN + 1];
	enum kz_err	 err;
	bool		 more;
	int64_t		 nts, nid, lim;
	char		*end;

	e = arena_alloc(c->a, sizeof(*e));
	memset(e, 0, sizeof(*e));
	e->limit = CLICKS_LIMIT_DEF;
	if ((v = http_query_get(c->a, c->req->query, "limit")) != NULL) {
		lim = strtoll(v, &end, 10);
		if (*v < '0' || *v > '9' || *end != '\0' || lim < 1 ||
		    lim > CLICKS_LIMIT_MAX)
			return bad_param(c, "invalid_parameter", "limit",
			    "limit must be a whole number from 1 to 10000");
		e->limit = (size_t)lim;
	}
	if ((v = http_query_get(c->a, c->req->query, "cursor")) != NULL &&
	    !cursor_decode(v, &e->ts, &e->id))
		return bad_param(c, "invalid_cursor", "cursor",
		    "the cursor is not one that this API gave out");
	if ((err = stats_link(c, &l)) != KZ_OK)
		return err;
	e->store = c->store;
	e->a = c->a;
	e->link_id = l.id;
	e->csv = c->req->accept != NULL &&
	    strcasestr(c->req->accept, "text/csv") != NULL;
	if ((err = store_clicks_page_next(c->store, l.id, e->ts, e->id,
	    e->limit, &more, &nts, &nid)) != KZ_OK)
		return err;
	if (more) {
		cursor_encode(nts, nid, next);
		resp_header(c->resp, "Link", arena_printf(c->a,
		    "</api/v1/links/%s/clicks?cursor=%s&limit=%zu%s%s>; "
		    "rel=\"next\"", l.code, next, e->limit,
		    l.domain[0] != '\0' ? "&domain=" : "", l.domain));
	}
	resp_header(c->resp, "Cache-Control", "no-store");
	resp_stream(c->resp, 200, e->csv ? "text/csv; charset=utf-8" :
	    "application/x-ndjson", export_stream, e);
	return KZ_OK;
}

enum kz_err
h_stats(struct hctx *c)
{
	struct instance_stats	 s;
	const char		*body;
	enum kz_err		 err;
	size_t			 len;

	if ((err = store_instance_stats(c->store, c->a, c->now_ms / 86400000,
	    &s)) != KZ_OK)
		return err;
	body = json_instance(c->a, &s, &len);
	resp_header(c->resp, "Cache-Control", "no-store");
	resp_body(c->resp, 200, "application/json", body, len);
	return KZ_OK;
}
