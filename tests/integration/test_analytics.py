#!/usr/bin/env python3
"""Analytics: the click path into the database, a link's stats, the raw
click export (NDJSON, CSV, pages), the instance's totals, hostile
visitor headers, and the query plans of the stats queries."""

import csv
import io
import json
import os
import re
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kurz  # noqa: E402
from kurz import Instance, is_eq, ok, problem_ok, wait_until  # noqa: E402

UA_CHROME_WIN = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36"
                 " (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36")
UA_SAFARI_IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) "
                    "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 "
                    "Mobile/15E148 Safari/604.1")
UA_FIREFOX_LINUX = ("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) "
                    "Gecko/20100101 Firefox/128.0")
UA_GOOGLEBOT = ("Mozilla/5.0 (compatible; Googlebot/2.1; "
                "+http://www.google.com/bot.html)")
UA_FACEBOOK = ("facebookexternalhit/1.1 "
               "(+http://www.facebook.com/externalhit_uatext.php)")
UA_FORMULA = "Mozilla/5.0 (X11; Linux x86_64) kurz-it-formula"

REF_HN = "https://news.ycombinator.com/item?id=1"
REF_HN_PORT = "https://News.YCombinator.com:443/item?id=2"
REF_TCO = "https://t.co/abc123"
REF_GOOGLE = "https://www.google.com/"
REF_HYPERLINK = '=HYPERLINK("https://evil.example/x","click me")'
REF_AT = "@SUM(1+1)*cmd|' /C calc'!A0"

EXPORT_KEYS = {"id", "time", "referrer", "referrer_host", "user_agent",
               "browser", "os", "device", "country", "bot", "visitor"}
CSV_HEADER = ["id", "time", "referrer", "referrer_host", "user_agent",
              "browser", "os", "device", "country", "bot", "visitor"]
CLICK_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")

# Human GET visits (link_counts.clicks), click rows (bots included), bots,
# distinct visitors today.
EXPECT = {
    "alpha": {"visits": 5, "rows": 7, "bots": 2, "uniques": 3},
    "beta": {"visits": 1, "rows": 1, "bots": 0, "uniques": 1},
    "gamma": {"visits": 2, "rows": 2, "bots": 0, "uniques": 1},
    "hostile": {"visits": 4, "rows": 4, "bots": 0, "uniques": 3},
    "delta": {"visits": 0, "rows": 0, "bots": 0, "uniques": 0},
}
MISSES = {"missing1": 3, "missing2": 1}

# The statements of src/store.c (st_sql[]) whose plans are checked.
PLANS = {
    "ST_STATS_DAYS": (
        "SELECT day, visits, uniques, bots FROM link_days "
        "WHERE link_id = ?1 AND day BETWEEN ?2 AND ?3 ORDER BY day"),
    "ST_STATS_HOURS": (
        "SELECT hour, visits, 0, bots FROM link_hours "
        "WHERE link_id = ?1 AND hour BETWEEN ?2 AND ?3 ORDER BY hour"),
    "ST_STATS_DIM": (
        "SELECT value, visits + ?5 * bots FROM link_dims "
        "WHERE link_id = ?1 AND dim = ?2 AND day BETWEEN ?3 AND ?4 "
        "UNION ALL SELECT value, visits + ?5 * bots FROM link_dims_months "
        "WHERE link_id = ?1 AND dim = ?2 AND month BETWEEN ?6 AND ?7 "
        "UNION ALL SELECT value, visits + ?5 * bots FROM link_dims "
        "WHERE link_id = ?1 AND dim = ?2 AND day BETWEEN ?8 AND ?9"),
    # The flush's, once for each link of a batch (store_clicks_write),
    # and once for each link and month (the fold).
    "ST_FOLD_GET": "SELECT month FROM link_folds WHERE link_id = ?1",
    "ST_FOLD_DIMS": (
        "INSERT INTO link_dims_months (link_id, dim, month, value, visits, "
        "bots) SELECT link_id, dim, "
        "(CAST(strftime('%Y', day * 86400, 'unixepoch') AS INTEGER) - 1970) "
        "* 12 + CAST(strftime('%m', day * 86400, 'unixepoch') AS INTEGER) "
        "- 1, value, sum(visits), sum(bots) FROM link_dims "
        "WHERE link_id = ?1 AND dim IN ('referrer', 'browser', 'os', "
        "'device', 'country') AND day BETWEEN ?2 AND ?3 GROUP BY 2, 3, 4"),
    "ST_CLICKS_PAGE": (
        "SELECT id, ts, bot, referrer, referrer_host, user_agent, browser, "
        "os, device, country, hex(visitor) FROM clicks "
        "WHERE link_id = ?1 AND (ts, id) > (?2, ?3) ORDER BY ts, id "
        "LIMIT ?4"),
    "ST_CLICKS_NEXT": (
        "SELECT ts, id FROM clicks WHERE link_id = ?1 AND (ts, id) > "
        "(?2, ?3) ORDER BY ts, id LIMIT 2 OFFSET ?4 - 1"),
    # The Host's link, then the default domain's, with no temporary
    # B-tree: the redirect runs this on every visit.
    "ST_TARGET": (
        "SELECT id, url, redirect_status, expires_at, max_clicks, "
        "deleted_at IS NOT NULL, forward_query, password_hash, "
        "CASE WHEN max_clicks IS NULL THEN 0 ELSE coalesce((SELECT "
        "clicks FROM link_counts n WHERE n.link_id = links.id), 0) END "
        "FROM links WHERE domain = ?1 AND code = ?2 COLLATE NOCASE "
        "UNION ALL "
        "SELECT id, url, redirect_status, expires_at, max_clicks, "
        "deleted_at IS NOT NULL, forward_query, password_hash, "
        "CASE WHEN max_clicks IS NULL THEN 0 ELSE coalesce((SELECT "
        "clicks FROM link_counts n WHERE n.link_id = links.id), 0) END "
        "FROM links WHERE domain = '' AND code = ?2 COLLATE NOCASE "
        "LIMIT 1"),
    "ST_INST_TOP_LINKS": (
        "SELECT CASE l.domain WHEN '' THEN l.code "
        "ELSE l.domain || '/' || l.code END, n.clicks FROM link_counts n "
        "JOIN links l ON l.id = n.link_id "
        "WHERE l.deleted_at IS NULL AND n.clicks > 0 "
        "ORDER BY n.clicks DESC LIMIT 10"),
}
PLAN_TABLES = ("clicks", "link_days", "link_hours", "link_dims",
               "link_dims_months", "link_folds", "links", "link_counts",
               "n", "l")


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def day_str(d):
    return time.strftime("%Y-%m-%d", time.gmtime(d * 86400))


def ms_time(ms):
    return "%s.%03dZ" % (iso(ms // 1000)[:-1], ms % 1000)


def no_controls(s):
    return not any(ord(ch) < 0x20 or ord(ch) == 0x7f for ch in s)


def main():
    env = {"KURZ_CLICK_FLUSH_MS": "100"}
    with Instance(workers=2, env=env) as inst:
        ids = {}
        for code in ("alpha", "beta", "gamma", "delta", "hostile"):
            r = inst.create("https://example.com/%s?src=it" % code,
                            code=code)
            ok(r.status == 201, "create %s" % code, r)
        for row in inst.query("SELECT id, code FROM links"):
            ids[row["code"]] = row["id"]
        if not ok(len(ids) == 5, "5 links in the database", ids):
            return

        statuses = []

        def visit(path, ua=None, ref=None, method="GET", want=302):
            h = {}
            if ua is not None:
                h["User-Agent"] = ua
            if ref is not None:
                h["Referer"] = ref
            r = inst.request(method, path, key=False, headers=h)
            statuses.append((r.status == want, "%s %s -> %d, want %d" % (
                method, path, r.status, want)))
            return r

        # -- traffic ------------------------------------------------------
        visit("/alpha", UA_CHROME_WIN, REF_HN)
        visit("/alpha", UA_CHROME_WIN, REF_HN)
        visit("/alpha", UA_CHROME_WIN, REF_HN_PORT)
        visit("/alpha", UA_SAFARI_IPHONE, REF_TCO)
        visit("/alpha", UA_FIREFOX_LINUX)
        visit("/alpha", UA_GOOGLEBOT, REF_GOOGLE)
        visit("/alpha", UA_FACEBOOK)
        visit("/alpha", UA_CHROME_WIN, REF_HN, method="HEAD")
        visit("/alpha", UA_SAFARI_IPHONE, method="HEAD")
        visit("/beta", UA_CHROME_WIN, REF_HN)
        visit("/beta", UA_CHROME_WIN, method="HEAD")
        visit("/gamma", UA_FIREFOX_LINUX, REF_TCO)
        visit("/gamma", UA_FIREFOX_LINUX, REF_TCO)
        for _ in range(3):
            visit("/missing1", UA_FIREFOX_LINUX, want=404)
        visit("/missing2", UA_SAFARI_IPHONE, want=404)
        visit("/missing2", UA_SAFARI_IPHONE, method="HEAD", want=404)
        visit("/botmiss", UA_GOOGLEBOT, want=404)
        visit("/botmiss", UA_FACEBOOK, want=404)

        # Hostile headers, on their own link.
        big_ua = (b"Mozilla/5.0 x" + "\u00e9".encode() * 3100)[:6144]
        big_ref = (b"https://ref.example/" + "\u20ac".encode() * 2100)[:6144]
        r = visit("/hostile", big_ua, big_ref)
        ok(r.status == 302, "6 KiB User-Agent and Referer -> 302", r)
        bin_ua = (b"Mozilla/5.0 (X11; Linux x86_64) kurz-bin \x01\xff\xfe "
                  b"\xc3\x28 \xe2\x82 \x7fend")
        bin_ref = b"https://bin.example/p\x01\x7f?q=\xff\xfe"
        r = inst.raw_response(b"GET /hostile HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                              b"User-Agent: " + bin_ua + b"\r\n"
                              b"Referer: " + bin_ref + b"\r\n"
                              b"Connection: close\r\n\r\n")
        statuses.append((r.status == 302, "raw binary headers -> %d"
                         % r.status))
        ok(r.status == 302, "User-Agent with 0x01 0xff 0xfe and invalid "
           "UTF-8 (raw) -> 302", r)
        r = visit("/hostile", UA_FORMULA, REF_HYPERLINK)
        ok(r.status == 302, "Referer =HYPERLINK(...) -> 302", r)
        r = visit("/hostile", UA_FORMULA, REF_AT)
        ok(r.status == 302, "Referer @SUM(...) -> 302", r)

        bad = [d for good, d in statuses if not good]
        ok(not bad, "%d redirects and misses answered as expected"
           % len(statuses), *bad)

        # -- settle -------------------------------------------------------
        def counts():
            rows = {r["code"]: r for r in inst.query(
                "SELECT l.code, coalesce(n.clicks, 0) AS clicks, "
                "(SELECT count(*) FROM clicks c "
                "WHERE c.link_id = l.id) AS n, (SELECT count(*) FROM clicks "
                "c WHERE c.link_id = l.id AND c.bot) AS b FROM links l "
                "LEFT JOIN link_counts n ON n.link_id = l.id")}
            got = {c: (rows[c]["clicks"], rows[c]["n"], rows[c]["b"])
                   for c in rows}
            misses = {r["code"]: r["n"] for r in inst.query(
                "SELECT code, sum(visits) AS n FROM misses GROUP BY code")}
            return got, misses
        want_counts = {c: (e["visits"], e["rows"], e["bots"])
                       for c, e in EXPECT.items()}
        settled = wait_until(lambda: counts() == (want_counts, MISSES), 3.0)
        ok(settled, "clicks reach the database within 3 s "
           "(KURZ_CLICK_FLUSH_MS=100)", "got:  %r" % (counts(),),
           "want: %r" % ((want_counts, MISSES),))
        time.sleep(0.3)  # three flush periods: anything extra would show
        got, misses = counts()
        for c, e in EXPECT.items():
            is_eq(got.get(c, (None,))[0], e["visits"],
                  "link_counts.clicks of %s == its human GET visits" % c)
            is_eq(got.get(c, (0, None))[1], e["rows"],
                  "click rows of %s == all its GETs (bots included, "
                  "HEAD excluded)" % c)
            is_eq(got.get(c, (0, 0, None))[2], e["bots"],
                  "click rows of %s flagged bot=1" % c)
        is_eq(misses, MISSES, "misses: missing1 3, missing2 1, nothing for "
              "HEAD or for a code only bots fetched")
        bot_uas = sorted(r["user_agent"] for r in inst.query(
            "SELECT user_agent FROM clicks WHERE bot = 1"))
        is_eq(bot_uas, sorted([UA_GOOGLEBOT, UA_FACEBOOK]),
              "Googlebot and facebookexternalhit are the rows with bot=1")
        g = inst.request("GET", "/api/v1/links/alpha")
        is_eq((g.json() or {}).get("clicks"), 5, "API link clicks of alpha")

        # -- no raw IP anywhere ------------------------------------------
        hits = []
        c = inst.db()
        try:
            tables = [r[0] for r in c.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")]
            ncols = 0
            for t in tables:
                for col in c.execute("PRAGMA table_info(%s)" % t):
                    ncols += 1
                    n = c.execute(
                        'SELECT count(*) FROM "%s" WHERE instr(CAST("%s" AS '
                        "BLOB), CAST('127.0.0.1' AS BLOB)) > 0"
                        % (t, col[1])).fetchone()[0]
                    if n:
                        hits.append("%s.%s: %d rows" % (t, col[1], n))
        finally:
            c.close()
        ok(not hits and ncols > 0, "no column of any of %d tables holds "
           "\"127.0.0.1\" (%d columns)" % (len(tables), ncols), *hits)
        raw_hits = []
        for suffix in ("", "-wal"):
            try:
                with open(inst.db_path + suffix, "rb") as f:
                    if b"127.0.0.1" in f.read():
                        raw_hits.append("kurz.db" + suffix)
            except OSError:
                pass
        ok(not raw_hits, "the database files hold no \"127.0.0.1\" bytes",
           *raw_hits)

        # -- link stats ---------------------------------------------------
        today = int(time.time()) // 86400
        s = inst.request("GET", "/api/v1/links/alpha/stats")
        j = s.json() or {}
        ok(s.status == 200 and s.content_type() == "application/json",
           "GET stats -> 200 application/json", s)
        is_eq({k: j.get(k) for k in ("code", "domain", "granularity",
                                     "bots_included", "visits",
                                     "unique_visitors", "bots")},
              {"code": "alpha", "domain": "", "granularity": "day",
               "bots_included": False, "visits": 5, "unique_visitors": 3,
               "bots": 2},
              "stats: visits 5, 3 visitors (3 human UAs, one address), "
              "2 bots", s)
        series = j.get("series") or []
        is_eq(len(series), 30, "daily series: 30 buckets by default")
        is_eq([p.get("t") for p in series],
              [iso((today - 29 + i) * 86400) for i in range(30)],
              "daily series is dense and ends today (UTC)")
        is_eq(j.get("from"), iso((today - 29) * 86400), "from: first bucket")
        is_eq(j.get("to"), iso((today + 1) * 86400 - 1),
              "to: last second of today")
        is_eq(series[-1] if series else None,
              {"t": iso(today * 86400), "visits": 5, "unique_visitors": 3,
               "bots": 2}, "today's bucket carries the visits")
        ok(all(p.get("visits") == 0 and p.get("bots") == 0 and
               p.get("unique_visitors") == 0 for p in series[:-1]),
           "the other 29 buckets are zero", series[:-1])
        is_eq(j.get("referrers"),
              [{"value": "news.ycombinator.com", "visits": 3},
               {"value": "(direct)", "visits": 1},
               {"value": "t.co", "visits": 1}],
              "referrers: hosts (lower case, no port), (direct), no bots")
        is_eq(j.get("browsers"),
              [{"value": "Chrome", "visits": 3},
               {"value": "Firefox", "visits": 1},
               {"value": "Safari", "visits": 1}], "browsers")
        is_eq(j.get("os"),
              [{"value": "Windows", "visits": 3},
               {"value": "Linux", "visits": 1},
               {"value": "iOS", "visits": 1}], "os")
        is_eq(j.get("devices"),
              [{"value": "desktop", "visits": 4},
               {"value": "mobile", "visits": 1}], "devices")
        is_eq(j.get("countries"), [], "countries: none (no GeoIP)")
        is_eq(s.header("cache-control"), "no-store", "stats: no-store")

        s0 = inst.request("GET", "/api/v1/links/alpha/stats?bots=0")
        j0 = s0.json() or {}
        j.pop("to", None), j0.pop("to", None)
        ok(s0.status == 200 and j0 == j, "bots=0 is the default", s0)

        s = inst.request("GET", "/api/v1/links/alpha/stats?bots=1")
        j = s.json() or {}
        is_eq({k: j.get(k) for k in ("bots_included", "visits",
                                     "unique_visitors", "bots")},
              {"bots_included": True, "visits": 7, "unique_visitors": 3,
               "bots": 2}, "bots=1: bots added into visits", s)
        series = j.get("series") or []
        is_eq(series[-1] if series else None,
              {"t": iso(today * 86400), "visits": 7, "unique_visitors": 3,
               "bots": 2}, "bots=1: today's bucket counts the bots")
        is_eq(j.get("referrers"),
              [{"value": "news.ycombinator.com", "visits": 3},
               {"value": "(direct)", "visits": 2},
               {"value": "t.co", "visits": 1},
               {"value": "www.google.com", "visits": 1}],
              "bots=1: referrers include the bots'")
        is_eq(j.get("browsers"),
              [{"value": "Chrome", "visits": 3},
               {"value": "bot", "visits": 2},
               {"value": "Firefox", "visits": 1},
               {"value": "Safari", "visits": 1}],
              "bots=1: browsers include bot")
        is_eq(j.get("os"),
              [{"value": "Windows", "visits": 3},
               {"value": "Other", "visits": 2},
               {"value": "Linux", "visits": 1},
               {"value": "iOS", "visits": 1}], "bots=1: os")
        is_eq(j.get("devices"),
              [{"value": "desktop", "visits": 4},
               {"value": "bot", "visits": 2},
               {"value": "mobile", "visits": 1}], "bots=1: devices")

        # granularity=hour
        h0 = int(time.time()) // 3600
        s = inst.request("GET", "/api/v1/links/alpha/stats?granularity=hour")
        h1 = int(time.time()) // 3600
        j = s.json() or {}
        series = j.get("series") or []
        ok(s.status == 200 and j.get("granularity") == "hour",
           "granularity=hour -> 200", s)
        is_eq(len(series), 24, "hourly series: 24 buckets by default")
        ts = [p.get("t") for p in series]
        ok(ts in ([iso((h - 23 + i) * 3600) for i in range(24)]
                  for h in (h0, h1)),
           "hourly series is dense and ends this hour", ts)
        is_eq(sum(p.get("visits", 0) for p in series), 5,
              "hourly series sums to the visits")
        is_eq((j.get("visits"), j.get("unique_visitors"), j.get("bots")),
              (5, 3, 2), "hourly: visits, visitors (per day), bots")
        ok(series and all(set(p) == {"t", "visits", "bots"} for p in series),
           "hourly buckets: t, visits, bots", series[:2])

        # from / to
        def stats(q):
            return inst.request("GET", "/api/v1/links/alpha/stats?" + q)

        def span(q, want_from, want_to, n, visits, name):
            r = stats(q)
            jj = r.json() or {}
            ser = jj.get("series") or []
            ok(r.status == 200 and jj.get("from") == want_from and
               jj.get("to") == want_to and len(ser) == n and
               jj.get("visits") == visits and
               sum(p.get("visits", 0) for p in ser) == visits,
               "%s: %s .. %s, %d buckets, %d visits" % (
                   name, want_from, want_to, n, visits),
               "got from %r to %r, %d buckets, visits %r" % (
                   jj.get("from"), jj.get("to"), len(ser),
                   jj.get("visits")), r)

        td, yd = day_str(today), day_str(today - 1)
        span("from=%s&to=%s" % (td, td), iso(today * 86400),
             iso((today + 1) * 86400 - 1), 1, 5, "dates from=to=today")
        span("from=%s&to=%s" % (yd, td), iso((today - 1) * 86400),
             iso((today + 1) * 86400 - 1), 2, 5, "dates yesterday..today")
        span("from=%s" % day_str(today - 9), iso((today - 9) * 86400),
             iso((today + 1) * 86400 - 1), 10, 5, "from alone, to = now")
        span("from=%sT12:34:56Z&to=%sT01:00:00Z" % (day_str(today - 2), td),
             iso((today - 2) * 86400), iso((today + 1) * 86400 - 1), 3, 5,
             "RFC 3339 times widen to whole days")
        q = "from=%s&to=%s" % (
            urllib.parse.quote("%sT00:00:00+01:00" % td, safe=""),
            urllib.parse.quote("%sT01:00:00+02:00" % day_str(today + 1),
                               safe=""))
        span(q, iso((today - 1) * 86400), iso((today + 1) * 86400 - 1), 2,
             5, "RFC 3339 with offsets (+01:00 reaches yesterday)")
        span("from=2020-01-01&to=2020-01-31", "2020-01-01T00:00:00Z",
             "2020-01-31T23:59:59Z", 31, 0, "a past month: zeros")
        r = stats("from=2020-01-01&to=2020-01-31")
        jj = r.json() or {}
        ok(all(jj.get(k) == [] for k in ("referrers", "browsers", "os",
                                         "devices", "countries")),
           "a past month: empty top lists", r)
        span("granularity=hour&from=%s&to=%s" % (td, td),
             iso(today * 86400), iso((today + 1) * 86400 - 1), 24, 5,
             "hourly over today's date")
        span("granularity=hour&from=2026-01-01T10:30:00Z&"
             "to=2026-01-01T12:00:00Z", "2026-01-01T10:00:00Z",
             "2026-01-01T12:59:59Z", 3, 0,
             "hourly RFC 3339 10:30..12:00 widens to whole hours")
        span("to=%s" % yd, iso((today - 30) * 86400),
             iso(today * 86400 - 1), 30, 0, "to alone: 30 days ending then")
        # The largest ranges allowed, and one bucket more.
        d0 = 10957  # 2000-01-01
        span("from=2000-01-01&to=%s" % day_str(d0 + 3659),
             "2000-01-01T00:00:00Z", iso((d0 + 3660) * 86400 - 1), 3660, 0,
             "a daily range of 3660 days is allowed")
        span("granularity=hour&from=2026-01-01&to=2026-01-31",
             "2026-01-01T00:00:00Z", "2026-01-31T23:59:59Z", 744, 0,
             "an hourly range of 744 hours is allowed")

        # -- bad input ----------------------------------------------------
        base = "/api/v1/links/alpha/stats"
        for q, code, field, name in (
                ("from=2026-01-02&to=2026-01-01", "invalid_range", "from",
                 "from after to (dates)"),
                ("from=2026-01-01T12:00:00Z&to=2026-01-01T11:00:00Z",
                 "invalid_range", "from", "from after to (RFC 3339)"),
                ("granularity=week", "invalid_parameter", "granularity",
                 "granularity=week"),
                ("bots=2", "invalid_parameter", "bots", "bots=2"),
                ("bots=true", "invalid_parameter", "bots", "bots=true"),
                ("from=garbage", "invalid_parameter", "from", "from=garbage"),
                ("to=2026-13-01", "invalid_parameter", "to", "to=2026-13-01"),
                ("from=2000-01-01&to=%s" % day_str(d0 + 3660),
                 "range_too_large", "from", "a daily range of 3661 days"),
                ("from=2000-01-01&to=2026-01-01", "range_too_large", "from",
                 "a daily range of 26 years"),
                ("granularity=hour&from=2026-01-01&to=2026-02-01T00:00:00Z",
                 "range_too_large", "from", "an hourly range of 745 hours"),
                ("granularity=hour&from=%s" % day_str(today - 40),
                 "range_too_large", "from", "an hourly range of 41 days")):
            r = inst.request("GET", base + "?" + q)
            problem_ok(r, 400, code, "stats %s -> 400 %s" % (name, code),
                       field=field)
        r = inst.request("GET", "/api/v1/links/nosuchcode/stats")
        problem_ok(r, 404, "not_found", "stats of an unknown code -> 404")
        for path in ("/api/v1/links/alpha/stats",
                     "/api/v1/links/alpha/clicks", "/api/v1/stats"):
            r = inst.request("GET", path, key=False)
            problem_ok(r, 401, "unauthorized", "GET %s without a key -> 401"
                       % path)

        # -- raw clicks: NDJSON --------------------------------------------
        db_rows = inst.query(
            "SELECT id, ts, bot, referrer, referrer_host, user_agent, "
            "browser, os, device, hex(visitor) AS visitor FROM clicks "
            "WHERE link_id = ? ORDER BY ts, id", (ids["alpha"],))
        r = inst.request("GET", "/api/v1/links/alpha/clicks")
        is_eq(r.content_type(), "application/x-ndjson",
              "clicks: NDJSON by default", r)
        lines = r.body.split(b"\n")
        ok(lines and lines[-1] == b"", "NDJSON ends with a newline", r)
        objs, bad_lines = [], []
        for ln in lines[:-1]:
            try:
                objs.append(json.loads(ln.decode("utf-8")))
            except ValueError as e:
                bad_lines.append("%r: %s" % (ln[:200], e))
        ok(not bad_lines, "every NDJSON line is a JSON document", *bad_lines)
        is_eq(len(objs), 7, "NDJSON: 7 clicks of alpha (bots included)")
        ok(objs and all(isinstance(o, dict) and set(o) == EXPORT_KEYS
                        for o in objs),
           "NDJSON objects: id, time, referrer, referrer_host, user_agent, "
           "browser, os, device, country, bot, visitor", objs[:1])
        is_eq([o.get("id") for o in objs], [x["id"] for x in db_rows],
              "NDJSON: every click, in time order")
        is_eq([o.get("time") for o in objs], [ms_time(x["ts"])
                                              for x in db_rows],
              "NDJSON: time is RFC 3339 UTC with milliseconds")
        ok(all(CLICK_TIME.match(str(o.get("time"))) for o in objs),
           "NDJSON: time format", [o.get("time") for o in objs])
        is_eq(sorted((o.get("browser"), o.get("os"), o.get("device"),
                      o.get("bot")) for o in objs),
              sorted([("Chrome", "Windows", "desktop", False)] * 3 +
                     [("Safari", "iOS", "mobile", False),
                      ("Firefox", "Linux", "desktop", False),
                      ("bot", "Other", "bot", True),
                      ("bot", "Other", "bot", True)]),
              "NDJSON: browser, os, device, bot")
        is_eq(sorted(str(o.get("referrer_host")) for o in objs),
              sorted(["news.ycombinator.com"] * 3 +
                     ["t.co", "www.google.com", "None", "None"]),
              "NDJSON: referrer_host (null without Referer)")
        is_eq(sorted(str(o.get("referrer")) for o in objs),
              sorted([REF_HN, REF_HN, REF_HN_PORT, REF_TCO, REF_GOOGLE,
                      "None", "None"]), "NDJSON: referrer as sent")
        humans = [o for o in objs if o.get("bot") is False]
        ok(all(re.match(r"^[0-9A-F]{32}$", str(o.get("visitor")))
               for o in humans) and all(o.get("visitor") is None
                                        for o in objs if o.get("bot")),
           "NDJSON: visitor is a hex hash for people, null for bots",
           [o.get("visitor") for o in objs])
        is_eq(len({o.get("visitor") for o in humans}), 3,
              "NDJSON: 3 distinct visitors among 5 human clicks")
        ok(all(o.get("country") is None for o in objs),
           "NDJSON: country null without GeoIP")
        ok("link" not in r.headers, "no Link header when one page holds "
           "all", r)

        # -- raw clicks: CSV ----------------------------------------------
        r = inst.request("GET", "/api/v1/links/alpha/clicks",
                         headers={"Accept": "text/csv"})
        is_eq(r.content_type(), "text/csv", "Accept: text/csv -> CSV", r)
        rows = list(csv.reader(io.StringIO(r.body.decode("utf-8"),
                                           newline="")))
        is_eq(rows[0] if rows else None, CSV_HEADER, "CSV header line")
        is_eq([x[0] for x in rows[1:]], [str(x["id"]) for x in db_rows],
              "CSV: every click, in time order")
        ok(rows and all(len(x) == 11 for x in rows),
           "CSV: 11 fields on every line", rows)
        is_eq([x[9] for x in rows[1:]], [str(x["bot"]) for x in db_rows],
              "CSV: bot column 0/1")
        is_eq([(x[2], x[4]) for x in rows[1:]],
              [(x["referrer"] or "", x["user_agent"] or "") for x in db_rows],
              "CSV: referrer and user_agent round-trip")

        # -- raw clicks: pages ---------------------------------------------
        got_ids, pages, path, page_bad = [], 0, \
            "/api/v1/links/alpha/clicks?limit=2", []
        while path is not None and pages < 20:
            r = inst.request("GET", path)
            pages += 1
            if r.status != 200:
                page_bad.append(r.describe())
                break
            page = [json.loads(x) for x in r.body.decode().splitlines()]
            if len(page) > 2:
                page_bad.append("page %d has %d rows" % (pages, len(page)))
            got_ids += [o["id"] for o in page]
            link = r.header("link")
            path = None
            if link is not None:
                m = re.match(r'^<([^>]+)>;\s*rel="next"$', link)
                if not m:
                    page_bad.append("bad Link header %r" % link)
                    break
                path = m.group(1)
        ok(not page_bad, "pages of limit=2 answer 200 with at most 2 rows",
           *page_bad)
        is_eq(pages, 4, "7 clicks in pages of 2: 4 pages, the last without "
              "a Link")
        is_eq(got_ids, [x["id"] for x in db_rows],
              "walking the pages gives every click exactly once, in time "
              "order")
        r = inst.request("GET", "/api/v1/links/alpha/clicks?limit=7")
        ok(r.status == 200 and "link" not in r.headers and
           len(r.body.splitlines()) == 7, "limit = the number of clicks: "
           "one page, no Link", r)
        r = inst.request("GET", "/api/v1/links/alpha/clicks?limit=3",
                         headers={"Accept": "text/csv"})
        ok(r.status == 200 and r.content_type() == "text/csv" and
           len(r.body.splitlines()) == 4 and
           'rel="next"' in (r.header("link") or ""),
           "CSV pages: header + 3 rows and a Link", r)
        for q, code in (("cursor=garbage", "invalid_cursor"),
                        ("cursor=AAAAAAAAAAAAAAAAAAAAAA==", "invalid_cursor"),
                        ("cursor=%2F%2F%2F%2F%2F%2F%2F%2F%2F%2F%2F%2F%2F%2F"
                         "%2F%2F%2F%2F%2F%2F%2F%2F", "invalid_cursor"),
                        ("limit=0", "invalid_parameter"),
                        ("limit=10001", "invalid_parameter"),
                        ("limit=abc", "invalid_parameter"),
                        ("limit=-1", "invalid_parameter"),
                        ("limit=", "invalid_parameter"),
                        ("limit=2x", "invalid_parameter")):
            r = inst.request("GET", "/api/v1/links/alpha/clicks?" + q)
            problem_ok(r, 400, code, "clicks %s -> 400 %s" % (q, code))
        r = inst.request("GET", "/api/v1/links/alpha/clicks?limit=10000")
        is_eq(r.status, 200, "clicks limit=10000 -> 200", r)
        r = inst.request("GET", "/api/v1/links/nosuchcode/clicks")
        problem_ok(r, 404, "not_found", "clicks of an unknown code -> 404")
        r = inst.request("GET", "/api/v1/links/delta/clicks")
        ok(r.status == 200 and r.body == b"" and "link" not in r.headers,
           "clicks of a link never visited: empty NDJSON", r)

        # -- instance stats -----------------------------------------------
        r = inst.request("GET", "/api/v1/stats")
        j = r.json() or {}
        ok(r.status == 200 and r.content_type() == "application/json",
           "GET /api/v1/stats -> 200", r)
        is_eq(j.get("links"), 5, "instance: 5 links")
        is_eq(j.get("visits"), 12, "instance: 12 visits (link_counts.clicks)")
        is_eq(j.get("today"), {"visits": 12, "unique_visitors": 8,
                               "bots": 2}, "instance: today")
        is_eq(j.get("top_links"),
              [{"link": "alpha", "visits": 5},
               {"link": "hostile", "visits": 4},
               {"link": "gamma", "visits": 2},
               {"link": "beta", "visits": 1}],
              "instance: top_links, most visited first, none unvisited")
        is_eq(j.get("top_missed_codes"),
              [{"code": "missing1", "visits": 3},
               {"code": "missing2", "visits": 1}],
              "instance: top_missed_codes (no entry for a bot's miss)")

        # -- hostile headers, stored ---------------------------------------
        hrows = inst.query(
            "SELECT id, CAST(user_agent AS BLOB) AS ua, CAST(referrer AS "
            "BLOB) AS ref FROM clicks WHERE link_id = ? ORDER BY id",
            (ids["hostile"],))
        is_eq(len(hrows), 4, "hostile: 4 click rows")
        problems = []
        for x in hrows:
            for col, lim in (("ua", 512), ("ref", 1024)):
                v = x[col]
                if v is None:
                    continue
                if len(v) > lim:
                    problems.append("click %d %s: %d bytes" % (
                        x["id"], col, len(v)))
                try:
                    s = v.decode("utf-8")
                except UnicodeDecodeError as e:
                    problems.append("click %d %s: not UTF-8: %s %r" % (
                        x["id"], col, e, v[:80]))
                    continue
                if not no_controls(s):
                    problems.append("click %d %s: control characters: %r"
                                    % (x["id"], col, s[:80]))
        ok(not problems, "stored user_agent <= 512 bytes, referrer <= 1024 "
           "bytes, both UTF-8 without control characters", *problems)
        uas = {x["ua"] for x in hrows}
        ok(big_ua[:512].decode("utf-8", "ignore").encode() in uas,
           "the 6 KiB User-Agent is kept cut to 512 bytes at a character "
           "boundary", sorted(len(u) for u in uas if u))
        refs = {x["ref"] for x in hrows}
        ok(big_ref[:1024].decode("utf-8", "ignore").encode() in refs,
           "the 6 KiB Referer is kept cut to 1024 bytes at a character "
           "boundary", sorted(len(u) for u in refs if u))
        want_bin = (b"Mozilla/5.0 (X11; Linux x86_64) kurz-bin ??? ?( ?? "
                    b"?end")
        ok(want_bin in uas, "binary User-Agent stored with '?' for control "
           "bytes and invalid UTF-8", "want %r" % want_bin,
           "got %r" % sorted(uas, key=len)[:3])
        ok(b"https://bin.example/p???q=??" in refs, "binary Referer stored "
           "with '?'", "got %r" % sorted(refs, key=len)[:3])
        ok(REF_HYPERLINK.encode() in refs, "formula Referer stored as sent")

        r = inst.request("GET", "/api/v1/links/hostile/clicks")
        bad_lines, hobjs = [], []
        for ln in r.body.split(b"\n")[:-1]:
            try:
                hobjs.append(json.loads(ln.decode("utf-8")))
            except ValueError as e:
                bad_lines.append("%r: %s" % (ln[:120], e))
        ok(r.status == 200 and not bad_lines and len(hobjs) == 4,
           "hostile NDJSON: 4 lines, each valid UTF-8 JSON", *bad_lines)
        ok(all(len((o.get("user_agent") or "").encode()) <= 512 and
               len((o.get("referrer") or "").encode()) <= 1024 and
               no_controls(o.get("user_agent") or "") and
               no_controls(o.get("referrer") or "") for o in hobjs),
           "hostile NDJSON: bounded, no control characters")
        r = inst.request("GET", "/api/v1/links/hostile/clicks",
                         headers={"Accept": "text/csv"})
        text = r.body.decode("utf-8", "replace")
        crow = list(csv.reader(io.StringIO(text, newline="")))
        ok(r.status == 200 and len(crow) == 5 and
           all(len(x) == 11 for x in crow), "hostile CSV: header + 4 rows "
           "of 11 fields", r)
        cells = [x[2] for x in crow[1:]]
        ok("'" + REF_HYPERLINK in cells, "CSV: the =HYPERLINK referrer cell "
           "starts with '", cells)
        ok("'" + REF_AT in cells, "CSV: the @SUM referrer cell starts with '",
           cells)
        ok('"\'=HYPERLINK(""https://evil.example/x"",""click me"")"' in text,
           "CSV: the formula cell is quoted, the ' inside the quotes", text)
        ok(not any(x[2][:1] in ("=", "+", "-", "@") for x in crow[1:]),
           "CSV: no referrer cell starts with = + - @")

        # -- query plans --------------------------------------------------
        now_ms = int(time.time() * 1000)
        binds = {
            "ST_STATS_DAYS": (ids["alpha"], today - 29, today),
            "ST_STATS_HOURS": (ids["alpha"], now_ms // 3600000 - 23,
                               now_ms // 3600000),
            "ST_STATS_DIM": (ids["alpha"], "referrer", today - 400,
                             today - 390, 0, 661, 672, today - 5, today),
            "ST_FOLD_GET": (ids["alpha"],),
            "ST_FOLD_DIMS": (ids["alpha"], 0, today - 1),
            "ST_CLICKS_PAGE": (ids["alpha"], 0, 0, 1000),
            "ST_CLICKS_NEXT": (ids["alpha"], 0, 0, 1000),
            "ST_TARGET": ("127.0.0.1", "alpha"),
            "ST_INST_TOP_LINKS": (),
        }
        c = inst.db()
        try:
            for name, sql in PLANS.items():
                try:
                    plan = [r[3] for r in c.execute(
                        "EXPLAIN QUERY PLAN " + sql, binds[name])]
                except Exception as e:  # noqa: B902
                    ok(False, "EXPLAIN QUERY PLAN %s" % name, repr(e))
                    continue
                scans = [p for p in plan if re.match(
                    r"^SCAN (%s)\b" % "|".join(PLAN_TABLES), p)]
                ok(any(p.startswith("SEARCH ") for p in plan) and not scans,
                   "%s: SEARCH by index, no full SCAN" % name, *plan)
                if name in ("ST_TARGET", "ST_INST_TOP_LINKS", "ST_STATS_DIM"):
                    ok(not any("TEMP B-TREE" in p for p in plan),
                       "%s: no temporary B-tree" % name, *plan)
        finally:
            c.close()
        ok(inst.healthy(), "still healthy")


if __name__ == "__main__":
    kurz.run(main, timeout=90)
